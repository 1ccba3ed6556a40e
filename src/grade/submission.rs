//! Finding and reading submissions (docs/grading.md).
//!
//! In: the paths on the command line (files or directories). Out: one
//! [`Submission`] a file, each with a safe, unique id, and — per
//! submission — its [`Body`]: the items of a `.deriv` file, or the labels
//! of an ordering answer. `.tex` and `.md` files go through one function,
//! [`latex_items`], which reads them with the LaTeX and Markdown readers.
//!
//! Submissions are untrusted: a file is read only up to
//! [`MAX_SUBMISSION_BYTES`], a label list holds at most [`MAX_LABELS`]
//! labels, and an id is cut down to characters that are safe in a file
//! name, so it never leads out of an output directory.

use crate::diagnostic::Diagnostic;
use crate::input::{read_bounded, walk, Entry, FileIdentity, Note, WalkOptions};
use crate::syntax::ast::Item;
use crate::syntax::parser::{parse_file_in, ParseContext};
use crate::syntax::{Source, Span};
use std::path::{Path, PathBuf};

/// Most bytes in one submission. Default: 64 KiB (a derivation of one
/// chain is a few kilobytes).
pub const MAX_SUBMISSION_BYTES: usize = 64 << 10;

/// Most labels in an ordering answer. Default: 1,000.
pub const MAX_LABELS: usize = 1000;

/// Longest id, in bytes. Default: 96.
pub const MAX_ID_BYTES: usize = 96;

/// What a submission file holds, by its extension.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// `.deriv`: one chain; the assignment's declarations apply.
    Deriv,
    /// `.tex`: a chain in LaTeX.
    Latex,
    /// `.md`: a chain in Markdown.
    Markdown,
    /// `.txt`: the labels of an ordering exercise, in order.
    Labels,
}

impl Kind {
    /// The kind of a file, by extension; `None` for other files.
    pub fn of(path: &Path) -> Option<Kind> {
        match path.extension()?.to_str()? {
            "deriv" => Some(Kind::Deriv),
            "tex" => Some(Kind::Latex),
            "md" => Some(Kind::Markdown),
            "txt" => Some(Kind::Labels),
            _ => None,
        }
    }
}

/// One submission to grade.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Submission {
    /// Its id: the file name without the extension, made safe and unique.
    pub id: String,
    /// The file.
    pub path: PathBuf,
    /// What it holds; `None` for a file of another kind named explicitly.
    pub kind: Option<Kind>,
    /// Why the id differs from the file name, if it does.
    pub id_note: Option<String>,
    /// The file the walk found, which must still be the one opened
    /// ([`crate::input::read_bounded`]); `None`: whatever is there.
    pub identity: Option<FileIdentity>,
    /// Why the file is not read (a symbolic link out of the submissions
    /// folder, a link to nothing, not a regular file): it scores 0 with
    /// this reason.
    pub refused: Option<String>,
}

/// Make a file name safe as an id: letters, digits, `_`, `-` and `.`
/// only (everything else becomes `_`), no leading `.` or `-` (no hidden
/// files, no `..`, no options or spreadsheet formulas), at most
/// [`MAX_ID_BYTES`] bytes, never empty.
pub fn sanitize_id(stem: &str) -> String {
    let mut out = String::new();
    for c in stem.chars() {
        let safe = c.is_alphanumeric() || matches!(c, '_' | '-' | '.');
        // Letters from every script are kept, but not ones that change
        // how text is displayed or compared (combining marks are not
        // alphanumeric, so they are replaced too).
        let c = if safe && !c.is_control() { c } else { '_' };
        if out.len() + c.len_utf8() > MAX_ID_BYTES {
            break;
        }
        out.push(c);
    }
    while out.starts_with(['.', '-']) {
        out.replace_range(0..1, "_");
    }
    if out.is_empty() {
        out.push_str("submission");
    }
    out
}

/// What [`collect_submissions`] found.
#[derive(Clone, Debug, Default)]
pub struct Collected {
    /// The submissions, in order, refused files included (each scores 0
    /// with the reason).
    pub submissions: Vec<Submission>,
    /// What the walk skipped: links to directories out of the folder or
    /// back into it, files reached twice.
    pub notes: Vec<Note>,
    /// Paths that cannot be read at all: `cannot read `PATH`: reason`.
    pub problems: Vec<String>,
}

/// Whether a file met in a directory is a submission, by its extension.
fn is_submission(path: &Path) -> bool {
    Kind::of(path).is_some()
}

