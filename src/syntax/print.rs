//! Printing syntax trees: canonically (`derivcheck fmt`) and as LaTeX
//! (`derivcheck fmt --latex`).
//!
//! The canonical form prints the brackets the grammar needs, so that
//! printing then parsing gives the same tree, and those that keep a reader
//! from doubting it: multiplication is always `·`, a Σ or Π that is
//! followed by more factors is bracketed, a power of a function is
//! `(log x)^2`, and a function or derivative of a power is `log (x^2)`.

use super::ast::*;
use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::{Signed, Zero};
use std::fmt::Write;

/// Binding levels, loosest first (README, "The language in brief").
const ADD: u8 = 1;
const MUL: u8 = 2;
const SIGNED: u8 = 3;
const PREFIX: u8 = 4;
const POWER: u8 = 5;
const ATOM: u8 = 6;

fn level(e: &Expr) -> u8 {
    match &e.kind {
        ExprKind::Binary(BinOp::Add | BinOp::Sub, ..) => ADD,
        ExprKind::Binary(..) => MUL,
        ExprKind::Neg(_) => SIGNED,
        ExprKind::Func(..) | ExprKind::Deriv { .. } | ExprKind::Big { .. } => PREFIX,
        ExprKind::Expect { .. } => PREFIX,
        ExprKind::Pow(..) => POWER,
        ExprKind::Inner {
            form: InnerForm::TransposeT | InnerForm::TransposeTop,
            ..
        } => POWER,
        ExprKind::Number(n) if n.is_negative() => SIGNED,
        _ => ATOM,
    }
}

/// Which notation to print.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Style {
    Plain,
    Latex,
}

/// Print an expression in canonical `.deriv` notation.
pub fn print_expr(e: &Expr) -> String {
    let mut s = String::new();
    Printer {
        style: Style::Plain,
    }
    .expr(&mut s, e, ADD, false);
    s
}

/// Print an expression as LaTeX math.
pub fn latex_expr(e: &Expr) -> String {
    let mut s = String::new();
    Printer {
        style: Style::Latex,
    }
    .expr(&mut s, e, ADD, false);
    s
}

/// A number as a decimal when it has one, else as `p/q`.
pub fn number_text(n: &BigRational) -> String {
    if n.is_integer() {
        return n.numer().to_string();
    }
    let mut den = n.denom().clone();
    let (two, five) = (BigInt::from(2), BigInt::from(5));
    let (mut twos, mut fives) = (0usize, 0usize);
    while (&den % &two).is_zero() {
        den /= &two;
        twos += 1;
    }
    while (&den % &five).is_zero() {
        den /= &five;
        fives += 1;
    }
    let digits = twos.max(fives);
    let scale = num_traits::pow(BigInt::from(10), digits);
    if den != BigInt::from(1) {
        return format!("{}/{}", n.numer(), n.denom());
    }
    let scaled = (n * BigRational::from_integer(scale.clone())).to_integer();
    let neg = scaled.is_negative();
    let mut d = scaled.abs().to_string();
    while d.len() <= digits {
        d.insert(0, '0');
    }
    let point = d.len() - digits;
    format!(
        "{}{}.{}",
        if neg { "-" } else { "" },
        &d[..point],
        &d[point..]
    )
}

/// A name's base as LaTeX: one letter as itself (`x`, `\theta`), `Pr` as
/// `\Pr`, any longer word upright in `\mathrm{…}` so the LaTeX reader
/// reads it back as one name (`\mathrm{Traj}`, `\mathrm{\pi{}ref}`).
fn latex_word(w: &str) -> String {
    if w == "Pr" {
        return "\\Pr".into();
    }
    let letter = |c: char| super::letters::word_of(c).map(|w| format!("\\{w}"));
    let mut chars = w.chars();
    if let (Some(c), None) = (chars.next(), chars.next()) {
        return letter(c).unwrap_or_else(|| c.to_string());
    }
    let mut out = String::from("\\mathrm{");
    for c in w.chars() {
        match letter(c) {
            Some(l) => {
                out.push_str(&l);
                out.push_str("{}");
            }
            None => out.push(c),
        }
    }
    out.push('}');
    out
}

