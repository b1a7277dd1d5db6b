//! Merge rules: deep maps, replacing scalars, keyed lists, `null`, `$replace`,
//! `$append`, `$delete`, overlay conflicts and overrides, order, positions.

use crate::helpers;

use helpers::*;
use rayc::load::node::Pos;
use rayc::resolve::{Source, UsedBy};
use serde_json::json;

const HEAD: &str = "apiVersion: rayc.dev/v1alpha1\nkind: RayJob\nmetadata:\n  name: job\n";

fn spec(body: &str) -> String {
    format!("{HEAD}spec:\n{body}")
}

/// A user overlay named `name` whose patch is the mapping `patch` (YAML, indented 2).
fn overlay(name: &str, patch: &str) -> String {
    format!(
        "apiVersion: rayc.dev/v1alpha1\nkind: Overlay\nmetadata:\n  name: {name}\npatch:\n{patch}"
    )
}

#[test]
fn maps_merge_deeply_and_scalars_replace() {
    let p = project(
        "defaults:\n  spec:\n    image: base:1\n    groupDefaults: {cpu: 1, memory: 2Gi, env: {A: a}}\n",
    );
    let r = resolve_ok(
        &p,
        &spec("  groupDefaults:\n    cpu: 2\n    env: {B: b}\n"),
        &overlays(&[]),
    );
    let doc = r.doc.to_json();
    assert_eq!(at(&doc, "spec.image"), "base:1");
    assert_eq!(
        at(&doc, "spec.groupDefaults"),
        &json!({"cpu": 2, "memory": "2Gi", "env": {"A": "a", "B": "b"}})
    );
}

#[test]
fn an_overlay_adds_a_worker_group_and_keeps_the_existing_ones() {
    let gpu_pool = overlay(
        "gpu-pool",
        "  spec:\n    workers:\n      - {name: gpu, gpu: 1, replicas: 2}\n      - {name: small, memory: 8Gi}\n",
    );
    let r = resolve_ok(
        &project(""),
        &spec(
            "  overlays: [gpu-pool]\n  workers:\n    - {name: small, replicas: 1, cpu: 1}\n    - {name: big, replicas: 1}\n",
        ),
        &overlays(&[&gpu_pool]),
    );
    let doc = r.doc.to_json();
    assert_eq!(
        at(&doc, "spec.workers"),
        &json!([
            {"name": "small", "replicas": 1, "cpu": 1, "memory": "8Gi"},
            {"name": "big", "replicas": 1},
            {"name": "gpu", "gpu": 1, "replicas": 2}
        ])
    );
}

#[test]
fn containers_env_ports_and_volume_mounts_merge_by_key() {
    let base = spec(concat!(
        "  head:\n    template:\n      spec:\n        containers:\n",
        "          - name: ray-head\n",
        "            env: [{name: A, value: '1'}, {name: B, value: '1'}]\n",
        "            ports: [{containerPort: 6379, name: gcs}, {containerPort: 8265, name: dashboard}]\n",
        "            volumeMounts: [{name: code, mountPath: /code}]\n",
        "          - name: sidecar\n            image: busybox\n",
    ));
    let patch = overlay(
        "tune",
        concat!(
            "  spec:\n    head:\n      template:\n        spec:\n          containers:\n",
            "            - name: ray-head\n",
            "              env: [{name: B, value: '2'}, {name: C, value: '3'}]\n",
            "              ports: [{containerPort: 8265, name: dash}]\n",
            "              volumeMounts: [{name: data, mountPath: /data}]\n",
        ),
    );
    let base = base.replacen("spec:\n", "spec:\n  overlays: [tune]\n", 1);
    let r = resolve_ok(&project(""), &base, &overlays(&[&patch]));
    let doc = r.doc.to_json();
    let c = at(&doc, "spec.head.template.spec.containers");
    assert_eq!(
        c[0]["env"],
        json!([{"name": "A", "value": "1"}, {"name": "B", "value": "2"}, {"name": "C", "value": "3"}])
    );
    assert_eq!(
        c[0]["ports"],
        json!([{"containerPort": 6379, "name": "gcs"}, {"containerPort": 8265, "name": "dash"}])
    );
    assert_eq!(
        c[0]["volumeMounts"],
        json!([{"name": "code", "mountPath": "/code"}, {"name": "data", "mountPath": "/data"}])
    );
    assert_eq!(c[1], json!({"name": "sidecar", "image": "busybox"}));
}