/// Every submission under the given paths, found by the walker `check`
/// uses ([`crate::input::walk`], confined: submissions are untrusted):
/// files as given, directories searched recursively (in name order) for
/// `.deriv`, `.tex`, `.md` and `.txt` files; hidden entries and the paths
/// in `exclude` (the assignment, the output directory) left out. A
/// symbolic link is followed only to a file inside the folder named on
/// the command line (for a file named itself, its own folder); one that
/// leads elsewhere is refused: it becomes a submission that scores 0 with
/// the reason, and is never read. Each file is graded once.
pub fn collect_submissions(paths: &[PathBuf], exclude: &[PathBuf]) -> Collected {
    let w = walk(
        paths,
        &WalkOptions {
            wanted: &is_submission,
            exclude,
            confined: true,
        },
    );
    let found: Vec<(PathBuf, Option<FileIdentity>, Option<String>)> = w
        .entries
        .into_iter()
        .map(|e| match e {
            Entry::File(f) => (f.path, f.identity, None),
            Entry::Refused { path, reason } => {
                let refused = format!("`{}` is not read: it is {reason}", path.display());
                (path, None, Some(refused))
            }
        })
        .collect();
    let mut submissions = assign_ids(found.iter().map(|f| f.0.clone()).collect());
    for (s, (_, identity, refused)) in submissions.iter_mut().zip(found) {
        s.identity = identity;
        s.refused = refused;
    }
    Collected {
        submissions,
        notes: w.notes,
        problems: w
            .problems
            .into_iter()
            .map(|(path, e)| format!("cannot read `{path}`: {e}"))
            .collect(),
    }
}

/// Give each file a safe id, unique in the batch: a second `answer`
/// becomes `answer-2`, in the order the files were found.
pub fn assign_ids(files: Vec<PathBuf>) -> Vec<Submission> {
    let mut taken = std::collections::HashSet::new();
    let mut out = Vec::with_capacity(files.len());
    for path in files {
        let stem = path
            .file_stem()
            .map(|s| s.to_string_lossy().to_string())
            .unwrap_or_default();
        let base = sanitize_id(&stem);
        let mut id = base.clone();
        let mut n = 2;
        while !taken.insert(id.to_lowercase()) {
            // Case-insensitive: on some file systems `A` and `a` are one file.
            id = format!("{base}-{n}");
            n += 1;
        }
        let id_note = if id != stem {
            Some(if sanitize_id(&stem) == id {
                format!("the id is `{id}`: characters unsafe in a file name were replaced")
            } else {
                format!("the id is `{id}`, because another submission already has `{base}`")
            })
        } else {
            None
        };
        out.push(Submission {
            kind: Kind::of(&path),
            path,
            id,
            id_note,
            identity: None,
            refused: None,
        });
    }
    out
}

/// Read a submission with [`crate::input::read_bounded`]: at most
/// [`MAX_SUBMISSION_BYTES`], UTF-8 (a byte-order mark left out), and the
/// very file the walk found; a refused one is not opened at all.
pub fn read_submission(sub: &Submission) -> Result<String, String> {
    if let Some(reason) = &sub.refused {
        return Err(reason.clone());
    }
    read_bounded(&sub.path, MAX_SUBMISSION_BYTES, sub.identity)
}

/// What a submission holds, once read.
#[derive(Clone, Debug)]
pub enum Body {
    /// The items of a derivation (one chain, perhaps with declarations
    /// repeated from the assignment).
    Items(Vec<Item>),
    /// The labels of an ordering answer, with where each was written.
    Labels(Vec<(String, Span)>),
}

/// Read a submission's text as its kind says. Errors are diagnostics in
/// the submission's source.
pub fn read_body(kind: Kind, source: &Source, ctx: &ParseContext) -> Result<Body, Vec<Diagnostic>> {
    match kind {
        Kind::Deriv => {
            let parsed = parse_file_in(&source.text, ctx);
            if parsed.errors.is_empty() {
                Ok(Body::Items(parsed.items))
            } else {
                Err(parsed
                    .errors
                    .iter()
                    .map(|e| Diagnostic::from_syntax(e, source))
                    .collect())
            }
        }
        Kind::Latex | Kind::Markdown => latex_items(kind, source, ctx).map(Body::Items),
        Kind::Labels => parse_labels(&source.text).map(Body::Labels),
    }
}

/// The one place where `.tex` and `.md` submissions are read into the
/// syntax tree of `.deriv` (README, "LaTeX and Markdown input"), with
/// spans in the submitted file.
pub fn latex_items(
    kind: Kind,
    source: &Source,
    ctx: &ParseContext,
) -> Result<Vec<Item>, Vec<Diagnostic>> {
    let parsed = match kind {
        Kind::Markdown => crate::latex::read_markdown_in(&source.text, ctx),
        _ => crate::latex::read_latex_in(&source.text, ctx),
    };
    if parsed.errors.is_empty() {
        Ok(parsed.items)
    } else {
        Err(parsed
            .errors
            .iter()
            .map(|e| Diagnostic::from_syntax(e, source))
            .collect())
    }
}

