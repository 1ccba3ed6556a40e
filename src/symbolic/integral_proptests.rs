//! Soundness of the integral rules, refereed by the numeric engine: pairs
//! of integrals equal by a true rewrite (E as ∫, ∫-linearity, factoring
//! out, ∇ through ∫, the log-derivative under ∫, ∫ p = 1) must never be
//! refuted, and a wrong pair (a positive integral added) must never be
//! proved or confirmed.

use super::Outcome;
use crate::verdict::Verdict;
use proptest::prelude::*;

const DECLS: &str = "param θ\nvar x in ℝ\nfun f(x)\nfun g(x)\nfun w(x) : positive\n\
                     fun p(x) : dist x\nfun q_θ(x) : dist x\nconst b\nconst c : positive";

/// A function of x, and an equal way to write it.
fn integrand() -> impl Strategy<Value = (String, String)> {
    let leaf = prop_oneof![
        Just("f(x)"),
        Just("g(x)"),
        Just("b"),
        Just("x"),
        Just("x^2"),
        Just("c")
    ]
    .prop_map(|s| (s.to_string(), s.to_string()));
    leaf.prop_recursive(2, 8, 2, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(a, b)| (
                format!("({} + {})", a.0, b.0),
                format!("({} + {})", b.1, a.1)
            )),
            (inner.clone(), inner).prop_map(|(a, b)| (
                format!("({} · {})", a.0, b.0),
                format!("({} · {})", b.1, a.1)
            )),
        ]
    })
}

/// Two integrals equal by one of the integral rules.
fn pairs() -> impl Strategy<Value = (String, String)> {
    (integrand(), integrand(), 0..6usize).prop_map(|((a, a2), (b, b2), rule)| match rule {
        0 => (format!("E_{{x~p}}[{a}]"), format!("∫_x p(x) · ({a2})")),
        1 => (
            format!("∫_x p(x) · ({a} + {b})"),
            format!("∫_x p(x) · ({a2}) + ∫_x p(x) · ({b2})"),
        ),
        2 => (
            format!("∫_x c · p(x) · ({a})"),
            format!("c · ∫_x p(x) · ({a2})"),
        ),
        3 => (
            format!("∇_θ ∫_x q_θ(x) · ({a})"),
            format!("∫_x ∇_θ q_θ(x) · ({a2})"),
        ),
        4 => (
            format!("∫_x ∇_θ q_θ(x) · ({a})"),
            format!("∫_x q_θ(x) · ∇_θ log q_θ(x) · ({a2})"),
        ),
        _ => (
            format!("∫_x q_θ(x) · ({a} + 1)"),
            format!("∫_x q_θ(x) · ({a2}) + 1"),
        ),
    })
}

fn judge(a: &str, b: &str, seed: u64) -> (Outcome, Verdict) {
    super::proptests::judge_in(DECLS, a, b, seed)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn true_integral_rewrites_are_never_refuted((a, b) in pairs(), seed in any::<u64>()) {
        let (symbolic, numeric) = judge(&a, &b, seed);
        prop_assert!(
            !matches!(numeric, Verdict::Refuted { .. }),
            "a true rewrite was refuted numerically: {a} = {b}: {numeric:?}"
        );
        prop_assert!(matches!(symbolic, Outcome::Proved(_)), "not proved: {a} = {b}: {symbolic:?}");
    }

    #[test]
    fn wrong_integral_rewrites_are_never_proved_or_confirmed((a, b) in pairs(), seed in any::<u64>()) {
        // A positive integral added, or a gradient one for a gradient.
        let wrong = if a.contains('∇') {
            format!("{b} + ∫_x ∇_θ q_θ(x) · w(x)")
        } else {
            format!("{b} + ∫_x p(x) · w(x)")
        };
        let (symbolic, numeric) = judge(&a, &wrong, seed);
        prop_assert!(!matches!(symbolic, Outcome::Proved(_)), "a wrong step was proved: {a} = {wrong}");
        prop_assert!(
            !matches!(numeric, Verdict::Confirmed { .. }),
            "a wrong step was confirmed: {a} = {wrong}: {numeric:?}"
        );
    }
}
