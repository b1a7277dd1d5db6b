//! `rayc import`: KubeRay manifests → a rayc project whose build gives the
//! same objects back (compared after [`normalise`]; `docs/import.md`).
//!
//! recognise (the fields the spec format names) → factor what the specs share
//! into `rayc.yaml` → build → residual (what the build still gets wrong goes
//! into the pass-through fragments) → build again and compare. Comments,
//! unknown fields and what no spec can say are reported, never dropped silently.

mod comments;
mod recognise;
mod residual;

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{Map, Value, json};

use crate::diag::{Diagnostic, codes};
use crate::emit::canonicalize_quantities;
use crate::load::node::Pos;
use crate::load::{Document, Limits, parse_documents};
use crate::lower::{MANAGED_BY, PART_OF};
use crate::model::kuberay::KubeRayVersion;
use crate::model::spec::SPEC_KINDS;
use crate::pipeline::{self, BuildOptions};
use crate::rules;

use recognise::{at, cluster_path};

/// One input file, as the user named it.
pub struct Input {
    pub file: String,
    pub text: String,
}

pub struct Options {
    /// Target KubeRay version; `None` is the newest.
    pub kuberay_version: Option<KubeRayVersion>,
    /// Project name (`app.kubernetes.io/part-of`).
    pub project_name: String,
    /// The operator's feature gates (`--feature-gates`): the input is checked
    /// with them and the new rayc.yaml keeps them as `featureGates`.
    pub feature_gates: Vec<(String, bool)>,
}

/// Lines of one input file and of the spec files made from it.
#[derive(Clone, Debug, PartialEq)]
pub struct Size {
    pub input: String,
    pub input_lines: usize,
    pub spec_lines: usize,
}

/// What an import wrote (below the staging folder) and found.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Relative paths of the files written, sorted.
    pub files: Vec<String>,
    pub diagnostics: Vec<Diagnostic>,
    pub sizes: Vec<Size>,
    /// Lines of `rayc.yaml`.
    pub project_lines: usize,
}

/// One KubeRay object being imported.
struct Item {
    file: String,
    pos: Pos,
    /// The input object, normalised.
    target: Value,
    spec: Value,
    path: String,
    /// Code files (`code.files`): folder below the project and file texts.
    code: Option<CodeDir>,
    /// PersistentVolumeClaims of the input written as `claims` (normalised).
    claims: Vec<Value>,
}

/// A code ConfigMap turned into files.
struct CodeDir {
    /// Folder of the files, relative to the project.
    dir: String,
    files: Vec<(String, String)>,
    /// The input ConfigMap (normalised) and the volume that mounts it.
    config_map: Value,
    volume: String,
}

