//! A math block's tokens → rows of `.deriv` expression text and relations.
//!
//! In: the expanded tokens of one block (`align`, `$$ … $$`, …). Out: its
//! [`Row`]s — the block cut at `\\` — each a list of [`Part`]s: expression
//! text translated to `.deriv` notation (a [`Mapped`] text that remembers
//! the original span of every piece) and the relations `=`, `\approx`,
//! `\leq`, `\geq`, `\propto` between them, with the row's justification
//! (`\text{…}` at the end, an `&&` column, or a `% by …` comment).
//!
//! The translation keeps the `.deriv` grammar's meaning of LaTeX: a
//! `\frac` is one bracketed factor, a braced group is a bracketed factor,
//! scripts are braced (`a_t` → `a_{t}`), `\frac{\partial X}{\partial θ}`
//! and `\frac{d}{dθ}` are derivatives, fonts (`\mathrm`, `\mathbb`,
//! `\operatorname`, …) name what they hold, and spacing is dropped. A run
//! of letters is one name, as in `.deriv` (`Pr`, `Traj`). A command that
//! is not understood is an error that names it, at its column.

mod integral;

use super::error;
use super::lexer::{Tok, Token};
use super::mapped::Mapped;
use crate::syntax::ast::Relation;
use crate::syntax::parser::SyntaxError;
use crate::syntax::Span;

/// Most braces open at once in a formula, and most nested constructs.
/// Deeper input is an error, not a stack overflow. Default: 64.
pub const MAX_GROUP_DEPTH: usize = 64;

/// A piece of a row: expression text, or a relation between expressions.
#[derive(Clone, Debug)]
pub enum Part {
    /// Expression text in `.deriv` notation.
    Text(Mapped),
    /// A relation, with the span of its symbol.
    Rel(Relation, Span),
}

/// One row of a block (the text between two `\\`).
#[derive(Clone, Debug, Default)]
pub struct Row {
    /// Expressions and relations in order.
    pub parts: Vec<Part>,
    /// The row's justification, without a leading `by`.
    pub justification: Option<String>,
    /// A `% by …` comment before any formula of the row (just after the
    /// `\\` that ended the row above): the justification of the step above.
    pub justification_above: Option<String>,
}

