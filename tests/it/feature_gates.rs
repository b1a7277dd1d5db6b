//! Operator feature gates on the real binary: `--feature-gates` on `build`,
//! `validate` and `diff`, `featureGates:` in rayc.yaml, the version's
//! defaults, and the refusals (RAY055 unknown gate, RAY056 a gate the target
//! version lacks), each located where the user wrote it.

use crate::support::run::rayc;
use std::path::Path;

fn write(dir: &Path, rel: &str, text: &str) {
    let path = dir.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

const TLS_CLUSTER: &str = "\
apiVersion: ray.io/v1
kind: RayCluster
metadata:
  name: demo
spec:
  rayVersion: \"2.52.0\"
  tlsOptions:
    enabled: false
  headGroupSpec:
    template:
      spec:
        containers:
          - name: ray-head
            image: rayproject/ray:2.52.0
";

#[test]
fn validate_follows_the_versions_defaults_and_the_flag() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "c.yaml", TLS_CLUSTER);
    // v1.7 with its default gates: RayClusterMTLS is off, even `enabled: false` is refused.
    rayc(dir.path(), &["validate", "c.yaml"]).expect(
        1,
        &[
            "c.yaml:7:3: error[RAY940]: `tlsOptions` needs the operator feature gate RayClusterMTLS, which is off in KubeRay v1.7",
            "--feature-gates RayClusterMTLS=true",
        ],
    );
    rayc(
        dir.path(),
        &[
            "validate",
            "c.yaml",
            "--feature-gates",
            "RayClusterMTLS=true",
        ],
    )
    .expect(0, &[])
    .lacks("RAY940");
    // The operator's syntax: comma-separated, Go booleans, the last setting wins.
    rayc(
        dir.path(),
        &[
            "validate",
            "c.yaml",
            "--feature-gates",
            "RayCronJob=T, RayClusterMTLS=1",
            "--feature-gates",
            "RayClusterMTLS=false",
        ],
    )
    .expect(1, &["error[RAY940]"]);
}

#[test]
fn unknown_gates_and_bad_syntax_are_usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "c.yaml", TLS_CLUSTER);
    rayc(
        dir.path(),
        &[
            "validate",
            "c.yaml",
            "--feature-gates",
            "RayClusterMtls=true",
        ],
    )
    .expect(
        2,
        &[
            "error[RAY055]: --feature-gates: unknown feature gate \"RayClusterMtls\"",
            "did you mean `RayClusterMTLS`?",
        ],
    );
    rayc(
        dir.path(),
        &["validate", "c.yaml", "--feature-gates", "RayClusterMTLS"],
    )
    .expect(2, &["\"RayClusterMTLS\" is not Name=true or Name=false"]);
    rayc(
        dir.path(),
        &[
            "validate",
            "c.yaml",
            "--feature-gates",
            "RayClusterMTLS=yes",
        ],
    )
    .expect(
        2,
        &["\"RayClusterMTLS=yes\" is not Name=true or Name=false"],
    );
    // A gate the target operator lacks: that operator refuses to start with it.
    rayc(
        dir.path(),
        &["validate", "c.yaml", "--kuberay-version", "v1.6", "--feature-gates", "RayClusterMTLS=true"],
    )
    .expect(
        1,
        &["--feature-gates: error[RAY056]: the KubeRay v1.6 operator has no feature gate \"RayClusterMTLS\" (only v1.7 has it)"],
    );
}

const PROJECT: &str = "apiVersion: rayc.dev/v1alpha1\nkind: Project\nname: t\n";

const CRON_SPEC: &str = "\
apiVersion: rayc.dev/v1alpha1
kind: RayCronJob
metadata:
  name: nightly
spec:
  image: rayproject/ray:2.46.0
  rayVersion: \"2.46.0\"
  entrypoint: python -c \"import ray; ray.init()\"
  schedule: \"0 3 * * *\"
  shutdownAfterJobFinishes: true
";

