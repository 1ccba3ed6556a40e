//! The text report: one line a step with its verdict, justification and
//! how it was decided; a diagnostic with the source line for every wrong
//! or undecided step; a summary. Colour only when asked for.

use super::Summary;
use crate::check::{ClaimStatus, FileResult, StepResult};
use crate::diagnostic::{Diagnostic, Severity};
use crate::input::Note;
use crate::terminal::visible;
use crate::verdict::{Counterexample, Verdict};
use colored::Colorize;
use std::fmt::Write;

fn verdict_word(v: &Verdict) -> String {
    let w = format!("{:<9}", v.name());
    match v {
        Verdict::Proved { .. } => w.green().bold().to_string(),
        Verdict::Confirmed { .. } => w.green().to_string(),
        Verdict::Estimated { .. } => w.cyan().to_string(),
        Verdict::Refuted { .. } => w.red().bold().to_string(),
        Verdict::Unknown { .. } => w.yellow().to_string(),
    }
}

/// The counterexample as readable lines.
pub fn counterexample_lines(c: &Counterexample) -> Vec<String> {
    c.lines()
}

/// The diagnostic of a wrong or undecided step: the new expression, the
/// previous one, and the counterexample or reason as notes.
pub fn step_diagnostic(step: &StepResult) -> Option<Diagnostic> {
    let message = match &step.verdict {
        Verdict::Refuted { .. } => format!("step `{}` is refuted", step.relation.symbol()),
        Verdict::Unknown { .. } => {
            format!("step `{}` could not be decided", step.relation.symbol())
        }
        _ => return None,
    };
    Some(Diagnostic {
        severity: Severity::Refutation,
        message,
        span: step.span,
        label: "this expression".into(),
        secondary: vec![(step.previous, "does not follow from this one".into())],
        hint: None,
        notes: vec![step.verdict.explanation().join("\n")],
    })
}

/// Render a run as text: every file, then what the walk skipped
/// (`notes`), then the summary. Text from the files (names,
/// justifications, source lines) is shown with its control characters
/// escaped ([`crate::terminal`]).
pub fn render(files: &[FileResult], notes: &[Note]) -> String {
    let mut out = String::new();
    for f in files {
        let _ = writeln!(out, "{}", visible(&f.source.name).bold());
        for d in &f.errors {
            for line in d.render(&f.source).lines() {
                let _ = writeln!(out, "  {line}");
            }
        }
        for c in &f.chains {
            let name = c.name.as_ref().map_or_else(
                || "chain".to_string(),
                |n| format!("derivation \"{}\"", visible(n)),
            );
            let _ = writeln!(out, "  {name} (line {})", c.line);
            for s in &c.steps {
                let just = s
                    .justification
                    .as_ref()
                    .map_or_else(String::new, |j| format!("by {}", visible(j)));
                let how = format!("({})", s.verdict.short());
                let _ = writeln!(
                    out,
                    "    {:>4} {} {} {:<40} {}",
                    s.line,
                    s.relation.symbol(),
                    verdict_word(&s.verdict),
                    how.dimmed(),
                    just
                );
                if let Some(d) = step_diagnostic(s) {
                    for line in d.render(&f.source).lines() {
                        let _ = writeln!(out, "         {line}");
                    }
                }
            }
            let status = if c.valid {
                "valid".green().bold().to_string()
            } else {
                "not valid".red().bold().to_string()
            };
            let claim = match &c.claim {
                None => String::new(),
                Some(ClaimStatus::Met) => "; claim met".to_string(),
                Some(ClaimStatus::NotMet(r)) => format!("; claim not met: {}", visible(r)),
            };
            let _ = writeln!(out, "    {status}{claim}");
        }
        for u in &f.unproved {
            let _ = writeln!(
                out,
                "  {} `{}` ({}:{}:{}): {}: {}",
                match &u.name {
                    Some(n) => format!("claim {}", visible(n)),
                    None => "claim".to_string(),
                },
                visible(&u.statement),
                visible(&u.file),
                u.line,
                u.column,
                "not met".red().bold(),
                visible(&u.reason)
            );
        }
    }
    if !notes.is_empty() {
        out.push('\n');
    }
    for n in notes {
        let _ = writeln!(out, "{}", visible(&n.line()));
    }
    let _ = writeln!(out, "\n{}", summary_line(files));
    out
}

/// The run in one line: files, chains (valid), steps by verdict, claims no
/// chain proves, files with errors.
pub fn summary_line(files: &[FileResult]) -> String {
    let s = Summary::of(files);
    let chains: Vec<_> = files.iter().flat_map(|f| &f.chains).collect();
    let valid = chains.iter().filter(|c| c.valid).count();
    let with_errors = files.iter().filter(|f| !f.errors.is_empty()).count();
    let unproved: usize = files.iter().map(|f| f.unproved.len()).sum();
    format!(
        "{} files, {} chains ({} valid), {} steps: {} proved, {} confirmed, {} estimated, {} refuted, {} unknown{}{}",
        files.len(),
        chains.len(),
        valid,
        s.steps,
        s.verdicts.proved,
        s.verdicts.confirmed,
        s.verdicts.estimated,
        s.verdicts.refuted,
        s.verdicts.unknown,
        if unproved > 0 {
            format!(
                "; {unproved} claim{} no chain proves",
                if unproved == 1 { "" } else { "s" }
            )
        } else {
            String::new()
        },
        if with_errors > 0 {
            format!("; {with_errors} files with errors")
        } else {
            String::new()
        }
    )
}
