//! Exported-mode GET/HEAD (server.md §3.4–3.5).

use axum::body::Body;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use super::{cellucid, etag_matches, webui};
use crate::error::ApiError;
use crate::exported::{ExportedRoot, ReadFailure};
use crate::state::AppState;
use crate::transport::range::parse_range;
use crate::transport::target::Target;

/// Answers a GET or HEAD in exported mode, in the route order of §3.4.
pub(super) async fn get(
    state: &AppState,
    root: &ExportedRoot,
    target: &Target,
    headers: &HeaderMap,
    head: bool,
) -> Result<Response, ApiError> {
    let path = target.canonical_path().ok_or(ApiError::NotInContract)?;
    if let Some(name) = path.strip_prefix("/_cellucid/") {
        return cellucid::endpoint(state, name).ok_or(ApiError::NotDeclared);
    }
    if let Some(response) = webui::serve(state, path).await {
        return Ok(response);
    }
    if state.inner.web_ui.is_none() && (path == "/" || path == "/index.html") {
        return Ok(webui::unavailable(state, headers));
    }
    let artifact = root
        .artifact(&path[1..])
        .ok_or(ApiError::NotDeclared)?
        .clone();
    let size = artifact.stamp.size;
    let range = parse_range(
        headers
            .get_all(header::RANGE)
            .iter()
            .map(HeaderValue::as_bytes),
        size,
    )
    .map_err(|()| ApiError::RangeNotSatisfiable { size })?;
    let etag = artifact.stamp.etag();
    let not_modified = range.is_none() && etag_matches(headers, &etag);

    let (status, body, len) = if head || not_modified {
        let check = artifact.clone();
        let unchanged = tokio::task::spawn_blocking(move || check.check_unchanged())
            .await
            .map_err(|_| ApiError::Internal)?;
        unchanged.map_err(|_| ApiError::ArtifactChanged)?;
        let len = range.map_or(size, |r| r.end - r.start + 1);
        (
            if range.is_some() {
                StatusCode::PARTIAL_CONTENT
            } else {
                StatusCode::OK
            },
            Body::empty(),
            len,
        )
    } else {
        let reader = artifact.clone();
        let read = tokio::task::spawn_blocking(move || reader.read(range))
            .await
            .map_err(|_| ApiError::Internal)?;
        let bytes = read.map_err(|failure| match failure {
            ReadFailure::Changed => ApiError::ArtifactChanged,
            ReadFailure::Io(error) => {
                tracing::error!(path = %artifact.path.display(), %error, "reading a declared export file failed");
                ApiError::Internal
            }
        })?;
        let len = bytes.len() as u64;
        (
            if range.is_some() {
                StatusCode::PARTIAL_CONTENT
            } else {
                StatusCode::OK
            },
            Body::from(bytes),
            len,
        )
    };

    let mut response = if not_modified {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        let mut r = Response::new(body);
        *r.status_mut() = status;
        r
    };
    let h = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, value);
    }
    if not_modified {
        return Ok(response);
    }
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(artifact.content_type),
    );
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(len));
    h.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    if let Some(r) = range {
        if let Ok(value) = HeaderValue::from_str(&format!("bytes {}-{}/{size}", r.start, r.end)) {
            h.insert(header::CONTENT_RANGE, value);
        }
    }
    Ok(response)
}
