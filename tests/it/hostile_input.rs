//! Hostile and messy repositories on the real binary, each run inside hard
//! limits (2 CPU s, 256 MiB; see support/bounded.rs): discovery in a real
//! repository (symlinks, .git, node_modules, virtualenvs, ignored folders),
//! code that must not ship (.git, dotfiles, FIFOs, empty folders), reads
//! that must stay bounded (/dev/zero, FIFOs, huge files) and parse budgets
//! (alias bombs).

use crate::support::bounded;

use std::path::Path;

use crate::support::run::Rayc;
use bounded::{Bounded, Limits};

const PROJECT: &str = "apiVersion: rayc.dev/v1alpha1\nkind: Project\nname: demo\n";

fn spec(code_files: &str) -> String {
    format!(
        "apiVersion: rayc.dev/v1alpha1
kind: RayJob
metadata:
  name: train
spec:
  image: rayproject/ray:2.9.0
  entrypoint: python main.py
  code:
    files: {code_files}
  workers:
    - name: cpu
      replicas: 1
"
    )
}

fn write(dir: &Path, rel: &str, text: &str) {
    let path = dir.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn symlink(target: impl AsRef<Path>, dir: &Path, rel: &str) {
    let link = dir.join(rel);
    std::fs::create_dir_all(link.parent().unwrap()).unwrap();
    std::os::unix::fs::symlink(target, link).unwrap();
}

fn mkfifo(path: &Path) {
    let c = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0);
}

/// A project with one RayJob shipping `jobs/main.py`.
fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "rayc.yaml", PROJECT);
    write(dir.path(), "jobs/train.yaml", &spec("[main.py]"));
    write(dir.path(), "jobs/main.py", "print('hi')\n");
    dir
}

fn run(dir: &Path, args: &[&str]) -> Bounded {
    Rayc::new(dir, args).bounded(Limits::default())
}

/// A finding `file:LINE:COL: … CODE` on stdout (validate) or stderr (build),
/// on `line` when given.
fn assert_at(run: &Bounded, file: &str, line: Option<u32>, code: &str) {
    let found = run.stdout.lines().chain(run.stderr.lines()).any(|text| {
        let Some(rest) = text.strip_prefix(file).and_then(|r| r.strip_prefix(':')) else {
            return false;
        };
        let nums: Vec<Option<u32>> = rest
            .splitn(3, ':')
            .take(2)
            .map(|n| n.parse().ok())
            .collect();
        nums.len() == 2
            && nums.iter().all(Option::is_some)
            && line.is_none_or(|l| nums[0] == Some(l))
            && text.contains(&format!("[{code}]"))
    });
    assert!(found, "expected {code} at {file}:{line:?}\n{}", run.shown());
}

fn assert_ok(run: &Bounded) {
    assert_eq!(run.code, Some(0), "{}", run.shown());
}

// ---- item 11: discovery survives a real repository ----

#[test]
fn discovery_survives_symlinks_git_node_modules_and_virtualenvs() {
    let outside = tempfile::tempdir().unwrap();
    write(outside.path(), "secret.yaml", "token: x\n");
    let dir = project();
    let d = dir.path();
    write(d, ".git/HEAD", "ref: refs/heads/main\n");
    symlink("/nonexistent", d, ".git/hooks/broken");
    symlink(outside.path(), d, "node_modules/.bin/tool");
    symlink(
        outside.path().join("secret.yaml"),
        d,
        "node_modules/pkg/conf.yaml",
    );
    symlink("/usr/bin/python3", d, ".venv/bin/python");
    symlink("../..", d, "venv/lib/loop");
    symlink(outside.path().join("secret.yaml"), d, "README.yaml");
    // Ignored by .gitignore (in a git checkout) and by .ignore: never read, so not broken.
    write(d, ".gitignore", "node_modules/\nvenv/\nbuild/\n");
    write(d, "build/broken.yaml", "a: [\n");
    write(d, ".ignore", "scratch/\n");
    write(d, "scratch/broken.yaml", "b: {\n");
    write(d, ".github/workflows/ci.yaml", "on: [push]\n");
    // rayc creates (and marks) its output folder; a link is then added by hand.
    assert_ok(&run(d, &["build"]));
    symlink("/etc/hostname", d, "rendered/hand-written.yaml");

    let build = run(d, &["build"]);
    assert_ok(&build);
    let rendered: Vec<_> = walkdir::WalkDir::new(d.join("rendered"))
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_name() == "rayjob-train.yaml")
        .collect();
    assert_eq!(rendered.len(), 1, "{}", build.shown());
    // The hand-written link in the output folder is left alone.
    assert!(d.join("rendered/hand-written.yaml").is_symlink());
    assert_ok(&run(d, &["validate"]));
}

