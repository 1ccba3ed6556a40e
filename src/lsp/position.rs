//! Positions: the library's byte offsets and the protocol's line and
//! character pairs.
//!
//! The library places everything by byte offsets into a file's UTF-8
//! text ([`crate::syntax::Span`]). The protocol counts lines (separated by
//! `\n`, `\r\n` or `\r`) and, within a line, code units of the encoding
//! negotiated at initialisation: UTF-16 unless the client offers UTF-8.
//! Greek letters, `∇` and `Σ` are two or three bytes and one UTF-16 unit;
//! `𝔼` is four bytes and two units (a surrogate pair).

use lsp_types::{Position, PositionEncodingKind, Range};

/// How characters within a line are counted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    /// Bytes of UTF-8.
    Utf8,
    /// Code units of UTF-16: the protocol's default.
    Utf16,
}

impl Encoding {
    /// The encoding to use with a client that offers `offered` (in its
    /// order of preference): UTF-8 when it is offered, as it is the
    /// library's own and needs no conversion; else UTF-16, which every
    /// client supports.
    pub fn negotiate(offered: Option<&[PositionEncodingKind]>) -> Encoding {
        match offered {
            Some(kinds) if kinds.contains(&PositionEncodingKind::UTF8) => Encoding::Utf8,
            _ => Encoding::Utf16,
        }
    }

    /// Its name in the protocol.
    pub fn kind(self) -> PositionEncodingKind {
        match self {
            Encoding::Utf8 => PositionEncodingKind::UTF8,
            Encoding::Utf16 => PositionEncodingKind::UTF16,
        }
    }

    fn width(self, c: char) -> usize {
        match self {
            Encoding::Utf8 => c.len_utf8(),
            Encoding::Utf16 => c.len_utf16(),
        }
    }
}

/// Where the lines of a text start, to turn byte offsets into positions
/// and back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineIndex {
    /// Byte offset of the start of each line; the first is 0.
    starts: Vec<usize>,
    /// The text's length in bytes.
    len: usize,
}

impl LineIndex {
    /// Index `text`.
    pub fn new(text: &str) -> LineIndex {
        let mut starts = vec![0];
        let bytes = text.as_bytes();
        let mut i = 0;
        while let Some(k) = memchr::memchr2(b'\n', b'\r', &bytes[i..]) {
            let at = i + k;
            let next = if bytes[at] == b'\r' && bytes.get(at + 1) == Some(&b'\n') {
                at + 2
            } else {
                at + 1
            };
            starts.push(next);
            i = next;
        }
        LineIndex {
            starts,
            len: text.len(),
        }
    }

    /// The number of lines (a text ending in a line break has an empty
    /// last line).
    pub fn lines(&self) -> usize {
        self.starts.len()
    }

    /// The byte range of line `line`'s content, its line break left out.
    /// A line past the end is the empty range at the end of the text.
    pub fn line_span(&self, text: &str, line: usize) -> (usize, usize) {
        let Some(&start) = self.starts.get(line) else {
            return (self.len, self.len);
        };
        let mut end = self.starts.get(line + 1).copied().unwrap_or(self.len);
        let bytes = text.as_bytes();
        if end > start && bytes.get(end - 1) == Some(&b'\n') {
            end -= 1;
        }
        if end > start && bytes.get(end - 1) == Some(&b'\r') {
            end -= 1;
        }
        (start, end)
    }

    /// The 0-based line of a byte offset.
    pub fn line_of(&self, offset: usize) -> usize {
        match self.starts.binary_search(&offset.min(self.len)) {
            Ok(i) => i,
            Err(i) => i - 1,
        }
    }

    /// The position of a byte offset (clamped to the text; an offset
    /// inside a character, or inside a line break, counts as the start of
    /// that character, or the end of its line).
    pub fn position(&self, text: &str, offset: usize, encoding: Encoding) -> Position {
        let line = self.line_of(offset);
        let (start, end) = self.line_span(text, line);
        let offset = floor_char_boundary(text, offset.clamp(start, end));
        let character: usize = text[start..offset].chars().map(|c| encoding.width(c)).sum();
        Position::new(saturate(line), saturate(character))
    }

    /// The range of a span of byte offsets.
    pub fn range(&self, text: &str, start: usize, end: usize, encoding: Encoding) -> Range {
        Range::new(
            self.position(text, start, encoding),
            self.position(text, end.max(start), encoding),
        )
    }

    /// The byte offset of a position. As the protocol asks, a character
    /// past the end of its line is the end of the line, and a line past
    /// the end of the text is the end of the text; a position inside a
    /// character (half a surrogate pair, or inside a UTF-8 sequence) is
    /// the start of that character.
    pub fn offset(&self, text: &str, position: Position, encoding: Encoding) -> usize {
        let line = position.line as usize;
        if line >= self.starts.len() {
            return self.len;
        }
        let (start, end) = self.line_span(text, line);
        let mut units = 0usize;
        for (i, c) in text[start..end].char_indices() {
            let next = units + encoding.width(c);
            if next > position.character as usize {
                return start + i;
            }
            units = next;
        }
        end
    }

