//! The compiled form of a filter: typed, with every literal already converted, every field
//! resolved to its registry id and every regex built. [`super::eval`] runs it per packet
//! without allocating.

use super::ast::{ArithOp, SliceRange};
use super::literal::{Class, Konst};
use crate::dissect::Proto;
use crate::fields::FieldId;

/// A field read, with the layer operator's ranges (`ip.src#2`).
#[derive(Debug, Clone)]
pub struct FieldRef {
    /// The field.
    pub id: FieldId,
    /// How its values compare.
    pub class: Class,
    /// Layer ranges (1-based, inclusive); `None` reads every layer.
    pub layers: Option<Box<[(u32, u32)]>>,
}

/// A value expression; evaluating it yields zero or more values per packet.
#[derive(Debug, Clone)]
pub enum Val {
    /// Every value of a field.
    Field(FieldRef),
    /// A constant.
    Const(Konst),
    /// Byte ranges of each value.
    Slice(Box<Val>, Box<[SliceRange]>),
    /// Unary minus of each value.
    Neg(Box<Val>),
    /// Every combination of left and right values.
    Arith(ArithOp, Box<Val>, Box<Val>),
    /// `len()` of byte-like values.
    Len(Box<Val>),
    /// `len()` of an integer field: its width in bytes, once per value.
    Width(Box<Val>, u8),
    /// `count()`: the number of values (no value when there are none).
    Count(FieldRef),
    /// `upper()`.
    Upper(Box<Val>),
    /// `lower()`.
    Lower(Box<Val>),
    /// `string()`.
    Text(Box<Val>),
    /// `max()` over every value of every argument.
    Max(Box<[Val]>),
    /// `min()` over every value of every argument.
    Min(Box<[Val]>),
    /// `abs()` of each value.
    Abs(Box<Val>),
    /// `${field}`: tshark has no selected packet, so a reference has no value.
    Nothing,
}

/// A relation between two values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rel {
    /// Equal (CIDR-aware for addresses).
    Eq,
    /// Not equal.
    Ne,
    /// Greater.
    Gt,
    /// Greater or equal.
    Ge,
    /// Less.
    Lt,
    /// Less or equal.
    Le,
}

/// A compiled test.
///
/// The quantifier `all` is true when every (left, right) pair satisfies the relation and
/// there is at least one pair; `any` when some pair does. A comparison therefore implies
/// that its fields are present, as in Wireshark.
#[derive(Debug, Clone)]
pub enum Prog {
    /// The field has at least one value.
    Exists(FieldRef),
    /// The frame carries the protocol (a bare protocol name without `#`).
    HasProto(Proto),
    /// Negation.
    Not(Box<Prog>),
    /// Conjunction.
    And(Box<[Prog]>),
    /// Disjunction.
    Or(Box<[Prog]>),
    /// Exclusive or.
    Xor(Box<Prog>, Box<Prog>),
    /// `lhs rel rhs` over every pair of values.
    Cmp {
        /// Quantifier: every pair instead of some pair.
        all: bool,
        /// The relation.
        rel: Rel,
        /// Left side.
        lhs: Val,
        /// Right side.
        rhs: Val,
    },
    /// Byte-sequence containment.
    Contains {
        /// Quantifier.
        all: bool,
        /// Left side (the haystack).
        lhs: Val,
        /// Right side (the needle).
        rhs: Val,
    },
    /// Regular expression match.
    Matches {
        /// Quantifier.
        all: bool,
        /// The value searched.
        lhs: Val,
        /// The compiled pattern.
        re: Box<regex::bytes::Regex>,
    },
    /// Set membership: equal to a member or inside a member range.
    In {
        /// Quantifier.
        all: bool,
        /// The value tested.
        lhs: Val,
        /// Members and ranges.
        set: Box<[(Val, Option<Val>)]>,
    },
    /// The expression yields at least one value (a bare slice).
    Present(Val),
    /// The expression yields a non-zero value (bare arithmetic such as `tcp.flags & 0x02`).
    NonZero(Val),
}
