//! Extended resources (GPUs, TPUs): requests equal limits, never a request alone.

use crate::rules::registry::Check;
use crate::rules::view::{clusters, key, scalar_text};
use crate::rules::{Input, Sink};

use super::is_extended;

declare_rule! {
    /// ## What it does
    /// Checks that an extended resource (`nvidia.com/gpu`, `google.com/tpu`,
    /// …) requested by a Ray pod container has a limit equal to its request.
    ///
    /// ## Why is this bad?
    /// Kubernetes cannot overcommit extended resources and rejects a pod
    /// whose request and limit differ; the operator's pods never start.
    ///
    /// ## Example
    /// ```yaml
    /// resources:
    ///   requests:
    ///     nvidia.com/gpu: 1
    ///   limits:
    ///     nvidia.com/gpu: 2
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// resources:
    ///   requests:
    ///     nvidia.com/gpu: 2
    ///   limits:
    ///     nvidia.com/gpu: 2
    /// ```
    ///
    /// ## References
    /// - [Kubernetes: extended resources](https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/#extended-resources)
    pub(crate) struct ExtendedResourceMismatch;
}

impl Check for ExtendedResourceMismatch {
    fn check(input: &Input, sink: &mut Sink) {
        for cluster in clusters(input.objects) {
            for group in cluster.groups() {
                for c in group
                    .init_containers()
                    .into_iter()
                    .chain(group.containers())
                {
                    let limits = c.resource_entries("limits");
                    for req in c
                        .resource_entries("requests")
                        .iter()
                        .filter(|e| is_extended(&e.key))
                    {
                        let Some(limit) = limits.iter().find(|l| l.key == req.key) else {
                            continue;
                        };
                        let (r, l) = (scalar_text(&req.value), scalar_text(&limit.value));
                        if r != l {
                            sink.report(
                                cluster.obj,
                                req.value.pos,
                                key(&c.at("resources.requests"), &req.key),
                                format!(
                                    "{} requests {} {} but limits it to {}",
                                    c.name().unwrap_or("container"),
                                    r.unwrap_or_default(),
                                    req.key,
                                    l.unwrap_or_default()
                                ),
                                format!(
                                    "set the request and the limit of {} to the same count",
                                    req.key
                                ),
                            );
                        }
                    }
                }
            }
        }
    }
}

declare_rule! {
    /// ## What it does
    /// Flags an extended resource (`nvidia.com/gpu`, `google.com/tpu`, …)
    /// that a Ray pod container requests without a limit.
    ///
    /// ## Why is this bad?
    /// Kubernetes requires a limit for extended resources (a limit alone
    /// sets the request too, not the other way round); the API server
    /// rejects the pod.
    ///
    /// ## Example
    /// ```yaml
    /// resources:
    ///   requests:
    ///     nvidia.com/gpu: 1
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// resources:
    ///   limits:
    ///     nvidia.com/gpu: 1
    /// ```
    pub(crate) struct ExtendedResourceWithoutLimit;
}

impl Check for ExtendedResourceWithoutLimit {
    fn check(input: &Input, sink: &mut Sink) {
        for cluster in clusters(input.objects) {
            for group in cluster.groups() {
                for c in group
                    .init_containers()
                    .into_iter()
                    .chain(group.containers())
                {
                    let limits = c.resource_entries("limits");
                    for req in c
                        .resource_entries("requests")
                        .iter()
                        .filter(|e| is_extended(&e.key))
                    {
                        if limits.iter().any(|l| l.key == req.key) {
                            continue;
                        }
                        sink.report(
                            cluster.obj,
                            req.key_pos,
                            key(&c.at("resources.requests"), &req.key),
                            format!(
                                "{} requests {} without a limit",
                                c.name().unwrap_or("container"),
                                req.key
                            ),
                            format!("add {} under resources.limits with the same count", req.key),
                        );
                    }
                }
            }
        }
    }
}
