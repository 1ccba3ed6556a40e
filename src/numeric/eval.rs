//! Exact evaluation of resolved terms on an instance.
//!
//! Σ, Π and E are enumerated; gradients are forward-mode dual numbers, one
//! pass a component of the parameter vector. Every evaluation step counts
//! against [`Limits::max_ops`], so an enumeration too large to finish is a
//! reported bound, not a hang.

pub mod quadrature;

pub use quadrature::{gauss_hermite, COMPONENTS, NODES};

use super::dual::Dual;
use super::instance::{Instance, Limits, Slot};
use crate::resolve::{
    BigDomain, DefInput, Field, FunKind, Input, ParamId, Program, SetKind, Term, VarId,
};
use crate::syntax::ast::{BigOp, Func};
use num_traits::ToPrimitive;
use rand::RngExt;
use rand_xoshiro::Xoshiro256PlusPlus;

/// The value of a term: a number or a gradient vector.
#[derive(Clone, Debug, PartialEq)]
pub enum Val {
    /// A number, with its derivative along the current direction.
    S(Dual),
    /// A vector (only outside a derivative pass): each component a value
    /// with its error bound (no derivative).
    V(Vec<Dual>),
}

impl Val {
    /// Whether every component is finite and known to some digits (its
    /// error bound is finite).
    pub fn is_finite(&self) -> bool {
        match self {
            Val::S(d) => d.is_finite() && d.is_bounded(),
            Val::V(v) => v.iter().all(|x| x.is_finite() && x.is_bounded()),
        }
    }

    /// The plain value, for reports.
    pub fn to_value(&self) -> crate::verdict::Value {
        match self {
            Val::S(d) => crate::verdict::Value::Scalar(d.v),
            Val::V(v) => crate::verdict::Value::Vector(v.iter().map(|x| x.v).collect()),
        }
    }

    /// The components, a number broadcast to `n` of them.
    pub fn components(&self, n: usize) -> Vec<Dual> {
        match self {
            Val::S(d) => vec![Dual::with_error(d.v, d.e); n],
            Val::V(x) => x.clone(),
        }
    }

    /// How many components: 1 for a number.
    pub fn width(&self) -> usize {
        match self {
            Val::S(_) => 1,
            Val::V(x) => x.len(),
        }
    }
}

/// Why evaluation stopped.
#[derive(Clone, Debug, PartialEq)]
pub enum EvalError {
    /// More than [`Limits::max_ops`] steps.
    Budget(u64),
    /// A derivative inside a derivative.
    Nested,
    /// Something the numeric engine cannot evaluate, with the reason.
    Unsupported(String),
    /// The term has no value on this instance (the log of a negative
    /// number, a division by zero), with the reason.
    Undefined(String),
}

impl EvalError {
    /// A sentence for an `unknown` verdict.
    pub fn reason(&self) -> String {
        match self {
            EvalError::Budget(n) => format!(
                "exact evaluation needs more than {n} operations on a random instance (the enumeration is too large)"
            ),
            EvalError::Nested => "second derivatives are beyond the numeric engine".into(),
            EvalError::Unsupported(s) | EvalError::Undefined(s) => s.clone(),
        }
    }
}

/// An evaluation that failed, as the reason of an undecided step: a work
/// bound, a construct the engine cannot evaluate, or no value.
impl From<EvalError> for crate::verdict::Reason {
    fn from(e: EvalError) -> Self {
        use crate::verdict::Reason;
        let text = e.reason();
        match e {
            EvalError::Budget(_) => Reason::Budget(text),
            EvalError::Nested | EvalError::Unsupported(_) => Reason::Unsupported(text),
            EvalError::Undefined(_) => Reason::Domain(text),
        }
    }
}

type E<T> = Result<T, EvalError>;

/// The prepared distribution of one sample family.
#[derive(Clone, Debug)]
pub struct SampleTable {
    /// The first index.
    pub lo: i64,
    /// How many draws.
    pub n: usize,
    /// Cumulative weights over the family's set.
    pub cumulative: Vec<f64>,
}

