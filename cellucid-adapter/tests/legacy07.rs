//! anndata 0.7's dataframe layout (encoding-version 0.1.0): a categorical column is its integer
//! codes, whose `categories` attribute points at `<df>/__categories/<column>` (an HDF5 object
//! reference in `.h5ad`, a relative path in `.zarr`). Fixture:
//! `tests/fixtures/adapter/legacy07/make_legacy07.py`.

use cellucid_adapter::{AnnData, Categories, Column};

const DIR: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../tests/fixtures/adapter/legacy07"
);

fn open(name: &str) -> AnnData {
    AnnData::open(format!("{DIR}/{name}")).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn strings(v: &[&str]) -> Categories {
    Categories::Str(v.iter().map(|s| s.to_string()).collect())
}

/// The inputs this build can open (`.zarr` with the `zarr` feature).
fn inputs() -> Vec<&'static str> {
    let mut v = vec!["input.h5ad"];
    if cfg!(feature = "zarr") {
        v.push("input.zarr");
    }
    v
}

#[test]
fn legacy_categoricals_read_as_categoricals() {
    for name in inputs() {
        let ad = open(name);
        let Column::Categorical {
            categories,
            codes,
            ordered,
        } = ad.obs_column("cell_type").expect("cell_type")
        else {
            panic!("{name}: cell_type is not categorical")
        };
        assert_eq!(categories, strings(&["T", "B", "NK", "unused"]), "{name}");
        assert!(!ordered, "{name}");
        assert_eq!(codes.len(), 240, "{name}");
        assert!(codes.contains(&-1), "{name}: the missing cells");
        assert!(codes.iter().all(|&c| (-1..3).contains(&c)), "{name}");

        let Column::Categorical {
            categories,
            ordered,
            ..
        } = ad.obs_column("stage").expect("stage")
        else {
            panic!("{name}: stage is not categorical")
        };
        assert_eq!(categories, strings(&["early", "mid", "late"]), "{name}");
        assert!(ordered, "{name}: `ordered` is on the categories array");

        assert!(
            matches!(
                ad.var_column("kind").expect("kind"),
                Column::Categorical { .. }
            ),
            "{name}: var columns too"
        );
        assert!(
            matches!(ad.obs_column("score").expect("score"), Column::Numeric(_)),
            "{name}: plain columns stay plain"
        );
        assert!(
            !ad.obs_columns().iter().any(|c| c == "__categories"),
            "{name}: __categories is no column"
        );
    }
}

#[cfg(feature = "zarr")]
#[test]
fn h5ad_and_zarr_read_the_same_columns() {
    let (h5, zarr) = (open("input.h5ad"), open("input.zarr"));
    assert_eq!(h5.obs_columns(), zarr.obs_columns());
    for key in h5.obs_columns() {
        assert_eq!(
            h5.obs_column(key).expect("h5ad"),
            zarr.obs_column(key).expect("zarr"),
            "{key}"
        );
    }
}

#[test]
fn a_reference_outside_the_categories_group_is_refused_with_the_fix() {
    let ad = open("broken-reference.h5ad");
    let err = ad.obs_column("cell_type").expect_err("refused");
    let text = err.to_string();
    for part in ["obs/cell_type", "__categories", "write_h5ad"] {
        assert!(text.contains(part), "{part:?} not in {text}");
    }
    // The other columns still read.
    assert!(matches!(
        ad.obs_column("stage").expect("stage"),
        Column::Categorical { .. }
    ));
}

#[test]
fn a_current_column_with_a_stray_categories_attribute_stays_numeric() {
    let ad = open("stray-categories-attribute.h5ad");
    assert!(matches!(
        ad.obs_column("score").expect("score"),
        Column::Numeric(_)
    ));
}
