//! The policy-gradient estimators of the README's "The Monte Carlo checker" and the trajectory sampler that
//! feeds them.
//!
//! Place in the pipeline: the sampling half of the `derivcheck mc` checker.
//! In: an [`Mdp`] and a [`Policy`]. Out: for each sampled trajectory τ the
//! value of every [`Estimator`] at τ (one gradient-sized vector each), or
//! their exact expectation over all trajectories ([`expectation`]).
//!
//! Sampling is the hot loop, so it is shaped for speed: every categorical
//! draw is one 64-bit random number through an alias table (O(1) whatever
//! the number of outcomes); a step only adds into tables indexed by (s, a),
//! and the sink decides what: [`Accumulator`] keeps the visits and the
//! return accumulated before each visit, from which
//! [`Accumulator::finish`] builds the score and all four estimators in one
//! O(|θ|) pass; [`ReinforceSum`] keeps O(H) a trajectory and applies the
//! policy once at the end. Log-probabilities are looked up only for a sink
//! that uses them. Nothing is allocated per step or per trajectory.

use super::mdp::{enumerate, Mdp, Policy, Sizes};
use rand::Rng;
use serde::Serialize;

/// A per-trajectory estimator of ∇_θ J(θ); its sample mean over N
/// trajectories drawn from Pr_θ is the estimate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Estimator {
    /// ∇_θ log Pr_θ(τ) R(τ).
    Reinforce,
    /// Σ_t ∇_θ log π_θ(a_t|s_t) Σ_{t'≥t} r(s_{t'}, a_{t'}).
    RewardToGo,
    /// ∇_θ log Pr_θ(τ) (R(τ) − b), with b = J(θ).
    Baseline,
    /// ∇_θ Pr_θ(τ) R(τ): the score without the log, biased; the control
    /// that the checker must reject.
    ScoreWithoutLog,
}

impl Estimator {
    /// Every estimator, in report order; the control last.
    pub const ALL: [Estimator; 4] = [
        Estimator::Reinforce,
        Estimator::RewardToGo,
        Estimator::Baseline,
        Estimator::ScoreWithoutLog,
    ];

    /// The position in [`Estimator::ALL`] and in [`Values`].
    pub fn index(self) -> usize {
        self as usize
    }

    /// The name used on the command line and in reports.
    pub fn name(self) -> &'static str {
        match self {
            Estimator::Reinforce => "reinforce",
            Estimator::RewardToGo => "reward-to-go",
            Estimator::Baseline => "baseline",
            Estimator::ScoreWithoutLog => "score-without-log",
        }
    }

    /// The per-trajectory term, as a formula.
    pub fn formula(self) -> &'static str {
        match self {
            Estimator::Reinforce => "∇_θ log Pr_θ(τ) R(τ)",
            Estimator::RewardToGo => "Σ_t ∇_θ log π_θ(a_t|s_t) Σ_{t'≥t} r(s_t', a_t')",
            Estimator::Baseline => "∇_θ log Pr_θ(τ) (R(τ) − b), b = J(θ)",
            Estimator::ScoreWithoutLog => "∇_θ Pr_θ(τ) R(τ)",
        }
    }

    /// Whether this is the deliberately wrong control.
    pub fn is_control(self) -> bool {
        self == Estimator::ScoreWithoutLog
    }
}

/// The value of every estimator at one trajectory, indexed by
/// [`Estimator::index`].
#[derive(Clone, Debug, PartialEq)]
pub struct Values(pub [Vec<f64>; 4]);

impl Values {
    /// Zero vectors of dimension `d`.
    pub fn zeros(d: usize) -> Values {
        Values([vec![0.0; d], vec![0.0; d], vec![0.0; d], vec![0.0; d]])
    }

    /// The value of one estimator.
    pub fn of(&self, e: Estimator) -> &[f64] {
        &self.0[e.index()]
    }
}

