//! `rayc import` on the real binary: the round trip (import, then `rayc build`
//! gives the input objects back after the normalisations of docs/import.md)
//! on every shared sample, the wild manifests, the seed tutorial and every
//! example's golden output; the size table of docs/import.md; the doc's
//! example; and every refusal.

use crate::support::bounded;
use crate::support::samples;

use std::path::{Path, PathBuf};
use std::process::Output;

use rayc::load::{Limits, parse_documents};
use serde_json::Value;

use crate::support::run::{Rayc, Run};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn rayc(args: &[&str]) -> Output {
    Rayc::new(&repo(), args)
        .command()
        .output()
        .expect("run rayc")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The objects of YAML files or folders.
fn objects_of(paths: &[PathBuf]) -> Vec<Value> {
    let mut out = Vec::new();
    for path in paths {
        let files: Vec<PathBuf> = if path.is_dir() {
            walk(path)
        } else {
            vec![path.clone()]
        };
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap();
            let docs = parse_documents(&file.to_string_lossy(), &text, Limits::USER).unwrap();
            out.extend(docs.iter().map(|d| d.node.to_json()));
        }
    }
    out
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else if path.extension().is_some_and(|x| x == "yaml" || x == "yml") {
            out.push(path);
        }
    }
    out.sort();
    out
}

/// Lines of `rayc.yaml` and the spec files of an imported project (code
/// files are the input's own text and not counted).
fn spec_lines(project: &Path) -> usize {
    let mut files = vec![project.join("rayc.yaml")];
    files.extend(walk(&project.join("specs")));
    files
        .iter()
        .map(|f| std::fs::read_to_string(f).unwrap().lines().count())
        .sum()
}

fn input_lines(paths: &[PathBuf]) -> usize {
    paths
        .iter()
        .flat_map(|p| if p.is_dir() { walk(p) } else { vec![p.clone()] })
        .map(|f| std::fs::read_to_string(f).unwrap().lines().count())
        .sum()
}

/// Imports `paths` into a fresh project, builds it, and returns the
/// differences between input and output objects after normalisation (empty:
/// the round trip holds), with the spec line count.
fn round_trip(paths: &[PathBuf], work: &Path) -> (Vec<String>, usize) {
    match try_round_trip(paths, work) {
        Outcome::Compared(diffs, lines) => (diffs, lines),
        other => panic!("import of {paths:?}: {other:?}"),
    }
}

#[derive(Debug)]
enum Outcome {
    /// Imported without a RAY037 warning: the differences found (none expected), spec lines.
    Compared(Vec<String>, usize),
    /// Imported, but rayc itself warned that the build differs (RAY037).
    Warned(usize),
    /// Refused, with this exit code and first error line.
    Refused(i32, String),
}

