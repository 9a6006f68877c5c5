//! TFTP (RFC 1350) with option negotiation (RFC 2347, 2348, 2349, 7440).
//!
//! Messages: RRQ/WRQ (file name, mode, options as NUL-terminated strings), DATA (block and up
//! to a block size of data), ACK (block), ERROR (code, message), OACK (options). Strings come
//! from the wire and are hostile: they are kept as bytes and escaped when shown. A string with
//! no terminating NUL ends the message early and is reported.
//!
//! The file name and request frame shown on DATA/ACK/ERROR come from the TFTP tracker
//! (`crate::track::tftp`), which also knows the negotiated block size.

use super::{Dissection, Layer, Proto, View, Walker, be16};
use crate::dissect::field::{Emit, FieldDef, FieldType, Needs, Value};
use std::fmt::Write as _;

/// Opcode length.
pub const OPCODE_LEN: usize = 2;
/// Default block size (RFC 1350).
pub const DEFAULT_BLKSIZE: u16 = 512;

/// TFTP opcodes.
pub mod opcode {
    /// Read request.
    pub const RRQ: u16 = 1;
    /// Write request.
    pub const WRQ: u16 = 2;
    /// Data.
    pub const DATA: u16 = 3;
    /// Acknowledgement.
    pub const ACK: u16 = 4;
    /// Error.
    pub const ERROR: u16 = 5;
    /// Option acknowledgement.
    pub const OACK: u16 = 6;
}

/// A checked view of a TFTP message (at least the opcode).
#[derive(Debug, Clone, Copy)]
pub struct Tftp<'a> {
    buf: &'a [u8],
}

/// NUL-terminated strings of a message body; the last item is `Err(rest)` when a string has no
/// terminator.
fn strings(body: &[u8]) -> impl Iterator<Item = Result<&[u8], &[u8]>> {
    let mut rest = body;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        match memchr::memchr(0, rest) {
            Some(n) => {
                let s = &rest[..n];
                rest = &rest[n + 1..];
                Some(Ok(s))
            }
            None => {
                let s = rest;
                rest = &[];
                Some(Err(s))
            }
        }
    })
}

impl<'a> Tftp<'a> {
    /// Opcode.
    pub fn opcode(&self) -> u16 {
        be16(self.buf, 0)
    }
    fn body(&self) -> &'a [u8] {
        &self.buf[OPCODE_LEN..]
    }
    fn is_request(&self) -> bool {
        matches!(self.opcode(), opcode::RRQ | opcode::WRQ)
    }
    /// File name of a request (terminated strings only).
    pub fn filename(&self) -> Option<&'a [u8]> {
        self.is_request()
            .then(|| strings(self.body()).next()?.ok())
            .flatten()
    }
    /// Transfer mode of a request.
    pub fn mode(&self) -> Option<&'a [u8]> {
        self.is_request()
            .then(|| strings(self.body()).nth(1)?.ok())
            .flatten()
    }
    /// Option name/value pairs of a request or OACK.
    pub fn options(&self) -> impl Iterator<Item = (&'a [u8], &'a [u8])> + 'a {
        let skip = match self.opcode() {
            opcode::RRQ | opcode::WRQ => 2,
            opcode::OACK => 0,
            _ => usize::MAX,
        };
        let body = if skip == usize::MAX {
            &[][..]
        } else {
            self.body()
        };
        let mut it = strings(body).skip(skip.min(2));
        std::iter::from_fn(move || {
            let name = it.next()?.ok()?;
            let value = it.next()?.ok()?;
            Some((name, value))
        })
    }
    /// The value of option `name` (case-insensitive), parsed as a number.
    pub fn option_u64(&self, name: &str) -> Option<u64> {
        self.options()
            .find(|(n, _)| n.eq_ignore_ascii_case(name.as_bytes()))
            .and_then(|(_, v)| std::str::from_utf8(v).ok()?.trim().parse().ok())
    }
    /// Block number of DATA / ACK.
    pub fn block(&self) -> Option<u16> {
        (matches!(self.opcode(), opcode::DATA | opcode::ACK) && self.buf.len() >= 4)
            .then(|| be16(self.buf, 2))
    }
    /// Data carried by a DATA message.
    pub fn data(&self) -> Option<&'a [u8]> {
        (self.opcode() == opcode::DATA).then(|| self.buf.get(4..).unwrap_or(&[]))
    }
    /// Error code of an ERROR message.
    pub fn error_code(&self) -> Option<u16> {
        (self.opcode() == opcode::ERROR && self.buf.len() >= 4).then(|| be16(self.buf, 2))
    }
    /// Error message of an ERROR message.
    pub fn error_message(&self) -> Option<&'a [u8]> {
        if self.opcode() != opcode::ERROR {
            return None;
        }
        strings(self.buf.get(4..)?).next()?.ok()
    }
    /// True when every string the message should carry is NUL-terminated.
    pub fn is_well_formed(&self) -> bool {
        match self.opcode() {
            opcode::RRQ | opcode::WRQ | opcode::OACK => strings(self.body()).all(|s| s.is_ok()),
            opcode::ERROR => self.buf.len() >= 4 && strings(&self.buf[4..]).all(|s| s.is_ok()),
            opcode::DATA | opcode::ACK => self.buf.len() >= 4,
            _ => true,
        }
    }
}

