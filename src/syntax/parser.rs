//! The nom grammar of derivation files.
//!
//! ```text
//! file      := line*                         (see `lines`: one item a logical line)
//! line      := decl | 'derivation' STRING? ('proves' IDENT)? | chain_line | blank
//! decl      := 'param' names | 'set' names | 'var' names (('in'|'∈') NAME)?   `in ℝ`/`in reals`: real
//!            | 'fun' head (':' ('dist' NAME | 'positive' | 'real' | 'vector'))?
//!            | 'const' names (':' ('count'|'positive'|'real'))?
//!            | 'def' head '=' expr | 'assume' expr REL expr
//!            | 'claim' (IDENT ':')? expr REL expr
//!            | 'mdp' 'states' NAME 'actions' NAME 'horizon' NAME
//!            | 'sample' NAME '~' dist 'for' IDENT '=' expr '..' expr
//!            | 'points' NUMBER | 'milestone' expr | 'rubric' TEXT | 'steps'
//! head      := name ('(' names ('|' names)? ')')?
//! chain_line:= REL? expr (REL expr)*
//! REL       := '=' | '≈' | '~=' | '≤' | '<=' | '≥' | '>=' | '∝' | 'propto'
//! expr      := term (('+'|'-'|'−') term)*
//! term      := signed (('*'|'·'|'×'|'/') signed | prefixed)*     juxtaposition is '·'
//! signed    := ('-'|'−') signed | prefixed
//! prefixed  := ('∇'|'grad') ('_' sub)? prefixed
//!            | ('∂'|'partial') '/' ('∂'|'partial') NAME prefixed
//!            | ('∂'|'partial') prefixed '/' ('∂'|'partial') NAME
//!            | 'd/d' NAME prefixed
//!            | FUNC ('(' expr ')' | '[' expr ']') ('^' exponent)?   an application
//!            | FUNC prefixed
//!            | ('Σ'|'sum'|'Π'|'prod') '_' binder ('^' bound)? term     the rest of the term
//!            | ('∫'|'int') '_' (NAME | '{' NAME ('∈'|'in') ('ℝ'|'reals') '}') term
//!            | ('E'|'𝔼') '_' draws ('[' expr ']' | term)
//!            | power
//! power     := postfix ('^' exponent)?
//!            | postfix '^' ('⊤' | 'T' | '{⊤}' | '{T}') prefixed   an inner product
//! exponent  := '-' exponent | '{' expr '}' | power
//! postfix   := name '(' args ('|' args)? ')'    no space before '('
//!            | ('N'|'𝒩') '(' expr ';' expr ',' expr ')'    the normal density (mean, variance)
//!            | primary
//! primary   := NUMBER | name | '(' expr ')' | '[' expr ']' | '|' expr '|' | '·'
//!            | ('⟨' | '<') expr ',' expr ('⟩' | '>')          an inner product
//! name      := IDENT PRIME* ('_' (IDENT | NUMBER | '{' expr (',' expr)* '}') PRIME*)?
//! FUNC      := 'log' | 'ln' | 'exp' | 'sqrt' | '√'
//! ```
//!
//! Precedence follows the README ("The language in brief"): a prefix operator takes one factor; Σ, Π
//! and E (without brackets) take the rest of the multiplicative term. A
//! function written with a bracket right after it (spaces allowed) is an
//! application, and `^` applies to its result: `log(x)^2` is (log x)²,
//! while `log x^2` is log(x²). The derivative operators are not functions:
//! `∇_θ (f)^2` and `d/dθ (f)^2` differentiate f², as `d/dx (x+1)^2` does.
//! `dX/dθ` is a derivative only when θ is a declared parameter: one the
//! text declares above, or one the caller's [`ParseContext`] knows. All
//! the state of a parse (those parameters, the nesting depth) lives in a
//! [`State`] owned by the entry point and reached through the input.

use super::ast::*;
use super::lines::{logical_lines, Line};
use super::Span;
use nom::error::{ContextError, ErrorKind, ParseError};
use nom::IResult;
use num_bigint::BigInt;
use num_rational::BigRational;
use std::cell::{Cell, RefCell};

mod integral;
pub use integral::GAUSSIAN;

/// Parser input: a slice of the file, the byte offset of its start in
/// the file, and the state of this one parse. Lines and columns are
/// computed from the offset only when an error is shown, so advancing the
/// input costs nothing.
#[derive(Clone, Copy, Debug)]
pub struct In<'a> {
    rest: &'a str,
    at: usize,
    state: &'a State,
}

impl<'a> In<'a> {
    /// `text`, which starts at byte `at` of the file, read with `state`.
    fn new(text: &'a str, at: usize, state: &'a State) -> Self {
        In {
            rest: text,
            at,
            state,
        }
    }

    /// The text not yet read.
    pub fn fragment(&self) -> &'a str {
        self.rest
    }
}

/// What the grammar is told besides the text. Today that is the
/// parameters declared outside the text (an assignment's, a `--with`
/// file's, a LaTeX file's `%!` lines), so that `dX/dθ` reads as a
/// derivative in a text that does not declare θ itself. The default
/// knows none.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ParseContext {
    /// Parameter names (`θ`), as [`Name::key`] gives them.
    pub params: Vec<String>,
    /// Distributions declared elsewhere, each with the variable it is
    /// over (`("π_θ", "a")`), for readers that write a divergence out as
    /// a sum over that variable.
    pub dists: Vec<(String, String)>,
}

impl ParseContext {
    /// A context that knows these parameters.
    pub fn with_params(params: Vec<String>) -> Self {
        ParseContext {
            params,
            dists: Vec::new(),
        }
    }

    /// A context that knows the parameters and distributions `items`
    /// declare.
    pub fn of_items(items: &[Item]) -> Self {
        ParseContext {
            params: Self::params_of(items),
            dists: Self::dists_of(items),
        }
    }

    /// The distributions `items` declare, each with its variable: `fun
    /// p(x) : dist x`, and the policy, initial and transition
    /// distributions of an `mdp`.
    pub fn dists_of(items: &[Item]) -> Vec<(String, String)> {
        let mut dists = Vec::new();
        for item in items {
            match &item.kind {
                ItemKind::Fun(h, Some(FunAttr::Dist(x))) => {
                    if let (Some(f), Some(x)) = (h.name.key(), x.key()) {
                        dists.push((f, x));
                    }
                }
                ItemKind::Mdp { .. } => {
                    for (f, x) in [("π_θ", "a"), ("ρ", "s"), ("P", "s'")] {
                        dists.push((f.to_string(), x.to_string()));
                    }
                }
                _ => {}
            }
        }
        dists
    }

    /// The parameters `items` declare (`param` lines, and the θ of an
    /// `mdp`), in order.
    pub fn params_of(items: &[Item]) -> Vec<String> {
        let mut names = Vec::new();
        for item in items {
            match &item.kind {
                ItemKind::Param(ns) => names.extend(ns.iter().filter_map(Name::key)),
                ItemKind::Mdp { .. } => names.push("θ".to_string()),
                _ => {}
            }
        }
        names
    }
}

/// The state of one parse, owned by the entry point and reached through
/// [`In`]: the parameters known so far (the context's, and those the text
/// has declared above the current line) and the current nesting.
#[derive(Debug)]
struct State {
    params: RefCell<Vec<String>>,
    depth: Cell<usize>,
}

impl State {
    fn new(ctx: &ParseContext) -> Self {
        State {
            params: RefCell::new(ctx.params.clone()),
            depth: Cell::new(0),
        }
    }
}

/// Most nested expression levels. Past it, a syntax error (not a stack
/// overflow). Default: 100.
pub const MAX_NESTING: usize = 100;

/// Most bytes in one file. Default: 4 MiB.
pub const MAX_FILE_BYTES: usize = 4 << 20;

/// A syntax error with its position.
#[derive(Clone, Debug, PartialEq)]
pub struct SyntaxError {
    /// Byte offset in the file.
    pub at: usize,
    /// What was expected there, if known.
    pub expected: Option<&'static str>,
    /// A full message, overriding the "expected" form.
    pub message: Option<String>,
    /// What to do about it.
    pub hint: Option<String>,
}

type PResult<'a, O> = IResult<In<'a>, O, SyntaxError>;

fn abs(i: &In) -> usize {
    i.at
}

impl<'a> ParseError<In<'a>> for SyntaxError {
    fn from_error_kind(input: In<'a>, _kind: ErrorKind) -> Self {
        SyntaxError {
            at: abs(&input),
            expected: None,
            message: None,
            hint: None,
        }
    }
    fn append(_input: In<'a>, _kind: ErrorKind, other: Self) -> Self {
        other
    }
    fn or(self, other: Self) -> Self {
        if other.at >= self.at {
            other
        } else {
            self
        }
    }
}

impl<'a> ContextError<In<'a>> for SyntaxError {
    fn add_context(_input: In<'a>, ctx: &'static str, mut other: Self) -> Self {
        if other.expected.is_none() && other.message.is_none() {
            other.expected = Some(ctx);
        }
        other
    }
}

fn fail<'a, O>(i: &In<'a>, expected: &'static str) -> PResult<'a, O> {
    Err(nom::Err::Error(SyntaxError {
        at: abs(i),
        expected: Some(expected),
        message: None,
        hint: None,
    }))
}

fn failure<'a, O>(i: &In<'a>, expected: &'static str) -> PResult<'a, O> {
    Err(nom::Err::Failure(SyntaxError {
        at: abs(i),
        expected: Some(expected),
        message: None,
        hint: None,
    }))
}

fn failure_msg<'a, O>(at: usize, message: String, hint: Option<String>) -> PResult<'a, O> {
    Err(nom::Err::Failure(SyntaxError {
        at,
        expected: None,
        message: Some(message),
        hint,
    }))
}

