//! Speed of grading: generated submissions to the policy gradient
//! assignment (benches/class.rs: valid, flawed and unparsable), graded one
//! by one and as a batch on every core.
//!
//! `cargo bench --bench grade`. The end-to-end figure for 10,000
//! submissions (files read, reports written, peak memory) is measured with
//! the binary; the README gives the commands.

/// The same allocator as the binary, so the figures are the binary's.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[path = "class.rs"]
mod class;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use derivcheck::grade::batch::grade_batch;
use derivcheck::grade::{Assignment, GradeOptions, Grader, Kind, Submission};
use std::hint::black_box;

const N: usize = 200;

fn grading(c: &mut Criterion) {
    let assignment =
        Assignment::load("derivations/assignments/policy_gradient/assignment.deriv".as_ref())
            .unwrap_or_else(|e| panic!("{}", e.render()));
    let grader = Grader::new(&assignment, GradeOptions::default());
    let texts: Vec<String> = (0..N as u64).map(|k| class::submission(1, k)).collect();
    let subs: Vec<Submission> = (0..N)
        .map(|k| Submission {
            id: format!("student{k:05}"),
            path: format!("student{k:05}.deriv").into(),
            kind: Some(Kind::Deriv),
            id_note: None,
            identity: None,
            refused: None,
        })
        .collect();

    let mut g = c.benchmark_group("grade");
    g.throughput(Throughput::Elements(N as u64));
    g.sample_size(10);
    g.bench_function("one thread, 200 submissions", |b| {
        b.iter(|| {
            for (s, t) in subs.iter().zip(&texts) {
                black_box(grader.grade_text(s, Ok(t.clone())));
            }
        })
    });
    // The batch reads files; write the class once.
    let dir = tempfile::tempdir().expect("temp dir");
    let files: Vec<Submission> = subs
        .iter()
        .zip(&texts)
        .map(|(s, t)| {
            let path = dir.path().join(format!("{}.deriv", s.id));
            std::fs::write(&path, t).expect("write");
            Submission { path, ..s.clone() }
        })
        .collect();
    g.bench_function("batch on every core, 200 submissions", |b| {
        b.iter(|| {
            let mut n = 0;
            grade_batch(&grader, &files, None, 0, &|| {}, &mut |r| {
                black_box(r);
                n += 1;
                Ok(())
            })
            .expect("graded");
            assert_eq!(n, N);
        })
    });
    g.finish();
}

criterion_group!(benches, grading);
criterion_main!(benches);