/// Imports `inputs` into a new project written below `dir` (empty). On
/// findings that block (invalid input, a build that fails), nothing is
/// meant to be kept: the caller discards `dir`.
pub fn import(inputs: &[Input], dir: &Path, options: &Options) -> Result<Outcome, Vec<Diagnostic>> {
    let mut diags = Vec::new();
    let mut docs: Vec<Document> = Vec::new();
    for input in inputs {
        match parse_documents(&input.file, &input.text, Limits::USER) {
            Ok(parsed) => docs.extend(parsed),
            Err(d) => diags.push(d),
        }
        for pos in comments::find(&input.text) {
            diags.push(
                Diagnostic::warning(
                    codes::IMPORT_COMMENT,
                    &input.file,
                    pos,
                    "comment not carried into the spec (YAML parsers drop comments)",
                )
                .with_help("copy what it says into the spec by hand if it still matters"),
            );
        }
    }
    if crate::validate::has_errors(&diags) {
        return Err(diags);
    }
    let version = options.kuberay_version.unwrap_or_default();
    // What the built-in overlays branch on (`kuberay.minor`).
    let minor = u32::from(version.minor);
    let findings = validate_input(&docs, version, &options.feature_gates);
    let (unknown, other): (Vec<_>, Vec<_>) = findings
        .into_iter()
        .partition(|d| d.code == codes::UNKNOWN_FIELD);
    if crate::validate::has_errors(&other) {
        diags.extend(other);
        return Err(diags);
    }
    diags.extend(other);

    let config_maps: Vec<&Document> = docs
        .iter()
        .filter(|d| d.kind() == Some("ConfigMap") && d.api_version() == Some("v1"))
        .collect();
    let mut consumed: Vec<(String, String)> = Vec::new();
    // Claims become `claims` of the spec that mounts them, once the specs exist.
    let mut claims_docs: Vec<&Document> = Vec::new();
    let mut items = Vec::new();
    let mut names: BTreeMap<String, usize> = BTreeMap::new();
    // Ray objects first: they claim their code ConfigMaps.
    let mut order: Vec<&Document> = docs
        .iter()
        .filter(|d| d.kind() != Some("ConfigMap"))
        .collect();
    order.extend(docs.iter().filter(|d| d.kind() == Some("ConfigMap")));
    for doc in order {
        let mut object = doc.node.to_json();
        let kind = doc.kind().unwrap_or_default().to_owned();
        let name = doc.name().unwrap_or_default().to_owned();
        let namespace = doc
            .node
            .get("metadata")
            .and_then(|m| m.get("namespace"))
            .and_then(|n| n.as_str())
            .unwrap_or_default()
            .to_owned();
        if kind == "ConfigMap" && consumed.contains(&(namespace.clone(), name.clone())) {
            continue;
        }
        // A ray.io/v1alpha1 object that `rayc validate` passed has only
        // fields that mean the same in ray.io/v1 (ADR 0005): it is imported
        // as v1, with the deprecation warning (RAY041).
        let ray_object = doc.api_version() == Some(crate::lower::RAY_API_VERSION)
            || doc.api_version() == Some(crate::validate::ALPHA_API_VERSION);
        if kind == "PersistentVolumeClaim" && doc.api_version() == Some("v1") {
            claims_docs.push(doc);
            continue;
        }
        if !ray_object || !SPEC_KINDS.contains(&kind.as_str()) {
            diags.push(not_imported(doc, &kind));
            continue;
        }
        if doc.api_version() == Some(crate::validate::ALPHA_API_VERSION) {
            for (_, path) in crate::validate::ALPHA_OPTIONAL
                .iter()
                .filter(|(k, _)| *k == kind)
            {
                let (parent, field) = path.rsplit_once('.').unwrap_or(("", path));
                if at(&object, &parent.split('.').collect::<Vec<_>>())
                    .get(field)
                    .is_none()
                {
                    diags.push(
                        Diagnostic::error(
                            codes::IMPORT_ALPHA_DIFFERS,
                            &doc.file,
                            crate::diag::FieldPath::parse(parent).nearest_pos(&doc.node),
                            format!("{kind} {name} cannot be imported as ray.io/v1: v1 requires `{path}`, which this ray.io/v1alpha1 object does not set"),
                        )
                        .with_path(*path)
                        .with_help(format!("add `{field}` (the cluster it runs on) and import again"))
                        .with_object(&kind, &name),
                    );
                }
            }
        }
        for d in unknown.iter().filter(|d| {
            d.file == doc.file
                && d.object
                    .as_ref()
                    .is_some_and(|o| o.name == name && o.kind == kind)
        }) {
            if let Some(path) = &d.path {
                remove_path(&mut object, path);
            }
            let mut w = d.clone();
            w.severity = crate::diag::Severity::Warning;
            w.message = format!("{} is not imported", d.message);
            w.help = Some("a spec carries only fields KubeRay knows; check the field's name and the target version".into());
            diags.push(w);
        }
        let name = match fixed_name(&mut object) {
            Some(fixed) => {
                diags.push(
                    Diagnostic::warning(
                        codes::IMPORT_NOT_EXPRESSED,
                        &doc.file,
                        crate::diag::FieldPath::parse("metadata.generateName").nearest_pos(&doc.node),
                        format!("`metadata.generateName` is imported as the fixed name {fixed:?}: a spec builds one object with a stable name"),
                    )
                    .with_path("metadata.generateName")
                    .with_object(&kind, &fixed),
                );
                fixed
            }
            None => name,
        };
        let target = normalise(&object);
        let mut dropped = Vec::new();
        let mut spec = recognise::spec_document(&target, &mut dropped);
        recognise::ingress_overlay(&target, &mut spec, minor);
        recognise::gpu_overlay(&mut spec);
        let code = code_dir(&target, &spec, &config_maps);
        let cluster = at(&target["spec"], cluster_path(&kind));
        if cluster.is_object() {
            recognise::volumes(cluster, code.as_ref().map(|c| c.volume.as_str()), &mut spec);
        }
        if let Some(code) = &code {
            consumed.push((
                namespace.clone(),
                code.config_map["metadata"]["name"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
            ));
            let (_, rel) = code.dir.rsplit_once('/').unwrap_or(("", &code.dir));
            let mut c = json!({"files": [rel], "mountPath": code.mount_path(&target)});
            if code.on_workers(&target) {
                c["onWorkers"] = true.into();
            }
            spec["spec"]["code"] = c;
        }
        for drop in dropped {
            diags.push(
                Diagnostic::warning(
                    codes::IMPORT_NOT_EXPRESSED,
                    &doc.file,
                    crate::diag::FieldPath::parse(&drop.path).nearest_pos(&doc.node),
                    format!("`{}` is not imported: {}", drop.path, drop.why),
                )
                .with_path(&drop.path)
                .with_object(&kind, &name),
            );
        }
        let base = format!("{}-{}", kind.to_ascii_lowercase(), name);
        let n = names.entry(base.clone()).or_default();
        *n += 1;
        let path = if *n == 1 {
            format!("specs/{base}.yaml")
        } else {
            format!("specs/{base}-{n}.yaml")
        };
        items.push(Item {
            file: doc.file.clone(),
            pos: doc.node.pos,
            target: strip_target(target),
            spec,
            path,
            code,
            claims: Vec::new(),
        });
    }
    for doc in claims_docs {
        if !claim_into(doc, &mut items) {
            diags.push(not_imported(doc, "PersistentVolumeClaim"));
        }
    }

    if crate::validate::has_errors(&diags) {
        return Err(diags);
    }
    if items.is_empty() {
        let (file, pos) = docs.first().map_or((String::new(), Pos::UNKNOWN), |d| {
            (d.file.clone(), d.node.pos)
        });
        diags.push(
            Diagnostic::error(
                codes::IMPORT_NOT_EXPRESSED,
                &file,
                pos,
                "nothing to import: the input holds no ray.io RayJob, RayCluster, RayService or RayCronJob",
            )
            .with_help("give the files that hold the Ray objects"),
        );
        return Err(diags);
    }
    for item in &mut items {
        replace_unkeyed_lists(&mut item.spec);
    }
    let argocd = argocd_waves(&mut items);
    let defaults = factor_defaults(&mut items);
    let project = project_file(options, defaults, argocd);
    let build_options = BuildOptions {
        envs: Vec::new(),
        kuberay_version: Some(version),
        ..BuildOptions::default()
    };

    write_project(dir, &project, &items).map_err(|d| vec![d])?;
    let first = pipeline::compile(dir, &build_options);
    if first.has_errors() {
        return Err(build_failed(first.diagnostics, dir));
    }
    for item in &mut items {
        if let Some(code) = &mut item.code {
            rename_code(&mut item.target, code, &first.objects);
        }
        match find_built(&first.objects, &item.target) {
            Some(built) => add_residual(item, &normalise(built)),
            None => diags.push(mismatch(item, "the spec builds no such object".into())),
        }
        replace_unkeyed_lists(&mut item.spec);
    }
    write_project(dir, &project, &items).map_err(|d| vec![d])?;
    let second = pipeline::compile(dir, &build_options);
    if second.has_errors() {
        return Err(build_failed(second.diagnostics, dir));
    }
    for item in &items {
        if let Some(built) = find_built(&second.objects, &item.target)
            && let Some(path) = first_difference(&normalise(built), &item.target, String::new())
        {
            diags.push(mismatch(
                item,
                format!(
                    "the build differs from the input at `{path}`: {}",
                    why_not_expressed(&path)
                ),
            ));
        }
        for claim in &item.claims {
            let difference = match find_built(&second.objects, claim) {
                Some(b) => first_difference(&normalise(b), claim, String::new()),
                None => Some("metadata.name".into()),
            };
            if let Some(path) = difference {
                diags.push(mismatch(
                    item,
                    format!(
                        "its PersistentVolumeClaim {} does not build back (at `{path}`): rayc writes a claim from `claims` alone",
                        claim["metadata"]["name"].as_str().unwrap_or_default()
                    ),
                ));
            }
        }
        if let Some(code) = &item.code {
            let difference = match find_built(&second.objects, &code.config_map) {
                Some(b) => first_difference(&normalise(b), &code.config_map, String::new()),
                None => Some("metadata.name".into()),
            };
            if let Some(path) = difference {
                diags.push(mismatch(
                    item,
                    format!(
                        "its code ConfigMap does not build back (at `{path}`): {}",
                        why_code_differs(&path)
                    ),
                ));
            }
        }
    }

    let mut outcome = Outcome {
        project_lines: lines(&project),
        ..Outcome::default()
    };
    for input in inputs {
        let spec_lines = items
            .iter()
            .filter(|i| i.file == input.file)
            .map(|i| lines(&spec_text(&i.spec)))
            .sum();
        outcome.sizes.push(Size {
            input: input.file.clone(),
            input_lines: input.text.lines().count(),
            spec_lines,
        });
    }
    outcome.files = std::iter::once(crate::model::project::FILE_NAME.to_owned())
        .chain(items.iter().map(|i| i.path.clone()))
        .chain(
            items
                .iter()
                .filter_map(|i| i.code.as_ref())
                .flat_map(|c| c.files.iter().map(|(name, _)| format!("{}/{name}", c.dir))),
        )
        .collect();
    outcome.files.sort();
    outcome.diagnostics = diags;
    Ok(outcome)
}

/// RAY036 for an object no spec carries.
fn not_imported(doc: &Document, kind: &str) -> Diagnostic {
    let name = doc.name().unwrap_or_default();
    let why = if kind == "PersistentVolumeClaim" {
        "a spec's `claims` say only name, size, storage class and access modes, for a claim its pods mount"
    } else if kind == "ConfigMap" {
        "a ConfigMap becomes a spec's code files only when it holds text files, carries its Ray object's labels and is the first volume its head mounts"
    } else {
        "rayc specs describe ray.io/v1 (or v1alpha1) RayJob, RayCluster, RayService and RayCronJob"
    };
    Diagnostic::warning(
        codes::IMPORT_NOT_EXPRESSED,
        &doc.file,
        doc.node.pos,
        format!("{kind} {name} is not imported: {why}"),
    )
    .with_help(
        "keep this manifest beside the project's output (for example in the same kustomization)",
    )
    .with_object(kind, name)
}

/// Writes a PersistentVolumeClaim as `claims` of the first spec (same
/// namespace) whose pods mount it, when `claims` say all of it and its
/// access mode allows every pod that mounts it (RAY961). False: not taken.
fn claim_into(doc: &Document, items: &mut [Item]) -> bool {
    let pvc = strip_target(normalise(&doc.node.to_json()));
    let Some(name) = pvc["metadata"]["name"].as_str() else {
        return false;
    };
    let plain_meta = pvc["metadata"]
        .as_object()
        .is_some_and(|m| m.keys().all(|k| k == "name" || k == "namespace"));
    let spec = pvc["spec"].as_object().cloned().unwrap_or_default();
    let plain_spec = spec
        .keys()
        .all(|k| matches!(k.as_str(), "accessModes" | "resources" | "storageClassName"))
        && pvc["spec"]["resources"]
            .as_object()
            .is_some_and(|r| r.keys().all(|k| k == "requests"))
        && pvc["spec"]["resources"]["requests"]
            .as_object()
            .is_some_and(|r| r.keys().all(|k| k == "storage"));
    let (Some(size), Some(modes)) = (
        pvc["spec"]["resources"]["requests"]["storage"].as_str(),
        pvc["spec"]["accessModes"].as_array(),
    ) else {
        return false;
    };
    if !plain_meta || !plain_spec || modes.is_empty() {
        return false;
    }
    let shared = modes
        .iter()
        .any(|m| m == "ReadWriteMany" || m == "ReadOnlyMany");
    let Some(item) = items.iter_mut().find(|i| {
        i.target["metadata"]["namespace"] == pvc["metadata"]["namespace"]
            && mounting_pods(&i.target, name) > 0
    }) else {
        return false;
    };
    if !shared && mounting_pods(&item.target, name) > 1 {
        return false;
    }
    let mut claim = json!({"name": name, "size": size});
    if let Some(class) = pvc["spec"].get("storageClassName") {
        claim["storageClassName"] = class.clone();
    }
    if modes != &[json!("ReadWriteOnce")] {
        claim["accessModes"] = json!(modes);
    }
    match item.spec["spec"]["claims"].as_array_mut() {
        Some(list) => list.push(claim),
        None => item.spec["spec"]["claims"] = json!([claim]),
    }
    item.claims.push(pvc);
    true
}

/// How many pods of an object's cluster may mount claim `name`: the head
/// counts one, a worker group two (it may run several pods).
fn mounting_pods(object: &Value, name: &str) -> u64 {
    let kind = object["kind"].as_str().unwrap_or_default();
    let cluster = at(&object["spec"], cluster_path(kind));
    let mounts = |group: &Value| {
        group["template"]["spec"]["volumes"]
            .as_array()
            .is_some_and(|vs| {
                vs.iter()
                    .any(|v| v["persistentVolumeClaim"]["claimName"] == name)
            })
    };
    let mut pods = u64::from(mounts(&cluster["headGroupSpec"]));
    for w in cluster["workerGroupSpecs"].as_array().into_iter().flatten() {
        if mounts(w) {
            pods += 2;
        }
    }
    pods
}

/// Counts lines the way `wc -l` does for text ending in a newline.
fn lines(text: &str) -> usize {
    text.lines().count()
}

/// The checks `rayc validate` runs on the input files, one file at a time.
fn validate_input(
    docs: &[Document],
    version: KubeRayVersion,
    gates: &[(String, bool)],
) -> Vec<Diagnostic> {
    let (feature_gates, mut out) = crate::validate::gates::resolve(
        &crate::validate::gates::GateSetting::from_flag(gates),
        version,
    );
    let ctx = rules::Context {
        kuberay_version: version,
        gitops: rules::GitOps::None,
        ignore: Vec::new(),
        feature_gates,
    };
    for file_docs in docs.chunk_by(|a, b| a.file == b.file) {
        let objects: Vec<rules::Object> = file_docs
            .iter()
            .map(|d| rules::Object {
                file: &d.file,
                node: &d.node,
            })
            .collect();
        out.extend(crate::validate::validate(&objects, &ctx).diagnostics);
    }
    out
}

/// An object put in the form both sides of the round trip are compared in:
/// canonical quantities, without the labels rayc adds, and YAML held in
/// strings (`runtimeEnvYAML`, `serveConfigV2`) as data.
pub fn normalise(object: &Value) -> Value {
    let mut out = object.clone();
    canonicalize_quantities(&mut out);
    // Imported as ray.io/v1 (see `import`), which KubeRay stores it as anyway.
    if out["apiVersion"] == crate::validate::ALPHA_API_VERSION {
        out["apiVersion"] = crate::lower::RAY_API_VERSION.into();
    }
    // `annotations:` with nothing after it is no annotations.
    if let Some(meta) = out.get_mut("metadata").and_then(Value::as_object_mut) {
        meta.retain(|_, v| !v.is_null());
    }
    if let Some(meta) = out.get_mut("metadata").and_then(Value::as_object_mut)
        && let Some(labels) = meta.get_mut("labels").and_then(Value::as_object_mut)
    {
        labels.remove(MANAGED_BY);
        labels.remove(PART_OF);
        if labels.is_empty() {
            meta.remove("labels");
        }
    }
    let kind = out["kind"].as_str().unwrap_or_default().to_owned();
    // `rayStartParams: {}` means what no field means (optional since KubeRay
    // v1.4; rayc writes it itself for earlier targets).
    let mut cluster = out.get_mut("spec");
    for key in cluster_path(&kind) {
        cluster = cluster.and_then(|v| v.get_mut(*key));
    }
    if let Some(cluster) = cluster {
        let empty = |group: &mut Value| {
            if let Some(g) = group.as_object_mut()
                && g.get("rayStartParams") == Some(&json!({}))
            {
                g.remove("rayStartParams");
            }
        };
        if let Some(head) = cluster.get_mut("headGroupSpec") {
            empty(head);
        }
        list_mut(cluster, "workerGroupSpecs").for_each(empty);
    }
    if let Some(cluster) = cluster_mut(&mut out, &kind) {
        crd_defaults(cluster);
        generated_defaults(cluster);
    }
    let (job, service): (&[&str], &[&str]) = match kind.as_str() {
        "RayJob" => (&["spec"], &[]),
        "RayCronJob" => (&["spec", "jobTemplate"], &[]),
        "RayService" => (&[], &["spec"]),
        _ => (&[], &[]),
    };
    for (path, key) in [(job, "runtimeEnvYAML"), (service, "serveConfigV2")] {
        if path.is_empty() {
            continue;
        }
        let Some(holder) = path.iter().try_fold(&mut out, |v, k| v.get_mut(*k)) else {
            continue;
        };
        if let Some(data) = holder
            .get(key)
            .and_then(Value::as_str)
            .and_then(recognise::parse_yaml_map)
        {
            holder[key] = data;
        }
    }
    out
}

/// The parts of an input object the spec carries (top-level `status` and
/// metadata the cluster writes are reported and left out).
fn strip_target(mut object: Value) -> Value {
    if let Some(top) = object.as_object_mut() {
        top.retain(|k, _| {
            matches!(
                k.as_str(),
                "apiVersion" | "kind" | "metadata" | "spec" | "data"
            )
        });
    }
    if let Some(meta) = object["metadata"].as_object_mut() {
        meta.retain(|k, _| matches!(k.as_str(), "name" | "namespace" | "labels" | "annotations"));
    }
    object
}

/// Removes the node at a dotted path (`spec.headGroupSpec.foo`, `a[1].b`).
fn remove_path(value: &mut Value, path: &str) {
    let parts: Vec<&str> = path.split('.').collect();
    let Some((last, parents)) = parts.split_last() else {
        return;
    };
    let mut node = value;
    for part in parents {
        let (key, index) = split_index(part);
        node = &mut node[key];
        if let Some(i) = index {
            node = &mut node[i];
        }
    }
    let (key, index) = split_index(last);
    match index {
        None => {
            if let Some(map) = node.as_object_mut() {
                map.remove(key);
            }
        }
        Some(i) => {
            if let Some(items) = node[key].as_array_mut()
                && i < items.len()
            {
                items.remove(i);
            }
        }
    }
}

fn split_index(part: &str) -> (&str, Option<usize>) {
    match part.split_once('[') {
        Some((k, rest)) => (k, rest.trim_end_matches(']').parse().ok()),
        None => (part, None),
    }
}

/// Moves what every spec shares (namespace, image, rayVersion, groupDefaults)
/// into the project defaults. Needs two specs or more.
fn factor_defaults(items: &mut [Item]) -> Map<String, Value> {
    let mut defaults = Map::new();
    if items.len() < 2 {
        return defaults;
    }
    let shared = |items: &[Item], path: &[&str]| -> Option<Value> {
        let first = at(&items[0].spec, path).clone();
        (!first.is_null() && items.iter().all(|i| at(&i.spec, path) == &first)).then_some(first)
    };
    let remove = |items: &mut [Item], path: &[&str]| {
        for item in items.iter_mut() {
            let (last, parents) = path.split_last().expect("path");
            let holder = parents.iter().fold(&mut item.spec, |v, k| &mut v[*k]);
            if let Some(map) = holder.as_object_mut() {
                map.remove(*last);
            }
        }
    };
    if let Some(ns) = shared(items, &["metadata", "namespace"]) {
        remove(items, &["metadata", "namespace"]);
        defaults.insert("namespace".into(), ns);
    }
    let mut spec = Map::new();
    for key in ["image", "rayVersion", "groupDefaults"] {
        if let Some(value) = shared(items, &["spec", key]) {
            remove(items, &["spec", key]);
            spec.insert(key.into(), value);
        }
    }
    if !spec.is_empty() {
        defaults.insert("spec".into(), Value::Object(spec));
    }
    defaults
}

/// Whether the input carries the Argo CD sync waves rayc writes with
/// `gitops.tool: argocd` (code ConfigMaps before clusters, jobs after; an
/// object's own wave wins): then the project says so, and the specs leave
/// the default waves to rayc.
fn argocd_waves(items: &mut [Item]) -> bool {
    use crate::argocd::sync::{SYNC_WAVE, default_waves};
    let waves = default_waves();
    let default_wave = |object: &Value| {
        let kind = object["kind"].as_str().unwrap_or_default();
        waves.get(kind).filter(|w| **w != 0).map(i32::to_string)
    };
    let wave = |object: &Value| {
        object["metadata"]["annotations"][SYNC_WAVE]
            .as_str()
            .map(str::to_owned)
    };
    // A code ConfigMap gets the default wave; a Ray object keeps its own.
    let fits = |object: &Value, own: bool| {
        let (have, default) = (wave(object), default_wave(object));
        have == default || (own && have.is_some())
    };
    // Argo CD mode leaves an autoscaled group's `replicas` to the autoscaler.
    let autoscaled_replicas = |object: &Value| {
        let kind = object["kind"].as_str().unwrap_or_default();
        let cluster = at(&object["spec"], cluster_path(kind));
        cluster["enableInTreeAutoscaling"] == true
            && cluster["workerGroupSpecs"]
                .as_array()
                .is_some_and(|ws| ws.iter().any(|w| w.get("replicas").is_some()))
    };
    let applies = items.iter().any(|i| i.code.is_some())
        && items.iter().all(|i| {
            fits(&i.target, true)
                && !autoscaled_replicas(&i.target)
                && i.code.as_ref().is_none_or(|c| fits(&c.config_map, false))
        });
    if applies {
        for item in items.iter_mut() {
            let default = default_wave(&item.target);
            if let Some(meta) = item.spec["metadata"].as_object_mut() {
                if let Some(notes) = meta.get_mut("annotations").and_then(Value::as_object_mut)
                    && notes.get(SYNC_WAVE).and_then(Value::as_str) == default.as_deref()
                {
                    notes.remove(SYNC_WAVE);
                }
                if meta.get("annotations").is_some_and(|a| a == &json!({})) {
                    meta.remove("annotations");
                }
            }
        }
    }
    applies
}

fn project_file(options: &Options, defaults: Map<String, Value>, argocd: bool) -> String {
    let mut project = Map::new();
    project.insert("apiVersion".into(), crate::model::spec::API_VERSION.into());
    project.insert("kind".into(), crate::model::project::KIND.into());
    project.insert("name".into(), options.project_name.clone().into());
    if let Some(v) = options.kuberay_version {
        project.insert("kuberayVersion".into(), v.to_string().into());
    }
    if !options.feature_gates.is_empty() {
        let gates: Map<String, Value> = options
            .feature_gates
            .iter()
            .map(|(name, on)| (name.clone(), Value::Bool(*on)))
            .collect();
        project.insert("featureGates".into(), Value::Object(gates));
    }
    if !defaults.is_empty() {
        project.insert("defaults".into(), Value::Object(defaults));
    }
    if argocd {
        project.insert("gitops".into(), json!({"tool": "argocd"}));
    }
    crate::emit::yaml::to_yaml_document_compact(&Value::Object(project), SPEC_WIDTH)
        .unwrap_or_default()
}

/// Lines of a written spec are at most this wide where flow style is used.
const SPEC_WIDTH: usize = 80;

fn spec_text(spec: &Value) -> String {
    crate::emit::yaml::to_yaml_document_compact(spec, SPEC_WIDTH).unwrap_or_default()
}

fn write_project(dir: &Path, project: &str, items: &[Item]) -> Result<(), Diagnostic> {
    let io = |path: &Path, e: std::io::Error| {
        Diagnostic::error(
            codes::IO,
            path.display().to_string(),
            Pos::UNKNOWN,
            format!("cannot write: {e}"),
        )
    };
    let specs = dir.join("specs");
    std::fs::create_dir_all(&specs).map_err(|e| io(&specs, e))?;
    let file = dir.join(crate::model::project::FILE_NAME);
    std::fs::write(&file, project).map_err(|e| io(&file, e))?;
    for item in items {
        let file = dir.join(&item.path);
        std::fs::write(&file, spec_text(&item.spec)).map_err(|e| io(&file, e))?;
        if let Some(code) = &item.code {
            let folder = dir.join(&code.dir);
            std::fs::create_dir_all(&folder).map_err(|e| io(&folder, e))?;
            for (name, text) in &code.files {
                let file = folder.join(name);
                std::fs::write(&file, text).map_err(|e| io(&file, e))?;
            }
        }
    }
    Ok(())
}

/// Findings of a build of the imported project: rayc's own failure to
/// express the input, reported against the input.
fn build_failed(mut diags: Vec<Diagnostic>, dir: &Path) -> Vec<Diagnostic> {
    let prefix = format!("{}/", dir.display());
    for d in &mut diags {
        if let Some(rest) = d.file.strip_prefix(&prefix) {
            d.file = rest.to_owned();
        }
        d.message = format!("the imported spec does not build: {}", d.message);
    }
    diags
}

fn find_built<'a>(built: &'a [pipeline::CompiledObject], target: &Value) -> Option<&'a Value> {
    built.iter().map(|o| &o.object).find(|o| {
        o["kind"] == target["kind"]
            && o["metadata"]["name"] == target["metadata"]["name"]
            && o["metadata"]["namespace"] == target["metadata"]["namespace"]
    })
}

