//! Known mistakes: wrong rewrites, listed as data beside the true rules
//! (`src/symbolic/rules.rs`), that explain a refuted step.
//!
//! In: a step that an engine refuted, and the engines. Out: the first
//! entry of [`CATALOGUE`] whose wrong rewrite, applied at one position of
//! the step's left side, gives an expression equal to the step's right
//! side, as a [`Mistake`] with the entry's code and plain-words
//! explanation; or `None`. Equal means first the same form as written
//! (docs/grading.md: up to the order of terms and factors), then what it means
//! for a step: the symbolic engine proves `candidate = right side`, or the
//! numeric engine confirms it on its random instances. For a `≈` step the wrong rewrites
//! are applied to the textbook estimator of the left side instead: for
//! `E_{τ~p}[g(τ)]` and draws `τ_i ~ p` summed over `i = a..b` on the right
//! side, `(1/(b − a + 1)) Σ_{i=a}^{b} g(τ_i)`.
//!
//! The diagnosis runs only after a refutation, and never changes a
//! verdict. Its work is bounded: at most [`MAX_CANDIDATES_PER_MISTAKE`]
//! rewrites of each entry and [`MAX_CANDIDATES`] in all, each decided by
//! the engines as one step is.

use super::{form, mix_seed};
use crate::resolve::{BigDomain, DefInput, Dist, FunKind, Input, Program, Term, VarDomain, VarId};
use crate::syntax::ast::{BigOp, ConstKind, Func, Relation};
use crate::verdict::{Decision, Engine, Mistake, Problem, Verdict};
use num_rational::BigRational;

/// Most rewrites of one catalogue entry tried on a step. Default: 8.
pub const MAX_CANDIDATES_PER_MISTAKE: usize = 8;

/// Most rewrites tried on a step in all. Default: 48.
pub const MAX_CANDIDATES: usize = 48;

/// One known mistake: a wrong rewrite, named and explained.
pub struct KnownMistake {
    /// A stable code for reports (`log-of-sum`).
    pub code: &'static str,
    /// What the mistake is, in plain words, as a report says it of a step.
    pub explanation: &'static str,
    /// The wrong forms of a term made by rewriting at its root (pushed to
    /// the vector; none when the rewrite does not apply there). The
    /// diagnosis applies it at every position of the left side.
    pub at: fn(&Program, &Term, &mut Vec<Term>),
    /// A wrong form of the whole left side, when the mistake has one.
    pub whole: Option<fn(&Term) -> Term>,
}

/// The catalogue, in the order it is tried: the first entry that explains
/// a step names it.
pub const CATALOGUE: &[KnownMistake] = &[
    KnownMistake {
        code: "log-of-sum",
        explanation: "this step splits the log of a sum into a sum of logs (log(a + b) into log a + log b), which holds only for products: log(a · b) = log a + log b",
        at: log_of_sum,
        whole: None,
    },
    KnownMistake {
        code: "exp-of-sum",
        explanation: "this step splits the exponential of a sum into a sum of exponentials (exp(a + b) into exp a + exp b); the exponential turns a sum into a product: exp(a + b) = exp a · exp b",
        at: exp_of_sum,
        whole: None,
    },
    KnownMistake {
        code: "dropped-log",
        explanation: "this step drops the log from the score: the log-derivative trick is ∇p = p ∇ log p, and ∇ log p is ∇p / p, not ∇p",
        at: dropped_log,
        whole: None,
    },
    KnownMistake {
        code: "forgotten-weight",
        explanation: "this step forgets the weight p(τ) (or counts it twice): E_{τ~p}[g(τ)] is Σ_τ p(τ) g(τ), not Σ_τ g(τ), and ∇p(τ) is p(τ) ∇ log p(τ), not ∇ log p(τ)",
        at: forgotten_weight,
        whole: None,
    },
    KnownMistake {
        code: "gradient-through-weight",
        explanation: "this step moves ∇ into (or out of) E_{τ~p} or a sum weighted by p as if p did not depend on the parameter: ∇ Σ_τ p(τ) g(τ) = Σ_τ ∇p(τ) g(τ) + Σ_τ p(τ) ∇g(τ)",
        at: gradient_through_weight,
        whole: None,
    },
    KnownMistake {
        code: "inverted-importance-weight",
        explanation: "this step turns the importance weight upside down: drawing from q to estimate under p, each term is weighted by p/q, not q/p",
        at: inverted_importance_weight,
        whole: None,
    },
    KnownMistake {
        code: "missing-product-rule-term",
        explanation: "this step drops a term of the product rule: ∇(f g) = (∇f) g + f ∇g, and both terms stay when both factors depend on the parameter",
        at: missing_product_rule_term,
        whole: None,
    },
    KnownMistake {
        code: "off-by-one-range",
        explanation: "this step moves a bound of a range by one: Σ_{t=0}^{H−1} has H terms, Σ_{t=0}^{H} has H + 1, and Σ_{t=1}^{H} starts one later without its body being shifted",
        at: off_by_one_range,
        whole: None,
    },
    KnownMistake {
        code: "n-minus-one",
        explanation: "this step divides by N − 1 where the average divides by N: (1/(N − 1)) Σ_{i=1}^{N} is N/(N − 1) times the sample mean, a biased estimate (N − 1 belongs to the unbiased sample variance)",
        at: n_minus_one,
        whole: None,
    },
    KnownMistake {
        code: "sign-flip",
        explanation: "this step flips a sign: a term, or the whole expression, comes out with the opposite sign (b − a for a − b, a − b for a + b)",
        at: sign_flip,
        whole: Some(|t| Term::Neg(Box::new(t.clone()))),
    },
];

