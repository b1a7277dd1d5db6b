//! `authOptions`: the Ray versions token authentication needs, and
//! combinations the operator rejects.

use crate::load::node::Node;
use crate::rules::registry::Check;
use crate::rules::view::{Cluster, as_bool, child, clusters, entry};
use crate::rules::{Input, Sink};

use super::image_ref::Version;

struct Auth<'a> {
    node: &'a Node,
    path: String,
    token_mode: bool,
    k8s_token: Option<&'a Node>,
}

fn auth<'a>(cluster: &Cluster<'a>) -> Option<Auth<'a>> {
    let node = child(cluster.spec, "authOptions")?;
    let k8s_token = child(node, "enableK8sTokenAuth").filter(|n| as_bool(n) == Some(true));
    Some(Auth {
        node,
        path: cluster.at("authOptions"),
        token_mode: child(node, "mode").and_then(Node::as_str) == Some("token"),
        k8s_token,
    })
}

fn ray_version(cluster: &Cluster) -> Option<Version> {
    cluster
        .ray_version()
        .and_then(Node::as_str)
        .and_then(Version::parse)
}

fn version_text(cluster: &Cluster) -> String {
    match cluster.ray_version().and_then(Node::as_str) {
        Some(v) => format!("rayVersion is {v}"),
        None => "rayVersion is not set".to_owned(),
    }
}

declare_rule! {
    /// ## What it does
    /// Checks that a cluster with `authOptions.mode: token` sets a
    /// `rayVersion` of 2.52.0 or later.
    ///
    /// ## Why is this bad?
    /// Token authentication exists from Ray 2.52.0; the operator rejects the
    /// cluster otherwise, and an older Ray would run without authentication.
    ///
    /// ## Example
    /// ```yaml
    /// spec:
    ///   rayVersion: "2.46.0"
    ///   authOptions:
    ///     mode: token
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// spec:
    ///   rayVersion: "2.52.0"
    ///   authOptions:
    ///     mode: token
    /// ```
    ///
    /// ## References
    /// - [KubeRay authentication](https://docs.ray.io/en/latest/cluster/kubernetes/user-guides/kuberay-auth.html)
    pub(crate) struct AuthTokenRayVersion;
}

impl Check for AuthTokenRayVersion {
    fn check(input: &Input, sink: &mut Sink) {
        for cluster in clusters(input.objects) {
            let Some(a) = auth(&cluster).filter(|a| a.token_mode) else {
                continue;
            };
            if ray_version(&cluster).is_some_and(|v| v.at_least(2, 52, 0)) {
                continue;
            }
            let pos = child(a.node, "mode").map_or(a.node.pos, |n| n.pos);
            sink.report(
                cluster.obj,
                pos,
                format!("{}.mode", a.path),
                format!(
                    "token authentication needs Ray 2.52.0 or later, but {}",
                    version_text(&cluster)
                ),
                "set rayVersion to \"2.52.0\" or later (and use images of that version)",
            );
        }
    }
}

declare_rule! {
    /// ## What it does
    /// Checks that a cluster with `authOptions.enableK8sTokenAuth: true` sets
    /// a `rayVersion` of 2.55.0 or later.
    ///
    /// ## Why is this bad?
    /// Kubernetes-delegated token authentication exists from Ray 2.55.0; the
    /// operator rejects the cluster with an older `rayVersion`.
    ///
    /// ## Example
    /// ```yaml
    /// spec:
    ///   rayVersion: "2.52.0"
    ///   authOptions:
    ///     mode: token
    ///     enableK8sTokenAuth: true
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// spec:
    ///   rayVersion: "2.55.0"
    ///   authOptions:
    ///     mode: token
    ///     enableK8sTokenAuth: true
    /// ```
    pub(crate) struct K8sTokenAuthRayVersion;
}

impl Check for K8sTokenAuthRayVersion {
    fn check(input: &Input, sink: &mut Sink) {
        for cluster in clusters(input.objects) {
            let Some(a) = auth(&cluster).filter(|a| a.token_mode) else {
                continue;
            };
            let Some(flag) = a.k8s_token else { continue };
            if ray_version(&cluster).is_some_and(|v| v.at_least(2, 55, 0)) {
                continue;
            }
            sink.report(
                cluster.obj,
                flag.pos,
                format!("{}.enableK8sTokenAuth", a.path),
                format!(
                    "Kubernetes token authentication needs Ray 2.55.0 or later, but {}",
                    version_text(&cluster)
                ),
                "set rayVersion to \"2.55.0\" or later, or turn enableK8sTokenAuth off",
            );
        }
    }
}

