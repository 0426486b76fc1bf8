//! The storage backend trait: the small set of reads the AnnData layer needs from a
//! hierarchical store (HDF5 file or zarr directory).
//!
//! Paths are `/`-separated, relative to the store root, without a leading slash
//! (`"obs/cell_type/codes"`); the root group is `""`. Every method takes `&self`: a backend
//! must be `Send + Sync` and do its own interior locking, so one opened store can be shared
//! by many threads.
//!
//! Contract details every backend must honour (tests in `tests/` check them through the
//! public API on both backends):
//! * Booleans are reported as [`DType::Bool`] and returned as [`Values::Bool`], whatever
//!   the physical encoding (h5py writes `enum<int8> {FALSE: 0, TRUE: 1}`; zarr `|b1`).
//! * Strings (variable or fixed length, UTF-8 or ASCII) are [`DType::Str`] and read with
//!   [`Backend::read_strings`]; numeric reads of a string array fail with
//!   [`BackendError::WrongType`].
//! * An element type the adapter cannot represent (compound, opaque, complex, datetime,
//!   references…) is reported by [`Backend::array_info`] as
//!   [`BackendError::UnsupportedType`] with a description, never as a panic.
//! * Big-endian data is returned in native order.
//! * Reads never return more or fewer elements than the selection covers.

use std::fmt;
use std::ops::Range;

use crate::values::{DType, Values};

/// What a path names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeKind {
    /// A group (HDF5 group, zarr group).
    Group,
    /// An array (HDF5 dataset, zarr array).
    Array,
}

/// Shape and element type of an array.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArrayInfo {
    /// Extent of each dimension (empty for a scalar).
    pub shape: Vec<u64>,
    /// Element type.
    pub dtype: DType,
    /// Chunk shape when the array is chunked (a hint for batch sizes), else `None`.
    pub chunks: Option<Vec<u64>>,
}

impl ArrayInfo {
    /// Number of elements (product of the shape; 1 for a scalar), saturating.
    #[must_use]
    pub fn len(&self) -> u64 {
        self.shape.iter().fold(1u64, |a, &d| a.saturating_mul(d))
    }

    /// Whether the array has no elements.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// An attribute value, decoded to the few shapes AnnData uses.
#[derive(Debug, Clone, PartialEq)]
pub enum AttrValue {
    /// A scalar string (`encoding-type`, `_index`, …).
    Str(String),
    /// A 1-D array of strings (`column-order`).
    StrList(Vec<String>),
    /// A scalar boolean (`ordered`).
    Bool(bool),
    /// A scalar integer.
    Int(i64),
    /// A scalar float.
    Float(f64),
    /// A 1-D integer array (`shape` of a sparse matrix).
    IntList(Vec<i64>),
    /// A 1-D float array.
    FloatList(Vec<f64>),
    /// A scalar HDF5 object reference: the file address of the object it points to (compare
    /// with [`Backend::object_address`]).
    ObjectRef(u64),
    /// Anything else; the string describes it (for messages).
    Other(String),
}

/// A hyperslab: one half-open range per leading dimension. Dimensions beyond the given
/// ranges are read in full; an empty selection reads the whole array.
pub type Selection<'a> = &'a [Range<u64>];

/// A backend failure, always naming the element path.
#[derive(Debug, thiserror::Error)]
pub enum BackendError {
    /// Nothing is stored at the path.
    #[error("`{path}` does not exist in {store}")]
    NotFound {
        /// Element path.
        path: String,
        /// Store description (file or directory).
        store: String,
    },
    /// The path names a group where an array was expected, or the reverse.
    #[error("`{path}` is a {found:?}, expected a {expected:?}")]
    WrongKind {
        /// Element path.
        path: String,
        /// What the caller needed.
        expected: NodeKind,
        /// What is stored.
        found: NodeKind,
    },
    /// The element type is not one the adapter can represent.
    #[error("`{path}` has unsupported element type {description}")]
    UnsupportedType {
        /// Element path.
        path: String,
        /// What the type is (e.g. `compound {a: f32, b: i64}`).
        description: String,
    },
    /// A numeric read of a string array, or a string read of a numeric array.
    #[error("`{path}` holds {found} values, expected {expected}")]
    WrongType {
        /// Element path.
        path: String,
        /// What the caller needed.
        expected: String,
        /// What is stored.
        found: String,
    },
    /// The selection does not fit the array's shape.
    #[error("`{path}`: selection {selection:?} is outside shape {shape:?}")]
    OutOfBounds {
        /// Element path.
        path: String,
        /// Requested ranges.
        selection: Vec<Range<u64>>,
        /// Stored shape.
        shape: Vec<u64>,
    },
    /// The store is damaged, truncated or uses a feature the backend does not decode.
    #[error("reading `{path}`: {message}")]
    Corrupt {
        /// Element path (or `""` for the container itself).
        path: String,
        /// Decoder message.
        message: String,
    },
    /// An operating-system I/O error.
    #[error("I/O error on `{path}`: {source}")]
    Io {
        /// Element path or file path.
        path: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
}

impl BackendError {
    /// The element path the error names.
    #[must_use]
    pub fn path(&self) -> &str {
        match self {
            BackendError::NotFound { path, .. }
            | BackendError::WrongKind { path, .. }
            | BackendError::UnsupportedType { path, .. }
            | BackendError::WrongType { path, .. }
            | BackendError::OutOfBounds { path, .. }
            | BackendError::Corrupt { path, .. }
            | BackendError::Io { path, .. } => path,
        }
    }
}

/// Result alias for backend calls.
pub type BackendResult<T> = Result<T, BackendError>;

/// Read access to a hierarchical array store. Implemented by the HDF5 backend
/// ([`crate::h5ad`]) and the zarr backend (`zarr` feature).
pub trait Backend: Send + Sync + fmt::Debug {
    /// A short description of the store for messages (usually its file path).
    fn describe(&self) -> String;

