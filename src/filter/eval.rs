//! Per-packet evaluation of a compiled filter.
//!
//! Field values arrive through [`crate::fields::Registry::each_value`] callbacks and may
//! borrow from the extractor's stack, so nothing is collected: comparisons run inside the
//! callbacks (nested for field-to-field comparisons and arithmetic) and only count pairs and
//! hits. Derived values (slices joined from several ranges, `upper()`, `string()`) are built
//! in a `Scratch` buffer on the stack. Evaluation allocates nothing, except for a derived
//! value longer than [`SCRATCH_LEN`] bytes.

use super::ast::{ArithOp, RangeEnd, SliceRange};
use super::compile::{FieldRef, Prog, Rel, Val};
use super::literal::{Class, Konst};
use crate::dissect::Dissection;
use crate::fields::{LayerSel, Value, registry};
use std::cmp::Ordering;
use std::fmt::Write as _;

/// Stack space for one derived value (a joined slice, an upper-cased string, the text of
/// `string()`); a longer value spills to the heap. 256 bytes holds every address, number and
/// name the registry has.
pub const SCRATCH_LEN: usize = 256;

/// A value during evaluation: numbers by value, byte sequences borrowed.
#[derive(Debug, Clone, Copy)]
pub enum V<'a> {
    /// Integers, booleans (0/1), frame numbers.
    Int(i128),
    /// Floating point.
    Float(f64),
    /// Duration in nanoseconds.
    Time(i128),
    /// Nanoseconds since the epoch.
    Abs(i128),
    /// IPv4 address and prefix length.
    Ip4(u32, u8),
    /// IPv6 address and prefix length.
    Ip6(u128, u8),
    /// MAC address.
    Mac([u8; 6]),
    /// Byte string (also protocols and slices).
    Bytes(&'a [u8]),
    /// Character string.
    Str(&'a [u8]),
    /// Presence only.
    Label,
}

impl Konst {
    fn v(&self) -> V<'_> {
        match self {
            Konst::Int(i) => V::Int(*i),
            Konst::Float(f) => V::Float(*f),
            Konst::Time(t) => V::Time(*t),
            Konst::Abs(t) => V::Abs(*t),
            Konst::Ip4(a, p) => V::Ip4(*a, *p),
            Konst::Ip6(a, p) => V::Ip6(*a, *p),
            Konst::Mac(m) => V::Mac(*m),
            Konst::Bytes(b) => V::Bytes(b),
            Konst::Str(s) => V::Str(s),
        }
    }
}

fn from_value(v: Value<'_>, class: Class) -> V<'_> {
    match v {
        Value::Uint(u) if class == Class::Bool => V::Int((u != 0) as i128),
        Value::Uint(u) => V::Int(u as i128),
        Value::Int(i) if class == Class::Bool => V::Int((i != 0) as i128),
        Value::Int(i) => V::Int(i as i128),
        Value::Bool(b) => V::Int(b as i128),
        Value::Ipv4(a) => V::Ip4(u32::from_be_bytes(a), 32),
        Value::Ipv6(a) => V::Ip6(u128::from_be_bytes(a), 128),
        Value::Ether(m) => V::Mac(m),
        Value::Bytes(b) => V::Bytes(b),
        Value::Str(s) | Value::Text(s) => V::Str(s),
        Value::RelTime(t) => V::Time(t),
        Value::AbsTime(t) => V::Abs(t.as_nanos()),
        Value::Double(f) => V::Float(f),
        Value::Present => V::Label,
    }
}

/// A byte buffer on the stack that spills to the heap past [`SCRATCH_LEN`].
struct Scratch {
    stack: [u8; SCRATCH_LEN],
    len: usize,
    heap: Vec<u8>,
}

impl Scratch {
    fn new() -> Scratch {
        Scratch {
            stack: [0; SCRATCH_LEN],
            len: 0,
            heap: Vec::new(),
        }
    }

    fn push(&mut self, b: &[u8]) {
        if self.heap.is_empty() && self.len + b.len() <= SCRATCH_LEN {
            self.stack[self.len..self.len + b.len()].copy_from_slice(b);
            self.len += b.len();
        } else {
            if self.heap.is_empty() {
                self.heap.extend_from_slice(&self.stack[..self.len]);
            }
            self.heap.extend_from_slice(b);
        }
    }

    fn as_slice(&self) -> &[u8] {
        if self.heap.is_empty() {
            &self.stack[..self.len]
        } else {
            &self.heap
        }
    }
}

impl std::fmt::Write for Scratch {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.push(s.as_bytes());
        Ok(())
    }
}

