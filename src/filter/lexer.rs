//! Tokens of the display-filter language, with byte spans for error carets.
//!
//! Wireshark's lexer has one quirk that shapes everything: names may contain `-`
//! (`arp.duplicate-address-frame`), so `udp.srcport-1` is a single word and binary minus needs
//! a space (or another non-word character) before it. Literals (`10.0.0.0/8`, `00:0c:29`,
//! `2001:db8::1`, `test.txt`) are plain words too; the semantic pass types them by the field
//! they meet.

use super::error::{FilterError, Span};

/// What a token is. Words carry no text: it is `&source[span]`.
#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    /// A name, number, address, byte string or unquoted string.
    Word,
    /// A double-quoted string, escapes decoded (`raw` for `r"..."`).
    Str {
        /// The decoded bytes.
        bytes: Vec<u8>,
        /// Written as a raw string.
        raw: bool,
    },
    /// A character constant `'a'`, `'\x0a'`.
    Char(u64),
    /// `[ ... ]`: a slice or layer range list; the text between the brackets is parsed later.
    Range,
    /// `(`.
    LParen,
    /// `)`.
    RParen,
    /// `{`.
    LBrace,
    /// `}`.
    RBrace,
    /// `,`.
    Comma,
    /// `..` (set ranges).
    DotDot,
    /// `==`.
    Eq,
    /// `!=`.
    Ne,
    /// `===`.
    AllEq,
    /// `!==` or `~=`.
    AnyNe,
    /// `>`.
    Gt,
    /// `>=`.
    Ge,
    /// `<`.
    Lt,
    /// `<=`.
    Le,
    /// `~` (matches).
    Tilde,
    /// `&&`.
    AndAnd,
    /// `||`.
    OrOr,
    /// `^^`.
    XorXor,
    /// `!`.
    Bang,
    /// `&` (bitwise and).
    Amp,
    /// `+`.
    Plus,
    /// `-`.
    Minus,
    /// `*`.
    Star,
    /// `/`.
    Slash,
    /// `%`.
    Percent,
    /// `#` (layer operator).
    Hash,
    /// `${` (field reference).
    DollarBrace,
    /// Anything else (`=`, `@`, `^`, `|`, ...): always a syntax error where it appears.
    Other,
}

/// One token and where it is.
#[derive(Debug, Clone, PartialEq)]
pub struct Token {
    /// What it is.
    pub kind: Kind,
    /// Byte range in the filter text.
    pub span: Span,
}

fn is_word_start(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b':'
}

fn is_word_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b':' | b'-')
}

/// True for a word that can only be an address, so a following `/NN` is its prefix length
/// (`10.0.0.0/8`, `2001:db8::/32`) and not a division.
fn looks_like_address(w: &[u8]) -> bool {
    let dotted = w.contains(&b'.') && w.iter().all(|c| c.is_ascii_digit() || *c == b'.');
    let colons = w.iter().filter(|c| **c == b':').count();
    let v6 = colons >= 2
        && w.iter()
            .all(|c| c.is_ascii_hexdigit() || *c == b':' || *c == b'.');
    dotted || v6
}

/// Splits the filter into tokens.
///
/// # Errors
/// An unterminated string or character constant, or a bad escape sequence.
pub fn tokenize(src: &str) -> Result<Vec<Token>, FilterError> {
    let b = src.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        if let Some(token) = quoted(src, i)? {
            i = token.span.1;
            out.push(token);
            continue;
        }
        let start = i;
        let (kind, len) = match c {
            b'[' => (Kind::Range, range_len(b, i)?),
            b'.' if b.get(i + 1) == Some(&b'.') => (Kind::DotDot, 2),
            c if is_word_start(c) => (Kind::Word, word_len(b, i)),
            _ => operator(src, i),
        };
        out.push(Token {
            kind,
            span: (start, start + len),
        });
        i = start + len;
    }
    Ok(out)
}

/// A string (`"..."`), raw string (`r"..."`) or character constant (`'a'`) starting at
/// `i`, or `None` when none starts there.
fn quoted(src: &str, i: usize) -> Result<Option<Token>, FilterError> {
    let b = src.as_bytes();
    let (kind, end) = match b[i] {
        b'"' => {
            let (bytes, end) = string(src, i + 1, false)?;
            (Kind::Str { bytes, raw: false }, end)
        }
        b'r' | b'R' if b.get(i + 1) == Some(&b'"') => {
            let (bytes, end) = string(src, i + 2, true)?;
            (Kind::Str { bytes, raw: true }, end)
        }
        b'\'' => {
            let (v, end) = char_const(src, i)?;
            (Kind::Char(v), end)
        }
        _ => return Ok(None),
    };
    Ok(Some(Token {
        kind,
        span: (i, end),
    }))
}

