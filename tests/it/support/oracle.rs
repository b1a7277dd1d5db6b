//! Oracle tests compare rayc with the upstream KubeRay CRDs and samples in
//! `$RAYC_SHARED` (default `../shared`). Without that folder they skip; each
//! skip is recorded here so `tests/zz_oracle_skips.rs`, the last test binary
//! `cargo test` runs, can say loudly how many were skipped and why.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// Where skips are recorded: one file per skipped test, so a rerun counts once.
pub fn skips_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("target/tmp/oracle-skips")
}

/// Prints the SKIPPED line and records the skip for the final summary.
pub fn skip(shared: &Path) {
    eprintln!(
        "SKIPPED: RAYC_SHARED {} not found (set RAYC_SHARED to the shared folder)",
        shared.display()
    );
    let binary = std::env::current_exe()
        .ok()
        .and_then(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .map(|s| {
            s.rsplit_once('-')
                .map_or(s.clone(), |(name, _hash)| name.to_owned())
        })
        .unwrap_or_default();
    let thread = std::thread::current();
    let test = thread.name().unwrap_or("unknown").replace("::", ".");
    let dir = skips_dir();
    // Best effort: a summary that cannot be written must not fail the test.
    let _ = std::fs::create_dir_all(&dir);
    let _ = std::fs::write(dir.join(format!("{binary}.{test}")), "");
}
