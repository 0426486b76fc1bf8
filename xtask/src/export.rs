//! `cargo xtask export`: an AnnData file (or the bundled demo) → a Cellucid export folder.

mod progress;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context};
use cellucid_export::source::{AnnDataSource, ExportSource};
use cellucid_export::{CategoricalDtype, ExportOptions};

/// The bundled demo dataset (the golden pbmc68k input).
const DEMO_INPUT: &str = "data/pbmc68k_reduced.h5ad";
/// Where the demo is exported by default.
const EXPORTS_DIR: &str = "exports";

/// Arguments of `cargo xtask export`.
///
/// Option precedence: flags > `--config` file > defaults. Defaults: id and name from the input
/// file name, gzip level 6, 8-bit quantization of genes and continuous obs fields, `X_pca` as
/// latent space, the adapter's embedding, vector-field and graph keys.
#[derive(Debug, clap::Args)]
pub(crate) struct ExportArgs {
    /// Input `.h5ad` file or `.zarr` directory [default: the bundled demo data/pbmc68k_reduced.h5ad].
    input: Option<PathBuf>,
    /// Output export folder [default: ./exports/<input file stem>].
    out: Option<PathBuf>,
    /// JSON file of options (the keys of a golden call.json); flags override it.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Every export option (boxed: keeps the subcommand enum small).
    #[command(flatten)]
    flags: Box<OptionFlags>,
    /// Replace a non-empty output folder as a whole.
    #[arg(long)]
    force: bool,
    /// No progress bars, notes or summary (errors and warnings still go to stderr).
    #[arg(long, short)]
    quiet: bool,
    /// Check everything and list the files that would be written, without writing.
    #[arg(long)]
    dry_run: bool,
}

/// Flags setting one export option each.
#[derive(Debug, clap::Args)]
struct OptionFlags {
    /// Dataset id ([A-Za-z0-9][A-Za-z0-9._-]*).
    #[arg(long)]
    id: Option<String>,
    /// Dataset display name.
    #[arg(long)]
    name: Option<String>,
    /// Dataset description.
    #[arg(long)]
    description: Option<String>,
    /// Creation time, YYYY-MM-DDTHH:MM:SSZ [default: now].
    #[arg(long)]
    created_at: Option<String>,
    /// Source name.
    #[arg(long)]
    source_name: Option<String>,
    /// Source URL (needs --source-name).
    #[arg(long)]
    source_url: Option<String>,
    /// Source citation (needs --source-name).
    #[arg(long)]
    source_citation: Option<String>,
    /// obsm key of the latent space for outlier quantiles [default: X_pca].
    #[arg(long)]
    latent_key: Option<String>,
    /// Embedding as DIM=OBSM_KEY, e.g. 2=X_umap (repeatable) [default: X_umap_1d/2d/3d or X_umap].
    #[arg(long = "embedding", value_name = "DIM=KEY")]
    embeddings: Vec<String>,
    /// Vector field obsm key `<field>_umap_<d>d` (repeatable) [default: all found].
    #[arg(long = "vector-field", value_name = "KEY")]
    vector_fields: Vec<String>,
    /// Export no vector field.
    #[arg(long, conflicts_with = "vector_fields")]
    no_vector_fields: bool,
    /// Default vector field id (needed with several fields).
    #[arg(long)]
    vector_field_default: Option<String>,
    /// obsp key of the connectivity graph [default: connectivities when present].
    #[arg(long, value_name = "KEY")]
    connectivities: Option<String>,
    /// Export no connectivity graph.
    #[arg(long, conflicts_with = "connectivities")]
    no_connectivities: bool,
    /// obs column to export (repeatable, in order) [default: all].
    #[arg(long = "obs-key", value_name = "KEY")]
    obs_keys: Vec<String>,
    /// Gene to export (repeatable, in order) [default: all].
    #[arg(long = "gene", value_name = "NAME")]
    genes: Vec<String>,
    /// File with one gene name per line (adds to --gene).
    #[arg(long, value_name = "FILE")]
    genes_file: Option<PathBuf>,
    /// var column holding the gene names [default: the var index].
    #[arg(long)]
    var_gene_id_column: Option<String>,
    /// Centroid trimming quantile (0.5 < p < 1), or "none" for no centroids [default: 0.95].
    #[arg(long, value_name = "P|none")]
    centroid_outlier_quantile: Option<String>,
    /// Smallest category with a centroid and outlier quantiles [default: 10].
    #[arg(long)]
    centroid_min_points: Option<usize>,
    /// gzip level 1-9, or "none" [default: 6].
    #[arg(long, value_name = "1-9|none")]
    compression: Option<String>,
    /// Gene quantization: 8, 16 or "none" for float32 [default: 8].
    #[arg(long, value_name = "8|16|none")]
    var_quantization: Option<String>,
    /// Continuous obs quantization: 8, 16 or "none" for float32 [default: 8].
    #[arg(long, value_name = "8|16|none")]
    obs_quantization: Option<String>,
    /// Categorical codes width: auto, uint8 or uint16 [default: auto].
    #[arg(long, value_name = "auto|uint8|uint16")]
    obs_categorical_dtype: Option<String>,
}

