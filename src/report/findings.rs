//! What a CI system is told about a `check` run: every step that is
//! refuted or could not be decided, every error that made a file unusable,
//! and every claim that is not met, each with its place and its message in
//! the words the text report uses. The SARIF ([`super::sarif`]) and GitHub
//! ([`super::github`]) reports render these; neither looks at a verdict
//! itself.
//!
//! A chain whose claim is not met because one of its steps is not valid is
//! not a finding of its own: the step is the finding. A claim not met by a
//! chain whose every step is valid (it ends elsewhere), and a claim no
//! chain proves, are.
//!
//! The text is as written in the files; each report escapes it as its
//! format needs.

use crate::check::{ClaimStatus, FileResult, StepResult};
use crate::syntax::{Source, Span};
use crate::verdict::Verdict;

/// The kinds of finding: one rule each in SARIF.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A step with a counterexample.
    Refuted,
    /// A step no engine could decide.
    Unknown,
    /// A parse or declaration error, or a file that cannot be read.
    Unusable,
    /// A claim that is not met.
    ClaimNotMet,
}

impl Kind {
    /// Every kind, in the order of the SARIF rules.
    pub const ALL: [Kind; 4] = [
        Kind::Refuted,
        Kind::Unknown,
        Kind::Unusable,
        Kind::ClaimNotMet,
    ];

    /// The rule's id.
    pub fn id(self) -> &'static str {
        match self {
            Kind::Refuted => "refuted",
            Kind::Unknown => "unknown",
            Kind::Unusable => "unusable-input",
            Kind::ClaimNotMet => "claim-not-met",
        }
    }

    /// The rule's name, in SARIF's PascalCase.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Refuted => "RefutedStep",
            Kind::Unknown => "UndecidedStep",
            Kind::Unusable => "UnusableInput",
            Kind::ClaimNotMet => "ClaimNotMet",
        }
    }

    /// A short title: an annotation's title.
    pub fn title(self) -> &'static str {
        match self {
            Kind::Refuted => "Refuted step",
            Kind::Unknown => "Undecided step",
            Kind::Unusable => "Unusable input",
            Kind::ClaimNotMet => "Claim not met",
        }
    }

    /// What the rule checks, in a sentence.
    pub fn description(self) -> &'static str {
        match self {
            Kind::Refuted => {
                "A step of a derivation does not follow from the one before: a counterexample shows both sides differ."
            }
            Kind::Unknown => {
                "No engine could decide whether a step follows from the one before; the reason is given."
            }
            Kind::Unusable => {
                "A file cannot be read, or holds a parse or declaration error, so the chain it is in is not checked."
            }
            Kind::ClaimNotMet => {
                "A claim is not met: the chain that should prove it ends elsewhere, or no chain proves it."
            }
        }
    }

    /// What to do about it.
    pub fn help(self) -> &'static str {
        match self {
            Kind::Refuted => {
                "Correct the step: the counterexample gives values for which the two expressions differ."
            }
            Kind::Unknown => {
                "Split the step into smaller ones, or rewrite it with constructs the engines decide."
            }
            Kind::Unusable => "Fix the error at its line and column; the hint says how.",
            Kind::ClaimNotMet => {
                "End the chain with the claim's right side, or name the chain that proves it with `derivation \"…\" proves NAME`."
            }
        }
    }

    /// An error (the exit status is 1 or 2), or a warning (an undecided
    /// step, which also makes the exit status 1, but is not known to be
    /// wrong).
    pub fn is_error(self) -> bool {
        self != Kind::Unknown
    }
}

/// Where a finding is: a line, and where known its columns (1-based,
/// counted in characters as everywhere in derivcheck): the first
/// character, and the line and column just past the last.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Region {
    /// The first line.
    pub line: usize,
    /// The first column.
    pub column: Option<usize>,
    /// The line and column just past the end.
    pub end: Option<(usize, usize)>,
}

impl Region {
    /// The region of a span of a source.
    fn of(source: &Source, span: Span) -> Region {
        let (line, column) = source.line_col(span.start);
        Region {
            line,
            column: Some(column),
            end: Some(source.line_col(span.end.max(span.start))),
        }
    }
}

