//! Anndata mode over real loopback HTTP on the golden inputs (server.md §4, §5.4).

#[path = "support/client.rs"]
mod client;

use std::path::{Path, PathBuf};

use cellucid_server::{open_anndata, AnnDataOptions, Server};
use client::{call, get, golden_dir, gunzip, Conn, TestServer};
use serde_json::Value;

fn options(case: &str) -> AnnDataOptions {
    let call: Value = serde_json::from_slice(
        &std::fs::read(golden_dir().join(case).join("call.json")).expect("call.json"),
    )
    .expect("json");
    let vector_fields = call["vector_fields"]
        .as_array()
        .is_some_and(|v| !v.is_empty());
    AnnDataOptions {
        dataset_id: call["dataset_id"].as_str().expect("id").to_string(),
        dataset_name: call["dataset_name"].as_str().expect("name").to_string(),
        obs_keys: None,
        latent_key: call["latent_key"].as_str().map(str::to_string),
        connectivity: call["connectivities_key"].is_string(),
        vector_fields,
        vector_field_default: call["vector_field_default"].as_str().map(str::to_string),
        var_quantization: None,
    }
}

fn start(case: &str, options: &AnnDataOptions) -> TestServer {
    let dataset =
        open_anndata(&golden_dir().join(case).join("input.h5ad"), options).expect("input opens");
    TestServer::start(Server::builder().virtual_dataset(dataset))
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("read_dir").flatten() {
            if entry.file_type().expect("type").is_dir() {
                stack.push(entry.path());
            } else {
                out.push(entry.path());
            }
        }
    }
    out.sort();
    out
}

fn json(bytes: &[u8]) -> Value {
    serde_json::from_slice(bytes).expect("valid JSON")
}

/// Widens u8 codes (255 missing) to u16 (65535 missing), as the viewer does.
fn widen_u8(bytes: &[u8]) -> Vec<u16> {
    bytes
        .iter()
        .map(|&b| if b == 255 { 65535 } else { u16::from(b) })
        .collect()
}

