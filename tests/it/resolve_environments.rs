//! Environments (namespace, registry, replicas, vars, overlays on and off,
//! patch) and the JSON Patch escape hatch.

use crate::helpers;

use helpers::*;
use rayc::model::project::{JsonPatchTarget, PatchSelector};
use rayc::resolve::{apply_json_patches, environments, find_environment, with_registry};
use serde_json::{Value, json};

const HEAD: &str = "apiVersion: rayc.dev/v1alpha1\nkind: RayJob\nmetadata:\n  name: job\n";

fn spec(body: &str) -> String {
    format!("{HEAD}spec:\n{body}")
}

fn envs() -> rayc::model::project::Project {
    project(concat!(
        "defaults:\n  namespace: default-ns\n  labels: {team: ml}\n",
        "vars: {tier: dev}\n",
        "environments:\n",
        "  prod:\n",
        "    namespace: prod-ns\n",
        "    vars: {tier: prod}\n",
        "    imageRegistry: registry.example.com/mirror/\n",
        "    replicas: {small: 5, absent: 9}\n",
        "    overlays:\n      - ingress\n      - pvc: {storageClass: '{{ vars.tier }}-ssd'}\n",
        "    disableOverlays: [gpu]\n",
        "    patch:\n      suspend: true\n      workerDefaults: {env: {TIER: '{{ vars.tier }}'}}\n",
        "  staging:\n    namespace: staging-ns\n",
        "  dev: {}\n",
    ))
}

fn in_env(env: &str, body: &str) -> Value {
    let p = envs();
    resolve_with(
        Run {
            project: &p,
            env: Some(env),
            process_env: None,
        },
        &spec(body),
        &overlays(&[]),
    )
    .unwrap_or_else(|d| panic!("{}", render(&d)))
    .doc
    .to_json()
}

#[test]
fn environments_are_listed_sorted() {
    assert_eq!(environments(&envs()), ["dev", "prod", "staging"]);
    assert!(environments(&project("")).is_empty());
}

#[test]
fn an_unknown_environment_is_an_error_with_a_suggestion() {
    let diags = resolve_err(
        &envs(),
        Some("prdo"),
        &spec("  entrypoint: x\n"),
        &overlays(&[]),
    );
    let d = only(&diags);
    assert_eq!(
        (d.code.as_str(), d.file.as_str(), d.message.as_str()),
        ("RAY007", "rayc.yaml", "unknown environment `prdo`")
    );
    assert_eq!(d.help.as_deref(), Some("did you mean `prod`?"));
    let d = find_environment(&envs(), "qa", "rayc.yaml").unwrap_err();
    assert_eq!(d.help.as_deref(), Some("environments: dev, prod, staging"));
    let d = find_environment(&project(""), "qa", "rayc.yaml").unwrap_err();
    assert!(
        d.help
            .as_deref()
            .unwrap()
            .contains("defines no environments")
    );
}

#[test]
fn the_environment_applies_its_settings_last() {
    let doc = in_env(
        "prod",
        "  image: rayproject/ray:2.9.3\n  overlays: [gpu]\n  workers:\n    - {name: small, replicas: 1, image: quay.io/org/ray:2.9.3}\n    - {name: big, replicas: 2}\n",
    );
    assert_eq!(at(&doc, "metadata.namespace"), "prod-ns");
    assert_eq!(at(&doc, "metadata.labels.team"), "ml");
    assert_eq!(
        at(&doc, "spec.image"),
        "registry.example.com/mirror/rayproject/ray:2.9.3"
    );
    assert_eq!(
        at(&doc, "spec.workers.0.image"),
        "registry.example.com/mirror/org/ray:2.9.3"
    );
    assert_eq!(at(&doc, "spec.workers.0.replicas"), 5);
    assert_eq!(
        at(&doc, "spec.workers.1.replicas"),
        2,
        "groups the environment does not name keep theirs"
    );
    assert_eq!(at(&doc, "spec.suspend"), true);
    assert_eq!(
        at(&doc, "spec.workerDefaults"),
        &json!({"env": {"TIER": "prod"}}),
        "gpu is disabled in prod"
    );
    assert_eq!(
        at(&doc, "spec.head.enableIngress"),
        true,
        "environment overlays apply"
    );
    assert_eq!(
        at(&doc, "spec.claims.0.storageClassName"),
        "prod-ssd",
        "environment overlay parameters are templated"
    );
}