/// Turn a recoverable error into a failure, so `alt` does not backtrack
/// past a point where the input is known to be this construct.
fn cut<'a, O>(r: PResult<'a, O>) -> PResult<'a, O> {
    match r {
        Err(nom::Err::Error(e)) => Err(nom::Err::Failure(e)),
        other => other,
    }
}

fn context<'a, O>(ctx: &'static str, r: PResult<'a, O>) -> PResult<'a, O> {
    r.map_err(|e| {
        e.map(|mut e| {
            if e.expected.is_none() && e.message.is_none() {
                e.expected = Some(ctx);
            }
            e
        })
    })
}

/// Counts nesting while alive; the constructor fails past [`MAX_NESTING`].
struct DepthGuard<'a>(&'a Cell<usize>);

impl<'a> DepthGuard<'a> {
    fn enter(i: &In<'a>) -> Result<DepthGuard<'a>, nom::Err<SyntaxError>> {
        let depth = &i.state.depth;
        depth.set(depth.get() + 1);
        let guard = DepthGuard(depth);
        if depth.get() > MAX_NESTING {
            return Err(nom::Err::Failure(SyntaxError {
                at: abs(i),
                expected: None,
                message: Some(format!("expression nested more than {MAX_NESTING} deep")),
                hint: Some("split it with a `def`".into()),
            }));
        }
        Ok(guard)
    }
}

impl Drop for DepthGuard<'_> {
    fn drop(&mut self) {
        self.0.set(self.0.get().saturating_sub(1));
    }
}

// ---------------------------------------------------------------- lexing

/// Skip whitespace and `#` comments.
#[inline]
fn sp(i: In) -> In {
    // Spaces, a comment, or a lead byte a non-ASCII space can start with
    // (see skip_space); anything else is a token.
    match i.fragment().as_bytes().first() {
        Some(b' ' | b'\t' | b'\n' | b'\r' | b'#' | 0xC2 | 0xE1 | 0xE2 | 0xE3) => skip_space(i),
        _ => i,
    }
}

fn skip_space(i: In) -> In {
    let s = i.fragment();
    let b = s.as_bytes();
    let mut n = 0;
    while n < b.len() {
        match b[n] {
            b' ' | b'\t' | b'\n' | b'\r' => n += 1,
            b'#' => n = s[n..].find('\n').map_or(s.len(), |k| n + k),
            // Lead bytes of the non-ASCII white space characters (U+0085,
            // U+00A0, U+1680, U+2000–U+205F, U+3000); Greek letters and
            // most operators start otherwise and end the loop at once.
            0xC2 | 0xE1 | 0xE2 | 0xE3 => {
                let ch = s[n..].chars().next().unwrap_or('x');
                if ch.is_whitespace() {
                    n += ch.len_utf8();
                } else {
                    break;
                }
            }
            _ => break,
        }
    }
    advance(i, n)
}

fn peek(i: &In) -> Option<char> {
    i.fragment().chars().next()
}

/// The input after its first `n` bytes.
fn advance<'a>(i: In<'a>, n: usize) -> In<'a> {
    In {
        rest: &i.rest[n..],
        at: i.at + n,
        state: i.state,
    }
}

/// Match one of the spellings at the current position (after spaces).
/// Word spellings must not be followed by a word character. Inlined, so
/// that each call site's spellings are constants.
#[inline(always)]
fn sym<'a>(i: In<'a>, spellings: &[&str]) -> Option<(In<'a>, Span)> {
    let j = sp(i);
    let b = j.fragment().as_bytes();
    let first = *b.first()?;
    for s in spellings {
        let sb = s.as_bytes();
        // The first byte rules out almost every spelling without a
        // comparison of the whole.
        if sb.first() != Some(&first) || !b.starts_with(sb) {
            continue;
        }
        let is_word = sb.iter().all(u8::is_ascii_alphabetic);
        if is_word
            && j.fragment()[s.len()..]
                .chars()
                .next()
                .is_some_and(is_ident_continue)
        {
            continue;
        }
        let start = abs(&j);
        return Some((advance(j, s.len()), Span::new(start, start + s.len())));
    }
    None
}

fn expect<'a>(i: In<'a>, spellings: &[&str], what: &'static str) -> PResult<'a, Span> {
    match sym(i, spellings) {
        Some((j, span)) => Ok((j, span)),
        None => fail(&sp(i), what),
    }
}

fn is_ident_start(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_alphabetic();
    }
    // Greek letters are the common case after ASCII (Σ and Π are
    // operators).
    if ('\u{03B1}'..='\u{03C9}').contains(&c) {
        return true;
    }
    if ('\u{0391}'..='\u{03A9}').contains(&c) {
        return !matches!(c, 'Σ' | 'Π' | '\u{03A2}');
    }
    // Mathematical operators (∇, ∂, ∑, …): none is a letter.
    if ('\u{2200}'..='\u{22FF}').contains(&c) {
        return false;
    }
    c.is_alphabetic() && !matches!(c, 'Σ' | 'Π' | '𝔼' | '∑' | '∏')
}

fn is_ident_continue(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_alphanumeric();
    }
    is_ident_start(c) || c.is_numeric()
}

/// Words that are never names.
const RESERVED: &[&str] = &[
    "log", "ln", "exp", "sqrt", "sum", "prod", "grad", "partial", "propto", "by", "in", "for",
    "proves",
];

/// ASCII spellings of Greek letters (`theta` → `θ`), from the one table
/// in [`super::letters`].
pub fn greek(word: &str) -> Option<&'static str> {
    super::letters::text_of(word)
}

/// One identifier word, Greek normalised. Does not skip spaces.
fn word(i: In) -> PResult<(String, Span)> {
    let s = i.fragment();
    match s.chars().next() {
        Some(c) if is_ident_start(c) => {}
        _ => return fail(&i, "a name"),
    }
    // ASCII letters and digits byte by byte; other characters decoded.
    let b = s.as_bytes();
    let mut end = 0;
    let mut ascii = true;
    while end < b.len() {
        if b[end].is_ascii_alphanumeric() {
            end += 1;
        } else if b[end] < 0x80 {
            break;
        } else {
            match s[end..].chars().next() {
                Some(c) if is_ident_continue(c) => {
                    end += c.len_utf8();
                    ascii = false;
                }
                _ => break,
            }
        }
    }
    let w = &s[..end];
    let start = abs(&i);
    let spelled = if ascii && (2..=super::letters::LONGEST_WORD).contains(&w.len()) {
        greek(w)
    } else {
        None
    };
    let normal = spelled.unwrap_or(w).to_string();
    Ok((advance(i, end), (normal, Span::new(start, start + end))))
}

fn primes(i: In) -> (In, u8) {
    let mut n = 0u8;
    let mut j = i;
    while let Some(c) = peek(&j) {
        if c == '\'' || c == '′' {
            n = n.saturating_add(1);
            j = advance(j, c.len_utf8());
        } else {
            break;
        }
    }
    (j, n)
}

fn is_reserved(w: &str) -> bool {
    RESERVED.contains(&w) || w == "E"
}

/// A name: word, primes, optional subscript. Skips leading spaces.
pub fn name(i: In) -> PResult<Name> {
    let i = sp(i);
    let (j, (base, wspan)) = word(i)?;
    if is_reserved(&base) {
        return fail(&i, "a name");
    }
    name_rest(j, base, wspan)
}

fn name_rest(j: In, base: String, wspan: Span) -> PResult<Name> {
    let (mut j, mut nprimes) = primes(j);
    let mut sub = Vec::new();
    if peek(&j) == Some('_') {
        let k = advance(j, 1);
        if peek(&k) == Some('{') {
            let (k2, list) = cut(braced_list(k))?;
            sub = list;
            j = k2;
        } else {
            let (k2, e) = cut(context("a subscript", sub_token(k)))?;
            sub.push(e);
            j = k2;
        }
        let (k3, p2) = primes(j);
        j = k3;
        nprimes = nprimes.saturating_add(p2);
    }
    let end = abs(&j);
    Ok((
        j,
        Name {
            base,
            primes: nprimes,
            sub,
            span: Span::new(wspan.start, end),
        },
    ))
}

/// `{ expr, expr }` starting at `{`.
fn braced_list(i: In) -> PResult<Vec<Expr>> {
    let _g = DepthGuard::enter(&i)?;
    let j = advance(i, 1);
    let (mut j, first) = expr(j)?;
    let mut list = vec![first];
    while let Some((k, _)) = sym(j, &[","]) {
        let (k, e) = cut(expr(k))?;
        list.push(e);
        j = k;
    }
    let (j, _) = cut(expect(j, &["}"], "`}`"))?;
    Ok((j, list))
}

/// A single-token subscript: a word (with primes) or digits.
fn sub_token(i: In) -> PResult<Expr> {
    if peek(&i).is_some_and(|c| c.is_ascii_digit()) {
        let s = i.fragment();
        let end = s
            .char_indices()
            .find(|&(_, c)| !c.is_ascii_digit())
            .map_or(s.len(), |(k, _)| k);
        let start = abs(&i);
        let n: BigInt = s[..end].parse().unwrap_or_default();
        return Ok((
            advance(i, end),
            Expr::new(
                ExprKind::Number(BigRational::from_integer(n)),
                Span::new(start, start + end),
            ),
        ));
    }
    let (j, (base, span)) = word(i)?;
    let (j, nprimes) = primes(j);
    let end = abs(&j);
    Ok((
        j,
        Expr::new(
            ExprKind::Name(Name {
                base,
                primes: nprimes,
                sub: vec![],
                span: Span::new(span.start, end),
            }),
            Span::new(span.start, end),
        ),
    ))
}

