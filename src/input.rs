//! Before stage 1 of the pipeline: finding the input files and reading
//! them, for `check`, `grade` and `fmt` alike.
//!
//! In: the paths on the command line. Out: the files to read, in order,
//! each once ([`walk`]); what was skipped and why ([`Note`]); and, per
//! file, its text, read within a size bound ([`read_bounded`]).
//!
//! The walk follows one policy, whatever the command:
//! - A directory is searched recursively, in name order; hidden entries
//!   (`.git`) are left out.
//! - A symbolic link met inside a directory is followed only when its
//!   target lies inside the directory named on the command line (the
//!   root); otherwise it is skipped with a note, so a folder never leads
//!   the walk elsewhere on the machine. Links are followed after the rest
//!   of their root, so a file or directory is reached by its own path
//!   where it has one.
//! - Every file and directory is taken once, by its canonical path (and
//!   a directory by its identity too, against mounts): a link back to a
//!   directory that holds it (a loop) or to one already searched is
//!   skipped with a note, as is a file reached a second way.
//! - Only regular files are read from a directory (a named pipe would
//!   never end).
//! - A path named on the command line is taken as given, links included,
//!   unless the walk is [`WalkOptions::confined`] (grading, whose files are
//!   untrusted): then a named link is followed only to a file in its own
//!   folder.
//!
//! Every walk ends, and its memory is bounded by the tree: each directory
//! is searched at most once, without recursion.

use std::collections::{HashMap, HashSet, VecDeque};
use std::path::{Path, PathBuf};

/// What must still be true of a file when it is opened: the same file
/// system object the walk found (device and inode), so a file swapped for
/// a link after the walk is not read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FileIdentity {
    dev: u64,
    ino: u64,
}

impl FileIdentity {
    /// The identity of a file's metadata, where the platform has one.
    pub fn of(meta: &std::fs::Metadata) -> Option<FileIdentity> {
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            Some(FileIdentity {
                dev: meta.dev(),
                ino: meta.ino(),
            })
        }
        #[cfg(not(unix))]
        {
            let _ = meta;
            None
        }
    }
}

/// Why a link to nothing is not read.
const DANGLING: &str = "a symbolic link to nothing (or to a loop of links)";

/// Why a named pipe, a socket or a device is not read.
const NOT_REGULAR: &str = "not a regular file";

/// Something the walk skipped, for the user: not an error, the batch goes
/// on.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Note {
    /// The path skipped, as the walk met it.
    pub path: String,
    /// Why.
    pub message: String,
}

impl Note {
    /// `note: `PATH` was skipped: MESSAGE`, on one line.
    pub fn line(&self) -> String {
        format!("note: skipped `{}`: {}", self.path, self.message)
    }
}

/// A file to read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Found {
    /// Its path, as the walk met it (the root as given, then the names
    /// below it).
    pub path: PathBuf,
    /// What it must be when opened (see [`read_bounded`]).
    pub identity: Option<FileIdentity>,
}

/// One entry of a walk, in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Entry {
    /// A file to read.
    File(Found),
    /// A file with a wanted name that is not read, and why ("a symbolic
    /// link to a file outside `subs`", "not a regular file"). `check`
    /// reports it as a note; `grade` gives it a result of its own, since
    /// it stands where a submission should.
    Refused {
        /// Its path.
        path: PathBuf,
        /// Why it is not read.
        reason: String,
    },
}

impl Entry {
    /// Its path.
    pub fn path(&self) -> &Path {
        match self {
            Entry::File(f) => &f.path,
            Entry::Refused { path, .. } => path,
        }
    }
}

/// What a walk found.
#[derive(Clone, Debug, Default)]
pub struct Walk {
    /// Files to read, and wanted files refused, in order.
    pub entries: Vec<Entry>,
    /// Directories and duplicates skipped, and why.
    pub notes: Vec<Note>,
    /// Directories that could not be listed: `(path, reason)`. (A file
    /// named on the command line that is not there is an entry, whose
    /// reading fails.)
    pub problems: Vec<(String, String)>,
}

/// How to walk.
pub struct WalkOptions<'a> {
    /// Whether a file met in a directory is wanted, by its name. Files
    /// named on the command line are taken whatever their name.
    pub wanted: &'a dyn Fn(&Path) -> bool,
    /// Paths left out, silently (the assignment, an output directory).
    pub exclude: &'a [PathBuf],
    /// Untrusted files: a link named on the command line is followed only
    /// to a regular file in its own folder.
    pub confined: bool,
}