/// What one trajectory leaves behind, from which every estimator follows.
///
/// With score_t = ∇_θ log π_θ(a_t|s_t) = e_{s_t,a_t} − π_θ(·|s_t) (in the
/// row of s_t) and P_t = Σ_{t'<t} r_{t'} the return before step t:
/// - ∇_θ log Pr_θ(τ) = Σ_t score_t has entries `visits[s,a] − V(s) π(a|s)`
///   with V(s) = Σ_a `visits[s,a]`;
/// - the reward-to-go estimator is Σ_t score_t (R − P_t) = R·score − W with
///   `W[s,a] = before[s,a] − B(s) π(a|s)`, B(s) = Σ_a `before[s,a]`;
/// - ∇_θ Pr_θ(τ) = Pr_θ(τ) ∇_θ log Pr_θ(τ).
#[derive(Clone, Debug)]
pub struct Accumulator {
    actions: usize,
    visits: Vec<f64>,
    before: Vec<f64>,
    ret: f64,
    log_prob: f64,
}

impl Accumulator {
    /// An empty accumulator for MDPs of these sizes.
    pub fn new(sizes: Sizes) -> Accumulator {
        Accumulator {
            actions: sizes.actions,
            visits: vec![0.0; sizes.params()],
            before: vec![0.0; sizes.params()],
            ret: 0.0,
            log_prob: 0.0,
        }
    }

    /// Step t visits `sa = s·|A| + a`, earning `reward`, with log-probability
    /// `log_pi` of the action.
    #[inline(always)]
    pub fn step(&mut self, sa: usize, reward: f64, log_pi: f64) {
        self.visits[sa] += 1.0;
        self.before[sa] += self.ret;
        self.ret += reward;
        self.log_prob += log_pi;
    }

    /// Add the log-probability of a draw of the environment (ρ or P).
    #[inline(always)]
    pub fn environment(&mut self, log_p: f64) {
        self.log_prob += log_p;
    }

    /// The return so far.
    pub fn ret(&self) -> f64 {
        self.ret
    }

    /// The trajectory is over: write every estimator's value (with baseline
    /// `b` and the policy's probabilities) into `out`, and start afresh.
    pub fn finish(&mut self, probs: &[f64], b: f64, out: &mut Values) {
        let na = self.actions;
        let r = self.ret;
        let weight = self.log_prob.exp() * r;
        let [reinforce, to_go, baseline, control] = &mut out.0;
        for (s, pi) in probs.chunks_exact(na).enumerate() {
            let row = s * na..(s + 1) * na;
            let v: f64 = self.visits[row.clone()].iter().sum();
            let bw: f64 = self.before[row.clone()].iter().sum();
            for (a, &p) in pi.iter().enumerate() {
                let i = s * na + a;
                let score = self.visits[i] - v * p;
                let w = self.before[i] - bw * p;
                reinforce[i] = r * score;
                to_go[i] = r * score - w;
                baseline[i] = (r - b) * score;
                control[i] = weight * score;
            }
            self.visits[row.clone()].fill(0.0);
            self.before[row].fill(0.0);
        }
        self.ret = 0.0;
        self.log_prob = 0.0;
    }
}

/// Rows of alias tables (Walker; Vose's construction), one categorical
/// distribution a row, all with `n` outcomes; a draw returns the outcome's
/// payload `T` (its index, or whatever the caller precomputed for it).
#[derive(Clone, Debug)]
pub struct AliasRows<T> {
    n: usize,
    entries: Vec<AliasEntry<T>>,
}

/// One column of an alias table: keep the column's own payload when the
/// fractional part of the draw is below `threshold` (out of 2^64), else
/// take the alias's.
#[derive(Clone, Copy, Debug)]
struct AliasEntry<T> {
    threshold: u64,
    keep: T,
    alias: T,
}

