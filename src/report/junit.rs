//! JUnit XML, so that CI systems show each step as a test case.
//!
//! `check`: a test suite a file, a test case a step (and one for each
//! claim, and one for a file's errors). `grade`: a test suite a
//! submission, a test case a step, and a `score` case that fails below
//! full marks. A refuted or undecided step is a failure with its detail
//! and counterexample; an unusable file or submission is an error.
//! Untrusted text is escaped, control characters shown as `\u{1b}`.

use super::grade::{Header, Summary};
use super::{GradeRun, Reporter};
use crate::check::{ClaimStatus, FileResult};
use crate::grade::rubric::score_text;
use crate::grade::GradeResult;
use crate::verdict::Verdict;
use std::fmt::Write as _;
use std::io::{self, Write};

/// Text as XML character data or an attribute value: markup characters
/// escaped, control characters (which XML 1.0 mostly forbids, and which a
/// terminal showing the file would obey) written visibly as `\u{1b}`
/// ([`crate::terminal`]), and the two non-characters XML forbids left out.
pub fn xml(text: &str) -> String {
    let text = crate::terminal::visible(text);
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\u{fffe}' | '\u{ffff}' => {}
            c => out.push(c),
        }
    }
    out
}

/// The failure of a step: its kind and its explanation
/// ([`Verdict::explanation`]).
fn step_failure(v: &Verdict) -> Option<(String, String)> {
    let kind = match v {
        Verdict::Refuted { .. } => "refuted",
        Verdict::Unknown { .. } => "unknown",
        _ => return None,
    };
    Some((kind.into(), v.explanation().join("\n")))
}

fn case(out: &mut String, class: &str, name: &str, failure: Option<(&str, &str, &str)>) {
    let _ = write!(
        out,
        "    <testcase classname=\"{}\" name=\"{}\" time=\"0\"",
        xml(class),
        xml(name)
    );
    match failure {
        None => out.push_str("/>\n"),
        Some((tag, kind, body)) => {
            let _ = write!(
                out,
                ">\n      <{tag} message=\"{}\" type=\"{}\">{}</{tag}>\n    </testcase>\n",
                xml(kind),
                xml(kind),
                xml(body)
            );
        }
    }
}

/// `check --format junit`.
pub fn render_check(files: &[FileResult]) -> String {
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"derivcheck check\">\n",
    );
    for f in files {
        let mut cases = String::new();
        let (mut tests, mut failures, mut errors) = (0, 0, 0);
        let class = &f.source.name;
        if !f.errors.is_empty() {
            tests += 1;
            errors += 1;
            let body: String = f.errors.iter().map(|d| d.render(&f.source)).collect();
            case(
                &mut cases,
                class,
                "read",
                Some(("error", "unusable input", &body)),
            );
        }
        for c in &f.chains {
            let chain = c.name.as_ref().map_or_else(
                || format!("chain at line {}", c.line),
                |n| format!("derivation \"{n}\""),
            );
            for s in &c.steps {
                tests += 1;
                let text = f.source.slice(s.span);
                let name = format!("{chain}: line {} {} {}", s.line, s.relation.symbol(), text);
                match step_failure(&s.verdict) {
                    Some((kind, body)) => {
                        failures += 1;
                        case(&mut cases, class, &name, Some(("failure", &kind, &body)));
                    }
                    None => case(&mut cases, class, &name, None),
                }
            }
            if let Some(claim) = &c.claim {
                tests += 1;
                let name = format!("{chain}: claim");
                match claim {
                    ClaimStatus::Met => case(&mut cases, class, &name, None),
                    ClaimStatus::NotMet(why) => {
                        failures += 1;
                        case(
                            &mut cases,
                            class,
                            &name,
                            Some(("failure", "claim not met", why)),
                        );
                    }
                }
            }
        }
        for u in &f.unproved {
            tests += 1;
            failures += 1;
            let name = match &u.name {
                Some(n) => format!("claim {n}: {}", u.statement),
                None => format!("claim at line {}: {}", u.line, u.statement),
            };
            case(
                &mut cases,
                class,
                &name,
                Some(("failure", "claim not met", &u.reason)),
            );
        }
        let _ = write!(
            out,
            "  <testsuite name=\"{}\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\">\n{cases}  </testsuite>\n",
            xml(class)
        );
    }
    out.push_str("</testsuites>\n");
    out
}

/// `grade --format junit`.
pub struct JunitGradeReporter;

