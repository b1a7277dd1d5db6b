//! The command line on the real binary: every command, every `--format`,
//! every exit code (0 ok, 1 findings or stale output, 2 usage or I/O), and
//! every user-facing error path, as insta snapshots of what the user sees.
//! Bless new snapshots with `INSTA_UPDATE=always cargo test --test it cli::` (or
//! `cargo insta review`) and read the diff.

use crate::support::run::{Rayc, Run, rayc};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

const REPO: &str = env!("CARGO_MANIFEST_DIR");

/// A scratch folder; `project()` fills it with `rayc init --name demo`.
struct Scratch(tempfile::TempDir);

impl Scratch {
    fn empty() -> Scratch {
        Scratch(tempfile::tempdir().unwrap())
    }

    fn project() -> Scratch {
        let s = Scratch::empty();
        rayc(s.path(), &["init", ".", "--name", "demo"]).assert_code(0);
        s
    }

    fn path(&self) -> &Path {
        self.0.path()
    }

    fn write(&self, rel: &str, text: impl AsRef<[u8]>) {
        let path = self.path().join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.path().join(rel)).unwrap()
    }

    fn edit(&self, rel: &str, from: &str, to: &str) {
        let old = self.read(rel);
        assert!(old.contains(from), "{rel} lacks {from:?}");
        self.write(rel, old.replacen(from, to, 1));
    }

    fn run(&self, args: &[&str]) -> Run {
        rayc(self.path(), args)
    }

    /// Every file below `rel`, with its bytes.
    fn tree(&self, rel: &str) -> BTreeMap<PathBuf, Vec<u8>> {
        let root = self.path().join(rel);
        walkdir::WalkDir::new(&root)
            .sort_by_file_name()
            .into_iter()
            .map(Result::unwrap)
            .filter(|e| e.file_type().is_file())
            .map(|e| {
                let rel = e.path().strip_prefix(&root).unwrap().to_path_buf();
                (rel, std::fs::read(e.path()).unwrap())
            })
            .collect()
    }
}

/// A RayCluster manifest whose worker group misspells `replicas`.
const MISSPELT_CLUSTER: &str = "\
apiVersion: ray.io/v1
kind: RayCluster
metadata:
  name: demo
spec:
  rayVersion: \"2.41.0\"
  headGroupSpec:
    rayStartParams: {}
    template:
      spec:
        containers:
          - name: ray-head
            image: rayproject/ray:2.41.0
  workerGroupSpecs:
    - groupName: cpu
      replica: 2
      rayStartParams: {}
      template:
        spec:
          containers:
            - name: ray-worker
              image: rayproject/ray:2.41.0
";

// ---------------------------------------------------------------- help

#[test]
fn help_lists_commands_and_exit_codes() {
    let dir = Scratch::empty();
    let run = dir.run(&["--help"]);
    run.assert_code(0);
    insta::assert_snapshot!("help", run.shown());
    for command in ["build", "validate", "init", "schema", "overlays"] {
        let run = dir.run(&[command, "--help"]);
        run.assert_code(0);
        insta::assert_snapshot!(format!("help_{command}"), run.shown());
    }
}

#[test]
fn version_names_the_package_version() {
    let run = Scratch::empty().run(&["--version"]);
    run.assert_code(0);
    assert_eq!(run.stdout, format!("rayc {}\n", env!("CARGO_PKG_VERSION")));
}

#[test]
fn usage_errors_exit_2() {
    let dir = Scratch::project();
    for (name, args) in [
        ("no_command", &[][..]),
        ("unknown_command", &["compile"][..]),
        ("unknown_flag", &["build", "--bogus"][..]),
        ("bad_format", &["validate", "--format", "xml"][..]),
        ("stdout_and_out", &["build", "--stdout", "--out", "x"][..]),
        ("stdout_and_check", &["build", "--stdout", "--check"][..]),
        ("schema_check_without_out", &["schema", "--check"][..]),
    ] {
        let run = dir.run(args);
        run.assert_code(2);
        assert!(run.stdout.is_empty(), "{name}: {}", run.shown());
        insta::assert_snapshot!(format!("usage_{name}"), run.shown());
    }
}

// ---------------------------------------------------------------- build

#[test]
fn build_stdout_prints_the_tutorial_sample() {
    let run = rayc(
        Path::new(REPO),
        &["build", "--stdout", "-C", "examples/tutorial-sample"],
    );
    run.assert_code(0);
    insta::assert_snapshot!("build_stdout_tutorial", run.shown());
}

/// Findings on compiled objects point at the spec field that caused them
/// (lower's provenance): the tutorial's unpinned clone at `git:`, not at
/// `overlays: [ingress]` (the overlay that happens to create `head`); the
/// GPU workers' image at the `gpu` overlay use that sets it.
#[test]
fn findings_on_compiled_objects_point_at_their_spec_field() {
    let run = rayc(
        Path::new(REPO),
        &["build", "--stdout", "-C", "examples/tutorial-git"],
    );
    run.assert_code(0);
    assert!(
        run.stderr
            .contains("examples/tutorial-git/specs/rayjob-sample.yaml:12:5: warning[RAY962]"),
        "{}",
        run.shown()
    );
    assert!(
        run.stderr.contains("12 |     git: {repo:"),
        "{}",
        run.shown()
    );
    let run = rayc(
        Path::new(REPO),
        &["build", "--stdout", "-C", "examples/tutorial-gpu"],
    );
    run.assert_code(0);
    assert!(
        run.stderr
            .contains("examples/tutorial-gpu/specs/rayjob-sample.yaml:15:7: warning[RAY505]"),
        "{}",
        run.shown()
    );
}

