//! The one diagnostic type, and its rendering as `file:line:column` with
//! the source line and carets (codespan-reporting).

use crate::resolve::ResolveError;
use crate::syntax::lines::LineError;
use crate::syntax::parser::SyntaxError;
use crate::syntax::{Source, Span};
use crate::terminal::{visible, Escaped};
use codespan_reporting::diagnostic::{Diagnostic as CsDiagnostic, Label};
use codespan_reporting::files::{self, Files};
use codespan_reporting::term::{self, Config};

/// How serious a diagnostic is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Severity {
    /// The input is unusable (exit status 2).
    Error,
    /// A wrong step or an unmet claim.
    Refutation,
}

/// A message about a place in a file.
#[derive(Clone, Debug, PartialEq)]
pub struct Diagnostic {
    /// Error or refutation.
    pub severity: Severity,
    /// What is wrong.
    pub message: String,
    /// The main place.
    pub span: Span,
    /// What the main label says.
    pub label: String,
    /// Other places, with what they are.
    pub secondary: Vec<(Span, String)>,
    /// What to do about it.
    pub hint: Option<String>,
    /// Further notes (a counterexample).
    pub notes: Vec<String>,
}

impl Diagnostic {
    /// An error at a span.
    pub fn error(span: Span, message: impl Into<String>, hint: Option<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            message: message.into(),
            span,
            label: String::new(),
            secondary: vec![],
            hint,
            notes: vec![],
        }
    }

    /// From a syntax error, naming what was found where something else was
    /// expected.
    pub fn from_syntax(e: &SyntaxError, source: &Source) -> Self {
        let at = crate::syntax::floor_char_boundary(&source.text, e.at);
        let found = source.text[at..]
            .chars()
            .next()
            .filter(|c| *c != '\n' && *c != '#')
            .map_or_else(|| "the end of the line".to_string(), |c| format!("`{c}`"));
        let message = match (&e.message, e.expected) {
            (Some(m), _) => m.clone(),
            (None, Some(x)) => format!("expected {x}, found {found}"),
            (None, None) => format!("unexpected {found}"),
        };
        let rest = &source.text[at..];
        // A LaTeX command is underlined whole.
        let width = match rest.strip_prefix('\\') {
            Some(r) => {
                1 + r
                    .find(|c: char| !c.is_ascii_alphabetic())
                    .unwrap_or(r.len())
                    .max(r.chars().next().map_or(0, char::len_utf8))
            }
            // The end of a line is a place, not a character to underline.
            None => rest
                .chars()
                .next()
                .filter(|c| *c != '\n' && *c != '\r')
                .map_or(0, char::len_utf8),
        };
        let mut d = Diagnostic::error(Span::new(at, at + width), message, e.hint.clone());
        d.label = e
            .expected
            .map(|x| format!("expected {x}"))
            .unwrap_or_default();
        d
    }

    /// From a name-resolution error.
    pub fn from_resolve(e: &ResolveError) -> Self {
        Diagnostic::error(e.span, e.message.clone(), e.hint.clone())
    }

    /// From a line-cutting error.
    pub fn from_line(e: &LineError) -> Self {
        Diagnostic::error(e.span, e.message.clone(), e.hint.clone())
    }

    /// 1-based line and column of the main place.
    pub fn line_col(&self, source: &Source) -> (usize, usize) {
        source.line_col(self.span.start)
    }

    /// Render as text: `error: …` with `file:line:column`, the source line
    /// and carets, then the hint and notes. No colour codes, and no
    /// control character from the file: they are shown escaped
    /// ([`crate::terminal`]), with the carets still under their place and
    /// the column still the file's.
    pub fn render(&self, source: &Source) -> String {
        let file = VisibleFile::new(source);
        let clamp = |s: Span| {
            let end = s.end.min(source.text.len());
            let start = s.start.min(end);
            file.text.forward(start)..file.text.forward(end)
        };
        let safe = |t: &str| visible(t).into_owned();
        let mut labels = vec![Label::primary((), clamp(self.span)).with_message(safe(&self.label))];
        for (s, m) in &self.secondary {
            labels.push(Label::secondary((), clamp(*s)).with_message(safe(m)));
        }
        let mut notes = Vec::new();
        if let Some(h) = &self.hint {
            notes.push(safe(&format!("hint: {h}")));
        }
        notes.extend(self.notes.iter().map(|n| safe(n)));
        let d = match self.severity {
            Severity::Error => CsDiagnostic::error(),
            Severity::Refutation => CsDiagnostic::error(),
        }
        .with_message(safe(&self.message))
        .with_labels(labels)
        .with_notes(notes);
        let config = Config::default();
        match term::emit_into_string(&config, &file, &d) {
            Ok(s) => s,
            Err(_) => {
                let (l, c) = self.line_col(source);
                format!(
                    "error: {}\n  --> {}:{l}:{c}\n",
                    safe(&self.message),
                    file.name
                )
            }
        }
    }
}

