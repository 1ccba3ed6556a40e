//! Continuous variables: integrals over the real line, densities, and the
//! built-in normal density.
//!
//! - `∫_x body` (`∫_{x ∈ ℝ} body`) binds `x` over ℝ. A variable declared in
//!   a set cannot be integrated (write Σ); an undeclared one ranges over ℝ.
//! - `fun p(x) : dist x` with `var x in ℝ` is a probability density
//!   (positive, ∫ p dx = 1); `E_{x~p}[f]` over it is `∫_x p(x) f`.
//! - `𝒩(x; μ, v)` (written `N(x; μ, v)`) is the normal density with mean μ
//!   and variance v, resolved to its formula
//!   `exp(−(x − μ)²/(2v) − ½ log(2π v))`, which has a value exactly where
//!   `v > 0` (the log's domain condition). The `π` in it is an internal
//!   constant ([`Program::pi`]), the number 3.14159…, never the user's `π`
//!   (which names a policy, or whatever the file declares).

use super::*;
use crate::syntax::ast::Func;

/// The name the number π has in reports (a user cannot write it: it is
/// never declared).
pub const PI_NAME: &str = "π₀";

impl Resolver {
    /// The internal constant π, added on first use.
    fn pi(&mut self) -> ConstId {
        if let Some(k) = self.p.pi {
            return k;
        }
        self.p.consts.push(ConstInfo {
            name: PI_NAME.into(),
            kind: ConstKind::Positive,
            span: Span::default(),
        });
        let k = self.p.consts.len() - 1;
        self.p.pi = Some(k);
        k
    }

    /// `𝒩(x; μ, v)`: when `head` is the normal density's (and the file
    /// declares nothing of that name), its formula.
    pub(super) fn gaussian(
        &mut self,
        head: &Name,
        args: &[Expr],
        cond: &[Expr],
    ) -> Option<R<(Term, Ty)>> {
        if head.base != crate::syntax::parser::GAUSSIAN
            || !head.sub.is_empty()
            || head.primes > 0
            || self.globals.contains_key(&head.base)
        {
            return None;
        }
        if args.len() != 3 || !cond.is_empty() {
            return Some(Err(err(
                head.span,
                "the normal density takes a value, a mean and a variance",
                Some("write N(a; μ, σ^2)".into()),
            )));
        }
        Some(self.gaussian_formula(args))
    }

    fn gaussian_formula(&mut self, args: &[Expr]) -> R<(Term, Ty)> {
        let mut parts = Vec::with_capacity(3);
        for (a, what) in args.iter().zip(["value", "mean", "variance"]) {
            let (t, shape) = self.value(a)?;
            if shape.is_vector() {
                return Err(err(
                    a.span,
                    format!(
                        "the {what} of a normal density must be a number, and `{}` is a vector",
                        quote(a)
                    ),
                    None,
                ));
            }
            parts.push(t);
        }
        let v = parts
            .pop()
            .unwrap_or(Term::Num(BigRational::from_integer(1.into())));
        let mean = parts
            .pop()
            .unwrap_or(Term::Num(BigRational::from_integer(0.into())));
        let x = parts
            .pop()
            .unwrap_or(Term::Num(BigRational::from_integer(0.into())));
        Ok((gaussian_term(x, mean, v, self.pi()), Ty::Num(Shape::Real)))
    }

    /// `∫_x body`.
    pub(super) fn integral(
        &mut self,
        var: &Name,
        domain: &ast::Domain,
        body: &Expr,
    ) -> R<(Term, Shape)> {
        let key = self.plain_key(var)?;
        match domain {
            ast::Domain::Declared => match self.var_domain_of(var) {
                None | Some(VarDomain::Real) => {}
                Some(_) => {
                    return Err(err(
                        var.span,
                        format!("`{key}` does not range over ℝ: an integral needs a real variable"),
                        Some(format!(
                            "declare `var {key} in ℝ`, or write Σ_{key} for a sum"
                        )),
                    ))
                }
            },
            ast::Domain::Set(_) => {}
            ast::Domain::Range(..) => {
                return Err(err(
                    var.span,
                    "definite integrals over a bounded interval cannot be checked",
                    Some("write an integral over the real line, ∫_x".into()),
                ))
            }
        }
        let v = self.new_var(key, VarDomain::Real, true);
        self.binders_seen.push(v);
        self.scope.push(Binding::Var(v));
        let body = self.value(body);
        self.scope.pop();
        let (body, shape) = body?;
        Ok(super::big_term(
            ast::BigOp::Integral,
            v,
            BigDomain::Real,
            body,
            shape,
        ))
    }
}

/// `exp(−(x − μ)²/(2v) − ½ log(2 π v))`, with `pi` the constant π.
pub fn gaussian_term(x: Term, mean: Term, v: Term, pi: ConstId) -> Term {
    let b = Box::new;
    let n = |k: i64| Term::Num(BigRational::from_integer(k.into()));
    let half = Term::Num(BigRational::new(1.into(), 2.into()));
    let sq = Term::Pow(b(Term::Sub(b(x), b(mean))), b(n(2)));
    let quad = Term::Div(b(sq), b(Term::Mul(b(n(2)), b(v.clone()))));
    let norm = Term::Mul(
        b(half),
        b(Term::Func(
            Func::Log,
            b(Term::Mul(b(Term::Mul(b(n(2)), b(Term::Const(pi)))), b(v))),
        )),
    );
    Term::Func(Func::Exp, b(Term::Sub(b(Term::Neg(b(quad))), b(norm))))
}
