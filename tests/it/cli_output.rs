//! The flags around findings on the real binary: `--format sarif|junit|tap`
//! (SARIF checked against the OASIS schema), `--quiet`, `--verbose`,
//! `--strict`, `--color`, `--ignore` with did-you-mean, `rayc rule` and
//! `rayc completions`. Bless with `INSTA_UPDATE=always cargo test --test it cli_output::`.

use crate::support::run::{Rayc, Run};
use std::path::Path;

/// rayc in `dir` with no colour variables at all: stdout and stderr are not
/// terminals, so the output must be plain without `NO_COLOR`'s help.
fn rayc(dir: &Path, args: &[&str]) -> Run {
    Rayc::new(dir, args).env_remove("NO_COLOR").run()
}

const REPO: &str = env!("CARGO_MANIFEST_DIR");

/// One RayCluster with an error (misspelt `replicas`) and a warning
/// (bounds without autoscaling), and a second, clean one.
const FINDINGS: &str = "\
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
      minReplicas: 1
      maxReplicas: 3
      rayStartParams: {}
      template:
        spec:
          containers:
            - name: ray-worker
              image: rayproject/ray:2.41.0
---
apiVersion: ray.io/v1
kind: RayCluster
metadata:
  name: clean
spec:
  rayVersion: \"2.41.0\"
  headGroupSpec:
    rayStartParams: {}
    template:
      spec:
        containers:
          - name: ray-head
            image: rayproject/ray:2.41.0
";

fn scratch(text: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("cluster.yaml"), text).unwrap();
    dir
}

fn sarif_validator() -> jsonschema::Validator {
    let text =
        std::fs::read_to_string(Path::new(REPO).join("tests/schemas/sarif-2.1.0-rtm.5.json"))
            .unwrap();
    // rtm.5's `language` patterns (run, toolComponent) have a stray `]` that
    // the meta-schema refuses as a regex; later revisions dropped it.
    let stray = "^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$";
    assert_eq!(text.matches(stray).count(), 2);
    let text = text.replace(stray, "^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}?$");
    let schema: serde_json::Value = serde_json::from_str(&text).unwrap();
    // Formats are checked too: file locations must be URI references.
    jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap()
}

fn assert_valid_sarif(text: &str) -> serde_json::Value {
    let value: serde_json::Value = serde_json::from_str(text).unwrap();
    let errors: Vec<String> = sarif_validator()
        .iter_errors(&value)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}\n{text}");
    value
}

#[test]
fn sarif_validates_against_the_oasis_schema() {
    let dir = scratch(FINDINGS);
    let run = rayc(
        dir.path(),
        &["validate", "cluster.yaml", "--format", "sarif"],
    );
    run.assert_code(1);
    assert_eq!(run.stderr, "");
    insta::assert_snapshot!("sarif", run.shown());
    let log = assert_valid_sarif(&run.stdout);
    let results = log["runs"][0]["results"].as_array().unwrap();
    let levels: Vec<&str> = results
        .iter()
        .map(|r| r["level"].as_str().unwrap())
        .collect();
    assert!(
        levels.contains(&"error") && levels.contains(&"warning"),
        "{levels:?}"
    );
    for r in results {
        let index = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(
            log["runs"][0]["tool"]["driver"]["rules"][index]["id"],
            r["ruleId"]
        );
    }

    // Silenced findings stay in the log, marked as suppressed; a clean run is valid too.
    let run = rayc(
        dir.path(),
        &[
            "validate",
            "cluster.yaml",
            "--format",
            "sarif",
            "--ignore",
            "RAY101",
        ],
    );
    run.assert_code(0);
    let log = assert_valid_sarif(&run.stdout);
    let suppressed = log["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["suppressions"][0]["justification"] == "--ignore")
        .count();
    assert_eq!(suppressed, 1, "{}", run.stdout);
    let clean = scratch(
        &FINDINGS
            .replace("replica:", "replicas:")
            .replace("      minReplicas: 1\n      maxReplicas: 3\n", ""),
    );
    let run = rayc(
        clean.path(),
        &["validate", "cluster.yaml", "--format", "sarif"],
    );
    run.assert_code(0);
    let log = assert_valid_sarif(&run.stdout);
    assert_eq!(log["runs"][0]["results"], serde_json::json!([]));
}

#[test]
fn sarif_paths_are_uri_references() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("my specs")).unwrap();
    std::fs::write(dir.path().join("my specs/c 1.yaml"), FINDINGS).unwrap();
    let run = rayc(
        dir.path(),
        &["validate", "my specs/c 1.yaml", "--format", "sarif"],
    );
    let log = assert_valid_sarif(&run.stdout);
    let uri = &log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
        ["uri"];
    assert_eq!(uri, "my%20specs/c%201.yaml");
}

