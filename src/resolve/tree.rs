//! The layer table of a resolution (project defaults, the spec, one overlay
//! use, the environment) and what `resolve` does with `load::node::Node`s
//! whose `layer` names one: deletion-marker aware access, finishing,
//! anchoring positions in place, and the source of every value.
//!
//! Pure data: no IO, no templating, no merge rules.

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;
use serde_json::Value as Json;

use crate::load::node::{Entry, LayerId, Node, Pos, Value};

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

    /// Where a value at `doc_path` of the document sits in this layer's
    /// file: below `defaults` or the environment's `patch` for values from
    /// rayc.yaml (so findings get its line), the path itself otherwise.
    pub fn path_in_file(&self, doc_path: &str) -> String {
        self.source.path_in_file(doc_path)
    }
}

impl Source {
    /// [`Layer::path_in_file`] for a layer of this source.
    pub fn path_in_file(&self, doc_path: &str) -> String {
        match self {
            Source::ProjectDefaults => project_path("defaults", doc_path),
            Source::Environment { name } if !doc_path.starts_with("environments.") => project_path(
                &format!("environments.{name}.patch"),
                doc_path.strip_prefix("spec").unwrap_or(doc_path),
            ),
            _ => doc_path.to_owned(),
        }
    }
}

/// `prefix` + a document path, as the value's path in the project file.
fn project_path(prefix: &str, doc_path: &str) -> String {
    let rest = doc_path
        .strip_prefix("metadata.")
        .map_or(doc_path.to_owned(), str::to_owned);
    if rest.is_empty() {
        prefix.to_owned()
    } else if rest.starts_with('.') || rest.starts_with('[') {
        format!("{prefix}{rest}")
    } else {
        format!("{prefix}.{rest}")
    }
}

/// The layer that wrote a node, when the table has it.
pub(crate) fn layer_of(layers: &[Layer], layer: LayerId) -> Option<&Layer> {
    usize::try_from(layer.0).ok().and_then(|i| layers.get(i))
}

/// An empty mapping written by `layer`.
pub(crate) fn empty_map(pos: Pos, layer: LayerId) -> Node {
    with_layer(Node::new(Value::Map(Vec::new()), pos), layer)
}

/// `node` with every node below it marked as written by `layer`.
pub(crate) fn with_layer(mut node: Node, layer: LayerId) -> Node {
    node.set_layer(layer);
    node
}

/// A value rayc made from JSON (a rendered template, a typed setting): every
/// position is `pos`.
pub(crate) fn from_json(json: &Json, pos: Pos, layer: LayerId) -> Node {
    with_layer(Node::from_json(json, pos), layer)
}

/// What `resolve` needs of a tree while layers merge into it: in a mapping,
/// a null is a deletion marker until [`Traced::finish`] drops it.
pub(crate) trait Traced {
    /// The live entries of a mapping (deletion markers included).
    fn entries(&self) -> Option<&[Entry]>;
    /// The value of `key`, unless absent or deleted.
    fn live(&self, key: &str) -> Option<&Node>;
    fn live_mut(&mut self, key: &str) -> Option<&mut Node>;
    /// Sets `key` (replacing a value or deletion marker already there).
    fn set(&mut self, key: &str, value: Node);
    fn remove(&mut self, key: &str) -> Option<Node>;
    /// JSON of the value as it will be emitted (deleted keys left out, keys sorted).
    fn emitted_json(&self) -> Json;
    /// Same emitted value, whoever wrote it and wherever.
    fn same_value(&self, other: &Node) -> bool;
    /// Calls `f` on this node and every node below it.
    fn visit<'a>(&'a self, f: &mut dyn FnMut(&'a Node));
    /// Marks this node and every node below it as written by `layer`.
    fn set_layer(&mut self, layer: LayerId);
    /// Drops deletion markers and sorts mapping keys, so the result does not
    /// depend on the order independent layers were applied in.
    fn finish(&mut self);
    /// Moves every node of an anchored layer (and its key) to the anchor, in place.
    fn anchor(&mut self, layers: &[Layer]);
    /// The source of every node, by dotted path (`spec.workers[0].gpu`).
    fn origins(&self, path: &str, layers: &[Layer], out: &mut BTreeMap<String, Source>);
}

impl Traced for Node {
    fn entries(&self) -> Option<&[Entry]> {
        match &self.value {
            Value::Map(entries) => Some(entries),
            _ => None,
        }
    }

    fn live(&self, key: &str) -> Option<&Node> {
        self.get(key).filter(|v| !v.is_null())
    }

    fn live_mut(&mut self, key: &str) -> Option<&mut Node> {
        match &mut self.value {
            Value::Map(entries) => entries
                .iter_mut()
                .find(|e| e.key == key)
                .map(|e| &mut e.value)
                .filter(|v| !v.is_null()),
            _ => None,
        }
    }

