//! Properties of grading (docs/grading.md): appending a wrong step never raises a
//! grade; every submission, however hostile, gets a score in [0, points];
//! the intended order of an ordering exercise scores at least as well as
//! any other.

use super::*;
use proptest::prelude::*;

const ASSIGNMENT: &str = "param θ\nset T\nvar τ in T\nfun R(τ)\nfun Pr_θ(τ) : dist τ\n\
    def J(θ) = Σ_τ Pr_θ(τ) R(τ)\npoints 10\n\
    claim ∇_θ J(θ) = E_{τ~Pr_θ}[∇_θ log Pr_θ(τ) R(τ)]\n\
    milestone Σ_τ Pr_θ(τ) ∇_θ log Pr_θ(τ) R(τ)\n\
    steps\n\
      A: ∇_θ J(θ)\n\
      B: ∇_θ Σ_τ Pr_θ(τ) R(τ)\n\
      C: Σ_τ ∇_θ Pr_θ(τ) R(τ)\n\
      D: Σ_τ Pr_θ(τ) ∇_θ log Pr_θ(τ) R(τ)\n\
      E: E_{τ~Pr_θ}[∇_θ log Pr_θ(τ) R(τ)]\n";

/// Expressions of the policy gradient derivation: the right ones (all
/// equal to ∇_θ J(θ)) and wrong ones.
const RIGHT: [&str; 6] = [
    "∇_θ J(θ)",
    "∇_θ Σ_τ Pr_θ(τ) R(τ)",
    "Σ_τ ∇_θ Pr_θ(τ) R(τ)",
    "Σ_τ Pr_θ(τ) (∇_θ Pr_θ(τ) / Pr_θ(τ)) R(τ)",
    "Σ_τ Pr_θ(τ) ∇_θ log Pr_θ(τ) R(τ)",
    "E_{τ~Pr_θ}[∇_θ log Pr_θ(τ) R(τ)]",
];
const WRONG: [&str; 4] = [
    "Σ_τ Pr_θ(τ) ∇_θ Pr_θ(τ) R(τ)",
    "E_{τ~Pr_θ}[∇_θ R(τ)]",
    "Σ_τ ∇_θ log Pr_θ(τ) R(τ)",
    "2 Σ_τ ∇_θ Pr_θ(τ) R(τ)",
];

fn grader(a: &Assignment) -> Grader<'_> {
    let mut opts = GradeOptions::default();
    opts.check.trials = 8;
    Grader::new(a, opts)
}

fn assignment() -> Assignment {
    Assignment::from_text("a.deriv", ASSIGNMENT).unwrap_or_else(|e| panic!("{}", e.render()))
}

fn submission(kind: Kind) -> Submission {
    Submission {
        id: "s".into(),
        path: "s.deriv".into(),
        kind: Some(kind),
        id_note: None,
        identity: None,
        refused: None,
    }
}

fn chain_text(exprs: &[&str]) -> String {
    let mut t = format!("{}\n", exprs[0]);
    for e in &exprs[1..] {
        t.push_str(&format!("  = {e}\n"));
    }
    t
}

fn expression() -> impl Strategy<Value = &'static str> {
    prop_oneof![
        3 => proptest::sample::select(&RIGHT[..]),
        1 => proptest::sample::select(&WRONG[..]),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn appending_a_wrong_step_never_raises_a_grade(
        chain in proptest::collection::vec(expression(), 1..6),
        wrong in proptest::sample::select(&WRONG[..]),
    ) {
        let a = assignment();
        let g = grader(&a);
        let before = g.grade_text(&submission(Kind::Deriv), Ok(chain_text(&chain)));
        let mut longer = chain.clone();
        longer.push(wrong);
        let after = g.grade_text(&submission(Kind::Deriv), Ok(chain_text(&longer)));
        prop_assert!(after.errors.is_empty(), "{}", after.feedback);
        let last = after.steps.last().expect("a step");
        // The appended step is wrong unless it restates a wrong expression.
        prop_assume!(!last.verdict.is_valid());
        prop_assert!(after.score <= before.score, "{} > {}\n{}\n{}", after.score, before.score, before.feedback, after.feedback);
    }

    #[test]
    fn every_submission_scores_within_the_points(text in "\\PC{0,200}") {
        let a = assignment();
        let g = grader(&a);
        for kind in [Kind::Deriv, Kind::Labels] {
            let r = g.grade_text(&submission(kind), Ok(text.clone()));
            prop_assert!(r.score >= 0.0 && r.score <= r.max, "{}", r.feedback);
            prop_assert!(!r.feedback.is_empty());
            prop_assert_eq!(r.valid, r.errors.is_empty() && r.steps.iter().all(|s| s.sound()) && r.breakdown.as_ref().is_some_and(|b| b.assume_lines.is_empty()));
        }
    }

    #[test]
    fn the_intended_order_scores_best(order in Just(vec!["A", "B", "C", "D", "E"]).prop_shuffle()) {
        let a = assignment();
        let g = grader(&a);
        let best = g.grade_text(&submission(Kind::Labels), Ok("A B C D E".into()));
        prop_assert_eq!(best.score, 10.0, "{}", best.feedback);
        let r = g.grade_text(&submission(Kind::Labels), Ok(order.join(" ")));
        prop_assert!(r.score <= best.score);
        if order != ["A", "B", "C", "D", "E"] {
            prop_assert!(r.score < best.score, "{}", r.feedback);
            prop_assert!(!r.valid);
        }
    }
}
