//! The rewrite rules of the symbolic engine, as data: each with its name
//! (reported in a `proved` verdict's detail) and its side condition.
//!
//! Every rule is an identity under its side condition and the declared
//! assumptions (a `dist` function is strictly positive and sums to 1 over
//! its variable; a `positive` function or constant is strictly positive;
//! sets are finite and non-empty; a quotient is an identity wherever both
//! sides are defined).
//!
//! Each rule is one row of the `rules!` table: its name, its side
//! condition and one example step. A new rule is a new row (and the code
//! in `normalize.rs` that applies it, recording it with `rules.insert`);
//! the test below proves the row's example under the rule's name and
//! confirms it with the numeric engine, and the soundness properties in
//! `proptests` check the engine at large.

/// The table of rules: one row a rule, in report order. A row is
///
/// ```text
/// /// What the rule rewrites (its doc comment).
/// Variant: "name in reports", if "side condition", e.g. "lhs = rhs";
/// ```
///
/// and, where the example needs declarations beyond [`EXAMPLE_DECLS`],
/// `e.g. "lhs = rhs" with "declarations"`. The example is one step that the
/// symbolic engine proves with this rule among the rules it names, and that
/// the numeric engine confirms (`tests::every_example_is_proved_by_its_rule_and_confirmed`).
macro_rules! rules {
    ($(
        $(#[doc = $doc:literal])*
        $variant:ident: $name:literal, if $side:literal, e.g. $step:literal $(with $decls:literal)?;
    )*) => {
        /// A named rewrite rule (one row of the `rules!` table in this file).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
        pub enum Rule {
            $(
                $(#[doc = $doc])*
                #[doc = ""]
                #[doc = concat!("Side condition: ", $side, ".")]
                $variant,
            )*
        }

        impl Rule {
            /// Every rule, in report order.
            pub const ALL: [Rule; [$(Rule::$variant),*].len()] = [$(Rule::$variant),*];

            /// The name shown in reports.
            pub fn name(self) -> &'static str {
                match self {
                    $(Rule::$variant => $name,)*
                }
            }

            /// When the rule is an identity.
            pub fn side_condition(self) -> &'static str {
                match self {
                    $(Rule::$variant => $side,)*
                }
            }

            /// One step the rule proves (`lhs = rhs` on one line), and the
            /// declarations it needs besides [`EXAMPLE_DECLS`].
            pub fn example(self) -> (&'static str, &'static str) {
                match self {
                    $(Rule::$variant => ($step, concat!("" $(, $decls)?)),)*
                }
            }
        }
    };
}

/// The declarations every example step may use.
pub const EXAMPLE_DECLS: &str = "param θ
set T
var τ in T
var x
fun R(τ)
fun g(τ)
fun Pr_θ(τ) : dist τ
fun q(τ) : dist τ
fun f(τ) : positive
fun h_θ(τ) : positive
const b
const c : positive
const N : count
def J(θ) = Σ_τ Pr_θ(τ) R(τ)";

