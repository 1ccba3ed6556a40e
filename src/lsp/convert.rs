//! A check's result as the protocol shows it: diagnostics, inlay hints
//! and hovers.
//!
//! In: an [`Analysis`] (the [`FileResult`] of `check`, and what became
//! of a declarations file) and the index of the text it was made on.
//! Out: `lsp_types` values, positions in the negotiated encoding. Every
//! message is the one the text report shows ([`step_diagnostic`]), so an
//! editor and `derivcheck check` say the same.
//!
//! - a refuted step: an error with the reason and the counterexample, and
//!   the previous expression as related information ("does not follow
//!   from this one");
//! - an unknown step: a warning with the reason;
//! - a proved, confirmed or estimated step: a hint, unless the client
//!   shows inlay hints, which then carry every step's verdict after it
//!   (`✓ proved (symbolic: …)`);
//! - parse and declaration errors: errors at their place; a claim not
//!   met: a warning at its chain or claim.

use super::documents::uri_of;
use super::position::{Encoding, LineIndex};
use super::worker::{Analysis, DeclarationsUsed};
use crate::check::{ChainResult, ClaimStatus, FileResult, StepResult};
use crate::report::text::step_diagnostic;
use crate::syntax::Span;
use crate::verdict::Verdict;
use lsp_types::{
    Diagnostic, DiagnosticRelatedInformation, DiagnosticSeverity, Hover, HoverContents, InlayHint,
    InlayHintLabel, InlayHintTooltip, Location, MarkupContent, MarkupKind, NumberOrString,
    Position, Range, Uri,
};

/// The name diagnostics carry as their source.
pub const SOURCE: &str = "derivcheck";

/// Most problems of a declarations file listed with the error that
/// points at it. Default: 20.
const MAX_DECLARATION_PROBLEMS: usize = 20;

/// Positions in one checked text.
pub struct Places<'a> {
    /// The text checked.
    pub text: &'a str,
    /// Its line starts.
    pub index: &'a LineIndex,
    /// How characters are counted.
    pub encoding: Encoding,
}

impl Places<'_> {
    fn range(&self, span: Span) -> Range {
        self.index
            .range(self.text, span.start, span.end, self.encoding)
    }

    fn position(&self, offset: usize) -> Position {
        self.index.position(self.text, offset, self.encoding)
    }

    /// The range of a 1-based line (cut at `\n`, as the library counts)
    /// from a 1-based column to the end of the line.
    fn rest_of_line(&self, line: usize, column: usize) -> Range {
        let at = LineIndex::offset_of_line_column(self.text, line, column);
        let (_, end) = self.index.line_span(self.text, self.index.line_of(at));
        Range::new(self.position(at), self.position(end.max(at)))
    }

    fn offset(&self, position: Position) -> usize {
        self.index.offset(self.text, position, self.encoding)
    }
}

