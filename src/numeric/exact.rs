//! Exact arithmetic on closed rational terms: numbers combined by `+ − · /`,
//! integer powers and `|·|`, definitions of such terms, and Σ/Π over short
//! ranges of literal integers.
//!
//! A step whose two sides are both closed rational terms is decided
//! exactly, not on floating-point instances: `1 = 1.000000001` and
//! `2^200 ≥ 2^200 + 1` are refuted. Inside other terms, each largest closed
//! rational sub-term is computed exactly and rounded once ([`fold`]), so
//! `x + (10^20 + 1 − 10^20)` is `x + 1`. [`extreme_constant`] finds
//! constants too small or too large for floating point to tell apart from
//! what they are added to; with one in a step, the numeric engine may
//! refute but not confirm.

use crate::resolve::{BigDomain, DefInput, Program, Term, VarId};
use crate::syntax::ast::{BigOp, Func};
use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::{One, Signed, ToPrimitive, Zero};
use std::collections::HashMap;

/// The exact value of a closed term.
#[derive(Clone, Debug, PartialEq)]
pub enum Exact {
    /// A rational number.
    Value(BigRational),
    /// No value (a division by zero, a negative power of zero), why.
    Undefined(&'static str),
}

/// Largest numerator or denominator, in bits, of an exact value; past it
/// the term is left to floating point. Default: 4,096.
const MAX_BITS: u64 = 4096;
/// Most operations of one exact evaluation. Default: 20,000.
const MAX_OPS: usize = 20_000;
/// Longest range a Σ or Π is written out over. Default: 1,000.
const MAX_TERMS: i64 = 1000;

struct Eval<'p> {
    prog: &'p Program,
    env: HashMap<VarId, BigRational>,
    ops: usize,
}

/// The exact value of `t` if it is a closed rational term of moderate
/// size; `None` otherwise.
pub fn value(prog: &Program, t: &Term) -> Option<Exact> {
    let mut ev = Eval {
        prog,
        env: HashMap::new(),
        ops: 0,
    };
    match ev.eval(t) {
        Ok(q) => Some(Exact::Value(q)),
        Err(Stop::Undefined(why)) => Some(Exact::Undefined(why)),
        Err(Stop::NotExact) => None,
    }
}

