//! Request limits over raw TCP (tokio `TcpStream`): bodies of refused requests are drained
//! before the answer so a client still sending reads the status rather than a reset
//! (server.md §6.1), and slow clients and slow handlers are cut off by the time limits.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use cellucid_server::{
    CatalogEntry, PayloadError, PayloadKind, RunningServer, Server, SourceFormat, SourceSummary,
    Timeouts, VirtualDataset, VirtualFile,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// A one-gene virtual dataset whose gene takes `delay` to compute.
struct SlowDataset {
    delay: Duration,
}

impl VirtualDataset for SlowDataset {
    fn catalog_entry(&self) -> CatalogEntry {
        CatalogEntry {
            id: "slow".into(),
            path: "/".into(),
            name: "Slow".into(),
            state_sha256: None,
        }
    }

    fn summary(&self) -> SourceSummary {
        SourceSummary {
            format: SourceFormat::InMemory,
            is_backed: false,
            n_cells: 2,
            n_genes: 1,
        }
    }

    fn documents(&self) -> Vec<(String, Bytes)> {
        vec![("dataset_identity.json".into(), Bytes::from_static(b"{}"))]
    }

    fn payloads(&self) -> Vec<VirtualFile> {
        vec![VirtualFile {
            path: "var/0.values.f32".into(),
            kind: PayloadKind::Gene { index: 0 },
            len: 8,
        }]
    }

    fn payload(&self, _file: &VirtualFile) -> Result<Bytes, PayloadError> {
        std::thread::sleep(self.delay);
        Ok(Bytes::from(vec![0u8; 8]))
    }
}

async fn start(timeouts: Timeouts, delay: Duration) -> RunningServer {
    Server::builder()
        .host("127.0.0.1")
        .port(0)
        .timeouts(timeouts)
        .virtual_dataset(Arc::new(SlowDataset { delay }))
        .bind()
        .await
        .expect("bind")
        .spawn()
}

fn short_timeouts() -> Timeouts {
    Timeouts {
        header: Duration::from_millis(400),
        body: Duration::from_millis(400),
        drain: Duration::from_millis(400),
        handler: Duration::from_millis(400),
    }
}

/// A raw response: status, lower-cased headers, body (read to the end of the connection).
struct Raw {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Raw {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Reads one response and then to the end of the connection; fails on a reset.
async fn read_to_close(stream: &mut TcpStream) -> std::io::Result<Raw> {
    let mut all = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut all))
        .await
        .map_err(|_| std::io::Error::other("the server did not close the connection"))??;
    parse_response(&all)
}

/// Splits a raw HTTP/1.1 response into status, lower-cased headers and body.
fn parse_response(all: &[u8]) -> std::io::Result<Raw> {
    let end = all
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| std::io::Error::other("no complete response head"))?;
    let head = String::from_utf8_lossy(&all[..end]).into_owned();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    Ok(Raw {
        status,
        headers,
        body: all[end + 4..].to_vec(),
    })
}

/// Sends `head` and then `body` in 64 KiB writes from a separate task, reads the answer, and
/// returns it with whether every body byte could be written.
async fn send_big(addr: SocketAddr, head: String, body_len: usize) -> (Raw, bool) {
    let stream = TcpStream::connect(addr).await.expect("connect");
    let (mut reader, mut writer) = stream.into_split();
    let writing = tokio::spawn(async move {
        writer.write_all(head.as_bytes()).await?;
        let chunk = vec![b'x'; 64 * 1024];
        let mut left = body_len;
        while left > 0 {
            let n = left.min(chunk.len());
            writer.write_all(&chunk[..n]).await?;
            left -= n;
        }
        writer.flush().await?;
        // Keep the write half open until the server closes.
        tokio::time::sleep(Duration::from_millis(200)).await;
        std::io::Result::Ok(())
    });
    let mut all = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(10), reader.read_to_end(&mut all)).await;
    let wrote_all = writing.await.map(|r| r.is_ok()).unwrap_or(false);
    let read_ok = matches!(read, Ok(Ok(_)));
    assert!(read_ok, "reading the answer failed: {read:?}");
    let reply = parse_response(&all).expect("a complete response");
    (reply, wrote_all)
}

