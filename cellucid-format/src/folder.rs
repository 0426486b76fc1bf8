//! [`ExportFolder`]: a reader of one export folder with typed, dequantized payload access.
//!
//! Opening reads and parses the manifests (the viewer's load order, viewer-contract.md §1.0);
//! payloads are read lazily, one call per payload, decompressed by their `.gz` suffix, checked
//! for their exact decoded length and decoded exactly as the viewer decodes them. The reader
//! trusts the manifests' value rules; run [`crate::validate()`] for a full check.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use cellucid_quant::{dequantize, Bits, Bounds};

use crate::error::FormatError;
use crate::gzip::decode_member_exact;
use crate::model::{
    CategoricalField, ConnectivityManifest, ContinuousField, DatasetIdentity, ObsManifest,
    VarManifest,
};
use crate::payload::{decode_le, expand_pattern, CodesDtype, PayloadError, ValueEncoding};

pub use crate::limits::{MAX_JSON_BYTES, MAX_PAYLOAD_BYTES};

/// An export folder opened for reading.
#[derive(Debug, Clone)]
pub struct ExportFolder {
    root: PathBuf,
    identity: DatasetIdentity,
    obs: ObsManifest,
    var: Option<VarManifest>,
    connectivity: Option<ConnectivityManifest>,
}

/// The decoded connectivity payloads.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Edges {
    /// Source cell of each edge (`src < dst`).
    pub src: Vec<u32>,
    /// Destination cell of each edge.
    pub dst: Vec<u32>,
    /// Weight of each edge (finite, > 0).
    pub weights: Vec<f64>,
}

impl ExportFolder {
    /// Opens the export folder at `dir`: reads `dataset_identity.json`, `obs_manifest.json`,
    /// and `var_manifest.json` / `connectivity_manifest.json` when the identity advertises genes
    /// / connectivity.
    ///
    /// # Errors
    /// [`FormatError::Io`] for a missing or unreadable file, [`FormatError::TooLarge`] for a
    /// document over 64 MiB, [`FormatError::Json`] for a document that does not parse.
    pub fn open(dir: impl AsRef<Path>) -> Result<Self, FormatError> {
        let root = dir.as_ref().to_path_buf();
        let identity =
            DatasetIdentity::from_json_str(&read_json(&root, DatasetIdentity::FILE_NAME)?)?;
        let obs = ObsManifest::from_json_str(&read_json(&root, ObsManifest::FILE_NAME)?)?;
        let var = if identity.stats.n_genes > 0 {
            Some(VarManifest::from_json_str(&read_json(
                &root,
                VarManifest::FILE_NAME,
            )?)?)
        } else {
            None
        };
        let connectivity = if identity.stats.has_connectivity {
            let text = read_json(&root, ConnectivityManifest::FILE_NAME)?;
            Some(ConnectivityManifest::from_json_str(&text)?)
        } else {
            None
        };
        Ok(Self {
            root,
            identity,
            obs,
            var,
            connectivity,
        })
    }

    /// The folder's path.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// `dataset_identity.json`.
    pub fn identity(&self) -> &DatasetIdentity {
        &self.identity
    }

    /// `obs_manifest.json`.
    pub fn obs_manifest(&self) -> &ObsManifest {
        &self.obs
    }

    /// `var_manifest.json`, when the identity advertises genes.
    pub fn var_manifest(&self) -> Option<&VarManifest> {
        self.var.as_ref()
    }

    /// `connectivity_manifest.json`, when the identity advertises connectivity.
    pub fn connectivity_manifest(&self) -> Option<&ConnectivityManifest> {
        self.connectivity.as_ref()
    }

    /// Number of cells (`stats.n_cells`).
    pub fn n_cells(&self) -> u64 {
        self.identity.stats.n_cells
    }

    /// Reads a payload by its path relative to the folder, gunzipping it when the path ends in
    /// `.gz`, and requires exactly `expected_len` decoded bytes.
    ///
    /// # Errors
    /// See [`read_payload_file`].
    pub fn read_payload(&self, rel_path: &str, expected_len: u64) -> Result<Vec<u8>, FormatError> {
        read_payload_file(&self.root, rel_path, expected_len)
    }

