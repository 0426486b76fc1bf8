//! `forward_to_inner!`: the `ExportSource` methods a test wrapper does not change, forwarded to
//! its `inner` source, so each wrapper spells out only what it records or overrides.

/// Implements the named `ExportSource` methods by calling the same method on `self.inner`.
#[allow(unused_macros)]
macro_rules! forward_to_inner {
    ($($method:ident),* $(,)?) => { $( forward_to_inner!(@one $method); )* };
    (@one describe) => { fn describe(&self) -> String { self.inner.describe() } };
    (@one n_cells) => { fn n_cells(&self) -> usize { self.inner.n_cells() } };
    (@one obs_keys) => { fn obs_keys(&self) -> Vec<String> { self.inner.obs_keys() } };
    (@one obs_column) => {
        fn obs_column(
            &self,
            key: &str,
        ) -> Result<cellucid_export::source::ObsColumn, cellucid_export::source::SourceError> {
            self.inner.obs_column(key)
        }
    };
    (@one obsm_keys) => { fn obsm_keys(&self) -> Vec<String> { self.inner.obsm_keys() } };
    (@one obsm) => {
        fn obsm(
            &self,
            key: &str,
        ) -> Result<cellucid_export::source::Matrix2, cellucid_export::source::SourceError> {
            self.inner.obsm(key)
        }
    };
    (@one obsp_keys) => { fn obsp_keys(&self) -> Vec<String> { self.inner.obsp_keys() } };
    (@one obsp) => {
        fn obsp(
            &self,
            key: &str,
        ) -> Result<cellucid_export::source::Graph, cellucid_export::source::SourceError> {
            self.inner.obsp(key)
        }
    };
    (@one has_genes) => { fn has_genes(&self) -> bool { self.inner.has_genes() } };
    (@one n_genes) => { fn n_genes(&self) -> usize { self.inner.n_genes() } };
    (@one gene_names) => {
        fn gene_names(
            &self,
            id_column: Option<&str>,
        ) -> Result<Vec<String>, cellucid_export::source::SourceError> {
            self.inner.gene_names(id_column)
        }
    };
    (@one gene) => {
        fn gene(
            &self,
            index: usize,
        ) -> Result<cellucid_export::source::GeneColumn, cellucid_export::source::SourceError> {
            self.inner.gene(index)
        }
    };
}
