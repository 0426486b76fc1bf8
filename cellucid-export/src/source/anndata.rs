//! [`AnnDataSource`]: an `.h5ad` file or `.zarr` store read through `cellucid-adapter`.

use std::collections::BTreeMap;
use std::path::Path;

use cellucid_adapter::{mapping, AnnData, Categories, Column, GeneMatrix, MatrixSource};

use super::{missing_key, ExportSource, GeneColumn, Graph, Matrix2, ObsColumn, SourceError};

/// An AnnData opened by the adapter; X is opened lazily per gene (never densified).
#[derive(Debug)]
pub struct AnnDataSource {
    adata: AnnData,
    matrix: Option<GeneMatrix>,
    name: String,
}

fn read_err(
    what: impl Into<String>,
    name: &str,
) -> impl FnOnce(cellucid_adapter::ReadError) -> SourceError {
    let what = what.into();
    let source_name = name.to_string();
    move |e| SourceError::Read {
        what,
        source_name,
        message: e.to_string(),
    }
}

impl AnnDataSource {
    /// Opens `path` (an `.h5ad` file, or a `.zarr` directory when the adapter's `zarr` feature
    /// is on). Reads metadata only.
    ///
    /// # Errors
    /// [`SourceError::Read`] when the file cannot be opened or X cannot be opened.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, SourceError> {
        let path = path.as_ref();
        let name = path.display().to_string();
        let adata = AnnData::open(path).map_err(|e| SourceError::Read {
            what: "the AnnData file".into(),
            source_name: name.clone(),
            message: e.to_string(),
        })?;
        Self::from_anndata(adata, name)
    }

    /// Wraps an already opened AnnData; `name` is used in messages.
    ///
    /// # Errors
    /// [`SourceError::Read`] when X exists but cannot be opened.
    pub fn from_anndata(adata: AnnData, name: impl Into<String>) -> Result<Self, SourceError> {
        let name = name.into();
        let matrix = match adata.backend().kind("X") {
            Ok(Some(_)) => Some(
                adata
                    .matrix(MatrixSource::X)
                    .map_err(read_err("X", &name))?
                    // An export reads every gene exactly once: a decoded-gene cache only costs memory.
                    .with_cache_bytes(0),
            ),
            _ => None,
        };
        Ok(Self {
            adata,
            matrix,
            name,
        })
    }

    /// The wrapped AnnData.
    pub fn anndata(&self) -> &AnnData {
        &self.adata
    }

    /// The adapter's default latent key (`X_pca` when present).
    pub fn default_latent_key(&self) -> Option<String> {
        mapping::default_latent_key(&self.adata)
    }

    /// The adapter's vector-field keys (`<field>_umap_<d>d`), sorted by field and dimension.
    pub fn vector_field_keys(&self) -> Vec<String> {
        mapping::vector_fields(&self.adata)
            .into_iter()
            .map(|k| k.key)
            .collect()
    }

    /// The adapter's connectivities key (`connectivities` when in obsp).
    pub fn default_connectivities_key(&self) -> Option<String> {
        mapping::connectivities_key(&self.adata)
    }
}

impl ExportSource for AnnDataSource {
    fn describe(&self) -> String {
        self.name.clone()
    }

    fn n_cells(&self) -> usize {
        self.adata.n_obs()
    }

    fn obs_keys(&self) -> Vec<String> {
        self.adata.obs_columns().to_vec()
    }

    fn obs_column(&self, key: &str) -> Result<ObsColumn, SourceError> {
        if !self.adata.obs_columns().iter().any(|k| k == key) {
            return Err(missing_key("obs", key, self.describe(), self.obs_keys()));
        }
        mapping::obs_field(&self.adata, key)
            .map(|f| f.kind)
            .map_err(|e| SourceError::Invalid {
                what: format!("obs field '{key}'"),
                message: e.to_string(),
            })
    }

    fn obsm_keys(&self) -> Vec<String> {
        self.adata.obsm_keys().to_vec()
    }

