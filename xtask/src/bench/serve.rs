//! `cargo xtask bench serve`: our AnnData server beside the reference server, over loopback.
//!
//! Each server is a child process on a free 127.0.0.1 port. Figures: time from spawn to the first
//! `200` on `points_<d>d.bin`, new-gene and repeated-gene latency (one connection per request, as
//! a browser's first fetch of a resource would be), a fixed-duration run of concurrent clients
//! requesting random genes, and the server's peak RSS (`VmHWM`).

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;

/// Arguments of `cargo xtask bench serve`.
#[derive(Debug, clap::Args)]
pub(crate) struct BenchServeArgs {
    /// The `.h5ad` to serve; default: a `make_synth.py` atlas of 100k × 2k under `target/bench-data/`.
    #[arg(long)]
    input: Option<PathBuf>,
    /// Distinct random genes for the latency figures.
    #[arg(long, default_value_t = 20)]
    genes: usize,
    /// Concurrent clients of the throughput run.
    #[arg(long, default_value_t = 8)]
    clients: usize,
    /// Length of the throughput run, in seconds.
    #[arg(long, default_value_t = 20)]
    duration: u64,
    /// Python of the reference environment (its `cellucid` command is used).
    #[arg(long)]
    python: Option<PathBuf>,
    /// Measure only our server.
    #[arg(long)]
    no_reference: bool,
}

/// Figures of one server.
#[derive(Debug, Default)]
struct ServeFigures {
    ttfr_s: f64,
    new_gene_ms: Vec<f64>,
    repeat_gene_ms: Vec<f64>,
    throughput_rps: f64,
    load_ms: Vec<f64>,
    load_errors: usize,
    peak_rss_kib: u64,
}

/// Runs `cargo xtask bench serve`.
pub(crate) fn run(args: BenchServeArgs) -> anyhow::Result<ExitCode> {
    let python = super::reference_python(args.python.as_deref());
    let input = match &args.input {
        Some(p) => p.clone(),
        None => {
            let p = PathBuf::from("target/bench-data/synth_100000_2000.h5ad");
            super::ensure_synth(&p, 100_000, 2_000, python.as_deref())?;
            p
        }
    };
    let n_genes = count_genes_hint(&input);
    let exe = std::env::current_exe()?;
    let load_before = load_average();

    let ours = {
        let port = free_port()?;
        let mut cmd = Command::new(&exe);
        cmd.arg("serve")
            .arg(&input)
            .args(["--port", &port.to_string(), "--quiet"])
            .args(["--dataset-name", "benchmark", "--dataset-id", "benchmark"]);
        bench_server(cmd, port, &args, n_genes).context("benchmarking our server")?
    };
    let reference = match (&python, args.no_reference) {
        (Some(py), false) => {
            let cellucid = py.with_file_name("cellucid");
            let port = free_port()?;
            let mut cmd = Command::new(cellucid);
            cmd.arg("serve")
                .arg(&input)
                .args(["--port", &port.to_string(), "--no-web-ui", "--no-browser"])
                .args(["--dataset-name", "benchmark", "--dataset-id", "benchmark"]);
            Some(
                bench_server(cmd, port, &args, n_genes)
                    .context("benchmarking the reference server")?,
            )
        }
        _ => {
            eprintln!("note: no reference environment (shared/tools/oracle-setup.sh or --python); ours only");
            None
        }
    };

    println!("input: {}", input.display());
    println!(
        "machine load average (1 min) before / after: {} / {}",
        load_before,
        load_average()
    );
    println!(
        "{} random genes; {} clients for {} s; one connection per request; Accept-Encoding: gzip",
        args.genes, args.clients, args.duration
    );
    println!();
    print_row("", "ours", "reference", "reference/ours");
    let row = |name: &str, f: &dyn Fn(&ServeFigures) -> f64, digits: usize| {
        let o = f(&ours);
        match &reference {
            Some(r) => {
                let v = f(r);
                print_row(
                    name,
                    &format!("{o:.digits$}"),
                    &format!("{v:.digits$}"),
                    &format!("{:.1}×", v / o),
                );
            }
            None => print_row(name, &format!("{o:.digits$}"), "-", "-"),
        }
    };
    row("time to first points (s)", &|f| f.ttfr_s, 3);
    row(
        "new gene p50 (ms)",
        &|f| percentile(&f.new_gene_ms, 50.0),
        2,
    );
    row(
        "new gene p99 (ms)",
        &|f| percentile(&f.new_gene_ms, 99.0),
        2,
    );
    row(
        "repeated gene p50 (ms)",
        &|f| percentile(&f.repeat_gene_ms, 50.0),
        2,
    );
    let rps = |f: &ServeFigures| f.throughput_rps;
    match &reference {
        Some(r) => print_row(
            "throughput (req/s)",
            &format!("{:.1}", rps(&ours)),
            &format!("{:.1}", rps(r)),
            &more_or_fewer(rps(&ours) / rps(r).max(1e-9)),
        ),
        None => print_row(
            "throughput (req/s)",
            &format!("{:.1}", rps(&ours)),
            "-",
            "-",
        ),
    }
    row("load p50 (ms)", &|f| percentile(&f.load_ms, 50.0), 1);
    row("load p99 (ms)", &|f| percentile(&f.load_ms, 99.0), 1);
    row("peak RSS (MiB)", &|f| f.peak_rss_kib as f64 / 1024.0, 0);
    println!(
        "{:<28}{:>14}{:>14}",
        "load errors",
        ours.load_errors,
        reference
            .as_ref()
            .map(|r| r.load_errors.to_string())
            .unwrap_or_else(|| "-".into())
    );
    Ok(ExitCode::SUCCESS)
}

