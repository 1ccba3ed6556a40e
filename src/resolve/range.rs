//! The values an integer expression can take, for checking indices.
//!
//! An index (`s_{t+1}`, `τ_j`) must lie in its declared range — the times
//! 0 … H−1 of a trajectory, the draws lo … hi of a sample family — for
//! every value of the `count` constants, each of which may be any integer
//! from 1. The analysis is interval arithmetic whose ends are linear forms
//! in the counts ([`Linear`]): a count is exactly itself, a range variable
//! of Σ_{t=a}^{b} lies between a's least and b's greatest value while the
//! body is evaluated, and the time variable of an MDP lies in 0 … H−1. It
//! is sound and incomplete: an end that is not linear is unknown, and an
//! index with an unknown end is not accepted.
//!
//! Forms are small and fixed in size, so the analysis allocates nothing;
//! numbers past `i32` are unknown, which no index comes near.

use super::ir::{ConstId, Term, VarId};
use num_traits::ToPrimitive;

/// Most counts one form holds; a form with more is unknown. Default: 4.
const MAX_COUNTS: usize = 4;

/// `constant + Σ coefficient · count`, over `count` constants (each an
/// integer of at least 1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Linear {
    constant: i32,
    counts: [(u32, i32); MAX_COUNTS],
    len: u8,
}

impl Linear {
    /// A number.
    pub(super) fn constant(c: i32) -> Linear {
        Linear {
            constant: c,
            counts: [(0, 0); MAX_COUNTS],
            len: 0,
        }
    }

    /// A count constant; `None` past `u32::MAX` constants.
    pub(super) fn count(c: ConstId) -> Option<Linear> {
        let mut l = Linear::constant(0);
        l.counts[0] = (u32::try_from(c).ok()?, 1);
        l.len = 1;
        Some(l)
    }

    fn terms(&self) -> &[(u32, i32)] {
        &self.counts[..usize::from(self.len)]
    }

    /// The number, when the form holds no count.
    pub(super) fn as_constant(&self) -> Option<i32> {
        (self.len == 0).then_some(self.constant)
    }

    /// The form plus a number.
    pub(super) fn shifted(&self, k: i32) -> Option<Linear> {
        self.plus(&Linear::constant(k))
    }

    fn plus(&self, other: &Linear) -> Option<Linear> {
        let mut out = *self;
        out.constant = out.constant.checked_add(other.constant)?;
        for &(c, k) in other.terms() {
            let len = usize::from(out.len);
            match out.counts[..len].iter().position(|t| t.0 == c) {
                Some(at) => out.counts[at].1 = out.counts[at].1.checked_add(k)?,
                None => {
                    if len == MAX_COUNTS {
                        return None;
                    }
                    out.counts[len] = (c, k);
                    out.len += 1;
                }
            }
        }
        // Terms that cancelled are dropped, so a constant has no terms, and
        // the slots past the terms stay zero, so equal forms built alike
        // compare equal.
        let mut kept = 0;
        for k in 0..usize::from(out.len) {
            if out.counts[k].1 != 0 {
                out.counts[kept] = out.counts[k];
                kept += 1;
            }
        }
        out.counts[kept..].fill((0, 0));
        out.len = kept as u8; // at most MAX_COUNTS
        Some(out)
    }

    fn times(&self, k: i32) -> Option<Linear> {
        if k == 0 {
            return Some(Linear::constant(0));
        }
        let mut out = *self;
        out.constant = out.constant.checked_mul(k)?;
        for t in &mut out.counts[..usize::from(out.len)] {
            t.1 = t.1.checked_mul(k)?;
        }
        Some(out)
    }

    fn minus(&self, other: &Linear) -> Option<Linear> {
        self.plus(&other.times(-1)?)
    }

    /// Whether the form is at least 0 for every value of the counts: at
    /// its least, every count is 1, so every coefficient must be at least
    /// 0 and their sum with the constant too.
    pub(super) fn never_negative(&self) -> bool {
        if self.terms().iter().any(|t| t.1 < 0) {
            return false;
        }
        let least = self
            .terms()
            .iter()
            .try_fold(self.constant, |acc, t| acc.checked_add(t.1));
        least.is_some_and(|v| v >= 0)
    }

    /// When the form is at least 0 exactly when one count is large
    /// enough: that count and its least value.
    pub(super) fn needs(&self) -> Option<(ConstId, i32)> {
        match self.terms() {
            [(c, k)] if *k > 0 && self.constant < 0 => {
                let least = self.constant.checked_neg()?.checked_add(k - 1)? / k;
                Some((usize::try_from(*c).ok()?, least))
            }
            _ => None,
        }
    }