#[test]
fn claims_volumes_and_serve_applications_merge_by_name() {
    let p = project(concat!(
        "defaults:\n  spec:\n",
        "    claims: [{name: data, size: 1Gi}]\n",
        "    volumes: [{name: data, mountPath: /data, claimName: data}]\n",
        "    serveApplications: [{name: app, importPath: a:b, routePrefix: /a}]\n",
    ));
    let r = resolve_ok(
        &p,
        &spec(concat!(
            "  claims: [{name: data, size: 5Gi}, {name: cache, size: 1Gi}]\n",
            "  volumes: [{name: data, readOnly: true}]\n",
            "  serveApplications: [{name: app, routePrefix: /b}, {name: other, importPath: c:d}]\n",
        )),
        &overlays(&[]),
    );
    let doc = r.doc.to_json();
    assert_eq!(
        at(&doc, "spec.claims"),
        &json!([{"name": "data", "size": "5Gi"}, {"name": "cache", "size": "1Gi"}])
    );
    assert_eq!(
        at(&doc, "spec.volumes"),
        &json!([{"name": "data", "mountPath": "/data", "claimName": "data", "readOnly": true}])
    );
    assert_eq!(
        at(&doc, "spec.serveApplications"),
        &json!([{"name": "app", "importPath": "a:b", "routePrefix": "/b"}, {"name": "other", "importPath": "c:d"}])
    );
}

#[test]
fn null_deletes_a_key() {
    let p = project(
        "defaults:\n  spec:\n    image: base:1\n    head: {serviceType: NodePort, cpu: 1}\n",
    );
    let drop_service = overlay(
        "no-service-type",
        "  spec:\n    head:\n      serviceType: null\n",
    );
    let r = resolve_ok(
        &p,
        &spec("  overlays: [no-service-type]\n  image: null\n"),
        &overlays(&[&drop_service]),
    );
    let doc = r.doc.to_json();
    assert_eq!(at(&doc, "spec"), &json!({"head": {"cpu": 1}}));
}

#[test]
fn replace_directive_replaces_a_list_without_merge_key() {
    let p = project(
        "defaults:\n  spec:\n    groupDefaults:\n      tolerations: [{key: a, operator: Exists}]\n",
    );
    let r = resolve_ok(
        &p,
        &spec("  groupDefaults:\n    tolerations:\n      $replace: [{key: b, operator: Exists}]\n"),
        &overlays(&[]),
    );
    assert_eq!(
        at(&r.doc.to_json(), "spec.groupDefaults.tolerations"),
        &json!([{"key": "b", "operator": "Exists"}])
    );
}

#[test]
fn replace_directive_also_replaces_a_keyed_list() {
    let p = project("defaults:\n  spec:\n    workers: [{name: a}, {name: b}]\n");
    let r = resolve_ok(
        &p,
        &spec("  workers: {$replace: [{name: c}]}\n"),
        &overlays(&[]),
    );
    assert_eq!(
        at(&r.doc.to_json(), "spec.workers"),
        &json!([{"name": "c"}])
    );
}

#[test]
fn append_directive_adds_items_once() {
    let p = project(
        "defaults:\n  spec:\n    groupDefaults:\n      tolerations: [{key: a, operator: Exists}]\n",
    );
    let r = resolve_ok(
        &p,
        &spec(
            "  groupDefaults:\n    tolerations:\n      $append: [{key: a, operator: Exists}, {key: b, operator: Exists}]\n",
        ),
        &overlays(&[]),
    );
    assert_eq!(
        at(&r.doc.to_json(), "spec.groupDefaults.tolerations"),
        &json!([{"key": "a", "operator": "Exists"}, {"key": "b", "operator": "Exists"}])
    );
}

#[test]
fn directives_where_nothing_was_just_give_the_list() {
    let r = resolve_ok(
        &project(""),
        &spec(
            "  code:\n    files: {$replace: [a.py]}\n  groupDefaults:\n    tolerations: {$append: [{key: x}]}\n",
        ),
        &overlays(&[]),
    );
    let doc = r.doc.to_json();
    assert_eq!(at(&doc, "spec.code.files"), &json!(["a.py"]));
    assert_eq!(
        at(&doc, "spec.groupDefaults.tolerations"),
        &json!([{"key": "x"}])
    );
}

