//! `grade --format gradescope`: a submission's result as the
//! `results.json` of a Gradescope autograder, which runs once a
//! submission.
//!
//! The document, in the fields of Gradescope's autograder specification:
//! - `score`: the score (clamped to [0, points]; it overrides the tests'
//!   sum, which the refuted part can take below 0);
//! - `output`: the feedback a student gets in the feedback file;
//! - `output_format`, `test_output_format`, `test_name_format`: `text`,
//!   so nothing a student wrote is rendered as HTML or Markdown;
//! - `visibility`: `visible`;
//! - `extra_data`: the id, the points, whether the chain is valid and the
//!   first line that is not;
//! - `tests`: one a rubric part (start, finish, steps, each milestone,
//!   refuted steps), numbered `1.k`, with its points (`score`,
//!   `max_score`), `status` (`passed` when the part gave all its points),
//!   and why as `output`; a part the rubric gives nothing for is left out,
//!   except the refuted steps. Then one a step, numbered `2.k`, without
//!   points (an informational test), `passed` when the step is valid (and
//!   in order), with its verdict, justification, counterexample or reason,
//!   and note as `output`. A submission that could not be graded has one
//!   test, failed, with its errors.
//!
//! There is no `execution_time` (a report must not depend on the clock)
//! and no leaderboard. Control characters in the text are shown escaped
//! ([`crate::terminal`]): all of it is read on a page.

use super::grade::{Header, Summary};
use super::{GradeRun, Reporter};
use crate::grade::feedback::milestone_reason;
use crate::grade::result::{GradedStep, Part, Written};
use crate::grade::GradeResult;
use crate::terminal::visible;
use crate::verdict::Verdict;
use serde::Serialize;
use std::io::{self, Write};

/// Writes one `results.json` a submission.
pub struct GradescopeReporter;

#[derive(Serialize)]
struct Results<'a> {
    score: f64,
    output: String,
    output_format: &'static str,
    test_output_format: &'static str,
    test_name_format: &'static str,
    visibility: &'static str,
    extra_data: Extra<'a>,
    tests: Vec<Test>,
}

#[derive(Serialize)]
struct Extra<'a> {
    id: &'a str,
    max: f64,
    valid: bool,
    first_invalid_line: Option<usize>,
}

#[derive(Serialize)]
struct Test {
    #[serde(skip_serializing_if = "Option::is_none")]
    score: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_score: Option<f64>,
    status: &'static str,
    name: String,
    number: String,
    output: String,
}

fn status(passed: bool) -> &'static str {
    if passed {
        "passed"
    } else {
        "failed"
    }
}

/// A test for a rubric part, worth its points.
fn part_test(name: String, earned: f64, of: f64, why: &str) -> Test {
    Test {
        score: Some(earned),
        max_score: Some(of),
        status: status(earned >= of),
        name,
        number: String::new(),
        output: visible(&sentence(why)).into_owned(),
    }
}

/// A reason as a sentence: a capital letter and a full stop.
fn sentence(why: &str) -> String {
    let mut chars = why.chars();
    match chars.next() {
        Some(first) => format!("{}{}.", first.to_uppercase(), chars.as_str()),
        None => String::new(),
    }
}

/// The rubric's parts as tests; a part worth nothing and earning nothing
/// is not part of this rubric, and is left out (the refuted steps stay:
/// "no step is refuted" is worth saying).
fn part_tests(r: &GradeResult) -> Vec<Test> {
    let Some(b) = &r.breakdown else {
        let errors: String = r.errors.iter().map(|e| e.rendered.as_str()).collect();
        return vec![Test {
            score: None,
            max_score: None,
            status: "failed",
            name: "The submission could be graded".into(),
            number: String::new(),
            output: visible(&errors).into_owned(),
        }];
    };
    let worth = |p: &Part| p.of != 0.0 || p.earned != 0.0;
    let mut tests = Vec::new();
    for (name, p) in [
        ("Start: the claim's left side", &b.start),
        (
            "Finish: the claim's right side, every step valid",
            &b.finish,
        ),
        ("Steps", &b.steps),
    ] {
        if worth(p) {
            tests.push(part_test(name.into(), p.earned, p.of, &p.reason));
        }
    }
    for m in &b.milestones {
        if m.of != 0.0 || m.earned != 0.0 {
            tests.push(part_test(
                format!("Milestone `{}`", visible(&m.expr)),
                m.earned,
                m.of,
                &milestone_reason(r, m),
            ));
        }
    }
    tests.push(part_test(
        "Refuted steps".into(),
        b.refuted.earned,
        b.refuted.of,
        &b.refuted.reason,
    ));
    tests
}

/// How a step is named: by its line, or for an ordering answer by its
/// place and label; then its relation, expression and verdict.
fn step_name(k: usize, s: &GradedStep) -> String {
    let verdict = if s.verdict.is_valid() && s.in_order == Some(false) {
        "out of order"
    } else {
        s.verdict.name()
    };
    let Written {
        line, label, expr, ..
    } = &s.at;
    let place = match label {
        Some(l) => format!("Step {} (`{l}`)", k + 1),
        None => format!("Line {line}"),
    };
    visible(&format!(
        "{place}: {} {expr} — {verdict}",
        s.relation.symbol()
    ))
    .into_owned()
}

/// A step's test output: how the verdict was reached, the justification,
/// the counterexample or reason, and the note.
fn step_output(s: &GradedStep) -> String {
    let how = match &s.verdict {
        // `symbolic`, not `symbolic: ` when no rule is named.
        Verdict::Proved { .. } => s.verdict.short(),
        v => v.detail(),
    };
    let mut lines = vec![format!("{}: {how}", s.verdict.name())];
    if let Some(j) = &s.justification {
        lines.push(format!("by {j}"));
    }
    // The explanation's first line is the detail already shown.
    lines.extend(s.verdict.explanation().into_iter().skip(1));
    if let Some(n) = &s.note {
        lines.push(format!("Valid, but {n}."));
    }
    visible(&lines.join("\n")).into_owned()
}

/// A submission's `results.json` (pretty, with a final line feed).
pub fn results_json(r: &GradeResult) -> String {
    let mut tests = part_tests(r);
    for (k, t) in tests.iter_mut().enumerate() {
        t.number = format!("1.{}", k + 1);
    }
    tests.extend(r.steps.iter().enumerate().map(|(k, s)| Test {
        score: None,
        max_score: None,
        status: status(s.sound()),
        name: step_name(k, s),
        number: format!("2.{}", k + 1),
        output: step_output(s),
    }));
    let results = Results {
        score: r.score,
        output: visible(&r.feedback).into_owned(),
        output_format: "text",
        test_output_format: "text",
        test_name_format: "text",
        visibility: "visible",
        extra_data: Extra {
            id: &r.id,
            max: r.max,
            valid: r.valid,
            first_invalid_line: r.first_invalid_line,
        },
        tests,
    };
    let mut out = serde_json::to_string_pretty(&results)
        .unwrap_or_else(|e| serde_json::json!({ "score": 0, "output": e.to_string() }).to_string());
    out.push('\n');
    out
}

impl Reporter<GradeRun> for GradescopeReporter {
    fn begin(&mut self, _out: &mut dyn Write, _h: &Header) -> io::Result<()> {
        Ok(())
    }

    fn item(&mut self, out: &mut dyn Write, r: &GradeResult) -> io::Result<()> {
        out.write_all(results_json(r).as_bytes())
    }

    fn end(&mut self, _out: &mut dyn Write, _h: &Header, _s: &Summary) -> io::Result<()> {
        Ok(())
    }
}
