//! Writing a [`Plan`] into a staging folder: payloads, the parallel gene pipeline, the four JSON
//! documents, their strict read-back and the reconciliation of the folder with its declarations.

mod durable;
mod files;
pub(crate) mod genes;
pub mod manifests;

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::atomic::Ordering;

use cellucid_format::payload::{
    edges_dst_path, edges_src_path, edges_weights_path, obs_codes_path, obs_outliers_path,
    obs_values_path, points_path, var_values_path, vector_path,
};
use cellucid_format::{
    ConnectivityManifest, DatasetIdentity, ObsManifest, ValueEncoding, VarManifest,
};
use cellucid_quant::Bits;

use crate::error::ExportError;
use crate::events::{ExportEvents, Stage};
use crate::plan::{obs::codes_payload, Plan, PlannedObs};
use crate::source::ExportSource;
pub(crate) use durable::sync_stage;
pub(crate) use files::FileWriter;

/// Byte counts of a written export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct WriteStats {
    /// Files written (payloads and documents).
    pub files: u64,
    /// Decoded bytes.
    pub raw_bytes: u64,
    /// Bytes on disk.
    pub stored_bytes: u64,
}

/// Every file of the plan (relative path, decoded size), in writing order.
pub(crate) fn planned_files(plan: &Plan) -> Vec<(String, u64)> {
    let o = &plan.options;
    let c = o.compression;
    let n = plan.n_cells as u64;
    let obs_enc = ValueEncoding::from_bits(o.obs_continuous_quantization.and_then(Bits::from_bits));
    let var_enc = ValueEncoding::from_bits(o.var_quantization.and_then(Bits::from_bits));
    let mut out = Vec::new();
    for (d, _) in &plan.embeddings {
        out.push((points_path(u32::from(*d), c), n * u64::from(*d) * 4));
    }
    for (i, field) in plan.obs.iter().enumerate() {
        let i = i as u64;
        match field {
            PlannedObs::Continuous { .. } => {
                out.push((obs_values_path(i, obs_enc, c), n * obs_enc.width() as u64))
            }
            PlannedObs::Categorical { .. } => {
                out.push((
                    obs_codes_path(i, plan.codes_width, c),
                    n * plan.codes_width.width() as u64,
                ));
                out.push((obs_outliers_path(i, obs_enc, c), n * obs_enc.width() as u64));
            }
        }
    }
    if let Some(e) = &plan.edges {
        let m = e.n_edges() as u64;
        out.push((edges_src_path(c), m * e.index_bytes() as u64));
        out.push((edges_dst_path(c), m * e.index_bytes() as u64));
        out.push((edges_weights_path(c), m * 8));
    }
    for (f, v) in plan.vectors.iter().enumerate() {
        for (d, _) in &v.dims {
            out.push((vector_path(f, u32::from(*d), c), n * u64::from(*d) * 4));
        }
    }
    if let Some(g) = &plan.genes {
        for i in 0..g.names.len() {
            out.push((
                var_values_path(i as u64, var_enc, c),
                n * var_enc.width() as u64,
            ));
        }
        out.push((VarManifest::FILE_NAME.to_string(), 0));
    }
    out.push((ObsManifest::FILE_NAME.to_string(), 0));
    if plan.edges.is_some() {
        out.push((ConnectivityManifest::FILE_NAME.to_string(), 0));
    }
    out.push((DatasetIdentity::FILE_NAME.to_string(), 0));
    out
}

fn edges_payloads(e: &crate::math::Edges) -> (Vec<u8>, Vec<u8>) {
    if e.index_bytes() == 2 {
        let enc = |v: &[u32]| v.iter().flat_map(|&x| (x as u16).to_le_bytes()).collect();
        (enc(&e.src), enc(&e.dst))
    } else {
        (
            cellucid_format::encode_le(&e.src),
            cellucid_format::encode_le(&e.dst),
        )
    }
}