struct Walker<'o> {
    opts: &'o WalkOptions<'o>,
    excluded: Vec<PathBuf>,
    /// Canonical paths of the files taken, with the path each was taken
    /// by.
    files: HashMap<PathBuf, PathBuf>,
    /// Canonical paths of the directories searched or being searched.
    dirs: HashSet<PathBuf>,
    /// Their identities too, so a directory mounted inside itself (two
    /// paths, one directory) is searched once as well.
    dir_ids: HashSet<FileIdentity>,
    out: Walk,
}

/// A directory to search: its path as met, and its canonical path.
struct Dir {
    path: PathBuf,
    canonical: PathBuf,
}

/// A directory being searched: its canonical path and the entries left.
struct Frame {
    canonical: PathBuf,
    entries: std::vec::IntoIter<(PathBuf, std::fs::FileType, std::fs::DirEntry)>,
}

fn shown(p: &Path) -> String {
    p.display().to_string()
}

impl Walker<'_> {
    /// Mark a directory as searched; `false` when it already was, by its
    /// canonical path or its identity.
    fn enter(&mut self, canonical: &Path, meta: Option<&std::fs::Metadata>) -> bool {
        let id = meta.and_then(FileIdentity::of);
        if self.dirs.contains(canonical) || id.is_some_and(|i| self.dir_ids.contains(&i)) {
            return false;
        }
        self.dirs.insert(canonical.to_path_buf());
        self.dir_ids.extend(id);
        true
    }

    fn note(&mut self, path: &Path, message: String) {
        self.out.notes.push(Note {
            path: shown(path),
            message,
        });
    }

    /// Take a file, unless it was taken already.
    fn take(&mut self, path: &Path, canonical: PathBuf, meta: &std::fs::Metadata) {
        if let Some(first) = self.files.get(&canonical) {
            let message = format!("the same file as `{}`, which is read once", shown(first));
            self.note(path, message);
            return;
        }
        self.files.insert(canonical, path.to_path_buf());
        self.out.entries.push(Entry::File(Found {
            path: path.to_path_buf(),
            identity: FileIdentity::of(meta),
        }));
    }

    fn refuse(&mut self, path: &Path, reason: String) {
        self.out.entries.push(Entry::Refused {
            path: path.to_path_buf(),
            reason,
        });
    }

    /// A path named on the command line.
    fn named(&mut self, path: &Path) {
        // A path that is not there is still taken, in its place: reading
        // it reports the reason, as that file's error.
        let missing = Entry::File(Found {
            path: path.to_path_buf(),
            identity: None,
        });
        let Ok(canonical) = std::fs::canonicalize(path) else {
            let link = std::fs::symlink_metadata(path).is_ok_and(|m| m.is_symlink());
            if link && self.opts.confined {
                self.refuse(path, DANGLING.into());
            } else {
                self.out.entries.push(missing);
            }
            return;
        };
        if self.excluded.contains(&canonical) {
            return;
        }
        let Ok(meta) = std::fs::metadata(path) else {
            self.out.entries.push(missing);
            return;
        };
        if meta.is_dir() {
            self.root(path, canonical, &meta);
            return;
        }
        if self.opts.confined {
            let link = std::fs::symlink_metadata(path).is_ok_and(|m| m.is_symlink());
            if link {
                let folder = path
                    .parent()
                    .map(|p| {
                        if p.as_os_str().is_empty() {
                            Path::new(".")
                        } else {
                            p
                        }
                    })
                    .and_then(|p| std::fs::canonicalize(p).ok());
                if folder.as_deref() != canonical.parent() {
                    self.refuse(
                        path,
                        "a symbolic link to a file outside its own folder".into(),
                    );
                    return;
                }
            }
            if !meta.is_file() {
                self.refuse(path, NOT_REGULAR.into());
                return;
            }
        }
        self.take(path, canonical, &meta);
    }

    /// A directory named on the command line: its tree searched, then
    /// the links met in it, until none is left.
    fn root(&mut self, path: &Path, canonical: PathBuf, meta: &std::fs::Metadata) {
        if !self.enter(&canonical, Some(meta)) {
            self.note(
                path,
                "a directory already searched (it is named twice, or lies inside another one named)"
                    .into(),
            );
            return;
        }
        let root = canonical.clone();
        let mut trees = VecDeque::from([Dir {
            path: path.to_path_buf(),
            canonical,
        }]);
        let mut links = VecDeque::new();
        loop {
            if let Some(tree) = trees.pop_front() {
                self.tree(tree, &mut links);
                continue;
            }
            let Some((link, parent)) = links.pop_front() else {
                break;
            };
            if let Some(tree) = self.link(&link, &parent, (path, &root)) {
                trees.push_back(tree);
            }
        }
    }

    /// A directory's entries, sorted by name, hidden ones left out.
    fn open(&mut self, dir: Dir) -> Option<Frame> {
        let entries = match std::fs::read_dir(&dir.path) {
            Ok(e) => e,
            Err(e) => {
                self.out.problems.push((shown(&dir.path), e.to_string()));
                return None;
            }
        };
        let mut list: Vec<(PathBuf, std::fs::FileType, std::fs::DirEntry)> = entries
            .filter_map(Result::ok)
            .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
            .filter_map(|e| Some((e.path(), e.file_type().ok()?, e)))
            .collect();
        list.sort_by(|a, b| a.0.cmp(&b.0));
        Some(Frame {
            canonical: dir.canonical,
            entries: list.into_iter(),
        })
    }

    /// A directory and the directories below it, depth first in name
    /// order (a stack, not recursion, however deep the tree): files are
    /// taken, links kept for [`Walker::link`].
    fn tree(&mut self, top: Dir, links: &mut VecDeque<(PathBuf, PathBuf)>) {
        let mut stack: Vec<Frame> = self.open(top).into_iter().collect();
        while let Some(frame) = stack.last_mut() {
            let Some((p, ty, entry)) = frame.entries.next() else {
                stack.pop();
                continue;
            };
            let canonical = frame.canonical.join(entry.file_name());
            if self.excluded.contains(&canonical) {
                continue;
            }
            if ty.is_symlink() {
                links.push_back((p, frame.canonical.clone()));
            } else if ty.is_dir() {
                if self.enter(&canonical, entry.metadata().ok().as_ref()) {
                    stack.extend(self.open(Dir { path: p, canonical }));
                } else {
                    self.note(&p, "a directory already searched".into());
                }
            } else if (self.opts.wanted)(&p) {
                if ty.is_file() {
                    match entry.metadata() {
                        Ok(meta) => self.take(&p, canonical, &meta),
                        Err(e) => self.out.problems.push((shown(&p), e.to_string())),
                    }
                } else {
                    self.refuse(&p, NOT_REGULAR.into());
                }
            }
        }
    }

    /// A symbolic link met in a directory (`parent`, canonical) of `root`
    /// (as named, and canonical).
    fn link(&mut self, link: &Path, parent: &Path, root: (&Path, &Path)) -> Option<Dir> {
        let wanted = (self.opts.wanted)(link);
        let target = match std::fs::canonicalize(link) {
            Ok(t) => t,
            Err(_) => {
                if wanted {
                    self.refuse(link, DANGLING.into());
                }
                return None;
            }
        };
        if self.excluded.contains(&target) {
            return None;
        }
        let meta = match std::fs::metadata(link) {
            Ok(m) => m,
            Err(e) => {
                self.out.problems.push((shown(link), e.to_string()));
                return None;
            }
        };
        let inside = target.starts_with(root.1);
        if meta.is_dir() {
            if !inside {
                let message = format!(
                    "a symbolic link to a directory outside `{}`, which is not searched",
                    shown(root.0)
                );
                self.note(link, message);
            } else if parent.starts_with(&target) {
                self.note(
                    link,
                    "a symbolic link to a directory that holds it (a loop), which is searched once"
                        .into(),
                );
            } else if !self.enter(&target, Some(&meta)) {
                self.note(
                    link,
                    "a symbolic link to a directory already searched".into(),
                );
            } else {
                return Some(Dir {
                    path: link.to_path_buf(),
                    canonical: target,
                });
            }
            return None;
        }
        if !wanted {
            return None;
        }
        if !inside {
            let reason = format!("a symbolic link to a file outside `{}`", shown(root.0));
            self.refuse(link, reason);
        } else if !meta.is_file() {
            self.refuse(link, NOT_REGULAR.into());
        } else {
            self.take(link, target, &meta);
        }
        None
    }
}