/// A decimal number: `2`, `0.7`, `1e-3`. Exact.
fn number(i: In) -> PResult<Expr> {
    let s = i.fragment();
    let b = s.as_bytes();
    let mut n = 0;
    while n < b.len() && b[n].is_ascii_digit() {
        n += 1;
    }
    if n == 0 {
        return fail(&i, "a number");
    }
    let int_end = n;
    let mut frac_end = n;
    if n + 1 < b.len() && b[n] == b'.' && b[n + 1].is_ascii_digit() {
        n += 1;
        while n < b.len() && b[n].is_ascii_digit() {
            n += 1;
        }
        frac_end = n;
    }
    let mut exp: i64 = 0;
    if n < b.len() && (b[n] == b'e' || b[n] == b'E') {
        let mut k = n + 1;
        let neg = k < b.len() && (b[k] == b'-' || b[k] == b'+');
        let sign = if k < b.len() && b[k] == b'-' { -1 } else { 1 };
        if neg {
            k += 1;
        }
        let ds = k;
        while k < b.len() && b[k].is_ascii_digit() {
            k += 1;
        }
        if k > ds && !s[k..].chars().next().is_some_and(is_ident_continue) {
            let digits = &s[ds..k];
            if digits.len() > 4 {
                return failure_msg(
                    abs(&i),
                    "exponent of the number is too large".into(),
                    Some("write at most 4 exponent digits".into()),
                );
            }
            exp = sign * digits.parse::<i64>().unwrap_or(0);
            n = k;
        }
    }
    if frac_end - int_end > 1000 || int_end > 1000 {
        return failure_msg(abs(&i), "number has too many digits".into(), None);
    }
    let int_part = &s[..int_end];
    let frac_part = if frac_end > int_end {
        &s[int_end + 1..frac_end]
    } else {
        ""
    };
    let digits: BigInt = format!("{int_part}{frac_part}").parse().unwrap_or_default();
    let scale = exp - frac_part.len() as i64;
    let ten = BigInt::from(10);
    let value = if scale >= 0 {
        BigRational::from_integer(digits * num_traits::pow(ten, scale as usize))
    } else {
        BigRational::new(digits, num_traits::pow(ten, (-scale) as usize))
    };
    let start = abs(&i);
    Ok((
        advance(i, n),
        Expr::new(ExprKind::Number(value), Span::new(start, start + n)),
    ))
}

// ------------------------------------------------------------ expressions

/// `expr := term (('+'|'-') term)*`
pub fn expr(i: In) -> PResult<Expr> {
    let (mut i, mut lhs) = term(i)?;
    loop {
        let j = sp(i);
        let (op, c) = match peek(&j) {
            Some(c @ '+') => (BinOp::Add, c),
            Some(c @ ('-' | '−')) => (BinOp::Sub, c),
            _ => break,
        };
        let after = advance(j, c.len_utf8());
        let (j, rhs) = cut(context("an expression after the operator", term(after)))?;
        let span = lhs.span.join(rhs.span);
        lhs = Expr::new(ExprKind::Binary(op, Box::new(lhs), Box::new(rhs)), span);
        i = j;
    }
    Ok((i, lhs))
}

fn can_start_factor(i: &In) -> bool {
    let j = sp(*i);
    let s = j.fragment();
    let Some(c) = s.chars().next() else {
        return false;
    };
    if is_ident_start(c) {
        let end = s
            .char_indices()
            .find(|&(_, c)| !is_ident_continue(c))
            .map_or(s.len(), |(k, _)| k);
        let w = &s[..end];
        return !matches!(w, "by" | "in" | "for" | "proves" | "propto");
    }
    if c == '<' {
        // `<u, v>`, not the relation `<=`.
        return !s[1..].starts_with('=');
    }
    c.is_ascii_digit()
        || matches!(
            c,
            '(' | '[' | '∇' | '∂' | 'Σ' | 'Π' | '∑' | '∏' | '𝔼' | '√' | '⟨' | '∫'
        )
}

/// `term := signed (op signed | juxtaposed)*`
fn term(i: In) -> PResult<Expr> {
    let (mut i, mut lhs) = signed(i)?;
    loop {
        let j = sp(i);
        match peek(&j) {
            Some(c @ ('*' | '·' | '×' | '⋅')) => {
                let (j, rhs) = cut(context(
                    "a factor after `·`",
                    signed(advance(j, c.len_utf8())),
                ))?;
                lhs = mul(lhs, rhs, BinOp::Mul);
                i = j;
            }
            Some('/') => {
                let j = advance(j, 1);
                if let Some((k, d)) = leibniz(&lhs, j)? {
                    lhs = d;
                    i = k;
                    continue;
                }
                let (j, rhs) = cut(context("a divisor after `/`", signed(j)))?;
                lhs = mul(lhs, rhs, BinOp::Div);
                i = j;
            }
            _ if can_start_factor(&j) => {
                let (j, rhs) = prefixed(j)?;
                lhs = mul(lhs, rhs, BinOp::Mul);
                i = j;
            }
            _ => break,
        }
    }
    Ok((i, lhs))
}

fn mul(lhs: Expr, rhs: Expr, op: BinOp) -> Expr {
    let span = lhs.span.join(rhs.span);
    Expr::new(ExprKind::Binary(op, Box::new(lhs), Box::new(rhs)), span)
}

/// `dX/dθ` with θ a declared parameter: `lhs` is the name `dX` (or an
/// application of it) and the input is just after `/`.
fn leibniz<'a>(
    lhs: &Expr,
    after_slash: In<'a>,
) -> Result<Option<(In<'a>, Expr)>, nom::Err<SyntaxError>> {
    let head = match &lhs.kind {
        ExprKind::Name(n) => n,
        ExprKind::Apply { head, .. } => head,
        _ => return Ok(None),
    };
    if !head.base.starts_with('d') || head.base.chars().count() < 2 {
        return Ok(None);
    }
    let j = sp(after_slash);
    let Ok((k, (w, wspan))) = word(j) else {
        return Ok(None);
    };
    let Some(p) = w.strip_prefix('d') else {
        return Ok(None);
    };
    let p = greek(p).map_or_else(|| p.to_string(), str::to_string);
    if p.is_empty() || !after_slash.state.params.borrow().contains(&p) {
        return Ok(None);
    }
    let (k, nprimes) = primes(k);
    // Strip the `d` from the differentiated name.
    let rest: String = head.base.chars().skip(1).collect();
    let mut inner = lhs.clone();
    let strip = |n: &mut Name| {
        n.base = greek(&rest).map_or_else(|| rest.clone(), str::to_string);
        n.span.start += 1;
    };
    match &mut inner.kind {
        ExprKind::Name(n) => strip(n),
        ExprKind::Apply { head, .. } => strip(head),
        _ => {}
    }
    let pspan = Span::new(wspan.start + 1, abs(&k));
    let param = Name {
        base: p,
        primes: nprimes,
        sub: vec![],
        span: pspan,
    };
    let span = lhs.span.join(pspan);
    Ok(Some((
        k,
        Expr::new(
            ExprKind::Deriv {
                param: Some(Box::new(param)),
                body: Box::new(inner),
            },
            span,
        ),
    )))
}

/// `signed := '-' signed | prefixed`
fn signed(i: In) -> PResult<Expr> {
    if let Some((j, span)) = sym(i, &["-", "−"]) {
        let _g = DepthGuard::enter(&j)?;
        let (j, e) = cut(context("an expression after `-`", signed(j)))?;
        let s = span.join(e.span);
        return Ok((j, Expr::new(ExprKind::Neg(Box::new(e)), s)));
    }
    prefixed(i)
}

