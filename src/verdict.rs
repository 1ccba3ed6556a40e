//! The verdict every engine returns, and the one interface engines share.
//!
//! A step's verdict is produced by exactly one engine behind
//! [`Engine::decide`]; the checker asks the engines in order and takes the
//! first decision. Reports only read verdicts.
//!
//! Beside them, as data: the [`Rule`]s of a proof, the [`Reason`] of an
//! `unknown` verdict or of an engine's stop (with its stable code), the
//! one verdict counter [`Tally`], and the one seed mixer
//! [`finalise_seed`] ([`mix_seed`] gives each step its seed). A new kind
//! of reason is a variant of [`Reason`] here and the engine that stops
//! with it.

use crate::resolve::{Program, Term};
use crate::symbolic::rules::Rule;
use crate::syntax::ast::Relation;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::collections::BTreeMap;
use std::fmt;

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
    /// Values of the vector functions the step uses, by application
    /// (`"φ(S1, A2)": [0.3, -1.2]`), in the order of their tables.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub vector_functions: Vec<(String, Vec<f64>)>,
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
        let mut row = String::new();
        let mut current: Option<&str> = None;
        for (k, v) in &self.vector_functions {
            let name = k.split('(').next().unwrap_or("");
            if current != Some(name) {
                if !row.is_empty() {
                    lines.push(std::mem::take(&mut row));
                }
                current = Some(name);
            } else {
                row.push_str(", ");
            }
            let _ = write!(row, "{k} = {}", Value::Vector(v.clone()).text());
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
    /// The symbolic engine showed equality; `rules` are what closed it,
    /// in report order (stored and shown by their names).
    Proved {
        /// The rules that closed the step.
        rules: Vec<Rule>,
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
    /// Not decided, with the reason (stored as its text, `reason`, and its
    /// code, `reason_code`).
    Unknown {
        /// Why.
        #[serde(flatten)]
        reason: Reason,
    },
}

impl Verdict {
    /// The verdict's name as in the README, "Verdicts".
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
            Verdict::Proved { rules } => format!("symbolic: {}", rule_names(rules)),
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
            Verdict::Unknown { reason } => vec![reason.to_string()],
            _ => Vec::new(),
        }
    }

    /// A one-line account of how the verdict was reached.
    pub fn detail(&self) -> String {
        match self {
            Verdict::Proved { rules } => format!("symbolic: {}", rule_names(rules)),
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
            Verdict::Unknown { reason } => reason.to_string(),
        }
    }

    /// The reason of an `unknown` verdict.
    pub fn reason(&self) -> Option<&Reason> {
        match self {
            Verdict::Unknown { reason } => Some(reason),
            _ => None,
        }
    }
}

/// The rules' names, comma-separated, as reports show them.
fn rule_names(rules: &[Rule]) -> String {
    let names: Vec<&str> = rules.iter().map(|r| r.name()).collect();
    names.join(", ")
}

/// A rule is stored and shown by its name (`"Σ p = 1"`), so a proved
/// verdict reads as it did when rules were names.
impl Serialize for Rule {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

impl<'de> Deserialize<'de> for Rule {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = String::deserialize(d)?;
        Rule::ALL
            .into_iter()
            .find(|r| r.name() == name)
            .ok_or_else(|| serde::de::Error::custom(format!("no rule is named `{name}`")))
    }
}

