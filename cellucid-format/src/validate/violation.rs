//! [`Violation`]: one broken viewer rule.

use serde::Serialize;

/// One rule of viewer-contract.md §1–§2 that an export folder breaks.
///
/// Every variant names the file (relative to the folder given to [`crate::validate()`]), the
/// key, field or payload element, and what was expected versus found. Serialised as JSON with
/// a `"violation"` tag naming the variant.
#[derive(Debug, Clone, PartialEq, Serialize, thiserror::Error)]
#[serde(tag = "violation")]
#[non_exhaustive]
pub enum Violation {
    // ---- files and JSON structure ----
    /// A required file is absent.
    #[error("{file}: missing required file")]
    MissingFile {
        /// The file.
        file: String,
    },
    /// A file exists but cannot be read.
    #[error("{file}: cannot be read: {detail}")]
    Unreadable {
        /// The file.
        file: String,
        /// The operating-system error.
        detail: String,
    },
    /// A document is not valid JSON (`NaN`/`Infinity` tokens included).
    #[error("{file}: invalid JSON: {detail}")]
    InvalidJson {
        /// The file.
        file: String,
        /// The parser's message.
        detail: String,
    },
    /// A JSON document is over the 64 MiB browser limit.
    #[error("{file}: {size} bytes exceeds the {limit}-byte browser limit for JSON")]
    JsonTooLarge {
        /// The file.
        file: String,
        /// Its size.
        size: u64,
        /// The limit.
        limit: u64,
    },
    /// An object lacks a required key.
    #[error("{file}: {path} is missing required key '{key}'")]
    MissingKey {
        /// The file.
        file: String,
        /// JSON path of the object (`$` is the root).
        path: String,
        /// The missing key.
        key: String,
    },
    /// An object has a key the format does not define.
    #[error("{file}: {path} has unexpected key '{key}'; remove it")]
    UnexpectedKey {
        /// The file.
        file: String,
        /// JSON path of the object.
        path: String,
        /// The unexpected key.
        key: String,
    },
    /// A value has the wrong JSON type.
    #[error("{file}: {path}: {detail}")]
    WrongType {
        /// The file.
        file: String,
        /// JSON path of the value (or `$` with the parser's line/column in `detail`).
        path: String,
        /// What was expected.
        detail: String,
    },
    /// A field tuple has the wrong length for its schema.
    #[error("{file}: {path} has {found} elements, expected {expected}")]
    TupleLength {
        /// The file.
        file: String,
        /// JSON path of the tuple.
        path: String,
        /// Length the schema requires.
        expected: usize,
        /// Length found.
        found: usize,
    },
    // ---- identity ----
    /// `version` is not the supported one.
    #[error("{file}: unsupported version {found}; supported version: {expected}")]
    UnsupportedVersion {
        /// The file.
        file: String,
        /// The supported version.
        expected: u32,
        /// The version found.
        found: u32,
    },
    /// A format tag (`_format`, `format`) has the wrong value.
    #[error("{file}: {key} is {found:?}, expected {expected:?}")]
    WrongFormatTag {
        /// The file.
        file: String,
        /// The key.
        key: String,
        /// The required value.
        expected: String,
        /// The value found.
        found: String,
    },
    /// The dataset id is not `^[A-Za-z0-9][A-Za-z0-9._-]*$` or ends in `.`.
    #[error("{file}: id {id:?} must match ^[A-Za-z0-9][A-Za-z0-9._-]*$ and not end in '.'")]
    InvalidDatasetId {
        /// The file.
        file: String,
        /// The id found.
        id: String,
    },
    /// A string that must be non-empty (after trimming, for `name`) is empty.
    #[error("{file}: {path} must be a non-empty string")]
    EmptyString {
        /// The file.
        file: String,
        /// JSON path of the string.
        path: String,
    },
    /// `created_at` is not a real `YYYY-MM-DDTHH:MM:SSZ` instant.
    #[error("{file}: created_at {value:?} is not a real YYYY-MM-DDTHH:MM:SSZ UTC time")]
    InvalidCreatedAt {
        /// The file.
        file: String,
        /// The value found.
        value: String,
    },
    /// Field counts in `stats` and `obs_fields` disagree.
    #[error("{file}: {detail}")]
    ObsFieldCounts {
        /// The file.
        file: String,
        /// Which counts disagree.
        detail: String,
    },
    /// `n_edges` is not an integer with connectivity, or not `null` without.
    #[error("{file}: stats.n_edges is {n_edges:?} but has_connectivity is {has_connectivity}")]
    EdgeCountNullability {
        /// The file.
        file: String,
        /// `stats.has_connectivity`.
        has_connectivity: bool,
        /// `stats.n_edges`.
        n_edges: Option<u64>,
    },
    /// A dimension list is empty, not strictly increasing, or outside {1, 2, 3}.
    #[error("{file}: {path} {dims:?} must be non-empty, strictly increasing and within 1..3")]
    InvalidDimensions {
        /// The file.
        file: String,
        /// JSON path of the list.
        path: String,
        /// The list found.
        dims: Vec<u32>,
    },
    /// `default_dimension` is not allowed (not available, or not the largest for vectors).
    #[error("{file}: {path} is {found}, expected {expected}")]
    DefaultDimension {
        /// The file.
        file: String,
        /// JSON path of the value.
        path: String,
        /// The required dimension.
        expected: u32,
        /// The value found.
        found: u32,
    },
    /// A `files` map does not have exactly one key per available dimension.
    #[error("{file}: {path} keys {found:?} must be exactly {expected:?}")]
    FilesMismatch {
        /// The file.
        file: String,
        /// JSON path of the map.
        path: String,
        /// Keys required.
        expected: Vec<String>,
        /// Keys found.
        found: Vec<String>,
    },
    /// A payload path is not a safe relative path.
    #[error("{file}: {path} {value:?} is not a safe relative path: {reason}")]
    UnsafePath {
        /// The file.
        file: String,
        /// JSON path of the value.
        path: String,
        /// The path found.
        value: String,
        /// Why it is unsafe.
        reason: String,
    },
    /// A `compression` value is not `null` or 1..9.
    #[error("{file}: {path} is {found}, expected null or 1..9")]
    InvalidCompression {
        /// The file.
        file: String,
        /// JSON path of the value.
        path: String,
        /// The value found.
        found: u32,
    },
    /// A quantization value is not `null`, 8 or 16.
    #[error("{file}: {path} is {found}, expected null, 8 or 16")]
    InvalidQuantization {
        /// The file.
        file: String,
        /// JSON path of the value.
        path: String,
        /// The value found.
        found: u32,
    },
    /// A codes dtype is not `uint8` or `uint16`.
    #[error("{file}: {path} is {found:?}, expected \"uint8\" or \"uint16\"")]
    InvalidCodesDtype {
        /// The file.
        file: String,
        /// JSON path of the value.
        path: String,
        /// The value found.
        found: String,
    },
    /// A key or name is used twice.
    #[error("{file}: {path} {key:?} is used more than once")]
    DuplicateKey {
        /// The file.
        file: String,
        /// Where the keys live.
        path: String,
        /// The duplicated key.
        key: String,
    },
    /// `obs_fields` does not match the obs manifest in order, kind and category count.
    #[error(
        "{file}: obs_fields[{position}] is {found}, but obs_manifest.json expands to {expected} \
         (continuous fields first, then categorical)"
    )]
    ObsFieldsMismatch {
        /// The identity file.
        file: String,
        /// Position in `obs_fields`.
        position: usize,
        /// What the manifest implies.
        expected: String,
        /// What the identity says.
        found: String,
    },
    // ---- vector fields ----
    /// `vector_fields.default_field` is `null`.
    #[error("{file}: vector_fields.default_field must name a field")]
    MissingDefaultVectorField {
        /// The file.
        file: String,
    },
    /// `vector_fields.default_field` names no declared field.
    #[error("{file}: vector_fields.default_field {found:?} is not a declared field")]
    UnknownDefaultVectorField {
        /// The file.
        file: String,
        /// The value found.
        found: String,
    },
    /// `vector_fields.fields` is empty.
    #[error("{file}: vector_fields.fields must not be empty")]
    EmptyVectorFields {
        /// The file.
        file: String,
    },
    /// A vector field's `label` differs from its id.
    #[error("{file}: vector field {field:?} has label {label:?}; it must equal the id")]
    VectorFieldLabel {
        /// The file.
        file: String,
        /// The field id.
        field: String,
        /// The label found.
        label: String,
    },
    /// A vector field's `basis` is not `"umap"`.
    #[error("{file}: vector field {field:?} has basis {basis:?}, expected \"umap\"")]
    VectorFieldBasis {
        /// The file.
        file: String,
        /// The field id.
        field: String,
        /// The basis found.
        basis: String,
    },
    /// A vector field dimension is not an embedding dimension.
    #[error("{file}: vector field {field:?} has dimension {dim}, which has no points file")]
    VectorFieldDimension {
        /// The file.
        file: String,
        /// The field id.
        field: String,
        /// The dimension.
        dim: u32,
    },
    /// A vector field file is not `vectors/<fieldIndex>_<d>d.bin[.gz]`.
    #[error("{file}: vector field {field:?} {dim}d file is {found:?}, expected {expected:?}")]
    VectorFieldPath {
        /// The file.
        file: String,
        /// The field id.
        field: String,
        /// The dimension.
        dim: u32,
        /// The required path.
        expected: String,
        /// The path found.
        found: String,
    },
    // ---- manifests ----
    /// A count is out of its allowed range (e.g. `n_points` not positive).
    #[error("{file}: {path} is {found}; {rule}")]
    InvalidCount {
        /// The file.
        file: String,
        /// JSON path of the count.
        path: String,
        /// The value found.
        found: u64,
        /// The rule.
        rule: String,
    },
    /// A count disagrees with another file.
    #[error("{file}: {path} ({found}) must equal {against} ({expected})")]
    CountMismatch {
        /// The file.
        file: String,
        /// JSON path of the count.
        path: String,
        /// The other file's value.
        expected: u64,
        /// This file's value.
        found: u64,
        /// Which value it must equal, e.g. `dataset_identity.json stats.n_cells`.
        against: String,
    },
    /// `centroid_outlier_quantile` is not `null` or strictly between 0 and 1.
    #[error("{file}: centroid_outlier_quantile {found} must be null or strictly between 0 and 1")]
    InvalidOutlierQuantile {
        /// The file.
        file: String,
        /// The value found.
        found: f64,
    },
    /// A schema is present without fields of its kind, or absent with some.
    #[error("{file}: _obsSchemas.{schema} must be present iff there are {schema} fields ({fields} found)")]
    SchemaPresence {
        /// The file.
        file: String,
        /// `continuous` or `categorical`.
        schema: String,
        /// Number of fields of that kind.
        fields: usize,
    },
    /// A schema is not one of the allowed encodings (8/uint8/u8, 16/uint16/u16, float32/f32).
    #[error("{file}: {path}: {detail}")]
    InvalidSchema {
        /// The file.
        file: String,
        /// JSON path of the schema.
        path: String,
        /// What is wrong.
        detail: String,
    },
    /// A path pattern has the wrong placeholders or ending.
    #[error("{file}: {path} is {found:?}; it must end with {expected:?}")]
    InvalidPathPattern {
        /// The file.
        file: String,
        /// JSON path of the pattern.
        path: String,
        /// The required ending.
        expected: String,
        /// The pattern found.
        found: String,
    },
    /// A path ends in `.gz` although compression is `null`, or vice versa.
    #[error("{file}: {path} {value:?} must end in .gz iff compression is set (compression: {compression:?})")]
    CompressionSuffix {
        /// The file.
        file: String,
        /// JSON path of the path.
        path: String,
        /// The path.
        value: String,
        /// The compression in force.
        compression: Option<u32>,
    },
    /// Payload indices are not exactly `0..N-1`, each once.
    #[error("{file}: payload indices must be exactly 0..N-1, each used once: {detail}")]
    PayloadIndices {
        /// The file.
        file: String,
        /// The first problem.
        detail: String,
    },
    /// Bounds are not finite with `min <= max`.
    #[error("{file}: {path} bounds [{min}, {max}] must be finite with min <= max")]
    InvalidBounds {
        /// The file.
        file: String,
        /// The field (JSON path).
        path: String,
        /// min.
        min: f64,
        /// max.
        max: f64,
    },
    /// A category label appears twice.
    #[error("{file}: field {field:?} declares category {label} twice")]
    DuplicateCategory {
        /// The file.
        file: String,
        /// The obs key.
        field: String,
        /// The label.
        label: String,
    },
    /// More categories than the codes dtype holds.
    #[error("{file}: field {field:?} has {count} categories, but {dtype} holds at most {max}")]
    TooManyCategories {
        /// The file.
        file: String,
        /// The obs key.
        field: String,
        /// Categories declared.
        count: usize,
        /// The codes dtype.
        dtype: String,
        /// Its capacity.
        max: usize,
    },
    /// `codesMissingValue` does not pair with `codesDtype` (uint8/255, uint16/65535).
    #[error(
        "{file}: field {field:?} has codesMissingValue {found}, expected {expected} for {dtype}"
    )]
    MissingValueMismatch {
        /// The file.
        file: String,
        /// The obs key.
        field: String,
        /// The codes dtype.
        dtype: String,
        /// The required marker.
        expected: u64,
        /// The marker found.
        found: u64,
    },
    /// A `centroidsByDim` key is not `"1"`, `"2"` or `"3"`.
    #[error(
        "{file}: field {field:?} has centroidsByDim key {key:?}, expected \"1\", \"2\" or \"3\""
    )]
    InvalidCentroidDimension {
        /// The file.
        file: String,
        /// The obs key.
        field: String,
        /// The key found.
        key: String,
    },
    /// A centroid names an undeclared category.
    #[error("{file}: field {field:?} has a {dim}-D centroid for undeclared category {label}")]
    UnknownCentroidCategory {
        /// The file.
        file: String,
        /// The obs key.
        field: String,
        /// The dimension key.
        dim: String,
        /// The label.
        label: String,
    },
    /// A category has two centroids in one dimension.
    #[error("{file}: field {field:?} has two {dim}-D centroids for category {label}")]
    DuplicateCentroidCategory {
        /// The file.
        file: String,
        /// The obs key.
        field: String,
        /// The dimension key.
        dim: String,
        /// The label.
        label: String,
    },
    /// A centroid position is not `d` finite numbers.
    #[error("{file}: field {field:?} {dim}-D centroid of {label}: {detail}")]
    InvalidCentroidPosition {
        /// The file.
        file: String,
        /// The obs key.
        field: String,
        /// The dimension key.
        dim: String,
        /// The label.
        label: String,
        /// What is wrong.
        detail: String,
    },
    /// A centroid's `n_points` exceeds the number of cells.
    #[error("{file}: field {field:?} {dim}-D centroid has n_points {n_points} > {n_cells} cells")]
    CentroidPointsOutOfRange {
        /// The file.
        file: String,
        /// The obs key.
        field: String,
        /// The dimension key.
        dim: String,
        /// The value found.
        n_points: u64,
        /// The number of cells.
        n_cells: u64,
    },
    // ---- cross-file ----
    /// A manifest exists although the identity does not advertise it.
    #[error("{file}: present, but dataset_identity.json does not advertise it")]
    UnexpectedManifest {
        /// The file.
        file: String,
    },
    /// A manifest's compression differs from the obs manifest's.
    #[error("{file}: compression {found:?} must equal obs_manifest.json compression {expected:?}")]
    CompressionMismatch {
        /// The file.
        file: String,
        /// The obs compression.
        expected: Option<u32>,
        /// This file's compression.
        found: Option<u32>,
    },
    /// `export_settings` disagrees with a manifest.
    #[error("{file}: export_settings.{setting} is {identity}, but the manifests say {manifest}")]
    ExportSettingsMismatch {
        /// The identity file.
        file: String,
        /// The setting.
        setting: String,
        /// The identity's value.
        identity: String,
        /// The manifests' value.
        manifest: String,
    },
    /// Two declarations resolve to the same payload path.
    #[error("{file}: payload path {path:?} is claimed twice")]
    PathClaimedTwice {
        /// The file that makes the second claim.
        file: String,
        /// The path.
        path: String,
    },
    // ---- connectivity manifest ----
    /// `n_edges` exceeds `n(n−1)/2`.
    #[error("{file}: n_edges {n_edges} exceeds n(n-1)/2 = {max}")]
    TooManyEdges {
        /// The file.
        file: String,
        /// The value found.
        n_edges: u64,
        /// The maximum.
        max: u64,
    },
    /// `max_neighbors` is outside `0..min(n−1, n_edges)` or not zero iff no edges.
    #[error("{file}: max_neighbors {max_neighbors} must be in 0..=min(n_cells-1, n_edges) and 0 iff n_edges is 0 (n_edges {n_edges})")]
    MaxNeighborsRange {
        /// The file.
        file: String,
        /// The value found.
        max_neighbors: u64,
        /// `n_edges`.
        n_edges: u64,
    },
    /// The index width is not the smallest exact one.
    #[error("{file}: index_dtype {index_dtype:?}/index_bytes {index_bytes} must be the smallest width, {expected:?}")]
    IndexWidth {
        /// The file.
        file: String,
        /// The dtype found.
        index_dtype: String,
        /// The bytes found.
        index_bytes: u32,
        /// The required dtype.
        expected: String,
    },
    /// Weights are not float64/8.
    #[error(
        "{file}: weight_dtype {weight_dtype:?}/weight_bytes {weight_bytes} must be \"float64\"/8"
    )]
    WeightEncoding {
        /// The file.
        file: String,
        /// The dtype found.
        weight_dtype: String,
        /// The bytes found.
        weight_bytes: u32,
    },
    /// Two of the three edge paths are equal.
    #[error("{file}: the edge payload paths must be pairwise distinct ({path:?} repeats)")]
    ConnectivityPathsNotDistinct {
        /// The file.
        file: String,
        /// The repeated path.
        path: String,
    },
    /// The edges exceed the browser's working-set limit.
    #[error("{file}: edge validation requires {bytes} bytes, more than the {limit}-byte browser working-set limit")]
    EdgeWorkingSet {
        /// The file.
        file: String,
        /// Bytes required.
        bytes: u64,
        /// The limit.
        limit: u64,
    },
    // ---- payloads ----
    /// A payload's (decoded) length is wrong.
    #[error("{file}: expected exactly {expected} bytes, found {found}")]
    PayloadLength {
        /// The payload.
        file: String,
        /// Bytes the manifests imply.
        expected: u64,
        /// Bytes found.
        found: u64,
    },
    /// A `.gz` payload is not a valid single gzip member.
    #[error("{file}: {detail}")]
    GzipInvalid {
        /// The payload.
        file: String,
        /// What is wrong.
        detail: String,
    },
    /// A `.gz` payload's ISIZE differs from the size the manifests imply.
    #[error(
        "{file}: expected {expected} bytes after decompression, but gzip declares {declared} bytes"
    )]
    GzipSizeMismatch {
        /// The payload.
        file: String,
        /// Bytes the manifests imply.
        expected: u64,
        /// ISIZE.
        declared: u64,
    },
    /// A payload exceeds the 512 MiB browser limit.
    #[error("{file}: {size} bytes exceeds the {limit}-byte browser limit")]
    PayloadTooLarge {
        /// The payload.
        file: String,
        /// Decoded size.
        size: u64,
        /// The limit.
        limit: u64,
    },
    /// The positions working set of one dimension exceeds 512 MiB.
    #[error(
        "{file}: {dim}-D positions need {bytes} bytes, more than the {limit}-byte browser limit"
    )]
    PositionsWorkingSet {
        /// The points file.
        file: String,
        /// The dimension.
        dim: u32,
        /// Working set.
        bytes: u64,
        /// The limit.
        limit: u64,
    },
    /// A points value is not finite.
    #[error("{file}: position {position} is not a finite float32 value ({count} in total)")]
    NonFinitePoint {
        /// The points file.
        file: String,
        /// First offending element.
        position: u64,
        /// Number of offending elements.
        count: u64,
    },
    /// A vector component is not finite.
    #[error("{file}: component {position} is not finite ({count} in total)")]
    NonFiniteVector {
        /// The vectors file.
        file: String,
        /// First offending element.
        position: u64,
        /// Number of offending elements.
        count: u64,
    },
    /// A categorical code is neither a declared category nor the missing marker.
    #[error("{file}: field {field:?}: code {code} at cell {cell} exceeds {n_categories} declared categories ({count} such cells)")]
    CodeOutOfRange {
        /// The codes payload.
        file: String,
        /// The obs key.
        field: String,
        /// First offending cell.
        cell: u64,
        /// Its code.
        code: u16,
        /// Categories declared.
        n_categories: usize,
        /// Number of offending cells.
        count: u64,
    },
    /// A decoded outlier quantile is neither NaN nor in [0, 1].
    #[error("{file}: outlier quantile {value} of cell {cell} for {field:?} must be NaN or within 0..1 ({count} such cells)")]
    OutlierOutOfRange {
        /// The outliers payload.
        file: String,
        /// The obs key.
        field: String,
        /// First offending cell.
        cell: u64,
        /// Its decoded value.
        value: f32,
        /// Number of offending cells.
        count: u64,
    },
    /// A continuous obs field or gene holds ±Infinity.
    #[error(
        "{file}: field {field:?} contains {count} infinite values (first at cell {first_cell})"
    )]
    InfiniteValues {
        /// The payload.
        file: String,
        /// The obs key or gene name.
        field: String,
        /// Number of infinite values.
        count: u64,
        /// First offending cell.
        first_cell: u64,
    },
    /// A continuous obs field or gene has no finite value at all.
    #[error("{file}: field {field:?} has no value in any of {n_cells} cells")]
    NoFiniteValue {
        /// The payload.
        file: String,
        /// The obs key or gene name.
        field: String,
        /// Number of cells.
        n_cells: u64,
    },
    /// An edge endpoint is not a cell.
    #[error("{file}: edge {edge} has endpoint {index} >= n_cells {n_cells}")]
    EdgeIndexOutOfRange {
        /// The edges payload.
        file: String,
        /// Edge position.
        edge: u64,
        /// The endpoint.
        index: u32,
        /// Number of cells.
        n_cells: u64,
    },
    /// An edge does not have `src < dst`.
    #[error("{file}: edge {edge} is ({src}, {dst}); every edge needs src < dst")]
    NonCanonicalEdge {
        /// The edges payload.
        file: String,
        /// Edge position.
        edge: u64,
        /// Source.
        src: u32,
        /// Destination.
        dst: u32,
    },
    /// Edges are not strictly increasing by (src, dst).
    #[error("{file}: edge {edge} is not after edge {previous} in (src, dst) order (sorted, no duplicates)")]
    EdgeOrder {
        /// The edges payload.
        file: String,
        /// Edge position.
        edge: u64,
        /// Previous edge position.
        previous: u64,
    },
    /// An edge weight is not finite and > 0.
    #[error("{file}: weight {value} of edge {edge} must be finite and > 0")]
    InvalidWeight {
        /// The weights payload.
        file: String,
        /// Edge position.
        edge: u64,
        /// The weight.
        value: f64,
    },
    /// The observed maximum degree differs from `max_neighbors`.
    #[error("{file}: max_neighbors is {declared}, but the edges have maximum degree {observed}")]
    MaxNeighborsMismatch {
        /// The connectivity manifest.
        file: String,
        /// `max_neighbors`.
        declared: u64,
        /// Observed maximum degree.
        observed: u64,
    },
    // ---- datasets.json ----
    /// `datasets` is empty.
    #[error("{file}: datasets must be a non-empty array")]
    EmptyCatalog {
        /// The catalog.
        file: String,
    },
    /// Two catalog entries share an id.
    #[error("{file}: every dataset requires a unique id; {id:?} repeats")]
    CatalogDuplicateId {
        /// The catalog.
        file: String,
        /// The id.
        id: String,
    },
    /// A catalog path is not a safe relative directory ending in `/`.
    #[error("{file}: dataset {id:?} path {path:?} must be a safe relative directory ending in '/': {reason}")]
    CatalogUnsafePath {
        /// The catalog.
        file: String,
        /// The dataset id.
        id: String,
        /// The path.
        path: String,
        /// Why.
        reason: String,
    },
    /// Two catalog entries share a path.
    #[error("{file}: dataset {id:?} reuses path {path:?}")]
    CatalogDuplicatePath {
        /// The catalog.
        file: String,
        /// The dataset id.
        id: String,
        /// The path.
        path: String,
    },
    /// `default` names no dataset.
    #[error("{file}: default {default:?} is not present in datasets")]
    CatalogDefault {
        /// The catalog.
        file: String,
        /// The default found.
        default: String,
    },
    /// A dataset's identity id differs from its catalog id.
    #[error("{file}: id {identity_id:?} does not match catalog id {catalog_id:?}")]
    CatalogIdMismatch {
        /// The identity.
        file: String,
        /// The catalog id.
        catalog_id: String,
        /// The identity id.
        identity_id: String,
    },
    /// A catalog count differs from the identity's.
    #[error("{file}: dataset {id:?} catalog {key}={catalog} does not match dataset_identity.json {identity}")]
    CatalogCountMismatch {
        /// The catalog.
        file: String,
        /// The dataset id.
        id: String,
        /// `n_cells` or `n_genes`.
        key: String,
        /// The catalog's value.
        catalog: u64,
        /// The identity's value.
        identity: u64,
    },
}
