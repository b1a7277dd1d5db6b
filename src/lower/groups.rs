//! Head and worker groups: inheritance (`groupDefaults` → `workerDefaults` →
//! group), containers, resources, and the RayCluster spec around them.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::code::CodePlan;
use super::{Lowerer, merge_json, put, quantity};
use crate::diag::{FieldPath, codes};
use crate::model::kuberay::KubeRayVersion;
use crate::model::spec::{AutoscalerVersion, Group, Resource};

/// Ports KubeRay's own samples give the head container.
const HEAD_PORTS: [(i32, &str); 3] = [(6379, "gcs-server"), (8265, "dashboard"), (10001, "client")];
/// First KubeRay version whose CRD no longer requires `rayStartParams`.
const RAY_START_PARAMS_OPTIONAL_SINCE: KubeRayVersion = KubeRayVersion::V1_4;

/// `later` over `earlier`: scalars replace, maps merge, tolerations add up.
fn inherit(earlier: &Group, later: &Group) -> Group {
    let mut env = earlier.env.clone();
    env.extend(later.env.clone());
    let mut node_selector = earlier.node_selector.clone();
    node_selector.extend(later.node_selector.clone());
    let mut ray_start_params = earlier.ray_start_params.clone();
    ray_start_params.extend(later.ray_start_params.clone());
    let template = match (&earlier.template, &later.template) {
        (Some(a), Some(b)) => {
            let mut t = a.clone();
            merge_json(&mut t, b);
            Some(t)
        }
        (a, b) => b.clone().or_else(|| a.clone()),
    };
    Group {
        image: later.image.clone().or_else(|| earlier.image.clone()),
        image_pull_policy: later.image_pull_policy.or(earlier.image_pull_policy),
        cpu: later.cpu.clone().or_else(|| earlier.cpu.clone()),
        memory: later.memory.clone().or_else(|| earlier.memory.clone()),
        gpu: later.gpu.clone().or_else(|| earlier.gpu.clone()),
        ephemeral_storage: later
            .ephemeral_storage
            .clone()
            .or_else(|| earlier.ephemeral_storage.clone()),
        env,
        node_selector,
        tolerations: accumulate(&earlier.tolerations, &later.tolerations),
        service_account_name: later
            .service_account_name
            .clone()
            .or_else(|| earlier.service_account_name.clone()),
        ray_start_params,
        container_name: later
            .container_name
            .clone()
            .or_else(|| earlier.container_name.clone()),
        template,
    }
}

/// Tolerations only widen where a pod may run, so a group keeps the ones it
/// inherits (an overlay's `$append` to one group must not drop the team's
/// `workerDefaults` tolerations). Equal items appear once.
fn accumulate(earlier: &[Value], later: &[Value]) -> Vec<Value> {
    let mut out = earlier.to_vec();
    for item in later {
        if !out.contains(item) {
            out.push(item.clone());
        }
    }
    out
}

