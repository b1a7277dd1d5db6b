//! The merge rules of rayc (documented in `docs/merge.md`): mappings merge
//! deeply, scalars replace, lists of named items merge by key, `null` deletes,
//! other lists change only through `$replace` or `$append`, and two overlays
//! that set one field differently are an error unless the later one overrides.
//!
//! Works on `Node`s whose `layer` names a layer of `tree.rs`'s table only: no
//! IO, no templating, no knowledge of overlays beyond the layer table.

use std::cmp::Ordering;

use crate::diag::{Diagnostic, codes};
use crate::load::node::Pos;

use crate::load::node::{Entry, LayerId, Node, Value};

use super::tree::{Layer, Source, Traced, child_path, layer_of, new_node};

/// Replaces the list below it: `tolerations: {$replace: [...]}`.
pub const REPLACE: &str = "$replace";
/// Adds items to the list below it (equal items are not repeated).
pub const APPEND: &str = "$append";
/// In an item of a keyed list, removes the item with that key.
pub const DELETE: &str = "$delete";

/// The key items of a list field are merged by, or `None` for lists that only
/// change through `$replace`/`$append`.
pub fn list_key(field: &str) -> Option<&'static str> {
    match field {
        "workers"
        | "containers"
        | "initContainers"
        | "ephemeralContainers"
        | "env"
        | "volumes"
        | "volumeMounts"
        | "volumeDevices"
        | "claims"
        | "serveApplications"
        | "deployments"
        | "imagePullSecrets" => Some("name"),
        "ports" => Some("containerPort"),
        "workerGroupSpecs" => Some("groupName"),
        _ => None,
    }
}

/// Merges layers into one tree, collecting every error.
pub(crate) struct Merger<'a> {
    pub layers: &'a [Layer],
    pub diags: Vec<Diagnostic>,
}

/// A keyed-list item's key; items added by overlays are kept in key order.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum ItemKey {
    Int(i64),
    Str(String),
}

impl std::fmt::Display for ItemKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ItemKey::Int(i) => write!(f, "{i}"),
            ItemKey::Str(s) => f.write_str(s),
        }
    }
}

enum Directive {
    Replace(Node),
    Append(Node),
}

impl<'a> Merger<'a> {
    pub fn new(layers: &'a [Layer]) -> Self {
        Merger {
            layers,
            diags: Vec::new(),
        }
    }

    /// Merges `patch` over `base` (`None`: nothing there yet) and returns the result.
    /// `field` is the mapping key the value sits under, which picks the list key.
    pub fn merge(
        &mut self,
        base: Option<Node>,
        patch: Node,
        path: &str,
        field: Option<&str>,
    ) -> Node {
        if let Some(directive) = self.directive(&patch, path) {
            return match directive {
                Directive::Replace(list) => {
                    // Set whole: no merge key is needed (a Service's `ports` have none).
                    let new = self.fresh(list, path, None);
                    if let Some(b) = &base {
                        self.check_conflict(b, &new, path);
                    }
                    new
                }
                Directive::Append(list) => self.append(base, list, path, field),
            };
        }
        let patch_layer = patch.layer;
        let patch_pos = patch.pos;
        match patch.value {
            Value::Map(entries) => match base {
                Some(Node {
                    value: Value::Map(base_entries),
                    pos,
                    layer,
                }) => {
                    let merged = self.merge_entries(base_entries, entries, path);
                    new_node(Value::Map(merged), pos, layer)
                }
                other => {
                    let new = self.fresh(
                        new_node(Value::Map(entries), patch_pos, patch_layer),
                        path,
                        field,
                    );
                    if let Some(b) = &other {
                        self.check_conflict(b, &new, path);
                    }
                    new
                }
            },
            Value::Seq(items) => match base {
                Some(Node {
                    value: Value::Seq(base_items),
                    pos,
                    layer,
                }) => match field.and_then(list_key) {
                    Some(key) => {
                        let merged = self.merge_keyed(base_items, items, key, path);
                        new_node(Value::Seq(merged), pos, layer)
                    }
                    None => {
                        self.error(
                            patch_layer,
                            patch_pos,
                            path,
                            format!(
                                "`{path}` is a list without a merge key: {} cannot merge into the list {} set",
                                self.source(patch_layer),
                                self.source(layer)
                            ),
                            format!(
                                "say what you mean: `{}: {{$replace: [...]}}` replaces the list, `{}: {{$append: [...]}}` adds to it (see docs/merge.md)",
                                field.unwrap_or("field"),
                                field.unwrap_or("field")
                            ),
                        );
                        new_node(Value::Seq(base_items), pos, layer)
                    }
                },
                other => {
                    let new = self.fresh(
                        new_node(Value::Seq(items), patch_pos, patch_layer),
                        path,
                        field,
                    );
                    if let Some(b) = &other {
                        self.check_conflict(b, &new, path);
                    }
                    new
                }
            },
            scalar => {
                let new = new_node(scalar, patch_pos, patch_layer);
                if let Some(b) = &base {
                    self.check_conflict(b, &new, path);
                }
                new
            }
        }
    }