/// Evaluates terms on one instance.
pub struct Evaluator<'a> {
    prog: &'a Program,
    inst: &'a Instance,
    env: Vec<Slot>,
    alias: Vec<ParamId>,
    dir: Option<(ParamId, usize)>,
    ops: u64,
    limits: Limits,
    /// Draws of each sample family, and the first index.
    samples: Vec<(i64, Vec<usize>)>,
    /// The log-normaliser of the last distribution row evaluated: the
    /// function, the row's first entry and the derivative direction, the
    /// continuous inputs, and the value.
    last_lse: Option<LseKey>,
    /// A buffer for one row of logits.
    zs: Vec<Dual>,
    /// The largest estimated relative error of an integral evaluated so
    /// far (the difference of the two quadrature rules against the sum of
    /// the absolute terms).
    pub quadrature_error: f64,
    /// Whether an integral was evaluated by quadrature.
    pub quadrature_used: bool,
    /// Whether the integrand last looked at has a normal density whose
    /// variance is not positive on this instance.
    variance_not_positive: bool,
}

type LseKey = ((usize, usize, Option<(ParamId, usize)>), Vec<Dual>, Dual);

fn unsupported<T>(s: impl Into<String>) -> E<T> {
    Err(EvalError::Unsupported(s.into()))
}

fn undefined<T>(s: &str) -> E<T> {
    Err(EvalError::Undefined(s.into()))
}

/// A value whose bound does not decide which side of zero it lies on: not
/// known to any digit, so the instance says nothing (it is redrawn).
const UNKNOWN_SIGN: Dual = Dual {
    v: f64::NAN,
    d: 0.0,
    e: f64::INFINITY,
    de: f64::INFINITY,
};

/// Integers up to this size are exact in `f64`.
const EXACT_INT: f64 = 9_007_199_254_740_992.0;

/// An exact number as an `f64` with its rounding error: none for integers
/// that fit, half a unit in the last place otherwise.
pub fn number(r: &num_rational::BigRational) -> Dual {
    let v = r.to_f64().unwrap_or(f64::NAN);
    if r.is_integer() && v.abs() <= EXACT_INT {
        Dual::constant(v)
    } else {
        Dual::with_error(v, crate::numeric::dual::UNIT * v.abs())
    }
}

impl<'a> Evaluator<'a> {
    /// An evaluator with the instance's free variables bound.
    pub fn new(prog: &'a Program, inst: &'a Instance, limits: Limits) -> Self {
        Evaluator {
            prog,
            inst,
            env: inst.free.clone(),
            alias: (0..prog.params.len()).collect(),
            dir: None,
            ops: 0,
            limits,
            samples: vec![(1, vec![]); prog.samples.len()],
            last_lse: None,
            zs: Vec::new(),
            quadrature_error: 0.0,
            quadrature_used: false,
            variance_not_positive: false,
        }
    }

    /// Operations counted since the last reset.
    pub fn ops(&self) -> u64 {
        self.ops
    }

    /// Start counting operations afresh (one budget a side).
    pub fn reset_budget(&mut self) {
        self.ops = 0;
    }

    /// The draws of every sample family, for reports.
    pub fn drawn(&self) -> &[(i64, Vec<usize>)] {
        &self.samples
    }

    /// Draw every sample family from its distribution.
    pub fn draw_samples(&mut self, rng: &mut Xoshiro256PlusPlus) -> E<()> {
        let tables = self.sample_tables()?;
        self.resample(&tables, rng);
        Ok(())
    }

    /// The cumulative weights of every sample family's distribution, and
    /// its first index and number of draws, for [`Evaluator::resample`].
    pub fn sample_tables(&mut self) -> E<Vec<SampleTable>> {
        let mut out = Vec::with_capacity(self.prog.samples.len());
        for fam in &self.prog.samples {
            let lo = self.int(&fam.lo)?;
            let hi = self.int(&fam.hi)?;
            let n = (hi - lo + 1).max(0);
            if n > self.limits.max_range {
                return unsupported(format!("more than {} draws", self.limits.max_range));
            }
            let size = self.inst.set_sizes[fam.set];
            let mut cumulative = Vec::with_capacity(size);
            let mut total = 0.0;
            let mut check = DistCheck::new(self.prog, &fam.dist);
            for x in 0..size {
                let saved = self.env[fam.dist.var];
                self.env[fam.dist.var] = Slot::Elem(x);
                let w = self.scalar(&fam.dist.weight);
                self.env[fam.dist.var] = saved;
                let w = w?;
                check.push(w);
                total += w.v.max(0.0);
                cumulative.push(total);
            }
            check.finish(self.prog, &fam.dist)?;
            out.push(SampleTable {
                lo,
                n: n as usize,
                cumulative,
            });
        }
        Ok(out)
    }

