//! Random instances that satisfy a program's `assume` facts.
//!
//! An instance is usable for a step only where the assumptions hold: a
//! disagreement there is a real counterexample, and an agreement a real
//! confirmation. Inequalities and proportions are checked as drawn (an
//! instance that fails one is redrawn). An assumed equation that does not
//! hold as drawn is solved for: Newton's method, with a Jacobian by finite
//! differences, moves the instance's adjustable numbers that the equation
//! mentions — real constants, positive constants (multiplicatively), free
//! real variables, and the offsets of function table rows — by the least
//! amount that makes every assumed equation hold. An equation that is
//! linear in them (`Σ_τ q(τ) R(τ) = 0`) is solved in one step. When no
//! move makes them hold, the instance is redrawn; the engine says so when
//! it can draw none.

use super::eval::{EvalError, Evaluator, Val};
use super::instance::{Instance, Limits, Slot};
use super::{holds, Tolerance};
use crate::resolve::{Program, Term, VarDomain};
use crate::syntax::ast::{ConstKind, Relation};
use rand::RngExt;
use rand_xoshiro::Xoshiro256PlusPlus;

/// A number of an instance that can be moved to satisfy an equation.
#[derive(Clone, Copy, Debug)]
enum Knob {
    /// A real constant.
    Real(usize),
    /// A positive constant, moved in its logarithm.
    Positive(usize),
    /// A free real variable.
    Free(usize),
    /// Coefficient `k` of a table of function `f` (a row's offset).
    Row(usize, usize),
}

/// Most numbers moved at once.
const MAX_KNOBS: usize = 32;
/// Most Newton steps.
const MAX_STEPS: usize = 8;
/// Most equations (assumptions times their components).
const MAX_EQUATIONS: usize = 16;

impl Knob {
    fn get(self, inst: &Instance) -> f64 {
        match self {
            Knob::Real(c) => inst.consts[c],
            Knob::Positive(c) => inst.consts[c].ln(),
            Knob::Free(v) => match inst.free[v] {
                Slot::Num(d) => d.v,
                _ => 0.0,
            },
            Knob::Row(f, k) => inst.tables[f].coef[k],
        }
    }

    /// Record that the knob may be `e` (in its own scale) from a value
    /// that satisfies the assumptions exactly.
    fn widen(self, inst: &mut Instance, e: f64) {
        match self {
            Knob::Real(c) | Knob::Positive(c) => {
                let scale = match self {
                    Knob::Positive(_) => inst.consts[c] * e.exp_m1(),
                    _ => e,
                };
                inst.const_err.resize(inst.consts.len(), 0.0);
                inst.const_err[c] += scale;
            }
            Knob::Free(v) => {
                if let Slot::Num(d) = &mut inst.free[v] {
                    d.e += e;
                }
            }
            Knob::Row(f, k) => {
                let t = &mut inst.tables[f];
                let len = t.row_len();
                t.err.resize(t.coef.len() / len, 0.0);
                t.err[k / len] += e;
            }
        }
    }

    fn set(self, inst: &mut Instance, x: f64) {
        match self {
            Knob::Real(c) => inst.consts[c] = x,
            Knob::Positive(c) => inst.consts[c] = x.exp(),
            Knob::Free(v) => inst.free[v] = Slot::Num(super::dual::Dual::constant(x)),
            Knob::Row(f, k) => inst.tables[f].coef[k] = x,
        }
    }
}

/// The assumptions of a program, ready to be imposed on instances.
pub struct Assumptions<'p> {
    prog: &'p Program,
    /// The constants and free variables the assumptions mention.
    scalars: Vec<Knob>,
    /// The functions they mention, whose row offsets may move.
    funs: Vec<usize>,
}

/// What imposing the assumptions on an instance gave.
#[derive(Debug, PartialEq)]
pub enum Imposed {
    /// The instance satisfies every assumption (perhaps after moving it).
    Holds,
    /// It does not, and could not be moved so that it does.
    Fails,
}

impl<'p> Assumptions<'p> {
    /// The program's assumptions.
    pub fn new(prog: &'p Program) -> Self {
        let mut m = super::Mentioned::default();
        for (l, _, r) in &prog.assumptions {
            super::mentioned(prog, &l.term, &mut m);
            super::mentioned(prog, &r.term, &mut m);
        }
        let mut scalars = Vec::new();
        for &c in &m.consts {
            match prog.consts[c].kind {
                ConstKind::Real => scalars.push(Knob::Real(c)),
                ConstKind::Positive => scalars.push(Knob::Positive(c)),
                ConstKind::Count => {}
            }
        }
        for &v in &m.vars {
            if prog.vars[v].domain == VarDomain::Real {
                scalars.push(Knob::Free(v));
            }
        }
        let mut funs: Vec<usize> = m.funs.iter().map(|(f, _)| *f).collect();
        funs.dedup();
        Assumptions {
            prog,
            scalars,
            funs,
        }
    }

    /// Whether the program assumes anything.
    pub fn is_empty(&self) -> bool {
        self.prog.assumptions.is_empty()
    }