/// One thing a CI report flags.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// What it is.
    pub kind: Kind,
    /// The file, as named on the command line (or by the walk).
    pub file: String,
    /// Where in the file.
    pub at: Region,
    /// For a step, where the expression it should follow from is.
    pub previous: Option<Region>,
    /// What is wrong: a first line that says it, then the reason, the
    /// counterexample or the hint, one line each.
    pub message: String,
    /// A fingerprint that stays the same while the finding's text does,
    /// wherever it moves in its file: 16 hex digits.
    pub fingerprint: String,
}

/// An expression's text on one line: runs of white space as one space.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A step's finding, if it is not valid.
fn step_finding(f: &FileResult, s: &StepResult) -> Option<(Kind, Region, Region, String, String)> {
    let kind = match s.verdict {
        Verdict::Refuted { .. } => Kind::Refuted,
        Verdict::Unknown { .. } => Kind::Unknown,
        _ => return None,
    };
    let expr = one_line(f.source.slice(s.span));
    let previous = one_line(f.source.slice(s.previous));
    let previous_line = f.source.line_col(s.previous.start).0;
    let by = s
        .justification
        .as_ref()
        .map_or_else(String::new, |j| format!(", by {j}"));
    let relation = s.relation.symbol();
    let head = match kind {
        Kind::Refuted => format!(
            "step `{relation}` is refuted: `{expr}` does not follow from `{previous}` (line {previous_line}){by}"
        ),
        _ => format!(
            "step `{relation}` could not be decided: `{expr}` from `{previous}` (line {previous_line}){by}"
        ),
    };
    let mut lines = vec![head];
    lines.extend(s.verdict.explanation());
    let identity = format!("{}\u{0}{previous}\u{0}{relation}\u{0}{expr}", kind.id());
    Some((
        kind,
        Region::of(&f.source, s.span),
        Region::of(&f.source, s.previous),
        lines.join("\n"),
        identity,
    ))
}

