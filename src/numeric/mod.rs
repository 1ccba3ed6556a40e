//! The numeric engine: exact evaluation on random instances.
//!
//! In: a step (two resolved terms and a relation). Out: `confirmed` with
//! the number of instances on which both sides agreed, `refuted` with the
//! first instance on which they did not, or undecided with the reason.
//! Instances on which a side is not finite are redrawn and not counted.
//! Every random choice follows from the step's seed.

pub mod dual;
pub mod eval;
pub mod instance;
#[cfg(test)]
mod proptests;

use crate::resolve::{Program, Term, VarDomain};
use crate::syntax::ast::Relation;
use crate::verdict::{Counterexample, Decision, Engine, Problem, Verdict};
use eval::{EvalError, Evaluator, Val};
use instance::{Instance, Limits};
use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;
use std::collections::BTreeSet;

/// Relative tolerance of comparisons: `|l - r| ≤ RTOL · max(1, |l|, |r|)`.
pub const RTOL: f64 = 1e-8;

/// Whether two numbers agree within [`RTOL`].
pub fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= RTOL * 1f64.max(a.abs()).max(b.abs())
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

/// The components of a value, a number broadcast to `n` components.
fn components(v: &Val, n: usize) -> Vec<f64> {
    match v {
        Val::S(d) => vec![d.v; n],
        Val::V(x) => x.clone(),
    }
}

fn width(a: &Val, b: &Val) -> usize {
    match (a, b) {
        (Val::V(x), _) | (_, Val::V(x)) => x.len(),
        _ => 1,
    }
}

/// Whether `l relation r` holds on this instance; `Err` when the relation
/// cannot be compared for these values.
fn holds(relation: Relation, l: &Val, r: &Val) -> Result<bool, String> {
    if let (Val::V(x), Val::V(y)) = (l, r) {
        if x.len() != y.len() {
            return Err("the two sides are gradients of different sizes".into());
        }
    }
    let n = width(l, r);
    let (x, y) = (components(l, n), components(r, n));
    match relation {
        Relation::Eq => Ok(x.iter().zip(&y).all(|(a, b)| close(*a, *b))),
        Relation::Le | Relation::Ge => {
            if n != 1 {
                return Err("`≤` and `≥` compare numbers, not gradient vectors".into());
            }
            let tol = RTOL * 1f64.max(x[0].abs()).max(y[0].abs());
            Ok(if relation == Relation::Le {
                x[0] <= y[0] + tol
            } else {
                x[0] + tol >= y[0]
            })
        }
        Relation::Propto => {
            let dot: f64 = x.iter().zip(&y).map(|(a, b)| a * b).sum();
            let nx: f64 = x.iter().map(|a| a * a).sum::<f64>().sqrt();
            let ny: f64 = y.iter().map(|a| a * a).sum::<f64>().sqrt();
            let tiny = |v: f64| v <= RTOL;
            if tiny(nx) || tiny(ny) {
                return Ok(tiny(nx) && tiny(ny));
            }
            Ok(dot > 0.0 && close(dot, nx * ny))
        }
        Relation::Approx => Err("a ≈ step is decided by the Monte Carlo engine".into()),
    }
}

impl Engine for NumericEngine {
    fn name(&self) -> &'static str {
        "numeric"
    }

    fn decide(&self, problem: &Problem) -> Decision {
        let d = self.decide_unassumed(problem);
        // Random instances cannot be made to satisfy an `assume`: a
        // disagreement may only say the assumption is not met.
        match d {
            Decision::Decided(Verdict::Refuted { .. }) if !problem.program.assumptions.is_empty() => {
                Decision::Undecided(
                    "the sides differ on a random instance, but the file assumes facts that random instances need not satisfy"
                        .into(),
                )
            }
            d => d,
        }
    }
}

