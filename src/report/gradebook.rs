//! `grade --format canvas` and `grade --format moodle`: the class's scores
//! as the CSV file a learning management system's gradebook imports, one
//! row a submission. The submission's id (its file name without the
//! extension) is the student's identifier, so the files must be named by
//! the identifier the gradebook knows.
//!
//! Canvas (Grades → Import): the header is the one Canvas's importer
//! looks for, the student columns and then one column for the assignment,
//! `Name` for a new assignment or `Name (id)` for an existing one; a
//! `Points Possible` row gives a new assignment its points. Canvas finds a
//! student by `ID` (its own number), then `SIS User ID`, then `SIS Login
//! ID`, then by name: the id is written as the SIS Login ID, and as the
//! name, which the import preview shows for a student it cannot find.
//!
//! ```text
//! Student,ID,SIS User ID,SIS Login ID,Section,Policy gradient
//! Points Possible,,,,,10
//! alice,,,alice,,10
//! ```
//!
//! Moodle (Grades → Import → CSV file): the teacher maps `Username` to the
//! users' username (or ID number), the score column to a grade item and
//! `Feedback` to that item's feedback; the feedback is what cost points, in
//! a few words, as in the table.
//!
//! ```text
//! Username,Policy gradient,Feedback
//! alice,10,full marks
//! ```
//!
//! Fields are quoted (RFC 4180) where they need it ([`super::csv::field`]);
//! control characters in the feedback are shown escaped
//! ([`crate::terminal`]). Files are UTF-8, comma-separated, and scores use
//! a decimal point, as both importers read them.

use super::csv::field;
use super::grade::{Header, Summary};
use super::table::remarks;
use super::{GradeRun, Reporter};
use crate::grade::rubric::score_text;
use crate::grade::GradeResult;
use crate::terminal::visible;
use std::io::{self, Write};

/// Which gradebook.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lms {
    /// Canvas's gradebook import.
    Canvas,
    /// Moodle's grade import from a CSV file.
    Moodle,
}

/// Writes a gradebook CSV.
pub struct GradebookReporter(pub Lms);

impl Reporter<GradeRun> for GradebookReporter {
    fn begin(&mut self, out: &mut dyn Write, h: &Header) -> io::Result<()> {
        let column = field(&h.column);
        match self.0 {
            Lms::Canvas => {
                writeln!(out, "Student,ID,SIS User ID,SIS Login ID,Section,{column}")?;
                writeln!(out, "Points Possible,,,,,{}", score_text(h.points))
            }
            Lms::Moodle => writeln!(out, "Username,{column},Feedback"),
        }
    }

    fn item(&mut self, out: &mut dyn Write, r: &GradeResult) -> io::Result<()> {
        let id = field(&r.id);
        let score = score_text(r.score);
        match self.0 {
            Lms::Canvas => writeln!(out, "{id},,,{id},,{score}"),
            Lms::Moodle => writeln!(out, "{id},{score},{}", field(&visible(&remarks(r)))),
        }
    }

    fn end(&mut self, _out: &mut dyn Write, _h: &Header, _s: &Summary) -> io::Result<()> {
        Ok(())
    }
}
