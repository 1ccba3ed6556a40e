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
use derivcheck::symbolic::{prove, Session};
use derivcheck::syntax::ast::Relation;
use derivcheck::syntax::parser::parse_file;
use derivcheck::verdict::Problem;
use std::hint::black_box;

fn main() {
    let seed = std::fs::read_to_string("derivations/policy_gradient.deriv")
        .expect("run from the repository root");
    let start = seed.find("derivation").expect("a derivation");
    let decls_text = seed[..start].replace("claim ", "# claim ");
    let exprs: Vec<String> = seed[start..]
        .lines()
        .skip(1)
        .map(|l| l.split(" by ").next().unwrap_or("").trim())
        .filter(|l| !l.is_empty())
        .map(|l| l.trim_start_matches('=').trim().to_string())
        .collect();
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
            for chain in &prog.chains {
                // One session a chain, as `derivcheck check` has.
                let mut session = Session::new(&prog, Budget::default());
                let mut lhs = &chain.start.term;
                for step in &chain.steps {
                    let p = Problem {
                        program: &prog,
                        lhs,
                        rhs: &step.expr.term,
                        relation: step.relation,
                        seed: 1,
                    };
                    proved += usize::from(session.prove(&p).is_ok());
                    lhs = &step.expr.term;
                }
            }
        }
        assert_eq!(proved, rounds * (exprs.len() - 1), "every step proved");
        return;
    }
    for _ in 0..rounds {
        for w in exprs.windows(2) {
            let text = format!("{}\n= {}\n", w[0], w[1]);
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
                let chain = &prog.chains[0];
                let p = Problem {
                    program: prog,
                    lhs: &chain.start.term,
                    rhs: &chain.steps[0].expr.term,
                    relation: Relation::Eq,
                    seed: 1,
                };
                proved += usize::from(prove(&p, Budget::default()).is_ok());
            });
        }
    }
    if mode != "parse" && mode != "resolve" {
        assert_eq!(proved, rounds * (exprs.len() - 1), "every step proved");
    }
}
