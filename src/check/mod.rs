//! Stage 4 of the pipeline: a file's chains through the engines.
//!
//! In: a file's text and the options. Out: a [`FileResult`]: the
//! diagnostics for unusable input, and for every chain each step's
//! [`Verdict`] and whether its claim is met. Every verdict comes from an
//! engine behind [`Engine::decide`]: the engines are asked in order and the
//! first decision wins; when none decides the step is `unknown` with their
//! reasons.
//!
//! The engines are listed once ([`engines_within`], within
//! [`EngineLimits`]), and the steps of a chain go through them in one loop,
//! [`decide_chain`], which grading uses too.

pub mod files;
pub mod form;
pub mod mistakes;
pub mod prelude;

pub use files::{check_paths, check_paths_with, collect_files, read_bounded, Checked};
pub use prelude::Prelude;

use crate::diagnostic::Diagnostic;
use crate::latex::InputFormat;
use crate::montecarlo::MonteCarloEngine;
use crate::numeric::instance::Limits;
use crate::numeric::NumericEngine;
use crate::resolve::{resolve, Program, ResolvedChain, Term};
use crate::symbolic::normalize::Budget;
use crate::symbolic::SymbolicEngine;
use crate::syntax::ast::{Item, ItemKind, Relation};
use crate::syntax::print::print_expr;
use crate::syntax::{Source, Span};
pub use crate::verdict::mix_seed;
use crate::verdict::{
    ChainSession, Counterexample, Decision, Engine, EngineReason, Problem, Reason, Verdict,
};

/// What to run.
#[derive(Clone, Debug)]
pub struct Options {
    /// Every random choice follows from it.
    pub seed: u64,
    /// Numeric instances per step.
    pub trials: usize,
    /// Monte Carlo samples per `≈` step.
    pub samples: usize,
    /// Use the symbolic engine.
    pub symbolic: bool,
    /// Use the numeric engine.
    pub numeric: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            seed: 1,
            trials: 24,
            samples: 4000,
            symbolic: true,
            numeric: true,
        }
    }
}

/// The work bounds of the engines: their own defaults for `check`, and
/// tighter ones for untrusted submissions (`grade::Bounds`).
#[derive(Clone, Copy, Debug)]
pub struct EngineLimits {
    /// The symbolic engine's bound on one step.
    pub symbolic: Budget,
    /// The numeric engine's (and the Monte Carlo engine's) bound on one
    /// side of a step on one instance.
    pub numeric: Limits,
    /// The Monte Carlo engine's bound on all replicates of one instance.
    pub monte_carlo_ops: u64,
}

impl Default for EngineLimits {
    fn default() -> Self {
        EngineLimits {
            symbolic: SymbolicEngine::default().budget,
            numeric: NumericEngine::default().limits,
            monte_carlo_ops: MonteCarloEngine::default().max_total_ops,
        }
    }
}

/// The one list of engines: those the options ask for, within `limits`,
/// in the order they are asked (`check` and `grade` alike).
pub fn engines_within(opts: &Options, limits: &EngineLimits) -> Vec<Box<dyn Engine>> {
    let mut list: Vec<Box<dyn Engine>> = Vec::new();
    if opts.symbolic {
        list.push(Box::new(SymbolicEngine {
            budget: limits.symbolic,
        }));
    }
    if opts.numeric {
        list.push(Box::new(NumericEngine {
            trials: opts.trials.max(1),
            limits: limits.numeric,
        }));
        list.push(Box::new(MonteCarloEngine {
            replicates: opts.samples.max(2),
            limits: limits.numeric,
            max_total_ops: limits.monte_carlo_ops,
            ..MonteCarloEngine::default()
        }));
    }
    list
}

/// The engines the options ask for, within the engines' own bounds.
pub fn engines(opts: &Options) -> Vec<Box<dyn Engine>> {
    engines_within(opts, &EngineLimits::default())
}

/// The verdict of one step.
#[derive(Clone, Debug)]
pub struct StepResult {
    /// 1-based line of the step's expression.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// The step's relation.
    pub relation: Relation,
    /// The verdict.
    pub verdict: Verdict,
    /// The engine that decided, if any.
    pub engine: Option<&'static str>,
    /// The text after `by`.
    pub justification: Option<String>,
    /// The new expression's span.
    pub span: Span,
    /// The previous expression's span.
    pub previous: Span,
}

