//! Hostile input that must be refused inside hard limits (2 CPU s, 256 MiB):
//! the shared harness in `support/bounded.rs`, checked on itself here.
//! Each area keeps its own suite (`hostile_*.rs`) on the same harness.

use crate::support::bounded;

use bounded::Limits;

/// The harness itself kills what exceeds its CPU budget (a test that cannot fail is no test).
#[test]
fn harness_kills_a_runaway_process() {
    let mut cmd = std::process::Command::new("sh");
    cmd.args(["-c", "while :; do :; done"]);
    let run = bounded::run_bounded(
        cmd,
        Limits {
            cpu_secs: 1,
            ..Limits::default()
        },
    );
    assert_eq!(run.code, None, "{}", run.shown());
    assert!(run.signal.is_some(), "{}", run.shown());
}