/// Cut a block into rows and translate each. Every row with a problem
/// gives an error; the rows without one are returned all the same.
pub fn rows(tokens: &[Token]) -> (Vec<Row>, Vec<SyntaxError>) {
    let tokens = &without_inner_environments(tokens);
    let matching = match match_braces(tokens) {
        Ok(m) => m,
        Err(e) => return (Vec::new(), vec![e]),
    };
    let mut out = Vec::new();
    let mut errors = Vec::new();
    let mut depth = 0usize;
    let mut lo = 0;
    let mut i = 0;
    let mut ranges = Vec::new();
    while i < tokens.len() {
        match &tokens[i].tok {
            Tok::Open => depth += 1,
            Tok::Close => depth = depth.saturating_sub(1),
            Tok::Cmd(n) if depth == 0 && (n == "\\" || n == "cr") => {
                ranges.push((lo, i));
                i = skip_row_options(tokens, i + 1);
                lo = i;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    ranges.push((lo, tokens.len()));
    for (lo, hi) in ranges {
        let mut tr = Translator {
            toks: tokens,
            matching: &matching,
            parts: Vec::new(),
            out: Mapped::default(),
            paren: 0,
            last_word: false,
            depth: 0,
        };
        match tr.row(lo, hi) {
            Ok(row) => out.push(row),
            Err(e) => errors.push(e),
        }
    }
    (out, errors)
}

/// The tokens without `\begin{aligned}` and `\end{aligned}` (and `split`,
/// `gathered`, `alignedat`): inside display math they only lay the rows
/// out.
fn without_inner_environments(tokens: &[Token]) -> Vec<Token> {
    let mut out = Vec::with_capacity(tokens.len());
    let mut i = 0;
    while i < tokens.len() {
        let t = &tokens[i];
        if t.is_cmd("begin") || t.is_cmd("end") {
            let mut j = i + 1;
            while tokens.get(j).is_some_and(Token::is_blank) {
                j += 1;
            }
            if tokens.get(j).is_some_and(|x| x.tok == Tok::Open) {
                let mut name = String::new();
                let mut k = j + 1;
                while let Some(Tok::Char(c)) = tokens.get(k).map(|x| &x.tok) {
                    name.push(*c);
                    k += 1;
                }
                let closed = tokens.get(k).is_some_and(|x| x.tok == Tok::Close);
                let inner = matches!(
                    name.trim_end_matches('*'),
                    "aligned" | "split" | "gathered" | "alignedat"
                );
                if closed && inner {
                    i = k + 1;
                    if t.is_cmd("begin") && name == "alignedat" {
                        // The column count `{2}`.
                        let mut j = i;
                        while tokens.get(j).is_some_and(Token::is_blank) {
                            j += 1;
                        }
                        if tokens.get(j).is_some_and(|x| x.tok == Tok::Open) {
                            let close = tokens[j..].iter().position(|x| x.tok == Tok::Close);
                            i = close.map_or(i, |c| j + c + 1);
                        }
                    }
                    continue;
                }
            }
        }
        out.push(t.clone());
        i += 1;
    }
    out
}

/// After `\\`: an optional `*` and an optional `[length]`.
fn skip_row_options(tokens: &[Token], mut i: usize) -> usize {
    if tokens.get(i).is_some_and(|t| t.tok == Tok::Char('*')) {
        i += 1;
    }
    if tokens.get(i).is_some_and(|t| t.tok == Tok::Char('[')) {
        let mut j = i + 1;
        let mut len = String::new();
        while let Some(t) = tokens.get(j) {
            match &t.tok {
                Tok::Char(']') => {
                    let l = len.trim();
                    let unit = [
                        "pt", "em", "ex", "mm", "cm", "in", "bp", "mu", "pc", "sp", "dd",
                    ];
                    let number = l.trim_end_matches(|c: char| c.is_ascii_alphabetic());
                    if unit.iter().any(|u| l.ends_with(u))
                        && !number.trim().is_empty()
                        && number
                            .trim()
                            .chars()
                            .all(|c| c.is_ascii_digit() || c == '.' || c == '-')
                    {
                        return j + 1;
                    }
                    return i;
                }
                Tok::Char(c) => len.push(*c),
                Tok::Space => len.push(' '),
                _ => return i,
            }
            j += 1;
            if len.len() > 16 {
                return i;
            }
        }
    }
    i
}

/// For each `{` the index of its `}` and the other way round; an error at
/// the first brace without a partner, or past [`MAX_GROUP_DEPTH`].
fn match_braces(tokens: &[Token]) -> Result<Vec<usize>, SyntaxError> {
    let mut matching = vec![usize::MAX; tokens.len()];
    let mut stack: Vec<usize> = Vec::new();
    for (i, t) in tokens.iter().enumerate() {
        match t.tok {
            Tok::Open => {
                stack.push(i);
                if stack.len() > MAX_GROUP_DEPTH {
                    return Err(error(
                        t.span.start,
                        format!("braces nested more than {MAX_GROUP_DEPTH} deep"),
                        Some("split the formula into steps or definitions".into()),
                    ));
                }
            }
            Tok::Close => match stack.pop() {
                Some(o) => {
                    matching[o] = i;
                    matching[i] = o;
                }
                None => {
                    return Err(error(
                        t.span.start,
                        "unmatched `}`",
                        Some("remove it, or open it with `{`".into()),
                    ))
                }
            },
            _ => {}
        }
    }
    if let Some(&o) = stack.last() {
        return Err(error(
            tokens[o].span.start,
            "unclosed `{`",
            Some("close it with `}`".into()),
        ));
    }
    Ok(matching)
}

/// Greek letters and other letter commands, as the characters `.deriv`
/// reads, from the one table in [`crate::syntax::letters`]. `\Sigma` and
/// `\Pi` are spelled out, since `Σ` and `Π` are the big operators.
pub fn letter(name: &str) -> Option<&'static str> {
    match name {
        "Pi" => Some("Pi"),
        "Sigma" => Some("Sigma"),
        _ => crate::syntax::letters::text_of(name),
    }
}

fn is_spacing(name: &str) -> bool {
    matches!(
        name,
        "," | ";"
            | ":"
            | "!"
            | " "
            | "quad"
            | "qquad"
            | "enspace"
            | "enskip"
            | "thinspace"
            | "medspace"
            | "thickspace"
            | "negthinspace"
            | "negmedspace"
            | "negthickspace"
            | "hfill"
            | "space"
            | "nobreakspace"
            | "allowbreak"
    )
}

fn is_noop(name: &str) -> bool {
    matches!(
        name,
        "displaystyle"
            | "textstyle"
            | "scriptstyle"
            | "scriptscriptstyle"
            | "limits"
            | "nolimits"
            | "nonumber"
            | "notag"
            | "rm"
            | "mathstrut"
            | "strut"
            | "relax"
    )
}

/// Commands whose one argument is dropped (labels, tags, spacing).
fn is_skipped_with_argument(name: &str) -> bool {
    matches!(
        name,
        "label"
            | "tag"
            | "hspace"
            | "vspace"
            | "phantom"
            | "hphantom"
            | "vphantom"
            | "intertext"
            | "shortintertext"
    )
}

/// Fonts: the argument is a name (`\mathrm{Pr}`, `\mathbb{E}`) or a formula.
fn is_font(name: &str) -> bool {
    matches!(
        name,
        "mathbb"
            | "mathbf"
            | "boldsymbol"
            | "bm"
            | "mathrm"
            | "mathit"
            | "mathsf"
            | "mathtt"
            | "mathcal"
            | "mathscr"
            | "mathfrak"
            | "mathnormal"
            | "operatorname"
            | "mathop"
            | "mathord"
    )
}

/// Text-mode commands: a justification at the end of a row, or a name.
fn is_text(name: &str) -> bool {
    matches!(
        name,
        "text" | "textrm" | "textit" | "textnormal" | "mbox" | "textsf" | "textbf" | "emph"
    )
}

fn is_delimiter_size(name: &str) -> bool {
    matches!(
        name,
        "left"
            | "right"
            | "middle"
            | "big"
            | "Big"
            | "bigg"
            | "Bigg"
            | "bigl"
            | "bigr"
            | "Bigl"
            | "Bigr"
            | "biggl"
            | "biggr"
            | "Biggl"
            | "Biggr"
            | "bigm"
            | "Bigm"
    )
}

fn relation(name: &str) -> Option<Relation> {
    Some(match name {
        "approx" | "thickapprox" => Relation::Approx,
        "leq" | "le" | "leqslant" => Relation::Le,
        "geq" | "ge" | "geqslant" => Relation::Ge,
        "propto" | "varpropto" => Relation::Propto,
        _ => return None,
    })
}

fn char_relation(c: char) -> Option<Relation> {
    Some(match c {
        '=' => Relation::Eq,
        '≈' => Relation::Approx,
        '≤' => Relation::Le,
        '≥' => Relation::Ge,
        '∝' => Relation::Propto,
        _ => return None,
    })
}

/// Commands that are known and cannot be checked, with what to say.
fn unsupported(name: &str) -> Option<(String, Option<String>)> {
    let m = |s: &str, h: Option<&str>| Some((s.to_string(), h.map(str::to_string)));
    match name {
        "iint" | "iiint" | "oint" => m(
            "multiple and contour integrals cannot be checked",
            Some("write one integral over the real line, as in \\int f(x)\\,dx"),
        ),
        "infty" => m(
            "`\\infty` cannot be checked: sets, sums and ranges are finite",
            None,
        ),
        "cdots" | "ldots" | "dots" | "dotsc" | "dotsb" | "dotsm" | "vdots" | "ddots" => m(
            &format!("`\\{name}` cannot be checked"),
            Some("write the expression out in full, e.g. with \\sum or \\prod"),
        ),
        "neq" | "ne" | "lt" | "gt" | "ll" | "gg" | "equiv" | "simeq" | "cong" | "to"
        | "rightarrow" | "Rightarrow" | "implies" | "iff" | "mapsto" => m(
            &format!("the relation `\\{name}` cannot be checked"),
            Some("relate steps with =, \\approx, \\leq, \\geq or \\propto"),
        ),
        "triangleq" | "coloneqq" | "coloneq" | "doteq" | "eqqcolon" | "defeq" | "eqdef" => m(
            "a definition cannot be a step of a chain",
            Some("declare it with `%! def …` (in Markdown, in a ```deriv block)"),
        ),
        "hat" | "bar" | "tilde" | "widehat" | "widetilde" | "overline" | "underline" | "dot"
        | "ddot" | "vec" | "check" | "breve" | "acute" | "grave" => m(
            &format!("the accent `\\{name}` is not supported"),
            Some("write a plain name instead, e.g. g_{hat}"),
        ),
        "max" | "min" | "sup" | "inf" | "arg" | "argmax" | "argmin" => m(
            &format!(
                "`\\{name}` cannot be checked: a maximum, a minimum or the point that reaches one is not a value derivcheck computes"
            ),
            Some("check the expression being optimised as a chain of its own, or name the optimum with `%! def …`"),
        ),
        "lim" | "limsup" | "liminf" | "det" | "sin" | "cos" | "tan" | "tanh" | "sinh" | "cosh" => m(
            &format!("`\\{name}` cannot be checked"),
            Some("derivcheck reads sums, products, expectations, derivatives, log, exp and sqrt"),
        ),
        "|" | "Vert" | "lVert" | "rVert" | "lfloor" | "rfloor" | "lceil" | "rceil" => m(
            &format!("`\\{name}` is not supported"),
            Some("norms, floors and ceilings cannot be checked"),
        ),
        "dagger" => m(
            "`\\dagger` is not supported",
            Some("write a transpose as \\theta^\\top v or an inner product as \\langle u, v \\rangle"),
        ),
        "pm" | "mp" | "setminus" | "cup" | "cap" | "forall" | "exists" | "nabla2" => {
            m(&format!("`\\{name}` cannot be checked"), None)
        }
        _ => None,
    }
}

/// How a piece joins the text before it.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    /// A character of the source: letters run together into one name.
    Literal,
    /// A word from a command (`θ`, `log`): kept apart from letters around it.
    Word,
    /// An operator or bracket.
    Sym,
    /// An opening bracket the translation adds: never glued to a name.
    Wrap,
    /// Whitespace.
    Space,
}

struct Translator<'a> {
    toks: &'a [Token],
    matching: &'a [usize],
    parts: Vec<Part>,
    out: Mapped,
    paren: i64,
    last_word: bool,
    depth: usize,
}

