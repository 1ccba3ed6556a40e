//! The resolved form of expressions: names replaced by the declarations
//! they refer to, every variable a [`VarId`], definitions kept as calls.

use crate::syntax::ast::{BigOp, ConstKind, Func};
use crate::syntax::Span;
use num_rational::BigRational;

/// Index of a declared set.
pub type SetId = usize;
/// Index of a declared parameter.
pub type ParamId = usize;
/// Index of a declared constant.
pub type ConstId = usize;
/// Index of a declared function.
pub type FunId = usize;
/// Index of a definition.
pub type DefId = usize;
/// Index of a variable (free or bound).
pub type VarId = usize;
/// Index of a sample family.
pub type SampleId = usize;

/// The kind of a finite set.
#[derive(Clone, Debug, PartialEq)]
pub enum SetKind {
    /// A set of random size in each numeric instance.
    Plain,
    /// The trajectories of an MDP: `(s_0, a_0, …, s_{H-1}, a_{H-1})`.
    Traj {
        /// The state set.
        states: SetId,
        /// The action set.
        actions: SetId,
        /// The horizon.
        horizon: ConstId,
    },
}

/// A declared set.
#[derive(Clone, Debug)]
pub struct SetInfo {
    /// Its name.
    pub name: String,
    /// Plain or trajectories.
    pub kind: SetKind,
    /// Where it was declared.
    pub span: Span,
}

/// A declared parameter.
#[derive(Clone, Debug)]
pub struct ParamInfo {
    /// Its name.
    pub name: String,
    /// Where it was declared.
    pub span: Span,
}

/// A declared constant.
#[derive(Clone, Debug)]
pub struct ConstInfo {
    /// Its name.
    pub name: String,
    /// Real, positive or count.
    pub kind: ConstKind,
    /// Where it was declared.
    pub span: Span,
}

/// What a variable ranges over.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VarDomain {
    /// The elements of a finite set.
    Set(SetId),
    /// The real numbers.
    Real,
    /// Integers, bound by a range Σ or Π.
    Int,
    /// The time steps `0..H-1` of an MDP with horizon `H`.
    Time(ConstId),
}

/// A variable.
#[derive(Clone, Debug)]
pub struct VarInfo {
    /// Its name as written (`τ`, `s'`, `i`).
    pub name: String,
    /// What it ranges over.
    pub domain: VarDomain,
    /// Bound by a Σ, Π, E or definition head (else free in a step).
    pub bound: bool,
}

/// What one input of a function or definition takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Input {
    /// A parameter (a subscript `Pr_θ` or an argument `V(θ)`).
    Param(ParamId),
    /// An element of a set.
    Set(SetId),
    /// A real number.
    Real,
}

/// The values a function takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FunKind {
    /// Any real.
    Real,
    /// Strictly positive.
    Positive,
    /// A distribution over the input with this index.
    Dist(usize),
    /// A vector of the parameters' dimension (`fun φ(s, a) : vector`).
    Vector,
}

/// A declared (abstract) function.
#[derive(Clone, Debug)]
pub struct FunInfo {
    /// Its name (`Pr`, `π`).
    pub name: String,
    /// Inputs: subscript parameters first, then arguments, then conditions.
    pub inputs: Vec<Input>,
    /// How many inputs are subscript parameters.
    pub n_slots: usize,
    /// How many inputs come after the bar.
    pub n_cond: usize,
    /// Real, positive or a distribution.
    pub kind: FunKind,
    /// Where it was declared.
    pub span: Span,
}

/// One input of a definition.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DefInput {
    /// A parameter: calls may pass another parameter, which replaces it
    /// everywhere in the body, subscripts included.
    Param(ParamId),
    /// A variable bound in the body.
    Var(VarId),
}

/// A definition.
#[derive(Clone, Debug)]
pub struct DefInfo {
    /// Its name.
    pub name: String,
    /// Inputs: subscript parameters, arguments, conditions.
    pub inputs: Vec<DefInput>,
    /// How many inputs are subscript parameters.
    pub n_slots: usize,
    /// How many inputs come after the bar.
    pub n_cond: usize,
    /// The body.
    pub body: Term,
    /// Whether the body is a vector (a gradient with respect to a vector
    /// parameter, or built from gradients linearly).
    pub vector: bool,
    /// The body's depth with every definition in it unfolded.
    pub depth: usize,
    /// A distribution over its first input by construction (the
    /// trajectory probability `Pr_θ` of an `mdp`), so the engines need not
    /// check that it sums to 1 where it is drawn from.
    pub distribution: bool,
    /// Where it was declared.
    pub span: Span,
}

/// A distribution to draw from: the weight of `var` (one of its values).
#[derive(Clone, Debug, PartialEq)]
pub struct Dist {
    /// The variable whose value is drawn.
    pub var: VarId,
    /// Its set; `None` for a density over ℝ (then E is an integral).
    pub set: Option<SetId>,
    /// The probability of `var`.
    pub weight: Box<Term>,
}

/// A family of independent draws `τ_1 … τ_N`.
#[derive(Clone, Debug)]
pub struct SampleInfo {
    /// The name of the draws (`τ`).
    pub name: String,
    /// The index name (`i`).
    pub index: String,
    /// The distribution.
    pub dist: Dist,
    /// Its set (draws are from finite sets only).
    pub set: SetId,
    /// The first index.
    pub lo: Term,
    /// The last index.
    pub hi: Term,
}

/// The state or the action of a trajectory at a time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Field {
    /// `s_t`
    State,
    /// `a_t`
    Action,
}