    /// Draw every sample family afresh from prepared tables.
    pub fn resample(&mut self, tables: &[SampleTable], rng: &mut Xoshiro256PlusPlus) {
        for (k, t) in tables.iter().enumerate() {
            let total = t.cumulative.last().copied().unwrap_or(0.0);
            let last = t.cumulative.len().saturating_sub(1);
            let draws = &mut self.samples[k];
            draws.0 = t.lo;
            draws.1.clear();
            for _ in 0..t.n {
                let u = rng.random::<f64>() * total;
                draws
                    .1
                    .push(t.cumulative.partition_point(|&c| c <= u).min(last));
            }
        }
    }

    fn tick(&mut self) -> E<()> {
        self.ops += 1;
        if self.ops > self.limits.max_ops {
            return Err(EvalError::Budget(self.limits.max_ops));
        }
        Ok(())
    }

    fn param_component(&self, p: ParamId, k: usize) -> Dual {
        let q = self.alias[p];
        Dual::exact(
            self.inst.params[q][k],
            if self.dir == Some((q, k)) { 1.0 } else { 0.0 },
        )
    }

    /// Evaluate to a number (a vector is an error).
    pub fn scalar(&mut self, t: &Term) -> E<Dual> {
        match self.eval(t)? {
            Val::S(d) => Ok(d),
            Val::V(_) => unsupported("a gradient vector where a number is needed"),
        }
    }

    fn int(&mut self, t: &Term) -> E<i64> {
        let d = self.scalar(t)?;
        let r = d.v.round();
        if !r.is_finite() || r.abs() > 1e12 || (d.v - r).abs() > d.e {
            return unsupported(format!("an index evaluated to {}, not an integer", d.v));
        }
        if d.e >= 0.5 {
            return unsupported("an index could not be computed exactly");
        }
        Ok(r as i64)
    }

