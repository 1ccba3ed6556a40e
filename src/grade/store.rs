//! Results kept in an output directory, so that a batch interrupted
//! half-way and run again grades only what is left.
//!
//! Every file is written atomically: a temporary file in the same
//! directory (named `.derivcheck-*.tmp`), then a rename, so a reader (or a
//! second run) sees either the old file or the new one, never half of one.
//! Temporary files left by an interrupted run are removed when the
//! directory is opened again.
//!
//! `results/<id>.json` holds one submission's [`GradeResult`] with a
//! fingerprint of everything that decided it (the assignment, the run's
//! options, the submission's bytes). A result is reused only when its
//! fingerprint matches; anything else is graded again.

use super::result::GradeResult;
use super::stable_hash;
use super::submission::Submission;
use serde::{Deserialize, Serialize};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Prefix of the temporary files of atomic writes.
pub const TEMP_PREFIX: &str = ".derivcheck-";

/// Write `bytes` to `dir/name` atomically: a temporary file in `dir`, then
/// a rename over the target.
pub fn atomic_write(dir: &Path, name: &str, bytes: &[u8]) -> io::Result<()> {
    let mut tmp = temporary_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.flush()?;
    persist(tmp, &dir.join(name))
}

/// A temporary file in `dir` that [`persist`] renames into place; dropped
/// without it, the file is removed.
pub fn temporary_in(dir: &Path) -> io::Result<tempfile::NamedTempFile> {
    tempfile::Builder::new()
        .prefix(TEMP_PREFIX)
        .suffix(".tmp")
        .tempfile_in(dir)
}

/// Rename a temporary file to `target`, readable by others as a report
/// should be.
pub fn persist(tmp: tempfile::NamedTempFile, target: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o644))?;
    }
    tmp.persist(target).map(|_| ()).map_err(|e| e.error)
}

/// Remove the temporary files an interrupted run left in `dir`.
pub fn remove_temporaries(dir: &Path) -> io::Result<usize> {
    let mut removed = 0;
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with(TEMP_PREFIX) && name.ends_with(".tmp") && entry.file_type()?.is_file() {
            std::fs::remove_file(entry.path())?;
            removed += 1;
        }
    }
    Ok(removed)
}

#[derive(Serialize, Deserialize)]
struct Stored {
    fingerprint: String,
    result: GradeResult,
}

/// The results of an output directory.
#[derive(Clone, Debug)]
pub struct Store {
    results: PathBuf,
    run: u64,
}

impl Store {
    /// Open (creating it) the results folder of `dir`, and remove the
    /// temporary files of an interrupted run from `dir` and its `results`
    /// and `feedback` folders. `run` identifies everything about the run
    /// that decides a result besides the submission itself (see
    /// [`run_key`]).
    pub fn open(dir: &Path, run: u64) -> io::Result<Store> {
        let results = dir.join("results");
        std::fs::create_dir_all(&results)?;
        for d in [dir.to_path_buf(), results.clone(), dir.join("feedback")] {
            if d.is_dir() {
                remove_temporaries(&d)?;
            }
        }
        Ok(Store { results, run })
    }

    /// The fingerprint of one submission in this run.
    pub fn fingerprint(&self, sub: &Submission, text: &Result<String, String>) -> String {
        let (tag, body) = match text {
            Ok(t) => ("ok", t.as_bytes()),
            Err(e) => ("err", e.as_bytes()),
        };
        let h = stable_hash(&[
            &self.run.to_le_bytes(),
            sub.id.as_bytes(),
            sub.path.to_string_lossy().as_bytes(),
            format!("{:?}", sub.kind).as_bytes(),
            sub.id_note.as_deref().unwrap_or("").as_bytes(),
            tag.as_bytes(),
            body,
        ]);
        format!("{h:016x}")
    }

    /// The stored result of a submission, if its fingerprint matches.
    pub fn load(&self, id: &str, fingerprint: &str) -> Option<GradeResult> {
        let text = std::fs::read_to_string(self.results.join(format!("{id}.json"))).ok()?;
        let stored: Stored = serde_json::from_str(&text).ok()?;
        (stored.fingerprint == fingerprint && stored.result.id == id).then_some(stored.result)
    }

    /// Store a submission's result.
    pub fn save(&self, fingerprint: &str, result: &GradeResult) -> io::Result<()> {
        let stored = Stored {
            fingerprint: fingerprint.to_string(),
            result: result.clone(),
        };
        let json = serde_json::to_vec(&stored).map_err(io::Error::other)?;
        atomic_write(&self.results, &format!("{}.json", result.id), &json)
    }
}

/// The part of a fingerprint that is the same for every submission of a
/// run: the program's version, the assignment's text, and the options.
pub fn run_key(assignment_text: &str, opts: &super::GradeOptions) -> u64 {
    let c = &opts.check;
    stable_hash(&[
        env!("CARGO_PKG_VERSION").as_bytes(),
        assignment_text.as_bytes(),
        format!(
            "seed {} trials {} samples {} symbolic {} numeric {} bounds {:?}",
            c.seed, c.trials, c.samples, c.symbolic, c.numeric, opts.bounds
        )
        .as_bytes(),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_writes_replace_whole_files_and_leave_no_temporaries() {
        let dir = tempfile::tempdir().unwrap();
        atomic_write(dir.path(), "a.txt", b"first").unwrap();
        atomic_write(dir.path(), "a.txt", b"second").unwrap();
        assert_eq!(
            std::fs::read_to_string(dir.path().join("a.txt")).unwrap(),
            "second"
        );
        let names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
            .collect();
        assert_eq!(names, vec!["a.txt".to_string()]);
    }

    #[test]
    fn leftovers_of_an_interrupted_run_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        let tmp = temporary_in(dir.path()).unwrap();
        let (_, path) = tmp.keep().unwrap();
        std::fs::write(dir.path().join("keep.tmp"), "not ours").unwrap();
        Store::open(dir.path(), 1).unwrap();
        assert!(!path.exists());
        assert!(dir.path().join("keep.tmp").exists());
        assert!(dir.path().join("results").is_dir());
    }

    #[test]
    fn a_result_is_reused_only_with_its_fingerprint() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), 7).unwrap();
        let sub = Submission {
            id: "alice".into(),
            path: "alice.deriv".into(),
            kind: Some(super::super::Kind::Deriv),
            id_note: None,
            identity: None,
            refused: None,
        };
        let text = Ok("x\n= x\n".to_string());
        let fp = store.fingerprint(&sub, &text);
        let result = GradeResult {
            id: "alice".into(),
            path: "alice.deriv".into(),
            score: 2.5,
            max: 10.0,
            valid: true,
            first_invalid_line: None,
            start: None,
            steps: vec![],
            errors: vec![],
            notes: vec![],
            breakdown: None,
            feedback: "f".into(),
            unreadable: false,
        };
        store.save(&fp, &result).unwrap();
        assert_eq!(store.load("alice", &fp), Some(result));
        let changed = store.fingerprint(&sub, &Ok("x\n= y\n".to_string()));
        assert_ne!(fp, changed);
        assert_eq!(store.load("alice", &changed), None);
        let other_run = Store::open(dir.path(), 8).unwrap();
        assert_ne!(other_run.fingerprint(&sub, &text), fp);
        std::fs::write(dir.path().join("results/alice.json"), "{ half a file").unwrap();
        assert_eq!(store.load("alice", &fp), None);
    }
}
