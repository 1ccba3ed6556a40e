//! The symbolic engine: proofs by normal forms.
//!
//! In: a step (two resolved terms and a relation). Out: `proved` when the
//! difference of the two sides normalises to zero (for `≥`/`≤` to a number
//! of the right sign, for `∝` a ratio that is positive and depends on no
//! free variable but those after `|` on the left side), naming the rules
//! that fired, and the right side has a value wherever the left side has
//! one (its domain conditions are among the left side's: domains never
//! narrow); `refuted` when the difference normalises to a non-zero number
//! (for `≥`/`≤` a number of the wrong sign), which holds wherever both
//! sides have a value; otherwise undecided, and the next engine is asked.
//! Normal forms that differ otherwise are never a refutation: the engine
//! is sound, not complete. Its rules are listed in [`rules`].

pub mod assume;
#[cfg(test)]
mod integral_proptests;
pub mod normalize;
#[cfg(test)]
mod proptests;
pub mod q;
pub mod rules;
pub mod store;

use crate::resolve::{Program, Term};
use crate::syntax::ast::Relation;
use crate::verdict::{ChainSession, Decision, Engine, Problem, Reason, Verdict};
use foldhash::HashMap;
use normalize::{domain_contains, Budget, Condition, Normalizer};
use q::Q;
use rules::{Rule, Rules};
use store::{Atom, Poly};

/// What the symbolic engine concludes about a step.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    /// Proved, with the rules that closed it.
    Proved(Vec<Rule>),
    /// Refuted: the sides differ by a number (the reason says which).
    Refuted(String),
    /// Neither, with the reason.
    Declined(Reason),
}

impl Outcome {
    /// Whether the step was proved.
    pub fn is_proved(&self) -> bool {
        matches!(self, Outcome::Proved(_))
    }
}

impl From<Result<Vec<Rule>, Reason>> for Outcome {
    fn from(r: Result<Vec<Rule>, Reason>) -> Self {
        match r {
            Ok(rules) => Outcome::Proved(rules),
            Err(reason) => Outcome::Declined(reason),
        }
    }
}

type Form = (Poly, Rules, Vec<Condition>);

/// The symbolic engine.
#[derive(Clone, Debug, Default)]
pub struct SymbolicEngine {
    /// Bounds on one step's normalisation.
    pub budget: Budget,
}

/// The outcome of the symbolic engine on a step, with the rules that fired.
pub fn prove(problem: &Problem, budget: Budget) -> Outcome {
    let mut one = Session::new(problem.program, budget);
    // One step: nothing to keep for a next one.
    one.keep_forms = false;
    one.prove(problem)
}

/// A store over this many bytes is emptied (with the normal forms kept)
/// before the next step of a chain: a long chain of large expressions
/// does not hold on to memory without bound. Default: 64 MiB.
pub const MAX_SESSION_BYTES: usize = 64 << 20;

/// The symbolic engine over the steps of one chain: one store, and the
/// normal form of every expression already seen, keyed by the term's
/// address (a step's right side is the next step's left side, so each
/// expression is normalised once). Each expression's normal form, and then
/// the comparison of a step's two sides, gets a fresh operation budget, so
/// what a step's sides normalise to does not depend on the steps before.
pub struct Session<'p> {
    n: Option<Normalizer<'p>>,
    program: &'p Program,
    budget: Budget,
    forms: HashMap<usize, Result<Form, Reason>>,
    keep_forms: bool,
    max_bytes: usize,
}

impl<'p> Session<'p> {
    /// A session for a chain of `program`.
    pub fn new(program: &'p Program, budget: Budget) -> Self {
        Session {
            // Made on first use: a session that proves nothing allocates
            // no store.
            n: None,
            program,
            budget,
            forms: HashMap::default(),
            keep_forms: true,
            max_bytes: MAX_SESSION_BYTES,
        }
    }

