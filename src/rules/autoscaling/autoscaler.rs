//! In-tree autoscaler settings and the combinations the operator rejects.

use crate::load::node::Node;
use crate::rules::images::image_ref::Version;
use crate::rules::registry::Check;
use crate::rules::view::{
    Cluster, EnvVar, as_int, child, clusters, dig, entry, index, is_true, join, seq,
};
use crate::rules::{Input, Sink};

const V2_ENV: &str = "RAY_enable_autoscaler_v2";

fn v2_env<'a>(cluster: &Cluster<'a>) -> Option<EnvVar<'a>> {
    cluster.head()?.ray_container()?.env_var(V2_ENV)
}

fn env_value<'a>(var: &EnvVar<'a>) -> Option<&'a Node> {
    child(var.node, "value")
}

declare_rule! {
    /// ## What it does
    /// Flags `autoscalerOptions` on a cluster without
    /// `enableInTreeAutoscaling: true`.
    ///
    /// ## Why is this bad?
    /// The options configure the autoscaler sidecar, which only runs when
    /// in-tree autoscaling is on: they do nothing, and the cluster does not
    /// scale as the author expected.
    ///
    /// ## Example
    /// ```yaml
    /// spec:
    ///   autoscalerOptions:
    ///     idleTimeoutSeconds: 60
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// spec:
    ///   enableInTreeAutoscaling: true
    ///   autoscalerOptions:
    ///     idleTimeoutSeconds: 60
    /// ```
    pub(crate) struct AutoscalerOptionsWithoutAutoscaling;
}

impl Check for AutoscalerOptionsWithoutAutoscaling {
    fn check(input: &Input, sink: &mut Sink) {
        for cluster in clusters(input.objects).iter().filter(|c| !c.autoscaling()) {
            let Some(e) = entry(cluster.spec, "autoscalerOptions") else {
                continue;
            };
            sink.report(
                cluster.obj,
                e.key_pos,
                cluster.at("autoscalerOptions"),
                "autoscalerOptions does nothing: enableInTreeAutoscaling is not true",
                "set enableInTreeAutoscaling: true, or remove autoscalerOptions",
            );
        }
    }
}

declare_rule! {
    /// ## What it does
    /// Flags `RAY_enable_autoscaler_v2` set to `1` or `true` on the head's Ray
    /// container of a cluster without in-tree autoscaling.
    ///
    /// ## Why is this bad?
    /// Autoscaler v2 needs the autoscaler; the operator rejects the cluster.
    ///
    /// ## Example
    /// ```yaml
    /// spec:
    ///   headGroupSpec:
    ///     template:
    ///       spec:
    ///         containers:
    ///           - name: ray-head
    ///             env:
    ///               - name: RAY_enable_autoscaler_v2
    ///                 value: "1"
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// spec:
    ///   enableInTreeAutoscaling: true
    ///   autoscalerOptions:
    ///     version: v2
    /// ```
    pub(crate) struct AutoscalerV2EnvWithoutAutoscaling;
}

impl Check for AutoscalerV2EnvWithoutAutoscaling {
    fn check(input: &Input, sink: &mut Sink) {
        for cluster in clusters(input.objects).iter().filter(|c| !c.autoscaling()) {
            let Some(var) = v2_env(cluster) else { continue };
            let Some(value) = env_value(&var).filter(|v| matches!(v.as_str(), Some("1" | "true")))
            else {
                continue;
            };
            sink.report(
                cluster.obj,
                value.pos,
                join(&var.path, "value"),
                format!("{V2_ENV} is {} but enableInTreeAutoscaling is not true", value.as_str().unwrap_or("")),
                "set enableInTreeAutoscaling: true (and prefer autoscalerOptions.version: v2), or remove the variable",
            );
        }
    }
}

