//! Normalisation: resolved terms → polynomial normal forms.
//!
//! Definitions are unfolded, `E_{x~p}[f]` becomes `Σ_x p(x)·f`, products
//! are expanded and like terms collected, monomial factors cancel by
//! exponent arithmetic, gradients are pushed through sums, products,
//! quotients, log, exp and powers down to the abstract `∇_θ f_θ(…)` atoms,
//! log and exp laws apply where the arguments are known positive, and Σ is
//! linear with factors independent of its variable pulled out. Each law is
//! a [`Rule`] recorded when it fires. Anything outside the rules' side
//! conditions is left as an atom, so normal forms may differ for equal
//! values (the step then goes to the numeric engine), never the reverse.

mod inner;
#[cfg(test)]
mod inner_proptests;

use super::q::Q;
use super::rules::{Rule, Rules};
use super::store::{param_bit, Atom, AtomId, Dom, Factor, MonoId, Poly, PolyId, Store, UNIT};
use crate::resolve::{BigDomain, DefInput, FunKind, Input, ParamId, Program, Term, VarId};
use crate::syntax::ast::{BigOp, Func};
use foldhash::{HashMap, HashMapExt};

/// Bounds on one normalisation. Running out declines the step (the
/// numeric engine decides it).
#[derive(Clone, Copy, Debug)]
pub struct Budget {
    /// Most monomials in one polynomial. Default: 4,000.
    pub max_terms: usize,
    /// Most elementary operations for one expression's normal form, and
    /// again for comparing a step's two sides. Default: 2,000,000.
    pub max_ops: u64,
}

impl Default for Budget {
    fn default() -> Self {
        Budget {
            max_terms: 4_000,
            max_ops: 2_000_000,
        }
    }
}

/// Ranges of at most this many known integers are written out term by term.
pub const MAX_UNROLL: i64 = 16;

/// Why a term was not normalised: a construct outside the rules
/// (`Reason::Unsupported`, what `"…".into()` gives) or a bound of the
/// [`Budget`] (`Reason::Budget`).
pub type Decline = crate::verdict::Reason;
type R<T> = Result<T, Decline>;

/// How free de Bruijn indices are rewritten.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Remap {
    /// Add this to every free index.
    Shift(i32),
    /// Exchange the first two free indices (two adjacent binders swapped).
    Swap,
}

impl Remap {
    /// Whether a term that refers to the free indices `refs` (counted
    /// from the cutoff) is left as it is.
    fn leaves(self, refs: u64) -> bool {
        match self {
            Remap::Shift(_) => refs == 0,
            Remap::Swap => refs & 3 == 0,
        }
    }
}

/// What an operation needs of its argument to have a value: `log u` and
/// a power with a symbolic or negative fractional exponent need `u > 0`,
/// `sqrt u` and a positive fractional power `u ≥ 0`, a quotient by `u` and
/// a negative integer power `u ≠ 0`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Need {
    /// `u > 0`.
    Positive,
    /// `u ≥ 0`.
    NonNegative,
    /// `u ≠ 0`.
    NonZero,
}

impl Need {
    /// Whether a term that has `self` of its argument has `other` too.
    fn implies(self, other: Need) -> bool {
        self == other || self == Need::Positive
    }
}

/// A condition for an expression to have a value: the normal form of an
/// argument, what it must be, and the domains of the binders whose
/// variables the argument refers to (innermost first; an argument under a
/// binder must hold for every value of its variable), so that a condition
/// on a bound variable is compared only with one over the same domain.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Condition {
    /// What the argument must be.
    pub need: Need,
    /// The argument's normal form.
    pub arg: PolyId,
    /// For each binder the argument may refer to, innermost first, its
    /// domain (a placeholder for those it does not refer to); every binder
    /// around it when a domain refers to an outer bound variable.
    pub binders: Vec<Dom>,
}

/// Whether an expression with conditions `narrow` has a value wherever one
/// with conditions `wide` has one, as far as the conditions show: each
/// condition in `narrow` is one of `wide`'s, or implied by one.
pub fn domain_contains(wide: &[Condition], narrow: &[Condition]) -> bool {
    narrow.iter().all(|c| {
        wide.iter()
            .any(|w| w.arg == c.arg && w.binders == c.binders && w.need.implies(c.need))
    })
}

#[derive(Clone, Copy, Debug)]
enum Binding {
    /// Bound by a binder opened at this depth.
    Bound(u32),
    /// A definition's argument, normalised at this depth.
    Value(PolyId, u32),
}

/// Turns resolved terms into normal forms in a shared store.
pub struct Normalizer<'a> {
    prog: &'a Program,
    /// The interning store.
    pub store: Box<Store>,
    env: Vec<Option<Binding>>,
    alias: Vec<ParamId>,
    depth: u32,
    /// The rules that fired.
    pub rules: Rules,
    /// The conditions for the terms normalised since the last
    /// [`Normalizer::start_afresh`] to have a value.
    pub conditions: Vec<Condition>,
    /// The domains of the binders the normalizer is under.
    binders: Vec<Dom>,
    ops: u64,
    budget: Budget,
    shift_memo: HashMap<(PolyId, u32, Remap), PolyId>,
    /// Empty buffers for building monomials.
    bufs: Vec<Vec<Factor>>,
}

impl<'a> Normalizer<'a> {
    /// A normalizer for a program, with an empty store. A
    /// [`super::Session`] keeps one for all the steps of a chain, so its
    /// store grows once a chain, not once a step.
    pub fn new(prog: &'a Program, budget: Budget) -> Self {
        Normalizer {
            prog,
            store: Box::default(),
            env: vec![None; prog.vars.len()],
            alias: (0..prog.params.len()).collect(),
            depth: 0,
            rules: Rules::default(),
            conditions: Vec::new(),
            binders: Vec::new(),
            ops: 0,
            budget,
            shift_memo: HashMap::new(),
            bufs: Vec::new(),
        }
    }

    /// An empty buffer of factors (give it back with [`Self::give`]).
    fn buf(&mut self) -> Vec<Factor> {
        self.bufs.pop().unwrap_or_default()
    }

    fn give(&mut self, mut b: Vec<Factor>) {
        b.clear();
        self.bufs.push(b);
    }

    /// Start a new normalisation in the same store: a fresh operation
    /// budget, and no rules fired yet.
    pub fn start_afresh(&mut self) {
        self.ops = 0;
        self.rules = Rules::default();
        self.conditions.clear();
    }

    /// Record that the term `t`, whose normal form is `p`, must not be 0:
    /// each of its factors must not be (`(x² + 1)²` is not 0 where
    /// `x² + 1` is not), which is how it is written in the conditions.
    fn require_nonzero(&mut self, t: &Term, p: &Poly) -> R<()> {
        let mut factors = Vec::new();
        nonzero_factors(t, &mut factors);
        if factors.len() == 1 && std::ptr::eq(factors[0], t) {
            self.require(Need::NonZero, p);
            return Ok(());
        }
        let rules = self.rules;
        for f in factors {
            let fp = self.normalize(f)?;
            self.require(Need::NonZero, &fp);
        }
        self.rules = rules;
        Ok(())
    }

    /// Record that `p` must meet `need` for the term being normalised to
    /// have a value, unless it always does (a positive normal form, or a
    /// number that meets it).
    fn require(&mut self, need: Need, p: &Poly) {
        if self.store.positive(p) {
            return;
        }
        if let Some(c) = p.as_constant() {
            let met = match need {
                Need::Positive => c.is_positive(),
                Need::NonNegative => !c.is_negative(),
                Need::NonZero => !c.is_zero(),
            };
            if met {
                return;
            }
        }
        let arg = self.store.intern_poly_ref(p);
        // The domains of the binders the argument refers to, innermost
        // first; all of them when one of those domains refers to an outer
        // bound variable.
        let refs = self.store.poly_refs(arg);
        let mut binders = Vec::new();
        let mut whole = self.binders.len() > 63;
        for (i, d) in self.binders.iter().rev().enumerate().take(63) {
            if refs & (1 << i) != 0 {
                if let Dom::Range(lo, hi) = d {
                    whole |= self.store.poly_refs(*lo) != 0 || self.store.poly_refs(*hi) != 0;
                }
                binders.push(d.clone());
            } else {
                binders.push(Dom::Set(usize::MAX));
            }
        }
        while binders.last() == Some(&Dom::Set(usize::MAX)) {
            binders.pop();
        }
        if whole {
            binders = self.binders.iter().rev().cloned().collect();
        }
        let c = Condition { need, arg, binders };
        if !self.conditions.contains(&c) {
            self.conditions.push(c);
        }
    }