    /// What is stored at `path`, or `None` when nothing is.
    ///
    /// # Errors
    /// Corrupt metadata on the way to `path`.
    fn kind(&self, path: &str) -> BackendResult<Option<NodeKind>>;

    /// Names of the direct children of group `path` (groups and arrays), in storage order
    /// (callers that need an order sort or use `column-order`).
    ///
    /// # Errors
    /// `NotFound`, `WrongKind` when `path` is an array, `Corrupt`.
    fn children(&self, path: &str) -> BackendResult<Vec<String>>;

    /// Attribute `name` of the group or array at `path`; `Ok(None)` when it is absent.
    ///
    /// # Errors
    /// `NotFound` when `path` does not exist, `Corrupt`.
    fn attribute(&self, path: &str, name: &str) -> BackendResult<Option<AttrValue>>;

    /// Shape, element type and chunking of the array at `path`.
    ///
    /// # Errors
    /// `NotFound`, `WrongKind`, `UnsupportedType`, `Corrupt`.
    fn array_info(&self, path: &str) -> BackendResult<ArrayInfo>;

    /// The file address of the object at `path`, for stores with object references (HDF5);
    /// `None` (the default) where the store has none.
    ///
    /// # Errors
    /// `NotFound`, `Corrupt`.
    fn object_address(&self, _path: &str) -> BackendResult<Option<u64>> {
        Ok(None)
    }

    /// Read a hyperslab of a numeric or boolean array as typed values, flattened in
    /// row-major (C) order. `selection` gives one range per leading dimension; an empty
    /// selection reads everything.
    ///
    /// # Errors
    /// `OutOfBounds`, `WrongType` for string arrays, `Corrupt`, `Io`.
    fn read(&self, path: &str, selection: Selection<'_>) -> BackendResult<Values>;

    /// Read a 1-D string array (or a range of it). A scalar string array yields one element.
    ///
    /// # Errors
    /// `OutOfBounds`, `WrongType` for numeric arrays, `Corrupt` (including invalid UTF-8).
    fn read_strings(&self, path: &str, range: Option<Range<u64>>) -> BackendResult<Vec<String>>;
}