/// Why a step was not decided, or why an engine stopped short of a
/// decision (after egg's `StopReason`): the kind is data, with a stable
/// [`Reason::code`] that the JSON reports carry as `"reason_code"` beside
/// the words ([`Reason`]'s `Display`). Each kind holds the sentence that
/// says what happened in this step.
#[derive(Clone, Debug, PartialEq)]
pub enum Reason {
    /// `unsupported`: a construct the engine does not handle (second
    /// derivatives, a product of two gradient vectors, a chain rule
    /// through an abstract function).
    Unsupported(String),
    /// `budget`: a work bound ran out (operations, terms of an expansion,
    /// entries of a table, replicates of an estimator).
    Budget(String),
    /// `time-limit`: the time allowed (a submission's) was used up before
    /// the step was reached.
    TimeLimit(String),
    /// `domain`: the sides had no value, or no finite one, on too many of
    /// the random instances drawn.
    Domain(String),
    /// `no-instance`: no usable random instance could be drawn for the
    /// step.
    NoInstance(String),
    /// `assumption`: an `assume` line could not be used or imposed.
    Assumption(String),
    /// `precision`: the sides agree, but floating point cannot tell them
    /// apart at the size of a constant of the step.
    Precision(String),
    /// `inconclusive`: the engine's method ran to its end without an
    /// answer (normal forms that differ are not a refutation; an
    /// estimator mean that cannot be compared).
    Inconclusive(String),
    /// `stopped`: the caller stopped the check before this step (an
    /// editor whose text changed).
    Stopped,
    /// `no-engine`: every engine is turned off.
    NoEngine,
    /// `not-applicable`: the engine asked does not decide steps of this
    /// kind.
    NotApplicable,
    /// `other`: a reason stored before reasons had codes.
    Other(String),
    /// Several engines' reasons, in the order they were asked; its code
    /// is the last one's (the engine that had the last word).
    Engines(Vec<EngineReason>),
}

/// One engine's reason within [`Reason::Engines`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EngineReason {
    /// The engine's name ([`Engine::name`]).
    pub engine: String,
    /// Why it did not decide.
    #[serde(flatten)]
    pub reason: Reason,
}

impl Reason {
    /// Every code, in the order of the README's table.
    pub const CODES: [&'static str; 12] = [
        "unsupported",
        "budget",
        "time-limit",
        "domain",
        "no-instance",
        "assumption",
        "precision",
        "inconclusive",
        "stopped",
        "no-engine",
        "not-applicable",
        "other",
    ];

    /// The stable code (`"budget"`), for the JSON reports and for
    /// programs that act on a kind of reason.
    pub fn code(&self) -> &'static str {
        match self {
            Reason::Unsupported(_) => "unsupported",
            Reason::Budget(_) => "budget",
            Reason::TimeLimit(_) => "time-limit",
            Reason::Domain(_) => "domain",
            Reason::NoInstance(_) => "no-instance",
            Reason::Assumption(_) => "assumption",
            Reason::Precision(_) => "precision",
            Reason::Inconclusive(_) => "inconclusive",
            Reason::Stopped => "stopped",
            Reason::NoEngine => "no-engine",
            Reason::NotApplicable => "not-applicable",
            Reason::Other(_) => "other",
            Reason::Engines(parts) => parts.last().map_or("no-engine", |p| p.reason.code()),
        }
    }

    /// The reason of `code` with the words `text` (what [`Reason::code`]
    /// and `Display` give), for reading a stored reason back; an unknown
    /// code gives [`Reason::Other`].
    pub fn from_code(code: &str, text: String) -> Reason {
        match code {
            "unsupported" => Reason::Unsupported(text),
            "budget" => Reason::Budget(text),
            "time-limit" => Reason::TimeLimit(text),
            "domain" => Reason::Domain(text),
            "no-instance" => Reason::NoInstance(text),
            "assumption" => Reason::Assumption(text),
            "precision" => Reason::Precision(text),
            "inconclusive" => Reason::Inconclusive(text),
            "stopped" => Reason::Stopped,
            "no-engine" => Reason::NoEngine,
            "not-applicable" => Reason::NotApplicable,
            _ => Reason::Other(text),
        }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::Unsupported(t)
            | Reason::Budget(t)
            | Reason::TimeLimit(t)
            | Reason::Domain(t)
            | Reason::NoInstance(t)
            | Reason::Assumption(t)
            | Reason::Precision(t)
            | Reason::Inconclusive(t)
            | Reason::Other(t) => f.write_str(t),
            Reason::Stopped => f.write_str("not checked: the check was stopped"),
            Reason::NoEngine => f.write_str("no engine is enabled"),
            Reason::NotApplicable => f.write_str("the engine does not decide steps of this kind"),
            Reason::Engines(parts) => {
                for (k, p) in parts.iter().enumerate() {
                    if k > 0 {
                        f.write_str("; ")?;
                    }
                    write!(f, "{}: {}", p.engine, p.reason)?;
                }
                Ok(())
            }
        }
    }
}

