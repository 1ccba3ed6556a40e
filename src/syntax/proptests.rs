//! Properties of the parser and printer: printing then parsing gives the
//! same tree, and no input makes the reader panic.

use super::ast::*;
use super::parser::{parse_expr, parse_file};
use super::print::print_expr;
use super::Span;
use num_rational::BigRational;
use proptest::prelude::*;

fn sp() -> Span {
    Span::default()
}

fn name(base: &str, sub: Option<&str>) -> Name {
    Name {
        base: base.into(),
        primes: 0,
        sub: sub
            .map(|s| {
                vec![Expr::new(
                    ExprKind::Name(Name {
                        base: s.into(),
                        primes: 0,
                        sub: vec![],
                        span: sp(),
                    }),
                    sp(),
                )]
            })
            .unwrap_or_default(),
        span: sp(),
    }
}

fn leaf() -> impl Strategy<Value = Expr> {
    prop_oneof![
        (0i64..1000)
            .prop_map(|n| Expr::new(ExprKind::Number(BigRational::from_integer(n.into())), sp())),
        (0i64..1000, 1u32..4).prop_map(|(n, d)| Expr::new(
            ExprKind::Number(BigRational::new(n.into(), 10i64.pow(d).into())),
            sp()
        )),
        prop::sample::select(vec!["x", "y", "b", "θ", "τ", "π", "R", "N", "Traj"])
            .prop_map(|b| Expr::new(ExprKind::Name(name(b, None)), sp())),
        (
            prop::sample::select(vec!["s", "a", "x"]),
            prop::sample::select(vec!["t", "i", "θ"])
        )
            .prop_map(|(b, s)| Expr::new(ExprKind::Name(name(b, Some(s))), sp())),
    ]
}

/// Random expression trees of every kind the grammar has (spans empty).
pub(crate) fn expr_tree() -> impl Strategy<Value = Expr> {
    leaf().prop_recursive(5, 48, 3, |inner| {
        let b = |e: Expr| Box::new(e);
        prop_oneof![
            inner
                .clone()
                .prop_map(move |e| Expr::new(ExprKind::Neg(b(e)), sp())),
            (
                prop::sample::select(vec![BinOp::Add, BinOp::Sub, BinOp::Mul, BinOp::Div]),
                inner.clone(),
                inner.clone()
            )
                .prop_map(move |(op, l, r)| Expr::new(ExprKind::Binary(op, b(l), b(r)), sp())),
            (inner.clone(), inner.clone())
                .prop_map(move |(l, r)| Expr::new(ExprKind::Pow(b(l), b(r)), sp())),
            (
                prop::sample::select(vec![Func::Log, Func::Exp, Func::Sqrt]),
                inner.clone()
            )
                .prop_map(move |(f, e)| Expr::new(ExprKind::Func(f, b(e)), sp())),
            inner
                .clone()
                .prop_map(move |e| Expr::new(ExprKind::Abs(b(e)), sp())),
            (
                prop::sample::select(vec![
                    InnerForm::Angle,
                    InnerForm::TransposeT,
                    InnerForm::TransposeTop
                ]),
                inner.clone(),
                inner.clone()
            )
                .prop_map(move |(form, l, r)| Expr::new(
                    ExprKind::Inner {
                        left: b(l),
                        right: b(r),
                        form
                    },
                    sp()
                )),
            (any::<bool>(), inner.clone()).prop_map(move |(p, e)| Expr::new(
                ExprKind::Deriv {
                    param: p.then(|| Box::new(name("θ", None))),
                    body: b(e)
                },
                sp()
            )),
            (
                any::<bool>(),
                0u8..3,
                inner.clone(),
                inner.clone(),
                inner.clone()
            )
                .prop_map(move |(sum, kind, lo, hi, body)| {
                    let (var, domain) = match kind {
                        0 => (name("τ", None), Domain::Declared),
                        1 => (name("x", None), Domain::Set(name("T", None))),
                        _ => (name("i", None), Domain::Range(b(lo), b(hi))),
                    };
                    Expr::new(
                        ExprKind::Big {
                            op: if sum { BigOp::Sum } else { BigOp::Prod },
                            var: Box::new(var),
                            domain: Box::new(domain),
                            body: b(body),
                        },
                        sp(),
                    )
                }),
            (any::<bool>(), inner.clone()).prop_map(move |(cond, body)| {
                let dist = if cond {
                    Expr::new(
                        ExprKind::Apply {
                            head: Box::new(name("π", Some("θ"))),
                            args: vec![Expr::new(ExprKind::Placeholder, sp())],
                            cond: vec![Expr::new(ExprKind::Name(name("s", None)), sp())],
                        },
                        sp(),
                    )
                } else {
                    Expr::new(ExprKind::Name(name("Pr", Some("θ"))), sp())
                };
                Expr::new(
                    ExprKind::Expect {
                        draws: vec![Draw {
                            var: name(if cond { "a" } else { "τ" }, None),
                            dist,
                        }],
                        body: b(body),
                    },
                    sp(),
                )
            }),
            (
                prop::collection::vec(inner.clone(), 1..3),
                prop::collection::vec(inner, 0..2)
            )
                .prop_map(|(args, cond)| Expr::new(
                    ExprKind::Apply {
                        head: Box::new(name("f", None)),
                        args,
                        cond
                    },
                    sp()
                )),
        ]
    })
}

