//! Random concrete instances of a program's declarations.
//!
//! Every set gets a random size, every constant a value, every parameter a
//! random vector of one shared random dimension, every function a random
//! smooth table: for the inputs that are set elements a row of
//! coefficients, for the continuous inputs `u` (parameters and reals) the
//! value `z = 2a + w·u + g (v·u)² + c sin(ω·u + φ)` — not a polynomial, so
//! no finite-difference or polynomial identity holds for it by accident. A
//! `positive` function is `exp z`; a distribution over `x` is `softmax_x z`
//! (so strictly positive, summing to 1 for every condition, and a softmax
//! in θ when it depends on θ). An `mdp` is a random tabular MDP with a
//! softmax policy.
//!
//! How large the sizes and the values are is the instance's [`Family`]:
//! small sets and moderate numbers give readable counterexamples; wide,
//! extreme and special values (0, ±1, ±2, ½, …) and sizes up to a cap near
//! the enumeration bound find what the small ones cannot (`b ≤ 2`,
//! `(N−1)(N−2)(N−3)(N−4) = 0`, `Σ_τ 1 ≤ 4`). The numeric engine draws its
//! trials from a schedule of families ([`Family::schedule`]).

use super::dual::Dual;
use crate::resolve::{FunKind, Input, Program, SetKind, VarDomain};
use crate::syntax::ast::ConstKind;
use rand::RngExt;
use rand_xoshiro::Xoshiro256PlusPlus;

/// Bounds on the work one instance may take. Running out is an `unknown`
/// verdict with the reason, never a hang.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Most evaluation steps for one side of one step on one instance.
    /// Default: 3,000,000.
    pub max_ops: u64,
    /// Most entries in one function table. Default: 100,000.
    pub max_table: usize,
    /// Most elements in one set or integer range. Default: 100,000.
    pub max_range: i64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_ops: 3_000_000,
            max_table: 100_000,
            max_range: 100_000,
        }
    }
}

/// How an instance's sizes and values are drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    /// Sets and counts of 1–4 elements (horizons 1–3), numbers in [−2, 2]
    /// (positive ones in [0.2, 2.5]): small instances, readable
    /// counterexamples.
    Moderate,
    /// Sets and counts of 1–16; numbers spread over six orders of
    /// magnitude (±10^[−3, 3]).
    Wide,
    /// Sizes up to the cap (at most [`EXTREME_SIZE`]), spread evenly over
    /// their orders of magnitude; numbers of extreme size (±10^[3, 12] or
    /// ±10^[−12, −3]).
    Extreme,
    /// Small sizes; numbers from a few special values (0, ±1, ±2, ±½, ±3,
    /// ±10, ±100), where identities that hold "in general" fail.
    Special,
    /// Small sizes; every real number 0, every positive one 1, every
    /// function 0 (or 1, or uniform): where a quotient or a log that "holds
    /// in general" has no value.
    Zero,
    /// Sizes of 1–16; every number large and positive (10^[3, 12]; a
    /// function's values too): a bound such as `b ≤ 100` fails here.
    Plus,
    /// As [`Family::Plus`], with every real number negative.
    Minus,
    /// One size near the cap, the others small; moderate numbers.
    Large,
    /// Every size from 5 to the cap, evenly over their orders of
    /// magnitude; moderate numbers (for the Monte Carlo engine: an
    /// estimator biased only for N > 4).
    Sized,
    /// Each size and number from any of the families above, on its own.
    Mixed,
}

/// The largest size the `Extreme` and `Mixed` families draw; only
/// `Large` reaches for the cap. Default: 1,000.
pub const EXTREME_SIZE: usize = 1000;

/// What to draw: a family, and the largest size of a set or count.
#[derive(Clone, Copy, Debug)]
pub struct Spec {
    /// The family.
    pub family: Family,
    /// The largest set or count drawn (never past the limits).
    pub cap: usize,
}

impl Spec {
    /// Moderate instances.
    pub fn moderate() -> Spec {
        Spec {
            family: Family::Moderate,
            cap: 4,
        }
    }
}