    fn set(&mut self, key: &str, value: Node) {
        if let Value::Map(entries) = &mut self.value {
            match entries.iter_mut().find(|e| e.key == key) {
                Some(e) => e.value = value,
                None => entries.push(Entry {
                    key: key.to_owned(),
                    key_pos: value.pos,
                    value,
                }),
            }
        }
    }

    fn remove(&mut self, key: &str) -> Option<Node> {
        match &mut self.value {
            Value::Map(entries) => {
                let i = entries.iter().position(|e| e.key == key)?;
                Some(entries.remove(i).value)
            }
            _ => None,
        }
    }

    fn emitted_json(&self) -> Json {
        match &self.value {
            Value::Seq(items) => Json::Array(items.iter().map(Traced::emitted_json).collect()),
            Value::Map(entries) => {
                let mut sorted: Vec<&Entry> =
                    entries.iter().filter(|e| !e.value.is_null()).collect();
                sorted.sort_by(|a, b| a.key.cmp(&b.key));
                Json::Object(
                    sorted
                        .into_iter()
                        .map(|e| (e.key.clone(), e.value.emitted_json()))
                        .collect(),
                )
            }
            _ => self.to_json(),
        }
    }

    fn same_value(&self, other: &Node) -> bool {
        // What `emitted_json` equality says, without building the JSON.
        let live = |entries: &[Entry]| entries.iter().filter(|e| !e.value.is_null()).count();
        match (&self.value, &other.value) {
            (Value::Map(a), Value::Map(b)) => {
                live(a) == live(b)
                    && a.iter()
                        .filter(|e| !e.value.is_null())
                        .all(|e| other.live(&e.key).is_some_and(|v| e.value.same_value(v)))
            }
            (Value::Seq(a), Value::Seq(b)) => {
                a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.same_value(y))
            }
            (Value::Map(_) | Value::Seq(_), _) | (_, Value::Map(_) | Value::Seq(_)) => false,
            // JSON has no NaN or infinity: they emit as null.
            (a, b) => scalar(a) == scalar(b),
        }
    }

    fn visit<'a>(&'a self, f: &mut dyn FnMut(&'a Node)) {
        f(self);
        match &self.value {
            Value::Seq(items) => items.iter().for_each(|i| i.visit(f)),
            Value::Map(entries) => entries.iter().for_each(|e| e.value.visit(f)),
            _ => {}
        }
    }

    fn set_layer(&mut self, layer: LayerId) {
        self.layer = layer;
        match &mut self.value {
            Value::Seq(items) => items.iter_mut().for_each(|i| i.set_layer(layer)),
            Value::Map(entries) => entries.iter_mut().for_each(|e| e.value.set_layer(layer)),
            _ => {}
        }
    }

    fn finish(&mut self) {
        match &mut self.value {
            Value::Seq(items) => items.iter_mut().for_each(Traced::finish),
            Value::Map(entries) => {
                entries.retain(|e| !e.value.is_null());
                entries.sort_by(|a, b| a.key.cmp(&b.key));
                entries.iter_mut().for_each(|e| e.value.finish());
            }
            _ => {}
        }
    }

    fn anchor(&mut self, layers: &[Layer]) {
        if let Some(layer) = layer_of(layers, self.layer) {
            self.pos = layer.pos_of(self.pos);
        }
        match &mut self.value {
            Value::Seq(items) => items.iter_mut().for_each(|i| i.anchor(layers)),
            Value::Map(entries) => {
                for e in entries {
                    if let Some(layer) = layer_of(layers, e.value.layer) {
                        e.key_pos = layer.pos_of(e.key_pos);
                    }
                    e.value.anchor(layers);
                }
            }
            _ => {}
        }
    }