    /// Evaluate a term.
    pub fn eval(&mut self, t: &Term) -> E<Val> {
        self.tick()?;
        Ok(match t {
            Term::Num(r) => Val::S(number(r)),
            Term::Param(p) => {
                if self.inst.dim != 1 {
                    return unsupported("a parameter vector used as a number");
                }
                Val::S(self.param_component(*p, 0))
            }
            // The number π of the normal density: rounded to f64.
            Term::Const(c) if self.prog.pi == Some(*c) => Val::S(Dual::with_error(
                std::f64::consts::PI,
                super::dual::UNIT * std::f64::consts::PI,
            )),
            Term::Const(c) => Val::S(Dual::with_error(
                self.inst.consts[*c],
                self.inst.const_err.get(*c).copied().unwrap_or(0.0),
            )),
            Term::Var(v) => match self.env[*v] {
                Slot::Num(d) => Val::S(d),
                Slot::Elem(_) => return unsupported("a set element used as a number"),
                Slot::Empty => {
                    return unsupported(format!("`{}` has no value", self.prog.vars[*v].name))
                }
            },
            Term::Component { .. } | Term::Sample { .. } => {
                return unsupported("a set element used as a number")
            }
            Term::Call { fun, .. } if self.prog.funs[*fun].kind == FunKind::Vector => {
                Val::V(self.vector(t)?.into_iter().map(vector_factor).collect())
            }
            Term::ParamVector(_) => {
                Val::V(self.vector(t)?.into_iter().map(vector_factor).collect())
            }
            Term::Inner(a, b) => {
                let (a, b) = (self.vector(a)?, self.vector(b)?);
                Val::S(dot(&a, &b))
            }
            Term::Call { fun, args } => Val::S(self.call(*fun, args)?),
            Term::DefCall { def, args } => self.def_call(*def, args, Self::eval)?,
            Term::Add(a, b) => {
                let (a, b) = (self.eval(a)?, self.eval(b)?);
                add(a, b)?
            }
            Term::Sub(a, b) => {
                let (a, b) = (self.eval(a)?, self.eval(b)?);
                add(a, neg(b))?
            }
            Term::Mul(a, b) => {
                let (a, b) = (self.eval(a)?, self.eval(b)?);
                mul(a, b)?
            }
            Term::Div(a, b) => {
                let a = self.eval(a)?;
                let b = self.scalar(b).map_err(|e| match e {
                    EvalError::Unsupported(_) => {
                        EvalError::Unsupported("division by a gradient vector".into())
                    }
                    e => e,
                })?;
                let inv = if b.v == 0.0 && b.e == 0.0 {
                    return undefined("a division by zero");
                } else if b.v.abs() <= b.e {
                    UNKNOWN_SIGN
                } else {
                    b.recip()
                };
                match a {
                    Val::S(x) => Val::S(x * inv),
                    Val::V(v) => Val::V(v.into_iter().map(|x| x * vector_factor(inv)).collect()),
                }
            }
            Term::Neg(a) => neg(self.eval(a)?),
            Term::Pow(a, b) => {
                let (a, b) = (self.scalar(a)?, self.scalar(b)?);
                Val::S(power(a, b)?)
            }
            Term::Func(f, a) => {
                let a = self.scalar(a)?;
                Val::S(match f {
                    Func::Log if a.v + a.e <= 0.0 => return undefined("the log of a number ≤ 0"),
                    Func::Log if a.v <= a.e => UNKNOWN_SIGN,
                    Func::Log => a.ln(),
                    Func::Exp => a.exp(),
                    Func::Sqrt if a.v + a.e < 0.0 => {
                        return undefined("the square root of a negative number")
                    }
                    Func::Sqrt if a.v < 0.0 => UNKNOWN_SIGN,
                    Func::Sqrt => a.sqrt(),
                })
            }
            Term::Abs(a) => Val::S(self.scalar(a)?.abs()),
            Term::Grad { param, body } => {
                if self.dir.is_some() {
                    return Err(EvalError::Nested);
                }
                let q = self.alias[*param];
                let mut comps = vec![Dual::constant(0.0); self.inst.dim];
                for (k, c) in comps.iter_mut().enumerate() {
                    self.dir = Some((q, k));
                    let v = self.eval(body);
                    self.dir = None;
                    match v? {
                        Val::S(d) => *c = Dual::with_error(d.d, d.de),
                        Val::V(_) => return Err(EvalError::Nested),
                    }
                }
                Val::V(comps)
            }
            Term::Big {
                var,
                domain: BigDomain::Real,
                body,
                ..
            } => self.integral(*var, &[body], &mut |ev| ev.eval(body))?,
            Term::Expect { dist, body } if dist.set.is_none() => {
                let weight = &dist.weight;
                self.integral(dist.var, &[weight, body], &mut |ev| {
                    let w = ev.scalar(weight)?;
                    let b = ev.eval(body)?;
                    mul(Val::S(w), b)
                })?
            }
            Term::Big {
                op,
                var,
                domain,
                body,
            } => {
                let values = self.values(domain)?;
                let mut acc = Val::S(Dual::constant(if *op == BigOp::Sum { 0.0 } else { 1.0 }));
                let saved = self.env[*var];
                for x in values {
                    self.env[*var] = x;
                    let b = self.eval(body);
                    let b = match b {
                        Ok(b) => b,
                        Err(e) => {
                            self.env[*var] = saved;
                            return Err(e);
                        }
                    };
                    acc = match op {
                        BigOp::Sum | BigOp::Integral => add(acc, b)?,
                        BigOp::Prod => match (acc, b) {
                            (Val::S(a), Val::S(b)) => Val::S(a * b),
                            _ => {
                                self.env[*var] = saved;
                                return unsupported("a product of gradient vectors");
                            }
                        },
                    };
                }
                self.env[*var] = saved;
                acc
            }
            Term::Expect { dist, body } => {
                let mut acc = Val::S(Dual::constant(0.0));
                self.each_draw(dist, |ev, w| {
                    let term = mul(Val::S(w), ev.eval(body)?)?;
                    acc = add(
                        std::mem::replace(&mut acc, Val::S(Dual::constant(0.0))),
                        term,
                    )?;
                    Ok(())
                })?;
                acc
            }
        })
    }

    /// The element a term denotes.
    pub fn elem(&mut self, t: &Term) -> E<usize> {
        self.tick()?;
        match t {
            Term::Var(v) => match self.env[*v] {
                Slot::Elem(x) => Ok(x),
                _ => unsupported(format!(
                    "`{}` has no element value",
                    self.prog.vars[*v].name
                )),
            },
            Term::Sample { family, index } => {
                let k = self.int(index)?;
                let (lo, draws) = &self.samples[*family];
                let pos = k - lo;
                if pos < 0 || pos as usize >= draws.len() {
                    let name = &self.prog.samples[*family].name;
                    return unsupported(format!(
                        "draw {k} of `{name}` is outside the {} declared draws",
                        draws.len()
                    ));
                }
                Ok(draws[pos as usize])
            }
            Term::Component { traj, field, time } => {
                let x = self.elem(&Term::Var(*traj))?;
                let t = self.int(time)?;
                let set = match self.prog.vars[*traj].domain {
                    crate::resolve::VarDomain::Set(s) => s,
                    _ => return unsupported("a component of something not a trajectory"),
                };
                let SetKind::Traj {
                    states,
                    actions,
                    horizon,
                } = self.prog.sets[set].kind
                else {
                    return unsupported("a component of something not a trajectory");
                };
                let h = self.inst.consts[horizon] as i64;
                if t < 0 || t >= h {
                    return unsupported(format!(
                        "time {t} is outside the horizon 0..{} of this instance",
                        h - 1
                    ));
                }
                let na = self.inst.set_sizes[actions].max(1);
                let per = (self.inst.set_sizes[states] * na).max(1);
                let q = (x / per.pow(t as u32)) % per;
                Ok(match field {
                    Field::State => q / na,
                    Field::Action => q % na,
                })
            }
            _ => unsupported("a number used as a set element"),
        }
    }

