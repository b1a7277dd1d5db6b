//! Checking one overlay file: YAML with positions, then the schema of
//! `model::overlay::OverlayFile` through `src/schema` (unknown fields are
//! RAY101 with a did-you-mean, wrong types RAY102, …, as in specs), then what
//! a schema cannot say (RAY008): parameter names, defaults and `enum` values
//! of the declared type, reserved names.

use std::sync::OnceLock;

use crate::diag::{Diagnostic, codes};
use crate::load::node::{Node, Pos, Value};
use crate::model::overlay::{OverlayFile, ParameterType};
use crate::schema::{self, Schema};

use super::{OVERRIDE_KEY, Origin, Overlay, Parameter, Patch};

/// The published overlay schema (`schemas/rayc-overlay.schema.json`).
fn overlay_schema() -> &'static Schema {
    static SCHEMA: OnceLock<Schema> = OnceLock::new();
    SCHEMA.get_or_init(|| Schema::new(crate::check::schemas::overlay_published()))
}

/// Reads and checks an overlay file.
pub fn parse_overlay(text: &str, file: &str, origin: Origin) -> Result<Overlay, Vec<Diagnostic>> {
    let options =
        serde_saphyr::options! { duplicate_keys: serde_saphyr::DuplicateKeyPolicy::Error };
    let docs = serde_saphyr::from_multiple_with_options::<Node>(text, options).map_err(|e| {
        let pos = e.location().map_or(Pos::UNKNOWN, |l| Pos {
            line: l.line() as u32,
            col: l.column() as u32,
        });
        vec![Diagnostic::error(
            codes::YAML_SYNTAX,
            file,
            pos,
            format!(
                "overlay file is not valid YAML: {}",
                first_message_line(&e.to_string())
            ),
        )]
    })?;
    let doc = match docs.as_slice() {
        [doc] => doc,
        [] => {
            return Err(vec![
                Diagnostic::error(codes::TEMPLATE, file, Pos::UNKNOWN, "overlay file is empty")
                    .with_help(
                        "an overlay file holds one document of kind Overlay; see docs/overlays.md",
                    ),
            ]);
        }
        [_, second, ..] => {
            return Err(vec![
                Diagnostic::error(
                    codes::TEMPLATE,
                    file,
                    second.pos,
                    "an overlay file holds one document, this one has several",
                )
                .with_help("put each overlay in its own file"),
            ]);
        }
    };
    let errors = schema::validate(doc, overlay_schema());
    if !errors.is_empty() {
        return Err(errors
            .into_iter()
            .map(|e| e.into_diagnostic(file))
            .collect());
    }
    let mut c = Checker {
        file,
        text,
        diags: Vec::new(),
    };
    let overlay = c.overlay(doc, origin);
    match overlay {
        Some(o) if c.diags.is_empty() => Ok(o),
        _ => Err(c.diags),
    }
}

pub(crate) fn first_message_line(s: &str) -> &str {
    s.lines().next().unwrap_or(s)
}

/// What the schema cannot check, on a document the schema accepted.
struct Checker<'a> {
    file: &'a str,
    text: &'a str,
    diags: Vec<Diagnostic>,
}

