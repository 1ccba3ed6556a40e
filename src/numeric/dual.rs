//! Forward-mode dual numbers with running error bounds: a value, its
//! derivative along one direction of a parameter vector, and a bound on
//! the floating-point error of each.
//!
//! A gradient of dimension d is computed as d passes with one unit
//! direction each; a single tangent keeps the arithmetic allocation-free.
//!
//! The error bounds are a first-order running error analysis (Wilkinson's):
//! every operation adds the rounding of its own result to the errors it
//! inherits, scaled by how much the operation amplifies them, with the
//! intervals' ends taken where a first-order bound could be optimistic
//! (`ln` near 0, `1/x` near 0, powers). Two computed values are then told
//! apart exactly when they differ by more than their bounds, however large
//! or small the numbers: the tolerance is on the difference relative to the
//! sizes of the terms that cancel, not on the values' own size. A bound
//! that is not finite means the value is not known to any digit.

use std::ops::{Add, Div, Mul, Neg, Sub};

/// The unit round-off of `f64`: the relative error of one correctly
/// rounded operation.
pub const UNIT: f64 = f64::EPSILON / 2.0;

/// The absolute error of a result that underflows: a product or an
/// exponential smaller than the least normal number is flushed to 0 with
/// this error, so a computed 0 may stand for a tiny value. (Subnormal
/// numbers are never kept: arithmetic on them is a hundred times slower.)
pub const ETA: f64 = f64::MIN_POSITIVE;

/// Whether a result of a non-zero computation underflowed.
fn underflows(x: f64) -> bool {
    x.abs() < f64::MIN_POSITIVE
}

/// A value and error bound without subnormal numbers: a value below the
/// least normal number is 0 with that much more error, and a non-zero
/// bound is at least [`ETA`].
fn normal(v: f64, e: f64) -> (f64, f64) {
    let (v, e) = if v != 0.0 && underflows(v) {
        (0.0, e + ETA)
    } else {
        (v, e)
    };
    (v, if e != 0.0 && e < ETA { ETA } else { e })
}

/// The relative error allowed for a library function (`exp`, `ln`, `sin`,
/// `powi`): a few units in the last place.
const LIBM: f64 = 4.0 * f64::EPSILON;

/// `v + d·ε` with `ε² = 0`, and bounds `e`, `de` on the errors of `v` and
/// `d`.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Dual {
    /// The value.
    pub v: f64,
    /// The derivative along the current direction.
    pub d: f64,
    /// A bound on the error of `v`.
    pub e: f64,
    /// A bound on the error of `d`.
    pub de: f64,
}

impl Dual {
    /// An exact constant (zero derivative, no error).
    pub const fn constant(v: f64) -> Self {
        Dual {
            v,
            d: 0.0,
            e: 0.0,
            de: 0.0,
        }
    }

    /// An exact value with an exact derivative (a parameter component).
    pub const fn exact(v: f64, d: f64) -> Self {
        Dual {
            v,
            d,
            e: 0.0,
            de: 0.0,
        }
    }

    /// A constant known to within `e`.
    pub const fn with_error(v: f64, e: f64) -> Self {
        Dual {
            v,
            d: 0.0,
            e,
            de: 0.0,
        }
    }

    /// `c · self` for an exact number `c`: the product with one error
    /// fewer to carry, for the coefficients of random tables.
    pub fn scale(self, c: f64) -> Self {
        let v = c * self.v;
        let d = c * self.d;
        let (v, e) = normal(v, c.abs() * self.e + UNIT * v.abs());
        let (d, de) = normal(d, c.abs() * self.de + UNIT * d.abs());
        Dual { v, d, e, de }
    }

    /// Whether the value and derivative are finite.
    pub fn is_finite(self) -> bool {
        self.v.is_finite() && self.d.is_finite()
    }

    /// Whether both error bounds are finite (the value is known to some
    /// digits).
    pub fn is_bounded(self) -> bool {
        self.e.is_finite() && self.de.is_finite()
    }