impl Family {
    /// The family of trial `k` of a step: three moderate trials first (a
    /// wrong step is usually refuted on the first, with a small
    /// counterexample), one of zeros, then a cycle through the others.
    pub fn schedule(k: usize) -> Family {
        const CYCLE: [Family; 7] = [
            Family::Wide,
            Family::Plus,
            Family::Special,
            Family::Extreme,
            Family::Minus,
            Family::Mixed,
            Family::Large,
        ];
        match k {
            0..=2 => Family::Moderate,
            3 => Family::Zero,
            _ => CYCLE[(k - 4) % CYCLE.len()],
        }
    }

    /// A milder family to fall back on when this one's instances keep
    /// failing (overflowing, or past the work bound).
    pub fn milder(self) -> Family {
        match self {
            Family::Extreme | Family::Mixed => Family::Wide,
            Family::Wide
            | Family::Special
            | Family::Zero
            | Family::Plus
            | Family::Minus
            | Family::Large
            | Family::Sized
            | Family::Moderate => Family::Moderate,
        }
    }

    fn pick(self, rng: &mut Xoshiro256PlusPlus) -> Family {
        match self {
            Family::Mixed => [
                Family::Moderate,
                Family::Wide,
                Family::Extreme,
                Family::Special,
                Family::Plus,
                Family::Minus,
            ][rng.random_range(0..6)],
            f => f,
        }
    }
}

/// A value bound to a variable.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Slot {
    /// Not bound.
    Empty,
    /// An element (its index in its set).
    Elem(usize),
    /// A number.
    Num(Dual),
}

/// The random table of one function.
#[derive(Clone, Debug)]
pub struct Table {
    /// Sizes of the set-valued inputs, in input order.
    pub radix: Vec<usize>,
    /// Length of the continuous input vector `u`.
    pub cont: usize,
    /// `[a, g, c, φ, w…, v…, ω…]` for each row.
    pub coef: Vec<f64>,
    /// How far each row's `a` may be from the value that satisfies the
    /// assumptions it was moved for (empty: exact).
    pub err: Vec<f64>,
}

impl Table {
    /// Coefficients per row.
    pub fn row_len(&self) -> usize {
        4 + 3 * self.cont
    }

    /// `z = 2a + w·u + g (v·u)² + c sin(ω·u + φ)` for one row.
    pub fn z(&self, row: usize, u: &[Dual]) -> Dual {
        let c = &self.coef[row * self.row_len()..(row + 1) * self.row_len()];
        let base = match self.err.get(row) {
            Some(&e) if e > 0.0 => Dual::with_error(2.0 * c[0], 2.0 * e),
            _ => Dual::constant(2.0 * c[0]),
        };
        if self.cont == 0 {
            return base;
        }
        let (w, rest) = c[4..].split_at(self.cont);
        let (v, omega) = rest.split_at(self.cont);
        if base.e == 0.0 && u.iter().all(|x| x.e == 0.0 && x.de == 0.0) {
            return exact_inputs(c, w, v, omega, u);
        }
        let mut lin = base;
        let mut quad = Dual::constant(0.0);
        let mut phase = Dual::constant(c[3]);
        for (j, &x) in u.iter().enumerate() {
            lin = lin + x.scale(w[j]);
            quad = quad + x.scale(v[j]);
            phase = phase + x.scale(omega[j]);
        }
        lin + (quad * quad).scale(c[1]) + phase.sin().scale(c[2])
    }
}

