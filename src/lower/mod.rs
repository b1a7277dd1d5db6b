//! Phase 4, `lower`: a resolved, checked spec → KubeRay objects (plus the
//! ConfigMaps and PersistentVolumeClaims it needs), following KubeRay's own
//! conventions. Emits only what the user asked for: no operator-injected
//! values, no CRD defaults.

pub mod code;
mod groups;

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{Map, Value, json};

use crate::diag::{Diagnostic, Severity, codes};
use crate::load::node::{Node, Pos};
use crate::model::spec::{Quantity, SpecDocument};

pub const MANAGED_BY: &str = "app.kubernetes.io/managed-by";
pub const PART_OF: &str = "app.kubernetes.io/part-of";
pub const RAY_API_VERSION: &str = "ray.io/v1";

/// What lowering needs besides the spec.
#[derive(Clone, Debug)]
pub struct LowerContext<'a> {
    /// The project root; code files are read below it.
    pub root: &'a Path,
    /// The spec file, relative to the root.
    pub file: &'a str,
    /// Value of `app.kubernetes.io/part-of`.
    pub part_of: &'a str,
    /// Target KubeRay version, `v1.0` … `v1.7`.
    pub kuberay_version: &'a str,
    /// Leave `replicas` out of autoscaled worker groups.
    pub omit_autoscaled_replicas: bool,
    /// Append a hash of the spec to RayJob names, so that a changed job is a
    /// new object the GitOps tool creates (KubeRay never reruns an edited RayJob).
    pub hash_job_names: bool,
    /// Hidden paths `code.files` may ship (`allowHiddenCode` in rayc.yaml).
    pub allow_hidden_code: &'a [String],
}

/// Lowers one spec. `node` is the resolved spec tree, used for error positions.
/// Gives the objects and the warnings (values rayc leaves out), or every finding
/// when one is an error.
pub fn lower(
    spec: &SpecDocument,
    node: &Node,
    ctx: &LowerContext,
) -> Result<(Vec<Value>, Vec<Diagnostic>), Vec<Diagnostic>> {
    let mut lowerer = Lowerer {
        spec,
        node,
        ctx,
        diags: Vec::new(),
    };
    let objects = lowerer.run();
    if lowerer.diags.iter().any(|d| d.severity == Severity::Error) {
        Err(lowerer.diags)
    } else {
        Ok((objects, lowerer.diags))
    }
}

struct Lowerer<'a> {
    spec: &'a SpecDocument,
    node: &'a Node,
    ctx: &'a LowerContext<'a>,
    diags: Vec<Diagnostic>,
}

