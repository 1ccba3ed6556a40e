//! `grade --format table`: a row a submission (id, score, valid, first
//! invalid line, what cost points) and a summary of the class, coloured
//! only when writing to a terminal.

use super::grade::{Header, Summary};
use super::{GradeRun, Reporter};
use crate::grade::rubric::score_text;
use crate::grade::GradeResult;
use crate::terminal::visible;
use colored::Colorize;
use std::io::{self, Write};

/// Writes the table.
pub struct TableReporter {
    color: bool,
    id_width: usize,
}

impl TableReporter {
    /// A table, coloured or not.
    pub fn new(color: bool) -> Self {
        TableReporter { color, id_width: 2 }
    }

    fn paint(&self, text: String, how: fn(&str) -> colored::ColoredString) -> String {
        if self.color {
            how(&text).to_string()
        } else {
            text
        }
    }
}

/// What cost a submission points, in a few words.
pub fn remarks(r: &GradeResult) -> String {
    if let Some(e) = r.errors.first() {
        let at = if e.line > 0 {
            format!("line {}: ", e.line)
        } else {
            String::new()
        };
        return format!("could not be graded: {at}{}", e.message);
    }
    let Some(b) = &r.breakdown else {
        return String::new();
    };
    if r.full_marks() {
        return "full marks".into();
    }
    let mut parts = Vec::new();
    if b.start.earned < b.start.of {
        parts.push("no start".to_string());
    }
    if !b.refuted_lines.is_empty() {
        let lines: Vec<String> = b.refuted_lines.iter().map(|l| l.to_string()).collect();
        parts.push(format!("refuted at {}", lines.join(", ")));
    }
    let unknown: Vec<String> = r
        .steps
        .iter()
        .filter(|s| s.verdict.name() == "unknown")
        .map(|s| s.at.line.to_string())
        .collect();
    if !unknown.is_empty() {
        parts.push(format!("undecided at {}", unknown.join(", ")));
    }
    let disordered: Vec<String> = r
        .steps
        .iter()
        .filter(|s| s.in_order == Some(false))
        .map(|s| s.at.label.clone().unwrap_or_else(|| s.at.line.to_string()))
        .collect();
    if !disordered.is_empty() {
        parts.push(format!("out of order at {}", disordered.join(", ")));
    }
    if !b.assume_lines.is_empty() {
        parts.push("assumes a fact".into());
    }
    if b.finish.earned < b.finish.of {
        parts.push("no finish".into());
    }
    if b.steps.earned < b.steps.of {
        parts.push(format!(
            "{} step{} count{}",
            b.credited_steps,
            if b.credited_steps == 1 { "" } else { "s" },
            if b.credited_steps == 1 { "s" } else { "" }
        ));
    }
    let missed = b.milestones.iter().filter(|m| m.line.is_none()).count();
    if missed > 0 {
        parts.push(format!(
            "{missed} milestone{} missed",
            if missed == 1 { "" } else { "s" }
        ));
    }
    parts.join("; ")
}

impl Reporter<GradeRun> for TableReporter {
    fn begin(&mut self, out: &mut dyn Write, h: &Header) -> io::Result<()> {
        self.id_width = h.id_width.max(2);
        writeln!(
            out,
            "{} ({} points): {}",
            visible(&h.assignment),
            score_text(h.points),
            h.claim
        )?;
        writeln!(out, "rubric: {}", h.rubric)?;
        let head = format!(
            "{:<w$}  {:>13}  {:<5}  {:>12}  {}",
            "id",
            "score",
            "valid",
            "first invalid",
            "what cost points",
            w = self.id_width
        );
        writeln!(out, "{}", self.paint(head, |s| s.bold()))
    }

    fn item(&mut self, out: &mut dyn Write, r: &GradeResult) -> io::Result<()> {
        let id: String = if r.id.chars().count() > self.id_width {
            let mut s: String = r.id.chars().take(self.id_width - 1).collect();
            s.push('…');
            s
        } else {
            r.id.clone()
        };
        let score = format!(
            "{:>13}",
            format!("{} / {}", score_text(r.score), score_text(r.max))
        );
        let score = if r.full_marks() {
            self.paint(score, |s| s.green().bold())
        } else if r.score > 0.0 {
            self.paint(score, |s| s.yellow())
        } else {
            self.paint(score, |s| s.red())
        };
        let valid = format!("{:<5}", if r.valid { "yes" } else { "no" });
        let valid = if r.valid {
            self.paint(valid, |s| s.green())
        } else {
            self.paint(valid, |s| s.red())
        };
        let line = r
            .first_invalid_line
            .map_or_else(|| "-".to_string(), |l| l.to_string());
        writeln!(
            out,
            "{:<w$}  {score}  {valid}  {:>12}  {}",
            id,
            line,
            visible(&remarks(r)),
            w = self.id_width
        )
    }

    fn end(&mut self, out: &mut dyn Write, h: &Header, s: &Summary) -> io::Result<()> {
        writeln!(out)?;
        writeln!(out, "{}", s.line())?;
        let bins = s.histogram();
        let most = bins.iter().map(|b| b.2).max().unwrap_or(0).max(1);
        if s.count() > 0 {
            let bars: String = bins
                .iter()
                .map(|b| {
                    const LEVELS: [char; 9] = [' ', '▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
                    LEVELS[(b.2 * 8).div_ceil(most)]
                })
                .collect();
            writeln!(out, "scores 0 … {}: |{bars}|", score_text(s.max))?;
        }
        if !h.notes.is_empty() {
            writeln!(out)?;
        }
        for n in &h.notes {
            writeln!(out, "{}", visible(n))?;
        }
        Ok(())
    }
}
