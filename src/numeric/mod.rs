//! The numeric engine: exact evaluation on random instances.
//!
//! In: a step (two resolved terms and a relation). Out: `confirmed` with
//! the number of instances on which both sides agreed, `refuted` with the
//! first instance on which they did not, or undecided with the reason.
//! Every random choice follows from the step's seed.
//!
//! What it guarantees:
//! - Two sides that are closed rational terms (numbers, `+ − · /`, integer
//!   powers, definitions of such) are compared exactly ([`exact`]).
//! - Otherwise each side is evaluated in floating point with a running
//!   error bound ([`dual`]), and two values agree when they differ by no
//!   more than [`Tolerance::STEP`] times the sum of their bounds: the
//!   tolerance is on the difference relative to the sizes of the terms
//!   that cancel, so `x` and `x + 10⁻⁹` differ at `x = 1`, and there is no
//!   absolute "near zero".
//! - The trials are drawn from a schedule of instance families
//!   ([`instance::Family`]): small ones first, then wide, extreme and
//!   special values and sizes up to the enumeration bound.
//! - Domains never narrow: an instance where the earlier side has a value
//!   and the later side has none (the log of a negative number, a division
//!   by zero) is a counterexample. An instance where the earlier side has
//!   no value is outside the step's domain and is redrawn, as is one where
//!   a side overflows or is not known to any digit.
//! - Instances satisfy the program's assumptions ([`assume`]): a
//!   disagreement on one is a counterexample.
//! - A step that holds on every trial but involves a constant too small or
//!   too large for floating point to see (`x + 10^-20`) is not confirmed.

pub mod assume;
pub mod dual;
pub mod eval;
pub mod exact;
pub mod instance;
#[cfg(test)]
mod proptests;

use crate::resolve::{Program, Term, VarDomain, VarId};
use crate::syntax::ast::Relation;
use crate::verdict::{Counterexample, Decision, Engine, Problem, Reason, Verdict};
use assume::{Assumptions, Imposed};
use dual::Dual;
use eval::{EvalError, Evaluator, Val};
use exact::Exact;
use instance::{Family, Instance, Limits, Spec};
use num_rational::BigRational;
use num_traits::{Signed, Zero};
use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;
use std::collections::BTreeSet;

/// How far apart two computed values may be and still agree: `factor`
/// times the sum of their error bounds.
#[derive(Clone, Copy, Debug)]
pub struct Tolerance {
    /// The multiple of the error bounds.
    pub factor: f64,
}

impl Tolerance {
    /// For the two sides of a step, and an assumption: 8 times the bounds
    /// (the bounds are first-order; the factor covers what they leave out).
    pub const STEP: Tolerance = Tolerance { factor: 8.0 };

    fn near(self, a: Dual, b: Dual) -> bool {
        (a.v - b.v).abs() <= self.factor * (a.e + b.e)
    }

    fn zero(self, a: Dual) -> bool {
        a.v.abs() <= self.factor * a.e
    }
}

/// The numeric engine.
#[derive(Clone, Debug)]
pub struct NumericEngine {
    /// Random instances per step. Default: 24.
    pub trials: usize,
    /// Work bounds.
    pub limits: Limits,
}

impl Default for NumericEngine {
    fn default() -> Self {
        NumericEngine {
            trials: 24,
            limits: Limits::default(),
        }
    }
}

/// Whether `l relation r` holds on this instance within `tol`: `Some`
/// with the answer, `None` when the values are not known well enough to
/// tell (a side that may be 0 or a tiny number, for `∝`); `Err` when the
/// relation cannot be compared for these values.
pub(crate) fn holds(
    relation: Relation,
    l: &Val,
    r: &Val,
    tol: Tolerance,
) -> Result<Option<bool>, String> {
    if let (Val::V(x), Val::V(y)) = (l, r) {
        if x.len() != y.len() {
            return Err("the two sides are gradients of different sizes".into());
        }
    }
    let n = l.width().max(r.width());
    let (x, y) = (l.components(n), r.components(n));
    match relation {
        Relation::Eq => Ok(Some(x.iter().zip(&y).all(|(a, b)| tol.near(*a, *b)))),
        Relation::Le | Relation::Ge => {
            if n != 1 || matches!(l, Val::V(_)) || matches!(r, Val::V(_)) {
                return Err("`≤` and `≥` compare numbers, not gradient vectors".into());
            }
            let slack = tol.factor * (x[0].e + y[0].e);
            Ok(Some(if relation == Relation::Le {
                x[0].v <= y[0].v + slack
            } else {
                x[0].v + slack >= y[0].v
            }))
        }
        Relation::Propto => Ok(match proportional(&x, &y, tol) {
            Proportion::Yes(_) => Some(true),
            Proportion::No => Some(false),
            Proportion::Unclear => None,
        }),
        Relation::Approx => Err("a ≈ step is decided by the Monte Carlo engine".into()),
    }
}

