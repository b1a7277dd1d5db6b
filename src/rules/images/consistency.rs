//! Head and worker images from one registry and one image repository.

use crate::load::node::Pos;
use crate::rules::registry::Check;
use crate::rules::view::{Obj, clusters};
use crate::rules::{Input, Sink};

use super::image_ref::ImageRef;

declare_rule! {
    /// ## What it does
    /// Flags a worker group whose Ray image comes from another registry than
    /// the head's.
    ///
    /// ## Why is this bad?
    /// Pulling one cluster from two registries doubles the places that must
    /// be reachable and hold the same build; the tutorial this project grew
    /// from pulls its head from a `-qa-` registry and its workers from a
    /// `-public-` one by mistake.
    ///
    /// ## Example
    /// ```yaml
    /// headGroupSpec:
    ///   template:
    ///     spec:
    ///       containers:
    ///         - image: registry-qa.example.com/ray:2.9.3
    /// workerGroupSpecs:
    ///   - template:
    ///       spec:
    ///         containers:
    ///           - image: registry.example.com/ray:2.9.3
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// headGroupSpec:
    ///   template:
    ///     spec:
    ///       containers:
    ///         - image: registry.example.com/ray:2.9.3
    /// workerGroupSpecs:
    ///   - template:
    ///       spec:
    ///         containers:
    ///           - image: registry.example.com/ray:2.9.3
    /// ```
    pub(crate) struct MixedRegistries;
}

impl Check for MixedRegistries {
    fn check(input: &Input, sink: &mut Sink) {
        for w in worker_images(input) {
            if w.image.registry != w.head.registry {
                sink.report(
                    w.obj,
                    w.pos,
                    w.path,
                    format!(
                        "image of {} comes from registry `{}`, the head's from `{}`",
                        w.group, w.image.registry, w.head.registry
                    ),
                    "pull the head and the workers from one registry",
                );
            }
        }
    }
}

declare_rule! {
    /// ## What it does
    /// Flags a worker group whose Ray image is another repository than the
    /// head's, within one registry (e.g. `ray` on the head, `ray-ml` on the
    /// workers).
    ///
    /// ## Why is this bad?
    /// Tasks run wherever Ray places them, the head included: code that
    /// imports a library only the workers' image has fails at random. Use
    /// one image, or variants of one image that differ only in the tag
    /// (`2.52.0` and `2.52.0-gpu`).
    ///
    /// ## Example
    /// ```yaml
    /// headGroupSpec:
    ///   template:
    ///     spec:
    ///       containers:
    ///         - image: rayproject/ray:2.9.3
    /// workerGroupSpecs:
    ///   - template:
    ///       spec:
    ///         containers:
    ///           - image: rayproject/ray-ml:2.9.3-gpu
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// headGroupSpec:
    ///   template:
    ///     spec:
    ///       containers:
    ///         - image: rayproject/ray-ml:2.9.3
    /// workerGroupSpecs:
    ///   - template:
    ///       spec:
    ///         containers:
    ///           - image: rayproject/ray-ml:2.9.3-gpu
    /// ```
    pub(crate) struct MixedImages;
}

impl Check for MixedImages {
    fn check(input: &Input, sink: &mut Sink) {
        for w in worker_images(input) {
            if w.image.registry == w.head.registry && w.image.repository != w.head.repository {
                sink.report(
                    w.obj,
                    w.pos,
                    w.path,
                    format!(
                        "{} runs image `{}`, the head runs `{}`",
                        w.group, w.image.repository, w.head.repository
                    ),
                    "use one image for the head and the workers (tags may differ, e.g. a -gpu variant)",
                );
            }
        }
    }
}

/// A worker group's Ray image next to the head's, for comparing the two.
struct WorkerImage<'a> {
    obj: &'a Obj<'a>,
    group: String,
    path: String,
    pos: Pos,
    image: ImageRef<'a>,
    head: ImageRef<'a>,
}

/// Every worker image of every cluster whose head has an image.
fn worker_images<'a>(input: &'a Input) -> Vec<WorkerImage<'a>> {
    let mut out = Vec::new();
    for cluster in clusters(input.objects) {
        let Some(head) = cluster.head().and_then(|h| h.ray_container()) else {
            continue;
        };
        let Some(head_image) = head.image_str().map(ImageRef::parse) else {
            continue;
        };
        for group in cluster.workers() {
            let Some(c) = group.ray_container() else {
                continue;
            };
            let (Some(node), Some(image)) = (c.image(), c.image_str().map(ImageRef::parse)) else {
                continue;
            };
            out.push(WorkerImage {
                obj: cluster.obj,
                group: group.describe(),
                path: c.at("image"),
                pos: node.pos,
                image,
                head: head_image.clone(),
            });
        }
    }
    out
}
