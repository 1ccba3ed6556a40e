//! Scoring (docs/grading.md): facts about a chain → points, part by part, each
//! with the reason in plain words.
//!
//! The facts (does the start match the claim, which steps are valid,
//! which milestones appear in the valid prefix) are found by the caller
//! with the engines and [`crate::check::form::same_form`]; this module only
//! adds up, so the rules are in one place and testable on their own.

use super::assignment::Assignment;
use super::result::{Breakdown, MilestonePart, Part};
use super::rubric::{points_f64, points_text, Points};
use num_traits::Zero;

/// What is known about one step of a chain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StepFacts {
    /// 1-based line of the new expression.
    pub line: usize,
    /// How to name the step when its line does not tell it apart (an
    /// ordering answer on one line): "step 3 (`B` → `E`)". `None`: by its
    /// line.
    pub place: Option<String>,
    /// Proved, confirmed or estimated.
    pub valid: bool,
    /// Refuted (with a counterexample).
    pub refuted: bool,
    /// The new expression has the same form as the previous one: the step
    /// rewrites nothing.
    pub repeats: bool,
    /// The step only rewrites an earlier expression by arithmetic: the
    /// same ring form as the previous one (`A + 0` after `A`), and not
    /// smaller than every earlier expression with that ring form (see
    /// `grade::rewritten`).
    pub pads: bool,
    /// For an ordering exercise: whether the new expression is the one that
    /// comes next in the right order. `None` otherwise.
    pub in_order: Option<bool>,
}

impl StepFacts {
    /// Valid, and in order where order matters.
    pub fn sound(&self) -> bool {
        self.valid && self.in_order != Some(false)
    }

    /// Sound, and neither a repetition nor padding: earns a step point.
    pub fn credited(&self) -> bool {
        self.sound() && !self.repeats && !self.pads
    }
}

/// What is known about a submission's chain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Facts {
    /// The first expression, in canonical notation.
    pub start: String,
    /// The last expression, in canonical notation.
    pub last: String,
    /// The first expression has the form of the claim's left side.
    pub start_matches: bool,
    /// The last expression has the form of the claim's right side.
    pub last_matches: bool,
    /// The steps' relations establish the claim's relation.
    pub establishes: bool,
    /// The steps, in order.
    pub steps: Vec<StepFacts>,
    /// Per milestone of the assignment, the line of the first expression of
    /// the valid prefix that has its form.
    pub milestones: Vec<Option<usize>>,
    /// Lines of the submission's `assume` lines.
    pub assume_lines: Vec<usize>,
}

impl Facts {
    /// The first step that is not sound.
    pub fn first_unsound(&self) -> Option<&StepFacts> {
        self.steps.iter().find(|s| !s.sound())
    }

    /// Every step sound and no assumption.
    pub fn all_sound(&self) -> bool {
        self.first_unsound().is_none() && self.assume_lines.is_empty()
    }
}

fn lines_text(lines: &[usize]) -> String {
    let parts: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
    match parts.as_slice() {
        [one] => format!("line {one}"),
        _ => format!("lines {}", parts.join(", ")),
    }
}

impl StepFacts {
    /// The step's name in a sentence: "line 8" or "step 3 (`B` → `E`)".
    pub fn place(&self) -> String {
        self.place
            .clone()
            .unwrap_or_else(|| format!("line {}", self.line))
    }
}

impl StepFacts {
    /// The step as the subject of a sentence: "the step at line 8" or
    /// "step 3 (`B` → `E`)".
    pub fn subject(&self) -> String {
        match &self.place {
            Some(p) => p.clone(),
            None => format!("the step at line {}", self.line),
        }
    }
}

