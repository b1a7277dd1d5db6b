//! Which documents are Ray objects, from `apiVersion` and `kind` alone. A Ray
//! kind under an API version the KubeRay CRDs do not serve (`v1`, `rayio/v1`,
//! `ray.io`, `ray.io/v2`), or an unknown kind in the `ray.io` group, is an
//! error: the API server would refuse it, and skipping it would let a typo
//! pass. Unrelated YAML (workflows, charts' values, other CRDs) is no object
//! of ours and stays skipped.

use crate::diag::codes;
use crate::load::node::Node;
use crate::model::kuberay;
use crate::schema::SchemaError;
use crate::schema::closest;

/// The API group of the KubeRay CRDs.
const GROUP: &str = "ray.io";

/// The API version every KubeRay CRD still serves, deprecated since v1.7.
pub const ALPHA_API_VERSION: &str = "ray.io/v1alpha1";

/// The kinds served as `ray.io/v1alpha1` (RayCronJob never was).
pub const ALPHA_KINDS: [&str; 3] = ["RayCluster", "RayJob", "RayService"];

/// What a document is.
#[derive(Debug)]
pub(super) enum Identity {
    /// A `ray.io/v1` object of a known kind.
    V1,
    /// A `ray.io/v1alpha1` RayCluster, RayJob or RayService.
    Alpha,
    /// Not a Ray object: another API's kind or unrelated YAML.
    Other,
    /// Says it is a Ray object, but no KubeRay CRD serves this type.
    Wrong(SchemaError),
}

/// Classifies a document by its (non-empty) `apiVersion` and `kind`.
pub(super) fn identify(node: &Node, api_version: &str, kind: &str) -> Identity {
    let at = |key: &str| node.get(key).map_or(node.pos, |n| n.pos);
    let (group, version) = match api_version.split_once('/') {
        Some((group, version)) => (group, Some(version)),
        // `v1` is the core group; `ray.io` is a group without its version.
        None if api_version.contains('.') => (api_version, None),
        None => ("", Some(api_version)),
    };
    let ray_kind = kuberay::KINDS.contains(&kind);
    // Computed only where a message needs it: this runs for every object.
    let near_kind = || closest(kind, kuberay::KINDS);
    if group == GROUP {
        return match version {
            Some("v1") if ray_kind => Identity::V1,
            Some("v1alpha1") if ALPHA_KINDS.contains(&kind) => Identity::Alpha,
            Some("v1") => {
                Identity::Wrong(unknown_kind(at("kind"), api_version, kind, &kuberay::KINDS))
            }
            Some("v1alpha1") if ray_kind => Identity::Wrong(
                SchemaError::new(
                    codes::API_VERSION,
                    at("apiVersion"),
                    "apiVersion",
                    format!(
                        "{kind} is not served as {ALPHA_API_VERSION}; only as {}",
                        kuberay::API_VERSION
                    ),
                )
                .with_help(format!("use `apiVersion: {}`", kuberay::API_VERSION)),
            ),
            Some("v1alpha1") => {
                Identity::Wrong(unknown_kind(at("kind"), api_version, kind, &ALPHA_KINDS))
            }
            _ => Identity::Wrong(wrong_api_version(
                at("apiVersion"),
                api_version,
                kind,
                near_kind(),
            )),
        };
    }
    // A Ray kind (or a near miss) in the core group or a near miss of `ray.io`.
    let near_group = group.is_empty() || closest(group, [GROUP]).is_some();
    if near_group {
        let near_kind = near_kind();
        if ray_kind || near_kind.is_some() {
            return Identity::Wrong(wrong_api_version(
                at("apiVersion"),
                api_version,
                kind,
                near_kind,
            ));
        }
    }
    Identity::Other
}

fn unknown_kind(
    pos: crate::load::node::Pos,
    api_version: &str,
    kind: &str,
    kinds: &[&str],
) -> SchemaError {
    let served = kinds.join(", ");
    let help = match closest(kind, kinds.iter().copied()) {
        Some(near) => format!("did you mean `kind: {near}`? {api_version} serves {served}"),
        None => format!("{api_version} serves {served}"),
    };
    SchemaError::new(
        codes::UNKNOWN_KIND,
        pos,
        "kind",
        format!("{api_version} has no kind `{kind}`"),
    )
    .with_help(help)
}

fn wrong_api_version(
    pos: crate::load::node::Pos,
    api_version: &str,
    kind: &str,
    near_kind: Option<&str>,
) -> SchemaError {
    let v1 = kuberay::API_VERSION;
    let help = match near_kind {
        Some(near) => format!("did you mean `apiVersion: {v1}` and `kind: {near}`?"),
        None => format!("did you mean `apiVersion: {v1}`?"),
    };
    SchemaError::new(
        codes::API_VERSION,
        pos,
        "apiVersion",
        format!(
            "`{api_version}` is no API version of KubeRay's `{kind}`: the KubeRay CRDs serve {v1}"
        ),
    )
    .with_help(help)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::{Limits, parse_documents};

    fn check(api_version: &str, kind: &str) -> Identity {
        let yaml = format!("apiVersion: {api_version}\nkind: {kind}\n");
        let docs = parse_documents("t.yaml", &yaml, Limits::USER).unwrap();
        identify(&docs[0].node, api_version, kind)
    }

    fn help(identity: Identity) -> String {
        match identity {
            Identity::Wrong(e) => format!("{} | {}", e.message, e.help.unwrap_or_default()),
            other => panic!("expected an error, got {other:?}"),
        }
    }

    #[test]
    fn ray_kinds_under_other_api_versions_are_errors() {
        for api in [
            "v1",
            "rayio/v1",
            "ray.io",
            "ray.io/v2",
            "Ray.io/v1",
            "ray-io/v1beta1",
        ] {
            let text = help(check(api, "RayCluster"));
            assert!(
                text.contains("did you mean `apiVersion: ray.io/v1`?"),
                "{api}: {text}"
            );
            assert!(!text.contains("v1alpha1"), "{api}: {text}");
        }
        assert!(help(check("rayio/v1", "RayClustr")).contains("`kind: RayCluster`"));
        assert!(
            help(check("ray.io/v1alpha1", "RayCronJob")).contains("use `apiVersion: ray.io/v1`")
        );
    }

    #[test]
    fn unknown_kinds_of_ray_io_are_errors() {
        let text = help(check("ray.io/v1", "RayClustr"));
        assert!(
            text.starts_with("ray.io/v1 has no kind `RayClustr`"),
            "{text}"
        );
        assert!(text.contains("did you mean `kind: RayCluster`?"), "{text}");
        let text = help(check("ray.io/v1", "Deployment"));
        assert!(!text.contains("did you mean"), "{text}");
    }

    #[test]
    fn ray_objects_and_unrelated_yaml() {
        assert!(matches!(check("ray.io/v1", "RayCronJob"), Identity::V1));
        assert!(matches!(
            check("ray.io/v1alpha1", "RayService"),
            Identity::Alpha
        ));
        for (api, kind) in [
            ("v1", "ConfigMap"),
            ("apps/v1", "Deployment"),
            ("kueue.x-k8s.io/v1beta1", "RayCluster"),
            ("example.com/v1", "RayJob"),
            ("argoproj.io/v1alpha1", "Application"),
            ("rayc.dev/v1alpha1", "RayJob"),
            ("v1", "Secret"),
        ] {
            assert!(matches!(check(api, kind), Identity::Other), "{api} {kind}");
        }
    }
}