    fn normalizer(&mut self) -> &mut Normalizer<'p> {
        let (program, budget) = (self.program, self.budget);
        self.n
            .get_or_insert_with(|| Normalizer::new(program, budget))
    }

    /// The normal form of a term of the chain, with the rules it needed
    /// and the conditions for it to have a value.
    fn form(&mut self, t: &'p Term) -> Result<Form, Reason> {
        let key = std::ptr::from_ref(t) as usize;
        if let Some(f) = self.forms.get(&key) {
            return f.clone();
        }
        let n = self.normalizer();
        n.start_afresh();
        let f = n
            .normalize(t)
            .map(|p| (p, n.rules, std::mem::take(&mut n.conditions)));
        if self.keep_forms {
            self.forms.insert(key, f.clone());
        }
        f
    }

    /// Decide a step whose terms belong to this session's program.
    pub fn prove(&mut self, problem: &Problem<'p>) -> Outcome {
        if self
            .n
            .as_ref()
            .is_some_and(|n| n.footprint() > self.max_bytes)
        {
            // Normal forms are ids in the store: both go together.
            self.n = None;
            self.forms.clear();
        }
        let (l, lrules, lconds) = match self.form(problem.lhs) {
            Ok(f) => f,
            Err(e) => return Outcome::Declined(e),
        };
        let (r, rrules, rconds) = match self.form(problem.rhs) {
            Ok(f) => f,
            Err(e) => return Outcome::Declined(e),
        };
        let program = self.program;
        let n = self.normalizer();
        n.start_afresh();
        n.rules = lrules.union(rrules);
        let cond = program.conditioning(problem.lhs);
        match decide(n, problem, problem.relation, l, r, &cond) {
            Outcome::Proved(_) if !domain_contains(&lconds, &rconds) => Outcome::Declined(
                Reason::Inconclusive("the right side may have no value where the left side has one (its log, square root, power or quotient is not the left side's)".into()),
            ),
            o => o,
        }
    }
}

impl<'p> ChainSession<'p> for Session<'p> {
    fn decide(&mut self, problem: &Problem<'p>) -> Decision {
        decision(problem.relation, || self.prove(problem))
    }
}

fn decision(relation: Relation, prove: impl FnOnce() -> Outcome) -> Decision {
    if relation == Relation::Approx {
        return Decision::NotApplicable;
    }
    match prove() {
        Outcome::Proved(rules) => Decision::Decided(Verdict::Proved { rules }),
        Outcome::Refuted(reason) => Decision::Decided(Verdict::Refuted {
            counterexample: Box::default(),
            reason,
            mistake: None,
        }),
        Outcome::Declined(reason) => Decision::Undecided(reason),
    }
}

/// A refutation by a difference `c` between the sides.
fn differ(c: &Q) -> Outcome {
    Outcome::Refuted(format!(
        "symbolic: the left side minus the right side is the number {c} (wherever both have a value)"
    ))
}

/// Compare the normal forms of a step's two sides.
fn decide(
    n: &mut Normalizer,
    problem: &Problem,
    relation: Relation,
    l: Poly,
    r: Poly,
    cond: &[crate::resolve::VarId],
) -> Outcome {
    match compare(n, problem, relation, l, r, cond) {
        Ok(o) => o,
        Err(reason) => Outcome::Declined(reason),
    }
}

fn compare(
    n: &mut Normalizer,
    problem: &Problem,
    relation: Relation,
    l: Poly,
    r: Poly,
    cond: &[crate::resolve::VarId],
) -> Result<Outcome, Reason> {
    let proved = |n: &Normalizer| Ok(Outcome::Proved(rules_used(n.rules)));
    match relation {
        Relation::Eq => {
            // Comparing the sides collects like terms by construction; only
            // what normalising each side needed is reported.
            let rules = n.rules;
            let d = n.sub(&l, &r)?;
            n.rules = rules;
            if let Some(c) = d.as_constant() {
                if !c.is_zero() {
                    return Ok(differ(&c));
                }
            }
            let difference = d.clone();
            let d = n.clear_denominators(d)?;
            if d.is_zero() {
                return proved(n);
            }
            // Splitting a first or last term off a range sum: two rounds.
            let mut frontier = vec![d];
            for _ in 0..2 {
                let mut next = Vec::new();
                for d in &frontier {
                    for candidate in n.range_splits(d)? {
                        if candidate.is_zero() {
                            return proved(n);
                        }
                        next.push(candidate);
                    }
                }
                next.truncate(16);
                frontier = next;
            }
            let program = problem.program;
            if !program.assumptions.is_empty() {
                let facts = assume::differences(n, program);
                let facts = assume::multiples(n, &difference, &facts);
                let used = assume::combination(&difference, &facts)
                    .filter(|_| assume::satisfiable(program, problem.seed));
                if used.is_some() {
                    n.rules.insert(Rule::Assumption);
                    return proved(n);
                }
            }
            Err(Reason::Inconclusive("the normal forms differ".into()))
        }
        Relation::Le | Relation::Ge => {
            let d = n.sub(&l, &r)?;
            match d.as_constant() {
                Some(c)
                    if (relation == Relation::Ge && !c.is_negative())
                        || (relation == Relation::Le && !c.is_positive()) =>
                {
                    n.rules.insert(Rule::ConstantComparison);
                    proved(n)
                }
                Some(c) => Ok(differ(&c)),
                _ => Err(Reason::Inconclusive(
                    "the difference is not a number of the right sign".into(),
                )),
            }
        }
        Relation::Propto => {
            if l.is_zero() && r.is_zero() {
                return proved(n);
            }
            match proportion(n, &l, &r)? {
                Some(ratio) if ratio_allowed(n, &ratio, cond) => {
                    n.rules.insert(Rule::ConstantComparison);
                    proved(n)
                }
                _ => Err(Reason::Inconclusive(
                    "the ratio is not shown to be positive and free of the varying variables"
                        .into(),
                )),
            }
        }
        Relation::Approx => Err(Reason::NotApplicable),
    }
}

