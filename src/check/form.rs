//! "Same form" (SPEC §5): equality after light normalisation only.
//!
//! Commutativity and associativity of `+` and `·`, bound-variable names,
//! notation (already gone after resolution), a factor 1, and `a - b` as
//! `a + (-1)·b`. `E_{τ~p}[f]` and `Σ_τ p(τ) f` stay different forms.

use crate::resolve::{BigDomain, Field, Program, Term, VarId};
use crate::syntax::ast::{BigOp, Func};
use num_rational::BigRational;
use num_traits::One;
use std::collections::HashMap;

/// A term in its light normal form, comparable and sortable.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Form {
    /// A number.
    Num(BigRational),
    /// A parameter.
    Param(usize),
    /// A constant.
    Const(usize),
    /// A free variable.
    Free(VarId),
    /// A bound variable, by binding depth.
    Bound(usize),
    /// A trajectory component.
    Component(Box<Form>, Field, Box<Form>),
    /// A sample draw.
    Sample(usize, Box<Form>),
    /// A function call.
    Call(usize, Vec<Form>),
    /// A definition call.
    DefCall(usize, Vec<Form>),
    /// A sum, operands sorted.
    Add(Vec<Form>),
    /// A product, operands sorted, factors 1 dropped.
    Mul(Vec<Form>),
    /// A quotient.
    Div(Box<Form>, Box<Form>),
    /// A power.
    Pow(Box<Form>, Box<Form>),
    /// log, exp, sqrt.
    Func(u8, Box<Form>),
    /// Absolute value.
    Abs(Box<Form>),
    /// Gradient.
    Grad(usize, Box<Form>),
    /// Σ (0) or Π (1) over a set or a range.
    Big(u8, Box<Domain>, Box<Form>),
    /// An expectation: the set, the weight and the body.
    Expect(usize, Box<Form>, Box<Form>),
}

/// The range of a Σ or Π in a form.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Domain {
    /// A set.
    Set(usize),
    /// An integer range.
    Range(Form, Form),
}

struct Builder<'a> {
    _prog: &'a Program,
    depth: HashMap<VarId, usize>,
    next: usize,
}

/// The light normal form of a term.
pub fn form(prog: &Program, t: &Term) -> Form {
    let mut b = Builder {
        _prog: prog,
        depth: HashMap::new(),
        next: 0,
    };
    b.form(t)
}

/// Whether two terms have the same form.
pub fn same_form(prog: &Program, a: &Term, b: &Term) -> bool {
    form(prog, a) == form(prog, b)
}

fn minus_one() -> Form {
    Form::Num(-BigRational::one())
}