    /// Bytes held by the store.
    pub fn footprint(&self) -> usize {
        self.store.footprint()
    }

    fn tick(&mut self, n: u64) -> R<()> {
        self.ops += n;
        if self.ops > self.budget.max_ops {
            return Err(Decline::Budget(format!(
                "normalisation needs more than {} operations",
                self.budget.max_ops
            )));
        }
        Ok(())
    }

    fn atom(&mut self, a: Atom, positive: bool) -> AtomId {
        self.store.intern_atom(a, positive)
    }

    fn atom_poly(&mut self, a: Atom, positive: bool) -> Poly {
        let a = self.atom(a, positive);
        self.store.atom_poly(a)
    }

    fn intern(&mut self, p: Poly) -> PolyId {
        self.store.intern_poly(p)
    }

    // ------------------------------------------------------- arithmetic

    /// `a + b`.
    pub fn add(&mut self, a: &Poly, b: &Poly) -> R<Poly> {
        self.merge(a, b, false)
    }

    /// `a - b`.
    pub fn sub(&mut self, a: &Poly, b: &Poly) -> R<Poly> {
        self.merge(a, b, true)
    }

    /// `a + b`, or `a - b` when `negate`: the sorted terms merged.
    fn merge(&mut self, a: &Poly, b: &Poly, negate: bool) -> R<Poly> {
        self.tick((a.len() + b.len()) as u64)?;
        let neg = |c: &Q| if negate { c.neg() } else { c.clone() };
        let mut out = Vec::with_capacity(a.len() + b.len());
        let (mut i, mut j) = (0, 0);
        while i < a.len() && j < b.len() {
            match self.store.cmp_mono(a[i].0, b[j].0) {
                std::cmp::Ordering::Less => {
                    out.push(a[i].clone());
                    i += 1;
                }
                std::cmp::Ordering::Greater => {
                    out.push((b[j].0, neg(&b[j].1)));
                    j += 1;
                }
                std::cmp::Ordering::Equal => {
                    let c = if negate {
                        a[i].1.sub(&b[j].1)
                    } else {
                        a[i].1.add(&b[j].1)
                    };
                    if !c.is_zero() {
                        out.push((a[i].0, c));
                    } else {
                        self.rules.insert(Rule::CollectTerms);
                    }
                    i += 1;
                    j += 1;
                }
            }
        }
        out.extend_from_slice(&a[i..]);
        out.extend(b[j..].iter().map(|(m, c)| (*m, neg(c))));
        if out.len() > self.budget.max_terms {
            return Err(Decline::Budget(format!(
                "the expansion has more than {} terms",
                self.budget.max_terms
            )));
        }
        Ok(Poly::from_vec(out))
    }

    fn scale(&self, a: &Poly, q: &Q) -> Poly {
        if q.is_zero() {
            return Poly::zero();
        }
        match a {
            Poly::One((m, c)) => Poly::term(*m, c.mul(q)),
            Poly::Many(v) => Poly::from_vec(v.iter().map(|(m, c)| (*m, c.mul(q))).collect()),
        }
    }

    fn mul_mono(&mut self, a: MonoId, b: MonoId) -> MonoId {
        let (m, cancelled) = self.store.mul_mono(a, b);
        if cancelled {
            self.rules.insert(Rule::Cancellation);
        }
        m
    }

    /// `a · b`, expanded.
    pub fn mul(&mut self, a: &Poly, b: &Poly) -> R<Poly> {
        let n = a.len() * b.len();
        if n > self.budget.max_terms * 4 {
            return Err(Decline::Budget(format!(
                "the expansion has more than {} terms",
                self.budget.max_terms
            )));
        }
        self.tick(n as u64)?;
        if let ([(ma, ca)], [(mb, cb)]) = (a.terms(), b.terms()) {
            let m = self.mul_mono(*ma, *mb);
            if self.store.mono_info(m).vectors > 1 {
                return Err("a product of two gradient vectors".into());
            }
            return Ok(Poly::term(m, ca.mul(cb)));
        }
        if a.len() > 1 || b.len() > 1 {
            self.rules.insert(Rule::Expansion);
        }
        let mut terms: Vec<(MonoId, Q)> = Vec::with_capacity(n);
        for (ma, ca) in a.iter() {
            for (mb, cb) in b.iter() {
                let m = self.mul_mono(*ma, *mb);
                // A product of two vectors has no meaning here.
                if self.store.mono_info(m).vectors > 1 {
                    return Err("a product of two gradient vectors".into());
                }
                terms.push((m, ca.mul(cb)));
            }
        }
        if terms.len() > 1 {
            let store = &self.store;
            terms.sort_by(|x, y| store.cmp_mono(x.0, y.0));
        }
        let mut out: Vec<(MonoId, Q)> = Vec::with_capacity(terms.len());
        for (m, c) in terms {
            match out.last_mut() {
                Some((lm, lc)) if *lm == m => {
                    *lc = lc.add(&c);
                    self.rules.insert(Rule::CollectTerms);
                }
                _ => out.push((m, c)),
            }
        }
        out.retain(|(_, c)| !c.is_zero());
        if out.len() > self.budget.max_terms {
            return Err(Decline::Budget(format!(
                "the expansion has more than {} terms",
                self.budget.max_terms
            )));
        }
        Ok(Poly::from_vec(out))
    }

    /// The monomial `m` with every exponent multiplied by `q` (non-zero).
    fn mono_pow(&mut self, m: MonoId, q: &Q) -> MonoId {
        self.store.map_mono(m, |_, (a, e)| Some((*a, e.mul(q))))
    }

    /// `p ^ k` for an integer `k`: expansion for `k ≥ 0`; for `k < 0`
    /// monomials invert exponent-wise, sums become [`Atom::Inv`].
    pub fn pow_int(&mut self, p: &Poly, k: i64) -> R<Poly> {
        if k == 0 {
            return Ok(Poly::constant(Q::ONE));
        }
        if k > 0 {
            if p.len() > 1 && k > 12 {
                return Err(Decline::Budget(format!(
                    "a power {k} of a sum is too large to expand"
                )));
            }
            // One monomial: raise the coefficient and scale the exponents,
            // in one step whatever k is (a loop of k products would take
            // time and memory in proportion to k).
            if let [(m, c)] = p.terms() {
                if k > 1 && self.store.mono_info(*m).vectors > 0 {
                    return Err("a product of two gradient vectors".into());
                }
                let c = c.powi(k).ok_or("a coefficient power too large")?;
                let m = self.mono_pow(*m, &Q::int(k));
                return Ok(Poly::term(m, c));
            }
            let mut acc = p.clone();
            for _ in 1..k {
                acc = self.mul(&acc, p)?;
            }
            return Ok(acc);
        }
        match p.terms() {
            [] => Err(Decline::Domain("division by zero".into())),
            [(m, c)] => {
                let c = c.powi(k).ok_or("a coefficient power too large")?;
                let m = self.mono_pow(*m, &Q::int(k));
                if self.store.mono_info(m).vectors > 0 {
                    return Err("division by a gradient vector".into());
                }
                Ok(Poly::term(m, c))
            }
            _ => {
                if self.store.has_vector(p) {
                    return Err("division by a gradient vector".into());
                }
                // 1/P with P = c·P' (P' leading coefficient 1): c⁻¹ · Inv(P').
                let lead = p[0].1.clone();
                let inv_lead = lead.recip().ok_or("division by zero")?;
                let normal = self.scale(p, &inv_lead);
                let pid = self.intern(normal);
                let inv = self.atom(Atom::Inv(pid), false);
                let c = inv_lead.powi(-k).ok_or("a coefficient power too large")?;
                let m = self.store.intern_mono(&[(inv, Q::int(-k))]);
                Ok(Poly::term(m, c))
            }
        }
    }

