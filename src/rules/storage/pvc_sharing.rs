//! A ReadWriteOnce claim mounted by more than one pod.

use std::collections::{BTreeMap, BTreeSet};

use crate::load::node::Node;
use crate::rules::registry::Check;
use crate::rules::view::{child, clusters, dig, index, join, seq};
use crate::rules::{Input, Sink};

/// Access modes that let only one node (or pod) use the volume.
fn single_node(modes: &[&str]) -> Option<&'static str> {
    let shared = modes
        .iter()
        .any(|m| matches!(*m, "ReadWriteMany" | "ReadOnlyMany"));
    if shared {
        return None;
    }
    if modes.contains(&"ReadWriteOncePod") {
        Some("ReadWriteOncePod")
    } else if modes.contains(&"ReadWriteOnce") {
        Some("ReadWriteOnce")
    } else {
        None
    }
}

declare_rule! {
    /// ## What it does
    /// Flags a PersistentVolumeClaim of the same set of objects whose access
    /// modes allow a single node (`ReadWriteOnce`, `ReadWriteOncePod`) when
    /// several Ray pods mount it: the head and a worker group, or a worker
    /// group that can run more than one pod (`replicas`, or `maxReplicas`
    /// with autoscaling, times `numOfHosts`).
    ///
    /// ## Why is this bad?
    /// A ReadWriteOnce volume attaches to one node. Pods scheduled on other
    /// nodes hang in `ContainerCreating` with a multi-attach error, so the
    /// cluster never becomes ready (with `ReadWriteOncePod`, even pods on
    /// the same node fail). If all pods are pinned to one node on purpose,
    /// silence the rule on the object with `rayc.dev/ignore: "RAY961"`.
    ///
    /// ## Example
    /// ```yaml
    /// kind: PersistentVolumeClaim
    /// metadata:
    ///   name: data
    /// spec:
    ///   accessModes: [ReadWriteOnce]
    /// ---
    /// kind: RayCluster
    /// spec:
    ///   workerGroupSpecs:
    ///     - groupName: workers
    ///       replicas: 3
    ///       template:
    ///         spec:
    ///           volumes:
    ///             - name: data
    ///               persistentVolumeClaim:
    ///                 claimName: data
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// kind: PersistentVolumeClaim
    /// metadata:
    ///   name: data
    /// spec:
    ///   accessModes: [ReadWriteMany]
    ///   storageClassName: shared-fs
    /// ```
    ///
    /// ## References
    /// - [Kubernetes access modes](https://kubernetes.io/docs/concepts/storage/persistent-volumes/#access-modes)
    pub(crate) struct SingleNodeClaimShared;
}

/// A pod template's volumes that use `claim`.
fn claim_volumes<'a>(spec: &'a Node, spec_path: &str, claim: &str) -> Vec<(&'a Node, String)> {
    let base = join(spec_path, "volumes");
    seq(child(spec, "volumes"))
        .iter()
        .enumerate()
        .filter_map(|(i, v)| {
            let n = dig(v, &["persistentVolumeClaim", "claimName"])?;
            (n.as_str() == Some(claim))
                .then(|| (n, join(&index(&base, i), "persistentVolumeClaim.claimName")))
        })
        .collect()
}

impl Check for SingleNodeClaimShared {
    fn check(input: &Input, sink: &mut Sink) {
        let claims: BTreeMap<(&str, &str), &'static str> = input
            .objects
            .iter()
            .filter(|o| o.kind == "PersistentVolumeClaim" && !o.name.is_empty())
            .filter_map(|o| {
                let modes: Vec<&str> = seq(dig(o.node, &["spec", "accessModes"]))
                    .iter()
                    .filter_map(Node::as_str)
                    .collect();
                Some(((o.namespace, o.name), single_node(&modes)?))
            })
            .collect();
        for cluster in clusters(input.objects) {
            let autoscaling = cluster.autoscaling();
            // Only the claims this cluster mounts: linear in the project size,
            // not clusters × claims.
            let mounted: BTreeSet<&str> = cluster
                .groups()
                .iter()
                .filter_map(|g| g.pod_spec())
                .flat_map(|(spec, _)| {
                    seq(child(spec, "volumes"))
                        .iter()
                        .filter_map(|v| dig(v, &["persistentVolumeClaim", "claimName"])?.as_str())
                        .collect::<Vec<_>>()
                })
                .collect();
            for claim in mounted {
                let Some(mode) = claims.get(&(cluster.obj.namespace, claim)) else {
                    continue;
                };
                let mut pods = 0i64;
                let mut users = Vec::new();
                let mut flagged: Option<(&Node, String)> = None;
                for group in cluster.groups() {
                    let Some((spec, path)) = group.pod_spec() else {
                        continue;
                    };
                    let Some(first) = claim_volumes(spec, &path, claim).into_iter().next() else {
                        continue;
                    };
                    let n = group.max_pods(autoscaling);
                    pods = pods.saturating_add(n);
                    users.push(if group.head {
                        "the head".to_owned()
                    } else {
                        format!("{} (up to {n} pods)", group.describe())
                    });
                    if pods > 1 && flagged.is_none() {
                        flagged = Some(first);
                    }
                }
                let Some((node, path)) = flagged else {
                    continue;
                };
                sink.report(
                    cluster.obj,
                    node.pos,
                    path,
                    format!(
                        "PersistentVolumeClaim `{claim}` is {mode} but is mounted by {}: pods on other nodes cannot attach it",
                        users.join(" and ")
                    ),
                    format!(
                        "use ReadWriteMany storage, mount the claim on one pod only, or, if all pods share one node, silence with rayc.dev/ignore: \"{}\"",
                        sink.code()
                    ),
                );
            }
        }
    }
}
