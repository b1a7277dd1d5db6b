//! The traced tree: a positioned YAML tree whose every node remembers which
//! layer (project defaults, the spec, one overlay use, the environment) wrote
//! it. Merging works on this tree; the result goes back to a plain `Node`.
//!
//! Pure data and conversions: no IO, no templating, no merge rules.

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;
use serde_json::Value as Json;

use crate::load::node::{Entry, Node, Pos, Value};

/// Index of a layer in the resolver's layer table.
pub(crate) type LayerId = usize;

/// Where a value of the resolved spec came from.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(tag = "from", rename_all = "camelCase")]
pub enum Source {
    /// `defaults` in the project file.
    ProjectDefaults,
    /// The spec document itself.
    Spec,
    /// An overlay use: `position` is its 1-based place in the applied list.
    Overlay {
        name: String,
        position: usize,
        used_by: UsedBy,
    },
    /// The environment's own settings (`patch`, `namespace`, `imageRegistry`, `replicas`).
    Environment { name: String },
}

/// Who asked for an overlay.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(tag = "by", rename_all = "camelCase")]
pub enum UsedBy {
    /// The spec's `overlays` list, at this position of the spec file.
    Spec { line: u32, column: u32 },
    /// The environment's `overlays` list.
    Environment { name: String },
    /// The `overlays` list of the project defaults' `spec`.
    ProjectDefaults,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::ProjectDefaults => f.write_str("project defaults"),
            Source::Spec => f.write_str("the spec"),
            Source::Overlay {
                name,
                used_by: UsedBy::Spec { line, .. },
                ..
            } => write!(f, "overlay `{name}` (used at line {line})"),
            Source::Overlay {
                name,
                used_by: UsedBy::Environment { name: env },
                ..
            } => write!(f, "overlay `{name}` (from environment `{env}`)"),
            Source::Overlay {
                name,
                used_by: UsedBy::ProjectDefaults,
                ..
            } => write!(f, "overlay `{name}` (from project defaults)"),
            Source::Environment { name } => write!(f, "environment `{name}`"),
        }
    }
}

impl Source {
    /// Project defaults and the spec are the base the other layers apply to.
    pub fn is_base(&self) -> bool {
        matches!(self, Source::ProjectDefaults | Source::Spec)
    }
}

/// One layer of the merge.
#[derive(Clone, Debug)]
pub(crate) struct Layer {
    pub source: Source,
    /// File errors about this layer's values point into.
    pub file: String,
    /// `None`: values keep their own positions (the spec). `Some(p)`: every
    /// value of this layer is reported, and emitted, at `p` (an overlay use,
    /// or `Pos::UNKNOWN` for values from the project file).
    pub anchor: Option<Pos>,
    /// An overlay that may change what earlier overlays set.
    pub overrides: bool,
}

impl Layer {
    pub fn pos_of(&self, node_pos: Pos) -> Pos {
        self.anchor.unwrap_or(node_pos)
    }
}

#[derive(Clone, Debug)]
pub(crate) struct TNode {
    pub value: TValue,
    /// Position in the file the layer was written in.
    pub pos: Pos,
    pub layer: LayerId,
}

#[derive(Clone, Debug)]
pub(crate) enum TValue {
    /// In a mapping, a null is a deletion marker until the tree is finished.
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Seq(Vec<TNode>),
    Map(Vec<TEntry>),
}

#[derive(Clone, Debug)]
pub(crate) struct TEntry {
    pub key: String,
    pub key_pos: Pos,
    pub value: TNode,
}

impl TNode {
    pub fn new(value: TValue, pos: Pos, layer: LayerId) -> TNode {
        TNode { value, pos, layer }
    }

    pub fn empty_map(pos: Pos, layer: LayerId) -> TNode {
        TNode::new(TValue::Map(Vec::new()), pos, layer)
    }

    pub fn from_node(node: &Node, layer: LayerId) -> TNode {
        let value = match &node.value {
            Value::Null => TValue::Null,
            Value::Bool(b) => TValue::Bool(*b),
            Value::Int(i) => TValue::Int(*i),
            Value::Float(f) => TValue::Float(*f),
            Value::Str(s) => TValue::Str(s.clone()),
            Value::Seq(items) => {
                TValue::Seq(items.iter().map(|i| TNode::from_node(i, layer)).collect())
            }
            Value::Map(entries) => TValue::Map(
                entries
                    .iter()
                    .map(|e| TEntry {
                        key: e.key.clone(),
                        key_pos: e.key_pos,
                        value: TNode::from_node(&e.value, layer),
                    })
                    .collect(),
            ),
        };
        TNode::new(value, node.pos, layer)
    }

    /// Every node gets `pos` (values made from JSON have no position of their own).
    pub fn from_json(json: &Json, pos: Pos, layer: LayerId) -> TNode {
        TNode::from_node(&Node::from_json(json, pos), layer)
    }

    pub fn is_null(&self) -> bool {
        matches!(self.value, TValue::Null)
    }

