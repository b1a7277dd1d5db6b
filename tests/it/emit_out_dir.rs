//! The output folder: atomic replacement, stale-file cleanup, hand-written
//! files left alone, `--check` diffs, and concurrent writers.
#![cfg(unix)]

use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use rayc::emit::{
    EmitError, GENERATED_MARKER, OUTPUT_MARKER, OUTPUT_MARKER_FILE, OutputFile, Scope, check_tree,
    kustomization, write_tree,
};

fn generated(path: &str, body: &str) -> OutputFile {
    OutputFile::generated(path, body)
}

fn tree_v1() -> Vec<OutputFile> {
    vec![
        generated("default/rayjob-a.yaml", "kind: RayJob\nname: a\n"),
        generated("default/rayjob-b.yaml", "kind: RayJob\nname: b\n"),
        generated("team/configmap-c.yaml", "kind: ConfigMap\nname: c\n"),
        OutputFile {
            path: "kustomization.yaml".into(),
            contents: kustomization(&[
                "default/rayjob-a.yaml".into(),
                "default/rayjob-b.yaml".into(),
                "team/configmap-c.yaml".into(),
            ]),
        },
    ]
}

/// v1 without `rayjob-b` and without the whole `team/` folder.
fn tree_v2() -> Vec<OutputFile> {
    vec![
        generated("default/rayjob-a.yaml", "kind: RayJob\nname: a\n"),
        OutputFile {
            path: "kustomization.yaml".into(),
            contents: kustomization(&["default/rayjob-a.yaml".into()]),
        },
    ]
}

/// Every file under `dir`, relative, sorted, with contents.
fn snapshot(dir: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for entry in walkdir::WalkDir::new(dir).sort_by_file_name() {
        let entry = entry.unwrap();
        if entry.file_type().is_file() {
            let rel = entry
                .path()
                .strip_prefix(dir)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            if rel == OUTPUT_MARKER_FILE {
                // Checked on its own: it is rayc's mark on the folder, not output.
                assert_eq!(fs::read_to_string(entry.path()).unwrap(), OUTPUT_MARKER);
                continue;
            }
            out.push((rel, fs::read_to_string(entry.path()).unwrap()));
        }
    }
    out
}

fn expected(files: &[OutputFile], extra: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = files
        .iter()
        .map(|f| (f.path.clone(), f.contents.clone()))
        .chain(extra.iter().map(|(p, c)| (p.to_string(), c.to_string())))
        .collect();
    out.sort();
    out
}

/// Names in `parent` other than the output folder and its lock file.
fn leftovers(parent: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(parent)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n != "out" && n != ".out.rayc.lock")
        .collect();
    names.sort();
    names
}

fn setup() -> (tempfile::TempDir, PathBuf) {
    let root = tempfile::tempdir().unwrap();
    let out = root.path().join("out");
    (root, out)
}

#[test]
fn first_write_creates_the_folder() {
    let (root, out) = setup();
    let report = write_tree(&out, &tree_v1(), &Scope::Whole).unwrap();
    assert_eq!(
        report.written,
        [
            "default/rayjob-a.yaml",
            "default/rayjob-b.yaml",
            "kustomization.yaml",
            "team/configmap-c.yaml"
        ]
    );
    assert!(report.removed.is_empty());
    assert_eq!((report.unchanged, report.kept), (0, 0));
    assert_eq!(snapshot(&out), expected(&tree_v1(), &[]));
    for (_, contents) in snapshot(&out) {
        assert!(contents.starts_with(&format!("{GENERATED_MARKER}\n")));
    }
    assert!(root.path().join(".out.rayc.lock").exists());
    assert_eq!(
        fs::read_to_string(out.join(OUTPUT_MARKER_FILE)).unwrap(),
        OUTPUT_MARKER
    );
    assert!(leftovers(root.path()).is_empty());
}

/// Marks `out` as rayc's, as a previous run would have.
fn adopt(out: &Path) {
    fs::create_dir_all(out).unwrap();
    fs::write(out.join(OUTPUT_MARKER_FILE), OUTPUT_MARKER).unwrap();
}