fn mismatch(item: &Item, what: String) -> Diagnostic {
    let kind = item.target["kind"].as_str().unwrap_or_default();
    let name = item.target["metadata"]["name"].as_str().unwrap_or_default();
    Diagnostic::warning(
        codes::IMPORT_ROUND_TRIP,
        &item.file,
        item.pos,
        format!("{kind} {name}: {what}"),
    )
    .with_help(format!(
        "compare `rayc build` of {} with the input and adjust the spec by hand",
        item.path
    ))
    .with_object(kind, name)
}

/// Puts what the build still gets wrong into the spec's pass-through
/// fragments: each group's `template`, then `kuberay` for the rest. What no
/// merge reaches is left to the final comparison, which reports it.
fn add_residual(item: &mut Item, built: &Value) {
    let kind = item.target["kind"].as_str().unwrap_or_default().to_owned();
    let cpath = cluster_path(&kind);
    let mut built = built.clone();
    let target_cluster = at(&item.target["spec"], cpath).clone();
    if target_cluster.is_object() {
        let template_of = |cluster: &Value, group: Option<&str>| -> Value {
            match group {
                None => cluster["headGroupSpec"]["template"].clone(),
                Some(name) => cluster["workerGroupSpecs"]
                    .as_array()
                    .and_then(|ws| ws.iter().find(|w| w["groupName"] == name))
                    .map_or(Value::Null, |w| w["template"].clone()),
            }
        };
        let mut groups: Vec<Option<String>> = vec![None];
        for w in target_cluster["workerGroupSpecs"]
            .as_array()
            .into_iter()
            .flatten()
        {
            groups.push(w["groupName"].as_str().map(str::to_owned));
        }
        for (index, group) in groups.iter().enumerate() {
            let built_cluster = at(&built["spec"], cpath);
            let have = template_of(built_cluster, group.as_deref());
            let want = template_of(&target_cluster, group.as_deref());
            if have.is_null() || want.is_null() {
                continue;
            }
            if let Some(patch) = residual::diff(&have, &want) {
                let spec_group = if index == 0 {
                    &mut item.spec["spec"]["head"]
                } else {
                    &mut item.spec["spec"]["workers"][index - 1]
                };
                if spec_group.is_null() {
                    *spec_group = json!({});
                }
                spec_group["template"] = patch;
            }
            // From here on, compare the rest of the object with this group done.
            let built_cluster = cpath.iter().fold(&mut built["spec"], |v, k| &mut v[*k]);
            match group {
                None => built_cluster["headGroupSpec"]["template"] = want,
                Some(name) => {
                    if let Some(w) = built_cluster["workerGroupSpecs"]
                        .as_array_mut()
                        .and_then(|ws| ws.iter_mut().find(|w| w["groupName"] == name.as_str()))
                    {
                        w["template"] = want;
                    }
                }
            }
        }
    }
    if let Some(mut rest) = residual::diff(&built["spec"], &item.target["spec"]) {
        yaml_strings(&mut rest);
        item.spec["spec"]["kuberay"] = rest;
    }
}

