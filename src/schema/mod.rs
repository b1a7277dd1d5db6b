//! Strict validation of a positioned YAML tree against a JSON Schema in the
//! Kubernetes structural-schema dialect: schemas that schemars 1 derives from
//! Rust types (`$defs`, `$ref`, `anyOf`/`oneOf` for options and enums,
//! `unevaluatedProperties` for flattened enums), k8s-openapi's schemas
//! (`x-kubernetes-int-or-string`, quantities, `format: int32`) and CRD
//! `openAPIV3Schema`s (`nullable`, list types, `default`).
//!
//! Strict means what the API server does with `fieldValidation=Strict`, plus
//! what `kubeconform -strict` adds: unknown fields are errors wherever a schema
//! lists `properties`, floats are never integers or quantities, and defaulted
//! required fields count as present. Nulls of optional fields are dropped as
//! the API server drops them; `anyOf`/`oneOf` report the errors of the branch
//! that fits best only.
//!
//! Not checked here: CEL rules (`x-kubernetes-validations`), `not`,
//! `if`/`then`/`else`, `multipleOf`, `min`/`maxProperties`, and whether more
//! than one `oneOf` branch matches.
//!
//! This module knows only `load::node` (the tree) and `diag` (codes and the
//! diagnostic type). It must not depend on the spec, the KubeRay model or any
//! later phase: callers hand it a schema as plain JSON.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};

use regex::Regex;

use crate::diag::Diagnostic;
use crate::load::node::{Entry, Node, Pos};

mod engine;
mod formats;
mod lazy;
mod quantity;
mod suggest;

pub use lazy::Edit;
pub use suggest::closest;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_crd;
#[cfg(test)]
mod tests_k8s;
#[cfg(test)]
mod tests_lazy;

/// A root JSON Schema. `$ref`s are resolved on demand, definitions of a
/// [`Schema::lazy`] parsed on first use, and compiled `pattern`s are cached,
/// so one `Schema` is meant to be built once and reused.
pub struct Schema {
    /// Without the definition sections `definitions` keeps.
    root: serde_json::Value,
    definitions: lazy::Definitions,
    /// Compiled patterns; `None` marks a pattern the `regex` crate cannot
    /// compile (look-arounds, back-references), which is then skipped.
    regexes: Mutex<HashMap<String, Option<Arc<Regex>>>>,
}

impl Schema {
    pub fn new(root: serde_json::Value) -> Schema {
        Schema {
            root,
            definitions: lazy::Definitions::default(),
            regexes: Mutex::new(HashMap::new()),
        }
    }

    /// The schema schemars derives for `T` (draft 2020-12, with `$defs`),
    /// k8s-openapi's `Quantity` marked (see [`mark_quantities`]).
    pub fn of<T: schemars::JsonSchema>() -> Schema {
        let mut root = schemars::SchemaGenerator::default()
            .into_root_schema_for::<T>()
            .to_value();
        mark_quantities(&mut root);
        Schema::new(root)
    }

    /// The `openAPIV3Schema` of one served version (e.g. `v1`) of a
    /// CustomResourceDefinition given as JSON.
    pub fn from_crd(crd: &serde_json::Value, version: &str) -> Option<Schema> {
        let versions = crd.pointer("/spec/versions")?.as_array()?;
        let served = versions
            .iter()
            .find(|v| v.get("name").and_then(|n| n.as_str()) == Some(version))?;
        let mut root = served.pointer("/schema/openAPIV3Schema")?.clone();
        mark_crd_quantities(&mut root);
        Some(Schema::new(root))
    }

    /// The root; of a [`Schema::lazy`], without its definition sections.
    pub fn root(&self) -> &serde_json::Value {
        &self.root
    }

    /// Resolves a local reference: `#`, `#/$defs/Name`, `#/definitions/Name`
    /// or any JSON pointer into the root. Remote references resolve to `None`.
    fn resolve(&self, reference: &str) -> Option<&serde_json::Value> {
        let pointer = reference.strip_prefix('#')?;
        if pointer.is_empty() {
            return Some(&self.root);
        }
        // `/$defs/Name` without escapes, the form of nearly every `$ref`:
        // two lookups instead of `pointer`, which allocates per token (9% of
        // a build's instructions went there).
        if let Some((section, name)) = pointer.strip_prefix('/').and_then(|p| p.split_once('/'))
            && !section.contains('~')
            && !name.contains(['/', '~'])
        {
            if let Some(found) = self.definitions.get(section, name) {
                return found;
            }
            if let Some(serde_json::Value::Object(defs)) = self.root.get(section) {
                return defs.get(name);
            }
        }
        match self.definitions.pointer(pointer) {
            Some(found) => found,
            None => self.root.pointer(pointer),
        }
    }

    /// The compiled form of `pattern`, or `None` when it cannot be compiled.
    fn regex(&self, pattern: &str) -> Option<Arc<Regex>> {
        let compile = || {
            regex::RegexBuilder::new(pattern)
                .size_limit(1 << 20)
                .build()
                .ok()
                .map(Arc::new)
        };
        let Ok(mut cache) = self.regexes.lock() else {
            return compile();
        };
        cache
            .entry(pattern.to_owned())
            .or_insert_with(compile)
            .clone()
    }
}