/// `(f arg)^2`.
pub(crate) fn power_of_function(f: Func, arg: Expr) -> Expr {
    let two = Expr::new(ExprKind::Number(BigRational::from_integer(2.into())), sp());
    let app = Expr::new(ExprKind::Func(f, Box::new(arg)), sp());
    Expr::new(ExprKind::Pow(Box::new(app), Box::new(two)), sp())
}

/// The trees whose reading a bracket decides: a power of a function
/// (`log(x)^2`), a function of a power (`log x^2`) and a derivative of a
/// power (`∇_θ (f)^2`), around random subtrees.
fn function_power() -> impl Strategy<Value = Expr> {
    (
        prop::sample::select(vec![Func::Log, Func::Exp, Func::Sqrt]),
        expr_tree(),
        expr_tree(),
        0u8..4,
    )
        .prop_map(|(f, a, k, form)| {
            let b = Box::new;
            let pow = |a: Expr, k: Expr| Expr::new(ExprKind::Pow(b(a), b(k)), sp());
            match form {
                0 => pow(Expr::new(ExprKind::Func(f, b(a)), sp()), k),
                1 => Expr::new(ExprKind::Func(f, b(pow(a, k))), sp()),
                2 => Expr::new(
                    ExprKind::Deriv {
                        param: Some(Box::new(name("θ", None))),
                        body: b(pow(a, k)),
                    },
                    sp(),
                ),
                _ => Expr::new(
                    ExprKind::Binary(BinOp::Mul, b(power_of_function(f, a)), b(k)),
                    sp(),
                ),
            }
        })
}

/// The trees a printer must print so that they read back the same:
/// random ones, and a quarter whose reading a bracket decides.
pub(crate) fn printable_tree() -> impl Strategy<Value = Expr> {
    prop_oneof![3 => expr_tree(), 1 => function_power()]
}

proptest! {
    #[test]
    fn printing_then_parsing_gives_the_same_tree(e in printable_tree()) {
        let text = print_expr(&e);
        let back = parse_expr(&text, 0);
        prop_assert!(back.is_ok(), "{text}: {back:?}");
        prop_assert_eq!(back.unwrap(), e, "{}", text);
    }

    /// `log(x)^2`, `exp [x]^2`, `sqrt (x)^2`: the power of the
    /// application, whatever the argument and the spacing.
    #[test]
    fn a_bracketed_function_argument_is_an_application(
        f in prop::sample::select(vec![Func::Log, Func::Exp, Func::Sqrt]),
        arg in expr_tree(),
        (open, close) in prop::sample::select(vec![("(", ")"), (" (", ")"), ("[", "]"), (" [ ", " ]")]),
    ) {
        let text = format!("{}{open}{}{close}^2", f.name(), print_expr(&arg));
        let back = parse_expr(&text, 0);
        prop_assert!(back.is_ok(), "{text}: {back:?}");
        prop_assert_eq!(back.unwrap(), power_of_function(f, arg), "{}", text);
    }

    /// What lets the parser skip the depth walk for short expressions.
    #[test]
    fn a_parsed_tree_is_no_deeper_than_its_text_is_long(e in expr_tree()) {
        let text = print_expr(&e);
        let back = parse_expr(&text, 0).unwrap();
        let depth = crate::syntax::parser::tree_depth(&back);
        prop_assert!(depth <= text.len() + 1, "{}: depth {}", text, depth);
    }

    #[test]
    fn the_reader_never_panics_on_arbitrary_text(s in "\\PC{0,200}") {
        let parsed = parse_file(&s);
        let _ = crate::resolve::resolve(&parsed.items);
    }

    #[test]
    fn the_reader_never_panics_on_token_soup(
        tokens in prop::collection::vec(prop::sample::select(vec![
            "Σ_τ", "Π_{t=0}^{H-1}", "E_{τ~Pr_θ}[", "]", "(", ")", "[", "{", "}", "∇_θ", "log", "exp",
            "Pr_θ(τ)", "R(τ)", "π_θ(a_t | s_t)", "·", "/", "+", "-", "^", "=", "≈", "by", "\n", "\n\n",
            "param θ\n", "set T\n", "var τ in T\n", "fun R(τ)\n", "fun Pr_θ(τ) : dist τ\n", "mdp states S actions A horizon H\n",
            "sample τ_i ~ Pr_θ for i = 1..N\n", "const N : count\n", "def J(θ) = ", "claim ", "derivation \"d\"\n",
            "|", "∂", "d/dθ", "0.5", "2", "x", "τ_i", "s'", "#", "'", "_", ",", "~",
            "s_t", "a_{t+1}", "s_H", "τ_{N+1}", "Σ_{i=0}^{N/2}", "Σ_{t=0}^{H}", "0", "≥", "∝",
            "log(", "exp(x)^2", "def G(θ) = ∇_θ ", "fun q(τ)\n", "E_{τ~q}[", "θ",
        ]), 0..60)
    ) {
        let text: String = tokens.concat();
        let parsed = parse_file(&text);
        let _ = crate::resolve::resolve(&parsed.items);
    }
}
