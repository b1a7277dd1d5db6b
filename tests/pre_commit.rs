//! The hooks of `.pre-commit-hooks.yaml`, driven by the real `pre-commit`
//! tool: `pre-commit try-repo <this repo> [HOOK] --all-files` in a scratch
//! git repository holding a project made by `rayc init`.
//!
//! try-repo clones this repo at HEAD (with uncommitted changes to tracked
//! files it makes a shadow commit; new files must be committed or staged)
//! and builds rayc with `cargo install --path .`. The test points
//! `CARGO_TARGET_DIR` at this repo's own target folder, so each install
//! reuses the compiled dependencies and rebuilds only rayc itself.
//!
//! Needs `pre-commit` on PATH (`pip install -r .ci/requirements.txt`).
//! Without it the test prints SKIPPED and passes, except in CI.
//!
//! A test binary of its own, not a module of `tests/it/`: CI runs it alone, as
//! its own step (`cargo test --test pre_commit -- --ignored`), because of the
//! release install.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const RAYC: &str = env!("CARGO_BIN_EXE_rayc");
const REPO: &str = env!("CARGO_MANIFEST_DIR");

/// `pre-commit` on PATH, or None after saying loudly why the test skips.
fn pre_commit() -> Option<PathBuf> {
    let found = std::env::var_os("PATH").and_then(|path| {
        std::env::split_paths(&path)
            .map(|dir| dir.join("pre-commit"))
            .find(|p| p.is_file())
    });
    if found.is_none() {
        let why = "SKIPPED: `pre-commit` is not on PATH; install it with \
                   `pip install -r .ci/requirements.txt` to test the hooks";
        assert!(std::env::var_os("CI").is_none(), "{why} (required in CI)");
        eprintln!("{why}");
    }
    found
}

/// The cargo target folder of this test run, for try-repo's `cargo install`.
fn target_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("CARGO_TARGET_DIR") {
        return PathBuf::from(dir);
    }
    // <target>/debug/deps/pre_commit-<hash>
    std::env::current_exe()
        .ok()
        .and_then(|exe| exe.ancestors().nth(3).map(Path::to_path_buf))
        .unwrap_or_else(|| Path::new(REPO).join("target"))
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

struct Scratch {
    dir: tempfile::TempDir,
    /// PRE_COMMIT_HOME: the user's cache is not touched.
    home: tempfile::TempDir,
    pre_commit: PathBuf,
}

impl Scratch {
    /// A git repo with a fresh rayc project, built and committed, beside
    /// YAML files that are no Kubernetes objects.
    fn new(pre_commit: PathBuf) -> Scratch {
        let scratch = Scratch {
            dir: tempfile::tempdir().unwrap(),
            home: tempfile::tempdir().unwrap(),
            pre_commit,
        };
        scratch.git(&["init", "-q"]);
        scratch.rayc(&["init", "."]);
        scratch.rayc(&["build"]);
        scratch.write(
            ".github/workflows/ci.yml",
            "name: ci\non: [push]\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n",
        );
        scratch.write(
            "docker-compose.yaml",
            "services:\n  web:\n    image: nginx:1.27\n",
        );
        scratch.write(".gitignore", ".*.rayc.lock\n");
        scratch.commit("project");
        scratch
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn write(&self, rel: &str, contents: &str) {
        let path = self.path().join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, contents).unwrap();
    }

    fn edit(&self, rel: &str, from: &str, to: &str) {
        let path = self.path().join(rel);
        let old = std::fs::read_to_string(&path).unwrap();
        assert!(old.contains(from), "{rel} lacks {from:?}:\n{old}");
        std::fs::write(path, old.replacen(from, to, 1)).unwrap();
    }

    fn rayc(&self, args: &[&str]) {
        let out = Command::new(RAYC)
            .args(args)
            .current_dir(self.path())
            .output()
            .unwrap();
        assert!(out.status.success(), "rayc {args:?}:\n{}", text(&out));
    }

    fn git(&self, args: &[&str]) {
        let out = Command::new("git")
            .args([
                "-c",
                "user.name=rayc test",
                "-c",
                "user.email=test@rayc.invalid",
            ])
            .args([
                "-c",
                "commit.gpgsign=false",
                "-c",
                "init.defaultBranch=main",
            ])
            .args(args)
            .current_dir(self.path())
            .output()
            .unwrap();
        assert!(out.status.success(), "git {args:?}:\n{}", text(&out));
    }

