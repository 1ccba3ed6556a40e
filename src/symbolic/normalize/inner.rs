//! Inner products in normal forms.
//!
//! `⟨u, v⟩` of two vector polynomials is expanded by bilinearity into a
//! sum of scalar monomials times atoms `⟨a, b⟩` of two vector atoms (a
//! parameter used as a vector, a vector function's value, a gradient),
//! with the lesser atom first, since the inner product is symmetric. A Σ
//! of vectors as an operand takes the inner product inside
//! (`⟨Σ_x u(x), v⟩ = Σ_x ⟨u(x), v⟩`, v not a Σ), so sums and expectations of vectors
//! meet their written-out forms. The gradient of `⟨a, b⟩` is written only
//! where each operand is the parameter itself or independent of it
//! (`∇_θ ⟨θ, v⟩ = v`); anything else leaves the step to the numeric
//! engine. The rules are in [`super::super::rules`].

use super::{Normalizer, R};
use crate::resolve::ParamId;
use crate::symbolic::rules::Rule;
use crate::symbolic::store::{Atom, AtomId, MonoId, Poly};

impl Normalizer<'_> {
    /// `⟨u, v⟩` of two normal forms whose monomials each hold one vector
    /// atom to the first power.
    pub(super) fn inner(&mut self, u: &Poly, v: &Poly) -> R<Poly> {
        if u.len() > 1 || v.len() > 1 {
            self.rules.insert(Rule::InnerProductBilinear);
        }
        let mut acc = Poly::zero();
        for (mu, cu) in u.iter() {
            let (su, au) = self.split_vector(*mu)?;
            for (mv, cv) in v.iter() {
                let (sv, av) = self.split_vector(*mv)?;
                let ip = self.inner_atoms(au, av)?;
                let s = self.mul_mono(su, sv);
                let term = self.mul(&Poly::term(s, cu.mul(cv)), &ip)?;
                acc = self.add(&acc, &term)?;
            }
        }
        Ok(acc)
    }

    /// A vector monomial as its scalar part and its one vector atom.
    fn split_vector(&mut self, m: MonoId) -> R<(MonoId, AtomId)> {
        let mut found = None;
        for (k, (a, e)) in self.store.mono(m).iter().enumerate() {
            if self.store.info(*a).vector {
                if found.is_some() || !e.is_one() {
                    return Err("an inner product of a product of vectors".into());
                }
                found = Some((k, *a));
            }
        }
        let Some((k, a)) = found else {
            return Err("an inner product of a number".into());
        };
        let rest = self
            .store
            .map_mono(m, |j, x| if j == k { None } else { Some(x.clone()) });
        Ok((rest, a))
    }

    /// `⟨a, b⟩` of two vector atoms.
    fn inner_atoms(&mut self, a: AtomId, b: AtomId) -> R<Poly> {
        let is_sum = |n: &Self, x: AtomId| matches!(n.store.atom(x), Atom::Sum(..));
        // With a Σ on both sides, which goes outside would depend on the
        // order the operands came in: the pair stays one atom.
        let both = is_sum(self, a) && is_sum(self, b);
        for (s, other) in [(a, b), (b, a)] {
            if both {
                break;
            }
            if let Atom::Sum(d, body) = self.store.atom(s).clone() {
                self.rules.insert(Rule::InnerProductOfSum);
                // The other operand moves under the Σ's binder.
                let other = self.shift_atom(other, 0, 1)?;
                let body = self.store.poly(body).clone();
                let op = self.store.atom_poly(other);
                let inside = self.inner(&body, &op)?;
                return self.sum(&d, &inside);
            }
        }
        if a > b {
            // Symmetry puts the operands in order.
            self.rules.insert(Rule::InnerProductBilinear);
        }
        Ok(self.atom_poly(Atom::Inner(a.min(b), a.max(b)), false))
    }

    /// `∇_p ⟨x, y⟩` by the product rule, where each operand is the
    /// parameter `p` itself (its Jacobian is the identity) or does not
    /// depend on it (its Jacobian is 0).
    pub(super) fn grad_inner(&mut self, x: AtomId, y: AtomId, p: ParamId) -> R<Poly> {
        self.rules.insert(Rule::InnerProductGradient);
        let mut acc = Poly::zero();
        for (a, other) in [(x, y), (y, x)] {
            if !self.depends(a, p) {
                continue;
            }
            if !matches!(self.store.atom(a), Atom::ParamVector(q) if *q == p) {
                return Err(
                    "the gradient of an inner product whose vector depends on the parameter \
                     other than as the parameter itself (a Jacobian)"
                        .into(),
                );
            }
            let op = self.store.atom_poly(other);
            acc = self.add(&acc, &op)?;
        }
        Ok(acc)
    }
}

#[cfg(test)]
mod tests {
    use crate::symbolic::normalize::{Budget, Normalizer};
    use crate::verdict::resolved as program;

    const DECLS: &str = "param θ\nset S\nset A\nvar s in S\nvar a in A\nvar b in A\n\
                         fun φ(s, a) : vector\nfun ψ(s) : vector\nfun r(s, a)\n";

