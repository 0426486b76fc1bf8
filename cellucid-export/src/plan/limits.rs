//! The viewer's size ceilings checked before anything is written
//! ([`cellucid_format::limits`]): an export the viewer would not load is refused, or, for a
//! graph the front end picked itself, exported without that graph.

use cellucid_format::limits::{
    edge_bytes, edge_working_set_bytes, index_bytes, max_edges, positions_working_set_bytes,
    MAX_PAYLOAD_BYTES, WORKING_SET_BYTES,
};

use crate::error::ExportError;
use crate::events::Warning;
use crate::options::OversizedGraph;

/// Refuses an embedding whose positions the viewer cannot hold (viewer-contract.md §1.7:
/// about 44 M cells in 3-D, 26 M in 2-D, 33 M in 1-D).
pub(super) fn check_positions(key: &str, dim: u8, n_cells: usize) -> Result<(), ExportError> {
    let bytes = positions_working_set_bytes(n_cells as u64, u32::from(dim));
    if bytes <= WORKING_SET_BYTES {
        return Ok(());
    }
    let most = WORKING_SET_BYTES / positions_working_set_bytes(1, u32::from(dim));
    let most_3d = WORKING_SET_BYTES / positions_working_set_bytes(1, 3);
    let fix = if dim < 3 && n_cells as u64 <= most_3d {
        format!("subsample to at most {most} cells, or export a 3-D embedding instead (the viewer holds up to {most_3d} cells in 3-D)")
    } else {
        format!("subsample to at most {most} cells")
    };
    Err(ExportError::TooLargeForViewer {
        what: format!("embedding '{key}' ({dim}-D)"),
        detail: format!("{n_cells} cells need {bytes} bytes of the viewer's positions working set"),
        bytes,
        limit: WORKING_SET_BYTES,
        fix,
    })
}

/// Whether a graph of `n_edges` edges over `n_cells` cells is kept when at most `max` fit:
/// `true` if it fits; else `false` with [`Warning::GraphLeftOut`] pushed, or the refusal, by
/// `policy`.
pub(super) fn keep_graph(
    key: &str,
    n_edges: u64,
    n_cells: usize,
    max: u64,
    policy: OversizedGraph,
    warnings: &mut Vec<Warning>,
) -> Result<bool, ExportError> {
    if n_edges <= max {
        return Ok(true);
    }
    match policy {
        OversizedGraph::LeaveOut => {
            warnings.push(Warning::GraphLeftOut {
                key: key.to_string(),
                n_edges,
                max_edges: max,
            });
            Ok(false)
        }
        OversizedGraph::Refuse => {
            let n_cells = n_cells as u64;
            let per_edge = edge_bytes(index_bytes(n_cells));
            let bytes = edge_working_set_bytes(n_edges, n_cells);
            Err(ExportError::TooLargeForViewer {
                what: format!("connectivities '{key}'"),
                detail: format!(
                    "{n_edges} edges over {n_cells} cells need {bytes} bytes of the viewer's edge working set ({per_edge} per edge plus 4 per cell)"
                ),
                bytes,
                limit: WORKING_SET_BYTES,
                fix: format!(
                    "export a sparser graph (at most {max} edges for {n_cells} cells: fewer neighbours), or leave the graph out (--no-connectivities; connectivities_key null)"
                ),
            })
        }
    }
}

/// The most edges the viewer holds for `n_cells` cells.
pub(super) fn max_graph_edges(n_cells: usize) -> u64 {
    max_edges(n_cells as u64)
}