pub(super) fn cluster_spec(l: &mut Lowerer, code: Option<&CodePlan>) -> Value {
    let spec = &l.spec.spec;
    let defaults = spec.group_defaults.clone().unwrap_or_default();
    let head = spec.head.clone().unwrap_or_default();
    let head_group = inherit(&defaults, &head.group);
    let worker_base = inherit(&defaults, &spec.worker_defaults.clone().unwrap_or_default());
    let autoscaling = spec
        .autoscaling
        .as_ref()
        .filter(|a| a.enabled.unwrap_or(true));

    let at = l.cluster_at.clone();
    let head_at = at.key("headGroupSpec");
    l.trace(head_at.clone(), "spec.head");
    for field in ["enableIngress", "ingressOptions", "serviceType"] {
        l.trace(head_at.key(field), format!("spec.head.{field}"));
    }
    let head_layers = ["spec.head", "spec.groupDefaults"].map(FieldPath::parse);
    let mut head_spec = Map::new();
    put(
        &mut head_spec,
        "enableIngress",
        head.enable_ingress.map(Value::from),
    );
    put(
        &mut head_spec,
        "ingressOptions",
        head.ingress_options.as_ref().map(|o| json!(o)),
    );
    put(
        &mut head_spec,
        "rayStartParams",
        ray_start_params(l, &head_group, &head_at, &head_layers),
    );
    put(
        &mut head_spec,
        "serviceType",
        head.service_type.map(|t| json!(t)),
    );
    head_spec.insert(
        "template".into(),
        pod_template(
            l,
            &head_group,
            (&head_at.key("template"), &head_layers),
            "ray-head",
            code,
            true,
        ),
    );

    let mut workers = Vec::new();
    for (i, worker) in spec.workers.iter().enumerate() {
        let group = inherit(&worker_base, &worker.group);
        let path = format!("spec.workers[{i}]");
        let worker_at = at.key("workerGroupSpecs").index(i);
        l.trace(worker_at.clone(), &path);
        l.trace(worker_at.key("groupName"), format!("{path}.name"));
        for field in [
            "maxReplicas",
            "minReplicas",
            "numOfHosts",
            "replicas",
            "suspend",
        ] {
            l.trace(worker_at.key(field), format!("{path}.{field}"));
        }
        let layers =
            [path.as_str(), "spec.workerDefaults", "spec.groupDefaults"].map(FieldPath::parse);
        let mut w = Map::new();
        w.insert("groupName".into(), worker.name.clone().into());
        let omit_replicas = autoscaling.is_some() && l.ctx.omit_autoscaled_replicas;
        put(&mut w, "maxReplicas", worker.max_replicas.map(Value::from));
        put(&mut w, "minReplicas", worker.min_replicas.map(Value::from));
        put(&mut w, "numOfHosts", worker.num_of_hosts.map(Value::from));
        put(
            &mut w,
            "rayStartParams",
            ray_start_params(l, &group, &worker_at, &layers),
        );
        match worker.replicas {
            Some(n) if omit_replicas => l.warning(
                codes::NOT_EMITTED,
                &format!("{path}.replicas"),
                format!(
                    "replicas {n} of autoscaled worker group `{}` is not emitted: under GitOps the autoscaler owns the count, and the group starts at minReplicas ({})",
                    worker.name,
                    worker.min_replicas.map_or("0, KubeRay's default".to_owned(), |m| m.to_string())
                ),
                "remove `replicas` and set `minReplicas` to the starting size (or set `gitops.omitAutoscaledReplicas: false`)".to_owned(),
            ),
            n => put(&mut w, "replicas", n.map(Value::from)),
        }
        put(&mut w, "suspend", worker.suspend.map(Value::from));
        let on_workers = code.filter(|c| c.on_workers);
        w.insert(
            "template".into(),
            pod_template(
                l,
                &group,
                (&worker_at.key("template"), &layers),
                "ray-worker",
                on_workers,
                false,
            ),
        );
        workers.push(Value::Object(w));
    }

    l.trace(at.key("workerGroupSpecs"), "spec.workers");
    l.trace(at.key("rayVersion"), "spec.rayVersion");
    let auto_at = at.key("autoscalerOptions");
    l.trace(at.key("enableInTreeAutoscaling"), "spec.autoscaling");
    l.trace(auto_at.clone(), "spec.autoscaling");
    for field in [
        "env",
        "idleTimeoutSeconds",
        "imagePullPolicy",
        "upscalingMode",
        "version",
    ] {
        l.trace(auto_at.key(field), format!("spec.autoscaling.{field}"));
    }
    for (field, kind) in [("cpu", "cpu"), ("memory", "memory")] {
        for side in ["requests", "limits"] {
            l.trace(
                auto_at.key("resources").key(side).key(kind),
                format!("spec.autoscaling.{field}"),
            );
        }
    }
    let mut cluster = Map::new();
    if let Some(a) = autoscaling {
        cluster.insert("enableInTreeAutoscaling".into(), true.into());
        let mut opts = Map::new();
        put(&mut opts, "env", env_list(&a.env));
        put(
            &mut opts,
            "idleTimeoutSeconds",
            a.idle_timeout_seconds.map(Value::from),
        );
        put(
            &mut opts,
            "imagePullPolicy",
            a.image_pull_policy.map(|p| json!(p)),
        );
        put(
            &mut opts,
            "resources",
            resources(a.cpu.as_ref(), a.memory.as_ref(), None, None),
        );
        put(
            &mut opts,
            "upscalingMode",
            a.upscaling_mode.map(|m| json!(m)),
        );
        put(
            &mut opts,
            "version",
            a.version.map(|v| match v {
                AutoscalerVersion::V1 => "v1".into(),
                AutoscalerVersion::V2 => "v2".into(),
            }),
        );
        let mut opts = Value::Object(opts);
        if let Some(extra) = &a.options {
            merge_json(&mut opts, extra);
            l.trace_fragment(&auto_at, "spec.autoscaling.options", Some(&opts));
        }
        if opts.as_object().is_some_and(|o| !o.is_empty()) {
            cluster.insert("autoscalerOptions".into(), opts);
        }
    }
    cluster.insert("headGroupSpec".into(), Value::Object(head_spec));
    put(
        &mut cluster,
        "rayVersion",
        spec.ray_version.clone().map(Value::from),
    );
    if !workers.is_empty() {
        cluster.insert("workerGroupSpecs".into(), Value::Array(workers));
    }
    Value::Object(cluster)
}

