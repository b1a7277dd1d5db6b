//! `rayc diff` on the real binary, in small projects inside temporary git
//! repositories: every source of the old side (committed output folder,
//! `--between`, `--base`), every impact rule per KubeRay version, the three
//! formats as insta snapshots, exit codes 0/1/2 and every error path.
//! `docs/diff.md`'s examples are produced here (bless: `RAYC_BLESS=1`).

use crate::support::run::{Rayc, Run};
use std::path::Path;
use std::process::Command;

const REPO: &str = env!("CARGO_MANIFEST_DIR");

const PROJECT: &str = "\
apiVersion: rayc.dev/v1alpha1
kind: Project
name: shop
specs: [\"specs/*.yaml\"]
output: rendered
kuberayVersion: v1.7
gitops:
  rayJobUpdate: hash-name
";

const SERVICE: &str = "\
apiVersion: rayc.dev/v1alpha1
kind: RayService
metadata:
  name: shop
  namespace: ml
spec:
  image: rayproject/ray:2.46.0
  rayVersion: \"2.46.0\"
  serveApplications:
    - name: fruit
      importPath: fruit.app
      deployments:
        - {name: Mango, num_replicas: 2}
  head: {cpu: 1, memory: 2Gi}
  workers:
    - {name: serve, replicas: 1, cpu: 1, memory: 2Gi}
";

const CLUSTER: &str = "\
apiVersion: rayc.dev/v1alpha1
kind: RayCluster
metadata:
  name: analytics
  namespace: ml
spec:
  image: rayproject/ray:2.46.0
  rayVersion: \"2.46.0\"
  head: {cpu: 1, memory: 2Gi}
  workers:
    - {name: cpu, replicas: 2, cpu: 1, memory: 2Gi}
";

const JOB: &str = "\
apiVersion: rayc.dev/v1alpha1
kind: RayJob
metadata:
  name: train
  namespace: ml
spec:
  image: rayproject/ray:2.46.0
  rayVersion: \"2.46.0\"
  entrypoint: python train.py
  code: {files: [train.py]}
  shutdownAfterJobFinishes: true
  head: {cpu: 1, memory: 2Gi}
  workers:
    - {name: cpu, replicas: 1, cpu: 1, memory: 2Gi}
";

/// A project in a fresh git repository.
struct Repo(tempfile::TempDir);

impl Repo {
    /// The three-object project, built and committed.
    fn shop() -> Repo {
        let repo = Repo::empty();
        repo.write("rayc.yaml", PROJECT);
        repo.write("specs/serve.yaml", SERVICE);
        repo.write("specs/analytics.yaml", CLUSTER);
        repo.write("specs/train.yaml", JOB);
        repo.write("specs/train.py", "print('train v1')\n");
        repo.rayc(&["build"]).assert_code(0);
        repo.commit("first");
        repo
    }

    fn empty() -> Repo {
        let repo = Repo(tempfile::tempdir().unwrap());
        repo.git(&["init", "-q", "-b", "main"]);
        repo
    }

    fn path(&self) -> &Path {
        self.0.path()
    }

    fn write(&self, rel: &str, text: &str) {
        let path = self.path().join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    fn edit(&self, rel: &str, from: &str, to: &str) {
        let old = std::fs::read_to_string(self.path().join(rel)).unwrap();
        assert!(old.contains(from), "{rel} lacks {from:?}");
        self.write(rel, &old.replacen(from, to, 1));
    }

    fn git(&self, args: &[&str]) -> String {
        let out = Command::new("git")
            .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
            .args(["-c", "commit.gpgsign=false"])
            .args(args)
            .current_dir(self.path())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    fn commit(&self, message: &str) {
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "-m", message]);
    }

    fn rayc(&self, args: &[&str]) -> Run {
        Rayc::new(self.path(), args).run()
    }
}

/// The edits of the main example: a Serve-only change, a pod-template change
/// of a RayCluster, new code for the job, a removed and an added object.
fn review_edits(repo: &Repo) {
    repo.edit("specs/serve.yaml", "num_replicas: 2", "num_replicas: 3");
    repo.edit("specs/analytics.yaml", "ray:2.46.0\n", "ray:2.47.1\n");
    repo.edit("specs/analytics.yaml", "\"2.46.0\"", "\"2.47.1\"");
    repo.write("specs/train.py", "print('train v2')\n");
    std::fs::remove_file(repo.path().join("specs/analytics.yaml")).unwrap();
    repo.write("specs/batch.yaml", &CLUSTER.replace("analytics", "batch"));
}

#[test]
fn no_change_exits_0() {
    let repo = Repo::shop();
    let run = repo.rayc(&["diff"]);
    run.assert_code(0);
    assert!(run.stdout.contains("no changes"), "{}", run.shown());
    for format in ["json", "markdown"] {
        repo.rayc(&["diff", "--format", format]).assert_code(0);
    }
}

#[test]
fn committed_output_against_fresh_build_in_every_format() {
    let repo = Repo::shop();
    review_edits(&repo);
    for format in ["human", "json", "markdown"] {
        let run = repo.rayc(&["diff", "--format", format]);
        run.assert_code(1);
        insta::assert_snapshot!(format!("review_{format}"), run.shown());
    }
    // The committed folder is only read.
    assert_eq!(repo.git(&["status", "--porcelain", "rendered"]), "");
}

#[test]
fn output_is_the_same_on_every_run() {
    let repo = Repo::shop();
    review_edits(&repo);
    let first = repo.rayc(&["diff", "--format", "json"]).stdout;
    for _ in 0..2 {
        assert_eq!(repo.rayc(&["diff", "--format", "json"]).stdout, first);
    }
}

#[test]
fn colour_only_when_asked_or_on_a_terminal() {
    let repo = Repo::shop();
    repo.edit("specs/serve.yaml", "num_replicas: 2", "num_replicas: 3");
    let plain = repo.rayc(&["diff"]);
    assert!(!plain.stdout.contains('\x1b'), "{}", plain.shown());
    let forced = Rayc::new(repo.path(), &["diff"])
        .envs(&[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "")])
        .run();
    forced.assert_code(1);
    assert!(forced.stdout.contains("\x1b[32m+"), "{}", forced.shown());
}