    /// `a / b` when `b` divides `a` exactly as polynomials (both with
    /// non-negative integer exponents): long division in graded
    /// lexicographic order, which leaves no remainder exactly when `b`
    /// divides `a`.
    fn divide_exactly(&mut self, a: &Poly, b: &Poly) -> R<Option<Poly>> {
        let polynomial = |s: &Store, p: &Poly| {
            p.iter().all(|(m, _)| {
                s.mono(*m)
                    .iter()
                    .all(|(_, e)| e.is_integer() && !e.is_negative())
            })
        };
        if !polynomial(&self.store, a) || !polynomial(&self.store, b) || a.is_zero() {
            return Ok(None);
        }
        let lead = |s: &Store, p: &Poly| -> (MonoId, Q) {
            p.iter()
                .max_by(|x, y| grlex(s.mono(x.0), s.mono(y.0)))
                .cloned()
                .unwrap_or((UNIT, Q::ZERO))
        };
        let (lb, cb) = lead(&self.store, b);
        let mut r = a.clone();
        let mut q = Poly::zero();
        let mut t: Vec<Factor> = Vec::new();
        for _ in 0..self.budget.max_terms {
            if r.is_zero() {
                return Ok(Some(q));
            }
            let (lr, cr) = lead(&self.store, &r);
            // lb must divide lr.
            t.clear();
            let lbm = self.store.mono(lb);
            let mut j = 0;
            for (atom, e) in self.store.mono(lr) {
                let d = match lbm.get(j) {
                    Some((x, f)) if x == atom => {
                        j += 1;
                        e.sub(f)
                    }
                    _ => e.clone(),
                };
                if d.is_negative() {
                    return Ok(None);
                }
                if !d.is_zero() {
                    t.push((*atom, d));
                }
            }
            if j < lbm.len() {
                return Ok(None);
            }
            let c = cr.mul(&cb.recip().ok_or("division by zero")?);
            let tm = self.store.intern_mono(&t);
            let term = Poly::term(tm, c);
            q = self.add(&q, &term)?;
            let tb = self.mul(&term, b)?;
            r = self.sub(&r, &tb)?;
        }
        Ok(None)
    }

    /// `p ^ q` for a rational `q`.
    fn pow_q(&mut self, p: &Poly, q: &Q) -> R<Poly> {
        if let Some(k) = q.as_i64() {
            return self.pow_int(p, k);
        }
        // (c · Π aᵢ^eᵢ)^q = Π aᵢ^(q·eᵢ) for positive atoms and c = 1.
        if let [(m, c)] = p.terms() {
            if c.is_one() && self.store.mono_info(*m).positive {
                self.rules.insert(Rule::PowerOfProduct);
                let m = self.mono_pow(*m, q);
                return Ok(Poly::term(m, Q::ONE));
            }
        }
        let b = self.store.intern_poly_ref(p);
        let e = self.intern(Poly::constant(q.clone()));
        let pos = self.store.positive(p);
        Ok(self.atom_poly(Atom::Pow(b, e), pos))
    }

    // ------------------------------------------------ de Bruijn shifting

    /// Add `delta` to every free index `≥ cutoff`.
    fn shift(&mut self, p: PolyId, cutoff: u32, delta: i32) -> R<PolyId> {
        if delta == 0 {
            return Ok(p);
        }
        self.remap(p, cutoff, Remap::Shift(delta))
    }

    /// Rewrite the free indices of `p` (those `≥ cutoff`, counted from
    /// `cutoff`).
    fn remap(&mut self, p: PolyId, cutoff: u32, how: Remap) -> R<PolyId> {
        if how.leaves(self.store.poly_refs(p) >> cutoff) {
            return Ok(p);
        }
        if let Some(&r) = self.shift_memo.get(&(p, cutoff, how)) {
            return Ok(r);
        }
        let poly = self.store.poly(p).clone();
        let mut terms = Vec::with_capacity(poly.len());
        let (mut nm, mut merged) = (self.buf(), self.buf());
        for (m, c) in poly.iter().cloned() {
            nm.clear();
            merged.clear();
            for i in 0..self.store.mono_len(m) {
                let (a, e) = self.store.factor(m, i);
                nm.push((self.remap_atom(a, cutoff, how)?, e));
            }
            nm.sort_by_key(|x| x.0);
            // Remapping can make two factors equal (`a_0 · a_1` swapped).
            for (a, e) in nm.drain(..) {
                match merged.last_mut() {
                    Some((la, le)) if *la == a => *le = le.add(&e),
                    _ => merged.push((a, e)),
                }
            }
            merged.retain(|(_, e)| !e.is_zero());
            terms.push((self.store.intern_mono(&merged), c));
        }
        self.give(nm);
        self.give(merged);
        let mut poly = Poly::zero();
        for (m, c) in terms {
            poly = self.add(&poly, &Poly::term(m, c))?;
        }
        let r = self.intern(poly);
        self.shift_memo.insert((p, cutoff, how), r);
        Ok(r)
    }

    fn shift_atom(&mut self, a: AtomId, cutoff: u32, delta: i32) -> R<AtomId> {
        if delta == 0 {
            return Ok(a);
        }
        self.remap_atom(a, cutoff, Remap::Shift(delta))
    }

    fn remap_dom(&mut self, d: &Dom, cutoff: u32, how: Remap) -> R<Dom> {
        Ok(match d {
            Dom::Set(s) => Dom::Set(*s),
            Dom::Real => Dom::Real,
            Dom::Range(lo, hi) => {
                Dom::Range(self.remap(*lo, cutoff, how)?, self.remap(*hi, cutoff, how)?)
            }
        })
    }

    fn remap_atom(&mut self, a: AtomId, cutoff: u32, how: Remap) -> R<AtomId> {
        self.tick(1)?;
        if how.leaves(self.store.info(a).refs >> cutoff) {
            return Ok(a);
        }
        let pos = self.store.info(a).positive;
        let atom = self.store.atom(a).clone();
        let new = match atom {
            Atom::Bound(i) => match how {
                Remap::Shift(delta) => {
                    let j = i as i64 + delta as i64;
                    if j < 0 {
                        return Err("internal: a bound variable escaped its binder".into());
                    }
                    Atom::Bound(j as u32)
                }
                Remap::Swap if i == cutoff => Atom::Bound(cutoff + 1),
                Remap::Swap if i == cutoff + 1 => Atom::Bound(cutoff),
                Remap::Swap => Atom::Bound(i),
            },
            Atom::Component(t, f, time) => Atom::Component(
                self.remap_atom(t, cutoff, how)?,
                f,
                self.remap(time, cutoff, how)?,
            ),
            Atom::Sample(s, i) => Atom::Sample(s, self.remap(i, cutoff, how)?),
            Atom::Call(f, args) => {
                let mut v = Vec::with_capacity(args.len());
                for x in args {
                    v.push(self.remap(x, cutoff, how)?);
                }
                Atom::Call(f, v)
            }
            Atom::VectorCall(f, args) => {
                let mut v = Vec::with_capacity(args.len());
                for x in args {
                    v.push(self.remap(x, cutoff, how)?);
                }
                Atom::VectorCall(f, v)
            }
            Atom::Inner(x, y) => {
                let (x, y) = (
                    self.remap_atom(x, cutoff, how)?,
                    self.remap_atom(y, cutoff, how)?,
                );
                Atom::Inner(x.min(y), x.max(y))
            }
            Atom::Grad(p, x) => Atom::Grad(p, self.remap_atom(x, cutoff, how)?),
            Atom::Log(p) => Atom::Log(self.remap(p, cutoff, how)?),
            Atom::Exp(p) => Atom::Exp(self.remap(p, cutoff, how)?),
            Atom::Abs(p) => Atom::Abs(self.remap(p, cutoff, how)?),
            Atom::Inv(p) => Atom::Inv(self.remap(p, cutoff, how)?),
            Atom::Pow(b, e) => Atom::Pow(self.remap(b, cutoff, how)?, self.remap(e, cutoff, how)?),
            Atom::Sum(d, body) => Atom::Sum(
                self.remap_dom(&d, cutoff, how)?,
                self.remap(body, cutoff + 1, how)?,
            ),
            Atom::Prod(d, body) => Atom::Prod(
                self.remap_dom(&d, cutoff, how)?,
                self.remap(body, cutoff + 1, how)?,
            ),
            Atom::Card(d) => Atom::Card(self.remap_dom(&d, cutoff, how)?),
            other => other,
        };
        Ok(self.atom(new, pos))
    }

    // ------------------------------------------------------ conversion