#[test]
fn code_symlinks_inside_the_root_are_followed_where_a_spec_names_them() {
    let dir = project();
    let d = dir.path();
    write(d, "lib/util.py", "X = 1\n");
    symlink("../lib/util.py", d, "jobs/util.py");
    write(d, "jobs/train.yaml", &spec("[main.py, util.py]"));
    let build = run(d, &["build", "--stdout"]);
    assert_ok(&build);
    assert!(build.stdout.contains("X = 1"), "{}", build.shown());
}

#[test]
fn a_code_symlink_out_of_the_root_is_refused_at_the_spec_line() {
    let outside = tempfile::tempdir().unwrap();
    write(outside.path(), "creds.py", "KEY = 'x'\n");
    let dir = project();
    symlink(outside.path().join("creds.py"), dir.path(), "jobs/creds.py");
    write(dir.path(), "jobs/train.yaml", &spec("[main.py, creds.py]"));
    let build = run(dir.path(), &["build"]);
    build.assert_refused();
    assert_at(&build, "jobs/train.yaml", Some(9), "RAY001");
    assert!(
        build.stderr.contains("leaves the project folder"),
        "{}",
        build.shown()
    );
}

#[test]
fn a_symlink_out_of_the_root_inside_a_code_folder_is_refused() {
    let outside = tempfile::tempdir().unwrap();
    write(outside.path(), "id_rsa", "PRIVATE\n");
    let dir = project();
    write(dir.path(), "jobs/src/app.py", "pass\n");
    symlink(outside.path().join("id_rsa"), dir.path(), "jobs/src/key.py");
    write(dir.path(), "jobs/train.yaml", &spec("[main.py, src]"));
    let build = run(dir.path(), &["build", "--stdout"]);
    build.assert_refused();
    assert_at(&build, "jobs/train.yaml", Some(9), "RAY001");
    assert!(!build.stdout.contains("PRIVATE"), "{}", build.shown());
}

// ---- item 12: code that must not ship ----

#[test]
fn git_config_is_never_shipped() {
    for (files, allow) in [
        ("[../.git/config]", ""),
        ("[../.git]", ""),
        ("[../.git/config]", "allowHiddenCode: [.git, .git/config]\n"),
    ] {
        let dir = project();
        write(
            dir.path(),
            ".git/config",
            "[remote] url = https://token@x\n",
        );
        write(dir.path(), "rayc.yaml", &format!("{PROJECT}{allow}"));
        write(dir.path(), "jobs/train.yaml", &spec(files));
        let build = run(dir.path(), &["build", "--stdout"]);
        build.assert_refused();
        assert_at(&build, "jobs/train.yaml", Some(9), "RAY001");
        assert!(
            build.stderr.contains("`.git/`"),
            "{files}\n{}",
            build.shown()
        );
        assert!(!build.stdout.contains("token"), "{}", build.shown());
    }
}

