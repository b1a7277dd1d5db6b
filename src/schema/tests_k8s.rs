//! Tests against real generated schemas: k8s-openapi's `PodTemplateSpec` and
//! a schemars-derived spec type shaped like rayc's own.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use k8s_openapi::api::core::v1::PodTemplateSpec;
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use schemars::JsonSchema;
use serde::Deserialize;

use super::tests::yaml;
use super::*;
use crate::diag::codes;
use crate::load::node::Pos;

fn pod_schema() -> &'static Schema {
    static SCHEMA: OnceLock<Schema> = OnceLock::new();
    SCHEMA.get_or_init(Schema::of::<PodTemplateSpec>)
}

const POD: &str = "\
metadata:
  labels:
    app: ray
spec:
  restartPolicy: Never
  containers:
    - name: ray-head
      image: rayproject/ray:2.9.0
      ports:
        - containerPort: 6379
          name: gcs
      resources:
        limits:
          cpu: 1
          memory: 1Gi
        requests:
          cpu: 500m
          nvidia.com/gpu: 1
      readinessProbe:
        httpGet:
          port: 8265
          path: /
      env:
        - name: A
          value: b
";

fn pod_with(from: &str, to: &str) -> Vec<SchemaError> {
    assert!(POD.contains(from), "{from}");
    validate(&yaml(&POD.replacen(from, to, 1)), pod_schema())
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
fn a_valid_pod_template_passes() {
    let errors = validate(&yaml(POD), pod_schema());
    assert!(errors.is_empty(), "{errors:#?}");
}

#[test]
fn misspelt_container_field() {
    let errors = pod_with("      image: rayproject", "      imagez: rayproject");
    let e = only(&errors);
    assert_eq!(e.code, codes::UNKNOWN_FIELD);
    assert_eq!(e.message, "unknown field \"imagez\" in containers[0]");
    assert_eq!(e.path, "spec.containers[0].imagez");
    assert_eq!(e.help.as_deref(), Some("did you mean \"image\"?"));
    assert_eq!(e.pos, Pos { line: 8, col: 7 });
}

#[test]
fn float_cpu_is_rejected_with_a_fix() {
    let errors = pod_with("cpu: 1\n", "cpu: 0.5\n");
    let e = only(&errors);
    assert_eq!(e.code, codes::BAD_QUANTITY);
    assert_eq!(e.path, "spec.containers[0].resources.limits.cpu");
    assert_eq!(
        e.help.as_deref(),
        Some("write \"500m\" (or \"0.5\" quoted)")
    );
    assert_eq!(e.pos, Pos { line: 14, col: 16 });
}

#[test]
fn negative_and_malformed_quantities() {
    let e = only(&pod_with("cpu: 500m", "cpu: \"-1\"")).clone();
    assert_eq!(e.code, codes::BAD_QUANTITY);
    assert_eq!(e.message, "quantity \"-1\" is negative");
    assert_eq!(e.path, "spec.containers[0].resources.requests.cpu");
    let e = only(&pod_with("memory: 1Gi", "memory: 1 GB")).clone();
    assert_eq!(e.code, codes::BAD_QUANTITY);
    let e = only(&pod_with("nvidia.com/gpu: 1", "nvidia.com/gpu: 1.0")).clone();
    assert_eq!(
        e.path,
        "spec.containers[0].resources.requests[\"nvidia.com/gpu\"]"
    );
    assert_eq!(e.help.as_deref(), Some("write 1 (an integer) or \"1\""));
}

#[test]
fn quoted_port_number() {
    let e = only(&pod_with("containerPort: 6379", "containerPort: \"6379\"")).clone();
    assert_eq!(e.code, codes::WRONG_TYPE);
    assert_eq!(e.message, "expected an integer, found a string (\"6379\")");
    assert_eq!(e.help.as_deref(), Some("remove the quotes"));
    assert_eq!(e.path, "spec.containers[0].ports[0].containerPort");
    let e = only(&pod_with(
        "containerPort: 6379",
        "containerPort: 9999999999",
    ))
    .clone();
    assert_eq!(e.code, codes::OUT_OF_RANGE);
}

#[test]
fn int_or_string_probe_port() {
    assert!(pod_with("port: 8265", "port: dashboard").is_empty());
    let e = only(&pod_with("port: 8265", "port: 8265.5")).clone();
    assert_eq!(e.code, codes::WRONG_TYPE);
    assert_eq!(
        e.message,
        "expected an integer or a string, found a number (8265.5)"
    );
}

#[test]
fn missing_container_name() {
    let e = only(&pod_with(
        "    - name: ray-head\n      image",
        "    - image",
    ))
    .clone();
    assert_eq!(e.code, codes::MISSING_REQUIRED);
    assert_eq!(
        e.message,
        "missing required field \"name\" in containers[0]"
    );
    assert_eq!(e.pos, Pos { line: 7, col: 7 });
}

#[test]
fn misplaced_image_points_into_containers() {
    let e = only(&pod_with("  restartPolicy: Never\n", "  image: ray\n")).clone();
    assert_eq!(e.code, codes::UNKNOWN_FIELD);
    assert_eq!(
        e.help.as_deref(),
        Some("\"image\" belongs one level down, inside each item of \"containers\"")
    );
}

#[test]
fn k8s_openapi_enums_are_plain_strings() {
    // k8s-openapi's schemas carry no `enum`s: `restartPolicy: Sometimes` is
    // schema-valid here, and the semantic rules check such values instead.
    assert!(pod_with("restartPolicy: Never", "restartPolicy: Sometimes").is_empty());
}

#[test]
fn duplicate_container_names_when_the_schema_has_list_keys() {
    let text = POD.to_owned() + "    - name: ray-head\n      image: x\n";
    let errors = validate(&yaml(&text), pod_schema());
    if pod_schema()
        .root()
        .to_string()
        .contains("x-kubernetes-list-map-keys")
    {
        assert_eq!(only(&errors).code, codes::DUPLICATE_ITEM);
    } else {
        // k8s-openapi 0.29 does not emit list-map keys; the CRD tests cover this.
        assert!(errors.is_empty(), "{errors:#?}");
    }
}

#[test]
fn null_metadata_is_dropped() {
    let errors = pod_with("metadata:\n  labels:\n    app: ray\n", "metadata:\n");
    assert!(errors.is_empty(), "{errors:#?}");
}

#[test]
fn visitor_gets_normalised_pod_paths() {
    let mut paths = Vec::new();
    let errors = validate_with(&yaml(POD), pod_schema(), &mut |path: &str, _: &Entry| {
        paths.push(path.to_owned());
        None
    });
    assert!(errors.is_empty());
    for expected in [
        "metadata.labels",
        "spec.containers[].image",
        "spec.containers[].resources.limits",
        "spec.containers[].readinessProbe.httpGet.port",
        "spec.containers[].env[].value",
    ] {
        assert!(
            paths.iter().any(|p| p == expected),
            "{expected} not in {paths:#?}"
        );
    }
}

// ---- a schemars-derived spec type ----

/// How the job is submitted.
#[derive(JsonSchema, Deserialize, Default, Debug, PartialEq)]
enum SubmissionMode {
    /// A Kubernetes Job runs `ray job submit`.
    #[default]
    K8sJobMode,
    /// The operator submits over HTTP.
    HttpMode,
}

#[derive(JsonSchema, Deserialize, Debug)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[allow(dead_code)]
struct Worker {
    group: String,
    replicas: Option<u32>,
}

#[derive(JsonSchema, Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
enum Source {
    Git { url: String, rev: Option<String> },
    Local { path: String },
}

#[derive(JsonSchema, Deserialize, Debug)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[allow(dead_code)]
struct JobSpec {
    name: String,
    entrypoint: String,
    #[serde(default)]
    submission_mode: SubmissionMode,
    replicas: Option<u32>,
    #[serde(default)]
    env: BTreeMap<String, String>,
    worker: Option<Worker>,
    #[serde(default)]
    workers: Vec<Worker>,
    resources: Option<BTreeMap<String, Quantity>>,
    shm_size: Option<Quantity>,
    #[serde(flatten)]
    source: Source,
}

fn spec_schema() -> &'static Schema {
    static SCHEMA: OnceLock<Schema> = OnceLock::new();
    SCHEMA.get_or_init(Schema::of::<JobSpec>)
}

