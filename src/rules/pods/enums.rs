//! Enumerations the CRD types as plain strings.

use crate::load::node::Node;
use crate::rules::registry::Check;
use crate::rules::view::{Obj, child, clusters, dig, index, jobs, join, seq};
use crate::rules::{Input, Sink};

declare_rule! {
    /// ## What it does
    /// Checks string fields that accept only a few values but that the CRD
    /// leaves as free strings: `imagePullPolicy` (Always, IfNotPresent,
    /// Never), a pod's `restartPolicy` (Always, OnFailure, Never), a port's
    /// `protocol` (TCP, UDP, SCTP), the head's `serviceType` (ClusterIP,
    /// NodePort, LoadBalancer), a RayJob's `submissionMode` (K8sJobMode,
    /// HTTPMode, SidecarMode, InteractiveMode) and a RayService's
    /// `upgradeStrategy.type` (NewCluster, NewClusterWithIncrementalUpgrade, None).
    ///
    /// ## Why is this bad?
    /// The CRD admits any string, so a typo such as `IfNotPresnt` or
    /// `K8sJob` passes `kubectl apply` and fails later, in the operator or
    /// when the API server rejects the pods.
    ///
    /// ## Example
    /// ```yaml
    /// containers:
    ///   - name: ray-head
    ///     imagePullPolicy: IfNotPresnt
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// containers:
    ///   - name: ray-head
    ///     imagePullPolicy: IfNotPresent
    /// ```
    pub(crate) struct InvalidEnumValue;
}

const PULL_POLICIES: &[&str] = &["Always", "IfNotPresent", "Never"];
const RESTART_POLICIES: &[&str] = &["Always", "OnFailure", "Never"];
const PROTOCOLS: &[&str] = &["TCP", "UDP", "SCTP"];
const SERVICE_TYPES: &[&str] = &["ClusterIP", "NodePort", "LoadBalancer"];
const SUBMISSION_MODES: &[&str] = &["K8sJobMode", "HTTPMode", "SidecarMode", "InteractiveMode"];
const UPGRADE_TYPES: &[&str] = &["NewCluster", "NewClusterWithIncrementalUpgrade", "None"];

impl Check for InvalidEnumValue {
    fn check(input: &Input, sink: &mut Sink) {
        for cluster in clusters(input.objects) {
            let obj = cluster.obj;
            if let Some(n) = dig(cluster.spec, &["autoscalerOptions", "imagePullPolicy"]) {
                one_of(
                    sink,
                    obj,
                    n,
                    &cluster.at("autoscalerOptions.imagePullPolicy"),
                    PULL_POLICIES,
                );
            }
            for group in cluster.groups() {
                if group.head
                    && let Some(n) = child(group.node, "serviceType")
                {
                    one_of(sink, obj, n, &group.at("serviceType"), SERVICE_TYPES);
                }
                if let Some((spec, path)) = group.pod_spec()
                    && let Some(n) = child(spec, "restartPolicy")
                {
                    one_of(
                        sink,
                        obj,
                        n,
                        &join(&path, "restartPolicy"),
                        RESTART_POLICIES,
                    );
                }
                for c in group
                    .init_containers()
                    .into_iter()
                    .chain(group.containers())
                {
                    if let Some(n) = child(c.node, "imagePullPolicy") {
                        one_of(sink, obj, n, &c.at("imagePullPolicy"), PULL_POLICIES);
                    }
                    let base = c.at("ports");
                    for (i, port) in seq(child(c.node, "ports")).iter().enumerate() {
                        if let Some(n) = child(port, "protocol") {
                            one_of(sink, obj, n, &join(&index(&base, i), "protocol"), PROTOCOLS);
                        }
                    }
                }
            }
        }
        for obj in input.objects.iter().filter(|o| o.is("RayService")) {
            if let Some(n) = obj
                .spec()
                .and_then(|s| dig(s, &["upgradeStrategy", "type"]))
            {
                one_of(sink, obj, n, "spec.upgradeStrategy.type", UPGRADE_TYPES);
            }
        }
        for job in jobs(input.objects) {
            if let Some(n) = job.get("submissionMode") {
                one_of(
                    sink,
                    job.obj,
                    n,
                    &job.at("submissionMode"),
                    SUBMISSION_MODES,
                );
            }
        }
    }
}

fn one_of(sink: &mut Sink, obj: &Obj, node: &Node, path: &str, allowed: &[&str]) {
    let Some(value) = node.as_str() else { return };
    if allowed.contains(&value) {
        return;
    }
    let field = path.rsplit('.').next().unwrap_or(path);
    let close = allowed
        .iter()
        .find(|a| a.eq_ignore_ascii_case(value) || strsim::levenshtein(a, value) <= 2);
    let help = match close {
        Some(c) => format!(
            "did you mean `{c}`? {field} is one of {}",
            allowed.join(", ")
        ),
        None => format!("{field} is one of {}", allowed.join(", ")),
    };
    sink.report(
        obj,
        node.pos,
        path,
        format!("{field} `{value}` is not a valid value"),
        help,
    );
}
