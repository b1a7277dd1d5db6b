//! Hostile output folders (issue #7, items 1–4 and the closed stdout of 13):
//! `--env` touches only its environments, the output folder stays inside the
//! project and is only ever rayc's own, reads of it are bounded, the lock and
//! staging names follow no planted symlink, and a closed stdout ends quietly.
//! Every run is the real binary under the bounded harness (2 CPU s, 256 MiB).
#![cfg(unix)]

use crate::support::bounded;

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::{MetadataExt, symlink};
use std::path::{Path, PathBuf};
use std::process::Stdio;

use crate::support::run::Rayc;
use bounded::{Bounded, Limits};

/// A project made by `rayc init`, in its own temporary folder, with room
/// beside it (`outside()`) for victims of an escape.
struct Project {
    tmp: tempfile::TempDir,
}

impl Project {
    fn new() -> Project {
        let tmp = tempfile::tempdir().unwrap();
        fs::create_dir(tmp.path().join("project")).unwrap();
        fs::create_dir(tmp.path().join("outside")).unwrap();
        let p = Project { tmp };
        let init = p.run(&["init", ".", "--name", "demo"]);
        assert_eq!(init.code, Some(0), "{}", init.shown());
        p
    }

    /// With environments dev, prod and staging.
    fn with_envs() -> Project {
        let p = Project::new();
        p.edit(
            "rayc.yaml",
            "kuberayVersion: v1.7\n",
            "kuberayVersion: v1.7\nenvironments:\n  dev: {namespace: dev}\n  prod: {namespace: prod}\n  staging: {namespace: staging}\n",
        );
        p
    }

    fn root(&self) -> PathBuf {
        self.tmp.path().join("project")
    }

    fn outside(&self) -> PathBuf {
        self.tmp.path().join("outside")
    }

    fn run(&self, args: &[&str]) -> Bounded {
        Rayc::new(&self.root(), args).bounded(Limits::default())
    }

    fn edit(&self, rel: &str, from: &str, to: &str) {
        let path = self.root().join(rel);
        let old = fs::read_to_string(&path).unwrap();
        assert!(old.contains(from), "{rel} lacks {from:?}:\n{old}");
        fs::write(&path, old.replacen(from, to, 1)).unwrap();
    }

    fn set_output(&self, output: &str) {
        self.edit(
            "rayc.yaml",
            "output: rendered",
            &format!("output: {output}"),
        );
    }
}

fn ok(run: &Bounded) {
    assert_eq!(run.code, Some(0), "{}", run.shown());
}

/// Every file below `dir` with its bytes, inode and mtime.
fn tree(dir: &Path) -> BTreeMap<PathBuf, (Vec<u8>, u64, i64, i64)> {
    walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let meta = e.metadata().unwrap();
            let rel = e.path().strip_prefix(dir).unwrap().to_path_buf();
            let bytes = fs::read(e.path()).unwrap();
            (rel, (bytes, meta.ino(), meta.mtime(), meta.mtime_nsec()))
        })
        .collect()
}

// ------------------------------------------------ 1. --env owns only its folders

#[test]
fn env_build_leaves_other_environments_byte_identical() {
    let p = Project::with_envs();
    ok(&p.run(&["build"]));
    let rendered = p.root().join("rendered");
    let prod = tree(&rendered.join("prod"));
    let staging = tree(&rendered.join("staging"));
    assert!(!prod.is_empty() && !staging.is_empty());

    // A change for every environment, built for dev only.
    p.edit("specs/hello.yaml", "replicas: 1", "replicas: 2");
    let run = p.run(&["build", "--env", "dev"]);
    ok(&run);
    assert!(run.stderr.contains(" 0 removed"), "{}", run.shown());
    assert_eq!(tree(&rendered.join("prod")), prod, "prod was touched");
    assert_eq!(tree(&rendered.join("staging")), staging);
    let dev = fs::read_to_string(rendered.join("dev/dev/rayjob-hello.yaml")).unwrap();
    assert!(dev.contains("replicas: 2"), "{dev}");

    // dev is current, prod is not: `--check --env dev` speaks for dev only.
    let check = p.run(&["build", "--check", "--env", "dev"]);
    ok(&check);
    assert_eq!(check.stdout, "", "{}", check.shown());
    let check = p.run(&["build", "--check", "--env", "prod"]);
    assert_eq!(check.code, Some(1), "{}", check.shown());
    assert!(check.stdout.contains("+++ b/prod/prod/rayjob-hello.yaml"));
    assert!(!check.stdout.contains("dev/"), "{}", check.shown());
    let check = p.run(&["build", "--check"]);
    assert_eq!(check.code, Some(1), "{}", check.shown());
    assert!(check.stdout.contains("staging/"), "{}", check.shown());
}