#[test]
fn merging_a_list_without_merge_key_is_an_error() {
    let p = project("defaults:\n  spec:\n    code:\n      files: [a.py]\n");
    let diags = resolve_err(
        &p,
        None,
        &spec("  code:\n    files: [b.py]\n"),
        &overlays(&[]),
    );
    let d = only(&diags);
    assert_eq!(d.code, "RAY009");
    assert_eq!((d.file.as_str(), d.pos.line), (SPEC_FILE, 7));
    assert_eq!(d.path.as_deref(), Some("spec.code.files"));
    assert!(d.message.contains("without a merge key"), "{}", d.message);
    assert!(d.message.contains("project defaults"), "{}", d.message);
    assert!(d.help.as_deref().unwrap().contains("$replace"));
}

#[test]
fn a_keyed_item_without_its_key_is_an_error() {
    let p = project("defaults:\n  spec:\n    workers: [{name: a}]\n");
    let diags = resolve_err(
        &p,
        None,
        &spec("  workers:\n    - replicas: 2\n"),
        &overlays(&[]),
    );
    let d = only(&diags);
    assert_eq!(d.code, "RAY009");
    assert_eq!(d.pos.line, 7);
    assert!(
        d.message.contains("merged by `name`, but it has no `name`"),
        "{}",
        d.message
    );
    let diags = resolve_err(
        &p,
        None,
        &spec("  workers:\n    - name: [x]\n"),
        &overlays(&[]),
    );
    assert!(
        only(&diags).message.contains("its `name` is a list"),
        "{}",
        render(&diags)
    );
    let diags = resolve_err(
        &p,
        None,
        &spec("  workers:\n    - just-a-string\n"),
        &overlays(&[]),
    );
    assert!(
        only(&diags).message.contains("it is a string"),
        "{}",
        render(&diags)
    );
}

#[test]
fn two_items_with_one_key_are_an_error() {
    let diags = resolve_err(
        &project(""),
        None,
        &spec("  workers:\n    - name: a\n    - name: a\n"),
        &overlays(&[]),
    );
    let d = only(&diags);
    assert_eq!(d.code, "RAY110");
    assert_eq!(d.pos.line, 8);
    assert!(
        d.message.contains("two items with name `a`"),
        "{}",
        d.message
    );
}

#[test]
fn delete_marker_removes_a_keyed_item() {
    let p = project("defaults:\n  spec:\n    workers: [{name: a}, {name: b}]\n");
    let r = resolve_ok(
        &p,
        &spec("  workers:\n    - {name: a, $delete: true}\n    - {name: zz, $delete: true}\n"),
        &overlays(&[]),
    );
    assert_eq!(
        at(&r.doc.to_json(), "spec.workers"),
        &json!([{"name": "b"}])
    );
    let r = resolve_ok(
        &p,
        &spec("  workers:\n    - {name: a, $delete: false, replicas: 1}\n"),
        &overlays(&[]),
    );
    assert_eq!(
        at(&r.doc.to_json(), "spec.workers"),
        &json!([{"name": "a", "replicas": 1}, {"name": "b"}])
    );
    let diags = resolve_err(
        &p,
        None,
        &spec("  workers:\n    - {name: a, $delete: yes-please}\n"),
        &overlays(&[]),
    );
    assert!(
        only(&diags)
            .message
            .contains("`$delete` must be true or false"),
        "{}",
        render(&diags)
    );
}

#[test]
fn misused_directives_are_errors() {
    let cases = [
        (
            "  code:\n    files: {$replace: [a], extra: 1}\n",
            "`$replace` must be the only key",
        ),
        (
            "  code:\n    files: {$append: 3}\n",
            "`$append` takes a list, not an integer",
        ),
        (
            "  workers: {$append: [{name: a}]}\n",
            "`spec.workers` merges by `name`; `$append` is for lists without a merge key",
        ),
        (
            "  head:\n    $merge: {cpu: 1}\n",
            "unknown merge directive `$merge`",
        ),
    ];
    for (body, expected) in cases {
        let diags = resolve_err(&project(""), None, &spec(body), &overlays(&[]));
        assert!(
            render(&diags).contains(expected),
            "{body}: {}",
            render(&diags)
        );
        assert!(diags.iter().all(|d| d.code == "RAY009"));
    }
    let p = project("defaults:\n  spec:\n    image: base\n");
    let diags = resolve_err(&p, None, &spec("  image: {$append: [a]}\n"), &overlays(&[]));
    assert!(only(&diags).message.contains("`$append` needs a list to add to, but `spec.image` is a string (set by project defaults)"), "{}", render(&diags));
}

