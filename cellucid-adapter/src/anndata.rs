//! [`AnnData`]: an opened `.h5ad` file or `.zarr` store, metadata read eagerly, arrays lazily.

use std::path::Path;
use std::sync::Arc;

use crate::backend::{Backend, BackendError, NodeKind};
use crate::column::{read_column, Column};
use crate::elem::{encoding_type, join, required_str_attr, str_list_attr, to_usize};
use crate::error::{OpenError, ReadError};
use crate::h5ad::{H5OpenError, H5Store};
use crate::matrix::{GeneMatrix, MatrixSource};
use crate::sparse::{matrix_shape, read_matrix_any, Graph, Matrix2};
use crate::values::DType;

/// What is known about a dataframe (`obs`, `var`, `raw/var`) after opening.
#[derive(Debug, Clone)]
struct DataFrameMeta {
    path: String,
    index_path: String,
    columns: Vec<String>,
    len: u64,
}

/// An opened AnnData. Opening reads the obs/var indexes' shapes and the key lists only; obs
/// columns, embeddings, graphs and expression are read on demand. `Send + Sync`: share it in
/// an `Arc` across threads.
#[derive(Debug, Clone)]
pub struct AnnData {
    store: Arc<dyn Backend>,
    obs: DataFrameMeta,
    var: DataFrameMeta,
    obsm_keys: Vec<String>,
    obsp_keys: Vec<String>,
    layer_keys: Vec<String>,
    has_raw: bool,
}

impl AnnData {
    /// Open an `.h5ad` file or (with the `zarr` feature) a `.zarr` directory.
    ///
    /// # Errors
    /// [`OpenError`]: missing path, not HDF5, truncated, pre-0.7 layout, missing or malformed
    /// `obs`/`var`.
    pub fn open(path: impl AsRef<Path>) -> Result<AnnData, OpenError> {
        let path = path.as_ref();
        let meta = std::fs::metadata(path).map_err(|_| OpenError::NotFound {
            path: path.to_path_buf(),
        })?;
        let store: Arc<dyn Backend> = if meta.is_dir() {
            Self::open_dir(path)?
        } else {
            Arc::new(H5Store::open(path).map_err(|e| match e {
                H5OpenError::NotHdf5 { path } => OpenError::NotHdf5 { path },
                H5OpenError::Truncated {
                    path,
                    expected,
                    actual,
                } => OpenError::Truncated {
                    path,
                    expected,
                    actual,
                },
                H5OpenError::Backend(source) => OpenError::Read {
                    path: path.to_path_buf(),
                    source: source.into(),
                },
            })?)
        };
        Self::from_backend_at(store, path)
    }

    #[cfg(feature = "zarr")]
    fn open_dir(path: &Path) -> Result<Arc<dyn Backend>, OpenError> {
        Self::open_zarr(path)
    }

    #[cfg(not(feature = "zarr"))]
    fn open_dir(path: &Path) -> Result<Arc<dyn Backend>, OpenError> {
        Err(OpenError::ZarrDisabled {
            path: path.to_path_buf(),
        })
    }

    /// Open the AnnData held by an already opened backend.
    ///
    /// # Errors
    /// As [`AnnData::open`].
    pub fn from_backend(store: Arc<dyn Backend>) -> Result<AnnData, OpenError> {
        let label = store.describe();
        Self::from_backend_at(store, Path::new(&label))
    }