enum Stop {
    NotExact,
    Undefined(&'static str),
}

fn bits(q: &BigRational) -> u64 {
    q.numer().bits().max(q.denom().bits())
}

impl Eval<'_> {
    fn eval(&mut self, t: &Term) -> Result<BigRational, Stop> {
        self.ops += 1;
        if self.ops > MAX_OPS {
            return Err(Stop::NotExact);
        }
        let q = match t {
            Term::Num(q) => q.clone(),
            Term::Var(v) => self.env.get(v).cloned().ok_or(Stop::NotExact)?,
            Term::Add(a, b) => self.eval(a)? + self.eval(b)?,
            Term::Sub(a, b) => self.eval(a)? - self.eval(b)?,
            Term::Mul(a, b) => self.eval(a)? * self.eval(b)?,
            Term::Div(a, b) => {
                let (a, b) = (self.eval(a)?, self.eval(b)?);
                if b.is_zero() {
                    return Err(Stop::Undefined("a division by zero"));
                }
                a / b
            }
            Term::Neg(a) => -self.eval(a)?,
            Term::Abs(a) => self.eval(a)?.abs(),
            Term::Pow(a, b) => {
                let (a, b) = (self.eval(a)?, self.eval(b)?);
                if !b.is_integer() {
                    return Err(Stop::NotExact);
                }
                let k = b.to_integer().to_i64().ok_or(Stop::NotExact)?;
                if a.is_zero() && k < 0 {
                    return Err(Stop::Undefined("a negative power of zero"));
                }
                if bits(&a).saturating_mul(k.unsigned_abs()) > MAX_BITS {
                    return Err(Stop::NotExact);
                }
                let p = num_traits::pow(a, k.unsigned_abs() as usize);
                if k < 0 {
                    p.recip()
                } else {
                    p
                }
            }
            Term::DefCall { def, args } => {
                let info = &self.prog.defs[*def];
                let mut bound = Vec::with_capacity(args.len());
                for (input, arg) in info.inputs.iter().zip(args) {
                    match input {
                        DefInput::Var(v) => bound.push((*v, self.eval(arg)?)),
                        DefInput::Param(_) => return Err(Stop::NotExact),
                    }
                }
                let saved: Vec<(VarId, Option<BigRational>)> = bound
                    .into_iter()
                    .map(|(v, q)| (v, self.env.insert(v, q)))
                    .collect();
                let r = self.eval(&info.body);
                for (v, old) in saved.into_iter().rev() {
                    match old {
                        Some(q) => self.env.insert(v, q),
                        None => self.env.remove(&v),
                    };
                }
                r?
            }
            Term::Big {
                op,
                var,
                domain: BigDomain::Range(lo, hi),
                body,
            } => {
                let (lo, hi) = (self.eval(lo)?, self.eval(hi)?);
                if !lo.is_integer() || !hi.is_integer() {
                    return Err(Stop::NotExact);
                }
                let (lo, hi) = (lo.to_integer(), hi.to_integer());
                let n = (&hi - &lo).to_i64().ok_or(Stop::NotExact)?;
                if n >= MAX_TERMS {
                    return Err(Stop::NotExact);
                }
                let mut acc = if *op == BigOp::Sum {
                    BigRational::zero()
                } else {
                    BigRational::one()
                };
                let saved = self.env.get(var).cloned();
                let mut k = lo;
                let mut r = Ok(());
                while k <= hi {
                    self.env.insert(*var, BigRational::from_integer(k.clone()));
                    match self.eval(body) {
                        Ok(x) if *op == BigOp::Sum => acc += x,
                        Ok(x) => acc *= x,
                        Err(e) => {
                            r = Err(e);
                            break;
                        }
                    }
                    k += BigInt::one();
                }
                match saved {
                    Some(q) => self.env.insert(*var, q),
                    None => self.env.remove(var),
                };
                r?;
                acc
            }
            _ => return Err(Stop::NotExact),
        };
        if bits(&q) > MAX_BITS {
            return Err(Stop::NotExact);
        }
        Ok(q)
    }
}

/// Whether `t` is a number or a name: folding it changes nothing.
fn is_leaf(t: &Term) -> bool {
    matches!(
        t,
        Term::Num(_) | Term::Param(_) | Term::Const(_) | Term::Var(_)
    )
}

/// `t` with each largest closed rational sub-term replaced by its exact
/// value, borrowed as it is when it has none (the usual case: no copy).
pub fn folded<'t>(prog: &Program, t: &'t Term) -> std::borrow::Cow<'t, Term> {
    let mut any = false;
    t.walk(&mut |x| any |= !any && !is_leaf(x) && matches!(value(prog, x), Some(Exact::Value(_))));
    if any {
        std::borrow::Cow::Owned(fold(prog, t))
    } else {
        std::borrow::Cow::Borrowed(t)
    }
}

