//! Plain number ranges: hosts per replica, container ports, int32 fields.

use crate::rules::registry::Check;
use crate::rules::view::{as_int, child, clusters, index, join, seq};
use crate::rules::{Input, Sink};

declare_rule! {
    /// ## What it does
    /// Checks that a worker group's `numOfHosts` is at least 1.
    ///
    /// ## Why is this bad?
    /// `numOfHosts` is the number of pods per replica (multi-host TPU slices);
    /// zero or less creates no pods at all.
    ///
    /// ## Example
    /// ```yaml
    /// workerGroupSpecs:
    ///   - groupName: tpu-group
    ///     numOfHosts: 0
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// workerGroupSpecs:
    ///   - groupName: tpu-group
    ///     numOfHosts: 2
    /// ```
    ///
    /// ## References
    /// - [KubeRay TPU guide](https://docs.ray.io/en/latest/cluster/kubernetes/user-guides/tpu.html)
    pub(crate) struct InvalidNumOfHosts;
}

impl Check for InvalidNumOfHosts {
    fn check(input: &Input, sink: &mut Sink) {
        for cluster in clusters(input.objects) {
            for group in cluster.workers() {
                let Some(node) = child(group.node, "numOfHosts") else {
                    continue;
                };
                if let Some(v) = as_int(node).filter(|v| *v < 1) {
                    sink.report(
                        cluster.obj,
                        node.pos,
                        group.at("numOfHosts"),
                        format!(
                            "numOfHosts of {} is {v}; each replica needs at least one host",
                            group.describe()
                        ),
                        "set numOfHosts to 1 (the default) or more",
                    );
                }
            }
        }
    }
}

declare_rule! {
    /// ## What it does
    /// Checks that every `containerPort` and `hostPort` of the Ray pods lies in 1..65535.
    ///
    /// ## Why is this bad?
    /// The API server rejects the pod, so the operator cannot create it; the
    /// RayCluster stays without pods and the reason is buried in events.
    ///
    /// ## Example
    /// ```yaml
    /// ports:
    ///   - containerPort: 82650
    ///     name: dashboard
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// ports:
    ///   - containerPort: 8265
    ///     name: dashboard
    /// ```
    pub(crate) struct PortOutOfRange;
}

impl Check for PortOutOfRange {
    fn check(input: &Input, sink: &mut Sink) {
        for cluster in clusters(input.objects) {
            for group in cluster.groups() {
                for c in group
                    .containers()
                    .into_iter()
                    .chain(group.init_containers())
                {
                    let base = c.at("ports");
                    for (i, port) in seq(child(c.node, "ports")).iter().enumerate() {
                        for key in ["containerPort", "hostPort"] {
                            let Some(node) = child(port, key) else {
                                continue;
                            };
                            if let Some(v) = as_int(node).filter(|v| !(1..=65535).contains(v)) {
                                sink.report(
                                    cluster.obj,
                                    node.pos,
                                    join(&index(&base, i), key),
                                    format!("{key} {v} is not a valid port number"),
                                    "use a port between 1 and 65535",
                                );
                            }
                        }
                    }
                }
            }
        }
    }
}
