//! A RayJob's `metadata` (passed to `ray job submit --metadata-json`) needs Ray 2.6.0.

use crate::load::node::{Node, Value};
use crate::model::kuberay::KubeRayVersion;
use crate::rules::images::image_ref::Version;
use crate::rules::registry::Check;
use crate::rules::view::{child, entry, jobs};
use crate::rules::{Input, Sink};

declare_rule! {
    /// ## What it does
    /// Checks a RayJob that sets `spec.metadata` against its cluster's
    /// `rayVersion`: it must be 2.6.0 or later; before KubeRay v1.7 it must
    /// also be set and parse as a version.
    ///
    /// ## Why is this bad?
    /// The operator passes the metadata to `ray job submit --metadata-json`, a
    /// flag of Ray 2.6.0. Otherwise it fails to build the submitter ("the Ray
    /// version must be at least 2.6.0 to use the metadata field", or "failed to
    /// parse Ray version", ray-operator/controllers/ray/common/job.go from
    /// v1.0.0): the cluster starts and the job is never submitted. KubeRay v1.7
    /// assumes a recent Ray when `rayVersion` is not set.
    ///
    /// ## Example
    /// ```yaml
    /// spec:
    ///   metadata:
    ///     team: search
    ///   rayClusterSpec:
    ///     rayVersion: "2.5.0"
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// spec:
    ///   metadata:
    ///     team: search
    ///   rayClusterSpec:
    ///     rayVersion: "2.46.0"
    /// ```
    pub(crate) struct JobMetadataRayVersion;
}

impl Check for JobMetadataRayVersion {
    fn check(input: &Input, sink: &mut Sink) {
        let unset_refused = sink.version() < KubeRayVersion::v1(7);
        for job in jobs(input.objects) {
            let Some(metadata) = entry(job.spec, "metadata") else {
                continue;
            };
            if !matches!(&metadata.value.value, Value::Map(m) if !m.is_empty()) {
                continue;
            }
            let Some(cluster) = job.get("rayClusterSpec") else {
                continue;
            };
            let ray = child(cluster, "rayVersion").and_then(Node::as_str);
            let problem = match ray {
                None | Some("") if unset_refused => format!(
                    "spec.metadata needs the cluster's rayVersion (Ray 2.6.0 or later), and none is set; KubeRay {} cannot submit the job",
                    sink.version()
                ),
                None | Some("") => continue,
                Some(text) => match Version::parse(text) {
                    Some(v) if v.at_least(2, 6, 0) => continue,
                    Some(_) => format!(
                        "spec.metadata needs Ray 2.6.0 or later, and rayVersion is {text}; the operator cannot submit the job"
                    ),
                    None => format!(
                        "spec.metadata needs Ray 2.6.0 or later, and rayVersion {text:?} is no version; the operator cannot submit the job"
                    ),
                },
            };
            sink.report(
                job.obj,
                metadata.key_pos,
                job.at("metadata"),
                problem,
                "set rayClusterSpec.rayVersion to the Ray version of the image (2.6.0 or later), or remove spec.metadata",
            );
        }
    }
}
