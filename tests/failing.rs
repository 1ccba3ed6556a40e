//! Every file in `tests/failing/` is unusable input: `derivcheck check`
//! exits 2 and reports exactly the errors the file expects.
//!
//! A file states each error it must get as a comment, in its format's own
//! comment syntax — `# expect error L:C: text` in `.deriv`,
//! `% expect error L:C: text` in `.tex` — where `L:C` is the 1-based line
//! and column of the diagnostic and `text` a part of its message. Every
//! expected error must be reported, with a hint; no other error may be; and
//! no step on an expected error's line is checked (its chain is broken).
//! A file states at least one error.

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
            let at = ["# expect error ", "% expect error "]
                .iter()
                .find_map(|m| line.find(m).map(|at| at + m.len()))?;
            let (place, text) = line[at..].split_once(": ")?;
            let (l, c) = place.split_once(':')?;
            Some(Expected {
                line: l.trim().parse().ok()?,
                column: c.trim().parse().ok()?,
                text: text.trim().to_string(),
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
                Some("deriv" | "tex")
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

/// What is wrong with one file's report, if anything.
fn problems(path: &Path) -> Vec<String> {
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path).expect("readable");
    let expected = expectations(&text);
    if expected.is_empty() {
        return vec![format!("{name}: no `expect error L:C: …` comment")];
    }
    let (code, report) = check_json(path);
    let mut out = Vec::new();
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
            Some(e) if e["hint"].as_str().is_none_or(str::is_empty) => out.push(format!(
                "{name}:{}:{}: the error has no hint",
                x.line, x.column
            )),
            Some(_) => {}
        }
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
