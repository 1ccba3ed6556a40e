//! Monte Carlo sampling speed (README, "Benchmarks").
//!
//! - `sampling/reinforce`: the hot loop on one core: trajectories of a
//!   random MDP with |S| = |A| = 4 and horizon 10 under a softmax policy,
//!   the score and the return accumulated into the REINFORCE estimate.
//!   Throughput is in trajectory steps (10 a trajectory). The same
//!   estimator in numpy is `benches/sampling_numpy.py`.
//! - `mc/threads=1` and `mc/threads=2`: the whole `derivcheck mc` checker
//!   (exact gradients, sampling, all four estimators with their
//!   covariances, the tests) on 1 and on 2 threads: the speed-up from
//!   rayon across policies and sample blocks. Throughput is in sampled
//!   trajectories.
//!
//! `cargo bench --bench sampling -- --warm-up-time 1 --measurement-time 3`

/// The same allocator as the binary, so the figures are the binary's.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use derivcheck::montecarlo::checker::{run, McConfig};
use derivcheck::montecarlo::estimators::{ReinforceSum, Sampler};
use derivcheck::montecarlo::mdp::{Mdp, Policy, Sizes};
use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;
use std::hint::black_box;

const TRAJECTORIES: u64 = 100_000;

fn reinforce(c: &mut Criterion) {
    let sizes = Sizes {
        states: 4,
        actions: 4,
        horizon: 10,
    };
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(1);
    let mdp = Mdp::random(sizes, &mut rng);
    let policy = Policy::random(sizes, &mut rng);
    let sampler = Sampler::new(&mdp, &policy);
    let mut sum = ReinforceSum::new(sizes);
    let mut estimate = vec![0.0; sizes.params()];
    let mut group = c.benchmark_group("sampling");
    group.throughput(Throughput::Elements(TRAJECTORIES * sizes.horizon as u64));
    group.bench_function("reinforce", |b| {
        b.iter(|| {
            sampler.reinforce(TRAJECTORIES, &mut rng, &mut sum, &mut estimate);
            black_box(&estimate);
        })
    });
    group.finish();
}

fn checker(c: &mut Criterion) {
    let config = McConfig {
        policies: 8,
        samples: 50_000,
        sizes: Sizes {
            states: 4,
            actions: 4,
            horizon: 3,
        },
        ..McConfig::default()
    };
    config.validate().expect("a valid configuration");
    let mut group = c.benchmark_group("mc");
    group.throughput(Throughput::Elements(
        config.policies as u64 * config.samples,
    ));
    group.sample_size(10);
    for threads in [1, 2] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("a thread pool");
        group.bench_function(format!("threads={threads}"), |b| {
            b.iter(|| pool.install(|| black_box(run(&config))))
        });
    }
    group.finish();
}

criterion_group!(benches, reinforce, checker);
criterion_main!(benches);
