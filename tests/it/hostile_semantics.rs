//! The deployed objects say what the user wrote (issue #7, items 5-8): values
//! rayc would drop, objects that cannot work and values the API server would
//! change are refused with a located finding, in `build` and in `validate`,
//! and nothing is written. Each case runs the real binary inside the bounded
//! harness (2 CPU s, 256 MiB).

use crate::support::bounded;

use std::fs;
use std::path::Path;

use crate::support::run::Rayc;
use bounded::{Bounded, Limits};

/// A project folder holding `files` (path, text).
fn project(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (path, text) in files {
        let path = dir.path().join(path);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }
    dir
}

const PROJECT: &str = "apiVersion: rayc.dev/v1alpha1\nkind: Project\nname: demo\n";

/// A rayc.yaml: the header plus `rest`.
fn rayc_yaml(rest: &str) -> String {
    format!("{PROJECT}{rest}")
}

/// A RayJob spec with one worker group `cpu`; `extra` goes below `spec:`.
fn job(extra: &str) -> String {
    format!(
        "apiVersion: rayc.dev/v1alpha1\nkind: RayJob\nmetadata:\n  name: train\nspec:\n  image: rayproject/ray:2.46.0\n  entrypoint: python train.py\n  workers:\n    - name: cpu\n      cpu: 1\n      memory: 2Gi\n{extra}"
    )
}

fn build(dir: &Path, args: &[&str]) -> Bounded {
    let mut all = vec!["build"];
    all.extend_from_slice(args);
    Rayc::new(dir, &all).bounded(Limits::default())
}

fn validate(dir: &Path, file: &str) -> Bounded {
    Rayc::new(dir, &["validate", file]).bounded(Limits::default())
}

/// Refused with a finding `code` at `file:LINE:COL` whose line holds `words`,
/// and nothing written.
fn assert_refused_at(run: &Bounded, dir: &Path, file: &str, code: &str, words: &str) {
    run.assert_refused().assert_located(file, code);
    assert!(
        run.stderr
            .lines()
            .any(|l| l.starts_with(file) && l.contains(code) && l.contains(words)),
        "expected `{words}` in the {code} finding\n{}",
        run.shown()
    );
    assert!(
        !dir.join("rendered").exists(),
        "a refused build wrote output\n{}",
        run.shown()
    );
}

/// `rayc validate` refused with a finding `code` at `file:LINE:COL` (its
/// report goes to stdout).
fn assert_reported(run: &Bounded, file: &str, code: &str) {
    run.assert_refused();
    let located = run.stdout.lines().any(|l| {
        l.strip_prefix(file)
            .and_then(|rest| rest.strip_prefix(':'))
            .is_some_and(|rest| {
                let mut parts = rest.splitn(3, ':');
                parts.next().is_some_and(|n| n.parse::<u32>().is_ok())
                    && parts.next().is_some_and(|n| n.parse::<u32>().is_ok())
                    && parts.next().is_some_and(|tail| tail.contains(code))
            })
    });
    assert!(
        located,
        "expected {code} at {file}:LINE:COL\n{}",
        run.shown()
    );
}

/// The line number of the finding `code` in `file` (stderr of `build`, stdout of `validate`).
fn line_of(run: &Bounded, file: &str, code: &str) -> u32 {
    run.stderr
        .lines()
        .chain(run.stdout.lines())
        .find(|l| l.starts_with(file) && l.contains(code))
        .and_then(|l| l[file.len() + 1..].split(':').next()?.parse().ok())
        .unwrap_or_else(|| panic!("no {code} in {file}\n{}", run.shown()))
}

// Item 5: never drop a replica count silently.

const ARGOCD_AUTOSCALED: &str =
    "gitops: {tool: argocd}\nenvironments:\n  dev: {}\n  prod:\n    replicas: {cpu: 4}\n";