    /// Apply a declared function to argument terms.
    fn call(&mut self, fun: usize, args: &[Term]) -> E<Dual> {
        let info = &self.prog.funs[fun];
        if let FunKind::Dist(k) = info.kind {
            if info.inputs[k] == Input::Real {
                // A density over ℝ: a normal mixture at the drawn value.
                let x = self.scalar(&args[k])?;
                let (elems, u) = self.inputs(fun, args, true)?;
                let row = self.row_of(fun, &elems);
                return Ok(self.density(fun, row, &u, x));
            }
        }
        let (elems, u) = self.inputs(fun, args, false)?;
        self.fun_value(fun, &elems, &u)
    }

    /// A function's inputs: the elements of its set inputs, and its
    /// continuous inputs (the drawn variable of a density left out when
    /// `skip_drawn`).
    fn inputs(
        &mut self,
        fun: usize,
        args: &[Term],
        skip_drawn: bool,
    ) -> E<(Vec<usize>, Vec<Dual>)> {
        let info = &self.prog.funs[fun];
        let drawn = match info.kind {
            FunKind::Dist(k) if skip_drawn => Some(k),
            _ => None,
        };
        let mut elems = Vec::with_capacity(args.len());
        let mut u = Vec::new();
        for (j, (input, arg)) in info.inputs.iter().zip(args).enumerate() {
            match input {
                Input::Set(_) => elems.push(self.elem(arg)?),
                Input::Param(_) => {
                    let Term::Param(p) = arg else {
                        return unsupported("a parameter input needs a parameter");
                    };
                    for k in 0..self.inst.dim {
                        u.push(self.param_component(*p, k));
                    }
                }
                Input::Real if drawn == Some(j) => {}
                Input::Real => u.push(self.scalar(arg)?),
            }
        }
        Ok((elems, u))
    }

    /// The table row of a function's set inputs `elems`.
    fn row_of(&self, fun: usize, elems: &[usize]) -> usize {
        let table = &self.inst.tables[fun];
        let (mut row, mut stride) = (0, 1);
        for (x, n) in elems.iter().zip(&table.radix) {
            row += x * stride;
            stride *= n;
        }
        row
    }

    /// A function's value at set elements `elems` (one per set input, in
    /// order) and continuous inputs `u`.
    pub fn fun_value(&mut self, fun: usize, elems: &[usize], u: &[Dual]) -> E<Dual> {
        let info = &self.prog.funs[fun];
        let table = &self.inst.tables[fun];
        let mut row = 0;
        let mut stride = 1;
        let mut dist_stride = None;
        let mut set_pos = 0;
        for (k, input) in info.inputs.iter().enumerate() {
            if let Input::Set(_) = input {
                let x = elems[set_pos];
                if info.kind == FunKind::Dist(k) {
                    dist_stride = Some((stride, x, table.radix[set_pos]));
                }
                row += x * stride;
                stride *= table.radix[set_pos];
                set_pos += 1;
            }
        }
        // A row's value costs in proportion to its continuous inputs.
        self.ops += table.cont as u64;
        match info.kind {
            FunKind::Real => Ok(table.z(row, u)),
            FunKind::Vector => unsupported("a vector function where a number is needed"),
            FunKind::Positive => Ok(table.z(row, u).exp()),
            FunKind::Dist(_) => {
                let Some((stride, x, n)) = dist_stride else {
                    return unsupported("a distribution without its variable");
                };
                let base = row - x * stride;
                let key = (fun, base, self.dir);
                let lse = match &self.last_lse {
                    Some((k, at, lse)) if *k == key && at.as_slice() == u => *lse,
                    _ => {
                        // One normaliser a row of the table: a sum over the
                        // set calls the same distribution once an element.
                        self.ops += (n * (1 + table.cont)) as u64;
                        let mut zs = std::mem::take(&mut self.zs);
                        zs.clear();
                        zs.extend((0..n).map(|y| table.z(base + y * stride, u)));
                        let m = zs.iter().fold(f64::NEG_INFINITY, |m, z| m.max(z.v));
                        let mut sum = Dual::constant(0.0);
                        for z in &zs {
                            sum = sum + (*z - Dual::constant(m)).exp();
                        }
                        self.zs = zs;
                        let lse = Dual::constant(m) + sum.ln();
                        self.last_lse = Some((key, u.to_vec(), lse));
                        lse
                    }
                };
                Ok((table.z(row, u) - lse).exp())
            }
        }
    }

