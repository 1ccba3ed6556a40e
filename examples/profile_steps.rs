//! A steady loop over the seed derivation's steps, for profilers: the
//! declarations are read once, then each step is parsed from its two
//! expressions' text, resolved and proved (as the like-for-like benchmark
//! in benches/steps.rs does).
//!
//! ```text
//! cargo build --release --example profile_steps
//! valgrind --tool=callgrind target/release/examples/profile_steps all 2000
//! ```
//!
//! The first argument stops early: `parse` only parses, `resolve` parses
//! and resolves, anything else also proves; `file` instead reads the whole
//! file and proves its steps (as `derivcheck check` does). The second is
//! the number of rounds over the five steps.

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use derivcheck::resolve::{resolve_text, Declarations};
use derivcheck::symbolic::normalize::Budget;
use derivcheck::symbolic::prove;
use derivcheck::syntax::parser::parse_file;
use std::hint::black_box;

#[path = "../benches/support/mod.rs"]
mod support;

use support::{first_problem, for_each_problem, split_seed};

fn main() {
    let seed = std::fs::read_to_string("derivations/policy_gradient.deriv")
        .expect("run from the repository root");
    let (decls_text, steps) = split_seed(&seed);
    let mut decls = Declarations::new();
    decls.add(&parse_file(&decls_text).items);
    let mode = std::env::args().nth(1).unwrap_or_default();
    let rounds: usize = std::env::args()
        .nth(2)
        .and_then(|s| s.parse().ok())
        .unwrap_or(2000);
    let mut proved = 0;
    if mode == "file" {
        for _ in 0..rounds {
            let (prog, _) = resolve_text(black_box(&seed));
            for_each_problem(&prog, |session, p| {
                proved += usize::from(session.prove(p).is_proved());
            });
        }
        assert_eq!(proved, rounds * steps.len(), "every step proved");
        return;
    }
    for _ in 0..rounds {
        for (lhs, rhs) in &steps {
            let text = format!("{lhs}\n= {rhs}\n");
            let items = parse_file(black_box(&text)).items;
            if mode == "parse" {
                black_box(items);
                continue;
            }
            decls.scoped(&items, |prog| {
                if mode == "resolve" {
                    black_box(prog);
                    return;
                }
                proved += usize::from(prove(&first_problem(prog), Budget::default()).is_proved());
            });
        }
    }
    if mode != "parse" && mode != "resolve" {
        assert_eq!(proved, rounds * steps.len(), "every step proved");
    }
}
