//! Fuzzes gzip payload decoding: arbitrary bytes must never panic or allocate beyond the
//! ceiling, and whatever decodes must re-encode and decode to the same bytes.
//!
//! Run: `cd fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz run gzip_payload corpus/gzip_payload`
#![no_main]

use cellucid_format::gzip;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let decoded = gzip::decode_member(data, 1 << 20);
    if let Some(declared) = gzip::declared_size(data) {
        let exact = gzip::decode_member_exact(data, (declared as usize).min(1 << 20));
        if let (Ok(a), Ok(b)) = (&decoded, &exact) {
            assert_eq!(a, b);
        }
    }
    if let Ok(bytes) = decoded {
        let again = gzip::decode_member(&gzip::encode_member(&bytes, 6), bytes.len());
        assert_eq!(again.ok(), Some(bytes));
    }
});
