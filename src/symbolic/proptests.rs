//! Soundness of the symbolic engine, refereed by the numeric engine.
//!
//! Pairs of expressions are generated together: the second is the first
//! with random true rewrites applied (commutativity, distribution, the
//! log-derivative, E as Σ, Σ-linearity, Σ interchange, the product rule,
//! log and exp laws, multiplying and dividing by a positive factor, …). Whenever the symbolic
//! engine proves a pair, the numeric engine must confirm it. Wrong pairs add
//! a term that no rewrite can cancel; they must never be proved, and the
//! numeric engine must refute them.

use super::normalize::Budget;
use super::{prove, Outcome};
use crate::numeric::NumericEngine;
use crate::verdict::with_first_step;
use crate::verdict::{Engine, Verdict};
use proptest::prelude::*;

const DECLS: &str = "param θ\nset T\nvar τ in T\nfun R(τ)\nfun g(τ)\nfun Pr_θ(τ) : dist τ\n\
                     fun q(τ) : dist τ\nfun f(τ) : positive\nfun w(τ) : positive\nfun h_θ(τ) : positive\n\
                     const b\nconst c : positive\nconst N : count";

/// An expression, an equal one, and whether it is a gradient vector.
type Pair = (String, String, bool);

fn leaf() -> impl Strategy<Value = Pair> {
    let scalar = |s: &str| (s.to_string(), s.to_string(), false);
    prop_oneof![
        Just(scalar("R(τ)")),
        Just(scalar("g(τ)")),
        Just(scalar("f(τ)")),
        Just(scalar("Pr_θ(τ)")),
        Just(scalar("h_θ(τ)")),
        Just(scalar("b")),
        Just(scalar("c")),
        Just(scalar("2")),
        Just(scalar("0.5")),
        Just(("∇_θ Pr_θ(τ)".into(), "∇_θ Pr_θ(τ)".into(), true)),
        Just((
            "∇_θ log Pr_θ(τ)".into(),
            "(∇_θ Pr_θ(τ) / Pr_θ(τ))".into(),
            true
        )),
        Just(("log(f(τ) · c)".into(), "(log f(τ) + log c)".into(), false)),
        Just(("exp(R(τ) + b)".into(), "(exp(R(τ)) · exp(b))".into(), false)),
        Just(("log exp(g(τ))".into(), "g(τ)".into(), false)),
        Just((
            "∇_θ log h_θ(τ)".into(),
            "(∇_θ h_θ(τ) / h_θ(τ))".into(),
            true
        )),
    ]
}

fn pairs() -> impl Strategy<Value = Pair> {
    leaf().prop_recursive(4, 40, 3, |inner| {
        prop_oneof![
            // commutativity of + and ·
            (inner.clone(), inner.clone()).prop_filter_map("same kind", |(a, b)| {
                (a.2 == b.2).then(|| {
                    (
                        format!("({} + {})", a.0, b.0),
                        format!("({} + {})", b.1, a.1),
                        a.2,
                    )
                })
            }),
            (inner.clone(), inner.clone()).prop_filter_map("one vector at most", |(a, b)| {
                (!(a.2 && b.2)).then(|| {
                    (
                        format!("({} · {})", a.0, b.0),
                        format!("({} · {})", b.1, a.1),
                        a.2 || b.2,
                    )
                })
            }),
            // distribution
            (inner.clone(), inner.clone(), inner.clone()).prop_filter_map("kinds", |(a, b, c)| {
                (b.2 == c.2 && !(a.2 && b.2)).then(|| {
                    (
                        format!("({} · ({} + {}))", a.0, b.0, c.0),
                        format!("({} · {} + {} · {})", a.1, b.1, a.1, c.1),
                        a.2 || b.2,
                    )
                })
            }),
            // multiply and divide by a positive factor
            inner
                .clone()
                .prop_map(|a| (a.0, format!("({} · f(τ) / f(τ))", a.1), a.2)),
            // division by a positive factor
            inner.clone().prop_map(|a| (
                format!("({} / c)", a.0),
                format!("({} · c^(-1))", a.1),
                a.2
            )),
            // E as Σ
            inner.clone().prop_map(|a| (
                format!("E_{{τ~Pr_θ}}[{}]", a.0),
                format!("(Σ_τ Pr_θ(τ) · ({}))", a.1),
                a.2
            )),
            // Σ-linearity and factoring out a constant
            (inner.clone(), inner.clone()).prop_filter_map("same kind", |(a, b)| {
                (a.2 == b.2).then(|| {
                    (
                        format!("(Σ_τ ({} + {}))", a.0, b.0),
                        format!("(Σ_τ ({}) + Σ_τ ({}))", a.1, b.1),
                        a.2,
                    )
                })
            }),
            inner.clone().prop_map(|a| (
                format!("(Σ_τ (c · {}))", a.0),
                format!("(c · Σ_τ ({}))", a.1),
                a.2
            )),
            // interchange of a range sum and a set sum (f(τ)^i depends
            // on both variables, so no factor comes out instead)
            inner.clone().prop_map(|a| (
                format!("(Σ_{{i=1}}^{{N}} Σ_τ ({}) · f(τ)^i)", a.0),
                format!("(Σ_τ Σ_{{i=1}}^{{N}} f(τ)^i · ({}))", a.1),
                a.2
            )),
            // gradients of scalars: inside, and the product rule
            inner.clone().prop_filter_map("scalar", |a| {
                (!a.2).then(|| (format!("∇_θ ({})", a.0), format!("∇_θ ({})", a.1), true))
            }),
            (inner.clone(), inner).prop_filter_map("scalars", |(a, b)| {
                (!a.2 && !b.2).then(|| {
                    (
                        format!("∇_θ ({} · {})", a.0, b.0),
                        format!("(∇_θ ({}) · {} + {} · ∇_θ ({}))", a.1, b.1, a.1, b.1),
                        true,
                    )
                })
            }),
        ]
    })
}

