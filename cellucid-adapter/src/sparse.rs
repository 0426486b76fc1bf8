//! Whole-matrix types (dense 2-D, CSR/CSC) and their readers, used for `obsm` and `obsp`.

use crate::backend::{AttrValue, Backend, NodeKind};
use crate::elem::{
    encoding_type, index_to_u32, join, read_1d, read_index_u64, require_kind, to_usize,
};
use crate::error::ReadError;
use crate::values::{map_values, DType, Values};

/// A dense 2-D matrix, row-major, in its stored element type.
#[derive(Debug, Clone, PartialEq)]
pub struct Matrix2 {
    /// Number of rows.
    pub n_rows: usize,
    /// Number of columns.
    pub n_cols: usize,
    /// `n_rows × n_cols` values, row-major.
    pub values: Values,
}

impl Matrix2 {
    /// Column `j` widened to `f64` (see [`Values::get_f64`]); empty when `j` is out of range.
    #[must_use]
    pub fn column_f64(&self, j: usize) -> Vec<f64> {
        if j >= self.n_cols {
            return Vec::new();
        }
        (0..self.n_rows)
            .filter_map(|i| self.values.get_f64(i * self.n_cols + j))
            .collect()
    }
}

/// Compressed sparse orientation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SparseFormat {
    /// Compressed rows (`csr_matrix`): `indptr` over rows, `indices` are columns.
    Csr,
    /// Compressed columns (`csc_matrix`): `indptr` over columns, `indices` are rows.
    Csc,
}

/// A CSR or CSC matrix held in memory.
#[derive(Debug, Clone, PartialEq)]
pub struct SparseMatrix {
    /// Orientation.
    pub format: SparseFormat,
    /// Number of rows.
    pub n_rows: usize,
    /// Number of columns.
    pub n_cols: usize,
    /// Offsets into `indices`/`data`, one per major index plus one; starts at 0, non-decreasing.
    pub indptr: Vec<u64>,
    /// Minor indices (columns for CSR, rows for CSC), each in range.
    pub indices: Vec<u32>,
    /// Stored values.
    pub data: Values,
}

impl SparseMatrix {
    /// Number of stored entries.
    #[must_use]
    pub fn nnz(&self) -> usize {
        self.indices.len()
    }

    /// Densify into a row-major [`Matrix2`] (implicit entries are zero; duplicates: last wins).
    #[must_use]
    pub fn to_dense(&self) -> Matrix2 {
        let total = self.n_rows.saturating_mul(self.n_cols);
        let mut positions = Vec::with_capacity(self.indices.len());
        let majors = self.indptr.len().saturating_sub(1);
        for major in 0..majors {
            let (a, b) = (self.indptr[major] as usize, self.indptr[major + 1] as usize);
            for &minor in self.indices.get(a..b).unwrap_or(&[]) {
                let (r, c) = match self.format {
                    SparseFormat::Csr => (major, minor as usize),
                    SparseFormat::Csc => (minor as usize, major),
                };
                positions.push(r * self.n_cols + c);
            }
        }
        let values = map_values!(&self.data, d => {
            let mut out = vec![Default::default(); total];
            for (&p, &v) in positions.iter().zip(d.iter()) {
                if let Some(slot) = out.get_mut(p) {
                    *slot = v;
                }
            }
            out
        });
        Matrix2 {
            n_rows: self.n_rows,
            n_cols: self.n_cols,
            values,
        }
    }
}

/// A pairwise (`obsp`) matrix: sparse or dense.
#[derive(Debug, Clone, PartialEq)]
pub enum Graph {
    /// Stored as `csr_matrix` / `csc_matrix`.
    Sparse(SparseMatrix),
    /// Stored as a dense 2-D array.
    Dense(Matrix2),
}

/// Read the `shape` attribute of a sparse group.
pub(crate) fn sparse_shape(b: &dyn Backend, path: &str) -> Result<(u64, u64), ReadError> {
    match b.attribute(path, "shape")? {
        Some(AttrValue::IntList(v)) if v.len() == 2 && v[0] >= 0 && v[1] >= 0 => {
            Ok((v[0] as u64, v[1] as u64))
        }
        Some(other) => Err(ReadError::malformed(
            path,
            format!("attribute `shape` should be two non-negative integers, found {other:?}"),
        )),
        None => Err(ReadError::Missing {
            path: path.to_string(),
            expected: "attribute `shape` of a sparse matrix".to_string(),
        }),
    }
}

/// The sparse format named by an encoding type, if any.
pub(crate) fn sparse_format(enc: Option<&str>) -> Option<SparseFormat> {
    match enc {
        Some("csr_matrix") => Some(SparseFormat::Csr),
        Some("csc_matrix") => Some(SparseFormat::Csc),
        _ => None,
    }
}

