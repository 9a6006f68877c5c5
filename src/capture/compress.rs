//! Compressed captures (`.pcap.gz`, `.pcapng.zst`, `.pcap.lz4`), recognised by their magic
//! bytes, never by the file name, and decompressed as a stream.
//!
//! Contract:
//! - [`sniff`] reads the first few bytes of a source and hands back a reader of the whole
//!   stream again (the bytes it looked at are replayed), decompressing when they announce
//!   gzip, zstd or lz4. Anything else passes through untouched, so the capture readers see
//!   the same bytes they would have read without it.
//! - Concatenated members and frames are read one after the other, as `zcat`, `zstdcat` and
//!   `lz4cat` do.
//! - A damaged or cut-short compressed stream yields every byte decoded before the damage,
//!   then an `io::Error` whose inner error is a [`DecodeError`] naming the compression, so the
//!   reader can report it as damage (exit status 1) rather than as an unreadable file.
//!   One leniency is lz4_flex's: an lz4 file cut inside its final 4-byte end mark (after
//!   all of its data) reads as complete.
//! - xz and bzip2 are recognised by the reader's error message only (see
//!   [`super::CaptureError::Compressed`]): they are rare for captures and their decoders
//!   are slow enough that an external tool on another core does better.

use std::io::{self, BufRead, BufReader, Chain, Cursor, Read};

/// Bytes looked at to recognise a compression: the longest magic handled here (zstd, lz4).
const SNIFF_LEN: usize = 4;

/// A compression wiresift decodes itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    /// RFC 1952 gzip (`.gz`).
    Gzip,
    /// Zstandard frames (`.zst`).
    Zstd,
    /// The LZ4 frame format (`.lz4`), not the legacy or raw block formats.
    Lz4,
}

impl Compression {
    /// The compression the first bytes of a stream announce.
    pub fn from_magic(head: &[u8]) -> Option<Compression> {
        const MAGICS: [(&[u8], Compression); 3] = [
            (&[0x1f, 0x8b], Compression::Gzip),
            (&[0x28, 0xb5, 0x2f, 0xfd], Compression::Zstd),
            (&[0x04, 0x22, 0x4d, 0x18], Compression::Lz4),
        ];
        MAGICS
            .iter()
            .find(|(magic, _)| head.starts_with(magic))
            .map(|&(_, kind)| kind)
    }

    /// The name used in messages (`gzip`).
    pub fn name(self) -> &'static str {
        match self {
            Compression::Gzip => "gzip",
            Compression::Zstd => "zstd",
            Compression::Lz4 => "lz4",
        }
    }
}

/// The error a decoder gave, tagged with its compression (carried inside an `io::Error`).
#[derive(Debug, thiserror::Error)]
#[error("{kind} data is damaged: {message}")]
pub struct DecodeError {
    /// `gzip`, `zstd` or `lz4`.
    pub kind: &'static str,
    /// The decoder's words.
    pub message: String,
}

/// A source with its first bytes put back in front.
type Replayed<R> = Chain<Cursor<Vec<u8>>, R>;

/// Reads the first bytes of `source` and returns a reader of the whole stream (decompressed
/// when it is gzip, zstd or lz4) and the compression found.
///
/// # Errors
/// Reading the first bytes failed, or the zstd decoder could not be set up.
pub fn sniff<R: Read + Send + 'static>(
    mut source: R,
) -> io::Result<(Box<dyn Read + Send>, Option<Compression>)> {
    let head = read_head(&mut source)?;
    let kind = Compression::from_magic(&head);
    let replayed: Replayed<R> = Cursor::new(head).chain(source);
    let reader: Box<dyn Read + Send> = match kind {
        None => Box::new(replayed),
        Some(c @ Compression::Gzip) => tagged(c, flate2::read::MultiGzDecoder::new(replayed)),
        Some(c @ Compression::Zstd) => tagged(c, zstd::stream::read::Decoder::new(replayed)?),
        Some(c @ Compression::Lz4) => tagged(c, Lz4Frames::new(replayed)),
    };
    Ok((reader, kind))
}

/// Up to [`SNIFF_LEN`] bytes (fewer only at the end of the stream).
fn read_head<R: Read>(source: &mut R) -> io::Result<Vec<u8>> {
    let mut head = Vec::with_capacity(SNIFF_LEN);
    source.take(SNIFF_LEN as u64).read_to_end(&mut head)?;
    Ok(head)
}

fn tagged<D: Read + Send + 'static>(kind: Compression, decoder: D) -> Box<dyn Read + Send> {
    Box::new(Tagged {
        kind: kind.name(),
        decoder,
    })
}

/// A decoder whose errors say which compression they come from.
struct Tagged<D> {
    kind: &'static str,
    decoder: D,
}

impl<D: Read> Read for Tagged<D> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.decoder.read(buf).map_err(|e| {
            if e.kind() == io::ErrorKind::Interrupted {
                return e;
            }
            let message = match e.kind() {
                io::ErrorKind::UnexpectedEof => "the stream ends early (cut short?)".to_string(),
                _ => e.to_string(),
            };
            io::Error::new(
                io::ErrorKind::InvalidData,
                DecodeError {
                    kind: self.kind,
                    message,
                },
            )
        })
    }
}

