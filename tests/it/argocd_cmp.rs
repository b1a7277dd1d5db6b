//! The Argo CD plugin contract, exercised the way `argocd-cmp-server` runs
//! rayc: discovery by `rayc.yaml` in the app folder, then `rayc argocd
//! generate` with the working directory = the app's path inside a copy of
//! the repository, the build environment Argo CD sets (and nothing else),
//! as uid 999 when the tests run as root, `HOME` unset, the copy read-only
//! and `TMPDIR` set. Each run must leave the source tree and `TMPDIR`
//! exactly as they were.
//!
//! Golden streams live in `tests/argocd_cmp/<case>.{stdout,stderr}`; bless
//! after an intended change with `RAYC_BLESS=1 cargo test --test it argocd_cmp::`
//! and read the diff.

use crate::support::bounded;

use std::collections::BTreeMap;
use std::os::unix::fs::{PermissionsExt, symlink};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use crate::support::run::Rayc;
use bounded::{Bounded, Limits, run_bounded};

/// Argo CD's plugin sidecars run as this user.
const CMP_UID: u32 = 999;

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn blessing() -> bool {
    std::env::var_os("RAYC_BLESS").is_some_and(|v| v != "0" && !v.is_empty())
}

fn as_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

/// A folder the sidecar user can enter: the test's scratch space.
fn scratch() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    dir
}

/// The binary on the sidecar's PATH, readable by uid 999 wherever the
/// build lives.
fn bin_dir() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = scratch();
        std::fs::copy(env!("CARGO_BIN_EXE_rayc"), dir.path().join("rayc")).unwrap();
        std::fs::set_permissions(
            dir.path().join("rayc"),
            std::fs::Permissions::from_mode(0o755),
        )
        .unwrap();
        dir
    })
    .path()
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        let kind = entry.file_type().unwrap();
        if kind.is_dir() {
            copy_tree(&entry.path(), &target);
        } else if kind.is_symlink() {
            symlink(std::fs::read_link(entry.path()).unwrap(), &target).unwrap();
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// Every path below `dir` with its contents (files) or target (symlinks).
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    for entry in walkdir::WalkDir::new(dir).sort_by_file_name() {
        let entry = entry.unwrap();
        let path = entry.path().to_path_buf();
        let body = if entry.path_is_symlink() {
            std::fs::read_link(&path)
                .unwrap()
                .into_os_string()
                .into_encoded_bytes()
        } else if entry.file_type().is_file() {
            std::fs::read(&path).unwrap()
        } else {
            Vec::new()
        };
        out.insert(path, body);
    }
    out
}

/// chmod -w, recursively (symlinks are left alone).
fn make_read_only(dir: &Path) {
    for entry in walkdir::WalkDir::new(dir).contents_first(true) {
        let entry = entry.unwrap();
        if entry.path_is_symlink() {
            continue;
        }
        let mode = if entry.file_type().is_dir() {
            0o555
        } else {
            0o444
        };
        std::fs::set_permissions(entry.path(), std::fs::Permissions::from_mode(mode)).unwrap();
    }
}

/// A repository copy as the sidecar receives it, and the app folder in it.
struct Checkout {
    _dir: tempfile::TempDir,
    repo: PathBuf,
    app: PathBuf,
    tmp: PathBuf,
}

impl Checkout {
    /// `files` are written below `<repo>/<app_path>`; `(path, target)` in
    /// `links` become symlinks there.
    fn new(app_path: &str, files: &[(&str, &str)], links: &[(&str, &str)]) -> Checkout {
        let dir = scratch();
        let repo = dir.path().join("repo");
        let app = repo.join(app_path);
        std::fs::create_dir_all(&app).unwrap();
        for (path, text) in files {
            let target = app.join(path);
            std::fs::create_dir_all(target.parent().unwrap()).unwrap();
            std::fs::write(target, text).unwrap();
        }
        for (path, target) in links {
            symlink(target, app.join(path)).unwrap();
        }
        Checkout::finish(dir, repo, app)
    }

