//! A small deterministic in-memory dataset for the crash and NaN tests.

use cellucid_export::source::{InMemorySource, Label};
use cellucid_export::ExportOptions;

/// Deterministic pseudo-random value in [0, 1).
pub fn unit(i: usize, salt: usize) -> f64 {
    let x = (i as u64)
        .wrapping_mul(6364136223846793005)
        .wrapping_add((salt as u64).wrapping_mul(1442695040888963407));
    ((x >> 11) ^ (x >> 29)) as f64 / (1u64 << 53) as f64 % 1.0
}

/// `n` cells, `g` genes: 2-D embedding, 5-D latent, a ring graph, one categorical and one
/// continuous obs field.
pub fn small(n: usize, g: usize) -> InMemorySource {
    let umap = ndarray::Array2::from_shape_fn((n, 2), |(i, j)| unit(i, j) * 10.0);
    let pca = ndarray::Array2::from_shape_fn((n, 5), |(i, j)| unit(i, j + 7) as f32);
    let x = ndarray::Array2::from_shape_fn((n, g), |(i, j)| {
        if (i + j) % 3 == 0 {
            (unit(i, j + 99) * 5.0) as f32
        } else {
            0.0
        }
    });
    let mut tri = sprs::TriMat::new((n, n));
    for i in 0..n {
        let j = (i + 1) % n;
        tri.add_triplet(i, j, 0.5 + unit(i.min(j), 3));
        tri.add_triplet(j, i, 0.5 + unit(i.min(j), 3));
    }
    let labels = vec![
        Label::Str("A".into()),
        Label::Str("B".into()),
        Label::Str("C".into()),
    ];
    let codes = (0..n).map(|i| (i % 3) as i32).collect();
    InMemorySource::new(n)
        .with_obsm("X_umap_2d", umap.view())
        .with_obsm("X_pca", pca.view())
        .with_obsp_sparse("connectivities", tri.to_csr())
        .with_obs_categorical("cluster", labels, codes)
        .with_obs_continuous("score", (0..n).map(|i| unit(i, 42)).collect::<Vec<f64>>())
        .with_var_names((0..g).map(|j| format!("G{j}")).collect())
        .with_x_dense(x.view())
}

/// Options for [`small`]: pinned `created_at`, gzip 6, 8-bit.
pub fn options() -> ExportOptions {
    let mut o = ExportOptions::new("small", "small test");
    o.created_at = Some("2026-01-01T00:00:00Z".into());
    o.latent_key = Some("X_pca".into());
    o.connectivities_key = Some("connectivities".into());
    o.compression = Some(6);
    o.var_quantization = Some(8);
    o.obs_continuous_quantization = Some(8);
    o.force = true;
    o
}