impl Lowerer<'_> {
    fn run(&mut self) -> Vec<Value> {
        let spec = &self.spec.spec;
        let kind = self.spec.kind.as_str();
        let mut extra = Vec::new();

        let code = match &spec.code {
            Some(code) => {
                let spec_dir = self.ctx.file.rsplit_once('/').map_or("", |(d, _)| d);
                match code::plan(
                    code,
                    spec.entrypoint.as_deref(),
                    &self.spec.metadata.name,
                    self.ctx.root,
                    spec_dir,
                    self.ctx.allow_hidden_code,
                ) {
                    Ok(plan) => Some(plan),
                    Err(e) => {
                        let path = match e.file_index {
                            Some(i) => format!("spec.code.files[{i}]"),
                            None => "spec.code".to_owned(),
                        };
                        self.error(codes::IO, &path, e.message, e.help);
                        None
                    }
                }
            }
            None => None,
        };
        if let Some(cm) = code.as_ref().and_then(|c| c.config_map.clone()) {
            extra.push(cm);
        }
        for claim in &spec.claims {
            extra.push(self.claim(claim));
        }

        // A job on an existing cluster (`clusterSelector`) has no cluster of
        // its own: no groups to build, no image required.
        let on_existing_cluster =
            matches!(kind, "RayJob" | "RayCronJob") && spec.cluster_selector.is_some();
        let cluster = if on_existing_cluster {
            Value::Null
        } else {
            groups::cluster_spec(self, code.as_ref())
        };
        let entrypoint = code
            .as_ref()
            .and_then(|c| c.entrypoint.clone())
            .or_else(|| spec.entrypoint.clone());

        let mut object_spec = match kind {
            "RayCluster" => cluster,
            "RayJob" => self.job_spec(entrypoint, cluster),
            "RayService" => self.service_spec(cluster),
            "RayCronJob" => {
                let job = self.job_spec(entrypoint, cluster);
                let mut cron = Map::new();
                put(&mut cron, "jobTemplate", Some(job));
                put(
                    &mut cron,
                    "schedule",
                    spec.schedule.clone().map(Value::from),
                );
                put(&mut cron, "suspend", spec.suspend.map(Value::from));
                put(
                    &mut cron,
                    "timeZone",
                    spec.time_zone.clone().map(Value::from),
                );
                Value::Object(cron)
            }
            other => {
                self.error(
                    codes::UNKNOWN_KIND,
                    "kind",
                    format!("unknown kind {other:?}"),
                    "use RayJob, RayCluster, RayService or RayCronJob".to_owned(),
                );
                return Vec::new();
            }
        };
        if let Some(pass) = &spec.kuberay {
            merge_json(&mut object_spec, pass);
        }

        let name = if kind == "RayJob" && self.ctx.hash_job_names {
            format!("{}-{}", self.spec.metadata.name, spec_hash(&object_spec))
        } else {
            self.spec.metadata.name.clone()
        };
        // Built directly: `json!` would serialise (deep-copy) the whole spec.
        let mut main = Map::new();
        main.insert("apiVersion".into(), RAY_API_VERSION.into());
        main.insert("kind".into(), kind.into());
        main.insert("metadata".into(), self.metadata(&name, true));
        main.insert("spec".into(), object_spec);
        let mut objects = vec![Value::Object(main)];
        for mut obj in extra {
            let name = obj["metadata"]["name"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            obj["metadata"] = self.metadata(&name, false);
            objects.push(obj);
        }
        objects
    }

    /// Metadata with rayc's labels; annotations only on the main object
    /// (KubeRay copies them to the cluster and its ingress).
    fn metadata(&self, name: &str, main: bool) -> Value {
        let meta = &self.spec.metadata;
        let mut labels: BTreeMap<String, String> = meta.labels.clone();
        labels.insert(MANAGED_BY.into(), "rayc".into());
        labels
            .entry(PART_OF.into())
            .or_insert_with(|| self.ctx.part_of.to_owned());
        let mut out = Map::new();
        out.insert("name".into(), name.into());
        put(
            &mut out,
            "namespace",
            meta.namespace.clone().map(Value::from),
        );
        out.insert("labels".into(), json!(labels));
        if main && !meta.annotations.is_empty() {
            out.insert("annotations".into(), json!(meta.annotations));
        }
        Value::Object(out)
    }

    fn job_spec(&mut self, entrypoint: Option<String>, cluster: Value) -> Value {
        let spec = &self.spec.spec;
        let mut out = Map::new();
        put(&mut out, "entrypoint", entrypoint.map(Value::from));
        let runtime_env = spec
            .runtime_env
            .as_ref()
            .and_then(|r| self.yaml_text(r, "spec.runtimeEnv", "runtimeEnvYAML"));
        put(&mut out, "runtimeEnvYAML", runtime_env.map(Value::from));
        put(
            &mut out,
            "shutdownAfterJobFinishes",
            spec.shutdown_after_job_finishes.map(Value::from),
        );
        put(
            &mut out,
            "ttlSecondsAfterFinished",
            spec.ttl_seconds_after_finished.map(Value::from),
        );
        put(
            &mut out,
            "activeDeadlineSeconds",
            spec.active_deadline_seconds.map(Value::from),
        );
        put(
            &mut out,
            "backoffLimit",
            spec.backoff_limit.map(Value::from),
        );
        put(
            &mut out,
            "submissionMode",
            spec.submission_mode.map(|m| json!(m)),
        );
        put(
            &mut out,
            "suspend",
            if self.spec.kind == "RayJob" {
                spec.suspend.map(Value::from)
            } else {
                None
            },
        );
        match &spec.cluster_selector {
            Some(selector) => {
                out.insert("clusterSelector".into(), json!(selector));
            }
            None => {
                out.insert("rayClusterSpec".into(), cluster);
            }
        }
        Value::Object(out)
    }

    fn service_spec(&mut self, cluster: Value) -> Value {
        let apps: Vec<Value> = self
            .spec
            .spec
            .serve_applications
            .iter()
            .map(|app| {
                let mut a = Map::new();
                a.insert("name".into(), app.name.clone().into());
                a.insert("import_path".into(), app.import_path.clone().into());
                put(
                    &mut a,
                    "route_prefix",
                    app.route_prefix.clone().map(Value::from),
                );
                put(&mut a, "runtime_env", app.runtime_env.clone());
                put(&mut a, "args", app.args.clone());
                if !app.deployments.is_empty() {
                    a.insert("deployments".into(), Value::Array(app.deployments.clone()));
                }
                Value::Object(a)
            })
            .collect();
        let mut out = Map::new();
        if !apps.is_empty() {
            let config = json!({"applications": apps});
            if let Some(text) = self.yaml_text(&config, "spec.serveApplications", "serveConfigV2") {
                out.insert("serveConfigV2".into(), text.into());
            }
        }
        out.insert("rayClusterConfig".into(), cluster);
        Value::Object(out)
    }

    fn claim(&self, claim: &crate::model::spec::ClaimSpec) -> Value {
        let modes: Vec<Value> = if claim.access_modes.is_empty() {
            vec!["ReadWriteOnce".into()]
        } else {
            claim.access_modes.iter().map(|m| json!(m)).collect()
        };
        let mut spec = Map::new();
        spec.insert("accessModes".into(), Value::Array(modes));
        spec.insert(
            "resources".into(),
            json!({"requests": {"storage": quantity(&claim.size)}}),
        );
        put(
            &mut spec,
            "storageClassName",
            claim.storage_class_name.clone().map(Value::from),
        );
        json!({
            "apiVersion": "v1",
            "kind": "PersistentVolumeClaim",
            "metadata": {"name": claim.name},
            "spec": spec,
        })
    }

    /// YAML text of a value for string fields such as `runtimeEnvYAML`, keys
    /// sorted, through the same writer as the output files (one set of quoting
    /// rules, no folding). A value the writer refuses is an error at `path`,
    /// never an empty string.
    fn yaml_text(&mut self, value: &Value, path: &str, field: &str) -> Option<String> {
        let mut sorted = value.clone();
        sort_keys(&mut sorted);
        match crate::emit::to_yaml_document(&sorted) {
            Ok(text) => Some(text),
            Err(e) => {
                self.error(
                    codes::EMBEDDED_YAML,
                    path,
                    format!("rayc cannot write `{path}` as the YAML text of {field}: {e}"),
                    "shorten or restructure the value so that it can be written as YAML".to_owned(),
                );
                None
            }
        }
    }

    /// Records an error at the spec node for `path` (dotted, from the document root).
    fn error(&mut self, code: &'static str, path: &str, message: String, help: String) {
        let d = Diagnostic::error(code, self.ctx.file, pos_of(self.node, path), message);
        self.push(d, path, help);
    }

    /// Records a warning at the spec node for `path`.
    fn warning(&mut self, code: &'static str, path: &str, message: String, help: String) {
        let d = Diagnostic::warning(code, self.ctx.file, pos_of(self.node, path), message);
        self.push(d, path, help);
    }

    fn push(&mut self, d: Diagnostic, path: &str, help: String) {
        self.diags.push(
            d.with_help(help)
                .with_path(path)
                .with_object(self.spec.kind.clone(), self.spec.metadata.name.clone()),
        );
    }
}

