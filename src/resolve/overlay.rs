//! Overlays: named, parameterised, templated partial specs. Built-ins (the
//! repo's `overlays/` folder, embedded) and user overlays (the project's
//! `overlayDirs`) share one file format, documented in `docs/overlays.md`.
//!
//! This module reads and checks overlay files; `overlay_use` binds and renders
//! one use, `explain` describes overlays. The only IO is reading overlay files
//! inside the project root.

use std::collections::BTreeMap;
use std::path::{Component, Path};

use serde_json::Value as Json;

use crate::diag::{Diagnostic, codes};
use crate::load::node::{Node, Pos, Value};
use crate::model::project::{FILE_NAME as PROJECT_FILE, Project};
use crate::model::spec::API_VERSION;

use super::{did_you_mean, suggest};

pub const KIND: &str = "Overlay";

/// Folder of user overlays when the project names none.
pub const DEFAULT_DIR: &str = "overlays";

/// Overlay files larger than this are refused.
const MAX_FILE_BYTES: u64 = 1 << 20;

/// The built-in overlays, embedded from the repo's `overlays/` folder.
const BUILTINS: [(&str, &str); 4] = [
    (
        "autoscaling.yaml",
        include_str!("../../overlays/autoscaling.yaml"),
    ),
    ("gpu.yaml", include_str!("../../overlays/gpu.yaml")),
    ("ingress.yaml", include_str!("../../overlays/ingress.yaml")),
    ("pvc.yaml", include_str!("../../overlays/pvc.yaml")),
];

/// Key of an overlay use that lets it change what earlier overlays set.
pub const OVERRIDE_KEY: &str = "override";

/// Type of an overlay parameter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParamType {
    String,
    Integer,
    Number,
    Boolean,
    List,
    Map,
    /// A Kubernetes quantity: an integer, a number or a string like `"500m"`, `"40Gi"`.
    Quantity,
}

impl ParamType {
    pub const ALL: [&'static str; 7] = [
        "string", "integer", "number", "boolean", "list", "map", "quantity",
    ];

    fn parse(s: &str) -> Option<ParamType> {
        Some(match s {
            "string" => ParamType::String,
            "integer" => ParamType::Integer,
            "number" => ParamType::Number,
            "boolean" => ParamType::Boolean,
            "list" => ParamType::List,
            "map" => ParamType::Map,
            "quantity" => ParamType::Quantity,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ParamType::String => "string",
            ParamType::Integer => "integer",
            ParamType::Number => "number",
            ParamType::Boolean => "boolean",
            ParamType::List => "list",
            ParamType::Map => "map",
            ParamType::Quantity => "quantity",
        }
    }

    pub(crate) fn with_article(self) -> &'static str {
        match self {
            ParamType::String => "a string",
            ParamType::Integer => "an integer",
            ParamType::Number => "a number",
            ParamType::Boolean => "a boolean",
            ParamType::List => "a list",
            ParamType::Map => "a mapping",
            ParamType::Quantity => "a quantity (like 2, \"500m\" or \"40Gi\")",
        }
    }

    pub fn accepts(self, value: &Json) -> bool {
        match self {
            ParamType::String => value.is_string(),
            ParamType::Integer => value.is_i64() || value.is_u64(),
            ParamType::Number => value.is_number(),
            ParamType::Boolean => value.is_boolean(),
            ParamType::List => value.is_array(),
            ParamType::Map => value.is_object(),
            ParamType::Quantity => match value {
                Json::Number(n) => n.as_f64().is_some_and(|f| f >= 0.0),
                Json::String(s) => is_quantity(s),
                _ => false,
            },
        }
    }
}

