//! Read-only views over KubeRay objects: where the RayCluster spec, the
//! groups, pod templates and containers sit in each kind, with their dotted
//! paths. Rules navigate through these so no rule re-learns the layout of a
//! RayJob or a RayCronJob. Pure functions over `Node`; no diagnostics here.

use std::collections::BTreeSet;

use crate::load::node::{Entry, Node, Pos, Value};

use super::{IGNORE_ANNOTATION, parse_ignore_list};

/// A mapping child, treating an explicit `null` as absent (the API server drops it).
pub(crate) fn child<'a>(node: &'a Node, key: &str) -> Option<&'a Node> {
    node.get(key).filter(|n| !n.is_null())
}

/// Follows `keys` through nested mappings.
pub(crate) fn dig<'a>(node: &'a Node, keys: &[&str]) -> Option<&'a Node> {
    keys.iter().try_fold(node, |n, k| child(n, k))
}

/// The entry for `key` (with its key position), unless its value is null.
pub(crate) fn entry<'a>(node: &'a Node, key: &str) -> Option<&'a Entry> {
    node.entry(key).filter(|e| !e.value.is_null())
}

/// Position of `key` inside `node`, falling back to the node itself.
pub(crate) fn key_pos(node: &Node, key: &str) -> Pos {
    node.entry(key).map_or(node.pos, |e| e.key_pos)
}

pub(crate) fn as_int(node: &Node) -> Option<i64> {
    match node.value {
        Value::Int(i) => Some(i),
        _ => None,
    }
}

pub(crate) fn as_bool(node: &Node) -> Option<bool> {
    match node.value {
        Value::Bool(b) => Some(b),
        _ => None,
    }
}

pub(crate) fn is_true(node: &Node, key: &str) -> bool {
    child(node, key).and_then(as_bool) == Some(true)
}

pub(crate) fn seq(node: Option<&Node>) -> &[Node] {
    match node.map(|n| &n.value) {
        Some(Value::Seq(items)) => items,
        _ => &[],
    }
}

pub(crate) fn entries(node: Option<&Node>) -> &[Entry] {
    match node.map(|n| &n.value) {
        Some(Value::Map(entries)) => entries,
        _ => &[],
    }
}