impl<T: Copy> AliasRows<T> {
    /// Tables for the rows of `probs` (each of length `n`, summing to 1);
    /// outcome `j` of row `row` carries `payload(row, j)`.
    ///
    /// Panics when `n` is 0 or does not divide the length of `probs`.
    pub fn new(probs: &[f64], n: usize, payload: impl Fn(usize, usize) -> T) -> AliasRows<T> {
        assert!(n > 0 && probs.len().is_multiple_of(n));
        let mut entries: Vec<AliasEntry<T>> = (0..probs.len())
            .map(|i| AliasEntry {
                threshold: u64::MAX,
                keep: payload(i / n, i % n),
                alias: payload(i / n, i % n),
            })
            .collect();
        let mut scaled = vec![0.0; n];
        let (mut small, mut large) = (Vec::with_capacity(n), Vec::with_capacity(n));
        for (row, p) in probs.chunks_exact(n).enumerate() {
            let total: f64 = p.iter().sum();
            small.clear();
            large.clear();
            for (j, &q) in p.iter().enumerate() {
                scaled[j] = q / total * n as f64;
                if scaled[j] < 1.0 {
                    small.push(j);
                } else {
                    large.push(j);
                }
            }
            while let (Some(&s), Some(&l)) = (small.last(), large.last()) {
                small.pop();
                let e = &mut entries[row * n + s];
                e.threshold = to_threshold(scaled[s]);
                e.alias = payload(row, l);
                scaled[l] -= 1.0 - scaled[s];
                if scaled[l] < 1.0 {
                    large.pop();
                    small.push(l);
                }
            }
            // What is left is 1 up to rounding: keep the column always.
            for &j in small.iter().chain(&large) {
                let e = &mut entries[row * n + j];
                e.threshold = u64::MAX;
                e.alias = e.keep;
            }
        }
        AliasRows { n, entries }
    }

    /// One draw from row `row`: a uniform 64-bit number times n gives the
    /// column (high half) and an independent uniform fraction (low half),
    /// so a draw is one random number, one multiplication and one load.
    #[inline(always)]
    pub fn sample<R: Rng>(&self, row: usize, rng: &mut R) -> T {
        let m = u128::from(rng.next_u64()) * self.n as u128;
        let e = &self.entries[row * self.n + (m >> 64) as usize];
        if (m as u64) < e.threshold {
            e.keep
        } else {
            e.alias
        }
    }
}

fn to_threshold(q: f64) -> u64 {
    if q >= 1.0 {
        u64::MAX
    } else {
        // 2^64 · q, saturating (a float-to-integer cast saturates).
        (q * 18_446_744_073_709_551_616.0) as u64
    }
}

/// What a sampled trajectory is written into, step by step.
pub trait Steps {
    /// Whether the sink uses log-probabilities (when not, the sampler does
    /// not look them up).
    const LOG_PROB: bool;
    /// Step t is in state `s` and takes the action of `sa = s·|A| + a`,
    /// earning `reward`; the action's log-probability is `log_pi`.
    fn step(&mut self, s: usize, sa: usize, reward: f64, log_pi: f64);
    /// The log-probability of a draw of the environment (ρ or P).
    fn environment(&mut self, log_p: f64);
}

impl Steps for Accumulator {
    const LOG_PROB: bool = true;

    #[inline(always)]
    fn step(&mut self, _s: usize, sa: usize, reward: f64, log_pi: f64) {
        Accumulator::step(self, sa, reward, log_pi);
    }

    #[inline(always)]
    fn environment(&mut self, log_p: f64) {
        Accumulator::environment(self, log_p);
    }
}

/// The REINFORCE sum Σ_i R(τ_i) ∇_θ log Pr_θ(τ_i), accumulated in O(H) a
/// trajectory: since ∇_θ log Pr_θ(τ) = Σ_t (e_{s_t,a_t} − π_θ(·|s_t)), the
/// sum is `W[s,a] − U(s) π(a|s)` with `W[s,a]` the total of R(τ_i) over the
/// visits of (s, a) and U(s) = Σ_b `W[s,b]`, so a step only records its
/// (s, a), the trajectory adds R once a step, and the policy is applied
/// once, at the end.
#[derive(Clone, Debug)]
pub struct ReinforceSum {
    actions: usize,
    /// The (s, a) index of each step of the current trajectory.
    path: Vec<u32>,
    len: usize,
    ret: f64,
    by_action: Vec<f64>,
    trajectories: u64,
}