type Res<T> = Result<T, SyntaxError>;

fn cmd_name(t: &Token) -> Option<&str> {
    match &t.tok {
        Tok::Cmd(n) => Some(n.as_str()),
        _ => None,
    }
}

/// Collapse whitespace, drop outer brackets and a leading `by`.
pub fn clean_justification(raw: &str) -> Option<String> {
    let mut s = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    if s.starts_with('(') && s.ends_with(')') && encloses(&s) {
        s = s[1..s.len() - 1].trim().to_string();
    }
    if let Some(rest) = s.strip_prefix("by ") {
        s = rest.trim().to_string();
    } else if s == "by" {
        s.clear();
    }
    (!s.is_empty()).then_some(s)
}

/// Whether the first `(` of `s` closes at its last character.
fn encloses(s: &str) -> bool {
    let mut depth = 0i64;
    for (k, c) in s.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    return k == s.len() - 1;
                }
            }
            _ => {}
        }
    }
    false
}

impl<'a> Translator<'a> {
    // ------------------------------------------------------------ rows

    fn row(&mut self, lo: usize, hi: usize) -> Res<Row> {
        let mut justification = None;
        let mut justification_above = None;
        let mut formula_seen = false;
        let mut k = lo;
        while k < hi {
            let t = &self.toks[k];
            match &t.tok {
                Tok::Comment(c) => {
                    let c = c.trim();
                    if c == "by" || c.starts_with("by ") {
                        let slot = if formula_seen {
                            &mut justification
                        } else {
                            &mut justification_above
                        };
                        if slot.is_none() {
                            *slot = clean_justification(c);
                        }
                    }
                }
                Tok::Space | Tok::Amp => {}
                Tok::Cmd(n) if is_spacing(n) || is_noop(n) => {}
                Tok::Open => {
                    formula_seen = true;
                    k = self.matching[k];
                }
                _ => formula_seen = true,
            }
            k += 1;
        }
        let mut math_hi = self.skip_back(lo, hi);
        if let Some((first, second)) = self.double_amp(lo, hi) {
            math_hi = self.skip_back(lo, first);
            if let Some(j) = clean_justification(&self.prose(second + 1, hi)) {
                justification = Some(j);
            }
        } else if let Some((start, text)) = self.trailing_text(lo, hi) {
            math_hi = self.skip_back(lo, start);
            if let Some(j) = clean_justification(&text) {
                justification = Some(j);
            }
        }
        self.seq(lo, math_hi, true)?;
        let last = std::mem::take(&mut self.out);
        if !last.is_blank() {
            self.parts.push(Part::Text(last));
        }
        Ok(Row {
            parts: std::mem::take(&mut self.parts),
            justification,
            justification_above,
        })
    }

    /// `&&` at the top level after some formula: the justification column.
    fn double_amp(&self, lo: usize, hi: usize) -> Option<(usize, usize)> {
        let mut seen_formula = false;
        let mut k = lo;
        while k < hi {
            match self.toks[k].tok {
                Tok::Amp if seen_formula => {
                    let mut j = k + 1;
                    while j < hi && self.toks[j].is_blank() {
                        j += 1;
                    }
                    if j < hi && self.toks[j].tok == Tok::Amp {
                        return Some((k, j));
                    }
                }
                Tok::Amp | Tok::Space | Tok::Comment(_) => {}
                Tok::Open => {
                    seen_formula = true;
                    k = self.matching[k];
                }
                _ => seen_formula = true,
            }
            k += 1;
        }
        None
    }

    /// Index one past the last token of `lo..k` that is not ignorable at
    /// the end of a row: spaces, comments, `&`, spacing, `\label{…}`,
    /// `\tag{…}`, `\nonumber`, a final `.` or `,`.
    fn skip_back(&self, lo: usize, mut k: usize) -> usize {
        while k > lo {
            let t = &self.toks[k - 1];
            match &t.tok {
                Tok::Space | Tok::Comment(_) | Tok::Amp | Tok::Char('.') | Tok::Char(',') => k -= 1,
                Tok::Cmd(n) if is_spacing(n) || n == "nonumber" || n == "notag" => k -= 1,
                Tok::Close => {
                    let open = self.matching[k - 1];
                    match self.command_before(lo, open) {
                        Some(c)
                            if is_skipped_with_argument(cmd_name(&self.toks[c]).unwrap_or("")) =>
                        {
                            k = c
                        }
                        _ => break,
                    }
                }
                _ => break,
            }
        }
        k
    }

    /// The command that takes the group opening at `open`, allowing a `*`
    /// and spaces between (`\tag*{…}`).
    fn command_before(&self, lo: usize, open: usize) -> Option<usize> {
        let mut c = open;
        while c > lo {
            c -= 1;
            match &self.toks[c].tok {
                Tok::Space => continue,
                Tok::Char('*') => continue,
                Tok::Cmd(_) => return Some(c),
                _ => return None,
            }
        }
        None
    }

