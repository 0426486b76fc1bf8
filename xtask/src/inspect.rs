//! `cargo xtask inspect`: an export folder's settings and where its bytes go.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use cellucid_format::DatasetIdentity;

/// Arguments of `cargo xtask inspect`.
#[derive(Debug, clap::Args)]
pub(crate) struct InspectArgs {
    /// Export folder (or a folder of exports with datasets.json).
    dir: PathBuf,
}

/// Files, stored bytes and decoded bytes of one part of an export.
#[derive(Debug, Default, Clone, Copy)]
struct Part {
    files: u64,
    stored: u64,
    decoded: u64,
}

fn human(bytes: u64) -> String {
    let mut v = bytes as f64;
    for unit in ["B", "KiB", "MiB", "GiB"] {
        if v < 1024.0 {
            return if unit == "B" {
                format!("{bytes} B")
            } else {
                format!("{v:.1} {unit}")
            };
        }
        v /= 1024.0;
    }
    format!("{v:.1} TiB")
}

/// Decoded size: a `.gz` member's ISIZE trailer (mod 2^32), else the file size.
fn decoded_len(path: &Path, stored: u64) -> u64 {
    if path.extension().is_some_and(|e| e == "gz") && stored >= 18 {
        if let Ok(bytes) = std::fs::read(path) {
            let t = &bytes[bytes.len() - 4..];
            return u64::from(u32::from_le_bytes([t[0], t[1], t[2], t[3]]));
        }
    }
    stored
}

fn part_of(rel: &str) -> usize {
    match rel.split('/').next().unwrap_or("") {
        p if p.starts_with("points_") => 0,
        "obs" => 1,
        "var" => 2,
        "connectivity" => 3,
        "vectors" => 4,
        _ => 5,
    }
}

fn inspect_one(dir: &Path) -> anyhow::Result<()> {
    let text =
        std::fs::read_to_string(dir.join(DatasetIdentity::FILE_NAME)).with_context(|| {
            format!(
                "{} has no dataset_identity.json; is it an export folder?",
                dir.display()
            )
        })?;
    let id = DatasetIdentity::from_json_str(&text).map_err(|e| anyhow::anyhow!("{e}"))?;
    let s = &id.stats;
    println!("{} ({}) at {}", id.name, id.id, dir.display());
    println!(
        "  {} cells, {} genes, {} obs fields ({} continuous, {} categorical), dimensions {:?}, {}",
        s.n_cells,
        s.n_genes,
        s.n_obs_fields,
        s.n_continuous_fields,
        s.n_categorical_fields,
        id.embeddings.available_dimensions,
        s.n_edges
            .map_or("no graph".to_string(), |e| format!("{e} edges"))
    );
    if let Some(e) = &id.export_settings {
        let q = |b: Option<u32>| b.map_or("float32".to_string(), |b| format!("{b}-bit"));
        println!(
            "  settings: compression {}, genes {}, obs {}, codes {}; written by {}, {}",
            e.compression.map_or("none".into(), |c| format!("gzip {c}")),
            q(e.var_quantization),
            q(e.obs_continuous_quantization),
            e.obs_categorical_dtype,
            id.cellucid_data_version,
            id.created_at.as_deref().unwrap_or("(no date)")
        );
    }
    if let Some(v) = &id.vector_fields {
        println!("  vector fields: {:?}", v.fields.keys().collect::<Vec<_>>());
    }
    let mut parts = [Part::default(); 6];
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).with_context(|| format!("listing {}", d.display()))? {
            let entry = entry?;
            let path = entry.path();
            if entry.file_type()?.is_dir() {
                stack.push(path);
                continue;
            }
            let stored = entry.metadata()?.len();
            let rel = path
                .strip_prefix(dir)
                .unwrap_or(&path)
                .to_string_lossy()
                .replace('\\', "/");
            let p = &mut parts[part_of(&rel)];
            p.files += 1;
            p.stored += stored;
            p.decoded += decoded_len(&path, stored);
        }
    }
    println!(
        "  {:<14} {:>7} {:>12} {:>12}",
        "part", "files", "stored", "decoded"
    );
    let names = ["points", "obs", "genes", "connectivity", "vectors", "json"];
    let mut total = Part::default();
    for (name, p) in names.iter().zip(parts) {
        if p.files > 0 {
            println!(
                "  {name:<14} {:>7} {:>12} {:>12}",
                p.files,
                human(p.stored),
                human(p.decoded)
            );
        }
        total.files += p.files;
        total.stored += p.stored;
        total.decoded += p.decoded;
    }
    println!(
        "  {:<14} {:>7} {:>12} {:>12}",
        "total",
        total.files,
        human(total.stored),
        human(total.decoded)
    );
    let genes = parts[2];
    let settings = id.export_settings.as_ref();
    if settings.is_some_and(|e| e.compression.is_none()) && total.stored > 50 << 20 {
        println!("  advice: payloads are uncompressed; re-export with --compression 6 to shrink downloads");
    }
    if settings.is_some_and(|e| e.var_quantization.is_none()) && genes.decoded > 100 << 20 {
        println!("  advice: genes are float32; --var-quantization 8 stores them in a quarter of the space");
    }
    if s.n_edges.is_some_and(|e| e > 10_000_000) {
        println!("  advice: more than 10 million edges is near the viewer's ~12 million ceiling; export a sparser graph");
    }
    if s.n_cells > 0 && genes.files > 0 && genes.decoded / genes.files > 400 << 20 {
        println!(
            "  advice: single gene payloads approach the viewer's 512 MiB ceiling; subsample cells"
        );
    }
    Ok(())
}

/// Runs `cargo xtask inspect`.
pub(crate) fn run(args: InspectArgs) -> anyhow::Result<ExitCode> {
    if args.dir.join(DatasetIdentity::FILE_NAME).exists() {
        inspect_one(&args.dir)?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut found = 0;
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&args.dir)
        .with_context(|| format!("reading {}", args.dir.display()))?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.join(DatasetIdentity::FILE_NAME).exists())
        .collect();
    dirs.sort();
    for d in dirs {
        inspect_one(&d)?;
        found += 1;
    }
    anyhow::ensure!(
        found > 0,
        "{} holds no export folder (no dataset_identity.json)",
        args.dir.display()
    );
    Ok(ExitCode::SUCCESS)
}
