//! Reading an assignment (docs/grading.md): declarations, the claim (the goal),
//! milestones, the rubric, `points`, and the labelled `steps` of an
//! ordering exercise.
//!
//! The declarations are resolved once into a [`Declarations`] state; each
//! submission is then resolved on top of a clone of it, which is far
//! cheaper than reading the assignment again.

use super::rubric::{points_from_big, points_text, Points, Rubric};
use crate::diagnostic::Diagnostic;
use crate::resolve::{Claim, Declarations, Located, Program};
use crate::syntax::ast::{Expr, Item, ItemKind};
use crate::syntax::parser::parse_file;
use crate::syntax::print::print_expr;
use crate::syntax::{Source, Span};
use num_traits::{Signed, Zero};

/// An expression of the assignment: resolved, and as written (for
/// reports).
#[derive(Clone, Debug)]
pub struct Target {
    /// The resolved term.
    pub term: crate::resolve::Term,
    /// The syntax tree, for rendering.
    pub expr: Expr,
    /// The canonical text.
    pub text: String,
}

/// One labelled step of an ordering exercise.
#[derive(Clone, Debug)]
pub struct Labelled {
    /// The label (`A`).
    pub label: String,
    /// The expression.
    pub target: Target,
}

/// A resolved assignment, ready to grade submissions against.
#[derive(Clone)]
pub struct Assignment {
    /// The assignment's file, for diagnostics.
    pub source: Source,
    /// Its parsed items: a submission may repeat them word for word.
    pub items: Vec<Item>,
    /// The declarations, from which each submission is resolved.
    pub decls: Declarations,
    /// The goal.
    pub claim: Claim,
    /// The claim's left side.
    pub claim_lhs: Target,
    /// The claim's right side.
    pub claim_rhs: Target,
    /// Forms that must appear in the valid prefix of a chain.
    pub milestones: Vec<Target>,
    /// What each part is worth.
    pub rubric: Rubric,
    /// The most a submission can score.
    pub points: Points,
    /// For an ordering exercise: the labelled steps in the right order
    /// (the order the assignment lists them in).
    pub ordering: Option<Vec<Labelled>>,
}

/// An assignment that cannot be used, with every problem found.
#[derive(Clone, Debug)]
pub struct AssignmentError {
    /// The file.
    pub source: Source,
    /// The problems.
    pub diagnostics: Vec<Diagnostic>,
}

impl AssignmentError {
    /// Every problem as `file:line:column` with the source line.
    pub fn render(&self) -> String {
        self.diagnostics
            .iter()
            .map(|d| d.render(&self.source))
            .collect()
    }
}

fn target(located: &Located, expr: &Expr) -> Target {
    Target {
        term: located.term.clone(),
        expr: expr.clone(),
        text: print_expr(expr),
    }
}

impl Assignment {
    /// Read an assignment file.
    pub fn load(path: &std::path::Path) -> Result<Assignment, AssignmentError> {
        let name = path.display().to_string();
        match crate::check::read_bounded(path) {
            Ok(text) => Assignment::from_text(&name, &text),
            Err(e) => Err(AssignmentError {
                source: Source::new(name, ""),
                diagnostics: vec![Diagnostic::error(Span::default(), e, None)],
            }),
        }
    }

