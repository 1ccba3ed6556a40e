//! The JSON report of `check` (docs/json.md). Field names are stable: tests and
//! CI depend on them. Extra fields may be added; none may be renamed.

use super::Summary;
use crate::check::{ClaimStatus, FileResult};
use crate::input::Note;
use crate::syntax::ast::Relation;
use crate::verdict::{Counterexample, Reason, Value, Verdict};
use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;

#[derive(Serialize)]
struct Report<'a> {
    files: Vec<File<'a>>,
    /// What the walk skipped (links out of a directory, loops, files
    /// named twice).
    notes: &'a [Note],
    summary: Summary,
}

#[derive(Serialize)]
struct File<'a> {
    path: &'a str,
    errors: Vec<Error>,
    chains: Vec<Chain<'a>>,
    /// Claims no chain proves: each is not met.
    unproved_claims: Vec<Unproved<'a>>,
    /// The declarations inferred from use, one a line, for a `.tex` or
    /// `.md` file that declares nothing; `null` when none were.
    inferred_declarations: Option<Vec<&'a str>>,
}

#[derive(Serialize)]
struct Unproved<'a> {
    name: Option<&'a str>,
    claim: &'a str,
    file: &'a str,
    line: usize,
    column: usize,
    status: &'static str,
    reason: &'a str,
}

#[derive(Serialize)]
struct Error {
    line: usize,
    column: usize,
    message: String,
    hint: Option<String>,
}

#[derive(Serialize)]
struct Chain<'a> {
    name: Option<&'a str>,
    line: usize,
    valid: bool,
    claim: Option<&'static str>,
    claim_reason: Option<&'a str>,
    steps: Vec<StepRecord<'a>>,
}

/// One step in the JSON reports of `check` and `grade`: the one step
/// record of both. `grade` adds what grading found ([`GradedFields`]).
#[derive(Serialize)]
pub(crate) struct StepRecord<'a> {
    line: usize,
    column: usize,
    relation: &'static str,
    verdict: &'static str,
    justification: Option<String>,
    detail: String,
    /// An `unknown` step's [`crate::verdict::Reason::code`].
    reason_code: Option<&'static str>,
    engine: Option<&'a str>,
    instances: Option<usize>,
    counterexample: Option<Cx<'a>>,
    /// The known mistake's code, on a refuted step that names one.
    #[serde(skip_serializing_if = "Option::is_none")]
    mistake: Option<&'a str>,
    /// The known mistake in plain words.
    #[serde(skip_serializing_if = "Option::is_none")]
    mistake_explanation: Option<&'a str>,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    graded: Option<GradedFields<'a>>,
}

/// What `grade` says of a step beyond its verdict.
#[derive(Serialize)]
pub(crate) struct GradedFields<'a> {
    pub(crate) expr: &'a str,
    pub(crate) label: Option<&'a str>,
    pub(crate) in_order: Option<bool>,
    pub(crate) credited: bool,
    pub(crate) note: Option<&'a str>,
}

impl<'a> StepRecord<'a> {
    /// The record of a step at `line`:`column` with its verdict.
    pub(crate) fn new(
        (line, column): (usize, usize),
        relation: Relation,
        verdict: &'a Verdict,
        engine: Option<&'a str>,
        justification: Option<&'a str>,
    ) -> Self {
        StepRecord {
            line,
            column,
            relation: relation.symbol(),
            verdict: verdict.name(),
            justification: justification.map(|j| format!("by {j}")),
            detail: verdict.detail(),
            reason_code: verdict.reason().map(Reason::code),
            engine,
            instances: match verdict {
                Verdict::Confirmed { instances, .. } => Some(*instances),
                _ => None,
            },
            counterexample: match verdict {
                Verdict::Refuted { counterexample, .. } => Some(Cx(counterexample)),
                _ => None,
            },
            mistake: verdict.mistake().map(|m| m.code.as_str()),
            mistake_explanation: verdict.mistake().map(|m| m.explanation.as_str()),
            graded: None,
        }
    }

    /// The record with what grading found.
    pub(crate) fn graded(mut self, fields: GradedFields<'a>) -> Self {
        self.graded = Some(fields);
        self
    }
}

/// A counterexample with its function values as an object in table order.
pub(crate) struct Cx<'a>(pub(crate) &'a Counterexample);

impl Serialize for Cx<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let c = self.0;
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("sizes", &c.sizes)?;
        m.serialize_entry("params", &c.params)?;
        m.serialize_entry("constants", &c.constants)?;
        m.serialize_entry("variables", &c.variables)?;
        m.serialize_entry("samples", &c.samples)?;
        m.serialize_entry("functions", &Ordered(&c.functions))?;
        if !c.vector_functions.is_empty() {
            m.serialize_entry("vector_functions", &Ordered(&c.vector_functions))?;
        }
        m.serialize_entry("omitted", &c.omitted)?;
        m.serialize_entry("left", &c.left)?;
        m.serialize_entry("right", &c.right)?;
        m.end()
    }
}

struct Ordered<'a, T>(&'a [(String, T)]);

impl<T: Serialize> Serialize for Ordered<'_, T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in self.0 {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

/// Render a run as the JSON of docs/json.md, with what the walk skipped
/// (`notes`).
pub fn render(files: &[FileResult], notes: &[Note]) -> String {
    let report = Report {
        files: files
            .iter()
            .map(|f| File {
                path: &f.source.name,
                inferred_declarations: f.inferred.as_deref().map(|d| d.lines().collect()),
                errors: f
                    .errors
                    .iter()
                    .map(|d| {
                        let (line, column) = d.line_col(&f.source);
                        Error {
                            line,
                            column,
                            message: d.message.clone(),
                            hint: d.hint.clone(),
                        }
                    })
                    .collect(),
                chains: f
                    .chains
                    .iter()
                    .map(|c| Chain {
                        name: c.name.as_deref(),
                        line: c.line,
                        valid: c.valid,
                        claim: c.claim.as_ref().map(|s| match s {
                            ClaimStatus::Met => "met",
                            ClaimStatus::NotMet(_) => "not met",
                        }),
                        claim_reason: match &c.claim {
                            Some(ClaimStatus::NotMet(r)) => Some(r.as_str()),
                            _ => None,
                        },
                        steps: c
                            .steps
                            .iter()
                            .map(|s| {
                                StepRecord::new(
                                    (s.line, s.column),
                                    s.relation,
                                    &s.verdict,
                                    s.engine,
                                    s.justification.as_deref(),
                                )
                            })
                            .collect(),
                    })
                    .collect(),
                unproved_claims: f
                    .unproved
                    .iter()
                    .map(|u| Unproved {
                        name: u.name.as_deref(),
                        claim: &u.statement,
                        file: &u.file,
                        line: u.line,
                        column: u.column,
                        status: "not met",
                        reason: &u.reason,
                    })
                    .collect(),
            })
            .collect(),
        notes,
        summary: Summary::of(files),
    };
    let mut out = serde_json::to_string_pretty(&report)
        .unwrap_or_else(|e| format!("{{\"error\": \"{}\"}}", e.to_string().replace('"', "'")));
    out.push('\n');
    out
}

/// A value as text: `0.53` or `(0.1, -0.2)`.
pub fn value_text(v: &Value) -> String {
    v.text()
}