    /// Normalises a value that lands where nothing was: unwraps directives,
    /// checks keyed lists and drops `$delete` items.
    fn fresh(&mut self, node: Node, path: &str, field: Option<&str>) -> Node {
        if let Some(directive) = self.directive(&node, path) {
            return match directive {
                // Set whole: no merge key is needed (a Service's `ports` have none).
                Directive::Replace(list) => self.fresh(list, path, None),
                Directive::Append(list) => self.append(None, list, path, field),
            };
        }
        match node.value {
            Value::Map(entries) => {
                let merged = self.merge_entries(Vec::new(), entries, path);
                new_node(Value::Map(merged), node.pos, node.layer)
            }
            Value::Seq(items) => {
                let merged = match field.and_then(list_key) {
                    Some(key) => self.merge_keyed(Vec::new(), items, key, path),
                    None => items
                        .into_iter()
                        .enumerate()
                        .map(|(i, item)| self.fresh(item, &format!("{path}[{i}]"), None))
                        .collect(),
                };
                new_node(Value::Seq(merged), node.pos, node.layer)
            }
            _ => node,
        }
    }

    fn merge_entries(&mut self, mut base: Vec<Entry>, patch: Vec<Entry>, path: &str) -> Vec<Entry> {
        for entry in patch {
            let entry_path = child_path(path, &entry.key);
            if entry.key.starts_with('$') {
                self.error(
                    entry.value.layer,
                    entry.key_pos,
                    &entry_path,
                    format!("unknown merge directive `{}`", entry.key),
                    "directives are `$replace` and `$append` (the only key of a mapping that stands for a list) and `$delete` (in an item of a keyed list)",
                );
                continue;
            }
            match base.iter().position(|e| e.key == entry.key) {
                Some(i) => {
                    let placeholder = new_node(Value::Null, Pos::UNKNOWN, entry.value.layer);
                    let old = std::mem::replace(&mut base[i].value, placeholder);
                    let merged = self.merge(Some(old), entry.value, &entry_path, Some(&entry.key));
                    base[i].value = merged;
                }
                None => {
                    let merged = self.merge(None, entry.value, &entry_path, Some(&entry.key));
                    base.push(Entry {
                        key: entry.key,
                        key_pos: entry.key_pos,
                        value: merged,
                    });
                }
            }
        }
        base
    }

