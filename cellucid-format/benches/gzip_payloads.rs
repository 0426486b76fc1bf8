//! The dense-payload policy (`encode_payload_member`) against libdeflate at level 6 on
//! kNN-graph-like payloads of 6 MB: near-random u32 neighbour indices (deflated at level 1 by
//! the near-random rule) and sorted source indices (kept at level 6). Stock zlib 6's size is
//! printed beside, not timed.
//!
//! Run: `cargo bench -p cellucid-format --bench gzip_payloads`. Times are the benchmark
//! thread's CPU time; the compressed sizes are printed once per input.

#![allow(missing_docs, clippy::unwrap_used)]

use std::hint::black_box;

use cellucid_format::gzip::{encode_member, encode_member_libdeflate, encode_payload_member};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};

#[path = "../../cellucid-quant/benches/support/thread_cpu.rs"]
mod thread_cpu;
use thread_cpu::ThreadCpuTime;

/// Entries of a 100k-cell kNN graph's lower triangle at k = 15.
const EDGES: usize = 1_490_000;

/// xorshift64 stream.
fn stream(seed: u64) -> impl Iterator<Item = u64> {
    let mut x = seed | 1;
    std::iter::repeat_with(move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    })
}

/// Near-random neighbour indices below 100k.
fn destinations() -> Vec<u8> {
    stream(7)
        .take(EDGES)
        .flat_map(|x| ((x % 100_000) as u32).to_le_bytes())
        .collect()
}

/// Ascending source indices, each cell 1–15 times.
fn sources() -> Vec<u8> {
    stream(11)
        .enumerate()
        .flat_map(|(cell, x)| std::iter::repeat_n(cell as u32, 1 + (x % 15) as usize))
        .take(EDGES)
        .flat_map(u32::to_le_bytes)
        .collect()
}

fn benches(c: &mut Criterion<ThreadCpuTime>) {
    let mut g = c.benchmark_group("gzip_payload_6mb");
    for (name, data) in [("destinations", destinations()), ("sources", sources())] {
        println!(
            "{name}: {} B raw; policy {} B, libdeflate 6 {} B, zlib 6 {} B",
            data.len(),
            encode_payload_member(&data, 6).len(),
            encode_member_libdeflate(&data, 6).len(),
            encode_member(&data, 6).len()
        );
        g.throughput(Throughput::Bytes(data.len() as u64));
        g.bench_function(BenchmarkId::new("policy", name), |b| {
            b.iter(|| encode_payload_member(black_box(&data), 6))
        });
        g.bench_function(BenchmarkId::new("libdeflate_l6", name), |b| {
            b.iter(|| encode_member_libdeflate(black_box(&data), 6))
        });
    }
    g.finish();
}

criterion_group! {
    name = gzip_payloads;
    config = thread_cpu::criterion(300, 2, 10);
    targets = benches
}
criterion_main!(gzip_payloads);