/// Length of a `[ ... ]` range list starting at the bracket `i`, through the closing bracket.
fn range_len(b: &[u8], i: usize) -> Result<usize, FilterError> {
    match b[i..].iter().position(|&c| c == b']') {
        Some(close) => Ok(close + 1),
        None => Err(FilterError::unexpected_end()),
    }
}

/// Length of the word starting at `i`: it stops before `..`, and takes an address's `/NN`
/// prefix length.
fn word_len(b: &[u8], i: usize) -> usize {
    let mut j = i + 1;
    while j < b.len() && is_word_char(b[j]) {
        if b[j] == b'.' && b.get(j + 1) == Some(&b'.') {
            break;
        }
        j += 1;
    }
    if b.get(j) == Some(&b'/')
        && b.get(j + 1).is_some_and(u8::is_ascii_digit)
        && looks_like_address(&b[i..j])
    {
        j += 1;
        while j < b.len() && b[j].is_ascii_digit() {
            j += 1;
        }
    }
    j - i
}

/// The operator or punctuation token starting at `i` and its length; anything unknown is one
/// [`Kind::Other`] character.
fn operator(src: &str, i: usize) -> (Kind, usize) {
    let b = src.as_bytes();
    let two = b.get(i + 1).copied();
    let three = b.get(i + 2).copied();
    match b[i] {
        b'(' => (Kind::LParen, 1),
        b')' => (Kind::RParen, 1),
        b'{' => (Kind::LBrace, 1),
        b'}' => (Kind::RBrace, 1),
        b',' => (Kind::Comma, 1),
        b'=' if two == Some(b'=') && three == Some(b'=') => (Kind::AllEq, 3),
        b'=' if two == Some(b'=') => (Kind::Eq, 2),
        b'!' if two == Some(b'=') && three == Some(b'=') => (Kind::AnyNe, 3),
        b'!' if two == Some(b'=') => (Kind::Ne, 2),
        b'!' => (Kind::Bang, 1),
        b'~' if two == Some(b'=') => (Kind::AnyNe, 2),
        b'~' => (Kind::Tilde, 1),
        b'>' if two == Some(b'=') => (Kind::Ge, 2),
        b'>' => (Kind::Gt, 1),
        b'<' if two == Some(b'=') => (Kind::Le, 2),
        b'<' => (Kind::Lt, 1),
        b'&' if two == Some(b'&') => (Kind::AndAnd, 2),
        b'&' => (Kind::Amp, 1),
        b'|' if two == Some(b'|') => (Kind::OrOr, 2),
        b'^' if two == Some(b'^') => (Kind::XorXor, 2),
        b'+' => (Kind::Plus, 1),
        b'-' => (Kind::Minus, 1),
        b'*' => (Kind::Star, 1),
        b'/' => (Kind::Slash, 1),
        b'%' => (Kind::Percent, 1),
        b'#' => (Kind::Hash, 1),
        b'$' if two == Some(b'{') => (Kind::DollarBrace, 2),
        _ => {
            // One whole character, so the caret and the message show it intact.
            let ch_len = src[i..].chars().next().map_or(1, char::len_utf8);
            (Kind::Other, ch_len)
        }
    }
}

/// Reads a quoted string whose body starts at `from`; returns the bytes and the end offset
/// (after the closing quote).
fn string(src: &str, from: usize, raw: bool) -> Result<(Vec<u8>, usize), FilterError> {
    let b = src.as_bytes();
    let mut out = Vec::new();
    let mut i = from;
    loop {
        let Some(&c) = b.get(i) else {
            // tshark puts the caret where the closing quote should be: the end.
            return Err(FilterError::at(
                (src.len(), src.len()),
                "The final quote was missing from a quoted string.",
            ));
        };
        match c {
            b'"' => return Ok((out, i + 1)),
            b'\\' if raw => {
                // A raw string keeps its backslashes; `\"` does not end it.
                out.push(b'\\');
                if let Some(&n) = b.get(i + 1) {
                    out.push(n);
                    i += 2;
                } else {
                    i += 1;
                }
            }
            b'\\' => i = escape(src, i, &mut out)?,
            _ => {
                out.push(c);
                i += 1;
            }
        }
    }
}