/// One declared parameter.
#[derive(Clone, Debug, PartialEq)]
pub struct Parameter {
    pub name: String,
    pub ty: ParamType,
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

/// The built-in overlays plus the project's own, from its `overlayDirs`
/// (default `overlays/` beside `rayc.yaml`; a missing default folder is fine).
/// Folders and files must stay inside `project_root`.
pub fn load_overlays(
    project: &Project,
    project_root: &Path,
) -> Result<OverlaySet, Vec<Diagnostic>> {
    let mut set = OverlaySet::builtin()?;
    let mut diags = Vec::new();
    let explicit = !project.overlay_dirs.is_empty();
    let dirs: Vec<String> = if explicit {
        project.overlay_dirs.clone()
    } else {
        vec![DEFAULT_DIR.to_owned()]
    };
    let root = match project_root.canonicalize() {
        Ok(r) => r,
        Err(e) => {
            return Err(vec![Diagnostic::error(
                codes::IO,
                PROJECT_FILE,
                Pos::UNKNOWN,
                format!(
                    "cannot open the project folder {}: {e}",
                    project_root.display()
                ),
            )]);
        }
    };
    for (i, dir) in dirs.iter().enumerate() {
        let path = format!("overlayDirs[{i}]");
        let project_error = |msg: String, help: &str| {
            Diagnostic::error(codes::PROJECT, PROJECT_FILE, Pos::UNKNOWN, msg)
                .with_path(path.clone())
                .with_help(help.to_owned())
        };
        if let Err(why) = check_relative(dir) {
            diags.push(project_error(
                format!("overlay folder `{dir}` {why}"),
                "overlay folders are relative to rayc.yaml and stay inside the project",
            ));
            continue;
        }
        let full = project_root.join(dir);
        if !full.exists() {
            if explicit {
                diags.push(project_error(
                    format!("overlay folder `{dir}` does not exist"),
                    "create it, or remove it from `overlayDirs`",
                ));
            }
            continue;
        }
        let canonical = match full.canonicalize() {
            Ok(c) => c,
            Err(e) => {
                diags.push(project_error(
                    format!("cannot open overlay folder `{dir}`: {e}"),
                    "",
                ));
                continue;
            }
        };
        if !canonical.starts_with(&root) {
            diags.push(project_error(
                format!("overlay folder `{dir}` leads outside the project root (through a symbolic link)"),
                "overlays must live inside the project",
            ));
            continue;
        }
        if !canonical.is_dir() {
            diags.push(project_error(
                format!("overlay folder `{dir}` is not a folder"),
                "",
            ));
            continue;
        }
        let mut files: Vec<String> = match std::fs::read_dir(&full) {
            Ok(entries) => entries
                .filter_map(Result::ok)
                .filter_map(|e| e.file_name().into_string().ok())
                .filter(|n| n.ends_with(".yaml") || n.ends_with(".yml"))
                .collect(),
            Err(e) => {
                diags.push(project_error(
                    format!("cannot list overlay folder `{dir}`: {e}"),
                    "",
                ));
                continue;
            }
        };
        files.sort();
        let shown_dir = dir.trim_end_matches('/');
        for name in files {
            let shown = format!("{shown_dir}/{name}");
            match read_user_overlay(&full.join(&name), &root, &shown) {
                Ok(Some(overlay)) => {
                    if let Err(d) = set.insert(overlay) {
                        diags.push(d);
                    }
                }
                Ok(None) => {}
                Err(d) => diags.extend(d),
            }
        }
    }
    if diags.is_empty() {
        Ok(set)
    } else {
        Err(diags)
    }
}

/// Reads one overlay file; `None` for entries that are not files (folders).
fn read_user_overlay(
    path: &Path,
    root: &Path,
    shown: &str,
) -> Result<Option<Overlay>, Vec<Diagnostic>> {
    let io = |msg: String| vec![Diagnostic::error(codes::IO, shown, Pos::UNKNOWN, msg)];
    let canonical = path
        .canonicalize()
        .map_err(|e| io(format!("cannot open overlay file: {e}")))?;
    if !canonical.starts_with(root) {
        return Err(io(
            "overlay file leads outside the project root (through a symbolic link)".to_owned(),
        ));
    }
    let meta =
        std::fs::metadata(&canonical).map_err(|e| io(format!("cannot open overlay file: {e}")))?;
    if !meta.is_file() {
        return Ok(None);
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(vec![Diagnostic::error(
            codes::BUDGET,
            shown,
            Pos::UNKNOWN,
            format!("overlay file is larger than {MAX_FILE_BYTES} bytes"),
        )]);
    }
    let text = std::fs::read_to_string(&canonical)
        .map_err(|e| io(format!("cannot read overlay file: {e}")))?;
    let overlay = parse_overlay(&text, shown, Origin::File(shown.to_owned()))?;
    Ok(Some(overlay))
}

/// A relative path without `..`: `Err` says why not.
fn check_relative(dir: &str) -> Result<(), &'static str> {
    if dir.trim().is_empty() {
        return Err("is empty");
    }
    let p = Path::new(dir);
    if p.is_absolute() || dir.starts_with('/') || dir.starts_with('\\') || dir.contains(':') {
        return Err("is an absolute path");
    }
    if p.components().any(|c| matches!(c, Component::ParentDir))
        || dir.split(['/', '\\']).any(|c| c == "..")
    {
        return Err("climbs out with `..`");
    }
    Ok(())
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

/// Checks an overlay document field by field, collecting every problem.
struct Checker<'a> {
    file: &'a str,
    text: &'a str,
    diags: Vec<Diagnostic>,
}