    fn example(name: &str) -> Checkout {
        let dir = scratch();
        let repo = dir.path().join("repo");
        let app = repo.join("examples").join(name);
        copy_tree(&repo_root().join("examples").join(name), &app);
        Checkout::finish(dir, repo, app)
    }

    fn finish(dir: tempfile::TempDir, repo: PathBuf, app: PathBuf) -> Checkout {
        let tmp = dir.path().join("tmp");
        std::fs::create_dir(&tmp).unwrap();
        std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o700)).unwrap();
        if as_root() {
            std::os::unix::fs::chown(&tmp, Some(CMP_UID), Some(CMP_UID)).unwrap();
        }
        make_read_only(&repo);
        Checkout {
            _dir: dir,
            repo,
            app,
            tmp,
        }
    }

    /// Argo CD's discovery: `fileName: rayc.yaml` globbed in the app folder.
    fn discovered(&self) -> bool {
        self.app.join("rayc.yaml").is_file()
    }

    /// The command `argocd-cmp-server` runs for `generate` (or `params`).
    fn command(&self, args: &[&str], vars: &[(&str, &str)]) -> Command {
        let mut cmd = Command::new(bin_dir().join("rayc"));
        cmd.args(args)
            .current_dir(&self.app)
            .env_clear()
            .env("PATH", format!("{}:/usr/bin:/bin", bin_dir().display()))
            .env("TMPDIR", &self.tmp)
            .env("ARGOCD_APP_NAME", "ml-platform")
            .env("ARGOCD_APP_NAMESPACE", "ml")
            .env("ARGOCD_APP_PROJECT_NAME", "default")
            .env(
                "ARGOCD_APP_REVISION",
                "0123456789abcdef0123456789abcdef01234567",
            )
            .env("ARGOCD_APP_REVISION_SHORT", "0123456")
            .env("ARGOCD_APP_REVISION_SHORT_8", "01234567")
            .env(
                "ARGOCD_APP_SOURCE_PATH",
                self.app.strip_prefix(&self.repo).unwrap(),
            )
            .env(
                "ARGOCD_APP_SOURCE_REPO_URL",
                "https://git.example.com/ml.git",
            )
            .env("ARGOCD_APP_SOURCE_TARGET_REVISION", "main")
            .env("KUBE_VERSION", "1.33.1")
            .env(
                "KUBE_API_VERSIONS",
                "admissionregistration.k8s.io/v1,apps/v1,batch/v1,ray.io/v1,ray.io/v1alpha1,v1",
            )
            .envs(vars.iter().copied())
            .stdin(Stdio::null());
        if as_root() {
            cmd.uid(CMP_UID).gid(CMP_UID);
        }
        cmd
    }

    /// Runs a plugin command under the hostile-input limits and checks it
    /// changed nothing on disk.
    fn run(&self, args: &[&str], vars: &[(&str, &str)]) -> Bounded {
        assert!(self.discovered(), "discovery would not pick the app");
        let before = snapshot(&self.repo);
        let limits = Limits {
            cpu_secs: 10,
            ..Limits::default()
        };
        let out = run_bounded(self.command(args, vars), limits);
        assert_eq!(
            snapshot(&self.repo),
            before,
            "the run changed the source tree\n{}",
            out.shown()
        );
        assert!(
            std::fs::read_dir(&self.tmp).unwrap().next().is_none(),
            "the run left files in TMPDIR"
        );
        assert!(!out.stderr.contains("panicked"), "{}", out.shown());
        out
    }

    fn generate(&self, vars: &[(&str, &str)]) -> Bounded {
        self.run(&["argocd", "generate"], vars)
    }
}

/// Compares (or, blessing, writes) `tests/argocd_cmp/<case>.<stream>`.
fn golden(case: &str, stream: &str, actual: &str) {
    let path = repo_root()
        .join("tests/argocd_cmp")
        .join(format!("{case}.{stream}"));
    if blessing() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|_| panic!("{} is missing; bless with RAYC_BLESS=1", path.display()));
    assert!(
        expected == actual,
        "{case} {stream} differs from {}; bless with RAYC_BLESS=1 and read the diff\n--- actual\n{actual}",
        path.display()
    );
}