/// Decodes one escape sequence starting at the backslash `at`; appends its bytes and returns
/// the offset after it.
fn escape(src: &str, at: usize, out: &mut Vec<u8>) -> Result<usize, FilterError> {
    let b = src.as_bytes();
    let Some(&c) = b.get(at + 1) else {
        return Err(FilterError::at(
            (at, at + 1),
            "The final quote was missing from a quoted string.",
        ));
    };
    if let Some(v) = simple_escape(c) {
        out.push(v);
        return Ok(at + 2);
    }
    match c {
        b'0'..=b'7' => octal_escape(src, at, out),
        b'x' => hex_escape(src, at, out),
        b'u' | b'U' => universal_escape(src, at, c, out),
        _ => {
            let len = src[at + 1..].chars().next().map_or(1, char::len_utf8);
            let text = &src[at..at + 1 + len];
            Err(FilterError::at(
                (at, at + 1 + len),
                format!("{text} is not a valid character escape sequence"),
            ))
        }
    }
}

/// The byte a one-letter escape (`\n`, `\"`, ...) stands for, after its backslash.
fn simple_escape(c: u8) -> Option<u8> {
    match c {
        b'"' => Some(b'"'),
        b'\'' => Some(b'\''),
        b'\\' => Some(b'\\'),
        b'?' => Some(b'?'),
        b'a' => Some(0x07),
        b'b' => Some(0x08),
        b'f' => Some(0x0c),
        b'n' => Some(b'\n'),
        b'r' => Some(b'\r'),
        b't' => Some(b'\t'),
        b'v' => Some(0x0b),
        _ => None,
    }
}

/// Up to `max` digits in `radix` from `from`: how many there are and their value.
fn escape_digits(src: &str, from: usize, max: usize, radix: u32) -> (usize, u32) {
    let n = src.as_bytes()[from..]
        .iter()
        .take(max)
        .take_while(|d| (**d as char).is_digit(radix))
        .count();
    (
        n,
        u32::from_str_radix(&src[from..from + n], radix).unwrap_or(0),
    )
}

/// `\NNN`: up to three octal digits, at most `\377`.
fn octal_escape(src: &str, at: usize, out: &mut Vec<u8>) -> Result<usize, FilterError> {
    let (n, v) = escape_digits(src, at + 1, 3, 8);
    if v > 0xff {
        let text = &src[at..at + 1 + n];
        return Err(FilterError::at(
            (at, at + 1 + n),
            format!("{text} is not a valid octal escape sequence"),
        ));
    }
    out.push(v as u8);
    Ok(at + 1 + n)
}

/// `\xHH`: one or two hex digits.
fn hex_escape(src: &str, at: usize, out: &mut Vec<u8>) -> Result<usize, FilterError> {
    let (n, v) = escape_digits(src, at + 2, 2, 16);
    if n == 0 {
        return Err(FilterError::at(
            (at, at + 2),
            "\\x is not a valid character escape sequence",
        ));
    }
    out.push(v as u8);
    Ok(at + 2 + n)
}

/// `\uXXXX` and `\UXXXXXXXX` (`c` is the `u` or `U`): a universal character name, appended
/// as UTF-8.
fn universal_escape(src: &str, at: usize, c: u8, out: &mut Vec<u8>) -> Result<usize, FilterError> {
    let want = if c == b'u' { 4 } else { 8 };
    let (n, v) = escape_digits(src, at + 2, want, 16);
    let end = at + 2 + n;
    let text = &src[at..end];
    // C's rule for universal character names: nothing below U+00A0 except $ @ `,
    // no surrogates.
    let ok = n == want && (v >= 0xa0 || matches!(v, 0x24 | 0x40 | 0x60));
    match char::from_u32(v).filter(|_| ok) {
        Some(ch) => {
            let mut buf = [0u8; 4];
            out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
            Ok(end)
        }
        None => Err(FilterError::at(
            (at, end),
            format!("{text} is not a valid universal character name"),
        )),
    }
}

