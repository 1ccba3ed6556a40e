//! Every file in `derivations/` is checked with its expected verdicts.
//!
//! Expectations are comments in the files themselves, in each format's own
//! comment syntax, so they never change what is read:
//! - in `.deriv` text — a `.deriv` file, a `%!` line of a `.tex` file, a
//!   ```` ```deriv ```` block of a `.md` file — `# expect: …`;
//! - in LaTeX math — a `.tex` file, or the `$$`/`\[` blocks of a `.md`
//!   file — the LaTeX comment `% expect: …`.
//!
//! The rules:
//! - a step whose lines carry `expect: refuted` (or `estimated`, `unknown`,
//!   `proved`, `confirmed`) must get that verdict; a step without one must
//!   be valid (proved, confirmed or estimated);
//! - a chain's first line (its `derivation` line, which in LaTeX and
//!   Markdown is the `%!` line or the ```` ```deriv ```` line that names
//!   it) ending in `expect: claim not met` must not meet its claim; any
//!   other chain with a claim must meet it;
//! - a claim whose line ends in `expect: claim not proved` must be one
//!   that no chain proves; every other claim must have its chain;
//! - a step whose lines carry `expect mistake: CODE` must be refuted and
//!   name the known mistake CODE (`src/check/mistakes.rs`); a step without
//!   one must name none, so every flawed file whose mistake is in the
//!   catalogue says which;
//! - every file whose path contains `flawed` has a refuted step;
//! - no file has a parse or declaration error;
//! - the LaTeX and Markdown versions in `derivations/latex/` get exactly
//!   the verdicts of the `.deriv` files they transcribe.
//!
//! `derivations/assignments/` is left out: its assignments hold a goal and
//! a rubric but no chain, and its submissions hold a chain but take their
//! declarations from the assignment, so neither is a complete derivation
//! for `check`. `tests/assignments.rs` grades them instead, each
//! submission against the score it states.
//!
//! `derivations/wild/` is left out too: it holds derivations copied from
//! public sources as published, with no declarations, and many of them
//! need notation the tool does not read yet, so they would fail the rule
//! that no file has an error. `tests/wild.rs` holds them instead: no wrong
//! published step valid, and coverage floors raised as features land.

use derivcheck::check::{check_text, collect_files, ClaimStatus, Options};
use std::collections::HashMap;
use std::path::PathBuf;

/// The text after `marker` (`expect:`, `expect mistake:`) in a `#` or `%`
/// comment of each line that has one, by 1-based line, up to the next
/// comment on the line.
fn marked(text: &str, marker: &str) -> HashMap<usize, String> {
    text.lines()
        .enumerate()
        .filter_map(|(k, line)| {
            let (at, m) = ["#", "%"]
                .iter()
                .map(|c| format!("{c} {marker}"))
                .find_map(|m| line.find(&m).map(|at| (at, m)))?;
            let rest = &line[at + m.len()..];
            let end = rest.find(['#', '%']).unwrap_or(rest.len());
            Some((k + 1, rest[..end].trim().to_string()))
        })
        .collect()
}

fn expectations(text: &str) -> HashMap<usize, String> {
    marked(text, "expect:")
}

#[test]
fn every_derivation_has_its_expected_verdicts() {
    let assignments = std::path::Path::new("derivations/assignments");
    let wild = std::path::Path::new("derivations/wild");
    let files: Vec<_> = collect_files(&[PathBuf::from("derivations")])
        .into_iter()
        .filter(|p| {
            !p.as_ref()
                .is_ok_and(|p| p.starts_with(assignments) || p.starts_with(wild))
        })
        .collect();
    assert!(files.len() >= 10, "the corpus is missing: {files:?}");
    let mut failures = Vec::new();
    for path in files {
        let path = path.expect("readable");
        let text = std::fs::read_to_string(&path).expect("readable");
        let name = path.display().to_string();
        let expect = expectations(&text);
        let mistakes = marked(&text, "expect mistake:");
        let result = check_text(&name, &text, &Options::default());
        for e in &result.errors {
            failures.push(e.render(&result.source));
        }
        let mut refuted_any = false;
        for chain in &result.chains {
            let claim_expect = expect.get(&chain.line).map(String::as_str);
            match (&chain.claim, claim_expect) {
                (Some(ClaimStatus::NotMet(_)), Some("claim not met")) => {}
                (Some(ClaimStatus::Met), None) | (None, None) => {}
                (got, want) => failures.push(format!(
                    "{name}:{}: claim {got:?}, expected {want:?}",
                    chain.line
                )),
            }
            for step in &chain.steps {
                let end_line = result.source.line_col(step.span.end).0;
                let want = (step.line..=end_line)
                    .find_map(|l| expect.get(&l))
                    .map(String::as_str);
                let got = step.verdict.name();
                refuted_any |= got == "refuted";
                let ok = match want {
                    None => step.verdict.is_valid(),
                    Some(w) => w == got,
                };
                if !ok {
                    failures.push(format!(
                        "{name}:{}: got {got} ({}), expected {}",
                        step.line,
                        step.verdict.detail(),
                        want.unwrap_or("a valid verdict")
                    ));
                }
                let want = (step.line..=end_line)
                    .find_map(|l| mistakes.get(&l))
                    .map(String::as_str);
                let named = step.verdict.mistake().map(|m| m.code.as_str());
                if named != want {
                    failures.push(format!(
                        "{name}:{}: names the mistake {named:?}, expected {want:?}",
                        step.line
                    ));
                }
            }
        }
        let unproved: Vec<usize> = result.unproved.iter().map(|u| u.line).collect();
        for (line, e) in &expect {
            if e == "claim not proved" && !unproved.contains(line) {
                failures.push(format!("{name}:{line}: the claim is proved, expected not"));
            }
        }
        for u in &result.unproved {
            if expect.get(&u.line).map(String::as_str) != Some("claim not proved") {
                failures.push(format!(
                    "{name}:{}: claim `{}` is not proved: {}",
                    u.line, u.statement, u.reason
                ));
            }
        }
        if name.contains("flawed") && !refuted_any {
            failures.push(format!("{name}: a flawed derivation with no refuted step"));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

/// The verdict of every step and the claim status of every chain.
fn verdicts(path: &str) -> Vec<(Vec<&'static str>, Option<ClaimStatus>)> {
    let text = std::fs::read_to_string(path).expect("readable");
    let result = check_text(path, &text, &Options::default());
    assert!(result.errors.is_empty(), "{path}: {:?}", result.errors);
    result
        .chains
        .iter()
        .map(|c| {
            let steps = c.steps.iter().map(|s| s.verdict.name()).collect();
            (steps, c.claim.clone())
        })
        .collect()
}

#[test]
fn latex_and_markdown_versions_get_the_verdicts_of_the_deriv_files() {
    for (deriv, others) in [
        (
            "derivations/policy_gradient.deriv",
            &[
                "derivations/latex/policy_gradient.tex",
                "derivations/latex/policy_gradient.md",
            ][..],
        ),
        (
            "derivations/flawed/dropped_log.deriv",
            &["derivations/latex/flawed_dropped_log.tex"][..],
        ),
        (
            "derivations/flawed/flawed_derivation.deriv",
            &["derivations/latex/flawed_gradient_inside.md"][..],
        ),
        (
            "derivations/flawed/power_of_a_function.deriv",
            &["derivations/latex/flawed_power_of_a_function.tex"][..],
        ),
    ] {
        let want = verdicts(deriv);
        for other in others {
            assert_eq!(verdicts(other), want, "{other} against {deriv}");
        }
    }
}
