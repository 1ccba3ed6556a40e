//! Shapes: whether a value is a number or a vector, and whether a number
//! is an integer.
//!
//! A gradient ∇_θ X with respect to a vector parameter is a vector, and so
//! is what is built from vectors linearly: v ± v, a number times v, v
//! divided by a number, −v, and Σ and E of vectors. Everything else a
//! derivation writes is a number. The literal 0 is both a number and the
//! zero vector (`v + 0`, `v = 0`). Integers are what ranges and indices
//! need: integer literals, `count` constants, range and time variables,
//! and their sums, differences, products, powers and absolute values.
//!
//! The resolver computes one [`Shape`] a node, in the recursion that
//! resolves the node, from the shapes of its children: the rules here are
//! that step, and say which combinations are not defined. Whether the
//! parameters are vectors at all is known only at the end of a file (one
//! use of a parameter as a plain value makes them scalars), so the
//! resolver keeps the errors about vectors until then.

use crate::syntax::ast::Relation;
use num_rational::BigRational;
use num_traits::Zero;

/// What a value is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Shape {
    /// The literal 0: an integer, and also the zero vector.
    Zero,
    /// An integer (of the forms listed in the module's doc).
    Int,
    /// Any other real number.
    Real,
    /// A vector: a gradient with respect to a vector parameter, or a
    /// linear combination of gradients.
    Vector,
}

/// Which combination of shapes is not defined.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Misuse {
    /// v ± a number other than 0.
    SumWithNumber,
    /// v · v: no inner product.
    ProductOfVectors,
    /// x / v.
    DivisionByVector,
}

impl Shape {
    /// Whether a vector.
    pub(super) fn is_vector(self) -> bool {
        self == Shape::Vector
    }

    /// Whether an integer (the literal 0 included).
    pub(super) fn is_int(self) -> bool {
        matches!(self, Shape::Zero | Shape::Int)
    }

    /// The shape of a number literal.
    pub(super) fn of_number(n: &BigRational) -> Shape {
        if n.is_zero() {
            Shape::Zero
        } else if n.is_integer() {
            Shape::Int
        } else {
            Shape::Real
        }
    }

    /// The shape of a number built from numbers: an integer when every
    /// part is one and the operation keeps integers.
    fn number(int: bool) -> Shape {
        if int {
            Shape::Int
        } else {
            Shape::Real
        }
    }

    /// `a + b` or `a - b`.
    pub(super) fn sum(a: Shape, b: Shape) -> Result<Shape, Misuse> {
        match (a, b) {
            (Shape::Vector, Shape::Vector | Shape::Zero) | (Shape::Zero, Shape::Vector) => {
                Ok(Shape::Vector)
            }
            (Shape::Vector, _) | (_, Shape::Vector) => Err(Misuse::SumWithNumber),
            _ => Ok(Shape::number(a.is_int() && b.is_int())),
        }
    }

    /// `a · b`.
    pub(super) fn product(a: Shape, b: Shape) -> Result<Shape, Misuse> {
        match (a, b) {
            (Shape::Vector, Shape::Vector) => Err(Misuse::ProductOfVectors),
            (Shape::Vector, _) | (_, Shape::Vector) => Ok(Shape::Vector),
            _ => Ok(Shape::number(a.is_int() && b.is_int())),
        }
    }

    /// `a / b`: never an integer, even when it is one (`4/2`), since a
    /// range or an index must be an integer by its form.
    pub(super) fn quotient(a: Shape, b: Shape) -> Result<Shape, Misuse> {
        match (a, b) {
            (_, Shape::Vector) => Err(Misuse::DivisionByVector),
            (Shape::Vector, _) => Ok(Shape::Vector),
            _ => Ok(Shape::Real),
        }
    }

    /// `a ^ b` of numbers; `exponent_natural` says whether the exponent
    /// is an integer known to be at least 0.
    pub(super) fn power(base: Shape, exponent_natural: bool) -> Shape {
        Shape::number(base.is_int() && exponent_natural)
    }

    /// `|a|` of a number.
    pub(super) fn absolute(self) -> Shape {
        Shape::number(self.is_int())
    }

    /// Whether two sides of a relation have shapes it can relate: a
    /// vector equals (or is proportional to, or is estimated by) a vector
    /// or 0, and is never ordered.
    pub(super) fn related(relation: Relation, a: Shape, b: Shape) -> bool {
        match relation {
            Relation::Le | Relation::Ge => !a.is_vector() && !b.is_vector(),
            Relation::Eq | Relation::Approx | Relation::Propto => {
                a.is_vector() == b.is_vector() || a == Shape::Zero || b == Shape::Zero
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Shape::{Int, Real, Vector, Zero};
    use super::*;

    #[test]
    fn vectors_combine_linearly() {
        assert_eq!(Shape::sum(Vector, Vector), Ok(Vector));
        assert_eq!(Shape::sum(Vector, Zero), Ok(Vector));
        assert_eq!(Shape::sum(Zero, Vector), Ok(Vector));
        assert_eq!(Shape::sum(Vector, Int), Err(Misuse::SumWithNumber));
        assert_eq!(Shape::sum(Real, Vector), Err(Misuse::SumWithNumber));
        assert_eq!(Shape::product(Real, Vector), Ok(Vector));
        assert_eq!(Shape::product(Vector, Zero), Ok(Vector));
        assert_eq!(
            Shape::product(Vector, Vector),
            Err(Misuse::ProductOfVectors)
        );
        assert_eq!(Shape::quotient(Vector, Real), Ok(Vector));
        assert_eq!(
            Shape::quotient(Vector, Vector),
            Err(Misuse::DivisionByVector)
        );
        assert_eq!(Shape::quotient(Int, Vector), Err(Misuse::DivisionByVector));
    }

    #[test]
    fn integers_stay_integers_through_ring_operations_only() {
        assert_eq!(Shape::sum(Int, Zero), Ok(Int));
        assert_eq!(Shape::sum(Int, Real), Ok(Real));
        assert_eq!(Shape::product(Int, Int), Ok(Int));
        assert_eq!(Shape::quotient(Int, Int), Ok(Real));
        assert_eq!(Shape::power(Int, true), Int);
        assert_eq!(Shape::power(Int, false), Real);
        assert_eq!(Shape::power(Real, true), Real);
        assert_eq!(Zero.absolute(), Int);
        assert_eq!(Real.absolute(), Real);
        let r = |n: i64, d: i64| BigRational::new(n.into(), d.into());
        assert_eq!(Shape::of_number(&r(0, 1)), Zero);
        assert_eq!(Shape::of_number(&r(-3, 1)), Int);
        assert_eq!(Shape::of_number(&r(5, 2)), Real);
    }

    #[test]
    fn relations_between_shapes() {
        use Relation::*;
        assert!(Shape::related(Eq, Vector, Vector));
        assert!(Shape::related(Eq, Vector, Zero));
        assert!(Shape::related(Propto, Zero, Vector));
        assert!(Shape::related(Approx, Vector, Vector));
        assert!(!Shape::related(Eq, Vector, Int));
        assert!(!Shape::related(Propto, Real, Vector));
        assert!(!Shape::related(Le, Vector, Vector));
        assert!(!Shape::related(Ge, Zero, Vector));
        assert!(Shape::related(Le, Real, Zero));
    }
}
