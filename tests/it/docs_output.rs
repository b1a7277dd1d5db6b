//! Output blocks in README.md and docs/merge.md come from real runs of the
//! binary: each test builds the project the text describes and compares the
//! first finding rayc prints with the block. `RAYC_BLESS=1` rewrites the
//! blocks (read the diff).

use crate::support::run::rayc;
use std::path::Path;

const REPO: &str = env!("CARGO_MANIFEST_DIR");
const PROJECT: &str = "apiVersion: rayc.dev/v1alpha1\nkind: Project\nname: demo\n";

/// The first finding of `rayc build --stdout` in a project made of `files`.
fn first_finding(files: &[(&str, &str)]) -> String {
    let dir = tempfile::tempdir().unwrap();
    for (path, text) in files {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    let stderr = rayc(dir.path(), &["build", "--stdout"])
        .assert_code(1)
        .stderr
        .clone();
    let end = stderr.find("\n\n").expect("a finding then a blank line");
    stderr[..=end].to_owned()
}

/// Asserts (or with `RAYC_BLESS=1` makes) `doc` hold a plain code block
/// whose text is `finding`; the block is found by the finding's code.
fn assert_block(doc: &str, code: &str, finding: &str) {
    let path = Path::new(REPO).join(doc);
    let text = std::fs::read_to_string(&path).unwrap();
    let block = format!("```\n{finding}```\n");
    if text.contains(&block) {
        return;
    }
    let bless = std::env::var_os("RAYC_BLESS").is_some_and(|v| v == "1");
    let start = text.match_indices("```\n").map(|(at, _)| at).find(|&at| {
        text[at + 4..]
            .lines()
            .next()
            .is_some_and(|l| l.contains(code))
    });
    match (bless, start) {
        (true, Some(start)) => {
            let end = start + 4 + text[start + 4..].find("```\n").unwrap() + 4;
            let mut text = text;
            text.replace_range(start..end, &block);
            std::fs::write(&path, text).unwrap();
        }
        _ => panic!("{doc} lacks this block (RAYC_BLESS=1 rewrites it):\n{block}"),
    }
}

#[test]
fn readme_shows_the_misspelt_field_as_rayc_reports_it() {
    let spec = "\
apiVersion: rayc.dev/v1alpha1
kind: RayJob
metadata:
  name: job
spec:
  image: rayproject/ray:2.46.0
  rayVersion: \"2.46.0\"
  head: {cpu: 1, memory: 2Gi}
  entrypont: python main.py
";
    let finding = first_finding(&[("rayc.yaml", PROJECT), ("specs/job.yaml", spec)]);
    assert_block("README.md", "error[RAY101]", &finding);
}

#[test]
fn merge_doc_shows_the_overlay_conflict_as_rayc_reports_it() {
    let overlay = |name: &str, cpu: u32| {
        format!(
            "apiVersion: rayc.dev/v1alpha1\nkind: Overlay\nmetadata: {{name: {name}}}\npatch:\n  spec:\n    workerDefaults: {{cpu: {cpu}}}\n"
        )
    };
    let spec = "\
apiVersion: rayc.dev/v1alpha1
kind: RayJob
metadata:
  name: job
spec:
  image: rayproject/ray:2.46.0
  entrypoint: python main.py
  overlays:
    - small-cpu
    - big-cpu
  workers: [{name: cpu, replicas: 1}]
";
    let small = overlay("small-cpu", 1);
    let big = overlay("big-cpu", 4);
    let finding = first_finding(&[
        ("rayc.yaml", PROJECT),
        ("spec.yaml", spec),
        ("overlays/small-cpu.yaml", &small),
        ("overlays/big-cpu.yaml", &big),
    ]);
    assert_block("docs/merge.md", "error[RAY009]", &finding);
}
