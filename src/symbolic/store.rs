//! Interned terms of the symbolic engine.
//!
//! A normal form is a [`Poly`]: a sum of monomials with exact rational
//! coefficients, a monomial a product of atoms with rational exponents
//! (negative exponents are divisions, so monomial factors cancel by
//! exponent arithmetic). Atoms, monomials and polynomials are hash-consed
//! in a [`Store`]: equal normal forms have equal ids, and the hot path
//! copies ids, never trees. Bound variables are de Bruijn indices, so
//! normal forms are equal up to renaming of bound variables.
//!
//! A store belongs to one proof: its ids mean nothing to another proof
//! (atoms name the program's functions and variables). [`Store::clear`]
//! empties it for the next proof and keeps its allocations.

use super::q::Q;
use crate::resolve::{ConstId, Field, FunId, ParamId, SampleId, SetId, VarId};
use std::cmp::Ordering;
use std::hash::{BuildHasher, Hash};

/// Id of an interned atom.
pub type AtomId = u32;
/// Id of an interned monomial.
pub type MonoId = u32;
/// Id of an interned polynomial.
pub type PolyId = u32;

/// The empty monomial (the number 1): always id 0.
pub const UNIT: MonoId = 0;

/// No atom.
const NONE: AtomId = AtomId::MAX;

/// The high and low halves of a full product, folded (foldhash's mixer).
fn fold(x: u64, y: u64) -> u64 {
    let p = (x as u128) * (y as u128);
    (p as u64) ^ ((p >> 64) as u64)
}

/// What a Σ or Π ranges over.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Dom {
    /// Every element of a set.
    Set(SetId),
    /// The integers `lo..=hi`.
    Range(PolyId, PolyId),
    /// The real line: a Σ over it is the integral `∫_x`.
    Real,
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
    /// A parameter used as a vector (an operand of an inner product).
    ParamVector(ParamId),
    /// A vector function (`fun φ(s, a) : vector`) applied to its inputs.
    VectorCall(FunId, Vec<PolyId>),
    /// `⟨u, v⟩` of two vector atoms, the lesser id first (it is
    /// symmetric). Against a vector that is not a Σ, a Σ of vectors takes
    /// the inner product inside; two Σs stay an atom.
    Inner(AtomId, AtomId),
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

/// A factor of a monomial: an atom and its non-zero exponent.
pub type Factor = (AtomId, Q);

/// A sum of monomials with non-zero coefficients, sorted by monomial (in
/// the order of [`Store::cmp_mono`]: the factors compared
/// lexicographically, so the order does not depend on interning order).
/// Its terms are read through `Deref` to a slice. A single term (an atom,
/// a monomial, a number) is held inline: most polynomials a proof builds
/// are one term, and this spares an allocation for each.
#[derive(Clone, Debug)]
pub enum Poly {
    /// Exactly one term.
    One((MonoId, Q)),
    /// Any number of terms.
    Many(Vec<(MonoId, Q)>),
}

impl Default for Poly {
    fn default() -> Self {
        Poly::zero()
    }
}

impl PartialEq for Poly {
    fn eq(&self, o: &Poly) -> bool {
        self.terms() == o.terms()
    }
}

impl Eq for Poly {}

impl std::ops::Deref for Poly {
    type Target = [(MonoId, Q)];
    fn deref(&self) -> &Self::Target {
        self.terms()
    }
}

impl Poly {
    /// The zero polynomial.
    pub fn zero() -> Poly {
        Poly::Many(Vec::new())
    }

    /// A constant.
    pub fn constant(q: Q) -> Poly {
        if q.is_zero() {
            Poly::zero()
        } else {
            Poly::One((UNIT, q))
        }
    }

    /// One monomial with a coefficient (non-zero).
    pub fn term(m: MonoId, c: Q) -> Poly {
        Poly::One((m, c))
    }

    /// Terms already sorted, with non-zero coefficients.
    pub fn from_vec(v: Vec<(MonoId, Q)>) -> Poly {
        Poly::Many(v)
    }

    /// The terms.
    pub fn terms(&self) -> &[(MonoId, Q)] {
        match self {
            Poly::One(t) => std::slice::from_ref(t),
            Poly::Many(v) => v,
        }
    }

    /// Whether zero.
    pub fn is_zero(&self) -> bool {
        self.terms().is_empty()
    }