/// Check an indptr array: length `majors + 1`, starts at 0, non-decreasing, ends at `nnz`.
pub(crate) fn check_indptr(path: &str, indptr: &[u64], nnz: u64) -> Result<(), ReadError> {
    if indptr.first().copied().unwrap_or(0) != 0 {
        return Err(ReadError::malformed(path, "indptr must start at 0"));
    }
    if let Some(i) = indptr.windows(2).position(|w| w[1] < w[0]) {
        return Err(ReadError::malformed(
            path,
            format!("indptr decreases at position {}", i + 1),
        ));
    }
    if indptr.last().copied().unwrap_or(0) != nnz {
        return Err(ReadError::malformed(
            path,
            format!(
                "indptr ends at {} but the matrix stores {nnz} entries",
                indptr.last().copied().unwrap_or(0)
            ),
        ));
    }
    Ok(())
}

/// Read a whole sparse matrix group.
pub(crate) fn read_sparse(
    b: &dyn Backend,
    path: &str,
    format: SparseFormat,
) -> Result<SparseMatrix, ReadError> {
    let (n_rows, n_cols) = sparse_shape(b, path)?;
    let (majors, minors) = match format {
        SparseFormat::Csr => (n_rows, n_cols),
        SparseFormat::Csc => (n_cols, n_rows),
    };
    let ip_path = join(path, "indptr");
    let indptr = read_index_u64(b, &ip_path, Some(majors.saturating_add(1)))?;
    let ix_path = join(path, "indices");
    let ix_info = b.array_info(&ix_path)?;
    let nnz = ix_info.shape.first().copied().unwrap_or(0);
    check_indptr(&ip_path, &indptr, nnz)?;
    let data_path = join(path, "data");
    let data = read_1d(b, &data_path, Some(nnz))?;
    let indices = index_to_u32(&ix_path, read_1d(b, &ix_path, Some(nnz))?, minors, 0)?;
    Ok(SparseMatrix {
        format,
        n_rows: to_usize(path, n_rows)?,
        n_cols: to_usize(path, n_cols)?,
        indptr,
        indices,
        data,
    })
}

/// Stored entries of the CSR/CSC matrix at `path` (the length of its `indices`), from
/// metadata alone; `None` for a dense array or a group of another encoding (whose read then
/// reports it). [`read_sparse`] refuses a matrix whose `indptr` disagrees.
pub(crate) fn stored_entries(b: &dyn Backend, path: &str) -> Result<Option<u64>, ReadError> {
    match require_kind(b, path, "a matrix")? {
        NodeKind::Array => Ok(None),
        NodeKind::Group => {
            if sparse_format(encoding_type(b, path)?.as_deref()).is_none() {
                return Ok(None);
            }
            let info = b.array_info(&join(path, "indices"))?;
            Ok(Some(info.shape.first().copied().unwrap_or(0)))
        }
    }
}

/// Read a dense array as a 2-D matrix (a 1-D array becomes one column).
pub(crate) fn read_dense(b: &dyn Backend, path: &str) -> Result<Matrix2, ReadError> {
    let info = b.array_info(path)?;
    let (r, c) = match info.shape.as_slice() {
        [r] => (*r, 1),
        [r, c] => (*r, *c),
        other => return Err(ReadError::shape(path, other, "a 1-D or 2-D array")),
    };
    if info.dtype == DType::Str {
        return Err(ReadError::Type {
            path: path.to_string(),
            found: "str".to_string(),
            expected: "numeric".to_string(),
        });
    }
    let values = b.read(path, &[])?;
    Ok(Matrix2 {
        n_rows: to_usize(path, r)?,
        n_cols: to_usize(path, c)?,
        values,
    })
}

/// Shape and type of a dense or sparse 2-D element without reading it.
pub(crate) fn matrix_shape(b: &dyn Backend, path: &str) -> Result<(u64, u64, DType), ReadError> {
    match require_kind(b, path, "a matrix")? {
        NodeKind::Array => {
            let info = b.array_info(path)?;
            match info.shape.as_slice() {
                [r] => Ok((*r, 1, info.dtype)),
                [r, c] => Ok((*r, *c, info.dtype)),
                other => Err(ReadError::shape(path, other, "a 1-D or 2-D array")),
            }
        }
        NodeKind::Group => {
            let enc = encoding_type(b, path)?;
            if sparse_format(enc.as_deref()).is_none() {
                return Err(ReadError::Encoding {
                    path: path.to_string(),
                    found: enc,
                    expected: "csr_matrix or csc_matrix".to_string(),
                });
            }
            let (r, c) = sparse_shape(b, path)?;
            let dtype = b.array_info(&join(path, "data"))?.dtype;
            Ok((r, c, dtype))
        }
    }
}

/// Read a dense or sparse 2-D element (`obsm`, `obsp`) as a [`Graph`].
pub(crate) fn read_matrix_any(b: &dyn Backend, path: &str) -> Result<Graph, ReadError> {
    match require_kind(b, path, "a matrix")? {
        NodeKind::Array => Ok(Graph::Dense(read_dense(b, path)?)),
        NodeKind::Group => {
            let enc = encoding_type(b, path)?;
            match sparse_format(enc.as_deref()) {
                Some(f) => Ok(Graph::Sparse(read_sparse(b, path, f)?)),
                None => Err(ReadError::Encoding {
                    path: path.to_string(),
                    found: enc,
                    expected: "csr_matrix or csc_matrix".to_string(),
                }),
            }
        }
    }
}
