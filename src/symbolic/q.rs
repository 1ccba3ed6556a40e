//! Exact rational numbers with a machine-integer fast path.
//!
//! Almost every coefficient and exponent of a derivation fits in an `i64`
//! fraction; arithmetic on those is checked and falls back to
//! [`BigRational`] only on overflow. A value has one representation (small
//! when it fits), so derived equality, hashing and ordering are by value.

use num_bigint::BigInt;
use num_integer::Integer;
use num_rational::BigRational;
use num_traits::{One, Signed, ToPrimitive, Zero};
use std::cmp::Ordering;

/// Most bits in the numerator or denominator of a power computed by
/// [`Q::powi`]. Default: 16,384.
pub const MAX_POWER_BITS: u64 = 1 << 14;

/// An exact rational.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Q {
    /// `n / d` in lowest terms with `d > 0`.
    Small(i64, i64),
    /// A value that does not fit the small form.
    Big(Box<BigRational>),
}

impl Q {
    /// Zero.
    pub const ZERO: Q = Q::Small(0, 1);
    /// One.
    pub const ONE: Q = Q::Small(1, 1);

    /// An integer.
    pub fn int(n: i64) -> Q {
        Q::Small(n, 1)
    }

    /// From a big rational, small when it fits.
    pub fn from_big(r: BigRational) -> Q {
        match (r.numer().to_i64(), r.denom().to_i64()) {
            (Some(n), Some(d)) if n != i64::MIN && d != i64::MIN => Q::Small(n, d),
            _ => Q::Big(Box::new(r)),
        }
    }

    /// As a big rational.
    pub fn to_big(&self) -> BigRational {
        match self {
            Q::Small(n, d) => BigRational::new_raw(BigInt::from(*n), BigInt::from(*d)),
            Q::Big(b) => (**b).clone(),
        }
    }

    fn small(n: i128, d: i128) -> Q {
        let g = n.gcd(&d);
        let (mut n, mut d) = if g == 0 { (0, 1) } else { (n / g, d / g) };
        if d < 0 {
            n = -n;
            d = -d;
        }
        match (i64::try_from(n), i64::try_from(d)) {
            (Ok(n), Ok(d)) if n != i64::MIN => Q::Small(n, d),
            _ => Q::from_big(BigRational::new(BigInt::from(n), BigInt::from(d))),
        }
    }

    /// Whether zero.
    pub fn is_zero(&self) -> bool {
        matches!(self, Q::Small(0, _))
    }

    /// Whether one.
    pub fn is_one(&self) -> bool {
        matches!(self, Q::Small(1, 1))
    }

    /// Whether an integer.
    pub fn is_integer(&self) -> bool {
        match self {
            Q::Small(_, d) => *d == 1,
            Q::Big(b) => b.is_integer(),
        }
    }

    /// The value as an `i64` when it is a small integer.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Q::Small(n, 1) => Some(*n),
            _ => None,
        }
    }

    /// Whether strictly positive.
    pub fn is_positive(&self) -> bool {
        match self {
            Q::Small(n, _) => *n > 0,
            Q::Big(b) => b.is_positive(),
        }
    }

    /// Whether strictly negative.
    pub fn is_negative(&self) -> bool {
        match self {
            Q::Small(n, _) => *n < 0,
            Q::Big(b) => b.is_negative(),
        }
    }

    /// Sum.
    pub fn add(&self, o: &Q) -> Q {
        if let (Q::Small(a, 1), Q::Small(c, 1)) = (self, o) {
            if let Some(s) = a.checked_add(*c).filter(|s| *s != i64::MIN) {
                return Q::Small(s, 1);
            }
        }
        if let (Q::Small(a, b), Q::Small(c, d)) = (self, o) {
            let (a, b, c, d) = (*a as i128, *b as i128, *c as i128, *d as i128);
            return Q::small(a * d + c * b, b * d);
        }
        Q::from_big(self.to_big() + o.to_big())
    }

    /// Product.
    pub fn mul(&self, o: &Q) -> Q {
        if let (Q::Small(a, 1), Q::Small(c, 1)) = (self, o) {
            if let Some(p) = a.checked_mul(*c).filter(|p| *p != i64::MIN) {
                return Q::Small(p, 1);
            }
        }
        if let (Q::Small(a, b), Q::Small(c, d)) = (self, o) {
            let (a, b, c, d) = (*a as i128, *b as i128, *c as i128, *d as i128);
            return Q::small(a * c, b * d);
        }
        Q::from_big(self.to_big() * o.to_big())
    }

    /// Difference.
    pub fn sub(&self, o: &Q) -> Q {
        if let (Q::Small(a, 1), Q::Small(c, 1)) = (self, o) {
            if let Some(s) = a.checked_sub(*c).filter(|s| *s != i64::MIN) {
                return Q::Small(s, 1);
            }
        }
        self.add(&o.neg())
    }

    /// Negation.
    pub fn neg(&self) -> Q {
        match self {
            // Already in lowest terms.
            Q::Small(n, d) if *n != i64::MIN => Q::Small(-n, *d),
            Q::Small(n, d) => Q::small(-(*n as i128), *d as i128),
            Q::Big(b) => Q::from_big(-(**b).clone()),
        }
    }

    /// Reciprocal; `None` for zero.
    pub fn recip(&self) -> Option<Q> {
        if self.is_zero() {
            return None;
        }
        Some(match self {
            Q::Small(n, d) => Q::small(*d as i128, *n as i128),
            Q::Big(b) => Q::from_big(b.recip()),
        })
    }

    /// Integer power (negative exponents allowed for non-zero values);
    /// `None` when the result would be too large to be useful: a result of
    /// more than [`MAX_POWER_BITS`] bits (so that powers of powers cannot
    /// grow without bound).
    pub fn powi(&self, k: i64) -> Option<Q> {
        if self.is_zero() || self.is_one() {
            return Some(self.clone());
        }
        let big = self.to_big();
        let bits = big.numer().bits().max(big.denom().bits());
        if bits.saturating_mul(k.unsigned_abs()) > MAX_POWER_BITS {
            return None;
        }
        let base = if k < 0 { self.recip()? } else { self.clone() };
        let big = base.to_big();
        Some(Q::from_big(num_traits::pow(big, k.unsigned_abs() as usize)))
    }

    /// The value as a float.
    pub fn to_f64(&self) -> f64 {
        match self {
            Q::Small(n, d) => *n as f64 / *d as f64,
            Q::Big(b) => b.to_f64().unwrap_or(f64::NAN),
        }
    }
}

