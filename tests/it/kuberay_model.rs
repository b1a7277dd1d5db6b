//! Proves the typed KubeRay model (`rayc::model::kuberay`) against the upstream
//! CRDs and samples in `$RAYC_SHARED` (default `../shared`):
//! - every v1.7.0 CRD property is in our schema with a compatible type, and ours
//!   has none that upstream lacks (plus enums, defaults, required lists and the
//!   int-or-string / quantity shapes);
//! - every ray.io/v1 sample deserialises into the typed structs, serialises back
//!   without loss, and validates against `object_schema`;
//! - `field_versions.txt` is exactly what the CRDs of all versions say
//!   (`RAYC_BLESS=1` rewrites it).

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use crate::support::oracle;
use std::sync::OnceLock;

use crate::support::run::Rayc;
use rayc::model::kuberay::{
    self, KINDS, KUBERAY_VERSIONS, KubeRayVersion, RayCluster, RayCronJob, RayJob, RayService,
    alpha_kind, introduced_in, last_version_with, object_schema, present_in,
};
use rayc::validate::{ALPHA_KINDS, ALPHA_OPTIONAL, ALPHA_REQUIRED};
use serde_json::{Map, Value};
use std::ffi::OsStr;

const NEWEST_CRDS: &str = "v1.7.0";
const FIELD_VERSIONS_FILE: &str = "src/model/kuberay/field_versions.txt";

// ---------------------------------------------------------------------------
// Shared data

fn shared_dir() -> Option<PathBuf> {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let dir = match std::env::var_os("RAYC_SHARED") {
        Some(dir) => manifest.join(dir),
        None => manifest.join("../shared"),
    };
    if dir.join("kuberay/crds").is_dir() {
        Some(dir)
    } else {
        oracle::skip(&dir);
        None
    }
}

/// Kubernetes reads YAML 1.1, where `0777` is octal (samples use it for `defaultMode`).
fn yaml_options() -> serde_saphyr::Options {
    serde_saphyr::options! { legacy_octal_numbers: true }
}

fn read_yaml(path: &Path) -> Value {
    let text = fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_saphyr::from_str_with_options(&text, yaml_options())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A CRD release folder name and the (kind, v1 schema) of each CRD in it.
type Release = (String, Vec<(String, Value)>);

/// Every CRD release folder (sorted by version) with the kind and v1 schema of
/// each CRD in it; parsed once per test run (the files are large).
fn crd_releases(shared: &Path) -> &'static Vec<Release> {
    static RELEASES: OnceLock<Vec<Release>> = OnceLock::new();
    RELEASES.get_or_init(|| {
        let crds = shared.join("kuberay/crds");
        let mut releases: Vec<String> = fs::read_dir(&crds)
            .expect("crds dir")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        releases.sort_by_key(|r| {
            minor(r)
                .trim_start_matches("v1.")
                .parse::<u32>()
                .unwrap_or(u32::MAX)
        });
        releases
            .into_iter()
            .map(|release| {
                let mut files: Vec<PathBuf> = fs::read_dir(crds.join(&release))
                    .expect("release dir")
                    .map(|e| e.expect("entry").path())
                    .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
                    .collect();
                files.sort();
                let schemas = files
                    .iter()
                    .map(|file| v1_schema(&read_yaml(file)).expect("CRD has a v1 schema"))
                    .collect();
                (release, schemas)
            })
            .collect()
    })
}

/// The `openAPIV3Schema` of the CRD's `v1` version, and the CRD's kind.
fn v1_schema(crd: &Value) -> Option<(String, Value)> {
    let kind = crd.pointer("/spec/names/kind")?.as_str()?.to_string();
    let versions = crd.pointer("/spec/versions")?.as_array()?;
    let v1 = versions.iter().find(|v| v["name"] == "v1")?;
    Some((kind, v1.pointer("/schema/openAPIV3Schema")?.clone()))
}

// ---------------------------------------------------------------------------
// Schema comparison

/// Walks an upstream CRD schema and our generated schema side by side.
///
/// Compared: properties (both ways), types, formats, int-or-string,
/// preserve-unknown-fields, maps, array items, enums, defaults, required lists,
/// numeric/length bounds and patterns. Not compared, on purpose: descriptions;
/// `x-kubernetes-validations` (CEL rules, which a JSON Schema cannot express:
/// they are semantic checks); `x-kubernetes-list-type`/`-map-type`/`-list-map-keys`
/// (merge strategy hints); `nullable` (nulls are dropped before validation).
/// The one structural exception is the top-level `metadata` (see `compare_object`).
struct Comparison<'a> {
    defs: &'a Map<String, Value>,
    problems: Vec<String>,
}

impl<'a> Comparison<'a> {
    /// A keyword of our schema at a site, following `$ref`s (schemars puts
    /// `default` and `description` beside a `$ref`, the type behind it).
    fn keyword(&self, mut schema: &'a Value, key: &str) -> Option<&'a Value> {
        for _ in 0..32 {
            if let Some(value) = schema.get(key) {
                return Some(value);
            }
            schema = self.target(schema)?;
        }
        None
    }

    fn target(&self, schema: &Value) -> Option<&'a Value> {
        let reference = schema.get("$ref")?.as_str()?;
        let name = reference.strip_prefix("#/$defs/")?;
        self.defs.get(name)
    }

    fn problem(&mut self, path: &str, message: String) {
        let path = if path.is_empty() { "<root>" } else { path };
        self.problems.push(format!("{path}: {message}"));
    }

