//! Checking documents off the protocol loop: debounced, on threads of
//! their own, stopped when their text changes again.
//!
//! In: "this document changed" ([`Worker::schedule`]). A check starts
//! [`DEBOUNCE`] after the last change of its document, on a thread of its
//! own, with the document's text as it is then; out comes a
//! [`Finished`] on [`Worker::results`]. A change while a check runs stops
//! that check at its next step (its result would be stale); the loop
//! takes only the result of a document's latest check. The loop never
//! waits for a check, so a slow step (the numeric engine on a large
//! enumeration) delays nothing but its own document's diagnostics.

use crate::check::{self, FileResult, Options, Prelude};
use crate::diagnostic::Diagnostic;
use crate::latex::InputFormat;
use crate::syntax::Span;
use crossbeam_channel::{Receiver, Sender};
use lsp_types::Uri;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How long a document must stay unchanged before it is checked.
/// Default: 250 ms.
pub const DEBOUNCE: Duration = Duration::from_millis(250);

/// Most checks running at once, stopped ones still finishing their step
/// included; a check due past it waits for one to end. Default: 4.
pub const MAX_RUNNING: usize = 4;

/// Stack of a check's thread: trees are depth-bounded, but a bounded tree
/// can still be deeper than a default stack allows (as for the command
/// line's thread). Default: 512 MiB of address space, used as needed.
pub const CHECK_STACK_BYTES: usize = 512 << 20;

/// Where the declarations of a `.tex` or `.md` document come from when the
/// settings name a file (`{"with": "decls.deriv"}`).
#[derive(Clone, Debug)]
pub enum Declarations {
    /// The file, read when the check starts.
    File(PathBuf),
    /// The file is open in the editor: its text there.
    Open {
        /// The file.
        path: PathBuf,
        /// Its text in the editor.
        text: String,
    },
}

/// What became of the declarations file of a check.
#[derive(Clone, Debug)]
pub enum DeclarationsUsed {
    /// Read; `report` holds its own problems, under its own name.
    Read {
        /// The file.
        path: PathBuf,
        /// Its syntax and declaration errors ([`Prelude::report`]).
        report: FileResult,
    },
    /// It could not be read: the document was checked without it.
    Unreadable {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
}

/// One document to check.
#[derive(Clone, Debug)]
pub struct Job {
    /// The document.
    pub uri: Uri,
    /// Its generation: the loop takes the result of the latest only.
    pub generation: u64,
    /// The name its results carry.
    pub name: String,
    /// Its text.
    pub text: String,
    /// How to read it.
    pub format: InputFormat,
    /// Declarations from another file, for `.tex` and `.md` documents.
    pub declarations: Option<Declarations>,
    /// Engines, seed, trials, samples: as for `check`.
    pub options: Options,
}

/// What a check found.
#[derive(Clone, Debug)]
pub struct Analysis {
    /// The document's result, as `check` gives it.
    pub result: FileResult,
    /// The declarations file, when one was asked for.
    pub declarations: Option<DeclarationsUsed>,
}

/// A check that ended.
#[derive(Debug)]
pub struct Finished {
    /// The document.
    pub uri: Uri,
    /// The generation checked.
    pub generation: u64,
    /// What it found; `None` when it was stopped.
    pub analysis: Option<Analysis>,
}

struct Running {
    uri: Uri,
    generation: u64,
    stop: Arc<AtomicBool>,
}

/// The debouncing scheduler and its running checks.
pub struct Worker {
    debounce: Duration,
    max_running: usize,
    /// When each waiting document is due.
    due: HashMap<Uri, Instant>,
    running: Vec<Running>,
    sender: Sender<Finished>,
    receiver: Receiver<Finished>,
}

impl Worker {
    /// A worker that waits `debounce` after a change and runs at most
    /// `max_running` checks at once.
    pub fn new(debounce: Duration, max_running: usize) -> Worker {
        let (sender, receiver) = crossbeam_channel::unbounded();
        Worker {
            debounce,
            max_running: max_running.max(1),
            due: HashMap::new(),
            running: Vec::new(),
            sender,
            receiver,
        }
    }

    /// The document changed: check it once it has been left alone for the
    /// debounce time (`at_once`: as soon as a check can run, as for a
    /// document just opened). A check of it still running is stopped.
    pub fn schedule(&mut self, uri: &Uri, now: Instant, at_once: bool) {
        self.stop(uri);
        let delay = if at_once {
            Duration::ZERO
        } else {
            self.debounce
        };
        self.due.insert(uri.clone(), now + delay);
    }