/// The known mistake that explains a refuted step, if one does: see the
/// module's documentation. `engines` are the ones that refuted it; the
/// first that decides a candidate (symbolic before numeric) decides it.
pub fn diagnose(engines: &[Box<dyn Engine>], problem: &Problem) -> Option<Mistake> {
    let (start, relation) = match problem.relation {
        Relation::Eq | Relation::Propto => (problem.lhs.clone(), problem.relation),
        Relation::Approx => (
            textbook_estimator(problem.program, problem.lhs, problem.rhs)?,
            Relation::Eq,
        ),
        Relation::Le | Relation::Ge => return None,
    };
    let candidates = candidates(problem.program, &start);
    let named = |entry: &KnownMistake| Mistake {
        code: entry.code.to_string(),
        explanation: entry.explanation.to_string(),
    };
    // A rewrite that gives the right side as written (up to the order of
    // terms and factors) is the likeliest account, before one that is
    // only equal to it (two mistakes may give equal expressions: Σ_τ ∇p g
    // read as E_{τ~p}[∇p g] equals p ∇p g summed, the log dropped).
    let written = form::form(problem.program, problem.rhs);
    if let Some((entry, _)) = candidates
        .iter()
        .find(|(_, c)| form::form(problem.program, c) == written)
    {
        return Some(named(entry));
    }
    let mut settled = vec![false; candidates.len()];
    for engine in engines {
        // One session for the candidates: the right side is normalised once.
        let mut session = engine.session(problem.program);
        for (k, (entry, candidate)) in candidates.iter().enumerate() {
            if settled[k] {
                continue;
            }
            let asked = Problem {
                program: problem.program,
                lhs: candidate,
                rhs: problem.rhs,
                relation,
                seed: mix_seed(problem.seed, 0x6d69_7374_616b_6573, k as u64),
            };
            let decision = match &mut session {
                Some(s) => s.decide(&asked),
                None => engine.decide(&asked),
            };
            match decision {
                Decision::Decided(v) if v.is_valid() => return Some(named(entry)),
                Decision::Decided(Verdict::Refuted { .. }) => settled[k] = true,
                _ => {}
            }
        }
    }
    None
}

/// Every wrong rewrite of `start`, with its entry, within the caps.
fn candidates<'c>(prog: &Program, start: &Term) -> Vec<(&'c KnownMistake, Term)> {
    let mut out = Vec::new();
    for entry in CATALOGUE {
        let mut mine = Vec::new();
        if let Some(whole) = entry.whole {
            mine.push(whole(start));
        }
        everywhere(prog, start, entry.at, &mut mine);
        mine.truncate(MAX_CANDIDATES_PER_MISTAKE);
        for c in mine {
            if out.len() == MAX_CANDIDATES {
                return out;
            }
            if c != *start {
                out.push((entry, c));
            }
        }
    }
    out
}