/// Writes every payload except the genes: points, obs fields, connectivity, vector fields.
pub(crate) fn write_payloads(
    plan: &Plan,
    files: &FileWriter<'_>,
    events: &dyn ExportEvents,
) -> Result<(), ExportError> {
    let o = &plan.options;
    let c = o.compression;
    let obs_bits = o.obs_continuous_quantization.and_then(Bits::from_bits);
    let obs_enc = ValueEncoding::from_bits(obs_bits);
    let n_payloads = planned_files(plan).len() as u64;
    events.stage_started(
        Stage::Payloads,
        n_payloads - plan.genes.as_ref().map_or(0, |g| g.names.len() as u64 + 1),
    );
    files.dir("obs")?;
    for (d, emb) in &plan.embeddings {
        files.payload(
            &points_path(u32::from(*d), c),
            &cellucid_format::encode_le(&emb.to_f32()),
        )?;
        events.progress(Stage::Payloads, 1);
    }
    for (i, field) in plan.obs.iter().enumerate() {
        let i = i as u64;
        match field {
            PlannedObs::Continuous { encoded, .. } => {
                files.payload(&obs_values_path(i, obs_enc, c), &encoded.bytes)?;
                events.progress(Stage::Payloads, 1);
            }
            PlannedObs::Categorical {
                codes, outliers, ..
            } => {
                files.payload(
                    &obs_codes_path(i, plan.codes_width, c),
                    &codes_payload(codes, plan.codes_width),
                )?;
                files.payload(&obs_outliers_path(i, obs_enc, c), &outliers.bytes)?;
                events.progress(Stage::Payloads, 2);
            }
        }
    }
    if let Some(e) = &plan.edges {
        files.dir("connectivity")?;
        let (src, dst) = edges_payloads(e);
        // The three edge payloads are the largest dense deflates of an export: compress them
        // side by side.
        let ((r_src, r_dst), r_weights) = rayon::join(
            || {
                rayon::join(
                    || files.payload(&edges_src_path(c), &src),
                    || files.payload(&edges_dst_path(c), &dst),
                )
            },
            || {
                files.payload(
                    &edges_weights_path(c),
                    &cellucid_format::encode_le(&e.weights),
                )
            },
        );
        r_src?;
        r_dst?;
        r_weights?;
        events.progress(Stage::Payloads, 3);
    }
    if !plan.vectors.is_empty() {
        files.dir("vectors")?;
        for (f, v) in plan.vectors.iter().enumerate() {
            for (d, values) in &v.dims {
                files.payload(
                    &vector_path(f, u32::from(*d), c),
                    &cellucid_format::encode_le(values),
                )?;
                events.progress(Stage::Payloads, 1);
            }
        }
    }
    events.stage_finished(Stage::Payloads);
    Ok(())
}

/// Writes one payload per planned gene (in parallel) and returns the var manifest, or `None`
/// when the plan has no genes. Stops early once `cancel` is set (see `genes::write_genes`).
pub(crate) fn write_gene_stage(
    plan: &Plan,
    source: &dyn ExportSource,
    files: &FileWriter<'_>,
    events: &dyn ExportEvents,
    cancel: &std::sync::atomic::AtomicBool,
) -> Result<Option<VarManifest>, ExportError> {
    let Some(g) = &plan.genes else {
        return Ok(None);
    };
    let o = &plan.options;
    files.dir("var")?;
    let bits = o.var_quantization.and_then(Bits::from_bits);
    let bounds = genes::write_genes(
        source,
        g,
        plan.n_cells,
        bits,
        o.compression,
        files,
        events,
        cancel,
    )?;
    Ok(Some(manifests::var_manifest(plan, &g.names, &bounds)))
}

