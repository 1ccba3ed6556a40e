//! The Monte Carlo engine: `≈` steps, and the `derivcheck mc` checker.
//!
//! Place in the pipeline: a decide stage beside the numeric engine. In: a
//! step `exact ≈ estimator`, where the estimator uses declared sample
//! families. Out: `estimated` when, on each of a few random instances, the
//! mean of many independent replicates of the estimator (all draws redrawn
//! each time) is within the confidence bound of the exact value; `refuted`
//! when the bias is significant. The test is Hotelling's T² with the
//! replicates' own sample covariance (χ² with as many degrees of freedom as
//! the covariance has non-zero directions); directions in which the
//! estimator does not vary must match exactly.
//!
//! The stated false-alarm rate is split evenly over the instances, and it
//! is an upper bound: a rejection is only a refutation when a second,
//! independent and larger round of replicates rejects too. The χ²
//! approximation is liberal for skewed estimators (a score that is large on
//! a rare trajectory can triple the far tail at a few thousand replicates);
//! requiring two independent rejections keeps the rate under the bound
//! whatever the skew, at the cost of a second round only on steps that look
//! biased.
//!
//! The same machinery, at the scale of whole MDPs, is the `derivcheck mc`
//! checker of SPEC §6: [`mdp`] (random tabular MDPs, softmax policies, the
//! exact gradient by enumeration), [`estimators`] (the sampler and the
//! estimators) and [`checker`] (the pooled tests and the report); its plot
//! (the running estimate with its bands) is a report,
//! `crate::report::plot`. [`stats`] serves both.

pub mod checker;
pub mod estimators;
pub mod mdp;
pub mod stats;

use crate::numeric::eval::{EvalError, Evaluator, Val};
use crate::numeric::instance::{Family, Instance, Limits, Spec};
use crate::numeric::refutation;
use crate::resolve::Term;
use crate::syntax::ast::Relation;
use crate::verdict::{Decision, Engine, Problem, Reason, Verdict};
use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;

/// The Monte Carlo engine.
#[derive(Clone, Debug)]
pub struct MonteCarloEngine {
    /// Replicates of the estimator per instance (`--samples`). Default: 4000.
    pub replicates: usize,
    /// Random instances per step on which the estimator varies (instances
    /// where it does not are checked exactly and drawn in addition).
    /// Default: 3.
    pub instances: usize,
    /// Probability of refuting a true `≈` step. Default: 0.001.
    pub false_alarm: f64,
    /// Work bounds of one evaluation.
    pub limits: Limits,
    /// Most evaluation steps over all replicates of one instance.
    /// Default: 400,000,000.
    pub max_total_ops: u64,
}

impl Default for MonteCarloEngine {
    fn default() -> Self {
        MonteCarloEngine {
            replicates: 4000,
            instances: 3,
            false_alarm: 1e-3,
            limits: Limits::default(),
            max_total_ops: 400_000_000,
        }
    }
}

/// How many instances without variance the engine accepts per instance
/// asked for before it concludes that the estimator never varies (it is then
/// `estimated` on exact agreement alone).
const DETERMINISTIC_PER_INSTANCE: usize = 4;

/// How many times more replicates the confirming round draws than the
/// first (within [`MonteCarloEngine::max_total_ops`]).
const CONFIRM_FACTOR: usize = 4;

/// The outcome of the test on one instance.
#[derive(Clone, Debug, PartialEq)]
pub struct TestResult {
    /// Hotelling's T².
    pub statistic: f64,
    /// Degrees of freedom.
    pub df: usize,
    /// The rejection threshold.
    pub threshold: f64,
    /// Whether the mean differs significantly (or exactly, in a direction
    /// without variance).
    pub reject: bool,
    /// The replicates' mean.
    pub mean: Vec<f64>,
}