/// `--verbose` tells where the dashboard Ingress serves a job's dashboard.
#[test]
fn build_verbose_notes_where_the_dashboard_ends_up() {
    let run = rayc(
        Path::new(REPO),
        &[
            "build",
            "--stdout",
            "--verbose",
            "-C",
            "examples/tutorial-ingress",
        ],
    );
    run.assert_code(0);
    assert!(
        run.stderr.contains("note: dashboard of RayJob rayjob-sample: http://<ingress address>/rayjob-sample-<suffix>/"),
        "{}",
        run.shown()
    );
}

/// An environment rayc.yaml lacks is reported at its `environments`.
#[test]
fn unknown_environment_points_at_the_environments_of_rayc_yaml() {
    let run = rayc(
        Path::new(REPO),
        &[
            "build",
            "--stdout",
            "--env",
            "nope",
            "-C",
            "examples/gitops-monorepo",
        ],
    );
    run.assert_code(2);
    let line = std::fs::read_to_string(Path::new(REPO).join("examples/gitops-monorepo/rayc.yaml"))
        .unwrap()
        .lines()
        .position(|l| l.starts_with("environments:"))
        .unwrap()
        + 1;
    assert!(
        run.stderr.contains(&format!(
            "examples/gitops-monorepo/rayc.yaml:{line}:1: error[RAY007]: unknown environment \"nope\""
        )),
        "{}",
        run.shown()
    );
}

#[test]
fn rayc_timings_prints_each_phase_to_stderr_and_leaves_stdout_alone() {
    let args = ["build", "--stdout", "-C", "examples/tutorial-sample"];
    let plain = rayc(Path::new(REPO), &args);
    let timed = Rayc::new(Path::new(REPO), &args)
        .env("RAYC_TIMINGS", "1")
        .run();
    plain.assert_code(0);
    timed.assert_code(0);
    assert_eq!(timed.stdout, plain.stdout);
    assert!(!plain.stderr.contains("rayc timings"), "{}", plain.shown());
    let report = timed
        .stderr
        .strip_prefix(plain.stderr.as_str())
        .unwrap_or_else(|| panic!("timings come after the usual stderr:\n{}", timed.shown()));
    let mut lines = report.lines();
    assert_eq!(
        lines.next(),
        Some("rayc timings (phase time summed over threads):")
    );
    let phases: Vec<&str> = lines
        .map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let ms: f64 = fields[1].parse().unwrap_or_else(|_| panic!("{line}"));
            assert!(ms >= 0.0 && fields[2] == "ms", "{line}");
            fields[0]
        })
        .collect();
    assert_eq!(
        phases,
        [
            "load", "resolve", "check", "lower", "validate", "rules", "report", "emit", "total"
        ]
    );
}

#[test]
fn build_writes_the_output_folder_and_reports_what_changed() {
    let dir = Scratch::project();
    let first = dir.run(&["build"]);
    first.assert_code(0);
    assert_eq!(first.stdout, "");
    assert_eq!(
        first.stderr,
        "wrote rendered (3 written, 0 removed, 0 unchanged)\n"
    );
    let files: Vec<PathBuf> = dir.tree("rendered").into_keys().collect();
    assert_eq!(
        files,
        [
            ".rayc-output",
            "configmap-hello-code-d53d00695e.yaml",
            "kustomization.yaml",
            "rayjob-hello.yaml"
        ]
        .map(PathBuf::from)
    );
    // The marker that makes the folder rayc's (only such folders are replaced).
    assert_eq!(dir.read("rendered/.rayc-output"), "rayc-output-format: 1\n");
    let again = dir.run(&["build"]);
    assert_eq!(
        again.stderr,
        "wrote rendered (0 written, 0 removed, 3 unchanged)\n"
    );
    // From a subfolder, rayc finds the project above it.
    let nested = rayc(&dir.path().join("specs"), &["build", "--check"]);
    nested.assert_code(0);
}

#[test]
fn build_out_writes_where_asked() {
    let dir = Scratch::project();
    dir.run(&["build", "--out", "elsewhere"]).assert_code(0);
    assert_eq!(dir.tree("elsewhere").len(), 4, "three files and the marker");
    assert!(!dir.path().join("rendered").exists());
    dir.run(&["build", "--out", "elsewhere", "--check"])
        .assert_code(0);
    // Relative to the project, wherever rayc runs.
    rayc(
        &dir.path().join("specs"),
        &["build", "--out", "elsewhere", "--check"],
    )
    .assert_code(0);
    let sub = dir.path().join("specs");
    rayc(&sub, &["build", "--out", "other"]).assert_code(0);
    assert!(dir.path().join("other/rayjob-hello.yaml").is_file());
    assert!(!sub.join("other").exists());
}

#[test]
fn build_out_onto_a_file_is_an_io_error() {
    let dir = Scratch::project();
    dir.write("occupied", "not a folder\n");
    let run = dir.run(&["build", "--out", "occupied"]);
    run.assert_code(2);
    assert!(run.stderr.starts_with("error: "), "{}", run.shown());
    assert_eq!(dir.read("occupied"), "not a folder\n");
}

