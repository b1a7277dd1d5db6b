//! The upstream KubeRay samples and the tutorial seed, as test inputs, and the
//! warnings they are known to produce. Shared by `tests/it/rules.rs`,
//! `tests/it/validation_samples.rs` and `tests/it/mutations.rs`; reads
//! `$RAYC_SHARED` (default `../shared`) and never copies anything from it.

use std::fs;
use std::path::{Path, PathBuf};

use super::oracle;

/// `$RAYC_SHARED`, or `../shared` beside the repo; `None` (after a loud
/// "SKIPPED" on stderr naming `what`) when the folder does not exist.
pub fn shared_dir(what: &str) -> Option<PathBuf> {
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let shared =
        std::env::var_os("RAYC_SHARED").map_or_else(|| repo.join("../shared"), PathBuf::from);
    if shared.is_dir() {
        Some(shared)
    } else {
        eprintln!("{what} not checked");
        oracle::skip(&shared);
        None
    }
}

/// Every `*.yaml` under `kuberay/samples` (subfolders too) and `seed`, sorted,
/// as (label relative to the shared folder, path).
pub fn sample_files(shared: &Path) -> Vec<(String, PathBuf)> {
    let mut files = Vec::new();
    for dir in ["kuberay/samples", "seed"] {
        let root = shared.join(dir);
        let mut found = Vec::new();
        collect_yaml(&root, &mut found);
        assert!(!found.is_empty(), "no YAML files in {}", root.display());
        found.sort();
        for path in found {
            let label = path
                .strip_prefix(shared)
                .unwrap_or(&path)
                .to_string_lossy()
                .replace('\\', "/");
            files.push((label, path));
        }
    }
    files
}

fn collect_yaml(dir: &Path, out: &mut Vec<PathBuf>) {
    let entries = fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for entry in entries {
        let path = entry.unwrap().path();
        if path.is_dir() {
            collect_yaml(&path, out);
        } else if path.extension().is_some_and(|e| e == "yaml") {
            out.push(path);
        }
    }
}

/// Warnings the upstream samples and the tutorial seed are known to produce,
/// as (file, code), on KubeRay v1.7 without GitOps. Each one is a conscious
/// decision: a new warning on valid upstream objects must be added here, or
/// the rule made smarter. Errors are never expected.
pub const EXPECTED_WARNINGS: &[(&str, &str)] = &[
    // Both fetch `archive/master.zip` in runtimeEnvYAML.
    (
        "kuberay/samples/pytorch-mnist/ray-job.pytorch-mnist.yaml",
        "RAY962",
    ),
    (
        "kuberay/samples/ray-data-image-resize/ray-job.image-resize.yaml",
        "RAY962",
    ),
    ("kuberay/samples/ray-cluster.kai-scheduler.yaml", "RAY501"),
    ("kuberay/samples/ray-job.tpu-v6e-singlehost.yaml", "RAY962"),
    ("kuberay/samples/ray-service.tpu-single-host.yaml", "RAY962"),
    ("seed/rayjob.autoScaler.yaml", "RAY504"),
    ("seed/rayjob.autoScaler.yaml", "RAY801"),
    ("seed/rayjob.autoScaler.yaml", "RAY802"),
    ("seed/rayjob.git.yaml", "RAY801"),
    ("seed/rayjob.git.yaml", "RAY802"),
    ("seed/rayjob.git.yaml", "RAY962"),
    ("seed/rayjob.gpu_sample.yaml", "RAY505"),
    ("seed/rayjob.gpu_sample.yaml", "RAY603"),
    ("seed/rayjob.ingress.yaml", "RAY801"),
    ("seed/rayjob.ingress.yaml", "RAY802"),
];

/// Compares found warnings with [`EXPECTED_WARNINGS`]; the message lists the
/// new and the gone ones and the full current list to paste.
pub fn compare_warnings(
    found: &std::collections::BTreeSet<(String, String)>,
) -> Result<(), String> {
    let expected: std::collections::BTreeSet<(String, String)> = EXPECTED_WARNINGS
        .iter()
        .map(|(f, c)| ((*f).to_owned(), (*c).to_owned()))
        .collect();
    let new: Vec<_> = found.difference(&expected).collect();
    let gone: Vec<_> = expected.difference(found).collect();
    if new.is_empty() && gone.is_empty() {
        return Ok(());
    }
    let paste: String = found
        .iter()
        .map(|(f, c)| format!("    (\"{f}\", \"{c}\"),\n"))
        .collect();
    Err(format!(
        "warnings changed.\nnew: {new:?}\ngone: {gone:?}\nthe full current list, if every change is intended (tests/it/support/samples.rs):\n{paste}"
    ))
}

/// The feature gates the samples are written for: KubeRay's RayCronJob
/// sample needs an operator started with `--feature-gates=RayCronJob=true`
/// (the gate is off by default; without it rayc reports RAY941). Every
/// other gate keeps its v1.7 default.
#[allow(dead_code)]
pub fn sample_gates() -> rayc::model::kuberay::FeatureGates {
    let mut gates = rayc::model::kuberay::FeatureGates::default();
    gates.set("RayCronJob", true);
    gates
}
