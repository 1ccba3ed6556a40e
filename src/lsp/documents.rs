//! The documents the editor has open: each one's text as of its last
//! change, its version and language, and the last check that finished
//! for it (which answers hover and inlay-hint requests while a newer
//! check runs).
//!
//! A document is bounded like a file `check` reads
//! ([`MAX_FILE_BYTES`]): a text that would grow past the bound is not
//! kept, and the document says so until the editor sends it whole again
//! (reopening it does).

use super::position::{Encoding, LineIndex};
use super::worker::Analysis;
use crate::latex::InputFormat;
use crate::syntax::parser::MAX_FILE_BYTES;
use lsp_types::{TextDocumentContentChangeEvent, Uri};
use std::collections::HashMap;
use std::path::PathBuf;

/// A check that finished and was published, with the index of the text
/// it was made on.
#[derive(Debug)]
pub struct Checked {
    /// What the check found.
    pub analysis: Analysis,
    /// Line starts of the text checked (`analysis.result.source.text`).
    pub index: LineIndex,
    /// The document's version it was made on.
    pub version: i32,
}

/// One open document.
#[derive(Debug)]
pub struct Document {
    /// The editor's version of it.
    pub version: i32,
    /// Its text; `None` once it grew past [`MAX_FILE_BYTES`].
    pub text: Option<String>,
    /// How to read it.
    pub format: InputFormat,
    /// The name its results carry: the file's path, or the URI.
    pub name: String,
    /// The file it is, for a `file:` URI.
    pub path: Option<PathBuf>,
    /// The last check scheduled for it; only that check's result is
    /// taken.
    pub generation: u64,
    /// The last check that finished and was published.
    pub checked: Option<Checked>,
}

impl Document {
    /// A document as the editor opens it.
    pub fn open(uri: &Uri, language_id: &str, version: i32, text: String) -> Document {
        let path = path_of(uri);
        Document {
            version,
            text: (text.len() <= MAX_FILE_BYTES).then_some(text),
            format: format_of(uri, language_id),
            name: path
                .as_ref()
                .map_or_else(|| uri.as_str().to_string(), |p| p.display().to_string()),
            path,
            generation: 0,
            checked: None,
        }
    }

    /// Apply the changes of one `didChange`, in order. A change with a
    /// range replaces that range (positions in `encoding`), one without
    /// replaces the whole text. A change that would make the text larger
    /// than [`MAX_FILE_BYTES`] drops the text; a later whole-text change
    /// brings it back, and ranged changes in between are ignored.
    pub fn apply(
        &mut self,
        version: i32,
        changes: Vec<TextDocumentContentChangeEvent>,
        encoding: Encoding,
    ) {
        self.version = version;
        for change in changes {
            match (change.range, self.text.as_mut()) {
                (None, _) => {
                    self.text = (change.text.len() <= MAX_FILE_BYTES).then_some(change.text);
                }
                (Some(range), Some(text)) => {
                    let index = LineIndex::new(text);
                    let start = index.offset(text, range.start, encoding);
                    let end = index.offset(text, range.end, encoding).max(start);
                    if text.len() - (end - start) + change.text.len() > MAX_FILE_BYTES {
                        self.text = None;
                    } else {
                        text.replace_range(start..end, &change.text);
                    }
                }
                (Some(_), None) => {}
            }
        }
    }

    /// Whether the text was dropped for its size.
    pub fn too_large(&self) -> bool {
        self.text.is_none()
    }
}

/// The open documents by URI.
#[derive(Debug, Default)]
pub struct Documents {
    open: HashMap<Uri, Document>,
}

impl Documents {
    /// Open (or reopen) a document.
    pub fn open(&mut self, uri: Uri, document: Document) -> &mut Document {
        self.open.entry(uri).insert_entry(document).into_mut()
    }

    /// Close a document, returning it.
    pub fn close(&mut self, uri: &Uri) -> Option<Document> {
        self.open.remove(uri)
    }

    /// An open document.
    pub fn get(&self, uri: &Uri) -> Option<&Document> {
        self.open.get(uri)
    }

    /// An open document, to change.
    pub fn get_mut(&mut self, uri: &Uri) -> Option<&mut Document> {
        self.open.get_mut(uri)
    }

    /// The URIs of the open documents.
    pub fn uris(&self) -> Vec<Uri> {
        self.open.keys().cloned().collect()
    }

    /// The open document that is the file at `path`, if any.
    pub fn find_path(&self, path: &std::path::Path) -> Option<(&Uri, &Document)> {
        let wanted = same_file_key(path);
        self.open
            .iter()
            .find(|(_, d)| d.path.as_deref().map(same_file_key).as_ref() == Some(&wanted))
    }
}

