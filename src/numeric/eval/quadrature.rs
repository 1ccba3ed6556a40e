//! Integrals over the real line, and densities over a real variable.
//!
//! A density declared `dist x` over a real `x` is, in each instance, a
//! random mixture of [`COMPONENTS`] normal densities whose weights, means
//! (in (−2, 2)) and standard deviations (in (0.6, 1.65)) are smooth
//! functions of the other inputs, parameters included: strictly positive,
//! integrating to 1, defined on all of ℝ.
//!
//! `∫_x h(x)` is evaluated by Gauss–Hermite quadrature on the normal
//! components found in the integrand (the components of each density of
//! `x`, and each `𝒩(x; μ, v)`), and the normal density proportional to
//! each pair's product (where a product of two densities has its mass,
//! which may lie far from both): with `D = Σ_j w_j φ_j` their mixture,
//! `∫ h = Σ_j w_j ∫ (h/D) φ_j`, each term a Gauss–Hermite sum on `φ_j`'s
//! nodes. For `h = p·f` with `p` one of the densities, `h/D` is `f`, so the
//! rule is exact for polynomial `f` up to degree 2n − 1; otherwise the
//! error is estimated by a second rule of twice the order. The value is the
//! higher-order one, its error bound widened by [`SAFETY`] times the
//! difference of the two, so the comparison of the sides accounts for it.
//! A difference that is not small against the integrand's magnitude
//! ([`CONVERGED`]: the rule has not converged, for a divergent or rapidly
//! oscillating integrand) gives a value known to no digit, and the
//! instance is redrawn. An integrand with no normal component has no
//! reference measure and is not shown integrable (`∫_x f(x)` for a
//! function f): the evaluation is unsupported, and the step `unknown` with
//! the reason, never a verdict from a divergent value.

use super::{mul, undefined, unsupported, Evaluator, Val, E};
use crate::numeric::dual::{Dual, UNIT};
use crate::numeric::instance::Slot;
use crate::resolve::{FunKind, Input, Term, VarId};
use crate::syntax::ast::Func;
use std::sync::OnceLock;

/// Normal components of a random density.
pub const COMPONENTS: usize = 2;

/// Nodes of the lower-order rule; the higher one has twice as many.
pub const NODES: usize = 32;

/// How many times the difference of the two rules is added to the error
/// bound of an integral. Default: 8.
pub const SAFETY: f64 = 8.0;

/// Largest difference of the two rules, relative to the sum of the
/// absolute terms, for an integral to count as converged. Default: 1e-7.
pub const CONVERGED: f64 = 1e-7;

/// Largest error of a node's placement, relative to its component's
/// spread, for the rule to be applied. Default: 1e-8.
const PLACEMENT: f64 = 1e-8;

/// A bound on the relative error of the rules' weights. Default: 1e-13.
const RULE_WEIGHT_ERROR: f64 = 1e-13;

/// Most distinct normal components found in one integrand. Default: 6.
const MAX_BASE: usize = 6;

/// Most components one integral is split over, the pairwise products of
/// those found included. Default: 21.
const MAX_COMPONENTS: usize = 21;

/// The Gauss–Hermite rule of `n` nodes for `∫ e^{−t²} g(t) dt`: nodes and
/// weights (Newton's iteration on the orthonormal Hermite recurrence).
pub fn gauss_hermite(n: usize) -> (Vec<f64>, Vec<f64>) {
    let pim4 = std::f64::consts::PI.powf(-0.25);
    let mut x = vec![0.0; n];
    let mut w = vec![0.0; n];
    let nf = n as f64;
    let mut z: f64 = 0.0;
    for i in 0..n.div_ceil(2) {
        z = match i {
            0 => (2.0 * nf + 1.0).sqrt() - 1.85575 * (2.0 * nf + 1.0).powf(-1.0 / 6.0),
            1 => z - 1.14 * nf.powf(0.426) / z,
            2 => 1.86 * z - 0.86 * x[0],
            3 => 1.91 * z - 0.91 * x[1],
            _ => 2.0 * z - x[i - 2],
        };
        let mut pp = 1.0;
        for _ in 0..100 {
            let (mut p1, mut p2) = (pim4, 0.0);
            for j in 0..n {
                let p3 = p2;
                p2 = p1;
                let jf = j as f64;
                p1 = z * (2.0 / (jf + 1.0)).sqrt() * p2 - (jf / (jf + 1.0)).sqrt() * p3;
            }
            pp = (2.0 * nf).sqrt() * p2;
            let z1 = z;
            z = z1 - p1 / pp;
            if (z - z1).abs() <= 1e-15 * z.abs().max(1.0) {
                break;
            }
        }
        x[i] = z;
        x[n - 1 - i] = -z;
        w[i] = 2.0 / (pp * pp);
        w[n - 1 - i] = w[i];
    }
    (x, w)
}

