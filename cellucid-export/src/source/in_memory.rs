//! [`InMemorySource`]: arrays held by the calling program (`ndarray` dense, `sprs` CSR/CSC,
//! plain columns), for tools that embed the exporter.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use super::{
    missing_key, ExportSource, GeneColumn, Graph, Label, Matrix2, ObsColumn, SourceError,
    SparseFormat, SparseMatrix, Values,
};

/// Element types accepted from `ndarray`/`sprs`/`Vec` inputs.
pub trait Element: Copy + Default + Send + Sync + 'static {
    /// Wraps a vector in the typed [`Values`].
    fn into_values(v: Vec<Self>) -> Values;
}

macro_rules! element {
    ($($t:ty => $variant:ident),*) => {$(
        impl Element for $t {
            fn into_values(v: Vec<Self>) -> Values {
                Values::$variant(v)
            }
        }
    )*};
}
element!(f32 => F32, f64 => F64, i8 => I8, i16 => I16, i32 => I32, i64 => I64, u8 => U8, u16 => U16, u32 => U32, u64 => U64);

/// The expression matrix of an [`InMemorySource`] (cells × genes).
#[derive(Debug, Clone, PartialEq)]
pub enum InMemoryMatrix {
    /// Row-major dense values.
    Dense(Matrix2),
    /// CSR or CSC.
    Sparse(SparseMatrix),
}

/// Column index of a CSR matrix: for each gene, the (row, data position) of its entries.
#[derive(Debug)]
struct ColumnIndex {
    indptr: Vec<usize>,
    rows: Vec<u32>,
    positions: Vec<usize>,
}

/// Arrays held in memory. Build it with the `with_*` methods; keys play the role of the obs
/// columns, obsm and obsp keys of an AnnData.
///
/// ```
/// use cellucid_export::source::{ExportSource, InMemorySource, Label};
/// let umap = ndarray::array![[0.0_f64, 1.0], [1.0, 0.0], [0.5, 0.5]];
/// let src = InMemorySource::new(3)
///     .with_obsm("X_umap_2d", umap.view())
///     .with_obs_categorical("cluster", vec![Label::Str("a".into()), Label::Str("b".into())], vec![0, 1, -1]);
/// assert_eq!(src.n_cells(), 3);
/// ```
#[derive(Debug, Default)]
pub struct InMemorySource {
    n_cells: usize,
    obs: Vec<(String, ObsColumn)>,
    obsm: BTreeMap<String, Matrix2>,
    obsp: BTreeMap<String, Graph>,
    var_names: Vec<String>,
    var_columns: BTreeMap<String, Vec<String>>,
    x: Option<InMemoryMatrix>,
    column_index: OnceLock<ColumnIndex>,
}

fn matrix_from_view<T: Element>(view: ndarray::ArrayView2<'_, T>) -> Matrix2 {
    let (n_rows, n_cols) = view.dim();
    Matrix2 {
        n_rows,
        n_cols,
        values: T::into_values(view.iter().copied().collect()),
    }
}

fn sparse_from_sprs<T: Element>(m: sprs::CsMat<T>) -> SparseMatrix {
    let (n_rows, n_cols) = m.shape();
    let format = if m.is_csr() {
        SparseFormat::Csr
    } else {
        SparseFormat::Csc
    };
    let (indptr, indices, data) = m.into_raw_storage();
    SparseMatrix {
        format,
        n_rows,
        n_cols,
        indptr: indptr.into_iter().map(|p| p as u64).collect(),
        indices: indices
            .into_iter()
            .map(|i| u32::try_from(i).unwrap_or(u32::MAX))
            .collect(),
        data: T::into_values(data),
    }
}

impl InMemorySource {
    /// An empty source of `n_cells` cells.
    pub fn new(n_cells: usize) -> Self {
        Self {
            n_cells,
            ..Self::default()
        }
    }

    /// Adds an obsm array (embedding, latent space or vector field), `n_cells × d`.
    #[must_use]
    pub fn with_obsm<T: Element>(
        mut self,
        key: impl Into<String>,
        values: ndarray::ArrayView2<'_, T>,
    ) -> Self {
        self.obsm.insert(key.into(), matrix_from_view(values));
        self
    }

    /// Adds a dense obsp graph.
    #[must_use]
    pub fn with_obsp_dense<T: Element>(
        mut self,
        key: impl Into<String>,
        values: ndarray::ArrayView2<'_, T>,
    ) -> Self {
        self.obsp
            .insert(key.into(), Graph::Dense(matrix_from_view(values)));
        self
    }