/// The diagnostics of a check of the document `uri`. `hints`: valid steps
/// get a hint each (for a client without inlay hints).
pub fn diagnostics(
    analysis: &Analysis,
    places: &Places,
    uri: &Uri,
    hints: bool,
) -> Vec<Diagnostic> {
    let result = &analysis.result;
    let mut out: Vec<Diagnostic> = Vec::new();
    if let Some(d) = &analysis.declarations {
        out.extend(declarations_diagnostic(d, places.encoding));
    }
    if let Some(decls) = result.inferred.as_deref().filter(|d| !d.is_empty()) {
        out.push(plain(
            Range::default(),
            DiagnosticSeverity::INFORMATION,
            format!("this document declares nothing; these declarations were inferred from use (copy them into a .deriv file and set it as \"with\" to change them):\n{decls}"),
        ));
    }
    for e in &result.errors {
        out.push(from_library(e, places, uri, DiagnosticSeverity::ERROR));
    }
    for chain in &result.chains {
        for step in &chain.steps {
            out.extend(step_lsp_diagnostic(step, places, uri, hints));
        }
        if let Some(ClaimStatus::NotMet(reason)) = &chain.claim {
            out.push(plain(
                places.rest_of_line(chain.line, 1),
                DiagnosticSeverity::WARNING,
                format!("claim not met: {reason}"),
            ));
        }
    }
    for u in &result.unproved {
        let statement = format!("claim `{}` is not met: {}", u.statement, u.reason);
        if u.file == result.source.name {
            out.push(plain(
                places.rest_of_line(u.line, u.column),
                DiagnosticSeverity::WARNING,
                statement,
            ));
        } else {
            let mut d = plain(
                Range::default(),
                DiagnosticSeverity::WARNING,
                format!("{statement} (the claim is in {}:{})", u.file, u.line),
            );
            d.related_information = uri_of(std::path::Path::new(&u.file)).map(|file| {
                let at = match declarations_text(analysis) {
                    // The claim is in the declarations file: placed in its text.
                    Some(source) if source.name == u.file => {
                        let index = LineIndex::new(&source.text);
                        let offset =
                            LineIndex::offset_of_line_column(&source.text, u.line, u.column);
                        index.position(&source.text, offset, places.encoding)
                    }
                    _ => Position::new(
                        u.line.saturating_sub(1) as u32,
                        u.column.saturating_sub(1) as u32,
                    ),
                };
                vec![related(file, Range::new(at, at), "the claim".into())]
            });
            out.push(d);
        }
    }
    out
}

/// A diagnostic with a range, severity and message.
pub fn plain(range: Range, severity: DiagnosticSeverity, message: String) -> Diagnostic {
    Diagnostic {
        range,
        severity: Some(severity),
        source: Some(SOURCE.into()),
        message,
        ..Diagnostic::default()
    }
}

fn related(uri: Uri, range: Range, message: String) -> DiagnosticRelatedInformation {
    DiagnosticRelatedInformation {
        location: Location { uri, range },
        message,
    }
}

/// One of the library's diagnostics: its message, then its hint and notes.
fn from_library(
    d: &crate::diagnostic::Diagnostic,
    places: &Places,
    uri: &Uri,
    severity: DiagnosticSeverity,
) -> Diagnostic {
    let mut message = d.message.clone();
    if let Some(h) = &d.hint {
        message.push_str("\nhint: ");
        message.push_str(h);
    }
    for n in &d.notes {
        message.push('\n');
        message.push_str(n);
    }
    let mut out = plain(places.range(d.span), severity, message);
    if !d.secondary.is_empty() {
        out.related_information = Some(
            d.secondary
                .iter()
                .map(|(s, m)| related(uri.clone(), places.range(*s), m.clone()))
                .collect(),
        );
    }
    out
}

/// The text of the declarations file a check read, if it read one.
fn declarations_text(analysis: &Analysis) -> Option<&crate::syntax::Source> {
    match &analysis.declarations {
        Some(DeclarationsUsed::Read { report, .. }) => Some(&report.source),
        _ => None,
    }
}

/// The diagnostic of a step: an error for a refuted one, a warning for an
/// unknown one, a hint for a valid one (when `hints`).
fn step_lsp_diagnostic(
    step: &StepResult,
    places: &Places,
    uri: &Uri,
    hints: bool,
) -> Option<Diagnostic> {
    let code = Some(NumberOrString::String(step.verdict.name().into()));
    let d = match &step.verdict {
        Verdict::Refuted { .. } => {
            let d = step_diagnostic(step)?;
            from_library(&d, places, uri, DiagnosticSeverity::ERROR)
        }
        Verdict::Unknown { .. } => {
            let mut d = step_diagnostic(step)?;
            // The step was not shown wrong: no place it fails to follow from.
            d.secondary.clear();
            from_library(&d, places, uri, DiagnosticSeverity::WARNING)
        }
        v if hints => plain(
            places.range(step.span),
            DiagnosticSeverity::HINT,
            format!("{} ({})", v.name(), v.short()),
        ),
        _ => return None,
    };
    Some(Diagnostic { code, ..d })
}

