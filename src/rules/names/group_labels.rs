//! The `labels` of a head or worker group: Kubernetes label syntax.

use std::sync::LazyLock;

use regex::Regex;

use crate::rules::names::is_dns1123_subdomain;
use crate::rules::registry::Check;
use crate::rules::view::{child, clusters, join};
use crate::rules::{Input, Sink};

/// A label name or a non-empty label value (`IsQualifiedName`, `IsValidLabelValue`).
static LABEL_PART: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$").expect("a valid pattern")
});

/// Why `key` is no valid label key, if it is not (Kubernetes' `IsQualifiedName`).
fn key_problem(key: &str) -> Option<&'static str> {
    let (prefix, name) = match key.split_once('/') {
        Some((prefix, name)) => (Some(prefix), name),
        None => (None, key),
    };
    if let Some(prefix) = prefix
        && (prefix.is_empty() || !is_dns1123_subdomain(prefix))
    {
        return Some("its prefix (before `/`) must be a DNS subdomain such as `example.com`");
    }
    if name.is_empty() || name.len() > 63 || !LABEL_PART.is_match(name) {
        return Some(
            "its name must be 1 to 63 letters, digits, `-`, `_` or `.`, starting and ending with a letter or digit",
        );
    }
    None
}

/// Why `value` is no valid label value, if it is not (`IsValidLabelValue`).
fn value_problem(value: &str) -> Option<&'static str> {
    (!value.is_empty() && (value.len() > 63 || !LABEL_PART.is_match(value))).then_some(
        "a value must be empty or 1 to 63 letters, digits, `-`, `_` or `.`, starting and ending with a letter or digit",
    )
}

declare_rule! {
    /// ## What it does
    /// Checks the keys and values of a head or worker group's `labels` (the
    /// Ray node labels of KubeRay v1.5) against Kubernetes label syntax.
    ///
    /// ## Why is this bad?
    /// KubeRay passes the labels to Ray and to the Pods; from v1.5 the operator
    /// rejects the whole cluster when one is malformed (`validateRayGroupLabels`,
    /// ray-operator/controllers/ray/utils/validation.go@v1.5.0). The CRD takes any
    /// string, so only the operator's events show the error.
    ///
    /// ## Example
    /// ```yaml
    /// workerGroupSpecs:
    ///   - groupName: gpu
    ///     labels:
    ///       accelerator type: A100
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// workerGroupSpecs:
    ///   - groupName: gpu
    ///     labels:
    ///       accelerator-type: A100
    /// ```
    pub(crate) struct InvalidGroupLabel;
}

impl Check for InvalidGroupLabel {
    fn check(input: &Input, sink: &mut Sink) {
        for cluster in clusters(input.objects) {
            for group in cluster.groups() {
                let Some(labels) = child(group.node, "labels") else {
                    continue;
                };
                let crate::load::node::Value::Map(entries) = &labels.value else {
                    continue;
                };
                let base = group.at("labels");
                for e in entries {
                    let path = join(&base, &e.key);
                    if let Some(problem) = key_problem(&e.key) {
                        sink.report(
                            cluster.obj,
                            e.key_pos,
                            &path,
                            format!(
                                "{} has the label key `{}`, which is no valid label key: {problem}; the operator rejects the cluster",
                                group.describe(),
                                e.key
                            ),
                            "rename the key, e.g. `ray.io/accelerator-type` or `accelerator-type`",
                        );
                    }
                    if let Some(value) = e.value.as_str()
                        && let Some(problem) = value_problem(value)
                    {
                        sink.report(
                            cluster.obj,
                            e.value.pos,
                            &path,
                            format!(
                                "{} has the label `{}: {value}`, whose value is invalid: {problem}; the operator rejects the cluster",
                                group.describe(),
                                e.key
                            ),
                            "shorten the value or replace other characters by `-`",
                        );
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_syntax() {
        assert_eq!(key_problem("ray.io/market-type"), None);
        assert_eq!(key_problem("zone"), None);
        assert!(key_problem("accelerator type").is_some());
        assert!(key_problem("/x").is_some());
        assert!(key_problem("Example.com/x").is_some());
        assert!(key_problem("a/b/c").is_some());
        assert!(key_problem(&"k".repeat(64)).is_some());
        assert_eq!(value_problem(""), None);
        assert_eq!(value_problem("A100_x.y-z"), None);
        assert!(value_problem("-spot").is_some());
        assert!(value_problem("a b").is_some());
        assert!(value_problem(&"v".repeat(64)).is_some());
    }
}
