//! `Schema::lazy` against the same schema parsed whole: every reference of
//! every embedded schema resolves to the same value, edits included.

use serde_json::{Value, json};

use super::lazy::{eager, split_once};
use super::*;
use crate::check::schemas::{OVERLAY_TEXT, PROJECT_TEXT, SPEC_TEXT};
use crate::model::embedded;

fn texts() -> Vec<&'static str> {
    let mut texts: Vec<&'static str> = embedded::files()
        .map(|(api_version, kind, _)| embedded::text(api_version, kind).unwrap())
        .collect();
    texts.extend([SPEC_TEXT, PROJECT_TEXT, OVERLAY_TEXT]);
    texts
}

fn strip_required(_: Option<&str>, v: &mut Value) {
    if let Value::Object(map) = v {
        map.remove("required");
        map.values_mut().for_each(|v| strip_required(None, v));
    }
}

fn mark_one(def: Option<&str>, v: &mut Value) {
    if def == Some("io.k8s.api.core.v1.Container") {
        v["x-marked"] = json!(true);
    }
}

const EDITS: [Option<Edit>; 3] = [
    None,
    Some(Edit {
        name: "test-strip",
        apply: strip_required,
    }),
    Some(Edit {
        name: "test-mark",
        apply: mark_one,
    }),
];

/// Every `$ref` in a schema.
fn refs<'v>(v: &'v Value, out: &mut Vec<&'v str>) {
    match v {
        Value::Object(map) => {
            if let Some(Value::String(r)) = map.get("$ref") {
                out.push(r);
            }
            map.values().for_each(|v| refs(v, out));
        }
        Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
        _ => {}
    }
}

#[test]
fn lazy_schemas_resolve_every_reference_as_the_whole_parse_does() {
    for text in texts() {
        for edit in EDITS {
            let whole = eager(text, edit).unwrap();
            let lazy = Schema::lazy(text, edit).unwrap();
            assert!(lazy.root().get("$defs").is_none(), "read as pretty text");
            let mut found = Vec::new();
            refs(whole.root(), &mut found);
            let mut names: Vec<String> = Vec::new();
            for section in ["$defs", "definitions"] {
                if let Some(Value::Object(defs)) = whole.root().get(section) {
                    names.extend(defs.keys().map(|k| format!("#/{section}/{k}")));
                }
            }
            assert!(!found.is_empty() || text == OVERLAY_TEXT);
            for reference in found
                .iter()
                .copied()
                .chain(names.iter().map(String::as_str))
            {
                let want = whole.resolve(reference);
                assert!(want.is_some(), "{reference} resolves");
                assert_eq!(lazy.resolve(reference), want, "{reference} {edit:?}");
            }
            let mut root = whole.root().clone();
            for section in ["$defs", "definitions"] {
                root.as_object_mut().unwrap().shift_remove(section);
            }
            assert_eq!(lazy.root(), &root);
        }
    }
}

fn leak(text: String) -> &'static str {
    text.leak()
}

/// A schema with the shapes the pretty form can take.
fn tricky() -> Value {
    json!({
        "$defs": {
            "a/b": {"type": "string", "description": "line\n    \"x\": 1,\n  }"},
            "c~d": {"properties": {"x": {"type": "integer", "enum": [1, 2]}}},
            "q\"uote": {"$ref": "#/$defs/empty"},
            "empty": {},
            "list": [],
            "yes": true,
            "n": -1.5e3,
            "s": "text, with: {brackets}",
        },
        "definitions": {"E": {"$ref": "#/$defs/a~1b"}},
        "properties": {"p": {"$ref": "#/definitions/E"}, "q": {"items": [{"type": "string"}]}},
        "required": ["p"],
    })
}

