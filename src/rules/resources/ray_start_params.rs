//! `rayStartParams`: no resources set twice, no `labels`, string values only.

use crate::load::node::Value;
use crate::rules::registry::Check;
use crate::rules::view::{child, clusters, entries, join, key};
use crate::rules::{Input, Sink};

const RESOURCE_PARAMS: &[&str] = &["num-cpus", "num-gpus", "memory", "resources"];

declare_rule! {
    /// ## What it does
    /// Flags a group that sets Ray resources both in `rayStartParams`
    /// (`num-cpus`, `num-gpus`, `memory`, `resources`) and in the group's
    /// `resources` field.
    ///
    /// ## Why is this bad?
    /// The two say the same thing in two places; the operator rejects the
    /// cluster rather than guess which one wins.
    ///
    /// ## Example
    /// ```yaml
    /// workerGroupSpecs:
    ///   - groupName: workers
    ///     rayStartParams:
    ///       num-cpus: "4"
    ///     resources:
    ///       CPU: "4"
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// workerGroupSpecs:
    ///   - groupName: workers
    ///     resources:
    ///       CPU: "4"
    /// ```
    pub(crate) struct RayResourcesTwice;
}

impl Check for RayResourcesTwice {
    fn check(input: &Input, sink: &mut Sink) {
        for cluster in clusters(input.objects) {
            for group in cluster.groups() {
                if entries(child(group.node, "resources")).is_empty() {
                    continue;
                }
                for e in entries(group.ray_start_params()) {
                    let set = e.value.as_str().is_some_and(|s| !s.is_empty())
                        || !matches!(e.value.value, Value::Str(_) | Value::Null);
                    if RESOURCE_PARAMS.contains(&e.key.as_str()) && set {
                        sink.report(
                            cluster.obj,
                            e.key_pos,
                            key(&group.at("rayStartParams"), &e.key),
                            format!("{} sets rayStartParams {} and the group's resources field", group.describe(), e.key),
                            "declare Ray resources in one place: the group's resources field, or rayStartParams",
                        );
                    }
                }
            }
        }
    }
}

declare_rule! {
    /// ## What it does
    /// Flags `labels` in `rayStartParams`.
    ///
    /// ## Why is this bad?
    /// KubeRay sets Ray node labels itself from the group's `labels` field
    /// and rejects `rayStartParams.labels`.
    ///
    /// ## Example
    /// ```yaml
    /// rayStartParams:
    ///   labels: "zone=us-east-1a"
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// labels:
    ///   zone: us-east-1a
    /// ```
    pub(crate) struct LabelsInRayStartParams;
}

impl Check for LabelsInRayStartParams {
    fn check(input: &Input, sink: &mut Sink) {
        for cluster in clusters(input.objects) {
            for group in cluster.groups() {
                let Some(e) = group.ray_start_params().and_then(|p| p.entry("labels")) else {
                    continue;
                };
                sink.report(
                    cluster.obj,
                    e.key_pos,
                    join(&group.at("rayStartParams"), "labels"),
                    format!("{} sets labels in rayStartParams", group.describe()),
                    "move the labels to the group's labels field (a map of key: value)",
                );
            }
        }
    }
}

declare_rule! {
    /// ## What it does
    /// Checks that every `rayStartParams` value is a string.
    ///
    /// ## Why is this bad?
    /// `rayStartParams` is a map of strings: `num-cpus: 1` (a number) or
    /// `block: true` (a boolean) is rejected by the API server. Quote them.
    ///
    /// ## Example
    /// ```yaml
    /// rayStartParams:
    ///   num-cpus: 0
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// rayStartParams:
    ///   num-cpus: "0"
    /// ```
    pub(crate) struct RayStartParamNotString;
}

impl Check for RayStartParamNotString {
    fn check(input: &Input, sink: &mut Sink) {
        for cluster in clusters(input.objects) {
            for group in cluster.groups() {
                for e in entries(group.ray_start_params()) {
                    let shown = match &e.value.value {
                        Value::Str(_) => continue,
                        Value::Int(i) => i.to_string(),
                        Value::Float(f) => f.to_string(),
                        Value::Bool(b) => b.to_string(),
                        Value::Null => "null".to_owned(),
                        other => other.type_name().to_owned(),
                    };
                    sink.report(
                        cluster.obj,
                        e.value.pos,
                        key(&group.at("rayStartParams"), &e.key),
                        format!(
                            "rayStartParams {} is {} ({}), not a string",
                            e.key,
                            shown,
                            e.value.type_name()
                        ),
                        format!("quote the value: {}: \"{shown}\"", e.key),
                    );
                }
            }
        }
    }
}