/// Walk the paths named on the command line (see the module's policy).
pub fn walk(paths: &[PathBuf], opts: &WalkOptions) -> Walk {
    let mut w = Walker {
        opts,
        excluded: opts
            .exclude
            .iter()
            .filter_map(|p| std::fs::canonicalize(p).ok())
            .collect(),
        files: HashMap::new(),
        dirs: HashSet::new(),
        dir_ids: HashSet::new(),
        out: Walk::default(),
    };
    for p in paths {
        w.named(p);
    }
    w.out
}

/// The UTF-8 byte-order mark, which some editors put at the start of a
/// file. It is not part of the text.
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Why a file was not read, and, for a file that is not UTF-8, where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReadError {
    /// What went wrong, naming the file (and, for text that is not UTF-8,
    /// the line and column of the first byte that is not).
    pub message: String,
    /// For a file that is not UTF-8: its text with each invalid sequence
    /// shown as U+FFFD, and the byte offset in that text of the first one,
    /// so the error can be shown at its line and column.
    pub invalid: Option<(String, usize)>,
}

impl From<String> for ReadError {
    fn from(message: String) -> Self {
        ReadError {
            message,
            invalid: None,
        }
    }
}

impl From<ReadError> for String {
    fn from(e: ReadError) -> String {
        e.message
    }
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// The 1-based line and column (in characters, as an editor counts them)
/// of byte `at` of `text`.
pub fn line_column(text: &str, at: usize) -> (usize, usize) {
    let before = &text[..at];
    let line = before.matches('\n').count() + 1;
    let start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[start..].chars().count() + 1)
}