fn print_row(name: &str, a: &str, b: &str, c: &str) {
    println!("{name:<28}{a:>14}{b:>14}{c:>16}");
}

/// The number of genes, read from the file name convention of make_synth (falls back to 2000).
fn count_genes_hint(input: &Path) -> usize {
    let name = input
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    name.rsplit('_')
        .next()
        .and_then(|s| s.parse().ok())
        .filter(|&g: &usize| g > 0)
        .unwrap_or(2_000)
}

fn free_port() -> anyhow::Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?.port())
}

/// Kills the child when dropped, so an error never leaves a server behind.
struct ServerGuard(Child);

impl Drop for ServerGuard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn bench_server(
    mut cmd: Command,
    port: u16,
    args: &BenchServeArgs,
    n_genes: usize,
) -> anyhow::Result<ServeFigures> {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let start = Instant::now();
    let log_path = std::env::temp_dir().join(format!("cellucid-bench-serve-{port}.log"));
    let log = std::fs::File::create(&log_path)?;
    let child = cmd
        .stdin(Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log)
        .spawn()
        .context("cannot start the server")?;
    let mut guard = ServerGuard(child);
    let mut figures = ServeFigures::default();
    // Time to the first points payload: poll until the server answers 200.
    let deadline = start + Duration::from_secs(300);
    loop {
        if let Some(status) = guard.0.try_wait()? {
            let log = std::fs::read_to_string(&log_path).unwrap_or_default();
            anyhow::bail!("the server exited early ({status}): {}", log.trim());
        }
        if let Ok((200, _)) = get(addr, "/points_2d.bin") {
            break;
        }
        anyhow::ensure!(
            Instant::now() < deadline,
            "the server did not answer within 300 s"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    figures.ttfr_s = start.elapsed().as_secs_f64();

    let genes = random_genes(args.genes, n_genes, 0x5eed);
    for &g in &genes {
        let t = Instant::now();
        let (status, _) = get(addr, &format!("/var/{g}.values.f32"))?;
        anyhow::ensure!(status == 200, "gene {g}: HTTP {status}");
        figures.new_gene_ms.push(t.elapsed().as_secs_f64() * 1e3);
    }
    for &g in &genes {
        let t = Instant::now();
        let (status, _) = get(addr, &format!("/var/{g}.values.f32"))?;
        anyhow::ensure!(status == 200, "gene {g}: HTTP {status}");
        figures.repeat_gene_ms.push(t.elapsed().as_secs_f64() * 1e3);
    }

    let stop = Arc::new(AtomicBool::new(false));
    let load_start = Instant::now();
    let workers: Vec<_> = (0..args.clients)
        .map(|c| {
            let stop = Arc::clone(&stop);
            std::thread::spawn(move || {
                let mut latencies = Vec::new();
                let mut errors = 0usize;
                let mut seed = 0x9e37_79b9_u64 ^ (c as u64 + 1);
                while !stop.load(Ordering::Relaxed) {
                    let g = next_random(&mut seed) as usize % n_genes;
                    let t = Instant::now();
                    match get(addr, &format!("/var/{g}.values.f32")) {
                        Ok((200, _)) => latencies.push(t.elapsed().as_secs_f64() * 1e3),
                        _ => errors += 1,
                    }
                }
                (latencies, errors)
            })
        })
        .collect();
    std::thread::sleep(Duration::from_secs(args.duration));
    stop.store(true, Ordering::Relaxed);
    for w in workers {
        let (lat, err) = w
            .join()
            .map_err(|_| anyhow::anyhow!("a load client panicked"))?;
        figures.load_ms.extend(lat);
        figures.load_errors += err;
    }
    let elapsed = load_start.elapsed().as_secs_f64();
    figures.throughput_rps = figures.load_ms.len() as f64 / elapsed;
    figures.peak_rss_kib = peak_rss_kib(guard.0.id()).unwrap_or(0);
    drop(guard);
    Ok(figures)
}

/// The 1-minute load average (Linux), as text.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next().map(str::to_string))
        .unwrap_or_else(|| "-".into())
}

/// `VmHWM` of a live process, in KiB (Linux).
fn peak_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn next_random(state: &mut u64) -> u64 {
    // xorshift64*: deterministic and good enough to pick genes.
    *state ^= *state >> 12;
    *state ^= *state << 25;
    *state ^= *state >> 27;
    state.wrapping_mul(0x2545_f491_4f6c_dd1d)
}

fn random_genes(count: usize, n_genes: usize, seed: u64) -> Vec<usize> {
    let mut state = seed;
    let mut out: Vec<usize> = Vec::new();
    while out.len() < count.min(n_genes) {
        let g = next_random(&mut state) as usize % n_genes;
        if !out.contains(&g) {
            out.push(g);
        }
    }
    out
}

/// One GET over a fresh connection; returns the status and the body length.
fn get(addr: SocketAddr, path: &str) -> anyhow::Result<(u16, usize)> {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5))?;
    stream.set_read_timeout(Some(Duration::from_secs(120)))?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nAccept-Encoding: gzip\r\nConnection: close\r\n\r\n",
        addr.port()
    )?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response)?;
    let head_end = response
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .context("no header end in the response")?;
    let head = std::str::from_utf8(&response[..head_end])?;
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .context("no status code")?;
    Ok((status, response.len() - head_end - 4))
}

fn percentile(values: &[f64], p: f64) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let rank = ((p / 100.0) * (v.len() - 1) as f64).round() as usize;
    v[rank.min(v.len() - 1)]
}

/// "N× more" for a ratio ≥ 1, else "N× fewer" (so a slower server never reads "0× more").
fn more_or_fewer(ratio: f64) -> String {
    if ratio >= 1.0 {
        format!("{ratio:.0}× more")
    } else {
        format!("{:.1}× fewer", 1.0 / ratio.max(1e-9))
    }
}

#[cfg(test)]
mod ratio_tests {
    use super::more_or_fewer;

    #[test]
    fn ratios_below_one_read_as_fewer() {
        assert_eq!(more_or_fewer(19_000.0), "19000× more");
        assert_eq!(more_or_fewer(0.5), "2.0× fewer");
    }
}
