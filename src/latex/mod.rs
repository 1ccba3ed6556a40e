//! Stage 1 of the pipeline for LaTeX and Markdown: `.tex` / `.md` text →
//! the same syntax tree as `.deriv`.
//!
//! In: the text of a `.tex` or `.md` file. Out: a [`ParsedFile`] whose
//! items are the file's declarations and chains, every span pointing into
//! the original file, so resolution, the engines and every report work on
//! it unchanged and diagnostics show the original line and column.
//!
//! The reader goes in four steps:
//! 1. [`scan`] finds the display math (`align`, `align*`, `aligned`,
//!    `equation`, `eqnarray`, `gather`, `multline`, `$$ … $$`, `\[ … \]`;
//!    in Markdown also ```` ```math ```` and ```` ```latex ```` fences), the
//!    declarations (`%!` lines in LaTeX, ```` ```deriv ```` blocks in
//!    Markdown) and macro definitions; prose, inline math and code are
//!    skipped;
//! 2. [`lexer`] and [`macros`] turn each block into tokens with spans and
//!    expand `\newcommand` macros, within bounds;
//! 3. [`math`] cuts a block into rows at `\\`, finds each row's
//!    justification and translates its formula into `.deriv` expression
//!    text ([`mapped::Mapped`], which remembers where every piece came
//!    from), split at the relations;
//! 4. [`chains`] assembles rows into chains, parses each expression with
//!    the `.deriv` grammar ([`crate::syntax::parser::parse_expr`]) and
//!    moves every span back to the original file.
//!
//! Declarations are `.deriv` text: the reader hands
//! [`crate::syntax::parser::parse_file`] a copy of the file in which
//! everything but the declaration ranges is blanked, so their spans are
//! the original ones too.
//!
//! Untrusted input never panics or hangs: the file size, brace depth,
//! nesting, macro expansions and expanded size are bounded, and going past
//! a bound is an error at the place it happens.

pub mod chains;
pub mod infer;
pub mod kl;
pub mod lexer;
pub mod macros;
pub mod mapped;
pub mod math;
pub mod scan;

#[cfg(test)]
mod proptests;

use crate::syntax::ast::Item;
use crate::syntax::parser::{parse_file_in, ParseContext, ParsedFile, SyntaxError, MAX_FILE_BYTES};
use crate::syntax::Span;
use std::path::Path;

/// The kinds of input files.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InputFormat {
    /// A `.deriv` file.
    Deriv,
    /// A LaTeX file (`.tex`).
    Latex,
    /// A Markdown file (`.md`, `.markdown`).
    Markdown,
}

impl InputFormat {
    /// The format a path's extension names; anything else is read as
    /// `.deriv`.
    pub fn from_path(path: &Path) -> InputFormat {
        path.extension()
            .and_then(|e| e.to_str())
            .and_then(InputFormat::from_extension)
            .unwrap_or(InputFormat::Deriv)
    }

    /// The format of an extension (without the dot), if it is one derivcheck
    /// reads.
    pub fn from_extension(ext: &str) -> Option<InputFormat> {
        match ext.to_ascii_lowercase().as_str() {
            "deriv" => Some(InputFormat::Deriv),
            "tex" | "latex" => Some(InputFormat::Latex),
            "md" | "markdown" => Some(InputFormat::Markdown),
            _ => None,
        }
    }

    /// Read a file's text in this format, knowing no parameters but its
    /// own.
    pub fn read(self, text: &str) -> ParsedFile {
        self.read_in(text, &ParseContext::default())
    }

    /// Read a file's text in this format, knowing the parameters `ctx`
    /// knows besides the file's own (declared elsewhere: an assignment, a
    /// `--with` file), so that `dX/dθ` reads as a derivative.
    pub fn read_in(self, text: &str, ctx: &ParseContext) -> ParsedFile {
        match self {
            InputFormat::Deriv => parse_file_in(text, ctx),
            InputFormat::Latex => read_latex_in(text, ctx),
            InputFormat::Markdown => read_markdown_in(text, ctx),
        }
    }
}

/// A syntax error with a message and an optional hint.
pub(crate) fn error(at: usize, message: impl Into<String>, hint: Option<String>) -> SyntaxError {
    SyntaxError {
        at,
        expected: None,
        message: Some(message.into()),
        hint,
    }
}