    fn def_call<T>(
        &mut self,
        def: usize,
        args: &[Term],
        body: impl FnOnce(&mut Self, &Term) -> E<T>,
    ) -> E<T> {
        let info = &self.prog.defs[def];
        // Evaluate arguments in the caller's context first.
        let mut binds: Vec<(VarId, Slot)> = Vec::new();
        let mut aliases: Vec<(ParamId, ParamId)> = Vec::new();
        for (input, arg) in info.inputs.iter().zip(args) {
            match input {
                DefInput::Param(q) => {
                    let Term::Param(p) = arg else {
                        return unsupported("a parameter input needs a parameter");
                    };
                    aliases.push((*q, self.alias[*p]));
                }
                DefInput::Var(v) => {
                    let slot = match self.prog.vars[*v].domain {
                        crate::resolve::VarDomain::Set(_) => Slot::Elem(self.elem(arg)?),
                        _ => Slot::Num(self.scalar(arg)?),
                    };
                    binds.push((*v, slot));
                }
            }
        }
        let saved_env: Vec<(VarId, Slot)> = binds.iter().map(|(v, _)| (*v, self.env[*v])).collect();
        for (v, s) in binds {
            self.env[v] = s;
        }
        // Parameters are lexical: the body sees its parameter inputs as
        // the parameters passed and every other parameter as itself.
        let saved_alias = crate::resolve::enter_body(&mut self.alias, &aliases);
        let r = body(self, &info.body);
        for (v, s) in saved_env.into_iter().rev() {
            self.env[v] = s;
        }
        if let Some(saved) = saved_alias {
            self.alias = saved;
        }
        r
    }
}

