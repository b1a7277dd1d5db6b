//! Phase 5, `validate`: KubeRay objects — compiled by rayc or given to
//! `rayc validate` — against the typed model's schema, strictly, for the
//! target KubeRay version; then the CRDs' CEL rules and the semantic rules.
//! Knows nothing of specs or overlays.

mod cel;

use std::sync::OnceLock;

use crate::diag::report::ResourceResult;
use crate::diag::{Diagnostic, Severity, codes};
use crate::load::node::{Entry, Node};
use crate::model::kuberay::{self, KUBERAY_VERSIONS, introduced_in, last_version_with, present_in};
use crate::rules::{self, Context, Object};
use crate::schema::{Schema, SchemaError, validate_with};

/// The per-resource results and every finding.
#[derive(Debug, Default)]
pub struct Validation {
    pub resources: Vec<ResourceResult>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Validates a set of objects together (semantic rules look across objects).
pub fn validate(objects: &[Object], ctx: &Context) -> Validation {
    let mut out = Validation::default();
    for object in objects {
        let (result, diags) = validate_one(object, &ctx.kuberay_version);
        out.resources.push(result);
        out.diagnostics.extend(diags);
    }
    out.diagnostics.extend(rules::check(objects, ctx));
    out
}

fn text<'a>(node: &'a Node, key: &str) -> &'a str {
    node.get(key).and_then(Node::as_str).unwrap_or_default()
}

fn validate_one(object: &Object, version: &str) -> (ResourceResult, Vec<Diagnostic>) {
    let node = object.node;
    let api_version = text(node, "apiVersion");
    let kind = text(node, "kind");
    let name = node.get("metadata").map_or("", |m| text(m, "name"));
    let result = ResourceResult::new(object.file, kind, name, api_version);
    if api_version.is_empty() || kind.is_empty() {
        // Pre-commit passes every YAML file of the repo: a workflow or a
        // compose file is not a broken object, just not ours to check.
        if !claims_ray(api_version, kind) {
            return (result.skipped(), Vec::new());
        }
        let missing = if api_version.is_empty() {
            "apiVersion"
        } else {
            "kind"
        };
        let diag = Diagnostic::error(
            codes::UNKNOWN_KIND,
            object.file,
            node.pos,
            format!("document has no `{missing}`"),
        )
        .with_help("every Kubernetes object starts with `apiVersion:` and `kind:`")
        .with_object(kind, name);
        return (result, vec![diag]);
    }
    let Some(schema) = schema_for(api_version, kind) else {
        if api_version.starts_with("ray.io/") {
            let diag = Diagnostic::warning(
                codes::UNKNOWN_KIND,
                object.file,
                node.get("apiVersion").map_or(node.pos, |n| n.pos),
                format!("{api_version} {kind} is not checked: rayc validates ray.io/v1 RayCluster, RayJob, RayService and RayCronJob"),
            )
            .with_help("migrate to `apiVersion: ray.io/v1` (v1alpha1 is deprecated)")
            .with_object(kind, name);
            return (result.skipped(), vec![diag]);
        }
        return (result.skipped(), Vec::new());
    };

    let mut errors = Vec::new();
    if api_version == kuberay::API_VERSION && present_in(kind, "", version) == Some(false) {
        errors.push(
            SchemaError::new(
                codes::FIELD_VERSION,
                node.get("kind").map_or(node.pos, |n| n.pos),
                "kind",
                format!(
                    "{kind} is not known to KubeRay {version}; it was introduced in {}",
                    introduced_in(kind, "").unwrap_or("a later version")
                ),
            )
            .with_help(format!(
                "target KubeRay {} or later (`kuberayVersion` in rayc.yaml or --kuberay-version)",
                introduced_in(kind, "").unwrap_or("v1.7")
            )),
        );
    } else if api_version == kuberay::API_VERSION {
        let mut visit = |path: &str, entry: &Entry| version_check(kind, path, entry, version);
        errors.extend(validate_with(node, schema, &mut visit));
        errors.extend(cel::check(kind, node));
    } else {
        errors.extend(crate::schema::validate(node, schema));
    }
    let diags = errors
        .into_iter()
        .map(|e| e.into_diagnostic(object.file).with_object(kind, name))
        .collect();
    (result, diags)
}

/// Whether a document lacking `apiVersion` or `kind` still says it is a Ray
/// object (by a Ray API group or a Ray kind), so the missing half is an error
/// rather than a sign of unrelated YAML.
fn claims_ray(api_version: &str, kind: &str) -> bool {
    let group = api_version.split('/').next().unwrap_or_default();
    matches!(group, "ray.io" | "rayc.dev") || kuberay::KINDS.contains(&kind)
}

/// A field the target version does not know: the API server would drop it.
fn version_check(kind: &str, path: &str, entry: &Entry, version: &str) -> Option<SchemaError> {
    if present_in(kind, path, version)? {
        return None;
    }
    let (message, help) = match introduced_in(kind, path) {
        Some(since) if kuberay::version_index(since) > kuberay::version_index(version) => (
            format!(
                "field `{}` is not known to KubeRay {version}; it was introduced in {since}",
                entry.key
            ),
            format!(
                "target KubeRay {since} or later, or remove the field (the API server of {version} would drop it silently)"
            ),
        ),
        _ => (
            format!(
                "field `{}` is not known to KubeRay {version}; it exists up to {}",
                entry.key,
                last_version_with(kind, path).unwrap_or("an older version")
            ),
            "remove the field or change the target KubeRay version".to_owned(),
        ),
    };
    Some(SchemaError::new(codes::FIELD_VERSION, entry.key_pos, "", message).with_help(help))
}

/// The schema of an object rayc knows, built once per kind.
fn schema_for(api_version: &str, kind: &str) -> Option<&'static Schema> {
    static RAY: OnceLock<Vec<(&'static str, Schema)>> = OnceLock::new();
    static CORE: OnceLock<Vec<(&'static str, Schema)>> = OnceLock::new();
    let table = match api_version {
        kuberay::API_VERSION => RAY.get_or_init(|| {
            kuberay::KINDS
                .iter()
                .filter_map(|k| kuberay::object_schema(k).map(|s| (*k, Schema::new(s))))
                .collect()
        }),
        "v1" => CORE.get_or_init(|| {
            use k8s_openapi::api::core::v1::{ConfigMap, PersistentVolumeClaim};
            vec![
                ("ConfigMap", Schema::of::<ConfigMap>()),
                (
                    "PersistentVolumeClaim",
                    Schema::of::<PersistentVolumeClaim>(),
                ),
            ]
        }),
        _ => return None,
    };
    table.iter().find(|(k, _)| *k == kind).map(|(_, s)| s)
}

/// True when a validation found something that must fail the run.
pub fn has_errors(diags: &[Diagnostic]) -> bool {
    diags
        .iter()
        .any(|d| d.severity == Severity::Error && d.suppressed_by.is_none())
}

/// Versions `--kuberay-version` accepts, for help texts.
pub fn versions_help() -> String {
    KUBERAY_VERSIONS.join(", ")
}