/// The prefix operators, big operators, and powers.
fn prefixed(i: In) -> PResult<Expr> {
    let _g = DepthGuard::enter(&i)?;
    let i = sp(i);
    let start = abs(&i);
    // Most factors are names and numbers: dispatch on the first character
    // before trying the operator spellings.
    match peek(&i) {
        Some(
            '∇' | 'g' | '∂' | 'p' | 'd' | 'l' | 'e' | 's' | '√' | 'Σ' | '∑' | 'Π' | '∏' | '𝔼' | 'E'
            | '∫' | 'i',
        ) => {}
        _ => return power(i),
    }
    // ∇_θ X
    if let Some((j, _)) = sym(i, &["∇", "grad"]) {
        let (j, param) = if peek(&j) == Some('_') {
            let k = advance(j, 1);
            let (k, n) = if peek(&k) == Some('{') {
                let k = advance(k, 1);
                let (k, n) = cut(context("the parameter, as in ∇_θ", name(k)))?;
                let (k, _) = cut(expect(k, &["}"], "`}`"))?;
                (k, n)
            } else {
                cut(context("the parameter, as in ∇_θ", name(k)))?
            };
            (k, Some(n))
        } else {
            (j, None)
        };
        let (j, body) = cut(context("the expression to differentiate", prefixed(j)))?;
        let span = Span::new(start, body.span.end);
        return Ok((
            j,
            Expr::new(
                ExprKind::Deriv {
                    param: param.map(Box::new),
                    body: Box::new(body),
                },
                span,
            ),
        ));
    }
    // ∂/∂θ X and ∂X/∂θ
    if let Some((j, _)) = sym(i, &["∂", "partial"]) {
        if let Some((k, _)) = sym(j, &["/"]) {
            let (k, _) = cut(expect(k, &["∂", "partial"], "`∂` as in ∂/∂θ"))?;
            let (k, param) = cut(context("the parameter, as in ∂/∂θ", name(k)))?;
            let (k, body) = cut(context("the expression to differentiate", prefixed(k)))?;
            let span = Span::new(start, body.span.end);
            return Ok((
                k,
                Expr::new(
                    ExprKind::Deriv {
                        param: Some(Box::new(param)),
                        body: Box::new(body),
                    },
                    span,
                ),
            ));
        }
        let (j, body) = cut(context("the expression to differentiate", prefixed(j)))?;
        let (j, _) = cut(expect(j, &["/"], "`/∂θ` after ∂X"))?;
        let (j, _) = cut(expect(j, &["∂", "partial"], "`∂θ` after ∂X/"))?;
        let (j, param) = cut(context("the parameter, as in ∂X/∂θ", name(j)))?;
        let span = Span::new(start, abs(&j));
        return Ok((
            j,
            Expr::new(
                ExprKind::Deriv {
                    param: Some(Box::new(param)),
                    body: Box::new(body),
                },
                span,
            ),
        ));
    }
    // d/dθ X
    if i.fragment().starts_with("d/d") {
        let j = advance(i, 3);
        let (j, param) = cut(context("the parameter, as in d/dθ", name(j)))?;
        let (j, body) = cut(context("the expression to differentiate", prefixed(j)))?;
        let span = Span::new(start, body.span.end);
        return Ok((
            j,
            Expr::new(
                ExprKind::Deriv {
                    param: Some(Box::new(param)),
                    body: Box::new(body),
                },
                span,
            ),
        ));
    }
    // log, ln, exp, sqrt
    for (spellings, f) in [
        (&["log", "ln"][..], Func::Log),
        (&["exp"][..], Func::Exp),
        (&["sqrt", "√"][..], Func::Sqrt),
    ] {
        if let Some((j, _)) = sym(i, spellings) {
            let k = sp(j);
            if matches!(peek(&k), Some('(' | '[')) {
                // An application: `^` applies to its result, so `log(x)^2`
                // is (log x)², as in LaTeX's `\log(x)^2` and every CAS.
                let (k, arg) = cut(context("an argument", primary(k)))?;
                let span = Span::new(start, arg.span.end);
                let app = Expr::new(ExprKind::Func(f, Box::new(arg)), span);
                return power_of(app, k);
            }
            let (j, body) = cut(context("an argument", prefixed(j)))?;
            let span = Span::new(start, body.span.end);
            return Ok((j, Expr::new(ExprKind::Func(f, Box::new(body)), span)));
        }
    }
    // Σ, Π
    for (spellings, op) in [
        (&["Σ", "∑", "sum"][..], BigOp::Sum),
        (&["Π", "∏", "prod"][..], BigOp::Prod),
    ] {
        if let Some((j, _)) = sym(i, spellings) {
            return big(j, start, op);
        }
    }
    // ∫_x, int_x
    if let Some((j, _)) = sym(i, &["∫"]) {
        return integral::integral(j, start);
    }
    if i.fragment().starts_with("int_") {
        return integral::integral(advance(i, 3), start);
    }
    // E
    if let Some((j, _)) = sym(i, &["𝔼"]) {
        return expectation(j, start);
    }
    if i.fragment().starts_with('E') {
        let after = &i.fragment()[1..];
        if after.starts_with('_') || after.starts_with('[') {
            return expectation(advance(i, 1), start);
        }
    }
    power(i)
}

/// After Σ or Π: `_binder (^bound)? body`.
fn big(j: In, start: usize, op: BigOp) -> PResult<Expr> {
    const WHAT: &str = "a subscript naming the bound variable, as in Σ_τ or Σ_{i=1}^{N}";
    if peek(&j) != Some('_') {
        return failure(&j, WHAT);
    }
    let j = advance(j, 1);
    let (j, var, domain_lo) = if peek(&j) == Some('{') {
        let k = advance(j, 1);
        let (k, var) = cut(context(WHAT, name(k)))?;
        let (k, d) = if let Some((k, _)) = sym(k, &["∈", "in"]) {
            let (k, set) = cut(context("a set name", name(k)))?;
            (k, Some(Ok(set)))
        } else if let Some((k, _)) = sym(k, &["="]) {
            let (k, lo) = cut(context("the first index", expr(k)))?;
            (k, Some(Err(lo)))
        } else {
            (k, None)
        };
        let (k, _) = cut(expect(k, &["}"], "`}`"))?;
        (k, var, d)
    } else {
        let (k, e) = cut(context(WHAT, sub_token(j)))?;
        match e.kind {
            ExprKind::Name(n) => (k, n, None),
            _ => return failure(&j, WHAT),
        }
    };
    let upper = if peek(&j) == Some('^') {
        let k = advance(j, 1);
        if peek(&k) == Some('{') {
            let (k, mut list) = cut(braced_list(k))?;
            if list.len() != 1 {
                return failure(&k, "one upper bound");
            }
            Some((k, list.remove(0)))
        } else {
            let (k, e) = cut(context("the last index", sub_token(k)))?;
            Some((k, e))
        }
    } else {
        None
    };
    let (j, domain) = match (domain_lo, upper) {
        (None, None) => (j, Domain::Declared),
        (Some(Ok(set)), None) => (j, Domain::Set(set)),
        (Some(Err(lo)), Some((k, hi))) => (k, Domain::Range(Box::new(lo), Box::new(hi))),
        (Some(Err(_)), None) => {
            return failure(&j, "`^` and the last index, as in Σ_{i=1}^{N}");
        }
        (_, Some(_)) => {
            return failure_msg(
                abs(&j),
                "an upper bound needs a first index".into(),
                Some("write Σ_{i=1}^{N}".into()),
            );
        }
    };
    let (j, body) = cut(context("the body of the Σ or Π", term(j)))?;
    let span = Span::new(start, body.span.end);
    Ok((
        j,
        Expr::new(
            ExprKind::Big {
                op,
                var: Box::new(var),
                domain: Box::new(domain),
                body: Box::new(body),
            },
            span,
        ),
    ))
}

/// After `E`: `_draws ([body] | body)`.
fn expectation(j: In, start: usize) -> PResult<Expr> {
    const WHAT: &str = "the draws, as in E_{τ~Pr_θ}[…]";
    if peek(&j) != Some('_') {
        return failure_msg(
            abs(&j),
            "an expectation needs its draws".into(),
            Some("write E_{τ~Pr_θ}[…]".into()),
        );
    }
    let j = advance(j, 1);
    let (j, draws) = if peek(&j) == Some('{') {
        let k = advance(j, 1);
        let (mut k, first) = cut(context(WHAT, draw(k)))?;
        let mut draws = vec![first];
        while let Some((k2, _)) = sym(k, &[","]) {
            let (k3, d) = cut(context(WHAT, draw(k2)))?;
            draws.push(d);
            k = k3;
        }
        let (k, _) = cut(expect(k, &["}"], "`}`"))?;
        (k, draws)
    } else {
        let (k, d) = cut(context(WHAT, draw(j)))?;
        (k, vec![d])
    };
    let (j, body) = if let Some((k, _)) = sym(j, &["["]) {
        let _g = DepthGuard::enter(&k)?;
        let (k, body) = cut(context("the expected quantity", expr(k)))?;
        let (k, _) = cut(expect(k, &["]"], "`]`"))?;
        (k, body)
    } else {
        cut(context("the expected quantity", term(j)))?
    };
    let span = Span::new(start, abs(&j).max(body.span.end));
    Ok((
        j,
        Expr::new(
            ExprKind::Expect {
                draws,
                body: Box::new(body),
            },
            span,
        ),
    ))
}

/// `τ ~ Pr_θ` or `a ~ π_θ(·|s)`.
fn draw(i: In) -> PResult<Draw> {
    let (j, var) = name(i)?;
    let (j, _) = cut(expect(j, &["~", "∼"], "`~`, as in τ~Pr_θ"))?;
    let (j, dist) = cut(context("a distribution", postfix(sp(j))))?;
    Ok((j, Draw { var, dist }))
}

/// `power := postfix ('^' exponent)?`, right-associative.
fn power(i: In) -> PResult<Expr> {
    let (j, base) = postfix(i)?;
    power_of(base, j)
}

/// `base`, raised to the exponent at `j` if a `^` follows; or, when the
/// exponent is a transpose mark and a factor follows, the inner product
/// `base^T v` of `base` and that factor.
fn power_of(base: Expr, j: In) -> PResult<Expr> {
    let k = sp(j);
    if peek(&k) == Some('^') {
        if let (k, Some(inner)) = transpose(&base, advance(k, 1))? {
            return Ok((k, inner));
        }
        let _g = DepthGuard::enter(&k)?;
        let (k, e) = cut(context("an exponent", exponent(advance(k, 1))))?;
        let span = base.span.join(e.span);
        return Ok((
            k,
            Expr::new(ExprKind::Pow(Box::new(base), Box::new(e)), span),
        ));
    }
    Ok((j, base))
}