/// Read a file of at most `limit` bytes as UTF-8 text, a byte-order mark
/// at its start left out (it is invisible in an editor, so columns are
/// counted without it). With `expect`, the file opened must be the one the
/// walk found, or it is not read. Errors name the file; text that is not
/// UTF-8 is reported at the line and column of its first invalid byte.
pub fn read_text(
    path: &Path,
    limit: usize,
    expect: Option<FileIdentity>,
) -> Result<String, ReadError> {
    use std::io::Read;
    let name = path.display();
    let file = std::fs::File::open(path).map_err(|e| format!("cannot read `{name}`: {e}"))?;
    if let Some(want) = expect {
        let now = file.metadata().ok().and_then(|m| FileIdentity::of(&m));
        if now != Some(want) {
            return Err(format!(
                "`{name}` changed after it was found (it was replaced, perhaps by a link), so it is not read"
            )
            .into());
        }
    }
    let mut bytes = Vec::new();
    file.take(limit as u64 + 1 + BOM.len() as u64)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read `{name}`: {e}"))?;
    if bytes.starts_with(BOM) {
        bytes.drain(..BOM.len());
    }
    if bytes.len() > limit {
        return Err(format!("`{name}` is larger than the limit of {limit} bytes").into());
    }
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let byte = e.as_bytes()[at];
        // Everything before the first invalid byte is valid, so it keeps
        // its offset in the repaired text.
        let text = String::from_utf8_lossy(e.as_bytes()).into_owned();
        let (line, column) = line_column(&text, at);
        ReadError {
            message: format!(
                "`{name}` is not UTF-8 text: the byte 0x{byte:02x} at line {line}, column {column} is not part of a UTF-8 character"
            ),
            invalid: Some((text, at)),
        }
    })
}