    /// The numbers of this instance that may be moved: the scalar knobs,
    /// and the row offsets of the tables the assumptions mention (a
    /// random choice of them when there are many).
    fn knobs_of(&self, inst: &Instance, rng: &mut Xoshiro256PlusPlus) -> Vec<Knob> {
        let mut out = self.scalars.clone();
        let mut rows = Vec::new();
        for &f in &self.funs {
            let t = &inst.tables[f];
            let len = t.row_len();
            rows.extend((0..t.coef.len() / len).map(|r| Knob::Row(f, r * len)));
        }
        while out.len() + rows.len() > MAX_KNOBS && !rows.is_empty() {
            let i = rng.random_range(0..rows.len());
            rows.swap_remove(i);
        }
        out.extend(rows);
        out.truncate(MAX_KNOBS);
        out
    }

    /// Make `inst` satisfy every assumption, if it can. The numbers moved
    /// carry the uncertainty the assumptions leave: an equation holds to
    /// within its sides' error bounds, so each number may be that far from
    /// an exact solution, and what the step computes from it says so.
    pub fn impose(
        &self,
        inst: &mut Instance,
        limits: Limits,
        rng: &mut Xoshiro256PlusPlus,
    ) -> Result<Imposed, EvalError> {
        if self.is_empty() {
            return Ok(Imposed::Holds);
        }
        let (ok, residual) = self.residuals(inst, limits)?;
        let Some(mut g) = residual else {
            return Ok(Imposed::Fails);
        };
        if g.is_empty() {
            // Inequalities only: they hold or they do not.
            return Ok(if ok { Imposed::Holds } else { Imposed::Fails });
        }
        let knobs = self.knobs_of(inst, rng);
        if g.len() > MAX_EQUATIONS || (knobs.is_empty() && !ok) {
            return Ok(Imposed::Fails);
        }
        // Newton's method, until the residuals stop shrinking: holding
        // within the bounds is not enough, since the step compares its
        // sides at its own precision.
        let mut jac = Vec::new();
        for _ in 0..MAX_STEPS {
            jac = match self.jacobian(inst, limits, &knobs, &g)? {
                Some(j) => j,
                None => return Ok(Imposed::Fails),
            };
            let size = |g: &[(f64, f64)]| g.iter().fold(0.0f64, |m, (r, _)| m.max(r.abs()));
            if size(&g) == 0.0 {
                break;
            }
            let residuals: Vec<f64> = g.iter().map(|(r, _)| *r).collect();
            let Some(step) = least_norm_step(&jac, &residuals) else {
                return Ok(Imposed::Fails);
            };
            let before: Vec<f64> = knobs.iter().map(|k| k.get(inst)).collect();
            for (k, d) in knobs.iter().zip(&step) {
                let x = k.get(inst);
                k.set(inst, x + d);
            }
            match self.residuals(inst, limits)?.1 {
                Some(r) if r.len() == g.len() && size(&r) < 0.5 * size(&g) => g = r,
                _ => {
                    // No better: keep the point before the step.
                    for (k, x) in knobs.iter().zip(before) {
                        k.set(inst, x);
                    }
                    break;
                }
            }
        }
        let (ok, residual) = self.residuals(inst, limits)?;
        if !ok {
            return Ok(Imposed::Fails);
        }
        let Some(g) = residual else {
            return Ok(Imposed::Fails);
        };
        // Each equation i holds within t_i = 8·(its bound): an exact
        // solution lies within t_i / |J_i| along J_i, which moves knob k
        // by up to t_i |J_ik| / |J_i|².
        for (row, (_, e)) in jac.iter().zip(&g) {
            let norm2: f64 = row.iter().map(|x| x * x).sum();
            if norm2 == 0.0 {
                continue;
            }
            let t = Tolerance::STEP.factor * e;
            for (k, j) in knobs.iter().zip(row) {
                if *j != 0.0 {
                    k.widen(inst, t * j.abs() / norm2);
                }
            }
        }
        Ok(Imposed::Holds)
    }

    /// The Jacobian of the residuals `g` in the knobs, by forward
    /// differences; `None` when a moved instance has no residuals.
    fn jacobian(
        &self,
        inst: &mut Instance,
        limits: Limits,
        knobs: &[Knob],
        g: &[(f64, f64)],
    ) -> Result<Option<Vec<Vec<f64>>>, EvalError> {
        let mut jac = vec![vec![0.0; knobs.len()]; g.len()];
        for (j, k) in knobs.iter().enumerate() {
            let x = k.get(inst);
            let h = 1e-6 * x.abs().max(1.0);
            k.set(inst, x + h);
            let moved = self.residuals(inst, limits)?.1;
            k.set(inst, x);
            let Some(moved) = moved.filter(|m| m.len() == g.len()) else {
                return Ok(None);
            };
            for (i, row) in jac.iter_mut().enumerate() {
                row[j] = (moved[i].0 - g[i].0) / h;
            }
        }
        Ok(Some(jac))
    }