/// `z` of one row at exact inputs, in plain floating point with one error
/// bound for the whole row (the hot loop of the numeric engine: every
/// evaluation of a function is one; the general path carries a bound
/// through each operation and costs several times as much).
fn exact_inputs(c: &[f64], w: &[f64], v: &[f64], omega: &[f64], u: &[Dual]) -> Dual {
    use super::dual::UNIT;
    let (a2, g, amp, phi) = (2.0 * c[0], c[1], c[2], c[3]);
    let (mut lin, mut lin_abs, mut dlin, mut dlin_abs) = (a2, a2.abs(), 0.0, 0.0);
    let (mut quad, mut quad_abs, mut dquad, mut dquad_abs) = (0.0, 0.0, 0.0, 0.0);
    let (mut phase, mut phase_abs, mut dphase, mut dphase_abs) = (phi, phi.abs(), 0.0, 0.0);
    for (j, x) in u.iter().enumerate() {
        let (a, b, o) = (w[j] * x.v, v[j] * x.v, omega[j] * x.v);
        lin += a;
        quad += b;
        phase += o;
        lin_abs += a.abs();
        quad_abs += b.abs();
        phase_abs += o.abs();
        if x.d != 0.0 {
            let (a, b, o) = (w[j] * x.d, v[j] * x.d, omega[j] * x.d);
            dlin += a;
            dquad += b;
            dphase += o;
            dlin_abs += a.abs();
            dquad_abs += b.abs();
            dphase_abs += o.abs();
        }
    }
    let (sin, cos) = phase.sin_cos();
    let z = lin + g * quad * quad + amp * sin;
    let d = dlin + 2.0 * g * quad * dquad + amp * cos * dphase;
    // Each sum of n + 1 terms rounds by at most (n + 1) units of its
    // absolute sum; products and the sine add a few more.
    let k = (u.len() + 2) as f64 * UNIT;
    let (e_quad, e_dquad, e_phase) = (k * quad_abs, k * dquad_abs, k * phase_abs);
    let (q, dq) = (quad.abs(), dquad.abs());
    let e = k * lin_abs
        + g.abs() * (2.0 * q * e_quad + e_quad * e_quad + 3.0 * UNIT * q * q)
        + amp.abs() * (e_phase.min(2.0) + 4.0 * UNIT)
        + 3.0 * UNIT * z.abs();
    let de = k * dlin_abs
        + 2.0 * g.abs() * (q * e_dquad + dq * e_quad + e_quad * e_dquad + 3.0 * UNIT * q * dq)
        + amp.abs()
            * (dphase.abs() * e_phase.min(2.0) + k * dphase_abs + 4.0 * UNIT * dphase.abs())
        + 3.0 * UNIT * d.abs();
    Dual { v: z, d, e, de }
}

/// One random instance of every declared object.
#[derive(Clone, Debug)]
pub struct Instance {
    /// The family it was drawn from.
    pub family: Family,
    /// Dimension of every parameter vector.
    pub dim: usize,
    /// Size of each set (trajectory sets included).
    pub set_sizes: Vec<usize>,
    /// Value of each constant.
    pub consts: Vec<f64>,
    /// How far each constant may be from the value that satisfies the
    /// assumptions it was moved for (empty: exact).
    pub const_err: Vec<f64>,
    /// Value of each parameter.
    pub params: Vec<Vec<f64>>,
    /// Table of each function.
    pub tables: Vec<Table>,
    /// Values of the free variables (by variable id; bound ones empty).
    pub free: Vec<Slot>,
}

fn uniform(rng: &mut Xoshiro256PlusPlus, lo: f64, hi: f64) -> f64 {
    lo + (hi - lo) * rng.random::<f64>()
}

fn sign(rng: &mut Xoshiro256PlusPlus) -> f64 {
    if rng.random::<bool>() {
        1.0
    } else {
        -1.0
    }
}

/// `10^x` for x uniform in [lo, hi]: every order of magnitude alike.
fn magnitude(rng: &mut Xoshiro256PlusPlus, lo: f64, hi: f64) -> f64 {
    10f64.powf(uniform(rng, lo, hi))
}

fn one_of<T: Copy>(rng: &mut Xoshiro256PlusPlus, xs: &[T]) -> T {
    xs[rng.random_range(0..xs.len())]
}

const SPECIAL_REAL: [f64; 15] = [
    0.0, 1.0, -1.0, 2.0, -2.0, 0.5, -0.5, 3.0, -3.0, 10.0, -10.0, 100.0, -100.0, 0.0, 1.0,
];
const SPECIAL_POSITIVE: [f64; 9] = [1.0, 2.0, 0.5, 3.0, 10.0, 100.0, 0.1, 1e-3, 1.0];

