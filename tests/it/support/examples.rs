//! Shared helpers of the example tests (`golden.rs`, `tutorial_equivalence.rs`,
//! `spec_docs.rs`): find the example projects, build them through the library
//! exactly as `rayc build` does, and hold them to the semantic rules.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::oracle;

use rayc::diag::{Diagnostic, Severity};
use rayc::emit::{self, OutputFile, Placed};
use rayc::load::node::{Node, Pos};
use rayc::model::project::GitOpsTool;
use rayc::pipeline::{BuildOptions, Compiled, compile};
use rayc::rules::{self, Context, GitOps, Object};

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every example project (a folder of `examples/` holding a `rayc.yaml`), by name.
pub fn example_dirs() -> Vec<(String, PathBuf)> {
    let mut out: Vec<(String, PathBuf)> = std::fs::read_dir(repo_root().join("examples"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("rayc.yaml").is_file())
        .map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), p))
        .collect();
    out.sort();
    out
}

/// `file:line:col: severity[CODE]: message` lines, for assertion messages.
pub fn describe(diags: &[Diagnostic]) -> String {
    diags
        .iter()
        .map(|d| {
            format!(
                "{}:{}:{}: {}[{}]: {}{}",
                d.file,
                d.pos.line,
                d.pos.col,
                d.severity.as_str(),
                d.code,
                d.message,
                d.help
                    .as_deref()
                    .map(|h| format!("\n  help: {h}"))
                    .unwrap_or_default()
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Compiles a project; panics with the findings when it has errors.
pub fn compile_ok(root: &Path) -> Compiled {
    let compiled = compile(root, &BuildOptions::default());
    assert!(
        !compiled.has_errors(),
        "{} does not build:\n{}",
        root.display(),
        describe(&compiled.diagnostics)
    );
    compiled
}

/// The files `rayc build --out` writes for a compiled project.
pub fn render(compiled: &Compiled) -> Vec<OutputFile> {
    let placed: Vec<Placed> = compiled
        .objects
        .iter()
        .map(|o| Placed {
            env: o.env.as_deref(),
            object: &o.object,
        })
        .collect();
    emit::render_files(&placed).unwrap()
}

/// Builds a project and renders its output folder, as path → contents.
pub fn build_files(root: &Path) -> BTreeMap<String, String> {
    render(&compile_ok(root))
        .into_iter()
        .map(|f| (f.path, f.contents))
        .collect()
}

/// Runs the semantic rules over each environment's objects, as `rayc build`
/// will once validation is part of the pipeline. Returns the findings that
/// are not silenced.
pub fn rule_findings(compiled: &Compiled) -> Vec<Diagnostic> {
    let project = &compiled.project;
    let ctx = Context {
        kuberay_version: compiled.version,
        gitops: match project.gitops.as_ref().and_then(|g| g.tool) {
            Some(GitOpsTool::Argocd) => GitOps::ArgoCd,
            Some(GitOpsTool::Flux) => GitOps::Flux,
            _ => GitOps::None,
        },
        ignore: project.ignore.clone(),
        feature_gates: {
            let mut gates = rayc::model::kuberay::FeatureGates::default();
            for (name, on) in &project.feature_gates {
                gates.set(name, *on);
            }
            gates
        },
    };
    let mut by_env: BTreeMap<Option<&str>, Vec<(String, Node)>> = BTreeMap::new();
    for o in &compiled.objects {
        by_env
            .entry(o.env.as_deref())
            .or_default()
            .push((o.source.clone(), Node::from_json(&o.object, Pos::UNKNOWN)));
    }
    let mut out = Vec::new();
    for nodes in by_env.values() {
        let objects: Vec<Object> = nodes
            .iter()
            .map(|(file, node)| Object { file, node })
            .collect();
        out.extend(
            rules::check(&objects, &ctx)
                .into_iter()
                .filter(|d| d.suppressed_by.is_none()),
        );
    }
    out
}

/// Rule codes of the warnings, sorted and unique.
pub fn warning_codes(findings: &[Diagnostic]) -> Vec<&'static str> {
    let mut codes: Vec<&'static str> = findings
        .iter()
        .filter(|d| d.severity == Severity::Warning)
        .map(|d| d.code.as_str())
        .collect();
    codes.sort_unstable();
    codes.dedup();
    codes
}

/// Every file below `dir`, as `/`-separated relative path → contents.
pub fn read_tree(dir: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    if !dir.is_dir() {
        return out;
    }
    for entry in walkdir::WalkDir::new(dir).sort_by_file_name() {
        let entry = entry.unwrap();
        if entry.file_type().is_file() {
            let rel = entry.path().strip_prefix(dir).unwrap();
            let rel = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/");
            out.insert(rel, std::fs::read_to_string(entry.path()).unwrap());
        }
    }
    out
}

/// Copies a project folder (without its `rendered` output) into `to`.
pub fn copy_project(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from).sort_by_file_name() {
        let entry = entry.unwrap();
        let rel = entry.path().strip_prefix(from).unwrap();
        if rel
            .components()
            .next()
            .is_some_and(|c| c.as_os_str() == "rendered")
        {
            continue;
        }
        let target = to.join(rel);
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// The shared test data folder (`$RAYC_SHARED`, default `../shared`), or
/// `None` after a loud skip message.
pub fn shared_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("RAYC_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("../shared"));
    if dir.join("seed").is_dir() {
        Some(dir)
    } else {
        oracle::skip(&dir);
        None
    }
}

/// Unified diff of two texts, for assertion messages.
pub fn diff(old: &str, new: &str, old_name: &str, new_name: &str) -> String {
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(old_name, new_name)
        .to_string()
}