/// `t` with `rule` applied at one of its positions, for every position
/// (the root first), up to [`MAX_CANDIDATES_PER_MISTAKE`] in `out`.
fn everywhere(
    prog: &Program,
    t: &Term,
    rule: fn(&Program, &Term, &mut Vec<Term>),
    out: &mut Vec<Term>,
) {
    rule(prog, t, out);
    let mut parts = t.clone();
    let parts = children(&mut parts);
    for (k, child) in parts.into_iter().enumerate() {
        if out.len() >= MAX_CANDIDATES_PER_MISTAKE {
            return;
        }
        let mut inner = Vec::new();
        everywhere(prog, child, rule, &mut inner);
        for new in inner {
            let mut whole = t.clone();
            *children(&mut whole).swap_remove(k) = new;
            out.push(whole);
        }
    }
}

/// The sub-terms a wrong rewrite may reach, in order. Indices, times and
/// range bounds are left out: a rewrite of a range is the range's own rule.
fn children(t: &mut Term) -> Vec<&mut Term> {
    match t {
        Term::Num(_)
        | Term::Param(_)
        | Term::ParamVector(_)
        | Term::Const(_)
        | Term::Var(_)
        | Term::Component { .. }
        | Term::Sample { .. } => vec![],
        Term::Inner(a, b) => vec![a, b],
        Term::Call { args, .. } | Term::DefCall { args, .. } => args.iter_mut().collect(),
        Term::Add(a, b) | Term::Sub(a, b) | Term::Mul(a, b) | Term::Div(a, b) | Term::Pow(a, b) => {
            vec![a, b]
        }
        Term::Neg(a) | Term::Func(_, a) | Term::Abs(a) => vec![a],
        Term::Grad { body, .. } | Term::Big { body, .. } | Term::Expect { body, .. } => {
            vec![body]
        }
    }
}

fn bx(t: Term) -> Box<Term> {
    Box::new(t)
}

fn num(k: i64) -> Term {
    Term::Num(BigRational::from_integer(k.into()))
}

fn grad(param: usize, body: Term) -> Term {
    Term::Grad {
        param,
        body: bx(body),
    }
}

/// `f(a + b)` → `f a + f b`, `f(a − b)` → `f a − f b`, `f Σ_x g` → `Σ_x f g`:
/// the wrong distribution of `f` over a sum.
fn split_over_sum(f: Func, t: &Term, out: &mut Vec<Term>) {
    let Term::Func(g, inner) = t else { return };
    if *g != f {
        return;
    }
    let app = |x: &Term| Term::Func(f, bx(x.clone()));
    match &**inner {
        Term::Add(a, b) => out.push(Term::Add(bx(app(a)), bx(app(b)))),
        Term::Sub(a, b) => out.push(Term::Sub(bx(app(a)), bx(app(b)))),
        Term::Big {
            op: BigOp::Sum,
            var,
            domain,
            body,
        } => out.push(Term::Big {
            op: BigOp::Sum,
            var: *var,
            domain: domain.clone(),
            body: bx(app(body)),
        }),
        _ => {}
    }
}

/// `log(a + b)` → `log a + log b`, and over a Σ.
fn log_of_sum(_: &Program, t: &Term, out: &mut Vec<Term>) {
    split_over_sum(Func::Log, t, out);
}

/// `exp(a + b)` → `exp a + exp b`, and over a Σ.
fn exp_of_sum(_: &Program, t: &Term, out: &mut Vec<Term>) {
    split_over_sum(Func::Exp, t, out);
}

/// `∇ log p` → `∇p`; `∇p` → `p ∇p` (the log-derivative trick without its
/// log). Side condition: `p` depends on the parameter.
fn dropped_log(prog: &Program, t: &Term, out: &mut Vec<Term>) {
    let Term::Grad { param, body } = t else {
        return;
    };
    if !prog.depends_on(body, *param) {
        return;
    }
    match &**body {
        Term::Func(Func::Log, p) => out.push(grad(*param, (**p).clone())),
        p => out.push(Term::Mul(bx(p.clone()), bx(t.clone()))),
    }
}