/// Calls `g` with the bytes of a byte-like value (addresses in network order).
fn with_bytes<R>(v: &V<'_>, g: impl FnOnce(&[u8]) -> R) -> Option<R> {
    match v {
        V::Bytes(b) | V::Str(b) => Some(g(b)),
        V::Mac(m) => Some(g(m)),
        V::Ip4(a, _) => Some(g(&a.to_be_bytes())),
        V::Ip6(a, _) => Some(g(&a.to_be_bytes())),
        _ => None,
    }
}

/// Runs a compiled test on one frame.
pub fn test(p: &Prog, d: &Dissection<'_>) -> bool {
    match p {
        Prog::Exists(f) => {
            let mut any = false;
            each_field(f, d, &mut |_| any = true);
            any
        }
        Prog::HasProto(proto) => d.has(*proto),
        Prog::Not(x) => !test(x, d),
        Prog::And(xs) => xs.iter().all(|x| test(x, d)),
        Prog::Or(xs) => xs.iter().any(|x| test(x, d)),
        Prog::Xor(a, b) => test(a, d) != test(b, d),
        // The most common shape, `field == constant`, skips the general pairing.
        Prog::Cmp {
            all,
            rel,
            lhs: Val::Field(f),
            rhs: Val::Const(k),
        } if f.layers.is_none() => {
            let konst = k.v();
            let (mut n, mut hits) = (0usize, 0usize);
            registry().each_value(f.id, d, LayerSel::All, &mut |v| {
                n += 1;
                let quick = match rel {
                    Rel::Eq => quick_eq(&v, &konst, f.class),
                    _ => None,
                };
                hits +=
                    quick.unwrap_or_else(|| relate(*rel, &from_value(v, f.class), &konst)) as usize;
            });
            decide(*all, n, hits)
        }
        Prog::Cmp { all, rel, lhs, rhs } => pairs(*all, lhs, rhs, d, |a, b| relate(*rel, a, b)),
        Prog::Contains { all, lhs, rhs } => pairs(*all, lhs, rhs, d, contains),
        Prog::Matches { all, lhs, re } => single(*all, lhs, d, |v| {
            with_bytes(v, |b| re.is_match(b)).unwrap_or(false)
        }),
        Prog::In { all, lhs, set } => single(*all, lhs, d, |v| in_set(v, set, d)),
        Prog::Present(v) => single(false, v, d, |_| true),
        Prog::NonZero(v) => single(false, v, d, non_zero),
    }
}

fn decide(all: bool, n: usize, hits: usize) -> bool {
    if all { n > 0 && hits == n } else { hits > 0 }
}

/// Quantifies a predicate over the values of one expression.
fn single(all: bool, v: &Val, d: &Dissection<'_>, pred: impl Fn(&V<'_>) -> bool) -> bool {
    let (mut n, mut hits) = (0usize, 0usize);
    each(v, d, &mut |x| {
        n += 1;
        hits += pred(&x) as usize;
    });
    decide(all, n, hits)
}

/// Quantifies a relation over every (left, right) pair.
fn pairs(
    all: bool,
    lhs: &Val,
    rhs: &Val,
    d: &Dissection<'_>,
    pred: impl Fn(&V<'_>, &V<'_>) -> bool,
) -> bool {
    let (mut n, mut hits) = (0usize, 0usize);
    each(lhs, d, &mut |a| {
        each(rhs, d, &mut |b| {
            n += 1;
            hits += pred(&a, &b) as usize;
        })
    });
    decide(all, n, hits)
}

fn mask32(p: u8) -> u32 {
    if p == 0 {
        0
    } else {
        u32::MAX << (32 - p.min(32))
    }
}

