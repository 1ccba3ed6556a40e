//! The typed syntax tree of a derivation file.
//!
//! Every node carries the [`Span`] of the text it came from. Equality of
//! trees ignores spans ([`Expr`]'s `PartialEq` compares kinds only), so that
//! a printed and re-parsed tree compares equal to the original.

use super::Span;
use num_rational::BigRational;

/// A relation between two consecutive expressions of a chain.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Relation {
    /// `=`: equal for every value of the free variables.
    Eq,
    /// `≈` (`~=`): the right side is an unbiased estimator of the left side.
    Approx,
    /// `≤` (`<=`).
    Le,
    /// `≥` (`>=`).
    Ge,
    /// `∝` (`propto`): equal up to a positive scalar factor.
    Propto,
}

impl Relation {
    /// The canonical (Unicode) spelling.
    pub fn symbol(self) -> &'static str {
        match self {
            Relation::Eq => "=",
            Relation::Approx => "≈",
            Relation::Le => "≤",
            Relation::Ge => "≥",
            Relation::Propto => "∝",
        }
    }

    /// The LaTeX spelling.
    pub fn latex(self) -> &'static str {
        match self {
            Relation::Eq => "=",
            Relation::Approx => "\\approx",
            Relation::Le => "\\leq",
            Relation::Ge => "\\geq",
            Relation::Propto => "\\propto",
        }
    }
}

/// A name as written: a base, primes, and an optional subscript.
///
/// `Pr_θ` is base `Pr` with subscript `θ`; `a_{t+1}` has the subscript
/// expression `t+1`; `s'` has one prime.
#[derive(Clone, Debug)]
pub struct Name {
    /// The identifier before any subscript, Greek letters normalised
    /// (`theta` is stored as `θ`).
    pub base: String,
    /// Number of primes (`'` or `′`).
    pub primes: u8,
    /// Subscript expressions (`_t`, `_{t+1}`, `_{i,t}`); empty when absent.
    pub sub: Vec<Expr>,
    /// Where the name was written.
    pub span: Span,
}

impl PartialEq for Name {
    fn eq(&self, other: &Self) -> bool {
        self.base == other.base && self.primes == other.primes && self.sub == other.sub
    }
}

impl Name {
    /// The base with its primes, e.g. `s'`.
    pub fn base_with_primes(&self) -> String {
        let mut s = self.base.clone();
        for _ in 0..self.primes {
            s.push('\'');
        }
        s
    }

    /// The subscript when it is a single plain name (`Pr_θ` → `θ`).
    pub fn simple_sub(&self) -> Option<&Name> {
        match self.sub.as_slice() {
            [Expr {
                kind: ExprKind::Name(n),
                ..
            }] if n.sub.is_empty() => Some(n),
            _ => None,
        }
    }

    /// The whole name as one key, when the subscript is absent or a plain
    /// name: `π_opt`, `s'`, `θ′`. Used to look up declarations.
    pub fn key(&self) -> Option<String> {
        let mut s = self.base_with_primes();
        if self.sub.is_empty() {
            return Some(s);
        }
        let sub = self.simple_sub()?;
        s.push('_');
        s.push_str(&sub.base_with_primes());
        Some(s)
    }

    /// [`Name::key`] without allocating when the key is short: a borrow of
    /// the base when there are no primes and no subscript, else the key
    /// built in place. The resolver looks up every name of every step.
    pub fn key_ref(&self) -> Option<NameKey<'_>> {
        if self.sub.is_empty() {
            return Some(self.base_key());
        }
        let sub = self.simple_sub()?;
        let len = self.base.len()
            + usize::from(self.primes)
            + 1
            + sub.base.len()
            + usize::from(sub.primes);
        if len > INLINE_KEY {
            return self.key().map(|k| NameKey(KeyText::Owned(k)));
        }
        let mut k = InlineKey::new();
        k.push_base(self);
        k.push(b"_");
        k.push_base(sub);
        Some(k.done())
    }

    /// [`Name::base_with_primes`] without allocating when it is short.
    pub fn base_key(&self) -> NameKey<'_> {
        if self.primes == 0 {
            return NameKey(KeyText::Borrowed(&self.base));
        }
        if self.base.len() + usize::from(self.primes) > INLINE_KEY {
            return NameKey(KeyText::Owned(self.base_with_primes()));
        }
        let mut k = InlineKey::new();
        k.push_base(self);
        k.done()
    }
}

/// Longest key [`Name::key_ref`] builds without allocating, in bytes.
const INLINE_KEY: usize = 38;

