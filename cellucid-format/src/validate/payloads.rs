//! Payload rules (viewer-contract.md §1.5 edge payloads, §1.7, §2.2; R6, R8–R10).

use cellucid_quant::Bounds;

use super::manifests::{Docs, WORKING_SET_LIMIT};
use super::{Ctx, Violation};
use crate::error::FormatError;
use crate::folder::{decode_values, read_payload_file};
use crate::gzip::GzipError;
use crate::model::{ConnectivityManifest, DatasetIdentity};
use crate::payload::{decode_le, expand_pattern, CodesDtype, PayloadError, ValueEncoding};

pub(super) fn check(ctx: &mut Ctx, docs: &Docs<'_>) {
    let n = docs.identity.stats.n_cells;
    check_points(ctx, docs.identity, n);
    check_vectors(ctx, docs.identity, n);
    if let Some(obs) = docs.obs {
        if obs.n_points == n {
            if let Some(schema) = &obs.obs_schemas.continuous {
                if let Some(enc) = schema.encoding() {
                    for f in &obs.continuous_fields {
                        let path = expand_pattern(&schema.path_pattern, f.index, None);
                        check_values(ctx, &path, &f.key, n, enc, f.bounds.map(Bounds::from));
                    }
                }
            }
            if let Some(schema) = &obs.obs_schemas.categorical {
                for f in &obs.categorical_fields {
                    if let Some(codes) = CodesDtype::from_name(&f.codes_dtype) {
                        let path =
                            expand_pattern(&schema.codes_path_pattern, f.index, Some(codes.ext()));
                        check_codes(ctx, &path, &f.key, n, codes, f.categories.len());
                    }
                    if let Some(enc) = schema.outlier_encoding() {
                        let path = expand_pattern(&schema.outlier_path_pattern, f.index, None);
                        check_outliers(
                            ctx,
                            &path,
                            &f.key,
                            n,
                            enc,
                            f.outlier_bounds.map(Bounds::from),
                        );
                    }
                }
            }
        }
    }
    if let Some(var) = docs.var {
        if let Some(enc) = var.var_schema.encoding().filter(|_| var.n_points == n) {
            for f in &var.fields {
                let path = expand_pattern(&var.var_schema.path_pattern, f.index, None);
                check_values(ctx, &path, &f.key, n, enc, f.bounds.map(Bounds::from));
            }
        }
    }
    if let Some(conn) = docs.conn {
        check_edges(ctx, conn);
    }
}

/// Reads a payload of the current dataset, turning every read problem into a violation.
fn read(ctx: &mut Ctx, rel_path: &str, count: u64, width: u64) -> Option<Vec<u8>> {
    let file = ctx.file(rel_path);
    let Some(expected) = count.checked_mul(width) else {
        ctx.push(Violation::PayloadTooLarge {
            file,
            size: u64::MAX,
            limit: crate::folder::MAX_PAYLOAD_BYTES,
        });
        return None;
    };
    match read_payload_file(&ctx.dataset_dir(), rel_path, expected) {
        Ok(bytes) => Some(bytes),
        Err(err) => {
            let violation = match err {
                FormatError::Io { source, .. } if source.kind() == std::io::ErrorKind::NotFound => {
                    Violation::MissingFile { file }
                }
                FormatError::Io { source, .. } => Violation::Unreadable {
                    file,
                    detail: source.to_string(),
                },
                FormatError::TooLarge { size, limit, .. } => {
                    Violation::PayloadTooLarge { file, size, limit }
                }
                FormatError::Payload {
                    source: PayloadError::WrongLength { expected, found },
                    ..
                } => Violation::PayloadLength {
                    file,
                    expected,
                    found,
                },
                FormatError::Gzip {
                    source: GzipError::UnexpectedSize { expected, declared },
                    ..
                } => Violation::GzipSizeMismatch {
                    file,
                    expected,
                    declared,
                },
                FormatError::Gzip { source, .. } => Violation::GzipInvalid {
                    file,
                    detail: source.to_string(),
                },
                other => Violation::Unreadable {
                    file,
                    detail: other.to_string(),
                },
            };
            ctx.push(violation);
            None
        }
    }
}

