//! Lowering behaviour through the whole pipeline, on small projects in temp folders.

use std::fs;
use std::path::Path;

use rayc::pipeline::{BuildOptions, Compiled, compile};
use serde_json::Value;

fn project(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (path, text) in files {
        let full = dir.path().join(path);
        fs::create_dir_all(full.parent().unwrap()).unwrap();
        fs::write(full, text).unwrap();
    }
    dir
}

const PROJECT: &str = "apiVersion: rayc.dev/v1alpha1\nkind: Project\nname: t\n";

fn build(dir: &Path) -> Compiled {
    compile(dir, &BuildOptions::default())
}

fn object<'a>(c: &'a Compiled, kind: &str) -> &'a Value {
    &c.objects
        .iter()
        .find(|o| o.object["kind"] == kind)
        .unwrap()
        .object
}

fn job(extra: &str) -> String {
    format!(
        "apiVersion: rayc.dev/v1alpha1\nkind: RayJob\nmetadata:\n  name: j\nspec:\n  image: rayproject/ray:2.41.0\n  rayVersion: \"2.41.0\"\n  entrypoint: python main.py\n{extra}"
    )
}

#[test]
fn code_files_become_a_hashed_config_map_and_references_follow() {
    let dir = project(&[
        ("rayc.yaml", PROJECT),
        ("specs/j.yaml", &job("  code:\n    files: [main.py]\n")),
        ("specs/main.py", "print(1)\n"),
    ]);
    let c = build(dir.path());
    assert!(!c.has_errors(), "{:?}", c.diagnostics);
    let cm = object(&c, "ConfigMap");
    let name = cm["metadata"]["name"].as_str().unwrap().to_owned();
    assert!(
        name.starts_with("j-code-") && name.len() == "j-code-".len() + 10,
        "{name}"
    );
    let job = object(&c, "RayJob");
    assert_eq!(job["spec"]["entrypoint"], "python /home/ray/code/main.py");
    let head = &job["spec"]["rayClusterSpec"]["headGroupSpec"]["template"]["spec"];
    assert_eq!(head["volumes"][0]["configMap"]["name"], name.as_str());
    assert_eq!(
        head["containers"][0]["volumeMounts"][0]["mountPath"],
        "/home/ray/code"
    );

    // A change in the code renames the ConfigMap and every reference.
    fs::write(dir.path().join("specs/main.py"), "print(2)\n").unwrap();
    let c2 = build(dir.path());
    let name2 = object(&c2, "ConfigMap")["metadata"]["name"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_ne!(name, name2);
    let head2 =
        &object(&c2, "RayJob")["spec"]["rayClusterSpec"]["headGroupSpec"]["template"]["spec"];
    assert_eq!(head2["volumes"][0]["configMap"]["name"], name2.as_str());
}

#[test]
fn a_missing_code_file_is_an_error_at_its_line() {
    let dir = project(&[
        ("rayc.yaml", PROJECT),
        ("specs/j.yaml", &job("  code:\n    files: [nope.py]\n")),
    ]);
    let c = build(dir.path());
    let d = c
        .diagnostics
        .iter()
        .find(|d| d.code == "RAY001")
        .expect("missing file error");
    assert_eq!(d.file, "specs/j.yaml");
    assert_eq!((d.pos.line, d.pos.col), (10, 13));
    assert!(d.message.contains("does not exist"), "{}", d.message);
}

#[test]
fn code_may_not_escape_the_project() {
    let dir = project(&[
        ("rayc.yaml", PROJECT),
        (
            "specs/j.yaml",
            &job("  code:\n    files: [../../etc/passwd]\n"),
        ),
    ]);
    let c = build(dir.path());
    assert!(
        c.diagnostics
            .iter()
            .any(|d| d.message.contains("leaves the project")),
        "{:?}",
        c.diagnostics
    );
}

#[test]
fn git_sources_clone_into_a_shared_volume() {
    let spec = job(
        "  code:\n    git: {repo: https://example.com/r.git, revision: v1.0.0}\n    mountPath: /app\n",
    );
    let dir = project(&[("rayc.yaml", PROJECT), ("specs/j.yaml", &spec)]);
    let c = build(dir.path());
    assert!(!c.has_errors(), "{:?}", c.diagnostics);
    let head = &object(&c, "RayJob")["spec"]["rayClusterSpec"]["headGroupSpec"]["template"]["spec"];
    assert_eq!(head["initContainers"][0]["name"], "git-clone");
    assert_eq!(head["volumes"][0]["emptyDir"], serde_json::json!({}));
    assert_eq!(
        head["containers"][0]["volumeMounts"][0]["mountPath"],
        "/app"
    );
}

#[test]
fn groups_inherit_defaults_and_the_head_gets_no_gpu_unless_asked() {
    let spec = job(
        "  groupDefaults:\n    cpu: 2\n    memory: 4Gi\n  workerDefaults:\n    gpu: 1\n  workers:\n    - name: a\n    - name: b\n      cpu: {request: 500m, limit: 1}\n",
    );
    let dir = project(&[("rayc.yaml", PROJECT), ("specs/j.yaml", &spec)]);
    let c = build(dir.path());
    assert!(!c.has_errors(), "{:?}", c.diagnostics);
    let cluster = &object(&c, "RayJob")["spec"]["rayClusterSpec"];
    let res = |p: &str| cluster.pointer(p).cloned().unwrap_or(Value::Null);
    assert_eq!(
        res("/headGroupSpec/template/spec/containers/0/resources/limits/cpu"),
        "2"
    );
    assert_eq!(
        res("/headGroupSpec/template/spec/containers/0/resources/limits/nvidia.com~1gpu"),
        Value::Null
    );
    assert_eq!(
        res("/workerGroupSpecs/0/template/spec/containers/0/resources/limits/nvidia.com~1gpu"),
        "1"
    );
    assert_eq!(
        res("/workerGroupSpecs/0/template/spec/containers/0/resources/requests/memory"),
        "4Gi"
    );
    assert_eq!(
        res("/workerGroupSpecs/1/template/spec/containers/0/resources/requests/cpu"),
        "500m"
    );
    assert_eq!(
        res("/workerGroupSpecs/1/template/spec/containers/0/lifecycle/preStop/exec/command/2"),
        "ray stop"
    );
}

#[test]
fn old_kuberay_versions_get_the_required_ray_start_params() {
    let dir = project(&[
        ("rayc.yaml", &format!("{PROJECT}kuberayVersion: v1.3\n")),
        (
            "specs/j.yaml",
            &job(
                "  workers:\n    - name: a\n      replicas: 1\n      minReplicas: 1\n      maxReplicas: 1\n",
            ),
        ),
    ]);
    let c = build(dir.path());
    assert!(!c.has_errors(), "{:?}", c.diagnostics);
    let cluster = &object(&c, "RayJob")["spec"]["rayClusterSpec"];
    assert_eq!(
        cluster["headGroupSpec"]["rayStartParams"],
        serde_json::json!({})
    );
    assert_eq!(
        cluster["workerGroupSpecs"][0]["rayStartParams"],
        serde_json::json!({})
    );
    // v1.7 needs none.
    let dir = project(&[("rayc.yaml", PROJECT), ("specs/j.yaml", &job(""))]);
    let c = build(dir.path());
    assert!(
        object(&c, "RayJob")["spec"]["rayClusterSpec"]["headGroupSpec"]
            .get("rayStartParams")
            .is_none()
    );
}

#[test]
fn gitops_policies_omit_autoscaled_replicas_and_hash_job_names() {
    let project_file = format!("{PROJECT}gitops:\n  tool: argocd\n  rayJobUpdate: hash-name\n");
    let spec = job(
        "  autoscaling: {upscalingMode: Conservative}\n  workers:\n    - name: a\n      replicas: 1\n      minReplicas: 1\n      maxReplicas: 4\n",
    );
    let dir = project(&[("rayc.yaml", &project_file), ("specs/j.yaml", &spec)]);
    let c = build(dir.path());
    assert!(!c.has_errors(), "{:?}", c.diagnostics);
    let job = object(&c, "RayJob");
    let name = job["metadata"]["name"].as_str().unwrap().to_owned();
    assert!(name.starts_with("j-") && name.len() == 10, "{name}");
    let cluster = &job["spec"]["rayClusterSpec"];
    assert_eq!(cluster["enableInTreeAutoscaling"], true);
    assert!(cluster["workerGroupSpecs"][0].get("replicas").is_none());

    // A changed entrypoint is a new job.
    fs::write(
        dir.path().join("specs/j.yaml"),
        spec.replace("main.py", "other.py"),
    )
    .unwrap();
    let c2 = build(dir.path());
    assert_ne!(
        object(&c2, "RayJob")["metadata"]["name"].as_str().unwrap(),
        name
    );
}

#[test]
fn every_kind_lowers_to_its_kuberay_shape() {
    let service = "apiVersion: rayc.dev/v1alpha1\nkind: RayService\nmetadata: {name: s}\nspec:\n  image: rayproject/ray:2.41.0\n  rayVersion: \"2.41.0\"\n  serveApplications:\n    - name: a\n      importPath: app:build\n      routePrefix: /a\n";
    let cron = "apiVersion: rayc.dev/v1alpha1\nkind: RayCronJob\nmetadata: {name: c}\nspec:\n  image: rayproject/ray:2.41.0\n  rayVersion: \"2.41.0\"\n  entrypoint: python x.py\n  schedule: \"0 * * * *\"\n  timeZone: Europe/Berlin\n";
    let cluster = "apiVersion: rayc.dev/v1alpha1\nkind: RayCluster\nmetadata: {name: k}\nspec:\n  image: rayproject/ray:2.41.0\n  rayVersion: \"2.41.0\"\n";
    // The operator runs RayCronJobs only with its RayCronJob gate on (RAY941).
    let with_cron_gate = format!("{PROJECT}featureGates: {{RayCronJob: true}}\n");
    let dir = project(&[
        ("rayc.yaml", &with_cron_gate),
        ("specs/s.yaml", service),
        ("specs/c.yaml", cron),
        ("specs/k.yaml", cluster),
    ]);
    let c = build(dir.path());
    assert!(!c.has_errors(), "{:?}", c.diagnostics);
    let svc = object(&c, "RayService");
    assert!(
        svc["spec"]["serveConfigV2"]
            .as_str()
            .unwrap()
            .contains("import_path: app:build")
    );
    assert!(svc["spec"]["rayClusterConfig"]["headGroupSpec"].is_object());
    let cron = object(&c, "RayCronJob");
    assert_eq!(cron["spec"]["schedule"], "0 * * * *");
    assert_eq!(cron["spec"]["jobTemplate"]["entrypoint"], "python x.py");
    assert!(object(&c, "RayCluster")["spec"]["headGroupSpec"].is_object());
}

#[test]
fn a_cron_job_for_an_old_kuberay_names_the_version_that_has_it() {
    let cron = "apiVersion: rayc.dev/v1alpha1\nkind: RayCronJob\nmetadata: {name: c}\nspec:\n  image: rayproject/ray:2.41.0\n  rayVersion: \"2.41.0\"\n  entrypoint: python x.py\n  schedule: \"0 * * * *\"\n";
    let dir = project(&[
        ("rayc.yaml", &format!("{PROJECT}kuberayVersion: v1.5\n")),
        ("specs/c.yaml", cron),
    ]);
    let c = build(dir.path());
    let d = c
        .diagnostics
        .iter()
        .find(|d| d.code == "RAY106")
        .expect("version error");
    assert!(d.message.contains("v1.6"), "{}", d.message);
}

#[test]
fn the_ingress_overlay_turns_on_the_head_ingress() {
    let cluster = "apiVersion: rayc.dev/v1alpha1\nkind: RayCluster\nmetadata: {name: k}\nspec:\n  image: rayproject/ray:2.41.0\n  rayVersion: \"2.41.0\"\n  overlays: [ingress]\n";
    let dir = project(&[
        ("rayc.yaml", PROJECT),
        ("specs/k.yaml", cluster),
        ("specs/j.yaml", &job("")),
    ]);
    let c = build(dir.path());
    assert!(!c.has_errors(), "{:?}", c.diagnostics);
    let k = object(&c, "RayCluster");
    assert_eq!(k["spec"]["headGroupSpec"]["enableIngress"], true);
    assert_eq!(
        k["metadata"]["annotations"]["nginx.ingress.kubernetes.io/rewrite-target"],
        "/$2"
    );
    assert_eq!(
        k["spec"]["headGroupSpec"]["ingressOptions"]["path"],
        "/k(/|$)(.*)"
    );
}

#[test]
fn before_v1_7_the_ingress_overlay_uses_kuberays_own_path() {
    let cluster = "apiVersion: rayc.dev/v1alpha1\nkind: RayCluster\nmetadata: {name: k}\nspec:\n  image: rayproject/ray:2.41.0\n  rayVersion: \"2.41.0\"\n  overlays: [ingress]\n";
    let dir = project(&[
        ("rayc.yaml", &format!("{PROJECT}kuberayVersion: v1.6\n")),
        ("specs/k.yaml", cluster),
    ]);
    let c = build(dir.path());
    assert!(!c.has_errors(), "{:?}", c.diagnostics);
    let k = object(&c, "RayCluster");
    assert_eq!(
        k["metadata"]["annotations"]["nginx.ingress.kubernetes.io/rewrite-target"],
        "/$1"
    );
    assert!(k["spec"]["headGroupSpec"].get("ingressOptions").is_none());
    assert!(
        c.diagnostics.iter().all(|d| d.code != "RAY802"),
        "{:?}",
        c.diagnostics
    );
}

#[test]
fn a_head_port_the_template_renames_is_listed_once() {
    let spec = job(
        "  head:\n    template:\n      spec:\n        containers:\n          - name: ray-head\n            ports:\n              - {containerPort: 6379, name: gcs}\n              - {containerPort: 8000, name: serve}\n",
    );
    let dir = project(&[("rayc.yaml", PROJECT), ("specs/j.yaml", &spec)]);
    let c = build(dir.path());
    assert!(!c.has_errors(), "{:?}", c.diagnostics);
    let ports = object(&c, "RayJob")
        .pointer("/spec/rayClusterSpec/headGroupSpec/template/spec/containers/0/ports")
        .cloned()
        .unwrap();
    let listed: Vec<(i64, &str)> = ports
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["containerPort"].as_i64().unwrap(),
                p["name"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        listed,
        [
            (8265, "dashboard"),
            (10001, "client"),
            (6379, "gcs"),
            (8000, "serve")
        ]
    );
}
