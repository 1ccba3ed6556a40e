//! Assumed equations used by the symbolic engine: a step `A = B` is
//! proved `by assumption` when `A − B` is a rational linear combination of
//! the differences `L − R` of the file's `assume L = R` facts.
//!
//! In: the normal form of a step's difference, and the program's
//! assumptions. Out: the coefficients that write the difference as
//! `Σ cᵢ qᵢ (Lᵢ − Rᵢ)`, found exactly (Gaussian elimination over the
//! rationals, one equation per monomial), or nothing; each `qᵢ` is 1 or a
//! monomial that turns a term of `Lᵢ − Rᵢ` into one of the difference's
//! (so `L` may be rewritten to `R` inside a product: [`multiples`]).
//!
//! Sound under the assumptions: where every assumed equation holds, each
//! `Lᵢ − Rᵢ` is 0, so `A − B = Σ cᵢ·0 = 0`; the normal forms are identities
//! (the rules of [`super::rules`]), and the coefficients are numbers, so
//! nothing is substituted into a binder or a function. An equation holds
//! for one instance of the file's declarations, the same instance a step
//! is about: the numeric engine draws such instances (`numeric::assume`),
//! where a wrong step is still refuted. Inequalities and proportions
//! among the assumptions are not used here.
//!
//! Assumptions that hold nowhere (`assume c·c = -1` for a real c) would
//! make every combination of them "true", so a proof by assumption also
//! needs a witness: an instance on which the numeric engine makes every
//! assumption hold ([`satisfiable`]). Without one the step is left to the
//! numeric engine, which says that it can draw no such instance.

use super::normalize::Normalizer;
use super::q::Q;
use super::store::{MonoId, Poly};
use crate::numeric::assume::{Assumptions, Imposed};
use crate::numeric::instance::{Instance, Limits, Spec};
use crate::resolve::Program;
use crate::syntax::ast::Relation;
use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;

/// Most assumed equations used at once.
pub const MAX_FACTS: usize = 16;

/// Most monomials in the linear system (the rows of the elimination).
const MAX_MONOMIALS: usize = 512;

/// The normal forms of the differences `L − R` of the program's assumed
/// equations (at most [`MAX_FACTS`]), each with its index among the
/// program's assumptions. An assumption whose sides do not normalise is
/// left out. The rules its normal form needed are added to the
/// normalizer's; its domain conditions are not the step's and are dropped.
pub fn differences(n: &mut Normalizer, program: &Program) -> Vec<(usize, Poly)> {
    let conditions = std::mem::take(&mut n.conditions);
    let mut out = Vec::new();
    for (i, (l, rel, r)) in program.assumptions.iter().enumerate() {
        if *rel != Relation::Eq || out.len() == MAX_FACTS {
            continue;
        }
        let d = n
            .normalize(&l.term)
            .and_then(|lp| n.normalize(&r.term).and_then(|rp| n.sub(&lp, &rp)));
        if let Ok(d) = d {
            if !d.is_zero() {
                out.push((i, d));
            }
        }
    }
    n.conditions = conditions;
    out
}

/// Most multiples of the assumed differences tried besides them.
const MAX_MULTIPLES: usize = 48;

/// The monomial `q` with `m = q·f`, when every exponent of `q` is a whole
/// number at least 0 (so `q` has a value wherever its atoms do).
fn quotient(store: &mut super::store::Store, m: MonoId, f: MonoId) -> Option<MonoId> {
    let mut rest = store.mono(m).to_vec();
    for (atom, e) in store.mono(f).to_vec() {
        let k = rest.iter().position(|(a, _)| *a == atom)?;
        let r = rest[k].1.sub(&e);
        if r.is_negative() || !r.is_integer() {
            return None;
        }
        if r.is_zero() {
            rest.remove(k);
        } else {
            rest[k].1 = r;
        }
    }
    if rest.iter().any(|(_, e)| e.is_negative() || !e.is_integer()) {
        return None;
    }
    Some(store.intern_mono(&rest))
}

