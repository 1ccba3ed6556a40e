//! Random tabular MDPs with softmax policies, and their exact objective and
//! policy gradient by enumerating every trajectory.
//!
//! Place in the pipeline: the ground truth of the `derivcheck mc` checker
//! (README, "The Monte Carlo checker"). In: sizes and a seeded generator. Out: an [`Mdp`], a
//! [`Policy`] π_θ(a|s) ∝ exp(θ_{s,a}), and [`exact`]: J(θ) and ∇_θ J(θ).
//! The gradient is differentiated mechanically, with forward-mode dual
//! numbers through the softmax and the product of probabilities of every
//! trajectory; it does not use the log-derivative identity that the checker
//! tests, so the two can referee each other.

use crate::numeric::dual::Dual;
use rand::RngExt;
use std::ops::Mul;

/// The sizes of a tabular MDP.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Sizes {
    /// |S|.
    pub states: usize,
    /// |A|.
    pub actions: usize,
    /// H, the number of actions in a trajectory.
    pub horizon: usize,
}

impl Sizes {
    /// The dimension of θ: one logit per state and action.
    pub fn params(&self) -> usize {
        self.states * self.actions
    }

    /// The number of trajectories, (|S|·|A|)^H, or `None` past `u64`.
    pub fn trajectories(&self) -> Option<u64> {
        let per_step = (self.states as u64).checked_mul(self.actions as u64)?;
        let h = u32::try_from(self.horizon).ok()?;
        per_step.checked_pow(h)
    }
}

/// A finite-horizon tabular MDP: an initial distribution ρ(s), transitions
/// P(s'|s, a) and rewards r(s, a).
#[derive(Clone, Debug, PartialEq)]
pub struct Mdp {
    /// The sizes.
    pub sizes: Sizes,
    /// ρ(s).
    pub initial: Vec<f64>,
    /// P(s'|s, a) at `(s·|A| + a)·|S| + s'`.
    pub transition: Vec<f64>,
    /// r(s, a) at `s·|A| + a`.
    pub reward: Vec<f64>,
}

/// A softmax policy π_θ(a|s) = exp(θ_{s,a}) / Σ_b exp(θ_{s,b}).
#[derive(Clone, Debug, PartialEq)]
pub struct Policy {
    /// θ, at `s·|A| + a`.
    pub theta: Vec<f64>,
    /// π_θ(a|s), at `s·|A| + a`.
    pub probs: Vec<f64>,
}

fn uniform<R: rand::Rng>(rng: &mut R, lo: f64, hi: f64) -> f64 {
    lo + (hi - lo) * rng.random::<f64>()
}

/// `softmax(z)` of one row, written into `out`.
fn softmax_into(z: &[f64], out: &mut [f64]) {
    let top = z.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let mut total = 0.0;
    for (o, &x) in out.iter_mut().zip(z) {
        *o = (x - top).exp();
        total += *o;
    }
    for o in out.iter_mut() {
        *o /= total;
    }
}

fn random_distribution<R: rand::Rng>(rng: &mut R, n: usize, spread: f64) -> Vec<f64> {
    let z: Vec<f64> = (0..n).map(|_| uniform(rng, -spread, spread)).collect();
    let mut p = vec![0.0; n];
    softmax_into(&z, &mut p);
    p
}

impl Mdp {
    /// A random MDP: ρ and every P(·|s, a) are softmaxes of uniform logits
    /// (so every probability is positive and every state reachable), and
    /// rewards are uniform on [0, 1].
    pub fn random<R: rand::Rng>(sizes: Sizes, rng: &mut R) -> Mdp {
        let (ns, na) = (sizes.states, sizes.actions);
        let initial = random_distribution(rng, ns, 1.0);
        let mut transition = Vec::with_capacity(ns * na * ns);
        for _ in 0..ns * na {
            transition.extend(random_distribution(rng, ns, 1.5));
        }
        let reward = (0..ns * na).map(|_| rng.random::<f64>()).collect();
        Mdp {
            sizes,
            initial,
            transition,
            reward,
        }
    }

    /// The return R(τ) = Σ_t r(s_t, a_t) of a trajectory given as its
    /// `(s_t, a_t)` pairs.
    pub fn ret(&self, path: &[(usize, usize)]) -> f64 {
        path.iter()
            .map(|&(s, a)| self.reward[s * self.sizes.actions + a])
            .sum()
    }
}