#[test]
fn rewrite_drops_stale_files_and_keeps_hand_written_ones() {
    let (root, out) = setup();
    write_tree(&out, &tree_v1(), &Scope::Whole).unwrap();
    fs::write(out.join("README.md"), "hand-written\n").unwrap();
    fs::create_dir_all(out.join("team/notes")).unwrap();
    fs::write(out.join("team/notes/todo.txt"), "mine\n").unwrap();
    std::os::unix::fs::symlink("../README.md", out.join("default/link")).unwrap();
    let readme_ino = fs::metadata(out.join("README.md")).unwrap().ino();
    let unchanged = fs::metadata(out.join("default/rayjob-a.yaml")).unwrap();

    let report = write_tree(&out, &tree_v2(), &Scope::Whole).unwrap();
    assert_eq!(report.written, ["kustomization.yaml"]);
    assert_eq!(
        report.removed,
        ["default/rayjob-b.yaml", "team/configmap-c.yaml"]
    );
    assert_eq!((report.unchanged, report.kept), (1, 3));

    assert_eq!(
        snapshot(&out),
        expected(
            &tree_v2(),
            &[
                ("README.md", "hand-written\n"),
                ("team/notes/todo.txt", "mine\n")
            ]
        )
    );
    // The hand-written file is the very same inode, never rewritten.
    assert_eq!(
        fs::metadata(out.join("README.md")).unwrap().ino(),
        readme_ino
    );
    // An unchanged generated file keeps its inode and mtime too.
    let after = fs::metadata(out.join("default/rayjob-a.yaml")).unwrap();
    assert_eq!(
        (after.ino(), after.mtime_nsec(), after.mtime()),
        (unchanged.ino(), unchanged.mtime_nsec(), unchanged.mtime())
    );
    // The symlink is carried over as a symlink.
    assert_eq!(
        fs::read_link(out.join("default/link")).unwrap(),
        Path::new("../README.md")
    );
    assert!(leftovers(root.path()).is_empty());

    // A deployment (its kustomization.yaml) is never deleted by rayc ...
    let err = write_tree(&out, &[], &Scope::Whole).unwrap_err();
    assert!(
        matches!(err, EmitError::WouldRemoveDeployment { ref path, .. } if path == "kustomization.yaml"),
        "{err}"
    );
    // ... but once the user removed it, the rest goes; emptied folders too.
    fs::remove_file(out.join("kustomization.yaml")).unwrap();
    write_tree(&out, &[], &Scope::Whole).unwrap();
    assert_eq!(
        snapshot(&out),
        expected(
            &[],
            &[
                ("README.md", "hand-written\n"),
                ("team/notes/todo.txt", "mine\n")
            ]
        )
    );
    assert!(!out.join("default/rayjob-a.yaml").exists());
}

#[test]
fn emptied_directories_are_removed() {
    let (_root, out) = setup();
    write_tree(&out, &tree_v1(), &Scope::Whole).unwrap();
    write_tree(&out, &tree_v2(), &Scope::Whole).unwrap();
    assert!(!out.join("team").exists());
    assert!(out.join("default").is_dir());
}

#[test]
fn collision_with_a_hand_written_file_writes_nothing() {
    let (root, out) = setup();
    write_tree(&out, &tree_v1(), &Scope::Whole).unwrap();
    fs::write(out.join("default/rayjob-new.yaml"), "kind: Mine\n").unwrap();
    let before = snapshot(&out);

    let mut files = tree_v1();
    files[0].contents.push_str("changed: true\n");
    files.push(generated("default/rayjob-new.yaml", "kind: RayJob\n"));
    let err = write_tree(&out, &files, &Scope::Whole).unwrap_err();
    match &err {
        EmitError::Collision { path, .. } => assert_eq!(path, "default/rayjob-new.yaml"),
        other => panic!("expected a collision, got {other}"),
    }
    assert!(err.to_string().contains("not generated by rayc"), "{err}");
    assert_eq!(snapshot(&out), before, "previous output untouched");
    assert!(leftovers(root.path()).is_empty());
    assert!(matches!(
        check_tree(&out, &files, &Scope::Whole),
        Err(EmitError::Collision { .. })
    ));
}

#[test]
fn collision_through_directories() {
    let (_root, out) = setup();
    adopt(&out);
    fs::create_dir_all(out.join("notes")).unwrap();
    fs::write(out.join("notes/plan.md"), "x").unwrap();
    fs::write(out.join("file"), "x").unwrap();
    // A generated file where the user has a folder with their files.
    let err = write_tree(&out, &[generated("notes", "")], &Scope::Whole).unwrap_err();
    assert!(
        matches!(err, EmitError::Collision { ref path, .. } if path == "notes/plan.md"),
        "{err}"
    );
    // A generated file below a hand-written file.
    let err = write_tree(&out, &[generated("file/x.yaml", "")], &Scope::Whole).unwrap_err();
    assert!(
        matches!(err, EmitError::Collision { ref path, .. } if path == "file"),
        "{err}"
    );
}

