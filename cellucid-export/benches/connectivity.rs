//! Connectivity payload preparation (format.md §18) on a symmetric kNN graph of 100k cells
//! (k = 15, about 1.5 M edges): the edge list extracted from CSR with every check
//! (`math::edges_from_csr`), and the three payloads (uint32 src/dst, float64 weights) encoded
//! little-endian and gzip'd at level 6 as the export writes them.
//!
//! Run: `cargo bench -p cellucid-export --bench connectivity`. Times are the benchmark
//! thread's CPU time (see `cellucid-quant/benches/support/thread_cpu.rs`).

#![allow(missing_docs, clippy::unwrap_used)]

use std::hint::black_box;

use cellucid_export::math::{edges_from_csr, Edges};
use criterion::{criterion_group, criterion_main, Criterion, SamplingMode, Throughput};

#[path = "../../cellucid-quant/benches/support/thread_cpu.rs"]
mod thread_cpu;
use thread_cpu::ThreadCpuTime;

mod support {
    pub(crate) mod synth;
}
use support::synth;

const CELLS: usize = 100_000;

/// The three payloads, each as a gzip member at level 6.
fn payload_members(e: &Edges) -> [Vec<u8>; 3] {
    [
        cellucid_format::encode_member(&cellucid_format::encode_le(&e.src), 6),
        cellucid_format::encode_member(&cellucid_format::encode_le(&e.dst), 6),
        cellucid_format::encode_member(&cellucid_format::encode_le(&e.weights), 6),
    ]
}

fn benches(c: &mut Criterion<ThreadCpuTime>) {
    let graph = synth::knn_graph(CELLS, 15, 11);
    let (indptr, indices, data) = (graph.indptr(), graph.indices(), graph.data());
    let indptr = indptr.raw_storage();
    let edges = edges_from_csr(CELLS, indptr, indices, data).unwrap();
    let sizes = payload_members(&edges).map(|m| m.len());
    eprintln!(
        "graph {CELLS} cells: {} stored entries, {} edges, max_neighbors {}, gzip'd src/dst/weights {sizes:?} B",
        data.len(),
        edges.n_edges(),
        edges.max_neighbors
    );
    let mut g = c.benchmark_group("connectivity_100k_k15");
    g.sampling_mode(SamplingMode::Flat);
    g.throughput(Throughput::Elements(data.len() as u64));
    g.bench_function("edges_from_csr", |b| {
        b.iter(|| edges_from_csr(CELLS, black_box(indptr), indices, data).unwrap())
    });
    g.bench_function("payloads_le_gzip6", |b| {
        b.iter(|| payload_members(black_box(&edges)))
    });
    g.finish();
}

criterion_group! {
    name = connectivity;
    config = thread_cpu::criterion(300, 2, 10);
    targets = benches
}
criterion_main!(connectivity);
