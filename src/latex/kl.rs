//! The Kullback–Leibler divergence, written out as the sum it stands for.
//!
//! In: an expression read from LaTeX, in which `D_{KL}(p \| q)`,
//! `D_{\mathrm{KL}}(p\|q)`, `\text{KL}(p \| q)` and `\operatorname{KL}(…)`
//! arrive as the application `D_KL(p | q)` or `KL(p | q)` (the math
//! translator reads `\|` as the bar only inside one). Out: the same
//! expression with each of them replaced by `Σ_x p(x) · log(p(x) / q(x))`,
//! x being the variable p is a distribution over; a conditional policy
//! `π_θ(·|s)` has x put in place of its `·`. Where p's variable is not
//! known (p is not declared `: dist x`), that is an error at the
//! divergence.

use super::error;
use crate::syntax::ast::{BigOp, BinOp, Domain, Expr, ExprKind, Func, Name};
use crate::syntax::parser::SyntaxError;
use crate::syntax::Span;

/// Whether an applied name is the divergence: `KL` or `D_KL`.
pub fn is_divergence(head: &Name) -> bool {
    matches!(head.key().as_deref(), Some("KL" | "D_KL"))
}

/// Replace every divergence in `e` by its sum; `dists` are the
/// distributions declared so far, each with its variable (`("π_θ", "a")`).
pub fn expand(e: &mut Expr, dists: &[(String, String)]) -> Result<(), SyntaxError> {
    let span = e.span;
    if let ExprKind::Apply { head, args, cond } = &mut e.kind {
        if is_divergence(head) {
            if args.len() != 1 || cond.len() != 1 {
                return Err(error(
                    span.start,
                    "a divergence compares two distributions: write D_{KL}(p \\| q)",
                    None,
                ));
            }
            let (mut p, mut q) = (args.remove(0), cond.remove(0));
            expand(&mut p, dists)?;
            expand(&mut q, dists)?;
            *e = sum(p, q, dists, span)?;
            return Ok(());
        }
    }
    let mut result = Ok(());
    e.for_each_child_mut(|c| {
        if result.is_ok() {
            result = expand(c, dists);
        }
    });
    result
}

/// The distribution `d` (a name, or an application with a `·`) at the
/// variable `x`.
fn at(d: &Expr, x: &Name, span: Span) -> Result<Expr, SyntaxError> {
    let var = Expr::new(ExprKind::Name(x.clone()), span);
    match &d.kind {
        ExprKind::Name(n) => Ok(Expr::new(
            ExprKind::Apply {
                head: Box::new(n.clone()),
                args: vec![var],
                cond: vec![],
            },
            span,
        )),
        ExprKind::Apply { head, args, cond } if args.len() == 1 => {
            if !matches!(args[0].kind, ExprKind::Placeholder) {
                return Err(error(
                    d.span.start,
                    "a distribution in a divergence is written without its variable",
                    Some(
                        "write D_{KL}(p \\| q), or π(\\cdot \\mid s) for a conditional one".into(),
                    ),
                ));
            }
            Ok(Expr::new(
                ExprKind::Apply {
                    head: head.clone(),
                    args: vec![var],
                    cond: cond.clone(),
                },
                span,
            ))
        }
        _ => Err(error(
            d.span.start,
            "a divergence compares two distributions by name",
            Some("write D_{KL}(p \\| q), or π(\\cdot \\mid s) for a conditional one".into()),
        )),
    }
}

fn head_of(d: &Expr) -> Option<&Name> {
    match &d.kind {
        ExprKind::Name(n) => Some(n),
        ExprKind::Apply { head, .. } => Some(head),
        _ => None,
    }
}

/// `Σ_x p(x) · log(p(x) / q(x))`.
fn sum(p: Expr, q: Expr, dists: &[(String, String)], span: Span) -> Result<Expr, SyntaxError> {
    let key = head_of(&p).and_then(Name::key);
    let var = key
        .as_ref()
        .and_then(|k| dists.iter().find(|(f, _)| f == k))
        .map(|(_, x)| x.clone());
    let Some(var) = var else {
        let shown = key.unwrap_or_else(|| "p".into());
        return Err(error(
            span.start,
            format!(
                "the variable of `{shown}` is not known, so its divergence cannot be written as a sum"
            ),
            Some(format!(
                "declare it as a distribution, as in `%! fun {shown}(x) : dist x`"
            )),
        ));
    };
    let x = Name {
        base: var,
        primes: 0,
        sub: vec![],
        span,
    };
    let (px, qx) = (at(&p, &x, span)?, at(&q, &x, span)?);
    let ratio = Expr::new(
        ExprKind::Binary(BinOp::Div, Box::new(px.clone()), Box::new(qx)),
        span,
    );
    let log = Expr::new(ExprKind::Func(Func::Log, Box::new(ratio)), span);
    let body = Expr::new(
        ExprKind::Binary(BinOp::Mul, Box::new(px), Box::new(log)),
        span,
    );
    Ok(Expr::new(
        ExprKind::Big {
            op: BigOp::Sum,
            var: Box::new(x),
            domain: Box::new(Domain::Declared),
            body: Box::new(body),
        },
        span,
    ))
}

#[cfg(test)]
mod tests {
    use crate::latex::read_latex;
    use crate::syntax::ast::ItemKind;
    use crate::syntax::print::print_expr;

    #[track_caller]
    fn read(decls: &str, formula: &str) -> Result<String, String> {
        let f = read_latex(&format!("{decls}$$ {formula} = 0 $$\n"));
        if let Some(e) = f.errors.first() {
            return Err(e.message.clone().unwrap_or_default());
        }
        f.items
            .iter()
            .find_map(|i| match &i.kind {
                ItemKind::Chain(c) => Some(print_expr(&c.start)),
                _ => None,
            })
            .ok_or_else(|| "no chain".into())
    }

    const PQ: &str = "%! set X\n%! var x in X\n%! fun p(x) : dist x\n%! fun q(x) : dist x\n";

    #[test]
    fn every_spelling_is_the_sum_over_the_variable_of_p() {
        for formula in [
            r"D_{KL}(p \| q)",
            r"D_{\mathrm{KL}}(p\|q)",
            r"D_{\text{KL}}(p \,\|\, q)",
            r"\text{KL}(p \| q)",
            r"\operatorname{KL}\left(p \| q\right)",
        ] {
            assert_eq!(
                read(PQ, formula).as_deref(),
                Ok("Σ_x p(x) · log (p(x) / q(x))"),
                "{formula}"
            );
        }
    }

    #[test]
    fn a_conditional_policy_takes_the_variable_in_place_of_its_dot() {
        let decls = "%! param θ\n%! set S, A\n%! var s in S\n%! var a in A\n\
                     %! fun π_θ(a | s) : dist a\n%! fun μ(a | s) : dist a\n";
        assert_eq!(
            read(
                decls,
                r"D_{KL}(\pi_\theta(\cdot \mid s) \| \mu(\cdot \mid s))"
            )
            .as_deref(),
            Ok("Σ_a π_θ(a | s) · log (π_θ(a | s) / μ(a | s))")
        );
    }

    #[test]
    fn an_unknown_variable_and_a_norm_are_clear_errors() {
        let e = read("", r"D_{KL}(p \| q)").unwrap_err();
        assert!(e.contains("the variable of `p` is not known"), "{e}");
        // Outside a divergence `\|` is still a norm, which is not read.
        let e = read(PQ, r"\| p \|").unwrap_err();
        assert!(e.contains("is not supported"), "{e}");
    }
}