    /// The normal form of a resolved term.
    pub fn normalize(&mut self, t: &Term) -> R<Poly> {
        self.tick(1)?;
        Ok(match t {
            Term::Num(n) => Poly::constant(Q::from_big(n.clone())),
            Term::Param(p) => {
                let p = self.alias[*p];
                self.atom_poly(Atom::Param(p), false)
            }
            Term::ParamVector(p) => {
                let p = self.alias[*p];
                self.atom_poly(Atom::ParamVector(p), false)
            }
            Term::Inner(a, b) => {
                let (a, b) = (self.normalize(a)?, self.normalize(b)?);
                self.inner(&a, &b)?
            }
            Term::Const(c) => {
                if self.prog.pi == Some(*c) {
                    // π appears only in the normal density's formula.
                    self.rules.insert(Rule::GaussianDensity);
                }
                let pos = !matches!(
                    self.prog.consts[*c].kind,
                    crate::syntax::ast::ConstKind::Real
                );
                self.atom_poly(Atom::Const(*c), pos)
            }
            Term::Var(v) => self.var(*v)?,
            Term::Component { traj, field, time } => {
                let traj = self.var(*traj)?;
                let traj = self
                    .store
                    .as_atom(&traj)
                    .ok_or("a trajectory that is not a variable")?;
                let time = self.normalize(time)?;
                let time = self.intern(time);
                self.atom_poly(Atom::Component(traj, *field, time), false)
            }
            Term::Sample { family, index } => {
                let i = self.normalize(index)?;
                let i = self.intern(i);
                self.atom_poly(Atom::Sample(*family, i), false)
            }
            Term::Call { fun, args } => {
                let mut v = Vec::with_capacity(args.len());
                for a in args {
                    let p = self.normalize(a)?;
                    if self.store.has_vector(&p) {
                        return Err("a gradient vector as a function argument".into());
                    }
                    v.push(self.intern(p));
                }
                match self.prog.funs[*fun].kind {
                    FunKind::Vector => self.atom_poly(Atom::VectorCall(*fun, v), false),
                    kind => {
                        let pos = !matches!(kind, FunKind::Real);
                        self.atom_poly(Atom::Call(*fun, v), pos)
                    }
                }
            }
            Term::DefCall { def, args } => self.unfold(*def, args)?,
            Term::Add(a, b) => {
                let (a, b) = (self.normalize(a)?, self.normalize(b)?);
                self.add(&a, &b)?
            }
            Term::Sub(a, b) => {
                let (a, b) = (self.normalize(a)?, self.normalize(b)?);
                self.sub(&a, &b)?
            }
            Term::Neg(a) => {
                let a = self.normalize(a)?;
                self.scale(&a, &Q::int(-1))
            }
            Term::Mul(a, b) => {
                let (a, b) = (self.normalize(a)?, self.normalize(b)?);
                self.mul(&a, &b)?
            }
            Term::Div(a, b) => {
                let (a, bp) = (self.normalize(a)?, self.normalize(b)?);
                self.require_nonzero(b, &bp)?;
                let b = bp;
                if b.len() > 1 {
                    if let Some(q) = self.divide_exactly(&a, &b)? {
                        self.rules.insert(Rule::PolynomialDivision);
                        return Ok(q);
                    }
                }
                let inv = self.pow_int(&b, -1)?;
                self.mul(&a, &inv)?
            }
            Term::Pow(at, b) => {
                let (a, b) = (self.normalize(at)?, self.normalize(b)?);
                match b.as_constant() {
                    Some(q) if q.is_integer() && q.is_negative() => self.require_nonzero(at, &a)?,
                    Some(q) if q.is_integer() => {}
                    Some(q) if q.is_positive() => self.require(Need::NonNegative, &a),
                    _ => self.require(Need::Positive, &a),
                }
                match b.as_constant() {
                    Some(q) => self.pow_q(&a, &q)?,
                    None => {
                        let (ai, bi) = (self.store.intern_poly_ref(&a), self.intern(b));
                        let pos = self.store.positive(&a);
                        self.atom_poly(Atom::Pow(ai, bi), pos)
                    }
                }
            }
            Term::Func(f, a) => {
                let a = self.normalize(a)?;
                if self.store.has_vector(&a) {
                    return Err("log, exp or sqrt of a gradient vector".into());
                }
                match f {
                    Func::Log => {
                        self.require(Need::Positive, &a);
                        self.log(&a)?
                    }
                    Func::Exp => self.exp(&a)?,
                    Func::Sqrt => {
                        self.require(Need::NonNegative, &a);
                        self.pow_q(&a, &Q::Small(1, 2))?
                    }
                }
            }
            Term::Abs(a) => {
                let a = self.normalize(a)?;
                if self.store.positive(&a) {
                    self.rules.insert(Rule::AbsOfPositive);
                    a
                } else {
                    let id = self.intern(a);
                    self.atom_poly(Atom::Abs(id), false)
                }
            }
            Term::Grad { param, body } => {
                let b = self.normalize(body)?;
                let p = self.alias[*param];
                self.grad(&b, p)?
            }
            Term::Big {
                op,
                var,
                domain,
                body,
            } => {
                let dom = match domain {
                    BigDomain::Set(s) => Dom::Set(*s),
                    BigDomain::Real => Dom::Real,
                    BigDomain::Range(lo, hi) => {
                        let lo = self.normalize(lo)?;
                        let hi = self.normalize(hi)?;
                        Dom::Range(self.intern(lo), self.intern(hi))
                    }
                };
                let body = self.under_binder(*var, &dom, |n| n.normalize(body))?;
                match op {
                    BigOp::Sum | BigOp::Integral => self.sum(&dom, &body)?,
                    BigOp::Prod => self.prod(&dom, &body)?,
                }
            }
            Term::Expect { dist, body } => {
                let dom = match dist.set {
                    Some(s) => {
                        self.rules.insert(Rule::ExpectationAsSum);
                        Dom::Set(s)
                    }
                    None => {
                        self.rules.insert(Rule::ExpectationAsIntegral);
                        Dom::Real
                    }
                };
                let defined = matches!(&*dist.weight, Term::DefCall { def, .. }
                    if !self.prog.defs[*def].distribution);
                let mut weight = None;
                let wb = self.under_binder(dist.var, &dom, |n| {
                    let w = n.normalize(&dist.weight)?;
                    let b = n.normalize(body)?;
                    let wb = n.mul(&w, &b)?;
                    weight = Some(w);
                    Ok(wb)
                })?;
                if defined {
                    // A definition drawn from must be a distribution: positive,
                    // and summing to 1 over the drawn variable.
                    let w = weight.unwrap_or_default();
                    let total = self.sum(&dom, &w)?;
                    if !self.store.positive(&w) || total.as_constant() != Some(Q::ONE) {
                        return Err(
                            "the definition after `~` is not shown to be positive and to sum to 1"
                                .into(),
                        );
                    }
                }
                self.sum(&dom, &wb)?
            }
        })
    }

    fn under_binder(
        &mut self,
        var: VarId,
        dom: &Dom,
        f: impl FnOnce(&mut Self) -> R<Poly>,
    ) -> R<Poly> {
        if self.depth >= 60 {
            return Err(Decline::Budget("more than 60 nested binders".into()));
        }
        let saved = self.env[var];
        self.env[var] = Some(Binding::Bound(self.depth));
        self.depth += 1;
        self.binders.push(dom.clone());
        let r = f(self);
        self.binders.pop();
        self.depth -= 1;
        self.env[var] = saved;
        r
    }

    fn var(&mut self, v: VarId) -> R<Poly> {
        match self.env[v] {
            Some(Binding::Bound(d0)) => {
                let i = self.depth - d0 - 1;
                Ok(self.atom_poly(Atom::Bound(i), false))
            }
            Some(Binding::Value(p, d0)) => {
                let s = self.shift(p, 0, (self.depth - d0) as i32)?;
                Ok(self.store.poly(s).clone())
            }
            None => {
                if self.prog.vars[v].bound {
                    return Err(format!("`{}` has no binding", self.prog.vars[v].name).into());
                }
                Ok(self.atom_poly(Atom::Free(v), false))
            }
        }
    }

    fn unfold(&mut self, def: usize, args: &[Term]) -> R<Poly> {
        self.rules.insert(Rule::Definition);
        let info = &self.prog.defs[def];
        let mut binds: Vec<(VarId, Binding)> = Vec::new();
        let mut aliases: Vec<(ParamId, ParamId)> = Vec::new();
        for (input, arg) in info.inputs.iter().zip(args) {
            match input {
                DefInput::Param(q) => {
                    let Term::Param(p) = arg else {
                        return Err("a parameter input needs a parameter".into());
                    };
                    aliases.push((*q, self.alias[*p]));
                }
                DefInput::Var(v) => {
                    let p = self.normalize(arg)?;
                    let id = self.intern(p);
                    binds.push((*v, Binding::Value(id, self.depth)));
                }
            }
        }
        let saved_env: Vec<(VarId, Option<Binding>)> =
            binds.iter().map(|(v, _)| (*v, self.env[*v])).collect();
        for (v, b) in binds {
            self.env[v] = Some(b);
        }
        // Parameters are lexical: the body sees its own parameter inputs
        // replaced by the ones passed, and every other parameter as
        // itself, whatever the caller's own inputs were.
        let saved_alias = crate::resolve::enter_body(&mut self.alias, &aliases);
        let r = self.normalize(&self.prog.defs[def].body);
        for (v, b) in saved_env.into_iter().rev() {
            self.env[v] = b;
        }
        if let Some(saved) = saved_alias {
            self.alias = saved;
        }
        r
    }