    /// A function of `self` with value `f`, derivative `f1`, and bounds
    /// `ef` on how far `f` may move and `ef1` on how far `f1` may move
    /// when the argument moves by up to `self.e`.
    fn unary(self, f: f64, f1: f64, ef: f64, ef1: f64) -> Dual {
        let d = if self.d == 0.0 { 0.0 } else { f1 * self.d };
        let de = if self.d == 0.0 && self.de == 0.0 {
            0.0
        } else {
            f1.abs() * self.de + ef1 * (self.d.abs() + self.de) + LIBM * d.abs()
        };
        let mut e = ef + LIBM * f.abs();
        if self.e > 0.0 {
            e = e.max(ETA);
        }
        let (v, e) = normal(f, e);
        let (d, de) = normal(d, de);
        Dual { v, d, e, de }
    }

    /// Natural logarithm (of a positive number; see the evaluator for the
    /// domain).
    pub fn ln(self) -> Self {
        let v = self.v;
        let (ef, ef1) = if self.e < v {
            (-(-self.e / v).ln_1p(), 1.0 / (v - self.e) - 1.0 / v)
        } else {
            (f64::INFINITY, f64::INFINITY)
        };
        self.unary(v.ln(), 1.0 / v, ef, ef1)
    }

    /// Exponential.
    pub fn exp(self) -> Self {
        let f = self.v.exp();
        // e^x − 1 ≤ x (1 + x) for 0 ≤ x ≤ 1: no library call for the
        // usual tiny bound.
        let grow = if self.e <= 1e-3 {
            self.e * (1.0 + self.e)
        } else {
            self.e.exp_m1()
        };
        let spread = f * grow + if underflows(f) { ETA } else { 0.0 };
        self.unary(f, f, spread, spread)
    }

    /// Square root (of a non-negative number).
    pub fn sqrt(self) -> Self {
        let v = self.v.max(0.0);
        let f = v.sqrt();
        let low = (v - self.e).max(0.0).sqrt();
        let ef = (self.e / (f + low)).min(self.e.sqrt());
        let f1 = 0.5 / f;
        let ef1 = if self.e < v {
            0.5 / low - f1
        } else {
            f64::INFINITY
        };
        self.unary(f, f1, ef, ef1)
    }

    /// Sine.
    pub fn sin(self) -> Self {
        let spread = self.e.min(2.0);
        self.unary(self.v.sin(), self.v.cos(), spread, spread)
    }

    /// Hyperbolic tangent (Lipschitz 1, with a derivative of slope at most
    /// 0.77: the moved value and slope are bounded by the argument's error).
    pub fn tanh(self) -> Self {
        let f = self.v.tanh();
        self.unary(f, 1.0 - f * f, self.e, 0.77 * self.e)
    }

    /// Absolute value.
    pub fn abs(self) -> Self {
        if self.v < 0.0 {
            -self
        } else if self.v == 0.0 && self.d != 0.0 {
            // Not differentiable here: the one-sided slopes differ.
            Dual {
                v: 0.0,
                d: self.d.abs(),
                e: self.e,
                de: f64::INFINITY,
            }
        } else {
            self
        }
    }

    /// `1 / self` (of a non-zero number).
    pub fn recip(self) -> Self {
        let a = self.v.abs();
        let f = 1.0 / self.v;
        let f1 = -f * f;
        let (ef, ef1) = if self.e < a {
            let near = a - self.e;
            (self.e / (a * near), 1.0 / (near * near) - 1.0 / (a * a))
        } else {
            (f64::INFINITY, f64::INFINITY)
        };
        let tiny = if underflows(f) { ETA } else { 0.0 };
        self.unary(f, f1, ef + tiny, ef1 + tiny)
    }

