//! Recursive-descent parser with Wireshark's precedence, lowest first:
//! `or` < `xor` < `and` < `not` < comparison (non-associative) < `&` < `+ -` < `* / %` <
//! unary `-` < slices and the layer operator.
//!
//! Recursion is bounded: every construct that nests (`(`, `not`, `{`, unary minus, function
//! arguments) goes through `Parser::enter`, which refuses to go deeper than
//! [`super::MAX_NESTING`], so a 10 000-deep `((((` is a clear error and never a stack
//! overflow.

use super::ast::{
    ArithOp, CmpOp, Expr, ExprKind, Quant, RangeEnd, SetElem, SliceRange, Test, TestKind, deeper,
    too_deep,
};
use super::error::{FilterError, Span};
use super::lexer::{Kind, Token, tokenize};

/// Parses a whole filter; `None` for an empty (all-whitespace) filter.
///
/// # Errors
/// The first syntax error, in tshark's words.
pub fn parse(src: &str) -> Result<Option<Test>, FilterError> {
    let toks = tokenize(src)?;
    if toks.is_empty() {
        return Ok(None);
    }
    check_nesting(src, &toks)?;
    let mut p = Parser {
        src,
        toks,
        pos: 0,
        depth: 0,
    };
    let t = p.or()?;
    if let Some(tok) = p.peek() {
        return Err(p.unexpected(tok));
    }
    Ok(Some(t))
}

/// A conservative bound on the parser's recursion, computed without recursing: brackets
/// (`(`, `{`, `${`) nest, and so do runs of prefix operators (`not`, `!`, unary `-`/`+`)
/// until what they apply to ends (a logical operator for `not`, the operand for `-`).
/// Hostile input such as 10 000 `(` is refused here, before the recursive parser has used
/// any stack; the parser's own `Parser::enter` check stays as the exact bound.
fn check_nesting(src: &str, toks: &[Token]) -> Result<(), FilterError> {
    // Per open bracket: prefix `not`s and unary signs currently in force.
    let mut levels: Vec<(usize, usize)> = vec![(0, 0)];
    let mut prev_is_operand = false;
    for t in toks {
        let word = match t.kind {
            Kind::Word => Some(&src[t.span.0..t.span.1]),
            _ => None,
        };
        let mut operand = false;
        match (&t.kind, word) {
            (Kind::LParen | Kind::LBrace | Kind::DollarBrace, _) => levels.push((0, 0)),
            (Kind::RParen | Kind::RBrace, _) => {
                if levels.len() > 1 {
                    levels.pop();
                }
                if let Some(top) = levels.last_mut() {
                    top.1 = 0;
                }
                operand = true;
            }
            (Kind::Bang, _) | (_, Some("not")) => levels.last_mut().expect("base").0 += 1,
            (Kind::Minus | Kind::Plus, _) if !prev_is_operand => {
                levels.last_mut().expect("base").1 += 1
            }
            (Kind::AndAnd | Kind::OrOr | Kind::XorXor, _) | (_, Some("and" | "or" | "xor")) => {
                *levels.last_mut().expect("base") = (0, 0)
            }
            (Kind::Word | Kind::Str { .. } | Kind::Char(_) | Kind::Range, _) => {
                levels.last_mut().expect("base").1 = 0;
                operand = !word.is_some_and(is_keyword);
            }
            _ => {}
        }
        prev_is_operand = operand;
        let depth: usize = levels.len() - 1 + levels.iter().map(|(n, s)| n + s).sum::<usize>();
        if depth > super::MAX_NESTING {
            return Err(too_deep(t.span));
        }
    }
    Ok(())
}

struct Parser<'s> {
    src: &'s str,
    toks: Vec<Token>,
    pos: usize,
    depth: usize,
}

/// Word spellings of the relational operators.
fn word_op(w: &str) -> Option<CmpOp> {
    Some(match w {
        "eq" | "any_eq" => CmpOp::Eq,
        "ne" | "all_ne" => CmpOp::Ne,
        "all_eq" => CmpOp::AllEq,
        "any_ne" => CmpOp::AnyNe,
        "gt" => CmpOp::Gt,
        "ge" => CmpOp::Ge,
        "lt" => CmpOp::Lt,
        "le" => CmpOp::Le,
        "contains" => CmpOp::Contains,
        "matches" => CmpOp::Matches,
        _ => return None,
    })
}