#[test]
fn the_environment_namespace_is_a_default_the_spec_can_override() {
    assert_eq!(
        at(
            &in_env("staging", "  entrypoint: x\n"),
            "metadata.namespace"
        ),
        "staging-ns"
    );
    assert_eq!(
        at(&in_env("dev", "  entrypoint: x\n"), "metadata.namespace"),
        "default-ns"
    );
    let p = envs();
    let own = format!("{HEAD}  namespace: mine\nspec:\n  entrypoint: x\n");
    let r = resolve_with(
        Run {
            project: &p,
            env: Some("staging"),
            process_env: None,
        },
        &own,
        &overlays(&[]),
    )
    .unwrap();
    assert_eq!(at(&r.doc.to_json(), "metadata.namespace"), "mine");
}

#[test]
fn registries_replace_the_registry_of_every_image() {
    for (image, registry, expected) in [
        (
            "rayproject/ray:2.9.3",
            "reg.io",
            "reg.io/rayproject/ray:2.9.3",
        ),
        ("ubuntu", "reg.io/", "reg.io/ubuntu"),
        ("quay.io/a/b:1", "reg.io/mirror", "reg.io/mirror/a/b:1"),
        (
            "localhost:5000/ray@sha256:abc",
            "reg.io",
            "reg.io/ray@sha256:abc",
        ),
        ("localhost/ray", "reg.io", "reg.io/ray"),
    ] {
        assert_eq!(with_registry(image, registry), expected, "{image}");
    }
    let doc = in_env(
        "prod",
        concat!(
            "  code:\n    git: {repo: 'https://x/y.git', image: alpine/git}\n",
            "  head:\n    template:\n      spec:\n        containers:\n          - {name: side, image: docker.io/busybox}\n",
        ),
    );
    assert_eq!(
        at(&doc, "spec.code.git.image"),
        "registry.example.com/mirror/alpine/git"
    );
    assert_eq!(
        at(&doc, "spec.head.template.spec.containers.0.image"),
        "registry.example.com/mirror/busybox"
    );
}

#[test]
fn environment_errors() {
    let p = project("environments:\n  prod:\n    disableOverlays: [gpuu]\n");
    let diags = resolve_err(&p, Some("prod"), &spec("  entrypoint: x\n"), &overlays(&[]));
    let d = only(&diags);
    assert_eq!(
        (d.code.as_str(), d.path.as_deref()),
        ("RAY007", Some("environments.prod.disableOverlays[0]"))
    );
    assert_eq!(d.help.as_deref(), Some("did you mean `gpu`?"));

    let p = project("environments:\n  prod:\n    patch:\n      image: '{{ vars.registry }}/ray'\n");
    let diags = resolve_err(&p, Some("prod"), &spec("  entrypoint: x\n"), &overlays(&[]));
    let d = only(&diags);
    assert_eq!(
        (d.code.as_str(), d.file.as_str(), d.path.as_deref()),
        ("RAY008", "rayc.yaml", Some("environments.prod.patch.image"))
    );

    let p = project(
        "environments:\n  prod:\n    overlays:\n      - {pvc: {size: '{{ nope }}'}}\n      - gpuu\n",
    );
    let diags = resolve_err(&p, Some("prod"), &spec("  entrypoint: x\n"), &overlays(&[]));
    assert_eq!(diags.len(), 1, "{}", render(&diags));
    assert_eq!(
        diags[0].path.as_deref(),
        Some("environments.prod.overlays[0].pvc.size")
    );
    let p = project("environments:\n  prod:\n    overlays:\n      - {gpu: {}, pvc: {}}\n");
    let diags = resolve_err(&p, Some("prod"), &spec("  entrypoint: x\n"), &overlays(&[]));
    let d = only(&diags);
    assert_eq!(
        (d.file.as_str(), d.path.as_deref()),
        ("rayc.yaml", Some("environments.prod.overlays[0]"))
    );
    assert!(
        d.message.contains("names exactly one overlay"),
        "{}",
        d.message
    );
    let p = project("environments:\n  prod:\n    overlays: [gpuu]\n");
    let diags = resolve_err(&p, Some("prod"), &spec("  entrypoint: x\n"), &overlays(&[]));
    let d = only(&diags);
    assert_eq!(
        (d.file.as_str(), d.path.as_deref()),
        ("rayc.yaml", Some("environments.prod.overlays[0]"))
    );
    assert!(d.message.contains("unknown overlay `gpuu`"));

    let p = project("environments:\n  prod:\n    patch:\n      code: {files: [b.py]}\n");
    let diags = resolve_err(
        &p,
        Some("prod"),
        &spec("  code: {files: [a.py]}\n"),
        &overlays(&[]),
    );
    let d = only(&diags);
    assert_eq!((d.code.as_str(), d.file.as_str()), ("RAY009", "rayc.yaml"));
    assert!(
        d.message
            .contains("environment `prod` cannot merge into the list the spec set"),
        "{}",
        d.message
    );
}

