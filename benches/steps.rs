//! Speed of checking steps: parse + symbolic proof per step, the numeric
//! engine per step, and parsing alone, on the seed derivation and on the
//! whole derivations/ corpus.
//!
//! `cargo bench --bench steps`; the figures go into the README.

/// The same allocator as the binary, so the figures are the binary's.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use derivcheck::check::collect_files;
use derivcheck::numeric::NumericEngine;
use derivcheck::resolve::{resolve_text, Declarations};
use derivcheck::symbolic::normalize::Budget;
use derivcheck::symbolic::{prove, Session};
use derivcheck::syntax::ast::Relation;
use derivcheck::syntax::parser::parse_file;
use derivcheck::verdict::{Engine, Problem};
use std::hint::black_box;
use std::path::PathBuf;

mod support;

use support::{first_problem, for_each_problem, split_seed};

/// Parse and resolve a file, then run `f` on every `=` step with the
/// chain's symbolic session; the number of steps it saw.
fn for_each_step(text: &str, mut f: impl for<'p> FnMut(&mut Session<'p>, &Problem<'p>)) -> usize {
    let (prog, _) = resolve_text(text);
    let mut n = 0;
    for_each_problem(&prog, |session, problem| {
        if problem.relation == Relation::Eq {
            f(session, problem);
            n += 1;
        }
    });
    n
}

fn corpus() -> Vec<String> {
    collect_files(&[PathBuf::from("derivations")])
        .into_iter()
        .filter_map(Result::ok)
        .filter(|p| p.extension().is_some_and(|x| x == "deriv"))
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .collect()
}

fn benches(c: &mut Criterion) {
    let seed = std::fs::read_to_string("derivations/policy_gradient.deriv").expect("seed file");
    let seed_steps = for_each_step(&seed, |_, _| {});
    let corpus = corpus();
    let corpus_steps: usize = corpus.iter().map(|t| for_each_step(t, |_, _| {})).sum();

    let mut g = c.benchmark_group("symbolic");
    g.throughput(Throughput::Elements(seed_steps as u64));
    g.bench_function("seed derivation: parse + prove, per step", |b| {
        b.iter(|| {
            for_each_step(black_box(&seed), |s, p| {
                black_box(s.prove(p).is_proved());
            })
        })
    });
    let (prog, _) = resolve_text(&seed);
    g.bench_function("seed derivation: prove only, per step", |b| {
        b.iter(|| {
            for_each_problem(&prog, |session, p| {
                black_box(session.prove(p).is_proved());
            })
        })
    });
    g.bench_function("seed derivation: prove only, each step on its own", |b| {
        b.iter(|| {
            for_each_problem(&prog, |_, p| {
                black_box(prove(p, Budget::default()).is_proved());
            })
        })
    });
    g.bench_function("seed derivation: parse + resolve only, per step", |b| {
        b.iter(|| black_box(resolve_text(black_box(&seed))))
    });
    // Like for like with benches/sympy_steps.py: the declarations are read
    // once; each step is parsed from its two expressions' text, resolved
    // and proved.
    let (decl_text, step_texts) = split_seed(&seed);
    let mut decls = Declarations::new();
    decls.add(&parse_file(&decl_text).items);
    g.throughput(Throughput::Elements(step_texts.len() as u64));
    g.bench_function(
        "seed steps from text, declarations read once, per step",
        |b| {
            b.iter(|| {
                for (lhs, rhs) in &step_texts {
                    let items = parse_file(black_box(&format!("{lhs}\n= {rhs}\n"))).items;
                    decls.scoped(&items, |prog| {
                        black_box(prove(&first_problem(prog), Budget::default()).is_proved());
                    });
                }
            })
        },
    );
    g.throughput(Throughput::Elements(seed_steps as u64));
    g.throughput(Throughput::Elements(corpus_steps as u64));
    g.bench_function("corpus: parse + prove, per step", |b| {
        b.iter(|| {
            for text in &corpus {
                for_each_step(black_box(text), |s, p| {
                    black_box(s.prove(p).is_proved());
                });
            }
        })
    });
    g.finish();

    let mut g = c.benchmark_group("numeric");
    g.throughput(Throughput::Elements(seed_steps as u64));
    let engine = NumericEngine::default();
    g.bench_function("seed derivation: 24 instances, per step", |b| {
        b.iter(|| {
            for_each_step(black_box(&seed), |_, p| {
                black_box(engine.decide(p));
            })
        })
    });
    g.finish();

    let bytes: usize = corpus.iter().map(String::len).sum();
    let mut g = c.benchmark_group("parse");
    g.throughput(Throughput::Bytes(bytes as u64));
    g.bench_function("corpus", |b| {
        b.iter(|| {
            for text in &corpus {
                black_box(parse_file(black_box(text)));
            }
        })
    });
    g.finish();
}

criterion_group!(steps, benches);
criterion_main!(steps);
