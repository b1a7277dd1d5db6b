//! One use of an overlay: reading `gpu` / `{gpu: {count: 2}}` / `{gpu: {...},
//! override: true}`, binding its parameters (types, enums, required, defaults)
//! and rendering its patch into a tree of the use's layer for `merge`.
//!
//! No IO, no merging.

use std::collections::BTreeMap;

use serde_json::Value as Json;

use crate::diag::{Diagnostic, codes};
use crate::load::node::{LayerId, Node, Pos, Value};

use super::overlay::{OVERRIDE_KEY, Overlay, OverlaySet, Patch, first_message_line};
use super::template::{Scope, Templater, render_tree};
use super::tree::{Traced, empty_map, with_layer};
use super::{did_you_mean, suggest};

/// One use of an overlay, as written in a spec's or environment's `overlays`.
#[derive(Clone, Debug)]
pub(crate) struct OverlayCall {
    pub name: String,
    /// Position of the use (the list item); errors about the use point here.
    pub pos: Pos,
    pub name_pos: Pos,
    /// Given parameters: name, key position, value (rendered already).
    pub params: Vec<(String, Pos, Node)>,
    pub force_override: bool,
    /// File the use is written in, and the path of the use there.
    pub file: String,
    pub path: String,
}

/// Reads one item of an `overlays` list: `gpu`, `{gpu: {count: 2}}`, `{gpu: {...}, override: true}`.
pub(crate) fn parse_call(
    item: &Node,
    file: &str,
    path: &str,
    anchor: Option<Pos>,
) -> Result<OverlayCall, Diagnostic> {
    let at = |p: Pos| anchor.unwrap_or(p);
    let err = |pos: Pos, msg: String| {
        Diagnostic::error(codes::TEMPLATE, file, at(pos), msg)
            .with_path(path)
            .with_help("an overlay use is a name (`gpu`) or a one-key mapping of a name to parameters (`{gpu: {count: 2}}`), optionally with `override: true`")
    };
    let mut call = OverlayCall {
        name: String::new(),
        pos: at(item.pos),
        name_pos: at(item.pos),
        params: Vec::new(),
        force_override: false,
        file: file.to_owned(),
        path: path.to_owned(),
    };
    match &item.value {
        Value::Str(name) => {
            call.name = name.clone();
            Ok(call)
        }
        Value::Map(entries) => {
            let mut named = Vec::new();
            for e in entries {
                if e.key == OVERRIDE_KEY {
                    match e.value.value {
                        Value::Bool(b) => call.force_override = b,
                        _ => {
                            return Err(err(
                                e.value.pos,
                                "`override` must be true or false".to_owned(),
                            ));
                        }
                    }
                } else {
                    named.push(e);
                }
            }
            let [e] = named.as_slice() else {
                return Err(err(
                    item.pos,
                    format!(
                        "an overlay use names exactly one overlay, this one names {}",
                        named.len()
                    ),
                ));
            };
            call.name = e.key.clone();
            call.name_pos = at(e.key_pos);
            match &e.value.value {
                Value::Null => {}
                Value::Map(params) => {
                    call.params = params
                        .iter()
                        .map(|p| (p.key.clone(), at(p.key_pos), p.value.clone()))
                        .collect();
                }
                _ => {
                    return Err(err(
                        e.value.pos,
                        format!(
                            "the parameters of `{}` must be a mapping, not {}",
                            e.key,
                            e.value.type_name()
                        ),
                    ));
                }
            }
            Ok(call)
        }
        _ => Err(err(
            item.pos,
            format!(
                "an overlay use must be a name or a mapping, not {}",
                item.type_name()
            ),
        )),
    }
}

impl OverlayCall {
    fn error(&self, pos: Pos, msg: String) -> Diagnostic {
        Diagnostic::error(codes::TEMPLATE, &self.file, pos, msg).with_path(self.path.clone())
    }
}

/// Finds the overlay a use names.
pub(crate) fn lookup<'s>(
    set: &'s OverlaySet,
    call: &OverlayCall,
) -> Result<&'s Overlay, Diagnostic> {
    set.get(&call.name).ok_or_else(|| {
        let help = did_you_mean(&call.name, set.names(), "known overlays");
        call.error(call.name_pos, format!("unknown overlay `{}`", call.name))
            .with_help(help)
    })
}