/// Whether `x = c·y` for some `c > 0`.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Proportion {
    /// Yes, with this `c` (0 for two zeros).
    Yes(Dual),
    /// No.
    No,
    /// A side is zero to its precision but not known to be exactly zero
    /// (it may be a tiny number): the instance cannot tell.
    Unclear,
}

/// Whether `x` is proportional to `y` within the values' error bounds.
fn proportional(x: &[Dual], y: &[Dual], tol: Tolerance) -> Proportion {
    let zero_x = x.iter().all(|a| tol.zero(*a));
    let zero_y = y.iter().all(|a| tol.zero(*a));
    let exactly_zero = |v: &[Dual]| v.iter().all(|a| a.v == 0.0 && a.e == 0.0);
    match (zero_x, zero_y) {
        (true, true) => return Proportion::Yes(Dual::constant(0.0)),
        (true, false) if exactly_zero(x) => return Proportion::No,
        (false, true) if exactly_zero(y) => return Proportion::No,
        (true, false) | (false, true) => return Proportion::Unclear,
        (false, false) => {}
    }
    // Each side scaled by a power of two to the size of 1, so that the
    // products below neither underflow nor overflow (1e-240 ∝ 2e-240).
    let unit = |v: &[Dual]| {
        let top = v.iter().fold(0.0f64, |m, a| m.max(a.v.abs()));
        (-top.log2().floor()).exp2()
    };
    let (sx, sy) = (unit(x), unit(y));
    let x: Vec<Dual> = x.iter().map(|a| a.scale(sx)).collect();
    let y: Vec<Dual> = y.iter().map(|a| a.scale(sy)).collect();
    let mut dot = Dual::constant(0.0);
    let mut yy = Dual::constant(0.0);
    for (a, b) in x.iter().zip(&y) {
        dot = dot + *a * *b;
        yy = yy + *b * *b;
    }
    let c = dot / yy;
    if !c.is_bounded() {
        return Proportion::Unclear;
    }
    if c.v < -tol.factor * c.e {
        return Proportion::No;
    }
    if c.v <= tol.factor * c.e {
        return Proportion::Unclear;
    }
    if x.iter().zip(&y).all(|(a, b)| tol.zero(*a - c * *b)) {
        // The factor between the sides as given.
        Proportion::Yes(c.scale(sy / sx))
    } else {
        Proportion::No
    }
}

impl Engine for NumericEngine {
    fn name(&self) -> &'static str {
        "numeric"
    }

    fn decide(&self, problem: &Problem) -> Decision {
        if problem.relation == Relation::Approx {
            return Decision::Undecided(Reason::Unsupported(
                "a ≈ step is decided by the Monte Carlo engine".into(),
            ));
        }
        let prog = problem.program;
        let lhs = exact::folded(prog, problem.lhs);
        let rhs = exact::folded(prog, problem.rhs);
        if let (Some(a), Some(b)) = (exact::value(prog, &lhs), exact::value(prog, &rhs)) {
            return exact_decision(problem, &a, &b);
        }
        Trials::new(self, problem, &lhs, &rhs).run()
    }
}

/// An exact number as text, its digits cut in the middle past 40 of them.
fn exact_text(q: &BigRational) -> String {
    let cut = |n: &num_bigint::BigInt| {
        let s = n.to_string();
        let digits = s.trim_start_matches('-').len();
        if digits <= 40 {
            return s;
        }
        let sign = if s.starts_with('-') { "-" } else { "" };
        let d = s.trim_start_matches('-');
        format!("{sign}{}…{} ({digits} digits)", &d[..12], &d[digits - 6..])
    };
    if q.is_integer() {
        cut(q.numer())
    } else {
        format!("{}/{}", cut(q.numer()), cut(q.denom()))
    }
}

