//! Whole reads of 2-D chunked arrays (obsm embeddings, dense matrices), chunk by chunk.
//!
//! **Why.** `hdf5-reader` copies each chunk of a 2-D array into the output one chunk row at a
//! time, with overflow-checked index arithmetic for every row. h5py chunks obsm arrays narrowly
//! (make_synth's `X_pca`, 100k × 50 f32, has 3,125 × 4 chunks: 1.25 M rows of 16 bytes), and
//! that bookkeeping cost as much CPU as inflating the chunks (2.5 % of a 100k × 2k export's
//! samples). Here each chunk is decoded by the reader (its filters, its checks) and copied row by
//! row with plain slice copies.
//!
//! **Scope.** Only what is certainly equivalent to the reader's own full read: a 2-D chunked
//! array whose chunks tile it exactly once (no missing chunk left to the fill value, no chunk
//! twice or off the grid), of a type `hdf5-reader` decodes in bulk. Anything else, including a
//! chunk that fails to decode, returns `None`, and the caller reads through the reader's general
//! path, which reports the error in its own words. A missing chunk is only known once every
//! chunk was decoded, so such an array (rare: h5py writes every chunk of a written array) is
//! decoded twice.
//!
//! **Cost.** The chunks are decoded one after another on the calling thread (`iter_chunks`),
//! where the reader's general path decodes them as rayon tasks: an export reads obsm beside the
//! column index's pass, which keeps both cores busy anyway.

use hdf5_reader::{Dataset, H5Type};

/// The whole of `ds`, a 2-D chunked array, in row-major order; `None` when out of scope (see
/// the module docs).
pub(crate) fn read_whole_2d<T: H5Type + Copy + Default>(ds: &Dataset) -> Option<Vec<T>> {
    let (rows, cols) = match ds.shape() {
        [r, c] => (usize::try_from(*r).ok()?, usize::try_from(*c).ok()?),
        _ => return None,
    };
    let (chunk_rows, chunk_cols) = match ds.chunks()?.as_slice() {
        [r, c] if *r > 0 && *c > 0 => (*r as usize, *c as usize),
        _ => return None,
    };
    // A type the reader cannot decode in bulk (the bool and f16 wrappers) declines before any
    // allocation or decoding.
    T::decode_vec(&[], ds.dtype(), 0)?.ok()?;
    let total = rows.checked_mul(cols)?;
    let chunk_len = chunk_rows.checked_mul(chunk_cols)?;
    let grid_cols = cols.div_ceil(chunk_cols);
    let grid = rows.div_ceil(chunk_rows).checked_mul(grid_cols)?;
    let mut seen = vec![false; grid];
    let mut out = vec![T::default(); total];
    for chunk in ds.iter_chunks().ok()? {
        let chunk = chunk.ok()?;
        let (r0, c0) = match chunk.offsets() {
            [r, c] => (usize::try_from(*r).ok()?, usize::try_from(*c).ok()?),
            _ => return None,
        };
        if r0 >= rows || c0 >= cols || r0 % chunk_rows != 0 || c0 % chunk_cols != 0 {
            return None;
        }
        let cell = seen.get_mut((r0 / chunk_rows) * grid_cols + c0 / chunk_cols)?;
        if std::mem::replace(cell, true) {
            return None;
        }
        let values = T::decode_vec(chunk.bytes(), ds.dtype(), chunk_len)?.ok()?;
        if values.len() != chunk_len {
            return None;
        }
        let width = chunk_cols.min(cols - c0);
        let height = chunk_rows.min(rows - r0);
        let dst_rows = out[r0 * cols..].chunks_mut(cols);
        for (dst, src) in dst_rows.zip(values.chunks_exact(chunk_cols)).take(height) {
            dst[c0..c0 + width].copy_from_slice(&src[..width]);
        }
    }
    seen.iter().all(|&s| s).then_some(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::cast_precision_loss)]
mod tests {
    use std::path::Path;

    use super::read_whole_2d;
    use crate::backend::Backend;
    use crate::h5ad::elements::H5F16;
    use crate::h5ad::H5Store;
    use crate::values::Values;