/// The impact of one edit to the committed shop project, as `[severity] impact`.
fn impact_of(edit: impl Fn(&Repo), args: &[&str], kind: &str) -> String {
    let repo = Repo::shop();
    edit(&repo);
    let mut full = vec!["diff", "--format", "json"];
    full.extend_from_slice(args);
    let run = repo.rayc(&full);
    run.assert_code(1);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let change = json["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["kind"] == kind)
        .unwrap_or_else(|| panic!("no {kind} change: {}", run.stdout));
    format!(
        "{} [{}] {}",
        change["change"].as_str().unwrap(),
        change["severity"].as_str().unwrap(),
        change["impact"].as_str().unwrap()
    )
}

#[test]
fn rayservice_impact_per_upgrade_strategy_and_version() {
    let image = |r: &Repo| r.edit("specs/serve.yaml", "ray:2.46.0\n", "ray:2.47.1\n");
    let serve_only = |r: &Repo| r.edit("specs/serve.yaml", "num_replicas: 2", "num_replicas: 4");
    let replicas_only = |r: &Repo| {
        r.edit(
            "specs/serve.yaml",
            "name: serve, replicas: 1",
            "name: serve, replicas: 3",
        )
    };
    let append_group = |r: &Repo| {
        r.edit(
            "specs/serve.yaml",
            "    - {name: serve, replicas: 1, cpu: 1, memory: 2Gi}\n",
            "    - {name: serve, replicas: 1, cpu: 1, memory: 2Gi}\n    - {name: extra, replicas: 1, cpu: 1, memory: 2Gi}\n",
        )
    };
    let strategy = |t: &'static str| {
        move |r: &Repo| {
            image(r);
            r.edit(
                "specs/serve.yaml",
                "  head:",
                &format!("  kuberay:\n    upgradeStrategy: {{type: {t}}}\n  head:"),
            );
        }
    };
    let incremental = |r: &Repo| {
        image(r);
        r.edit(
            "specs/serve.yaml",
            "  head:",
            "  kuberay:\n    upgradeStrategy:\n      type: NewClusterWithIncrementalUpgrade\n      clusterUpgradeOptions: {gatewayClassName: istio, stepSizePercent: 10, intervalSeconds: 30}\n    rayClusterConfig: {enableInTreeAutoscaling: true}\n  head:",
        );
        // An autoscaled group needs a finite maxReplicas (RAY212).
        r.edit(
            "specs/serve.yaml",
            "{name: serve, replicas: 1,",
            "{name: serve, replicas: 1, maxReplicas: 4,",
        );
    };
    let cases = [
        impact_of(image, &[], "RayService"),
        impact_of(serve_only, &[], "RayService"),
        impact_of(replicas_only, &[], "RayService"),
        impact_of(append_group, &[], "RayService"),
        impact_of(append_group, &["--kuberay-version", "v1.0"], "RayService"),
        impact_of(strategy("None"), &[], "RayService"),
        impact_of(incremental, &[], "RayService"),
    ];
    insta::assert_snapshot!(cases.join("\n"));
}

