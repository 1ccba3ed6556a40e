//! Properties of the LaTeX and Markdown readers: what `fmt --latex` prints
//! reads back as the same tree, and no input — arbitrary text or a soup of
//! LaTeX tokens — makes a reader panic.

use super::{read_latex, read_markdown};
use crate::syntax::ast::{Chain, Expr, Func, ItemKind, Relation, Step};
use crate::syntax::print::{latex_expr, print_chain};
use crate::syntax::proptests::{expr_tree, power_of_function, printable_tree};
use crate::syntax::Span;
use proptest::prelude::*;

fn first_chain(f: &crate::syntax::parser::ParsedFile) -> Option<&Chain> {
    f.items.iter().find_map(|i| match &i.kind {
        ItemKind::Chain(c) => Some(c),
        _ => None,
    })
}

fn relation() -> impl Strategy<Value = Relation> {
    prop::sample::select(vec![
        Relation::Eq,
        Relation::Approx,
        Relation::Le,
        Relation::Ge,
        Relation::Propto,
    ])
}

/// Justifications as people write them, with LaTeX's special characters.
fn justification() -> impl Strategy<Value = Option<String>> {
    prop::option::of(
        prop::collection::vec(
            prop::sample::select(vec![
                "by",
                "linearity",
                "the",
                "log-derivative",
                "trick",
                "Pr_θ(τ)",
                "50%",
                "{x}",
                "a&b",
                "#1",
                "$5",
                "~",
                "^",
                "\\",
                "(note)",
                "E[R]",
            ]),
            1..5,
        )
        .prop_map(|w| w.join(" ")),
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn latex_printing_then_reading_gives_the_same_tree(e in printable_tree()) {
        let text = format!("$$\n{}\n$$\n", latex_expr(&e));
        let f = read_latex(&text);
        prop_assert!(f.errors.is_empty(), "{text}: {:?}", f.errors);
        let c = first_chain(&f);
        prop_assert!(c.is_some(), "{text}");
        prop_assert_eq!(&c.unwrap().start, &e, "{}", text);
    }

    #[test]
    fn fmt_latex_chains_read_back_with_names_relations_and_justifications(
        start in expr_tree(),
        steps in prop::collection::vec((relation(), expr_tree(), justification()), 1..4),
        name in prop::option::of("[a-z][a-z ]{0,12}[a-z]"),
    ) {
        let chain = Chain {
            name,
            proves: None,
            span: Span::default(),
            start,
            steps: steps
                .into_iter()
                .map(|(relation, expr, justification)| Step { relation, expr, justification })
                .collect(),
        };
        let text = print_chain(&chain, true);
        for (read, label) in [(read_latex(&text), "tex"), (read_markdown(&text), "md")] {
            prop_assert!(read.errors.is_empty(), "{label}: {text}: {:?}", read.errors);
            let back = first_chain(&read);
            prop_assert!(back.is_some(), "{text}");
            let back = back.unwrap();
            // Markdown names chains in ```deriv blocks, not `%!` lines.
            if label == "tex" {
                prop_assert_eq!(&back.name, &chain.name, "{}", text);
            }
            prop_assert_eq!(&back.start, &chain.start, "{}", text);
            prop_assert_eq!(&back.steps, &chain.steps, "{}", text);
        }
    }

    /// `\log(x)^2`, `\exp\left(x\right)^2`: the power of the application,
    /// whatever the argument.
    #[test]
    fn latex_bracketed_function_arguments_are_applications(
        f in prop::sample::select(vec![Func::Log, Func::Exp]),
        arg in expr_tree(),
        sized in any::<bool>(),
    ) {
        let (open, close) = if sized { ("\\left(", "\\right)") } else { ("(", ")") };
        let text = format!("$$\\{}{open}{}{close}^{{2}}$$", f.name(), latex_expr(&arg));
        let read = read_latex(&text);
        prop_assert!(read.errors.is_empty(), "{text}: {:?}", read.errors);
        let c = first_chain(&read);
        prop_assert!(c.is_some(), "{text}");
        prop_assert_eq!(&c.unwrap().start, &power_of_function(f, arg), "{}", text);
    }

    #[test]
    fn the_readers_never_panic_on_arbitrary_text(s in "\\PC{0,300}") {
        let _ = read_latex(&s);
        let _ = read_markdown(&s);
    }

    #[test]
    fn the_readers_never_panic_on_latex_token_soup(
        tokens in prop::collection::vec(prop::sample::select(vec![
            "\\begin{align}", "\\end{align}", "\\begin{aligned}", "\\end{aligned}", "$$", "$", "\\[", "\\]",
            "```deriv\n", "```math\n", "```\n", "<!--", "-->", "`", "%! param θ\n", "%! derivation \"d\"\n",
            "% by x\n", "%", "&=", "&", "&&", "\\\\", "\\\\[2pt]", "{", "}", "_", "^", "\\frac", "\\dfrac",
            "\\partial", "\\nabla_\\theta", "\\sum_{\\tau}", "\\sum_{i=1}^{N}", "\\prod", "\\mathbb{E}",
            "\\mathop{\\mathbb{E}}", "\\operatorname*{E}", "\\left(", "\\right)", "\\left[", "\\right]",
            "\\left.", "\\bigl[", "\\Bigr]", "\\log", "\\exp", "\\sqrt", "\\sqrt[3]", "\\Pr_\\theta(\\tau)",
            "\\pi_\\theta(a_t \\mid s_t)", "\\cdot", "\\times", "\\approx", "\\leq", "\\geq", "\\sim", "\\in",
            "\\text{by linearity}", "\\quad\\text{(", ")}", "\\mathrm{", "\\label{x}", "\\tag{1}", "\\nonumber",
            "\\newcommand{\\E}{\\mathbb{E}}", "\\E", "\\def\\a{\\a}", "\\a", "\\newcommand{\\g}[1]{#1}", "\\g",
            "#1", "\\foo", "\\", "R(\\tau)", "x", "2", "0.5", "=", "+", "-", "/", "(", ")", "[", "]", "|", "'",
            ",", ".", " ", "\n", "\n\n", "d", "\\theta", "\\tau",
        ]), 0..80)
    ) {
        let text: String = tokens.concat();
        let f = read_latex(&text);
        let _ = crate::resolve::resolve(&f.items);
        let f = read_markdown(&text);
        let _ = crate::resolve::resolve(&f.items);
    }
}

/// A tree read from LaTeX compares equal to one read from `.deriv`.
#[test]
fn latex_and_deriv_spellings_give_equal_trees() {
    let pairs = [
        (
            r"\nabla_\theta \log \Pr_\theta(\tau) R(\tau)",
            "∇_θ log Pr_θ(τ) R(τ)",
        ),
        (
            r"\frac{1}{N} \sum_{i=1}^{N} \nabla_\theta \log \Pr_\theta(\tau_i) R(\tau_i)",
            "(1/N) Σ_{i=1}^{N} ∇_θ log Pr_θ(τ_i) R(τ_i)",
        ),
        (
            r"\mathbb{E}_{s \sim \rho, a \sim \pi_\theta(\cdot \mid s)}\left[ r(s, a) \right]",
            "E_{s~ρ, a~π_θ(·|s)}[r(s, a)]",
        ),
        (r"\sqrt{x}^{2}", "(sqrt x)^2"),
        (r"\sqrt{x}^2", "sqrt(x)^2"),
        (r"\log(x)^2", "(log x)^2"),
        (r"\log (x)^2", "log(x)^2"),
        (r"\ln\left(x\right)^{2}", "(log x)^2"),
        (r"\exp\left(x\right)^2", "(exp x)^2"),
        (r"\exp\bigl(x\bigr)^2 y", "(exp x)^2 y"),
        (r"\exp\left[x\right]^2", "(exp x)^2"),
        (r"\log x^2", "log (x^2)"),
        (r"\log{x}^2", "log (x^2)"),
        (r"\log \Pr_\theta(\tau)^2", "log (Pr_θ(τ)^2)"),
        (r"\log\left((a+b)^2\right)", "log ((a + b)^2)"),
        (r"\nabla_\theta (f_\theta)^2", "∇_θ (f_θ^2)"),
        (r"\exp\left(-x\right)", "exp(-x)"),
        (r"\left| x \right|", "|x|"),
        (
            r"\prod_{t=0}^{H-1} \pi_\theta(a_t \mid s_t)",
            "Π_{t=0}^{H-1} π_θ(a_t | s_t)",
        ),
        (r"\partial_\theta J", "∇_θ J"),
        (r"\frac{\partial J}{\partial \theta}", "∂J/∂θ"),
        (r"x^{\prime}", "x'"),
        (r"a \times b \cdot c", "a · b · c"),
    ];
    for (tex, deriv) in pairs {
        let text = format!("$${tex}$$");
        let f = read_latex(&text);
        assert!(f.errors.is_empty(), "{tex}: {:?}", f.errors);
        let got: &Expr = &first_chain(&f).expect(tex).start;
        let want = crate::syntax::parser::parse_expr(deriv, 0).expect(deriv);
        assert_eq!(got, &want, "{tex}");
    }
}