fn mask128(p: u8) -> u128 {
    if p == 0 {
        0
    } else {
        u128::MAX << (128 - p.min(128))
    }
}

fn equal(a: &V<'_>, b: &V<'_>) -> bool {
    match (a, b) {
        (V::Ip4(x, p), V::Ip4(y, q)) => {
            let m = mask32((*p).min(*q));
            x & m == y & m
        }
        (V::Ip6(x, p), V::Ip6(y, q)) => {
            let m = mask128((*p).min(*q));
            x & m == y & m
        }
        _ => order(a, b) == Some(Ordering::Equal),
    }
}

fn order(a: &V<'_>, b: &V<'_>) -> Option<Ordering> {
    match (a, b) {
        (V::Int(x), V::Int(y)) | (V::Time(x), V::Time(y)) | (V::Abs(x), V::Abs(y)) => {
            Some(x.cmp(y))
        }
        (V::Float(x), V::Float(y)) => x.partial_cmp(y),
        (V::Float(x), V::Int(y)) => x.partial_cmp(&(*y as f64)),
        (V::Int(x), V::Float(y)) => (*x as f64).partial_cmp(y),
        (V::Ip4(x, _), V::Ip4(y, _)) => Some(x.cmp(y)),
        (V::Ip6(x, _), V::Ip6(y, _)) => Some(x.cmp(y)),
        _ => with_bytes(a, |x| with_bytes(b, |y| x.cmp(y))).flatten(),
    }
}

/// `v == konst` for the most common tests, an address against an address or a subnet and
/// a number against a number, without the general conversion and dispatch (the filter of
/// every frame); `None` for the rest. Agrees with [`relate`] (a property test checks).
#[inline]
fn quick_eq(v: &Value<'_>, konst: &V<'_>, class: Class) -> Option<bool> {
    match (v, konst) {
        (Value::Ipv4(a), V::Ip4(k, bits)) => {
            let m = mask32((*bits).min(32));
            Some(u32::from_be_bytes(*a) & m == k & m)
        }
        (Value::Uint(x), V::Int(k)) if class != Class::Bool => Some(i128::from(*x) == *k),
        _ => None,
    }
}

fn relate(rel: Rel, a: &V<'_>, b: &V<'_>) -> bool {
    match rel {
        Rel::Eq => equal(a, b),
        Rel::Ne => !equal(a, b),
        Rel::Gt => order(a, b) == Some(Ordering::Greater),
        Rel::Ge => matches!(order(a, b), Some(Ordering::Greater | Ordering::Equal)),
        Rel::Lt => order(a, b) == Some(Ordering::Less),
        Rel::Le => matches!(order(a, b), Some(Ordering::Less | Ordering::Equal)),
    }
}

fn contains(a: &V<'_>, b: &V<'_>) -> bool {
    with_bytes(a, |hay| {
        with_bytes(b, |needle| memchr::memmem::find(hay, needle).is_some())
    })
    .flatten()
    .unwrap_or(false)
}

fn in_set(v: &V<'_>, set: &[(Val, Option<Val>)], d: &Dissection<'_>) -> bool {
    let mut found = false;
    for (lo, hi) in set {
        match hi {
            None => each(lo, d, &mut |l| found |= equal(v, &l)),
            Some(hi) => each(lo, d, &mut |l| {
                each(hi, d, &mut |h| {
                    found |= relate(Rel::Ge, v, &l) && relate(Rel::Le, v, &h);
                })
            }),
        }
        if found {
            return true;
        }
    }
    false
}

fn non_zero(v: &V<'_>) -> bool {
    match v {
        V::Int(i) | V::Time(i) | V::Abs(i) => *i != 0,
        V::Float(f) => *f != 0.0,
        V::Bytes(b) | V::Str(b) => b.iter().any(|x| *x != 0),
        _ => true,
    }
}

fn each_field(f: &FieldRef, d: &Dissection<'_>, out: &mut dyn FnMut(V<'_>)) {
    let reg = registry();
    let class = f.class;
    match &f.layers {
        None => reg.each_value(f.id, d, LayerSel::All, &mut |v| out(from_value(v, class))),
        Some(ranges) => {
            for &(from, to) in ranges.iter() {
                reg.each_value(f.id, d, LayerSel::Range(from, to), &mut |v| {
                    out(from_value(v, class))
                });
            }
        }
    }
}

