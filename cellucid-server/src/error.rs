//! Errors: [`ApiError`] (an HTTP refusal with the exact status and text of server.md) and
//! [`ServerError`] (a startup failure, shown to the operator).

use std::path::PathBuf;

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;

/// A refusal sent to an HTTP client. Each variant carries the status and body text that
/// server.md §1.8 assigns to it; the transport layer adds the CORS/Cache-Control block.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ApiError {
    /// 404 in exported mode for a target that is not byte-canonical (server.md §3.3).
    NotInContract,
    /// 404 in exported mode for a canonical target that no manifest declares (§3.4 row 7).
    NotDeclared,
    /// 404 in anndata mode: `Not found: <decoded path>` (§4.3 row 8).
    NotFound(String),
    /// 404 in anndata mode for the connectivity manifest when no graph is served.
    NoConnectivity,
    /// 404 for a web-asset-looking path the local viewer build does not contain (§7).
    WebAssetNotDeclared,
    /// 503 for `/` or `/index.html` without a web UI (§7).
    ViewerUiUnavailable,
    /// 404 for a POST to a path that is not a hook endpoint (§1.6).
    PostNotSupported(String),
    /// 409: a declared export file changed after startup (§3.5).
    ArtifactChanged,
    /// 416 with `Content-Range: bytes */<size>` (§3.5).
    RangeNotSatisfiable {
        /// Size of the whole artifact in bytes.
        size: u64,
    },
    /// 421: the `Host` header does not name this server (§1.2).
    MisdirectedHost,
    /// 501 for any method other than GET, HEAD, POST and OPTIONS (§1.6).
    UnsupportedMethod(String),
    /// A hook refusal (§6): status and exact message.
    Hook {
        /// HTTP status.
        status: StatusCode,
        /// Body text (text/plain).
        message: String,
    },
    /// 422: a gene or continuous field cannot be published; body is the JSON diagnosis (§4.8).
    NonFinite(Bytes),
    /// 500 `Internal server error`; the cause has been logged.
    Internal,
    /// 503: the request's handler did not answer within the handler time limit.
    TimedOut,
}