    /// The document was closed: nothing more is checked for it.
    pub fn forget(&mut self, uri: &Uri) {
        self.stop(uri);
        self.due.remove(uri);
    }

    /// Stop everything (at shutdown).
    pub fn stop_all(&mut self) {
        for r in &self.running {
            r.stop.store(true, Ordering::Relaxed);
        }
        self.due.clear();
    }

    fn stop(&mut self, uri: &Uri) {
        for r in self.running.iter().filter(|r| &r.uri == uri) {
            r.stop.store(true, Ordering::Relaxed);
        }
    }

    /// How long until the next check is due, if one waits and could start.
    pub fn timeout(&self, now: Instant) -> Option<Duration> {
        if self.running.len() >= self.max_running {
            return None;
        }
        self.due
            .values()
            .min()
            .map(|at| at.saturating_duration_since(now))
    }

    /// Start the checks that are due, earliest first, while there is room.
    /// `job` makes a document's job from its state now (`None`: it is gone
    /// or cannot be checked).
    pub fn start_due(&mut self, now: Instant, mut job: impl FnMut(&Uri) -> Option<Job>) {
        while self.running.len() < self.max_running {
            let Some(uri) = self
                .due
                .iter()
                .filter(|(_, at)| **at <= now)
                .min_by_key(|(_, at)| **at)
                .map(|(u, _)| u.clone())
            else {
                return;
            };
            self.due.remove(&uri);
            if let Some(j) = job(&uri) {
                self.start(j);
            }
        }
    }

    fn start(&mut self, job: Job) {
        let stop = Arc::new(AtomicBool::new(false));
        self.running.push(Running {
            uri: job.uri.clone(),
            generation: job.generation,
            stop: stop.clone(),
        });
        let sender = self.sender.clone();
        let (uri, generation) = (job.uri.clone(), job.generation);
        let spawned = std::thread::Builder::new()
            .name("derivcheck check".into())
            .stack_size(CHECK_STACK_BYTES)
            .spawn(move || {
                let (uri, generation) = (job.uri.clone(), job.generation);
                let analysis = run_guarded(job, &stop);
                let _ = sender.send(Finished {
                    uri,
                    generation,
                    analysis,
                });
            });
        if let Err(e) = spawned {
            let _ = self.sender.send(Finished {
                uri,
                generation,
                analysis: Some(failed(format!("could not start a check: {e}"))),
            });
        }
    }

    /// Where finished checks arrive.
    pub fn results(&self) -> &Receiver<Finished> {
        &self.receiver
    }

    /// A check ended: its place is free.
    pub fn finished(&mut self, finished: &Finished) {
        self.running
            .retain(|r| !(r.uri == finished.uri && r.generation == finished.generation));
    }

    /// Checks running now, stopped ones still finishing included.
    pub fn running(&self) -> usize {
        self.running.len()
    }
}

/// Run a job, a panic in the library becoming the document's error rather
/// than the end of the server.
fn run_guarded(job: Job, stop: &AtomicBool) -> Option<Analysis> {
    let name = job.name.clone();
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run(job, stop))) {
        Ok(analysis) => analysis,
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            Some(failed(format!(
                "internal error while checking `{name}`: {what}"
            )))
        }
    }
}

/// A result that is one error at the start of the document.
fn failed(message: String) -> Analysis {
    Analysis {
        result: FileResult {
            source: crate::syntax::Source::new("", ""),
            errors: vec![Diagnostic::error(Span::default(), message, None)],
            chains: vec![],
            unproved: vec![],
            inferred: None,
        },
        declarations: None,
    }
}

