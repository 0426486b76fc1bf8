//! The local viewer build and the `/` answer without one.

use axum::body::Body;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;
use crate::state::AppState;
use crate::webui::is_asset_namespace;
use sha2::Digest;

/// Web-UI routes for `path` (leading `/`): `Some` when the web UI answers it.
pub(super) async fn serve(state: &AppState, path: &str) -> Option<Response> {
    let web = state.inner.web_ui.as_ref()?;
    match web.lookup(path) {
        Some(asset) => {
            // Read and re-verify off the async workers: hashing a multi-MB bundle on every
            // hit would stall them.
            let (file, expected) = (asset.file.clone(), asset.expected);
            let read = tokio::task::spawn_blocking(move || {
                std::fs::read(file).map(|bytes| {
                    let ok = intact(expected, &bytes);
                    (bytes, ok)
                })
            })
            .await;
            Some(match read {
                Ok(Ok((bytes, true))) => {
                    let mut response = Response::new(Body::from(bytes));
                    response
                        .headers_mut()
                        .insert(header::CONTENT_TYPE, asset.content_type);
                    response
                }
                Ok(Ok(_)) => {
                    tracing::error!(file = %asset.file.display(), "a cached web asset no longer matches its inventory entry; restart the server to download the build again");
                    ApiError::Internal.into_response()
                }
                _ => {
                    tracing::error!(file = %asset.file.display(), "a web asset could not be read");
                    ApiError::Internal.into_response()
                }
            })
        }
        None if is_asset_namespace(path) => Some(ApiError::WebAssetNotDeclared.into_response()),
        None => None,
    }
}

/// Whether a hosted asset still has its inventory length and SHA-256 (server.md §7 re-verifies
/// every hit); local files are served as they are.
fn intact(expected: Option<(u64, [u8; 32])>, bytes: &[u8]) -> bool {
    expected.is_none_or(|(len, sha)| {
        bytes.len() as u64 == len && <[u8; 32]>::from(sha2::Sha256::digest(bytes)) == sha
    })
}

/// The 503 for `/` and `/index.html` without a web UI. Browsers (`Accept: text/html`) get a page
/// explaining how to open the data in the hosted viewer; other clients the exact text of §7.
pub(super) fn unavailable(state: &AppState, headers: &HeaderMap) -> Response {
    let wants_html = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/html"));
    if !wants_html {
        return ApiError::ViewerUiUnavailable.into_response();
    }
    let port = state.inner.port;
    let page = format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Cellucid viewer UI unavailable</title></head>\n<body>\n<h1>Cellucid viewer UI unavailable</h1>\n<p>This Cellucid data server serves data only. Open it in the viewer:</p>\n<p><a href=\"https://www.cellucid.com/?remote=http://127.0.0.1:{port}\">https://www.cellucid.com/?remote=http://127.0.0.1:{port}</a></p>\n<p>or start the server with <code>--web-ui DIR</code> pointing at a viewer build.</p>\n</body></html>\n"
    );
    let mut response = (StatusCode::SERVICE_UNAVAILABLE, page).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    response
}
