//! RayService settings the operator rejects: a head Service name, a negative
//! deletion delay, incremental upgrades without what they need.

use crate::load::node::{Node, Pos};
use crate::rules::registry::Check;
use crate::rules::view::{Obj, as_int, child, dig, entry, key_pos};
use crate::rules::{Input, Sink};

fn services<'a>(input: &'a Input<'a>) -> impl Iterator<Item = (&'a Obj<'a>, &'a Node)> {
    input
        .objects
        .iter()
        .filter(|o| o.is("RayService"))
        .filter_map(|o| Some((o, o.spec()?)))
}

fn incremental(spec: &Node) -> bool {
    dig(spec, &["upgradeStrategy", "type"]).and_then(Node::as_str)
        == Some("NewClusterWithIncrementalUpgrade")
}

declare_rule! {
    /// ## What it does
    /// Flags `rayClusterConfig.headGroupSpec.headService.metadata.name` in a RayService.
    ///
    /// ## Why is this bad?
    /// A RayService replaces its RayCluster on upgrades, and both clusters
    /// need a head Service at once; a fixed name would collide. From KubeRay
    /// v1.3 the operator rejects it; before, the first upgrade hangs.
    ///
    /// ## Example
    /// ```yaml
    /// kind: RayService
    /// spec:
    ///   rayClusterConfig:
    ///     headGroupSpec:
    ///       headService:
    ///         metadata:
    ///           name: my-head
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// kind: RayService
    /// spec:
    ///   rayClusterConfig:
    ///     headGroupSpec:
    ///       headService:
    ///         metadata:
    ///           labels:
    ///             team: search
    /// ```
    pub(crate) struct RayServiceHeadServiceName;
}

impl Check for RayServiceHeadServiceName {
    fn check(input: &Input, sink: &mut Sink) {
        for (obj, spec) in services(input) {
            let Some(meta) = dig(
                spec,
                &[
                    "rayClusterConfig",
                    "headGroupSpec",
                    "headService",
                    "metadata",
                ],
            ) else {
                continue;
            };
            let Some(e) = entry(meta, "name") else {
                continue;
            };
            sink.report(
                obj,
                e.key_pos,
                "spec.rayClusterConfig.headGroupSpec.headService.metadata.name",
                if sink.refused() {
                    "a RayService must not name its head Service; the operator rejects it".to_owned()
                } else {
                    format!(
                        "a RayService should not name its head Service; KubeRay {} accepts it, but the first zero-downtime upgrade hangs (refused from v1.3)",
                        sink.version()
                    )
                },
                "remove headService.metadata.name; KubeRay names the Service of each cluster",
            );
        }
    }
}

declare_rule! {
    /// ## What it does
    /// Checks that a RayService's `rayClusterDeletionDelaySeconds` is not negative.
    ///
    /// ## Why is this bad?
    /// The operator rejects the RayService; the delay is how long the old
    /// cluster stays after an upgrade, and cannot be below zero.
    ///
    /// ## Example
    /// ```yaml
    /// spec:
    ///   rayClusterDeletionDelaySeconds: -1
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// spec:
    ///   rayClusterDeletionDelaySeconds: 60
    /// ```
    pub(crate) struct NegativeClusterDeletionDelay;
}

impl Check for NegativeClusterDeletionDelay {
    fn check(input: &Input, sink: &mut Sink) {
        for (obj, spec) in services(input) {
            let Some(node) = child(spec, "rayClusterDeletionDelaySeconds") else {
                continue;
            };
            let Some(v) = as_int(node).filter(|v| *v < 0) else {
                continue;
            };
            sink.report(
                obj,
                node.pos,
                "spec.rayClusterDeletionDelaySeconds",
                format!("rayClusterDeletionDelaySeconds is {v}; it cannot be negative"),
                "use 0 or a positive number of seconds",
            );
        }
    }
}

declare_rule! {
    /// ## What it does
    /// Checks that a RayService with `upgradeStrategy.type:
    /// NewClusterWithIncrementalUpgrade` enables in-tree autoscaling.
    ///
    /// ## Why is this bad?
    /// An incremental upgrade grows the new cluster step by step through the
    /// autoscaler; without it the operator rejects the RayService.
    ///
    /// ## Example
    /// ```yaml
    /// spec:
    ///   upgradeStrategy:
    ///     type: NewClusterWithIncrementalUpgrade
    ///   rayClusterConfig:
    ///     headGroupSpec: {}
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// spec:
    ///   upgradeStrategy:
    ///     type: NewClusterWithIncrementalUpgrade
    ///   rayClusterConfig:
    ///     enableInTreeAutoscaling: true
    ///     headGroupSpec: {}
    /// ```
    pub(crate) struct IncrementalUpgradeWithoutAutoscaler;
}

