//! Negative resource quantities, which the CRD's quantity pattern lets through.

use std::fmt::Write as _;

use crate::load::node::{Node, Value};
use crate::model::quantity::parse_quantity;
use crate::rules::registry::Check;
use crate::rules::view::{child, entries, join, key};
use crate::rules::{Input, Sink};

declare_rule! {
    /// ## What it does
    /// Checks that no resource request or limit is negative, anywhere in a
    /// ray.io object (containers, pod-level resources, the autoscaler, the
    /// submitter).
    ///
    /// ## Why is this bad?
    /// The CRD's quantity pattern accepts a leading minus (`cpu: '-1'`), so the
    /// object is admitted, but the API server rejects the pods the operator
    /// then creates.
    ///
    /// ## Example
    /// ```yaml
    /// resources:
    ///   limits:
    ///     cpu: "-1"
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// resources:
    ///   limits:
    ///     cpu: "1"
    /// ```
    ///
    /// ## References
    /// - [Kubernetes resource units](https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/#resource-units-in-kubernetes)
    pub(crate) struct NegativeQuantity;
}

impl Check for NegativeQuantity {
    fn check(input: &Input, sink: &mut Sink) {
        for obj in input.objects.iter().filter(|o| o.is_ray()) {
            let Some(spec) = obj.spec() else { continue };
            let mut found = Vec::new();
            find_negative(spec, &mut String::from("spec"), &mut found);
            for (node, path, name) in found {
                sink.report(
                    obj,
                    node.pos,
                    path,
                    format!("{name} quantity {} is negative", show(node)),
                    "resource quantities must be zero or positive",
                );
            }
        }
    }
}

fn show(node: &Node) -> String {
    match &node.value {
        Value::Str(s) => format!("'{s}'"),
        Value::Int(i) => i.to_string(),
        _ => String::new(),
    }
}

/// A well-formed negative quantity, which the CRD admits. A float or a
/// malformed string is the schema's (RAY104): the API server refuses those.
fn is_negative(node: &Node) -> bool {
    match &node.value {
        Value::Str(s) => parse_quantity(s).is_ok_and(|q| q.is_negative()),
        Value::Int(i) => *i < 0,
        _ => false,
    }
}

/// Finds `resources.{limits,requests}.<name>` values below zero. `path` is
/// one buffer for the walk (this visits every node of every object): a
/// path string is made only for a finding.
fn find_negative<'a>(
    node: &'a Node,
    path: &mut String,
    out: &mut Vec<(&'a Node, String, &'a str)>,
) {
    match &node.value {
        Value::Map(map) => {
            for e in map {
                let len = path.len();
                crate::diag::path::push_key(path, &e.key);
                if e.key == "resources" {
                    for which in ["limits", "requests"] {
                        for q in entries(child(&e.value, which)) {
                            if is_negative(&q.value) {
                                out.push((&q.value, key(&join(path, which), &q.key), &q.key));
                            }
                        }
                    }
                }
                find_negative(&e.value, path, out);
                path.truncate(len);
            }
        }
        Value::Seq(items) => {
            for (i, item) in items.iter().enumerate() {
                let len = path.len();
                let _ = write!(path, "[{i}]");
                find_negative(item, path, out);
                path.truncate(len);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn findings_name_the_path_through_lists_and_odd_keys() {
        let text = "a:\n  containers:\n  - name: x\n  - resources:\n      limits:\n        cpu: '-1'\n      requests:\n        nvidia.com/gpu: -2\n";
        let node: Node = serde_saphyr::from_str(text).unwrap();
        let mut found = Vec::new();
        let mut path = String::from("spec");
        find_negative(&node, &mut path, &mut found);
        assert_eq!(path, "spec", "the buffer is restored");
        let paths: Vec<&str> = found.iter().map(|(_, p, _)| p.as_str()).collect();
        assert_eq!(
            paths,
            [
                "spec.a.containers[1].resources.limits.cpu",
                "spec.a.containers[1].resources.requests[\"nvidia.com/gpu\"]"
            ]
        );
    }
}