    fn origins(&self, path: &str, layers: &[Layer], out: &mut BTreeMap<String, Source>) {
        if let Some(layer) = layer_of(layers, self.layer) {
            out.insert(path.to_owned(), layer.source.clone());
        }
        match &self.value {
            Value::Seq(items) => {
                for (i, item) in items.iter().enumerate() {
                    item.origins(&format!("{path}[{i}]"), layers, out);
                }
            }
            Value::Map(entries) => {
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

/// A scalar as JSON would compare it (a non-finite float is null).
fn scalar(value: &Value) -> Option<&Value> {
    match value {
        Value::Null => None,
        Value::Float(f) if !f.is_finite() => None,
        v => Some(v),
    }
}

/// A node `layer` wrote.
pub(crate) fn new_node(value: Value, pos: Pos, layer: LayerId) -> Node {
    Node { value, pos, layer }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(line: u32, col: u32) -> Pos {
        Pos { line, col }
    }

    /// The spec (layer 0, own positions) and one overlay (layer 1, anchored at 9:3).
    fn layers() -> Vec<Layer> {
        vec![
            Layer {
                source: Source::Spec,
                file: "spec.yaml".into(),
                anchor: None,
                overrides: false,
            },
            Layer {
                source: Source::Overlay {
                    name: "gpu".into(),
                    position: 1,
                    used_by: UsedBy::Spec { line: 9, column: 3 },
                },
                file: "spec.yaml".into(),
                anchor: Some(at(9, 3)),
                overrides: false,
            },
        ]
    }

    /// `spec: {image: x (spec, 2:10), gpu: [1] (overlay, 4:8 in the overlay file)}`.
    fn merged() -> Node {
        let overlay = LayerId(1);
        let gpu = new_node(
            Value::Seq(vec![new_node(Value::Int(1), at(5, 9), overlay)]),
            at(4, 8),
            overlay,
        );
        let spec = Node::new(
            Value::Map(vec![
                Entry {
                    key: "image".into(),
                    key_pos: at(2, 3),
                    value: Node::new(Value::Str("x".into()), at(2, 10)),
                },
                Entry {
                    key: "gpu".into(),
                    key_pos: at(4, 3),
                    value: gpu,
                },
            ]),
            at(2, 3),
        );
        Node::new(
            Value::Map(vec![Entry {
                key: "spec".into(),
                key_pos: at(1, 1),
                value: spec,
            }]),
            at(1, 1),
        )
    }

    #[test]
    fn anchoring_moves_anchored_layers_in_place_and_keeps_the_spec() {
        let mut tree = merged();
        tree.anchor(&layers());
        let spec = tree.live("spec").unwrap();
        let image = spec.entry("image").unwrap();
        assert_eq!((image.key_pos, image.value.pos), (at(2, 3), at(2, 10)));
        let gpu = spec.entry("gpu").unwrap();
        assert_eq!((gpu.key_pos, gpu.value.pos), (at(9, 3), at(9, 3)));
        let Value::Seq(items) = &gpu.value.value else {
            panic!("gpu is a list")
        };
        assert_eq!(items[0].pos, at(9, 3));
        // Layers stay recorded.
        assert_eq!(
            (gpu.value.layer, image.value.layer),
            (LayerId(1), LayerId::LOADED)
        );
    }

    #[test]
    fn origins_name_the_layer_that_wrote_each_path() {
        let mut out = BTreeMap::new();
        merged().origins("", &layers(), &mut out);
        let overlay = &layers()[1].source;
        assert_eq!(out.get("spec.image"), Some(&Source::Spec));
        assert_eq!(out.get("spec.gpu"), Some(overlay));
        assert_eq!(out.get("spec.gpu[0]"), Some(overlay));
        assert_eq!(out.get("spec"), Some(&Source::Spec));
        // A layer missing from the table records nothing.
        let mut out = BTreeMap::new();
        merged().origins("", &layers()[..1], &mut out);
        assert!(!out.contains_key("spec.gpu"));
    }

    #[test]
    fn deletion_markers_are_invisible_and_finish_drops_them() {
        let mut tree = merged();
        let spec = tree.live_mut("spec").unwrap();
        spec.set("image", new_node(Value::Null, at(7, 7), LayerId(1)));
        assert!(spec.live("image").is_none());
        assert!(spec.get("image").is_some());
        assert_eq!(
            tree.emitted_json(),
            serde_json::json!({"spec": {"gpu": [1]}})
        );
        tree.finish();
        assert!(tree.live("spec").unwrap().get("image").is_none());
        let relabelled = with_layer(tree, LayerId(1));
        let mut layers_seen = Vec::new();
        relabelled.visit(&mut |n| layers_seen.push(n.layer));
        assert!(layers_seen.iter().all(|l| *l == LayerId(1)));
    }

    #[cfg(target_pointer_width = "64")]
    #[test]
    fn a_node_with_its_layer_is_48_bytes() {
        // 40 without the layer: a u16 id would cost as much as this u32.
        assert_eq!(std::mem::size_of::<Node>(), 48);
        assert_eq!(
            std::mem::size_of::<Value>() + std::mem::size_of::<Pos>(),
            40
        );
    }

    #[test]
    fn same_value_agrees_with_emitted_json() {
        let yaml = |t: &str| serde_saphyr::from_str::<Node>(t).unwrap();
        let values = [
            "1",
            "1.0",
            "-1",
            "~",
            "'1'",
            "true",
            "[]",
            "{}",
            "[1, 2]",
            "[2, 1]",
            "[1, ~]",
            "{a: 1, b: 2}",
            "{b: 2, a: 1}",
            "{a: 1, b: ~}",
            "{a: 1}",
            "{a: {b: [1, {c: ~}]}}",
            "{a: {b: [1, {}]}}",
            "{a: {b: [1, {d: 1}]}}",
        ];
        for a in values {
            for b in values {
                let (x, y) = (yaml(a), yaml(b));
                assert_eq!(
                    x.same_value(&y),
                    x.emitted_json() == y.emitted_json(),
                    "{a} vs {b}"
                );
            }
        }
    }
}
