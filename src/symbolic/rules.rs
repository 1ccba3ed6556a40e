//! The rewrite rules of the symbolic engine, as data: each with its name
//! (reported in a `proved` verdict's detail) and its side condition.
//!
//! Every rule is an identity under its side condition and the declared
//! assumptions (a `dist` function is strictly positive and sums to 1 over
//! its variable; a `positive` function or constant is strictly positive;
//! sets are finite and non-empty; a quotient is an identity wherever both
//! sides are defined). `tests` in this module and the soundness properties
//! in `proptests` check each against the numeric engine.

/// A named rewrite rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Rule {
    /// `J(θ′)` is the body of `J` with θ replaced by θ′. Always.
    Definition,
    /// `E_{x~p}[f] = Σ_x p(x) f`. Always (the definition of E).
    ExpectationAsSum,
    /// `a·(b + c) = a·b + a·c`. Always.
    Expansion,
    /// `c₁·m + c₂·m = (c₁ + c₂)·m`. Always.
    CollectTerms,
    /// `a^j · a^k = a^(j+k)`, so `a · a⁻¹ = 1`. Where `a ≠ 0`; rational
    /// exponents only on positive atoms.
    Cancellation,
    /// `a / b = q` when the polynomial `b` divides `a` exactly. Where b ≠ 0.
    PolynomialDivision,
    /// `(Π aᵢ)^q = Π aᵢ^q`. When every aᵢ is positive.
    PowerOfProduct,
    /// `|a| = a`. When a is positive.
    AbsOfPositive,
    /// `Σ_x (f + g) = Σ_x f + Σ_x g`. Always (finite sums).
    SumLinearity,
    /// `Σ_x c·f(x) = c·Σ_x f(x)`. When c does not involve x.
    SumFactorOut,
    /// `Σ_x c = c·|X|`. When c does not involve x.
    SumOfConstant,
    /// `Σ_x p(x|y) = 1`. When p is declared `dist x` and y does not involve x.
    SumOfDistribution,
    /// `Σ_x ∇_θ p_θ(x|y) = 0`. As above: the gradient of the constant 1.
    SumOfDistributionGradient,
    /// `Σ_{t=a}^{b} f(t) = f(a) + … + f(b)` for known integers a, b (an
    /// empty range is 0 for Σ, 1 for Π). Always.
    RangeUnrolled,
    /// `Σ_{t=lo}^{hi} f(t) = Σ_{u=0}^{hi-lo} f(u+lo)`, likewise Π. Always.
    IndexShift,
    /// `Σ_{u=0}^{hi} g = Σ_{u=0}^{hi-1} g + g(hi) = g(0) + Σ_{u=0}^{hi-1}
    /// g(u+1)`, tried when the normal forms differ. When hi ≥ 0 for every
    /// value of the declarations (a number, plus counts, each at least 1).
    RangeSplit,
    /// `Σ_{t=lo}^{hi} F(t)·Σ_{x∈X} B(x,t) = Σ_{x∈X} Σ_{t=lo}^{hi} F(t)·B(x,t)`:
    /// set sums go outside, range sums inside. When the set sum is the
    /// only one among the factors that depend on t, to the first power;
    /// then neither domain depends on the other's variable (a set is
    /// declared, never indexed, and the bounds lie outside both binders),
    /// and finite sums commute (an empty range gives 0 on both sides).
    SumInterchange,
    /// `∇(f + g) = ∇f + ∇g`. Always.
    GradientLinearity,
    /// `∇c = 0`. When c does not depend on the parameter (SPEC §1).
    GradientOfConstant,
    /// `∇(f·g) = ∇f·g + f·∇g`; `∇Π f = Π f · Σ ∇f/f`. Always; the second
    /// where f ≠ 0.
    ProductRule,
    /// `∇(f^k) = k f^(k-1) ∇f`. Where defined.
    PowerRule,
    /// `∇(1/P) = -∇P / P²`. Where P ≠ 0.
    QuotientRule,
    /// `∇ log u = ∇u / u`. Where u > 0 (where log u is defined).
    LogDerivative,
    /// `∇ exp u = exp u · ∇u`, `∇ b^e = b^e (∇e log b + e ∇b / b)`. Where
    /// defined.
    ChainRule,
    /// `∇ Σ_x f = Σ_x ∇f`. Finite sums whose range does not depend on θ.
    GradientThroughSum,
    /// `log(a·b) = log a + log b`, `log c·a = log c + log a`. When a, b, c
    /// are positive.
    LogOfProduct,
    /// `log(a^k) = k log a`. When a is positive.
    LogOfPower,
    /// `log Π_x f = Σ_x log f`. When f is positive.
    LogOfProductOperator,
    /// `log exp u = u`. Always (real u).
    LogOfExp,
    /// `exp(c · log u) = u^c`. When u is positive.
    ExpOfLog,
    /// `exp(a + b) = exp a · exp b`. Always.
    ExpOfSum,
    /// `N / P = 0` iff `N = 0`. Where P ≠ 0.
    CommonDenominator,
    /// `E_{x~p}[f] = ∫_x p(x) f` for a density p over a real x. Always (the
    /// definition of E over a continuous variable).
    ExpectationAsIntegral,
    /// `∫_x (f + g) = ∫_x f + ∫_x g`. Wherever both sides are defined (each
    /// integral converges).
    IntegralLinearity,
    /// `∫_x c·f(x) = c·∫_x f(x)`. When c does not involve x.
    IntegralFactorOut,
    /// `∫_x p(x|y) dx = 1`. When p is declared `dist x` with `var x in ℝ`
    /// (a density) and y does not involve x.
    IntegralOfDensity,
    /// `∫_x ∇_θ p_θ(x|y) dx = 0`. As above, and differentiation under the
    /// integral sign holds (the gradient of the constant 1).
    IntegralOfDensityGradient,
    /// `∇ ∫_x f = ∫_x ∇f`. The domain ℝ does not depend on θ, and the
    /// integrand and its gradient are integrable (dominated) near θ.
    GradientThroughIntegral,
    /// `𝒩(x; μ, v) = exp(−(x−μ)²/(2v) − ½ log(2πv))`. Where v > 0 (the
    /// domain condition of the log; π is the number, not a name).
    GaussianDensity,
    /// `a ≥ b` when `a − b` normalises to a non-negative number; `a ∝ b`
    /// when `a / b` (for gradients, the common ratio of their scalar
    /// factors) normalises to a positive factor that depends on no free
    /// variable but those after `|` on the left side.
    ConstantComparison,
}

