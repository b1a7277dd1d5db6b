//! Durations and retry counts: timeouts and TTLs must not be negative,
//! deadlines must be positive.

use crate::load::node::Node;
use crate::rules::registry::Check;
use crate::rules::view::{as_int, child, clusters, dig, index, jobs, join, seq};
use crate::rules::{Input, Sink};

declare_rule! {
    /// ## What it does
    /// Checks that idle timeouts, TTLs and `backoffLimit` are not negative:
    /// `autoscalerOptions.idleTimeoutSeconds`, a worker group's
    /// `idleTimeoutSeconds`, a RayJob's `ttlSecondsAfterFinished`,
    /// `backoffLimit` and `deletionStrategy.deletionRules[].condition.ttlSeconds`.
    ///
    /// ## Why is this bad?
    /// The operator rejects negative values at reconcile time, so the RayJob
    /// or RayCluster never starts, and the error appears only in events.
    ///
    /// ## Example
    /// ```yaml
    /// spec:
    ///   shutdownAfterJobFinishes: true
    ///   ttlSecondsAfterFinished: -60
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// spec:
    ///   shutdownAfterJobFinishes: true
    ///   ttlSecondsAfterFinished: 60
    /// ```
    ///
    /// ## References
    /// - [KubeRay RayJob quickstart](https://docs.ray.io/en/latest/cluster/kubernetes/getting-started/rayjob-quick-start.html)
    pub(crate) struct NegativeSeconds;
}

impl Check for NegativeSeconds {
    fn check(input: &Input, sink: &mut Sink) {
        for cluster in clusters(input.objects) {
            let mut fields: Vec<(&Node, String)> = Vec::new();
            if let Some(n) = dig(cluster.spec, &["autoscalerOptions", "idleTimeoutSeconds"]) {
                fields.push((n, cluster.at("autoscalerOptions.idleTimeoutSeconds")));
            }
            for group in cluster.workers() {
                if let Some(n) = child(group.node, "idleTimeoutSeconds") {
                    fields.push((n, group.at("idleTimeoutSeconds")));
                }
            }
            for (node, path) in fields {
                if let Some(v) = as_int(node).filter(|v| *v < 0) {
                    sink.report(
                        cluster.obj,
                        node.pos,
                        &path,
                        format!("{} is {v}; a timeout cannot be negative", last_key(&path)),
                        "use 0 or a positive number of seconds",
                    );
                }
            }
        }
        for job in jobs(input.objects) {
            let mut fields: Vec<(&Node, String)> = Vec::new();
            for key in ["ttlSecondsAfterFinished", "backoffLimit"] {
                if let Some(n) = job.get(key) {
                    fields.push((n, job.at(key)));
                }
            }
            let rules_path = job.at("deletionStrategy.deletionRules");
            for (i, rule) in seq(dig(job.spec, &["deletionStrategy", "deletionRules"]))
                .iter()
                .enumerate()
            {
                if let Some(n) = dig(rule, &["condition", "ttlSeconds"]) {
                    fields.push((n, join(&index(&rules_path, i), "condition.ttlSeconds")));
                }
            }
            for (node, path) in fields {
                if let Some(v) = as_int(node).filter(|v| *v < 0) {
                    sink.report(
                        job.obj,
                        node.pos,
                        &path,
                        format!("{} is {v}; it cannot be negative", last_key(&path)),
                        "use 0 or a positive number",
                    );
                }
            }
        }
    }
}

fn last_key(path: &str) -> &str {
    path.rsplit('.').next().unwrap_or(path)
}

declare_rule! {
    /// ## What it does
    /// Checks that a RayJob's `activeDeadlineSeconds` and
    /// `preRunningDeadlineSeconds` are positive when set.
    ///
    /// ## Why is this bad?
    /// A deadline of zero or less fails the job before it can run; the
    /// operator rejects it at reconcile time.
    ///
    /// ## Example
    /// ```yaml
    /// spec:
    ///   activeDeadlineSeconds: 0
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// spec:
    ///   activeDeadlineSeconds: 3600
    /// ```
    /// or leave the field out for no deadline.
    pub(crate) struct NonPositiveDeadline;
}

impl Check for NonPositiveDeadline {
    fn check(input: &Input, sink: &mut Sink) {
        for job in jobs(input.objects) {
            for key in ["activeDeadlineSeconds", "preRunningDeadlineSeconds"] {
                let Some(node) = job.get(key) else { continue };
                if let Some(v) = as_int(node).filter(|v| *v <= 0) {
                    sink.report(
                        job.obj,
                        node.pos,
                        job.at(key),
                        format!("{key} is {v}; a deadline must be a positive number of seconds"),
                        format!("set {key} to 1 or more, or remove it for no deadline"),
                    );
                }
            }
        }
    }
}
