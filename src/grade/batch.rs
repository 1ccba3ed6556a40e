//! A whole class: submissions graded in parallel (rayon), handed on in
//! their original order, a chunk at a time, so memory stays flat however
//! many there are.
//!
//! Every submission gets a result: one that cannot be read or parsed
//! scores 0 with its error, and even a fault in derivcheck itself while
//! grading one submission becomes that submission's error, not the end of
//! the batch. Results do not depend on the number of threads: each
//! submission has its own seed ([`super::Grader::seed_of`]).

use super::result::{GradeResult, SubmissionError};
use super::store::Store;
use super::submission::{read_submission, Submission};
use super::{feedback, Grader};
use rayon::prelude::*;
use std::io;

/// Stack of each grading thread. Every tree is depth-bounded, but a
/// bounded tree can still be deeper than a default 2 MiB stack allows;
/// the memory is reserved, not used, until a deep submission needs it.
pub const THREAD_STACK_BYTES: usize = 256 << 20;

/// Most threads a batch runs on: each reserves [`THREAD_STACK_BYTES`] of
/// address space, so a count far past the cores would only exhaust it.
/// `grade --jobs` past it is an error; [`grade_batch`] clamps to it.
/// Default: 256.
pub const MAX_JOBS: usize = 256;

/// Submissions graded between two hand-overs, per thread.
const CHUNK_PER_THREAD: usize = 64;

/// How a batch went.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BatchStats {
    /// Submissions graded in this run.
    pub graded: usize,
    /// Results taken from the output directory of an earlier run.
    pub reused: usize,
}

fn grade_one(
    grader: &Grader,
    store: Option<&Store>,
    sub: &Submission,
) -> (GradeResult, bool, Option<io::Error>) {
    let text = read_submission(sub);
    let fingerprint = store.map(|s| s.fingerprint(sub, &text));
    if let (Some(s), Some(fp)) = (store, &fingerprint) {
        if let Some(r) = s.load(&sub.id, fp) {
            return (r, true, None);
        }
    }
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        grader.grade_text(sub, text)
    }))
    .unwrap_or_else(|panic| internal_error(grader, sub, panic));
    let error = match (store, &fingerprint) {
        (Some(s), Some(fp)) => s.save(fp, &result).err(),
        _ => None,
    };
    (result, false, error)
}

/// The result of a submission whose grading failed inside derivcheck.
fn internal_error(
    grader: &Grader,
    sub: &Submission,
    panic: Box<dyn std::any::Any + Send>,
) -> GradeResult {
    let what = panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown fault".into());
    let message =
        format!("derivcheck failed while grading this submission ({what}); please report it");
    let mut r = GradeResult {
        id: sub.id.clone(),
        path: sub.path.display().to_string(),
        score: 0.0,
        max: super::rubric::points_f64(grader.assignment().points),
        valid: false,
        first_invalid_line: None,
        start: None,
        steps: vec![],
        errors: vec![SubmissionError {
            line: 0,
            column: 0,
            rendered: format!("error: {message}\n"),
            message,
            hint: None,
        }],
        notes: vec![],
        breakdown: None,
        feedback: String::new(),
        unreadable: false,
    };
    r.feedback = feedback::explain(&r);
    r
}

/// Grade `subs` on `jobs` threads (0: one a core; at most [`MAX_JOBS`]).
/// Each result is passed to `sink` in the order of `subs`; `done` is
/// called (from any thread) as
/// each submission finishes, for a progress bar. With a `store`, results
/// of an earlier run with the same fingerprint are reused, and new ones
/// are saved. Stops at the first error of `sink` or of the store.
pub fn grade_batch(
    grader: &Grader,
    subs: &[Submission],
    store: Option<&Store>,
    jobs: usize,
    done: &(dyn Fn() + Sync),
    sink: &mut dyn FnMut(GradeResult) -> io::Result<()>,
) -> io::Result<BatchStats> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs.min(MAX_JOBS))
        .stack_size(THREAD_STACK_BYTES)
        .thread_name(|k| format!("grade-{k}"))
        .build()
        .map_err(io::Error::other)?;
    let chunk = CHUNK_PER_THREAD * pool.current_num_threads().max(1);
    let mut stats = BatchStats::default();
    for part in subs.chunks(chunk) {
        let results: Vec<(GradeResult, bool, Option<io::Error>)> = pool.install(|| {
            part.par_iter()
                .map(|sub| {
                    let r = grade_one(grader, store, sub);
                    done();
                    r
                })
                .collect()
        });
        for (result, reused, error) in results {
            if let Some(e) = error {
                return Err(e);
            }
            if reused {
                stats.reused += 1;
            } else {
                stats.graded += 1;
            }
            sink(result)?;
        }
    }
    Ok(stats)
}