    /// The justification written in the row itself: from the first
    /// top-level `\text{…}` that holds prose (not a single word, which is a
    /// name like `\text{Pr}`), is exactly `by`, or ends the row, to the end
    /// of the row: `\quad \text{(by …)}`, `\text{by definition of } J`,
    /// `\qquad (\text{…})`. Returns where it starts and its text.
    fn trailing_text(&self, lo: usize, hi: usize) -> Option<(usize, String)> {
        let end = self.skip_back(lo, hi);
        let mut k = lo;
        while k < end {
            let t = &self.toks[k];
            if t.tok == Tok::Open {
                k = self.matching[k] + 1;
                continue;
            }
            let is_text_cmd = cmd_name(t).is_some_and(is_text)
                && !(k > lo && matches!(self.toks[k - 1].tok, Tok::Sub | Tok::Sup));
            if !is_text_cmd {
                k += 1;
                continue;
            }
            let Ok((clo, chi, next)) = self.arg(k + 1, end, t, "") else {
                return None;
            };
            let word = self.word(clo, chi);
            let prose =
                word.is_none() || word.as_deref() == Some("by") || self.skip_back(lo, end) <= next;
            if !prose {
                k = next;
                continue;
            }
            let mut start = k;
            let mut b = k;
            while b > lo && self.toks[b - 1].is_blank() {
                b -= 1;
            }
            if b > lo && self.toks[b - 1].tok == Tok::Char('(') {
                let p = b - 1;
                let spaced = p == lo
                    || match &self.toks[p - 1].tok {
                        Tok::Space | Tok::Amp | Tok::Comment(_) => true,
                        Tok::Cmd(n) => is_spacing(n),
                        _ => false,
                    };
                if spaced {
                    start = p;
                }
            }
            return Some((start, self.prose(start, end)));
        }
        None
    }

    /// Tokens as prose: text commands unwrapped, escapes undone, formulas
    /// kept as written.
    fn prose(&self, lo: usize, hi: usize) -> String {
        let mut s = String::new();
        // Inside a text command's braces spaces are words' spaces; in the
        // formula around them they only keep letters apart.
        let mut text_until = 0;
        let mut k = lo;
        while k < hi {
            let t = &self.toks[k];
            if t.tok == Tok::Open && k > lo && cmd_name(&self.toks[k - 1]).is_some_and(is_text) {
                text_until = text_until.max(self.matching[k]);
            }
            match &t.tok {
                Tok::Char('$') => {}
                Tok::Space if k >= text_until => {
                    let next_letter = self.next_solid(k + 1, hi).is_some_and(
                        |j| matches!(self.toks[j].tok, Tok::Char(c) if c.is_alphanumeric()),
                    );
                    if next_letter && s.ends_with(|c: char| c.is_alphanumeric()) {
                        s.push(' ');
                    }
                }
                Tok::Char('~') | Tok::Space | Tok::Amp => s.push(' '),
                Tok::Char(c) => s.push(*c),
                Tok::Sub => s.push('_'),
                Tok::Sup => s.push('^'),
                Tok::Open | Tok::Close | Tok::Comment(_) | Tok::Param(_) => {}
                Tok::Cmd(n) if is_skipped_with_argument(n) => {
                    if let Some(j) = self.next_solid(k + 1, hi) {
                        if self.toks[j].tok == Tok::Open {
                            k = self.matching[j];
                        }
                    }
                }
                Tok::Cmd(n) => match n.as_str() {
                    "textbackslash" => s.push('\\'),
                    "nonumber" | "notag" | "left" | "right" | "displaystyle" => {}
                    "Pr" | "log" | "ln" | "exp" => s.push_str(n),
                    "nabla" => s.push('∇'),
                    "partial" => s.push('∂'),
                    "sum" => s.push('Σ'),
                    "prod" => s.push('Π'),
                    "cdot" => s.push('·'),
                    "times" => s.push('×'),
                    "sim" => s.push('~'),
                    "in" => s.push('∈'),
                    "mid" => s.push('|'),
                    "approx" => s.push('≈'),
                    "leq" | "le" => s.push('≤'),
                    "geq" | "ge" => s.push('≥'),
                    n if is_font(n) => {}
                    "textasciitilde" => s.push('~'),
                    "textasciicircum" => s.push('^'),
                    "_" | "%" | "&" | "#" | "$" | "{" | "}" => s.push_str(n),
                    n if is_spacing(n) => s.push(' '),
                    n if is_text(n) => {}
                    n => match letter(n) {
                        Some(l) => s.push_str(l),
                        None => {
                            s.push('\\');
                            s.push_str(n);
                        }
                    },
                },
            }
            k += 1;
        }
        s
    }

    // ------------------------------------------------------ emission

    fn emit(&mut self, s: &str, span: Span, kind: Kind) {
        if kind == Kind::Space {
            if !self.out.text.is_empty() && !self.out.text.ends_with(' ') {
                self.out.push(" ", span);
            }
            return;
        }
        let first = s.chars().next();
        if matches!(first, Some('_' | '^')) {
            self.out.trim_end();
        }
        if first == Some('(') && kind != Kind::Wrap {
            let t = self.out.text.trim_end();
            if t.ends_with(|c: char| c.is_alphanumeric() || c == '\'' || c == '}') {
                self.out.trim_end();
            }
        }
        if (kind == Kind::Word || self.last_word)
            && self.out.text.ends_with(|c: char| c.is_alphanumeric())
            && first.is_some_and(|c| c.is_alphanumeric())
        {
            self.out.push(" ", span);
        }
        self.out.push(s, span);
        self.last_word = kind == Kind::Word;
        for c in s.chars() {
            match c {
                '(' | '[' => self.paren += 1,
                ')' | ']' => self.paren -= 1,
                _ => {}
            }
        }
    }

    fn split(&mut self, r: Relation, span: Span) {
        let text = std::mem::take(&mut self.out);
        if !text.is_blank() {
            self.parts.push(Part::Text(text));
        }
        self.parts.push(Part::Rel(r, span));
        self.last_word = false;
    }

    // --------------------------------------------------- translation

    fn seq(&mut self, lo: usize, hi: usize, top: bool) -> Res<()> {
        let mut i = lo;
        while i < hi {
            i = self.item(i, hi, top)?;
        }
        Ok(())
    }