impl Evaluator<'_> {
    /// Evaluate a vector-valued term to its components, each with its
    /// derivative along the current direction (an inner product inside a
    /// gradient needs them: ∇_θ ⟨θ, v⟩ = v).
    pub fn vector(&mut self, t: &Term) -> E<Vec<Dual>> {
        self.tick()?;
        let dim = self.inst.dim;
        let zero = || vec![Dual::constant(0.0); dim];
        Ok(match t {
            Term::ParamVector(p) => (0..dim).map(|k| self.param_component(*p, k)).collect(),
            Term::Call { fun, args } if self.prog.funs[*fun].kind == FunKind::Vector => {
                let info = &self.prog.funs[*fun];
                let mut elems = Vec::with_capacity(args.len());
                let mut u = Vec::new();
                for (input, arg) in info.inputs.iter().zip(args) {
                    match input {
                        Input::Set(_) => elems.push(self.elem(arg)?),
                        Input::Real => u.push(self.scalar(arg)?),
                        Input::Param(_) => {
                            return unsupported("a vector function of a parameter");
                        }
                    }
                }
                (0..dim)
                    .map(|k| self.vector_component(*fun, &elems, &u, k))
                    .collect()
            }
            Term::DefCall { def, args } if self.prog.defs[*def].vector => {
                self.def_call(*def, args, Self::vector)?
            }
            Term::Num(n) if num_traits::Zero::is_zero(n) => zero(),
            Term::Add(a, b) | Term::Sub(a, b) => {
                let (x, y) = (self.vector(a)?, self.vector(b)?);
                let minus = matches!(t, Term::Sub(..));
                x.iter()
                    .zip(&y)
                    .map(|(a, b)| if minus { *a - *b } else { *a + *b })
                    .collect()
            }
            Term::Neg(a) => self.vector(a)?.into_iter().map(|x| -x).collect(),
            Term::Mul(a, b) => {
                let (s, v) = if vector_shaped(self.prog, a) {
                    (b, a)
                } else {
                    (a, b)
                };
                let s = self.scalar(s)?;
                self.vector(v)?.into_iter().map(|x| x * s).collect()
            }
            Term::Div(a, b) => {
                let d = self.scalar(b)?;
                if d.v == 0.0 && d.e == 0.0 {
                    return undefined("a division by zero");
                }
                let inv = if d.v.abs() <= d.e {
                    UNKNOWN_SIGN
                } else {
                    d.recip()
                };
                self.vector(a)?.into_iter().map(|x| x * inv).collect()
            }
            Term::Big {
                op: BigOp::Sum,
                var,
                domain,
                body,
            } => {
                let values = self.values(domain)?;
                let saved = self.env[*var];
                let mut acc = zero();
                for x in values {
                    self.env[*var] = x;
                    match self.vector(body) {
                        Ok(v) => acc.iter_mut().zip(v).for_each(|(a, b)| *a = *a + b),
                        Err(e) => {
                            self.env[*var] = saved;
                            return Err(e);
                        }
                    }
                }
                self.env[*var] = saved;
                acc
            }
            Term::Expect { dist, body } => {
                let mut acc = zero();
                self.each_draw(dist, |ev, w| {
                    let v = ev.vector(body)?;
                    acc.iter_mut().zip(v).for_each(|(a, b)| *a = *a + w * b);
                    Ok(())
                })?;
                acc
            }
            Term::Grad { .. } => match self.eval(t)? {
                Val::V(v) => v,
                Val::S(_) => return unsupported("a gradient that is not a vector"),
            },
            _ => return unsupported("a number where a vector is needed"),
        })
    }

    /// Call `f` with the weight of each value of an expectation's drawn
    /// variable, bound to that value; the weights must make a
    /// distribution (see [`DistCheck`]).
    fn each_draw(
        &mut self,
        dist: &crate::resolve::Dist,
        mut f: impl FnMut(&mut Self, Dual) -> E<()>,
    ) -> E<()> {
        let saved = self.env[dist.var];
        let mut check = DistCheck::new(self.prog, dist);
        let size = dist.set.map_or(0, |s| self.inst.set_sizes[s]);
        for x in 0..size {
            self.env[dist.var] = Slot::Elem(x);
            let r = self.scalar(&dist.weight).and_then(|w| {
                check.push(w);
                f(self, w)
            });
            if let Err(e) = r {
                self.env[dist.var] = saved;
                return Err(e);
            }
        }
        self.env[dist.var] = saved;
        check.finish(self.prog, dist)
    }

    /// The values a Σ or Π's variable takes.
    fn values(&mut self, domain: &BigDomain) -> E<Vec<Slot>> {
        Ok(match domain {
            BigDomain::Set(s) => (0..self.inst.set_sizes[*s]).map(Slot::Elem).collect(),
            BigDomain::Real => return unsupported("an integral as a finite sum"),
            BigDomain::Range(lo, hi) => {
                let (lo, hi) = (self.int(lo)?, self.int(hi)?);
                if hi - lo >= self.limits.max_range {
                    return unsupported(format!(
                        "a range of {} integers exceeds the bound of {}",
                        hi - lo + 1,
                        self.limits.max_range
                    ));
                }
                (lo..=hi)
                    .map(|k| Slot::Num(Dual::constant(k as f64)))
                    .collect()
            }
        })
    }

    /// Component `k` of a vector function at set elements `elems` and
    /// continuous inputs `u`: the table holds one row a component, the
    /// component the last (hidden) set input.
    pub fn vector_component(&mut self, fun: usize, elems: &[usize], u: &[Dual], k: usize) -> Dual {
        let table = &self.inst.tables[fun];
        let mut row = 0;
        let mut stride = 1;
        for (x, n) in elems.iter().zip(&table.radix) {
            row += x * stride;
            stride *= n;
        }
        self.ops += 1 + table.cont as u64;
        table.z(row + k * stride, u)
    }
}

/// Whether a term is a vector by its form: a parameter used as a vector, a
/// vector function or definition, a gradient, or linear combinations of
/// them, Σ and E included (the resolver's shapes, read back).
pub fn vector_shaped(prog: &Program, t: &Term) -> bool {
    match t {
        Term::ParamVector(_) | Term::Grad { .. } => true,
        Term::Call { fun, .. } => prog.funs[*fun].kind == FunKind::Vector,
        Term::DefCall { def, .. } => prog.defs[*def].vector,
        Term::Add(a, b) | Term::Sub(a, b) | Term::Mul(a, b) => {
            vector_shaped(prog, a) || vector_shaped(prog, b)
        }
        Term::Div(a, _) | Term::Neg(a) => vector_shaped(prog, a),
        Term::Big {
            op: BigOp::Sum,
            body,
            ..
        }
        | Term::Expect { body, .. } => vector_shaped(prog, body),
        _ => false,
    }
}

/// `Σ_k a_k b_k`.
fn dot(a: &[Dual], b: &[Dual]) -> Dual {
    a.iter()
        .zip(b)
        .fold(Dual::constant(0.0), |acc, (x, y)| acc + *x * *y)
}