    /// The points of dimension `dim` (1, 2 or 3): `n_cells × dim` float32, cell-major.
    ///
    /// # Errors
    /// [`FormatError::NotDeclared`] when the dimension has no file; read/decode errors.
    pub fn points(&self, dim: u32) -> Result<Vec<f32>, FormatError> {
        let path = self
            .identity
            .embeddings
            .files
            .get(&format!("{dim}d"))
            .ok_or_else(|| {
                not_declared(DatasetIdentity::FILE_NAME, format!("a {dim}-D embedding"))
            })?;
        self.read_f32(path, u64::from(dim))
    }

    /// The continuous obs field with payload index `index`.
    pub fn continuous_field(&self, index: u64) -> Option<&ContinuousField> {
        self.obs.continuous_fields.iter().find(|f| f.index == index)
    }

    /// The categorical obs field with payload index `index`.
    pub fn categorical_field(&self, index: u64) -> Option<&CategoricalField> {
        self.obs
            .categorical_fields
            .iter()
            .find(|f| f.index == index)
    }

    /// The payload index of the obs field named `key` (continuous or categorical).
    pub fn obs_index(&self, key: &str) -> Option<u64> {
        let cont = self.obs.continuous_fields.iter().map(|f| (f.index, &f.key));
        let cat = self
            .obs
            .categorical_fields
            .iter()
            .map(|f| (f.index, &f.key));
        cont.chain(cat).find(|(_, k)| *k == key).map(|(i, _)| i)
    }

    /// The path of a continuous obs field's values payload.
    ///
    /// # Errors
    /// [`FormatError::NotDeclared`] for an unknown index or a missing schema.
    pub fn obs_values_path(&self, index: u64) -> Result<String, FormatError> {
        self.continuous_field(index)
            .ok_or_else(|| obs_not_declared(index, "continuous"))?;
        let schema = self.obs.obs_schemas.continuous.as_ref().ok_or_else(|| {
            not_declared(ObsManifest::FILE_NAME, "a continuous schema".to_owned())
        })?;
        Ok(expand_pattern(&schema.path_pattern, index, None))
    }

    /// A continuous obs field's values, dequantized as the viewer does (NaN for missing).
    ///
    /// # Errors
    /// [`FormatError::NotDeclared`], [`FormatError::Invalid`] for an invalid schema; read errors.
    pub fn obs_values(&self, index: u64) -> Result<Vec<f32>, FormatError> {
        let field = self
            .continuous_field(index)
            .ok_or_else(|| obs_not_declared(index, "continuous"))?;
        let path = self.obs_values_path(index)?;
        let encoding = self
            .obs
            .obs_schemas
            .continuous
            .as_ref()
            .and_then(|s| s.encoding())
            .ok_or_else(|| invalid(ObsManifest::FILE_NAME, "the continuous schema is invalid"))?;
        self.read_values(&path, encoding, field.bounds.map(Bounds::from))
    }

    /// The paths of a categorical field's codes and outliers payloads.
    ///
    /// # Errors
    /// [`FormatError::NotDeclared`] or [`FormatError::Invalid`].
    pub fn obs_categorical_paths(&self, index: u64) -> Result<(String, String), FormatError> {
        let field = self
            .categorical_field(index)
            .ok_or_else(|| obs_not_declared(index, "categorical"))?;
        let schema = self.obs.obs_schemas.categorical.as_ref().ok_or_else(|| {
            not_declared(ObsManifest::FILE_NAME, "a categorical schema".to_owned())
        })?;
        let codes = CodesDtype::from_name(&field.codes_dtype)
            .ok_or_else(|| invalid(ObsManifest::FILE_NAME, "a codes dtype is invalid"))?;
        Ok((
            expand_pattern(&schema.codes_path_pattern, index, Some(codes.ext())),
            expand_pattern(&schema.outlier_path_pattern, index, None),
        ))
    }