#[test]
fn dotfiles_ship_only_when_allow_listed() {
    let dir = project();
    write(dir.path(), "jobs/.env", "AWS_SECRET=x\n");
    write(dir.path(), "jobs/train.yaml", &spec("[main.py, .env]"));
    let build = run(dir.path(), &["build", "--stdout"]);
    build.assert_refused();
    assert_at(&build, "jobs/train.yaml", Some(9), "RAY001");
    assert!(
        build.stderr.contains("allowHiddenCode"),
        "{}",
        build.shown()
    );

    write(
        dir.path(),
        "rayc.yaml",
        &format!("{PROJECT}allowHiddenCode: [jobs/.env]\n"),
    );
    let build = run(dir.path(), &["build", "--stdout"]);
    assert_ok(&build);
    assert!(build.stdout.contains("AWS_SECRET=x"), "{}", build.shown());
}

#[test]
fn hidden_files_inside_a_code_folder_are_left_out() {
    let dir = project();
    write(dir.path(), "jobs/src/app.py", "pass\n");
    write(dir.path(), "jobs/src/.env", "AWS_SECRET=x\n");
    write(dir.path(), "jobs/src/.cache/blob", "junk\n");
    write(dir.path(), "jobs/train.yaml", &spec("[main.py, src]"));
    let build = run(dir.path(), &["build", "--stdout"]);
    assert_ok(&build);
    assert!(build.stdout.contains("app.py"), "{}", build.shown());
    assert!(!build.stdout.contains("AWS_SECRET"), "{}", build.shown());
    assert!(!build.stdout.contains("junk"), "{}", build.shown());
}

#[test]
fn a_fifo_as_code_is_an_error_not_an_empty_config_map() {
    for named in ["[main.py, pipe.py]", "[main.py, src]"] {
        let dir = project();
        std::fs::create_dir_all(dir.path().join("jobs/src")).unwrap();
        mkfifo(&dir.path().join("jobs/pipe.py"));
        mkfifo(&dir.path().join("jobs/src/pipe.py"));
        write(dir.path(), "jobs/train.yaml", &spec(named));
        let build = run(dir.path(), &["build"]);
        build.assert_refused();
        assert_at(&build, "jobs/train.yaml", Some(9), "RAY001");
        assert!(build.stderr.contains("FIFO"), "{}", build.shown());
    }
}

#[test]
fn an_empty_code_folder_is_an_error() {
    let dir = project();
    std::fs::create_dir_all(dir.path().join("jobs/empty")).unwrap();
    write(dir.path(), "jobs/train.yaml", &spec("[main.py, empty]"));
    let build = run(dir.path(), &["build"]);
    build.assert_refused();
    assert_at(&build, "jobs/train.yaml", Some(9), "RAY001");
    assert!(build.stderr.contains("holds no files"), "{}", build.shown());
}

// ---- item 13: bounded, non-blocking reads ----

#[test]
fn validate_dev_zero_reads_at_most_the_limit() {
    let dir = tempfile::tempdir().unwrap();
    let v = run(dir.path(), &["validate", "/dev/zero"]);
    v.assert_refused();
    assert_at(&v, "/dev/zero", None, "RAY001");
    assert!(v.stdout.contains("a device"), "{}", v.shown());
    assert!(v.max_rss_kib < 64 * 1024, "{}", v.shown());
}

#[test]
fn validate_a_fifo_without_a_writer_does_not_block() {
    let dir = tempfile::tempdir().unwrap();
    mkfifo(&dir.path().join("pipe.yaml"));
    let v = Rayc::new(dir.path(), &["validate", "pipe.yaml"]).bounded(Limits {
        wall: std::time::Duration::from_secs(5),
        ..Limits::default()
    });
    assert!(!v.timed_out, "{}", v.shown());
    assert!(matches!(v.code, Some(0..=2)), "{}", v.shown());
}

#[test]
fn validate_refuses_a_huge_file_without_reading_it_whole() {
    let dir = tempfile::tempdir().unwrap();
    let file = std::fs::File::create(dir.path().join("big.yaml")).unwrap();
    file.set_len(1 << 30).unwrap(); // sparse: 1 GiB on paper, nothing on disk
    let v = run(dir.path(), &["validate", "big.yaml"]);
    v.assert_refused();
    assert_at(&v, "big.yaml", None, "RAY004");
    assert!(v.max_rss_kib < 96 * 1024, "{}", v.shown());
}