/// The error that says what is wrong with a declarations file, pointing
/// at its problems.
fn declarations_diagnostic(d: &DeclarationsUsed, encoding: Encoding) -> Option<Diagnostic> {
    match d {
        DeclarationsUsed::Unreadable { path, reason } => Some(plain(
            Range::default(),
            DiagnosticSeverity::ERROR,
            format!(
                "the declarations file `{}` cannot be read, so this document is checked without it: {reason}",
                path.display()
            ),
        )),
        DeclarationsUsed::Read { path, report } if !report.errors.is_empty() => {
            let n = report.errors.len();
            let mut d = plain(
                Range::default(),
                DiagnosticSeverity::ERROR,
                format!(
                    "the declarations file `{}` has {n} error{}",
                    path.display(),
                    if n == 1 { "" } else { "s" }
                ),
            );
            if let Some(file) = uri_of(path) {
                let text = &report.source.text;
                let index = LineIndex::new(text);
                let theirs = Places {
                    text,
                    index: &index,
                    encoding,
                };
                d.related_information = Some(
                    report
                        .errors
                        .iter()
                        .take(MAX_DECLARATION_PROBLEMS)
                        .map(|e| related(file.clone(), theirs.range(e.span), e.message.clone()))
                        .collect(),
                );
            }
            Some(d)
        }
        DeclarationsUsed::Read { .. } => None,
    }
}

/// The verdict of a step in a few words, marked: `✓ proved (symbolic: …)`,
/// `✗ refuted (numeric)`, `? unknown`.
pub fn verdict_label(step: &StepResult) -> String {
    let v = &step.verdict;
    match v {
        Verdict::Refuted { .. } => match step.engine {
            Some(e) => format!("✗ refuted ({e})"),
            None => "✗ refuted".into(),
        },
        Verdict::Unknown { .. } => "? unknown".into(),
        _ => format!("✓ {} ({})", v.name(), v.short()),
    }
}

/// The inlay hints in `range`: each step's verdict after it, at the end of
/// the line where its expression ends (or right after the expression when
/// the next step starts on that line, as in `a = b = c`).
pub fn inlay_hints(result: &FileResult, places: &Places, range: Range) -> Vec<InlayHint> {
    let (from, to) = (places.offset(range.start), places.offset(range.end));
    let mut out = Vec::new();
    for chain in &result.chains {
        for (k, step) in chain.steps.iter().enumerate() {
            let line = places.index.line_of(step.span.end);
            let shares_line = chain
                .steps
                .get(k + 1)
                .is_some_and(|next| places.index.line_of(next.span.start) == line);
            let at = if shares_line {
                step.span.end
            } else {
                places.index.line_span(places.text, line).1
            };
            if at < from || at > to {
                continue;
            }
            out.push(InlayHint {
                position: places.position(at),
                label: InlayHintLabel::String(verdict_label(step)),
                kind: None,
                text_edits: None,
                tooltip: Some(InlayHintTooltip::String(account(step).join("\n"))),
                padding_left: Some(true),
                padding_right: None,
                data: None,
            });
        }
    }
    out
}

/// How a step was decided, as lines: the justification, then the
/// verdict's explanation (for a refuted step the reason, the
/// counterexample and a known mistake; for an unknown one the reason), or
/// the engine's detail for a valid step.
fn account(step: &StepResult) -> Vec<String> {
    let mut lines = Vec::new();
    if let Some(j) = &step.justification {
        lines.push(format!("by {j}"));
    }
    let explained = step.verdict.explanation();
    if explained.is_empty() {
        lines.push(step.verdict.detail());
    } else {
        lines.extend(explained);
    }
    lines
}