    fn compare(&mut self, path: &str, upstream: &Value, ours: &'a Value) {
        if let Some(reference) = ours.get("$ref").and_then(Value::as_str)
            && self.target(ours).is_none()
        {
            self.problem(path, format!("dangling $ref {reference}"));
            return;
        }
        self.compare_constraints(path, upstream, ours);

        if upstream.get("x-kubernetes-int-or-string") == Some(&Value::Bool(true)) {
            if self.keyword(ours, "x-kubernetes-int-or-string") != Some(&Value::Bool(true)) {
                self.problem(path, "upstream is int-or-string, ours is not".into());
            }
            let any_of = self.keyword(ours, "anyOf").cloned().unwrap_or_default();
            let expected = serde_json::json!([{ "type": "integer" }, { "type": "string" }]);
            if any_of != expected {
                self.problem(
                    path,
                    format!("int-or-string should be anyOf integer|string, is {any_of}"),
                );
            }
            return;
        }
        if upstream.get("x-kubernetes-int-or-string").is_none()
            && self.keyword(ours, "x-kubernetes-int-or-string").is_some()
        {
            self.problem(path, "ours is int-or-string, upstream is not".into());
        }
        let upstream_preserves = upstream.get("x-kubernetes-preserve-unknown-fields");
        if upstream_preserves != self.keyword(ours, "x-kubernetes-preserve-unknown-fields") {
            self.problem(
                path,
                format!(
                    "x-kubernetes-preserve-unknown-fields differs (upstream {upstream_preserves:?})"
                ),
            );
        }

        let upstream_type = upstream.get("type").and_then(Value::as_str).unwrap_or("");
        let our_type = self.our_type(ours);
        if upstream_type != our_type {
            self.problem(
                path,
                format!("type: upstream {upstream_type:?}, ours {our_type:?}"),
            );
            return;
        }
        match upstream_type {
            "object" => self.compare_object(path, upstream, ours),
            "array" => match (upstream.get("items"), self.keyword(ours, "items")) {
                (Some(up_items), Some(our_items)) => {
                    self.compare(&format!("{path}[]"), up_items, our_items)
                }
                (Some(_), None) => self.problem(path, "ours has no items schema".into()),
                (None, _) => {}
            },
            _ => {
                if let Some(format) = upstream.get("format") {
                    let ours_format = self.keyword(ours, "format");
                    if ours_format != Some(format) {
                        self.problem(
                            path,
                            format!("format: upstream {format}, ours {ours_format:?}"),
                        );
                    }
                }
            }
        }
    }

    fn our_type(&self, ours: &Value) -> String {
        match self.keyword(ours, "type") {
            Some(Value::String(t)) => t.clone(),
            Some(Value::Array(types)) => {
                let types: Vec<&str> = types
                    .iter()
                    .filter_map(Value::as_str)
                    .filter(|t| *t != "null")
                    .collect();
                types.join("|")
            }
            _ => String::new(),
        }
    }

    fn compare_object(&mut self, path: &str, upstream: &Value, ours: &'a Value) {
        let up_props = upstream.get("properties").and_then(Value::as_object);
        let our_props = self.keyword(ours, "properties").and_then(Value::as_object);
        let up_additional = upstream
            .get("additionalProperties")
            .filter(|a| a.is_object());
        let our_additional = self
            .keyword(ours, "additionalProperties")
            .filter(|a| a.is_object());

        if up_props.is_none() && up_additional.is_none() {
            // Deliberate exception, the only one: the CRDs declare the top-level
            // `metadata` as a bare object because the API server validates
            // ObjectMeta itself; ours is k8s-openapi's full ObjectMeta.
            if path == "metadata" {
                return;
            }
            if our_props.is_some() || our_additional.is_some() {
                self.problem(
                    path,
                    "upstream is an opaque object, ours has a structure".into(),
                );
            }
            return;
        }
        match (up_props, our_props) {
            (Some(up_props), Some(our_props)) => {
                for (name, up_prop) in up_props {
                    let child = join(path, name);
                    match our_props.get(name) {
                        Some(our_prop) => self.compare(&child, up_prop, our_prop),
                        None => self.problem(&child, "missing in ours".into()),
                    }
                }
                for name in our_props.keys() {
                    if !up_props.contains_key(name) {
                        self.problem(&join(path, name), "ours has it, upstream does not".into());
                    }
                }
                if self.keyword(ours, "additionalProperties") != Some(&Value::Bool(false)) {
                    self.problem(
                        path,
                        "ours is not closed (additionalProperties: false)".into(),
                    );
                }
            }
            (Some(_), None) => self.problem(path, "upstream has properties, ours none".into()),
            (None, Some(_)) => self.problem(path, "ours has properties, upstream none".into()),
            (None, None) => {}
        }
        match (up_additional, our_additional) {
            (Some(up), Some(our)) => self.compare(&format!("{path}{{}}"), up, our),
            (Some(_), None) => self.problem(path, "upstream is a map, ours is not".into()),
            (None, Some(_)) => self.problem(path, "ours is a map, upstream is not".into()),
            (None, None) => {}
        }
        self.compare_required(path, upstream, ours);
    }