    /// Translate `lo..hi` one level deeper.
    fn nested(&mut self, lo: usize, hi: usize, at: Span) -> Res<()> {
        self.depth += 1;
        if self.depth > MAX_GROUP_DEPTH {
            return Err(error(
                at.start,
                format!("formula nested more than {MAX_GROUP_DEPTH} deep"),
                Some("split the formula into steps or definitions".into()),
            ));
        }
        self.seq(lo, hi, false)?;
        self.depth -= 1;
        Ok(())
    }

    fn next_solid(&self, mut j: usize, hi: usize) -> Option<usize> {
        while j < hi && self.toks[j].is_blank() {
            j += 1;
        }
        (j < hi).then_some(j)
    }

    /// The argument after `j`: `(content lo, content hi, next index)`.
    fn arg(&self, j: usize, hi: usize, cmd: &Token, what: &str) -> Res<(usize, usize, usize)> {
        let Some(j) = self.next_solid(j, hi) else {
            return Err(error(
                cmd.span.start,
                format!("`{}` needs {what}", show(cmd)),
                None,
            ));
        };
        match self.toks[j].tok {
            Tok::Open => {
                let m = self.matching[j];
                Ok((j + 1, m, m + 1))
            }
            Tok::Close | Tok::Amp => Err(error(
                self.toks[j].span.start,
                format!("`{}` needs {what}", show(cmd)),
                None,
            )),
            _ => Ok((j, j + 1, j + 1)),
        }
    }

    /// The argument of `_` or `^`: a group, one token, or a command with
    /// its own arguments (`x_\mathrm{ref}`, `x^\frac12`).
    fn script_arg(&self, j: usize, hi: usize, script: &Token) -> Res<(usize, usize, usize)> {
        let what = if script.tok == Tok::Sub {
            "a subscript"
        } else {
            "an exponent"
        };
        let Some(s) = self.next_solid(j, hi) else {
            return Err(error(
                script.span.start,
                format!("`{}` needs {what}", show(script)),
                None,
            ));
        };
        let t = &self.toks[s];
        let arity = match cmd_name(t) {
            Some("frac" | "dfrac" | "tfrac") => 2,
            Some(n) if n == "sqrt" || is_font(n) || is_text(n) => 1,
            _ => 0,
        };
        if arity == 0 {
            return self.arg(j, hi, script, what);
        }
        let mut next = s + 1;
        for _ in 0..arity {
            next = self.arg(next, hi, t, "an argument")?.2;
        }
        Ok((s, next, next))
    }

    fn item(&mut self, i: usize, hi: usize, top: bool) -> Res<usize> {
        let t = &self.toks[i];
        match &t.tok {
            Tok::Space | Tok::Comment(_) => {
                self.emit(" ", t.span, Kind::Space);
                Ok(i + 1)
            }
            Tok::Amp if top => {
                self.emit(" ", t.span, Kind::Space);
                Ok(i + 1)
            }
            Tok::Amp => Err(error(
                t.span.start,
                "`&` inside braces",
                Some("alignment marks `&` belong at the top level of a row".into()),
            )),
            Tok::Open => self.group(i),
            Tok::Close => Err(error(t.span.start, "unmatched `}`", None)),
            Tok::Sub | Tok::Sup => self.script(i, hi),
            Tok::Param(n) => Err(error(
                t.span.start,
                format!("`#{n}` outside a macro definition"),
                None,
            )),
            Tok::Char(c) => {
                self.char(*c, t.span, top)?;
                Ok(i + 1)
            }
            Tok::Cmd(name) => self.command(name, i, hi, top),
        }
    }

    fn char(&mut self, c: char, span: Span, top: bool) -> Res<()> {
        if let Some(r) = char_relation(c) {
            if top && self.paren == 0 {
                self.split(r, span);
                return Ok(());
            }
        }
        match c {
            '~' => self.emit(" ", span, Kind::Space),
            '$' => {
                return Err(error(
                    span.start,
                    "`$` inside a formula",
                    Some("a display formula is not closed where it should be".into()),
                ))
            }
            c if c.is_alphanumeric() || c == '.' || c == '\'' => {
                let mut b = [0u8; 4];
                self.emit(c.encode_utf8(&mut b), span, Kind::Literal)
            }
            c => {
                let mut b = [0u8; 4];
                self.emit(c.encode_utf8(&mut b), span, Kind::Sym)
            }
        }
        Ok(())
    }

    /// A bare `{…}`: a bracketed factor, or nothing when empty.
    fn group(&mut self, i: usize) -> Res<usize> {
        let m = self.matching[i];
        let open = self.toks[i].span;
        let solid: Vec<usize> = (i + 1..m).filter(|&k| !self.toks[k].is_blank()).collect();
        match solid.as_slice() {
            [] => self.emit(" ", open, Kind::Space),
            [k] if matches!(self.toks[*k].tok, Tok::Char(c) if c.is_alphanumeric())
                || cmd_name(&self.toks[*k]).is_some_and(|n| letter(n).is_some()) =>
            {
                self.nested(i + 1, m, open)?
            }
            _ => {
                self.emit("(", open, Kind::Wrap);
                self.nested(i + 1, m, open)?;
                self.emit(")", self.toks[m].span, Kind::Sym);
            }
        }
        Ok(m + 1)
    }

    fn script(&mut self, i: usize, hi: usize) -> Res<usize> {
        let t = &self.toks[i];
        let (lo, chi, next) = self.script_arg(i + 1, hi, t)?;
        let solid: Vec<usize> = (lo..chi).filter(|&k| !self.toks[k].is_blank()).collect();
        if solid.is_empty() {
            return Err(error(t.span.start, format!("empty `{}`", show(t)), None));
        }
        if t.tok == Tok::Sup && solid.iter().all(|&k| self.toks[k].is_cmd("prime")) {
            for &k in &solid {
                self.emit("'", self.toks[k].span, Kind::Literal);
            }
            return Ok(next);
        }
        let open = if t.tok == Tok::Sub { "_{" } else { "^{" };
        self.emit(open, t.span, Kind::Sym);
        self.last_word = false;
        self.nested(lo, chi, t.span)?;
        self.out.trim_end();
        let end = self.toks[next - 1].span;
        self.emit("}", end, Kind::Sym);
        Ok(next)
    }

    /// A name made of what the group holds, when it is only letters,
    /// digits and letter commands.
    fn word(&self, lo: usize, hi: usize) -> Option<String> {
        let mut w = String::new();
        for t in &self.toks[lo..hi] {
            match &t.tok {
                Tok::Char(c) if c.is_alphanumeric() => w.push(*c),
                Tok::Space | Tok::Comment(_) | Tok::Open | Tok::Close => {}
                Tok::Cmd(n) if is_spacing(n) => {}
                Tok::Cmd(n) => w.push_str(letter(n)?),
                _ => return None,
            }
        }
        Some(w)
    }

