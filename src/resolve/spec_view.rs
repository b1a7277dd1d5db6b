//! `spec` as templates see it: a read-only view of the traced tree. Children
//! are looked up when a template reads them, so handing a template the whole
//! spec costs nothing until it is read (no copy per templated value).
//!
//! Shows what `TNode::to_json` would (deleted keys left out, keys sorted) and,
//! at the root, always a `metadata` and a `spec` mapping so
//! `spec.spec.workers | default([])` works on any document.

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

use minijinja::Value;
use minijinja::value::{Enumerator, Object, ObjectRepr};

use super::tree::{TNode, TValue};

/// Keys the root always has (an empty mapping when the document lacks them).
const ROOT_MAPS: [&str; 2] = ["metadata", "spec"];

/// The node at `path` (child indices from the root) of a shared tree.
#[derive(Debug)]
pub(crate) struct SpecView {
    tree: Arc<TNode>,
    path: Vec<usize>,
    /// A mapping's live entries, sorted by key: made on first use, so a wide
    /// mapping costs one sort, not a scan per key.
    sorted: OnceLock<Vec<usize>>,
}

impl SpecView {
    /// The template value of a whole document.
    pub fn root(tree: Arc<TNode>) -> Value {
        Value::from_object(SpecView {
            tree,
            path: Vec::new(),
            sorted: OnceLock::new(),
        })
    }

    fn node(&self) -> &TNode {
        let mut node: &TNode = &self.tree;
        for &i in &self.path {
            let child = match &node.value {
                TValue::Seq(items) => items.get(i),
                TValue::Map(entries) => entries.get(i).map(|e| &e.value),
                _ => None,
            };
            match child {
                Some(c) => node = c,
                None => break,
            }
        }
        node
    }

    fn child(&self, index: usize, node: &TNode) -> Value {
        match &node.value {
            TValue::Null => Value::from(()),
            TValue::Bool(b) => Value::from(*b),
            TValue::Int(i) => Value::from(*i),
            // JSON has no NaN or infinity: `to_json` makes them null.
            TValue::Float(f) if f.is_finite() => Value::from(*f),
            TValue::Float(_) => Value::from(()),
            TValue::Str(s) => Value::from(s.as_str()),
            TValue::Seq(_) | TValue::Map(_) => {
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
            TValue::Map(entries) => {
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
            TValue::Map(entries) => self
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
            TValue::Seq(_) => ObjectRepr::Seq,
            _ => ObjectRepr::Map,
        }
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        let node = self.node();
        match &node.value {
            TValue::Seq(items) => {
                let i = key.as_usize()?;
                items.get(i).map(|item| self.child(i, item))
            }
            TValue::Map(entries) => {
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
                    Some((_, e)) if root_map && !matches!(e.value.value, TValue::Map(_)) => empty(),
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
            TValue::Seq(items) => Enumerator::Seq(items.len()),
            _ => Enumerator::Values(self.keys().into_iter().map(Value::from).collect()),
        }
    }
}
