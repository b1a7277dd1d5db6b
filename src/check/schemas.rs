//! JSON Schemas of rayc's file formats, derived from the typed models.

use schemars::{JsonSchema, generate::SchemaSettings};

use crate::model::overlay::OverlayFile;
use crate::model::project::Project;
use crate::model::spec::SpecDocument;

fn schema_of<T: JsonSchema>(title: &str) -> serde_json::Value {
    let generator = SchemaSettings::draft2020_12().into_generator();
    let mut schema =
        serde_json::to_value(generator.into_root_schema_for::<T>()).unwrap_or_default();
    if let Some(obj) = schema.as_object_mut() {
        obj.insert("title".into(), title.into());
    }
    schema
}

/// The spec format's schema as a JSON value (what `check` validates against).
pub fn spec() -> serde_json::Value {
    schema_of::<SpecDocument>("rayc spec (rayc.dev/v1alpha1)")
}

/// `rayc.yaml`'s schema.
pub fn project() -> serde_json::Value {
    schema_of::<Project>("rayc project file (rayc.yaml)")
}

/// The overlay file format's schema (`kind: Overlay`).
pub fn overlay() -> serde_json::Value {
    schema_of::<OverlayFile>("rayc overlay (rayc.dev/v1alpha1)")
}

fn pretty(v: &serde_json::Value) -> String {
    let mut s = serde_json::to_string_pretty(v).unwrap_or_default();
    s.push('\n');
    s
}

pub fn spec_json() -> String {
    pretty(&spec())
}

pub fn project_json() -> String {
    pretty(&project())
}

pub fn overlay_json() -> String {
    pretty(&overlay())
}

/// The published `schemas/rayc-spec.schema.json`, embedded: `tests/it/cli.rs`
/// keeps the file equal to [`spec`], and reading it is much cheaper than
/// deriving it (`check` reads it with `Schema::lazy`).
pub const SPEC_TEXT: &str = include_str!("../../schemas/rayc-spec.schema.json");

/// The published `schemas/rayc-project.schema.json` (see [`SPEC_TEXT`]).
pub const PROJECT_TEXT: &str = include_str!("../../schemas/rayc-project.schema.json");

/// The published `schemas/rayc-overlay.schema.json` (see [`SPEC_TEXT`]).
pub const OVERLAY_TEXT: &str = include_str!("../../schemas/rayc-overlay.schema.json");

/// [`SPEC_TEXT`] parsed.
pub fn spec_published() -> serde_json::Value {
    serde_json::from_str(SPEC_TEXT).unwrap_or_else(|_| spec())
}

/// [`OVERLAY_TEXT`] parsed: what `resolve::overlay` checks overlay files against.
pub fn overlay_published() -> serde_json::Value {
    serde_json::from_str(OVERLAY_TEXT).unwrap_or_else(|_| overlay())
}

/// [`PROJECT_TEXT`] parsed.
pub fn project_published() -> serde_json::Value {
    serde_json::from_str(PROJECT_TEXT).unwrap_or_else(|_| project())
}
