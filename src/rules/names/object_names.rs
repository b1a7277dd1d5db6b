//! `metadata.name` and `metadata.namespace` as the API server checks them:
//! every object has a name; the ray.io kinds a DNS-1035 label short enough for
//! the suffixes KubeRay appends, other kinds a DNS-1123 subdomain; a namespace
//! is a DNS-1123 label.

use crate::load::node::Node;
use crate::model::kuberay::KubeRayVersion;
use crate::rules::registry::Check;
use crate::rules::view::{Obj, dig};
use crate::rules::{Input, Sink};

use super::{is_dns1035_label, is_dns1123_label, is_dns1123_subdomain};

/// The longest name the operator accepts for each kind: RayCluster names get
/// suffixes up to 63 characters; RayJob and RayService add 6 characters to
/// name their cluster; a RayCronJob adds 6 more to name each RayJob, 11 from
/// v1.7 (`MaxRayCronJobNameLength`, utils/constant.go@v1.7.0).
fn max_len(kind: &str, version: KubeRayVersion) -> Option<usize> {
    match kind {
        "RayCluster" => Some(53),
        "RayJob" | "RayService" => Some(47),
        "RayCronJob" if version >= KubeRayVersion::v1(7) => Some(36),
        "RayCronJob" => Some(41),
        _ => None,
    }
}

fn named_ray_objects<'a>(
    input: &'a Input<'a>,
) -> impl Iterator<Item = (&'a Obj<'a>, &'a Node, usize)> {
    let version = input.ctx.version();
    input
        .objects
        .iter()
        .filter(|o| o.is_ray())
        .filter_map(move |o| {
            let limit = max_len(o.kind, version)?;
            let node = dig(o.node, &["metadata", "name"]).filter(|n| n.as_str().is_some())?;
            Some((o, node, limit))
        })
}

declare_rule! {
    /// ## What it does
    /// Checks that the name of a RayCluster, RayJob, RayService or RayCronJob
    /// is a DNS-1035 label: lower-case letters, digits and `-`, starting with
    /// a letter and ending with a letter or digit. The name of a ConfigMap or
    /// a PersistentVolumeClaim (which rayc emits beside them) must be a DNS-1123
    /// subdomain: such labels joined by `.`, at most 253 characters.
    ///
    /// ## Why is this bad?
    /// KubeRay derives Service names from a ray.io object's name, and Service
    /// names must be DNS-1035 labels; the operator rejects the object at
    /// reconcile time. The API server rejects a ConfigMap or claim whose name
    /// is not a DNS-1123 subdomain (`../x` never reaches the cluster).
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
        for obj in input
            .objects
            .iter()
            .filter(|o| matches!(o.kind, "ConfigMap" | "PersistentVolumeClaim"))
        {
            let Some(node) = dig(obj.node, &["metadata", "name"]) else {
                continue;
            };
            if !obj.name.is_empty() && !is_dns1123_subdomain(obj.name) {
                sink.report(
                    obj,
                    node.pos,
                    "metadata.name",
                    format!("{} name `{}` is not a DNS-1123 subdomain", obj.kind, obj.name),
                    "use lower-case letters, digits, '-' and '.', starting and ending with a letter or digit, at most 253 characters",
                );
            }
        }
    }
}

declare_rule! {
    /// ## What it does
    /// Checks that `metadata.namespace`, where an object sets it, is a
    /// DNS-1123 label: lower-case letters, digits and `-`, starting and
    /// ending with a letter or digit, at most 63 characters.
    ///
    /// ## Why is this bad?
    /// The API server rejects any other namespace, so the object is never
    /// applied; a namespace such as `../../x` also says nothing about where
    /// the object should go.
    ///
    /// ## Example
    /// ```yaml
    /// metadata:
    ///   name: train
    ///   namespace: ML_Team
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// metadata:
    ///   name: train
    ///   namespace: ml-team
    /// ```
    ///
    /// ## References
    /// - [Kubernetes namespaces](https://kubernetes.io/docs/concepts/overview/working-with-objects/namespaces/)
    pub(crate) struct InvalidNamespace;
}

impl Check for InvalidNamespace {
    fn check(input: &Input, sink: &mut Sink) {
        for obj in input.objects {
            let Some(node) = dig(obj.node, &["metadata", "namespace"]) else {
                continue;
            };
            let valid = node.as_str().is_some_and(is_dns1123_label);
            if !valid && !node.is_null() {
                let shown = node
                    .as_str()
                    .map_or_else(|| format!("{}", node.to_json()), |s| format!("`{s}`"));
                sink.report(
                    obj,
                    node.pos,
                    "metadata.namespace",
                    format!(
                        "{} {} has namespace {shown}, which is not a DNS-1123 label",
                        obj.kind,
                        obj.display_name()
                    ),
                    "use lower-case letters, digits and '-', starting and ending with a letter or digit, at most 63 characters",
                );
            }
        }
    }
}

declare_rule! {
    /// ## What it does
    /// Checks that every ray.io object, ConfigMap and PersistentVolumeClaim has
    /// `metadata.name` (or `generateName`) as a non-empty string.
    ///
    /// ## Why is this bad?
    /// The API server rejects an object without a name, and a GitOps tool
    /// cannot track one. It happens when a JSON patch or a template removes
    /// `metadata`.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: ray.io/v1
    /// kind: RayJob
    /// spec:
    ///   entrypoint: python train.py
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: ray.io/v1
    /// kind: RayJob
    /// metadata:
    ///   name: train
    /// spec:
    ///   entrypoint: python train.py
    /// ```
    ///
    /// ## References
    /// - [Kubernetes object names](https://kubernetes.io/docs/concepts/overview/working-with-objects/names/)
    pub(crate) struct MissingObjectName;
}

impl Check for MissingObjectName {
    fn check(input: &Input, sink: &mut Sink) {
        let checked = |o: &&Obj| {
            max_len(o.kind, input.ctx.version()).is_some() && o.is_ray()
                || matches!(o.kind, "ConfigMap" | "PersistentVolumeClaim")
        };
        for obj in input.objects.iter().filter(checked) {
            let named = |key: &str| {
                dig(obj.node, &["metadata", key])
                    .and_then(Node::as_str)
                    .is_some_and(|s| !s.is_empty())
            };
            if named("name") || named("generateName") {
                continue;
            }
            let pos = dig(obj.node, &["metadata", "name"])
                .or_else(|| dig(obj.node, &["metadata"]))
                .map_or(obj.node.pos, |m| m.pos);
            sink.report(
                obj,
                pos,
                "metadata.name",
                format!("{} has no metadata.name", obj.kind),
                "give the object a name: `metadata: {name: …}` (a DNS-1123 subdomain)",
            );
        }
    }
}

declare_rule! {
    /// ## What it does
    /// Checks the length of ray.io object names: a RayCluster at most 53
    /// characters, a RayJob or RayService at most 47 (KubeRay appends 6
    /// characters to name the cluster it creates), a RayCronJob at most 36
    /// from KubeRay v1.7 (11 more for each RayJob; 41 for v1.6). A hash suffix rayc adds is part of the name
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