/// A scalar as text (`"1"`, `1`, `true` all read as they would be written).
pub(crate) fn scalar_text(node: &Node) -> Option<String> {
    match &node.value {
        Value::Str(s) => Some(s.clone()),
        Value::Int(i) => Some(i.to_string()),
        Value::Float(f) => Some(f.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// `base` and then one key taken from the data (a resource, label or
/// parameter name), bracketed when it holds dots (`limits["nvidia.com/gpu"]`),
/// as every path prints (`diag::FieldPath`).
pub(crate) fn key(base: &str, key: &str) -> String {
    let mut path = base.to_owned();
    crate::diag::path::push_key(&mut path, key);
    path
}

/// `base.rest`, or `rest` at the top; `rest` is one or more plain keys
/// written dotted (`template.spec`). Keys from the data go through [`key`].
/// Built by hand, not with `format!`: every rule builds these paths for
/// every group and container.
pub(crate) fn join(base: &str, key: &str) -> String {
    if base.is_empty() {
        return key.to_owned();
    }
    let mut path = String::with_capacity(base.len() + 1 + key.len());
    path.push_str(base);
    path.push('.');
    path.push_str(key);
    path
}

/// `base[i]`.
pub(crate) fn index(base: &str, i: usize) -> String {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    let mut rest = i;
    loop {
        at -= 1;
        digits[at] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    let mut path = String::with_capacity(base.len() + 2 + digits.len() - at);
    path.push_str(base);
    path.push('[');
    path.extend(digits[at..].iter().map(|&d| char::from(d)));
    path.push(']');
    path
}

/// Calls `f` on every string scalar under `node`, with its dotted path.
pub(crate) fn walk_strings<'a>(
    node: &'a Node,
    path: &str,
    f: &mut dyn FnMut(&'a Node, &str, &'a str),
) {
    match &node.value {
        Value::Str(s) => f(node, path, s),
        Value::Seq(items) => {
            for (i, item) in items.iter().enumerate() {
                walk_strings(item, &index(path, i), f);
            }
        }
        Value::Map(entries) => {
            for e in entries {
                walk_strings(&e.value, &key(path, &e.key), f);
            }
        }
        _ => {}
    }
}

/// One Kubernetes object with the metadata every rule needs.
#[derive(Debug)]
pub(crate) struct Obj<'a> {
    pub file: &'a str,
    pub node: &'a Node,
    pub api_version: &'a str,
    pub kind: &'a str,
    /// `metadata.name`, empty when absent (e.g. only `generateName`).
    pub name: &'a str,
    pub namespace: &'a str,
    ignored: BTreeSet<String>,
}

impl<'a> Obj<'a> {
    pub fn new(file: &'a str, node: &'a Node) -> Obj<'a> {
        let text = |keys: &[&str]| dig(node, keys).and_then(Node::as_str).unwrap_or("");
        let ignored = dig(node, &["metadata", "annotations", IGNORE_ANNOTATION])
            .and_then(Node::as_str)
            .map(parse_ignore_list)
            .unwrap_or_default();
        Obj {
            file,
            node,
            api_version: text(&["apiVersion"]),
            kind: text(&["kind"]),
            name: text(&["metadata", "name"]),
            namespace: text(&["metadata", "namespace"]),
            ignored,
        }
    }

    /// The name for messages: `metadata.name`, else `generateName…`, else `(unnamed)`.
    pub fn display_name(&self) -> String {
        if !self.name.is_empty() {
            return self.name.to_owned();
        }
        match dig(self.node, &["metadata", "generateName"]).and_then(Node::as_str) {
            Some(g) => format!("{g}…"),
            None => "(unnamed)".to_owned(),
        }
    }

    /// A ray.io/v1 object, or a ray.io/v1alpha1 one of a kind that version
    /// serves: the same stored object to the operator, so the same rules.
    pub fn is_ray(&self) -> bool {
        self.api_version == crate::model::kuberay::API_VERSION
            || (self.api_version == crate::validate::ALPHA_API_VERSION
                && crate::validate::ALPHA_KINDS.contains(&self.kind))
    }

    pub fn is(&self, kind: &str) -> bool {
        self.is_ray() && self.kind == kind
    }

    pub fn spec(&self) -> Option<&'a Node> {
        child(self.node, "spec")
    }

    pub fn annotations(&self) -> Option<&'a Node> {
        dig(self.node, &["metadata", "annotations"])
    }

    pub fn annotation(&self, key: &str) -> Option<&'a str> {
        self.annotations()
            .and_then(|a| child(a, key))
            .and_then(Node::as_str)
    }

    /// The annotation's entry, for positions.
    pub fn annotation_entry(&self, key: &str) -> Option<&'a Entry> {
        self.annotations().and_then(|a| entry(a, key))
    }

    pub fn ignores(&self, code: &str) -> bool {
        self.ignored.contains("ALL") || self.ignored.contains(code)
    }
}

/// A RayCluster spec wherever it sits: a RayCluster's `spec`, a RayJob's
/// `spec.rayClusterSpec`, a RayService's `spec.rayClusterConfig`, or a
/// RayCronJob's `spec.jobTemplate.rayClusterSpec`.
pub(crate) struct Cluster<'a> {
    pub obj: &'a Obj<'a>,
    pub spec: &'a Node,
    pub path: String,
}