    /// `self ^ n` for an integer `n` (a non-zero base when `n < 0`).
    pub fn powi(self, n: i32) -> Self {
        if n == 0 {
            return Dual::constant(1.0);
        }
        if n == 1 {
            return self;
        }
        let a = self.v.abs();
        let f = self.v.powi(n);
        let f1 = f64::from(n) * self.v.powi(n - 1);
        let m = n.unsigned_abs() as f64;
        let (ef, ef1) = if a == 0.0 {
            if n < 0 {
                (f64::INFINITY, f64::INFINITY)
            } else {
                (self.e.powi(n), m * self.e.powi(n - 1))
            }
        } else if self.e < a {
            // |(v ± e)^n − v^n| ≤ |v^n| ((1 − e/|v|)^(−|n|) − 1), for either
            // sign of n; likewise for the derivative's power n − 1.
            let r = self.e / a;
            let grow = |k: f64| (-k * (-r).ln_1p()).exp_m1();
            (
                f.abs() * grow(m),
                f1.abs() * grow((f64::from(n) - 1.0).abs()),
            )
        } else if n > 0 {
            let big = a + self.e;
            (big.powi(n), m * big.powi(n - 1))
        } else {
            (f64::INFINITY, f64::INFINITY)
        };
        // Repeated squaring rounds about twice a bit of the exponent.
        let rounding = 2.0 * (32 - n.unsigned_abs().leading_zeros()) as f64 * UNIT * f.abs();
        let tiny = if underflows(f) && self.v != 0.0 {
            ETA
        } else {
            0.0
        };
        let mut out = self.unary(f, f1, ef + tiny, ef1 + tiny);
        out.e += rounding;
        out.e = out.e.max(if out.e > 0.0 { ETA } else { 0.0 });
        out
    }

    /// `self ^ e`: an integer constant exponent works for every base (a
    /// non-zero one when it is negative); otherwise `exp(e · ln self)`
    /// for a positive base, and `0` for a zero base and a positive
    /// constant exponent.
    pub fn pow(self, e: Dual) -> Self {
        if e.d == 0.0 && e.de == 0.0 && e.e == 0.0 && e.v.fract() == 0.0 && e.v.abs() <= 1024.0 {
            return self.powi(e.v as i32);
        }
        if self.v == 0.0 && self.e == 0.0 && e.v > 0.0 {
            let d = if self.d == 0.0 || e.v >= 1.0 {
                0.0
            } else {
                f64::INFINITY
            };
            return Dual::exact(0.0, d);
        }
        (e * self.ln()).exp()
    }
}

impl Add for Dual {
    type Output = Dual;
    fn add(self, o: Dual) -> Dual {
        let v = self.v + o.v;
        let d = self.d + o.d;
        let (v, e) = normal(v, self.e + o.e + UNIT * v.abs());
        let (d, de) = normal(d, self.de + o.de + UNIT * d.abs());
        Dual { v, d, e, de }
    }
}

impl Sub for Dual {
    type Output = Dual;
    fn sub(self, o: Dual) -> Dual {
        self + (-o)
    }
}

impl Mul for Dual {
    type Output = Dual;
    fn mul(self, o: Dual) -> Dual {
        let v = self.v * o.v;
        let (x, y) = (self.d * o.v, self.v * o.d);
        let d = x + y;
        let lost = if underflows(v) && self.v != 0.0 && o.v != 0.0 {
            ETA
        } else {
            0.0
        };
        let mut e = self.v.abs() * o.e + o.v.abs() * self.e + self.e * o.e + UNIT * v.abs() + lost;
        if (self.e > 0.0 && o.v != 0.0)
            || (o.e > 0.0 && self.v != 0.0)
            || (self.e > 0.0 && o.e > 0.0)
        {
            // An error bound never rounds away to nothing.
            e = e.max(ETA);
        }
        let (v, e) = normal(v, e);
        let de = if self.d == 0.0 && o.d == 0.0 && self.de == 0.0 && o.de == 0.0 {
            0.0
        } else {
            (self.d.abs() + self.de) * o.e
                + self.de * o.v.abs()
                + (o.d.abs() + o.de) * self.e
                + o.de * self.v.abs()
                + 3.0 * UNIT * (x.abs() + y.abs())
        };
        let (d, de) = normal(d, de);
        Dual { v, d, e, de }
    }
}

impl Div for Dual {
    type Output = Dual;
    // A quotient is the product with the reciprocal, whose error bound is
    // the one of `1/x` near its argument's interval.
    #[allow(clippy::suspicious_arithmetic_impl)]
    fn div(self, o: Dual) -> Dual {
        self * o.recip()
    }
}

