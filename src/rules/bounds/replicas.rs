//! Worker group replica bounds: `minReplicas <= maxReplicas`, nothing
//! negative, `replicas` inside the bounds, bounds that do nothing, and an
//! autoscaled group with no upper bound.

use crate::load::node::{Node, Pos};
use crate::rules::registry::Check;
use crate::rules::view::{Group, as_int, child, clusters};
use crate::rules::{Input, Sink};

/// A worker group's replica fields as the operator reads them (with its defaults).
struct Bounds {
    replicas: Option<i64>,
    min: Option<i64>,
    max: Option<i64>,
}

impl Bounds {
    fn of(group: &Group) -> Bounds {
        Bounds {
            replicas: group.int("replicas"),
            min: group.int("minReplicas"),
            max: group.int("maxReplicas"),
        }
    }

    fn min_or_default(&self) -> i64 {
        self.min.unwrap_or(0)
    }

    fn max_or_default(&self) -> i64 {
        self.max.unwrap_or(i64::from(i32::MAX))
    }
}

fn value_pos(group: &Group, key: &str) -> Pos {
    child(group.node, key).map_or(group.node.pos, |n: &Node| n.pos)
}

declare_rule! {
    /// ## What it does
    /// Checks that a worker group's `minReplicas` is not above its `maxReplicas`.
    ///
    /// ## Why is this bad?
    /// The KubeRay operator rejects the RayCluster at reconcile time, so the
    /// mistake surfaces only in the cluster, after the manifests were applied.
    /// (`maxReplicas` defaults to 2147483647 when left out.)
    ///
    /// ## Example
    /// ```yaml
    /// workerGroupSpecs:
    ///   - groupName: workers
    ///     minReplicas: 5
    ///     maxReplicas: 2
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// workerGroupSpecs:
    ///   - groupName: workers
    ///     minReplicas: 2
    ///     maxReplicas: 5
    /// ```
    ///
    /// ## References
    /// - [KubeRay RayCluster configuration](https://docs.ray.io/en/latest/cluster/kubernetes/user-guides/config.html)
    pub(crate) struct MinAboveMax;
}

impl Check for MinAboveMax {
    fn check(input: &Input, sink: &mut Sink) {
        for cluster in clusters(input.objects) {
            for group in cluster.workers() {
                let b = Bounds::of(&group);
                let (Some(min), Some(max)) = (b.min, b.max) else {
                    continue;
                };
                if min > max {
                    sink.report(
                        cluster.obj,
                        value_pos(&group, "minReplicas"),
                        group.at("minReplicas"),
                        format!(
                            "{} has minReplicas {min} above maxReplicas {max}",
                            group.describe()
                        ),
                        "lower minReplicas or raise maxReplicas so that minReplicas <= maxReplicas",
                    );
                }
            }
        }
    }
}

declare_rule! {
    /// ## What it does
    /// Checks that `replicas`, `minReplicas` and `maxReplicas` of a worker group are not negative.
    ///
    /// ## Why is this bad?
    /// A negative count has no meaning; the operator rejects it at reconcile
    /// time, long after the manifest passed review.
    ///
    /// ## Example
    /// ```yaml
    /// workerGroupSpecs:
    ///   - groupName: workers
    ///     replicas: -1
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// workerGroupSpecs:
    ///   - groupName: workers
    ///     replicas: 0
    /// ```
    pub(crate) struct NegativeReplicas;
}

impl Check for NegativeReplicas {
    fn check(input: &Input, sink: &mut Sink) {
        for cluster in clusters(input.objects) {
            for group in cluster.workers() {
                for key in ["replicas", "minReplicas", "maxReplicas"] {
                    let Some(node) = child(group.node, key) else {
                        continue;
                    };
                    if let Some(v) = as_int(node).filter(|v| *v < 0) {
                        sink.report(
                            cluster.obj,
                            node.pos,
                            group.at(key),
                            format!(
                                "{key} of {} is {v}; replica counts cannot be negative",
                                group.describe()
                            ),
                            format!("set {key} to 0 or more"),
                        );
                    }
                }
            }
        }
    }
}

declare_rule! {
    /// ## What it does
    /// Checks that a worker group's `replicas` lies inside `[minReplicas, maxReplicas]`.
    ///
    /// ## Why is this bad?
    /// The operator silently clamps `replicas` into the bounds, so the group
    /// runs a different number of pods than the manifest says.
    ///
    /// ## Example
    /// ```yaml
    /// workerGroupSpecs:
    ///   - groupName: workers
    ///     replicas: 10
    ///     minReplicas: 1
    ///     maxReplicas: 4
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// workerGroupSpecs:
    ///   - groupName: workers
    ///     replicas: 4
    ///     minReplicas: 1
    ///     maxReplicas: 4
    /// ```
    pub(crate) struct ReplicasOutsideBounds;
}

