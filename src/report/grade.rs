//! Reports of `grade`: a class's results rendered in one of the formats
//! (table, JSON, CSV, JUnit, HTML, the Canvas and Moodle gradebooks), each
//! submission as it arrives, or — for Gradescope — one document a
//! submission, and a student's feedback file. The batch that feeds them
//! (and writes an output directory) is `crate::grade::run`.
//!
//! In: the [`Header`] of the batch and each [`GradeResult`]. Out: the
//! report on a writer, and a [`Summary`] of the class.

use crate::grade::rubric::score_text;
use crate::grade::{Assignment, GradeResult, Submission};
use crate::verdict::Tally;
use std::io;
use std::path::Path;

/// The formats of `grade --format` (the command line's help shows these
/// words; the gradebooks are [`super::gradebook`]'s, Gradescope's
/// [`super::gradescope`]'s).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum GradeFormat {
    /// A table with a summary, coloured on a terminal.
    Table,
    /// JSON (SPEC §5): every submission with its steps and feedback.
    Json,
    /// id,score,max,valid,first_invalid_line — for a gradebook.
    Csv,
    /// JUnit XML: a test suite a submission, a test case a step.
    Junit,
    /// One self-contained page for the class, mathematics drawn as MathML.
    Html,
    /// Canvas's gradebook import: Student,ID,SIS User ID,SIS Login ID,Section,COLUMN.
    Canvas,
    /// Moodle's grade import: Username,COLUMN,Feedback.
    Moodle,
    /// Gradescope's autograder results.json, one a submission.
    Gradescope,
}

impl GradeFormat {
    /// The extension of the report file in an output directory.
    pub fn extension(self) -> &'static str {
        match self {
            GradeFormat::Table => "txt",
            GradeFormat::Json => "json",
            GradeFormat::Csv => "csv",
            GradeFormat::Junit => "xml",
            GradeFormat::Html => "html",
            GradeFormat::Canvas => "canvas.csv",
            GradeFormat::Moodle => "moodle.csv",
            GradeFormat::Gradescope => "json",
        }
    }

    /// For a format that is one document a submission, the folder of an
    /// output directory that holds them and each one's file name: a
    /// submission's document is `DIR/FOLDER/ID/FILE`. `None` for a report
    /// of the class.
    pub fn per_submission(self) -> Option<(&'static str, &'static str)> {
        match self {
            GradeFormat::Gradescope => Some(("gradescope", "results.json")),
            _ => None,
        }
    }

    /// Whether a batch of `count` submissions can be reported in this
    /// format: a document a submission goes to standard output only for
    /// one submission (with an output directory, each gets its own file).
    /// The error says what to do instead.
    pub fn fits(self, out_dir: Option<&Path>, count: usize) -> Result<(), String> {
        match self.per_submission() {
            Some((folder, file)) if out_dir.is_none() && count > 1 => Err(format!(
                "--format {} prints the {file} of one submission, and {count} were found; \
                 with --out DIR each gets DIR/{folder}/ID/{file}",
                self.name()
            )),
            _ => Ok(()),
        }
    }

    /// The format's name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            GradeFormat::Table => "table",
            GradeFormat::Json => "json",
            GradeFormat::Csv => "csv",
            GradeFormat::Junit => "junit",
            GradeFormat::Html => "html",
            GradeFormat::Canvas => "canvas",
            GradeFormat::Moodle => "moodle",
            GradeFormat::Gradescope => "gradescope",
        }
    }
}

/// What every report says about the assignment.
#[derive(Clone, Debug)]
pub struct Header {
    /// The assignment's path.
    pub assignment: String,
    /// Its points.
    pub points: f64,
    /// The rubric in use.
    pub rubric: String,
    /// The claim, `lhs = rhs`.
    pub claim: String,
    /// The milestones.
    pub milestones: Vec<String>,
    /// The claim drawn as MathML from its syntax tree: each side, with the
    /// relation between them.
    pub claim_math: String,
    /// The milestones drawn as MathML from their syntax trees.
    pub milestones_math: Vec<String>,
    /// The labelled steps' expressions drawn as MathML, in the order of
    /// `labels`.
    pub labels_math: Vec<String>,
    /// For an ordering exercise, the labelled steps in the intended order.
    pub labels: Vec<(String, String)>,
    /// How many submissions the batch holds.
    pub submissions: usize,
    /// The widest id, for aligned tables.
    pub id_width: usize,
    /// What the walk for submissions skipped (links to directories out of
    /// the folder or back into it, files reached twice), one line each.
    pub notes: Vec<String>,
    /// The assignment's column in a gradebook (Canvas, Moodle): the
    /// assignment's file name without its extension, unless the run names
    /// it (`--gradebook-column`).
    pub column: String,
}

