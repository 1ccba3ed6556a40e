//! The resolver's tests: one behaviour a test, on small files.

use super::*;

fn resolve_ok(text: &str) -> Program {
    let (p, syntax) = resolve_text(text);
    assert!(syntax.is_empty(), "{syntax:?}");
    assert!(p.errors.is_empty(), "{:?}", p.errors);
    p
}

fn first_error(text: &str) -> ResolveError {
    let (p, syntax) = resolve_text(text);
    assert!(syntax.is_empty(), "{syntax:?}");
    p.errors.into_iter().next().expect("an error")
}

const PG: &str = "param θ\nset T\nvar τ in T\nfun R(τ)\nfun Pr_θ(τ) : dist τ\n\
                  def J(θ) = Σ_τ Pr_θ(τ) R(τ)\n";

#[test]
fn seed_declarations_resolve() {
    let p = resolve_ok(&format!(
        "{PG}\n∇_θ J(θ)\n= E_{{τ~Pr_θ}}[∇_θ log Pr_θ(τ) R(τ)]\n"
    ));
    assert_eq!(p.chains.len(), 1);
    assert!(!p.scalar_params);
}

#[test]
fn undeclared_name_has_a_hint() {
    let e = first_error(&format!("{PG}\nQ(τ)\n"));
    assert!(e.message.contains("undeclared name `Q`"), "{e:?}");
    assert!(e.hint.unwrap().contains("fun Q"));
}

#[test]
fn did_you_mean_prefers_the_first_of_equally_close_names() {
    for _ in 0..8 {
        let e = first_error("const Prx\nconst Prr\nconst Pra\nPrq\n");
        assert_eq!(e.hint.as_deref(), Some("did you mean `Pra`?"), "{e:?}");
    }
}

#[test]
fn wrong_arity_is_an_error() {
    let e = first_error(&format!("{PG}\nR(τ, τ)\n"));
    assert!(e.message.contains("takes 1 argument"), "{e:?}");
}

#[test]
fn bound_variable_outside_its_binder() {
    let e = first_error("set T\nvar y in T\nfun f(y)\nΣ_{x ∈ T} f(x) + f(x)\n");
    assert!(e.message.contains("outside"), "{e:?}");
}

#[test]
fn dependencies_follow_subscripts_and_definitions() {
    let p = resolve_ok(PG);
    let deps = p.dependencies();
    let get = |n: &str| deps.iter().find(|(k, _)| k == n).unwrap().1.clone();
    assert_eq!(get("R"), Vec::<String>::new());
    assert_eq!(get("Pr"), vec!["θ".to_string()]);
    assert_eq!(get("J"), vec!["θ".to_string()]);
}

#[test]
fn mdp_shorthand_declares_its_objects() {
    let p = resolve_ok(
        "mdp states S actions A horizon H\n\n∇_θ log Pr_θ(τ)\n= Σ_{t=0}^{H-1} ∇_θ log π_θ(a_t | s_t)\n",
    );
    assert_eq!(p.chains.len(), 1);
    assert!(p.sets.iter().any(|s| s.name == "Traj"));
}

#[test]
fn definitions_unfolding_too_deep_are_an_error() {
    let mut text = String::from("def d0 = 1\n");
    for k in 1..200 {
        let body = vec![format!("d{}", k - 1); 1].join("");
        text.push_str(&format!(
            "def d{k} = ((((((((({body}+1)+1)+1)+1)+1)+1)+1)+1)+1)\n"
        ));
    }
    let (p, syntax) = resolve_text(&text);
    assert!(syntax.is_empty(), "{syntax:?}");
    assert!(
        p.errors.iter().any(|e| e.message.contains("levels deep")),
        "{:?}",
        p.errors.first()
    );
}