#[test]
fn build_without_a_project_is_a_usage_error() {
    let dir = Scratch::empty();
    let run = dir.run(&["build"]);
    run.assert_code(2);
    insta::assert_snapshot!("build_no_project", run.shown());
    // A misspelt -C never falls back to a project above it.
    let project = Scratch::project();
    let run = project.run(&["build", "-C", "missing"]);
    run.assert_code(2);
    insta::assert_snapshot!("build_no_project_dash_c", run.shown());
    let run = project.run(&["validate", "-C", "missing"]);
    run.assert_code(2);
    assert!(
        run.stderr.contains("missing is not a folder"),
        "{}",
        run.shown()
    );
}

#[test]
fn build_flag_values_the_project_lacks_are_usage_errors() {
    let dir = Scratch::project();
    let run = dir.run(&["build", "--env", "prod"]);
    run.assert_code(2);
    insta::assert_snapshot!("build_unknown_env", run.shown());
    let run = dir.run(&["build", "--kuberay-version", "v9.9"]);
    run.assert_code(2);
    insta::assert_snapshot!("build_unknown_kuberay_version", run.shown());
    assert!(!dir.path().join("rendered").exists());
}

#[test]
fn build_unknown_kuberay_version_in_rayc_yaml_is_a_finding() {
    let dir = Scratch::project();
    dir.edit("rayc.yaml", "kuberayVersion: v1.7", "kuberayVersion: v9.9");
    let run = dir.run(&["build"]);
    run.assert_code(1);
    insta::assert_snapshot!("build_bad_kuberay_version_in_project", run.shown());
}

#[test]
fn build_environments_and_the_stream() {
    let dir = Scratch::project();
    dir.edit(
        "rayc.yaml",
        "kuberayVersion: v1.7\n",
        "kuberayVersion: v1.7\nenvironments:\n  dev: {namespace: dev}\n  prod: {namespace: prod}\n",
    );
    // One stream cannot hold two environments' objects of the same name.
    let run = dir.run(&["build", "--stdout"]);
    run.assert_code(2);
    insta::assert_snapshot!("build_stdout_needs_env", run.shown());
    let run = dir.run(&["build", "--stdout", "--env", "prod"]);
    run.assert_code(0);
    assert!(run.stdout.contains("namespace: prod"), "{}", run.shown());
    assert!(!run.stdout.contains("namespace: dev"), "{}", run.shown());
    dir.run(&["build"]).assert_code(0);
    let files: Vec<PathBuf> = dir.tree("rendered").into_keys().collect();
    assert!(
        files.contains(&PathBuf::from("dev/dev/rayjob-hello.yaml")),
        "{files:?}"
    );
    assert!(
        files.contains(&PathBuf::from("prod/prod/rayjob-hello.yaml")),
        "{files:?}"
    );
}

#[test]
fn misspelt_spec_field_in_every_format() {
    let dir = Scratch::project();
    dir.edit("specs/hello.yaml", "      replicas: 1", "      replica: 1");
    for format in ["human", "json", "github"] {
        let run = dir.run(&["build", "--format", format]);
        run.assert_code(1);
        // Human and github lines go to stderr, a JSON report to stdout.
        let (report, other) = if format == "json" {
            (&run.stdout, &run.stderr)
        } else {
            (&run.stderr, &run.stdout)
        };
        assert_eq!(other, "", "{}", run.shown());
        assert!(report.contains("RAY101"), "{}", run.shown());
        insta::assert_snapshot!(format!("build_misspelt_{format}"), run.shown());
    }
    let human = dir.run(&["build"]);
    assert!(
        human
            .stderr
            .contains("specs/hello.yaml:18:7: error[RAY101]: unknown field \"replica\""),
        "{}",
        human.shown()
    );
    assert!(human.stderr.contains("did you mean \"replicas\"?"));
    // The same finding from `rayc validate`, on stdout.
    let run = dir.run(&["validate", "specs/hello.yaml"]);
    run.assert_code(1);
    insta::assert_snapshot!("validate_misspelt_spec", run.shown());
}

#[test]
fn tab_indented_spec() {
    let dir = Scratch::project();
    dir.write(
        "specs/tabs.yaml",
        "apiVersion: rayc.dev/v1alpha1\nkind: RayJob\nmetadata:\n\tname: tabs\n",
    );
    let run = dir.run(&["build"]);
    run.assert_code(1);
    insta::assert_snapshot!("build_tab_indented", run.shown());
}

#[test]
fn missing_code_file() {
    let dir = Scratch::project();
    dir.edit("specs/hello.yaml", "files: [hello.py]", "files: [helo.py]");
    let run = dir.run(&["build"]);
    run.assert_code(1);
    insta::assert_snapshot!("build_missing_code_file", run.shown());
}

#[test]
fn empty_project_is_an_error() {
    let dir = Scratch::project();
    std::fs::remove_dir_all(dir.path().join("specs")).unwrap();
    let run = dir.run(&["build"]);
    run.assert_code(1);
    insta::assert_snapshot!("build_empty_project", run.shown());
    assert!(!dir.path().join("rendered").exists());
}