    /// Ours must require exactly what upstream requires without a default
    /// (a defaulted field may be left out: the API server fills it in).
    fn compare_required(&mut self, path: &str, upstream: &Value, ours: &'a Value) {
        let up_props = upstream.get("properties").and_then(Value::as_object);
        let mut expected: BTreeSet<&str> = upstream
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .filter(|name| {
                up_props
                    .and_then(|p| p.get(*name))
                    .is_none_or(|p| p.get("default").is_none())
            })
            .collect();
        if path.is_empty() {
            // Every Kubernetes object needs these; the CRD leaves them to the API server.
            expected.extend(["apiVersion", "kind"]);
        }
        let actual: BTreeSet<&str> = self
            .keyword(ours, "required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        if expected != actual {
            self.problem(
                path,
                format!("required: upstream {expected:?}, ours {actual:?}"),
            );
        }
    }

    /// Enums, defaults and value constraints must match where upstream has them,
    /// and ours must add none upstream lacks.
    fn compare_constraints(&mut self, path: &str, upstream: &Value, ours: &'a Value) {
        const KEYS: [&str; 8] = [
            "enum",
            "default",
            "minimum",
            "maximum",
            "minLength",
            "maxLength",
            "minItems",
            "maxItems",
        ];
        for key in KEYS {
            let up = upstream.get(key);
            let our = self.keyword(ours, key);
            let equal = match (up, our) {
                (Some(Value::Array(a)), Some(Value::Array(b))) if key == "enum" => {
                    let set =
                        |v: &Vec<Value>| v.iter().map(Value::to_string).collect::<BTreeSet<_>>();
                    set(a) == set(b)
                }
                (Some(a), Some(b)) => numbers_equal(a, b) || a == b,
                (None, None) => true,
                _ => false,
            };
            // Our top-level metadata defaults to empty (serde default); see compare_object.
            let root_metadata_default = path == "metadata" && key == "default";
            if !equal && !root_metadata_default {
                self.problem(path, format!("{key}: upstream {up:?}, ours {our:?}"));
            }
        }
        if let Some(pattern) = upstream.get("pattern") {
            let our = self.keyword(ours, "pattern");
            if our != Some(pattern) {
                self.problem(path, format!("pattern: upstream {pattern}, ours {our:?}"));
            }
        }
    }
}

fn numbers_equal(a: &Value, b: &Value) -> bool {
    matches!((a.as_f64(), b.as_f64()), (Some(x), Some(y)) if x == y)
}

fn join(path: &str, name: &str) -> String {
    if path.is_empty() {
        name.to_string()
    } else {
        format!("{path}.{name}")
    }
}

#[test]
fn kinds_have_schemas() {
    for kind in KINDS {
        let schema = object_schema(kind).expect(kind);
        assert!(schema.get("$defs").is_some(), "{kind} schema has $defs");
        // Nulls are dropped before validation, never part of the schema.
        assert!(
            !schema.to_string().contains(r#""null""#),
            "{kind} schema admits null"
        );
    }
    assert!(object_schema("Pod").is_none());
}

#[test]
fn model_matches_newest_crds() {
    let Some(shared) = shared_dir() else { return };
    let mut report = Vec::new();
    let releases = crd_releases(&shared);
    let (_, newest) = releases
        .iter()
        .find(|(release, _)| release == NEWEST_CRDS)
        .expect("newest CRDs present");
    for kind in KINDS {
        let (_, upstream) = newest
            .iter()
            .find(|(crd_kind, _)| crd_kind == kind)
            .unwrap_or_else(|| panic!("{kind} CRD in {NEWEST_CRDS}"));
        let ours = object_schema(kind).expect("schema");
        let defs = ours["$defs"].as_object().expect("$defs");
        let mut comparison = Comparison {
            defs,
            problems: Vec::new(),
        };
        comparison.compare("", upstream, &ours);
        report.extend(
            comparison
                .problems
                .into_iter()
                .map(|p| format!("{kind} {p}")),
        );
    }
    assert!(
        report.is_empty(),
        "{} mismatches between the model and the {NEWEST_CRDS} CRDs:\n{}",
        report.len(),
        report.join("\n")
    );
}

// ---------------------------------------------------------------------------
// Samples

/// Every ray.io/v1 document of the upstream samples and the tutorial seed.
fn ray_documents(shared: &Path) -> Vec<(String, Value)> {
    let mut files: Vec<PathBuf> = Vec::new();
    for dir in ["kuberay/samples", "seed"] {
        for entry in walkdir::WalkDir::new(shared.join(dir)).sort_by_file_name() {
            let entry = entry.expect("walk");
            if entry
                .path()
                .extension()
                .is_some_and(|e| e == "yaml" || e == "yml")
            {
                files.push(entry.path().to_path_buf());
            }
        }
    }
    let mut documents = Vec::new();
    for file in files {
        let text = fs::read_to_string(&file).expect("read sample");
        let docs: Vec<Value> = serde_saphyr::from_multiple_with_options(&text, yaml_options())
            .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        for (index, doc) in docs.into_iter().enumerate() {
            if doc.get("apiVersion").and_then(Value::as_str) == Some(kuberay::API_VERSION) {
                documents.push((format!("{}#{index}", file.display()), doc));
            }
        }
    }
    documents
}

/// Deserialises into the typed struct of its kind and serialises back.
fn typed_round_trip(doc: &Value) -> Result<Value, String> {
    fn via<T: serde::de::DeserializeOwned + serde::Serialize>(
        doc: &Value,
    ) -> Result<Value, String> {
        let typed: T = serde_json::from_value(doc.clone()).map_err(|e| e.to_string())?;
        serde_json::to_value(typed).map_err(|e| e.to_string())
    }
    match doc.get("kind").and_then(Value::as_str) {
        Some("RayCluster") => via::<RayCluster>(doc),
        Some("RayJob") => via::<RayJob>(doc),
        Some("RayService") => via::<RayService>(doc),
        Some("RayCronJob") => via::<RayCronJob>(doc),
        other => Err(format!("unknown kind {other:?}")),
    }
}

/// What the API server keeps: nulls dropped.
fn without_nulls(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k.clone(), without_nulls(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(without_nulls).collect()),
        other => other.clone(),
    }
}

