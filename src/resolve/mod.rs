//! The `resolve` phase: turns one spec document as written into the spec
//! `lower` compiles, by applying, in order, the project defaults, the spec
//! itself, the spec's overlays, then the environment (its overlays, its patch,
//! namespace, image registry, replicas). Strings are templated on the way.
//!
//! Input and output are positioned trees (`load::node::Node`), and layers
//! merge into one such tree in place, each node's `layer` naming the layer
//! that wrote it (`tree.rs`). Every value of the output keeps a position that
//! makes sense in the spec file (values from an overlay point at the
//! overlay's use) and a recorded source.
//!
//! Depends on `load` (tree), `diag` and `model::project`; never on `check`,
//! `lower` or the CLI. The only IO is reading overlay files (`load_overlays`)
//! and the allow-listed process variables.

// `Diagnostic` is this phase's error type; errors are rare and small enough to move.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use crate::diag::{Diagnostic, codes};
use crate::load::node::{LayerId, Node, Pos, Value};
use crate::model::kuberay::KubeRayVersion;
use crate::model::project::{Environment, FILE_NAME as PROJECT_FILE, Project};

pub mod environment;
mod explain;
pub mod json_patch;
pub mod merge;
pub mod overlay;
mod overlay_use;
mod spec_view;
pub(crate) mod template;
mod tree;

pub use environment::{environments, find_environment, with_registry};
pub use explain::{explain_overlay, list_overlays};
pub use json_patch::apply_json_patches;
pub use overlay::{Overlay, OverlaySet, Patch, load_overlays};
pub(crate) use template::Templater;
pub use tree::{Source, UsedBy};

use overlay_use::{OverlayCall, bind_params, lookup, parse_call, render_patch};
use spec_view::SpecView;
use template::{EnvInfo, KubeRayInfo, Scope, TreeError, render_tree};
use tree::{Layer, Traced, empty_map, with_layer};

/// What templates can use, said in errors about undefined names.
pub(crate) const CONTEXT_HELP: &str = "templates see `spec` (the spec document), `vars`, `env` (with --env), `params` (in overlays), `kuberay.version`/`kuberay.minor` (the target) and `env_var.NAME` (names listed in `allowEnv`)";

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
    /// Target KubeRay version, visible to templates as `kuberay.version` (`v1.7`).
    pub kuberay_version: KubeRayVersion,
    /// Stands in for the process environment behind `env_var` (tests,
    /// embedding); `None` reads the process environment.
    pub process_env: Option<&'a BTreeMap<String, String>>,
    /// The templater of the whole build, whose budget all specs share;
    /// `None`: each spec gets its own.
    pub(crate) templater: Option<&'a Templater>,
}

impl<'a> ResolveContext<'a> {
    pub fn new(project: &'a Project, project_root: &'a Path) -> Self {
        ResolveContext {
            project,
            project_root,
            project_file: PROJECT_FILE,
            env: None,
            kuberay_version: KubeRayVersion::LATEST,
            process_env: None,
            templater: None,
        }
    }

    pub fn with_env(mut self, env: Option<&'a str>) -> Self {
        self.env = env;
        self
    }

    pub fn with_kuberay_version(mut self, version: KubeRayVersion) -> Self {
        self.kuberay_version = version;
        self
    }

