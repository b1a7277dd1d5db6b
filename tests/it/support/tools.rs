//! External tools some tests run (kubectl). Without one the test is skipped
//! with a message, unless `RAYC_REQUIRE_TOOLS=1` (set by `.ci/run`) makes that
//! a failure.

use std::process::Command;

/// Whether `kubectl` runs here.
pub fn kubectl_available() -> bool {
    let found = Command::new("kubectl")
        .args(["version", "--client"])
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        found || std::env::var_os("RAYC_REQUIRE_TOOLS").is_none_or(|v| v != "1"),
        "kubectl is not on PATH, and RAYC_REQUIRE_TOOLS=1 forbids skipping"
    );
    found
}
