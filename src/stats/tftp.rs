//! `-z tftp,transfers` and `--export-objects tftp,DIR`.
//!
//! A transfer is what one RRQ or WRQ opens (the TFTP tracker binds the server's ephemeral
//! port to it). Its DATA blocks are kept in block order when an export is asked for, and a
//! file is written only when no block is missing and the last (short) block was seen, as
//! Wireshark's packet-tftp.c decides. Names from the wire are hostile: see [`safe_name`].
//!
//! Memory: at most [`MAX_EXPORT_BYTES_PER_TRANSFER`] bytes are buffered per transfer and
//! [`MAX_EXPORT_BYTES_TOTAL`] in all; a transfer over either limit is not exported and the
//! report says so. At most [`MAX_TRANSFERS`] transfers are listed; more are counted.

use crate::dissect::tftp::{DEFAULT_BLKSIZE, Tftp, opcode};
use crate::dissect::{Dissection, IpAddr, Proto, View};
use crate::track::HashMap;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Bytes buffered for one exported file. TFTP with 16-bit block numbers and the largest
/// block size moves at most ~4 GiB, but files sent over TFTP are boot images and configs:
/// 64 MiB covers them without letting one transfer take the memory.
pub const MAX_EXPORT_BYTES_PER_TRANSFER: u64 = 64 << 20;
/// Bytes buffered for all exports together (256 MiB).
pub const MAX_EXPORT_BYTES_TOTAL: u64 = 256 << 20;
/// Transfers listed. Each row is a few hundred bytes.
pub const MAX_TRANSFERS: usize = 100_000;
/// Longest exported file name, in bytes: common file systems allow 255.
pub const MAX_EXPORT_NAME: usize = 200;

/// What became of a transfer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Every block, ending with a short one.
    Complete,
    /// An ERROR packet: code and message.
    Error(u16, String),
    /// A block number skipped ahead.
    BlockMissing,
    /// Neither finished nor failed when the capture ended.
    Incomplete,
}

impl std::fmt::Display for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Outcome::Complete => f.write_str("complete"),
            Outcome::Error(c, m) => write!(f, "error {c}: {m}"),
            Outcome::BlockMissing => f.write_str("block missing"),
            Outcome::Incomplete => f.write_str("incomplete"),
        }
    }
}

/// One transfer: a row of `-z tftp,transfers`.
#[derive(Debug, Clone)]
pub struct Transfer {
    /// Frame of the request.
    pub request_frame: u32,
    /// File name as sent (lossy UTF-8).
    pub file: String,
    /// Raw file name bytes.
    pub file_raw: Vec<u8>,
    /// Transfer mode (`octet`, `netascii`).
    pub mode: String,
    /// True for a read (RRQ).
    pub is_read: bool,
    /// Client address and port.
    pub client: (IpAddr, u16),
    /// Server address and (ephemeral, once seen) port.
    pub server: (IpAddr, u16),
    /// RFC 2347 options of the request, `name=value`.
    pub options: Vec<String>,
    /// Block size in use.
    pub blksize: u16,
    /// Distinct DATA blocks seen.
    pub blocks: u64,
    /// Data bytes in those blocks.
    pub bytes: u64,
    /// First and last frame times, ns since the capture's first frame.
    pub first_ns: i128,
    /// Last frame time.
    pub last_ns: i128,
    /// Result.
    pub outcome: Outcome,
    /// Why the file is not exported although complete (a limit), if so.
    pub export_note: Option<&'static str>,
    /// A frame of it passed the display filter.
    pub selected: bool,
    next_block: u64,
    last_block_seen: bool,
    data: Option<Vec<u8>>,
}

/// Collects transfers.
pub struct TftpTransfers {
    transfers: Vec<Transfer>,
    by_request: HashMap<u32, usize>,
    export: bool,
    buffered: u64,
    /// Transfers not listed because [`MAX_TRANSFERS`] was reached.
    pub dropped: u64,
}

impl TftpTransfers {
    /// A collector; `export` keeps the data of each transfer for `--export-objects`.
    pub fn new(export: bool) -> TftpTransfers {
        TftpTransfers {
            transfers: Vec::new(),
            by_request: HashMap::default(),
            export,
            buffered: 0,
            dropped: 0,
        }
    }

    /// Feeds one frame; `selected` is whether it passed `-Y`.
    pub fn observe(&mut self, d: &Dissection<'_>, selected: bool) {
        let Some(layer) = d.first(Proto::Tftp) else {
            return;
        };
        let View::Tftp(msg) = layer.view else { return };
        let (Some((src, dst)), Some(udp)) = (d.ip_endpoints(), d.udp()) else {
            return;
        };
        let now = d.times.relative;
        let op = msg.opcode();
        if matches!(op, opcode::RRQ | opcode::WRQ) {
            let client = (src, udp.src_port());
            let server = (dst, udp.dst_port());
            self.open(d.number, &msg, client, server, now, selected);
            return;
        }
        let Some(info) = &d.generated.tftp else {
            return;
        };
        let Some(&i) = self.by_request.get(&info.request_frame) else {
            return;
        };
        let t = &mut self.transfers[i];
        t.selected |= selected;
        t.last_ns = now;
        if src == t.server.0 && udp.dst_port() == t.client.1 {
            t.server.1 = udp.src_port();
        }
        t.blksize = info.blksize;
        match op {
            opcode::DATA => {
                let (Some(block), Some(data)) = (msg.block(), msg.data()) else {
                    return;
                };
                let buffered = &mut self.buffered;
                t.data_block(block, data, buffered);
            }
            opcode::ERROR => t.error(&msg),
            _ => {}
        }
    }

