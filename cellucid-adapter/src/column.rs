//! Dataframe columns in every AnnData column encoding, decoded to typed values.

use crate::backend::{AttrValue, Backend, NodeKind};
use crate::elem::{encoding_type, join, read_1d, read_mask, read_strings_1d, require_kind};
use crate::error::ReadError;
use crate::values::{DType, Values};

/// The categories of a categorical column, in declared order.
#[derive(Debug, Clone, PartialEq)]
pub enum Categories {
    /// String categories (`string-array`).
    Str(Vec<String>),
    /// Numeric or boolean categories (`array`).
    Values(Values),
}

impl Categories {
    /// Number of categories.
    #[must_use]
    pub fn len(&self) -> usize {
        match self {
            Categories::Str(v) => v.len(),
            Categories::Values(v) => v.len(),
        }
    }

    /// Whether there are no categories.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// One obs or var column, typed as stored.
#[derive(Debug, Clone, PartialEq)]
pub enum Column {
    /// A plain numeric or boolean array (`array` encoding).
    Numeric(Values),
    /// A pandas nullable integer (or float) column (`nullable-integer`); `missing[i]` marks NA.
    NullableInt {
        /// Values (arbitrary where missing).
        values: Values,
        /// `true` where the value is missing.
        missing: Vec<bool>,
    },
    /// A pandas nullable boolean column (`nullable-boolean`).
    NullableBool {
        /// Values (arbitrary where missing).
        values: Vec<bool>,
        /// `true` where the value is missing.
        missing: Vec<bool>,
    },
    /// Strings (`string-array`, or `nullable-string-array` with `None` where missing).
    Strings(Vec<Option<String>>),
    /// A pandas categorical (`categorical`).
    Categorical {
        /// Declared categories, including unused ones.
        categories: Categories,
        /// Per-row category position, −1 for missing.
        codes: Vec<i32>,
        /// Whether the categorical is ordered.
        ordered: bool,
    },
}

impl Column {
    /// Number of rows.
    #[must_use]
    pub fn len(&self) -> usize {
        match self {
            Column::Numeric(v) | Column::NullableInt { values: v, .. } => v.len(),
            Column::NullableBool { values, .. } => values.len(),
            Column::Strings(v) => v.len(),
            Column::Categorical { codes, .. } => codes.len(),
        }
    }

