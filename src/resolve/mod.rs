//! The `resolve` phase: turns one spec document as written into the spec
//! `lower` compiles, by applying, in order, the project defaults, the spec
//! itself, the spec's overlays, then the environment (its overlays, its patch,
//! namespace, image registry, replicas). Strings are templated on the way.
//!
//! Input and output are positioned trees (`load::node::Node`); every value of
//! the output keeps a position that makes sense in the spec file (values from
//! an overlay point at the overlay's use) and a recorded source.
//!
//! Depends on `load` (tree), `diag` and `model::project`; never on `check`,
//! `lower` or the CLI. The only IO is reading overlay files (`load_overlays`)
//! and the allow-listed process variables.

// `Diagnostic` is this phase's error type; errors are rare and small enough to move.
#![allow(clippy::result_large_err)]

use std::collections::BTreeMap;
use std::path::Path;

use crate::diag::{Diagnostic, codes};
use crate::load::node::{Node, Pos};
use crate::model::project::{FILE_NAME as PROJECT_FILE, Project};

pub mod environment;
mod explain;
pub mod json_patch;
pub mod merge;
pub mod overlay;
mod overlay_use;
mod template;
mod tree;

pub use environment::{environments, find_environment, with_registry};
pub use explain::{explain_overlay, list_overlays};
pub use json_patch::apply_json_patches;
pub use overlay::{Overlay, OverlaySet, load_overlays};
pub use tree::{Source, UsedBy};

use overlay_use::{OverlayCall, bind_params, lookup, parse_call, render_patch};
use template::{EnvInfo, Scope, Templater, TreeError, render_tree};
use tree::{Layer, TNode, TValue};

/// What templates can use, said in errors about undefined names.
pub(crate) const CONTEXT_HELP: &str = "templates see `spec` (the spec document), `vars`, `env` (with --env), `params` (in overlays) and `env_var.NAME` (names listed in `allowEnv`)";

/// Everything `resolve` needs besides the spec and the overlays.
#[derive(Clone, Copy, Debug)]
pub struct ResolveContext<'a> {
    pub project: &'a Project,
    /// Folder of `rayc.yaml`.
    pub project_root: &'a Path,
    /// The project file as messages name it (usually `rayc.yaml`).
    pub project_file: &'a str,
    /// The environment to build, if any.
    pub env: Option<&'a str>,
    /// Stands in for the process environment behind `env_var` (tests,
    /// embedding); `None` reads the process environment.
    pub process_env: Option<&'a BTreeMap<String, String>>,
}

impl<'a> ResolveContext<'a> {
    pub fn new(project: &'a Project, project_root: &'a Path) -> Self {
        ResolveContext {
            project,
            project_root,
            project_file: PROJECT_FILE,
            env: None,
            process_env: None,
        }
    }

    pub fn with_env(mut self, env: Option<&'a str>) -> Self {
        self.env = env;
        self
    }
}

/// A resolved spec document and the source of each of its values, by dotted
/// path (`spec.workers[0].gpu`).
#[derive(Clone, Debug)]
pub struct Resolved {
    pub doc: Node,
    pub origins: BTreeMap<String, Source>,
}

impl Resolved {
    /// Where the value at `path` came from.
    pub fn origin(&self, path: &str) -> Option<&Source> {
        self.origins.get(path)
    }
}

/// Resolves one spec document (`file` is its name in messages).
pub fn resolve(
    doc: &Node,
    file: &str,
    ctx: &ResolveContext,
    overlays: &OverlaySet,
) -> Result<Node, Vec<Diagnostic>> {
    resolve_traced(doc, file, ctx, overlays).map(|r| r.doc)
}