/// First 8 hex digits of a SHA-256 over the spec with sorted keys.
fn spec_hash(spec: &Value) -> String {
    use sha2::{Digest, Sha256};
    let mut sorted = spec.clone();
    sort_keys(&mut sorted);
    let digest = Sha256::digest(sorted.to_string().as_bytes());
    digest.iter().take(4).map(|b| format!("{b:02x}")).collect()
}

/// Inserts `value` under `key` when there is one.
fn put(map: &mut Map<String, Value>, key: &str, value: Option<Value>) {
    if let Some(v) = value {
        map.insert(key.to_owned(), v);
    }
}

fn quantity(q: &Quantity) -> Value {
    Value::String(q.as_string())
}

fn sort_keys(value: &mut Value) {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(String, Value)> = std::mem::take(map).into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            for (k, mut v) in entries {
                sort_keys(&mut v);
                map.insert(k, v);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(sort_keys),
        _ => {}
    }
}

/// The position of the node at a dotted path (`spec.code.files[0]`), or the
/// closest ancestor that exists.
pub fn pos_of(root: &Node, path: &str) -> Pos {
    let mut node = root;
    for part in path.split('.') {
        let (key, index) = match part.split_once('[') {
            Some((k, rest)) => (k, rest.trim_end_matches(']').parse::<usize>().ok()),
            None => (part, None),
        };
        let Some(entry) = node.entry(key) else { break };
        node = &entry.value;
        if let (Some(i), crate::load::node::Value::Seq(items)) = (index, &node.value) {
            match items.get(i) {
                Some(item) => node = item,
                None => break,
            }
        } else if index.is_none() && path.ends_with(key) {
            return entry.key_pos;
        }
    }
    node.pos
}

/// Deep merge for pass-through fragments: maps merge, named list items merge
/// by `name` (or `groupName`/`containerPort`), other lists and scalars replace,
/// `null` deletes.
pub fn merge_json(base: &mut Value, patch: &Value) {
    match (base, patch) {
        (Value::Object(b), Value::Object(p)) => {
            for (k, v) in p {
                if v.is_null() {
                    b.remove(k);
                } else if let Some(existing) = b.get_mut(k) {
                    merge_json(existing, v);
                } else {
                    b.insert(k.clone(), v.clone());
                }
            }
        }
        (Value::Array(b), Value::Array(p)) if keyed(p).is_some() && keyed(b).is_some() => {
            let key = keyed(p).unwrap_or("name");
            for item in p {
                match b.iter_mut().find(|i| i.get(key) == item.get(key)) {
                    Some(existing) => merge_json(existing, item),
                    None => b.push(item.clone()),
                }
            }
        }
        (b, p) => *b = p.clone(),
    }
}

/// The key `merge_json` matches items of this list by, if it merges them by key.
pub(crate) fn list_key(items: &[Value]) -> Option<&'static str> {
    keyed(items)
}

fn keyed(items: &[Value]) -> Option<&'static str> {
    ["name", "groupName", "containerPort"]
        .into_iter()
        .find(|k| !items.is_empty() && items.iter().all(|i| i.get(*k).is_some()))
}
