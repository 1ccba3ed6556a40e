//! The Python package's native module, `derivcheck._native`: a front end
//! over the library, like the command line (src/main.rs) and the language
//! server.
//!
//! In: texts and options from Python. Out: the JSON reports of
//! `derivcheck check --format json` (SPEC §4) and `derivcheck grade
//! --format json` (SPEC §5), as text, rendered by the library's reporters;
//! `python/derivcheck/__init__.py` turns them into Python objects. No
//! checking happens here: every verdict is the library's.
//!
//! The GIL is released while a text is checked or a class graded, so
//! Python threads check in parallel. The work itself runs on a pool of
//! threads with large stacks (as the binary's and the grader's do): every
//! tree is depth-bounded, but a bounded tree can still be deeper than a
//! Python thread's stack allows.

use derivcheck::check::{self, FileResult, Options, Prelude};
use derivcheck::grade::submission::MAX_SUBMISSION_BYTES;
use derivcheck::grade::{Assignment, GradeOptions, Grader, Kind, Submission};
use derivcheck::latex::InputFormat;
use derivcheck::report;
use derivcheck::report::grade::{GradeFormat, Header, Summary};
use pyo3::create_exception;
use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use rayon::prelude::*;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Many small trees and polynomials are built and dropped per step: see
/// the root Cargo.toml. Python's own objects do not go through it.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

create_exception!(
    _native,
    AssignmentError,
    PyValueError,
    "The assignment cannot be used: the message lists every problem as file:line:column."
);

/// Stack of each worker thread, as the binary's main thread.
const STACK_BYTES: usize = 512 << 20;

/// The name the declarations' problems are reported under.
const DECLARATIONS_NAME: &str = "<declarations>.deriv";

/// The pool of this process, with the id of the process that built it.
struct Workers {
    pid: u32,
    pool: Arc<rayon::ThreadPool>,
}

static WORKERS: Mutex<Option<Workers>> = Mutex::new(None);