#[test]
fn scoped_items_leave_the_declarations_as_they_were() {
    let mut d = Declarations::new();
    d.add(&crate::syntax::parser::parse_file(PG).items);
    let before = (d.program().vars.len(), d.program().defs.len());
    for _ in 0..3 {
        let items = crate::syntax::parser::parse_file(
            "def K(θ) = 2 J(θ)\nvar z in T\n\nΣ_τ K(θ) + R(z)\n= 1\n",
        )
        .items;
        let n = d.scoped(&items, |p| {
            assert!(p.errors.is_empty(), "{:?}", p.errors);
            p.chains.len()
        });
        assert_eq!(n, 1);
    }
    assert_eq!((d.program().vars.len(), d.program().defs.len()), before);
    let broken = crate::syntax::parser::parse_file("Q(τ)\n= 1\n").items;
    assert_eq!(d.scoped(&broken, |p| p.errors.len()), 1);
    assert!(d.errors().is_empty());
}

#[test]
fn a_subscripted_name_may_be_declared_whole() {
    let decls = "param θ\nset S\nvar s in S\nfun π_θ(s)\n";
    let step = "π_opt(s) + π_θ(s) + x_k\n= π_θ(s) + π_opt(s) + x_k\n";
    let whole = "fun π_opt(s)\nvar x_k\n";
    let p = resolve_ok(&format!("{decls}{whole}\n{step}"));
    assert_eq!(p.chains.len(), 1);
    let mut d = Declarations::new();
    d.add(&crate::syntax::parser::parse_file(decls).items);
    for _ in 0..2 {
        let items = crate::syntax::parser::parse_file(&format!("{whole}\n{step}")).items;
        let n = d.scoped(&items, |p| {
            assert!(p.errors.is_empty(), "{:?}", p.errors);
            p.chains.len()
        });
        assert_eq!(n, 1);
        let items = crate::syntax::parser::parse_file(step).items;
        let e = d.scoped(&items, |p| p.errors[0].message.clone());
        assert!(e.contains("subscript of `π` must be"), "{e}");
    }
}

#[test]
fn element_is_not_a_number() {
    let e = first_error(&format!("{PG}\nτ + 1\n"));
    assert!(e.message.contains("not a number"), "{e:?}");
}

#[test]
fn definition_applied_to_another_parameter() {
    let p = resolve_ok(&format!("{PG}param θ′\nJ(θ′)\n= Σ_τ Pr_θ′(τ) R(τ)\n"));
    assert_eq!(p.chains.len(), 1);
}

#[test]
fn only_a_distribution_is_drawn_from() {
    let e = first_error(&format!("{PG}\nE_{{τ~R}}[R(τ)]\n"));
    assert!(
        e.message
            .contains("`R` is a real function, not a distribution"),
        "{e:?}"
    );
    assert_eq!(
        e.hint.as_deref(),
        Some("declare it with `fun R(τ) : dist τ`")
    );
    let e = first_error(&format!(
        "{PG}const N : count\nsample τ_i ~ R for i = 1..N\n"
    ));
    assert!(e.message.contains("`R` is a real function"), "{e:?}");
    let e = first_error(&format!("{PG}fun q(τ) : positive\n\nE_{{τ~q}}[R(τ)]\n"));
    assert!(e.message.contains("`q` is a positive function"), "{e:?}");
    let e = first_error(
        "set S\nset A\nvar s in S\nvar a in A\nfun g(a | s)\n\nE_{a~g(·|s)}[g(a | s)]\n",
    );
    assert_eq!(
        e.hint.as_deref(),
        Some("declare it with `fun g(a | s) : dist a`")
    );
    for (other, what) in [("N", "a constant"), ("θ", "a parameter"), ("T", "a set")] {
        let e = first_error(&format!("{PG}const N : count\n\nE_{{τ~{other}}}[R(τ)]\n"));
        assert_eq!(
            e.message,
            format!("`{other}` is {what}, not a distribution")
        );
    }
}

#[test]
fn declared_and_defined_distributions_are_drawn_from() {
    resolve_ok(&format!(
        "{PG}def q(τ) = Pr_θ(τ)\nconst N : count\nsample τ_i ~ q for i = 1..N\n\n\
         E_{{τ~Pr_θ}}[R(τ)]\n= E_{{τ~q}}[R(τ)]\n"
    ));
}

