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

/// An append-only file written from owned buffers (see the module docs).
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
        let mut slices: Vec<IoSlice<'_>> = self.pending.iter().map(|b| IoSlice::new(b)).collect();
        let mut rest = &mut slices[..];
        while !rest.is_empty() {
            match self.file.write_vectored(rest) {
                Ok(0) => return Err(std::io::ErrorKind::WriteZero.into()),
                Ok(n) => IoSlice::advance_slices(&mut rest, n),
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
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

    #[test]
    fn more_buffers_than_one_vectored_write_takes() {
        let mut run_file = RunFile::new(tempfile::tempfile().unwrap(), usize::MAX);
        for i in 0..(3 * MAX_BUFFERS + 5) {
            run_file.append(vec![(i % 251) as u8; 3]).unwrap();
        }
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
