//! Inner products refereed by the numeric engine: pairs of expressions
//! equal by bilinearity, symmetry, Σ-linearity and `∇_θ ⟨θ, v⟩ = v` are
//! never refuted, and what the symbolic engine proves the numeric engine
//! confirms; the same pairs with a term nothing cancels are never proved
//! or confirmed.

use crate::numeric::NumericEngine;
use crate::symbolic::normalize::Budget;
use crate::symbolic::{prove, Outcome};
use crate::verdict::{with_first_step, Engine, Verdict};
use proptest::prelude::*;

const DECLS: &str = "param θ\nset T\nvar τ in T\nvar x in T\nfun R(τ)\nfun q(τ) : dist τ\n\
                     fun w(τ) : positive\nconst c\nfun φ(τ) : vector\nfun ψ(τ) : vector\n";

/// A vector expression and an equal one, free of θ.
fn vectors() -> impl Strategy<Value = (String, String)> {
    let leaf = prop_oneof![
        Just(("φ(τ)".to_string(), "φ(τ)".to_string())),
        Just(("ψ(τ)".to_string(), "ψ(τ)".to_string())),
        Just(("E_{x~q}[φ(x)]".to_string(), "(Σ_x φ(x) · q(x))".to_string())),
        Just((
            "(Σ_x R(x) · ψ(x))".to_string(),
            "(Σ_x ψ(x) · R(x))".to_string()
        )),
    ];
    leaf.prop_recursive(3, 16, 2, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(a, b)| (
                format!("({} + {})", a.0, b.0),
                format!("({} + {})", b.1, a.1)
            )),
            (
                inner,
                prop::sample::select(vec!["R(τ)", "c", "2", "-1", "w(τ)"])
            )
                .prop_map(|(a, k)| (format!("({k} · {})", a.0), format!("({} · {k})", a.1))),
        ]
    })
}

/// A scalar (or, with `true`, a vector) expression built with inner
/// products, and an equal one.
fn pairs() -> impl Strategy<Value = (String, String, bool)> {
    prop_oneof![
        (vectors(), vectors()).prop_map(|(u, v)| (
            format!("⟨{}, {}⟩", u.0, v.0),
            format!("⟨{}, {}⟩", v.1, u.1),
            false
        )),
        vectors().prop_map(|v| (format!("θ^T {}", v.0), format!("<{}, θ>", v.1), false)),
        (vectors(), vectors(), vectors()).prop_map(|(u, v, w)| (
            format!("⟨{}, {} + {}⟩", u.0, v.0, w.0),
            format!("(⟨{}, {}⟩ + ⟨{}, {}⟩)", u.1, v.1, w.1, u.1),
            false
        )),
        vectors().prop_map(|v| (format!("∇_θ (θ^T {})", v.0), v.1, true)),
        vectors().prop_map(|v| (
            format!("∇_θ (R(τ) · exp(θ^T {}))", v.0),
            format!("(R(τ) · exp(⟨{}, θ⟩) · {})", v.1, v.1),
            true
        )),
        vectors().prop_map(|v| (
            format!("⟨∇_θ ⟨θ, θ⟩, {}⟩", v.0),
            format!("(2 · θ^T {})", v.1),
            false
        )),
    ]
}

fn judge(a: &str, b: &str, seed: u64) -> (Outcome, Verdict) {
    with_first_step(&format!("{DECLS}\n{a}\n= {b}\n"), seed, |p| {
        (
            prove(p, Budget::default()),
            NumericEngine::default().decide(p).into_verdict(),
        )
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn true_inner_product_rewrites_are_proved_and_confirmed(
        (a, b, _) in pairs(),
        seed in any::<u64>()
    ) {
        let (symbolic, numeric) = judge(&a, &b, seed);
        prop_assert!(matches!(symbolic, Outcome::Proved(_)), "not proved: {a} = {b}: {symbolic:?}");
        prop_assert!(
            !matches!(numeric, Verdict::Refuted { .. }),
            "proved but refuted: {a} = {b}: {numeric:?}"
        );
    }

    #[test]
    fn wrong_inner_product_rewrites_are_never_proved(
        (a, b, vector) in pairs(),
        seed in any::<u64>()
    ) {
        let wrong = if vector {
            format!("{b} + w(τ) · ψ(τ)")
        } else {
            format!("{b} + w(τ)")
        };
        let (symbolic, numeric) = judge(&a, &wrong, seed);
        prop_assert!(!matches!(symbolic, Outcome::Proved(_)), "a wrong step was proved: {a} = {wrong}");
        prop_assert!(
            !matches!(numeric, Verdict::Confirmed { .. }),
            "a wrong step was confirmed: {a} = {wrong}"
        );
    }
}
