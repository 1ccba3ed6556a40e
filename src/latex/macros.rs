//! User macros: `\newcommand`, `\renewcommand`, `\providecommand`,
//! `\DeclareMathOperator` and `\def`, and their expansion.
//!
//! In: tokens of a math block, and the macros defined so far in the file
//! (a preamble's definitions apply to every later block). Out: the same
//! tokens with every user macro expanded. A token that a macro body
//! produced carries the span of the macro's use, and an argument keeps its
//! own span, so messages point at what the user wrote. Expansion is
//! bounded: a macro that calls itself, or grows without end, is an error
//! at the place it is used, never a hang.

use super::error;
use super::lexer::{Tok, Token};
use crate::syntax::parser::SyntaxError;
use crate::syntax::Span;
use std::collections::HashMap;

/// Most macro expansions in one file. Default: 10,000.
pub const MAX_EXPANSIONS: usize = 10_000;

/// Most tokens one math block may grow to by expansion. Default: 200,000.
pub const MAX_EXPANDED_TOKENS: usize = 200_000;

/// A user macro.
#[derive(Clone, Debug)]
struct Macro {
    params: u8,
    /// The default of an optional first argument (`\newcommand{\a}[2][x]{…}`).
    default: Option<Vec<Token>>,
    body: Vec<Token>,
}

/// The macros defined so far in a file, and the expansion budget spent.
#[derive(Clone, Debug, Default)]
pub struct Macros {
    map: HashMap<String, Macro>,
    expansions: usize,
}

/// Where tokens come from while a definition or an argument is read.
pub trait TokenSource {
    /// The next token, if any.
    fn next_token(&mut self) -> Option<Token>;
}

impl TokenSource for super::lexer::Lexer<'_> {
    fn next_token(&mut self) -> Option<Token> {
        self.next()
    }
}

/// The commands that define macros.
pub fn is_definition(name: &str) -> bool {
    matches!(
        name,
        "newcommand" | "renewcommand" | "providecommand" | "DeclareMathOperator" | "def"
    )
}

/// The next token that is not whitespace or a comment.
fn next_solid(src: &mut dyn TokenSource) -> Option<Token> {
    loop {
        let t = src.next_token()?;
        if !t.is_blank() {
            return Some(t);
        }
    }
}

/// The tokens of a group whose `{` was just read, up to its `}`.
fn group_body(open: &Token, src: &mut dyn TokenSource) -> Result<Vec<Token>, SyntaxError> {
    let mut depth = 1usize;
    let mut out = Vec::new();
    while let Some(t) = src.next_token() {
        match t.tok {
            Tok::Open => depth += 1,
            Tok::Close => {
                depth -= 1;
                if depth == 0 {
                    return Ok(out);
                }
            }
            _ => {}
        }
        out.push(t);
        if out.len() > MAX_EXPANDED_TOKENS {
            break;
        }
    }
    Err(error(
        open.span.start,
        "unclosed `{`",
        Some("close it with `}`".into()),
    ))
}

/// An argument: a group's tokens, or one token.
fn argument(
    cmd: &Token,
    what: &str,
    src: &mut dyn TokenSource,
) -> Result<(Vec<Token>, Span), SyntaxError> {
    let Some(t) = next_solid(src) else {
        return Err(error(
            cmd.span.start,
            format!("`{}` needs {what}", cmd_text(cmd)),
            None,
        ));
    };
    match t.tok {
        Tok::Open => {
            let body = group_body(&t, src)?;
            let end = body.last().map_or(t.span.end + 1, |b| b.span.end + 1);
            Ok((body, Span::new(t.span.start, end)))
        }
        Tok::Close => Err(error(
            t.span.start,
            format!("`{}` needs {what}, found `}}`", cmd_text(cmd)),
            None,
        )),
        _ => {
            let span = t.span;
            Ok((vec![t], span))
        }
    }
}

fn cmd_text(t: &Token) -> String {
    match &t.tok {
        Tok::Cmd(n) => format!("\\{n}"),
        _ => "the command".into(),
    }
}