/// The rules of a set, in report order.
fn rules_used(rules: Rules) -> Vec<Rule> {
    Rule::ALL
        .into_iter()
        .filter(|r| rules.contains(*r))
        .collect()
}

/// The scalar `c` with `l = c·r`, if the normal forms show one: `l / r`
/// for numbers; for gradient vectors, the ratio of the scalar factors of
/// each gradient atom, the same for every one.
fn proportion(n: &mut Normalizer, l: &Poly, r: &Poly) -> Result<Option<Poly>, Reason> {
    if !n.store.has_vector(l) && !n.store.has_vector(r) {
        let inv = n.pow_int(r, -1)?;
        return Ok(Some(n.mul(l, &inv)?));
    }
    // Split each side by its gradient atom: Σ_g a_g · V_g.
    let split = |n: &mut Normalizer, p: &Poly| -> Option<Vec<(store::AtomId, Poly)>> {
        let mut groups: Vec<(store::AtomId, Poly)> = Vec::new();
        for (m, c) in p.iter() {
            let factors = n.store.mono(*m).to_vec();
            let k = factors.iter().position(|(a, _)| n.store.info(*a).vector)?;
            if !factors[k].1.is_one() {
                return None;
            }
            let rest: Vec<_> = factors
                .iter()
                .enumerate()
                .filter(|(j, _)| *j != k)
                .map(|(_, f)| f.clone())
                .collect();
            let rm = n.store.intern_mono(&rest);
            let term = Poly::term(rm, c.clone());
            match groups.iter_mut().find(|(a, _)| *a == factors[k].0) {
                Some((_, acc)) => *acc = n.add(acc, &term).ok()?,
                None => groups.push((factors[k].0, term)),
            }
        }
        Some(groups)
    };
    let (Some(lg), Some(rg)) = (split(n, l), split(n, r)) else {
        return Ok(None);
    };
    if lg.len() != rg.len() || lg.is_empty() {
        return Ok(None);
    }
    let Some((_, b0)) = rg.iter().find(|(a, _)| *a == lg[0].0) else {
        return Ok(None);
    };
    let inv = n.pow_int(b0, -1)?;
    let c = n.mul(&lg[0].1, &inv)?;
    for (a, la) in &lg {
        let Some((_, rb)) = rg.iter().find(|(x, _)| x == a) else {
            return Ok(None);
        };
        let scaled = n.mul(&c, rb)?;
        let d = n.sub(la, &scaled)?;
        if !n.clear_denominators(d)?.is_zero() {
            return Ok(None);
        }
    }
    Ok(Some(c))
}