impl Neg for Dual {
    type Output = Dual;
    fn neg(self) -> Dual {
        Dual {
            v: -self.v,
            d: -self.d,
            e: self.e,
            de: self.de,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn var(v: f64) -> Dual {
        Dual::exact(v, 1.0)
    }

    #[test]
    fn product_and_quotient_rules() {
        let x = var(3.0);
        let y = x * x / (x + Dual::constant(1.0));
        // d/dx x²/(x+1) = (x² + 2x)/(x+1)² = 15/16
        assert!((y.d - 15.0 / 16.0).abs() < 1e-12);
    }

    #[test]
    fn integer_powers_of_negative_bases() {
        let x = var(-2.0);
        let y = x.pow(Dual::constant(3.0));
        assert_eq!(y.v, -8.0);
        assert_eq!(y.d, 12.0);
    }

    #[test]
    fn exact_operations_on_exact_values_keep_small_bounds() {
        let x = Dual::constant(0.25) * Dual::constant(4.0);
        assert_eq!(x.v, 1.0);
        assert!(x.e <= UNIT);
    }

    /// The bound holds the true error: (x + y) − y against x, where the
    /// sum absorbs most of x's digits.
    #[test]
    fn cancellation_is_covered_by_the_bound() {
        for (x, y) in [(1e-3, 1e9), (0.1, 0.2), (1.0 / 3.0, 1e17), (-7.5, 3e5)] {
            let (dx, dy) = (Dual::constant(x), Dual::constant(y));
            let r = (dx + dy) - dy;
            assert!((r.v - x).abs() <= r.e, "{x} {y}: {r:?}");
        }
    }

    /// A difference larger than both bounds is seen, however large the
    /// numbers: x and x + 10⁻⁹ differ at x = 1 but not at x = 10⁹.
    #[test]
    fn small_differences_are_seen_when_the_digits_are_there() {
        let tiny = Dual::with_error(1e-9, UNIT * 1e-9);
        for (x, seen) in [(1.0, true), (1e3, true), (1e9, false)] {
            let a = Dual::constant(x);
            let b = a + tiny;
            let apart = (a.v - b.v).abs() > 4.0 * (a.e + b.e);
            assert_eq!(apart, seen, "x = {x}: {b:?}");
        }
    }

    #[test]
    fn functions_bound_their_error() {
        let a = Dual::with_error(2.0, 1e-10);
        for (f, g) in [
            (a.ln(), (2.0f64 + 1e-10).ln()),
            (a.exp(), (2.0f64 + 1e-10).exp()),
            (a.sqrt(), (2.0f64 + 1e-10).sqrt()),
            (a.recip(), 1.0 / (2.0f64 + 1e-10)),
            (a.powi(-3), (2.0f64 + 1e-10).powi(-3)),
            (a.powi(5), (2.0f64 + 1e-10).powi(5)),
        ] {
            assert!((f.v - g).abs() <= f.e, "{f:?} vs {g}");
        }
        // Near zero the argument's error swamps the value.
        assert!(!Dual::with_error(1e-12, 1e-11).ln().is_bounded());
        assert!(!Dual::with_error(1e-12, 1e-11).recip().is_bounded());
    }

    /// An exponential that underflows to 0 is not known to be 0.
    #[test]
    fn underflow_leaves_a_bound() {
        let z = Dual::constant(-2000.0).exp();
        assert_eq!(z.v, 0.0);
        assert!(z.e > 0.0);
        let p = Dual::constant(1e-200) * Dual::constant(1e-200);
        assert!(p.e > 0.0);
        assert_eq!((Dual::constant(0.0) * Dual::constant(5.0)).e, 0.0);
    }

    #[test]
    fn derivative_bounds_grow_with_the_argument_error() {
        let x = Dual {
            v: 2.0,
            d: 1.0,
            e: 1e-9,
            de: 0.0,
        };
        let y = x.ln();
        assert!(y.de > 1e-10 && y.de < 1e-8, "{y:?}");
        assert_eq!(Dual::exact(2.0, 1.0).exp().de, LIBM * 2f64.exp());
    }
}
