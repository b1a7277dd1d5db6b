//! The fixed key order of emitted objects, so that a diff shows only what
//! changed and never a reshuffle.
//!
//! - Document root: `apiVersion, kind, metadata, spec`, then the rest sorted.
//! - Any `metadata` mapping: `name, namespace, labels, annotations`, then the rest sorted.
//! - A mapping that is a list item: its merge key first (`groupName` for worker
//!   groups, else `name` for containers, env, volumes, ports, …), then the rest sorted.
//! - Every other mapping: keys sorted by bytes.
//!
//! List order is never changed (it is meaningful). Empty maps, empty lists and
//! nulls are kept as they are: dropping them is the caller's decision (an empty
//! `rayStartParams: {}` is required by some KubeRay versions).
//!
//! Pure function over `serde_json::Value`; no IO, nothing from other phases.

use std::cmp::Ordering;

use serde_json::{Map, Value};

const ROOT_FIRST: [&str; 4] = ["apiVersion", "kind", "metadata", "spec"];
const METADATA_FIRST: [&str; 4] = ["name", "namespace", "labels", "annotations"];
const LIST_ITEM_FIRST: [&str; 2] = ["groupName", "name"];

/// Where a mapping sits, which decides its key order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Place {
    /// The document itself.
    Root,
    /// The value of a `metadata` key.
    Metadata,
    /// An item of a list.
    ListItem,
    /// Any other mapping.
    Other,
}

impl Place {
    /// The place of a mapping that is the value of `key`.
    pub fn under(key: &str) -> Place {
        if key == "metadata" {
            Place::Metadata
        } else {
            Place::Other
        }
    }
}

/// Puts every mapping in `document` (one whole object) in canonical key order.
pub fn canonical_order(document: &mut Value) {
    order(document, Place::Root);
}

fn order(value: &mut Value, place: Place) {
    match value {
        Value::Object(map) => {
            for (key, child) in map.iter_mut() {
                order(child, Place::under(key));
            }
            let first = first_keys(map, place);
            let mut entries: Vec<(String, Value)> = std::mem::take(map).into_iter().collect();
            entries.sort_by(|(a, _), (b, _)| compare(first, a, b));
            map.extend(entries);
        }
        Value::Array(items) => {
            for item in items {
                order(item, Place::ListItem);
            }
        }
        _ => {}
    }
}

/// The entries of `map` (at `place`) in canonical order, borrowed: the YAML
/// writer emits in this order without reordering a copy of the object.
pub fn ordered_entries(map: &Map<String, Value>, place: Place) -> Vec<(&String, &Value)> {
    let first = first_keys(map, place);
    let mut entries: Vec<(&String, &Value)> = map.iter().collect();
    entries.sort_by(|(a, _), (b, _)| compare(first, a, b));
    entries
}

/// The keys that lead at `place` (those present), before the rest sorted.
fn first_keys(map: &Map<String, Value>, place: Place) -> &'static [&'static str] {
    match place {
        Place::Root => &ROOT_FIRST,
        Place::Metadata => &METADATA_FIRST,
        // Only the merge key leads (`groupName` when present, else `name`).
        Place::ListItem => LIST_ITEM_FIRST
            .iter()
            .position(|k| map.contains_key(*k))
            .map_or(&[], |i| &LIST_ITEM_FIRST[i..=i]),
        Place::Other => &[],
    }
}

