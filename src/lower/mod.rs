//! Phase 4, `lower`: a resolved, checked spec → KubeRay objects (plus the
//! ConfigMaps and PersistentVolumeClaims it needs), following KubeRay's own
//! conventions. Emits only what the user asked for: no operator-injected
//! values, no CRD defaults.

pub mod code;
mod groups;
mod provenance;

pub use provenance::Provenance;

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{Map, Value, json};

use crate::diag::{Diagnostic, FieldPath, Severity, codes};
use crate::load::node::{Node, Pos};
use crate::model::kuberay::KubeRayVersion;
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
    /// Target KubeRay version.
    pub kuberay_version: KubeRayVersion,
    /// Leave `replicas` out of autoscaled worker groups.
    pub omit_autoscaled_replicas: bool,
    /// Append a hash of the spec to RayJob names, so that a changed job is a
    /// new object the GitOps tool creates (KubeRay never reruns an edited RayJob).
    pub hash_job_names: bool,
    /// Hidden paths `code.files` may ship (`allowHiddenCode` in rayc.yaml).
    pub allow_hidden_code: &'a [String],
}

/// One object a spec lowered to, and where its fields came from in the spec.
#[derive(Clone, Debug)]
pub struct Lowered {
    pub object: Value,
    pub provenance: Provenance,
}