    /// The byte offset of a 1-based line and column counted in
    /// characters, as the library reports places
    /// ([`crate::syntax::Source::line_col`], whose lines are cut at `\n`
    /// alone).
    pub fn offset_of_line_column(text: &str, line: usize, column: usize) -> usize {
        let start = if line <= 1 {
            0
        } else {
            memchr::memchr_iter(b'\n', text.as_bytes())
                .nth(line - 2)
                .map_or(text.len(), |i| i + 1)
        };
        text[start..]
            .char_indices()
            .take_while(|(_, c)| *c != '\n')
            .nth(column.saturating_sub(1))
            .map_or_else(
                || start + text[start..].find('\n').unwrap_or(text.len() - start),
                |(i, _)| start + i,
            )
    }
}

fn saturate(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// The largest character boundary of `s` at or before `i`.
fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    i = i.min(s.len());
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "param θ\n  = Σ_τ 𝔼 x\r\nlast";

    #[track_caller]
    fn round_trip(text: &str, offset: usize, encoding: Encoding, line: u32, character: u32) {
        let index = LineIndex::new(text);
        let p = index.position(text, offset, encoding);
        assert_eq!((p.line, p.character), (line, character), "offset {offset}");
        assert_eq!(index.offset(text, p, encoding), offset, "{p:?}");
    }

    #[test]
    fn greek_letters_are_one_utf16_unit_and_two_bytes() {
        let x = TEXT.find('x').unwrap();
        // `  = Σ_τ 𝔼 x`: Σ and τ are one unit each, 𝔼 a surrogate pair.
        round_trip(TEXT, x, Encoding::Utf16, 1, 11);
        let line_start = TEXT.find('\n').unwrap() + 1;
        round_trip(TEXT, x, Encoding::Utf8, 1, (x - line_start) as u32);
        let e = TEXT.find('𝔼').unwrap();
        round_trip(TEXT, e, Encoding::Utf16, 1, 8);
        round_trip(TEXT, e + 4, Encoding::Utf16, 1, 10);
    }

    #[test]
    fn half_a_surrogate_pair_is_the_start_of_its_character() {
        let index = LineIndex::new(TEXT);
        let e = TEXT.find('𝔼').unwrap();
        assert_eq!(index.offset(TEXT, Position::new(1, 9), Encoding::Utf16), e);
        let in_utf8 = (e - TEXT.find('\n').unwrap() - 1 + 2) as u32;
        assert_eq!(
            index.offset(TEXT, Position::new(1, in_utf8), Encoding::Utf8),
            e
        );
        // An offset inside the character is its start too.
        let p = index.position(TEXT, e + 1, Encoding::Utf16);
        assert_eq!(p, Position::new(1, 8));
    }

    #[test]
    fn lines_break_at_lf_crlf_and_cr() {
        let text = "a\r\nb\rc\nd";
        let index = LineIndex::new(text);
        assert_eq!(index.lines(), 4);
        for (offset, line) in [(0, 0), (3, 1), (5, 2), (7, 3)] {
            round_trip(text, offset, Encoding::Utf16, line, 0);
        }
        // The line break is not part of the line: its end is the line's end.
        assert_eq!(
            index.position(text, 2, Encoding::Utf16),
            Position::new(0, 1)
        );
        assert_eq!(index.line_span(text, 0), (0, 1));
    }

    #[test]
    fn positions_past_the_end_are_clamped() {
        let index = LineIndex::new(TEXT);
        let end_of_first = TEXT.find('\n').unwrap();
        assert_eq!(
            index.offset(TEXT, Position::new(0, 999), Encoding::Utf16),
            end_of_first
        );
        assert_eq!(
            index.offset(TEXT, Position::new(99, 0), Encoding::Utf16),
            TEXT.len()
        );
        assert_eq!(
            index.position(TEXT, 10_000, Encoding::Utf16),
            Position::new(2, 4)
        );
        let empty = LineIndex::new("");
        assert_eq!(empty.offset("", Position::new(0, 5), Encoding::Utf8), 0);
        assert_eq!(empty.position("", 3, Encoding::Utf8), Position::new(0, 0));
    }

    #[test]
    fn library_line_and_column_become_offsets() {
        let text = "param θ\n  = Σ_τ x\n";
        assert_eq!(
            LineIndex::offset_of_line_column(text, 1, 7),
            text.find('θ').unwrap()
        );
        assert_eq!(
            LineIndex::offset_of_line_column(text, 2, 5),
            text.find('Σ').unwrap()
        );
        // Past the end of its line: the end of the line.
        assert_eq!(
            LineIndex::offset_of_line_column(text, 1, 40),
            text.find('\n').unwrap()
        );
        assert_eq!(LineIndex::offset_of_line_column(text, 9, 1), text.len());
    }

    #[test]
    fn negotiation_prefers_utf8_and_falls_back_to_utf16() {
        let both = [PositionEncodingKind::UTF16, PositionEncodingKind::UTF8];
        assert_eq!(Encoding::negotiate(Some(&both)), Encoding::Utf8);
        assert_eq!(
            Encoding::negotiate(Some(&[PositionEncodingKind::UTF32])),
            Encoding::Utf16
        );
        assert_eq!(Encoding::negotiate(None), Encoding::Utf16);
    }
}