/// Read a LaTeX file: its `%!` declarations and the chains in its display
/// math. Never panics; every problem is a [`SyntaxError`] at its place.
pub fn read_latex(text: &str) -> ParsedFile {
    read_latex_in(text, &ParseContext::default())
}

/// [`read_latex`], knowing the parameters `ctx` knows besides the file's.
pub fn read_latex_in(text: &str, ctx: &ParseContext) -> ParsedFile {
    read_with(text, ctx, |text, doc| scan::latex(text, 0, text.len(), doc))
}

/// Read a Markdown file: the declarations in its ```` ```deriv ```` blocks
/// and the chains in its `$$` blocks, ```` ```math ```` blocks, LaTeX
/// environments and ```` ```latex ```` blocks. Never panics.
pub fn read_markdown(text: &str) -> ParsedFile {
    read_markdown_in(text, &ParseContext::default())
}

/// [`read_markdown`], knowing the parameters `ctx` knows besides the
/// file's.
pub fn read_markdown_in(text: &str, ctx: &ParseContext) -> ParsedFile {
    read_with(text, ctx, scan::markdown)
}

fn read_with(
    text: &str,
    ctx: &ParseContext,
    scan: impl FnOnce(&str, &mut scan::Doc),
) -> ParsedFile {
    if text.len() > MAX_FILE_BYTES {
        return ParsedFile {
            items: Vec::new(),
            errors: vec![error(
                0,
                format!("file is larger than the limit of {MAX_FILE_BYTES} bytes"),
                None,
            )],
        };
    }
    let mut doc = scan::Doc::default();
    scan(text, &mut doc);
    let declarations = if doc.decls.is_empty() {
        ParsedFile::default()
    } else {
        parse_file_in(&blank_outside(text, &doc.decls), ctx)
    };
    // The formulas are read knowing the parameters declared elsewhere and
    // those the file declares itself.
    let mut known = ctx.clone();
    let own = ParseContext::of_items(&declarations.items);
    known.params.extend(own.params);
    known.dists.extend(own.dists);
    let mut errors = doc.errors;
    errors.extend(declarations.errors);
    let mut headers = Vec::new();
    for span in doc.headers {
        match chains::parse_header(text, span) {
            Ok(h) => headers.push(h),
            Err(e) => errors.push(e),
        }
    }
    let blocks = doc
        .blocks
        .into_iter()
        .map(|b| {
            let rows = if b.broken {
                None
            } else {
                let (rows, row_errors) = math::rows(&b.tokens);
                let ok = row_errors.is_empty();
                errors.extend(row_errors);
                ok.then_some(rows)
            };
            chains::BlockRows { span: b.span, rows }
        })
        .collect();
    let chain_items = chains::build(text, &known, blocks, headers, &mut errors);
    let mut items: Vec<Item> = declarations.items;
    items.extend(chain_items);
    items.sort_by_key(|i| i.span.start);
    errors.sort_by_key(|e| e.at);
    ParsedFile { items, errors }
}