    /// The form as text (`H - 1`, `2N + 1`), counts by `name`.
    pub(super) fn show(&self, name: &dyn Fn(ConstId) -> String) -> String {
        let mut s = String::new();
        for &(c, k) in self.terms() {
            let sign = if k < 0 { "-" } else { "+" };
            if s.is_empty() {
                if k < 0 {
                    s.push('-');
                }
            } else {
                s.push_str(&format!(" {sign} "));
            }
            if k.unsigned_abs() != 1 {
                s.push_str(&k.unsigned_abs().to_string());
            }
            s.push_str(&name(usize::try_from(c).unwrap_or(usize::MAX)));
        }
        match (s.is_empty(), self.constant) {
            (true, c) => s = c.to_string(),
            (false, 0) => {}
            (false, c) if c < 0 => s.push_str(&format!(" - {}", c.unsigned_abs())),
            (false, c) => s.push_str(&format!(" + {c}")),
        }
        s
    }
}

/// Bounds of an integer expression: `lo ≤ x ≤ hi` for every value of the
/// counts and variables; `None` where no bound is known.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Interval {
    /// The least value.
    pub(super) lo: Option<Linear>,
    /// The greatest value.
    pub(super) hi: Option<Linear>,
}

impl Interval {
    /// No bound known.
    pub(super) const UNKNOWN: Interval = Interval { lo: None, hi: None };

    /// Exactly `l`.
    pub(super) fn point(l: Linear) -> Interval {
        Interval {
            lo: Some(l),
            hi: Some(l),
        }
    }

    /// `lo ..= hi`.
    pub(super) fn between(lo: Option<Linear>, hi: Option<Linear>) -> Interval {
        Interval { lo, hi }
    }

    fn constants(&self) -> Option<(i32, i32)> {
        Some((self.lo?.as_constant()?, self.hi?.as_constant()?))
    }

    fn never_negative(&self) -> bool {
        self.lo.is_some_and(|l| l.never_negative())
    }

    fn never_positive(&self) -> bool {
        self.hi
            .and_then(|h| h.times(-1))
            .is_some_and(|l| l.never_negative())
    }

    fn negated(&self) -> Interval {
        Interval {
            lo: self.hi.and_then(|h| h.times(-1)),
            hi: self.lo.and_then(|l| l.times(-1)),
        }
    }

    fn scaled(&self, k: i32) -> Interval {
        let scale = |x: Option<Linear>| x.and_then(|x| x.times(k));
        let (lo, hi) = if k < 0 {
            (self.hi, self.lo)
        } else {
            (self.lo, self.hi)
        };
        Interval::between(scale(lo), scale(hi))
    }

    /// The least and greatest of four products of constant ends.
    fn product_of_constants(a: (i32, i32), b: (i32, i32)) -> Interval {
        let products = [
            a.0.checked_mul(b.0),
            a.0.checked_mul(b.1),
            a.1.checked_mul(b.0),
            a.1.checked_mul(b.1),
        ];
        let fold = |pick: fn(i32, i32) -> i32| {
            products
                .iter()
                .copied()
                .reduce(|x, y| Some(pick(x?, y?)))
                .flatten()
                .map(Linear::constant)
        };
        Interval::between(fold(i32::min), fold(i32::max))
    }
}

/// What the analysis needs to know about the names in an expression.
pub(super) trait Bounds {
    /// Whether constant `c` is a count.
    fn is_count(&self, c: ConstId) -> bool;
    /// The bounds of variable `v` where the expression is.
    fn var(&self, v: VarId) -> Interval;
}

