//! A byte buffer that writers fill in place.
//!
//! `Vec<u8>` can only hand a writer initialised bytes, so writing text straight into its tail
//! means zero-filling the tail first, then writing it again. `ByteBuf` keeps every byte it
//! ever allocated (zeroed once, when it grows): its tail past `len` is always there to write
//! into, and a writer that knows its text's maximum size (a number, an address, 32 bytes of
//! hex) stores it once, where it stays. JSON output, which is nearly all such small pieces,
//! is written through it.

use super::TextOut;

/// Bytes allocated up front: a chunk of JSON output (`json::OUTPUT_CHUNK`) and its last
/// packet fit without growing.
const INITIAL_LEN: usize = 320 * 1024;

/// A growable byte buffer whose spare tail stays allocated and initialised.
pub struct ByteBuf {
    bytes: Vec<u8>,
    len: usize,
}

/// An empty buffer that allocates nothing until written to (the parallel runs keep spare and
/// parked block texts of every format: most are small).
impl Default for ByteBuf {
    fn default() -> Self {
        Self::with_room(0)
    }
}

impl ByteBuf {
    /// An empty buffer with `INITIAL_LEN` (320 KiB) bytes of room.
    pub fn new() -> Self {
        Self::with_room(INITIAL_LEN)
    }

    /// An empty buffer with `room` bytes allocated (it grows as needed).
    pub fn with_room(room: usize) -> Self {
        ByteBuf {
            bytes: vec![0; room],
            len: 0,
        }
    }

    /// The bytes written so far.
    pub fn as_slice(&self) -> &[u8] {
        self.bytes.get(..self.len).unwrap_or_default()
    }

    /// How many bytes have been written.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when nothing has been written.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Forgets what was written (the room stays).
    pub fn clear(&mut self) {
        self.len = 0;
    }

    /// Forgets what was written past `len`.
    pub fn truncate(&mut self, len: usize) {
        self.len = self.len.min(len);
    }

    /// The written byte at `at`.
    pub fn get_mut(&mut self, at: usize) -> Option<&mut u8> {
        if at < self.len {
            self.bytes.get_mut(at)
        } else {
            None
        }
    }

    /// Makes sure `n` more bytes fit.
    #[inline]
    fn room(&mut self, n: usize) {
        // The same comparison the slice that follows makes, so the compiler drops that one.
        if self.len + n > self.bytes.len() {
            self.grow(n);
        }
    }

    /// Grows by half (not double: a block of JSON is about 1.3 MiB, and the streaming
    /// modes have a memory budget), at least to fit `n` more bytes.
    #[cold]
    fn grow(&mut self, n: usize) {
        let want = (self.len + n).max(self.bytes.len() + self.bytes.len() / 2);
        self.bytes.reserve_exact(want - self.bytes.len());
        self.bytes.resize(want, 0);
    }

    /// Appends one byte.
    #[inline]
    pub fn push(&mut self, b: u8) {
        self.fill::<1>(|slot| {
            slot[0] = b;
            1
        });
    }

    /// Appends bytes.
    #[inline]
    pub fn extend_from_slice(&mut self, s: &[u8]) {
        // The fast path tests the room once: the slice past `len`, then its first bytes (a
        // test before, then a slice `len..len + n`, compiled to three tests and an overflow
        // check on every append).
        loop {
            let len = self.len;
            if let Some(tail) = self.bytes.get_mut(len..).and_then(|t| t.get_mut(..s.len())) {
                tail.copy_from_slice(s);
                self.len = len + s.len();
                return;
            }
            self.grow(s.len());
        }
    }

    /// Appends the first `len` bytes of `piece`, copied at its full (known) size.
    #[inline]
    pub fn extend_prefix<const N: usize>(&mut self, piece: &[u8; N], len: usize) {
        self.fill::<N>(|tail| {
            *tail = *piece;
            len
        });
    }

    /// Inserts one byte at `at` (≤ `len`), moving what follows.
    pub fn insert(&mut self, at: usize, b: u8) {
        if at > self.len {
            return;
        }
        self.room(1);
        self.bytes.copy_within(at..self.len, at + 1);
        if let Some(slot) = self.bytes.get_mut(at) {
            *slot = b;
            self.len += 1;
        }
    }
}

impl TextOut for ByteBuf {
    fn push_ascii(&mut self, s: &[u8]) {
        self.extend_from_slice(s);
    }
    fn push_byte(&mut self, b: u8) {
        self.push(b);
    }
    fn push_text(&mut self, s: &str) {
        self.extend_from_slice(s.as_bytes());
    }
    fn reserve_bytes(&mut self, n: usize) {
        self.room(n);
    }
    #[inline]
    fn fill<const N: usize>(&mut self, write: impl FnOnce(&mut [u8; N]) -> usize) {
        // As in `extend_from_slice`: the room is tested once on the fast path.
        loop {
            let len = self.len;
            if let Some(tail) = self.bytes.get_mut(len..).and_then(|t| t.first_chunk_mut()) {
                self.len = len + write(tail).min(N);
                return;
            }
            self.grow(N);
        }
    }
}

impl std::io::Write for ByteBuf {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_grow_insert_and_truncate() {
        let mut b = ByteBuf::new();
        let big = vec![7u8; INITIAL_LEN + 5];
        b.extend_from_slice(b"ab");
        b.extend_from_slice(&big);
        assert_eq!(b.len(), INITIAL_LEN + 7);
        b.truncate(2);
        b.insert(0, b'[');
        b.push(b']');
        b.fill::<4>(|t| {
            t.copy_from_slice(b"xyzw");
            2
        });
        b.extend_prefix(b",\"k\":  ", 5);
        assert_eq!(b.as_slice(), b"[ab]xy,\"k\":");
        *b.get_mut(0).unwrap() = b'{';
        assert!(b.get_mut(11).is_none());
        b.clear();
        assert!(b.is_empty());
        // Bytes past the end are left from before and never shown.
        b.fill::<3>(|_| 0);
        assert_eq!(b.as_slice(), b"");
    }
}