impl Checker<'_> {
    fn error(&mut self, pos: Pos, path: &str, msg: impl Into<String>, help: impl Into<String>) {
        let mut d = Diagnostic::error(codes::TEMPLATE, self.file, pos, msg).with_path(path);
        let help = help.into();
        if !help.is_empty() {
            d = d.with_help(help);
        }
        self.diags.push(d);
    }

    fn overlay(&mut self, doc: &Node, origin: Origin) -> Option<Overlay> {
        let typed: OverlayFile = match serde_json::from_value(doc.to_json()) {
            Ok(t) => t,
            // The schema is derived from this type, so this only guards a gap between the two.
            Err(e) => {
                self.error(
                    doc.pos,
                    "",
                    format!("overlay file cannot be read: {e}"),
                    "see docs/overlays.md",
                );
                return None;
            }
        };
        let name_pos = doc
            .get("metadata")
            .and_then(|m| m.get("name"))
            .map_or(doc.pos, |n| n.pos);
        let name = typed.metadata.name;
        if name == OVERRIDE_KEY {
            self.error(
                name_pos,
                "metadata.name",
                "`override` is reserved in overlay uses",
                "pick another name",
            );
        }
        let parameters = match doc.get("parameters").map(|n| &n.value) {
            Some(Value::Map(entries)) => entries
                .iter()
                .filter_map(|e| self.parameter(&e.key, e.key_pos, &e.value))
                .collect(),
            _ => Vec::new(),
        };
        let patch = match doc.get("patch") {
            Some(
                node @ Node {
                    value: Value::Str(s),
                    ..
                },
            ) => Patch::Text {
                source: s.clone(),
                first_line: self.first_text_line(node.pos),
            },
            Some(node) => Patch::Tree(node.clone()),
            None => return None,
        };
        let replaces_builtin = typed.replaces_builtin.unwrap_or(false);
        if replaces_builtin && origin == Origin::Builtin {
            self.error(
                doc.get("replacesBuiltin").map_or(doc.pos, |n| n.pos),
                "replacesBuiltin",
                "a built-in overlay cannot replace a built-in",
                "",
            );
        }
        Some(Overlay {
            name,
            name_pos,
            description: typed.metadata.description.unwrap_or_default(),
            origin,
            file: self.file.to_owned(),
            text: self.text.to_owned(),
            parameters,
            patch,
            overrides: typed.overrides.unwrap_or(false),
            replaces_builtin,
        })
    }

    fn parameter(&mut self, name: &str, key_pos: Pos, node: &Node) -> Option<Parameter> {
        let path = format!("parameters.{name}");
        if !is_param_name(name) {
            self.error(
                key_pos,
                &path,
                format!("`{name}` is not a valid parameter name"),
                "use letters, digits and `_`, starting with a letter, so templates can say `params.NAME`",
            );
            return None;
        }
        let ty: ParameterType = node
            .get("type")
            .and_then(|t| serde_json::from_value(t.to_json()).ok())?;
        let doc = node.get("doc").and_then(Node::as_str).unwrap_or("");
        let required = node.get("required").map(|n| &n.value) == Some(&Value::Bool(true));
        let mut allowed = Vec::new();
        if let Some(Value::Seq(items)) = node.get("enum").map(|n| &n.value) {
            for item in items {
                let v = item.to_json();
                if !ty.accepts(&v) {
                    self.error(
                        item.pos,
                        &format!("{path}.enum"),
                        format!("enum value must be {}", ty.with_article()),
                        "",
                    );
                }
                allowed.push(v);
            }
        }
        let default = match node.get("default") {
            None => None,
            Some(n) if n.is_null() => None,
            Some(n) => {
                let v = n.to_json();
                if !ty.accepts(&v) {
                    self.error(
                        n.pos,
                        &format!("{path}.default"),
                        format!(
                            "the default of `{name}` must be {}, not {}",
                            ty.with_article(),
                            n.type_name()
                        ),
                        "",
                    );
                } else if !allowed.is_empty() && !allowed.contains(&v) {
                    self.error(
                        n.pos,
                        &format!("{path}.default"),
                        format!("the default of `{name}` is not one of its `enum` values"),
                        "",
                    );
                }
                Some(v)
            }
        };
        if required && default.is_some() {
            self.error(
                node.pos,
                &format!("{path}.required"),
                format!("parameter `{name}` is required and has a default"),
                "a default makes a parameter optional: drop one of them",
            );
        }
        Some(Parameter {
            name: name.to_owned(),
            ty,
            default,
            doc: doc.to_owned(),
            required,
            allowed,
        })
    }

    /// For `patch: |`, the text starts on the line after the indicator.
    fn first_text_line(&self, pos: Pos) -> u32 {
        let line = self
            .text
            .lines()
            .nth(pos.line.saturating_sub(1) as usize)
            .unwrap_or("");
        let rest = line
            .char_indices()
            .nth(pos.col.saturating_sub(1) as usize)
            .map_or("", |(i, _)| &line[i..]);
        if rest.starts_with('|') || rest.starts_with('>') {
            pos.line + 1
        } else {
            pos.line
        }
    }
}

fn is_param_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}