fn try_round_trip(paths: &[PathBuf], work: &Path) -> Outcome {
    let project = work.join("project");
    let mut args: Vec<String> = vec!["import".into()];
    args.extend(paths.iter().map(|p| p.to_string_lossy().into_owned()));
    args.extend(["--into".into(), project.to_string_lossy().into_owned()]);
    // A RayCronJob input assumes an operator running RayCronJobs (RAY941).
    let files = paths
        .iter()
        .flat_map(|p| if p.is_dir() { walk(p) } else { vec![p.clone()] });
    if files
        .map(|f| std::fs::read_to_string(f).unwrap_or_default())
        .any(|t| t.contains("kind: RayCronJob"))
    {
        args.extend(["--feature-gates".into(), "RayCronJob=true".into()]);
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = rayc(&args);
    let stderr = text(&out.stderr);
    if out.status.code() != Some(0) {
        let first = stderr
            .lines()
            .find(|l| l.contains("error["))
            .unwrap_or_default();
        let code = first.find("error[").map_or("", |i| &first[i + 6..i + 12]);
        return Outcome::Refused(out.status.code().unwrap_or(-1), code.to_owned());
    }
    if stderr.contains("warning[RAY037]") {
        return Outcome::Warned(spec_lines(&project));
    }
    let built = rayc(&["build", "-C", &project.to_string_lossy(), "--stdout"]);
    assert_eq!(
        built.status.code(),
        Some(0),
        "build of the import of {paths:?} failed:\n{}",
        text(&built.stderr)
    );
    let stream = text(&built.stdout);
    let built: Vec<Value> = parse_documents("stream", &stream, Limits::USER)
        .unwrap()
        .iter()
        .map(|d| d.node.to_json())
        .collect();
    let mut input = objects_of(paths);
    // `generateName` becomes a fixed name, with a warning (RAY036).
    for o in &mut input {
        let Some(meta) = o["metadata"].as_object_mut() else {
            continue;
        };
        if meta.contains_key("name") {
            continue;
        }
        if let Some(prefix) = meta.remove("generateName") {
            let fixed = prefix.as_str().unwrap_or_default().trim_end_matches('-');
            assert!(
                stderr.contains(&format!("imported as the fixed name {fixed:?}")),
                "{stderr}"
            );
            meta.insert("name".into(), fixed.into());
        }
    }
    // Objects rayc does not import are reported (RAY036) and not compared.
    input.retain(|o| {
        let kind = o["kind"].as_str().unwrap_or_default();
        let name = o["metadata"]["name"].as_str().unwrap_or_default();
        // ConfigMaps (code) and PersistentVolumeClaims (`claims`) a spec took.
        let imported = o["apiVersion"] == "ray.io/v1"
            || o["apiVersion"] == "ray.io/v1alpha1"
            || (matches!(kind, "ConfigMap" | "PersistentVolumeClaim")
                && !stderr.contains(&format!("{kind} {name} is not imported")));
        if !imported {
            assert!(
                stderr.contains(&format!("{kind} {name} is not imported")),
                "{kind} {name} left out without a warning:\n{stderr}"
            );
        }
        imported
    });
    Outcome::Compared(compare(input, built), spec_lines(&project))
}

/// Pairs input and built objects and compares them after the normalisations
/// of docs/import.md: canonical quantities, rayc's labels, YAML in strings as
/// data, code ConfigMaps paired by their data and renamed (with the volume
/// that mounts them) to rayc's names.
fn compare(mut input: Vec<Value>, built: Vec<Value>) -> Vec<String> {
    let mut diffs = Vec::new();
    let config_maps: Vec<(String, String, String)> = input
        .iter()
        .filter(|o| o["kind"] == "ConfigMap")
        .filter_map(|cm| {
            let twin = built
                .iter()
                .find(|b| b["kind"] == "ConfigMap" && b["data"] == cm["data"])?;
            Some((
                cm["metadata"]["name"].as_str()?.to_owned(),
                twin["metadata"]["name"].as_str()?.to_owned(),
                String::new(),
            ))
        })
        .collect();
    for (old, new, _) in &config_maps {
        for object in input.iter_mut() {
            rename_config_map(object, old, new);
        }
    }
    for object in &input {
        let key = |o: &Value| {
            (
                o["kind"].clone(),
                o["metadata"]["name"].clone(),
                o["metadata"]["namespace"].clone(),
            )
        };
        let want = strip(rayc::import::normalise(object));
        match built.iter().find(|b| key(b) == key(object)) {
            None => diffs.push(format!("{:?} is not built back", key(object))),
            Some(b) => {
                let have = rayc::import::normalise(b);
                if let Some(path) = rayc::import::first_difference(&have, &want, String::new()) {
                    diffs.push(format!(
                        "{:?} differs at {path}:\n  built: {}\n  input: {}",
                        key(object),
                        pointer(&have, &path),
                        pointer(&want, &path)
                    ));
                }
            }
        }
    }
    diffs
}

fn pointer(v: &Value, path: &str) -> String {
    let mut node = v;
    for part in path.split('.') {
        let (k, i) = match part.split_once('[') {
            Some((k, r)) => (k, r.trim_end_matches(']').parse::<usize>().ok()),
            None => (part, None),
        };
        node = &node[k];
        if let Some(i) = i {
            node = &node[i];
        }
    }
    node.to_string()
}

/// Top-level `status` and cluster-written metadata are reported, not imported.
fn strip(mut o: Value) -> Value {
    if let Some(m) = o.as_object_mut() {
        m.retain(|k, _| {
            matches!(
                k.as_str(),
                "apiVersion" | "kind" | "metadata" | "spec" | "data"
            )
        });
    }
    if let Some(m) = o.get_mut("metadata").and_then(Value::as_object_mut) {
        m.retain(|k, _| matches!(k.as_str(), "name" | "namespace" | "labels" | "annotations"));
    }
    o
}

/// Renames ConfigMap `old` to `new` in an object, and the volumes mounting
/// it to rayc's `code` (with their mounts).
fn rename_config_map(object: &mut Value, old: &str, new: &str) {
    if object["kind"] == "ConfigMap" {
        if object["metadata"]["name"] == old {
            object["metadata"]["name"] = new.into();
        }
        return;
    }
    let mut renamed = Vec::new();
    visit(object, &mut |v| {
        if let Some(vols) = v.get_mut("volumes").and_then(Value::as_array_mut) {
            for vol in vols {
                if vol.get("configMap").and_then(|c| c.get("name")) == Some(&Value::from(old)) {
                    renamed.push(vol["name"].as_str().unwrap_or_default().to_owned());
                    vol["configMap"]["name"] = new.into();
                    vol["name"] = "code".into();
                }
            }
        }
    });
    visit(object, &mut |v| {
        if let Some(mounts) = v.get_mut("volumeMounts").and_then(Value::as_array_mut) {
            for m in mounts {
                if renamed.iter().any(|r| m["name"] == r.as_str()) {
                    m["name"] = "code".into();
                }
            }
        }
    });
}

fn visit(v: &mut Value, f: &mut dyn FnMut(&mut Value)) {
    f(v);
    match v {
        Value::Object(m) => m.values_mut().for_each(|c| visit(c, f)),
        Value::Array(a) => a.iter_mut().for_each(|c| visit(c, f)),
        _ => {}
    }
}

/// Every input of the contract: (label, paths imported together).
fn cases() -> Vec<(String, Vec<PathBuf>)> {
    let mut out = Vec::new();
    if let Some(shared) = samples::shared_dir("the import round trip of the shared samples") {
        for dir in ["kuberay/samples", "kuberay/wild", "seed"] {
            for file in walk(&shared.join(dir)) {
                let label = file
                    .strip_prefix(&shared)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                out.push((label, vec![file]));
            }
        }
    }
    // Every example's golden output: one import per environment folder.
    let golden = repo().join("golden");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&golden)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    for dir in dirs {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        if dir.join("kustomization.yaml").is_file() {
            out.push((format!("golden/{name}"), vec![dir]));
        } else {
            let mut envs: Vec<PathBuf> = std::fs::read_dir(&dir)
                .unwrap()
                .map(|e| e.unwrap().path())
                .filter(|p| p.is_dir())
                .collect();
            envs.sort();
            for env in envs {
                let e = env.file_name().unwrap().to_string_lossy().into_owned();
                out.push((format!("golden/{name}/{e}"), vec![env]));
            }
        }
    }
    out
}

