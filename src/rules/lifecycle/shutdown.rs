//! `shutdownAfterJobFinishes` and what depends on it: suspension, TTL and
//! deletion strategies.

use crate::rules::registry::Check;
use crate::rules::view::{as_int, jobs, key_pos};
use crate::rules::{Input, Sink};

use super::deletion_policies;

declare_rule! {
    /// ## What it does
    /// Flags a RayJob with `suspend: true` but without `shutdownAfterJobFinishes: true`.
    ///
    /// ## Why is this bad?
    /// Suspending deletes the job's cluster; the operator allows that only
    /// for jobs that delete their cluster when done, and rejects the rest.
    /// Queueing systems such as Kueue rely on suspension.
    ///
    /// ## Example
    /// ```yaml
    /// spec:
    ///   suspend: true
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// spec:
    ///   suspend: true
    ///   shutdownAfterJobFinishes: true
    /// ```
    pub(crate) struct SuspendWithoutShutdown;
}

impl Check for SuspendWithoutShutdown {
    fn check(input: &Input, sink: &mut Sink) {
        for job in jobs(input.objects) {
            if !job.is_true("suspend") || job.is_true("shutdownAfterJobFinishes") {
                continue;
            }
            let pos = job.get("suspend").map_or(job.spec.pos, |n| n.pos);
            sink.report(
                job.obj,
                pos,
                job.at("suspend"),
                "suspend is true but shutdownAfterJobFinishes is not",
                "set shutdownAfterJobFinishes: true",
            );
        }
    }
}

declare_rule! {
    /// ## What it does
    /// Flags `ttlSecondsAfterFinished` above 0 without `shutdownAfterJobFinishes: true`.
    ///
    /// ## Why is this bad?
    /// The TTL is how long the cluster lives after the job; it only applies
    /// when the cluster is shut down at all. From KubeRay v1.4 the operator
    /// rejects the job; before, it ignores the TTL, which misleads.
    ///
    /// ## Example
    /// ```yaml
    /// spec:
    ///   ttlSecondsAfterFinished: 300
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// spec:
    ///   shutdownAfterJobFinishes: true
    ///   ttlSecondsAfterFinished: 300
    /// ```
    pub(crate) struct TtlWithoutShutdown;
}

impl Check for TtlWithoutShutdown {
    fn check(input: &Input, sink: &mut Sink) {
        for job in jobs(input.objects) {
            let Some(node) = job.get("ttlSecondsAfterFinished") else {
                continue;
            };
            if as_int(node).is_none_or(|v| v <= 0) || job.is_true("shutdownAfterJobFinishes") {
                continue;
            }
            let message = if sink.refused() {
                "ttlSecondsAfterFinished is set but shutdownAfterJobFinishes is not true; the operator rejects the RayJob".to_owned()
            } else {
                format!(
                    "ttlSecondsAfterFinished is set but shutdownAfterJobFinishes is not true; KubeRay {} ignores the TTL (it is refused from v1.4)",
                    sink.version()
                )
            };
            sink.report(
                job.obj,
                node.pos,
                job.at("ttlSecondsAfterFinished"),
                message,
                "set shutdownAfterJobFinishes: true, or remove the TTL",
            );
        }
    }
}

declare_rule! {
    /// ## What it does
    /// Flags `deletionStrategy.deletionRules` together with
    /// `shutdownAfterJobFinishes: true`, and legacy `onSuccess`/`onFailure`
    /// policies of `DeleteNone` together with it.
    ///
    /// ## Why is this bad?
    /// Both decide what happens to the cluster after the job; the operator
    /// rejects the RayJob rather than pick one.
    ///
    /// ## Example
    /// ```yaml
    /// spec:
    ///   shutdownAfterJobFinishes: true
    ///   deletionStrategy:
    ///     deletionRules:
    ///       - policy: DeleteCluster
    ///         condition: {jobStatus: SUCCEEDED, ttlSeconds: 60}
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// spec:
    ///   deletionStrategy:
    ///     deletionRules:
    ///       - policy: DeleteCluster
    ///         condition: {jobStatus: SUCCEEDED, ttlSeconds: 60}
    /// ```
    pub(crate) struct DeletionStrategyWithShutdown;
}

impl Check for DeletionStrategyWithShutdown {
    fn check(input: &Input, sink: &mut Sink) {
        for job in jobs(input.objects) {
            if !job.is_true("shutdownAfterJobFinishes") {
                continue;
            }
            let policies = deletion_policies(&job);
            if policies.iter().any(|p| p.path.contains("deletionRules")) {
                sink.report(
                    job.obj,
                    key_pos(job.spec, "shutdownAfterJobFinishes"),
                    job.at("shutdownAfterJobFinishes"),
                    "shutdownAfterJobFinishes and deletionStrategy.deletionRules are both set",
                    "remove shutdownAfterJobFinishes; the deletion rules decide when the cluster goes",
                );
            }
            for p in policies
                .iter()
                .filter(|p| p.name == "DeleteNone" && !p.path.contains("deletionRules"))
            {
                sink.report(
                    job.obj,
                    p.node.pos,
                    p.path.clone(),
                    "deletion policy DeleteNone contradicts shutdownAfterJobFinishes: true",
                    "remove shutdownAfterJobFinishes, or choose a policy that deletes the cluster",
                );
            }
        }
    }
}

declare_rule! {
    /// ## What it does
    /// Flags a `DeleteWorkers` deletion policy on a job whose cluster uses
    /// in-tree autoscaling.
    ///
    /// ## Why is this bad?
    /// The autoscaler would bring the deleted workers back; the operator
    /// rejects the combination.
    ///
    /// ## Example
    /// ```yaml
    /// spec:
    ///   deletionStrategy:
    ///     deletionRules:
    ///       - policy: DeleteWorkers
    ///         condition: {jobStatus: SUCCEEDED, ttlSeconds: 0}
    ///   rayClusterSpec:
    ///     enableInTreeAutoscaling: true
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// spec:
    ///   deletionStrategy:
    ///     deletionRules:
    ///       - policy: DeleteCluster
    ///         condition: {jobStatus: SUCCEEDED, ttlSeconds: 0}
    ///   rayClusterSpec:
    ///     enableInTreeAutoscaling: true
    /// ```
    pub(crate) struct DeleteWorkersWithAutoscaling;
}

impl Check for DeleteWorkersWithAutoscaling {
    fn check(input: &Input, sink: &mut Sink) {
        for job in jobs(input.objects) {
            if !job.cluster().is_some_and(|c| c.autoscaling()) {
                continue;
            }
            for p in deletion_policies(&job)
                .iter()
                .filter(|p| p.name == "DeleteWorkers")
            {
                sink.report(
                    job.obj,
                    p.node.pos,
                    p.path.clone(),
                    "deletion policy DeleteWorkers does not work with in-tree autoscaling",
                    "use DeleteCluster, or turn autoscaling off for this job's cluster",
                );
            }
        }
    }
}