/// Whether a chain meets its claim.
#[derive(Clone, Debug, PartialEq)]
pub enum ClaimStatus {
    /// Met.
    Met,
    /// Not met, and why.
    NotMet(String),
}

/// The verdicts of one chain.
#[derive(Clone, Debug)]
pub struct ChainResult {
    /// `derivation "name"`.
    pub name: Option<String>,
    /// 1-based line where the chain starts.
    pub line: usize,
    /// Every step valid and the claim (if any) met.
    pub valid: bool,
    /// The claim's status; `None` without a claim.
    pub claim: Option<ClaimStatus>,
    /// The steps.
    pub steps: Vec<StepResult>,
}

/// A claim that no chain of the file proves (SPEC §4: a claim not met
/// makes the exit status 1): a named claim no `derivation … proves NAME`
/// names, or an unnamed one with no chain after it.
#[derive(Clone, Debug, PartialEq)]
pub struct UnprovedClaim {
    /// `claim name: …`.
    pub name: Option<String>,
    /// The claim as written, in canonical notation: `lhs = rhs`.
    pub statement: String,
    /// The file it is written in: this one, or the `--with` file.
    pub file: String,
    /// 1-based line in that file.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// Why it is not met.
    pub reason: String,
}

/// Everything known about one file.
#[derive(Clone, Debug)]
pub struct FileResult {
    /// The file.
    pub source: Source,
    /// Unusable input: parse and declaration errors.
    pub errors: Vec<Diagnostic>,
    /// The chains that could be checked.
    pub chains: Vec<ChainResult>,
    /// The claims no chain proves.
    pub unproved: Vec<UnprovedClaim>,
}

impl FileResult {
    /// A file that could not be read.
    pub fn unreadable(path: &str, message: String) -> Self {
        FileResult {
            source: Source::new(path, ""),
            errors: vec![Diagnostic::error(Span::default(), message, None)],
            chains: vec![],
            unproved: vec![],
        }
    }

    /// Whether every chain is valid, every claim proved by one, and there
    /// are no errors.
    pub fn all_valid(&self) -> bool {
        self.errors.is_empty() && self.unproved.is_empty() && self.chains.iter().all(|c| c.valid)
    }
}

/// Parse, resolve and check one file's text. The format (`.deriv`,
/// `.tex`, `.md`) follows the path's extension.
pub fn check_text(path: &str, text: &str, opts: &Options) -> FileResult {
    check_text_with(path, text, None, opts)
}

/// Like [`check_text`], with declarations from another file put before the
/// file's own. Problems in that other file are not repeated here: they
/// are [`Prelude::report`]'s, under its own name.
pub fn check_text_with(
    path: &str,
    text: &str,
    prelude: Option<&Prelude>,
    opts: &Options,
) -> FileResult {
    let format = InputFormat::from_path(std::path::Path::new(path));
    check_text_as(path, text, format, prelude, opts, &|| false)
}

/// Like [`check_text_with`], for a text whose format is given rather than
/// read from its name (an editor's buffer has a language, and perhaps no
/// file name), asking `stop` before each step: once it says yes, the
/// steps left are not decided, and are `unknown` ("not checked: the check
/// was stopped"). A front end whose text changed meanwhile (the language
/// server, as the user types) stops a check whose result it will drop.
pub fn check_text_as(
    name: &str,
    text: &str,
    format: InputFormat,
    prelude: Option<&Prelude>,
    opts: &Options,
    stop: &dyn Fn() -> bool,
) -> FileResult {
    let source = Source::new(name, text);
    let known: Vec<String> = prelude.map_or_else(Vec::new, Prelude::param_names);
    let parsed = crate::syntax::parser::with_known_params(&known, || format.read(text));
    let mut errors: Vec<Diagnostic> = parsed
        .errors
        .iter()
        .map(|e| Diagnostic::from_syntax(e, &source))
        .collect();
    // The prelude's spans go past the end of this file, so its problems
    // can be told apart from this file's.
    let offset = text.len() + 1;
    let mut items: Vec<Item> = prelude.map_or_else(Vec::new, |p| p.items_from(offset));
    // Declarations copied from the prelude word for word are the
    // prelude's, as in grading; a different one is still an error.
    items.extend(match prelude {
        Some(p) => p.without_repeats(parsed.items),
        None => parsed.items,
    });
    let program = resolve(&items);
    errors.extend(
        program
            .errors
            .iter()
            .filter(|e| e.span.start < offset)
            .map(Diagnostic::from_resolve),
    );
    errors.sort_by_key(|d| d.span.start);
    limit_errors(&mut errors);
    let engines = engines(opts);
    let chains = program
        .chains
        .iter()
        .enumerate()
        .map(|(k, c)| check_chain(&program, c, k, &source, &engines, opts, stop))
        .collect();
    let place = |span: Span| match prelude.filter(|_| span.start >= offset) {
        Some(p) => {
            let (line, column) = p.source.line_col(span.start - offset);
            (p.source.name.clone(), line, column)
        }
        None => {
            let (line, column) = source.line_col(span.start);
            (source.name.clone(), line, column)
        }
    };
    let unproved = unproved_claims(&program, &items, !errors.is_empty(), place);
    FileResult {
        source,
        errors,
        chains,
        unproved,
    }
}