/// Check a job's text, with its declarations file when it has one; `None`
/// when `stop` was set meanwhile.
pub fn run(job: Job, stop: &AtomicBool) -> Option<Analysis> {
    let (prelude, declarations) = match job.declarations {
        None => (None, None),
        Some(d) => {
            let (path, read) = match d {
                Declarations::File(path) => {
                    let read = Prelude::read(&path);
                    (path, read)
                }
                Declarations::Open { path, text } => {
                    let read = Ok(Prelude::from_text(&path.display().to_string(), &text));
                    (path, read)
                }
            };
            match read {
                Ok(p) => {
                    let report = p.report();
                    (Some(p), Some(DeclarationsUsed::Read { path, report }))
                }
                Err(reason) => (None, Some(DeclarationsUsed::Unreadable { path, reason })),
            }
        }
    };
    let stopped = || stop.load(Ordering::Relaxed);
    let result = check::check_text_as(
        &job.name,
        &job.text,
        job.format,
        prelude.as_ref(),
        &job.options,
        &stopped,
    );
    (!stopped()).then_some(Analysis {
        result,
        declarations,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(uri: &Uri, generation: u64, text: &str) -> Job {
        Job {
            uri: uri.clone(),
            generation,
            name: "test.deriv".into(),
            text: text.into(),
            format: InputFormat::Deriv,
            declarations: None,
            options: Options::default(),
        }
    }

    #[test]
    fn a_check_waits_for_the_debounce_after_the_last_change() {
        let uri: Uri = "file:///a.deriv".parse().unwrap();
        let mut w = Worker::new(Duration::from_millis(250), 4);
        let t0 = Instant::now();
        w.schedule(&uri, t0, false);
        assert_eq!(w.timeout(t0), Some(Duration::from_millis(250)));
        // A second change moves the check later.
        w.schedule(&uri, t0 + Duration::from_millis(100), false);
        let mut started = vec![];
        w.start_due(t0 + Duration::from_millis(300), |u| {
            started.push(u.clone());
            None
        });
        assert!(started.is_empty(), "not due before 350 ms");
        w.start_due(t0 + Duration::from_millis(350), |u| {
            started.push(u.clone());
            None
        });
        assert_eq!(started, [uri]);
        assert_eq!(w.timeout(t0), None, "nothing waits");
    }

    #[test]
    fn a_change_stops_the_running_check_and_its_result_is_dropped() {
        let uri: Uri = "file:///a.deriv".parse().unwrap();
        let mut w = Worker::new(Duration::ZERO, 4);
        let now = Instant::now();
        w.schedule(&uri, now, true);
        let text = "const c\n\nc\n= c + 0\n= c\n";
        w.start_due(now, |u| Some(job(u, 1, text)));
        assert_eq!(w.running(), 1);
        w.schedule(&uri, now, false);
        let done = w.results().recv_timeout(Duration::from_secs(60)).unwrap();
        w.finished(&done);
        assert_eq!(w.running(), 0);
        assert_eq!(done.generation, 1);
        // Either it was stopped, or it finished before the change came.
        if let Some(a) = done.analysis {
            assert_eq!(a.result.chains[0].steps.len(), 2);
        }
    }

    #[test]
    fn no_more_than_the_bound_run_at_once() {
        let mut w = Worker::new(Duration::ZERO, 1);
        let now = Instant::now();
        let a: Uri = "file:///a.deriv".parse().unwrap();
        let b: Uri = "file:///b.deriv".parse().unwrap();
        w.schedule(&a, now, true);
        w.schedule(&b, now, true);
        let mut n = 0;
        w.start_due(now, |u| {
            n += 1;
            Some(job(u, n, "const c\n\nc\n= c\n"))
        });
        assert_eq!((n, w.running()), (1, 1));
        assert_eq!(w.timeout(now), None, "full: wait for a check to end");
        let done = w.results().recv_timeout(Duration::from_secs(60)).unwrap();
        w.finished(&done);
        assert_eq!(w.timeout(now), Some(Duration::ZERO));
    }

    #[test]
    fn a_stopped_job_gives_no_analysis() {
        let uri: Uri = "file:///a.deriv".parse().unwrap();
        let stop = AtomicBool::new(true);
        assert!(run(job(&uri, 1, "const c\n\nc\n= c\n"), &stop).is_none());
        let go = AtomicBool::new(false);
        let a = run(job(&uri, 1, "const c\n\nc\n= c\n"), &go).unwrap();
        assert_eq!(a.result.chains[0].steps[0].verdict.name(), "proved");
    }

    #[test]
    fn unreadable_declarations_are_reported_and_the_document_checked_without_them() {
        let uri: Uri = "file:///a.tex".parse().unwrap();
        let mut j = job(&uri, 1, "%! const c\n$$ c = c $$\n");
        j.format = InputFormat::Latex;
        j.declarations = Some(Declarations::File("/nonexistent/decls.deriv".into()));
        let a = run(j, &AtomicBool::new(false)).unwrap();
        assert!(matches!(
            a.declarations,
            Some(DeclarationsUsed::Unreadable { .. })
        ));
        assert_eq!(a.result.chains.len(), 1);
    }
}