    /// Adds a sparse obsp graph (CSR or CSC; moved, not copied).
    #[must_use]
    pub fn with_obsp_sparse<T: Element>(
        mut self,
        key: impl Into<String>,
        graph: sprs::CsMat<T>,
    ) -> Self {
        self.obsp
            .insert(key.into(), Graph::Sparse(sparse_from_sprs(graph)));
        self
    }

    /// Adds a continuous obs column (any numeric type; NaN is a missing value).
    #[must_use]
    pub fn with_obs_continuous<T: Element>(
        mut self,
        key: impl Into<String>,
        values: Vec<T>,
    ) -> Self {
        self.obs
            .push((key.into(), ObsColumn::Continuous(T::into_values(values))));
        self
    }

    /// Adds a categorical obs column: labels in category order and per-cell codes (−1 missing).
    #[must_use]
    pub fn with_obs_categorical(
        mut self,
        key: impl Into<String>,
        labels: Vec<Label>,
        codes: Vec<i32>,
    ) -> Self {
        self.obs
            .push((key.into(), ObsColumn::Categorical { labels, codes }));
        self
    }

    /// Adds an already classified obs column.
    #[must_use]
    pub fn with_obs_column(mut self, key: impl Into<String>, column: ObsColumn) -> Self {
        self.obs.push((key.into(), column));
        self
    }

    /// Adds an obsm array given as the adapter's row-major [`Matrix2`].
    #[must_use]
    pub fn with_obsm_matrix(mut self, key: impl Into<String>, matrix: Matrix2) -> Self {
        self.obsm.insert(key.into(), matrix);
        self
    }

    /// Adds a string obs column; its categories are the distinct values in code-point order
    /// (`None` is missing), as pandas does for a string column.
    #[must_use]
    pub fn with_obs_strings(self, key: impl Into<String>, values: &[Option<&str>]) -> Self {
        let mut labels: Vec<&str> = values.iter().flatten().copied().collect();
        labels.sort_unstable();
        labels.dedup();
        let codes = values
            .iter()
            .map(|v| {
                v.and_then(|s| labels.binary_search(&s).ok())
                    .map_or(-1, |c| i32::try_from(c).unwrap_or(-1))
            })
            .collect();
        let labels = labels
            .into_iter()
            .map(|s| Label::Str(s.to_string()))
            .collect();
        self.with_obs_categorical(key, labels, codes)
    }

    /// Sets the gene names (the var index).
    #[must_use]
    pub fn with_var_names(mut self, names: Vec<String>) -> Self {
        self.var_names = names;
        self
    }

    /// Adds a var column of gene identifiers (for `var_gene_id_column`).
    #[must_use]
    pub fn with_var_column(mut self, key: impl Into<String>, names: Vec<String>) -> Self {
        self.var_columns.insert(key.into(), names);
        self
    }

    /// Sets a dense expression matrix (`n_cells × n_genes`, copied row-major once).
    #[must_use]
    pub fn with_x_dense<T: Element>(mut self, x: ndarray::ArrayView2<'_, T>) -> Self {
        self.x = Some(InMemoryMatrix::Dense(matrix_from_view(x)));
        self
    }

    /// Sets a sparse expression matrix (CSR or CSC; moved, never densified). A CSR matrix gets a
    /// column index (row and position of each entry) on the first gene read.
    #[must_use]
    pub fn with_x_sparse<T: Element>(mut self, x: sprs::CsMat<T>) -> Self {
        self.x = Some(InMemoryMatrix::Sparse(sparse_from_sprs(x)));
        self
    }

    /// Sets the expression matrix from an already converted [`InMemoryMatrix`].
    #[must_use]
    pub fn with_x(mut self, x: InMemoryMatrix) -> Self {
        self.x = Some(x);
        self
    }

    fn column_index(&self, m: &SparseMatrix) -> &ColumnIndex {
        self.column_index.get_or_init(|| {
            let mut counts = vec![0_usize; m.n_cols + 1];
            for &c in &m.indices {
                if let Some(slot) = counts.get_mut(c as usize + 1) {
                    *slot += 1;
                }
            }
            for j in 0..m.n_cols {
                counts[j + 1] += counts[j];
            }
            let mut next = counts.clone();
            let nnz = m.indices.len();
            let (mut rows, mut positions) = (vec![0_u32; nnz], vec![0_usize; nnz]);
            for row in 0..m.n_rows {
                let (a, b) = (m.indptr[row] as usize, m.indptr[row + 1] as usize);
                for pos in a..b.min(nnz) {
                    if let Some(slot) = next.get_mut(m.indices[pos] as usize) {
                        rows[*slot] = row as u32;
                        positions[*slot] = pos;
                        *slot += 1;
                    }
                }
            }
            ColumnIndex {
                indptr: counts,
                rows,
                positions,
            }
        })
    }
}