impl Reporter<GradeRun> for JunitGradeReporter {
    fn begin(&mut self, out: &mut dyn Write, h: &Header) -> io::Result<()> {
        writeln!(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>")?;
        writeln!(
            out,
            "<testsuites name=\"{}\">",
            xml(&format!("derivcheck grade {}", h.assignment))
        )
    }

    fn item(&mut self, out: &mut dyn Write, r: &GradeResult) -> io::Result<()> {
        let mut cases = String::new();
        let (mut failures, mut errors) = (0, 0);
        let class = &r.id;
        if !r.errors.is_empty() {
            errors += 1;
            let body: String = r.errors.iter().map(|e| e.rendered.as_str()).collect();
            case(
                &mut cases,
                class,
                "read",
                Some(("error", "could not be graded", &body)),
            );
        }
        for s in &r.steps {
            let name = format!("line {} {} {}", s.at.line, s.relation.symbol(), s.at.expr);
            let failure = step_failure(&s.verdict).or_else(|| {
                (s.in_order == Some(false)).then(|| {
                    (
                        "out of order".to_string(),
                        s.note.clone().unwrap_or_default(),
                    )
                })
            });
            match failure {
                Some((kind, body)) => {
                    failures += 1;
                    case(&mut cases, class, &name, Some(("failure", &kind, &body)));
                }
                None => case(&mut cases, class, &name, None),
            }
        }
        let name = format!("score {} of {}", score_text(r.score), score_text(r.max));
        if r.full_marks() {
            case(&mut cases, class, &name, None);
        } else {
            failures += 1;
            case(
                &mut cases,
                class,
                &name,
                Some(("failure", "below full marks", &r.feedback)),
            );
        }
        let tests = r.steps.len() + 1 + usize::from(!r.errors.is_empty());
        write!(
            out,
            "  <testsuite name=\"{}\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\">\n    <properties>\n      <property name=\"score\" value=\"{}\"/>\n      <property name=\"max\" value=\"{}\"/>\n    </properties>\n{cases}  </testsuite>\n",
            xml(class),
            score_text(r.score),
            score_text(r.max)
        )
    }

    fn end(&mut self, out: &mut dyn Write, _h: &Header, _s: &Summary) -> io::Result<()> {
        writeln!(out, "</testsuites>")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::{check_text, Options};

    /// Every start tag closed, every entity known: the document parses.
    pub(crate) fn assert_well_formed(doc: &str) {
        let mut reader = quick_xml::Reader::from_str(doc);
        let mut depth = 0i64;
        loop {
            match reader.read_event() {
                Ok(quick_xml::events::Event::Start(_)) => depth += 1,
                Ok(quick_xml::events::Event::End(_)) => depth -= 1,
                Ok(quick_xml::events::Event::GeneralRef(r)) => {
                    // Only the five predefined entities and character
                    // references: the page must not need a DTD.
                    let name = r.into_inner();
                    assert!(
                        matches!(&*name, "amp" | "lt" | "gt" | "quot" | "apos")
                            || name.starts_with('#'),
                        "unknown entity `&{name};`"
                    );
                }
                Ok(quick_xml::events::Event::Eof) => break,
                Ok(_) => {}
                Err(e) => panic!(
                    "not well-formed at {}: {e}\n{doc}",
                    reader.buffer_position()
                ),
            }
        }
        assert_eq!(depth, 0, "unbalanced tags\n{doc}");
    }

    #[test]
    fn xml_text_is_escaped_and_cleaned() {
        assert_eq!(
            xml("a<b & \"c\"\u{1}\u{1b}[2J\u{fffe}"),
            "a&lt;b &amp; &quot;c&quot;\\u{1}\\u{1b}[2J"
        );
    }

    #[test]
    fn check_junit_has_a_case_a_step_and_a_failure_a_refutation() {
        let text = "param θ\nset T\nvar τ in T\nfun R(τ)\nfun Pr_θ(τ) : dist τ\n\n\
                    claim ∇_θ Σ_τ Pr_θ(τ) R(τ) = Σ_τ ∇_θ Pr_θ(τ) R(τ)\n\
                    ∇_θ Σ_τ Pr_θ(τ) R(τ)\n  = Σ_τ ∇_θ Pr_θ(τ) R(τ) by linearity\n  = 2 Σ_τ ∇_θ Pr_θ(τ) R(τ) by <nothing>\n";
        let doc = render_check(&[check_text("f<1>.deriv", text, &Options::default())]);
        assert_well_formed(&doc);
        assert!(
            doc.contains("tests=\"3\" failures=\"2\" errors=\"0\""),
            "{doc}"
        );
        assert!(doc.contains("<failure message=\"refuted\""), "{doc}");
        assert!(doc.contains("counterexample: "), "{doc}");
        assert!(doc.contains("name=\"f&lt;1&gt;.deriv\""), "{doc}");
        assert!(doc.contains("claim not met"), "{doc}");
    }
}
