//! GCS fault tolerance settings the operator rejects together.

use crate::rules::registry::Check;
use crate::rules::view::{Cluster, child, clusters, entry, join, key_pos};
use crate::rules::{Input, Sink};

const FT_ANNOTATION: &str = "ray.io/ft-enabled";
const STORAGE_NS_ANNOTATION: &str = "ray.io/external-storage-namespace";

fn has_options(cluster: &Cluster) -> bool {
    child(cluster.spec, "gcsFaultToleranceOptions").is_some()
}

fn ft_enabled(cluster: &Cluster) -> bool {
    has_options(cluster)
        || cluster
            .obj
            .annotation(FT_ANNOTATION)
            .is_some_and(|v| v.eq_ignore_ascii_case("true"))
}

declare_rule! {
    /// ## What it does
    /// Flags the `ray.io/ft-enabled` annotation on an object whose cluster
    /// sets `gcsFaultToleranceOptions`.
    ///
    /// ## Why is this bad?
    /// The annotation is the older way to turn on GCS fault tolerance; with
    /// both, the operator rejects the cluster rather than merge them.
    ///
    /// ## Example
    /// ```yaml
    /// metadata:
    ///   annotations:
    ///     ray.io/ft-enabled: "true"
    /// spec:
    ///   gcsFaultToleranceOptions:
    ///     redisAddress: redis:6379
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// spec:
    ///   gcsFaultToleranceOptions:
    ///     redisAddress: redis:6379
    /// ```
    ///
    /// ## References
    /// - [KubeRay GCS fault tolerance](https://docs.ray.io/en/latest/cluster/kubernetes/user-guides/kuberay-gcs-ft.html)
    pub(crate) struct FtAnnotationWithOptions;
}

impl Check for FtAnnotationWithOptions {
    fn check(input: &Input, sink: &mut Sink) {
        for cluster in clusters(input.objects).iter().filter(|c| has_options(c)) {
            let Some(e) = cluster.obj.annotation_entry(FT_ANNOTATION) else {
                continue;
            };
            sink.report(
                cluster.obj,
                e.key_pos,
                format!("metadata.annotations.{FT_ANNOTATION}"),
                format!("the {FT_ANNOTATION} annotation and gcsFaultToleranceOptions are both set"),
                "remove the annotation; gcsFaultToleranceOptions turns fault tolerance on",
            );
        }
    }
}

declare_rule! {
    /// ## What it does
    /// With `gcsFaultToleranceOptions`, flags the older ways of configuring
    /// Redis that it replaces: `redis-password` in the head's
    /// `rayStartParams`, `REDIS_PASSWORD` or `RAY_REDIS_ADDRESS` env vars on
    /// the head's Ray container, and the `ray.io/external-storage-namespace`
    /// annotation.
    ///
    /// ## Why is this bad?
    /// Each has a field in `gcsFaultToleranceOptions` (`redisPassword`,
    /// `redisAddress`, `externalStorageNamespace`); the operator rejects the
    /// cluster rather than guess which one wins.
    ///
    /// ## Example
    /// ```yaml
    /// gcsFaultToleranceOptions:
    ///   redisAddress: redis:6379
    /// headGroupSpec:
    ///   template:
    ///     spec:
    ///       containers:
    ///         - name: ray-head
    ///           env:
    ///             - name: REDIS_PASSWORD
    ///               value: secret
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// gcsFaultToleranceOptions:
    ///   redisAddress: redis:6379
    ///   redisPassword:
    ///     valueFrom:
    ///       secretKeyRef: {name: redis-password, key: password}
    /// ```
    pub(crate) struct LegacyRedisSettingWithFtOptions;
}

