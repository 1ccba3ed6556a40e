//! `grade --format json` (SPEC §5): `{"assignment", "points",
//! "submissions": [{"id", "score", "max", "valid", "first_invalid_line",
//! "steps": [as in check], "feedback"}]}`, streamed a submission at a
//! time. Extra fields (the breakdown, errors, notes, a summary) are added;
//! none of the SPEC's are renamed.

use super::grade::{Header, Reporter, Summary};
use super::json::Cx;
use crate::grade::result::{Breakdown, GradedStep, SubmissionError, Written};
use crate::grade::GradeResult;
use crate::verdict::Verdict;
use serde::Serialize;
use std::io::{self, Write};

/// Writes the JSON report.
#[derive(Default)]
pub struct JsonReporter {
    first: bool,
}

#[derive(Serialize)]
struct Step<'a> {
    line: usize,
    column: usize,
    relation: &'static str,
    verdict: &'static str,
    justification: Option<String>,
    detail: String,
    engine: Option<&'a str>,
    instances: Option<usize>,
    counterexample: Option<Cx<'a>>,
    /// The known mistake's code, on a refuted step that names one.
    #[serde(skip_serializing_if = "Option::is_none")]
    mistake: Option<&'a str>,
    /// The known mistake in plain words.
    #[serde(skip_serializing_if = "Option::is_none")]
    mistake_explanation: Option<&'a str>,
    expr: &'a str,
    label: Option<&'a str>,
    in_order: Option<bool>,
    credited: bool,
    note: Option<&'a str>,
}

#[derive(Serialize)]
struct Submission<'a> {
    id: &'a str,
    score: f64,
    max: f64,
    valid: bool,
    first_invalid_line: Option<usize>,
    steps: Vec<Step<'a>>,
    feedback: &'a str,
    path: &'a str,
    start: Option<&'a Written>,
    errors: &'a [SubmissionError],
    notes: &'a [String],
    breakdown: Option<&'a Breakdown>,
}

fn step(s: &GradedStep) -> Step<'_> {
    Step {
        line: s.at.line,
        column: s.at.column,
        relation: s.relation.symbol(),
        verdict: s.verdict.name(),
        justification: s.justification.as_ref().map(|j| format!("by {j}")),
        detail: s.verdict.detail(),
        engine: s.engine.as_deref(),
        instances: match s.verdict {
            Verdict::Confirmed { instances, .. } => Some(instances),
            _ => None,
        },
        counterexample: match &s.verdict {
            Verdict::Refuted { counterexample, .. } => Some(Cx(counterexample)),
            _ => None,
        },
        mistake: s.verdict.mistake().map(|m| m.code.as_str()),
        mistake_explanation: s.verdict.mistake().map(|m| m.explanation.as_str()),
        expr: &s.at.expr,
        label: s.at.label.as_deref(),
        in_order: s.in_order,
        credited: s.credited,
        note: s.note.as_deref(),
    }
}

/// One submission as a JSON object (pretty, without a trailing newline).
pub fn submission_json(r: &GradeResult) -> String {
    let s = Submission {
        id: &r.id,
        score: r.score,
        max: r.max,
        valid: r.valid,
        first_invalid_line: r.first_invalid_line,
        steps: r.steps.iter().map(step).collect(),
        feedback: &r.feedback,
        path: &r.path,
        start: r.start.as_ref(),
        errors: &r.errors,
        notes: &r.notes,
        breakdown: r.breakdown.as_ref(),
    };
    serde_json::to_string_pretty(&s)
        .unwrap_or_else(|e| serde_json::json!({"id": r.id, "error": e.to_string()}).to_string())
}

fn indent(text: &str, by: &str) -> String {
    text.lines()
        .map(|l| format!("{by}{l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

impl Reporter for JsonReporter {
    fn begin(&mut self, out: &mut dyn Write, h: &Header) -> io::Result<()> {
        self.first = true;
        let s = |x: &str| serde_json::to_string(x).unwrap_or_default();
        writeln!(out, "{{")?;
        writeln!(out, "  \"assignment\": {},", s(&h.assignment))?;
        writeln!(out, "  \"points\": {},", serde_json::json!(h.points))?;
        writeln!(out, "  \"rubric\": {},", s(&h.rubric))?;
        writeln!(out, "  \"claim\": {},", s(&h.claim))?;
        writeln!(
            out,
            "  \"milestones\": {},",
            serde_json::json!(h.milestones)
        )?;
        write!(out, "  \"submissions\": [")
    }

    fn submission(&mut self, out: &mut dyn Write, r: &GradeResult) -> io::Result<()> {
        if !self.first {
            write!(out, ",")?;
        }
        self.first = false;
        write!(out, "\n{}", indent(&submission_json(r), "    "))
    }

    fn end(&mut self, out: &mut dyn Write, h: &Header, s: &Summary) -> io::Result<()> {
        if !self.first {
            write!(out, "\n  ")?;
        }
        writeln!(out, "],")?;
        writeln!(out, "  \"notes\": {},", serde_json::json!(h.notes))?;
        let summary = serde_json::json!({
            "submissions": s.count(),
            "mean": s.mean(),
            "median": s.median(),
            "full_marks": s.full_marks,
            "could_not_be_graded": s.unusable,
            "steps": {
                "proved": s.verdicts[0],
                "confirmed": s.verdicts[1],
                "estimated": s.verdicts[2],
                "refuted": s.verdicts[3],
                "unknown": s.verdicts[4],
            }
        });
        let text = serde_json::to_string_pretty(&summary).unwrap_or_default();
        writeln!(out, "  \"summary\": {}", indent(&text, "  ").trim_start())?;
        writeln!(out, "}}")
    }
}