#[test]
fn rayc_yaml_feature_gates_reach_build_and_the_flag_overrides_them() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "specs/nightly.yaml", CRON_SPEC);
    write(d, "rayc.yaml", PROJECT);
    rayc(d, &["build", "--stdout"]).expect(
        1,
        &["specs/nightly.yaml:2:1: error[RAY941]: KubeRay v1.7 runs no RayCronJob controller while the feature gate RayCronJob is off"],
    );
    rayc(
        d,
        &["build", "--stdout", "--feature-gates", "RayCronJob=true"],
    )
    .expect(0, &["kind: RayCronJob"]);

    write(
        d,
        "rayc.yaml",
        &format!("{PROJECT}featureGates:\n  RayCronJob: true\n"),
    );
    rayc(d, &["build", "--stdout"]).expect(0, &["kind: RayCronJob"]);
    rayc(d, &["validate"]).expect(0, &[]).lacks("RAY941");
    rayc(
        d,
        &["build", "--stdout", "--feature-gates", "RayCronJob=false"],
    )
    .expect(1, &["error[RAY941]"]);
    rayc(d, &["diff", "--feature-gates", "RayCronJob=true"])
        .lacks("RAY941")
        .lacks("error");
    rayc(d, &["diff", "--feature-gates", "RayCronJobs=true"])
        .expect(2, &["error[RAY055]", "did you mean `RayCronJob`?"]);
}

#[test]
fn rayc_yaml_gate_errors_point_at_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "specs/nightly.yaml", CRON_SPEC);
    write(
        d,
        "rayc.yaml",
        &format!("{PROJECT}featureGates:\n  RayCronjob: true\n  RayClusterMTLS: false\n"),
    );
    rayc(d, &["build", "--stdout"]).expect(
        1,
        &[
            "rayc.yaml:5:3: error[RAY055]: unknown feature gate \"RayCronjob\"",
            "did you mean `RayCronJob`?",
        ],
    );
    // Plain manifests checked inside the project follow (and locate) its gates too.
    write(d, "c.yaml", TLS_CLUSTER);
    rayc(d, &["validate", "c.yaml"]).expect(
        1,
        &[
            "rayc.yaml:5:3: error[RAY055]: unknown feature gate \"RayCronjob\"",
            "5 |   RayCronjob: true",
            "c.yaml:7:3: error[RAY940]",
        ],
    );
    rayc(d, &["build", "--stdout", "--kuberay-version", "v1.6"]).expect(
        1,
        &["rayc.yaml:6:3: error[RAY056]: the KubeRay v1.6 operator has no feature gate \"RayClusterMTLS\""],
    );
    // Not a boolean: the project schema refuses it.
    write(
        d,
        "rayc.yaml",
        &format!("{PROJECT}featureGates:\n  RayCronJob: \"maybe\"\n"),
    );
    rayc(d, &["build", "--stdout"]).expect(1, &["rayc.yaml:5:15: error[RAY102]"]);
}

/// The gate table of `docs/validation.md` is the one rayc uses
/// (`RAYC_BLESS=1` rewrites it).
#[test]
fn the_documented_gate_table_is_the_one_rayc_uses() {
    use rayc::model::kuberay::{GATES, KUBERAY_VERSIONS};
    let mut table = String::from("| Gate |");
    for v in KUBERAY_VERSIONS {
        table.push_str(&format!(" {v} |"));
    }
    table.push_str(" With the gate off |\n|---|");
    table.push_str(&"---|".repeat(KUBERAY_VERSIONS.len()));
    table.push_str("---|\n");
    for gate in GATES {
        table.push_str(&format!("| `{}` |", gate.name));
        for default in gate.defaults {
            table.push_str(match default {
                None => " – |",
                Some(false) => " off |",
                Some(true) => " **on** |",
            });
        }
        table.push_str(&format!(" {} |\n", gate.off_means));
    }
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/validation.md");
    let text = std::fs::read_to_string(&path).unwrap();
    let (begin, end) = (
        "<!-- feature-gates:begin -->\n",
        "<!-- feature-gates:end -->",
    );
    let (Some(i), Some(j)) = (text.find(begin), text.find(end)) else {
        panic!("docs/validation.md lacks the feature-gates markers");
    };
    let want = format!("{}{table}{}", &text[..i + begin.len()], &text[j..]);
    if want != text {
        if std::env::var_os("RAYC_BLESS").is_some_and(|v| v == "1") {
            std::fs::write(&path, want).unwrap();
        } else {
            panic!("docs/validation.md: the feature gate table is stale; rerun with RAYC_BLESS=1");
        }
    }
}