fn environment(env: &str) -> String {
    format!(r#"[{{"name":"environment","string":"{env}"}}]"#)
}

#[test]
fn every_environment_renders_its_golden_stream() {
    let checkout = Checkout::example("gitops-monorepo");
    for env in ["dev", "staging", "prod"] {
        let params = environment(env);
        let out = checkout.generate(&[
            ("ARGOCD_APP_PARAMETERS", &params),
            ("PARAM_ENVIRONMENT", env),
        ]);
        assert_eq!(out.code, Some(0), "{env}\n{}", out.shown());
        assert!(
            out.stdout.starts_with("apiVersion: "),
            "{env}: {}",
            out.stdout
        );
        golden(&format!("gitops-monorepo-{env}"), "stdout", &out.stdout);
        golden(&format!("gitops-monorepo-{env}"), "stderr", &out.stderr);
        // The plugin renders exactly what `rayc build --stdout` does.
        let example = repo_root().join("examples/gitops-monorepo");
        let build = Rayc::new(&example, &["build", "--stdout", "--env", env])
            .command()
            .output()
            .unwrap();
        assert_eq!(String::from_utf8_lossy(&build.stdout), out.stdout, "{env}");
    }
}

#[test]
fn param_vars_and_plugin_env_select_like_the_parameters_json() {
    let checkout = Checkout::example("gitops-monorepo");
    let by_json = checkout.generate(&[("ARGOCD_APP_PARAMETERS", &environment("staging"))]);
    let by_param = checkout.generate(&[("PARAM_ENVIRONMENT", "staging")]);
    let by_env = checkout.generate(&[("ARGOCD_ENV_ENVIRONMENT", "staging")]);
    assert_eq!(by_json.code, Some(0), "{}", by_json.shown());
    assert_eq!(by_param.stdout, by_json.stdout);
    assert_eq!(by_env.stdout, by_json.stdout);
}

#[test]
fn no_parameters_equal_the_announced_defaults() {
    let checkout = Checkout::example("gitops-monorepo");
    let announced = checkout.run(&["argocd", "params"], &[]);
    assert_eq!(announced.code, Some(0), "{}", announced.shown());
    let params: serde_json::Value = serde_json::from_str(&announced.stdout).unwrap();
    golden("gitops-monorepo-params", "stdout", &announced.stdout);
    // Several environments: no default, so the parameter is required.
    let env = params
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "environment")
        .unwrap();
    assert_eq!(env["required"], true);
    // Every announced default, sent explicitly, renders what omitting it does.
    let explicit: Vec<serde_json::Value> = params
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["name"] != "environment")
        .map(|p| {
            let mut sent = serde_json::json!({"name": p["name"]});
            for key in ["string", "array"] {
                if let Some(v) = p.get(key) {
                    sent[key] = v.clone();
                }
            }
            sent
        })
        .chain([serde_json::json!({"name": "environment", "string": "prod"})])
        .collect();
    let with_defaults = checkout.generate(&[(
        "ARGOCD_APP_PARAMETERS",
        &serde_json::to_string(&explicit).unwrap(),
    )]);
    let without = checkout.generate(&[("ARGOCD_APP_PARAMETERS", &environment("prod"))]);
    assert_eq!(with_defaults.code, Some(0), "{}", with_defaults.shown());
    assert_eq!(with_defaults.stdout, without.stdout);

    // And with no parameter at all the plugin refuses to guess the environment.
    let none = checkout.generate(&[]);
    assert_eq!(none.code, Some(2), "{}", none.shown());
    assert_eq!(none.stdout, "");
    golden("gitops-monorepo-no-params", "stderr", &none.stderr);
}

