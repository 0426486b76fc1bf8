//! Deterministic single-member gzip (format.md §19, §26 (e); viewer-contract.md §2.2).
//!
//! A member is the fixed 10-byte header `1F 8B 08 00 | 00 00 00 00 | XFL | FF` (no name, MTIME
//! 0, XFL `02` at level 9, `04` at level 1, `00` otherwise, OS `FF`), a raw deflate stream
//! (`flate2` on stock zlib, built from bundled source so its output equals the reference writer's byte for byte) and the CRC-32 + ISIZE trailer. The decoder
//! checks everything the viewer checks (magic, method, reserved flags, a short header, single
//! member, ISIZE) plus the CRC, and never allocates more than a caller-given ceiling.
//!
//! The header and trailer helpers are public so that other encoders (e.g. a sparse run encoder
//! in a `gzip::runs` submodule) can frame their own deflate streams identically.

mod decode;
mod deflate;
mod fast;
mod literals;
pub mod runs;

use std::io::{self, Write};

use flate2::write::DeflateEncoder;
use flate2::Compression;

pub use decode::{declared_size, decode_member, decode_member_exact, GzipError};
pub use fast::{
    encode_member_libdeflate, encode_payload_member, HUFFMAN_ONLY_MIN_BYTES,
    INCOMPRESSIBLE_CHECK_MIN_BYTES, NEAR_RANDOM_RATIO, ZLIB_CHECK_MAX_BYTES,
};
pub use literals::{
    encode_if_incompressible, encode_literals_member, BLOCK_BYTES as LITERAL_BLOCK_BYTES,
};

/// xorshift bytes from `seed` (made odd), for tests: nothing for deflate to find.
#[cfg(test)]
pub(crate) fn test_noise(n: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

/// Longest FNAME/FCOMMENT header field the decoder accepts (the viewer's ~1 KB allowance).
pub const MAX_HEADER_FIELD: usize = 1024;

/// The XFL byte for a deflate level: `02` at 9, `04` at 1, `00` otherwise.
pub fn xfl(level: u32) -> u8 {
    match level {
        9 => 0x02,
        1 => 0x04,
        _ => 0x00,
    }
}

/// The 10-byte member header the reference writer emits at `level`.
///
/// ```
/// assert_eq!(cellucid_format::gzip::header_bytes(6), [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]);
/// ```
pub fn header_bytes(level: u32) -> [u8; 10] {
    [0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, xfl(level), 0xff]
}

/// The 8-byte trailer: CRC-32 of the uncompressed bytes, then their length mod 2^32, both LE.
pub fn trailer_bytes(crc: u32, uncompressed_len: u64) -> [u8; 8] {
    let mut out = [0u8; 8];
    out[..4].copy_from_slice(&crc.to_le_bytes());
    // ISIZE is the length modulo 2^32 by definition (RFC 1952).
    out[4..].copy_from_slice(&((uncompressed_len & 0xFFFF_FFFF) as u32).to_le_bytes());
    out
}

/// Compresses `data` into one gzip member at `level` (1–9; larger values act as 9, 0 stores).
///
/// ```
/// use cellucid_format::gzip::{decode_member, encode_member};
/// let member = encode_member(b"cellucid", 6);
/// assert_eq!(&member[..4], &[0x1f, 0x8b, 8, 0]);
/// assert_eq!(decode_member(&member, 1 << 20).ok(), Some(b"cellucid".to_vec()));
/// ```
pub fn encode_member(data: &[u8], level: u32) -> Vec<u8> {
    let mut writer = match GzipMemberWriter::new(Vec::with_capacity(data.len() / 2 + 64), level) {
        Ok(w) => w,
        Err(_) => return Vec::new(), // writing into a Vec cannot fail
    };
    if writer.write_all(data).is_err() {
        return Vec::new();
    }
    writer.finish().unwrap_or_default()
}

/// A streaming gzip member writer with the reference header.
///
/// Write the payload, then call [`GzipMemberWriter::finish`] to emit the trailer; dropping the
/// writer without `finish` leaves a truncated member.
pub struct GzipMemberWriter<W: Write> {
    deflate: DeflateEncoder<W>,
    crc: crc32fast::Hasher,
    len: u64,
}

impl<W: Write> GzipMemberWriter<W> {
    /// Writes the header to `inner` and starts a deflate stream at `level`.
    ///
    /// # Errors
    /// The error of writing the header.
    pub fn new(mut inner: W, level: u32) -> io::Result<Self> {
        inner.write_all(&header_bytes(level))?;
        Ok(Self {
            deflate: DeflateEncoder::new(inner, Compression::new(level.min(9))),
            crc: crc32fast::Hasher::new(),
            len: 0,
        })
    }

    /// Finishes the deflate stream, writes the trailer and returns the inner writer.
    ///
    /// # Errors
    /// The error of writing to the inner writer.
    pub fn finish(self) -> io::Result<W> {
        let mut inner = self.deflate.finish()?;
        inner.write_all(&trailer_bytes(self.crc.finalize(), self.len))?;
        Ok(inner)
    }
}

impl<W: Write> Write for GzipMemberWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.deflate.write(buf)?;
        self.crc.update(&buf[..n]);
        self.len += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.deflate.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_follows_the_level() {
        assert_eq!(encode_member(b"x", 9)[8], 0x02);
        assert_eq!(encode_member(b"x", 1)[8], 0x04);
        for level in 2..=8 {
            assert_eq!(encode_member(b"x", level)[8], 0x00);
        }
        assert_eq!(&encode_member(b"", 6)[..10], &header_bytes(6));
    }

    #[test]
    fn empty_payload_round_trips() {
        let member = encode_member(b"", 6);
        assert_eq!(decode_member(&member, 0).ok(), Some(Vec::new()));
        assert_eq!(&member[member.len() - 8..], &[0, 0, 0, 0, 0, 0, 0, 0]);
    }
}
