//! Stage 5 of the pipeline: grading (SPEC §5).
//!
//! In: an [`Assignment`] (declarations, the claim, milestones, rubric,
//! points, perhaps the labelled steps of an ordering exercise) and
//! [`Submission`]s. Out: one [`GradeResult`] a submission, whatever it
//! holds: its score, the breakdown of the score, every step's verdict from
//! the engines (through [`crate::check::ChainDecider`]) and the feedback in plain
//! words. An unusable submission scores 0 with its errors as feedback;
//! it never stops the batch ([`batch`]).
//!
//! Each submission is resolved on top of the assignment's declarations
//! (resolved once), and checked with its own seed, mixed from the run's
//! seed and its id, so results do not depend on the order or the number of
//! threads.

pub mod assignment;
pub mod batch;
pub mod feedback;
#[cfg(test)]
mod proptests;
pub mod result;
pub mod rubric;
pub mod run;
pub mod score;
pub mod store;
pub mod submission;

pub use assignment::{Assignment, AssignmentError};
pub use result::GradeResult;
pub use run::{Outcome, ReportOptions};
pub use submission::{collect_submissions, Collected, Kind, Submission};

use crate::check::form::{form, ring_form, Form, Ring};
use crate::check::{self, mix_seed, EngineLimits, Options};
use crate::diagnostic::Diagnostic;
use crate::numeric::instance::Limits;
use crate::resolve::{Program, Term};
use crate::symbolic::normalize::Budget;
use crate::syntax::ast::{Expr, ExprKind, ItemKind, Relation};
use crate::syntax::print::print_expr;
use crate::syntax::{Source, Span};
use crate::verdict::{Engine, Reason, Verdict};
use result::{GradedStep, SubmissionError, Written};
use rubric::points_f64;
use score::{Facts, StepFacts};
use std::borrow::Cow;
use submission::Body;

/// Bounds on the work one submission may cause. Submissions are untrusted:
/// running out of a bound is an `unknown` verdict or an error of that
/// submission, never a hang.
#[derive(Clone, Copy, Debug)]
pub struct Bounds {
    /// Most steps in one submission. Default: 100.
    pub max_steps: usize,
    /// Most bits in the numerator or denominator of a number written in a
    /// submission (`1e38` fits, `1e39` does not). Default: 128. Keeps
    /// exact arithmetic on the numbers small.
    pub max_number_bits: u64,
    /// Time after which the remaining steps of a submission are not
    /// checked (they are `unknown`, with the reason). Default: 10 s. The
    /// bounds above keep every step short, so ordinary submissions finish
    /// in milliseconds and never meet this guard; it only stops a
    /// submission built to be slow.
    pub time_per_submission: std::time::Duration,
    /// Bounds of the numeric engine's evaluation of one side of a step on
    /// one instance. Default: 400,000 operations, tables of 20,000
    /// entries, ranges of 20,000 integers.
    pub numeric: Limits,
    /// Bounds of the symbolic engine on one step. Default: 4,000 terms,
    /// 400,000 operations.
    pub symbolic: Budget,
    /// Most evaluation steps of the Monte Carlo engine on one instance of
    /// a `≈` step, over all replicates. Default: 40,000,000.
    pub monte_carlo_ops: u64,
}

impl Default for Bounds {
    fn default() -> Self {
        Bounds {
            max_steps: 100,
            max_number_bits: 128,
            time_per_submission: std::time::Duration::from_secs(10),
            numeric: Limits {
                max_ops: 400_000,
                max_table: 20_000,
                max_range: 20_000,
            },
            symbolic: Budget {
                max_terms: 4_000,
                max_ops: 400_000,
            },
            monte_carlo_ops: 40_000_000,
        }
    }
}

/// How to grade.
#[derive(Clone, Debug, Default)]
pub struct GradeOptions {
    /// Seed, trials, samples and engines, as for `check`.
    pub check: Options,
    /// Bounds on each submission's work.
    pub bounds: Bounds,
}

impl Bounds {
    /// The engines' share of the bounds.
    pub fn engine_limits(&self) -> EngineLimits {
        EngineLimits {
            symbolic: self.symbolic,
            numeric: self.numeric,
            monte_carlo_ops: self.monte_carlo_ops,
        }
    }
}

