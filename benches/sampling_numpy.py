#!/usr/bin/env python3
"""The REINFORCE estimate in numpy, vectorised: the baseline for the Rust
sampler's speed (benches/sampling.rs, `sampling/reinforce`; README,
"Benchmarks").

The same workload: a random MDP with |S| = |A| = 4 and horizon 10, a softmax
policy, N trajectories sampled at once (one numpy operation a step over all
N), the score ∇_θ log Pr_θ(τ) and the return R(τ) accumulated, and the
estimate (1/N) Σ_i R(τ_i) ∇_θ log Pr_θ(τ_i). Prints trajectory steps per
second on one core, the best of a few repeats.

    python3 benches/sampling_numpy.py [--trajectories N] [--repeats K]

numpy is installed from PyPI if it is missing. Set OMP_NUM_THREADS=1 (the
workload is elementwise, so threads would not be used anyway).
"""

import argparse
import importlib
import subprocess
import sys
import time


def numpy_module():
    try:
        return importlib.import_module("numpy")
    except ImportError:
        print("numpy is missing: installing it from PyPI", file=sys.stderr)
        subprocess.check_call([sys.executable, "-m", "pip", "install", "--quiet", "numpy"])
        return importlib.import_module("numpy")


np = numpy_module()

STATES, ACTIONS, HORIZON = 4, 4, 10


def softmax(z):
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def random_problem(rng):
    initial = softmax(rng.uniform(-1.0, 1.0, STATES))
    transition = softmax(rng.uniform(-1.5, 1.5, (STATES, ACTIONS, STATES)))
    reward = rng.uniform(0.0, 1.0, (STATES, ACTIONS))
    theta = rng.uniform(-1.5, 1.5, (STATES, ACTIONS))
    return initial, transition, reward, softmax(theta)


def draw(cumulative, u):
    """One categorical draw a row: cumulative holds each row's cumulative
    probabilities, u one uniform number a row."""
    return (u[:, None] > cumulative).sum(axis=1).clip(max=cumulative.shape[1] - 1)


def reinforce(problem, n, rng):
    initial, transition, reward, pi = problem
    cum_pi = np.cumsum(pi, axis=1)
    cum_p = np.cumsum(transition, axis=2).reshape(STATES * ACTIONS, STATES)
    cum_rho = np.cumsum(initial)
    rows = np.arange(n)
    visits = np.zeros((n, STATES * ACTIONS))
    ret = np.zeros(n)
    s = np.searchsorted(cum_rho, rng.random(n), side="right").clip(max=STATES - 1)
    for t in range(HORIZON):
        a = draw(cum_pi[s], rng.random(n))
        sa = s * ACTIONS + a
        visits[rows, sa] += 1.0
        ret += reward[s, a]
        if t + 1 < HORIZON:
            s = draw(cum_p[sa], rng.random(n))
    # score[s, a] = visits[s, a] − V(s) π(a|s), V(s) = Σ_a visits[s, a]
    v = visits.reshape(n, STATES, ACTIONS).sum(axis=2)
    score = visits - (v[:, :, None] * pi[None, :, :]).reshape(n, STATES * ACTIONS)
    return (ret[:, None] * score).mean(axis=0)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--trajectories", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    rng = np.random.default_rng(1)
    problem = random_problem(rng)
    best = float("inf")
    for _ in range(args.repeats):
        start = time.perf_counter()
        estimate = reinforce(problem, args.trajectories, rng)
        best = min(best, time.perf_counter() - start)
    steps = args.trajectories * HORIZON
    print(f"numpy {np.__version__}, python {sys.version.split()[0]}")
    print(f"{args.trajectories} trajectories of {HORIZON} steps, best of {args.repeats}: {best:.3f} s")
    print(f"{steps / best / 1e6:.2f} million steps per second")
    print("estimate (first coordinates):", np.round(estimate[:4], 4))


if __name__ == "__main__":
    main()
