//! NaN / ±Inf handling in anndata mode (format.md §26 (a), (f); server.md §4.8).

#[path = "support/client.rs"]
mod client;

use cellucid_server::{open_anndata, AnnDataOptions, Server};
use client::{call, get, TestServer};

fn server() -> TestServer {
    let path = std::path::PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/fixtures/server/nonfinite.h5ad"
    ));
    let opts = AnnDataOptions {
        dataset_id: "nf".into(),
        dataset_name: "Non-finite".into(),
        ..AnnDataOptions::default()
    };
    TestServer::start(
        Server::builder().virtual_dataset(open_anndata(&path, &opts).expect("fixture opens")),
    )
}

fn f32s(bytes: &[u8]) -> Vec<f32> {
    bytes
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect()
}

#[test]
fn infinity_and_all_nan_genes_get_422_nan_is_missing() {
    let s = server();
    let r = get(s.addr, "/var/1.values.f32", &[("Accept-Encoding", "gzip")]);
    assert_eq!(r.status, 422);
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_eq!(r.header("vary"), None);
    let body: serde_json::Value = serde_json::from_slice(&r.body).expect("json");
    assert_eq!(body["error"], "non_finite_continuous_payload");
    assert_eq!(body["kind"], "gene");
    assert_eq!(body["name"], "INF1");
    assert_eq!(body["counts"]["positive_infinity"], 1);
    assert_eq!(body["counts"]["total"], 30);
    assert_eq!(body["examples"], serde_json::json!([6]));
    assert!(body["message"].as_str().is_some_and(|m| m.starts_with(
        "Gene 'INF1' cannot be published: of 30 cells, 1 +Inf. First affected cell: 6."
    )));
    // HEAD never computes: 200 with the uncompressed length.
    let head = call(s.addr, "HEAD", "/var/1.values.f32", &[], b"");
    assert_eq!(
        (head.status, head.header("content-length")),
        (200, Some("120"))
    );
    let all_nan = get(s.addr, "/var/3.values.f32", &[]);
    assert_eq!(all_nan.status, 422);
    // NaN alone is served as missing (canonical quiet NaN).
    let nans = get(s.addr, "/var/2.values.f32", &[]);
    assert_eq!(nans.status, 200);
    assert_eq!(&nans.body[4..8], &[0x00, 0x00, 0xc0, 0x7f]);
    let values = f32s(&nans.body);
    assert!(values[1].is_nan() && values[2].is_nan() && values[0].is_finite());
    assert_eq!(get(s.addr, "/var/0.values.f32", &[]).status, 200);
    // A continuous obs field with a NaN is served, NaN at the missing cell.
    let obs: serde_json::Value =
        serde_json::from_slice(&get(s.addr, "/obs_manifest.json", &[]).body).expect("json");
    let index = obs["_continuousFields"][0][0].as_u64().expect("index");
    let score = get(s.addr, &format!("/obs/{index}.values.f32"), &[]);
    assert_eq!(score.status, 200);
    assert!(f32s(&score.body)[3].is_nan());
}