#[test]
fn an_environments_replicas_for_an_autoscaled_group_under_argocd_is_refused() {
    let dir = project(&[
        ("rayc.yaml", &rayc_yaml(ARGOCD_AUTOSCALED)),
        (
            "train.yaml",
            &job("      maxReplicas: 8\n  overlays:\n    - autoscaling: {minReplicas: 1}\n"),
        ),
    ]);
    let run = build(dir.path(), &[]);
    assert_refused_at(&run, dir.path(), "rayc.yaml", "RAY007", "would be lost");
    // At the `cpu: 4` of `replicas`, not at the top of the file.
    assert_eq!(line_of(&run, "rayc.yaml", "RAY007"), 8, "{}", run.shown());
    // The bounds the message suggests do build, and carry the number.
    let fixed = ARGOCD_AUTOSCALED.replace(
        "replicas: {cpu: 4}",
        "overlays: [{autoscaling: {groups: [cpu], minReplicas: 4}, override: true}]",
    );
    fs::write(dir.path().join("rayc.yaml"), rayc_yaml(&fixed)).unwrap();
    let run = build(dir.path(), &["--env", "prod", "--stdout"]);
    assert_eq!(run.code, Some(0), "{}", run.shown());
    assert!(run.stdout.contains("minReplicas: 4"), "{}", run.shown());
}

#[test]
fn a_specs_replicas_that_is_not_emitted_gets_a_located_warning() {
    let dir = project(&[
        ("rayc.yaml", &rayc_yaml("gitops: {tool: argocd}\n")),
        (
            "train.yaml",
            &job("      replicas: 2\n      maxReplicas: 8\n  overlays: [autoscaling]\n"),
        ),
    ]);
    let run = build(dir.path(), &["--stdout"]);
    assert_eq!(run.code, Some(0), "{}", run.shown());
    run.assert_located("train.yaml", "RAY017");
    assert_eq!(line_of(&run, "train.yaml", "RAY017"), 12, "{}", run.shown());
    assert!(!run.stdout.contains("replicas: 2"), "{}", run.shown());
}

#[test]
fn an_autoscaled_group_without_max_replicas_is_refused() {
    let dir = project(&[
        ("rayc.yaml", &rayc_yaml("gitops: {tool: argocd}\n")),
        ("train.yaml", &job("  overlays: [autoscaling]\n")),
    ]);
    let run = build(dir.path(), &[]);
    assert_refused_at(&run, dir.path(), "train.yaml", "RAY212", "2147483647");
}

// Item 6: environment settings name real things.

#[test]
fn an_environments_replicas_for_a_group_no_spec_has_is_refused_with_a_suggestion() {
    let dir = project(&[
        (
            "rayc.yaml",
            &rayc_yaml("environments:\n  dev:\n    replicas:\n      cpuu: 3\n"),
        ),
        ("train.yaml", &job("")),
    ]);
    let run = build(dir.path(), &[]);
    assert_refused_at(&run, dir.path(), "rayc.yaml", "RAY007", "`cpuu`");
    assert_eq!(line_of(&run, "rayc.yaml", "RAY007"), 7, "{}", run.shown());
    assert!(
        run.stderr.contains("did you mean `cpu`?"),
        "{}",
        run.shown()
    );
}

// Item 7: objects that cannot work.

const SERVICE_WITHOUT_APPS: &str = "apiVersion: rayc.dev/v1alpha1\nkind: RayService\nmetadata:\n  name: serve\nspec:\n  image: rayproject/ray:2.46.0\n";

#[test]
fn a_rayservice_without_an_application_is_refused_in_build_and_validate() {
    let dir = project(&[("rayc.yaml", PROJECT), ("serve.yaml", SERVICE_WITHOUT_APPS)]);
    let run = build(dir.path(), &[]);
    assert_refused_at(
        &run,
        dir.path(),
        "serve.yaml",
        "RAY917",
        "no Serve application",
    );
    let dir = project(&[(
        "serve.yaml",
        "apiVersion: ray.io/v1\nkind: RayService\nmetadata:\n  name: serve\nspec:\n  rayClusterConfig:\n    headGroupSpec:\n      template:\n        spec:\n          containers: [{name: ray-head, image: rayproject/ray:2.46.0}]\n",
    )]);
    let run = validate(dir.path(), "serve.yaml");
    assert_reported(&run, "serve.yaml", "RAY917");
}

