//! Display filters in Wireshark's language (tshark 4.0, plus `xor`/`^^` and lowercase
//! `true`/`false`).
//!
//! A filter goes through four stages, all before any packet is read:
//! [`lexer`] (tokens with byte spans) → [`parser`] (syntax tree, [`ast`]) → [`check`] (names
//! resolved against the field registry, literals typed by the field they meet, operators
//! checked) → [`compile`] (the typed program). [`eval`] runs the program on each dissected
//! frame without allocating. [`library`] holds the saved filters of `filters/` (`-Y @NAME`).
//!
//! Errors ([`FilterError`]) carry the span of the offending token and render in tshark's
//! shape: the message, the filter, and a caret line.
//!
//! # Where wiresift differs from tshark 4.0.17, on purpose
//! * Unknown names are quoted and get a did-you-mean (`"ip.dts" is neither a field nor a
//!   protocol name. Did you mean "ip.dst"?`), also on the left of a comparison, where tshark
//!   says `Left side of "==" expression must be a field or function, not ip.dts.`
//! * `xor`/`^^`, lowercase `true`/`false`, `'\n'`-style character escapes, value names on
//!   `icmp.type`, fields inside sets and `len()` of a slice are accepted.
//! * Integer arithmetic is exact and signed: `udp.length > udp.srcport - 100` is true when
//!   the port is below 100 (tshark compares the negative result as a huge unsigned number).
//!   A negative literal against an unsigned field is an error (tshark accepts it and never
//!   matches).
//! * A division by zero yields no value, so every comparison with it is false (tshark's
//!   `!=` and `===` are then vacuously true).
//! * `all x in {...}` requires every occurrence of `x` in the set.
//! * Regex errors use the `regex` crate's words and point at the pattern.
//! * Absolute times without a zone are taken as UTC (tshark uses local time).

pub mod ast;
pub mod check;
pub mod compile;
pub mod error;
pub mod eval;
pub mod lexer;
pub mod library;
pub mod literal;
pub mod parser;

use crate::dissect::{Depth, Dissection, Proto};
use crate::fields::{FieldId, Needs, registry};
pub use error::FilterError;

/// Longest filter text accepted, in bytes. tshark has no limit, but a filter is typed or
/// saved by a person: 64 KiB holds a set of thousands of addresses, and the bound keeps a
/// pasted or generated monster from costing seconds of compile time.
pub const MAX_FILTER_LEN: usize = 64 * 1024;

/// Deepest nesting of parentheses, `not`s, braces, function calls and operator chains. The
/// parser, the type checker and the evaluator recurse once per level, so this bound is what
/// keeps a hostile `((((...` from overflowing the stack; real filters use a handful.
pub const MAX_NESTING: usize = 64;

/// Most members in one `in { ... }` set. Membership is a linear scan per value, so the
/// bound also bounds the per-packet cost of a set.
pub const MAX_SET_SIZE: usize = 4096;

/// Size limit for one compiled regex (`matches`), in bytes, handed to
/// `RegexBuilder::size_limit` and `dfa_size_limit`: a pattern such as `(a{1000}){1000}` is
/// refused at compile time instead of eating memory.
pub const REGEX_SIZE_LIMIT: usize = 1 << 20;

/// A compiled display filter.
#[derive(Debug, Clone)]
pub struct Filter {
    prog: Option<compile::Prog>,
    /// Every field the filter reads.
    fields: Vec<FieldId>,
    needs: Needs,
    depth: Depth,
    warnings: Vec<String>,
}

impl Filter {
    /// Parses, type-checks and compiles a filter. The empty filter passes everything.
    ///
    /// # Errors
    /// The first problem, with the span of the offending token.
    pub fn compile(text: &str) -> Result<Filter, FilterError> {
        if text.len() > MAX_FILTER_LEN {
            return Err(FilterError::bare(format!(
                "The filter is {} bytes long; the limit is {MAX_FILTER_LEN} bytes.",
                text.len()
            )));
        }
        let Some(tree) = parser::parse(text)? else {
            return Ok(Filter {
                prog: None,
                fields: Vec::new(),
                needs: Needs::NONE,
                depth: Depth::Link,
                warnings: Vec::new(),
            });
        };
        let reg = registry();
        let mut checker = check::Checker::new(text, reg);
        let prog = checker.test(&tree)?;
        let mut needs = Needs::NONE;
        let mut depth = Depth::Link;
        let fields = std::mem::take(&mut checker.fields);
        for &id in &fields {
            let def = reg.def(id);
            needs = needs.union(field_needs(def));
            depth = depth.max(def.depth());
        }
        Ok(Filter {
            prog: Some(prog),
            fields,
            needs,
            depth,
            warnings: checker.warnings,
        })
    }

    /// Parts of the filter that compile but likely do not mean what they say (a bare boolean
    /// field tests presence, as in tshark); the CLI prints them on stderr.
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// True when the frame passes.
    pub fn matches(&self, d: &Dissection<'_>) -> bool {
        match &self.prog {
            Some(p) => eval::test(p, d),
            None => true,
        }
    }

    /// True when the filter reads a field whose name satisfies `pred`.
    pub fn reads(&self, pred: impl Fn(&str) -> bool) -> bool {
        let reg = registry();
        self.fields.iter().any(|&id| pred(reg.def(id).name))
    }

    /// Trackers the filter needs: the union of the needs of every field it reads.
    pub fn needs(&self) -> Needs {
        self.needs
    }

    /// How deep frames must be dissected for the filter: the deepest field it reads.
    pub fn depth(&self) -> Depth {
        self.depth
    }
}

/// What a field needs beyond its declaration: TFTP on ephemeral ports is only recognised
/// with the TFTP tracker, which also decides whether a UDP payload is `tftp` or `data` (and
/// so what `frame.protocols` says); the summary columns read every tracker.
fn field_needs(def: &crate::fields::FieldDef) -> Needs {
    let mut n = def.needs;
    if matches!(def.proto, Proto::Tftp | Proto::Data) || def.name == "frame.protocols" {
        n = n.union(Needs::TFTP);
    }
    if n.columns {
        n = Needs::ALL;
    }
    n
}

#[cfg(test)]
mod tests;
