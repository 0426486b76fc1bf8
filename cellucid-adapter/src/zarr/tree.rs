//! The metadata tree of a Zarr store, read once at open.
//!
//! Zarr v3: the root `zarr.json`; when it carries inline consolidated metadata (zarr-python and
//! anndata write it) every node comes from there, otherwise each group directory is listed and
//! its children's `zarr.json` read. Zarr v2: group directories are listed and each child's
//! `.zgroup` or `.zarray` (+ `.zattrs`) read; `.zmetadata` is not needed for a local directory
//! and cannot be stale this way. Directories without Zarr metadata are ignored, as zarr-python
//! does.
//!
//! Each node is parsed on its own: a document `zarrs` cannot represent (a v2 structured dtype
//! in `uns`, a damaged `.zattrs`) only makes *that* element fail when it is used, with the
//! reason, instead of failing the whole store.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use serde_json::Value;
use zarrs::array::{ArrayMetadata, ArrayMetadataV2, ArrayMetadataV3};

use crate::backend::{BackendError, NodeKind};

/// JSON attributes of one node (`.zattrs` or the `attributes` member of `zarr.json`).
pub(super) type Attributes = serde_json::Map<String, Value>;

/// Why a node's metadata is unusable; turned into a [`BackendError`] when the node is used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum MetaProblem {
    /// Valid metadata for an element type the adapter cannot represent.
    Unsupported(String),
    /// A document that does not parse.
    Corrupt(String),
}

impl MetaProblem {
    /// The backend error for element `path`.
    pub(super) fn to_error(&self, path: &str) -> BackendError {
        match self {
            MetaProblem::Unsupported(description) => BackendError::UnsupportedType {
                path: path.to_string(),
                description: description.clone(),
            },
            MetaProblem::Corrupt(message) => BackendError::Corrupt {
                path: path.to_string(),
                message: message.clone(),
            },
        }
    }
}

/// One group or array of the store.
#[derive(Debug)]
pub(super) struct Entry {
    /// Group or array.
    pub(super) kind: NodeKind,
    /// The node's user attributes (anndata's `encoding-type`, `column-order`, …).
    pub(super) attributes: Result<Attributes, MetaProblem>,
    /// Names of the direct children (groups only), sorted.
    pub(super) children: Vec<String>,
    /// The array metadata (arrays only), used to open the array lazily.
    pub(super) metadata: Result<ArrayMetadata, MetaProblem>,
}

/// The Zarr format of a store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ZarrFormat {
    /// `.zgroup` / `.zarray` / `.zattrs`.
    V2,
    /// `zarr.json`.
    V3,
}

/// Every node of the store, by element path (`"obs/cell_type/codes"`, root `""`).
#[derive(Debug)]
pub(super) struct Tree {
    nodes: HashMap<String, Entry>,
    format: ZarrFormat,
}

impl Tree {
    /// The node at element path `path` (`""` is the root).
    pub(super) fn get(&self, path: &str) -> Option<&Entry> {
        self.nodes.get(path)
    }

    /// The store's Zarr format.
    pub(super) fn format(&self) -> ZarrFormat {
        self.format
    }