#[test]
fn junit_and_tap() {
    let dir = scratch(FINDINGS);
    for format in ["junit", "tap"] {
        let run = rayc(
            dir.path(),
            &["validate", "cluster.yaml", "--format", format],
        );
        run.assert_code(1);
        assert_eq!(run.stderr, "");
        insta::assert_snapshot!(format, run.shown());
    }
    let run = rayc(dir.path(), &["validate", "cluster.yaml", "--format", "tap"]);
    let points = run
        .stdout
        .lines()
        .filter(|l| l.starts_with("ok ") || l.starts_with("not ok "))
        .count();
    assert!(
        run.stdout.contains(&format!("\n1..{points}\n")),
        "{}",
        run.stdout
    );
}

#[test]
fn quiet_prints_only_errors_and_strict_fails_on_warnings() {
    let dir = scratch(FINDINGS);
    let run = rayc(dir.path(), &["validate", "cluster.yaml", "-q"]);
    run.assert_code(1);
    insta::assert_snapshot!("quiet", run.shown());
    assert!(!run.stdout.contains("warning"), "{}", run.stdout);

    // No `replicas` at all: RAY209 (bounds without autoscaling) is the only finding.
    let warning_only = scratch(&FINDINGS.replace("      replica: 2\n", ""));
    let run = rayc(warning_only.path(), &["validate", "cluster.yaml"]);
    run.assert_code(0);
    assert!(run.stdout.contains("warning["), "{}", run.shown());
    let run = rayc(
        warning_only.path(),
        &["validate", "cluster.yaml", "--strict"],
    );
    run.assert_code(1);
    let run = rayc(
        warning_only.path(),
        &["validate", "cluster.yaml", "--quiet"],
    );
    run.assert_code(0);
    assert_eq!(run.stdout, "");
    let run = rayc(
        warning_only.path(),
        &["validate", "cluster.yaml", "-q", "-v"],
    );
    run.assert_code(2);
}

#[test]
fn color_always_and_never_override_the_terminal() {
    let dir = scratch(FINDINGS);
    let always = rayc(
        dir.path(),
        &["validate", "cluster.yaml", "--color", "always"],
    );
    assert!(always.stdout.contains("\x1b["), "{}", always.stdout);
    let never = rayc(
        dir.path(),
        &["validate", "cluster.yaml", "--color", "never"],
    );
    assert!(!never.stdout.contains('\x1b'));
    let auto = rayc(dir.path(), &["validate", "cluster.yaml"]);
    assert_eq!(auto.stdout, never.stdout, "not a terminal: no colour");
    let bad = rayc(
        dir.path(),
        &["validate", "cluster.yaml", "--color", "sometimes"],
    );
    bad.assert_code(2);
    insta::assert_snapshot!("color_bad", bad.shown());
}

#[test]
fn ignore_refuses_unknown_codes_with_did_you_mean() {
    let dir = scratch(FINDINGS);
    for (name, value) in [
        ("ignore_typo_code", "RAY10l"),
        ("ignore_typo_name", "min-abov-max"),
        ("ignore_unknown", "whatever"),
    ] {
        let run = rayc(dir.path(), &["validate", "cluster.yaml", "--ignore", value]);
        run.assert_code(2);
        assert_eq!(run.stdout, "");
        insta::assert_snapshot!(name, run.shown());
    }
    // Codes any case, rule names and `all` are accepted.
    for value in ["ray101,RAY209", "bounds-without-autoscaling,RAY101", "all"] {
        rayc(dir.path(), &["validate", "cluster.yaml", "--ignore", value]).assert_code(0);
    }
}