#[test]
fn two_overlays_setting_one_field_differently_is_an_error() {
    let a = overlay("small-cpu", "  spec:\n    workerDefaults: {cpu: 1}\n");
    let b = overlay("big-cpu", "  spec:\n    workerDefaults: {cpu: 4}\n");
    let diags = resolve_err(
        &project(""),
        None,
        &spec("  overlays:\n    - small-cpu\n    - big-cpu\n"),
        &overlays(&[&a, &b]),
    );
    let d = only(&diags);
    assert_eq!(d.code, "RAY009");
    assert_eq!(
        (d.file.as_str(), d.pos.line, d.pos.col),
        (SPEC_FILE, 8, 7),
        "points at the later use"
    );
    assert_eq!(d.path.as_deref(), Some("spec.workerDefaults.cpu"));
    assert!(
        d.message.contains("overlay `small-cpu` (used at line 7)"),
        "{}",
        d.message
    );
    assert!(
        d.message.contains("overlay `big-cpu` (used at line 8)"),
        "{}",
        d.message
    );
    assert!(d.help.as_deref().unwrap().contains("override: true"));
}

#[test]
fn one_overlay_used_twice_with_different_values_conflicts_too() {
    let diags = resolve_err(
        &project(""),
        None,
        &spec("  overlays:\n    - {gpu: {count: 1}}\n    - {gpu: {count: 2}}\n"),
        &overlays(&[]),
    );
    assert!(render(&diags).contains("overlay `gpu` (used at line 7) and overlay `gpu` (used at line 8) both set `spec.workerDefaults.gpu`"), "{}", render(&diags));
}

#[test]
fn overlays_that_agree_do_not_conflict() {
    let a = overlay("a", "  spec:\n    workerDefaults: {cpu: 1, memory: 1Gi}\n");
    let b = overlay("b", "  spec:\n    workerDefaults: {cpu: 1, env: {X: z}}\n");
    let r = resolve_ok(
        &project(""),
        &spec("  overlays: [a, b]\n"),
        &overlays(&[&a, &b]),
    );
    assert_eq!(
        at(&r.doc.to_json(), "spec.workerDefaults"),
        &json!({"cpu": 1, "memory": "1Gi", "env": {"X": "z"}})
    );
}

#[test]
fn the_later_overlay_may_override_when_it_says_so() {
    let a = overlay("small-cpu", "  spec:\n    workerDefaults: {cpu: 1}\n");
    let b = overlay("big-cpu", "  spec:\n    workerDefaults: {cpu: 4}\n");
    let r = resolve_ok(
        &project(""),
        &spec("  overlays:\n    - small-cpu\n    - {big-cpu: {}, override: true}\n"),
        &overlays(&[&a, &b]),
    );
    assert_eq!(at(&r.doc.to_json(), "spec.workerDefaults.cpu"), 4);

    let forced = format!(
        "{}overrides: true\n",
        overlay("big-cpu", "  spec:\n    workerDefaults: {cpu: 4}\n")
    );
    let r = resolve_ok(
        &project(""),
        &spec("  overlays: [small-cpu, big-cpu]\n"),
        &overlays(&[&a, &forced]),
    );
    assert_eq!(at(&r.doc.to_json(), "spec.workerDefaults.cpu"), 4);

    // An override on the earlier use does not let the later one win.
    let diags = resolve_err(
        &project(""),
        None,
        &spec("  overlays:\n    - {small-cpu: null, override: true}\n    - big-cpu\n"),
        &overlays(&[&a, &b]),
    );
    assert_eq!(only(&diags).code, "RAY009");
}