/// A name's key as [`Name::key_ref`] gives it: reads as a `&str`.
#[derive(Clone, Debug)]
pub struct NameKey<'a>(KeyText<'a>);

#[derive(Clone, Debug)]
enum KeyText<'a> {
    Borrowed(&'a str),
    Inline([u8; INLINE_KEY], u8),
    Owned(String),
}

impl std::ops::Deref for NameKey<'_> {
    type Target = str;
    fn deref(&self) -> &str {
        match &self.0 {
            KeyText::Borrowed(s) => s,
            KeyText::Inline(buf, len) => {
                std::str::from_utf8(&buf[..usize::from(*len)]).expect("whole strings joined")
            }
            KeyText::Owned(s) => s,
        }
    }
}

/// A key being built in place; its length is checked by the caller.
struct InlineKey {
    buf: [u8; INLINE_KEY],
    len: usize,
}

impl InlineKey {
    fn new() -> Self {
        InlineKey {
            buf: [0; INLINE_KEY],
            len: 0,
        }
    }

    fn push(&mut self, bytes: &[u8]) {
        self.buf[self.len..self.len + bytes.len()].copy_from_slice(bytes);
        self.len += bytes.len();
    }

    fn push_base(&mut self, n: &Name) {
        self.push(n.base.as_bytes());
        for _ in 0..n.primes {
            self.push(b"'");
        }
    }

    fn done<'a>(self) -> NameKey<'a> {
        // INLINE_KEY < 256.
        NameKey(KeyText::Inline(self.buf, self.len as u8))
    }
}

/// Elementary functions written as prefix operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Func {
    /// Natural logarithm (`log`, `ln`).
    Log,
    /// Exponential.
    Exp,
    /// Square root.
    Sqrt,
}

impl Func {
    /// The canonical spelling.
    pub fn name(self) -> &'static str {
        match self {
            Func::Log => "log",
            Func::Exp => "exp",
            Func::Sqrt => "sqrt",
        }
    }
}

/// Binary arithmetic operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BinOp {
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `·`, `*`, `×` or juxtaposition.
    Mul,
    /// `/`
    Div,
}

/// Σ, Π or ∫.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BigOp {
    /// Σ
    Sum,
    /// Π
    Prod,
    /// `∫_x`: the integral over the real line of a variable `x` declared
    /// `var x in ℝ` (or bound by the integral alone). Its domain is
    /// [`Domain::Declared`] or `Domain::Set(ℝ)`.
    Integral,
}

/// What a Σ or Π ranges over.
#[derive(Clone, Debug, PartialEq)]
pub enum Domain {
    /// `Σ_τ`: the set the variable was declared in.
    Declared,
    /// `Σ_{τ ∈ T}`.
    Set(Name),
    /// `Σ_{i=1}^{N}`: an integer range, both ends included.
    Range(Box<Expr>, Box<Expr>),
}

/// One draw of an expectation: `τ ~ Pr_θ`, `a ~ π_θ(·|s)`.
#[derive(Clone, Debug, PartialEq)]
pub struct Draw {
    /// The bound variable.
    pub var: Name,
    /// The distribution: a name (`Pr_θ`) or an application with a `·`
    /// placeholder (`π_θ(·|s)`).
    pub dist: Expr,
}

/// An expression node with its span.
#[derive(Clone, Debug)]
pub struct Expr {
    /// What the node is.
    pub kind: ExprKind,
    /// Where it was written.
    pub span: Span,
}

impl PartialEq for Expr {
    fn eq(&self, other: &Self) -> bool {
        self.kind == other.kind
    }
}

