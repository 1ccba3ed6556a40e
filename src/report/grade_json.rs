//! `grade --format json` (SPEC §5): `{"assignment", "points",
//! "submissions": [{"id", "score", "max", "valid", "first_invalid_line",
//! "steps": [as in check], "feedback"}]}`, streamed a submission at a
//! time. Extra fields (the breakdown, errors, notes, a summary) are added;
//! none of the SPEC's are renamed.

use super::grade::{Header, Summary};
use super::json::{GradedFields, StepRecord};
use super::{GradeRun, Reporter};
use crate::grade::result::{Breakdown, GradedStep, SubmissionError};
use crate::grade::GradeResult;
use serde::Serialize;
use std::io::{self, Write};

/// Writes the JSON report.
#[derive(Default)]
pub struct JsonReporter {
    first: bool,
}

/// The first expression, where it was written.
#[derive(Serialize)]
struct Start<'a> {
    line: usize,
    column: usize,
    expr: &'a str,
    label: Option<&'a str>,
}

#[derive(Serialize)]
struct Submission<'a> {
    id: &'a str,
    score: f64,
    max: f64,
    valid: bool,
    first_invalid_line: Option<usize>,
    steps: Vec<StepRecord<'a>>,
    feedback: &'a str,
    path: &'a str,
    start: Option<Start<'a>>,
    errors: &'a [SubmissionError],
    notes: &'a [String],
    breakdown: Option<&'a Breakdown>,
}

fn step(s: &GradedStep) -> StepRecord<'_> {
    StepRecord::new(
        (s.at.line, s.at.column),
        s.relation,
        &s.verdict,
        s.engine.as_deref(),
        s.justification.as_deref(),
    )
    .graded(GradedFields {
        expr: &s.at.expr,
        label: s.at.label.as_deref(),
        in_order: s.in_order,
        credited: s.credited,
        note: s.note.as_deref(),
    })
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
        start: r.start.as_ref().map(|w| Start {
            line: w.line,
            column: w.column,
            expr: &w.expr,
            label: w.label.as_deref(),
        }),
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

impl Reporter<GradeRun> for JsonReporter {
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

    fn item(&mut self, out: &mut dyn Write, r: &GradeResult) -> io::Result<()> {
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
            "steps": s.verdicts,
        });
        let text = serde_json::to_string_pretty(&summary).unwrap_or_default();
        writeln!(out, "  \"summary\": {}", indent(&text, "  ").trim_start())?;
        writeln!(out, "}}")
    }
}
