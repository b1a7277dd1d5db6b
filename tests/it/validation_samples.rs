//! The full validation path (`rayc validate FILE`: parse, strict schema,
//! KubeRay-version checks, CEL rules, semantic rules) on every upstream KubeRay
//! sample (subfolders too) and every tutorial seed manifest, one file at a
//! time, for the target KubeRay v1.7 the samples are written for: no errors,
//! and exactly the warnings listed in `tests/it/support/samples.rs`.

use std::collections::BTreeSet;
use std::fs;

use rayc::diag::Severity;
use rayc::load::{Limits, parse_documents};
use rayc::rules::{Context, Object};

use crate::support::samples;

#[test]
fn samples_and_seed_validate_without_errors_on_v1_7() {
    let Some(shared) = samples::shared_dir("validation of the upstream samples") else {
        return;
    };
    let files = samples::sample_files(&shared);
    assert!(files.len() >= 40, "only {} sample files found", files.len());
    let ctx = Context {
        kuberay_version: rayc::model::kuberay::KubeRayVersion::LATEST,
        feature_gates: samples::sample_gates(),
        ..Context::default()
    };
    let mut errors = Vec::new();
    let mut warnings = BTreeSet::new();
    let mut checked_objects = 0;
    for (label, path) in &files {
        let text = fs::read_to_string(path).unwrap();
        let docs = match parse_documents(label, &text, Limits::USER) {
            Ok(docs) => docs,
            Err(d) => {
                errors.push(format!("{label}: does not parse: {}", d.message));
                continue;
            }
        };
        // One file is one unit, as `rayc validate FILE` sees it.
        let objects: Vec<Object> = docs
            .iter()
            .map(|d| Object {
                file: &d.file,
                node: &d.node,
            })
            .collect();
        let validation = rayc::validate::validate(&objects, &ctx);
        checked_objects += validation
            .resources
            .iter()
            .filter(|r| r.version == "ray.io/v1")
            .count();
        for d in &validation.diagnostics {
            let line = format!(
                "{}:{}:{}: {}[{}] {} ({})",
                d.file,
                d.pos.line,
                d.pos.col,
                d.severity.as_str(),
                d.code,
                d.message,
                d.path.as_deref().unwrap_or("-")
            );
            match d.severity {
                Severity::Error => errors.push(line),
                Severity::Warning => {
                    eprintln!("{line}");
                    warnings.insert((label.clone(), d.code.to_string()));
                }
            }
        }
    }
    assert!(
        checked_objects >= 39,
        "only {checked_objects} ray.io/v1 objects were validated"
    );
    assert!(
        errors.is_empty(),
        "valid upstream manifests produced errors on KubeRay v1.7:\n{}",
        errors.join("\n")
    );
    if let Err(changed) = samples::compare_warnings(&warnings) {
        panic!("{changed}");
    }
}