/// The kinds of expression nodes.
#[derive(Clone, Debug, PartialEq)]
pub enum ExprKind {
    /// An exact number (`0.7` is 7/10).
    Number(BigRational),
    /// A name.
    Name(Name),
    /// The placeholder `·` in `π_θ(·|s)`.
    Placeholder,
    /// `f(x, y)` or `π(a | s)`: `args` before the bar, `cond` after it.
    /// (Names in the larger variants are boxed: an `Expr` is small, and
    /// the parser moves many of them.)
    Apply {
        /// The function's name.
        head: Box<Name>,
        /// Arguments before the conditional bar.
        args: Vec<Expr>,
        /// Arguments after the conditional bar.
        cond: Vec<Expr>,
    },
    /// Prefix minus.
    Neg(Box<Expr>),
    /// A binary operation.
    Binary(BinOp, Box<Expr>, Box<Expr>),
    /// `a ^ b`.
    Pow(Box<Expr>, Box<Expr>),
    /// `log x`, `exp x`, `sqrt x`.
    Func(Func, Box<Expr>),
    /// `|x|`.
    Abs(Box<Expr>),
    /// The inner product of two vectors, a number: `⟨u, v⟩`, `u^T v`,
    /// `u^⊤ v`.
    Inner {
        /// The first vector (the transposed one in `u^T v`).
        left: Box<Expr>,
        /// The second vector.
        right: Box<Expr>,
        /// How it was written.
        form: InnerForm,
    },
    /// A derivative with respect to a parameter: `∇_θ X`, `∂X/∂θ`, `d/dθ X`.
    Deriv {
        /// The parameter; `None` for a bare `∇` (the one declared parameter).
        param: Option<Box<Name>>,
        /// What is differentiated.
        body: Box<Expr>,
    },
    /// Σ or Π over a binder.
    Big {
        /// Σ or Π.
        op: BigOp,
        /// The bound variable.
        var: Box<Name>,
        /// What it ranges over.
        domain: Box<Domain>,
        /// The summand or factor.
        body: Box<Expr>,
    },
    /// `E_{x~p, y~q(·|x)}[body]`.
    Expect {
        /// The draws, outermost first.
        draws: Vec<Draw>,
        /// The expected quantity.
        body: Box<Expr>,
    },
}

impl Expr {
    /// A node with a span.
    pub fn new(kind: ExprKind, span: Span) -> Self {
        Expr { kind, span }
    }

    /// Call `f` on each direct subexpression, in written order (the
    /// subscripts of a name or of an applied function's name count; the
    /// parameter of a derivative does not).
    pub fn for_each_child<'e>(&'e self, mut f: impl FnMut(&'e Expr)) {
        match &self.kind {
            ExprKind::Number(_) | ExprKind::Placeholder => {}
            ExprKind::Name(n) => n.sub.iter().for_each(f),
            ExprKind::Apply { head, args, cond } => {
                head.sub.iter().chain(args).chain(cond).for_each(f)
            }
            ExprKind::Neg(a) | ExprKind::Func(_, a) | ExprKind::Abs(a) => f(a),
            ExprKind::Binary(_, a, b)
            | ExprKind::Pow(a, b)
            | ExprKind::Inner {
                left: a, right: b, ..
            } => {
                f(a);
                f(b);
            }
            ExprKind::Deriv { body, .. } => f(body),
            ExprKind::Big { domain, body, .. } => {
                if let Domain::Range(lo, hi) = &**domain {
                    f(lo);
                    f(hi);
                }
                f(body);
            }
            ExprKind::Expect { draws, body } => {
                draws.iter().for_each(|d| f(&d.dist));
                f(body);
            }
        }
    }

    /// [`Expr::for_each_child`], each child mutably.
    pub fn for_each_child_mut(&mut self, mut f: impl FnMut(&mut Expr)) {
        match &mut self.kind {
            ExprKind::Number(_) | ExprKind::Placeholder => {}
            ExprKind::Name(n) => n.sub.iter_mut().for_each(f),
            ExprKind::Apply { head, args, cond } => head
                .sub
                .iter_mut()
                .chain(args.iter_mut())
                .chain(cond.iter_mut())
                .for_each(f),
            ExprKind::Neg(a) | ExprKind::Func(_, a) | ExprKind::Abs(a) => f(a),
            ExprKind::Binary(_, a, b)
            | ExprKind::Pow(a, b)
            | ExprKind::Inner {
                left: a, right: b, ..
            } => {
                f(a);
                f(b);
            }
            ExprKind::Deriv { body, .. } => f(body),
            ExprKind::Big { domain, body, .. } => {
                if let Domain::Range(lo, hi) = domain.as_mut() {
                    f(lo);
                    f(hi);
                }
                f(body);
            }
            ExprKind::Expect { draws, body } => {
                draws.iter_mut().for_each(|d| f(&mut d.dist));
                f(body);
            }
        }
    }
}

/// How an inner product was written, so that it prints as it was read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum InnerForm {
    /// `⟨u, v⟩` (ASCII `<u, v>`).
    Angle,
    /// `u^T v`: a transpose written with the letter T.
    TransposeT,
    /// `u^⊤ v`.
    TransposeTop,
}

/// Attributes of a function declaration.
#[derive(Clone, Debug, PartialEq)]
pub enum FunAttr {
    /// `: dist x`: a probability distribution over the argument `x`.
    Dist(Name),
    /// `: positive`.
    Positive,
    /// `: vector`: a vector of the parameters' dimension.
    Vector,
}

/// The kind of a declared constant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConstKind {
    /// Any real number.
    Real,
    /// A strictly positive real.
    Positive,
    /// A positive integer.
    Count,
}