/// Differences between a document and its round trip. Numbers compare by
/// value, and a number may come back as its string form (Quantity).
fn differences(path: &str, original: &Value, back: &Value, out: &mut Vec<String>) {
    match (original, back) {
        (Value::Object(a), Value::Object(b)) => {
            for key in a.keys().chain(b.keys()).collect::<BTreeSet<_>>() {
                let child = join(path, key);
                match (a.get(key), b.get(key)) {
                    (Some(x), Some(y)) => differences(&child, x, y, out),
                    (Some(_), None) => out.push(format!("{child}: lost")),
                    (None, Some(_)) => out.push(format!("{child}: added")),
                    (None, None) => {}
                }
            }
        }
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => {
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                differences(&format!("{path}[{i}]"), x, y, out);
            }
        }
        (Value::Number(a), Value::Number(b)) if a.as_f64() == b.as_f64() => {}
        (Value::Number(a), Value::String(b)) if a.to_string() == *b => {}
        (a, b) if a == b => {}
        (a, b) => out.push(format!("{path}: {a} became {b}")),
    }
}

#[test]
fn samples_round_trip_through_the_typed_model() {
    let Some(shared) = shared_dir() else { return };
    let documents = ray_documents(&shared);
    let mut kinds_seen = BTreeSet::new();
    let mut report = Vec::new();
    for (name, doc) in &documents {
        let doc = without_nulls(doc);
        kinds_seen.insert(doc["kind"].as_str().unwrap_or_default().to_string());
        match typed_round_trip(&doc) {
            Ok(back) => {
                let mut diffs = Vec::new();
                differences("", &doc, &back, &mut diffs);
                report.extend(diffs.into_iter().map(|d| format!("{name}: {d}")));
            }
            Err(e) => report.push(format!("{name}: {e}")),
        }
    }
    assert!(
        report.is_empty(),
        "samples that do not round-trip:\n{}",
        report.join("\n")
    );
    // 33 sample files hold ray.io/v1 objects, plus the 6 seed RayJobs.
    assert!(
        documents.len() >= 39,
        "only {} ray.io/v1 documents found",
        documents.len()
    );
    assert_eq!(
        kinds_seen,
        KINDS.iter().map(|k| k.to_string()).collect::<BTreeSet<_>>()
    );
}

#[test]
fn samples_validate_against_the_schemas() {
    let Some(shared) = shared_dir() else { return };
    let validators: BTreeMap<&str, jsonschema::Validator> = KINDS
        .iter()
        .map(|kind| {
            let schema = object_schema(kind).expect("schema");
            (
                *kind,
                jsonschema::validator_for(&schema).expect("schema compiles"),
            )
        })
        .collect();
    let mut report = Vec::new();
    for (name, doc) in ray_documents(&shared) {
        let doc = without_nulls(&doc);
        let validator = &validators[doc["kind"].as_str().expect("kind")];
        for error in validator.iter_errors(&doc) {
            report.push(format!("{name}: {}: {error}", error.instance_path()));
        }
    }
    assert!(
        report.is_empty(),
        "samples the schemas reject:\n{}",
        report.join("\n")
    );
}

/// Strictness, checked on a real sample: misspelt fields and bad values fail,
/// both in the ray-specific parts (serde and schema) and in pod templates
/// (schema; k8s-openapi's serde ignores unknown fields).
#[test]
fn misspellings_and_bad_values_are_rejected() {
    let Some(shared) = shared_dir() else { return };
    let sample = read_yaml(&shared.join("kuberay/samples/ray-cluster.sample.yaml"));
    let schema = object_schema("RayCluster").expect("schema");
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");
    assert!(validator.is_valid(&sample));
    assert!(serde_json::from_value::<RayCluster>(sample.clone()).is_ok());

    let mutate = |pointer: &str, key: &str, value: Value| {
        let mut doc = sample.clone();
        doc.pointer_mut(pointer)
            .and_then(Value::as_object_mut)
            .unwrap_or_else(|| panic!("{pointer} in sample"))
            .insert(key.into(), value);
        doc
    };
    let ray_typo = mutate(
        "/spec/headGroupSpec",
        "rayStartParam",
        serde_json::json!({}),
    );
    assert!(serde_json::from_value::<RayCluster>(ray_typo.clone()).is_err());
    assert!(!validator.is_valid(&ray_typo));

    let pod_typo = mutate(
        "/spec/headGroupSpec/template/spec/containers/0",
        "imagez",
        "x".into(),
    );
    assert!(!validator.is_valid(&pod_typo), "unknown container field");

    let meta_extra = mutate(
        "/spec/headGroupSpec/template",
        "metadata",
        serde_json::json!({ "uid": "x" }),
    );
    assert!(
        !validator.is_valid(&meta_extra),
        "pod-template metadata is reduced"
    );

    let float_cpu = mutate(
        "/spec/headGroupSpec/template/spec/containers/0/resources/limits",
        "cpu",
        serde_json::json!(0.5),
    );
    assert!(!validator.is_valid(&float_cpu), "quantities reject floats");
    let bad_quantity = mutate(
        "/spec/headGroupSpec/template/spec/containers/0/resources/limits",
        "memory",
        "2 GB".into(),
    );
    assert!(
        !validator.is_valid(&bad_quantity),
        "quantities follow the quantity syntax"
    );

    let bad_enum = mutate(
        "/spec",
        "upgradeStrategy",
        serde_json::json!({ "type": "Rolling" }),
    );
    assert!(serde_json::from_value::<RayCluster>(bad_enum.clone()).is_err());
    assert!(!validator.is_valid(&bad_enum));

    let mut no_template = sample.clone();
    no_template["spec"]["headGroupSpec"]
        .as_object_mut()
        .expect("headGroupSpec")
        .remove("template");
    assert!(
        !validator.is_valid(&no_template),
        "headGroupSpec.template is required"
    );

    // minReplicas/maxReplicas carry CRD defaults: leaving them out is valid.
    let mut defaults = sample.clone();
    let group = defaults["spec"]["workerGroupSpecs"][0]
        .as_object_mut()
        .expect("worker group");
    group.remove("minReplicas");
    group.remove("maxReplicas");
    assert!(validator.is_valid(&defaults));
    assert!(serde_json::from_value::<RayCluster>(defaults).is_ok());
}