    // ---------------------------------------------------- big operators

    /// `Σ` over `dom` of `body` (which binds index 0): linear in the body,
    /// factors without the bound variable pulled out, `Σ_x p(x) = 1` and
    /// `Σ_x ∇p(x) = 0` for a declared distribution `p` over `x`'s set.
    pub fn sum(&mut self, dom: &Dom, body: &Poly) -> R<Poly> {
        if let Some(r) = self.range_canonical(dom, body, BigOp::Sum)? {
            return Ok(r);
        }
        let real = *dom == Dom::Real;
        if body.len() > 1 {
            self.rules.insert(if real {
                Rule::IntegralLinearity
            } else {
                Rule::SumLinearity
            });
        }
        let mut acc = Poly::zero();
        let (mut indep, mut dep, mut outside) = (self.buf(), self.buf(), self.buf());
        for (m, c) in body.iter() {
            indep.clear();
            dep.clear();
            outside.clear();
            for x in self.store.mono(*m) {
                if self.store.info(x.0).refs & 1 == 0 {
                    indep.push(x.clone());
                } else {
                    dep.push(x.clone());
                }
            }
            for (a, e) in indep.drain(..) {
                outside.push((self.shift_atom(a, 0, -1)?, e));
            }
            outside.sort_by_key(|x| x.0);
            if dep.len() < self.store.mono_len(*m) {
                self.rules.insert(if real {
                    Rule::IntegralFactorOut
                } else {
                    Rule::SumFactorOut
                });
            }
            let inner = if dep.is_empty() && real {
                // ∫_x c dx diverges for c ≠ 0: no normal form.
                self.give(indep);
                self.give(dep);
                self.give(outside);
                return Err("an integral of a term without its variable diverges".into());
            } else if dep.is_empty() {
                self.rules.insert(Rule::SumOfConstant);
                self.card(dom)?
            } else if let Some(r) = self.distribution_sum(dom, &dep) {
                r
            } else if let Some(r) = match dom {
                Dom::Range(..) => self.interchange(dom, &dep)?,
                Dom::Set(_) | Dom::Real => None,
            } {
                r
            } else {
                let dm = if dep.len() == self.store.mono_len(*m) {
                    *m
                } else {
                    self.store.intern_mono(&dep)
                };
                let body = self.intern(Poly::term(dm, Q::ONE));
                let pos = matches!(dom, Dom::Set(_)) && self.store.positive_id(body);
                let a = self.atom(Atom::Sum(dom.clone(), body), pos);
                self.store.atom_poly(a)
            };
            let om = if outside.is_empty() {
                UNIT
            } else {
                self.store.intern_mono(&outside)
            };
            let term = self.mul(&Poly::term(om, c.clone()), &inner)?;
            acc = self.add(&acc, &term)?;
        }
        self.give(indep);
        self.give(dep);
        self.give(outside);
        Ok(acc)
    }

    /// `Σ_{t=lo}^{hi} F·Σ_{x∈X} B` = `Σ_{x∈X} Σ_{t=lo}^{hi} F·B` when `dep`
    /// (the factors of a range sum's body that depend on t) holds exactly
    /// one set sum, to the first power: set sums go outside, range sums
    /// inside, so the order of the two is canonical. Nested range sums, or
    /// nested set sums, are never reordered among themselves. Sound as
    /// neither domain depends on the other's variable: a set is declared,
    /// never indexed, and the bounds lie outside both binders. Out of line:
    /// most sums are over sets, and the loop in [`Self::sum`] stays small.
    #[inline(never)]
    fn interchange(&mut self, dom: &Dom, dep: &[Factor]) -> R<Option<Poly>> {
        let Dom::Range(lo, hi) = dom else {
            return Ok(None);
        };
        let mut found = None;
        for (k, (a, e)) in dep.iter().enumerate() {
            if let Atom::Sum(Dom::Set(set), body) = self.store.atom(*a) {
                if found.is_some() || !e.is_one() {
                    return Ok(None);
                }
                found = Some((k, *set, *body));
            }
        }
        let Some((k, set, body)) = found else {
            return Ok(None);
        };
        self.rules.insert(Rule::SumInterchange);
        // B's context: x is 0, t is 1; under Σ_x Σ_t, t is 0 and x is 1.
        let b = self.remap(body, 0, Remap::Swap)?;
        let b = self.store.poly(b).clone();
        // F's context: t is 0; x comes in between t and the outer binders.
        let mut f = self.buf();
        f.extend_from_slice(&dep[..k]);
        f.extend_from_slice(&dep[k + 1..]);
        let fm = self.store.intern_mono(&f);
        self.give(f);
        let f = self.intern(Poly::term(fm, Q::ONE));
        let f = self.shift(f, 1, 1)?;
        let f = self.store.poly(f).clone();
        let inner_body = self.mul(&f, &b)?;
        // The bounds move under the x binder.
        let range = Dom::Range(self.shift(*lo, 0, 1)?, self.shift(*hi, 0, 1)?);
        let inner = self.sum(&range, &inner_body)?;
        Ok(Some(self.sum(&Dom::Set(set), &inner)?))
    }

    /// Integer ranges in canonical form: a range of at most
    /// [`MAX_UNROLL`] known integers is written out term by term; any other
    /// range starts at 0 (`Σ_{t=lo}^{hi} f(t)` = `Σ_{u=0}^{hi-lo} f(u+lo)`).
    fn range_canonical(&mut self, dom: &Dom, body: &Poly, op: BigOp) -> R<Option<Poly>> {
        let Dom::Range(lo, hi) = dom else {
            return Ok(None);
        };
        let (lo, hi) = (*lo, *hi);
        let known = |n: &Self, p: PolyId| n.store.poly(p).as_constant().and_then(|q| q.as_i64());
        let body_id = self.store.intern_poly_ref(body);
        if let (Some(a), Some(b)) = (known(self, lo), known(self, hi)) {
            // Checked: bounds near the ends of i64 must not wrap.
            if b.checked_sub(a).is_some_and(|d| d < MAX_UNROLL) {
                self.rules.insert(Rule::RangeUnrolled);
                let mut acc = Poly::constant(if op == BigOp::Sum { Q::ZERO } else { Q::ONE });
                for k in a..=b {
                    let value = self.intern(Poly::constant(Q::int(k)));
                    let term = self.subst(body_id, 0, value)?;
                    let term = self.shift(term, 0, -1)?;
                    let term = self.store.poly(term).clone();
                    acc = match op {
                        BigOp::Sum | BigOp::Integral => self.add(&acc, &term)?,
                        BigOp::Prod => self.mul(&acc, &term)?,
                    };
                }
                return Ok(Some(acc));
            }
        }
        if known(self, lo) == Some(0) {
            return Ok(None);
        }
        self.rules.insert(Rule::IndexShift);
        // t = u + lo, with lo moved under the binder.
        let lo_inside = self.shift(lo, 0, 1)?;
        let u = self.atom_poly(Atom::Bound(0), false);
        let lo_poly = self.store.poly(lo_inside).clone();
        let repl = self.add(&u, &lo_poly)?;
        let repl = self.intern(repl);
        let shifted = self.subst(body_id, 0, repl)?;
        let shifted = self.store.poly(shifted).clone();
        let (lo_p, hi_p) = (self.store.poly(lo).clone(), self.store.poly(hi).clone());
        let len = self.sub(&hi_p, &lo_p)?;
        let zero = self.intern(Poly::zero());
        let new_dom = Dom::Range(zero, self.intern(len));
        Ok(Some(match op {
            BigOp::Sum | BigOp::Integral => self.sum(&new_dom, &shifted)?,
            BigOp::Prod => self.prod(&new_dom, &shifted)?,
        }))
    }

    /// Replace free index `cutoff` of `p` by `repl` (a polynomial in the
    /// context where that index is 0), renormalising what it touches.
    fn subst(&mut self, p: PolyId, cutoff: u32, repl: PolyId) -> R<PolyId> {
        if (self.store.poly_refs(p) >> cutoff) & 1 == 0 {
            return Ok(p);
        }
        let poly = self.store.poly(p).clone();
        let mut acc = Poly::zero();
        for (m, c) in poly.iter().cloned() {
            let mut term = Poly::constant(c);
            for i in 0..self.store.mono_len(m) {
                let (a, e) = self.store.factor(m, i);
                let factor = self.subst_atom(a, cutoff, repl)?;
                let same = self.store.as_atom(&factor) == Some(a);
                let powered = match e.as_i64() {
                    Some(k) if !same => self.pow_int(&factor, k)?,
                    _ if same => {
                        let m = self.store.intern_mono(&[(a, e)]);
                        Poly::term(m, Q::ONE)
                    }
                    _ => self.pow_q(&factor, &e)?,
                };
                term = self.mul(&term, &powered)?;
            }
            acc = self.add(&acc, &term)?;
        }
        Ok(self.intern(acc))
    }

