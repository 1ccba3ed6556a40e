//! The explanation of a score in plain words, for the student: each part
//! of the rubric and why it was or was not given, then every step that is
//! not valid with its counterexample or reason, then notes.

use super::result::{GradeResult, MilestonePart, Part};
use super::rubric::score_text;
use crate::verdict::Verdict;
use std::fmt::Write;

fn num(x: f64) -> String {
    score_text(x)
}

fn part_line(out: &mut String, name: &str, p: &Part) {
    let _ = writeln!(
        out,
        "- {name}: {} of {} — {}.",
        num(p.earned),
        num(p.of),
        p.reason
    );
}

/// The feedback of a graded (or ungradable) submission.
pub fn explain(r: &GradeResult) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}: {} of {} points.", r.id, num(r.score), num(r.max));
    if r.breakdown.is_none() {
        let _ = writeln!(
            out,
            "The submission could not be graded, so it scores 0. {}:",
            if r.errors.len() == 1 {
                "The problem"
            } else {
                "The problems"
            }
        );
        for e in &r.errors {
            out.push('\n');
            out.push_str(&e.rendered);
        }
        notes(&mut out, r);
        return out;
    }
    let Some(b) = &r.breakdown else {
        return out;
    };
    out.push('\n');
    part_line(&mut out, "start", &b.start);
    part_line(&mut out, "finish", &b.finish);
    part_line(&mut out, "steps", &b.steps);
    for m in &b.milestones {
        let _ = writeln!(
            out,
            "- milestone `{}`: {} of {} — {}.",
            m.expr,
            num(m.earned),
            num(m.of),
            milestone_reason(r, m)
        );
    }
    if b.refuted.earned != 0.0 {
        let _ = writeln!(
            out,
            "- refuted: {} — {}.",
            num(b.refuted.earned),
            b.refuted.reason
        );
    }
    if b.total < 0.0 {
        let _ = writeln!(
            out,
            "The parts add up to {}; a score is never below 0.",
            num(b.total)
        );
    } else if b.total > r.max {
        let _ = writeln!(
            out,
            "The parts add up to {}; a score is never above {}.",
            num(b.total),
            num(r.max)
        );
    }

    let mut previous = r.start.as_ref();
    for (k, s) in r.steps.iter().enumerate() {
        let name = |w: &super::result::Written| match &w.label {
            Some(l) => format!("`{l}` (`{}`)", w.expr),
            None => format!("`{}`", w.expr),
        };
        // A step of an ordering answer is named by its labels, since the
        // labels often share one line.
        let place = match (previous.and_then(|p| p.label.as_ref()), &s.at.label) {
            (Some(a), Some(b)) => format!("Step {} (`{a}` → `{b}`)", k + 1),
            _ => format!("Line {}", s.at.line),
        };
        let from = previous.map_or_else(String::new, |p| match &p.label {
            Some(_) => format!(" from {}", name(p)),
            None => format!(" from line {} {}", p.line, name(p)),
        });
        let by = s
            .justification
            .as_ref()
            .map_or_else(String::new, |j| format!(", by {j}"));
        match &s.verdict {
            Verdict::Refuted { .. } => {
                let _ = writeln!(
                    out,
                    "\n{place} is refuted: {} does not follow{from}{by}.",
                    name(&s.at)
                );
                for line in s.verdict.explanation() {
                    let _ = writeln!(out, "  {line}");
                }
            }
            Verdict::Unknown { reason } => {
                let _ = writeln!(
                    out,
                    "\n{place} could not be decided: {}{from}{by}.\n  {reason}",
                    name(&s.at)
                );
            }
            _ => {
                if let Some(note) = &s.note {
                    let _ = writeln!(out, "\n{place} is valid, but {note}.");
                }
            }
        }
        previous = Some(&s.at);
    }
    for line in &b.assume_lines {
        let _ = writeln!(
            out,
            "\nLine {line} assumes a fact: a derivation may use only what the assignment declares, so this counts as a refuted step."
        );
    }
    notes(&mut out, r);
    out
}

/// Why a milestone was or was not reached: "reached at line 7", or "no
/// expression before line 8, the first step that is not valid, has this
/// form".
pub fn milestone_reason(r: &GradeResult, m: &MilestonePart) -> String {
    let first_bad = r.steps.iter().position(|s| !s.sound()).map(|k| {
        let s = &r.steps[k];
        let at = match &s.at.label {
            Some(l) => format!("step {} (`{l}`)", k + 1),
            None => format!("line {}", s.at.line),
        };
        let what = if s.verdict.is_valid() {
            "the first step out of order"
        } else {
            "the first step that is not valid"
        };
        format!("{at}, {what},")
    });
    match (m.line, &first_bad) {
        (Some(l), _) => format!("reached at line {l}"),
        (None, Some(at)) => format!("no expression before {at} has this form"),
        (None, None) => "no expression of the chain has this form".to_string(),
    }
}

fn notes(out: &mut String, r: &GradeResult) {
    if r.notes.is_empty() {
        return;
    }
    out.push_str("\nNotes:\n");
    for n in &r.notes {
        let _ = writeln!(out, "- {n}.");
    }
}
