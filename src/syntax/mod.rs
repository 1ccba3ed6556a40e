//! Stage 1 of the pipeline: text → syntax tree.
//!
//! In: the text of a `.deriv` file. Out: a list of [`ast::Item`]s
//! ([`parser::ParsedFile`]), each node with its [`Span`], and the syntax
//! errors found (the parser recovers at the next line, so one run reports
//! them all).
//!
//! The text is first cut into logical lines ([`lines`]): a line runs on
//! while a bracket is open, and `by …` ends it. Each logical line is then
//! parsed by the nom grammar in [`parser`]. `.tex` and `.md` files reach
//! the same tree through [`crate::latex`], which translates their formulas
//! and parses them with this grammar.

pub mod ast;
pub mod letters;
pub mod lines;
pub mod parser;
pub mod print;
#[cfg(test)]
pub(crate) mod proptests;

use serde::Serialize;

/// A byte range in a source text.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize)]
pub struct Span {
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
}

impl Span {
    /// The span from `start` to `end`.
    pub fn new(start: usize, end: usize) -> Self {
        Span { start, end }
    }

    /// The smallest span covering both.
    pub fn join(self, other: Span) -> Span {
        Span::new(self.start.min(other.start), self.end.max(other.end))
    }
}

/// A source text with its name, and the line index used to turn byte
/// offsets into line and column numbers.
#[derive(Clone, Debug)]
pub struct Source {
    /// The name shown in diagnostics (usually the path).
    pub name: String,
    /// The text.
    pub text: String,
    line_starts: Vec<usize>,
}

impl Source {
    /// Index a text for line and column look-ups.
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Self {
        let text = text.into();
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Source {
            name: name.into(),
            text,
            line_starts,
        }
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = match self.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let start = self.line_starts[line];
        let col = self.text[start..floor_char_boundary(&self.text, offset)]
            .chars()
            .count();
        (line + 1, col + 1)
    }

    /// The text of a span.
    pub fn slice(&self, span: Span) -> &str {
        let end = floor_char_boundary(&self.text, span.end.min(self.text.len()));
        let start = floor_char_boundary(&self.text, span.start.min(end));
        &self.text[start..end]
    }
}

/// The largest character boundary of `s` at or before `i`.
pub(crate) fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    i = i.min(s.len());
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_characters_not_bytes() {
        let src = Source::new("f", "ab\nθτx\n");
        assert_eq!(src.line_col(0), (1, 1));
        assert_eq!(src.line_col(3), (2, 1));
        // 'x' is after two 2-byte characters.
        assert_eq!(src.line_col(7), (2, 3));
    }
}