impl NumericEngine {
    /// Decide without regard to `assume` facts.
    fn decide_unassumed(&self, problem: &Problem) -> Decision {
        if problem.relation == Relation::Approx {
            return Decision::Undecided("a ≈ step is decided by the Monte Carlo engine".into());
        }
        let prog = problem.program;
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(problem.seed);
        let mut agreed = 0;
        let mut redrawn = 0;
        // For ∝ between numbers: the ratio must not change with the free
        // variables, so each instance is also evaluated at a second draw.
        let scalar_ratio = problem.relation == Relation::Propto;
        while agreed < self.trials {
            if redrawn > 10 * self.trials + 20 {
                return Decision::Decided(Verdict::Unknown {
                    reason: format!(
                        "a side was not finite on {redrawn} random instances (only {agreed} usable)"
                    ),
                });
            }
            let mut inst = match Instance::draw(prog, &mut rng, &self.limits) {
                Ok(i) => i,
                Err(reason) => return Decision::Decided(Verdict::Unknown { reason }),
            };
            let outcome = evaluate_both(prog, &inst, self.limits, &mut rng, problem);
            let (l, r, draws) = match outcome {
                Ok(x) => x,
                Err(EvalError::Budget(n)) => {
                    return Decision::Decided(Verdict::Unknown {
                        reason: EvalError::Budget(n).reason(),
                    })
                }
                Err(e) => return Decision::Undecided(e.reason()),
            };
            if !l.is_finite() || !r.is_finite() {
                redrawn += 1;
                continue;
            }
            let ok = match holds(problem.relation, &l, &r) {
                Ok(ok) => ok,
                Err(reason) => return Decision::Undecided(reason),
            };
            let mut ok = ok;
            if ok && scalar_ratio && matches!((&l, &r), (Val::S(_), Val::S(_))) {
                let ratio = ratio_of(&l, &r);
                inst.redraw_free(prog, &mut rng);
                if let Ok((l2, r2, _)) = evaluate_both(prog, &inst, self.limits, &mut rng, problem)
                {
                    if l2.is_finite() && r2.is_finite() {
                        let ratio2 = ratio_of(&l2, &r2);
                        ok = matches!(holds(Relation::Propto, &l2, &r2), Ok(true))
                            && match (ratio, ratio2) {
                                (Some(a), Some(b)) => close(a, b),
                                (None, None) => true,
                                _ => false,
                            };
                        if !ok {
                            return Decision::Decided(refutation(
                                prog, &inst, self.limits, &draws, problem, &l2, &r2,
                                "numeric: the ratio of the two sides changes with the free variables",
                            ));
                        }
                    }
                }
            }
            if !ok {
                return Decision::Decided(refutation(
                    prog,
                    &inst,
                    self.limits,
                    &draws,
                    problem,
                    &l,
                    &r,
                    &format!(
                        "numeric: the relation `{}` fails on a random instance",
                        problem.relation.symbol()
                    ),
                ));
            }
            agreed += 1;
        }
        Decision::Decided(Verdict::Confirmed {
            instances: self.trials,
        })
    }
}

fn ratio_of(l: &Val, r: &Val) -> Option<f64> {
    match (l, r) {
        (Val::S(a), Val::S(b)) if b.v != 0.0 => Some(a.v / b.v),
        _ => None,
    }
}

pub(crate) type Both = (Val, Val, Vec<(i64, Vec<usize>)>);

fn evaluate_both(
    prog: &Program,
    inst: &Instance,
    limits: Limits,
    rng: &mut Xoshiro256PlusPlus,
    problem: &Problem,
) -> Result<Both, EvalError> {
    let mut ev = Evaluator::new(prog, inst, limits);
    ev.draw_samples(rng)?;
    let l = ev.eval(problem.lhs)?;
    ev.reset_budget();
    let r = ev.eval(problem.rhs)?;
    Ok((l, r, ev.drawn().to_vec()))
}

/// Objects a step mentions, directly or through definitions.
#[derive(Default)]
struct Mentioned {
    funs: BTreeSet<(usize, Vec<usize>)>,
    consts: BTreeSet<usize>,
    vars: BTreeSet<usize>,
    samples: BTreeSet<usize>,
    defs: BTreeSet<usize>,
}

fn mentioned(prog: &Program, t: &Term, m: &mut Mentioned) {
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
    r: &Val,
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
        let set = prog.samples[f].dist.set;
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
        let rows: usize = table.radix.iter().product();
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
                u.push(dual::Dual::constant(inst.params[*p][k]));
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
            for &n in &table.radix {
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
            if let Ok(v) = ev.fun_value(*fun, &elems, &u) {
                cx.functions.push((text, round(v.v)));
            }
        }
    }
    cx.left = Some(round_value(l));
    cx.right = Some(round_value(r));
    Verdict::Refuted {
        counterexample: Box::new(cx),
        reason: reason.to_string(),
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
        Val::V(x) => crate::verdict::Value::Vector(round_all(x)),
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
    fn a_step_resting_on_an_assumption_is_not_refuted() {
        let v = decide(
            "set T\nvar τ in T\nfun R(τ)\nfun q(τ) : dist τ\nassume Σ_τ q(τ) R(τ) = 0",
            "Σ_τ q(τ) R(τ) = 0",
        );
        assert!(matches!(v, Verdict::Unknown { .. }), "{v:?}");
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
            matches!(&d, Decision::Decided(Verdict::Unknown { reason }) if reason.contains("operations")),
            "{d:?}"
        );
    }
}