/// Every error of `text`, as `line:column: message`.
fn errors_at(text: &str) -> Vec<String> {
    let (p, syntax) = resolve_text(text);
    assert!(syntax.is_empty(), "{syntax:?}");
    let source = crate::syntax::Source::new("f", text);
    p.errors
        .iter()
        .map(|e| {
            let (l, c) = source.line_col(e.span.start);
            format!("{l}:{c}: {}", e.message)
        })
        .collect()
}

#[track_caller]
fn one_error(text: &str, at: &str, message: &str) {
    let errors = errors_at(text);
    assert_eq!(errors.len(), 1, "{text}\n{errors:#?}");
    assert!(
        errors[0].starts_with(&format!("{at}: ")) && errors[0].contains(message),
        "{text}\nwant {at}: …{message}…\ngot {}",
        errors[0]
    );
}

/// The seed declarations (lines 1–6) and a function, a real and a count
/// (lines 7–9); a step written after them starts on line 11.
const SHAPES: &str = "param θ\nset T\nvar τ in T\nfun R(τ)\nfun Pr_θ(τ) : dist τ\n\
                      def J(θ) = Σ_τ Pr_θ(τ) R(τ)\nfun f(x)\nvar x\nconst N : count\n\n";

#[test]
fn vectors_combine_linearly_and_equal_vectors_or_zero() {
    resolve_ok(&format!(
        "{SHAPES}∇_θ J(θ)\n= Σ_τ ∇_θ Pr_θ(τ) R(τ) + 0\n= -(-∇_θ J(θ)) / 1 - 0 ∇_θ J(θ)\n\
         ∝ 2 ∇_θ J(θ) N\n≈ (1/N) Σ_{{i=1}}^{{N}} ∇_θ J(θ)\n= E_{{τ~Pr_θ}}[∇_θ log Pr_θ(τ) R(τ)]\n\n\
         Σ_τ ∇_θ Pr_θ(τ)\n= 0\n"
    ));
}

#[test]
fn vector_misuses_are_errors_at_their_place() {
    let cases = [
        (
            "∇_θ J(θ) + 1\n= 1",
            "11:1",
            "cannot add a number to a vector",
        ),
        (
            "1 - ∇_θ J(θ)\n= 1",
            "11:1",
            "cannot subtract a vector from a number",
        ),
        (
            "∇_θ Pr_θ(τ) / ∇_θ Pr_θ(τ)\n= 1",
            "11:15",
            "division by a vector",
        ),
        (
            "∇_θ J(θ) · ∇_θ J(θ)\n= 0",
            "11:1",
            "a product of two vectors",
        ),
        ("(∇_θ Pr_θ(τ))^0\n= 1", "11:1", "a power of a vector"),
        ("2^(∇_θ Pr_θ(τ))\n= 1", "11:3", "a vector as an exponent"),
        ("log ∇_θ J(θ)\n= 0", "11:5", "`log` of a vector"),
        ("exp(∇_θ J(θ))^2\n= 0", "11:4", "`exp` of a vector"),
        ("|∇_θ J(θ)|\n= 0", "11:2", "the absolute value of a vector"),
        (
            "∇_θ ∇_θ J(θ)\n= 0",
            "11:5",
            "the gradient of a vector (a Hessian)",
        ),
        ("Π_τ ∇_θ Pr_θ(τ)\n= 1", "11:5", "a product Π of vectors"),
        ("f(∇_θ J(θ))\n= 0", "11:3", "a vector as argument 1 of `f`"),
        (
            "∇_θ Pr_θ(τ)\n≥ ∇_θ Pr_θ(τ)",
            "12:3",
            "`≥` orders numbers, but both sides",
        ),
        ("0\n≤ ∇_θ J(θ)", "12:3", "`≤` orders numbers"),
        ("∇_θ J(θ)\n= 1", "12:3", "`=` cannot relate a vector and a number: the previous expression is a vector, this side a number"),
        ("1\n∝ ∇_θ J(θ)", "12:3", "`∝` cannot relate a vector and a number: the previous expression is a number, this side a vector"),
    ];
    for (chain, at, message) in cases {
        one_error(&format!("{SHAPES}{chain}\n"), at, message);
    }
}

