//! Cutting a file into logical lines.
//!
//! A logical line is one physical line, or several while a bracket is open.
//! `#` starts a comment; `by` at bracket depth 0 starts the justification,
//! which runs to the end of the physical line (or to a comment) and ends the
//! logical line. A blank line is kept, since it ends a chain.

use super::Span;

/// Most brackets open at once in one logical line. Deeper input is an error,
/// not a stack overflow further down the pipeline.
pub const MAX_BRACKET_DEPTH: usize = 64;

/// One logical line.
#[derive(Clone, Debug, PartialEq)]
pub enum Line {
    /// An empty (or whitespace-only) physical line.
    Blank,
    /// A line that could not be cut (an unclosed bracket): the chain it
    /// belongs to cannot be checked.
    Broken,
    /// Code, with the justification after `by`, if any.
    Code {
        /// The code, comments inside it included, `by …` and a trailing
        /// comment excluded; trimmed.
        code: Span,
        /// The text after `by`, trimmed, and its span.
        justification: Option<(String, Span)>,
    },
}

/// A problem found while cutting lines.
#[derive(Clone, Debug, PartialEq)]
pub struct LineError {
    /// Where.
    pub span: Span,
    /// What.
    pub message: String,
    /// What to do.
    pub hint: Option<String>,
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// The bytes the scanner stops at: newlines, comments, quotes, brackets,
/// and the `b` of `by`. Every other byte (UTF-8 continuation bytes
/// included) is passed over.
static SPECIAL: [bool; 256] = {
    let mut t = [false; 256];
    let special = *b"\n#\"([{)]}b";
    let mut k = 0;
    while k < special.len() {
        t[special[k] as usize] = true;
        k += 1;
    }
    t
};

/// The end of the physical line holding byte `from`: its `\n`, or the end
/// of the text.
fn eol(bytes: &[u8], from: usize) -> usize {
    memchr::memchr(b'\n', &bytes[from..]).map_or(bytes.len(), |k| from + k)
}

fn closer(open: char) -> char {
    match open {
        '(' => ')',
        '[' => ']',
        _ => '}',
    }
}

/// Whether a line that follows an open bracket continues the step: not
/// when it is blank or starts with a declaration keyword, so that one
/// missing `)` does not swallow the rest of the file.
fn continues(next: &str) -> bool {
    let line = next.split('\n').next().unwrap_or("");
    let t = line.trim_start();
    if t.is_empty() {
        return false;
    }
    let word: String = t.chars().take_while(|c| c.is_ascii_alphabetic()).collect();
    !matches!(
        word.as_str(),
        "param"
            | "set"
            | "var"
            | "fun"
            | "const"
            | "def"
            | "assume"
            | "claim"
            | "derivation"
            | "mdp"
            | "sample"
            | "points"
            | "milestone"
            | "rubric"
            | "steps"
    )
}

/// Cut `text` into logical lines. Comment-only lines produce nothing.
pub fn logical_lines(text: &str) -> (Vec<Line>, Vec<LineError>) {
    let mut lines = Vec::new();
    let mut errors = Vec::new();
    let bytes = text.as_bytes();
    let mut pos = 0;
    let mut stack: Vec<(char, usize)> = Vec::new();
    while pos < text.len() {
        // Start of a logical line at `pos` (always the start of a physical line).
        let line_end = eol(bytes, pos);
        if text[pos..line_end].trim().is_empty() {
            lines.push(Line::Blank);
            pos = line_end + 1;
            continue;
        }
        let start = pos;
        stack.clear();
        let mut code_end = start;
        // Start of the current stretch of code (after the last comment);
        // where a stretch ends, its last non-space character ends the code.
        let mut stretch = start;
        let end_stretch = |from: usize, to: usize, code_end: &mut usize| {
            let t = text[from..to].trim_end();
            if !t.is_empty() {
                *code_end = (*code_end).max(from + t.len());
            }
        };
        // The end of the physical line holding byte `i` (the first one's
        // is known).
        let line_end_from = |i: usize| {
            if i < line_end {
                line_end
            } else {
                eol(bytes, i)
            }
        };
        let mut justification = None;
        let mut i = pos;
        let mut too_deep = false;
        loop {
            // Bytes that mean nothing here, in a tight loop.
            while i < bytes.len() && !SPECIAL[usize::from(bytes[i])] {
                i += 1;
            }
            if i >= bytes.len() {
                end_stretch(stretch, text.len(), &mut code_end);
                break;
            }
            match bytes[i] {
                b'\n' if stack.is_empty() || !continues(&text[i + 1..]) => {
                    end_stretch(stretch, i, &mut code_end);
                    break;
                }
                b'#' => {
                    // Comment: skip to the end of the physical line.
                    end_stretch(stretch, i, &mut code_end);
                    i = line_end_from(i);
                    stretch = i;
                    continue;
                }
                b'"' => {
                    let close = text[i + 1..]
                        .find(['"', '\n'])
                        .map_or(text.len(), |k| i + 1 + k);
                    i = if close < text.len() && bytes[close] == b'"' {
                        close + 1
                    } else {
                        close
                    };
                    // A quotation is code to its end, spaces and all.
                    code_end = i;
                    continue;
                }
                c @ (b'(' | b'[' | b'{') => {
                    stack.push((char::from(c), i));
                    if stack.len() > MAX_BRACKET_DEPTH && !too_deep {
                        too_deep = true;
                        errors.push(LineError {
                            span: Span::new(i, i + 1),
                            message: format!("brackets nested more than {MAX_BRACKET_DEPTH} deep"),
                            hint: Some("split the expression with a `def`".into()),
                        });
                    }
                }
                c @ (b')' | b']' | b'}') => {
                    // A mismatch is reported by the parser, which knows more.
                    if let Some(&(open, _)) = stack.last() {
                        if closer(open) == char::from(c) {
                            stack.pop();
                        }
                    }
                }
                b'b' if stack.is_empty()
                    && !text[..i].chars().next_back().is_some_and(is_word_char)
                    && text[i..].starts_with("by")
                    && !text[i + 2..].chars().next().is_some_and(is_word_char) =>
                {
                    end_stretch(stretch, i, &mut code_end);
                    let eol = line_end_from(i);
                    let rest_end = text[i + 2..eol].find('#').map_or(eol, |k| i + 2 + k);
                    let raw = &text[i + 2..rest_end];
                    let trimmed = raw.trim();
                    let lead = raw.len() - raw.trim_start().len();
                    let js = i + 2 + lead;
                    justification = Some((trimmed.to_string(), Span::new(js, js + trimmed.len())));
                    i = eol;
                    break;
                }
                _ => {}
            }
            i += 1;
        }
        if let Some(&(open, at)) = stack.last() {
            errors.push(LineError {
                span: Span::new(at, at + open.len_utf8()),
                message: format!("unclosed `{open}`"),
                hint: Some(format!("close it with `{}`", closer(open))),
            });
            // Recover at the next line.
            lines.push(Line::Broken);
            pos = i + 1;
            continue;
        }
        let code_start = start + (text[start..].len() - text[start..].trim_start().len());
        lines.push(Line::Code {
            code: Span::new(code_start.min(code_end), code_end),
            justification,
        });
        pos = i + 1;
    }
    // Drop code lines that hold only a comment.
    lines.retain(|l| match l {
        Line::Code {
            code,
            justification,
        } => code.end > code.start || justification.is_some(),
        Line::Blank | Line::Broken => true,
    });
    (lines, errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code_texts(text: &str) -> Vec<String> {
        let (lines, errors) = logical_lines(text);
        assert!(errors.is_empty(), "{errors:?}");
        lines
            .iter()
            .map(|l| match l {
                Line::Blank => "<blank>".to_string(),
                Line::Broken => "<broken>".to_string(),
                Line::Code {
                    code,
                    justification,
                } => {
                    let mut s = text[code.start..code.end].to_string();
                    if let Some((j, _)) = justification {
                        s.push_str(" BY ");
                        s.push_str(j);
                    }
                    s
                }
            })
            .collect()
    }

    #[test]
    fn by_after_a_greek_letter_or_a_quote() {
        assert_eq!(
            code_texts("= τby + ab(x) by algebra\n"),
            ["= τby + ab(x) BY algebra"]
        );
        assert_eq!(code_texts("= \"a by b\"by x\n"), ["= \"a by b\" BY x"]);
    }

    #[test]
    fn unicode_white_space_is_not_code() {
        assert_eq!(
            code_texts("= Σ_τ f(τ)\u{00A0}\u{2003} by algebra\u{3000}\n"),
            ["= Σ_τ f(τ) BY algebra"]
        );
        assert_eq!(code_texts("= x\u{2003}\u{00A0}\n"), ["= x"]);
    }

    #[test]
    fn justification_ends_the_line() {
        assert_eq!(
            code_texts("  = f(x)   by definition of f # note\n"),
            vec!["= f(x) BY definition of f"]
        );
    }

    #[test]
    fn open_bracket_continues_the_line() {
        assert_eq!(
            code_texts("a = (b +\n  c) by sums\nd\n\ne"),
            vec!["a = (b +\n  c) BY sums", "d", "<blank>", "e"]
        );
    }

    #[test]
    fn by_inside_a_word_is_not_a_justification() {
        assert_eq!(code_texts("byx = maybe"), vec!["byx = maybe"]);
    }

    #[test]
    fn comment_lines_vanish() {
        assert_eq!(code_texts("# only a comment\nx"), vec!["x"]);
    }

    #[test]
    fn unclosed_bracket_is_an_error_at_the_bracket() {
        let (_, errors) = logical_lines("x\n= (a + b\n");
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].span, Span::new(4, 5));
    }

    #[test]
    fn justification_with_unbalanced_text_does_not_continue() {
        assert_eq!(code_texts("= a by (oops\n= b"), vec!["= a BY (oops", "= b"]);
    }
}
