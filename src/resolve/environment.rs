//! Environments (`rayc build --env NAME`): their variables, and the settings
//! applied after every overlay — namespace, image registry, replicas per group.
//! Also the project defaults layer, the first one every spec starts from.
//!
//! Reads the process environment only for names `allowEnv` lists.

use std::collections::BTreeMap;

use serde_json::{Map, Value as Json};

use crate::diag::{Diagnostic, codes};
use crate::load::node::{LayerId, Node, Pos, Value};
use crate::model::project::{Environment, Project};

use super::suggest;
use super::tree::{Layer, Source, Traced, empty_map, layer_of, new_node};

/// The project's environment names, sorted.
pub fn environments(project: &Project) -> Vec<String> {
    project.environments.keys().cloned().collect()
}

/// The environment called `name`, or an error with a did-you-mean.
pub fn find_environment<'p>(
    project: &'p Project,
    name: &str,
    project_file: &str,
) -> Result<&'p Environment, Diagnostic> {
    project.environments.get(name).ok_or_else(|| {
        let help = match suggest(name, project.environments.keys().map(String::as_str)) {
            Some(s) => format!("did you mean `{s}`?"),
            None if project.environments.is_empty() => {
                format!("{project_file} defines no environments; add them under `environments:`")
            }
            None => format!("environments: {}", environments(project).join(", ")),
        };
        Diagnostic::error(
            codes::PROJECT,
            project_file,
            Pos::UNKNOWN,
            format!("unknown environment `{name}`"),
        )
        .with_path("environments")
        .with_help(help)
    })
}

/// `vars` of templates: the project's, overridden by the environment's.
pub(crate) fn template_vars(
    project: &Project,
    env: Option<&Environment>,
) -> BTreeMap<String, Json> {
    let mut vars = project.vars.clone();
    if let Some(env) = env {
        vars.extend(env.vars.iter().map(|(k, v)| (k.clone(), v.clone())));
    }
    vars
}

/// `env_var` of templates: the allow-listed process variables that are set.
/// `fixed` replaces the process environment (tests, embedding).
pub(crate) fn allowed_env_vars(
    project: &Project,
    fixed: Option<&BTreeMap<String, String>>,
) -> BTreeMap<String, String> {
    project
        .allow_env
        .iter()
        .filter_map(|name| {
            let value = match fixed {
                Some(map) => map.get(name).cloned(),
                None => std::env::var(name).ok(),
            };
            value.map(|v| (name.clone(), v))
        })
        .collect()
}

/// Project defaults as a partial spec document, or `None` when there are none.
pub(crate) fn defaults_document(project: &Project) -> Option<Json> {
    let defaults = project.defaults.as_ref()?;
    let mut metadata = Map::new();
    if let Some(ns) = &defaults.namespace {
        metadata.insert("namespace".to_owned(), Json::String(ns.clone()));
    }
    if !defaults.labels.is_empty() {
        metadata.insert(
            "labels".to_owned(),
            serde_json::to_value(&defaults.labels).unwrap_or_default(),
        );
    }
    if !defaults.annotations.is_empty() {
        metadata.insert(
            "annotations".to_owned(),
            serde_json::to_value(&defaults.annotations).unwrap_or_default(),
        );
    }
    let mut doc = Map::new();
    if !metadata.is_empty() {
        doc.insert("metadata".to_owned(), Json::Object(metadata));
    }
    if let Some(spec) = &defaults.spec {
        doc.insert("spec".to_owned(), spec.clone());
    }
    (!doc.is_empty()).then_some(Json::Object(doc))
}