    pub(crate) fn with_templater(mut self, templater: &'a Templater) -> Self {
        self.templater = Some(templater);
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
    let (mut tree, layers) = resolve_tree(doc, file, ctx, overlays)?;
    tree.anchor(&layers);
    Ok(tree)
}

/// Like [`resolve`], also returning the source of every value.
pub fn resolve_traced(
    doc: &Node,
    file: &str,
    ctx: &ResolveContext,
    overlays: &OverlaySet,
) -> Result<Resolved, Vec<Diagnostic>> {
    let (mut tree, layers) = resolve_tree(doc, file, ctx, overlays)?;
    let mut origins = BTreeMap::new();
    tree.origins("", &layers, &mut origins);
    origins.remove("");
    tree.anchor(&layers);
    Ok(Resolved { doc: tree, origins })
}

/// The resolved tree, positions not yet anchored, and its layer table
/// (origins are computed only when asked).
fn resolve_tree(
    doc: &Node,
    file: &str,
    ctx: &ResolveContext,
    overlays: &OverlaySet,
) -> Result<(Node, Vec<Layer>), Vec<Diagnostic>> {
    let environment = match ctx.env {
        Some(name) => Some((
            name,
            find_environment(ctx.project, name, ctx.project_file).map_err(|d| vec![d])?,
        )),
        None => None,
    };
    let mut r = Resolver::new(file, ctx, environment);
    let mut tree = r.base(doc)?;
    let calls = r.overlay_calls(&mut tree, overlays)?;
    r.apply_overlays(&mut tree, calls, overlays)?;
    r.apply_environment(&mut tree)?;
    tree.finish();
    Ok((tree, r.layers))
}

/// Layer ids fixed for every spec: a document as loaded is the spec layer.
const SPEC_LAYER: LayerId = LayerId::LOADED;
const DEFAULTS_LAYER: LayerId = LayerId(1);
const ENV_LAYER: LayerId = LayerId(2);

/// The state of one resolution: the layer table grows by one per overlay use.
struct Resolver<'a> {
    file: &'a str,
    ctx: &'a ResolveContext<'a>,
    environment: Option<(&'a str, &'a Environment)>,
    /// Used when the context brings no templater; made on first use (most
    /// specs have no template).
    own_templater: std::cell::OnceCell<Templater>,
    scope: Scope,
    layers: Vec<Layer>,
}

impl<'a> Resolver<'a> {
    fn new(
        file: &'a str,
        ctx: &'a ResolveContext<'a>,
        environment: Option<(&'a str, &'a Environment)>,
    ) -> Self {
        let project_layer = |source| Layer {
            source,
            file: ctx.project_file.to_owned(),
            anchor: Some(Pos::UNKNOWN),
            overrides: false,
        };
        let env_name = environment.map_or("", |(name, _)| name);
        Resolver {
            file,
            ctx,
            environment,
            own_templater: std::cell::OnceCell::new(),
            scope: Scope {
                spec: minijinja::Value::UNDEFINED,
                env: environment.map(|(name, _)| EnvInfo {
                    name: name.to_owned(),
                }),
                vars: environment::template_vars(ctx.project, environment.map(|(_, e)| e)),
                params: None,
                env_var: environment::allowed_env_vars(ctx.project, ctx.process_env),
                kuberay: KubeRayInfo {
                    version: ctx.kuberay_version.to_string(),
                    minor: u32::from(ctx.kuberay_version.minor),
                },
            },
            // In the order of the layer ids above.
            layers: vec![
                Layer {
                    source: Source::Spec,
                    file: file.to_owned(),
                    anchor: None,
                    overrides: false,
                },
                project_layer(Source::ProjectDefaults),
                // Unused without an environment.
                project_layer(Source::Environment {
                    name: env_name.to_owned(),
                }),
            ],
        }
    }

    /// Project defaults, then the spec, then templating of both (`spec` is
    /// the document as written).
    fn base(&mut self, doc: &Node) -> Result<Node, Vec<Diagnostic>> {
        let mut diags = Vec::new();
        let mut tree = empty_map(doc.pos, SPEC_LAYER);
        if let Some(defaults) = environment::defaults_document(self.ctx.project) {
            let defaults = tree::from_json(&defaults, Pos::UNKNOWN, DEFAULTS_LAYER);
            tree = merge_layer(&self.layers, tree, defaults, &mut diags);
        }
        // A document as loaded is the spec layer already; `with_layer` only
        // matters for a caller that hands in a tree it resolved before.
        tree = merge_layer(
            &self.layers,
            tree,
            with_layer(doc.clone(), SPEC_LAYER),
            &mut diags,
        );
        if diags.is_empty() {
            // Templates see the spec as written while its values are rendered.
            self.scope.spec = SpecView::root(Arc::new(tree.clone()));
            self.render(&mut tree, "", &mut diags);
            self.scope.spec = minijinja::Value::UNDEFINED;
        }
        if diags.is_empty() {
            Ok(tree)
        } else {
            Err(diags)
        }
    }

