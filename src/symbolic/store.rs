//! Interned terms of the symbolic engine.
//!
//! A normal form is a [`Poly`]: a sum of monomials with exact rational
//! coefficients, a monomial a product of atoms with rational exponents
//! (negative exponents are divisions, so monomial factors cancel by
//! exponent arithmetic). Atoms and polynomials are hash-consed in a
//! [`Store`]: equal normal forms have equal ids, and the hot path copies
//! ids, never trees. Bound variables are de Bruijn indices, so normal forms
//! are equal up to renaming of bound variables.

use super::q::Q;
use crate::resolve::{ConstId, Field, FunId, ParamId, SampleId, SetId, VarId};
use foldhash::HashMap;

/// Id of an interned atom.
pub type AtomId = u32;
/// Id of an interned polynomial.
pub type PolyId = u32;

/// What a Σ or Π ranges over.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Dom {
    /// Every element of a set.
    Set(SetId),
    /// The integers `lo..=hi`.
    Range(PolyId, PolyId),
}

/// An atom: a leaf of the polynomial normal form.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Atom {
    /// A parameter used as a value.
    Param(ParamId),
    /// A constant.
    Const(ConstId),
    /// A free variable.
    Free(VarId),
    /// A bound variable (de Bruijn index: 0 is the innermost binder).
    Bound(u32),
    /// `s_t` / `a_t` of a trajectory (an element atom).
    Component(AtomId, Field, PolyId),
    /// Draw `index` of a sample family.
    Sample(SampleId, PolyId),
    /// A declared function applied to its inputs.
    Call(FunId, Vec<PolyId>),
    /// The gradient of a function call that depends on the parameter only
    /// through its subscript: `∇_θ Pr_θ(τ)` stays an atom.
    Grad(ParamId, AtomId),
    /// `log P` that no law simplifies.
    Log(PolyId),
    /// `exp M` of a monomial `M` (coefficient 1); `exp` of a sum is a
    /// product of these.
    Exp(PolyId),
    /// `B ^ E` that no law simplifies.
    Pow(PolyId, PolyId),
    /// `|P|`.
    Abs(PolyId),
    /// `1 / P` for a sum `P` of several monomials (leading coefficient 1).
    Inv(PolyId),
    /// Σ over a domain; the body binds index 0.
    Sum(Dom, PolyId),
    /// Π over a domain; the body binds index 0.
    Prod(Dom, PolyId),
    /// The number of elements of a domain.
    Card(Dom),
}

/// A product of atoms with non-zero exponents, sorted by atom id.
pub type Mono = Vec<(AtomId, Q)>;

/// A sum of monomials with non-zero coefficients, sorted by monomial.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Poly(pub Vec<(Mono, Q)>);

impl Poly {
    /// The zero polynomial.
    pub fn zero() -> Poly {
        Poly(vec![])
    }

    /// A constant.
    pub fn constant(q: Q) -> Poly {
        if q.is_zero() {
            Poly(vec![])
        } else {
            Poly(vec![(vec![], q)])
        }
    }

    /// One atom.
    pub fn atom(a: AtomId) -> Poly {
        Poly(vec![(vec![(a, Q::ONE)], Q::ONE)])
    }

    /// Whether zero.
    pub fn is_zero(&self) -> bool {
        self.0.is_empty()
    }

    /// The value when constant.
    pub fn as_constant(&self) -> Option<Q> {
        match self.0.as_slice() {
            [] => Some(Q::ZERO),
            [(m, c)] if m.is_empty() => Some(c.clone()),
            _ => None,
        }
    }

    /// The atom when the polynomial is exactly one atom.
    pub fn as_atom(&self) -> Option<AtomId> {
        match self.0.as_slice() {
            [(m, c)] if c.is_one() && m.len() == 1 && m[0].1.is_one() => Some(m[0].0),
            _ => None,
        }
    }
}

/// Facts about an atom, computed once when it is interned.
#[derive(Clone, Copy, Debug, Default)]
pub struct AtomInfo {
    /// Free de Bruijn indices it refers to, as a bit set.
    pub refs: u64,
    /// Whether its value is a gradient vector.
    pub vector: bool,
    /// Whether it is known to be strictly positive.
    pub positive: bool,
}

/// The interning store.
#[derive(Default)]
pub struct Store {
    atoms: Vec<Atom>,
    info: Vec<AtomInfo>,
    atom_ids: HashMap<Atom, AtomId>,
    polys: Vec<Poly>,
    poly_refs: Vec<u64>,
    poly_vector: Vec<bool>,
    poly_ids: HashMap<Poly, PolyId>,
}