    /// Whether the column has no rows.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Read the column stored at `path`, which must have `n` rows.
pub(crate) fn read_column(b: &dyn Backend, path: &str, n: u64) -> Result<Column, ReadError> {
    let kind = require_kind(b, path, "a dataframe column")?;
    let enc = encoding_type(b, path)?;
    match (kind, enc.as_deref()) {
        // anndata 0.7 wrote no encoding-type on columns (a current file never takes this arm),
        // and pointed a categorical's codes at its categories by reference or path.
        (NodeKind::Array, None)
            if matches!(
                b.attribute(path, "categories")?,
                Some(AttrValue::Str(_) | AttrValue::ObjectRef(_))
            ) =>
        {
            read_legacy_categorical(b, path, n)
        }
        (NodeKind::Array, Some("array" | "string-array") | None) => {
            let info = b.array_info(path)?;
            if info.dtype == DType::Str {
                Ok(Column::Strings(read_strings_1d(b, path, Some(n))?.into_iter().map(Some).collect()))
            } else {
                Ok(Column::Numeric(read_1d(b, path, Some(n))?))
            }
        }
        (NodeKind::Group, Some("categorical")) => read_categorical(b, path, n),
        (NodeKind::Group, Some("nullable-integer" | "nullable-float")) => {
            let values = read_1d(b, &join(path, "values"), Some(n))?;
            if values.dtype() == DType::Bool {
                return Err(ReadError::Type { path: join(path, "values"), found: "bool".to_string(), expected: "integer or float".to_string() });
            }
            let missing = read_mask(b, &join(path, "mask"), n)?;
            Ok(Column::NullableInt { values, missing })
        }
        (NodeKind::Group, Some("nullable-boolean")) => {
            let vpath = join(path, "values");
            let values = match read_1d(b, &vpath, Some(n))? {
                Values::Bool(v) => v,
                other => return Err(ReadError::Type { path: vpath, found: other.dtype().to_string(), expected: "bool".to_string() }),
            };
            let missing = read_mask(b, &join(path, "mask"), n)?;
            Ok(Column::NullableBool { values, missing })
        }
        (NodeKind::Group, Some("nullable-string-array")) => {
            let values = read_strings_1d(b, &join(path, "values"), Some(n))?;
            let missing = read_mask(b, &join(path, "mask"), n)?;
            Ok(Column::Strings(values.into_iter().zip(missing).map(|(s, m)| (!m).then_some(s)).collect()))
        }
        (_, found) => Err(ReadError::Encoding {
            path: path.to_string(),
            found: found.map(str::to_string),
            expected: "a column encoding: array, string-array, categorical, nullable-integer, nullable-boolean or nullable-string-array".to_string(),
        }),
    }
}

fn read_categorical(b: &dyn Backend, path: &str, n: u64) -> Result<Column, ReadError> {
    let ordered = is_ordered(b, path)?;
    categorical_from(
        b,
        &join(path, "categories"),
        &join(path, "codes"),
        n,
        ordered,
    )
}

/// A categorical column as anndata 0.7 wrote it (dataframe encoding-version 0.1.0): the codes
/// are the column's own integer array, whose `categories` attribute points at the categories
/// array in the dataframe's `__categories` group: an HDF5 object reference in `.h5ad`, the path
/// `__categories/<column>` relative to the dataframe group in `.zarr`. `ordered` is an
/// attribute of the categories. A column name holding `/` is stored as nested groups
/// (`obs/cell type/label`, categories at `obs/__categories/cell type/label`), so the
/// categories are looked for from the column's parent group up to the root.
fn read_legacy_categorical(b: &dyn Backend, path: &str, n: u64) -> Result<Column, ReadError> {
    let not_found = |what: String| {
        ReadError::malformed(
            path,
            format!("its 'categories' attribute (an anndata 0.7 categorical) {what}. Fix: re-save the file with a current anndata (anndata.read_h5ad(old).write_h5ad(new), or read_zarr/write_zarr), or rewrite the column as a categorical"),
        )
    };
    let cat_path = match b.attribute(path, "categories")? {
        Some(AttrValue::Str(relative)) => {
            let mut found = None;
            for ancestor in ancestors(path) {
                let candidate = join(ancestor, &relative);
                if b.kind(&candidate)? == Some(NodeKind::Array) {
                    found = Some(candidate);
                    break;
                }
            }
            found.ok_or_else(|| not_found(format!("names '{relative}', which is no array")))?
        }
        Some(AttrValue::ObjectRef(address)) => referenced_categories(b, path, address)?
            .ok_or_else(|| not_found("refers to no array in a __categories group".to_string()))?,
        // `read_column` takes this path only for the two kinds above.
        _ => {
            return Err(not_found(
                "is neither a path nor an object reference".to_string(),
            ))
        }
    };
    let ordered = is_ordered(b, &cat_path)?;
    categorical_from(b, &cat_path, path, n, ordered)
}

/// Whether the `ordered` attribute of `path` says so (a bool from h5py, 1 from some writers).
fn is_ordered(b: &dyn Backend, path: &str) -> Result<bool, ReadError> {
    Ok(matches!(
        b.attribute(path, "ordered")?,
        Some(AttrValue::Bool(true)) | Some(AttrValue::Int(1))
    ))
}

/// The groups above `path`, nearest first, ending with the root (`""`).
fn ancestors(path: &str) -> impl Iterator<Item = &str> {
    let mut rest = Some(path);
    std::iter::from_fn(move || {
        let current = rest?;
        let parent = current.rsplit_once('/').map_or("", |(p, _)| p);
        rest = (!current.is_empty()).then_some(parent);
        (!current.is_empty()).then_some(parent)
    })
}

/// The array at file address `address` under a `__categories` group of one of `column`'s
/// ancestors (where anndata 0.7 puts the categories its object references point to).
fn referenced_categories(
    b: &dyn Backend,
    column: &str,
    address: u64,
) -> Result<Option<String>, ReadError> {
    for ancestor in ancestors(column) {
        let group = join(ancestor, "__categories");
        if b.kind(&group)? != Some(NodeKind::Group) {
            continue;
        }
        // Where anndata 0.7 put them: one lookup, not a walk of the group per column.
        let relative = column
            .strip_prefix(ancestor)
            .unwrap_or(column)
            .trim_start_matches('/');
        let usual = join(&group, relative);
        if b.kind(&usual)? == Some(NodeKind::Array) && b.object_address(&usual)? == Some(address) {
            return Ok(Some(usual));
        }
        let mut stack = vec![group];
        while let Some(dir) = stack.pop() {
            for child in b.children(&dir)? {
                let candidate = join(&dir, &child);
                match b.kind(&candidate)? {
                    Some(NodeKind::Group) => stack.push(candidate),
                    Some(NodeKind::Array) if b.object_address(&candidate)? == Some(address) => {
                        return Ok(Some(candidate))
                    }
                    _ => {}
                }
            }
        }
    }
    Ok(None)
}

/// Categories at `cat_path`, integer codes at `codes_path` (−1 missing), checked against
/// each other.
fn categorical_from(
    b: &dyn Backend,
    cat_path: &str,
    codes_path: &str,
    n: u64,
    ordered: bool,
) -> Result<Column, ReadError> {
    let cat_info = b.array_info(cat_path)?;
    let categories = if cat_info.dtype == DType::Str {
        Categories::Str(read_strings_1d(b, cat_path, None)?)
    } else {
        Categories::Values(read_1d(b, cat_path, None)?)
    };
    let n_cat = categories.len();
    let raw = read_1d(b, codes_path, Some(n))?;
    let codes: Vec<i64> = match &raw {
        Values::I8(_)
        | Values::I16(_)
        | Values::I32(_)
        | Values::I64(_)
        | Values::U8(_)
        | Values::U16(_) => raw.to_i64_vec().unwrap_or_default(),
        other => {
            return Err(ReadError::Type {
                path: codes_path.to_string(),
                found: other.dtype().to_string(),
                expected: "int8, int16 or int32 codes".to_string(),
            })
        }
    };
    let mut out = Vec::with_capacity(codes.len());
    for (row, &c) in codes.iter().enumerate() {
        if c == -1 {
            out.push(-1);
            continue;
        }
        match usize::try_from(c) {
            Ok(k) if k < n_cat => out.push(i32::try_from(k).map_err(|_| ReadError::malformed(codes_path, "too many categories"))?),
            _ => {
                return Err(ReadError::malformed(
                    codes_path,
                    format!("row {row} has code {c}, but there are {n_cat} categories (valid codes: -1..{n_cat})"),
                ))
            }
        }
    }
    Ok(Column::Categorical {
        categories,
        codes: out,
        ordered,
    })
}