    fn merge_keyed(
        &mut self,
        mut items: Vec<Node>,
        patch: Vec<Node>,
        key_field: &str,
        path: &str,
    ) -> Vec<Node> {
        let mut seen: Vec<ItemKey> = Vec::new();
        for (index, mut item) in patch.into_iter().enumerate() {
            let Some(key) = self.item_key(&item, key_field, &format!("{path}[{index}]")) else {
                continue;
            };
            let item_path = format!("{path}[{key_field}={key}]");
            if seen.contains(&key) {
                self.diags.push(
                    self.diag(
                        codes::DUPLICATE_ITEM,
                        item.layer,
                        item.pos,
                        &item_path,
                        format!("`{path}` has two items with {key_field} `{key}`"),
                    )
                    .with_help("items of this list are merged by that key, so each must be unique"),
                );
                continue;
            }
            seen.push(key.clone());
            let delete = match item.remove(DELETE) {
                None => false,
                Some(Node {
                    value: Value::Bool(b),
                    ..
                }) => b,
                Some(other) => {
                    self.error(
                        item.layer,
                        other.pos,
                        &item_path,
                        format!("`$delete` must be true or false, not {}", other.type_name()),
                        "`$delete: true` removes the item with this key",
                    );
                    false
                }
            };
            let existing = items
                .iter()
                .position(|it| self.key_of(it, key_field).as_ref() == Some(&key));
            match (existing, delete) {
                (Some(i), true) => {
                    let marker = new_node(Value::Null, item.pos, item.layer);
                    self.check_conflict(&items[i], &marker, &item_path);
                    items.remove(i);
                }
                (Some(i), false) => {
                    let old = items.remove(i);
                    let merged = self.merge(Some(old), item, &item_path, None);
                    items.insert(i, merged);
                }
                (None, true) => {}
                (None, false) => {
                    let new = self.fresh(item, &item_path, None);
                    let at = self.insert_at(&items, &new, |m, n| {
                        m.key_of(n, key_field).unwrap_or(ItemKey::Int(0)).cmp(&key)
                    });
                    items.insert(at, new);
                }
            }
        }
        items
    }

    fn append(&mut self, base: Option<Node>, list: Node, path: &str, field: Option<&str>) -> Node {
        let (mut items, pos, layer) = match base {
            Some(Node {
                value: Value::Seq(items),
                pos,
                layer,
            }) => (items, pos, layer),
            Some(b) if !b.is_null() => {
                self.error(
                    list.layer,
                    list.pos,
                    path,
                    format!(
                        "`$append` needs a list to add to, but `{path}` is {} (set by {})",
                        b.type_name(),
                        self.source(b.layer)
                    ),
                    "use `$replace` to put a list in its place",
                );
                return b;
            }
            _ => (Vec::new(), list.pos, list.layer),
        };
        if let Some(key) = field.and_then(list_key) {
            self.error(
                list.layer,
                list.pos,
                path,
                format!("`{path}` merges by `{key}`; `$append` is for lists without a merge key"),
                "write the items as a plain list: new keys are added, known keys merged",
            );
            return new_node(Value::Seq(items), pos, layer);
        }
        let Value::Seq(new_items) = list.value else {
            return new_node(Value::Seq(items), pos, layer);
        };
        for (i, item) in new_items.into_iter().enumerate() {
            let item = self.fresh(item, &format!("{path}[{i}]"), None);
            if items.iter().any(|it| it.same_value(&item)) {
                continue;
            }
            let text = item.emitted_json().to_string();
            let at = self.insert_at(&items, &item, |_, n| {
                n.emitted_json().to_string().cmp(&text)
            });
            items.insert(at, item);
        }
        new_node(Value::Seq(items), pos, layer)
    }

    /// Where a new item goes: base layers append in order; later layers keep
    /// their items after the base ones, in key order, so applying independent
    /// overlays in another order gives the same list.
    fn insert_at(
        &self,
        items: &[Node],
        new: &Node,
        cmp_to_new: impl Fn(&Self, &Node) -> Ordering,
    ) -> usize {
        if self.is_base(new.layer) {
            return items.len();
        }
        let start = items
            .iter()
            .rposition(|it| self.is_base(it.layer))
            .map_or(0, |k| k + 1);
        items[start..]
            .iter()
            .position(|it| cmp_to_new(self, it) == Ordering::Greater)
            .map_or(items.len(), |k| start + k)
    }

    fn is_base(&self, layer: LayerId) -> bool {
        layer_of(self.layers, layer).is_some_and(|l| l.source.is_base())
    }

    fn key_of(&self, item: &Node, key_field: &str) -> Option<ItemKey> {
        match &item.live(key_field)?.value {
            Value::Str(s) => Some(ItemKey::Str(s.clone())),
            Value::Int(i) => Some(ItemKey::Int(*i)),
            _ => None,
        }
    }