    /// `tests/fixtures/adapter/tiles.h5` (`make_tiles.py`): each array holds `r * 1000 + c`.
    fn store() -> H5Store {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/adapter/tiles.h5");
        H5Store::open(&path).unwrap()
    }

    /// `r * 1000 + c` over a `rows × cols` grid, row-major, mapped by `f`.
    fn grid<T>(rows: usize, cols: usize, f: impl Fn(usize) -> T) -> Vec<T> {
        (0..rows * cols)
            .map(|i| f((i / cols) * 1000 + i % cols))
            .collect()
    }

    fn as_f64(v: Values) -> Vec<f64> {
        match v {
            Values::F32(v) => v.into_iter().map(f64::from).collect(),
            Values::F64(v) => v,
            Values::I32(v) => v.into_iter().map(f64::from).collect(),
            Values::F16(v) => v.into_iter().map(f64::from).collect(),
            other => panic!("unexpected {other:?}"),
        }
    }

    /// Chunk grids with edge chunks in both dimensions, gzip and shuffle filters, big-endian
    /// values and a single chunk larger than the array: the chunk-by-chunk read takes them all
    /// and equals the known values, and so does the backend's read through it.
    #[test]
    fn whole_reads_of_exact_tilings_match_every_value() {
        let s = store();
        let f32_gzip = read_whole_2d::<f32>(&s.dataset("f32_gzip").unwrap()).unwrap();
        assert_eq!(f32_gzip, grid(1001, 37, |x| x as f32));
        let f64_be = read_whole_2d::<f64>(&s.dataset("f64_be").unwrap()).unwrap();
        assert_eq!(f64_be, grid(300, 9, |x| x as f64));
        let i32_shuffle = read_whole_2d::<i32>(&s.dataset("i32_shuffle").unwrap()).unwrap();
        assert_eq!(i32_shuffle, grid(257, 3, |x| i32::try_from(x).unwrap()));
        let one_chunk = read_whole_2d::<f32>(&s.dataset("one_chunk").unwrap()).unwrap();
        assert_eq!(one_chunk, grid(40, 6, |x| x as f32));
        for (path, rows, cols) in [
            ("f32_gzip", 1001, 37),
            ("f64_be", 300, 9),
            ("i32_shuffle", 257, 3),
            ("one_chunk", 40, 6),
        ] {
            let read = as_f64(s.read(path, &[]).unwrap());
            assert_eq!(read, grid(rows, cols, |x| x as f64), "{path}");
        }
    }

    /// Out of scope, the chunk-by-chunk read declines and the backend's general read answers:
    /// missing chunks (the fill value), a contiguous array, a type without a bulk decoder; and
    /// a partial selection never takes the whole-array path.
    #[test]
    fn declines_what_it_cannot_read_exactly_and_the_backend_still_reads_it() {
        let s = store();
        assert!(read_whole_2d::<i32>(&s.dataset("partial_i32").unwrap()).is_none());
        let partial = as_f64(s.read("partial_i32", &[]).unwrap());
        let written = grid(100, 10, |x| x as f64);
        for (i, (&got, &full)) in partial.iter().zip(&written).enumerate() {
            let expected = if i / 10 < 32 { full } else { 7.0 };
            assert_eq!(got, expected, "element {i}");
        }
        assert!(read_whole_2d::<f32>(&s.dataset("contiguous").unwrap()).is_none());
        assert_eq!(
            as_f64(s.read("contiguous", &[]).unwrap()),
            grid(50, 7, |x| x as f64)
        );
        assert!(read_whole_2d::<H5F16>(&s.dataset("f16").unwrap()).is_none());
        assert_eq!(
            as_f64(s.read("f16", &[]).unwrap()),
            grid(33, 5, |x| (x % 2048) as f64)
        );
        let rows = as_f64(s.read("f32_gzip", &[5..9, 3..7]).unwrap());
        let expected: Vec<f64> = (5..9)
            .flat_map(|r| (3..7).map(move |c| (r * 1000 + c) as f64))
            .collect();
        assert_eq!(rows, expected);
    }
}
