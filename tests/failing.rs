//! Every file in `tests/failing/` is unusable input: `derivcheck check`
//! exits 2 and reports exactly the errors the file expects.
//!
//! A file states each error it must get as a comment, in its format's own
//! comment syntax — `# expect error L:C: text` in `.deriv`,
//! `% expect error L:C: text` in `.tex`, `<!-- expect error L:C: text -->`
//! in `.md` — where `L:C` is the 1-based line
//! and column of the diagnostic and `text` a part of its message. Every
//! expected error must be reported, with a hint; no other error may be; and
//! no step on an expected error's line is checked (its chain is broken).
//! A file states at least one error.
//!
//! The corpus holds one file for each kind of error a user can meet:
//! every syntax error of the `.deriv` parser and the LaTeX reader, every
//! declaration and expression error of the resolver, and every bound on
//! untrusted input (file size, bracket and expression nesting, macro
//! expansion, step length, encoding). Each file's full text report is an
//! insta snapshot (`tests/snapshots/failing__NAME.snap`), so a change to
//! any diagnostic's wording, place, label or hint is seen in review
//! (`cargo insta review` accepts a deliberate one).

use assert_cmd::Command;
use std::path::{Path, PathBuf};

/// One `expect error` comment.
#[derive(Debug)]
struct Expected {
    line: usize,
    column: usize,
    text: String,
}

fn expectations(text: &str) -> Vec<Expected> {
    text.lines()
        .filter_map(|line| {
            let at = ["# expect error ", "% expect error ", "<!-- expect error "]
                .iter()
                .find_map(|m| line.find(m).map(|at| at + m.len()))?;
            let (place, text) = line[at..].split_once(": ")?;
            let (l, c) = place.split_once(':')?;
            Some(Expected {
                line: l.trim().parse().ok()?,
                column: c.trim().parse().ok()?,
                text: text.trim().trim_end_matches("-->").trim().to_string(),
            })
        })
        .collect()
}

fn failing_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir("tests/failing")
        .expect("tests/failing exists")
        .map(|e| e.expect("readable").path())
        .filter(|p| {
            matches!(
                p.extension().and_then(|e| e.to_str()),
                Some("deriv" | "tex" | "md")
            )
        })
        .collect();
    files.sort();
    files
}

/// Run `check --format json` on one file: its exit status and report.
fn check_json(path: &Path) -> (i32, serde_json::Value) {
    let out = Command::cargo_bin("derivcheck")
        .expect("binary")
        .args(["check", "--format", "json"])
        .arg(path)
        .output()
        .expect("runs");
    let report = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{}: not JSON ({e}): {}",
            path.display(),
            String::from_utf8_lossy(&out.stdout)
        )
    });
    (out.status.code().unwrap_or(-1), report)
}

/// Files whose error has no hint yet: each must still lack one (so the
/// list shrinks as hints are written), and every other file's errors have
/// one.
const WITHOUT_HINT: &[&str] = &[
    "latex_def_without_name.tex",
    "latex_empty_group.tex",
    "latex_frac_missing_argument.tex",
    "latex_left_without_delimiter.tex",
    "latex_macro_parameter_out_of_range.tex",
    "latex_macro_parameter_outside.tex",
    "latex_step_does_not_parse.tex",
    "resolve_claim_declared_twice.deriv",
    "resolve_dist_variable_in_another_set.deriv",
    "resolve_dist_wrong_arity.deriv",
    "resolve_function_subscript_not_parameter.deriv",
    "resolve_one_mdp.deriv",
    "resolve_samples_declared_twice.deriv",
    "resolve_subscript_parameter_undeclared.deriv",
    "resolve_wrong_number_of_arguments.deriv",
    "syntax_end_of_line_expected.deriv",
    "syntax_expression_expected.deriv",
    "syntax_name_expected.deriv",
    "syntax_number_too_many_digits.deriv",
    "syntax_points_not_a_number.deriv",
    "syntax_relation_expected.deriv",
    "syntax_dist_without_variable.deriv",
    "syntax_sample_index_mismatch.deriv",
    "syntax_sample_range_without_dots.deriv",
    "syntax_sample_without_index.deriv",
    "syntax_sample_without_equals.deriv",
    "syntax_sum_two_upper_bounds.deriv",
    "syntax_sum_without_last_index.deriv",
    "syntax_unclosed_quote.deriv",
    "syntax_unknown_constant_kind.deriv",
    "syntax_unknown_declaration_attribute.deriv",
    "syntax_upper_bound_without_first_index.deriv",
];