/// Read the rest of a definition whose command `cmd` was just read, and
/// record the macro.
pub fn read_definition(
    cmd: &Token,
    src: &mut dyn TokenSource,
    macros: &mut Macros,
) -> Result<(), SyntaxError> {
    let Tok::Cmd(kind) = &cmd.tok else {
        return Ok(());
    };
    let what = "the name of the macro, as in \\newcommand{\\E}{\\mathbb{E}}";
    let name_of = |t: &Token| match &t.tok {
        Tok::Cmd(n) if !n.is_empty() => Some(n.clone()),
        _ => None,
    };
    if kind == "def" {
        let t = next_solid(src)
            .ok_or_else(|| error(cmd.span.start, format!("`\\def` needs {what}"), None))?;
        let name =
            name_of(&t).ok_or_else(|| error(t.span.start, format!("expected {what}"), None))?;
        let mut params = 0u8;
        loop {
            let t = next_solid(src)
                .ok_or_else(|| error(cmd.span.start, "`\\def` needs a body in braces", None))?;
            match t.tok {
                Tok::Param(n) if n == params + 1 => params = n,
                Tok::Open => {
                    let body = group_body(&t, src)?;
                    check_params(&body, params)?;
                    macros.map.insert(
                        name,
                        Macro {
                            params,
                            default: None,
                            body,
                        },
                    );
                    return Ok(());
                }
                _ => {
                    return Err(error(
                        t.span.start,
                        "only `\\def\\name#1#2{…}` definitions are supported",
                        Some("use \\newcommand".into()),
                    ))
                }
            }
        }
    }
    // \newcommand and friends: an optional star, the name, [n], [default], {body}.
    let mut t = next_solid(src)
        .ok_or_else(|| error(cmd.span.start, format!("`\\{kind}` needs {what}"), None))?;
    if t.tok == Tok::Char('*') {
        t = next_solid(src)
            .ok_or_else(|| error(cmd.span.start, format!("`\\{kind}` needs {what}"), None))?;
    }
    let name = match t.tok {
        Tok::Open => {
            let inner = group_body(&t, src)?;
            let solid: Vec<&Token> = inner.iter().filter(|x| !x.is_blank()).collect();
            match solid.as_slice() {
                [one] => name_of(one),
                _ => None,
            }
        }
        _ => name_of(&t),
    }
    .ok_or_else(|| error(t.span.start, format!("expected {what}"), None))?;
    if kind == "DeclareMathOperator" {
        let (body, span) = argument(cmd, "the operator's name in braces", src)?;
        let mut full = vec![
            Token {
                tok: Tok::Cmd("operatorname".into()),
                span,
            },
            Token {
                tok: Tok::Open,
                span,
            },
        ];
        full.extend(body);
        full.push(Token {
            tok: Tok::Close,
            span,
        });
        macros.map.insert(
            name,
            Macro {
                params: 0,
                default: None,
                body: full,
            },
        );
        return Ok(());
    }
    let mut params = 0u8;
    let mut default = None;
    let mut t = next_solid(src).ok_or_else(|| {
        error(
            cmd.span.start,
            "the definition needs a body in braces",
            None,
        )
    })?;
    if t.tok == Tok::Char('[') {
        let mut digits = String::new();
        loop {
            let d = next_solid(src).ok_or_else(|| error(t.span.start, "unclosed `[`", None))?;
            match d.tok {
                Tok::Char(']') => break,
                Tok::Char(c) if c.is_ascii_digit() && digits.len() < 2 => digits.push(c),
                _ => {
                    return Err(error(
                        d.span.start,
                        "expected the number of arguments, as in [2]",
                        None,
                    ))
                }
            }
        }
        params = digits.parse().unwrap_or(0);
        if params > 9 {
            return Err(error(
                t.span.start,
                "a macro takes at most 9 arguments",
                None,
            ));
        }
        t = next_solid(src).ok_or_else(|| {
            error(
                cmd.span.start,
                "the definition needs a body in braces",
                None,
            )
        })?;
        if t.tok == Tok::Char('[') {
            let mut d = Vec::new();
            let mut depth = 0usize;
            loop {
                let x = src
                    .next_token()
                    .ok_or_else(|| error(t.span.start, "unclosed `[`", None))?;
                match x.tok {
                    Tok::Open => depth += 1,
                    Tok::Close => depth = depth.saturating_sub(1),
                    Tok::Char(']') if depth == 0 => break,
                    _ => {}
                }
                d.push(x);
                if d.len() > MAX_EXPANDED_TOKENS {
                    return Err(error(t.span.start, "unclosed `[`", None));
                }
            }
            default = Some(d);
            t = next_solid(src).ok_or_else(|| {
                error(
                    cmd.span.start,
                    "the definition needs a body in braces",
                    None,
                )
            })?;
        }
    }
    if t.tok != Tok::Open {
        return Err(error(
            t.span.start,
            "expected the macro's body in braces",
            None,
        ));
    }
    let body = group_body(&t, src)?;
    check_params(&body, params)?;
    if kind == "providecommand" && macros.map.contains_key(&name) {
        return Ok(());
    }
    macros.map.insert(
        name,
        Macro {
            params,
            default,
            body,
        },
    );
    Ok(())
}

