//! The metadata tree of a Zarr store, read once at open.
//!
//! `zarrs::node::Node::open` returns the whole hierarchy: from the root's inline consolidated
//! metadata (Zarr v3, written by zarr-python / anndata) when present, otherwise by listing each
//! group directory and reading its children's `zarr.json` (v3) or `.zgroup` / `.zarray` +
//! `.zattrs` (v2). Zarr v2 `.zmetadata` is not used: listing a local directory is cheap and
//! cannot be stale. The tree is flattened here into a map keyed by the backend's element paths
//! (`"obs/cell_type/codes"`, root `""`).

use std::collections::HashMap;

use zarrs::array::ArrayMetadata;
use zarrs::group::GroupMetadata;
use zarrs::node::{Node, NodeMetadata};

use crate::backend::NodeKind;

/// JSON attributes of one node (`.zattrs` or the `attributes` member of `zarr.json`).
pub(super) type Attributes = serde_json::Map<String, serde_json::Value>;

/// One group or array of the store.
#[derive(Debug)]
pub(super) struct Entry {
    /// Group or array.
    pub(super) kind: NodeKind,
    /// The node's user attributes (anndata's `encoding-type`, `column-order`, …).
    pub(super) attributes: Attributes,
    /// Names of the direct children (groups only), in the order `zarrs` found them.
    pub(super) children: Vec<String>,
    /// The array metadata (arrays only), used to open the array lazily.
    pub(super) metadata: Option<ArrayMetadata>,
}

/// Every node of the store, by element path.
#[derive(Debug)]
pub(super) struct Tree {
    nodes: HashMap<String, Entry>,
}

impl Tree {
    /// Flatten the hierarchy rooted at `root`.
    pub(super) fn from_root(root: &Node) -> Tree {
        let mut nodes = HashMap::new();
        insert(&mut nodes, root);
        Tree { nodes }
    }

    /// The node at element path `path` (`""` is the root).
    pub(super) fn get(&self, path: &str) -> Option<&Entry> {
        self.nodes.get(path)
    }
}

/// The backend element path of a `zarrs` node path (`"/obs/x"` → `"obs/x"`, `"/"` → `""`).
fn element_path(node: &Node) -> String {
    node.path().as_str().trim_start_matches('/').to_string()
}

/// The last component of an element path.
fn leaf_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

fn insert(nodes: &mut HashMap<String, Entry>, node: &Node) {
    let path = element_path(node);
    let children: Vec<String> = node
        .children()
        .iter()
        .map(|c| leaf_name(&element_path(c)).to_string())
        .collect();
    let (kind, attributes, metadata) = match node.metadata() {
        NodeMetadata::Array(meta) => {
            let attributes = match meta {
                ArrayMetadata::V3(m) => m.attributes.clone(),
                ArrayMetadata::V2(m) => m.attributes.clone(),
            };
            (NodeKind::Array, attributes, Some(meta.clone()))
        }
        NodeMetadata::Group(meta) => {
            let attributes = match meta {
                GroupMetadata::V3(m) => m.attributes.clone(),
                GroupMetadata::V2(m) => m.attributes.clone(),
            };
            (NodeKind::Group, attributes, None)
        }
    };
    for child in node.children() {
        insert(nodes, child);
    }
    nodes.insert(
        path,
        Entry {
            kind,
            attributes,
            children,
            metadata,
        },
    );
}

#[cfg(test)]
mod tests {
    use super::leaf_name;

    #[test]
    fn leaf_name_takes_the_last_component() {
        assert_eq!(leaf_name("obs/cell type | label/codes"), "codes");
        assert_eq!(leaf_name("obs"), "obs");
        assert_eq!(leaf_name(""), "");
    }
}
