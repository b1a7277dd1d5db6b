//! `RAYC_TIMINGS=1`: time spent in each phase, for profiling (docs/cli.md).
//!
//! A phase's time is summed over the threads that ran it, so with rayon
//! the phases can add up to more than the wall time. Off (one relaxed load
//! per phase entry) unless the variable is `1`.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// The phases that are timed, in pipeline order.
#[derive(Clone, Copy, Debug)]
pub enum Phase {
    /// Reading `rayc.yaml` and the spec files, and parsing them.
    Load,
    /// Defaults, overlays, environments, templates.
    Resolve,
    /// Spec schemas and typed values.
    Check,
    /// Specs into KubeRay objects (including code files).
    Lower,
    /// Objects against the KubeRay schemas and CEL rules.
    Validate,
    /// The semantic rules (`src/rules`).
    Rules,
    /// Rendering the findings.
    Report,
    /// Canonical YAML of the objects.
    Emit,
}

const PHASES: [(Phase, &str); 8] = [
    (Phase::Load, "load"),
    (Phase::Resolve, "resolve"),
    (Phase::Check, "check"),
    (Phase::Lower, "lower"),
    (Phase::Validate, "validate"),
    (Phase::Rules, "rules"),
    (Phase::Report, "report"),
    (Phase::Emit, "emit"),
];

static NANOS: [AtomicU64; 8] = [const { AtomicU64::new(0) }; 8];

/// Whether `RAYC_TIMINGS=1` is set (read once).
pub fn enabled() -> bool {
    static ON: OnceLock<bool> = OnceLock::new();
    *ON.get_or_init(|| std::env::var_os("RAYC_TIMINGS").is_some_and(|v| v == "1"))
}

/// Times the phase until the returned guard is dropped.
pub fn phase(phase: Phase) -> Guard {
    Guard {
        phase,
        start: enabled().then(Instant::now),
    }
}

/// Adds the time from its creation to its phase when dropped.
pub struct Guard {
    phase: Phase,
    start: Option<Instant>,
}

impl Drop for Guard {
    fn drop(&mut self) {
        if let Some(start) = self.start {
            let nanos = u64::try_from(start.elapsed().as_nanos()).unwrap_or(u64::MAX);
            NANOS[self.phase as usize].fetch_add(nanos, Ordering::Relaxed);
        }
    }
}

/// The report: one line per phase that ran, then the whole command.
pub fn summary(total: Duration) -> String {
    let mut out = String::from("rayc timings (phase time summed over threads):\n");
    for (phase, name) in PHASES {
        let nanos = NANOS[phase as usize].load(Ordering::Relaxed);
        if nanos > 0 {
            out.push_str(&format!("  {name:<9}{:>10.3} ms\n", millis(nanos)));
        }
    }
    let total = u64::try_from(total.as_nanos()).unwrap_or(u64::MAX);
    out.push_str(&format!(
        "  {:<9}{:>10.3} ms wall\n",
        "total",
        millis(total)
    ));
    out
}

fn millis(nanos: u64) -> f64 {
    nanos as f64 / 1e6
}