fn check_points(ctx: &mut Ctx, identity: &DatasetIdentity, n: u64) {
    for &dim in &identity.embeddings.available_dimensions {
        let Some(path) = identity.embeddings.files.get(&format!("{dim}d")) else {
            continue;
        };
        if !(1..=3).contains(&dim) {
            continue;
        }
        // Raw positions plus the 3-component padded copy (none for 3-D).
        let working_set = crate::limits::positions_working_set_bytes(n, dim);
        if working_set > WORKING_SET_LIMIT {
            ctx.push(Violation::PositionsWorkingSet {
                file: ctx.file(path),
                dim,
                bytes: working_set,
                limit: WORKING_SET_LIMIT,
            });
            continue;
        }
        if let Some(values) = read_f32(ctx, path, n.saturating_mul(u64::from(dim))) {
            if let Some((position, count)) = first_non_finite(&values) {
                ctx.push(Violation::NonFinitePoint {
                    file: ctx.file(path),
                    position,
                    count,
                });
            }
        }
    }
}

fn check_vectors(ctx: &mut Ctx, identity: &DatasetIdentity, n: u64) {
    let Some(vf) = &identity.vector_fields else {
        return;
    };
    for field in vf.fields.values() {
        for &dim in &field.available_dimensions {
            let Some(path) = field.files.get(&format!("{dim}d")) else {
                continue;
            };
            if let Some(values) = read_f32(ctx, path, n.saturating_mul(u64::from(dim))) {
                if let Some((position, count)) = first_non_finite(&values) {
                    ctx.push(Violation::NonFiniteVector {
                        file: ctx.file(path),
                        position,
                        count,
                    });
                }
            }
        }
    }
}

fn read_f32(ctx: &mut Ctx, path: &str, count: u64) -> Option<Vec<f32>> {
    let bytes = read(ctx, path, count, 4)?;
    decode_le(&bytes).ok()
}

fn first_non_finite(values: &[f32]) -> Option<(u64, u64)> {
    let first = values.iter().position(|v| !v.is_finite())?;
    let count = values.iter().filter(|v| !v.is_finite()).count();
    Some((first as u64, count as u64))
}

fn check_values(
    ctx: &mut Ctx,
    path: &str,
    key: &str,
    n: u64,
    encoding: ValueEncoding,
    bounds: Option<Bounds>,
) {
    let Some(bytes) = read(ctx, path, n, encoding.width() as u64) else {
        return;
    };
    let Ok(values) = decode_values(&bytes, encoding, bounds) else {
        return;
    };
    let infinite = values.iter().filter(|v| v.is_infinite()).count() as u64;
    if let Some(first) = values.iter().position(|v| v.is_infinite()) {
        ctx.push(Violation::InfiniteValues {
            file: ctx.file(path),
            field: key.to_owned(),
            count: infinite,
            first_cell: first as u64,
        });
    } else if !values.iter().any(|v| v.is_finite()) {
        ctx.push(Violation::NoFiniteValue {
            file: ctx.file(path),
            field: key.to_owned(),
            n_cells: n,
        });
    }
}

fn check_codes(
    ctx: &mut Ctx,
    path: &str,
    key: &str,
    n: u64,
    codes: CodesDtype,
    n_categories: usize,
) {
    let Some(bytes) = read(ctx, path, n, codes.width() as u64) else {
        return;
    };
    let values: Vec<u16> = match codes {
        CodesDtype::U8 => bytes.iter().map(|&b| u16::from(b)).collect(),
        CodesDtype::U16 => match decode_le(&bytes) {
            Ok(v) => v,
            Err(_) => return,
        },
    };
    let bad = |c: &u16| *c != codes.missing() && usize::from(*c) >= n_categories;
    if let Some(cell) = values.iter().position(bad) {
        ctx.push(Violation::CodeOutOfRange {
            file: ctx.file(path),
            field: key.to_owned(),
            cell: cell as u64,
            code: values[cell],
            n_categories,
            count: values.iter().filter(|c| bad(c)).count() as u64,
        });
    }
}