    /// Whether the first step of `chain` has equal normal forms on both
    /// sides, with `rule` among the rules used.
    #[track_caller]
    fn same(chain: &str, rule: super::Rule) {
        let prog = program(&format!("{DECLS}fun π_θ(a | s) : dist a\n\n{chain}\n"));
        assert!(prog.errors.is_empty(), "{:?}", prog.errors);
        let c = &prog.chains[0];
        let mut n = Normalizer::new(&prog, Budget::default());
        let l = n.normalize(&c.start.term).expect("left side");
        let r = n.normalize(&c.steps[0].expr.term).expect("right side");
        let d = n.sub(&l, &r).expect("difference");
        assert!(d.is_zero(), "{chain}: the sides differ");
        assert!(n.rules.contains(rule), "{chain}: {rule:?} not used");
    }

    /// Each inner-product rule on an example step: proved under its name,
    /// confirmed by the numeric engine, and a wrong variant (a term
    /// added, or the sign of the vector turned) refuted by it.
    #[test]
    fn each_rule_holds_numerically() {
        use crate::numeric::NumericEngine;
        use crate::verdict::{with_first_step, Engine, Verdict};
        let cases = [
            (
                super::Rule::InnerProductBilinear,
                "⟨2 φ(s, a) + ψ(s), θ⟩",
                "2 θ^T φ(s, a) + ⟨ψ(s), θ⟩",
                "2 θ^T φ(s, a) + ⟨ψ(s), θ⟩ + θ^T ψ(s)",
            ),
            (
                super::Rule::InnerProductOfSum,
                "⟨θ, E_{b~π_θ(·|s)}[φ(s, b)]⟩",
                "Σ_b π_θ(b | s) θ^T φ(s, b)",
                "Σ_b θ^T φ(s, b)",
            ),
            (
                super::Rule::InnerProductGradient,
                "∇_θ (θ^T φ(s, a) + 3 ⟨ψ(s), φ(s, a)⟩)",
                "φ(s, a)",
                "-φ(s, a)",
            ),
            (
                super::Rule::InnerProductGradient,
                "⟨∇_θ ⟨θ, θ⟩, ψ(s)⟩",
                "2 θ^T ψ(s)",
                "θ^T ψ(s)",
            ),
        ];
        let decls = format!("{DECLS}fun π_θ(a | s) : dist a\n");
        for (rule, lhs, rhs, wrong) in cases {
            let step = |r: &str| format!("{decls}\n{lhs}\n= {r}\n");
            same(&format!("{lhs}\n= {rhs}"), rule);
            for seed in 0..4 {
                let v = with_first_step(&step(rhs), seed, |p| {
                    NumericEngine::default().decide(p).into_verdict()
                });
                assert!(
                    matches!(v, Verdict::Confirmed { .. }),
                    "{lhs} = {rhs}: {v:?}"
                );
            }
            let v = with_first_step(&step(wrong), 1, |p| {
                NumericEngine::default().decide(p).into_verdict()
            });
            assert!(
                matches!(v, Verdict::Refuted { .. }),
                "{lhs} = {wrong}: {v:?}"
            );
        }
    }

    /// A gradient the rules cannot write (the vector depends on θ other
    /// than as θ) is not proved: the step is left to the numeric engine.
    #[test]
    fn a_jacobian_is_not_written() {
        let prog = program(&format!(
            "{DECLS}fun π_θ(a | s) : dist a\n\n∇_θ ⟨∇_θ π_θ(a | s), φ(s, a)⟩\n= 0\n"
        ));
        assert!(prog.errors.is_empty(), "{:?}", prog.errors);
        let mut n = Normalizer::new(&prog, Budget::default());
        assert!(n.normalize(&prog.chains[0].start.term).is_err());
    }

    #[test]
    fn bilinear_and_symmetric() {
        same(
            "⟨2 φ(s, a) + ψ(s), θ⟩ = 2 θ^T φ(s, a) + ⟨θ, ψ(s)⟩",
            super::Rule::InnerProductBilinear,
        );
        same(
            "⟨φ(s, a), ψ(s)⟩ = ⟨ψ(s), φ(s, a)⟩",
            super::Rule::InnerProductBilinear,
        );
    }

    #[test]
    fn an_inner_product_goes_inside_a_sum() {
        same(
            "⟨θ, Σ_b r(s, b) φ(s, b)⟩ = Σ_b r(s, b) θ^T φ(s, b)",
            super::Rule::InnerProductOfSum,
        );
    }

    #[test]
    fn the_gradient_of_a_linear_form_is_its_vector() {
        same(
            "∇_θ θ^T φ(s, a) = φ(s, a)",
            super::Rule::InnerProductGradient,
        );
        same(
            "⟨∇_θ ⟨θ, θ⟩, φ(s, a)⟩ = 2 θ^T φ(s, a)",
            super::Rule::InnerProductGradient,
        );
    }
}