/// Why no spec gives back the value at `path`, the first difference of a build.
fn why_not_expressed(path: &str) -> String {
    if path.starts_with("metadata.") {
        return "a spec's metadata builds to name, namespace, its labels with rayc's own, and annotations".into();
    }
    // The innermost list on the path that the pass-through merges by key.
    let list = path.rsplit('.').find_map(|part| {
        let field = part.split('[').next().unwrap_or(part);
        crate::resolve::merge::list_key(field).map(|_| field)
    });
    match list {
        Some(field) => format!(
            "the pass-through (`template`, `kuberay`) merges `{field}` item by item, so it cannot remove or reorder the items rayc writes"
        ),
        None => "neither a spec field nor the pass-through gives this value back".into(),
    }
}

/// Why a code ConfigMap's build differs at `path`.
fn why_code_differs(path: &str) -> &'static str {
    if path.starts_with("metadata.labels") {
        "rayc gives a code ConfigMap the labels of its spec, the input's differ"
    } else if path.starts_with("metadata.annotations") {
        "rayc writes no annotations on a code ConfigMap except the Argo CD sync wave of `gitops` in rayc.yaml"
    } else if path == "metadata.name" {
        "rayc names a code ConfigMap by its content"
    } else {
        "rayc writes a code ConfigMap from the files alone"
    }
}