impl Check for LegacyRedisSettingWithFtOptions {
    fn check(input: &Input, sink: &mut Sink) {
        for cluster in clusters(input.objects).iter().filter(|c| has_options(c)) {
            let Some(head) = cluster.head() else { continue };
            if let Some(params) = head.ray_start_params()
                && let Some(e) = entry(params, "redis-password")
            {
                sink.report(
                    cluster.obj,
                    e.key_pos,
                    join(&head.at("rayStartParams"), "redis-password"),
                    "rayStartParams redis-password is set together with gcsFaultToleranceOptions",
                    "move the password to gcsFaultToleranceOptions.redisPassword",
                );
            }
            if let Some(c) = head.ray_container() {
                for (var, field) in [
                    ("REDIS_PASSWORD", "redisPassword"),
                    ("RAY_REDIS_ADDRESS", "redisAddress"),
                ] {
                    let Some(env) = c.env_var(var) else { continue };
                    let pos = child(env.node, "name").map_or(env.node.pos, |n| n.pos);
                    sink.report(
                        cluster.obj,
                        pos,
                        env.path.clone(),
                        format!("env var {var} on the head is set together with gcsFaultToleranceOptions"),
                        format!("remove {var} and use gcsFaultToleranceOptions.{field}"),
                    );
                }
            }
            if let Some(e) = cluster.obj.annotation_entry(STORAGE_NS_ANNOTATION) {
                sink.report(
                    cluster.obj,
                    e.key_pos,
                    format!("metadata.annotations.{STORAGE_NS_ANNOTATION}"),
                    format!("the {STORAGE_NS_ANNOTATION} annotation is set together with gcsFaultToleranceOptions"),
                    "remove the annotation and use gcsFaultToleranceOptions.externalStorageNamespace",
                );
            }
        }
    }
}

declare_rule! {
    /// ## What it does
    /// Flags `RAY_REDIS_ADDRESS` on the head's Ray container when GCS fault
    /// tolerance is off (no `gcsFaultToleranceOptions`, no
    /// `ray.io/ft-enabled: "true"`).
    ///
    /// ## Why is this bad?
    /// The variable turns fault tolerance on behind the operator's back; the
    /// operator rejects the cluster and asks for `gcsFaultToleranceOptions`.
    ///
    /// ## Example
    /// ```yaml
    /// headGroupSpec:
    ///   template:
    ///     spec:
    ///       containers:
    ///         - name: ray-head
    ///           env:
    ///             - name: RAY_REDIS_ADDRESS
    ///               value: redis:6379
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// gcsFaultToleranceOptions:
    ///   redisAddress: redis:6379
    /// ```
    pub(crate) struct RedisAddressWithoutFt;
}

impl Check for RedisAddressWithoutFt {
    fn check(input: &Input, sink: &mut Sink) {
        for cluster in clusters(input.objects).iter().filter(|c| !ft_enabled(c)) {
            let Some(env) = cluster
                .head()
                .and_then(|h| h.ray_container())
                .and_then(|c| c.env_var("RAY_REDIS_ADDRESS"))
            else {
                continue;
            };
            let pos = child(env.node, "name").map_or(env.node.pos, |n| n.pos);
            sink.report(
                cluster.obj,
                pos,
                env.path.clone(),
                "RAY_REDIS_ADDRESS is set on the head but GCS fault tolerance is not configured",
                "set gcsFaultToleranceOptions.redisAddress instead of the env var",
            );
        }
    }
}

declare_rule! {
    /// ## What it does
    /// Flags a Redis user name given as `redis-username` in the head's
    /// `rayStartParams` or as the `REDIS_USERNAME` env var on its Ray container.
    ///
    /// ## Why is this bad?
    /// The operator accepts the user name only as
    /// `gcsFaultToleranceOptions.redisUsername` and rejects the cluster otherwise.
    ///
    /// ## Example
    /// ```yaml
    /// headGroupSpec:
    ///   rayStartParams:
    ///     redis-username: ray
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// gcsFaultToleranceOptions:
    ///   redisAddress: redis:6379
    ///   redisUsername:
    ///     value: ray
    /// ```
    pub(crate) struct RedisUsernameOutsideOptions;
}

impl Check for RedisUsernameOutsideOptions {
    fn check(input: &Input, sink: &mut Sink) {
        for cluster in clusters(input.objects) {
            let Some(head) = cluster.head() else { continue };
            if let Some(params) = head.ray_start_params()
                && params
                    .get("redis-username")
                    .and_then(|n| n.as_str())
                    .is_some_and(|s| !s.is_empty())
            {
                sink.report(
                    cluster.obj,
                    key_pos(params, "redis-username"),
                    join(&head.at("rayStartParams"), "redis-username"),
                    "rayStartParams redis-username is not supported",
                    "use gcsFaultToleranceOptions.redisUsername",
                );
            }
            if let Some(env) = head
                .ray_container()
                .and_then(|c| c.env_var("REDIS_USERNAME"))
            {
                let pos = child(env.node, "name").map_or(env.node.pos, |n| n.pos);
                sink.report(
                    cluster.obj,
                    pos,
                    env.path.clone(),
                    "env var REDIS_USERNAME on the head is not supported",
                    "use gcsFaultToleranceOptions.redisUsername",
                );
            }
        }
    }
}