impl ReinforceSum {
    /// An empty sum for MDPs of these sizes.
    pub fn new(sizes: Sizes) -> ReinforceSum {
        ReinforceSum {
            actions: sizes.actions.max(1),
            path: vec![0; sizes.horizon],
            len: 0,
            ret: 0.0,
            by_action: vec![0.0; sizes.params()],
            trajectories: 0,
        }
    }

    /// The trajectory is over: add it to the sum.
    #[inline(always)]
    pub fn finish(&mut self) {
        let r = self.ret;
        for &sa in &self.path[..self.len] {
            self.by_action[sa as usize] += r;
        }
        self.len = 0;
        self.ret = 0.0;
        self.trajectories += 1;
    }

    /// The mean (1/n) Σ_i R(τ_i) ∇_θ log Pr_θ(τ_i) so far, into `out`.
    pub fn mean(&self, probs: &[f64], out: &mut [f64]) {
        let n = self.trajectories.max(1) as f64;
        let na = self.actions;
        for ((w, p), o) in self
            .by_action
            .chunks_exact(na)
            .zip(probs.chunks_exact(na))
            .zip(out.chunks_exact_mut(na))
        {
            let u: f64 = w.iter().sum();
            for ((wa, pa), oa) in w.iter().zip(p).zip(o) {
                *oa = (wa - u * pa) / n;
            }
        }
    }

    /// Start afresh.
    pub fn clear(&mut self) {
        self.len = 0;
        self.ret = 0.0;
        self.by_action.fill(0.0);
        self.trajectories = 0;
    }
}

impl Steps for ReinforceSum {
    const LOG_PROB: bool = false;

    #[inline(always)]
    fn step(&mut self, _s: usize, sa: usize, reward: f64, _log_pi: f64) {
        self.path[self.len] = sa as u32;
        self.len += 1;
        self.ret += reward;
    }

    #[inline(always)]
    fn environment(&mut self, _log_p: f64) {}
}

/// Samples trajectories of one policy on one MDP.
///
/// A step draws the action and the next state together, from the joint
/// distribution π_θ(a|s) P(s'|s, a) of the current state: one alias draw a
/// step rather than two. The last step's next state is drawn and dropped
/// (a trajectory has H actions and H states).
#[derive(Clone, Debug)]
pub struct Sampler<'a> {
    mdp: &'a Mdp,
    policy: &'a Policy,
    initial: AliasRows<u32>,
    /// Row s: the outcomes (a, s'), each carried as `(s·|A| + a, s')`.
    step: AliasRows<(u32, u32)>,
    log_initial: Vec<f64>,
    log_pi: Vec<f64>,
    log_next: Vec<f64>,
}

