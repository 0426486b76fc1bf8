//! Fuzzes the manifest parsers: arbitrary bytes must never panic, and any document that parses
//! must survive a write → parse round trip unchanged.
//!
//! Run: `cd fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz run manifests corpus/manifests`
//! (`RUSTC_BOOTSTRAP=1` lets cargo-fuzz use its nightly-only sanitizer flags on stable Rust).
#![no_main]

use cellucid_format::{Catalog, ConnectivityManifest, DatasetIdentity, ObsManifest, VarManifest};
use libfuzzer_sys::fuzz_target;

macro_rules! round_trip {
    ($ty:ty, $text:expr) => {
        if let Ok(model) = <$ty>::from_json_str($text) {
            let written = model.to_json_string();
            let again = <$ty>::from_json_str(&written).expect("written documents parse");
            assert_eq!(again, model, "round trip changed the model: {written}");
        }
    };
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    round_trip!(DatasetIdentity, text);
    round_trip!(ObsManifest, text);
    round_trip!(VarManifest, text);
    round_trip!(ConnectivityManifest, text);
    round_trip!(Catalog, text);
});
