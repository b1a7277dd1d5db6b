//! Worker group names: DNS-1123 labels, unique within a cluster.

use std::collections::BTreeMap;

use crate::rules::registry::Check;
use crate::rules::view::{child, clusters};
use crate::rules::{Input, Sink};

use super::is_dns1123_label;

declare_rule! {
    /// ## What it does
    /// Checks that every `groupName` is a DNS-1123 label: lower-case letters,
    /// digits and `-`, alphanumeric at both ends, at most 63 characters.
    ///
    /// ## Why is this bad?
    /// KubeRay puts the group name into pod names and labels; pods named
    /// with upper-case letters or `_` are rejected by the API server, and
    /// with a network policy the operator rejects the cluster.
    ///
    /// ## Example
    /// ```yaml
    /// workerGroupSpecs:
    ///   - groupName: GPU_Workers
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// workerGroupSpecs:
    ///   - groupName: gpu-workers
    /// ```
    pub(crate) struct InvalidGroupName;
}

impl Check for InvalidGroupName {
    fn check(input: &Input, sink: &mut Sink) {
        for cluster in clusters(input.objects) {
            for group in cluster.workers() {
                let Some(node) = child(group.node, "groupName") else {
                    continue;
                };
                let Some(name) = node.as_str() else { continue };
                if !is_dns1123_label(name) {
                    sink.report(
                        cluster.obj,
                        node.pos,
                        group.at("groupName"),
                        format!("groupName `{name}` is not a DNS-1123 label"),
                        "use at most 63 lower-case letters, digits and '-', starting and ending with a letter or digit",
                    );
                }
            }
        }
    }
}

declare_rule! {
    /// ## What it does
    /// Checks that no two worker groups of one cluster share a `groupName`.
    ///
    /// ## Why is this bad?
    /// The operator tells groups apart by name: pods of both groups get the
    /// same labels, and scaling one group counts the other's pods.
    ///
    /// ## Example
    /// ```yaml
    /// workerGroupSpecs:
    ///   - groupName: workers
    ///     replicas: 2
    ///   - groupName: workers
    ///     replicas: 1
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// workerGroupSpecs:
    ///   - groupName: cpu-workers
    ///     replicas: 2
    ///   - groupName: gpu-workers
    ///     replicas: 1
    /// ```
    pub(crate) struct DuplicateGroupName;
}

impl Check for DuplicateGroupName {
    fn check(input: &Input, sink: &mut Sink) {
        for cluster in clusters(input.objects) {
            let mut seen: BTreeMap<&str, String> = BTreeMap::new();
            for group in cluster.workers() {
                let Some(node) = child(group.node, "groupName") else {
                    continue;
                };
                let Some(name) = node.as_str() else { continue };
                match seen.get(name) {
                    Some(first) => sink.report(
                        cluster.obj,
                        node.pos,
                        group.at("groupName"),
                        format!("groupName `{name}` is already used by {first}"),
                        "give every worker group its own name",
                    ),
                    None => {
                        seen.insert(name, group.path.clone());
                    }
                }
            }
        }
    }
}