/// The claims of `program` that no chain proves, each placed by `place`
/// (file, line, column of a span). `broken`: some chain could not be
/// checked, so perhaps it was the one meant to prove it.
fn unproved_claims(
    program: &Program,
    items: &[Item],
    broken: bool,
    place: impl Fn(Span) -> (String, usize, usize),
) -> Vec<UnprovedClaim> {
    let proved: std::collections::HashSet<usize> =
        program.chains.iter().filter_map(|c| c.claim).collect();
    program
        .claims
        .iter()
        .enumerate()
        .filter(|(k, _)| !proved.contains(k))
        .map(|(_, claim)| {
            let statement = items
                .iter()
                .find_map(|i| match &i.kind {
                    ItemKind::Claim(_, l, r, rhs) if i.span == claim.span => Some(format!(
                        "{} {} {}",
                        print_expr(l),
                        r.symbol(),
                        print_expr(rhs)
                    )),
                    _ => None,
                })
                .unwrap_or_default();
            let which = if broken {
                "no chain that could be checked"
            } else {
                "no chain"
            };
            let reason = match &claim.name {
                Some(n) => format!(
                    "{which} proves it (`derivation \"…\" proves {n}` names the chain that does)"
                ),
                None => format!("{which} follows it (an unnamed claim belongs to the next chain)"),
            };
            let (file, line, column) = place(claim.span);
            UnprovedClaim {
                name: claim.name.clone(),
                statement,
                file,
                line,
                column,
                reason,
            }
        })
        .collect()
}

/// Most diagnostics reported for one file; past it, one more says how
/// many were left out. A file of a hundred thousand broken lines is then
/// reported in a moment, not rendered line by line. Default: 100.
pub const MAX_ERRORS_PER_FILE: usize = 100;

/// Keep the first [`MAX_ERRORS_PER_FILE`] diagnostics and say how many more
/// there were.
pub fn limit_errors(errors: &mut Vec<Diagnostic>) {
    if errors.len() <= MAX_ERRORS_PER_FILE {
        return;
    }
    let more = errors.len() - MAX_ERRORS_PER_FILE;
    errors.truncate(MAX_ERRORS_PER_FILE);
    let at = errors.last().map_or(Span::default(), |d| d.span);
    errors.push(Diagnostic::error(
        at,
        format!("{more} more errors in this file are not shown"),
        Some("fix the ones above and check again".into()),
    ));
}

/// Decide one step with the engines, in order.
pub fn decide(engines: &[Box<dyn Engine>], problem: &Problem) -> (Verdict, Option<&'static str>) {
    ChainDecider::new(engines, problem.program).decide(problem)
}

/// The engines for the steps of one chain, in order, each with its
/// session when it keeps one (the symbolic engine keeps the normal form of
/// every expression it has seen, so each is computed once).
pub struct ChainDecider<'e, 'p> {
    engines: &'e [Box<dyn Engine>],
    sessions: Vec<Option<Box<dyn ChainSession<'p> + 'p>>>,
}

impl<'e, 'p> ChainDecider<'e, 'p> {
    /// Sessions of `engines` for a chain of `program`.
    pub fn new(engines: &'e [Box<dyn Engine>], program: &'p Program) -> Self {
        let sessions = engines.iter().map(|e| e.session(program)).collect();
        ChainDecider { engines, sessions }
    }