#[test]
fn pointers_into_definitions_and_escapes() {
    let text = leak(serde_json::to_string_pretty(&tricky()).unwrap() + "\n");
    let whole = eager(text, None).unwrap();
    let lazy = Schema::lazy(text, None).unwrap();
    assert!(lazy.root().get("$defs").is_none(), "read as pretty text");
    for reference in [
        "#/$defs/a~1b",
        "#/$defs/c~0d/properties/x",
        "#/$defs/c~0d/properties/y",
        "#/$defs/q\"uote",
        "#/$defs/empty",
        "#/$defs/list",
        "#/$defs/yes",
        "#/$defs/n",
        "#/$defs/s",
        "#/definitions/E",
        "#/definitions/F",
        "#/properties/p",
        "#/properties/q/items/0",
        "#/$defs/missing/type",
        "http://example.com/x",
    ] {
        assert_eq!(
            lazy.resolve(reference),
            whole.resolve(reference),
            "{reference}"
        );
    }
    assert_eq!(lazy.resolve("#/$defs/yes"), Some(&json!(true)));
    // `#` is the root without its sections: no keyword lives there.
    let mut root = tricky();
    root.as_object_mut().unwrap().shift_remove("$defs");
    root.as_object_mut().unwrap().shift_remove("definitions");
    assert_eq!(lazy.resolve("#"), Some(&root));
}

#[test]
fn text_in_another_form_is_parsed_whole() {
    let pretty = serde_json::to_string_pretty(&tricky()).unwrap();
    let others = [
        serde_json::to_string(&tricky()).unwrap(),
        pretty.replace('\n', "\r\n"),
        pretty.replace("  ", "    "),
        // Two entries on one line, or a value split oddly: not serde_json's print.
        "{\n  \"$defs\": {\n    \"a\": {\"type\": \"string\"}, \"b\": {}\n  }\n}".to_owned(),
        "{\n  \"$defs\": {\n    \"a\": {\"type\": \"string\"}, \"b\": {\n      \"type\": \"integer\"\n    }\n  }\n}".to_owned(),
        "{\n  \"$defs\": {\n    \"a\": {\n    \"type\": \"string\"\n    }\n  }\n}".to_owned(),
        "{\n  \"$defs\": {\n    \"a\": 1, \"b\": 2\n  }\n}".to_owned(),
    ];
    for text in others {
        let text = leak(text);
        let lazy = Schema::lazy(text, None).unwrap();
        let whole: Value = serde_json::from_str(text).unwrap();
        assert_eq!(lazy.root(), &whole, "{text}");
    }
}

#[test]
fn identical_definitions_are_parsed_once_per_edit() {
    let (job, cluster) = (
        embedded::text("ray.io/v1", "RayJob").unwrap(),
        embedded::text("ray.io/v1", "RayCluster").unwrap(),
    );
    let container = "#/$defs/io.k8s.api.core.v1.Container";
    let at = |text, edit| {
        let schema = Schema::lazy(text, edit).unwrap();
        schema.resolve(container).unwrap() as *const Value
    };
    assert_eq!(at(job, None), at(cluster, None));
    assert_eq!(at(job, EDITS[1]), at(cluster, EDITS[1]));
    assert_ne!(at(job, None), at(job, EDITS[1]));
    let marked = Schema::lazy(job, EDITS[2]).unwrap();
    assert_eq!(marked.resolve(container).unwrap()["x-marked"], json!(true));
}

#[test]
fn text_that_is_no_schema_object_is_read_whole_or_refused() {
    for text in ["true", r#"{"$defs": 1, "type": "string"}"#, "[1]"] {
        let lazy = Schema::lazy(text, None).unwrap();
        assert_eq!(lazy.root(), &serde_json::from_str::<Value>(text).unwrap());
    }
    assert!(Schema::lazy("{", None).is_none());
    assert!(Schema::lazy(r#"{"$defs": {"a": {}}} x"#, None).is_none());
    // A broken definition accepts anything rather than panic.
    let broken = Schema::lazy(r#"{"$defs": {"a": {"type": 1e999}}}"#, None);
    if let Some(schema) = broken {
        assert!(schema.resolve("#/$defs/a").is_some());
    }
}

#[test]
fn a_text_is_split_once() {
    let text = embedded::text("ray.io/v1", "RayJob").unwrap();
    let first = split_once(text).map(|s| s as *const _);
    assert!(first.is_some());
    assert_eq!(split_once(text).map(|s| s as *const _), first);
    assert!(split_once("{}").is_none());
}