/// Test `E[x] = mu` from replicates `xs` (each of length `mu.len()`) at
/// false-alarm rate `alpha`: Hotelling's T² with the replicates' own
/// covariance, and exact agreement in the directions where they do not vary.
pub fn mean_test(xs: &[Vec<f64>], mu: &[f64], alpha: f64) -> TestResult {
    // Two passes: the moments centred at the replicates' own mean keep the
    // covariance exact even when the mean is far from `mu` (a biased
    // estimator).
    let m = xs.len().max(1) as f64;
    let mut centre = vec![0.0; mu.len()];
    for x in xs {
        for (c, v) in centre.iter_mut().zip(x) {
            *c += v / m;
        }
    }
    let mut moments = stats::Moments::new(&centre, true);
    for x in xs {
        moments.push(x);
    }
    let mean = moments.mean();
    let cov = moments.covariance().unwrap_or_default();
    let h = stats::hotelling(
        &mean,
        &cov,
        xs.len() as f64,
        mu,
        alpha,
        stats::Flat::MustMatch,
    );
    TestResult {
        statistic: h.statistic,
        df: h.df,
        threshold: h.threshold,
        reject: h.reject,
        mean,
    }
}

fn has_samples(t: &Term) -> bool {
    let mut found = false;
    t.walk(&mut |x| found |= matches!(x, Term::Sample { .. }));
    found
}

fn components(v: &Val, n: usize) -> Vec<f64> {
    v.components(n).iter().map(|d| d.v).collect()
}

/// Whether a mean over replicates that do not vary is the exact value, to
/// the digits the replicates were computed to.
fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(f64::MIN_POSITIVE)
}

/// The instance of a `≈` step after `k` informative ones: first small
/// sizes (where a bias such as 1/(N−1) for 1/N is large), then sizes from
/// 5 to 12, then from 5 to [`MC_CAP`], evenly over their orders of
/// magnitude (an estimator biased only for large N is refuted there);
/// always values of moderate size, so that distributions keep their spread
/// and a few thousand replicates see every likely trajectory.
/// `cap` lowers the largest size when replicates of larger instances are
/// past the work bound.
fn mc_spec(k: usize, cap: usize) -> Spec {
    match k {
        0 => Spec {
            family: Family::Moderate,
            cap: 4,
        },
        1 => Spec {
            family: Family::Sized,
            cap: cap.min(12),
        },
        _ => Spec {
            family: Family::Sized,
            cap,
        },
    }
}

/// The largest set or count of a `≈` step's instances. Default: 100.
const MC_CAP: usize = 100;

