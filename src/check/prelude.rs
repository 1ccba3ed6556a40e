//! Declarations that come from another file: `check --with FILE.deriv`
//! for `.tex` and `.md` files, or an assignment's declarations when
//! grading.
//!
//! In: the other file's text (or items already parsed). Out: a
//! [`Prelude`] whose declarations, claims, milestones and rubric are put
//! before a checked file's own items. Its chains are left out: they are
//! that file's business, not the checked file's. Its spans are moved to a
//! range of their own when combined, so a problem in it is reported once,
//! by [`Prelude::report`], under its own name.

use super::FileResult;
use crate::diagnostic::Diagnostic;
use crate::latex::InputFormat;
use crate::resolve::resolve;
use crate::syntax::ast::{Item, ItemKind};
use crate::syntax::parser::SyntaxError;
use crate::syntax::{Source, Span};
use std::path::Path;

/// Declarations read from another file.
#[derive(Clone, Debug)]
pub struct Prelude {
    /// The file they were read from; its name is the one its diagnostics
    /// show.
    pub source: Source,
    /// Its items, chains left out, with spans into `source`.
    pub items: Vec<Item>,
    /// Its syntax errors.
    pub errors: Vec<SyntaxError>,
}

impl Prelude {
    /// The parameters it declares (`param` lines, and θ of an `mdp`), for
    /// reading `dX/dθ` in the files it applies to.
    pub fn param_names(&self) -> Vec<String> {
        crate::syntax::parser::ParseContext::params_of(&self.items)
    }

    /// Parse a file's text (the format follows the name's extension).
    pub fn from_text(name: &str, text: &str) -> Prelude {
        let parsed = InputFormat::from_path(Path::new(name)).read(text);
        let mut p = Prelude::from_items(Source::new(name, text), parsed.items);
        p.errors = parsed.errors;
        p
    }

    /// Items parsed elsewhere (an assignment's), with the source their
    /// spans point into.
    pub fn from_items(source: Source, items: Vec<Item>) -> Prelude {
        Prelude {
            source,
            items: items
                .into_iter()
                .filter(|i| !matches!(i.kind, ItemKind::Chain(_)))
                .collect(),
            errors: Vec::new(),
        }
    }

    /// Read and parse a file.
    pub fn read(path: &Path) -> Result<Prelude, String> {
        let text = super::read_bounded(path)?;
        Ok(Prelude::from_text(&path.display().to_string(), &text))
    }

    /// Its own problems: syntax errors, and declaration errors of its items
    /// on their own, under its own name. No chains.
    pub fn report(&self) -> FileResult {
        let mut errors: Vec<Diagnostic> = self
            .errors
            .iter()
            .map(|e| Diagnostic::from_syntax(e, &self.source))
            .collect();
        errors.extend(
            resolve(&self.items)
                .errors
                .iter()
                .map(Diagnostic::from_resolve),
        );
        errors.sort_by_key(|d| d.span.start);
        super::limit_errors(&mut errors);
        FileResult {
            source: self.source.clone(),
            errors,
            chains: Vec::new(),
            unproved: Vec::new(),
            inferred: None,
        }
    }

    /// `items` without those repeated word for word from these items (a
    /// declaration, definition, claim or rubric line copied from the
    /// prelude into the file it applies to): they are the prelude's, not
    /// a second declaration. An item that differs, even only in a
    /// declaration's kind, is kept, so a conflicting redeclaration is
    /// still an error. `check --with` and grading share this.
    pub fn without_repeats(&self, items: Vec<Item>) -> Vec<Item> {
        items
            .into_iter()
            .filter(|i| !is_repeated(&self.items, i))
            .collect()
    }

    /// Its items with every span moved up by `offset`, to come before a
    /// file whose spans all lie below `offset`.
    pub(crate) fn items_from(&self, offset: usize) -> Vec<Item> {
        let mut items = self.items.clone();
        for item in &mut items {
            item.map_spans(&mut |s| Span::new(s.start + offset, s.end + offset));
        }
        items
    }
}

/// Whether `item` repeats one of `earlier` word for word (spans aside:
/// syntax trees compare by kind).
pub fn is_repeated(earlier: &[Item], item: &Item) -> bool {
    earlier.iter().any(|a| a.kind == item.kind)
}