fn rules() -> &'static [(Vec<f64>, Vec<f64>); 2] {
    static RULES: OnceLock<[(Vec<f64>, Vec<f64>); 2]> = OnceLock::new();
    RULES.get_or_init(|| [gauss_hermite(NODES), gauss_hermite(2 * NODES)])
}

/// The normal density `φ(x; m, s²)` with its error bound.
fn normal(x: Dual, m: Dual, s: Dual) -> Dual {
    let r = (x - m) * s.recip();
    let k = Dual::with_error(1.0 / std::f64::consts::TAU.sqrt(), UNIT);
    (-(r * r).scale(0.5)).exp() * k * s.recip()
}

fn normal_value(x: f64, m: f64, s: f64) -> f64 {
    let r = (x - m) / s;
    (-0.5 * r * r).exp() / (s * std::f64::consts::TAU.sqrt())
}

/// One normal component: weight, mean, standard deviation (values only:
/// the quadrature's nodes are fixed, the integrand carries the derivative).
#[derive(Clone, Copy, Debug, PartialEq)]
struct Component {
    w: f64,
    m: f64,
    s: f64,
    /// Which factor of the integrand it is a component of (the same
    /// density written twice is one factor).
    src: usize,
}

/// A factor of an integrand that is a density of its variable.
#[derive(PartialEq)]
enum Source<'t> {
    Call(usize, &'t [Term]),
    Gaussian(&'t Term, &'t Term),
}

fn source_id<'t>(sources: &mut Vec<Source<'t>>, s: Source<'t>) -> usize {
    match sources.iter().position(|x| *x == s) {
        Some(k) => k,
        None => {
            sources.push(s);
            sources.len() - 1
        }
    }
}

type Mixture = [(Dual, Dual, Dual); COMPONENTS];