impl Rule {
    /// Every rule, in report order.
    pub const ALL: [Rule; 40] = [
        Rule::Definition,
        Rule::ExpectationAsSum,
        Rule::Expansion,
        Rule::CollectTerms,
        Rule::Cancellation,
        Rule::PolynomialDivision,
        Rule::PowerOfProduct,
        Rule::AbsOfPositive,
        Rule::SumLinearity,
        Rule::SumFactorOut,
        Rule::SumOfConstant,
        Rule::SumOfDistribution,
        Rule::SumOfDistributionGradient,
        Rule::RangeUnrolled,
        Rule::IndexShift,
        Rule::RangeSplit,
        Rule::SumInterchange,
        Rule::GradientLinearity,
        Rule::GradientOfConstant,
        Rule::ProductRule,
        Rule::PowerRule,
        Rule::QuotientRule,
        Rule::LogDerivative,
        Rule::ChainRule,
        Rule::GradientThroughSum,
        Rule::LogOfProduct,
        Rule::LogOfPower,
        Rule::LogOfProductOperator,
        Rule::LogOfExp,
        Rule::ExpOfLog,
        Rule::ExpOfSum,
        Rule::CommonDenominator,
        Rule::ExpectationAsIntegral,
        Rule::IntegralLinearity,
        Rule::IntegralFactorOut,
        Rule::IntegralOfDensity,
        Rule::IntegralOfDensityGradient,
        Rule::GradientThroughIntegral,
        Rule::GaussianDensity,
        Rule::ConstantComparison,
    ];

    /// The name shown in reports.
    pub fn name(self) -> &'static str {
        match self {
            Rule::Definition => "definition",
            Rule::ExpectationAsSum => "E as Σ",
            Rule::Expansion => "expansion",
            Rule::CollectTerms => "like terms",
            Rule::Cancellation => "cancellation",
            Rule::PolynomialDivision => "polynomial division",
            Rule::PowerOfProduct => "power of a product",
            Rule::AbsOfPositive => "|positive|",
            Rule::SumLinearity => "Σ-linearity",
            Rule::SumFactorOut => "Σ factor out",
            Rule::SumOfConstant => "Σ of a constant",
            Rule::SumOfDistribution => "Σ p = 1",
            Rule::SumOfDistributionGradient => "Σ ∇p = 0",
            Rule::RangeUnrolled => "range written out",
            Rule::IndexShift => "index shift",
            Rule::RangeSplit => "split off a term",
            Rule::SumInterchange => "Σ interchange",
            Rule::GradientLinearity => "∇-linearity",
            Rule::GradientOfConstant => "∇ of a constant",
            Rule::ProductRule => "product rule",
            Rule::PowerRule => "power rule",
            Rule::QuotientRule => "quotient rule",
            Rule::LogDerivative => "log-derivative",
            Rule::ChainRule => "chain rule",
            Rule::GradientThroughSum => "∇ through Σ",
            Rule::LogOfProduct => "log of a product",
            Rule::LogOfPower => "log of a power",
            Rule::LogOfProductOperator => "log Π = Σ log",
            Rule::LogOfExp => "log exp",
            Rule::ExpOfLog => "exp log",
            Rule::ExpOfSum => "exp of a sum",
            Rule::CommonDenominator => "common denominator",
            Rule::ExpectationAsIntegral => "E as ∫",
            Rule::IntegralLinearity => "∫-linearity",
            Rule::IntegralFactorOut => "∫ factor out",
            Rule::IntegralOfDensity => "∫ p = 1",
            Rule::IntegralOfDensityGradient => "∫ ∇p = 0",
            Rule::GradientThroughIntegral => "∇ through ∫",
            Rule::GaussianDensity => "normal density",
            Rule::ConstantComparison => "constant comparison",
        }
    }

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