/// A step between two closed rational terms, decided exactly.
fn exact_decision(problem: &Problem, l: &Exact, r: &Exact) -> Decision {
    let (a, b) = match (l, r) {
        (Exact::Undefined(why), _) => {
            return Decision::Decided(Verdict::Unknown {
                reason: Reason::Domain(format!("numeric: the earlier side has no value ({why})")),
            })
        }
        (Exact::Value(a), Exact::Undefined(why)) => {
            let cx = Counterexample {
                left_exact: Some(exact_text(a)),
                undefined: Some(format!("the right side has no value: {why}")),
                ..Counterexample::default()
            };
            return Decision::Decided(Verdict::Refuted {
                counterexample: Box::new(cx),
                reason: "exact arithmetic: the left side has a value and the right side has none"
                    .into(),
                mistake: None,
            });
        }
        (Exact::Value(a), Exact::Value(b)) => (a, b),
    };
    let ok = match problem.relation {
        Relation::Eq => a == b,
        Relation::Le => a <= b,
        Relation::Ge => a >= b,
        Relation::Propto => (a.is_zero() && b.is_zero()) || (a * b).is_positive(),
        Relation::Approx => return Decision::NotApplicable,
    };
    if ok {
        return Decision::Decided(Verdict::Confirmed {
            instances: 1,
            precision: None,
        });
    }
    let f = |q: &BigRational| num_traits::ToPrimitive::to_f64(q).map(crate::verdict::Value::Scalar);
    let cx = Counterexample {
        left: f(a),
        right: f(b),
        left_exact: Some(exact_text(a)),
        right_exact: Some(exact_text(b)),
        ..Counterexample::default()
    };
    Decision::Decided(Verdict::Refuted {
        counterexample: Box::new(cx),
        reason: format!(
            "exact arithmetic: the relation `{}` fails",
            problem.relation.symbol(),
        ),
        mistake: None,
    })
}

/// Why instances were redrawn, for the reason of an `unknown` verdict.
#[derive(Default)]
struct Redrawn {
    earlier_undefined: usize,
    not_finite: usize,
    unassumed: usize,
    too_large: usize,
}

impl Redrawn {
    fn total(&self) -> usize {
        self.earlier_undefined + self.not_finite + self.unassumed + self.too_large
    }

    fn reason(&self, agreed: usize) -> Reason {
        let mut parts = Vec::new();
        if self.earlier_undefined > 0 {
            parts.push(format!(
                "the earlier side had no value on {}",
                self.earlier_undefined
            ));
        }
        if self.not_finite > 0 {
            parts.push(format!(
                "a side overflowed or could not be computed to any digit on {}",
                self.not_finite
            ));
        }
        if self.unassumed > 0 {
            parts.push(format!(
                "no instance could be made to satisfy the assumptions on {}",
                self.unassumed
            ));
        }
        if self.too_large > 0 {
            parts.push(format!("{} were past the work bound", self.too_large));
        }
        let text = format!(
            "numeric: only {agreed} usable random instances: {} (of {} drawn)",
            parts.join(", "),
            self.total() + agreed
        );
        // The kind is that of the most frequent cause (the first of equals).
        let domain = self.earlier_undefined + self.not_finite;
        let kind: fn(String) -> Reason = if self.too_large > domain.max(self.unassumed) {
            Reason::Budget
        } else if self.unassumed > domain {
            Reason::NoInstance
        } else {
            Reason::Domain
        };
        kind(text)
    }
}

/// How one side came out on an instance.
enum Side {
    /// A value.
    Value(Val),
    /// No value (outside its domain), why.
    Undefined(String),
    /// Overflowed, or not known to any digit.
    NotFinite,
}

impl Side {
    fn of(r: Result<Val, EvalError>) -> Result<Side, EvalError> {
        match r {
            Ok(v) if v.is_finite() => Ok(Side::Value(v)),
            Ok(_) => Ok(Side::NotFinite),
            Err(EvalError::Undefined(why)) => Ok(Side::Undefined(why)),
            Err(e) => Err(e),
        }
    }
}

/// Both sides of an instance, the sample draws, the operations taken, and
/// the largest estimated relative error of an integral (if any was
/// evaluated by quadrature).
type Evaluated = (Side, Side, Vec<(i64, Vec<usize>)>, u64, Option<f64>);

/// Both sides of a step on one instance, with the sample draws and the
/// operations both took.
fn evaluate(
    prog: &Program,
    inst: &Instance,
    limits: Limits,
    rng: &mut Xoshiro256PlusPlus,
    lhs: &Term,
    rhs: &Term,
) -> Result<Evaluated, EvalError> {
    let mut ev = Evaluator::new(prog, inst, limits);
    ev.draw_samples(rng)?;
    let l = Side::of(ev.eval(lhs))?;
    let ops = ev.ops();
    let quad = |ev: &Evaluator| ev.quadrature_used.then_some(ev.quadrature_error);
    if !matches!(l, Side::Value(_)) {
        return Ok((l, Side::NotFinite, ev.drawn().to_vec(), ops, quad(&ev)));
    }
    ev.reset_budget();
    let r = Side::of(ev.eval(rhs))?;
    Ok((l, r, ev.drawn().to_vec(), ops + ev.ops(), quad(&ev)))
}

