//! Deterministic synthetic inputs shared by the cellucid-export benches.

#![allow(dead_code)]

/// A xorshift64 stream: cheap, deterministic, good enough for bench data.
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64) -> Self {
        Self(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// Uniform in [0, 1).
    pub(crate) fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// One log-normalised expression value `ln(1 + k·s)` for a count `k ≥ 1` and size factor `s`.
fn expression(rng: &mut Rng) -> f32 {
    let k = 1 + (rng.next_u64() % 8) * (rng.next_u64() % 3);
    let size = 0.5 + rng.unit() * 1.5;
    (1.0 + k as f64 * size).ln() as f32
}

/// A sparse gene: ascending stored rows and their values, each cell stored with probability
/// `density`.
pub(crate) fn sparse_gene(n_rows: usize, density: f64, seed: u64) -> (Vec<u32>, Vec<f32>) {
    let mut rng = Rng::new(seed);
    let mut rows = Vec::new();
    let mut values = Vec::new();
    for r in 0..n_rows {
        if rng.unit() < density {
            rows.push(r as u32);
            values.push(expression(&mut rng));
        }
    }
    (rows, values)
}

/// A gene expressed in every cell (stored densely).
pub(crate) fn dense_gene(n_rows: usize, seed: u64) -> Vec<f32> {
    let mut rng = Rng::new(seed);
    (0..n_rows).map(|_| expression(&mut rng)).collect()
}

/// A symmetric kNN-like graph: every cell picks `k` random neighbours, the union is kept in
/// both directions with one weight per pair (no diagonal, no duplicates).
pub(crate) fn knn_graph(n: usize, k: usize, seed: u64) -> sprs::CsMat<f64> {
    let mut rng = Rng::new(seed);
    let mut pairs: Vec<(u32, u32)> = Vec::with_capacity(n * k);
    for i in 0..n {
        for _ in 0..k {
            let j = (rng.next_u64() % n as u64) as usize;
            if j != i {
                pairs.push((i.min(j) as u32, i.max(j) as u32));
            }
        }
    }
    pairs.sort_unstable();
    pairs.dedup();
    let mut tri = sprs::TriMat::with_capacity((n, n), 2 * pairs.len());
    for (i, j) in pairs {
        let w = 0.05 + 0.95 * Rng::new(u64::from(i) << 32 | u64::from(j)).unit();
        tri.add_triplet(i as usize, j as usize, w);
        tri.add_triplet(j as usize, i as usize, w);
    }
    tri.to_csr()
}
