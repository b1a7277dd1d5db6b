//! The command line as CI and monorepos use it (issue 10), on the real binary:
//! paths relative to where rayc was started, `rayc validate -` (stdin), a
//! kustomization given as is, counts that include valid objects, where
//! `build` writes its report, `rayc init DIR`, and YAML syntax errors.
//! Bless with `INSTA_UPDATE=always cargo test --test it cli_usage::` and read the diff.

use crate::support::run::{Rayc, rayc};
use std::path::Path;

/// A monorepo: the rayc project lives in `ray/`.
fn monorepo() -> tempfile::TempDir {
    let repo = tempfile::tempdir().unwrap();
    rayc(repo.path(), &["init", "ray", "--name", "demo"]).assert_code(0);
    repo
}

fn edit(path: &Path, from: &str, to: &str) {
    let old = std::fs::read_to_string(path).unwrap();
    assert!(old.contains(from), "{} lacks {from:?}", path.display());
    std::fs::write(path, old.replacen(from, to, 1)).unwrap();
}

const CLUSTER: &str = "\
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
      replicas: 2
      rayStartParams: {}
      template:
        spec:
          containers:
            - name: ray-worker
              image: rayproject/ray:2.41.0
";

// ------------------------------------------------- item 1: paths from the start folder

#[test]
fn findings_name_files_from_where_rayc_started_not_from_dash_c() {
    let repo = monorepo();
    let root = repo.path();
    edit(
        &root.join("ray/specs/hello.yaml"),
        "      replicas: 1",
        "      replica: 1",
    );
    let run = rayc(root, &["build", "-C", "ray", "--format", "github"]);
    run.assert_code(1);
    insta::assert_snapshot!("monorepo_github", run.shown());
    // The annotated file exists where GitHub looks: relative to the start folder.
    assert!(
        run.stderr
            .contains("::error file=ray/specs/hello.yaml,line=18,col=7")
    );
    assert!(root.join("ray/specs/hello.yaml").is_file());

    let run = rayc(root, &["validate", "-C", "ray"]);
    run.assert_code(1);
    insta::assert_snapshot!("monorepo_validate_human", run.shown());

    for format in ["json", "sarif", "junit", "tap"] {
        let run = rayc(root, &["validate", "-C", "ray", "--format", format]);
        run.assert_code(1);
        assert!(
            run.stdout.contains("ray/specs/hello.yaml"),
            "{format}: {}",
            run.shown()
        );
    }
    // From below the project, without -C: relative to that folder.
    let run = rayc(&root.join("ray/specs"), &["build"]);
    run.assert_code(1);
    assert!(
        run.stderr.starts_with("hello.yaml:18:7: error[RAY101]"),
        "{}",
        run.shown()
    );
}

#[test]
fn output_folder_messages_name_it_from_the_start_folder() {
    let repo = monorepo();
    let root = repo.path();
    let run = rayc(root, &["build", "-C", "ray", "--check"]);
    run.assert_code(1);
    assert!(
        run.stderr.ends_with(
            "error: ray/rendered is stale\n  = help: run `rayc build` and commit the result\n"
        ),
        "{}",
        run.shown()
    );
    let run = rayc(root, &["build", "-C", "ray"]);
    run.assert_code(0);
    assert_eq!(
        run.stderr,
        "wrote ray/rendered (3 written, 0 removed, 0 unchanged)\n"
    );
    rayc(root, &["build", "-C", "ray", "--check"]).assert_code(0);
}

// ------------------------------------------------- item 2: stdin and kustomizations

#[test]
fn validate_dash_reads_manifests_from_stdin() {
    let dir = tempfile::tempdir().unwrap();
    let run = Rayc::new(dir.path(), &["validate", "-"])
        .stdin(CLUSTER.as_bytes())
        .run();
    run.assert_code(0);
    assert_eq!(
        run.stdout,
        "0 errors, 0 warnings; 1 resource: 1 valid\n",
        "{}",
        run.shown()
    );

    let misspelt = CLUSTER.replace("      replicas: 2", "      replica: 2");
    let run = Rayc::new(dir.path(), &["validate", "-"])
        .stdin(misspelt.as_bytes())
        .run();
    run.assert_code(1);
    insta::assert_snapshot!("stdin_misspelt", run.shown());

    let run = Rayc::new(dir.path(), &["validate", "-", "--format", "json"])
        .stdin(misspelt.as_bytes())
        .run();
    run.assert_code(1);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(json["resources"][0]["filename"], "<stdin>");
    assert_eq!(json["resources"][0]["status"], "invalid");
}

