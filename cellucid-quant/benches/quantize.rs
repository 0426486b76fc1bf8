//! Throughput of the dense and sparse quantizers.
//!
//! Run: `cargo bench -p cellucid-quant --bench quantize`. Times are the benchmark thread's CPU
//! time (see `support/thread_cpu.rs`), so that other jobs on a shared machine distort them less.

#![allow(missing_docs)]

use std::hint::black_box;

use cellucid_quant::{quantize_into, quantize_sparse, Policy};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};

#[path = "support/thread_cpu.rs"]
mod thread_cpu;
use thread_cpu::ThreadCpuTime;

type Crit = Criterion<ThreadCpuTime>;

/// A deterministic pseudo-random generator (xorshift64*), so the bench needs no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn unit(&mut self) -> f32 {
        (self.next() >> 40) as f32 / (1u64 << 24) as f32
    }
}

fn dense(c: &mut Crit) {
    let n = 1 << 20;
    let mut rng = Rng(42);
    let values: Vec<f32> = (0..n).map(|_| rng.unit() * 10.0 - 2.0).collect();
    let mut with_nan = values.clone();
    for v in with_nan.iter_mut().step_by(97) {
        *v = f32::NAN;
    }
    let values64: Vec<f64> = values.iter().map(|&v| f64::from(v)).collect();
    let mut g = c.benchmark_group("dense");
    g.throughput(Throughput::Bytes((n * 4) as u64));
    let mut out8 = vec![0u8; n];
    let mut out16 = vec![0u16; n];
    g.bench_function("f32_to_u8", |b| {
        b.iter(|| quantize_into(black_box(&values), &mut out8, Policy::default()))
    });
    g.bench_function("f32_to_u16", |b| {
        b.iter(|| quantize_into(black_box(&values), &mut out16, Policy::default()))
    });
    g.bench_function("f32_with_nan_to_u8", |b| {
        b.iter(|| quantize_into(black_box(&with_nan), &mut out8, Policy::default()))
    });
    g.throughput(Throughput::Bytes((n * 8) as u64));
    g.bench_function("f64_to_u8", |b| {
        b.iter(|| quantize_into(black_box(&values64), &mut out8, Policy::default()))
    });
    g.finish();
}

fn sparse(c: &mut Crit) {
    let n_rows = 1_000_000usize;
    let mut g = c.benchmark_group("sparse");
    for density in [0.01f64, 0.10] {
        let mut rng = Rng(7);
        let mut rows = Vec::new();
        let mut values = Vec::new();
        for r in 0..n_rows {
            if (rng.unit() as f64) < density {
                rows.push(r as i32);
                values.push(1.0 + rng.unit() * 5.0);
            }
        }
        g.throughput(Throughput::Elements(rows.len() as u64));
        g.bench_with_input(
            BenchmarkId::new(
                "f32_to_u8_1M_rows",
                format!("{}%", (density * 100.0) as u32),
            ),
            &(rows, values),
            |b, (rows, values)| {
                b.iter(|| {
                    quantize_sparse::<f32, i32, u8>(
                        black_box(rows),
                        black_box(values),
                        n_rows,
                        Policy::default(),
                    )
                })
            },
        );
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = thread_cpu::criterion(500, 2, 20);
    targets = dense, sparse
}
criterion_main!(benches);