    /// A categorical field's codes, widened to u16 as the viewer does: the uint8 marker 255
    /// becomes 65535, so 65535 means missing for both widths.
    ///
    /// # Errors
    /// [`FormatError::NotDeclared`], [`FormatError::Invalid`]; read errors.
    pub fn obs_codes(&self, index: u64) -> Result<Vec<u16>, FormatError> {
        let field = self
            .categorical_field(index)
            .ok_or_else(|| obs_not_declared(index, "categorical"))?;
        let (path, _) = self.obs_categorical_paths(index)?;
        let codes = CodesDtype::from_name(&field.codes_dtype)
            .ok_or_else(|| invalid(ObsManifest::FILE_NAME, "a codes dtype is invalid"))?;
        let n = self.obs.n_points;
        match codes {
            CodesDtype::U8 => {
                let bytes = self.read_payload(&path, n)?;
                Ok(bytes
                    .iter()
                    .map(|&c| if c == 255 { u16::MAX } else { u16::from(c) })
                    .collect())
            }
            CodesDtype::U16 => {
                let bytes = self.read_payload(&path, checked_len(&path, n, 2)?)?;
                decode_le(&bytes).map_err(|source| payload_error(&path, source))
            }
        }
    }

    /// A categorical field's per-cell outlier quantiles, dequantized (NaN for missing).
    ///
    /// # Errors
    /// [`FormatError::NotDeclared`], [`FormatError::Invalid`]; read errors.
    pub fn obs_outliers(&self, index: u64) -> Result<Vec<f32>, FormatError> {
        let field = self
            .categorical_field(index)
            .ok_or_else(|| obs_not_declared(index, "categorical"))?;
        let (_, path) = self.obs_categorical_paths(index)?;
        let encoding = self
            .obs
            .obs_schemas
            .categorical
            .as_ref()
            .and_then(|s| s.outlier_encoding())
            .ok_or_else(|| invalid(ObsManifest::FILE_NAME, "the outlier schema is invalid"))?;
        self.read_values(&path, encoding, field.outlier_bounds.map(Bounds::from))
    }

    /// The payload index of the gene named `name`.
    pub fn gene_index(&self, name: &str) -> Option<u64> {
        self.var
            .as_ref()?
            .fields
            .iter()
            .find(|f| f.key == name)
            .map(|f| f.index)
    }

    /// The path of gene `index`'s payload.
    ///
    /// # Errors
    /// [`FormatError::NotDeclared`] for an unknown gene or a dataset without genes.
    pub fn gene_path(&self, index: u64) -> Result<String, FormatError> {
        let var = self.var_or_err()?;
        if !var.fields.iter().any(|f| f.index == index) {
            return Err(not_declared(
                VarManifest::FILE_NAME,
                format!("gene index {index}"),
            ));
        }
        Ok(expand_pattern(&var.var_schema.path_pattern, index, None))
    }

    /// Gene `index`'s values over all cells, dequantized as the viewer does (NaN for missing).
    ///
    /// # Errors
    /// [`FormatError::NotDeclared`], [`FormatError::Invalid`]; read errors.
    pub fn gene_values(&self, index: u64) -> Result<Vec<f32>, FormatError> {
        let var = self.var_or_err()?;
        let path = self.gene_path(index)?;
        let field = var.fields.iter().find(|f| f.index == index);
        let encoding = var
            .var_schema
            .encoding()
            .ok_or_else(|| invalid(VarManifest::FILE_NAME, "_varSchema is invalid"))?;
        self.read_values(
            &path,
            encoding,
            field.and_then(|f| f.bounds).map(Bounds::from),
        )
    }

