//! The viewer's size ceilings (viewer-contract.md §1.5, §1.7; format.md R6, R9), as numbers a
//! writer can check before it writes and the validator checks after.
//!
//! The reference writer checks none of them (format.md §26 (e)), so it writes folders the viewer
//! will not load; this project's exporter checks the payload, edge and positions ceilings
//! before writing (the JSON ceiling only the validator checks: 64 MiB of manifest is far past
//! any atlas the other ceilings let through).
//!
//! ```
//! use cellucid_format::limits::{edge_working_set_bytes, max_edges, WORKING_SET_BYTES};
//!
//! // 1M cells (uint32 indices): 44 bytes per edge plus 4 per cell.
//! let most = max_edges(1_000_000);
//! assert!(edge_working_set_bytes(most, 1_000_000) <= WORKING_SET_BYTES);
//! assert!(edge_working_set_bytes(most + 1, 1_000_000) > WORKING_SET_BYTES);
//! ```

use crate::model::ConnectivityManifest;

/// Largest decoded payload the viewer accepts (512 MiB).
pub const MAX_PAYLOAD_BYTES: u64 = 512 << 20;

/// Largest JSON document the viewer accepts (64 MiB).
pub const MAX_JSON_BYTES: u64 = 64 << 20;

/// The browser working-set limit for a graph's edges and for one embedding's positions
/// (512 MiB, "the 536870912-byte browser working-set limit").
pub const WORKING_SET_BYTES: u64 = 512 << 20;

/// Working-set bytes per edge with `index_bytes`-wide indices in the edge files: 48 for
/// uint16 (2), else 44.
pub fn edge_bytes(index_bytes: u64) -> u64 {
    if index_bytes == 2 {
        48
    } else {
        44
    }
}

/// The smallest index width of a graph over `n_cells` cells (2 up to 65,536 cells, else 4),
/// the width the manifest must declare.
pub fn index_bytes(n_cells: u64) -> u64 {
    if n_cells <= ConnectivityManifest::UINT16_MAX_CELLS {
        2
    } else {
        4
    }
}

/// Bytes the viewer holds to check and draw `n_edges` edges over `n_cells` cells, with the
/// smallest index width: [`edge_bytes`] per edge plus 4 per cell (saturating).
pub fn edge_working_set_bytes(n_edges: u64, n_cells: u64) -> u64 {
    n_edges
        .saturating_mul(edge_bytes(index_bytes(n_cells)))
        .saturating_add(n_cells.saturating_mul(4))
}

/// The most edges a graph over `n_cells` cells may have and still fit [`WORKING_SET_BYTES`]
/// (0 when the cells alone do not fit).
pub fn max_edges(n_cells: u64) -> u64 {
    WORKING_SET_BYTES.saturating_sub(n_cells.saturating_mul(4)) / edge_bytes(index_bytes(n_cells))
}

/// Bytes the viewer holds for one `dim`-D embedding of `n_cells` cells: a padded
/// 3-component copy (12 bytes per cell) plus, below 3-D, the raw positions (4 per component).
pub fn positions_working_set_bytes(n_cells: u64, dim: u32) -> u64 {
    let padded = n_cells.saturating_mul(12);
    let raw = if dim < 3 {
        n_cells.saturating_mul(u64::from(dim) * 4)
    } else {
        0
    };
    padded.saturating_add(raw)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edge_working_set_at_the_limit_and_one_past_it() {
        // (n_cells, index width, per edge): uint16 up to 65,536 cells, uint32 above.
        for (n_cells, width, per_edge) in [
            (1, 2, 48),
            (65_536, 2, 48),
            (65_537, 4, 44),
            (1_000_000, 4, 44),
            (30_000_000, 4, 44),
        ] {
            assert_eq!(index_bytes(n_cells), width, "{n_cells} cells");
            let most = max_edges(n_cells);
            let at = edge_working_set_bytes(most, n_cells);
            assert!(at <= WORKING_SET_BYTES, "{n_cells} cells, {most} edges");
            assert_eq!(
                edge_working_set_bytes(most + 1, n_cells),
                at + per_edge,
                "{n_cells} cells"
            );
            assert!(at + per_edge > WORKING_SET_BYTES, "{n_cells} cells");
        }
        // The figure of viewer-contract.md §1.5: about 12 million edges.
        assert_eq!(max_edges(1_000_000), 12_110_702);
        assert_eq!(
            edge_working_set_bytes(12_110_702, 1_000_000),
            12_110_702 * 44 + 4_000_000
        );
    }

    #[test]
    fn cells_alone_past_the_limit_allow_no_edge() {
        let n = WORKING_SET_BYTES / 4 + 1;
        assert_eq!(max_edges(n), 0);
        assert_eq!(edge_working_set_bytes(u64::MAX, n), u64::MAX);
    }

    #[test]
    fn positions_working_set_matches_the_contract_figures() {
        // viewer-contract.md §1.7: 3D ≈ 44 M cells, 2D ≈ 26 M, 1D ≈ 33 M.
        let most = |dim: u32| {
            let per_cell = positions_working_set_bytes(1, dim);
            WORKING_SET_BYTES / per_cell
        };
        assert_eq!(
            (most(1), most(2), most(3)),
            (33_554_432, 26_843_545, 44_739_242)
        );
        for dim in 1..=3 {
            assert!(positions_working_set_bytes(most(dim), dim) <= WORKING_SET_BYTES);
            assert!(positions_working_set_bytes(most(dim) + 1, dim) > WORKING_SET_BYTES);
        }
        assert_eq!(positions_working_set_bytes(10, 2), 10 * 12 + 10 * 8);
        assert_eq!(positions_working_set_bytes(10, 3), 10 * 12);
    }
}
