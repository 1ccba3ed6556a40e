//! `grade --format html`: one self-contained page for the class — the
//! table of scores, a histogram (inline SVG), and every submission's chain
//! drawn as mathematics (MathML made here) with each step's verdict and
//! the feedback. No script, no stylesheet or font from elsewhere: a
//! content security policy forbids both, so the page reads the same
//! without a network.
//!
//! The page is streamed: each submission's section is written to a
//! temporary file as it arrives, and only the table rows (a few numbers a
//! submission) stay in memory until the end, when the page is assembled.

use super::grade::{Header, Summary};
use super::{GradeRun, Reporter};
use crate::grade::result::Written;
use crate::grade::rubric::score_text;
use crate::grade::GradeResult;
use crate::verdict::Verdict;
use std::fmt::Write as _;
use std::io::{self, Read, Seek, Write};

/// Text as HTML: markup characters escaped, and characters XML cannot
/// hold left out, so the page is also well-formed XML (the same escaping
/// as the JUnit report's).
pub fn escape(text: &str) -> String {
    super::junit::xml(text)
}

struct Row {
    id: String,
    score: f64,
    max: f64,
    valid: bool,
    first_invalid_line: Option<usize>,
    remarks: String,
}

/// Writes the page.
pub struct HtmlReporter {
    spool: std::fs::File,
    rows: Vec<Row>,
}

impl HtmlReporter {
    /// A reporter with its temporary file for the sections.
    pub fn new() -> io::Result<Self> {
        Ok(HtmlReporter {
            spool: tempfile::tempfile()?,
            rows: Vec::new(),
        })
    }
}

