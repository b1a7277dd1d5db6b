//! `upgradeStrategy` on a RayCluster that a RayJob or RayService creates.

use crate::rules::registry::Check;
use crate::rules::view::{child, clusters, dig, entry};
use crate::rules::{Input, Sink};

const ORIGIN_LABEL: &str = "ray.io/originated-from-crd";

declare_rule! {
    /// ## What it does
    /// Flags `upgradeStrategy.type` in the cluster of a RayJob
    /// (`rayClusterSpec`), a RayService (`rayClusterConfig`) or a RayCronJob's
    /// job template, and on a RayCluster labelled
    /// `ray.io/originated-from-crd: RayJob` or `RayService`.
    ///
    /// ## Why is this bad?
    /// A RayCluster's upgrade strategy is for clusters users create
    /// themselves: the RayService has its own `upgradeStrategy`, and a RayJob's
    /// cluster lives as long as the job. From KubeRay v1.6 the operator refuses
    /// to reconcile such a cluster ("upgradeStrategy cannot be set when
    /// RayCluster is created by RayJob", `ValidateRayClusterUpgradeOptions`,
    /// ray-operator/controllers/ray/utils/validation.go@v1.6.0): the RayJob or
    /// RayService never gets a running cluster.
    ///
    /// ## Example
    /// ```yaml
    /// kind: RayJob
    /// spec:
    ///   rayClusterSpec:
    ///     upgradeStrategy:
    ///       type: Recreate
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// kind: RayJob
    /// spec:
    ///   rayClusterSpec:
    ///     headGroupSpec: {}
    /// ```
    /// (a RayService's upgrades are set by its own `spec.upgradeStrategy`).
    pub(crate) struct UpgradeStrategyInManagedCluster;
}

impl Check for UpgradeStrategyInManagedCluster {
    fn check(input: &Input, sink: &mut Sink) {
        for cluster in clusters(input.objects) {
            let creator = match cluster.obj.kind {
                "RayJob" | "RayCronJob" => "RayJob",
                "RayService" => "RayService",
                _ => match dig(cluster.obj.node, &["metadata", "labels", ORIGIN_LABEL])
                    .and_then(crate::load::node::Node::as_str)
                {
                    Some(origin @ ("RayJob" | "RayService")) => origin,
                    _ => continue,
                },
            };
            let Some(strategy) = child(cluster.spec, "upgradeStrategy") else {
                continue;
            };
            let Some(kind) = entry(strategy, "type").filter(|e| !e.value.is_null()) else {
                continue;
            };
            let help = if creator == "RayService" {
                "remove it; a RayService's upgrades are set by its own `spec.upgradeStrategy`"
            } else {
                "remove it; the cluster of a RayJob lives only as long as the job"
            };
            sink.report(
                cluster.obj,
                kind.key_pos,
                cluster.at("upgradeStrategy.type"),
                format!(
                    "upgradeStrategy cannot be set on a RayCluster created by a {creator}; the operator refuses to reconcile the cluster"
                ),
                help,
            );
        }
    }
}