    /// Decide the next step: the first engine that decides, or `unknown`
    /// with every engine's reason. A refutation is then given the known
    /// mistake that explains it, if one does ([`mistakes::diagnose`]); that
    /// never changes the verdict, and a valid step costs nothing more.
    pub fn decide(&mut self, problem: &Problem<'p>) -> (Verdict, Option<&'static str>) {
        let (mut verdict, engine) = self.decide_by_engines(problem);
        if let Verdict::Refuted { mistake, .. } = &mut verdict {
            *mistake = mistakes::diagnose(self.engines, problem);
        }
        (verdict, engine)
    }

    fn decide_by_engines(&mut self, problem: &Problem<'p>) -> (Verdict, Option<&'static str>) {
        let mut reasons = Vec::new();
        for (k, e) in self.engines.iter().enumerate() {
            let decision = match &mut self.sessions[k] {
                Some(s) => s.decide(problem),
                None => e.decide(problem),
            };
            match decision {
                Decision::Decided(Verdict::Refuted {
                    counterexample,
                    reason,
                    ..
                }) if *counterexample == Counterexample::default() => {
                    // A refutation without an instance (the symbolic
                    // engine's): a later engine that refutes too shows one.
                    let shown = self.engines[k + 1..].iter().find_map(|later| {
                        match later.decide(problem) {
                            Decision::Decided(Verdict::Refuted {
                                counterexample,
                                reason: why,
                                ..
                            }) => Some((counterexample, why)),
                            _ => None,
                        }
                    });
                    let verdict = match shown {
                        Some((counterexample, why)) => Verdict::Refuted {
                            counterexample,
                            reason: format!("{reason}; {why}"),
                            mistake: None,
                        },
                        None => Verdict::Refuted {
                            counterexample,
                            reason,
                            mistake: None,
                        },
                    };
                    return (verdict, Some(e.name()));
                }
                Decision::Decided(v) => return (v, Some(e.name())),
                Decision::Undecided(reason) => reasons.push(EngineReason {
                    engine: e.name().to_string(),
                    reason,
                }),
                Decision::NotApplicable => {}
            }
        }
        let reason = if reasons.is_empty() {
            Reason::NoEngine
        } else {
            Reason::Engines(reasons)
        };
        (Verdict::Unknown { reason }, None)
    }
}

/// The verdict of one step and the engine that decided it, if one did.
pub type Decided = (Verdict, Option<&'static str>);

/// The one step loop of `check` and `grade`: decide the steps of one
/// chain of `program` in order (each `(lhs, rhs, relation)`), the `k`th
/// (from 0) with the seed `seed(k)`, sharing the engines' sessions from
/// step to step. Before each step `stop` is asked: once it gives a reason
/// (the check was stopped, the time is up), that step and those after it
/// are `unknown` with it.
pub fn decide_chain<'p>(
    engines: &[Box<dyn Engine>],
    program: &'p Program,
    steps: impl IntoIterator<Item = (&'p Term, &'p Term, Relation)>,
    seed: impl Fn(usize) -> u64,
    stop: &dyn Fn() -> Option<Reason>,
) -> Vec<Decided> {
    let mut decider = ChainDecider::new(engines, program);
    let mut stopped: Option<Reason> = None;
    let mut out = Vec::new();
    for (k, (lhs, rhs, relation)) in steps.into_iter().enumerate() {
        if stopped.is_none() {
            stopped = stop();
        }
        if let Some(reason) = &stopped {
            out.push((
                Verdict::Unknown {
                    reason: reason.clone(),
                },
                None,
            ));
            continue;
        }
        let problem = Problem {
            program,
            lhs,
            rhs,
            relation,
            seed: seed(k),
        };
        out.push(decider.decide(&problem));
    }
    out
}

fn check_chain(
    program: &Program,
    chain: &ResolvedChain,
    index: usize,
    source: &Source,
    engines: &[Box<dyn Engine>],
    opts: &Options,
    stop: &dyn Fn() -> bool,
) -> ChainResult {
    let mut steps = Vec::new();
    let lefts = std::iter::once(&chain.start).chain(chain.steps.iter().map(|s| &s.expr));
    let decided = decide_chain(
        engines,
        program,
        lefts
            .zip(&chain.steps)
            .map(|(prev, step)| (&prev.term, &step.expr.term, step.relation)),
        |k| mix_seed(opts.seed, index as u64, k as u64),
        &|| stop().then_some(Reason::Stopped),
    );
    let mut prev = &chain.start;
    for (step, (verdict, engine)) in chain.steps.iter().zip(decided) {
        let (line, column) = source.line_col(step.expr.span.start);
        steps.push(StepResult {
            line,
            column,
            relation: step.relation,
            verdict,
            engine,
            justification: step.justification.clone(),
            span: step.expr.span,
            previous: prev.span,
        });
        prev = &step.expr;
    }
    let all_valid = steps.iter().all(|s| s.verdict.is_valid());
    let claim = claim_status(program, chain, &steps, all_valid);
    let valid = all_valid && !matches!(claim, Some(ClaimStatus::NotMet(_)));
    ChainResult {
        name: chain.name.clone(),
        line: source.line_col(chain.span.start).0,
        valid,
        claim,
        steps,
    }
}