// ---------------------------------------------------------------------------
// Field-by-version facts

/// Kind → normalised path → indexes (into KUBERAY_VERSIONS) of the versions having it.
type PathVersions = BTreeMap<String, BTreeMap<String, BTreeSet<usize>>>;

fn collect_paths(
    schema: &Value,
    path: &str,
    index: usize,
    into: &mut BTreeMap<String, BTreeSet<usize>>,
) {
    into.entry(path.to_string()).or_default().insert(index);
    if let Some(properties) = schema.get("properties").and_then(Value::as_object) {
        for (name, child) in properties {
            collect_paths(child, &join(path, name), index, into);
        }
    }
    if let Some(items) = schema.get("items").filter(|i| i.is_object()) {
        collect_paths(items, &format!("{path}[]"), index, into);
    }
    if let Some(values) = schema.get("additionalProperties").filter(|a| a.is_object()) {
        collect_paths(values, &format!("{path}{{}}"), index, into);
    }
}

/// `v1.5.2` → `v1.5`.
fn minor(release: &str) -> String {
    release.splitn(3, '.').take(2).collect::<Vec<_>>().join(".")
}

/// The `ray.io/v1alpha1` schema of every CRD that serves it, by release
/// (same order as [`crd_releases`]), under the kind `v1alpha1/<Kind>`.
fn alpha_schemas(shared: &Path) -> &'static Vec<Vec<(String, Value)>> {
    static ALPHA: OnceLock<Vec<Vec<(String, Value)>>> = OnceLock::new();
    ALPHA.get_or_init(|| {
        let crds = shared.join("kuberay/crds");
        crd_releases(shared)
            .iter()
            .map(|(release, _)| {
                let mut files: Vec<PathBuf> = fs::read_dir(crds.join(release))
                    .expect("release dir")
                    .map(|e| e.expect("entry").path())
                    .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
                    .collect();
                files.sort();
                files
                    .iter()
                    .filter_map(|file| {
                        let crd = read_yaml(file);
                        let kind = crd.pointer("/spec/names/kind")?.as_str()?.to_string();
                        let versions = crd.pointer("/spec/versions")?.as_array()?;
                        let alpha = versions.iter().find(|v| v["name"] == "v1alpha1")?;
                        let schema = alpha.pointer("/schema/openAPIV3Schema")?.clone();
                        Some((alpha_kind(&kind), schema))
                    })
                    .collect()
            })
            .collect()
    })
}

fn paths_by_version(shared: &Path) -> PathVersions {
    let releases = crd_releases(shared);
    let minors: Vec<String> = releases.iter().map(|(r, _)| minor(r)).collect();
    assert_eq!(minors, KUBERAY_VERSIONS, "CRD folders vs KUBERAY_VERSIONS");
    let mut all = PathVersions::new();
    for (index, (_, schemas)) in releases.iter().enumerate() {
        for (kind, schema) in schemas {
            collect_paths(schema, "", index, all.entry(kind.clone()).or_default());
        }
    }
    for (index, schemas) in alpha_schemas(shared).iter().enumerate() {
        for (kind, schema) in schemas {
            collect_paths(schema, "", index, all.entry(kind.clone()).or_default());
        }
    }
    // A v1 field that v1alpha1 never had gets an empty row (`none`).
    for kind in ALPHA_KINDS {
        let v1_paths: Vec<String> = all[kind].keys().cloned().collect();
        let alpha = all.entry(alpha_kind(kind)).or_default();
        for path in v1_paths {
            alpha.entry(path).or_default();
        }
    }
    all
}

fn parent(path: &str) -> &str {
    if let Some(stripped) = path.strip_suffix("[]").or_else(|| path.strip_suffix("{}")) {
        return stripped;
    }
    path.rsplit_once('.').map_or("", |(head, _)| head)
}

