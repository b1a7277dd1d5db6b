//! GPUs where they are probably not meant: on the head, or on images
//! without CUDA.

use crate::rules::registry::Check;
use crate::rules::view::{child, clusters};
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
                c.at(&format!("resources.{which}.{}", gpu.key)),
                format!("the head pod asks for {} although the cluster has worker groups", gpu.key),
                "move GPUs to a worker group, or set rayStartParams num-gpus on the head if it should run GPU tasks",
            );
        }
    }
}

/// Does the image name or tag suggest CUDA libraries?
pub(crate) fn looks_cuda_capable(image: &str) -> bool {
    let lower = image.to_ascii_lowercase();
    let cu_digit = lower.match_indices("cu").any(|(i, _)| {
        lower[i + 2..]
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_digit())
    });
    cu_digit
        || [
            "gpu",
            "cuda",
            "-ml",
            "ngc",
            "nvidia",
            "pytorch",
            "tensorflow",
            "vllm",
        ]
        .iter()
        .any(|m| lower.contains(m))
}

declare_rule! {
    /// ## What it does
    /// Flags a worker group that asks for `nvidia.com/gpu` while its Ray
    /// image shows no sign of CUDA (no `gpu`, `cuda`, `cuXYZ` or `-ml` in
    /// its name or tag). A heuristic: silence it for custom CUDA images.
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
                if asks_nvidia && !looks_cuda_capable(image) {
                    sink.report(
                        cluster.obj,
                        node.pos,
                        c.at("image"),
                        format!("{} asks for nvidia.com/gpu but runs `{image}`, which does not look CUDA-capable", group.describe()),
                        "use a GPU variant of the image (e.g. a -gpu or -cu12x tag), or silence this rule for a custom CUDA image",
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::looks_cuda_capable;

    #[test]
    fn cuda_heuristic() {
        assert!(looks_cuda_capable("x.io/emr/ray-ml:2.9.3-cu11.8.0-py3.9"));
        assert!(looks_cuda_capable("rayproject/ray-llm:2.52.0-py311-cu128"));
        assert!(looks_cuda_capable("rayproject/ray:2.52.0-gpu"));
        assert!(!looks_cuda_capable("rayproject/ray:2.52.0"));
        assert!(!looks_cuda_capable("rayproject/ray:2.52.0-py310-cpu"));
    }
}