    /// The connectivity edges and weights.
    ///
    /// # Errors
    /// [`FormatError::NotDeclared`] without connectivity, [`FormatError::Invalid`] for an
    /// unknown index width; read errors.
    pub fn edges(&self) -> Result<Edges, FormatError> {
        let manifest = self
            .connectivity
            .as_ref()
            .ok_or_else(|| not_declared(DatasetIdentity::FILE_NAME, "connectivity".to_owned()))?;
        let n = manifest.n_edges;
        let read_indices = |path: &str| -> Result<Vec<u32>, FormatError> {
            match manifest.index_bytes {
                2 => {
                    let bytes = self.read_payload(path, checked_len(path, n, 2)?)?;
                    let v: Vec<u16> =
                        decode_le(&bytes).map_err(|source| payload_error(path, source))?;
                    Ok(v.into_iter().map(u32::from).collect())
                }
                4 => {
                    let bytes = self.read_payload(path, checked_len(path, n, 4)?)?;
                    decode_le(&bytes).map_err(|source| payload_error(path, source))
                }
                other => Err(invalid(
                    ConnectivityManifest::FILE_NAME,
                    &format!("index_bytes {other} is not 2 or 4"),
                )),
            }
        };
        let src = read_indices(&manifest.sources_path)?;
        let dst = read_indices(&manifest.destinations_path)?;
        let path = &manifest.weights_path;
        let bytes = self.read_payload(path, checked_len(path, n, 8)?)?;
        let weights = decode_le(&bytes).map_err(|source| payload_error(path, source))?;
        Ok(Edges { src, dst, weights })
    }

    /// Vector field `field_id` in dimension `dim`: `n_cells × dim` float32, cell-major.
    ///
    /// # Errors
    /// [`FormatError::NotDeclared`] for an unknown field or dimension; read errors.
    pub fn vectors(&self, field_id: &str, dim: u32) -> Result<Vec<f32>, FormatError> {
        let path = self
            .identity
            .vector_fields
            .as_ref()
            .and_then(|v| v.fields.get(field_id))
            .and_then(|f| f.files.get(&format!("{dim}d")))
            .ok_or_else(|| {
                not_declared(
                    DatasetIdentity::FILE_NAME,
                    format!("vector field '{field_id}' in {dim}-D"),
                )
            })?;
        self.read_f32(path, u64::from(dim))
    }

    fn var_or_err(&self) -> Result<&VarManifest, FormatError> {
        self.var
            .as_ref()
            .ok_or_else(|| not_declared(DatasetIdentity::FILE_NAME, "any gene".to_owned()))
    }

    fn read_f32(&self, path: &str, components: u64) -> Result<Vec<f32>, FormatError> {
        let count = self.n_cells().saturating_mul(components);
        let bytes = self.read_payload(path, checked_len(path, count, 4)?)?;
        decode_le(&bytes).map_err(|source| payload_error(path, source))
    }

    fn read_values(
        &self,
        path: &str,
        encoding: ValueEncoding,
        bounds: Option<Bounds>,
    ) -> Result<Vec<f32>, FormatError> {
        let n = self.n_cells();
        let bytes = self.read_payload(path, checked_len(path, n, encoding.width() as u64)?)?;
        decode_values(&bytes, encoding, bounds).map_err(|source| payload_error(path, source))
    }
}

/// Decodes a continuous payload (obs values, gene values, outlier quantiles) exactly as the
/// viewer does: float32 as stored, quantized codes through [`cellucid_quant::dequantize`]
/// (missing marker → NaN). A quantized payload without bounds decodes as if `min = max = 0`.
///
/// # Errors
/// [`PayloadError::RaggedLength`] for a length that is not a whole number of elements.
pub fn decode_values(
    bytes: &[u8],
    encoding: ValueEncoding,
    bounds: Option<Bounds>,
) -> Result<Vec<f32>, PayloadError> {
    let bounds = bounds.unwrap_or(Bounds { min: 0.0, max: 0.0 });
    match encoding {
        ValueEncoding::Float32 => decode_le::<f32>(bytes),
        ValueEncoding::Quantized(Bits::U8) => Ok(bytes
            .iter()
            .map(|&c| dequantize(u16::from(c), bounds, Bits::U8))
            .collect()),
        ValueEncoding::Quantized(bits) => Ok(decode_le::<u16>(bytes)?
            .into_iter()
            .map(|c| dequantize(c, bounds, bits))
            .collect()),
    }
}