#[test]
fn a_chain_with_a_vector_error_is_broken_and_each_expression_has_its_error() {
    let (p, _) = resolve_text(&format!(
        "{SHAPES}∇_θ J(θ) + 1\n= 1 + ∇_θ J(θ)\n= ∇_θ J(θ)\n\nJ(θ)\n= J(θ)\n"
    ));
    assert_eq!(p.errors.len(), 2, "{:?}", p.errors);
    assert!(p.errors[0].span.start < p.errors[1].span.start);
    assert_eq!((p.chains.len(), p.broken_chains), (1, 1));
    assert!(p.errors.iter().all(|e| e.hint.is_some()));
}

#[test]
fn claims_assumptions_and_definitions_carry_shapes() {
    one_error(
        &format!("{SHAPES}claim ∇_θ J(θ) = 1\n"),
        "11:18",
        "`=` cannot relate a vector and a number: the left side is a vector",
    );
    one_error(
        &format!("{SHAPES}assume 1 ≥ ∇_θ J(θ)\n"),
        "11:12",
        "`≥` orders numbers",
    );
    one_error(
        &format!("{SHAPES}def G(θ) = ∇_θ J(θ)\n\nG(θ) / G(θ)\n= 1\n"),
        "13:8",
        "division by a vector: `G(θ)` is a vector",
    );
    one_error(
        &format!("{SHAPES}def q(τ) = ∇_θ Pr_θ(τ)\n\nE_{{τ~q}}[R(τ)]\n= 0\n"),
        "13:6",
        "`q` is a vector, not a distribution",
    );
    // A definition with an error breaks the chains that use it.
    let text = format!("{SHAPES}def B = ∇_θ J(θ) + 1\n\nB\n= 1 + ∇_θ J(θ)\n");
    let errors = errors_at(&text);
    assert_eq!(errors.len(), 3, "{errors:#?}");
    assert!(
        errors[0].starts_with("11:9: cannot add a number"),
        "{errors:#?}"
    );
    assert!(errors[1].contains("`B` cannot be used"), "{errors:#?}");
    assert_eq!(resolve_text(&text).0.chains.len(), 0);
}

#[test]
fn vector_errors_are_dropped_when_a_later_item_makes_parameters_scalars() {
    let bad = "∇_θ Pr_θ(τ) / ∇_θ Pr_θ(τ)\n= 1\n";
    let scalar_use = "θ J(θ)\n= J(θ) θ\n";
    let p = resolve_ok(&format!("{SHAPES}{bad}\n{scalar_use}"));
    assert!(p.scalar_params);
    assert_eq!(p.chains.len(), 2);
    // Declarations first, then items on top: the same, and undone after.
    let mut d = Declarations::new();
    d.add(&parse_file(SHAPES).items);
    for _ in 0..2 {
        let items = parse_file(&format!("{bad}\n{scalar_use}")).items;
        let (errors, chains) = d.scoped(&items, |p| (p.errors.len(), p.chains.len()));
        assert_eq!((errors, chains), (0, 2));
        let items = parse_file(bad).items;
        let (errors, chains, broken) = d.scoped(&items, |p| {
            (p.errors.len(), p.chains.len(), p.broken_chains)
        });
        assert_eq!((errors, chains, broken), (1, 0, 1));
    }
    let p = d.resolve(&parse_file(bad).items);
    assert_eq!((p.errors.len(), p.chains.len()), (1, 0));
    assert!(d.errors().is_empty());
}