/// `Σ_x g` → `E_{x~p}[g]` for each declared distribution p over x's set;
/// `E_{x~p}[g]` → `Σ_x g`; `∇p` → `∇ log p` (the log-derivative trick
/// without its weight). Side condition of the last: `p` depends on the
/// parameter.
fn forgotten_weight(prog: &Program, t: &Term, out: &mut Vec<Term>) {
    match t {
        Term::Big {
            op: BigOp::Sum,
            var,
            domain: BigDomain::Set(set),
            body,
        } => {
            for weight in distributions(prog, *var, *set) {
                out.push(Term::Expect {
                    dist: Dist {
                        var: *var,
                        set: Some(*set),
                        weight: bx(weight),
                    },
                    body: body.clone(),
                });
            }
        }
        Term::Expect { dist, body } => out.push(Term::Big {
            op: if dist.set.is_some() {
                BigOp::Sum
            } else {
                BigOp::Integral
            },
            var: dist.var,
            domain: dist.set.map_or(BigDomain::Real, BigDomain::Set),
            body: body.clone(),
        }),
        Term::Grad { param, body }
            if prog.depends_on(body, *param) && !matches!(**body, Term::Func(Func::Log, _)) =>
        {
            out.push(grad(*param, Term::Func(Func::Log, body.clone())));
        }
        _ => {}
    }
}

/// The declared distributions over `set` as weights of `var`: a function
/// declared `: dist` over it, or a definition that is one by construction,
/// whose other inputs are all parameters.
fn distributions(prog: &Program, var: VarId, set: usize) -> Vec<Term> {
    let mut out = Vec::new();
    for (fun, info) in prog.funs.iter().enumerate() {
        let FunKind::Dist(k) = info.kind else {
            continue;
        };
        let args: Option<Vec<Term>> = info
            .inputs
            .iter()
            .enumerate()
            .map(|(j, input)| match input {
                Input::Param(p) => Some(Term::Param(*p)),
                Input::Set(s) if j == k && *s == set => Some(Term::Var(var)),
                _ => None,
            })
            .collect();
        if let Some(args) = args {
            out.push(Term::Call { fun, args });
        }
    }
    for (def, info) in prog.defs.iter().enumerate() {
        if !info.distribution {
            continue;
        }
        let mut drawn = false;
        let args: Option<Vec<Term>> = info
            .inputs
            .iter()
            .map(|input| match input {
                DefInput::Param(p) => Some(Term::Param(*p)),
                DefInput::Var(x) if !drawn && prog.vars[*x].domain == VarDomain::Set(set) => {
                    drawn = true;
                    Some(Term::Var(var))
                }
                DefInput::Var(_) => None,
            })
            .collect();
        if let Some(args) = args.filter(|_| drawn) {
            out.push(Term::DefCall { def, args });
        }
    }
    out
}

/// `∇ E_{x~p}[g]` ↔ `E_{x~p}[∇g]` and `∇ Σ_x p g` ↔ `Σ_x p ∇g`. Side
/// condition: the weight `p` depends on the parameter (else both are
/// right).
fn gradient_through_weight(prog: &Program, t: &Term, out: &mut Vec<Term>) {
    match t {
        Term::Grad { param, body } => match &**body {
            Term::Expect { dist, body: g } if prog.depends_on(&dist.weight, *param) => {
                out.push(Term::Expect {
                    dist: dist.clone(),
                    body: bx(grad(*param, (**g).clone())),
                });
            }
            Term::Big {
                op: BigOp::Sum,
                var,
                domain,
                body: inner,
            } => {
                if let Term::Mul(w, g) = &**inner {
                    if prog.depends_on(w, *param) {
                        out.push(Term::Big {
                            op: BigOp::Sum,
                            var: *var,
                            domain: domain.clone(),
                            body: bx(Term::Mul(w.clone(), bx(grad(*param, (**g).clone())))),
                        });
                    }
                }
            }
            _ => {}
        },
        Term::Expect { dist, body } => {
            if let Term::Grad { param, body: g } = &**body {
                if prog.depends_on(&dist.weight, *param) {
                    out.push(grad(
                        *param,
                        Term::Expect {
                            dist: dist.clone(),
                            body: g.clone(),
                        },
                    ));
                }
            }
        }
        Term::Big {
            op: BigOp::Sum,
            var,
            domain,
            body,
        } => {
            if let Term::Mul(w, g) = &**body {
                if let Term::Grad { param, body: g } = &**g {
                    if prog.depends_on(w, *param) {
                        out.push(grad(
                            *param,
                            Term::Big {
                                op: BigOp::Sum,
                                var: *var,
                                domain: domain.clone(),
                                body: bx(Term::Mul(w.clone(), g.clone())),
                            },
                        ));
                    }
                }
            }
        }
        _ => {}
    }
}

