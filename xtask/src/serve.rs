//! `cargo xtask serve PATH`: serve an export folder, a folder of exports, an `.h5ad` file or a
//! `.zarr` store to the Cellucid viewer (server.md §8). The library does the serving; this
//! module parses flags, detects the input, sets up logging and prints the banner.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use cellucid_server::{
    open_anndata, AnnDataOptions, ExportedRoot, Server, ServerBuilder, WebUi,
    DEFAULT_WEB_SOURCE_URL,
};

/// Arguments of `cargo xtask serve`.
#[derive(Debug, clap::Args)]
pub(crate) struct ServeArgs {
    /// `.h5ad` file, Zarr store, export folder, or folder of export folders.
    data_path: PathBuf,
    /// Bind port (0 = let the operating system pick one; the chosen port is printed).
    #[arg(short = 'p', long, default_value_t = 8765)]
    port: u16,
    /// Bind address (`0.0.0.0` = every interface; no authentication).
    #[arg(short = 'H', long, default_value = "127.0.0.1")]
    host: String,
    /// Extra accepted `Host` header names (repeatable).
    #[arg(long = "allowed-host")]
    allowed_hosts: Vec<String>,
    /// Do not open a browser (this command never opens one; accepted for compatibility).
    #[arg(long)]
    no_browser: bool,
    /// No startup output and no logging.
    #[arg(short, long, conflicts_with = "verbose")]
    quiet: bool,
    /// Debug logging: one line per request.
    #[arg(short, long)]
    verbose: bool,
    /// Do not serve a viewer at `/` (the default unless --web-ui or --web-source-url is given).
    #[arg(long, conflicts_with_all = ["web_ui", "web_source_url", "web_cache_dir"])]
    no_web_ui: bool,
    /// Serve the viewer build in this directory at `/`.
    #[arg(long, value_name = "DIR", conflicts_with_all = ["web_source_url", "web_cache_dir"])]
    web_ui: Option<PathBuf>,
    /// Download the hosted viewer build from this origin at startup (verified by SHA-256,
    /// cached in --web-cache-dir, reused when unchanged) and serve it at `/`.
    /// Default origin when only --web-cache-dir is given: https://www.cellucid.com.
    #[arg(long, value_name = "URL")]
    web_source_url: Option<String>,
    /// Where the hosted viewer build is cached (default: <system temp>/cellucid-web-cache).
    #[arg(long, value_name = "PATH")]
    web_cache_dir: Option<PathBuf>,
    /// Display name (required for .h5ad / .zarr input).
    #[arg(long)]
    dataset_name: Option<String>,
    /// Portable dataset id (required for .h5ad / .zarr input).
    #[arg(long)]
    dataset_id: Option<String>,
    /// Served obs columns, in order (repeatable; default: all).
    #[arg(long = "obs-key")]
    obs_keys: Vec<String>,
    /// obsm key for outlier quantiles.
    #[arg(long)]
    latent_key: Option<String>,
    /// Serve obsp['connectivities'].
    #[arg(long)]
    connectivity: bool,
    /// Serve `<field>_umap_<d>d` vector fields.
    #[arg(long)]
    vector_fields: bool,
    /// Default vector field (requires --vector-fields).
    #[arg(long, value_name = "FIELD_ID")]
    vector_field_default: Option<String>,
    /// Serve genes quantized to 8 or 16 bits, as an export with that var_quantization stores
    /// them (an extension: smaller transfers; the bounds take one pass over X at startup).
    #[arg(long, value_name = "BITS", value_parser = clap::builder::PossibleValuesParser::new(["8", "16"]))]
    var_quantization: Option<String>,
    /// Byte budget of the payload cache in MiB (anndata mode).
    #[arg(long, default_value_t = cellucid_server::DEFAULT_CACHE_BYTES >> 20)]
    cache_mb: u64,
}

/// What the input path holds.
enum Input {
    AnnData,
    Exported,
}

fn detect(path: &Path) -> anyhow::Result<Input> {
    let unknown = || {
        anyhow::anyhow!("Unable to detect format for: {}. Expected an exact .h5ad file, complete Zarr store, or complete prepared Cellucid generation.", path.display())
    };
    let meta = std::fs::metadata(path)
        .map_err(|_| anyhow::anyhow!("Path not found: {}", path.display()))?;
    if meta.is_file() {
        return if path.extension().is_some_and(|e| e == "h5ad") {
            Ok(Input::AnnData)
        } else {
            Err(unknown())
        };
    }
    let zarr_like = path.extension().is_some_and(|e| e == "zarr")
        || path.join(".zgroup").exists()
        || path.join(".zattrs").exists()
        || path.join("zarr.json").exists();
    if zarr_like {
        return Ok(Input::AnnData);
    }
    if cellucid_server::looks_like_export(path) {
        Ok(Input::Exported)
    } else {
        Err(unknown())
    }
}