fn check_params(body: &[Token], params: u8) -> Result<(), SyntaxError> {
    for t in body {
        if let Tok::Param(n) = t.tok {
            if n > params {
                return Err(error(
                    t.span.start,
                    format!("`#{n}` but the macro takes {params} argument(s)"),
                    None,
                ));
            }
        }
    }
    Ok(())
}

/// Tokens still to read: a stack of expansions over the block's tokens.
struct Pending {
    stack: Vec<Token>,
    rest: std::vec::IntoIter<Token>,
}

impl TokenSource for Pending {
    fn next_token(&mut self) -> Option<Token> {
        self.stack.pop().or_else(|| self.rest.next())
    }
}

/// Expand every user macro in `tokens`, and record the definitions met
/// on the way.
pub fn expand(tokens: Vec<Token>, macros: &mut Macros) -> Result<Vec<Token>, SyntaxError> {
    let mut src = Pending {
        stack: Vec::new(),
        rest: tokens.into_iter(),
    };
    let mut out = Vec::new();
    while let Some(t) = src.next_token() {
        let name = match &t.tok {
            Tok::Cmd(n) => n.clone(),
            Tok::Param(n) => {
                return Err(error(
                    t.span.start,
                    format!("`#{n}` outside a macro definition"),
                    None,
                ))
            }
            _ => {
                out.push(t);
                continue;
            }
        };
        if is_definition(&name) {
            read_definition(&t, &mut src, macros)?;
            continue;
        }
        let Some(m) = macros.map.get(&name).cloned() else {
            out.push(t);
            continue;
        };
        macros.expansions += 1;
        if macros.expansions > MAX_EXPANSIONS {
            return Err(error(
                t.span.start,
                format!("macro `\\{name}` expands more than {MAX_EXPANSIONS} times"),
                Some("a macro that uses itself never ends: check its definition".into()),
            ));
        }
        let mut args: Vec<Vec<Token>> = Vec::new();
        for k in 0..m.params {
            if k == 0 {
                if let Some(d) = &m.default {
                    args.push(optional_argument(&mut src, d));
                    continue;
                }
            }
            let (a, _) = argument(&t, &format!("{} argument(s)", m.params), &mut src)?;
            args.push(a);
        }
        let mut body: Vec<Token> = Vec::with_capacity(m.body.len());
        for b in &m.body {
            match b.tok {
                Tok::Param(n) => body.extend(args[(n - 1) as usize].iter().cloned()),
                _ => body.push(Token {
                    tok: b.tok.clone(),
                    span: t.span,
                }),
            }
        }
        if src.stack.len() + body.len() + out.len() > MAX_EXPANDED_TOKENS {
            return Err(error(
                t.span.start,
                format!("macro `\\{name}` grows the formula past {MAX_EXPANDED_TOKENS} tokens"),
                Some("a macro that uses itself never ends: check its definition".into()),
            ));
        }
        src.stack.extend(body.into_iter().rev());
    }
    Ok(out)
}