#[test]
fn a_namespace_that_is_not_a_dns_label_is_refused_in_build_and_validate() {
    let dir = project(&[
        ("rayc.yaml", PROJECT),
        (
            "train.yaml",
            &job("").replace("  name: train\n", "  name: train\n  namespace: ../../x\n"),
        ),
    ]);
    let run = build(dir.path(), &[]);
    assert_refused_at(&run, dir.path(), "train.yaml", "RAY308", "../../x");
    assert_eq!(line_of(&run, "train.yaml", "RAY308"), 5, "{}", run.shown());
    let dir = project(&[(
        "job.yaml",
        "apiVersion: ray.io/v1\nkind: RayJob\nmetadata:\n  name: train\n  namespace: ../../x\nspec:\n  entrypoint: python train.py\n  clusterSelector: {ray.io/cluster: shared}\n",
    )]);
    let run = validate(dir.path(), "job.yaml");
    assert_reported(&run, "job.yaml", "RAY308");
}

#[test]
fn an_environments_namespace_that_is_not_a_dns_label_is_refused() {
    let dir = project(&[
        (
            "rayc.yaml",
            &rayc_yaml("environments:\n  dev:\n    namespace: ../../x\n"),
        ),
        ("train.yaml", &job("")),
    ]);
    let run = build(dir.path(), &[]);
    run.assert_refused();
    assert!(run.stderr.contains("RAY308"), "{}", run.shown());
    assert!(!dir.path().join("rendered").exists(), "{}", run.shown());
}

#[test]
fn a_json_patch_that_removes_metadata_is_refused() {
    let dir = project(&[
        (
            "rayc.yaml",
            &rayc_yaml(
                "environments:\n  dev:\n    jsonPatches:\n      - target: {kind: RayJob}\n        patch:\n          - {op: remove, path: /metadata}\n",
            ),
        ),
        ("train.yaml", &job("")),
    ]);
    let run = build(dir.path(), &[]);
    assert_refused_at(&run, dir.path(), "rayc.yaml", "RAY007", "metadata.name");
    assert_eq!(line_of(&run, "rayc.yaml", "RAY007"), 8, "{}", run.shown());
    let dir = project(&[(
        "job.yaml",
        "apiVersion: ray.io/v1\nkind: RayJob\nspec:\n  entrypoint: python train.py\n  clusterSelector: {ray.io/cluster: shared}\n",
    )]);
    let run = validate(dir.path(), "job.yaml");
    assert_reported(&run, "job.yaml", "RAY309");
}

/// A RayCluster whose worker container requests more `resource` than it limits.
fn cluster_requesting(resource: &str, request: &str, limit: &str) -> String {
    format!(
        "apiVersion: ray.io/v1\nkind: RayCluster\nmetadata:\n  name: c\nspec:\n  headGroupSpec:\n    template:\n      spec:\n        containers: [{{name: ray-head, image: rayproject/ray:2.46.0}}]\n  workerGroupSpecs:\n    - groupName: w\n      replicas: 1\n      template:\n        spec:\n          containers:\n            - name: ray-worker\n              image: rayproject/ray:2.46.0\n              resources:\n                limits: {{{resource}: {limit}}}\n                requests: {{{resource}: {request}}}\n"
    )
}

