//! Typed hyperslab reads of one opened Zarr array.
//!
//! A read that covers the whole array decodes straight through `zarrs`. A partial read (a row
//! range of `X/data`, one column of a dense `X`, two `indptr` entries) goes through a chunk
//! cache owned by the array, so per-gene access decodes each chunk once instead of once per
//! gene: unsharded arrays keep an LRU of decoded chunks bounded in bytes; sharded arrays keep
//! an LRU of shard partial decoders (shard indexes), so only the inner chunks a read touches
//! are decoded.

use std::ops::Range;
use std::sync::{Arc, OnceLock};

use zarrs::array::chunk_cache::{
    ChunkCache, ChunkCacheDecodedLruSizeLimit, ChunkCachePartialDecoderLruChunkLimit,
};
use zarrs::array::{
    Array, ArrayError, ArrayShardedExt, ArraySubset, CodecOptions, ElementError, ElementOwned,
};
use zarrs::storage::ReadableStorageTraits;

use super::dtype::dtype_of;
use super::errors::{array_error, guard};
use crate::backend::{BackendError, BackendResult};
use crate::values::{DType, Values};

/// Bytes of decoded chunks one unsharded array may keep for partial reads.
const DECODED_CACHE_BYTES: u64 = 64 << 20;
/// Shard partial decoders (each holding a shard index) one sharded array may keep.
const PARTIAL_DECODER_CACHE_SHARDS: u64 = 64;

/// An array store handle as `zarrs` caches want it.
type DynArray = Array<dyn ReadableStorageTraits>;

/// The cache used by partial reads of one array.
enum PartialCache {
    /// Decoded chunks (unsharded arrays).
    Decoded(ChunkCacheDecodedLruSizeLimit),
    /// Shard partial decoders (sharded arrays).
    Sharded(ChunkCachePartialDecoderLruChunkLimit),
}

/// One opened array: its `zarrs` handle, element type and (lazily) its partial-read cache.
pub(super) struct OpenArray {
    path: String,
    array: Arc<DynArray>,
    dtype: Result<DType, String>,
    cache: OnceLock<PartialCache>,
}

impl std::fmt::Debug for OpenArray {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpenArray")
            .field("path", &self.path)
            .field("shape", &self.array.shape())
            .field("dtype", &self.dtype)
            .finish_non_exhaustive()
    }
}

impl OpenArray {
    /// Wrap an array opened at element path `path`.
    pub(super) fn new(path: &str, array: DynArray) -> OpenArray {
        let dtype = dtype_of(array.data_type());
        OpenArray {
            path: path.to_string(),
            array: Arc::new(array),
            dtype,
            cache: OnceLock::new(),
        }
    }

    /// The stored shape.
    pub(super) fn shape(&self) -> &[u64] {
        self.array.shape()
    }

    /// The element type, or `UnsupportedType` naming the Zarr data type.
    pub(super) fn dtype(&self) -> BackendResult<DType> {
        self.dtype
            .clone()
            .map_err(|description| BackendError::UnsupportedType {
                path: self.path.clone(),
                description,
            })
    }

    /// The chunk shape (the shard shape for sharded arrays), when the grid is regular.
    pub(super) fn chunks(&self) -> Option<Vec<u64>> {
        let origin = vec![0; self.array.dimensionality()];
        let shape = self.array.chunk_shape(&origin).ok()?;
        Some(shape.iter().map(|d| d.get()).collect())
    }

    /// Read a hyperslab of a numeric or boolean array (row-major).
    pub(super) fn read(&self, selection: &[Range<u64>]) -> BackendResult<Values> {
        let dtype = self.dtype()?;
        let plan = self.plan(selection)?;
        Ok(match dtype {
            DType::Bool => Values::Bool(self.retrieve(&plan)?),
            DType::I8 => Values::I8(self.retrieve(&plan)?),
            DType::I16 => Values::I16(self.retrieve(&plan)?),
            DType::I32 => Values::I32(self.retrieve(&plan)?),
            DType::I64 => Values::I64(self.retrieve(&plan)?),
            DType::U8 => Values::U8(self.retrieve(&plan)?),
            DType::U16 => Values::U16(self.retrieve(&plan)?),
            DType::U32 => Values::U32(self.retrieve(&plan)?),
            DType::U64 => Values::U64(self.retrieve(&plan)?),
            DType::F16 => Values::F16(self.retrieve(&plan)?),
            DType::F32 => Values::F32(self.retrieve(&plan)?),
            DType::F64 => Values::F64(self.retrieve(&plan)?),
            DType::Str => {
                return Err(BackendError::WrongType {
                    path: self.path.clone(),
                    expected: "numeric or boolean".to_string(),
                    found: "string".to_string(),
                })
            }
        })
    }