/// `[…]` if the next solid token opens one, else the default.
fn optional_argument(src: &mut Pending, default: &[Token]) -> Vec<Token> {
    let mut skipped = Vec::new();
    while let Some(t) = src.next_token() {
        if t.is_blank() {
            skipped.push(t);
            continue;
        }
        if t.tok == Tok::Char('[') {
            let mut arg = Vec::new();
            let mut depth = 0usize;
            while let Some(x) = src.next_token() {
                match x.tok {
                    Tok::Open => depth += 1,
                    Tok::Close => depth = depth.saturating_sub(1),
                    Tok::Char(']') if depth == 0 => return arg,
                    _ => {}
                }
                arg.push(x);
            }
            return arg;
        }
        src.stack.push(t);
        break;
    }
    src.stack.extend(skipped.into_iter().rev());
    default.to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::latex::lexer::lex;

    fn expanded(defs: &str, math: &str) -> Result<String, SyntaxError> {
        let mut m = Macros::default();
        let text = format!("{defs}{math}");
        expand(lex(&text, 0, defs.len()), &mut m)?;
        let out = expand(lex(&text, defs.len(), text.len()), &mut m)?;
        Ok(out
            .iter()
            .map(|t| match &t.tok {
                Tok::Cmd(n) => format!("\\{n} "),
                Tok::Open => "{".into(),
                Tok::Close => "}".into(),
                Tok::Char(c) => c.to_string(),
                Tok::Sub => "_".into(),
                Tok::Sup => "^".into(),
                _ => " ".into(),
            })
            .collect())
    }

    #[test]
    fn a_macro_without_arguments_expands_in_place() {
        assert_eq!(
            expanded(r"\newcommand{\E}{\mathbb{E}}", r"\E_x").unwrap(),
            r"\mathbb {E}_x"
        );
    }

    #[test]
    fn arguments_are_substituted() {
        assert_eq!(
            expanded(r"\newcommand\g[1]{\nabla_{#1}}", r"\g\theta").unwrap(),
            r"\nabla _{\theta }"
        );
        assert_eq!(expanded(r"\def\p#1#2{#2#1}", r"\p ab").unwrap(), "ba");
    }

    #[test]
    fn an_optional_argument_takes_its_default() {
        assert_eq!(
            expanded(r"\newcommand{\v}[2][a]{#1#2}", r"\v{b}\v[c]{d}").unwrap(),
            "abcd"
        );
    }

    #[test]
    fn a_declared_operator_is_an_operatorname() {
        assert_eq!(
            expanded(r"\DeclareMathOperator*{\E}{E}", r"\E").unwrap(),
            r"\operatorname {E}"
        );
    }

    #[test]
    fn a_recursive_macro_is_an_error_at_its_use() {
        let e = expanded(r"\def\a{x\a}", r"y \a").unwrap_err();
        assert_eq!(e.at, r"\def\a{x\a}y ".len());
        assert!(e.message.unwrap().contains("expands more than"));
        let e = expanded(r"\def\a{\a\a}", r"\a").unwrap_err();
        assert!(e.message.is_some());
    }

    #[test]
    fn exponential_growth_is_bounded() {
        let defs = r"\def\a{xxxxxxxxxx}\def\b{\a\a\a\a\a\a\a\a\a\a}\def\c{\b\b\b\b\b\b\b\b\b\b}\def\d{\c\c\c\c\c\c\c\c\c\c}\def\e{\d\d\d\d\d\d\d\d\d\d}\def\f{\e\e\e\e\e\e\e\e\e\e}";
        assert!(expanded(defs, r"\f").is_err());
    }

    #[test]
    fn unfinished_definitions_are_errors() {
        assert!(expanded("", r"\newcommand{\a}{x").is_err());
        assert!(expanded("", r"\newcommand").is_err());
        assert!(expanded("", r"\newcommand{\a}[x]{y}").is_err());
        assert!(expanded("", r"\newcommand{\a}{#2}").is_err());
    }
}
