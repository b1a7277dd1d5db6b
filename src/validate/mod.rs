//! Phase 5, `validate`: KubeRay objects — compiled by rayc or given to
//! `rayc validate` — against the typed model's schema, strictly, for the
//! target KubeRay version; then the CRDs' CEL rules and the semantic rules.
//! Knows nothing of specs or overlays.

mod alpha;
mod cel;
pub mod gates;
mod identity;
mod required;

pub use alpha::{ALPHA_OPTIONAL, ALPHA_REQUIRED};
pub use identity::{ALPHA_API_VERSION, ALPHA_KINDS};

use std::sync::OnceLock;

use rayon::prelude::*;

use crate::diag::report::ResourceResult;
use crate::diag::{Diagnostic, Severity, codes};
use crate::load::node::{Entry, Node, Pos};
use crate::model::embedded;
use crate::model::kuberay::{self, KubeRayVersion, introduced_in, last_version_with, present_in};
use crate::rules::{self, Context, Object, Rule};
use crate::schema::{Schema, SchemaError, validate_with};
use crate::timings::{self, Phase};
use identity::{Identity, identify};

/// The per-resource results and every finding.
#[derive(Debug, Default)]
pub struct Validation {
    pub resources: Vec<ResourceResult>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Validates a set of objects together (semantic rules look across objects).
pub fn validate(objects: &[Object], ctx: &Context) -> Validation {
    let mut out = Validation::default();
    // Objects are checked on their own, in parallel, and joined in order.
    let checked: Vec<_> = objects
        .par_iter()
        .map(|object| {
            let _time = timings::phase(Phase::Validate);
            validate_one(object, ctx.kuberay_version)
        })
        .collect();
    for (result, diags) in checked {
        out.resources.push(result);
        out.diagnostics.extend(diags);
    }
    let rules_time = timings::phase(Phase::Rules);
    let findings = rules::check(objects, ctx);
    drop(rules_time);
    drop_schema_twins(&mut out.diagnostics, &findings);
    out.diagnostics.extend(findings);
    out
}

/// Rules that say more about a value than the schema error on the same
/// token: the rule names the field and what fails.
const REFINES: &[(Rule, codes::Code)] = &[
    (Rule::RayStartParamNotString, codes::WRONG_TYPE),
    (Rule::NegativeQuantity, codes::BAD_QUANTITY),
];

/// One token, one finding: a schema error on a value that a rule of
/// [`REFINES`] reports as an error too (RAY102 + RAY607 on `num-gpus: 1`,
/// RAY104 + RAY210 on `cpu: -1`) gives way to the rule's. A silenced rule
/// finding leaves the schema error standing: silencing one check must not
/// silence another.
fn drop_schema_twins(schema: &mut Vec<Diagnostic>, rules: &[Diagnostic]) {
    let twins = |s: &Diagnostic, r: &Diagnostic| {
        REFINES
            .iter()
            .any(|(rule, code)| r.code == rule.code() && s.code == *code)
            && r.severity == Severity::Error
            && r.suppressed_by.is_none()
            && s.file == r.file
            && s.object == r.object
            && s.path.is_some()
            && s.path == r.path
            && (s.pos == Pos::UNKNOWN || s.pos == r.pos)
    };
    schema.retain(|s| s.severity != Severity::Error || !rules.iter().any(|r| twins(s, r)));
}

fn text<'a>(node: &'a Node, key: &str) -> &'a str {
    node.get(key).and_then(Node::as_str).unwrap_or_default()
}

