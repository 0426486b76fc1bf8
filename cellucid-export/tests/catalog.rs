//! `datasets.json` (format.md §22) over two exports, accepted by the validator.

mod common;

use cellucid_export::{export, write_catalog, NoEvents};

#[test]
fn catalog_lists_every_export_and_validates() {
    let root = tempfile::tempdir().expect("tmp");
    for id in ["beta", "alpha"] {
        let mut o = common::dataset::options();
        o.dataset_id = id.into();
        o.dataset_name = format!("{id} cells");
        export(
            &common::dataset::small(40, 6),
            &root.path().join(id),
            &o,
            &NoEvents,
        )
        .expect("export");
    }
    let catalog = write_catalog(root.path(), Some("beta")).expect("catalog");
    assert_eq!(catalog.default, "beta");
    let ids: Vec<&str> = catalog.datasets.iter().map(|d| d.id.as_str()).collect();
    assert_eq!(ids, vec!["alpha", "beta"]);
    assert_eq!(catalog.datasets[0].path, "alpha/");
    assert_eq!(catalog.datasets[0].n_cells, Some(40));
    assert!(root.path().join("datasets.json").is_file());
    common::assert_valid(root.path());
    assert!(write_catalog(root.path(), Some("gamma")).is_err());
}
