//! Translated text that remembers where each piece came from.
//!
//! The LaTeX reader translates a formula into `.deriv` expression text and
//! parses that with the `.deriv` grammar. [`Mapped`] is the translated text
//! with, for every piece appended to it, the span of the original file it
//! stands for, so spans in the parsed tree and positions of syntax errors
//! can be moved back to the original file.

use crate::syntax::Span;

/// Text built piece by piece, each piece with its original span.
#[derive(Clone, Debug, Default)]
pub struct Mapped {
    /// The translated text.
    pub text: String,
    /// `(start in text, original span)` of each piece, in order.
    pieces: Vec<(usize, Span)>,
}

impl Mapped {
    /// Append `s`, which stands for `origin` in the original file.
    pub fn push(&mut self, s: &str, origin: Span) {
        if s.is_empty() {
            return;
        }
        self.pieces.push((self.text.len(), origin));
        self.text.push_str(s);
    }

    /// Drop trailing spaces.
    pub fn trim_end(&mut self) {
        let len = self.text.trim_end_matches(' ').len();
        self.text.truncate(len);
        while self.pieces.last().is_some_and(|p| p.0 >= len) {
            self.pieces.pop();
        }
    }

    /// Whether the text is empty or only spaces.
    pub fn is_blank(&self) -> bool {
        self.text.trim().is_empty()
    }

    /// Append another mapped text after a space.
    pub fn append(&mut self, other: Mapped) {
        let base = self.text.len() + 1;
        if let Some(&(_, first)) = other.pieces.first() {
            self.push(" ", Span::new(first.start, first.start));
        }
        for (start, origin) in other.pieces {
            self.pieces.push((start + base, origin));
        }
        self.text.push_str(&other.text);
    }

    /// The original span of the piece holding byte `at` of the text; past
    /// the end, the empty span just after the last piece.
    pub fn origin(&self, at: usize) -> Span {
        if at >= self.text.len() {
            return self
                .pieces
                .last()
                .map_or_else(Span::default, |p| Span::new(p.1.end, p.1.end));
        }
        let k = self.pieces.partition_point(|p| p.0 <= at);
        self.pieces
            .get(k.saturating_sub(1))
            .map_or_else(Span::default, |p| p.1)
    }

    /// A span of the text, as a span of the original file.
    pub fn map(&self, s: Span) -> Span {
        if s.end <= s.start {
            let o = self.origin(s.start);
            return Span::new(o.start, o.start);
        }
        let a = self.origin(s.start);
        let b = self.origin(s.end - 1);
        Span::new(a.start.min(b.start), a.end.max(b.end))
    }

    /// The original span of the whole text.
    pub fn whole(&self) -> Span {
        self.map(Span::new(0, self.text.len()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_map_back_through_pieces() {
        let mut m = Mapped::default();
        m.push("θ", Span::new(10, 16));
        m.push(" ", Span::new(16, 17));
        m.push("x", Span::new(17, 18));
        assert_eq!(m.map(Span::new(0, 2)), Span::new(10, 16));
        assert_eq!(m.map(Span::new(0, 4)), Span::new(10, 18));
        assert_eq!(m.origin(99), Span::new(18, 18));
    }

    #[test]
    fn trimming_drops_trailing_space_pieces() {
        let mut m = Mapped::default();
        m.push("a", Span::new(0, 1));
        m.push(" ", Span::new(1, 2));
        m.trim_end();
        assert_eq!(m.text, "a");
        assert_eq!(m.origin(0), Span::new(0, 1));
    }
}