#[test]
fn a_stale_generated_file_may_become_a_folder() {
    let (_root, out) = setup();
    write_tree(&out, &[generated("a", "old\n")], &Scope::Whole).unwrap();
    write_tree(&out, &[generated("a/b.yaml", "new\n")], &Scope::Whole).unwrap();
    assert_eq!(
        snapshot(&out),
        expected(&[generated("a/b.yaml", "new\n")], &[])
    );
}

#[test]
fn unchanged_rewrite_touches_nothing() {
    let (root, out) = setup();
    write_tree(&out, &tree_v1(), &Scope::Whole).unwrap();
    let dir_before = fs::metadata(&out).unwrap();
    let file_before = fs::metadata(out.join("kustomization.yaml")).unwrap();

    let report = write_tree(&out, &tree_v1(), &Scope::Whole).unwrap();
    assert!(!report.changed());
    assert!(report.written.is_empty() && report.removed.is_empty());
    assert_eq!(report.unchanged, 4);

    let dir_after = fs::metadata(&out).unwrap();
    let file_after = fs::metadata(out.join("kustomization.yaml")).unwrap();
    assert_eq!(
        dir_after.ino(),
        dir_before.ino(),
        "the folder was not swapped"
    );
    assert_eq!(
        (dir_after.mtime(), dir_after.mtime_nsec()),
        (dir_before.mtime(), dir_before.mtime_nsec())
    );
    assert_eq!(file_after.ino(), file_before.ino());
    assert_eq!(
        (file_after.mtime(), file_after.mtime_nsec()),
        (file_before.mtime(), file_before.mtime_nsec())
    );
    assert!(leftovers(root.path()).is_empty());
}

#[test]
fn check_reports_a_git_style_diff_and_writes_nothing() {
    let (root, out) = setup();
    // Nothing there yet: every file is new, and nothing is created, not even the lock.
    let diff = check_tree(&out, &tree_v2(), &Scope::Whole)
        .unwrap()
        .unwrap();
    assert!(
        diff.starts_with("--- /dev/null\n+++ b/default/rayjob-a.yaml\n@@ -0,0 +1,3 @@\n"),
        "{diff}"
    );
    assert!(!out.exists());
    assert!(!root.path().join(".out.rayc.lock").exists());

    write_tree(&out, &tree_v1(), &Scope::Whole).unwrap();
    assert_eq!(check_tree(&out, &tree_v1(), &Scope::Whole).unwrap(), None);

    let before = snapshot(&out);
    let mut files = tree_v2();
    files[0] = generated("default/rayjob-a.yaml", "kind: RayJob\nname: a2\n");
    files.push(generated("default/rayjob-d.yaml", "kind: RayJob\n"));
    let diff = check_tree(&out, &files, &Scope::Whole).unwrap().unwrap();
    let want = "\
--- a/default/rayjob-a.yaml
+++ b/default/rayjob-a.yaml
@@ -1,3 +1,3 @@
 # Generated by rayc. DO NOT EDIT.
 kind: RayJob
-name: a
+name: a2
--- a/default/rayjob-b.yaml
+++ /dev/null
@@ -1,3 +0,0 @@
-# Generated by rayc. DO NOT EDIT.
-kind: RayJob
-name: b
--- /dev/null
+++ b/default/rayjob-d.yaml
@@ -0,0 +1,2 @@
+# Generated by rayc. DO NOT EDIT.
+kind: RayJob
--- a/kustomization.yaml
+++ b/kustomization.yaml
@@ -3,5 +3,3 @@
 kind: Kustomization
 resources:
 - default/rayjob-a.yaml
-- default/rayjob-b.yaml
-- team/configmap-c.yaml
--- a/team/configmap-c.yaml
+++ /dev/null
@@ -1,3 +0,0 @@
-# Generated by rayc. DO NOT EDIT.
-kind: ConfigMap
-name: c
";
    assert_eq!(diff, want);
    assert_eq!(snapshot(&out), before, "check wrote nothing");
}