impl Evaluator<'_> {
    /// The components `(weight, mean, sd)` of a density's mixture at one
    /// row of its table and the continuous inputs `u` (the density's own
    /// variable left out).
    fn mixture(&mut self, fun: usize, row: usize, u: &[Dual]) -> Mixture {
        let table = &self.inst.tables[fun];
        let rows: usize = table.radix.iter().product::<usize>() / (3 * COMPONENTS);
        self.ops += (3 * COMPONENTS * (1 + table.cont)) as u64;
        let z = |k: usize| table.z(row + k * rows, u);
        let logits: [Dual; COMPONENTS] = std::array::from_fn(z);
        let top = logits.iter().fold(f64::NEG_INFINITY, |m, z| m.max(z.v));
        let ex: [Dual; COMPONENTS] =
            std::array::from_fn(|c| (logits[c] - Dual::constant(top)).exp());
        let inv = ex.iter().fold(Dual::constant(0.0), |a, b| a + *b).recip();
        std::array::from_fn(|c| {
            let m = z(COMPONENTS + c).scale(0.5).tanh().scale(2.0);
            let s = z(2 * COMPONENTS + c).scale(0.5).tanh().scale(0.5).exp();
            (ex[c] * inv, m, s)
        })
    }

    /// A density's value at `x`, for the table row of its set inputs and
    /// its other continuous inputs `u`.
    pub(super) fn density(&mut self, fun: usize, row: usize, u: &[Dual], x: Dual) -> Dual {
        let mut p = Dual::constant(0.0);
        for (w, m, s) in self.mixture(fun, row, u) {
            p = p + w * normal(x, m, s);
        }
        p
    }

    /// The normal components of the densities of `x` in `t`, evaluated
    /// where the evaluator is (those whose other inputs involve `x` or
    /// cannot be evaluated here are left out).
    fn components<'t>(
        &mut self,
        x: VarId,
        t: &'t Term,
        sources: &mut Vec<Source<'t>>,
        out: &mut Vec<Component>,
    ) {
        let prog = self.prog;
        let mut calls = Vec::new();
        let mut gaussians = Vec::new();
        t.walk(&mut |s| {
            if let Some(g) = gaussian_parts(s, x) {
                gaussians.push(g);
            }
            let Term::Call { fun, args } = s else { return };
            let FunKind::Dist(k) = prog.funs[*fun].kind else {
                return;
            };
            if prog.funs[*fun].inputs[k] == Input::Real
                && args[k] == Term::Var(x)
                && args
                    .iter()
                    .enumerate()
                    .all(|(j, a)| j == k || !mentions(a, x))
            {
                calls.push((*fun, args.as_slice()));
            }
        });
        for (fun, args) in calls {
            let src = source_id(sources, Source::Call(fun, args));
            if let Ok(comps) = self.call_mixture(fun, args) {
                for (w, m, s) in comps {
                    push(
                        out,
                        Component {
                            w: w.v,
                            m: m.v,
                            s: s.v,
                            src,
                        },
                        MAX_BASE,
                    );
                }
            }
        }
        for (mean, var) in gaussians {
            let src = source_id(sources, Source::Gaussian(mean, var));
            let (Ok(m), Ok(v)) = (self.scalar(mean), self.scalar(var)) else {
                continue;
            };
            if v.v + v.e <= 0.0 {
                self.variance_not_positive = true;
            } else if v.v > 0.0 {
                push(
                    out,
                    Component {
                        w: 1.0,
                        m: m.v,
                        s: v.v.sqrt(),
                        src,
                    },
                    MAX_BASE,
                );
            }
        }
    }

    /// The mixture of a density call, its drawn argument left out.
    fn call_mixture(&mut self, fun: usize, args: &[Term]) -> E<Mixture> {
        let (elems, u) = self.inputs(fun, args, true)?;
        let row = self.row_of(fun, &elems);
        Ok(self.mixture(fun, row, &u))
    }

    /// `∫_x` of `integrand` (evaluated with `x` bound), on the normal
    /// components found in `terms`.
    pub(super) fn integral(
        &mut self,
        x: VarId,
        terms: &[&Term],
        integrand: &mut dyn FnMut(&mut Self) -> E<Val>,
    ) -> E<Val> {
        let mut comps = Vec::new();
        let mut sources = Vec::new();
        self.variance_not_positive = false;
        for t in terms {
            self.components(x, t, &mut sources, &mut comps);
        }
        if comps.is_empty() && self.variance_not_positive {
            // N(x; μ, v) with v ≤ 0 has no value (its log's domain).
            return undefined("a normal density with a variance ≤ 0");
        }
        // A product of two normal densities has its mass between them,
        // where neither's nodes may reach: each pair's product is a
        // component of its own.
        let base = comps.len();
        for i in 0..base {
            for j in i + 1..base {
                let (a, b) = (comps[i], comps[j]);
                if a.src == b.src {
                    // Components of one mixture are summed, not multiplied.
                    continue;
                }
                let (va, vb) = (a.s * a.s, b.s * b.s);
                let m = (a.m * vb + b.m * va) / (va + vb);
                let s = (va * vb / (va + vb)).sqrt();
                let src = usize::MAX;
                push(&mut comps, Component { w: 1.0, m, s, src }, MAX_COMPONENTS);
            }
        }
        if comps.is_empty() {
            return unsupported(format!(
                "the integrand of ∫_{0} has no density of `{0}` as a factor (a declared density or N({0}; μ, σ^2)), so the integral is not shown to converge",
                self.prog.vars[x].name
            ));
        }
        let saved = self.env[x];
        let r = self.quadrature(x, &comps, integrand);
        self.env[x] = saved;
        r
    }

    fn quadrature(
        &mut self,
        x: VarId,
        comps: &[Component],
        integrand: &mut dyn FnMut(&mut Self) -> E<Val>,
    ) -> E<Val> {
        let total_w: f64 = comps.iter().map(|c| c.w).sum();
        let sqrt_pi = std::f64::consts::PI.sqrt();
        let mut sums: Vec<(Vec<Dual>, Vec<f64>)> = Vec::with_capacity(2);
        let mut vector = false;
        let mut imprecise = false;
        for (nodes, weights) in rules() {
            let mut acc: Vec<Dual> = Vec::new();
            let mut mag: Vec<f64> = Vec::new();
            for c in comps {
                for (t, wt) in nodes.iter().zip(weights) {
                    let at = c.m + std::f64::consts::SQRT_2 * c.s * t;
                    let d: f64 = comps
                        .iter()
                        .map(|k| k.w / total_w * normal_value(at, k.m, k.s))
                        .sum();
                    if !(d > 0.0 && d.is_finite()) {
                        continue;
                    }
                    let factor = c.w / total_w * wt / sqrt_pi / d;
                    // The node is placed to within rounding (and the
                    // rule's own accuracy): the integrand sees that as an
                    // error of its variable, the mixture D as a relative
                    // error of at most its log-slope times it; D's own
                    // rounding grows with the squared distance in spreads.
                    let spread = std::f64::consts::SQRT_2 * c.s * t;
                    let e_at = 2.0 * UNIT * (c.m.abs() + spread.abs()) + 1e-15 * spread.abs();
                    let (mut slope, mut r2) = (0.0f64, 0.0f64);
                    for k in comps {
                        slope = slope.max((at - k.m).abs() / (k.s * k.s));
                        r2 = r2.max(((at - k.m) / k.s).powi(2));
                    }
                    if e_at > PLACEMENT * c.s {
                        // A spread too small beside the mean for f64 to
                        // place the nodes: the value is known to no digit.
                        imprecise = true;
                    }
                    let rel = (16.0 + 2.0 * r2) * UNIT + 2.0 * e_at * slope + RULE_WEIGHT_ERROR;
                    self.env[x] = Slot::Num(Dual::with_error(at, e_at));
                    let h = integrand(self)?;
                    let scaled = mul(Val::S(Dual::with_error(factor, rel * factor)), h)?;
                    let parts = match scaled {
                        Val::S(v) => vec![v],
                        Val::V(v) => {
                            vector = true;
                            v
                        }
                    };
                    if acc.is_empty() {
                        acc = vec![Dual::constant(0.0); parts.len()];
                        mag = vec![0.0; parts.len()];
                    }
                    if parts.len() != acc.len() {
                        return unsupported("an integrand whose vectors change dimension");
                    }
                    for (k, p) in parts.into_iter().enumerate() {
                        mag[k] += p.v.abs() + p.d.abs();
                        acc[k] = acc[k] + p;
                    }
                }
            }
            sums.push((acc, mag));
        }
        let (lo, _) = &sums[0];
        let (hi, mag) = &sums[1];
        if hi.is_empty() || lo.len() != hi.len() {
            return unsupported("the quadrature found no node where the integrand has a value");
        }
        let mut out = Vec::with_capacity(hi.len());
        for k in 0..hi.len() {
            let (a, b) = (lo[k], hi[k]);
            let (dv, dd) = ((b.v - a.v).abs(), (b.d - a.d).abs());
            let mut v = b;
            if dv + dd <= CONVERGED * mag[k] && !imprecise {
                v.e += SAFETY * dv;
                v.de += SAFETY * dd;
                if mag[k] > 0.0 {
                    self.quadrature_error = self.quadrature_error.max((dv + dd) / mag[k]);
                }
            } else {
                v.e = f64::INFINITY;
                v.de = f64::INFINITY;
            }
            out.push(v);
        }
        self.quadrature_used = true;
        Ok(if vector { Val::V(out) } else { Val::S(out[0]) })
    }
}

