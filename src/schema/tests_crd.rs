//! Tests against the upstream KubeRay CRDs and samples (read from
//! `RAYC_SHARED`, never copied into the repo): valid samples must pass
//! cleanly, and typical mistakes must be caught with good messages.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};

use super::*;
use crate::diag::codes;
use crate::load::node::{Node, Value};

/// The shared reference folder, or `None` (with a loud note) when it is missing.
fn shared() -> Option<PathBuf> {
    let dir = std::env::var_os("RAYC_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared"));
    if dir.join("kuberay/crds").is_dir() {
        Some(dir)
    } else {
        eprintln!("SKIPPED: RAYC_SHARED ({}) not found", dir.display());
        // Counted by tests/zz_oracle_skips.rs (see tests/it/support/oracle.rs).
        let skips = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/tmp/oracle-skips");
        let test = std::thread::current()
            .name()
            .unwrap_or("unknown")
            .replace("::", ".");
        let _ = std::fs::create_dir_all(&skips);
        let _ = std::fs::write(skips.join(format!("rayc.{test}")), "");
        None
    }
}

/// Parses like `load` does: Kubernetes reads `defaultMode: 0777` as octal.
fn load_all(text: &str) -> Vec<Node> {
    let options = serde_saphyr::options! { legacy_octal_numbers: true };
    serde_saphyr::from_multiple_with_options(text, options).unwrap()
}

/// The `openAPIV3Schema` of the `ray.io/v1` version of a CRD file, parsed
/// once per test binary (the CRDs are about 1 MB each).
fn crd_schema(shared: &std::path::Path, version: &str, kind: &str) -> Arc<Schema> {
    type ByVersionAndKind = BTreeMap<(String, String), Arc<Schema>>;
    static CACHE: OnceLock<Mutex<ByVersionAndKind>> = OnceLock::new();
    let cache = CACHE.get_or_init(Mutex::default);
    let key = (version.to_owned(), kind.to_owned());
    if let Some(schema) = cache.lock().unwrap().get(&key) {
        return schema.clone();
    }
    let schema = Arc::new(read_crd_schema(shared, version, kind));
    cache.lock().unwrap().insert(key, schema.clone());
    schema
}

fn read_crd_schema(shared: &std::path::Path, version: &str, kind: &str) -> Schema {
    let file = format!("ray.io_{}s.yaml", kind.to_lowercase());
    let text =
        std::fs::read_to_string(shared.join("kuberay/crds").join(version).join(file)).unwrap();
    let crd = load_all(&text).remove(0).to_json();
    Schema::from_crd(&crd, "v1").unwrap()
}

/// Every `ray.io/v1` document of a YAML file, with its kind.
fn ray_docs(text: &str) -> Vec<(String, Node)> {
    load_all(text)
        .into_iter()
        .filter(|doc| doc.get("apiVersion").and_then(Node::as_str) == Some("ray.io/v1"))
        .filter_map(|doc| Some((doc.get("kind")?.as_str()?.to_owned(), doc)))
        .collect()
}