/// After `u^`: a transpose `⊤` (`{⊤}`), or the letter `T` (`{T}`) when a
/// factor follows it, read with that factor as the inner product `⟨u, v⟩`.
/// A `⊤` with no factor after it is an error; a `T` with none is a power.
fn transpose<'a>(base: &Expr, i: In<'a>) -> PResult<'a, Option<Expr>> {
    let i = sp(i);
    let mark = |j: In<'a>| -> Option<(In<'a>, InnerForm)> {
        if let Some((k, _)) = sym(j, &["⊤"]) {
            return Some((k, InnerForm::TransposeTop));
        }
        let k = sp(j);
        let rest = k.fragment();
        let after = rest.get(1..).and_then(|r| r.chars().next());
        if rest.starts_with('T')
            && !after.is_some_and(|c| is_ident_continue(c) || matches!(c, '_' | '\'' | '′'))
        {
            return Some((advance(k, 1), InnerForm::TransposeT));
        }
        None
    };
    let (j, form) = if peek(&i) == Some('{') {
        match mark(advance(i, 1)) {
            Some((k, form)) => match sym(k, &["}"]) {
                Some((k, _)) => (k, form),
                None => return Ok((i, None)),
            },
            None => return Ok((i, None)),
        }
    } else {
        match mark(i) {
            Some(m) => m,
            None => return Ok((i, None)),
        }
    };
    if !can_start_factor(&j) {
        if form == InnerForm::TransposeTop {
            return failure(
                &sp(j),
                "the vector after the transpose, as in θ^⊤ φ(s, a) (an inner product)",
            );
        }
        return Ok((i, None));
    }
    let _g = DepthGuard::enter(&j)?;
    let (k, right) = cut(context("the vector after the transpose", prefixed(j)))?;
    let span = base.span.join(right.span);
    Ok((
        k,
        Some(Expr::new(
            ExprKind::Inner {
                left: Box::new(base.clone()),
                right: Box::new(right),
                form,
            },
            span,
        )),
    ))
}

fn exponent(i: In) -> PResult<Expr> {
    let i = sp(i);
    if let Some((j, span)) = sym(i, &["-", "−"]) {
        let _g = DepthGuard::enter(&j)?;
        let (j, e) = exponent(j)?;
        let s = span.join(e.span);
        return Ok((j, Expr::new(ExprKind::Neg(Box::new(e)), s)));
    }
    if peek(&i) == Some('{') {
        let (j, mut list) = braced_list(i)?;
        if list.len() != 1 {
            return failure(&i, "one exponent");
        }
        return Ok((j, list.remove(0)));
    }
    power(i)
}

/// A name applied to arguments (no space before `(`), or a primary.
fn postfix(i: In) -> PResult<Expr> {
    let i = sp(i);
    let (j, e) = primary(i)?;
    if peek(&j) != Some('(') {
        return Ok((j, e));
    }
    let head = match e.kind {
        ExprKind::Name(head) => head,
        kind => return Ok((j, Expr::new(kind, e.span))),
    };
    let _g = DepthGuard::enter(&j)?;
    let k = advance(j, 1);
    let (k, args) = if integral::is_gaussian_head(&head) {
        // The first argument is read once: a `;` after it makes the
        // normal density, else the arguments go on as usual.
        let (k1, first) = cut(context("the arguments", expr(k)))?;
        let first = match integral::gaussian(&head, first, k1, e.span.start)? {
            integral::Read::Gaussian(k, g) => return Ok((k, g)),
            integral::Read::Argument(first) => first,
        };
        let (mut k, mut args) = (k1, vec![first]);
        while let Some((k2, _)) = sym(k, &[","]) {
            let (k3, a) = cut(expr(k2))?;
            args.push(a);
            k = k3;
        }
        (k, args)
    } else {
        cut(context("the arguments", arg_list(k)))?
    };
    let (k, cond) = if let Some((k2, _)) = sym(k, &["|", "∣"]) {
        cut(context("the conditioning arguments", arg_list(k2)))?
    } else {
        (k, vec![])
    };
    let (k, _) = cut(expect(k, &[")"], "`)` or `,`"))?;
    let span = Span::new(e.span.start, abs(&k));
    Ok((
        k,
        Expr::new(
            ExprKind::Apply {
                head: Box::new(head),
                args,
                cond,
            },
            span,
        ),
    ))
}

fn arg_list(i: In) -> PResult<Vec<Expr>> {
    let (mut j, first) = expr(i)?;
    let mut args = vec![first];
    while let Some((k, _)) = sym(j, &[","]) {
        let (k, e) = cut(expr(k))?;
        args.push(e);
        j = k;
    }
    Ok((j, args))
}

fn primary(i: In) -> PResult<Expr> {
    let i = sp(i);
    let start = abs(&i);
    let Some(c) = peek(&i) else {
        return fail(&i, "an expression");
    };
    match c {
        '0'..='9' => number(i),
        '(' | '[' => {
            let _g = DepthGuard::enter(&i)?;
            let close = if c == '(' { ")" } else { "]" };
            let (j, mut e) = cut(context("an expression", expr(advance(i, 1))))?;
            let (j, _) = cut(expect(j, &[close], if c == '(' { "`)`" } else { "`]`" }))?;
            e.span = Span::new(start, abs(&j));
            Ok((j, e))
        }
        '|' => {
            let _g = DepthGuard::enter(&i)?;
            let (j, e) = cut(context("an expression", expr(advance(i, 1))))?;
            let (j, _) = cut(expect(j, &["|"], "`|` closing the absolute value"))?;
            let span = Span::new(start, abs(&j));
            Ok((j, Expr::new(ExprKind::Abs(Box::new(e)), span)))
        }
        '⟨' | '<' => {
            let _g = DepthGuard::enter(&i)?;
            let close = if c == '<' { ">" } else { "⟩" };
            let (j, left) = cut(context("a vector", expr(advance(i, c.len_utf8()))))?;
            let (j, _) = cut(expect(
                j,
                &[","],
                "`,` between the vectors of an inner product",
            ))?;
            let (j, right) = cut(context("a vector", expr(j)))?;
            let (j, _) = cut(expect(
                j,
                &[close],
                if c == '<' {
                    "`>` closing the inner product"
                } else {
                    "`⟩` closing the inner product"
                },
            ))?;
            let span = Span::new(start, abs(&j));
            Ok((
                j,
                Expr::new(
                    ExprKind::Inner {
                        left: Box::new(left),
                        right: Box::new(right),
                        form: InnerForm::Angle,
                    },
                    span,
                ),
            ))
        }
        '·' | '⋅' => {
            let j = advance(i, c.len_utf8());
            Ok((
                j,
                Expr::new(
                    ExprKind::Placeholder,
                    Span::new(start, start + c.len_utf8()),
                ),
            ))
        }
        _ if is_ident_start(c) => {
            let (j, (base, wspan)) = word(i)?;
            if is_reserved(&base) {
                return fail(&i, "an expression");
            }
            let (j, n) = name_rest(j, base, wspan)?;
            let span = n.span;
            Ok((j, Expr::new(ExprKind::Name(n), span)))
        }
        _ => fail(&i, "an expression"),
    }
}

/// The relations and their spellings, tried in order.
const RELATIONS: [(&[&str], Relation); 5] = [
    (&["≈", "~="], Relation::Approx),
    (&["≤", "<="], Relation::Le),
    (&["≥", ">="], Relation::Ge),
    (&["∝", "propto"], Relation::Propto),
    (&["="], Relation::Eq),
];

/// The first bytes of the relations' spellings.
const RELATION_STARTS: [bool; 256] = {
    let mut t = [false; 256];
    let mut k = 0;
    while k < RELATIONS.len() {
        let spellings = RELATIONS[k].0;
        let mut m = 0;
        while m < spellings.len() {
            t[spellings[m].as_bytes()[0] as usize] = true;
            m += 1;
        }
        k += 1;
    }
    t
};

/// A relation symbol.
fn relation(i: In) -> Option<(In, Relation, Span)> {
    // Most calls are at the end of an expression: one byte rules them out.
    let first = *sp(i).fragment().as_bytes().first()?;
    if !RELATION_STARTS[usize::from(first)] {
        return None;
    }
    for (spellings, r) in RELATIONS {
        if let Some((j, span)) = sym(i, spellings) {
            if r == Relation::Eq && j.fragment().starts_with('=') {
                return None;
            }
            return Some((j, r, span));
        }
    }
    None
}

fn end_of_line(i: In) -> PResult<()> {
    let j = sp(i);
    if j.fragment().is_empty() {
        Ok((j, ()))
    } else {
        fail(&j, "the end of the line")
    }
}

// ------------------------------------------------------------------ items

/// Parse one expression from the whole input (used by tests and by other
/// readers), knowing no parameters. Fails unless everything is consumed.
pub fn parse_expr(text: &str, base: usize) -> Result<Expr, SyntaxError> {
    parse_expr_in(text, base, &ParseContext::default())
}

/// Parse one expression from the whole input, with the parameters `ctx`
/// knows (for `dX/dθ`). Fails unless everything is consumed.
pub fn parse_expr_in(text: &str, base: usize, ctx: &ParseContext) -> Result<Expr, SyntaxError> {
    let state = State::new(ctx);
    let i = In::new(text, base, &state);
    let r = expr(i).and_then(|(j, e)| end_of_line(j).map(|(j, _)| (j, e)));
    let e = finish(r)?;
    check_depth(&e)?;
    Ok(e)
}

/// Deepest tree any expression may have. Long operator chains build deep
/// trees without brackets, so this is checked on the tree, iteratively.
/// Default: 400.
pub const MAX_TREE_DEPTH: usize = 400;

/// The depth of an expression tree, computed without recursion.
pub fn tree_depth(e: &Expr) -> usize {
    let mut stack = Vec::with_capacity(32);
    stack.push((e, 1usize));
    let mut max = 0;
    while let Some((x, d)) = stack.pop() {
        max = max.max(d);
        x.for_each_child(|c| stack.push((c, d + 1)));
    }
    max
}

fn check_depth(e: &Expr) -> Result<(), SyntaxError> {
    // Each level of a tree takes at least one byte of its text (an
    // operator, a bracket, a name, or the factor beside it), so a short
    // expression cannot be deep: the walk is for long ones.
    if e.span.end.saturating_sub(e.span.start) < MAX_TREE_DEPTH / 2 {
        return Ok(());
    }
    if tree_depth(e) > MAX_TREE_DEPTH {
        return Err(SyntaxError {
            at: e.span.start,
            expected: None,
            message: Some(format!(
                "expression is nested more than {MAX_TREE_DEPTH} levels deep"
            )),
            hint: Some("split it into steps or definitions".into()),
        });
    }
    Ok(())
}

