//! The built-in overlays: each reproduces its tutorial example (the seed
//! manifests, read through RAYC_SHARED), and each parameter does what its doc says.

use crate::helpers;

use helpers::*;
use rayc::model::spec::SpecDocument;
use rayc::resolve::OverlaySet;
use serde_json::{Value, json};

const HEAD: &str =
    "apiVersion: rayc.dev/v1alpha1\nkind: RayJob\nmetadata:\n  name: rayjob-sample\n";

fn spec(body: &str) -> String {
    format!("{HEAD}spec:\n  entrypoint: python /home/ray/samples/sample_code.py\n{body}")
}

const SMALL_GROUP: &str = "  workers:\n    - {name: small-group, replicas: 1}\n";

fn builtins() -> OverlaySet {
    OverlaySet::builtin().unwrap()
}

fn resolved(body: &str) -> Value {
    let doc = resolve_ok(&project(""), &spec(body), &builtins())
        .doc
        .to_json();
    // Whatever an overlay produces, `lower` must be able to read it.
    serde_json::from_value::<SpecDocument>(doc.clone())
        .unwrap_or_else(|e| panic!("not a SpecDocument: {e}\n{doc:#}"));
    doc
}

fn rayjob(docs: &[Value]) -> &Value {
    docs.iter().find(|d| d["kind"] == "RayJob").unwrap()
}

#[test]
fn the_built_ins_are_the_four_documented_ones() {
    let set = builtins();
    assert_eq!(
        set.names().collect::<Vec<_>>(),
        ["autoscaling", "gpu", "ingress", "pvc"]
    );
    for o in set.iter() {
        assert!(!o.description.is_empty(), "{}", o.name);
        assert!(
            o.parameters.iter().all(|p| !p.doc.is_empty()),
            "{}: every parameter has a doc",
            o.name
        );
        assert_eq!(o.file, format!("<built-in>/{}.yaml", o.name));
    }
}