fn u16s(bytes: &[u8]) -> Vec<u16> {
    bytes
        .chunks_exact(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .collect()
}

fn check_raw_case(case: &str) {
    let export = golden_dir().join(case).join("export");
    let opts = options(case);
    let server = start(case, &opts);
    let mut conn = Conn::open(server.addr);

    // JSON documents (server.md §5.2).
    for doc in ["var_manifest.json", "connectivity_manifest.json"] {
        let reply = conn.request("GET", &format!("/{doc}"), &[], b"");
        assert_eq!(reply.status, 200, "{doc}");
        assert_eq!(reply.header("content-type"), Some("application/json"));
        assert_eq!(reply.header("cache-control"), Some("no-cache"));
        assert_eq!(
            reply.text(),
            std::fs::read_to_string(export.join(doc)).expect("golden doc"),
            "{case} {doc}"
        );
    }
    let obs = conn.request("GET", "/obs_manifest.json", &[], b"");
    let golden_obs = std::fs::read_to_string(export.join("obs_manifest.json"))
        .expect("golden obs")
        .replace("\"latent_space\"", "\"X_pca\"");
    if case == "pbmc68k-raw" {
        assert_eq!(
            obs.text(),
            golden_obs,
            "obs_manifest.json is byte-identical modulo latent_key"
        );
    } else {
        let mut expected = json(golden_obs.as_bytes());
        for field in expected["_categoricalFields"]
            .as_array_mut()
            .expect("fields")
        {
            let n_categories = field[2].as_array().expect("categories").len();
            if n_categories <= 255 {
                field[3] = Value::from("uint8");
                field[4] = Value::from(255);
            }
        }
        assert_eq!(json(&obs.body), expected, "{case} obs_manifest.json");
    }
    let identity = json(&conn.request("GET", "/dataset_identity.json", &[], b"").body);
    let golden_identity =
        json(&std::fs::read(export.join("dataset_identity.json")).expect("identity"));
    for key in [
        "version",
        "id",
        "name",
        "stats",
        "embeddings",
        "obs_fields",
        "vector_fields",
    ] {
        assert_eq!(
            identity.get(key),
            golden_identity.get(key),
            "{case} identity {key}"
        );
    }
    assert_eq!(identity["description"], "Loaded directly from AnnData");
    assert_eq!(identity["cellucid_data_version"], "anndata_adapter");
    assert_eq!(identity["source"], serde_json::json!({"name": "H5AD file"}));
    assert!(identity.get("export_settings").is_none());

    // Every payload equals the golden payload.
    let mut compared = 0;
    for file in files_under(&export) {
        let rel = file
            .strip_prefix(&export)
            .expect("rel")
            .to_string_lossy()
            .into_owned();
        if rel.ends_with(".json") {
            continue;
        }
        let golden = std::fs::read(&file).expect("golden payload");
        if let Some(stem) = rel.strip_suffix(".codes.u16") {
            let u16_reply = conn.request("GET", &format!("/{stem}.codes.u16"), &[], b"");
            if u16_reply.status == 200 {
                assert_eq!(u16_reply.body, golden, "{case} {rel}");
            } else {
                let reply = conn.request("GET", &format!("/{stem}.codes.u8"), &[], b"");
                assert_eq!(reply.status, 200, "{case} {stem}.codes.u8");
                assert_eq!(widen_u8(&reply.body), u16s(&golden), "{case} {rel}");
            }
        } else {
            let reply = conn.request("GET", &format!("/{rel}"), &[], b"");
            assert_eq!(reply.status, 200, "{case} /{rel}");
            assert_eq!(reply.header("content-encoding"), None);
            assert_eq!(reply.header("vary"), Some("Accept-Encoding"));
            assert_eq!(reply.body, golden, "{case} /{rel}");
        }
        compared += 1;
    }
    assert!(compared > 100, "{case}: only {compared} payloads compared");

    // gzip bodies inflate to the identity bodies; HEAD reports the uncompressed length.
    for path in [
        "/var/0.values.f32",
        "/points_2d.bin",
        "/obs/0.outliers.f32",
        "/connectivity/edges.weights.f64.bin",
    ] {
        let plain = conn.request("GET", path, &[], b"");
        let gz = conn.request(
            "GET",
            path,
            &[("Accept-Encoding", "gzip, deflate, br")],
            b"",
        );
        assert_eq!(gz.header("content-encoding"), Some("gzip"), "{path}");
        assert_eq!(gz.header("vary"), Some("Accept-Encoding"));
        assert_eq!(gunzip(&gz.body), plain.body, "{path}");
        let zst = conn.request("GET", path, &[("Accept-Encoding", "zstd")], b"");
        assert_eq!(zst.header("content-encoding"), Some("zstd"), "{path}");
        assert_eq!(
            zstd::decode_all(zst.body.as_slice()).expect("zstd"),
            plain.body
        );
        let head = conn.request("HEAD", path, &[("Accept-Encoding", "gzip")], b"");
        assert_eq!(head.status, 200);
        assert_eq!(
            head.header("content-length"),
            Some(plain.body.len().to_string().as_str())
        );
        assert_eq!(head.header("content-encoding"), None);
        assert_eq!(head.header("vary"), None);
        let etag = plain.header("etag").expect("etag");
        assert_eq!(
            conn.request("GET", path, &[("If-None-Match", etag)], b"")
                .status,
            304
        );
    }
}

#[test]
fn pbmc68k_raw_payloads_and_documents_match_the_golden() {
    check_raw_case("pbmc68k-raw");
}

#[test]
fn edge_raw_payloads_and_documents_match_the_golden() {
    check_raw_case("edge-raw");
}

#[test]
fn anndata_routes_statuses_and_texts() {
    let mut opts = options("pbmc68k-raw");
    opts.dataset_name = "pbmc68k-raw (golden)".into();
    let server = start("pbmc68k-raw", &opts);
    let v = cellucid_server::SERVER_VERSION;
    let health = get(server.addr, "/_cellucid/health", &[]);
    assert_eq!(
        health.text(),
        format!(
            r#"{{"status": "ok", "type": "anndata", "version": "{v}", "format": "h5ad", "is_backed": true, "n_cells": 700, "n_genes": 765}}"#
        )
    );
    assert_eq!(health.header("content-type"), Some("application/json"));
    assert_eq!(health.header("cache-control"), Some("no-cache"));
    let info = get(server.addr, "/_cellucid/info", &[]);
    assert_eq!(
        info.text(),
        format!(
            r#"{{"version": "{v}", "type": "anndata", "format": "h5ad", "host": "127.0.0.1", "port": {}, "n_cells": 700, "n_genes": 765, "is_backed": true}}"#,
            server.addr.port()
        )
    );
    assert_eq!(
        get(server.addr, "/_cellucid/datasets", &[]).text(),
        r#"{"datasets": [{"id": "pbmc68k-raw", "path": "/", "name": "pbmc68k-raw (golden)"}]}"#
    );
    for (target, body) in [
        ("/var/765.values.f32", "Not found: var/765.values.f32"),
        ("/var/00.values.f32", "Not found: var/00.values.f32"),
        ("/var/HES4.values.f32", "Not found: var/HES4.values.f32"),
        ("/var/0.values.f32.gz", "Not found: var/0.values.f32.gz"),
        ("/obs/8.values.f32", "Not found: obs/8.values.f32"),
        ("/points_1d.bin", "Not found: points_1d.bin"),
        ("/points_2d.bin.gz", "Not found: points_2d.bin.gz"),
        ("/embeddings/0_2d.bin", "Not found: embeddings/0_2d.bin"),
        (
            "/pbmc68k-raw/obs_manifest.json",
            "Not found: pbmc68k-raw/obs_manifest.json",
        ),
        ("/obs_manifest.json/", "Not found: obs_manifest.json/"),
        ("/vectors/0_2d.bin", "Not found: vectors/0_2d.bin"),
        ("/_cellucid/events", "Not found: _cellucid/events"),
        (
            "/_cellucid/session_bundle",
            "Not found: _cellucid/session_bundle",
        ),
        ("/%2e%2e/%2e%2e/etc/passwd", "Not found: ../../etc/passwd"),
        ("/../../etc/passwd", "Not found: ../../etc/passwd"),
    ] {
        let r = get(server.addr, target, &[]);
        assert_eq!((r.status, r.text().as_str()), (404, body), "{target}");
        assert_eq!(r.header("content-type"), Some("text/plain"));
    }
    let plain = get(server.addr, "/var/0.values.f32", &[]);
    assert_eq!(plain.body.len(), 2800);
    for tolerated in [
        "/var/0.values.f32?x=1",
        "/var/%30.values.f32",
        "//var/0.values.f32",
        "///var/0.values.f32",
    ] {
        let r = get(server.addr, tolerated, &[]);
        assert_eq!((r.status, &r.body), (200, &plain.body), "{tolerated}");
    }
    let r = get(server.addr, "/var/0.values.f32", &[("Range", "bytes=0-3")]);
    assert_eq!((r.status, r.body.len()), (200, 2800));
    for (ae, compressed) in [
        ("gzip", true),
        ("GZIP", true),
        ("gzip;q=0.5", true),
        ("*", true),
        ("*;q=0, gzip", true),
        ("gzip;q=0", false),
        ("br", false),
        ("x-gzip", false),
        ("identity", false),
        ("gzip;q=1.0001", false),
        ("gzip;level=1", false),
        ("deflate, gzip;q=0, *;q=1", false),
    ] {
        let r = get(server.addr, "/var/0.values.f32", &[("Accept-Encoding", ae)]);
        assert_eq!(r.header("content-encoding").is_some(), compressed, "{ae}");
    }
    assert_eq!(get(server.addr, "/", &[]).status, 503);
    assert_eq!(
        get(server.addr, "/index.html?anndata=true", &[]).text(),
        "Cellucid viewer UI unavailable"
    );
    let r = call(
        server.addr,
        "OPTIONS",
        "/var/0.values.f32",
        &[("Origin", "http://127.0.0.1:5173")],
        b"",
    );
    assert_eq!(
        (r.status, r.header("cache-control")),
        (204, Some("no-cache"))
    );
    assert_eq!(
        r.header("access-control-allow-origin"),
        Some("http://127.0.0.1:5173")
    );
    let r = call(
        server.addr,
        "POST",
        "/_cellucid/events",
        &[("Content-Type", "application/json")],
        br#"{"viewerId":"v","type":"hover"}"#,
    );
    assert_eq!(
        (r.status, r.text().as_str()),
        (404, "Viewer is not registered")
    );
}

#[test]
fn without_flags_no_outliers_no_graph() {
    let opts = AnnDataOptions {
        dataset_id: "p".into(),
        dataset_name: "P".into(),
        ..AnnDataOptions::default()
    };
    let server = start("pbmc68k-raw", &opts);
    let obs = json(&get(server.addr, "/obs_manifest.json", &[]).body);
    assert_eq!(obs["latent_key"], Value::Null);
    assert_eq!(
        obs["_obsSchemas"]["categorical"]["outlierPathPattern"],
        Value::Null
    );
    let r = get(server.addr, "/obs/0.outliers.f32", &[]);
    assert_eq!(
        (r.status, r.text().as_str()),
        (404, "Not found: obs/0.outliers.f32")
    );
    let r = get(server.addr, "/connectivity_manifest.json", &[]);
    assert_eq!((r.status, r.text().as_str()), (404, "No connectivity data"));
    let identity = json(&get(server.addr, "/dataset_identity.json", &[]).body);
    assert_eq!(identity["stats"]["n_edges"], Value::Null);
    assert_eq!(identity["stats"]["has_connectivity"], false);
}

#[test]
fn sixteen_concurrent_clients_on_genes() {
    let server = start("edge-raw", &options("edge-raw"));
    let addr = server.addr;
    let export = golden_dir().join("edge-raw/export");
    let handles: Vec<_> = (0..16)
        .map(|i| {
            let export = export.clone();
            std::thread::spawn(move || {
                let mut conn = Conn::open(addr);
                for j in 0..15 {
                    let g = (i * 7 + j) % 120;
                    let gz = j % 2 == 0;
                    let headers: &[(&str, &str)] = if gz {
                        &[("Accept-Encoding", "gzip")]
                    } else {
                        &[]
                    };
                    let r = conn.request("GET", &format!("/var/{g}.values.f32"), headers, b"");
                    assert_eq!(r.status, 200);
                    let body = if gz { gunzip(&r.body) } else { r.body };
                    assert_eq!(
                        body,
                        std::fs::read(export.join(format!("var/{g}.values.f32"))).expect("golden")
                    );
                    assert_eq!(
                        conn.request("GET", "/_cellucid/health", &[], b"").status,
                        200
                    );
                }
            })
        })
        .collect();
    for h in handles {
        h.join().expect("client ok");
    }
}

#[test]
fn startup_refusals() {
    let input = golden_dir().join("pbmc68k-raw/input.h5ad");
    let refuse = |opts: AnnDataOptions| match open_anndata(&input, &opts) {
        Ok(_) => panic!("should be refused"),
        Err(e) => e.to_string(),
    };
    let base = AnnDataOptions {
        dataset_id: "p".into(),
        dataset_name: "P".into(),
        ..AnnDataOptions::default()
    };
    assert_eq!(
        refuse(AnnDataOptions {
            latent_key: Some("nope".into()),
            ..base.clone()
        }),
        "latent_key 'nope' was not found in adata.obsm"
    );
    assert!(refuse(AnnDataOptions {
        dataset_id: "a b".into(),
        ..base.clone()
    })
    .starts_with("dataset_id 'a b' must be 1-180 ASCII bytes"));
    assert!(refuse(AnnDataOptions {
        dataset_name: " X".into(),
        ..base.clone()
    })
    .starts_with("dataset_name is displayed verbatim"));
    assert!(refuse(AnnDataOptions {
        vector_field_default: Some("v".into()),
        ..base.clone()
    })
    .starts_with("--vector-field-default selects among served vector fields"));
    assert!(refuse(AnnDataOptions {
        obs_keys: Some(vec!["nope".into()]),
        ..base
    })
    .starts_with("obs_keys contain columns not in obs"));
}