/// Whether a factor between the sides of `∝` is allowed: positive, and
/// depending on no free variable but the conditioning ones, and on no
/// sample draw.
fn ratio_allowed(n: &Normalizer, ratio: &Poly, cond: &[crate::resolve::VarId]) -> bool {
    if !(n.store.positive(ratio) || ratio.as_constant().is_some_and(|c| c.is_positive())) {
        return false;
    }
    let mut ok = true;
    let mut seen = std::collections::HashSet::new();
    let mut stack: Vec<store::AtomId> = ratio
        .iter()
        .flat_map(|(m, _)| n.store.mono(*m).iter().map(|(a, _)| *a))
        .collect();
    let push_poly = |p: store::PolyId, stack: &mut Vec<store::AtomId>| {
        for (m, _) in n.store.poly(p).iter() {
            stack.extend(n.store.mono(*m).iter().map(|(a, _)| *a));
        }
    };
    while let Some(a) = stack.pop() {
        if !seen.insert(a) {
            continue;
        }
        match n.store.atom(a) {
            Atom::Free(v) => ok &= cond.contains(v),
            Atom::Sample(..) => ok = false,
            Atom::Component(t, _, time) => {
                stack.push(*t);
                push_poly(*time, &mut stack);
            }
            Atom::Call(_, args) | Atom::VectorCall(_, args) => {
                args.iter().for_each(|x| push_poly(*x, &mut stack))
            }
            Atom::Inner(x, y) => stack.extend([*x, *y]),
            Atom::Grad(_, x) => stack.push(*x),
            Atom::Log(x) | Atom::Exp(x) | Atom::Abs(x) | Atom::Inv(x) => push_poly(*x, &mut stack),
            Atom::Pow(b, e) => {
                push_poly(*b, &mut stack);
                push_poly(*e, &mut stack);
            }
            Atom::Sum(d, body) | Atom::Prod(d, body) => {
                push_poly(*body, &mut stack);
                if let store::Dom::Range(lo, hi) = d {
                    push_poly(*lo, &mut stack);
                    push_poly(*hi, &mut stack);
                }
            }
            Atom::Card(store::Dom::Range(lo, hi)) => {
                push_poly(*lo, &mut stack);
                push_poly(*hi, &mut stack);
            }
            Atom::Param(_)
            | Atom::ParamVector(_)
            | Atom::Const(_)
            | Atom::Bound(_)
            | Atom::Card(_) => {}
        }
    }
    ok
}