impl ApiError {
    /// The HTTP status of this refusal.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::NotInContract
            | Self::NotDeclared
            | Self::NotFound(_)
            | Self::NoConnectivity
            | Self::WebAssetNotDeclared
            | Self::PostNotSupported(_) => StatusCode::NOT_FOUND,
            Self::ViewerUiUnavailable | Self::TimedOut => StatusCode::SERVICE_UNAVAILABLE,
            Self::ArtifactChanged => StatusCode::CONFLICT,
            Self::RangeNotSatisfiable { .. } => StatusCode::RANGE_NOT_SATISFIABLE,
            Self::MisdirectedHost => StatusCode::MISDIRECTED_REQUEST,
            Self::UnsupportedMethod(_) => StatusCode::NOT_IMPLEMENTED,
            Self::Hook { status, .. } => *status,
            Self::NonFinite(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The body text of a `text/plain` refusal (None for the JSON 422 and the HTML 501).
    pub fn message(&self) -> Option<String> {
        Some(match self {
            Self::NotInContract => "Request path is not in the active contract".into(),
            Self::NotDeclared => "Prepared artifact is not declared".into(),
            Self::NotFound(path) => format!("Not found: {path}"),
            Self::NoConnectivity => "No connectivity data".into(),
            Self::WebAssetNotDeclared => "Web asset is not declared by the active build".into(),
            Self::ViewerUiUnavailable => "Cellucid viewer UI unavailable".into(),
            Self::PostNotSupported(target) => format!("POST not supported for path: {target}"),
            Self::ArtifactChanged => "Prepared artifact changed after server validation".into(),
            Self::RangeNotSatisfiable { .. } => "Requested byte range is not satisfiable".into(),
            Self::MisdirectedHost => "Host header does not name this server".into(),
            Self::Hook { message, .. } => message.clone(),
            Self::Internal => "Internal server error".into(),
            Self::TimedOut => "The server could not answer in time; try again".into(),
            Self::UnsupportedMethod(_) | Self::NonFinite(_) => return None,
        })
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let (content_type, body): (&'static str, Bytes) = match &self {
            Self::NonFinite(json) => ("application/json", json.clone()),
            Self::UnsupportedMethod(method) => (
                "text/html;charset=utf-8",
                Bytes::from(unsupported_method_page(method)),
            ),
            other => (
                "text/plain",
                Bytes::from(other.message().unwrap_or_default()),
            ),
        };
        let mut response = (status, body).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
        match &self {
            Self::RangeNotSatisfiable { size } => {
                if let Ok(value) = HeaderValue::from_str(&format!("bytes */{size}")) {
                    headers.insert(header::CONTENT_RANGE, value);
                }
                headers.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
            }
            Self::UnsupportedMethod(_) | Self::MisdirectedHost => {
                headers.insert(header::CONNECTION, HeaderValue::from_static("close"));
            }
            _ => {}
        }
        response
    }
}

/// The stdlib-style HTML page for an unsupported method (body text is free, §1.6).
fn unsupported_method_page(method: &str) -> String {
    let method: String = method
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect();
    format!(
        "<!DOCTYPE HTML>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>Error response</title>\n</head>\n<body>\n<h1>Error response</h1>\n<p>Error code: 501</p>\n<p>Message: Unsupported method ('{method}').</p>\n</body>\n</html>\n"
    )
}

/// A startup failure: the server could not be built or bound. The message names the file or
/// setting at fault and the fix; the CLI prints it after `Error: `.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServerError {
    /// The served path does not exist.
    #[error("Path not found: {}", path.display())]
    PathNotFound {
        /// The path given by the caller.
        path: PathBuf,
    },
    /// The served path holds no dataset the server can detect.
    #[error("Unable to detect format for: {}. Expected an exact .h5ad file, complete Zarr store, or complete prepared Cellucid generation.", path.display())]
    UnknownFormat {
        /// The path given by the caller.
        path: PathBuf,
    },
    /// An export folder (or a folder of exports) breaks a discovery or inventory rule of
    /// server.md §3.1–3.2.
    #[error("{message}")]
    InvalidExport {
        /// The full message: which directory or file, which rule, and how to fix it.
        message: String,
    },
    /// A file could not be read while building the server.
    #[error("Could not read {}: {source}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The operating-system error.
        #[source]
        source: std::io::Error,
    },
    /// An `--allowed-host` entry is not a host name or IP literal (server.md §1.2).
    #[error("--allowed-host '{host}' is not accepted: {reason}. Give a bare DNS name (letters, digits, hyphens, dots) or an IP literal, without port, scheme or wildcard.")]
    InvalidAllowedHost {
        /// The entry as given.
        host: String,
        /// Which rule it breaks.
        reason: &'static str,
    },
    /// The bind host could not be resolved to an IPv4/IPv6 address.
    #[error("Host '{host}' is not an address this machine can serve from. Use --host 127.0.0.1 to serve this machine only, or --host 0.0.0.0 to serve every network interface.")]
    UnresolvableHost {
        /// The host as given.
        host: String,
    },
    /// The port is taken by another program.
    #[error("Port {port} is already in use on {host}, so Cellucid could not start its server there. Another program is listening on that port, often an earlier Cellucid that was never stopped. Serve on a different port with --port 9000, or let the operating system pick a free one with --port 0 and use the Viewer URL it prints.")]
    PortInUse {
        /// The bind host as given.
        host: String,
        /// The requested port.
        port: u16,
    },
    /// The operating system refused the bind (e.g. a port below 1024 without rights).
    #[error("The operating system refused to let Cellucid bind {host}:{port}. Ports below 1024 need administrator rights; use --port 8765 or --port 0.")]
    BindRefused {
        /// The bind host as given.
        host: String,
        /// The requested port.
        port: u16,
        /// The operating-system error.
        #[source]
        source: std::io::Error,
    },
    /// The web UI directory is unusable.
    #[error("--web-ui {}: {reason}. Point --web-ui at a viewer build directory that contains index.html.", path.display())]
    InvalidWebUi {
        /// The directory as given.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// The builder was used without a dataset.
    #[error("no dataset was given to the server builder; call .exported(path) or .virtual_dataset(dataset) before .build()")]
    NoDataset,
    /// Any other socket failure during bind or accept setup.
    #[error("socket error on {host}:{port}: {source}")]
    Socket {
        /// The bind host as given.
        host: String,
        /// The requested port.
        port: u16,
        /// The operating-system error.
        #[source]
        source: std::io::Error,
    },
}