/// Whether `t` is a distribution's value: a call of a function declared
/// `: dist`, or of a definition that is a distribution by construction.
fn is_distribution(prog: &Program, t: &Term) -> bool {
    match t {
        Term::Call { fun, .. } => matches!(prog.funs[*fun].kind, FunKind::Dist(_)),
        Term::DefCall { def, .. } => prog.defs[*def].distribution,
        _ => false,
    }
}

/// `p / q` → `q / p`. Side condition: both are distributions' values (an
/// importance weight).
fn inverted_importance_weight(prog: &Program, t: &Term, out: &mut Vec<Term>) {
    if let Term::Div(p, q) = t {
        if is_distribution(prog, p) && is_distribution(prog, q) {
            out.push(Term::Div(q.clone(), p.clone()));
        }
    }
}

/// `∇(f g)` → `(∇f) g` and `f ∇g`; `∇(f / g)` → `(∇f) / g`. Side
/// condition: both factors depend on the parameter.
fn missing_product_rule_term(prog: &Program, t: &Term, out: &mut Vec<Term>) {
    let Term::Grad { param, body } = t else {
        return;
    };
    let p = *param;
    match &**body {
        Term::Mul(f, g) if prog.depends_on(f, p) && prog.depends_on(g, p) => {
            out.push(Term::Mul(bx(grad(p, (**f).clone())), g.clone()));
            out.push(Term::Mul(f.clone(), bx(grad(p, (**g).clone()))));
        }
        Term::Div(f, g) if prog.depends_on(f, p) && prog.depends_on(g, p) => {
            out.push(Term::Div(bx(grad(p, (**f).clone())), g.clone()));
        }
        _ => {}
    }
}

/// `Σ_{t=a}^{b}` (or Π) with `b` one more or one less, or both bounds
/// moved by one the same way, or `a` alone moved.
fn off_by_one_range(_: &Program, t: &Term, out: &mut Vec<Term>) {
    let Term::Big {
        op,
        var,
        domain: BigDomain::Range(lo, hi),
        body,
    } = t
    else {
        return;
    };
    let plus = |x: &Term| bx(Term::Add(bx(x.clone()), bx(num(1))));
    let minus = |x: &Term| bx(Term::Sub(bx(x.clone()), bx(num(1))));
    let bounds = [
        (lo.clone(), plus(hi)),
        (lo.clone(), minus(hi)),
        (plus(lo), plus(hi)),
        (minus(lo), minus(hi)),
        (plus(lo), hi.clone()),
        (minus(lo), hi.clone()),
    ];
    for (lo, hi) in bounds {
        out.push(Term::Big {
            op: *op,
            var: *var,
            domain: BigDomain::Range(lo, hi),
            body: body.clone(),
        });
    }
}

/// `a / n` → `a / (n − 1)`. Side condition: `n` mentions a count.
fn n_minus_one(prog: &Program, t: &Term, out: &mut Vec<Term>) {
    let Term::Div(a, n) = t else { return };
    let mut count = false;
    n.walk(&mut |x| {
        count |= matches!(x, Term::Const(c) if prog.consts[*c].kind == ConstKind::Count);
    });
    if count {
        out.push(Term::Div(a.clone(), bx(Term::Sub(n.clone(), bx(num(1))))));
    }
}

/// `a − b` → `b − a` and `a + b`; `a + b` → `a − b`; `−a` → `a`.
fn sign_flip(_: &Program, t: &Term, out: &mut Vec<Term>) {
    match t {
        Term::Sub(a, b) => {
            out.push(Term::Sub(b.clone(), a.clone()));
            out.push(Term::Add(a.clone(), b.clone()));
        }
        Term::Add(a, b) => out.push(Term::Sub(a.clone(), b.clone())),
        Term::Neg(a) => out.push((**a).clone()),
        _ => {}
    }
}