    /// The value when constant.
    pub fn as_constant(&self) -> Option<Q> {
        match self.terms() {
            [] => Some(Q::ZERO),
            [(UNIT, c)] => Some(c.clone()),
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
    /// The parameters its value depends on (see [`param_bit`]).
    pub params: u64,
}

/// The bit of a parameter in the `params` sets of atoms, monomials and
/// polynomials: bit `p` for `p < 63`, bit 63 for every other parameter
/// (which then needs a look at the atom itself).
pub fn param_bit(p: ParamId) -> u64 {
    1 << p.min(63)
}

/// Facts about a monomial, computed once when it is interned.
#[derive(Clone, Copy, Debug)]
pub struct MonoInfo {
    start: u32,
    len: u32,
    /// Free de Bruijn indices its atoms refer to.
    pub refs: u64,
    /// How many gradient vectors it multiplies: the exponents of its
    /// vector atoms added up (a fractional exponent counts 2).
    pub vectors: u64,
    /// Whether every atom is known strictly positive.
    pub positive: bool,
    /// The parameters its atoms depend on (see [`param_bit`]).
    pub params: u64,
    /// The atom when the monomial is one atom to the power 1.
    pub single: Option<AtomId>,
    /// The polynomial `1·m` once interned (found without hashing).
    poly: PolyId,
}

/// An open-addressing hash table of ids; the keys live in the store's
/// arrays, so nothing is stored twice. A slot holds the low 32 bits of the
/// key's hash and `id + 1` (0 is an empty slot).
#[derive(Default)]
struct Table {
    slots: Vec<u64>,
    len: usize,
}

impl Table {
    const MIN: usize = 64;
    /// Tables beyond this many slots are not kept for the next proof.
    const KEEP: usize = 1 << 10;

    fn get(&self, h: u64, mut eq: impl FnMut(u32) -> bool) -> Option<u32> {
        if self.slots.is_empty() {
            return None;
        }
        let mask = self.slots.len() - 1;
        let tag = h as u32;
        let mut pos = tag as usize & mask;
        let mut step = 0;
        loop {
            let s = self.slots[pos];
            if s == 0 {
                return None;
            }
            if (s >> 32) as u32 == tag {
                let id = (s as u32) - 1;
                if eq(id) {
                    return Some(id);
                }
            }
            step += 1;
            pos = (pos + step) & mask;
        }
    }

    fn put(slots: &mut [u64], slot: u64) {
        let mask = slots.len() - 1;
        let mut pos = (slot >> 32) as usize & mask;
        let mut step = 0;
        while slots[pos] != 0 {
            step += 1;
            pos = (pos + step) & mask;
        }
        slots[pos] = slot;
    }

    fn insert(&mut self, h: u64, id: u32) {
        if (self.len + 1) * 2 > self.slots.len() {
            let cap = (self.slots.len() * 2).max(Self::MIN);
            let old = std::mem::replace(&mut self.slots, vec![0; cap]);
            for s in old.into_iter().filter(|s| *s != 0) {
                Self::put(&mut self.slots, s);
            }
        }
        Self::put(&mut self.slots, ((h as u32 as u64) << 32) | (id as u64 + 1));
        self.len += 1;
    }

    fn clear(&mut self) {
        if self.slots.len() > Self::KEEP {
            self.slots = Vec::new();
        } else {
            self.slots.fill(0);
        }
        self.len = 0;
    }
}

/// The interning store.
pub struct Store {
    hasher: foldhash::fast::RandomState,
    /// Secret seeds of [`Store::hash_terms`].
    seeds: [u64; 2],
    /// The atoms of parameters, constants, free and bound variables, by
    /// index ([`NONE`] where not interned): found without hashing.
    leaves: [Vec<AtomId>; 4],
    atoms: Vec<Atom>,
    info: Vec<AtomInfo>,
    /// The monomial `a^1` of each atom `a`.
    atom_mono: Vec<MonoId>,
    atom_table: Table,
    /// The factors of every monomial, one after another.
    factors: Vec<Factor>,
    monos: Vec<MonoInfo>,
    mono_table: Table,
    polys: Vec<Poly>,
    poly_refs: Vec<u64>,
    poly_vector: Vec<bool>,
    poly_params: Vec<u64>,
    poly_table: Table,
}

impl Default for Store {
    fn default() -> Self {
        Store::new()
    }
}

impl Store {
    /// An empty store.
    pub fn new() -> Self {
        let hasher = foldhash::fast::RandomState::default();
        // Odd, so that a multiplication by a seed loses nothing.
        let seeds = [hasher.hash_one(1u8) | 1, hasher.hash_one(2u8) | 1];
        let mut s = Store {
            hasher,
            seeds,
            leaves: Default::default(),
            atoms: Vec::new(),
            info: Vec::new(),
            atom_mono: Vec::new(),
            atom_table: Table::default(),
            factors: Vec::new(),
            monos: Vec::new(),
            mono_table: Table::default(),
            polys: Vec::new(),
            poly_refs: Vec::new(),
            poly_vector: Vec::new(),
            poly_params: Vec::new(),
            poly_table: Table::default(),
        };
        s.clear();
        s
    }

    /// Forget every atom, monomial and polynomial (their ids become
    /// meaningless), keeping the allocations for the next proof.
    pub fn clear(&mut self) {
        self.atoms.clear();
        self.info.clear();
        self.atom_mono.clear();
        self.atom_table.clear();
        for l in &mut self.leaves {
            l.clear();
        }
        self.factors.clear();
        self.monos.clear();
        self.mono_table.clear();
        self.polys.clear();
        self.poly_refs.clear();
        self.poly_vector.clear();
        self.poly_params.clear();
        self.poly_table.clear();
        let unit = self.seal_mono(0);
        debug_assert_eq!(unit, UNIT);
    }

    /// Whether nothing but the unit monomial is interned.
    pub fn is_empty(&self) -> bool {
        self.atoms.is_empty() && self.monos.len() == 1 && self.polys.is_empty()
    }

    /// Roughly how many bytes the store holds on to.
    pub fn footprint(&self) -> usize {
        use std::mem::size_of;
        self.atoms.capacity() * (size_of::<Atom>() + size_of::<AtomInfo>() + 4)
            + self.factors.capacity() * size_of::<Factor>()
            + self.monos.capacity() * size_of::<MonoInfo>()
            + self.polys.capacity() * (size_of::<Poly>() + 9)
            + (self.atom_table.slots.len()
                + self.mono_table.slots.len()
                + self.poly_table.slots.len())
                * 8
    }

    fn hash<T: Hash + ?Sized>(&self, x: &T) -> u64 {
        self.hasher.hash_one(x)
    }

    /// A seeded hash of a monomial's factors or a polynomial's terms: one
    /// folded multiplication per entry (foldhash's mixing step), cheaper
    /// than feeding `Hash` field by field.
    fn hash_terms<K: Copy + Into<u64>>(&self, terms: &[(K, Q)]) -> u64 {
        let [s0, s1] = self.seeds;
        let mut h = s0 ^ terms.len() as u64;
        for (k, q) in terms {
            let (n, d) = match q {
                Q::Small(n, d) => (*n as u64, *d as u64),
                Q::Big(b) => (self.hasher.hash_one(b), u64::MAX),
            };
            h = fold(h ^ (*k).into() ^ d.rotate_left(32), n ^ s1);
        }
        fold(h, s0)
    }

    /// The atom of an id.
    pub fn atom(&self, a: AtomId) -> &Atom {
        &self.atoms[a as usize]
    }

    /// The facts of an atom.
    pub fn info(&self, a: AtomId) -> AtomInfo {
        self.info[a as usize]
    }

    /// Number of atoms interned so far.
    pub fn atom_count(&self) -> usize {
        self.atoms.len()
    }

    /// The factors of a monomial, sorted by atom id.
    pub fn mono(&self, m: MonoId) -> &[Factor] {
        let i = &self.monos[m as usize];
        &self.factors[i.start as usize..(i.start + i.len) as usize]
    }

    /// The facts of a monomial.
    pub fn mono_info(&self, m: MonoId) -> MonoInfo {
        self.monos[m as usize]
    }

    /// The number of factors of a monomial.
    pub fn mono_len(&self, m: MonoId) -> usize {
        self.monos[m as usize].len as usize
    }

    /// Factor `i` of a monomial.
    pub fn factor(&self, m: MonoId, i: usize) -> Factor {
        self.factors[self.monos[m as usize].start as usize + i].clone()
    }

    /// The order of polynomial terms: factors compared lexicographically.
    pub fn cmp_mono(&self, a: MonoId, b: MonoId) -> Ordering {
        if a == b {
            return Ordering::Equal;
        }
        self.mono(a).cmp(self.mono(b))
    }

    /// The monomial `a^1`.
    pub fn atom_mono(&self, a: AtomId) -> MonoId {
        self.atom_mono[a as usize]
    }

    /// One atom as a polynomial.
    pub fn atom_poly(&self, a: AtomId) -> Poly {
        Poly::term(self.atom_mono(a), Q::ONE)
    }

    /// The atom when the polynomial is exactly one atom.
    pub fn as_atom(&self, p: &Poly) -> Option<AtomId> {
        match p.terms() {
            [(m, c)] if c.is_one() => self.monos[*m as usize].single,
            _ => None,
        }
    }

    /// Intern the monomial whose factors are `factors[start..]`, dropping
    /// them again when it is already known.
    fn seal_mono(&mut self, start: usize) -> MonoId {
        let h = self.hash_terms(&self.factors[start..]);
        let found = {
            let (factors, monos) = (&self.factors, &self.monos);
            let new = &factors[start..];
            self.mono_table.get(h, |id| {
                let i = &monos[id as usize];
                &factors[i.start as usize..(i.start + i.len) as usize] == new
            })
        };
        if let Some(id) = found {
            self.factors.truncate(start);
            return id;
        }
        self.add_mono(start, h)
    }

    /// Add the monomial `factors[start..]`, known not to be interned.
    fn add_mono(&mut self, start: usize, h: u64) -> MonoId {
        let new = &self.factors[start..];
        let mut refs = 0;
        let mut params = 0;
        let mut vectors = 0u64;
        let mut positive = true;
        for (a, e) in new {
            let info = self.info[*a as usize];
            refs |= info.refs;
            params |= info.params;
            positive &= info.positive;
            if info.vector {
                vectors = vectors.saturating_add(e.as_i64().unwrap_or(2).unsigned_abs());
            }
        }
        let single = match new {
            [(a, e)] if e.is_one() => Some(*a),
            _ => None,
        };
        let id = self.monos.len() as MonoId;
        self.monos.push(MonoInfo {
            start: start as u32,
            len: new.len() as u32,
            refs,
            vectors,
            positive,
            params,
            single,
            poly: NONE,
        });
        self.mono_table.insert(h, id);
        id
    }

    /// Intern a monomial given by its factors (sorted by atom id, non-zero
    /// exponents).
    pub fn intern_mono(&mut self, m: &[Factor]) -> MonoId {
        let start = self.factors.len();
        self.factors.extend_from_slice(m);
        self.seal_mono(start)
    }

    /// Intern the monomial whose factors are those of `m` mapped by `f`
    /// (given each factor's index); `f` must keep the atoms sorted and the
    /// exponents non-zero, and may drop factors.
    pub fn map_mono(
        &mut self,
        m: MonoId,
        mut f: impl FnMut(usize, &Factor) -> Option<Factor>,
    ) -> MonoId {
        let start = self.factors.len();
        let info = self.monos[m as usize];
        for i in 0..info.len as usize {
            let x = &self.factors[info.start as usize + i];
            if let Some(y) = f(i, x) {
                self.factors.push(y);
            }
        }
        self.seal_mono(start)
    }

    /// The product of two monomials, and whether an atom cancelled.
    pub fn mul_mono(&mut self, a: MonoId, b: MonoId) -> (MonoId, bool) {
        if a == UNIT {
            return (b, false);
        }
        if b == UNIT {
            return (a, false);
        }
        let start = self.factors.len();
        let (ia, ib) = (self.monos[a as usize], self.monos[b as usize]);
        let (mut i, mut j) = (ia.start as usize, ib.start as usize);
        let (ie, je) = (i + ia.len as usize, j + ib.len as usize);
        let mut cancelled = false;
        while i < ie && j < je {
            let (x, y) = (self.factors[i].0, self.factors[j].0);
            match x.cmp(&y) {
                Ordering::Less => {
                    let f = self.factors[i].clone();
                    self.factors.push(f);
                    i += 1;
                }
                Ordering::Greater => {
                    let f = self.factors[j].clone();
                    self.factors.push(f);
                    j += 1;
                }
                Ordering::Equal => {
                    let e = self.factors[i].1.add(&self.factors[j].1);
                    if e.is_zero() {
                        cancelled = true;
                    } else {
                        self.factors.push((x, e));
                    }
                    i += 1;
                    j += 1;
                }
            }
        }
        for k in (i..ie).chain(j..je) {
            let f = self.factors[k].clone();
            self.factors.push(f);
        }
        (self.seal_mono(start), cancelled)
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

    /// The parameters a polynomial depends on (see [`param_bit`]).
    pub fn poly_params(&self, p: PolyId) -> u64 {
        self.poly_params[p as usize]
    }

    /// Whether a polynomial (given by value) has a vector-valued monomial.
    pub fn has_vector(&self, p: &Poly) -> bool {
        p.iter().any(|(m, _)| self.monos[*m as usize].vectors > 0)
    }

    /// Whether a polynomial (given by value) is known strictly positive:
    /// every coefficient positive, every atom positive, at least one term.
    pub fn positive(&self, p: &Poly) -> bool {
        !p.is_empty()
            && p.iter()
                .all(|(m, c)| c.is_positive() && self.monos[*m as usize].positive)
    }

    /// Whether an interned polynomial is known strictly positive.
    pub fn positive_id(&self, p: PolyId) -> bool {
        self.positive(self.poly(p))
    }

    fn find_poly(&self, p: &Poly) -> (u64, Option<PolyId>) {
        if let [(m, c)] = p.terms() {
            let id = self.monos[*m as usize].poly;
            if id != NONE && c.is_one() {
                return (0, Some(id));
            }
        }
        let h = self.hash_terms(p);
        (
            h,
            self.poly_table.get(h, |id| self.polys[id as usize] == *p),
        )
    }

    fn add_poly(&mut self, h: u64, p: Poly) -> PolyId {
        let refs = p
            .iter()
            .fold(0, |acc, (m, _)| acc | self.monos[*m as usize].refs);
        let vector = self.has_vector(&p);
        let params = p
            .iter()
            .fold(0, |acc, (m, _)| acc | self.monos[*m as usize].params);
        let id = self.polys.len() as PolyId;
        if let [(m, c)] = p.terms() {
            if c.is_one() {
                self.monos[*m as usize].poly = id;
            }
        }
        self.polys.push(p);
        self.poly_params.push(params);
        self.poly_refs.push(refs);
        self.poly_vector.push(vector);
        self.poly_table.insert(h, id);
        id
    }

    /// Intern a polynomial.
    pub fn intern_poly(&mut self, p: Poly) -> PolyId {
        match self.find_poly(&p) {
            (_, Some(id)) => id,
            (h, None) => self.add_poly(h, p),
        }
    }

    /// Intern a polynomial, copying it only when it is new.
    pub fn intern_poly_ref(&mut self, p: &Poly) -> PolyId {
        match self.find_poly(p) {
            (_, Some(id)) => id,
            (h, None) => self.add_poly(h, p.clone()),
        }
    }

    fn dom_refs(&self, d: &Dom) -> u64 {
        match d {
            Dom::Set(_) | Dom::Real => 0,
            Dom::Range(lo, hi) => self.poly_refs(*lo) | self.poly_refs(*hi),
        }
    }

    /// Intern an atom; `positive` says what the caller knows of its sign
    /// (function kinds, constants), the rest is derived.
    pub fn intern_atom(&mut self, atom: Atom, positive: bool) -> AtomId {
        let leaf = match atom {
            Atom::Param(i) => Some((0, i)),
            Atom::Const(i) => Some((1, i)),
            Atom::Free(i) => Some((2, i)),
            Atom::Bound(i) => Some((3, i as usize)),
            _ => None,
        }
        .filter(|(_, i)| *i < 1 << 12);
        let h = match leaf {
            Some((k, i)) => match self.leaves[k].get(i) {
                Some(&id) if id != NONE => return id,
                _ => 0,
            },
            None => self.hash(&atom),
        };
        if leaf.is_none() {
            if let Some(id) = self.atom_table.get(h, |id| self.atoms[id as usize] == atom) {
                return id;
            }
        }
        let pr = |s: &Store, p: &PolyId| s.poly_refs(*p);
        let (refs, vector, pos) = match &atom {
            Atom::Param(_) | Atom::Const(_) | Atom::Free(_) => (0, false, positive),
            Atom::Bound(i) => (1u64 << (*i).min(63), false, false),
            Atom::Component(t, _, time) => (self.info(*t).refs | pr(self, time), false, false),
            Atom::Sample(_, idx) => (pr(self, idx), false, false),
            Atom::Call(_, args) => (args.iter().fold(0, |a, p| a | pr(self, p)), false, positive),
            Atom::ParamVector(_) => (0, true, false),
            Atom::VectorCall(_, args) => (args.iter().fold(0, |a, p| a | pr(self, p)), true, false),
            Atom::Inner(x, y) => (self.info(*x).refs | self.info(*y).refs, false, false),
            Atom::Grad(_, a) => (self.info(*a).refs, true, false),
            Atom::Log(p) | Atom::Abs(p) => (pr(self, p), false, false),
            Atom::Exp(p) => (pr(self, p), false, true),
            Atom::Pow(b, e) => (pr(self, b) | pr(self, e), false, self.positive_id(*b)),
            Atom::Inv(p) => (pr(self, p), false, self.positive_id(*p)),
            Atom::Sum(d, body) => {
                let pos = matches!(d, Dom::Set(_)) && self.positive_id(*body);
                (
                    self.dom_refs(d) | (pr(self, body) >> 1),
                    self.poly_vector(*body),
                    pos,
                )
            }
            Atom::Prod(d, body) => (
                self.dom_refs(d) | (pr(self, body) >> 1),
                false,
                self.positive_id(*body),
            ),
            Atom::Card(d) => (self.dom_refs(d), false, matches!(d, Dom::Set(_))),
        };
        let pp = |s: &Store, p: &PolyId| s.poly_params(*p);
        let dom_params = |s: &Store, d: &Dom| match d {
            Dom::Set(_) | Dom::Real => 0,
            Dom::Range(lo, hi) => pp(s, lo) | pp(s, hi),
        };
        let params = match &atom {
            Atom::Param(q) => param_bit(*q),
            Atom::Const(_) | Atom::Free(_) | Atom::Bound(_) | Atom::Card(_) => 0,
            Atom::Component(t, _, time) => self.info(*t).params | pp(self, time),
            Atom::Sample(_, i) => pp(self, i),
            Atom::Call(_, args) | Atom::VectorCall(_, args) => {
                args.iter().fold(0, |a, p| a | pp(self, p))
            }
            Atom::ParamVector(q) => param_bit(*q),
            Atom::Inner(x, y) => self.info(*x).params | self.info(*y).params,
            Atom::Grad(_, x) => self.info(*x).params,
            Atom::Log(x) | Atom::Exp(x) | Atom::Abs(x) | Atom::Inv(x) => pp(self, x),
            Atom::Pow(b, e) => pp(self, b) | pp(self, e),
            Atom::Sum(d, body) | Atom::Prod(d, body) => pp(self, body) | dom_params(self, d),
        };
        let id = self.atoms.len() as AtomId;
        self.atoms.push(atom);
        self.info.push(AtomInfo {
            refs,
            vector,
            positive: pos,
            params,
        });
        match leaf {
            Some((k, i)) => {
                let l = &mut self.leaves[k];
                if l.len() <= i {
                    l.resize(i + 1, NONE);
                }
                l[i] = id;
            }
            None => self.atom_table.insert(h, id),
        }
        // A new atom is in no monomial yet: `a^1` is new too.
        let start = self.factors.len();
        self.factors.push((id, Q::ONE));
        let h = self.hash_terms(&self.factors[start..]);
        let m = self.add_mono(start, h);
        self.atom_mono.push(m);
        id
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cleared_store_remembers_nothing() {
        let mut s = Store::new();
        let x = s.intern_atom(Atom::Free(3), false);
        let p = s.intern_poly(s.atom_poly(x));
        let l = s.intern_atom(Atom::Log(p), false);
        let m = s.intern_mono(&[(x, Q::int(2)), (l, Q::ONE)]);
        assert_eq!(s.intern_mono(&[(x, Q::int(2)), (l, Q::ONE)]), m);
        s.clear();
        assert!(s.is_empty());
        // What a fresh store would answer, sign facts included.
        let y = s.intern_atom(Atom::Free(3), true);
        assert_eq!(y, 0);
        assert!(s.info(y).positive);
        assert_eq!(s.mono(s.atom_mono(y)), &[(y, Q::ONE)]);
        assert_eq!(s.intern_mono(&[]), UNIT);
        assert_eq!(s.atom_count(), 1);
    }

    #[test]
    fn equal_factors_are_one_monomial() {
        let mut s = Store::new();
        let (a, b) = (
            s.intern_atom(Atom::Free(0), false),
            s.intern_atom(Atom::Free(1), false),
        );
        let ab = s.intern_mono(&[(a, Q::ONE), (b, Q::Small(1, 2))]);
        let (am, half) = (s.atom_mono(a), s.intern_mono(&[(b, Q::Small(1, 2))]));
        assert_eq!(s.mul_mono(am, half), (ab, false));
        let inv = s.intern_mono(&[(a, Q::int(-1))]);
        assert_eq!(
            s.mul_mono(ab, inv),
            (s.intern_mono(&[(b, Q::Small(1, 2))]), true)
        );
        assert_ne!(
            s.intern_mono(&[(a, Q::int(2))]),
            s.intern_mono(&[(a, Q::Small(2, 3))])
        );
    }
}
