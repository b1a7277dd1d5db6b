//! RayJobs that delete themselves while Argo CD keeps recreating them.

use crate::rules::registry::Check;
use crate::rules::view::jobs;
use crate::rules::{GitOps, Input, Sink};

use super::deletion_policies;

const HOOK_ANNOTATION: &str = "argocd.argoproj.io/hook";

/// Does the name end in a content hash (`train-3f9a2c1b`), so that a change
/// makes a new job rather than rerunning the old one?
fn has_hash_suffix(name: &str) -> bool {
    name.rsplit_once('-').is_some_and(|(_, tail)| {
        tail.len() >= 6
            && tail
                .bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
            && tail.bytes().any(|b| b.is_ascii_digit())
    })
}

declare_rule! {
    /// ## What it does
    /// Under Argo CD, flags a RayJob with a `DeleteSelf` deletion policy
    /// unless it is an Argo CD hook (`argocd.argoproj.io/hook`) or carries a
    /// content hash in its name. (`ttlSecondsAfterFinished` deletes only the
    /// cluster, not the RayJob, and is not flagged.)
    ///
    /// ## Why is this bad?
    /// When the job deletes itself, Argo CD with self-heal sees it missing
    /// from the cluster and recreates it from git: the job reruns, deletes
    /// itself again, and so on forever.
    ///
    /// ## Example
    /// ```yaml
    /// metadata:
    ///   name: nightly-train
    /// spec:
    ///   deletionStrategy:
    ///     deletionRules:
    ///       - policy: DeleteSelf
    ///         condition: {jobStatus: SUCCEEDED, ttlSeconds: 600}
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// metadata:
    ///   name: nightly-train
    ///   annotations:
    ///     argocd.argoproj.io/hook: PostSync
    ///     argocd.argoproj.io/hook-delete-policy: BeforeHookCreation
    /// spec:
    ///   deletionStrategy:
    ///     deletionRules:
    ///       - policy: DeleteSelf
    ///         condition: {jobStatus: SUCCEEDED, ttlSeconds: 600}
    /// ```
    ///
    /// ## References
    /// - [Argo CD resource hooks](https://argo-cd.readthedocs.io/en/stable/user-guide/resource_hooks/)
    pub(crate) struct SelfDeletingJobUnderArgoCd;
}

impl Check for SelfDeletingJobUnderArgoCd {
    fn check(input: &Input, sink: &mut Sink) {
        if input.ctx.gitops != GitOps::ArgoCd {
            return;
        }
        for job in jobs(input.objects).iter().filter(|j| j.obj.is("RayJob")) {
            if job.obj.annotation(HOOK_ANNOTATION).is_some() || has_hash_suffix(job.obj.name) {
                continue;
            }
            for p in deletion_policies(job)
                .iter()
                .filter(|p| p.name == "DeleteSelf")
            {
                sink.report(
                    job.obj,
                    p.node.pos,
                    p.path.clone(),
                    format!("RayJob `{}` deletes itself; Argo CD self-heal recreates it and it runs again, forever", job.obj.display_name()),
                    "emit the job as an Argo CD hook, give it a hash name (rayc's hash-name policy), or use DeleteCluster",
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::has_hash_suffix;

    #[test]
    fn hash_names() {
        assert!(has_hash_suffix("train-3f9a2c1b"));
        assert!(!has_hash_suffix("nightly-train"));
        assert!(!has_hash_suffix("job-deadbeef"));
        assert!(!has_hash_suffix("train"));
    }
}
