//! POST hook endpoints (server.md §6): `/_cellucid/events` and `/_cellucid/session_bundle`,
//! with the framing checks of §6.1 in their order.

use axum::body::Body;
use axum::extract::Request;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use serde_json::{Map, Value};

use super::json_response;
use crate::error::ApiError;
use crate::state::AppState;
use crate::transport::body::{close, drain_then_close, read_exact, BodyError};
use crate::transport::target::Target;
use crate::viewers::{DeliveryError, ViewerEvent};

/// Largest events body.
const EVENTS_MAX: u64 = 1_048_576;

fn refuse(status: StatusCode, message: impl Into<String>) -> ApiError {
    ApiError::Hook {
        status,
        message: message.into(),
    }
}

/// Routes a POST. A body the route did not read (a refusal before the body, or a route that
/// never reads one) is drained for at most the drain time and the connection is then closed
/// (server.md §6.1).
pub(super) async fn post(state: &AppState, target: &Target, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let mut body = RequestBody::Unread(body);
    let result = if !target.absolute && target.path == "/_cellucid/events" && target.query.is_none()
    {
        events(state, &parts.headers, &mut body).await
    } else if !target.absolute && target.path == "/_cellucid/session_bundle" {
        session_bundle(target)
    } else {
        Err(ApiError::PostNotSupported(target.raw.clone()))
    };
    let mut response = result.unwrap_or_else(IntoResponse::into_response);
    match body {
        RequestBody::Unread(unread) => {
            drain_then_close(
                &parts.headers,
                unread,
                state.inner.timeouts.drain,
                &mut response,
            )
            .await;
        }
        // The connection is left mid-body (or the client stalled): do not reuse it.
        RequestBody::Broken => close(&mut response),
        RequestBody::Read => {}
    }
    response
}

/// The framing checks of §6.1 up to the length; returns the declared length.
fn framing(headers: &HeaderMap, content_type: &str, max: u64) -> Result<u64, ApiError> {
    let types: Vec<_> = headers.get_all(header::CONTENT_TYPE).iter().collect();
    if types.len() != 1 || types[0].as_bytes() != content_type.as_bytes() {
        return Err(refuse(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            format!("Content-Type must be exactly {content_type}"),
        ));
    }
    if headers.contains_key(header::TRANSFER_ENCODING) {
        return Err(refuse(
            StatusCode::BAD_REQUEST,
            "Transfer-Encoding is not supported",
        ));
    }
    let lengths: Vec<_> = headers.get_all(header::CONTENT_LENGTH).iter().collect();
    let length = match lengths.as_slice() {
        [] => {
            return Err(refuse(
                StatusCode::LENGTH_REQUIRED,
                "Missing Content-Length",
            ))
        }
        [one] => one.as_bytes(),
        _ => {
            return Err(refuse(
                StatusCode::BAD_REQUEST,
                "Content-Length must appear exactly once",
            ))
        }
    };
    let canonical = !length.is_empty()
        && length.iter().all(u8::is_ascii_digit)
        && (length == b"0" || length[0] != b'0')
        && length.len() <= 19;
    if !canonical {
        return Err(refuse(
            StatusCode::BAD_REQUEST,
            "Content-Length must be a canonical decimal integer",
        ));
    }
    let value: u64 = std::str::from_utf8(length)
        .ok()
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| {
            refuse(
                StatusCode::BAD_REQUEST,
                "Content-Length must be a canonical decimal integer",
            )
        })?;
    if value == 0 {
        return Err(refuse(
            StatusCode::LENGTH_REQUIRED,
            "Content-Length must be greater than zero",
        ));
    }
    if value > max {
        return Err(refuse(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("Request body exceeds the {max}-byte limit"),
        ));
    }
    Ok(value)
}

/// A POST body as the route left it.
enum RequestBody {
    /// Not read: drained before the answer, then the connection is closed.
    Unread(Body),
    /// Read completely.
    Read,
    /// Reading failed part-way (short or too slow): the connection is closed.
    Broken,
}

