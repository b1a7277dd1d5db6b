//! Pod-level `resources`, which KubeRay does not read.

use crate::rules::registry::Check;
use crate::rules::view::{clusters, entry};
use crate::rules::{Input, Sink};

declare_rule! {
    /// ## What it does
    /// Flags `resources` set at pod level (`template.spec.resources`) in a
    /// Ray pod template.
    ///
    /// ## Why is this bad?
    /// Pod-level resources are valid Kubernetes, but KubeRay derives the CPUs,
    /// GPUs and memory it advertises to Ray from the Ray container's
    /// `resources`. With pod-level resources only, Ray schedules tasks as if
    /// the pod had no limits (or none of its GPUs).
    ///
    /// ## Example
    /// ```yaml
    /// template:
    ///   spec:
    ///     resources:
    ///       limits:
    ///         cpu: "4"
    ///     containers:
    ///       - name: ray-worker
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// template:
    ///   spec:
    ///     containers:
    ///       - name: ray-worker
    ///         resources:
    ///           limits:
    ///             cpu: "4"
    /// ```
    pub(crate) struct PodLevelResources;
}

impl Check for PodLevelResources {
    fn check(input: &Input, sink: &mut Sink) {
        for cluster in clusters(input.objects) {
            for group in cluster.groups() {
                let Some((spec, path)) = group.pod_spec() else {
                    continue;
                };
                let Some(e) = entry(spec, "resources") else {
                    continue;
                };
                sink.report(
                    cluster.obj,
                    e.key_pos,
                    format!("{path}.resources"),
                    format!(
                        "pod-level resources in {} are not read by KubeRay; Ray's CPUs, GPUs and memory come from containers[0].resources",
                        group.describe()
                    ),
                    "move the requests and limits into the Ray container's resources",
                );
            }
        }
    }
}