fn parse_optional_u32(flag: &str, value: &str) -> anyhow::Result<Option<u32>> {
    if value.eq_ignore_ascii_case("none") || value.eq_ignore_ascii_case("null") {
        return Ok(None);
    }
    value
        .parse()
        .map(Some)
        .with_context(|| format!("--{flag} {value:?}: expected a number or \"none\""))
}

/// A dataset id derived from a file stem (invalid characters become `_`).
fn id_from_stem(stem: &str) -> String {
    let mut id: String = stem
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if !id.starts_with(|c: char| c.is_ascii_alphanumeric()) {
        id.insert(0, 'd');
    }
    id.truncate(180);
    id.trim_end_matches('.').to_string()
}

/// Defaults < config file < flags, merged as JSON objects so that a config's explicit `null`
/// wins over a default.
fn build_options(
    args: &ExportArgs,
    input: &Path,
    source: &AnnDataSource,
) -> anyhow::Result<(ExportOptions, Vec<String>)> {
    let stem = input
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("dataset");
    let stem = stem.strip_suffix(".h5ad").unwrap_or(stem);
    let mut notes = Vec::new();
    let mut defaults = ExportOptions::new(id_from_stem(stem), stem);
    defaults.compression = Some(6);
    defaults.var_quantization = Some(8);
    defaults.obs_continuous_quantization = Some(8);
    let mut merged = serde_json::to_value(&defaults)?;
    if let Some(path) = &args.config {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading --config {}", path.display()))?;
        let config: serde_json::Value = serde_json::from_str(&text)
            .with_context(|| format!("--config {} is not JSON", path.display()))?;
        let serde_json::Value::Object(config) = config else {
            bail!("--config {} must hold a JSON object", path.display())
        };
        if let serde_json::Value::Object(m) = &mut merged {
            m.extend(config);
        }
    }
    let mut o: ExportOptions = serde_json::from_value(merged)
        .context("invalid options (in --config); the keys are those of ExportOptions")?;
    macro_rules! set {
        ($field:ident, $value:expr) => {
            if let Some(v) = $value {
                o.$field = v;
            }
        };
    }
    set!(dataset_id, args.flags.id.clone());
    set!(dataset_name, args.flags.name.clone());
    set!(
        dataset_description,
        args.flags.description.clone().map(Some)
    );
    set!(created_at, args.flags.created_at.clone().map(Some));
    set!(source_name, args.flags.source_name.clone().map(Some));
    set!(source_url, args.flags.source_url.clone().map(Some));
    set!(
        source_citation,
        args.flags.source_citation.clone().map(Some)
    );
    set!(latent_key, args.flags.latent_key.clone().map(Some));
    set!(
        vector_field_default,
        args.flags.vector_field_default.clone().map(Some)
    );
    set!(
        var_gene_id_column,
        args.flags.var_gene_id_column.clone().map(Some)
    );
    set!(centroid_min_points, args.flags.centroid_min_points);
    if let Some(v) = &args.flags.centroid_outlier_quantile {
        o.centroid_outlier_quantile = if v.eq_ignore_ascii_case("none") {
            None
        } else {
            Some(v.parse().with_context(|| {
                format!("--centroid-outlier-quantile {v:?}: expected a number or \"none\"")
            })?)
        };
    }
    if let Some(v) = &args.flags.compression {
        o.compression = parse_optional_u32("compression", v)?;
    }
    if let Some(v) = &args.flags.var_quantization {
        o.var_quantization = parse_optional_u32("var-quantization", v)?;
    }
    if let Some(v) = &args.flags.obs_quantization {
        o.obs_continuous_quantization = parse_optional_u32("obs-quantization", v)?;
    }
    if let Some(v) = &args.flags.obs_categorical_dtype {
        o.obs_categorical_dtype = match v.as_str() {
            "auto" => CategoricalDtype::Auto,
            "uint8" => CategoricalDtype::Uint8,
            "uint16" => CategoricalDtype::Uint16,
            other => bail!("--obs-categorical-dtype {other:?}: expected auto, uint8 or uint16"),
        };
    }
    for e in &args.flags.embeddings {
        let (dim, key) = e
            .split_once('=')
            .with_context(|| format!("--embedding {e:?}: expected DIM=KEY, e.g. 2=X_umap"))?;
        let dim: u8 = dim
            .parse()
            .with_context(|| format!("--embedding {e:?}: DIM must be 1, 2 or 3"))?;
        o.embeddings.insert(dim, key.to_string());
    }
    if !args.flags.obs_keys.is_empty() {
        o.obs_keys = Some(args.flags.obs_keys.clone());
    }
    let mut genes = args.flags.genes.clone();
    if let Some(path) = &args.flags.genes_file {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading --genes-file {}", path.display()))?;
        genes.extend(
            text.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(String::from),
        );
    }
    if !genes.is_empty() {
        o.gene_identifiers = Some(genes);
    }
    o.force |= args.force;
    let from_config = args.config.is_some();
    // Source-dependent defaults (only when neither the config nor a flag decided).
    if o.latent_key.is_none() {
        match source.default_latent_key() {
            Some(k) => o.latent_key = Some(k),
            None => {
                let embeddings = if o.embeddings.is_empty() {
                    source.default_embeddings()?
                } else {
                    o.embeddings.clone()
                };
                let (_, key) = embeddings
                    .iter()
                    .next_back()
                    .context("no embedding to use as latent space")?;
                notes.push(format!(
                    "no X_pca in obsm: using the embedding '{key}' as latent space for the outlier quantiles (pass --latent-key to choose another obsm key)"
                ));
                o.latent_key = Some(key.clone());
            }
        }
    }
    if args.flags.no_connectivities {
        o.connectivities_key = None;
    } else if let Some(k) = &args.flags.connectivities {
        o.connectivities_key = Some(k.clone());
    } else if !from_config {
        // Picked here, not asked for: a graph the viewer could not load is left out with a
        // warning instead of refusing the export.
        o.connectivities_key = source.default_connectivities_key();
        o.oversized_graph = cellucid_export::OversizedGraph::LeaveOut;
    }
    if args.flags.no_vector_fields {
        o.vector_fields.clear();
        o.vector_field_default = None;
    } else if !args.flags.vector_fields.is_empty() {
        o.vector_fields = args.flags.vector_fields.clone();
    } else if !from_config {
        let dims: Vec<u8> = if o.embeddings.is_empty() {
            source.default_embeddings()?.into_keys().collect()
        } else {
            o.embeddings.keys().copied().collect()
        };
        let found = source.vector_field_keys();
        let (keep, skipped): (Vec<String>, Vec<String>) = found.into_iter().partition(|k| {
            cellucid_export::math::parse_vector_key(k)
                .is_ok_and(|p| dims.iter().any(|&d| usize::from(d) == p.dim))
        });
        for k in skipped {
            notes.push(format!(
                "vector field '{k}' skipped: no embedding of its dimension"
            ));
        }
        o.vector_fields = keep;
        if o.vector_field_default.is_none() {
            let mut ids: Vec<String> = o
                .vector_fields
                .iter()
                .filter_map(|k| cellucid_export::math::parse_vector_key(k).ok())
                .map(|p| p.field)
                .collect();
            ids.sort();
            ids.dedup();
            if ids.len() > 1 {
                notes.push(format!(
                    "several vector fields; '{}' is the default (pass --vector-field-default)",
                    ids[0]
                ));
                o.vector_field_default = Some(ids[0].clone());
            }
        }
    }
    Ok((o, notes))
}