    /// Read the metadata tree of the store in directory `root`.
    ///
    /// # Errors
    /// `Io` when the root cannot be read, `Corrupt` (path `""`) when it is not a Zarr group
    /// or its root document does not parse.
    pub(super) fn load(root: &Path) -> Result<Tree, BackendError> {
        let not_a_store = |what: &str| BackendError::Corrupt {
            path: String::new(),
            message: format!("{} is not an AnnData Zarr store: {what}", root.display()),
        };
        if let Some(text) = read_optional(&root.join("zarr.json"))? {
            let doc: Value = serde_json::from_str(&text).map_err(|e| BackendError::Corrupt {
                path: String::new(),
                message: format!("{}/zarr.json does not parse: {e}", root.display()),
            })?;
            if doc.get("node_type").and_then(Value::as_str) != Some("group") {
                return Err(not_a_store("its root zarr.json is not a group"));
            }
            let mut nodes = HashMap::new();
            let consolidated = doc
                .pointer("/consolidated_metadata/metadata")
                .and_then(Value::as_object);
            if let Some(consolidated) = consolidated {
                for (key, node_doc) in consolidated {
                    let path = key.trim_matches('/').to_string();
                    if !path.is_empty() {
                        nodes.insert(path, v3_entry(node_doc, "zarr.json (consolidated)"));
                    }
                }
            } else {
                walk_v3(root, "", &mut nodes)?;
            }
            nodes.insert(String::new(), v3_entry(&doc, "zarr.json"));
            return Ok(Tree::linked(nodes, ZarrFormat::V3));
        }
        if root.join(".zgroup").is_file() {
            let mut nodes = HashMap::new();
            walk_v2(root, "", &mut nodes)?;
            nodes.insert(String::new(), v2_group_entry(root));
            return Ok(Tree::linked(nodes, ZarrFormat::V2));
        }
        if root.join(".zarray").is_file() {
            return Err(not_a_store(
                "it holds a single Zarr array; AnnData is a group",
            ));
        }
        Err(not_a_store("no zarr.json (v3) or .zgroup (v2) at its root"))
    }

    /// Fill every group's child list from the node paths (creating implicit parents of
    /// consolidated entries whose group entry is missing).
    fn linked(mut nodes: HashMap<String, Entry>, format: ZarrFormat) -> Tree {
        let mut children: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for path in nodes.keys().filter(|p| !p.is_empty()) {
            let (parent, name) = path.rsplit_once('/').unwrap_or(("", path));
            children
                .entry(parent.to_string())
                .or_default()
                .push(name.to_string());
        }
        for (parent, mut names) in children {
            names.sort();
            let entry = nodes.entry(parent).or_insert_with(|| Entry {
                kind: NodeKind::Group,
                attributes: Ok(Attributes::new()),
                children: Vec::new(),
                metadata: Err(MetaProblem::Corrupt("a group is not an array".to_string())),
            });
            if entry.kind == NodeKind::Group {
                entry.children = names;
            }
        }
        Tree { nodes, format }
    }
}

/// Read a file that may be absent.
fn read_optional(path: &Path) -> Result<Option<String>, BackendError> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(Some(text)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(BackendError::Io {
            path: path.display().to_string(),
            source,
        }),
    }
}

/// Subdirectories of `dir` with UTF-8 names, sorted.
fn subdirectories(dir: &Path, element: &str) -> Result<Vec<String>, BackendError> {
    let io = |source| BackendError::Io {
        path: element.to_string(),
        source,
    };
    let mut names = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(io)? {
        let entry = entry.map_err(io)?;
        if entry.file_type().map_err(io)?.is_dir() {
            if let Ok(name) = entry.file_name().into_string() {
                names.push(name);
            }
        }
    }
    names.sort();
    Ok(names)
}

fn join(parent: &str, name: &str) -> String {
    if parent.is_empty() {
        name.to_string()
    } else {
        format!("{parent}/{name}")
    }
}

/// A node from its v3 `zarr.json` document.
fn v3_entry(doc: &Value, document: &str) -> Entry {
    let attributes = match doc.get("attributes") {
        None => Ok(Attributes::new()),
        Some(Value::Object(map)) => Ok(map.clone()),
        Some(other) => Err(MetaProblem::Corrupt(format!(
            "{document}: `attributes` is not an object: {other}"
        ))),
    };
    match doc.get("node_type").and_then(Value::as_str) {
        Some("group") => Entry {
            kind: NodeKind::Group,
            attributes,
            children: Vec::new(),
            metadata: Err(MetaProblem::Corrupt("a group is not an array".to_string())),
        },
        _ => Entry {
            kind: NodeKind::Array,
            attributes,
            children: Vec::new(),
            metadata: serde_json::from_value::<ArrayMetadataV3>(doc.clone())
                .map(ArrayMetadata::V3)
                .map_err(|e| MetaProblem::Corrupt(format!("{document}: {e}"))),
        },
    }
}