impl<'a> Sampler<'a> {
    /// Prepare the alias and log-probability tables. The sizes must be
    /// within `u32` (the checker bounds them far below).
    pub fn new(mdp: &'a Mdp, policy: &'a Policy) -> Sampler<'a> {
        let Sizes {
            states: ns,
            actions: na,
            ..
        } = mdp.sizes;
        // P(a, s' | s) at s·(|A||S|) + a·|S| + s'.
        let mut joint = Vec::with_capacity(ns * na * ns);
        for s in 0..ns {
            for a in 0..na {
                let pi = policy.probs[s * na + a];
                let next = &mdp.transition[(s * na + a) * ns..(s * na + a + 1) * ns];
                joint.extend(next.iter().map(|p| pi * p));
            }
        }
        Sampler {
            mdp,
            policy,
            initial: AliasRows::new(&mdp.initial, ns, |_, s| s as u32),
            step: AliasRows::new(&joint, na * ns, |s, j| {
                ((s * na + j / ns) as u32, (j % ns) as u32)
            }),
            log_initial: mdp.initial.iter().map(|p| p.ln()).collect(),
            log_pi: policy.probs.iter().map(|p| p.ln()).collect(),
            log_next: mdp.transition.iter().map(|p| p.ln()).collect(),
        }
    }

    /// The policy sampled.
    pub fn policy(&self) -> &Policy {
        self.policy
    }

    /// Draw one trajectory into `sink`.
    #[inline(always)]
    pub fn trajectory<R: Rng, S: Steps>(&self, rng: &mut R, sink: &mut S) {
        let Sizes {
            states: ns,
            horizon: h,
            ..
        } = self.mdp.sizes;
        let mut s = self.initial.sample(0, rng) as usize;
        if S::LOG_PROB {
            sink.environment(self.log_initial[s]);
        }
        for t in 0..h {
            let (sa, next) = self.step.sample(s, rng);
            let (sa, next) = (sa as usize, next as usize);
            let log_pi = if S::LOG_PROB { self.log_pi[sa] } else { 0.0 };
            sink.step(s, sa, self.mdp.reward[sa], log_pi);
            if S::LOG_PROB && t + 1 < h {
                sink.environment(self.log_next[sa * ns + next]);
            }
            s = next;
        }
    }

    /// The REINFORCE estimate (1/n) Σ_i ∇_θ log Pr_θ(τ_i) R(τ_i) from `n`
    /// sampled trajectories, into `estimate`: the score and the return
    /// accumulated, nothing else. `sum` is the caller's (cleared here), so
    /// a loop of calls allocates nothing.
    pub fn reinforce<R: Rng>(
        &self,
        n: u64,
        rng: &mut R,
        sum: &mut ReinforceSum,
        estimate: &mut [f64],
    ) {
        sum.clear();
        for _ in 0..n {
            self.trajectory(rng, sum);
            sum.finish();
        }
        sum.mean(&self.policy.probs, estimate);
    }
}

/// The exact expectation E_{τ~Pr_θ}[estimator(τ)] of every estimator, by
/// enumerating every trajectory and running it through the same
/// [`Accumulator`] as the sampler: no sampling. With baseline `b`.
pub fn expectation(mdp: &Mdp, policy: &Policy, b: f64) -> Values {
    let sizes = mdp.sizes;
    let d = sizes.params();
    let na = sizes.actions;
    let mut acc = Accumulator::new(sizes);
    let mut values = Values::zeros(d);
    let mut total = Values::zeros(d);
    enumerate(
        mdp,
        &policy.probs,
        |x| x,
        |path, p, _| {
            for (t, &(s, a)) in path.iter().enumerate() {
                let sa = s * na + a;
                if t == 0 {
                    acc.environment(mdp.initial[s].ln());
                } else {
                    let (ps, pa) = path[t - 1];
                    acc.environment(mdp.transition[(ps * na + pa) * sizes.states + s].ln());
                }
                acc.step(sa, mdp.reward[sa], policy.probs[sa].ln());
            }
            acc.finish(&policy.probs, b, &mut values);
            for (tot, v) in total.0.iter_mut().zip(&values.0) {
                for (x, y) in tot.iter_mut().zip(v) {
                    *x += p * y;
                }
            }
        },
    );
    total
}

#[cfg(test)]
mod tests {
    use super::super::mdp::exact;
    use super::*;
    use proptest::prelude::*;
    use rand::SeedableRng;
    use rand_xoshiro::Xoshiro256PlusPlus;

    fn instance(seed: u64, sizes: Sizes) -> (Mdp, Policy) {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        let mdp = Mdp::random(sizes, &mut rng);
        let policy = Policy::random(sizes, &mut rng);
        (mdp, policy)
    }

    #[test]
    fn alias_tables_reproduce_the_distribution() {
        let probs = [0.5, 0.3, 0.15, 0.05, 0.0, 1.0, 0.0, 0.0];
        let rows = AliasRows::new(&probs, 4, |_, j| j);
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(9);
        let n = 200_000;
        for row in 0..2 {
            let mut counts = [0usize; 4];
            for _ in 0..n {
                counts[rows.sample(row, &mut rng)] += 1;
            }
            for j in 0..4 {
                let p = probs[row * 4 + j];
                let freq = counts[j] as f64 / n as f64;
                // Five standard errors.
                let tol = 5.0 * (p * (1.0 - p) / n as f64).sqrt() + 1e-12;
                assert!((freq - p).abs() <= tol, "row {row}, {j}: {freq} vs {p}");
            }
        }
    }

