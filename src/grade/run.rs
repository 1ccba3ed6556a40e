//! A batch of submissions graded and reported: to standard output, or —
//! with an output directory — a feedback file a student, the stored
//! results and the report, each written atomically. Grading is
//! [`super::batch`]'s; rendering is the reporters' ([`crate::report::grade`]).

use super::batch::{grade_batch, BatchStats};
use super::store::{atomic_write, persist, remove_temporaries, run_key, temporary_in, Store};
use super::{Grader, Submission};
use crate::input::Note;
use crate::report::grade::{feedback_file, reporter, GradeFormat, Header, Summary};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

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
    /// The exit status of `grade` (SPEC §4): 2 when a submission file could
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
            reporter.item(&mut out, &r)
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
            Sink::Class(tmp) => reporter.item(tmp, &r),
            Sink::Documents(folder, file) => {
                let mut document = Vec::new();
                reporter.item(&mut document, &r)?;
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

    #[test]
    fn strict_fails_below_full_marks() {
        let mut o = Outcome {
            summary: Summary {
                scores: vec![10.0, 9.0],
                max: 10.0,
                full_marks: 1,
                ..Summary::default()
            },
            ..Outcome::default()
        };
        assert_eq!(o.exit_code(false), 0);
        assert_eq!(o.exit_code(true), 1);
        o.summary.unreadable = 1;
        assert_eq!(o.exit_code(false), 2);
    }
}