    fn subst_atom(&mut self, a: AtomId, cutoff: u32, repl: PolyId) -> R<Poly> {
        self.tick(1)?;
        if (self.store.info(a).refs >> cutoff) & 1 == 0 {
            return Ok(self.store.atom_poly(a));
        }
        let pos = self.store.info(a).positive;
        let sub = |n: &mut Self, x: PolyId| n.subst(x, cutoff, repl);
        Ok(match self.store.atom(a).clone() {
            Atom::Bound(i) if i == cutoff => {
                let r = self.shift(repl, 0, cutoff as i32)?;
                self.store.poly(r).clone()
            }
            Atom::Component(t, f, time) => {
                let traj = self.subst_atom(t, cutoff, repl)?;
                let traj = self
                    .store
                    .as_atom(&traj)
                    .ok_or("a trajectory that is not a variable")?;
                let time = sub(self, time)?;
                self.atom_poly(Atom::Component(traj, f, time), false)
            }
            Atom::Sample(fam, i) => {
                let i = sub(self, i)?;
                self.atom_poly(Atom::Sample(fam, i), false)
            }
            Atom::Call(f, args) => {
                let mut v = Vec::with_capacity(args.len());
                for x in args {
                    v.push(sub(self, x)?);
                }
                self.atom_poly(Atom::Call(f, v), pos)
            }
            Atom::VectorCall(f, args) => {
                let mut v = Vec::with_capacity(args.len());
                for x in args {
                    v.push(sub(self, x)?);
                }
                self.atom_poly(Atom::VectorCall(f, v), false)
            }
            Atom::Inner(x, y) => {
                let x = self.subst_atom(x, cutoff, repl)?;
                let y = self.subst_atom(y, cutoff, repl)?;
                self.inner(&x, &y)?
            }
            Atom::Grad(p, x) => {
                let inner = self.subst_atom(x, cutoff, repl)?;
                let inner = self
                    .store
                    .as_atom(&inner)
                    .ok_or("a gradient of something not a call")?;
                self.atom_poly(Atom::Grad(p, inner), false)
            }
            Atom::Log(x) => {
                let x = sub(self, x)?;
                let x = self.store.poly(x).clone();
                self.log(&x)?
            }
            Atom::Exp(x) => {
                let x = sub(self, x)?;
                let x = self.store.poly(x).clone();
                self.exp(&x)?
            }
            Atom::Abs(x) => {
                let x = sub(self, x)?;
                self.atom_poly(Atom::Abs(x), false)
            }
            Atom::Inv(x) => {
                let x = sub(self, x)?;
                let x = self.store.poly(x).clone();
                self.pow_int(&x, -1)?
            }
            Atom::Pow(b, e) => {
                let b = sub(self, b)?;
                let e = sub(self, e)?;
                let bp = self.store.poly(b).clone();
                match self.store.poly(e).as_constant() {
                    Some(q) => self.pow_q(&bp, &q)?,
                    None => {
                        let pos = self.store.positive(&bp);
                        self.atom_poly(Atom::Pow(b, e), pos)
                    }
                }
            }
            Atom::Sum(d, body) | Atom::Prod(d, body) => {
                let is_sum = matches!(self.store.atom(a), Atom::Sum(..));
                let d = match d {
                    Dom::Set(s) => Dom::Set(s),
                    Dom::Real => Dom::Real,
                    Dom::Range(lo, hi) => Dom::Range(sub(self, lo)?, sub(self, hi)?),
                };
                let body = self.subst(body, cutoff + 1, repl)?;
                let body = self.store.poly(body).clone();
                if is_sum {
                    self.sum(&d, &body)?
                } else {
                    self.prod(&d, &body)?
                }
            }
            Atom::Card(d) => {
                let d = match d {
                    Dom::Set(s) => Dom::Set(s),
                    Dom::Real => Dom::Real,
                    Dom::Range(lo, hi) => Dom::Range(sub(self, lo)?, sub(self, hi)?),
                };
                self.card(&d)?
            }
            other => self.atom_poly(other, pos),
        })
    }

    /// `Σ_x p(x|…)` = 1 and `Σ_x ∇p(x|…)` = 0 when `dep` is exactly such a
    /// factor, the conditions do not involve `x`, and `x` ranges over the
    /// distribution's set.
    fn distribution_sum(&mut self, dom: &Dom, dep: &[Factor]) -> Option<Poly> {
        let [(a, e)] = dep else {
            return None;
        };
        if !e.is_one() {
            return None;
        }
        let (call, grad) = match self.store.atom(*a) {
            Atom::Grad(_, inner) => (*inner, true),
            Atom::Call(..) => (*a, false),
            _ => return None,
        };
        let Atom::Call(fun, args) = self.store.atom(call).clone() else {
            return None;
        };
        let FunKind::Dist(k) = self.prog.funs[fun].kind else {
            return None;
        };
        let over = match self.prog.funs[fun].inputs[k] {
            Input::Set(set) => Dom::Set(set),
            Input::Real => Dom::Real,
            Input::Param(_) => return None,
        };
        if *dom != over {
            return None;
        }
        let bound0 = self.store.intern_atom(Atom::Bound(0), false);
        if self.store.as_atom(self.store.poly(args[k])) != Some(bound0) {
            return None;
        }
        let others_free = args
            .iter()
            .enumerate()
            .all(|(j, p)| j == k || self.store.poly_refs(*p) & 1 == 0);
        if !others_free {
            return None;
        }
        let real = over == Dom::Real;
        if grad {
            self.rules.insert(if real {
                Rule::IntegralOfDensityGradient
            } else {
                Rule::SumOfDistributionGradient
            });
            Some(Poly::zero())
        } else {
            self.rules.insert(if real {
                Rule::IntegralOfDensity
            } else {
                Rule::SumOfDistribution
            });
            Some(Poly::constant(Q::ONE))
        }
    }

    fn card(&mut self, dom: &Dom) -> R<Poly> {
        if let Dom::Range(lo, hi) = dom {
            if let (Some(lo), Some(hi)) = (
                self.store.poly(*lo).as_constant(),
                self.store.poly(*hi).as_constant(),
            ) {
                if lo.is_integer() && hi.is_integer() {
                    // Exact: bounds of any size, no wrapping.
                    let n = hi.sub(&lo).add(&Q::ONE);
                    return Ok(Poly::constant(if n.is_negative() { Q::ZERO } else { n }));
                }
            }
        }
        Ok(self.atom_poly(Atom::Card(dom.clone()), matches!(dom, Dom::Set(_))))
    }

    fn prod(&mut self, dom: &Dom, body: &Poly) -> R<Poly> {
        if let Some(r) = self.range_canonical(dom, body, BigOp::Prod)? {
            return Ok(r);
        }
        if body.as_constant() == Some(Q::ONE) {
            return Ok(Poly::constant(Q::ONE));
        }
        let id = self.store.intern_poly_ref(body);
        let pos = self.store.positive(body);
        Ok(self.atom_poly(Atom::Prod(dom.clone(), id), pos))
    }

    // ------------------------------------------------------- log and exp

    /// `log p`: a monomial with a positive coefficient and positive atoms
    /// splits into a sum of logs; everything else is an atom.
    pub fn log(&mut self, p: &Poly) -> R<Poly> {
        if let [(m, c)] = p.terms() {
            if c.is_positive() && self.store.mono_info(*m).positive {
                let m = *m;
                let mut acc = if c.is_one() {
                    Poly::zero()
                } else {
                    let cid = self.intern(Poly::constant(c.clone()));
                    self.atom_poly(Atom::Log(cid), false)
                };
                if self.store.mono_len(m) > 1 || !c.is_one() {
                    self.rules.insert(Rule::LogOfProduct);
                }
                for i in 0..self.store.mono_len(m) {
                    let (a, e) = self.store.factor(m, i);
                    if !e.is_one() {
                        self.rules.insert(Rule::LogOfPower);
                    }
                    let l = self.log_atom(a)?;
                    let t = self.scale(&l, &e);
                    acc = self.add(&acc, &t)?;
                }
                return Ok(acc);
            }
        }
        let id = self.store.intern_poly_ref(p);
        Ok(self.atom_poly(Atom::Log(id), false))
    }