/// Dissects a TFTP message.
pub fn dissect<'a>(w: &mut Walker<'a, '_>, offset: usize, data: &'a [u8]) {
    if data.len() < OPCODE_LEN {
        return w.short(Proto::Tftp, offset, data);
    }
    let msg = Tftp { buf: data };
    if !w.push(Proto::Tftp, offset, data, View::Tftp(msg)) {
        return;
    }
    if !msg.is_well_formed() {
        return w.short(Proto::Tftp, offset, data);
    }
    if let Some(payload) = msg.data() {
        w.data(offset + 4, payload);
    }
}

/// Writes the Info column for a TFTP message; `blksize` is the transfer's block size.
pub fn info(msg: &Tftp<'_>, blksize: u16, out: &mut String) {
    use crate::value::write_escaped_str as esc;
    let op = msg.opcode();
    out.push_str(opcode_name(op));
    match op {
        opcode::RRQ | opcode::WRQ => {
            let mut it = strings(msg.body());
            if let Some(Ok(file)) = it.next() {
                out.push_str(", File: ");
                esc(out, file);
                if let Some(Ok(mode)) = it.next() {
                    out.push_str(", Transfer type: ");
                    esc(out, mode);
                }
            }
            write_options(msg, out);
        }
        opcode::OACK => write_options(msg, out),
        opcode::DATA | opcode::ACK => {
            if let Some(b) = msg.block() {
                let _ = write!(out, ", Block: {b}");
            }
            if msg.data().is_some_and(|d| d.len() < blksize as usize) {
                out.push_str(" (last)");
            }
        }
        opcode::ERROR => {
            if let Some(code) = msg.error_code() {
                let _ = write!(out, ", Code: {}", error_name(code));
                if let Some(m) = msg.error_message() {
                    out.push_str(", Message: ");
                    esc(out, m);
                }
            }
        }
        _ => {}
    }
}

fn write_options(msg: &Tftp<'_>, out: &mut String) {
    for (name, value) in msg.options() {
        out.push_str(", ");
        crate::value::write_escaped_str(out, name);
        out.push('=');
        crate::value::write_escaped_str(out, value);
    }
}

/// Opcode names as tshark prints them.
pub fn opcode_name(op: u16) -> &'static str {
    OPCODES
        .iter()
        .find(|(k, _)| *k == op as u64)
        .map(|(_, n)| *n)
        .unwrap_or("Unknown")
}

/// Error code names as tshark prints them.
pub fn error_name(code: u16) -> &'static str {
    ERRORS
        .iter()
        .find(|(k, _)| *k == code as u64)
        .map(|(_, n)| *n)
        .unwrap_or("Unknown")
}

/// Opcode names.
pub static OPCODES: &[(u64, &str)] = &[
    (1, "Read Request"),
    (2, "Write Request"),
    (3, "Data Packet"),
    (4, "Acknowledgement"),
    (5, "Error Code"),
    (6, "Option Acknowledgement"),
];

/// Error code names.
pub static ERRORS: &[(u64, &str)] = &[
    (0, "Not defined"),
    (1, "File not found"),
    (2, "Access violation"),
    (3, "Disk full or allocation exceeded"),
    (4, "Illegal TFTP Operation"),
    (5, "Unknown transfer ID"),
    (6, "File already exists"),
    (7, "No such user"),
    (8, "Option negotiation failed"),
];

fn view<'l, 'a>(layer: &'l Layer<'a>) -> Option<&'l Tftp<'a>> {
    match &layer.view {
        View::Tftp(t) => Some(t),
        _ => None,
    }
}

fn opcode_field<'a>(l: &Layer<'a>, _: &Dissection<'a>, emit: &mut Emit<'_>) {
    if let Some(t) = view(l) {
        emit(Value::Uint(t.opcode() as u64));
    }
}

fn source_file<'a>(l: &Layer<'a>, _: &Dissection<'a>, emit: &mut Emit<'_>) {
    if let Some(t) = view(l).filter(|t| t.opcode() == opcode::RRQ)
        && let Some(f) = t.filename()
    {
        emit(Value::Str(f));
    }
}

