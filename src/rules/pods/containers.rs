//! The containers of Ray pods: at least one, and the Ray container first.

use crate::rules::registry::Check;
use crate::rules::view::{child, clusters, key_pos};
use crate::rules::{Input, Sink};

declare_rule! {
    /// ## What it does
    /// Checks that the head group and every worker group have at least one
    /// container in their pod template.
    ///
    /// ## Why is this bad?
    /// KubeRay runs Ray in `containers[0]`; with no container the operator
    /// rejects the cluster at reconcile time.
    ///
    /// ## Example
    /// ```yaml
    /// headGroupSpec:
    ///   template:
    ///     spec:
    ///       containers: []
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// headGroupSpec:
    ///   template:
    ///     spec:
    ///       containers:
    ///         - name: ray-head
    ///           image: rayproject/ray:2.52.0
    /// ```
    pub(crate) struct MissingContainers;
}

impl Check for MissingContainers {
    fn check(input: &Input, sink: &mut Sink) {
        for cluster in clusters(input.objects) {
            for group in cluster.groups() {
                if !group.containers().is_empty() {
                    continue;
                }
                let (pos, path) = match group.pod_spec() {
                    Some((spec, path)) => {
                        (key_pos(spec, "containers"), format!("{path}.containers"))
                    }
                    None => (
                        child(group.node, "template").map_or(group.node.pos, |t| t.pos),
                        group.at("template"),
                    ),
                };
                sink.report(
                    cluster.obj,
                    pos,
                    path,
                    format!(
                        "{} has no containers; KubeRay needs the Ray container at containers[0]",
                        group.describe()
                    ),
                    "add the Ray container (name and image) to template.spec.containers",
                );
            }
        }
    }
}

declare_rule! {
    /// ## What it does
    /// Flags a pod template whose first container does not look like the
    /// Ray container (neither its name nor its image mentions Ray) while a
    /// later one runs a Ray image.
    ///
    /// ## Why is this bad?
    /// KubeRay injects the `ray start` command, ports and environment into
    /// `containers[0]`. A sidecar listed first gets Ray's start command and
    /// the real Ray container never joins the cluster.
    ///
    /// ## Example
    /// ```yaml
    /// containers:
    ///   - name: log-shipper
    ///     image: fluent/fluent-bit:3.0
    ///   - name: ray-head
    ///     image: rayproject/ray:2.52.0
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// containers:
    ///   - name: ray-head
    ///     image: rayproject/ray:2.52.0
    ///   - name: log-shipper
    ///     image: fluent/fluent-bit:3.0
    /// ```
    ///
    /// ## References
    /// - [KubeRay: the Ray container must be first](https://docs.ray.io/en/latest/cluster/kubernetes/user-guides/config.html#pod-templates)
    pub(crate) struct RayContainerNotFirst;
}

impl Check for RayContainerNotFirst {
    fn check(input: &Input, sink: &mut Sink) {
        for cluster in clusters(input.objects) {
            for group in cluster.groups() {
                let containers = group.containers();
                let Some(first) = containers.first() else {
                    continue;
                };
                if first.looks_like_ray() {
                    continue;
                }
                // Only a Ray image is strong evidence: sidecars are often named `ray-…-exporter`.
                let Some(ray) = containers.iter().skip(1).find(|c| c.has_ray_image()) else {
                    continue;
                };
                let pos = child(first.node, "name").map_or(first.node.pos, |n| n.pos);
                sink.report(
                    cluster.obj,
                    pos,
                    first.path.clone(),
                    format!(
                        "containers[0] `{}` of {} is not the Ray container; `{}` at containers[{}] looks like it is",
                        first.name().unwrap_or("?"),
                        group.describe(),
                        ray.name().unwrap_or("?"),
                        ray.index
                    ),
                    "move the Ray container to the top of the containers list; KubeRay starts Ray in containers[0]",
                );
            }
        }
    }
}