fn push(out: &mut Vec<Component>, c: Component, max: usize) {
    let usable = c.w > 0.0 && c.s > 0.0 && c.w.is_finite() && c.m.is_finite() && c.s.is_finite();
    let seen = out.iter().any(|o| (o.w, o.m, o.s) == (c.w, c.m, c.s));
    if usable && out.len() < max && !seen {
        out.push(c);
    }
}

/// Whether `t` mentions variable `x`.
fn mentions(t: &Term, x: VarId) -> bool {
    let mut found = false;
    t.walk(&mut |s| found |= matches!(s, Term::Var(v) if *v == x));
    found
}

/// The mean and variance of a normal density of `x` as
/// [`crate::resolve::gaussian_term`] writes it:
/// `exp(−(x − μ)²/(2v) − ½ log(2πv))`.
fn gaussian_parts(t: &Term, x: VarId) -> Option<(&Term, &Term)> {
    let Term::Func(Func::Exp, e) = t else {
        return None;
    };
    let Term::Sub(q, norm) = &**e else {
        return None;
    };
    let (Term::Neg(q), Term::Mul(_, log)) = (&**q, &**norm) else {
        return None;
    };
    let (Term::Div(sq, two_v), Term::Func(Func::Log, _)) = (&**q, &**log) else {
        return None;
    };
    let (Term::Pow(diff, _), Term::Mul(_, var)) = (&**sq, &**two_v) else {
        return None;
    };
    let Term::Sub(xv, mean) = &**diff else {
        return None;
    };
    if **xv != Term::Var(x) || mentions(mean, x) || mentions(var, x) {
        return None;
    }
    Some((mean, var))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The rules integrate `e^{−t²}` times polynomials of degree < 2n
    /// exactly: the moments of the normal density.
    #[test]
    fn gauss_hermite_integrates_moments() {
        for n in [NODES, 2 * NODES] {
            let (x, w) = gauss_hermite(n);
            let moment = |k: i32| x.iter().zip(&w).map(|(t, w)| w * t.powi(k)).sum::<f64>();
            let sp = std::f64::consts::PI.sqrt();
            assert!((moment(0) - sp).abs() < 1e-13, "{n}: {}", moment(0));
            assert!(moment(1).abs() < 1e-13);
            assert!((moment(2) - sp / 2.0).abs() < 1e-13, "{}", moment(2));
            assert!((moment(4) - 3.0 * sp / 4.0).abs() < 1e-12);
            assert!((moment(10) - 945.0 * sp / 32.0).abs() < 1e-9);
        }
    }
}
