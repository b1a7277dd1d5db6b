//! Where a RayJob's cluster comes from: its own `rayClusterSpec` or an
//! existing cluster picked by `clusterSelector`, never both or neither.

use crate::load::node::Node;
use crate::rules::registry::Check;
use crate::rules::view::{as_int, child, entries, jobs, key_pos};
use crate::rules::{Input, Sink};

use super::deletion_policies;

declare_rule! {
    /// ## What it does
    /// Checks that a RayJob (or a RayCronJob's job template) sets exactly one
    /// of `rayClusterSpec` and `clusterSelector`.
    ///
    /// ## Why is this bad?
    /// With neither, the job has no cluster to run on and the operator
    /// rejects it. With both, the operator uses the existing cluster and
    /// silently ignores the whole `rayClusterSpec`.
    ///
    /// ## Example
    /// ```yaml
    /// spec:
    ///   entrypoint: python train.py
    ///   clusterSelector:
    ///     ray.io/cluster: shared
    ///   rayClusterSpec:
    ///     headGroupSpec: {}
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// spec:
    ///   entrypoint: python train.py
    ///   clusterSelector:
    ///     ray.io/cluster: shared
    /// ```
    pub(crate) struct ClusterSourceNotExactlyOne;
}

impl Check for ClusterSourceNotExactlyOne {
    fn check(input: &Input, sink: &mut Sink) {
        for job in jobs(input.objects) {
            let has_spec = job.get("rayClusterSpec").is_some();
            let has_selector = job.uses_cluster_selector();
            if has_spec && has_selector {
                sink.report(
                    job.obj,
                    key_pos(job.spec, "clusterSelector"),
                    job.at("clusterSelector"),
                    "both clusterSelector and rayClusterSpec are set; the operator uses the selected cluster and ignores rayClusterSpec",
                    "keep rayClusterSpec to create a cluster for the job, or clusterSelector to use an existing one",
                );
            } else if !has_spec && !has_selector {
                sink.report(
                    job.obj,
                    job.spec.pos,
                    job.at("rayClusterSpec"),
                    "neither rayClusterSpec nor clusterSelector is set; the job has no cluster to run on",
                    "add rayClusterSpec, or clusterSelector: {ray.io/cluster: <name>} for an existing cluster",
                );
            }
        }
    }
}

declare_rule! {
    /// ## What it does
    /// Flags settings that do not work with `clusterSelector` (a job on an
    /// existing cluster): `suspend: true`, `submissionMode: SidecarMode`, a
    /// `backoffLimit` above 0, deletion policies that delete the cluster or
    /// its workers, and a selector without a `ray.io/cluster` name.
    ///
    /// ## Why is this bad?
    /// The job does not own the selected cluster: it cannot suspend it, run
    /// a sidecar in its head, recreate it for retries or delete it. The
    /// operator rejects these combinations.
    ///
    /// ## Example
    /// ```yaml
    /// spec:
    ///   clusterSelector:
    ///     ray.io/cluster: shared
    ///   submissionMode: SidecarMode
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// spec:
    ///   clusterSelector:
    ///     ray.io/cluster: shared
    ///   submissionMode: K8sJobMode
    /// ```
    pub(crate) struct ClusterSelectorConflict;
}

impl Check for ClusterSelectorConflict {
    fn check(input: &Input, sink: &mut Sink) {
        const HELP: &str = "a job on an existing cluster cannot suspend, retry, delete or host a sidecar in that cluster; remove the setting or let the job create its own cluster";
        for job in jobs(input.objects)
            .iter()
            .filter(|j| j.uses_cluster_selector())
        {
            let selector = job.get("clusterSelector");
            let name = selector
                .and_then(|s| child(s, "ray.io/cluster"))
                .and_then(Node::as_str);
            if name.is_none_or(str::is_empty) {
                sink.report(
                    job.obj,
                    key_pos(job.spec, "clusterSelector"),
                    job.at("clusterSelector"),
                    format!(
                        "clusterSelector has no ray.io/cluster name (keys: {})",
                        entries(selector)
                            .iter()
                            .map(|e| e.key.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                    "select the cluster by name: clusterSelector: {ray.io/cluster: <name>}",
                );
            }
            if job.is_true("suspend") {
                let n = job.get("suspend").map_or(job.spec.pos, |n| n.pos);
                sink.report(
                    job.obj,
                    n,
                    job.at("suspend"),
                    "a job with clusterSelector cannot be suspended",
                    HELP,
                );
            }
            if job.mode() == "SidecarMode" {
                let n = job.get("submissionMode").map_or(job.spec.pos, |n| n.pos);
                sink.report(
                    job.obj,
                    n,
                    job.at("submissionMode"),
                    "SidecarMode does not work with clusterSelector",
                    HELP,
                );
            }
            if let Some(n) = job
                .get("backoffLimit")
                .filter(|n| as_int(n).is_some_and(|v| v > 0))
            {
                sink.report(
                    job.obj,
                    n.pos,
                    job.at("backoffLimit"),
                    "backoffLimit does not work with clusterSelector",
                    HELP,
                );
            }
            for p in deletion_policies(job)
                .iter()
                .filter(|p| matches!(p.name, "DeleteCluster" | "DeleteWorkers"))
            {
                sink.report(
                    job.obj,
                    p.node.pos,
                    p.path.clone(),
                    format!("deletion policy {} does not work with clusterSelector: the job does not own the cluster", p.name),
                    HELP,
                );
            }
        }
    }
}