    fn from_backend_at(store: Arc<dyn Backend>, path: &Path) -> Result<AnnData, OpenError> {
        let wrap = |source: ReadError| OpenError::Read {
            path: path.to_path_buf(),
            source,
        };
        for element in ["obs", "var"] {
            if let Ok(Some(NodeKind::Array)) = store.kind(element) {
                return Err(OpenError::LegacyLayout {
                    path: path.to_path_buf(),
                    element: element.to_string(),
                });
            }
        }
        let b = store.as_ref();
        let obs = read_frame_meta(b, "obs").map_err(wrap)?;
        let var = read_frame_meta(b, "var").map_err(wrap)?;
        let obsm_keys = mapping_keys(b, "obsm").map_err(wrap)?;
        let obsp_keys = mapping_keys(b, "obsp").map_err(wrap)?;
        let layer_keys = mapping_keys(b, "layers").map_err(wrap)?;
        let has_raw = matches!(b.kind("raw"), Ok(Some(NodeKind::Group)));
        if let Some(kind) = b.kind("X").map_err(|e| wrap(e.into()))? {
            let (r, c) = match kind {
                NodeKind::Array => {
                    let info = b.array_info("X").map_err(|e| wrap(e.into()))?;
                    match info.shape.as_slice() {
                        [r, c] => (*r, *c),
                        other => return Err(wrap(ReadError::shape("X", other, "a 2-D matrix"))),
                    }
                }
                NodeKind::Group => crate::sparse::sparse_shape(b, "X").map_err(wrap)?,
            };
            if (r, c) != (obs.len, var.len) {
                return Err(wrap(ReadError::shape(
                    "X",
                    &[r, c],
                    format!(
                        "({}, {}) = (n_obs from obs/{}, n_vars from var/{})",
                        obs.len, var.len, obs.index_path, var.index_path
                    ),
                )));
            }
        }
        Ok(AnnData {
            store,
            obs,
            var,
            obsm_keys,
            obsp_keys,
            layer_keys,
            has_raw,
        })
    }

    /// The storage backend (for advanced callers and conformance tests).
    #[must_use]
    pub fn backend(&self) -> &Arc<dyn Backend> {
        &self.store
    }

    /// Number of observations (cells).
    #[must_use]
    pub fn n_obs(&self) -> usize {
        usize::try_from(self.obs.len).unwrap_or(usize::MAX)
    }

    /// Number of variables (genes).
    #[must_use]
    pub fn n_vars(&self) -> usize {
        usize::try_from(self.var.len).unwrap_or(usize::MAX)
    }

    /// The obs index (cell names).
    ///
    /// # Errors
    /// The index is not a string array of `n_obs` elements, or cannot be read.
    pub fn obs_names(&self) -> Result<Vec<String>, ReadError> {
        read_index(self.store.as_ref(), &self.obs)
    }

    /// The var index (gene names).
    ///
    /// # Errors
    /// The index is not a string array of `n_vars` elements, or cannot be read.
    pub fn var_names(&self) -> Result<Vec<String>, ReadError> {
        read_index(self.store.as_ref(), &self.var)
    }

    /// Obs column names in column order (`column-order`).
    #[must_use]
    pub fn obs_columns(&self) -> &[String] {
        &self.obs.columns
    }

    /// Var column names in column order.
    #[must_use]
    pub fn var_columns(&self) -> &[String] {
        &self.var.columns
    }

    /// Read one obs column.
    ///
    /// # Errors
    /// [`ReadError::KeyNotFound`] for an unknown key; decoding errors naming the element path.
    pub fn obs_column(&self, key: &str) -> Result<Column, ReadError> {
        frame_column(self.store.as_ref(), &self.obs, key, "obs column")
    }

    /// Read one var column.
    ///
    /// # Errors
    /// As [`AnnData::obs_column`].
    pub fn var_column(&self, key: &str) -> Result<Column, ReadError> {
        frame_column(self.store.as_ref(), &self.var, key, "var column")
    }

    /// `obsm` keys, sorted.
    #[must_use]
    pub fn obsm_keys(&self) -> &[String] {
        &self.obsm_keys
    }

    /// `(rows, columns, element type)` of an obsm entry without reading it (1-D → 1 column).
    ///
    /// # Errors
    /// Unknown key, or an entry that is not a dense or sparse matrix.
    pub fn obsm_shape(&self, key: &str) -> Result<(usize, usize, DType), ReadError> {
        self.check_key(&self.obsm_keys, key, "obsm")?;
        let path = join("obsm", key);
        let (r, c, d) = matrix_shape(self.store.as_ref(), &path)?;
        Ok((to_usize(&path, r)?, to_usize(&path, c)?, d))
    }