rules! {
    /// `J(θ′)` is the body of `J` with θ replaced by θ′.
    Definition: "definition", if "always", e.g. "J(θ) = Σ_τ Pr_θ(τ) R(τ)";
    /// `E_{x~p}[f] = Σ_x p(x) f`.
    ExpectationAsSum: "E as Σ", if "always (the definition of E)", e.g. "E_{τ~q}[R(τ)] = Σ_τ q(τ) R(τ)";
    /// `a·(b + c) = a·b + a·c`.
    Expansion: "expansion", if "always", e.g. "b (x + 1) = b x + b";
    /// `c₁·m + c₂·m = (c₁ + c₂)·m`.
    CollectTerms: "like terms", if "always", e.g. "x + b - x = b";
    /// `a^j · a^k = a^(j+k)`, so `a · a⁻¹ = 1`.
    Cancellation: "cancellation", if "where a ≠ 0; rational exponents only on positive atoms", e.g. "c x / c = x";
    /// `a / b = q` when the polynomial `b` divides `a` exactly.
    PolynomialDivision: "polynomial division", if "where b ≠ 0", e.g. "(x^2 - 1) / (x - 1) = x + 1";
    /// `(Π aᵢ)^q = Π aᵢ^q`.
    PowerOfProduct: "power of a product", if "when every aᵢ is positive", e.g. "sqrt(c f(τ)) = sqrt(c) sqrt(f(τ))";
    /// `|a| = a`.
    AbsOfPositive: "|positive|", if "when a is positive", e.g. "|c f(τ)| = c f(τ)";
    /// `Σ_x (f + g) = Σ_x f + Σ_x g`.
    SumLinearity: "Σ-linearity", if "always (finite sums)", e.g. "Σ_τ (R(τ) + g(τ)) = Σ_τ R(τ) + Σ_τ g(τ)";
    /// `Σ_x c·f(x) = c·Σ_x f(x)`.
    SumFactorOut: "Σ factor out", if "when c does not involve x", e.g. "Σ_τ b R(τ) = b Σ_τ R(τ)";
    /// `Σ_x c = c·|X|`.
    SumOfConstant: "Σ of a constant", if "when c does not involve x", e.g. "Σ_τ (b + R(τ)) = Σ_τ R(τ) + b Σ_τ 1";
    /// `Σ_x p(x|y) = 1`.
    SumOfDistribution: "Σ p = 1", if "when p is declared `dist x` and y does not involve x", e.g. "Σ_τ q(τ) = 1";
    /// `Σ_x ∇_θ p_θ(x|y) = 0`: the gradient of the constant 1.
    SumOfDistributionGradient: "Σ ∇p = 0", if "when p is declared `dist x` and y does not involve x", e.g. "Σ_τ ∇_θ Pr_θ(τ) = 0";
    /// `Σ_{t=a}^{b} f(t) = f(a) + … + f(b)` for known integers a, b (an empty range is 0 for Σ, 1 for Π).
    RangeUnrolled: "range written out", if "always", e.g. "Σ_{i=1}^{3} i x = 6 x";
    /// `Σ_{t=lo}^{hi} f(t) = Σ_{u=0}^{hi-lo} f(u+lo)`, likewise Π.
    IndexShift: "index shift", if "always", e.g. "Σ_{i=1}^{N} i x = Σ_{j=0}^{N-1} (j + 1) x";
    /// `Σ_{u=0}^{hi} g = Σ_{u=0}^{hi-1} g + g(hi) = g(0) + Σ_{u=0}^{hi-1} g(u+1)`, tried when the normal forms differ.
    RangeSplit: "split off a term", if "when hi ≥ 0 for every value of the declarations (a number, plus counts, each at least 1)", e.g. "Σ_{i=0}^{N} i x = Σ_{i=0}^{N-1} i x + N x";
    /// `Σ_{t=lo}^{hi} F(t)·Σ_{x∈X} B(x,t) = Σ_{x∈X} Σ_{t=lo}^{hi} F(t)·B(x,t)`: set sums go outside, range sums inside.
    SumInterchange: "Σ interchange", if "when the set sum is the only one among the factors that depend on t, to the first power; then neither domain depends on the other's variable (a set is declared, never indexed, and the bounds lie outside both binders), and finite sums commute (an empty range gives 0 on both sides)", e.g. "Σ_{i=1}^{N} Σ_τ f(τ)^i = Σ_τ Σ_{i=1}^{N} f(τ)^i";
    /// `∇(f + g) = ∇f + ∇g`.
    GradientLinearity: "∇-linearity", if "always", e.g. "∇_θ (Pr_θ(τ) + h_θ(τ)) = ∇_θ Pr_θ(τ) + ∇_θ h_θ(τ)";
    /// `∇c = 0`.
    GradientOfConstant: "∇ of a constant", if "when c does not depend on the parameter (a function depends on it exactly when it is its subscript or an argument: README, \"The language in brief\")", e.g. "∇_θ (Pr_θ(τ) + b) = ∇_θ Pr_θ(τ)";
    /// `∇(f·g) = ∇f·g + f·∇g`; `∇Π f = Π f · Σ ∇f/f`.
    ProductRule: "product rule", if "always; the second where f ≠ 0", e.g. "∇_θ (Pr_θ(τ) h_θ(τ)) = h_θ(τ) ∇_θ Pr_θ(τ) + Pr_θ(τ) ∇_θ h_θ(τ)";
    /// `∇(f^k) = k f^(k-1) ∇f`.
    PowerRule: "power rule", if "where defined", e.g. "∇_θ Pr_θ(τ)^3 = 3 Pr_θ(τ)^2 ∇_θ Pr_θ(τ)";
    /// `∇(1/P) = -∇P / P²`.
    QuotientRule: "quotient rule", if "where P ≠ 0", e.g. "∇_θ (1 / (Pr_θ(τ) + c)) = -∇_θ Pr_θ(τ) / (Pr_θ(τ) + c)^2";
    /// `∇ log u = ∇u / u`.
    LogDerivative: "log-derivative", if "where u > 0 (where log u is defined)", e.g. "∇_θ log Pr_θ(τ) = ∇_θ Pr_θ(τ) / Pr_θ(τ)";
    /// `∇ exp u = exp u · ∇u`, `∇ b^e = b^e (∇e log b + e ∇b / b)`.
    ChainRule: "chain rule", if "where defined", e.g. "∇_θ exp(Pr_θ(τ)) = exp(Pr_θ(τ)) ∇_θ Pr_θ(τ)";
    /// `∇ Σ_x f = Σ_x ∇f`.
    GradientThroughSum: "∇ through Σ", if "finite sums whose range does not depend on θ", e.g. "∇_θ Σ_τ Pr_θ(τ) R(τ) = Σ_τ ∇_θ Pr_θ(τ) R(τ)";
    /// `log(a·b) = log a + log b`, `log c·a = log c + log a`.
    LogOfProduct: "log of a product", if "when a, b, c are positive", e.g. "log(c f(τ)) = log c + log f(τ)";
    /// `log(a^k) = k log a`.
    LogOfPower: "log of a power", if "when a is positive", e.g. "log(f(τ)^2) = 2 log f(τ)";
    /// `log Π_x f = Σ_x log f`.
    LogOfProductOperator: "log Π = Σ log", if "when f is positive", e.g. "log Π_τ f(τ) = Σ_τ log f(τ)";
    /// `log exp u = u`.
    LogOfExp: "log exp", if "always (real u)", e.g. "log exp(g(τ)) = g(τ)";
    /// `exp(c · log u) = u^c`.
    ExpOfLog: "exp log", if "when u is positive", e.g. "exp(2 log f(τ)) = f(τ)^2";
    /// `exp(a + b) = exp a · exp b`.
    ExpOfSum: "exp of a sum", if "always", e.g. "exp(g(τ) + b) = exp(g(τ)) exp(b)";
    /// `⟨a u + b v, w⟩ = a ⟨u, w⟩ + b ⟨v, w⟩` and `⟨u, v⟩ = ⟨v, u⟩`: the inner product is bilinear and symmetric.
    InnerProductBilinear: "⟨·,·⟩ bilinear", if "always (a, b numbers)", e.g. "⟨2 φ(s, a) + ψ(s), θ⟩ = 2 θ^T φ(s, a) + ⟨θ, ψ(s)⟩" with "set S\nset A\nvar s in S\nvar a in A\nvar e in A\nfun φ(s, a) : vector\nfun ψ(s) : vector\nfun π_θ(a | s) : dist a";
    /// `⟨Σ_x u(x), v⟩ = Σ_x ⟨u(x), v⟩` (so E too).
    InnerProductOfSum: "⟨Σ, ·⟩ = Σ⟨·,·⟩", if "when v does not involve x (finite sums); applied when v is not a Σ itself, so that the order of two sums never depends on the order of the operands", e.g. "⟨θ, E_{e~π_θ(·|s)}[φ(s, e)]⟩ = Σ_e π_θ(e | s) θ^T φ(s, e)" with "set S\nset A\nvar s in S\nvar a in A\nvar e in A\nfun φ(s, a) : vector\nfun ψ(s) : vector\nfun π_θ(a | s) : dist a";
    /// `∇_θ ⟨θ, v⟩ = v` and `∇_θ ⟨u, v⟩ = 0`, joined by the product rule `∇⟨u, v⟩ = (∂u)ᵀ v + (∂v)ᵀ u`.
    InnerProductGradient: "∇⟨θ, v⟩ = v", if "each operand is θ itself (its Jacobian the identity) or does not depend on θ; otherwise the gradient is not written (the step goes to the numeric engine)", e.g. "∇_θ (θ^T φ(s, a) + 3 ⟨ψ(s), φ(s, a)⟩) = φ(s, a)" with "set S\nset A\nvar s in S\nvar a in A\nvar e in A\nfun φ(s, a) : vector\nfun ψ(s) : vector\nfun π_θ(a | s) : dist a";
    /// `N / P = 0` iff `N = 0`.
    CommonDenominator: "common denominator", if "where P ≠ 0", e.g. "1/(x + 1) + x/(x + 1) = 1";
    /// `A = B` when `A − B` is a combination `Σ cᵢ qᵢ (Lᵢ − Rᵢ)` (rational
    /// cᵢ, each qᵢ 1 or a monomial with whole exponents at least 0) of
    /// assumed equations `Lᵢ = Rᵢ`, found exactly (`assume.rs`), when some
    /// instance satisfies the assumptions.
    Assumption: "by assumption", if "where every assumed equation of the file holds", e.g. "J(θ) - b = 0" with "assume b = J(θ)";
    /// `E_{x~p}[f] = ∫_x p(x) f` for a density p over a real x.
    ExpectationAsIntegral: "E as ∫", if "always (the definition of E over a continuous variable)", e.g. "E_{y~p}[u(y)] = ∫_y p(y) u(y)" with "var y in ℝ\nvar a in reals\nset S\nvar s in S\nfun p(y) : dist y\nfun u(y)\nfun w(y)\nfun π_θ(a | s) : dist a\nfun μ_θ(s)\nfun r(s, a)\nconst σ : positive";
    /// `∫_x (f + g) = ∫_x f + ∫_x g`.
    IntegralLinearity: "∫-linearity", if "wherever both sides are defined (each integral converges)", e.g. "∫_y p(y) [u(y) + w(y)] = ∫_y p(y) u(y) + ∫_y p(y) w(y)" with "var y in ℝ\nvar a in reals\nset S\nvar s in S\nfun p(y) : dist y\nfun u(y)\nfun w(y)\nfun π_θ(a | s) : dist a\nfun μ_θ(s)\nfun r(s, a)\nconst σ : positive";
    /// `∫_x c·f(x) = c·∫_x f(x)`.
    IntegralFactorOut: "∫ factor out", if "when c does not involve x", e.g. "∫_y c p(y) u(y) = c ∫_y p(y) u(y)" with "var y in ℝ\nvar a in reals\nset S\nvar s in S\nfun p(y) : dist y\nfun u(y)\nfun w(y)\nfun π_θ(a | s) : dist a\nfun μ_θ(s)\nfun r(s, a)\nconst σ : positive";
    /// `∫_x p(x|y) dx = 1`.
    IntegralOfDensity: "∫ p = 1", if "when p is declared `dist x` with `var x in ℝ` (a density) and y does not involve x", e.g. "∫_y p(y) = 1" with "var y in ℝ\nvar a in reals\nset S\nvar s in S\nfun p(y) : dist y\nfun u(y)\nfun w(y)\nfun π_θ(a | s) : dist a\nfun μ_θ(s)\nfun r(s, a)\nconst σ : positive";
    /// `∫_x ∇_θ p_θ(x|y) dx = 0`.
    IntegralOfDensityGradient: "∫ ∇p = 0", if "as for ∫ p = 1, and differentiation under the integral sign holds (the gradient of the constant 1)", e.g. "∫_a ∇_θ π_θ(a | s) = 0" with "var y in ℝ\nvar a in reals\nset S\nvar s in S\nfun p(y) : dist y\nfun u(y)\nfun w(y)\nfun π_θ(a | s) : dist a\nfun μ_θ(s)\nfun r(s, a)\nconst σ : positive";
    /// `∇ ∫_x f = ∫_x ∇f`.
    GradientThroughIntegral: "∇ through ∫", if "the domain ℝ does not depend on θ, and the integrand and its gradient are integrable (dominated) near θ", e.g. "∇_θ ∫_a π_θ(a | s) r(s, a) = ∫_a ∇_θ π_θ(a | s) r(s, a)" with "var y in ℝ\nvar a in reals\nset S\nvar s in S\nfun p(y) : dist y\nfun u(y)\nfun w(y)\nfun π_θ(a | s) : dist a\nfun μ_θ(s)\nfun r(s, a)\nconst σ : positive";
    /// `𝒩(x; μ, v) = exp(−(x−μ)²/(2v) − ½ log(2πv))`.
    GaussianDensity: "normal density", if "where v > 0 (the domain condition of the log; π is the number, not a name)", e.g. "∇_θ log N(a; μ_θ(s), σ^2) = (a - μ_θ(s)) / σ^2 ∇_θ μ_θ(s)" with "var y in ℝ\nvar a in reals\nset S\nvar s in S\nfun p(y) : dist y\nfun u(y)\nfun w(y)\nfun π_θ(a | s) : dist a\nfun μ_θ(s)\nfun r(s, a)\nconst σ : positive";
    /// `a ≥ b` when `a − b` normalises to a non-negative number; `a ∝ b` when `a / b` (for gradients, the common ratio of their scalar factors) normalises to a positive factor that depends on no free variable but those after `|` on the left side.
    ConstantComparison: "constant comparison", if "as stated", e.g. "11 ≥ 0.4 · 20 + 0.6 · (-10)";
}

