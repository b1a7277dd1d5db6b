//! The CRDs' CEL rules (`x-kubernetes-validations`) that need no previous
//! object, written out by hand: the rules are few and fixed per release, and
//! the rest (`self == oldSelf`) only the API server can check on update.

use crate::diag::codes;
use crate::load::node::{Node, Value};
use crate::schema::SchemaError;

const MANAGED_BY: [&str; 2] = ["ray.io/kuberay-operator", "kueue.x-k8s.io/multikueue"];

/// Checks every CEL rule of `kind`'s v1 schema on `object`.
pub fn check(kind: &str, object: &Node) -> Vec<SchemaError> {
    let mut errors = Vec::new();
    let Some(spec) = object.get("spec") else {
        return errors;
    };
    match kind {
        "RayCluster" => managed_by(spec, "spec", &mut errors),
        "RayJob" => job(spec, "spec", &mut errors),
        "RayService" => {
            managed_by(spec, "spec", &mut errors);
            if let Some(cluster) = spec.get("rayClusterConfig") {
                managed_by(cluster, "spec.rayClusterConfig", &mut errors);
            }
        }
        "RayCronJob" => {
            if let Some(job_spec) = spec.get("jobTemplate") {
                job(job_spec, "spec.jobTemplate", &mut errors);
            }
        }
        _ => {}
    }
    errors
}

fn job(spec: &Node, path: &str, errors: &mut Vec<SchemaError>) {
    managed_by(spec, path, errors);
    if let Some(cluster) = spec.get("rayClusterSpec") {
        managed_by(cluster, &format!("{path}.rayClusterSpec"), errors);
    }
    let Some(strategy) = spec.entry("deletionStrategy") else {
        return;
    };
    let here = format!("{path}.deletionStrategy");
    let has = |key: &str| strategy.value.get(key).is_some_and(|n| !n.is_null());
    let legacy = has("onSuccess") || has("onFailure");
    if legacy && has("deletionRules") {
        errors.push(rule_error(
            strategy.key_pos,
            &here,
            "legacy policies (onSuccess/onFailure) and deletionRules cannot be used together within the same deletionStrategy",
            "keep either `onSuccess` + `onFailure` or `deletionRules`",
        ));
    } else if !((has("onSuccess") && has("onFailure")) || has("deletionRules")) {
        errors.push(rule_error(
            strategy.key_pos,
            &here,
            "deletionStrategy requires either BOTH onSuccess and onFailure, OR the deletionRules field (cannot be empty)",
            "add the missing `onSuccess`/`onFailure`, or use `deletionRules`",
        ));
    }
    if let Some(Value::Seq(rules)) = strategy.value.get("deletionRules").map(|n| &n.value) {
        for (i, rule) in rules.iter().enumerate() {
            let Some(condition) = rule.entry("condition") else {
                continue;
            };
            let has = |key: &str| condition.value.get(key).is_some_and(|n| !n.is_null());
            let path = format!("{here}.deletionRules[{i}].condition");
            if has("jobStatus") && has("jobDeploymentStatus") {
                errors.push(rule_error(
                    condition.key_pos,
                    &path,
                    "JobStatus and JobDeploymentStatus cannot be used together within the same deletion condition",
                    "keep one of `jobStatus` and `jobDeploymentStatus`",
                ));
            } else if !has("jobStatus") && !has("jobDeploymentStatus") {
                errors.push(rule_error(
                    condition.key_pos,
                    &path,
                    "the deletion condition requires either the JobStatus or the JobDeploymentStatus field",
                    "add `jobStatus: SUCCEEDED` (or FAILED), or a `jobDeploymentStatus`",
                ));
            }
        }
    }
}

fn managed_by(spec: &Node, path: &str, errors: &mut Vec<SchemaError>) {
    let Some(entry) = spec.entry("managedBy") else {
        return;
    };
    let Some(value) = entry.value.as_str() else {
        return;
    };
    if !MANAGED_BY.contains(&value) {
        errors.push(
            SchemaError::new(
                codes::CRD_RULE,
                entry.value.pos,
                format!("{path}.managedBy"),
                format!("the managedBy field value must be either 'ray.io/kuberay-operator' or 'kueue.x-k8s.io/multikueue', not {value:?}"),
            )
            .with_help("leave `managedBy` out (KubeRay manages the object), or set it to kueue.x-k8s.io/multikueue for MultiKueue"),
        );
    }
}

fn rule_error(pos: crate::load::node::Pos, path: &str, message: &str, help: &str) -> SchemaError {
    SchemaError::new(codes::CRD_RULE, pos, path, message).with_help(help)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::{Limits, parse_documents};

    fn errors(kind: &str, yaml: &str) -> Vec<SchemaError> {
        let docs = parse_documents("t.yaml", yaml, Limits::USER).unwrap();
        check(kind, &docs[0].node)
    }

    #[test]
    fn managed_by_must_be_a_known_manager() {
        let e = errors("RayJob", "spec:\n  managedBy: me\n");
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].path, "spec.managedBy");
        assert_eq!(e[0].pos.line, 2);
        assert!(errors("RayJob", "spec:\n  managedBy: kueue.x-k8s.io/multikueue\n").is_empty());
        assert_eq!(
            errors(
                "RayService",
                "spec:\n  rayClusterConfig:\n    managedBy: x\n"
            )
            .len(),
            1
        );
    }

    #[test]
    fn deletion_strategy_combinations() {
        let legacy_only_one =
            "spec:\n  deletionStrategy:\n    onSuccess: {policy: DeleteCluster}\n";
        assert_eq!(errors("RayJob", legacy_only_one).len(), 1);
        let both = "spec:\n  deletionStrategy:\n    onSuccess: {policy: DeleteCluster}\n    onFailure: {policy: DeleteNone}\n";
        assert!(errors("RayJob", both).is_empty());
        let mixed = "spec:\n  deletionStrategy:\n    onSuccess: {policy: DeleteCluster}\n    deletionRules: []\n";
        assert_eq!(errors("RayJob", mixed).len(), 1);
        let bad_condition = "spec:\n  jobTemplate:\n    deletionStrategy:\n      deletionRules:\n        - policy: DeleteCluster\n          condition: {jobStatus: SUCCEEDED, jobDeploymentStatus: Complete}\n";
        let e = errors("RayCronJob", bad_condition);
        assert_eq!(e.len(), 1);
        assert_eq!(
            e[0].path,
            "spec.jobTemplate.deletionStrategy.deletionRules[0].condition"
        );
    }
}