/// A real number of the family.
fn real(rng: &mut Xoshiro256PlusPlus, family: Family) -> f64 {
    match family.pick(rng) {
        Family::Moderate | Family::Large | Family::Sized => uniform(rng, -2.0, 2.0),
        Family::Wide => sign(rng) * magnitude(rng, -3.0, 3.0),
        Family::Extreme => {
            if rng.random::<bool>() {
                sign(rng) * magnitude(rng, 3.0, 12.0)
            } else {
                sign(rng) * magnitude(rng, -12.0, -3.0)
            }
        }
        Family::Special | Family::Mixed => one_of(rng, &SPECIAL_REAL),
        Family::Plus => magnitude(rng, 3.0, 12.0),
        Family::Minus => -magnitude(rng, 3.0, 12.0),
        Family::Zero => 0.0,
    }
}

/// A positive number of the family.
fn positive(rng: &mut Xoshiro256PlusPlus, family: Family) -> f64 {
    match family.pick(rng) {
        Family::Moderate | Family::Large | Family::Sized => uniform(rng, 0.2, 2.5),
        Family::Wide => magnitude(rng, -3.0, 3.0),
        Family::Extreme => {
            if rng.random::<bool>() {
                magnitude(rng, 3.0, 12.0)
            } else {
                magnitude(rng, -12.0, -3.0)
            }
        }
        Family::Special | Family::Mixed => one_of(rng, &SPECIAL_POSITIVE),
        Family::Plus | Family::Minus => magnitude(rng, 3.0, 12.0),
        Family::Zero => 1.0,
    }
}

/// A size (of a set, or a count) of the family, at most `cap`.
fn size(rng: &mut Xoshiro256PlusPlus, family: Family, cap: usize) -> usize {
    let cap = cap.max(1);
    let n = match family.pick(rng) {
        Family::Moderate | Family::Large | Family::Zero => one_of(rng, &[1, 2, 2, 3, 3, 4, 4, 3]),
        Family::Sized => {
            let lo = 5.min(cap) as f64;
            magnitude(rng, lo.log10(), (cap as f64).log10()).round() as usize
        }
        Family::Wide | Family::Plus | Family::Minus => rng.random_range(1..=16),
        Family::Special => rng.random_range(1..=8),
        Family::Extreme | Family::Mixed => {
            let top = (cap.min(EXTREME_SIZE) as f64).log10();
            magnitude(rng, 0.0, top).round() as usize
        }
    };
    n.clamp(1, cap)
}

/// A free integer of the family.
fn integer(rng: &mut Xoshiro256PlusPlus, family: Family) -> f64 {
    match family.pick(rng) {
        Family::Moderate | Family::Large | Family::Sized => rng.random_range(0..=4) as f64,
        Family::Wide | Family::Special | Family::Mixed => rng.random_range(-10..=10) as f64,
        Family::Zero => 0.0,
        Family::Plus => magnitude(rng, 1.0, 6.0).round(),
        Family::Minus => -magnitude(rng, 1.0, 6.0).round(),
        Family::Extreme => sign(rng) * magnitude(rng, 1.0, 6.0).round(),
    }
}

/// One value of a free variable.
fn free_value(
    rng: &mut Xoshiro256PlusPlus,
    family: Family,
    domain: VarDomain,
    set_sizes: &[usize],
    consts: &[f64],
) -> Slot {
    match domain {
        VarDomain::Set(s) => Slot::Elem(rng.random_range(0..set_sizes[s].max(1))),
        VarDomain::Real => Slot::Num(Dual::constant(real(rng, family))),
        VarDomain::Time(h) => Slot::Num(Dual::constant(
            rng.random_range(0..(consts[h] as usize).max(1)) as f64,
        )),
        VarDomain::Int => Slot::Num(Dual::constant(integer(rng, family))),
    }
}