const TOP_FIELDS: [&str; 7] = [
    "apiVersion",
    "kind",
    "metadata",
    "parameters",
    "patch",
    "overrides",
    "replacesBuiltin",
];
const METADATA_FIELDS: [&str; 2] = ["name", "description"];
const PARAMETER_FIELDS: [&str; 5] = ["type", "default", "doc", "required", "enum"];

impl Checker<'_> {
    fn error(&mut self, pos: Pos, path: &str, msg: impl Into<String>, help: impl Into<String>) {
        let mut d = Diagnostic::error(codes::TEMPLATE, self.file, pos, msg).with_path(path);
        let help = help.into();
        if !help.is_empty() {
            d = d.with_help(help);
        }
        self.diags.push(d);
    }

    /// The entries of a mapping, reporting unknown keys; `None` if not a mapping.
    fn mapping<'n>(
        &mut self,
        node: &'n Node,
        path: &str,
        known: &[&str],
    ) -> Option<&'n [crate::load::node::Entry]> {
        let Value::Map(entries) = &node.value else {
            let what = if path.is_empty() { "an overlay" } else { path };
            self.error(
                node.pos,
                path,
                format!("{what} must be a mapping, not {}", node.type_name()),
                "",
            );
            return None;
        };
        for e in entries {
            if !known.contains(&e.key.as_str()) {
                let child = if path.is_empty() {
                    e.key.clone()
                } else {
                    format!("{path}.{}", e.key)
                };
                let help = did_you_mean(&e.key, known.iter().copied(), "known fields");
                self.error(
                    e.key_pos,
                    &child,
                    format!("unknown field `{}`", e.key),
                    help,
                );
            }
        }
        Some(entries)
    }

    fn string(&mut self, node: &Node, path: &str) -> Option<String> {
        match &node.value {
            Value::Str(s) => Some(s.clone()),
            _ => {
                self.error(
                    node.pos,
                    path,
                    format!("`{path}` must be a string, not {}", node.type_name()),
                    "",
                );
                None
            }
        }
    }

    fn boolean(&mut self, node: Option<&Node>, path: &str) -> bool {
        match node.map(|n| &n.value) {
            None | Some(Value::Null) => false,
            Some(Value::Bool(b)) => *b,
            Some(_) => {
                let pos = node.map_or(Pos::UNKNOWN, |n| n.pos);
                self.error(pos, path, format!("`{path}` must be true or false"), "");
                false
            }
        }
    }

    fn overlay(&mut self, doc: &Node, origin: Origin) -> Option<Overlay> {
        self.mapping(doc, "", &TOP_FIELDS)?;
        match doc.get("apiVersion") {
            Some(n) if n.as_str() == Some(API_VERSION) => {}
            Some(n) => self.error(
                n.pos,
                "apiVersion",
                format!("an overlay's apiVersion is `{API_VERSION}`"),
                "",
            ),
            None => self.error(
                doc.pos,
                "apiVersion",
                format!("missing `apiVersion: {API_VERSION}`"),
                "",
            ),
        }
        match doc.get("kind") {
            Some(n) if n.as_str() == Some(KIND) => {}
            Some(n) => self.error(
                n.pos,
                "kind",
                format!("an overlay file has `kind: {KIND}`"),
                "only overlays belong in overlay folders",
            ),
            None => self.error(doc.pos, "kind", format!("missing `kind: {KIND}`"), ""),
        }
        let (name, name_pos, description) = self.metadata(doc)?;
        let parameters = match doc.get("parameters") {
            None => Vec::new(),
            Some(n) if n.is_null() => Vec::new(),
            Some(n) => self.parameters(n),
        };
        let patch = match doc.entry("patch") {
            None => {
                self.error(
                    doc.pos,
                    "patch",
                    "missing `patch`: the partial spec this overlay applies",
                    "see docs/overlays.md",
                );
                return None;
            }
            Some(e) => self.patch(&e.value)?,
        };
        let overrides = self.boolean(doc.get("overrides"), "overrides");
        let replaces_builtin = self.boolean(doc.get("replacesBuiltin"), "replacesBuiltin");
        if replaces_builtin && origin == Origin::Builtin {
            self.error(
                doc.pos,
                "replacesBuiltin",
                "a built-in overlay cannot replace a built-in",
                "",
            );
        }
        Some(Overlay {
            name,
            name_pos,
            description,
            origin,
            file: self.file.to_owned(),
            text: self.text.to_owned(),
            parameters,
            patch,
            overrides,
            replaces_builtin,
        })
    }

    fn metadata(&mut self, doc: &Node) -> Option<(String, Pos, String)> {
        let Some(meta) = doc.get("metadata") else {
            self.error(
                doc.pos,
                "metadata",
                "missing `metadata` with the overlay's `name`",
                "",
            );
            return None;
        };
        self.mapping(meta, "metadata", &METADATA_FIELDS)?;
        let Some(name_node) = meta.get("name") else {
            self.error(meta.pos, "metadata.name", "missing `metadata.name`", "");
            return None;
        };
        let name = self.string(name_node, "metadata.name")?;
        if !is_overlay_name(&name) {
            self.error(
                name_node.pos,
                "metadata.name",
                format!("`{name}` is not a valid overlay name"),
                "use lower-case letters, digits and `-`, starting and ending with a letter or digit",
            );
        } else if name == OVERRIDE_KEY {
            self.error(
                name_node.pos,
                "metadata.name",
                "`override` is reserved in overlay uses",
                "pick another name",
            );
        }
        let description = match meta.get("description") {
            Some(n) if !n.is_null() => self.string(n, "metadata.description").unwrap_or_default(),
            _ => String::new(),
        };
        Some((name, name_node.pos, description))
    }

    fn parameters(&mut self, node: &Node) -> Vec<Parameter> {
        let Value::Map(entries) = &node.value else {
            self.error(
                node.pos,
                "parameters",
                format!(
                    "`parameters` must be a mapping of names to declarations, not {}",
                    node.type_name()
                ),
                "",
            );
            return Vec::new();
        };
        let mut out = Vec::new();
        for e in entries {
            let path = format!("parameters.{}", e.key);
            if !is_param_name(&e.key) {
                self.error(
                    e.key_pos,
                    &path,
                    format!("`{}` is not a valid parameter name", e.key),
                    "use letters, digits and `_`, starting with a letter, so templates can say `params.NAME`",
                );
                continue;
            }
            if let Some(p) = self.parameter(&e.key, &e.value, &path) {
                out.push(p);
            }
        }
        out
    }

    fn parameter(&mut self, name: &str, node: &Node, path: &str) -> Option<Parameter> {
        self.mapping(node, path, &PARAMETER_FIELDS)?;
        let ty = match node.get("type") {
            None => {
                self.error(
                    node.pos,
                    &format!("{path}.type"),
                    format!("parameter `{name}` has no `type`"),
                    format!("types: {}", ParamType::ALL.join(", ")),
                );
                return None;
            }
            Some(t) => match t.as_str().and_then(ParamType::parse) {
                Some(ty) => ty,
                None => {
                    let help = match t
                        .as_str()
                        .and_then(|s| suggest(s, ParamType::ALL.iter().copied()))
                    {
                        Some(s) => format!("did you mean `{s}`?"),
                        None => format!("types: {}", ParamType::ALL.join(", ")),
                    };
                    self.error(
                        t.pos,
                        &format!("{path}.type"),
                        "unknown parameter type",
                        help,
                    );
                    return None;
                }
            },
        };
        let doc = match node.get("doc") {
            Some(n) if !n.is_null() => self.string(n, &format!("{path}.doc")).unwrap_or_default(),
            _ => String::new(),
        };
        let required = self.boolean(node.get("required"), &format!("{path}.required"));
        let allowed = match node.get("enum") {
            None => Vec::new(),
            Some(n) => match &n.value {
                Value::Seq(items) => {
                    let values: Vec<Json> = items.iter().map(Node::to_json).collect();
                    for (item, v) in items.iter().zip(&values) {
                        if !ty.accepts(v) {
                            self.error(
                                item.pos,
                                &format!("{path}.enum"),
                                format!("enum value must be {}", ty.with_article()),
                                "",
                            );
                        }
                    }
                    values
                }
                _ => {
                    self.error(
                        n.pos,
                        &format!("{path}.enum"),
                        "`enum` must be a list of allowed values",
                        "",
                    );
                    Vec::new()
                }
            },
        };
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
            doc,
            required,
            allowed,
        })
    }

    fn patch(&mut self, node: &Node) -> Option<Patch> {
        match &node.value {
            Value::Map(_) => Some(Patch::Tree(node.clone())),
            Value::Str(s) => Some(Patch::Text {
                source: s.clone(),
                first_line: self.first_text_line(node.pos),
            }),
            _ => {
                self.error(
                    node.pos,
                    "patch",
                    format!(
                        "`patch` must be a mapping or a block of text (`patch: |`), not {}",
                        node.type_name()
                    ),
                    "see docs/overlays.md",
                );
                None
            }
        }
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

pub(crate) fn is_overlay_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

fn is_param_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// A Kubernetes quantity: `[+-]number[suffix]`, suffix a binary (`Ki`…`Ei`) or
/// decimal (`m`, `k`, `M`…`E`) multiplier or an exponent (`e3`).
pub fn is_quantity(s: &str) -> bool {
    let s = s.strip_prefix(['+', '-']).unwrap_or(s);
    let digits_end = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    let (number, suffix) = s.split_at(digits_end);
    let mut parts = number.split('.');
    let int_part = parts.next().unwrap_or("");
    let frac_part = parts.next();
    if parts.next().is_some() || (int_part.is_empty() && frac_part.is_none_or(str::is_empty)) {
        return false;
    }
    match suffix {
        "" | "Ki" | "Mi" | "Gi" | "Ti" | "Pi" | "Ei" | "m" | "k" | "M" | "G" | "T" | "P" | "E" => {
            true
        }
        s if s.starts_with(['e', 'E']) => {
            let exp = &s[1..];
            let exp = exp.strip_prefix(['+', '-']).unwrap_or(exp);
            !exp.is_empty() && exp.bytes().all(|b| b.is_ascii_digit())
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The names a JSON Schema object (or its `$ref`) declares, sorted.
    fn properties(schema: &Json, pointer: &str) -> Vec<String> {
        let mut node = schema.pointer(pointer).unwrap_or(&Json::Null);
        if let Some(target) = node.get("$ref").and_then(Json::as_str) {
            node = schema.pointer(&target[1..]).unwrap_or(&Json::Null);
        }
        let mut names: Vec<String> = node["properties"]
            .as_object()
            .map(|p| p.keys().cloned().collect())
            .unwrap_or_default();
        names.sort();
        names
    }

    fn sorted(fields: &[&str]) -> Vec<String> {
        let mut v: Vec<String> = fields.iter().map(|s| (*s).to_owned()).collect();
        v.sort();
        v
    }

    /// The checker here and the editors' schema (`model::overlay`) know the same fields.
    #[test]
    fn checker_and_published_schema_agree_on_fields() {
        let schema = crate::check::schemas::overlay();
        assert_eq!(properties(&schema, ""), sorted(&TOP_FIELDS));
        assert_eq!(
            properties(&schema, "/properties/metadata"),
            sorted(&METADATA_FIELDS)
        );
        assert_eq!(
            properties(&schema, "/$defs/OverlayParameter"),
            sorted(&PARAMETER_FIELDS)
        );
        let types: Vec<&str> = schema["$defs"]["ParameterType"]["enum"]
            .as_array()
            .map(|a| a.iter().filter_map(Json::as_str).collect())
            .unwrap_or_default();
        assert_eq!(types, ParamType::ALL);
    }
}