#[test]
fn deleting_what_another_overlay_set_conflicts() {
    let a = overlay("a", "  spec:\n    head: {serviceType: NodePort}\n");
    let b = overlay("b", "  spec:\n    head: {serviceType: null}\n");
    let diags = resolve_err(
        &project(""),
        None,
        &spec("  overlays: [a, b]\n"),
        &overlays(&[&a, &b]),
    );
    assert!(
        only(&diags)
            .message
            .contains("both set `spec.head.serviceType`"),
        "{}",
        render(&diags)
    );
    // ... and setting what another overlay deleted.
    let diags = resolve_err(
        &project(""),
        None,
        &spec("  overlays: [b, a]\n"),
        &overlays(&[&a, &b]),
    );
    assert!(
        only(&diags)
            .message
            .contains("both set `spec.head.serviceType`"),
        "{}",
        render(&diags)
    );
    // ... and deleting a worker group another overlay added.
    let add = overlay("add", "  spec:\n    workers: [{name: extra}]\n");
    let del = overlay(
        "del",
        "  spec:\n    workers: [{name: extra, $delete: true}]\n",
    );
    let diags = resolve_err(
        &project(""),
        None,
        &spec("  overlays: [add, del]\n"),
        &overlays(&[&add, &del]),
    );
    assert!(
        only(&diags)
            .message
            .contains("both set `spec.workers[name=extra]`"),
        "{}",
        render(&diags)
    );
}

#[test]
fn overlays_override_the_spec_silently() {
    let a = overlay("a", "  spec:\n    workerDefaults: {cpu: 1}\n");
    let r = resolve_ok(
        &project(""),
        &spec("  overlays: [a]\n  workerDefaults: {cpu: 8}\n"),
        &overlays(&[&a]),
    );
    assert_eq!(at(&r.doc.to_json(), "spec.workerDefaults.cpu"), 1);
}

#[test]
fn swapping_independent_overlays_gives_the_same_result() {
    let spot = overlay(
        "spot",
        concat!(
            "  metadata:\n    annotations: {spot: 'true'}\n",
            "  spec:\n    workerDefaults:\n      tolerations: {$append: [{key: spot, operator: Exists}]}\n",
            "    workers: [{name: spot-pool, replicas: 2}]\n",
        ),
    );
    let debug = overlay(
        "debug",
        concat!(
            "  metadata:\n    annotations: {debug: 'true'}\n",
            "  spec:\n    head: {env: {RAY_LOG: debug}}\n",
            "    workers: [{name: debug-pool, replicas: 1}]\n",
        ),
    );
    let set = overlays(&[&spot, &debug]);
    let pairs = [
        ("gpu", "{pvc: {size: 40Gi, storageClass: ebs}}"),
        (
            "ingress",
            "{autoscaling: {maxReplicas: 5, upscalingMode: Conservative}}",
        ),
        ("spot", "debug"),
        ("spot", "gpu"),
        ("debug", "ingress"),
    ];
    let body = "  workers:\n    - {name: small, replicas: 1}\n";
    for (a, b) in pairs {
        let one = resolve_ok(
            &project(""),
            &spec(&format!("  overlays: [{a}, {b}]\n{body}")),
            &set,
        );
        let two = resolve_ok(
            &project(""),
            &spec(&format!("  overlays: [{b}, {a}]\n{body}")),
            &set,
        );
        assert_eq!(one.doc.to_json(), two.doc.to_json(), "{a} then {b}");
        assert_eq!(
            serde_json::to_string(&one.doc.to_json()).unwrap(),
            serde_json::to_string(&two.doc.to_json()).unwrap(),
            "key order of {a} then {b}"
        );
    }
}

#[test]
fn layers_apply_in_order_defaults_spec_overlays_environment() {
    let p = project(concat!(
        "defaults:\n  spec:\n    image: from-defaults\n    rayVersion: '2.9.0'\n    entrypoint: python defaults.py\n    suspend: true\n",
        "environments:\n  prod:\n    patch:\n      image: from-env\n",
    ));
    let o = overlay(
        "o",
        "  spec:\n    image: from-overlay\n    entrypoint: python overlay.py\n",
    );
    let set = overlays(&[&o]);
    let body = spec(
        "  overlays: [o]\n  image: from-spec\n  rayVersion: '2.9.3'\n  entrypoint: python spec.py\n",
    );
    let r = resolve_ok(&p, &body, &set);
    let doc = r.doc.to_json();
    assert_eq!(at(&doc, "spec.image"), "from-overlay");
    assert_eq!(at(&doc, "spec.entrypoint"), "python overlay.py");
    assert_eq!(at(&doc, "spec.rayVersion"), "2.9.3");
    assert_eq!(at(&doc, "spec.suspend"), true);
    let r = resolve_with(
        Run {
            project: &p,
            env: Some("prod"),
            process_env: None,
        },
        &body,
        &set,
    )
    .unwrap();
    assert_eq!(at(&r.doc.to_json(), "spec.image"), "from-env");
}