impl Policy {
    /// The softmax policy of θ (laid out `s·|A| + a`).
    pub fn softmax(sizes: Sizes, theta: Vec<f64>) -> Policy {
        let na = sizes.actions;
        let mut probs = vec![0.0; theta.len()];
        for (z, p) in theta.chunks(na).zip(probs.chunks_mut(na)) {
            softmax_into(z, p);
        }
        Policy { theta, probs }
    }

    /// A policy with θ uniform on [−1.5, 1.5] in every coordinate.
    pub fn random<R: rand::Rng>(sizes: Sizes, rng: &mut R) -> Policy {
        let theta = (0..sizes.params())
            .map(|_| uniform(rng, -1.5, 1.5))
            .collect();
        Policy::softmax(sizes, theta)
    }
}

/// Visit every trajectory `(s_0, a_0, …, s_{H−1}, a_{H−1})` with its
/// probability ρ(s_0) Π_t π(a_t|s_t) Π_t P(s_{t+1}|s_t, a_t), computed in
/// the number type `T` from the policy's probabilities `pi` (laid out
/// `s·|A| + a`) and `lift` for the MDP's constants, and its return R(τ).
///
/// The trajectories are counted like an odometer, and each probability and
/// return is a running product or sum shared by the trajectories with the
/// same prefix, so a trajectory costs O(1) operations on average.
pub fn enumerate<T, L, F>(mdp: &Mdp, pi: &[T], lift: L, mut visit: F)
where
    T: Copy + Mul<Output = T>,
    L: Fn(f64) -> T,
    F: FnMut(&[(usize, usize)], T, f64),
{
    let Sizes {
        states: ns,
        actions: na,
        horizon: h,
    } = mdp.sizes;
    if h == 0 || ns == 0 || na == 0 {
        return;
    }
    let per_step = ns * na;
    let mut digits = vec![0usize; h];
    let mut path = vec![(0usize, 0usize); h];
    let mut prefix = vec![lift(1.0); h + 1];
    let mut returns = vec![0.0; h + 1];
    let mut from = 0;
    loop {
        for t in from..h {
            let (s, a) = (digits[t] / na, digits[t] % na);
            path[t] = (s, a);
            let w = if t == 0 {
                mdp.initial[s]
            } else {
                let (ps, pa) = path[t - 1];
                mdp.transition[(ps * na + pa) * ns + s]
            };
            prefix[t + 1] = prefix[t] * lift(w) * pi[s * na + a];
            returns[t + 1] = returns[t] + mdp.reward[s * na + a];
        }
        visit(&path, prefix[h], returns[h]);
        let mut t = h;
        loop {
            if t == 0 {
                return;
            }
            t -= 1;
            digits[t] += 1;
            if digits[t] < per_step {
                break;
            }
            digits[t] = 0;
        }
        from = t;
    }
}

/// The exact objective and policy gradient of a policy.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Exact {
    /// J(θ) = Σ_τ Pr_θ(τ) R(τ).
    pub objective: f64,
    /// ∇_θ J(θ), laid out `s·|A| + a`.
    pub gradient: Vec<f64>,
}

