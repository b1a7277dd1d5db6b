//! Head and worker groups: inheritance (`groupDefaults` → `workerDefaults` →
//! group), containers, resources, and the RayCluster spec around them.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::code::CodePlan;
use super::{Lowerer, merge_json, put, quantity};
use crate::diag::codes;
use crate::model::spec::{AutoscalerVersion, Group, Resource};

/// Ports KubeRay's own samples give the head container.
const HEAD_PORTS: [(i32, &str); 3] = [(6379, "gcs-server"), (8265, "dashboard"), (10001, "client")];
/// First KubeRay version whose CRD no longer requires `rayStartParams`.
const RAY_START_PARAMS_OPTIONAL_SINCE: &str = "v1.4";

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
        ray_start_params(l, &head_group),
    );
    put(
        &mut head_spec,
        "serviceType",
        head.service_type.map(|t| json!(t)),
    );
    head_spec.insert(
        "template".into(),
        pod_template(l, &head_group, "ray-head", "spec.head", code, true),
    );

    let mut workers = Vec::new();
    for (i, worker) in spec.workers.iter().enumerate() {
        let group = inherit(&worker_base, &worker.group);
        let path = format!("spec.workers[{i}]");
        let mut w = Map::new();
        w.insert("groupName".into(), worker.name.clone().into());
        let omit_replicas = autoscaling.is_some() && l.ctx.omit_autoscaled_replicas;
        put(&mut w, "maxReplicas", worker.max_replicas.map(Value::from));
        put(&mut w, "minReplicas", worker.min_replicas.map(Value::from));
        put(&mut w, "numOfHosts", worker.num_of_hosts.map(Value::from));
        put(&mut w, "rayStartParams", ray_start_params(l, &group));
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
            pod_template(l, &group, "ray-worker", &path, on_workers, false),
        );
        workers.push(Value::Object(w));
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
fn ray_start_params(l: &Lowerer, group: &Group) -> Option<Value> {
    if !group.ray_start_params.is_empty() {
        return Some(json!(group.ray_start_params));
    }
    (version_lt(l.ctx.kuberay_version, RAY_START_PARAMS_OPTIONAL_SINCE)).then(|| json!({}))
}

/// Compares `v1.N` versions.
pub(crate) fn version_lt(a: &str, b: &str) -> bool {
    let minor = |v: &str| -> u32 {
        v.trim_start_matches('v')
            .split('.')
            .nth(1)
            .and_then(|m| m.parse().ok())
            .unwrap_or(u32::MAX)
    };
    minor(a) < minor(b)
}

fn pod_template(
    l: &mut Lowerer,
    group: &Group,
    container_name: &str,
    path: &str,
    code: Option<&CodePlan>,
    head: bool,
) -> Value {
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
    for v in &spec.volumes {
        if !v.groups.is_empty() && !v.groups.contains(&group_name) {
            continue;
        }
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
    }
    template
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
