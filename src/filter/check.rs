//! The semantic pass: resolves names against the field registry, types every literal by the
//! field it meets, checks operators against types, and produces the compiled [`Prog`].
//!
//! Errors follow tshark 4.0.17's wording (see the reference, §1.14), plus a did-you-mean for
//! unknown names.

use super::ast::{ArithOp, CmpOp, Expr, ExprKind, Quant, SetElem, SliceRange, Test, TestKind};
use super::compile::{FieldRef, Prog, Rel, Val};
use super::error::{FilterError, Span};
use super::literal::{Class, Konst, Lit, Target, convert, type_name};
use crate::fields::{FieldId, FieldType, Registry};

/// The static type of a value expression.
#[derive(Debug, Clone, Copy)]
struct Ty {
    /// Field type (for derived values, the type they behave as).
    ft: FieldType,
    /// The field whose value names apply.
    field: Option<FieldId>,
    /// The expression is the field itself, so the field's value range applies to literals.
    plain: bool,
}

impl Ty {
    fn class(&self) -> Class {
        Class::of(self.ft)
    }

    fn derived(ft: FieldType) -> Ty {
        Ty {
            ft,
            field: None,
            plain: false,
        }
    }

    /// The same type, for a value that is not the plain field.
    fn loose(self) -> Ty {
        Ty {
            plain: false,
            ..self
        }
    }
}

/// Runs the semantic pass.
pub struct Checker<'s> {
    src: &'s str,
    reg: &'static Registry,
    /// Every field the filter reads.
    pub fields: Vec<FieldId>,
    /// Things that compile but probably do not mean what was meant.
    pub warnings: Vec<String>,
}

fn at(span: Span, m: impl Into<String>) -> FilterError {
    FilterError::at(span, m)
}