#[test]
fn raycluster_and_rayjob_impact() {
    let template = |r: &Repo| {
        r.edit(
            "specs/analytics.yaml",
            "memory: 2Gi}\n  workers",
            "memory: 4Gi}\n  workers",
        )
    };
    let recreate = |r: &Repo| {
        template(r);
        r.edit(
            "specs/analytics.yaml",
            "  head:",
            "  kuberay:\n    upgradeStrategy: {type: Recreate}\n  head:",
        );
    };
    let scale = |r: &Repo| r.edit("specs/analytics.yaml", "replicas: 2", "replicas: 5");
    let job_code = |r: &Repo| r.write("specs/train.py", "print('train v2')\n");
    let cases = [
        impact_of(template, &[], "RayCluster"),
        impact_of(recreate, &[], "RayCluster"),
        impact_of(template, &["--kuberay-version", "v1.5"], "RayCluster"),
        impact_of(scale, &[], "RayCluster"),
        impact_of(job_code, &[], "RayJob"),
        impact_of(job_code, &[], "ConfigMap"),
    ];
    insta::assert_snapshot!(cases.join("\n"));
}

#[test]
fn rayjob_edit_without_hash_names_is_ignored() {
    let repo = Repo::shop();
    repo.edit(
        "rayc.yaml",
        "  rayJobUpdate: hash-name\n",
        "  rayJobUpdate: none\n",
    );
    repo.rayc(&["build"]).assert_code(0);
    repo.commit("keep names");
    repo.edit(
        "specs/train.yaml",
        "python train.py",
        "python train.py --epochs 3",
    );
    let run = repo.rayc(&["diff"]);
    run.assert_code(1);
    insta::assert_snapshot!(run.shown());
}

#[test]
fn between_two_environments() {
    let repo = Repo::shop();
    repo.write(
        "rayc.yaml",
        &format!(
            "{PROJECT}environments:\n  dev:\n    replicas: {{serve: 1}}\n  prod:\n    replicas: {{serve: 4, cpu: 3}}\n"
        ),
    );
    let run = repo.rayc(&["diff", "--between", "dev", "prod"]);
    run.assert_code(1);
    insta::assert_snapshot!(run.shown());
    // The same environment on both sides is a usage error.
    let same = repo.rayc(&["diff", "--between", "dev", "dev"]);
    same.assert_code(2);
    assert!(
        same.stderr.contains("two different environments"),
        "{}",
        same.shown()
    );
    let unknown = repo.rayc(&["diff", "--between", "dev", "qa"]);
    unknown.assert_code(2);
    assert!(
        unknown.stderr.contains("no environment `qa`"),
        "{}",
        unknown.shown()
    );
}