    pub fn type_name(&self) -> &'static str {
        match self.value {
            TValue::Null => "null",
            TValue::Bool(_) => "a boolean",
            TValue::Int(_) => "an integer",
            TValue::Float(_) => "a number",
            TValue::Str(_) => "a string",
            TValue::Seq(_) => "a list",
            TValue::Map(_) => "a mapping",
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            TValue::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn entries(&self) -> Option<&[TEntry]> {
        match &self.value {
            TValue::Map(entries) => Some(entries),
            _ => None,
        }
    }

    pub fn entry(&self, key: &str) -> Option<&TEntry> {
        self.entries()?.iter().find(|e| e.key == key)
    }

    pub fn get(&self, key: &str) -> Option<&TNode> {
        self.entry(key).map(|e| &e.value).filter(|v| !v.is_null())
    }

    pub fn get_mut(&mut self, key: &str) -> Option<&mut TNode> {
        match &mut self.value {
            TValue::Map(entries) => entries
                .iter_mut()
                .find(|e| e.key == key)
                .map(|e| &mut e.value)
                .filter(|v| !v.is_null()),
            _ => None,
        }
    }

    /// Sets `key` (replacing a value or deletion marker already there).
    pub fn set(&mut self, key: &str, value: TNode) {
        if let TValue::Map(entries) = &mut self.value {
            match entries.iter_mut().find(|e| e.key == key) {
                Some(e) => e.value = value,
                None => entries.push(TEntry {
                    key: key.to_owned(),
                    key_pos: value.pos,
                    value,
                }),
            }
        }
    }

    pub fn remove(&mut self, key: &str) -> Option<TNode> {
        match &mut self.value {
            TValue::Map(entries) => {
                let i = entries.iter().position(|e| e.key == key)?;
                Some(entries.remove(i).value)
            }
            _ => None,
        }
    }

    /// JSON of the value as it will be emitted (deleted keys left out).
    pub fn to_json(&self) -> Json {
        match &self.value {
            TValue::Null => Json::Null,
            TValue::Bool(b) => Json::Bool(*b),
            TValue::Int(i) => Json::from(*i),
            TValue::Float(f) => serde_json::Number::from_f64(*f).map_or(Json::Null, Json::Number),
            TValue::Str(s) => Json::String(s.clone()),
            TValue::Seq(items) => Json::Array(items.iter().map(TNode::to_json).collect()),
            TValue::Map(entries) => {
                let mut sorted: Vec<&TEntry> =
                    entries.iter().filter(|e| !e.value.is_null()).collect();
                sorted.sort_by(|a, b| a.key.cmp(&b.key));
                Json::Object(
                    sorted
                        .into_iter()
                        .map(|e| (e.key.clone(), e.value.to_json()))
                        .collect(),
                )
            }
        }
    }

    /// Same emitted value, whoever wrote it and wherever.
    pub fn same_value(&self, other: &TNode) -> bool {
        self.to_json() == other.to_json()
    }

    /// Calls `f` on this node and every node below it.
    pub fn visit<'a>(&'a self, f: &mut dyn FnMut(&'a TNode)) {
        f(self);
        match &self.value {
            TValue::Seq(items) => items.iter().for_each(|i| i.visit(f)),
            TValue::Map(entries) => entries.iter().for_each(|e| e.value.visit(f)),
            _ => {}
        }
    }

    /// Drops deletion markers and sorts mapping keys, so the result does not
    /// depend on the order independent layers were applied in.
    pub fn finish(&mut self) {
        match &mut self.value {
            TValue::Seq(items) => items.iter_mut().for_each(TNode::finish),
            TValue::Map(entries) => {
                entries.retain(|e| !e.value.is_null());
                entries.sort_by(|a, b| a.key.cmp(&b.key));
                entries.iter_mut().for_each(|e| e.value.finish());
            }
            _ => {}
        }
    }

    /// Back to a plain node; positions follow each layer's anchor.
    pub fn to_node(&self, layers: &[Layer]) -> Node {
        let layer = layers.get(self.layer);
        let pos = layer.map_or(self.pos, |l| l.pos_of(self.pos));
        let value = match &self.value {
            TValue::Null => Value::Null,
            TValue::Bool(b) => Value::Bool(*b),
            TValue::Int(i) => Value::Int(*i),
            TValue::Float(f) => Value::Float(*f),
            TValue::Str(s) => Value::Str(s.clone()),
            TValue::Seq(items) => Value::Seq(items.iter().map(|i| i.to_node(layers)).collect()),
            TValue::Map(entries) => Value::Map(
                entries
                    .iter()
                    .map(|e| {
                        let key_pos = layers
                            .get(e.value.layer)
                            .map_or(e.key_pos, |l| l.pos_of(e.key_pos));
                        Entry {
                            key: e.key.clone(),
                            key_pos,
                            value: e.value.to_node(layers),
                        }
                    })
                    .collect(),
            ),
        };
        Node { value, pos }
    }

    /// The source of every node, by dotted path (`spec.workers[0].gpu`).
    pub fn origins(&self, path: &str, layers: &[Layer], out: &mut BTreeMap<String, Source>) {
        if let Some(layer) = layers.get(self.layer) {
            out.insert(path.to_owned(), layer.source.clone());
        }
        match &self.value {
            TValue::Seq(items) => {
                for (i, item) in items.iter().enumerate() {
                    item.origins(&format!("{path}[{i}]"), layers, out);
                }
            }
            TValue::Map(entries) => {
                for e in entries {
                    e.value.origins(&child_path(path, &e.key), layers, out);
                }
            }
            _ => {}
        }
    }
}

/// `parent.key`, or `key` at the root.
pub(crate) fn child_path(parent: &str, key: &str) -> String {
    if parent.is_empty() {
        key.to_owned()
    } else {
        format!("{parent}.{key}")
    }
}
