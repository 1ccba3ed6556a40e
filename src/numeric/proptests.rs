//! Properties of the numeric engine: forward-mode gradients agree with
//! central finite differences, and perturbed true identities are refuted.

use super::eval::{Evaluator, Val};
use super::instance::{Instance, Limits};
use super::NumericEngine;
use crate::resolve::{resolve_text, Term};
use crate::verdict::with_first_step;
use crate::verdict::{Engine, Verdict};
use proptest::prelude::*;
use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;

/// Random smooth expressions in the scalar parameter `x`, written as text.
fn smooth() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        Just("x".to_string()),
        (1i32..6).prop_map(|k| k.to_string()),
        (1i32..9).prop_map(|k| format!("0.{k}")),
    ];
    leaf.prop_recursive(4, 24, 2, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a} + {b})")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a} - {b})")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a} · {b})")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a} / ({b}^2 + 1))")),
            inner.clone().prop_map(|a| format!("exp({a} / 4)")),
            inner.clone().prop_map(|a| format!("log({a}^2 + 1)")),
            inner.clone().prop_map(|a| format!("sqrt({a}^2 + 1)")),
            (inner, 1i32..4).prop_map(|(a, k)| format!("({a})^{k}")),
        ]
    })
}

fn eval_at(term: &Term, prog: &crate::resolve::Program, x: f64) -> Option<Val> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(0);
    let mut inst = Instance::draw(prog, &mut rng, &Limits::default()).ok()?;
    inst.params[0][0] = x;
    Evaluator::new(prog, &inst, Limits::default())
        .eval(term)
        .ok()
}

const PG: &str =
    "param θ\nset T\nvar τ in T\nfun R(τ)\nfun Pr_θ(τ) : dist τ\nfun f(τ) : positive\n\
                  fun g(τ) : positive\nconst b\ndef J(θ) = Σ_τ Pr_θ(τ) R(τ)";
const MDP: &str = "mdp states S actions A horizon H";

/// True identities, with whether their value is generically non-zero.
const IDENTITIES: &[(&str, &str, &str)] = &[
    (
        PG,
        "Σ_τ ∇_θ Pr_θ(τ) R(τ)",
        "Σ_τ Pr_θ(τ) ∇_θ log Pr_θ(τ) R(τ)",
    ),
    (PG, "∇_θ J(θ)", "E_{τ~Pr_θ}[∇_θ log Pr_θ(τ) R(τ)]"),
    (PG, "Σ_τ Pr_θ(τ) R(τ)", "E_{τ~Pr_θ}[R(τ)]"),
    (PG, "log (f(τ) g(τ))", "log f(τ) + log g(τ)"),
    (PG, "Σ_τ Pr_θ(τ) (R(τ) - b)", "Σ_τ Pr_θ(τ) R(τ) - b"),
    (PG, "∇_θ J(θ)", "E_{τ~Pr_θ}[∇_θ log Pr_θ(τ) (R(τ) - b)]"),
    (
        MDP,
        "∇_θ log Pr_θ(τ)",
        "Σ_{t=0}^{H-1} ∇_θ log π_θ(a_t | s_t)",
    ),
    ("param x", "d/dx x^3", "3 x^2"),
];

fn decide(decls: &str, lhs: &str, rhs: &str, seed: u64) -> Verdict {
    with_first_step(&format!("{decls}\n\n{lhs}\n= {rhs}\n"), seed, |p| {
        NumericEngine::default().decide(p).into_verdict()
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn forward_mode_gradients_match_finite_differences(body in smooth(), x in -1.5f64..1.5) {
        let (prog, syntax) = resolve_text(&format!("param x\n\n∇_x {body}\n= 0\n"));
        prop_assert!(syntax.is_empty() && prog.errors.is_empty());
        let chain = &prog.chains[0];
        let Term::Grad { body: f, .. } = &chain.start.term else { panic!("not a gradient") };
        let Some(Val::V(ad)) = eval_at(&chain.start.term, &prog, x) else { return Ok(()) };
        let h = 1e-5;
        let (Some(Val::S(up)), Some(Val::S(down))) = (eval_at(f, &prog, x + h), eval_at(f, &prog, x - h)) else {
            return Ok(());
        };
        let fd = (up.v - down.v) / (2.0 * h);
        // A finite difference of a large value loses its digits to rounding
        // (x - e^31 at h = 1e-5 differences to 0): only moderate values.
        prop_assume!(ad[0].is_finite() && fd.is_finite() && ad[0].abs() < 1e6);
        prop_assume!(up.v.abs() < 1e6 && down.v.abs() < 1e6);
        prop_assert!((ad[0] - fd).abs() <= 1e-4 * 1f64.max(ad[0].abs()), "{body} at {x}: {} vs {fd}", ad[0]);
    }

    #[test]
    fn true_identities_are_confirmed(k in 0..IDENTITIES.len(), seed in any::<u64>()) {
        let (decls, lhs, rhs) = IDENTITIES[k];
        let v = decide(decls, lhs, rhs, seed);
        prop_assert!(matches!(v, Verdict::Confirmed { .. }), "{lhs} = {rhs}: {v:?}");
    }

    #[test]
    fn perturbed_identities_are_refuted(
        k in 0..IDENTITIES.len(),
        scale in prop::sample::select(vec!["(1 + 1/8)", "(-1)", "0.5", "(1 - 1/1000)"]),
        seed in any::<u64>(),
    ) {
        let (decls, lhs, rhs) = IDENTITIES[k];
        let wrong = format!("{scale} · ({rhs})");
        let v = decide(decls, lhs, &wrong, seed);
        prop_assert!(matches!(v, Verdict::Refuted { .. }), "{lhs} = {wrong}: {v:?}");
    }

    #[test]
    fn a_distribution_sums_to_one_but_not_its_square(seed in any::<u64>()) {
        let one = decide(PG, "Σ_τ Pr_θ(τ)", "1", seed);
        prop_assert!(matches!(one, Verdict::Confirmed { .. }), "{one:?}");
        let square = decide(PG, "Σ_τ Pr_θ(τ)^2", "1", seed);
        prop_assert!(matches!(square, Verdict::Refuted { .. }), "{square:?}");
    }
}
