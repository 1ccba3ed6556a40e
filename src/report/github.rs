//! `check --format github`: the run's findings ([`super::findings`]) as
//! GitHub Actions workflow commands, so that a job's log and its pull
//! request show each one at its line:
//!
//! ```text
//! ::error file=F,line=L,col=C,endLine=L,endColumn=E,title=Refuted step::MESSAGE
//! ```
//!
//! `error` for a refuted step, an unusable file and a claim not met,
//! `warning` for an undecided step, `notice` for what the walk skipped. The
//! columns are sent only for a finding on one line, as GitHub requires
//! (`endColumn` is its last character); a claim is marked on its whole line. Text is written as the
//! runner reads it: control characters shown escaped ([`crate::terminal`]),
//! then `%`, CR and LF as `%25`, `%0D`, `%0A`, and in a property `:` and
//! `,` as `%3A` and `%2C` too, so no file name or message can end a command
//! early or start another. The run's summary follows, as a plain line.

use super::findings::{self, Finding};
use crate::check::FileResult;
use crate::input::Note;
use crate::terminal::visible;
use std::fmt::Write as _;

/// A command's message: `%`, CR and LF escaped.
pub fn escape_data(text: &str) -> String {
    visible(text)
        .replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// A command's property value: as [`escape_data`], and `:` and `,` too.
pub fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

/// One finding's command.
fn command(f: &Finding) -> String {
    let name = if f.kind.is_error() {
        "error"
    } else {
        "warning"
    };
    let mut props = format!("file={},line={}", escape_property(&f.file), f.at.line);
    match (f.at.column, f.at.end) {
        (Some(col), Some((end_line, end_col))) if end_line == f.at.line => {
            let last = end_col.saturating_sub(1).max(col);
            let _ = write!(props, ",col={col},endLine={end_line},endColumn={last}");
        }
        (_, Some((end_line, _))) if end_line > f.at.line => {
            let _ = write!(props, ",endLine={end_line}");
        }
        // A place without an end (a claim) is its whole line.
        _ => {}
    }
    let _ = write!(props, ",title={}", escape_property(f.kind.title()));
    format!("::{name} {props}::{}", escape_data(&f.message))
}

/// Render a run as workflow commands, then the summary line.
pub fn render(files: &[FileResult], notes: &[Note]) -> String {
    let mut out = String::new();
    for f in findings::of(files) {
        let _ = writeln!(out, "{}", command(&f));
    }
    for n in notes {
        let _ = writeln!(out, "::notice::{}", escape_data(&n.line()));
    }
    let _ = writeln!(out, "{}", super::text::summary_line(files));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::findings::{Kind, Region};

    #[test]
    fn data_and_properties_are_escaped_as_the_runner_reads_them() {
        assert_eq!(escape_data("50% a:b,c\r\nnext"), "50%25 a:b,c%0D%0Anext");
        assert_eq!(escape_property("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
        assert_eq!(escape_data("\u{1b}[2J"), "\\u{1b}[2J");
    }

    #[test]
    fn columns_only_on_one_line() {
        let mut f = Finding {
            kind: Kind::Unknown,
            file: "a,b.deriv".into(),
            at: Region {
                line: 3,
                column: Some(5),
                end: Some((3, 9)),
            },
            previous: None,
            message: "why\nbecause".into(),
            fingerprint: String::new(),
        };
        assert_eq!(
            command(&f),
            "::warning file=a%2Cb.deriv,line=3,col=5,endLine=3,endColumn=8,title=Undecided step::why%0Abecause"
        );
        f.at.end = Some((4, 2));
        assert_eq!(
            command(&f),
            "::warning file=a%2Cb.deriv,line=3,endLine=4,title=Undecided step::why%0Abecause"
        );
    }
}