declare_rule! {
    /// ## What it does
    /// Flags `authOptions.secretName` together with `enableK8sTokenAuth: true`.
    ///
    /// ## Why is this bad?
    /// With Kubernetes token authentication Ray checks ServiceAccount tokens
    /// against the API server and uses no static token Secret; the operator
    /// rejects the combination.
    ///
    /// ## Example
    /// ```yaml
    /// authOptions:
    ///   mode: token
    ///   enableK8sTokenAuth: true
    ///   secretName: ray-token
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// authOptions:
    ///   mode: token
    ///   enableK8sTokenAuth: true
    /// ```
    pub(crate) struct K8sTokenAuthWithSecret;
}

impl Check for K8sTokenAuthWithSecret {
    fn check(input: &Input, sink: &mut Sink) {
        for cluster in clusters(input.objects) {
            let Some(a) = auth(&cluster) else { continue };
            if a.k8s_token.is_none() {
                continue;
            }
            let Some(e) = entry(a.node, "secretName")
                .filter(|e| e.value.as_str().is_some_and(|s| !s.is_empty()))
            else {
                continue;
            };
            sink.report(
                cluster.obj,
                e.key_pos,
                format!("{}.secretName", a.path),
                "authOptions.secretName is set together with enableK8sTokenAuth",
                "remove secretName: Kubernetes token authentication uses no token Secret",
            );
        }
    }
}

declare_rule! {
    /// ## What it does
    /// Flags `authOptions.enableK8sTokenAuth: true` without `mode: token`.
    ///
    /// ## Why is this bad?
    /// Kubernetes token authentication is a kind of token authentication;
    /// the operator rejects it when token mode is off.
    ///
    /// ## Example
    /// ```yaml
    /// authOptions:
    ///   enableK8sTokenAuth: true
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// authOptions:
    ///   mode: token
    ///   enableK8sTokenAuth: true
    /// ```
    pub(crate) struct K8sTokenAuthWithoutTokenMode;
}

impl Check for K8sTokenAuthWithoutTokenMode {
    fn check(input: &Input, sink: &mut Sink) {
        for cluster in clusters(input.objects) {
            let Some(a) = auth(&cluster).filter(|a| !a.token_mode) else {
                continue;
            };
            let Some(flag) = a.k8s_token else { continue };
            sink.report(
                cluster.obj,
                flag.pos,
                format!("{}.enableK8sTokenAuth", a.path),
                "enableK8sTokenAuth is on, but authOptions.mode is not `token`",
                "set authOptions.mode: token",
            );
        }
    }
}

declare_rule! {
    /// ## What it does
    /// Flags `authOptions.enableK8sTokenAuth: true` in the cluster of a
    /// RayJob, RayService or RayCronJob.
    ///
    /// ## Why is this bad?
    /// Kubernetes token authentication works only for a RayCluster of its
    /// own: the operator rejects a RayJob or RayService that asks for it
    /// (`ValidateRayJobSpec`, `ValidateRayServiceSpec`,
    /// ray-operator/controllers/ray/utils/validation.go@v1.6.0), and a
    /// RayCronJob's jobs with it.
    ///
    /// ## Example
    /// ```yaml
    /// kind: RayJob
    /// spec:
    ///   rayClusterSpec:
    ///     authOptions:
    ///       mode: token
    ///       enableK8sTokenAuth: true
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// kind: RayJob
    /// spec:
    ///   rayClusterSpec:
    ///     authOptions:
    ///       mode: token
    /// ```
    pub(crate) struct K8sTokenAuthInManagedCluster;
}

impl Check for K8sTokenAuthInManagedCluster {
    fn check(input: &Input, sink: &mut Sink) {
        for cluster in clusters(input.objects) {
            if cluster.obj.kind == "RayCluster" {
                continue;
            }
            let Some(a) = auth(&cluster) else { continue };
            let Some(flag) = a.k8s_token else { continue };
            sink.report(
                cluster.obj,
                flag.pos,
                format!("{}.enableK8sTokenAuth", a.path),
                format!(
                    "Kubernetes token authentication is not supported for a {}; the operator rejects it",
                    cluster.obj.kind
                ),
                "remove enableK8sTokenAuth (keep `mode: token` for a shared token), or run a RayCluster of its own",
            );
        }
    }
}
