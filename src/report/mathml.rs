//! Expressions as MathML (presentation markup), for the HTML report: a
//! browser draws them as mathematics with no script and no network.
//!
//! Brackets follow the canonical printer ([`crate::syntax::print`]): every
//! bracket the grammar needs is shown, so the picture has the precedence
//! the engines checked. Quotients are drawn as fractions, which need no
//! brackets of their own.

use super::html::escape;
use crate::syntax::ast::*;
use crate::syntax::print::number_text;
use num_traits::Signed;

const ADD: u8 = 1;
const MUL: u8 = 2;
const SIGNED: u8 = 3;
const PREFIX: u8 = 4;
const POWER: u8 = 5;
const ATOM: u8 = 6;

fn level(e: &Expr) -> u8 {
    match &e.kind {
        ExprKind::Binary(BinOp::Add | BinOp::Sub, ..) => ADD,
        // A fraction is drawn as one block.
        ExprKind::Binary(BinOp::Div, ..) => ATOM,
        ExprKind::Binary(..) => MUL,
        ExprKind::Neg(_) => SIGNED,
        ExprKind::Func(Func::Sqrt, _) => ATOM,
        ExprKind::Func(..) | ExprKind::Deriv { .. } | ExprKind::Big { .. } => PREFIX,
        ExprKind::Expect { .. } => ATOM,
        ExprKind::Pow(..) => POWER,
        ExprKind::Number(n) if n.is_negative() => SIGNED,
        _ => ATOM,
    }
}

/// An expression as a `<math>` element.
pub fn math(e: &Expr, display: bool) -> String {
    let mut s = String::new();
    // displaystyle: Σ and Π with their ranges under and over them, as on
    // paper, also inline in a table cell.
    s.push_str(if display {
        "<math display=\"block\" displaystyle=\"true\">"
    } else {
        "<math displaystyle=\"true\">"
    });
    expr(&mut s, e, ADD, false);
    s.push_str("</math>");
    s
}

fn mo(s: &mut String, op: &str) {
    s.push_str("<mo>");
    s.push_str(&escape(op));
    s.push_str("</mo>");
}

/// A thin space, after an operator name (`log`, `∇_θ`) whose argument
/// follows without brackets.
fn thin(s: &mut String) {
    s.push_str("<mspace width=\"0.1667em\"/>");
}

fn fence(s: &mut String, open: &str) {
    s.push_str("<mo stretchy=\"true\">");
    s.push_str(&escape(open));
    s.push_str("</mo>");
}

/// Whether `e` ends with a Σ or Π that would take in following factors.
fn ends_open(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Big { .. } => true,
        ExprKind::Neg(x) | ExprKind::Func(_, x) => ends_open(x),
        ExprKind::Deriv { body, .. } => ends_open(body),
        _ => false,
    }
}

fn expr(s: &mut String, e: &Expr, min: u8, open_right: bool) {
    let parens = level(e) < min || (open_right && ends_open(e));
    if parens {
        s.push_str("<mrow>");
        fence(s, "(");
        bare(s, e, false);
        fence(s, ")");
        s.push_str("</mrow>");
    } else {
        bare(s, e, open_right);
    }
}

fn word(s: &mut String, w: &str) {
    // One letter is an italic variable; a longer word (`Pr`, `log`) is upright.
    if w.chars().count() == 1 {
        s.push_str("<mi>");
    } else {
        s.push_str("<mi mathvariant=\"normal\">");
    }
    s.push_str(&escape(w));
    s.push_str("</mi>");
}

fn name(s: &mut String, n: &Name) {
    let mut base = String::new();
    word(&mut base, &n.base);
    if n.primes > 0 {
        base = format!(
            "<msup>{base}<mo>{}</mo></msup>",
            "′".repeat(n.primes as usize)
        );
    }
    if n.sub.is_empty() {
        s.push_str(&base);
        return;
    }
    s.push_str("<msub>");
    s.push_str(&base);
    s.push_str("<mrow>");
    for (k, e) in n.sub.iter().enumerate() {
        if k > 0 {
            mo(s, ",");
        }
        expr(s, e, ADD, false);
    }
    s.push_str("</mrow></msub>");
}