/// The differences and their multiples by the monomials that turn one of
/// their terms into one of `d`'s: with `b = c` assumed, `b² − c²` is
/// `b·(b − c) + c·(b − c)`. This is the assumption used as a rewrite of
/// `L` into `R` inside a product. Each multiple keeps its fact's index.
pub fn multiples(n: &mut Normalizer, d: &Poly, facts: &[(usize, Poly)]) -> Vec<(usize, Poly)> {
    let mut out = facts.to_vec();
    let mut seen: Vec<(usize, MonoId)> = Vec::new();
    'all: for (i, f) in facts {
        for (m, _) in d.iter() {
            for (fm, _) in f.iter() {
                let Some(q) = quotient(&mut n.store, *m, *fm) else {
                    continue;
                };
                if q == super::store::UNIT || seen.contains(&(*i, q)) {
                    continue;
                }
                seen.push((*i, q));
                if let Ok(p) = n.mul(f, &Poly::term(q, Q::int(1))) {
                    out.push((*i, p));
                }
                if seen.len() == MAX_MULTIPLES {
                    break 'all;
                }
            }
        }
    }
    out
}

/// Coefficients `cᵢ`, not all zero, with `d = Σ cᵢ Dᵢ` exactly, for the
/// differences `facts` (index, `Dᵢ`); `None` when there are none. Each
/// returned pair is a fact's index and its non-zero coefficient.
pub fn combination(d: &Poly, facts: &[(usize, Poly)]) -> Option<Vec<(usize, Q)>> {
    if d.is_zero() || facts.is_empty() {
        return None;
    }
    // The monomials of the system, in order of first appearance.
    let mut monos: Vec<MonoId> = Vec::new();
    for p in std::iter::once(d).chain(facts.iter().map(|(_, p)| p)) {
        for (m, _) in p.iter() {
            if !monos.contains(m) {
                if monos.len() == MAX_MONOMIALS {
                    return None;
                }
                monos.push(*m);
            }
        }
    }
    let k = facts.len();
    let coef = |p: &Poly, m: MonoId| {
        p.iter()
            .find(|(x, _)| *x == m)
            .map_or(Q::ZERO, |(_, c)| c.clone())
    };
    // One row a monomial: the facts' coefficients, then d's.
    let mut rows: Vec<Vec<Q>> = monos
        .iter()
        .map(|&m| {
            let mut row: Vec<Q> = facts.iter().map(|(_, p)| coef(p, m)).collect();
            row.push(coef(d, m));
            row
        })
        .collect();
    let c = solve(&mut rows, k)?;
    let used: Vec<(usize, Q)> = facts
        .iter()
        .zip(c)
        .filter(|(_, c)| !c.is_zero())
        .map(|((i, _), c)| (*i, c))
        .collect();
    (!used.is_empty()).then_some(used)
}

/// Solve the augmented system `rows` (each `k` coefficients and a right
/// side) exactly: one solution, free unknowns 0, or `None` when the system
/// is inconsistent.
fn solve(rows: &mut [Vec<Q>], k: usize) -> Option<Vec<Q>> {
    let mut pivots: Vec<(usize, usize)> = Vec::new();
    let mut r = 0;
    for col in 0..k {
        let Some(p) = (r..rows.len()).find(|&i| !rows[i][col].is_zero()) else {
            continue;
        };
        rows.swap(r, p);
        let inv = rows[r][col].recip()?;
        for x in rows[r].iter_mut() {
            *x = x.mul(&inv);
        }
        for i in 0..rows.len() {
            if i != r && !rows[i][col].is_zero() {
                let f = rows[i][col].clone();
                let pivot = rows[r].clone();
                for (x, p) in rows[i].iter_mut().zip(&pivot) {
                    *x = x.sub(&p.mul(&f));
                }
            }
        }
        pivots.push((r, col));
        r += 1;
    }
    // A row with no unknown left must have a zero right side.
    if rows[r..].iter().any(|row| !row[k].is_zero()) {
        return None;
    }
    let mut c = vec![Q::ZERO; k];
    for (row, col) in pivots {
        c[col] = rows[row][k].clone();
    }
    Some(c)
}

/// Instances drawn, at most, to find one that satisfies the assumptions.
const WITNESS_TRIES: usize = 8;