#[test]
fn environment_overlays_conflict_like_spec_overlays() {
    let p = project("environments:\n  prod:\n    overlays:\n      - {gpu: {count: 4}}\n");
    let diags = resolve_err(
        &p,
        Some("prod"),
        &spec("  overlays: [gpu]\n"),
        &overlays(&[]),
    );
    let d = only(&diags);
    assert_eq!(d.code, "RAY009");
    assert!(
        d.message
            .contains("overlay `gpu` (used at line 6) and overlay `gpu` (from environment `prod`)"),
        "{}",
        d.message
    );
    let p = project(
        "environments:\n  prod:\n    overlays:\n      - {gpu: {count: 4}, override: true}\n",
    );
    let r = resolve_with(
        Run {
            project: &p,
            env: Some("prod"),
            process_env: None,
        },
        &spec("  overlays: [gpu]\n"),
        &overlays(&[]),
    )
    .unwrap();
    assert_eq!(at(&r.doc.to_json(), "spec.workerDefaults.gpu"), 4);
}

fn objects() -> Vec<Value> {
    vec![
        json!({"apiVersion": "ray.io/v1", "kind": "RayJob", "metadata": {"name": "job"}, "spec": {"entrypoint": "x"}}),
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "code"}, "data": {"a": "1"}}),
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "other"}, "data": {}}),
    ]
}

fn patch(kind: Option<&str>, name: Option<&str>, ops: Value) -> JsonPatchTarget {
    JsonPatchTarget {
        target: PatchSelector {
            kind: kind.map(str::to_owned),
            name: name.map(str::to_owned),
        },
        patch: ops.as_array().unwrap().clone(),
    }
}

#[test]
fn json_patches_apply_to_the_objects_they_select() {
    let mut objs = objects();
    apply_json_patches(
        &mut objs,
        &[
            patch(Some("RayJob"), None, json!([{"op": "add", "path": "/spec/suspend", "value": true}])),
            patch(Some("ConfigMap"), None, json!([{"op": "add", "path": "/metadata/labels", "value": {"x": "y"}}])),
            patch(None, Some("code"), json!([{"op": "test", "path": "/data/a", "value": "1"}, {"op": "replace", "path": "/data/a", "value": "2"}])),
            patch(None, None, json!([{"op": "add", "path": "/metadata/annotations", "value": {}}])),
        ],
    )
    .unwrap();
    assert_eq!(objs[0]["spec"], json!({"entrypoint": "x", "suspend": true}));
    assert_eq!(objs[1]["data"]["a"], "2");
    assert_eq!(objs[2]["metadata"]["labels"], json!({"x": "y"}));
    assert!(
        objs.iter()
            .all(|o| o["metadata"]["annotations"] == json!({}))
    );
}

#[test]
fn a_failing_json_patch_names_the_patch_and_the_object() {
    let cases = [
        (
            patch(
                Some("RayJob"),
                None,
                json!([{"op": "replace", "path": "/spec/nope/x", "value": 1}]),
            ),
            "JSON patch #0 (target kind RayJob) failed on RayJob/job: operation 0 (`replace /spec/nope/x`): path is invalid",
            "jsonPatches[0].patch[0]",
        ),
        (
            patch(
                Some("ConfigMap"),
                Some("code"),
                json!([{"op": "add", "path": "/a", "value": 1}, {"op": "test", "path": "/data/a", "value": "9"}]),
            ),
            "JSON patch #0 (target ConfigMap/code) failed on ConfigMap/code: operation 1 (`test /data/a`): value did not match",
            "jsonPatches[0].patch[1]",
        ),
        (
            patch(Some("RayService"), None, json!([])),
            "JSON patch #0 (target kind RayService) matches no emitted object",
            "jsonPatches[0].target",
        ),
        (
            patch(
                None,
                Some("job"),
                json!([{"op": "frobnicate", "path": "/a"}]),
            ),
            "JSON patch #0 (target name job) is not a valid RFC 6902 patch",
            "jsonPatches[0].patch",
        ),
    ];
    for (p, expected, path) in cases {
        let mut objs = objects();
        let before = objs.clone();
        let d = apply_json_patches(&mut objs, &[p]).unwrap_err();
        assert_eq!((d.code.as_str(), d.file.as_str()), ("RAY007", "rayc.yaml"));
        assert!(d.message.starts_with(expected), "{}", d.message);
        assert_eq!(d.path.as_deref(), Some(path));
        assert_eq!(objs, before, "a failed patch changes nothing");
    }
    let mut objs = objects();
    let d = apply_json_patches(
        &mut objs,
        &[
            patch(None, None, json!([])),
            patch(Some("Secret"), None, json!([])),
        ],
    )
    .unwrap_err();
    assert!(
        d.message.starts_with("JSON patch #1 (target kind Secret)"),
        "{}",
        d.message
    );
}

