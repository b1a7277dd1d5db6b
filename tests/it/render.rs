//! Snapshot tests of every `--format` over one fixed run: several files, a
//! finding without a position, one without source text, a silenced one, one
//! that belongs to no resource, and a non-ASCII source line. The JSON output
//! is also checked against `schemas/validate-output.schema.json`.
//!
//! Bless changed snapshots with `cargo insta review` (and read the diff).

use rayc::diag::render::{self, Format};
use rayc::diag::report::{Report, ResourceResult, Status};
use rayc::diag::{Diagnostic, Sources, codes};
use rayc::load::node::Pos;

const CLUSTER: &str = "\
apiVersion: ray.io/v1
kind: RayCluster
metadata:
  name: demo
spec:
  workerGroupSpecs:
    - groupName: gpu
      replica: 2
      maxReplicas: 1   # fewer than minReplicas
      minReplicas: 4
";

const JOB: &str = "\
apiVersion: ray.io/v1
kind: RayJob
metadata:
  name: naïve-job
  labels: {チーム: ml, tier: gold}
  annotations:
    note: \"données — 日本語 ✓\"
spec:
  entrypoint: python train.py
  shutdownAfterJobFinishes: yes
";

const BROKEN: &str = "\
apiVersion: ray.io/v1
kind: RayJob
spec: [unclosed
";

fn at(line: u32, col: u32) -> Pos {
    Pos { line, col }
}

fn sources() -> Sources {
    let mut sources = Sources::default();
    sources.add("manifests/cluster.yaml", CLUSTER);
    sources.add("manifests/job.yaml", JOB);
    sources.add("manifests/broken.yaml", BROKEN);
    sources
}

fn code(text: &str) -> rayc::diag::codes::Code {
    rayc::diag::codes::Code::parse(text).unwrap()
}

fn diagnostics() -> Vec<Diagnostic> {
    let mut silenced = Diagnostic::warning(
        code("RAY911"),
        "manifests/job.yaml",
        at(10, 3),
        "`shutdownAfterJobFinishes` is a YAML 1.1 boolean spelt `yes`",
    )
    .with_path("spec.shutdownAfterJobFinishes")
    .with_object("RayJob", "naïve-job");
    silenced.suppressed_by = Some("annotation rayc.dev/ignore: RAY911".to_string());
    vec![
        Diagnostic::error(
            codes::UNKNOWN_FIELD,
            "manifests/cluster.yaml",
            at(8, 7),
            "unknown field `replica`",
        )
        .with_path("spec.workerGroupSpecs[0].replica")
        .with_help("did you mean `replicas`?")
        .with_object("RayCluster", "demo"),
        Diagnostic::error(
            code("RAY210"),
            "manifests/cluster.yaml",
            at(9, 20),
            "maxReplicas (1) is less than minReplicas (4)",
        )
        .with_path("spec.workerGroupSpecs[0].maxReplicas")
        .with_help("raise maxReplicas to at least 4, or lower minReplicas")
        .with_object("RayCluster", "demo"),
        Diagnostic::error(
            code("RAY301"),
            "manifests/job.yaml",
            at(4, 9),
            "name `naïve-job` is not a DNS-1035 label",
        )
        .with_path("metadata.name")
        .with_help("use lower-case ASCII letters, digits and '-'")
        .with_object("RayJob", "naïve-job"),
        // Columns count characters: this one comes after double-width ones.
        Diagnostic::warning(
            code("RAY401"),
            "manifests/job.yaml",
            at(5, 21),
            "label `tier` is not propagated to the job's pods",
        )
        .with_path("metadata.labels.tier")
        .with_object("RayJob", "naïve-job"),
        // A quoted value with non-ASCII text is underlined whole.
        Diagnostic::warning(
            code("RAY402"),
            "manifests/job.yaml",
            at(7, 11),
            "annotation value is not ASCII",
        )
        .with_path("metadata.annotations.note")
        .with_object("RayJob", "naïve-job"),
        silenced,
        Diagnostic::error(
            codes::YAML_SYNTAX,
            "manifests/broken.yaml",
            at(4, 1),
            "did not find expected ',' or ']'",
        )
        .with_help("close the flow sequence opened on line 3"),
        Diagnostic::error(
            codes::IO,
            "manifests/missing.yaml",
            Pos::UNKNOWN,
            "cannot read file: No such file or directory",
        ),
        // Not tied to any resource; rayc.yaml's text is not in Sources.
        Diagnostic::warning(
            codes::PROJECT,
            "rayc.yaml",
            at(3, 5),
            "environment `prod` has no overlays",
        )
        .with_help("remove it, or add overlays: [...]"),
        Diagnostic::error(
            code("RAY982"),
            "",
            Pos::UNKNOWN,
            "the project produced no objects",
        ),
    ]
}

fn resources() -> Vec<ResourceResult> {
    vec![
        ResourceResult::new("manifests/job.yaml", "RayJob", "naïve-job", "ray.io/v1"),
        ResourceResult::new("manifests/cluster.yaml", "RayCluster", "demo", "ray.io/v1"),
        ResourceResult::new("manifests/ok.yaml", "RayService", "serve", "ray.io/v1"),
        ResourceResult::new("manifests/ok.yaml", "ConfigMap", "settings", "v1").skipped(),
        ResourceResult::empty("manifests/ok.yaml"),
    ]
}

fn report() -> Report {
    Report::assemble(resources(), diagnostics())
}

fn render_with(format: Format, color: bool) -> String {
    render::render(format, &report(), &sources(), color)
}

#[test]
fn the_fixture_covers_every_status() {
    let statuses: Vec<Status> = report()
        .resources
        .iter()
        .map(ResourceResult::status)
        .collect();
    for status in [
        Status::Valid,
        Status::Invalid,
        Status::Error,
        Status::Skipped,
        Status::Empty,
    ] {
        assert!(statuses.contains(&status), "no {status:?} in {statuses:?}");
    }
}

#[test]
fn human_plain() {
    let out = render_with(Format::Human, false);
    assert!(
        !out.contains('\x1b'),
        "plain output must not contain ANSI escapes"
    );
    // Silenced findings are counted, not shown.
    assert!(!out.contains("RAY911"));
    assert!(out.ends_with(
        "(1 suppressed); 7 resources: 1 valid, 2 invalid, 2 not checkable, 1 skipped, 1 empty\n"
    ));
    insta::assert_snapshot!(out);
}

#[test]
fn human_color() {
    let out = render_with(Format::Human, true);
    assert!(
        out.contains("\x1b["),
        "coloured output must contain ANSI escapes"
    );
    assert!(!out.contains("\x1b]8;"), "no terminal hyperlinks");
    insta::assert_snapshot!(out.replace('\x1b', "␛"));
}

#[test]
fn human_color_differs_only_in_escapes() {
    let colored = render_with(Format::Human, true);
    let plain = render_with(Format::Human, false);
    assert_eq!(strip_ansi(&colored), plain);
}

#[test]
fn json() {
    let out = render_with(Format::Json, false);
    assert_eq!(out, render_with(Format::Json, true), "json never colours");
    insta::assert_snapshot!(out);
}

#[test]
fn github() {
    let out = render_with(Format::Github, false);
    assert!(!out.contains('\x1b'));
    assert!(!out.contains("RAY911"));
    insta::assert_snapshot!(out);
}

#[test]
fn output_does_not_depend_on_input_order() {
    let mut diags = diagnostics();
    diags.reverse();
    let mut res = resources();
    res.reverse();
    // Reversing also reverses the document order within ok.yaml, which is the
    // caller's to keep; so compare per format after putting that file back.
    res.sort_by_key(|r| r.filename != "manifests/ok.yaml");
    let shuffled = Report::assemble(res, diags);
    let mut expected = report();
    let ok: Vec<ResourceResult> = expected
        .resources
        .iter()
        .filter(|r| r.filename == "manifests/ok.yaml")
        .rev()
        .cloned()
        .collect();
    expected
        .resources
        .retain(|r| r.filename != "manifests/ok.yaml");
    expected.resources.extend(ok);
    expected.normalize();
    for format in Format::ALL {
        assert_eq!(
            render::render(format, &shuffled, &sources(), true),
            render::render(format, &expected, &sources(), true),
            "{format}"
        );
    }
}

#[test]
fn json_matches_its_schema() {
    let schema_text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/schemas/validate-output.schema.json"
    ))
    .unwrap();
    let schema: serde_json::Value = serde_json::from_str(&schema_text).unwrap();
    jsonschema::meta::validate(&schema).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();

    let empty = Report::default();
    let only_loose = Report::assemble(
        Vec::new(),
        vec![Diagnostic::error(
            code("RAY982"),
            "",
            Pos::UNKNOWN,
            "no objects",
        )],
    );
    for (what, report) in [
        ("fixture", report()),
        ("empty", empty),
        ("loose", only_loose),
    ] {
        let out = render::render(Format::Json, &report, &sources(), false);
        let instance: serde_json::Value = serde_json::from_str(&out).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&instance)
            .map(|e| format!("{}: {e}", e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{what}: {errors:#?}");
    }

    // The schema is strict enough to catch drift.
    let mut instance: serde_json::Value =
        serde_json::from_str(&render_with(Format::Json, false)).unwrap();
    instance["resources"][0]["status"] = "VALID".into();
    assert!(!validator.is_valid(&instance));
    let mut instance: serde_json::Value =
        serde_json::from_str(&render_with(Format::Json, false)).unwrap();
    instance["summary"]["renamed"] = 1.into();
    assert!(!validator.is_valid(&instance));
}

#[test]
fn json_keeps_silenced_findings() {
    let out: serde_json::Value = serde_json::from_str(&render_with(Format::Json, false)).unwrap();
    let silenced: Vec<&serde_json::Value> = out["resources"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| r["findings"].as_array().unwrap())
        .filter(|f| !f["suppressedBy"].is_null())
        .collect();
    assert_eq!(silenced.len(), 1);
    assert_eq!(silenced[0]["code"], "RAY911");
    assert_eq!(out["summary"]["suppressedCount"], 1);
}

/// Removes SGR escapes (`ESC [ … m`), the only ones the renderer writes.
fn strip_ansi(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            for c in chars.by_ref() {
                if c == 'm' {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}