/// A source as codespan-reporting is shown it: name and text with their
/// control characters escaped, line and column numbers still those of the
/// original file.
struct VisibleFile<'s> {
    source: &'s Source,
    name: String,
    text: Escaped<'s>,
    line_starts: Vec<usize>,
}

impl<'s> VisibleFile<'s> {
    fn new(source: &'s Source) -> Self {
        let text = Escaped::of(&source.text);
        let line_starts = codespan_reporting::files::line_starts(&text.text).collect();
        VisibleFile {
            source,
            name: visible(&source.name).into_owned(),
            text,
            line_starts,
        }
    }
}

impl<'a> Files<'a> for VisibleFile<'_> {
    type FileId = ();
    type Name = &'a str;
    type Source = &'a str;

    fn name(&'a self, (): ()) -> Result<&'a str, files::Error> {
        Ok(&self.name)
    }

    fn source(&'a self, (): ()) -> Result<&'a str, files::Error> {
        Ok(&self.text.text)
    }

    fn line_index(&'a self, (): (), byte_index: usize) -> Result<usize, files::Error> {
        Ok(self
            .line_starts
            .binary_search(&byte_index)
            .unwrap_or_else(|next| next - 1))
    }

    fn column_number(
        &'a self,
        (): (),
        _line_index: usize,
        byte_index: usize,
    ) -> Result<usize, files::Error> {
        Ok(self.source.line_col(self.text.back(byte_index)).1)
    }

    fn line_range(
        &'a self,
        (): (),
        line_index: usize,
    ) -> Result<std::ops::Range<usize>, files::Error> {
        let start = *self
            .line_starts
            .get(line_index)
            .ok_or(files::Error::LineTooLarge {
                given: line_index,
                max: self.line_starts.len() - 1,
            })?;
        let end = self
            .line_starts
            .get(line_index + 1)
            .copied()
            .unwrap_or(self.text.text.len());
        Ok(start..end)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn render_shows_file_line_column_and_caret() {
        let source = Source::new("f.deriv", "param θ\nx + (y\n");
        let d = Diagnostic::error(Span::new(13, 14), "unclosed `(`", Some("close it".into()));
        let text = d.render(&source);
        assert!(text.contains("f.deriv:2:5"), "{text}");
        assert!(text.contains('^'), "{text}");
        assert!(text.contains("hint: close it"), "{text}");
    }

    #[test]
    fn control_characters_are_shown_escaped_with_the_caret_in_place() {
        let source = Source::new(
            "evil\u{1b}[2J.deriv",
            "x\n\u{1b}]0;t\u{7} = y\u{202e} + (z\n",
        );
        let at = source.text.find('(').unwrap();
        let mut d = Diagnostic::error(
            Span::new(at, at + 1),
            "unclosed `(` after `\u{1b}[31m`",
            Some("close it \u{7}".into()),
        );
        d.label = "here\u{1b}".into();
        let text = d.render(&source);
        assert!(!text.chars().any(crate::terminal::acts), "{text:?}");
        // The column is the file's: `(` is the 15th character of line 2.
        assert!(text.contains("evil\\u{1b}[2J.deriv:2:15"), "{text}");
        assert!(
            text.contains("\\u{1b}]0;t\\u{7} = y\\u{202e} + (z"),
            "{text}"
        );
        let line = text.lines().find(|l| l.contains("(z")).unwrap();
        let caret = text.lines().find(|l| l.contains('^')).unwrap();
        assert_eq!(
            caret.find('^'),
            line.find('('),
            "the caret is under the bracket:\n{text}"
        );
        assert!(text.contains("unclosed `(` after `\\u{1b}[31m`"), "{text}");
        assert!(text.contains("hint: close it \\u{7}"), "{text}");
    }
}
