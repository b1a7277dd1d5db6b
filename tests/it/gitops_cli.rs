//! The Argo CD and Flux commands on the real binary: `rayc argocd plugin |
//! params | app`, `rayc flux`, the GitOps policies of rayc.yaml, the files
//! the repository ships (`deploy/argocd/`, the example's `argocd/` and
//! `flux/` folders, checked for staleness), and every `rayc` command in
//! docs/argocd.md and docs/flux.md.
//!
//! After an intended change: `RAYC_BLESS=1 cargo test --test it gitops_cli::`
//! rewrites the shipped files; read the diff.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::support::run::Rayc;
use crate::support::tools;
use tools::kubectl_available;

use crate::support::run::RAYC;

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn blessing() -> bool {
    std::env::var_os("RAYC_BLESS").is_some_and(|v| v != "0" && !v.is_empty())
}

fn rayc(dir: &Path, args: &[&str]) -> Output {
    Rayc::new(dir, args).command().output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A shipped file must equal what its command prints now.
fn shipped(path: &str, output: &Output) {
    assert!(output.status.success(), "{}", text(&output.stderr));
    let file = repo_root().join(path);
    let actual = text(&output.stdout);
    if blessing() {
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(&file, &actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&file).unwrap_or_default();
    assert!(
        expected == actual,
        "{path} is stale; regenerate with RAYC_BLESS=1 cargo test --test it gitops_cli::\n--- now\n{actual}"
    );
}

const EXAMPLE: &str = "examples/gitops-monorepo";
const APP_ARGS: [&str; 6] = [
    "--repo-url",
    "https://github.com/example/ml-platform.git",
    "--path",
    EXAMPLE,
    "-C",
    EXAMPLE,
];

#[test]
fn plugin_yaml_is_shipped_current_and_valid() {
    let out = rayc(&repo_root(), &["argocd", "plugin"]);
    shipped("deploy/argocd/plugin.yaml", &out);
    assert!(out.stderr.is_empty());
    let plugin: serde_json::Value = serde_saphyr::from_str(&text(&out.stdout)).unwrap();
    // What argocd-cmp-server's ValidatePluginConfig requires, and what we promise.
    assert_eq!(plugin["apiVersion"], "argoproj.io/v1alpha1");
    assert_eq!(plugin["kind"], "ConfigManagementPlugin");
    assert_eq!(plugin["metadata"]["name"], "rayc");
    let generate = &plugin["spec"]["generate"]["command"];
    assert_eq!(generate, &serde_json::json!(["rayc", "argocd", "generate"]));
    assert!(!text(&out.stdout).contains("sh -c"));
    assert_eq!(plugin["spec"]["discover"]["fileName"], "rayc.yaml");
    assert_eq!(
        plugin["spec"]["parameters"]["dynamic"]["command"],
        serde_json::json!(["rayc", "argocd", "params"])
    );
    assert_eq!(plugin["spec"]["preserveFileMode"], false);
}

#[test]
fn params_announce_environments_overlays_and_version() {
    let out = rayc(&repo_root(), &["argocd", "params", "-C", EXAMPLE]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let params: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let by_name = |n: &str| {
        params
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == n)
            .cloned()
            .unwrap()
    };
    assert!(
        by_name("environment")["tooltip"]
            .as_str()
            .unwrap()
            .ends_with("dev, prod, staging")
    );
    assert_eq!(by_name("disable-overlays")["collectionType"], "array");
    assert!(
        by_name("disable-overlays")["tooltip"]
            .as_str()
            .unwrap()
            .contains("gpu")
    );
    assert_eq!(by_name("kuberay-version")["string"], "v1.7");
    // A folder without rayc.yaml is a usage error, even below a project.
    let out = rayc(
        &repo_root(),
        &[
            "argocd",
            "params",
            "-C",
            "examples/gitops-monorepo/workloads",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
}

#[test]
fn applications_are_shipped_current_with_ignore_differences() {
    let out = rayc(
        &repo_root(),
        &[&["argocd", "app"][..], &APP_ARGS[..]].concat(),
    );
    shipped("examples/gitops-monorepo/argocd/applications.yaml", &out);
    let stream = text(&out.stdout);
    assert_eq!(stream.matches("kind: Application\n").count(), 3);
    for env in ["dev", "staging", "prod"] {
        assert!(
            stream.contains(&format!("name: ml-platform-{env}\n")),
            "{env}"
        );
    }
    assert!(stream.contains("RespectIgnoreDifferences=true"));
    // The notebook cluster's autoscaled groups, whose replicas rayc omitted.
    assert!(
        stream.contains(".spec.workerGroupSpecs[] | select(.groupName == \\\"cpu\\\") | .replicas")
            || stream
                .contains(".spec.workerGroupSpecs[] | select(.groupName == \"cpu\") | .replicas"),
        "{stream}"
    );
    // Missing --repo-url is a usage error.
    let out = rayc(&repo_root(), &["argocd", "app", "-C", EXAMPLE]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
}

#[test]
fn kustomizations_are_shipped_current() {
    let out = rayc(
        &repo_root(),
        &[
            "flux",
            "-C",
            EXAMPLE,
            "--source",
            "ml-platform",
            "--path",
            EXAMPLE,
        ],
    );
    shipped("examples/gitops-monorepo/flux/kustomizations.yaml", &out);
    let stream = text(&out.stdout);
    assert!(stream.contains("path: ./examples/gitops-monorepo/rendered/prod\n"));
    assert_eq!(stream.matches("kind: Kustomization\n").count(), 3);
    // The example syncs with Argo CD: rayc says what it did not check.
    assert!(
        text(&out.stderr).contains("RAY981"),
        "{}",
        text(&out.stderr)
    );
}

/// A one-job project with `gitops` settings.
fn project(gitops: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("rayc.yaml"),
        format!("apiVersion: rayc.dev/v1alpha1\nkind: Project\nname: p\ngitops:\n{gitops}"),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("job.yaml"),
        "apiVersion: rayc.dev/v1alpha1
kind: RayJob
metadata: {name: train, namespace: ml}
spec:
  image: rayproject/ray:2.46.0
  rayVersion: \"2.46.0\"
  entrypoint: python -c 'print(1)'
  workers: [{name: cpu, replicas: 1, cpu: 1, memory: 2Gi}]
  head: {cpu: 1, memory: 2Gi}
",
    )
    .unwrap();
    dir
}

#[test]
fn job_update_policies_annotate_for_their_engine() {
    let cases = [
        (
            "  tool: argocd\n  rayJobUpdate: hook\n",
            vec![
                "argocd.argoproj.io/hook: Sync",
                "argocd.argoproj.io/hook-delete-policy: BeforeHookCreation",
                "argocd.argoproj.io/sync-wave: \"1\"",
            ],
        ),
        (
            "  tool: argocd\n  rayJobUpdate: replace\n  syncWaves: {RayJob: 3}\n",
            vec![
                "argocd.argoproj.io/sync-options: Replace=true,Force=true",
                "argocd.argoproj.io/sync-wave: \"3\"",
            ],
        ),
        (
            "  tool: flux\n  rayJobUpdate: replace\n",
            vec!["kustomize.toolkit.fluxcd.io/force: Enabled"],
        ),
    ];
    for (gitops, wanted) in cases {
        let dir = project(gitops);
        let out = rayc(dir.path(), &["build", "--stdout"]);
        let stream = text(&out.stdout);
        assert!(out.status.success(), "{gitops}{}", text(&out.stderr));
        for line in wanted {
            assert!(stream.contains(line), "{gitops}: no {line}\n{stream}");
        }
    }
    // `syncWaves: {}` turns waves off.
    let dir = project("  tool: argocd\n  syncWaves: {}\n");
    let out = rayc(dir.path(), &["build", "--stdout"]);
    assert!(!text(&out.stdout).contains("sync-wave"));
}

#[test]
fn policies_an_engine_cannot_honour_are_located_errors() {
    for (gitops, needle, line) in [
        (
            "  tool: flux\n  rayJobUpdate: hook\n",
            "Flux has no hooks",
            6,
        ),
        ("  rayJobUpdate: replace\n", "names none", 5),
        (
            "  tool: argocd\n  syncWaves:\n    RayJobs: 1\n",
            "`RayJobs`",
            7,
        ),
    ] {
        let dir = project(gitops);
        let out = rayc(dir.path(), &["build", "--stdout"]);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{gitops}: {stderr}");
        assert!(out.stdout.is_empty());
        assert!(
            stderr.contains(&format!("rayc.yaml:{line}:")) && stderr.contains("RAY025"),
            "{gitops}: {stderr}"
        );
        assert!(stderr.contains(needle), "{gitops}: {stderr}");
    }
    // `rayc flux` refuses a hook policy whatever the tool.
    let dir = project("  tool: argocd\n  rayJobUpdate: hook\n");
    let out = rayc(dir.path(), &["flux"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("Flux has no hooks"));
    assert!(out.stdout.is_empty());
}

/// The component adds the sidecar and the plugin ConfigMap to a repo-server.
#[test]
fn deploy_component_builds_with_kubectl_kustomize() {
    if !kubectl_available() {
        eprintln!("SKIPPED: kubectl is not on PATH; deploy/argocd was not built");
        return;
    }
    // kustomize takes components only by relative path: work next to the repo.
    std::fs::create_dir_all(repo_root().join("target")).unwrap();
    let dir = tempfile::tempdir_in(repo_root().join("target")).unwrap();
    std::fs::write(
        dir.path().join("repo-server.yaml"),
        "apiVersion: apps/v1
kind: Deployment
metadata: {name: argocd-repo-server}
spec:
  selector: {matchLabels: {app: repo}}
  template:
    metadata: {labels: {app: repo}}
    spec:
      containers: [{name: argocd-repo-server, image: quay.io/argoproj/argocd:v3.1.0}]
      volumes: [{name: var-files, emptyDir: {}}, {name: plugins, emptyDir: {}}]
",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("kustomization.yaml"),
        "resources: [repo-server.yaml]\ncomponents: [../../deploy/argocd]\nimages: [{name: rayc-cmp, newName: registry.example.com/rayc-cmp, newTag: 0.1.0}]\n",
    )
    .unwrap();
    let out = Command::new("kubectl")
        .args(["kustomize", "--load-restrictor", "LoadRestrictionsNone"])
        .arg(dir.path())
        .output()
        .unwrap();
    let built = text(&out.stdout);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let plugin = std::fs::read_to_string(repo_root().join("deploy/argocd/plugin.yaml")).unwrap();
    for wanted in [
        "name: rayc\n",
        "image: registry.example.com/rayc-cmp:0.1.0",
        "- /var/run/argocd/argocd-cmp-server",
        "runAsUser: 999",
        "readOnlyRootFilesystem: true",
        "mountPath: /home/argocd/cmp-server/config/plugin.yaml",
        "subPath: plugin.yaml",
        "name: argocd-repo-server\n",
        "kind: ConfigMap",
    ] {
        assert!(built.contains(wanted), "no {wanted:?} in\n{built}");
    }
    // The ConfigMap carries plugin.yaml and the volume names its hashed name.
    let hashed = built
        .lines()
        .find_map(|l| l.trim().strip_prefix("name: rayc-plugin-"))
        .expect("the generated ConfigMap has a content-hash suffix");
    assert_eq!(
        built.matches(&format!("rayc-plugin-{hashed}")).count(),
        2,
        "{built}"
    );
    assert!(built.contains(plugin.lines().nth(4).unwrap().trim()));
}

#[test]
fn dockerfile_builds_where_a_container_engine_runs() {
    let dockerfile = std::fs::read_to_string(repo_root().join("deploy/argocd/Dockerfile")).unwrap();
    // Static checks hold everywhere.
    assert!(dockerfile.contains("\nUSER 999:999\n"));
    assert!(dockerfile.contains("FROM scratch"));
    assert!(dockerfile.contains("cargo build --release --locked --bin rayc"));
    assert!(dockerfile.contains("TMPDIR=/tmp"));
    let engine = Command::new("docker")
        .arg("info")
        .output()
        .is_ok_and(|o| o.status.success());
    if !engine {
        eprintln!(
            "SKIPPED: no container engine answers `docker info`; deploy/argocd/Dockerfile was checked statically, NOT built"
        );
        return;
    }
    let out = Command::new("docker")
        .args([
            "build",
            "-f",
            "deploy/argocd/Dockerfile",
            "-t",
            "rayc-cmp:test",
            ".",
        ])
        .current_dir(repo_root())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = Command::new("docker")
        .args([
            "run",
            "--rm",
            "--read-only",
            "--user",
            "999",
            "--entrypoint",
            "rayc",
            "rayc-cmp:test",
            "argocd",
            "plugin",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
}

/// The `rayc` commands of a doc page: non-comment lines of ```sh blocks in
/// which `rayc` is a word.
fn doc_commands(doc: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut in_sh = false;
    for (i, line) in doc.lines().enumerate() {
        if line.starts_with("```") {
            in_sh = !in_sh && line == "```sh";
            continue;
        }
        let line = line.trim();
        if in_sh && !line.starts_with('#') && line.split_whitespace().any(|w| w == "rayc") {
            out.push((i + 1, line.to_owned()));
        }
    }
    out
}

#[test]
fn every_rayc_command_in_the_gitops_docs_runs() {
    let bin = Path::new(RAYC).parent().unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    for page in ["docs/argocd.md", "docs/flux.md"] {
        let doc = std::fs::read_to_string(repo_root().join(page)).unwrap();
        let commands = doc_commands(&doc);
        assert!(commands.len() >= 3, "{page}: {commands:?}");
        // A repository root of our own: the docs' commands may write.
        let root = tempfile::tempdir().unwrap();
        copy(&repo_root().join(EXAMPLE), &root.path().join(EXAMPLE));
        copy(&repo_root().join("deploy"), &root.path().join("deploy"));
        for (line, command) in commands {
            let out = Command::new("sh")
                .args(["-c", &command])
                .current_dir(root.path())
                .env("PATH", &path)
                .env("NO_COLOR", "1")
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{page}:{line}: `{command}` failed\n{}",
                text(&out.stderr)
            );
        }
    }
}

fn copy(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_dir() {
            copy(&entry.path(), &to.join(entry.file_name()));
        } else {
            std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
        }
    }
}