/// Runs `cargo xtask serve`.
pub(crate) fn run(args: ServeArgs) -> anyhow::Result<ExitCode> {
    if !args.quiet {
        let level = if args.verbose { "debug" } else { "info" };
        let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| {
            tracing_subscriber::EnvFilter::new(format!("cellucid_server={level},xtask={level}"))
        });
        tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_target(args.verbose)
            .init();
    }
    let input = detect(&args.data_path)?;
    let mut builder: ServerBuilder = Server::builder()
        .host(args.host.clone())
        .port(args.port)
        .cache_bytes(args.cache_mb.saturating_mul(1 << 20));
    for host in &args.allowed_hosts {
        builder = builder.allowed_host(host.clone());
    }
    let mut web_ui_line = None;
    if let Some(dir) = &args.web_ui {
        builder = builder.web_ui_dir(dir.clone());
    } else if args.web_source_url.is_some() || args.web_cache_dir.is_some() {
        let url = args
            .web_source_url
            .clone()
            .unwrap_or_else(|| DEFAULT_WEB_SOURCE_URL.to_string());
        let cache = args
            .web_cache_dir
            .clone()
            .unwrap_or_else(WebUi::default_cache_dir);
        let web_ui = WebUi::download(&url, &cache)?;
        web_ui_line = Some(format!("{} from {url}", web_ui.describe()));
        builder = builder.web_ui(web_ui);
    }
    let what = match input {
        Input::Exported => {
            let mut anndata_flags = Vec::new();
            for (set, flag) in [
                (args.latent_key.is_some(), "--latent-key"),
                (args.dataset_name.is_some(), "--dataset-name"),
                (args.dataset_id.is_some(), "--dataset-id"),
                (!args.obs_keys.is_empty(), "--obs-key"),
                (
                    args.vector_field_default.is_some(),
                    "--vector-field-default",
                ),
                (args.connectivity, "--connectivity"),
                (args.vector_fields, "--vector-fields"),
                (args.var_quantization.is_some(), "--var-quantization"),
            ] {
                if set {
                    anndata_flags.push(flag);
                }
            }
            if !anndata_flags.is_empty() {
                anyhow::bail!("{} may only be used with direct AnnData input. A prepared export already declares its identity and its columns in dataset_identity.json, so remove the flag and run the command again.", anndata_flags.join(", "));
            }
            let root = ExportedRoot::open(&args.data_path)?;
            let names: Vec<String> = root
                .catalog()
                .iter()
                .map(|e| format!("{} ({}) at {}", e.name, e.id, e.path))
                .collect();
            let what = format!(
                "exported mode, {} dataset(s), {} files: {}",
                names.len(),
                root.artifact_count(),
                names.join("; ")
            );
            builder = builder.exported(root);
            what
        }
        Input::AnnData => {
            let (Some(name), Some(id)) = (args.dataset_name.clone(), args.dataset_id.clone())
            else {
                anyhow::bail!("--dataset-name and --dataset-id are required when serving h5ad or zarr data. An .h5ad file and a Zarr store carry no Cellucid identity of their own, so name the dataset on the command line, for example: --dataset-name \"My study\" --dataset-id my-study-v1");
            };
            let options = AnnDataOptions {
                dataset_id: id.clone(),
                dataset_name: name.clone(),
                obs_keys: (!args.obs_keys.is_empty()).then(|| args.obs_keys.clone()),
                latent_key: args.latent_key.clone(),
                connectivity: args.connectivity,
                vector_fields: args.vector_fields,
                vector_field_default: args.vector_field_default.clone(),
                var_quantization: args
                    .var_quantization
                    .as_deref()
                    .and_then(|b| b.parse().ok()),
            };
            let started = std::time::Instant::now();
            let dataset = open_anndata(&args.data_path, &options)?;
            let summary = dataset.summary();
            let what = format!(
                "anndata mode ({}), {name} ({id}): {} cells, {} genes, prepared in {:.2} s",
                summary.format.as_str(),
                summary.n_cells,
                summary.n_genes,
                started.elapsed().as_secs_f64()
            );
            builder = builder.virtual_dataset(dataset);
            what
        }
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let interrupted = runtime.block_on(async {
        let bound = builder.bind().await?;
        let addr = bound.local_addr();
        if !args.quiet {
            let url = format!("http://{}:{}", if addr.ip().is_unspecified() { "127.0.0.1".to_string() } else { args.host.clone() }, addr.port());
            println!("cellucid-rs {} serving {}", cellucid_server::SERVER_VERSION, args.data_path.display());
            println!("  {what}");
            println!("  Server URL: {url}");
            if let Some(line) = &web_ui_line {
                println!("  Web UI: {line}");
            }
            if args.web_ui.is_some() || web_ui_line.is_some() {
                println!("  Viewer URL: {url}/");
            } else {
                println!("  Viewer URL: https://www.cellucid.com/?remote={url}");
            }
            if addr.ip().is_unspecified() {
                println!("  Bound to every network interface: anyone who can reach this machine can read the data.");
            }
            println!("  Press Ctrl-C to stop.");
        }
        bound.serve().await.context("waiting for Ctrl-C")?;
        anyhow::Ok(true)
    })?;
    if interrupted && !args.quiet {
        eprintln!("Interrupted by user");
    }
    Ok(ExitCode::from(130))
}