    fn log_atom(&mut self, a: AtomId) -> R<Poly> {
        match self.store.atom(a).clone() {
            Atom::Exp(m) => {
                self.rules.insert(Rule::LogOfExp);
                Ok(self.store.poly(m).clone())
            }
            Atom::Prod(dom, body) => {
                self.rules.insert(Rule::LogOfProductOperator);
                let b = self.store.poly(body).clone();
                let l = self.log(&b)?;
                self.sum(&dom, &l)
            }
            Atom::Pow(b, e) if self.store.positive_id(b) => {
                self.rules.insert(Rule::LogOfPower);
                let bp = self.store.poly(b).clone();
                let l = self.log(&bp)?;
                let ep = self.store.poly(e).clone();
                self.mul(&ep, &l)
            }
            Atom::Inv(p) => {
                self.rules.insert(Rule::LogOfPower);
                let pp = self.store.poly(p).clone();
                let l = self.log(&pp)?;
                Ok(self.scale(&l, &Q::int(-1)))
            }
            _ => {
                let id = self.intern(self.store.atom_poly(a));
                Ok(self.atom_poly(Atom::Log(id), false))
            }
        }
    }

    /// `exp p` = Π over the monomials `c·m` of `exp(m)^c`; `exp(c·log u)`
    /// = `u^c` for positive `u`.
    pub fn exp(&mut self, p: &Poly) -> R<Poly> {
        if p.len() > 1 {
            self.rules.insert(Rule::ExpOfSum);
        }
        let mut acc = Poly::constant(Q::ONE);
        for (m, c) in p.iter() {
            let log_of = match self.store.mono_info(*m).single.map(|a| self.store.atom(a)) {
                Some(Atom::Log(u)) if self.store.positive_id(*u) => Some(*u),
                _ => None,
            };
            let factor = match log_of {
                Some(u) => {
                    self.rules.insert(Rule::ExpOfLog);
                    let up = self.store.poly(u).clone();
                    self.pow_q(&up, c)?
                }
                None => {
                    let mid = self.intern(Poly::term(*m, Q::ONE));
                    let e = self.atom(Atom::Exp(mid), true);
                    let em = self.store.intern_mono(&[(e, c.clone())]);
                    Poly::term(em, Q::ONE)
                }
            };
            acc = self.mul(&acc, &factor)?;
        }
        Ok(acc)
    }

    // --------------------------------------------------------- gradients

    /// Whether atom `a` depends on parameter `p`: read from the set of
    /// parameters computed when the atom was interned, or (for a
    /// parameter without a bit of its own) from the atom.
    fn depends(&self, a: AtomId, p: ParamId) -> bool {
        let params = self.store.info(a).params;
        if params & param_bit(p) == 0 {
            return false;
        }
        if p < 63 {
            return true;
        }
        match self.store.atom(a) {
            Atom::Param(q) => *q == p,
            Atom::Const(_) | Atom::Free(_) | Atom::Bound(_) | Atom::Card(_) => false,
            Atom::Component(t, _, time) => self.depends(*t, p) || self.poly_depends(*time, p),
            Atom::Sample(_, i) => self.poly_depends(*i, p),
            Atom::Call(_, args) | Atom::VectorCall(_, args) => {
                args.iter().any(|x| self.poly_depends(*x, p))
            }
            Atom::ParamVector(q) => *q == p,
            Atom::Inner(x, y) => self.depends(*x, p) || self.depends(*y, p),
            Atom::Grad(_, x) => self.depends(*x, p),
            Atom::Log(x) | Atom::Exp(x) | Atom::Abs(x) | Atom::Inv(x) => self.poly_depends(*x, p),
            Atom::Pow(b, e) => self.poly_depends(*b, p) || self.poly_depends(*e, p),
            Atom::Sum(d, body) | Atom::Prod(d, body) => {
                self.poly_depends(*body, p)
                    || matches!(d, Dom::Range(lo, hi) if self.poly_depends(*lo, p) || self.poly_depends(*hi, p))
            }
        }
    }

    fn poly_depends(&self, x: PolyId, p: ParamId) -> bool {
        if self.store.poly_params(x) & param_bit(p) == 0 {
            return false;
        }
        self.store
            .poly(x)
            .iter()
            .any(|(m, _)| self.mono_depends(*m, p))
    }

    fn mono_depends(&self, m: MonoId, p: ParamId) -> bool {
        if self.store.mono_info(m).params & param_bit(p) == 0 {
            return false;
        }
        self.store.mono(m).iter().any(|(a, _)| self.depends(*a, p))
    }

    /// `∇_p` of a normal form.
    pub fn grad(&mut self, poly: &Poly, p: ParamId) -> R<Poly> {
        let mut acc = Poly::zero();
        if poly.len() > 1 {
            self.rules.insert(Rule::GradientLinearity);
        }
        for (m, c) in poly.iter() {
            let len = self.store.mono_len(*m);
            if len > 1
                && self
                    .store
                    .mono(*m)
                    .iter()
                    .filter(|(a, _)| self.depends(*a, p))
                    .count()
                    > 1
            {
                self.rules.insert(Rule::ProductRule);
            }
            for i in 0..len {
                let (a, e) = self.store.factor(*m, i);
                if !self.depends(a, p) {
                    if len == 1 {
                        self.rules.insert(Rule::GradientOfConstant);
                    }
                    continue;
                }
                let da = self.grad_atom(a, p)?;
                if da.is_zero() {
                    continue;
                }
                // e · a^(e-1) · ∇a · Π_{j≠i} m_j
                let new_e = e.add(&Q::int(-1));
                if !new_e.is_zero() && !e.is_one() {
                    self.rules.insert(Rule::PowerRule);
                }
                let rest = self.store.map_mono(*m, |j, x| {
                    if j != i {
                        Some(x.clone())
                    } else if new_e.is_zero() {
                        None
                    } else {
                        Some((x.0, new_e.clone()))
                    }
                });
                let term = self.mul(&Poly::term(rest, c.mul(&e)), &da)?;
                acc = self.add(&acc, &term)?;
            }
        }
        if poly.iter().all(|(m, _)| !self.mono_depends(*m, p)) {
            self.rules.insert(Rule::GradientOfConstant);
        }
        Ok(acc)
    }

    fn grad_atom(&mut self, a: AtomId, p: ParamId) -> R<Poly> {
        self.tick(1)?;
        match self.store.atom(a).clone() {
            Atom::Param(q) if q == p => {
                if !self.prog.scalar_params {
                    return Err("the gradient of a parameter vector".into());
                }
                Ok(Poly::constant(Q::ONE))
            }
            Atom::Call(_, args) => {
                let fun_inputs_ok = args.iter().all(|x| {
                    let poly = self.store.poly(*x);
                    self.store
                        .as_atom(poly)
                        .is_some_and(|at| matches!(self.store.atom(at), Atom::Param(_)))
                        || !self.poly_depends(*x, p)
                });
                if !fun_inputs_ok {
                    return Err("a function whose argument depends on the parameter (chain rule through an abstract function)".into());
                }
                let pos = false;
                Ok(self.atom_poly(Atom::Grad(p, a), pos))
            }
            Atom::Grad(..) => Err("second derivatives".into()),
            Atom::Inner(x, y) => self.grad_inner(x, y, p),
            Atom::ParamVector(_) | Atom::VectorCall(..) => {
                Err("the gradient of a vector (a Jacobian)".into())
            }
            Atom::Log(u) => {
                self.rules.insert(Rule::LogDerivative);
                let up = self.store.poly(u).clone();
                let du = self.grad(&up, p)?;
                let inv = self.pow_int(&up, -1)?;
                self.mul(&du, &inv)
            }
            Atom::Exp(m) => {
                self.rules.insert(Rule::ChainRule);
                let mp = self.store.poly(m).clone();
                let dm = self.grad(&mp, p)?;
                self.mul(&self.store.atom_poly(a), &dm)
            }
            Atom::Inv(u) => {
                self.rules.insert(Rule::QuotientRule);
                let up = self.store.poly(u).clone();
                let du = self.grad(&up, p)?;
                let inv2 = Poly::term(self.store.intern_mono(&[(a, Q::int(2))]), Q::int(-1));
                self.mul(&du, &inv2)
            }
            Atom::Pow(b, e) => {
                self.rules.insert(Rule::ChainRule);
                let bp = self.store.poly(b).clone();
                let ep = self.store.poly(e).clone();
                let db = self.grad(&bp, p)?;
                let de = self.grad(&ep, p)?;
                let binv = self.pow_int(&bp, -1)?;
                // ∇(b^e) = b^e · (∇e · log b + e · ∇b / b)
                let t1 = if de.is_zero() {
                    Poly::zero()
                } else {
                    let lb = self.log(&bp)?;
                    self.mul(&de, &lb)?
                };
                let t2 = {
                    let x = self.mul(&ep, &db)?;
                    self.mul(&x, &binv)?
                };
                let s = self.add(&t1, &t2)?;
                self.mul(&self.store.atom_poly(a), &s)
            }
            Atom::Sum(d, body) => {
                self.rules.insert(if d == Dom::Real {
                    Rule::GradientThroughIntegral
                } else {
                    Rule::GradientThroughSum
                });
                let bp = self.store.poly(body).clone();
                let db = self.grad(&bp, p)?;
                self.sum(&d, &db)
            }
            Atom::Prod(d, body) => {
                self.rules.insert(Rule::ProductRule);
                // ∇Π f = Π f · Σ ∇f / f
                let bp = self.store.poly(body).clone();
                let db = self.grad(&bp, p)?;
                let inv = self.pow_int(&bp, -1)?;
                let q = self.mul(&db, &inv)?;
                let s = self.sum(&d, &q)?;
                self.mul(&self.store.atom_poly(a), &s)
            }
            Atom::Abs(_) => Err("the gradient of an absolute value".into()),
            _ => Ok(Poly::zero()),
        }
    }