/// True for text that reads as a field name (`ip.dts`), not as a literal (`1`, `10.0.0.1`).
fn name_like(w: &str) -> bool {
    w.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && w.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

impl<'s> Checker<'s> {
    /// A checker for the filter text `src`.
    pub fn new(src: &'s str, reg: &'static Registry) -> Checker<'s> {
        Checker {
            src,
            reg,
            fields: Vec::new(),
            warnings: Vec::new(),
        }
    }

    fn text(&self, span: Span) -> &'s str {
        &self.src[span.0..span.1]
    }

    /// The name part of a word (without its `#` layer suffix) and its span.
    fn word_name(&self, e: &Expr) -> (&'s str, Span) {
        let span = match &e.kind {
            ExprKind::Word {
                layers: Some((_, s)),
            } => (e.span.0, s.0),
            _ => e.span,
        };
        (self.text(span), span)
    }

    fn lookup_word(&self, e: &Expr) -> Option<FieldId> {
        match &e.kind {
            ExprKind::Word { .. } => self.reg.lookup(self.word_name(e).0),
            _ => None,
        }
    }

    /// True for an expression that is only literals (its type comes from the other side).
    fn is_literal(&self, e: &Expr) -> bool {
        match &e.kind {
            ExprKind::Word { layers: None } => self.lookup_word(e).is_none(),
            ExprKind::Str { .. } | ExprKind::Char(_) => true,
            ExprKind::Neg(x) => self.is_literal(x),
            ExprKind::Arith { lhs, rhs, .. } => self.is_literal(lhs) && self.is_literal(rhs),
            _ => false,
        }
    }

    /// `"X" is neither a field nor a protocol name.`, with a did-you-mean when one is close.
    fn unknown_name(&self, name: &str, span: Span) -> FilterError {
        let mut m = format!("\"{name}\" is neither a field nor a protocol name.");
        let minus = name
            .rsplit_once('-')
            .filter(|(base, rest)| !rest.is_empty() && self.reg.lookup(base).is_some());
        if let Some((base, rest)) = minus {
            m.push_str(&format!(
                " Did you mean \"{base} -{rest}\"? (A binary minus needs a space before it.)"
            ));
        } else if name_like(name)
            && let Some(s) = self.reg.suggest(name)
        {
            m.push_str(&format!(" Did you mean \"{s}\"?"));
        }
        at(span, m)
    }

    /// The error for a literal where a field was needed.
    fn not_a_field(&self, e: &Expr) -> FilterError {
        match &e.kind {
            ExprKind::Word { .. } => {
                let (name, span) = self.word_name(e);
                self.unknown_name(name, span)
            }
            _ => at(
                e.span,
                format!(
                    "{} is neither a field nor a protocol name.",
                    self.text(e.span)
                ),
            ),
        }
    }

    /// Checks a whole test.
    ///
    /// # Errors
    /// The first semantic error.
    pub fn test(&mut self, t: &Test) -> Result<Prog, FilterError> {
        Ok(match &*t.kind {
            TestKind::Or(xs) => Prog::Or(self.tests(xs)?),
            TestKind::And(xs) => Prog::And(self.tests(xs)?),
            TestKind::Xor(a, b) => Prog::Xor(Box::new(self.test(a)?), Box::new(self.test(b)?)),
            TestKind::Not(x) => Prog::Not(Box::new(self.test(x)?)),
            TestKind::Bare(e) => self.bare(e)?,
            TestKind::Cmp {
                quant,
                op,
                op_span,
                lhs,
                rhs,
            } => self.cmp(*quant, *op, *op_span, lhs, rhs)?,
            TestKind::In {
                quant,
                negated,
                lhs,
                set,
            } => {
                let p = self.in_set(*quant, lhs, set)?;
                if *negated { Prog::Not(Box::new(p)) } else { p }
            }
        })
    }

    fn tests(&mut self, xs: &[Test]) -> Result<Box<[Prog]>, FilterError> {
        xs.iter().map(|x| self.test(x)).collect()
    }

    fn field_ref(&mut self, e: &Expr, id: FieldId) -> FieldRef {
        self.fields.push(id);
        let layers = match &e.kind {
            ExprKind::Word {
                layers: Some((l, _)),
            } => Some(l.clone().into_boxed_slice()),
            _ => None,
        };
        FieldRef {
            id,
            class: Class::of(self.reg.def(id).ftype),
            layers,
        }
    }

    fn bare(&mut self, e: &Expr) -> Result<Prog, FilterError> {
        match &e.kind {
            ExprKind::Word { layers } => {
                let Some(id) = self.lookup_word(e) else {
                    return Err(self.not_a_field(e));
                };
                let def = self.reg.def(id);
                if def.ftype == FieldType::Protocol && layers.is_none() {
                    self.fields.push(id);
                    return Ok(Prog::HasProto(def.proto));
                }
                if def.ftype == FieldType::Bool {
                    // `!tcp.flags.ack` reads as "ACK clear" but tests presence, as in tshark.
                    self.warnings.push(format!(
                        "\"{0}\" alone tests that the field is present, not that it is set; \
                         write \"{0} == 1\" (or \"== 0\") to test its value",
                        def.name
                    ));
                }
                Ok(Prog::Exists(self.field_ref(e, id)))
            }
            ExprKind::Str { .. } | ExprKind::Char(_) => Err(self.not_a_field(e)),
            ExprKind::Call { name, .. } => {
                Err(at(*name, "You cannot test whether a function is present."))
            }
            ExprKind::Slice { .. } | ExprKind::Ref { .. } => {
                Ok(Prog::Present(self.value(e, None)?.0))
            }
            ExprKind::Neg(_) | ExprKind::Arith { .. } => {
                if self.is_literal(e) {
                    return Err(at(
                        e.span,
                        format!(
                            "{} is neither a field nor a protocol name.",
                            self.text(e.span)
                        ),
                    ));
                }
                Ok(Prog::NonZero(self.value(e, None)?.0))
            }
        }
    }

    /// The left side of a comparison must be a field, function, slice or arithmetic on them.
    fn left_side(&self, lhs: &Expr, op: &str) -> Result<(), FilterError> {
        if !self.is_literal(lhs) {
            return Ok(());
        }
        if let ExprKind::Word { .. } = lhs.kind {
            let (name, span) = self.word_name(lhs);
            if name_like(name) {
                return Err(self.unknown_name(name, span));
            }
        }
        Err(at(
            lhs.span,
            format!(
                "Left side of \"{op}\" expression must be a field or function, not {}.",
                self.text(lhs.span)
            ),
        ))
    }

    fn cannot_participate(&self, lhs: &Expr, ty: &Ty, op: &str) -> FilterError {
        at(
            lhs.span,
            format!(
                "{} (type={}) cannot participate in {op} comparison.",
                self.text(lhs.span),
                type_name(ty.ft)
            ),
        )
    }

    fn incompatible(&self, lhs: &Expr, rhs: &Expr) -> FilterError {
        at(
            rhs.span,
            format!(
                "{} and {} are not of compatible types.",
                self.text(lhs.span),
                self.text(rhs.span)
            ),
        )
    }

    fn cmp(
        &mut self,
        quant: Option<(Quant, Span)>,
        op: CmpOp,
        op_span: Span,
        lhs: &Expr,
        rhs: &Expr,
    ) -> Result<Prog, FilterError> {
        let op_text = self.text(op_span);
        self.left_side(lhs, op_text)?;
        let (lv, lty) = self.value(lhs, None)?;
        let all = |default: bool| quant.map_or(default, |(q, _)| q == Quant::All);
        match op {
            CmpOp::Contains => {
                if !lty.class().is_bytes_like() {
                    return Err(self.cannot_participate(lhs, &lty, op_text));
                }
                // A MAC contains byte strings, not MAC addresses.
                let want = if lty.class() == Class::Ether {
                    Ty::derived(FieldType::Bytes)
                } else {
                    lty.loose()
                };
                let (rv, rty) = self.value(rhs, Some(&want))?;
                if !rty.class().is_bytes_like() {
                    return Err(self.incompatible(lhs, rhs));
                }
                Ok(Prog::Contains {
                    all: all(false),
                    lhs: lv,
                    rhs: rv,
                })
            }
            CmpOp::Matches => {
                if !matches!(lty.class(), Class::Str | Class::Bytes) {
                    return Err(self.cannot_participate(lhs, &lty, op_text));
                }
                let ExprKind::Str { bytes, .. } = &rhs.kind else {
                    return Err(at(
                        rhs.span,
                        "Matches requires a double quoted string on the right side.",
                    ));
                };
                Ok(Prog::Matches {
                    all: all(false),
                    lhs: lv,
                    re: Box::new(regex(bytes, rhs.span)?),
                })
            }
            _ => {
                if lty.class() == Class::Label {
                    return Err(self.cannot_participate(lhs, &lty, op_text));
                }
                let (rv, rty) = self.value(rhs, Some(&lty))?;
                if !comparable(lty.class(), rty.class()) {
                    return Err(self.incompatible(lhs, rhs));
                }
                let (rel, default_all) = match op {
                    CmpOp::Eq => (Rel::Eq, false),
                    CmpOp::Ne => (Rel::Ne, true),
                    CmpOp::AllEq => (Rel::Eq, true),
                    CmpOp::AnyNe => (Rel::Ne, false),
                    CmpOp::Gt => (Rel::Gt, false),
                    CmpOp::Ge => (Rel::Ge, false),
                    CmpOp::Lt => (Rel::Lt, false),
                    CmpOp::Le | CmpOp::Contains | CmpOp::Matches => (Rel::Le, false),
                };
                Ok(Prog::Cmp {
                    all: all(default_all),
                    rel,
                    lhs: lv,
                    rhs: rv,
                })
            }
        }
    }

    fn in_set(
        &mut self,
        quant: Option<(Quant, Span)>,
        lhs: &Expr,
        set: &[SetElem],
    ) -> Result<Prog, FilterError> {
        self.left_side(lhs, "in")?;
        let (lv, lty) = self.value(lhs, None)?;
        if lty.class() == Class::Label {
            return Err(self.cannot_participate(lhs, &lty, "in"));
        }
        let mut members = Vec::with_capacity(set.len());
        for el in set {
            let (lo, lo_ty) = self.value(&el.lo, Some(&lty))?;
            if !comparable(lty.class(), lo_ty.class()) {
                return Err(self.incompatible(lhs, &el.lo));
            }
            let hi = match &el.hi {
                Some(h) => {
                    let (hv, hty) = self.value(h, Some(&lty))?;
                    if !comparable(lty.class(), hty.class()) {
                        return Err(self.incompatible(lhs, h));
                    }
                    Some(hv)
                }
                None => None,
            };
            members.push((lo, hi));
        }
        Ok(Prog::In {
            all: quant.is_some_and(|(q, _)| q == Quant::All),
            lhs: lv,
            set: members.into_boxed_slice(),
        })
    }

    /// Converts a literal expression to the type `ty`.
    fn literal(&self, e: &Expr, ty: &Ty) -> Result<Konst, FilterError> {
        let target = Target {
            ft: ty.ft,
            field: ty.field.map(|id| self.reg.def(id)),
            range: ty.plain,
        };
        let converted = match &e.kind {
            ExprKind::Word { .. } => convert(Lit::Word(self.text(e.span)), e.span, target),
            ExprKind::Str { bytes, .. } => convert(Lit::Str(bytes), e.span, target),
            ExprKind::Char(c) => convert(Lit::Char(*c as i128), e.span, target),
            ExprKind::Neg(inner) => match &inner.kind {
                ExprKind::Word { .. } => {
                    let text = format!("-{}", self.text(inner.span));
                    convert(Lit::Word(&text), e.span, target)
                }
                ExprKind::Char(c) => convert(Lit::Char(-(*c as i128)), e.span, target),
                _ => Err(at(
                    e.span,
                    format!("{} is not a valid constant.", self.text(e.span)),
                )),
            },
            _ => Err(at(
                e.span,
                format!("{} is not a valid constant.", self.text(e.span)),
            )),
        };
        // A misspelt field on the right side (`tcp.port == tcp.prot`) deserves the
        // did-you-mean, not "not a valid number".
        converted.map_err(|err| {
            let w = self.text(e.span);
            let misspelt = matches!(e.kind, ExprKind::Word { .. })
                && name_like(w)
                && w.contains('.')
                && self.reg.suggest(w).is_some();
            if misspelt {
                self.unknown_name(w, e.span)
            } else {
                err
            }
        })
    }

    /// Checks a value expression. `want` is the type of the other side, which literals take.
    fn value(&mut self, e: &Expr, want: Option<&Ty>) -> Result<(Val, Ty), FilterError> {
        match &e.kind {
            ExprKind::Word { layers } => self.word_value(e, layers.is_some(), want),
            ExprKind::Str { .. } | ExprKind::Char(_) => match want {
                Some(w) => Ok((Val::Const(self.literal(e, w)?), w.loose())),
                None => Err(self.not_a_field(e)),
            },
            ExprKind::Ref { name } => self.ref_value(*name),
            ExprKind::Slice { base, ranges } => self.slice_value(base, ranges),
            ExprKind::Call { name, args } => self.call(*name, args),
            ExprKind::Neg(inner) => self.neg_value(e, inner, want),
            ExprKind::Arith { op, lhs, rhs, .. } => self.arith(e, *op, lhs, rhs, want),
        }
    }

    /// A bare word: the field it names, or else a literal of the wanted type. `layered` is
    /// true when the word carries a `#` layer suffix, which only a field can have.
    fn word_value(
        &mut self,
        e: &Expr,
        layered: bool,
        want: Option<&Ty>,
    ) -> Result<(Val, Ty), FilterError> {
        if let Some(id) = self.lookup_word(e) {
            let ty = Ty {
                ft: self.reg.def(id).ftype,
                field: Some(id),
                plain: true,
            };
            // A word that names a field but reads as a literal of the wanted type
            // (`tftp.source_file == data`) is the literal.
            if let (Some(w), false) = (want, layered)
                && !comparable(w.class(), ty.class())
                && let Ok(k) = self.literal(e, w)
            {
                return Ok((Val::Const(k), w.loose()));
            }
            return Ok((Val::Field(self.field_ref(e, id)), ty));
        }
        match (want, layered) {
            (Some(w), false) => Ok((Val::Const(self.literal(e, w)?), w.loose())),
            _ => Err(self.not_a_field(e)),
        }
    }

    /// A field reference (`${name}`): the field must exist; its value comes at run time.
    fn ref_value(&mut self, name: Span) -> Result<(Val, Ty), FilterError> {
        let n = self.text(name);
        let id = self
            .reg
            .lookup(n)
            .ok_or_else(|| self.unknown_name(n, name))?;
        self.fields.push(id);
        Ok((
            Val::Nothing,
            Ty {
                ft: self.reg.def(id).ftype,
                field: Some(id),
                plain: false,
            },
        ))
    }

    /// A slice (`base[ranges]`): only byte-like and address values can be sliced.
    fn slice_value(
        &mut self,
        base: &Expr,
        ranges: &[SliceRange],
    ) -> Result<(Val, Ty), FilterError> {
        if self.is_literal(base) {
            return Err(self.not_a_field(base));
        }
        let (bv, bty) = self.value(base, None)?;
        let sliceable =
            bty.class().is_bytes_like() || matches!(bty.class(), Class::Ipv4 | Class::Ipv6);
        if !sliceable {
            return Err(at(
                base.span,
                format!(
                    "\"{}\" is a {} and cannot be sliced into a sequence of bytes.",
                    self.text(base.span),
                    type_name(bty.ft)
                ),
            ));
        }
        Ok((
            Val::Slice(Box::new(bv), ranges.to_vec().into_boxed_slice()),
            Ty::derived(FieldType::Bytes),
        ))
    }

    /// A unary minus: a negative literal, or the negation of a numeric value.
    fn neg_value(
        &mut self,
        e: &Expr,
        inner: &Expr,
        want: Option<&Ty>,
    ) -> Result<(Val, Ty), FilterError> {
        if self.is_literal(inner) {
            return match want {
                Some(w) => Ok((Val::Const(self.literal(e, w)?), w.loose())),
                None => Err(self.not_a_field(inner)),
            };
        }
        let (v, ty) = self.value(inner, want)?;
        if !matches!(
            ty.class(),
            Class::Int | Class::Bool | Class::Float | Class::Time
        ) {
            return Err(at(inner.span, format!("{} cannot -.", ty.ft.ft_name())));
        }
        Ok((Val::Neg(Box::new(v)), numeric_result(ty)))
    }

    fn arith(
        &mut self,
        e: &Expr,
        op: ArithOp,
        l: &Expr,
        r: &Expr,
        want: Option<&Ty>,
    ) -> Result<(Val, Ty), FilterError> {
        let allowed = |c: Class| match op {
            ArithOp::BitAnd => matches!(c, Class::Int | Class::Bool | Class::Bytes),
            ArithOp::Add | ArithOp::Sub => {
                matches!(c, Class::Int | Class::Bool | Class::Float | Class::Time)
            }
            ArithOp::Mul | ArithOp::Div | ArithOp::Rem => {
                matches!(c, Class::Int | Class::Bool | Class::Float)
            }
        };
        // The typed side is checked first, so `ip.src + 1` says "FT_IPv4 cannot +." rather
        // than complaining about the literal.
        let check = |(v, ty): (Val, Ty), side: &Expr| {
            if allowed(ty.class()) {
                Ok((v, ty))
            } else {
                Err(at(
                    side.span,
                    format!("{} cannot {}.", ty.ft.ft_name(), op.symbol()),
                ))
            }
        };
        let ((lv, lty), (rv, rty)) = match (self.is_literal(l), self.is_literal(r)) {
            (true, true) => {
                let Some(w) = want else {
                    return Err(at(
                        e.span,
                        format!(
                            "Left side of \"{}\" expression must be a field or function, not {}.",
                            op.symbol(),
                            self.text(l.span)
                        ),
                    ));
                };
                let w = w.loose();
                let left = check(self.value(l, Some(&w))?, l)?;
                (left, check(self.value(r, Some(&w))?, r)?)
            }
            (true, false) => {
                let right = check(self.value(r, want)?, r)?;
                let left = check(self.value(l, Some(&right.1.loose()))?, l)?;
                (left, right)
            }
            (false, _) => {
                let left = check(self.value(l, want)?, l)?;
                let right = check(self.value(r, Some(&left.1.loose()))?, r)?;
                (left, right)
            }
        };
        if !comparable(lty.class(), rty.class()) {
            return Err(self.incompatible(l, r));
        }
        let result = if self.is_literal(l) { rty } else { lty };
        Ok((
            Val::Arith(op, Box::new(lv), Box::new(rv)),
            numeric_result(result),
        ))
    }

    /// Checks a function call: the name picks the function, which checks its own arguments.
    fn call(&mut self, name_span: Span, args: &[Expr]) -> Result<(Val, Ty), FilterError> {
        let name = self.text(name_span);
        let exactly_one = || arity(name, name_span, args, 1, 1);
        match name {
            "len" => {
                exactly_one()?;
                self.call_len(name, &args[0])
            }
            "count" => {
                exactly_one()?;
                self.call_count(name, &args[0])
            }
            "upper" | "lower" => {
                exactly_one()?;
                self.call_case(name, &args[0])
            }
            "string" => {
                exactly_one()?;
                self.call_string(name, &args[0])
            }
            "max" | "min" => {
                arity(name, name_span, args, 1, usize::MAX)?;
                self.call_extremum(name, args)
            }
            "abs" => {
                exactly_one()?;
                self.call_abs(name, &args[0])
            }
            _ => Err(at(name_span, format!("Function '{name}' does not exist"))),
        }
    }

    /// `len(x)`: the byte length of a byte-like or address value, the width of an integer.
    fn call_len(&mut self, name: &str, a: &Expr) -> Result<(Val, Ty), FilterError> {
        let field_like = matches!(a.kind, ExprKind::Slice { .. }) || self.lookup_word(a).is_some();
        if !field_like {
            return Err(only_fields(name, a));
        }
        let (v, ty) = self.value(a, None)?;
        let val = match ty.class() {
            c if c.is_bytes_like() || matches!(c, Class::Ipv4 | Class::Ipv6) => {
                Val::Len(Box::new(v))
            }
            Class::Int | Class::Bool => Val::Width(Box::new(v), int_width(ty.ft)),
            _ => {
                return Err(at(
                    a.span,
                    format!("len() is not supported for \"{}\"", self.text(a.span)),
                ));
            }
        };
        Ok((val, Ty::derived(FieldType::U64)))
    }

    /// `count(field)`: how many occurrences of a field the frame has.
    fn call_count(&mut self, name: &str, a: &Expr) -> Result<(Val, Ty), FilterError> {
        let Some(id) = self.lookup_word(a) else {
            return Err(only_fields(name, a));
        };
        Ok((
            Val::Count(self.field_ref(a, id)),
            Ty::derived(FieldType::U64),
        ))
    }

    /// `upper(x)` and `lower(x)`: case conversion of a string value.
    fn call_case(&mut self, name: &str, a: &Expr) -> Result<(Val, Ty), FilterError> {
        if self.is_literal(a) {
            return Err(only_fields(name, a));
        }
        let (v, ty) = self.value(a, None)?;
        if ty.class() != Class::Str {
            return Err(at(
                a.span,
                format!("Only string type fields can be used as parameter for {name}()"),
            ));
        }
        let v = if name == "upper" {
            Val::Upper(Box::new(v))
        } else {
            Val::Lower(Box::new(v))
        };
        Ok((v, Ty::derived(FieldType::Str)))
    }

    /// `string(x)`: the text form of a number, address or string value.
    fn call_string(&mut self, name: &str, a: &Expr) -> Result<(Val, Ty), FilterError> {
        if self.is_literal(a) {
            return Err(only_fields(name, a));
        }
        let (v, ty) = self.value(a, None)?;
        let supported = matches!(
            ty.class(),
            Class::Int | Class::Float | Class::Ipv4 | Class::Ipv6 | Class::Ether | Class::Str
        ) || ty.ft == FieldType::Bytes;
        if !supported {
            return Err(at(
                a.span,
                format!(
                    "String conversion for field \"{}\" is not supported",
                    self.text(a.span)
                ),
            ));
        }
        Ok((Val::Text(Box::new(v)), Ty::derived(FieldType::Str)))
    }

    /// `max(...)` and `min(...)`: the first non-literal argument sets the type all the
    /// arguments must share.
    fn call_extremum(&mut self, name: &str, args: &[Expr]) -> Result<(Val, Ty), FilterError> {
        let Some(first) = args.iter().position(|a| !self.is_literal(a)) else {
            return Err(only_fields(name, &args[0]));
        };
        let (_, ty0) = self.value(&args[first], None)?;
        if !matches!(
            ty0.class(),
            Class::Int | Class::Bool | Class::Float | Class::Time | Class::Abs
        ) {
            return Err(invalid_arg(self.src, name, &args[first]));
        }
        let mut vals = Vec::with_capacity(args.len());
        for a in args {
            let (v, ty) = self.value(a, Some(&ty0.loose()))?;
            if !comparable(ty0.class(), ty.class()) {
                return Err(at(
                    a.span,
                    format!(
                        "Arguments to '{name}' must have the same type (expected {}, got {})",
                        ty0.ft.ft_name(),
                        ty.ft.ft_name()
                    ),
                ));
            }
            vals.push(v);
        }
        let vals = vals.into_boxed_slice();
        let v = if name == "max" {
            Val::Max(vals)
        } else {
            Val::Min(vals)
        };
        Ok((v, numeric_result(ty0)))
    }

    /// `abs(x)`: the absolute value of a numeric value.
    fn call_abs(&mut self, name: &str, a: &Expr) -> Result<(Val, Ty), FilterError> {
        if self.is_literal(a) {
            return Err(invalid_arg(self.src, name, a));
        }
        let (v, ty) = self.value(a, None)?;
        if !matches!(
            ty.class(),
            Class::Int | Class::Bool | Class::Float | Class::Time
        ) {
            return Err(invalid_arg(self.src, name, a));
        }
        Ok((Val::Abs(Box::new(v)), numeric_result(ty)))
    }
}

