//! Entry points of the fuzz targets (`fuzz/`, see docs/fuzzing.md). The
//! `fuzz_corpus` test replays the committed corpus through these same
//! functions on stable, so CI re-runs every input the fuzzers kept.
//!
//! Each takes arbitrary bytes, must never panic, and panics only when an
//! invariant rayc promises is broken (the emitter round trip).

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::load::node::Node;
use crate::load::{Limits, parse_documents};
use crate::model::kuberay::KubeRayVersion;
use crate::resolve::template::{KubeRayInfo, Scope, Templater};
use crate::rules::{Context, Object};

/// The loader: YAML text → positioned trees or a diagnostic.
pub fn load(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = parse_documents("fuzz.yaml", text, Limits::USER);
}

/// The validator: every document parsed from `data` checked as a KubeRay
/// object (schema for the target version, CEL rules, semantic rules).
pub fn validate(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(docs) = parse_documents("fuzz.yaml", text, Limits::USER) else {
        return;
    };
    let objects: Vec<Object> = docs
        .iter()
        .map(|d| Object {
            file: &d.file,
            node: &d.node,
        })
        .collect();
    let _ = crate::validate::validate(&objects, &Context::default());
}

/// The template renderer: `data` is one spec string value, rendered with a
/// small spec and vars in scope, as the resolver renders every value.
pub fn template(data: &[u8]) {
    let Ok(source) = std::str::from_utf8(data) else {
        return;
    };
    let scope = Scope {
        spec: minijinja::Value::from(minijinja::value::Serde(json!({
            "kind": "RayJob",
            "metadata": {"name": "train", "labels": {"team": "ml"}},
            "spec": {"image": "rayproject/ray:2.9.0", "workers": [{"name": "cpu", "replicas": 2}]},
        }))),
        env: None,
        vars: BTreeMap::from([
            ("bucket".to_owned(), json!("s3://b")),
            ("n".to_owned(), json!(3)),
            ("list".to_owned(), json!([1, "a", {"k": null}])),
        ]),
        params: Some(BTreeMap::from([("gpus".to_owned(), json!(4))])),
        env_var: BTreeMap::new(),
        kuberay: KubeRayInfo {
            version: KubeRayVersion::LATEST.to_string(),
            minor: u32::from(KubeRayVersion::LATEST.minor),
        },
    };
    let templater = Templater::new();
    let context = scope.context();
    let _ = templater.render_value(source, &context);
    let _ = templater.render_text(source, &context);
}

/// The emitter round trip: a value written as canonical YAML and parsed back
/// is the same value. `data` is read as JSON when it is JSON; its text is
/// also tried as a string value and as a map key.
pub fn emit_round_trip(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    if let Ok(value) = serde_json::from_str::<Value>(&text) {
        round_trip(&value);
    }
    let mut map = serde_json::Map::new();
    map.insert(text.clone().into_owned(), Value::String(text.into_owned()));
    round_trip(&Value::Object(map));
}

fn round_trip(value: &Value) {
    // Refusing a value (e.g. a key longer than YAML allows) is fine; changing it is not.
    let Ok(yaml) = crate::emit::yaml::to_yaml_document(value) else {
        return;
    };
    let docs = match parse_documents("emitted.yaml", &yaml, Limits::USER) {
        Ok(docs) => docs,
        // Values deeper or larger than the loader's budgets cannot come back.
        Err(d) if d.code == crate::diag::codes::BUDGET => return,
        Err(d) => {
            panic!("emitted YAML does not parse: {d:?}\n--- value\n{value}\n--- yaml\n{yaml}")
        }
    };
    let back = docs.first().map_or(Value::Null, |d| d.node.to_json());
    assert!(
        same(value, &back),
        "round trip changed the value\n--- value\n{value}\n--- yaml\n{yaml}\n--- parsed\n{back}"
    );
    let _ = Node::from_json(value, crate::load::node::Pos::UNKNOWN);
}

/// Equality where numbers compare by value (`1.0` written as `1.0` may come back as a float of equal value).
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_i64(), y.as_i64()) {
            (Some(i), Some(j)) => i == j,
            _ => x.as_f64() == y.as_f64(),
        },
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .zip(y)
                    .all(|((ka, va), (kb, vb))| ka == kb && same(va, vb))
        }
        _ => a == b,
    }
}