    fn obsm(&self, key: &str) -> Result<Matrix2, SourceError> {
        if !self.adata.obsm_keys().iter().any(|k| k == key) {
            return Err(missing_key("obsm", key, self.describe(), self.obsm_keys()));
        }
        self.adata
            .obsm(key)
            .map_err(read_err(format!("obsm['{key}']"), &self.name))
    }

    fn obsp_keys(&self) -> Vec<String> {
        self.adata.obsp_keys().to_vec()
    }

    fn obsp(&self, key: &str) -> Result<Graph, SourceError> {
        if !self.adata.obsp_keys().iter().any(|k| k == key) {
            return Err(missing_key("obsp", key, self.describe(), self.obsp_keys()));
        }
        self.adata
            .obsp(key)
            .map_err(read_err(format!("obsp['{key}']"), &self.name))
    }

    fn obsp_stored_entries(&self, key: &str) -> Result<Option<u64>, SourceError> {
        if !self.adata.obsp_keys().iter().any(|k| k == key) {
            return Err(missing_key("obsp", key, self.describe(), self.obsp_keys()));
        }
        self.adata
            .obsp_stored_entries(key)
            .map_err(read_err(format!("obsp['{key}']"), &self.name))
    }

    fn has_genes(&self) -> bool {
        self.matrix.is_some()
    }

    fn n_genes(&self) -> usize {
        self.matrix.as_ref().map_or(0, GeneMatrix::n_vars)
    }

    fn gene_names(&self, id_column: Option<&str>) -> Result<Vec<String>, SourceError> {
        let Some(column) = id_column else {
            return self
                .adata
                .var_names()
                .map_err(read_err("the var index", &self.name));
        };
        if !self.adata.var_columns().iter().any(|k| k == column) {
            return Err(missing_key(
                "var",
                column,
                self.describe(),
                self.adata.var_columns().to_vec(),
            ));
        }
        let col = self
            .adata
            .var_column(column)
            .map_err(read_err(format!("var['{column}']"), &self.name))?;
        let not_string = |i: usize, got: &str| {
            SourceError::Invalid {
            what: format!("var_gene_id_column '{column}'"),
            message: format!("identifier at position {i} must be a string, got {got}. Fix: choose a column of gene names"),
        }
        };
        match col {
            Column::Strings(values) => values
                .into_iter()
                .enumerate()
                .map(|(i, v)| v.ok_or_else(|| not_string(i, "a missing value")))
                .collect(),
            Column::Categorical {
                categories: Categories::Str(labels),
                codes,
                ..
            } => codes
                .iter()
                .enumerate()
                .map(|(i, &c)| {
                    usize::try_from(c)
                        .ok()
                        .and_then(|c| labels.get(c).cloned())
                        .ok_or_else(|| not_string(i, "a missing value"))
                })
                .collect(),
            _ => Err(not_string(0, "a non-string column")),
        }
    }

    fn gene(&self, index: usize) -> Result<GeneColumn, SourceError> {
        let m = self.matrix.as_ref().ok_or_else(|| SourceError::Invalid {
            what: "genes".into(),
            message: format!("{} has no X matrix", self.name),
        })?;
        m.gene(index)
            .map_err(read_err(format!("gene {index} of X"), &self.name))
    }

    fn prepare_genes(&self, cancel: &std::sync::atomic::AtomicBool) -> Result<(), SourceError> {
        match &self.matrix {
            Some(m) => m
                .build_column_index_until(cancel)
                .map(|_| ())
                .map_err(read_err("the column index of X", &self.name)),
            None => Ok(()),
        }
    }

    fn begin_gene_pass(&self, indices: &[usize]) {
        if let Some(m) = &self.matrix {
            m.begin_gene_pass(indices);
        }
    }

    fn release_genes(&self) {
        if let Some(m) = &self.matrix {
            m.release_column_index();
            m.end_gene_pass();
        }
    }

    fn default_embeddings(&self) -> Result<BTreeMap<u8, String>, SourceError> {
        mapping::resolve_embeddings(&self.adata).map_err(|e| SourceError::Invalid {
            what: "embeddings".into(),
            message: e.to_string(),
        })
    }
}
