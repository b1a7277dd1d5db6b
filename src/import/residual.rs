//! What a spec's pass-through fragments must say so that rayc's merge
//! (`lower::merge_json`) turns the generated value into the wanted one.
//!
//! A keyed list (containers, env, ports, ...) can only be merged item by item,
//! never shortened or reordered. Where that is needed the list is replaced in
//! two steps: `null` in the earlier fragment (a group's `template`) deletes it,
//! the later one (`kuberay`) sets it whole.

use serde_json::{Map, Value};

/// The two fragments: `pre` merged first (it may delete), `post` last.
#[derive(Debug, Default, PartialEq)]
pub struct Patch {
    pub pre: Option<Value>,
    pub post: Option<Value>,
}

/// The fragments that turn `generated` into `wanted`.
pub fn diff(generated: &Value, wanted: &Value) -> Patch {
    match (generated, wanted) {
        (a, b) if a == b => Patch::default(),
        (Value::Object(g), Value::Object(w)) => {
            let mut pre = Map::new();
            let mut post = Map::new();
            for (key, want) in w {
                match g.get(key) {
                    None => {
                        pre.insert(key.clone(), want.clone());
                    }
                    Some(have) => {
                        let Patch { pre: p, post: q } = diff(have, want);
                        if let Some(p) = p {
                            pre.insert(key.clone(), p);
                        }
                        if let Some(q) = q {
                            post.insert(key.clone(), q);
                        }
                    }
                }
            }
            for key in g.keys() {
                if !w.contains_key(key) {
                    pre.insert(key.clone(), Value::Null);
                }
            }
            Patch {
                pre: (!pre.is_empty()).then_some(Value::Object(pre)),
                post: (!post.is_empty()).then_some(Value::Object(post)),
            }
        }
        (Value::Array(g), Value::Array(w)) => match keyed_diff(g, w) {
            Some(patch) => patch,
            // Not reachable by merging item by item: delete, then set whole.
            None if crate::lower::keyed_lists(g, w) => Patch {
                pre: Some(Value::Null),
                post: Some(Value::Array(w.clone())),
            },
            None => Patch {
                pre: Some(Value::Array(w.clone())),
                post: None,
            },
        },
        (_, want) => Patch {
            pre: Some(want.clone()),
            post: None,
        },
    }
}

/// Item-by-item patch of a keyed list: every generated item kept in order,
/// new ones after. `None` when the lists are not keyed or that does not fit.
fn keyed_diff(generated: &[Value], wanted: &[Value]) -> Option<Patch> {
    let key = crate::lower::list_key(wanted)?;
    crate::lower::list_key(generated)?;
    if wanted.len() < generated.len() {
        return None;
    }
    let mut pre = Vec::new();
    let mut post = Vec::new();
    for (i, want) in wanted.iter().enumerate() {
        let id = want.get(key)?;
        match generated.get(i) {
            Some(have) => {
                if have.get(key) != Some(id) {
                    return None;
                }
                let Patch { pre: p, post: q } = diff(have, want);
                let with_key = |patch: Value| -> Option<Value> {
                    let mut item = Map::new();
                    item.insert(key.to_owned(), id.clone());
                    item.extend(patch.as_object()?.clone());
                    Some(Value::Object(item))
                };
                if let Some(p) = p {
                    pre.push(with_key(p)?);
                }
                if let Some(q) = q {
                    post.push(with_key(q)?);
                }
            }
            None => {
                if generated.iter().any(|g| g.get(key) == Some(id)) {
                    return None;
                }
                pre.push(want.clone());
            }
        }
    }
    // The merge matches items by the first key every patch item has; it must
    // be the key used here.
    for items in [&pre, &post] {
        if !items.is_empty() && crate::lower::list_key(items) != Some(key) {
            return None;
        }
    }
    Some(Patch {
        pre: (!pre.is_empty()).then_some(Value::Array(pre)),
        post: (!post.is_empty()).then_some(Value::Array(post)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lower::merge_json;
    use serde_json::json;

    fn apply(generated: &Value, patch: &Patch) -> Value {
        let mut out = generated.clone();
        if let Some(p) = &patch.pre {
            merge_json(&mut out, p);
        }
        if let Some(q) = &patch.post {
            merge_json(&mut out, q);
        }
        out
    }

    #[test]
    fn patches_reach_the_wanted_value() {
        let generated = json!({"containers": [{"name": "ray-head", "image": "a",
            "ports": [{"containerPort": 6379, "name": "gcs-server"}, {"containerPort": 8265, "name": "dashboard"}]}],
            "nodeSelector": {"a": "1"}});
        for wanted in [
            json!({"containers": [{"name": "ray-head", "image": "b",
                "ports": [{"containerPort": 6379, "name": "gcs-server"}]}]}),
            json!({"containers": [{"name": "main", "image": "a"}], "nodeSelector": {"a": "1"}}),
            json!({"containers": [{"name": "ray-head", "image": "a", "args": ["x"],
                "ports": [{"containerPort": 6379, "name": "gcs-server"}, {"containerPort": 8265, "name": "dashboard"},
                          {"containerPort": 8000, "name": "serve"}]}, {"name": "side", "image": "s"}]}),
        ] {
            let patch = diff(&generated, &wanted);
            assert_eq!(apply(&generated, &patch), wanted, "{patch:?}");
        }
    }
}