/// Like [`resolve`], also returning the source of every value.
pub fn resolve_traced(
    doc: &Node,
    file: &str,
    ctx: &ResolveContext,
    overlays: &OverlaySet,
) -> Result<Resolved, Vec<Diagnostic>> {
    let environment = match ctx.env {
        Some(name) => Some((
            name,
            find_environment(ctx.project, name, ctx.project_file).map_err(|d| vec![d])?,
        )),
        None => None,
    };
    let templater = Templater::new();
    let mut scope = Scope {
        spec: serde_json::Value::Null,
        env: environment.map(|(name, _)| EnvInfo {
            name: name.to_owned(),
        }),
        vars: environment::template_vars(ctx.project, environment.map(|(_, e)| e)),
        params: None,
        env_var: environment::allowed_env_vars(ctx.project, ctx.process_env),
    };
    let mut diags = Vec::new();

    // Layer 0: project defaults. Layer 1: the spec.
    let mut layers = vec![
        Layer {
            source: Source::ProjectDefaults,
            file: ctx.project_file.to_owned(),
            anchor: Some(Pos::UNKNOWN),
            overrides: false,
        },
        Layer {
            source: Source::Spec,
            file: file.to_owned(),
            anchor: None,
            overrides: false,
        },
    ];
    let mut tree = TNode::empty_map(doc.pos, 1);
    if let Some(defaults) = environment::defaults_document(ctx.project) {
        tree = merge_layer(
            &layers,
            tree,
            TNode::from_json(&defaults, Pos::UNKNOWN, 0),
            &mut diags,
        );
    }
    tree = merge_layer(&layers, tree, TNode::from_node(doc, 1), &mut diags);
    if !diags.is_empty() {
        return Err(diags);
    }

    // Template the defaults and the spec; `spec` is the document as written.
    scope.spec = spec_context(&tree);
    let mut errors = Vec::new();
    render_tree(&templater, &mut tree, "", &scope, &mut errors);
    diags.extend(
        errors
            .into_iter()
            .map(|e| template_diag(e, &layers, ctx.env)),
    );
    if !diags.is_empty() {
        return Err(diags);
    }

    // Overlay uses: the spec's (minus those the environment disables), then the environment's.
    let mut calls: Vec<(OverlayCall, tree::UsedBy)> = Vec::new();
    let spec_overlays = tree.get_mut("spec").and_then(|s| s.remove("overlays"));
    match spec_overlays {
        None => {}
        Some(TNode {
            value: TValue::Seq(items),
            ..
        }) => {
            for (i, item) in items.iter().enumerate() {
                // Items can come from the project defaults' `overlays` too.
                let from_defaults = item.layer == 0;
                let (file_of_use, anchor, path) = if from_defaults {
                    (
                        ctx.project_file,
                        Some(Pos::UNKNOWN),
                        format!("defaults.spec.overlays[{i}]"),
                    )
                } else {
                    (file, None, format!("spec.overlays[{i}]"))
                };
                match parse_call(item, file_of_use, &path, anchor) {
                    Ok(call) => {
                        let used_by = if from_defaults {
                            tree::UsedBy::ProjectDefaults
                        } else {
                            tree::UsedBy::Spec {
                                line: call.pos.line,
                                column: call.pos.col,
                            }
                        };
                        calls.push((call, used_by));
                    }
                    Err(d) => diags.push(d),
                }
            }
        }
        Some(TNode {
            value: TValue::Null,
            ..
        }) => {}
        Some(other) => diags.push(
            Diagnostic::error(
                codes::TEMPLATE,
                file,
                other.pos,
                format!("`spec.overlays` must be a list, not {}", other.type_name()),
            )
            .with_path("spec.overlays")
            .with_help("write `overlays: [gpu, {pvc: {size: 40Gi}}]`"),
        ),
    }
    if let Some((env_name, env)) = environment {
        for (i, name) in env.disable_overlays.iter().enumerate() {
            if overlays.get(name).is_none() {
                let help = match suggest(name, overlays.names()) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => format!(
                        "known overlays: {}",
                        overlays.names().collect::<Vec<_>>().join(", ")
                    ),
                };
                diags.push(
                    Diagnostic::error(
                        codes::PROJECT,
                        ctx.project_file,
                        Pos::UNKNOWN,
                        format!("environment `{env_name}` disables unknown overlay `{name}`"),
                    )
                    .with_path(format!("environments.{env_name}.disableOverlays[{i}]"))
                    .with_help(help),
                );
            }
        }
        calls.retain(|(c, _)| !env.disable_overlays.contains(&c.name));
        let env_layer_probe = Layer {
            source: Source::Environment {
                name: env_name.to_owned(),
            },
            file: ctx.project_file.to_owned(),
            anchor: Some(Pos::UNKNOWN),
            overrides: false,
        };
        layers.push(env_layer_probe);
        let probe = layers.len() - 1;
        scope.spec = spec_context(&tree);
        for (i, use_) in env.overlays.iter().enumerate() {
            let path = format!("environments.{env_name}.overlays[{i}]");
            let json = serde_json::to_value(use_).unwrap_or_default();
            let mut item = TNode::from_json(&json, Pos::UNKNOWN, probe);
            let mut errors = Vec::new();
            render_tree(&templater, &mut item, &path, &scope, &mut errors);
            if !errors.is_empty() {
                diags.extend(
                    errors
                        .into_iter()
                        .map(|e| template_diag(e, &layers, ctx.env)),
                );
                continue;
            }
            match parse_call(&item, ctx.project_file, &path, Some(Pos::UNKNOWN)) {
                Ok(call) => calls.push((
                    call,
                    tree::UsedBy::Environment {
                        name: env_name.to_owned(),
                    },
                )),
                Err(d) => diags.push(d),
            }
        }
        layers.pop();
    }
    if !diags.is_empty() {
        return Err(diags);
    }

    // Apply each overlay use in order.
    for (position, (call, used_by)) in calls.into_iter().enumerate() {
        let overlay = match lookup(overlays, &call) {
            Ok(o) => o,
            Err(d) => {
                diags.push(d);
                continue;
            }
        };
        let params = match bind_params(overlay, &call) {
            Ok(p) => p,
            Err(d) => {
                diags.extend(d);
                continue;
            }
        };
        layers.push(Layer {
            source: Source::Overlay {
                name: overlay.name.clone(),
                position: position + 1,
                used_by,
            },
            file: call.file.clone(),
            anchor: Some(call.pos),
            overrides: overlay.overrides || call.force_override,
        });
        let layer = layers.len() - 1;
        scope.spec = spec_context(&tree);
        scope.params = Some(params);
        match render_patch(overlay, &call, &templater, &scope, layer) {
            Ok(patch) => tree = merge_layer(&layers, tree, patch, &mut diags),
            Err(d) => diags.extend(d),
        }
    }
    scope.params = None;
    if !diags.is_empty() {
        return Err(diags);
    }

    // The environment: its patch, then its settings.
    if let Some((env_name, env)) = environment {
        layers.push(Layer {
            source: Source::Environment {
                name: env_name.to_owned(),
            },
            file: ctx.project_file.to_owned(),
            anchor: Some(Pos::UNKNOWN),
            overrides: true,
        });
        let layer = layers.len() - 1;
        if let Some(patch) = &env.patch {
            let wrapped = serde_json::json!({ "spec": patch });
            let mut node = TNode::from_json(&wrapped, Pos::UNKNOWN, layer);
            scope.spec = spec_context(&tree);
            let mut errors = Vec::new();
            render_tree(&templater, &mut node, "", &scope, &mut errors);
            if !errors.is_empty() {
                diags.extend(
                    errors
                        .into_iter()
                        .map(|e| template_diag(e, &layers, ctx.env)),
                );
                return Err(diags);
            }
            tree = merge_layer(&layers, tree, node, &mut diags);
            if !diags.is_empty() {
                return Err(diags);
            }
        }
        environment::apply_settings(&mut tree, env, layer, &layers);
    }

    tree.finish();
    let mut origins = BTreeMap::new();
    tree.origins("", &layers, &mut origins);
    origins.remove("");
    Ok(Resolved {
        doc: tree.to_node(&layers),
        origins,
    })
}

