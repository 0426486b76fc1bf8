//! Transport rules common to both modes (server.md §1): host admission, methods, OPTIONS,
//! the `//` collapse and the header block added to every response.

pub(crate) mod cors;
pub(crate) mod encoding;
pub(crate) mod host;
pub(crate) mod range;
pub(crate) mod target;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;
use crate::state::AppState;

/// Runs before routing: 421 for a foreign `Host`, 204 for OPTIONS, 501 for unknown methods;
/// attaches the [`target::Target`]; adds the header block to every answer.
pub(crate) async fn guard(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let origin = request.headers().get(header::ORIGIN).cloned();
    let admitted = state.inner.host.admits(
        request
            .headers()
            .get_all(header::HOST)
            .iter()
            .map(|v| v.as_bytes()),
    );
    let mut response = if !admitted {
        let hosts: Vec<_> = request.headers().get_all(header::HOST).iter().collect();
        tracing::warn!(
            ?hosts,
            "refused a request whose Host header does not name this server"
        );
        ApiError::MisdirectedHost.into_response()
    } else {
        match *request.method() {
            Method::OPTIONS => {
                let mut r = Response::new(Body::empty());
                *r.status_mut() = StatusCode::NO_CONTENT;
                r
            }
            Method::GET | Method::HEAD | Method::POST => {
                let target = target::Target::from_uri(request.uri());
                request.extensions_mut().insert(target);
                next.run(request).await
            }
            ref other => ApiError::UnsupportedMethod(other.to_string()).into_response(),
        }
    };
    cors::add_header_block(
        response.headers_mut(),
        origin.as_ref(),
        state.cache_control(),
    );
    response
}
