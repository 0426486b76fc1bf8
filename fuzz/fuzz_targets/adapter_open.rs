//! Fuzz the `.h5ad` reader: arbitrary (typically corrupted h5ad) bytes are opened from memory
//! and every element is read. Errors are expected; panics, hangs and huge allocations are bugs.
//! Seed the corpus with `tests/fixtures/adapter/*.h5ad` and `tests/fixtures/golden/*/input.h5ad`.
#![no_main]

use std::sync::Arc;

use cellucid_adapter::h5ad::H5Store;
use cellucid_adapter::{mapping, AnnData, MatrixSource};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(store) = H5Store::from_bytes(data.to_vec(), "fuzz.h5ad") else { return };
    let Ok(ad) = AnnData::from_backend(Arc::new(store)) else { return };
    let _ = ad.obs_names();
    let _ = ad.var_names();
    let _ = mapping::obs_fields(&ad, None);
    let _ = mapping::resolve_embeddings(&ad);
    for key in ad.obsm_keys().to_vec() {
        let _ = ad.obsm(&key);
    }
    for key in ad.obsp_keys().to_vec() {
        let _ = ad.obsp(&key);
    }
    if let Ok(x) = ad.matrix(MatrixSource::X) {
        for j in 0..x.n_vars().min(4) {
            let _ = x.gene(j);
        }
    }
});