impl Store {
    /// An empty store.
    pub fn new() -> Self {
        Store::default()
    }

    /// The atom of an id.
    pub fn atom(&self, a: AtomId) -> &Atom {
        &self.atoms[a as usize]
    }

    /// The facts of an atom.
    pub fn info(&self, a: AtomId) -> AtomInfo {
        self.info[a as usize]
    }

    /// The polynomial of an id.
    pub fn poly(&self, p: PolyId) -> &Poly {
        &self.polys[p as usize]
    }

    /// Free indices a polynomial refers to.
    pub fn poly_refs(&self, p: PolyId) -> u64 {
        self.poly_refs[p as usize]
    }

    /// Whether a polynomial has a vector-valued monomial.
    pub fn poly_vector(&self, p: PolyId) -> bool {
        self.poly_vector[p as usize]
    }

    /// Number of atoms interned so far.
    pub fn atom_count(&self) -> usize {
        self.atoms.len()
    }

    fn refs_of(&self, p: &Poly) -> u64 {
        p.0.iter()
            .flat_map(|(m, _)| m.iter())
            .fold(0, |acc, (a, _)| acc | self.info(*a).refs)
    }

    /// Whether a polynomial (given by value) is known strictly positive:
    /// every coefficient positive, every atom positive, at least one term.
    pub fn positive(&self, p: &Poly) -> bool {
        !p.0.is_empty()
            && p.0
                .iter()
                .all(|(m, c)| c.is_positive() && m.iter().all(|(a, _)| self.info(*a).positive))
    }

    /// Intern a polynomial.
    pub fn intern_poly(&mut self, p: Poly) -> PolyId {
        if let Some(&id) = self.poly_ids.get(&p) {
            return id;
        }
        let refs = self.refs_of(&p);
        let vector =
            p.0.iter()
                .any(|(m, _)| m.iter().any(|(a, _)| self.info(*a).vector));
        let id = self.polys.len() as PolyId;
        self.polys.push(p.clone());
        self.poly_refs.push(refs);
        self.poly_vector.push(vector);
        self.poly_ids.insert(p, id);
        id
    }

    fn dom_refs(&self, d: &Dom) -> u64 {
        match d {
            Dom::Set(_) => 0,
            Dom::Range(lo, hi) => self.poly_refs(*lo) | self.poly_refs(*hi),
        }
    }

    /// Intern an atom; `positive` says what the caller knows of its sign
    /// (function kinds, constants), the rest is derived.
    pub fn intern_atom(&mut self, atom: Atom, positive: bool) -> AtomId {
        if let Some(&id) = self.atom_ids.get(&atom) {
            return id;
        }
        let pr = |s: &Store, p: &PolyId| s.poly_refs(*p);
        let (refs, vector, pos) = match &atom {
            Atom::Param(_) | Atom::Const(_) | Atom::Free(_) => (0, false, positive),
            Atom::Bound(i) => (1u64 << (*i).min(63), false, false),
            Atom::Component(t, _, time) => (self.info(*t).refs | pr(self, time), false, false),
            Atom::Sample(_, idx) => (pr(self, idx), false, false),
            Atom::Call(_, args) => (args.iter().fold(0, |a, p| a | pr(self, p)), false, positive),
            Atom::Grad(_, a) => (self.info(*a).refs, true, false),
            Atom::Log(p) | Atom::Abs(p) => (pr(self, p), false, false),
            Atom::Exp(p) => (pr(self, p), false, true),
            Atom::Pow(b, e) => {
                let pos = self.positive(&self.poly(*b).clone());
                (pr(self, b) | pr(self, e), false, pos)
            }
            Atom::Inv(p) => {
                let pos = self.positive(&self.poly(*p).clone());
                (pr(self, p), false, pos)
            }
            Atom::Sum(d, body) => {
                let pos = matches!(d, Dom::Set(_)) && self.positive(&self.poly(*body).clone());
                (
                    self.dom_refs(d) | (pr(self, body) >> 1),
                    self.poly_vector(*body),
                    pos,
                )
            }
            Atom::Prod(d, body) => {
                let pos = self.positive(&self.poly(*body).clone());
                (self.dom_refs(d) | (pr(self, body) >> 1), false, pos)
            }
            Atom::Card(d) => (self.dom_refs(d), false, matches!(d, Dom::Set(_))),
        };
        let id = self.atoms.len() as AtomId;
        self.atoms.push(atom.clone());
        self.info.push(AtomInfo {
            refs,
            vector,
            positive: pos,
        });
        self.atom_ids.insert(atom, id);
        id
    }
}