/// The textbook estimator of a `≈` step's left side `E_{x~p}[g(x)]`, with
/// the draws and the range the right side averages over: the right side
/// holds `Σ_{i=a}^{b} …` with draws `x_i` of a family drawn from `p`, and
/// the estimator is `(1/(b − a + 1)) Σ_{i=a}^{b} g(x_i)`. `None` when the
/// left side is not an expectation, the right side has no such sum, or
/// `g` uses the components of `x` (which draws do not have).
fn textbook_estimator(prog: &Program, lhs: &Term, rhs: &Term) -> Option<Term> {
    let Term::Expect { dist, body } = lhs else {
        return None;
    };
    let (family, index, lo, hi) = sample_sum(rhs)?;
    let drawn = &prog.samples[family].dist;
    let unit = |d: &Dist| Term::Expect {
        dist: d.clone(),
        body: bx(num(1)),
    };
    if !form::same_form(prog, &unit(dist), &unit(drawn)) {
        return None;
    }
    let draw = Term::Sample {
        family,
        index: bx(Term::Var(index)),
    };
    let body = substitute(body, dist.var, &draw)?;
    let count = if lo == num(1) {
        hi.clone()
    } else {
        Term::Add(bx(Term::Sub(bx(hi.clone()), bx(lo.clone()))), bx(num(1)))
    };
    let sum = Term::Big {
        op: BigOp::Sum,
        var: index,
        domain: BigDomain::Range(bx(lo), bx(hi)),
        body: bx(body),
    };
    Some(Term::Mul(bx(Term::Div(bx(num(1)), bx(count))), bx(sum)))
}

/// The first `Σ_{i=a}^{b} …` of `t` whose body uses a draw `x_i`: the
/// family, `i`, `a` and `b`.
fn sample_sum(t: &Term) -> Option<(usize, VarId, Term, Term)> {
    let mut found = None;
    t.walk(&mut |x| {
        if found.is_some() {
            return;
        }
        if let Term::Big {
            op: BigOp::Sum,
            var,
            domain: BigDomain::Range(lo, hi),
            body,
        } = x
        {
            body.walk(&mut |y| {
                if let Term::Sample { family, index } = y {
                    if found.is_none() && **index == Term::Var(*var) {
                        found = Some((*family, *var, (**lo).clone(), (**hi).clone()));
                    }
                }
            });
        }
    });
    found
}

/// `t` with every `x` replaced by `by`; `None` when `t` uses a component
/// of `x`.
fn substitute(t: &Term, x: VarId, by: &Term) -> Option<Term> {
    match t {
        Term::Var(v) if *v == x => return Some(by.clone()),
        Term::Component { traj, .. } if *traj == x => return None,
        _ => {}
    }
    let mut out = t.clone();
    let mut ok = true;
    substitute_in(&mut out, x, by, &mut ok);
    ok.then_some(out)
}

