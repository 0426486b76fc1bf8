//! Transport rules common to both modes (server.md §1): host admission, methods, OPTIONS,
//! the `//` collapse and the header block added to every response.

pub(crate) mod body;
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

/// Runs before routing: 421 for a foreign `Host` (after draining its body), 204 for OPTIONS,
/// 501 for unknown methods; attaches the [`target::Target`]; bounds the handler's time; adds
/// the header block to every answer.
pub(crate) async fn guard(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let origin = request.headers().get(header::ORIGIN).cloned();
    let timeouts = state.inner.timeouts;
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
        let (parts, unread) = request.into_parts();
        let mut response = ApiError::MisdirectedHost.into_response();
        body::drain_then_close(&parts.headers, unread, timeouts.drain, &mut response).await;
        response
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
                match tokio::time::timeout(timeouts.handler, next.run(request)).await {
                    Ok(response) => response,
                    Err(_) => {
                        tracing::warn!(
                            seconds = timeouts.handler.as_secs_f64(),
                            "a request did not finish within the handler time limit"
                        );
                        let mut response = ApiError::TimedOut.into_response();
                        body::close(&mut response);
                        response
                    }
                }
            }
            ref other => {
                let method = other.to_string();
                let (parts, unread) = request.into_parts();
                let mut response = ApiError::UnsupportedMethod(method).into_response();
                body::drain_then_close(&parts.headers, unread, timeouts.drain, &mut response).await;
                response
            }
        }
    };
    cors::add_header_block(
        response.headers_mut(),
        origin.as_ref(),
        state.cache_control(),
    );
    response
}
