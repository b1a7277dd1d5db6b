//! GPUs where they are probably not meant: on the head, or on images
//! without CUDA.

use crate::rules::registry::Check;
use crate::rules::view::{child, clusters, key};
use crate::rules::{Input, Sink};

use super::gpu_entries;

declare_rule! {
    /// ## What it does
    /// Flags a head pod that asks for a GPU in a cluster that has worker
    /// groups, unless the head's `rayStartParams` sets `num-gpus` (an
    /// explicit request for GPU work on the head).
    ///
    /// ## Why is this bad?
    /// The head runs the GCS, the dashboard and the driver; GPU work usually
    /// belongs on workers. A GPU on the head is an expensive node that sits
    /// idle (the tutorial's GPU example asks for one by mistake).
    ///
    /// ## Example
    /// ```yaml
    /// headGroupSpec:
    ///   template:
    ///     spec:
    ///       containers:
    ///         - name: ray-head
    ///           resources:
    ///             limits:
    ///               nvidia.com/gpu: 1
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// headGroupSpec:
    ///   template:
    ///     spec:
    ///       containers:
    ///         - name: ray-head
    ///           resources:
    ///             limits:
    ///               cpu: "2"
    /// ```
    /// or, when the head should run GPU tasks, say so with
    /// `rayStartParams: {num-gpus: "1"}`.
    pub(crate) struct GpuOnHead;
}

impl Check for GpuOnHead {
    fn check(input: &Input, sink: &mut Sink) {
        for cluster in clusters(input.objects) {
            if cluster.workers().is_empty() {
                continue;
            }
            let Some(head) = cluster.head() else { continue };
            if head
                .ray_start_params()
                .and_then(|p| child(p, "num-gpus"))
                .is_some()
            {
                continue;
            }
            let Some(c) = head.ray_container() else {
                continue;
            };
            let Some(gpu) = gpu_entries(&c).into_iter().next() else {
                continue;
            };
            let which = if c
                .resource_entries("limits")
                .iter()
                .any(|e| e.key == gpu.key)
            {
                "limits"
            } else {
                "requests"
            };
            sink.report(
                cluster.obj,
                gpu.key_pos,
                key(&c.at(&format!("resources.{which}")), &gpu.key),
                format!("the head pod asks for {} although the cluster has worker groups", gpu.key),
                "move GPUs to a worker group, or set rayStartParams num-gpus on the head if it should run GPU tasks",
            );
        }
    }
}

/// Whether the image is known to carry no CUDA: an official
/// `rayproject/ray` image (from any registry or mirror) whose tag names no
/// GPU variant (`-gpu`, `-cu121`, …); those tags are CPU-only. Any other
/// image (custom, `anyscale/ray-llm`, `rayproject/ray-ml`, a bare digest) is
/// unknown, and unknown is not evidence of a problem.
pub(crate) fn known_cpu_only(image: &str) -> bool {
    let lower = image.to_ascii_lowercase();
    let (name, digest) = match lower.split_once('@') {
        Some((name, _)) => (name, true),
        None => (lower.as_str(), false),
    };
    let (repository, tag) = match name.rsplit_once(':') {
        Some((repo, tag)) if !tag.contains('/') => (repo, Some(tag)),
        _ => (name, None),
    };
    if !(repository == "rayproject/ray" || repository.ends_with("/rayproject/ray")) {
        return false;
    }
    let Some(tag) = tag else {
        // Untagged means `latest` (CPU); a bare digest could be any variant.
        return !digest;
    };
    let cuda_tag = tag.contains("gpu")
        || tag.match_indices("cu").any(|(i, _)| {
            tag[i + 2..]
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_digit())
        });
    !cuda_tag
}

declare_rule! {
    /// ## What it does
    /// Flags a worker group that asks for `nvidia.com/gpu` while it runs an
    /// official `rayproject/ray` image whose tag is a CPU variant (no `-gpu`,
    /// no `-cuXYZ`). It fires only on that evidence: an image rayc does not
    /// know (a custom build, `anyscale/ray-llm`, `rayproject/ray-ml`, a bare
    /// digest) is never reported.
    ///
    /// ## Why is this bad?
    /// The plain `rayproject/ray` images carry no CUDA libraries: the pod
    /// gets a GPU that frameworks such as PyTorch cannot use.
    ///
    /// ## Example
    /// ```yaml
    /// containers:
    ///   - name: ray-worker
    ///     image: rayproject/ray:2.52.0
    ///     resources:
    ///       limits:
    ///         nvidia.com/gpu: 1
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// containers:
    ///   - name: ray-worker
    ///     image: rayproject/ray:2.52.0-gpu
    ///     resources:
    ///       limits:
    ///         nvidia.com/gpu: 1
    /// ```
    pub(crate) struct GpuImageWithoutCuda;
}

impl Check for GpuImageWithoutCuda {
    fn check(input: &Input, sink: &mut Sink) {
        for cluster in clusters(input.objects) {
            for group in cluster.workers() {
                let Some(c) = group.ray_container() else {
                    continue;
                };
                let (Some(node), Some(image)) = (c.image(), c.image_str()) else {
                    continue;
                };
                let asks_nvidia = gpu_entries(&c).iter().any(|e| e.key == "nvidia.com/gpu");
                if asks_nvidia && known_cpu_only(image) {
                    sink.report(
                        cluster.obj,
                        node.pos,
                        c.at("image"),
                        format!("{} asks for nvidia.com/gpu but runs `{image}`, a CPU-only Ray image without CUDA", group.describe()),
                        "use the GPU variant of the tag (e.g. `-gpu` or `-cu128`)",
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::known_cpu_only;

    #[test]
    fn cpu_only_by_evidence() {
        assert!(known_cpu_only("rayproject/ray:2.52.0"));
        assert!(known_cpu_only("rayproject/ray:2.52.0-py310-cpu"));
        assert!(known_cpu_only("docker.io/rayproject/ray:2.52.0-py311"));
        assert!(known_cpu_only("rayproject/ray"));
        assert!(!known_cpu_only("rayproject/ray:2.52.0-gpu"));
        assert!(!known_cpu_only("rayproject/ray:2.52.0-py311-cu128"));
        assert!(!known_cpu_only("rayproject/ray@sha256:0123abcd"));
        // Images rayc does not know are never evidence of a missing CUDA.
        assert!(!known_cpu_only("anyscale/ray-llm:2.9.3-py311"));
        assert!(!known_cpu_only("rayproject/ray-ml:2.9.3"));
        assert!(!known_cpu_only("registry:5000/team/ray:2.52.0"));
        assert!(!known_cpu_only("x.io/emr/ray-ml:2.9.3-cu11.8.0-py3.9"));
    }
}
