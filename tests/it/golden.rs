//! Golden files: every project under `examples/` renders to exactly the files
//! under `golden/<example>/`, byte for byte: what `rayc build --out DIR` writes
//! (one folder per environment when the project has environments, each with its
//! `kustomization.yaml`).
//!
//! After an intended change to the output, re-bless and review the diff:
//!
//! ```text
//! RAYC_BLESS=1 cargo test --test it golden::
//! git diff golden/
//! ```
//!
//! Blessing rewrites `golden/<example>/` for every example and removes golden
//! folders of examples that no longer exist. The other tests here hold the
//! output to its promises: the same bytes on every run and whatever the names
//! and order of the spec files; the real binary writes the golden files and
//! its `--check` tells a current folder from a stale one; no example trips a
//! semantic rule's error; and `kubectl kustomize` builds every environment
//! folder as is (skipped, loudly, without kubectl on PATH).

use crate::support::examples;
use crate::support::tools;
use tools::kubectl_available;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::run::{Rayc, Run};
use examples::*;
use rayc::diag::Severity;
use std::ffi::OsStr;

fn golden_dir() -> PathBuf {
    repo_root().join("golden")
}

fn blessing() -> bool {
    std::env::var_os("RAYC_BLESS").is_some_and(|v| v != "0" && !v.is_empty())
}

fn write_tree(dir: &Path, files: &BTreeMap<String, String>) {
    if dir.exists() {
        std::fs::remove_dir_all(dir).unwrap();
    }
    for (path, contents) in files {
        let target = dir.join(path);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::write(target, contents).unwrap();
    }
}

/// What differs between two file trees, as unified diffs.
fn tree_diff(expected: &BTreeMap<String, String>, actual: &BTreeMap<String, String>) -> String {
    let mut out = String::new();
    for path in expected
        .keys()
        .chain(actual.keys())
        .collect::<std::collections::BTreeSet<_>>()
    {
        let old = expected.get(path).map_or("", String::as_str);
        let new = actual.get(path).map_or("", String::as_str);
        if expected.get(path) != actual.get(path) {
            out.push_str(&diff(
                old,
                new,
                &format!("golden/{path}"),
                &format!("built/{path}"),
            ));
            if !expected.contains_key(path) {
                out.push_str(&format!("(new file {path})\n"));
            }
            if !actual.contains_key(path) {
                out.push_str(&format!("(file {path} is no longer built)\n"));
            }
        }
    }
    out
}