/// The verdicts of the symbolic and the numeric engine on `a = b`.
fn judge(a: &str, b: &str, seed: u64) -> (Outcome, Verdict) {
    judge_in(DECLS, a, b, seed)
}

/// The verdicts of the symbolic and the numeric engine on `a = b` under
/// the declarations `decls`.
pub(super) fn judge_in(decls: &str, a: &str, b: &str, seed: u64) -> (Outcome, Verdict) {
    with_first_step(&format!("{decls}\n\n{a}\n= {b}\n"), seed, |p| {
        let symbolic = prove(p, Budget::default());
        let numeric = NumericEngine::default().decide(p).into_verdict();
        (symbolic, numeric)
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn what_is_proved_the_numeric_engine_confirms((a, b, _) in pairs(), seed in any::<u64>()) {
        let (symbolic, numeric) = judge(&a, &b, seed);
        prop_assert!(
            !matches!(numeric, Verdict::Refuted { .. }),
            "a true rewrite was refuted numerically: {a} = {b}: {numeric:?}"
        );
        if matches!(symbolic, Outcome::Proved(_)) {
            prop_assert!(
                !matches!(numeric, Verdict::Refuted { .. }),
                "proved but refuted: {a} = {b}"
            );
        }
    }

    #[test]
    fn wrong_rewrites_are_never_proved((a, b, vector) in pairs(), seed in any::<u64>()) {
        let wrong = if vector {
            format!("{b} + w(τ) · ∇_θ Pr_θ(τ)")
        } else {
            format!("{b} + w(τ)")
        };
        let (symbolic, numeric) = judge(&a, &wrong, seed);
        prop_assert!(!matches!(symbolic, Outcome::Proved(_)), "a wrong step was proved: {a} = {wrong}: {symbolic:?}");
        prop_assert!(
            !matches!(numeric, Verdict::Confirmed { .. }),
            "a wrong step was confirmed: {a} = {wrong}"
        );
    }
}

#[test]
fn most_true_rewrites_are_proved() {
    // Coverage, not soundness: the engine should close the rewrites it has
    // rules for. Deterministic sample of the generator.
    use proptest::strategy::ValueTree;
    use proptest::test_runner::{Config, TestRunner};
    let mut runner = TestRunner::new_with_rng(
        Config::default(),
        proptest::test_runner::TestRng::deterministic_rng(
            proptest::test_runner::RngAlgorithm::ChaCha,
        ),
    );
    let strategy = pairs();
    let (mut proved, mut total) = (0, 0);
    for _ in 0..300 {
        let (a, b, _) = strategy.new_tree(&mut runner).expect("a pair").current();
        total += 1;
        if matches!(judge(&a, &b, 1).0, Outcome::Proved(_)) {
            proved += 1;
        }
    }
    assert!(
        proved * 10 >= total * 9,
        "only {proved} of {total} true rewrites proved"
    );
}

/// A true step the numeric engine refutes: on the instance this seed draws
/// (b = −786.8, so exp(b) underflows to 0 on the right while exp(R(τ) + b)
/// stays about 1e-265 on the left), the right side's error bound does not
/// cover the left side's value. Found by `what_is_proved_the_numeric_engine_confirms`;
/// kept here, ignored, until the bound is found and fixed (run it with
/// `cargo test --lib -- --ignored a_tiny_exponential`).
#[test]
#[ignore = "a known false refutation: an error bound lost after an underflow"]
fn a_tiny_exponential_is_not_a_counterexample() {
    let (_, numeric) = judge(
        "((Σ_{i=1}^{N} Σ_τ (exp(R(τ) + b)) · f(τ)^i) · ∇_θ log Pr_θ(τ))",
        "(((∇_θ Pr_θ(τ) / Pr_θ(τ)) · (Σ_τ Σ_{i=1}^{N} f(τ)^i · ((exp(R(τ)) · exp(b))))) · f(τ) / f(τ))",
        4085032584971634809,
    );
    assert!(!matches!(numeric, Verdict::Refuted { .. }), "{numeric:?}");
}