impl Header {
    /// The header of a batch of `subs` for assignment `a`.
    pub fn of(a: &Assignment, subs: &[Submission]) -> Header {
        Header {
            assignment: a.source.name.clone(),
            points: crate::grade::rubric::points_f64(a.points),
            rubric: a.rubric.to_string(),
            claim: format!(
                "{} {} {}",
                a.claim_lhs.text,
                a.claim.relation.symbol(),
                a.claim_rhs.text
            ),
            milestones: a.milestones.iter().map(|m| m.text.clone()).collect(),
            claim_math: format!(
                "{} {} {}",
                super::mathml::math(&a.claim_lhs.expr, false),
                super::html::escape(a.claim.relation.symbol()),
                super::mathml::math(&a.claim_rhs.expr, false)
            ),
            milestones_math: a
                .milestones
                .iter()
                .map(|m| super::mathml::math(&m.expr, false))
                .collect(),
            labels_math: a
                .ordering
                .iter()
                .flatten()
                .map(|l| super::mathml::math(&l.target.expr, false))
                .collect(),
            labels: a
                .ordering
                .iter()
                .flatten()
                .map(|l| (l.label.clone(), l.target.text.clone()))
                .collect(),
            submissions: subs.len(),
            id_width: subs
                .iter()
                .map(|s| s.id.chars().count())
                .max()
                .unwrap_or(2)
                .clamp(2, 32),
            notes: Vec::new(),
            column: Path::new(&a.source.name)
                .file_stem()
                .map_or_else(|| "derivcheck".into(), |s| s.to_string_lossy().into_owned()),
        }
    }
}

/// Figures over the class.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Summary {
    /// Every score, in order.
    pub scores: Vec<f64>,
    /// The assignment's points.
    pub max: f64,
    /// Submissions with full marks.
    pub full_marks: usize,
    /// Submissions that could not be graded (score 0 with their errors).
    pub unusable: usize,
    /// Submissions whose file could not be read at all.
    pub unreadable: usize,
    /// Submissions whose chain is not valid (errors included).
    pub invalid: usize,
    /// Steps by verdict.
    pub verdicts: Tally,
}

impl Summary {
    /// Count one result.
    pub fn add(&mut self, r: &GradeResult) {
        self.scores.push(r.score);
        self.max = r.max;
        self.full_marks += usize::from(r.full_marks());
        self.unusable += usize::from(!r.errors.is_empty());
        self.unreadable += usize::from(r.unreadable);
        self.invalid += usize::from(!r.valid);
        self.verdicts.merge(&r.verdict_counts());
    }

    /// How many submissions.
    pub fn count(&self) -> usize {
        self.scores.len()
    }

    /// The mean score (0 for no submissions).
    pub fn mean(&self) -> f64 {
        if self.scores.is_empty() {
            return 0.0;
        }
        self.scores.iter().sum::<f64>() / self.scores.len() as f64
    }

    /// The median score (0 for no submissions).
    pub fn median(&self) -> f64 {
        let mut s = self.scores.clone();
        s.sort_by(f64::total_cmp);
        match s.len() {
            0 => 0.0,
            n if n % 2 == 1 => s[n / 2],
            n => (s[n / 2 - 1] + s[n / 2]) / 2.0,
        }
    }

    /// Scores in bins: one a point for up to 20 points, else ten equal
    /// bins. Each bin is `(low, high, count)`, `low` included, `high`
    /// excluded but for the last bin.
    pub fn histogram(&self) -> Vec<(f64, f64, usize)> {
        let max = if self.max > 0.0 { self.max } else { 1.0 };
        let bins = if max <= 20.0 && max.fract() == 0.0 {
            max as usize + 1
        } else {
            10
        };
        let width = if bins == max as usize + 1 {
            1.0
        } else {
            max / bins as f64
        };
        let mut out: Vec<(f64, f64, usize)> = (0..bins)
            .map(|k| (k as f64 * width, (k + 1) as f64 * width, 0))
            .collect();
        for &s in &self.scores {
            let k = ((s / width).floor() as usize).min(bins - 1);
            out[k].2 += 1;
        }
        out
    }

