//! "Same form" (docs/grading.md): equality after light normalisation only.
//!
//! Commutativity and associativity of `+` and `·`, bound-variable names,
//! notation (already gone after resolution), a factor 1, and `a - b` as
//! `a + (-1)·b`. `E_{τ~p}[f]` and `Σ_τ p(τ) f` stay different forms.
//!
//! Beside it, the *ring form* ([`ring_form`]): the light form further
//! normalised by polynomial arithmetic over opaque atoms, so that grading
//! can tell a step that only rewrites an expression by arithmetic
//! (`A = A + 0 = 2A − A`) from one that changes it.

use crate::resolve::{BigDomain, Field, Program, Term, VarId};
use crate::syntax::ast::{BigOp, Func};
use num_rational::BigRational;
use num_traits::{One, Zero};
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

/// The function id that stands for the inner product `⟨u, v⟩` in forms:
/// no declared function has it.
const INNER: usize = usize::MAX;

/// The "set" of an integral's or a density's variable in a form: the real
/// line, which no declared set is.
pub const REAL_LINE: usize = usize::MAX;

/// The range of a Σ, Π or ∫ in a form.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Domain {
    /// A set ([`REAL_LINE`] for ℝ).
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
            Term::Param(p) | Term::ParamVector(p) => Form::Param(*p),
            // The inner product is symmetric: its operands are sorted.
            Term::Inner(a, b) => {
                let mut xs = vec![self.form(a), self.form(b)];
                xs.sort();
                Form::Call(INNER, xs)
            }
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
                    BigDomain::Real => Domain::Set(REAL_LINE),
                };
                let old = self.bind(*var);
                let b = self.form(body);
                self.unbind(*var, old);
                Form::Big(
                    match op {
                        BigOp::Sum => 0,
                        BigOp::Prod => 1,
                        BigOp::Integral => 2,
                    },
                    Box::new(d),
                    Box::new(b),
                )
            }
            Term::Expect { dist, body } => {
                let old = self.bind(dist.var);
                let w = self.form(&dist.weight);
                let b = self.form(body);
                self.unbind(dist.var, old);
                Form::Expect(dist.set.unwrap_or(REAL_LINE), Box::new(w), Box::new(b))
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

impl Form {
    /// The number of nodes of the form: how large an expression is, to
    /// tell a step that shortens one (`14 − 3 = 11`) from one that pads it.
    pub fn size(&self) -> usize {
        1 + match self {
            Form::Num(_) | Form::Param(_) | Form::Const(_) | Form::Free(_) | Form::Bound(_) => 0,
            Form::Component(a, _, b) | Form::Div(a, b) | Form::Pow(a, b) => a.size() + b.size(),
            Form::Sample(_, a) | Form::Func(_, a) | Form::Abs(a) | Form::Grad(_, a) => a.size(),
            Form::Call(_, xs) | Form::DefCall(_, xs) | Form::Add(xs) | Form::Mul(xs) => {
                xs.iter().map(Form::size).sum()
            }
            Form::Big(_, d, b) => {
                b.size()
                    + match d.as_ref() {
                        Domain::Set(_) => 1,
                        Domain::Range(lo, hi) => lo.size() + hi.size(),
                    }
            }
            Form::Expect(_, w, b) => w.size() + b.size(),
        }
    }
}

/// A term in its ring form: a polynomial with exact rational coefficients
/// over opaque atoms. Numbers are folded, zero terms dropped, like terms
/// collected (`2A − A` is `A`), products expanded (`A (B + C)` is
/// `A B + A C`) and exponents added (`A · B / B` is `A`, `x · x` is
/// `x^2`). Definitions are not unfolded; Σ, Π, E, ∇, log, exp, sqrt,
/// `|…|` and calls are atoms, whose arguments and bodies are ring forms
/// themselves. Terms sorted by monomial, no zero coefficient.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Ring(Vec<(Mono, BigRational)>);

/// A product of atoms with rational exponents, sorted, no zero exponent.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Mono(Vec<(Atom, BigRational)>);

/// What a ring form treats as a variable.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Atom {
    /// A parameter.
    Param(usize),
    /// A constant.
    Const(usize),
    /// A free variable.
    Free(VarId),
    /// A bound variable, by binding depth.
    Bound(usize),
    /// A trajectory component.
    Component(Box<Ring>, Field, Box<Ring>),
    /// A sample draw.
    Sample(usize, Box<Ring>),
    /// A function call.
    Call(usize, Vec<Ring>),
    /// A definition call, not unfolded.
    DefCall(usize, Vec<Ring>),
    /// log, exp, sqrt.
    Func(u8, Box<Ring>),
    /// Absolute value.
    Abs(Box<Ring>),
    /// Gradient.
    Grad(usize, Box<Ring>),
    /// Σ (0) or Π (1) over a set or a range.
    Big(u8, Box<RingDomain>, Box<Ring>),
    /// An expectation: the set, the weight and the body.
    Expect(usize, Box<Ring>, Box<Ring>),
    /// A sum that is raised to a power other than a small natural number
    /// (`(a + b)^-1`), kept whole so its powers still add.
    Group(Box<Ring>),
    /// A power that is not folded: a symbolic exponent, or a number past
    /// the bounds.
    Power(Box<Ring>, Box<Ring>),
}

