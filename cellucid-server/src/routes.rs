//! Request routing: one dispatcher that applies each mode's route order (server.md §3.4, §4.3),
//! with one module per route group.

mod anndata;
mod cellucid;
mod exported;
mod hooks;
mod webui;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;

use crate::error::ApiError;
use crate::state::{AppState, Mode};
use crate::transport::target::Target;

/// Routes every request that passed the transport guard.
pub(crate) async fn dispatch(State(state): State<AppState>, request: Request) -> Response {
    let Some(target) = request.extensions().get::<Target>().cloned() else {
        return ApiError::Internal.into_response();
    };
    let method = request.method().clone();
    if method == Method::POST {
        return hooks::post(&state, &target, request).await;
    }
    let head = method == Method::HEAD;
    let headers = request.headers().clone();
    let result = match &state.inner.mode {
        Mode::Exported(root) => exported::get(&state, root, &target, &headers, head).await,
        Mode::AnnData(ann) => anndata::get(&state, ann, &target, &headers, head).await,
    };
    let response = result.unwrap_or_else(IntoResponse::into_response);
    tracing::debug!(%method, target = %target.raw, status = response.status().as_u16(), "request");
    response
}

/// A 200 `application/json` answer.
pub(crate) fn json_response(body: Bytes) -> Response {
    let mut response = Response::new(Body::from(body));
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

/// Whether `If-None-Match` lists `etag` (or `*`), comparing weakly.
pub(crate) fn etag_matches(headers: &HeaderMap, etag: &str) -> bool {
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|value| {
            value
                .split(',')
                .map(str::trim)
                .any(|tag| tag == "*" || tag.trim_start_matches("W/") == etag)
        })
}
