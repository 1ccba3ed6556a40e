//! Inner products: `⟨u, v⟩`, `u^T v` and `u^⊤ v` resolved to
//! [`Term::Inner`], a number.
//!
//! An operand is a vector: a parameter written as one (`θ` in `θ^T φ`
//! becomes [`Term::ParamVector`], so the parameters are vectors), a vector
//! function (`fun φ(s, a) : vector`), a gradient, or a linear combination
//! of those ([`super::shape`]). A number as an operand is an error at its
//! place. A parameter is a vector or a number throughout a file: one used
//! in an inner product and also as a plain value (`θ^2`) is an error at
//! the inner product.
//!
//! `u^T v` is also how a power followed by a factor reads (`γ^T R(τ)`):
//! when `T` is a declared value and `u` is not a vector, it is that.

use super::shape::Shape;
use super::{err, FunKind, Global, Resolver, Term, R};
use crate::syntax::ast::{BinOp, Expr, ExprKind, Name};

impl Resolver {
    /// An operand of the inner product `whole`: a vector, or the literal 0.
    pub(super) fn vector_operand(&mut self, x: &Expr, whole: &Expr) -> R<Term> {
        if let ExprKind::Name(n) = &x.kind {
            if let Some(p) = self.global_param(n) {
                return Ok(Term::ParamVector(p));
            }
        }
        let (t, shape) = self.value(x)?;
        if shape.is_vector() || shape == Shape::Zero {
            return Ok(t);
        }
        Err(err(
            x.span,
            format!(
                "an inner product takes two vectors, and `{}` is a number",
                super::quote(x)
            ),
            Some(format!(
                "the vectors of `{}` are parameters (θ), vector functions \
                 (`fun φ(s, a) : vector`), gradients and their linear combinations; \
                 multiply numbers with `·`",
                super::quote(whole)
            )),
        ))
    }

    /// `u^T v` read as the power `u^T` times `v`, when `T` is a declared
    /// value (a constant or variable) and `u` is not a vector.
    pub(super) fn transpose_as_power(
        &mut self,
        whole: &Expr,
        left: &Expr,
        right: &Expr,
    ) -> R<Option<(Term, Shape)>> {
        let t = Name {
            base: "T".into(),
            primes: 0,
            sub: Vec::new(),
            span: whole.span,
        };
        let declared_value = self.lookup_scope("T").is_some()
            || matches!(
                self.globals.get("T"),
                Some((Global::Const(_) | Global::Var(_), _))
            );
        if !declared_value {
            return Ok(None);
        }
        if let ExprKind::Name(n) = &left.kind {
            if self.global_param(n).is_some() {
                return Ok(None);
            }
        }
        let power = Expr::new(
            ExprKind::Pow(
                Box::new(left.clone()),
                Box::new(Expr::new(ExprKind::Name(t), whole.span)),
            ),
            left.span.join(right.span),
        );
        let (_, base_shape) = self.value(left)?;
        if base_shape.is_vector() {
            return Ok(None);
        }
        let product = Expr::new(
            ExprKind::Binary(BinOp::Mul, Box::new(power), Box::new(right.clone())),
            whole.span,
        );
        self.compound(&product).map(Some)
    }

    /// A parameter used both as a vector (in an inner product, or with a
    /// vector function declared) and as a plain value is an error at the
    /// first vector use, and the chains from `first_chain` on that use
    /// vectors so are not checked.
    pub(super) fn settle_vector_use(&mut self, first_chain: usize) {
        if let (true, Some(span)) = (self.p.scalar_params, self.vector_use) {
            let prog = &self.p;
            let uses_vectors = |t: &Term| {
                let mut found = false;
                t.walk(&mut |x| {
                    found |= match x {
                        Term::ParamVector(_) | Term::Inner(..) => true,
                        Term::Call { fun, .. } => prog.funs[*fun].kind == FunKind::Vector,
                        _ => false,
                    }
                });
                found
            };
            let broken: Vec<usize> = (first_chain..prog.chains.len())
                .filter(|&k| {
                    let c = &prog.chains[k];
                    uses_vectors(&c.start.term)
                        || c.steps.iter().any(|s| uses_vectors(&s.expr.term))
                })
                .collect();
            for &k in broken.iter().rev() {
                self.p.chains.remove(k);
            }
            self.p.broken_chains += broken.len();
            if !self.vector_use_reported {
                self.vector_use_reported = true;
                self.errors.push(err(
                    span,
                    "the parameters are vectors here (an inner product or a vector function), \
                     but a parameter is also used as a plain number in this file",
                    Some(
                        "use a parameter as a vector throughout: write θ^T v or ⟨θ, v⟩, \
                         never θ alone"
                            .into(),
                    ),
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::resolve::{resolve_text, Term};

    fn first_start(text: &str) -> Term {
        let (prog, syntax) = resolve_text(text);
        assert!(
            syntax.is_empty() && prog.errors.is_empty(),
            "{:?}",
            prog.errors
        );
        prog.chains[0].start.term.clone()
    }

    #[test]
    fn a_transpose_of_a_parameter_is_an_inner_product() {
        let t = first_start("param θ\nset S\nvar s in S\nfun φ(s) : vector\n\nθ^T φ(s)\n= 0\n");
        assert!(
            matches!(&t, Term::Inner(a, _) if matches!(**a, Term::ParamVector(0))),
            "{t:?}"
        );
    }

    #[test]
    fn a_power_by_a_declared_t_times_a_factor_stays_a_product() {
        let t =
            first_start("const γ\nconst T : count\nset S\nvar s in S\nfun R(s)\n\nγ^T R(s)\n= 0\n");
        assert!(
            matches!(&t, Term::Mul(p, _) if matches!(**p, Term::Pow(..))),
            "{t:?}"
        );
    }
}