#[test]
fn broken_project_file() {
    let dir = Scratch::project();
    dir.edit("rayc.yaml", "output: rendered", "ouptut: rendered");
    let run = dir.run(&["build"]);
    run.assert_code(1);
    insta::assert_snapshot!("build_broken_rayc_yaml", run.shown());
    dir.write("rayc.yaml", "");
    let run = dir.run(&["build"]);
    run.assert_code(1);
    insta::assert_snapshot!("build_empty_rayc_yaml", run.shown());
}

#[test]
fn failed_build_leaves_the_previous_output_untouched() {
    let dir = Scratch::project();
    dir.run(&["build"]).assert_code(0);
    let before = dir.tree("rendered");
    dir.edit("specs/hello.yaml", "replicas: 1", "replicas: 2");
    dir.edit("specs/hello.yaml", "memory: 2Gi", "memroy: 2Gi");
    dir.run(&["build"]).assert_code(1);
    assert_eq!(dir.tree("rendered"), before);
}

#[test]
fn check_clean_stale_and_missing() {
    let dir = Scratch::project();
    // Nothing built yet: every file is missing.
    let run = dir.run(&["build", "--check"]);
    run.assert_code(1);
    insta::assert_snapshot!("check_missing", run.shown());
    assert!(!dir.path().join("rendered").exists(), "--check wrote");

    dir.run(&["build"]).assert_code(0);
    let run = dir.run(&["build", "--check"]);
    run.assert_code(0);
    assert_eq!(run.shown(), "exit: 0\n--- stdout\n--- stderr\n");

    let before = dir.tree("rendered");
    dir.edit("specs/hello.yaml", "replicas: 1", "replicas: 3");
    let run = dir.run(&["build", "--check"]);
    run.assert_code(1);
    insta::assert_snapshot!("check_stale", run.shown());
    assert_eq!(dir.tree("rendered"), before, "--check wrote");

    // A hand-edited rendered file is stale too.
    dir.run(&["build"]).assert_code(0);
    let rendered = dir.read("rendered/rayjob-hello.yaml");
    dir.write(
        "rendered/rayjob-hello.yaml",
        rendered.replace("replicas: 3", "replicas: 4"),
    );
    dir.run(&["build", "--check"]).assert_code(1);

    // A broken spec fails the check with its findings, not a diff.
    dir.edit("specs/hello.yaml", "memory: 2Gi", "memroy: 2Gi");
    let run = dir.run(&["build", "--check"]);
    run.assert_code(1);
    assert_eq!(run.stdout, "");
    assert!(run.stderr.contains("error[RAY101]"), "{}", run.shown());
}

// ---------------------------------------------------------------- validate

fn validate_output_schema() -> jsonschema::Validator {
    let text = std::fs::read_to_string(Path::new(REPO).join("schemas/validate-output.schema.json"))
        .unwrap();
    jsonschema::validator_for(&serde_json::from_str(&text).unwrap()).unwrap()
}