/// Lowers one spec. `node` is the resolved spec tree: positions of errors and
/// of each object's [`Provenance`]. Gives the objects and the warnings
/// (values rayc leaves out), or every finding when one is an error.
pub fn lower(
    spec: &SpecDocument,
    node: &Node,
    ctx: &LowerContext,
) -> Result<(Vec<Lowered>, Vec<Diagnostic>), Vec<Diagnostic>> {
    let mut lowerer = Lowerer {
        spec,
        node,
        ctx,
        diags: Vec::new(),
        prov: Provenance::default(),
        cluster_at: FieldPath::root(),
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
    /// Provenance of the main object, filled in as its fields are written.
    prov: Provenance,
    /// Where the RayCluster spec goes in the main object.
    cluster_at: FieldPath,
}

impl Lowerer<'_> {
    fn run(&mut self) -> Vec<Lowered> {
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
            let mut prov = Provenance::default();
            prov.record(FieldPath::root(), self.spec_pos("spec.code"));
            prov.record(
                FieldPath::root().key("data"),
                self.spec_pos("spec.code.files"),
            );
            extra.push((cm, prov));
        }
        for (i, claim) in spec.claims.iter().enumerate() {
            let from = format!("spec.claims[{i}]");
            let mut prov = Provenance::default();
            prov.record(FieldPath::root(), self.spec_pos(&from));
            let claim_spec = FieldPath::root().key("spec");
            for (out, field) in [
                (claim_spec.key("accessModes"), "accessModes"),
                (
                    claim_spec.key("resources").key("requests").key("storage"),
                    "size",
                ),
                (claim_spec.key("storageClassName"), "storageClassName"),
            ] {
                prov.record(out, self.spec_pos(format!("{from}.{field}")));
            }
            extra.push((self.claim(claim), prov));
        }
        self.trace_object(kind);

        // A job on an existing cluster (`clusterSelector`) has no cluster of
        // its own: no groups to build, no image required.
        let on_existing_cluster =
            matches!(kind, "RayJob" | "RayCronJob") && spec.cluster_selector.is_some();
        let object_spec_at = FieldPath::root().key("spec");
        self.cluster_at = match kind {
            "RayJob" => object_spec_at.key("rayClusterSpec"),
            "RayService" => object_spec_at.key("rayClusterConfig"),
            "RayCronJob" => object_spec_at.key("jobTemplate").key("rayClusterSpec"),
            _ => object_spec_at.clone(),
        };
        self.trace(self.cluster_at.clone(), "spec");
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
            self.trace_fragment(&object_spec_at, "spec.kuberay", Some(&object_spec));
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
        let mut objects = vec![Lowered {
            object: Value::Object(main),
            provenance: std::mem::take(&mut self.prov),
        }];
        for (mut obj, provenance) in extra {
            let name = obj["metadata"]["name"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            obj["metadata"] = self.metadata(&name, false);
            objects.push(Lowered {
                object: obj,
                provenance,
            });
        }
        objects
    }

    /// Provenance of the main object's identity, metadata and the fields
    /// `job_spec`, `service_spec` and the RayCronJob write under their spec
    /// names (the cluster's fields are traced where `groups` writes them).
    fn trace_object(&mut self, kind: &str) {
        let root = FieldPath::root();
        // A finding on the whole object points at its name.
        self.trace(root.clone(), "metadata.name");
        for field in ["apiVersion", "kind", "metadata", "spec"] {
            self.trace(root.key(field), field);
        }
        let meta = root.key("metadata");
        for field in ["name", "namespace"] {
            self.trace(meta.key(field), format!("metadata.{field}"));
        }
        for field in ["labels", "annotations"] {
            self.trace_fragment(&meta.key(field), &format!("metadata.{field}"), None);
        }
        let spec = root.key("spec");
        let job = match kind {
            "RayJob" => spec.clone(),
            "RayCronJob" => spec.key("jobTemplate"),
            "RayService" => {
                return self.trace(spec.key("serveConfigV2"), "spec.serveApplications");
            }
            _ => return,
        };
        if kind == "RayCronJob" {
            self.trace(job.clone(), "spec");
            for field in ["schedule", "suspend", "timeZone"] {
                self.trace(spec.key(field), format!("spec.{field}"));
            }
        }
        for (out, from) in [
            ("entrypoint", "entrypoint"),
            ("runtimeEnvYAML", "runtimeEnv"),
            ("shutdownAfterJobFinishes", "shutdownAfterJobFinishes"),
            ("ttlSecondsAfterFinished", "ttlSecondsAfterFinished"),
            ("activeDeadlineSeconds", "activeDeadlineSeconds"),
            ("backoffLimit", "backoffLimit"),
            ("submissionMode", "submissionMode"),
            ("suspend", "suspend"),
            ("clusterSelector", "clusterSelector"),
        ] {
            self.trace(job.key(out), format!("spec.{from}"));
        }
        self.trace_fragment(&job.key("clusterSelector"), "spec.clusterSelector", None);
    }

    /// The resolved spec node at a path, when it exists.
    fn spec_node(&self, path: &FieldPath) -> Option<&Node> {
        path.find(self.node)
    }

    /// The position of the spec node at `path`, when it exists.
    fn spec_pos(&self, path: impl Into<FieldPath>) -> Option<Pos> {
        path.into().exact_pos(self.node)
    }

    /// `out` came from the spec node at `from`, when the spec has it.
    fn trace(&mut self, out: FieldPath, from: impl Into<FieldPath>) {
        let pos = self.spec_pos(from);
        self.prov.record(out, pos);
    }

    /// `out` came from `field` of the first of `layers` (inherited groups,
    /// the nearest first) that has it.
    fn trace_layers(&mut self, out: FieldPath, layers: &[FieldPath], field: &FieldPath) {
        self.trace_layers_to(|| out, layers, field);
    }

    /// [`Lowerer::trace_layers`], building the output path only when the
    /// spec has the field (most optional fields are not in a spec).
    fn trace_layers_to(
        &mut self,
        out: impl FnOnce() -> FieldPath,
        layers: &[FieldPath],
        field: &FieldPath,
    ) {
        let pos = layers.iter().find_map(|layer| {
            FieldPath::exact_pos_of(layer.segments().iter().chain(field.segments()), self.node)
        });
        if pos.is_some() {
            self.prov.record(out(), pos);
        }
    }

    /// Every node of the spec's pass-through fragment at `from`, merged into
    /// the output at `out` (where the object now holds `output`).
    fn trace_fragment(&mut self, out: &FieldPath, from: &str, output: Option<&Value>) {
        let node: &Node = self.node;
        if let Some(fragment) = FieldPath::parse(from).find(node) {
            self.prov.fragment(out, fragment, output);
        }
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
    fn error(&mut self, code: crate::diag::codes::Code, path: &str, message: String, help: String) {
        let pos = FieldPath::parse(path).nearest_pos(self.node);
        let d = Diagnostic::error(code, self.ctx.file, pos, message);
        self.push(d, path, help);
    }

    /// Records a warning at the spec node for `path`.
    fn warning(
        &mut self,
        code: crate::diag::codes::Code,
        path: &str,
        message: String,
        help: String,
    ) {
        let pos = FieldPath::parse(path).nearest_pos(self.node);
        let d = Diagnostic::warning(code, self.ctx.file, pos, message);
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
