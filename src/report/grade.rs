//! Reports of `grade`: a class's results streamed to one of the formats
//! (table, JSON, CSV, JUnit, HTML, the Canvas and Moodle gradebooks), each
//! submission handed on as soon as its chunk is graded, or — for
//! Gradescope — one document a submission; with an output directory, a
//! feedback file per student and the report, each written atomically.
//!
//! In: a [`Grader`] and the [`Submission`]s. Out: the report on a writer or
//! in the directory, and a [`Summary`] of the class for the exit status.

use crate::grade::batch::{grade_batch, BatchStats};
use crate::grade::rubric::score_text;
use crate::grade::store::{
    atomic_write, persist, remove_temporaries, run_key, temporary_in, Store,
};
use crate::grade::{Assignment, GradeResult, Grader, Submission};
use crate::input::Note;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// The formats of `grade --format`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GradeFormat {
    /// A table for the terminal, with a summary.
    Table,
    /// The JSON of docs/json.md.
    Json,
    /// `id,score,max,valid,first_invalid_line`.
    Csv,
    /// JUnit XML: a test suite a submission, a test case a step.
    Junit,
    /// One self-contained page for the class.
    Html,
    /// Canvas's gradebook import CSV ([`super::gradebook`]).
    Canvas,
    /// Moodle's grade import CSV ([`super::gradebook`]).
    Moodle,
    /// Gradescope's autograder `results.json`, one a submission
    /// ([`super::gradescope`]).
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
    /// Steps by verdict: proved, confirmed, estimated, refuted, unknown.
    pub verdicts: [usize; 5],
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
        for (a, b) in self.verdicts.iter_mut().zip(r.verdict_counts()) {
            *a += b;
        }
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

/// A report written as results arrive.
pub trait Reporter {
    /// Before the first submission.
    fn begin(&mut self, out: &mut dyn Write, header: &Header) -> io::Result<()>;
    /// One submission, in order.
    fn submission(&mut self, out: &mut dyn Write, r: &GradeResult) -> io::Result<()>;
    /// After the last.
    fn end(&mut self, out: &mut dyn Write, header: &Header, summary: &Summary) -> io::Result<()>;
}

/// The reporter of a format; `color` only for the table on a terminal.
pub fn reporter(format: GradeFormat, color: bool) -> io::Result<Box<dyn Reporter>> {
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

/// How a batch went.
#[derive(Clone, Debug, Default)]
pub struct Outcome {
    /// Figures over the class.
    pub summary: Summary,
    /// Graded now, or reused from an earlier run.
    pub stats: BatchStats,
    /// The report file, with an output directory.
    pub report: Option<PathBuf>,
}

impl Outcome {
    /// The exit status of `grade` (README, "Command line"): 2 when a submission file could
    /// not be read at all; with `strict`, 1 when a submission is below full
    /// marks; else 0.
    pub fn exit_code(&self, strict: bool) -> i32 {
        if self.summary.unreadable > 0 {
            2
        } else if strict && self.summary.full_marks < self.summary.count() {
            1
        } else {
            0
        }
    }
}

/// How a batch is reported.
#[derive(Clone, Debug)]
pub struct ReportOptions<'a> {
    /// The format.
    pub format: GradeFormat,
    /// The output directory: feedback files, stored results and the
    /// report go there instead of to standard output.
    pub out_dir: Option<&'a Path>,
    /// Colour the table (only without an output directory).
    pub color: bool,
    /// The assignment's gradebook column, instead of its file name
    /// ([`Header::column`]).
    pub column: Option<String>,
}

