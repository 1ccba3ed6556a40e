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