/// LZ4 frames one after the other (`lz4_flex`'s decoder stops after the first frame).
struct Lz4Frames<R: Read> {
    /// `None` only while one frame's decoder is swapped for the next.
    decoder: Option<lz4_flex::frame::FrameDecoder<BufReader<R>>>,
}

impl<R: Read> Lz4Frames<R> {
    fn new(source: R) -> Lz4Frames<R> {
        let decoder = lz4_flex::frame::FrameDecoder::new(BufReader::new(source));
        Lz4Frames {
            decoder: Some(decoder),
        }
    }
}

impl<R: Read> Read for Lz4Frames<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            let Some(decoder) = self.decoder.as_mut() else {
                return Ok(0);
            };
            let n = decoder.read(buf)?;
            if n > 0 || buf.is_empty() {
                return Ok(n);
            }
            // End of a frame: another one follows unless the input is at its end.
            if decoder.get_mut().fill_buf()?.is_empty() {
                return Ok(0);
            }
            let inner = self.decoder.take().map(|d| d.into_inner());
            self.decoder = inner.map(lz4_flex::frame::FrameDecoder::new);
        }
    }
}

/// The [`DecodeError`] inside an `io::Error`, if that is what it carries.
pub fn decode_error(e: &io::Error) -> Option<&DecodeError> {
    e.get_ref()?.downcast_ref::<DecodeError>()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn payload() -> Vec<u8> {
        (0..200_000u32).map(|i| (i * 7 % 251) as u8).collect()
    }

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(data).unwrap();
        enc.finish().unwrap()
    }

    fn zstd(data: &[u8]) -> Vec<u8> {
        zstd::encode_all(data, 1).unwrap()
    }

    fn lz4(data: &[u8]) -> Vec<u8> {
        let mut enc = lz4_flex::frame::FrameEncoder::new(Vec::new());
        enc.write_all(data).unwrap();
        enc.finish().unwrap()
    }

    fn read_all(bytes: Vec<u8>) -> (Vec<u8>, Option<Compression>, Option<io::Error>) {
        let (mut r, kind) = sniff(Cursor::new(bytes)).unwrap();
        let mut out = Vec::new();
        let mut buf = [0u8; 4096];
        loop {
            match r.read(&mut buf) {
                Ok(0) => return (out, kind, None),
                Ok(n) => out.extend_from_slice(&buf[..n]),
                Err(e) => return (out, kind, Some(e)),
            }
        }
    }

    /// Checks that `bytes` decode to `data` without error; the compression found.
    fn reads_back(bytes: Vec<u8>, data: &[u8], kind: Compression) -> Option<Compression> {
        let (out, found, err) = read_all(bytes);
        assert!(err.is_none(), "{kind:?}: {err:?}");
        let (got, wanted) = (out.len(), data.len());
        assert!(out == data, "{kind:?}: {got} bytes, wanted {wanted}");
        found
    }

    #[test]
    fn each_compression_round_trips() {
        let data = payload();
        for (bytes, kind) in [
            (gzip(&data), Compression::Gzip),
            (zstd(&data), Compression::Zstd),
            (lz4(&data), Compression::Lz4),
        ] {
            assert_eq!(reads_back(bytes, &data, kind), Some(kind));
        }
    }

    #[test]
    fn concatenated_members_are_read_one_after_the_other() {
        let data = payload();
        let (a, b) = data.split_at(77_777);
        for (joined, kind) in [
            ([gzip(a), gzip(b)].concat(), Compression::Gzip),
            ([zstd(a), zstd(b)].concat(), Compression::Zstd),
            ([lz4(a), lz4(b)].concat(), Compression::Lz4),
        ] {
            reads_back(joined, &data, kind);
        }
    }

    #[test]
    fn uncompressed_and_tiny_inputs_pass_through() {
        for bytes in [vec![], vec![0xd4], vec![0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0]] {
            let (out, kind, err) = read_all(bytes.clone());
            assert_eq!((out, kind), (bytes, None));
            assert!(err.is_none());
        }
    }

    #[test]
    fn cut_short_streams_give_a_tagged_error_after_the_decoded_bytes() {
        let data = payload();
        for (bytes, kind) in [
            (gzip(&data), "gzip"),
            (zstd(&data), "zstd"),
            (lz4(&data), "lz4"),
        ] {
            let cut = bytes[..bytes.len() * 2 / 3].to_vec();
            let (out, _, err) = read_all(cut);
            let err = err.unwrap_or_else(|| panic!("{kind}: no error"));
            assert_eq!(decode_error(&err).map(|d| d.kind), Some(kind));
            assert!(data.starts_with(&out), "{kind}: decoded bytes differ");
        }
    }

    #[test]
    fn garbage_after_the_magic_is_an_error_not_a_panic() {
        for magic in [
            &[0x1f, 0x8b][..],
            &[0x28, 0xb5, 0x2f, 0xfd],
            &[4, 0x22, 0x4d, 0x18],
        ] {
            let mut bytes = magic.to_vec();
            bytes.extend((0..5000u32).map(|i| (i * 13 % 256) as u8));
            let (_, _, err) = read_all(bytes);
            assert!(err.is_some_and(|e| decode_error(&e).is_some()));
        }
    }
}