/// The engines for grading: those of `check` ([`check::engines_within`]),
/// within [`Bounds`].
pub fn engines(opts: &GradeOptions) -> Vec<Box<dyn Engine>> {
    check::engines_within(&opts.check, &opts.bounds.engine_limits())
}

/// A stable 64-bit hash (FNV-1a) of bytes: the same on every machine and
/// in every version, unlike the standard library's hasher. Used for
/// per-submission seeds and for recognising finished work.
pub fn stable_hash(parts: &[&[u8]]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for b in part.iter().chain(&(part.len() as u64).to_le_bytes()) {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}

/// Grades submissions of one assignment. Shared by every thread of a
/// batch.
pub struct Grader<'a> {
    assignment: &'a Assignment,
    engines: Vec<Box<dyn Engine>>,
    opts: GradeOptions,
    claim_lhs: Form,
    claim_rhs: Form,
    milestones: Vec<Form>,
    labels: Vec<Form>,
}

impl<'a> Grader<'a> {
    /// A grader for an assignment.
    pub fn new(assignment: &'a Assignment, opts: GradeOptions) -> Self {
        let p = assignment.program();
        Grader {
            assignment,
            engines: engines(&opts),
            claim_lhs: form(p, &assignment.claim_lhs.term),
            claim_rhs: form(p, &assignment.claim_rhs.term),
            milestones: assignment
                .milestones
                .iter()
                .map(|m| form(p, &m.term))
                .collect(),
            labels: assignment
                .ordering
                .iter()
                .flatten()
                .map(|l| form(p, &l.target.term))
                .collect(),
            opts,
        }
    }

    /// The assignment.
    pub fn assignment(&self) -> &Assignment {
        self.assignment
    }

    /// The options.
    pub fn options(&self) -> &GradeOptions {
        &self.opts
    }

    /// The seed of one submission: the run's seed mixed with its id.
    pub fn seed_of(&self, id: &str) -> u64 {
        mix_seed(
            self.opts.check.seed,
            stable_hash(&[id.as_bytes()]),
            0x6772_6164,
        )
    }

    /// Read and grade one submission file.
    pub fn grade(&self, sub: &Submission) -> GradeResult {
        let text = submission::read_submission(sub);
        self.grade_text(sub, text)
    }

    /// Grade one submission whose text has been read (or could not be).
    pub fn grade_text(&self, sub: &Submission, text: Result<String, String>) -> GradeResult {
        let path = sub.path.display().to_string();
        let mut notes: Vec<String> = sub.id_note.iter().cloned().collect();
        let unusable =
            |source: &Source, errors: Vec<Diagnostic>, notes: Vec<String>, unreadable| {
                self.unusable(sub, source, errors, notes, unreadable)
            };
        let text = match text {
            Ok(t) => t,
            Err(e) => {
                let source = Source::new(path.as_str(), "");
                // A refused file is the submission's doing, not a file
                // that is missing.
                let hint = sub
                    .refused
                    .as_ref()
                    .map(|_| "submit the file itself, inside the submissions folder".to_string());
                return unusable(
                    &source,
                    vec![Diagnostic::error(Span::default(), e, hint)],
                    notes,
                    sub.refused.is_none() && !sub.path.is_file(),
                );
            }
        };
        let source = Source::new(path.as_str(), text);
        let Some(kind) = sub.kind else {
            let ext = sub
                .path
                .extension()
                .map_or_else(String::new, |e| format!(" (.{})", e.to_string_lossy()));
            return unusable(
                &source,
                vec![Diagnostic::error(
                    Span::default(),
                    format!("this kind of file{ext} is not a submission"),
                    Some(
                        "submit a .deriv chain, a .tex or .md file, or a .txt list of labels"
                            .into(),
                    ),
                )],
                notes,
                false,
            );
        };
        let params: Vec<String> = self
            .assignment
            .decls
            .program()
            .params
            .iter()
            .map(|p| p.name.clone())
            .collect();
        let body = match crate::syntax::parser::with_known_params(&params, || {
            submission::read_body(kind, &source)
        }) {
            Ok(b) => b,
            Err(errors) => return unusable(&source, errors, notes, false),
        };
        let worked = match body {
            Body::Items(items) => self.items_chain(items, &source, &mut notes),
            Body::Labels(labels) => self.label_chain(&labels, &source, &mut notes),
        };
        match worked {
            Ok(w) => self.grade_worked(sub, w, notes),
            Err(errors) => unusable(&source, errors, notes, false),
        }
    }