    /// Read a string array: a scalar yields one element, a 1-D array the `range` (default
    /// all), an n-D array everything in row-major order (no range).
    pub(super) fn read_strings(&self, range: Option<Range<u64>>) -> BackendResult<Vec<String>> {
        let dtype = self.dtype()?;
        if dtype != DType::Str {
            return Err(BackendError::WrongType {
                path: self.path.clone(),
                expected: "string".to_string(),
                found: dtype.name().to_string(),
            });
        }
        let plan = match (self.shape().len(), range) {
            (0 | 1, None) => self.plan(&[])?,
            (0, Some(r)) if r.start <= r.end && r.end <= 1 => {
                let mut one = self.plan(&[])?;
                one.count = usize::from(r.start < r.end);
                one
            }
            (1, Some(r)) => self.plan(std::slice::from_ref(&r))?,
            (_, Some(r)) => {
                return Err(BackendError::OutOfBounds {
                    path: self.path.clone(),
                    selection: vec![r],
                    shape: self.shape().to_vec(),
                })
            }
            (_, None) => self.plan(&[])?,
        };
        self.retrieve::<String>(&plan)
    }

    /// Check `selection` against the shape and turn it into a subset.
    fn plan(&self, selection: &[Range<u64>]) -> BackendResult<Plan> {
        let shape = self.shape();
        let out_of_bounds = || BackendError::OutOfBounds {
            path: self.path.clone(),
            selection: selection.to_vec(),
            shape: shape.to_vec(),
        };
        if selection.len() > shape.len() {
            return Err(out_of_bounds());
        }
        let mut ranges = Vec::with_capacity(shape.len());
        let mut count: usize = 1;
        let mut whole = true;
        for (d, &extent) in shape.iter().enumerate() {
            let r = selection.get(d).cloned().unwrap_or(0..extent);
            if r.start > r.end || r.end > extent {
                return Err(out_of_bounds());
            }
            let n = usize::try_from(r.end - r.start).map_err(|_| out_of_bounds())?;
            count = count.checked_mul(n).ok_or_else(out_of_bounds)?;
            whole &= r.start == 0 && r.end == extent;
            ranges.push(r);
        }
        Ok(Plan {
            subset: ArraySubset::new_with_ranges(&ranges),
            count,
            whole,
        })
    }

    /// Decode the planned subset as elements of type `T`.
    fn retrieve<T: ElementOwned>(&self, plan: &Plan) -> BackendResult<Vec<T>> {
        if plan.count == 0 {
            return Ok(Vec::new());
        }
        let options = CodecOptions::default();
        // zarrs 0.23's chunk caches mis-merge variable-length (string) chunks of a partial
        // read, so strings always take the direct path.
        let direct = plan.whole || self.array.data_type().is_variable();
        let mut values = guard(&self.path, || {
            let result: Result<Vec<T>, ArrayError> = if direct {
                self.array.retrieve_array_subset_opt(&plan.subset, &options)
            } else {
                match self.partial_cache() {
                    PartialCache::Decoded(cache) => {
                        cache.retrieve_array_subset(&plan.subset, &options)
                    }
                    PartialCache::Sharded(cache) => {
                        cache.retrieve_array_subset(&plan.subset, &options)
                    }
                }
            };
            result.map_err(|e| match e {
                ArrayError::ElementError(ElementError::InvalidElementValue) => {
                    BackendError::Corrupt {
                        path: self.path.clone(),
                        message: "a string element is not valid UTF-8".to_string(),
                    }
                }
                other => array_error(other, &self.path),
            })
        })?;
        // A scalar read with an empty range: the subset still decodes one element.
        values.truncate(plan.count);
        if values.len() != plan.count {
            return Err(BackendError::Corrupt {
                path: self.path.clone(),
                message: format!(
                    "expected {} elements from the selection, decoded {}",
                    plan.count,
                    values.len()
                ),
            });
        }
        Ok(values)
    }

    fn partial_cache(&self) -> &PartialCache {
        self.cache.get_or_init(|| {
            if self.array.is_sharded() {
                PartialCache::Sharded(ChunkCachePartialDecoderLruChunkLimit::new(
                    Arc::clone(&self.array),
                    PARTIAL_DECODER_CACHE_SHARDS,
                ))
            } else {
                PartialCache::Decoded(ChunkCacheDecodedLruSizeLimit::new(
                    Arc::clone(&self.array),
                    DECODED_CACHE_BYTES,
                ))
            }
        })
    }
}

/// A checked selection.
struct Plan {
    subset: ArraySubset,
    /// Elements the caller gets.
    count: usize,
    /// Whether the subset is the whole array (no cache).
    whole: bool,
}