    /// One line: how many, mean, median, full marks, errors.
    pub fn line(&self) -> String {
        let mut s = format!(
            "{} submission{}: mean {}, median {} of {}; {} with full marks",
            self.count(),
            if self.count() == 1 { "" } else { "s" },
            score_text((self.mean() * 100.0).round() / 100.0),
            score_text(self.median()),
            score_text(self.max),
            self.full_marks
        );
        if self.unusable > 0 {
            s.push_str(&format!("; {} could not be graded", self.unusable));
        }
        s
    }
}

/// A report of `grade` is one of the one report interface
/// ([`super::Reporter`]) for a run of `grade`.
pub use super::{GradeRun, Reporter};

/// The reporter of a format; `color` only for the table on a terminal.
pub fn reporter(format: GradeFormat, color: bool) -> io::Result<Box<dyn Reporter<GradeRun>>> {
    Ok(match format {
        GradeFormat::Table => Box::new(super::table::TableReporter::new(color)),
        GradeFormat::Json => Box::new(super::grade_json::JsonReporter::default()),
        GradeFormat::Csv => Box::new(super::csv::CsvReporter),
        GradeFormat::Junit => Box::new(super::junit::JunitGradeReporter),
        GradeFormat::Html => Box::new(super::html::HtmlReporter::new()?),
        GradeFormat::Canvas => Box::new(super::gradebook::GradebookReporter(
            super::gradebook::Lms::Canvas,
        )),
        GradeFormat::Moodle => Box::new(super::gradebook::GradebookReporter(
            super::gradebook::Lms::Moodle,
        )),
        GradeFormat::Gradescope => Box::new(super::gradescope::GradescopeReporter),
    })
}

/// A student's feedback file: the explanation of the score, then every
/// step with its verdict. Control characters from the submission are
/// shown escaped ([`crate::terminal`]): the file is read on a terminal.
pub fn feedback_file(r: &GradeResult) -> String {
    crate::terminal::visible(&feedback_text(r)).into_owned()
}

/// The feedback file's text, before control characters are escaped.
fn feedback_text(r: &GradeResult) -> String {
    use std::fmt::Write as _;
    let mut out = r.feedback.clone();
    if let Some(start) = &r.start {
        out.push_str("\nThe chain as graded:\n");
        let label = |l: &Option<String>| l.as_ref().map_or_else(String::new, |l| format!("{l}: "));
        let _ = writeln!(
            out,
            "  {:>4}    {:<12} {}{}",
            start.line,
            "",
            label(&start.label),
            start.expr
        );
        for s in &r.steps {
            let verdict = if s.verdict.is_valid() && s.in_order == Some(false) {
                "out of order".to_string()
            } else {
                s.verdict.name().to_string()
            };
            let by = s
                .justification
                .as_ref()
                .map_or_else(String::new, |j| format!("   by {j}"));
            let _ = writeln!(
                out,
                "  {:>4} {} {:<12} {}{}{by}",
                s.at.line,
                s.relation.symbol(),
                verdict,
                label(&s.at.label),
                s.at.expr
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(scores: &[f64], max: f64) -> Summary {
        Summary {
            scores: scores.to_vec(),
            max,
            ..Summary::default()
        }
    }

    #[test]
    fn mean_median_and_histogram() {
        let s = summary(&[0.0, 10.0, 6.5, 6.0], 10.0);
        assert_eq!(s.mean(), 5.625);
        assert_eq!(s.median(), 6.25);
        let h = s.histogram();
        assert_eq!(h.len(), 11);
        assert_eq!(h[0].2, 1);
        assert_eq!(h[6].2, 2);
        assert_eq!(h[10].2, 1);
        assert_eq!(h.iter().map(|b| b.2).sum::<usize>(), 4);
        let wide = summary(&[0.0, 99.0, 100.0], 100.0);
        let h = wide.histogram();
        assert_eq!(h.len(), 10);
        assert_eq!(h[9].2, 2);
        assert_eq!(summary(&[], 10.0).median(), 0.0);
    }
}
