//! The verdict every engine returns, and the one interface engines share.
//!
//! A step's verdict is produced by exactly one engine behind
//! [`Engine::decide`]; the checker asks the engines in order and takes the
//! first decision. Reports only read verdicts.

use crate::resolve::{Program, Term};
use crate::syntax::ast::Relation;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A value of one side of a step: a number or a gradient vector.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Value {
    /// A real number.
    Scalar(f64),
    /// A vector (a gradient).
    Vector(Vec<f64>),
}

/// A concrete instance on which a step fails.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Counterexample {
    /// Sizes of the sets (`|T| = 3`).
    pub sizes: BTreeMap<String, usize>,
    /// Parameter values (`θ = (0.4, -1.2)`).
    pub params: BTreeMap<String, Vec<f64>>,
    /// Constant values.
    pub constants: BTreeMap<String, f64>,
    /// Values of the step's free variables (`τ = T2`).
    pub variables: BTreeMap<String, String>,
    /// The draws of sample families (`τ = [T1, T3]`).
    pub samples: BTreeMap<String, Vec<String>>,
    /// Values of the functions the step uses, by application
    /// (`"R(T1)": 0.37`), in the order of their tables.
    pub functions: Vec<(String, f64)>,
    /// Function tables left out of `functions` because they were too large.
    pub omitted: Vec<String>,
    /// The left side's value.
    pub left: Option<Value>,
    /// The right side's value.
    pub right: Option<Value>,
    /// The left side's exact value, when it was computed exactly.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub left_exact: Option<String>,
    /// The right side's exact value, when it was computed exactly.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub right_exact: Option<String>,
    /// Why the right side has no value, when it has none (the step
    /// narrows the domain).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub undefined: Option<String>,
}

impl Value {
    /// The value as text: `0.53` or `(0.1, -0.2)`.
    pub fn text(&self) -> String {
        match self {
            Value::Scalar(x) => format!("{x}"),
            Value::Vector(xs) => {
                let parts: Vec<String> = xs.iter().map(|x| format!("{x}")).collect();
                format!("({})", parts.join(", "))
            }
        }
    }
}

impl Counterexample {
    /// The counterexample as readable lines: sizes, parameters, constants
    /// and variables first (when there are any), then one line a function
    /// table, then both sides' values.
    pub fn lines(&self) -> Vec<String> {
        use std::fmt::Write;
        let mut lines = Vec::new();
        let mut head = Vec::new();
        for (k, n) in &self.sizes {
            head.push(format!("|{k}| = {n}"));
        }
        for (k, v) in &self.params {
            let parts: Vec<String> = v.iter().map(|x| x.to_string()).collect();
            head.push(format!("{k} = ({})", parts.join(", ")));
        }
        for (k, v) in &self.constants {
            head.push(format!("{k} = {v}"));
        }
        for (k, v) in &self.variables {
            head.push(format!("{k} = {v}"));
        }
        if !head.is_empty() {
            lines.push(head.join(", "));
        }
        for (k, v) in &self.samples {
            lines.push(format!("draws {k}: {}", v.join(", ")));
        }
        let mut current: Option<String> = None;
        let mut row = String::new();
        for (k, v) in &self.functions {
            let name = k.split('(').next().unwrap_or("").to_string();
            if current.as_ref() != Some(&name) {
                if !row.is_empty() {
                    lines.push(std::mem::take(&mut row));
                }
                current = Some(name);
            } else {
                row.push_str(", ");
            }
            let _ = write!(row, "{k} = {v}");
        }
        if !row.is_empty() {
            lines.push(row);
        }
        if !self.omitted.is_empty() {
            lines.push(format!("(tables not shown: {})", self.omitted.join(", ")));
        }
        match (&self.left_exact, &self.right_exact, &self.left, &self.right) {
            (Some(l), Some(r), ..) => {
                lines.push(format!("left side = {l}, right side = {r} (exact)"))
            }
            (_, _, Some(l), Some(r)) => lines.push(format!(
                "left side = {}, right side = {}",
                l.text(),
                r.text()
            )),
            _ => {}
        }
        if let Some(why) = &self.undefined {
            let left = match (&self.left_exact, &self.left) {
                (Some(l), _) => l.clone(),
                (None, Some(l)) => l.text(),
                (None, None) => "?".into(),
            };
            lines.push(format!("left side = {left}; {why}"));
        }
        lines
    }
}

/// A known wrong rewrite (`src/check/mistakes.rs`) that turns a refuted
/// step's left side into its right side.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Mistake {
    /// A stable code: `log-of-sum`.
    pub code: String,
    /// The mistake in plain words.
    pub explanation: String,
}