/// The trials of one step.
struct Trials<'a> {
    engine: &'a NumericEngine,
    problem: &'a Problem<'a>,
    lhs: &'a Term,
    rhs: &'a Term,
    rng: Xoshiro256PlusPlus,
    assumptions: Assumptions<'a>,
    /// The largest size drawn by the families that reach for it; lowered
    /// when an instance is past the work bound.
    cap: usize,
    redrawn: Redrawn,
    /// The largest estimated relative error of an integral, when one was
    /// evaluated by quadrature.
    quadrature: Option<f64>,
}

/// The share of the work bound an instance of a family other than the
/// moderate one gets (one in this many). Default: 100.
const PROBE_SHARE: u64 = 100;

/// Failed draws of one trial before its family gives way to a milder one.
const ATTEMPTS_PER_FAMILY: usize = 3;

impl<'a> Trials<'a> {
    fn new(
        engine: &'a NumericEngine,
        problem: &'a Problem<'a>,
        lhs: &'a Term,
        rhs: &'a Term,
    ) -> Self {
        Trials {
            engine,
            problem,
            lhs,
            rhs,
            rng: Xoshiro256PlusPlus::seed_from_u64(problem.seed),
            assumptions: Assumptions::new(problem.program),
            cap: engine.limits.max_range.max(1) as usize,
            redrawn: Redrawn::default(),
            quadrature: None,
        }
    }

    fn refutation(
        &self,
        inst: &Instance,
        draws: &[(i64, Vec<usize>)],
        l: &Val,
        r: Result<&Val, &str>,
        reason: &str,
    ) -> Decision {
        let mut v = refutation(
            self.problem.program,
            inst,
            self.engine.limits,
            draws,
            self.problem,
            l,
            r.ok(),
            reason,
        );
        if let (Verdict::Refuted { counterexample, .. }, Err(why)) = (&mut v, r) {
            counterexample.undefined = Some(format!("the right side has no value: {why}"));
        }
        Decision::Decided(v)
    }

    fn run(mut self) -> Decision {
        let prog = self.problem.program;
        let relation = self.problem.relation;
        let trials = self.engine.trials;
        let limits = self.engine.limits;
        // For ∝, the factor between the sides may not change with the free
        // variables other than the conditioning ones.
        let cond = prog.conditioning(self.problem.lhs);
        let varying: Vec<VarId> = (0..prog.vars.len())
            .filter(|v| !prog.vars[*v].bound && !cond.contains(v))
            .collect();
        let mut agreed = 0;
        let mut attempts = 0;
        while agreed < trials {
            if self.redrawn.total() > 10 * trials + 20 {
                return Decision::Decided(Verdict::Unknown {
                    reason: self.redrawn.reason(agreed),
                });
            }
            let mut family = Family::schedule(agreed);
            for _ in 0..attempts / ATTEMPTS_PER_FAMILY {
                family = family.milder();
            }
            attempts += 1;
            // Only the moderate family is sure to be small: the others may
            // be past what the step can afford.
            let large = family != Family::Moderate;
            let spec = Spec {
                family,
                cap: self.cap,
            };
            let mut inst = match Instance::draw(prog, &mut self.rng, &limits, spec) {
                Ok(i) => i,
                Err(reason) => return Decision::Decided(Verdict::Unknown { reason }),
            };
            // Instances not sure to be small get a part of the work bound:
            // one past it lowers the cap, so the largest sizes drawn are
            // those the step can afford.
            let mut budget = limits;
            if large {
                budget.max_ops = (limits.max_ops / PROBE_SHARE).max(1);
            }
            let over = |this: &mut Self, inst: &Instance| {
                this.cap = (inst.largest_size(prog) / 8).max(4);
                this.redrawn.too_large += 1;
            };
            match self.assumptions.impose(&mut inst, budget, &mut self.rng) {
                Ok(Imposed::Holds) => {}
                Ok(Imposed::Fails) => {
                    self.redrawn.unassumed += 1;
                    continue;
                }
                Err(EvalError::Budget(_)) if large => {
                    over(&mut self, &inst);
                    continue;
                }
                Err(e) => {
                    return Decision::Undecided(Reason::Assumption(format!(
                        "an assumption: {}",
                        e.reason()
                    )))
                }
            }
            let (l, r, draws, ops, quad) =
                match evaluate(prog, &inst, budget, &mut self.rng, self.lhs, self.rhs) {
                    Ok(x) => x,
                    Err(EvalError::Budget(_)) if large => {
                        over(&mut self, &inst);
                        continue;
                    }
                    Err(e @ EvalError::Budget(_)) => {
                        return Decision::Decided(Verdict::Unknown { reason: e.into() })
                    }
                    Err(e) => return Decision::Undecided(e.into()),
                };
            if let Some(q) = quad {
                self.quadrature = Some(self.quadrature.map_or(q, |w: f64| w.max(q)));
            }
            let l = match l {
                Side::Value(v) => v,
                Side::Undefined(_) => {
                    self.redrawn.earlier_undefined += 1;
                    continue;
                }
                Side::NotFinite => {
                    self.redrawn.not_finite += 1;
                    continue;
                }
            };
            let r = match r {
                Side::Value(v) => v,
                Side::Undefined(why) => {
                    return self.refutation(
                        &inst,
                        &draws,
                        &l,
                        Err(&why),
                        &format!(
                            "numeric: the left side has a value on this random instance and the right side has none ({why}): the step narrows the domain"
                        ),
                    )
                }
                Side::NotFinite => {
                    self.redrawn.not_finite += 1;
                    continue;
                }
            };
            match holds(relation, &l, &r, Tolerance::STEP) {
                Err(reason) => return Decision::Undecided(Reason::Unsupported(reason)),
                Ok(None) => {
                    self.redrawn.not_finite += 1;
                    continue;
                }
                Ok(Some(false)) => {
                    return self.refutation(
                        &inst,
                        &draws,
                        &l,
                        Ok(&r),
                        &format!(
                            "numeric: the relation `{}` fails on a random instance",
                            relation.symbol()
                        ),
                    )
                }
                Ok(Some(true)) => {}
            }
            if relation == Relation::Propto && !varying.is_empty() {
                if let Some(d) = self.same_ratio(&mut inst, &varying, &l, &r) {
                    return d;
                }
            }
            if !large && agreed == 0 {
                // The first (moderate) instance's cost sets the cap: sizes
                // that, at the same cost an element, fit the work bound of
                // the larger families.
                let per_element = (ops / inst.largest_size(prog).max(1) as u64).max(1);
                let affordable = limits.max_ops / PROBE_SHARE / per_element;
                self.cap = self.cap.min(affordable.max(4) as usize);
            }
            agreed += 1;
            attempts = 0;
        }
        let extreme = exact::extreme_constant(prog, self.lhs)
            .or_else(|| exact::extreme_constant(prog, self.rhs));
        if let Some(c) = extreme {
            return Decision::Undecided(Reason::Precision(format!(
                "the sides agree on {trials} random instances, but the step involves the constant {c}, too small or too large for floating point to tell the sides apart"
            )));
        }
        let precision = self.quadrature.map(|worst| {
            format!(
                "integrals by Gauss–Hermite quadrature, {} and {} nodes a normal component; the larger rule's value kept, its error bound widened by {} times their difference (at most {worst:.1e} of the terms' magnitude)",
                eval::NODES,
                2 * eval::NODES,
                eval::quadrature::SAFETY,
            )
        });
        Decision::Decided(Verdict::Confirmed {
            instances: trials,
            precision,
        })
    }