    /// The chain of a `.deriv` submission, resolved on the assignment's
    /// declarations. Items repeated word for word from the assignment are
    /// dropped; the rubric's own items are ignored with a note.
    fn items_chain(
        &self,
        items: Vec<crate::syntax::ast::Item>,
        source: &Source,
        notes: &mut Vec<String>,
    ) -> Result<Worked<'static>, Vec<Diagnostic>> {
        let mut kept = Vec::new();
        let mut chains = Vec::new();
        let mut assume_lines = Vec::new();
        let mut ignored_claim = false;
        let mut ignored_rubric = false;
        for item in items {
            if check::prelude::is_repeated(&self.assignment.items, &item) {
                continue;
            }
            match &item.kind {
                ItemKind::Chain(c) => {
                    chains.push(c.clone());
                    kept.push(item);
                }
                ItemKind::Claim(..) => ignored_claim = true,
                ItemKind::Points(_)
                | ItemKind::Milestone(_)
                | ItemKind::Rubric(_)
                | ItemKind::Steps(_) => ignored_rubric = true,
                ItemKind::Assume(..) => {
                    assume_lines.push(source.line_col(item.span.start).0);
                    kept.push(item);
                }
                _ => kept.push(item),
            }
        }
        if ignored_claim {
            notes.push(
                "the submission's own claim is ignored: the goal is the assignment's claim".into(),
            );
        }
        if ignored_rubric {
            notes.push(
                "`points`, `milestone`, `rubric` and `steps` lines belong in the assignment and are ignored here"
                    .into(),
            );
        }
        let chain = match chains.as_slice() {
            [one] => one.clone(),
            [] => {
                return Err(vec![Diagnostic::error(
                    Span::default(),
                    "the submission holds no chain",
                    Some("write the derivation: the first expression on a line, then one line a step, each starting with `=`".into()),
                )])
            }
            [_, second, ..] => {
                return Err(vec![Diagnostic::error(
                    second.span,
                    format!("a submission holds one chain; this one holds {}", chains.len()),
                    Some("keep only the derivation to be graded".into()),
                )])
            }
        };
        if chain.steps.len() > self.opts.bounds.max_steps {
            let span = chain.steps[self.opts.bounds.max_steps].expr.span;
            return Err(vec![Diagnostic::error(
                span,
                format!(
                    "the chain has more than {} steps, the most a submission may have",
                    self.opts.bounds.max_steps
                ),
                None,
            )]);
        }
        let mut too_large = Vec::new();
        for item in &kept {
            for e in item.kind.exprs() {
                large_numbers(e, self.opts.bounds.max_number_bits, &mut too_large);
            }
        }
        if !too_large.is_empty() {
            return Err(too_large);
        }
        let program = self.assignment.decls.resolve(&kept);
        if !program.errors.is_empty() {
            return Err(program
                .errors
                .iter()
                .map(Diagnostic::from_resolve)
                .collect());
        }
        let Some(resolved) = program.chains.first().cloned() else {
            return Err(vec![Diagnostic::error(
                chain.span,
                "the chain could not be resolved",
                None,
            )]);
        };
        let mut nodes = vec![Node {
            term: resolved.start.term.clone(),
            at: written(source, resolved.start.span, &chain.start, None, None),
        }];
        for (r, a) in resolved.steps.iter().zip(&chain.steps) {
            nodes.push(Node {
                term: r.expr.term.clone(),
                at: written(source, r.expr.span, &a.expr, None, None),
            });
        }
        Ok(Worked {
            program: Cow::Owned(program),
            nodes,
            relations: chain.steps.iter().map(|s| s.relation).collect(),
            justifications: chain
                .steps
                .iter()
                .map(|s| s.justification.clone())
                .collect(),
            assume_lines,
        })
    }

    /// The chain of an ordering answer: the labelled expressions in the
    /// order given.
    fn label_chain(
        &self,
        labels: &[(String, Span)],
        source: &Source,
        notes: &mut Vec<String>,
    ) -> Result<Worked<'a>, Vec<Diagnostic>> {
        let Some(ordering) = &self.assignment.ordering else {
            return Err(vec![Diagnostic::error(
                Span::default(),
                "this assignment is not an ordering exercise, so a list of labels cannot answer it",
                Some("submit the derivation as a .deriv chain".into()),
            )]);
        };
        if labels.len() > self.opts.bounds.max_steps + 1 {
            return Err(vec![Diagnostic::error(
                labels[self.opts.bounds.max_steps + 1].1,
                format!(
                    "more than {} labels, the most an answer may have",
                    self.opts.bounds.max_steps + 1
                ),
                None,
            )]);
        }
        // Sorted, so that the hint does not give the intended order away.
        let mut known = self.assignment.labels();
        known.sort_unstable();
        let known = known.join(", ");
        let mut errors = Vec::new();
        let mut nodes = Vec::new();
        for (label, span) in labels {
            match ordering.iter().find(|l| l.label == *label) {
                Some(l) => nodes.push(Node {
                    term: l.target.term.clone(),
                    at: written(
                        source,
                        *span,
                        &l.target.expr,
                        Some(l.target.text.clone()),
                        Some(label.clone()),
                    ),
                }),
                None => errors.push(Diagnostic::error(
                    *span,
                    format!("unknown label `{label}`"),
                    Some(format!("the labels are {known}")),
                )),
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let mut repeated: Vec<&str> = Vec::new();
        for (k, (l, _)) in labels.iter().enumerate() {
            if labels[..k].iter().any(|(m, _)| m == l) && !repeated.contains(&l.as_str()) {
                repeated.push(l);
            }
        }
        if !repeated.is_empty() {
            notes.push(format!(
                "label{} used more than once: {}",
                if repeated.len() == 1 { "" } else { "s" },
                repeated.join(", ")
            ));
        }
        let unused: Vec<&str> = ordering
            .iter()
            .map(|l| l.label.as_str())
            .filter(|l| !labels.iter().any(|(m, _)| m == l))
            .collect();
        if !unused.is_empty() {
            notes.push(format!(
                "label{} not used: {}",
                if unused.len() == 1 { "" } else { "s" },
                unused.join(", ")
            ));
        }
        let n = nodes.len().saturating_sub(1);
        Ok(Worked {
            program: Cow::Borrowed(self.assignment.program()),
            nodes,
            relations: vec![Relation::Eq; n],
            justifications: vec![None; n],
            assume_lines: vec![],
        })
    }

    /// The result of a submission that could not be graded: 0 points, the
    /// errors as feedback.
    fn unusable(
        &self,
        sub: &Submission,
        source: &Source,
        errors: Vec<Diagnostic>,
        notes: Vec<String>,
        unreadable: bool,
    ) -> GradeResult {
        let errors: Vec<SubmissionError> = errors
            .iter()
            .map(|d| {
                // An empty span at the start is about the whole file.
                let whole_file = source.text.is_empty() || d.span == Span::default();
                let (line, column) = if whole_file {
                    (0, 0)
                } else {
                    d.line_col(source)
                };
                SubmissionError {
                    line,
                    column,
                    message: d.message.clone(),
                    hint: d.hint.clone(),
                    rendered: if whole_file {
                        match &d.hint {
                            Some(h) => format!("error: {}\n  = hint: {h}\n", d.message),
                            None => format!("error: {}\n", d.message),
                        }
                    } else {
                        d.render(source)
                    },
                }
            })
            .collect();
        let mut r = GradeResult {
            id: sub.id.clone(),
            path: sub.path.display().to_string(),
            score: 0.0,
            max: points_f64(self.assignment.points),
            valid: false,
            first_invalid_line: errors.first().map(|e| e.line).filter(|l| *l > 0),
            start: None,
            steps: vec![],
            errors,
            notes,
            breakdown: None,
            feedback: String::new(),
            unreadable,
        };
        r.feedback = feedback::explain(&r);
        r
    }

    /// Check every step of a chain with the engines, find the facts the
    /// rubric needs, and score them.
    fn grade_worked(&self, sub: &Submission, w: Worked<'_>, notes: Vec<String>) -> GradeResult {
        let prog: &Program = &w.program;
        let seed = self.seed_of(&sub.id);
        let forms: Vec<Form> = w.nodes.iter().map(|n| form(prog, &n.term)).collect();
        let rings: Vec<Option<Ring>> = forms.iter().map(ring_form).collect();
        let sizes: Vec<usize> = forms.iter().map(Form::size).collect();
        let label_of = |f: &Form| self.labels.iter().position(|l| l == f);
        let labels = self.assignment.labels();
        let started = std::time::Instant::now();
        let limit = self.opts.bounds.time_per_submission;
        let out_of_time = || {
            (started.elapsed() > limit).then(|| {
                Reason::TimeLimit(format!(
                    "not checked: the submission used up its time limit of {} s",
                    limit.as_secs_f64()
                ))
            })
        };
        let decided = check::decide_chain(
            &self.engines,
            prog,
            w.nodes
                .windows(2)
                .zip(&w.relations)
                .map(|(pair, r)| (&pair[0].term, &pair[1].term, *r)),
            |k| mix_seed(seed, 0, k as u64 + 1),
            &out_of_time,
        );
        let mut steps = Vec::with_capacity(w.relations.len());
        let mut step_facts = Vec::with_capacity(w.relations.len());
        for (k, (verdict, engine)) in (1..w.nodes.len()).zip(decided) {
            let relation = w.relations[k - 1];
            let repeats = forms[k] == forms[k - 1];
            // An ordering answer's expressions are the assignment's own, so
            // none of its steps is the student's padding.
            let pads = (!repeats && self.labels.is_empty())
                .then(|| rewritten(k, &rings, &sizes))
                .flatten();
            let in_order = if self.labels.is_empty() {
                None
            } else {
                Some(matches!(
                    (label_of(&forms[k - 1]), label_of(&forms[k])),
                    (Some(a), Some(b)) if b == a + 1
                ))
            };
            let place = match (&w.nodes[k - 1].at.label, &w.nodes[k].at.label) {
                (Some(a), Some(b)) => Some(format!("step {k} (`{a}` → `{b}`)")),
                _ => None,
            };
            let facts = StepFacts {
                line: w.nodes[k].at.line,
                place,
                valid: verdict.is_valid(),
                refuted: matches!(verdict, Verdict::Refuted { .. }),
                repeats,
                pads: pads.is_some(),
                in_order,
            };
            let name = |f: &Form| {
                label_of(f).map_or_else(
                    || "this expression".to_string(),
                    |i| format!("`{}`", labels[i]),
                )
            };
            let note = if !facts.valid {
                None
            } else if in_order == Some(false) {
                Some(format!(
                    "{} does not come right after {} in the intended order",
                    name(&forms[k]),
                    name(&forms[k - 1])
                ))
            } else if repeats {
                Some("the expression is the same as the one before: the step changes nothing and earns no point".into())
            } else if let Some(j) = pads {
                let (new, old) = (&w.nodes[k].at, &w.nodes[j].at);
                Some(if j + 1 == k {
                    format!(
                        "it only rewrites the expression above by arithmetic (`{}` is `{}`), so it earns no point",
                        new.expr, old.expr
                    )
                } else {
                    let which = old
                        .label
                        .as_ref()
                        .map_or_else(|| format!("line {}", old.line), |l| format!("`{l}`"));
                    format!(
                        "it only comes back, by arithmetic, to the expression of {which} (`{}` is `{}`), so it earns no point",
                        new.expr, old.expr
                    )
                })
            } else {
                None
            };
            steps.push(GradedStep {
                at: w.nodes[k].at.clone(),
                relation,
                verdict,
                engine: engine.map(str::to_string),
                justification: w.justifications[k - 1].clone(),
                in_order,
                credited: facts.credited(),
                note,
            });
            step_facts.push(facts);
        }
        // The valid prefix: the first expression and those reached by
        // sound steps before the first unsound one.
        let prefix = 1 + step_facts.iter().take_while(|s| s.sound()).count();
        let milestones = self
            .milestones
            .iter()
            .map(|m| {
                forms[..prefix]
                    .iter()
                    .position(|f| f == m)
                    .map(|i| w.nodes[i].at.line)
            })
            .collect();
        let last = forms.len() - 1;
        let facts = Facts {
            start: w.nodes[0].at.expr.clone(),
            last: w.nodes[last].at.expr.clone(),
            start_matches: forms[0] == self.claim_lhs,
            last_matches: forms[last] == self.claim_rhs,
            establishes: check::establishes(
                check::chain_relation(w.relations.iter().copied()),
                self.assignment.claim.relation,
                w.relations.len(),
            ),
            steps: step_facts,
            milestones,
            assume_lines: w.assume_lines.clone(),
        };
        let (points, breakdown) = score::score(self.assignment, &facts);
        let first_invalid_line = facts
            .first_unsound()
            .map(|s| s.line)
            .into_iter()
            .chain(facts.assume_lines.iter().copied())
            .min();
        let mut r = GradeResult {
            id: sub.id.clone(),
            path: sub.path.display().to_string(),
            score: points_f64(points),
            max: points_f64(self.assignment.points),
            valid: facts.all_sound(),
            first_invalid_line,
            start: Some(w.nodes[0].at.clone()),
            steps,
            errors: vec![],
            notes,
            breakdown: Some(breakdown),
            feedback: String::new(),
            unreadable: false,
        };
        r.feedback = feedback::explain(&r);
        r
    }
}

