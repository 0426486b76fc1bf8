//! Bad input gives typed errors naming the element path, never a panic: missing files,
//! non-HDF5 and truncated files, byte corruption, and malformed AnnData structure (through an
//! in-memory backend implementing the public `Backend` trait).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::needless_range_loop,
    missing_docs
)]

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use cellucid_adapter::backend::{ArrayInfo, AttrValue, Backend, BackendError, NodeKind};
use cellucid_adapter::mapping::{self, MappingError};
use cellucid_adapter::{AnnData, DType, MatrixSource, OpenError, ReadError, Values};

fn fixture(name: &str) -> PathBuf {
    Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/fixtures/adapter"
    ))
    .join(name)
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("cellucid-adapter-errors-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

#[test]
fn missing_not_hdf5_and_truncated_files_are_named() {
    assert!(matches!(
        AnnData::open("/nonexistent/x.h5ad"),
        Err(OpenError::NotFound { .. })
    ));
    let p = scratch("text.h5ad");
    std::fs::write(&p, b"this is not an hdf5 file at all, just some text").unwrap();
    let e = AnnData::open(&p).unwrap_err();
    assert!(matches!(e, OpenError::NotHdf5 { .. }), "{e}");
    assert!(e.to_string().contains("text.h5ad"));
    let bytes = std::fs::read(fixture("csc.h5ad")).unwrap();
    let p = scratch("truncated.h5ad");
    std::fs::write(&p, &bytes[..bytes.len() / 2]).unwrap();
    let e = AnnData::open(&p).unwrap_err();
    assert!(matches!(e, OpenError::Truncated { .. }), "{e}");
    assert!(e.to_string().contains("truncated"));
}

/// Open and read everything; errors are fine, panics are not.
fn exercise(path: &Path) {
    let Ok(ad) = AnnData::open(path) else { return };
    let _ = ad.obs_names();
    let _ = ad.var_names();
    let _ = mapping::obs_fields(&ad, None);
    let _ = mapping::resolve_embeddings(&ad);
    for k in ad.obsm_keys().to_vec() {
        let _ = ad.obsm(&k);
    }
    for k in ad.obsp_keys().to_vec() {
        let _ = ad.obsp(&k);
    }
    if let Ok(x) = ad.matrix(MatrixSource::X) {
        for j in 0..x.n_vars().min(8) {
            let _ = x.gene(j);
        }
    }
}

#[test]
fn corrupted_bytes_never_panic() {
    for name in ["csc.h5ad", "nullable_csr_i64.h5ad"] {
        let original = std::fs::read(fixture(name)).unwrap();
        let p = scratch(&format!("corrupt-{name}"));
        let mut state = 0x9E37_79B9_7F4A_7C15_u64;
        for round in 0..40 {
            let mut bytes = original.clone();
            for _ in 0..8 {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                let at = (state as usize) % bytes.len();
                bytes[at] ^= (state >> 32) as u8 | 1;
            }
            std::fs::write(&p, &bytes).unwrap();
            let r = std::panic::catch_unwind(|| exercise(&p));
            assert!(r.is_ok(), "{name}: round {round} panicked");
        }
    }
}

/// A stored array: shape, values, attributes.
type MemArray = (Vec<u64>, Values, BTreeMap<String, AttrValue>);

/// A tiny in-memory store for malformed structures.
#[derive(Debug, Default)]
struct Mem {
    groups: BTreeMap<String, BTreeMap<String, AttrValue>>,
    arrays: BTreeMap<String, MemArray>,
    strings: BTreeMap<String, Vec<String>>,
}

impl Mem {
    fn group(&mut self, path: &str, attrs: &[(&str, AttrValue)]) {
        self.groups.insert(
            path.into(),
            attrs
                .iter()
                .map(|(k, v)| ((*k).to_string(), v.clone()))
                .collect(),
        );
    }
    fn array(&mut self, path: &str, values: Values, attrs: &[(&str, AttrValue)]) {
        let shape = vec![values.len() as u64];
        self.arrays.insert(
            path.into(),
            (
                shape,
                values,
                attrs
                    .iter()
                    .map(|(k, v)| ((*k).to_string(), v.clone()))
                    .collect(),
            ),
        );
    }
    fn strings(&mut self, path: &str, v: &[&str]) {
        self.strings
            .insert(path.into(), v.iter().map(|s| (*s).to_string()).collect());
    }
    fn nf(&self, path: &str) -> BackendError {
        BackendError::NotFound {
            path: path.into(),
            store: "mem".into(),
        }
    }
    /// A valid 3-cell, 2-gene AnnData.
    fn valid() -> Mem {
        let s = |x: &str| AttrValue::Str(x.into());
        let mut m = Mem::default();
        m.group("", &[]);
        m.group(
            "obs",
            &[
                ("encoding-type", s("dataframe")),
                ("_index", s("_index")),
                ("column-order", AttrValue::StrList(vec!["ct".into()])),
            ],
        );
        m.strings("obs/_index", &["a", "b", "c"]);
        m.group("obs/ct", &[("encoding-type", s("categorical"))]);
        m.strings("obs/ct/categories", &["T", "B"]);
        m.array("obs/ct/codes", Values::I8(vec![0, 1, -1]), &[]);
        m.group(
            "var",
            &[("encoding-type", s("dataframe")), ("_index", s("_index"))],
        );
        m.strings("var/_index", &["g0", "g1"]);
        m.group(
            "X",
            &[
                ("encoding-type", s("csr_matrix")),
                ("shape", AttrValue::IntList(vec![3, 2])),
            ],
        );
        m.array("X/indptr", Values::I64(vec![0, 1, 2, 3]), &[]);
        m.array("X/indices", Values::I32(vec![0, 1, 1]), &[]);
        m.array("X/data", Values::F32(vec![1.0, 2.0, 3.0]), &[]);
        m
    }
}

impl Backend for Mem {
    fn describe(&self) -> String {
        "mem".into()
    }
    fn kind(&self, path: &str) -> Result<Option<NodeKind>, BackendError> {
        Ok(if self.groups.contains_key(path) {
            Some(NodeKind::Group)
        } else if self.arrays.contains_key(path) || self.strings.contains_key(path) {
            Some(NodeKind::Array)
        } else {
            None
        })
    }
    fn children(&self, path: &str) -> Result<Vec<String>, BackendError> {
        let prefix = if path.is_empty() {
            String::new()
        } else {
            format!("{path}/")
        };
        let keys = self
            .groups
            .keys()
            .chain(self.arrays.keys())
            .chain(self.strings.keys());
        Ok(keys
            .filter_map(|k| {
                k.strip_prefix(&prefix)
                    .filter(|r| !r.is_empty() && !r.contains('/'))
                    .map(str::to_string)
            })
            .collect())
    }
    fn attribute(&self, path: &str, name: &str) -> Result<Option<AttrValue>, BackendError> {
        if let Some(g) = self.groups.get(path) {
            return Ok(g.get(name).cloned());
        }
        if let Some((_, _, a)) = self.arrays.get(path) {
            return Ok(a.get(name).cloned());
        }
        if self.strings.contains_key(path) {
            return Ok(None);
        }
        Err(self.nf(path))
    }
    fn array_info(&self, path: &str) -> Result<ArrayInfo, BackendError> {
        if let Some((shape, v, _)) = self.arrays.get(path) {
            return Ok(ArrayInfo {
                shape: shape.clone(),
                dtype: v.dtype(),
                chunks: None,
            });
        }
        if let Some(s) = self.strings.get(path) {
            return Ok(ArrayInfo {
                shape: vec![s.len() as u64],
                dtype: DType::Str,
                chunks: None,
            });
        }
        Err(self.nf(path))
    }
    fn read(&self, path: &str, selection: &[Range<u64>]) -> Result<Values, BackendError> {
        let (_, v, _) = self.arrays.get(path).ok_or_else(|| self.nf(path))?;
        match selection.first() {
            None => Ok(v.clone()),
            Some(r) => Ok(v.gather(&(r.start as usize..r.end as usize).collect::<Vec<_>>())),
        }
    }
    fn read_strings(
        &self,
        path: &str,
        _range: Option<Range<u64>>,
    ) -> Result<Vec<String>, BackendError> {
        self.strings.get(path).cloned().ok_or_else(|| self.nf(path))
    }
}

fn open(m: Mem) -> Result<AnnData, OpenError> {
    AnnData::from_backend(Arc::new(m))
}

#[test]
fn the_in_memory_store_is_a_valid_anndata() {
    let ad = open(Mem::valid()).unwrap();
    assert_eq!((ad.n_obs(), ad.n_vars()), (3, 2));
    let x = ad.matrix(MatrixSource::X).unwrap();
    assert_eq!(
        x.gene(1).unwrap().to_dense(),
        Values::F32(vec![0.0, 2.0, 3.0])
    );
}

#[test]
fn codes_out_of_range_name_the_codes_path() {
    let mut m = Mem::valid();
    m.array("obs/ct/codes", Values::I8(vec![0, 2, -1]), &[]);
    let ad = open(m).unwrap();
    let e = ad.obs_column("ct").unwrap_err();
    assert!(
        matches!(&e, ReadError::Malformed { path, .. } if path == "obs/ct/codes"),
        "{e}"
    );
    assert!(e.to_string().contains("row 1 has code 2"), "{e}");
    let e = mapping::obs_field(&ad, "ct").unwrap_err();
    assert!(matches!(e, MappingError::Read(ReadError::Malformed { .. })));
}

#[test]
fn float_codes_and_unknown_encodings_are_refused() {
    let mut m = Mem::valid();
    m.array("obs/ct/codes", Values::F32(vec![0.0, 1.0, 0.0]), &[]);
    let e = open(m).unwrap().obs_column("ct").unwrap_err();
    assert!(
        matches!(&e, ReadError::Type { path, .. } if path == "obs/ct/codes"),
        "{e}"
    );
    let mut m = Mem::valid();
    m.group(
        "obs/ct",
        &[("encoding-type", AttrValue::Str("awkward-array".into()))],
    );
    let ad = open(m).unwrap();
    assert!(matches!(
        ad.obs_column("ct"),
        Err(ReadError::Encoding { .. })
    ));
    let e = mapping::obs_field(&ad, "ct").unwrap_err();
    assert!(matches!(e, MappingError::UnsupportedObs { .. }));
    assert!(
        e.to_string()
            .contains("obs field 'ct' has unsupported dtype"),
        "{e}"
    );
}

#[test]
fn column_length_mismatch_is_a_shape_error() {
    let mut m = Mem::valid();
    m.array("obs/ct/codes", Values::I8(vec![0, 1]), &[]);
    let e = open(m).unwrap().obs_column("ct").unwrap_err();
    assert!(
        matches!(&e, ReadError::Shape { path, .. } if path == "obs/ct/codes"),
        "{e}"
    );
}

#[test]
fn broken_sparse_structure_is_refused_at_the_element() {
    let mut m = Mem::valid();
    m.array("X/indptr", Values::I64(vec![0, 2, 1, 3]), &[]);
    let e = open(m).unwrap().matrix(MatrixSource::X).unwrap_err();
    assert!(
        matches!(&e, ReadError::Malformed { path, .. } if path == "X/indptr"),
        "{e}"
    );
    let mut m = Mem::valid();
    m.array("X/indices", Values::I32(vec![0, 5, 1]), &[]);
    let e = open(m)
        .unwrap()
        .matrix(MatrixSource::X)
        .unwrap()
        .gene(0)
        .unwrap_err();
    assert!(
        matches!(&e, ReadError::Malformed { path, .. } if path == "X/indices"),
        "{e}"
    );
    let mut m = Mem::valid();
    m.array("X/indices", Values::F32(vec![0.0, 1.0, 1.0]), &[]);
    let e = open(m)
        .unwrap()
        .matrix(MatrixSource::X)
        .unwrap()
        .gene(0)
        .unwrap_err();
    assert!(matches!(&e, ReadError::Type { .. }), "{e}");
    // Duplicate entries for one cell and gene.
    let mut m = Mem::valid();
    m.array("X/indptr", Values::I64(vec![0, 2, 2, 3]), &[]);
    m.array("X/indices", Values::I32(vec![1, 1, 1]), &[]);
    let e = open(m)
        .unwrap()
        .matrix(MatrixSource::X)
        .unwrap()
        .gene(1)
        .unwrap_err();
    assert!(e.to_string().contains("twice"), "{e}");
}

#[test]
fn x_shape_must_match_obs_and_var() {
    let mut m = Mem::valid();
    m.group(
        "X",
        &[
            ("encoding-type", AttrValue::Str("csr_matrix".into())),
            ("shape", AttrValue::IntList(vec![3, 7])),
        ],
    );
    let e = open(m).unwrap_err();
    assert!(
        matches!(&e, OpenError::Read { source: ReadError::Shape { path, .. }, .. } if path == "X"),
        "{e}"
    );
}

#[test]
fn missing_required_elements_and_legacy_layout() {
    let mut m = Mem::valid();
    m.strings.remove("obs/_index");
    let e = open(m).unwrap_err();
    assert!(e.to_string().contains("obs/_index"), "{e}");
    let mut m = Mem::valid();
    m.groups.remove("obs");
    m.arrays.insert(
        "obs".into(),
        (vec![3], Values::U8(vec![0; 3]), BTreeMap::new()),
    );
    let e = open(m).unwrap_err();
    assert!(matches!(e, OpenError::LegacyLayout { .. }), "{e}");
    assert!(e.to_string().contains("write_h5ad"), "{e}");
    let ad = open(Mem::valid()).unwrap();
    assert!(matches!(
        ad.obs_column("nope"),
        Err(ReadError::KeyNotFound { .. })
    ));
    assert!(matches!(
        ad.obsm("X_umap"),
        Err(ReadError::KeyNotFound { .. })
    ));
    assert!(matches!(
        mapping::resolve_embeddings(&ad),
        Err(MappingError::NoEmbedding { .. })
    ));
    assert!(matches!(
        mapping::obs_fields(&ad, Some(&["zz".to_string()])),
        Err(MappingError::UnknownObsKeys { .. })
    ));
    assert!(matches!(
        mapping::obs_fields(&ad, Some(&[])),
        Err(MappingError::EmptyObsKeys)
    ));
}

/// Inputs found by the `adapter_open` fuzz target (`fuzz/`), replayed on every test run.
#[test]
fn fuzz_regressions_are_refused_without_panicking() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz_regressions/adapter_open");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        exercise(&path);
        seen += 1;
    }
    assert!(seen > 0, "no regression inputs in {}", dir.display());
}