/// Resolves one slice range against a value of `len` bytes; `None` when it does not fit.
fn resolve(r: &SliceRange, len: usize) -> Option<(usize, usize)> {
    let len = len as i64;
    let at = |i: i64| if i < 0 { len + i } else { i };
    let start = at(r.start);
    let end = match r.end {
        RangeEnd::Len(n) => start.checked_add(n)?,
        RangeEnd::To(e) => at(e).checked_add(1)?,
        RangeEnd::ToEnd => len,
    };
    (0 <= start && start <= end && end <= len).then_some((start as usize, end as usize))
}

/// Emits the slice of `bytes`: empty when a range does not fit (as tshark does).
fn slice(bytes: &[u8], ranges: &[SliceRange], out: &mut dyn FnMut(V<'_>)) {
    if let [r] = ranges {
        let part = resolve(r, bytes.len()).map_or(&[][..], |(s, e)| &bytes[s..e]);
        return out(V::Bytes(part));
    }
    let mut buf = Scratch::new();
    for r in ranges {
        match resolve(r, bytes.len()) {
            Some((s, e)) => buf.push(&bytes[s..e]),
            None => return out(V::Bytes(&[])),
        }
    }
    out(V::Bytes(buf.as_slice()))
}

fn arith(op: ArithOp, a: &V<'_>, b: &V<'_>, out: &mut dyn FnMut(V<'_>)) {
    let ints = |x: i128, y: i128| match op {
        ArithOp::Add => x.checked_add(y),
        ArithOp::Sub => x.checked_sub(y),
        ArithOp::Mul => x.checked_mul(y),
        ArithOp::Div => x.checked_div(y),
        ArithOp::Rem => x.checked_rem(y),
        ArithOp::BitAnd => Some(x & y),
    };
    let floats = |x: f64, y: f64| match op {
        ArithOp::Add => Some(x + y),
        ArithOp::Sub => Some(x - y),
        ArithOp::Mul => Some(x * y),
        ArithOp::Div => (y != 0.0).then(|| x / y),
        ArithOp::Rem => (y != 0.0).then(|| x % y),
        ArithOp::BitAnd => None,
    };
    let r = match (*a, *b) {
        (V::Int(x), V::Int(y)) => ints(x, y).map(V::Int),
        (V::Time(x), V::Time(y)) => ints(x, y).map(V::Time),
        (V::Abs(x), V::Time(y)) => ints(x, y).map(V::Abs),
        (V::Float(x), V::Float(y)) => floats(x, y).map(V::Float),
        (V::Float(x), V::Int(y)) => floats(x, y as f64).map(V::Float),
        (V::Int(x), V::Float(y)) => floats(x as f64, y).map(V::Float),
        _ => None,
    };
    if let Some(v) = r {
        return out(v);
    }
    if op == ArithOp::BitAnd {
        // Byte strings of the same length, byte by byte.
        with_bytes(a, |x| {
            with_bytes(b, |y| {
                if x.len() == y.len() && x.len() <= SCRATCH_LEN {
                    let mut buf = [0u8; SCRATCH_LEN];
                    for (i, (p, q)) in x.iter().zip(y).enumerate() {
                        buf[i] = p & q;
                    }
                    out(V::Bytes(&buf[..x.len()]));
                }
            })
        });
    }
}

/// A numeric value that borrows nothing, for `max()` / `min()`.
fn owned(v: &V<'_>) -> Option<V<'static>> {
    match *v {
        V::Int(i) => Some(V::Int(i)),
        V::Float(f) => Some(V::Float(f)),
        V::Time(t) => Some(V::Time(t)),
        V::Abs(t) => Some(V::Abs(t)),
        _ => None,
    }
}

fn write_text(v: &V<'_>, buf: &mut Scratch) {
    match v {
        V::Int(i) => buf.push(itoa::Buffer::new().format(*i).as_bytes()),
        V::Float(f) => {
            let _ = write!(buf, "{f}");
        }
        V::Time(t) | V::Abs(t) => {
            let sign = if *t < 0 { "-" } else { "" };
            let n = t.unsigned_abs();
            let _ = write!(buf, "{sign}{}.{:09}", n / 1_000_000_000, n % 1_000_000_000);
        }
        V::Ip4(a, _) => {
            let _ = write!(buf, "{}", std::net::Ipv4Addr::from(*a));
        }
        V::Ip6(a, _) => {
            let _ = write!(buf, "{}", std::net::Ipv6Addr::from(*a));
        }
        V::Mac(m) => write_hex(buf, m),
        V::Bytes(b) => write_hex(buf, b),
        V::Str(s) => buf.push(s),
        V::Label => {}
    }
}

fn write_hex(buf: &mut Scratch, b: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for (i, x) in b.iter().enumerate() {
        if i > 0 {
            buf.push(b":");
        }
        buf.push(&[HEX[(x >> 4) as usize], HEX[(x & 15) as usize]]);
    }
}

/// Calls `out` with every value of `v` in the frame.
pub fn each(v: &Val, d: &Dissection<'_>, out: &mut dyn FnMut(V<'_>)) {
    match v {
        Val::Field(f) => each_field(f, d, out),
        Val::Const(k) => out(k.v()),
        Val::Slice(base, ranges) => each(base, d, &mut |x| {
            with_bytes(&x, |b| slice(b, ranges, out));
        }),
        Val::Neg(x) => each_neg(x, d, out),
        Val::Arith(op, l, r) => each(l, d, &mut |a| each(r, d, &mut |b| arith(*op, &a, &b, out))),
        Val::Len(x) => each(x, d, &mut |a| {
            if let Some(n) = with_bytes(&a, <[u8]>::len) {
                out(V::Int(n as i128))
            }
        }),
        Val::Width(x, w) => each(x, d, &mut |_| out(V::Int(*w as i128))),
        Val::Count(f) => each_count(f, d, out),
        Val::Upper(x) => each_case(x, true, d, out),
        Val::Lower(x) => each_case(x, false, d, out),
        Val::Text(x) => each_text(x, d, out),
        Val::Max(args) => each_extremum(args, Ordering::Greater, d, out),
        Val::Min(args) => each_extremum(args, Ordering::Less, d, out),
        Val::Abs(x) => each_abs(x, d, out),
        Val::Nothing => {}
    }
}

/// `-x`: every value of `x` negated; an integer that would overflow gives nothing.
fn each_neg(x: &Val, d: &Dissection<'_>, out: &mut dyn FnMut(V<'_>)) {
    each(x, d, &mut |a| match a {
        V::Int(i) => {
            if let Some(n) = i.checked_neg() {
                out(V::Int(n))
            }
        }
        V::Float(f) => out(V::Float(-f)),
        V::Time(t) => out(V::Time(-t)),
        _ => {}
    })
}

/// `count(f)`: the number of occurrences of `f`, nothing when there are none.
fn each_count(f: &FieldRef, d: &Dissection<'_>, out: &mut dyn FnMut(V<'_>)) {
    let mut n = 0i128;
    each_field(f, d, &mut |_| n += 1);
    if n > 0 {
        out(V::Int(n))
    }
}