/// Whether the step to expression `k` of a chain only rewrites by
/// arithmetic, and if so the earlier expression it rewrites: a step earns
/// step points only when its ring form (`check::form::ring_form`) differs
/// from the previous expression's, or when it is strictly smaller than
/// every earlier expression with the same ring form, so that folding
/// numbers (`0.7 · 20 + 0.3 · (−10) = 14 − 3 = 11`) counts and padding
/// (`A = A + 0 = 2A − A`, or `A = A + 3 − 3 = A`) does not. An expression
/// past the ring form's bounds has none, and is not taken for padding.
fn rewritten(k: usize, rings: &[Option<Ring>], sizes: &[usize]) -> Option<usize> {
    let ring = rings[k].as_ref()?;
    if rings[k - 1].as_ref() != Some(ring) {
        return None;
    }
    (0..k)
        .rev()
        .find(|&j| rings[j].as_ref() == Some(ring) && sizes[j] <= sizes[k])
}

/// Numbers in `e` with more than `max_bits` bits above or below the
/// fraction line, as errors.
fn large_numbers(e: &Expr, max_bits: u64, out: &mut Vec<Diagnostic>) {
    if out.len() >= 10 {
        return;
    }
    if let ExprKind::Number(n) = &e.kind {
        if n.numer().bits() > max_bits || n.denom().bits() > max_bits {
            out.push(Diagnostic::error(
                e.span,
                format!("this number is too large to grade: at most {max_bits} bits above and below the fraction line"),
                Some("a derivation needs numbers of a few digits; write larger ones as powers, as in 10^40".into()),
            ));
        }
    }
    e.for_each_child(|x| large_numbers(x, max_bits, out));
}