const SPEC: &str = "\
name: train
entrypoint: python train.py
submissionMode: HttpMode
replicas: 2
env:
  A: b
worker:
  group: cpu
workers:
  - group: gpu
    replicas: 1
resources:
  cpu: 500m
shmSize: 1Gi
git:
  url: https://example.com/repo.git
";

fn spec_with(from: &str, to: &str) -> Vec<SchemaError> {
    assert!(SPEC.contains(from), "{from}");
    validate(&yaml(&SPEC.replacen(from, to, 1)), spec_schema())
}

#[test]
fn a_valid_spec_passes_and_deserialises() {
    let errors = validate(&yaml(SPEC), spec_schema());
    assert!(errors.is_empty(), "{errors:#?}");
    let spec: JobSpec = serde_saphyr::from_str(SPEC).unwrap();
    assert_eq!(spec.submission_mode, SubmissionMode::HttpMode);
    let minimal = "name: a\nentrypoint: b\nlocal:\n  path: .\n";
    assert!(validate(&yaml(minimal), spec_schema()).is_empty());
    let _: JobSpec = serde_saphyr::from_str(minimal).unwrap();
}

#[test]
fn spec_unknown_fields_everywhere() {
    let e = only(&spec_with("entrypoint:", "entrypint:")).clone();
    assert_eq!(e.code, codes::UNKNOWN_FIELD);
    assert_eq!(e.help.as_deref(), Some("did you mean \"entrypoint\"?"));
    let e = only(&spec_with("  group: cpu", "  group: cpu\n  replica: 1")).clone();
    assert_eq!(e.message, "unknown field \"replica\" in worker");
    assert_eq!(e.help.as_deref(), Some("did you mean \"replicas\"?"));
    let e = only(&spec_with("git:\n", "gti:\n")).clone();
    assert_eq!(e.message, "unknown field \"gti\"");
    assert_eq!(e.help.as_deref(), Some("did you mean \"git\"?"));
    let e = only(&spec_with("  url:", "  ur1:")).clone();
    assert_eq!(e.path, "git.ur1");
    assert_eq!(e.help.as_deref(), Some("did you mean \"url\"?"));
}

