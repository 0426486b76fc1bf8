//! Gene names and selection (format.md §17).

use std::collections::HashMap;

use super::PlannedGenes;
use crate::checks::display_text_problem;
use crate::error::ExportError;
use crate::options::ExportOptions;
use crate::source::ExportSource;

fn genes_error(message: String) -> ExportError {
    ExportError::Genes { message }
}

/// Reads the gene names, checks them and resolves `gene_identifiers` to source indices.
pub(crate) fn plan_genes(
    source: &dyn ExportSource,
    options: &ExportOptions,
) -> Result<PlannedGenes, ExportError> {
    if options.var_gene_id_column.as_deref() == Some("") {
        return Err(ExportError::option(
            "var_gene_id_column",
            "must not be empty; leave it null to use the var index",
        ));
    }
    let names = source.gene_names(options.var_gene_id_column.as_deref())?;
    if names.len() != source.n_genes() {
        return Err(genes_error(format!(
            "var has {} rows but the expression matrix has {} genes",
            names.len(),
            source.n_genes()
        )));
    }
    let mut position = HashMap::with_capacity(names.len());
    for (i, name) in names.iter().enumerate() {
        if name.is_empty() {
            return Err(genes_error(format!(
                "the gene identifier at position {i} is empty. Fix: fill in the name or choose another var_gene_id_column"
            )));
        }
        if position.insert(name.as_str(), i).is_some() {
            return Err(genes_error(format!(
                "Gene key '{name}' is duplicated. Fix: make the names unique (e.g. anndata's var_names_make_unique()) or choose another var_gene_id_column"
            )));
        }
    }
    let indices: Vec<usize> = match &options.gene_identifiers {
        None => (0..names.len()).collect(),
        Some(wanted) => {
            let mut seen = std::collections::HashSet::new();
            let mut unknown = Vec::new();
            let mut out = Vec::with_capacity(wanted.len());
            for name in wanted {
                if name.is_empty() {
                    return Err(ExportError::option(
                        "gene_identifiers",
                        "contains an empty name",
                    ));
                }
                if !seen.insert(name.as_str()) {
                    return Err(ExportError::option(
                        "gene_identifiers",
                        format!("lists '{name}' twice"),
                    ));
                }
                match position.get(name.as_str()) {
                    Some(&i) => out.push(i),
                    None => unknown.push(name.clone()),
                }
            }
            if !unknown.is_empty() {
                let shown: Vec<&str> = unknown.iter().take(20).map(String::as_str).collect();
                return Err(ExportError::option(
                    "gene_identifiers",
                    format!(
                        "{} name(s) not found among the genes: {}{}. Fix: check spelling and var_gene_id_column",
                        unknown.len(),
                        shown.join(", "),
                        if unknown.len() > 20 { ", ..." } else { "" }
                    ),
                ));
            }
            out
        }
    };
    let mut exported = Vec::with_capacity(indices.len());
    for &i in &indices {
        let name = &names[i];
        if let Some(problem) = display_text_problem(name) {
            return Err(genes_error(format!(
                "gene name {name:?} {problem}. Fix: rename it or leave it out with gene_identifiers"
            )));
        }
        exported.push(name.clone());
    }
    Ok(PlannedGenes {
        names: exported,
        indices,
    })
}
