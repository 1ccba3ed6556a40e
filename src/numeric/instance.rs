//! Random concrete instances of a program's declarations.
//!
//! Every set gets a random size, every constant a value, every parameter a
//! random vector of one shared random dimension, every function a random
//! smooth table: for the inputs that are set elements a row of
//! coefficients, for the continuous inputs `u` (parameters and reals) the
//! value `z = 2a + w·u + g (v·u)²`. A `positive` function is `exp z`; a
//! distribution over `x` is `softmax_x z` (so strictly positive, summing to
//! 1 for every condition, and a softmax in θ when it depends on θ). An
//! `mdp` is a random tabular MDP with a softmax policy.

use super::dual::Dual;
use crate::resolve::{Input, Program, SetKind, VarDomain};
use crate::syntax::ast::ConstKind;
use rand::RngExt;
use rand_xoshiro::Xoshiro256PlusPlus;

/// Bounds on the work one instance may take. Running out is an `unknown`
/// verdict with the reason, never a hang.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Most evaluation steps for one side of one step on one instance.
    /// Default: 3,000,000.
    pub max_ops: u64,
    /// Most entries in one function table. Default: 100,000.
    pub max_table: usize,
    /// Most elements in one set or integer range. Default: 100,000.
    pub max_range: i64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_ops: 3_000_000,
            max_table: 100_000,
            max_range: 100_000,
        }
    }
}

/// A value bound to a variable.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Slot {
    /// Not bound.
    Empty,
    /// An element (its index in its set).
    Elem(usize),
    /// A number.
    Num(Dual),
}

/// The random table of one function.
#[derive(Clone, Debug)]
pub struct Table {
    /// Sizes of the set-valued inputs, in input order.
    pub radix: Vec<usize>,
    /// Length of the continuous input vector `u`.
    pub cont: usize,
    /// `[a, g, w…, v…]` for each row.
    pub coef: Vec<f64>,
}

impl Table {
    /// Coefficients per row.
    pub fn row_len(&self) -> usize {
        2 + 2 * self.cont
    }

    /// `z = 2a + w·u + g (v·u)²` for one row.
    pub fn z(&self, row: usize, u: &[Dual]) -> Dual {
        let c = &self.coef[row * self.row_len()..(row + 1) * self.row_len()];
        let mut lin = Dual::constant(2.0 * c[0]);
        let mut quad = Dual::constant(0.0);
        for (j, &x) in u.iter().enumerate() {
            lin = lin + Dual::constant(c[2 + j]) * x;
            quad = quad + Dual::constant(c[2 + self.cont + j]) * x;
        }
        lin + Dual::constant(c[1]) * quad * quad
    }
}

/// One random instance of every declared object.
#[derive(Clone, Debug)]
pub struct Instance {
    /// Dimension of every parameter vector.
    pub dim: usize,
    /// Size of each set (trajectory sets included).
    pub set_sizes: Vec<usize>,
    /// Value of each constant.
    pub consts: Vec<f64>,
    /// Value of each parameter.
    pub params: Vec<Vec<f64>>,
    /// Table of each function.
    pub tables: Vec<Table>,
    /// Values of the free variables (by variable id; bound ones empty).
    pub free: Vec<Slot>,
}

fn uniform(rng: &mut Xoshiro256PlusPlus, lo: f64, hi: f64) -> f64 {
    lo + (hi - lo) * rng.random::<f64>()
}

