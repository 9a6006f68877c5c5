//! Read-ahead on a second thread: the `read(2)` calls and the kernel's page-cache copy of a
//! capture file run on one core while the other dissects and prints.
//!
//! The reading thread fills chunks of [`CHUNK_LEN`] bytes and hands them over a bounded
//! channel ([`CHUNKS_IN_FLIGHT`] deep, so memory stays fixed whatever the file size); used
//! chunks come back to be filled again, so nothing is allocated per chunk after the start.
//! When the reader is dropped early (`-c`, a closed pipe), the channel closes and the thread
//! ends at its next send.

use std::io::{self, Read};
use std::sync::mpsc::{Receiver, SyncSender, TryRecvError, sync_channel};

/// Bytes per chunk: large enough that the per-chunk hand-over costs nothing next to the copy
/// (1 MiB is about 1 300 average frames), small enough to stay in the L2/L3 caches.
pub const CHUNK_LEN: usize = 1024 * 1024;
/// Chunks read ahead at most: enough to ride out a burst of slow frames, 4 MiB of memory.
pub const CHUNKS_IN_FLIGHT: usize = 4;

/// A `Read` whose data is read by a background thread.
pub struct ReadAhead {
    full: Receiver<io::Result<Vec<u8>>>,
    empty: SyncSender<Vec<u8>>,
    current: Vec<u8>,
    pos: usize,
    done: bool,
}

impl ReadAhead {
    /// Starts a thread reading `source` ahead of the caller.
    pub fn spawn<R: Read + Send + 'static>(source: R) -> io::Result<ReadAhead> {
        let (full_tx, full) = sync_channel(CHUNKS_IN_FLIGHT);
        let (empty, empty_rx) = sync_channel::<Vec<u8>>(CHUNKS_IN_FLIGHT + 2);
        std::thread::Builder::new()
            .name("wiresift-read".into())
            .spawn(move || read_loop(source, &full_tx, &empty_rx))?;
        Ok(ReadAhead {
            full,
            empty,
            current: Vec::new(),
            pos: 0,
            done: false,
        })
    }
}

/// Fills chunks until the end of `source` (or an error), sending each one.
fn read_loop<R: Read>(
    mut source: R,
    full: &SyncSender<io::Result<Vec<u8>>>,
    empty: &Receiver<Vec<u8>>,
) {
    loop {
        let mut chunk = match empty.try_recv() {
            Ok(c) => c,
            Err(TryRecvError::Empty) => Vec::with_capacity(CHUNK_LEN),
            Err(TryRecvError::Disconnected) => return,
        };
        // Zeroed once, when the chunk is new: read() overwrites what it reports.
        chunk.resize(CHUNK_LEN, 0);
        let mut filled = 0;
        let result = loop {
            match source.read(&mut chunk[filled..]) {
                Ok(0) => break Ok(true),
                Ok(n) => {
                    filled += n;
                    if filled == chunk.len() {
                        break Ok(false);
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => break Err(e),
            }
        };
        chunk.truncate(filled);
        let (at_end, send) = match result {
            Ok(eof) => (eof, full.send(Ok(chunk))),
            // What was read before the error is delivered first: a damaged compressed file
            // still yields every frame decoded before the damage.
            Err(e) if chunk.is_empty() => (true, full.send(Err(e))),
            Err(e) => (true, full.send(Ok(chunk)).and_then(|()| full.send(Err(e)))),
        };
        if at_end || send.is_err() {
            return;
        }
    }
}

impl Read for ReadAhead {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.pos == self.current.len() {
            if self.done {
                return Ok(0);
            }
            match self.full.recv() {
                Ok(Ok(chunk)) => {
                    let used = std::mem::replace(&mut self.current, chunk);
                    let _ = self.empty.try_send(used);
                    self.pos = 0;
                    if self.current.is_empty() {
                        self.done = true;
                    }
                }
                Ok(Err(e)) => {
                    self.done = true;
                    return Err(e);
                }
                Err(_) => {
                    self.done = true;
                    return Ok(0);
                }
            }
        }
        let n = buf.len().min(self.current.len() - self.pos);
        buf[..n].copy_from_slice(&self.current[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delivers_every_byte_in_order() {
        let data: Vec<u8> = (0..3 * CHUNK_LEN + 12_345)
            .map(|i| (i % 251) as u8)
            .collect();
        let mut r = ReadAhead::spawn(std::io::Cursor::new(data.clone())).unwrap();
        let mut out = Vec::new();
        r.read_to_end(&mut out).unwrap();
        assert_eq!(out, data);
    }

    #[test]
    fn empty_input() {
        let mut r = ReadAhead::spawn(std::io::Cursor::new(Vec::new())).unwrap();
        let mut out = Vec::new();
        assert_eq!(r.read_to_end(&mut out).unwrap(), 0);
    }

    #[test]
    fn dropping_early_ends_the_thread() {
        let data = vec![7u8; 10 * CHUNK_LEN];
        let mut r = ReadAhead::spawn(std::io::Cursor::new(data)).unwrap();
        let mut buf = [0u8; 10];
        r.read_exact(&mut buf).unwrap();
        drop(r);
    }
}