fn validate_one(object: &Object, version: KubeRayVersion) -> (ResourceResult, Vec<Diagnostic>) {
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
    let mut errors = Vec::new();
    let mut diags = Vec::new();
    match identify(node, api_version, kind) {
        Identity::Wrong(error) => {
            let diag = error.into_diagnostic(object.file).with_object(kind, name);
            return (result, vec![diag]);
        }
        Identity::Other => {
            let Some(schema) = schema_for(api_version, kind) else {
                return (result.skipped(), Vec::new());
            };
            errors.extend(crate::schema::validate(node, schema));
        }
        Identity::V1 if !present_in(kind, "", version) => {
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
                    introduced_in(kind, "").unwrap_or(KubeRayVersion::LATEST.as_str())
                )),
            );
        }
        Identity::V1 => {
            let Some(schema) = schema_for(kuberay::API_VERSION, kind) else {
                return (result.skipped(), Vec::new());
            };
            let mut visit = |path: &str, entry: &Entry| version_check(kind, path, entry, version);
            let found = validate_with(node, schema, &mut visit);
            errors.extend(
                found
                    .into_iter()
                    .filter_map(|e| removed_field(kind, e, version)),
            );
            required::apply(kind, node, version, &mut errors);
            // A value of the wrong type is one finding (RAY102), not also a failed rule on it.
            let cel = cel::check(kind, node, version);
            let mistyped = |path: &str| {
                errors
                    .iter()
                    .any(|e: &SchemaError| e.code == codes::WRONG_TYPE && e.path == path)
            };
            let cel: Vec<SchemaError> = cel.into_iter().filter(|c| !mistyped(&c.path)).collect();
            errors.extend(cel);
        }
        Identity::Alpha => {
            let Some(schema) = schema_for(kuberay::API_VERSION, kind) else {
                return (result.skipped(), Vec::new());
            };
            diags.push(alpha::deprecation(object.file, node, version).with_object(kind, name));
            errors.extend(alpha::check(node, schema, kind, version));
        }
    }
    diags.extend(
        errors
            .into_iter()
            .map(|e| e.into_diagnostic(object.file).with_object(kind, name)),
    );
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
fn version_check(
    kind: &str,
    path: &str,
    entry: &Entry,
    version: KubeRayVersion,
) -> Option<SchemaError> {
    if present_in(kind, path, version) {
        return None;
    }
    // A block the version lacks is one finding, at the block: not one per child.
    if !present_in(kind, parent_path(path), version) {
        return None;
    }
    let (message, help) = match introduced_in(kind, path) {
        Some(since) if KubeRayVersion::parse(since) > Some(version) => (
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

/// `a.b[].c` → `a.b`; `a.b{}.c` → `a.b`; a top-level field → `""` (the kind).
fn parent_path(path: &str) -> &str {
    let parent = path.rsplit_once('.').map_or("", |(parent, _)| parent);
    parent.trim_end_matches("[]").trim_end_matches("{}")
}

/// An unknown field that is no misspelling but a field older KubeRay versions
/// had (the typed model is v1.7's; `field_versions.txt` lists what was removed,
/// e.g. RayJob `spec.runtimeEnv` of v1.0): accepted when the target version
/// has it (its contents are then not checked), else a version error that
/// names the versions that had it. Other errors pass through unchanged.
fn removed_field(kind: &str, error: SchemaError, version: KubeRayVersion) -> Option<SchemaError> {
    if error.code != codes::UNKNOWN_FIELD {
        return Some(error);
    }
    let path = normalised_path(&error.path);
    let (parent, name) = path.rsplit_once('.').unwrap_or(("", &path));
    let had = |p: &str| -> Vec<KubeRayVersion> {
        KubeRayVersion::iter()
            .filter(|v| present_in(kind, p, *v))
            .collect()
    };
    let versions = had(&path);
    // A path without a row of its own shares its parent's versions: unknown to all.
    if versions.is_empty() || versions == had(parent) {
        return Some(error);
    }
    if versions.contains(&version) {
        return None;
    }
    let span = match (versions.first(), versions.last()) {
        (Some(first), Some(last)) if first != last => format!("{first} to {last}"),
        (Some(only), _) => only.to_string(),
        _ => return Some(error),
    };
    Some(
        SchemaError::new(
            codes::FIELD_VERSION,
            error.pos,
            error.path,
            format!("field `{name}` is not known to KubeRay {version}; only KubeRay {span} had it"),
        )
        .with_help(format!(
            "remove the field (the API server of {version} would drop it silently), or target KubeRay {span}"
        )),
    )
}

/// `spec.workerGroupSpecs[0].template` → `spec.workerGroupSpecs[].template`;
/// bracketed map keys (`limits["nvidia.com/gpu"]`) become `{}`.
fn normalised_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut rest = path;
    while let Some(open) = rest.find('[') {
        out.push_str(&rest[..open]);
        let after = &rest[open..];
        let Some(close) = after.find(']') else {
            out.push_str(after);
            return out;
        };
        out.push_str(if after[1..close].starts_with('"') {
            "{}"
        } else {
            "[]"
        });
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    out
}

/// The schema of an object rayc knows, read from the embedded text the
/// first time an object of its kind is checked (its definitions as they are used).
fn schema_for(api_version: &str, kind: &str) -> Option<&'static Schema> {
    const KNOWN: [(&str, &str); 6] = [
        (kuberay::API_VERSION, "RayCluster"),
        (kuberay::API_VERSION, "RayJob"),
        (kuberay::API_VERSION, "RayService"),
        (kuberay::API_VERSION, "RayCronJob"),
        ("v1", "ConfigMap"),
        ("v1", "PersistentVolumeClaim"),
    ];
    static SCHEMAS: [OnceLock<Option<Schema>>; 6] = [const { OnceLock::new() }; 6];
    let index = KNOWN
        .iter()
        .position(|(a, k)| *a == api_version && *k == kind)?;
    SCHEMAS[index]
        .get_or_init(|| Schema::lazy(embedded::text(api_version, kind)?, None))
        .as_ref()
}

/// True when a validation found something that must fail the run.
pub fn has_errors(diags: &[Diagnostic]) -> bool {
    diags
        .iter()
        .any(|d| d.severity == Severity::Error && d.suppressed_by.is_none())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::{Limits, parse_documents};

    fn findings(yaml: &str, version: &str) -> Vec<Diagnostic> {
        let docs = parse_documents("t.yaml", yaml, Limits::USER).unwrap();
        let objects: Vec<Object> = docs
            .iter()
            .map(|d| Object {
                file: &d.file,
                node: &d.node,
            })
            .collect();
        let ctx = Context {
            kuberay_version: version.parse().unwrap(),
            ..Context::default()
        };
        validate(&objects, &ctx)
            .diagnostics
            .into_iter()
            .filter(|d| d.code.as_str().starts_with("RAY1"))
            .collect()
    }

    const HEAD_REPLICAS: &str = "apiVersion: ray.io/v1\nkind: RayCluster\nmetadata:\n  name: c\nspec:\n  headGroupSpec:\n    replicas: 1\n    rayStartParams: {}\n    template:\n      spec:\n        containers: [{name: ray-head, image: rayproject/ray:2.9.0}]\n";

    #[test]
    fn a_removed_field_is_valid_for_the_versions_that_had_it() {
        assert!(findings(HEAD_REPLICAS, "v1.0").is_empty());
        let job = "apiVersion: ray.io/v1\nkind: RayJob\nmetadata:\n  name: j\nspec:\n  entrypoint: python x.py\n  runtimeEnv: e30=\n  deletionPolicy: DeleteCluster\n";
        let on_v1_0 = findings(job, "v1.0");
        assert_eq!(on_v1_0.len(), 1, "{on_v1_0:?}");
        assert_eq!(on_v1_0[0].code, codes::FIELD_VERSION);
        assert!(
            on_v1_0[0]
                .message
                .contains("only KubeRay v1.3 to v1.4 had it")
        );
        let on_v1_3 = findings(job, "v1.3");
        assert_eq!(on_v1_3.len(), 1, "{on_v1_3:?}");
        assert_eq!(on_v1_3[0].path.as_deref(), Some("spec.runtimeEnv"));
    }

    #[test]
    fn a_mistyped_value_is_one_finding_not_also_a_cel_failure() {
        let job = "apiVersion: ray.io/v1\nkind: RayJob\nmetadata:\n  name: j\nspec:\n  entrypoint: python x.py\n  managedBy: {a: 1}\n  deletionStrategy: [1]\n";
        let d = findings(job, "v1.7");
        let found: Vec<&str> = d.iter().map(|d| d.code.as_str()).collect();
        assert_eq!(found, [codes::WRONG_TYPE, codes::WRONG_TYPE], "{d:?}");
        let bad_value = "apiVersion: ray.io/v1\nkind: RayJob\nmetadata:\n  name: j\nspec:\n  entrypoint: python x.py\n  managedBy: me\n";
        let d = findings(bad_value, "v1.7");
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(d[0].code, codes::CRD_RULE);
    }

    #[test]
    fn a_removed_field_on_a_newer_target_names_the_versions_that_had_it() {
        let d = findings(HEAD_REPLICAS, "v1.7");
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(d[0].code, codes::FIELD_VERSION);
        assert_eq!(d[0].pos, crate::load::node::Pos { line: 7, col: 5 });
        assert_eq!(
            d[0].message,
            "field `replicas` is not known to KubeRay v1.7; only KubeRay v1.0 had it"
        );
        assert_eq!(d[0].path.as_deref(), Some("spec.headGroupSpec.replicas"));
    }

    #[test]
    fn a_misspelling_stays_an_unknown_field_in_every_version() {
        let typo = HEAD_REPLICAS.replace("replicas", "replicsa");
        for version in KubeRayVersion::iter() {
            let d = findings(&typo, version.as_str());
            assert_eq!(d.len(), 1, "{version}: {d:?}");
            assert_eq!(d[0].code, codes::UNKNOWN_FIELD);
        }
        // Inside lists too: `workloadRef` is a v1.6 pod field, `workloadRefs` nothing.
        let pod = |key: &str| {
            format!(
                "apiVersion: ray.io/v1\nkind: RayCluster\nmetadata:\n  name: c\nspec:\n  headGroupSpec:\n    template:\n      spec:\n        {key}: {{name: w, podGroup: g}}\n        containers: [{{name: ray-head, image: rayproject/ray:2.9.0}}]\n"
            )
        };
        assert!(findings(&pod("workloadRef"), "v1.6").is_empty());
        assert_eq!(
            findings(&pod("workloadRef"), "v1.7")[0].code,
            codes::FIELD_VERSION
        );
        assert_eq!(
            findings(&pod("workloadRefs"), "v1.6")[0].code,
            codes::UNKNOWN_FIELD
        );
    }

    #[test]
    fn paths_are_normalised_like_field_versions() {
        assert_eq!(
            normalised_path("spec.workerGroupSpecs[10].template.spec.containers[0].x"),
            "spec.workerGroupSpecs[].template.spec.containers[].x"
        );
        assert_eq!(
            normalised_path("a.limits[\"nvidia.com/gpu\"].b"),
            "a.limits{}.b"
        );
        assert_eq!(normalised_path("a[1"), "a[1");
        assert_eq!(normalised_path(""), "");
    }
}