/// Every finding of a run, file by file in the order of the run: a file's
/// errors, then its steps and claims in order.
pub fn of(files: &[FileResult]) -> Vec<Finding> {
    let mut out = Vec::new();
    // Identical findings in one file are told apart by their order.
    let mut seen: std::collections::HashMap<(String, String), usize> =
        std::collections::HashMap::new();
    let mut push = |kind: Kind,
                    file: &str,
                    at: Region,
                    previous: Option<Region>,
                    message: String,
                    identity: String| {
        let k = seen
            .entry((file.to_string(), identity.clone()))
            .or_insert(0);
        let fingerprint = format!(
            "{:016x}",
            crate::grade::stable_hash(&[file.as_bytes(), identity.as_bytes(), &k.to_le_bytes()])
        );
        *k += 1;
        out.push(Finding {
            kind,
            file: file.to_string(),
            at,
            previous,
            message,
            fingerprint,
        });
    };
    for f in files {
        let file = f.source.name.as_str();
        for d in &f.errors {
            let mut lines = vec![d.message.clone()];
            lines.extend(d.hint.iter().map(|h| format!("hint: {h}")));
            lines.extend(d.notes.iter().cloned());
            let identity = format!("{}\u{0}{}", Kind::Unusable.id(), d.message);
            push(
                Kind::Unusable,
                file,
                Region::of(&f.source, d.span),
                None,
                lines.join("\n"),
                identity,
            );
        }
        for c in &f.chains {
            for s in &c.steps {
                if let Some((kind, at, previous, message, identity)) = step_finding(f, s) {
                    push(kind, file, at, Some(previous), message, identity);
                }
            }
            if let Some(ClaimStatus::NotMet(reason)) = &c.claim {
                if c.steps.iter().all(|s| s.verdict.is_valid()) {
                    let chain = c.name.as_ref().map_or_else(
                        || format!("the chain at line {}", c.line),
                        |n| format!("derivation \"{n}\""),
                    );
                    let identity = format!("{}\u{0}{chain}\u{0}{reason}", Kind::ClaimNotMet.id());
                    push(
                        Kind::ClaimNotMet,
                        file,
                        Region {
                            line: c.line,
                            column: None,
                            end: None,
                        },
                        None,
                        format!("the claim of {chain} is not met: {reason}"),
                        identity,
                    );
                }
            }
        }
        for u in &f.unproved {
            let name = u
                .name
                .as_ref()
                .map_or_else(String::new, |n| format!("{n} "));
            let identity = format!("{}\u{0}{name}\u{0}{}", Kind::ClaimNotMet.id(), u.statement);
            push(
                Kind::ClaimNotMet,
                &u.file,
                Region {
                    line: u.line,
                    column: Some(u.column),
                    end: None,
                },
                None,
                format!("claim {name}`{}` is not met: {}", u.statement, u.reason),
                identity,
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::{check_text, Options};

    const DECLARATIONS: &str = "param θ\nset T\nvar τ in T\nfun R(τ)\nfun Pr_θ(τ) : dist τ\n";

    #[test]
    fn a_refuted_step_is_found_at_its_expression_with_the_counterexample() {
        let text = format!(
            "{DECLARATIONS}\nΣ_τ ∇_θ Pr_θ(τ) R(τ)\n  = 2 Σ_τ ∇_θ Pr_θ(τ) R(τ) by doubling\n"
        );
        let files = [check_text("f.deriv", &text, &Options::default())];
        let found = of(&files);
        assert_eq!(found.len(), 1, "{found:?}");
        let f = &found[0];
        assert_eq!(f.kind, Kind::Refuted);
        assert_eq!(f.file, "f.deriv");
        assert_eq!(
            f.at,
            Region {
                line: 8,
                column: Some(5),
                end: Some((8, 27)),
            }
        );
        assert_eq!(f.previous.map(|p| p.line), Some(7));
        assert!(
            f.message.starts_with(
                "step `=` is refuted: `2 Σ_τ ∇_θ Pr_θ(τ) R(τ)` does not follow from `Σ_τ ∇_θ Pr_θ(τ) R(τ)` (line 7), by doubling\n"
            ),
            "{}",
            f.message
        );
        assert!(
            f.message.contains("\ncounterexample: |T| = "),
            "{}",
            f.message
        );
        assert_eq!(f.fingerprint.len(), 16);
    }

    #[test]
    fn a_claim_is_a_finding_only_when_no_step_explains_it() {
        let text = format!(
            "{DECLARATIONS}\nclaim Σ_τ R(τ) = Σ_τ 2 R(τ)\nΣ_τ R(τ)\n  = 2 Σ_τ R(τ)\n\nclaim other: Σ_τ R(τ) = Σ_τ R(τ)\n\nclaim Σ_τ Pr_θ(τ) R(τ) = Σ_τ R(τ) Pr_θ(τ)\nΣ_τ Pr_θ(τ) R(τ)\n  = Σ_τ R(τ) Pr_θ(τ) + 0\n"
        );
        let files = [check_text("f.deriv", &text, &Options::default())];
        let kinds: Vec<(Kind, usize)> = of(&files).iter().map(|f| (f.kind, f.at.line)).collect();
        // The refuted step explains its chain's claim; the second chain's
        // steps are valid but it ends elsewhere; `other` has no chain.
        assert_eq!(
            kinds,
            vec![
                (Kind::Refuted, 9),
                (Kind::ClaimNotMet, 14),
                (Kind::ClaimNotMet, 11),
            ],
            "{:#?}",
            of(&files)
        );
    }

    #[test]
    fn identical_findings_get_their_own_fingerprints_that_survive_a_move() {
        let chain = "Σ_τ R(τ)\n  = 3 Σ_τ R(τ)\n";
        let once = format!("{DECLARATIONS}\n{chain}\n{chain}");
        let moved = format!("{DECLARATIONS}\n\n\n# a comment\n{chain}\n{chain}");
        let fingerprints = |text: &str| -> Vec<String> {
            of(&[check_text("f.deriv", text, &Options::default())])
                .into_iter()
                .map(|f| f.fingerprint)
                .collect()
        };
        let a = fingerprints(&once);
        assert_eq!(a.len(), 2);
        assert_ne!(a[0], a[1]);
        assert_eq!(a, fingerprints(&moved));
    }

    #[test]
    fn an_error_is_found_with_its_hint() {
        let files = [check_text(
            "f.deriv",
            "param θ\n\nQ_θ(x)\n  = 1\n",
            &Options::default(),
        )];
        let found = of(&files);
        assert_eq!(found[0].kind, Kind::Unusable);
        assert_eq!(found[0].at.line, 3);
        assert!(
            found[0].message.contains("\nhint: "),
            "{}",
            found[0].message
        );
    }
}