const TABLE_START: &str = "<!-- size table: generated by tests/it/import.rs -->";
const TABLE_END: &str = "<!-- end of size table -->";

#[test]
fn round_trip_holds_on_every_input_and_sizes_are_documented() {
    let work = tempfile::tempdir().unwrap();
    let mut failures = Vec::new();
    let mut rows = Vec::new();
    let (mut total_in, mut total_spec) = (0, 0);
    for (i, (label, paths)) in cases().iter().enumerate() {
        let dir = work.path().join(i.to_string());
        std::fs::create_dir(&dir).unwrap();
        let input = input_lines(paths);
        let (state, spec) = match try_round_trip(paths, &dir) {
            Outcome::Compared(diffs, spec) => {
                if !diffs.is_empty() {
                    failures.push(format!("{label}:\n{}", diffs.join("\n")));
                }
                ("exact".to_owned(), spec)
            }
            Outcome::Warned(spec) => ("differs (RAY037)".to_owned(), spec),
            Outcome::Refused(code, first) => {
                rows.push(format!(
                    "| `{label}` | {input} | | | refused (exit {code}, {first}) |"
                ));
                continue;
            }
        };
        total_in += input;
        total_spec += spec;
        rows.push(format!(
            "| `{label}` | {input} | {spec} | {}% | {state} |",
            spec * 100 / input.max(1)
        ));
    }
    assert!(
        failures.is_empty(),
        "round trip broken:\n{}",
        failures.join("\n\n")
    );
    if samples::shared_dir("the size table of docs/import.md").is_none() {
        return;
    }
    rows.push(format!(
        "| **total imported** | {total_in} | {total_spec} | {}% | |",
        total_spec * 100 / total_in.max(1)
    ));
    let table = format!(
        "{TABLE_START}\n| input | input lines | spec lines | spec / input | round trip |\n|---|---|---|---|---|\n{}\n{TABLE_END}",
        rows.join("\n")
    );
    let doc_path = repo().join("docs/import.md");
    let doc = std::fs::read_to_string(&doc_path).unwrap();
    let (Some(start), Some(end)) = (doc.find(TABLE_START), doc.find(TABLE_END)) else {
        panic!("docs/import.md lacks the size table markers");
    };
    let fresh = format!("{}{table}{}", &doc[..start], &doc[end + TABLE_END.len()..]);
    if std::env::var_os("RAYC_BLESS").is_some() {
        std::fs::write(&doc_path, &fresh).unwrap();
    } else {
        assert!(
            fresh == doc,
            "docs/import.md size table is stale; run with RAYC_BLESS=1 and read the diff"
        );
    }
    eprintln!("import size: {total_spec} spec lines for {total_in} input lines");
}