#[test]
fn spec_enum_values() {
    let e = only(&spec_with("HttpMode", "HTTPMode")).clone();
    assert_eq!(e.code, codes::BAD_ENUM);
    assert_eq!(e.path, "submissionMode");
    assert_eq!(
        e.help.as_deref(),
        Some("did you mean \"HttpMode\"? (allowed values: \"K8sJobMode\", \"HttpMode\")")
    );
}

#[test]
fn spec_types_and_ranges() {
    let e = only(&spec_with("replicas: 2", "replicas: -1")).clone();
    assert_eq!(e.code, codes::OUT_OF_RANGE);
    assert_eq!(e.message, "-1 is too small: it must be at least 0");
    let e = only(&spec_with("replicas: 2", "replicas: \"2\"")).clone();
    assert_eq!(e.help.as_deref(), Some("remove the quotes"));
    let e = only(&spec_with("  A: b", "  A: 1")).clone();
    assert_eq!(e.path, "env.A");
    assert_eq!(e.help.as_deref(), Some("quote it: \"1\""));
    let e = only(&spec_with("cpu: 500m", "cpu: 0.5")).clone();
    assert_eq!(e.code, codes::BAD_QUANTITY);
    assert_eq!(e.path, "resources.cpu");
    let e = only(&spec_with("shmSize: 1Gi", "shmSize: 1.5")).clone();
    assert_eq!(e.code, codes::BAD_QUANTITY);
    assert_eq!(
        e.help.as_deref(),
        Some("write \"1500m\" (or \"1.5\" quoted)")
    );
    let e = only(&spec_with("worker:\n  group: cpu\n", "worker: cpu\n")).clone();
    assert_eq!(e.message, "expected a mapping, found a string (\"cpu\")");
}

