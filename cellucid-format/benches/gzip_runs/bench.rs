//! The sparse run encoder against flate2 (stock zlib) level 6 on a 100k-row gene at 7 % density.
//!
//! Run: `cargo bench -p cellucid-format --bench gzip_runs`. Times are the benchmark thread's
//! CPU time (see `cellucid-quant/benches/support/thread_cpu.rs`). The compressed sizes are printed once per input.

#![allow(missing_docs, clippy::unwrap_used)]

use std::hint::black_box;

use cellucid_format::gzip::encode_member;
use cellucid_format::gzip::runs::{encode_column_member, encode_runs_member};
use cellucid_quant::{codes_to_le_bytes, quantize_sparse, Code, Policy, SparseQuantized};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};

// One shared copy of the thread-CPU-time measurement, kept with the quantizer benches.
#[path = "../../../cellucid-quant/benches/support/thread_cpu.rs"]
mod thread_cpu;
use thread_cpu::ThreadCpuTime;

/// A synthetic log-normalised gene: `ln(1 + k·s)` for counts `k` and size factors `s`.
fn gene(n_rows: usize, density: f64, seed: u64) -> (Vec<u32>, Vec<f32>) {
    let mut s = seed | 1;
    let mut next = move || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        s
    };
    let mut rows = Vec::new();
    let mut values = Vec::new();
    for r in 0..n_rows {
        if ((next() % 1_000_000) as f64) < density * 1e6 {
            let k = 1 + (next() % 8) * (next() % 3);
            let size = 0.5 + (next() % 1000) as f64 / 666.0;
            rows.push(r as u32);
            values.push((1.0 + k as f64 * size).ln() as f32);
        }
    }
    (rows, values)
}

fn bench_width<C: Code>(c: &mut Criterion<ThreadCpuTime>, label: &str, density: f64) {
    let n_rows = 100_000;
    let (rows, values) = gene(n_rows, density, 7);
    let q: SparseQuantized<C> = quantize_sparse(&rows, &values, n_rows, Policy::default()).unwrap();
    let dense = codes_to_le_bytes(&q.to_dense());
    let runs = encode_runs_member(&q.rows, &q.codes, q.fill_code, n_rows, 6).unwrap();
    let l6 = encode_member(&dense, 6);
    let id = format!("{label}_{}pct", (density * 100.0).round());
    eprintln!(
        "sizes {id}: payload {} B, nnz {}, runs {} B, flate2 level 6 {} B ({:.1} %)",
        dense.len(),
        q.nnz(),
        runs.len(),
        l6.len(),
        100.0 * runs.len() as f64 / l6.len() as f64
    );
    let mut g = c.benchmark_group("gzip_100k_rows");
    g.throughput(Throughput::Bytes(dense.len() as u64));
    g.bench_function(BenchmarkId::new("runs", &id), |b| {
        b.iter(|| {
            encode_runs_member(
                black_box(&q.rows),
                black_box(&q.codes),
                q.fill_code,
                n_rows,
                6,
            )
        })
    });
    g.bench_function(BenchmarkId::new("chooser", &id), |b| {
        b.iter(|| encode_column_member(black_box(&q), 6))
    });
    g.bench_function(BenchmarkId::new("flate2_l6_dense_given", &id), |b| {
        b.iter(|| encode_member(black_box(&dense), 6))
    });
    g.bench_function(BenchmarkId::new("flate2_l6_with_densify", &id), |b| {
        b.iter(|| encode_member(&codes_to_le_bytes(&black_box(&q).to_dense()), 6))
    });
    g.finish();
}

fn benches(c: &mut Criterion<ThreadCpuTime>) {
    bench_width::<u8>(c, "u8", 0.07);
    bench_width::<u16>(c, "u16", 0.07);
    bench_width::<u8>(c, "u8", 0.01);
    bench_width::<u8>(c, "u8", 0.3);
}

criterion_group! {
    name = gzip_runs;
    config = thread_cpu::criterion(300, 1, 20);
    targets = benches
}
criterion_main!(gzip_runs);