/// The dotted path of the first difference between two values.
pub fn first_difference(a: &Value, b: &Value, path: String) -> Option<String> {
    match (a, b) {
        (x, y) if x == y => None,
        (Value::Object(x), Value::Object(y)) => {
            let keys: std::collections::BTreeSet<&String> = x.keys().chain(y.keys()).collect();
            keys.into_iter().find_map(|k| {
                let child = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                first_difference(
                    x.get(k).unwrap_or(&Value::Null),
                    y.get(k).unwrap_or(&Value::Null),
                    child,
                )
            })
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => x
            .iter()
            .zip(y)
            .enumerate()
            .find_map(|(i, (p, q))| first_difference(p, q, format!("{path}[{i}]"))),
        _ => Some(if path.is_empty() { ".".into() } else { path }),
    }
}

/// The head's volumes in a cluster template.
fn head_pod(object: &Value) -> &Value {
    let kind = object["kind"].as_str().unwrap_or_default();
    &at(&object["spec"], cluster_path(kind))["headGroupSpec"]["template"]["spec"]
}

/// Mount path of volume `name` in the first container of a pod, if mounted.
fn mount_of(pod: &Value, name: &str) -> Option<Value> {
    pod["containers"][0]["volumeMounts"]
        .as_array()?
        .iter()
        .find(|m| m["name"] == name)
        .map(|m| m["mountPath"].clone())
}

impl CodeDir {
    fn mount_path(&self, object: &Value) -> Value {
        mount_of(head_pod(object), &self.volume).unwrap_or(Value::Null)
    }

    fn on_workers(&self, object: &Value) -> bool {
        let kind = object["kind"].as_str().unwrap_or_default();
        at(&object["spec"], cluster_path(kind))["workerGroupSpecs"]
            .as_array()
            .is_some_and(|ws| {
                !ws.is_empty()
                    && ws
                        .iter()
                        .all(|w| mount_of(&w["template"]["spec"], &self.volume).is_some())
            })
    }
}

/// A ConfigMap of the input that holds the code of a job: mounted by the
/// head's Ray container (and by every worker or none), all text, file-like
/// keys. Such a ConfigMap becomes files and `code.files`.
fn code_dir(object: &Value, spec: &Value, config_maps: &[&Document]) -> Option<CodeDir> {
    let kind = object["kind"].as_str()?;
    if !matches!(kind, "RayJob" | "RayCronJob" | "RayCluster") {
        return None;
    }
    let namespace = &object["metadata"]["namespace"];
    let pod = head_pod(object);
    for volume in pod["volumes"].as_array().into_iter().flatten() {
        let Some(cm_name) = volume["configMap"]["name"].as_str() else {
            continue;
        };
        let Some(vol_name) = volume["name"].as_str() else {
            continue;
        };
        let Some(cm) = config_maps
            .iter()
            .map(|d| normalise(&d.node.to_json()))
            .find(|c| c["metadata"]["name"] == cm_name && &c["metadata"]["namespace"] == namespace)
        else {
            continue;
        };
        let data = cm["data"].as_object()?;
        let file_like = |k: &str| {
            !k.is_empty()
                && !k.starts_with('.')
                && k.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        };
        let only_data = cm
            .as_object()?
            .keys()
            .all(|k| matches!(k.as_str(), "apiVersion" | "kind" | "metadata" | "data"));
        let items_plain = volume["configMap"]["items"].as_array().is_none_or(|items| {
            items
                .iter()
                .all(|i| i["key"] == i["path"] && i.as_object().is_some_and(|o| o.len() == 2))
        });
        if !only_data
            || data.is_empty()
            || !data.keys().all(|k| file_like(k))
            || !data.values().all(Value::is_string)
            || !items_plain
        {
            return None;
        }
        let mut code = CodeDir {
            dir: format!("specs/{}-code", spec["metadata"]["name"].as_str()?),
            files: data
                .iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
                .collect(),
            config_map: strip_target(cm.clone()),
            volume: vol_name.to_owned(),
        };
        code.files.sort();
        mount_of(pod, vol_name)?;
        let workers = at(&object["spec"], cluster_path(kind))["workerGroupSpecs"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let mounted: Vec<bool> = workers
            .iter()
            .map(|w| mount_of(&w["template"]["spec"], vol_name).is_some())
            .collect();
        if mounted.iter().any(|m| *m) && !code.on_workers(object) {
            return None;
        }
        // rayc lists the code volume and its mount first, and gives the
        // ConfigMap its spec's labels: other input keeps the ConfigMap as it
        // is (RAY036) rather than build back something else.
        let first = |pod: &Value| {
            pod["volumes"][0]["name"] == vol_name
                && pod["containers"][0]["volumeMounts"][0]["name"] == vol_name
        };
        let labels = |o: &Value| normalise(o)["metadata"]["labels"].clone();
        if !first(pod)
            || workers
                .iter()
                .zip(&mounted)
                .any(|(w, m)| *m && !first(&w["template"]["spec"]))
            || labels(&cm) != labels(object)
        {
            return None;
        }
        return Some(code);
    }
    None
}

/// Gives the input's code ConfigMap rayc's content-hashed name, and the
/// volume that mounts it rayc's name `code` (a normalisation of the round
/// trip: docs/import.md).
fn rename_code(target: &mut Value, code: &mut CodeDir, built: &[pipeline::CompiledObject]) {
    let name = target["metadata"]["name"].as_str().unwrap_or_default();
    let prefix = format!("{name}-code-");
    let Some(hashed) = built.iter().find_map(|o| {
        (o.object["kind"] == "ConfigMap")
            .then(|| o.object["metadata"]["name"].as_str())
            .flatten()
            .filter(|n| n.starts_with(&prefix))
            .map(str::to_owned)
    }) else {
        return;
    };
    let old = code.config_map["metadata"]["name"].clone();
    code.config_map["metadata"]["name"] = hashed.clone().into();
    let kind = target["kind"].as_str().unwrap_or_default().to_owned();
    let cluster = cluster_path(&kind)
        .iter()
        .fold(&mut target["spec"], |v, k| &mut v[*k]);
    rename_in_pod(
        &mut cluster["headGroupSpec"]["template"]["spec"],
        &old,
        &hashed,
        &code.volume,
    );
    for w in list_mut(cluster, "workerGroupSpecs") {
        rename_in_pod(&mut w["template"]["spec"], &old, &hashed, &code.volume);
    }
    code.volume = crate::lower::code::VOLUME_NAME.to_owned();
}

fn rename_in_pod(pod: &mut Value, old_cm: &Value, new_cm: &str, old_volume: &str) {
    for v in list_mut(pod, "volumes") {
        if v["name"] == old_volume && &v["configMap"]["name"] == old_cm {
            v["name"] = crate::lower::code::VOLUME_NAME.into();
            v["configMap"]["name"] = new_cm.into();
        }
    }
    for c in list_mut(pod, "containers") {
        for m in list_mut(c, "volumeMounts") {
            if m["name"] == old_volume {
                m["name"] = crate::lower::code::VOLUME_NAME.into();
            }
        }
    }
}

/// The items of the list at `key`, without creating the key when it is missing.
fn list_mut<'a>(value: &'a mut Value, key: &str) -> impl Iterator<Item = &'a mut Value> {
    value
        .get_mut(key)
        .and_then(Value::as_array_mut)
        .into_iter()
        .flatten()
}