/// A copy of `text` with everything outside `keep` turned into spaces
/// (newlines stay), so byte offsets are unchanged.
fn blank_outside(text: &str, keep: &[Span]) -> String {
    let mut out: Vec<u8> = text
        .bytes()
        .map(|b| if b == b'\n' { b'\n' } else { b' ' })
        .collect();
    for s in keep {
        let (a, b) = (s.start.min(text.len()), s.end.min(text.len()));
        if a < b {
            out[a..b].copy_from_slice(&text.as_bytes()[a..b]);
        }
    }
    String::from_utf8(out).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::ast::{ExprKind, ItemKind, Relation};
    use crate::syntax::print::print_expr;

    fn chains(f: &ParsedFile) -> Vec<&crate::syntax::ast::Chain> {
        f.items
            .iter()
            .filter_map(|i| match &i.kind {
                ItemKind::Chain(c) => Some(c),
                _ => None,
            })
            .collect()
    }

    const SEED_TEX: &str = r#"\documentclass{article}
\usepackage{amsmath}
%! param θ
%! set T
%! var τ in T
%! fun R(τ)
%! fun Pr_θ(τ) : dist τ
%! def J(θ) = Σ_τ Pr_θ(τ) R(τ)
%! claim ∇_θ J(θ) = E_{τ~Pr_θ}[∇_θ log Pr_θ(τ) R(τ)]
%! derivation "policy gradient"
\begin{document}
The gradient of $J$ is, by the log-derivative trick,
\begin{align*}
\nabla_\theta J(\theta)
  &= \nabla_\theta \sum_{\tau} \Pr_\theta(\tau) R(\tau) && \text{by definition of $J$} \\
  &= \sum_\tau \nabla_\theta \Pr_\theta(\tau)\, R(\tau) \quad \text{(linearity)} \\
  &= \sum_\tau \Pr_\theta(\tau) \frac{\nabla_\theta \Pr_\theta(\tau)}{\Pr_\theta(\tau)} R(\tau) \\
  &= \sum_\tau \Pr_\theta(\tau) \nabla_\theta \log \Pr_\theta(\tau) R(\tau) % by the log-derivative trick
\end{align*}
and so
\[
  = \mathbb{E}_{\tau \sim \Pr_\theta}\left[\nabla_\theta \log \Pr_\theta(\tau) R(\tau)\right].
\]
\end{document}
"#;

    #[test]
    fn the_seed_derivation_reads_from_latex() {
        let f = read_latex(SEED_TEX);
        assert!(f.errors.is_empty(), "{:?}", f.errors);
        let cs = chains(&f);
        assert_eq!(cs.len(), 1);
        let c = cs[0];
        assert_eq!(c.name.as_deref(), Some("policy gradient"));
        assert_eq!(print_expr(&c.start), "∇_θ J(θ)");
        let printed: Vec<String> = c.steps.iter().map(|s| print_expr(&s.expr)).collect();
        assert_eq!(
            printed,
            vec![
                "∇_θ Σ_τ Pr_θ(τ) · R(τ)",
                "Σ_τ ∇_θ Pr_θ(τ) · R(τ)",
                "Σ_τ Pr_θ(τ) · (∇_θ Pr_θ(τ) / Pr_θ(τ)) · R(τ)",
                "Σ_τ Pr_θ(τ) · ∇_θ log Pr_θ(τ) · R(τ)",
                "E_{τ ~ Pr_θ}[∇_θ log Pr_θ(τ) · R(τ)]",
            ]
        );
        let just: Vec<Option<&str>> = c.steps.iter().map(|s| s.justification.as_deref()).collect();
        assert_eq!(
            just,
            vec![
                Some("definition of J"),
                Some("linearity"),
                None,
                Some("the log-derivative trick"),
                None
            ]
        );
        assert!(c.steps.iter().all(|s| s.relation == Relation::Eq));
    }

    #[test]
    fn spans_point_into_the_original_file() {
        let f = read_latex(SEED_TEX);
        let c = chains(&f)[0];
        let slice = |s: Span| &SEED_TEX[s.start..s.end];
        assert_eq!(slice(c.start.span), "\\nabla_\\theta J(\\theta)");
        assert_eq!(
            slice(c.steps[0].expr.span),
            "\\nabla_\\theta \\sum_{\\tau} \\Pr_\\theta(\\tau) R(\\tau)"
        );
        match &c.steps[0].expr.kind {
            ExprKind::Deriv { param: Some(p), .. } => assert_eq!(slice(p.span), "\\theta"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn an_unknown_command_is_an_error_at_its_line_and_column() {
        let text = "%! param θ\n\\begin{align}\nx &= \\foo y\n\\end{align}\n";
        let f = read_latex(text);
        assert_eq!(f.errors.len(), 1, "{:?}", f.errors);
        let e = &f.errors[0];
        assert_eq!(e.at, text.find("\\foo").unwrap());
        assert!(e.message.as_deref().unwrap().contains("`\\foo`"));
        assert!(chains(&f).is_empty());
    }

    /// Where an error is, as line and column.
    fn place(text: &str, e: &SyntaxError) -> (usize, usize) {
        crate::syntax::Source::new("f", text).line_col(e.at)
    }

    #[test]
    fn a_bad_block_takes_no_good_block_with_it() {
        let printed = |f: &ParsedFile| -> Vec<Vec<String>> {
            chains(f)
                .iter()
                .map(|c| {
                    std::iter::once(print_expr(&c.start))
                        .chain(c.steps.iter().map(|s| print_expr(&s.expr)))
                        .collect()
                })
                .collect()
        };
        // An unknown command, a grammar error, a relation with nothing
        // after it: each in the second block, after a good one.
        for (bad, at) in [
            (r"\[ c = \foo \]", (3, 8)),
            ("$$ = c + ( $$", (3, 11)),
            ("$$ = c = $$", (3, 8)),
            (r"\begin{align} &= c \\ &= \frac{c}{ \end{align}", (3, 34)),
        ] {
            let text =
                format!("%! const c\n$$ c + 0 = c $$\n{bad}\n$$ = c \\cdot 1 $$\n$$ c = 1 c $$\n");
            let f = read_latex(&text);
            assert_eq!(f.errors.len(), 1, "{bad}: {:?}", f.errors);
            assert_eq!(place(&text, &f.errors[0]), at, "{bad}");
            // The first chain is kept as the good block left it; the block
            // that continued the broken one is skipped; the next chain is
            // read.
            assert_eq!(
                printed(&f),
                [vec!["c + 0", "c"], vec!["c", "1 · c"]],
                "{bad}"
            );
        }
        // In Markdown too, with prose between the blocks.
        let text = "```deriv\nconst c\n```\n\n$$\nc + 0 = c\n$$\n\nThen\n\n$$\nc = \\foo\n$$\n";
        let f = read_markdown(text);
        assert_eq!(f.errors.len(), 1, "{:?}", f.errors);
        assert_eq!(place(text, &f.errors[0]), (12, 5));
        assert_eq!(printed(&f), [vec!["c + 0", "c"]]);
    }

    #[test]
    fn a_grammar_error_names_the_original_token() {
        let text = "$$ a = \\sum R $$";
        let f = read_latex(text);
        assert_eq!(f.errors.len(), 1, "{:?}", f.errors);
        assert_eq!(f.errors[0].at, text.find("\\sum").unwrap() + 4);
        let text = "$$ a = b + $$";
        let f = read_latex(text);
        let m = f.errors[0].message.clone().unwrap();
        assert!(m.contains("the end of the step"), "{m}");
    }

    #[test]
    fn every_broken_row_is_reported() {
        let text = "\\begin{align}\na &= \\foo \\\\\n&= \\bar{x} \\\\\n&= c\n\\end{align}\n";
        let f = read_latex(text);
        assert_eq!(f.errors.len(), 2, "{:?}", f.errors);
    }

    #[test]
    fn a_relation_row_continues_across_blocks_and_rows_continue_steps() {
        let text =
            "$$ a = b $$ then $$ = c $$\n\\begin{multline}\nd = e \\\\\n + f\n\\end{multline}";
        let f = read_latex(text);
        assert!(f.errors.is_empty(), "{:?}", f.errors);
        let cs = chains(&f);
        assert_eq!(cs.len(), 2);
        assert_eq!(cs[0].steps.len(), 2);
        assert_eq!(print_expr(&cs[1].steps[0].expr), "e + f");
        let text = "$$ a = \\\\ b $$";
        let f = read_latex(text);
        assert_eq!(chains(&f)[0].steps.len(), 1);
    }

    #[test]
    fn a_justification_on_its_own_row_belongs_to_the_step_above() {
        let text = "\\begin{align}\na &= b \\\\ % by one\n\\intertext{and so}\n&= c\\\\\n\\text{by two}\n\\end{align}";
        let f = read_latex(text);
        assert!(f.errors.is_empty(), "{:?}", f.errors);
        let c = chains(&f)[0];
        let just: Vec<Option<&str>> = c.steps.iter().map(|s| s.justification.as_deref()).collect();
        assert_eq!(just, vec![Some("one"), Some("two")]);
    }

    #[test]
    fn sets_in_calligraphic_letters_and_user_macros_are_names() {
        let text =
            "\\newcommand{\\R}[1]{R(#1)}\n$$\\sum_{\\tau \\in \\mathcal{T}} \\R{\\tau} = 0$$";
        let f = read_latex(text);
        assert!(f.errors.is_empty(), "{:?}", f.errors);
        assert_eq!(print_expr(&chains(&f)[0].start), "Σ_{τ ∈ T} R(τ)");
    }

    #[test]
    fn a_leading_relation_without_a_chain_is_an_error() {
        let f = read_latex("$$ = b $$");
        assert_eq!(f.errors.len(), 1);
        assert!(f.errors[0]
            .message
            .as_deref()
            .unwrap()
            .contains("needs an expression"));
    }

    #[test]
    fn markdown_reads_deriv_blocks_and_display_math() {
        let text = "# PG\n\n```deriv\nparam θ\nconst c\nderivation \"d\"\n```\n\nWe have\n\n$$\n\\nabla_\\theta c\n  = 0 % by c not depending on θ\n$$\n";
        let f = read_markdown(text);
        assert!(f.errors.is_empty(), "{:?}", f.errors);
        let cs = chains(&f);
        assert_eq!(cs.len(), 1);
        assert_eq!(cs[0].name.as_deref(), Some("d"));
        assert_eq!(
            cs[0].steps[0].justification.as_deref(),
            Some("c not depending on θ")
        );
        assert!(matches!(f.items[0].kind, ItemKind::Param(_)));
    }

    /// `dX/dθ` is a derivative when θ is a parameter the file declares or
    /// the context knows, and a quotient otherwise; nothing carries over
    /// from one read to the next.
    #[test]
    fn the_leibniz_form_follows_the_parameters_known_to_this_read() {
        let is_deriv = |f: &ParsedFile| {
            assert!(f.errors.is_empty(), "{:?}", f.errors);
            matches!(chains(f)[0].start.kind, ExprKind::Deriv { .. })
        };
        let formula = "$$ dJ/dθ = 0 $$\n";
        let declared = format!("%! param θ\n{formula}");
        assert!(is_deriv(&read_latex(&declared)));
        assert!(!is_deriv(&read_latex(formula)));
        let known = ParseContext::with_params(vec!["θ".into()]);
        assert!(is_deriv(&read_latex_in(formula, &known)));
        assert!(is_deriv(&read_markdown_in(formula, &known)));
        assert!(!is_deriv(&read_markdown(formula)));
    }

    /// The notation of pasted answers, one case a command: each reads as
    /// the `.deriv` expression beside it.
    #[test]
    fn the_notation_of_pasted_answers_reads() {
        let start = |text: &str| {
            let f = read_latex(text);
            assert!(f.errors.is_empty(), "{text}: {:?}", f.errors);
            let c = chains(&f)[0];
            let mut all = vec![print_expr(&c.start)];
            all.extend(
                c.steps
                    .iter()
                    .map(|s| format!("{} {}", s.relation.symbol(), print_expr(&s.expr))),
            );
            all.join(" ")
        };
        for (latex, read) in [
            (
                r"\mathbb{E}_{x \sim p}\left[ f(x) \right]",
                "E_{x ~ p}[f(x)]",
            ),
            (r"\mathbb{E}_{x \sim p}\Big[ f(x) \Big]", "E_{x ~ p}[f(x)]"),
            (r"\operatorname{Var}(x)", "Var(x)"),
            (r"\frac{\mathrm{d}}{\mathrm{d}\theta} J", "∇_θ J"),
            (r"\pi(a \mid s)", "π(a | s)"),
            (r"a \propto b \approx c", "a ∝ b ≈ c"),
            (r"a \nonumber", "a"),
            (r"a \notag", "a"),
            (r"a \label{eq:one}", "a"),
            (r"a \tag{1}", "a"),
            (
                r"a \, b \; c \! d \quad e \qquad f",
                "a · b · c · d · e · f",
            ),
        ] {
            assert_eq!(start(&format!("$$ {latex} $$")), read, "{latex}");
        }
        let split = "\\begin{equation}\\begin{split} a &= b \\\\ &= c \\end{split}\\end{equation}";
        assert_eq!(start(split), "a = b = c");
        let macros = "\\newcommand{\\E}{\\mathbb{E}}\n\\def\\R{R}\n$$ \\E_{x\\sim p}[\\R(x)] $$";
        assert_eq!(start(macros), "E_{x ~ p}[R(x)]");
    }

    #[test]
    fn maxima_are_rejected_at_their_place_with_a_reason() {
        for (formula, command) in [
            (r"\max_x f(x)", r"\max"),
            (r"\arg\max_x f(x)", r"\arg"),
            (r"\argmax_{x} f(x)", r"\argmax"),
            (r"\operatorname*{arg\,max}_x f(x)", r"\operatorname"),
            (r"\mathrm{max}_x f(x)", r"\mathrm"),
            (r"\text{argmin}_x f(x)", r"\text"),
        ] {
            let text = format!("%! const c\n$$\nc = {formula}\n$$\n");
            let f = read_latex(&text);
            assert_eq!(f.errors.len(), 1, "{formula}: {:?}", f.errors);
            let e = &f.errors[0];
            assert_eq!(place(&text, e), (3, 5), "{formula}");
            assert!(text[e.at..].starts_with(command), "{formula}");
            let m = e.message.as_deref().unwrap_or_default();
            assert!(m.contains("a maximum"), "{formula}: {m}");
        }
    }

    #[test]
    fn declaration_errors_point_into_the_original_file() {
        let text = "\\section{x}\n%! fun f(x\n";
        let f = read_latex(text);
        assert_eq!(f.errors.len(), 1);
        assert_eq!(f.errors[0].at, text.find("(x").unwrap());
    }

    #[test]
    fn formats_follow_the_extension() {
        assert_eq!(
            InputFormat::from_path(Path::new("a/b.tex")),
            InputFormat::Latex
        );
        assert_eq!(
            InputFormat::from_path(Path::new("b.MD")),
            InputFormat::Markdown
        );
        assert_eq!(
            InputFormat::from_path(Path::new("b.deriv")),
            InputFormat::Deriv
        );
        assert_eq!(InputFormat::from_path(Path::new("b")), InputFormat::Deriv);
    }

    #[test]
    fn hostile_input_gives_errors_not_panics() {
        let deep = format!("$${}x{}$$", "{".repeat(10_000), "}".repeat(10_000));
        assert!(!read_latex(&deep).errors.is_empty());
        let fracs = format!("$${}$$", "\\frac{".repeat(200) + "x" + &"}{y}".repeat(200));
        assert!(!read_latex(&fracs).errors.is_empty());
        let runaway = "\\def\\a{\\a x}\n$$\\a$$";
        let f = read_latex(runaway);
        assert_eq!(f.errors.len(), 1);
        assert_eq!(f.errors[0].at, runaway.rfind("\\a").unwrap());
        let unbalanced = "$$ \\frac{a}{b $$";
        assert_eq!(read_latex(unbalanced).errors[0].at, 11);
        let huge = "$$ ".to_string() + &"x + ".repeat(200_000) + "x $$";
        assert!(!read_latex(&huge).errors.is_empty());
        let too_big = "x".repeat(MAX_FILE_BYTES + 1);
        assert_eq!(read_markdown(&too_big).errors.len(), 1);
    }
}

#[cfg(test)]
mod diagnostics {
    use super::*;
    use crate::diagnostic::Diagnostic;
    use crate::syntax::Source;

    fn rendered(name: &str, text: &str) -> String {
        let source = Source::new(name, text);
        let f = InputFormat::from_path(Path::new(name)).read(text);
        f.errors
            .iter()
            .map(|e| Diagnostic::from_syntax(e, &source).render(&source))
            .collect()
    }

    /// What a user sees for an unknown command: the original line, the
    /// command underlined whole, and what to do.
    #[test]
    fn an_unknown_command_as_the_user_sees_it() {
        let text = "%! param θ\n\\begin{align}\n  \\nabla_\\theta J &= \\Ex[R]\n\\end{align}\n";
        insta::assert_snapshot!(rendered("student.tex", text), @r"
        error: unknown LaTeX command `\Ex`
          ┌─ student.tex:3:22
          │
        3 │   \nabla_\theta J &= \Ex[R]
          │                      ^^^
          │
          = hint: define it with \newcommand before it is used, or write it with the commands listed in the README
        ");
    }

    /// A grammar error found in the translated text is shown in the
    /// original, naming the LaTeX written there.
    #[test]
    fn a_grammar_error_as_the_user_sees_it() {
        let text = "Some prose.\n\n$$\n\\sum_{\\tau} R(\\tau) = \\log\n$$\n";
        insta::assert_snapshot!(rendered("answer.md", text), @r"
        error: expected an expression, found the end of the step
          ┌─ answer.md:4:27
          │
        4 │ \sum_{\tau} R(\tau) = \log
          │                           ^ expected an expression
        ");
    }
}