/// Whether some instance of the program satisfies every assumption (to the
/// numeric engine's precision): moderate instances drawn from `seed`, each
/// moved onto the assumed equations where it can be.
pub fn satisfiable(program: &Program, seed: u64) -> bool {
    let assumptions = Assumptions::new(program);
    let limits = Limits::default();
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed ^ 0xA55E_47ED_F0C7_5EED);
    for _ in 0..WITNESS_TRIES {
        let Ok(mut inst) = Instance::draw(program, &mut rng, &limits, Spec::moderate()) else {
            return false;
        };
        if assumptions.impose(&mut inst, limits, &mut rng) == Ok(Imposed::Holds) {
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::symbolic::normalize::Budget;
    use crate::symbolic::rules::Rule;
    use crate::symbolic::{prove, Outcome};
    use crate::verdict::with_first_step;

    const DECLS: &str = "set T\nvar τ in T\nfun R(τ)\nfun q(τ) : dist τ\nconst b\nconst c\nconst k";

    fn outcome(decls: &str, step: &str) -> Outcome {
        with_first_step(&format!("{decls}\n\n{step}\n"), 0, |p| {
            prove(p, Budget::default())
        })
    }

    fn q(n: i64) -> Q {
        Q::int(n)
    }

    #[test]
    fn the_elimination_finds_a_combination_or_none() {
        // x = 2·a − b over the monomials (1, 2): a = (1, 0), b = (1, 1).
        let mut rows = vec![vec![q(1), q(1), q(1)], vec![q(0), q(1), q(-1)]];
        assert_eq!(solve(&mut rows, 2), Some(vec![q(2), q(-1)]));
        // Inconsistent: a = (1, 1), x = (1, 2).
        let mut rows = vec![vec![q(1), q(1)], vec![q(1), q(2)]];
        assert_eq!(solve(&mut rows, 1), None);
        // Dependent facts: a = 2b; one solution is enough.
        let mut rows = vec![vec![q(2), q(1), q(4)]];
        assert!(solve(&mut rows, 2).is_some());
    }

    #[test]
    fn a_step_that_rests_on_an_assumption_is_proved_and_names_it() {
        let decls = format!("{DECLS}\nassume Σ_τ q(τ) R(τ) = b");
        let Outcome::Proved(rules) = outcome(&decls, "Σ_τ q(τ) (R(τ) - b) = 0") else {
            panic!("not proved");
        };
        assert!(rules.contains(&Rule::Assumption), "{rules:?}");
        // A multiple of it, with other terms that cancel.
        let r = outcome(&decls, "3 Σ_τ q(τ) R(τ) + c = 3 b + c");
        assert!(r.is_proved(), "{r:?}");
    }

    #[test]
    fn two_assumptions_combine() {
        let decls = format!("{DECLS}\nassume b = 2 c\nassume c + k = 1");
        let Outcome::Proved(rules) = outcome(&decls, "b + 2 k = 2") else {
            panic!("not proved");
        };
        assert!(rules.contains(&Rule::Assumption), "{rules:?}");
    }

    #[test]
    fn an_assumption_is_used_inside_a_product() {
        let decls = format!("{DECLS}\nassume b = c");
        for step in ["b^2 = c^2", "b R(τ) + k = c R(τ) + k", "b^2 c = c^3"] {
            let r = outcome(&decls, step);
            assert!(
                matches!(&r, Outcome::Proved(rules) if rules.contains(&Rule::Assumption)),
                "{step}: {r:?}"
            );
        }
        for step in ["b^2 = c", "b^2 = 2 c^2", "b k = c"] {
            let r = outcome(&decls, step);
            assert!(!r.is_proved(), "{step}: {r:?}");
        }
    }

    #[test]
    fn a_step_the_assumptions_do_not_give_is_not_proved() {
        let decls = format!("{DECLS}\nassume Σ_τ q(τ) R(τ) = b");
        for step in [
            "Σ_τ q(τ) R(τ) = 2 b",
            "Σ_τ q(τ) R(τ)^2 = b^2",
            "b = c",
            "Σ_τ R(τ) = b",
        ] {
            let r = outcome(&decls, step);
            assert!(!r.is_proved(), "{step}: {r:?}");
        }
        // Assumptions that hold nowhere prove nothing.
        let r = outcome(&format!("{DECLS}\nassume c c = -1"), "c c + 1 = 0");
        assert!(!r.is_proved(), "{r:?}");
        // An inequality is not used, nor is an equation not assumed.
        let r = outcome(&format!("{DECLS}\nassume b ≥ c"), "b = c");
        assert!(!r.is_proved(), "{r:?}");
        let r = outcome(DECLS, "b = c");
        assert!(!r.is_proved(), "{r:?}");
    }
}