/// The `spec` templates see: the document so far, always with `metadata`
/// and `spec` mappings so `spec.spec.workers | default([])` works.
fn spec_context(tree: &TNode) -> serde_json::Value {
    let mut json = tree.to_json();
    if let Some(map) = json.as_object_mut() {
        for key in ["metadata", "spec"] {
            if !map.get(key).is_some_and(serde_json::Value::is_object) {
                map.insert(
                    key.to_owned(),
                    serde_json::Value::Object(serde_json::Map::new()),
                );
            }
        }
    }
    json
}

fn merge_layer(layers: &[Layer], base: TNode, patch: TNode, diags: &mut Vec<Diagnostic>) -> TNode {
    let mut merger = merge::Merger::new(layers);
    let out = merger.merge(Some(base), patch, "", None);
    diags.extend(merger.diags);
    out
}

/// A template error in a spec, project-defaults or environment value.
fn template_diag(e: TreeError, layers: &[Layer], env: Option<&str>) -> Diagnostic {
    let (file, pos, path, whose) = match layers.get(e.layer) {
        Some(l) => {
            let path = match &l.source {
                Source::ProjectDefaults => project_path("defaults", &e.path),
                Source::Environment { name } => {
                    if e.path.starts_with("environments.") {
                        e.path.clone()
                    } else {
                        project_path(
                            &format!("environments.{name}.patch"),
                            e.path.strip_prefix("spec").unwrap_or(&e.path),
                        )
                    }
                }
                _ => e.path.clone(),
            };
            (l.file.clone(), l.pos_of(e.pos), path, l.source.to_string())
        }
        None => (String::new(), e.pos, e.path.clone(), String::new()),
    };
    let mut help = CONTEXT_HELP.to_owned();
    if env.is_none() && e.error.message.contains("undefined") {
        help.push_str("; no environment is selected, so `env` is undefined");
    }
    Diagnostic::error(
        codes::TEMPLATE,
        file,
        pos,
        format!("template error in `{path}` ({whose}): {}", e.error.message),
    )
    .with_path(path)
    .with_help(help)
}

/// `prefix` + a document path, as the value's path in the project file.
fn project_path(prefix: &str, doc_path: &str) -> String {
    let rest = doc_path
        .strip_prefix("metadata.")
        .map_or(doc_path.to_owned(), str::to_owned);
    if rest.is_empty() {
        prefix.to_owned()
    } else if rest.starts_with('.') || rest.starts_with('[') {
        format!("{prefix}{rest}")
    } else {
        format!("{prefix}.{rest}")
    }
}

/// The closest candidate to `name`, when one is close enough to be a typo.
pub(crate) fn suggest<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    candidates
        .into_iter()
        .map(|c| (strsim::normalized_damerau_levenshtein(name, c), c))
        .filter(|(score, _)| *score >= 0.5)
        .max_by(|a, b| a.0.total_cmp(&b.0).then_with(|| b.1.cmp(a.1)))
        .map(|(_, c)| c.to_owned())
}
