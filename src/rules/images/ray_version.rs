//! `rayVersion` present and agreeing with the Ray version image tags carry.

use crate::rules::registry::Check;
use crate::rules::view::{Cluster, Container, clusters};
use crate::rules::{Input, Sink};

use super::image_ref::{ImageRef, Version};

/// The Ray container of every group with the Ray version its image tag carries.
fn tagged_versions<'a>(cluster: &Cluster<'a>) -> Vec<(String, Container<'a>, Version)> {
    cluster
        .groups()
        .into_iter()
        .filter_map(|g| {
            let c = g.ray_container()?;
            let v = ImageRef::parse(c.image_str()?).ray_version()?;
            Some((g.describe(), c, v))
        })
        .collect()
}

declare_rule! {
    /// ## What it does
    /// Flags a RayCluster spec (also inside a RayJob, RayService or
    /// RayCronJob) without `rayVersion`.
    ///
    /// ## Why is this bad?
    /// KubeRay turns features on and off by `rayVersion` (authentication,
    /// autoscaler v2, label handling). Without it the operator guesses, and
    /// rayc cannot check that the images run the version the features need.
    ///
    /// ## Example
    /// ```yaml
    /// rayClusterSpec:
    ///   headGroupSpec:
    ///     template: {}
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// rayClusterSpec:
    ///   rayVersion: "2.52.0"
    ///   headGroupSpec:
    ///     template: {}
    /// ```
    pub(crate) struct MissingRayVersion;
}

impl Check for MissingRayVersion {
    fn check(input: &Input, sink: &mut Sink) {
        for cluster in clusters(input.objects) {
            if cluster.ray_version().is_none() {
                let hint = tagged_versions(&cluster)
                    .first()
                    .map(|(_, _, v)| format!("add rayVersion: \"{v}\" (the version of its images)"))
                    .unwrap_or_else(|| {
                        "add rayVersion with the Ray version of the images".to_owned()
                    });
                sink.report(
                    cluster.obj,
                    cluster.spec.pos,
                    cluster.at("rayVersion"),
                    "rayVersion is not set",
                    hint,
                );
            }
        }
    }
}

declare_rule! {
    /// ## What it does
    /// Compares `rayVersion` with the Ray version in the tag of each Ray
    /// container image (`rayproject/ray:2.9.3-py39-gpu` carries 2.9.3), when
    /// the image is a Ray image whose tag starts with a version.
    ///
    /// ## Why is this bad?
    /// The operator decides features by `rayVersion`, while the pods run the
    /// image's Ray. When they disagree, the operator configures features the
    /// running Ray lacks, or withholds ones it has.
    ///
    /// ## Example
    /// ```yaml
    /// rayVersion: "2.9.3"
    /// headGroupSpec:
    ///   template:
    ///     spec:
    ///       containers:
    ///         - name: ray-head
    ///           image: rayproject/ray:2.52.0
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// rayVersion: "2.52.0"
    /// headGroupSpec:
    ///   template:
    ///     spec:
    ///       containers:
    ///         - name: ray-head
    ///           image: rayproject/ray:2.52.0
    /// ```
    pub(crate) struct RayVersionImageMismatch;
}

impl Check for RayVersionImageMismatch {
    fn check(input: &Input, sink: &mut Sink) {
        for cluster in clusters(input.objects) {
            let Some(declared) = cluster
                .ray_version()
                .and_then(|n| n.as_str())
                .and_then(Version::parse)
            else {
                continue;
            };
            for (group, c, tagged) in tagged_versions(&cluster) {
                if tagged.agrees_with(&declared) {
                    continue;
                }
                let Some(image) = c.image() else { continue };
                sink.report(
                    cluster.obj,
                    image.pos,
                    c.at("image"),
                    format!("image of {group} runs Ray {tagged}, but rayVersion says {declared}"),
                    format!("set rayVersion to \"{tagged}\", or use an image of Ray {declared}"),
                );
            }
        }
    }
}

declare_rule! {
    /// ## What it does
    /// Checks that the head and every worker group run images of one Ray
    /// version, as far as their tags tell.
    ///
    /// ## Why is this bad?
    /// Ray refuses to connect nodes of different versions: workers with
    /// another Ray version than the head never join the cluster.
    ///
    /// ## Example
    /// ```yaml
    /// headGroupSpec:
    ///   template:
    ///     spec:
    ///       containers:
    ///         - image: rayproject/ray:2.52.0
    /// workerGroupSpecs:
    ///   - groupName: workers
    ///     template:
    ///       spec:
    ///         containers:
    ///           - image: rayproject/ray:2.9.3
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// headGroupSpec:
    ///   template:
    ///     spec:
    ///       containers:
    ///         - image: rayproject/ray:2.52.0
    /// workerGroupSpecs:
    ///   - groupName: workers
    ///     template:
    ///       spec:
    ///         containers:
    ///           - image: rayproject/ray:2.52.0-gpu
    /// ```
    pub(crate) struct MixedRayVersions;
}

impl Check for MixedRayVersions {
    fn check(input: &Input, sink: &mut Sink) {
        for cluster in clusters(input.objects) {
            let versions = tagged_versions(&cluster);
            let Some((first_group, _, first)) = versions.first() else {
                continue;
            };
            for (group, c, v) in versions.iter().skip(1) {
                if v.agrees_with(first) {
                    continue;
                }
                let Some(image) = c.image() else { continue };
                sink.report(
                    cluster.obj,
                    image.pos,
                    c.at("image"),
                    format!("image of {group} runs Ray {v}, but {first_group} runs Ray {first}"),
                    "use images of one Ray version in every group of the cluster",
                );
            }
        }
    }
}