/// Refuses the first payload above the viewer's 512 MiB per-payload ceiling.
pub(super) fn check_payloads<'a>(
    files: impl IntoIterator<Item = &'a (String, u64)>,
) -> Result<(), ExportError> {
    match files
        .into_iter()
        .find(|(_, bytes)| *bytes > MAX_PAYLOAD_BYTES)
    {
        None => Ok(()),
        Some((path, bytes)) => Err(ExportError::TooLargeForViewer {
            what: format!("payload '{path}'"),
            detail: format!("{bytes} bytes decoded"),
            bytes: *bytes,
            limit: MAX_PAYLOAD_BYTES,
            fix: "subsample cells (or, for an embedding or vector field, use fewer dimensions)"
                .into(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_graph_within_the_limit_is_kept_whatever_the_policy() {
        for policy in [OversizedGraph::Refuse, OversizedGraph::LeaveOut] {
            let mut warnings = Vec::new();
            assert!(keep_graph("g", 5, 10, 5, policy, &mut warnings).expect("kept"));
            assert!(warnings.is_empty());
        }
    }

    #[test]
    fn one_edge_too_many_is_left_out_with_a_warning_or_refused() {
        let mut warnings = Vec::new();
        let kept =
            keep_graph("knn", 6, 10, 5, OversizedGraph::LeaveOut, &mut warnings).expect("left out");
        assert!(!kept);
        assert_eq!(
            warnings,
            vec![Warning::GraphLeftOut {
                key: "knn".into(),
                n_edges: 6,
                max_edges: 5
            }]
        );
        let mut warnings = Vec::new();
        let err = keep_graph("knn", 6, 10, 5, OversizedGraph::Refuse, &mut warnings)
            .expect_err("refused");
        assert!(warnings.is_empty());
        let ExportError::TooLargeForViewer { bytes, limit, .. } = &err else {
            panic!("{err}")
        };
        // 10 cells: uint16 indices, 48 bytes per edge.
        assert_eq!((*bytes, *limit), (6 * 48 + 40, WORKING_SET_BYTES));
        let text = err.to_string();
        for part in [
            "connectivities 'knn'",
            "6 edges over 10 cells",
            "at most 5 edges",
            "--no-connectivities",
        ] {
            assert!(text.contains(part), "{part:?} not in {text}");
        }
    }

    #[test]
    fn the_real_limit_is_the_viewer_contract_figure() {
        assert_eq!(max_graph_edges(1_000_000), 12_110_702);
        assert_eq!(
            max_graph_edges(65_536),
            (WORKING_SET_BYTES - 4 * 65_536) / 48
        );
    }

    #[test]
    fn positions_past_the_working_set_are_refused() {
        // 2-D: 20 bytes per cell.
        let most = (WORKING_SET_BYTES / 20) as usize;
        assert!(check_positions("X_umap", 2, most).is_ok());
        let err = check_positions("X_umap", 2, most + 1).expect_err("refused");
        let text = err.to_string();
        assert!(text.contains("embedding 'X_umap' (2-D)"), "{text}");
        assert!(text.contains(&format!("at most {most} cells")), "{text}");
        assert!(text.contains("export a 3-D embedding instead"), "{text}");
        // The same cells fit in 3-D (12 bytes per cell); past that, 3-D is no fix.
        assert!(check_positions("X_umap_3d", 3, most + 1).is_ok());
        let most_3d = (WORKING_SET_BYTES / 12) as usize;
        let text = check_positions("X_umap_3d", 3, most_3d + 1)
            .expect_err("refused")
            .to_string();
        assert!(text.contains(&format!("at most {most_3d} cells")), "{text}");
        assert!(!text.contains("3-D embedding instead"), "{text}");
    }

    #[test]
    fn the_first_payload_past_the_ceiling_is_refused() {
        let files = vec![
            ("obs/0.values.u8.gz".to_string(), 10),
            ("points_3d.bin.gz".to_string(), MAX_PAYLOAD_BYTES),
        ];
        assert!(check_payloads(&files).is_ok());
        let files = vec![
            ("obs/0.values.u8.gz".to_string(), 10),
            ("vectors/0_3d.bin.gz".to_string(), MAX_PAYLOAD_BYTES + 1),
        ];
        let err = check_payloads(&files).expect_err("refused");
        assert!(
            err.to_string().contains("payload 'vectors/0_3d.bin.gz'"),
            "{err}"
        );
    }
}