fn substitute_in(t: &mut Term, x: VarId, by: &Term, ok: &mut bool) {
    match t {
        Term::Var(v) if *v == x => *t = by.clone(),
        Term::Component { traj, .. } if *traj == x => *ok = false,
        Term::Component { time: i, .. } | Term::Sample { index: i, .. } => {
            substitute_in(i, x, by, ok)
        }
        Term::Big {
            domain: BigDomain::Range(lo, hi),
            body,
            ..
        } => {
            substitute_in(lo, x, by, ok);
            substitute_in(hi, x, by, ok);
            substitute_in(body, x, by, ok);
        }
        Term::Expect { dist, body } => {
            substitute_in(&mut dist.weight, x, by, ok);
            substitute_in(body, x, by, ok);
        }
        _ => {
            for c in children(t) {
                substitute_in(c, x, by, ok);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::{check_text, engines, Options};
    use crate::verdict::with_first_step;

    const POLICY: &str = "param θ\nset T\nvar τ in T\nfun R(τ)\nfun Pr_θ(τ) : dist τ\n\
        fun q(τ) : dist τ\nfun f(τ) : positive\nfun g(τ) : positive\nfun Q_θ(τ)\nconst b\n\
        const N : count\nconst H : count\nvar x\nfun c(x)\nsample τ_i ~ Pr_θ for i = 1..N\n\n";

    /// [`POLICY`] with its draws from `q` instead.
    fn off_policy() -> String {
        POLICY.replace("τ_i ~ Pr_θ", "τ_i ~ q")
    }

    /// The mistake named on each refuted step of the one-step chain
    /// `lhs REL rhs` under [`POLICY`]'s declarations.
    #[track_caller]
    fn named(step: &str) -> Option<String> {
        named_under(POLICY, step)
    }

    #[track_caller]
    fn named_under(decls: &str, step: &str) -> Option<String> {
        let text = format!("{decls}{step}\n");
        let r = check_text("case.deriv", &text, &Options::default());
        assert!(r.errors.is_empty(), "{step}: {:?}", r.errors);
        let v = &r.chains[0].steps[0].verdict;
        assert_eq!(v.name(), "refuted", "{step}: {v:?}");
        v.mistake().map(|m| m.code.clone())
    }

    /// The mistake `diagnose` names for a step as it stands (for a correct
    /// step, which the checker never diagnoses: none must be).
    #[track_caller]
    fn diagnosed_as_is(step: &str) -> Option<String> {
        let text = format!("{POLICY}{step}\n");
        with_first_step(&text, 1, |p| {
            diagnose(&engines(&Options::default()), p).map(|m| m.code)
        })
    }

    /// One entry: each wrong step is refuted and named `code`; each right
    /// step is valid and names nothing when diagnosed anyway.
    #[track_caller]
    fn entry(code: &str, wrong: &[&str], right: &[&str]) {
        assert!(CATALOGUE.iter().any(|m| m.code == code), "{code}");
        for w in wrong {
            assert_eq!(named(w).as_deref(), Some(code), "{w}");
        }
        for r in right {
            let text = format!("{POLICY}{r}\n");
            let v =
                &check_text("case.deriv", &text, &Options::default()).chains[0].steps[0].verdict;
            assert!(v.is_valid(), "{r}: {v:?}");
            assert_eq!(diagnosed_as_is(r), None, "{r}");
        }
    }

    #[test]
    fn log_of_sum() {
        entry(
            "log-of-sum",
            &[
                "log(f(τ) + g(τ))\n= log f(τ) + log g(τ)",
                "log Σ_τ f(τ)\n= Σ_τ log f(τ)",
            ],
            &["log(f(τ) g(τ))\n= log f(τ) + log g(τ)"],
        );
    }

    #[test]
    fn exp_of_sum() {
        entry(
            "exp-of-sum",
            &[
                "exp(R(τ) + b)\n= exp(R(τ)) + exp(b)",
                "exp(R(τ) - b)\n= exp(R(τ)) - exp(b)",
            ],
            &["exp(R(τ) + b)\n= exp(R(τ)) exp(b)"],
        );
    }

    #[test]
    fn dropped_log() {
        entry(
            "dropped-log",
            &[
                "Σ_τ ∇_θ Pr_θ(τ) R(τ)\n= Σ_τ Pr_θ(τ) ∇_θ Pr_θ(τ) R(τ)",
                "E_{τ~Pr_θ}[∇_θ log Pr_θ(τ) R(τ)]\n≈ (1/N) Σ_{i=1}^{N} ∇_θ Pr_θ(τ_i) R(τ_i)",
            ],
            &["Σ_τ ∇_θ Pr_θ(τ) R(τ)\n= Σ_τ Pr_θ(τ) ∇_θ log Pr_θ(τ) R(τ)"],
        );
    }

    #[test]
    fn forgotten_weight() {
        entry(
            "forgotten-weight",
            &[
                "Σ_τ ∇_θ log Pr_θ(τ) R(τ)\n= E_{τ~Pr_θ}[∇_θ log Pr_θ(τ) R(τ)]",
                "E_{τ~q}[R(τ)]\n= Σ_τ R(τ)",
                "Σ_τ ∇_θ Pr_θ(τ) R(τ)\n= Σ_τ ∇_θ log Pr_θ(τ) R(τ)",
            ],
            &["Σ_τ Pr_θ(τ) R(τ)\n= E_{τ~Pr_θ}[R(τ)]"],
        );
    }

    #[test]
    fn gradient_through_weight() {
        entry(
            "gradient-through-weight",
            &[
                "∇_θ E_{τ~Pr_θ}[Q_θ(τ)]\n= E_{τ~Pr_θ}[∇_θ Q_θ(τ)]",
                "∇_θ Σ_τ Pr_θ(τ) Q_θ(τ)\n= Σ_τ Pr_θ(τ) ∇_θ Q_θ(τ)",
            ],
            &["∇_θ E_{τ~q}[Q_θ(τ)]\n= E_{τ~q}[∇_θ Q_θ(τ)]"],
        );
    }

    #[test]
    fn inverted_importance_weight() {
        entry(
            "inverted-importance-weight",
            &["Σ_τ q(τ) (Pr_θ(τ) / q(τ)) R(τ)\n= Σ_τ q(τ) (q(τ) / Pr_θ(τ)) R(τ)"],
            &["Σ_τ q(τ) (Pr_θ(τ) / q(τ)) R(τ)\n= Σ_τ Pr_θ(τ) R(τ)"],
        );
        let estimate =
            "E_{τ~q}[(Pr_θ(τ) / q(τ)) R(τ)]\n≈ (1/N) Σ_{i=1}^{N} (q(τ_i) / Pr_θ(τ_i)) R(τ_i)";
        assert_eq!(
            named_under(&off_policy(), estimate).as_deref(),
            Some("inverted-importance-weight")
        );
    }

    #[test]
    fn missing_product_rule_term() {
        entry(
            "missing-product-rule-term",
            &[
                "Σ_τ ∇_θ (Pr_θ(τ) Q_θ(τ))\n= Σ_τ ∇_θ Pr_θ(τ) Q_θ(τ)",
                "∇_θ (Pr_θ(τ) Q_θ(τ))\n= Pr_θ(τ) ∇_θ Q_θ(τ)",
            ],
            &["∇_θ (Pr_θ(τ) Q_θ(τ))\n= ∇_θ Pr_θ(τ) Q_θ(τ) + Pr_θ(τ) ∇_θ Q_θ(τ)"],
        );
    }

    #[test]
    fn off_by_one_range() {
        entry(
            "off-by-one-range",
            &[
                "Σ_{t=0}^{H-1} c(t)\n= Σ_{t=0}^{H} c(t)",
                "Σ_{t=0}^{H-1} c(t)\n= Σ_{t=1}^{H} c(t)",
            ],
            &["Σ_{t=0}^{H-1} c(t)\n= Σ_{t=1}^{H} c(t - 1)"],
        );
    }

    #[test]
    fn n_minus_one() {
        entry(
            "n-minus-one",
            &[
                "E_{τ~Pr_θ}[R(τ)]\n≈ (1/(N - 1)) Σ_{i=1}^{N} R(τ_i)",
                "(1/N) Σ_{i=1}^{N} R(τ_i)\n= (1/(N - 1)) Σ_{i=1}^{N} R(τ_i)",
            ],
            &["E_{τ~Pr_θ}[R(τ)]\n≈ (1/N) Σ_{i=1}^{N} R(τ_i)"],
        );
    }

    #[test]
    fn sign_flip() {
        entry(
            "sign-flip",
            &[
                "R(τ) - b\n= b - R(τ)",
                "E_{τ~Pr_θ}[∇_θ log Pr_θ(τ) R(τ) - b ∇_θ log Pr_θ(τ)]\n= E_{τ~Pr_θ}[∇_θ log Pr_θ(τ) (b - R(τ))]",
                "∇_θ Σ_τ Pr_θ(τ) R(τ)\n= -Σ_τ ∇_θ Pr_θ(τ) R(τ)",
            ],
            &["R(τ) - b\n= -(b - R(τ))"],
        );
    }

    #[test]
    fn a_refutation_no_entry_explains_names_none() {
        assert_eq!(named("R(τ)\n= R(τ)^2 + 1"), None);
    }

    #[test]
    fn the_candidates_are_bounded() {
        let long = format!("{}\n= 0", vec!["(R(τ) - b)"; 40].join(" + "));
        let text = format!("{POLICY}{long}\n");
        let prog = crate::verdict::resolved(&text);
        let lhs = &prog.chains[0].start.term;
        assert!(candidates(&prog, lhs).len() <= MAX_CANDIDATES);
        assert_eq!(named(&long), None);
    }
}