/// What is wrong with one file's report, if anything.
fn problems(path: &Path) -> Vec<String> {
    let name = path.display().to_string();
    // Lossy: one file is not UTF-8 on purpose.
    let bytes = std::fs::read(path).expect("readable");
    let expected = expectations(&String::from_utf8_lossy(&bytes));
    if expected.is_empty() {
        return vec![format!("{name}: no `expect error L:C: …` comment")];
    }
    let (code, report) = check_json(path);
    let mut out = Vec::new();
    let short = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let hint_gap = WITHOUT_HINT.contains(&short);
    if code != 2 {
        out.push(format!("{name}: exit status {code}, expected 2"));
    }
    let file = &report["files"][0];
    let errors = file["errors"].as_array().cloned().unwrap_or_default();
    let place = |e: &serde_json::Value| (e["line"].as_u64(), e["column"].as_u64());
    for x in &expected {
        let found = errors.iter().find(|e| {
            place(e) == (Some(x.line as u64), Some(x.column as u64))
                && e["message"].as_str().is_some_and(|m| m.contains(&x.text))
        });
        match found {
            None => out.push(format!(
                "{name}:{}:{}: no error containing `{}`; got {}",
                x.line,
                x.column,
                x.text,
                serde_json::to_string(&errors).unwrap_or_default()
            )),
            Some(e) if !hint_gap && e["hint"].as_str().is_none_or(str::is_empty) => out.push(
                format!("{name}:{}:{}: the error has no hint", x.line, x.column),
            ),
            Some(_) => {}
        }
    }
    if hint_gap
        && errors
            .iter()
            .all(|e| e["hint"].as_str().is_some_and(|h| !h.is_empty()))
    {
        out.push(format!(
            "{name}: every error has a hint now: take it off WITHOUT_HINT"
        ));
    }
    for e in &errors {
        let expected_here = expected.iter().any(|x| {
            place(e) == (Some(x.line as u64), Some(x.column as u64))
                && e["message"].as_str().is_some_and(|m| m.contains(&x.text))
        });
        if !expected_here {
            out.push(format!("{name}: unexpected error {e}"));
        }
    }
    for chain in file["chains"].as_array().into_iter().flatten() {
        for step in chain["steps"].as_array().into_iter().flatten() {
            let line = step["line"].as_u64();
            if expected.iter().any(|x| Some(x.line as u64) == line) {
                out.push(format!(
                    "{name}:{}: a step on an error's line was checked: {}",
                    line.unwrap_or(0),
                    step["verdict"]
                ));
            }
        }
    }
    out
}

#[test]
fn every_failing_input_gets_exactly_its_expected_errors() {
    let files = failing_files();
    assert!(files.len() >= 10, "tests/failing is missing: {files:?}");
    let failures: Vec<String> = files.iter().flat_map(|p| problems(p)).collect();
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

/// Run `check` on one file, as a user sees it (text, no colour).
fn check_text(path: &Path) -> String {
    let out = Command::cargo_bin("derivcheck")
        .expect("binary")
        .env("NO_COLOR", "1")
        .arg("check")
        .arg(path)
        .output()
        .expect("runs");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn every_failing_input_renders_its_snapshot() {
    for path in failing_files() {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .expect("a name")
            .replace('.', "_");
        insta::assert_snapshot!(name, check_text(&path));
    }
}

/// The file-size bound, on a file made for the test (4 MiB is too large
/// to keep in the corpus).
#[test]
fn a_file_over_the_size_bound_renders_its_snapshot() {
    let d = tempfile::tempdir().expect("a temporary directory");
    let mut text = String::from("const b\nclaim b = b\n");
    text.push_str(&"#".repeat(derivcheck::syntax::parser::MAX_FILE_BYTES));
    std::fs::write(d.path().join("too_large.deriv"), text).expect("written");
    let out = Command::cargo_bin("derivcheck")
        .expect("binary")
        .current_dir(d.path())
        .env("NO_COLOR", "1")
        .args(["check", "too_large.deriv"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    insta::assert_snapshot!(
        "bound_file_size",
        String::from_utf8_lossy(&out.stdout).into_owned()
    );
}

#[test]
fn expectations_read_line_column_and_text() {
    let e = expectations(
        "x\n  = y   # expect error 2:5: undeclared name `y`\n% expect error 10:1: a: b\n",
    );
    assert_eq!(e.len(), 2);
    assert_eq!(
        (e[0].line, e[0].column, e[0].text.as_str()),
        (2, 5, "undeclared name `y`")
    );
    assert_eq!(
        (e[1].line, e[1].column, e[1].text.as_str()),
        (10, 1, "a: b")
    );
}