impl Clone for Schema {
    fn clone(&self) -> Schema {
        let mut schema = Schema::new(self.root.clone());
        schema.definitions = self.definitions.clone();
        schema
    }
}

impl fmt::Debug for Schema {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Schema")
            .field("title", &self.root.get("title"))
            .finish_non_exhaustive()
    }
}

/// The `format` that makes an int-or-string schema a Kubernetes quantity,
/// checked with [`crate::model::quantity`]'s grammar. Schemas say it
/// themselves (rayc's models, the embedded schemas); the two sources that
/// cannot are marked once, where they are read: k8s-openapi's schemas
/// ([`mark_quantities`]) and CRDs ([`Schema::from_crd`]).
pub const QUANTITY_FORMAT: &str = "quantity";

/// The `$defs` name of k8s-openapi's `Quantity` type.
pub const K8S_QUANTITY_DEF: &str = "io.k8s.apimachinery.pkg.api.resource.Quantity";

/// Marks k8s-openapi's `Quantity` definition in a schemars-derived root
/// with `format: quantity`.
pub fn mark_quantities(root: &mut serde_json::Value) {
    for defs in ["$defs", "definitions"] {
        if let Some(serde_json::Value::Object(def)) =
            root.get_mut(defs).and_then(|d| d.get_mut(K8S_QUANTITY_DEF))
        {
            def.insert("format".into(), QUANTITY_FORMAT.into());
        }
    }
}

/// Marks the quantities of a CRD's `openAPIV3Schema`: controller-gen writes
/// every `resource.Quantity` as int-or-string with one fixed pattern.
fn mark_crd_quantities(schema: &mut serde_json::Value) {
    use crate::model::quantity::QUANTITY_PATTERN;
    match schema {
        serde_json::Value::Object(obj) => {
            if obj.get("x-kubernetes-int-or-string") == Some(&serde_json::Value::Bool(true))
                && obj.get("pattern").and_then(|p| p.as_str()) == Some(QUANTITY_PATTERN)
                && !obj.contains_key("format")
            {
                obj.insert("format".into(), QUANTITY_FORMAT.into());
            }
            obj.values_mut().for_each(mark_crd_quantities);
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(mark_crd_quantities),
        _ => {}
    }
}

/// One violation: what is wrong, where in the file, where in the object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SchemaError {
    /// One of the RAY1xx codes in [`crate::diag::codes`].
    pub code: crate::diag::codes::Code,
    pub pos: Pos,
    /// Dotted path with indices: `spec.workerGroupSpecs[0].template.spec.containers[0].imagez`.
    /// Keys that contain dots are bracketed: `limits["nvidia.com/gpu"]`.
    pub path: String,
    pub message: String,
    pub help: Option<String>,
}

impl SchemaError {
    pub fn new(
        code: crate::diag::codes::Code,
        pos: Pos,
        path: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        SchemaError {
            code,
            pos,
            path: path.into(),
            message: message.into(),
            help: None,
        }
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// An error diagnostic in `file`, carrying the path and help.
    pub fn into_diagnostic(self, file: impl Into<String>) -> Diagnostic {
        let mut diag = Diagnostic::error(self.code, file, self.pos, self.message);
        if !self.path.is_empty() {
            diag = diag.with_path(self.path);
        }
        if let Some(help) = self.help {
            diag = diag.with_help(help);
        }
        diag
    }
}

impl fmt::Display for SchemaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.pos.line, self.pos.col, self.message)
    }
}

/// The callback of [`validate_with`]: gets the normalised path of a property
/// the schema knows (`spec.workerGroupSpecs[].template.spec.containers[].image`;
/// map entries appear as `{}`, e.g. `metadata.labels{}`) and its entry.
/// An error it returns with an empty `path` or an unknown `pos` gets the
/// entry's concrete path and key position filled in.
pub type FieldVisitor<'a> = dyn FnMut(&str, &Entry) -> Option<SchemaError> + 'a;

/// Checks `node` against `schema`. Errors come in walk order (renderers sort
/// by position); exact repeats are dropped.
pub fn validate(node: &Node, schema: &Schema) -> Vec<SchemaError> {
    engine::run(node, schema, schema.root(), None)
}

/// Like [`validate`], against the subschema `reference` names (`#/$defs/Name`)
/// instead of the root; `None` when the reference does not resolve.
pub fn validate_at(node: &Node, schema: &Schema, reference: &str) -> Option<Vec<SchemaError>> {
    let start = schema.resolve(reference)?;
    Some(engine::run(node, schema, start, None))
}

/// Like [`validate`], and calls `visit` for every non-null property the schema
/// knows (not for free-form map entries); used for per-version field checks.
pub fn validate_with(
    node: &Node,
    schema: &Schema,
    visit: &mut FieldVisitor<'_>,
) -> Vec<SchemaError> {
    engine::run(node, schema, schema.root(), Some(visit))
}
