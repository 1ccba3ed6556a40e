//! The result of grading one submission: its score, how the score was
//! made up, every step's verdict, and the feedback in plain words.
//!
//! Results are plain data (serde both ways): reports read them, and a
//! run with an output directory stores them so that a run interrupted
//! half-way picks up where it stopped.

use crate::syntax::ast::Relation;
use crate::verdict::{Tally, Verdict};
use serde::{Deserialize, Serialize};

/// An expression of a submission, where it was written.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Written {
    /// 1-based line in the submission.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// The expression in canonical notation (`derivcheck fmt`).
    pub expr: String,
    /// For an ordering answer, the label that stands for it.
    pub label: Option<String>,
    /// The expression drawn as MathML from its syntax tree, for the HTML
    /// report (empty in a result stored before it was kept).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub math: String,
}

/// One graded step.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GradedStep {
    /// The new expression.
    pub at: Written,
    /// The relation to the previous expression.
    pub relation: Relation,
    /// The engines' verdict.
    pub verdict: Verdict,
    /// The engine that decided.
    pub engine: Option<String>,
    /// The text after `by`.
    pub justification: Option<String>,
    /// For an ordering exercise: whether the new expression comes right
    /// after the previous one in the intended order.
    pub in_order: Option<bool>,
    /// Whether the step earns a step point.
    pub credited: bool,
    /// Why a valid step earns nothing, or why an ordering step is out of
    /// order.
    pub note: Option<String>,
}

impl GradedStep {
    /// Valid, and in order where order matters.
    pub fn sound(&self) -> bool {
        self.verdict.is_valid() && self.in_order != Some(false)
    }
}

/// A problem that made a submission unusable.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SubmissionError {
    /// 1-based line (0 when the problem is about the whole file).
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// What is wrong.
    pub message: String,
    /// What to do.
    pub hint: Option<String>,
    /// The error with the source line and a caret.
    pub rendered: String,
}

/// Points for one part of the rubric.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Part {
    /// Points earned.
    pub earned: f64,
    /// Points available.
    pub of: f64,
    /// Why the points were, or were not, given.
    pub reason: String,
}

/// One milestone and where it was reached.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MilestonePart {
    /// The milestone's expression.
    pub expr: String,
    /// The line of the first expression of the valid prefix with its form.
    pub line: Option<usize>,
    /// Points earned.
    pub earned: f64,
    /// Points available.
    pub of: f64,
}

/// How a score is made up (SPEC §5).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Breakdown {
    /// The first expression matches the claim's left side.
    pub start: Part,
    /// The last expression matches the claim's right side, every step valid.
    pub finish: Part,
    /// Per credited step, up to the cap.
    pub steps: Part,
    /// Steps that earned a point.
    pub credited_steps: usize,
    /// Per milestone in the valid prefix.
    pub milestones: Vec<MilestonePart>,
    /// Refuted steps and assumptions (negative).
    pub refuted: Part,
    /// Lines of the refuted steps.
    pub refuted_lines: Vec<usize>,
    /// Lines of the submission's `assume` lines.
    pub assume_lines: Vec<usize>,
    /// The sum before clamping to [0, points].
    pub total: f64,
}

/// Everything known about one graded submission.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GradeResult {
    /// The submission's id.
    pub id: String,
    /// Its file.
    pub path: String,
    /// The score, in [0, max].
    pub score: f64,
    /// The assignment's points.
    pub max: f64,
    /// Every step valid (and in order, for an ordering exercise), no
    /// assumption, no error.
    pub valid: bool,
    /// The line of the first step that is not valid, of an `assume`, or of
    /// the first error.
    pub first_invalid_line: Option<usize>,
    /// The first expression.
    pub start: Option<Written>,
    /// The steps.
    pub steps: Vec<GradedStep>,
    /// Why the submission could not be graded, if it could not.
    pub errors: Vec<SubmissionError>,
    /// Notes for the student that are not about steps (an id that was
    /// changed, repeated declarations that were ignored, labels not used).
    pub notes: Vec<String>,
    /// How the score is made up; `None` when the submission was unusable.
    pub breakdown: Option<Breakdown>,
    /// The explanation of the score in plain words.
    pub feedback: String,
    /// Whether the file could not be read at all (a missing file, not a
    /// student's mistake).
    pub unreadable: bool,
}

impl GradeResult {
    /// Whether the submission has full marks.
    pub fn full_marks(&self) -> bool {
        self.score >= self.max
    }

    /// Steps by verdict.
    pub fn verdict_counts(&self) -> Tally {
        Tally::of(self.steps.iter().map(|s| &s.verdict))
    }
}