/// The bounds of integer term `t`.
pub(super) fn interval(t: &Term, b: &dyn Bounds) -> Interval {
    match t {
        // An integer's numerator is the integer: nothing is divided.
        Term::Num(n) => match n.is_integer().then(|| n.numer().to_i32()).flatten() {
            Some(k) => Interval::point(Linear::constant(k)),
            None => Interval::UNKNOWN,
        },
        Term::Const(c) if b.is_count(*c) => {
            Linear::count(*c).map_or(Interval::UNKNOWN, Interval::point)
        }
        Term::Var(v) => b.var(*v),
        Term::Neg(a) => interval(a, b).negated(),
        Term::Add(x, y) | Term::Sub(x, y) => {
            let (i, mut j) = (interval(x, b), interval(y, b));
            if matches!(t, Term::Sub(..)) {
                j = j.negated();
            }
            let add = |p: Option<Linear>, q: Option<Linear>| p?.plus(&q?);
            Interval::between(add(i.lo, j.lo), add(i.hi, j.hi))
        }
        Term::Mul(x, y) => {
            let (i, j) = (interval(x, b), interval(y, b));
            match (i.constants(), j.constants()) {
                (Some(p), Some(q)) => Interval::product_of_constants(p, q),
                (Some((k, l)), None) if k == l => j.scaled(k),
                (None, Some((k, l))) if k == l => i.scaled(k),
                _ if i.never_negative() && j.never_negative() => {
                    Interval::between(Some(Linear::constant(0)), None)
                }
                _ => Interval::UNKNOWN,
            }
        }
        Term::Pow(x, e) => {
            let Some(k) = interval(e, b)
                .constants()
                .filter(|(l, h)| l == h && *l >= 0)
            else {
                return Interval::UNKNOWN;
            };
            power(interval(x, b), k.0)
        }
        Term::Abs(a) => {
            let i = interval(a, b);
            if i.never_negative() {
                i
            } else if i.never_positive() {
                i.negated()
            } else {
                let hi = i
                    .constants()
                    .and_then(|(l, h)| l.checked_abs()?.max(h.checked_abs()?).into())
                    .map(Linear::constant);
                Interval::between(Some(Linear::constant(0)), hi)
            }
        }
        _ => Interval::UNKNOWN,
    }
}

/// The bounds of `x^k`, `k ≥ 0`.
fn power(i: Interval, k: i32) -> Interval {
    let zero = Some(Linear::constant(0));
    match k {
        0 => return Interval::point(Linear::constant(1)),
        1 => return i,
        _ => {}
    }
    let even = k % 2 == 0;
    let Some((l, h)) = i.constants() else {
        return if even || i.never_negative() {
            Interval::between(zero, None)
        } else {
            Interval::UNKNOWN
        };
    };
    let pow = |x: i32| u32::try_from(k).ok().and_then(|k| x.checked_pow(k));
    let (pl, ph) = (pow(l), pow(h));
    let (lo, hi) = if !even || l >= 0 {
        (pl, ph)
    } else if h <= 0 {
        (ph, pl)
    } else {
        (Some(0), pl.zip(ph).map(|(a, b)| a.max(b)))
    };
    Interval::between(lo.map(Linear::constant), hi.map(Linear::constant))
}

/// Where an index falls outside its declared range.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Outside {
    /// It can be less than the first index: how much less is `gap`
    /// (negative for some counts), and its least value is `can_be`.
    Below { can_be: Linear, gap: Linear },
    /// It can be more than the last index.
    Above { can_be: Linear, gap: Linear },
    /// Its least or greatest value is not known.
    Unknown,
}

