//! Submission modes and what each one needs or forbids.

use crate::rules::registry::Check;
use crate::rules::view::{Job, as_int, child, dig, entry, jobs, join, seq};
use crate::rules::{Input, Sink};

declare_rule! {
    /// ## What it does
    /// Flags a `backoffLimit` above 0 on a RayJob in `InteractiveMode`.
    ///
    /// ## Why is this bad?
    /// In interactive mode the user submits the job; a retry would reuse the
    /// old job id and land in a wrong state, so the operator rejects retries.
    ///
    /// ## Example
    /// ```yaml
    /// spec:
    ///   submissionMode: InteractiveMode
    ///   backoffLimit: 2
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// spec:
    ///   submissionMode: InteractiveMode
    /// ```
    pub(crate) struct BackoffLimitInteractive;
}

impl Check for BackoffLimitInteractive {
    fn check(input: &Input, sink: &mut Sink) {
        for job in jobs(input.objects)
            .iter()
            .filter(|j| j.mode() == "InteractiveMode")
        {
            let Some(node) = job
                .get("backoffLimit")
                .filter(|n| as_int(n).is_some_and(|v| v > 0))
            else {
                continue;
            };
            sink.report(
                job.obj,
                node.pos,
                job.at("backoffLimit"),
                "backoffLimit does not work with InteractiveMode",
                "remove backoffLimit (or set it to 0)",
            );
        }
    }
}

declare_rule! {
    /// ## What it does
    /// Checks that a RayJob (or RayCronJob job template) that submits an
    /// entrypoint has a non-empty `entrypoint`. Exempt: `InteractiveMode`, and
    /// `K8sJobMode` with a `submitterPodTemplate` whose first container has its
    /// own `command` — the operator then runs that command and never reads
    /// `entrypoint` (`getSubmitterTemplate` in
    /// `ray-operator/controllers/ray/rayjob_controller.go`, v1.0.0 to v1.7.0).
    ///
    /// ## Why is this bad?
    /// Every other mode submits the entrypoint; without one the submission
    /// fails after the cluster was created, wasting it. The operator itself
    /// does not require `entrypoint`, so it accepts the job.
    ///
    /// ## Example
    /// ```yaml
    /// spec:
    ///   rayClusterSpec: {}
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// spec:
    ///   entrypoint: python /home/ray/samples/train.py
    ///   rayClusterSpec: {}
    /// ```
    pub(crate) struct MissingEntrypoint;
}

impl Check for MissingEntrypoint {
    fn check(input: &Input, sink: &mut Sink) {
        for job in jobs(input.objects)
            .iter()
            .filter(|j| j.mode() != "InteractiveMode")
        {
            let entrypoint = job.get("entrypoint").and_then(|n| n.as_str()).unwrap_or("");
            if !entrypoint.trim().is_empty() || own_submitter_command(job) {
                continue;
            }
            let pos = job.get("entrypoint").map_or(job.spec.pos, |n| n.pos);
            sink.report(
                job.obj,
                pos,
                job.at("entrypoint"),
                format!("the job has no entrypoint, but {} submits one", job.mode()),
                "set entrypoint to the command to run (or use submissionMode: InteractiveMode)",
            );
        }
    }
}

/// In K8sJobMode, a submitter pod whose first container has a `command` runs
/// that command instead of submitting `entrypoint`.
fn own_submitter_command(job: &Job) -> bool {
    let containers = job
        .get("submitterPodTemplate")
        .and_then(|t| dig(t, &["spec", "containers"]));
    let command = seq(containers).first().and_then(|c| child(c, "command"));
    job.mode() == "K8sJobMode" && !seq(command).is_empty()
}

declare_rule! {
    /// ## What it does
    /// Flags `submitterPodTemplate` or `submitterConfig` on a RayJob in `SidecarMode`.
    ///
    /// ## Why is this bad?
    /// In sidecar mode the job is submitted from a container in the head
    /// pod; there is no submitter pod to configure, and the operator rejects
    /// the job.
    ///
    /// ## Example
    /// ```yaml
    /// spec:
    ///   submissionMode: SidecarMode
    ///   submitterPodTemplate:
    ///     spec: {}
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// spec:
    ///   submissionMode: SidecarMode
    /// ```
    pub(crate) struct SidecarModeSubmitter;
}

impl Check for SidecarModeSubmitter {
    fn check(input: &Input, sink: &mut Sink) {
        for job in jobs(input.objects)
            .iter()
            .filter(|j| j.mode() == "SidecarMode")
        {
            for key in ["submitterPodTemplate", "submitterConfig"] {
                let Some(e) = entry(job.spec, key) else {
                    continue;
                };
                sink.report(
                    job.obj,
                    e.key_pos,
                    job.at(key),
                    format!("{key} does not work with SidecarMode"),
                    format!("remove {key}, or use K8sJobMode"),
                );
            }
        }
    }
}

declare_rule! {
    /// ## What it does
    /// Checks that a `SidecarMode` RayJob's head pod has `restartPolicy`
    /// Never or unset.
    ///
    /// ## Why is this bad?
    /// The submitter runs as a container of the head pod; restarting it in
    /// place would submit the job again. The operator rejects the job.
    ///
    /// ## Example
    /// ```yaml
    /// spec:
    ///   submissionMode: SidecarMode
    ///   rayClusterSpec:
    ///     headGroupSpec:
    ///       template:
    ///         spec:
    ///           restartPolicy: Always
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// spec:
    ///   submissionMode: SidecarMode
    ///   rayClusterSpec:
    ///     headGroupSpec:
    ///       template:
    ///         spec:
    ///           restartPolicy: Never
    /// ```
    pub(crate) struct SidecarModeHeadRestartPolicy;
}

impl Check for SidecarModeHeadRestartPolicy {
    fn check(input: &Input, sink: &mut Sink) {
        for job in jobs(input.objects)
            .iter()
            .filter(|j| j.mode() == "SidecarMode")
        {
            let Some(head) = job.cluster().and_then(|c| c.head()) else {
                continue;
            };
            let Some((spec, path)) = head.pod_spec() else {
                continue;
            };
            let Some(node) = child(spec, "restartPolicy") else {
                continue;
            };
            let Some(policy) = node.as_str().filter(|p| *p != "Never" && !p.is_empty()) else {
                continue;
            };
            sink.report(
                job.obj,
                node.pos,
                join(&path, "restartPolicy"),
                format!(
                    "the head pod's restartPolicy is {policy}; SidecarMode needs Never or unset"
                ),
                "set restartPolicy: Never on the head pod template, or remove it",
            );
        }
    }
}