/// The `first` keys in that order, then the rest by bytes.
fn compare(first: &[&str], a: &str, b: &str) -> Ordering {
    let rank = |key: &str| first.iter().position(|f| *f == key).unwrap_or(first.len());
    rank(a).cmp(&rank(b)).then_with(|| a.cmp(b))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn keys(v: &Value) -> Vec<&str> {
        v.as_object()
            .map(|m| m.keys().map(String::as_str).collect())
            .unwrap_or_default()
    }

    #[test]
    fn root_metadata_and_nested_orders() {
        let mut doc = json!({
            "status": {},
            "spec": {"zeta": 1, "Alpha": 2, "alpha": 3, "_x": 4},
            "kind": "RayJob",
            "extra": 1,
            "metadata": {"uid": "u", "annotations": {"b": "1", "a": "2"}, "labels": {"z": "1", "a": "2"}, "namespace": "ns", "name": "n"},
            "apiVersion": "ray.io/v1",
            "data": {"b": 1, "a": 2}
        });
        canonical_order(&mut doc);
        assert_eq!(
            keys(&doc),
            [
                "apiVersion",
                "kind",
                "metadata",
                "spec",
                "data",
                "extra",
                "status"
            ]
        );
        assert_eq!(
            keys(&doc["metadata"]),
            ["name", "namespace", "labels", "annotations", "uid"]
        );
        assert_eq!(keys(&doc["metadata"]["labels"]), ["a", "z"]);
        assert_eq!(keys(&doc["metadata"]["annotations"]), ["a", "b"]);
        assert_eq!(keys(&doc["spec"]), ["Alpha", "_x", "alpha", "zeta"]);
    }

    #[test]
    fn list_items_lead_with_their_merge_key() {
        let mut doc = json!({
            "spec": {
                "workerGroupSpecs": [{"template": {}, "replicas": 1, "groupName": "gpu", "rayStartParams": {"num-gpus": "1", "block": "true"}}],
                "containers": [{"image": "ray", "env": [{"value": "1", "name": "A"}], "name": "head", "ports": [{"containerPort": 6379, "name": "gcs"}]}],
                "args": ["b", "a"],
                "matrix": [[{"b": 1, "a": 2}]],
                "tolerations": [{"operator": "Exists", "effect": "NoSchedule"}]
            }
        });
        canonical_order(&mut doc);
        let spec = &doc["spec"];
        assert_eq!(
            keys(&spec["workerGroupSpecs"][0]),
            ["groupName", "rayStartParams", "replicas", "template"]
        );
        assert_eq!(
            keys(&spec["workerGroupSpecs"][0]["rayStartParams"]),
            ["block", "num-gpus"]
        );
        assert_eq!(
            keys(&spec["containers"][0]),
            ["name", "env", "image", "ports"]
        );
        assert_eq!(keys(&spec["containers"][0]["env"][0]), ["name", "value"]);
        assert_eq!(
            keys(&spec["containers"][0]["ports"][0]),
            ["name", "containerPort"]
        );
        assert_eq!(spec["args"], json!(["b", "a"]), "list order is kept");
        assert_eq!(keys(&spec["matrix"][0][0]), ["a", "b"]);
        assert_eq!(keys(&spec["tolerations"][0]), ["effect", "operator"]);
    }

    #[test]
    fn pod_template_metadata_uses_metadata_order() {
        let mut doc = json!({"spec": {"template": {"metadata": {"labels": {"b": "1"}, "annotations": {}, "name": "x"}}}});
        canonical_order(&mut doc);
        assert_eq!(
            keys(&doc["spec"]["template"]["metadata"]),
            ["name", "labels", "annotations"]
        );
    }

    #[test]
    fn empty_and_null_values_are_kept() {
        let mut doc = json!({"spec": {"b": null, "a": {}, "c": []}});
        canonical_order(&mut doc);
        assert_eq!(doc, json!({"spec": {"a": {}, "b": null, "c": []}}));
    }

    #[test]
    fn the_writer_in_canonical_order_equals_writing_a_reordered_copy() {
        let docs = [
            json!({
                "status": {"b": [1, {"z": 1, "name": "n", "groupName": "g"}]},
                "spec": {"template": {"metadata": {"labels": {"b": "1"}, "name": "x"}, "spec": {
                    "containers": [{"image": "ray", "name": "head", "env": [{"value": "1", "name": "A"}]}]}},
                    "matrix": [[{"b": 1, "a": 2}], []], "empty": {}, "nothing": null},
                "kind": "RayJob",
                "metadata": {"uid": "u", "labels": {"z": "1", "a": "2"}, "name": "n"},
                "apiVersion": "ray.io/v1",
                "data": {"b.py": "x\ny\n", "a": "2"}
            }),
            json!([{"b": 1, "a": 2, "name": "first"}, [{"d": 1, "c": 2}], 3]),
            json!({"metadata": {"metadata": {"name": "inner", "a": 1}}}),
            json!("scalar"),
        ];
        for doc in docs {
            let mut copy = doc.clone();
            canonical_order(&mut copy);
            assert_eq!(
                crate::emit::yaml::to_canonical_yaml_document(&doc).unwrap(),
                crate::emit::yaml::to_yaml_document(&copy).unwrap()
            );
        }
    }

    #[test]
    fn non_object_documents_are_fine() {
        let mut doc = json!([{"b": 1, "a": 2}, 3]);
        canonical_order(&mut doc);
        assert_eq!(keys(&doc[0]), ["a", "b"]);
        let mut scalar = json!("x");
        canonical_order(&mut scalar);
        assert_eq!(scalar, json!("x"));
    }
}
