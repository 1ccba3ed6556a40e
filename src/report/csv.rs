//! `grade --format csv`: `id,score,max,valid,first_invalid_line`, one row a
//! submission, ready for a gradebook import. Fields are quoted (RFC 4180)
//! when they need it; ids never start with a spreadsheet formula sign.

use super::grade::{Header, Summary};
use super::{GradeRun, Reporter};
use crate::grade::rubric::score_text;
use crate::grade::GradeResult;
use std::io::{self, Write};

/// Writes CSV.
pub struct CsvReporter;

/// A field, quoted when it holds a comma, a quote or a line break.
pub fn field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

impl Reporter<GradeRun> for CsvReporter {
    fn begin(&mut self, out: &mut dyn Write, _h: &Header) -> io::Result<()> {
        writeln!(out, "id,score,max,valid,first_invalid_line")
    }

    fn item(&mut self, out: &mut dyn Write, r: &GradeResult) -> io::Result<()> {
        writeln!(
            out,
            "{},{},{},{},{}",
            field(&r.id),
            score_text(r.score),
            score_text(r.max),
            r.valid,
            r.first_invalid_line
                .map_or_else(String::new, |l| l.to_string())
        )
    }

    fn end(&mut self, _out: &mut dyn Write, _h: &Header, _s: &Summary) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_quoted_when_needed() {
        assert_eq!(field("alice"), "alice");
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
    }
}