/// Applies `namespace`, `imageRegistry` and `replicas` of an environment.
/// The namespace is a default: a namespace the spec or an overlay set stays.
/// Replicas name worker groups; groups this spec does not have are skipped
/// here (the pipeline checks that some spec has each). A count for a group
/// whose replicas rayc leaves out (autoscaled under GitOps) is an error: it
/// would vanish from the output (docs/adr/0004-replicas-of-autoscaled-groups.md).
pub(crate) fn apply_settings(
    tree: &mut Node,
    (env_name, env): (&str, &Environment),
    ctx: &super::ResolveContext,
    spec_file: &str,
    layer: LayerId,
    layers: &[Layer],
) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    if let Some(ns) = &env.namespace {
        let set_by_spec = tree
            .live("metadata")
            .and_then(|m| m.live("namespace"))
            .is_some_and(|n| {
                layer_of(layers, n.layer)
                    .is_some_and(|l| matches!(l.source, Source::Spec | Source::Overlay { .. }))
            });
        if !set_by_spec {
            if tree.live("metadata").is_none() {
                tree.set("metadata", empty_map(Pos::UNKNOWN, layer));
            }
            if let Some(meta) = tree.live_mut("metadata") {
                meta.set(
                    "namespace",
                    new_node(Value::Str(ns.clone()), Pos::UNKNOWN, layer),
                );
            }
        }
    }
    if let Some(registry) = env
        .image_registry
        .as_deref()
        .filter(|r| !r.trim().is_empty())
        && let Some(spec) = tree.live_mut("spec")
    {
        rewrite_images(spec, registry);
    }
    let omitted = ctx.project.omits_autoscaled_replicas() && is_autoscaled(tree);
    if !env.replicas.is_empty()
        && let Some(Node {
            value: Value::Seq(workers),
            ..
        }) = tree.live_mut("spec").and_then(|s| s.live_mut("workers"))
    {
        for worker in workers.iter_mut() {
            let Some(name) = worker.live("name").and_then(Node::as_str) else {
                continue;
            };
            let Some(n) = env.replicas.get(name) else {
                continue;
            };
            if omitted {
                diags.push(
                    Diagnostic::error(
                        codes::PROJECT,
                        ctx.project_file,
                        Pos::UNKNOWN,
                        format!(
                            "environment `{env_name}` sets replicas {n} for worker group `{name}` of {spec_file}, which is autoscaled: under GitOps rayc leaves replicas out of autoscaled groups, so the count would be lost"
                        ),
                    )
                    .with_path(format!("environments.{env_name}.replicas.{name}"))
                    .with_help(format!(
                        "bound the group instead, e.g. `overlays: [{{autoscaling: {{groups: [{name}], minReplicas: {n}}}, override: true}}]` in environment `{env_name}`; or set `gitops.omitAutoscaledReplicas: false`"
                    )),
                );
                continue;
            }
            worker.set(
                "replicas",
                new_node(Value::Int(i64::from(*n)), Pos::UNKNOWN, layer),
            );
        }
    }
    diags
}

/// Whether the resolved spec turns the autoscaler on (an `autoscaling`
/// block without `enabled: false`), as `lower` reads it.
fn is_autoscaled(tree: &Node) -> bool {
    tree.live("spec")
        .and_then(|s| s.live("autoscaling"))
        .is_some_and(|a| {
            !matches!(
                a.live("enabled"),
                Some(Node {
                    value: Value::Bool(false),
                    ..
                })
            )
        })
}

/// Every string-valued `image` below `node` gets the registry.
fn rewrite_images(node: &mut Node, registry: &str) {
    match &mut node.value {
        Value::Map(entries) => {
            for e in entries.iter_mut() {
                match &mut e.value.value {
                    Value::Str(image) if e.key == "image" => {
                        *image = with_registry(image, registry)
                    }
                    _ => rewrite_images(&mut e.value, registry),
                }
            }
        }
        Value::Seq(items) => items.iter_mut().for_each(|i| rewrite_images(i, registry)),
        _ => {}
    }
}

/// Replaces the registry of an image reference: `quay.io/ray/ray:2.9` with
/// `reg.example.com/mirror` gives `reg.example.com/mirror/ray/ray:2.9`. An
/// image without a registry (`rayproject/ray:2.9`, Docker Hub) gets it prefixed.
pub fn with_registry(image: &str, registry: &str) -> String {
    let registry = registry.trim_end_matches('/');
    let path = match image.split_once('/') {
        Some((first, rest))
            if first.contains('.') || first.contains(':') || first == "localhost" =>
        {
            rest
        }
        _ => image,
    };
    format!("{registry}/{path}")
}