#[test]
fn rule_prints_the_rule_page() {
    let dir = tempfile::tempdir().unwrap();
    let run = rayc(dir.path(), &["rule", "RAY201"]);
    run.assert_code(0);
    let page = std::fs::read_to_string(Path::new(REPO).join("docs/rules/RAY201.md")).unwrap();
    assert_eq!(run.stdout, page, "rayc rule prints docs/rules/RAY201.md");
    let by_name = rayc(dir.path(), &["rule", "min-above-max"]);
    assert_eq!(by_name.stdout, page);
    // Codes that are not rules have their generated page too.
    let run = rayc(dir.path(), &["rule", "ray101"]);
    run.assert_code(0);
    let page = std::fs::read_to_string(Path::new(REPO).join("docs/codes/RAY101.md")).unwrap();
    assert_eq!(run.stdout, page, "rayc rule prints docs/codes/RAY101.md");
    assert!(page.starts_with("# RAY101: unknown-field\n"), "{page}");
    let run = rayc(dir.path(), &["rule", "RAY2O1"]);
    run.assert_code(2);
    insta::assert_snapshot!("rule_unknown", run.shown());
}

#[test]
fn completions_for_every_shell() {
    let dir = tempfile::tempdir().unwrap();
    for (shell, marker) in [
        ("bash", "complete -F _rayc"),
        ("zsh", "#compdef rayc"),
        ("fish", "complete -c rayc"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        let run = rayc(dir.path(), &["completions", shell]);
        run.assert_code(0);
        assert!(run.stdout.contains(marker), "{shell}: {}", run.stdout);
        for word in ["validate", "completions", "strict", "sarif"] {
            assert!(run.stdout.contains(word), "{shell} lacks {word}");
        }
    }
    let run = rayc(dir.path(), &["completions", "tcsh"]);
    run.assert_code(2);
    insta::assert_snapshot!("completions_unknown_shell", run.shown());
}

#[test]
fn dashboard_notes_only_with_verbose() {
    let dir = tempfile::tempdir().unwrap();
    rayc(dir.path(), &["init", ".", "--name", "demo"]).assert_code(0);
    let spec = dir.path().join("specs/hello.yaml");
    let text = std::fs::read_to_string(&spec).unwrap();
    let text = text.replace(
        "  workers:\n",
        "  head:\n    enableIngress: true\n  workers:\n",
    );
    std::fs::write(&spec, text).unwrap();
    let plain = rayc(dir.path(), &["build", "--stdout"]);
    plain.assert_code(0);
    assert!(!plain.stderr.contains("note:"), "{}", plain.shown());
    let verbose = rayc(dir.path(), &["build", "-v", "--stdout"]);
    verbose.assert_code(0);
    assert!(verbose.stderr.contains("note: "), "{}", verbose.shown());
    let quiet = rayc(dir.path(), &["build", "-q"]);
    quiet.assert_code(0);
    assert_eq!(quiet.stderr, "", "no progress line under --quiet");
    assert!(dir.path().join("rendered").is_dir());
}

/// docs/output-formats.md shows every format from this real run; with
/// `RAYC_BLESS=1` the test rewrites those blocks (read the diff).
#[test]
fn docs_show_real_output_in_every_format() {
    let path = Path::new(REPO).join("docs/output-formats.md");
    let mut docs = std::fs::read_to_string(&path).unwrap();
    assert!(docs.contains(&format!("```yaml\n# cluster.yaml\n{FINDINGS}```\n")));
    let dir = scratch(FINDINGS);
    let bless = std::env::var_os("RAYC_BLESS").is_some_and(|v| v == "1");
    let mut missing = Vec::new();
    for format in ["human", "json", "github", "sarif", "junit", "tap"] {
        let run = rayc(
            dir.path(),
            &["validate", "cluster.yaml", "--format", format],
        );
        run.assert_code(1);
        let command = format!("$ rayc validate cluster.yaml --format {format}\n");
        let block = format!("```text\n{command}{}{}```\n", run.stdout, run.stderr);
        if docs.contains(&block) {
            continue;
        }
        let start = docs.find(&command).map(|at| at - "```text\n".len());
        let end = start.and_then(|at| docs[at + 8..].find("```\n").map(|e| at + 8 + e + 4));
        match (bless, start, end) {
            (true, Some(start), Some(end)) => docs.replace_range(start..end, &block),
            _ => missing.push(block),
        }
    }
    if bless {
        std::fs::write(&path, &docs).unwrap();
    }
    assert!(
        missing.is_empty(),
        "docs/output-formats.md lacks (RAYC_BLESS=1 rewrites the blocks):\n{}",
        missing.concat()
    );
}