fn cluster_mut<'a>(object: &'a mut Value, kind: &str) -> Option<&'a mut Value> {
    let mut cluster = object.get_mut("spec");
    for key in cluster_path(kind) {
        cluster = cluster.and_then(|v| v.get_mut(*key));
    }
    cluster
}

/// Leaves out what rayc writes into every Ray container and a spec cannot
/// take away: the head's ports 6379 `gcs-server`, 8265 `dashboard`, 10001
/// `client`, and the workers' `preStop` hook running `ray stop`.
fn generated_defaults(cluster: &mut Value) {
    let head_ports = [
        json!({"containerPort": 6379, "name": "gcs-server"}),
        json!({"containerPort": 8265, "name": "dashboard"}),
        json!({"containerPort": 10001, "name": "client"}),
    ];
    let ray_stop = json!({"preStop": {"exec": {"command": ["/bin/sh", "-c", "ray stop"]}}});
    if let Some(pod) = cluster
        .get_mut("headGroupSpec")
        .and_then(|h| h.get_mut("template"))
        .and_then(|t| t.get_mut("spec"))
    {
        for c in list_mut(pod, "containers").take(1) {
            if let Some(ports) = c.get_mut("ports").and_then(Value::as_array_mut) {
                let numbers: Vec<Value> =
                    ports.iter().map(|p| p["containerPort"].clone()).collect();
                let once =
                    |p: &Value| numbers.iter().filter(|n| **n == p["containerPort"]).count() == 1;
                ports.retain(|p| !(head_ports.contains(p) && once(p)));
                if ports.is_empty() {
                    c.as_object_mut().map(|m| m.remove("ports"));
                }
            }
        }
    }
    // Kubernetes keys a container's ports by number: their order says nothing.
    let mut pods: Vec<&mut Value> = Vec::new();
    if let Some(cluster) = cluster.as_object_mut() {
        for (key, value) in cluster.iter_mut() {
            match key.as_str() {
                "headGroupSpec" => pods.push(value),
                "workerGroupSpecs" => pods.extend(value.as_array_mut().into_iter().flatten()),
                _ => {}
            }
        }
    }
    for group in pods {
        let Some(pod) = group.pointer_mut("/template/spec") else {
            continue;
        };
        for c in list_mut(pod, "containers") {
            if let Some(ports) = c.get_mut("ports").and_then(Value::as_array_mut) {
                ports.sort_by_key(|p| p["containerPort"].as_i64());
            }
        }
    }
    for w in list_mut(cluster, "workerGroupSpecs") {
        let Some(pod) = w.get_mut("template").and_then(|t| t.get_mut("spec")) else {
            continue;
        };
        for c in list_mut(pod, "containers").take(1) {
            if c.get("lifecycle") == Some(&ray_stop) {
                c.as_object_mut().map(|m| m.remove("lifecycle"));
            }
        }
    }
}

