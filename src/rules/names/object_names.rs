//! `metadata.name` of the ray.io kinds: a DNS-1035 label, short enough for
//! the suffixes KubeRay appends.

use crate::load::node::Node;
use crate::rules::registry::Check;
use crate::rules::view::{Obj, dig};
use crate::rules::{Input, Sink};

use super::is_dns1035_label;

/// The longest name the operator accepts for each kind: RayCluster names get
/// suffixes up to 63 characters; RayJob and RayService add 6 characters to
/// name their cluster; a RayCronJob adds 6 more to name each RayJob.
fn max_len(kind: &str) -> Option<usize> {
    match kind {
        "RayCluster" => Some(53),
        "RayJob" | "RayService" => Some(47),
        "RayCronJob" => Some(41),
        _ => None,
    }
}

fn named_ray_objects<'a>(
    input: &'a Input<'a>,
) -> impl Iterator<Item = (&'a Obj<'a>, &'a Node, usize)> {
    input.objects.iter().filter(|o| o.is_ray()).filter_map(|o| {
        let limit = max_len(o.kind)?;
        let node = dig(o.node, &["metadata", "name"]).filter(|n| n.as_str().is_some())?;
        Some((o, node, limit))
    })
}

declare_rule! {
    /// ## What it does
    /// Checks that the name of a RayCluster, RayJob, RayService or RayCronJob
    /// is a DNS-1035 label: lower-case letters, digits and `-`, starting with
    /// a letter and ending with a letter or digit.
    ///
    /// ## Why is this bad?
    /// KubeRay derives Service names from it, and Service names must be
    /// DNS-1035 labels; the operator rejects the object at reconcile time.
    ///
    /// ## Example
    /// ```yaml
    /// metadata:
    ///   name: 2nd_Training
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// metadata:
    ///   name: training-2
    /// ```
    ///
    /// ## References
    /// - [Kubernetes object names](https://kubernetes.io/docs/concepts/overview/working-with-objects/names/#rfc-1035-label-names)
    pub(crate) struct InvalidObjectName;
}

impl Check for InvalidObjectName {
    fn check(input: &Input, sink: &mut Sink) {
        for (obj, node, _) in named_ray_objects(input) {
            if !is_dns1035_label(obj.name) && obj.name.len() <= 63 {
                sink.report(
                    obj,
                    node.pos,
                    "metadata.name",
                    format!("{} name `{}` is not a DNS-1035 label", obj.kind, obj.name),
                    "use lower-case letters, digits and '-', starting with a letter and ending with a letter or digit",
                );
            }
        }
    }
}

declare_rule! {
    /// ## What it does
    /// Checks the length of ray.io object names: a RayCluster at most 53
    /// characters, a RayJob or RayService at most 47 (KubeRay appends 6
    /// characters to name the cluster it creates), a RayCronJob at most 41
    /// (6 more for each RayJob). A hash suffix rayc adds is part of the name
    /// and counts.
    ///
    /// ## Why is this bad?
    /// The operator rejects longer names at reconcile time, because the
    /// names it derives (clusters, Services, pods) would exceed 63 characters.
    ///
    /// ## Example
    /// ```yaml
    /// kind: RayJob
    /// metadata:
    ///   name: nightly-feature-store-backfill-for-europe-west-region
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// kind: RayJob
    /// metadata:
    ///   name: feature-backfill-eu-west
    /// ```
    ///
    /// ## References
    /// - [KubeRay name length constants](https://github.com/ray-project/kuberay/blob/master/ray-operator/controllers/ray/utils/constant.go)
    pub(crate) struct ObjectNameTooLong;
}

impl Check for ObjectNameTooLong {
    fn check(input: &Input, sink: &mut Sink) {
        for (obj, node, limit) in named_ray_objects(input) {
            let len = obj.name.chars().count();
            if len > limit {
                sink.report(
                    obj,
                    node.pos,
                    "metadata.name",
                    format!(
                        "{} name `{}` has {len} characters; KubeRay allows at most {limit}",
                        obj.kind, obj.name
                    ),
                    format!("shorten the name by {} characters", len - limit),
                );
            }
        }
    }
}
