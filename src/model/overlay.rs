//! The overlay file format (`kind: Overlay`): the JSON Schema `rayc schema
//! overlay` publishes and `resolve::overlay` checks overlay files against
//! (through `src/schema`, like specs), and the parameter types.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Deserialize;

use crate::model::quantity::parse_quantity;

/// One overlay file (docs/overlays.md, "File format reference").
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct OverlayFile {
    /// Always `rayc.dev/v1alpha1`.
    #[schemars(extend("const" = "rayc.dev/v1alpha1"))]
    pub api_version: String,
    /// Always `Overlay`.
    #[schemars(extend("const" = "Overlay"))]
    pub kind: String,
    pub metadata: OverlayMetadata,
    /// Parameters a use may set (`overlays: [{name: gpu, count: 2}]`).
    #[serde(default)]
    pub parameters: Option<BTreeMap<String, OverlayParameter>>,
    /// The partial spec this overlay applies: a mapping, or a block of text
    /// (`patch: |`) rendered as a template, then read as YAML.
    pub patch: OverlayPatch,
    /// What this overlay sets may change what earlier overlays set.
    #[serde(default)]
    pub overrides: Option<bool>,
    /// Takes the place of the built-in overlay of the same name.
    #[serde(default)]
    pub replaces_builtin: Option<bool>,
}

#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OverlayMetadata {
    /// The name specs use in `overlays:`.
    #[schemars(pattern(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"), length(max = 63))]
    pub name: String,
    /// What the overlay does (`rayc overlays` shows it).
    #[serde(default)]
    pub description: Option<String>,
}

#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OverlayParameter {
    #[serde(rename = "type")]
    pub ty: ParameterType,
    /// Value when a use does not set the parameter (of its type).
    #[serde(default)]
    pub default: Option<serde_json::Value>,
    /// One line for `rayc overlays` and the docs.
    #[serde(default)]
    pub doc: Option<String>,
    /// A use must set it (no default then).
    #[serde(default)]
    pub required: Option<bool>,
    /// The values a use may give.
    #[serde(default, rename = "enum")]
    pub allowed: Option<Vec<serde_json::Value>>,
}

/// Type of an overlay parameter; `quantity` is a Kubernetes quantity
/// (`2`, `0.5`, `"500m"`, `"40Gi"`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ParameterType {
    String,
    Integer,
    Number,
    Boolean,
    List,
    Map,
    Quantity,
}

#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum OverlayPatch {
    /// A template text, rendered then read as YAML.
    Text(String),
    /// A partial spec.
    Tree(serde_json::Map<String, serde_json::Value>),
}

impl ParameterType {
    pub const ALL: [&'static str; 7] = [
        "string", "integer", "number", "boolean", "list", "map", "quantity",
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ParameterType::String => "string",
            ParameterType::Integer => "integer",
            ParameterType::Number => "number",
            ParameterType::Boolean => "boolean",
            ParameterType::List => "list",
            ParameterType::Map => "map",
            ParameterType::Quantity => "quantity",
        }
    }

    pub fn with_article(self) -> &'static str {
        match self {
            ParameterType::String => "a string",
            ParameterType::Integer => "an integer",
            ParameterType::Number => "a number",
            ParameterType::Boolean => "a boolean",
            ParameterType::List => "a list",
            ParameterType::Map => "a mapping",
            ParameterType::Quantity => "a quantity (like 2, \"500m\" or \"40Gi\")",
        }
    }

    /// Whether `value` is of this type; quantities follow
    /// [`crate::model::quantity`], the grammar specs and rules use, and are
    /// never negative.
    pub fn accepts(self, value: &serde_json::Value) -> bool {
        use serde_json::Value as Json;
        match self {
            ParameterType::String => value.is_string(),
            ParameterType::Integer => value.is_i64() || value.is_u64(),
            ParameterType::Number => value.is_number(),
            ParameterType::Boolean => value.is_boolean(),
            ParameterType::List => value.is_array(),
            ParameterType::Map => value.is_object(),
            ParameterType::Quantity => match value {
                Json::Number(n) => n.as_f64().is_some_and(|f| f >= 0.0),
                Json::String(s) => parse_quantity(s).is_ok_and(|q| !q.is_negative()),
                _ => false,
            },
        }
    }
}