/// Leaves out fields set to the default the CRD gives them (the API server
/// stores the same object with or without them): a container port's
/// `protocol: TCP`, a worker group's `numOfHosts: 1`, `minReplicas: 0` and
/// `maxReplicas: 2147483647`; and `enableInTreeAutoscaling: false`, which
/// KubeRay reads as no autoscaling like an absent field.
fn crd_defaults(cluster: &mut Value) {
    let worker_defaults = [
        ("numOfHosts", json!(1)),
        ("minReplicas", json!(0)),
        ("maxReplicas", json!(2_147_483_647)),
    ];
    for w in list_mut(cluster, "workerGroupSpecs") {
        if let Some(group) = w.as_object_mut() {
            group.retain(|k, v| !worker_defaults.iter().any(|(dk, dv)| dk == k && dv == v));
        }
    }
    let mut pods: Vec<&mut Value> = Vec::new();
    if let Some(cluster) = cluster.as_object_mut() {
        // Not a CRD default, but what KubeRay reads an absent field as.
        if cluster.get("enableInTreeAutoscaling") == Some(&json!(false)) {
            cluster.remove("enableInTreeAutoscaling");
        }
        for (key, value) in cluster.iter_mut() {
            match key.as_str() {
                "headGroupSpec" => pods.push(value),
                "workerGroupSpecs" => pods.extend(value.as_array_mut().into_iter().flatten()),
                _ => {}
            }
        }
    }
    for group in pods {
        let Some(pod) = group.pointer_mut("/template/spec") else {
            continue;
        };
        for list in ["containers", "initContainers"] {
            for c in list_mut(pod, list) {
                for port in list_mut(c, "ports") {
                    if let Some(p) = port.as_object_mut()
                        && p.get("protocol") == Some(&json!("TCP"))
                    {
                        p.remove("protocol");
                    }
                }
            }
        }
    }
}