/// What a Σ or Π ranges over.
#[derive(Clone, Debug, PartialEq)]
pub enum BigDomain {
    /// Every element of a set.
    Set(SetId),
    /// The integers `lo..=hi`.
    Range(Box<Term>, Box<Term>),
    /// The real line (for `∫`).
    Real,
}

/// A resolved expression.
#[derive(Clone, Debug, PartialEq)]
pub enum Term {
    /// An exact number.
    Num(BigRational),
    /// A parameter used as a value.
    Param(ParamId),
    /// A parameter used as a vector: an operand of an inner product
    /// (`θ^T φ(s, a)`, `⟨θ, v⟩`).
    ParamVector(ParamId),
    /// The inner product of two vectors, a number.
    Inner(Box<Term>, Box<Term>),
    /// A constant.
    Const(ConstId),
    /// A variable.
    Var(VarId),
    /// `s_t`, `a_t` of a trajectory variable.
    Component {
        /// The trajectory.
        traj: VarId,
        /// State or action.
        field: Field,
        /// The time.
        time: Box<Term>,
    },
    /// `τ_i`: draw `index` of a sample family.
    Sample {
        /// The family.
        family: SampleId,
        /// Which draw.
        index: Box<Term>,
    },
    /// A declared function applied to its inputs (parameters as
    /// [`Term::Param`]).
    Call {
        /// The function.
        fun: FunId,
        /// One term an input.
        args: Vec<Term>,
    },
    /// A definition applied to its inputs.
    DefCall {
        /// The definition.
        def: DefId,
        /// One term an input.
        args: Vec<Term>,
    },
    /// `a + b`
    Add(Box<Term>, Box<Term>),
    /// `a - b`
    Sub(Box<Term>, Box<Term>),
    /// `a · b`
    Mul(Box<Term>, Box<Term>),
    /// `a / b`
    Div(Box<Term>, Box<Term>),
    /// `-a`
    Neg(Box<Term>),
    /// `a ^ b`
    Pow(Box<Term>, Box<Term>),
    /// `log`, `exp`, `sqrt`
    Func(Func, Box<Term>),
    /// `|a|`
    Abs(Box<Term>),
    /// The gradient with respect to a parameter.
    Grad {
        /// The parameter.
        param: ParamId,
        /// What is differentiated.
        body: Box<Term>,
    },
    /// Σ or Π.
    Big {
        /// Σ or Π.
        op: BigOp,
        /// The bound variable.
        var: VarId,
        /// Its range.
        domain: BigDomain,
        /// The body.
        body: Box<Term>,
    },
    /// `E_{var ~ dist}[body]`.
    Expect {
        /// The draw.
        dist: Dist,
        /// The expected quantity.
        body: Box<Term>,
    },
}

impl Term {
    /// Visit every sub-term, this one first.
    pub fn walk<'a>(&'a self, f: &mut dyn FnMut(&'a Term)) {
        f(self);
        match self {
            Term::Num(_)
            | Term::Param(_)
            | Term::ParamVector(_)
            | Term::Const(_)
            | Term::Var(_) => {}
            Term::Component { time, .. } => time.walk(f),
            Term::Sample { index, .. } => index.walk(f),
            Term::Call { args, .. } | Term::DefCall { args, .. } => {
                for a in args {
                    a.walk(f);
                }
            }
            Term::Add(a, b)
            | Term::Sub(a, b)
            | Term::Mul(a, b)
            | Term::Div(a, b)
            | Term::Pow(a, b)
            | Term::Inner(a, b) => {
                a.walk(f);
                b.walk(f);
            }
            Term::Neg(a) | Term::Func(_, a) | Term::Abs(a) => a.walk(f),
            Term::Grad { body, .. } => body.walk(f),
            Term::Big { domain, body, .. } => {
                if let BigDomain::Range(lo, hi) = domain {
                    lo.walk(f);
                    hi.walk(f);
                }
                body.walk(f);
            }
            Term::Expect { dist, body } => {
                dist.weight.walk(f);
                body.walk(f);
            }
        }
    }
}

/// Enter the body of a definition called with parameter inputs `inputs`
/// (each `(q, p)`: the body's parameter `q` stands for the caller's `p`):
/// `alias` becomes the body's, in which every other parameter stands for
/// itself, since parameters are lexical (a parameter named inside another
/// definition called from the body is that definition's own). Returns the
/// caller's aliases to put back, or `None` when nothing changed.
pub fn enter_body(alias: &mut Vec<ParamId>, inputs: &[(ParamId, ParamId)]) -> Option<Vec<ParamId>> {
    let identity = alias.iter().enumerate().all(|(k, p)| k == *p);
    if inputs.is_empty() && identity {
        return None;
    }
    let mut body: Vec<ParamId> = (0..alias.len()).collect();
    for &(q, p) in inputs {
        body[q] = p;
    }
    Some(std::mem::replace(alias, body))
}

impl super::Program {
    /// The free variables written after `|` in a conditional of `t` (`x`
    /// in `π_opt(y | x)`), in order of appearance: in `a ∝ b` the factor
    /// between the sides may depend on those of `a`.
    pub fn conditioning(&self, t: &Term) -> Vec<VarId> {
        let mut out = Vec::new();
        t.walk(&mut |x| {
            let (args, n_cond) = match x {
                Term::Call { fun, args } => (args, self.funs[*fun].n_cond),
                Term::DefCall { def, args } => (args, self.defs[*def].n_cond),
                _ => return,
            };
            for a in &args[args.len().saturating_sub(n_cond)..] {
                a.walk(&mut |y| match y {
                    Term::Var(v) | Term::Component { traj: v, .. }
                        if !self.vars[*v].bound && !out.contains(v) =>
                    {
                        out.push(*v)
                    }
                    _ => {}
                });
            }
        });
        out
    }
}
