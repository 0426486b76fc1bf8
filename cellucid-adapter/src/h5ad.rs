//! The `.h5ad` backend: HDF5 read through the pure-Rust `hdf5-reader` crate.
//!
//! `hdf5-reader` decodes every element type anndata writes, lazily and with range reads. Two
//! gaps are filled here: h5py stores booleans as `enum<int8> {FALSE: 0, TRUE: 1}`, which the
//! typed reads refuse, and the crate has no `f16` element type; both are read through small
//! [`H5Type`](hdf5_reader::H5Type) wrappers in [`elements`].

mod elements;
mod inflate;
mod tiles;

use std::ops::Range;
use std::path::{Path, PathBuf};

use hdf5_reader::error::Error as H5Error;
use hdf5_reader::{
    Attribute, Dataset, Datatype, Hdf5File, SliceInfo, SliceInfoElem, StringSize, VarLenKind,
};

use crate::backend::{ArrayInfo, AttrValue, Backend, BackendError, BackendResult, NodeKind};
use crate::values::{DType, Values};

/// Element count from which reads use `hdf5-reader`'s parallel chunk decoding (rayon tasks,
/// one per chunk): about two chunks of a typical h5ad. A read on a busy pool costs the same as a
/// serial one, while an idle core takes chunks over. The column index of a CSR `X` reads
/// quarter-million-entry batches on one core while the other scatters the previous batch;
/// at 1M elements those batches decoded serially, and once the plan's work was done the scatter's
/// core sat idle ~60 % of the time for the last ~0.1 s of the pass (make_synth 100k × 2k: median
/// wall −20 to −45 ms in 16 alternating runs each, CPU no higher, peak RSS unchanged). Whole
/// reads of 2-D chunked arrays take the serial chunk-by-chunk path of [`tiles`] instead.
const PARALLEL_READ_ELEMENTS: usize = 1 << 15;

/// Decoded-chunk cache per file. Reads of anndata arrays are mostly sequential batches and
/// single columns, so a small cache suffices and keeps the index build's memory bounded.
const CHUNK_CACHE_BYTES: usize = 8 << 20;

fn open_options() -> hdf5_reader::OpenOptions {
    hdf5_reader::OpenOptions::default()
        .with_chunk_cache_bytes(CHUNK_CACHE_BYTES)
        .with_filter_registry(inflate::filter_registry())
}

/// An opened `.h5ad` (HDF5) file. Cheap to share: `Hdf5File` is internally reference counted
/// and locks its caches itself, so `H5Store` is `Send + Sync`.
#[derive(Clone)]
pub struct H5Store {
    file: Hdf5File,
    path: PathBuf,
}

impl std::fmt::Debug for H5Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("H5Store")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

/// Why an HDF5 file could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum H5OpenError {
    /// The file does not start with the HDF5 signature.
    #[error("{path} is not an HDF5 file (no HDF5 signature)")]
    NotHdf5 {
        /// File path.
        path: PathBuf,
    },
    /// The file is shorter than its superblock says.
    #[error(
        "{path} is truncated: the HDF5 superblock records {expected} bytes, the file has {actual}"
    )]
    Truncated {
        /// File path.
        path: PathBuf,
        /// End-of-file address in the superblock.
        expected: u64,
        /// Actual file size.
        actual: u64,
    },
    /// Any other failure.
    #[error(transparent)]
    Backend(#[from] BackendError),
}

impl H5Store {
    /// Open an HDF5 file. Reads the superblock and the root group header only.
    ///
    /// # Errors
    /// [`H5OpenError::NotHdf5`] without the HDF5 signature, [`H5OpenError::Truncated`] when the
    /// file is shorter than its superblock records, I/O and decoding errors otherwise.
    pub fn open(path: &Path) -> Result<H5Store, H5OpenError> {
        let file = Hdf5File::open_with_options(path, open_options()).map_err(|e| match e {
            H5Error::InvalidMagic => H5OpenError::NotHdf5 {
                path: path.to_path_buf(),
            },
            other => H5OpenError::Backend(convert_error(other, "")),
        })?;
        Self::check_length(&file, path)?;
        file.root_group().map_err(|e| convert_error(e, ""))?;
        Ok(H5Store {
            file,
            path: path.to_path_buf(),
        })
    }

