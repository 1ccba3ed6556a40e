//! The grammar of integrals and of the normal density.
//!
//! ```text
//! integral := ('∫'|'int') '_' (NAME | '{' NAME ('∈'|'in') ('ℝ'|'reals') '}') term
//! gaussian := ('N'|'𝒩') '(' expr ';' expr ',' expr ')'   (`𝒩` also with `|` for `;`)
//! ```
//!
//! An integral ranges over the real line; its body extends like Σ's (the
//! rest of the multiplicative term). A definite integral (`∫_{x=a}^{b}`)
//! is an error with a hint: the engines cannot check one soundly.
//!
//! `N(a; μ, σ^2)` — an application with a `;` — is the built-in normal
//! density of `a` with mean `μ` and variance `σ^2`. It is kept as an
//! application of the reserved head [`GAUSSIAN`] to its three arguments
//! (the resolver gives it its meaning); a plain `N(…)` without `;` stays an
//! ordinary name.

use super::*;

/// The head of the built-in normal density in the syntax tree.
pub const GAUSSIAN: &str = "𝒩";

/// Whether a set name written after `in` is the real line: `ℝ` or `reals`.
pub fn is_reals(n: &Name) -> bool {
    n.sub.is_empty() && n.primes == 0 && matches!(n.base.as_str(), "ℝ" | "reals")
}

/// Whether an application of `head` may be the normal density (`N` or
/// `𝒩`, with neither subscript nor prime).
pub fn is_gaussian_head(head: &Name) -> bool {
    head.sub.is_empty() && head.primes == 0 && matches!(head.base.as_str(), "N" | GAUSSIAN)
}

/// After `∫` (or `int`): `_binder body`.
pub fn integral(j: In, start: usize) -> PResult<Expr> {
    const WHAT: &str = "a subscript naming the variable of integration, as in ∫_x or ∫_{x ∈ ℝ}";
    if peek(&j) != Some('_') {
        return failure_msg(
            abs(&j),
            "an integral needs its variable".into(),
            Some("write ∫_x f(x), or ∫_{x ∈ ℝ} f(x)".into()),
        );
    }
    let j = advance(j, 1);
    let (j, var, domain) = if peek(&j) == Some('{') {
        let k = advance(j, 1);
        let (k, var) = cut(context(WHAT, name(k)))?;
        let (k, domain) = if let Some((k, _)) = sym(k, &["∈", "in"]) {
            let (k, set) = cut(context("ℝ", name(k)))?;
            if !is_reals(&set) {
                return failure_msg(
                    set.span.start,
                    format!(
                        "an integral ranges over the real line, not over `{}`",
                        set.base_with_primes()
                    ),
                    Some("write ∫_{x ∈ ℝ}, or Σ_{x ∈ SET} for a finite set".into()),
                );
            }
            (k, Domain::Set(set))
        } else if sym(k, &["="]).is_some() {
            return failure_msg(
                abs(&sp(k)),
                "definite integrals over a bounded interval cannot be checked".into(),
                Some("write an integral over the real line, ∫_x, with the bounds as a factor of the integrand".into()),
            );
        } else {
            (k, Domain::Declared)
        };
        let (k, _) = cut(expect(k, &["}"], "`}`"))?;
        (k, var, domain)
    } else {
        let (k, e) = cut(context(WHAT, sub_token(j)))?;
        match e.kind {
            ExprKind::Name(n) => (k, n, Domain::Declared),
            _ => return failure(&j, WHAT),
        }
    };
    if peek(&j) == Some('^') {
        return failure_msg(
            abs(&j),
            "definite integrals over a bounded interval cannot be checked".into(),
            Some("write an integral over the real line, ∫_x".into()),
        );
    }
    let (j, body) = cut(context("the integrand", term(j)))?;
    let span = Span::new(start, body.span.end);
    Ok((
        j,
        Expr::new(
            ExprKind::Big {
                op: BigOp::Integral,
                var: Box::new(var),
                domain: Box::new(domain),
                body: Box::new(body),
            },
            span,
        ),
    ))
}

/// What follows the first argument of `N(`.
pub enum Read<'a> {
    /// `; μ, v)`: the normal density, and the input after it.
    Gaussian(In<'a>, Expr),
    /// Anything else: the first argument of an ordinary application.
    Argument(Expr),
}

