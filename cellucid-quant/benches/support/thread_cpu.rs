//! A criterion [`Measurement`] of the benchmark thread's CPU time (`CLOCK_THREAD_CPUTIME_ID`).
//!
//! The bench machines are small shared VMs where other jobs run at the same time; wall time
//! then mostly measures how long the thread waited for a core. Thread CPU time leaves the
//! waiting out (cache and memory-bandwidth contention remain), so the figures are stabler.

use criterion::measurement::{Measurement, ValueFormatter, WallTime};
use rustix::time::{clock_gettime, ClockId};

/// Thread CPU time, in nanoseconds, formatted like wall time.
pub(crate) struct ThreadCpuTime;

/// The workspace's bench settings: thread CPU time, `warm_up_ms` of warm-up, then
/// `measure_secs` of measurement in `samples` samples per bench.
pub(crate) fn criterion(
    warm_up_ms: u64,
    measure_secs: u64,
    samples: usize,
) -> criterion::Criterion<ThreadCpuTime> {
    criterion::Criterion::default()
        .with_measurement(ThreadCpuTime)
        .warm_up_time(std::time::Duration::from_millis(warm_up_ms))
        .measurement_time(std::time::Duration::from_secs(measure_secs))
        .sample_size(samples)
}

fn now_ns() -> u64 {
    let t = clock_gettime(ClockId::ThreadCPUTime);
    (t.tv_sec as u64) * 1_000_000_000 + t.tv_nsec as u64
}

impl Measurement for ThreadCpuTime {
    type Intermediate = u64;
    type Value = u64;

    fn start(&self) -> u64 {
        now_ns()
    }

    fn end(&self, start: u64) -> u64 {
        now_ns().saturating_sub(start)
    }

    fn add(&self, a: &u64, b: &u64) -> u64 {
        a + b
    }

    fn zero(&self) -> u64 {
        0
    }

    fn to_f64(&self, value: &u64) -> f64 {
        *value as f64
    }

    fn formatter(&self) -> &dyn ValueFormatter {
        WallTime.formatter()
    }
}