    fn templater(&self) -> &Templater {
        self.ctx
            .templater
            .unwrap_or_else(|| self.own_templater.get_or_init(Templater::new))
    }

    /// Runs `f` with templates' `spec` showing `tree`, which is lent to the
    /// view rather than copied.
    fn with_spec<R>(&mut self, tree: &mut Node, f: impl FnOnce(&mut Self) -> R) -> R {
        let shared = Arc::new(std::mem::replace(tree, empty_map(Pos::UNKNOWN, SPEC_LAYER)));
        self.scope.spec = SpecView::root(Arc::clone(&shared));
        let out = f(self);
        self.scope.spec = minijinja::Value::UNDEFINED;
        *tree = Arc::try_unwrap(shared).unwrap_or_else(|still_shared| (*still_shared).clone());
        out
    }

    /// Renders `node` in place with the current scope; errors go to `diags`.
    fn render(&self, node: &mut Node, path: &str, diags: &mut Vec<Diagnostic>) {
        let mut errors = Vec::new();
        render_tree(self.templater(), node, path, &self.scope, &mut errors);
        diags.extend(
            errors
                .into_iter()
                .map(|e| template_diag(e, &self.layers, self.ctx.env)),
        );
    }

    /// The overlay uses to apply: the spec's `overlays` (taken out of the
    /// tree), minus those the environment disables, then the environment's.
    fn overlay_calls(
        &mut self,
        tree: &mut Node,
        overlays: &OverlaySet,
    ) -> Result<Vec<(OverlayCall, UsedBy)>, Vec<Diagnostic>> {
        let mut diags = Vec::new();
        let mut calls = Vec::new();
        match tree.live_mut("spec").and_then(|s| s.remove("overlays")) {
            None
            | Some(Node {
                value: Value::Null, ..
            }) => {}
            Some(Node {
                value: Value::Seq(items),
                ..
            }) => {
                for (i, item) in items.iter().enumerate() {
                    // Items can come from the project defaults' `overlays` too.
                    let from_defaults = item.layer == DEFAULTS_LAYER;
                    let parsed = if from_defaults {
                        let path = format!("defaults.spec.overlays[{i}]");
                        parse_call(item, self.ctx.project_file, &path, Some(Pos::UNKNOWN))
                    } else {
                        parse_call(item, self.file, &format!("spec.overlays[{i}]"), None)
                    };
                    match parsed {
                        Ok(call) if from_defaults => calls.push((call, UsedBy::ProjectDefaults)),
                        Ok(call) => {
                            let used_by = UsedBy::Spec {
                                line: call.pos.line,
                                column: call.pos.col,
                            };
                            calls.push((call, used_by));
                        }
                        Err(d) => diags.push(d),
                    }
                }
            }
            Some(other) => diags.push(
                Diagnostic::error(
                    codes::TEMPLATE,
                    self.file,
                    other.pos,
                    format!("`spec.overlays` must be a list, not {}", other.type_name()),
                )
                .with_path("spec.overlays")
                .with_help("write `overlays: [gpu, {pvc: {size: 40Gi}}]`"),
            ),
        }
        if let Some((env_name, env)) = self.environment {
            for (i, name) in env.disable_overlays.iter().enumerate() {
                if overlays.get(name).is_none() {
                    diags.push(
                        Diagnostic::error(
                            codes::PROJECT,
                            self.ctx.project_file,
                            Pos::UNKNOWN,
                            format!("environment `{env_name}` disables unknown overlay `{name}`"),
                        )
                        .with_path(format!("environments.{env_name}.disableOverlays[{i}]"))
                        .with_help(did_you_mean(
                            name,
                            overlays.names(),
                            "known overlays",
                        )),
                    );
                }
            }
            calls.retain(|(c, _)| !env.disable_overlays.contains(&c.name));
            self.with_spec(tree, |r| {
                for (i, use_) in env.overlays.iter().enumerate() {
                    let path = format!("environments.{env_name}.overlays[{i}]");
                    let json = serde_json::to_value(use_).unwrap_or_default();
                    let mut item = tree::from_json(&json, Pos::UNKNOWN, ENV_LAYER);
                    let before = diags.len();
                    r.render(&mut item, &path, &mut diags);
                    if diags.len() > before {
                        continue;
                    }
                    match parse_call(&item, r.ctx.project_file, &path, Some(Pos::UNKNOWN)) {
                        Ok(call) => calls.push((
                            call,
                            UsedBy::Environment {
                                name: env_name.to_owned(),
                            },
                        )),
                        Err(d) => diags.push(d),
                    }
                }
            });
        }
        if diags.is_empty() {
            Ok(calls)
        } else {
            Err(diags)
        }
    }