/// Opens a fuzz regression input and collects the messages of the reads `read` makes.
fn damage_messages(file: &str, read: impl Fn(&AnnData) -> Vec<String>) -> Vec<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fuzz_regressions/adapter_open")
        .join(file);
    read(&AnnData::open(&path).unwrap())
}

/// A corrupted shape declaring ~7e18 elements is refused before the HDF5 reader sizes a buffer
/// from it (the first `adapter_open` fuzz crash).
#[test]
fn absurd_declared_shapes_are_refused_as_damage() {
    let errors = damage_messages("crash-9550aedd7bd6a55ca8a3a5b38d77eb14bfa75590", |ad| {
        let keys = ad.obsp_keys().to_vec();
        keys.iter()
            .filter_map(|k| ad.obsp(k).err().map(|e| e.to_string()))
            .collect()
    });
    assert!(
        errors.iter().any(|e| e.contains("the file is damaged")),
        "{errors:?}"
    );
}

/// A corrupted string-array shape is refused before the reader allocates its raw buffer (the
/// second `adapter_open` fuzz crash).
#[test]
fn absurd_string_shapes_are_refused_as_damage() {
    let errors = damage_messages("crash-a8f548666845d0378c1264b5396cc74435f43769", |ad| {
        let keys = ad.obs_columns().to_vec();
        keys.iter()
            .filter_map(|k| ad.obs_column(k).err().map(|e| e.to_string()))
            .collect()
    });
    assert!(
        errors.iter().any(|e| e.contains("the file is damaged")),
        "{errors:?}"
    );
}