#[test]
fn requests_above_limits_are_refused_for_every_resource() {
    for (resource, request, limit) in [
        ("cpu", "1500m", "1"),
        ("memory", "8Gi", "4Gi"),
        ("ephemeral-storage", "2Gi", "1G"),
        ("nvidia.com/gpu", "2", "1"),
        ("example.com/fpga", "3", "2"),
    ] {
        let dir = project(&[("c.yaml", &cluster_requesting(resource, request, limit))]);
        let run = validate(dir.path(), "c.yaml");
        assert_reported(&run, "c.yaml", "RAY211");
        assert_eq!(
            line_of(&run, "c.yaml", "RAY211"),
            20,
            "{resource}\n{}",
            run.shown()
        );
    }
    let dir = project(&[("c.yaml", &cluster_requesting("memory", "4Gi", "4096Mi"))]);
    let run = validate(dir.path(), "c.yaml");
    assert!(!run.stderr.contains("RAY211"), "{}", run.shown());
}

#[test]
fn a_request_above_its_limit_in_a_spec_is_refused_at_the_spec_line() {
    let dir = project(&[
        ("rayc.yaml", PROJECT),
        (
            "train.yaml",
            &job(
                "      template:\n        spec:\n          containers:\n            - name: ray-worker\n              resources: {requests: {memory: 8Gi}}\n",
            ),
        ),
    ]);
    let run = build(dir.path(), &[]);
    assert_refused_at(&run, dir.path(), "train.yaml", "RAY211", "8Gi");
}

#[test]
fn a_quantity_the_api_server_would_cap_is_refused() {
    let huge = format!("{}Ei", "9".repeat(30));
    let dir = project(&[
        ("rayc.yaml", PROJECT),
        (
            "train.yaml",
            &job("").replace("memory: 2Gi", &format!("memory: {huge}")),
        ),
    ]);
    let run = build(dir.path(), &["--stdout"]);
    assert_refused_at(
        &run,
        dir.path(),
        "train.yaml",
        "RAY104",
        "9223372036854775807",
    );
    assert_eq!(line_of(&run, "train.yaml", "RAY104"), 11, "{}", run.shown());
    assert!(
        !run.stdout.contains("9223372036854775807"),
        "{}",
        run.shown()
    );
    let dir = project(&[("c.yaml", &cluster_requesting("memory", "8Ei", "8Ei"))]);
    let run = validate(dir.path(), "c.yaml");
    assert_reported(&run, "c.yaml", "RAY104");
}

#[test]
fn keys_one_and_quoted_one_are_one_key_twice() {
    let dir = project(&[
        ("rayc.yaml", PROJECT),
        (
            "train.yaml",
            &job("  runtimeEnv:\n    env_vars:\n      1: a\n      \"1\": b\n"),
        ),
    ]);
    let run = build(dir.path(), &[]);
    assert_refused_at(
        &run,
        dir.path(),
        "train.yaml",
        "RAY003",
        "duplicate key \"1\"",
    );
    assert_eq!(line_of(&run, "train.yaml", "RAY003"), 15, "{}", run.shown());
    let dir = project(&[(
        "c.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  \"1\": a\n  1: b\n",
    )]);
    let run = validate(dir.path(), "c.yaml");
    assert_reported(&run, "c.yaml", "RAY003");
}

// Item 8: a YAML string field never becomes "" because the writer refused it.

#[test]
fn a_runtime_env_the_writer_cannot_express_is_an_error_not_an_empty_string() {
    let key = "k".repeat(1100);
    let dir = project(&[
        ("rayc.yaml", PROJECT),
        (
            "train.yaml",
            // An explicit key (`? …`): YAML allows long keys only this way.
            &job(&format!(
                "  runtimeEnv:\n    env_vars:\n      ? {key}\n      : v\n"
            )),
        ),
    ]);
    let run = build(dir.path(), &["--stdout"]);
    assert_refused_at(&run, dir.path(), "train.yaml", "RAY016", "runtimeEnvYAML");
    assert_eq!(line_of(&run, "train.yaml", "RAY016"), 12, "{}", run.shown());
    assert!(!run.stdout.contains("runtimeEnvYAML"), "{}", run.shown());
}
