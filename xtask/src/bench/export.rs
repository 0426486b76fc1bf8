//! `cargo xtask bench export`: our export beside the reference writer on the same input.

use anyhow::Context;
use std::path::PathBuf;
use std::process::ExitCode;

use super::measure::{measure, median, Measurement};

/// Arguments of `cargo xtask bench export`.
#[derive(Debug, clap::Args)]
pub(crate) struct BenchExportArgs {
    /// The `.h5ad` to export; default: a `make_synth.py` atlas of `--cells` × `--genes` under
    /// `target/bench-data/`, made on first use with the reference Python environment.
    #[arg(long)]
    input: Option<PathBuf>,
    /// Cells of the synthetic atlas.
    #[arg(long, default_value_t = 100_000)]
    cells: usize,
    /// Genes of the synthetic atlas.
    #[arg(long, default_value_t = 2_000)]
    genes: usize,
    /// Counted runs of each command (the medians are reported).
    #[arg(long, default_value_t = 3)]
    runs: usize,
    /// Python of the reference environment (`shared/tools/oracle-setup.sh`).
    #[arg(long)]
    python: Option<PathBuf>,
    /// Time only our export (and the read-X floor), not the reference.
    #[arg(long)]
    no_reference: bool,
    /// Scratch directory for outputs and logs.
    #[arg(long, default_value = "target/bench")]
    work_dir: PathBuf,
}

struct Figures {
    wall: Vec<f64>,
    cpu: Vec<f64>,
    rss_kib: Vec<f64>,
    bytes: u64,
}

impl Figures {
    fn new() -> Self {
        Self {
            wall: Vec::new(),
            cpu: Vec::new(),
            rss_kib: Vec::new(),
            bytes: 0,
        }
    }

    fn push(&mut self, m: Measurement) {
        self.wall.push(m.wall_s);
        self.cpu.push(m.cpu_s);
        self.rss_kib.push(m.max_rss_kib as f64);
    }
}