/// Text for `\text{…}`: LaTeX's special characters escaped.
pub fn latex_text(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\textbackslash{}"),
            '~' => out.push_str("\\textasciitilde{}"),
            '^' => out.push_str("\\textasciicircum{}"),
            '{' | '}' | '$' | '&' | '#' | '_' | '%' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

struct Printer {
    style: Style,
}

impl Printer {
    fn latex(&self) -> bool {
        self.style == Style::Latex
    }

    /// Print `e` where the context needs at least `min` binding, and
    /// `open_right` says more factors follow in the same term.
    fn expr(&self, s: &mut String, e: &Expr, min: u8, open_right: bool) {
        let needs_parens = level(e) < min
            || (open_right && matches!(e.kind, ExprKind::Big { .. }))
            || (open_right && self.ends_open(e));
        if needs_parens {
            self.bracketed(s, e);
        } else {
            self.bare(s, e, open_right);
        }
    }

    fn bracketed(&self, s: &mut String, e: &Expr) {
        s.push_str(if self.latex() { "\\left(" } else { "(" });
        self.bare(s, e, false);
        s.push_str(if self.latex() { "\\right)" } else { ")" });
    }

    /// The operand of `log`, `exp`, `∇_θ`, …. A power is bracketed:
    /// `log (x^2)`, never `log x^2`, which a reader may take for (log x)²,
    /// and `log ((a + b)^2)`, since `log (a + b)^2` is (log (a + b))².
    fn prefix_operand(&self, s: &mut String, x: &Expr, open_right: bool) {
        if level(x) == POWER {
            self.bracketed(s, x);
        } else {
            self.expr(s, x, PREFIX, open_right);
        }
    }

    /// Whether `e` ends with a Σ or Π that would swallow following factors.
    fn ends_open(&self, e: &Expr) -> bool {
        match &e.kind {
            ExprKind::Big { .. } => true,
            ExprKind::Neg(x) | ExprKind::Func(_, x) => self.ends_open(x),
            ExprKind::Deriv { body, .. } => self.ends_open(body),
            _ => false,
        }
    }

    fn name(&self, s: &mut String, n: &Name) {
        if self.latex() {
            s.push_str(&latex_word(&n.base));
            for _ in 0..n.primes {
                s.push('\'');
            }
        } else {
            s.push_str(&n.base_with_primes());
        }
        if n.sub.is_empty() {
            return;
        }
        s.push('_');
        let simple = matches!(
            n.sub.as_slice(),
            [Expr { kind: ExprKind::Name(m), .. }] if m.sub.is_empty()
        ) || matches!(
            n.sub.as_slice(),
            [Expr { kind: ExprKind::Number(k), .. }] if k.is_integer() && !k.is_negative()
        );
        if simple && !self.latex() {
            self.expr(s, &n.sub[0], ATOM, false);
        } else {
            s.push('{');
            for (k, e) in n.sub.iter().enumerate() {
                if k > 0 {
                    s.push_str(", ");
                }
                self.expr(s, e, ADD, false);
            }
            s.push('}');
        }
    }

    fn args(&self, s: &mut String, args: &[Expr]) {
        for (k, a) in args.iter().enumerate() {
            if k > 0 {
                s.push_str(", ");
            }
            self.expr(s, a, ADD, false);
        }
    }

    fn bare(&self, s: &mut String, e: &Expr, open_right: bool) {
        let latex = self.latex();
        match &e.kind {
            ExprKind::Number(n) => s.push_str(&number_text(n)),
            ExprKind::Name(n) => self.name(s, n),
            ExprKind::Placeholder => s.push_str(if latex { "\\cdot" } else { "·" }),
            ExprKind::Apply { head, args, cond }
                if head.base == super::parser::GAUSSIAN && args.len() == 3 && cond.is_empty() =>
            {
                s.push_str(if latex { "\\mathcal{N}(" } else { "𝒩(" });
                self.args(s, &args[..1]);
                s.push_str("; ");
                self.args(s, &args[1..]);
                s.push(')');
            }
            ExprKind::Apply { head, args, cond } => {
                self.name(s, head);
                s.push('(');
                self.args(s, args);
                if !cond.is_empty() {
                    s.push_str(if latex { " \\mid " } else { " | " });
                    self.args(s, cond);
                }
                s.push(')');
            }
            ExprKind::Neg(x) => {
                s.push('-');
                self.expr(s, x, SIGNED, open_right);
            }
            ExprKind::Binary(op, l, r) => match op {
                BinOp::Add | BinOp::Sub => {
                    self.expr(s, l, ADD, false);
                    s.push_str(if *op == BinOp::Add { " + " } else { " - " });
                    self.expr(s, r, MUL, false);
                }
                BinOp::Mul => {
                    self.expr(s, l, MUL, true);
                    s.push_str(if latex { " \\cdot " } else { " · " });
                    self.expr(s, r, SIGNED, open_right);
                }
                BinOp::Div => {
                    if latex {
                        s.push_str("\\frac{");
                        self.expr(s, l, ADD, false);
                        s.push_str("}{");
                        self.expr(s, r, ADD, false);
                        s.push('}');
                    } else {
                        self.expr(s, l, MUL, true);
                        s.push_str(" / ");
                        self.expr(s, r, SIGNED, open_right);
                    }
                }
            },
            ExprKind::Pow(b, x) => {
                self.expr(s, b, ATOM, false);
                s.push('^');
                if latex {
                    s.push('{');
                    self.expr(s, x, ADD, false);
                    s.push('}');
                } else if let ExprKind::Neg(inner) = &x.kind {
                    s.push('-');
                    self.expr(s, inner, POWER, false);
                } else {
                    self.expr(s, x, POWER, false);
                }
            }
            ExprKind::Func(f, x) => {
                if latex && *f == Func::Sqrt {
                    s.push_str("\\sqrt{");
                    self.expr(s, x, ADD, false);
                    s.push('}');
                    return;
                }
                if latex {
                    s.push('\\');
                }
                s.push_str(f.name());
                s.push(' ');
                self.prefix_operand(s, x, open_right);
            }
            ExprKind::Inner { left, right, form } => match form {
                InnerForm::Angle => {
                    s.push_str(if latex { "\\left\\langle " } else { "⟨" });
                    self.expr(s, left, ADD, false);
                    s.push_str(", ");
                    self.expr(s, right, ADD, false);
                    s.push_str(if latex { " \\right\\rangle" } else { "⟩" });
                }
                InnerForm::TransposeT | InnerForm::TransposeTop => {
                    self.expr(s, left, ATOM, false);
                    s.push_str(match (form, latex) {
                        (InnerForm::TransposeT, _) => "^T ",
                        (_, true) => "^{\\top} ",
                        (_, false) => "^⊤ ",
                    });
                    // The vector after the mark is read as a factor: one
                    // that cannot start a juxtaposed factor is bracketed.
                    if matches!(right.kind, ExprKind::Abs(_) | ExprKind::Placeholder) {
                        self.bracketed(s, right);
                    } else {
                        self.expr(s, right, ATOM, false);
                    }
                }
            },
            ExprKind::Abs(x) => {
                s.push_str(if latex { "\\left|" } else { "|" });
                self.expr(s, x, ADD, false);
                s.push_str(if latex { "\\right|" } else { "|" });
            }
            ExprKind::Deriv { param, body } => {
                s.push_str(if latex { "\\nabla" } else { "∇" });
                if let Some(p) = param {
                    s.push('_');
                    if latex {
                        s.push('{');
                        self.name(s, p);
                        s.push('}');
                    } else {
                        self.name(s, p);
                    }
                }
                s.push(' ');
                self.prefix_operand(s, body, open_right);
            }
            ExprKind::Big {
                op: BigOp::Integral,
                var,
                body,
                ..
            } if latex => {
                // As the LaTeX reader takes it back: up to the differential.
                s.push_str("\\int \\left[ ");
                self.expr(s, body, ADD, false);
                s.push_str(" \\right] \\mathrm{d}");
                self.name(s, var);
            }
            ExprKind::Big {
                op,
                var,
                domain,
                body,
            } => {
                s.push_str(match (op, latex) {
                    (BigOp::Sum, false) => "Σ",
                    (BigOp::Prod, false) => "Π",
                    (BigOp::Integral, false) => "∫",
                    (BigOp::Sum, true) => "\\sum",
                    (BigOp::Prod, true) => "\\prod",
                    (BigOp::Integral, true) => "\\int",
                });
                s.push('_');
                match &**domain {
                    Domain::Declared if !latex && var.sub.is_empty() => self.name(s, var),
                    Domain::Declared => {
                        s.push('{');
                        self.name(s, var);
                        s.push('}');
                    }
                    Domain::Set(set) => {
                        s.push('{');
                        self.name(s, var);
                        s.push_str(if latex { " \\in " } else { " ∈ " });
                        self.name(s, set);
                        s.push('}');
                    }
                    Domain::Range(lo, hi) => {
                        s.push('{');
                        self.name(s, var);
                        s.push('=');
                        self.expr(s, lo, ADD, false);
                        s.push_str("}^{");
                        self.expr(s, hi, ADD, false);
                        s.push('}');
                    }
                }
                s.push(' ');
                self.expr(s, body, MUL, open_right);
            }
            ExprKind::Expect { draws, body } => {
                s.push_str(if latex { "\\mathbb{E}_{" } else { "E_{" });
                for (k, d) in draws.iter().enumerate() {
                    if k > 0 {
                        s.push_str(", ");
                    }
                    self.name(s, &d.var);
                    s.push_str(if latex { " \\sim " } else { " ~ " });
                    self.expr(s, &d.dist, ATOM, false);
                }
                s.push_str(if latex { "}\\left[" } else { "}[" });
                self.expr(s, body, ADD, false);
                s.push_str(if latex { "\\right]" } else { "]" });
            }
        }
    }
}

/// Print a whole chain, one step a line, aligned on the relation.
pub fn print_chain(chain: &Chain, latex: bool) -> String {
    let p = |e: &Expr| if latex { latex_expr(e) } else { print_expr(e) };
    let mut out = String::new();
    if latex {
        // The header is a `%!` line, a comment to LaTeX, so the LaTeX
        // reader gives the chain back its name.
        if chain.name.is_some() || chain.proves.is_some() {
            out.push_str("%! derivation");
            if let Some(n) = &chain.name {
                let _ = write!(out, " \"{n}\"");
            }
            if let Some(c) = &chain.proves {
                let _ = write!(out, " proves {c}");
            }
            out.push('\n');
        }
        out.push_str("\\begin{align*}\n");
        let _ = write!(out, "  & {}", p(&chain.start));
        for step in &chain.steps {
            out.push_str(" \\\\\n");
            let _ = write!(out, "  &{} {}", step.relation.latex(), p(&step.expr));
            if let Some(j) = step.justification.as_deref().filter(|j| !j.is_empty()) {
                let _ = write!(out, " && \\text{{by {}}}", latex_text(j));
            }
        }
        out.push_str("\n\\end{align*}\n");
        return out;
    }
    if let Some(n) = &chain.name {
        let _ = write!(out, "derivation \"{n}\"");
        if let Some(c) = &chain.proves {
            let _ = write!(out, " proves {c}");
        }
        out.push('\n');
    }
    let _ = writeln!(out, "    {}", p(&chain.start));
    let width = chain
        .steps
        .iter()
        .map(|s| p(&s.expr).chars().count())
        .max()
        .unwrap_or(0);
    for step in &chain.steps {
        let text = p(&step.expr);
        let _ = write!(out, "  {} {}", step.relation.symbol(), text);
        if let Some(j) = &step.justification {
            let pad = width - text.chars().count();
            let _ = write!(out, "{}   by {j}", " ".repeat(pad));
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_print_as_decimals() {
        let r = |a: i64, b: i64| BigRational::new(a.into(), b.into());
        assert_eq!(number_text(&r(7, 10)), "0.7");
        assert_eq!(number_text(&r(1, 1000)), "0.001");
        assert_eq!(number_text(&r(-25, 2)), "-12.5");
        assert_eq!(number_text(&r(1, 3)), "1/3");
        assert_eq!(number_text(&r(20, 1)), "20");
    }
}