declare_rule! {
    /// ## What it does
    /// Flags `autoscalerOptions.version` together with the
    /// `RAY_enable_autoscaler_v2` env var on the head.
    ///
    /// ## Why is this bad?
    /// Both choose the autoscaler version; the operator rejects the cluster
    /// rather than pick one.
    ///
    /// ## Example
    /// ```yaml
    /// autoscalerOptions:
    ///   version: v2
    /// headGroupSpec:
    ///   template:
    ///     spec:
    ///       containers:
    ///         - name: ray-head
    ///           env:
    ///             - name: RAY_enable_autoscaler_v2
    ///               value: "1"
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// autoscalerOptions:
    ///   version: v2
    /// headGroupSpec:
    ///   template:
    ///     spec:
    ///       containers:
    ///         - name: ray-head
    /// ```
    pub(crate) struct AutoscalerVersionTwice;
}

impl Check for AutoscalerVersionTwice {
    fn check(input: &Input, sink: &mut Sink) {
        for cluster in clusters(input.objects).iter().filter(|c| c.autoscaling()) {
            if dig(cluster.spec, &["autoscalerOptions", "version"]).is_none() {
                continue;
            }
            let Some(var) = v2_env(cluster) else { continue };
            let pos = child(var.node, "name").map_or(var.node.pos, |n| n.pos);
            sink.report(
                cluster.obj,
                pos,
                var.path.clone(),
                format!("autoscalerOptions.version and the head's {V2_ENV} env var are both set"),
                format!("remove {V2_ENV}; autoscalerOptions.version chooses the autoscaler"),
            );
        }
    }
}

declare_rule! {
    /// ## What it does
    /// Checks that with `autoscalerOptions.version: v2` the head and worker
    /// pods have `restartPolicy` Never or unset. Like the operator
    /// (`IsAutoscalingV2Enabled` in `utils/util.go`), it reads only
    /// `autoscalerOptions.version`, never the `RAY_enable_autoscaler_v2` env var.
    ///
    /// ## Why is this bad?
    /// Autoscaler v2 replaces failed pods itself; a kubelet restarting
    /// containers in place confuses its bookkeeping, so the operator rejects
    /// the cluster.
    ///
    /// ## Example
    /// ```yaml
    /// enableInTreeAutoscaling: true
    /// autoscalerOptions:
    ///   version: v2
    /// workerGroupSpecs:
    ///   - groupName: workers
    ///     template:
    ///       spec:
    ///         restartPolicy: Always
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// enableInTreeAutoscaling: true
    /// autoscalerOptions:
    ///   version: v2
    /// workerGroupSpecs:
    ///   - groupName: workers
    ///     template:
    ///       spec:
    ///         restartPolicy: Never
    /// ```
    pub(crate) struct AutoscalerV2RestartPolicy;
}

impl Check for AutoscalerV2RestartPolicy {
    fn check(input: &Input, sink: &mut Sink) {
        for cluster in clusters(input.objects)
            .iter()
            .filter(|c| c.autoscaling() && c.autoscaler_v2())
        {
            for group in cluster.groups() {
                let Some((spec, path)) = group.pod_spec() else {
                    continue;
                };
                let Some(node) = child(spec, "restartPolicy") else {
                    continue;
                };
                let Some(policy) = node.as_str().filter(|p| *p != "Never" && !p.is_empty()) else {
                    continue;
                };
                sink.report(
                    cluster.obj,
                    node.pos,
                    join(&path, "restartPolicy"),
                    format!(
                        "restartPolicy of {} is {policy}; with autoscalerOptions.version v2 the operator rejects anything but Never or unset",
                        group.describe()
                    ),
                    "set restartPolicy: Never or remove it",
                );
            }
        }
    }
}

declare_rule! {
    /// ## What it does
    /// Flags a suspended worker group (`suspend: true`) in a cluster with
    /// in-tree autoscaling.
    ///
    /// ## Why is this bad?
    /// The autoscaler and the suspension would fight over the group's pods;
    /// the operator rejects the cluster.
    ///
    /// ## Example
    /// ```yaml
    /// enableInTreeAutoscaling: true
    /// workerGroupSpecs:
    ///   - groupName: workers
    ///     suspend: true
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// enableInTreeAutoscaling: true
    /// workerGroupSpecs:
    ///   - groupName: workers
    ///     minReplicas: 0
    /// ```
    pub(crate) struct SuspendedGroupWithAutoscaling;
}

