//! The JSON Schemas rayc publishes for editors (`rayc schema spec|project|overlay`,
//! committed in `schemas/`) accept every file of every example and every
//! built-in overlay, and refuse a misspelt field: what yaml-language-server
//! shows in an editor with `# yaml-language-server: $schema=…`.

use crate::support::run::rayc;
use std::path::{Path, PathBuf};

const REPO: &str = env!("CARGO_MANIFEST_DIR");

/// The schema `rayc schema KIND` prints, compiled.
fn validator(kind: &str) -> jsonschema::Validator {
    let run = rayc(Path::new(REPO), &["schema", kind]);
    run.assert_code(0);
    let schema: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    jsonschema::validator_for(&schema).unwrap()
}

/// Every YAML file below `dir`, skipping generated folders.
fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if path.is_dir() {
            // Rendered output and the GitOps folders hold Kubernetes objects.
            if !matches!(name.as_str(), "rendered" | "argocd" | "flux") {
                yaml_files(&path, out);
            }
        } else if name.ends_with(".yaml") || name.ends_with(".yml") {
            out.push(path);
        }
    }
}

fn documents(path: &Path) -> Vec<serde_json::Value> {
    let text = std::fs::read_to_string(path).unwrap();
    serde_saphyr::from_multiple::<serde_json::Value>(&text)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The schema a rayc file is written against, by its `kind`.
fn schema_kind(doc: &serde_json::Value) -> Option<&'static str> {
    if doc["apiVersion"] != "rayc.dev/v1alpha1" {
        return None;
    }
    match doc["kind"].as_str()? {
        "Project" => Some("project"),
        "Overlay" => Some("overlay"),
        "RayJob" | "RayCluster" | "RayService" | "RayCronJob" => Some("spec"),
        _ => None,
    }
}

#[test]
fn every_example_and_builtin_overlay_is_valid_against_the_published_schemas() {
    let validators = [
        ("spec", validator("spec")),
        ("project", validator("project")),
        ("overlay", validator("overlay")),
    ];
    let mut files = Vec::new();
    yaml_files(&Path::new(REPO).join("examples"), &mut files);
    yaml_files(&Path::new(REPO).join("overlays"), &mut files);
    let mut checked = std::collections::BTreeMap::<&str, usize>::new();
    let mut failures = Vec::new();
    for path in &files {
        for doc in documents(path) {
            let Some(kind) = schema_kind(&doc) else {
                continue;
            };
            let (_, validator) = validators.iter().find(|(k, _)| *k == kind).unwrap();
            *checked.entry(kind).or_default() += 1;
            for error in validator.iter_errors(&doc) {
                failures.push(format!(
                    "{}: {kind} schema: {error} at {}",
                    path.display(),
                    error.instance_path()
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // Every kind of file was seen: an example layout change cannot empty the test.
    assert!(checked["project"] >= 10, "{checked:?}");
    assert!(checked["spec"] >= 10, "{checked:?}");
    assert!(checked["overlay"] >= 5, "{checked:?}");
}

#[test]
fn a_misspelt_field_is_refused_by_each_schema() {
    let cases = [
        (
            "overlay",
            "apiVersion: rayc.dev/v1alpha1\nkind: Overlay\nmetadata: {name: team}\nparamters: {}\npatch: {}\n",
        ),
        (
            "overlay",
            "apiVersion: rayc.dev/v1alpha1\nkind: Overlay\nmetadata: {name: team}\nparameters: {x: {type: int}}\npatch: {}\n",
        ),
        (
            "project",
            "apiVersion: rayc.dev/v1alpha1\nkind: Project\nouptut: rendered\n",
        ),
        (
            "spec",
            "apiVersion: rayc.dev/v1alpha1\nkind: RayJob\nmetadata: {name: a}\nspec: {entrypont: python a.py}\n",
        ),
    ];
    for (kind, text) in cases {
        let doc: serde_json::Value = serde_saphyr::from_str(text).unwrap();
        assert!(
            !validator(kind).is_valid(&doc),
            "{kind} schema accepted:\n{text}"
        );
    }
}