/// Reads the payload at `root/rel_path`, gunzipping it when the path ends in `.gz`, and
/// requires exactly `expected_len` decoded bytes. Compressed files are read under the viewer's
/// ceiling (decoded size + 5 bytes per 64 KiB + 18 + 1024) and ISIZE is checked before inflating,
/// so no allocation exceeds what the manifests imply.
///
/// # Errors
/// [`FormatError::TooLarge`] above 512 MiB decoded, [`FormatError::Io`] (e.g. a missing file),
/// [`FormatError::Payload`] for a wrong length, [`FormatError::Gzip`] for a bad member.
pub fn read_payload_file(
    root: &Path,
    rel_path: &str,
    expected_len: u64,
) -> Result<Vec<u8>, FormatError> {
    if expected_len > MAX_PAYLOAD_BYTES {
        return Err(FormatError::TooLarge {
            file: rel_path.to_owned(),
            size: expected_len,
            limit: MAX_PAYLOAD_BYTES,
        });
    }
    let path = root.join(rel_path);
    let io_err = |source| FormatError::Io {
        path: path.clone(),
        source,
    };
    let size = fs::metadata(&path).map_err(io_err)?.len();
    let gz = rel_path.ends_with(".gz");
    let ceiling = if gz {
        expected_len + 5 * expected_len.div_ceil(65_536) + 18 + 1024
    } else {
        expected_len
    };
    if size > ceiling || (!gz && size != expected_len) {
        return Err(payload_error(
            rel_path,
            PayloadError::WrongLength {
                expected: expected_len,
                found: size,
            },
        ));
    }
    let mut bytes = Vec::with_capacity(size as usize);
    fs::File::open(&path)
        .and_then(|f| f.take(ceiling + 1).read_to_end(&mut bytes))
        .map_err(io_err)?;
    if !gz {
        if bytes.len() as u64 != expected_len {
            return Err(payload_error(
                rel_path,
                PayloadError::WrongLength {
                    expected: expected_len,
                    found: bytes.len() as u64,
                },
            ));
        }
        return Ok(bytes);
    }
    decode_member_exact(&bytes, expected_len as usize).map_err(|source| FormatError::Gzip {
        file: rel_path.to_owned(),
        source,
    })
}

/// Reads a JSON document under the 64 MiB ceiling.
///
/// # Errors
/// [`FormatError::Io`] or [`FormatError::TooLarge`].
pub fn read_json(root: &Path, name: &str) -> Result<String, FormatError> {
    let path = root.join(name);
    let io_err = |source| FormatError::Io {
        path: path.clone(),
        source,
    };
    let size = fs::metadata(&path).map_err(io_err)?.len();
    if size > MAX_JSON_BYTES {
        return Err(FormatError::TooLarge {
            file: name.to_owned(),
            size,
            limit: MAX_JSON_BYTES,
        });
    }
    fs::read_to_string(&path).map_err(io_err)
}

/// `count × width` bytes, refused above the payload ceiling.
fn checked_len(path: &str, count: u64, width: u64) -> Result<u64, FormatError> {
    match count.checked_mul(width) {
        Some(len) if len <= MAX_PAYLOAD_BYTES => Ok(len),
        other => Err(FormatError::TooLarge {
            file: path.to_owned(),
            size: other.unwrap_or(u64::MAX),
            limit: MAX_PAYLOAD_BYTES,
        }),
    }
}

fn payload_error(path: &str, source: PayloadError) -> FormatError {
    FormatError::Payload {
        file: path.to_owned(),
        source,
    }
}

fn not_declared(file: &str, what: String) -> FormatError {
    FormatError::NotDeclared {
        file: file.to_owned(),
        what,
    }
}

fn obs_not_declared(index: u64, kind: &str) -> FormatError {
    not_declared(
        ObsManifest::FILE_NAME,
        format!("a {kind} field with payload index {index}"),
    )
}

fn invalid(file: &str, detail: &str) -> FormatError {
    FormatError::Invalid {
        file: file.to_owned(),
        detail: detail.to_owned(),
    }
}