#[test]
fn validate_stdin_is_bounded_like_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let huge = format!("# {}\n", "x".repeat(16 * 1024 * 1024));
    let run = Rayc::new(dir.path(), &["validate", "-"])
        .stdin(huge.as_bytes())
        .run();
    run.assert_code(1);
    assert!(
        run.stdout
            .starts_with("<stdin>:1:1: error[RAY004]: stdin is larger than 16777216 bytes"),
        "{}",
        run.shown()
    );
    let run = Rayc::new(dir.path(), &["validate", "-"])
        .stdin(b"a: \xff\n")
        .run();
    run.assert_code(1);
    assert!(
        run.stdout.contains("stdin is not UTF-8 text"),
        "{}",
        run.shown()
    );
    let run = rayc(dir.path(), &["validate", "-", "-"]);
    run.assert_code(2);
    assert_eq!(
        run.stderr,
        "error: - (stdin) given twice\n  = help: name it once\n"
    );
}

#[test]
fn a_kustomization_given_to_validate_says_how_to_render_it() {
    let repo = monorepo();
    let root = repo.path();
    rayc(root, &["build", "-C", "ray"]).assert_code(0);
    let overlay = "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - ../../ray/rendered\n";
    std::fs::create_dir_all(root.join("overlays/prod")).unwrap();
    std::fs::write(root.join("overlays/prod/kustomization.yaml"), overlay).unwrap();
    // A warning (exit 0): pre-commit passes every changed YAML file.
    let run = rayc(root, &["validate", "overlays/prod/kustomization.yaml"]);
    run.assert_code(0);
    insta::assert_snapshot!("kustomization_given", run.shown());
    let run = rayc(
        root,
        &["validate", "overlays/prod/kustomization.yaml", "--strict"],
    );
    run.assert_code(1);
    // Piped in as is: the same finding, named <stdin>.
    let run = Rayc::new(root, &["validate", "-"])
        .stdin(overlay.as_bytes())
        .run();
    run.assert_code(0);
    assert!(
        run.stdout.starts_with("<stdin>:1:1: warning[RAY045]"),
        "{}",
        run.shown()
    );
    // rayc's own kustomization lists files beside it, which are checked.
    let run = rayc(
        root,
        &[
            "validate",
            "ray/rendered/kustomization.yaml",
            "ray/rendered/rayjob-hello.yaml",
        ],
    );
    run.assert_code(0);
    assert_eq!(
        run.stdout,
        "0 errors, 0 warnings; 2 resources: 1 valid, 1 skipped\n"
    );
    let run = rayc(root, &["validate", "ray/rendered"]);
    run.assert_code(0);
    assert_eq!(
        run.stdout,
        "0 errors, 0 warnings; 3 resources: 2 valid, 1 skipped\n"
    );
}

// ------------------------------------------------- item 3: counts and where reports go

#[test]
fn every_object_is_counted_valid_ones_included() {
    let repo = monorepo();
    let ray = repo.path().join("ray");
    let run = rayc(&ray, &["validate"]);
    run.assert_code(0);
    assert_eq!(run.stdout, "0 errors, 0 warnings; 2 resources: 2 valid\n");
    let run = rayc(&ray, &["validate", "--format", "json"]);
    run.assert_code(0);
    insta::assert_snapshot!("project_clean_json", run.stdout);
    // A spec named on the command line counts its objects too.
    let run = rayc(&ray, &["validate", "specs/hello.yaml", "--format", "tap"]);
    run.assert_code(0);
    insta::assert_snapshot!("spec_clean_tap", run.stdout);
}

#[test]
fn build_writes_a_machine_report_to_stdout_unless_it_holds_manifests() {
    let repo = monorepo();
    let ray = repo.path().join("ray");
    let run = rayc(&ray, &["build", "--format", "json"]);
    run.assert_code(0);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(json["summary"]["valid"], 2, "{}", run.stdout);
    assert_eq!(
        run.stderr,
        "wrote rendered (3 written, 0 removed, 0 unchanged)\n"
    );

    let run = rayc(&ray, &["build", "--stdout", "--format", "json"]);
    run.assert_code(0);
    assert!(run.stdout.contains("\nkind: RayJob\n"), "{}", run.shown());
    let json: serde_json::Value = serde_json::from_str(&run.stderr).unwrap();
    assert_eq!(json["summary"]["valid"], 2, "{}", run.stderr);

    // --check: the diff goes to stderr, so stdout stays one JSON document.
    edit(&ray.join("specs/hello.yaml"), "replicas: 1", "replicas: 2");
    let run = rayc(&ray, &["build", "--check", "--format", "json"]);
    run.assert_code(1);
    serde_json::from_str::<serde_json::Value>(&run.stdout).unwrap();
    assert!(
        run.stderr
            .contains("-      replicas: 1\n+      replicas: 2\n"),
        "{}",
        run.shown()
    );
    assert!(
        run.stderr.ends_with(
            "error: rendered is stale\n  = help: run `rayc build` and commit the result\n"
        )
    );
}

