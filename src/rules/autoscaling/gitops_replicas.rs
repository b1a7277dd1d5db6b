//! Autoscaled groups that pin `replicas` under GitOps.

use crate::rules::registry::Check;
use crate::rules::view::{clusters, entry};
use crate::rules::{GitOps, Input, Sink};

declare_rule! {
    /// ## What it does
    /// Under GitOps (Argo CD or Flux, per the project file), flags worker
    /// groups of autoscaled clusters that set `replicas`.
    ///
    /// ## Why is this bad?
    /// The autoscaler changes `replicas` in the cluster; the GitOps tool sees
    /// drift from git and sets it back, so the two fight and the group
    /// flaps. Leave `replicas` out and let `minReplicas` bound the start.
    ///
    /// ## Example
    /// ```yaml
    /// enableInTreeAutoscaling: true
    /// workerGroupSpecs:
    ///   - groupName: workers
    ///     replicas: 2
    ///     minReplicas: 1
    ///     maxReplicas: 10
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// enableInTreeAutoscaling: true
    /// workerGroupSpecs:
    ///   - groupName: workers
    ///     minReplicas: 1
    ///     maxReplicas: 10
    /// ```
    ///
    /// ## References
    /// - [Argo CD: diffing customization](https://argo-cd.readthedocs.io/en/stable/user-guide/diffing/)
    pub(crate) struct GitopsPinnedReplicas;
}

impl Check for GitopsPinnedReplicas {
    fn check(input: &Input, sink: &mut Sink) {
        let tool = match input.ctx.gitops {
            GitOps::None => return,
            GitOps::ArgoCd => "Argo CD",
            GitOps::Flux => "Flux",
        };
        for cluster in clusters(input.objects).iter().filter(|c| c.autoscaling()) {
            for group in cluster.workers() {
                let Some(e) = entry(group.node, "replicas") else {
                    continue;
                };
                sink.report(
                    cluster.obj,
                    e.key_pos,
                    group.at("replicas"),
                    format!("{} pins replicas although the autoscaler manages it; {tool} would reset the autoscaler's choice", group.describe()),
                    "remove replicas from autoscaled groups (minReplicas sets the starting size)",
                );
            }
        }
    }
}
