//! The shared application state handed to every request.

use std::collections::HashMap;
use std::sync::Arc;

use bytes::Bytes;
use serde_json::json;

use crate::anndata::AnnDataState;
use crate::exported::ExportedRoot;
use crate::pyjson;
use crate::transport::body::Timeouts;
use crate::transport::host::HostPolicy;
use crate::viewers::ViewerRegistry;
use crate::virtual_dataset::VirtualDataset;
use crate::webui::WebUi;

/// One `/_cellucid/datasets` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogEntry {
    /// Identity id.
    pub id: String,
    /// Public path: `/` or `/<dir>/`.
    pub path: String,
    /// Identity name.
    pub name: String,
    /// SHA-256 (lower-case hex) of the published default state, when the dataset has one.
    pub state_sha256: Option<String>,
}

/// What is served.
pub(crate) enum Mode {
    /// Export folders on disk.
    Exported(ExportedRoot),
    /// A virtual export.
    AnnData(AnnDataState),
}

/// Precomputed `/_cellucid/*` bodies.
pub(crate) struct CellucidBodies {
    pub(crate) health: Bytes,
    pub(crate) info: Bytes,
    pub(crate) datasets: Bytes,
    pub(crate) protocol: Bytes,
}

/// Everything a request handler needs; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) mode: Mode,
    pub(crate) host: HostPolicy,
    pub(crate) bodies: CellucidBodies,
    pub(crate) web_ui: Option<WebUi>,
    pub(crate) viewers: ViewerRegistry,
    /// The bound port (for the `/` help page).
    pub(crate) port: u16,
    /// Time limits of requests.
    pub(crate) timeouts: Timeouts,
}

/// The version reported by health and info: this crate's version (no whitespace).
pub const SERVER_VERSION: &str = env!("CARGO_PKG_VERSION");

impl AppState {
    pub(crate) fn new(
        mode: Mode,
        host: HostPolicy,
        host_text: &str,
        port: u16,
        web_ui: Option<WebUi>,
        viewers: ViewerRegistry,
        timeouts: Timeouts,
    ) -> Self {
        let bodies = cellucid_bodies(&mode, host_text, port);
        Self {
            inner: Arc::new(Inner {
                mode,
                host,
                bodies,
                web_ui,
                viewers,
                port,
                timeouts,
            }),
        }
    }

    /// `public, max-age=3600` (exported) or `no-cache` (anndata).
    pub(crate) fn cache_control(&self) -> &'static str {
        match self.inner.mode {
            Mode::Exported(_) => "public, max-age=3600",
            Mode::AnnData(_) => "no-cache",
        }
    }
}

fn catalog_json(entries: &[CatalogEntry]) -> serde_json::Value {
    let list: Vec<serde_json::Value> = entries
        .iter()
        .map(|e| {
            let mut obj = json!({"id": e.id, "path": e.path, "name": e.name});
            if let (Some(sha), Some(map)) = (&e.state_sha256, obj.as_object_mut()) {
                map.insert("state_manifest".into(), json!("state-snapshots.json"));
                map.insert("state_sha256".into(), json!(sha));
            }
            obj
        })
        .collect();
    json!({ "datasets": list })
}

fn cellucid_bodies(mode: &Mode, host: &str, port: u16) -> CellucidBodies {
    let (health, info, datasets) = match mode {
        Mode::Exported(root) => (
            json!({"status": "ok", "type": "exported", "version": SERVER_VERSION}),
            json!({"version": SERVER_VERSION, "host": host, "port": port, "mode": "standalone"}),
            catalog_json(root.catalog()),
        ),
        Mode::AnnData(state) => {
            let s = state.dataset.summary();
            (
                json!({"status": "ok", "type": "anndata", "version": SERVER_VERSION, "format": s.format.as_str(), "is_backed": s.is_backed, "n_cells": s.n_cells, "n_genes": s.n_genes}),
                json!({"version": SERVER_VERSION, "type": "anndata", "format": s.format.as_str(), "host": host, "port": port, "n_cells": s.n_cells, "n_genes": s.n_genes, "is_backed": s.is_backed}),
                catalog_json(&[state.dataset.catalog_entry()]),
            )
        }
    };
    let protocol = json!({
        "events": ["click", "command_error", "debug_snapshot", "hover", "pong", "ready", "selection", "session_bundle"],
        "commands": ["clearHighlights", "debug_snapshot", "freeze", "highlight", "ping", "requestSessionBundle", "resetCamera", "setColorBy", "setVisibility"],
    });
    let encode = |v: &serde_json::Value| Bytes::from(pyjson::to_vec(v).unwrap_or_default());
    CellucidBodies {
        health: encode(&health),
        info: encode(&info),
        datasets: encode(&datasets),
        protocol: encode(&protocol),
    }
}

/// Builds the anndata-mode state from a virtual dataset.
pub(crate) fn anndata_mode(dataset: Arc<dyn VirtualDataset>, cache_bytes: u64) -> Mode {
    let documents: HashMap<String, Bytes> = dataset.documents().into_iter().collect();
    Mode::AnnData(AnnDataState::new(dataset, documents, cache_bytes))
}
