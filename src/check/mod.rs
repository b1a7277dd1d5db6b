//! Phase 3, `check`: spec documents against the spec schema (strictly, with
//! did-you-mean) and the spec-level rules, then into typed values.

pub mod schemas;

use serde::de::DeserializeOwned;

use crate::diag::{Diagnostic, codes};
use crate::load::Document;
use crate::model::project::Project;
use crate::model::spec::{API_VERSION, SPEC_KINDS, SpecDocument};

/// Checks `rayc.yaml` and returns the typed project.
pub fn project(doc: &Document) -> Result<Project, Vec<Diagnostic>> {
    typed(doc)
}

/// Checks one spec document and returns it typed.
pub fn spec(doc: &Document) -> Result<SpecDocument, Vec<Diagnostic>> {
    let mut diags = Vec::new();
    if doc.api_version() != Some(API_VERSION) {
        let pos = doc.node.get("apiVersion").map_or(doc.node.pos, |n| n.pos);
        diags.push(
            Diagnostic::error(
                codes::UNKNOWN_KIND,
                &doc.file,
                pos,
                format!(
                    "apiVersion must be {API_VERSION}, found {:?}",
                    doc.api_version().unwrap_or("nothing")
                ),
            )
            .with_help(format!("set `apiVersion: {API_VERSION}`")),
        );
    }
    match doc.kind() {
        Some(kind) if SPEC_KINDS.contains(&kind) => {}
        other => {
            let pos = doc.node.get("kind").map_or(doc.node.pos, |n| n.pos);
            diags.push(
                Diagnostic::error(
                    codes::UNKNOWN_KIND,
                    &doc.file,
                    pos,
                    format!("unknown spec kind {:?}", other.unwrap_or("(missing)")),
                )
                .with_help(format!("use one of {}", SPEC_KINDS.join(", "))),
            );
        }
    }
    if !diags.is_empty() {
        return Err(diags);
    }
    typed(doc)
}

/// Deserialises a checked document into its typed form.
fn typed<T: DeserializeOwned>(doc: &Document) -> Result<T, Vec<Diagnostic>> {
    serde_json::from_value(doc.node.to_json()).map_err(|e| {
        vec![
            Diagnostic::error(codes::WRONG_TYPE, &doc.file, doc.node.pos, e.to_string())
                .with_help("see docs/spec.md for the format"),
        ]
    })
}