/// The relation a whole chain of steps establishes between its ends, if
/// any: `=` steps keep the relation of the others; `≤` with `≥`, or two
/// `≈`, establish nothing.
pub fn chain_relation(relations: impl IntoIterator<Item = Relation>) -> Option<Relation> {
    let mut r = Relation::Eq;
    for s in relations {
        r = match (r, s) {
            (x, Relation::Eq) => x,
            (Relation::Eq, y) => y,
            (x, y) if x == y && x != Relation::Approx => x,
            _ => return None,
        };
    }
    Some(r)
}

/// Whether a chain of `steps` steps establishing `chain` (see
/// [`chain_relation`]) proves a claim with relation `claim`: an equality
/// proves every relation but `≈` (which needs an estimator step).
pub fn establishes(chain: Option<Relation>, claim: Relation, steps: usize) -> bool {
    match (chain, claim) {
        (Some(Relation::Eq), _) => claim != Relation::Approx || steps == 0,
        (Some(r), c) => r == c,
        (None, _) => false,
    }
}

fn claim_status(
    program: &Program,
    chain: &ResolvedChain,
    steps: &[StepResult],
    all_valid: bool,
) -> Option<ClaimStatus> {
    if let Some(name) = &chain.missing_claim {
        return Some(ClaimStatus::NotMet(format!(
            "there is no claim named `{name}`"
        )));
    }
    let claim = &program.claims[chain.claim?];
    let last = chain.steps.last().map_or(&chain.start, |s| &s.expr);
    if !form::same_form(program, &chain.start.term, &claim.lhs.term) {
        return Some(ClaimStatus::NotMet(
            "the chain does not start with the claim's left side".into(),
        ));
    }
    if !form::same_form(program, &last.term, &claim.rhs.term) {
        return Some(ClaimStatus::NotMet(
            "the chain does not end with the claim's right side".into(),
        ));
    }
    if !all_valid {
        return Some(ClaimStatus::NotMet(
            "a step of the chain is not valid".into(),
        ));
    }
    let established = chain_relation(steps.iter().map(|s| s.relation));
    if !establishes(established, claim.relation, steps.len()) {
        return Some(ClaimStatus::NotMet(format!(
            "the chain's steps do not establish `{}`",
            claim.relation.symbol()
        )));
    }
    Some(ClaimStatus::Met)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEED: &str = "param θ\nset T\nvar τ in T\nfun R(τ)\nfun Pr_θ(τ) : dist τ\n\
        def J(θ) = Σ_τ Pr_θ(τ) R(τ)\n\
        claim ∇_θ J(θ) = E_{τ~Pr_θ}[∇_θ log Pr_θ(τ) R(τ)]\n\n\
        derivation \"policy gradient\"\n\
            ∇_θ J(θ)\n\
          = ∇_θ Σ_τ Pr_θ(τ) R(τ)                        by definition of J\n\
          = Σ_τ ∇_θ Pr_θ(τ) R(τ)                        by linearity of the gradient\n\
          = Σ_τ Pr_θ(τ) (∇_θ Pr_θ(τ) / Pr_θ(τ)) R(τ)    by multiplying and dividing by Pr_θ(τ)\n\
          = Σ_τ Pr_θ(τ) ∇_θ log Pr_θ(τ) R(τ)            by the log-derivative trick\n\
          = E_{τ~Pr_θ}[∇_θ log Pr_θ(τ) R(τ)]            by definition of expectation\n";

    #[test]
    fn seed_derivation_is_valid_and_meets_its_claim() {
        let r = check_text("seed.deriv", SEED, &Options::default());
        assert!(r.errors.is_empty(), "{:?}", r.errors);
        assert_eq!(r.chains.len(), 1);
        let c = &r.chains[0];
        assert_eq!(c.steps.len(), 5);
        assert!(
            c.steps.iter().all(|s| s.verdict.is_valid()),
            "{:?}",
            c.steps
        );
        assert_eq!(c.claim, Some(ClaimStatus::Met));
        assert!(c.valid);
        assert_eq!(c.steps[0].line, 11);
    }

    #[test]
    fn a_wrong_last_step_fails_the_claim() {
        let text = SEED.replace(
            "= E_{τ~Pr_θ}[∇_θ log Pr_θ(τ) R(τ)]",
            "= Σ_τ ∇_θ log Pr_θ(τ) R(τ)",
        );
        let r = check_text("seed.deriv", &text, &Options::default());
        let c = &r.chains[0];
        assert!(matches!(c.steps[4].verdict, Verdict::Refuted { .. }));
        assert!(matches!(c.claim, Some(ClaimStatus::NotMet(_))));
        assert!(!c.valid);
    }

    #[test]
    fn claims_no_chain_proves_are_not_met() {
        let text = "const c\nclaim main: c = 0 + c\nclaim c + 1 = 1 + c\nclaim c = c + 0\n\nc\n= c + 0\n\nclaim 2 c = c + c\n";
        let r = check_text("claims.deriv", text, &Options::default());
        assert!(r.errors.is_empty(), "{:?}", r.errors);
        // `c = c + 0` belongs to the chain after it; the earlier unnamed claim
        // is left without one, like the named one and the last.
        assert_eq!(r.chains[0].claim, Some(ClaimStatus::Met));
        let unproved: Vec<(Option<&str>, &str, usize)> = r
            .unproved
            .iter()
            .map(|u| (u.name.as_deref(), u.statement.as_str(), u.line))
            .collect();
        assert_eq!(
            unproved,
            [
                (Some("main"), "c = 0 + c", 2),
                (None, "c + 1 = 1 + c", 3),
                (None, "2 · c = c + c", 9)
            ]
        );
        assert!(
            r.unproved[0].reason.contains("proves main"),
            "{:?}",
            r.unproved
        );
        assert!(!r.all_valid());
        assert_eq!(crate::report::exit_code(&[r]), 1);
        let proved = "const c\nclaim main: c = c\n\nderivation proves main\nc\n= c\n";
        let r = check_text("proved.deriv", proved, &Options::default());
        assert!(r.unproved.is_empty() && r.all_valid(), "{:?}", r.unproved);
    }

    #[test]
    fn a_claim_of_the_prelude_is_placed_in_its_file() {
        let prelude = Prelude::from_text("decls.deriv", "const c\n\nclaim main: c = c\n");
        let r = check_text_with(
            "notes.md",
            "No math here.\n",
            Some(&prelude),
            &Options::default(),
        );
        assert_eq!(r.unproved.len(), 1, "{:?}", r.unproved);
        let u = &r.unproved[0];
        assert_eq!((u.file.as_str(), u.line, u.column), ("decls.deriv", 3, 1));
    }

    #[test]
    fn declarations_repeated_from_the_prelude_are_the_preludes() {
        let decls = "param θ\nset T\nvar τ in T\nfun R(τ)\nfun Pr_θ(τ) : dist τ\n\
            def J(θ) = Σ_τ Pr_θ(τ) R(τ)\nclaim main: J(θ) = Σ_τ Pr_θ(τ) R(τ)\n";
        let prelude = Prelude::from_text("decls.deriv", decls);
        let copied = "%! param θ\n%! set T\n%! var τ in T\n%! fun R(τ)\n%! fun Pr_θ(τ) : dist τ\n\
            %! def J(θ) = Σ_τ Pr_θ(τ) R(τ)\n%! claim main: J(θ) = Σ_τ Pr_θ(τ) R(τ)\n\
            %! derivation \"d\" proves main\n$$ J(\\theta) = \\sum_\\tau \\Pr_\\theta(\\tau) R(\\tau) $$\n";
        let r = check_text_with("copy.tex", copied, Some(&prelude), &Options::default());
        assert!(r.errors.is_empty(), "{:?}", r.errors);
        assert!(r.unproved.is_empty(), "{:?}", r.unproved);
        assert_eq!(r.chains[0].claim, Some(ClaimStatus::Met));
        let md = "```deriv\nparam θ\nset T\n```\n\n$$ θ = θ $$\n";
        let r = check_text_with("copy.md", md, Some(&prelude), &Options::default());
        assert!(r.errors.is_empty(), "{:?}", r.errors);
        // A declaration that differs is still a second one.
        for conflict in [
            "%! fun R(τ) : positive\n",
            "%! const T\n",
            "%! claim main: J(θ) = 0\n",
        ] {
            let r = check_text_with("own.tex", conflict, Some(&prelude), &Options::default());
            assert!(
                r.errors.iter().any(|e| e.message.contains("twice")),
                "{conflict}: {:?}",
                r.errors
            );
        }
    }

    #[test]
    fn a_stopped_check_leaves_the_steps_after_it_unknown() {
        let asked = std::cell::Cell::new(0);
        let stop = || {
            asked.set(asked.get() + 1);
            asked.get() > 2
        };
        let r = check_text_as(
            "buffer",
            SEED,
            InputFormat::Deriv,
            None,
            &Options::default(),
            &stop,
        );
        let verdicts: Vec<&str> = r.chains[0].steps.iter().map(|s| s.verdict.name()).collect();
        assert_eq!(
            verdicts,
            ["proved", "proved", "unknown", "unknown", "unknown"]
        );
        assert!(r.chains[0].steps[2].verdict.detail().contains("stopped"));
    }

    #[test]
    fn an_unknown_step_keeps_each_engines_reason_with_the_last_ones_code() {
        let text = "set T\nvar τ in T\nfun f(τ) : positive\n\nlog f(τ)\n= f(τ) - 1\n";
        let opts = Options {
            numeric: false,
            ..Options::default()
        };
        let r = check_text("differ.deriv", text, &opts);
        let reason = r.chains[0].steps[0].verdict.reason().expect("unknown");
        assert_eq!(reason.code(), "inconclusive", "{reason:?}");
        assert_eq!(reason.to_string(), "symbolic: the normal forms differ");
        let off = Options {
            numeric: false,
            symbolic: false,
            ..Options::default()
        };
        let r = check_text("differ.deriv", text, &off);
        let reason = r.chains[0].steps[0].verdict.reason().expect("unknown");
        assert_eq!(reason, &Reason::NoEngine);
    }

    #[test]
    fn grading_and_checking_share_one_list_of_engines() {
        let names = |list: Vec<Box<dyn Engine>>| -> Vec<&'static str> {
            list.iter().map(|e| e.name()).collect()
        };
        let opts = Options::default();
        let graded = crate::grade::engines(&crate::grade::GradeOptions::default());
        assert_eq!(names(engines(&opts)), names(graded));
        assert_eq!(
            names(engines(&opts)),
            ["symbolic", "numeric", "Monte Carlo"]
        );
    }

    #[test]
    fn without_engines_every_step_is_unknown() {
        let opts = Options {
            numeric: false,
            symbolic: false,
            ..Options::default()
        };
        let r = check_text("seed.deriv", SEED, &opts);
        assert!(r.chains[0]
            .steps
            .iter()
            .all(|s| matches!(s.verdict, Verdict::Unknown { .. })));
    }
}

