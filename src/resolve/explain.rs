//! The texts of `rayc overlays` and `rayc overlays NAME`.
//!
//! Formatting only: reads an `OverlaySet`, never files.

use std::fmt::Write as _;

use serde_json::Value as Json;

use crate::diag::{Diagnostic, codes};
use crate::load::node::{Node, Pos, Value};

use super::did_you_mean;
use super::overlay::{Origin, OverlaySet, ParameterType, Patch};

/// The text of `rayc overlays`: every overlay with its source and description.
pub fn list_overlays(set: &OverlaySet) -> String {
    let rows: Vec<(String, String, String)> = set
        .iter()
        .map(|o| {
            let source = match &o.origin {
                Origin::Builtin => "built-in".to_owned(),
                Origin::File(f) if o.replaces_builtin => format!("{f} (replaces built-in)"),
                Origin::File(f) => f.clone(),
            };
            (
                o.name.clone(),
                source,
                o.description.lines().next().unwrap_or("").to_owned(),
            )
        })
        .collect();
    let w_name = rows.iter().map(|r| r.0.len()).max().unwrap_or(0).max(4);
    let w_src = rows.iter().map(|r| r.1.len()).max().unwrap_or(0).max(6);
    let mut out = String::new();
    let _ = writeln!(out, "{:w_name$}  {:w_src$}  DESCRIPTION", "NAME", "SOURCE");
    for (name, source, description) in rows {
        let line = format!("{name:w_name$}  {source:w_src$}  {description}");
        let _ = writeln!(out, "{}", line.trim_end());
    }
    out.push_str(
        "\nUse one in a spec: `overlays: [NAME]` or `overlays: [{NAME: {param: value}}]`.\n",
    );
    out.push_str("`rayc overlays NAME` shows its parameters and what it changes.\n");
    out
}

/// The text of `rayc overlays NAME`: parameters, types, defaults, docs and the patch.
pub fn explain_overlay(name: &str, set: &OverlaySet) -> Result<String, Diagnostic> {
    let Some(o) = set.get(name) else {
        let help = did_you_mean(name, set.names(), "known overlays");
        return Err(Diagnostic::error(
            codes::TEMPLATE,
            "",
            Pos::UNKNOWN,
            format!("unknown overlay `{name}`"),
        )
        .with_help(help));
    };
    let mut out = String::new();
    let source = match &o.origin {
        Origin::Builtin => "built-in".to_owned(),
        Origin::File(f) => f.clone(),
    };
    let _ = writeln!(out, "{} ({source})", o.name);
    for line in o.description.lines() {
        let _ = writeln!(out, "  {line}");
    }
    if o.overrides {
        let _ = writeln!(out, "  Overrides: what it sets wins over earlier overlays.");
    }
    out.push('\n');
    if o.parameters.is_empty() {
        out.push_str("Parameters: none\n");
    } else {
        out.push_str("Parameters:\n");
        for p in &o.parameters {
            let mut facts = vec![p.ty.as_str().to_owned()];
            if p.required {
                facts.push("required".to_owned());
            }
            match &p.default {
                Some(d) => facts.push(format!("default {d}")),
                None if !p.required => facts.push("optional".to_owned()),
                None => {}
            }
            if !p.allowed.is_empty() {
                let allowed: Vec<String> = p.allowed.iter().map(Json::to_string).collect();
                facts.push(format!("one of {}", allowed.join(", ")));
            }
            let _ = writeln!(out, "  {} ({})", p.name, facts.join(", "));
            for line in p.doc.lines() {
                let _ = writeln!(out, "      {line}");
            }
        }
    }
    out.push_str("\nUse:\n");
    let _ = writeln!(out, "  overlays:\n    - {}", o.name);
    if let Some(p) = o
        .parameters
        .iter()
        .find(|p| p.required)
        .or(o.parameters.first())
    {
        let example = p
            .default
            .clone()
            .or_else(|| p.allowed.first().cloned())
            .unwrap_or_else(|| example_value(p.ty));
        let _ = writeln!(out, "    - {{{}: {{{}: {}}}}}", o.name, p.name, example);
    }
    out.push_str(
        "\nWhat it changes (the patch, templated with `params`, `spec`, `vars`, `env`):\n",
    );
    let patch_text = match &o.patch {
        Patch::Text { source, .. } => source.clone(),
        Patch::Tree(node) => patch_tree_text(node),
    };
    for line in patch_text.lines() {
        let _ = writeln!(out, "  {line}");
    }
    Ok(out)
}

fn example_value(ty: ParameterType) -> Json {
    match ty {
        ParameterType::String => Json::String("...".to_owned()),
        ParameterType::Integer | ParameterType::Number => Json::from(1),
        ParameterType::Boolean => Json::Bool(true),
        ParameterType::List => Json::Array(Vec::new()),
        ParameterType::Map => Json::Object(serde_json::Map::new()),
        ParameterType::Quantity => Json::String("1Gi".to_owned()),
    }
}

/// A mapping patch as indented `key: value` lines (JSON for leaves).
fn patch_tree_text(node: &Node) -> String {
    fn walk(node: &Node, indent: usize, out: &mut String) {
        if let Value::Map(entries) = &node.value {
            for e in entries {
                match &e.value.value {
                    Value::Map(inner) if !inner.is_empty() => {
                        let _ = writeln!(out, "{:indent$}{}:", "", e.key);
                        walk(&e.value, indent + 2, out);
                    }
                    _ => {
                        let _ = writeln!(out, "{:indent$}{}: {}", "", e.key, e.value.to_json());
                    }
                }
            }
        }
    }
    let mut out = String::new();
    walk(node, 0, &mut out);
    out
}
