//! Which refusal wins when several apply (format.md §21.2): the first refused gene in export
//! order, whatever the parallel pipeline finishes first, and a refused gene before the
//! all-missing outlier refusal (item 11).

mod common;

use cellucid_export::source::{InMemorySource, Label};
use cellucid_export::{export, ExportError, ExportOptions, NoEvents};
use common::dataset::{options, unit};

const CELLS: usize = 30;

/// `genes` genes over 30 cells; the genes in `bad` hold a +Inf in cell 7. One categorical field
/// with three categories of 10 cells each.
fn source(genes: usize, bad: &[usize]) -> InMemorySource {
    let umap = ndarray::Array2::from_shape_fn((CELLS, 2), |(i, j)| unit(i, j) * 10.0);
    let pca = ndarray::Array2::from_shape_fn((CELLS, 5), |(i, j)| unit(i, j + 7) as f32);
    let x = ndarray::Array2::from_shape_fn((CELLS, genes), |(i, j)| {
        if bad.contains(&j) && i == 7 {
            f32::INFINITY
        } else {
            (unit(i, j + 99) * 5.0) as f32
        }
    });
    let labels = vec![
        Label::Str("A".into()),
        Label::Str("B".into()),
        Label::Str("C".into()),
    ];
    let codes = (0..CELLS).map(|i| (i % 3) as i32).collect();
    InMemorySource::new(CELLS)
        .with_obsm("X_umap_2d", umap.view())
        .with_obsm("X_pca", pca.view())
        .with_obs_categorical("cluster", labels, codes)
        .with_var_names((0..genes).map(|j| format!("G{j}")).collect())
        .with_x_dense(x.view())
}

fn opts() -> ExportOptions {
    let mut o = options();
    o.connectivities_key = None;
    o
}

fn refused(src: &InMemorySource, o: &ExportOptions) -> ExportError {
    let dir = tempfile::tempdir().expect("tmp");
    let out = dir.path().join("ds");
    let err = export(src, &out, o, &NoEvents).expect_err("refused");
    assert!(!out.exists(), "nothing published");
    err
}

#[test]
fn the_first_refused_gene_in_export_order_is_reported() {
    // Many genes so that both threads work on genes after the first bad one.
    let src = source(256, &[37, 38, 200, 255]);
    for _ in 0..5 {
        let err = refused(&src, &opts());
        assert!(
            matches!(&err, ExportError::Gene { name, .. } if name == "G37"),
            "{err}"
        );
    }
}

#[test]
fn a_refused_gene_comes_before_the_all_missing_outlier_refusal() {
    // Categories of 10 cells and centroid_min_points 11: every outlier quantile is missing,
    // which 8-bit outliers refuse (format.md §21.2 item 11).
    let mut o = opts();
    o.centroid_min_points = 11;
    let err = refused(&source(8, &[]), &o);
    assert!(
        matches!(&err, ExportError::AllMissingOutliers { fields, .. } if fields == &["cluster".to_string()]),
        "{err}"
    );
    let err = refused(&source(8, &[5]), &o);
    assert!(
        matches!(&err, ExportError::Gene { name, .. } if name == "G5"),
        "the gene refusal wins: {err}"
    );
    assert!(err.to_string().contains("+Inf"), "{err}");
}