    #[test]
    fn finish_matches_the_definitions_on_one_trajectory() {
        let sizes = Sizes {
            states: 2,
            actions: 2,
            horizon: 3,
        };
        let (mdp, policy) = instance(5, sizes);
        let path = [(0, 1), (1, 1), (0, 0)];
        let mut acc = Accumulator::new(sizes);
        let mut log_prob = mdp.initial[0].ln();
        acc.environment(mdp.initial[0].ln());
        for (t, &(s, a)) in path.iter().enumerate() {
            if t > 0 {
                let (ps, pa) = path[t - 1];
                let lp = mdp.transition[(ps * 2 + pa) * 2 + s].ln();
                acc.environment(lp);
                log_prob += lp;
            }
            acc.step(
                s * 2 + a,
                mdp.reward[s * 2 + a],
                policy.probs[s * 2 + a].ln(),
            );
            log_prob += policy.probs[s * 2 + a].ln();
        }
        let b = 0.25;
        let mut out = Values::zeros(4);
        acc.finish(&policy.probs, b, &mut out);
        // The definitions, term by term.
        let score_t = |t: usize| {
            let (s, a) = path[t];
            let mut g = [0.0; 4];
            for c in 0..2 {
                g[s * 2 + c] = f64::from(u8::from(c == a)) - policy.probs[s * 2 + c];
            }
            g
        };
        let r: Vec<f64> = path.iter().map(|&(s, a)| mdp.reward[s * 2 + a]).collect();
        let total: f64 = r.iter().sum();
        for i in 0..4 {
            let score: f64 = (0..3).map(|t| score_t(t)[i]).sum();
            let to_go: f64 = (0..3)
                .map(|t| score_t(t)[i] * r[t..].iter().sum::<f64>())
                .sum();
            let want = [
                score * total,
                to_go,
                score * (total - b),
                log_prob.exp() * score * total,
            ];
            for e in Estimator::ALL {
                let got = out.of(e)[i];
                assert!((got - want[e.index()]).abs() < 1e-12, "{e:?}[{i}]");
            }
        }
        // The accumulator starts afresh.
        acc.finish(&policy.probs, b, &mut out);
        assert!(out.0.iter().flatten().all(|&x| x == 0.0));
    }

    #[test]
    fn sampled_reinforce_is_close_to_the_exact_gradient() {
        let sizes = Sizes {
            states: 2,
            actions: 2,
            horizon: 3,
        };
        let (mdp, policy) = instance(6, sizes);
        let sampler = Sampler::new(&mdp, &policy);
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(1);
        let mut sum = ReinforceSum::new(sizes);
        let mut est = vec![0.0; 4];
        sampler.reinforce(400_000, &mut rng, &mut sum, &mut est);
        let ex = exact(&mdp, &policy);
        for (e, g) in est.iter().zip(&ex.gradient) {
            // The per-trajectory spread is below 3, so the standard error
            // is below 0.005; this allows more than six of them.
            assert!((e - g).abs() < 0.03, "{est:?} vs {:?}", ex.gradient);
        }
    }

    /// Records the first two steps' (s, a) indices and the trajectory's
    /// log-probability.
    #[derive(Default)]
    struct FirstSteps {
        steps: Vec<(usize, usize)>,
        log_prob: f64,
    }

    impl Steps for FirstSteps {
        const LOG_PROB: bool = true;
        fn step(&mut self, s: usize, sa: usize, _reward: f64, log_pi: f64) {
            self.steps.push((s, sa));
            self.log_prob += log_pi;
        }
        fn environment(&mut self, log_p: f64) {
            self.log_prob += log_p;
        }
    }