fn finish<O>(r: PResult<O>) -> Result<O, SyntaxError> {
    match r {
        Ok((_, o)) => Ok(o),
        Err(nom::Err::Error(e) | nom::Err::Failure(e)) => Err(e),
        Err(nom::Err::Incomplete(_)) => Err(SyntaxError {
            at: 0,
            expected: Some("more input"),
            message: None,
            hint: None,
        }),
    }
}

/// A parsed file: its items and every syntax error.
#[derive(Clone, Debug, Default)]
pub struct ParsedFile {
    /// Items in file order.
    pub items: Vec<Item>,
    /// Syntax errors, in file order.
    pub errors: Vec<SyntaxError>,
}

/// A chain line: an optional leading relation, then `expr (REL expr)*`.
type ChainLine = (Option<(Relation, Span)>, Expr, Vec<(Relation, Expr)>);

fn chain_line(i: In) -> PResult<ChainLine> {
    let (i, lead) = match relation(i) {
        Some((j, r, span)) => (j, Some((r, span))),
        None => (i, None),
    };
    let (mut i, first) = context("an expression", expr(i))?;
    let mut rest = Vec::new();
    while let Some((j, r, _)) = relation(i) {
        let (j, e) = cut(context("an expression after the relation", expr(j)))?;
        rest.push((r, e));
        i = j;
    }
    let (i, _) = end_of_line(i)?;
    Ok((i, (lead, first, rest)))
}

fn names(i: In) -> PResult<Vec<Name>> {
    let (mut j, first) = cut(context("a name", name(i)))?;
    let mut list = vec![first];
    while let Some((k, _)) = sym(j, &[","]) {
        let (k, n) = cut(context("a name", name(k)))?;
        list.push(n);
        j = k;
    }
    Ok((j, list))
}

fn head(i: In) -> PResult<Head> {
    let (j, n) = cut(context("a name", name(i)))?;
    if peek(&j) == Some('(') {
        let k = advance(j, 1);
        let (k, args) = names(k)?;
        let (k, cond) = if let Some((k2, _)) = sym(k, &["|", "∣"]) {
            names(k2)?
        } else {
            (k, vec![])
        };
        let (k, _) = cut(expect(k, &[")"], "`)` or `,`"))?;
        return Ok((
            k,
            Head {
                name: n,
                args,
                cond,
            },
        ));
    }
    Ok((
        j,
        Head {
            name: n,
            args: vec![],
            cond: vec![],
        },
    ))
}

fn quoted(i: In) -> PResult<Option<String>> {
    let j = sp(i);
    if peek(&j) != Some('"') {
        return Ok((j, None));
    }
    let s = &j.fragment()[1..];
    match s.find('"') {
        Some(k) => Ok((advance(j, k + 2), Some(s[..k].to_string()))),
        None => failure(&j, "a closing `\"`"),
    }
}

fn relation_or_fail(i: In) -> PResult<Relation> {
    match relation(i) {
        Some((j, r, _)) => Ok((j, r)),
        None => failure(&sp(i), "a relation (`=`, `≈`, `≤`, `≥` or `∝`)"),
    }
}

fn keyword_item<'a>(kw: &str, i: In<'a>) -> PResult<'a, ItemKind> {
    match kw {
        "param" => {
            let (j, ns) = names(i)?;
            i.state
                .params
                .borrow_mut()
                .extend(ns.iter().filter_map(|n| n.key()));
            Ok((j, ItemKind::Param(ns)))
        }
        "set" => names(i).map(|(j, ns)| (j, ItemKind::Set(ns))),
        "var" => {
            let (j, ns) = names(i)?;
            if let Some((k, _)) = sym(j, &["in", "∈"]) {
                let (k, set) = cut(context("a set name", name(k)))?;
                if integral::is_reals(&set) {
                    // `var x in ℝ`: a real variable.
                    return Ok((k, ItemKind::Var(ns, None)));
                }
                Ok((k, ItemKind::Var(ns, Some(set))))
            } else {
                Ok((j, ItemKind::Var(ns, None)))
            }
        }
        "fun" => {
            let (j, h) = head(i)?;
            if let Some((k, _)) = sym(j, &[":"]) {
                if let Some((k, _)) = sym(k, &["dist"]) {
                    let (k, n) = cut(context("the distribution's variable", name(k)))?;
                    return Ok((k, ItemKind::Fun(h, Some(FunAttr::Dist(n)))));
                }
                if let Some((k, _)) = sym(k, &["positive"]) {
                    return Ok((k, ItemKind::Fun(h, Some(FunAttr::Positive))));
                }
                if let Some((k, _)) = sym(k, &["real"]) {
                    return Ok((k, ItemKind::Fun(h, None)));
                }
                if let Some((k, _)) = sym(k, &["vector"]) {
                    return Ok((k, ItemKind::Fun(h, Some(FunAttr::Vector))));
                }
                return failure(&sp(k), "`dist x`, `positive`, `real` or `vector`");
            }
            Ok((j, ItemKind::Fun(h, None)))
        }
        "const" => {
            let (j, ns) = names(i)?;
            if let Some((k, _)) = sym(j, &[":"]) {
                for (w, kind) in [
                    ("count", ConstKind::Count),
                    ("positive", ConstKind::Positive),
                    ("real", ConstKind::Real),
                ] {
                    if let Some((k, _)) = sym(k, &[w]) {
                        return Ok((k, ItemKind::Const(ns, kind)));
                    }
                }
                return failure(&sp(k), "`count`, `positive` or `real`");
            }
            Ok((j, ItemKind::Const(ns, ConstKind::Real)))
        }
        "def" => {
            let (j, h) = head(i)?;
            let (j, _) = cut(expect(j, &["="], "`=` and the definition"))?;
            let (j, body) = cut(context("the definition", expr(j)))?;
            Ok((j, ItemKind::Def(h, body)))
        }
        "assume" => {
            let (j, l) = cut(context("an expression", expr(i)))?;
            let (j, r) = relation_or_fail(j)?;
            let (j, rhs) = cut(context("an expression", expr(j)))?;
            Ok((j, ItemKind::Assume(l, r, rhs)))
        }
        "claim" => {
            // `claim name: …` — a plain identifier and a colon.
            let j = sp(i);
            let (j, label) = match word(j) {
                Ok((k, (w, _))) if sym(k, &[":"]).is_some() && !is_reserved(&w) => {
                    let (k, _) = sym(k, &[":"]).unwrap_or((k, Span::default()));
                    (k, Some(w))
                }
                _ => (j, None),
            };
            let (j, l) = cut(context("the claim's left side", expr(j)))?;
            let (j, r) = relation_or_fail(j)?;
            let (j, rhs) = cut(context("the claim's right side", expr(j)))?;
            Ok((j, ItemKind::Claim(label, l, r, rhs)))
        }
        "mdp" => {
            let (j, _) = cut(expect(i, &["states"], "`states`"))?;
            let (j, s) = cut(context("the state set's name", name(j)))?;
            let (j, _) = cut(expect(j, &["actions"], "`actions`"))?;
            let (j, a) = cut(context("the action set's name", name(j)))?;
            let (j, _) = cut(expect(j, &["horizon"], "`horizon`"))?;
            let (j, h) = cut(context("the horizon's name", name(j)))?;
            let mut ps = i.state.params.borrow_mut();
            if !ps.iter().any(|p| p == "θ") {
                ps.push("θ".into());
            }
            Ok((
                j,
                ItemKind::Mdp {
                    states: s,
                    actions: a,
                    horizon: h,
                },
            ))
        }
        "sample" => {
            let (j, mut var) = cut(context("the sample, as in τ_i", name(i)))?;
            let index = match var.simple_sub() {
                Some(n) => n.clone(),
                None => return failure(&i, "an indexed sample name, as in τ_i"),
            };
            var.sub.clear();
            let (j, _) = cut(expect(j, &["~", "∼"], "`~`"))?;
            let (j, dist) = cut(context("a distribution", postfix(sp(j))))?;
            let (j, _) = cut(expect(j, &["for"], "`for i = 1..N`"))?;
            let (j, idx) = cut(context("the index", name(j)))?;
            if idx != index {
                return failure_msg(
                    idx.span.start,
                    format!(
                        "the index `{}` is not the sample's subscript `{}`",
                        idx.base, index.base
                    ),
                    None,
                );
            }
            let (j, _) = cut(expect(j, &["="], "`=`"))?;
            let (j, lo) = cut(context("the first index", term(j)))?;
            let (j, _) = cut(expect(j, &[".."], "`..`"))?;
            let (j, hi) = cut(context("the last index", term(j)))?;
            Ok((
                j,
                ItemKind::Sample {
                    var,
                    index,
                    dist,
                    lo,
                    hi,
                },
            ))
        }
        "points" => {
            let j = sp(i);
            let (j, n) = cut(context("a number of points", number(j)))?;
            match n.kind {
                ExprKind::Number(v) => Ok((j, ItemKind::Points(v))),
                _ => failure(&j, "a number"),
            }
        }
        "milestone" => {
            cut(context("an expression", expr(i))).map(|(j, e)| (j, ItemKind::Milestone(e)))
        }
        _ => failure(&i, "a declaration"),
    }
}

const KEYWORDS: &[&str] = &[
    "param",
    "set",
    "var",
    "fun",
    "const",
    "def",
    "assume",
    "claim",
    "derivation",
    "mdp",
    "sample",
    "points",
    "milestone",
    "rubric",
    "steps",
];

