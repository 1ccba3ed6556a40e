//! Untrusted text made safe to print: the one place where control
//! characters are shown instead of obeyed.
//!
//! Justifications, names, file names, source lines, messages and feedback
//! come from files derivcheck did not write (a student's submission, a
//! language model's Markdown). Printed raw, an escape sequence in them
//! would move the cursor, recolour or retitle the terminal, or hide text;
//! bidirectional overrides would show text in another order than it is
//! read. Every text and terminal output passes such text through
//! [`visible`], which writes each of these characters as `\u{1b}`; the
//! JSON reports keep the exact text (serde escapes it) and the XML and
//! HTML reports escape markup as well ([`crate::report::junit::xml`]).

use std::borrow::Cow;

/// Whether a character would act on a terminal, or reorder the text
/// around it, rather than show: C0 and C1 control characters and DEL
/// (line feeds and tabs excepted), and the bidirectional marks,
/// embeddings, overrides and isolates.
pub fn acts(c: char) -> bool {
    match c {
        '\n' | '\t' => false,
        c if c.is_control() => true,
        '\u{061C}'
        | '\u{200E}'
        | '\u{200F}'
        | '\u{202A}'..='\u{202E}'
        | '\u{2066}'..='\u{2069}' => true,
        _ => false,
    }
}

/// How a character that [`acts`] is written: `\u{1b}`.
pub fn escaped(c: char) -> String {
    format!("\\u{{{:x}}}", c as u32)
}

/// `text` with every character that [`acts`] written as `\u{…}`; a
/// carriage return before a line feed (a CRLF line end) is kept. Text
/// without such characters is returned as it is. Applying it twice
/// changes nothing more.
pub fn visible(text: &str) -> Cow<'_, str> {
    Escaped::of(text).text
}

/// Whether `text` holds a character to escape.
fn needs_escapes(text: &str) -> bool {
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if acts(c) && !(c == '\r' && chars.peek() == Some(&'\n')) {
            return true;
        }
    }
    false
}

/// A text with its acting characters escaped, and the way between byte
/// offsets of the two, so a diagnostic can point into the escaped text at
/// the place it points to in the original.
#[derive(Clone, Debug)]
pub struct Escaped<'t> {
    /// The escaped text (the original when nothing is escaped).
    pub text: Cow<'t, str>,
    /// Per escaped character: its offset in the original, its offset in
    /// the escaped text, its length in each.
    escapes: Vec<(usize, usize, usize, usize)>,
}

impl<'t> Escaped<'t> {
    /// Escape `text`.
    pub fn of(text: &'t str) -> Escaped<'t> {
        if !needs_escapes(text) {
            return Escaped {
                text: Cow::Borrowed(text),
                escapes: Vec::new(),
            };
        }
        let mut out = String::with_capacity(text.len());
        let mut escapes = Vec::new();
        let mut chars = text.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            let crlf = c == '\r' && chars.peek().is_some_and(|&(_, d)| d == '\n');
            if acts(c) && !crlf {
                let e = escaped(c);
                escapes.push((i, out.len(), c.len_utf8(), e.len()));
                out.push_str(&e);
            } else {
                out.push(c);
            }
        }
        Escaped {
            text: Cow::Owned(out),
            escapes,
        }
    }

    /// The offset in the escaped text of an offset in the original.
    pub fn forward(&self, offset: usize) -> usize {
        let k = self.escapes.partition_point(|e| e.0 < offset);
        match k.checked_sub(1).map(|k| self.escapes[k]) {
            Some((o, x, ol, xl)) => x + xl + offset.saturating_sub(o + ol),
            None => offset,
        }
    }

    /// The offset in the original of an offset in the escaped text (the
    /// start of the escaped character for an offset inside its escape).
    pub fn back(&self, offset: usize) -> usize {
        let k = self.escapes.partition_point(|e| e.1 < offset);
        match k.checked_sub(1).map(|k| self.escapes[k]) {
            Some((o, x, _, xl)) if offset < x + xl => o,
            Some((o, x, ol, xl)) => o + ol + (offset - x - xl),
            None => offset,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_shown_not_obeyed() {
        assert_eq!(visible("a\u{1b}[31mred"), "a\\u{1b}[31mred");
        assert_eq!(visible("bell\u{7}\u{7f}\u{9b}"), "bell\\u{7}\\u{7f}\\u{9b}");
        assert_eq!(visible("over\rwrite"), "over\\u{d}write");
        assert_eq!(visible("rtl \u{202e}txt.exe"), "rtl \\u{202e}txt.exe");
        // Line ends, tabs and every other character stay.
        assert!(matches!(visible("Σ_τ\tθ\r\nx\n"), Cow::Borrowed(_)));
        let once = visible("\u{1b}]0;title\u{7}").into_owned();
        assert_eq!(visible(&once), once);
        assert!(!once.chars().any(acts));
    }

    #[test]
    fn offsets_go_both_ways() {
        let text = "ab\u{1b}cθ\u{202e}d";
        let e = Escaped::of(text);
        assert_eq!(e.text, "ab\\u{1b}cθ\\u{202e}d");
        for (i, c) in text.char_indices() {
            let j = e.forward(i);
            assert_eq!(e.back(j), i, "{i}");
            if !acts(c) {
                assert_eq!(e.text[j..].chars().next(), Some(c), "{i}");
            }
        }
        assert_eq!(e.forward(text.len()), e.text.len());
        assert_eq!(e.back(e.text.len()), text.len());
        // Inside an escape: the escaped character.
        assert_eq!(e.back(4), 2);
    }
}
