//! The syntax tree the parser builds. Nothing here is typed yet: a [`ExprKind::Word`] may be
//! a field name, a number, an address or an unquoted string until the semantic pass
//! ([`super::check`]) sees what it is compared with.
//!
//! Every node records its depth (1 for a leaf); constructors refuse trees deeper than
//! [`super::MAX_NESTING`], so every later recursive walk (type check, evaluation, drop) is
//! bounded.

use super::error::{FilterError, Span};

/// A value expression: fields, literals, slices, functions and arithmetic.
#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    /// What it is.
    pub kind: ExprKind,
    /// Where it is, from its first to its last token.
    pub span: Span,
    /// Height of the subtree (1 for a leaf).
    pub depth: u16,
}

/// The kinds of value expressions.
#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    /// A bare word: a field name or an unparsed literal; the text is `source[span]`.
    /// `layers` holds the layer operator (`ip.src#2`, `tcp.port#[1-2]`), if any.
    Word {
        /// Layer ranges (1-based, inclusive) and the span of the `#...` suffix.
        layers: Option<(Vec<(u32, u32)>, Span)>,
    },
    /// A quoted string (`raw` for `r"..."`).
    Str {
        /// Decoded bytes.
        bytes: Vec<u8>,
        /// Written as a raw string.
        raw: bool,
    },
    /// A character constant.
    Char(u64),
    /// `base[ranges]`.
    Slice {
        /// The sliced expression.
        base: Box<Expr>,
        /// Comma-joined ranges.
        ranges: Vec<SliceRange>,
    },
    /// `name(args)`.
    Call {
        /// Span of the function name.
        name: Span,
        /// Arguments.
        args: Vec<Expr>,
    },
    /// Unary minus.
    Neg(Box<Expr>),
    /// Binary arithmetic or bitwise and.
    Arith {
        /// The operator.
        op: ArithOp,
        /// Span of the operator token.
        op_span: Span,
        /// Left operand.
        lhs: Box<Expr>,
        /// Right operand.
        rhs: Box<Expr>,
    },
    /// `${field}`: a reference to the GUI's selected packet, which a CLI never has.
    Ref {
        /// Span of the field name.
        name: Span,
    },
}

/// Binary operators on values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArithOp {
    /// `+`.
    Add,
    /// `-`.
    Sub,
    /// `*`.
    Mul,
    /// `/`.
    Div,
    /// `%`.
    Rem,
    /// `&` / `bitwise_and`.
    BitAnd,
}

impl ArithOp {
    /// The operator as tshark prints it in "FT_IPv4 cannot +.".
    pub fn symbol(self) -> &'static str {
        match self {
            ArithOp::Add => "+",
            ArithOp::Sub => "-",
            ArithOp::Mul => "*",
            ArithOp::Div => "/",
            ArithOp::Rem => "%",
            ArithOp::BitAnd => "&",
        }
    }
}

/// One range of a slice, Wireshark's forms: `[i:j]` (start, length), `[i-j]` (start, end
/// inclusive), `[i]`, `[:j]`, `[i:]`. Offsets may be negative (from the end).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SliceRange {
    /// First byte; negative counts from the end.
    pub start: i64,
    /// Where it stops.
    pub end: RangeEnd,
}

/// How a slice range ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RangeEnd {
    /// `[i:j]`: `j` bytes.
    Len(i64),
    /// `[i-j]`: up to offset `j`, inclusive.
    To(i64),
    /// `[i:]`: to the end of the value.
    ToEnd,
}

/// A logical test: what the filter is made of.
#[derive(Debug, Clone, PartialEq)]
pub struct Test {
    /// What it is (boxed: keeps the parser's stack frames small, see [`super::parser`]).
    pub kind: Box<TestKind>,
    /// Height of the subtree (1 for a leaf test).
    pub depth: u16,
}

/// Quantifier prefix (`any` / `all`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quant {
    /// At least one occurrence.
    Any,
    /// Every occurrence.
    All,
}

/// Relational operators, as written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    /// `==`, `eq`, `any_eq`.
    Eq,
    /// `!=`, `ne`, `all_ne`.
    Ne,
    /// `===`, `all_eq`.
    AllEq,
    /// `!==`, `any_ne`, `~=`.
    AnyNe,
    /// `>`, `gt`.
    Gt,
    /// `>=`, `ge`.
    Ge,
    /// `<`, `lt`.
    Lt,
    /// `<=`, `le`.
    Le,
    /// `contains`.
    Contains,
    /// `matches`, `~`.
    Matches,
}

/// One member of a set: a value or an inclusive range `lo..hi`.
#[derive(Debug, Clone, PartialEq)]
pub struct SetElem {
    /// The value, or the low end of the range.
    pub lo: Expr,
    /// The high end of a range.
    pub hi: Option<Expr>,
}

/// The kinds of tests.
#[derive(Debug, Clone, PartialEq)]
pub enum TestKind {
    /// `a or b or ...`.
    Or(Vec<Test>),
    /// `a and b and ...`.
    And(Vec<Test>),
    /// `a xor b`.
    Xor(Box<Test>, Box<Test>),
    /// `not a`.
    Not(Box<Test>),
    /// `lhs op rhs`.
    Cmp {
        /// `any` / `all` prefix and its span.
        quant: Option<(Quant, Span)>,
        /// The operator.
        op: CmpOp,
        /// Span of the operator token.
        op_span: Span,
        /// Left side.
        lhs: Expr,
        /// Right side.
        rhs: Expr,
    },
    /// `lhs [not] in {set}`.
    In {
        /// `any` / `all` prefix and its span.
        quant: Option<(Quant, Span)>,
        /// `not in`.
        negated: bool,
        /// Left side.
        lhs: Expr,
        /// Members.
        set: Vec<SetElem>,
    },
    /// A bare value: existence of a field or protocol, or a non-zero arithmetic result.
    Bare(Expr),
}

/// Builds a node of depth `1 + max(children)`, refusing trees deeper than the limit.
pub fn deeper(children: impl IntoIterator<Item = u16>, at: Span) -> Result<u16, FilterError> {
    let d = children.into_iter().max().unwrap_or(0) + 1;
    if d as usize > super::MAX_NESTING {
        return Err(too_deep(at));
    }
    Ok(d)
}

/// The error for a filter nested deeper than [`super::MAX_NESTING`].
pub fn too_deep(at: Span) -> FilterError {
    FilterError::at(
        at,
        format!(
            "Filter expression is nested too deeply (the limit is {} levels).",
            super::MAX_NESTING
        ),
    )
}