fn leading_keyword(code: &str) -> Option<&'static str> {
    let end = code
        .char_indices()
        .find(|&(_, c)| !c.is_ascii_alphabetic())
        .map_or(code.len(), |(k, _)| k);
    let w = &code[..end];
    KEYWORDS.iter().copied().find(|k| *k == w)
}

struct OpenChain {
    chain: Chain,
}

/// Parse a whole file, knowing no parameters but its own. Never panics;
/// every problem is a [`SyntaxError`].
pub fn parse_file(text: &str) -> ParsedFile {
    parse_file_in(text, &ParseContext::default())
}

/// Parse a whole file, knowing the parameters `ctx` knows besides its own
/// (for `dX/dθ`). Never panics; every problem is a [`SyntaxError`].
pub fn parse_file_in(text: &str, ctx: &ParseContext) -> ParsedFile {
    let mut out = ParsedFile::default();
    if text.len() > MAX_FILE_BYTES {
        out.errors.push(SyntaxError {
            at: 0,
            expected: None,
            message: Some(format!(
                "file is larger than the limit of {} bytes",
                MAX_FILE_BYTES
            )),
            hint: None,
        });
        return out;
    }
    let state = State::new(ctx);
    let (lines, line_errors) = logical_lines(text);
    for e in line_errors {
        out.errors.push(SyntaxError {
            at: e.span.start,
            expected: None,
            message: Some(e.message),
            hint: e.hint,
        });
    }
    let mut open: Option<OpenChain> = None;
    let mut header: Option<(Option<String>, Option<String>, Span)> = None;
    let mut steps_block: Option<(Vec<(String, Expr)>, Span)> = None;
    let mut chain_broken = false;

    let close = |open: &mut Option<OpenChain>, out: &mut ParsedFile| {
        if let Some(oc) = open.take() {
            let span = oc.chain.span;
            out.items.push(Item {
                kind: ItemKind::Chain(oc.chain),
                span,
            });
        }
    };
    let close_steps = |sb: &mut Option<(Vec<(String, Expr)>, Span)>, out: &mut ParsedFile| {
        if let Some((list, span)) = sb.take() {
            out.items.push(Item {
                kind: ItemKind::Steps(list),
                span,
            });
        }
    };

    for line in lines {
        state.depth.set(0);
        let (code, justification) = match line {
            Line::Broken => {
                // The chain this line belonged to cannot be checked.
                open = None;
                header = None;
                chain_broken = true;
                continue;
            }
            Line::Blank => {
                close(&mut open, &mut out);
                close_steps(&mut steps_block, &mut out);
                chain_broken = false;
                continue;
            }
            Line::Code {
                code,
                justification,
            } => (code, justification),
        };
        let slice = &text[code.start..code.end];
        let input = In::new(slice, code.start, &state);
        let just = justification.map(|(j, _)| j);

        if let Some(kw) = leading_keyword(slice) {
            close(&mut open, &mut out);
            close_steps(&mut steps_block, &mut out);
            chain_broken = false;
            let rest = advance(input, kw.len());
            match kw {
                "derivation" => {
                    let r = quoted(rest).and_then(|(j, name)| {
                        let (j, proves) = match sym(j, &["proves"]) {
                            Some((k, _)) => {
                                let (k, n) = cut(context("a claim name", name_word(k)))?;
                                (k, Some(n))
                            }
                            None => (j, None),
                        };
                        let (j, _) = end_of_line(j)?;
                        Ok((j, (name, proves)))
                    });
                    match finish(r) {
                        Ok((name, proves)) => header = Some((name, proves, code)),
                        Err(e) => out.errors.push(e),
                    }
                }
                "rubric" => out.items.push(Item {
                    kind: ItemKind::Rubric(rest.fragment().trim().to_string()),
                    span: code,
                }),
                "steps" => match finish(end_of_line(rest)) {
                    Ok(()) => steps_block = Some((Vec::new(), code)),
                    Err(e) => out.errors.push(e),
                },
                _ => {
                    let r = keyword_item(kw, rest).and_then(|(j, item)| {
                        let (j, _) = end_of_line(j)?;
                        Ok((j, item))
                    });
                    match finish(r).and_then(|kind| {
                        kind.exprs().into_iter().try_for_each(check_depth)?;
                        Ok(kind)
                    }) {
                        Ok(kind) => out.items.push(Item { kind, span: code }),
                        Err(e) => out.errors.push(e),
                    }
                }
            }
            continue;
        }

        // A labelled step of a `steps` block: `A: expr`.
        if let Some((list, span)) = steps_block.as_mut() {
            let r = (|| {
                let (j, (label, _)) = context("a label, as in `A: …`", word(sp(input)))?;
                let (j, _) = cut(expect(j, &[":"], "`:` after the label"))?;
                let (j, e) = cut(context("an expression", expr(j)))?;
                let (j, _) = end_of_line(j)?;
                Ok((j, (label, e)))
            })();
            match finish(r).and_then(|entry| check_depth(&entry.1).map(|_| entry)) {
                Ok(entry) => {
                    *span = span.join(code);
                    list.push(entry);
                }
                Err(e) => out.errors.push(e),
            }
            continue;
        }

        let line = finish(chain_line(input)).and_then(|(lead, first, rest)| {
            check_depth(&first)?;
            rest.iter().try_for_each(|(_, e)| check_depth(e))?;
            Ok((lead, first, rest))
        });
        match line {
            Ok((lead, first, rest)) => {
                if let Some((rel, rspan)) = lead {
                    match open.as_mut() {
                        Some(oc) => {
                            let mut steps = vec![(rel, first)];
                            steps.extend(rest);
                            let n = steps.len();
                            for (k, (relation, expr)) in steps.into_iter().enumerate() {
                                oc.chain.span = oc.chain.span.join(expr.span);
                                oc.chain.steps.push(Step {
                                    relation,
                                    expr,
                                    justification: if k + 1 == n { just.clone() } else { None },
                                });
                            }
                        }
                        None if chain_broken => {}
                        None => out.errors.push(SyntaxError {
                            at: rspan.start,
                            expected: None,
                            message: Some(format!(
                                "a step starting with `{}` needs an expression before it",
                                rel.symbol()
                            )),
                            hint: Some("start the chain with an expression on its own line".into()),
                        }),
                    }
                } else {
                    close(&mut open, &mut out);
                    let (name, proves, hspan) = match header.take() {
                        Some((n, p, s)) => (n, p, Some(s)),
                        None => (None, None, None),
                    };
                    let span = hspan.unwrap_or(first.span).join(first.span);
                    let mut chain = Chain {
                        name,
                        proves,
                        span,
                        start: first,
                        steps: Vec::new(),
                    };
                    let n = rest.len();
                    for (k, (relation, expr)) in rest.into_iter().enumerate() {
                        chain.span = chain.span.join(expr.span);
                        chain.steps.push(Step {
                            relation,
                            expr,
                            justification: if k + 1 == n { just.clone() } else { None },
                        });
                    }
                    open = Some(OpenChain { chain });
                    chain_broken = false;
                }
            }
            Err(e) => {
                out.errors.push(e);
                // The chain this line belonged to cannot be checked.
                open = None;
                header = None;
                chain_broken = true;
            }
        }
    }
    close(&mut open, &mut out);
    close_steps(&mut steps_block, &mut out);
    out
}