impl Engine for MonteCarloEngine {
    fn name(&self) -> &'static str {
        "Monte Carlo"
    }

    fn decide(&self, problem: &Problem) -> Decision {
        if problem.relation != Relation::Approx {
            return Decision::NotApplicable;
        }
        if has_samples(problem.lhs) {
            return Decision::Undecided(Reason::Unsupported(
                "the left side of ≈ must be an exact value, without sample draws".into(),
            ));
        }
        let prog = problem.program;
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(problem.seed);
        let instances = self.instances.max(1);
        let alpha = self.false_alarm / instances as f64;
        let replicates = self.replicates.max(2);
        let mut worst = 0.0f64;
        // Instances on which the estimator varies: only these can show a
        // bias, so the step needs `instances` of them. An instance on which
        // it does not vary (a one-element set, a zero gradient) is still a
        // check, an exact one, but it does not count towards them, so a run
        // of degenerate instances cannot hide a biased estimator.
        let mut informative = 0;
        let mut deterministic = 0;
        let mut not_finite = 0;
        let mut cap = MC_CAP;
        while informative < instances && deterministic < DETERMINISTIC_PER_INSTANCE * instances {
            if not_finite > 10 * instances + 10 {
                return Decision::Decided(Verdict::Unknown {
                    reason: Reason::Domain(format!(
                        "the estimator or the exact value was not finite on {not_finite} random instances"
                    )),
                });
            }
            let spec = mc_spec(informative, cap);
            let inst = match Instance::draw(prog, &mut rng, &self.limits, spec) {
                Ok(i) => i,
                Err(reason) => return Decision::Decided(Verdict::Unknown { reason }),
            };
            let mut ev = Evaluator::new(prog, &inst, self.limits);
            let tables = match ev.sample_tables() {
                Ok(t) => t,
                Err(e) => return Decision::Undecided(e.into()),
            };
            ev.resample(&tables, &mut rng);
            let exact = match ev.eval(problem.lhs) {
                Ok(v) => v,
                Err(EvalError::Undefined(_)) => {
                    not_finite += 1;
                    continue;
                }
                Err(e) => return Decision::Undecided(e.into()),
            };
            if !exact.is_finite() {
                not_finite += 1;
                continue;
            }
            let mut run = Replicates {
                engine: self,
                ev: &mut ev,
                tables: &tables,
                rhs: problem.rhs,
                exact: &exact,
            };
            let first = match run.draw(replicates, &mut rng) {
                Ok(Some(s)) => s,
                Ok(None) => {
                    not_finite += 1;
                    continue;
                }
                Err(Stop::Budget(_)) if spec.family != Family::Moderate && cap > 5 => {
                    // Past the work bound: smaller sizes, as the numeric
                    // engine does.
                    cap = (inst.largest_size(prog) / 2).max(5);
                    continue;
                }
                Err(stop) => return stop.decision(),
            };
            let mu = components(&exact, first.xs.first().map_or(1, Vec::len));
            if mu.len() != first.xs.first().map_or(1, Vec::len) {
                return Decision::Undecided(Reason::Unsupported(
                    "the two sides have different sizes".into(),
                ));
            }
            let t = mean_test(&first.xs, &mu, alpha);
            if !t.reject {
                if t.df == 0 && !t.mean.iter().zip(&mu).all(|(a, b)| close(*a, *b)) {
                    return Decision::Undecided(Reason::Inconclusive(
                        "the estimator's mean could not be compared".into(),
                    ));
                }
                worst = worst.max(t.statistic);
                if t.df == 0 {
                    deterministic += 1;
                } else {
                    informative += 1;
                }
                continue;
            }
            // The first test rejects: refute only if a fresh, independent
            // and larger set of replicates rejects too.
            let more = (self.max_total_ops / first.ops_per_replicate.max(1))
                .clamp(replicates as u64, (CONFIRM_FACTOR * replicates) as u64)
                as usize;
            let second = match run.draw(more, &mut rng) {
                Ok(Some(s)) => s,
                Ok(None) => {
                    not_finite += 1;
                    continue;
                }
                Err(stop) => return stop.decision(),
            };
            let u = mean_test(&second.xs, &mu, alpha);
            if !u.reject {
                worst = worst.max(u.statistic);
                if u.df == 0 {
                    deterministic += 1;
                } else {
                    informative += 1;
                }
                continue;
            }
            let mean = if mu.len() == 1 && matches!(second.last, Some(Val::S(_))) {
                Val::S(crate::numeric::dual::Dual::constant(u.mean[0]))
            } else {
                Val::V(
                    u.mean
                        .iter()
                        .map(|&x| crate::numeric::dual::Dual::constant(x))
                        .collect(),
                )
            };
            let draws = ev.drawn().to_vec();
            let reason = if u.df == 0 || u.statistic <= u.threshold {
                format!(
                    "Monte Carlo: the estimator does not vary but its value differs from the exact value ({replicates} replicates, then {more} fresh ones)"
                )
            } else {
                format!(
                    "Monte Carlo: the estimator is biased: T² = {:.1} > {:.1} on {replicates} replicates, and T² = {:.1} > {:.1} on {more} fresh ones ({} degrees of freedom, false-alarm rate at most {}); the right side shown is the fresh replicates' mean",
                    t.statistic, t.threshold, u.statistic, u.threshold, u.df, self.false_alarm
                )
            };
            return Decision::Decided(refutation(
                prog,
                &inst,
                self.limits,
                &draws,
                problem,
                &exact,
                Some(&mean),
                &reason,
            ));
        }
        Decision::Decided(Verdict::Estimated {
            statistic: (worst * 1000.0).round() / 1000.0,
            samples: replicates,
            false_alarm: self.false_alarm,
        })
    }
}

