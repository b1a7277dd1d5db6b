//! KubeRay object → rayc spec: the fields the spec format has a name for.
//! What is recognised need not be exact: `residual` makes the build exact
//! afterwards, through the pass-through fragments.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use crate::model::spec::API_VERSION;

/// Where each kind keeps its cluster spec, from the object's `spec`.
pub fn cluster_path(kind: &str) -> &'static [&'static str] {
    match kind {
        "RayJob" => &["rayClusterSpec"],
        "RayService" => &["rayClusterConfig"],
        "RayCronJob" => &["jobTemplate", "rayClusterSpec"],
        _ => &[],
    }
}

pub fn at<'a>(value: &'a Value, path: &[&str]) -> &'a Value {
    path.iter().fold(value, |v, key| &v[*key])
}

/// A metadata field or top-level key the spec format cannot carry.
#[derive(Debug)]
pub struct Dropped {
    pub path: String,
    pub why: &'static str,
}

/// The spec document for one KubeRay object (quantities already canonical).
pub fn spec_document(object: &Value, dropped: &mut Vec<Dropped>) -> Value {
    let kind = object["kind"].as_str().unwrap_or_default();
    if let Some(top) = object.as_object() {
        for key in top.keys() {
            if !matches!(key.as_str(), "apiVersion" | "kind" | "metadata" | "spec") {
                dropped.push(Dropped {
                    path: key.clone(),
                    why: "the cluster writes it; a spec describes only what to create",
                });
            }
        }
    }
    let mut spec = Map::new();
    let object_spec = &object["spec"];
    let cluster = at(object_spec, cluster_path(kind));
    put(&mut spec, "rayVersion", cluster.get("rayVersion").cloned());
    match kind {
        "RayJob" => job_fields(object_spec, &mut spec, true),
        "RayCronJob" => {
            for key in ["schedule", "timeZone", "suspend"] {
                put(&mut spec, key, object_spec.get(key).cloned());
            }
            job_fields(&object_spec["jobTemplate"], &mut spec, false);
        }
        "RayService" => serve_applications(object_spec, &mut spec),
        _ => {}
    }
    if cluster.is_object() {
        groups(cluster, &mut spec);
        autoscaling(cluster, &mut spec);
    }
    json!({
        "apiVersion": API_VERSION,
        "kind": kind,
        "metadata": metadata(&object["metadata"], dropped),
        "spec": spec,
    })
}

fn metadata(meta: &Value, dropped: &mut Vec<Dropped>) -> Value {
    let mut out = Map::new();
    let Some(meta) = meta.as_object() else {
        return Value::Object(out);
    };
    for (key, value) in meta {
        match key.as_str() {
            "name" | "namespace" | "annotations" => {
                out.insert(key.clone(), value.clone());
            }
            "labels" => {
                let mut labels = value.as_object().cloned().unwrap_or_default();
                // rayc writes this label itself.
                if labels.get(crate::lower::MANAGED_BY) == Some(&json!("rayc")) {
                    labels.remove(crate::lower::MANAGED_BY);
                }
                if !labels.is_empty() {
                    out.insert(key.clone(), Value::Object(labels));
                }
            }
            _ => dropped.push(Dropped {
                path: format!("metadata.{key}"),
                why: "a spec's metadata holds name, namespace, labels and annotations only",
            }),
        }
    }
    Value::Object(out)
}

fn put(map: &mut Map<String, Value>, key: &str, value: Option<Value>) {
    if let Some(v) = value.filter(|v| !v.is_null()) {
        map.insert(key.to_owned(), v);
    }
}

fn job_fields(job: &Value, spec: &mut Map<String, Value>, ray_job: bool) {
    put(spec, "entrypoint", job.get("entrypoint").cloned());
    // Text in a manifest, data once the input is normalised for comparison.
    let env = match &job["runtimeEnvYAML"] {
        Value::String(text) => parse_yaml_map(text),
        data @ Value::Object(_) => Some(data.clone()),
        _ => None,
    };
    put(spec, "runtimeEnv", env);
    for key in [
        "shutdownAfterJobFinishes",
        "ttlSecondsAfterFinished",
        "activeDeadlineSeconds",
        "backoffLimit",
        "submissionMode",
        "clusterSelector",
    ] {
        put(spec, key, job.get(key).cloned());
    }
    if ray_job {
        put(spec, "suspend", job.get("suspend").cloned());
    }
}