    /// Parse, resolve and validate an assignment's text.
    pub fn from_text(name: &str, text: &str) -> Result<Assignment, AssignmentError> {
        let source = Source::new(name, text);
        let parsed = parse_file(text);
        let mut diagnostics: Vec<Diagnostic> = parsed
            .errors
            .iter()
            .map(|e| Diagnostic::from_syntax(e, &source))
            .collect();
        let mut decls = Declarations::new();
        decls.add(&parsed.items);
        diagnostics.extend(decls.errors().iter().map(Diagnostic::from_resolve));
        let fail = |mut diagnostics: Vec<Diagnostic>, source: Source| {
            diagnostics.sort_by_key(|d| d.span.start);
            Err(AssignmentError {
                source,
                diagnostics,
            })
        };
        if !diagnostics.is_empty() {
            return fail(diagnostics, source);
        }
        let program = decls.program().clone();

        // The syntax trees of the claim, milestones and labelled steps, in
        // the order the resolver met them.
        let mut claim_exprs = Vec::new();
        let mut milestone_exprs = Vec::new();
        let mut labelled_exprs = Vec::new();
        let mut rubric_item = None;
        for item in &parsed.items {
            match &item.kind {
                ItemKind::Claim(_, l, _, r) => claim_exprs.push((l, r, item.span)),
                ItemKind::Milestone(e) => milestone_exprs.push(e),
                ItemKind::Steps(list) => {
                    labelled_exprs.extend(list.iter().map(|(l, e)| (l, e, item.span)))
                }
                ItemKind::Rubric(text) => {
                    if rubric_item.is_some() {
                        diagnostics.push(Diagnostic::error(
                            item.span,
                            "an assignment has one rubric line",
                            Some("put every entry on one line, separated by commas".into()),
                        ));
                    }
                    rubric_item = Some((text.clone(), item.span));
                }
                ItemKind::Chain(c) => diagnostics.push(Diagnostic::error(
                    c.span,
                    "an assignment holds no chain",
                    Some(
                        "put the model answer in a submission file of its own and grade it with the rest"
                            .into(),
                    ),
                )),
                _ => {}
            }
        }
        let (claim, claim_lhs, claim_rhs) =
            match (program.claims.as_slice(), claim_exprs.as_slice()) {
                ([c], [(l, r, _)]) => (c.clone(), target(&c.lhs, l), target(&c.rhs, r)),
                ([], _) => {
                    diagnostics.push(Diagnostic::error(
                    Span::default(),
                    "an assignment needs a claim: the goal of the derivation",
                    Some(
                        "add a line such as `claim ∇_θ J(θ) = E_{τ~Pr_θ}[∇_θ log Pr_θ(τ) R(τ)]`"
                            .into(),
                    ),
                ));
                    return fail(diagnostics, source);
                }
                (_, list) => {
                    let span = list.get(1).map_or(Span::default(), |c| c.2);
                    diagnostics.push(Diagnostic::error(
                        span,
                        "an assignment has exactly one claim",
                        Some("make one assignment a file for each goal".into()),
                    ));
                    return fail(diagnostics, source);
                }
            };
        let milestones = program
            .milestones
            .iter()
            .zip(&milestone_exprs)
            .map(|(l, e)| target(l, e))
            .collect::<Vec<_>>();

        // The rubric: the line as written, or the default.
        let rubric = match &rubric_item {
            None => Rubric::default(),
            Some((text, span)) => {
                // The rubric text starts after the keyword and its spaces.
                let line = source.slice(*span);
                let offset = line.find(text.as_str()).unwrap_or(0);
                match Rubric::parse(text) {
                    Ok(r) => r,
                    Err(e) => {
                        let at = span.start + offset + e.at;
                        diagnostics.push(Diagnostic::error(
                            Span::new(at, at + 1),
                            e.message,
                            e.hint,
                        ));
                        Rubric::default()
                    }
                }
            }
        };
        let points = match &program.points {
            Some(n) => match points_from_big(n) {
                Some(p) if p.is_positive() => p,
                _ => {
                    let span = parsed
                        .items
                        .iter()
                        .find(|i| matches!(i.kind, ItemKind::Points(_)))
                        .map_or(Span::default(), |i| i.span);
                    diagnostics.push(Diagnostic::error(
                        span,
                        "`points` must be a positive number of at most 1,000,000 with at most 6 decimals",
                        None,
                    ));
                    Points::zero()
                }
            },
            None => match rubric.most(milestones.len()) {
                Some(p) if p.is_positive() => p,
                _ => {
                    diagnostics.push(Diagnostic::error(
                        rubric_item.as_ref().map_or(Span::default(), |r| r.1),
                        "the assignment gives no `points`, and the rubric has no natural maximum",
                        Some(format!(
                            "add `points N`, or cap the steps with `step {} max N`",
                            points_text(rubric.step)
                        )),
                    ));
                    Points::zero()
                }
            },
        };

        let ordering = if program.labelled_steps.is_empty() {
            None
        } else {
            let mut list: Vec<Labelled> = Vec::new();
            for ((label, located), (_, expr, span)) in
                program.labelled_steps.iter().zip(&labelled_exprs)
            {
                if list.iter().any(|l| l.label == *label) {
                    diagnostics.push(Diagnostic::error(
                        *span,
                        format!("label `{label}` is given twice"),
                        Some("give every labelled step its own label".into()),
                    ));
                }
                list.push(Labelled {
                    label: label.clone(),
                    target: target(located, expr),
                });
            }
            if list.len() < 2 {
                diagnostics.push(Diagnostic::error(
                    labelled_exprs.first().map_or(Span::default(), |x| x.2),
                    "an ordering exercise needs at least two labelled steps",
                    None,
                ));
            }
            Some(list)
        };

        if !diagnostics.is_empty() {
            return fail(diagnostics, source);
        }
        Ok(Assignment {
            source,
            items: parsed.items,
            decls,
            claim,
            claim_lhs,
            claim_rhs,
            milestones,
            rubric,
            points,
            ordering,
        })
    }

