//! `rayc validate` on the real binary: which documents are Ray objects.
//! A Ray kind under a wrong API group or version, or an unknown kind of
//! `ray.io`, is an error with the fix; unrelated YAML is skipped; and
//! `ray.io/v1alpha1` objects are checked against that version's schema.

use crate::support::run::Rayc;
use std::path::Path;

/// Runs `rayc validate <file>` on `text` (and any extra args); exit code and stdout.
fn validate(text: &str, args: &[&str]) -> (i32, String) {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("f.yaml");
    std::fs::write(&file, text).expect("write input");
    run(dir.path(), &[&["validate", "f.yaml"], args].concat())
}

fn run(dir: &Path, args: &[&str]) -> (i32, String) {
    let out = Rayc::new(dir, args).command().output().expect("run rayc");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    (out.status.code().unwrap_or(-1), stdout)
}

const BODY: &str = "metadata: {name: c}\nspec:\n  headGroupSpec:\n    rayStartParams: {}\n    template:\n      spec:\n        containers: [{name: ray-head, image: rayproject/ray:2.9.0}]\n";

#[test]
fn a_ray_kind_under_a_wrong_api_version_is_an_error_with_the_fix() {
    for api in ["v1", "rayio/v1", "ray.io", "ray.io/v2"] {
        let (code, out) = validate(&format!("apiVersion: {api}\nkind: RayCluster\n{BODY}"), &[]);
        assert_eq!(code, 1, "{api}: {out}");
        assert!(out.contains("f.yaml:1:13: error[RAY040]"), "{api}: {out}");
        assert!(
            out.contains("did you mean `apiVersion: ray.io/v1`?"),
            "{api}: {out}"
        );
        assert!(
            !out.contains("v1alpha1"),
            "{api}: help must not talk of v1alpha1: {out}"
        );
    }
}

#[test]
fn an_unknown_kind_of_ray_io_is_an_error_with_the_fix() {
    let (code, out) = validate(
        &format!("apiVersion: ray.io/v1\nkind: RayClustr\n{BODY}"),
        &[],
    );
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("f.yaml:2:7: error[RAY005]: ray.io/v1 has no kind `RayClustr`"),
        "{out}"
    );
    assert!(out.contains("did you mean `kind: RayCluster`?"), "{out}");
    assert!(!out.contains("v1alpha1"), "{out}");
}

#[test]
fn unrelated_yaml_stays_skipped() {
    for text in [
        "name: CI\non:\n  push: {branches: [main]}\njobs:\n  test: {runs-on: ubuntu-latest, steps: [{run: make}]}\n",
        "replicaCount: 2\nimage:\n  repository: rayproject/ray\n  tag: 2.9.0\nhead: {rayStartParams: {}}\n",
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: b}\n",
        "apiVersion: kueue.x-k8s.io/v1beta1\nkind: ClusterQueue\nmetadata: {name: q}\nspec: {}\n",
        "apiVersion: example.com/v1\nkind: RayCluster\nmetadata: {name: other}\nspec: {anything: 1}\n",
    ] {
        let (code, out) = validate(text, &[]);
        assert_eq!(code, 0, "{text}\n{out}");
        assert!(!out.contains("error["), "{text}\n{out}");
    }
}

#[test]
fn a_v1alpha1_object_is_checked_against_its_schema_with_a_deprecation_warning() {
    let good = format!("apiVersion: ray.io/v1alpha1\nkind: RayCluster\n{BODY}");
    let (code, out) = validate(&good, &[]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("f.yaml:1:13: warning[RAY041]: ray.io/v1alpha1 is deprecated"),
        "{out}"
    );
    // Skipped until now: a misspelt field was never seen.
    let typo = good.replace(
        "rayStartParams: {}",
        "rayStartParams: {}\n    rayStartParam: {}",
    );
    let (code, out) = validate(&typo, &[]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("error[RAY101]"), "{out}");
    // A field v1 has and v1alpha1 does not.
    let managed = good.replace(
        "\nspec:\n",
        "\nspec:\n  managedBy: ray.io/kuberay-operator\n",
    );
    let (code, out) = validate(&managed, &[]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("f.yaml:5:3: error[RAY106]: field `managedBy` is not part of ray.io/v1alpha1"),
        "{out}"
    );
    // Required by v1alpha1 only.
    let bare = good.replace("    rayStartParams: {}\n", "");
    let (code, out) = validate(&bare, &[]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("error[RAY105]: missing required field \"rayStartParams\""),
        "{out}"
    );
    assert_eq!(validate(&bare.replace("v1alpha1", "v1"), &[]).0, 0);
    // The version follows --kuberay-version: `runtimeEnv` of a RayJob is v1.0's.
    let job = "apiVersion: ray.io/v1alpha1\nkind: RayJob\nmetadata: {name: j}\nspec:\n  entrypoint: python x.py\n  runtimeEnv: e30=\n  clusterSelector: {ray.io/cluster: c}\n";
    let (code, out) = validate(job, &["--kuberay-version", "v1.0"]);
    assert_eq!(code, 0, "{out}");
    let (code, out) = validate(job, &["--kuberay-version", "v1.7"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("error[RAY106]"), "{out}");
    // RayCronJob was never served as v1alpha1.
    let cron = "apiVersion: ray.io/v1alpha1\nkind: RayCronJob\nmetadata: {name: c}\nspec: {}\n";
    let (code, out) = validate(cron, &[]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("error[RAY040]: RayCronJob is not served as ray.io/v1alpha1"),
        "{out}"
    );
}