    /// Open an HDF5 image held in memory (used by the fuzz target and tests).
    ///
    /// # Errors
    /// As [`H5Store::open`].
    pub fn from_bytes(bytes: Vec<u8>, label: &str) -> Result<H5Store, H5OpenError> {
        let path = PathBuf::from(label);
        let file = Hdf5File::from_vec_with_options(bytes, open_options()).map_err(|e| match e {
            H5Error::InvalidMagic => H5OpenError::NotHdf5 { path: path.clone() },
            other => H5OpenError::Backend(convert_error(other, "")),
        })?;
        Self::check_length(&file, &path)?;
        file.root_group().map_err(|e| convert_error(e, ""))?;
        Ok(H5Store { file, path })
    }

    fn check_length(file: &Hdf5File, path: &Path) -> Result<(), H5OpenError> {
        let sb = file.superblock();
        let expected = sb.eof_address.saturating_add(sb.base_address);
        let actual = file.storage().len();
        if sb.eof_address != u64::MAX && expected > actual {
            return Err(H5OpenError::Truncated {
                path: path.to_path_buf(),
                expected,
                actual,
            });
        }
        Ok(())
    }

    fn dataset(&self, path: &str) -> BackendResult<Dataset> {
        match self.file.dataset(path) {
            Ok(ds) => Ok(ds),
            Err(e) => match self.kind(path)? {
                Some(NodeKind::Group) => Err(BackendError::WrongKind {
                    path: path.to_string(),
                    expected: NodeKind::Array,
                    found: NodeKind::Group,
                }),
                None => Err(self.not_found(path)),
                Some(NodeKind::Array) => Err(convert_error(e, path)),
            },
        }
    }

    fn not_found(&self, path: &str) -> BackendError {
        BackendError::NotFound {
            path: path.to_string(),
            store: self.describe(),
        }
    }

    fn group(&self, path: &str) -> BackendResult<hdf5_reader::group::Group> {
        if path.is_empty() {
            return self.file.root_group().map_err(|e| convert_error(e, path));
        }
        self.file.group(path).map_err(|e| match e {
            H5Error::GroupNotFound(_) => self.not_found(path),
            other => convert_error(other, path),
        })
    }

    fn attributes_of(&self, path: &str) -> BackendResult<Vec<Attribute>> {
        match self.kind(path)? {
            None => Err(self.not_found(path)),
            Some(NodeKind::Group) => self
                .group(path)?
                .attributes()
                .map_err(|e| convert_error(e, path)),
            Some(NodeKind::Array) => Ok(self.dataset(path)?.attributes()),
        }
    }
}

/// Map an `hdf5-reader` error onto the backend error, naming `path`.
fn convert_error(e: H5Error, path: &str) -> BackendError {
    match e {
        H5Error::Io(source) => BackendError::Io {
            path: path.to_string(),
            source,
        },
        other => BackendError::Corrupt {
            path: path.to_string(),
            message: other.to_string(),
        },
    }
}

/// Split `a/b/c` into (`a/b`, `c`).
fn split_parent(path: &str) -> (&str, &str) {
    match path.rfind('/') {
        Some(i) => (&path[..i], &path[i + 1..]),
        None => ("", path),
    }
}