#[test]
fn a_huge_spec_file_is_refused_without_reading_it_whole() {
    let dir = project();
    let file = std::fs::File::create(dir.path().join("jobs/big.yaml")).unwrap();
    file.set_len(1 << 30).unwrap();
    let build = run(dir.path(), &["build"]);
    build.assert_refused();
    assert!(build.stderr.contains("jobs/big.yaml"), "{}", build.shown());
    assert!(build.max_rss_kib < 96 * 1024, "{}", build.shown());
}

// ---- parse budgets ----

/// 12 levels of 10 aliases each: 10^12 nodes if expanded.
fn alias_bomb() -> String {
    let mut text = String::from(
        "apiVersion: rayc.dev/v1alpha1\nkind: RayJob\nmetadata:\n  name: bomb\na0: &a0 [x, x, x, x, x, x, x, x, x, x]\n",
    );
    for i in 1..12 {
        let prev = format!("*a{}", i - 1);
        text.push_str(&format!("a{i}: &a{i} [{}]\n", vec![prev; 10].join(", ")));
    }
    text
}

#[test]
fn an_alias_bomb_is_refused_in_well_under_a_second() {
    let dir = project();
    write(dir.path(), "jobs/bomb.yaml", &alias_bomb());
    let build = run(dir.path(), &["build"]);
    build.assert_refused();
    assert_at(&build, "jobs/bomb.yaml", None, "RAY004");
    assert!(
        build.cpu < std::time::Duration::from_millis(500),
        "{}",
        build.shown()
    );
    let v = run(dir.path(), &["validate", "jobs/bomb.yaml"]);
    v.assert_refused();
    assert_at(&v, "jobs/bomb.yaml", None, "RAY004");
    assert!(
        v.cpu < std::time::Duration::from_millis(500),
        "{}",
        v.shown()
    );
}

#[test]
fn budget_errors_are_sentences_not_debug_text() {
    let dir = project();
    write(dir.path(), "jobs/bomb.yaml", &alias_bomb());
    let v = run(dir.path(), &["validate", "jobs/bomb.yaml"]);
    v.assert_refused();
    for debug in ["BudgetBreach", "{ ", " }", "Some(", "Budget("] {
        assert!(!v.stderr.contains(debug), "{debug:?} in\n{}", v.shown());
    }
}

// ---- validate DIR walks like ripgrep ----

#[test]
fn validate_dir_leaves_out_hidden_ignored_and_excluded_paths() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(
        d,
        "ok.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n",
    );
    for broken in [
        ".venv/lib/x.yaml",
        "node_modules/pkg/x.yaml",
        "vendor/x.yaml",
        "charts/x.tmpl.yaml",
    ] {
        write(d, broken, "a: [\n");
    }
    std::fs::create_dir_all(d.join(".git")).unwrap();
    write(d, ".gitignore", "node_modules/\n");
    symlink("/dev/zero", d, "zero.yaml");
    let v = run(
        d,
        &[
            "validate",
            ".",
            "--exclude",
            "vendor",
            "--exclude",
            "*.tmpl.yaml",
        ],
    );
    assert_ok(&v);
    // Without the excludes the walk does reach the broken files.
    let v = run(d, &["validate", "."]);
    v.assert_refused();
    assert_at(&v, "./vendor/x.yaml", None, "RAY002");
    assert!(!v.stderr.contains(".venv"), "{}", v.shown());
    assert!(!v.stderr.contains("node_modules"), "{}", v.shown());
}

#[test]
fn validate_refuses_a_bad_exclude_glob() {
    let dir = tempfile::tempdir().unwrap();
    let v = run(dir.path(), &["validate", ".", "--exclude", "a[b"]);
    v.assert_refused();
    assert!(v.stderr.contains("bad glob"), "{}", v.shown());
}