    /// The ways of splitting one term off a range sum in `d`: each range Σ
    /// atom `Σ_{u=0}^{hi} g` at the top level, rewritten as
    /// `Σ_{u=0}^{hi-1} g + g(hi)` and as `g(0) + Σ_{u=0}^{hi-1} g(u+1)`.
    pub fn range_splits(&mut self, d: &Poly) -> R<Vec<Poly>> {
        let mut atoms: Vec<AtomId> = d
            .iter()
            .flat_map(|(m, _)| self.store.mono(*m).iter().map(|(a, _)| *a))
            .filter(|a| matches!(self.store.atom(*a), Atom::Sum(Dom::Range(..), _)))
            .collect();
        atoms.sort_unstable();
        atoms.dedup();
        atoms.truncate(6);
        let mut out = Vec::new();
        for a in atoms {
            let Atom::Sum(Dom::Range(lo, hi), g) = self.store.atom(a).clone() else {
                continue;
            };
            if self.store.poly(lo).as_constant() != Some(Q::ZERO) || !self.surely_nonnegative(hi) {
                continue;
            }
            let zero = self.intern(Poly::zero());
            let hi_p = self.store.poly(hi).clone();
            let hi_minus = self.sub(&hi_p, &Poly::constant(Q::ONE))?;
            let shorter = Dom::Range(zero, self.intern(hi_minus));
            let g_poly = self.store.poly(g).clone();
            // Σ_{0}^{hi-1} g + g(hi)
            let rest = self.sum(&shorter, &g_poly)?;
            let hi_inside = self.shift(hi, 0, 1)?;
            let last = self.subst(g, 0, hi_inside)?;
            let last = self.shift(last, 0, -1)?;
            let last = self.store.poly(last).clone();
            let split_last = self.add(&rest, &last)?;
            // g(0) + Σ_{0}^{hi-1} g(u+1)
            let first = self.subst(g, 0, zero)?;
            let first = self.shift(first, 0, -1)?;
            let first = self.store.poly(first).clone();
            let u = self.atom_poly(Atom::Bound(0), false);
            let next = self.add(&u, &Poly::constant(Q::ONE))?;
            let next = self.intern(next);
            let moved = self.subst(g, 0, next)?;
            let moved = self.store.poly(moved).clone();
            let rest = self.sum(&shorter, &moved)?;
            let split_first = self.add(&first, &rest)?;
            for replacement in [split_last, split_first] {
                out.push(self.replace_atom(d, a, &replacement)?);
            }
        }
        if !out.is_empty() {
            self.rules.insert(Rule::RangeSplit);
        }
        Ok(out)
    }

    /// Whether `p` is at least 0 for every value of the declarations: a
    /// number, plus counts (each at least 1) with positive coefficients.
    fn surely_nonnegative(&self, p: PolyId) -> bool {
        let mut least = Q::ZERO;
        for (m, c) in self.store.poly(p).iter() {
            match self.store.mono(*m) {
                [] => least = least.add(c),
                [(a, e)] if e.is_one() && c.is_positive() => match self.store.atom(*a) {
                    Atom::Const(k)
                        if self.prog.consts[*k].kind == crate::syntax::ast::ConstKind::Count =>
                    {
                        least = least.add(c)
                    }
                    _ => return false,
                },
                _ => return false,
            }
        }
        !least.is_negative()
    }

    /// `d` with the top-level atom `a` replaced by `p`.
    fn replace_atom(&mut self, d: &Poly, a: AtomId, p: &Poly) -> R<Poly> {
        let mut acc = Poly::zero();
        for (m, c) in d.iter() {
            let rest = self
                .store
                .map_mono(*m, |_, x| (x.0 != a).then(|| x.clone()));
            let mut term = Poly::term(rest, c.clone());
            let found = self.store.mono(*m).iter().find(|(x, _)| *x == a).cloned();
            if let Some((_, e)) = found {
                let k = e
                    .as_i64()
                    .filter(|k| *k > 0)
                    .ok_or("a range sum with a fractional power")?;
                let pk = self.pow_int(p, k)?;
                term = self.mul(&term, &pk)?;
            }
            acc = self.add(&acc, &term)?;
        }
        Ok(acc)
    }

    /// Clear denominators of [`Atom::Inv`] atoms at the top level: `N = 0`
    /// exactly where `N · P = 0` for each `1/P` in `N` (wherever `N` is
    /// defined, `P ≠ 0`).
    pub fn clear_denominators(&mut self, mut n: Poly) -> R<Poly> {
        for _ in 0..8 {
            let inv = n
                .iter()
                .flat_map(|(m, _)| self.store.mono(*m).iter())
                .find(|(a, e)| matches!(self.store.atom(*a), Atom::Inv(_)) && !e.is_negative())
                .map(|(a, _)| *a);
            let Some(inv) = inv else {
                return Ok(n);
            };
            let Atom::Inv(pid) = self.store.atom(inv).clone() else {
                return Ok(n);
            };
            self.rules.insert(Rule::CommonDenominator);
            let p = self.store.poly(pid).clone();
            let mut out = Poly::zero();
            for (m, c) in n.iter() {
                let pos = self.store.mono(*m).iter().position(|(a, _)| *a == inv);
                let term = if let Some(pos) = pos {
                    let m2 = self.store.map_mono(*m, |j, (a, e)| {
                        if j != pos {
                            return Some((*a, e.clone()));
                        }
                        let e = e.add(&Q::int(-1));
                        (!e.is_zero()).then_some((*a, e))
                    });
                    Poly::term(m2, c.clone())
                } else {
                    self.mul(&Poly::term(*m, c.clone()), &p)?
                };
                out = self.add(&out, &term)?;
            }
            n = out;
        }
        Ok(n)
    }
}

/// The factors of a product that must each be non-zero for it to be:
/// through products, negation, quotients' numerators and positive integer
/// powers, down to the terms that are not such.
fn nonzero_factors<'t>(t: &'t Term, out: &mut Vec<&'t Term>) {
    let positive_integer =
        |k: &Term| matches!(k, Term::Num(q) if q.is_integer() && q.numer() > &0.into());
    match t {
        Term::Mul(a, b) => {
            nonzero_factors(a, out);
            nonzero_factors(b, out);
        }
        Term::Neg(a) | Term::Div(a, _) => nonzero_factors(a, out),
        Term::Pow(a, k) if positive_integer(k) => nonzero_factors(a, out),
        Term::Num(q) if q.numer() != &0.into() => {}
        _ => out.push(t),
    }
}

/// Graded lexicographic order on monomials with integer exponents: total
/// degree first, then the larger exponent of the smallest atom id where
/// they differ. A term order, as long division needs.
fn grlex(a: &[Factor], b: &[Factor]) -> std::cmp::Ordering {
    let deg = |m: &[Factor]| m.iter().fold(Q::ZERO, |acc, (_, e)| acc.add(e));
    deg(a).cmp(&deg(b)).then_with(|| {
        let (mut i, mut j) = (0, 0);
        loop {
            match (a.get(i), b.get(j)) {
                (None, None) => return std::cmp::Ordering::Equal,
                (Some(_), None) => return std::cmp::Ordering::Greater,
                (None, Some(_)) => return std::cmp::Ordering::Less,
                (Some((x, e)), Some((y, f))) => {
                    if x < y {
                        return std::cmp::Ordering::Greater;
                    }
                    if y < x {
                        return std::cmp::Ordering::Less;
                    }
                    match e.cmp(f) {
                        std::cmp::Ordering::Equal => {
                            i += 1;
                            j += 1;
                        }
                        o => return o,
                    }
                }
            }
        }
    })
}
