//! Anndata-mode GET/HEAD (server.md §4.3, §4.7, §4.8).

use axum::body::Body;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use super::{cellucid, etag_matches, json_response, webui};
use crate::anndata::{encode, AnnDataState};
use crate::error::ApiError;
use crate::state::{AppState, Mode};
use crate::transport::encoding::{negotiate, Coding};
use crate::transport::target::Target;
use crate::virtual_dataset::{diagnosis_json, PayloadError, VirtualFile};

/// Answers a GET or HEAD in anndata mode, in the route order of §4.3.
pub(super) async fn get(
    state: &AppState,
    ann: &AnnDataState,
    target: &Target,
    headers: &HeaderMap,
    head: bool,
) -> Result<Response, ApiError> {
    let decoded = target.decoded_path();
    let slash_path = format!("/{decoded}");
    if let Some(response) = webui::serve(state, &slash_path).await {
        return Ok(response);
    }
    if state.inner.web_ui.is_none() && (decoded.is_empty() || decoded == "index.html") {
        return Ok(webui::unavailable(state, headers));
    }
    if decoded == "_cellucid/datasets" {
        return Ok(json_response(state.inner.bodies.datasets.clone()));
    }
    if let Some(body) = ann.documents.get(&decoded) {
        return Ok(json_response(body.clone()));
    }
    if let Some(name) = decoded.strip_prefix("_cellucid/") {
        if let Some(response) = cellucid::endpoint(state, name) {
            return Ok(response);
        }
    }
    if decoded == "connectivity_manifest.json" {
        return Err(ApiError::NoConnectivity);
    }
    let Some(file) = ann.table.get(&decoded) else {
        return Err(ApiError::NotFound(decoded));
    };
    if head {
        let mut response = Response::new(Body::empty());
        let h = response.headers_mut();
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/octet-stream"),
        );
        h.insert(header::CONTENT_LENGTH, HeaderValue::from(file.len));
        return Ok(response);
    }
    let coding = negotiate(
        headers
            .get_all(header::ACCEPT_ENCODING)
            .iter()
            .map(HeaderValue::as_bytes),
    );
    let etag = ann.etag(&file.path, coding);
    let mut response = if etag_matches(headers, &etag) {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        let body = payload_body(state, file, coding).await?;
        let mut response = Response::new(Body::from(body));
        let h = response.headers_mut();
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/octet-stream"),
        );
        if let Some(token) = coding.token() {
            h.insert(header::CONTENT_ENCODING, HeaderValue::from_static(token));
        }
        response
    };
    let h = response.headers_mut();
    h.append(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    if let Ok(value) = HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, value);
    }
    Ok(response)
}

/// The encoded body of a payload, from the cache or computed on a blocking thread. Only the
/// form that was asked for is kept, so the cache budget holds what clients actually fetch.
async fn payload_body(
    state: &AppState,
    file: &VirtualFile,
    coding: Coding,
) -> Result<bytes::Bytes, ApiError> {
    let Mode::AnnData(ann) = &state.inner.mode else {
        return Err(ApiError::Internal);
    };
    if let Some(body) = ann.cached(&file.path, coding) {
        return Ok(body);
    }
    let owner = state.clone();
    let file = file.clone();
    tokio::task::spawn_blocking(move || {
        let Mode::AnnData(ann) = &owner.inner.mode else {
            return Err(ApiError::Internal);
        };
        let body = match coding {
            Coding::Identity => compute(ann, &file)?,
            // A member made straight from a sparse gene beats deflating its dense bytes.
            Coding::Gzip => match compute_with_gzip(ann, &file)? {
                (_, Some(member)) => member,
                (identity, None) => encode(&identity, coding),
            },
            Coding::Zstd => encode(&compute(ann, &file)?, coding),
        };
        ann.keep(&file.path, coding, body.clone());
        Ok(body)
    })
    .await
    .map_err(|_| ApiError::Internal)?
}

fn payload_error(file: &VirtualFile, error: PayloadError) -> ApiError {
    match error {
        PayloadError::NotFinite(diagnosis) => ApiError::NonFinite(diagnosis_json(&diagnosis)),
        error => {
            tracing::error!(path = %file.path, error = %error, source = ?std::error::Error::source(&error), "virtual payload failed");
            ApiError::Internal
        }
    }
}

fn check_length(file: &VirtualFile, identity: &bytes::Bytes) -> Result<(), ApiError> {
    if identity.len() as u64 == file.len {
        Ok(())
    } else {
        tracing::error!(path = %file.path, expected = file.len, got = identity.len(), "virtual payload has the wrong length");
        Err(ApiError::Internal)
    }
}

fn compute_with_gzip(
    ann: &AnnDataState,
    file: &VirtualFile,
) -> Result<(bytes::Bytes, Option<bytes::Bytes>), ApiError> {
    let (identity, member) = ann
        .dataset
        .payload_with_gzip(file)
        .map_err(|e| payload_error(file, e))?;
    check_length(file, &identity)?;
    Ok((identity, member))
}

fn compute(ann: &AnnDataState, file: &VirtualFile) -> Result<bytes::Bytes, ApiError> {
    let identity = ann
        .dataset
        .payload(file)
        .map_err(|e| payload_error(file, e))?;
    check_length(file, &identity)?;
    Ok(identity)
}