/// The coefficients of one row of a table: the function's values reach
/// the family's magnitudes (for a real function), its logarithm spreads
/// (positive), or its logits spread (a distribution).
fn row(
    rng: &mut Xoshiro256PlusPlus,
    family: Family,
    kind: crate::resolve::FunKind,
    cont: usize,
    out: &mut Vec<f64>,
) {
    use crate::resolve::FunKind;
    let family = family.pick(rng);
    let scale = match (kind, family) {
        (FunKind::Real, Family::Wide) => magnitude(rng, -1.0, 3.0),
        (FunKind::Real, Family::Extreme) => {
            if rng.random::<bool>() {
                magnitude(rng, 3.0, 12.0)
            } else {
                magnitude(rng, -9.0, -3.0)
            }
        }
        (FunKind::Positive, Family::Wide) | (FunKind::Dist(_), Family::Wide) => 3.0,
        (FunKind::Positive, Family::Extreme) | (FunKind::Dist(_), Family::Extreme) => 8.0,
        _ => 1.0,
    };
    if family == Family::Zero {
        // z = 0 everywhere: a real function 0, a positive one 1, a
        // distribution uniform.
        out.extend(std::iter::repeat_n(0.0, 4 + 3 * cont));
        return;
    }
    let special = family == Family::Special;
    let a = if let (FunKind::Real, Family::Plus | Family::Minus) = (kind, family) {
        // Every value of the table large, of the family's sign.
        let v = magnitude(rng, 3.0, 12.0) / 2.0;
        if family == Family::Plus {
            v
        } else {
            -v
        }
    } else if let (FunKind::Positive, Family::Plus | Family::Minus) = (kind, family) {
        magnitude(rng, 3.0, 12.0).ln() / 2.0
    } else if special {
        // The value itself is special: z = 2a.
        match kind {
            FunKind::Real | FunKind::Vector => one_of(rng, &SPECIAL_REAL) / 2.0,
            FunKind::Positive => one_of(rng, &SPECIAL_POSITIVE).ln() / 2.0,
            FunKind::Dist(_) => one_of(rng, &[0.0, 0.0, 0.5, -0.5, 1.0]),
        }
    } else {
        scale * uniform(rng, -1.0, 1.0)
    };
    out.push(a);
    let signed = matches!(family, Family::Plus | Family::Minus);
    let scale = if signed { 1.0 } else { scale };
    out.push(scale * uniform(rng, -0.5, 0.5));
    out.push(if cont == 0 || special {
        0.0
    } else {
        scale * uniform(rng, -1.0, 1.0)
    });
    out.push(uniform(rng, 0.0, std::f64::consts::TAU));
    for _ in 0..2 * cont {
        out.push(scale * uniform(rng, -1.0, 1.0));
    }
    for _ in 0..cont {
        out.push(sign(rng) * uniform(rng, 0.5, 3.0));
    }
}