/// A construct an engine does not handle: the words of most of the
/// engines' early stops, so `Err("…".into())` reads as before.
impl From<String> for Reason {
    fn from(text: String) -> Self {
        Reason::Unsupported(text)
    }
}

impl From<&str> for Reason {
    fn from(text: &str) -> Self {
        Reason::Unsupported(text.to_string())
    }
}

/// A reason as stored: its words, its code, and for several engines each
/// one's reason.
#[derive(Serialize, Deserialize)]
struct StoredReason {
    reason: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    reason_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    reasons: Option<Vec<EngineReason>>,
}

impl Serialize for Reason {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        StoredReason {
            reason: self.to_string(),
            reason_code: Some(self.code().to_string()),
            reasons: match self {
                Reason::Engines(parts) => Some(parts.clone()),
                _ => None,
            },
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for Reason {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let stored = StoredReason::deserialize(d)?;
        Ok(match (stored.reasons, stored.reason_code) {
            (Some(parts), _) => Reason::Engines(parts),
            (None, Some(code)) => Reason::from_code(&code, stored.reason),
            (None, None) => Reason::Other(stored.reason),
        })
    }
}

/// SplitMix64's finaliser: the one seed mixer. Every seed derived from a
/// run's seed (a step's, a submission's, a task of `mc`) is made of it, so
/// nearby inputs give unrelated streams.
pub fn finalise_seed(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Mix a seed with a position (`a`, `b`), so each step has its own
/// stream.
pub fn mix_seed(seed: u64, a: u64, b: u64) -> u64 {
    finalise_seed(
        seed ^ a.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ b.wrapping_mul(0xC2B2_AE3D_27D4_EB4F),
    )
}

/// Steps by verdict over a run or a submission: the one verdict counter
/// of every report.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Tally {
    /// `proved`
    pub proved: usize,
    /// `confirmed`
    pub confirmed: usize,
    /// `estimated`
    pub estimated: usize,
    /// `refuted`
    pub refuted: usize,
    /// `unknown`
    pub unknown: usize,
}

impl Tally {
    /// Count one verdict.
    pub fn add(&mut self, v: &Verdict) {
        match v {
            Verdict::Proved { .. } => self.proved += 1,
            Verdict::Confirmed { .. } => self.confirmed += 1,
            Verdict::Estimated { .. } => self.estimated += 1,
            Verdict::Refuted { .. } => self.refuted += 1,
            Verdict::Unknown { .. } => self.unknown += 1,
        }
    }

    /// The verdicts of `verdicts`, counted.
    pub fn of<'v>(verdicts: impl IntoIterator<Item = &'v Verdict>) -> Tally {
        let mut t = Tally::default();
        for v in verdicts {
            t.add(v);
        }
        t
    }

    /// Both counts together.
    pub fn merge(&mut self, other: &Tally) {
        self.proved += other.proved;
        self.confirmed += other.confirmed;
        self.estimated += other.estimated;
        self.refuted += other.refuted;
        self.unknown += other.unknown;
    }