/// Runs `cargo xtask bench export`.
pub(crate) fn run(args: BenchExportArgs) -> anyhow::Result<ExitCode> {
    let python = super::reference_python(args.python.as_deref());
    let input = match &args.input {
        Some(p) => p.clone(),
        None => {
            let p = PathBuf::from(format!(
                "target/bench-data/synth_{}_{}.h5ad",
                args.cells, args.genes
            ));
            super::ensure_synth(&p, args.cells, args.genes, python.as_deref())?;
            p
        }
    };
    let python = if args.no_reference { None } else { python };
    if !args.no_reference && python.is_none() {
        eprintln!("note: no reference environment found (run shared/tools/oracle-setup.sh or pass --python); timing ours only");
    }
    std::fs::create_dir_all(&args.work_dir)?;
    let exe = std::env::current_exe()?.to_string_lossy().into_owned();
    let input_s = input.to_string_lossy().into_owned();
    // Each run writes a fresh folder, as a first export does, and every output (this bench's
    // and the previous bench's, renamed aside now) is removed only after the last run: on ext4
    // without a journal (this project's benchmark VM) creating a file right after thousands
    // were deleted scans the recently freed inodes (the kernel's `recently_deleted`), which cost
    // an export 0.5–1 s of system time when it replaced a folder just deleted — while the
    // reference, overwriting its files in place, never paid it. Disk: runs × both outputs.
    let ours_root = args.work_dir.join("ours");
    let ref_root = args.work_dir.join("reference");
    let mut leftovers = Vec::new();
    for root in [&ours_root, &ref_root] {
        if root.exists() {
            let aside = root.with_extension(format!("old-{}", std::process::id()));
            std::fs::rename(root, &aside)
                .with_context(|| format!("cannot move {} aside", root.display()))?;
            leftovers.push(aside);
        }
        std::fs::create_dir_all(root)?;
    }
    let ours_out = |run: usize| ours_root.join(format!("run-{run}"));
    let ref_out = |run: usize| ref_root.join(format!("run-{run}"));
    let ours_cmd = |run: usize| -> Vec<String> {
        vec![
            exe.clone(),
            "export".into(),
            input_s.clone(),
            ours_out(run).to_string_lossy().into_owned(),
            "--compression".into(),
            "6".into(),
            "--var-quantization".into(),
            "8".into(),
            "--obs-quantization".into(),
            "8".into(),
            "--id".into(),
            "benchmark".into(),
            "--force".into(),
            "--quiet".into(),
        ]
    };
    let floor_cmd: Vec<String> = vec![
        exe.clone(),
        "bench".into(),
        "read-x".into(),
        input_s.clone(),
    ];
    let ref_cmd = |run: usize| -> Option<Vec<String>> {
        python.as_ref().map(|py| {
            vec![
                py.to_string_lossy().into_owned(),
                super::shared_dir()
                    .join("tools/reference_export.py")
                    .to_string_lossy()
                    .into_owned(),
                input_s.clone(),
                ref_out(run).to_string_lossy().into_owned(),
                "--var-q".into(),
                "8".into(),
                "--obs-q".into(),
                "8".into(),
                "--gz".into(),
                "6".into(),
            ]
        })
    };

    let mut ours = Figures::new();
    let mut floor = Figures::new();
    let mut reference = Figures::new();
    let runs = args.runs.max(1);
    for run in 0..runs {
        eprintln!("run {}/{runs} …", run + 1);
        let m = measure(&ours_cmd(run), &args.work_dir.join("ours.log"))?;
        anyhow::ensure!(
            m.success,
            "our export failed; see {}",
            args.work_dir.join("ours.log").display()
        );
        ours.push(m);
        let m = measure(&floor_cmd, &args.work_dir.join("floor.log"))?;
        anyhow::ensure!(
            m.success,
            "the read-X floor failed; see {}",
            args.work_dir.join("floor.log").display()
        );
        floor.push(m);
        if let Some(cmd) = ref_cmd(run) {
            let m = measure(&cmd, &args.work_dir.join("reference.log"))?;
            anyhow::ensure!(
                m.success,
                "the reference export failed; see {}",
                args.work_dir.join("reference.log").display()
            );
            reference.push(m);
        }
    }
    let with_reference = python.is_some();
    ours.bytes = super::dir_size(&ours_out(runs - 1))?;
    if with_reference {
        reference.bytes = super::dir_size(&ref_out(runs - 1))?;
    }
    // Keep the last run's folders for inspection; remove the others and the previous bench's.
    let earlier_runs = (0..runs - 1).flat_map(|run| [ours_out(run), ref_out(run)]);
    for dir in earlier_runs.chain(leftovers) {
        if dir.exists() {
            std::fs::remove_dir_all(&dir)
                .with_context(|| format!("cannot remove {}", dir.display()))?;
        }
    }

    let input_bytes = std::fs::metadata(&input)?.len();
    println!(
        "input: {} ({:.1} MB)",
        input.display(),
        input_bytes as f64 / 1e6
    );
    println!(
        "settings: var q8, obs q8, gzip 6; {} run(s) each, medians",
        args.runs.max(1)
    );
    println!();
    println!(
        "{:<22}{:>14}{:>14}{:>14}{:>16}",
        "", "ours", "read-X floor", "reference", "reference/ours"
    );
    // Run by run, before `median` sorts them: the VM's speed drifts over minutes, and each
    // run's three commands follow one another, so per-run ratios show how much of a change in
    // the medians is drift.
    let per_run = PerRun {
        ours: ours.wall.clone(),
        floor: floor.wall.clone(),
        reference: reference.wall.clone(),
    };
    let ow = median(&mut ours.wall);
    let fw = median(&mut floor.wall);
    let oc = median(&mut ours.cpu);
    let fc = median(&mut floor.cpu);
    let orss = median(&mut ours.rss_kib) / 1024.0;
    let frss = median(&mut floor.rss_kib) / 1024.0;
    if with_reference {
        let rw = median(&mut reference.wall);
        let rc = median(&mut reference.cpu);
        let rrss = median(&mut reference.rss_kib) / 1024.0;
        println!(
            "{:<22}{:>14.2}{:>14.2}{:>14.2}{:>15.1}×",
            "wall time (s)",
            ow,
            fw,
            rw,
            rw / ow
        );
        println!(
            "{:<22}{:>14.2}{:>14.2}{:>14.2}{:>15.1}×",
            "CPU time (s)",
            oc,
            fc,
            rc,
            rc / oc
        );
        println!(
            "{:<22}{:>14.0}{:>14.0}{:>14.0}{:>15.1}×",
            "peak RSS (MiB)",
            orss,
            frss,
            rrss,
            rrss / orss
        );
        println!(
            "{:<22}{:>14}{:>14}{:>14}{:>15.3}×",
            "output bytes",
            ours.bytes,
            "-",
            reference.bytes,
            reference.bytes as f64 / ours.bytes as f64
        );
    } else {
        println!("{:<22}{:>14.2}{:>14.2}", "wall time (s)", ow, fw);
        println!("{:<22}{:>14.2}{:>14.2}", "CPU time (s)", oc, fc);
        println!("{:<22}{:>14.0}{:>14.0}", "peak RSS (MiB)", orss, frss);
        println!("{:<22}{:>14}", "output bytes", ours.bytes);
    }
    println!();
    println!("export time / read-X floor: {:.2}", ow / fw);
    per_run.print();
    Ok(ExitCode::SUCCESS)
}

/// Each run's wall times, in run order.
struct PerRun {
    ours: Vec<f64>,
    floor: Vec<f64>,
    reference: Vec<f64>,
}

impl PerRun {
    /// Prints the wall times of every run and, with the reference, its ratio run by run.
    fn print(&self) {
        let row = |v: &[f64]| {
            v.iter()
                .map(|x| format!("{x:.2}"))
                .collect::<Vec<_>>()
                .join(" ")
        };
        println!();
        println!("wall time (s) run by run:");
        println!("  {:<12}{}", "ours", row(&self.ours));
        println!("  {:<12}{}", "floor", row(&self.floor));
        if self.reference.is_empty() {
            return;
        }
        println!("  {:<12}{}", "reference", row(&self.reference));
        let mut ratios: Vec<f64> = self
            .reference
            .iter()
            .zip(&self.ours)
            .map(|(r, o)| r / o)
            .collect();
        let listed = ratios
            .iter()
            .map(|x| format!("{x:.1}"))
            .collect::<Vec<_>>()
            .join(" ");
        println!(
            "  reference / ours run by run: {listed} (median {:.1}×)",
            median(&mut ratios)
        );
    }
}