    /// Read an obsm entry as a dense row-major matrix (sparse entries are densified, a 1-D
    /// array becomes one column). Checks it has `n_obs` rows.
    ///
    /// # Errors
    /// Unknown key, wrong row count, non-numeric or unreadable data.
    pub fn obsm(&self, key: &str) -> Result<Matrix2, ReadError> {
        self.check_key(&self.obsm_keys, key, "obsm")?;
        let path = join("obsm", key);
        let m = match read_matrix_any(self.store.as_ref(), &path)? {
            Graph::Dense(m) => m,
            Graph::Sparse(s) => s.to_dense(),
        };
        if m.n_rows as u64 != self.obs.len {
            return Err(ReadError::shape(
                &path,
                &[m.n_rows as u64, m.n_cols as u64],
                format!("{} rows (n_obs)", self.obs.len),
            ));
        }
        Ok(m)
    }

    /// `obsp` keys, sorted.
    #[must_use]
    pub fn obsp_keys(&self) -> &[String] {
        &self.obsp_keys
    }

    /// Stored entries of a sparse obsp entry, from its metadata without reading it (`None` for a
    /// dense one): lets a caller see that a graph is too large before reading it.
    ///
    /// # Errors
    /// Unknown key, unreadable metadata.
    pub fn obsp_stored_entries(&self, key: &str) -> Result<Option<u64>, ReadError> {
        self.check_key(&self.obsp_keys, key, "obsp")?;
        crate::sparse::stored_entries(self.store.as_ref(), &join("obsp", key))
    }

    /// Read an obsp entry (sparse or dense). Checks its shape is `(n_obs, n_obs)`.
    ///
    /// # Errors
    /// Unknown key, wrong shape, malformed sparse structure.
    pub fn obsp(&self, key: &str) -> Result<Graph, ReadError> {
        self.check_key(&self.obsp_keys, key, "obsp")?;
        let path = join("obsp", key);
        let g = read_matrix_any(self.store.as_ref(), &path)?;
        let (r, c) = match &g {
            Graph::Dense(m) => (m.n_rows, m.n_cols),
            Graph::Sparse(s) => (s.n_rows, s.n_cols),
        };
        if (r as u64, c as u64) != (self.obs.len, self.obs.len) {
            return Err(ReadError::shape(
                &path,
                &[r as u64, c as u64],
                format!("({n}, {n}) (n_obs × n_obs)", n = self.obs.len),
            ));
        }
        Ok(g)
    }

    /// `layers` keys, sorted.
    #[must_use]
    pub fn layer_keys(&self) -> &[String] {
        &self.layer_keys
    }

    /// Whether a `raw` group is stored.
    #[must_use]
    pub fn has_raw(&self) -> bool {
        self.has_raw
    }

    /// `raw/var` names, when `raw` is stored.
    ///
    /// # Errors
    /// `raw/var` missing or malformed.
    pub fn raw_var_names(&self) -> Result<Vec<String>, ReadError> {
        let meta = read_frame_meta(self.store.as_ref(), "raw/var")?;
        read_index(self.store.as_ref(), &meta)
    }

    /// Open `X`, a layer or `raw/X` for per-gene and batch access (reads its shape and, for
    /// sparse matrices, its `indptr`).
    ///
    /// # Errors
    /// Missing matrix, unknown layer, malformed structure, wrong shape.
    pub fn matrix(&self, source: MatrixSource) -> Result<GeneMatrix, ReadError> {
        let (path, n_vars) = match &source {
            MatrixSource::X => ("X".to_string(), Some(self.var.len)),
            MatrixSource::Layer(name) => {
                self.check_key(&self.layer_keys, name, "layer")?;
                (join("layers", name), Some(self.var.len))
            }
            MatrixSource::RawX => ("raw/X".to_string(), None),
        };
        GeneMatrix::open(Arc::clone(&self.store), &path, self.obs.len, n_vars)
    }

    fn check_key(&self, keys: &[String], key: &str, what: &'static str) -> Result<(), ReadError> {
        if keys.iter().any(|k| k == key) {
            Ok(())
        } else {
            Err(ReadError::KeyNotFound {
                what,
                key: key.to_string(),
                available: keys.to_vec(),
            })
        }
    }