    fn commit(&self, message: &str) {
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "-m", message]);
    }

    /// `pre-commit try-repo <this repo> [hook] --all-files`: success and output.
    fn try_repo(&self, hook: Option<&str>) -> (bool, String) {
        let mut cmd = Command::new(&self.pre_commit);
        cmd.arg("try-repo").arg(REPO);
        cmd.args(hook);
        let out = cmd
            .args(["--all-files", "--color", "never"])
            .current_dir(self.path())
            .env("CARGO_TARGET_DIR", target_dir())
            .env("PRE_COMMIT_HOME", self.home.path())
            .env_remove("PRE_COMMIT_COLOR")
            .output()
            .unwrap();
        (out.status.success(), text(&out))
    }
}

/// Its own step in `.ci/run` (`cargo test --test pre_commit -- --ignored`):
/// try-repo's `cargo install` is a release build of rayc, minutes that the
/// everyday `cargo test` should not pay.
#[test]
#[ignore = "a release `cargo install`: .ci/run runs it as its own step (--ignored)"]
fn hooks_pass_fail_and_explain_with_the_real_pre_commit() {
    let Some(pre_commit) = pre_commit() else {
        return;
    };
    let scratch = Scratch::new(pre_commit);

    // A clean commit passes all three hooks; the workflow and compose file are
    // passed to rayc-validate and skipped, not failed; rayc-diff only informs.
    let (ok, out) = scratch.try_repo(None);
    assert!(ok, "a clean project fails:\n{out}");
    assert!(
        out.contains("rayc validate....")
            && out.contains("rayc build --check....")
            && out.contains("rayc diff --base HEAD...."),
        "every hook must run:\n{out}"
    );
    assert_eq!(out.matches("Passed").count(), 3, "{out}");

    // A misspelt field fails rayc-validate, naming the place and the fix.
    scratch.edit("specs/hello.yaml", "      replicas: 1", "      replica: 1");
    scratch.commit("typo");
    let (ok, out) = scratch.try_repo(Some("rayc-validate"));
    assert!(!ok, "a misspelt field passes:\n{out}");
    assert!(
        out.contains("specs/hello.yaml:18:7: error[RAY101]: unknown field \"replica\""),
        "{out}"
    );
    assert!(out.contains("did you mean \"replicas\"?"), "{out}");
    assert!(
        !out.contains("ci.yml:"),
        "the workflow is not a finding:\n{out}"
    );

    // A spec edited after `rayc build` fails rayc-build-check with a diff,
    // while every file is valid on its own.
    scratch.edit("specs/hello.yaml", "      replica: 1", "      replicas: 3");
    scratch.commit("stale");
    let (ok, out) = scratch.try_repo(Some("rayc-build-check"));
    assert!(!ok, "a stale rendered folder passes:\n{out}");
    assert!(out.contains("rendered is stale"), "{out}");
    assert!(
        out.contains("-      replicas: 1") && out.contains("+      replicas: 3"),
        "the diff is shown:\n{out}"
    );
    let status = Command::new("git")
        .args(["status", "--porcelain"])
        .current_dir(scratch.path())
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&status.stdout),
        "",
        "the hooks changed files"
    );
}

#[test]
fn manifest_and_documented_configs_are_valid_for_pre_commit() {
    let Some(pre_commit) = pre_commit() else {
        return;
    };
    let check = |args: &[&str]| {
        let out = Command::new(&pre_commit).args(args).output().unwrap();
        assert!(out.status.success(), "pre-commit {args:?}:\n{}", text(&out));
    };
    let manifest = Path::new(REPO).join(".pre-commit-hooks.yaml");
    check(&["validate-manifest", manifest.to_str().unwrap()]);

    // Every complete config that docs/pre-commit.md shows.
    let doc = std::fs::read_to_string(Path::new(REPO).join("docs/pre-commit.md")).unwrap();
    let configs: Vec<&str> = doc
        .split("```yaml\n")
        .skip(1)
        .filter_map(|block| block.split("```").next())
        .filter(|block| block.starts_with("repos:"))
        .collect();
    assert_eq!(configs.len(), 2, "docs/pre-commit.md shows two configs");
    let dir = tempfile::tempdir().unwrap();
    for (i, config) in configs.iter().enumerate() {
        let path = dir.path().join(format!("config-{i}.yaml"));
        std::fs::write(&path, config).unwrap();
        check(&["validate-config", path.to_str().unwrap()]);
    }
}
