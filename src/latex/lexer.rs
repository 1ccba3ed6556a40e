//! LaTeX tokens with their byte spans in the original file.
//!
//! In: a byte range of a `.tex` or `.md` file. Out: [`Token`]s — commands,
//! braces, scripts, alignment marks, macro parameters, whitespace, comments
//! and single characters — each with the [`Span`] it was read from, so that
//! every later message can point at the original column. Lexing never
//! fails: what a token means is decided by the stages after it.

use crate::syntax::Span;

/// What a token is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Tok {
    /// `\name` (ASCII letters) or `\c` (any one other character): the name
    /// without the backslash. A backslash at the end of the input is `\`
    /// with an empty name.
    Cmd(String),
    /// `{`
    Open,
    /// `}`
    Close,
    /// `_`
    Sub,
    /// `^`
    Sup,
    /// `&`
    Amp,
    /// `#1` … `#9`: a parameter of a macro body.
    Param(u8),
    /// A run of whitespace, newlines included.
    Space,
    /// `% …` up to the end of the line: the text after `%`.
    Comment(String),
    /// Any other character.
    Char(char),
}

/// A token and where it was read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Token {
    /// What it is.
    pub tok: Tok,
    /// Where it is in the original file.
    pub span: Span,
}

impl Token {
    /// Whether this is the command `\name`.
    pub fn is_cmd(&self, name: &str) -> bool {
        matches!(&self.tok, Tok::Cmd(n) if n == name)
    }

    /// Whether this is whitespace or a comment.
    pub fn is_blank(&self) -> bool {
        matches!(self.tok, Tok::Space | Tok::Comment(_))
    }
}

/// Reads tokens from `text[pos..end]`.
#[derive(Clone, Debug)]
pub struct Lexer<'a> {
    text: &'a str,
    /// The next byte to read.
    pub pos: usize,
    end: usize,
}

impl<'a> Lexer<'a> {
    /// A lexer over `text[start..end]`; both ends are clamped to the text
    /// and moved back to character boundaries.
    pub fn new(text: &'a str, start: usize, end: usize) -> Self {
        let end = floor_boundary(text, end.min(text.len()));
        let pos = floor_boundary(text, start.min(end));
        Lexer { text, pos, end }
    }

    fn peek_char(&self, at: usize) -> Option<char> {
        if at >= self.end {
            return None;
        }
        self.text[at..self.end].chars().next()
    }
}

impl Iterator for Lexer<'_> {
    type Item = Token;

    fn next(&mut self) -> Option<Token> {
        let start = self.pos;
        let c = self.peek_char(start)?;
        let mut end = start + c.len_utf8();
        let tok = match c {
            '\\' => match self.peek_char(end) {
                None => Tok::Cmd(String::new()),
                Some(d) if d.is_ascii_alphabetic() => {
                    let rest = &self.text[end..self.end];
                    let n = rest
                        .find(|x: char| !x.is_ascii_alphabetic())
                        .unwrap_or(rest.len());
                    let name = rest[..n].to_string();
                    end += n;
                    Tok::Cmd(name)
                }
                Some(d) => {
                    end += d.len_utf8();
                    Tok::Cmd(d.to_string())
                }
            },
            '{' => Tok::Open,
            '}' => Tok::Close,
            '_' => Tok::Sub,
            '^' => Tok::Sup,
            '&' => Tok::Amp,
            '#' => match self.peek_char(end) {
                Some(d @ '1'..='9') => {
                    end += 1;
                    Tok::Param(d as u8 - b'0')
                }
                _ => Tok::Char('#'),
            },
            '%' => {
                let rest = &self.text[end..self.end];
                let n = rest.find('\n').unwrap_or(rest.len());
                let body = rest[..n].trim_end_matches('\r').to_string();
                end += n;
                Tok::Comment(body)
            }
            c if c.is_whitespace() => {
                let rest = &self.text[start..self.end];
                let n = rest
                    .find(|x: char| !x.is_whitespace())
                    .unwrap_or(rest.len());
                end = start + n;
                Tok::Space
            }
            c => Tok::Char(c),
        };
        self.pos = end;
        Some(Token {
            tok,
            span: Span::new(start, end),
        })
    }
}

/// The largest character boundary at or before `i`.
pub fn floor_boundary(s: &str, mut i: usize) -> usize {
    i = i.min(s.len());
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Every token of `text[start..end]`.
pub fn lex(text: &str, start: usize, end: usize) -> Vec<Token> {
    Lexer::new(text, start, end).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(s: &str) -> Vec<Tok> {
        lex(s, 0, s.len()).into_iter().map(|t| t.tok).collect()
    }

    #[test]
    fn commands_braces_and_scripts() {
        assert_eq!(
            toks(r"\nabla_{\theta}x"),
            vec![
                Tok::Cmd("nabla".into()),
                Tok::Sub,
                Tok::Open,
                Tok::Cmd("theta".into()),
                Tok::Close,
                Tok::Char('x'),
            ]
        );
    }

    #[test]
    fn symbol_commands_comments_and_space() {
        assert_eq!(
            toks("\\, a % by x\n\\\\"),
            vec![
                Tok::Cmd(",".into()),
                Tok::Space,
                Tok::Char('a'),
                Tok::Space,
                Tok::Comment(" by x".into()),
                Tok::Space,
                Tok::Cmd("\\".into()),
            ]
        );
    }

    #[test]
    fn spans_are_byte_ranges_of_the_original() {
        let s = "θ\\tau";
        let t = lex(s, 0, s.len());
        assert_eq!(t[0].span, Span::new(0, 2));
        assert_eq!(t[1].span, Span::new(2, 6));
    }

    #[test]
    fn a_trailing_backslash_and_parameters() {
        assert_eq!(
            toks("#1#x\\"),
            vec![
                Tok::Param(1),
                Tok::Char('#'),
                Tok::Char('x'),
                Tok::Cmd(String::new())
            ]
        );
    }
}