    /// For `∝`: the factor between the sides at the free variables
    /// `varying` redrawn must be the factor found before. A refutation when
    /// it is not.
    fn same_ratio(
        &mut self,
        inst: &mut Instance,
        varying: &[VarId],
        l: &Val,
        r: &Val,
    ) -> Option<Decision> {
        let prog = self.problem.program;
        let n = l.width().max(r.width());
        let Proportion::Yes(before) =
            proportional(&l.components(n), &r.components(n), Tolerance::STEP)
        else {
            return None;
        };
        if before.v == 0.0 {
            // Two zeros say nothing of the factor.
            return None;
        }
        inst.redraw_free(prog, &mut self.rng, |v| varying.contains(&v));
        let (l2, r2, draws, _, _) = evaluate(
            prog,
            inst,
            self.engine.limits,
            &mut self.rng,
            self.lhs,
            self.rhs,
        )
        .ok()?;
        let (Side::Value(l2), Side::Value(r2)) = (l2, r2) else {
            return None;
        };
        let same = match proportional(&l2.components(n), &r2.components(n), Tolerance::STEP) {
            Proportion::Yes(c) => c.v == 0.0 || Tolerance::STEP.near(before, c),
            Proportion::Unclear => true,
            Proportion::No => false,
        };
        if same {
            return None;
        }
        let names: Vec<&str> = varying
            .iter()
            .map(|v| prog.vars[*v].name.as_str())
            .collect();
        Some(self.refutation(
            inst,
            &draws,
            &l2,
            Ok(&r2),
            &format!(
                "numeric: the ratio of the two sides changes with {} (for `∝` it may depend only on the variables after `|` on the left side)",
                names.join(", ")
            ),
        ))
    }
}

/// Objects a step mentions, directly or through definitions.
#[derive(Default)]
pub(crate) struct Mentioned {
    pub(crate) funs: BTreeSet<(usize, Vec<usize>)>,
    pub(crate) consts: BTreeSet<usize>,
    pub(crate) vars: BTreeSet<usize>,
    samples: BTreeSet<usize>,
    defs: BTreeSet<usize>,
}