const STYLE: &str = "
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 72em; color: #222; padding: 0 1em; }
h1 { font-size: 1.5em; } h2 { font-size: 1.2em; margin-top: 2em; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; margin: 1em 0; }
th, td { padding: 0.3em 0.7em; text-align: left; vertical-align: middle; border-bottom: 1px solid #eee; }
th { background: #f4f4f4; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.full { color: #1a7f37; font-weight: bold; } .partial { color: #9a6700; } .zero { color: #cf222e; }
.v { font-weight: bold; padding: 0.1em 0.4em; border-radius: 0.3em; }
.proved, .confirmed, .estimated { color: #1a7f37; } .refuted { color: #cf222e; } .unknown, .disorder { color: #9a6700; }
pre { background: #f6f8fa; padding: 0.7em; overflow-x: auto; white-space: pre-wrap; }
.detail pre { margin: 0; font-size: 0.85em; }
math { font-size: 1.1em; }
.meta { color: #555; }
svg text { font-size: 11px; fill: #333; }
";

fn score_class(score: f64, max: f64) -> &'static str {
    if score >= max {
        "full"
    } else if score > 0.0 {
        "partial"
    } else {
        "zero"
    }
}

/// An expression as the MathML drawn from its syntax tree when it was
/// graded, or as code for a result stored without it.
fn expression(w: &Written) -> String {
    if w.math.is_empty() {
        format!("<code>{}</code>", escape(&w.expr))
    } else {
        w.math.clone()
    }
}

fn section(r: &GradeResult) -> String {
    let mut s = String::new();
    let _ = write!(
        s,
        "<section class=\"submission\" id=\"s-{id}\">\n<h2>{id} <span class=\"{class}\">{score} / {max}</span></h2>\n<p class=\"meta\">{path}</p>\n",
        id = escape(&r.id),
        class = score_class(r.score, r.max),
        score = score_text(r.score),
        max = score_text(r.max),
        path = escape(&r.path)
    );
    if let Some(start) = &r.start {
        s.push_str("<table class=\"steps\">\n<tr><th>line</th><th></th><th>expression</th><th>verdict</th><th>justification</th></tr>\n");
        let label = |l: &Option<String>| {
            l.as_ref()
                .map_or_else(String::new, |l| format!("<b>{}</b>: ", escape(l)))
        };
        let _ = writeln!(
            s,
            "<tr><td class=\"num\">{}</td><td></td><td>{}{}</td><td></td><td></td></tr>",
            start.line,
            label(&start.label),
            expression(start)
        );
        for step in &r.steps {
            let (class, word) = if step.verdict.is_valid() && step.in_order == Some(false) {
                ("disorder", "out of order".to_string())
            } else {
                (step.verdict.name(), step.verdict.name().to_string())
            };
            let _ = writeln!(
                s,
                "<tr><td class=\"num\">{}</td><td>{}</td><td>{}{}</td><td><span class=\"v {class}\">{word}</span></td><td>{}</td></tr>",
                step.at.line,
                escape(step.relation.symbol()),
                label(&step.at.label),
                expression(&step.at),
                escape(step.justification.as_deref().unwrap_or(""))
            );
            let detail = match &step.verdict {
                Verdict::Refuted { .. } => Some(step.verdict.explanation().join("\n")),
                Verdict::Unknown { reason } => Some(reason.to_string()),
                _ => step.note.clone(),
            };
            if let Some(d) = detail {
                let _ = writeln!(
                    s,
                    "<tr class=\"detail\"><td></td><td></td><td colspan=\"3\"><pre>{}</pre></td></tr>",
                    escape(&d)
                );
            }
        }
        s.push_str("</table>\n");
    }
    let _ = writeln!(
        s,
        "<pre class=\"feedback\">{}</pre>\n</section>",
        escape(&r.feedback)
    );
    s
}

/// The histogram of scores as an SVG picture.
pub fn histogram_svg(summary: &Summary) -> String {
    let bins = summary.histogram();
    let most = bins.iter().map(|b| b.2).max().unwrap_or(0).max(1);
    let (w, h, pad) = (640.0, 200.0, 30.0);
    let bar = (w - 2.0 * pad) / bins.len() as f64;
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" role=\"img\" aria-label=\"histogram of scores\">\n"
    );
    let _ = writeln!(
        s,
        "<line x1=\"{pad}\" y1=\"{y}\" x2=\"{x2}\" y2=\"{y}\" stroke=\"#888\"/>",
        y = h - pad,
        x2 = w - pad
    );
    for (k, (lo, hi, count)) in bins.iter().enumerate() {
        let height = (h - 2.0 * pad) * *count as f64 / most as f64;
        let x = pad + k as f64 * bar;
        let label = if hi - lo == 1.0 {
            score_text(*lo)
        } else {
            format!("{}–{}", score_text(*lo), score_text(*hi))
        };
        let _ = writeln!(
            s,
            "<rect class=\"bar\" x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"#4c72b0\"><title>{} submissions scored {}</title></rect>",
            x + 2.0,
            h - pad - height,
            (bar - 4.0).max(1.0),
            height,
            count,
            escape(&label)
        );
        let _ = writeln!(
            s,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
            x + bar / 2.0,
            h - pad + 14.0,
            escape(&label)
        );
        if *count > 0 {
            let _ = writeln!(
                s,
                "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{count}</text>",
                x + bar / 2.0,
                h - pad - height - 4.0
            );
        }
    }
    s.push_str("</svg>\n");
    s
}

impl Reporter<GradeRun> for HtmlReporter {
    fn begin(&mut self, _out: &mut dyn Write, _h: &Header) -> io::Result<()> {
        self.rows.clear();
        self.spool.set_len(0)?;
        self.spool.rewind()
    }

    fn item(&mut self, _out: &mut dyn Write, r: &GradeResult) -> io::Result<()> {
        self.rows.push(Row {
            id: r.id.clone(),
            score: r.score,
            max: r.max,
            valid: r.valid,
            first_invalid_line: r.first_invalid_line,
            remarks: super::table::remarks(r),
        });
        self.spool.write_all(section(r).as_bytes())
    }

    fn end(&mut self, out: &mut dyn Write, h: &Header, summary: &Summary) -> io::Result<()> {
        let mut head = String::new();
        let title = format!("Grades: {}", h.assignment);
        let _ = write!(
            head,
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n\
             <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\"/>\n\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n\
             <title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<h1>{}</h1>\n",
            escape(&title),
            escape(&title)
        );
        let _ = writeln!(
            head,
            "<p>Claim: {} · {} points · rubric: {}</p>",
            h.claim_math,
            score_text(h.points),
            escape(&h.rubric)
        );
        if !h.milestones.is_empty() {
            head.push_str("<p>Milestones:</p>\n<ul>\n");
            for m in &h.milestones_math {
                let _ = writeln!(head, "<li>{m}</li>");
            }
            head.push_str("</ul>\n");
        }
        if !h.labels.is_empty() {
            head.push_str("<p>The labelled steps, in the intended order:</p>\n<ul>\n");
            for ((l, _), e) in h.labels.iter().zip(&h.labels_math) {
                let _ = writeln!(head, "<li><b>{}</b>: {e}</li>", escape(l));
            }
            head.push_str("</ul>\n");
        }
        let _ = writeln!(
            head,
            "<section id=\"summary\">\n<h2>Summary</h2>\n<p>{}.</p>\n{}</section>",
            escape(&summary.line()),
            histogram_svg(summary)
        );
        if !h.notes.is_empty() {
            head.push_str("<ul id=\"notes\">\n");
            for n in &h.notes {
                let _ = writeln!(head, "<li>{}</li>", escape(n));
            }
            head.push_str("</ul>\n");
        }
        head.push_str("<h2>Scores</h2>\n<table id=\"scores\">\n<thead><tr><th>id</th><th>score</th><th>valid</th><th>first invalid line</th><th>what cost points</th></tr></thead>\n<tbody>\n");
        out.write_all(head.as_bytes())?;
        for r in &self.rows {
            writeln!(
                out,
                "<tr class=\"row\"><td><a href=\"#s-{id}\">{id}</a></td><td class=\"num {class}\">{} / {}</td><td>{}</td><td class=\"num\">{}</td><td>{}</td></tr>",
                score_text(r.score),
                score_text(r.max),
                if r.valid { "yes" } else { "no" },
                r.first_invalid_line.map_or_else(|| "–".to_string(), |l| l.to_string()),
                escape(&r.remarks),
                id = escape(&r.id),
                class = score_class(r.score, r.max),
            )?;
        }
        out.write_all(b"</tbody>\n</table>\n<h2>Submissions</h2>\n")?;
        self.spool.rewind()?;
        let mut buf = vec![0u8; 1 << 16];
        loop {
            let n = self.spool.read(&mut buf)?;
            if n == 0 {
                break;
            }
            out.write_all(&buf[..n])?;
        }
        out.write_all(b"</body>\n</html>\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grade::{Assignment, GradeOptions, Grader, Kind, Submission};

    const ASSIGNMENT: &str = "param θ\nset T\nvar τ in T\nfun R(τ)\nfun Pr_θ(τ) : dist τ\n\
        def J(θ) = Σ_τ Pr_θ(τ) R(τ)\npoints 10\n\
        claim ∇_θ J(θ) = E_{τ~Pr_θ}[∇_θ log Pr_θ(τ) R(τ)]\n\
        milestone Σ_τ ∇_θ Pr_θ(τ) R(τ)\n";

    #[test]
    fn expressions_are_drawn_from_the_trees_kept_when_grading() {
        let a = Assignment::from_text("a.deriv", ASSIGNMENT)
            .unwrap_or_else(|e| panic!("{}", e.render()));
        let g = Grader::new(&a, GradeOptions::default());
        let sub = Submission {
            id: "ada".into(),
            path: "ada.deriv".into(),
            kind: Some(Kind::Deriv),
            id_note: None,
            identity: None,
            refused: None,
        };
        let mut r = g.grade_text(
            &sub,
            Ok("∇_θ J(θ)\n  = ∇_θ Σ_τ Pr_θ(τ) R(τ)   by definition of J\n".into()),
        );
        let at = r.steps[0].at.clone();
        // The picture of the tree the engines checked is the picture of
        // its canonical text.
        let printed = crate::syntax::parser::parse_expr(&at.expr, 0).expect("reads back");
        assert_eq!(at.math, super::super::mathml::math(&printed, false));
        assert!(at.math.contains("<munder><mo>∑</mo>"), "{}", at.math);
        assert!(section(&r).contains(&at.math));
        // A result stored without its MathML shows the expression as code.
        r.steps[0].at.math.clear();
        let code = format!("<code>{}</code>", escape(&at.expr));
        assert!(section(&r).contains(&code), "{}", section(&r));
        // The claim and the milestones come from the assignment's trees.
        let h = Header::of(&a, &[sub]);
        assert!(
            h.claim_math.starts_with("<math") && h.claim_math.contains(" = <math"),
            "{}",
            h.claim_math
        );
        assert_eq!(h.milestones_math.len(), 1);
        assert!(h.milestones_math[0].contains("<munder><mo>∑</mo>"));
    }
}