/// Several steps in a sentence: "lines 5, 8", or their places.
fn places_text(steps: &[&StepFacts]) -> String {
    if steps.iter().all(|s| s.place.is_none()) {
        lines_text(&steps.iter().map(|s| s.line).collect::<Vec<_>>())
    } else {
        steps
            .iter()
            .map(|s| s.place())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Points earned and the breakdown, the score clamped to [0, points].
pub fn score(a: &Assignment, f: &Facts) -> (Points, Breakdown) {
    let r = &a.rubric;
    let part = |earned: Points, of: Points, reason: String| Part {
        earned: points_f64(earned),
        of: points_f64(of),
        reason,
    };

    let start = if f.start_matches {
        part(
            r.start,
            r.start,
            format!(
                "the chain starts with the claim's left side `{}`",
                a.claim_lhs.text
            ),
        )
    } else {
        part(
            Points::zero(),
            r.start,
            format!(
                "the chain starts with `{}`, not with the claim's left side `{}` (the same form is needed, not only an equal value)",
                f.start, a.claim_lhs.text
            ),
        )
    };

    let finish_given = f.last_matches && f.all_sound() && f.establishes;
    let finish = if finish_given {
        part(
            r.finish,
            r.finish,
            format!(
                "the chain ends with the claim's right side `{}`, and every step is valid",
                a.claim_rhs.text
            ),
        )
    } else {
        let mut why = Vec::new();
        if !f.last_matches {
            why.push(format!(
                "the chain ends with `{}`, not with the claim's right side `{}`",
                f.last, a.claim_rhs.text
            ));
        }
        if let Some(s) = f.first_unsound() {
            why.push(if s.valid {
                format!("{} is out of order", s.subject())
            } else {
                format!("{} is not valid", s.subject())
            });
        }
        if !f.assume_lines.is_empty() {
            why.push(format!(
                "the submission assumes a fact of its own ({})",
                lines_text(&f.assume_lines)
            ));
        }
        if !f.establishes && f.last_matches {
            why.push(format!(
                "the steps' relations do not establish the claim's `{}`",
                a.claim.relation.symbol()
            ));
        }
        part(Points::zero(), r.finish, why.join("; "))
    };

    let credited = f.steps.iter().filter(|s| s.credited()).count();
    let uncapped = r.step * Points::from_integer(credited as i64);
    let step_points = match r.step_max {
        Some(m) => uncapped.min(m),
        None => uncapped,
    };
    let mut why = vec![format!(
        "{credited} of {} step{} count{}, at {} each{}",
        f.steps.len(),
        if f.steps.len() == 1 { "" } else { "s" },
        if credited == 1 { "s" } else { "" },
        points_text(r.step),
        r.step_max
            .map_or(String::new(), |m| format!(", at most {}", points_text(m)))
    )];
    // Sound steps that earn nothing, and why: "line 5 repeats …",
    // "lines 6, 7 only rewrite …" (`{s}` is the verb's ending).
    for (earns_nothing, what) in [
        (
            (|s: &StepFacts| s.repeats) as fn(&StepFacts) -> bool,
            "repeat{s} the expression before",
        ),
        (
            |s| s.pads,
            "only rewrite{s} an expression before by arithmetic",
        ),
    ] {
        let list: Vec<&StepFacts> = f
            .steps
            .iter()
            .filter(|s| s.sound() && earns_nothing(s))
            .collect();
        if !list.is_empty() {
            let ending = if list.len() == 1 { "s" } else { "" };
            why.push(format!(
                "{} {} and earn{ending} nothing",
                places_text(&list),
                what.replace("{s}", ending)
            ));
        }
    }
    let disordered: Vec<&StepFacts> = f
        .steps
        .iter()
        .filter(|s| s.valid && s.in_order == Some(false))
        .collect();
    if !disordered.is_empty() {
        why.push(format!("{} out of order", places_text(&disordered)));
    }
    let steps = part(
        step_points,
        r.step_max.unwrap_or(step_points),
        why.join("; "),
    );

    let mut milestone_total = Points::zero();
    let milestones = a
        .milestones
        .iter()
        .zip(&f.milestones)
        .map(|(m, line)| {
            let earned = if line.is_some() {
                r.milestone
            } else {
                Points::zero()
            };
            milestone_total += earned;
            MilestonePart {
                expr: m.text.clone(),
                line: *line,
                earned: points_f64(earned),
                of: points_f64(r.milestone),
            }
        })
        .collect::<Vec<_>>();

    let refuted_steps: Vec<&StepFacts> = f.steps.iter().filter(|s| s.refuted).collect();
    let refuted_lines: Vec<usize> = refuted_steps.iter().map(|s| s.line).collect();
    let penalised = refuted_lines.len() + f.assume_lines.len();
    let penalty = r.refuted * Points::from_integer(penalised as i64);
    let refuted = {
        let mut why = Vec::new();
        if !refuted_lines.is_empty() {
            why.push(format!(
                "{} refuted",
                if refuted_steps.len() == 1 {
                    format!("{} is", refuted_steps[0].place())
                } else {
                    format!("{} are", places_text(&refuted_steps))
                }
            ));
        }
        if !f.assume_lines.is_empty() {
            why.push(format!(
                "an `assume` in a submission counts as a refuted step ({})",
                lines_text(&f.assume_lines)
            ));
        }
        if why.is_empty() {
            why.push("no step is refuted".into());
        }
        part(penalty, Points::zero(), why.join("; "))
    };

    let start_points = if f.start_matches {
        r.start
    } else {
        Points::zero()
    };
    let finish_points = if finish_given {
        r.finish
    } else {
        Points::zero()
    };
    let total = start_points + finish_points + step_points + milestone_total + penalty;
    let clamped = total.max(Points::zero()).min(a.points);
    let breakdown = Breakdown {
        start,
        finish,
        steps,
        credited_steps: credited,
        milestones,
        refuted,
        refuted_lines,
        assume_lines: f.assume_lines.clone(),
        total: points_f64(total),
    };
    (clamped, breakdown)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ASSIGNMENT: &str = "param θ\nset T\nvar τ in T\nfun R(τ)\nfun Pr_θ(τ) : dist τ\n\
        def J(θ) = Σ_τ Pr_θ(τ) R(τ)\npoints 10\n\
        claim ∇_θ J(θ) = E_{τ~Pr_θ}[∇_θ log Pr_θ(τ) R(τ)]\n\
        milestone Σ_τ Pr_θ(τ) ∇_θ log Pr_θ(τ) R(τ)\n";

    fn assignment() -> Assignment {
        Assignment::from_text("a.deriv", ASSIGNMENT).unwrap_or_else(|e| panic!("{}", e.render()))
    }

    fn step(line: usize, valid: bool) -> StepFacts {
        StepFacts {
            line,
            place: None,
            valid,
            refuted: !valid,
            repeats: false,
            pads: false,
            in_order: None,
        }
    }

    fn facts(steps: Vec<StepFacts>) -> Facts {
        Facts {
            start: "∇_θ J(θ)".into(),
            last: "E".into(),
            start_matches: true,
            last_matches: true,
            establishes: true,
            steps,
            milestones: vec![Some(4)],
            assume_lines: vec![],
        }
    }

    fn total(f: &Facts) -> Points {
        score(&assignment(), f).0
    }

    #[test]
    fn a_perfect_chain_has_full_marks() {
        let f = facts((1..=5).map(|l| step(l, true)).collect());
        let (s, b) = score(&assignment(), &f);
        assert_eq!(s, Points::from_integer(10));
        assert_eq!(b.total, 10.0);
        assert_eq!(b.credited_steps, 5);
        assert_eq!(b.steps.earned, 4.0);
        assert!(b.finish.reason.contains("every step is valid"));
    }

    #[test]
    fn a_refuted_step_costs_finish_and_two_points() {
        let mut f = facts(vec![step(1, true), step(2, false), step(3, true)]);
        f.milestones = vec![None];
        let (s, b) = score(&assignment(), &f);
        // start 1 + steps 2 - refuted 2 = 1
        assert_eq!(s, Points::from_integer(1));
        assert!(
            b.finish.reason.contains("line 2 is not valid"),
            "{}",
            b.finish.reason
        );
        assert_eq!(b.refuted.reason, "line 2 is refuted");
        assert_eq!(b.refuted_lines, vec![2]);
    }

    #[test]
    fn scores_are_clamped_to_zero() {
        let mut f = facts(vec![step(1, false), step(2, false), step(3, false)]);
        f.start_matches = false;
        f.milestones = vec![None];
        let (s, b) = score(&assignment(), &f);
        assert_eq!(s, Points::zero());
        assert_eq!(b.total, -6.0);
    }

    #[test]
    fn repeated_expressions_earn_nothing() {
        let mut steps: Vec<StepFacts> = (1..=4).map(|l| step(l, true)).collect();
        for s in &mut steps {
            s.repeats = true;
        }
        let mut f = facts(steps);
        f.last_matches = false;
        f.milestones = vec![None];
        let (s, b) = score(&assignment(), &f);
        assert_eq!(s, Points::from_integer(1));
        assert!(
            b.steps.reason.contains("repeat the expression"),
            "{}",
            b.steps.reason
        );
    }

    #[test]
    fn padding_earns_nothing_and_is_named() {
        let mut steps: Vec<StepFacts> = (1..=4).map(|l| step(l, true)).collect();
        steps[1].pads = true;
        steps[2].pads = true;
        let (s, b) = score(&assignment(), &facts(steps));
        // start 1 + finish 3 + 2 steps + milestone 2.
        assert_eq!(s, Points::from_integer(8));
        assert_eq!(b.credited_steps, 2);
        assert!(
            b.steps
                .reason
                .contains("lines 2, 3 only rewrite an expression before by arithmetic"),
            "{}",
            b.steps.reason
        );
    }

    #[test]
    fn an_assumption_counts_as_a_refuted_step() {
        let mut f = facts((1..=5).map(|l| step(l, true)).collect());
        f.assume_lines = vec![3];
        let (s, b) = score(&assignment(), &f);
        // start 1 + steps 4 + milestone 2 - 2, and no finish.
        assert_eq!(s, Points::from_integer(5));
        assert!(
            b.finish.reason.contains("assumes a fact"),
            "{}",
            b.finish.reason
        );
        assert!(b.refuted.reason.contains("counts as a refuted step"));
    }

    #[test]
    fn out_of_order_steps_earn_nothing_and_block_the_finish() {
        let mut steps: Vec<StepFacts> = (1..=3).map(|l| step(l, true)).collect();
        steps[1].in_order = Some(false);
        let f = facts(steps);
        let (s, b) = score(&assignment(), &f);
        // start 1 + 2 steps + milestone 2, no finish, no penalty.
        assert_eq!(s, Points::from_integer(5));
        assert!(
            b.finish.reason.contains("out of order"),
            "{}",
            b.finish.reason
        );
        assert!(
            b.steps.reason.contains("line 2 out of order"),
            "{}",
            b.steps.reason
        );
    }

    #[test]
    fn the_relation_must_establish_the_claim() {
        let mut f = facts(vec![step(1, true)]);
        f.establishes = false;
        assert_eq!(total(&f), Points::from_integer(4));
    }
}