impl Check for IncrementalUpgradeWithoutAutoscaler {
    fn check(input: &Input, sink: &mut Sink) {
        for (obj, spec) in services(input).filter(|(_, s)| incremental(s)) {
            let autoscaling = child(spec, "rayClusterConfig")
                .is_some_and(|c| crate::rules::view::is_true(c, "enableInTreeAutoscaling"));
            if autoscaling {
                continue;
            }
            let pos = dig(spec, &["upgradeStrategy", "type"]).map_or(spec.pos, |n| n.pos);
            sink.report(
                obj,
                pos,
                "spec.upgradeStrategy.type",
                "NewClusterWithIncrementalUpgrade needs the autoscaler, but rayClusterConfig.enableInTreeAutoscaling is not true",
                "set rayClusterConfig.enableInTreeAutoscaling: true, or use upgradeStrategy.type NewCluster",
            );
        }
    }
}

declare_rule! {
    /// ## What it does
    /// Checks `upgradeStrategy.clusterUpgradeOptions` of an incremental
    /// upgrade: present, with a `gatewayClassName`, `intervalSeconds` above 0,
    /// `stepSizePercent` and `maxSurgePercent` within 0..100, and the step
    /// no larger than the surge.
    ///
    /// ## Why is this bad?
    /// Incremental upgrades shift traffic through a Gateway in steps; the
    /// operator rejects the RayService when any of these is missing or out
    /// of range. A step larger than the allowed surge can never be taken.
    ///
    /// ## Example
    /// ```yaml
    /// upgradeStrategy:
    ///   type: NewClusterWithIncrementalUpgrade
    ///   clusterUpgradeOptions:
    ///     stepSizePercent: 50
    ///     maxSurgePercent: 20
    ///     intervalSeconds: 30
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// upgradeStrategy:
    ///   type: NewClusterWithIncrementalUpgrade
    ///   clusterUpgradeOptions:
    ///     gatewayClassName: istio
    ///     stepSizePercent: 20
    ///     maxSurgePercent: 50
    ///     intervalSeconds: 30
    /// ```
    pub(crate) struct IncrementalUpgradeOptions;
}

impl Check for IncrementalUpgradeOptions {
    fn check(input: &Input, sink: &mut Sink) {
        const BASE: &str = "spec.upgradeStrategy.clusterUpgradeOptions";
        for (obj, spec) in services(input).filter(|(_, s)| incremental(s)) {
            let Some(opts) = dig(spec, &["upgradeStrategy", "clusterUpgradeOptions"]) else {
                let pos = dig(spec, &["upgradeStrategy", "type"]).map_or(spec.pos, |n| n.pos);
                sink.report(
                    obj,
                    pos,
                    BASE,
                    "NewClusterWithIncrementalUpgrade needs upgradeStrategy.clusterUpgradeOptions",
                    "add clusterUpgradeOptions with gatewayClassName, stepSizePercent and intervalSeconds",
                );
                continue;
            };
            // Missing fields are reported on the `clusterUpgradeOptions` key.
            let missing = dig(spec, &["upgradeStrategy"])
                .map_or(opts.pos, |u| key_pos(u, "clusterUpgradeOptions"));
            let mut problems: Vec<(Pos, &str, String)> = Vec::new();
            if child(opts, "gatewayClassName")
                .and_then(Node::as_str)
                .is_none_or(str::is_empty)
            {
                problems.push((
                    missing,
                    "gatewayClassName",
                    "gatewayClassName is required".to_owned(),
                ));
            }
            match child(opts, "intervalSeconds").map(|n| (n, as_int(n))) {
                Some((n, Some(v))) if v <= 0 => {
                    problems.push((
                        n.pos,
                        "intervalSeconds",
                        format!("intervalSeconds is {v}; it must be above 0"),
                    ));
                }
                None => problems.push((
                    missing,
                    "intervalSeconds",
                    "intervalSeconds is required".to_owned(),
                )),
                _ => {}
            }
            let step = child(opts, "stepSizePercent");
            let surge = child(opts, "maxSurgePercent");
            if step.is_none() {
                problems.push((
                    missing,
                    "stepSizePercent",
                    "stepSizePercent is required".to_owned(),
                ));
            }
            for (key, node) in [("stepSizePercent", step), ("maxSurgePercent", surge)] {
                if let Some(n) = node
                    && let Some(v) = as_int(n).filter(|v| !(0..=100).contains(v))
                {
                    problems.push((
                        n.pos,
                        key,
                        format!("{key} is {v}; it must be between 0 and 100"),
                    ));
                }
            }
            let surge_value = surge.and_then(as_int).unwrap_or(100);
            if let Some(n) = step
                && let Some(v) = as_int(n).filter(|v| (0..=100).contains(v) && *v > surge_value)
            {
                problems.push((
                    n.pos,
                    "stepSizePercent",
                    format!("stepSizePercent {v} is larger than maxSurgePercent {surge_value}"),
                ));
            }
            for (pos, key, message) in problems {
                sink.report(
                    obj,
                    pos,
                    format!("{BASE}.{key}"),
                    message,
                    "give clusterUpgradeOptions a gatewayClassName, intervalSeconds > 0, and stepSizePercent <= maxSurgePercent (both 0..100)",
                );
            }
        }
    }
}