    /// Applies each overlay use in order, each as its own layer.
    fn apply_overlays(
        &mut self,
        tree: &mut Node,
        calls: Vec<(OverlayCall, UsedBy)>,
        overlays: &OverlaySet,
    ) -> Result<(), Vec<Diagnostic>> {
        let mut diags = Vec::new();
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
            // Ids are 32-bit: the parse budgets end a spec long before.
            let Ok(layer) = u32::try_from(self.layers.len()).map(LayerId) else {
                diags.push(
                    Diagnostic::error(
                        codes::TEMPLATE,
                        &call.file,
                        call.pos,
                        "too many overlay uses in one spec",
                    )
                    .with_path(call.path.clone()),
                );
                break;
            };
            self.layers.push(Layer {
                source: Source::Overlay {
                    name: overlay.name.clone(),
                    position: position + 1,
                    used_by,
                },
                file: call.file.clone(),
                anchor: Some(call.pos),
                overrides: overlay.overrides || call.force_override,
            });
            let rendered = self.with_spec(tree, |r| {
                r.scope.params = Some(params);
                let rendered = render_patch(overlay, &call, r.templater(), &r.scope, layer);
                r.scope.params = None;
                rendered
            });
            match rendered {
                Ok(patch) => {
                    let base = std::mem::replace(tree, empty_map(Pos::UNKNOWN, SPEC_LAYER));
                    *tree = merge_layer(&self.layers, base, patch, &mut diags);
                }
                Err(d) => diags.extend(d),
            }
        }
        if diags.is_empty() { Ok(()) } else { Err(diags) }
    }

    /// The environment's patch, then its namespace, registry and replicas.
    fn apply_environment(&mut self, tree: &mut Node) -> Result<(), Vec<Diagnostic>> {
        let Some((env_name, env)) = self.environment else {
            return Ok(());
        };
        let mut diags = Vec::new();
        if let Some(patch) = &env.patch {
            let wrapped = serde_json::json!({ "spec": patch });
            let mut node = tree::from_json(&wrapped, Pos::UNKNOWN, ENV_LAYER);
            self.with_spec(tree, |r| r.render(&mut node, "", &mut diags));
            if !diags.is_empty() {
                return Err(diags);
            }
            let base = std::mem::replace(tree, empty_map(Pos::UNKNOWN, SPEC_LAYER));
            *tree = merge_layer(&self.layers, base, node, &mut diags);
            if !diags.is_empty() {
                return Err(diags);
            }
        }
        let diags = environment::apply_settings(
            tree,
            (env_name, env),
            self.ctx,
            self.file,
            ENV_LAYER,
            &self.layers,
        );
        if diags.is_empty() { Ok(()) } else { Err(diags) }
    }
}

