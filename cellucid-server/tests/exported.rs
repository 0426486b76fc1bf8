//! Exported mode over real loopback HTTP (server.md §1–3, §6).

#[path = "support/client.rs"]
mod client;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use cellucid_server::{ExportedRoot, Server, ServerError, ViewerRegistry};
use client::{call, get, golden_dir, Conn, TestServer};

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read_dir") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
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

fn serve_dir(dir: &Path) -> TestServer {
    let root = ExportedRoot::open(dir).expect("export opens");
    TestServer::start(Server::builder().exported(root))
}

/// A multi root: `edge_raw/` and `latent/` copied from the golden exports.
fn multi_root() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().expect("tempdir");
    copy_dir(
        &golden_dir().join("edge-raw/export"),
        &tmp.path().join("edge_raw"),
    );
    copy_dir(
        &golden_dir().join("latent-f32/export"),
        &tmp.path().join("latent"),
    );
    tmp
}

#[test]
fn every_golden_export_file_is_served_byte_for_byte() {
    let mut cases: Vec<PathBuf> = std::fs::read_dir(golden_dir())
        .expect("golden dir")
        .flatten()
        .map(|e| e.path())
        .collect();
    cases.sort();
    assert!(cases.len() >= 6, "golden cases missing");
    for case in cases {
        let export = case.join("export");
        let server = serve_dir(&export);
        let mut conn = Conn::open(server.addr);
        let files = files_under(&export);
        assert!(!files.is_empty());
        for file in files {
            let rel = file
                .strip_prefix(&export)
                .expect("relative")
                .to_string_lossy()
                .replace('\\', "/");
            let reply = conn.request(
                "GET",
                &format!("/{rel}"),
                &[("Accept-Encoding", "gzip, deflate, br, zstd")],
                b"",
            );
            assert_eq!(reply.status, 200, "{} /{rel}", case.display());
            assert_eq!(
                reply.body,
                std::fs::read(&file).expect("read"),
                "{} /{rel}",
                case.display()
            );
            assert_eq!(reply.header("content-encoding"), None, "/{rel}");
            let expected_type = if rel.ends_with(".json") {
                "application/json"
            } else {
                "application/octet-stream"
            };
            assert_eq!(reply.header("content-type"), Some(expected_type));
            assert_eq!(reply.header("accept-ranges"), Some("bytes"));
            assert_eq!(reply.header("cache-control"), Some("public, max-age=3600"));
        }
    }
}