fn args(s: &mut String, list: &[Expr]) {
    for (k, a) in list.iter().enumerate() {
        if k > 0 {
            mo(s, ",");
        }
        expr(s, a, ADD, false);
    }
}

fn number(s: &mut String, n: &num_rational::BigRational) {
    let text = number_text(n);
    match text.strip_prefix('-') {
        Some(rest) => {
            mo(s, "−");
            s.push_str(&format!("<mn>{}</mn>", escape(rest)));
        }
        None => s.push_str(&format!("<mn>{}</mn>", escape(&text))),
    }
}

fn bare(s: &mut String, e: &Expr, open_right: bool) {
    match &e.kind {
        ExprKind::Number(n) => number(s, n),
        ExprKind::Name(n) => name(s, n),
        ExprKind::Placeholder => mo(s, "·"),
        ExprKind::Apply {
            head,
            args: a,
            cond,
        } => {
            s.push_str("<mrow>");
            name(s, head);
            mo(s, "\u{2061}");
            fence(s, "(");
            args(s, a);
            if !cond.is_empty() {
                mo(s, "|");
                args(s, cond);
            }
            fence(s, ")");
            s.push_str("</mrow>");
        }
        ExprKind::Neg(x) => {
            s.push_str("<mrow>");
            mo(s, "−");
            expr(s, x, SIGNED, open_right);
            s.push_str("</mrow>");
        }
        ExprKind::Binary(op, l, r) => match op {
            BinOp::Add | BinOp::Sub => {
                s.push_str("<mrow>");
                expr(s, l, ADD, false);
                mo(s, if *op == BinOp::Add { "+" } else { "−" });
                expr(s, r, MUL, false);
                s.push_str("</mrow>");
            }
            BinOp::Mul => {
                s.push_str("<mrow>");
                expr(s, l, MUL, true);
                // Juxtaposition, as on paper, except between two numbers.
                let numbers =
                    matches!(r.kind, ExprKind::Number(_)) || matches!(&r.kind, ExprKind::Neg(_));
                mo(s, if numbers { "·" } else { "\u{2062}" });
                expr(s, r, SIGNED, open_right);
                s.push_str("</mrow>");
            }
            BinOp::Div => {
                s.push_str("<mfrac><mrow>");
                expr(s, l, ADD, false);
                s.push_str("</mrow><mrow>");
                expr(s, r, ADD, false);
                s.push_str("</mrow></mfrac>");
            }
        },
        ExprKind::Pow(b, x) => {
            s.push_str("<msup>");
            expr(s, b, ATOM, false);
            s.push_str("<mrow>");
            expr(s, x, ADD, false);
            s.push_str("</mrow></msup>");
        }
        ExprKind::Func(Func::Sqrt, x) => {
            s.push_str("<msqrt>");
            expr(s, x, ADD, false);
            s.push_str("</msqrt>");
        }
        ExprKind::Func(f, x) => {
            s.push_str("<mrow>");
            word(s, f.name());
            mo(s, "\u{2061}");
            thin(s);
            expr(s, x, PREFIX, open_right);
            s.push_str("</mrow>");
        }
        // Drawn as ⟨u, v⟩ however it was written: one notation a page.
        ExprKind::Inner { left, right, .. } => {
            s.push_str("<mrow>");
            fence(s, "⟨");
            expr(s, left, ADD, false);
            mo(s, ",");
            expr(s, right, ADD, false);
            fence(s, "⟩");
            s.push_str("</mrow>");
        }
        ExprKind::Abs(x) => {
            s.push_str("<mrow>");
            fence(s, "|");
            expr(s, x, ADD, false);
            fence(s, "|");
            s.push_str("</mrow>");
        }
        ExprKind::Deriv { param, body } => {
            s.push_str("<mrow>");
            match param {
                Some(p) => {
                    s.push_str("<msub><mo>∇</mo>");
                    name(s, p);
                    s.push_str("</msub>");
                }
                None => mo(s, "∇"),
            }
            thin(s);
            expr(s, body, PREFIX, open_right);
            s.push_str("</mrow>");
        }
        ExprKind::Big {
            op,
            var,
            domain,
            body,
        } => {
            let symbol = match op {
                BigOp::Sum => "∑",
                BigOp::Prod => "∏",
                BigOp::Integral => "∫",
            };
            s.push_str("<mrow>");
            match &**domain {
                Domain::Range(lo, hi) => {
                    s.push_str(&format!("<munderover><mo>{symbol}</mo><mrow>"));
                    name(s, var);
                    mo(s, "=");
                    expr(s, lo, ADD, false);
                    s.push_str("</mrow><mrow>");
                    expr(s, hi, ADD, false);
                    s.push_str("</mrow></munderover>");
                }
                Domain::Declared => {
                    s.push_str(&format!("<munder><mo>{symbol}</mo><mrow>"));
                    name(s, var);
                    s.push_str("</mrow></munder>");
                }
                Domain::Set(set) => {
                    s.push_str(&format!("<munder><mo>{symbol}</mo><mrow>"));
                    name(s, var);
                    mo(s, "∈");
                    name(s, set);
                    s.push_str("</mrow></munder>");
                }
            }
            expr(s, body, MUL, open_right);
            s.push_str("</mrow>");
        }
        ExprKind::Expect { draws, body } => {
            s.push_str("<mrow><msub><mi mathvariant=\"double-struck\">E</mi><mrow>");
            for (k, d) in draws.iter().enumerate() {
                if k > 0 {
                    mo(s, ",");
                }
                name(s, &d.var);
                mo(s, "∼");
                expr(s, &d.dist, ATOM, false);
            }
            s.push_str("</mrow></msub>");
            fence(s, "[");
            expr(s, body, ADD, false);
            fence(s, "]");
            s.push_str("</mrow>");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::parser::parse_expr;

    fn ml(text: &str) -> String {
        math(&parse_expr(text, 0).expect("parses"), false)
    }

    #[test]
    fn the_log_derivative_trick_is_drawn() {
        let m = ml("Σ_τ Pr_θ(τ) (∇_θ Pr_θ(τ) / Pr_θ(τ)) R(τ)");
        assert!(
            m.starts_with("<math displaystyle=\"true\">") && m.ends_with("</math>"),
            "{m}"
        );
        assert!(
            m.contains("<munder><mo>∑</mo><mrow><mi>τ</mi></mrow></munder>"),
            "{m}"
        );
        assert!(m.contains("<mfrac>"), "{m}");
        assert!(
            m.contains("<msub><mi mathvariant=\"normal\">Pr</mi><mrow><mi>θ</mi></mrow></msub>"),
            "{m}"
        );
        assert!(m.contains("<msub><mo>∇</mo><mi>θ</mi></msub>"), "{m}");
    }

    #[test]
    fn expectations_ranges_and_powers() {
        let m = ml("E_{τ~Pr_θ}[R(τ)] + Σ_{i=1}^{N} x_i^2 - 0.7");
        assert!(m.contains("mathvariant=\"double-struck\">E<"), "{m}");
        assert!(m.contains("<mo>∼</mo>"), "{m}");
        assert!(m.contains("<munderover><mo>∑</mo>"), "{m}");
        assert!(m.contains("<msup>"), "{m}");
        assert!(m.contains("<mn>0.7</mn>"), "{m}");
    }

    #[test]
    fn brackets_follow_precedence() {
        // (a + b) · c needs brackets; a + b · c does not.
        let m = ml("(a + b) c");
        assert!(m.contains("<mo stretchy=\"true\">(</mo>"), "{m}");
        let m = ml("a + b c");
        assert!(!m.contains("<mo stretchy=\"true\">(</mo>"), "{m}");
        // A sum followed by more factors is bracketed.
        let m = ml("(Σ_τ R(τ)) · 2");
        assert!(
            m.starts_with("<math displaystyle=\"true\"><mrow><mrow><mo stretchy=\"true\">(</mo>"),
            "{m}"
        );
    }

    #[test]
    fn markup_characters_are_escaped() {
        let n = Name {
            base: "<script>".into(),
            primes: 0,
            sub: vec![],
            span: Default::default(),
        };
        let mut s = String::new();
        name(&mut s, &n);
        assert!(!s.contains("<script>"), "{s}");
    }
}