pub(crate) fn clusters<'a>(objs: &'a [Obj<'a>]) -> Vec<Cluster<'a>> {
    let mut out = Vec::new();
    for obj in objs.iter().filter(|o| o.is_ray()) {
        let keys: &[&str] = match obj.kind {
            "RayCluster" => &["spec"],
            "RayJob" => &["spec", "rayClusterSpec"],
            "RayService" => &["spec", "rayClusterConfig"],
            "RayCronJob" => &["spec", "jobTemplate", "rayClusterSpec"],
            _ => continue,
        };
        if let Some(spec) = dig(obj.node, keys) {
            out.push(Cluster {
                obj,
                spec,
                path: keys.join("."),
            });
        }
    }
    out
}

impl<'a> Cluster<'a> {
    pub fn autoscaling(&self) -> bool {
        is_true(self.spec, "enableInTreeAutoscaling")
    }

    pub fn at(&self, key: &str) -> String {
        join(&self.path, key)
    }

    pub fn head(&self) -> Option<Group<'a>> {
        child(self.spec, "headGroupSpec").map(|node| Group {
            node,
            path: self.at("headGroupSpec"),
            head: true,
            name: None,
        })
    }

    pub fn workers(&self) -> Vec<Group<'a>> {
        let base = self.at("workerGroupSpecs");
        seq(child(self.spec, "workerGroupSpecs"))
            .iter()
            .enumerate()
            .map(|(i, node)| Group {
                node,
                path: index(&base, i),
                head: false,
                name: child(node, "groupName").and_then(Node::as_str),
            })
            .collect()
    }

    /// The head group first, then the worker groups in order.
    pub fn groups(&self) -> Vec<Group<'a>> {
        self.head().into_iter().chain(self.workers()).collect()
    }

    pub fn ray_version(&self) -> Option<&'a Node> {
        child(self.spec, "rayVersion")
    }

    /// Autoscaler v2 the way the operator decides it (`IsAutoscalingV2Enabled`):
    /// `autoscalerOptions.version: v2` only, whatever the env says.
    pub fn autoscaler_v2(&self) -> bool {
        dig(self.spec, &["autoscalerOptions", "version"]).and_then(Node::as_str) == Some("v2")
    }
}

/// The head group or one worker group.
pub(crate) struct Group<'a> {
    pub node: &'a Node,
    pub path: String,
    pub head: bool,
    pub name: Option<&'a str>,
}

impl<'a> Group<'a> {
    /// "the head group" or "worker group `small-group`", for messages.
    pub fn describe(&self) -> String {
        match (self.head, self.name) {
            (true, _) => "the head group".to_owned(),
            (false, Some(n)) => format!("worker group `{n}`"),
            (false, None) => format!("worker group {}", self.path),
        }
    }

    pub fn at(&self, key: &str) -> String {
        join(&self.path, key)
    }

    pub fn pod_spec(&self) -> Option<(&'a Node, String)> {
        dig(self.node, &["template", "spec"]).map(|n| (n, self.at("template.spec")))
    }

    fn container_list(&self, key: &str) -> Vec<Container<'a>> {
        let Some((spec, path)) = self.pod_spec() else {
            return Vec::new();
        };
        let base = join(&path, key);
        seq(child(spec, key))
            .iter()
            .enumerate()
            .map(|(i, node)| Container {
                node,
                path: index(&base, i),
                index: i,
            })
            .collect()
    }

    pub fn containers(&self) -> Vec<Container<'a>> {
        self.container_list("containers")
    }

    pub fn init_containers(&self) -> Vec<Container<'a>> {
        self.container_list("initContainers")
    }

    /// KubeRay treats `containers[0]` as the Ray container.
    pub fn ray_container(&self) -> Option<Container<'a>> {
        self.containers().into_iter().next()
    }

    pub fn ray_start_params(&self) -> Option<&'a Node> {
        child(self.node, "rayStartParams")
    }

    pub fn int(&self, key: &str) -> Option<i64> {
        child(self.node, key).and_then(as_int)
    }

    /// How many pods this group can run at most (1 for the head).
    pub fn max_pods(&self, autoscaling: bool) -> i64 {
        if self.head {
            return 1;
        }
        let hosts = self.int("numOfHosts").unwrap_or(1).max(1);
        let replicas = self.int("replicas").unwrap_or(0);
        let max = if autoscaling {
            self.int("maxReplicas").unwrap_or(i64::from(i32::MAX))
        } else {
            replicas
        };
        replicas.max(max).saturating_mul(hosts)
    }
}

pub(crate) struct Container<'a> {
    pub node: &'a Node,
    pub path: String,
    pub index: usize,
}

