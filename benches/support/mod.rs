//! What the step benchmark (benches/steps.rs) and the profiling loop
//! (examples/profile_steps.rs) share: the seed derivation cut into steps,
//! and a walk over a program's steps with one symbolic session a chain.

use derivcheck::resolve::Program;
use derivcheck::symbolic::normalize::Budget;
use derivcheck::symbolic::Session;
use derivcheck::verdict::Problem;

/// A file's declarations (everything before its chain, claims commented
/// out) and the text of each step's two expressions.
pub fn split_seed(text: &str) -> (String, Vec<(String, String)>) {
    let start = text.find("derivation").expect("a derivation");
    let decls = text[..start].replace("claim ", "# claim ");
    let exprs: Vec<String> = text[start..]
        .lines()
        .skip(1)
        .map(|l| l.split(" by ").next().unwrap_or("").trim())
        .filter(|l| !l.is_empty())
        .map(|l| l.trim_start_matches('=').trim().to_string())
        .collect();
    let steps = exprs
        .windows(2)
        .map(|w| (w[0].clone(), w[1].clone()))
        .collect();
    (decls, steps)
}

/// Run `f` on every step of every chain of `prog`, with the chain's
/// symbolic session (one a chain, as `derivcheck check` has).
pub fn for_each_problem(prog: &Program, mut f: impl for<'p> FnMut(&mut Session<'p>, &Problem<'p>)) {
    for chain in &prog.chains {
        let mut session = Session::new(prog, Budget::default());
        let mut lhs = &chain.start.term;
        for step in &chain.steps {
            let problem = Problem {
                program: prog,
                lhs,
                rhs: &step.expr.term,
                relation: step.relation,
                seed: 1,
            };
            f(&mut session, &problem);
            lhs = &step.expr.term;
        }
    }
}

/// The first step of a program of one chain (a step read on its own).
pub fn first_problem(prog: &Program) -> Problem<'_> {
    let chain = &prog.chains[0];
    Problem {
        program: prog,
        lhs: &chain.start.term,
        rhs: &chain.steps[0].expr.term,
        relation: chain.steps[0].relation,
        seed: 1,
    }
}