/// Recursively read the v3 nodes below group directory `dir` (element path `element`).
fn walk_v3(
    dir: &Path,
    element: &str,
    nodes: &mut HashMap<String, Entry>,
) -> Result<(), BackendError> {
    for name in subdirectories(dir, element)? {
        let child_dir = dir.join(&name);
        let path = join(element, &name);
        let Some(text) = read_optional(&child_dir.join("zarr.json"))? else {
            continue;
        };
        let entry = match serde_json::from_str::<Value>(&text) {
            Ok(doc) => v3_entry(&doc, "zarr.json"),
            Err(e) => {
                let problem = MetaProblem::Corrupt(format!("zarr.json does not parse: {e}"));
                Entry {
                    kind: NodeKind::Array,
                    attributes: Err(problem.clone()),
                    children: Vec::new(),
                    metadata: Err(problem),
                }
            }
        };
        if entry.kind == NodeKind::Group {
            walk_v3(&child_dir, &path, nodes)?;
        }
        nodes.insert(path, entry);
    }
    Ok(())
}

/// The `.zattrs` of a v2 node directory (absent = no attributes).
fn v2_attributes(dir: &Path) -> Result<Attributes, MetaProblem> {
    match read_optional(&dir.join(".zattrs")) {
        Ok(None) => Ok(Attributes::new()),
        Ok(Some(text)) => match serde_json::from_str::<Value>(&text) {
            Ok(Value::Object(map)) => Ok(map),
            Ok(other) => Err(MetaProblem::Corrupt(format!(
                ".zattrs is not an object: {other}"
            ))),
            Err(e) => Err(MetaProblem::Corrupt(format!(".zattrs does not parse: {e}"))),
        },
        Err(e) => Err(MetaProblem::Corrupt(format!(".zattrs cannot be read: {e}"))),
    }
}

fn v2_group_entry(dir: &Path) -> Entry {
    Entry {
        kind: NodeKind::Group,
        attributes: v2_attributes(dir),
        children: Vec::new(),
        metadata: Err(MetaProblem::Corrupt("a group is not an array".to_string())),
    }
}

/// The array metadata of a v2 `.zarray` document (attributes are kept on the entry).
fn v2_array_metadata(text: &str) -> Result<ArrayMetadata, MetaProblem> {
    let doc: Value = serde_json::from_str(text)
        .map_err(|e| MetaProblem::Corrupt(format!(".zarray does not parse: {e}")))?;
    if let Some(fields @ Value::Array(_)) = doc.get("dtype") {
        return Err(MetaProblem::Unsupported(format!(
            "structured (record) dtype {fields}"
        )));
    }
    serde_json::from_value::<ArrayMetadataV2>(doc)
        .map(ArrayMetadata::V2)
        .map_err(|e| MetaProblem::Corrupt(format!(".zarray: {e}")))
}

/// Recursively read the v2 nodes below group directory `dir` (element path `element`).
fn walk_v2(
    dir: &Path,
    element: &str,
    nodes: &mut HashMap<String, Entry>,
) -> Result<(), BackendError> {
    for name in subdirectories(dir, element)? {
        let child_dir = dir.join(&name);
        let path = join(element, &name);
        if let Some(text) = read_optional(&child_dir.join(".zarray"))? {
            let entry = Entry {
                kind: NodeKind::Array,
                attributes: v2_attributes(&child_dir),
                children: Vec::new(),
                metadata: v2_array_metadata(&text),
            };
            nodes.insert(path, entry);
        } else if child_dir.join(".zgroup").is_file() {
            walk_v2(&child_dir, &path, nodes)?;
            nodes.insert(path, v2_group_entry(&child_dir));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{v2_array_metadata, MetaProblem};

    #[test]
    fn structured_v2_dtypes_are_unsupported_not_corrupt() {
        let zarray = r#"{"zarr_format":2,"shape":[3],"chunks":[3],"dtype":[["a b/c","<f4"]],
            "compressor":null,"fill_value":null,"order":"C","filters":null}"#;
        match v2_array_metadata(zarray) {
            Err(MetaProblem::Unsupported(d)) => assert!(d.contains("a b/c"), "{d}"),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            v2_array_metadata("{"),
            Err(MetaProblem::Corrupt(_))
        ));
    }
}