/// Reads a character constant starting at the opening quote `at`.
fn char_const(src: &str, at: usize) -> Result<(u64, usize), FilterError> {
    let b = src.as_bytes();
    // The quote after an escaped character (`'\''`) does not close the constant.
    let from = if b.get(at + 1) == Some(&b'\\') {
        (at + 3).min(b.len())
    } else {
        at + 1
    };
    let Some(close) = b[from..].iter().position(|&c| c == b'\'').map(|p| from + p) else {
        return Err(FilterError::at(
            (at, at + 1),
            "The final quote was missing from a character constant.",
        ));
    };
    let body = &src[at + 1..close];
    let too_long = || {
        FilterError::at(
            (at, close + 1),
            format!(
                "{} is too long to be a valid character constant.",
                &src[at..=close]
            ),
        )
    };
    let value = if let Some(rest) = body.strip_prefix('\\') {
        if rest.is_empty() {
            return Err(too_long());
        }
        let mut bytes = Vec::new();
        let end = escape(src, at + 1, &mut bytes)?;
        if end != close || bytes.len() != 1 {
            return Err(too_long());
        }
        bytes[0] as u64
    } else {
        let mut chars = body.chars();
        match (chars.next(), chars.next()) {
            (Some(c), None) if c.is_ascii() => c as u64,
            _ => return Err(too_long()),
        }
    };
    Ok((value, close + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(s: &str) -> Vec<(Kind, &str)> {
        tokenize(s)
            .unwrap()
            .into_iter()
            .map(|t| (t.kind, &s[t.span.0..t.span.1]))
            .collect()
    }

    #[test]
    fn words_keep_dashes_and_stop_at_dotdot() {
        let k = kinds("udp.srcport-1 == 68 {1..3} udp.srcport -1");
        let texts: Vec<_> = k.iter().map(|(_, t)| *t).collect();
        assert_eq!(
            texts,
            [
                "udp.srcport-1",
                "==",
                "68",
                "{",
                "1",
                "..",
                "3",
                "}",
                "udp.srcport",
                "-",
                "1"
            ]
        );
    }

    #[test]
    fn cidr_is_one_word_but_field_slash_is_division() {
        let t: Vec<_> = kinds("10.0.0.0/8 ip.src/24 2001:db8::/32")
            .into_iter()
            .map(|(_, t)| t)
            .collect();
        assert_eq!(t, ["10.0.0.0/8", "ip.src", "/", "24", "2001:db8::/32"]);
    }

    #[test]
    fn operators() {
        let k: Vec<_> = kinds("=== !== ~= ~ == != >= <= && || ^^ ! & = @")
            .into_iter()
            .map(|(k, _)| k)
            .collect();
        assert_eq!(
            k,
            [
                Kind::AllEq,
                Kind::AnyNe,
                Kind::AnyNe,
                Kind::Tilde,
                Kind::Eq,
                Kind::Ne,
                Kind::Ge,
                Kind::Le,
                Kind::AndAnd,
                Kind::OrOr,
                Kind::XorXor,
                Kind::Bang,
                Kind::Amp,
                Kind::Other,
                Kind::Other
            ]
        );
    }

    #[test]
    fn strings_and_escapes() {
        let k = kinds(r#""t\x65st\056txt" r"\.txt$" "\u00e9\"""#);
        assert_eq!(
            k[0].0,
            Kind::Str {
                bytes: b"test.txt".to_vec(),
                raw: false
            }
        );
        assert_eq!(
            k[1].0,
            Kind::Str {
                bytes: br"\.txt$".to_vec(),
                raw: true
            }
        );
        assert_eq!(
            k[2].0,
            Kind::Str {
                bytes: "é\"".as_bytes().to_vec(),
                raw: false
            }
        );
    }

    #[test]
    fn string_errors() {
        let e = tokenize(r#"x == "\u0074est""#).unwrap_err();
        assert_eq!(e.message, "\\u0074 is not a valid universal character name");
        assert_eq!(e.span, Some((6, 12)));
        let e = tokenize(r#"x == "\q""#).unwrap_err();
        assert_eq!(e.message, "\\q is not a valid character escape sequence");
        let e = tokenize(r#"x == "abc"#).unwrap_err();
        assert_eq!(
            e.message,
            "The final quote was missing from a quoted string."
        );
        assert_eq!(e.span, Some((9, 9)));
    }

    #[test]
    fn char_constants() {
        assert_eq!(kinds(r"'a'")[0].0, Kind::Char(97));
        assert_eq!(kinds(r"'\x0a'")[0].0, Kind::Char(10));
        assert_eq!(kinds(r"'\n'")[0].0, Kind::Char(10));
        assert_eq!(kinds(r"'\''")[0].0, Kind::Char(39));
        let e = tokenize("'ab'").unwrap_err();
        assert_eq!(
            e.message,
            "'ab' is too long to be a valid character constant."
        );
    }

    #[test]
    fn ranges_are_one_token() {
        let k = kinds("eth.src[0:3] frame[-4:]");
        assert_eq!(k[1], (Kind::Range, "[0:3]"));
        assert_eq!(k[3], (Kind::Range, "[-4:]"));
        assert_eq!(
            tokenize("frame[0:3").unwrap_err(),
            FilterError::unexpected_end()
        );
    }
}