/// How a step was decided.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "verdict", rename_all = "lowercase")]
pub enum Verdict {
    /// The symbolic engine showed equality; `rules` name what closed it.
    Proved {
        /// The rules that closed the step.
        rules: Vec<String>,
    },
    /// Exact numeric evaluation agreed on every random instance.
    Confirmed {
        /// How many instances were evaluated.
        instances: usize,
        /// How precisely the values were computed, when not exactly up to
        /// rounding (integrals by quadrature).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        precision: Option<String>,
    },
    /// A `≈` step whose estimator matched the exact value.
    Estimated {
        /// The test statistic.
        statistic: f64,
        /// Samples drawn.
        samples: usize,
        /// The stated false-alarm rate.
        false_alarm: f64,
    },
    /// A counterexample.
    Refuted {
        /// The instance.
        counterexample: Box<Counterexample>,
        /// What was compared (for ≈: the statistic and threshold).
        reason: String,
        /// The known mistake that turns the left side into the right side,
        /// when one does: an explanation added after the refutation, never
        /// a cause of it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        mistake: Option<Mistake>,
    },
    /// Not decided, with the reason.
    Unknown {
        /// Why.
        reason: String,
    },
}

impl Verdict {
    /// The verdict's name as in SPEC §3.
    pub fn name(&self) -> &'static str {
        match self {
            Verdict::Proved { .. } => "proved",
            Verdict::Confirmed { .. } => "confirmed",
            Verdict::Estimated { .. } => "estimated",
            Verdict::Refuted { .. } => "refuted",
            Verdict::Unknown { .. } => "unknown",
        }
    }

    /// Proved, confirmed or estimated.
    pub fn is_valid(&self) -> bool {
        matches!(
            self,
            Verdict::Proved { .. } | Verdict::Confirmed { .. } | Verdict::Estimated { .. }
        )
    }

    /// The known mistake a refutation names, if any.
    pub fn mistake(&self) -> Option<&Mistake> {
        match self {
            Verdict::Refuted { mistake, .. } => mistake.as_ref(),
            _ => None,
        }
    }

    /// A few words on how the verdict was reached, for one-line reports.
    pub fn short(&self) -> String {
        match self {
            Verdict::Proved { rules } if rules.is_empty() => "symbolic".into(),
            Verdict::Proved { rules } => format!("symbolic: {}", rules.join(", ")),
            Verdict::Confirmed { instances, .. } => format!("numeric, {instances} instances"),
            Verdict::Estimated {
                statistic, samples, ..
            } => {
                format!("Monte Carlo, statistic {statistic:.2}, {samples} samples")
            }
            Verdict::Refuted { .. } => "counterexample below".into(),
            Verdict::Unknown { .. } => "reason below".into(),
        }
    }

    /// What a report says of a step that is not valid, beyond its verdict,
    /// one line each: the reason, then for a refutation the counterexample
    /// (`counterexample: |T| = 3, θ = (…)`, a line a function table, both
    /// sides), then the known mistake it makes, when one is named
    /// (`known mistake log-of-sum: this step splits …`). Empty for a valid
    /// step. Every report that explains a step
    /// takes these lines, so they read the same everywhere.
    pub fn explanation(&self) -> Vec<String> {
        match self {
            Verdict::Refuted {
                counterexample,
                reason,
                mistake,
            } => {
                let mut lines = vec![reason.clone()];
                for (k, line) in counterexample.lines().into_iter().enumerate() {
                    lines.push(if k == 0 {
                        format!("counterexample: {line}")
                    } else {
                        line
                    });
                }
                if let Some(m) = mistake {
                    lines.push(format!("known mistake {}: {}", m.code, m.explanation));
                }
                lines
            }
            Verdict::Unknown { reason } => vec![reason.clone()],
            _ => Vec::new(),
        }
    }

    /// A one-line account of how the verdict was reached.
    pub fn detail(&self) -> String {
        match self {
            Verdict::Proved { rules } => format!("symbolic: {}", rules.join(", ")),
            Verdict::Confirmed {
                instances,
                precision: None,
            } => {
                format!("numeric: holds on {instances} random instances")
            }
            Verdict::Confirmed {
                instances,
                precision: Some(p),
            } => {
                format!("numeric: holds on {instances} random instances ({p})")
            }
            Verdict::Estimated {
                statistic,
                samples,
                false_alarm,
            } => format!(
                "Monte Carlo: statistic {statistic:.3} over {samples} samples (false-alarm rate {false_alarm})"
            ),
            Verdict::Refuted { reason, .. } => reason.clone(),
            Verdict::Unknown { reason } => reason.clone(),
        }
    }
}