impl Instance {
    /// Draw an instance of the family. Fails (with the reason) when even
    /// the smallest sizes exceed a bound.
    pub fn draw(
        prog: &Program,
        rng: &mut Xoshiro256PlusPlus,
        limits: &Limits,
        spec: Spec,
    ) -> Result<Instance, crate::verdict::Reason> {
        let family = spec.family;
        let cap = spec.cap.clamp(1, limits.max_range.max(1) as usize);
        let is_horizon = |k: usize| {
            prog.sets
                .iter()
                .any(|s| matches!(s.kind, SetKind::Traj { horizon, .. } if horizon == k))
        };
        let is_mdp_set = |k: usize| {
            prog.sets.iter().any(|s| {
                matches!(s.kind, SetKind::Traj { states, actions, .. } if states == k || actions == k)
            })
        };
        // Sizes: counts, then plain sets; with the `Large` family one of
        // them (not an MDP's) is near the cap.
        let sized: Vec<(bool, usize)> = (0..prog.consts.len())
            .filter(|&k| prog.consts[k].kind == ConstKind::Count && !is_horizon(k))
            .map(|k| (true, k))
            .chain(
                (0..prog.sets.len())
                    .filter(|&k| prog.sets[k].kind == SetKind::Plain && !is_mdp_set(k))
                    .map(|k| (false, k)),
            )
            .collect();
        let large = (family == Family::Large && !sized.is_empty())
            .then(|| sized[rng.random_range(0..sized.len())]);
        let draw_size = |rng: &mut Xoshiro256PlusPlus, which: (bool, usize)| {
            if large == Some(which) {
                rng.random_range(cap.div_ceil(2)..=cap)
            } else {
                size(rng, family, cap)
            }
        };
        let mut consts = vec![0.0; prog.consts.len()];
        let mut set_sizes = vec![0usize; prog.sets.len()];
        for (k, c) in prog.consts.iter().enumerate() {
            consts[k] = match c.kind {
                ConstKind::Count if is_horizon(k) => f64::from(match family.pick(rng) {
                    Family::Moderate | Family::Large | Family::Sized | Family::Zero => {
                        rng.random_range(1..=3u32)
                    }
                    Family::Wide | Family::Special | Family::Plus | Family::Minus => {
                        rng.random_range(1..=6u32)
                    }
                    Family::Extreme | Family::Mixed => rng.random_range(1..=12u32),
                }),
                ConstKind::Count => draw_size(rng, (true, k)) as f64,
                ConstKind::Positive => positive(rng, family),
                ConstKind::Real => real(rng, family),
            };
        }
        if let Some(k) = prog.pi {
            // The number π of the normal density, not a random constant.
            consts[k] = std::f64::consts::PI;
        }
        for (k, s) in prog.sets.iter().enumerate() {
            if s.kind == SetKind::Plain {
                set_sizes[k] = if is_mdp_set(k) {
                    match family.pick(rng) {
                        Family::Moderate | Family::Large | Family::Sized => rng.random_range(1..=3),
                        _ => rng.random_range(1..=4),
                    }
                } else {
                    draw_size(rng, (false, k))
                };
            }
        }
        // Trajectories: shrink the state and action sets (then the
        // horizon) until every trajectory set is within the bound and the
        // cap.
        let bound = (limits.max_range.max(1) as u64).min(cap.max(16) as u64);
        for s in &prog.sets {
            if let SetKind::Traj {
                states,
                actions,
                horizon,
            } = s.kind
            {
                loop {
                    let per_step = (set_sizes[states] * set_sizes[actions]) as u64;
                    let h = consts[horizon] as u32;
                    if per_step.checked_pow(h).is_some_and(|n| n <= bound) {
                        break;
                    }
                    if set_sizes[states] > 1 && set_sizes[states] >= set_sizes[actions] {
                        set_sizes[states] -= 1;
                    } else if set_sizes[actions] > 1 {
                        set_sizes[actions] -= 1;
                    } else {
                        consts[horizon] -= 1.0;
                    }
                }
            }
        }
        for (k, s) in prog.sets.iter().enumerate() {
            if let SetKind::Traj {
                states,
                actions,
                horizon,
            } = s.kind
            {
                let per_step = set_sizes[states] * set_sizes[actions];
                set_sizes[k] = per_step.pow(consts[horizon] as u32);
            }
        }
        // Tables past their bound: halve the largest plain set a table
        // takes until every table fits.
        loop {
            let over = prog.funs.iter().find(|f| {
                let rows = f.inputs.iter().try_fold(1usize, |acc, i| match i {
                    Input::Set(s) => acc.checked_mul(set_sizes[*s]),
                    _ => Some(acc),
                });
                rows.is_none_or(|n| n > limits.max_table)
            });
            let Some(f) = over else { break };
            let widest = f
                .inputs
                .iter()
                .filter_map(|i| match i {
                    Input::Set(s) if prog.sets[*s].kind == SetKind::Plain => Some(*s),
                    _ => None,
                })
                .max_by_key(|s| set_sizes[*s])
                .filter(|s| set_sizes[*s] > 1);
            match widest {
                Some(s) => set_sizes[s] = set_sizes[s].div_ceil(2),
                None => {
                    return Err(crate::verdict::Reason::Budget(format!(
                        "the table of `{}` would exceed the bound of {} entries",
                        f.name, limits.max_table
                    )))
                }
            }
        }
        let dim = if prog.scalar_params {
            1
        } else {
            match family {
                Family::Moderate | Family::Large | Family::Sized => rng.random_range(1..=3),
                _ => rng.random_range(1..=4),
            }
        };
        let params: Vec<Vec<f64>> = prog
            .params
            .iter()
            .map(|_| {
                (0..dim)
                    .map(|_| {
                        if prog.scalar_params {
                            // A parameter used as a number is drawn as one.
                            return real(rng, family);
                        }
                        match family.pick(rng) {
                            Family::Moderate | Family::Large | Family::Sized => {
                                uniform(rng, -1.5, 1.5)
                            }
                            Family::Wide => uniform(rng, -5.0, 5.0),
                            Family::Extreme => uniform(rng, -30.0, 30.0),
                            Family::Special | Family::Mixed => {
                                one_of(rng, &[0.0, 1.0, -1.0, 2.0, -2.0, 0.5])
                            }
                            Family::Plus | Family::Minus => uniform(rng, -3.0, 3.0),
                            Family::Zero => 0.0,
                        }
                    })
                    .collect()
            })
            .collect();
        let mut tables = Vec::with_capacity(prog.funs.len());
        for f in &prog.funs {
            let mut radix = Vec::new();
            let mut cont = 0;
            // A density over ℝ: its own variable is no input of the
            // table, whose rows hold the logits, means and spreads of its
            // normal components (see `eval::quadrature`).
            let density = match f.kind {
                crate::resolve::FunKind::Dist(k) => f.inputs[k] == Input::Real,
                _ => false,
            };
            for (j, input) in f.inputs.iter().enumerate() {
                match input {
                    Input::Set(s) => radix.push(set_sizes[*s]),
                    Input::Param(_) => cont += dim,
                    Input::Real if density && f.kind == crate::resolve::FunKind::Dist(j) => {}
                    Input::Real => cont += 1,
                }
            }
            if f.kind == FunKind::Vector {
                // One row a component: the component is a last set input.
                radix.push(dim);
            }
            if density {
                radix.push(3 * super::eval::COMPONENTS);
            }
            let rows: usize = radix.iter().product();
            let mut coef = Vec::with_capacity(rows * (4 + 3 * cont));
            for _ in 0..rows {
                row(rng, family, f.kind, cont, &mut coef);
            }
            tables.push(Table {
                radix,
                cont,
                coef,
                err: Vec::new(),
            });
        }
        let free = prog
            .vars
            .iter()
            .map(|v| {
                if v.bound {
                    Slot::Empty
                } else {
                    free_value(rng, family, v.domain, &set_sizes, &consts)
                }
            })
            .collect();
        Ok(Instance {
            family,
            dim,
            set_sizes,
            consts,
            const_err: Vec::new(),
            params,
            tables,
            free,
        })
    }