    #[cfg(feature = "zarr")]
    fn open_zarr(path: &Path) -> Result<Arc<dyn Backend>, OpenError> {
        crate::open_zarr_store(path).map_err(|source| OpenError::Read {
            path: path.to_path_buf(),
            source: source.into(),
        })
    }
}

fn read_index(b: &dyn Backend, meta: &DataFrameMeta) -> Result<Vec<String>, ReadError> {
    let path = join(&meta.path, &meta.index_path);
    let col = read_column(b, &path, meta.len)?;
    match col {
        Column::Strings(v) => v
            .into_iter()
            .enumerate()
            .map(|(i, s)| {
                s.ok_or_else(|| ReadError::malformed(&path, format!("index entry {i} is missing")))
            })
            .collect(),
        Column::Categorical { .. }
        | Column::Numeric(_)
        | Column::NullableInt { .. }
        | Column::NullableBool { .. } => Err(ReadError::Type {
            path,
            found: "a non-string column".to_string(),
            expected: "a string-array index".to_string(),
        }),
    }
}

fn frame_column(
    b: &dyn Backend,
    meta: &DataFrameMeta,
    key: &str,
    what: &'static str,
) -> Result<Column, ReadError> {
    if !meta.columns.iter().any(|c| c == key) {
        return Err(ReadError::KeyNotFound {
            what,
            key: key.to_string(),
            available: meta.columns.clone(),
        });
    }
    read_column(b, &join(&meta.path, key), meta.len)
}

/// Read `_index`, `column-order` and the index length of a dataframe group.
fn read_frame_meta(b: &dyn Backend, path: &str) -> Result<DataFrameMeta, ReadError> {
    match b.kind(path)? {
        Some(NodeKind::Group) => {}
        Some(NodeKind::Array) => {
            return Err(ReadError::Encoding {
                path: path.to_string(),
                found: Some("compound dataset".to_string()),
                expected: "dataframe".to_string(),
            })
        }
        None => {
            return Err(ReadError::Missing {
                path: path.to_string(),
                expected: "a dataframe group".to_string(),
            })
        }
    }
    let enc = encoding_type(b, path)?;
    if enc.as_deref() != Some("dataframe") {
        return Err(ReadError::Encoding {
            path: path.to_string(),
            found: enc,
            expected: "dataframe".to_string(),
        });
    }
    let index_path = required_str_attr(b, path, "_index")?;
    let columns = str_list_attr(b, path, "column-order")?;
    let full_index = join(path, &index_path);
    let info = b.array_info(&full_index).map_err(|e| match e {
        BackendError::NotFound { .. } => ReadError::Missing {
            path: full_index.clone(),
            expected: "the dataframe index named by `_index`".to_string(),
        },
        other => other.into(),
    })?;
    let len = match info.shape.as_slice() {
        [n] => *n,
        other => return Err(ReadError::shape(&full_index, other, "a 1-D index")),
    };
    if info.dtype != DType::Str {
        return Err(ReadError::Type {
            path: full_index,
            found: info.dtype.to_string(),
            expected: "a string-array index".to_string(),
        });
    }
    for c in &columns {
        let cpath = join(path, c);
        if b.kind(&cpath)?.is_none() {
            return Err(ReadError::Missing {
                path: cpath,
                expected: format!("column `{c}` listed in {path}'s column-order"),
            });
        }
    }
    Ok(DataFrameMeta {
        path: path.to_string(),
        index_path,
        columns,
        len,
    })
}

/// Sorted child names of a mapping group (`obsm`, `obsp`, `layers`); empty when absent.
fn mapping_keys(b: &dyn Backend, path: &str) -> Result<Vec<String>, ReadError> {
    match b.kind(path)? {
        None => Ok(Vec::new()),
        Some(NodeKind::Array) => Err(ReadError::Encoding {
            path: path.to_string(),
            found: Some("array".to_string()),
            expected: "dict (a group)".to_string(),
        }),
        Some(NodeKind::Group) => {
            let mut keys = b.children(path)?;
            keys.sort();
            Ok(keys)
        }
    }
}
