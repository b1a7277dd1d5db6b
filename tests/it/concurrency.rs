//! rayc under parallel runs, as pre-commit makes them (requirement 34):
//! 8 `rayc validate` processes on disjoint files and 4 `rayc build`
//! processes on the same project, all at once. Each must give exactly what
//! it gives alone, and the output folder must end up whole and current.

use crate::support::run::Rayc;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};

const JOBS: usize = 8;
const BUILDS: usize = 4;
const ROUNDS: usize = 3;

fn rayc(dir: &Path, args: &[&str]) -> Command {
    let mut cmd = Rayc::new(dir, args).command();
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    cmd
}

fn run(dir: &Path, args: &[&str]) -> Output {
    rayc(dir, args).output().unwrap()
}

/// What a run shows the user: exit code and both streams.
fn seen(out: &Output) -> String {
    format!(
        "exit {:?}\n{}{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let rel = e.path().strip_prefix(dir).unwrap().display().to_string();
            (rel, std::fs::read(e.path()).unwrap())
        })
        .collect()
}

/// A project with 8 jobs, and beside it 8 plain KubeRay manifests (a copy
/// of each job's rendered RayJob), every odd one with a misspelt field.
fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    assert!(run(root, &["init", "."]).status.success());
    let spec = std::fs::read_to_string(root.join("specs/hello.yaml")).unwrap();
    std::fs::remove_file(root.join("specs/hello.yaml")).unwrap();
    for i in 0..JOBS {
        let text = spec
            .replace("name: hello", &format!("name: job-{i}"))
            .replace("replicas: 1", &format!("replicas: {}", i + 1));
        std::fs::write(root.join(format!("specs/job-{i}.yaml")), text).unwrap();
    }
    let built = run(root, &["build"]);
    assert!(built.status.success(), "{}", seen(&built));
    std::fs::create_dir(root.join("manifests")).unwrap();
    for i in 0..JOBS {
        let mut text =
            std::fs::read_to_string(root.join(format!("rendered/rayjob-job-{i}.yaml"))).unwrap();
        if i % 2 == 1 {
            text = text.replacen("      replicas:", "      replica:", 1);
        }
        std::fs::write(root.join(format!("manifests/job-{i}.yaml")), text).unwrap();
    }
    dir
}

fn validate_args(i: usize) -> Vec<String> {
    vec![
        "validate".to_owned(),
        format!("specs/job-{i}.yaml"),
        format!("manifests/job-{i}.yaml"),
    ]
}

fn spawn(dir: &Path, args: &[String]) -> Child {
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    rayc(dir, &args).spawn().unwrap()
}

#[test]
fn parallel_validations_and_builds_give_what_serial_runs_give() {
    let dir = project();
    let root = dir.path();

    // What each run gives alone.
    let expected_validate: Vec<String> = (0..JOBS)
        .map(|i| {
            let args = validate_args(i);
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            seen(&run(root, &args))
        })
        .collect();
    for (i, out) in expected_validate.iter().enumerate() {
        if i % 2 == 1 {
            assert!(out.starts_with("exit Some(1)"), "{out}");
            assert!(
                out.contains(&format!("manifests/job-{i}.yaml:")) && out.contains("error[RAY101]"),
                "{out}"
            );
        } else {
            assert!(out.starts_with("exit Some(0)"), "{out}");
        }
    }
    let expected_tree = tree(&root.join("rendered"));
    assert_eq!(
        expected_tree.len(),
        2 * JOBS + 2, // and kustomization.yaml and the .rayc-output marker
        "{:?}",
        expected_tree.keys()
    );
    let root_entries = |root: &Path| -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(root)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    };
    let expected_entries = root_entries(root);

    for round in 0..ROUNDS {
        // Start stale: another replica count for one job, and a job removed.
        let spec0 = root.join("specs/job-0.yaml");
        let original = std::fs::read_to_string(&spec0).unwrap();
        std::fs::write(&spec0, original.replace("replicas: 1", "replicas: 5")).unwrap();
        let spec7 = root.join("specs/job-7.yaml");
        let removed = std::fs::read_to_string(&spec7).unwrap();
        std::fs::remove_file(&spec7).unwrap();
        assert!(run(root, &["build"]).status.success());
        std::fs::write(&spec0, original).unwrap();
        std::fs::write(&spec7, removed).unwrap();
        assert_eq!(run(root, &["build", "--check"]).status.code(), Some(1));

        let mut children: Vec<(String, Child)> = Vec::new();
        for i in 0..JOBS {
            children.push((format!("validate {i}"), spawn(root, &validate_args(i))));
            if i < BUILDS {
                children.push((format!("build {i}"), spawn(root, &["build".to_owned()])));
            }
        }
        for (name, child) in children {
            let out = child.wait_with_output().unwrap();
            let got = seen(&out);
            match name.strip_prefix("validate ") {
                Some(i) => {
                    let i: usize = i.parse().unwrap();
                    assert_eq!(got, expected_validate[i], "round {round}, {name}");
                }
                None => assert!(
                    out.status.success() && out.stdout.is_empty(),
                    "round {round}, {name}: {got}"
                ),
            }
        }

        assert_eq!(
            tree(&root.join("rendered")),
            expected_tree,
            "round {round}: the output folder differs from a serial build"
        );
        assert_eq!(
            root_entries(root),
            expected_entries,
            "round {round}: leftovers beside the output folder"
        );
        let check = run(root, &["build", "--check"]);
        assert!(check.status.success(), "round {round}: {}", seen(&check));
    }
}

#[test]
fn checks_racing_builds_see_the_old_folder_or_the_new_one() {
    let dir = project();
    let root = dir.path();
    // Stale: job-0 built with 5 replicas, then set back to 1.
    let spec0 = root.join("specs/job-0.yaml");
    let original = std::fs::read_to_string(&spec0).unwrap();
    std::fs::write(&spec0, original.replace("replicas: 1", "replicas: 5")).unwrap();
    assert!(run(root, &["build"]).status.success());
    std::fs::write(&spec0, original).unwrap();
    let stale = run(root, &["build", "--check"]);
    assert_eq!(stale.status.code(), Some(1), "{}", seen(&stale));
    assert!(!stale.stdout.is_empty());

    // A check must never see a half-swapped folder: it sees the stale one
    // (the same diff as before) or the rebuilt one (no diff).
    let mut children: Vec<(bool, Child)> = Vec::new();
    for _ in 0..BUILDS {
        children.push((
            false,
            spawn(root, &["build".to_owned(), "--check".to_owned()]),
        ));
        children.push((true, spawn(root, &["build".to_owned()])));
        children.push((
            false,
            spawn(root, &["build".to_owned(), "--check".to_owned()]),
        ));
    }
    for (is_build, child) in children {
        let out = child.wait_with_output().unwrap();
        if is_build {
            assert!(out.status.success(), "build: {}", seen(&out));
            continue;
        }
        match out.status.code() {
            Some(0) => assert!(out.stdout.is_empty(), "{}", seen(&out)),
            Some(1) => assert_eq!(out.stdout, stale.stdout, "{}", seen(&out)),
            _ => panic!("check: {}", seen(&out)),
        }
    }
    assert!(run(root, &["build", "--check"]).status.success());
}