/// One step to decide: `lhs relation rhs` in a program.
#[derive(Clone, Copy)]
pub struct Problem<'a> {
    /// The declarations.
    pub program: &'a Program,
    /// The previous expression.
    pub lhs: &'a Term,
    /// The new expression.
    pub rhs: &'a Term,
    /// The relation claimed.
    pub relation: Relation,
    /// The seed for every random choice of this step.
    pub seed: u64,
}

/// An engine's answer.
#[derive(Clone, Debug, PartialEq)]
pub enum Decision {
    /// The engine decided.
    Decided(Verdict),
    /// The engine could not decide; the next one is asked. The reason
    /// becomes an `unknown` verdict's reason if no engine decides.
    Undecided(String),
    /// The engine does not decide steps of this kind (the Monte Carlo
    /// engine and `=`, the numeric engine and `≈`).
    NotApplicable,
}

impl Decision {
    /// The verdict, an undecided or inapplicable engine giving `unknown`
    /// (for callers that ask one engine alone).
    pub fn into_verdict(self) -> Verdict {
        match self {
            Decision::Decided(v) => v,
            Decision::Undecided(reason) => Verdict::Unknown { reason },
            Decision::NotApplicable => Verdict::Unknown {
                reason: "the engine does not decide steps of this kind".into(),
            },
        }
    }
}

/// A decision procedure for steps.
pub trait Engine: Sync {
    /// A short name for reports.
    fn name(&self) -> &'static str;
    /// Decide one step.
    fn decide(&self, problem: &Problem) -> Decision;
    /// A session for the steps of one chain of `program`, for an engine
    /// that can reuse its work from step to step (a step's right side is
    /// the next step's left side). `None`, the default, decides each step
    /// on its own with [`Engine::decide`]. A session decides a step as
    /// `decide` would, and is deterministic for a given chain.
    fn session<'p>(&self, _program: &'p Program) -> Option<Box<dyn ChainSession<'p> + 'p>> {
        None
    }
}

/// An engine's state across the steps of one chain; see
/// [`Engine::session`]. The terms of every problem given to it live as
/// long as the session may.
pub trait ChainSession<'p> {
    /// Decide one step of the chain.
    fn decide(&mut self, problem: &Problem<'p>) -> Decision;
}

/// Test support: the program of `text`, which must hold no error.
#[cfg(test)]
#[track_caller]
pub(crate) fn resolved(text: &str) -> Program {
    let (prog, syntax) = crate::resolve::resolve_text(text);
    assert!(syntax.is_empty(), "{text}: {syntax:?}");
    assert!(prog.errors.is_empty(), "{text}: {:?}", prog.errors);
    prog
}

/// Test support: resolve `text` (which must hold no error) and run `f` on
/// the first step of its first chain.
#[cfg(test)]
#[track_caller]
pub(crate) fn with_first_step<T>(text: &str, seed: u64, f: impl FnOnce(&Problem) -> T) -> T {
    let (prog, syntax) = crate::resolve::resolve_text(text);
    assert!(syntax.is_empty(), "{text}: {syntax:?}");
    assert!(prog.errors.is_empty(), "{text}: {:?}", prog.errors);
    let chain = &prog.chains[0];
    let problem = Problem {
        program: &prog,
        lhs: &chain.start.term,
        rhs: &chain.steps[0].expr.term,
        relation: chain.steps[0].relation,
        seed,
    };
    f(&problem)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refutation_reads_back_with_its_mistake_and_without_one() {
        let named = Verdict::Refuted {
            counterexample: Box::default(),
            reason: "numeric: the relation `=` fails on a random instance".into(),
            mistake: Some(Mistake {
                code: "sign-flip".into(),
                explanation: "this step flips a sign".into(),
            }),
        };
        let json = serde_json::to_string(&named).unwrap();
        assert_eq!(serde_json::from_str::<Verdict>(&json).unwrap(), named);
        assert_eq!(
            named.explanation().last().map(String::as_str),
            Some("known mistake sign-flip: this step flips a sign")
        );
        // A result stored before mistakes were named reads back with none,
        // and one without a mistake is stored without the field.
        let old = r#"{"verdict":"refuted","counterexample":{"sizes":{},"params":{},"constants":{},"variables":{},"samples":{},"functions":[],"omitted":[],"left":null,"right":null},"reason":"r"}"#;
        let read: Verdict = serde_json::from_str(old).unwrap();
        assert_eq!(read.mistake(), None);
        assert!(!serde_json::to_string(&read).unwrap().contains("mistake"));
    }
}
