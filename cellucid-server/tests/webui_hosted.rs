//! The hosted viewer build (server.md §7) against a local stand-in source started inside the
//! test: download, verification, serving, cache reuse on the next start, and clear errors.

#[path = "support/client.rs"]
mod client;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use axum::extract::{Request, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use cellucid_server::{ExportedRoot, Server, WebSourceError, WebUi};
use client::{call, get, golden_dir, TestServer};
use sha2::Digest;

/// One published file: status, content type, body.
type Published = (u16, String, Vec<u8>);

/// What the stand-in publishes (by path), and what was asked.
#[derive(Default)]
struct Site {
    files: Mutex<HashMap<String, Published>>,
    hits: Mutex<HashMap<String, usize>>,
}

impl Site {
    fn publish(&self, path: &str, content_type: &str, body: &[u8]) {
        self.files.lock().expect("lock").insert(
            path.to_string(),
            (200, content_type.to_string(), body.to_vec()),
        );
    }

    fn hits(&self, path: &str) -> usize {
        self.hits
            .lock()
            .expect("lock")
            .get(path)
            .copied()
            .unwrap_or(0)
    }
}

async fn serve_site(State(site): State<Arc<Site>>, request: Request) -> Response {
    let path = request.uri().path().to_string();
    *site
        .hits
        .lock()
        .expect("lock")
        .entry(path.clone())
        .or_default() += 1;
    match site.files.lock().expect("lock").get(&path) {
        Some((status, content_type, body)) => (
            StatusCode::from_u16(*status).unwrap_or(StatusCode::OK),
            [(header::CONTENT_TYPE, content_type.clone())],
            body.clone(),
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

/// The stand-in source on its own runtime thread.
struct StandIn {
    addr: SocketAddr,
    site: Arc<Site>,
    _runtime: tokio::runtime::Runtime,
}

impl StandIn {
    fn start() -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("runtime");
        let site = Arc::new(Site::default());
        let app = axum::Router::new()
            .fallback(serve_site)
            .with_state(Arc::clone(&site));
        let addr = runtime.block_on(async {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .expect("bind");
            let addr = listener.local_addr().expect("addr");
            tokio::spawn(async move {
                while let Ok((stream, _)) = listener.accept().await {
                    let service = hyper_util::service::TowerToHyperService::new(app.clone());
                    tokio::spawn(
                        hyper::server::conn::http1::Builder::new()
                            .serve_connection(hyper_util::rt::TokioIo::new(stream), service),
                    );
                }
            });
            addr
        });
        Self {
            addr,
            site,
            _runtime: runtime,
        }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.addr.port())
    }

    /// Publishes a build: `index.html` naming `build_id` plus `files`, and the inventory.
    fn publish_build(&self, build_id: &str, files: &[(&str, &str, &[u8])]) -> Vec<u8> {
        let index = format!(
            "<!doctype html><html><head><meta name=\"cellucid-web-build-id\" content=\"{build_id}\"><title>Cellucid</title></head><body><script type=\"module\" src=\"assets/app.js\"></script></body></html>"
        )
        .into_bytes();
        let mut all: Vec<(&str, &str, Vec<u8>)> =
            vec![("index.html", "text/html; charset=utf-8", index.clone())];
        all.extend(files.iter().map(|(p, t, b)| (*p, *t, b.to_vec())));
        let assets: Vec<serde_json::Value> = all
            .iter()
            .map(|(path, content_type, body)| {
                serde_json::json!({
                    "path": path,
                    "sha256": hex(&sha2::Sha256::digest(body)),
                    "bytes": body.len(),
                    "content_type": content_type,
                })
            })
            .collect();
        for (path, content_type, body) in &all {
            self.site.publish(&format!("/{path}"), content_type, body);
        }
        let inventory = serde_json::json!({"version": 1, "build_id": build_id, "assets": assets});
        self.site.publish(
            "/cellucid-web-assets.json",
            "application/json; charset=utf-8",
            &serde_json::to_vec(&inventory).expect("json"),
        );
        index
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn find(dir: &Path, name: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if entry.file_name() == name {
                out.push(path);
            }
        }
    }
    out
}

fn serve(web_ui: WebUi) -> TestServer {
    let root = ExportedRoot::open(&golden_dir().join("edge-raw/export")).expect("export");
    TestServer::start(Server::builder().exported(root).web_ui(web_ui))
}

const APP_JS: &[u8] = b"console.log('cellucid');\n";

#[test]
fn hosted_build_is_downloaded_verified_served_and_reused() {
    let source = StandIn::start();
    let index = source.publish_build(
        "b1",
        &[("assets/app.js", "text/javascript; charset=utf-8", APP_JS)],
    );
    let cache = tempfile::tempdir().expect("tempdir");

    let first = WebUi::download(&source.url(), cache.path()).expect("download");
    assert!(!first.reused_cache());
    assert_eq!(source.site.hits("/assets/app.js"), 1);
    assert_eq!(find(cache.path(), ".cellucid-web-source.json").len(), 1);
    let server = serve(first);

    for target in ["/", "/index.html", "/?source=remote"] {
        let r = get(server.addr, target, &[]);
        assert_eq!(r.status, 200, "{target}");
        assert_eq!(r.header("content-type"), Some("text/html; charset=utf-8"));
        assert_eq!(r.body, index, "{target}");
    }
    let head = call(server.addr, "HEAD", "/index.html", &[], b"");
    assert_eq!(head.status, 200);
    assert_eq!(
        head.header("content-length"),
        Some(index.len().to_string().as_str())
    );
    let js = get(server.addr, "/assets/app.js", &[]);
    assert_eq!(
        (js.status, js.header("content-type")),
        (200, Some("text/javascript; charset=utf-8"))
    );
    assert_eq!(js.body, APP_JS);
    for undeclared in ["/assets/missing.js", "/assets", "/cellucid-web-assets.json"] {
        let r = get(server.addr, undeclared, &[]);
        assert_eq!(
            (r.status, r.text().as_str()),
            (404, "Web asset is not declared by the active build"),
            "{undeclared}"
        );
    }
    let health = get(server.addr, "/_cellucid/health", &[]);
    assert_eq!(health.header("content-type"), Some("application/json"));

    // Second start: only the inventory is fetched again.
    let second = WebUi::download(&source.url(), cache.path()).expect("second download");
    assert!(second.reused_cache());
    assert_eq!(source.site.hits("/cellucid-web-assets.json"), 2);
    assert_eq!(source.site.hits("/assets/app.js"), 1);
    assert_eq!(source.site.hits("/index.html"), 1);

    // A cached file that changes is refused when served, and downloaded again on the next start.
    let cached = find(cache.path(), "app.js");
    assert_eq!(cached.len(), 1);
    std::fs::write(&cached[0], b"tampered").expect("tamper");
    assert_eq!(get(server.addr, "/assets/app.js", &[]).status, 500);
    let third = WebUi::download(&source.url(), cache.path()).expect("third download");
    assert!(!third.reused_cache());
    assert_eq!(source.site.hits("/assets/app.js"), 2);
    // Nothing serves b1 any more (every handle on it holds its in-use lock).
    drop((server, second, third));

    // A new build at the source replaces the cached one.
    source.publish_build(
        "b2",
        &[("assets/app.js", "text/javascript; charset=utf-8", b"v2();")],
    );
    let fourth = WebUi::download(&source.url(), cache.path()).expect("new build");
    assert!(!fourth.reused_cache());
    assert!(fourth.describe().contains("b2"));
    let server = serve(fourth);
    assert_eq!(get(server.addr, "/assets/app.js", &[]).body, b"v2();");
    assert_eq!(find(cache.path(), ".cellucid-web-source.json").len(), 1);

    // A newer build published while a server still serves b2: b2 stays (its lock is held) and
    // that server goes on serving it; once nobody serves it, the next new build removes it.
    source.publish_build(
        "b3",
        &[("assets/app.js", "text/javascript; charset=utf-8", b"v3();")],
    );
    let fifth = WebUi::download(&source.url(), cache.path()).expect("b3");
    assert!(fifth.describe().contains("b3"));
    assert_eq!(find(cache.path(), ".cellucid-web-source.json").len(), 2);
    assert_eq!(get(server.addr, "/assets/app.js", &[]).body, b"v2();");
    drop(server);
    drop(fifth);
    source.publish_build(
        "b4",
        &[("assets/app.js", "text/javascript; charset=utf-8", b"v4();")],
    );
    let sixth = WebUi::download(&source.url(), cache.path()).expect("b4");
    assert!(sixth.describe().contains("b4"));
    assert_eq!(find(cache.path(), ".cellucid-web-source.json").len(), 1);
}

fn download_error(url: &str, cache: &Path) -> (WebSourceError, String) {
    let error = WebUi::download(url, cache).expect_err("download must fail");
    let text = error.to_string();
    (error, text)
}

#[test]
fn download_failures_are_clear_and_leave_no_build() {
    let cache = tempfile::tempdir().expect("tempdir");

    // Nobody listening.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = closed.local_addr().expect("addr").port();
    drop(closed);
    let url = format!("http://127.0.0.1:{port}");
    let (error, text) = download_error(&url, cache.path());
    assert!(matches!(error, WebSourceError::Fetch { .. }), "{text}");
    assert!(
        text.contains(&format!("{url}/cellucid-web-assets.json")),
        "{text}"
    );
    assert!(text.contains("--no-web-ui"), "{text}");

    // Plain http to another host, and no inventory at all.
    let (error, text) = download_error("http://example.org", cache.path());
    assert!(matches!(error, WebSourceError::SourceUrl { .. }), "{text}");
    let source = StandIn::start();
    let (error, text) = download_error(&source.url(), cache.path());
    assert!(
        matches!(error, WebSourceError::Status { status: 404, .. }),
        "{text}"
    );

    // An asset that does not match its inventory entry.
    source.publish_build(
        "b1",
        &[("assets/app.js", "text/javascript; charset=utf-8", APP_JS)],
    );
    source.site.publish(
        "/assets/app.js",
        "text/javascript",
        b"console.log('other');\n",
    );
    let (error, text) = download_error(&source.url(), cache.path());
    assert!(
        matches!(&error, WebSourceError::Asset { path, .. } if path == "assets/app.js"),
        "{text}"
    );

    // index.html that does not name the build.
    source.publish_build("b1", &[]);
    let inventory = source.site.files.lock().expect("lock")["/cellucid-web-assets.json"]
        .2
        .clone();
    let fixed_inventory = String::from_utf8(inventory)
        .expect("utf8")
        .replace("\"b1\"", "\"b9\"");
    source.site.publish(
        "/cellucid-web-assets.json",
        "application/json; charset=utf-8",
        fixed_inventory.as_bytes(),
    );
    let (_, text) = download_error(&source.url(), cache.path());
    assert!(text.contains("cellucid-web-build-id"), "{text}");

    // An inventory not served as JSON.
    source.publish_build("b1", &[]);
    let inventory = source.site.files.lock().expect("lock")["/cellucid-web-assets.json"]
        .2
        .clone();
    source
        .site
        .publish("/cellucid-web-assets.json", "text/plain", &inventory);
    let (error, text) = download_error(&source.url(), cache.path());
    assert!(matches!(error, WebSourceError::Inventory { .. }), "{text}");

    // Nothing half-made was left behind.
    assert!(find(cache.path(), ".cellucid-web-source.json").is_empty());
    let leftovers: Vec<_> = std::fs::read_dir(cache.path())
        .expect("cache")
        .flatten()
        .map(|e| e.file_name())
        .filter(|n| n.to_string_lossy().starts_with(".staging"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}
