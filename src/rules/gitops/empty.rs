//! An output without any object.

use crate::load::node::Pos;
use crate::rules::registry::Check;
use crate::rules::{Input, Sink};

declare_rule! {
    /// ## What it does
    /// Flags a build (or a set of files to validate) that yields no
    /// Kubernetes objects at all. The finding names no file (its `file` is
    /// empty); the caller attributes it to the project or the command line.
    ///
    /// ## Why is this bad?
    /// An empty render is never what anyone wants, and it is dangerous:
    /// Argo CD with pruning, or Flux with garbage collection, deletes every
    /// object of the application when the rendered output is empty.
    ///
    /// ## Example
    /// ```yaml
    /// # every document of the file is commented out
    /// # apiVersion: ray.io/v1
    /// # kind: RayJob
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: ray.io/v1
    /// kind: RayJob
    /// metadata:
    ///   name: train
    /// ```
    pub(crate) struct NoObjects;
}

impl Check for NoObjects {
    fn check(input: &Input, sink: &mut Sink) {
        if input.objects.is_empty() {
            sink.report_set(
                "",
                Pos::UNKNOWN,
                "no Kubernetes objects were produced",
                "check the spec globs and environments, or the files given; an empty output makes GitOps tools prune everything",
            );
        }
    }
}