/// The head of a `fun` or `def`: `Pr_θ(τ)`, `π_θ(a | s)`, `J(θ)`, `Z`.
#[derive(Clone, Debug, PartialEq)]
pub struct Head {
    /// The name, subscript included.
    pub name: Name,
    /// Parameters before the bar.
    pub args: Vec<Name>,
    /// Parameters after the bar.
    pub cond: Vec<Name>,
}

/// One step of a chain: a relation and the new expression.
#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    /// The relation to the previous expression.
    pub relation: Relation,
    /// The new expression.
    pub expr: Expr,
    /// The text after `by`, if any.
    pub justification: Option<String>,
}

/// A chain of expressions: a start and its steps.
#[derive(Clone, Debug, PartialEq)]
pub struct Chain {
    /// `derivation "name"`.
    pub name: Option<String>,
    /// `proves NAME`: the named claim this chain proves.
    pub proves: Option<String>,
    /// Span of the `derivation` line, or of the first expression.
    pub span: Span,
    /// The first expression.
    pub start: Expr,
    /// The steps, in order.
    pub steps: Vec<Step>,
}

/// A top-level item of a file.
#[derive(Clone, Debug, PartialEq)]
#[allow(clippy::large_enum_variant)] // a file holds few items; boxing buys nothing
pub enum ItemKind {
    /// `param θ`.
    Param(Vec<Name>),
    /// `set T`.
    Set(Vec<Name>),
    /// `var τ in T`, or `var x` for a real variable.
    Var(Vec<Name>, Option<Name>),
    /// `fun Pr_θ(τ) : dist τ`.
    Fun(Head, Option<FunAttr>),
    /// `const N : count`.
    Const(Vec<Name>, ConstKind),
    /// `def J(θ) = …`.
    Def(Head, Expr),
    /// `assume lhs rel rhs`.
    Assume(Expr, Relation, Expr),
    /// `claim [name:] lhs rel rhs`.
    Claim(Option<String>, Expr, Relation, Expr),
    /// `mdp states S actions A horizon H`.
    Mdp {
        /// The state set.
        states: Name,
        /// The action set.
        actions: Name,
        /// The horizon constant.
        horizon: Name,
    },
    /// `sample τ_i ~ Pr_θ for i = 1..N`.
    Sample {
        /// The family's variable (`τ`).
        var: Name,
        /// The index name (`i`).
        index: Name,
        /// The distribution drawn from.
        dist: Expr,
        /// The first index.
        lo: Expr,
        /// The last index.
        hi: Expr,
    },
    /// `points 10` (assignments).
    Points(BigRational),
    /// `milestone expr` (assignments).
    Milestone(Expr),
    /// `rubric …` (assignments): the raw text, read by grading.
    Rubric(String),
    /// `steps` with labelled expressions (ordering exercises).
    Steps(Vec<(String, Expr)>),
    /// A chain.
    Chain(Chain),
}

impl ItemKind {
    /// The expressions an item holds (for bounds on what a file writes).
    pub fn exprs(&self) -> Vec<&Expr> {
        match self {
            ItemKind::Def(_, e) | ItemKind::Milestone(e) => vec![e],
            ItemKind::Assume(a, _, b) | ItemKind::Claim(_, a, _, b) => vec![a, b],
            ItemKind::Sample { dist, lo, hi, .. } => vec![dist, lo, hi],
            ItemKind::Steps(list) => list.iter().map(|(_, e)| e).collect(),
            ItemKind::Chain(c) => std::iter::once(&c.start)
                .chain(c.steps.iter().map(|s| &s.expr))
                .collect(),
            _ => vec![],
        }
    }
}

/// An item with its span.
#[derive(Clone, Debug, PartialEq)]
pub struct Item {
    /// What the item is.
    pub kind: ItemKind,
    /// The item's whole text.
    pub span: Span,
}

impl Name {
    /// Apply `f` to every span in the name, its subscripts included.
    pub fn map_spans(&mut self, f: &mut dyn FnMut(Span) -> Span) {
        self.span = f(self.span);
        for e in &mut self.sub {
            e.map_spans(f);
        }
    }
}

