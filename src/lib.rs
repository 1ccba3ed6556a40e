//! derivcheck: a symbolic-plus-numeric derivation verifier.
//!
//! The library is a pipeline, one module a stage:
//! [`syntax`] and [`latex`] (`.deriv`, `.tex` and `.md` text → one syntax
//! tree) → [`resolve`] (names → declarations) → the engines ([`numeric`])
//! → [`check`] (a chain's steps through the engines) → [`report`] (text
//! and JSON). The binary is a thin command line over it, and [`lsp`] a
//! language server over it.

#![warn(missing_docs)]

pub mod check;
pub mod diagnostic;
pub mod grade;
pub mod input;
pub mod latex;
pub mod lsp;
pub mod montecarlo;
pub mod numeric;
pub mod report;
pub mod resolve;
pub mod symbolic;
pub mod syntax;
pub mod terminal;
pub mod verdict;