/// The hover at `position`: the step there (the one whose expression holds
/// it, else one whose lines do), or the chain that starts on its line.
pub fn hover(
    result: &FileResult,
    places: &Places,
    position: Position,
    markdown: bool,
) -> Option<Hover> {
    let offset = places.offset(position);
    let line = places.index.line_of(offset);
    let steps = || result.chains.iter().flat_map(|c| &c.steps);
    let on_lines = |s: &&StepResult| {
        places.index.line_of(s.span.start) <= line && line <= places.index.line_of(s.span.end)
    };
    let step = steps()
        .find(|s| s.span.start <= offset && offset <= s.span.end)
        .or_else(|| steps().find(on_lines));
    let (head, body, range) = match step {
        Some(s) => step_hover(s, places),
        None => {
            let chain = result.chains.iter().find(|c| {
                let at = LineIndex::offset_of_line_column(places.text, c.line, 1);
                places.index.line_of(at) == line
            })?;
            chain_hover(chain, places)
        }
    };
    let value = if markdown {
        let fence = "`".repeat(3.max(longest_backtick_run(&body) + 1));
        format!("{head}\n\n{fence}text\n{body}\n{fence}")
    } else {
        format!("{}\n\n{body}", head.replace("**", ""))
    };
    Some(Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: if markdown {
                MarkupKind::Markdown
            } else {
                MarkupKind::PlainText
            },
            value,
        }),
        range: Some(range),
    })
}

fn step_hover(s: &StepResult, places: &Places) -> (String, String, Range) {
    let engine = s.engine.map_or_else(
        || "no engine decided".to_string(),
        |e| format!("decided by the {e} engine"),
    );
    let head = format!(
        "**{}** — step `{}` at line {}, {engine}",
        verdict_label(s),
        s.relation.symbol(),
        s.line
    );
    (head, account(s).join("\n"), places.range(s.span))
}

fn chain_hover(c: &ChainResult, places: &Places) -> (String, String, Range) {
    let name = c
        .name
        .as_ref()
        .map_or_else(|| "chain".to_string(), |n| format!("derivation \"{n}\""));
    let head = format!(
        "**{}** — {name}, {} steps",
        if c.valid {
            "✓ valid"
        } else {
            "✗ not valid"
        },
        c.steps.len()
    );
    let mut lines: Vec<String> = c
        .steps
        .iter()
        .map(|s| format!("line {}: {}", s.line, verdict_label(s)))
        .collect();
    lines.push(match &c.claim {
        None => "no claim".into(),
        Some(ClaimStatus::Met) => "claim met".into(),
        Some(ClaimStatus::NotMet(r)) => format!("claim not met: {r}"),
    });
    (head, lines.join("\n"), places.rest_of_line(c.line, 1))
}

