//! Progress bars (indicatif) for the export stages, driven by the library's typed events.

use std::collections::HashMap;
use std::sync::Mutex;

use cellucid_export::{ExportEvents, Stage, Warning};
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Draws one bar per stage (counts and rate) and prints warnings; with `quiet`, no bars.
pub(crate) struct Bars {
    multi: MultiProgress,
    bars: Mutex<HashMap<Stage, ProgressBar>>,
    quiet: bool,
    pub(crate) warnings: Mutex<Vec<Warning>>,
}

impl Bars {
    pub(crate) fn new(quiet: bool) -> Self {
        let multi = MultiProgress::new();
        if quiet {
            multi.set_draw_target(ProgressDrawTarget::hidden());
        }
        Self {
            multi,
            bars: Mutex::new(HashMap::new()),
            quiet,
            warnings: Mutex::new(Vec::new()),
        }
    }
}

fn style(total: u64) -> ProgressStyle {
    let template = if total > 0 {
        "{prefix:>18} [{bar:30}] {pos}/{len} ({per_sec}, {elapsed})"
    } else {
        "{prefix:>18} {spinner} {elapsed}"
    };
    ProgressStyle::with_template(template)
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ")
}

impl ExportEvents for Bars {
    fn stage_started(&self, stage: Stage, total: u64) {
        let bar = self.multi.add(ProgressBar::new(total));
        bar.set_style(style(total));
        bar.set_prefix(stage.name());
        if total == 0 {
            bar.enable_steady_tick(std::time::Duration::from_millis(120));
        }
        if let Ok(mut bars) = self.bars.lock() {
            bars.insert(stage, bar);
        }
    }

    fn progress(&self, stage: Stage, done: u64) {
        if let Some(bar) = self.bars.lock().ok().and_then(|b| b.get(&stage).cloned()) {
            bar.inc(done);
        }
    }

    fn stage_finished(&self, stage: Stage) {
        if let Some(bar) = self.bars.lock().ok().and_then(|mut b| b.remove(&stage)) {
            bar.finish();
        }
    }

    fn warning(&self, warning: &Warning) {
        // Warnings are not progress: `--quiet` still prints them.
        if self.quiet {
            eprintln!("warning: {warning}");
        } else {
            let _ = self.multi.println(format!("warning: {warning}"));
        }
        if let Ok(mut w) = self.warnings.lock() {
            w.push(warning.clone());
        }
    }
}