fn assert_valid_json_report(run: &Run) -> serde_json::Value {
    let value: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let validator = validate_output_schema();
    let errors: Vec<String> = validator
        .iter_errors(&value)
        .map(|e| format!("{e} at {:?}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}\n{}", run.stdout);
    value
}

#[test]
fn validate_a_manifest_in_every_format() {
    let dir = Scratch::empty();
    dir.write("cluster.yaml", MISSPELT_CLUSTER);
    for format in ["human", "json", "github"] {
        let run = dir.run(&["validate", "cluster.yaml", "--format", format]);
        run.assert_code(1);
        assert_eq!(run.stderr, "");
        insta::assert_snapshot!(format!("validate_misspelt_{format}"), run.shown());
        if format == "json" {
            let value = assert_valid_json_report(&run);
            assert_eq!(value["summary"]["errorCount"], 1);
        }
    }
    dir.write(
        "cluster.yaml",
        MISSPELT_CLUSTER.replace("replica:", "replicas:"),
    );
    for format in ["human", "json", "github"] {
        let run = dir.run(&["validate", "cluster.yaml", "--format", format]);
        run.assert_code(0);
        if format == "json" {
            let value = assert_valid_json_report(&run);
            assert_eq!(value["summary"]["valid"], 1);
        }
    }
}

#[test]
fn validate_ignore_silences_a_code() {
    let dir = Scratch::empty();
    dir.write("cluster.yaml", MISSPELT_CLUSTER);
    let run = dir.run(&["validate", "cluster.yaml", "--ignore", "RAY101"]);
    run.assert_code(0);
    insta::assert_snapshot!("validate_ignore", run.shown());
    let run = dir.run(&[
        "validate",
        "cluster.yaml",
        "--ignore",
        "RAY101",
        "--format",
        "json",
    ]);
    let value = assert_valid_json_report(&run);
    assert_eq!(value["summary"]["suppressedCount"], 1);
}

#[test]
fn validate_skips_yaml_that_is_no_kubernetes_object() {
    let dir = Scratch::empty();
    dir.write(
        ".github/workflows/ci.yml",
        "name: ci\non: [push]\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n",
    );
    dir.write(
        "docker-compose.yaml",
        "services:\n  web:\n    image: nginx:1.27\n",
    );
    dir.write(
        "chart/Chart.yaml",
        "apiVersion: v2\nname: demo\nversion: 0.1.0\n",
    );
    dir.write("list.yaml", "- a\n- b\n");
    dir.write("scalar.yaml", "just text\n");
    dir.write(
        "deploy.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec: {}\n",
    );
    let files = [
        ".github/workflows/ci.yml",
        "chart/Chart.yaml",
        "deploy.yaml",
        "docker-compose.yaml",
        "list.yaml",
        "scalar.yaml",
    ];
    let mut args = vec!["validate"];
    args.extend(files);
    let run = dir.run(&args);
    run.assert_code(0);
    insta::assert_snapshot!("validate_skips_unrelated_yaml", run.shown());
    args.extend(["--format", "json"]);
    let value = assert_valid_json_report(&dir.run(&args));
    assert_eq!(value["summary"]["skipped"], 6, "{value:#}");
}

#[test]
fn validate_ray_documents_missing_half_their_type() {
    let dir = Scratch::empty();
    dir.write(
        "no-kind.yaml",
        "apiVersion: ray.io/v1\nmetadata: {name: a}\nspec: {}\n",
    );
    dir.write(
        "no-api.yaml",
        "kind: RayCluster\nmetadata: {name: b}\nspec: {}\n",
    );
    dir.write(
        "old.yaml",
        "apiVersion: ray.io/v1alpha1\nkind: RayCluster\nmetadata: {name: c}\nspec: {}\n",
    );
    let run = dir.run(&["validate", "no-api.yaml", "no-kind.yaml", "old.yaml"]);
    run.assert_code(1);
    insta::assert_snapshot!("validate_ray_without_type", run.shown());
}

#[test]
fn validate_unreadable_and_unparsable_files() {
    let dir = Scratch::empty();
    dir.write("broken.yaml", "apiVersion: ray.io/v1\nkind: [RayCluster\n");
    dir.write("latin1.yaml", b"name: caf\xe9\n");
    dir.write(
        "dup.yaml",
        "apiVersion: ray.io/v1\napiVersion: ray.io/v1\nkind: RayJob\n",
    );
    let run = dir.run(&["validate", "broken.yaml", "dup.yaml", "latin1.yaml"]);
    run.assert_code(1);
    insta::assert_snapshot!("validate_unparsable", run.shown());
    let run = dir.run(&["validate", "broken.yaml", "--format", "json"]);
    assert_valid_json_report(&run);
}

#[test]
fn validate_usage_errors() {
    let dir = Scratch::empty();
    let run = dir.run(&["validate"]);
    run.assert_code(2);
    insta::assert_snapshot!("validate_no_files_no_project", run.shown());
    let run = dir.run(&["validate", "missing.yaml"]);
    run.assert_code(2);
    insta::assert_snapshot!("validate_missing_file", run.shown());
    dir.write("cluster.yaml", MISSPELT_CLUSTER);
    let run = dir.run(&["validate", "cluster.yaml", "--kuberay-version", "v0.9"]);
    run.assert_code(2);
    insta::assert_snapshot!("validate_unknown_kuberay_version", run.shown());
}

#[test]
fn validate_a_folder_and_a_version() {
    let dir = Scratch::empty();
    dir.write(
        "manifests/job.yaml",
        "apiVersion: ray.io/v1\nkind: RayCronJob\nmetadata: {name: nightly}\nspec: {}\n",
    );
    dir.write("manifests/notes.txt", "not yaml at all: [\n");
    // RayCronJob is newer than KubeRay v1.0.
    let run = dir.run(&["validate", "manifests", "--kuberay-version", "v1.0"]);
    run.assert_code(1);
    assert!(run.stdout.contains("error[RAY106]"), "{}", run.shown());
    assert!(!run.stdout.contains("notes.txt"), "{}", run.shown());
}

#[test]
fn validate_the_whole_project() {
    let dir = Scratch::project();
    let run = dir.run(&["validate"]);
    run.assert_code(0);
    insta::assert_snapshot!("validate_project_clean", run.shown());
    dir.edit("specs/hello.yaml", "      replicas: 1", "      replica: 1");
    let run = dir.run(&["validate", "--format", "json"]);
    run.assert_code(1);
    assert_valid_json_report(&run);
}

#[test]
fn validate_rendered_output_and_specs_together() {
    let dir = Scratch::project();
    dir.run(&["build"]).assert_code(0);
    let run = dir.run(&[
        "validate",
        "rayc.yaml",
        "specs/hello.yaml",
        "rendered/rayjob-hello.yaml",
        "rendered/configmap-hello-code-d53d00695e.yaml",
        "rendered/kustomization.yaml",
    ]);
    run.assert_code(0);
    insta::assert_snapshot!("validate_specs_and_rendered", run.shown());
}

#[test]
fn validate_finds_each_spec_project() {
    // A repository with the project in a subfolder, checked from the top,
    // as pre-commit does.
    let repo = Scratch::empty();
    let project = repo.path().join("deploy/ray");
    std::fs::create_dir_all(&project).unwrap();
    rayc(&project, &["init", ".", "--name", "demo"]).assert_code(0);
    repo.run(&["validate", "deploy/ray/specs/hello.yaml"])
        .assert_code(0);
    repo.edit(
        "deploy/ray/specs/hello.yaml",
        "      replicas: 1",
        "      replica: 1",
    );
    let run = repo.run(&["validate", "deploy/ray/specs/hello.yaml"]);
    run.assert_code(1);
    assert!(
        run.stdout
            .contains("deploy/ray/specs/hello.yaml:18:7: error[RAY101]"),
        "{}",
        run.shown()
    );
    // A broken rayc.yaml shows up with the spec it breaks.
    repo.edit(
        "deploy/ray/specs/hello.yaml",
        "      replica: 1",
        "      replicas: 1",
    );
    repo.edit("deploy/ray/rayc.yaml", "name: demo", "nmae: demo");
    let run = repo.run(&["validate", "deploy/ray/specs/hello.yaml"]);
    run.assert_code(1);
    insta::assert_snapshot!("validate_spec_with_broken_project", run.shown());
}

#[test]
fn validate_rayc_files_no_project_reads() {
    let dir = Scratch::project();
    let spec = dir.read("specs/hello.yaml");
    dir.write("drafts/hello.yaml", &spec);
    let run = dir.run(&["validate", "drafts/hello.yaml"]);
    run.assert_code(1);
    insta::assert_snapshot!("validate_spec_not_read", run.shown());
    let outside = Scratch::empty();
    outside.write("hello.yaml", &spec);
    let run = outside.run(&["validate", "hello.yaml"]);
    run.assert_code(1);
    insta::assert_snapshot!("validate_spec_outside_project", run.shown());
    // Overlays are read from the overlay folder.
    let gpu = std::fs::read_to_string(Path::new(REPO).join("overlays/gpu.yaml")).unwrap();
    dir.write(
        "overlays/my-gpu.yaml",
        gpu.replace("name: gpu", "name: my-gpu"),
    );
    dir.run(&["validate", "overlays/my-gpu.yaml"])
        .assert_code(0);
}

// ---------------------------------------------------------------- init

#[test]
fn init_creates_a_project_that_builds_and_refuses_twice() {
    let dir = Scratch::empty();
    let run = dir.run(&["init", ".", "--name", "demo"]);
    run.assert_code(0);
    insta::assert_snapshot!("init", run.shown());
    let files: Vec<PathBuf> = dir.tree(".").into_keys().collect();
    assert_eq!(
        files,
        [
            ".gitignore",
            "rayc.yaml",
            "schemas/rayc-overlay.schema.json",
            "schemas/rayc-project.schema.json",
            "schemas/rayc-spec.schema.json",
            "specs/hello.py",
            "specs/hello.yaml"
        ]
        .map(PathBuf::from)
    );
    let before = dir.tree(".");
    let run = dir.run(&["init", "."]);
    run.assert_code(2);
    insta::assert_snapshot!("init_twice", run.shown());
    assert_eq!(dir.tree("."), before, "the second init changed files");
    dir.run(&["build", "--check"]).assert_code(1);
    dir.run(&["build"]).assert_code(0);
    dir.run(&["validate"]).assert_code(0);
}

#[test]
fn init_refuses_to_overwrite_one_file() {
    let dir = Scratch::empty();
    dir.write("new/rayc.yaml", "mine\n");
    let run = dir.run(&["init", "new"]);
    run.assert_code(2);
    insta::assert_snapshot!("init_over_one_file", run.shown());
    assert_eq!(
        dir.tree("new").len(),
        1,
        "init wrote files beside rayc.yaml"
    );
}

#[test]
fn init_names_the_project_after_its_folder() {
    let dir = Scratch::empty();
    let run = dir.run(&["init", "My Project"]);
    run.assert_code(0);
    assert!(
        dir.read("My Project/rayc.yaml")
            .contains("\nname: my-project\n")
    );
}

#[test]
fn init_over_a_file_is_an_io_error() {
    let dir = Scratch::empty();
    dir.write("taken", "a file\n");
    let run = dir.run(&["init", "taken"]);
    run.assert_code(2);
    assert!(
        run.stderr.starts_with("error: writing taken/"),
        "{}",
        run.shown()
    );
    assert_eq!(dir.read("taken"), "a file\n");
}

// ---------------------------------------------------------------- schema

#[test]
fn committed_schemas_are_current() {
    let run = rayc(Path::new(REPO), &["schema", "--out", "schemas", "--check"]);
    assert_eq!(
        run.code,
        0,
        "schemas/ is stale: run `cargo run -- schema --out schemas` and commit\n{}",
        run.shown()
    );
}

#[test]
fn schema_prints_and_checks() {
    let dir = Scratch::empty();
    for (kind, file) in [
        ("spec", "rayc-spec.schema.json"),
        ("project", "rayc-project.schema.json"),
        ("overlay", "rayc-overlay.schema.json"),
    ] {
        let run = dir.run(&["schema", kind]);
        run.assert_code(0);
        let committed =
            std::fs::read_to_string(Path::new(REPO).join("schemas").join(file)).unwrap();
        assert_eq!(run.stdout, committed, "{kind}");
        let schema: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
        assert!(jsonschema::validator_for(&schema).is_ok(), "{kind}");
    }
    assert_eq!(
        dir.run(&["schema"]).stdout,
        dir.run(&["schema", "spec"]).stdout
    );

    let run = dir.run(&["schema", "--out", "out", "--check"]);
    run.assert_code(1);
    insta::assert_snapshot!("schema_check_missing", run.shown());
    dir.run(&["schema", "--out", "out"]).assert_code(0);
    dir.run(&["schema", "--out", "out", "--check"])
        .assert_code(0);
    dir.edit("out/rayc-spec.schema.json", "{", "{ ");
    let run = dir.run(&["schema", "--out", "out", "--check"]);
    run.assert_code(1);
    insta::assert_snapshot!("schema_check_stale", run.shown());
    dir.write("blocked", "a file\n");
    let run = dir.run(&["schema", "--out", "blocked"]);
    run.assert_code(2);
    assert!(
        run.stderr.starts_with("error: writing blocked/"),
        "{}",
        run.shown()
    );
}

// ---------------------------------------------------------------- overlays

#[test]
fn overlays_list_explain_and_unknown() {
    let dir = Scratch::empty();
    let run = dir.run(&["overlays"]);
    run.assert_code(0);
    insta::assert_snapshot!("overlays_list", run.shown());
    let run = dir.run(&["overlays", "gpu"]);
    run.assert_code(0);
    insta::assert_snapshot!("overlays_gpu", run.shown());
    let run = dir.run(&["overlays", "gpus"]);
    run.assert_code(1);
    insta::assert_snapshot!("overlays_unknown", run.shown());
    // In a project whose rayc.yaml is broken.
    let project = Scratch::project();
    project.edit("rayc.yaml", "output: rendered", "ouptut: rendered");
    let run = project.run(&["overlays"]);
    run.assert_code(1);
    assert!(run.stderr.contains("error[RAY101]"), "{}", run.shown());
}

// ---------------------------------------------------------------- colour

#[test]
fn no_color_means_no_escape_sequences() {
    let dir = Scratch::project();
    dir.edit("specs/hello.yaml", "      replicas: 1", "      replica: 1");
    let forced = [("CLICOLOR_FORCE", "1")];
    let forced_off = [("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")];
    let build = |envs: &[(&str, &str)]| {
        Rayc::new(dir.path(), &["build"])
            .env_remove("NO_COLOR")
            .envs(envs)
            .run()
            .stderr
    };
    let validate = |envs: &[(&str, &str)]| {
        Rayc::new(dir.path(), &["validate", "specs/hello.yaml"])
            .env_remove("NO_COLOR")
            .envs(envs)
            .run()
            .stdout
    };
    // The test can fail: forced colour does print escapes.
    assert!(build(&forced).contains('\x1b'));
    assert!(validate(&forced).contains('\x1b'));
    for text in [build(&forced_off), validate(&forced_off)] {
        assert!(!text.contains('\x1b'), "{text:?}");
        assert!(text.contains("error[RAY101]"));
    }
    // Not a terminal, nothing forced: plain.
    let plain = Rayc::new(dir.path(), &["build"])
        .env_remove("NO_COLOR")
        .envs(&[("NO_COLOR", "")])
        .run();
    assert!(!plain.stderr.contains('\x1b'), "{:?}", plain.stderr);
}

// ---------------------------------------------------------------- output streams

/// rayc with stdout sent to `/dev/full`, where every write fails.
fn rayc_to_full_disk(dir: &Path, args: &[&str]) -> Option<Run> {
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .ok()?;
    let out = Rayc::new(dir, args)
        .command()
        .stdout(full)
        .output()
        .unwrap();
    Some(Run {
        code: out.status.code().unwrap(),
        stdout: String::new(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    })
}

#[test]
fn failing_stdout_is_an_io_error() {
    let dir = Scratch::project();
    for args in [
        &["build", "--stdout"][..],
        &["validate", "specs/hello.yaml"][..],
    ] {
        let Some(run) = rayc_to_full_disk(dir.path(), args) else {
            eprintln!("SKIPPED: no /dev/full on this system");
            return;
        };
        run.assert_code(2);
        assert!(
            run.stderr.starts_with("error: writing to stdout: "),
            "{args:?}: {}",
            run.shown()
        );
    }
}

#[test]
fn closed_stdout_is_not_an_error() {
    // `rayc build --stdout | head -0`: the reader is gone before rayc writes.
    let dir = Scratch::project();
    for args in [
        &["build", "--stdout"][..],
        &["validate", "specs/hello.yaml"][..],
    ] {
        let mut child = Rayc::new(dir.path(), args)
            .command()
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            out.stderr.is_empty(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn check_onto_a_file_is_an_io_error() {
    let dir = Scratch::project();
    dir.write("occupied", "not a folder\n");
    let run = dir.run(&["build", "--check", "--out", "occupied"]);
    run.assert_code(2);
    assert!(run.stderr.starts_with("error: "), "{}", run.shown());
}

#[test]
fn validate_a_file_too_large_to_read() {
    let dir = Scratch::empty();
    let file = std::fs::File::create(dir.path().join("huge.yaml")).unwrap();
    // Sparse: no disk space used.
    file.set_len(16 * 1024 * 1024 + 1).unwrap();
    let run = dir.run(&["validate", "huge.yaml"]);
    run.assert_code(1);
    insta::assert_snapshot!("validate_too_large", run.shown());
}

#[test]
fn validate_follows_the_operator_of_the_target_version() {
    let dir = Scratch::empty();
    dir.write(
        "job.yaml",
        "apiVersion: ray.io/v1\nkind: RayJob\nmetadata: {name: j}\nspec:\n  entrypoint: python train.py\n  ttlSecondsAfterFinished: 300\n  clusterSelector: {ray.io/cluster: shared}\n",
    );
    // KubeRay v1.3 ignores the TTL; v1.4 refuses the job.
    let run = dir.run(&["validate", "job.yaml", "--kuberay-version", "v1.3"]);
    run.assert_code(0);
    assert!(
        run.stdout.contains("warning[RAY904]")
            && run.stdout.contains("KubeRay v1.3 ignores the TTL"),
        "{}",
        run.shown()
    );
    let run = dir.run(&["validate", "job.yaml", "--kuberay-version", "v1.4"]);
    run.assert_code(1);
    assert!(
        run.stdout.contains("error[RAY904]") && run.stdout.contains("the operator rejects"),
        "{}",
        run.shown()
    );

    // The operator reads autoscalerOptions.version only, never RAY_enable_autoscaler_v2.
    dir.write(
        "cluster.yaml",
        "apiVersion: ray.io/v1\nkind: RayCluster\nmetadata: {name: c}\nspec:\n  rayVersion: \"2.52.0\"\n  enableInTreeAutoscaling: true\n  headGroupSpec:\n    rayStartParams: {}\n    template:\n      spec:\n        restartPolicy: Always\n        containers:\n          - name: ray-head\n            image: rayproject/ray:2.52.0\n            env:\n              - {name: RAY_enable_autoscaler_v2, value: \"1\"}\n",
    );
    let run = dir.run(&["validate", "cluster.yaml"]);
    assert!(!run.stdout.contains("RAY704"), "{}", run.shown());

    // A K8sJobMode submitter that carries its own command needs no entrypoint.
    dir.write(
        "light.yaml",
        "apiVersion: ray.io/v1\nkind: RayJob\nmetadata: {name: light}\nspec:\n  rayClusterSpec:\n    rayVersion: \"2.52.0\"\n    headGroupSpec:\n      rayStartParams: {}\n      template:\n        spec:\n          containers:\n            - name: ray-head\n              image: rayproject/ray:2.52.0\n  submitterPodTemplate:\n    spec:\n      restartPolicy: Never\n      containers:\n        - name: submitter\n          image: kuberay/submitter:nightly\n          command: [\"/submitter\", \"--\", \"python\", \"/home/ray/samples/sample_code.py\"]\n",
    );
    let run = dir.run(&["validate", "light.yaml"]);
    assert!(!run.stdout.contains("RAY906"), "{}", run.shown());
    run.assert_code(0);
}

#[test]
fn validate_reports_one_finding_per_token() {
    let dir = Scratch::empty();
    dir.write(
        "cluster.yaml",
        "apiVersion: ray.io/v1\nkind: RayCluster\nmetadata: {name: c}\nspec:\n  rayVersion: \"2.52.0\"\n  headGroupSpec:\n    rayStartParams:\n      num-gpus: 1\n    template:\n      spec:\n        containers:\n          - name: ray-head\n            image: rayproject/ray:2.52.0\n            resources:\n              limits: {cpu: -1}\n",
    );
    let run = dir.run(&["validate", "cluster.yaml"]);
    run.assert_code(1);
    // The rule's finding (which names the field) replaces the schema's on the same token.
    for (kept, dropped) in [("RAY607", "RAY102"), ("RAY210", "RAY104")] {
        assert!(run.stdout.contains(kept), "{}", run.shown());
        assert!(!run.stdout.contains(dropped), "{}", run.shown());
    }
}

/// A key with dots prints one way wherever a path is shown: the schema
/// error and the rule on `nvidia.com/gpu: -1` are twins (one finding
/// stays), and its path brackets the key.
#[test]
fn a_dotted_key_prints_one_way_in_schema_errors_and_rules() {
    let dir = Scratch::empty();
    dir.write(
        "cluster.yaml",
        "apiVersion: ray.io/v1\nkind: RayCluster\nmetadata: {name: c}\nspec:\n  rayVersion: \"2.52.0\"\n  headGroupSpec:\n    rayStartParams: {}\n    template:\n      spec:\n        containers:\n          - name: ray-head\n            image: rayproject/ray:2.52.0\n            resources:\n              limits: {nvidia.com/gpu: -1}\n",
    );
    let run = dir.run(&["validate", "cluster.yaml", "--format", "json"]);
    run.assert_code(1);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let findings = report["resources"][0]["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "{}", run.shown());
    assert_eq!(findings[0]["code"], "RAY210");
    assert_eq!(
        findings[0]["path"],
        r#"spec.headGroupSpec.template.spec.containers[0].resources.limits["nvidia.com/gpu"]"#
    );
}

#[test]
fn validate_reports_a_block_newer_than_the_target_once() {
    let dir = Scratch::empty();
    dir.write(
        "cluster.yaml",
        "apiVersion: ray.io/v1\nkind: RayCluster\nmetadata: {name: c}\nspec:\n  rayVersion: \"2.52.0\"\n  gcsFaultToleranceOptions:\n    redisAddress: \"redis:6379\"\n    redisPassword: {value: p}\n  headGroupSpec:\n    rayStartParams: {}\n    template:\n      spec:\n        containers:\n          - name: ray-head\n            image: rayproject/ray:2.52.0\n",
    );
    let run = dir.run(&["validate", "--kuberay-version", "v1.2", "cluster.yaml"]);
    run.assert_code(1);
    assert_eq!(
        run.stdout.matches("error[RAY106]").count(),
        1,
        "{}",
        run.shown()
    );
    assert!(
        run.stdout
            .contains("cluster.yaml:6:3: error[RAY106]: field `gcsFaultToleranceOptions`"),
        "{}",
        run.shown()
    );
}