pub(crate) fn mentioned(prog: &Program, t: &Term, m: &mut Mentioned) {
    t.walk(&mut |x| match x {
        Term::Call { fun, args } => {
            let params = args
                .iter()
                .filter_map(|a| match a {
                    Term::Param(p) => Some(*p),
                    _ => None,
                })
                .collect();
            m.funs.insert((*fun, params));
        }
        Term::Const(c) => {
            m.consts.insert(*c);
        }
        Term::Var(v) if !prog.vars[*v].bound => {
            m.vars.insert(*v);
        }
        Term::Component { traj, .. } if !prog.vars[*traj].bound => {
            m.vars.insert(*traj);
        }
        Term::Sample { family, .. } if m.samples.insert(*family) => {
            let w = prog.samples[*family].dist.weight.clone();
            mentioned(prog, &w, m);
        }
        Term::DefCall { def, .. } if m.defs.insert(*def) => {
            mentioned(prog, &prog.defs[*def].body, m);
        }
        _ => {}
    });
}

/// Most entries of one function table shown in a counterexample.
const MAX_TABLE_SHOWN: usize = 16;

/// A refutation with the instance's objects that the step mentions.
#[allow(clippy::too_many_arguments)]
pub(crate) fn refutation(
    prog: &Program,
    inst: &Instance,
    limits: Limits,
    draws: &[(i64, Vec<usize>)],
    problem: &Problem,
    l: &Val,
    r: Option<&Val>,
    reason: &str,
) -> Verdict {
    let mut m = Mentioned::default();
    mentioned(prog, problem.lhs, &mut m);
    mentioned(prog, problem.rhs, &mut m);
    let mut cx = Counterexample::default();
    for (k, s) in prog.sets.iter().enumerate() {
        cx.sizes.insert(s.name.clone(), inst.set_sizes[k]);
    }
    for (k, p) in prog.params.iter().enumerate() {
        cx.params.insert(p.name.clone(), round_all(&inst.params[k]));
    }
    for &c in &m.consts {
        cx.constants
            .insert(prog.consts[c].name.clone(), round(inst.consts[c]));
    }
    for &v in &m.vars {
        let text = match (prog.vars[v].domain, inst.free[v]) {
            (VarDomain::Set(s), instance::Slot::Elem(x)) => inst.label(prog, s, x),
            (_, instance::Slot::Num(d)) => format!("{}", round(d.v)),
            _ => continue,
        };
        cx.variables.insert(prog.vars[v].name.clone(), text);
    }
    for &f in &m.samples {
        let set = prog.samples[f].set;
        let labels = draws[f]
            .1
            .iter()
            .map(|&x| inst.label(prog, set, x))
            .collect();
        cx.samples.insert(prog.samples[f].name.clone(), labels);
    }
    let mut ev = Evaluator::new(prog, inst, limits);
    for (fun, params) in &m.funs {
        let info = &prog.funs[*fun];
        let table = &inst.tables[*fun];
        let has_real = info
            .inputs
            .iter()
            .any(|i| matches!(i, crate::resolve::Input::Real));
        let vector = info.kind == crate::resolve::FunKind::Vector;
        // A vector function's table has one row a component.
        let rows: usize = table.radix.iter().product::<usize>() / if vector { inst.dim } else { 1 };
        let sub = if params.is_empty() {
            String::new()
        } else {
            let names: Vec<&str> = params
                .iter()
                .map(|p| prog.params[*p].name.as_str())
                .collect();
            format!("_{}", names.join(","))
        };
        if has_real || rows > MAX_TABLE_SHOWN {
            cx.omitted.push(format!("{}{sub}", info.name));
            continue;
        }
        let mut u = Vec::new();
        for p in params {
            for k in 0..inst.dim {
                u.push(Dual::constant(inst.params[*p][k]));
            }
        }
        let set_inputs: Vec<usize> = info
            .inputs
            .iter()
            .filter_map(|i| match i {
                crate::resolve::Input::Set(s) => Some(*s),
                _ => None,
            })
            .collect();
        let n_args = set_inputs.len().saturating_sub(info.n_cond);
        for row in 0..rows {
            let mut elems = Vec::new();
            let mut rest = row;
            for &n in &table.radix[..set_inputs.len()] {
                elems.push(rest % n.max(1));
                rest /= n.max(1);
            }
            let labels: Vec<String> = elems
                .iter()
                .zip(&set_inputs)
                .map(|(&x, &s)| inst.label(prog, s, x))
                .collect();
            let text = if info.n_cond > 0 && labels.len() > n_args {
                format!(
                    "{}{sub}({} | {})",
                    info.name,
                    labels[..n_args].join(", "),
                    labels[n_args..].join(", ")
                )
            } else {
                format!("{}{sub}({})", info.name, labels.join(", "))
            };
            if vector {
                let v = (0..inst.dim)
                    .map(|k| round(ev.vector_component(*fun, &elems, &u, k).v))
                    .collect();
                cx.vector_functions.push((text, v));
            } else if let Ok(v) = ev.fun_value(*fun, &elems, &u) {
                cx.functions.push((text, round(v.v)));
            }
        }
    }
    cx.left = Some(round_value(l));
    cx.right = r.map(round_value);
    Verdict::Refuted {
        counterexample: Box::new(cx),
        reason: reason.to_string(),
        mistake: None,
    }
}