#[test]
fn an_environment_removed_from_rayc_yaml_is_never_pruned_silently() {
    let p = Project::with_envs();
    ok(&p.run(&["build"]));
    let rendered = p.root().join("rendered");
    let before = tree(&rendered);
    p.edit("rayc.yaml", "  staging: {namespace: staging}\n", "");

    for args in [&["build"][..], &["build", "--check"]] {
        let run = p.run(args);
        run.assert_refused();
        assert_eq!(run.code, Some(2), "{}", run.shown());
        assert!(
            run.stderr.contains("error[RAY013]")
                && run.stderr.contains("staging/kustomization.yaml"),
            "{}",
            run.shown()
        );
        assert_eq!(tree(&rendered), before, "{args:?} changed the output");
    }
    // Building the remaining environments by name is fine and leaves staging.
    ok(&p.run(&["build", "--env", "dev", "--env", "prod"]));
    assert!(rendered.join("staging/kustomization.yaml").is_file());
    // Deleting the folder is the user's decision; then the build goes through.
    fs::remove_dir_all(rendered.join("staging")).unwrap();
    ok(&p.run(&["build"]));
    ok(&p.run(&["build", "--check"]));
}

// ------------------------------------------------ 2. the output folder is confined

#[test]
fn output_in_rayc_yaml_must_stay_inside_the_project() {
    let cases = [
        ("../outside/victim", "contains `..`"),
        ("/tmp/rayc-absolute-victim", "absolute path"),
        ("\".\"", "project folder itself"),
        ("specs", "specs is part of the project's input"),
        ("specs/out", "lies inside specs"),
        ("overlays/out", "lies inside overlays"),
        ("escape", "leaves the project folder through a symlink"),
    ];
    for (output, why) in cases {
        let p = Project::new();
        fs::write(p.outside().join("keep.yaml"), "mine\n").unwrap();
        symlink(p.outside(), p.root().join("escape")).unwrap();
        fs::create_dir(p.root().join("overlays")).unwrap();
        p.set_output(output);
        let before_outside = tree(&p.outside());
        let before_root = tree(&p.root());
        for args in [&["build"][..], &["build", "--check"], &["validate"]] {
            let run = p.run(args);
            run.assert_refused();
            // `validate` prints its report on stdout, `build` on stderr.
            let report = format!("{}{}", run.stdout, run.stderr);
            assert!(
                report.contains("rayc.yaml:6:9: error[RAY010]") && report.contains(why),
                "{output} {args:?}: {}",
                run.shown()
            );
            if args[0] == "build" {
                run.assert_located("rayc.yaml", "RAY010");
            }
        }
        assert_eq!(tree(&p.outside()), before_outside, "{output}");
        assert_eq!(tree(&p.root()), before_root, "{output}");
        assert!(!Path::new("/tmp/rayc-absolute-victim").exists());
    }
}

#[test]
fn out_flag_may_leave_the_project_but_never_replace_it() {
    let p = Project::new();
    symlink("/", p.outside().join("to-root")).unwrap();
    let before = tree(&p.root());
    let parent = p.tmp.path().to_str().unwrap().to_owned();
    for (out, why) in [
        (".", "project folder itself"),
        ("..", "holds the project"),
        (parent.as_str(), "holds the project"),
        ("../outside/to-root", "holds the project"),
        ("specs", "specs is part of the project's input"),
        ("specs/hello.yaml", "part of the project's input"),
    ] {
        let run = p.run(&["build", "--out", out]);
        run.assert_refused();
        assert_eq!(run.code, Some(2), "{}", run.shown());
        assert!(
            run.stderr.contains("error[RAY010]: --out") && run.stderr.contains(why),
            "{out}: {}",
            run.shown()
        );
        assert_eq!(tree(&p.root()), before, "{out}");
    }
    // Outside the project is the operator's choice.
    let elsewhere = p.outside().join("rendered");
    let out = elsewhere.to_str().unwrap();
    ok(&p.run(&["build", "--out", out]));
    ok(&p.run(&["build", "--out", out, "--check"]));
    assert_eq!(
        fs::read_to_string(elsewhere.join(".rayc-output")).unwrap(),
        "rayc-output-format: 1\n"
    );
}

#[test]
fn a_folder_rayc_did_not_create_is_never_swapped() {
    let p = Project::new();
    let victim = p.outside().join("victim");
    fs::create_dir_all(victim.join("sub")).unwrap();
    fs::write(victim.join("notes.txt"), "mine\n").unwrap();
    // Even a file with rayc's line is not enough: the folder lacks the marker.
    fs::write(
        victim.join("sub/old.yaml"),
        "# Generated by rayc. DO NOT EDIT.\nx: 1\n",
    )
    .unwrap();
    let before = tree(&victim);
    let out = victim.to_str().unwrap();
    for args in [
        &["build", "--out", out][..],
        &["build", "--out", out, "--check"],
    ] {
        let run = p.run(args);
        run.assert_refused();
        assert!(
            run.stderr.contains("error[RAY011]") && run.stderr.contains("not created by rayc"),
            "{}",
            run.shown()
        );
        assert_eq!(tree(&victim), before);
    }
    // A marker rayc does not know is refused as well.
    fs::write(victim.join(".rayc-output"), "rayc-output-format: 99\n").unwrap();
    let run = p.run(&["build", "--out", out]);
    run.assert_refused();
    assert!(run.stderr.contains("error[RAY011]"), "{}", run.shown());

    // An empty folder has nothing to lose: rayc takes it and marks it.
    let empty = p.outside().join("empty");
    fs::create_dir(&empty).unwrap();
    ok(&p.run(&["build", "--out", empty.to_str().unwrap()]));
    assert!(empty.join(".rayc-output").is_file());
    assert!(empty.join("rayjob-hello.yaml").is_file());
}