#[test]
fn bad_paths_are_rejected_before_anything_happens() {
    let (root, out) = setup();
    for bad in [
        "/etc/passwd",
        "../escape.yaml",
        "a/../../b.yaml",
        "a//b.yaml",
        "",
    ] {
        let err = write_tree(&out, &[generated(bad, "x: 1\n")], &Scope::Whole).unwrap_err();
        assert!(
            matches!(err, EmitError::InvalidPath { .. }),
            "{bad:?}: {err}"
        );
        assert!(matches!(
            check_tree(&out, &[generated(bad, "")], &Scope::Whole),
            Err(EmitError::InvalidPath { .. })
        ));
    }
    let unmarked = OutputFile {
        path: "a.yaml".into(),
        contents: "x: 1\n".into(),
    };
    assert!(matches!(
        write_tree(&out, &[unmarked], &Scope::Whole),
        Err(EmitError::MissingMarker { .. })
    ));
    assert!(!out.exists());
    assert!(fs::read_dir(root.path()).unwrap().next().is_none());
}

#[test]
fn output_path_that_is_a_file_is_an_error() {
    let (_root, out) = setup();
    fs::write(&out, "not a folder").unwrap();
    assert!(matches!(
        write_tree(&out, &tree_v1(), &Scope::Whole),
        Err(EmitError::NotADirectory(_))
    ));
    assert_eq!(fs::read_to_string(&out).unwrap(), "not a folder");
}

#[test]
fn a_crash_between_the_fallback_renames_is_recovered() {
    let (root, out) = setup();
    write_tree(&out, &tree_v1(), &Scope::Whole).unwrap();
    fs::write(out.join("README.md"), "mine\n").unwrap();
    // What a crash between "move old aside" and "move new in" leaves behind.
    fs::rename(&out, root.path().join(".out.rayc-old-999-0")).unwrap();
    fs::create_dir_all(root.path().join(".out.rayc-new-999-1/half")).unwrap();

    let report = write_tree(&out, &tree_v2(), &Scope::Whole).unwrap();
    assert_eq!(
        report.removed,
        ["default/rayjob-b.yaml", "team/configmap-c.yaml"]
    );
    assert_eq!(
        snapshot(&out),
        expected(&tree_v2(), &[("README.md", "mine\n")])
    );
    assert!(
        leftovers(root.path()).is_empty(),
        "{:?}",
        leftovers(root.path())
    );
}

#[test]
fn symlinked_output_folder_is_followed() {
    let (root, out) = setup();
    let real = root.path().join("real");
    fs::create_dir(&real).unwrap();
    std::os::unix::fs::symlink(&real, &out).unwrap();
    write_tree(&out, &tree_v2(), &Scope::Whole).unwrap();
    assert!(fs::symlink_metadata(&out).unwrap().file_type().is_symlink());
    assert_eq!(snapshot(&real), expected(&tree_v2(), &[]));
}

#[test]
fn eight_threads_writing_the_same_tree() {
    let (root, out) = setup();
    let reports: Vec<_> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..8)
            .map(|_| scope.spawn(|| write_tree(&out, &tree_v1(), &Scope::Whole)))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap().unwrap())
            .collect()
    });
    assert_eq!(
        reports.iter().filter(|r| r.changed()).count(),
        1,
        "{reports:?}"
    );
    assert_eq!(snapshot(&out), expected(&tree_v1(), &[]));
    assert!(leftovers(root.path()).is_empty());
}

#[test]
fn eight_threads_writing_different_trees_never_mix_them() {
    let (root, out) = setup();
    adopt(&out);
    fs::write(out.join("keep.txt"), "mine\n").unwrap();
    for _round in 0..5 {
        std::thread::scope(|scope| {
            for i in 0..8 {
                let out = &out;
                scope.spawn(move || {
                    let files = if i % 2 == 0 { tree_v1() } else { tree_v2() };
                    write_tree(out, &files, &Scope::Whole).unwrap();
                });
            }
        });
        let now = snapshot(&out);
        assert!(
            now == expected(&tree_v1(), &[("keep.txt", "mine\n")])
                || now == expected(&tree_v2(), &[("keep.txt", "mine\n")]),
            "mixed tree: {now:?}"
        );
    }
    assert!(leftovers(root.path()).is_empty());
}