/// After `N(x` (at `k`, with `x` read): `; μ, v)` as the normal density,
/// or `x` back as an ordinary first argument.
pub fn gaussian<'a>(
    head: &Name,
    x: Expr,
    k: In<'a>,
    start: usize,
) -> Result<Read<'a>, nom::Err<SyntaxError>> {
    // `;`, or for `𝒩` (as `\mathcal{N}(a \mid μ, σ^2)` reads) a bar.
    let bars: &[&str] = if head.base == GAUSSIAN {
        &[";", "|", "∣"]
    } else {
        &[";"]
    };
    let Some((k, _)) = sym(k, bars) else {
        return Ok(Read::Argument(x));
    };
    let (k, mean) = cut(context("the mean, as in N(a; μ, σ^2)", expr(k)))?;
    let (k, _) = cut(expect(
        k,
        &[","],
        "`,` and the variance, as in N(a; μ, σ^2)",
    ))?;
    let (k, var) = cut(context("the variance, as in N(a; μ, σ^2)", expr(k)))?;
    let (k, _) = cut(expect(k, &[")"], "`)`"))?;
    let mut head = head.clone();
    head.base = GAUSSIAN.to_string();
    let span = Span::new(start, abs(&k));
    Ok(Read::Gaussian(
        k,
        Expr::new(
            ExprKind::Apply {
                head: Box::new(head),
                args: vec![x, mean, var],
                cond: vec![],
            },
            span,
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn printed(src: &str) -> String {
        crate::syntax::print::print_expr(&parse_expr(src, 0).unwrap())
    }

    #[test]
    fn integrals_take_the_rest_of_the_term() {
        assert_eq!(printed("∫_x p(x) f(x) + c"), "∫_x p(x) · f(x) + c");
        assert_eq!(printed("int_x p(x) f(x)"), "∫_x p(x) · f(x)");
        assert_eq!(printed("∫_{x ∈ ℝ} p(x)"), "∫_{x ∈ ℝ} p(x)");
        assert_eq!(printed("∫_{x in reals} p(x)"), "∫_{x ∈ reals} p(x)");
        assert_eq!(
            printed("∇_θ ∫_a π_θ(a | s) r(a)"),
            "∇_θ ∫_a π_θ(a | s) · r(a)"
        );
    }

    #[test]
    fn bounded_and_misplaced_integrals_are_errors() {
        for (src, msg) in [
            ("∫_{x=0}^{1} f(x)", "definite integrals"),
            ("∫_x^1 f(x)", "definite integrals"),
            ("∫_{x ∈ T} f(x)", "real line"),
            ("∫ f(x)", "needs its variable"),
        ] {
            let e = parse_expr(src, 0).unwrap_err();
            assert!(
                e.message.as_deref().unwrap_or("").contains(msg),
                "{src}: {e:?}"
            );
        }
    }

    #[test]
    fn the_normal_density_needs_a_semicolon() {
        assert_eq!(printed("N(a; μ_θ(s), σ^2)"), "𝒩(a; μ_θ(s), σ^2)");
        assert_eq!(printed("𝒩(a; 0, 1)"), "𝒩(a; 0, 1)");
        assert_eq!(printed("𝒩(a | 0, 1)"), "𝒩(a; 0, 1)");
        assert_eq!(printed("N(a | s)"), "N(a | s)");
        assert_eq!(printed("N(a, b)"), "N(a, b)");
        assert_eq!(printed("N + 1"), "N + 1");
        assert!(parse_expr("N(a; 0)", 0).is_err());
    }

    /// Nested applications of `N` are read once each: no backtracking
    /// that doubles with the depth.
    #[test]
    fn nested_n_is_read_in_linear_time() {
        let t = std::time::Instant::now();
        let deep = format!("{}x{}", "N(".repeat(20), ")".repeat(20));
        assert!(parse_expr(&deep, 0).is_ok());
        let g = format!("{}x{}", "N(".repeat(15), "; 0, 1)".repeat(15));
        assert!(parse_expr(&g, 0).is_ok());
        // Past the nesting bound: an error, as quickly.
        let _ = parse_expr(&format!("{}x", "N(".repeat(5000)), 0);
        assert!(t.elapsed() < std::time::Duration::from_secs(2));
    }
}