/// One `env` item of a container.
pub(crate) struct EnvVar<'a> {
    pub name: &'a str,
    pub node: &'a Node,
    pub path: String,
}

impl<'a> Container<'a> {
    pub fn name(&self) -> Option<&'a str> {
        child(self.node, "name").and_then(Node::as_str)
    }

    pub fn image(&self) -> Option<&'a Node> {
        child(self.node, "image")
    }

    pub fn image_str(&self) -> Option<&'a str> {
        self.image().and_then(Node::as_str)
    }

    pub fn at(&self, key: &str) -> String {
        join(&self.path, key)
    }

    pub fn env(&self) -> Vec<EnvVar<'a>> {
        let base = self.at("env");
        seq(child(self.node, "env"))
            .iter()
            .enumerate()
            .filter_map(|(i, node)| {
                let name = child(node, "name").and_then(Node::as_str)?;
                Some(EnvVar {
                    name,
                    node,
                    path: index(&base, i),
                })
            })
            .collect()
    }

    pub fn env_var(&self, name: &str) -> Option<EnvVar<'a>> {
        self.env().into_iter().find(|e| e.name == name)
    }

    /// `resources.limits` / `resources.requests` as entries.
    pub fn resource_entries(&self, which: &str) -> &'a [Entry] {
        entries(dig(self.node, &["resources", which]))
    }

    /// Does the image say this is a Ray container (`rayproject/ray`, `…/ray-ml`)?
    pub fn has_ray_image(&self) -> bool {
        self.image_str()
            .map(super::images::image_ref::ImageRef::parse)
            .is_some_and(|i| i.repository_name().to_ascii_lowercase().contains("ray"))
    }

    /// Does the name or the image say this is a Ray container?
    pub fn looks_like_ray(&self) -> bool {
        self.has_ray_image()
            || self
                .name()
                .is_some_and(|n| n.to_ascii_lowercase().contains("ray"))
    }
}

/// A RayJob spec wherever it sits: a RayJob's `spec` or a RayCronJob's `spec.jobTemplate`.
pub(crate) struct Job<'a> {
    pub obj: &'a Obj<'a>,
    pub spec: &'a Node,
    pub path: String,
}

pub(crate) fn jobs<'a>(objs: &'a [Obj<'a>]) -> Vec<Job<'a>> {
    let mut out = Vec::new();
    for obj in objs.iter().filter(|o| o.is_ray()) {
        let keys: &[&str] = match obj.kind {
            "RayJob" => &["spec"],
            "RayCronJob" => &["spec", "jobTemplate"],
            _ => continue,
        };
        if let Some(spec) = dig(obj.node, keys) {
            out.push(Job {
                obj,
                spec,
                path: keys.join("."),
            });
        }
    }
    out
}

impl<'a> Job<'a> {
    pub fn at(&self, key: &str) -> String {
        join(&self.path, key)
    }

    pub fn get(&self, key: &str) -> Option<&'a Node> {
        child(self.spec, key)
    }

    pub fn is_true(&self, key: &str) -> bool {
        is_true(self.spec, key)
    }

    /// `submissionMode`, defaulting to K8sJobMode as the operator does.
    pub fn mode(&self) -> &'a str {
        self.get("submissionMode")
            .and_then(Node::as_str)
            .unwrap_or("K8sJobMode")
    }

    pub fn uses_cluster_selector(&self) -> bool {
        !entries(self.get("clusterSelector")).is_empty()
    }

    /// The embedded cluster spec as a [`Cluster`] view.
    pub fn cluster(&self) -> Option<Cluster<'a>> {
        self.get("rayClusterSpec").map(|spec| Cluster {
            obj: self.obj,
            spec,
            path: self.at("rayClusterSpec"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::{index, join};

    #[test]
    fn paths_are_spelled_like_format() {
        for i in [0, 7, 10, 99, 1234, usize::MAX] {
            assert_eq!(index("spec.workers", i), format!("spec.workers[{i}]"));
        }
        assert_eq!(index("", 3), "[3]");
        assert_eq!(join("", "spec"), "spec");
        assert_eq!(join("spec", "rayVersion"), "spec.rayVersion");
    }
}