/// Findings about rayc.yaml through the whole pipeline: `file:line:col code`.
fn project_findings(rayc_yaml: &str, envs: &[&str]) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::write(
        root.join("rayc.yaml"),
        format!("apiVersion: rayc.dev/v1alpha1\nkind: Project\n{rayc_yaml}"),
    )
    .unwrap();
    std::fs::write(
        root.join("job.yaml"),
        spec("  entrypoint: python x.py\n  image: rayproject/ray:2.9.0\n  rayVersion: '2.9.0'\n"),
    )
    .unwrap();
    let options = rayc::pipeline::BuildOptions {
        envs: envs.iter().map(|e| e.to_string()).collect(),
        ..Default::default()
    };
    rayc::pipeline::compile(root, &options)
        .diagnostics
        .iter()
        .filter(|d| d.file == "rayc.yaml")
        .map(|d| {
            format!(
                "{}:{}:{} {}",
                d.file,
                d.pos.line,
                d.pos.col,
                d.code.as_str()
            )
        })
        .collect()
}

#[test]
fn an_unknown_environment_points_at_environments_in_rayc_yaml() {
    assert_eq!(
        project_findings("environments:\n  dev: {}\n", &["prod"]),
        ["rayc.yaml:3:1 RAY007"]
    );
}

#[test]
fn an_unknown_kuberay_version_points_at_its_value_in_rayc_yaml() {
    assert_eq!(
        project_findings("kuberayVersion: v9.9\n", &[]),
        ["rayc.yaml:3:17 RAY007"]
    );
}

#[test]
fn a_failing_json_patch_points_at_its_operation_in_rayc_yaml() {
    let yaml = concat!(
        "environments:\n",
        "  dev:\n",
        "    jsonPatches:\n",
        "      - target: {kind: RayJob}\n",
        "        patch:\n",
        "          - {op: remove, path: /spec/nothing}\n",
    );
    assert_eq!(project_findings(yaml, &[]), ["rayc.yaml:8:13 RAY007"]);
}

#[test]
fn an_unknown_default_overlay_points_at_its_use_in_rayc_yaml() {
    assert_eq!(
        project_findings("defaults:\n  spec:\n    overlays: [gpu, nosuch]\n", &[]),
        ["rayc.yaml:5:21 RAY008"]
    );
}

#[test]
fn a_merge_error_in_project_defaults_points_at_its_line_in_rayc_yaml() {
    assert_eq!(
        project_findings(
            "defaults:\n  spec:\n    workers:\n      - replicas: 2\n",
            &[]
        ),
        ["rayc.yaml:6:9 RAY009"]
    );
}

#[test]
fn a_merge_error_in_an_environment_patch_points_at_its_line_in_rayc_yaml() {
    let yaml = "environments:\n  dev:\n    patch:\n      workers:\n        - {replicas: 3}\n";
    assert_eq!(project_findings(yaml, &["dev"]), ["rayc.yaml:7:11 RAY009"]);
}

#[test]
fn schema_findings_on_values_from_rayc_yaml_point_into_rayc_yaml() {
    let yaml = concat!(
        "defaults:\n",
        "  spec:\n",
        "    head:\n",
        "      cpuu: 2\n",
        "environments:\n",
        "  dev:\n",
        "    patch:\n",
        "      head: {memory: lots}\n",
    );
    // The unknown key from `defaults` and the bad quantity from dev's patch,
    // each at its own line of rayc.yaml (not in the spec, without a line).
    assert_eq!(
        project_findings(yaml, &["dev"]),
        ["rayc.yaml:6:7 RAY101", "rayc.yaml:10:14 RAY104"]
    );
}