/// A YAML text holding a mapping, as data.
pub fn parse_yaml_map(text: &str) -> Option<Value> {
    // The loader's own parser: bounded, and it reads what the build writes.
    let docs =
        crate::load::parse_documents("embedded.yaml", text, crate::load::Limits::USER).ok()?;
    let [doc] = docs.as_slice() else { return None };
    let value = doc.node.to_json();
    value.is_object().then_some(value)
}

fn serve_applications(service: &Value, spec: &mut Map<String, Value>) {
    // Text in a manifest, data once the input is normalised for comparison.
    let config = match &service["serveConfigV2"] {
        Value::String(text) => parse_yaml_map(text),
        data @ Value::Object(_) => Some(data.clone()),
        _ => None,
    };
    let Some(config) = config else {
        return;
    };
    let Some(apps) = config
        .as_object()
        .filter(|c| c.len() == 1)
        .and_then(|c| c.get("applications")?.as_array())
    else {
        return;
    };
    let mut out = Vec::new();
    for app in apps {
        let Some(app) = app.as_object() else { return };
        let mut a = Map::new();
        for (key, value) in app {
            let name = match key.as_str() {
                "name" | "args" => key.as_str(),
                "import_path" => "importPath",
                "route_prefix" => "routePrefix",
                "runtime_env" => "runtimeEnv",
                "deployments" if value.is_array() => "deployments",
                _ => return,
            };
            a.insert(name.into(), value.clone());
        }
        if !a.contains_key("name") || !a.contains_key("importPath") {
            return;
        }
        out.push(Value::Object(a));
    }
    spec.insert("serveApplications".into(), Value::Array(out));
}

/// Head and worker groups, with what all groups share moved to
/// `image`/`groupDefaults`, and what all workers share to `workerDefaults`.
fn groups(cluster: &Value, spec: &mut Map<String, Value>) {
    let head_spec = &cluster["headGroupSpec"];
    let mut head = group(head_spec, "ray-head");
    for key in ["serviceType", "enableIngress"] {
        put(&mut head, key, head_spec.get(key).cloned());
    }
    let mut workers: Vec<Map<String, Value>> = Vec::new();
    for w in cluster["workerGroupSpecs"].as_array().into_iter().flatten() {
        let mut out = Map::new();
        put(&mut out, "name", w.get("groupName").cloned());
        for key in [
            "replicas",
            "minReplicas",
            "maxReplicas",
            "numOfHosts",
            "suspend",
        ] {
            put(&mut out, key, w.get(key).cloned());
        }
        out.extend(group(w, "ray-worker"));
        workers.push(out);
    }

    let mut all: Vec<&mut Map<String, Value>> = vec![&mut head];
    all.extend(workers.iter_mut());
    let mut shared = take_shared(&mut all, GROUP_FIELDS);
    if let Some(image) = shared.remove("image") {
        spec.insert("image".into(), image);
    }
    if !shared.is_empty() {
        spec.insert("groupDefaults".into(), Value::Object(shared));
    }
    if workers.len() > 1 {
        let mut refs: Vec<&mut Map<String, Value>> = workers.iter_mut().collect();
        let shared = take_shared(&mut refs, GROUP_FIELDS);
        if !shared.is_empty() {
            spec.insert("workerDefaults".into(), Value::Object(shared));
        }
    }
    if !head.is_empty() {
        spec.insert("head".into(), Value::Object(head));
    }
    if !workers.is_empty() {
        spec.insert(
            "workers".into(),
            Value::Array(workers.into_iter().map(Value::Object).collect()),
        );
    }
}

/// Group settings that inherit (`groupDefaults`, `workerDefaults`).
const GROUP_FIELDS: &[&str] = &[
    "image",
    "containerName",
    "imagePullPolicy",
    "cpu",
    "memory",
    "gpu",
    "ephemeralStorage",
    "env",
    "nodeSelector",
    "tolerations",
    "serviceAccountName",
    "rayStartParams",
];

