//! `check --format sarif`: the run's findings ([`super::findings`]) as a
//! SARIF 2.1.0 log, the format code scanning reads (GitHub shows each
//! result on its line).
//!
//! One run; `tool.driver` names derivcheck, its version, and one rule a
//! kind of finding (`refuted` and `unusable-input` and `claim-not-met` are
//! errors, `unknown` is a warning). Each result has its rule, level,
//! message (the counterexample or reason included), its place (the file as
//! a relative URI, percent-encoded, and a region whose columns count
//! characters: `columnKind` is `unicodeCodePoints`), for a step the
//! expression it should follow from as a related location, and a
//! `partialFingerprints` entry that stays the same while the step's text
//! does, wherever it moves. What the walk skipped is the invocation's
//! notifications. Messages are shown on a page, so their control
//! characters are escaped ([`crate::terminal`]).

use super::findings::{self, Finding, Kind, Region};
use crate::check::FileResult;
use crate::input::Note;
use crate::terminal::visible;
use serde::Serialize;

/// The schema the log declares: SARIF 2.1.0 as OASIS publishes it.
pub const SCHEMA: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

/// The key of derivcheck's entry in `partialFingerprints`.
pub const FINGERPRINT: &str = "derivcheckFinding/v1";

#[derive(Serialize)]
struct Log {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [Run; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run {
    tool: Tool,
    invocations: [Invocation; 1],
    column_kind: &'static str,
    results: Vec<SarifResult>,
}

#[derive(Serialize)]
struct Tool {
    driver: Driver,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver {
    name: &'static str,
    version: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    information_uri: Option<&'static str>,
    rules: Vec<Rule>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Rule {
    id: &'static str,
    name: &'static str,
    short_description: Text,
    full_description: Text,
    help: Text,
    default_configuration: Configuration,
}

#[derive(Serialize)]
struct Text {
    text: String,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Invocation {
    execution_successful: bool,
    tool_execution_notifications: Vec<Notification>,
}

#[derive(Serialize)]
struct Notification {
    level: &'static str,
    message: Text,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult {
    rule_id: &'static str,
    rule_index: usize,
    level: &'static str,
    message: Text,
    locations: [Location; 1],
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<Location>,
    partial_fingerprints: std::collections::BTreeMap<&'static str, String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<usize>,
    physical_location: PhysicalLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<Text>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    region: SarifRegion,
}

#[derive(Serialize)]
struct ArtifactLocation {
    uri: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifRegion {
    start_line: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    start_column: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    end_line: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    end_column: Option<usize>,
}

fn level(kind: Kind) -> &'static str {
    if kind.is_error() {
        "error"
    } else {
        "warning"
    }
}

fn text(s: &str) -> Text {
    Text {
        text: visible(s).into_owned(),
    }
}

/// A path as a URI reference: relative paths stay relative (a leading
/// `./` dropped), an absolute path becomes a `file://` URI; every byte but
/// letters, digits, `- . _ ~` and `/` is percent-encoded, so spaces,
/// non-ASCII names and a `:` (which would read as a scheme) are safe.
pub fn uri(path: &str) -> String {
    let mut rest = path;
    while let Some(r) = rest.strip_prefix("./") {
        rest = r;
    }
    let mut out = String::with_capacity(rest.len());
    if rest.starts_with('/') {
        out.push_str("file://");
    }
    for b in rest.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn location(file: &str, r: &Region, id: Option<usize>, message: Option<Text>) -> Location {
    Location {
        id,
        physical_location: PhysicalLocation {
            artifact_location: ArtifactLocation { uri: uri(file) },
            region: SarifRegion {
                start_line: r.line,
                start_column: r.column,
                end_line: r.end.map(|e| e.0),
                end_column: r.end.map(|e| e.1),
            },
        },
        message,
    }
}

fn result(f: &Finding) -> SarifResult {
    let rule_index = Kind::ALL.iter().position(|k| *k == f.kind).unwrap_or(0);
    SarifResult {
        rule_id: f.kind.id(),
        rule_index,
        level: level(f.kind),
        message: text(&f.message),
        locations: [location(&f.file, &f.at, None, None)],
        related_locations: f
            .previous
            .iter()
            .map(|p| {
                location(
                    &f.file,
                    p,
                    Some(1),
                    Some(text("the expression the step should follow from")),
                )
            })
            .collect(),
        partial_fingerprints: [(FINGERPRINT, f.fingerprint.clone())].into(),
    }
}

/// Where to read about derivcheck: the package's homepage or repository,
/// when it names one.
fn information_uri() -> Option<&'static str> {
    [env!("CARGO_PKG_HOMEPAGE"), env!("CARGO_PKG_REPOSITORY")]
        .into_iter()
        .find(|u| !u.is_empty())
}

/// Render a run as a SARIF log (pretty, with a final line feed).
pub fn render(files: &[FileResult], notes: &[Note]) -> String {
    let log = Log {
        schema: SCHEMA,
        version: "2.1.0",
        runs: [Run {
            tool: Tool {
                driver: Driver {
                    name: "derivcheck",
                    version: env!("CARGO_PKG_VERSION"),
                    information_uri: information_uri(),
                    rules: Kind::ALL
                        .iter()
                        .map(|k| Rule {
                            id: k.id(),
                            name: k.name(),
                            short_description: text(k.title()),
                            full_description: text(k.description()),
                            help: text(k.help()),
                            default_configuration: Configuration { level: level(*k) },
                        })
                        .collect(),
                },
            },
            invocations: [Invocation {
                execution_successful: true,
                tool_execution_notifications: notes
                    .iter()
                    .map(|n| Notification {
                        level: "note",
                        message: text(&n.line()),
                    })
                    .collect(),
            }],
            column_kind: "unicodeCodePoints",
            results: findings::of(files).iter().map(result).collect(),
        }],
    };
    let mut out = serde_json::to_string_pretty(&log)
        .unwrap_or_else(|e| format!("{{\"error\": \"{}\"}}", e.to_string().replace('"', "'")));
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_become_uri_references() {
        assert_eq!(uri("derivations/a.deriv"), "derivations/a.deriv");
        assert_eq!(uri("./././a b.deriv"), "a%20b.deriv");
        assert_eq!(uri("/tmp/é.tex"), "file:///tmp/%C3%A9.tex");
        assert_eq!(uri("c:d%.md"), "c%3Ad%25.md");
    }
}
