//! The HDF5 deflate filter (id 1) through libdeflate instead of `flate2`'s streaming zlib.
//!
//! **Why.** Reading `X` of an `.h5ad` is mostly inflating its chunks: on `make_synth.py`
//! 100k × 2k (168 MB of gzip chunks) stock zlib's `inflate_fast` was a quarter of a whole
//! export's CPU time. An HDF5 chunk is one complete zlib stream decoded into memory, exactly
//! the case libdeflate's whole-buffer decompressor is made for (it also checks the Adler-32
//! trailer), at two to three times zlib's speed.
//!
//! The filter callback is not told the chunk's decoded size, so the output buffer starts at
//! four times the input and doubles until the stream fits, never beyond DEFLATE's largest
//! possible expansion (1032:1) nor the reader's largest decoded chunk
//! ([`MAX_DECODED_CHUNK_BYTES`], which the reader enforces for its own filters), so a damaged
//! chunk that inflates without end (a "deflate bomb") costs at most that much per decoding
//! thread before it is refused.

use hdf5_reader::error::{Error, Result};
use hdf5_reader::filters::{FilterRegistry, FILTER_DEFLATE};
use libdeflater::{DecompressionError, Decompressor};

/// DEFLATE's largest expansion ratio (a 258-byte match per 2 bits), plus slack for headers.
const MAX_RATIO: usize = 1032;

/// Smallest first guess for the decoded size.
const MIN_GUESS: usize = 64 << 10;

/// Largest decoded chunk this filter produces: the reader's own limit on a decoded chunk
/// (`hdf5_reader::DEFAULT_MAX_CHUNK_BYTES`, which the `.h5ad` backend keeps), plus the one
/// byte the reader allows its filters beyond a chunk's declared size.
pub(crate) const MAX_DECODED_CHUNK_BYTES: usize = hdf5_reader::DEFAULT_MAX_CHUNK_BYTES + 1;

/// Decodes one zlib stream (an HDF5 deflate-filtered chunk).
///
/// # Errors
/// [`Error::DecompressionError`] when the stream is corrupt, fails its Adler-32 check, or would
/// decode to more than [`MAX_RATIO`] times its size.
pub(crate) fn inflate_zlib(data: &[u8]) -> Result<Vec<u8>> {
    inflate_zlib_within(data, MAX_DECODED_CHUNK_BYTES)
}

/// Largest scratch buffer (bytes) a thread keeps between chunks; a larger one (a chunk of more
/// than a few MiB) is released after its chunk.
const SCRATCH_KEEP_MAX: usize = 8 << 20;

thread_local! {
    /// Each decoding thread's output buffer, zeroed once when it grows and reused for every
    /// chunk (so each thread that decodes keeps up to [`SCRATCH_KEEP_MAX`] bytes for its
    /// lifetime): the decoded bytes are then copied out at their exact size. Zeroing a fresh
    /// buffer of the guessed size (four times the input) for every chunk and shrinking it
    /// afterwards was 3 % of a 1M-cell export's CPU.
    static SCRATCH: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
    /// Each decoding thread's libdeflate decompressor (its tables are rebuilt per stream anyway;
    /// allocating one per chunk showed in profiles).
    static DECOMPRESSOR: std::cell::RefCell<Decompressor> = std::cell::RefCell::new(Decompressor::new());
}

/// [`inflate_zlib`] with an explicit ceiling on the decoded size.
fn inflate_zlib_within(data: &[u8], max_decoded: usize) -> Result<Vec<u8>> {
    let pooled = SCRATCH.try_with(|scratch| {
        DECOMPRESSOR.try_with(|decompressor| {
            let (Ok(mut scratch), Ok(mut decompressor)) =
                (scratch.try_borrow_mut(), decompressor.try_borrow_mut())
            else {
                return None;
            };
            let out = inflate_into_scratch(data, max_decoded, &mut scratch, &mut decompressor);
            if scratch.len() > SCRATCH_KEEP_MAX {
                *scratch = Vec::new();
            }
            Some(out)
        })
    });
    match pooled {
        Ok(Ok(Some(out))) => out,
        // The thread's pool is being torn down (a thread-local destructor reading a file) or
        // is in use further up this thread's stack: decode with buffers of its own.
        _ => inflate_into_scratch(data, max_decoded, &mut Vec::new(), &mut Decompressor::new()),
    }
}

