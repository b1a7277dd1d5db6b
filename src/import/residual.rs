//! What a spec's pass-through fragment must say so that rayc's merge
//! (`lower::merge_json`) turns the generated value into the wanted one.
//!
//! `null` never reaches a resolved spec (docs/merge.md), so a fragment can
//! add and change but never delete: a generated key the input lacks, or a
//! keyed list (containers, env, ports, ...) that must shrink or be
//! reordered, stays as rayc writes it. The import's final comparison
//! reports such a difference (RAY037).

use serde_json::{Map, Value};

/// The fragment that takes `generated` as close to `wanted` as a merge can;
/// `None` when they are equal.
pub fn diff(generated: &Value, wanted: &Value) -> Option<Value> {
    match (generated, wanted) {
        (a, b) if a == b => None,
        (Value::Object(g), Value::Object(w)) => {
            let mut out = Map::new();
            for (key, want) in w {
                let patch = match g.get(key) {
                    None => Some(want.clone()),
                    Some(have) => diff(have, want),
                };
                if let Some(p) = patch {
                    out.insert(key.clone(), p);
                }
            }
            (!out.is_empty()).then_some(Value::Object(out))
        }
        // Merged item by item: the changed and new items only, when that
        // reaches the wanted list; else the whole list (a keyed list still
        // merges, which the final comparison reports).
        (Value::Array(g), Value::Array(w)) => {
            Some(keyed_diff(g, w).unwrap_or_else(|| Value::Array(w.clone())))
        }
        (_, want) => Some(want.clone()),
    }
}

/// Item-by-item patch of a keyed list: every generated item kept in order,
/// new ones after. `None` when the lists are not keyed or that does not fit.
fn keyed_diff(generated: &[Value], wanted: &[Value]) -> Option<Value> {
    let key = crate::lower::list_key(wanted)?;
    crate::lower::list_key(generated)?;
    if wanted.len() < generated.len() {
        return None;
    }
    let mut out = Vec::new();
    for (i, want) in wanted.iter().enumerate() {
        let id = want.get(key)?;
        match generated.get(i) {
            Some(have) => {
                if have.get(key) != Some(id) {
                    return None;
                }
                if let Some(patch) = diff(have, want) {
                    let mut item = Map::new();
                    item.insert(key.to_owned(), id.clone());
                    item.extend(patch.as_object()?.clone());
                    out.push(Value::Object(item));
                }
            }
            None => {
                if generated.iter().any(|g| g.get(key) == Some(id)) {
                    return None;
                }
                out.push(want.clone());
            }
        }
    }
    // The merge matches items by the first key every patch item has; it must
    // be the key used here.
    if !out.is_empty() && crate::lower::list_key(&out) != Some(key) {
        return None;
    }
    (!out.is_empty()).then_some(Value::Array(out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lower::merge_json;
    use serde_json::json;

    fn apply(generated: &Value, patch: Option<&Value>) -> Value {
        let mut out = generated.clone();
        if let Some(p) = patch {
            merge_json(&mut out, p);
        }
        out
    }

    #[test]
    fn patches_reach_what_a_merge_can_reach_and_never_delete() {
        let generated = json!({"containers": [{"name": "ray-head", "image": "a",
            "ports": [{"containerPort": 6379, "name": "gcs-server"}, {"containerPort": 8265, "name": "dashboard"}]}],
            "nodeSelector": {"a": "1"}});
        for wanted in [
            json!({"containers": [{"name": "ray-head", "image": "b",
                "ports": [{"containerPort": 6379, "name": "gcs-server"}, {"containerPort": 8265, "name": "dashboard"}]}],
                "nodeSelector": {"a": "1", "b": "2"}}),
            json!({"containers": [{"name": "ray-head", "image": "a", "args": ["x"],
                "ports": [{"containerPort": 6379, "name": "gcs-server"}, {"containerPort": 8265, "name": "dashboard"},
                          {"containerPort": 8000, "name": "serve"}]}, {"name": "side", "image": "s"}],
                "nodeSelector": {"a": "1"}}),
        ] {
            let patch = diff(&generated, &wanted);
            assert_eq!(apply(&generated, patch.as_ref()), wanted, "{patch:?}");
        }
        // A shorter list or a missing key cannot be reached: no `null`, which
        // a resolved spec never carries.
        let wanted = json!({"containers": [{"name": "ray-head", "image": "a",
            "ports": [{"containerPort": 8265, "name": "dashboard"}]}]});
        let patch = diff(&generated, &wanted).unwrap();
        assert!(!patch.to_string().contains("null"), "{patch}");
        assert_ne!(apply(&generated, Some(&patch)), wanted);
    }
}