/// `rayStartParams`, or `{}` where the target KubeRay version still requires it.
/// `at` is the group in the output, `layers` the spec groups it inherits from.
fn ray_start_params(
    l: &mut Lowerer,
    group: &Group,
    at: &FieldPath,
    layers: &[FieldPath],
) -> Option<Value> {
    let out = at.key("rayStartParams");
    l.trace_layers(
        out.clone(),
        layers,
        &FieldPath::root().key("rayStartParams"),
    );
    for key in group.ray_start_params.keys() {
        let from = FieldPath::root().key("rayStartParams").key(key);
        l.trace_layers(out.key(key), layers, &from);
    }
    if !group.ray_start_params.is_empty() {
        return Some(json!(group.ray_start_params));
    }
    (l.ctx.kuberay_version < RAY_START_PARAMS_OPTIONAL_SINCE).then(|| json!({}))
}

/// The pod template of a group. `at` is where it goes in the output,
/// `layers` the spec groups it inherits from, the group's own first;
/// `default_name` names the Ray container unless the group's `containerName` does.
fn pod_template(
    l: &mut Lowerer,
    group: &Group,
    (at, layers): (&FieldPath, &[FieldPath]),
    default_name: &str,
    code: Option<&CodePlan>,
    head: bool,
) -> Value {
    let container_name = group.container_name.as_deref().unwrap_or(default_name);
    let path = layers.first().map(ToString::to_string).unwrap_or_default();
    let path = path.as_str();
    trace_pod(l, group, at, layers, code);
    let spec = &l.spec.spec;
    let image = group.image.clone().or_else(|| spec.image.clone());
    if image.is_none() {
        l.error(
            codes::MISSING_REQUIRED,
            path,
            format!("no image for container {container_name}"),
            "set `spec.image` (or `image` on this group, or `defaults.spec.image` in rayc.yaml)"
                .to_owned(),
        );
    }
    let mut container = Map::new();
    container.insert("name".into(), container_name.into());
    put(&mut container, "image", image.map(Value::from));
    put(
        &mut container,
        "imagePullPolicy",
        group.image_pull_policy.map(|p| json!(p)),
    );
    put(&mut container, "env", env_list(&group.env));
    if head {
        // A port the template declares under another name replaces rayc's
        // port of that number: a pod must not list one containerPort twice.
        let declared: Vec<Value> = group
            .template
            .as_ref()
            .and_then(|t| t.pointer("/spec/containers"))
            .and_then(Value::as_array)
            .and_then(|cs| cs.iter().find(|c| c["name"] == container_name))
            .and_then(|c| c["ports"].as_array())
            .cloned()
            .unwrap_or_default();
        let ports: Vec<Value> = HEAD_PORTS
            .iter()
            .filter(|(port, name)| {
                !declared
                    .iter()
                    .any(|d| d["containerPort"] == *port && d["name"] != *name)
            })
            .map(|(port, name)| json!({"containerPort": port, "name": name}))
            .collect();
        container.insert("ports".into(), Value::Array(ports));
    } else {
        container.insert(
            "lifecycle".into(),
            json!({"preStop": {"exec": {"command": ["/bin/sh", "-c", "ray stop"]}}}),
        );
    }
    put(
        &mut container,
        "resources",
        resources(
            group.cpu.as_ref(),
            group.memory.as_ref(),
            group.ephemeral_storage.as_ref(),
            group.gpu.as_ref().map(|g| (g.resource(), g.count())),
        ),
    );

    let mut mounts = Vec::new();
    let mut volumes = Vec::new();
    if let Some(plan) = code {
        mounts.extend(plan.mount.clone());
        volumes.extend(plan.volume.clone());
    }
    let group_name = if head {
        "head".to_owned()
    } else {
        path_group_name(l, path)
    };
    let pod_at = at.key("spec");
    for (i, v) in spec.volumes.iter().enumerate() {
        if !v.groups.is_empty() && !v.groups.contains(&group_name) {
            continue;
        }
        let from = format!("spec.volumes[{i}]");
        let mount_at = pod_at
            .key("containers")
            .index(0)
            .key("volumeMounts")
            .index(mounts.len());
        l.trace(mount_at, &from);
        let volume_at = pod_at.key("volumes").index(volumes.len());
        l.trace(volume_at.clone(), &from);
        let mut mount = Map::new();
        mount.insert("mountPath".into(), v.mount_path.clone().into());
        mount.insert("name".into(), v.name.clone().into());
        put(&mut mount, "readOnly", v.read_only.map(Value::from));
        mounts.push(Value::Object(mount));
        let mut volume = Map::new();
        volume.insert("name".into(), v.name.clone().into());
        if let Some(claim) = &v.claim_name {
            volume.insert("persistentVolumeClaim".into(), json!({"claimName": claim}));
        }
        let mut volume = Value::Object(volume);
        if let Some(source) = &v.source {
            merge_json(&mut volume, source);
            l.trace_fragment(&volume_at, &format!("{from}.source"), Some(&volume));
        }
        volumes.push(volume);
    }
    if !mounts.is_empty() {
        container.insert("volumeMounts".into(), Value::Array(mounts));
    }

    let mut pod = Map::new();
    // Built directly: `json!` would serialise (deep-copy) the values it is given.
    pod.insert(
        "containers".into(),
        Value::Array(vec![Value::Object(container)]),
    );
    if let Some(init) = code.and_then(|c| c.init_container.clone()) {
        pod.insert("initContainers".into(), Value::Array(vec![init]));
    }
    if !group.node_selector.is_empty() {
        pod.insert("nodeSelector".into(), json!(group.node_selector));
    }
    put(
        &mut pod,
        "serviceAccountName",
        group.service_account_name.clone().map(Value::from),
    );
    if !group.tolerations.is_empty() {
        pod.insert(
            "tolerations".into(),
            Value::Array(group.tolerations.clone()),
        );
    }
    if !volumes.is_empty() {
        pod.insert("volumes".into(), Value::Array(volumes));
    }
    let mut template = Value::Object(Map::from_iter([("spec".to_owned(), Value::Object(pod))]));
    if let Some(extra) = &group.template {
        merge_json(&mut template, extra);
        // The earliest layer first: a later one's fields win, as they merged.
        for layer in layers.iter().rev() {
            let from = layer.key("template").to_string();
            l.trace_fragment(at, &from, Some(&template));
        }
    }
    template
}

