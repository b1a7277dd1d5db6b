//! `spec` as templates see it: a read-only view of the tree being resolved. Children
//! are looked up when a template reads them, so handing a template the whole
//! spec costs nothing until it is read (no copy per templated value).
//!
//! Shows what the emitted JSON would be (deleted keys left out, keys sorted) and,
//! at the root, always a `metadata` and a `spec` mapping so
//! `spec.spec.workers | default([])` works on any document.

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

use minijinja::Value;
use minijinja::value::{Enumerator, Object, ObjectRepr};

use crate::load::node::{Node, Value as NodeValue};

/// Keys the root always has (an empty mapping when the document lacks them).
const ROOT_MAPS: [&str; 2] = ["metadata", "spec"];

/// The node at `path` (child indices from the root) of a shared tree.
#[derive(Debug)]
pub(crate) struct SpecView {
    tree: Arc<Node>,
    path: Vec<usize>,
    /// A mapping's live entries, sorted by key: made on first use, so a wide
    /// mapping costs one sort, not a scan per key.
    sorted: OnceLock<Vec<usize>>,
}

impl SpecView {
    /// The template value of a whole document.
    pub fn root(tree: Arc<Node>) -> Value {
        Value::from_object(SpecView {
            tree,
            path: Vec::new(),
            sorted: OnceLock::new(),
        })
    }

    fn node(&self) -> &Node {
        let mut node: &Node = &self.tree;
        for &i in &self.path {
            let child = match &node.value {
                NodeValue::Seq(items) => items.get(i),
                NodeValue::Map(entries) => entries.get(i).map(|e| &e.value),
                _ => None,
            };
            match child {
                Some(c) => node = c,
                None => break,
            }
        }
        node
    }

    fn child(&self, index: usize, node: &Node) -> Value {
        match &node.value {
            NodeValue::Null => Value::from(()),
            NodeValue::Bool(b) => Value::from(*b),
            NodeValue::Int(i) => Value::from(*i),
            // JSON has no NaN or infinity: `to_json` makes them null.
            NodeValue::Float(f) if f.is_finite() => Value::from(*f),
            NodeValue::Float(_) => Value::from(()),
            NodeValue::Str(s) => Value::from(s.as_str()),
            NodeValue::Seq(_) | NodeValue::Map(_) => {
                let mut path = self.path.clone();
                path.push(index);
                Value::from_object(SpecView {
                    tree: Arc::clone(&self.tree),
                    path,
                    sorted: OnceLock::new(),
                })
            }
        }
    }

    fn is_root(&self) -> bool {
        self.path.is_empty()
    }

    /// Indices of the live entries of a mapping, sorted by key.
    fn sorted(&self) -> &[usize] {
        self.sorted.get_or_init(|| match &self.node().value {
            NodeValue::Map(entries) => {
                let mut live: Vec<usize> = (0..entries.len())
                    .filter(|&i| !entries[i].value.is_null())
                    .collect();
                live.sort_by(|&a, &b| entries[a].key.cmp(&entries[b].key));
                live
            }
            _ => Vec::new(),
        })
    }

    /// The keys a template sees, sorted.
    fn keys(&self) -> Vec<&str> {
        let mut keys: Vec<&str> = match &self.node().value {
            NodeValue::Map(entries) => self
                .sorted()
                .iter()
                .map(|&i| entries[i].key.as_str())
                .collect(),
            _ => Vec::new(),
        };
        if self.is_root() {
            for key in ROOT_MAPS {
                if !keys.contains(&key) {
                    keys.push(key);
                }
            }
            keys.sort_unstable();
        }
        keys
    }
}

impl Object for SpecView {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        match self.node().value {
            NodeValue::Seq(_) => ObjectRepr::Seq,
            _ => ObjectRepr::Map,
        }
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        let node = self.node();
        match &node.value {
            NodeValue::Seq(items) => {
                let i = key.as_usize()?;
                items.get(i).map(|item| self.child(i, item))
            }
            NodeValue::Map(entries) => {
                let key = key.as_str()?;
                let found = self
                    .sorted()
                    .binary_search_by(|&i| entries[i].key.as_str().cmp(key))
                    .ok()
                    .map(|at| self.sorted()[at])
                    .and_then(|i| entries.get(i).map(|e| (i, e)));
                let root_map = self.is_root() && ROOT_MAPS.contains(&key);
                let empty = || Some(Value::from(BTreeMap::<String, Value>::new()));
                match found {
                    Some((_, e)) if root_map && !matches!(e.value.value, NodeValue::Map(_)) => {
                        empty()
                    }
                    Some((i, e)) => Some(self.child(i, &e.value)),
                    None if root_map => empty(),
                    None => None,
                }
            }
            _ => None,
        }
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        match &self.node().value {
            NodeValue::Seq(items) => Enumerator::Seq(items.len()),
            _ => Enumerator::Values(self.keys().into_iter().map(Value::from).collect()),
        }
    }
}
