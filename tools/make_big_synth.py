#!/usr/bin/env python3
"""Write a large synthetic CSR .h5ad in bounded memory (for benchmarks past RAM-sized inputs).

Usage: make_big_synth.py N_CELLS N_GENES OUT.h5ad [--density 0.07] [--block 20000] [--seed 0]

Same shape of data as ../shared/tools/make_synth.py (log1p-gamma float32 counts with lognormal
per-gene detection rates, 40 cell types, a 300-level batch, donor/bool/float/int columns,
X_umap_2d/3d, X_pca (50), a symmetric random kNN graph), but X is generated and appended in
row blocks through h5py, so peak memory is a few blocks, not several copies of X.
Needs the reference Python environment (anndata, h5py): see ../shared/tools/oracle-setup.sh.
"""
import argparse

import anndata as ad
import h5py
import numpy as np
import pandas as pd
from scipy import sparse


def main():
    p = argparse.ArgumentParser()
    p.add_argument("n_cells", type=int)
    p.add_argument("n_genes", type=int)
    p.add_argument("out")
    p.add_argument("--density", type=float, default=0.07)
    p.add_argument("--neighbors", type=int, default=15)
    p.add_argument("--block", type=int, default=20000)
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args()
    rng = np.random.default_rng(a.seed)
    n, g = a.n_cells, a.n_genes
    rate = np.clip(rng.lognormal(np.log(a.density), 1.0, size=g), 1e-4, 0.95).astype(np.float32)

    types = np.array([f"type_{i:02d}" for i in range(40)])
    centers = rng.normal(scale=8.0, size=(40, 3))
    ct = rng.integers(0, 40, size=n)
    umap3 = (centers[ct] + rng.normal(scale=1.0, size=(n, 3))).astype(np.float32)
    obs = pd.DataFrame(
        {
            "cell_type": pd.Categorical(types[ct], categories=types),
            "batch": pd.Categorical([f"batch_{i:03d}" for i in rng.integers(0, 300, size=n)]),
            "donor": rng.choice(["d1", "d2", "d3", "d4"], size=n).astype(object),
            "is_doublet": rng.random(n) < 0.05,
            "score": rng.normal(size=n),
            "n_counts": rng.integers(500, 50000, size=n),
        },
        index=[f"c{i}" for i in range(n)],
    )
    var = pd.DataFrame(index=[f"GENE{j}" for j in range(g)])
    adata = ad.AnnData(obs=obs, var=var)
    adata.obsm["X_umap_3d"] = umap3
    adata.obsm["X_umap_2d"] = umap3[:, :2].copy()
    adata.obsm["X_pca"] = np.hstack([umap3, rng.normal(size=(n, 47))]).astype(np.float32)
    k = a.neighbors
    src = np.repeat(np.arange(n), k)
    dst = rng.integers(0, n, size=n * k)
    keep = src != dst
    w = rng.random(keep.sum()) * 0.9 + 0.1
    m = sparse.coo_matrix((w, (src[keep], dst[keep])), shape=(n, n)).tocsr()
    m.sum_duplicates()
    m = ((m + m.T) * 0.5).tocsr()
    m.sort_indices()
    adata.obsp["connectivities"] = m
    del m, src, dst, w, keep
    adata.write_h5ad(a.out, compression="gzip")
    del adata

    nnz = 0
    with h5py.File(a.out, "a") as f:
        x = f.create_group("X")
        x.attrs["encoding-type"] = "csr_matrix"
        x.attrs["encoding-version"] = "0.1.0"
        x.attrs["shape"] = np.array([n, g], dtype=np.int64)
        data = x.create_dataset("data", shape=(0,), maxshape=(None,), dtype=np.float32,
                                chunks=(65536,), compression="gzip")
        indices = x.create_dataset("indices", shape=(0,), maxshape=(None,), dtype=np.int32,
                                   chunks=(65536,), compression="gzip")
        indptr = np.zeros(n + 1, dtype=np.int64)
        for start in range(0, n, a.block):
            stop = min(n, start + a.block)
            hit = rng.random((stop - start, g), dtype=np.float32) < rate
            rows, cols = np.nonzero(hit)
            del hit
            vals = np.log1p(rng.gamma(1.5, 2.0, size=rows.size)).astype(np.float32)
            counts = np.bincount(rows, minlength=stop - start)
            indptr[start + 1: stop + 1] = nnz + np.cumsum(counts)
            data.resize((nnz + rows.size,))
            indices.resize((nnz + rows.size,))
            data[nnz:] = vals
            indices[nnz:] = cols.astype(np.int32)
            nnz += rows.size
            print(f"rows {stop}/{n}, nnz {nnz}", flush=True)
        x.create_dataset("indptr", data=indptr, chunks=True, compression="gzip")
    print(f"wrote {a.out}: {n} cells x {g} genes, nnz={nnz}")


if __name__ == "__main__":
    main()
