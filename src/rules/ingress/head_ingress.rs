//! `enableIngress` on the head: an ingress class, and an nginx rewrite that
//! refers only to capture groups the path has.

use crate::model::kuberay::KubeRayVersion;
use crate::rules::registry::Check;
use crate::rules::view::{Cluster, Group, clusters, dig, is_true, key_pos};
use crate::rules::{Input, Sink};

const CLASS_ANNOTATION: &str = "kubernetes.io/ingress.class";
const REWRITE_ANNOTATION: &str = "nginx.ingress.kubernetes.io/rewrite-target";

fn ingress_head<'a>(cluster: &Cluster<'a>) -> Option<Group<'a>> {
    cluster.head().filter(|h| is_true(h.node, "enableIngress"))
}

declare_rule! {
    /// ## What it does
    /// Flags `enableIngress: true` on the head group when the object has no
    /// `kubernetes.io/ingress.class` annotation.
    ///
    /// ## Why is this bad?
    /// KubeRay copies the annotation into the Ingress it creates as its
    /// class. Without it the Ingress has no class: unless the cluster has a
    /// default IngressClass, no controller serves it and the dashboard stays
    /// unreachable.
    ///
    /// ## Example
    /// ```yaml
    /// metadata:
    ///   name: demo
    /// spec:
    ///   headGroupSpec:
    ///     enableIngress: true
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// metadata:
    ///   name: demo
    ///   annotations:
    ///     kubernetes.io/ingress.class: nginx
    /// spec:
    ///   headGroupSpec:
    ///     enableIngress: true
    /// ```
    ///
    /// ## References
    /// - [KubeRay ingress guide](https://docs.ray.io/en/latest/cluster/kubernetes/k8s-ecosystem/ingress.html)
    pub(crate) struct IngressWithoutClass;
}

impl Check for IngressWithoutClass {
    fn check(input: &Input, sink: &mut Sink) {
        for cluster in clusters(input.objects) {
            let Some(head) = ingress_head(&cluster) else {
                continue;
            };
            if cluster.obj.annotation(CLASS_ANNOTATION).is_some() {
                continue;
            }
            sink.report(
                cluster.obj,
                key_pos(head.node, "enableIngress"),
                head.at("enableIngress"),
                format!("enableIngress is on but the {} has no {CLASS_ANNOTATION} annotation", cluster.obj.kind),
                format!("add the annotation {CLASS_ANNOTATION}: <class> (e.g. nginx) to the object's metadata"),
            );
        }
    }
}

/// KubeRay before v1.7 has no `ingressOptions` and serves `/<name>/(.*)`.
fn before_ingress_options(version: KubeRayVersion) -> bool {
    version < KubeRayVersion::V1_7
}

/// The numbers of `$1`, `${2}` references in a rewrite target.
fn capture_refs(target: &str) -> Vec<u32> {
    let mut refs = Vec::new();
    for (i, _) in target.match_indices('$') {
        let rest = target[i + 1..]
            .strip_prefix('{')
            .unwrap_or(&target[i + 1..]);
        let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
        if let Ok(n) = digits.parse() {
            refs.push(n);
        }
    }
    refs
}

/// Capture groups in a path regex: `(` not escaped and not `(?`.
fn capture_groups(path: &str) -> u32 {
    let b = path.as_bytes();
    let mut count = 0;
    for (i, c) in b.iter().enumerate() {
        let escaped = i > 0 && b[i - 1] == b'\\';
        if *c == b'(' && !escaped && b.get(i + 1) != Some(&b'?') {
            count += 1;
        }
    }
    count
}

declare_rule! {
    /// ## What it does
    /// With `enableIngress: true`, checks that each `$n` in the nginx
    /// `rewrite-target` annotation refers to a capture group of the ingress
    /// path: `headGroupSpec.ingressOptions.path` where set; else KubeRay's
    /// default, `/` from v1.7 (which added `ingressOptions`) and
    /// `/<cluster name>/(.*)` (one group) before.
    ///
    /// ## Why is this bad?
    /// A reference to a group the path lacks expands to nothing: every
    /// request is rewritten to `/`, so the dashboard's assets and API calls
    /// all return the index page. The tutorial's `rewrite-target: /$1` with
    /// KubeRay v1.7's default path `/` does exactly this.
    ///
    /// ## Example
    /// ```yaml
    /// metadata:
    ///   annotations:
    ///     nginx.ingress.kubernetes.io/rewrite-target: /$1
    /// spec:
    ///   headGroupSpec:
    ///     enableIngress: true
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// metadata:
    ///   annotations:
    ///     nginx.ingress.kubernetes.io/use-regex: "true"
    ///     nginx.ingress.kubernetes.io/rewrite-target: /$1
    /// spec:
    ///   headGroupSpec:
    ///     enableIngress: true
    ///     ingressOptions:
    ///       path: /demo/(.*)
    ///       pathType: ImplementationSpecific
    /// ```
    ///
    /// ## References
    /// - [ingress-nginx rewrite](https://kubernetes.github.io/ingress-nginx/examples/rewrite/)
    pub(crate) struct RewriteTargetWithoutCapture;
}

impl Check for RewriteTargetWithoutCapture {
    fn check(input: &Input, sink: &mut Sink) {
        for cluster in clusters(input.objects) {
            let Some(head) = ingress_head(&cluster) else {
                continue;
            };
            let Some(e) = cluster.obj.annotation_entry(REWRITE_ANNOTATION) else {
                continue;
            };
            let Some(target) = e.value.as_str() else {
                continue;
            };
            let default_path = if before_ingress_options(input.ctx.version()) {
                "/<cluster name>/(.*)"
            } else {
                "/"
            };
            let path = dig(head.node, &["ingressOptions", "path"])
                .and_then(|p| p.as_str())
                .unwrap_or(default_path);
            let groups = capture_groups(path);
            let Some(missing) = capture_refs(target)
                .into_iter()
                .find(|n| *n > groups || *n == 0)
            else {
                continue;
            };
            sink.report(
                cluster.obj,
                e.value.pos,
                format!("metadata.annotations.{REWRITE_ANNOTATION}"),
                format!(
                    "rewrite-target `{}` uses ${missing}, but the ingress path `{path}` has {groups} capture group(s); ${missing} expands to nothing",
                    target.trim()
                ),
                "give headGroupSpec.ingressOptions.path a matching capture group (e.g. /<name>/(.*)), or drop the rewrite",
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{capture_groups, capture_refs};

    #[test]
    fn counts_groups_and_refs() {
        assert_eq!(capture_groups("/"), 0);
        assert_eq!(capture_groups("/demo/(.*)"), 1);
        assert_eq!(capture_groups("/demo(/|$)(.*)"), 2);
        assert_eq!(capture_groups("/demo(?:x)\\(y\\)"), 0);
        assert_eq!(capture_refs("/$1 "), vec![1]);
        assert_eq!(capture_refs("/${2}"), vec![2]);
        assert_eq!(capture_refs("/static"), Vec::<u32>::new());
    }
}