fn name_word(i: In) -> PResult<String> {
    let (j, (w, _)) = word(sp(i))?;
    Ok((j, w))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::print::print_expr;

    #[track_caller]
    fn parses_as(src: &str, printed: &str) {
        let e = parse_expr(src, 0).unwrap_or_else(|e| panic!("{src}: {e:?}"));
        assert_eq!(print_expr(&e), printed, "{src}");
    }

    #[test]
    fn prefix_operator_takes_one_factor() {
        parses_as("∇_θ log Pr_θ(τ) R(τ)", "∇_θ log Pr_θ(τ) · R(τ)");
    }

    #[test]
    fn big_operator_takes_the_rest_of_the_term() {
        parses_as("Σ_τ Pr_θ(τ) R(τ) + c", "Σ_τ Pr_θ(τ) · R(τ) + c");
        parses_as("∇_θ Σ_τ Pr_θ(τ) R(τ)", "∇_θ Σ_τ Pr_θ(τ) · R(τ)");
    }

    #[test]
    fn unicode_white_space_separates_tokens() {
        parses_as(
            "Pr_θ(τ)\u{00A0}R(τ)\u{2003}+\u{3000}c",
            "Pr_θ(τ) · R(τ) + c",
        );
        parses_as("a\u{202F}−\u{205F}∇_θ\u{1680}f_θ", "a - ∇_θ f_θ");
    }

    #[test]
    fn operator_spellings_need_their_first_character() {
        parses_as("p ∂/∂θ θ^2", "p · ∇_θ (θ^2)");
        parses_as("prod_{i=1}^{3} i", "Π_{i=1}^{3} i");
        parses_as("graded d/dθ θ", "graded · ∇_θ θ");
        parses_as("exp x · sqrt y / ln z", "exp x · sqrt y / log z");
    }

    /// What lets `check_depth` skip short expressions: no tree is deeper
    /// than its text is long, in bytes, plus one.
    #[test]
    fn a_tree_is_no_deeper_than_its_text_is_long() {
        for text in [
            "--------x",
            "2x",
            "2 3 4 5 6",
            "a^b^c^d",
            "f(g(h(x)))",
            "∇∇∇x",
            "a_{b_{c_{d}}}",
            "Σ_i Σ_j Σ_k i j k",
            "E_{x~p}[E_{y~q}[x y]]",
            "dX/dθ",
            "|(|(|x|)|)|",
            "log exp sqrt x",
            "1/2/3/4",
        ] {
            let e = parse_expr(text, 0).unwrap_or_else(|e| panic!("{text}: {e:?}"));
            let bytes = e.span.end - e.span.start;
            assert!(
                tree_depth(&e) <= bytes + 1,
                "{text}: depth {} for {bytes} bytes",
                tree_depth(&e)
            );
        }
    }

    #[test]
    fn names_start_with_letters_only() {
        for c in ('\u{0370}'..='\u{03FF}').chain('\u{2200}'..='\u{22FF}') {
            let letter = c.is_alphabetic() && !matches!(c, 'Σ' | 'Π' | '∑' | '∏');
            assert_eq!(is_ident_start(c), letter, "{c} U+{:04X}", c as u32);
        }
    }

    #[test]
    fn division_is_left_associative_with_juxtaposition() {
        parses_as("a / b c", "a / b · c");
        parses_as("a / (b c)", "a / (b · c)");
    }

    #[test]
    fn ascii_spellings_name_the_same_objects() {
        let a = parse_expr("grad_theta sum_tau Pr_theta(tau) R(tau)", 0).unwrap();
        let b = parse_expr("∇_θ Σ_τ Pr_θ(τ) R(τ)", 0).unwrap();
        assert_eq!(a, b);
    }

    #[test]
    fn derivative_forms_agree() {
        let a = parse_expr("∂Pr_θ(τ)/∂θ", 0).unwrap();
        let b = parse_expr("∂/∂θ Pr_θ(τ)", 0).unwrap();
        let c = parse_expr("d/dθ Pr_θ(τ)", 0).unwrap();
        let d = parse_expr("∇_θ Pr_θ(τ)", 0).unwrap();
        assert_eq!(a, b);
        assert_eq!(b, c);
        assert_eq!(c, d);
    }

    #[test]
    fn expectation_with_several_draws() {
        parses_as(
            "E_{s~ρ, a~π_θ(·|s)}[r(s, a)]",
            "E_{s ~ ρ, a ~ π_θ(· | s)}[r(s, a)]",
        );
    }

    #[test]
    fn numbers_are_exact() {
        let e = parse_expr("0.7", 0).unwrap();
        assert_eq!(
            e.kind,
            ExprKind::Number(BigRational::new(7.into(), 10.into()))
        );
        let e = parse_expr("1e-3", 0).unwrap();
        assert_eq!(
            e.kind,
            ExprKind::Number(BigRational::new(1.into(), 1000.into()))
        );
    }

    #[test]
    fn power_binds_tighter_than_minus_and_log() {
        parses_as("-x^2", "-x^2");
        parses_as("log x^2", "log (x^2)");
        parses_as("exp 2x^2", "exp 2 · x^2");
        parses_as("log f(x)^2", "log (f(x)^2)");
        parses_as("x^y^z", "x^y^z");
        parses_as("(x^y)^z", "(x^y)^z");
    }

    #[test]
    fn a_power_of_a_bracketed_function_applies_to_its_result() {
        parses_as("log(x)^2", "(log x)^2");
        parses_as("log (x)^2", "(log x)^2");
        parses_as("ln(x)^2", "(log x)^2");
        parses_as("exp[x]^2", "(exp x)^2");
        parses_as("exp(x)^2", "(exp x)^2");
        parses_as("sqrt(x)^2", "(sqrt x)^2");
        parses_as("√(x)^2", "(sqrt x)^2");
        parses_as("log(c)^-1", "(log c)^-1");
        parses_as("log(x)^2^3", "(log x)^2^3");
        parses_as("log(x)^{2}", "(log x)^2");
        parses_as("-log(x)^2", "-(log x)^2");
        parses_as("2 log(x)^2 y", "2 · (log x)^2 · y");
        parses_as("log(a + b)^2", "(log (a + b))^2");
        parses_as("log((a + b)^2)", "log ((a + b)^2)");
        parses_as("log(x) y", "log x · y");
        parses_as("exp(x)(y)", "exp x · y");
        parses_as("log(Pr_θ(τ))^2 R(τ)", "(log Pr_θ(τ))^2 · R(τ)");
        let pow = parse_expr("exp(x)^2", 0).unwrap();
        let ExprKind::Pow(base, _) = &pow.kind else {
            panic!("{pow:?}")
        };
        assert!(
            matches!(base.kind, ExprKind::Func(Func::Exp, _)),
            "{base:?}"
        );
        assert_eq!((base.span.start, base.span.end, pow.span.end), (0, 6, 8));
    }

    #[test]
    fn a_derivative_of_a_bracketed_power_differentiates_the_power() {
        parses_as("∇_θ (f_θ)^2", "∇_θ (f_θ^2)");
        parses_as("∇_θ(f_θ)^2", "∇_θ (f_θ^2)");
        parses_as("d/dθ (f_θ)^2", "∇_θ (f_θ^2)");
        parses_as("∂/∂θ (a + f_θ)^2", "∇_θ ((a + f_θ)^2)");
        parses_as("(∇_θ f_θ)^2", "(∇_θ f_θ)^2");
        parses_as("∇_θ log(f_θ)^2", "∇_θ ((log f_θ)^2)");
    }

    #[test]
    fn ranges_and_subscripts() {
        parses_as(
            "Σ_{t=0}^{H-1} log π_θ(a_t | s_t)",
            "Σ_{t=0}^{H - 1} log π_θ(a_t | s_t)",
        );
        parses_as("P(s_{t+1} | s_t, a_t)", "P(s_{t + 1} | s_t, a_t)");
    }

    #[test]
    fn deep_nesting_is_an_error_not_an_overflow() {
        let src = "(".repeat(500) + "x" + &")".repeat(500);
        assert!(parse_expr(&src, 0).is_err());
        let src = "-".repeat(5000) + "x";
        assert!(parse_expr(&src, 0).is_err());
    }

    #[test]
    fn long_operator_chains_are_bounded() {
        let src = vec!["x"; 5000].join(" + ");
        let e = parse_expr(&src, 0).unwrap_err();
        assert!(e.message.unwrap().contains("levels deep"));
        let f = parse_file(&format!("{src}\n= 1\n"));
        assert_eq!(f.errors.len(), 1);
    }

    #[test]
    fn file_with_chain_and_justifications() {
        let f = parse_file(
            "param θ\nset T\n\nderivation \"d\"\n  a\n  = b   by one\n  = c = d by two\n",
        );
        assert!(f.errors.is_empty(), "{:?}", f.errors);
        let chain = f
            .items
            .iter()
            .find_map(|i| match &i.kind {
                ItemKind::Chain(c) => Some(c),
                _ => None,
            })
            .unwrap();
        assert_eq!(chain.name.as_deref(), Some("d"));
        assert_eq!(chain.steps.len(), 3);
        assert_eq!(chain.steps[0].justification.as_deref(), Some("one"));
        assert_eq!(chain.steps[1].justification, None);
        assert_eq!(chain.steps[2].justification.as_deref(), Some("two"));
    }

    #[test]
    fn errors_recover_at_the_next_line() {
        let f = parse_file("param θ\nfun f(x\nconst c\nx + + y\nconst d\n");
        assert_eq!(f.errors.len(), 2, "{:?}", f.errors);
        assert_eq!(f.items.len(), 3);
    }

    #[test]
    fn leibniz_form_with_a_parameter_declared_elsewhere() {
        let f = parse_file_in("dJ/dθ\n", &ParseContext::with_params(vec!["θ".into()]));
        match &f.items[0].kind {
            ItemKind::Chain(c) => assert!(matches!(c.start.kind, ExprKind::Deriv { .. })),
            other => panic!("{other:?}"),
        }
        let f = parse_file("dJ/dθ\n");
        match &f.items[0].kind {
            ItemKind::Chain(c) => assert!(matches!(c.start.kind, ExprKind::Binary(BinOp::Div, ..))),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn inner_products_and_transposes() {
        parses_as("⟨θ, φ(s, a)⟩", "⟨θ, φ(s, a)⟩");
        parses_as("<θ, φ(s, a)> + 1", "⟨θ, φ(s, a)⟩ + 1");
        parses_as("2 θ^T φ(s, a) r", "2 · θ^T φ(s, a) · r");
        parses_as("θ^⊤ (φ(s, a) - ψ)", "θ^⊤ (φ(s, a) - ψ)");
        parses_as("θ^{T} φ", "θ^T φ");
        parses_as("exp(θ^T φ(s, b))", "exp (θ^T φ(s, b))");
        // `T` with no factor after it is an exponent; so is a longer name.
        parses_as("γ^T + 1", "γ^T + 1");
        parses_as("γ^T_1 R", "γ^T_1 · R");
        assert!(parse_expr("θ^⊤", 0).is_err());
        assert!(parse_expr("⟨θ φ⟩", 0).is_err());
    }

    #[test]
    fn less_or_equal_is_not_an_inner_product() {
        let f = parse_file("x\n<= y\n");
        assert!(f.errors.is_empty(), "{:?}", f.errors);
    }

    #[test]
    fn leibniz_form_needs_a_declared_param() {
        let f = parse_file("param x\ndf(x)/dx\n");
        assert!(f.errors.is_empty(), "{:?}", f.errors);
        match &f.items[1].kind {
            ItemKind::Chain(c) => assert!(matches!(c.start.kind, ExprKind::Deriv { .. })),
            other => panic!("{other:?}"),
        }
        let f = parse_file("param θ\ndf/dx\n");
        match &f.items[1].kind {
            ItemKind::Chain(c) => assert!(matches!(c.start.kind, ExprKind::Binary(BinOp::Div, ..))),
            other => panic!("{other:?}"),
        }
    }
}