#[test]
fn disable_overlays_switches_an_overlay_off() {
    let checkout = Checkout::example("gitops-monorepo");
    let base = checkout.generate(&[("PARAM_ENVIRONMENT", "staging")]);
    let off = checkout.generate(&[
        ("PARAM_ENVIRONMENT", "staging"),
        ("PARAM_DISABLE_OVERLAYS_0", "gpu"),
    ]);
    assert_eq!(off.code, Some(0), "{}", off.shown());
    assert!(base.stdout.contains("nvidia.com/gpu"));
    assert!(!off.stdout.contains("nvidia.com/gpu"), "{}", off.stdout);
    let unknown = checkout.generate(&[
        ("PARAM_ENVIRONMENT", "staging"),
        ("PARAM_DISABLE_OVERLAYS_0", "gpus"),
    ]);
    assert_eq!(unknown.code, Some(2), "{}", unknown.shown());
    assert!(
        unknown.stderr.contains("error[RAY026]"),
        "{}",
        unknown.stderr
    );
    assert!(unknown.stderr.contains("unknown overlay \"gpus\""));
    assert_eq!(unknown.stdout, "");
}

#[test]
fn bad_input_is_refused_with_a_message_for_the_ui() {
    let checkout = Checkout::example("gitops-monorepo");
    for (vars, code, needle) in [
        (
            vec![("PARAM_ENVIRONMENT", "qa")],
            "RAY026",
            "unknown environment \"qa\"",
        ),
        (
            vec![("PARAM_ENVIROMENT", "dev")],
            "RAY026",
            "unknown parameter `ENVIROMENT`",
        ),
        (
            vec![("ARGOCD_APP_PARAMETERS", "[{\"name\": 1}]")],
            "RAY026",
            "not a JSON list",
        ),
        (
            vec![
                ("PARAM_ENVIRONMENT", "dev"),
                ("PARAM_KUBERAY_VERSION", "v9"),
            ],
            "RAY026",
            "unknown KubeRay version",
        ),
        (
            vec![
                ("PARAM_ENVIRONMENT", "dev"),
                ("ARGOCD_ENV_ENVIRONMENT", "prod"),
            ],
            "RAY026",
            "set one of them",
        ),
    ] {
        let out = checkout.generate(&vars);
        out.assert_refused();
        assert_eq!(out.stdout, "", "{vars:?}");
        assert!(
            out.stderr.contains(&format!("error[{code}]")) && out.stderr.contains(needle),
            "{vars:?}: {}",
            out.stderr
        );
        assert!(
            out.stderr.contains("Application ml-platform"),
            "{}",
            out.stderr
        );
    }
}

#[test]
fn a_cluster_without_ray_io_v1_is_refused() {
    let checkout = Checkout::example("gitops-monorepo");
    let out = checkout.generate(&[
        ("PARAM_ENVIRONMENT", "dev"),
        ("KUBE_API_VERSIONS", "apps/v1,batch/v1,v1"),
    ]);
    assert_eq!(out.code, Some(1), "{}", out.shown());
    assert_eq!(out.stdout, "");
    assert!(out.stderr.contains("error[RAY027]"), "{}", out.stderr);
    assert!(out.stderr.contains("does not serve ray.io/v1"));
}

const PROJECT: &str = "apiVersion: rayc.dev/v1alpha1\nkind: Project\nname: hostile\n";
const JOB: &str = "apiVersion: rayc.dev/v1alpha1
kind: RayJob
metadata: {name: hello, namespace: ml}
spec:
  image: rayproject/ray:2.46.0
  rayVersion: \"2.46.0\"
  entrypoint: python main.py
  code: {files: [main.py]}
  workers: [{name: cpu, replicas: 1, cpu: 1, memory: 2Gi}]
  head: {cpu: 1, memory: 2Gi}
";

