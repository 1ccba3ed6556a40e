//! derivcheck: a symbolic-plus-numeric derivation verifier.
//!
//! The library is a pipeline, one module a stage, in the order a file's
//! text flows through them:
//!
//! 1. [`input`]: the files named on the command line, walked (links and
//!    loops followed at most once) and read within a size bound, as UTF-8.
//! 2. [`syntax`] and [`latex`]: `.deriv`, `.tex` and `.md` text → one
//!    syntax tree, with spans in the original file.
//! 3. [`resolve`]: names → declarations; the resolved terms of every claim,
//!    assumption and chain, or errors at their place.
//! 4. The engines, behind [`verdict::Engine`]: [`symbolic`] (normal forms
//!    and the rules of [`symbolic::rules`]), [`numeric`] (exact evaluation
//!    on random instances), [`montecarlo`] (`≈` steps by sampling).
//! 5. [`check`]: a file's chains, each step through the engines in turn,
//!    into [`verdict::Verdict`]s.
//! 6. [`grade`]: an assignment's submissions checked and scored.
//! 7. [`report`]: the results rendered (text, JSON, JUnit, SARIF, GitHub,
//!    tables, CSV, HTML, gradebooks); [`diagnostic`] renders an error at
//!    its `file:line:column`, and [`terminal`] escapes untrusted text.
//!
//! The binary is a thin command line over it, and [`lsp`] a language
//! server over it. The README's "Layout" section says where a change goes.

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