/// Writes the YAML-in-a-string fields [`normalise`] turned into data back as text.
fn yaml_strings(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, child) in map.iter_mut() {
                if matches!(key.as_str(), "runtimeEnvYAML" | "serveConfigV2") && child.is_object() {
                    *child = crate::emit::to_yaml_document(child)
                        .unwrap_or_default()
                        .into();
                } else {
                    yaml_strings(child);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(yaml_strings),
        _ => {}
    }
}

/// An object named by `metadata.generateName` only gets that prefix (without
/// its trailing `-`) as a fixed name; returns it.
fn fixed_name(object: &mut Value) -> Option<String> {
    let meta = object.get_mut("metadata")?.as_object_mut()?;
    if meta.contains_key("name") {
        return None;
    }
    let prefix = meta
        .get("generateName")?
        .as_str()?
        .trim_end_matches('-')
        .to_owned();
    if prefix.is_empty() {
        return None;
    }
    meta.remove("generateName");
    meta.insert("name".into(), prefix.clone().into());
    Some(prefix)
}

/// A list the merge keys by a field its items lack (a Service's `ports` have
/// `port`, not `containerPort`) is set whole with `$replace`.
fn replace_unkeyed_lists(value: &mut Value) {
    let Some(map) = value.as_object_mut() else {
        if let Some(items) = value.as_array_mut() {
            items.iter_mut().for_each(replace_unkeyed_lists);
        }
        return;
    };
    for (field, child) in map.iter_mut() {
        replace_unkeyed_lists(child);
        let Some(key) = crate::resolve::merge::list_key(field) else {
            continue;
        };
        if let Some(items) = child.as_array()
            && items.iter().any(|i| i.get(key).is_none())
        {
            *child = json!({ crate::resolve::merge::REPLACE: items.clone() });
        }
    }
}