#[test]
fn range_bounds_are_integers() {
    resolve_ok(&format!(
        "{SHAPES}Σ_{{i=0}}^{{2N^2 - |1 - N| + 2^N}} i\n= Σ_{{i=-N}}^{{N·N}} Σ_{{j=i}}^{{3i}} j\n"
    ));
    let cases = [
        (
            "Σ_{i=0}^{5/2} i",
            "11:10",
            "the last index of a range must be an integer, and `5 / 2` is a quotient",
        ),
        ("Σ_{t=0}^{N/2} t", "11:10", "`N / 2` is a quotient"),
        (
            "Σ_{t=1/2}^{5/2} t",
            "11:6",
            "the first index of a range must be an integer",
        ),
        ("Σ_{i=0}^{0.5} i", "11:10", "`0.5` is not a whole number"),
        ("Σ_{i=0}^{x} i", "11:10", "`x` is a real variable"),
        ("Σ_{i=0}^{N + x} i", "11:10", "`x` is a real variable"),
        (
            "Σ_{i=0}^{f(N)} i",
            "11:10",
            "`f(N)` is the value of a function",
        ),
        (
            "Σ_{i=0}^{2^(-1)} i",
            "11:10",
            "a power whose exponent may be negative",
        ),
        (
            "Σ_{i=0}^{log N} i",
            "11:10",
            "the last index of a range must be an integer",
        ),
    ];
    for (chain, at, message) in cases {
        one_error(&format!("{SHAPES}{chain}\n= 0\n"), at, message);
    }
    one_error(
        &format!("{SHAPES}const b\nΣ_{{i=1}}^{{b}} i\n= 0\n"),
        "12:10",
        "`b` is a real constant, not a `count`",
    );
    one_error(
        &format!("{SHAPES}sample τ_i ~ Pr_θ for i = 1..N/2\n"),
        "11:30",
        "the last index of a sample must be an integer",
    );
}

const MDP: &str = "mdp states S actions A horizon H\nconst N : count\n\
                   sample τ_i ~ Pr_θ for i = 1..N\n\n";

#[test]
fn indices_in_their_range_for_every_count_are_accepted() {
    resolve_ok(&format!(
        "{MDP}Σ_{{t=0}}^{{H-2}} log P(s_{{t+1}} | s_t, a_t) + r(s_0, a_0) + r(s_{{H-1}}, a_{{H-t-1}})\n\
         = Σ_{{t=0}}^{{H-1}} Σ_{{u=t}}^{{H-1}} r(s_u, a_u) + log π_θ(a_t | s_t)\n\
         = (1/N) Σ_{{i=1}}^{{N}} R(τ_i) + Σ_{{i=1}}^{{N-1}} R(τ_{{i+1}}) + R(τ_1) + R(τ_N)\n\
         = Σ_{{i=1}}^{{N}} R(τ_{{N-i+1}}) + Σ_{{i=1}}^{{N}} Σ_{{j=i}}^{{N}} R(τ_j)\n"
    ));
}

#[test]
fn indices_outside_their_range_are_errors_at_the_index() {
    let cases = [
        (
            "Σ_{t=0}^{H} r(s_t, a_t)",
            "5:17",
            "`s_t` may not exist: its time can be H, past the end",
        ),
        ("r(s_H, a_0)", "5:5", "`s_H` may not exist"),
        ("r(s_{t+1}, a_t)", "5:6", "its time can be H"),
        (
            "Σ_{t=0}^{H-1} r(s_{t-1}, a_t)",
            "5:20",
            "its time can be -1, before the start",
        ),
        ("r(s_1, a_0)", "5:5", "`s_1` exists only when H ≥ 2"),
        (
            "R(τ_{N+1})",
            "5:6",
            "`τ_{N + 1}` may not exist: its index can be N + 1, past the last draw, τ_N",
        ),
        (
            "R(τ_2)",
            "5:5",
            "`τ_2` exists only when N ≥ 2, and N may be any count from 1",
        ),
        (
            "R(τ_0)",
            "5:5",
            "its index can be 0, before the first draw, τ_1",
        ),
        ("Σ_{i=0}^{N} R(τ_i)", "5:17", "its index can be 0"),
        ("Σ_{i=1}^{N} R(τ_{2i})", "5:18", "its index can be 2N"),
        ("R(τ_{N·N})", "5:6", "cannot show that `τ_{N · N}` exists"),
        (
            "R(τ_{N/2})",
            "5:6",
            "the index of `τ_{N / 2}` must be an integer",
        ),
    ];
    for (expr, at, message) in cases {
        one_error(&format!("{MDP}{expr}\n= 0\n"), at, message);
    }
}
