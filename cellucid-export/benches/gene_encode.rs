//! One gene encoded end to end, as the export's gene pipeline does it (NaN → missing, 8-bit
//! quantization, gzip level 6; sparse columns through the run encoder), on a 100k-cell column:
//! sparse at 1 %, 7 % and 30 % density, and a dense column expressed in every cell.
//!
//! Run: `cargo bench -p cellucid-export --bench gene_encode`. Times are the benchmark thread's
//! CPU time (see `cellucid-quant/benches/support/thread_cpu.rs`); the encoder runs on one
//! thread. Stored sizes are printed once per input.

#![allow(missing_docs, clippy::unwrap_used)]

use std::hint::black_box;

use cellucid_export::bench_api::encode_gene_file;
use cellucid_export::source::{GeneColumn, Values};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};

// One shared copy of the thread-CPU-time measurement, kept with the quantizer benches.
#[path = "../../cellucid-quant/benches/support/thread_cpu.rs"]
mod thread_cpu;
use thread_cpu::ThreadCpuTime;

mod support {
    pub(crate) mod synth;
}
use support::synth;

const CELLS: usize = 100_000;

fn bench_column(c: &mut Criterion<ThreadCpuTime>, id: &str, column: &GeneColumn) {
    let file = encode_gene_file(column, Some(8), Some(6)).unwrap();
    eprintln!(
        "gene {id}: payload {} B, stored {} B ({:.1} %)",
        file.raw_len,
        file.stored.len(),
        100.0 * file.stored.len() as f64 / file.raw_len as f64
    );
    let mut g = c.benchmark_group("gene_encode_100k_q8_gz6");
    g.throughput(Throughput::Elements(CELLS as u64));
    g.bench_function(BenchmarkId::from_parameter(id), |b| {
        b.iter(|| encode_gene_file(black_box(column), Some(8), Some(6)).unwrap())
    });
    g.finish();
}

fn benches(c: &mut Criterion<ThreadCpuTime>) {
    for (pct, density) in [(1, 0.01), (7, 0.07), (30, 0.30)] {
        let (rows, values) = synth::sparse_gene(CELLS, density, 7 + pct);
        let column = GeneColumn::Sparse {
            n: CELLS,
            rows,
            values: Values::F32(values),
        };
        bench_column(c, &format!("sparse_{pct}pct"), &column);
    }
    let dense = GeneColumn::Dense(Values::F32(synth::dense_gene(CELLS, 3)));
    bench_column(c, "dense_100pct", &dense);
}

criterion_group! {
    name = gene_encode;
    config = thread_cpu::criterion(300, 1, 20);
    targets = benches
}
criterion_main!(gene_encode);