/// Read a label list: labels (letters, digits, `_`) separated by spaces,
/// commas, or arrows (`→`, `->`); `#` starts a comment.
pub fn parse_labels(text: &str) -> Result<Vec<(String, Span)>, Vec<Diagnostic>> {
    let mut labels = Vec::new();
    let mut errors = Vec::new();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let code = line.split('#').next().unwrap_or("");
        let mut chars = code.char_indices().peekable();
        while let Some((k, c)) = chars.next() {
            if c.is_whitespace() || c == ',' || c == '→' {
                continue;
            }
            if c == '-' && chars.peek().is_some_and(|&(_, d)| d == '>') {
                chars.next();
                continue;
            }
            if c.is_alphanumeric() || c == '_' {
                let mut end = k + c.len_utf8();
                while let Some(&(j, d)) = chars.peek() {
                    if d.is_alphanumeric() || d == '_' {
                        end = j + d.len_utf8();
                        chars.next();
                    } else {
                        break;
                    }
                }
                if labels.len() == MAX_LABELS {
                    errors.push(Diagnostic::error(
                        Span::new(offset + k, offset + end),
                        format!("more than {MAX_LABELS} labels"),
                        None,
                    ));
                    return Err(errors);
                }
                labels.push((
                    code[k..end].to_string(),
                    Span::new(offset + k, offset + end),
                ));
                continue;
            }
            if errors.len() < 20 {
                errors.push(Diagnostic::error(
                    Span::new(offset + k, offset + k + c.len_utf8()),
                    format!("unexpected `{c}` in a list of labels"),
                    Some("write the labels in order, separated by spaces: `C A E B D`".into()),
                ));
            }
        }
        offset += line.len();
    }
    if labels.is_empty() && errors.is_empty() {
        errors.push(Diagnostic::error(
            Span::default(),
            "the list of labels is empty",
            Some("write the labels in order, separated by spaces: `C A E B D`".into()),
        ));
    }
    if errors.is_empty() {
        Ok(labels)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_ids_stay_inside_a_directory() {
        for (name, want) in [
            ("../../etc/passwd", "_._.._etc_passwd"),
            ("..", "_."),
            (".hidden", "_hidden"),
            ("-rf", "_rf"),
            ("=cmd|' /C calc'!A0", "_cmd____C_calc__A0"),
            ("a/b\\c:d", "a_b_c_d"),
            ("nul\0byte", "nul_byte"),
            ("", "submission"),
            ("Zoë_Ünal", "Zoë_Ünal"),
            ("line\nbreak", "line_break"),
        ] {
            let id = sanitize_id(name);
            assert_eq!(id, want, "{name:?}");
            assert!(!id.contains('/') && !id.contains('\\') && !id.starts_with('.'));
        }
        let long = "x".repeat(1000);
        assert_eq!(sanitize_id(&long).len(), MAX_ID_BYTES);
        let wide = "θ".repeat(1000);
        assert!(sanitize_id(&wide).len() <= MAX_ID_BYTES);
    }

    #[test]
    fn ids_are_unique_in_a_batch() {
        let subs = assign_ids(vec![
            PathBuf::from("alice/answer.deriv"),
            PathBuf::from("bob/answer.deriv"),
            PathBuf::from("carol/Answer.txt"),
            PathBuf::from("dave/a b.deriv"),
            PathBuf::from("erin/a_b.deriv"),
        ]);
        let ids: Vec<&str> = subs.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(ids, ["answer", "answer-2", "Answer-3", "a_b", "a_b-2"]);
        assert!(subs[0].id_note.is_none());
        assert!(subs[1].id_note.as_ref().unwrap().contains("already has"));
        assert!(subs[3].id_note.as_ref().unwrap().contains("replaced"));
        assert_eq!(subs[2].kind, Some(Kind::Labels));
    }

    #[test]
    fn labels_read_with_spaces_commas_and_arrows() {
        let l = parse_labels("C A, E → B -> D  # my answer\n").unwrap();
        let names: Vec<&str> = l.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["C", "A", "E", "B", "D"]);
        assert_eq!(l[2].1, Span::new(5, 6));
    }

    #[test]
    fn label_lists_reject_other_characters() {
        let e = parse_labels("C A\nE ; B").unwrap_err();
        assert_eq!(e.len(), 1);
        assert!(e[0].message.contains("unexpected `;`"), "{:?}", e[0]);
        assert_eq!(e[0].span, Span::new(6, 7));
        assert!(parse_labels("  # nothing\n").is_err());
        let many = "A ".repeat(MAX_LABELS + 1);
        assert!(parse_labels(&many).unwrap_err()[0]
            .message
            .contains("more than"));
    }

    #[test]
    fn latex_submissions_are_read_with_spans_in_the_file() {
        let items = latex_items(
            Kind::Latex,
            &Source::new("a.tex", "$$ x = y $$"),
            &ParseContext::default(),
        )
        .unwrap();
        assert_eq!(items.len(), 1);
        let e = latex_items(
            Kind::Markdown,
            &Source::new("a.md", "$$ x = \\foo $$"),
            &ParseContext::default(),
        )
        .unwrap_err();
        assert!(e[0].message.contains("foo"), "{:?}", e[0].message);
        assert_eq!(e[0].span.start, 7);
    }

    #[test]
    fn directories_are_searched_and_exclusions_kept_out() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::create_dir_all(d.join("alice")).unwrap();
        std::fs::create_dir_all(d.join("out/feedback")).unwrap();
        std::fs::create_dir_all(d.join(".git")).unwrap();
        std::fs::write(d.join("alice/answer.deriv"), "x").unwrap();
        std::fs::write(d.join("bob.txt"), "A B").unwrap();
        std::fs::write(d.join("notes.pdf"), "").unwrap();
        std::fs::write(d.join(".git/x.deriv"), "").unwrap();
        std::fs::write(d.join("out/feedback/alice.txt"), "").unwrap();
        std::fs::write(d.join("assignment.deriv"), "").unwrap();
        let c = collect_submissions(
            &[d.to_path_buf()],
            &[d.join("out"), d.join("assignment.deriv")],
        );
        assert!(c.problems.is_empty(), "{:?}", c.problems);
        assert!(c.notes.is_empty(), "{:?}", c.notes);
        let ids: Vec<&str> = c.submissions.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(ids, ["answer", "bob"]);
        assert!(c.submissions.iter().all(|s| s.refused.is_none()));
    }

    #[cfg(unix)]
    #[test]
    fn links_out_of_the_folder_are_refused_and_never_read() {
        use std::os::unix::fs::symlink;
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::create_dir_all(d.join("alice")).unwrap();
        std::fs::write(d.join("alice/answer.deriv"), "x").unwrap();
        symlink("/etc/passwd", d.join("mallory.deriv")).unwrap();
        symlink("/etc", d.join("etc")).unwrap();
        symlink("alice/answer.deriv", d.join("copy.deriv")).unwrap();
        for named in [vec![d.to_path_buf()], vec![d.join("mallory.deriv")]] {
            let c = collect_submissions(&named, &[]);
            let mallory = c.submissions.iter().find(|s| s.id == "mallory").unwrap();
            let reason = mallory.refused.as_deref().unwrap();
            assert!(
                reason.contains("symbolic link") && reason.contains("outside"),
                "{reason}"
            );
            assert!(
                !reason.contains("/etc"),
                "the target is not shown: {reason}"
            );
            let e = read_submission(mallory).unwrap_err();
            assert_eq!(&e, reason);
        }
        let c = collect_submissions(&[d.to_path_buf()], &[]);
        let ids: Vec<&str> = c.submissions.iter().map(|s| s.id.as_str()).collect();
        // The copy is the same file as alice's answer: graded once.
        assert_eq!(ids, ["answer", "mallory"]);
        let notes: Vec<String> = c.notes.iter().map(Note::line).collect();
        assert_eq!(notes.len(), 2, "{notes:?}");
        assert!(notes[0].contains("copy.deriv") && notes[0].contains("the same file"));
        assert!(notes[1].contains("etc`") && notes[1].contains("outside"));
    }

    #[test]
    fn oversized_and_binary_submissions_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        let big = dir.path().join("big.deriv");
        std::fs::write(&big, vec![b'x'; MAX_SUBMISSION_BYTES + 1]).unwrap();
        let sub = |p: PathBuf| assign_ids(vec![p]).remove(0);
        assert!(read_submission(&sub(big))
            .unwrap_err()
            .contains("larger than"));
        let bin = dir.path().join("bin.deriv");
        std::fs::write(&bin, [0xff, 0xfe, 0x00]).unwrap();
        assert!(read_submission(&sub(bin))
            .unwrap_err()
            .contains("not UTF-8"));
        assert!(read_submission(&sub(dir.path().join("none.deriv")))
            .unwrap_err()
            .contains("cannot read"));
        let bom = dir.path().join("bom.deriv");
        std::fs::write(&bom, b"\xEF\xBB\xBFJ(x)\n").unwrap();
        assert_eq!(read_submission(&sub(bom)).unwrap(), "J(x)\n");
    }
}
