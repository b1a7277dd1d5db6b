//! The parallel build emits exactly what a single-threaded one does: the
//! `bench/gen.py` workload with three environments, plus specs with errors
//! and warnings, built with one thread and with several.

use crate::support::run::Rayc;
use std::ffi::OsStr;
use std::path::Path;
use std::process::{Command, Output};

fn generate(n: usize, dir: &Path) {
    let gen_py = Path::new(env!("CARGO_MANIFEST_DIR")).join("bench/gen.py");
    let status = Command::new("python3")
        .arg(gen_py)
        .arg("--envs")
        .arg(n.to_string())
        .arg(dir)
        .status()
        .expect("python3 runs bench/gen.py");
    assert!(status.success(), "bench/gen.py failed");
}

fn build(project: &Path, threads: &str, args: &[&str]) -> Output {
    let mut all = vec![OsStr::new("build"), OsStr::new("-C"), project.as_os_str()];
    all.extend(args.iter().map(OsStr::new));
    Rayc::new(project, &all)
        .env("RAYON_NUM_THREADS", threads)
        .command()
        .output()
        .expect("rayc runs")
}

fn assert_same(a: &Output, b: &Output, what: &str) {
    assert_eq!(
        a.status.code(),
        b.status.code(),
        "{what}: exit codes differ"
    );
    assert!(a.stdout == b.stdout, "{what}: stdout differs");
    assert!(
        a.stderr == b.stderr,
        "{what}: stderr differs:\n{}\n---\n{}",
        String::from_utf8_lossy(&a.stderr),
        String::from_utf8_lossy(&b.stderr)
    );
}

#[test]
fn parallel_build_is_byte_identical_to_sequential() {
    let dir = tempfile::tempdir().unwrap();
    generate(120, dir.path());
    let project = dir.path().join("rayc");
    let args = ["--all-envs", "--stdout"];
    let one = build(&project, "1", &args);
    assert_eq!(
        one.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&one.stderr)
    );
    // 3 environments × (120 RayJobs + 120 ConfigMaps + the PVCs).
    let text = String::from_utf8_lossy(&one.stdout);
    assert_eq!(text.matches("\nkind: RayJob\n").count(), 360);
    for threads in ["2", "4", "16"] {
        assert_same(&one, &build(&project, threads, &args), threads);
    }
}

#[test]
fn parallel_findings_come_in_the_same_order() {
    let dir = tempfile::tempdir().unwrap();
    generate(40, dir.path());
    let project = dir.path().join("rayc");
    // Errors in several specs: an unknown field, a bad quantity, a missing name.
    for (job, from, to) in [
        ("job-0003", "entrypoint:", "entrypont:"),
        ("job-0017", "replicas:", "replicas: -3\n    x-replicas:"),
        ("job-0031", "  name: job-0031", "  nam: job-0031"),
    ] {
        let path = project.join("jobs").join(job).join("job.yaml");
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains(from), "{job} has {from}");
        std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
    }
    let args = ["--all-envs", "--stdout"];
    let one = build(&project, "1", &args);
    assert_eq!(one.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&one.stderr);
    for job in ["job-0003", "job-0017", "job-0031"] {
        assert!(stderr.contains(job), "no finding for {job}:\n{stderr}");
    }
    for threads in ["2", "4", "16"] {
        assert_same(&one, &build(&project, threads, &args), threads);
    }
}

fn validate(dir: &Path, threads: &str) -> Output {
    Rayc::new(dir, &["validate", "rendered"])
        .env("RAYON_NUM_THREADS", threads)
        .command()
        .output()
        .expect("rayc runs")
}

#[test]
fn parallel_validate_of_a_folder_reports_in_the_same_order() {
    let dir = tempfile::tempdir().unwrap();
    generate(30, dir.path());
    let project = dir.path().join("rayc");
    let built = build(&project, "1", &["--all-envs"]);
    assert_eq!(built.status.code(), Some(0));
    let rendered = project.join("rendered");
    // Findings in several files: an unknown field, a port out of range.
    let mut broken = 0;
    for env in ["dev", "prod"] {
        for job in ["job-0004", "job-0019"] {
            let file = rendered
                .join(env)
                .join(format!("ml-{env}"))
                .join(format!("rayjob-{job}.yaml"));
            let text = std::fs::read_to_string(&file).unwrap();
            assert!(text.contains("rayVersion:") && text.contains("containerPort: 8265"));
            let text = text.replacen("rayVersion:", "rayVersoin:", 1);
            let text = text.replacen("containerPort: 8265", "containerPort: -1", 1);
            std::fs::write(&file, text).unwrap();
            broken += 1;
        }
    }
    assert_eq!(broken, 4);
    let one = validate(&project, "1");
    assert_eq!(one.status.code(), Some(1));
    // `rayc validate` reports on stdout.
    let report = String::from_utf8_lossy(&one.stdout);
    for job in ["job-0004", "job-0019"] {
        assert_eq!(
            report.matches(&format!("rayjob-{job}.yaml:")).count(),
            6,
            "RAY101, RAY207 and RAY501 for {job} in dev and prod:\n{report}"
        );
    }
    for threads in ["2", "4", "16"] {
        assert_same(&one, &validate(&project, threads), threads);
    }
}

#[test]
fn a_template_budget_run_out_fails_the_same_values_with_any_thread_count() {
    // Specs are templated in parallel; when the build's budget runs out, which
    // render it stops must not depend on threads (they template again in order).
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path();
    std::fs::write(
        project.join("rayc.yaml"),
        "apiVersion: rayc.dev/v1alpha1\nkind: Project\nname: t\nspecs: [\"specs/*.yaml\"]\n",
    )
    .unwrap();
    std::fs::create_dir(project.join("specs")).unwrap();
    // 24 specs × 30 values that each burn much of their own fuel: more than
    // the build's budget affords.
    for job in 0..24 {
        let mut spec = format!(
            "apiVersion: rayc.dev/v1alpha1\nkind: RayJob\nmetadata:\n  name: j{job}\nspec:\n  image: ray\n  entrypoint: python x.py\n  runtimeEnv:\n"
        );
        for i in 0..30 {
            spec.push_str(&format!(
                "    v{i}: '{{% for i in range(12000) %}}{{% endfor %}}{i}'\n"
            ));
        }
        std::fs::write(project.join(format!("specs/j{job:02}.yaml")), spec).unwrap();
    }
    let one = build(project, "1", &["--stdout"]);
    assert_eq!(one.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&one.stderr);
    assert!(stderr.contains("total budget"), "{stderr}");
    // Specs templated before the budget ran out are not reported.
    let refused = |spec: &str| {
        stderr
            .lines()
            .any(|l| l.starts_with(spec) && l.contains("RAY008"))
    };
    assert!(
        !refused("specs/j00.yaml") && refused("specs/j23.yaml"),
        "{stderr}"
    );
    for threads in ["2", "4"] {
        assert_same(&one, &build(project, threads, &["--stdout"]), threads);
    }
}