/// Removes the fields every group has with the same value, and returns them.
/// Whole values move, so inheritance gives back exactly what each group had.
fn take_shared(groups: &mut [&mut Map<String, Value>], fields: &[&str]) -> Map<String, Value> {
    let mut shared = Map::new();
    if groups.len() < 2 {
        return shared;
    }
    for field in fields {
        let first = groups[0].get(*field).cloned();
        if let Some(value) = first
            && groups.iter().all(|g| g.get(*field) == Some(&value))
        {
            for g in groups.iter_mut() {
                g.remove(*field);
            }
            shared.insert((*field).to_owned(), value);
        }
    }
    shared
}

/// The group settings of one head or worker group spec.
fn group(group_spec: &Value, container_name: &str) -> Map<String, Value> {
    let mut out = Map::new();
    let pod = &group_spec["template"]["spec"];
    let container = &pod["containers"][0];
    // Every group needs an image, even one whose container `template` replaces.
    put(&mut out, "image", container.get("image").cloned());
    // KubeRay takes the first container for the Ray container, whatever its name.
    if let Some(name) = container["name"].as_str()
        && name != container_name
    {
        out.insert("containerName".into(), name.into());
    }
    put(
        &mut out,
        "imagePullPolicy",
        container.get("imagePullPolicy").cloned(),
    );
    resources(&container["resources"], &mut out);
    if let Some(env) = env_map(&container["env"]) {
        out.insert("env".into(), env);
    }
    if let Some(selector) = string_map(&pod["nodeSelector"]) {
        out.insert("nodeSelector".into(), selector);
    }
    put(
        &mut out,
        "tolerations",
        pod.get("tolerations")
            .cloned()
            .filter(|t| t.as_array().is_some_and(|a| !a.is_empty())),
    );
    put(
        &mut out,
        "serviceAccountName",
        pod.get("serviceAccountName").cloned(),
    );
    if let Some(params) = string_map(&group_spec["rayStartParams"]) {
        out.insert("rayStartParams".into(), params);
    }
    out
}

/// A non-empty map of strings.
fn string_map(value: &Value) -> Option<Value> {
    let map = value.as_object().filter(|m| !m.is_empty())?;
    map.values().all(Value::is_string).then(|| value.clone())
}

/// `env` as a map, when it is plain `name`/`value` pairs in name order (the
/// order rayc writes them).
fn env_map(env: &Value) -> Option<Value> {
    let items = env.as_array().filter(|a| !a.is_empty())?;
    let mut out = Map::new();
    let mut last: Option<&str> = None;
    for item in items {
        let item = item.as_object()?;
        if item.len() != 2 {
            return None;
        }
        let name = item.get("name")?.as_str()?;
        let value = item.get("value")?.as_str()?;
        if last.is_some_and(|l| l >= name) {
            return None;
        }
        last = Some(name);
        out.insert(name.into(), value.into());
    }
    Some(Value::Object(out))
}

/// `cpu`, `memory`, `ephemeralStorage` and `gpu` from container resources.
fn resources(resources: &Value, out: &mut Map<String, Value>) {
    let side = |name: &str| -> BTreeMap<String, Value> {
        resources[name]
            .as_object()
            .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default()
    };
    let (requests, limits) = (side("requests"), side("limits"));
    for (resource, field) in [
        ("cpu", "cpu"),
        ("memory", "memory"),
        ("ephemeral-storage", "ephemeralStorage"),
    ] {
        let amount = match (requests.get(resource), limits.get(resource)) {
            (Some(r), Some(l)) if r == l => Some(quantity(r)),
            (None, None) => None,
            (r, l) => {
                let mut split = Map::new();
                put(&mut split, "request", r.map(quantity));
                put(&mut split, "limit", l.map(quantity));
                Some(Value::Object(split))
            }
        };
        put(out, field, amount);
    }
    let gpus: Vec<&String> = limits
        .keys()
        .filter(|k| k.ends_with("gpu") || k.contains("gpu."))
        .collect();
    if let [resource] = gpus[..]
        && requests.get(resource.as_str()) == limits.get(resource.as_str())
        && let Some(count) = limits[resource.as_str()]
            .as_str()
            .and_then(|c| c.parse::<i64>().ok())
        && count > 0
    {
        let gpu = if resource == crate::model::spec::Gpu::DEFAULT_RESOURCE {
            json!(count)
        } else {
            json!({"count": count, "resource": resource})
        };
        out.insert("gpu".into(), gpu);
    }
}

