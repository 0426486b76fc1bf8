//! The append-only file behind the CSR column index: full per-gene buffers go out by vectored
//! writes, without being copied.
//!
//! **Why.** The scatter pass appends every stored entry of `X` once (176 MB for make_synth
//! 100k × 2k) in buffers of a few KiB. Through a `BufWriter` each buffer was first copied into
//! the writer's own buffer (a `memmove` of the whole matrix, 1 % of an export's CPU) before
//! the kernel copied it again. Here the buffers themselves wait until about
//! [`RunFile::write_bytes`] bytes have gathered, go out in one `writev`, and come back emptied,
//! with their capacity, for the next genes that fill up.

use std::fs::File;
use std::io::{IoSlice, Write};

/// Bytes gathered before one vectored write (as many as the `BufWriter` held before).
pub(super) const WRITE_BYTES: usize = 1 << 20;

/// Buffers gathered at most before one vectored write (Linux's `IOV_MAX`: a longer list would
/// be cut into several system calls anyway).
const MAX_BUFFERS: usize = 1024;

/// Writes all of `buffers`, in order, by vectored writes, however short each write is.
fn write_all_vectored(w: &mut impl Write, buffers: &[Vec<u8>]) -> std::io::Result<()> {
    let mut slices: Vec<IoSlice<'_>> = buffers.iter().map(|b| IoSlice::new(b)).collect();
    let mut rest = &mut slices[..];
    // Empty buffers would make a write of nothing look like a full disk.
    IoSlice::advance_slices(&mut rest, 0);
    while !rest.is_empty() {
        match w.write_vectored(rest) {
            Ok(0) => return Err(std::io::ErrorKind::WriteZero.into()),
            Ok(n) => IoSlice::advance_slices(&mut rest, n),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// An append-only file written from owned buffers (see the module docs). After an error the
/// file's contents and the offsets handed out no longer match: drop it.
#[derive(Debug)]
pub(super) struct RunFile {
    file: File,
    /// Bytes appended so far, written or pending: the offset of the next append.
    end: u64,
    pending: Vec<Vec<u8>>,
    pending_bytes: usize,
    /// Written buffers, emptied, capacity kept.
    spare: Vec<Vec<u8>>,
    write_bytes: usize,
}

impl RunFile {
    /// Appends to `file` (expected empty), writing once `write_bytes` bytes are pending.
    pub(super) fn new(file: File, write_bytes: usize) -> RunFile {
        RunFile {
            file,
            end: 0,
            pending: Vec::new(),
            pending_bytes: 0,
            spare: Vec::new(),
            write_bytes,
        }
    }

    /// Queues `buf` to be appended and returns its offset in the file. The bytes reach the
    /// file by the time enough are pending, or at [`RunFile::finish`].
    pub(super) fn append(&mut self, buf: Vec<u8>) -> std::io::Result<u64> {
        let at = self.end;
        self.end += buf.len() as u64;
        self.pending_bytes += buf.len();
        self.pending.push(buf);
        if self.pending_bytes >= self.write_bytes || self.pending.len() >= MAX_BUFFERS {
            self.write_pending()?;
        }
        Ok(at)
    }

    /// An emptied buffer that has been written, if any, to be filled again.
    pub(super) fn spare(&mut self) -> Option<Vec<u8>> {
        self.spare.pop()
    }

    /// Writes what is pending and returns the file.
    pub(super) fn finish(mut self) -> std::io::Result<File> {
        self.write_pending()?;
        Ok(self.file)
    }

    fn write_pending(&mut self) -> std::io::Result<()> {
        if self.pending_bytes > 0 {
            write_all_vectored(&mut self.file, &self.pending)?;
        }
        for mut buf in self.pending.drain(..) {
            buf.clear();
            self.spare.push(buf);
        }
        self.pending_bytes = 0;
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::io::{Read, Seek, SeekFrom};

    #[test]
    fn appends_land_at_their_offsets_whatever_the_write_size() {
        // Buffers of 0..300 bytes, each filled with its own index.
        let buffers: Vec<Vec<u8>> = (0..300u32)
            .map(|i| vec![i as u8; (i as usize * 7) % 300])
            .collect();
        for write_bytes in [1, 100, 4096, WRITE_BYTES] {
            let mut run_file = RunFile::new(tempfile::tempfile().unwrap(), write_bytes);
            let mut offsets = Vec::new();
            let mut reused = 0;
            for b in &buffers {
                let mut buf = run_file.spare().unwrap_or_default();
                assert!(buf.is_empty(), "spare buffers come back emptied");
                reused += usize::from(buf.capacity() > 0);
                buf.extend_from_slice(b);
                offsets.push(run_file.append(buf).unwrap());
            }
            if write_bytes < 4096 {
                assert!(reused > 0, "written buffers are handed out again");
            }
            let mut file = run_file.finish().unwrap();
            let mut all = Vec::new();
            file.seek(SeekFrom::Start(0)).unwrap();
            file.read_to_end(&mut all).unwrap();
            let total: usize = buffers.iter().map(Vec::len).sum();
            assert_eq!(all.len(), total, "write size {write_bytes}");
            for (b, &at) in buffers.iter().zip(&offsets) {
                let at = at as usize;
                assert_eq!(&all[at..at + b.len()], &b[..], "write size {write_bytes}");
            }
        }
    }

    /// Takes at most `max` bytes of at most two slices per call, and is interrupted once.
    struct Short {
        out: Vec<u8>,
        max: usize,
        interrupted: bool,
    }

    impl Write for Short {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.write_vectored(&[IoSlice::new(buf)])
        }
        fn write_vectored(&mut self, bufs: &[IoSlice<'_>]) -> std::io::Result<usize> {
            if !self.interrupted {
                self.interrupted = true;
                return Err(std::io::ErrorKind::Interrupted.into());
            }
            let mut n = 0;
            for b in bufs.iter().take(2) {
                let take = b.len().min(self.max - n);
                self.out.extend_from_slice(&b[..take]);
                n += take;
            }
            Ok(n)
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn short_and_interrupted_writes_are_resumed_in_order() {
        let buffers: Vec<Vec<u8>> = (0..40u8).map(|i| vec![i; usize::from(i % 7)]).collect();
        let expected: Vec<u8> = buffers.concat();
        for max in [1, 3, 5, 64] {
            let mut w = Short {
                out: Vec::new(),
                max,
                interrupted: false,
            };
            write_all_vectored(&mut w, &buffers).unwrap();
            assert_eq!(w.out, expected, "at most {max} bytes a write");
        }
        // Nothing to write, empty buffers included, is not a full disk.
        let mut w = Short {
            out: Vec::new(),
            max: 4,
            interrupted: true,
        };
        write_all_vectored(&mut w, &[Vec::new(), Vec::new()]).unwrap();
        let mut run_file = RunFile::new(tempfile::tempfile().unwrap(), 1);
        assert_eq!(run_file.append(Vec::new()).unwrap(), 0);
        assert_eq!(run_file.append(vec![1, 2]).unwrap(), 0);
        assert_eq!(run_file.append(Vec::new()).unwrap(), 2);
        let mut file = run_file.finish().unwrap();
        let mut all = Vec::new();
        file.seek(SeekFrom::Start(0)).unwrap();
        file.read_to_end(&mut all).unwrap();
        assert_eq!(all, [1, 2]);
    }

    #[test]
    fn a_write_goes_out_every_max_buffers_buffers_whatever_their_bytes() {
        let mut run_file = RunFile::new(tempfile::tempfile().unwrap(), usize::MAX);
        for i in 0..(3 * MAX_BUFFERS + 5) {
            run_file.append(vec![(i % 251) as u8; 3]).unwrap();
        }
        // Three full lists of buffers are in the file, the last five still pending.
        assert_eq!(
            run_file.file.metadata().unwrap().len(),
            3 * 3 * MAX_BUFFERS as u64
        );
        assert_eq!(run_file.pending.len(), 5);
        let mut file = run_file.finish().unwrap();
        let mut all = Vec::new();
        file.seek(SeekFrom::Start(0)).unwrap();
        file.read_to_end(&mut all).unwrap();
        assert_eq!(all.len(), 3 * (3 * MAX_BUFFERS + 5));
        for (i, chunk) in all.chunks_exact(3).enumerate() {
            assert_eq!(chunk, &[(i % 251) as u8; 3]);
        }
    }
}