    /// Opens the transfer an RRQ or WRQ (`msg`, in frame `frame`) asks for, unless
    /// [`MAX_TRANSFERS`] are listed already.
    fn open(
        &mut self,
        frame: u32,
        msg: &Tftp<'_>,
        client: (IpAddr, u16),
        server: (IpAddr, u16),
        now: i128,
        selected: bool,
    ) {
        let Some(name) = msg.filename() else { return };
        if self.transfers.len() >= MAX_TRANSFERS {
            self.dropped += 1;
            return;
        }
        let options = msg
            .options()
            .map(|(k, v)| {
                format!(
                    "{}={}",
                    String::from_utf8_lossy(k),
                    String::from_utf8_lossy(v)
                )
            })
            .collect();
        self.by_request.insert(frame, self.transfers.len());
        self.transfers.push(Transfer {
            request_frame: frame,
            file: String::from_utf8_lossy(name).into_owned(),
            file_raw: name.to_vec(),
            mode: msg
                .mode()
                .map(|m| String::from_utf8_lossy(m).into_owned())
                .unwrap_or_default(),
            is_read: msg.opcode() == opcode::RRQ,
            client,
            server,
            options,
            blksize: DEFAULT_BLKSIZE,
            blocks: 0,
            bytes: 0,
            first_ns: now,
            last_ns: now,
            outcome: Outcome::Incomplete,
            export_note: None,
            selected,
            next_block: 1,
            last_block_seen: false,
            data: self.export.then(Vec::new),
        });
    }

    /// The transfers, in request order.
    pub fn transfers(&self) -> &[Transfer] {
        &self.transfers
    }

    /// Writes every complete transfer into `dir` and reports each file on `log`.
    ///
    /// # Errors
    /// When `dir` cannot be created or is a symbolic link; single files that fail are
    /// reported on `log` and skipped.
    pub fn export(&self, dir: &Path, log: &mut dyn Write) -> io::Result<u32> {
        prepare_dir(dir)?;
        let mut written = 0;
        let mut used = std::collections::HashSet::new();
        for t in &self.transfers {
            let Some(data) = &t.data else { continue };
            if t.outcome != Outcome::Complete {
                continue;
            }
            if let Some(note) = t.export_note {
                writeln!(
                    log,
                    "tftp: not exported {:?} (frame {}): {note}",
                    t.file, t.request_frame
                )?;
                continue;
            }
            let name = safe_name(&t.file_raw);
            match write_unique(dir, &name, data, &mut used) {
                Ok(path) => {
                    written += 1;
                    writeln!(
                        log,
                        "tftp: wrote {} ({} bytes, request frame {}, name on the wire {:?})",
                        path.display(),
                        data.len(),
                        t.request_frame,
                        t.file
                    )?;
                }
                Err(e) => writeln!(log, "tftp: could not write {name:?}: {e}")?,
            }
        }
        Ok(written)
    }
}

impl Transfer {
    /// An ERROR packet: it ends a transfer that has not completed.
    fn error(&mut self, msg: &Tftp<'_>) {
        let code = msg.error_code().unwrap_or(0);
        let text = msg
            .error_message()
            .map(|m| String::from_utf8_lossy(m).into_owned())
            .unwrap_or_default();
        if self.outcome == Outcome::Incomplete || self.outcome == Outcome::BlockMissing {
            self.outcome = Outcome::Error(code, text);
        }
    }

    fn data_block(&mut self, raw: u16, data: &[u8], buffered: &mut u64) {
        // Unwrap 16-bit block numbers: a raw number far below the expected one wrapped.
        let mut full = (self.next_block & !0xffff) | u64::from(raw);
        if full + 0x8000 < self.next_block {
            full += 0x1_0000;
        }
        if full < self.next_block {
            return; // a retransmitted block
        }
        if full > self.next_block {
            self.outcome = Outcome::BlockMissing;
        }
        self.next_block = full + 1;
        self.blocks += 1;
        self.bytes += data.len() as u64;
        if data.len() < usize::from(self.blksize) {
            self.last_block_seen = true;
            if self.outcome == Outcome::Incomplete {
                self.outcome = Outcome::Complete;
            }
        }
        if let Some(buf) = &mut self.data {
            if self.outcome == Outcome::BlockMissing {
                self.data = None;
                return;
            }
            let end = (full - 1) * u64::from(self.blksize) + data.len() as u64;
            if end > MAX_EXPORT_BYTES_PER_TRANSFER {
                self.export_note = Some("larger than MAX_EXPORT_BYTES_PER_TRANSFER (64 MiB)");
                *buffered -= buf.len() as u64;
                self.data = Some(Vec::new());
                return;
            }
            if *buffered + data.len() as u64 > MAX_EXPORT_BYTES_TOTAL {
                self.export_note = Some("MAX_EXPORT_BYTES_TOTAL (256 MiB) buffered in all");
                return;
            }
            if self.export_note.is_none() {
                let at = ((full - 1) * u64::from(self.blksize)) as usize;
                if buf.len() < at {
                    buf.resize(at, 0);
                }
                buf.truncate(at);
                buf.extend_from_slice(data);
                *buffered += data.len() as u64;
            }
        }
    }
}

