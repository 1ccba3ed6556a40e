//! Stage 6 of the pipeline: verdicts and grades → reports.
//!
//! In: the [`FileResult`]s of a `check` run, or the grade results of a
//! `grade` run. Out: for `check`, text (coloured when asked, one line a
//! step), the stable JSON of SPEC §4, JUnit XML, SARIF or GitHub workflow
//! commands (the last two from [`findings`]); for `grade` ([`grade`]), a
//! table, JSON, CSV, JUnit XML, one HTML page, a Canvas or Moodle gradebook
//! CSV or a Gradescope `results.json` a submission, and a feedback file
//! per student; for `mc`, its text and JSON ([`mc`]) and its plot
//! ([`plot`]). Reports read verdicts and grades; they never recompute
//! them, and no report runs a batch (that is `crate::grade::run`).
//!
//! Every report of `check` and `grade` is one interface, a [`Reporter`] of
//! its [`Run`] ([`CheckRun`], [`GradeRun`]): told the header, handed each
//! result, told the totals. A new format is a file here and a line in
//! [`check_reporter`] or [`grade::reporter`] (with its variant of
//! [`CheckFormat`] or [`grade::GradeFormat`], which the command line
//! offers as they are).

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
pub mod plot;
pub mod sarif;
pub mod table;
pub mod text;

use crate::check::FileResult;
use crate::grade::GradeResult;
use crate::input::Note;
use crate::verdict::Tally;
use serde::Serialize;
use std::io::{self, Write};

/// What a report is of: the run's kind, with what a report is told first
/// (the header), the results it is handed one at a time, and what it is
/// told at the end (the totals).
pub trait Run {
    /// Told before the first result.
    type Header;
    /// One result.
    type Item;
    /// Told after the last result.
    type Summary;
}

/// A run of `check`: a [`FileResult`] a file.
pub struct CheckRun;

impl Run for CheckRun {
    type Header = CheckHeader;
    type Item = FileResult;
    type Summary = Summary;
}

/// A run of `grade`: a [`GradeResult`] a submission.
pub struct GradeRun;

impl Run for GradeRun {
    type Header = grade::Header;
    type Item = GradeResult;
    type Summary = grade::Summary;
}

/// The one interface of every report, of `check` and of `grade`: a report
/// is written as results arrive. A format that needs the whole run (a
/// SARIF log, the JSON document of `check`) keeps them until [`end`].
///
/// [`end`]: Reporter::end
pub trait Reporter<R: Run> {
    /// Before the first result.
    fn begin(&mut self, out: &mut dyn Write, header: &R::Header) -> io::Result<()>;
    /// One result, in order.
    fn item(&mut self, out: &mut dyn Write, item: &R::Item) -> io::Result<()>;
    /// After the last.
    fn end(
        &mut self,
        out: &mut dyn Write,
        header: &R::Header,
        summary: &R::Summary,
    ) -> io::Result<()>;
}

/// What every report of `check` is told first.
#[derive(Clone, Debug, Default)]
pub struct CheckHeader {
    /// What the walk skipped (links out of a directory, loops, files
    /// named twice).
    pub notes: Vec<Note>,
}

/// The formats of `check --format` (the command line's help shows these
/// words).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum CheckFormat {
    /// One line a step, coloured on a terminal.
    Text,
    /// The stable JSON report (SPEC §4).
    Json,
    /// JUnit XML: a test case a step, for CI systems.
    Junit,
    /// SARIF 2.1.0, for code scanning (GitHub shows each finding on its
    /// line).
    Sarif,
    /// GitHub Actions workflow commands: an annotation a finding.
    Github,
}

/// A report of `check` rendered from the whole run at its end.
struct WholeRun {
    render: fn(&[FileResult], &[Note]) -> String,
    files: Vec<FileResult>,
}

impl Reporter<CheckRun> for WholeRun {
    fn begin(&mut self, _out: &mut dyn Write, _header: &CheckHeader) -> io::Result<()> {
        self.files.clear();
        Ok(())
    }

    fn item(&mut self, _out: &mut dyn Write, item: &FileResult) -> io::Result<()> {
        self.files.push(item.clone());
        Ok(())
    }

    fn end(&mut self, out: &mut dyn Write, header: &CheckHeader, _s: &Summary) -> io::Result<()> {
        out.write_all((self.render)(&self.files, &header.notes).as_bytes())
    }
}

/// The reporter of a `check` format.
pub fn check_reporter(format: CheckFormat) -> Box<dyn Reporter<CheckRun>> {
    let render: fn(&[FileResult], &[Note]) -> String = match format {
        CheckFormat::Text => text::render,
        CheckFormat::Json => json::render,
        CheckFormat::Junit => |files, _| junit::render_check(files),
        CheckFormat::Sarif => sarif::render,
        CheckFormat::Github => github::render,
    };
    Box::new(WholeRun {
        render,
        files: Vec::new(),
    })
}

/// A whole run of `check` in a format, as text.
pub fn render_check(format: CheckFormat, files: &[FileResult], notes: &[Note]) -> String {
    let header = CheckHeader {
        notes: notes.to_vec(),
    };
    let mut reporter = check_reporter(format);
    let mut out: Vec<u8> = Vec::new();
    let written = (|| {
        reporter.begin(&mut out, &header)?;
        for f in files {
            reporter.item(&mut out, f)?;
        }
        reporter.end(&mut out, &header, &Summary::of(files))
    })();
    match written {
        Ok(()) => String::from_utf8_lossy(&out).into_owned(),
        Err(e) => format!("error: {e}\n"),
    }
}

/// Counts of verdicts over a run of `check`: all steps, then each
/// verdict's count ([`Tally`], the one verdict counter).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// All steps.
    pub steps: usize,
    /// Steps by verdict.
    #[serde(flatten)]
    pub verdicts: Tally,
}

impl Summary {
    /// Count the verdicts of a run.
    pub fn of(files: &[FileResult]) -> Summary {
        let verdicts = Tally::of(
            files
                .iter()
                .flat_map(|f| &f.chains)
                .flat_map(|c| &c.steps)
                .map(|s| &s.verdict),
        );
        Summary {
            steps: verdicts.total(),
            verdicts,
        }
    }
}

/// The exit status of `check` (SPEC §4): 2 for unusable input, 1 when a
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