/// `t` with each largest closed rational sub-term replaced by its exact
/// value (sub-terms without a value are left as they are).
pub fn fold(prog: &Program, t: &Term) -> Term {
    if !is_leaf(t) {
        if let Some(Exact::Value(q)) = value(prog, t) {
            return Term::Num(q);
        }
    }
    let f = |x: &Term| Box::new(fold(prog, x));
    match t {
        Term::Num(_) | Term::Param(_) | Term::ParamVector(_) | Term::Const(_) | Term::Var(_) => {
            t.clone()
        }
        Term::Inner(a, b) => Term::Inner(f(a), f(b)),
        Term::Component { traj, field, time } => Term::Component {
            traj: *traj,
            field: *field,
            time: f(time),
        },
        Term::Sample { family, index } => Term::Sample {
            family: *family,
            index: f(index),
        },
        Term::Call { fun, args } => Term::Call {
            fun: *fun,
            args: args.iter().map(|a| fold(prog, a)).collect(),
        },
        Term::DefCall { def, args } => Term::DefCall {
            def: *def,
            args: args.iter().map(|a| fold(prog, a)).collect(),
        },
        Term::Add(a, b) => Term::Add(f(a), f(b)),
        Term::Sub(a, b) => Term::Sub(f(a), f(b)),
        Term::Mul(a, b) => Term::Mul(f(a), f(b)),
        Term::Div(a, b) => Term::Div(f(a), f(b)),
        Term::Pow(a, b) => Term::Pow(f(a), f(b)),
        Term::Neg(a) => Term::Neg(f(a)),
        Term::Func(g, a) => Term::Func(*g, f(a)),
        Term::Abs(a) => Term::Abs(f(a)),
        Term::Grad { param, body } => Term::Grad {
            param: *param,
            body: f(body),
        },
        Term::Big {
            op,
            var,
            domain,
            body,
        } => Term::Big {
            op: *op,
            var: *var,
            domain: match domain {
                BigDomain::Set(s) => BigDomain::Set(*s),
                BigDomain::Range(lo, hi) => BigDomain::Range(f(lo), f(hi)),
                BigDomain::Real => BigDomain::Real,
            },
            body: f(body),
        },
        Term::Expect { dist, body } => Term::Expect {
            dist: crate::resolve::Dist {
                var: dist.var,
                set: dist.set,
                weight: f(&dist.weight),
            },
            body: f(body),
        },
    }
}

/// Non-zero constants smaller than this or larger than its inverse are
/// extreme: beyond what floating point can tell apart from the numbers
/// they are added to.
pub const EXTREME: f64 = 1e-12;

fn is_extreme(x: f64) -> bool {
    x != 0.0 && (x.abs() < EXTREME || x.abs() > 1.0 / EXTREME || !x.is_finite())
}

/// Whether a rational is written to more digits than floating point keeps
/// (a numerator or denominator past 10^12): `2.718281828459045` is not `e`,
/// but no double tells them apart.
fn is_fine(q: &BigRational) -> bool {
    let digits = |n: &BigInt| n.bits() > 40;
    digits(q.numer()) || digits(q.denom())
}

/// A constant in `t` (or in a definition it uses) of extreme size, or
/// written to more digits than floating point keeps — a closed rational
/// sub-term, or `exp`, `log` or `sqrt` of one — as text.
pub fn extreme_constant(prog: &Program, t: &Term) -> Option<String> {
    let mut seen = vec![false; prog.defs.len()];
    let mut found = None;
    scan(prog, t, &mut seen, &mut found);
    found
}