impl Instance {
    /// Draw an instance. Fails (with the reason) when a bound is exceeded.
    pub fn draw(
        prog: &Program,
        rng: &mut Xoshiro256PlusPlus,
        limits: &Limits,
    ) -> Result<Instance, String> {
        let horizons: Vec<usize> = prog
            .sets
            .iter()
            .filter_map(|s| match s.kind {
                SetKind::Traj { horizon, .. } => Some(horizon),
                SetKind::Plain => None,
            })
            .collect();
        let mdp_sets: Vec<usize> = prog
            .sets
            .iter()
            .flat_map(|s| match s.kind {
                SetKind::Traj {
                    states, actions, ..
                } => vec![states, actions],
                SetKind::Plain => vec![],
            })
            .collect();
        let consts: Vec<f64> = prog
            .consts
            .iter()
            .enumerate()
            .map(|(k, c)| match c.kind {
                ConstKind::Count if horizons.contains(&k) => rng.random_range(1..=3) as f64,
                ConstKind::Count => rng.random_range(1..=4) as f64,
                ConstKind::Positive => uniform(rng, 0.2, 2.5),
                ConstKind::Real => uniform(rng, -2.0, 2.0),
            })
            .collect();
        let mut set_sizes = vec![0usize; prog.sets.len()];
        for (k, s) in prog.sets.iter().enumerate() {
            if let SetKind::Plain = s.kind {
                set_sizes[k] = if mdp_sets.contains(&k) {
                    rng.random_range(1..=3)
                } else {
                    // Mostly 2–4 elements; sometimes a singleton.
                    [1, 2, 2, 3, 3, 4, 4, 3][rng.random_range(0..8)]
                };
            }
        }
        for (k, s) in prog.sets.iter().enumerate() {
            if let SetKind::Traj {
                states,
                actions,
                horizon,
            } = s.kind
            {
                let per_step = set_sizes[states] * set_sizes[actions];
                let h = consts[horizon] as u32;
                let size = (per_step as u64).checked_pow(h).unwrap_or(u64::MAX);
                if size > limits.max_range as u64 {
                    return Err(format!(
                        "the trajectory set has {size} elements, more than the bound of {}",
                        limits.max_range
                    ));
                }
                set_sizes[k] = size as usize;
            }
        }
        let dim = if prog.scalar_params {
            1
        } else {
            rng.random_range(1..=3)
        };
        let params: Vec<Vec<f64>> = prog
            .params
            .iter()
            .map(|_| (0..dim).map(|_| uniform(rng, -1.5, 1.5)).collect())
            .collect();
        let mut tables = Vec::with_capacity(prog.funs.len());
        for f in &prog.funs {
            let mut radix = Vec::new();
            let mut cont = 0;
            for input in &f.inputs {
                match input {
                    Input::Set(s) => radix.push(set_sizes[*s]),
                    Input::Param(_) => cont += dim,
                    Input::Real => cont += 1,
                }
            }
            let rows = radix
                .iter()
                .try_fold(1usize, |acc, &n| acc.checked_mul(n))
                .filter(|&n| n <= limits.max_table)
                .ok_or_else(|| {
                    format!(
                        "the table of `{}` would exceed the bound of {} entries",
                        f.name, limits.max_table
                    )
                })?;
            let row_len = 2 + 2 * cont;
            let mut coef = Vec::with_capacity(rows * row_len);
            for _ in 0..rows {
                coef.push(uniform(rng, -1.0, 1.0));
                coef.push(uniform(rng, -0.5, 0.5));
                for _ in 0..2 * cont {
                    coef.push(uniform(rng, -1.0, 1.0));
                }
            }
            tables.push(Table { radix, cont, coef });
        }
        let free = prog
            .vars
            .iter()
            .map(|v| {
                if v.bound {
                    return Slot::Empty;
                }
                match v.domain {
                    VarDomain::Set(s) => Slot::Elem(rng.random_range(0..set_sizes[s].max(1))),
                    VarDomain::Real => Slot::Num(Dual::constant(uniform(rng, -2.0, 2.0))),
                    VarDomain::Time(h) => Slot::Num(Dual::constant(
                        rng.random_range(0..consts[h] as usize) as f64,
                    )),
                    VarDomain::Int => Slot::Num(Dual::constant(rng.random_range(0..4) as f64)),
                }
            })
            .collect();
        Ok(Instance {
            dim,
            set_sizes,
            consts,
            params,
            tables,
            free,
        })
    }

    /// Redraw the free variables only (the objects stay).
    pub fn redraw_free(&mut self, prog: &Program, rng: &mut Xoshiro256PlusPlus) {
        for (k, v) in prog.vars.iter().enumerate() {
            if v.bound {
                continue;
            }
            self.free[k] = match v.domain {
                VarDomain::Set(s) => Slot::Elem(rng.random_range(0..self.set_sizes[s].max(1))),
                VarDomain::Real => Slot::Num(Dual::constant(uniform(rng, -2.0, 2.0))),
                VarDomain::Time(h) => Slot::Num(Dual::constant(
                    rng.random_range(0..self.consts[h] as usize) as f64,
                )),
                VarDomain::Int => Slot::Num(Dual::constant(rng.random_range(0..4) as f64)),
            };
        }
    }

    /// The readable name of element `x` of set `s`: `T2`, or a trajectory
    /// `(S1, A2, S2, A1)`.
    pub fn label(&self, prog: &Program, s: usize, x: usize) -> String {
        match prog.sets[s].kind {
            SetKind::Plain => format!("{}{}", prog.sets[s].name, x + 1),
            SetKind::Traj {
                states,
                actions,
                horizon,
            } => {
                let na = self.set_sizes[actions];
                let per = self.set_sizes[states] * na;
                let h = self.consts[horizon] as usize;
                let mut parts = Vec::new();
                let mut rest = x;
                for _ in 0..h {
                    let q = rest % per.max(1);
                    rest /= per.max(1);
                    parts.push(format!("{}{}", prog.sets[states].name, q / na.max(1) + 1));
                    parts.push(format!("{}{}", prog.sets[actions].name, q % na.max(1) + 1));
                }
                format!("({})", parts.join(", "))
            }
        }
    }
}