impl Check for SuspendedGroupWithAutoscaling {
    fn check(input: &Input, sink: &mut Sink) {
        for cluster in clusters(input.objects).iter().filter(|c| c.autoscaling()) {
            for group in cluster.workers() {
                if !is_true(group.node, "suspend") {
                    continue;
                }
                let pos = child(group.node, "suspend").map_or(group.node.pos, |n| n.pos);
                sink.report(
                    cluster.obj,
                    pos,
                    group.at("suspend"),
                    format!(
                        "{} is suspended while in-tree autoscaling is on",
                        group.describe()
                    ),
                    "let the autoscaler scale the group to minReplicas: 0 instead of suspending it",
                );
            }
        }
    }
}

/// The variable KubeRay fills with the autoscaler's start command, for
/// `autoscalerOptions.args` to refer to.
const GENERATED_START_CMD: &str = "KUBERAY_GEN_AUTOSCALER_START_CMD";

declare_rule! {
    /// ## What it does
    /// Flags `KUBERAY_GEN_AUTOSCALER_START_CMD` in `autoscalerOptions.env`.
    ///
    /// ## Why is this bad?
    /// KubeRay sets that variable itself to the autoscaler's start command,
    /// so that custom `autoscalerOptions.args` can run it; a value of your own
    /// would shadow it. From KubeRay v1.7 the operator rejects the cluster
    /// (`ValidateRayClusterSpec`, ray-operator/controllers/ray/utils/validation.go@v1.7.0).
    ///
    /// ## Example
    /// ```yaml
    /// autoscalerOptions:
    ///   env:
    ///     - name: KUBERAY_GEN_AUTOSCALER_START_CMD
    ///       value: ray kuberay-autoscaler
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// autoscalerOptions:
    ///   args: ["$KUBERAY_GEN_AUTOSCALER_START_CMD --verbose"]
    /// ```
    pub(crate) struct AutoscalerStartCmdInEnv;
}

impl Check for AutoscalerStartCmdInEnv {
    fn check(input: &Input, sink: &mut Sink) {
        for cluster in clusters(input.objects) {
            let base = join(&cluster.at("autoscalerOptions"), "env");
            for (i, var) in seq(dig(cluster.spec, &["autoscalerOptions", "env"]))
                .iter()
                .enumerate()
            {
                let Some(name) =
                    child(var, "name").filter(|n| n.as_str() == Some(GENERATED_START_CMD))
                else {
                    continue;
                };
                sink.report(
                    cluster.obj,
                    name.pos,
                    join(&index(&base, i), "name"),
                    format!("autoscalerOptions.env sets {GENERATED_START_CMD}, which KubeRay manages"),
                    format!("remove it from env; refer to ${GENERATED_START_CMD} in autoscalerOptions.args instead"),
                );
            }
        }
    }
}

/// Autoscaler v2 as the operator's worker-group checks see it: the
/// `autoscalerOptions.version`, or the head's env var set to `1` or `true`.
fn v2_for_worker_checks(cluster: &Cluster) -> bool {
    cluster.autoscaler_v2()
        || v2_env(cluster).is_some_and(|e| {
            matches!(
                child(e.node, "value").and_then(Node::as_str),
                Some("1" | "true")
            )
        })
}

