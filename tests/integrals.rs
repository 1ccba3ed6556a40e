//! Integrals, densities and the normal density, through the binary: every
//! integral rule proved under its name and confirmed by the numeric engine
//! alone; wrong steps refuted; integrals that are not shown to converge,
//! and definite integrals, reported rather than decided.

use assert_cmd::Command;
use serde_json::Value;
use std::fs;

const DECLS: &str = "\
param θ
set S
var s in S
var x in ℝ
var a in reals
fun p(x) : dist x
fun f(x)
fun g(x)
fun π_θ(a | s) : dist a
fun μ_θ(s)
fun r(s, a)
const σ : positive
const c
";

/// Each integral rule with an example step that needs it.
const RULE_EXAMPLES: &[(&str, &str, &str)] = &[
    ("E as ∫", "E_{x~p}[f(x)]", "∫_x p(x) f(x)"),
    (
        "∫-linearity",
        "∫_x p(x) [f(x) + g(x)]",
        "∫_x p(x) f(x) + ∫_x p(x) g(x)",
    ),
    ("∫ factor out", "∫_x c p(x) f(x)", "c ∫_x p(x) f(x)"),
    ("∫ p = 1", "∫_x p(x)", "1"),
    ("∫ ∇p = 0", "∫_a ∇_θ π_θ(a | s)", "0"),
    (
        "∇ through ∫",
        "∇_θ ∫_a π_θ(a | s) r(s, a)",
        "∫_a ∇_θ π_θ(a | s) r(s, a)",
    ),
    (
        "normal density",
        "∇_θ log N(a; μ_θ(s), σ^2)",
        "(a - μ_θ(s)) / σ^2 ∇_θ μ_θ(s)",
    ),
];

fn check_json(text: &str, args: &[&str]) -> Value {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("step.deriv");
    fs::write(&path, text).expect("write");
    let out = Command::cargo_bin("derivcheck")
        .expect("binary")
        .args(["check", "--format", "json"])
        .args(args)
        .arg(&path)
        .output()
        .expect("runs");
    serde_json::from_slice(&out.stdout).expect("json")
}

fn steps(v: &Value) -> Vec<Value> {
    v["files"][0]["chains"]
        .as_array()
        .expect("chains")
        .iter()
        .flat_map(|c| c["steps"].as_array().expect("steps").clone())
        .collect()
}

fn one_step(lhs: &str, rhs: &str, args: &[&str]) -> Value {
    let v = check_json(&format!("{DECLS}\n    {lhs}\n  = {rhs}\n"), args);
    let s = steps(&v);
    assert_eq!(s.len(), 1, "{v}");
    s[0].clone()
}

#[test]
fn every_integral_rule_is_proved_by_name_and_confirmed_numerically() {
    for (rule, lhs, rhs) in RULE_EXAMPLES {
        let proved = one_step(lhs, rhs, &[]);
        assert_eq!(proved["verdict"], "proved", "{rule}: {proved}");
        let detail = proved["detail"].as_str().unwrap_or("");
        assert!(detail.contains(rule), "{rule}: {detail}");
        let numeric = one_step(lhs, rhs, &["--no-symbolic"]);
        assert_eq!(numeric["verdict"], "confirmed", "{rule}: {numeric}");
    }
}

#[test]
fn a_confirmed_integral_states_its_precision() {
    let s = one_step("∫_x N(x; c, σ^2) x^2", "c^2 + σ^2", &[]);
    assert_eq!(s["verdict"], "confirmed", "{s}");
    let detail = s["detail"].as_str().unwrap_or("");
    assert!(detail.contains("Gauss–Hermite"), "{detail}");
}