/// Replicates of an estimator on one instance.
struct Sampled {
    /// One row of components a replicate.
    xs: Vec<Vec<f64>>,
    /// The last replicate's value (its shape, for the report).
    last: Option<Val>,
    /// Evaluation steps per replicate, for sizing a second round.
    ops_per_replicate: u64,
}

/// What drawing replicates needs: the evaluator on one instance, the sample
/// tables, the estimator and the exact value (for the width of a scalar).
struct Replicates<'r, 'a> {
    engine: &'r MonteCarloEngine,
    ev: &'r mut Evaluator<'a>,
    tables: &'r [crate::numeric::eval::SampleTable],
    rhs: &'r Term,
    exact: &'r Val,
}

/// Why replicates stopped short.
enum Stop {
    /// The work bound was reached: the step is `unknown` (a later engine
    /// would redo the same work).
    Budget(Reason),
    /// Evaluation failed: the engine is undecided.
    Failed(Reason),
}

impl Stop {
    /// The decision a stop gives the step.
    fn decision(self) -> Decision {
        match self {
            Stop::Budget(reason) => Decision::Decided(Verdict::Unknown { reason }),
            Stop::Failed(reason) => Decision::Undecided(reason),
        }
    }
}

impl Replicates<'_, '_> {
    /// `count` replicates, each with all its draws redrawn. `Ok(None)` when
    /// one is not finite (the instance is redrawn); `Err` when evaluation
    /// fails or the work bound is reached.
    fn draw(
        &mut self,
        count: usize,
        rng: &mut Xoshiro256PlusPlus,
    ) -> Result<Option<Sampled>, Stop> {
        let mut xs: Vec<Vec<f64>> = Vec::with_capacity(count);
        let mut total_ops = 0u64;
        let mut last = None;
        for _ in 0..count {
            self.ev.resample(self.tables, rng);
            self.ev.reset_budget();
            let x = match self.ev.eval(self.rhs) {
                Ok(x) => x,
                // No value on this draw (1/(N−1) at N = 1): the instance is
                // redrawn, as for a value that is not finite.
                Err(EvalError::Undefined(_)) => return Ok(None),
                Err(e) => return Err(Stop::Failed(e.into())),
            };
            total_ops += self.ev.ops();
            if total_ops > self.engine.max_total_ops {
                return Err(Stop::Budget(Reason::Budget(format!(
                    "{count} replicates of the estimator need more than {} operations",
                    self.engine.max_total_ops
                ))));
            }
            if !x.is_finite() {
                return Ok(None);
            }
            let width = match (self.exact, &x) {
                (Val::V(v), _) | (_, Val::V(v)) => v.len(),
                _ => 1,
            };
            xs.push(components(&x, width));
            last = Some(x);
        }
        Ok(Some(Sampled {
            xs,
            last,
            ops_per_replicate: total_ops / count.max(1) as u64,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verdict::with_first_step;

    fn decide(text: &str) -> Verdict {
        with_first_step(text, 11, |p| {
            MonteCarloEngine::default().decide(p).into_verdict()
        })
    }

    const DECLS: &str = "param θ\nset T\nvar τ in T\nfun R(τ)\nfun Pr_θ(τ) : dist τ\n\
                         const N : count\nsample τ_i ~ Pr_θ for i = 1..N\n\n";

    #[test]
    fn reinforce_estimator_is_estimated() {
        let v = decide(&format!(
            "{DECLS}E_{{τ~Pr_θ}}[∇_θ log Pr_θ(τ) R(τ)]\n≈ (1/N) Σ_{{i=1}}^{{N}} ∇_θ log Pr_θ(τ_i) R(τ_i)\n"
        ));
        assert!(matches!(v, Verdict::Estimated { .. }), "{v:?}");
    }

    #[test]
    fn score_without_the_log_is_refuted() {
        let v = decide(&format!(
            "{DECLS}E_{{τ~Pr_θ}}[∇_θ log Pr_θ(τ) R(τ)]\n≈ (1/N) Σ_{{i=1}}^{{N}} ∇_θ Pr_θ(τ_i) R(τ_i)\n"
        ));
        assert!(matches!(v, Verdict::Refuted { .. }), "{v:?}");
    }

    #[test]
    fn wrong_normalisation_is_refuted() {
        let v = decide(&format!(
            "{DECLS}E_{{τ~Pr_θ}}[R(τ)]\n≈ (1/(N+1)) Σ_{{i=1}}^{{N}} R(τ_i)\n"
        ));
        assert!(matches!(v, Verdict::Refuted { .. }), "{v:?}");
    }

    #[test]
    fn n_minus_one_normalisation_is_refuted() {
        let v = decide(&format!(
            "{DECLS}E_{{τ~Pr_θ}}[∇_θ log Pr_θ(τ) R(τ)]\n≈ (1/(N - 1)) Σ_{{i=1}}^{{N}} ∇_θ log Pr_θ(τ_i) R(τ_i)\n"
        ));
        assert!(matches!(v, Verdict::Refuted { .. }), "{v:?}");
    }

    /// A bias that vanishes for N ≤ 4: instances draw larger N too.
    #[test]
    fn a_bias_only_for_more_than_four_samples_is_refuted() {
        for seed in 0..8 {
            let v = with_first_step(
                &format!(
                    "{DECLS}E_{{τ~Pr_θ}}[R(τ)]\n≈ (1/N) Σ_{{i=1}}^{{N}} R(τ_i) + (N - 1)(N - 2)(N - 3)(N - 4) / 100\n"
                ),
                seed,
                |p| MonteCarloEngine::default().decide(p).into_verdict(),
            );
            assert!(matches!(v, Verdict::Refuted { .. }), "seed {seed}: {v:?}");
        }
    }

    #[test]
    fn inverted_importance_weight_is_refuted() {
        let decls = "param θ\nset T\nvar τ in T\nfun R(τ)\nfun Pr_θ(τ) : dist τ\n\
                     fun q(τ) : dist τ\nconst N : count\nsample τ_i ~ q for i = 1..N\n\n";
        let right = decide(&format!(
            "{decls}E_{{τ~q}}[(Pr_θ(τ) / q(τ)) R(τ)]\n≈ (1/N) Σ_{{i=1}}^{{N}} (Pr_θ(τ_i) / q(τ_i)) R(τ_i)\n"
        ));
        assert!(matches!(right, Verdict::Estimated { .. }), "{right:?}");
        let inverted = decide(&format!(
            "{decls}E_{{τ~q}}[(Pr_θ(τ) / q(τ)) R(τ)]\n≈ (1/N) Σ_{{i=1}}^{{N}} (q(τ_i) / Pr_θ(τ_i)) R(τ_i)\n"
        ));
        assert!(matches!(inverted, Verdict::Refuted { .. }), "{inverted:?}");
    }

    #[test]
    fn an_estimator_that_never_varies_is_estimated_on_exact_agreement() {
        let v = decide(&format!(
            "{DECLS}E_{{τ~Pr_θ}}[1]\n≈ (1/N) Σ_{{i=1}}^{{N}} 1\n"
        ));
        assert!(
            matches!(v, Verdict::Estimated { statistic, .. } if statistic == 0.0),
            "{v:?}"
        );
        let v = decide(&format!(
            "{DECLS}E_{{τ~Pr_θ}}[1]\n≈ (1/N) Σ_{{i=1}}^{{N}} 2\n"
        ));
        assert!(matches!(v, Verdict::Refuted { .. }), "{v:?}");
    }

    #[test]
    fn a_deterministic_estimator_must_match_exactly() {
        let xs = vec![vec![1.0, 2.0]; 50];
        assert!(!mean_test(&xs, &[1.0, 2.0], 1e-3).reject);
        assert!(mean_test(&xs, &[1.0, 2.5], 1e-3).reject);
    }
}