    /// The largest set (trajectory sets included) or count of the
    /// instance: what the cap bounds.
    pub fn largest_size(&self, prog: &Program) -> usize {
        let counts = prog
            .consts
            .iter()
            .zip(&self.consts)
            .filter(|(c, _)| c.kind == ConstKind::Count)
            .map(|(_, v)| *v as usize);
        counts
            .chain(self.set_sizes.iter().copied())
            .max()
            .unwrap_or(1)
    }

    /// Redraw the free variables of `which` (the objects stay), from the
    /// instance's family.
    pub fn redraw_free(
        &mut self,
        prog: &Program,
        rng: &mut Xoshiro256PlusPlus,
        which: impl Fn(usize) -> bool,
    ) {
        for (k, v) in prog.vars.iter().enumerate() {
            if v.bound || !which(k) {
                continue;
            }
            self.free[k] = free_value(rng, self.family, v.domain, &self.set_sizes, &self.consts);
        }
    }

    /// The readable name of element `x` of set `s`: `T2`, or a trajectory
    /// `(S1, A2, S2, A1)`.
    pub fn label(&self, prog: &Program, s: usize, x: usize) -> String {
        match prog.sets[s].kind {
            SetKind::Plain => format!("{}{}", prog.sets[s].name, x + 1),
            SetKind::Traj {
                states,
                actions,
                horizon,
            } => {
                let na = self.set_sizes[actions];
                let per = self.set_sizes[states] * na;
                let h = self.consts[horizon] as usize;
                let mut parts = Vec::new();
                let mut rest = x;
                for _ in 0..h {
                    let q = rest % per.max(1);
                    rest /= per.max(1);
                    parts.push(format!("{}{}", prog.sets[states].name, q / na.max(1) + 1));
                    parts.push(format!("{}{}", prog.sets[actions].name, q % na.max(1) + 1));
                }
                format!("({})", parts.join(", "))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    use crate::verdict::resolved as program;

    /// Over the schedule, a count takes values past 4 and near the cap, a
    /// real constant large values of both signs, and special values.
    #[test]
    fn the_schedule_reaches_large_sizes_and_values() {
        let prog = program("const N : count\nconst b\nset T\n");
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(3);
        let limits = Limits::default();
        let (mut big_n, mut near_cap, mut big_b, mut small_b, mut zero_b) =
            (false, false, false, false, false);
        for k in 0..24 {
            let spec = Spec {
                family: Family::schedule(k),
                cap: 1000,
            };
            let inst = Instance::draw(&prog, &mut rng, &limits, spec).unwrap();
            big_n |= inst.consts[0] > 4.0 || inst.set_sizes[0] > 4;
            near_cap |= inst.largest_size(&prog) >= 500;
            big_b |= inst.consts[1] > 10.0;
            small_b |= inst.consts[1] < -10.0;
            zero_b |= inst.consts[1] == 0.0;
        }
        assert!(
            big_n && near_cap && big_b && small_b,
            "{big_n} {near_cap} {big_b} {small_b}"
        );
        let _ = zero_b;
    }

    #[test]
    fn trajectory_sets_stay_within_the_bound() {
        let prog = program("mdp states S actions A horizon H\n");
        let limits = Limits {
            max_range: 500,
            ..Limits::default()
        };
        for seed in 0..200 {
            let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
            let spec = Spec {
                family: Family::schedule(seed as usize),
                cap: 500,
            };
            let inst = Instance::draw(&prog, &mut rng, &limits, spec).unwrap();
            assert!(
                inst.set_sizes.iter().all(|&n| (1..=500).contains(&n)),
                "{:?}",
                inst.set_sizes
            );
        }
    }

    #[test]
    fn tables_are_shrunk_to_their_bound() {
        let prog = program("set T\nvar x in T\nvar y in T\nfun f(x, y)\n");
        let limits = Limits {
            max_table: 1000,
            ..Limits::default()
        };
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(1);
        let spec = Spec {
            family: Family::Large,
            cap: 100_000,
        };
        let inst = Instance::draw(&prog, &mut rng, &limits, spec).unwrap();
        assert!(
            inst.set_sizes[0] * inst.set_sizes[0] <= 1000,
            "{:?}",
            inst.set_sizes
        );
    }

    /// The plain path for exact inputs agrees with the general one, value,
    /// derivative and bounds.
    #[test]
    fn exact_inputs_agree_with_the_general_path() {
        let prog = program("param θ\nvar x\nfun f_θ(x)\n");
        for seed in 0..50 {
            let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
            let spec = Spec {
                family: Family::schedule(seed as usize % 24),
                cap: 16,
            };
            let mut inst = Instance::draw(&prog, &mut rng, &Limits::default(), spec).unwrap();
            let t = &mut inst.tables[0];
            let u: Vec<Dual> = (0..t.cont)
                .map(|j| Dual::exact(0.3 * j as f64 - 0.7, if j == 0 { 1.0 } else { 0.0 }))
                .collect();
            let fast = t.z(0, &u);
            // The general path: an input with a zero-width error forced.
            t.err = vec![f64::MIN_POSITIVE];
            let slow = t.z(0, &u);
            assert!(
                (fast.v - slow.v).abs() <= fast.e + slow.e,
                "{fast:?} {slow:?}"
            );
            assert!(
                (fast.d - slow.d).abs() <= fast.de + slow.de,
                "{fast:?} {slow:?}"
            );
            assert!(fast.e <= 16.0 * slow.e + 1e-300, "{fast:?} {slow:?}");
            assert!(fast.de <= 16.0 * slow.de + 1e-300, "{fast:?} {slow:?}");
        }
    }

    /// A real function of a real input is not a polynomial: its third
    /// differences do not vanish.
    #[test]
    fn functions_are_not_polynomials() {
        let prog = program("var x\nfun f(x)\n");
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(5);
        let inst = Instance::draw(&prog, &mut rng, &Limits::default(), Spec::moderate()).unwrap();
        let f = |x: f64| inst.tables[0].z(0, &[Dual::constant(x)]).v;
        let third = f(3.0) - 3.0 * f(2.0) + 3.0 * f(1.0) - f(0.0);
        assert!(third.abs() > 1e-6, "{third}");
    }
}