fn yaml_files(dir: &std::path::Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .map(|e| e.into_path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml" || x == "yml"))
        .collect();
    files.sort();
    files
}

#[test]
fn upstream_samples_are_valid_for_v1_7_0() {
    let Some(shared) = shared() else { return };
    let mut checked = 0;
    let mut failures = Vec::new();
    for file in yaml_files(&shared.join("kuberay/samples")) {
        let text = std::fs::read_to_string(&file).unwrap();
        for (kind, doc) in ray_docs(&text) {
            let schema = crd_schema(&shared, "v1.7.0", &kind);
            for e in validate(&doc, &schema) {
                failures.push(format!(
                    "{}: {kind}: {} {} ({})",
                    file.display(),
                    e.path,
                    e.message,
                    e.code
                ));
            }
            checked += 1;
        }
    }
    assert!(checked >= 30, "only {checked} ray.io documents found");
    assert!(
        failures.is_empty(),
        "false alarms:\n{}",
        failures.join("\n")
    );
}

fn sample(shared: &std::path::Path, name: &str) -> (String, String) {
    let text = std::fs::read_to_string(shared.join("kuberay/samples").join(name)).unwrap();
    let (kind, _) = ray_docs(&text).remove(0);
    (kind, text)
}

/// Validates the first ray.io document of `text` after replacing `from` by `to`.
fn mutated(
    shared: &std::path::Path,
    kind: &str,
    text: &str,
    from: &str,
    to: &str,
) -> Vec<SchemaError> {
    assert!(text.contains(from), "sample lacks {from:?}");
    let (_, doc) = ray_docs(&text.replacen(from, to, 1)).remove(0);
    validate(&doc, &crd_schema(shared, "v1.7.0", kind))
}

fn only(errors: &[SchemaError]) -> &SchemaError {
    assert_eq!(
        errors.len(),
        1,
        "expected exactly one error, got {errors:#?}"
    );
    &errors[0]
}

#[test]
fn typical_mistakes_in_a_raycluster() {
    let Some(shared) = shared() else { return };
    let (kind, text) = sample(&shared, "ray-cluster.sample.yaml");
    assert_eq!(kind, "RayCluster");

    let e = only(&mutated(
        &shared,
        &kind,
        &text,
        "workerGroupSpecs:",
        "workerGroupSpec:",
    ))
    .clone();
    assert_eq!(e.code, codes::UNKNOWN_FIELD);
    assert_eq!(e.path, "spec.workerGroupSpec");
    assert_eq!(
        e.help.as_deref(),
        Some("did you mean \"workerGroupSpecs\"?")
    );

    let errors = mutated(
        &shared,
        &kind,
        &text,
        "image: rayproject",
        "imagez: rayproject",
    );
    let e = errors
        .iter()
        .find(|e| e.code == codes::UNKNOWN_FIELD)
        .unwrap();
    assert_eq!(e.message, "unknown field \"imagez\" in containers[0]");
    assert_eq!(
        e.path,
        "spec.headGroupSpec.template.spec.containers[0].imagez"
    );
    assert_eq!(e.help.as_deref(), Some("did you mean \"image\"?"));

    let e = only(&mutated(&shared, &kind, &text, "cpu: \"1\"", "cpu: 0.5")).clone();
    assert_eq!(e.code, codes::BAD_QUANTITY);
    assert!(e.path.ends_with("resources.limits.cpu"), "{}", e.path);
    assert_eq!(
        e.help.as_deref(),
        Some("write \"500m\" (or \"0.5\" quoted)")
    );

    let e = only(&mutated(&shared, &kind, &text, "cpu: \"1\"", "cpu: \"-1\"")).clone();
    assert_eq!(e.code, codes::BAD_QUANTITY);

    let e = only(&mutated(
        &shared,
        &kind,
        &text,
        "containerPort: 6379",
        "containerPort: \"6379\"",
    ))
    .clone();
    assert_eq!(e.code, codes::WRONG_TYPE);
    assert_eq!(e.help.as_deref(), Some("remove the quotes"));
}

#[test]
fn worker_groups_required_fields_and_defaults() {
    let Some(shared) = shared() else { return };
    let (kind, text) = sample(&shared, "ray-cluster.sample.yaml");
    // minReplicas/maxReplicas are required but defaulted: leaving them out is valid.
    let no_bounds = text
        .lines()
        .filter(|l| {
            !l.trim_start().starts_with("minReplicas:")
                && !l.trim_start().starts_with("maxReplicas:")
        })
        .collect::<Vec<_>>()
        .join("\n");
    let (_, doc) = ray_docs(&no_bounds).remove(0);
    let errors = validate(&doc, &crd_schema(&shared, "v1.7.0", &kind));
    assert!(errors.is_empty(), "{errors:#?}");
    // groupName has no default.
    let errors = mutated(&shared, &kind, &text, "groupName:", "groupNames:");
    let e = only(&errors);
    assert_eq!(e.code, codes::UNKNOWN_FIELD);
    assert_eq!(e.help.as_deref(), Some("did you mean \"groupName\"?"));
    let line = text.lines().find(|l| l.contains("groupName:")).unwrap();
    let errors = mutated(&shared, &kind, &text, &format!("{line}\n"), "");
    let e = only(&errors);
    assert_eq!(e.code, codes::MISSING_REQUIRED);
    assert_eq!(
        e.message,
        "missing required field \"groupName\" in workerGroupSpecs[0]"
    );
}

#[test]
fn duplicate_container_names_and_ports() {
    let Some(shared) = shared() else { return };
    let (kind, text) = sample(&shared, "ray-cluster.sample.yaml");
    let mut doc = ray_docs(&text).remove(0).1.to_json();
    let containers = doc["spec"]["headGroupSpec"]["template"]["spec"]["containers"]
        .as_array_mut()
        .unwrap();
    let mut copy = containers[0].clone();
    copy["ports"] =
        serde_json::json!([{"containerPort": 1}, {"containerPort": 1, "protocol": "TCP"}]);
    containers.push(copy);
    let node = Node::from_json(&doc, crate::load::node::Pos::UNKNOWN);
    let errors = validate(&node, &crd_schema(&shared, "v1.7.0", &kind));
    assert_eq!(errors.len(), 2, "{errors:#?}");
    assert!(errors.iter().all(|e| e.code == codes::DUPLICATE_ITEM));
    assert_eq!(
        errors[0].path,
        "spec.headGroupSpec.template.spec.containers[1]"
    );
    assert_eq!(
        errors[1].path,
        "spec.headGroupSpec.template.spec.containers[1].ports[1]"
    );
}

#[test]
fn every_crd_version_parses_and_validates_without_panicking() {
    let Some(shared) = shared() else { return };
    let mut versions: Vec<String> = std::fs::read_dir(shared.join("kuberay/crds"))
        .unwrap()
        .filter_map(|e| Some(e.ok()?.file_name().to_str()?.to_owned()))
        .collect();
    versions.sort();
    let (kind, text) = sample(&shared, "ray-cluster.complete.yaml");
    let (_, doc) = ray_docs(&text).remove(0);
    for version in versions {
        let errors = validate(&doc, &crd_schema(&shared, &version, &kind));
        // Older versions may not know newer fields, but must never report type noise.
        for e in &errors {
            assert_eq!(e.code, codes::UNKNOWN_FIELD, "{version}: {e:#?}");
        }
    }
    // A document of the wrong shape altogether.
    let odd = Node::new(Value::Seq(vec![]), crate::load::node::Pos::UNKNOWN);
    assert_eq!(
        only(&validate(&odd, &crd_schema(&shared, "v1.7.0", &kind))).code,
        codes::WRONG_TYPE
    );
}

#[test]
fn seed_tutorial_manifests() {
    let Some(shared) = shared() else { return };
    let mut report = Vec::new();
    let mut checked = 0;
    for file in yaml_files(&shared.join("seed")) {
        let text = std::fs::read_to_string(&file).unwrap();
        for (kind, doc) in ray_docs(&text) {
            for e in validate(&doc, &crd_schema(&shared, "v1.7.0", &kind)) {
                report.push(format!(
                    "{}:{}: {} [{}] {:?}",
                    file.display(),
                    e.pos.line,
                    e.message,
                    e.code,
                    e.help
                ));
            }
            checked += 1;
        }
    }
    assert_eq!(checked, 6, "the tutorial has six RayJobs");
    assert!(report.is_empty(), "false alarms:\n{}", report.join("\n"));
}