/// Words that are operators, never names or literals.
fn is_keyword(w: &str) -> bool {
    word_op(w).is_some()
        || matches!(
            w,
            "and" | "or" | "xor" | "not" | "in" | "any" | "all" | "bitwise_and" | "bitand"
        )
}

impl<'s> Parser<'s> {
    fn peek(&self) -> Option<&Token> {
        self.toks.get(self.pos)
    }

    fn peek_kind(&self) -> Option<&Kind> {
        self.peek().map(|t| &t.kind)
    }

    fn text(&self, span: Span) -> &'s str {
        &self.src[span.0..span.1]
    }

    /// The word at the cursor, if the token is a word.
    fn peek_word(&self) -> Option<&'s str> {
        match self.peek() {
            Some(Token {
                kind: Kind::Word,
                span,
            }) => Some(self.text(*span)),
            _ => None,
        }
    }

    fn peek_word_at(&self, k: usize) -> Option<&'s str> {
        match self.toks.get(self.pos + k) {
            Some(Token {
                kind: Kind::Word,
                span,
            }) => Some(self.text(*span)),
            _ => None,
        }
    }

    fn bump(&mut self) -> Token {
        let t = self.toks[self.pos].clone();
        self.pos += 1;
        t
    }

    fn unexpected(&self, tok: &Token) -> FilterError {
        FilterError::unexpected(tok.span, self.text(tok.span))
    }

    /// The next token, which must exist.
    fn next_or_end(&mut self) -> Result<Token, FilterError> {
        if self.pos < self.toks.len() {
            Ok(self.bump())
        } else {
            Err(FilterError::unexpected_end())
        }
    }

    fn expect(&mut self, kind: &Kind) -> Result<Token, FilterError> {
        let t = self.next_or_end()?;
        if &t.kind == kind {
            Ok(t)
        } else {
            Err(self.unexpected(&t))
        }
    }

    /// Goes one level deeper; refuses past the limit.
    fn enter(&mut self, at: Span) -> Result<(), FilterError> {
        self.depth += 1;
        if self.depth > super::MAX_NESTING {
            return Err(too_deep(at));
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.depth -= 1;
    }

    fn is_or(&self) -> bool {
        matches!(self.peek_kind(), Some(Kind::OrOr)) || self.peek_word() == Some("or")
    }

    fn is_xor(&self) -> bool {
        matches!(self.peek_kind(), Some(Kind::XorXor)) || self.peek_word() == Some("xor")
    }

    fn is_and(&self) -> bool {
        matches!(self.peek_kind(), Some(Kind::AndAnd)) || self.peek_word() == Some("and")
    }

    fn or(&mut self) -> Result<Test, FilterError> {
        let first = self.xor()?;
        if !self.is_or() {
            return Ok(first);
        }
        let mut items = vec![first];
        while self.is_or() {
            self.bump();
            items.push(self.xor()?);
        }
        let depth = deeper(items.iter().map(|t| t.depth), (0, 0))?;
        Ok(Test {
            kind: Box::new(TestKind::Or(items)),
            depth,
        })
    }

    fn xor(&mut self) -> Result<Test, FilterError> {
        let mut left = self.and()?;
        while self.is_xor() {
            let op = self.bump();
            let right = self.and()?;
            let depth = deeper([left.depth, right.depth], op.span)?;
            left = Test {
                kind: Box::new(TestKind::Xor(Box::new(left), Box::new(right))),
                depth,
            };
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Test, FilterError> {
        let first = self.not()?;
        if !self.is_and() {
            return Ok(first);
        }
        let mut items = vec![first];
        while self.is_and() {
            self.bump();
            items.push(self.not()?);
        }
        let depth = deeper(items.iter().map(|t| t.depth), (0, 0))?;
        Ok(Test {
            kind: Box::new(TestKind::And(items)),
            depth,
        })
    }

    fn not(&mut self) -> Result<Test, FilterError> {
        let negation =
            matches!(self.peek_kind(), Some(Kind::Bang)) || self.peek_word() == Some("not");
        if negation {
            let tok = self.bump();
            self.enter(tok.span)?;
            let inner = self.not()?;
            self.leave();
            let depth = deeper([inner.depth], tok.span)?;
            return Ok(Test {
                kind: Box::new(TestKind::Not(Box::new(inner))),
                depth,
            });
        }
        if matches!(self.peek_kind(), Some(Kind::LParen)) {
            let tok = self.bump();
            self.enter(tok.span)?;
            let inner = self.or()?;
            self.expect(&Kind::RParen)?;
            self.leave();
            return Ok(inner);
        }
        self.relation()
    }

    /// The relational operator at the cursor, if any (symbol or word).
    fn peek_cmp(&self) -> Option<CmpOp> {
        match self.peek_kind()? {
            Kind::Eq => Some(CmpOp::Eq),
            Kind::Ne => Some(CmpOp::Ne),
            Kind::AllEq => Some(CmpOp::AllEq),
            Kind::AnyNe => Some(CmpOp::AnyNe),
            Kind::Gt => Some(CmpOp::Gt),
            Kind::Ge => Some(CmpOp::Ge),
            Kind::Lt => Some(CmpOp::Lt),
            Kind::Le => Some(CmpOp::Le),
            Kind::Tilde => Some(CmpOp::Matches),
            Kind::Word => word_op(self.peek_word()?),
            _ => None,
        }
    }

    fn relation(&mut self) -> Result<Test, FilterError> {
        let quant = match self.peek_word() {
            Some(w @ ("any" | "all")) if self.toks.get(self.pos + 1).is_some() => {
                let t = self.bump();
                Some((if w == "any" { Quant::Any } else { Quant::All }, t.span))
            }
            _ => None,
        };
        let lhs = self.arith()?;
        let test = if let Some(op) = self.peek_cmp() {
            let op_tok = self.bump();
            let rhs = self.arith()?;
            let depth = deeper([lhs.depth, rhs.depth], op_tok.span)?;
            Test {
                kind: Box::new(TestKind::Cmp {
                    quant,
                    op,
                    op_span: op_tok.span,
                    lhs,
                    rhs,
                }),
                depth,
            }
        } else if self.peek_word() == Some("in")
            || (self.peek_word() == Some("not") && self.peek_word_at(1) == Some("in"))
        {
            let negated = self.bump_word_is("not");
            self.bump(); // `in`
            let set = self.set()?;
            let depth = deeper(
                set.iter()
                    .flat_map(|e| [Some(e.lo.depth), e.hi.as_ref().map(|h| h.depth)])
                    .flatten()
                    .chain([lhs.depth]),
                lhs.span,
            )?;
            Test {
                kind: Box::new(TestKind::In {
                    quant,
                    negated,
                    lhs,
                    set,
                }),
                depth,
            }
        } else {
            if let Some((_, span)) = quant {
                return Err(match self.peek() {
                    Some(t) => self.unexpected(t),
                    None => FilterError::at(
                        span,
                        format!("\"{}\" must be followed by a comparison.", self.text(span)),
                    ),
                });
            }
            Test {
                depth: lhs.depth,
                kind: Box::new(TestKind::Bare(lhs)),
            }
        };
        // Comparisons do not chain in 4.0: `a == b == c` is an error.
        if self.peek_cmp().is_some()
            || self.peek_word() == Some("in")
            || matches!(self.peek_kind(), Some(Kind::LParen))
        {
            let t = self.peek().cloned();
            return Err(self.unexpected(t.as_ref().expect("peeked")));
        }
        Ok(test)
    }

    /// Consumes the word at the cursor when it is `w`.
    fn bump_word_is(&mut self, w: &str) -> bool {
        if self.peek_word() == Some(w) {
            self.bump();
            true
        } else {
            false
        }
    }

    fn set(&mut self) -> Result<Vec<SetElem>, FilterError> {
        let open = self.expect(&Kind::LBrace)?;
        self.enter(open.span)?;
        let mut elems = Vec::new();
        loop {
            let lo = self.arith()?;
            let hi = if matches!(self.peek_kind(), Some(Kind::DotDot)) {
                self.bump();
                Some(self.arith()?)
            } else {
                None
            };
            if elems.len() >= super::MAX_SET_SIZE {
                return Err(FilterError::at(
                    lo.span,
                    format!("A set may hold at most {} members.", super::MAX_SET_SIZE),
                ));
            }
            elems.push(SetElem { lo, hi });
            let t = self.next_or_end()?;
            match t.kind {
                Kind::Comma => continue,
                Kind::RBrace => break,
                _ => return Err(self.unexpected(&t)),
            }
        }
        self.leave();
        Ok(elems)
    }

    fn is_bitand(&self) -> bool {
        matches!(self.peek_kind(), Some(Kind::Amp))
            || matches!(self.peek_word(), Some("bitwise_and" | "bitand"))
    }

    fn arith(&mut self) -> Result<Expr, FilterError> {
        let mut left = self.additive()?;
        while self.is_bitand() {
            let op = self.bump();
            let right = self.additive()?;
            left = binary(ArithOp::BitAnd, op.span, left, right)?;
        }
        Ok(left)
    }

    fn additive(&mut self) -> Result<Expr, FilterError> {
        let mut left = self.multiplicative()?;
        loop {
            let op = match self.peek_kind() {
                Some(Kind::Plus) => ArithOp::Add,
                Some(Kind::Minus) => ArithOp::Sub,
                _ => return Ok(left),
            };
            let tok = self.bump();
            let right = self.multiplicative()?;
            left = binary(op, tok.span, left, right)?;
        }
    }

    fn multiplicative(&mut self) -> Result<Expr, FilterError> {
        let mut left = self.unary()?;
        loop {
            let op = match self.peek_kind() {
                Some(Kind::Star) => ArithOp::Mul,
                Some(Kind::Slash) => ArithOp::Div,
                Some(Kind::Percent) => ArithOp::Rem,
                _ => return Ok(left),
            };
            let tok = self.bump();
            let right = self.unary()?;
            left = binary(op, tok.span, left, right)?;
        }
    }

    fn unary(&mut self) -> Result<Expr, FilterError> {
        match self.peek_kind() {
            Some(Kind::Minus) | Some(Kind::Plus) => {
                let tok = self.bump();
                self.enter(tok.span)?;
                let inner = self.unary()?;
                self.leave();
                if tok.kind == Kind::Plus {
                    return Ok(inner);
                }
                let span = (tok.span.0, inner.span.1);
                let depth = deeper([inner.depth], tok.span)?;
                Ok(Expr {
                    kind: ExprKind::Neg(Box::new(inner)),
                    span,
                    depth,
                })
            }
            _ => self.postfix(),
        }
    }

    fn postfix(&mut self) -> Result<Expr, FilterError> {
        let mut e = self.primary()?;
        while matches!(self.peek_kind(), Some(Kind::Range)) {
            let tok = self.bump();
            let ranges = self.slice_ranges(tok.span)?;
            let span = (e.span.0, tok.span.1);
            let depth = deeper([e.depth], tok.span)?;
            e = Expr {
                kind: ExprKind::Slice {
                    base: Box::new(e),
                    ranges,
                },
                span,
                depth,
            };
        }
        Ok(e)
    }

    fn primary(&mut self) -> Result<Expr, FilterError> {
        let tok = self.next_or_end()?;
        let leaf = |kind| Expr {
            kind,
            span: tok.span,
            depth: 1,
        };
        match &tok.kind {
            Kind::Word => {
                let w = self.text(tok.span);
                if is_keyword(w) {
                    return Err(self.unexpected(&tok));
                }
                if matches!(self.peek_kind(), Some(Kind::LParen)) {
                    return self.call(tok.span);
                }
                let layers = if matches!(self.peek_kind(), Some(Kind::Hash)) {
                    Some(self.layers()?)
                } else {
                    None
                };
                let end = layers.as_ref().map_or(tok.span.1, |(_, s)| s.1);
                Ok(Expr {
                    kind: ExprKind::Word { layers },
                    span: (tok.span.0, end),
                    depth: 1,
                })
            }
            Kind::Str { bytes, raw } => Ok(leaf(ExprKind::Str {
                bytes: bytes.clone(),
                raw: *raw,
            })),
            Kind::Char(v) => Ok(leaf(ExprKind::Char(*v))),
            Kind::LBrace => {
                self.enter(tok.span)?;
                let inner = self.arith()?;
                self.expect(&Kind::RBrace)?;
                self.leave();
                Ok(inner)
            }
            Kind::DollarBrace => {
                let name = self.next_or_end()?;
                if name.kind != Kind::Word {
                    return Err(self.unexpected(&name));
                }
                let close = self.expect(&Kind::RBrace)?;
                Ok(Expr {
                    kind: ExprKind::Ref { name: name.span },
                    span: (tok.span.0, close.span.1),
                    depth: 1,
                })
            }
            _ => Err(self.unexpected(&tok)),
        }
    }

    fn call(&mut self, name: Span) -> Result<Expr, FilterError> {
        let open = self.bump();
        self.enter(open.span)?;
        let mut args = Vec::new();
        if matches!(self.peek_kind(), Some(Kind::RParen)) {
            self.bump();
        } else {
            loop {
                args.push(self.arith()?);
                let t = self.next_or_end()?;
                match t.kind {
                    Kind::Comma => continue,
                    Kind::RParen => break,
                    _ => return Err(self.unexpected(&t)),
                }
            }
        }
        self.leave();
        let end = self.toks[self.pos - 1].span.1;
        let depth = deeper(args.iter().map(|a| a.depth), name)?;
        Ok(Expr {
            kind: ExprKind::Call { name, args },
            span: (name.0, end),
            depth,
        })
    }

    /// The layer operator after a field name: `#2` or `#[1-2]` (also `#[1,3]`, `#[2:1]`).
    fn layers(&mut self) -> Result<(Vec<(u32, u32)>, Span), FilterError> {
        let hash = self.bump();
        let Some(t) = self.peek().cloned() else {
            return Err(FilterError::unexpected_end());
        };
        let expected = || {
            FilterError::at(
                t.span,
                format!(
                    "Expected digit or \"[\", not \"{}\"",
                    self.text(t.span).chars().next().unwrap_or(' ')
                ),
            )
        };
        let ranges = match t.kind {
            Kind::Word => {
                let n: u32 = self.text(t.span).parse().map_err(|_| expected())?;
                vec![(n, n)]
            }
            Kind::Range => self
                .slice_ranges(t.span)?
                .into_iter()
                .map(|r| layer_range(r).ok_or_else(|| bad_layer(self.text(t.span), t.span)))
                .collect::<Result<_, _>>()?,
            _ => return Err(expected()),
        };
        self.bump();
        Ok((ranges, (hash.span.0, t.span.1)))
    }

    /// Parses the text of a `[...]` token into ranges.
    fn slice_ranges(&self, span: Span) -> Result<Vec<SliceRange>, FilterError> {
        let inner_start = span.0 + 1;
        let inner = &self.src[inner_start..span.1 - 1];
        let mut out = Vec::new();
        let mut offset = inner_start;
        for part in inner.split(',') {
            let lead = part.len() - part.trim_start().len();
            let p = part.trim();
            let pspan = (offset + lead, offset + lead + p.len().max(1));
            offset += part.len() + 1;
            out.push(parse_range(p).ok_or_else(|| {
                if p.is_empty() {
                    FilterError::unexpected(
                        (pspan.0, pspan.0 + 1),
                        &self.src[pspan.0..(pspan.0 + 1).min(self.src.len())],
                    )
                } else {
                    FilterError::at(pspan, format!("\"{p}\" is not a valid range."))
                }
            })?);
        }
        Ok(out)
    }
}

fn bad_layer(text: &str, span: Span) -> FilterError {
    FilterError::at(
        span,
        format!("\"{text}\" is not a valid layer range (layers count from 1)."),
    )
}

/// A slice range used as a layer range: 1-based, inclusive, no negative offsets.
fn layer_range(r: SliceRange) -> Option<(u32, u32)> {
    let start = u32::try_from(r.start).ok()?;
    let end = match r.end {
        RangeEnd::Len(n) => start.checked_add(u32::try_from(n).ok()?)?.checked_sub(1)?,
        RangeEnd::To(e) => u32::try_from(e).ok()?,
        RangeEnd::ToEnd => u32::MAX,
    };
    Some((start, end))
}

fn parse_int(s: &str) -> Option<i64> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    s.parse().ok()
}

/// One range of a slice: `i:j`, `i-j`, `i`, `:j`, `i:`; offsets may be negative.
fn parse_range(p: &str) -> Option<SliceRange> {
    if let Some((a, b)) = p.split_once(':') {
        let start = if a.trim().is_empty() {
            0
        } else {
            parse_int(a)?
        };
        let end = if b.trim().is_empty() {
            RangeEnd::ToEnd
        } else {
            let n = parse_int(b)?;
            if n < 0 {
                return None;
            }
            RangeEnd::Len(n)
        };
        return Some(SliceRange { start, end });
    }
    // `i-j`: the separating minus is the first one after the first character, so that
    // `-3--1` splits into -3 and -1.
    if let Some(k) = p.get(1..).and_then(|rest| rest.find('-')).map(|k| k + 1) {
        let start = parse_int(&p[..k])?;
        let end = parse_int(&p[k + 1..])?;
        return Some(SliceRange {
            start,
            end: RangeEnd::To(end),
        });
    }
    let start = parse_int(p)?;
    Some(SliceRange {
        start,
        end: RangeEnd::Len(1),
    })
}

fn binary(op: ArithOp, op_span: Span, lhs: Expr, rhs: Expr) -> Result<Expr, FilterError> {
    let depth = deeper([lhs.depth, rhs.depth], op_span)?;
    Ok(Expr {
        span: (lhs.span.0, rhs.span.1),
        kind: ExprKind::Arith {
            op,
            op_span,
            lhs: Box::new(lhs),
            rhs: Box::new(rhs),
        },
        depth,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(s: &str) -> FilterError {
        parse(s).unwrap_err()
    }

    #[test]
    fn empty_filter_is_none() {
        assert_eq!(parse("   ").unwrap(), None);
    }

    #[test]
    fn precedence_or_xor_and() {
        let t = parse("a or b and c").unwrap().unwrap();
        let TestKind::Or(items) = *t.kind else {
            panic!("or on top")
        };
        assert!(matches!(*items[1].kind, TestKind::And(_)));
        let t = parse("a or b xor c").unwrap().unwrap();
        let TestKind::Or(items) = *t.kind else {
            panic!("or on top")
        };
        assert!(matches!(*items[1].kind, TestKind::Xor(..)));
        let t = parse("a and b ^^ c").unwrap().unwrap();
        assert!(matches!(*t.kind, TestKind::Xor(..)));
    }

    #[test]
    fn comparison_binds_tighter_than_not() {
        let t = parse("! tcp.port == 80").unwrap().unwrap();
        let TestKind::Not(inner) = *t.kind else {
            panic!()
        };
        assert!(matches!(*inner.kind, TestKind::Cmp { .. }));
    }

    #[test]
    fn bitand_binds_tighter_than_eq() {
        let t = parse("tcp.flags & 0x12 == 0x12").unwrap().unwrap();
        let TestKind::Cmp { lhs, .. } = *t.kind else {
            panic!()
        };
        assert!(matches!(
            lhs.kind,
            ExprKind::Arith {
                op: ArithOp::BitAnd,
                ..
            }
        ));
    }

    #[test]
    fn slice_ranges() {
        assert_eq!(
            parse_range("0:3"),
            Some(SliceRange {
                start: 0,
                end: RangeEnd::Len(3)
            })
        );
        assert_eq!(
            parse_range("3-5"),
            Some(SliceRange {
                start: 3,
                end: RangeEnd::To(5)
            })
        );
        assert_eq!(
            parse_range("-3--1"),
            Some(SliceRange {
                start: -3,
                end: RangeEnd::To(-1)
            })
        );
        assert_eq!(
            parse_range(":2"),
            Some(SliceRange {
                start: 0,
                end: RangeEnd::Len(2)
            })
        );
        assert_eq!(
            parse_range("-4:"),
            Some(SliceRange {
                start: -4,
                end: RangeEnd::ToEnd
            })
        );
        assert_eq!(parse_range("x"), None);
    }

    #[test]
    fn syntax_errors_in_tshark_words() {
        assert_eq!(
            err("tcp.port = 80").message,
            "\"=\" was unexpected in this context."
        );
        assert_eq!(
            err("tcp.port == 80)").message,
            "\")\" was unexpected in this context."
        );
        assert_eq!(
            err("tcp.port == 80 80").message,
            "\"80\" was unexpected in this context."
        );
        assert_eq!(
            err("tcp.port == 80 && || udp").message,
            "\"||\" was unexpected in this context."
        );
        assert_eq!(err("tcp.port in {80 443}").span, Some((16, 19)));
        assert_eq!(
            err("tcp.port in {}").message,
            "\"}\" was unexpected in this context."
        );
        for s in [
            "tcp.port ==",
            "(tcp.port == 80",
            "tcp and",
            "tcp contains",
            "!",
        ] {
            assert_eq!(err(s), FilterError::unexpected_end(), "{s}");
        }
        assert_eq!(
            err("ip.src#-1 == 1.2.3.4").message,
            "Expected digit or \"[\", not \"-\""
        );
    }

    #[test]
    fn nesting_is_bounded() {
        let deep = "(".repeat(10_000) + "tcp" + &")".repeat(10_000);
        assert!(err(&deep).message.contains("nested too deeply"));
        let chain = "tcp.port == 1".to_string() + &" + 1".repeat(10_000);
        assert!(err(&chain).message.contains("nested too deeply"));
        let nots = "not ".repeat(10_000) + "tcp";
        assert!(err(&nots).message.contains("nested too deeply"));
        let ok = "(".repeat(20) + "tcp" + &")".repeat(20);
        assert!(parse(&ok).is_ok());
    }
}