/// Reads the declared body within the body time limit.
async fn read_body(
    state: &AppState,
    body: &mut RequestBody,
    declared: u64,
) -> Result<Bytes, ApiError> {
    let RequestBody::Unread(unread) = std::mem::replace(body, RequestBody::Broken) else {
        return Err(ApiError::Internal);
    };
    let limit = state.inner.timeouts.body;
    let read = read_exact(unread, declared, limit).await;
    if read.is_ok() {
        *body = RequestBody::Read;
    }
    read.map_err(|error| match error {
        BodyError::Short => refuse(
            StatusCode::BAD_REQUEST,
            "Request body is shorter than Content-Length",
        ),
        BodyError::TimedOut => refuse(
            StatusCode::REQUEST_TIMEOUT,
            format!(
                "Request body did not arrive within {} s",
                limit.as_secs_f64()
            ),
        ),
    })
}

fn is_token(value: Option<&Value>) -> Option<&str> {
    value
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty() && !s.chars().any(char::is_whitespace))
}

async fn events(
    state: &AppState,
    headers: &HeaderMap,
    unread: &mut RequestBody,
) -> Result<Response, ApiError> {
    let declared = framing(headers, "application/json", EVENTS_MAX)?;
    let body = read_body(state, unread, declared).await?;
    let value: Value = std::str::from_utf8(&body)
        .ok()
        .and_then(|text| serde_json::from_str(text).ok())
        .ok_or_else(|| {
            refuse(
                StatusCode::BAD_REQUEST,
                "Event body must be valid UTF-8 JSON",
            )
        })?;
    let Value::Object(mut object) = value else {
        return Err(refuse(
            StatusCode::BAD_REQUEST,
            "Event body must be a JSON object",
        ));
    };
    let viewer_id = is_token(object.get("viewerId"))
        .ok_or_else(|| {
            refuse(
                StatusCode::BAD_REQUEST,
                "viewerId must be a non-empty string without whitespace",
            )
        })?
        .to_string();
    let event_type = is_token(object.get("type"))
        .ok_or_else(|| {
            refuse(
                StatusCode::BAD_REQUEST,
                "type must be a non-empty string without whitespace",
            )
        })?
        .to_string();
    let token = match object.remove("viewerToken") {
        Some(Value::String(token)) => token,
        _ => String::new(),
    };
    let event = ViewerEvent {
        viewer_id: viewer_id.clone(),
        event_type,
        body: object,
    };
    let viewers = state.inner.viewers.clone();
    let delivered = tokio::task::spawn_blocking(move || viewers.deliver(&viewer_id, &token, event))
        .await
        .map_err(|_| ApiError::Internal)?;
    match delivered {
        Ok(()) => Ok(json_response(Bytes::from_static(
            br#"{"status": "ok", "delivered": true}"#,
        ))),
        Err(DeliveryError::NotRegistered) => {
            Err(refuse(StatusCode::NOT_FOUND, "Viewer is not registered"))
        }
        Err(DeliveryError::BadToken) => {
            Err(refuse(StatusCode::FORBIDDEN, "Invalid viewer credentials"))
        }
        Err(DeliveryError::CallbackFailed) => Err(refuse(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Viewer callback failed",
        )),
    }
}

/// Session-bundle uploads: the query checks of §6.4 step 1, then the standalone answer of §6.5
/// (this server offers no API that creates pending bundle requests).
fn session_bundle(target: &Target) -> Result<Response, ApiError> {
    let mut fields: Map<String, Value> = Map::new();
    if let Some(query) = target.query.as_deref().filter(|q| !q.is_empty()) {
        for pair in query.split('&') {
            let Some((name, value)) = pair.split_once('=') else {
                return Err(refuse(
                    StatusCode::BAD_REQUEST,
                    "Session upload query is malformed",
                ));
            };
            let name = percent_encoding::percent_decode_str(name)
                .decode_utf8_lossy()
                .into_owned();
            let value = percent_encoding::percent_decode_str(&value.replace('+', " "))
                .decode_utf8_lossy()
                .into_owned();
            if !matches!(name.as_str(), "viewerId" | "viewerToken" | "requestId")
                || fields.contains_key(&name)
            {
                return Err(refuse(
                    StatusCode::BAD_REQUEST,
                    "Session upload query must contain each declared field exactly once",
                ));
            }
            fields.insert(name, Value::String(value));
        }
    }
    if is_token(fields.get("viewerId")).is_none() || is_token(fields.get("requestId")).is_none() {
        return Err(refuse(
            StatusCode::BAD_REQUEST,
            "viewerId and requestId must be non-empty strings without whitespace",
        ));
    }
    Err(refuse(
        StatusCode::NOT_FOUND,
        "No pending session bundle request",
    ))
}