impl PartialOrd for Q {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Q {
    fn cmp(&self, other: &Self) -> Ordering {
        if let (Q::Small(a, b), Q::Small(c, d)) = (self, other) {
            return (*a as i128 * *d as i128).cmp(&(*c as i128 * *b as i128));
        }
        self.to_big().cmp(&other.to_big())
    }
}

impl std::fmt::Display for Q {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Q::Small(n, 1) => write!(f, "{n}"),
            Q::Small(n, d) => write!(f, "{n}/{d}"),
            Q::Big(b) => write!(f, "{b}"),
        }
    }
}

impl Zero for Q {
    fn zero() -> Self {
        Q::ZERO
    }
    fn is_zero(&self) -> bool {
        Q::is_zero(self)
    }
}

impl std::ops::Add for Q {
    type Output = Q;
    fn add(self, o: Q) -> Q {
        Q::add(&self, &o)
    }
}

impl One for Q {
    fn one() -> Self {
        Q::ONE
    }
}

impl std::ops::Mul for Q {
    type Output = Q;
    fn mul(self, o: Q) -> Q {
        Q::mul(&self, &o)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn powers_too_large_are_declined() {
        assert_eq!(Q::int(2).powi(10), Some(Q::int(1024)));
        assert_eq!(Q::int(2).powi(-2), Some(Q::small(1, 4)));
        // Past 2^(2^14) a power is declined, whatever its exponent.
        assert_eq!(
            Q::int(10).powi(-300).map(|q| q.to_big().denom().bits()),
            Some(997)
        );
        assert_eq!(Q::int(2).powi(20_000), None);
        assert_eq!(Q::ONE.powi(1 << 40), Some(Q::ONE));
        // 2^(2^14) has 2^14 + 1 bits; raising it again must stop.
        let big = Q::from_big(BigRational::from_integer(BigInt::from(1) << 16384u32));
        assert_eq!(big.powi(2), None);
    }

    #[test]
    fn small_arithmetic_is_exact_and_reduced() {
        let a = Q::small(7, 10);
        assert_eq!(a.mul(&Q::int(20)), Q::int(14));
        assert_eq!(Q::small(3, 10).mul(&Q::int(-10)), Q::int(-3));
        assert_eq!(Q::small(1, 3).add(&Q::small(1, 6)), Q::small(1, 2));
    }

    #[test]
    fn overflow_falls_back_to_big() {
        let big = Q::int(i64::MAX);
        let sq = big.mul(&big);
        assert!(matches!(sq, Q::Big(_)));
        assert_eq!(sq.mul(&big.recip().unwrap()), big);
    }

    #[test]
    fn order_is_by_value() {
        assert!(Q::small(1, 3) < Q::small(1, 2));
        assert!(Q::int(-1) < Q::ZERO);
    }
}