/// A canonical quantity string, as a number when it is a plain integer.
fn quantity(q: &Value) -> Value {
    match q.as_str().and_then(|s| s.parse::<i64>().ok()) {
        Some(n) => json!(n),
        None => q.clone(),
    }
}

fn autoscaling(cluster: &Value, spec: &mut Map<String, Value>) {
    if cluster["enableInTreeAutoscaling"] != true {
        return;
    }
    let options = &cluster["autoscalerOptions"];
    let mut out = Map::new();
    for key in [
        "version",
        "upscalingMode",
        "idleTimeoutSeconds",
        "imagePullPolicy",
    ] {
        put(&mut out, key, options.get(key).cloned());
    }
    let mut res = Map::new();
    resources(&options["resources"], &mut res);
    for key in ["cpu", "memory"] {
        put(&mut out, key, res.remove(key));
    }
    if let Some(env) = env_map(&options["env"]) {
        out.insert("env".into(), env);
    }
    spec.insert("autoscaling".into(), Value::Object(out));
}

/// Volumes every pod that has them mounts into its Ray container alike
/// become `volumes` (with `groups` when not all pods mount them). Only
/// those that come first in each pod's lists (after the code volume, which
/// rayc writes first) and in one order: the build must list them where the
/// input does, since a merge cannot reorder.
pub fn volumes(cluster: &Value, code_volume: Option<&str>, spec: &mut Value) {
    let mut pods: Vec<(String, &Value)> = vec![(
        "head".to_owned(),
        &cluster["headGroupSpec"]["template"]["spec"],
    )];
    for w in cluster["workerGroupSpecs"].as_array().into_iter().flatten() {
        let Some(name) = w["groupName"].as_str() else {
            return;
        };
        pods.push((name.to_owned(), &w["template"]["spec"]));
    }
    let items = |pod: &Value, key: &str| -> Vec<Value> {
        let list = if key == "volumes" {
            &pod["volumes"]
        } else {
            &pod["containers"][0]["volumeMounts"]
        };
        let mut items = list.as_array().cloned().unwrap_or_default();
        if let Some(code) = code_volume
            && !items.is_empty()
            && items[0]["name"] == code
        {
            items.remove(0);
        }
        items
    };
    let mut order: Vec<String> = Vec::new();
    let mut found: BTreeMap<String, (Value, Value, Vec<String>)> = BTreeMap::new();
    let mut unfit: Vec<String> = Vec::new();
    for (group, pod) in &pods {
        let mounts = items(pod, "volumeMounts");
        let volumes = items(pod, "volumes");
        let names = |list: &[Value]| -> Vec<String> {
            list.iter()
                .filter_map(|i| i["name"].as_str().map(str::to_owned))
                .collect()
        };
        let (mount_names, volume_names) = (names(&mounts), names(&volumes));
        if code_volume.is_some_and(|c| mount_names.iter().chain(&volume_names).any(|n| n == c)) {
            return;
        }
        for volume in &volumes {
            let Some(name) = volume["name"].as_str() else {
                return;
            };
            let mount = mounts.iter().find(|m| m["name"] == name);
            let plain = mount.is_some_and(|m| {
                m.as_object().is_some_and(|o| {
                    o.keys()
                        .all(|k| matches!(k.as_str(), "name" | "mountPath" | "readOnly"))
                }) && mount_names.iter().filter(|n| *n == name).count() == 1
            });
            let (Some(mount), true) = (mount, plain) else {
                unfit.push(name.to_owned());
                continue;
            };
            match found.get_mut(name) {
                Some((v, m, groups)) => {
                    if v != volume || m != mount {
                        unfit.push(name.to_owned());
                    }
                    groups.push(group.clone());
                }
                None => {
                    order.push(name.to_owned());
                    found.insert(
                        name.to_owned(),
                        (volume.clone(), mount.clone(), vec![group.clone()]),
                    );
                }
            }
        }
        // A mount of a volume the pod does not have stays in the template.
        unfit.extend(
            mount_names
                .iter()
                .filter(|n| !volume_names.contains(n))
                .cloned(),
        );
    }
    // A volume of one pod among several says no less in that pod's template.
    for (name, (_, _, groups)) in &found {
        if groups.len() == 1 && pods.len() > 1 {
            unfit.push(name.clone());
        }
    }
    // Keep only what comes first in every pod's lists, in one order.
    loop {
        let mut late_items: Vec<String> = Vec::new();
        let fits = |n: &String| !unfit.contains(n);
        for (_, pod) in &pods {
            for key in ["volumes", "volumeMounts"] {
                let listed: Vec<String> = items(pod, key)
                    .iter()
                    .filter_map(|i| i["name"].as_str().map(str::to_owned))
                    .collect();
                let prefix = listed.iter().take_while(|n| fits(n)).count();
                let late: Vec<String> = listed[prefix..]
                    .iter()
                    .filter(|n| fits(n))
                    .cloned()
                    .collect();
                let kept: Vec<&String> = listed[..prefix].iter().collect();
                let global: Vec<&String> = order.iter().filter(|n| kept.contains(n)).collect();
                if kept != global {
                    return;
                }
                late_items.extend(late);
            }
        }
        if late_items.is_empty() {
            break;
        }
        unfit.extend(late_items);
    }
    let mut out = Vec::new();
    for name in order.iter().filter(|n| !unfit.contains(n)) {
        let Some((volume, mount, groups)) = found.remove(name) else {
            continue;
        };
        let mut v = Map::new();
        v.insert("name".into(), name.clone().into());
        v.insert("mountPath".into(), mount["mountPath"].clone());
        let mut source = volume.as_object().cloned().unwrap_or_default();
        source.remove("name");
        let claim = source
            .get("persistentVolumeClaim")
            .filter(|c| c.as_object().is_some_and(|o| o.len() == 1))
            .and_then(|c| c["claimName"].as_str())
            .map(str::to_owned);
        match claim {
            Some(claim) if source.len() == 1 => {
                v.insert("claimName".into(), claim.into());
            }
            _ => {
                v.insert("source".into(), Value::Object(source));
            }
        }
        put(&mut v, "readOnly", mount.get("readOnly").cloned());
        if groups.len() < pods.len() {
            v.insert("groups".into(), json!(groups));
        }
        out.push(Value::Object(v));
    }
    if !out.is_empty() {
        spec["spec"]["volumes"] = Value::Array(out);
    }
}