#[cfg(test)]
mod proptests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        /// Whatever the text, checking it ends with verdicts or errors,
        /// never a panic or a hang.
        #[test]
        fn checking_token_soup_never_panics(
            tokens in prop::collection::vec(prop::sample::select(vec![
                "param θ\n", "set T\n", "var τ in T\n", "fun R(τ)\n", "fun Pr_θ(τ) : dist τ\n",
                "fun f(τ) : positive\n", "const N : count\n", "sample τ_i ~ Pr_θ for i = 1..N\n",
                "mdp states S actions A horizon H\n", "def J(θ) = Σ_τ Pr_θ(τ) R(τ)\n", "\n",
                "∇_θ", " J(θ)", " Σ_τ", " Pr_θ(τ)", " R(τ)", " log", " exp", " f(τ)", " (", " )",
                " E_{τ~Pr_θ}[", " ]", " /", " +", " -", " ^", " 2", " 0", " = ", " ≈ ", " ≥ ", " ∝ ",
                "\n= ", "\n≈ ", " τ_i", " Σ_{i=1}^{N}", " Σ_{t=0}^{H-1}", " π_θ(a_t | s_t)",
                " sqrt", " |", " 1e9", " x",
            ]), 0..40)
        ) {
            let text: String = tokens.concat();
            let opts = Options { trials: 2, samples: 20, ..Options::default() };
            let r = check_text("soup.deriv", &text, &opts);
            for c in &r.chains {
                prop_assert!(c.steps.len() < 1000);
            }
        }
    }
}
