//! Fuzz target: grade one submission, of any kind, against a fixed
//! assignment. Whatever the bytes, grading returns a result with a score
//! in [0, points] and feedback, and never panics or hangs.

#![no_main]

use derivcheck::grade::{Assignment, GradeOptions, Grader, Kind, Submission};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

/// The policy gradient assignment with an ordering block, so that chains
/// and label lists are both graded against something real.
const ASSIGNMENT: &str = "param θ\nset T\nvar τ in T\nfun R(τ)\nfun Pr_θ(τ) : dist τ\n\
    def J(θ) = Σ_τ Pr_θ(τ) R(τ)\npoints 10\n\
    claim ∇_θ J(θ) = E_{τ~Pr_θ}[∇_θ log Pr_θ(τ) R(τ)]\n\
    milestone Σ_τ Pr_θ(τ) ∇_θ log Pr_θ(τ) R(τ)\n\
    steps\n  A: ∇_θ J(θ)\n  B: Σ_τ ∇_θ Pr_θ(τ) R(τ)\n  C: E_{τ~Pr_θ}[∇_θ log Pr_θ(τ) R(τ)]\n";

fn assignment() -> &'static Assignment {
    static A: OnceLock<Assignment> = OnceLock::new();
    A.get_or_init(|| Assignment::from_text("assignment.deriv", ASSIGNMENT).expect("assignment"))
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let kind = match selector % 3 {
        0 => Kind::Deriv,
        1 => Kind::Labels,
        _ => Kind::Markdown,
    };
    let text = std::str::from_utf8(rest).map(str::to_string).map_err(|e| e.to_string());
    let mut opts = GradeOptions::default();
    // Few instances a step: the fuzzer looks for crashes, not for rare
    // counterexamples.
    opts.check.trials = 4;
    opts.check.samples = 200;
    let grader = Grader::new(assignment(), opts);
    let sub = Submission {
        id: "fuzz".into(),
        path: "fuzz.deriv".into(),
        kind: Some(kind),
        id_note: None,
        identity: None,
        refused: None,
    };
    let r = grader.grade_text(&sub, text);
    assert!(r.score >= 0.0 && r.score <= r.max, "{}", r.feedback);
    assert!(!r.feedback.is_empty());
});