    /// Whether the innermost open bracket of the text so far is the
    /// argument list of a divergence (`KL(`, `D_{KL}(`).
    fn inside_divergence(&self) -> bool {
        let t = &self.out.text;
        let mut depth = 0usize;
        for (k, c) in t.char_indices().rev() {
            match c {
                ')' => depth += 1,
                '(' if depth == 0 => {
                    let before = t[..k].trim_end();
                    return before.ends_with("KL") || before.ends_with("KL}");
                }
                '(' => depth -= 1,
                _ => {}
            }
        }
        false
    }

    fn command(&mut self, name: &str, i: usize, hi: usize, top: bool) -> Res<usize> {
        let t = &self.toks[i];
        let span = t.span;
        if let Some(l) = letter(name) {
            self.emit(l, span, Kind::Word);
            return Ok(i + 1);
        }
        if let Some(r) = relation(name) {
            if top && self.paren == 0 {
                self.split(r, span);
            } else {
                self.emit(r.symbol(), span, Kind::Sym);
            }
            return Ok(i + 1);
        }
        if is_spacing(name) {
            self.emit(" ", span, Kind::Space);
            return Ok(i + 1);
        }
        if is_noop(name) {
            return Ok(i + 1);
        }
        let simple = |s: &str, kind: Kind| (s.to_string(), kind);
        let direct = match name {
            "nabla" => Some(simple("∇", Kind::Sym)),
            "partial" => {
                let sub = self
                    .next_solid(i + 1, hi)
                    .is_some_and(|k| self.toks[k].tok == Tok::Sub);
                Some(simple(if sub { "∇" } else { "∂" }, Kind::Sym))
            }
            "sum" => Some(simple("Σ", Kind::Sym)),
            "prod" => Some(simple("Π", Kind::Sym)),
            "log" | "ln" | "exp" | "Pr" => Some(simple(name, Kind::Word)),
            "cdot" | "centerdot" => Some(simple("·", Kind::Sym)),
            "times" => Some(simple("×", Kind::Sym)),
            "ast" => Some(simple("*", Kind::Sym)),
            "div" => Some(simple("/", Kind::Sym)),
            "mid" | "vert" | "lvert" | "rvert" => Some(simple("|", Kind::Sym)),
            "{" | "lbrace" => Some(simple("(", Kind::Sym)),
            "}" | "rbrace" => Some(simple(")", Kind::Sym)),
            "lbrack" => Some(simple("[", Kind::Sym)),
            "rbrack" => Some(simple("]", Kind::Sym)),
            "sim" | "thicksim" => Some(simple("~", Kind::Sym)),
            // Inner products: `\langle u, v \rangle`, `\theta^\top v`.
            "langle" => Some(simple("⟨", Kind::Sym)),
            "rangle" => Some(simple("⟩", Kind::Sym)),
            "top" | "intercal" => Some(simple("⊤", Kind::Sym)),
            "in" => Some(simple("∈", Kind::Sym)),
            "prime" => Some(simple("'", Kind::Literal)),
            _ => None,
        };
        if let Some((s, kind)) = direct {
            self.emit(&s, span, kind);
            return Ok(i + 1);
        }
        match name {
            "frac" | "dfrac" | "tfrac" | "cfrac" => self.frac(i, hi),
            "int" => self.integral(i, hi),
            "sqrt" => {
                if let Some(k) = self.next_solid(i + 1, hi) {
                    if self.toks[k].tok == Tok::Char('[') {
                        return Err(error(
                            self.toks[k].span.start,
                            "roots other than the square root are not supported",
                            Some("write x^{1/n}".into()),
                        ));
                    }
                }
                let (lo, chi, next) = self.arg(i + 1, hi, t, "an argument")?;
                self.emit("(sqrt(", span, Kind::Wrap);
                self.nested(lo, chi, span)?;
                self.emit("))", self.toks[next - 1].span, Kind::Sym);
                Ok(next)
            }
            n if is_font(n) => {
                let mut j = i + 1;
                if self.toks.get(j).is_some_and(|x| x.tok == Tok::Char('*')) {
                    j += 1;
                }
                let (lo, chi, next) = self.arg(j, hi, t, "an argument")?;
                match self.word(lo, chi) {
                    // `\operatorname*{arg\,max}` is `\argmax`, not a name.
                    Some(w)
                        if matches!(
                            w.as_str(),
                            "max" | "min" | "argmax" | "argmin" | "arg" | "sup" | "inf"
                        ) =>
                    {
                        let (message, hint) = unsupported(&w).unwrap_or_default();
                        return Err(error(span.start, message, hint));
                    }
                    // `\mathcal{N}(…)`: the normal density.
                    Some(w)
                        if n == "mathcal"
                            && w == "N"
                            && self
                                .next_solid(next, hi)
                                .is_some_and(|k| self.toks[k].tok == Tok::Char('(')) =>
                    {
                        let w_span = Span::new(span.start, self.toks[next - 1].span.end);
                        self.emit(crate::syntax::parser::GAUSSIAN, w_span, Kind::Word)
                    }
                    Some(w) => {
                        let w_span = Span::new(span.start, self.toks[next - 1].span.end);
                        self.emit(&w, w_span, Kind::Word)
                    }
                    None => self.nested(lo, chi, span)?,
                }
                Ok(next)
            }
            n if is_text(n) => {
                let (lo, chi, next) = self.arg(i + 1, hi, t, "an argument")?;
                match self.word(lo, chi) {
                    Some(w)
                        if matches!(
                            w.as_str(),
                            "max" | "min" | "argmax" | "argmin" | "arg" | "sup" | "inf"
                        ) =>
                    {
                        let (message, hint) = unsupported(&w).unwrap_or_default();
                        Err(error(span.start, message, hint))
                    }
                    Some(w) => {
                        let w_span = Span::new(span.start, self.toks[next - 1].span.end);
                        self.emit(&w, w_span, Kind::Word);
                        Ok(next)
                    }
                    None => Err(error(
                        span.start,
                        format!("`\\{n}{{…}}` inside a formula"),
                        Some(
                            "a justification goes at the end of the row: \\text{by …}, \
                             `&& \\text{…}` or `% by …`"
                                .into(),
                        ),
                    )),
                }
            }
            n if is_delimiter_size(n) => self.delimiter(n, i, hi, top),
            n if is_skipped_with_argument(n) => {
                let mut j = i + 1;
                if self.toks.get(j).is_some_and(|x| x.tok == Tok::Char('*')) {
                    j += 1;
                }
                let (_, _, next) = self.arg(j, hi, t, "an argument")?;
                self.emit(" ", span, Kind::Space);
                Ok(next)
            }
            "begin" | "end" => {
                // `aligned` and its kin were taken out before; any other
                // environment inside a formula is not a derivation's.
                let (lo, chi, _) = self.arg(i + 1, hi, t, "an environment name")?;
                let env = self.prose(lo, chi);
                Err(error(
                    span.start,
                    format!("the environment `{env}` cannot hold a derivation"),
                    Some("write steps in align, equation, gather or multline".into()),
                ))
            }
            // Inside `D_{KL}(…)` the bar between the distributions.
            "|" if self.inside_divergence() => {
                self.emit("|", span, Kind::Sym);
                Ok(i + 1)
            }
            "\\" | "cr" => Err(error(
                span.start,
                "a line break inside braces",
                Some("rows are separated by `\\\\` at the top level".into()),
            )),
            "" => Err(error(
                span.start,
                "a lone `\\` at the end of the formula",
                None,
            )),
            _ => match unsupported(name) {
                Some((message, hint)) => Err(error(span.start, message, hint)),
                None => Err(error(
                    span.start,
                    format!("unknown LaTeX command `\\{name}`"),
                    Some(
                        "define it with \\newcommand before it is used, or write it with \
                         the commands listed in the README"
                            .into(),
                    ),
                )),
            },
        }
    }