/// The range of a Σ or Π in a ring form.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum RingDomain {
    /// A set.
    Set(usize),
    /// An integer range.
    Range(Ring, Ring),
}

/// Most terms of one polynomial in a ring form. Default: 1,000.
pub const MAX_RING_TERMS: usize = 1000;

/// Most elementary operations to build one expression's ring form.
/// Default: 200,000. Expanding a product of sums can grow without bound;
/// past the budget an expression has no ring form.
pub const MAX_RING_OPS: usize = 200_000;

/// Most bits above or below the fraction line of a folded number.
/// Default: 4,096.
pub const MAX_RING_BITS: u64 = 4096;

/// Largest natural power of a sum that is multiplied out. Default: 8.
pub const MAX_EXPANDED_POWER: i64 = 8;

/// The ring form of a light form, or `None` past the bounds above
/// ([`MAX_RING_OPS`], [`MAX_RING_TERMS`], [`MAX_RING_BITS`]).
pub fn ring_form(f: &Form) -> Option<Ring> {
    let mut ops = 0;
    RingBuilder { ops: &mut ops }.ring(f)
}

/// Whether two terms have the same ring form (both within the bounds).
pub fn same_ring_form(prog: &Program, a: &Term, b: &Term) -> bool {
    match (ring_form(&form(prog, a)), ring_form(&form(prog, b))) {
        (Some(x), Some(y)) => x == y,
        _ => false,
    }
}

impl Ring {
    fn zero() -> Ring {
        Ring(Vec::new())
    }

    fn number(q: BigRational) -> Ring {
        if q.is_zero() {
            Ring::zero()
        } else {
            Ring(vec![(Mono::default(), q)])
        }
    }

    fn atom(a: Atom) -> Ring {
        Ring(vec![(
            Mono(vec![(a, BigRational::one())]),
            BigRational::one(),
        )])
    }

    /// The number it is, if it is one.
    fn as_number(&self) -> Option<BigRational> {
        match self.0.as_slice() {
            [] => Some(BigRational::zero()),
            [(m, c)] if m.0.is_empty() => Some(c.clone()),
            _ => None,
        }
    }
}

fn small(q: &BigRational) -> bool {
    q.numer().bits() <= MAX_RING_BITS && q.denom().bits() <= MAX_RING_BITS
}

/// Builds ring forms within [`MAX_RING_OPS`].
struct RingBuilder<'o> {
    ops: &'o mut usize,
}