#[test]
fn every_example_matches_its_golden_files() {
    let examples = example_dirs();
    assert!(
        examples.len() >= 10,
        "expected the six tutorial examples and at least four more, found {}",
        examples.len()
    );
    let mut failures = Vec::new();
    for (name, dir) in &examples {
        let built = build_files(dir);
        let golden = golden_dir().join(name);
        if blessing() {
            write_tree(&golden, &built);
            continue;
        }
        let expected = read_tree(&golden);
        if expected != built {
            failures.push(format!("== {name}\n{}", tree_diff(&expected, &built)));
        }
    }
    // Golden folders of examples that are gone.
    let names: Vec<&str> = examples.iter().map(|(n, _)| n.as_str()).collect();
    for entry in std::fs::read_dir(golden_dir()).unwrap() {
        let path = entry.unwrap().path();
        let stem = path.file_name().unwrap().to_string_lossy().into_owned();
        if path.is_dir() && !names.contains(&stem.as_str()) {
            if blessing() {
                std::fs::remove_dir_all(&path).unwrap();
            } else {
                failures.push(format!("golden/{stem} has no example examples/{stem}"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "output differs from golden/ (if the change is intended: RAYC_BLESS=1 cargo test --test it golden::, then review git diff golden/):\n{}",
        failures.join("\n")
    );
}

#[test]
fn every_example_passes_the_semantic_rules() {
    let mut failures = Vec::new();
    for (name, dir) in example_dirs() {
        let findings = rule_findings(&compile_ok(&dir));
        let errors: Vec<_> = findings
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .cloned()
            .collect();
        assert!(errors.is_empty(), "{name}:\n{}", describe(&errors));
        // Warnings are allowed only where an example reproduces a tutorial
        // defect on purpose (docs/tutorial-equivalence.md says which).
        let expected: &[&str] = match name.as_str() {
            // The unpinned clone of the tutorial.
            "tutorial-git" => &["RAY962"],
            // The tutorial's GPU workers run ray-ml, the head plain ray.
            "tutorial-gpu" => &["RAY505"],
            _ => &[],
        };
        if warning_codes(&findings) != expected {
            failures.push(format!(
                "{name}: expected warnings {expected:?}, got:\n{}",
                describe(&findings)
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Copies a project and moves every spec file to `shuffled/`, renamed so
/// that sorting the new names reverses the original order; the folders with
/// specs move whole (code files stay beside their spec).
fn shuffled_copy(from: &Path, to: &Path) {
    copy_project(from, to);
    let mut spec_dirs: Vec<PathBuf> = Vec::new();
    let mut specs: Vec<PathBuf> = Vec::new();
    for entry in walkdir::WalkDir::new(to).sort_by_file_name() {
        let path = entry.unwrap().into_path();
        let rel = path.strip_prefix(to).unwrap().to_path_buf();
        let is_yaml = path.extension().is_some_and(|e| e == "yaml" || e == "yml");
        if !is_yaml || rel == Path::new("rayc.yaml") || rel.starts_with("overlays") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        if text.contains("apiVersion: rayc.dev/") && !text.contains("kind: Overlay") {
            let dir = rel.parent().unwrap().to_path_buf();
            assert!(
                !spec_dirs.iter().any(|d| dir.starts_with(d) && dir != *d),
                "nested spec folders are not supported here"
            );
            if !spec_dirs.contains(&dir) {
                spec_dirs.push(dir);
            }
            specs.push(rel);
        }
    }
    assert!(!specs.is_empty(), "{}: no spec files", from.display());
    let shuffled = to.join("shuffled");
    std::fs::create_dir(&shuffled).unwrap();
    let n = spec_dirs.len();
    for (i, dir) in spec_dirs.iter().enumerate() {
        let new_dir = shuffled.join(format!("d{}", n - 1 - i));
        let in_dir: Vec<&PathBuf> = specs.iter().filter(|s| s.parent() == Some(dir)).collect();
        let m = in_dir.len();
        for (j, spec) in in_dir.into_iter().enumerate() {
            let renamed = dir.join(format!("s{}.yaml.tmp", m - 1 - j));
            std::fs::rename(to.join(spec), to.join(&renamed)).unwrap();
        }
        for j in 0..m {
            let tmp = to.join(dir).join(format!("s{j}.yaml.tmp"));
            std::fs::rename(&tmp, tmp.with_extension("")).unwrap();
        }
        std::fs::rename(to.join(dir), &new_dir).unwrap();
    }
    let project = std::fs::read_to_string(to.join("rayc.yaml")).unwrap();
    let mut rewritten = String::new();
    let mut replaced = false;
    for line in project.lines() {
        if line.starts_with("specs:") {
            rewritten.push_str("specs: [\"shuffled/**/*.yaml\"]\n");
            replaced = true;
        } else {
            rewritten.push_str(line);
            rewritten.push('\n');
        }
    }
    assert!(
        replaced,
        "{}: rayc.yaml has no one-line `specs:`",
        from.display()
    );
    std::fs::write(to.join("rayc.yaml"), rewritten).unwrap();
}

#[test]
fn output_does_not_depend_on_the_run_or_on_spec_file_names_and_order() {
    for (name, dir) in example_dirs() {
        let first = build_files(&dir);
        let second = build_files(&dir);
        assert!(
            first == second,
            "{name}: two builds differ:\n{}",
            tree_diff(&first, &second)
        );

        let tmp = tempfile::tempdir().unwrap();
        shuffled_copy(&dir, tmp.path());
        assert!(
            !tmp.path().join("specs").exists() && tmp.path().join("shuffled").is_dir(),
            "{name}: the specs did not move"
        );
        let shuffled = build_files(tmp.path());
        assert!(
            first == shuffled,
            "{name}: renaming and reordering the spec files changed the output:\n{}",
            tree_diff(&first, &shuffled)
        );
    }
}

#[test]
fn the_shuffled_copy_really_reorders_the_files() {
    let tmp = tempfile::tempdir().unwrap();
    shuffled_copy(&repo_root().join("examples/gitops-monorepo"), tmp.path());
    let files: Vec<String> = read_tree(&tmp.path().join("shuffled"))
        .into_keys()
        .filter(|p| p.ends_with(".yaml"))
        .collect();
    // Original order: batch/{backfill,embed-docs}, interactive, serving, training/{evaluate-nightly,train-resnet}.
    let first = std::fs::read_to_string(tmp.path().join("shuffled").join(&files[0])).unwrap();
    let last =
        std::fs::read_to_string(tmp.path().join("shuffled").join(files.last().unwrap())).unwrap();
    assert!(first.contains("name: train-resnet"), "{files:?}");
    assert!(last.contains("name: backfill-features"), "{files:?}");
}

const CLI_EXAMPLE: &str = "tutorial-pvc";

/// `rayc build -C PROJECT --out OUT EXTRA…`.
fn build(project: &Path, out: &Path, extra: &[&str]) -> Run {
    let mut args = vec![
        OsStr::new("build"),
        OsStr::new("-C"),
        project.as_os_str(),
        OsStr::new("--out"),
        out.as_os_str(),
    ];
    args.extend(extra.iter().map(OsStr::new));
    Rayc::new(project, &args).run()
}

#[test]
fn the_binary_writes_the_golden_files_and_checks_them() {
    let tmp = tempfile::tempdir().unwrap();
    let project = tmp.path().join("project");
    copy_project(&repo_root().join("examples").join(CLI_EXAMPLE), &project);
    let out = tmp.path().join("out");

    build(&project, &out, &[]).assert_code(0);
    let mut written = read_tree(&out);
    // The folder's marker is rayc's, not part of the golden output.
    assert_eq!(
        written.remove(".rayc-output").as_deref(),
        Some("rayc-output-format: 1\n")
    );
    let golden = read_tree(&golden_dir().join(CLI_EXAMPLE));
    assert!(written == golden, "{}", tree_diff(&golden, &written));

    // A fresh folder is current.
    build(&project, &out, &["--check"]).assert_code(0);

    // After an edit to the spec, it is stale: exit 1 with a diff, nothing written.
    let spec = project.join("specs/rayjob-sample.yaml");
    let text = std::fs::read_to_string(&spec).unwrap();
    assert!(text.contains("ttlSecondsAfterFinished: 300"));
    std::fs::write(
        &spec,
        text.replace(
            "ttlSecondsAfterFinished: 300",
            "ttlSecondsAfterFinished: 900",
        ),
    )
    .unwrap();
    let run = build(&project, &out, &["--check"]);
    run.assert_code(1);
    let stdout = run.stdout;
    assert!(
        stdout.contains("--- a/rayjob-rayjob-sample.yaml"),
        "{stdout}"
    );
    assert!(
        stdout.contains("-  ttlSecondsAfterFinished: 300"),
        "{stdout}"
    );
    assert!(
        stdout.contains("+  ttlSecondsAfterFinished: 900"),
        "{stdout}"
    );
    let mut after = read_tree(&out);
    after.remove(".rayc-output");
    assert_eq!(after, written, "--check wrote to the output folder");
}

#[test]
fn kubectl_kustomize_builds_every_environment_folder() {
    if !kubectl_available() {
        eprintln!(
            "SKIPPED: kubectl not found on PATH; `kubectl kustomize` was not run on the examples"
        );
        return;
    }
    for (name, dir) in example_dirs() {
        let compiled = compile_ok(&dir);
        let files = build_files(&dir);
        let tmp = tempfile::tempdir().unwrap();
        for (path, contents) in &files {
            let target = tmp.path().join(path);
            std::fs::create_dir_all(target.parent().unwrap()).unwrap();
            std::fs::write(target, contents).unwrap();
        }
        let folders: Vec<PathBuf> = if compiled.envs.is_empty() {
            vec![tmp.path().to_path_buf()]
        } else {
            compiled.envs.iter().map(|e| tmp.path().join(e)).collect()
        };
        if name == "gitops-monorepo" {
            assert_eq!(compiled.envs, ["dev", "prod", "staging"]);
        }
        for folder in folders {
            let output = Command::new("kubectl")
                .arg("kustomize")
                .arg(&folder)
                .output()
                .unwrap();
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert!(
                output.status.success(),
                "{name}: kubectl kustomize {}: {stderr}",
                folder.display()
            );
            let stream = String::from_utf8_lossy(&output.stdout);
            let objects = stream.lines().filter(|l| l.starts_with("kind: ")).count();
            let env = folder
                .strip_prefix(tmp.path())
                .unwrap()
                .to_string_lossy()
                .into_owned();
            let expected = compiled
                .objects
                .iter()
                .filter(|o| o.env.as_deref().unwrap_or("") == env)
                .count();
            assert_eq!(
                objects, expected,
                "{name} {env}: kustomize lost or added objects:\n{stream}"
            );
        }
    }
}

#[test]
fn the_monorepo_covers_every_kind_environment_and_overlay() {
    let compiled = compile_ok(&repo_root().join("examples/gitops-monorepo"));
    assert_eq!(compiled.envs, ["dev", "prod", "staging"]);
    let prod: Vec<&serde_json::Value> = compiled
        .objects
        .iter()
        .filter(|o| o.env.as_deref() == Some("prod"))
        .map(|o| &o.object)
        .collect();
    let count = |kind: &str| prod.iter().filter(|o| o["kind"] == kind).count();
    assert!(count("RayJob") >= 3, "RayJobs");
    assert_eq!(
        (
            count("RayCluster"),
            count("RayService"),
            count("RayCronJob")
        ),
        (1, 1, 1)
    );
    assert!(prod.len() - count("ConfigMap") - count("PersistentVolumeClaim") >= 6);
    let text = serde_json::to_string(&prod).unwrap();
    for needle in [
        "nvidia.com/gpu",                   // gpu
        "persistentVolumeClaim",            // pvc
        "\"enableIngress\":true",           // ingress
        "\"enableInTreeAutoscaling\":true", // autoscaling
        "priorityClassName",                // the team's own overlay
        "example.com/spot",
        "registry.example.com/mirror/", // imageRegistry
        "argocd.argoproj.io/sync-wave", // jsonPatches
        "s3://ml-data-prod",            // vars
        "/mnt/datasets",                // an overlay only prod turns on
    ] {
        assert!(text.contains(needle), "prod lacks {needle}");
    }
    // Dev switches gpu and ingress off.
    let dev: String = compiled
        .objects
        .iter()
        .filter(|o| o.env.as_deref() == Some("dev"))
        .map(|o| serde_json::to_string(&o.object).unwrap())
        .collect();
    assert!(!dev.contains("nvidia.com/gpu") && !dev.contains("enableIngress"));
    assert!(!dev.contains("/mnt/datasets"));
    assert!(dev.contains("\"RAY_BACKEND_LOG_LEVEL\",\"value\":\"debug\""));
}