    /// `\left`, `\right`, `\big` and friends: the size is dropped and the
    /// delimiter read as usual; `\left.` is nothing.
    fn delimiter(&mut self, name: &str, i: usize, hi: usize, top: bool) -> Res<usize> {
        let t = &self.toks[i];
        let needs = matches!(name, "left" | "right" | "middle");
        let missing = || {
            error(
                t.span.start,
                format!("`\\{name}` needs a delimiter such as ( [ or |"),
                None,
            )
        };
        let Some(j) = self.next_solid(i + 1, hi) else {
            return if needs { Err(missing()) } else { Ok(i + 1) };
        };
        let d = &self.toks[j];
        let is_delim = match &d.tok {
            Tok::Char('.') => return Ok(j + 1),
            Tok::Char('(' | ')' | '[' | ']' | '|' | '/') => true,
            Tok::Cmd(n) => matches!(
                n.as_str(),
                "{" | "}"
                    | "lbrace"
                    | "rbrace"
                    | "lbrack"
                    | "rbrack"
                    | "vert"
                    | "lvert"
                    | "rvert"
                    | "|"
                    | "Vert"
                    | "lVert"
                    | "rVert"
                    | "langle"
                    | "rangle"
                    | "lfloor"
                    | "rfloor"
                    | "lceil"
                    | "rceil"
                    | "mid"
            ),
            _ => false,
        };
        if is_delim {
            self.item(j, hi, top)
        } else if needs {
            Err(missing())
        } else {
            Ok(i + 1)
        }
    }

    /// `\frac{a}{b}`: a bracketed quotient, or a derivative
    /// (`\frac{\partial X}{\partial θ}`, `\frac{d}{dθ} X`).
    fn frac(&mut self, i: usize, hi: usize) -> Res<usize> {
        let t = &self.toks[i];
        let span = t.span;
        let (nlo, nhi, n1) = self.arg(i + 1, hi, t, "a numerator and a denominator")?;
        let (dlo, dhi, next) = self.arg(n1, hi, t, "a denominator")?;
        let close = self.toks[next - 1].span;
        if let Some((op, body, param)) = self.derivative(nlo, nhi, dlo, dhi)? {
            let (blo, bhi) = body;
            let (plo, phi) = param;
            let prefix = format!("{op}/{op}");
            if (blo..bhi).all(|k| self.toks[k].is_blank()) {
                self.emit(&prefix, span, Kind::Word);
                self.emit(" ", span, Kind::Space);
                self.nested(plo, phi, span)?;
                self.out.trim_end();
                self.emit(" ", close, Kind::Space);
            } else {
                self.emit(&format!("({prefix}"), span, Kind::Wrap);
                self.emit(" ", span, Kind::Space);
                self.nested(plo, phi, span)?;
                self.out.trim_end();
                self.emit(" (", span, Kind::Wrap);
                self.nested(blo, bhi, span)?;
                self.emit("))", close, Kind::Sym);
            }
            return Ok(next);
        }
        self.emit("((", span, Kind::Wrap);
        self.nested(nlo, nhi, span)?;
        let mid = self.toks.get(n1).map_or(span, |x| x.span);
        self.emit(")/(", mid, Kind::Sym);
        self.nested(dlo, dhi, span)?;
        self.emit("))", close, Kind::Sym);
        Ok(next)
    }

    /// A `d` of a derivative: `d`, `\mathrm{d}`, `\text{d}`,
    /// `\operatorname{d}`. Returns the index after it.
    fn d_token(&self, k: usize, hi: usize) -> Option<usize> {
        let t = &self.toks[k];
        match &t.tok {
            Tok::Char('d') => Some(k + 1),
            Tok::Cmd(n) if is_font(n) || is_text(n) => {
                let (lo, chi, next) = self.arg(k + 1, hi, t, "").ok()?;
                (self.word(lo, chi)? == "d").then_some(next)
            }
            _ => None,
        }
    }

    /// The operator, the differentiated body and the parameter of a
    /// derivative written as a fraction.
    fn derivative(
        &self,
        nlo: usize,
        nhi: usize,
        dlo: usize,
        dhi: usize,
    ) -> Res<Option<Derivative>> {
        let (Some(n0), Some(d0)) = (self.next_solid(nlo, nhi), self.next_solid(dlo, dhi)) else {
            return Ok(None);
        };
        let is_script =
            |k: Option<usize>| k.is_some_and(|k| matches!(self.toks[k].tok, Tok::Sub | Tok::Sup));
        if self.toks[n0].is_cmd("partial") && self.toks[d0].is_cmd("partial") {
            for k in [self.next_solid(n0 + 1, nhi), self.next_solid(d0 + 1, dhi)] {
                if is_script(k) {
                    let at = self.toks[k.unwrap_or(n0)].span.start;
                    return Err(error(
                        at,
                        "higher and partial-index derivatives cannot be checked",
                        Some("write one first derivative at a time, as \\frac{\\partial X}{\\partial \\theta}".into()),
                    ));
                }
            }
            if self.next_solid(d0 + 1, dhi).is_none() {
                return Ok(None);
            }
            return Ok(Some(("∂", (n0 + 1, nhi), (d0 + 1, dhi))));
        }
        let (Some(n1), Some(d1)) = (self.d_token(n0, nhi), self.d_token(d0, dhi)) else {
            return Ok(None);
        };
        let after_d = self.next_solid(d1, dhi);
        if after_d.is_none() || is_script(after_d) || is_script(self.next_solid(n1, nhi)) {
            return Ok(None);
        }
        Ok(Some(("d", (n1, nhi), (d1, dhi))))
    }
}

