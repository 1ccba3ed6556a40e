//! A generated class of submissions to the policy gradient assignment
//! (derivations/assignments/policy_gradient/assignment.deriv), for the
//! grading benchmarks: about 60 % valid chains (different routes, ASCII
//! or Unicode spelling, factors in any order), 30 % flawed (one typical
//! mistake somewhere in the chain), 10 % that cannot be parsed. The same
//! seed gives the same class.

use rand::{RngExt, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

/// The steps of the derivation, each written a few equivalent ways.
const ROUTE: [&[&str]; 6] = [
    &["∇_θ J(θ)", "grad_theta J(theta)"],
    &[
        "∇_θ Σ_τ Pr_θ(τ) R(τ)",
        "∇_θ Σ_τ R(τ) Pr_θ(τ)",
        "grad_theta sum_tau Pr_theta(tau) R(tau)",
    ],
    &[
        "Σ_τ ∇_θ Pr_θ(τ) R(τ)",
        "Σ_τ R(τ) ∇_θ Pr_θ(τ)",
        "sum_tau R(tau) grad_theta Pr_theta(tau)",
    ],
    &[
        "Σ_τ Pr_θ(τ) (∇_θ Pr_θ(τ) / Pr_θ(τ)) R(τ)",
        "Σ_τ R(τ) Pr_θ(τ) (∇_θ Pr_θ(τ) / Pr_θ(τ))",
    ],
    &[
        "Σ_τ Pr_θ(τ) ∇_θ log Pr_θ(τ) R(τ)",
        "Σ_τ R(τ) Pr_θ(τ) ∇_θ log Pr_θ(τ)",
        "sum_tau Pr_theta(tau) grad_theta log Pr_theta(tau) R(tau)",
    ],
    &[
        "E_{τ~Pr_θ}[∇_θ log Pr_θ(τ) R(τ)]",
        "E_{τ~Pr_θ}[R(τ) ∇_θ log Pr_θ(τ)]",
        "E_{tau~Pr_theta}[grad_theta log Pr_theta(tau) R(tau)]",
    ],
];

/// Typical mistakes, each in place of one step of the route.
const MISTAKES: [&str; 6] = [
    "Σ_τ Pr_θ(τ) ∇_θ Pr_θ(τ) R(τ)",
    "E_{τ~Pr_θ}[∇_θ R(τ)]",
    "Σ_τ ∇_θ log Pr_θ(τ) R(τ)",
    "Σ_τ Pr_θ(τ) ∇_θ log Pr_θ(τ)",
    "−Σ_τ Pr_θ(τ) ∇_θ log Pr_θ(τ) R(τ)",
    "2 Σ_τ ∇_θ Pr_θ(τ) R(τ)",
];

const JUSTIFICATIONS: [&str; 5] = [
    "by definition of J",
    "by linearity of the gradient",
    "by multiplying and dividing by Pr_θ(τ)",
    "by the log-derivative trick",
    "by definition of expectation",
];

/// The text of submission `k` of a class generated from `seed`.
pub fn submission(seed: u64, k: u64) -> String {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed ^ k.wrapping_mul(0x9E37_79B9_7F4A_7C15));
    let roll: u32 = rng.random_range(0..100);
    // Which steps of the route are written: always the first, the rest
    // mostly (a skipped step makes a longer, still valid, leap).
    let mut lines: Vec<String> = Vec::new();
    for (i, forms) in ROUTE.iter().enumerate() {
        if i > 0 && i < ROUTE.len() - 1 && rng.random_range(0..5) == 0 {
            continue;
        }
        lines.push(forms[rng.random_range(0..forms.len())].to_string());
    }
    if (60..90).contains(&roll) {
        let at = rng.random_range(1..lines.len());
        lines[at] = MISTAKES[rng.random_range(0..MISTAKES.len())].to_string();
    }
    let mut text = format!("# submission {k}\n{}\n", lines[0]);
    for (i, l) in lines.iter().enumerate().skip(1) {
        let by = JUSTIFICATIONS[(i - 1) % JUSTIFICATIONS.len()];
        text.push_str(&format!("  = {l}    {by}\n"));
    }
    if roll >= 90 {
        // Cannot be parsed: an unclosed bracket, a stray symbol, or a
        // relation with nothing after it.
        match rng.random_range(0..3) {
            0 => text.push_str("  = Σ_τ (Pr_θ(τ) R(τ)\n"),
            1 => text = text.replacen("∇", "∇ ]", 1),
            _ => text.push_str("  =\n"),
        }
    }
    text
}