/// The built-in `ingress` overlay, when it gives back exactly what the input
/// says (the class annotation, `enableIngress`, and the nginx rewrite with the
/// path KubeRay `minor` serves, or no rewrite at all): then the spec says
/// `overlays: [ingress]` instead of those fields, so the path follows the
/// target version. An overlay that would add what the input lacks is not
/// used: a merge cannot take it away again.
pub fn ingress_overlay(object: &Value, spec: &mut Value, minor: u32) {
    const CLASS: &str = "kubernetes.io/ingress.class";
    const REWRITE: &str = "nginx.ingress.kubernetes.io/rewrite-target";
    const REGEX: &str = "nginx.ingress.kubernetes.io/use-regex";
    let kind = object["kind"].as_str().unwrap_or_default();
    let name = object["metadata"]["name"].as_str().unwrap_or_default();
    let notes = &object["metadata"]["annotations"];
    let head = &at(&object["spec"], cluster_path(kind))["headGroupSpec"];
    let Some(class) = notes[CLASS].as_str() else {
        return;
    };
    if head["enableIngress"] != true || spec["spec"]["head"]["enableIngress"] != true {
        return;
    }
    let cluster = match kind {
        "RayJob" => format!("{name}-[a-z0-9]+"),
        "RayCronJob" => format!("{name}-[a-z0-9-]+"),
        "RayService" => format!("{name}-raycluster-[a-z0-9]+"),
        _ => name.to_owned(),
    };
    let (rewrite_to, options) = if minor >= 7 {
        (
            "/$2",
            Some(
                json!({"path": format!("/{cluster}(/|$)(.*)"), "pathType": "ImplementationSpecific"}),
            ),
        )
    } else {
        ("/$1", None)
    };
    let rewrite = if notes[REWRITE] == rewrite_to
        && (minor < 7 || notes[REGEX] == "true")
        && options
            .as_ref()
            .is_none_or(|o| &head["ingressOptions"] == o)
    {
        true
    } else if notes.get(REWRITE).is_none()
        && notes.get(REGEX).is_none()
        && head.get("ingressOptions").is_none()
    {
        false
    } else {
        return;
    };
    if let Some(notes) = spec["metadata"]["annotations"].as_object_mut() {
        notes.remove(CLASS);
        if rewrite {
            notes.remove(REWRITE);
            if minor >= 7 {
                notes.remove(REGEX);
            }
        }
        if notes.is_empty() {
            spec["metadata"]
                .as_object_mut()
                .map(|m| m.remove("annotations"));
        }
    }
    if let Some(head) = spec["spec"]["head"].as_object_mut() {
        head.remove("enableIngress");
        if head.is_empty() {
            spec["spec"].as_object_mut().map(|s| s.remove("head"));
        }
    }
    let mut params = Map::new();
    if class != "nginx" {
        params.insert("className".into(), class.into());
    }
    if !rewrite {
        params.insert("rewrite".into(), false.into());
    }
    let entry = if params.is_empty() {
        json!("ingress")
    } else {
        json!({"ingress": params})
    };
    add_overlay(spec, entry);
}

