//! Runs last (cargo runs test binaries in name order, before the doc tests):
//! when `$RAYC_SHARED` (default `../shared`) is missing, the oracle tests
//! skip, and this says loudly how many and why instead of a quiet pass.
//! With `RAYC_REQUIRE_SHARED=1` (set by `.ci/run`) a missing folder fails.
//!
//! A test binary of its own, not a module of `tests/it/`: inside `it` it could
//! not wait for the oracle tests, which run in parallel threads with it.

use std::io::Write;
use std::path::{Path, PathBuf};

#[path = "it/support/oracle.rs"]
mod oracle;

#[test]
fn oracle_tests_ran_or_their_skips_are_reported() {
    let shared = std::env::var_os("RAYC_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared"));
    let skips = oracle::skips_dir();
    if shared.join("kuberay/crds").is_dir() {
        // Skips recorded by an earlier run without the folder are history now.
        let _ = std::fs::remove_dir_all(&skips);
        return;
    }
    let mut skipped: Vec<String> = std::fs::read_dir(&skips)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    skipped.sort();
    let banner = format!(
        "\n\
         ==================================================================\n\
         WARNING: {n} oracle tests SKIPPED: {dir} holds no kuberay/crds.\n\
         They compare rayc with the upstream KubeRay CRDs and samples.\n\
         Get them from a KubeRay release tag (ray-operator/config/crd/bases,\n\
         see README.md) and set RAYC_SHARED; the skipped tests are listed\n\
         in {list}.\n\
         ==================================================================\n",
        n = skipped.len(),
        dir = shared.display(),
        list = skips.display(),
    );
    // Straight to the terminal: the test harness captures eprintln! of passing tests.
    let _ = std::io::stderr().write_all(banner.as_bytes());
    assert!(
        std::env::var("RAYC_REQUIRE_SHARED").as_deref() != Ok("1"),
        "RAYC_REQUIRE_SHARED=1 but {} holds no kuberay/crds{banner}",
        shared.display()
    );
}