/// `a ^ b`, with the domain of the power: a negative base takes only
/// integer exponents, a zero base only positive ones.
fn power(a: Dual, b: Dual) -> E<Dual> {
    let integer = b.d == 0.0 && b.de == 0.0 && b.e == 0.0 && b.v.fract() == 0.0;
    if integer && b.v.abs() <= 1024.0 {
        if b.v < 0.0 {
            if a.v == 0.0 && a.e == 0.0 {
                return undefined("a negative power of zero");
            }
            if a.v.abs() <= a.e {
                return Ok(UNKNOWN_SIGN);
            }
        }
        return Ok(a.powi(b.v as i32));
    }
    if a.v == 0.0 && a.e == 0.0 {
        return if b.v > b.e {
            Ok(a.pow(b))
        } else if b.v + b.e <= 0.0 {
            undefined("a power of zero with an exponent ≤ 0")
        } else {
            Ok(UNKNOWN_SIGN)
        };
    }
    if a.v + a.e < 0.0 {
        return undefined("a power of a negative number with an exponent that is not an integer");
    }
    if a.v <= a.e {
        return Ok(UNKNOWN_SIGN);
    }
    Ok(a.pow(b))
}

/// A number as a factor of a vector's components: its value and error
/// (vectors carry no derivative).
fn vector_factor(s: Dual) -> Dual {
    Dual::with_error(s.v, s.e)
}

fn add(a: Val, b: Val) -> E<Val> {
    Ok(match (a, b) {
        (Val::S(x), Val::S(y)) => Val::S(x + y),
        (Val::V(x), Val::V(y)) if x.len() == y.len() => {
            Val::V(x.iter().zip(&y).map(|(a, b)| *a + *b).collect())
        }
        // The number 0 is also the zero vector.
        (Val::S(z), Val::V(v)) | (Val::V(v), Val::S(z))
            if z.v == 0.0 && z.d == 0.0 && z.e == 0.0 =>
        {
            Val::V(v)
        }
        _ => return unsupported("a number added to a gradient vector"),
    })
}

fn neg(a: Val) -> Val {
    match a {
        Val::S(x) => Val::S(-x),
        Val::V(v) => Val::V(v.into_iter().map(|x| -x).collect()),
    }
}

fn mul(a: Val, b: Val) -> E<Val> {
    Ok(match (a, b) {
        (Val::S(x), Val::S(y)) => Val::S(x * y),
        (Val::S(s), Val::V(v)) | (Val::V(v), Val::S(s)) => {
            let s = vector_factor(s);
            Val::V(v.into_iter().map(|x| x * s).collect())
        }
        (Val::V(_), Val::V(_)) => return unsupported("a product of two gradient vectors"),
    })
}

/// For a draw from a definition (`E_{y~π_opt(·|x)}`, `sample τ_i ~ q`):
/// its weights over the set must be a distribution on the instance —
/// non-negative and summing to 1 — or the expectation means nothing. A
/// declared distribution is one by construction and is not checked.
struct DistCheck {
    active: bool,
    total: Dual,
    negative: bool,
}

impl DistCheck {
    fn new(prog: &Program, dist: &crate::resolve::Dist) -> Self {
        let declared = match &*dist.weight {
            Term::Call { fun, .. } => matches!(prog.funs[*fun].kind, FunKind::Dist(_)),
            Term::DefCall { def, .. } => prog.defs[*def].distribution,
            _ => false,
        };
        DistCheck {
            active: !declared,
            total: Dual::constant(0.0),
            negative: false,
        }
    }

    fn push(&mut self, w: Dual) {
        if self.active {
            self.negative |= w.v + 8.0 * w.e < 0.0;
            self.total = self.total + Dual::with_error(w.v, w.e);
        }
    }

    fn finish(&self, prog: &Program, dist: &crate::resolve::Dist) -> E<()> {
        if !self.active {
            return Ok(());
        }
        let name = match &*dist.weight {
            Term::DefCall { def, .. } => prog.defs[*def].name.as_str(),
            _ => "the weight",
        };
        if self.negative {
            return unsupported(format!(
                "`{name}` is drawn from, but it takes a negative value on a random instance, so it is not a distribution"
            ));
        }
        if (self.total.v - 1.0).abs() > 8.0 * self.total.e + 1e-12 {
            return unsupported(format!(
                "`{name}` is drawn from, but its values sum to {} on a random instance, not 1, so it is not a distribution",
                self.total.v
            ));
        }
        Ok(())
    }
}
