//! Fuzz target: the LaTeX and Markdown readers, then name resolution and
//! the diagnostics of what they report, on arbitrary bytes. Any panic,
//! stack overflow or hang (past libFuzzer's `-timeout`) is a finding.

#![no_main]

use derivcheck::diagnostic::Diagnostic;
use derivcheck::latex::{read_latex, read_markdown};
use derivcheck::resolve::resolve;
use derivcheck::syntax::Source;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let source = Source::new("fuzz.tex", text);
    for parsed in [read_latex(text), read_markdown(text)] {
        for e in &parsed.errors {
            let _ = Diagnostic::from_syntax(e, &source).render(&source);
        }
        let program = resolve(&parsed.items);
        for e in &program.errors {
            let _ = Diagnostic::from_resolve(e).render(&source);
        }
    }
});