impl Check for ReplicasOutsideBounds {
    fn check(input: &Input, sink: &mut Sink) {
        for cluster in clusters(input.objects) {
            for group in cluster.workers() {
                let b = Bounds::of(&group);
                let Some(replicas) = b.replicas.filter(|r| *r >= 0) else {
                    continue;
                };
                let (min, max) = (b.min_or_default(), b.max_or_default());
                if min > max || min < 0 || (min..=max).contains(&replicas) {
                    continue;
                }
                let clamped = replicas.clamp(min, max);
                sink.report(
                    cluster.obj,
                    value_pos(&group, "replicas"),
                    group.at("replicas"),
                    format!(
                        "{} asks for {replicas} replicas outside [{min}, {max}]; the operator will run {clamped}",
                        group.describe()
                    ),
                    format!("set replicas to a value between {min} and {max}, or widen the bounds"),
                );
            }
        }
    }
}

declare_rule! {
    /// ## What it does
    /// Flags a worker group with a range `minReplicas` < `maxReplicas` but no
    /// `replicas`, on a cluster without in-tree autoscaling.
    ///
    /// ## Why is this bad?
    /// Without `enableInTreeAutoscaling: true` nothing ever scales the group:
    /// the operator runs `replicas` clamped into the bounds
    /// (`GetWorkerGroupDesiredReplicas` in `utils/util.go`), so with no
    /// `replicas` it always runs `minReplicas` pods, though the manifest reads
    /// like an elastic group. With `replicas` set the count is stated and the
    /// bounds are harmless (a value outside them is RAY203's).
    ///
    /// ## Example
    /// ```yaml
    /// spec:
    ///   workerGroupSpecs:
    ///     - groupName: workers
    ///       minReplicas: 1
    ///       maxReplicas: 5
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// spec:
    ///   enableInTreeAutoscaling: true
    ///   workerGroupSpecs:
    ///     - groupName: workers
    ///       minReplicas: 1
    ///       maxReplicas: 5
    /// ```
    /// or set `replicas` to the number of pods wanted.
    ///
    /// ## References
    /// - [KubeRay autoscaling](https://docs.ray.io/en/latest/cluster/kubernetes/user-guides/configuring-autoscaling.html)
    pub(crate) struct BoundsWithoutAutoscaling;
}

impl Check for BoundsWithoutAutoscaling {
    fn check(input: &Input, sink: &mut Sink) {
        for cluster in clusters(input.objects).iter().filter(|c| !c.autoscaling()) {
            for group in cluster.workers() {
                let b = Bounds::of(&group);
                // With `replicas` set the manifest says how many pods run (RAY203
                // covers a value outside the bounds); only bounds alone mislead.
                let (None, Some(max)) = (b.replicas, b.max) else {
                    continue;
                };
                let min = b.min_or_default();
                if max <= min || min < 0 {
                    continue;
                }
                sink.report(
                    cluster.obj,
                    crate::rules::view::key_pos(group.node, "maxReplicas"),
                    group.at("maxReplicas"),
                    format!(
                        "{} has minReplicas {min} and maxReplicas {max} but no replicas, and autoscaling is off: it always runs {min} pod{}",
                        group.describe(),
                        if min == 1 { "" } else { "s" }
                    ),
                    "set enableInTreeAutoscaling: true to scale between the bounds, or set replicas to the number of pods you want",
                );
            }
        }
    }
}

declare_rule! {
    /// ## What it does
    /// Flags a worker group of an autoscaled cluster that has no `maxReplicas`.
    ///
    /// ## Why is this bad?
    /// KubeRay then defaults `maxReplicas` to 2147483647: the autoscaler may
    /// add pods (each with its GPUs) until the cluster or the budget runs out.
    /// An upper bound has to be a decision, not a default.
    ///
    /// ## Example
    /// ```yaml
    /// enableInTreeAutoscaling: true
    /// workerGroupSpecs:
    ///   - groupName: gpu
    ///     minReplicas: 0
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// enableInTreeAutoscaling: true
    /// workerGroupSpecs:
    ///   - groupName: gpu
    ///     minReplicas: 0
    ///     maxReplicas: 8
    /// ```
    ///
    /// ## References
    /// - [KubeRay autoscaling](https://docs.ray.io/en/latest/cluster/kubernetes/user-guides/configuring-autoscaling.html)
    pub(crate) struct UnboundedAutoscaledGroup;
}

impl Check for UnboundedAutoscaledGroup {
    fn check(input: &Input, sink: &mut Sink) {
        for cluster in clusters(input.objects).iter().filter(|c| c.autoscaling()) {
            for group in cluster.workers() {
                if child(group.node, "maxReplicas").is_some() {
                    continue;
                }
                let name_pos = child(group.node, "groupName").map_or(group.node.pos, |n| n.pos);
                sink.report(
                    cluster.obj,
                    name_pos,
                    group.at("maxReplicas"),
                    format!(
                        "{} is autoscaled without maxReplicas; KubeRay would let it grow to 2147483647 pods",
                        group.describe()
                    ),
                    "set maxReplicas (in a spec: `maxReplicas` on the group, or the autoscaling overlay's `maxReplicas`)",
                );
            }
        }
    }
}