/// `upper(x)` (`upper` true) and `lower(x)`: every value of `x` with its ASCII letters
/// converted, built in a [`Scratch`] chunk by chunk.
fn each_case(x: &Val, upper: bool, d: &Dissection<'_>, out: &mut dyn FnMut(V<'_>)) {
    each(x, d, &mut |a| {
        with_bytes(&a, |b| {
            let mut buf = Scratch::new();
            for chunk in b.chunks(SCRATCH_LEN) {
                let mut tmp = [0u8; SCRATCH_LEN];
                let t = &mut tmp[..chunk.len()];
                t.copy_from_slice(chunk);
                if upper {
                    t.make_ascii_uppercase()
                } else {
                    t.make_ascii_lowercase()
                }
                buf.push(t);
            }
            out(V::Str(buf.as_slice()));
        });
    })
}

/// `string(x)`: every value of `x` as text; strings pass through unchanged.
fn each_text(x: &Val, d: &Dissection<'_>, out: &mut dyn FnMut(V<'_>)) {
    each(x, d, &mut |a| {
        if let V::Str(s) = a {
            return out(V::Str(s));
        }
        let mut buf = Scratch::new();
        write_text(&a, &mut buf);
        out(V::Str(buf.as_slice()));
    })
}

/// `max(...)` (`want` is [`Ordering::Greater`]) and `min(...)` (`Ordering::Less`): the
/// extreme numeric value over all the arguments' values.
fn each_extremum(args: &[Val], want: Ordering, d: &Dissection<'_>, out: &mut dyn FnMut(V<'_>)) {
    let mut best: Option<V<'static>> = None;
    for a in args.iter() {
        each(a, d, &mut |x| {
            if let Some(x) = owned(&x)
                && best.is_none_or(|b| order(&x, &b) == Some(want))
            {
                best = Some(x);
            }
        });
    }
    if let Some(b) = best {
        out(b)
    }
}

