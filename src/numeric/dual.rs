//! Forward-mode dual numbers: a value and its derivative along one
//! direction of a parameter vector.
//!
//! A gradient of dimension d is computed as d passes with one unit
//! direction each; a single tangent keeps the arithmetic allocation-free.

use std::ops::{Add, Div, Mul, Neg, Sub};

/// `v + d·ε` with `ε² = 0`.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Dual {
    /// The value.
    pub v: f64,
    /// The derivative along the current direction.
    pub d: f64,
}

impl Dual {
    /// A constant (zero derivative).
    pub const fn constant(v: f64) -> Self {
        Dual { v, d: 0.0 }
    }

    /// Natural logarithm.
    pub fn ln(self) -> Self {
        Dual {
            v: self.v.ln(),
            d: self.d / self.v,
        }
    }

    /// Exponential.
    pub fn exp(self) -> Self {
        let e = self.v.exp();
        Dual {
            v: e,
            d: self.d * e,
        }
    }

    /// Square root.
    pub fn sqrt(self) -> Self {
        let s = self.v.sqrt();
        Dual {
            v: s,
            d: self.d / (2.0 * s),
        }
    }

    /// Absolute value.
    pub fn abs(self) -> Self {
        if self.v < 0.0 {
            -self
        } else {
            self
        }
    }

    /// `self ^ e`. An integer constant exponent works for negative bases;
    /// otherwise the base must be positive (else the value is NaN and the
    /// instance is redrawn).
    pub fn pow(self, e: Dual) -> Self {
        if e.d == 0.0 && e.v.fract() == 0.0 && e.v.abs() <= 1024.0 {
            let n = e.v as i32;
            let v = self.v.powi(n);
            let d = if n == 0 {
                0.0
            } else {
                f64::from(n) * self.v.powi(n - 1) * self.d
            };
            return Dual { v, d };
        }
        let v = self.v.powf(e.v);
        Dual {
            v,
            d: v * (e.d * self.v.ln() + e.v * self.d / self.v),
        }
    }

    /// Whether the value and derivative are finite.
    pub fn is_finite(self) -> bool {
        self.v.is_finite() && self.d.is_finite()
    }
}

impl Add for Dual {
    type Output = Dual;
    fn add(self, o: Dual) -> Dual {
        Dual {
            v: self.v + o.v,
            d: self.d + o.d,
        }
    }
}

impl Sub for Dual {
    type Output = Dual;
    fn sub(self, o: Dual) -> Dual {
        Dual {
            v: self.v - o.v,
            d: self.d - o.d,
        }
    }
}

impl Mul for Dual {
    type Output = Dual;
    fn mul(self, o: Dual) -> Dual {
        Dual {
            v: self.v * o.v,
            d: self.d * o.v + self.v * o.d,
        }
    }
}

impl Div for Dual {
    type Output = Dual;
    fn div(self, o: Dual) -> Dual {
        Dual {
            v: self.v / o.v,
            d: (self.d * o.v - self.v * o.d) / (o.v * o.v),
        }
    }
}

impl Neg for Dual {
    type Output = Dual;
    fn neg(self) -> Dual {
        Dual {
            v: -self.v,
            d: -self.d,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn product_and_quotient_rules() {
        let x = Dual { v: 3.0, d: 1.0 };
        let y = x * x / (x + Dual::constant(1.0));
        // d/dx x²/(x+1) = (x² + 2x)/(x+1)² = 15/16
        assert!((y.d - 15.0 / 16.0).abs() < 1e-12);
    }

    #[test]
    fn integer_powers_of_negative_bases() {
        let x = Dual { v: -2.0, d: 1.0 };
        let y = x.pow(Dual::constant(3.0));
        assert_eq!(y.v, -8.0);
        assert_eq!(y.d, 12.0);
    }
}