fn scan(prog: &Program, t: &Term, seen: &mut [bool], found: &mut Option<String>) {
    if found.is_some() {
        return;
    }
    match value(prog, t) {
        Some(Exact::Value(q)) => {
            let x = q.to_f64().unwrap_or(f64::INFINITY);
            if is_extreme(x) || is_fine(&q) {
                *found = Some(if is_fine(&q) && !is_extreme(x) {
                    format!("{x} (written to more digits than floating point keeps)")
                } else {
                    format!("{x:e}")
                });
            }
            return;
        }
        Some(Exact::Undefined(_)) => return,
        None => {}
    }
    if let Term::Func(g, a) = t {
        if let Some(Exact::Value(q)) = value(prog, a) {
            let a = q.to_f64().unwrap_or(f64::NAN);
            let x = match g {
                Func::Exp => a.exp(),
                Func::Log => a.ln(),
                Func::Sqrt => a.sqrt(),
            };
            if x.is_finite() && is_extreme(x) || a.is_finite() && x.is_infinite() {
                *found = Some(format!("{x:e}"));
            }
            return;
        }
    }
    if let Term::DefCall { def, .. } = t {
        if !seen[*def] {
            seen[*def] = true;
            scan(prog, &prog.defs[*def].body, seen, found);
        }
    }
    if let Term::Expect { dist, .. } = t {
        scan(prog, &dist.weight, seen, found);
    }
    let mut children: Vec<&Term> = Vec::new();
    match t {
        Term::Component { time, .. } => children.push(time),
        Term::Sample { index, .. } => children.push(index),
        Term::Call { args, .. } | Term::DefCall { args, .. } => children.extend(args),
        Term::Add(a, b)
        | Term::Sub(a, b)
        | Term::Mul(a, b)
        | Term::Div(a, b)
        | Term::Pow(a, b)
        | Term::Inner(a, b) => children.extend([&**a, &**b]),
        Term::Neg(a) | Term::Func(_, a) | Term::Abs(a) => children.push(a),
        Term::Grad { body, .. } | Term::Expect { body, .. } => children.push(body),
        Term::Big { domain, body, .. } => {
            if let BigDomain::Range(lo, hi) = domain {
                children.extend([&**lo, &**hi]);
            }
            children.push(body);
        }
        Term::Num(_) | Term::Param(_) | Term::ParamVector(_) | Term::Const(_) | Term::Var(_) => {}
    }
    for c in children {
        scan(prog, c, seen, found);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sides(text: &str) -> (Program, Term, Term) {
        let (p, _) = crate::resolve::resolve_text(text);
        assert!(p.errors.is_empty(), "{:?}", p.errors);
        let c = p.chains[0].clone();
        (p, c.start.term, c.steps[0].expr.term.clone())
    }

    fn q(n: i64, d: i64) -> Exact {
        Exact::Value(BigRational::new(n.into(), d.into()))
    }

    #[test]
    fn closed_rational_terms_are_exact() {
        let (p, l, r) = sides("def a = 0.7\n\na · 20 + 0.3 · (-10)\n= Σ_{i=1}^{4} i / 2^(-1)\n");
        assert_eq!(value(&p, &l), Some(q(11, 1)));
        assert_eq!(value(&p, &r), Some(q(20, 1)));
        let (p, l, r) = sides("1 / (2 - 2)\n= 0^(-1)\n");
        assert!(matches!(value(&p, &l), Some(Exact::Undefined(_))));
        assert!(matches!(value(&p, &r), Some(Exact::Undefined(_))));
    }

    #[test]
    fn terms_with_names_or_functions_are_not() {
        let (p, l, r) = sides("var x\n\nx + 1\n= exp(0)\n");
        assert_eq!(value(&p, &l), None);
        assert_eq!(value(&p, &r), None);
        // A power too large to write out is left to floating point.
        let (p, l, _) = sides("3^100000\n= 1\n");
        assert_eq!(value(&p, &l), None);
    }

    #[test]
    fn folding_keeps_the_digits_floating_point_loses() {
        let (p, l, _) = sides("var x\n\nx + (10^20 + 1 - 10^20)\n= x\n");
        let f = fold(&p, &l);
        let Term::Add(_, one) = f else {
            panic!("{f:?}")
        };
        assert_eq!(*one, Term::Num(BigRational::one()));
    }

    #[test]
    fn extreme_constants_are_found_inside_definitions() {
        let (p, l, r) = sides("var x\ndef g(x) = x + 10^(-20)\n\ng(x)\n= x + exp(-100)\n");
        assert!(extreme_constant(&p, &l).is_some());
        assert!(extreme_constant(&p, &r).is_some());
        let (p, l, r) = sides("var x\n\nx + 10^(-9)\n= 0.001 x\n");
        assert_eq!(extreme_constant(&p, &l), None);
        assert_eq!(extreme_constant(&p, &r), None);
        // Sixteen digits of e are not e, and no double tells.
        let (p, _, r) = sides("var x\n\nexp(x + 1)\n= 2.718281828459045 exp(x)\n");
        assert!(extreme_constant(&p, &r).is_some());
    }
}