/// A path as compared with another: canonical when the file exists.
fn same_file_key(path: &std::path::Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

/// How to read a document: by its language when it is one derivcheck
/// reads (`deriv`, `tex`/`latex`, `markdown`), else by its extension, else
/// as `.deriv`.
pub fn format_of(uri: &Uri, language_id: &str) -> InputFormat {
    let by_language = match language_id.to_ascii_lowercase().as_str() {
        "deriv" | "derivcheck" => Some(InputFormat::Deriv),
        "tex" | "latex" | "plaintex" => Some(InputFormat::Latex),
        "markdown" | "md" => Some(InputFormat::Markdown),
        _ => None,
    };
    by_language
        .or_else(|| {
            let path = uri.path().as_str();
            let name = path.rsplit('/').next().unwrap_or(path);
            let (_, ext) = name.rsplit_once('.')?;
            InputFormat::from_extension(ext)
        })
        .unwrap_or(InputFormat::Deriv)
}

/// The file a `file:` URI names.
pub fn path_of(uri: &Uri) -> Option<PathBuf> {
    if !uri.scheme()?.as_str().eq_ignore_ascii_case("file") {
        return None;
    }
    let path = uri.path().as_estr().decode().into_string().ok()?;
    Some(PathBuf::from(path.into_owned()))
}

/// The `file:` URI of a path (made absolute first).
pub fn uri_of(path: &std::path::Path) -> Option<Uri> {
    let path = std::path::absolute(path).ok()?;
    let text = path.to_str()?;
    let mut uri = String::from("file://");
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"/-._~".contains(&b) {
            uri.push(b as char);
        } else {
            uri.push_str(&format!("%{b:02X}"));
        }
    }
    uri.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use lsp_types::{Position, Range};

    fn uri(s: &str) -> Uri {
        s.parse().unwrap()
    }

    fn change(
        range: Option<((u32, u32), (u32, u32))>,
        text: &str,
    ) -> TextDocumentContentChangeEvent {
        TextDocumentContentChangeEvent {
            range: range
                .map(|((a, b), (c, d))| Range::new(Position::new(a, b), Position::new(c, d))),
            range_length: None,
            text: text.into(),
        }
    }

    #[test]
    fn the_language_follows_the_language_id_then_the_extension() {
        let md = uri("file:///notes/a.md");
        assert_eq!(format_of(&md, "markdown"), InputFormat::Markdown);
        assert_eq!(format_of(&md, ""), InputFormat::Markdown);
        assert_eq!(
            format_of(&uri("file:///a.deriv"), "latex"),
            InputFormat::Latex
        );
        assert_eq!(
            format_of(&uri("file:///a.TEX"), "plaintext"),
            InputFormat::Latex
        );
        assert_eq!(
            format_of(&uri("untitled:Untitled-1"), ""),
            InputFormat::Deriv
        );
    }

    #[test]
    fn ranged_changes_count_utf16_units() {
        let u = uri("file:///a.deriv");
        let mut d = Document::open(&u, "", 1, "a = 𝔼 b\nΣ_τ x\n".into());
        // Replace `b` (after a surrogate pair: UTF-16 column 7) with `c`.
        d.apply(
            2,
            vec![change(Some(((0, 7), (0, 8))), "c")],
            Encoding::Utf16,
        );
        assert_eq!(d.text.as_deref(), Some("a = 𝔼 c\nΣ_τ x\n"));
        // In UTF-8 the same place is byte 9.
        d.apply(
            3,
            vec![change(Some(((0, 9), (0, 10))), "d")],
            Encoding::Utf8,
        );
        assert_eq!(d.text.as_deref(), Some("a = 𝔼 d\nΣ_τ x\n"));
        // Several changes apply in order; an insertion at the end of a line.
        d.apply(
            4,
            vec![
                change(Some(((1, 5), (1, 5))), " + y"),
                change(Some(((1, 0), (1, 1))), "Π"),
            ],
            Encoding::Utf16,
        );
        assert_eq!(d.text.as_deref(), Some("a = 𝔼 d\nΠ_τ x + y\n"));
        assert_eq!(d.version, 4);
        d.apply(5, vec![change(None, "whole")], Encoding::Utf16);
        assert_eq!(d.text.as_deref(), Some("whole"));
    }

    #[test]
    fn a_document_past_the_bound_is_not_kept() {
        let u = uri("file:///big.deriv");
        let mut d = Document::open(&u, "", 1, "x".repeat(MAX_FILE_BYTES + 1));
        assert!(d.too_large());
        let mut d2 = Document::open(&u, "", 1, "x".repeat(MAX_FILE_BYTES));
        assert!(!d2.too_large());
        d2.apply(2, vec![change(Some(((0, 0), (0, 0))), "y")], Encoding::Utf8);
        assert!(d2.too_large());
        // Ranged changes cannot apply to a text not kept; a whole one does.
        d.apply(2, vec![change(Some(((0, 0), (0, 0))), "y")], Encoding::Utf8);
        assert!(d.too_large());
        d.apply(3, vec![change(None, "x = x")], Encoding::Utf8);
        assert_eq!(d.text.as_deref(), Some("x = x"));
    }

    #[test]
    fn file_uris_and_paths_convert_both_ways() {
        let p = std::path::Path::new("/tmp/dir with space/Σ.deriv");
        let u = uri_of(p).unwrap();
        assert_eq!(u.as_str(), "file:///tmp/dir%20with%20space/%CE%A3.deriv");
        assert_eq!(path_of(&u).as_deref(), Some(p));
        assert_eq!(path_of(&uri("untitled:Untitled-1")), None);
    }
}