// ------------------------------------------------ 3. bounded reads

#[test]
fn a_huge_file_with_the_marker_is_refused_without_reading_it() {
    let p = Project::new();
    ok(&p.run(&["build"]));
    let huge = p.root().join("rendered/rayjob-hello.yaml");
    let stale = p.root().join("rendered/rayjob-old.yaml");
    for path in [&huge, &stale] {
        let file = fs::File::create(path).unwrap();
        use std::io::Write;
        (&file)
            .write_all(b"# Generated by rayc. DO NOT EDIT.\n")
            .unwrap();
        file.set_len(1 << 30).unwrap(); // 1 GiB, sparse
        for args in [&["build"][..], &["build", "--check"]] {
            let run = p.run(args);
            run.assert_refused();
            assert!(
                run.stderr.contains("error[RAY012]") && run.stderr.contains("1073741824 bytes"),
                "{}",
                run.shown()
            );
            assert!(run.max_rss_kib < 64 * 1024, "{}", run.shown());
            assert_eq!(fs::metadata(path).unwrap().len(), 1 << 30, "left as it was");
        }
        fs::remove_file(path).unwrap();
    }
    ok(&p.run(&["build"]));
}

// ------------------------------------------------ 4. lock and staging names

#[test]
fn a_symlink_at_the_lock_name_is_not_followed() {
    let p = Project::new();
    let victim = p.outside().join("created-by-rayc");
    let existing = p.outside().join("existing");
    fs::write(&existing, "precious\n").unwrap();
    // Beside an `--out` folder (links inside the project are item 11's business).
    let out = p.outside().join("rendered");
    let out = out.to_str().unwrap();
    let lock = p.outside().join(".rendered.rayc.lock");
    for target in [&victim, &existing] {
        let _ = fs::remove_file(&lock);
        symlink(target, &lock).unwrap();
        let mtime = fs::metadata(&existing).unwrap().mtime_nsec();
        for args in [
            &["build", "--out", out][..],
            &["build", "--out", out, "--check"],
        ] {
            let run = p.run(args);
            run.assert_refused();
            assert!(
                run.stderr.contains("error[RAY014]") && run.stderr.contains("symbolic link"),
                "{}",
                run.shown()
            );
        }
        assert!(!victim.exists(), "the lock link was followed");
        assert_eq!(fs::read_to_string(&existing).unwrap(), "precious\n");
        assert_eq!(fs::metadata(&existing).unwrap().mtime_nsec(), mtime);
        assert!(!p.outside().join("rendered").exists());
    }
}

#[test]
fn planted_staging_links_are_neither_restored_nor_followed() {
    let p = Project::new();
    let victim = p.tmp.path().join("victim");
    fs::create_dir(&victim).unwrap();
    fs::write(
        victim.join("rayjob-x.yaml"),
        "# Generated by rayc. DO NOT EDIT.\nx: 1\n",
    )
    .unwrap();
    // The names an interrupted run leaves behind, as links to the victim.
    for name in [".rendered.rayc-old-1-0", ".rendered.rayc-new-1-1"] {
        symlink(&victim, p.outside().join(name)).unwrap();
    }
    let before = tree(&victim);
    let rendered = p.outside().join("rendered");
    ok(&p.run(&["build", "--out", rendered.to_str().unwrap()]));
    assert!(fs::symlink_metadata(&rendered).unwrap().is_dir());
    assert!(!rendered.join("rayjob-x.yaml").exists());
    assert_eq!(tree(&victim), before);
}

// ------------------------------------------------ 13. closed stdout

/// Runs rayc with stdout a pipe whose reading end is already closed, so the
/// first write fails with EPIPE.
fn rayc_into_closed_pipe(dir: &Path, args: &[&str]) -> (Option<i32>, String) {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let out = Rayc::new(dir, args)
        .command()
        .stdin(Stdio::null())
        .stdout(writer)
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_closed_stdout_ends_quietly() {
    let p = Project::with_envs();
    ok(&p.run(&["build"]));
    p.edit("specs/hello.yaml", "replicas: 1", "replicas: 2");
    let cases: [(&[&str], i32); 5] = [
        (&["schema"], 0),
        (&["overlays"], 0),
        (&["overlays", "autoscaling"], 0),
        (&["build", "--stdout", "--env", "dev"], 0),
        // Stale is still stale: the diff just has no reader.
        (&["build", "--check"], 1),
    ];
    for (args, code) in cases {
        let (got, stderr) = rayc_into_closed_pipe(&p.root(), args);
        assert_eq!(got, Some(code), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert!(!stderr.contains("Broken pipe"), "{args:?}: {stderr}");
    }
}
