//! Snapshots of what a teacher and a student read: the table for a class
//! and one student's feedback file, for the two-trajectory exercise (exact
//! arithmetic, so every figure is fixed). A reviewer sees the exact text;
//! `cargo insta review` accepts a deliberate change.

use assert_cmd::Command;

const TT: &str = "derivations/assignments/two_trajectories";

#[test]
fn the_table_of_a_class() {
    let out = Command::cargo_bin("derivcheck")
        .unwrap()
        .env("NO_COLOR", "1")
        .args([
            "grade",
            &format!("{TT}/assignment.deriv"),
            &format!("{TT}/submissions"),
        ])
        .output()
        .unwrap();
    insta::assert_snapshot!(String::from_utf8_lossy(&out.stdout));
}

#[test]
fn the_feedback_file_of_a_student() {
    let dir = tempfile::tempdir().unwrap();
    let status = Command::cargo_bin("derivcheck")
        .unwrap()
        .args(["grade", "--out"])
        .arg(dir.path())
        .args([
            &format!("{TT}/assignment.deriv"),
            &format!("{TT}/submissions/sign_error.deriv"),
            &format!("{TT}/submissions/unweighted.deriv"),
        ])
        .output()
        .unwrap()
        .status;
    assert!(status.success());
    for id in ["sign_error", "unweighted"] {
        let text = std::fs::read_to_string(dir.path().join(format!("feedback/{id}.txt"))).unwrap();
        insta::assert_snapshot!(id, text);
    }
}

/// `derivcheck ARGS` as the user sees it on standard output.
fn stdout_of(args: &[&str]) -> String {
    let out = Command::cargo_bin("derivcheck")
        .unwrap()
        .env("NO_COLOR", "1")
        .args(args)
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The text report of steps whose mistakes are known: the mistake in
/// plain words under the counterexample.
#[test]
fn the_text_report_of_known_mistakes() {
    insta::assert_snapshot!(stdout_of(&[
        "check",
        "derivations/flawed/exp_of_sum.deriv",
        "derivations/flawed/off_by_one_range.deriv",
    ]));
}

/// The CI reports of a finding of every kind (tests/data/findings.deriv,
/// unclosed.deriv; exact arithmetic, so every figure is fixed).
const FINDINGS: [&str; 2] = ["tests/data/findings.deriv", "tests/data/unclosed.deriv"];

#[test]
fn the_sarif_log_of_a_run() {
    let mut args = vec!["check", "--format", "sarif"];
    args.extend(FINDINGS);
    insta::assert_snapshot!(stdout_of(&args));
}

#[test]
fn the_github_commands_of_a_run() {
    let mut args = vec!["check", "--format", "github"];
    args.extend(FINDINGS);
    insta::assert_snapshot!(stdout_of(&args));
}

#[test]
fn the_canvas_gradebook_of_a_class() {
    let (a, s) = (
        format!("{TT}/assignment.deriv"),
        format!("{TT}/submissions"),
    );
    insta::assert_snapshot!(stdout_of(&["grade", "--format", "canvas", &a, &s]));
}

#[test]
fn the_moodle_gradebook_of_a_class() {
    let (a, s) = (
        format!("{TT}/assignment.deriv"),
        format!("{TT}/submissions"),
    );
    insta::assert_snapshot!(stdout_of(&["grade", "--format", "moodle", &a, &s]));
}

#[test]
fn the_gradescope_results_of_a_student() {
    let a = format!("{TT}/assignment.deriv");
    let s = format!("{TT}/submissions/sign_error.deriv");
    insta::assert_snapshot!(stdout_of(&["grade", "--format", "gradescope", &a, &s]));
}