/// Checks the argument count of function `name`, called at `name_span`.
fn arity(
    name: &str,
    name_span: Span,
    args: &[Expr],
    min: usize,
    max: usize,
) -> Result<(), FilterError> {
    if args.len() < min {
        Err(at(
            name_span,
            format!("Function {name} needs at least {min} arguments."),
        ))
    } else if args.len() > max {
        Err(at(
            name_span,
            format!("Function {name} can only accept {max} arguments."),
        ))
    } else {
        Ok(())
    }
}

/// The error for a function argument that must be a field.
fn only_fields(name: &str, e: &Expr) -> FilterError {
    at(
        e.span,
        format!("Only fields can be used as parameter for {name}()"),
    )
}

/// The error for an argument of the wrong kind, quoting it from the filter text `src`.
fn invalid_arg(src: &str, name: &str, e: &Expr) -> FilterError {
    at(
        e.span,
        format!(
            "'{}' is not a valid argument to '{name}'()",
            &src[e.span.0..e.span.1]
        ),
    )
}

/// Whether two classes can meet in a comparison (integers and floats mix too).
fn comparable(a: Class, b: Class) -> bool {
    a.compatible(b)
        || matches!(
            (a, b),
            (Class::Int | Class::Float, Class::Int | Class::Float)
        )
}