impl Builder<'_> {
    fn bind(&mut self, v: VarId) -> Option<usize> {
        let old = self.depth.insert(v, self.next);
        self.next += 1;
        old
    }

    fn unbind(&mut self, v: VarId, old: Option<usize>) {
        self.next -= 1;
        match old {
            Some(d) => self.depth.insert(v, d),
            None => self.depth.remove(&v),
        };
    }

    fn form(&mut self, t: &Term) -> Form {
        match t {
            Term::Num(n) => Form::Num(n.clone()),
            Term::Param(p) => Form::Param(*p),
            Term::Const(c) => Form::Const(*c),
            Term::Var(v) => match self.depth.get(v) {
                Some(d) => Form::Bound(*d),
                None => Form::Free(*v),
            },
            Term::Component { traj, field, time } => Form::Component(
                Box::new(self.form(&Term::Var(*traj))),
                *field,
                Box::new(self.form(time)),
            ),
            Term::Sample { family, index } => Form::Sample(*family, Box::new(self.form(index))),
            Term::Call { fun, args } => {
                Form::Call(*fun, args.iter().map(|a| self.form(a)).collect())
            }
            Term::DefCall { def, args } => {
                Form::DefCall(*def, args.iter().map(|a| self.form(a)).collect())
            }
            Term::Add(a, b) => {
                let (a, b) = (self.form(a), self.form(b));
                add(vec![a, b])
            }
            Term::Sub(a, b) => {
                let (a, b) = (self.form(a), self.form(b));
                add(vec![a, mul(vec![minus_one(), b])])
            }
            Term::Neg(a) => {
                let a = self.form(a);
                mul(vec![minus_one(), a])
            }
            Term::Mul(a, b) => {
                let (a, b) = (self.form(a), self.form(b));
                mul(vec![a, b])
            }
            Term::Div(a, b) => Form::Div(Box::new(self.form(a)), Box::new(self.form(b))),
            Term::Pow(a, b) => Form::Pow(Box::new(self.form(a)), Box::new(self.form(b))),
            Term::Func(f, a) => Form::Func(
                match f {
                    Func::Log => 0,
                    Func::Exp => 1,
                    Func::Sqrt => 2,
                },
                Box::new(self.form(a)),
            ),
            Term::Abs(a) => Form::Abs(Box::new(self.form(a))),
            Term::Grad { param, body } => Form::Grad(*param, Box::new(self.form(body))),
            Term::Big {
                op,
                var,
                domain,
                body,
            } => {
                let d = match domain {
                    BigDomain::Set(s) => Domain::Set(*s),
                    BigDomain::Range(lo, hi) => Domain::Range(self.form(lo), self.form(hi)),
                };
                let old = self.bind(*var);
                let b = self.form(body);
                self.unbind(*var, old);
                Form::Big(
                    if *op == BigOp::Sum { 0 } else { 1 },
                    Box::new(d),
                    Box::new(b),
                )
            }
            Term::Expect { dist, body } => {
                let old = self.bind(dist.var);
                let w = self.form(&dist.weight);
                let b = self.form(body);
                self.unbind(dist.var, old);
                Form::Expect(dist.set, Box::new(w), Box::new(b))
            }
        }
    }
}

fn add(parts: Vec<Form>) -> Form {
    let mut out = Vec::new();
    for p in parts {
        match p {
            Form::Add(inner) => out.extend(inner),
            other => out.push(other),
        }
    }
    out.sort();
    if out.len() == 1 {
        return out
            .pop()
            .unwrap_or(Form::Num(BigRational::from_integer(0.into())));
    }
    Form::Add(out)
}

fn mul(parts: Vec<Form>) -> Form {
    let mut out = Vec::new();
    for p in parts {
        match p {
            Form::Mul(inner) => out.extend(inner),
            Form::Num(n) if n.is_one() => {}
            other => out.push(other),
        }
    }
    out.sort();
    match out.len() {
        0 => Form::Num(BigRational::one()),
        1 => out.pop().unwrap_or(Form::Num(BigRational::one())),
        _ => Form::Mul(out),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resolve::resolve_text;

    fn forms(decls: &str, a: &str, b: &str) -> bool {
        let (prog, _) = resolve_text(&format!("{decls}\n\n{a}\n= {b}\n"));
        assert!(prog.errors.is_empty(), "{:?}", prog.errors);
        let c = &prog.chains[0];
        same_form(&prog, &c.start.term, &c.steps[0].expr.term)
    }

    const PG: &str = "param θ\nset T\nvar τ in T\nfun R(τ)\nfun Pr_θ(τ) : dist τ";

    #[test]
    fn commutativity_and_bound_names_do_not_matter() {
        assert!(forms(PG, "Σ_τ Pr_θ(τ) R(τ)", "Σ_{τ' ∈ T} R(τ') · Pr_θ(τ')"));
        assert!(forms(PG, "1 · R(τ) - 2", "R(τ) + (-1) · 2"));
    }

    #[test]
    fn expectation_and_sum_are_different_forms() {
        assert!(!forms(PG, "E_{τ~Pr_θ}[R(τ)]", "Σ_τ Pr_θ(τ) R(τ)"));
        assert!(!forms(PG, "2 · 3", "6"));
    }
}
