//! Required fields as the target version's CRD has them. The typed model
//! requires what the newest CRD requires; `field_versions.txt` lists, from
//! the CRDs of every release, the fields where an older one differs (its
//! `required` rows): CRDs before v1.4 require `rayStartParams` in every group,
//! v1.0–v1.1 a RayJob `entrypoint`; a RayService needs `rayClusterConfig`
//! only from v1.4.

use crate::diag::codes;
use crate::load::node::{Node, Value};
use crate::model::kuberay::{KubeRayVersion, required_differences};
use crate::schema::SchemaError;

use super::alpha::nodes_at;

/// Adds the target version's required fields the model does not require,
/// and drops the model's that the target version does not require.
pub(super) fn apply(
    kind: &str,
    node: &Node,
    version: KubeRayVersion,
    errors: &mut Vec<SchemaError>,
) {
    for (path, required_here, required_by_model) in required_differences(kind, version) {
        let (parent, field) = path.rsplit_once('.').unwrap_or(("", path));
        if !required_here {
            errors.retain(|e| !(e.code == codes::MISSING_REQUIRED && normalised(&e.path) == path));
            continue;
        }
        if required_by_model {
            continue;
        }
        let parents = if parent.is_empty() {
            vec![(String::new(), node)]
        } else {
            nodes_at(node, parent)
        };
        for (at, holder) in parents {
            if matches!(holder.value, Value::Map(_)) && holder.get(field).is_none() {
                let full = if at.is_empty() {
                    field.to_owned()
                } else {
                    format!("{at}.{field}")
                };
                errors.push(
                    SchemaError::new(
                        codes::MISSING_REQUIRED,
                        holder.pos,
                        full,
                        format!(
                            "missing required field \"{field}\" (the KubeRay {version} CRD requires it)"
                        ),
                    )
                    .with_help(format!(
                        "add `{field}:`{}; the API server of {version} refuses the object without it",
                        if field == "rayStartParams" { " (`{}` will do)" } else { "" }
                    )),
                );
            }
        }
    }
}

/// `a[0].b[12].c` → `a[].b[].c`, as the table writes paths.
fn normalised(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut in_index = false;
    for c in path.chars() {
        match c {
            '[' => {
                in_index = true;
                out.push('[');
            }
            ']' => {
                in_index = false;
                out.push(']');
            }
            c if in_index && c.is_ascii_digit() => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::{Limits, parse_documents};

    #[test]
    fn paths_lose_their_indices() {
        assert_eq!(
            normalised("spec.workerGroupSpecs[10].rayStartParams"),
            "spec.workerGroupSpecs[].rayStartParams"
        );
        assert_eq!(
            normalised("limits[\"nvidia.com/gpu\"]"),
            "limits[\"nvidia.com/gpu\"]"
        );
    }

    #[test]
    fn ray_start_params_are_required_before_v1_4() {
        let yaml = "apiVersion: ray.io/v1\nkind: RayCluster\nmetadata: {name: a}\nspec:\n  headGroupSpec:\n    template: {}\n  workerGroupSpecs:\n    - groupName: w\n      rayStartParams: {}\n      template: {}\n    - groupName: x\n      template: {}\n";
        let docs = parse_documents("t.yaml", yaml, Limits::USER).unwrap();
        let mut errors = Vec::new();
        apply(
            "RayCluster",
            &docs[0].node,
            KubeRayVersion::V1_3,
            &mut errors,
        );
        let paths: Vec<&str> = errors.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "spec.headGroupSpec.rayStartParams",
                "spec.workerGroupSpecs[1].rayStartParams"
            ]
        );
        let mut errors = Vec::new();
        apply(
            "RayCluster",
            &docs[0].node,
            KubeRayVersion::V1_4,
            &mut errors,
        );
        assert!(errors.is_empty());
    }
}
