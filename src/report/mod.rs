//! Stage 6 of the pipeline: verdicts and grades → reports.
//!
//! In: the [`FileResult`]s of a `check` run, or the grade results of a
//! `grade` run. Out: for `check`, text (coloured when asked, one line a
//! step), the stable JSON of docs/json.md, JUnit XML, SARIF or GitHub workflow
//! commands (the last two from [`findings`]); for `grade` ([`grade`]), a
//! table, JSON, CSV, JUnit XML, one HTML page, a Canvas or Moodle gradebook
//! CSV or a Gradescope `results.json` a submission, and a feedback file
//! per student. Reports read verdicts and grades; they never
//! recompute them.

pub mod csv;
pub mod findings;
pub mod github;
pub mod grade;
pub mod grade_json;
pub mod gradebook;
pub mod gradescope;
pub mod html;
pub mod json;
pub mod junit;
pub mod mathml;
pub mod mc;
pub mod sarif;
pub mod table;
pub mod text;

use crate::check::FileResult;
use crate::verdict::Verdict;
use serde::Serialize;

/// Counts of verdicts over a run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// All steps.
    pub steps: usize,
    /// `proved`
    pub proved: usize,
    /// `confirmed`
    pub confirmed: usize,
    /// `estimated`
    pub estimated: usize,
    /// `refuted`
    pub refuted: usize,
    /// `unknown`
    pub unknown: usize,
}

impl Summary {
    /// Count the verdicts of a run.
    pub fn of(files: &[FileResult]) -> Summary {
        let mut s = Summary::default();
        for step in files.iter().flat_map(|f| &f.chains).flat_map(|c| &c.steps) {
            s.steps += 1;
            match step.verdict {
                Verdict::Proved { .. } => s.proved += 1,
                Verdict::Confirmed { .. } => s.confirmed += 1,
                Verdict::Estimated { .. } => s.estimated += 1,
                Verdict::Refuted { .. } => s.refuted += 1,
                Verdict::Unknown { .. } => s.unknown += 1,
            }
        }
        s
    }
}

/// The exit status of `check` (README, "Command line"): 2 for unusable input, 1 when a
/// step is refuted or unknown or a claim is not met, else 0.
pub fn exit_code(files: &[FileResult]) -> i32 {
    if files.iter().any(|f| !f.errors.is_empty()) {
        2
    } else if files.iter().all(FileResult::all_valid) {
        0
    } else {
        1
    }
}