    fn item_key(&mut self, item: &Node, key_field: &str, path: &str) -> Option<ItemKey> {
        if let Some(key) = self.key_of(item, key_field) {
            return Some(key);
        }
        let found = match item.live(key_field) {
            Some(v) => format!("its `{key_field}` is {}", v.type_name()),
            None if item.entries().is_some() => format!("it has no `{key_field}`"),
            None => format!("it is {}", item.type_name()),
        };
        let list = path.rsplit_once('[').map_or(path, |(p, _)| p);
        self.error(
            item.layer,
            item.pos,
            path,
            format!("items of `{list}` are merged by `{key_field}`, but {found}"),
            format!("give every item a `{key_field}`, or replace the whole list with `$replace`"),
        );
        None
    }

    /// `{$replace: [...]}` or `{$append: [...]}`; reports misuse.
    fn directive(&mut self, node: &Node, path: &str) -> Option<Directive> {
        let entries = node.entries()?;
        let found = entries
            .iter()
            .find(|e| e.key == REPLACE || e.key == APPEND)?;
        if entries.len() != 1 {
            self.error(
                node.layer,
                found.key_pos,
                path,
                format!("`{}` must be the only key of its mapping", found.key),
                "write `field: {$replace: [...]}` (or `$append`) with nothing beside it",
            );
            return None;
        }
        if !matches!(found.value.value, Value::Seq(_)) {
            self.error(
                node.layer,
                found.value.pos,
                path,
                format!(
                    "`{}` takes a list, not {}",
                    found.key,
                    found.value.type_name()
                ),
                "write `field: {$replace: [...]}`; to delete the field, write `field: null`",
            );
            return None;
        }
        let list = found.value.clone();
        Some(if found.key == REPLACE {
            Directive::Replace(list)
        } else {
            Directive::Append(list)
        })
    }

    /// Two overlays may not set one field differently unless the later overrides.
    fn check_conflict(&mut self, base: &Node, new: &Node, path: &str) {
        let Some(layer) = layer_of(self.layers, new.layer) else {
            return;
        };
        if !matches!(layer.source, Source::Overlay { .. }) || layer.overrides {
            return;
        }
        let mut other: Option<LayerId> = None;
        base.visit(&mut |n| {
            if other.is_none()
                && n.layer != new.layer
                && layer_of(self.layers, n.layer)
                    .is_some_and(|l| matches!(l.source, Source::Overlay { .. }))
            {
                other = Some(n.layer);
            }
        });
        let Some(other) = other else {
            return;
        };
        if base.same_value(new) {
            return;
        }
        let (earlier, later) = (self.source(other), self.source(new.layer));
        let later_name = match &layer.source {
            Source::Overlay { name, .. } => name.clone(),
            _ => String::new(),
        };
        self.diags.push(
            self.diag(
                codes::MERGE,
                new.layer,
                new.pos,
                path,
                format!("{earlier} and {later} both set `{path}`, to different values"),
            )
            .with_help(format!(
                "overlays must agree; to let the later one win, write `{{{later_name}: {{...}}, override: true}}` in the overlays list, or set `overrides: true` in the overlay file"
            )),
        );
    }

    fn source(&self, layer: LayerId) -> String {
        layer_of(self.layers, layer)
            .map_or_else(|| "an unknown layer".to_owned(), |l| l.source.to_string())
    }

    fn diag(
        &self,
        code: crate::diag::codes::Code,
        layer: LayerId,
        pos: Pos,
        path: &str,
        message: String,
    ) -> Diagnostic {
        let (file, pos, path) = match layer_of(self.layers, layer) {
            Some(l) => (l.file.clone(), l.pos_of(pos), l.path_in_file(path)),
            None => (String::new(), pos, path.to_owned()),
        };
        Diagnostic::error(code, file, pos, message).with_path(path)
    }

    fn error(
        &mut self,
        layer: LayerId,
        pos: Pos,
        path: &str,
        message: String,
        help: impl Into<String>,
    ) {
        let d = self
            .diag(codes::MERGE, layer, pos, path, message)
            .with_help(help);
        self.diags.push(d);
    }
}
