//! Write a generated class of submissions to the policy gradient
//! assignment into a folder, for the grading benchmark:
//!
//! ```text
//! cargo run --release --example make_class -- /tmp/class 10000
//! derivcheck grade derivations/assignments/policy_gradient/assignment.deriv /tmp/class --format csv
//! ```
//!
//! About 60 % of the submissions are valid, 30 % flawed, 10 % cannot be
//! parsed (see benches/class.rs); the same seed (third argument, default
//! 1) gives the same class.

#[path = "../benches/class.rs"]
mod class;

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let Some(dir) = args.get(1) else {
        eprintln!("usage: make_class DIR [COUNT] [SEED]");
        std::process::exit(2);
    };
    let count: u64 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(10_000);
    let seed: u64 = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(1);
    std::fs::create_dir_all(dir)?;
    for k in 0..count {
        let path = std::path::Path::new(dir).join(format!("student{k:05}.deriv"));
        std::fs::write(path, class::submission(seed, k))?;
    }
    println!("{count} submissions in {dir}");
    Ok(())
}