/// Whether an index with bounds `index` lies in `first ..= last` (each
/// itself bounded) for every value of the counts.
pub(super) fn inside(index: Interval, first: Interval, last: Interval) -> Result<(), Outside> {
    let (Some(lo), Some(hi)) = (index.lo, index.hi) else {
        return Err(Outside::Unknown);
    };
    // The common case, `s_t` under Σ_{t=0}^{H-1}: the index ranges over
    // exactly the declared range.
    if Some(lo) == first.hi && Some(hi) == last.lo {
        return Ok(());
    }
    // The index's least value against the first index's greatest, and its
    // greatest against the last index's least.
    let below = first.hi.and_then(|f| lo.minus(&f));
    let above = last.lo.and_then(|l| l.minus(&hi));
    match (below, above) {
        (Some(gap), _) if !gap.never_negative() => Err(Outside::Below { can_be: lo, gap }),
        (_, Some(gap)) if !gap.never_negative() => Err(Outside::Above { can_be: hi, gap }),
        (Some(_), Some(_)) => Ok(()),
        _ => Err(Outside::Unknown),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resolve::ir::Term;
    use num_rational::BigRational;

    const N: ConstId = 0;
    const H: ConstId = 1;
    const REAL: ConstId = 2;

    /// Counts N and H; variable 0 is a time in 0 … H−1, variable 1 a
    /// range variable in 1 … N.
    struct Test;

    impl Bounds for Test {
        fn is_count(&self, c: ConstId) -> bool {
            c != REAL
        }
        fn var(&self, v: VarId) -> Interval {
            match v {
                0 => Interval::between(
                    Some(Linear::constant(0)),
                    Linear::count(H).and_then(|h| h.shifted(-1)),
                ),
                1 => Interval::between(Some(Linear::constant(1)), Linear::count(N)),
                _ => Interval::UNKNOWN,
            }
        }
    }

    fn num(k: i32) -> Term {
        Term::Num(BigRational::from_integer(k.into()))
    }
    fn b(t: Term) -> Box<Term> {
        Box::new(t)
    }
    fn show(l: Option<Linear>) -> String {
        l.map_or("?".into(), |l| {
            l.show(&|c| if c == N { "N".into() } else { "H".into() })
        })
    }
    fn bounds(t: &Term) -> (String, String) {
        let i = interval(t, &Test);
        (show(i.lo), show(i.hi))
    }
    fn strs(a: &str, b: &str) -> (String, String) {
        (a.into(), b.into())
    }

    #[test]
    fn bounds_of_linear_expressions() {
        let t = Term::Var(0);
        assert_eq!(bounds(&t), strs("0", "H - 1"));
        let t_plus_1 = Term::Add(b(Term::Var(0)), b(num(1)));
        assert_eq!(bounds(&t_plus_1), strs("1", "H"));
        let two_n_minus_i = Term::Sub(b(Term::Mul(b(num(2)), b(Term::Const(N)))), b(Term::Var(1)));
        assert_eq!(bounds(&two_n_minus_i), strs("N", "2N - 1"));
        let minus = Term::Neg(b(Term::Const(H)));
        assert_eq!(bounds(&minus), strs("-H", "-H"));
        assert_eq!(bounds(&Term::Const(REAL)), strs("?", "?"));
        let n_times_h = Term::Mul(b(Term::Const(N)), b(Term::Const(H)));
        assert_eq!(bounds(&n_times_h), strs("0", "?"));
        let cancelled = Term::Sub(b(Term::Const(N)), b(Term::Const(N)));
        assert_eq!(bounds(&cancelled), strs("0", "0"));
    }

    #[test]
    fn bounds_of_powers_and_absolute_values() {
        let sq = |t: Term| Term::Pow(b(t), b(num(2)));
        assert_eq!(bounds(&sq(num(-3))), strs("9", "9"));
        let shifted = Term::Sub(b(Term::Var(0)), b(num(2)));
        assert_eq!(bounds(&sq(shifted.clone())), strs("0", "?"));
        assert_eq!(bounds(&Term::Abs(b(num(-4)))), strs("4", "4"));
        assert_eq!(bounds(&Term::Abs(b(shifted))), strs("0", "?"));
        assert_eq!(
            bounds(&Term::Pow(b(Term::Var(1)), b(num(0)))),
            strs("1", "1")
        );
    }

    #[test]
    fn an_index_is_inside_only_when_it_is_for_every_count() {
        let times = |i: Interval| {
            inside(
                i,
                Interval::point(Linear::constant(0)),
                Interval::point(Linear::count(H).and_then(|h| h.shifted(-1)).unwrap()),
            )
        };
        let t_plus_1 = interval(&Term::Add(b(Term::Var(0)), b(num(1))), &Test);
        assert!(matches!(times(t_plus_1), Err(Outside::Above { .. })));
        assert_eq!(times(interval(&Term::Var(0), &Test)), Ok(()));
        assert_eq!(times(interval(&num(0), &Test)), Ok(()));
        match times(interval(&num(3), &Test)) {
            Err(Outside::Above { gap, .. }) => assert_eq!(gap.needs(), Some((H, 4))),
            other => panic!("{other:?}"),
        }
        let t_minus_1 = interval(&Term::Sub(b(Term::Var(0)), b(num(1))), &Test);
        assert!(matches!(times(t_minus_1), Err(Outside::Below { .. })));
        assert_eq!(times(Interval::UNKNOWN), Err(Outside::Unknown));
    }

    #[test]
    fn forms_print_as_written() {
        let l = Linear::count(N)
            .and_then(|n| n.times(2))
            .and_then(|l| l.minus(&Linear::count(H)?))
            .and_then(|l| l.shifted(-3))
            .unwrap();
        assert_eq!(show(Some(l)), "2N - H - 3");
        assert_eq!(show(Some(Linear::constant(-2))), "-2");
        assert_eq!(show(Linear::count(H).and_then(|h| h.times(-1))), "-H");
    }
}
