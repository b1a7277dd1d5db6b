//! In-tree autoscaler settings and the combinations the operator rejects.

use crate::load::node::Node;
use crate::rules::registry::Check;
use crate::rules::view::{Cluster, EnvVar, child, clusters, dig, entry, index, is_true, join, seq};
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