/// Round for display: 6 significant digits.
fn round(x: f64) -> f64 {
    if x == 0.0 || !x.is_finite() {
        return x;
    }
    let digits = 6 - x.abs().log10().ceil() as i32;
    let f = 10f64.powi(digits.clamp(-300, 300));
    (x * f).round() / f
}

fn round_all(v: &[f64]) -> Vec<f64> {
    v.iter().map(|&x| round(x)).collect()
}

fn round_value(v: &Val) -> crate::verdict::Value {
    match v {
        Val::S(d) => crate::verdict::Value::Scalar(round(d.v)),
        Val::V(x) => crate::verdict::Value::Vector(x.iter().map(|c| round(c.v)).collect()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verdict::with_first_step;

    /// Decide `lhs = rhs` (the last chain's first step) numerically.
    #[track_caller]
    fn decide(decls: &str, step: &str) -> Verdict {
        with_first_step(&format!("{decls}\n\n{step}\n"), 7, |p| {
            NumericEngine::default().decide(p).into_verdict()
        })
    }

    const PG: &str = "param θ\nset T\nvar τ in T\nfun R(τ)\nfun Pr_θ(τ) : dist τ\n\
                      def J(θ) = Σ_τ Pr_θ(τ) R(τ)";

    #[track_caller]
    fn confirmed(decls: &str, step: &str) {
        let v = decide(decls, step);
        assert!(matches!(v, Verdict::Confirmed { .. }), "{step}: {v:?}");
    }

    #[track_caller]
    fn refuted(decls: &str, step: &str) {
        let v = decide(decls, step);
        assert!(matches!(v, Verdict::Refuted { .. }), "{step}: {v:?}");
    }

    #[test]
    fn log_derivative_trick() {
        confirmed(
            PG,
            "Σ_τ ∇_θ Pr_θ(τ) R(τ) = Σ_τ Pr_θ(τ) ∇_θ log Pr_θ(τ) R(τ)",
        );
        confirmed(PG, "∇_θ J(θ) = E_{τ~Pr_θ}[∇_θ log Pr_θ(τ) R(τ)]");
    }

    #[test]
    fn classic_mistakes_are_refuted() {
        refuted(PG, "Σ_τ ∇_θ Pr_θ(τ) R(τ) = Σ_τ Pr_θ(τ) ∇_θ Pr_θ(τ) R(τ)");
        refuted(PG, "∇_θ J(θ) = Σ_τ ∇_θ log Pr_θ(τ) R(τ)");
        refuted(PG, "∇_θ J(θ) = -E_{τ~Pr_θ}[∇_θ log Pr_θ(τ) R(τ)]");
        refuted(
            "set T\nvar τ in T\nfun f(τ) : positive",
            "log Σ_τ f(τ) = Σ_τ log f(τ)",
        );
    }

    #[test]
    fn distributions_sum_to_one_and_scores_to_zero() {
        confirmed(PG, "Σ_τ Pr_θ(τ) = 1");
        confirmed(PG, "E_{τ~Pr_θ}[∇_θ log Pr_θ(τ)] = 0");
    }

    #[test]
    fn mdp_trajectory_log_probability() {
        confirmed(
            "mdp states S actions A horizon H",
            "∇_θ log Pr_θ(τ) = Σ_{t=0}^{H-1} ∇_θ log π_θ(a_t | s_t)",
        );
        refuted(
            "mdp states S actions A horizon H",
            "∇_θ log Pr_θ(τ) = Σ_{t=0}^{H-1} ∇_θ π_θ(a_t | s_t)",
        );
    }

    #[test]
    fn scalar_calculus() {
        confirmed("param x", "d/dx x^3 = 3 x^2");
        refuted("param x", "d/dx x^3 = 3 x");
        confirmed("param x", "∇ exp(2 x) = 2 exp(2 x)");
    }

    #[test]
    fn a_step_resting_on_an_assumption_is_confirmed() {
        let v = decide(
            "set T\nvar τ in T\nfun R(τ)\nfun q(τ) : dist τ\nassume Σ_τ q(τ) R(τ) = 0",
            "Σ_τ q(τ) R(τ) = 0",
        );
        assert!(matches!(v, Verdict::Confirmed { .. }), "{v:?}");
    }

    /// An assumption does not shield a wrong step: the instances satisfy
    /// it, and the step fails on them.
    #[test]
    fn a_wrong_step_beside_an_assumption_is_refuted() {
        let decls = "set T\nvar τ in T\nfun R(τ)\nfun q(τ) : dist τ\nconst b\n\
                     assume Σ_τ q(τ) R(τ) = b";
        refuted(decls, "Σ_τ q(τ) R(τ) = 2 b");
        refuted(decls, "Σ_τ q(τ) R(τ) = Σ_τ R(τ)");
        confirmed(decls, "2 Σ_τ q(τ) R(τ) = b + b");
        refuted("const b\nassume 0 = 0", "b = 1");
    }

    #[test]
    fn parameters_are_lexical() {
        let decls = "param θ\nparam θ′\nset T\nvar τ in T\nfun R(τ)\nfun Pr_θ(τ) : dist τ\n\
                     def J(θ) = Σ_τ Pr_θ(τ) R(τ)\ndef A(τ) = R(τ) - J(θ)\n\
                     def L(θ) = Σ_τ Pr_θ(τ) A(τ)";
        refuted(decls, "L(θ′) = 0");
        confirmed(decls, "L(θ′) = J(θ′) - J(θ)");
    }

    #[test]
    fn a_narrower_domain_is_a_counterexample() {
        for step in [
            "x = (sqrt(x))^2",
            "log(x^2) = 2 log x",
            "1 = x / x",
            "0 = log x - log x",
        ] {
            let v = decide("var x", step);
            let Verdict::Refuted { counterexample, .. } = &v else {
                panic!("{step}: {v:?}")
            };
            assert!(counterexample.undefined.is_some(), "{step}: {v:?}");
        }
        // A wider one is fine.
        confirmed("var x", "(sqrt(x))^2 = |x|");
        confirmed("var x", "log(x) - log(x) = 0");
    }

    #[test]
    fn proportionality_may_depend_on_the_conditioning_variables() {
        let decls =
            "set X\nset Y\nvar x in X\nvar y in Y\nfun p(y | x) : dist y\nfun f(x) : positive";
        confirmed(decls, "p(y | x) ∝ f(x) p(y | x)");
        refuted(decls, "p(y | x) ∝ p(y | x)^2");
        // Tiny values are compared at their own scale.
        confirmed("var x", "exp(-600 x^2 - 550) ∝ 3 exp(-600 x^2 - 550)");
        // Opposite vectors, however small, are not proportional.
        refuted(PG, "10^-9 ∇_θ J(θ) ∝ -10^-9 ∇_θ J(θ)");
        confirmed(PG, "10^-9 ∇_θ J(θ) ∝ 3 ∇_θ J(θ)");
    }

    #[test]
    fn exact_arithmetic() {
        confirmed("", "0.7 · 20 + 0.3 · (-10) = 11");
        refuted("", "0.7 · 20 + 0.3 · (-10) = 12");
    }

    #[test]
    fn inequalities() {
        confirmed("set T\nvar τ in T\nfun f(τ)", "Σ_τ f(τ)^2 ≥ 0");
        refuted("set T\nvar τ in T\nfun f(τ)", "Σ_τ f(τ) ≥ 0");
    }

    #[test]
    fn counterexample_names_the_objects() {
        let v = decide(PG, "Σ_τ Pr_θ(τ) R(τ) = Σ_τ R(τ)");
        let Verdict::Refuted { counterexample, .. } = v else {
            panic!("{v:?}")
        };
        assert!(counterexample.sizes.contains_key("T"));
        assert!(counterexample.params.contains_key("θ"));
        assert!(counterexample
            .functions
            .iter()
            .any(|(k, _)| k.starts_with("R(")));
        assert!(counterexample
            .functions
            .iter()
            .any(|(k, _)| k.starts_with("Pr_θ(")));
    }

    #[test]
    fn enumeration_bound_gives_unknown() {
        let decls = "set T\nvar x in T\nvar y in T\nvar z in T\nvar w in T\nfun f(x)";
        let mut engine = NumericEngine::default();
        engine.limits.max_ops = 1000;
        let d = with_first_step(
            &format!("{decls}\n\nΣ_x Σ_y Σ_z Σ_w f(x) f(y) f(z) f(w)\n= 1\n"),
            1,
            |p| engine.decide(p),
        );
        assert!(
            matches!(&d, Decision::Decided(Verdict::Unknown { reason: Reason::Budget(r) }) if r.contains("operations")),
            "{d:?}"
        );
    }
}