/// J(θ) and ∇_θ J(θ) by enumerating every trajectory: one forward-mode pass
/// a coordinate of θ, each differentiating the softmax and the product of
/// probabilities of every trajectory. Work: |θ| · (|S||A|)^H products;
/// callers bound the sizes first.
pub fn exact(mdp: &Mdp, policy: &Policy) -> Exact {
    let sizes = mdp.sizes;
    let (d, na) = (sizes.params(), sizes.actions);
    let mut gradient = vec![0.0; d];
    let mut objective = 0.0;
    let mut pi = vec![Dual::constant(0.0); d];
    for (k, g) in gradient.iter_mut().enumerate() {
        for s in 0..sizes.states {
            let row = s * na..(s + 1) * na;
            let top = policy.theta[row.clone()]
                .iter()
                .copied()
                .fold(f64::NEG_INFINITY, f64::max);
            let logits = row
                .clone()
                .map(|i| Dual::exact(policy.theta[i] - top, if i == k { 1.0 } else { 0.0 }));
            let exps: Vec<Dual> = logits.map(Dual::exp).collect();
            let total = exps.iter().fold(Dual::constant(0.0), |acc, &e| acc + e);
            for (i, e) in row.zip(exps) {
                pi[i] = e / total;
            }
        }
        let mut j = Dual::constant(0.0);
        enumerate(mdp, &pi, Dual::constant, |_, p, ret| {
            j = j + p * Dual::constant(ret);
        });
        *g = j.d;
        objective = j.v;
    }
    Exact {
        objective,
        gradient,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_xoshiro::Xoshiro256PlusPlus;

    fn small(seed: u64, sizes: Sizes) -> (Mdp, Policy) {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        let mdp = Mdp::random(sizes, &mut rng);
        let policy = Policy::random(sizes, &mut rng);
        (mdp, policy)
    }

    fn objective(mdp: &Mdp, policy: &Policy) -> f64 {
        let mut j = 0.0;
        enumerate(
            mdp,
            &policy.probs,
            |x| x,
            |path, p, ret| {
                assert_eq!(ret, mdp.ret(path));
                j += p * ret
            },
        );
        j
    }

    #[test]
    fn random_distributions_are_positive_and_sum_to_one() {
        let sizes = Sizes {
            states: 3,
            actions: 2,
            horizon: 2,
        };
        let (mdp, policy) = small(1, sizes);
        let sums_to_one = |p: &[f64]| (p.iter().sum::<f64>() - 1.0).abs() < 1e-12;
        assert!(sums_to_one(&mdp.initial));
        assert!(mdp.transition.chunks(3).all(sums_to_one));
        assert!(policy.probs.chunks(2).all(sums_to_one));
        assert!(mdp.transition.iter().chain(&policy.probs).all(|&p| p > 0.0));
        assert!(mdp.reward.iter().all(|&r| (0.0..=1.0).contains(&r)));
    }

    #[test]
    fn enumeration_visits_every_trajectory_once_and_probabilities_sum_to_one() {
        let sizes = Sizes {
            states: 2,
            actions: 3,
            horizon: 3,
        };
        let (mdp, policy) = small(2, sizes);
        let mut seen = std::collections::HashSet::new();
        let mut total = 0.0;
        enumerate(
            &mdp,
            &policy.probs,
            |x| x,
            |path, p, _| {
                assert!(seen.insert(path.to_vec()), "{path:?} twice");
                total += p;
            },
        );
        assert_eq!(seen.len() as u64, sizes.trajectories().unwrap());
        assert!((total - 1.0).abs() < 1e-12, "{total}");
    }

    #[test]
    fn one_step_objective_is_the_expected_reward() {
        let sizes = Sizes {
            states: 2,
            actions: 2,
            horizon: 1,
        };
        let (mdp, policy) = small(3, sizes);
        let by_hand: f64 = (0..2)
            .flat_map(|s| (0..2).map(move |a| (s, a)))
            .map(|(s, a)| mdp.initial[s] * policy.probs[s * 2 + a] * mdp.reward[s * 2 + a])
            .sum();
        assert!((exact(&mdp, &policy).objective - by_hand).abs() < 1e-14);
    }

    #[test]
    fn gradient_agrees_with_central_differences() {
        let sizes = Sizes {
            states: 3,
            actions: 2,
            horizon: 3,
        };
        let (mdp, policy) = small(4, sizes);
        let ex = exact(&mdp, &policy);
        assert!((ex.objective - objective(&mdp, &policy)).abs() < 1e-12);
        let h = 1e-5;
        for k in 0..sizes.params() {
            let shifted = |delta: f64| {
                let mut theta = policy.theta.clone();
                theta[k] += delta;
                objective(&mdp, &Policy::softmax(sizes, theta))
            };
            let fd = (shifted(h) - shifted(-h)) / (2.0 * h);
            assert!(
                (fd - ex.gradient[k]).abs() < 1e-8,
                "coordinate {k}: {fd} vs {}",
                ex.gradient[k]
            );
        }
    }

    #[test]
    fn trajectory_count_overflow_is_none() {
        let sizes = Sizes {
            states: 1000,
            actions: 1000,
            horizon: 1000,
        };
        assert_eq!(sizes.trajectories(), None);
        let ok = Sizes {
            states: 4,
            actions: 4,
            horizon: 10,
        };
        assert_eq!(ok.trajectories(), Some(1u64 << 40));
    }
}