/// The type of an arithmetic result: a number, no longer bound to the field's range.
fn numeric_result(ty: Ty) -> Ty {
    let ft = if ty.class() == Class::Bool {
        FieldType::U64
    } else {
        ty.ft
    };
    Ty {
        ft,
        field: ty.field,
        plain: false,
    }
}

/// Width in bytes of an integer type, what `len()` of an integer field gives.
fn int_width(ft: FieldType) -> u8 {
    match ft {
        FieldType::U8 | FieldType::Bool => 1,
        FieldType::U16 => 2,
        FieldType::U24 => 3,
        FieldType::U64 => 8,
        _ => 4,
    }
}

/// Builds a `matches` pattern: case-insensitive by default like Wireshark's PCRE2 call
/// (`(?-i)` turns that off), on bytes without Unicode classes, bounded by
/// [`super::REGEX_SIZE_LIMIT`].
fn regex(bytes: &[u8], span: Span) -> Result<regex::bytes::Regex, FilterError> {
    let pattern = std::str::from_utf8(bytes).map_err(|_| {
        at(
            span,
            "Regex compilation error: the pattern is not valid UTF-8.",
        )
    })?;
    let build = |unicode: bool| {
        regex::bytes::RegexBuilder::new(pattern)
            .case_insensitive(true)
            .unicode(unicode)
            .size_limit(super::REGEX_SIZE_LIMIT)
            .dfa_size_limit(super::REGEX_SIZE_LIMIT)
            .build()
    };
    // Bytes first (PCRE2 without UTF, as Wireshark compiles it); a pattern with non-ASCII
    // literals needs Unicode mode.
    build(false).or_else(|_| build(true)).map_err(|e| {
        let reason = match &e {
            regex::Error::CompiledTooBig(limit) => format!(
                "the compiled pattern is larger than the limit of {limit} bytes (REGEX_SIZE_LIMIT)"
            ),
            other => other
                .to_string()
                .lines()
                .rev()
                .find_map(|l| l.strip_prefix("error: "))
                .unwrap_or("invalid pattern")
                .to_string(),
        };
        at(span, format!("Regex compilation error: {reason}."))
    })
}