#[test]
fn gpu_reproduces_the_tutorial_gpu_job() {
    let Some(shared) = shared_dir() else { return };
    let docs = seed(&shared, "rayjob.gpu_sample.yaml");
    let cluster = &rayjob(&docs)["spec"]["rayClusterSpec"];
    let worker = &cluster["workerGroupSpecs"][0]["template"]["spec"]["containers"][0];
    let gpus = &worker["resources"]["limits"]["nvidia.com/gpu"];
    assert_eq!(
        gpus, &worker["resources"]["requests"]["nvidia.com/gpu"],
        "the tutorial asks requests == limits"
    );
    let image = worker["image"].as_str().unwrap();
    let doc = resolved(&format!(
        "  overlays:\n    - gpu: {{image: {image:?}}}\n{SMALL_GROUP}"
    ));
    assert_eq!(at(&doc, "spec.workerDefaults.gpu"), gpus);
    assert_eq!(
        at(&doc, "spec.workerDefaults.image"),
        image,
        "GPU workers on the CUDA image"
    );
    assert_eq!(
        at(&doc, "spec.workerDefaults.tolerations"),
        &json!([{"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}])
    );
    // The tutorial's head asks for a GPU by mistake; the overlay gives it one only on request.
    assert!(doc["spec"].get("head").is_none());
    let head_gpus = &cluster["headGroupSpec"]["template"]["spec"]["containers"][0]["resources"]["limits"]
        ["nvidia.com/gpu"];
    let doc = resolved(&format!(
        "  overlays:\n    - gpu: {{head: {head_gpus}, image: {image:?}}}\n{SMALL_GROUP}"
    ));
    assert_eq!(at(&doc, "spec.head.gpu"), head_gpus);
}

#[test]
fn gpu_targets_chosen_groups_and_other_vendors() {
    let body = "  workers:\n    - {name: cpu, replicas: 1}\n    - {name: train, replicas: 2}\n";
    let doc = resolved(&format!(
        "  overlays:\n    - gpu: {{groups: [train], count: 2, resource: amd.com/gpu, accelerator: mi300x, acceleratorLabel: amd.com/gpu.product-name}}\n{body}"
    ));
    assert!(doc["spec"].get("workerDefaults").is_none());
    assert_eq!(
        at(&doc, "spec.workers.0"),
        &json!({"name": "cpu", "replicas": 1})
    );
    assert_eq!(
        at(&doc, "spec.workers.1"),
        &json!({
            "name": "train", "replicas": 2,
            "gpu": {"count": 2, "resource": "amd.com/gpu"},
            "nodeSelector": {"amd.com/gpu.product-name": "mi300x"},
            "tolerations": [{"key": "amd.com/gpu", "operator": "Exists", "effect": "NoSchedule"}]
        })
    );
    let doc = resolved(&format!(
        "  overlays:\n    - gpu: {{tolerate: false}}\n{body}"
    ));
    assert_eq!(at(&doc, "spec.workerDefaults"), &json!({"gpu": 1}));
}

#[test]
fn gpu_keeps_tolerations_the_spec_has() {
    let doc = resolved(concat!(
        "  overlays: [gpu]\n",
        "  workerDefaults:\n    tolerations:\n      - {key: nvidia.com/gpu, operator: Exists, effect: NoSchedule}\n      - {key: spot, operator: Exists}\n",
    ));
    assert_eq!(
        at(&doc, "spec.workerDefaults.tolerations"),
        &json!([{"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}, {"key": "spot", "operator": "Exists"}])
    );
}

#[test]
fn gpu_refuses_a_group_the_spec_does_not_have() {
    let diags = resolve_err(
        &project(""),
        None,
        &spec(&format!(
            "  overlays:\n    - gpu: {{groups: [trian]}}\n{SMALL_GROUP}"
        )),
        &builtins(),
    );
    let d = only(&diags);
    assert_eq!(
        (d.code.as_str(), d.file.as_str()),
        ("RAY008", "<built-in>/gpu.yaml")
    );
    assert!(
        d.message
            .contains("the spec has no worker group `trian` (it has: small-group)"),
        "{}",
        d.message
    );
    assert!(
        d.help.as_deref().unwrap().contains("used at spec.yaml:8"),
        "{:?}",
        d.help
    );
}

#[test]
fn pvc_reproduces_the_tutorial_pvc_job() {
    let Some(shared) = shared_dir() else { return };
    let docs = seed(&shared, "rayjob.pvc.yaml");
    let claim = docs
        .iter()
        .find(|d| d["kind"] == "PersistentVolumeClaim")
        .unwrap();
    let head = &rayjob(&docs)["spec"]["rayClusterSpec"]["headGroupSpec"]["template"]["spec"];
    let volume = head["volumes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v.get("persistentVolumeClaim").is_some())
        .unwrap();
    let mount = head["containers"][0]["volumeMounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == volume["name"])
        .unwrap();
    let claim_name = claim["metadata"]["name"].as_str().unwrap();
    assert_eq!(volume["persistentVolumeClaim"]["claimName"], claim_name);
    let doc = resolved(&format!(
        "  overlays:\n    - pvc: {{claim: {claim_name}, volume: {}, mountPath: {}, storageClass: {}, size: {}}}\n{SMALL_GROUP}",
        volume["name"].as_str().unwrap(),
        mount["mountPath"].as_str().unwrap(),
        claim["spec"]["storageClassName"].as_str().unwrap(),
        claim["spec"]["resources"]["requests"]["storage"]
            .as_str()
            .unwrap(),
    ));
    assert_eq!(
        at(&doc, "spec.claims"),
        &json!([{
            "name": claim["metadata"]["name"],
            "size": claim["spec"]["resources"]["requests"]["storage"],
            "storageClassName": claim["spec"]["storageClassName"],
            "accessModes": claim["spec"]["accessModes"],
        }])
    );
    assert_eq!(
        at(&doc, "spec.volumes"),
        &json!([{"name": volume["name"], "mountPath": mount["mountPath"], "claimName": claim_name, "groups": ["head"]}])
    );
}

#[test]
fn pvc_mounts_an_existing_claim_and_names_new_ones() {
    let doc = resolved(&format!(
        "  overlays:\n    - pvc: {{create: false, claim: shared-data, groups: [head, small-group], readOnly: true}}\n{SMALL_GROUP}"
    ));
    assert!(doc["spec"].get("claims").is_none());
    assert_eq!(
        at(&doc, "spec.volumes"),
        &json!([{"name": "data", "mountPath": "/data", "claimName": "shared-data", "groups": ["head", "small-group"], "readOnly": true}])
    );
    let doc = resolved(&format!(
        "  overlays:\n    - pvc\n    - pvc: {{volume: cache, mountPath: /cache, size: 5Gi}}\n{SMALL_GROUP}"
    ));
    assert_eq!(
        at(&doc, "spec.claims"),
        &json!([
            {"name": "rayjob-sample-cache", "size": "5Gi", "accessModes": ["ReadWriteOnce"]},
            {"name": "rayjob-sample-data", "size": "10Gi", "accessModes": ["ReadWriteOnce"]}
        ])
    );
}

#[test]
fn pvc_errors() {
    for (use_, expected) in [
        ("{pvc: {create: false}}", "`create: false` needs `claim`"),
        (
            "{pvc: {groups: [head, gpu]}}",
            "no group `gpu` to mount on (groups: head, small-group)",
        ),
        (
            "{pvc: {size: 40GB}}",
            "parameter `size` of overlay `pvc` must be a quantity",
        ),
    ] {
        let diags = resolve_err(
            &project(""),
            None,
            &spec(&format!("  overlays:\n    - {use_}\n{SMALL_GROUP}")),
            &builtins(),
        );
        assert!(
            only(&diags).message.contains(expected),
            "{use_}: {}",
            render(&diags)
        );
    }
}

#[test]
fn ingress_reproduces_the_tutorial_ingress_job() {
    let Some(shared) = shared_dir() else { return };
    let docs = seed(&shared, "rayjob.ingress.yaml");
    let job = rayjob(&docs);
    let doc = resolved(&format!("  overlays: [ingress]\n{SMALL_GROUP}"));
    // The tutorial's `/$1` fits KubeRay's path before v1.7 (`/<cluster>/(.*)`,
    // what the overlay emits for such targets, see tests/it/lower.rs); from v1.7
    // the overlay sets a regex path with two groups and rewrites to `/$2`.
    let rewrite = "nginx.ingress.kubernetes.io/rewrite-target";
    assert_eq!(job["metadata"]["annotations"][rewrite], "/$1");
    assert_eq!(at(&doc, "metadata.annotations")[rewrite], "/$2");
    assert_eq!(
        at(&doc, "spec.head.ingressOptions.path"),
        "/rayjob-sample-[a-z0-9]+(/|$)(.*)"
    );
    assert_eq!(
        at(&doc, "spec.head.enableIngress"),
        &job["spec"]["rayClusterSpec"]["headGroupSpec"]["enableIngress"]
    );
    // What the tutorial forgot: KubeRay takes the ingress class from this annotation.
    assert_eq!(
        at(&doc, "metadata.annotations")["kubernetes.io/ingress.class"],
        "nginx"
    );
}

#[test]
fn ingress_class_and_rewrite_are_parameters() {
    let doc = resolved(&format!(
        "  overlays:\n    - ingress: {{className: traefik, rewrite: false}}\n{SMALL_GROUP}"
    ));
    assert_eq!(
        at(&doc, "metadata.annotations"),
        &json!({"kubernetes.io/ingress.class": "traefik"})
    );
    // The user's own annotations stay.
    let doc = resolve_ok(
        &project(""),
        &format!("{HEAD}  annotations: {{team: a}}\nspec:\n  overlays: [ingress]\n"),
        &builtins(),
    )
    .doc
    .to_json();
    assert_eq!(at(&doc, "metadata.annotations.team"), "a");
}

#[test]
fn autoscaling_reproduces_the_tutorial_autoscaler_job() {
    let Some(shared) = shared_dir() else { return };
    let docs = seed(&shared, "rayjob.autoScaler.yaml");
    let cluster = &rayjob(&docs)["spec"]["rayClusterSpec"];
    let options = &cluster["autoscalerOptions"];
    let group = &cluster["workerGroupSpecs"][0];
    let doc = resolved(&format!(
        "  overlays:\n    - autoscaling: {{upscalingMode: {}, idleTimeoutSeconds: {}, imagePullPolicy: {}, minReplicas: {}, maxReplicas: {}}}\n{SMALL_GROUP}",
        options["upscalingMode"].as_str().unwrap(),
        options["idleTimeoutSeconds"],
        options["imagePullPolicy"].as_str().unwrap(),
        group["minReplicas"],
        group["maxReplicas"],
    ));
    assert_eq!(
        at(&doc, "spec.autoscaling.enabled"),
        &cluster["enableInTreeAutoscaling"]
    );
    for key in ["upscalingMode", "idleTimeoutSeconds", "imagePullPolicy"] {
        assert_eq!(
            at(&doc, &format!("spec.autoscaling.{key}")),
            &options[key],
            "{key}"
        );
    }
    let worker = at(&doc, "spec.workers.0");
    assert_eq!(
        (
            &worker["name"],
            &worker["minReplicas"],
            &worker["maxReplicas"]
        ),
        (
            &group["groupName"],
            &group["minReplicas"],
            &group["maxReplicas"]
        )
    );
}

#[test]
fn autoscaling_options_and_chosen_groups() {
    let body = "  workers:\n    - {name: a, replicas: 1}\n    - {name: b, replicas: 1}\n";
    let doc = resolved(&format!(
        "  overlays:\n    - autoscaling: {{version: v2, cpu: 500m, memory: 512Mi, env: {{RAY_LOG: debug}}, maxReplicas: 10, groups: [b]}}\n{body}"
    ));
    assert_eq!(
        at(&doc, "spec.autoscaling"),
        &json!({"enabled": true, "version": "v2", "cpu": "500m", "memory": "512Mi", "env": {"RAY_LOG": "debug"}})
    );
    assert_eq!(
        at(&doc, "spec.workers"),
        &json!([{"name": "a", "replicas": 1}, {"name": "b", "replicas": 1, "maxReplicas": 10}])
    );
    let doc = resolved(&format!("  overlays: [autoscaling]\n{body}"));
    assert_eq!(at(&doc, "spec.autoscaling"), &json!({"enabled": true}));
    assert_eq!(
        at(&doc, "spec.workers"),
        &json!([{"name": "a", "replicas": 1}, {"name": "b", "replicas": 1}])
    );
}

#[test]
fn autoscaling_errors() {
    for (use_, body, expected) in [
        (
            "{autoscaling: {maxReplicas: 3}}",
            "",
            "need worker groups, and the spec has none",
        ),
        (
            "{autoscaling: {minReplicas: 1, groups: [c]}}",
            SMALL_GROUP,
            "the spec has no worker group `c`",
        ),
        (
            "{autoscaling: {upscalingMode: Fast}}",
            SMALL_GROUP,
            "must be one of \"Default\", \"Aggressive\", \"Conservative\"",
        ),
        (
            "{autoscaling: {version: 2}}",
            SMALL_GROUP,
            "must be a string, not an integer",
        ),
    ] {
        let diags = resolve_err(
            &project(""),
            None,
            &spec(&format!("  overlays:\n    - {use_}\n{body}")),
            &builtins(),
        );
        assert!(
            only(&diags).message.contains(expected),
            "{use_}: {}",
            render(&diags)
        );
    }
}

#[test]
fn all_four_together_give_a_readable_spec() {
    let doc = resolved(&format!(
        "  overlays:\n    - gpu\n    - pvc\n    - ingress\n    - autoscaling: {{maxReplicas: 4}}\n{SMALL_GROUP}"
    ));
    assert_eq!(at(&doc, "spec.workers.0.maxReplicas"), 4);
    assert_eq!(at(&doc, "spec.workerDefaults.gpu"), 1);
    assert_eq!(at(&doc, "spec.claims.0.name"), "rayjob-sample-data");
    assert_eq!(at(&doc, "spec.head.enableIngress"), true);
}