#[test]
fn env_filter_on_the_committed_folder() {
    let repo = Repo::shop();
    repo.write(
        "rayc.yaml",
        &format!("{PROJECT}environments:\n  dev: {{}}\n  prod: {{}}\n"),
    );
    // The single-environment output is a deployment rayc never deletes itself
    // (RAY013): moving to environments, the user removes it.
    std::fs::remove_dir_all(repo.path().join("rendered")).unwrap();
    repo.rayc(&["build"]).assert_code(0);
    repo.commit("envs");
    repo.rayc(&["diff"]).assert_code(0);
    repo.edit(
        "rayc.yaml",
        "  prod: {}\n",
        "  prod:\n    replicas: {cpu: 3}\n",
    );
    repo.rayc(&["diff", "--env", "dev"]).assert_code(0);
    let prod = repo.rayc(&["diff", "--env", "prod"]);
    prod.assert_code(1);
    assert!(
        prod.stdout.contains("RayCluster ml/analytics (prod)"),
        "{}",
        prod.shown()
    );
    assert!(!prod.stdout.contains("(dev)"), "{}", prod.shown());
}

#[test]
fn base_revision_is_read_through_git_without_touching_the_work_tree() {
    let repo = Repo::shop();
    repo.edit("specs/serve.yaml", "ray:2.46.0\n", "ray:2.47.1\n");
    repo.rayc(&["build"]).assert_code(0);
    repo.commit("upgrade");
    // An uncommitted edit on top, which must survive.
    repo.edit("specs/serve.yaml", "num_replicas: 2", "num_replicas: 5");
    let status = repo.git(&["status", "--porcelain"]);
    let head = repo.git(&["rev-parse", "HEAD"]);

    let run = repo.rayc(&["diff", "--base", "HEAD~1"]);
    run.assert_code(1);
    insta::assert_snapshot!(run.shown());
    assert_eq!(repo.git(&["status", "--porcelain"]), status);
    assert_eq!(repo.git(&["rev-parse", "HEAD"]), head);

    repo.rayc(&["diff", "--base", "main"]).assert_code(1);
    repo.edit("specs/serve.yaml", "num_replicas: 5", "num_replicas: 2");
    repo.rayc(&["diff", "--base", "main"]).assert_code(0);
}

#[test]
fn base_in_a_subfolder_project() {
    let repo = Repo::empty();
    repo.write("ray/rayc.yaml", PROJECT);
    repo.write("ray/specs/analytics.yaml", CLUSTER);
    repo.write("README.md", "not part of the project\n");
    repo.commit("first");
    repo.edit("ray/specs/analytics.yaml", "replicas: 2", "replicas: 3");
    let run = repo.rayc(&["diff", "-C", "ray", "--base", "HEAD"]);
    run.assert_code(1);
    assert!(
        run.stdout.contains("[in-place] scaling only"),
        "{}",
        run.shown()
    );
}

#[test]
fn error_paths_exit_2() {
    let repo = Repo::shop();
    let cases: [(&str, Vec<&str>); 4] = [
        ("unknown_revision", vec!["diff", "--base", "no-such-branch"]),
        ("option_as_revision", vec!["diff", "--base=--output=x"]),
        (
            "bad_kuberay_version",
            vec!["diff", "--kuberay-version", "v9"],
        ),
        ("unknown_format", vec!["diff", "--format", "yaml"]),
    ];
    for (name, args) in cases {
        let run = repo.rayc(&args);
        run.assert_code(2);
        insta::assert_snapshot!(format!("error_{name}"), run.shown());
    }

    // A revision without the project.
    repo.write("other.txt", "x\n");
    let root_only = Repo::empty();
    root_only.write("README.md", "x\n");
    root_only.commit("no project");
    root_only.write("rayc.yaml", PROJECT);
    root_only.write("specs/analytics.yaml", CLUSTER);
    let run = root_only.rayc(&["diff", "--base", "HEAD"]);
    run.assert_code(2);
    insta::assert_snapshot!("error_revision_without_project", run.shown());

    // Not a git repository.
    let plain = tempfile::tempdir().unwrap();
    std::fs::write(plain.path().join("rayc.yaml"), PROJECT).unwrap();
    std::fs::create_dir(plain.path().join("specs")).unwrap();
    std::fs::write(plain.path().join("specs/analytics.yaml"), CLUSTER).unwrap();
    let run = Rayc::new(plain.path(), &["diff", "--base", "HEAD"])
        .envs(&[("GIT_CEILING_DIRECTORIES", "/")])
        .run();
    run.assert_code(2);
    assert!(
        run.stderr.contains("is not in a git repository"),
        "{}",
        run.shown()
    );
}