/// The value of every declared parameter: given, else default, else null.
pub(crate) fn bind_params(
    overlay: &Overlay,
    call: &OverlayCall,
) -> Result<BTreeMap<String, Json>, Vec<Diagnostic>> {
    let mut diags = Vec::new();
    let mut values: BTreeMap<String, Json> = BTreeMap::new();
    for (name, key_pos, node) in &call.params {
        let Some(param) = overlay.parameter(name) else {
            let help = match suggest(name, overlay.parameters.iter().map(|p| p.name.as_str())) {
                Some(s) => format!("did you mean `{s}`?"),
                None if overlay.parameters.is_empty() => {
                    format!("`{}` takes no parameters", overlay.name)
                }
                None => format!(
                    "parameters of `{}`: {}",
                    overlay.name,
                    overlay
                        .parameters
                        .iter()
                        .map(|p| p.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            };
            diags.push(
                call.error(
                    *key_pos,
                    format!("overlay `{}` has no parameter `{name}`", overlay.name),
                )
                .with_help(help),
            );
            continue;
        };
        let value = node.emitted_json();
        let value_pos = if call.pos == Pos::UNKNOWN {
            Pos::UNKNOWN
        } else {
            node.pos
        };
        if value.is_null() {
            continue;
        }
        if !param.ty.accepts(&value) {
            diags.push(
                call.error(
                    value_pos,
                    format!(
                        "parameter `{name}` of overlay `{}` must be {}, not {}",
                        overlay.name,
                        param.ty.with_article(),
                        node.type_name()
                    ),
                )
                .with_help(format!(
                    "`rayc overlays {}` lists its parameters",
                    overlay.name
                )),
            );
            continue;
        }
        if !param.allowed.is_empty() && !param.allowed.contains(&value) {
            let allowed: Vec<String> = param.allowed.iter().map(Json::to_string).collect();
            diags.push(
                call.error(
                    value_pos,
                    format!(
                        "parameter `{name}` of overlay `{}` must be one of {}",
                        overlay.name,
                        allowed.join(", ")
                    ),
                )
                .with_help(format!(
                    "`rayc overlays {}` lists its parameters",
                    overlay.name
                )),
            );
            continue;
        }
        values.insert(name.clone(), value);
    }
    for p in &overlay.parameters {
        if values.contains_key(&p.name) {
            continue;
        }
        if p.required {
            // A given but rejected value was reported already.
            let given = call
                .params
                .iter()
                .any(|(n, _, v)| n == &p.name && !v.is_null());
            if !given {
                diags.push(
                    call.error(
                        call.pos,
                        format!("overlay `{}` needs parameter `{}`", overlay.name, p.name),
                    )
                    .with_help(format!(
                        "write `{{{}: {{{}: ...}}}}`{}",
                        overlay.name,
                        p.name,
                        if p.doc.is_empty() {
                            String::new()
                        } else {
                            format!(" ({})", p.doc)
                        }
                    )),
                );
            }
            continue;
        }
        values.insert(p.name.clone(), p.default.clone().unwrap_or(Json::Null));
    }
    if diags.is_empty() {
        Ok(values)
    } else {
        Err(diags)
    }
}

/// Renders an overlay's patch for one use. The result is a document-shaped
/// tree (`metadata`, `spec`) whose positions are meaningless: the caller
/// anchors it at the use.
pub(crate) fn render_patch(
    overlay: &Overlay,
    call: &OverlayCall,
    templater: &Templater,
    scope: &Scope,
    layer: LayerId,
) -> Result<Node, Vec<Diagnostic>> {
    let used_at = if call.pos == Pos::UNKNOWN {
        format!("used in {} `{}`", call.file, call.path)
    } else {
        format!("used at {}:{}", call.file, call.pos.line)
    };
    let node = match &overlay.patch {
        Patch::Tree(tree) => {
            let mut t = with_layer(tree.clone(), layer);
            let mut errors = Vec::new();
            render_tree(templater, &mut t, "patch", scope, &mut errors);
            if !errors.is_empty() {
                return Err(errors
                    .into_iter()
                    .map(|e| {
                        Diagnostic::error(
                            codes::TEMPLATE,
                            &overlay.file,
                            e.pos,
                            format!(
                                "overlay `{}`: template error in `{}`: {}",
                                overlay.name, e.path, e.error.message
                            ),
                        )
                        .with_path(e.path)
                        .with_help(format!("{used_at}; {}", super::CONTEXT_HELP))
                    })
                    .collect());
            }
            t
        }
        Patch::Text { source, first_line } => {
            let text = templater
                .render_text(source, &scope.context())
                .map_err(|e| {
                    let line = e.line.map_or(*first_line, |l| {
                        first_line
                            .saturating_add(u32::try_from(l).unwrap_or(u32::MAX).saturating_sub(1))
                    });
                    vec![
                        Diagnostic::error(
                            codes::TEMPLATE,
                            &overlay.file,
                            Pos { line, col: 1 },
                            format!("overlay `{}`: {}", overlay.name, e.message),
                        )
                        .with_path("patch")
                        .with_help(format!("{used_at}; {}", super::CONTEXT_HELP)),
                    ]
                })?;
            if text.trim().is_empty() {
                return Ok(empty_map(Pos::UNKNOWN, layer));
            }
            let options =
                serde_saphyr::options! { duplicate_keys: serde_saphyr::DuplicateKeyPolicy::Error };
            let parsed = serde_saphyr::from_str_with_options::<Node>(&text, options).map_err(|e| {
                let line = e.location().map_or(0, |l| l.line());
                vec![
                    call.error(
                        call.pos,
                        format!(
                            "overlay `{}` rendered text that is not valid YAML (line {line} of the rendered patch): {}",
                            overlay.name,
                            first_message_line(&e.to_string())
                        ),
                    )
                    .with_help(format!(
                        "insert values with `{{{{ value | tojson }}}}` so quotes and colons stay intact; the template is in {}",
                        overlay.file
                    )),
                ]
            })?;
            with_layer(parsed, layer)
        }
    };
    check_patch_shape(&node, overlay).map(|()| node)
}

/// An overlay may change `metadata.labels`, `metadata.annotations`,
/// `metadata.namespace` and `spec` (but not `spec.overlays`).
fn check_patch_shape(node: &Node, overlay: &Overlay) -> Result<(), Vec<Diagnostic>> {
    let mut diags = Vec::new();
    let pos = |n: Pos| match overlay.patch {
        Patch::Tree(_) => n,
        Patch::Text { first_line, .. } => Pos {
            line: first_line,
            col: 1,
        },
    };
    let mut err = |p: Pos, path: &str, msg: String| {
        diags.push(
            Diagnostic::error(codes::TEMPLATE, &overlay.file, pos(p), format!("overlay `{}`: {msg}", overlay.name))
                .with_path(format!("patch.{path}"))
                .with_help("a patch is a partial spec document: `metadata` (labels, annotations, namespace) and `spec`"),
        );
    };
    match &node.value {
        Value::Null => {}
        Value::Map(entries) => {
            for e in entries {
                match e.key.as_str() {
                    "metadata" => match e.value.entries() {
                        Some(meta) => {
                            for m in meta {
                                if !["labels", "annotations", "namespace"].contains(&m.key.as_str())
                                {
                                    err(
                                        m.key_pos,
                                        &format!("metadata.{}", m.key),
                                        format!("a patch cannot set `metadata.{}`", m.key),
                                    );
                                }
                            }
                        }
                        None if e.value.is_null() => {}
                        None => err(
                            e.value.pos,
                            "metadata",
                            "`metadata` must be a mapping".to_owned(),
                        ),
                    },
                    "spec" => {
                        if let Some(o) = e.value.entry("overlays") {
                            err(
                                o.key_pos,
                                "spec.overlays",
                                "a patch cannot apply overlays".to_owned(),
                            );
                        }
                    }
                    other => err(e.key_pos, other, format!("a patch cannot set `{other}`")),
                }
            }
        }
        _ => err(
            node.pos,
            "",
            format!("the patch must be a mapping, not {}", node.type_name()),
        ),
    }
    if diags.is_empty() { Ok(()) } else { Err(diags) }
}