// A set of rules is a bit set.
const _: () = assert!(Rule::ALL.len() <= 64, "Rules holds at most 64 rules");

impl Rule {
    fn bit(self) -> u64 {
        1 << (Rule::ALL.iter().position(|r| *r == self).unwrap_or(0) as u64)
    }
}

/// A set of rules.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Rules(u64);

impl Rules {
    /// Record a rule.
    pub fn insert(&mut self, r: Rule) {
        self.0 |= r.bit();
    }

    /// The rules of both sets.
    pub fn union(self, other: Rules) -> Rules {
        Rules(self.0 | other.0)
    }

    /// Whether a rule is in the set.
    pub fn contains(&self, r: Rule) -> bool {
        self.0 & r.bit() != 0
    }

    /// The names, in report order.
    pub fn names(&self) -> Vec<String> {
        Rule::ALL
            .iter()
            .filter(|r| self.contains(**r))
            .map(|r| r.name().to_string())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::numeric::NumericEngine;
    use crate::symbolic::{normalize::Budget, prove, Outcome};
    use crate::verdict::{with_first_step, Decision, Engine, Verdict};

    #[test]
    fn every_example_is_proved_by_its_rule_and_confirmed() {
        let mut failures = Vec::new();
        for rule in Rule::ALL {
            let (step, extra) = rule.example();
            let text = format!("{EXAMPLE_DECLS}\n{extra}\n\n{step}\n");
            let (proved, confirmed) = with_first_step(&text, 7, |p| {
                let numeric = NumericEngine::default().decide(p);
                (prove(p, Budget::default()), numeric)
            });
            match proved {
                Outcome::Proved(rules) if rules.contains(&rule) => {}
                other => failures.push(format!("{rule:?}: `{step}` is {other:?}")),
            }
            if !matches!(confirmed, Decision::Decided(Verdict::Confirmed { .. })) {
                failures.push(format!(
                    "{rule:?}: `{step}` is not confirmed: {confirmed:?}"
                ));
            }
        }
        assert!(failures.is_empty(), "\n{}", failures.join("\n"));
    }

    #[test]
    fn names_are_distinct_and_every_rule_has_a_side_condition() {
        let mut names: Vec<&str> = Rule::ALL.iter().map(|r| r.name()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Rule::ALL.len());
        assert!(Rule::ALL.iter().all(|r| !r.side_condition().is_empty()));
    }

    #[test]
    fn a_set_holds_the_rules_inserted() {
        let mut a = Rules::default();
        a.insert(Rule::ExpOfSum);
        let mut b = Rules::default();
        b.insert(Rule::Definition);
        let u = a.union(b);
        assert!(u.contains(Rule::ExpOfSum) && u.contains(Rule::Definition));
        assert!(!u.contains(Rule::LogOfExp));
        assert_eq!(u.names(), ["definition", "exp of a sum"]);
    }
}