fn format_ranges(versions: &BTreeSet<usize>) -> String {
    if versions.is_empty() {
        return "none".to_string();
    }
    let newest = KUBERAY_VERSIONS.len() - 1;
    let mut ranges: Vec<(usize, usize)> = Vec::new();
    for &v in versions {
        match ranges.last_mut() {
            Some((_, last)) if *last + 1 == v => *last = v,
            _ => ranges.push((v, v)),
        }
    }
    let parts: Vec<String> = ranges
        .iter()
        .map(|&(first, last)| {
            if last == newest {
                KUBERAY_VERSIONS[first].to_string()
            } else {
                format!("{}..{}", KUBERAY_VERSIONS[first], KUBERAY_VERSIONS[last])
            }
        })
        .collect();
    parts.join(",")
}

/// The table: a kind introduced after v1.0 gets a `.` row; a path gets a row
/// when its versions differ from its parent's (children inherit otherwise).
fn field_versions_table(all: &PathVersions) -> String {
    let every: BTreeSet<usize> = (0..KUBERAY_VERSIONS.len()).collect();
    let mut text = String::from(
        "# Derived from the ray.io/v1 schemas of the upstream KubeRay CRDs, one release per\n\
         # minor version; regenerate with `RAYC_BLESS=1 cargo test --test it kuberay_model::`.\n\
         # <Kind> <path> <versions>: `[]` = array items, `{}` = map values, `.` = the object;\n\
         # `v1.5` = v1.5 and later, `v1.0..v1.2` = only those. A path not listed has the\n\
         # versions of its nearest listed ancestor (or of its kind). `v1alpha1/<Kind>`: the\n\
         # ray.io/v1alpha1 schema of the kind, over the paths of its v1 schema (`none` = never).\n",
    );
    for (kind, paths) in all {
        for (path, versions) in paths {
            let inherited = if path.is_empty() {
                &every
            } else {
                &paths[parent(path)]
            };
            if versions != inherited {
                let shown = if path.is_empty() { "." } else { path };
                text.push_str(&format!("{kind} {shown} {}\n", format_ranges(versions)));
            }
        }
    }
    text
}

/// `required <Kind> <field path> <versions>`: the versions whose v1 CRD
/// requires the field, for every field where that differs from the model
/// (required by the newest CRD) among the versions that have its parent.
fn required_rows(shared: &Path, all: &PathVersions) -> String {
    let releases = crd_releases(shared);
    let newest = releases.len() - 1;
    // Kind → (parent, field) → versions requiring it.
    let mut required: BTreeMap<String, BTreeMap<(String, String), BTreeSet<usize>>> =
        BTreeMap::new();
    for (index, (_, schemas)) in releases.iter().enumerate() {
        for (kind, schema) in schemas {
            let mut set = BTreeSet::new();
            required_fields(schema, "", &mut set);
            for key in set {
                required
                    .entry(kind.clone())
                    .or_default()
                    .entry(key)
                    .or_default()
                    .insert(index);
            }
        }
    }
    let mut text = String::from(
        "# required <Kind> <field> <versions>: the versions whose CRD requires the field, where\n\
         # that differs from the typed model (the newest CRD) among the versions having its parent.\n",
    );
    for (kind, fields) in &required {
        for ((parent_path, field), versions) in fields {
            let having: &BTreeSet<usize> = &all[kind][parent_path.as_str()];
            let model = if versions.contains(&newest) {
                having.clone()
            } else {
                BTreeSet::new()
            };
            if versions != &model {
                text.push_str(&format!(
                    "required {kind} {} {}\n",
                    join(parent_path, field),
                    format_ranges(versions)
                ));
            }
        }
    }
    text
}

#[test]
fn field_versions_file_is_derived_from_the_crds() {
    let Some(shared) = shared_dir() else { return };
    let all = paths_by_version(&shared);
    let expected = field_versions_table(&all) + &required_rows(&shared, &all);
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join(FIELD_VERSIONS_FILE);
    if std::env::var_os("RAYC_BLESS").is_some_and(|v| v == "1") {
        fs::write(&file, &expected).expect("write field_versions.txt");
        eprintln!("blessed {}", file.display());
        return;
    }
    let committed = fs::read_to_string(&file).unwrap_or_default();
    if committed != expected {
        let diff = similar::TextDiff::from_lines(&committed, &expected)
            .unified_diff()
            .header("committed", "from the CRDs")
            .to_string();
        panic!("{FIELD_VERSIONS_FILE} is stale; rerun with RAYC_BLESS=1:\n{diff}");
    }
}

/// The public lookups agree with the CRDs for every path of every version.
#[test]
fn version_lookups_agree_with_the_crds() {
    let Some(shared) = shared_dir() else { return };
    if std::env::var_os("RAYC_BLESS").is_some() {
        return; // the compiled-in table is the old one until the next build
    }
    let all = paths_by_version(&shared);
    let newest = KUBERAY_VERSIONS.len() - 1;
    let mut report = Vec::new();
    for (kind, paths) in &all {
        for (path, versions) in paths {
            for version in KubeRayVersion::iter() {
                let expected = versions.contains(&version.index());
                if present_in(kind, path, version) != expected {
                    report.push(format!(
                        "{kind} {path:?} {version}: present should be {expected}"
                    ));
                }
            }
            let first = versions.first().copied().unwrap_or(0);
            let introduced = (first > 0).then(|| KUBERAY_VERSIONS[first]);
            if introduced_in(kind, path) != introduced {
                report.push(format!(
                    "{kind} {path:?}: introduced_in should be {introduced:?}"
                ));
            }
            let last = versions.last().copied().unwrap_or(newest);
            let removed = (last < newest).then(|| KUBERAY_VERSIONS[last]);
            if last_version_with(kind, path) != removed {
                report.push(format!(
                    "{kind} {path:?}: last_version_with should be {removed:?}"
                ));
            }
        }
    }
    assert!(report.is_empty(), "{}", report.join("\n"));
    // Spot checks of facts the rest of rayc relies on.
    assert_eq!(
        introduced_in("RayJob", "spec.deletionStrategy"),
        Some("v1.5")
    );
    assert_eq!(introduced_in("RayCronJob", ""), Some("v1.6"));
    assert!(!present_in(
        "RayCronJob",
        "spec.schedule",
        KubeRayVersion::V1_5
    ));
}