const CLUSTER: &str = "apiVersion: ray.io/v1
kind: RayCluster
metadata:
  name: small
  namespace: ml
spec:
  rayVersion: \"2.46.0\"
  headGroupSpec:
    template:
      spec:
        containers:
        - name: ray-head
          image: rayproject/ray:2.46.0
  workerGroupSpecs:
  - groupName: workers
    replicas: 2
    template:
      spec:
        containers:
        - name: ray-worker
          image: rayproject/ray:2.46.0
          resources:
            limits: {cpu: 2, memory: 4Gi}
            requests: {cpu: 2, memory: 4Gi}
";

/// A folder holding `files`, for one test.
fn fixture(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    dir
}

fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn an_existing_target_is_never_overwritten() {
    let dir = fixture(&[("in.yaml", CLUSTER)]);
    let target = dir.path().join("project");
    std::fs::create_dir(&target).unwrap();
    std::fs::write(target.join("rayc.yaml"), "mine\n").unwrap();
    let out = rayc(&[
        "import",
        &dir.path().join("in.yaml").to_string_lossy(),
        "--into",
        &target.to_string_lossy(),
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("error[RAY038]") && stderr.contains("is not empty"),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read_to_string(target.join("rayc.yaml")).unwrap(),
        "mine\n"
    );
    assert_eq!(entries(&target), ["rayc.yaml"]);
    assert_eq!(
        entries(dir.path()),
        ["in.yaml", "project"],
        "nothing left behind"
    );

    // A file in the way is refused too.
    let file = dir.path().join("in.yaml");
    let out = rayc(&[
        "import",
        &file.to_string_lossy(),
        "--into",
        &file.to_string_lossy(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("exists and is not a folder"));
}

#[test]
fn invalid_input_is_refused_with_the_findings_of_validate() {
    let bad = CLUSTER.replace("replicas: 2", "replicas: two");
    let dir = fixture(&[("in.yaml", &bad)]);
    let input = dir.path().join("in.yaml");
    let target = dir.path().join("project");
    let out = rayc(&[
        "import",
        &input.to_string_lossy(),
        "--into",
        &target.to_string_lossy(),
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let validate = rayc(&["validate", &input.to_string_lossy()]);
    let findings = |s: &str| -> Vec<String> {
        s.lines()
            .filter(|l| l.contains("error["))
            .map(str::to_owned)
            .collect()
    };
    let (import, validate) = (
        findings(&text(&out.stderr)),
        findings(&text(&validate.stdout)),
    );
    assert!(!import.is_empty());
    assert_eq!(import, validate);
    assert!(
        import[0].contains("in.yaml:16:15: error[RAY102]"),
        "{import:?}"
    );
    assert_eq!(entries(dir.path()), ["in.yaml"], "nothing written");

    // A field of a later KubeRay version is refused for an earlier target.
    let newer = CLUSTER.replace(
        "  rayVersion:",
        "  upgradeStrategy: {type: Recreate}\n  rayVersion:",
    );
    std::fs::write(&input, newer).unwrap();
    let out = rayc(&[
        "import",
        &input.to_string_lossy(),
        "--into",
        &target.to_string_lossy(),
        "--kuberay-version",
        "v1.3",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let validate = rayc(&[
        "validate",
        &input.to_string_lossy(),
        "--kuberay-version",
        "v1.3",
    ]);
    let (import, validate) = (
        findings(&text(&out.stderr)),
        findings(&text(&validate.stdout)),
    );
    assert!(
        import.iter().any(|l| l.contains("error[RAY106]")),
        "{import:?}"
    );
    assert_eq!(import, validate);
    assert_eq!(entries(dir.path()), ["in.yaml"]);
}

#[test]
fn comments_unknown_fields_and_other_kinds_are_reported_not_dropped_silently() {
    let input = format!(
        "# the team's cluster\n{}---\napiVersion: v1\nkind: Service\nmetadata:\n  name: extra\n",
        CLUSTER
            .replace(
                "  rayVersion:",
                "  shinyField: 1 # not KubeRay\n  rayVersion:"
            )
            .replace("  namespace: ml\n", "  namespace: ml\n  uid: \"1234\"\n")
    );
    let dir = fixture(&[("in.yaml", &input)]);
    let target = dir.path().join("project");
    let out = rayc(&[
        "import",
        &dir.path().join("in.yaml").to_string_lossy(),
        "--into",
        &target.to_string_lossy(),
    ]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    for expected in [
        "in.yaml:1:1: warning[RAY035]: comment not carried into the spec",
        "in.yaml:9:17: warning[RAY035]",
        "in.yaml:9:3: warning[RAY101]: unknown field \"shinyField\"",
        "in.yaml:7:3: warning[RAY036]: `metadata.uid` is not imported",
        "warning[RAY036]: Service extra is not imported",
    ] {
        assert!(
            stderr.contains(expected),
            "missing {expected:?} in:\n{stderr}"
        );
    }
    let spec = std::fs::read_to_string(target.join("specs/raycluster-small.yaml")).unwrap();
    assert!(
        !spec.contains("shinyField") && !spec.contains("1234"),
        "{spec}"
    );
    let stdout = text(&out.stdout);
    assert!(stdout.contains("imported 1 file(s) into"), "{stdout}");
}

#[test]
fn into_factors_what_the_specs_share_into_rayc_yaml() {
    let other = CLUSTER
        .replace("name: small", "name: other")
        .replace("replicas: 2", "replicas: 5");
    let dir = fixture(&[("a.yaml", CLUSTER), ("b.yaml", &other)]);
    let target = dir.path().join("team");
    let paths = [dir.path().join("a.yaml"), dir.path().join("b.yaml")];
    let (diffs, _) = round_trip(&paths, &dir.path().join("w").tap_mkdir());
    assert!(diffs.is_empty(), "{diffs:?}");
    let out = rayc(&[
        "import",
        &dir.path().to_string_lossy(),
        "--into",
        &target.to_string_lossy(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let project = std::fs::read_to_string(target.join("rayc.yaml")).unwrap();
    insta::assert_snapshot!(project);
    let spec = std::fs::read_to_string(target.join("specs/raycluster-other.yaml")).unwrap();
    insta::assert_snapshot!(spec);
}

trait TapMkdir {
    fn tap_mkdir(self) -> PathBuf;
}

impl TapMkdir for PathBuf {
    fn tap_mkdir(self) -> PathBuf {
        std::fs::create_dir_all(&self).unwrap();
        self
    }
}

#[test]
fn hostile_input_is_refused_within_limits() {
    let deep = format!("{}1{}", "[".repeat(100_000), "]".repeat(100_000));
    let dir = fixture(&[("deep.yaml", &deep)]);
    Rayc::new(dir.path(), &["import", "deep.yaml", "--into", "out"])
        .bounded(bounded::Limits::default())
        .assert_refused()
        .assert_located("deep.yaml", "RAY00");
    assert_eq!(entries(dir.path()), ["deep.yaml"]);
}

/// The example of docs/import.md is what `rayc import` writes.
#[test]
fn the_doc_example_is_real_output() {
    let doc = std::fs::read_to_string(repo().join("docs/import.md")).unwrap();
    let block = |tag: &str| -> String {
        let start = doc
            .find(&format!("```yaml {tag}\n"))
            .unwrap_or_else(|| panic!("no {tag} block"))
            + 9
            + tag.len();
        doc[start..start + doc[start..].find("```").unwrap()].to_owned()
    };
    let dir = fixture(&[("raycluster.yaml", &block("input"))]);
    let target = dir.path().join("project");
    let out = rayc(&[
        "import",
        &dir.path().join("raycluster.yaml").to_string_lossy(),
        "--into",
        &target.to_string_lossy(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let spec = std::fs::read_to_string(walk(&target.join("specs"))[0].clone()).unwrap();
    if std::env::var_os("RAYC_BLESS").is_some() && spec != block("spec") {
        let stale = format!("```yaml spec\n{}```", block("spec"));
        let fresh = format!("```yaml spec\n{spec}```");
        std::fs::write(repo().join("docs/import.md"), doc.replace(&stale, &fresh)).unwrap();
    } else {
        assert_eq!(
            spec,
            block("spec"),
            "docs/import.md example is stale; run with RAYC_BLESS=1"
        );
    }
}

#[test]
fn input_without_ray_objects_is_refused_and_nothing_is_written() {
    let only = "apiVersion: v1\nkind: Service\nmetadata:\n  name: extra\n";
    let dir = fixture(&[("in.yaml", only)]);
    let out = rayc(&[
        "import",
        &dir.path().join("in.yaml").to_string_lossy(),
        "--into",
        &dir.path().join("project").to_string_lossy(),
    ]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("in.yaml:1:1: error[RAY036]: nothing to import"),
        "{stderr}"
    );
    assert_eq!(entries(dir.path()), ["in.yaml"], "nothing written");
}

#[test]
fn a_ray_container_with_another_name_keeps_it_through_container_name() {
    let input = CLUSTER.replace("        - name: ray-worker", "        - name: llm");
    let dir = fixture(&[("in.yaml", &input)]);
    let target = dir.path().join("project");
    let out = rayc(&[
        "import",
        &dir.path().join("in.yaml").to_string_lossy(),
        "--into",
        &target.to_string_lossy(),
    ]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains("RAY037"), "{stderr}");
    let spec = std::fs::read_to_string(target.join("specs/raycluster-small.yaml")).unwrap();
    assert!(
        spec.contains("containerName: llm") && !spec.contains("template"),
        "the container is the Ray container, not a sidecar:\n{spec}"
    );
    let built = rayc(&["build", "-C", &target.to_string_lossy(), "--stdout"]);
    let stream = text(&built.stdout);
    assert_eq!(stream.matches("- name: llm").count(), 1, "{stream}");
    assert!(!stream.contains("ray-worker"), "{stream}");

    // Kubernetes requires a DNS-1123 label: anything else is a located error.
    let file = target.join("specs/raycluster-small.yaml");
    std::fs::write(
        &file,
        spec.replace("containerName: llm", "containerName: Big_LLM"),
    )
    .unwrap();
    let built = rayc(&["build", "-C", &target.to_string_lossy(), "--stdout"]);
    let stderr = text(&built.stderr);
    assert_eq!(built.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("error[RAY107]: \"Big_LLM\" does not match the required pattern")
            && stderr.contains("spec.workers[0].containerName"),
        "{stderr}"
    );
}

/// Runs rayc with `stdin` piped in, in `dir`.
fn rayc_piped(dir: &Path, args: &[&str], stdin: &[u8]) -> Run {
    Rayc::new(dir, args).stdin(stdin).run()
}

#[test]
fn import_dash_reads_one_stream_from_stdin() {
    let dir = tempfile::tempdir().unwrap();
    let input = format!("# piped\n{CLUSTER}");
    let out = rayc_piped(
        dir.path(),
        &["import", "-", "--into", "team"],
        input.as_bytes(),
    );
    let stderr = out.stderr.clone();
    assert_eq!(out.code, 0, "{stderr}");
    assert!(
        stderr.contains("<stdin>:1:1: warning[RAY035]: comment not carried into the spec"),
        "findings name the stream <stdin>:\n{stderr}"
    );
    assert_eq!(
        entries(&dir.path().join("team/specs")),
        ["raycluster-small.yaml"]
    );
    let built = rayc(&[
        "build",
        "-C",
        &dir.path().join("team").to_string_lossy(),
        "--stdout",
    ]);
    assert_eq!(built.status.code(), Some(0), "{}", text(&built.stderr));
    assert!(text(&built.stdout).contains("name: small"));
}

#[test]
fn import_from_stdin_refuses_what_it_cannot_take() {
    let dir = tempfile::tempdir().unwrap();
    let refused = |args: &[&str], stdin: &[u8], code: i32, expected: &str| {
        let out = rayc_piped(dir.path(), args, stdin);
        let stderr = out.stderr;
        assert_eq!(out.code, code, "{args:?}: {stderr}");
        assert!(
            stderr.contains(expected),
            "{args:?}: missing {expected:?} in\n{stderr}"
        );
        assert!(entries(dir.path()).is_empty(), "nothing written: {args:?}");
    };
    // `--into` is required: there is no file name to make a project name of.
    refused(
        &["import", "-"],
        CLUSTER.as_bytes(),
        2,
        "the following required arguments were not provided",
    );
    refused(
        &["import", "-", "-", "--into", "p"],
        CLUSTER.as_bytes(),
        2,
        "- (stdin) given twice",
    );
    refused(
        &["import", "-", "--into", "p"],
        b"a: \xff\n",
        2,
        "<stdin>:1:1: error[RAY001]: stdin is not UTF-8 text",
    );
    let huge = format!("# {}\n", "x".repeat(16 * 1024 * 1024));
    refused(
        &["import", "-", "--into", "p"],
        huge.as_bytes(),
        2,
        "<stdin>:1:1: error[RAY004]: stdin is larger than 16777216 bytes",
    );
    // Broken YAML and invalid objects: located in the stream, exit 1.
    refused(
        &["import", "-", "--into", "p"],
        b"kind: RayCluster\nspec: [\n",
        1,
        "<stdin>:",
    );
    refused(
        &["import", "-", "--into", "p"],
        CLUSTER.replace("replicas: 2", "replicas: two").as_bytes(),
        1,
        "<stdin>:16:15: error[RAY102]",
    );
}

#[test]
fn v1alpha1_is_imported_as_v1_with_the_deprecation_warning() {
    let alpha = CLUSTER
        .replace("apiVersion: ray.io/v1\n", "apiVersion: ray.io/v1alpha1\n")
        .replace(
            "  headGroupSpec:\n",
            "  headGroupSpec:\n    rayStartParams: {}\n",
        )
        .replace(
            "    replicas: 2\n",
            "    replicas: 2\n    rayStartParams: {}\n",
        );
    let dir = fixture(&[("in.yaml", &alpha)]);
    let target = dir.path().join("project");
    let out = rayc(&[
        "import",
        &dir.path().join("in.yaml").to_string_lossy(),
        "--into",
        &target.to_string_lossy(),
    ]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("in.yaml:1:13: warning[RAY041]: ray.io/v1alpha1 is deprecated"),
        "{stderr}"
    );
    assert!(!stderr.contains("RAY037"), "{stderr}");
    let built = rayc(&["build", "-C", &target.to_string_lossy(), "--stdout"]);
    assert_eq!(built.status.code(), Some(0), "{}", text(&built.stderr));
    let stream = text(&built.stdout);
    assert!(stream.starts_with("apiVersion: ray.io/v1\n"), "{stream}");

    // What v1alpha1 does not allow is refused, located, with nothing written:
    // here the `rayStartParams` it requires.
    let dir = fixture(&[(
        "in.yaml",
        &CLUSTER.replace("apiVersion: ray.io/v1\n", "apiVersion: ray.io/v1alpha1\n"),
    )]);
    let out = rayc(&[
        "import",
        &dir.path().join("in.yaml").to_string_lossy(),
        "--into",
        &dir.path().join("project").to_string_lossy(),
    ]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(
            "in.yaml:9:5: error[RAY105]: missing required field \"rayStartParams\" (required in ray.io/v1alpha1)"
        ),
        "{stderr}"
    );
    assert_eq!(entries(dir.path()), ["in.yaml"], "nothing written");

    // A RayService without `rayClusterConfig` is valid v1alpha1, not v1.
    let service = "apiVersion: ray.io/v1alpha1
kind: RayService
metadata:
  name: serve
spec:
  serveConfigV2: |
    applications:
    - name: app
      import_path: app:main
";
    std::fs::write(dir.path().join("in.yaml"), service).unwrap();
    let out = rayc(&[
        "import",
        &dir.path().join("in.yaml").to_string_lossy(),
        "--into",
        &dir.path().join("project").to_string_lossy(),
    ]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("in.yaml:5:1: error[RAY046]: RayService serve cannot be imported as ray.io/v1: v1 requires `spec.rayClusterConfig`"),
        "{stderr}"
    );
    assert_eq!(entries(dir.path()), ["in.yaml"], "nothing written");
}

#[test]
fn claims_and_the_ingress_overlay_are_recognised_where_they_give_the_input_back() {
    let pvc = "apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: data
  namespace: ml
spec:
  accessModes: [ReadWriteOnce]
  resources:
    requests: {storage: 40Gi}
  storageClassName: fast
---
";
    let cluster = CLUSTER
        .replace(
            "  name: small\n",
            "  name: small\n  annotations:\n    kubernetes.io/ingress.class: nginx\n",
        )
        .replace(
            "  headGroupSpec:\n",
            "  headGroupSpec:\n    enableIngress: true\n",
        )
        .replace(
            "          image: rayproject/ray:2.46.0\n  workerGroupSpecs:",
            "          image: rayproject/ray:2.46.0
          volumeMounts: [{name: data, mountPath: /data}]
        volumes: [{name: data, persistentVolumeClaim: {claimName: data}}]
  workerGroupSpecs:",
        );
    let dir = fixture(&[("in.yaml", &format!("{pvc}{cluster}"))]);
    let (diffs, _) = round_trip(
        &[dir.path().join("in.yaml")],
        &dir.path().join("w").tap_mkdir(),
    );
    assert!(diffs.is_empty(), "{diffs:?}");
    let spec =
        std::fs::read_to_string(dir.path().join("w/project/specs/raycluster-small.yaml")).unwrap();
    assert!(
        spec.contains("  claims: [{name: data, size: \"40Gi\", storageClassName: fast}]\n"),
        "{spec}"
    );
    // Without the rewrite annotations the overlay is used without the rewrite.
    assert!(
        spec.contains("  overlays: [{ingress: {rewrite: false}}]\n"),
        "{spec}"
    );
    assert!(
        !spec.contains("ingress.class") && !spec.contains("enableIngress"),
        "{spec}"
    );

    // A claim `claims` cannot say whole is kept beside the project (RAY036).
    let block = pvc.replace(
        "  storageClassName: fast\n",
        "  storageClassName: fast\n  volumeMode: Block\n",
    );
    std::fs::write(dir.path().join("in.yaml"), format!("{block}{cluster}")).unwrap();
    let out = rayc(&[
        "import",
        &dir.path().join("in.yaml").to_string_lossy(),
        "--into",
        &dir.path().join("p2").to_string_lossy(),
    ]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("warning[RAY036]: PersistentVolumeClaim data is not imported"),
        "{stderr}"
    );
}