/// The worker pool, one thread a core. A process forked from one that had
/// a pool (a `multiprocessing` worker) inherits the pool's memory but
/// none of its threads, so it builds its own; the old one is left alone,
/// since its locks may be held by threads that no longer exist.
fn workers() -> PyResult<Arc<rayon::ThreadPool>> {
    let mut slot = WORKERS.lock().unwrap_or_else(|e| e.into_inner());
    let pid = std::process::id();
    if let Some(w) = slot.as_ref().filter(|w| w.pid == pid) {
        return Ok(w.pool.clone());
    }
    if let Some(inherited) = slot.take() {
        std::mem::forget(inherited);
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .stack_size(STACK_BYTES)
        .thread_name(|k| format!("derivcheck-{k}"))
        .build()
        .map_err(|e| PyRuntimeError::new_err(format!("cannot start the checking threads: {e}")))?;
    let pool = Arc::new(pool);
    *slot = Some(Workers {
        pid,
        pool: pool.clone(),
    });
    Ok(pool)
}

/// Run `work` on the pool with the GIL released.
fn off_the_gil<T: Send>(py: Python<'_>, work: impl FnOnce() -> T + Send) -> PyResult<T> {
    let pool = workers()?;
    Ok(py.allow_threads(|| pool.install(work)))
}

/// A format named by Python: `deriv`, `tex` (`latex`), `md` (`markdown`),
/// with or without a dot.
fn input_format(name: &str) -> PyResult<InputFormat> {
    InputFormat::from_extension(name.trim_start_matches('.')).ok_or_else(|| {
        PyValueError::new_err(format!(
            "unknown format {name:?}: expected \"deriv\", \"tex\" or \"md\""
        ))
    })
}

/// The text without a byte-order mark, as files are read.
fn without_bom(text: &str) -> &str {
    text.strip_prefix('\u{feff}').unwrap_or(text)
}

/// The engines' settings, as `check` and `grade` take them.
#[derive(Clone, Copy)]
struct Settings {
    seed: u64,
    trials: usize,
    samples: usize,
    symbolic: bool,
    numeric: bool,
}

impl Settings {
    fn options(self) -> Options {
        Options {
            seed: self.seed,
            trials: self.trials,
            samples: self.samples,
            symbolic: self.symbolic,
            numeric: self.numeric,
        }
    }
}

/// Check one text: the JSON report of `derivcheck check --format json`.
///
/// The format is `format` when given, else the extension of `name`
/// (`.deriv` when it has none). `declarations` (.deriv text) come before
/// the text's own, as with `check --with`; their problems are a file of
/// the report of their own, first. After `timeout` seconds the steps left
/// are not decided (`unknown`, "not checked").
#[pyfunction]
#[allow(clippy::too_many_arguments)]
fn check_json(
    py: Python<'_>,
    text: String,
    declarations: Option<String>,
    name: String,
    format: Option<String>,
    seed: u64,
    trials: usize,
    samples: usize,
    symbolic: bool,
    numeric: bool,
    timeout: Option<f64>,
) -> PyResult<String> {
    let format = match format {
        Some(f) => input_format(&f)?,
        None => InputFormat::from_path(Path::new(&name)),
    };
    let timeout = match timeout {
        Some(t) if !(t >= 0.0 && t.is_finite()) => {
            return Err(PyValueError::new_err(format!(
                "timeout must be a number of seconds, 0 or more; got {t}"
            )))
        }
        t => t.map(Duration::from_secs_f64),
    };
    let opts = Settings {
        seed,
        trials,
        samples,
        symbolic,
        numeric,
    }
    .options();
    off_the_gil(py, move || {
        let started = Instant::now();
        let stop = || timeout.is_some_and(|t| started.elapsed() > t);
        let prelude = declarations.map(|d| Prelude::from_text(DECLARATIONS_NAME, without_bom(&d)));
        let mut files: Vec<FileResult> = Vec::new();
        if let Some(p) = &prelude {
            let own = p.report();
            if !own.errors.is_empty() {
                files.push(own);
            }
        }
        files.push(check::check_text_as(
            &name,
            without_bom(&text),
            format,
            prelude.as_ref(),
            &opts,
            &stop,
        ));
        report::json::render(&files, &[])
    })
}

/// The kind of a submission: `format` when given, else its id's extension
/// (`.deriv`, `.tex`, `.md`, `.txt` for labels), else `.deriv`; and the
/// path the report shows for it.
fn submission_of(id: String, format: Option<Kind>) -> Submission {
    let named = Kind::of(Path::new(&id));
    let kind = format.or(named).unwrap_or(Kind::Deriv);
    let path = if named == Some(kind) {
        PathBuf::from(&id)
    } else {
        let ext = match kind {
            Kind::Deriv => "deriv",
            Kind::Latex => "tex",
            Kind::Markdown => "md",
            Kind::Labels => "txt",
        };
        PathBuf::from(format!("{id}.{ext}"))
    };
    Submission {
        id,
        path,
        kind: Some(kind),
        id_note: None,
        identity: None,
        refused: None,
    }
}

/// Grade submissions given as `(id, text)`: the JSON report of
/// `derivcheck grade --format json`. The submissions are graded in
/// parallel on the pool; each has its own seed, mixed from `seed` and its
/// id, so the report does not depend on the number of threads. Raises
/// `AssignmentError` when the assignment cannot be used.
#[pyfunction]
#[allow(clippy::too_many_arguments)]
fn grade_json(
    py: Python<'_>,
    assignment: String,
    assignment_name: String,
    submissions: Vec<(String, String)>,
    format: Option<String>,
    seed: u64,
    trials: usize,
    samples: usize,
    symbolic: bool,
    numeric: bool,
) -> PyResult<String> {
    let kind = match format.as_deref() {
        None => None,
        Some("txt" | ".txt" | "labels") => Some(Kind::Labels),
        Some(f) => Some(match input_format(f)? {
            InputFormat::Deriv => Kind::Deriv,
            InputFormat::Latex => Kind::Latex,
            InputFormat::Markdown => Kind::Markdown,
        }),
    };
    let settings = Settings {
        seed,
        trials,
        samples,
        symbolic,
        numeric,
    };
    let graded = off_the_gil(py, move || {
        let assignment = Assignment::from_text(&assignment_name, without_bom(&assignment))
            .map_err(|e| AssignmentError::new_err(e.render()))?;
        let (subs, texts): (Vec<Submission>, Vec<String>) = submissions
            .into_iter()
            .map(|(id, text)| (submission_of(id, kind), text))
            .unzip();
        let grader = Grader::new(
            &assignment,
            GradeOptions {
                check: settings.options(),
                ..GradeOptions::default()
            },
        );
        let results: Vec<_> = subs
            .par_iter()
            .zip(texts.par_iter())
            .map(|(sub, text)| {
                let text = without_bom(text);
                let text = if text.len() > MAX_SUBMISSION_BYTES {
                    Err(format!(
                        "`{}` is larger than the limit of {MAX_SUBMISSION_BYTES} bytes",
                        sub.path.display()
                    ))
                } else {
                    Ok(text.to_string())
                };
                grader.grade_text(sub, text)
            })
            .collect();
        let header = Header::of(&assignment, &subs);
        let internal = |e: std::io::Error| PyRuntimeError::new_err(e.to_string());
        let mut reporter = report::grade::reporter(GradeFormat::Json, false).map_err(internal)?;
        let mut summary = Summary::default();
        let mut out: Vec<u8> = Vec::new();
        let written = (|| {
            reporter.begin(&mut out, &header)?;
            for r in &results {
                summary.add(r);
                reporter.item(&mut out, r)?;
            }
            reporter.end(&mut out, &header, &summary)
        })();
        written.map_err(internal)?;
        String::from_utf8(out).map_err(|e| PyRuntimeError::new_err(e.to_string()))
    })?;
    graded
}

/// The native module; the package `derivcheck` wraps it.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(check_json, m)?)?;
    m.add_function(wrap_pyfunction!(grade_json, m)?)?;
    m.add("AssignmentError", m.py().get_type::<AssignmentError>())?;
    m.add("VERSION", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