/// `abs(x)`: every value of `x` made non-negative; an integer that would overflow gives
/// nothing.
fn each_abs(x: &Val, d: &Dissection<'_>, out: &mut dyn FnMut(V<'_>)) {
    each(x, d, &mut |a| match a {
        V::Int(i) => {
            if let Some(n) = i.checked_abs() {
                out(V::Int(n))
            }
        }
        V::Float(f) => out(V::Float(f.abs())),
        V::Time(t) => out(V::Time(t.abs())),
        _ => {}
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slices_resolve_like_wireshark() {
        let r = |start, end| SliceRange { start, end };
        assert_eq!(resolve(&r(0, RangeEnd::Len(3)), 6), Some((0, 3)));
        assert_eq!(resolve(&r(3, RangeEnd::To(5)), 6), Some((3, 6)));
        assert_eq!(resolve(&r(-1, RangeEnd::Len(1)), 6), Some((5, 6)));
        assert_eq!(resolve(&r(-4, RangeEnd::ToEnd), 6), Some((2, 6)));
        assert_eq!(resolve(&r(1000, RangeEnd::Len(2)), 6), None);
        assert_eq!(resolve(&r(5, RangeEnd::Len(2)), 6), None);
        assert_eq!(resolve(&r(-7, RangeEnd::Len(1)), 6), None);
    }

    proptest::proptest! {
        /// The quick comparison agrees with the general one wherever it answers.
        #[test]
        fn quick_eq_agrees_with_relate(
            a in proptest::num::u32::ANY,
            k in proptest::num::u32::ANY,
            bits in 0u8..=40,
            x in proptest::num::u64::ANY,
            n in -3i128..=70_000,
            near in proptest::bool::ANY,
        ) {
            let addr = Value::Ipv4(a.to_be_bytes());
            // Half the time an address inside the subnet.
            let k = if near { a ^ (k & 0xff) } else { k };
            let net = V::Ip4(k, bits);
            let quick = quick_eq(&addr, &net, Class::Ipv4);
            proptest::prop_assert_eq!(quick, Some(relate(Rel::Eq, &from_value(addr, Class::Ipv4), &net)));
            let x = if near { (n.max(0) as u64) & 0xffff } else { x };
            for class in [Class::Int, Class::Bool] {
                let v = Value::Uint(x);
                let general = relate(Rel::Eq, &from_value(v, class), &V::Int(n));
                match quick_eq(&v, &V::Int(n), class) {
                    Some(q) => proptest::prop_assert_eq!(q, general),
                    None => proptest::prop_assert_eq!(class, Class::Bool),
                }
            }
        }
    }

    #[test]
    fn cidr_equality() {
        let net = V::Ip4(0x0a00_0000, 8);
        assert!(equal(&V::Ip4(0x0a01_0203, 32), &net));
        assert!(!equal(&V::Ip4(0x0b01_0203, 32), &net));
        assert!(equal(&V::Ip4(1, 32), &V::Ip4(0x0a00_0000, 0)));
    }

    #[test]
    fn scratch_spills_to_heap() {
        let mut s = Scratch::new();
        s.push(&[1; 200]);
        s.push(&[2; 100]);
        assert_eq!(s.as_slice().len(), 300);
        assert_eq!(s.as_slice()[299], 2);
    }
}
