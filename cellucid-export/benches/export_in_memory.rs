//! A whole export from in-memory arrays into a temporary directory: 20k cells × 200 genes
//! (sparse CSR X, 1–30 % density per gene), 2-D and 3-D embeddings, a 30-D latent space,
//! two categorical and two continuous obs fields and a symmetric kNN graph (k = 15); 8-bit
//! quantization, gzip 6, published atomically (lock, journal, stage, rename, fsyncs). Two
//! variants show where the time goes: the same export uncompressed, and gzip 6 without the graph.
//!
//! Run: `cargo bench -p cellucid-export --bench export_in_memory`. Times are wall-clock: the
//! gene pipeline runs on every core (rayon), so they depend on the machine's load.

#![allow(missing_docs, clippy::unwrap_used)]

use std::time::Duration;

use cellucid_export::source::{InMemorySource, Label};
use cellucid_export::{export, ExportOptions, NoEvents};
use criterion::{criterion_group, criterion_main, Criterion, SamplingMode, Throughput};

mod support {
    pub(crate) mod synth;
}
use support::synth::{self, Rng};

const CELLS: usize = 20_000;
const GENES: usize = 200;

fn x_matrix() -> sprs::CsMat<f32> {
    let mut tri = sprs::TriMat::new((CELLS, GENES));
    for g in 0..GENES {
        // Densities spread over 1 %..30 %, like a highly-variable-gene panel.
        let density = 0.01 + 0.29 * ((g * 37) % GENES) as f64 / GENES as f64;
        let (rows, values) = synth::sparse_gene(CELLS, density, 1000 + g as u64);
        for (r, v) in rows.into_iter().zip(values) {
            tri.add_triplet(r as usize, g, v);
        }
    }
    tri.to_csr()
}

fn labels(prefix: &str, n: usize) -> Vec<Label> {
    (0..n).map(|i| Label::Str(format!("{prefix}{i}"))).collect()
}

/// The bench dataset; `graph` adds the kNN graph as obsp `connectivities`.
fn source(graph: bool) -> InMemorySource {
    let mut rng = Rng::new(5);
    let umap = ndarray::Array2::from_shape_fn((CELLS, 2), |_| rng.unit() * 20.0 - 10.0);
    let umap3 = ndarray::Array2::from_shape_fn((CELLS, 3), |_| rng.unit() * 20.0 - 10.0);
    let pca = ndarray::Array2::from_shape_fn((CELLS, 30), |_| (rng.unit() * 4.0 - 2.0) as f32);
    let cluster = (0..CELLS).map(|i| (i * 7 % 20) as i32).collect();
    let batch = (0..CELLS).map(|i| (i % 4) as i32).collect();
    let n_counts: Vec<f32> = (0..CELLS)
        .map(|_| (500.0 + rng.unit() * 5000.0) as f32)
        .collect();
    let score: Vec<f64> = (0..CELLS).map(|_| rng.unit()).collect();
    let mut source = InMemorySource::new(CELLS)
        .with_obsm("X_umap_2d", umap.view())
        .with_obsm("X_umap_3d", umap3.view())
        .with_obsm("X_pca", pca.view());
    if graph {
        source = source.with_obsp_sparse("connectivities", synth::knn_graph(CELLS, 15, 11));
    }
    source
        .with_obs_categorical("cluster", labels("c", 20), cluster)
        .with_obs_categorical("batch", labels("b", 4), batch)
        .with_obs_continuous("n_counts", n_counts)
        .with_obs_continuous("score", score)
        .with_var_names((0..GENES).map(|g| format!("G{g}")).collect())
        .with_x_sparse(x_matrix())
}

fn options() -> ExportOptions {
    let mut o = ExportOptions::new("bench", "bench export");
    o.created_at = Some("2026-01-01T00:00:00Z".into());
    o.latent_key = Some("X_pca".into());
    o.connectivities_key = Some("connectivities".into());
    o.compression = Some(6);
    o.var_quantization = Some(8);
    o.obs_continuous_quantization = Some(8);
    o.force = true;
    o
}

fn benches(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("bench");
    let with_graph = source(true);
    let without_graph = source(false);
    let gzip6 = options();
    let mut plain = options();
    plain.compression = None;
    let mut no_graph = options();
    no_graph.connectivities_key = None;
    let cases: [(&str, &InMemorySource, &ExportOptions); 3] = [
        ("all_gzip6", &with_graph, &gzip6),
        ("all_uncompressed", &with_graph, &plain),
        ("no_graph_gzip6", &without_graph, &no_graph),
    ];
    let mut g = c.benchmark_group("export_in_memory_20k_cells_200_genes_q8");
    g.sampling_mode(SamplingMode::Flat);
    g.throughput(Throughput::Elements((CELLS * GENES) as u64));
    for (id, source, options) in cases {
        let summary = export(source, &out, options, &NoEvents).unwrap();
        eprintln!(
            "export {id}: {} files, {} B raw, {} B stored",
            summary.stats.files, summary.stats.raw_bytes, summary.stats.stored_bytes
        );
        g.bench_function(id, |b| {
            b.iter(|| export(source, &out, options, &NoEvents).unwrap())
        });
    }
    g.finish();
}

criterion_group! {
    name = export_in_memory;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(10))
        .sample_size(10);
    targets = benches
}
criterion_main!(export_in_memory);
