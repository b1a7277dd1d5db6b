//! Overlays: named, parameterised, templated partial specs. Built-ins (the
//! repo's `overlays/` folder, embedded) and user overlays (the project's
//! `overlayDirs`) share one file format, documented in `docs/overlays.md`.
//!
//! This module is the model of a read overlay and the set a project can use;
//! `read` finds and reads overlay files (through `load::files`), `check`
//! checks one file against the schema of `model::overlay` and what a schema
//! cannot say; `overlay_use` binds and renders one use, `explain` describes
//! overlays.

use std::collections::BTreeMap;

use serde_json::Value as Json;

use crate::diag::{Diagnostic, codes};
use crate::load::node::{Node, Pos};
pub use crate::model::overlay::ParameterType;

mod check;
mod read;

pub(crate) use check::first_message_line;
pub use check::parse_overlay;
pub use read::load_overlays;

pub const KIND: &str = "Overlay";

/// Folder of user overlays when the project names none.
pub const DEFAULT_DIR: &str = "overlays";

/// The built-in overlays, embedded from the repo's `overlays/` folder.
const BUILTINS: [(&str, &str); 4] = [
    (
        "autoscaling.yaml",
        include_str!("../../../overlays/autoscaling.yaml"),
    ),
    ("gpu.yaml", include_str!("../../../overlays/gpu.yaml")),
    (
        "ingress.yaml",
        include_str!("../../../overlays/ingress.yaml"),
    ),
    ("pvc.yaml", include_str!("../../../overlays/pvc.yaml")),
];

/// Key of an overlay use that lets it change what earlier overlays set.
pub const OVERRIDE_KEY: &str = "override";

/// One declared parameter.
#[derive(Clone, Debug, PartialEq)]
pub struct Parameter {
    pub name: String,
    pub ty: ParameterType,
    pub default: Option<Json>,
    pub doc: String,
    pub required: bool,
    /// Allowed values (empty: any value of the type).
    pub allowed: Vec<Json>,
}

/// The templated partial spec an overlay applies.
#[derive(Clone, Debug, PartialEq)]
pub enum Patch {
    /// A mapping: each string value is templated on its own.
    Tree(Node),
    /// A block of text rendered as a whole, then read as YAML, so loops and
    /// conditionals work. `first_line` is the file line of its first line.
    Text { source: String, first_line: u32 },
}

/// Where an overlay comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    Builtin,
    /// A file, relative to the project root.
    File(String),
}

/// An overlay, read and checked.
#[derive(Clone, Debug, PartialEq)]
pub struct Overlay {
    pub name: String,
    /// Position of `metadata.name` in the file.
    pub name_pos: Pos,
    pub description: String,
    pub origin: Origin,
    /// File name used in messages (`<built-in>/gpu.yaml` or a project path).
    pub file: String,
    /// The file's text, for renderers that quote it and for `rayc overlays NAME`.
    pub text: String,
    pub parameters: Vec<Parameter>,
    pub patch: Patch,
    /// What it sets may change what earlier overlays set.
    pub overrides: bool,
    /// A user overlay that takes the place of the built-in of the same name.
    pub replaces_builtin: bool,
}

impl Overlay {
    pub fn parameter(&self, name: &str) -> Option<&Parameter> {
        self.parameters.iter().find(|p| p.name == name)
    }
}

/// Every overlay a project can use, by name.
#[derive(Clone, Debug, Default)]
pub struct OverlaySet {
    overlays: BTreeMap<String, Overlay>,
}

impl OverlaySet {
    /// The built-in overlays only.
    pub fn builtin() -> Result<OverlaySet, Vec<Diagnostic>> {
        let mut set = OverlaySet::default();
        let mut diags = Vec::new();
        for (file_name, text) in BUILTINS {
            let file = format!("<built-in>/{file_name}");
            match parse_overlay(text, &file, Origin::Builtin) {
                Ok(o) => {
                    set.overlays.insert(o.name.clone(), o);
                }
                Err(d) => diags.extend(d),
            }
        }
        if diags.is_empty() {
            Ok(set)
        } else {
            Err(diags)
        }
    }

    pub fn get(&self, name: &str) -> Option<&Overlay> {
        self.overlays.get(name)
    }

    /// Overlays in name order.
    pub fn iter(&self) -> impl Iterator<Item = &Overlay> {
        self.overlays.values()
    }

    pub fn names(&self) -> impl Iterator<Item = &str> + Clone {
        self.overlays.keys().map(String::as_str)
    }

    /// `(file, text)` of every user overlay, for a renderer's source table.
    pub fn sources(&self) -> impl Iterator<Item = (&str, &str)> {
        self.overlays
            .values()
            .map(|o| (o.file.as_str(), o.text.as_str()))
    }

    /// Adds a user overlay (read with [`parse_overlay`]) under the rules of
    /// `load_overlays`: no second overlay of one name, and a built-in is only
    /// replaced by an overlay that says `replacesBuiltin: true`.
    pub fn insert(&mut self, overlay: Overlay) -> Result<(), Diagnostic> {
        let pos = overlay.name_pos;
        match self.overlays.get(&overlay.name) {
            Some(existing) if existing.origin == Origin::Builtin && !overlay.replaces_builtin => {
                return Err(Diagnostic::error(
                        codes::TEMPLATE,
                        &overlay.file,
                        pos,
                        format!("overlay `{}` has the name of a built-in overlay", overlay.name),
                    )
                    .with_path("metadata.name")
                    .with_help("rename it, or set `replacesBuiltin: true` to use it instead of the built-in one"));
            }
            Some(existing) if existing.origin == Origin::Builtin => {}
            Some(existing) => {
                return Err(Diagnostic::error(
                    codes::TEMPLATE,
                    &overlay.file,
                    pos,
                    format!(
                        "overlay `{}` is also defined in {}",
                        overlay.name, existing.file
                    ),
                )
                .with_path("metadata.name")
                .with_help("overlay names must be unique across the project's overlay folders"));
            }
            None if overlay.replaces_builtin => {
                return Err(Diagnostic::error(
                    codes::TEMPLATE,
                    &overlay.file,
                    pos,
                    format!(
                        "`replacesBuiltin: true`, but there is no built-in overlay named `{}`",
                        overlay.name
                    ),
                )
                .with_path("replacesBuiltin")
                .with_help(format!(
                    "built-in overlays: {}",
                    BUILTINS
                        .iter()
                        .map(|(f, _)| f.trim_end_matches(".yaml"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )));
            }
            None => {}
        }
        self.overlays.insert(overlay.name.clone(), overlay);
        Ok(())
    }
}