#[test]
fn an_output_folder_outside_the_project_is_never_written() {
    let project = format!("{PROJECT}output: ../x\n");
    let checkout = Checkout::new(
        "apps/hostile",
        &[
            ("rayc.yaml", &project),
            ("jobs/hello.yaml", JOB),
            ("jobs/main.py", "print('hi')\n"),
        ],
        &[],
    );
    let out = checkout.generate(&[]);
    // `run` asserted the tree is unchanged: nothing at ../x. A repository
    // that points its output outside itself is refused even when the plugin
    // only prints: the same project must not build elsewhere either.
    assert!(!checkout.app.join("../x").exists());
    out.assert_refused();
    assert!(
        out.stderr
            .contains("rayc.yaml:4:9: error[RAY010]: output folder \"../x\" is not allowed"),
        "{}",
        out.shown()
    );
    assert_eq!(out.stdout, "");
}

#[test]
fn a_symlink_out_of_the_repository_is_refused() {
    let checkout = Checkout::new(
        "apps/hostile",
        &[("rayc.yaml", PROJECT), ("jobs/hello.yaml", JOB)],
        &[("jobs/main.py", "/etc/passwd")],
    );
    let out = checkout.generate(&[]);
    out.assert_refused();
    // Refused at the spec line that references the link.
    assert!(
        out.stderr.contains(
            "jobs/hello.yaml:8:18: error[RAY001]: code file path \"jobs/main.py\" leaves the project folder"
        ),
        "{}",
        out.shown()
    );
    assert_eq!(out.stdout, "");
    assert!(
        !out.stderr.contains("root:"),
        "leaked the target: {}",
        out.stderr
    );
}

#[test]
fn zero_objects_is_an_error_not_an_empty_sync() {
    let checkout = Checkout::new("apps/empty", &[("rayc.yaml", PROJECT)], &[]);
    let out = checkout.generate(&[]);
    out.assert_refused();
    assert_eq!(out.stdout, "", "Argo CD would prune everything");
    assert!(out.stderr.contains("RAY982"), "{}", out.stderr);
}

#[test]
fn generate_never_reads_a_project_above_the_app_folder() {
    let checkout = Checkout::new(
        "apps/none",
        &[("../rayc.yaml", PROJECT), ("../jobs/hello.yaml", JOB)],
        &[],
    );
    let out = run_bounded(
        checkout.command(&["argocd", "generate"], &[]),
        Limits::default(),
    );
    assert_eq!(out.code, Some(2), "{}", out.shown());
    assert!(out.stderr.contains("no rayc.yaml in ."), "{}", out.stderr);
    assert_eq!(out.stdout, "");
}

/// A project big enough that its stream overflows a pipe nobody reads.
fn big_project(jobs: usize) -> Vec<(String, String)> {
    let mut files = vec![
        ("rayc.yaml".to_owned(), PROJECT.to_owned()),
        ("jobs/main.py".to_owned(), "print('hi')\n".to_owned()),
    ];
    for i in 0..jobs {
        files.push((
            format!("jobs/job{i}.yaml"),
            JOB.replace("name: hello", &format!("name: job{i}")),
        ));
    }
    files
}

#[test]
fn sigterm_ends_generate_promptly() {
    let files = big_project(300);
    let borrowed: Vec<(&str, &str)> = files
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    let checkout = Checkout::new("apps/big", &borrowed, &[]);
    let mut child = checkout
        .command(&["argocd", "generate"], &[])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Nobody reads stdout: once the pipe is full rayc is mid-write, the
    // moment Argo CD's deadline usually strikes.
    std::thread::sleep(Duration::from_millis(1500));
    assert!(
        child.try_wait().unwrap().is_none(),
        "generate finished before the signal; the test proves nothing"
    );
    // SAFETY: kill on our own child's pid.
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    let sent = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(
            sent.elapsed() < Duration::from_secs(5),
            "still running 5 s after SIGTERM (Argo CD sends SIGKILL then)"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(
        !status.success(),
        "a terminated render must not look successful"
    );
    assert_eq!(status.signal(), Some(libc::SIGTERM), "{status:?}");
    assert!(
        std::fs::read_dir(&checkout.tmp).unwrap().next().is_none(),
        "left files in TMPDIR"
    );
}