    /// Whether every assumption holds on `inst`, and the residuals
    /// `l − r` of the assumed equations with their error bounds (`None`
    /// when an inequality or proportion fails, or a side has no value:
    /// nothing to solve for).
    #[allow(clippy::type_complexity)]
    fn residuals(
        &self,
        inst: &Instance,
        limits: Limits,
    ) -> Result<(bool, Option<Vec<(f64, f64)>>), EvalError> {
        let mut ev = Evaluator::new(self.prog, inst, limits);
        let mut all = true;
        let mut g = Vec::new();
        for (l, rel, r) in &self.prog.assumptions {
            ev.reset_budget();
            let (lv, rv) = match (side(&mut ev, &l.term)?, side(&mut ev, &r.term)?) {
                (Some(a), Some(b)) => (a, b),
                _ => return Ok((false, None)),
            };
            let ok = matches!(holds(*rel, &lv, &rv, Tolerance::STEP), Ok(Some(true)));
            all &= ok;
            if *rel == Relation::Eq {
                let n = lv.width().max(rv.width());
                for (a, b) in lv.components(n).iter().zip(rv.components(n)) {
                    g.push((a.v - b.v, a.e + b.e));
                }
            } else if !ok {
                return Ok((false, None));
            }
        }
        Ok((all, Some(g)))
    }
}

/// A side's value; `None` when it has none on this instance.
fn side(ev: &mut Evaluator, t: &Term) -> Result<Option<Val>, EvalError> {
    match ev.eval(t) {
        Ok(v) if v.is_finite() => Ok(Some(v)),
        Ok(_) | Err(EvalError::Undefined(_)) => Ok(None),
        Err(e) => Err(e),
    }
}

/// The smallest `d` with `J d = −g`: `d = −Jᵀ (J Jᵀ)⁻¹ g`, by Gaussian
/// elimination with partial pivoting on the small square system.
fn least_norm_step(jac: &[Vec<f64>], g: &[f64]) -> Option<Vec<f64>> {
    let m = g.len();
    let n = jac.first()?.len();
    let mut a = vec![vec![0.0; m + 1]; m];
    for i in 0..m {
        for j in 0..m {
            a[i][j] = (0..n).map(|k| jac[i][k] * jac[j][k]).sum();
        }
        a[i][m] = -g[i];
    }
    for c in 0..m {
        let p = (c..m).max_by(|&x, &y| a[x][c].abs().total_cmp(&a[y][c].abs()))?;
        if a[p][c].abs() < 1e-300 {
            return None;
        }
        a.swap(c, p);
        let pivot = a[c].clone();
        for (r, row) in a.iter_mut().enumerate() {
            if r != c {
                let f = row[c] / pivot[c];
                for (x, p) in row[c..].iter_mut().zip(&pivot[c..]) {
                    *x -= f * p;
                }
            }
        }
    }
    let y: Vec<f64> = (0..m).map(|i| a[i][m] / a[i][i]).collect();
    let d: Vec<f64> = (0..n)
        .map(|k| (0..m).map(|i| jac[i][k] * y[i]).sum())
        .collect();
    d.iter().all(|x| x.is_finite()).then_some(d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::numeric::instance::Spec;
    use rand::SeedableRng;

    use crate::verdict::resolved as program;

    #[test]
    fn a_linear_equation_is_solved_for() {
        let prog = program(
            "set T\nvar τ in T\nfun R(τ)\nfun q(τ) : dist τ\nconst b\nassume Σ_τ q(τ) R(τ) = b\n",
        );
        let a = Assumptions::new(&prog);
        for seed in 0..20 {
            let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
            let mut inst =
                Instance::draw(&prog, &mut rng, &Limits::default(), Spec::moderate()).unwrap();
            assert_eq!(
                a.impose(&mut inst, Limits::default(), &mut rng),
                Ok(Imposed::Holds)
            );
            let (ok, _) = a.residuals(&inst, Limits::default()).unwrap();
            assert!(ok);
        }
    }

    #[test]
    fn an_unsatisfiable_assumption_fails() {
        let prog = program("const b\nassume b^2 = -1\n");
        let a = Assumptions::new(&prog);
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(1);
        let mut inst =
            Instance::draw(&prog, &mut rng, &Limits::default(), Spec::moderate()).unwrap();
        assert_eq!(
            a.impose(&mut inst, Limits::default(), &mut rng),
            Ok(Imposed::Fails)
        );
    }

    #[test]
    fn inequalities_are_checked_not_solved() {
        let prog = program("const b\nassume b ≥ 0\n");
        let a = Assumptions::new(&prog);
        let mut held = 0;
        for seed in 0..40 {
            let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
            let mut inst =
                Instance::draw(&prog, &mut rng, &Limits::default(), Spec::moderate()).unwrap();
            let before = inst.consts[0];
            let r = a.impose(&mut inst, Limits::default(), &mut rng).unwrap();
            assert_eq!(r == Imposed::Holds, before >= 0.0);
            held += usize::from(r == Imposed::Holds);
        }
        assert!(held > 5 && held < 35, "{held}");
    }
}