declare_rule! {
    /// ## What it does
    /// Flags a worker group's `idleTimeoutSeconds` on a cluster without
    /// autoscaler v2 (`autoscalerOptions.version: v2`, or the head's
    /// `RAY_enable_autoscaler_v2` set to `1` or `true`).
    ///
    /// ## Why is this bad?
    /// Only autoscaler v2 reads a per-group idle timeout. From KubeRay v1.6
    /// the operator rejects the cluster (`validateWorkerGroupIdleTimeout`,
    /// ray-operator/controllers/ray/utils/validation.go@v1.6.0); v1.3 to v1.5
    /// accept it and the timeout does nothing.
    ///
    /// ## Example
    /// ```yaml
    /// enableInTreeAutoscaling: true
    /// workerGroupSpecs:
    ///   - groupName: workers
    ///     idleTimeoutSeconds: 120
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// enableInTreeAutoscaling: true
    /// autoscalerOptions:
    ///   version: v2
    /// workerGroupSpecs:
    ///   - groupName: workers
    ///     idleTimeoutSeconds: 120
    /// ```
    pub(crate) struct WorkerIdleTimeoutWithoutV2;
}

impl Check for WorkerIdleTimeoutWithoutV2 {
    fn check(input: &Input, sink: &mut Sink) {
        for cluster in clusters(input.objects) {
            if v2_for_worker_checks(&cluster) {
                continue;
            }
            for group in cluster.workers() {
                let Some(e) =
                    entry(group.node, "idleTimeoutSeconds").filter(|e| !e.value.is_null())
                else {
                    continue;
                };
                let message = if sink.refused() {
                    format!(
                        "{} sets idleTimeoutSeconds without autoscaler v2; the operator rejects the cluster",
                        group.describe()
                    )
                } else {
                    format!(
                        "{} sets idleTimeoutSeconds without autoscaler v2; KubeRay {} ignores it (it is refused from v1.6)",
                        group.describe(),
                        sink.version()
                    )
                };
                sink.report(
                    cluster.obj,
                    e.key_pos,
                    group.at("idleTimeoutSeconds"),
                    message,
                    "set autoscalerOptions.version: v2 (with enableInTreeAutoscaling: true), or remove idleTimeoutSeconds",
                );
            }
        }
    }
}

declare_rule! {
    /// ## What it does
    /// Checks a worker group's non-zero `priority`: it needs `rayVersion`
    /// 2.56.0 or later and autoscaler v2.
    ///
    /// ## Why is this bad?
    /// Group priorities are a feature of autoscaler v2 in Ray 2.56.0; the
    /// operator rejects the cluster otherwise (`validateWorkerGroupPriority`,
    /// ray-operator/controllers/ray/utils/validation.go@v1.7.0).
    ///
    /// ## Example
    /// ```yaml
    /// rayVersion: "2.52.0"
    /// workerGroupSpecs:
    ///   - groupName: spot
    ///     priority: 10
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// rayVersion: "2.56.0"
    /// enableInTreeAutoscaling: true
    /// autoscalerOptions:
    ///   version: v2
    /// workerGroupSpecs:
    ///   - groupName: spot
    ///     priority: 10
    /// ```
    pub(crate) struct WorkerPriorityRequirements;
}

impl Check for WorkerPriorityRequirements {
    fn check(input: &Input, sink: &mut Sink) {
        for cluster in clusters(input.objects) {
            let ray = cluster.ray_version().and_then(Node::as_str);
            let new_enough = ray
                .and_then(Version::parse)
                .is_some_and(|v| v.at_least(2, 56, 0));
            let v2 = v2_for_worker_checks(&cluster);
            for group in cluster.workers() {
                let Some(node) =
                    child(group.node, "priority").filter(|n| as_int(n).is_some_and(|p| p != 0))
                else {
                    continue;
                };
                let why = if !new_enough {
                    match ray {
                        Some(v) => format!("needs Ray 2.56.0 or later (rayVersion is {v})"),
                        None => "needs Ray 2.56.0 or later (rayVersion is not set)".to_owned(),
                    }
                } else if !v2 {
                    "needs autoscaler v2 (not enabled)".to_owned()
                } else {
                    continue;
                };
                sink.report(
                    cluster.obj,
                    node.pos,
                    group.at("priority"),
                    format!("{} sets priority, which {why}", group.describe()),
                    "set rayVersion to \"2.56.0\" or later and autoscalerOptions.version: v2, or remove priority",
                );
            }
        }
    }
}