/// An expression of the chain where it was written: its canonical text
/// (`text`, or printed from `tree`) and its MathML, drawn from `tree`.
fn written(
    source: &Source,
    span: Span,
    tree: &Expr,
    text: Option<String>,
    label: Option<String>,
) -> Written {
    let (line, column) = source.line_col(span.start);
    Written {
        line,
        column,
        expr: text.unwrap_or_else(|| print_expr(tree)),
        label,
        math: crate::report::mathml::math(tree, false),
    }
}

/// One expression of the chain being graded.
struct Node {
    term: Term,
    at: Written,
}

/// A submission's chain, ready to check.
struct Worked<'p> {
    program: Cow<'p, Program>,
    nodes: Vec<Node>,
    relations: Vec<Relation>,
    justifications: Vec<Option<String>>,
    assume_lines: Vec<usize>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resolve::resolve_text;
    use crate::verdict::Problem;

    const ASSIGNMENT: &str = "param θ\nset T\nvar τ in T\nfun R(τ)\nfun Pr_θ(τ) : dist τ\n\
        def J(θ) = Σ_τ Pr_θ(τ) R(τ)\npoints 10\n\
        claim ∇_θ J(θ) = E_{τ~Pr_θ}[∇_θ log Pr_θ(τ) R(τ)]\n";

    fn assignment() -> Assignment {
        Assignment::from_text("a.deriv", ASSIGNMENT).unwrap_or_else(|e| panic!("{}", e.render()))
    }

    fn deriv(id: &str) -> Submission {
        Submission {
            id: id.into(),
            path: format!("{id}.deriv").into(),
            kind: Some(Kind::Deriv),
            id_note: None,
            identity: None,
            refused: None,
        }
    }

    #[test]
    fn grading_bounds_decide_the_corpus_as_check_does() {
        // The bounds for untrusted submissions must not change a verdict on
        // the derivations derivcheck ships.
        let grading = engines(&GradeOptions::default());
        let checking = check::engines(&Options::default());
        let mut files = 0;
        for entry in check::collect_files(&["derivations".into()]) {
            let path = entry.expect("readable");
            if path.starts_with("derivations/assignments") {
                continue;
            }
            files += 1;
            let text = std::fs::read_to_string(&path).expect("readable");
            let (prog, _) = resolve_text(&text);
            for (c, chain) in prog.chains.iter().enumerate() {
                let mut prev = &chain.start;
                for (k, step) in chain.steps.iter().enumerate() {
                    let problem = Problem {
                        program: &prog,
                        lhs: &prev.term,
                        rhs: &step.expr.term,
                        relation: step.relation,
                        seed: mix_seed(1, c as u64, k as u64),
                    };
                    let (a, _) = check::decide(&grading, &problem);
                    let (b, _) = check::decide(&checking, &problem);
                    assert_eq!(a.name(), b.name(), "{}: chain {c} step {k}", path.display());
                    prev = &step.expr;
                }
            }
        }
        assert!(files >= 10);
    }

    #[test]
    fn numbers_too_large_are_the_submissions_error() {
        let a = assignment();
        let g = Grader::new(&a, GradeOptions::default());
        let r = g.grade_text(
            &deriv("big"),
            Ok("∇_θ J(θ)\n  = ∇_θ J(θ) + 1e39 - 1e39\n".into()),
        );
        assert_eq!(r.score, 0.0);
        assert!(
            r.errors[0].message.contains("too large to grade"),
            "{}",
            r.feedback
        );
        assert_eq!((r.errors[0].line, r.errors[0].column), (2, 16));
        let r = g.grade_text(
            &deriv("fine"),
            Ok("∇_θ J(θ)\n  = (1 + 1e38 - 1e38) ∇_θ J(θ)\n".into()),
        );
        assert!(r.errors.is_empty(), "{}", r.feedback);
    }

    #[test]
    fn towers_of_powers_end_quickly() {
        let a = assignment();
        let g = Grader::new(&a, GradeOptions::default());
        let started = std::time::Instant::now();
        let r = g.grade_text(
            &deriv("tower"),
            Ok(
                "J(θ)\n  = J(θ) + ((((2^64)^64)^64)^64)^64 - 2^99999999 + (J(θ) + 1)^99999999\n"
                    .into(),
            ),
        );
        assert!(
            started.elapsed().as_secs_f64() < 5.0,
            "{:?}",
            started.elapsed()
        );
        assert_eq!(r.steps.len(), 1);
        assert!(!r.steps[0].verdict.is_valid(), "{}", r.feedback);
    }

    #[test]
    fn chains_longer_than_the_bound_are_the_submissions_error() {
        let a = assignment();
        let opts = GradeOptions {
            bounds: Bounds {
                max_steps: 3,
                ..Bounds::default()
            },
            ..GradeOptions::default()
        };
        let g = Grader::new(&a, opts);
        let text = "J(θ)\n= J(θ)\n= J(θ)\n= J(θ)\n= J(θ)\n";
        let r = g.grade_text(&deriv("long"), Ok(text.into()));
        assert!(
            r.errors[0].message.contains("more than 3 steps"),
            "{}",
            r.feedback
        );
        assert_eq!(r.errors[0].line, 5);
    }

    #[test]
    fn out_of_time_steps_are_unknown_with_the_reason() {
        let a = assignment();
        let opts = GradeOptions {
            bounds: Bounds {
                time_per_submission: std::time::Duration::ZERO,
                ..Bounds::default()
            },
            ..GradeOptions::default()
        };
        let g = Grader::new(&a, opts);
        let r = g.grade_text(&deriv("slow"), Ok("J(θ)\n= J(θ) + 0\n".into()));
        assert!(
            matches!(&r.steps[0].verdict, Verdict::Unknown { reason: Reason::TimeLimit(t) } if t.contains("time limit")),
            "{:?}",
            r.steps[0].verdict
        );
    }

    #[test]
    fn steps_that_only_rewrite_by_arithmetic_earn_nothing() {
        let a = assignment();
        let g = Grader::new(&a, GradeOptions::default());
        let credited = |text: &str| -> Vec<bool> {
            let r = g.grade_text(&deriv("pad"), Ok(text.into()));
            assert!(r.errors.is_empty(), "{}", r.feedback);
            r.steps.iter().map(|s| s.credited).collect()
        };
        // A → A + 0 → 2A − A, and A → A + 3 − 3 → A: nothing changes.
        assert_eq!(
            credited("J(θ)\n= J(θ) + 0\n= 2 J(θ) - J(θ)\n= J(θ) + 3 - 3\n= J(θ)\n"),
            [false; 4]
        );
        // Folding numbers shortens the expression: each step counts.
        assert_eq!(
            credited("J(θ) + 0.7 · 20 + 0.3 · (-10)\n= J(θ) + 14 - 3\n= J(θ) + 11\n= 11 + J(θ)\n"),
            [true, true, false]
        );
        // Unfolding a definition, or a rule of calculus, is a step.
        assert_eq!(
            credited("∇_θ J(θ)\n= ∇_θ Σ_τ Pr_θ(τ) R(τ)\n= Σ_τ ∇_θ Pr_θ(τ) R(τ)\n= Σ_τ Pr_θ(τ) (∇_θ Pr_θ(τ) / Pr_θ(τ)) R(τ)\n= Σ_τ Pr_θ(τ) ∇_θ log Pr_θ(τ) R(τ)\n"),
            [true, true, false, true]
        );
        let r = g.grade_text(&deriv("pad"), Ok("J(θ)\n= J(θ) · 1 + 0\n".into()));
        let note = r.steps[0].note.as_deref().unwrap_or_default();
        assert!(
            note.contains(
                "only rewrites the expression above by arithmetic (`J(θ) · 1 + 0` is `J(θ)`)"
            ),
            "{note}"
        );
    }

    #[test]
    fn seeds_depend_on_the_id_not_the_order() {
        let a = assignment();
        let g = Grader::new(&a, GradeOptions::default());
        assert_eq!(g.seed_of("alice"), g.seed_of("alice"));
        assert_ne!(g.seed_of("alice"), g.seed_of("bob"));
    }

    #[test]
    fn repeated_declarations_are_dropped_and_conflicts_are_errors() {
        let a = assignment();
        let g = Grader::new(&a, GradeOptions::default());
        let copy = format!("{ASSIGNMENT}\n∇_θ J(θ)\n  = E_{{τ~Pr_θ}}[∇_θ log Pr_θ(τ) R(τ)]\n");
        let r = g.grade_text(&deriv("copy"), Ok(copy));
        assert!(r.errors.is_empty(), "{}", r.feedback);
        assert!(r.notes.is_empty(), "{:?}", r.notes);
        // The same name declared otherwise than the assignment does.
        let own = "fun R(τ) : positive\n\n∇_θ J(θ)\n= ∇_θ J(θ)\n";
        let r = g.grade_text(&deriv("own"), Ok(own.into()));
        assert!(
            r.errors
                .iter()
                .any(|e| e.message.contains("declared twice")),
            "{}",
            r.feedback
        );
        let extra =
            "points 100\nclaim J(θ) = J(θ)\n\n∇_θ J(θ)\n= E_{τ~Pr_θ}[∇_θ log Pr_θ(τ) R(τ)]\n";
        let r = g.grade_text(&deriv("extra"), Ok(extra.into()));
        assert_eq!(r.max, 10.0);
        assert_eq!(r.notes.len(), 2, "{:?}", r.notes);
    }

    #[test]
    fn a_submission_holds_one_chain() {
        let a = assignment();
        let g = Grader::new(&a, GradeOptions::default());
        let r = g.grade_text(&deriv("two"), Ok("J(θ)\n= J(θ)\n\nJ(θ)\n= J(θ)\n".into()));
        assert!(r.errors[0].message.contains("holds 2"), "{}", r.feedback);
        let r = g.grade_text(&deriv("none"), Ok("# nothing\n".into()));
        assert!(r.errors[0].message.contains("no chain"), "{}", r.feedback);
        assert_eq!(r.first_invalid_line, None);
    }
}