#[test]
fn values_keep_positions_that_point_into_the_spec() {
    let p = project("defaults:\n  spec:\n    rayVersion: '2.9.3'\n");
    let body = spec(
        "  overlays:\n    - {gpu: {count: 2}}\n  workers:\n    - name: small\n      replicas: 1\n",
    );
    let r = resolve_ok(&p, &body, &overlays(&[]));
    let use_pos = Pos { line: 7, col: 7 };
    assert_eq!(
        node_at(&r.doc, "spec.workerDefaults.gpu").pos,
        use_pos,
        "overlay values point at the use"
    );
    assert_eq!(
        node_at(&r.doc, "spec.workerDefaults.tolerations.0.key").pos,
        use_pos
    );
    assert_eq!(
        node_at(&r.doc, "spec.workers.0.replicas").pos,
        Pos { line: 10, col: 17 }
    );
    assert_eq!(
        node_at(&r.doc, "spec.rayVersion").pos,
        Pos::UNKNOWN,
        "project values have no spec position"
    );
    assert!(
        r.doc.get("spec").unwrap().get("overlays").is_none(),
        "applied overlays are gone"
    );
}

#[test]
fn every_value_records_where_it_came_from() {
    let p = project(
        "defaults:\n  spec:\n    rayVersion: '2.9.3'\nenvironments:\n  prod:\n    replicas: {small: 3}\n",
    );
    let body = spec("  overlays: [gpu]\n  workers:\n    - name: small\n      replicas: 1\n");
    let r = resolve_with(
        Run {
            project: &p,
            env: Some("prod"),
            process_env: None,
        },
        &body,
        &overlays(&[]),
    )
    .unwrap();
    assert_eq!(r.origin("spec.rayVersion"), Some(&Source::ProjectDefaults));
    assert_eq!(r.origin("spec.workers[0].name"), Some(&Source::Spec));
    assert_eq!(
        r.origin("spec.workers[0].replicas"),
        Some(&Source::Environment {
            name: "prod".into()
        })
    );
    assert_eq!(
        r.origin("spec.workerDefaults.gpu"),
        Some(&Source::Overlay {
            name: "gpu".into(),
            position: 1,
            used_by: UsedBy::Spec {
                line: 6,
                column: 14
            }
        })
    );
    assert_eq!(
        Source::Overlay {
            name: "gpu".into(),
            position: 1,
            used_by: UsedBy::Environment {
                name: "prod".into()
            }
        }
        .to_string(),
        "overlay `gpu` (from environment `prod`)"
    );
}

#[test]
fn project_defaults_may_apply_overlays_to_every_spec() {
    let p = project("defaults:\n  spec:\n    overlays: [ingress]\n");
    let r = resolve_ok(&p, &spec("  entrypoint: x\n"), &overlays(&[]));
    assert_eq!(at(&r.doc.to_json(), "spec.head.enableIngress"), true);
    let source = r.origin("spec.head.enableIngress").unwrap();
    assert_eq!(
        source.to_string(),
        "overlay `ingress` (from project defaults)"
    );
    assert_eq!(node_at(&r.doc, "spec.head.enableIngress").pos, Pos::UNKNOWN);
    // The spec adds its own with `$append`; a plain list would be ambiguous.
    let r = resolve_ok(&p, &spec("  overlays: {$append: [gpu]}\n"), &overlays(&[]));
    assert_eq!(at(&r.doc.to_json(), "spec.workerDefaults.gpu"), 1);
    assert_eq!(at(&r.doc.to_json(), "spec.head.enableIngress"), true);
    let diags = resolve_err(
        &project("defaults:\n  spec:\n    overlays: [ingres]\n"),
        None,
        &spec("  entrypoint: x\n"),
        &overlays(&[]),
    );
    let d = only(&diags);
    assert_eq!(
        (d.file.as_str(), d.path.as_deref()),
        ("rayc.yaml", Some("defaults.spec.overlays[0]"))
    );
}