#[test]
fn spec_required_and_nulls() {
    let e = only(&spec_with(
        "  - group: gpu\n    replicas: 1",
        "  - replicas: 1",
    ))
    .clone();
    assert_eq!(e.code, codes::MISSING_REQUIRED);
    assert_eq!(e.message, "missing required field \"group\" in workers[0]");
    assert!(spec_with("worker:\n  group: cpu\n", "worker:\n").is_empty());
    let e = only(&spec_with("name: train", "name:")).clone();
    assert_eq!(e.code, codes::MISSING_REQUIRED);
    // Defaulted fields (`#[serde(default)]`) are not required.
    assert!(spec_with("submissionMode: HttpMode\n", "").is_empty());
    let e = only(&spec_with(
        "git:\n  url: https://example.com/repo.git\n",
        "",
    ))
    .clone();
    assert_eq!(e.code, codes::MISSING_REQUIRED);
    assert_eq!(
        e.message,
        "missing required field: one of \"git\" or \"local\""
    );
    assert_eq!(e.pos, Pos { line: 1, col: 1 });
    let e = only(&spec_with(
        "git:\n  url: https://example.com/repo.git\n",
        "locl:\n  path: .\n",
    ))
    .clone();
    assert_eq!(e.code, codes::UNKNOWN_FIELD);
    assert_eq!(e.help.as_deref(), Some("did you mean \"local\"?"));
}

/// Generated trees (proptest, shrunk on failure): whatever the input,
/// validation returns, and every finding is a schema finding with a message.
#[test]
fn arbitrary_trees_never_panic() {
    use std::cell::Cell;

    use proptest::prelude::*;
    use proptest::test_runner::{Config, TestRunner};

    use crate::load::node::{Node, Value};

    static KEYS: [&str; 16] = [
        "spec",
        "containers",
        "name",
        "image",
        "resources",
        "limits",
        "cpu",
        "ports",
        "containerPort",
        "metadata",
        "labels",
        "env",
        "value",
        "worker",
        "git",
        "x",
    ];
    static STRINGS: [&str; 6] = ["500m", "-1", "", "x", "1Gi", "HttpMode"];
    let pos = Pos { line: 1, col: 1 };
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        (-100i64..100).prop_map(Value::Int),
        (0u32..100).prop_map(|n| Value::Float(f64::from(n) / 7.0)),
        proptest::sample::select(&STRINGS[..]).prop_map(|s| Value::Str(s.to_owned())),
        proptest::sample::select(&KEYS[..]).prop_map(|s| Value::Str(s.to_owned())),
    ]
    .prop_map(move |v| Node::new(v, pos));
    let tree = leaf.prop_recursive(7, 200, 5, move |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4)
                .prop_map(move |items| Node::new(Value::Seq(items), pos)),
            proptest::collection::vec((proptest::sample::select(&KEYS[..]), inner), 0..5).prop_map(
                move |entries| {
                    let entries = entries
                        .into_iter()
                        .map(|(key, value)| Entry {
                            key: key.to_owned(),
                            key_pos: pos,
                            value,
                        })
                        .collect();
                    Node::new(Value::Map(entries), pos)
                }
            ),
        ]
    });
    // Under `spec`, so the schemas look past the top level.
    let document = tree.prop_map(move |node| {
        Node::new(
            Value::Map(vec![Entry {
                key: "spec".to_owned(),
                key_pos: pos,
                value: node,
            }]),
            pos,
        )
    });
    let findings = Cell::new(0usize);
    let mut runner = TestRunner::new(Config {
        cases: 400,
        failure_persistence: None,
        ..Config::default()
    });
    let result = runner.run(&document, |node| {
        for schema in [pod_schema(), spec_schema()] {
            for e in validate(&node, schema) {
                prop_assert!(e.code.as_str().starts_with("RAY1"), "{e:?}");
                prop_assert!(!e.message.is_empty());
                findings.set(findings.get() + 1);
            }
        }
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    assert!(
        findings.get() > 1000,
        "only {} findings: the trees are too tame",
        findings.get()
    );
}
