//! NaN handling (format.md §26 (a), (f)) and the reference's refusals, each with a message that
//! names the field, gene or key; nothing is published on refusal.

mod common;

use cellucid_export::source::{InMemorySource, Label};
use cellucid_export::{export, ExportError, NoEvents};
use common::dataset::{options, small, unit};

fn out_dir() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().expect("tmp");
    let out = dir.path().join("ds");
    (dir, out)
}

fn nan_source(gene_col: Vec<f32>, obs: Vec<f64>) -> InMemorySource {
    let n = obs.len();
    let umap = ndarray::Array2::from_shape_fn((n, 2), |(i, j)| unit(i, j));
    let pca = ndarray::Array2::from_shape_fn((n, 3), |(i, j)| unit(i, j + 5) as f32);
    let x = ndarray::Array2::from_shape_fn(
        (n, 2),
        |(i, j)| if j == 0 { gene_col[i] } else { i as f32 },
    );
    InMemorySource::new(n)
        .with_obsm("X_umap_2d", umap.view())
        .with_obsm("X_pca", pca.view())
        .with_obs_continuous("score", obs)
        .with_var_names(vec!["G0".into(), "G1".into()])
        .with_x_dense(x.view())
}

fn nan_options(compression: Option<u32>, bits: Option<u32>) -> cellucid_export::ExportOptions {
    let mut o = options();
    o.connectivities_key = None;
    o.compression = compression;
    o.var_quantization = bits;
    o.obs_continuous_quantization = bits;
    o
}

#[test]
fn nan_is_exported_as_missing_and_validates() {
    let gene = vec![1.0, f32::NAN, 3.0, 5.0];
    let obs = vec![f64::NAN, 2.0, 4.0, 2.0];
    for bits in [None, Some(8), Some(16)] {
        let (_d, out) = out_dir();
        export(
            &nan_source(gene.clone(), obs.clone()),
            &out,
            &nan_options(None, bits),
            &NoEvents,
        )
        .expect("NaN exports");
        common::assert_valid(&out);
        let ext = match bits {
            None => "f32",
            Some(8) => "u8",
            _ => "u16",
        };
        let g = std::fs::read(out.join(format!("var/0.values.{ext}"))).expect("gene");
        let o = std::fs::read(out.join(format!("obs/0.values.{ext}"))).expect("obs");
        match bits {
            None => {
                assert_eq!(
                    &g[4..8],
                    &0x7FC0_0000_u32.to_le_bytes(),
                    "canonical NaN in float32 genes"
                );
                assert_eq!(&o[0..4], &0x7FC0_0000_u32.to_le_bytes());
                assert_eq!(&g[0..4], &1.0_f32.to_le_bytes());
            }
            Some(8) => {
                assert_eq!(g, vec![0, 255, 127, 254]);
                assert_eq!(o, vec![255, 0, 254, 0]);
            }
            _ => {
                assert_eq!(&g[2..4], &[255, 255]);
                assert_eq!(&o[0..2], &[255, 255]);
            }
        }
        if bits.is_some() {
            let var = std::fs::read_to_string(out.join("var_manifest.json")).expect("var");
            assert!(
                var.contains("[0, \"G0\", 1.0, 5.0]"),
                "bounds over the finite values: {var}"
            );
        }
    }
}

