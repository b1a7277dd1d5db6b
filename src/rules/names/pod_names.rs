//! Names inside one pod: containers and ports.

use std::collections::BTreeMap;

use crate::rules::registry::Check;
use crate::rules::view::{child, clusters, index, join, seq};
use crate::rules::{Input, Sink};

declare_rule! {
    /// ## What it does
    /// Checks that the containers and init containers of each Ray pod
    /// template have distinct names.
    ///
    /// ## Why is this bad?
    /// The API server rejects a pod with two containers of one name, so the
    /// operator cannot create the head or the workers.
    ///
    /// ## Example
    /// ```yaml
    /// containers:
    ///   - name: ray-head
    ///     image: rayproject/ray:2.52.0
    ///   - name: ray-head
    ///     image: fluent/fluent-bit:3.0
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// containers:
    ///   - name: ray-head
    ///     image: rayproject/ray:2.52.0
    ///   - name: log-shipper
    ///     image: fluent/fluent-bit:3.0
    /// ```
    pub(crate) struct DuplicateContainerName;
}

impl Check for DuplicateContainerName {
    fn check(input: &Input, sink: &mut Sink) {
        for cluster in clusters(input.objects) {
            for group in cluster.groups() {
                let mut seen: BTreeMap<&str, String> = BTreeMap::new();
                for c in group
                    .init_containers()
                    .into_iter()
                    .chain(group.containers())
                {
                    let Some(node) = child(c.node, "name") else {
                        continue;
                    };
                    let Some(name) = node.as_str() else { continue };
                    match seen.get(name) {
                        Some(first) => sink.report(
                            cluster.obj,
                            node.pos,
                            c.at("name"),
                            format!(
                                "container name `{name}` is already used in {} by {first}",
                                group.describe()
                            ),
                            "give every container and init container of the pod its own name",
                        ),
                        None => {
                            seen.insert(name, c.path.clone());
                        }
                    }
                }
            }
        }
    }
}

declare_rule! {
    /// ## What it does
    /// Checks that the ports of each container have distinct names.
    ///
    /// ## Why is this bad?
    /// The API server rejects a container with two ports of one name; KubeRay
    /// also looks ports up by name (`dashboard`, `client`, `gcs-server`), so a
    /// repeated name makes the Services point at the wrong port.
    ///
    /// ## Example
    /// ```yaml
    /// ports:
    ///   - containerPort: 8265
    ///     name: dashboard
    ///   - containerPort: 8266
    ///     name: dashboard
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// ports:
    ///   - containerPort: 8265
    ///     name: dashboard
    ///   - containerPort: 8266
    ///     name: metrics
    /// ```
    pub(crate) struct DuplicatePortName;
}

impl Check for DuplicatePortName {
    fn check(input: &Input, sink: &mut Sink) {
        for cluster in clusters(input.objects) {
            for group in cluster.groups() {
                for c in group
                    .init_containers()
                    .into_iter()
                    .chain(group.containers())
                {
                    let base = c.at("ports");
                    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
                    for (i, port) in seq(child(c.node, "ports")).iter().enumerate() {
                        let Some(node) = child(port, "name") else {
                            continue;
                        };
                        let Some(name) = node.as_str() else { continue };
                        match seen.get(name) {
                            Some(first) => sink.report(
                                cluster.obj,
                                node.pos,
                                join(&index(&base, i), "name"),
                                format!(
                                    "port name `{name}` is already used by {}",
                                    index(&base, *first)
                                ),
                                "give every port of the container its own name",
                            ),
                            None => {
                                seen.insert(name, i);
                            }
                        }
                    }
                }
            }
        }
    }
}