/// Asserts a refusal's status and exact text body.
fn assert_refusal(reply: &Raw, status: u16, body: &str) {
    assert_eq!(reply.status, status);
    assert_eq!(String::from_utf8_lossy(&reply.body), body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_event_body_is_drained_then_refused() {
    let server = start(Timeouts::default(), Duration::ZERO).await;
    let addr = server.addr();
    let len = 3 * 1024 * 1024;
    let head = format!(
        "POST /_cellucid/events HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Type: application/json\r\nContent-Length: {len}\r\n\r\n",
        addr.port()
    );
    let (reply, wrote_all) = send_big(addr, head, len).await;
    assert_refusal(&reply, 413, "Request body exceeds the 1048576-byte limit");
    assert_eq!(reply.header("connection"), Some("close"));
    assert!(wrote_all, "the client could not send its whole body: the server reset the connection instead of draining it");
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_host_and_unknown_post_bodies_are_drained() {
    let server = start(Timeouts::default(), Duration::ZERO).await;
    let addr = server.addr();
    let len = 2 * 1024 * 1024;
    let foreign = format!(
        "POST /_cellucid/events HTTP/1.1\r\nHost: evil.example:{}\r\nContent-Type: application/json\r\nContent-Length: {len}\r\n\r\n",
        addr.port()
    );
    let (reply, wrote_all) = send_big(addr, foreign, len).await;
    assert_refusal(&reply, 421, "Host header does not name this server");
    assert!(wrote_all, "421: body not drained");
    let elsewhere = format!(
        "POST /var/0.values.f32 HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Length: {len}\r\n\r\n",
        addr.port()
    );
    let (reply, wrote_all) = send_big(addr, elsewhere, len).await;
    assert_refusal(
        &reply,
        404,
        "POST not supported for path: /var/0.values.f32",
    );
    assert_eq!(reply.header("connection"), Some("close"));
    assert!(wrote_all, "404: body not drained");
    let put = format!(
        "PUT /x HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Length: {len}\r\n\r\n",
        addr.port()
    );
    let (reply, wrote_all) = send_big(addr, put, len).await;
    assert_eq!(reply.status, 501);
    assert!(wrote_all, "501: body not drained");
    server.shutdown().await;
}

/// Sends `request` (a head and an incomplete body) on a new connection and reads the answer
/// until the server closes; returns it with the time from the write to the close.
async fn send_stalled(addr: SocketAddr, request: String) -> (Raw, Duration) {
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    let started = Instant::now();
    stream.write_all(request.as_bytes()).await.expect("write");
    let reply = read_to_close(&mut stream)
        .await
        .expect("an answer, then close");
    (reply, started.elapsed())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_event_body_gets_408_and_the_connection_closes() {
    let server = start(short_timeouts(), Duration::ZERO).await;
    let head = format!(
        "POST /_cellucid/events HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"viewerId\"",
        server.addr().port()
    );
    let (reply, waited) = send_stalled(server.addr(), head).await;
    assert_eq!(reply.status, 408);
    assert!(String::from_utf8_lossy(&reply.body).starts_with("Request body did not arrive within"));
    assert_eq!(reply.header("connection"), Some("close"));
    assert!(waited < Duration::from_secs(5));
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stalled_body_of_a_refusal_is_drained_for_a_bounded_time() {
    let server = start(short_timeouts(), Duration::ZERO).await;
    let head = format!(
        "POST /elsewhere HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Length: 100000\r\n\r\nonly a few bytes",
        server.addr().port()
    );
    let (reply, waited) = send_stalled(server.addr(), head).await;
    assert_eq!(reply.status, 404);
    assert!(
        waited >= Duration::from_millis(300),
        "answered after {waited:?}: the body was not drained"
    );
    assert!(
        waited < Duration::from_secs(5),
        "drain not bounded: {waited:?}"
    );
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_request_head_and_idle_connections_are_closed() {
    let server = start(short_timeouts(), Duration::ZERO).await;
    for partial in ["GET /_cellucid/health HTTP/1.1\r\nHost: 127", ""] {
        let mut stream = TcpStream::connect(server.addr()).await.expect("connect");
        stream.write_all(partial.as_bytes()).await.expect("write");
        let started = Instant::now();
        let mut rest = Vec::new();
        let read =
            tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut rest)).await;
        assert!(read.is_ok(), "{partial:?}: connection still open after 5 s");
        assert!(started.elapsed() < Duration::from_secs(5));
    }
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_handler_gets_503_and_keep_alive_still_works_before_it() {
    let server = start(short_timeouts(), Duration::from_secs(2)).await;
    let mut stream = TcpStream::connect(server.addr()).await.expect("connect");
    let port = server.addr().port();
    // A quick request on the keep-alive connection first.
    stream
        .write_all(
            format!("GET /_cellucid/health HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n").as_bytes(),
        )
        .await
        .expect("write");
    let mut buf = vec![0u8; 4096];
    let n = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut buf))
        .await
        .expect("health in time")
        .expect("read");
    assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200"));
    let started = Instant::now();
    stream
        .write_all(
            format!("GET /var/0.values.f32 HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n").as_bytes(),
        )
        .await
        .expect("write");
    let reply = read_to_close(&mut stream)
        .await
        .expect("an answer, then close");
    assert_eq!(reply.status, 503);
    assert_eq!(reply.header("connection"), Some("close"));
    assert!(started.elapsed() < Duration::from_millis(1900));
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fully_read_refused_event_keeps_the_connection_alive() {
    let server = start(Timeouts::default(), Duration::ZERO).await;
    let port = server.addr().port();
    let mut stream = TcpStream::connect(server.addr()).await.expect("connect");
    let body = "[1, 2]";
    let request = format!(
        "POST /_cellucid/events HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}GET /_cellucid/health HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.expect("write");
    let mut all = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut all))
        .await
        .expect("answers in time")
        .expect("read");
    let text = String::from_utf8_lossy(&all);
    assert!(text.starts_with("HTTP/1.1 400"), "{text}");
    assert!(text.contains("Event body must be a JSON object"), "{text}");
    assert_eq!(
        text.matches("HTTP/1.1 ").count(),
        2,
        "the second request on the connection was not answered: {text}"
    );
    assert!(text.contains("HTTP/1.1 200"), "{text}");
    server.shutdown().await;
}