/// Writes the JSON documents, reads each back, reconciles the stage with the plan and returns
/// the counts.
pub(crate) fn finish_stage(
    plan: &Plan,
    stage: &Path,
    files: &FileWriter<'_>,
    created_at: String,
    var: Option<VarManifest>,
    events: &dyn ExportEvents,
) -> Result<WriteStats, ExportError> {
    events.stage_started(Stage::Manifests, 4);
    let obs = manifests::obs_manifest(plan);
    let identity = manifests::identity(
        plan,
        &obs,
        plan.genes.as_ref().map_or(0, |g| g.names.len()),
        created_at,
    );
    let connectivity = manifests::connectivity_manifest(plan);
    if let Some(v) = &var {
        write_document(
            files,
            stage,
            v,
            VarManifest::FILE_NAME,
            VarManifest::to_json_string,
            VarManifest::from_json_str,
        )?;
    }
    write_document(
        files,
        stage,
        &obs,
        ObsManifest::FILE_NAME,
        ObsManifest::to_json_string,
        ObsManifest::from_json_str,
    )?;
    if let Some(m) = &connectivity {
        write_document(
            files,
            stage,
            m,
            ConnectivityManifest::FILE_NAME,
            ConnectivityManifest::to_json_string,
            ConnectivityManifest::from_json_str,
        )?;
    }
    write_document(
        files,
        stage,
        &identity,
        DatasetIdentity::FILE_NAME,
        DatasetIdentity::to_json_string,
        DatasetIdentity::from_json_str,
    )?;
    events.stage_finished(Stage::Manifests);
    reconcile(stage, plan, files)?;
    Ok(WriteStats {
        files: files.files.load(Ordering::Relaxed),
        raw_bytes: files.raw_bytes.load(Ordering::Relaxed),
        stored_bytes: files.stored_bytes.load(Ordering::Relaxed),
    })
}

/// Writes a document, reads it back with the strict parser and compares it with the model.
fn write_document<T: PartialEq + std::fmt::Debug>(
    files: &FileWriter<'_>,
    stage: &Path,
    model: &T,
    name: &str,
    to_json: fn(&T) -> String,
    from_json: fn(&str) -> Result<T, cellucid_format::FormatError>,
) -> Result<(), ExportError> {
    files.document(name, &to_json(model))?;
    let path = stage.join(name);
    let text = std::fs::read_to_string(&path).map_err(|source| ExportError::Io {
        path: path.clone(),
        source,
    })?;
    let back = from_json(&text)
        .map_err(|e| ExportError::Internal(format!("{name} does not read back: {e}")))?;
    if &back != model {
        return Err(ExportError::Internal(format!(
            "{name} reads back different from what was written"
        )));
    }
    Ok(())
}

/// The stage must hold exactly the planned files and payload directories (format.md §3).
fn reconcile(stage: &Path, plan: &Plan, files: &FileWriter<'_>) -> Result<(), ExportError> {
    let expected: BTreeSet<String> = planned_files(plan).into_iter().map(|(p, _)| p).collect();
    let written: BTreeSet<String> = files
        .written
        .lock()
        .map(|w| w.iter().cloned().collect())
        .unwrap_or_default();
    let mut found = BTreeSet::new();
    let mut dirs = BTreeSet::new();
    let mut stack = vec![(stage.to_path_buf(), String::new())];
    while let Some((dir, prefix)) = stack.pop() {
        let entries = std::fs::read_dir(&dir).map_err(|source| ExportError::Io {
            path: dir.clone(),
            source,
        })?;
        for entry in entries {
            let entry = entry.map_err(|source| ExportError::Io {
                path: dir.clone(),
                source,
            })?;
            let name = entry.file_name().to_string_lossy().into_owned();
            let rel = if prefix.is_empty() {
                name
            } else {
                format!("{prefix}/{name}")
            };
            if entry.file_type().is_ok_and(|t| t.is_dir()) {
                dirs.insert(rel.clone());
                stack.push((entry.path(), rel));
            } else {
                found.insert(rel);
            }
        }
    }
    let mut expected_dirs: BTreeSet<String> = ["obs".to_string()].into();
    if plan.genes.is_some() {
        expected_dirs.insert("var".into());
    }
    if plan.edges.is_some() {
        expected_dirs.insert("connectivity".into());
    }
    if !plan.vectors.is_empty() {
        expected_dirs.insert("vectors".into());
    }
    if found != expected || written != expected || dirs != expected_dirs {
        let extra: Vec<&String> = found.difference(&expected).collect();
        let missing: Vec<&String> = expected.difference(&found).collect();
        return Err(ExportError::Internal(format!(
            "staged folder does not match its declarations (extra {extra:?}, missing {missing:?}, directories {dirs:?})"
        )));
    }
    Ok(())
}