/// Creates `dir` if needed and refuses a symbolic link (which could point anywhere).
fn prepare_dir(dir: &Path) -> io::Result<()> {
    match std::fs::symlink_metadata(dir) {
        Ok(m) if m.file_type().is_symlink() => Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "{} is a symbolic link; refusing to export into it",
                dir.display()
            ),
        )),
        Ok(m) if !m.is_dir() => Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{} is not a directory", dir.display()),
        )),
        Ok(_) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => std::fs::create_dir_all(dir),
        Err(e) => Err(e),
    }
}

/// Names Windows reserves (also unwise elsewhere: the files end up on shared drives).
const RESERVED: &[&str] = &[
    "con", "prn", "aux", "nul", "com1", "com2", "com3", "com4", "com5", "com6", "com7", "com8",
    "com9", "lpt1", "lpt2", "lpt3", "lpt4", "lpt5", "lpt6", "lpt7", "lpt8", "lpt9",
];

/// A file name from the wire made safe to create inside the export directory: the last
/// path component only (both `/` and `\` separate), control characters, NUL and characters
/// Windows forbids replaced by `_`, leading dots removed (no `.`, `..`, hidden files),
/// reserved device names prefixed with `_`, cut to [`MAX_EXPORT_NAME`] bytes on a character
/// boundary keeping the extension, and `tftp-object` when nothing is left.
pub fn safe_name(raw: &[u8]) -> String {
    let text = String::from_utf8_lossy(raw);
    let base = text.rsplit(['/', '\\']).next().unwrap_or("");
    let mut s: String = base
        .chars()
        .map(|c| {
            if c.is_control() || "<>:\"|?*".contains(c) {
                '_'
            } else {
                c
            }
        })
        .collect();
    let trimmed = s
        .trim_start_matches('.')
        .trim_end_matches([' ', '.'])
        .to_string();
    s = trimmed;
    if s.is_empty() {
        s = "tftp-object".into();
    }
    let stem = s.split('.').next().unwrap_or("").to_ascii_lowercase();
    if RESERVED.contains(&stem.as_str()) {
        s.insert(0, '_');
    }
    truncate_keep_ext(&s, MAX_EXPORT_NAME)
}

fn truncate_keep_ext(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let ext = s
        .rfind('.')
        .map(|i| &s[i..])
        .filter(|e| e.len() <= 16)
        .unwrap_or("");
    let mut cut = max - ext.len();
    while !s.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}{}", &s[..cut], ext)
}

/// Creates `dir/name`, or `name(1).ext`, `name(2).ext`... when taken. `create_new` never
/// opens an existing file or follows a link planted at the path.
fn write_unique(
    dir: &Path,
    name: &str,
    data: &[u8],
    used: &mut std::collections::HashSet<String>,
) -> io::Result<PathBuf> {
    let (stem, ext) = match name.rfind('.') {
        Some(i) if i > 0 => (&name[..i], &name[i..]),
        _ => (name, ""),
    };
    for n in 0..10_000u32 {
        let candidate = if n == 0 {
            name.to_string()
        } else {
            truncate_keep_ext(&format!("{stem}({n}){ext}"), MAX_EXPORT_NAME + 8)
        };
        if used.contains(&candidate.to_lowercase()) {
            continue;
        }
        let path = dir.join(&candidate);
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
        {
            Ok(mut f) => {
                used.insert(candidate.to_lowercase());
                f.write_all(data)?;
                return Ok(path);
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(io::Error::other("no free name after 10000 tries"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_names() {
        assert_eq!(safe_name(b"../../etc/passwd"), "passwd");
        assert_eq!(safe_name(b"/etc/shadow"), "shadow");
        assert_eq!(safe_name(b"..\\..\\boot.ini"), "boot.ini");
        assert_eq!(safe_name(b"a\0b"), "a_b");
        assert_eq!(safe_name(b".."), "tftp-object");
        assert_eq!(safe_name(b"."), "tftp-object");
        assert_eq!(safe_name(b".bashrc"), "bashrc");
        assert_eq!(safe_name(b"con"), "_con");
        assert_eq!(safe_name(b"CON.txt"), "_CON.txt");
        assert_eq!(safe_name(b""), "tftp-object");
        let long = safe_name(&[b'x'; 5000]);
        assert_eq!(long.len(), MAX_EXPORT_NAME);
        let long_ext = safe_name(format!("{}.bin", "y".repeat(5000)).as_bytes());
        assert!(long_ext.ends_with(".bin") && long_ext.len() == MAX_EXPORT_NAME);
    }
}