fn add_overlay(spec: &mut Value, entry: Value) {
    match spec["spec"]["overlays"].as_array_mut() {
        Some(list) => list.push(entry),
        None => spec["spec"]["overlays"] = json!([entry]),
    }
}

/// The built-in `gpu` overlay, when every worker group has the same `gpu`
/// and exactly the toleration the overlay adds (and no group-wide GPU or
/// toleration setting is in the way): `overlays: [gpu]` (with `count`,
/// `resource` and the workers' shared `image` as parameters) instead.
pub fn gpu_overlay(spec: &mut Value) {
    let s = &spec["spec"];
    let Some(workers) = s["workers"].as_array().filter(|w| !w.is_empty()) else {
        return;
    };
    let in_the_way = |g: &Value| g.get("gpu").is_some() || g.get("tolerations").is_some();
    if in_the_way(&s["groupDefaults"]) || in_the_way(&s["workerDefaults"]) || in_the_way(&s["head"])
    {
        return;
    }
    let gpu = workers[0]["gpu"].clone();
    let (count, resource) = match &gpu {
        Value::Number(n) => (
            n.clone(),
            crate::model::spec::Gpu::DEFAULT_RESOURCE.to_owned(),
        ),
        Value::Object(g) => match (g.get("count"), g.get("resource").and_then(Value::as_str)) {
            (Some(Value::Number(n)), Some(r)) => (n.clone(), r.to_owned()),
            _ => return,
        },
        _ => return,
    };
    let toleration = json!([{"key": resource, "operator": "Exists", "effect": "NoSchedule"}]);
    let image = workers[0]["image"].clone();
    let same = |w: &Value| w["gpu"] == gpu && w["tolerations"] == toleration;
    if !workers.iter().all(same) {
        return;
    }
    let shared_image = image.is_string() && workers.iter().all(|w| w["image"] == image);
    for w in spec["spec"]["workers"].as_array_mut().into_iter().flatten() {
        if let Some(w) = w.as_object_mut() {
            w.remove("gpu");
            w.remove("tolerations");
            if shared_image {
                w.remove("image");
            }
        }
    }
    let mut params = Map::new();
    if count != 1.into() {
        params.insert("count".into(), Value::Number(count));
    }
    if resource != crate::model::spec::Gpu::DEFAULT_RESOURCE {
        params.insert("resource".into(), resource.into());
    }
    if shared_image {
        params.insert("image".into(), image);
    }
    add_overlay(
        spec,
        if params.is_empty() {
            json!("gpu")
        } else {
            json!({"gpu": params})
        },
    );
}
