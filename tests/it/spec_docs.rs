//! `docs/spec.md` tells the truth: every fenced YAML block in it is marked,
//! and every marked block is checked.
//!
//! - ```` ```yaml spec ```` : a complete spec; built alone in a fresh project
//!   (code files it names are listed as `files=a.py,lib/b.py` after the marker
//!   and created empty-ish; an operator feature gate it needs as `gate=Name`, set
//!   in the project's `featureGates`), with no errors from the build or the semantic rules.
//! - ```` ```yaml output ```` : an excerpt of what the spec block before it
//!   builds; one of its objects must contain it (maps by key, lists in order,
//!   items may be left out).
//! - ```` ```yaml project ```` : a complete `rayc.yaml`; built, every
//!   environment, with one small RayJob at `specs/example.yaml`.

use crate::support::examples;

use std::path::Path;

use examples::*;
use rayc::diag::Severity;
use rayc::load::node::Node;
use serde_json::Value;

struct Block {
    line: usize,
    marker: String,
    options: Vec<String>,
    text: String,
}

fn blocks(doc: &str) -> Vec<Block> {
    let mut out = Vec::new();
    let mut current: Option<Block> = None;
    for (i, line) in doc.lines().enumerate() {
        if let Some(block) = current.as_mut() {
            if line.trim_start().starts_with("```") {
                out.extend(current.take());
            } else {
                block.text.push_str(line);
                block.text.push('\n');
            }
        } else if let Some(info) = line.strip_prefix("```yaml") {
            let mut words = info.split_whitespace().map(str::to_owned);
            current = Some(Block {
                line: i + 1,
                marker: words.next().unwrap_or_default(),
                options: words.collect(),
                text: String::new(),
            });
        }
    }
    assert!(current.is_none(), "unclosed code block");
    out
}

/// Whether `big` contains `small`: maps key by key, lists as an ordered
/// subsequence, scalars equal.
fn contains(big: &Value, small: &Value) -> bool {
    match (big, small) {
        (Value::Object(b), Value::Object(s)) => s
            .iter()
            .all(|(k, v)| b.get(k).is_some_and(|bv| contains(bv, v))),
        (Value::Array(b), Value::Array(s)) => {
            let mut rest = b.iter();
            s.iter()
                .all(|item| rest.any(|candidate| contains(candidate, item)))
        }
        (b, s) => b == s,
    }
}

fn assert_builds_clean(root: &Path, what: &str) -> Vec<Value> {
    let compiled = compile_ok(root);
    let errors: Vec<_> = rule_findings(&compiled)
        .into_iter()
        .filter(|d| d.severity == Severity::Error)
        .collect();
    assert!(errors.is_empty(), "{what}:\n{}", describe(&errors));
    assert!(!compiled.objects.is_empty(), "{what}: no objects");
    compiled.objects.into_iter().map(|o| o.object).collect()
}

const EXAMPLE_SPEC: &str = "apiVersion: rayc.dev/v1alpha1
kind: RayJob
metadata:
  name: example
spec:
  entrypoint: python -c \"import ray; ray.init()\"
  shutdownAfterJobFinishes: true
  workers:
    - name: workers
      replicas: 1
";

#[test]
fn every_yaml_block_of_the_spec_doc_is_checked() {
    let doc = std::fs::read_to_string(repo_root().join("docs/spec.md")).unwrap();
    let blocks = blocks(&doc);
    let mut last_build: Option<(usize, Vec<Value>)> = None;
    let mut counts = [0usize; 3];
    for block in &blocks {
        let at = format!("docs/spec.md:{} ({} block)", block.line, block.marker);
        match block.marker.as_str() {
            "spec" => {
                counts[0] += 1;
                let tmp = tempfile::tempdir().unwrap();
                std::fs::write(
                    tmp.path().join("rayc.yaml"),
                    "apiVersion: rayc.dev/v1alpha1\nkind: Project\n",
                )
                .unwrap();
                std::fs::write(tmp.path().join("spec.yaml"), &block.text).unwrap();
                for option in &block.options {
                    if let Some(gate) = option.strip_prefix("gate=") {
                        std::fs::write(
                            tmp.path().join("rayc.yaml"),
                            format!("apiVersion: rayc.dev/v1alpha1\nkind: Project\nfeatureGates: {{{gate}: true}}\n"),
                        )
                        .unwrap();
                        continue;
                    }
                    let files = option
                        .strip_prefix("files=")
                        .unwrap_or_else(|| panic!("{at}: unknown option {option}"));
                    for file in files.split(',') {
                        let path = tmp.path().join(file);
                        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                        std::fs::write(&path, format!("print({file:?})\n")).unwrap();
                    }
                }
                last_build = Some((block.line, assert_builds_clean(tmp.path(), &at)));
            }
            "output" => {
                counts[1] += 1;
                let (spec_line, objects) = last_build
                    .as_ref()
                    .unwrap_or_else(|| panic!("{at}: no spec block before it"));
                let excerpt = serde_saphyr::from_str::<Node>(&block.text)
                    .unwrap_or_else(|e| panic!("{at}: not YAML: {e}"))
                    .to_json();
                assert!(
                    objects.iter().any(|o| contains(o, &excerpt)),
                    "{at}: the spec at line {spec_line} builds no object containing\n{excerpt:#}\nit builds:\n{}",
                    serde_json::to_string_pretty(objects).unwrap()
                );
            }
            "project" => {
                counts[2] += 1;
                let tmp = tempfile::tempdir().unwrap();
                std::fs::write(tmp.path().join("rayc.yaml"), &block.text).unwrap();
                let project = serde_saphyr::from_str::<Node>(&block.text)
                    .unwrap()
                    .to_json();
                for dir in project["overlayDirs"].as_array().into_iter().flatten() {
                    std::fs::create_dir_all(tmp.path().join(dir.as_str().unwrap())).unwrap();
                }
                std::fs::create_dir(tmp.path().join("specs")).unwrap();
                std::fs::write(tmp.path().join("specs/example.yaml"), EXAMPLE_SPEC).unwrap();
                assert_builds_clean(tmp.path(), &at);
            }
            other => panic!(
                "{at}: mark every ```yaml block as `spec`, `output` or `project` (found {other:?})"
            ),
        }
    }
    let [specs, outputs, projects] = counts;
    assert!(specs >= 18, "only {specs} spec examples");
    assert!(outputs >= 10, "only {outputs} output excerpts");
    assert!(projects >= 2, "only {projects} project examples");
}

#[test]
fn contains_is_strict_where_it_should_be() {
    let big: Value = serde_json::json!({"a": [{"n": 1, "x": 2}, {"n": 2}], "b": "s"});
    assert!(contains(&big, &serde_json::json!({"a": [{"n": 2}]})));
    assert!(contains(
        &big,
        &serde_json::json!({"a": [{"n": 1}, {"n": 2}]})
    ));
    assert!(!contains(
        &big,
        &serde_json::json!({"a": [{"n": 2}, {"n": 1}]})
    ));
    assert!(!contains(&big, &serde_json::json!({"b": "t"})));
    assert!(!contains(&big, &serde_json::json!({"c": 1})));
}