#[test]
fn infinities_and_all_nan_columns_are_refused_by_name() {
    let (_d, out) = out_dir();
    let err = export(
        &nan_source(vec![1.0, f32::INFINITY, 3.0, 0.0], vec![1.0; 4]),
        &out,
        &nan_options(None, None),
        &NoEvents,
    )
    .expect_err("inf gene");
    assert!(
        matches!(err, ExportError::Gene { ref name, .. } if name == "G0"),
        "{err}"
    );
    assert!(err.to_string().contains("+Inf"), "{err}");
    assert!(!out.exists(), "nothing published");
    let err = export(
        &nan_source(vec![f32::NAN; 4], vec![1.0; 4]),
        &out,
        &nan_options(Some(6), Some(8)),
        &NoEvents,
    )
    .expect_err("all-NaN gene");
    assert!(
        err.to_string().contains("Gene 'G0'") && err.to_string().contains("gene_identifiers"),
        "{err}"
    );
    let err = export(
        &nan_source(vec![1.0; 4], vec![f64::NEG_INFINITY, 1.0, 2.0, 3.0]),
        &out,
        &nan_options(None, Some(8)),
        &NoEvents,
    )
    .expect_err("inf obs");
    assert!(
        err.to_string().contains("'score'") && err.to_string().contains("-Inf"),
        "{err}"
    );
    let err = export(
        &nan_source(vec![1.0; 4], vec![f64::NAN; 4]),
        &out,
        &nan_options(None, None),
        &NoEvents,
    )
    .expect_err("all-NaN obs");
    assert!(err.to_string().contains("'score'"), "{err}");
    assert!(!out.exists());
}

#[test]
fn reference_refusals_name_the_key_and_fix() {
    let (_d, out) = out_dir();
    // Missing latent space.
    let mut o = options();
    o.latent_key = None;
    let err = export(&small(30, 4), &out, &o, &NoEvents).expect_err("no latent");
    assert!(err.to_string().contains("latent_key"), "{err}");
    let mut o = options();
    o.latent_key = Some("X_nope".into());
    let err = export(&small(30, 4), &out, &o, &NoEvents).expect_err("unknown latent");
    assert!(
        err.to_string().contains("X_nope") && err.to_string().contains("X_pca"),
        "{err}"
    );
    // Asymmetric graph.
    let n = 30;
    let mut tri = sprs::TriMat::new((n, n));
    tri.add_triplet(0, 1, 1.0);
    tri.add_triplet(1, 0, 0.5);
    let src = small(n, 4).with_obsp_sparse("connectivities", tri.to_csr::<usize>());
    let err = export(&src, &out, &options(), &NoEvents).expect_err("asymmetric");
    assert!(
        err.to_string().contains("not symmetric") && err.to_string().contains("(C + C.T) / 2"),
        "{err}"
    );
    // Bad vector-field name.
    let mut o = options();
    o.vector_fields = vec!["velocity_2d".into()];
    let v = ndarray::Array2::<f64>::zeros((n, 2));
    let err = export(
        &small(n, 4).with_obsm("velocity_2d", v.view()),
        &out,
        &o,
        &NoEvents,
    )
    .expect_err("bad name");
    assert!(
        err.to_string().contains("velocity_2d") && err.to_string().contains("_umap_"),
        "{err}"
    );
    // Too many categories for uint8.
    let labels: Vec<Label> = (0..300).map(Label::Int).collect();
    let codes: Vec<i32> = (0..n as i32).collect();
    let mut o = options();
    o.obs_categorical_dtype = cellucid_export::CategoricalDtype::Uint8;
    let err = export(
        &small(n, 4).with_obs_categorical("many", labels.clone(), codes.clone()),
        &out,
        &o,
        &NoEvents,
    )
    .expect_err("uint8 overflow");
    assert!(
        err.to_string()
            .contains("Field 'many' has 300 categories, but uint8 supports at most 255"),
        "{err}"
    );
    // ... while auto picks uint16 and the export validates.
    o.obs_categorical_dtype = cellucid_export::CategoricalDtype::Auto;
    o.centroid_min_points = 1;
    export(
        &small(n, 4).with_obs_categorical("many", labels, codes),
        &out,
        &o,
        &NoEvents,
    )
    .expect("auto uint16");
    common::assert_valid(&out);
    let identity = std::fs::read_to_string(out.join("dataset_identity.json")).expect("identity");
    assert!(identity.contains("\"obs_categorical_dtype\": \"uint16\""));
}