fn merge_layer(layers: &[Layer], base: Node, patch: Node, diags: &mut Vec<Diagnostic>) -> Node {
    let mut merger = merge::Merger::new(layers);
    let out = merger.merge(Some(base), patch, "", None);
    diags.extend(merger.diags);
    out
}

/// A template error in a spec, project-defaults or environment value.
fn template_diag(e: TreeError, layers: &[Layer], env: Option<&str>) -> Diagnostic {
    let (file, pos, path, whose) = match tree::layer_of(layers, e.layer) {
        Some(l) => {
            let path = l.path_in_file(&e.path);
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

/// Where in rayc.yaml the value at `doc_path` of a resolved spec was
/// written, when the project defaults or the environment `env` wrote all of
/// it: a finding on that value belongs to rayc.yaml, at that path. A mapping
/// the spec added to (such as `spec` itself) stays the spec's.
pub fn project_file_path(tree: &Node, doc_path: &str, env: Option<&str>) -> Option<String> {
    fn written_by(node: &Node, layer: LayerId) -> bool {
        node.layer == layer
            && match &node.value {
                Value::Seq(items) => items.iter().all(|i| written_by(i, layer)),
                Value::Map(entries) => entries.iter().all(|e| written_by(&e.value, layer)),
                _ => true,
            }
    }
    let node = crate::diag::FieldPath::parse(doc_path).find(tree)?;
    if !written_by(node, node.layer) {
        return None;
    }
    let source = match node.layer {
        DEFAULTS_LAYER => Source::ProjectDefaults,
        ENV_LAYER => Source::Environment {
            name: env?.to_owned(),
        },
        _ => return None,
    };
    Some(source.path_in_file(doc_path))
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

/// `did you mean `x`?` when a candidate is close, else the list of candidates.
pub fn did_you_mean<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str> + Clone,
    what: &str,
) -> String {
    match suggest(name, candidates.clone()) {
        Some(s) => format!("did you mean `{s}`?"),
        None => format!(
            "{what}: {}",
            candidates.into_iter().collect::<Vec<_>>().join(", ")
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `spec: {head: {cpu: 2}, image: x}`, `spec` and `head` written by
    /// `layer`, `image` by `image_layer`.
    fn spec_with(layer: LayerId, image_layer: LayerId) -> Node {
        let yaml = "spec:\n  head:\n    cpu: 2\n  image: x\n";
        let mut doc: Node = serde_saphyr::from_str(yaml).expect("test YAML parses");
        doc.set_layer(layer);
        if let Some(Value::Map(entries)) = doc.live_mut("spec").map(|s| &mut s.value)
            && let Some(image) = entries.iter_mut().find(|e| e.key == "image")
        {
            image.value.set_layer(image_layer);
        }
        doc
    }

    #[test]
    fn a_value_rayc_yaml_wrote_whole_maps_to_its_rayc_yaml_path() {
        let doc = spec_with(DEFAULTS_LAYER, DEFAULTS_LAYER);
        assert_eq!(
            project_file_path(&doc, "spec.head.cpu", None).as_deref(),
            Some("defaults.spec.head.cpu")
        );
        assert_eq!(
            project_file_path(&doc, "spec.head", None).as_deref(),
            Some("defaults.spec.head")
        );
        let doc = spec_with(ENV_LAYER, ENV_LAYER);
        assert_eq!(
            project_file_path(&doc, "spec.head.cpu", Some("dev")).as_deref(),
            Some("environments.dev.patch.head.cpu")
        );
    }

    #[test]
    fn a_mapping_the_spec_added_to_stays_the_specs() {
        // Defaults made `spec`, the spec wrote `image` into it.
        let doc = spec_with(DEFAULTS_LAYER, SPEC_LAYER);
        assert_eq!(project_file_path(&doc, "spec", None), None);
        assert_eq!(project_file_path(&doc, "spec.image", None), None);
        // What defaults alone wrote below it is still rayc.yaml's.
        assert_eq!(
            project_file_path(&doc, "spec.head", None).as_deref(),
            Some("defaults.spec.head")
        );
    }
}