impl Engine for SymbolicEngine {
    fn name(&self) -> &'static str {
        "symbolic"
    }

    fn decide(&self, problem: &Problem) -> Decision {
        decision(problem.relation, || prove(problem, self.budget))
    }

    fn session<'p>(&self, program: &'p Program) -> Option<Box<dyn ChainSession<'p> + 'p>> {
        Some(Box::new(Session::new(program, self.budget)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verdict::with_first_step;

    /// Whether the symbolic engine proves `lhs rel rhs` under `decls`.
    #[track_caller]
    fn proves(decls: &str, step: &str) -> Result<Vec<String>, String> {
        with_first_step(&format!("{decls}\n\n{step}\n"), 0, |p| {
            match prove(p, Budget::default()) {
                Outcome::Proved(rules) => Ok(rules.iter().map(|r| r.name().to_string()).collect()),
                Outcome::Refuted(r) => Err(r),
                Outcome::Declined(r) => Err(r.to_string()),
            }
        })
    }

    /// One-line cases: `proved!(name, decls, "a = b")` and
    /// `not_proved!(name, decls, "a = b")`.
    macro_rules! proved {
        ($name:ident, $decls:expr, $step:expr) => {
            #[test]
            fn $name() {
                let r = proves($decls, $step);
                assert!(r.is_ok(), "{}: {r:?}", $step);
            }
        };
    }

    macro_rules! not_proved {
        ($name:ident, $decls:expr, $step:expr) => {
            #[test]
            fn $name() {
                let r = proves($decls, $step);
                assert!(r.is_err(), "{} was proved: {r:?}", $step);
            }
        };
    }

    /// Every chain of every file in derivations/, step by step: in one
    /// session (with and without emptying its store before each step) and
    /// on its own, the same outcome and rules; each expression normalised
    /// once in a session.
    #[test]
    fn a_session_decides_as_each_step_alone() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("derivations");
        let files = crate::check::collect_files(&[dir]);
        let mut steps = 0;
        for path in files.into_iter().filter_map(Result::ok) {
            if path.extension().is_none_or(|x| x != "deriv") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            let (prog, _) = crate::resolve::resolve_text(&text);
            for chain in &prog.chains {
                let mut kept = Session::new(&prog, Budget::default());
                let mut emptied = Session::new(&prog, Budget::default());
                emptied.max_bytes = 0;
                let mut lhs = &chain.start.term;
                for step in &chain.steps {
                    let p = Problem {
                        program: &prog,
                        lhs,
                        rhs: &step.expr.term,
                        relation: step.relation,
                        seed: 1,
                    };
                    let alone = prove(&p, Budget::default());
                    assert_eq!(
                        kept.prove(&p),
                        alone,
                        "{}: {:?}",
                        path.display(),
                        step.expr.span
                    );
                    assert_eq!(emptied.prove(&p), alone, "{}", path.display());
                    lhs = &step.expr.term;
                    steps += 1;
                }
                let exprs = chain.steps.len() + 1;
                assert!(kept.forms.len() <= exprs, "{}", path.display());
            }
        }
        assert!(steps > 50, "only {steps} steps found");
    }

    proved!(
        count_of_a_huge_range,
        "",
        "Σ_{i=-9000000000000000000}^{9000000000000000000} 1 = 18000000000000000001"
    );
    not_proved!(
        count_of_a_huge_range_does_not_wrap,
        "",
        "Σ_{i=-9000000000000000000}^{9000000000000000000} 1 = 18000000000000000001 - 18446744073709551616"
    );
    not_proved!(
        huge_range_is_not_unrolled_as_small,
        "",
        "Σ_{i=-9223372036854775807}^{9223372036854775807} i = 0 + 1"
    );

    const PG: &str = "param θ\nset T\nvar τ in T\nfun R(τ)\nfun Pr_θ(τ) : dist τ\n\
                      fun q(τ) : dist τ\nfun f(τ) : positive\nfun g(τ)\nconst b\nconst c : positive\n\
                      def J(θ) = Σ_τ Pr_θ(τ) R(τ)";
    const MDP: &str = "mdp states S actions A horizon H";

    proved!(definition_unfolds, PG, "∇_θ J(θ) = ∇_θ Σ_τ Pr_θ(τ) R(τ)");
    proved!(
        gradient_through_sum,
        PG,
        "∇_θ Σ_τ Pr_θ(τ) R(τ) = Σ_τ ∇_θ Pr_θ(τ) R(τ)"
    );
    proved!(
        multiply_and_divide,
        PG,
        "Σ_τ ∇_θ Pr_θ(τ) R(τ) = Σ_τ Pr_θ(τ) (∇_θ Pr_θ(τ) / Pr_θ(τ)) R(τ)"
    );
    proved!(
        log_derivative,
        PG,
        "Σ_τ Pr_θ(τ) (∇_θ Pr_θ(τ) / Pr_θ(τ)) R(τ) = Σ_τ Pr_θ(τ) ∇_θ log Pr_θ(τ) R(τ)"
    );
    proved!(
        expectation_is_a_weighted_sum,
        PG,
        "Σ_τ Pr_θ(τ) ∇_θ log Pr_θ(τ) R(τ) = E_{τ~Pr_θ}[∇_θ log Pr_θ(τ) R(τ)]"
    );
    proved!(
        policy_gradient_in_one_step,
        PG,
        "∇_θ J(θ) = E_{τ~Pr_θ}[∇_θ log Pr_θ(τ) R(τ)]"
    );
    proved!(distribution_sums_to_one, PG, "Σ_τ Pr_θ(τ) = 1");
    proved!(score_has_zero_mean, PG, "E_{τ~Pr_θ}[∇_θ log Pr_θ(τ)] = 0");
    proved!(
        baseline_does_not_bias,
        PG,
        "∇_θ J(θ) = E_{τ~Pr_θ}[∇_θ log Pr_θ(τ) (R(τ) - b)]"
    );
    proved!(
        importance_sampling,
        PG,
        "Σ_τ Pr_θ(τ) R(τ) = E_{τ~q}[(Pr_θ(τ) / q(τ)) R(τ)]"
    );
    proved!(
        renamed_bound_variable,
        PG,
        "Σ_τ Pr_θ(τ) R(τ) = Σ_{x ∈ T} R(x) Pr_θ(x)"
    );
    proved!(
        log_of_product_of_positives,
        PG,
        "log (f(τ) c) = log f(τ) + log c"
    );
    proved!(exp_of_sum, PG, "exp(g(τ) + b) = exp(g(τ)) exp(b)");
    proved!(log_exp, PG, "log exp(g(τ)) = g(τ)");
    proved!(exp_log, PG, "exp(2 log f(τ)) = f(τ)^2");
    proved!(arithmetic, "", "0.7 · 20 + 0.3 · (-10) = 11");
    proved!(constant_inequality, "", "11 ≥ 0.4 · 20 + 0.6 · (-10)");
    proved!(
        polynomial_identity,
        "var x\nvar y",
        "(x + y)^2 = x^2 + 2 x y + y^2"
    );
    proved!(
        scalar_derivative,
        "param x",
        "d/dx (x^3 + exp(2 x)) = 3 x^2 + 2 exp(2 x)"
    );
    proved!(
        quotient_derivative,
        "param x",
        "d/dx (1 / (x^2 + 1)) = -2 x / (x^2 + 1)^2"
    );
    proved!(common_denominator, "var x", "1/(x + 1) + x/(x + 1) = 1");
    proved!(
        exact_division_inside_a_log,
        "var x\nvar y",
        "log((x^2 - y^2) / (x - y)) = log(x + y)"
    );
    not_proved!(
        inexact_division_inside_a_log,
        "var x\nvar y",
        "log((x^2 + y^2) / (x - y)) = log(x + y)"
    );
    proved!(
        trajectory_log_probability,
        MDP,
        "∇_θ log Pr_θ(τ) = Σ_{t=0}^{H-1} ∇_θ log π_θ(a_t | s_t)"
    );
    proved!(small_range_written_out, "var x", "Σ_{i=1}^{3} i x = 6 x");
    proved!(product_over_a_small_range, "var x", "Π_{i=1}^{3} x = x^3");
    proved!(
        index_shift,
        MDP,
        "Σ_{t=1}^{H} r(s_{t-1}, a_{t-1}) = Σ_{t=0}^{H-1} r(s_t, a_t)"
    );
    proved!(
        index_shift_under_a_nested_sum,
        "set T\nvar τ in T\nfun R(τ)\nconst N : count",
        "Σ_{i=1}^{N} Σ_τ i R(τ) = Σ_{j=0}^{N-1} Σ_τ (j + 1) R(τ)"
    );
    proved!(
        split_off_the_last_term,
        MDP,
        "Σ_{t=0}^{H-1} r(s_t, a_t) = Σ_{t=0}^{H-2} r(s_t, a_t) + r(s_{H-1}, a_{H-1})"
    );
    proved!(
        split_off_the_first_term,
        MDP,
        "Σ_{t=0}^{H-1} r(s_t, a_t) = r(s_0, a_0) + Σ_{t=1}^{H-1} r(s_t, a_t)"
    );
    not_proved!(
        no_split_of_a_possibly_empty_range,
        "var x\nconst N : count\nfun f(x)",
        "Σ_{i=0}^{N-2} i = Σ_{i=0}^{N-3} i + (N - 2)"
    );
    not_proved!(
        split_off_a_wrong_term,
        MDP,
        "Σ_{t=0}^{H-1} r(s_t, a_t) = r(s_{H-1}, a_{H-1}) + Σ_{t=1}^{H-1} r(s_t, a_t)"
    );
    not_proved!(
        index_shift_off_by_one,
        MDP,
        "Σ_{t=1}^{H-1} r(s_t, a_t) = Σ_{t=0}^{H-2} r(s_t, a_t)"
    );
    proved!(
        range_sum_and_set_sum_interchange,
        MDP,
        "Σ_{t=0}^{H-1} Σ_τ r(s_t, a_t) = Σ_τ Σ_{t=0}^{H-1} r(s_t, a_t)"
    );
    proved!(
        interchange_under_a_shifted_range,
        "set T\nvar τ in T\nfun f(τ) : positive\nconst N : count",
        "Σ_{i=1}^{N} Σ_τ f(τ)^i = Σ_τ Σ_{i=1}^{N} f(τ)^i"
    );
    proved!(
        interchange_takes_the_range_factors_inside,
        MDP,
        "Σ_{t=0}^{H-1} (1/(t + 1)) E_{τ~Pr_θ}[r(s_t, a_t)] = E_{τ~Pr_θ}[Σ_{t=0}^{H-1} r(s_t, a_t) / (t + 1)]"
    );
    proved!(
        interchange_through_two_set_sums,
        "set T\nvar τ in T\nset U\nvar u in U\nfun k(τ, u) : positive\nconst N : count",
        "Σ_{i=0}^{N} Σ_τ Σ_u k(τ, u)^i = Σ_τ Σ_u Σ_{i=0}^{N} k(τ, u)^i"
    );
    proved!(
        linearity_of_expectation_over_a_horizon,
        MDP,
        "E_{τ~Pr_θ}[(Σ_{t=0}^{H-1} ∇_θ log π_θ(a_t | s_t)) R(τ)] \
         = Σ_{t=0}^{H-1} E_{τ~Pr_θ}[∇_θ log π_θ(a_t | s_t) R(τ)]"
    );
    not_proved!(
        interchange_with_a_shorter_range,
        MDP,
        "Σ_{t=0}^{H-1} Σ_τ r(s_t, a_t) = Σ_τ Σ_{t=0}^{H-2} r(s_t, a_t)"
    );
    not_proved!(
        no_interchange_of_a_squared_set_sum,
        "set T\nvar τ in T\nfun f(τ) : positive\nconst N : count",
        "Σ_{i=1}^{N} (Σ_τ f(τ)^i)^2 = Σ_τ Σ_{i=1}^{N} f(τ)^(2 i)"
    );
    not_proved!(
        interchange_keeps_the_range_factor,
        MDP,
        "Σ_{t=0}^{H-1} t E_{τ~Pr_θ}[r(s_t, a_t)] = E_{τ~Pr_θ}[Σ_{t=0}^{H-1} r(s_t, a_t)]"
    );

    #[test]
    fn interchange_is_named_in_the_verdict() {
        let rules = proves(
            MDP,
            "Σ_{t=0}^{H-1} E_{τ~Pr_θ}[r(s_t, a_t)] = E_{τ~Pr_θ}[Σ_{t=0}^{H-1} r(s_t, a_t)]",
        )
        .unwrap();
        assert!(rules.contains(&"Σ interchange".to_string()), "{rules:?}");
        // A step without a range sum over a set sum does not name it.
        let rules = proves(PG, "Σ_τ Pr_θ(τ) R(τ) = Σ_{x ∈ T} R(x) Pr_θ(x)").unwrap();
        assert!(!rules.contains(&"Σ interchange".to_string()), "{rules:?}");
    }

    const LEXICAL: &str = "param θ\nparam θ′\nset T\nvar τ in T\nfun R(τ)\nfun Pr_θ(τ) : dist τ\n\
                           def J(θ) = Σ_τ Pr_θ(τ) R(τ)\ndef A(τ) = R(τ) - J(θ)\n\
                           def L(θ) = Σ_τ Pr_θ(τ) A(τ)";
    // θ inside A is A's own, not the θ′ that L was called with.
    not_proved!(parameters_are_lexical, LEXICAL, "L(θ′) = 0");
    proved!(
        a_parameter_passed_replaces_only_its_own,
        LEXICAL,
        "L(θ′) = J(θ′) - J(θ)"
    );
    proved!(lexical_at_the_same_parameter, LEXICAL, "L(θ) = 0");

    /// Domains never narrow: a proof needs the right side to have a value
    /// wherever the left side has one.
    #[test]
    fn a_right_side_with_a_narrower_domain_is_not_proved() {
        for step in [
            "0 = log x - log x",
            "1 = x / x",
            "x = x + sqrt(x) - sqrt(x)",
            "x^2 = x^3 / x",
            "1 = exp(y) / exp(y) + log(x) - log(x)",
        ] {
            let r = proves("var x\nvar y", step);
            assert!(r.is_err(), "{step}: {r:?}");
        }
        // Widening is a proof; so is a condition the left side has too.
        for step in [
            "log x - log x = 0",
            "x / x = 1",
            "log(x) + 1 = 1 + log(x)",
            "1 / (x^2 + 1) = (x^2 + 1) / (x^2 + 1)^2",
        ] {
            let r = proves("var x\nvar y", step);
            assert!(r.is_ok(), "{step}: {r:?}");
        }
    }

    /// A difference that normalises to a non-zero number is a refutation.
    #[test]
    fn a_constant_difference_refutes() {
        for step in [
            "1 = 1.000000001",
            "x + 10^-300 = x",
            "(x + 1)^2 = x^2 + 2 x",
            "2^200 ≥ 2^200 + 1",
            "0 ≤ -1/10^20",
        ] {
            let r = with_first_step(&format!("var x\n\n{step}\n"), 0, |p| {
                prove(p, Budget::default())
            });
            assert!(matches!(r, Outcome::Refuted(_)), "{step}: {r:?}");
        }
    }

    proved!(sqrt_of_positive_square, PG, "sqrt(f(τ)^2) = f(τ)");
    proved!(proportional_to_a_constant_multiple, PG, "2 f(τ) ∝ f(τ)");

    not_proved!(
        dropped_log,
        PG,
        "Σ_τ ∇_θ Pr_θ(τ) R(τ) = Σ_τ Pr_θ(τ) ∇_θ Pr_θ(τ) R(τ)"
    );
    not_proved!(
        forgotten_weight,
        PG,
        "Σ_τ ∇_θ log Pr_θ(τ) R(τ) = E_{τ~Pr_θ}[∇_θ log Pr_θ(τ) R(τ)]"
    );
    not_proved!(log_of_sum, PG, "log Σ_τ f(τ) = Σ_τ log f(τ)");
    not_proved!(
        log_of_real_product,
        PG,
        "log (g(τ) R(τ)) = log g(τ) + log R(τ)"
    );
    not_proved!(sqrt_of_real_square, PG, "sqrt(g(τ)^2) = g(τ)");
    not_proved!(sum_of_non_distribution, PG, "Σ_τ f(τ) = 1");
    not_proved!(
        sign_error,
        PG,
        "∇_θ J(θ) = -E_{τ~Pr_θ}[∇_θ log Pr_θ(τ) R(τ)]"
    );
    not_proved!(
        gradient_of_reward_inside,
        PG,
        "∇_θ E_{τ~Pr_θ}[R(τ)] = E_{τ~Pr_θ}[∇_θ R(τ)]"
    );
    not_proved!(wrong_inequality, "", "1 ≥ 2");

    #[test]
    fn a_parameter_beyond_the_63rd_is_told_apart() {
        // Parameters from the 64th on share one bit of the dependency sets.
        let decls: String = (0..70).map(|i| format!("param p{i}\n")).collect();
        let r = proves(&decls, "d/dp69 (p69^2 p64 + p65) = 2 p69 p64");
        assert!(r.is_ok(), "{r:?}");
        let r = proves(&decls, "d/dp69 (p69 p64 + p3) = p64 + 1");
        assert!(r.is_err(), "{r:?}");
        let r = proves(&decls, "d/dp3 (p69 p3 + p64) = p69");
        assert!(r.is_ok(), "{r:?}");
        // p64 does not depend on p69: one factor of p69 p64 does, so no
        // product rule.
        let rules = proves(&decls, "d/dp69 (p69 p64) = p64").unwrap();
        assert!(!rules.contains(&"product rule".to_string()), "{rules:?}");
    }

    #[test]
    fn rules_are_named_in_the_verdict() {
        let rules = proves(
            PG,
            "Σ_τ Pr_θ(τ) (∇_θ Pr_θ(τ) / Pr_θ(τ)) R(τ) = Σ_τ Pr_θ(τ) ∇_θ log Pr_θ(τ) R(τ)",
        )
        .unwrap();
        assert!(rules.contains(&"log-derivative".to_string()), "{rules:?}");
        assert!(rules.contains(&"cancellation".to_string()), "{rules:?}");
    }

    #[test]
    fn expansion_is_bounded() {
        let r = proves(
            "var x\nvar y\nvar z",
            "(x + y + z + 1)^12 · (x - y + z + 2)^12 = 0",
        );
        assert!(r.unwrap_err().contains("terms"));
    }

    #[test]
    fn bounds_decline_as_budget_stops_and_differing_forms_as_inconclusive() {
        let declined = |decls: &str, step: &str, ops: u64| {
            let budget = Budget {
                max_ops: ops,
                ..Budget::default()
            };
            with_first_step(&format!("{decls}\n\n{step}\n"), 0, |p| {
                match prove(p, budget) {
                    Outcome::Declined(r) => r,
                    o => panic!("{step}: {o:?}"),
                }
            })
        };
        let r = declined(
            "var x\nvar y\nvar z",
            "(x + y + z + 1)^12 · (x - y + z + 2)^12 = 0",
            2_000_000,
        );
        assert_eq!(r.code(), "budget", "{r:?}");
        let r = declined("var x\nvar y", "(x + y)^3 = x", 10);
        assert_eq!(r.code(), "budget", "{r:?}");
        assert!(r.to_string().contains("operations"), "{r}");
        let r = declined(
            "set T\nvar τ in T\nfun f(τ) : positive",
            "log f(τ) = f(τ) - 1",
            2_000_000,
        );
        assert_eq!(r, Reason::Inconclusive("the normal forms differ".into()));
    }
}