/// On a WRQ the file named in it; on the other messages of a transfer, the generated name of
/// the file the transfer carries (tshark shows `[Destination File: x]` for reads and writes).
fn destination_file<'a>(l: &Layer<'a>, d: &Dissection<'a>, emit: &mut Emit<'_>) {
    let Some(t) = view(l) else { return };
    match t.opcode() {
        opcode::WRQ => {
            if let Some(f) = t.filename() {
                emit(Value::Str(f));
            }
        }
        opcode::RRQ => {}
        _ => {
            if let Some(info) = &d.generated.tftp {
                emit(Value::Str(&info.file));
            }
        }
    }
}

fn mode<'a>(l: &Layer<'a>, _: &Dissection<'a>, emit: &mut Emit<'_>) {
    if let Some(m) = view(l).and_then(|t| t.mode()) {
        emit(Value::Str(m));
    }
}

fn request_frame<'a>(l: &Layer<'a>, d: &Dissection<'a>, emit: &mut Emit<'_>) {
    let is_request = view(l).is_some_and(|t| t.is_request());
    if let Some(info) = d.generated.tftp.as_ref().filter(|_| !is_request) {
        emit(Value::Uint(info.request_frame as u64));
    }
}

fn block<'a>(l: &Layer<'a>, _: &Dissection<'a>, emit: &mut Emit<'_>) {
    if let Some(b) = view(l).and_then(|t| t.block()) {
        emit(Value::Uint(b as u64));
    }
}

fn error_code<'a>(l: &Layer<'a>, _: &Dissection<'a>, emit: &mut Emit<'_>) {
    if let Some(c) = view(l).and_then(|t| t.error_code()) {
        emit(Value::Uint(c as u64));
    }
}

fn error_message<'a>(l: &Layer<'a>, _: &Dissection<'a>, emit: &mut Emit<'_>) {
    if let Some(m) = view(l).and_then(|t| t.error_message()) {
        emit(Value::Str(m));
    }
}

fn option_name<'a>(l: &Layer<'a>, _: &Dissection<'a>, emit: &mut Emit<'_>) {
    if let Some(t) = view(l) {
        t.options().for_each(|(n, _)| emit(Value::Str(n)));
    }
}

fn option_value<'a>(l: &Layer<'a>, _: &Dissection<'a>, emit: &mut Emit<'_>) {
    if let Some(t) = view(l) {
        t.options().for_each(|(_, v)| emit(Value::Str(v)));
    }
}

/// TFTP fields.
pub static FIELDS: &[FieldDef] = &[
    FieldDef::new(
        "tftp.opcode",
        "Opcode",
        FieldType::U16,
        Proto::Tftp,
        opcode_field,
    )
    .values(OPCODES),
    FieldDef::new(
        "tftp.source_file",
        "Source File",
        FieldType::Str,
        Proto::Tftp,
        source_file,
    ),
    FieldDef::new(
        "tftp.destination_file",
        "Destination File",
        FieldType::Str,
        Proto::Tftp,
        destination_file,
    )
    .generated(Needs::TFTP),
    FieldDef::new("tftp.type", "Type", FieldType::Str, Proto::Tftp, mode),
    FieldDef::new(
        "tftp.request_frame",
        "Request frame",
        FieldType::FrameNum,
        Proto::Tftp,
        request_frame,
    )
    .generated(Needs::TFTP),
    FieldDef::new("tftp.block", "Block", FieldType::U16, Proto::Tftp, block),
    FieldDef::new(
        "tftp.error.code",
        "Error code",
        FieldType::U16,
        Proto::Tftp,
        error_code,
    )
    .values(ERRORS),
    FieldDef::new(
        "tftp.error.message",
        "Error message",
        FieldType::Str,
        Proto::Tftp,
        error_message,
    ),
    FieldDef::new(
        "tftp.option.name",
        "Option name",
        FieldType::Str,
        Proto::Tftp,
        option_name,
    ),
    FieldDef::new(
        "tftp.option.value",
        "Option value",
        FieldType::Str,
        Proto::Tftp,
        option_value,
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rrq_with_options() {
        let msg = Tftp {
            buf: b"\x00\x01hello.txt\x00octet\x00blksize\x00256\x00",
        };
        let mut s = String::new();
        info(&msg, 512, &mut s);
        assert_eq!(
            s,
            "Read Request, File: hello.txt, Transfer type: octet, blksize=256"
        );
        assert_eq!(msg.option_u64("BLKSIZE"), Some(256));
    }

    #[test]
    fn unterminated_name_is_not_well_formed() {
        let msg = Tftp {
            buf: b"\x00\x01hello",
        };
        assert!(!msg.is_well_formed());
        assert_eq!(msg.filename(), None);
        let mut s = String::new();
        info(&msg, 512, &mut s);
        assert_eq!(s, "Read Request");
    }

    #[test]
    fn last_data_block_is_short() {
        let mut buf = vec![0u8, 3, 0, 2];
        buf.extend_from_slice(&[7u8; 95]);
        let mut s = String::new();
        info(&Tftp { buf: &buf }, 512, &mut s);
        assert_eq!(s, "Data Packet, Block: 2 (last)");
    }
}