    #[test]
    fn sampled_trajectories_follow_rho_pi_and_p() {
        let sizes = Sizes {
            states: 2,
            actions: 2,
            horizon: 2,
        };
        let (mdp, policy) = instance(8, sizes);
        let sampler = Sampler::new(&mdp, &policy);
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(4);
        let n = 200_000;
        let mut counts = std::collections::HashMap::new();
        for _ in 0..n {
            let mut sink = FirstSteps::default();
            sampler.trajectory(&mut rng, &mut sink);
            let path: Vec<(usize, usize)> = sink.steps.iter().map(|&(s, sa)| (s, sa % 2)).collect();
            // The log-probability the sink saw is that of the trajectory.
            let mut want = 0.0;
            enumerate(
                &mdp,
                &policy.probs,
                |x| x,
                |p, prob, _| {
                    if p == path.as_slice() {
                        want = prob;
                    }
                },
            );
            assert!((sink.log_prob - want.ln()).abs() < 1e-12);
            *counts.entry(path).or_insert(0usize) += 1;
        }
        enumerate(
            &mdp,
            &policy.probs,
            |x| x,
            |path, p, _| {
                let freq = *counts.get(path).unwrap_or(&0) as f64 / n as f64;
                let tol = 5.0 * (p * (1.0 - p) / n as f64).sqrt();
                assert!((freq - p).abs() <= tol, "{path:?}: {freq} vs {p}");
            },
        );
    }

    #[test]
    fn the_reinforce_sum_is_the_mean_of_the_full_accumulator() {
        let sizes = Sizes {
            states: 3,
            actions: 2,
            horizon: 4,
        };
        let (mdp, policy) = instance(7, sizes);
        let sampler = Sampler::new(&mdp, &policy);
        let n = 5000;
        let mut fast = vec![0.0; 6];
        let mut sum = ReinforceSum::new(sizes);
        sampler.reinforce(
            n,
            &mut Xoshiro256PlusPlus::seed_from_u64(3),
            &mut sum,
            &mut fast,
        );
        // The same trajectories (the same stream) through the full path.
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(3);
        let mut acc = Accumulator::new(sizes);
        let mut values = Values::zeros(6);
        let mut slow = [0.0; 6];
        for _ in 0..n {
            sampler.trajectory(&mut rng, &mut acc);
            acc.finish(&policy.probs, 0.0, &mut values);
            for (x, v) in slow.iter_mut().zip(values.of(Estimator::Reinforce)) {
                *x += v / n as f64;
            }
        }
        for (a, b) in fast.iter().zip(&slow) {
            assert!((a - b).abs() < 1e-9, "{fast:?} vs {slow:?}");
        }
        assert!(fast.iter().any(|x| x.abs() > 1e-3));
    }

    fn sizes_strategy() -> impl Strategy<Value = Sizes> {
        (1usize..=3, 2usize..=3, 1usize..=3).prop_map(|(states, actions, horizon)| Sizes {
            states,
            actions,
            horizon,
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// The log-derivative identity, exactly: on random small MDPs and
        /// policies, E[∇_θ log Pr_θ(τ) R(τ)] (by enumeration) is ∇_θ J(θ)
        /// (by forward-mode differentiation), and so are the expectations of
        /// reward-to-go and of any constant baseline; the score without the
        /// log is not.
        #[test]
        fn reinforce_is_unbiased_exactly(seed in any::<u64>(), sizes in sizes_strategy(), b in -2.0f64..2.0) {
            let (mdp, policy) = instance(seed, sizes);
            let ex = exact(&mdp, &policy);
            let expect = expectation(&mdp, &policy, b);
            let scale = ex.gradient.iter().fold(1f64, |m, g| m.max(g.abs()));
            for e in [Estimator::Reinforce, Estimator::RewardToGo, Estimator::Baseline] {
                for (x, g) in expect.of(e).iter().zip(&ex.gradient) {
                    prop_assert!((x - g).abs() <= 1e-9 * scale, "{:?}: {} vs {}", e, x, g);
                }
            }
            let gap = expect
                .of(Estimator::ScoreWithoutLog)
                .iter()
                .zip(&ex.gradient)
                .map(|(x, g)| (x - g).abs())
                .fold(0.0, f64::max);
            let norm = ex.gradient.iter().map(|g| g.abs()).fold(0.0, f64::max);
            prop_assert!(norm < 1e-12 || gap > 1e-6 * norm, "the control is unbiased here: gap {}", gap);
        }
    }
}