/// Decodes `data` into `scratch` (grown, zero-filled, as needed) and returns a copy of the
/// decoded bytes.
fn inflate_into_scratch(
    data: &[u8],
    max_decoded: usize,
    scratch: &mut Vec<u8>,
    decompressor: &mut Decompressor,
) -> Result<Vec<u8>> {
    let limit = data
        .len()
        .saturating_mul(MAX_RATIO)
        .saturating_add(64)
        .min(max_decoded);
    // Decode into all of the buffer already there: a chunk larger than the first guess is then
    // decoded once, not again after each doubling.
    let mut capacity = data
        .len()
        .saturating_mul(4)
        .max(MIN_GUESS)
        .max(scratch.len())
        .min(limit);
    loop {
        if scratch.len() < capacity {
            scratch
                .try_reserve_exact(capacity - scratch.len())
                .map_err(|_| {
                    Error::DecompressionError(format!(
                        "DEFLATE: cannot allocate {capacity} output bytes"
                    ))
                })?;
            scratch.resize(capacity, 0);
        }
        match decompressor.zlib_decompress(data, &mut scratch[..capacity]) {
            Ok(n) => return Ok(scratch[..n].to_vec()),
            Err(DecompressionError::InsufficientSpace) if capacity < limit => {
                capacity = capacity.saturating_mul(2).min(limit);
            }
            Err(DecompressionError::InsufficientSpace) => {
                return Err(Error::DecompressionError(format!(
                    "DEFLATE: a {}-byte chunk decodes to more than {limit} bytes; the file is \
                     damaged: re-write it from its source (e.g. anndata's write_h5ad)",
                    data.len()
                )))
            }
            Err(DecompressionError::BadData) => {
                return Err(Error::DecompressionError(
                    "DEFLATE decompression failed (corrupt stream or Adler-32 mismatch); the file \
                     is damaged: re-write it from its source (e.g. anndata's write_h5ad)"
                        .into(),
                ))
            }
        }
    }
}

/// The built-in filters, with deflate decoded by [`inflate_zlib`].
pub(crate) fn filter_registry() -> FilterRegistry {
    let mut registry = FilterRegistry::new();
    registry.register(
        FILTER_DEFLATE,
        Box::new(|_description, data, _element_size| inflate_zlib(data)),
    );
    registry
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::io::Write;

    fn zlib(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::new(6));
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    #[test]
    fn decodes_streams_of_any_ratio() {
        let noisy: Vec<u8> = (0..300_000u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        // All zeros compress ~1000:1, so the buffer has to grow many times.
        for data in [vec![], vec![7u8], noisy, vec![0u8; 5_000_000]] {
            assert_eq!(inflate_zlib(&zlib(&data)).unwrap(), data);
        }
    }

    /// The per-thread scratch buffer is reused: a short chunk after a long one (and after a
    /// refused one) decodes to exactly its own bytes, none of the earlier chunk's.
    #[test]
    fn reused_scratch_never_leaks_an_earlier_chunk() {
        let long: Vec<u8> = (0..200_000u32).map(|i| (i % 253) as u8 + 1).collect();
        let short = b"cellucid".to_vec();
        assert_eq!(inflate_zlib(&zlib(&long)).unwrap(), long);
        assert_eq!(inflate_zlib(&zlib(&short)).unwrap(), short);
        assert!(inflate_zlib(b"not a zlib stream").is_err());
        assert_eq!(inflate_zlib(&zlib(&[])).unwrap(), Vec::<u8>::new());
        assert_eq!(inflate_zlib(&zlib(&long)).unwrap(), long);
        // A chunk above the kept size releases the buffer afterwards; decoding goes on.
        let big = vec![9u8; SCRATCH_KEEP_MAX + 1];
        assert_eq!(inflate_zlib(&zlib(&big)).unwrap(), big);
        SCRATCH.with(|s| assert!(s.borrow().len() <= SCRATCH_KEEP_MAX));
        assert_eq!(inflate_zlib(&zlib(&short)).unwrap(), short);
    }

    #[test]
    fn refuses_corrupt_streams() {
        let mut stream = zlib(b"cellucid cellucid cellucid");
        let last = stream.len() - 1;
        stream[last] ^= 1; // Adler-32 trailer
        assert!(matches!(
            inflate_zlib(&stream),
            Err(Error::DecompressionError(_))
        ));
        assert!(inflate_zlib(b"not a zlib stream").is_err());
    }

    /// A stream that inflates past the ceiling is refused as damage once the buffer reaches
    /// the ceiling, not grown to its 1032:1 bound; one that fits exactly is decoded.
    #[test]
    fn a_chunk_larger_than_the_ceiling_is_refused_without_growing_past_it() {
        let bomb = zlib(&vec![0u8; 3_000_000]); // ~3 kB that inflate ~1000:1
        assert_eq!(
            inflate_zlib_within(&bomb, 3_000_000).unwrap().len(),
            3_000_000
        );
        match inflate_zlib_within(&bomb, 2_999_999) {
            Err(Error::DecompressionError(m)) => {
                assert!(m.contains("more than 2999999 bytes"), "{m}");
                assert!(m.contains("damaged"), "{m}");
            }
            other => panic!("expected a refusal, got {:?}", other.map(|v| v.len())),
        }
        const { assert!(MAX_DECODED_CHUNK_BYTES > hdf5_reader::DEFAULT_MAX_CHUNK_BYTES) };
    }
}