impl Expr {
    /// Apply `f` to every span in the tree. Readers that parse a translated
    /// text (LaTeX, Markdown) use it to point every node back at the
    /// original file. Recursion follows the tree, whose depth the parser
    /// bounds.
    pub fn map_spans(&mut self, f: &mut dyn FnMut(Span) -> Span) {
        self.span = f(self.span);
        match &mut self.kind {
            ExprKind::Number(_) | ExprKind::Placeholder => {}
            ExprKind::Name(n) => n.map_spans(f),
            ExprKind::Apply { head, args, cond } => {
                head.map_spans(f);
                for e in args.iter_mut().chain(cond.iter_mut()) {
                    e.map_spans(f);
                }
            }
            ExprKind::Neg(a) | ExprKind::Func(_, a) | ExprKind::Abs(a) => a.map_spans(f),
            ExprKind::Binary(_, a, b)
            | ExprKind::Pow(a, b)
            | ExprKind::Inner {
                left: a, right: b, ..
            } => {
                a.map_spans(f);
                b.map_spans(f);
            }
            ExprKind::Deriv { param, body } => {
                if let Some(p) = param {
                    p.map_spans(f);
                }
                body.map_spans(f);
            }
            ExprKind::Big {
                var, domain, body, ..
            } => {
                var.map_spans(f);
                match &mut **domain {
                    Domain::Declared => {}
                    Domain::Set(s) => s.map_spans(f),
                    Domain::Range(lo, hi) => {
                        lo.map_spans(f);
                        hi.map_spans(f);
                    }
                }
                body.map_spans(f);
            }
            ExprKind::Expect { draws, body } => {
                for d in draws {
                    d.var.map_spans(f);
                    d.dist.map_spans(f);
                }
                body.map_spans(f);
            }
        }
    }
}

impl Head {
    /// Apply `f` to every span in the head.
    pub fn map_spans(&mut self, f: &mut dyn FnMut(Span) -> Span) {
        self.name.map_spans(f);
        for n in self.args.iter_mut().chain(self.cond.iter_mut()) {
            n.map_spans(f);
        }
    }
}

impl Item {
    /// Apply `f` to every span in the item. Used to move declarations read
    /// from another file (`check --with`) into a span range of their own,
    /// so their diagnostics can be told apart.
    pub fn map_spans(&mut self, f: &mut dyn FnMut(Span) -> Span) {
        self.span = f(self.span);
        let names = |ns: &mut Vec<Name>, f: &mut dyn FnMut(Span) -> Span| {
            for n in ns {
                n.map_spans(f);
            }
        };
        match &mut self.kind {
            ItemKind::Param(ns) | ItemKind::Set(ns) | ItemKind::Const(ns, _) => names(ns, f),
            ItemKind::Var(ns, set) => {
                names(ns, f);
                if let Some(s) = set {
                    s.map_spans(f);
                }
            }
            ItemKind::Fun(head, attr) => {
                head.map_spans(f);
                if let Some(FunAttr::Dist(n)) = attr {
                    n.map_spans(f);
                }
            }
            ItemKind::Def(head, e) => {
                head.map_spans(f);
                e.map_spans(f);
            }
            ItemKind::Assume(a, _, b) | ItemKind::Claim(_, a, _, b) => {
                a.map_spans(f);
                b.map_spans(f);
            }
            ItemKind::Mdp {
                states,
                actions,
                horizon,
            } => {
                states.map_spans(f);
                actions.map_spans(f);
                horizon.map_spans(f);
            }
            ItemKind::Sample {
                var,
                index,
                dist,
                lo,
                hi,
            } => {
                var.map_spans(f);
                index.map_spans(f);
                dist.map_spans(f);
                lo.map_spans(f);
                hi.map_spans(f);
            }
            ItemKind::Points(_) | ItemKind::Rubric(_) => {}
            ItemKind::Milestone(e) => e.map_spans(f),
            ItemKind::Steps(list) => {
                for (_, e) in list {
                    e.map_spans(f);
                }
            }
            ItemKind::Chain(c) => {
                c.span = f(c.span);
                c.start.map_spans(f);
                for s in &mut c.steps {
                    s.expr.map_spans(f);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(base: &str, primes: u8, sub: Option<Name>) -> Name {
        Name {
            base: base.into(),
            primes,
            sub: sub
                .map(|n| vec![Expr::new(ExprKind::Name(n), Span::default())])
                .unwrap_or_default(),
            span: Span::default(),
        }
    }

    #[test]
    fn key_ref_reads_as_key() {
        let long = "ω".repeat(30);
        let names = [
            name("τ", 0, None),
            name("s", 2, None),
            name("Pr", 0, Some(name("θ", 1, None))),
            name("π", 1, Some(name("opt", 0, None))),
            name(&long, 1, None),
            name("V", 0, Some(name(&long, 0, None))),
            name("a", 0, Some(name("t", 0, Some(name("i", 0, None))))),
        ];
        for n in &names {
            assert_eq!(n.key_ref().as_deref(), n.key().as_deref(), "{n:?}");
            assert_eq!(&*n.base_key(), n.base_with_primes(), "{n:?}");
        }
    }
}