#[test]
fn wrong_integral_steps_are_refuted() {
    for (lhs, rhs) in [
        ("∫_x N(x; c, σ^2) x^2", "c^2 + σ"),
        ("∫_x N(x; c, σ^2) (x - c)^2", "σ"),
        ("∫_x p(x) [f(x) + 1]", "∫_x p(x) f(x)"),
        ("∇_θ log N(a; μ_θ(s), σ^2)", "(a - μ_θ(s)) / σ ∇_θ μ_θ(s)"),
        ("E_{a~π_θ(·|s)}[r(s, a)]", "∫_a r(s, a) π_θ(a | s) + 1/1000"),
    ] {
        for args in [&[][..], &["--no-symbolic"][..]] {
            let s = one_step(lhs, rhs, args);
            assert_eq!(s["verdict"], "refuted", "{lhs} = {rhs} {args:?}: {s}");
        }
    }
}

#[test]
fn an_integral_with_no_density_is_unknown_with_the_reason() {
    let s = one_step("∫_x f(x)", "∫_x [f(x) + 0]", &["--no-symbolic"]);
    assert_eq!(s["verdict"], "unknown", "{s}");
    let detail = s["detail"].as_str().unwrap_or("");
    assert!(detail.contains("not shown to converge"), "{detail}");
    // A constant integrand diverges: the symbolic engine declines too.
    let s = one_step("∫_x 1", "∫_x 2", &[]);
    assert_eq!(s["verdict"], "unknown", "{s}");
}

#[test]
fn definite_integrals_and_integrals_over_sets_are_errors_at_their_place() {
    for (step, message) in [
        ("∫_{x=0}^{1} f(x)", "definite integrals"),
        ("∫_{x ∈ S} f(x)", "real line"),
        ("∫_s r(s, a)", "does not range over ℝ"),
    ] {
        let v = check_json(&format!("{DECLS}\n    {step}\n  = 0\n"), &[]);
        let errors = v["files"][0]["errors"].as_array().expect("errors");
        assert!(
            errors.iter().any(
                |e| e["message"].as_str().is_some_and(|m| m.contains(message)) && e["line"] == 15
            ),
            "{step}: {v}"
        );
    }
}

#[test]
fn a_density_needs_a_real_variable_and_n_without_semicolon_is_a_name() {
    let v = check_json("fun p(x) : dist x\n", &[]);
    let errors = v["files"][0]["errors"].as_array().expect("errors");
    assert!(
        errors.iter().any(|e| e["message"]
            .as_str()
            .is_some_and(|m| m.contains("declared in ℝ"))),
        "{v}"
    );
    let v = check_json("const N : count\n    N + N\n  = 2 N\n", &[]);
    assert_eq!(steps(&v)[0]["verdict"], "proved", "{v}");
}

#[test]
fn a_product_of_distant_normal_densities_is_integrated_where_its_mass_is() {
    // On the numeric engine's extreme instances the two means lie many
    // spreads apart: the product's mass is between them, far from the
    // nodes of either.
    let text = format!(
        "{DECLS}const b\n\n    ∫_x N(x; c, σ^2) N(x; b, σ^2)\n  = N(c; b, 2 σ^2)\n\n    ∫_x N(x; c, σ^2) N(x; b, σ^2)\n  = N(c; b, 2 σ^2) + N(c; b, 2 σ^2) / 1000\n"
    );
    for seed in ["1", "2", "3", "4", "5", "6", "7", "8"] {
        let v = check_json(&text, &["--no-symbolic", "--seed", seed]);
        let s = steps(&v);
        assert_eq!(s[0]["verdict"], "confirmed", "seed {seed}: {}", s[0]);
        assert_eq!(s[1]["verdict"], "refuted", "seed {seed}: {}", s[1]);
    }
}

#[test]
fn a_normal_density_with_a_real_variance_is_checked_where_the_variance_is_positive() {
    // c may be 0 on an instance: there N(a; 0, c^2) has no value, and the
    // instance is redrawn rather than the step left unknown.
    let s = one_step("∫_a N(a; c, c^2) [1 + a]", "1 + c", &["--no-symbolic"]);
    assert_eq!(s["verdict"], "confirmed", "{s}");
    let s = one_step("∫_a N(a; c, c^2) a^2", "c^2", &["--no-symbolic"]);
    assert_eq!(s["verdict"], "refuted", "{s}");
}