/// Grade a batch and write its report (the walk's `notes` in it): to `stdout`, or — with an output directory —
/// a feedback file a student in `DIR/feedback/`, the stored results in
/// `DIR/results/`, and the report in `DIR/report.EXT` (for a format that
/// is one document a submission, `DIR/FOLDER/ID/FILE`, see
/// [`GradeFormat::per_submission`]), each written atomically; a run
/// interrupted half-way and run again reuses what was finished. `done` is
/// called as each submission is graded. A batch the format cannot report
/// ([`GradeFormat::fits`]) is an error of kind `InvalidInput`, before
/// anything is graded.
pub fn run(
    grader: &Grader,
    subs: &[Submission],
    notes: &[Note],
    report: &ReportOptions,
    jobs: usize,
    stdout: &mut dyn Write,
    done: &(dyn Fn() + Sync),
) -> io::Result<Outcome> {
    let format = report.format;
    format
        .fits(report.out_dir, subs.len())
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
    let mut header = Header::of(grader.assignment(), subs);
    header.notes = notes.iter().map(Note::line).collect();
    if let Some(c) = &report.column {
        header.column.clone_from(c);
    }
    let mut reporter = reporter(format, report.color && report.out_dir.is_none())?;
    let mut summary = Summary {
        max: header.points,
        ..Summary::default()
    };
    let Some(dir) = report.out_dir else {
        let mut out = io::BufWriter::new(stdout);
        reporter.begin(&mut out, &header)?;
        let stats = grade_batch(grader, subs, None, jobs, done, &mut |r| {
            summary.add(&r);
            reporter.submission(&mut out, &r)
        })?;
        reporter.end(&mut out, &header, &summary)?;
        out.flush()?;
        return Ok(Outcome {
            summary,
            stats,
            report: None,
        });
    };
    std::fs::create_dir_all(dir)?;
    let feedback_dir = dir.join("feedback");
    std::fs::create_dir_all(&feedback_dir)?;
    let store = Store::open(
        dir,
        run_key(&grader.assignment().source.text, grader.options()),
    )?;
    let mut sink = match format.per_submission() {
        Some((folder, file)) => Sink::Documents(dir.join(folder), file),
        None => {
            let mut tmp = io::BufWriter::new(temporary_in(dir)?);
            reporter.begin(&mut tmp, &header)?;
            Sink::Class(tmp)
        }
    };
    let stats = grade_batch(grader, subs, Some(&store), jobs, done, &mut |r| {
        atomic_write(
            &feedback_dir,
            &format!("{}.txt", r.id),
            feedback_file(&r).as_bytes(),
        )?;
        summary.add(&r);
        match &mut sink {
            Sink::Class(tmp) => reporter.submission(tmp, &r),
            Sink::Documents(folder, file) => {
                let mut document = Vec::new();
                reporter.submission(&mut document, &r)?;
                let own = folder.join(&r.id);
                std::fs::create_dir_all(&own)?;
                remove_temporaries(&own)?;
                atomic_write(&own, file, &document)
            }
        }
    })?;
    let target = match sink {
        Sink::Class(mut tmp) => {
            reporter.end(&mut tmp, &header, &summary)?;
            let tmp = tmp.into_inner().map_err(|e| e.into_error())?;
            let target = dir.join(format!("report.{}", format.extension()));
            persist(tmp, &target)?;
            target
        }
        Sink::Documents(folder, _) => folder,
    };
    Ok(Outcome {
        summary,
        stats,
        report: Some(target),
    })
}

/// Where the reports of a batch with an output directory go.
enum Sink {
    /// The class's report, in a temporary file renamed into place once it
    /// is whole.
    Class(io::BufWriter<tempfile::NamedTempFile>),
    /// One document a submission, `FOLDER/ID/FILE` (Gradescope).
    Documents(PathBuf, &'static str),
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

    #[test]
    fn strict_fails_below_full_marks() {
        let mut o = Outcome {
            summary: summary(&[10.0, 9.0], 10.0),
            ..Outcome::default()
        };
        o.summary.full_marks = 1;
        assert_eq!(o.exit_code(false), 0);
        assert_eq!(o.exit_code(true), 1);
        o.summary.unreadable = 1;
        assert_eq!(o.exit_code(false), 2);
    }
}