/// Records where the fields of a group's pod template come from (the
/// template fragment aside, traced once merged).
fn trace_pod(
    l: &mut Lowerer,
    group: &Group,
    at: &FieldPath,
    layers: &[FieldPath],
    code: Option<&CodePlan>,
) {
    let field = |name: &str| FieldPath::root().key(name);
    let pod = at.key("spec");
    let container = pod.key("containers").index(0);
    if let Some(own) = layers.first() {
        l.trace(at.clone(), own);
        l.trace(container.clone(), own);
    }
    let mut image_layers = layers.to_vec();
    image_layers.push(FieldPath::root().key("spec"));
    l.trace_layers_to(|| container.key("image"), &image_layers, &field("image"));
    l.trace_layers_to(
        || container.key("imagePullPolicy"),
        layers,
        &field("imagePullPolicy"),
    );
    l.trace_layers_to(|| container.key("env"), layers, &field("env"));
    for (i, name) in group.env.keys().enumerate() {
        let from = field("env").key(name);
        l.trace_layers_to(|| container.key("env").index(i), layers, &from);
    }
    let resources = container.key("resources");
    let gpu = group.gpu.as_ref().map(|g| g.resource().to_owned());
    let amounts = [
        ("cpu", "cpu"),
        ("memory", "memory"),
        ("ephemeralStorage", "ephemeral-storage"),
    ]
    .into_iter()
    .map(|(f, r)| (f, r.to_owned()))
    .chain(gpu.map(|r| ("gpu", r)));
    for (name, resource) in amounts {
        // The nearest layer that sets the amount gives all of it (inheritance
        // replaces an amount whole); a split amount points at its own half.
        let amount = field(name);
        let Some(set) = layers
            .iter()
            .find(|layer| {
                FieldPath::exact_pos_of(layer.segments().iter().chain(amount.segments()), l.node)
                    .is_some()
            })
            .map(|layer| layer.join(&amount))
        else {
            continue;
        };
        for (side, part) in [("requests", "request"), ("limits", "limit")] {
            let from = set.key(part);
            let from = if from.exact_pos(l.node).is_some() {
                from
            } else {
                set.clone()
            };
            l.trace(resources.key(side).key(&resource), &from);
        }
    }
    l.trace_layers_to(|| pod.key("nodeSelector"), layers, &field("nodeSelector"));
    for key in group.node_selector.keys() {
        let from = field("nodeSelector").key(key);
        l.trace_layers_to(|| pod.key("nodeSelector").key(key), layers, &from);
    }
    l.trace_layers_to(
        || pod.key("serviceAccountName"),
        layers,
        &field("serviceAccountName"),
    );
    // Tolerations add up, the earliest layer's first (see `accumulate`).
    l.trace_layers_to(|| pod.key("tolerations"), layers, &field("tolerations"));
    let mut seen: Vec<Value> = Vec::new();
    for layer in layers.iter().rev() {
        let items = layer.key("tolerations");
        let Some(crate::load::node::Value::Seq(nodes)) = l.spec_node(&items).map(|n| &n.value)
        else {
            continue;
        };
        let found: Vec<(Value, crate::load::node::Pos)> =
            nodes.iter().map(|n| (n.to_json(), n.pos)).collect();
        for (value, pos) in found {
            if !seen.contains(&value) && group.tolerations.contains(&value) {
                l.prov
                    .record(pod.key("tolerations").index(seen.len()), Some(pos));
                seen.push(value);
            }
        }
    }
    if let Some(plan) = code {
        if plan.init_container.is_some() {
            l.trace(pod.key("initContainers"), "spec.code.git");
            l.trace(pod.key("initContainers").index(0), "spec.code.git");
        }
        if plan.volume.is_some() {
            l.trace(pod.key("volumes").index(0), "spec.code");
        }
        if plan.mount.is_some() {
            l.trace(container.key("volumeMounts").index(0), "spec.code");
        }
    }
}