/// (path, field) of every `required` field in a CRD schema, status aside.
fn required_fields(schema: &Value, path: &str, out: &mut BTreeSet<(String, String)>) {
    if path == "status" {
        return;
    }
    for field in schema["required"].as_array().into_iter().flatten() {
        out.insert((path.to_string(), field.as_str().unwrap_or("").to_string()));
    }
    if let Some(properties) = schema.get("properties").and_then(Value::as_object) {
        for (name, child) in properties {
            required_fields(child, &join(path, name), out);
        }
    }
    if let Some(items) = schema.get("items").filter(|i| i.is_object()) {
        required_fields(items, &format!("{path}[]"), out);
    }
}

/// rayc checks v1alpha1 objects with the v1 model (the newest v1 schema)
/// plus `ALPHA_REQUIRED` and minus `ALPHA_OPTIONAL`. In every release, those
/// fields are (and are not) required by v1alpha1, and v1alpha1 requires
/// nothing else beyond that release's v1; at the newest release the
/// difference is exact.
#[test]
fn alpha_required_fields_follow_the_crds() {
    let Some(shared) = shared_dir() else { return };
    let releases = crd_releases(&shared);
    let newest = releases.len() - 1;
    for (index, schemas) in alpha_schemas(&shared).iter().enumerate() {
        let mut served = Vec::new();
        for (alpha, schema) in schemas {
            let kind = alpha.trim_start_matches("v1alpha1/");
            served.push(kind.to_string());
            let v1_of = |release: usize| {
                let v1 = &releases[release]
                    .1
                    .iter()
                    .find(|(k, _)| k == kind)
                    .expect("v1")
                    .1;
                let mut set = BTreeSet::new();
                required_fields(v1, "", &mut set);
                set
            };
            let mut a = BTreeSet::new();
            required_fields(schema, "", &mut a);
            let ours: BTreeSet<(String, String)> = ALPHA_REQUIRED
                .iter()
                .filter(|(k, _, _)| *k == kind)
                .map(|(_, p, f)| (p.to_string(), f.to_string()))
                .collect();
            let optional: BTreeSet<(String, String)> = ALPHA_OPTIONAL
                .iter()
                .filter(|(k, _)| *k == kind)
                .map(|(_, p)| {
                    let (parent, field) = p.rsplit_once('.').unwrap_or(("", p));
                    (parent.to_string(), field.to_string())
                })
                .collect();
            let at = KUBERAY_VERSIONS[index];
            assert!(
                ours.is_subset(&a),
                "{kind} at {at}: {ours:?} not all required"
            );
            assert!(
                a.is_disjoint(&optional),
                "{kind} at {at}: {optional:?} required"
            );
            let beyond: BTreeSet<_> = a.difference(&v1_of(index)).cloned().collect();
            assert!(beyond.is_subset(&ours), "{kind} at {at}: {beyond:?}");
            if index == newest {
                let model = v1_of(newest);
                let extra: BTreeSet<_> = a.difference(&model).cloned().collect();
                assert_eq!(extra, ours, "{kind} at {at}");
                let mut alpha_paths = BTreeMap::new();
                collect_paths(schema, "", index, &mut alpha_paths);
                let missing: BTreeSet<_> = model
                    .difference(&a)
                    .filter(|(p, _)| alpha_paths.contains_key(p))
                    .cloned()
                    .collect();
                assert_eq!(missing, optional, "{kind} at {at}");
            }
        }
        assert_eq!(served, ALPHA_KINDS, "{}", KUBERAY_VERSIONS[index]);
    }
}

// ---------------------------------------------------------------------------
// CEL rules (`x-kubernetes-validations`) per version

const CEL_RULES_FILE: &str = "src/validate/cel_rules.txt";

/// Every CEL rule of a v1 schema, as (path, rule, message); paths as in
/// `field_versions.txt`. A rule with keys rayc does not evaluate (a
/// `messageExpression`, a `fieldPath`) fails the test: the evaluator must learn them.
fn cel_rules(schema: &Value, path: &str, out: &mut Vec<(String, String, String)>) {
    if let Some(rules) = schema
        .get("x-kubernetes-validations")
        .and_then(Value::as_array)
    {
        for rule in rules {
            let object = rule.as_object().expect("a CEL rule is an object");
            let unknown: Vec<&String> = object
                .keys()
                .filter(|k| *k != "rule" && *k != "message")
                .collect();
            assert!(
                unknown.is_empty(),
                "{path}: CEL rule with {unknown:?}, which src/validate/cel.rs does not read"
            );
            let text = |key: &str| {
                object
                    .get(key)
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")
            };
            out.push((path.to_string(), text("rule"), text("message")));
        }
    }
    if let Some(properties) = schema.get("properties").and_then(Value::as_object) {
        for (name, child) in properties {
            cel_rules(child, &join(path, name), out);
        }
    }
    if let Some(items) = schema.get("items") {
        cel_rules(items, &format!("{path}[]"), out);
    }
    if let Some(values) = schema.get("additionalProperties").filter(|v| v.is_object()) {
        cel_rules(values, &format!("{path}{{}}"), out);
    }
}