    /// The program of the assignment's declarations.
    pub fn program(&self) -> &Program {
        self.decls.program()
    }

    /// The labels of an ordering exercise, in the right order.
    pub fn labels(&self) -> Vec<&str> {
        self.ordering
            .iter()
            .flatten()
            .map(|l| l.label.as_str())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DECLS: &str = "param θ\nset T\nvar τ in T\nfun R(τ)\nfun Pr_θ(τ) : dist τ\n\
                         def J(θ) = Σ_τ Pr_θ(τ) R(τ)\n";

    fn errors(text: &str) -> String {
        match Assignment::from_text("a.deriv", text) {
            Ok(_) => panic!("expected an error"),
            Err(e) => e.render(),
        }
    }

    #[test]
    fn a_full_assignment_reads() {
        let a = Assignment::from_text(
            "a.deriv",
            &format!(
                "{DECLS}points 12\nclaim ∇_θ J(θ) = E_{{τ~Pr_θ}}[∇_θ log Pr_θ(τ) R(τ)]\n\
                 milestone Σ_τ ∇_θ Pr_θ(τ) R(τ)\nrubric start 2, finish 4, step 1 max 4, milestone 2, refuted -1\n\
                 steps\n  B: Σ_τ ∇_θ Pr_θ(τ) R(τ)\n  A: ∇_θ J(θ)\n"
            ),
        )
        .unwrap_or_else(|e| panic!("{}", e.render()));
        assert_eq!(a.points, Points::from_integer(12));
        assert_eq!(a.rubric.start, Points::from_integer(2));
        assert_eq!(a.milestones.len(), 1);
        assert_eq!(a.milestones[0].text, "Σ_τ ∇_θ Pr_θ(τ) · R(τ)");
        assert_eq!(a.labels(), vec!["B", "A"]);
        assert_eq!(a.claim_lhs.text, "∇_θ J(θ)");
    }

    #[test]
    fn points_default_to_the_most_the_rubric_gives() {
        let a = Assignment::from_text(
            "a.deriv",
            &format!("{DECLS}claim J(θ) = Σ_τ Pr_θ(τ) R(τ)\nmilestone J(θ)\n"),
        )
        .unwrap_or_else(|e| panic!("{}", e.render()));
        assert_eq!(a.points, Points::from_integer(10));
    }

    #[test]
    fn a_claim_is_required() {
        let out = errors(DECLS);
        assert!(out.contains("needs a claim"), "{out}");
    }

    #[test]
    fn two_claims_are_one_too_many() {
        let out = errors(&format!("{DECLS}claim J(θ) = J(θ)\nclaim J(θ) = 1\n"));
        assert!(out.contains("exactly one claim"), "{out}");
        assert!(out.contains("a.deriv:8:1"), "{out}");
    }

    #[test]
    fn a_bad_rubric_points_at_its_entry() {
        let out = errors(&format!(
            "{DECLS}claim J(θ) = J(θ)\nrubric start 1, finsh 3\n"
        ));
        assert!(out.contains("unknown rubric entry `finsh`"), "{out}");
        assert!(out.contains("a.deriv:8:17"), "{out}");
    }

    #[test]
    fn uncapped_steps_need_points() {
        let out = errors(&format!(
            "{DECLS}claim J(θ) = J(θ)\nrubric start 1, step 1\n"
        ));
        assert!(out.contains("no natural maximum"), "{out}");
    }

    #[test]
    fn chains_and_duplicate_labels_are_errors() {
        let out = errors(&format!(
            "{DECLS}claim J(θ) = J(θ)\nsteps\n  A: J(θ)\n  A: J(θ)\n\nJ(θ)\n= J(θ)\n"
        ));
        assert!(out.contains("label `A` is given twice"), "{out}");
        assert!(out.contains("holds no chain"), "{out}");
    }

    #[test]
    fn resolve_errors_are_reported() {
        let out = errors("param θ\nclaim Q(θ) = 1\n");
        assert!(out.contains("undeclared name `Q`"), "{out}");
    }
}