fn invalid(what: String, message: String) -> SourceError {
    SourceError::Invalid { what, message }
}

impl ExportSource for InMemorySource {
    fn describe(&self) -> String {
        "in-memory arrays".into()
    }

    fn n_cells(&self) -> usize {
        self.n_cells
    }

    fn obs_keys(&self) -> Vec<String> {
        self.obs.iter().map(|(k, _)| k.clone()).collect()
    }

    fn obs_column(&self, key: &str) -> Result<ObsColumn, SourceError> {
        self.obs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, c)| c.clone())
            .ok_or_else(|| missing_key("obs", key, self.describe(), self.obs_keys()))
    }

    fn obsm_keys(&self) -> Vec<String> {
        self.obsm.keys().cloned().collect()
    }

    fn obsm(&self, key: &str) -> Result<Matrix2, SourceError> {
        self.obsm
            .get(key)
            .cloned()
            .ok_or_else(|| missing_key("obsm", key, self.describe(), self.obsm_keys()))
    }

    fn obsp_keys(&self) -> Vec<String> {
        self.obsp.keys().cloned().collect()
    }

    fn obsp(&self, key: &str) -> Result<Graph, SourceError> {
        self.obsp
            .get(key)
            .cloned()
            .ok_or_else(|| missing_key("obsp", key, self.describe(), self.obsp_keys()))
    }

    fn has_genes(&self) -> bool {
        self.x.is_some()
    }

    fn n_genes(&self) -> usize {
        match &self.x {
            Some(InMemoryMatrix::Dense(m)) => m.n_cols,
            Some(InMemoryMatrix::Sparse(m)) => m.n_cols,
            None => 0,
        }
    }

    fn gene_names(&self, id_column: Option<&str>) -> Result<Vec<String>, SourceError> {
        let names = match id_column {
            None => self.var_names.clone(),
            Some(c) => self.var_columns.get(c).cloned().ok_or_else(|| {
                missing_key(
                    "var",
                    c,
                    self.describe(),
                    self.var_columns.keys().cloned().collect(),
                )
            })?,
        };
        if names.len() != self.n_genes() {
            return Err(invalid(
                "var".into(),
                format!(
                    "{} gene names for a matrix of {} genes; give one name per matrix column",
                    names.len(),
                    self.n_genes()
                ),
            ));
        }
        Ok(names)
    }

    fn gene(&self, index: usize) -> Result<GeneColumn, SourceError> {
        let out_of_range = || {
            invalid(
                format!("gene {index}"),
                format!("the matrix has {} genes", self.n_genes()),
            )
        };
        match &self.x {
            None => Err(invalid(
                "genes".into(),
                "no expression matrix was given".into(),
            )),
            Some(InMemoryMatrix::Dense(m)) => {
                if index >= m.n_cols {
                    return Err(out_of_range());
                }
                let rows: Vec<usize> = (0..m.n_rows).map(|r| r * m.n_cols + index).collect();
                Ok(GeneColumn::Dense(m.values.gather(&rows)))
            }
            Some(InMemoryMatrix::Sparse(m)) => {
                if index >= m.n_cols {
                    return Err(out_of_range());
                }
                match m.format {
                    SparseFormat::Csc => {
                        let a = usize::try_from(m.indptr[index])
                            .unwrap_or(usize::MAX)
                            .min(m.indices.len());
                        let b = usize::try_from(m.indptr[index + 1])
                            .unwrap_or(usize::MAX)
                            .min(m.indices.len());
                        let positions: Vec<usize> = (a..b.max(a)).collect();
                        Ok(GeneColumn::Sparse {
                            n: m.n_rows,
                            rows: m.indices[a..b.max(a)].to_vec(),
                            values: m.data.gather(&positions),
                        })
                    }
                    SparseFormat::Csr => {
                        let idx = self.column_index(m);
                        let (a, b) = (idx.indptr[index], idx.indptr[index + 1]);
                        Ok(GeneColumn::Sparse {
                            n: m.n_rows,
                            rows: idx.rows[a..b].to_vec(),
                            values: m.data.gather(&idx.positions[a..b]),
                        })
                    }
                }
            }
        }
    }
}