/// The committed table: one line per (kind, path, rule, message) with the
/// versions whose CRD has it, tab-separated.
fn cel_rules_table(shared: &Path) -> String {
    let mut found: BTreeMap<(String, String, String, String), BTreeSet<usize>> = BTreeMap::new();
    for (release, schemas) in crd_releases(shared) {
        let index = KUBERAY_VERSIONS
            .iter()
            .position(|v| *v == minor(release))
            .unwrap_or_else(|| panic!("CRD folder {release} is no version rayc knows"));
        for (kind, schema) in schemas {
            let mut rules = Vec::new();
            cel_rules(schema, "", &mut rules);
            for (path, rule, message) in rules {
                found
                    .entry((kind.clone(), path, rule, message))
                    .or_default()
                    .insert(index);
            }
        }
    }
    let mut text = String::from(
        "# The CRDs' CEL rules (`x-kubernetes-validations`) of every KubeRay version, derived\n\
         # from the ray.io/v1 schemas; regenerate with `RAYC_BLESS=1 cargo test --test it kuberay_model::`.\n\
         # <Kind> TAB <path> TAB <versions> TAB <rule> TAB <message>; paths and versions as in\n\
         # src/model/kuberay/field_versions.txt. Rules using `oldSelf` are listed but not evaluated.\n",
    );
    for ((kind, path, rule, message), versions) in &found {
        text.push_str(&format!(
            "{kind}\t{path}\t{}\t{rule}\t{message}\n",
            format_ranges(versions)
        ));
    }
    text
}

#[test]
fn cel_rules_file_is_derived_from_the_crds() {
    let Some(shared) = shared_dir() else { return };
    let expected = cel_rules_table(&shared);
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join(CEL_RULES_FILE);
    if std::env::var_os("RAYC_BLESS").is_some_and(|v| v == "1") {
        fs::write(&file, &expected).expect("write cel_rules.txt");
        eprintln!("blessed {}", file.display());
        return;
    }
    let committed = fs::read_to_string(&file).unwrap_or_default();
    if committed != expected {
        let diff = similar::TextDiff::from_lines(&committed, &expected)
            .unified_diff()
            .header("committed", "from the CRDs")
            .to_string();
        panic!("{CEL_RULES_FILE} is stale; rerun with RAYC_BLESS=1:\n{diff}");
    }
}

/// `tests/cel/*.yaml`, run through the real binary at the version each names
/// (`# kuberay: v1.3`): every `bad_*` gets RAY109 where `# expect: L:C` says
/// (with `# says:` in its message), every `ok_*` gets no RAY109 at all.
#[test]
fn cel_fixtures_per_version() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cel");
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .expect("tests/cel")
        .map(|e| e.expect("entry").path())
        .collect();
    files.sort();
    let mut failures = Vec::new();
    let mut versions = BTreeSet::new();
    for file in &files {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        let text = fs::read_to_string(file).expect("fixture");
        let header = |key: &str| {
            text.lines()
                .take_while(|l| l.starts_with('#'))
                .find_map(|l| l.strip_prefix(&format!("# {key}: ")))
                .map(str::to_owned)
        };
        let version = header("kuberay").unwrap_or_else(|| panic!("{name}: no `# kuberay:`"));
        versions.insert(version.clone());
        let args = [
            OsStr::new("validate"),
            OsStr::new("--format"),
            OsStr::new("json"),
            OsStr::new("--kuberay-version"),
            OsStr::new(&version),
            file.as_os_str(),
        ];
        let out = Rayc::new(Path::new(env!("CARGO_MANIFEST_DIR")), &args)
            .command()
            .output()
            .expect("run rayc");
        let report: Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{name}: {e}: {}", String::from_utf8_lossy(&out.stderr)));
        let cel: Vec<&Value> = report["resources"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|r| r["findings"].as_array().into_iter().flatten())
            .filter(|f| f["code"] == "RAY109")
            .collect();
        let at = |f: &Value| format!("{}:{}", f["line"], f["column"]);
        if name.starts_with("ok_") {
            if !cel.is_empty() {
                failures.push(format!("{name}: unexpected RAY109 {cel:?}"));
            }
            continue;
        }
        let expect = header("expect").unwrap_or_else(|| panic!("{name}: no `# expect:`"));
        match cel.iter().find(|f| at(f) == expect) {
            None => failures.push(format!("{name}: no RAY109 at {expect}: {cel:?}")),
            Some(f) => {
                if let Some(says) = header("says")
                    && !f["message"].as_str().unwrap_or_default().contains(&says)
                {
                    failures.push(format!("{name}: message lacks `{says}`: {}", f["message"]));
                }
                if out.status.code() != Some(1) {
                    failures.push(format!("{name}: exit {:?}, not 1", out.status.code()));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(versions.len() >= 5, "fixtures cover only {versions:?}");
}