fn path_group_name(l: &Lowerer, path: &str) -> String {
    path.strip_prefix("spec.workers[")
        .and_then(|rest| rest.trim_end_matches(']').parse::<usize>().ok())
        .and_then(|i| l.spec.spec.workers.get(i))
        .map_or_else(String::new, |w| w.name.clone())
}

fn env_list(env: &BTreeMap<String, String>) -> Option<Value> {
    (!env.is_empty()).then(|| {
        Value::Array(
            env.iter()
                .map(|(name, value)| json!({"name": name, "value": value}))
                .collect(),
        )
    })
}

/// Container resources; a single amount means request = limit.
fn resources(
    cpu: Option<&Resource>,
    memory: Option<&Resource>,
    ephemeral: Option<&Resource>,
    gpu: Option<(&str, i64)>,
) -> Option<Value> {
    let mut requests = Map::new();
    let mut limits = Map::new();
    for (name, res) in [
        ("cpu", cpu),
        ("memory", memory),
        ("ephemeral-storage", ephemeral),
    ] {
        match res {
            Some(Resource::Amount(q)) => {
                requests.insert(name.into(), quantity(q));
                limits.insert(name.into(), quantity(q));
            }
            Some(Resource::Split(split)) => {
                put(&mut requests, name, split.request.as_ref().map(quantity));
                put(&mut limits, name, split.limit.as_ref().map(quantity));
            }
            None => {}
        }
    }
    if let Some((resource, count)) = gpu.filter(|(_, n)| *n > 0) {
        requests.insert(resource.into(), count.to_string().into());
        limits.insert(resource.into(), count.to_string().into());
    }
    let mut out = Map::new();
    if !limits.is_empty() {
        out.insert("limits".into(), Value::Object(limits));
    }
    if !requests.is_empty() {
        out.insert("requests".into(), Value::Object(requests));
    }
    (!out.is_empty()).then_some(Value::Object(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_group_keeps_the_tolerations_it_inherits() {
        let spot = json!({"key": "spot", "operator": "Exists"});
        let gpu = json!({"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"});
        let defaults = Group {
            tolerations: vec![spot.clone()],
            ..Group::default()
        };
        let group = Group {
            tolerations: vec![gpu.clone(), spot.clone()],
            ..Group::default()
        };
        assert_eq!(inherit(&defaults, &group).tolerations, [spot.clone(), gpu]);
        assert_eq!(inherit(&defaults, &Group::default()).tolerations, [spot]);
    }
}
