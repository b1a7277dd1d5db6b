//! `ray.io/v1alpha1` objects. Every KubeRay CRD v1.0–v1.7 still serves that
//! version for RayCluster, RayJob and RayService, with a schema that is the
//! v1 schema of the same release minus the fields added since v1alpha1 was
//! frozen, and with slightly different required fields. rayc checks such an
//! object with the v1 model, the `v1alpha1/<Kind>` rows of
//! `field_versions.txt` (derived from the CRDs' v1alpha1 schemas) and the
//! required-field differences below (both kept true by
//! `tests/it/kuberay_model.rs`). Why not a second model: docs/adr/0005-v1alpha1-schema.md.

use crate::diag::{Diagnostic, codes};
use crate::load::node::{Entry, Node, Value};
use crate::model::kuberay::{self, KubeRayVersion, alpha_kind, present_in};
use crate::schema::{Schema, SchemaError, validate_with};

use super::identity::ALPHA_API_VERSION;

/// Fields v1alpha1 requires and the v1 model does not: (kind, parent path, field).
pub const ALPHA_REQUIRED: &[(&str, &str, &str)] = &[
    ("RayCluster", "spec.headGroupSpec", "rayStartParams"),
    ("RayCluster", "spec.workerGroupSpecs[]", "rayStartParams"),
    ("RayJob", "spec", "entrypoint"),
    (
        "RayJob",
        "spec.rayClusterSpec.headGroupSpec",
        "rayStartParams",
    ),
    (
        "RayJob",
        "spec.rayClusterSpec.workerGroupSpecs[]",
        "rayStartParams",
    ),
    (
        "RayService",
        "spec.rayClusterConfig.headGroupSpec",
        "rayStartParams",
    ),
    (
        "RayService",
        "spec.rayClusterConfig.workerGroupSpecs[]",
        "rayStartParams",
    ),
];

/// Fields the v1 model requires and v1alpha1 does not: (kind, path).
pub const ALPHA_OPTIONAL: &[(&str, &str)] = &[("RayService", "spec.rayClusterConfig")];

/// The deprecation warning every v1alpha1 object gets.
pub(super) fn deprecation(file: &str, node: &Node, version: KubeRayVersion) -> Diagnostic {
    let v1 = kuberay::API_VERSION;
    Diagnostic::warning(
        codes::DEPRECATED_API_VERSION,
        file,
        node.get("apiVersion").map_or(node.pos, |n| n.pos),
        format!(
            "{ALPHA_API_VERSION} is deprecated: KubeRay {version} still serves it, but stores {v1} and adds new fields only there"
        ),
    )
    .with_help(format!(
        "change to `apiVersion: {v1}`; the fields of {ALPHA_API_VERSION} mean the same there"
    ))
    .with_path("apiVersion")
}

/// Schema errors of a v1alpha1 object for KubeRay `version`.
pub(super) fn check(
    node: &Node,
    schema: &Schema,
    kind: &str,
    version: KubeRayVersion,
) -> Vec<SchemaError> {
    let alpha = alpha_kind(kind);
    let mut visit = |path: &str, entry: &Entry| {
        super::version_check(kind, path, entry, version)
            .or_else(|| v1_only(kind, &alpha, path, entry, version))
    };
    let mut errors: Vec<SchemaError> = validate_with(node, schema, &mut visit)
        .into_iter()
        .filter(|e| {
            !(e.code == codes::MISSING_REQUIRED
                && ALPHA_OPTIONAL.contains(&(kind, e.path.as_str())))
        })
        .filter_map(|e| super::removed_field(&alpha, e, version))
        .collect();
    for (_, parent, field) in ALPHA_REQUIRED.iter().filter(|(k, _, _)| *k == kind) {
        for (path, at) in nodes_at(node, parent) {
            if matches!(at.value, Value::Map(_)) && at.get(field).is_none() {
                errors.push(
                    SchemaError::new(
                        codes::MISSING_REQUIRED,
                        at.pos,
                        format!("{path}.{field}"),
                        format!("missing required field \"{field}\" (required in {ALPHA_API_VERSION})"),
                    )
                    .with_help(format!(
                        "add `{field}:` (`{{}}` will do), or change to `apiVersion: {}`, which does not require it",
                        kuberay::API_VERSION
                    )),
                );
            }
        }
    }
    errors
}

/// A field of the v1 model that the target version serves only as v1.
fn v1_only(
    kind: &str,
    alpha: &str,
    path: &str,
    entry: &Entry,
    version: KubeRayVersion,
) -> Option<SchemaError> {
    if present_in(alpha, path, version) || !present_in(kind, path, version) {
        return None;
    }
    Some(
        SchemaError::new(
            codes::FIELD_VERSION,
            entry.key_pos,
            "",
            format!(
                "field `{}` is not part of {ALPHA_API_VERSION}: KubeRay {version} has it only in {}",
                entry.key,
                kuberay::API_VERSION
            ),
        )
        .with_help(format!(
            "change to `apiVersion: {}` (the API server would drop the field from a {ALPHA_API_VERSION} object)",
            kuberay::API_VERSION
        )),
    )
}

/// The nodes at a dotted path whose segments may end in `[]` (every item),
/// with their concrete paths (`spec.workerGroupSpecs[1]`).
pub(super) fn nodes_at<'a>(root: &'a Node, path: &str) -> Vec<(String, &'a Node)> {
    let mut found = vec![(String::new(), root)];
    for segment in path.split('.') {
        let (key, each) = match segment.strip_suffix("[]") {
            Some(key) => (key, true),
            None => (segment, false),
        };
        let mut next = Vec::new();
        for (at, node) in found {
            let Some(child) = node.get(key) else { continue };
            let here = if at.is_empty() {
                key.to_owned()
            } else {
                format!("{at}.{key}")
            };
            match (&child.value, each) {
                (Value::Seq(items), true) => {
                    next.extend(
                        items
                            .iter()
                            .enumerate()
                            .map(|(i, item)| (format!("{here}[{i}]"), item)),
                    );
                }
                (_, false) => next.push((here, child)),
                _ => {}
            }
        }
        found = next;
    }
    found
}