#[test]
fn broken_build_and_broken_committed_file_exit_2() {
    let repo = Repo::shop();
    repo.edit("specs/serve.yaml", "  image:", "  imagez:");
    let run = repo.rayc(&["diff"]);
    run.assert_code(2);
    assert!(
        run.stderr.contains("specs/serve.yaml:7:3"),
        "{}",
        run.shown()
    );
    assert!(
        run.stderr.contains("the build has errors"),
        "{}",
        run.shown()
    );
    assert_eq!(run.stdout, "");

    // The broken spec is committed; the base build fails, named as such.
    repo.commit("broken");
    repo.edit("specs/serve.yaml", "  imagez:", "  image:");
    let run = repo.rayc(&["diff", "--base", "HEAD"]);
    run.assert_code(2);
    assert!(
        run.stderr.contains("the build of `HEAD` has errors"),
        "{}",
        run.shown()
    );

    let repo = Repo::shop();
    let file = "rendered/ml/raycluster-analytics.yaml";
    let text = std::fs::read_to_string(repo.path().join(file)).unwrap();
    repo.write(
        file,
        &text.replace("kind: RayCluster\n", "kind: [RayCluster\n"),
    );
    let run = repo.rayc(&["diff"]);
    run.assert_code(2);
    insta::assert_snapshot!("error_broken_committed_file", run.shown());
}

#[test]
fn missing_output_folder_shows_everything_added() {
    let repo = Repo::shop();
    std::fs::remove_dir_all(repo.path().join("rendered")).unwrap();
    let run = repo.rayc(&["diff", "--format", "json"]);
    run.assert_code(1);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    // RayService, RayCluster, RayJob and its code ConfigMap.
    assert_eq!(json["summary"]["added"], 4, "{}", run.stdout);
}

// ------------------------------------------------------------- docs/diff.md

/// Replaces the block between `<!-- begin NAME -->` and `<!-- end NAME -->`.
fn put_example(doc: &str, name: &str, lang: &str, body: &str) -> String {
    let begin = format!("<!-- begin {name} -->\n");
    let end = format!("<!-- end {name} -->");
    let start = doc
        .find(&begin)
        .unwrap_or_else(|| panic!("docs/diff.md lacks {begin}"))
        + begin.len();
    let stop = doc
        .find(&end)
        .unwrap_or_else(|| panic!("docs/diff.md lacks {end}"));
    let fence = if body.contains("```") { "~~~~" } else { "```" };
    format!(
        "{}{fence}{lang}\n{body}{fence}\n{}",
        &doc[..start],
        &doc[stop..]
    )
}

#[test]
fn docs_examples_are_produced_by_this_test() {
    let repo = Repo::shop();
    review_edits(&repo);
    let path = Path::new(REPO).join("docs/diff.md");
    let old = std::fs::read_to_string(&path).unwrap();
    let mut doc = old.clone();
    let human = repo.rayc(&["diff"]);
    human.assert_code(1);
    doc = put_example(
        &doc,
        "human",
        "text",
        &format!("$ rayc diff\n{}", human.stdout),
    );
    let markdown = repo.rayc(&["diff", "--format", "markdown"]);
    doc = put_example(&doc, "markdown", "markdown", &markdown.stdout);
    let json = repo.rayc(&["diff", "--format", "json"]);
    doc = put_example(&doc, "json", "json", &json.stdout);
    if std::env::var_os("RAYC_BLESS").is_some_and(|v| v != "0" && !v.is_empty()) {
        std::fs::write(&path, &doc).unwrap();
    } else {
        assert!(
            old == doc,
            "docs/diff.md examples are stale; run RAYC_BLESS=1 cargo test --test it diff:: and read the diff"
        );
    }
}