/// The adapter element type of an HDF5 datatype, or a description of why it has none.
pub(crate) fn dtype_of(dt: &Datatype) -> Result<DType, String> {
    match dt {
        Datatype::FixedPoint { size, signed, .. } => match (size, signed) {
            (1, true) => Ok(DType::I8),
            (2, true) => Ok(DType::I16),
            (4, true) => Ok(DType::I32),
            (8, true) => Ok(DType::I64),
            (1, false) => Ok(DType::U8),
            (2, false) => Ok(DType::U16),
            (4, false) => Ok(DType::U32),
            (8, false) => Ok(DType::U64),
            _ => Err(format!("{size}-byte integer")),
        },
        Datatype::FloatingPoint { size, .. } => match size {
            2 => Ok(DType::F16),
            4 => Ok(DType::F32),
            8 => Ok(DType::F64),
            _ => Err(format!("{size}-byte float")),
        },
        Datatype::Enum { base, members } if elements::is_h5py_bool(base, members) => {
            Ok(DType::Bool)
        }
        Datatype::Enum { members, .. } => Err(format!(
            "enum {{{}}}",
            members
                .iter()
                .map(|m| m.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )),
        Datatype::String { .. } => Ok(DType::Str),
        Datatype::VarLen {
            kind: VarLenKind::String,
            ..
        } => Ok(DType::Str),
        Datatype::Compound { fields, .. } => Err(format!(
            "compound {{{}}}",
            fields
                .iter()
                .map(|f| f.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )),
        Datatype::Bitfield { size, .. } => Err(format!("{size}-byte bitfield")),
        Datatype::Opaque { tag, .. } => Err(format!("opaque ({tag})")),
        Datatype::Reference { .. } => Err("object reference".to_string()),
        Datatype::Array { .. } => Err("fixed-size array element".to_string()),
        Datatype::VarLen { .. } => Err("variable-length sequence".to_string()),
    }
}

/// Build the `hdf5-reader` selection for `ranges` over `shape`, checking bounds.
fn slice_info(
    path: &str,
    ranges: &[Range<u64>],
    shape: &[u64],
) -> BackendResult<(SliceInfo, usize)> {
    if ranges.len() > shape.len() {
        return Err(out_of_bounds(path, ranges, shape));
    }
    let mut selections = Vec::with_capacity(shape.len());
    let mut count: usize = 1;
    for (d, &extent) in shape.iter().enumerate() {
        let r = ranges.get(d).cloned().unwrap_or(0..extent);
        if r.start > r.end || r.end > extent {
            return Err(out_of_bounds(path, ranges, shape));
        }
        let n = usize::try_from(r.end - r.start).map_err(|_| out_of_bounds(path, ranges, shape))?;
        count = count
            .checked_mul(n)
            .ok_or_else(|| out_of_bounds(path, ranges, shape))?;
        selections.push(SliceInfoElem::Slice {
            start: r.start,
            end: r.end,
            step: 1,
        });
    }
    Ok((SliceInfo { selections }, count))
}

fn out_of_bounds(path: &str, ranges: &[Range<u64>], shape: &[u64]) -> BackendError {
    BackendError::OutOfBounds {
        path: path.to_string(),
        selection: ranges.to_vec(),
        shape: shape.to_vec(),
    }
}

/// Read a typed selection; empty selections and zero-sized arrays give an empty vector.
/// The most bytes one read may decode (1 TiB): far above any real selection, far below what
/// a corrupted shape can declare.
const MAX_READ_BYTES: usize = 1 << 40;

fn read_typed<T: hdf5_reader::H5Type + Copy + Default>(
    ds: &Dataset,
    path: &str,
    sel: &SliceInfo,
    count: usize,
) -> BackendResult<Vec<T>> {
    if count == 0 {
        return Ok(Vec::new());
    }
    // A corrupted shape can declare more elements than any machine holds; refuse before the
    // reader sizes its output buffer from it (found by the `adapter_open` fuzz target).
    let bytes = count.checked_mul(std::mem::size_of::<T>().max(1));
    if bytes.is_none_or(|b| b > MAX_READ_BYTES) {
        return Err(BackendError::Corrupt {
            path: path.to_string(),
            message: format!(
                "the selection declares {count} elements, more than one read may decode \
                 ({MAX_READ_BYTES} bytes); the file is damaged"
            ),
        });
    }
    let whole = ds.shape().iter().try_fold(1u64, |n, &d| n.checked_mul(d)) == Some(count as u64);
    if whole && ds.shape().len() == 2 {
        if let Some(values) = tiles::read_whole_2d::<T>(ds) {
            return Ok(values);
        }
    }
    let arr = if ds.shape().is_empty() {
        ds.read_array::<T>()
    } else if count >= PARALLEL_READ_ELEMENTS {
        ds.read_slice_parallel::<T>(sel)
    } else {
        ds.read_slice::<T>(sel)
    }
    .map_err(|e| convert_error(e, path))?;
    let (vec, offset) = arr.into_raw_vec_and_offset();
    if offset.unwrap_or(0) != 0 || vec.len() != count {
        return Err(BackendError::Corrupt {
            path: path.to_string(),
            message: format!(
                "expected {count} elements from the selection, decoded {}",
                vec.len()
            ),
        });
    }
    Ok(vec)
}

fn attr_value(attr: &Attribute) -> AttrValue {
    let is_scalar = attr.shape.is_empty();
    match &attr.datatype {
        Datatype::String { .. }
        | Datatype::VarLen {
            kind: VarLenKind::String,
            ..
        } => {
            if is_scalar {
                match attr.read_string() {
                    Ok(s) => AttrValue::Str(s),
                    Err(e) => AttrValue::Other(format!("undecodable string: {e}")),
                }
            } else {
                match attr.read_strings() {
                    Ok(v) => AttrValue::StrList(v),
                    Err(e) => AttrValue::Other(format!("undecodable strings: {e}")),
                }
            }
        }
        Datatype::Enum { base, members } if elements::is_h5py_bool(base, members) => {
            if is_scalar {
                match attr.raw_data.first() {
                    Some(&b) => AttrValue::Bool(b != 0),
                    None => AttrValue::Other("empty boolean attribute".to_string()),
                }
            } else {
                AttrValue::Other("boolean array attribute".to_string())
            }
        }
        Datatype::FixedPoint { .. } => match attr.read_1d::<i64>().or_else(|_| {
            attr.read_1d::<u64>().map(|v| {
                v.into_iter()
                    .map(|x| i64::try_from(x).unwrap_or(i64::MAX))
                    .collect()
            })
        }) {
            Ok(v) if is_scalar && v.len() == 1 => AttrValue::Int(v[0]),
            Ok(v) => AttrValue::IntList(v),
            Err(_) => int_attr_fallback(attr),
        },
        // An object reference (h5py's `ref`, how anndata 0.7 points a categorical column at its
        // categories): the referenced object's file address.
        Datatype::Reference {
            ref_type: hdf5_reader::ReferenceType::Object,
            ..
        } if is_scalar => match attr.raw_data.as_slice() {
            [a, b, c, d, e, f, g, h] => {
                AttrValue::ObjectRef(u64::from_le_bytes([*a, *b, *c, *d, *e, *f, *g, *h]))
            }
            [a, b, c, d] => AttrValue::ObjectRef(u64::from(u32::from_le_bytes([*a, *b, *c, *d]))),
            other => AttrValue::Other(format!("{}-byte object reference", other.len())),
        },
        Datatype::FloatingPoint { .. } => match attr.read_1d::<f64>() {
            Ok(v) if is_scalar && v.len() == 1 => AttrValue::Float(v[0]),
            Ok(v) => AttrValue::FloatList(v),
            Err(e) => AttrValue::Other(format!("undecodable float attribute: {e}")),
        },
        other => AttrValue::Other(format!("{other:?}")),
    }
}

/// Integer attributes of sizes `read_1d::<i64>` refuses (narrow types are promoted by
/// `read_as_f64`; scalars only).
fn int_attr_fallback(attr: &Attribute) -> AttrValue {
    match attr.read_as_f64() {
        #[allow(clippy::cast_possible_truncation)]
        Ok(x) if x.fract() == 0.0 && x.abs() < 9.0e15 => AttrValue::Int(x as i64),
        Ok(x) => AttrValue::Float(x),
        Err(e) => AttrValue::Other(format!("undecodable integer attribute: {e}")),
    }
}

impl Backend for H5Store {
    fn describe(&self) -> String {
        self.path.display().to_string()
    }

    fn kind(&self, path: &str) -> BackendResult<Option<NodeKind>> {
        if path.is_empty() {
            return Ok(Some(NodeKind::Group));
        }
        let (parent, name) = split_parent(path);
        let group = match self.kind(parent)? {
            Some(NodeKind::Group) => self.group(parent)?,
            _ => return Ok(None),
        };
        let (groups, datasets) = group.member_names().map_err(|e| convert_error(e, parent))?;
        if groups.iter().any(|g| g == name) {
            Ok(Some(NodeKind::Group))
        } else if datasets.iter().any(|d| d == name) {
            Ok(Some(NodeKind::Array))
        } else {
            Ok(None)
        }
    }

    fn children(&self, path: &str) -> BackendResult<Vec<String>> {
        match self.kind(path)? {
            None => Err(self.not_found(path)),
            Some(NodeKind::Array) => Err(BackendError::WrongKind {
                path: path.to_string(),
                expected: NodeKind::Group,
                found: NodeKind::Array,
            }),
            Some(NodeKind::Group) => {
                let (mut groups, datasets) = self
                    .group(path)?
                    .member_names()
                    .map_err(|e| convert_error(e, path))?;
                groups.extend(datasets);
                Ok(groups)
            }
        }
    }

    fn attribute(&self, path: &str, name: &str) -> BackendResult<Option<AttrValue>> {
        Ok(self
            .attributes_of(path)?
            .iter()
            .find(|a| a.name == name)
            .map(attr_value))
    }

    fn object_address(&self, path: &str) -> BackendResult<Option<u64>> {
        match self.kind(path)? {
            None => Err(self.not_found(path)),
            Some(NodeKind::Group) => Ok(Some(self.group(path)?.address())),
            Some(NodeKind::Array) => Ok(Some(self.dataset(path)?.address())),
        }
    }

    fn array_info(&self, path: &str) -> BackendResult<ArrayInfo> {
        let ds = self.dataset(path)?;
        let dtype = dtype_of(ds.dtype()).map_err(|description| BackendError::UnsupportedType {
            path: path.to_string(),
            description,
        })?;
        Ok(ArrayInfo {
            shape: ds.shape().to_vec(),
            dtype,
            chunks: ds.chunks().map(|c| c.into_iter().map(u64::from).collect()),
        })
    }

    fn read(&self, path: &str, selection: &[Range<u64>]) -> BackendResult<Values> {
        let ds = self.dataset(path)?;
        let dtype = dtype_of(ds.dtype()).map_err(|description| BackendError::UnsupportedType {
            path: path.to_string(),
            description,
        })?;
        let (sel, n) = slice_info(path, selection, ds.shape())?;
        Ok(match dtype {
            DType::Bool => Values::Bool(
                read_typed::<elements::H5Bool>(&ds, path, &sel, n)?
                    .into_iter()
                    .map(|b| b.0)
                    .collect(),
            ),
            DType::I8 => Values::I8(read_typed(&ds, path, &sel, n)?),
            DType::I16 => Values::I16(read_typed(&ds, path, &sel, n)?),
            DType::I32 => Values::I32(read_typed(&ds, path, &sel, n)?),
            DType::I64 => Values::I64(read_typed(&ds, path, &sel, n)?),
            DType::U8 => Values::U8(read_typed(&ds, path, &sel, n)?),
            DType::U16 => Values::U16(read_typed(&ds, path, &sel, n)?),
            DType::U32 => Values::U32(read_typed(&ds, path, &sel, n)?),
            DType::U64 => Values::U64(read_typed(&ds, path, &sel, n)?),
            DType::F16 => Values::F16(
                read_typed::<elements::H5F16>(&ds, path, &sel, n)?
                    .into_iter()
                    .map(|h| h.0)
                    .collect(),
            ),
            DType::F32 => Values::F32(read_typed(&ds, path, &sel, n)?),
            DType::F64 => Values::F64(read_typed(&ds, path, &sel, n)?),
            DType::Str => {
                return Err(BackendError::WrongType {
                    path: path.to_string(),
                    expected: "numeric or boolean".to_string(),
                    found: "string".to_string(),
                })
            }
        })
    }

    fn read_strings(&self, path: &str, range: Option<Range<u64>>) -> BackendResult<Vec<String>> {
        let ds = self.dataset(path)?;
        let is_string = matches!(
            ds.dtype(),
            Datatype::String { .. }
                | Datatype::VarLen {
                    kind: VarLenKind::String,
                    ..
                }
        );
        if !is_string {
            let found = dtype_of(ds.dtype()).map_or_else(|d| d, |d| d.name().to_string());
            return Err(BackendError::WrongType {
                path: path.to_string(),
                expected: "string".to_string(),
                found,
            });
        }
        if let Datatype::String {
            size: StringSize::Fixed(0),
            ..
        } = ds.dtype()
        {
            return Err(BackendError::Corrupt {
                path: path.to_string(),
                message: "fixed-length string type of width 0".to_string(),
            });
        }
        // As for numeric reads: a corrupted shape must not size the reader's raw buffer.
        let width: u64 = match ds.dtype() {
            Datatype::String {
                size: StringSize::Fixed(n),
                ..
            } => u64::from(*n).max(1),
            _ => 16, // a variable-length string is a 16-byte heap reference
        };
        let raw_bytes = ds
            .shape()
            .iter()
            .try_fold(width, |acc, &d| acc.checked_mul(d));
        if raw_bytes.is_none_or(|b| b > MAX_READ_BYTES as u64) {
            return Err(BackendError::Corrupt {
                path: path.to_string(),
                message: format!(
                    "the string array declares a shape of {:?}, more than one read may decode \
                     ({MAX_READ_BYTES} bytes); the file is damaged",
                    ds.shape()
                ),
            });
        }
        let mut all = ds.read_strings().map_err(|e| convert_error(e, path))?;
        if let Some(r) = range {
            let len = all.len() as u64;
            if r.start > r.end || r.end > len {
                return Err(out_of_bounds(path, std::slice::from_ref(&r), &[len]));
            }
            // Bounds checked above; the casts cannot truncate since both are ≤ all.len().
            #[allow(clippy::cast_possible_truncation)]
            let (a, b) = (r.start as usize, r.end as usize);
            all.truncate(b);
            all.drain(..a);
        }
        Ok(all)
    }
}