impl RingBuilder<'_> {
    fn spend(&mut self, n: usize) -> Option<()> {
        *self.ops += n;
        (*self.ops <= MAX_RING_OPS).then_some(())
    }

    fn boxed(&mut self, f: &Form) -> Option<Box<Ring>> {
        self.ring(f).map(Box::new)
    }

    fn all(&mut self, fs: &[Form]) -> Option<Vec<Ring>> {
        fs.iter().map(|f| self.ring(f)).collect()
    }

    fn ring(&mut self, f: &Form) -> Option<Ring> {
        self.spend(1)?;
        Some(match f {
            Form::Num(q) => Ring::number(q.clone()),
            Form::Param(p) => Ring::atom(Atom::Param(*p)),
            Form::Const(c) => Ring::atom(Atom::Const(*c)),
            Form::Free(v) => Ring::atom(Atom::Free(*v)),
            Form::Bound(d) => Ring::atom(Atom::Bound(*d)),
            Form::Component(t, field, time) => {
                Ring::atom(Atom::Component(self.boxed(t)?, *field, self.boxed(time)?))
            }
            Form::Sample(fam, i) => Ring::atom(Atom::Sample(*fam, self.boxed(i)?)),
            Form::Call(fun, args) => Ring::atom(Atom::Call(*fun, self.all(args)?)),
            Form::DefCall(def, args) => Ring::atom(Atom::DefCall(*def, self.all(args)?)),
            Form::Func(k, a) => Ring::atom(Atom::Func(*k, self.boxed(a)?)),
            Form::Abs(a) => Ring::atom(Atom::Abs(self.boxed(a)?)),
            Form::Grad(p, a) => Ring::atom(Atom::Grad(*p, self.boxed(a)?)),
            Form::Big(op, d, body) => {
                let d = match d.as_ref() {
                    Domain::Set(s) => RingDomain::Set(*s),
                    Domain::Range(lo, hi) => RingDomain::Range(self.ring(lo)?, self.ring(hi)?),
                };
                Ring::atom(Atom::Big(*op, Box::new(d), self.boxed(body)?))
            }
            Form::Expect(set, w, body) => {
                Ring::atom(Atom::Expect(*set, self.boxed(w)?, self.boxed(body)?))
            }
            Form::Add(parts) => {
                let mut sum = Ring::zero();
                for p in parts {
                    let r = self.ring(p)?;
                    sum = self.add(sum, r)?;
                }
                sum
            }
            Form::Mul(parts) => {
                let mut product = Ring::number(BigRational::one());
                for p in parts {
                    let r = self.ring(p)?;
                    product = self.mul(&product, &r)?;
                }
                product
            }
            Form::Div(a, b) => {
                let (a, b) = (self.ring(a)?, self.ring(b)?);
                let inverse = self.pow(b, Ring::number(-BigRational::one()))?;
                self.mul(&a, &inverse)?
            }
            Form::Pow(a, b) => {
                let (a, b) = (self.ring(a)?, self.ring(b)?);
                self.pow(a, b)?
            }
        })
    }

    fn add(&mut self, a: Ring, b: Ring) -> Option<Ring> {
        // The first term of every sum is added to zero.
        if a.0.is_empty() {
            return Some(b);
        }
        self.spend(a.0.len() + b.0.len())?;
        let mut terms: std::collections::BTreeMap<Mono, BigRational> = a.0.into_iter().collect();
        for (m, c) in b.0 {
            *terms.entry(m).or_insert_with(BigRational::zero) += c;
        }
        self.collect(terms)
    }

    fn collect(&mut self, terms: std::collections::BTreeMap<Mono, BigRational>) -> Option<Ring> {
        let out: Vec<(Mono, BigRational)> =
            terms.into_iter().filter(|(_, c)| !c.is_zero()).collect();
        if out.len() > MAX_RING_TERMS || !out.iter().all(|(_, c)| small(c)) {
            return None;
        }
        Some(Ring(out))
    }

    fn mul(&mut self, a: &Ring, b: &Ring) -> Option<Ring> {
        // The first factor of every product is multiplied by one.
        if a.as_number().is_some_and(|q| q.is_one()) {
            return Some(b.clone());
        }
        self.spend(a.0.len() * b.0.len())?;
        let mut terms = std::collections::BTreeMap::new();
        for (ma, ca) in &a.0 {
            for (mb, cb) in &b.0 {
                let m = self.mono_mul(ma, mb)?;
                *terms.entry(m).or_insert_with(BigRational::zero) += ca * cb;
            }
        }
        self.collect(terms)
    }

    fn mono_mul(&mut self, a: &Mono, b: &Mono) -> Option<Mono> {
        self.spend(a.0.len() + b.0.len())?;
        let mut factors: std::collections::BTreeMap<Atom, BigRational> =
            a.0.iter().cloned().collect();
        for (x, e) in &b.0 {
            *factors.entry(x.clone()).or_insert_with(BigRational::zero) += e;
        }
        Some(Mono(
            factors.into_iter().filter(|(_, e)| !e.is_zero()).collect(),
        ))
    }

    /// `base^exponent`: exponents multiplied, numbers raised, small
    /// natural powers of sums multiplied out; other powers are atoms.
    fn pow(&mut self, base: Ring, exponent: Ring) -> Option<Ring> {
        let Some(q) = exponent.as_number() else {
            return Some(Ring::atom(Atom::Power(Box::new(base), Box::new(exponent))));
        };
        if q.is_zero() {
            return Some(Ring::number(BigRational::one()));
        }
        if q.is_one() {
            return Some(base);
        }
        let whole = q
            .is_integer()
            .then(|| q.to_integer())
            .and_then(|n| i64::try_from(n).ok());
        match base.0.as_slice() {
            [] if q > BigRational::zero() => Some(Ring::zero()),
            [(m, c)] => {
                let coefficient = match whole {
                    _ if c.is_one() => Some(BigRational::one()),
                    Some(n)
                        if n.unsigned_abs() <= 64
                            && c.numer().bits().max(c.denom().bits()) * n.unsigned_abs()
                                <= MAX_RING_BITS =>
                    {
                        Some(num_traits::pow::Pow::pow(c, n as i32))
                    }
                    _ => None,
                };
                match coefficient {
                    Some(k) => {
                        self.spend(m.0.len())?;
                        let mut factors = Vec::with_capacity(m.0.len());
                        for (x, e) in &m.0 {
                            let e = e * &q;
                            if !small(&e) {
                                return None;
                            }
                            factors.push((x.clone(), e));
                        }
                        Some(Ring(vec![(Mono(factors), k)]))
                    }
                    None => Some(self.group(base, q)),
                }
            }
            _ => match whole {
                Some(n) if (2..=MAX_EXPANDED_POWER).contains(&n) => {
                    let mut out = base.clone();
                    for _ in 1..n {
                        out = self.mul(&out, &base)?;
                    }
                    Some(out)
                }
                _ => Some(self.group(base, q)),
            },
        }
    }

    /// A sum (or a number past the bounds) kept whole, raised to `q`.
    fn group(&mut self, base: Ring, q: BigRational) -> Ring {
        if base.as_number().is_some() {
            return Ring::atom(Atom::Power(Box::new(base), Box::new(Ring::number(q))));
        }
        Ring(vec![(
            Mono(vec![(Atom::Group(Box::new(base)), q)]),
            BigRational::one(),
        )])
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

    /// Whether the two expressions have the same ring form.
    #[track_caller]
    fn rings(decls: &str, a: &str, b: &str) -> bool {
        let (prog, _) = resolve_text(&format!("{decls}\n\n{a}\n= {b}\n"));
        assert!(prog.errors.is_empty(), "{:?}", prog.errors);
        let c = &prog.chains[0];
        same_ring_form(&prog, &c.start.term, &c.steps[0].expr.term)
    }

    const ARITH: &str =
        "const a\nconst b\nconst c\nvar x\nfun f(x)\ndef J = a + b\nset T\nvar τ in T\nfun g(τ)";

    #[test]
    fn ring_forms_fold_numbers_collect_terms_and_add_exponents() {
        for (x, y) in [
            ("a", "a + 0"),
            ("a", "2 a - a"),
            ("a", "a + 3 - 3"),
            ("a", "a · b / b"),
            ("x · x", "x^2"),
            ("a (b + c)", "a b + c a"),
            ("(a + b)^2", "a^2 + 2 a b + b^2"),
            ("0.7 · 20 + 0.3 · (-10)", "11"),
            ("14 - 3", "11"),
            ("1 / (a + b) · 1 / (a + b)", "(a + b)^(-2)"),
            ("a^(1/2) a^(1/2)", "a"),
            ("f(x + 0)", "f(x)"),
            ("log(2 a - a)", "log(a)"),
            ("Σ_{τ ∈ T} g(τ) · 1", "Σ_{σ ∈ T} (g(σ) + 0)"),
            ("J + 0", "J"),
        ] {
            assert!(rings(ARITH, x, y), "{x} and {y}");
        }
    }

    #[test]
    fn ring_forms_keep_what_is_not_arithmetic() {
        for (x, y) in [
            ("J", "a + b"),
            ("log(a b)", "log(a) + log(b)"),
            ("exp(a + b)", "exp(a) exp(b)"),
            ("Σ_τ (g(τ) + 1)", "Σ_τ g(τ) + Σ_τ 1"),
            ("Σ_τ 2 g(τ)", "2 Σ_τ g(τ)"),
            ("a", "a + 1"),
            ("|a|", "a"),
            ("sqrt(a)", "a^(1/2)"),
            ("(a + b) / (a + b)", "1"),
        ] {
            assert!(!rings(ARITH, x, y), "{x} and {y}");
        }
        assert!(!rings(PG, "E_{τ~Pr_θ}[R(τ)]", "Σ_τ Pr_θ(τ) R(τ)"));
        assert!(!rings(PG, "∇_θ Σ_τ Pr_θ(τ) R(τ)", "Σ_τ ∇_θ Pr_θ(τ) R(τ)"));
        // Multiplying and dividing by the same factor is arithmetic.
        assert!(rings(
            PG,
            "Σ_τ ∇_θ Pr_θ(τ) R(τ)",
            "Σ_τ Pr_θ(τ) (∇_θ Pr_θ(τ) / Pr_θ(τ)) R(τ)"
        ));
    }

    #[test]
    fn ring_forms_stay_within_their_bounds() {
        let sums: String = (0..40)
            .map(|k| format!("(f({}) + f({})) ", 2 * k, 2 * k + 1))
            .collect();
        let (prog, _) = resolve_text(&format!("{ARITH}\n\n{sums}\n= a\n\n2^99999999 · a\n= a\n"));
        assert!(prog.errors.is_empty(), "{:?}", prog.errors);
        let started = std::time::Instant::now();
        let start = |k: usize| ring_form(&form(&prog, &prog.chains[k].start.term));
        // A product of forty sums would have 2^40 terms: no ring form.
        assert_eq!(start(0), None);
        // A number of a hundred million bits is not computed: the power
        // stays an atom, unlike 2^3 · a.
        assert!(!rings(ARITH, "2^99999999 · a", "8 a"));
        assert!(rings(ARITH, "2^3 · a", "8 a"));
        assert!(start(1).is_some());
        assert!(started.elapsed().as_secs() < 2, "{:?}", started.elapsed());
        let f = form(&prog, &prog.chains[0].steps[0].expr.term);
        assert_eq!(f.size(), 1);
        assert!(ring_form(&f).is_some());
    }

    #[test]
    fn expectation_and_sum_are_different_forms() {
        assert!(!forms(PG, "E_{τ~Pr_θ}[R(τ)]", "Σ_τ Pr_θ(τ) R(τ)"));
        assert!(!forms(PG, "2 · 3", "6"));
    }
}