fn check_outliers(
    ctx: &mut Ctx,
    path: &str,
    key: &str,
    n: u64,
    encoding: ValueEncoding,
    bounds: Option<Bounds>,
) {
    let Some(bytes) = read(ctx, path, n, encoding.width() as u64) else {
        return;
    };
    let Ok(values) = decode_values(&bytes, encoding, bounds) else {
        return;
    };
    let bad = |v: &f32| !(v.is_nan() || (0.0..=1.0).contains(v));
    if let Some(cell) = values.iter().position(bad) {
        ctx.push(Violation::OutlierOutOfRange {
            file: ctx.file(path),
            field: key.to_owned(),
            cell: cell as u64,
            value: values[cell],
            count: values.iter().filter(|v| bad(v)).count() as u64,
        });
    }
}

fn check_edges(ctx: &mut Ctx, conn: &ConnectivityManifest) {
    let n_edges = conn.n_edges;
    let width = u64::from(conn.index_bytes);
    if width != 2 && width != 4 {
        return; // reported as IndexWidth
    }
    let read_indices = |ctx: &mut Ctx, path: &str| -> Option<Vec<u32>> {
        let bytes = read(ctx, path, n_edges, width)?;
        if width == 2 {
            decode_le::<u16>(&bytes)
                .ok()
                .map(|v| v.into_iter().map(u32::from).collect())
        } else {
            decode_le::<u32>(&bytes).ok()
        }
    };
    let src = read_indices(ctx, &conn.sources_path);
    let dst = read_indices(ctx, &conn.destinations_path);
    let weights = read(ctx, &conn.weights_path, n_edges, 8).and_then(|b| decode_le::<f64>(&b).ok());
    if let Some(weights) = weights {
        if let Some(edge) = weights.iter().position(|w| !(w.is_finite() && *w > 0.0)) {
            ctx.push(Violation::InvalidWeight {
                file: ctx.file(&conn.weights_path),
                edge: edge as u64,
                value: weights[edge],
            });
        }
    }
    let (Some(src), Some(dst)) = (src, dst) else {
        return;
    };
    let n = conn.n_cells;
    let src_file = ctx.file(&conn.sources_path);
    let mut degree = vec![0u64; usize::try_from(n).unwrap_or(0).min(1 << 33)];
    let (mut range_reported, mut canon_reported, mut order_reported) = (false, false, false);
    for (edge, (&s, &d)) in src.iter().zip(&dst).enumerate() {
        let edge_no = edge as u64;
        for index in [s, d] {
            if u64::from(index) >= n && !range_reported {
                range_reported = true;
                ctx.push(Violation::EdgeIndexOutOfRange {
                    file: src_file.clone(),
                    edge: edge_no,
                    index,
                    n_cells: n,
                });
            }
        }
        if s >= d && !canon_reported {
            canon_reported = true;
            ctx.push(Violation::NonCanonicalEdge {
                file: src_file.clone(),
                edge: edge_no,
                src: s,
                dst: d,
            });
        }
        if edge > 0 && (src[edge - 1], dst[edge - 1]) >= (s, d) && !order_reported {
            order_reported = true;
            ctx.push(Violation::EdgeOrder {
                file: src_file.clone(),
                edge: edge_no,
                previous: edge_no - 1,
            });
        }
        for index in [s, d] {
            if let Some(slot) = degree.get_mut(index as usize) {
                *slot += 1;
            }
        }
    }
    let observed = degree.iter().copied().max().unwrap_or(0);
    if !range_reported && observed != conn.max_neighbors {
        ctx.push(Violation::MaxNeighborsMismatch {
            file: ctx.file(ConnectivityManifest::FILE_NAME),
            declared: conn.max_neighbors,
            observed,
        });
    }
}
