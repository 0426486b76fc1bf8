//! The viewer registry (server.md §6.2): the Rust API through which an embedding application
//! receives the events a viewer posts to `/_cellucid/events`.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use serde_json::{Map, Value};
use tokio::sync::mpsc;

/// An event delivered by a viewer: the posted JSON object without `viewerToken`.
#[derive(Debug, Clone, PartialEq)]
pub struct ViewerEvent {
    /// The viewer that sent it.
    pub viewer_id: String,
    /// The event `type` (`hover`, `click`, `selection`, …; not checked).
    pub event_type: String,
    /// The whole event object minus `viewerToken`.
    pub body: Map<String, Value>,
}

/// A callback refused or failed to take an event; the viewer gets `500 Viewer callback failed`.
#[derive(Debug, thiserror::Error)]
#[error("the viewer callback did not accept the event")]
pub struct CallbackError;

/// Receives events of one viewer.
pub type ViewerCallback = Arc<dyn Fn(ViewerEvent) -> Result<(), CallbackError> + Send + Sync>;

/// Why a delivery was refused (each maps to the status and text of server.md §6.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DeliveryError {
    /// 404 `Viewer is not registered`.
    NotRegistered,
    /// 403 `Invalid viewer credentials`.
    BadToken,
    /// 500 `Viewer callback failed`.
    CallbackFailed,
}

struct Registration {
    token: String,
    callback: ViewerCallback,
}

/// Registered viewers, shared between the embedding application and the server. Cloning shares
/// the same registry. A CLI server registers nothing, so every event is answered
/// `404 Viewer is not registered` (§6.5).
#[derive(Clone, Default)]
pub struct ViewerRegistry {
    inner: Arc<RwLock<HashMap<String, Registration>>>,
}

impl std::fmt::Debug for ViewerRegistry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let count = self.inner.read().map(|m| m.len()).unwrap_or(0);
        f.debug_struct("ViewerRegistry")
            .field("viewers", &count)
            .finish()
    }
}

impl ViewerRegistry {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers (or replaces) viewer `viewer_id` with its secret `token`; `callback` receives
    /// its events. Ids and tokens should be non-empty and without whitespace (the viewer's URL
    /// carries them).
    pub fn register(
        &self,
        viewer_id: impl Into<String>,
        token: impl Into<String>,
        callback: ViewerCallback,
    ) {
        if let Ok(mut map) = self.inner.write() {
            map.insert(
                viewer_id.into(),
                Registration {
                    token: token.into(),
                    callback,
                },
            );
        }
    }

    /// Registers a viewer whose events arrive on the returned channel. When the receiver is
    /// dropped, further events get `500 Viewer callback failed`.
    pub fn register_channel(
        &self,
        viewer_id: impl Into<String>,
        token: impl Into<String>,
    ) -> mpsc::UnboundedReceiver<ViewerEvent> {
        let (tx, rx) = mpsc::unbounded_channel();
        self.register(
            viewer_id,
            token,
            Arc::new(move |event| tx.send(event).map_err(|_| CallbackError)),
        );
        rx
    }

    /// Removes a viewer; returns whether it was registered.
    pub fn unregister(&self, viewer_id: &str) -> bool {
        self.inner
            .write()
            .map(|mut m| m.remove(viewer_id).is_some())
            .unwrap_or(false)
    }

    /// Delivers an event after the token check (constant-time, against a dummy token for an
    /// unknown id so timing does not reveal registration).
    pub(crate) fn deliver(
        &self,
        viewer_id: &str,
        token: &str,
        event: ViewerEvent,
    ) -> Result<(), DeliveryError> {
        let callback = {
            let map = self
                .inner
                .read()
                .map_err(|_| DeliveryError::CallbackFailed)?;
            match map.get(viewer_id) {
                None => {
                    let _ = constant_time_eq(token.as_bytes(), b"00000000000000000000000000000000");
                    return Err(DeliveryError::NotRegistered);
                }
                Some(reg) => {
                    if !constant_time_eq(token.as_bytes(), reg.token.as_bytes()) {
                        return Err(DeliveryError::BadToken);
                    }
                    Arc::clone(&reg.callback)
                }
            }
        };
        callback(event).map_err(|_| DeliveryError::CallbackFailed)
    }
}

/// Compares without an early exit on the first differing byte.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    let mut diff = u8::from(a.len() != b.len());
    for i in 0..a.len().max(b.len()) {
        diff |= a.get(i).copied().unwrap_or(0) ^ b.get(i).copied().unwrap_or(0xFF);
    }
    diff == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_comparison() {
        assert!(constant_time_eq(b"tok123", b"tok123"));
        assert!(!constant_time_eq(b"tok123", b"tok124"));
        assert!(!constant_time_eq(b"tok12", b"tok123"));
        assert!(!constant_time_eq(b"", b"x"));
    }
}