/// [`read_text`], its error as a message (for a file that is not UTF-8,
/// the message names the line and column).
pub fn read_bounded(
    path: &Path,
    limit: usize,
    expect: Option<FileIdentity>,
) -> Result<String, String> {
    read_text(path, limit, expect).map_err(String::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn any(_: &Path) -> bool {
        true
    }

    fn deriv(p: &Path) -> bool {
        p.extension().is_some_and(|e| e == "deriv")
    }

    fn run(paths: &[PathBuf], confined: bool) -> Walk {
        walk(
            paths,
            &WalkOptions {
                wanted: &deriv,
                exclude: &[],
                confined,
            },
        )
    }

    fn files(w: &Walk, base: &Path) -> Vec<String> {
        w.entries
            .iter()
            .filter_map(|e| match e {
                Entry::File(f) => Some(
                    f.path
                        .strip_prefix(base)
                        .unwrap_or(&f.path)
                        .display()
                        .to_string(),
                ),
                Entry::Refused { .. } => None,
            })
            .collect()
    }

    #[test]
    fn directories_are_searched_in_name_order_without_hidden_entries() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path();
        std::fs::create_dir_all(p.join("b/c")).unwrap();
        std::fs::create_dir_all(p.join(".git")).unwrap();
        for f in [
            "a.deriv",
            "b/c/x.deriv",
            "b/y.deriv",
            "z.deriv",
            ".git/h.deriv",
            "n.txt",
        ] {
            std::fs::write(p.join(f), "x").unwrap();
        }
        let w = run(&[p.to_path_buf()], false);
        assert_eq!(
            files(&w, p),
            ["a.deriv", "b/c/x.deriv", "b/y.deriv", "z.deriv"]
        );
        assert!(w.notes.is_empty() && w.problems.is_empty(), "{w:?}");
    }

    #[cfg(unix)]
    #[test]
    fn link_loops_end_with_a_note_and_every_file_is_read_once() {
        use std::os::unix::fs::symlink;
        let d = tempfile::tempdir().unwrap();
        let p = d.path();
        std::fs::create_dir_all(p.join("sub")).unwrap();
        std::fs::write(p.join("a.deriv"), "x").unwrap();
        std::fs::write(p.join("sub/b.deriv"), "x").unwrap();
        symlink(".", p.join("self")).unwrap();
        symlink(".", p.join("self2")).unwrap();
        symlink("..", p.join("sub/up")).unwrap();
        symlink("../a.deriv", p.join("sub/again.deriv")).unwrap();
        symlink("sub", p.join("alias")).unwrap();
        let started = std::time::Instant::now();
        let w = run(&[p.to_path_buf(), p.join("a.deriv")], false);
        assert!(started.elapsed().as_secs() < 5);
        assert_eq!(files(&w, p), ["a.deriv", "sub/b.deriv"]);
        let notes: Vec<String> = w.notes.iter().map(Note::line).collect();
        let said = |what: &str, about: &str| {
            notes
                .iter()
                .any(|n| n.contains(what) && n.contains(&format!("{about}`")))
        };
        assert!(said("a loop", "self"), "{notes:#?}");
        assert!(said("a loop", "self2"), "{notes:#?}");
        assert!(said("a loop", "sub/up"), "{notes:#?}");
        assert!(said("already searched", "alias"), "{notes:#?}");
        assert!(said("the same file as", "sub/again.deriv"), "{notes:#?}");
        assert!(said("the same file as", "a.deriv"), "{notes:#?}");
        assert_eq!(notes.len(), 6, "{notes:#?}");
    }

    #[cfg(unix)]
    #[test]
    fn links_out_of_the_root_are_refused_and_links_inside_followed() {
        use std::os::unix::fs::symlink;
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("secret.deriv"), "x").unwrap();
        let d = tempfile::tempdir().unwrap();
        let p = d.path();
        std::fs::create_dir_all(p.join("real")).unwrap();
        std::fs::write(p.join("real/r.deriv"), "x").unwrap();
        symlink(outside.path().join("secret.deriv"), p.join("leak.deriv")).unwrap();
        symlink(outside.path(), p.join("elsewhere")).unwrap();
        symlink("real/r.deriv", p.join("0first.deriv")).unwrap();
        symlink("missing.deriv", p.join("dangling.deriv")).unwrap();
        let w = run(&[p.to_path_buf()], false);
        // The file is taken by its own path, not by the link that sorts
        // before it.
        assert_eq!(files(&w, p), ["real/r.deriv"]);
        let refused: Vec<(String, String)> = w
            .entries
            .iter()
            .filter_map(|e| match e {
                Entry::Refused { path, reason } => Some((
                    path.file_name()?.to_string_lossy().to_string(),
                    reason.clone(),
                )),
                Entry::File(_) => None,
            })
            .collect();
        assert_eq!(refused.len(), 2, "{refused:?}");
        assert_eq!(refused[0].0, "dangling.deriv");
        assert_eq!(refused[1].0, "leak.deriv");
        assert!(refused[1].1.contains("outside"), "{refused:?}");
        assert!(w
            .notes
            .iter()
            .any(|n| n.path.ends_with("elsewhere") && n.message.contains("outside")));
        assert!(w.notes.iter().any(|n| n.path.ends_with("0first.deriv")));
    }

    #[cfg(unix)]
    #[test]
    fn a_confined_walk_refuses_named_links_out_of_their_folder() {
        use std::os::unix::fs::symlink;
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("secret.deriv"), "x").unwrap();
        let d = tempfile::tempdir().unwrap();
        let p = d.path();
        std::fs::write(p.join("own.deriv"), "x").unwrap();
        symlink(outside.path().join("secret.deriv"), p.join("leak.deriv")).unwrap();
        symlink("own.deriv", p.join("near.deriv")).unwrap();
        let named = [p.join("leak.deriv"), p.join("near.deriv")];
        let w = run(&named, true);
        assert!(
            matches!(&w.entries[0], Entry::Refused { reason, .. } if reason.contains("outside"))
        );
        assert!(matches!(&w.entries[1], Entry::File(_)));
        // Unconfined (check), a named link is the user's own choice.
        let w = run(&named, false);
        assert!(w.entries.iter().all(|e| matches!(e, Entry::File(_))));
    }

    #[test]
    fn missing_paths_are_taken_in_place_and_exclusions_silent() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path();
        std::fs::write(p.join("a.deriv"), "x").unwrap();
        std::fs::write(p.join("b.deriv"), "x").unwrap();
        let w = walk(
            &[p.to_path_buf(), p.join("none.deriv")],
            &WalkOptions {
                wanted: &any,
                exclude: &[p.join("b.deriv")],
                confined: false,
            },
        );
        assert_eq!(files(&w, p), ["a.deriv", "none.deriv"]);
        assert!(w.problems.is_empty() && w.notes.is_empty(), "{w:?}");
    }

    #[test]
    fn a_byte_order_mark_is_left_out_and_bounds_hold() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("a.deriv");
        std::fs::write(&p, b"\xEF\xBB\xBFparam x\n").unwrap();
        assert_eq!(read_bounded(&p, 100, None).unwrap(), "param x\n");
        // The mark does not count against the bound.
        assert_eq!(read_bounded(&p, 8, None).unwrap(), "param x\n");
        assert!(read_bounded(&p, 7, None)
            .unwrap_err()
            .contains("larger than"));
        std::fs::write(&p, [0xff, 0xfe]).unwrap();
        assert!(read_bounded(&p, 100, None)
            .unwrap_err()
            .contains("not UTF-8"));
        // After a mark, columns are counted without it.
        std::fs::write(&p, b"\xEF\xBB\xBF\xffx").unwrap();
        let e = read_text(&p, 100, None).unwrap_err();
        assert!(e.message.contains("line 1, column 1"), "{e}");
        assert!(read_bounded(&d.path().join("none"), 100, None)
            .unwrap_err()
            .contains("cannot read"));
    }

    #[test]
    fn text_that_is_not_utf8_is_reported_at_its_first_invalid_byte() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("a.deriv");
        // Line 3, after two characters (one of them two bytes long).
        std::fs::write(&p, b"param x\n# ok\n\xce\xb8y\xff z \xfe\n").unwrap();
        let e = read_text(&p, 100, None).unwrap_err();
        assert!(
            e.message
                .contains("the byte 0xff at line 3, column 3 is not part of a UTF-8 character"),
            "{e}"
        );
        let (text, at) = e.invalid.expect("a place");
        assert_eq!(&text[at..at + 3], "\u{FFFD}");
        assert_eq!(line_column(&text, at), (3, 3));
        assert!(text.starts_with("param x\n# ok\nθy"));
        // A sequence cut short at the end of the file.
        std::fs::write(&p, b"ab\xce").unwrap();
        let e = read_bounded(&p, 100, None).unwrap_err();
        assert!(e.contains("0xce at line 1, column 3"), "{e}");
    }

    #[cfg(unix)]
    #[test]
    fn a_file_replaced_after_the_walk_is_not_read() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path();
        std::fs::write(p.join("a.deriv"), "x").unwrap();
        let w = run(&[p.to_path_buf()], true);
        let Entry::File(found) = &w.entries[0] else {
            panic!("{w:?}");
        };
        // Made before the file is removed, so it cannot reuse its inode.
        std::fs::write(p.join("other"), "secret").unwrap();
        std::fs::remove_file(p.join("a.deriv")).unwrap();
        std::os::unix::fs::symlink(p.join("other"), p.join("a.deriv")).unwrap();
        let e = read_bounded(&found.path, 100, found.identity).unwrap_err();
        assert!(e.contains("changed after it was found"), "{e}");
    }
}