    /// All steps counted.
    pub fn total(&self) -> usize {
        self.proved + self.confirmed + self.estimated + self.refuted + self.unknown
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
    Undecided(Reason),
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
                reason: Reason::NotApplicable,
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
    fn every_reason_has_its_own_code_and_reads_back_from_it() {
        let kinds = [
            Reason::Unsupported("u".into()),
            Reason::Budget("b".into()),
            Reason::TimeLimit("t".into()),
            Reason::Domain("d".into()),
            Reason::NoInstance("n".into()),
            Reason::Assumption("a".into()),
            Reason::Precision("p".into()),
            Reason::Inconclusive("i".into()),
            Reason::Stopped,
            Reason::NoEngine,
            Reason::NotApplicable,
            Reason::Other("o".into()),
        ];
        let codes: Vec<&str> = kinds.iter().map(Reason::code).collect();
        assert_eq!(codes, Reason::CODES);
        for r in kinds {
            assert_eq!(Reason::from_code(r.code(), r.to_string()), r);
            let v = Verdict::Unknown { reason: r.clone() };
            let json = serde_json::to_value(&v).unwrap();
            assert_eq!(json["reason_code"], r.code());
            assert_eq!(json["reason"], r.to_string());
            assert_eq!(serde_json::from_value::<Verdict>(json).unwrap(), v);
        }
        // A code no version wrote is kept as `other`, with its words.
        assert_eq!(
            Reason::from_code("gremlins", "g".into()),
            Reason::Other("g".into())
        );
    }

    #[test]
    fn several_engines_reasons_take_the_last_ones_code_and_read_back() {
        let r = Reason::Engines(vec![
            EngineReason {
                engine: "symbolic".into(),
                reason: Reason::Inconclusive("the normal forms differ".into()),
            },
            EngineReason {
                engine: "numeric".into(),
                reason: Reason::Budget("more than 10 operations".into()),
            },
        ]);
        assert_eq!(r.code(), "budget");
        assert_eq!(
            r.to_string(),
            "symbolic: the normal forms differ; numeric: more than 10 operations"
        );
        let v = Verdict::Unknown { reason: r };
        let json = serde_json::to_string(&v).unwrap();
        assert_eq!(serde_json::from_str::<Verdict>(&json).unwrap(), v);
        // A result stored before reasons had codes reads back as `other`.
        let old = r#"{"verdict":"unknown","reason":"numeric: only 2 usable random instances"}"#;
        let read: Verdict = serde_json::from_str(old).unwrap();
        assert_eq!(
            read.reason(),
            Some(&Reason::Other(
                "numeric: only 2 usable random instances".into()
            ))
        );
        assert_eq!(read.detail(), "numeric: only 2 usable random instances");
    }

    #[test]
    fn proved_verdicts_carry_rules_stored_by_their_names() {
        let v = Verdict::Proved {
            rules: vec![Rule::Definition, Rule::SumOfDistribution],
        };
        assert_eq!(v.detail(), "symbolic: definition, Σ p = 1");
        let json = serde_json::to_string(&v).unwrap();
        assert_eq!(
            json,
            r#"{"verdict":"proved","rules":["definition","Σ p = 1"]}"#
        );
        assert_eq!(serde_json::from_str::<Verdict>(&json).unwrap(), v);
        for r in Rule::ALL {
            let back: Rule = serde_json::from_value(serde_json::json!(r.name())).unwrap();
            assert_eq!(back, r);
        }
        let err = serde_json::from_str::<Rule>(r#""no such rule""#).unwrap_err();
        assert!(err.to_string().contains("no rule is named"), "{err}");
    }

    #[test]
    fn one_tally_counts_every_verdict() {
        let verdicts = [
            Verdict::Proved { rules: vec![] },
            Verdict::Confirmed {
                instances: 3,
                precision: None,
            },
            Verdict::Unknown {
                reason: Reason::NoEngine,
            },
            Verdict::Unknown {
                reason: Reason::Stopped,
            },
        ];
        let t = Tally::of(&verdicts);
        assert_eq!((t.proved, t.confirmed, t.unknown, t.total()), (1, 1, 2, 4));
        let mut both = t;
        both.merge(&t);
        assert_eq!(both.total(), 8);
    }

    #[test]
    fn the_seed_mixer_spreads_nearby_positions() {
        let seeds: std::collections::HashSet<u64> = (0..100)
            .flat_map(|a| (0..100).map(move |b| mix_seed(1, a, b)))
            .collect();
        assert_eq!(seeds.len(), 10_000);
        assert_ne!(finalise_seed(1), finalise_seed(2));
    }

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
