//! Request bodies: reading a hook body within a time limit, and draining the body of a refused
//! request (server.md §6.1) so that a client still sending sees the answer instead of a
//! connection reset; the connection is closed afterwards.

use std::pin::Pin;
use std::time::Duration;

use axum::body::Body;
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::Response;
use bytes::{Bytes, BytesMut};
use hyper::body::Body as _;

/// Largest declared body that is drained (server.md §6.1); larger ones are not read at all.
pub(crate) const DRAIN_MAX_BYTES: u64 = 536_870_912;

/// The time limits of one connection and its requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// A client must send a request's head (request line and headers) within this time; an
    /// idle keep-alive connection is closed after it too. Default 30 s.
    pub header: Duration,
    /// A hook body (`POST /_cellucid/…`) must arrive within this time, or the request gets
    /// `408` and the connection is closed. Default 30 s.
    pub body: Duration,
    /// The unread body of a refused request is drained for at most this long before the
    /// answer (server.md §6.1: 5 s). Default 5 s.
    pub drain: Duration,
    /// A request's handler must produce its answer within this time, or the request gets
    /// `503` and the connection is closed (the work it started may still finish and be
    /// cached). Default 120 s.
    pub handler: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Self {
            header: Duration::from_secs(30),
            body: Duration::from_secs(30),
            drain: Duration::from_secs(5),
            handler: Duration::from_secs(120),
        }
    }
}

/// The declared length of a body that may be drained: exactly one canonical `Content-Length`
/// of at most [`DRAIN_MAX_BYTES`], no `Transfer-Encoding`, and no `Expect: 100-continue` (that
/// client has not sent its body and will not, once it reads the refusal).
pub(crate) fn drainable_length(headers: &HeaderMap) -> Option<u64> {
    if headers.contains_key(header::TRANSFER_ENCODING) || headers.contains_key(header::EXPECT) {
        return None;
    }
    let mut lengths = headers.get_all(header::CONTENT_LENGTH).iter();
    let (Some(only), None) = (lengths.next(), lengths.next()) else {
        return None;
    };
    let text = only.as_bytes();
    let canonical = !text.is_empty()
        && text.len() <= 19
        && text.iter().all(u8::is_ascii_digit)
        && (text == b"0" || text[0] != b'0');
    let value: u64 = std::str::from_utf8(text).ok()?.parse().ok()?;
    (canonical && value <= DRAIN_MAX_BYTES).then_some(value)
}

/// Reads and discards `body` until it ends or `timeout` passes; returns whether it ended.
pub(crate) async fn drain(mut body: Body, timeout: Duration) -> bool {
    let discard = async {
        loop {
            match std::future::poll_fn(|cx| Pin::new(&mut body).poll_frame(cx)).await {
                Some(Ok(_)) => {}
                Some(Err(_)) => return false,
                None => return true,
            }
        }
    };
    tokio::time::timeout(timeout, discard)
        .await
        .unwrap_or(false)
}

/// Drains the unread body of a refused request when it is validly framed (see
/// [`drainable_length`]), then marks the answer to close the connection.
pub(crate) async fn drain_then_close(
    headers: &HeaderMap,
    body: Body,
    timeout: Duration,
    response: &mut Response,
) {
    if drainable_length(headers).is_some_and(|n| n > 0) {
        let drained = drain(body, timeout).await;
        if !drained {
            tracing::debug!("a refused request body did not end within the drain time");
        }
    }
    close(response);
}

/// Asks hyper to close the connection after this answer.
pub(crate) fn close(response: &mut Response) {
    response
        .headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
}

/// Why a declared body could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BodyError {
    /// The client ended the body before `Content-Length` bytes.
    Short,
    /// The body did not arrive within the time limit.
    TimedOut,
}

/// Reads exactly `declared` bytes of `body` within `timeout`.
pub(crate) async fn read_exact(
    mut body: Body,
    declared: u64,
    timeout: Duration,
) -> Result<Bytes, BodyError> {
    let capacity = usize::try_from(declared.min(1 << 20)).unwrap_or(1 << 20);
    let read = async {
        let mut out = BytesMut::with_capacity(capacity);
        while let Some(Ok(frame)) =
            std::future::poll_fn(|cx| Pin::new(&mut body).poll_frame(cx)).await
        {
            if let Ok(data) = frame.into_data() {
                if out.len() as u64 + data.len() as u64 > declared {
                    return Err(BodyError::Short);
                }
                out.extend_from_slice(&data);
            }
        }
        if out.len() as u64 == declared {
            Ok(out.freeze())
        } else {
            Err(BodyError::Short)
        }
    };
    tokio::time::timeout(timeout, read)
        .await
        .unwrap_or(Err(BodyError::TimedOut))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (name, value) in pairs {
            h.append(*name, HeaderValue::from_static(value));
        }
        h
    }

    #[test]
    fn only_validly_framed_bodies_are_drained() {
        assert_eq!(
            drainable_length(&headers(&[("content-length", "10")])),
            Some(10)
        );
        assert_eq!(
            drainable_length(&headers(&[("content-length", "536870912")])),
            Some(536_870_912)
        );
        for bad in [
            headers(&[]),
            headers(&[("content-length", "536870913")]),
            headers(&[("content-length", "010")]),
            headers(&[("content-length", "1"), ("content-length", "1")]),
            headers(&[("content-length", "5"), ("transfer-encoding", "chunked")]),
            headers(&[("content-length", "5"), ("expect", "100-continue")]),
        ] {
            assert_eq!(drainable_length(&bad), None, "{bad:?}");
        }
    }
}