/// Not a test on its own: the body each child process runs in
/// `eight_processes_writing_the_same_tree`.
#[test]
fn child_process_writer() {
    let Some(dir) = std::env::var_os("RAYC_EMIT_TEST_CHILD_OUT") else {
        return;
    };
    let files = if std::env::var_os("RAYC_EMIT_TEST_CHILD_V2").is_some() {
        tree_v2()
    } else {
        tree_v1()
    };
    write_tree(Path::new(&dir), &files, &Scope::Whole).unwrap();
}

#[test]
fn eight_processes_writing_the_same_tree() {
    let (root, out) = setup();
    let exe = std::env::current_exe().unwrap();
    // The test's name in this binary (`emit_out_dir::child_process_writer`).
    let module = module_path!().split_once("::").map_or("", |(_, m)| m);
    let child_test = format!("{module}::child_process_writer");
    let children: Vec<_> = (0..8)
        .map(|i| {
            let mut cmd = Command::new(&exe);
            cmd.args(["--exact", &child_test, "--test-threads=1", "--quiet"])
                .env("RAYC_EMIT_TEST_CHILD_OUT", &out)
                .stdout(std::process::Stdio::null());
            if i % 2 == 1 {
                cmd.env("RAYC_EMIT_TEST_CHILD_V2", "1");
            }
            cmd.spawn().unwrap()
        })
        .collect();
    for mut child in children {
        assert!(child.wait().unwrap().success());
    }
    let now = snapshot(&out);
    assert!(
        now == expected(&tree_v1(), &[]) || now == expected(&tree_v2(), &[]),
        "mixed tree: {now:?}"
    );
    assert!(leftovers(root.path()).is_empty());
}

#[test]
fn dotted_output_paths_resolve_to_the_real_folder() {
    let (root, out) = setup();
    fs::create_dir(root.path().join("x")).unwrap();
    write_tree(&root.path().join("x/../out/."), &tree_v2(), &Scope::Whole).unwrap();
    assert_eq!(snapshot(&out), expected(&tree_v2(), &[]));
    assert_eq!(
        check_tree(&root.path().join("x/../out"), &tree_v2(), &Scope::Whole).unwrap(),
        None
    );
    assert!(leftovers(root.path()).contains(&"x".to_string()));
    let err = write_tree(&root.path().join("out/.."), &tree_v2(), &Scope::Whole).unwrap_err();
    assert!(matches!(err, EmitError::InvalidPath { .. }), "{err}");
    // Parents are created as needed.
    write_tree(&root.path().join("deep/er/out"), &tree_v2(), &Scope::Whole).unwrap();
    assert_eq!(
        snapshot(&root.path().join("deep/er/out")),
        expected(&tree_v2(), &[])
    );
}

#[test]
fn a_scoped_run_owns_only_its_top_level_folders() {
    let (_root, out) = setup();
    let env = |name: &str, body: &str| {
        vec![
            generated(&format!("{name}/ns/rayjob-a.yaml"), body),
            OutputFile {
                path: format!("{name}/kustomization.yaml"),
                contents: kustomization(&["ns/rayjob-a.yaml".into()]),
            },
        ]
    };
    let all: Vec<OutputFile> = [env("dev", "v: 1\n"), env("prod", "v: 1\n")].concat();
    write_tree(&out, &all, &Scope::Whole).unwrap();
    fs::create_dir(out.join("prod/empty")).unwrap();
    let prod = fs::metadata(out.join("prod/ns/rayjob-a.yaml")).unwrap();

    let dev_only = Scope::Folders(["dev".to_string()].into());
    let report = write_tree(&out, &env("dev", "v: 2\n"), &dev_only).unwrap();
    assert_eq!(report.written, ["dev/ns/rayjob-a.yaml"]);
    assert!(report.removed.is_empty());
    let after = fs::metadata(out.join("prod/ns/rayjob-a.yaml")).unwrap();
    assert_eq!(
        (after.ino(), after.mtime_nsec()),
        (prod.ino(), prod.mtime_nsec())
    );
    assert!(
        out.join("prod/empty").is_dir(),
        "empty folders outside the scope stay"
    );
    assert_eq!(
        check_tree(&out, &env("dev", "v: 2\n"), &dev_only).unwrap(),
        None
    );
    // A file outside the scope is a caller's bug, refused before anything happens.
    assert!(matches!(
        write_tree(&out, &env("prod", "v: 3\n"), &dev_only),
        Err(EmitError::InvalidPath { .. })
    ));
}