/// The RayService annotation that bounds how long a new cluster may take to
/// become ready (`RayServiceInitializingTimeoutAnnotation`).
const INITIALIZING_TIMEOUT: &str = "ray.io/initializing-timeout";

declare_rule! {
    /// ## What it does
    /// Checks the RayService annotation `ray.io/initializing-timeout`: a Go
    /// duration such as `5m` or `1h30m`, or a whole number of seconds, above
    /// zero.
    ///
    /// ## Why is this bad?
    /// From KubeRay v1.5 the operator rejects a RayService whose timeout it
    /// cannot read (`validateInitializingTimeout`,
    /// ray-operator/controllers/ray/utils/validation.go@v1.5.0): `5 minutes`,
    /// `5M` or `0` stop the whole RayService, not just the timeout.
    ///
    /// ## Example
    /// ```yaml
    /// metadata:
    ///   annotations:
    ///     ray.io/initializing-timeout: 10 minutes
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// metadata:
    ///   annotations:
    ///     ray.io/initializing-timeout: 10m
    /// ```
    pub(crate) struct InvalidInitializingTimeout;
}

impl Check for InvalidInitializingTimeout {
    fn check(input: &Input, sink: &mut Sink) {
        for obj in input.objects.iter().filter(|o| o.is("RayService")) {
            let Some(e) = obj.annotation_entry(INITIALIZING_TIMEOUT) else {
                continue;
            };
            let Some(text) = e.value.as_str().filter(|t| !t.is_empty()) else {
                continue; // not a string: the schema's; empty: the operator ignores it
            };
            let why = match go_duration_seconds(text)
                .or_else(|| text.parse::<i64>().ok().map(|s| s as f64))
            {
                Some(t) if t > 0.0 => continue,
                Some(_) => "must be above zero",
                None => "is neither a Go duration (`5m`, `1h30m`) nor whole seconds",
            };
            sink.report(
                obj,
                e.value.pos,
                crate::rules::view::key("metadata.annotations", INITIALIZING_TIMEOUT),
                format!("annotation {INITIALIZING_TIMEOUT}: `{text}` {why}"),
                "write a positive Go duration such as `10m` or `1h`, or whole seconds such as `600`",
            );
        }
    }
}

/// Go's `time.ParseDuration`, in seconds: an optional sign, then one or more
/// decimal numbers each with a unit (`ns`, `us`, `µs`, `ms`, `s`, `m`, `h`);
/// `0` alone needs no unit. `None` where Go returns an error.
fn go_duration_seconds(text: &str) -> Option<f64> {
    let (sign, mut rest) = match text.as_bytes().first()? {
        b'-' => (-1.0, &text[1..]),
        b'+' => (1.0, &text[1..]),
        _ => (1.0, text),
    };
    if rest == "0" {
        return Some(0.0);
    }
    if rest.is_empty() {
        return None;
    }
    let mut total = 0.0;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let (number, tail) = rest.split_at(digits);
        if number.is_empty() || number == "." || number.matches('.').count() > 1 {
            return None;
        }
        let value: f64 = number.parse().ok()?;
        let unit_len = tail
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(tail.len());
        let (unit, tail) = tail.split_at(unit_len);
        let scale = match unit {
            "ns" => 1e-9,
            "us" | "µs" | "μs" => 1e-6,
            "ms" => 1e-3,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            _ => return None,
        };
        total += value * scale;
        rest = tail;
    }
    Some(sign * total)
}

#[cfg(test)]
mod tests {
    use super::go_duration_seconds;

    #[test]
    fn go_durations() {
        assert_eq!(go_duration_seconds("5m"), Some(300.0));
        assert_eq!(go_duration_seconds("1h30m"), Some(5400.0));
        assert_eq!(go_duration_seconds("1.5h"), Some(5400.0));
        assert_eq!(go_duration_seconds("-5m"), Some(-300.0));
        assert_eq!(go_duration_seconds("0"), Some(0.0));
        assert_eq!(go_duration_seconds(".5s"), Some(0.5));
        for bad in ["300", "5M", "5 m", "m", "", "-", "1..2s", "5m3", "ten"] {
            assert_eq!(go_duration_seconds(bad), None, "{bad}");
        }
    }
}