// ------------------------------------------------- item 4: rayc init DIR

#[test]
fn init_names_the_project_after_a_new_folder_and_lists_its_files() {
    let dir = tempfile::tempdir().unwrap();
    let run = rayc(dir.path(), &["init", "Team Ray.v2"]);
    run.assert_code(0);
    insta::assert_snapshot!("init_new_folder", run.shown());
    let project = std::fs::read_to_string(dir.path().join("Team Ray.v2/rayc.yaml")).unwrap();
    assert!(project.contains("\nname: team-ray-v2\n"), "{project}");
    // Every file listed exists, and nothing else was created.
    let listed: Vec<&str> = run
        .stderr
        .lines()
        .filter_map(|l| l.strip_prefix("  "))
        .collect();
    let mut created: Vec<String> = walkdir::WalkDir::new(dir.path().join("Team Ray.v2"))
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let rel = e
                .path()
                .strip_prefix(dir.path().join("Team Ray.v2"))
                .unwrap();
            rel.to_string_lossy().into_owned()
        })
        .collect();
    created.sort();
    let mut listed_sorted: Vec<String> = listed.iter().map(|s| (*s).to_owned()).collect();
    listed_sorted.sort();
    assert_eq!(listed_sorted, created);

    let run = rayc(&dir.path().join("Team Ray.v2"), &["init", "."]);
    run.assert_code(2);
    let run = rayc(dir.path(), &["init", "9-lives"]);
    run.assert_code(0);
    let project = std::fs::read_to_string(dir.path().join("9-lives/rayc.yaml")).unwrap();
    assert!(project.contains("\nname: 9-lives\n"), "{project}");
}

// ------------------------------------------------- item 7: YAML errors and file names

#[test]
fn a_tab_is_reported_where_it_is_with_the_source() {
    let repo = monorepo();
    let ray = repo.path().join("ray");
    edit(
        &ray.join("specs/hello.yaml"),
        "    - name: cpu\n      replicas: 1",
        "    - name: cpu\n\treplicas: 1",
    );
    let run = rayc(&ray, &["build"]);
    run.assert_code(1);
    insta::assert_snapshot!("tab_in_spec", run.shown());
    assert!(
        run.stderr
            .starts_with("specs/hello.yaml:18:1: error[RAY002]")
    );
}

#[test]
fn deep_nesting_is_refused_in_a_sentence() {
    let dir = tempfile::tempdir().unwrap();
    let deep = format!("a: {}{}\n", "[".repeat(2000), "]".repeat(2000));
    std::fs::write(dir.path().join("deep.yaml"), deep).unwrap();
    let run = rayc(dir.path(), &["validate", "deep.yaml"]);
    run.assert_code(1);
    assert!(
        run.stdout
            .contains("error[RAY004]: the YAML is nested deeper than rayc reads"),
        "{}",
        run.shown()
    );
}

#[test]
fn file_names_that_are_not_utf8_are_read_and_shown_escaped() {
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().unwrap();
    let name = std::ffi::OsStr::from_bytes(b"bad\xff.yaml");
    std::fs::create_dir(dir.path().join("m")).unwrap();
    std::fs::write(dir.path().join("m").join(name), CLUSTER).unwrap();
    let run = rayc(dir.path(), &["validate", "m", "--format", "tap"]);
    run.assert_code(0);
    assert!(
        run.stdout
            .contains("ok 1 - m/bad\\xFF.yaml RayCluster/demo"),
        "{}",
        run.shown()
    );
    let missing = std::ffi::OsStr::from_bytes(b"gone\xfe.yaml");
    let out = Rayc::new(dir.path(), &[std::ffi::OsStr::new("validate"), missing])
        .command()
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "error: gone\\xFE.yaml does not exist\n"
    );
}