fn human(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = bytes as f64;
    let mut unit = 0;
    while v >= 1024.0 && unit < UNITS.len() - 1 {
        v /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{v:.1} {}", UNITS[unit])
    }
}

/// Runs `cargo xtask export`.
pub(crate) fn run(args: ExportArgs) -> anyhow::Result<ExitCode> {
    // `RUST_LOG=cellucid_export=debug` prints when each phase of the export ends (to stderr,
    // with the elapsed time); without `RUST_LOG` nothing is logged beside the progress bars.
    if std::env::var_os("RUST_LOG").is_some() {
        tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
            .with_writer(std::io::stderr)
            .init();
    }
    let demo = args.input.is_none();
    let input = args
        .input
        .clone()
        .unwrap_or_else(|| PathBuf::from(DEMO_INPUT));
    if demo && !input.exists() {
        bail!("the bundled demo {DEMO_INPUT} is not here; run from the repository root or pass an INPUT file");
    }
    let source = AnnDataSource::open(&input).map_err(|e| anyhow::anyhow!("{e}"))?;
    let (options, notes) = build_options(&args, &input, &source)?;
    let out = match &args.out {
        Some(o) => o.clone(),
        None => Path::new(EXPORTS_DIR).join(&options.dataset_id),
    };
    let bars = progress::Bars::new(args.quiet);
    if !args.quiet {
        for n in &notes {
            eprintln!("note: {n}");
        }
    }
    if args.dry_run {
        let plan =
            cellucid_export::plan(&source, &options, &bars).map_err(|e| anyhow::anyhow!("{e}"))?;
        let s = plan.summary();
        let total: u64 = s.files.iter().map(|(_, b)| b).sum();
        println!(
            "would write {} files ({} decoded) to {}:",
            s.files.len(),
            human(total),
            out.display()
        );
        for (path, bytes) in &s.files {
            println!(
                "  {path}  {}",
                if *bytes > 0 {
                    human(*bytes)
                } else {
                    "(json)".into()
                }
            );
        }
        println!(
            "{} cells, dimensions {:?}, {} continuous + {} categorical obs fields ({}), {} genes, {} edges, vector fields {:?}",
            s.n_cells,
            s.dimensions,
            s.n_continuous,
            s.n_categorical,
            s.codes_dtype,
            s.n_genes.map_or("no".into(), |g| g.to_string()),
            s.n_edges.map_or("no".into(), |e| e.to_string()),
            s.vector_fields
        );
        return Ok(ExitCode::SUCCESS);
    }
    let summary = cellucid_export::export(&source, &out, &options, &bars)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    if !args.quiet {
        let st = summary.stats;
        println!(
            "exported {} cells, {} genes to {}: {} files, {} decoded -> {} stored ({:.1}%), {:.2} s",
            summary.n_cells,
            summary.n_genes,
            summary.path.display(),
            st.files,
            human(st.raw_bytes),
            human(st.stored_bytes),
            if st.raw_bytes > 0 { 100.0 * st.stored_bytes as f64 / st.raw_bytes as f64 } else { 100.0 },
            summary.elapsed.as_secs_f64()
        );
    }
    Ok(ExitCode::SUCCESS)
}