fn longest_backtick_run(s: &str) -> usize {
    s.split(|c| c != '`').map(str::len).max().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::{check_text, Options};

    const FLAWED: &str = "param θ\nset T\nvar τ in T\nfun R(τ)\nfun Pr_θ(τ) : dist τ\n\n\
        Σ_τ ∇_θ Pr_θ(τ) R(τ)\n  = Σ_τ Pr_θ(τ) ∇_θ Pr_θ(τ) R(τ)    by the log-derivative trick\n\
          = Σ_τ Pr_θ(τ) ∇_θ Pr_θ(τ) R(τ) + 0\n";

    fn analysis(name: &str, text: &str) -> Analysis {
        Analysis {
            result: check_text(name, text, &Options::default()),
            declarations: None,
        }
    }

    fn uri() -> Uri {
        "file:///flawed.deriv".parse().unwrap()
    }

    /// Run `f` on the check of `text`, positions in UTF-16.
    fn checked(text: &str, f: impl FnOnce(&Analysis, Places)) {
        let a = analysis("test.deriv", text);
        let index = LineIndex::new(text);
        let places = Places {
            text,
            index: &index,
            encoding: Encoding::Utf16,
        };
        f(&a, places);
    }

    #[test]
    fn a_refuted_step_is_an_error_with_its_counterexample_and_the_line_before() {
        checked(FLAWED, |a, places| {
            let ds = diagnostics(a, &places, &uri(), true);
            let error = ds
                .iter()
                .find(|d| d.severity == Some(DiagnosticSeverity::ERROR))
                .unwrap();
            assert!(
                error.message.starts_with("step `=` is refuted"),
                "{}",
                error.message
            );
            assert!(
                error.message.contains("counterexample: |T| = "),
                "{}",
                error.message
            );
            // `  = Σ_τ Pr_θ(τ) ∇_θ Pr_θ(τ) R(τ)`: the expression starts at
            // column 4 and is 28 UTF-16 units long (every letter here is one).
            assert_eq!(
                error.range,
                Range::new(Position::new(7, 4), Position::new(7, 32))
            );
            let related = error.related_information.as_ref().unwrap();
            assert_eq!(related[0].message, "does not follow from this one");
            assert_eq!(related[0].location.range.start, Position::new(6, 0));
            let hint = ds
                .iter()
                .find(|d| d.severity == Some(DiagnosticSeverity::HINT))
                .unwrap();
            assert!(
                hint.message.starts_with("proved (symbolic"),
                "{}",
                hint.message
            );
            assert_eq!(hint.range.start, Position::new(8, 2));
            // In UTF-8 the same end is a byte count.
            let places = Places {
                encoding: Encoding::Utf8,
                ..places
            };
            let ds = diagnostics(a, &places, &uri(), false);
            assert!(ds
                .iter()
                .all(|d| d.severity != Some(DiagnosticSeverity::HINT)));
            let line = FLAWED.lines().nth(7).unwrap();
            let end = line.find("    by").unwrap() as u32;
            assert_eq!(
                ds[0].range,
                Range::new(Position::new(7, 4), Position::new(7, end))
            );
        });
    }

    #[test]
    fn hovers_say_how_a_step_was_decided() {
        checked(FLAWED, |a, places| {
            let text = |h: Hover| match h.contents {
                HoverContents::Markup(m) => m.value,
                _ => unreachable!(),
            };
            // On the justification: the step of the line.
            let h = text(hover(&a.result, &places, Position::new(7, 45), true).unwrap());
            assert!(
                h.starts_with("**✗ refuted (numeric)** — step `=` at line 8"),
                "{h}"
            );
            assert!(h.contains("by the log-derivative trick\n"), "{h}");
            assert!(h.contains("counterexample: |T| = "), "{h}");
            assert!(h.contains("known mistake dropped-log"), "{h}");
            let h = text(hover(&a.result, &places, Position::new(8, 6), false).unwrap());
            assert!(h.starts_with("✓ proved (symbolic"), "{h}");
            let h = text(hover(&a.result, &places, Position::new(6, 1), false).unwrap());
            assert!(h.starts_with("✗ not valid — chain, 2 steps"), "{h}");
            assert!(hover(&a.result, &places, Position::new(0, 1), false).is_none());
        });
    }

    #[test]
    fn inlay_hints_follow_each_step() {
        checked(
            "const c\n\nc = c + 0 = 2c\n  = c   by nothing\n",
            |a, places| {
                let all = Range::new(Position::new(0, 0), Position::new(9, 0));
                let hints = inlay_hints(&a.result, &places, all);
                let shown: Vec<(u32, u32, String)> = hints
                    .iter()
                    .map(|h| match &h.label {
                        InlayHintLabel::String(s) => {
                            (h.position.line, h.position.character, s.clone())
                        }
                        _ => unreachable!(),
                    })
                    .collect();
                assert_eq!(shown.len(), 3, "{shown:?}");
                // `c + 0` is followed by `= 2c` on its line: the hint is right after it.
                assert_eq!((shown[0].0, shown[0].1), (2, 9));
                assert!(shown[0].2.starts_with("✓ proved"), "{shown:?}");
                assert_eq!((shown[1].0, shown[1].1), (2, 14));
                assert!(shown[1].2.starts_with("✗ refuted"), "{shown:?}");
                // The last is at the end of its line, after the justification.
                assert_eq!((shown[2].0, shown[2].1), (3, 18));
                let first_line = Range::new(Position::new(3, 0), Position::new(3, 99));
                assert_eq!(inlay_hints(&a.result, &places, first_line).len(), 1);
            },
        );
    }

    #[test]
    fn a_long_backtick_run_gets_a_longer_fence() {
        assert_eq!(longest_backtick_run("a ```` b ` c"), 4);
        assert_eq!(longest_backtick_run("none"), 0);
    }
}
