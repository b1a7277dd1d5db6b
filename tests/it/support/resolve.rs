//! Shared helpers of the `resolve_*` tests.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::oracle;

use rayc::diag::Diagnostic;
use rayc::load::node::Node;
use rayc::model::project::Project;
use rayc::resolve::overlay::{Origin, parse_overlay};
use rayc::resolve::{Overlay, OverlaySet, ResolveContext, Resolved, resolve_traced};

pub const SPEC_FILE: &str = "spec.yaml";

pub fn node(text: &str) -> Node {
    serde_saphyr::from_str::<Node>(text).unwrap()
}

/// A project from the body of a rayc.yaml (apiVersion and kind added).
pub fn project(body: &str) -> Project {
    let text = format!("apiVersion: rayc.dev/v1alpha1\nkind: Project\n{body}");
    serde_saphyr::from_str::<Project>(&text).unwrap()
}

pub fn user_overlay(text: &str) -> Overlay {
    parse_overlay(
        text,
        "overlays/test.yaml",
        Origin::File("overlays/test.yaml".into()),
    )
    .unwrap_or_else(|d| panic!("overlay does not parse: {d:#?}"))
}

/// The built-ins plus user overlays given as file texts.
pub fn overlays(user: &[&str]) -> OverlaySet {
    let mut set = OverlaySet::builtin().unwrap();
    for text in user {
        set.insert(user_overlay(text)).unwrap();
    }
    set
}

pub struct Run<'a> {
    pub project: &'a Project,
    pub env: Option<&'a str>,
    pub process_env: Option<&'a BTreeMap<String, String>>,
}

pub fn resolve_with(run: Run, spec: &str, set: &OverlaySet) -> Result<Resolved, Vec<Diagnostic>> {
    let mut ctx = ResolveContext::new(run.project, Path::new(".")).with_env(run.env);
    ctx.process_env = run.process_env;
    resolve_traced(&node(spec), SPEC_FILE, &ctx, set)
}

/// Resolves `spec` in `project` (no environment), panicking on errors.
pub fn resolve_ok(project: &Project, spec: &str, set: &OverlaySet) -> Resolved {
    resolve_with(
        Run {
            project,
            env: None,
            process_env: None,
        },
        spec,
        set,
    )
    .unwrap_or_else(|d| panic!("resolve failed:\n{}", render(&d)))
}

/// Resolves and expects errors.
pub fn resolve_err(
    project: &Project,
    env: Option<&str>,
    spec: &str,
    set: &OverlaySet,
) -> Vec<Diagnostic> {
    match resolve_with(
        Run {
            project,
            env,
            process_env: None,
        },
        spec,
        set,
    ) {
        Ok(r) => panic!(
            "expected errors, got {}",
            serde_json::to_string_pretty(&r.doc.to_json()).unwrap()
        ),
        Err(d) => d,
    }
}

/// One line per finding: `file:line:col CODE message [path] -- help`.
pub fn render(diags: &[Diagnostic]) -> String {
    diags
        .iter()
        .map(|d| {
            format!(
                "{}:{}:{} {} {} [{}] -- {}",
                d.file,
                d.pos.line,
                d.pos.col,
                d.code,
                d.message,
                d.path.as_deref().unwrap_or(""),
                d.help.as_deref().unwrap_or("")
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The only finding, or a panic listing them all.
pub fn only(diags: &[Diagnostic]) -> &Diagnostic {
    assert_eq!(diags.len(), 1, "expected one finding:\n{}", render(diags));
    &diags[0]
}

/// The value at a dotted path of JSON (`spec.workers.0.name`).
pub fn at<'a>(json: &'a serde_json::Value, path: &str) -> &'a serde_json::Value {
    let mut cur = json;
    for part in path.split('.') {
        cur = match part.parse::<usize>() {
            Ok(i) => &cur[i],
            Err(_) => &cur[part],
        };
    }
    cur
}

/// The node at a dotted path (`spec.workers.0.gpu`).
pub fn node_at<'a>(node: &'a Node, path: &str) -> &'a Node {
    let mut cur = node;
    for part in path.split('.') {
        cur = match (part.parse::<usize>(), &cur.value) {
            (Ok(i), rayc::load::node::Value::Seq(items)) => &items[i],
            _ => cur
                .get(part)
                .unwrap_or_else(|| panic!("no `{part}` in {path}")),
        };
    }
    cur
}

/// The shared reference folder (`RAYC_SHARED`, default `../shared`), or
/// `None` with a loud note when it is missing.
pub fn shared_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("RAYC_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared"));
    if dir.join("seed").is_dir() {
        Some(dir)
    } else {
        oracle::skip(&dir);
        None
    }
}

/// The documents of a seed manifest as JSON.
pub fn seed(shared: &Path, file: &str) -> Vec<serde_json::Value> {
    let text = std::fs::read_to_string(shared.join("seed").join(file)).unwrap();
    serde_saphyr::from_multiple::<Node>(&text)
        .unwrap()
        .iter()
        .map(Node::to_json)
        .collect()
}