#[test]
fn cellucid_endpoints_single_root() {
    let server = serve_dir(&golden_dir().join("pbmc68k-q8-gz6/export"));
    let v = cellucid_server::SERVER_VERSION;
    let health = get(server.addr, "/_cellucid/health", &[]);
    assert_eq!(health.status, 200);
    assert_eq!(health.header("content-type"), Some("application/json"));
    assert_eq!(
        health.text(),
        format!(r#"{{"status": "ok", "type": "exported", "version": "{v}"}}"#)
    );
    let info = get(server.addr, "/_cellucid/info", &[]);
    assert_eq!(
        info.text(),
        format!(
            r#"{{"version": "{v}", "host": "127.0.0.1", "port": {}, "mode": "standalone"}}"#,
            server.addr.port()
        )
    );
    let datasets = get(server.addr, "/_cellucid/datasets", &[]);
    assert_eq!(
        datasets.text(),
        r#"{"datasets": [{"id": "pbmc68k-q8-gz6", "path": "/", "name": "pbmc68k-q8-gz6 (golden)"}]}"#
    );
    let protocol = get(server.addr, "/_cellucid/protocol", &[]);
    assert!(protocol
        .text()
        .starts_with(r#"{"events": ["click", "command_error""#));
    let head = call(server.addr, "HEAD", "/_cellucid/health", &[], b"");
    assert_eq!(head.status, 200);
    assert_eq!(
        head.header("content-length"),
        Some(health.body.len().to_string().as_str())
    );
    assert_eq!(head.header("cache-control"), Some("public, max-age=3600"));
    for other in [
        "/_cellucid/events",
        "/_cellucid/nope",
        "/_cellucid/health?x=1",
    ] {
        let reply = get(server.addr, other, &[]);
        assert_eq!(reply.status, 404, "{other}");
    }
    assert_eq!(
        get(server.addr, "/_cellucid/events", &[]).text(),
        "Prepared artifact is not declared"
    );
    assert_eq!(
        get(server.addr, "/_cellucid/health?x=1", &[]).text(),
        "Request path is not in the active contract"
    );
}

#[test]
fn multi_root_catalog_and_paths() {
    let tmp = multi_root();
    let server = serve_dir(tmp.path());
    let datasets = get(server.addr, "/_cellucid/datasets", &[]);
    assert_eq!(
        datasets.text(),
        r#"{"datasets": [{"id": "edge-raw", "path": "/edge_raw/", "name": "edge-raw (golden)"}, {"id": "latent-f32", "path": "/latent/", "name": "latent-f32 (extra golden)"}]}"#
    );
    assert_eq!(
        get(server.addr, "/edge_raw/dataset_identity.json", &[]).status,
        200
    );
    assert_eq!(
        get(server.addr, "//edge_raw/obs_manifest.json", &[]).status,
        200
    );
    for (target, text) in [
        (
            "/dataset_identity.json",
            "Prepared artifact is not declared",
        ),
        ("/edge_raw", "Prepared artifact is not declared"),
        ("/favicon.ico", "Prepared artifact is not declared"),
        ("/assets/app.js", "Prepared artifact is not declared"),
        (
            "/edge_raw/var/120.values.f32",
            "Prepared artifact is not declared",
        ),
        ("/edge_raw/", "Request path is not in the active contract"),
        (
            "/edge_raw//obs_manifest.json",
            "Request path is not in the active contract",
        ),
        (
            "/edge_raw/./obs_manifest.json",
            "Request path is not in the active contract",
        ),
        (
            "/edge_raw/../edge_raw/obs_manifest.json",
            "Request path is not in the active contract",
        ),
        (
            "/edge_raw/obs_manifest.json?x=1",
            "Request path is not in the active contract",
        ),
        (
            "/edge_raw/obs_manifest.json?",
            "Request path is not in the active contract",
        ),
        (
            "/edge_raw/var/%30.values.f32",
            "Request path is not in the active contract",
        ),
        (
            "/edge_raw/obs_manifest.json;p",
            "Request path is not in the active contract",
        ),
        (
            "/edge_raw\\obs_manifest.json",
            "Request path is not in the active contract",
        ),
        (
            "/%2e%2e/%2e%2e/etc/passwd",
            "Request path is not in the active contract",
        ),
        (
            "/../../etc/passwd",
            "Request path is not in the active contract",
        ),
        (
            "http://127.0.0.1/_cellucid/health",
            "Request path is not in the active contract",
        ),
    ] {
        let reply = get(server.addr, target, &[]);
        assert_eq!(
            (reply.status, reply.text().as_str()),
            (404, text),
            "{target}"
        );
        assert_eq!(reply.header("content-type"), Some("text/plain"), "{target}");
        assert_eq!(reply.header("cache-control"), Some("public, max-age=3600"));
    }
    // A file that exists on disk but is not declared is never served.
    std::fs::write(tmp.path().join("edge_raw/secret.txt"), b"secret").expect("write");
    assert_eq!(get(server.addr, "/edge_raw/secret.txt", &[]).status, 404);
    let index = get(server.addr, "/?source=remote", &[]);
    assert_eq!(
        (index.status, index.text().as_str()),
        (503, "Cellucid viewer UI unavailable")
    );
    assert_eq!(get(server.addr, "/index.html", &[]).status, 503);
    let html = get(server.addr, "/", &[("Accept", "text/html")]);
    assert_eq!(html.status, 503);
    assert!(html.text().contains("?remote=http://127.0.0.1:"));
}

#[test]
fn ranges_etags_and_changed_files() {
    let tmp = multi_root();
    let server = serve_dir(tmp.path());
    let path = "/edge_raw/points_3d.bin";
    let full = std::fs::read(tmp.path().join("edge_raw/points_3d.bin")).expect("read");
    let size = full.len();
    let r = get(server.addr, path, &[("Range", "bytes=0-15")]);
    assert_eq!(r.status, 206);
    assert_eq!(
        r.header("content-range"),
        Some(format!("bytes 0-15/{size}").as_str())
    );
    assert_eq!(r.body, full[..16]);
    let r = get(server.addr, path, &[("Range", "bytes=-4")]);
    assert_eq!(r.status, 206);
    assert_eq!(r.body, full[size - 4..]);
    let r = call(server.addr, "HEAD", path, &[("Range", "bytes=10-")], b"");
    assert_eq!(
        (r.status, r.header("content-length")),
        (206, Some((size - 10).to_string().as_str()))
    );
    for bad in ["bytes=100000000-", "bytes=0-1,4-5", "bytes=-0", "items=0-1"] {
        let r = get(server.addr, path, &[("Range", bad)]);
        assert_eq!(r.status, 416, "{bad}");
        assert_eq!(r.text(), "Requested byte range is not satisfiable");
        assert_eq!(
            r.header("content-range"),
            Some(format!("bytes */{size}").as_str())
        );
        assert_eq!(r.header("content-length"), Some("39"));
    }
    let r = call(
        server.addr,
        "HEAD",
        path,
        &[("Range", "bytes=0-1,4-5")],
        b"",
    );
    assert_eq!(r.status, 416);

    let first = get(server.addr, path, &[]);
    let etag = first.header("etag").expect("etag").to_string();
    let r = get(server.addr, path, &[("If-None-Match", &etag)]);
    assert_eq!(r.status, 304);
    assert!(r.body.is_empty());
    assert_eq!(
        get(server.addr, path, &[("If-None-Match", "\"other\"")]).status,
        200
    );

    // Change a declared file after startup: 409, but Range parsing comes first.
    let changed = tmp.path().join("edge_raw/obs_manifest.json");
    let mut bytes = std::fs::read(&changed).expect("read");
    bytes.push(b'\n');
    std::fs::write(&changed, &bytes).expect("rewrite");
    let r = get(server.addr, "/edge_raw/obs_manifest.json", &[]);
    assert_eq!(
        (r.status, r.text().as_str()),
        (409, "Prepared artifact changed after server validation")
    );
    let r = call(server.addr, "HEAD", "/edge_raw/obs_manifest.json", &[], b"");
    assert_eq!((r.status, r.header("content-length")), (409, Some("49")));
    assert_eq!(
        get(
            server.addr,
            "/edge_raw/obs_manifest.json",
            &[("Range", "bytes=0-1")]
        )
        .status,
        409
    );
    assert_eq!(
        get(
            server.addr,
            "/edge_raw/obs_manifest.json",
            &[("Range", "bytes=99999999-")]
        )
        .status,
        416
    );
    // A file replaced by a symlink is refused too.
    let target = tmp.path().join("edge_raw/var/0.values.f32");
    std::fs::remove_file(&target).expect("rm");
    std::os::unix::fs::symlink("/etc/passwd", &target).expect("symlink");
    assert_eq!(
        get(server.addr, "/edge_raw/var/0.values.f32", &[]).status,
        409
    );
}

#[test]
fn host_admission_cors_options_and_methods() {
    let server = serve_dir(&golden_dir().join("latent-f32/export"));
    let port = server.addr.port();
    let raw = |request: String| {
        let mut conn = Conn::open(server.addr);
        conn.send_raw(request.as_bytes());
        conn.read_reply(false)
    };
    for host in [
        format!("127.0.0.1:{port}"),
        format!("localhost:{port}"),
        format!("[::1]:{port}"),
        format!("127.0.0.2:{port}"),
    ] {
        assert_eq!(
            raw(format!(
                "GET /_cellucid/health HTTP/1.1\r\nHost: {host}\r\n\r\n"
            ))
            .status,
            200,
            "{host}"
        );
    }
    for host in [
        format!("evil.example:{port}"),
        "localhost".into(),
        "localhost:9999".into(),
        format!("127.0.0.1:0{port}"),
    ] {
        let r = raw(format!("GET /_cellucid/health HTTP/1.1\r\nHost: {host}\r\nOrigin: http://localhost:3000\r\n\r\n"));
        assert_eq!(
            (r.status, r.text().as_str()),
            (421, "Host header does not name this server"),
            "{host}"
        );
        assert_eq!(
            r.header("access-control-allow-origin"),
            Some("http://localhost:3000")
        );
        assert_eq!(r.header("content-type"), Some("text/plain"));
    }
    let r = raw(format!("GET /_cellucid/health HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nHost: 127.0.0.1:{port}\r\n\r\n"));
    assert_eq!(r.status, 421);
    let r = raw("GET /_cellucid/health HTTP/1.0\r\n\r\n".into());
    assert_eq!(r.status, 421);
    let r = raw(format!(
        "OPTIONS /_cellucid/health HTTP/1.1\r\nHost: evil:{port}\r\n\r\n"
    ));
    assert_eq!(r.status, 421);

    // CORS.
    for (origin, echoed) in [
        ("http://localhost:3000", true),
        ("https://www.cellucid.com", true),
        ("https://beta.cellucid.com", true),
        ("http://www.cellucid.com", false),
        ("http://[::1]:8000", false),
        ("null", false),
    ] {
        let r = get(server.addr, "/_cellucid/health", &[("Origin", origin)]);
        assert_eq!(
            r.header("access-control-allow-origin"),
            echoed.then_some(origin),
            "{origin}"
        );
        assert_eq!(r.all("vary").contains(&"Origin"), echoed, "{origin}");
        assert_eq!(
            r.header("access-control-allow-methods"),
            Some("GET, HEAD, POST, OPTIONS")
        );
        assert_eq!(
            r.header("access-control-allow-headers"),
            Some("Content-Type, Range")
        );
        assert_eq!(
            r.header("access-control-expose-headers"),
            Some("Content-Encoding, Content-Length, Content-Range")
        );
        assert_eq!(r.header("access-control-allow-credentials"), None);
    }
    let r = call(
        server.addr,
        "OPTIONS",
        "/var/0.values.f32",
        &[
            ("Origin", "http://127.0.0.1:5173"),
            ("Access-Control-Request-Method", "GET"),
        ],
        b"",
    );
    assert_eq!(r.status, 204);
    assert_eq!(r.header("content-length"), None);
    assert_eq!(
        r.header("access-control-allow-origin"),
        Some("http://127.0.0.1:5173")
    );
    assert_eq!(r.header("cache-control"), Some("public, max-age=3600"));

    for method in ["PUT", "DELETE", "PATCH"] {
        let r = call(server.addr, method, "/_cellucid/health", &[], b"");
        assert_eq!(r.status, 501, "{method}");
        assert!(r.header("access-control-allow-methods").is_some());
    }
    let r = call(
        server.addr,
        "POST",
        "/var/0.values.f32",
        &[("Content-Type", "application/json")],
        b"{}",
    );
    assert_eq!(
        (r.status, r.text().as_str()),
        (404, "POST not supported for path: /var/0.values.f32")
    );
    let r = call(server.addr, "POST", "/_cellucid/selection?x=1", &[], b"");
    assert_eq!(
        r.text(),
        "POST not supported for path: /_cellucid/selection?x=1"
    );
}

#[test]
fn hook_framing_and_standalone_answers() {
    let server = serve_dir(&golden_dir().join("latent-f32/export"));
    let ev = |headers: &[(&str, &str)], body: &[u8]| {
        let r = call(server.addr, "POST", "/_cellucid/events", headers, body);
        (r.status, r.text())
    };
    let json = ("Content-Type", "application/json");
    let hover = br#"{"viewerId": "v1", "viewerToken": "t", "type": "hover", "cell": 3}"#;
    assert_eq!(ev(&[json], hover), (404, "Viewer is not registered".into()));
    assert_eq!(
        ev(
            &[("Content-Type", "application/json; charset=utf-8")],
            hover
        ),
        (415, "Content-Type must be exactly application/json".into())
    );
    assert_eq!(
        ev(&[], hover),
        (415, "Content-Type must be exactly application/json".into())
    );
    assert_eq!(ev(&[json], b""), (411, "Missing Content-Length".into()));
    assert_eq!(
        ev(&[json, ("Content-Length", "0")], b""),
        (411, "Content-Length must be greater than zero".into())
    );
    assert_eq!(
        ev(&[json, ("Content-Length", "1048577")], b""),
        (413, "Request body exceeds the 1048576-byte limit".into())
    );
    assert_eq!(
        ev(
            &[json, ("Transfer-Encoding", "chunked")],
            b"2\r\n{}\r\n0\r\n\r\n"
        ),
        (400, "Transfer-Encoding is not supported".into())
    );
    assert_eq!(
        ev(&[json], b"[1,2]"),
        (400, "Event body must be a JSON object".into())
    );
    assert_eq!(
        ev(&[json], b"{x}"),
        (400, "Event body must be valid UTF-8 JSON".into())
    );
    assert_eq!(
        ev(&[json], br#"{"type":"hover"}"#),
        (
            400,
            "viewerId must be a non-empty string without whitespace".into()
        )
    );
    assert_eq!(
        ev(&[json], br#"{"viewerId":"a","type":""}"#),
        (
            400,
            "type must be a non-empty string without whitespace".into()
        )
    );
    let r = call(server.addr, "POST", "/_cellucid/events?x=1", &[json], hover);
    assert_eq!(r.status, 404);
    assert_eq!(
        r.text(),
        "POST not supported for path: /_cellucid/events?x=1"
    );

    let sb = |target: &str| {
        let r = call(
            server.addr,
            "POST",
            target,
            &[("Content-Type", "application/octet-stream")],
            b"CELLUCID_SESSION\nxx",
        );
        (r.status, r.text())
    };
    assert_eq!(
        sb("/_cellucid/session_bundle?viewerId=v&viewerToken=t&requestId=r"),
        (404, "No pending session bundle request".into())
    );
    assert_eq!(
        sb("/_cellucid/session_bundle?viewerId=v&requestId=r&requestId=s"),
        (
            400,
            "Session upload query must contain each declared field exactly once".into()
        )
    );
    assert_eq!(
        sb("/_cellucid/session_bundle?viewerId=v"),
        (
            400,
            "viewerId and requestId must be non-empty strings without whitespace".into()
        )
    );
    assert_eq!(
        sb("/_cellucid/session_bundle?x"),
        (400, "Session upload query is malformed".into())
    );
}

#[test]
fn registered_viewer_receives_events() {
    let viewers = ViewerRegistry::new();
    let mut events = viewers.register_channel("v1", "tok123");
    let root = ExportedRoot::open(&golden_dir().join("latent-f32/export")).expect("open");
    let server = TestServer::start(Server::builder().exported(root).viewers(viewers.clone()));
    let json = ("Content-Type", "application/json");
    let r = call(
        server.addr,
        "POST",
        "/_cellucid/events",
        &[json],
        br#"{"viewerId": "v1", "viewerToken": "tok123", "type": "selection", "cells": [1, 2]}"#,
    );
    assert_eq!(
        (r.status, r.text().as_str()),
        (200, r#"{"status": "ok", "delivered": true}"#)
    );
    assert_eq!(r.header("content-type"), Some("application/json"));
    let event = events.try_recv().expect("event delivered");
    assert_eq!(event.viewer_id, "v1");
    assert_eq!(event.event_type, "selection");
    assert!(!event.body.contains_key("viewerToken"));
    assert_eq!(event.body.get("cells"), Some(&serde_json::json!([1, 2])));
    let r = call(
        server.addr,
        "POST",
        "/_cellucid/events",
        &[json],
        br#"{"viewerId": "v1", "viewerToken": "nope", "type": "hover"}"#,
    );
    assert_eq!(
        (r.status, r.text().as_str()),
        (403, "Invalid viewer credentials")
    );
    drop(events);
    let r = call(
        server.addr,
        "POST",
        "/_cellucid/events",
        &[json],
        br#"{"viewerId": "v1", "viewerToken": "tok123", "type": "hover"}"#,
    );
    assert_eq!(
        (r.status, r.text().as_str()),
        (500, "Viewer callback failed")
    );
    viewers.register("v2", "k", Arc::new(|_| Ok(())));
    let r = call(
        server.addr,
        "POST",
        "/_cellucid/events",
        &[json],
        br#"{"viewerId": "v2", "viewerToken": "k", "type": "ping"}"#,
    );
    assert_eq!(r.status, 200);
}

#[test]
fn http10_keepalive_malformed_and_oversized_requests() {
    let server = serve_dir(&golden_dir().join("latent-f32/export"));
    let port = server.addr.port();
    // HTTP/1.0 client: answered, then closed.
    let mut conn = Conn::open(server.addr);
    conn.send_raw(
        format!("GET /_cellucid/health HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\n\r\n").as_bytes(),
    );
    let r = conn.read_reply(false);
    assert_eq!(r.status, 200);
    assert!(r.text().contains("\"exported\""));
    assert!(conn.closed());
    // HTTP/1.1 keep-alive: many requests on one connection.
    let mut conn = Conn::open(server.addr);
    for _ in 0..20 {
        assert_eq!(
            conn.request("GET", "/obs_manifest.json", &[], b"").status,
            200
        );
    }
    // Malformed request line.
    let mut conn = Conn::open(server.addr);
    conn.send_raw(b"GARBAGE\r\n\r\n");
    assert_eq!(conn.read_reply(false).status, 400);
    // More than 100 headers.
    let mut request = format!("GET /_cellucid/health HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n");
    for i in 0..120 {
        request.push_str(&format!("X-H{i}: v\r\n"));
    }
    request.push_str("\r\n");
    let mut conn = Conn::open(server.addr);
    conn.send_raw(request.as_bytes());
    assert_eq!(conn.read_reply(false).status, 431);
    // A request line beyond the head limit.
    let mut conn = Conn::open(server.addr);
    let long = format!(
        "GET /{} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n",
        "a".repeat(200_000)
    );
    let _ = std::io::Write::write_all(
        &mut std::net::TcpStream::connect(server.addr).expect("connect"),
        long.as_bytes(),
    );
    conn.send_raw(
        format!(
            "GET /{} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n",
            "a".repeat(70_000)
        )
        .as_bytes(),
    );
    let status = conn.read_reply(false).status;
    assert!(status == 414 || status == 431 || status == 400, "{status}");
    // The server still answers afterwards.
    assert_eq!(get(server.addr, "/_cellucid/health", &[]).status, 200);
}

#[test]
fn sixteen_concurrent_keepalive_clients() {
    let server = serve_dir(&golden_dir().join("pbmc68k-q8-gz6/export"));
    let addr = server.addr;
    let expected: Vec<u8> =
        std::fs::read(golden_dir().join("pbmc68k-q8-gz6/export/points_3d.bin.gz")).expect("read");
    let handles: Vec<_> = (0..16)
        .map(|i| {
            let expected = expected.clone();
            std::thread::spawn(move || {
                let mut conn = Conn::open(addr);
                for j in 0..25 {
                    let r = conn.request(
                        "GET",
                        &format!("/var/{}.values.u8.gz", (i * 25 + j) % 765),
                        &[],
                        b"",
                    );
                    assert_eq!(r.status, 200);
                    let r = conn.request("GET", "/points_3d.bin.gz", &[], b"");
                    assert_eq!(r.body, expected);
                    assert_eq!(
                        conn.request("GET", "/_cellucid/health", &[], b"").status,
                        200
                    );
                }
            })
        })
        .collect();
    for handle in handles {
        handle.join().expect("client thread succeeded");
    }
}

#[test]
fn web_ui_directory() {
    let web = tempfile::tempdir().expect("tempdir");
    std::fs::write(web.path().join("index.html"), b"<html>viewer</html>").expect("write");
    std::fs::create_dir(web.path().join("assets")).expect("mkdir");
    std::fs::write(web.path().join("assets/app.js"), b"console.log(1)").expect("write");
    let root = ExportedRoot::open(&golden_dir().join("latent-f32/export")).expect("open");
    let server = TestServer::start(Server::builder().exported(root).web_ui_dir(web.path()));
    let r = get(server.addr, "/", &[]);
    assert_eq!((r.status, r.text().as_str()), (200, "<html>viewer</html>"));
    assert_eq!(r.header("content-type"), Some("text/html; charset=utf-8"));
    assert_eq!(get(server.addr, "/?source=remote", &[]).status, 200);
    let r = get(server.addr, "/assets/app.js", &[]);
    assert_eq!(
        (r.status, r.header("content-type")),
        (200, Some("text/javascript; charset=utf-8"))
    );
    for missing in ["/assets/missing.js", "/assets", "/cellucid-web-assets.json"] {
        let r = get(server.addr, missing, &[]);
        assert_eq!(
            (r.status, r.text().as_str()),
            (404, "Web asset is not declared by the active build"),
            "{missing}"
        );
    }
    // The health probe is never answered by the web UI.
    assert_eq!(
        get(server.addr, "/_cellucid/health", &[]).header("content-type"),
        Some("application/json")
    );
}

#[test]
fn discovery_failures_and_published_state() {
    let err = |dir: &Path| match ExportedRoot::open(dir) {
        Ok(_) => panic!("{} should be refused", dir.display()),
        Err(e) => e.to_string(),
    };
    let tmp = multi_root();
    std::fs::create_dir(tmp.path().join("notes")).expect("mkdir");
    assert_eq!(
        err(tmp.path()),
        "'notes' is not a complete exported dataset."
    );
    std::fs::remove_dir(tmp.path().join("notes")).expect("rmdir");
    std::fs::create_dir(tmp.path().join(".ipynb_checkpoints")).expect("mkdir");
    assert!(err(tmp.path())
        .starts_with("Dataset directory '.ipynb_checkpoints' must be 1-180 ASCII bytes"));
    std::fs::remove_dir(tmp.path().join(".ipynb_checkpoints")).expect("rmdir");

    let empty = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(empty.path().join("r3/nested")).expect("mkdir");
    assert!(matches!(
        ExportedRoot::open(empty.path()),
        Err(ServerError::UnknownFormat { .. })
    ));
    assert!(matches!(
        ExportedRoot::open(&empty.path().join("missing")),
        Err(ServerError::PathNotFound { .. })
    ));

    // Published default state.
    let a = tmp.path().join("edge_raw");
    std::fs::write(
        a.join("state-snapshots.json"),
        b"{\n \"states\": [\"default.cellucid-session\"]\n}",
    )
    .expect("write");
    assert_eq!(err(tmp.path()), "Published sample state needs both state-snapshots.json and default.cellucid-session, or neither.");
    std::fs::write(
        a.join("default.cellucid-session"),
        b"CELLUCID_SESSION\nbundle",
    )
    .expect("write");
    let root = ExportedRoot::open(tmp.path()).expect("state accepted");
    let sha = root.catalog()[0].state_sha256.clone().expect("sha");
    assert_eq!(sha.len(), 64);
    let server = TestServer::start(Server::builder().exported(root));
    let datasets = get(server.addr, "/_cellucid/datasets", &[]).text();
    assert!(datasets.contains(&format!(r#""path": "/edge_raw/", "name": "edge-raw (golden)", "state_manifest": "state-snapshots.json", "state_sha256": "{sha}"}}"#)), "{datasets}");
    assert_eq!(
        get(server.addr, "/edge_raw/default.cellucid-session", &[]).body,
        b"CELLUCID_SESSION\nbundle"
    );
    drop(server);
    std::fs::write(
        a.join("state-snapshots.json"),
        b"{\"states\": [\"default.cellucid-session\"]}",
    )
    .expect("write");
    assert_eq!(
        err(tmp.path()),
        "Published sample state state-snapshots.json must be exactly 43 bytes."
    );
}
