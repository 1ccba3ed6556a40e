//! Checking the files of a run: the paths on the command line walked by
//! [`crate::input::walk`] (the walker `grade` uses too) for `.deriv`,
//! `.tex` and `.md` files, each read once with
//! [`crate::input::read_bounded`]; a file that cannot be read is that
//! file's error, and the batch goes on.

use super::{check_text_with, FileResult, Options, Prelude};
use crate::input::{self, Entry, Note, Walk, WalkOptions};
use crate::latex::InputFormat;
use crate::syntax::parser::MAX_FILE_BYTES;
use std::path::{Path, PathBuf};

/// Whether `check` reads a file met in a directory: `.deriv`, `.tex`
/// and `.md` (and their longer spellings).
fn checkable(path: &Path) -> bool {
    path.extension()
        .and_then(|x| x.to_str())
        .and_then(InputFormat::from_extension)
        .is_some()
}

/// Walk the paths for `check` (see [`crate::input`] for the policy).
pub fn walk(paths: &[PathBuf]) -> Walk {
    input::walk(
        paths,
        &WalkOptions {
            wanted: &checkable,
            exclude: &[],
            confined: false,
        },
    )
}

/// Every `.deriv`, `.tex` and `.md` file under the given paths, each
/// once (directories recursively, in name order; a file named directly
/// is taken whatever its extension); a path that cannot be read is an
/// `Err` with the reason. What the walk skipped is left out.
pub fn collect_files(paths: &[PathBuf]) -> Vec<Result<PathBuf, (String, String)>> {
    let w = walk(paths);
    let mut out: Vec<_> = w
        .entries
        .into_iter()
        .filter_map(|e| match e {
            Entry::File(f) => Some(Ok(f.path)),
            Entry::Refused { .. } => None,
        })
        .collect();
    out.extend(w.problems.into_iter().map(Err));
    out
}

/// The results of a `check` run, and what its walk skipped.
#[derive(Clone, Debug, Default)]
pub struct Checked {
    /// One result a file (and the `--with` file's own problems first).
    pub files: Vec<FileResult>,
    /// Links and duplicates skipped: notes, not errors.
    pub notes: Vec<Note>,
}

/// Check files and directories. A file that cannot be read, or is not
/// UTF-8, is reported as that file's error; the batch goes on.
pub fn check_paths(paths: &[PathBuf], opts: &Options) -> Checked {
    check_paths_with(paths, None, opts)
}

/// Like [`check_paths`], with declarations for the `.tex` and `.md` files
/// (`check --with`). The prelude's own problems come first, once, under
/// its name, unless it is itself one of the files checked.
pub fn check_paths_with(paths: &[PathBuf], prelude: Option<&Prelude>, opts: &Options) -> Checked {
    let w = walk(paths);
    let mut out = Vec::new();
    let own = prelude.and_then(|p| std::fs::canonicalize(&p.source.name).ok());
    if let Some(p) = prelude {
        let checked_too = own.is_some()
            && w.entries
                .iter()
                .any(|e| matches!(e, Entry::File(f) if std::fs::canonicalize(&f.path).ok() == own));
        let report = p.report();
        if !report.errors.is_empty() && !checked_too {
            out.push(report);
        }
    }
    let mut notes = w.notes;
    for entry in w.entries {
        match entry {
            Entry::Refused { path, reason } => notes.push(Note {
                path: path.display().to_string(),
                message: reason,
            }),
            Entry::File(f) => {
                let name = f.path.display().to_string();
                let takes_prelude = InputFormat::from_path(&f.path) != InputFormat::Deriv;
                // The `--with` file, when it is checked too, is not read
                // again: its text is the prelude's.
                let read = match prelude {
                    Some(p) if own.is_some() && std::fs::canonicalize(&f.path).ok() == own => {
                        Ok(p.source.text.clone())
                    }
                    _ => input::read_text(&f.path, MAX_FILE_BYTES, f.identity),
                };
                out.push(match read {
                    Ok(text) => {
                        check_text_with(&name, &text, prelude.filter(|_| takes_prelude), opts)
                    }
                    Err(e) => FileResult::unreadable(&name, e),
                });
            }
        }
    }
    out.extend(
        w.problems
            .into_iter()
            .map(|(path, e)| FileResult::unreadable(&path, format!("cannot read `{path}`: {e}"))),
    );
    Checked { files: out, notes }
}

/// Read a file of at most [`MAX_FILE_BYTES`] as UTF-8 (a byte-order mark
/// left out): [`crate::input::read_bounded`] with `check`'s bound.
pub fn read_bounded(path: &Path) -> Result<String, String> {
    input::read_bounded(path, MAX_FILE_BYTES, None)
}
