//! `/_cellucid/health|info|datasets|protocol` (server.md §2).

use axum::response::Response;

use super::json_response;
use crate::state::AppState;

/// The answer for `/_cellucid/<name>`, if `name` is one of the four GET endpoints.
pub(super) fn endpoint(state: &AppState, name: &str) -> Option<Response> {
    let bodies = &state.inner.bodies;
    let body = match name {
        "health" => &bodies.health,
        "info" => &bodies.info,
        "datasets" => &bodies.datasets,
        "protocol" => &bodies.protocol,
        _ => return None,
    };
    Some(json_response(body.clone()))
}