/// A derivative written as a fraction: the operator (`∂` or `d`), the token
/// range of the differentiated body and of the parameter.
type Derivative = (&'static str, (usize, usize), (usize, usize));

/// A token as written, for messages.
fn show(t: &Token) -> String {
    match &t.tok {
        Tok::Cmd(n) => format!("\\{n}"),
        Tok::Sub => "_".into(),
        Tok::Sup => "^".into(),
        Tok::Char(c) => c.to_string(),
        _ => "this".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::latex::lexer::lex;

    /// The rows of a formula as text: `|` between parts, relations by
    /// symbol, the justification after `BY`.
    fn tr(s: &str) -> Result<Vec<String>, String> {
        let (rows, errors) = rows(&lex(s, 0, s.len()));
        if let Some(e) = errors.first() {
            return Err(format!(
                "{} at {}",
                e.message.clone().unwrap_or_default(),
                e.at
            ));
        }
        Ok(rows
            .iter()
            .map(|r| {
                let mut parts: Vec<String> = r
                    .parts
                    .iter()
                    .map(|p| match p {
                        Part::Text(m) => m.text.trim().to_string(),
                        Part::Rel(r, _) => r.symbol().to_string(),
                    })
                    .collect();
                if let Some(j) = &r.justification {
                    parts.push(format!("BY {j}"));
                }
                parts.join(" | ")
            })
            .collect())
    }

    #[track_caller]
    fn one(s: &str, want: &str) {
        assert_eq!(tr(s).unwrap(), vec![want.to_string()], "{s}");
    }

    #[test]
    fn inner_products_and_transposes() {
        one(r"\theta^\top \phi(s,a)", "θ^{⊤} φ(s,a)");
        one(r"\theta^T \phi(s, a)", "θ^{T} φ(s, a)");
        one(r"\langle u, v \rangle", "⟨ u, v ⟩");
        one(r"\left\langle \theta, x \right\rangle", "⟨ θ, x ⟩");
    }

    #[test]
    fn greek_scripts_and_applications() {
        one(r"\pi_\theta(a_t \mid s_t)", "π_{θ}(a_{t} | s_{t})");
        one(
            r"\nabla_{\theta} \log \Pr_\theta(\tau)",
            "∇_{θ} log Pr_{θ}(τ)",
        );
        one(r"\pi_\theta (a|s)", "π_{θ}(a|s)");
    }

    #[test]
    fn fractions_are_bracketed_factors() {
        one(
            r"\frac{1}{N}\sum_{i=1}^{N} x_i",
            "((1)/(N))Σ_{i=1}^{N} x_{i}",
        );
        one(r"\dfrac12", "((1)/(2))");
        one(r"\tfrac{a+b}{c}", "((a+b)/(c))");
    }

    #[test]
    fn derivatives_written_as_fractions() {
        one(
            r"\frac{\partial \Pr_\theta(\tau)}{\partial \theta}",
            "(∂/∂ θ ( Pr_{θ}(τ)))",
        );
        one(r"\frac{\partial}{\partial\theta} J(\theta)", "∂/∂ θ J(θ)");
        one(r"\frac{d}{d\theta} J", "d/d θ J");
        one(r"\frac{\mathrm{d} J}{\mathrm{d}\theta}", "(d/d θ ( J))");
        one(r"\frac{a}{d}", "((a)/(d))");
    }

    #[test]
    fn expectations_and_brackets() {
        one(
            r"\mathbb{E}_{\tau \sim \pi_\theta}\left[ R(\tau) \right]",
            "E_{τ ~ π_{θ}}[ R(τ) ]",
        );
        one(r"\mathop{\mathbb{E}}_{x\sim p}\bigl[x\bigr]", "E_{x~ p}[x]");
        one(r"\operatorname*{E}_{x\sim p}[x]", "E_{x~ p}[x]");
        one(r"\left. x \right|", "x |");
    }

    #[test]
    fn relations_split_steps_and_spacing_is_dropped() {
        one(r"a &= b \approx c \leq d", "a | = | b | ≈ | c | ≤ | d");
        one(r"a \,\cdot\, b \times c", "a · b × c");
        one(r"\sum_{i=1}^N i", "Σ_{i=1}^{N} i");
    }

    #[test]
    fn rows_and_justifications() {
        assert_eq!(
            tr(r"a &= b \\ &= c && \text{by linearity} \\ &= d \quad \text{(the log trick)}. \\ &= e % by parts")
                .unwrap(),
            vec![
                "a | = | b",
                "= | c | BY linearity",
                "= | d | BY the log trick",
                "= | e | BY parts",
            ]
        );
        assert_eq!(
            tr(r"a \label{x} \\[2pt] = b \nonumber").unwrap(),
            vec!["a", "= | b"]
        );
    }

    #[test]
    fn names_from_fonts() {
        one(
            r"\mathrm{Traj} + \operatorname{KL} + \text{Pr} + \boldsymbol{\theta}",
            "Traj + KL + Pr + θ",
        );
        one(r"\pi_{\text{ref}}", "π_{ref}");
        one(r"\theta\tau 2\theta", "θ τ 2 θ");
    }

    #[test]
    fn unknown_commands_are_named_at_their_column() {
        let e = tr(r"a = \foo b").unwrap_err();
        assert_eq!(e, "unknown LaTeX command `\\foo` at 4");
        assert!(tr(r"\int x").unwrap_err().contains("integrals"));
        assert!(tr(r"a \neq b").unwrap_err().contains("relation"));
    }

    #[test]
    fn unbalanced_braces_are_errors_at_the_brace() {
        assert_eq!(tr(r"\frac{a}{b").unwrap_err(), "unclosed `{` at 8");
        assert_eq!(tr(r"a } b").unwrap_err(), "unmatched `}` at 2");
        assert!(tr(&"{".repeat(500)).unwrap_err().contains("nested"));
    }

    #[test]
    fn scripts_need_arguments() {
        assert!(tr(r"x_").is_err());
        assert!(tr(r"x^{}").is_err());
        one(r"s^{\prime}", "s'");
        one(r"x_\mathrm{ref}", "x_{ref}");
    }
}
