//! Unit tests on small hand-written schemas.

use serde_json::json;

use super::*;
use crate::diag::codes;
use crate::load::node::{Node, Pos, Value};

pub(super) fn yaml(text: &str) -> Node {
    serde_saphyr::from_str(text).unwrap()
}

fn check(schema: serde_json::Value, text: &str) -> Vec<SchemaError> {
    validate(&yaml(text), &Schema::new(schema))
}

fn only(errors: &[SchemaError]) -> &SchemaError {
    assert_eq!(
        errors.len(),
        1,
        "expected exactly one error, got {errors:#?}"
    );
    &errors[0]
}

fn container_schema() -> serde_json::Value {
    json!({
        "type": "object",
        "properties": {
            "containers": {
                "type": "array",
                "x-kubernetes-list-type": "map",
                "x-kubernetes-list-map-keys": ["name"],
                "items": {"$ref": "#/$defs/Container"}
            },
            "restartPolicy": {"type": "string", "enum": ["Always", "OnFailure", "Never"]}
        },
        "$defs": {
            "Container": {
                "type": "object",
                "required": ["name"],
                "properties": {
                    "name": {"type": "string"},
                    "image": {"type": "string"},
                    "imagePullPolicy": {"type": "string"},
                    "ports": {
                        "type": "array",
                        "x-kubernetes-list-type": "map",
                        "x-kubernetes-list-map-keys": ["containerPort", "protocol"],
                        "items": {
                            "type": "object",
                            "required": ["containerPort"],
                            "properties": {
                                "containerPort": {"type": "integer", "format": "int32"},
                                "protocol": {"type": "string", "default": "TCP"}
                            }
                        }
                    }
                }
            }
        }
    })
}

#[test]
fn unknown_field_points_at_the_key_and_suggests_the_spelling() {
    let errors = check(
        container_schema(),
        "containers:\n  - name: ray\n    imagez: rayproject/ray\n",
    );
    let e = only(&errors);
    assert_eq!(e.code, codes::UNKNOWN_FIELD);
    assert_eq!(e.message, "unknown field \"imagez\" in containers[0]");
    assert_eq!(e.help.as_deref(), Some("did you mean \"image\"?"));
    assert_eq!(e.path, "containers[0].imagez");
    assert_eq!(e.pos, Pos { line: 3, col: 5 });
}

#[test]
fn unknown_field_without_a_close_match_lists_valid_fields() {
    let errors = check(
        container_schema(),
        "containers:\n  - name: ray\n    volumes: []\n",
    );
    let e = only(&errors);
    assert_eq!(
        e.help.as_deref(),
        Some("valid fields here: name, image, imagePullPolicy, ports")
    );
    let errors = check(container_schema(), "restart: Never\n");
    assert_eq!(only(&errors).message, "unknown field \"restart\"");
}

#[test]
fn case_and_separator_differences_count_as_close() {
    let errors = check(
        container_schema(),
        "containers:\n  - name: ray\n    image_pull_policy: Always\n",
    );
    assert_eq!(
        only(&errors).help.as_deref(),
        Some("did you mean \"imagePullPolicy\"?")
    );
    let errors = check(container_schema(), "RestartPolicy: Never\n");
    assert_eq!(
        only(&errors).help.as_deref(),
        Some("did you mean \"restartPolicy\"?")
    );
}

#[test]
fn misplaced_keys_point_up_or_down() {
    let schema = json!({
        "type": "object",
        "properties": {
            "groups": {"type": "array", "items": {
                "type": "object",
                "properties": {
                    "replicas": {"type": "integer"},
                    "template": {"type": "object", "properties": {
                        "metadata": {"type": "object"},
                        "spec": {"type": "object", "properties": {
                            "containers": {"type": "array", "items": {"type": "object", "properties": {
                                "image": {"type": "string"}
                            }}}
                        }}
                    }}
                }
            }}
        }
    });
    let errors = check(
        schema.clone(),
        "groups:\n  - template:\n      replicas: 2\n",
    );
    assert_eq!(
        only(&errors).help.as_deref(),
        Some("\"replicas\" belongs one level up, in groups[0], not in template")
    );
    let errors = check(
        schema,
        "groups:\n  - template:\n      spec:\n        image: ray\n",
    );
    assert_eq!(
        only(&errors).help.as_deref(),
        Some("\"image\" belongs one level down, inside each item of \"containers\"")
    );
}

#[test]
fn maps_accept_any_key_and_check_values() {
    let schema = json!({"type": "object", "properties": {
        "labels": {"type": "object", "additionalProperties": {"type": "string"}}
    }});
    assert!(check(schema.clone(), "labels:\n  app: ray\n  tier: x\n").is_empty());
    let errors = check(schema, "labels:\n  num-cpus: 0\n  ok: x\n");
    let e = only(&errors);
    assert_eq!(e.code, codes::WRONG_TYPE);
    assert_eq!(e.path, "labels.num-cpus");
    assert_eq!(e.message, "expected a string, found an integer (0)");
    assert_eq!(e.help.as_deref(), Some("quote it: \"0\""));
}

#[test]
fn map_keys_with_dots_are_bracketed_in_paths() {
    let schema = json!({"type": "object", "properties": {
        "limits": {"type": "object", "additionalProperties": {"type": "string"}}
    }});
    let errors = check(schema, "limits:\n  nvidia.com/gpu: 1\n");
    assert_eq!(only(&errors).path, "limits[\"nvidia.com/gpu\"]");
}

#[test]
fn open_objects_allow_unknown_keys() {
    let preserve = json!({"type": "object", "properties": {
        "config": {"type": "object", "x-kubernetes-preserve-unknown-fields": true, "properties": {"a": {"type": "string"}}}
    }});
    assert!(check(preserve.clone(), "config:\n  anything: 1\n  a: x\n").is_empty());
    assert_eq!(
        only(&check(preserve, "config:\n  a: 1\n")).code,
        codes::WRONG_TYPE
    );
    // An object with no listed properties is free-form (CRD `metadata: {type: object}`).
    let free = json!({"type": "object", "properties": {"metadata": {"type": "object"}}});
    assert!(check(free, "metadata:\n  name: x\n  whatever: 1\n").is_empty());
    let explicit = json!({"type": "object", "properties": {"a": {}}, "additionalProperties": true});
    assert!(check(explicit, "b: 1\n").is_empty());
}

#[test]
fn integers_reject_floats_and_quoted_numbers() {
    let schema = json!({"type": "object", "properties": {
        "port": {"type": "integer", "format": "int32"},
        "ratio": {"type": "number"},
        "flag": {"type": "boolean"}
    }});
    let e = only(&check(schema.clone(), "port: \"8265\"\n")).clone();
    assert_eq!(e.message, "expected an integer, found a string (\"8265\")");
    assert_eq!(e.help.as_deref(), Some("remove the quotes"));
    assert_eq!(e.pos, Pos { line: 1, col: 7 });
    let e = only(&check(schema.clone(), "port: 2.0\n")).clone();
    assert_eq!(e.message, "expected an integer, found a number (2.0)");
    assert_eq!(e.help.as_deref(), Some("write 2"));
    let e = only(&check(schema.clone(), "port: 3000000000\n")).clone();
    assert_eq!(e.code, codes::OUT_OF_RANGE);
    assert_eq!(e.message, "3000000000 is out of range for a 32-bit integer");
    assert!(check(schema.clone(), "port: 8265\nratio: 1\n").is_empty());
    assert!(check(schema.clone(), "ratio: 0.5\nflag: true\n").is_empty());
    assert_eq!(
        only(&check(schema.clone(), "ratio: \"0.5\"\n"))
            .help
            .as_deref(),
        Some("remove the quotes")
    );
    assert_eq!(
        only(&check(schema, "flag: \"true\"\n")).help.as_deref(),
        Some("remove the quotes")
    );
}

#[test]
fn strings_reject_other_scalars_with_a_quoting_hint() {
    let schema = json!({"type": "object", "properties": {"s": {"type": "string"}}});
    let e = only(&check(schema.clone(), "s: yes\n")).clone();
    assert_eq!(e.message, "expected a string, found a boolean (true)");
    assert!(e.help.unwrap().contains("quotes"));
    let e = only(&check(schema.clone(), "s: 0.5\n")).clone();
    assert_eq!(e.help.as_deref(), Some("quote it: \"0.5\""));
    let e = only(&check(schema, "s:\n  - a\n")).clone();
    assert_eq!(e.message, "expected a string, found a list");
}

#[test]
fn structure_mismatches_get_a_hint() {
    let schema = json!({"type": "object", "properties": {
        "list": {"type": "array", "items": {"type": "string"}},
        "obj": {"type": "object", "properties": {"a": {"type": "string"}}}
    }});
    let e = only(&check(schema.clone(), "list:\n  a: b\n")).clone();
    assert_eq!(e.message, "expected a list, found a mapping");
    assert!(e.help.unwrap().contains("- "));
    let e = only(&check(schema, "obj:\n  - a: b\n")).clone();
    assert_eq!(e.message, "expected a mapping, found a list");
}

#[test]
fn int_or_string_never_takes_a_float() {
    let schema = json!({"type": "object", "properties": {
        "port": {"x-kubernetes-int-or-string": true, "anyOf": [{"type": "integer"}, {"type": "string"}]}
    }});
    assert!(check(schema.clone(), "port: 8080\n").is_empty());
    assert!(check(schema.clone(), "port: http\n").is_empty());
    let e = only(&check(schema.clone(), "port: 80.5\n")).clone();
    assert_eq!(e.code, codes::WRONG_TYPE);
    assert_eq!(
        e.message,
        "expected an integer or a string, found a number (80.5)"
    );
    let e = only(&check(schema, "port: true\n")).clone();
    assert_eq!(e.code, codes::WRONG_TYPE);
}

/// The shape controller-gen writes for a quantity in a CRD, marked as
/// `Schema::from_crd` marks it.
fn crd_quantity_schema() -> serde_json::Value {
    let mut schema = json!({"type": "object", "properties": {
        "limits": {"type": "object", "additionalProperties": {
            "anyOf": [{"type": "integer"}, {"type": "string"}],
            "pattern": crate::model::quantity::QUANTITY_PATTERN,
            "x-kubernetes-int-or-string": true
        }}
    }});
    mark_crd_quantities(&mut schema);
    schema
}

#[test]
fn only_schemas_marked_as_quantities_are_checked_as_quantities() {
    let marked = crd_quantity_schema();
    assert_eq!(
        marked.pointer("/properties/limits/additionalProperties/format"),
        Some(&json!("quantity"))
    );
    // The same int-or-string without the mark (another pattern) is no quantity.
    let plain = json!({"type": "object", "properties": {
        "limits": {"type": "object", "additionalProperties": {
            "anyOf": [{"type": "integer"}, {"type": "string"}],
            "x-kubernetes-int-or-string": true
        }}
    }});
    assert!(check(plain, "limits:\n  memory: 1GB\n").is_empty());
    // One grammar (`model::quantity`): every suffix Kubernetes accepts.
    for ok in [
        "100n", "1u", "1.5Gi", "1e3", "500m", "2", ".5", "1E-3", "+1k",
    ] {
        let text = format!("limits:\n  x: \"{ok}\"\n");
        assert!(check(marked.clone(), &text).is_empty(), "{ok}");
    }
    for bad in ["1GB", "Gi", "1.2.3", "1e", "1 Gi", "1i", "--1", "0x10"] {
        let text = format!("limits:\n  x: \"{bad}\"\n");
        let e = only(&check(marked.clone(), &text)).clone();
        assert_eq!(e.code, codes::BAD_QUANTITY, "{bad}");
    }
}

#[test]
fn quantities_take_integers_and_quantity_strings_only() {
    let schema = crd_quantity_schema();
    assert!(
        check(
            schema.clone(),
            "limits:\n  cpu: 1\n  memory: 1Gi\n  x: \"500m\"\n  y: 0\n"
        )
        .is_empty()
    );
    let e = only(&check(schema.clone(), "limits:\n  cpu: 0.5\n")).clone();
    assert_eq!(e.code, codes::BAD_QUANTITY);
    assert_eq!(
        e.message,
        "expected a quantity (a string or an integer), found a number (0.5)"
    );
    assert_eq!(
        e.help.as_deref(),
        Some("write \"500m\" (or \"0.5\" quoted)")
    );
    assert_eq!(e.path, "limits.cpu");
    let e = only(&check(schema.clone(), "limits:\n  cpu: \"-1\"\n")).clone();
    assert_eq!(e.code, codes::BAD_QUANTITY);
    assert_eq!(e.message, "quantity \"-1\" is negative");
    let e = only(&check(schema.clone(), "limits:\n  cpu: -2\n")).clone();
    assert_eq!(e.code, codes::BAD_QUANTITY);
    let e = only(&check(schema.clone(), "limits:\n  memory: 1GB\n")).clone();
    assert_eq!(e.code, codes::BAD_QUANTITY);
    assert!(
        e.message
            .starts_with("`1GB` is not a quantity: unknown suffix"),
        "{}",
        e.message
    );
    let e = only(&check(schema, "limits:\n  memory: [1]\n")).clone();
    assert_eq!(e.code, codes::WRONG_TYPE);
}

#[test]
fn enums_list_the_allowed_values() {
    let e = only(&check(container_schema(), "restartPolicy: never\n")).clone();
    assert_eq!(e.code, codes::BAD_ENUM);
    assert_eq!(e.message, "\"never\" is not an allowed value");
    assert_eq!(
        e.help.as_deref(),
        Some("did you mean \"Never\"? (allowed values: \"Always\", \"OnFailure\", \"Never\")")
    );
    let e = only(&check(container_schema(), "restartPolicy: Sometimes\n")).clone();
    assert_eq!(
        e.help.as_deref(),
        Some("allowed values: \"Always\", \"OnFailure\", \"Never\"")
    );
}

#[test]
fn required_fields() {
    let schema = json!({"type": "object", "required": ["name", "minReplicas", "maxReplicas"], "properties": {
        "name": {"type": "string"},
        "minReplicas": {"type": "integer", "default": 0},
        "maxReplicas": {"$ref": "#/$defs/Max"},
        "note": {"type": "string", "nullable": true}
    }, "$defs": {"Max": {"type": "integer", "default": 2147483647}}});
    assert!(check(schema.clone(), "name: x\n").is_empty());
    let e = only(
        &check(schema.clone(), "note: a\nother: 1\n")
            .into_iter()
            .filter(|e| e.code == codes::MISSING_REQUIRED)
            .collect::<Vec<_>>(),
    )
    .clone();
    assert_eq!(e.message, "missing required field \"name\"");
    assert_eq!(e.pos, Pos { line: 1, col: 1 });
    assert_eq!(e.path, "name");
    // A null required field counts as missing; a null optional one is dropped.
    let e = only(&check(schema.clone(), "name:\nnote:\nminReplicas: ~\n")).clone();
    assert_eq!(e.code, codes::MISSING_REQUIRED);
    assert_eq!(e.message, "required field \"name\" is empty");
    assert_eq!(e.pos, Pos { line: 1, col: 1 });
}

#[test]
fn missing_required_inside_list_items_names_the_item() {
    let errors = check(container_schema(), "containers:\n  - image: ray\n");
    let e = only(&errors);
    assert_eq!(
        e.message,
        "missing required field \"name\" in containers[0]"
    );
    assert_eq!(e.path, "containers[0].name");
    assert_eq!(e.pos, Pos { line: 2, col: 5 });
}

#[test]
fn a_typo_of_a_required_field_is_reported_once() {
    let errors = check(container_schema(), "containers:\n  - nme: ray\n");
    let e = only(&errors);
    assert_eq!(e.code, codes::UNKNOWN_FIELD);
    assert_eq!(e.help.as_deref(), Some("did you mean \"name\"?"));
}

#[test]
fn nulls_in_lists_and_maps_are_type_errors() {
    let schema = json!({"type": "object", "properties": {
        "m": {"type": "object", "additionalProperties": {"type": "string"}},
        "l": {"type": "array", "items": {"type": "string"}},
        "nl": {"type": "array", "items": {"type": ["string", "null"]}}
    }});
    assert_eq!(
        only(&check(schema.clone(), "m:\n  a:\n")).message,
        "expected a string, found null"
    );
    assert_eq!(only(&check(schema.clone(), "l: [a, ~]\n")).path, "l[1]");
    assert!(check(schema, "nl: [a, ~]\n").is_empty());
}

#[test]
fn list_map_keys_must_be_unique_defaults_included() {
    let text = "containers:\n  - name: a\n  - name: b\n  - name: a\n";
    let e = only(&check(container_schema(), text)).clone();
    assert_eq!(e.code, codes::DUPLICATE_ITEM);
    assert_eq!(
        e.message,
        "duplicate item in containers: name \"a\" is already used by containers[0]"
    );
    assert_eq!(e.path, "containers[2]");
    assert_eq!(e.pos, Pos { line: 4, col: 11 });
    // protocol defaults to TCP, so these two ports are the same item.
    let text = "containers:\n  - name: a\n    ports:\n      - containerPort: 80\n      - containerPort: 80\n        protocol: TCP\n      - containerPort: 80\n        protocol: UDP\n";
    let e = only(&check(container_schema(), text)).clone();
    assert_eq!(
        e.message,
        "duplicate item in ports: containerPort 80, protocol \"TCP\" is already used by ports[0]"
    );
    assert_eq!(e.path, "containers[0].ports[1]");
}

#[test]
fn list_sets_must_be_unique() {
    let schema = json!({"type": "object", "properties": {
        "args": {"type": "array", "x-kubernetes-list-type": "set", "items": {"type": "string"}}
    }});
    let e = only(&check(schema, "args: [a, b, a]\n")).clone();
    assert_eq!(e.code, codes::DUPLICATE_ITEM);
    assert_eq!(e.message, "duplicate \"a\" in args, already at args[0]");
}

#[test]
fn bounds_lengths_and_patterns() {
    let schema = json!({"type": "object", "properties": {
        "port": {"type": "integer", "minimum": 1, "maximum": 65535},
        "weight": {"type": "number", "exclusiveMinimum": 0},
        "old": {"type": "number", "minimum": 0, "exclusiveMinimum": true},
        "name": {"type": "string", "minLength": 1, "maxLength": 5, "pattern": "^[a-z]+$"},
        "odd": {"type": "string", "pattern": "^(?=a)a$"},
        "list": {"type": "array", "minItems": 1, "maxItems": 2},
        "when": {"type": "string", "format": "date-time"}
    }});
    assert!(
        check(
            schema.clone(),
            "port: 1\nweight: 0.1\nname: abc\nodd: zzz\nlist: [1]\nwhen: 2024-01-01T00:00:00Z\n"
        )
        .is_empty()
    );
    let e = only(&check(schema.clone(), "port: 70000\n")).clone();
    assert_eq!(
        (e.code, e.message.as_str()),
        (
            codes::OUT_OF_RANGE,
            "70000 is too large: it must be at most 65535"
        )
    );
    let e = only(&check(schema.clone(), "port: 0\n")).clone();
    assert_eq!(e.message, "0 is too small: it must be at least 1");
    assert_eq!(
        only(&check(schema.clone(), "weight: 0\n")).message,
        "0 is too small: it must be greater than 0"
    );
    assert_eq!(
        only(&check(schema.clone(), "old: 0\n")).message,
        "0 is too small: it must be greater than 0"
    );
    let e = only(&check(schema.clone(), "name: abcdefg\n")).clone();
    assert_eq!(
        e.message,
        "\"abcdefg\" is too long (7 characters, at most 5 allowed)"
    );
    let e = only(&check(schema.clone(), "name: Ab\n")).clone();
    assert_eq!(e.code, codes::BAD_FORMAT);
    assert_eq!(e.help.as_deref(), Some("the value must match ^[a-z]+$"));
    assert_eq!(
        only(&check(schema.clone(), "name: \"\"\n")).code,
        codes::OUT_OF_RANGE
    );
    assert_eq!(
        only(&check(schema.clone(), "list: []\n")).message,
        "expected at least 1 item, found 0"
    );
    assert_eq!(
        only(&check(schema.clone(), "list: [1, 2, 3]\n")).message,
        "expected at most 2 items, found 3"
    );
    assert_eq!(
        only(&check(schema, "when: tomorrow\n")).code,
        codes::BAD_FORMAT
    );
}

#[test]
fn option_of_ref_reports_the_inner_error() {
    let schema = json!({"type": "object", "properties": {
        "worker": {"anyOf": [{"$ref": "#/$defs/Worker"}, {"type": "null"}]},
        "count": {"type": ["integer", "null"]}
    }, "$defs": {"Worker": {"type": "object", "additionalProperties": false, "required": ["group"], "properties": {
        "group": {"type": "string"}, "replicas": {"type": "integer"}
    }}}});
    assert!(check(schema.clone(), "worker: ~\ncount: ~\n").is_empty());
    assert!(check(schema.clone(), "worker:\n  group: a\ncount: 2\n").is_empty());
    let e = only(&check(
        schema.clone(),
        "worker:\n  group: a\n  replica: 2\n",
    ))
    .clone();
    assert_eq!(e.message, "unknown field \"replica\" in worker");
    assert_eq!(e.help.as_deref(), Some("did you mean \"replicas\"?"));
    let e = only(&check(schema.clone(), "worker: 3\n")).clone();
    assert_eq!(e.message, "expected a mapping, found an integer (3)");
    let e = only(&check(schema, "count: \"2\"\n")).clone();
    assert_eq!(e.message, "expected an integer, found a string (\"2\")");
}

#[test]
fn one_of_consts_is_an_enum() {
    let schema = json!({"type": "object", "properties": {"mode": {"$ref": "#/$defs/Mode"}},
    "$defs": {"Mode": {"oneOf": [
        {"type": "string", "const": "K8sJobMode", "description": "a"},
        {"type": "string", "const": "HTTPMode", "description": "b"}
    ]}}});
    assert!(check(schema.clone(), "mode: HTTPMode\n").is_empty());
    let e = only(&check(schema.clone(), "mode: k8sjobmode\n")).clone();
    assert_eq!(e.code, codes::BAD_ENUM);
    assert_eq!(
        e.help.as_deref(),
        Some("did you mean \"K8sJobMode\"? (allowed values: \"K8sJobMode\", \"HTTPMode\")")
    );
    assert_eq!(only(&check(schema, "mode: 3\n")).code, codes::WRONG_TYPE);
}

#[test]
fn tagged_unions_pick_the_branch_by_tag() {
    let schema = json!({"oneOf": [
        {"type": "object", "additionalProperties": false, "required": ["kind", "x"], "properties": {
            "kind": {"type": "string", "const": "A"}, "x": {"type": "integer"}}},
        {"type": "object", "additionalProperties": false, "required": ["kind", "z"], "properties": {
            "kind": {"type": "string", "const": "B"}, "z": {"type": "string"}}}
    ]});
    assert!(check(schema.clone(), "kind: B\nz: s\n").is_empty());
    let e = only(&check(schema.clone(), "kind: B\nz: 1\n")).clone();
    assert_eq!(e.message, "expected a string, found an integer (1)");
    assert_eq!(e.path, "z");
    let e = only(&check(schema.clone(), "kind: C\nx: 1\n")).clone();
    assert_eq!(e.code, codes::BAD_ENUM);
    assert_eq!(e.path, "kind");
    assert_eq!(e.pos, Pos { line: 1, col: 7 });
    assert_eq!(e.help.as_deref(), Some("allowed values: \"A\", \"B\""));
    // No tag: the closest branch is the one with fewest problems.
    let e = only(&check(schema, "x: 1\n")).clone();
    assert_eq!(e.message, "missing required field \"kind\"");
}

#[test]
fn externally_tagged_enums_suggest_the_variant() {
    let schema = json!({"oneOf": [
        {"type": "string", "enum": ["Unit"]},
        {"type": "object", "properties": {"New": {"type": "string"}}, "required": ["New"], "additionalProperties": false},
        {"type": "object", "properties": {"Tup": {"type": "array"}}, "required": ["Tup"], "additionalProperties": false}
    ]});
    assert!(check(schema.clone(), "Unit\n").is_empty());
    assert!(check(schema.clone(), "New: x\n").is_empty());
    let e = only(&check(schema.clone(), "Unti\n")).clone();
    assert_eq!(
        e.help.as_deref(),
        Some("did you mean \"Unit\"? (the only allowed value is \"Unit\")")
    );
    let e = only(&check(schema, "Nwe: x\n")).clone();
    assert_eq!(e.code, codes::UNKNOWN_FIELD);
    assert_eq!(e.help.as_deref(), Some("did you mean \"New\"?"));
}

#[test]
fn unevaluated_properties_see_flattened_branches() {
    // What schemars writes for `deny_unknown_fields` plus a flattened enum.
    let schema = json!({
        "type": "object",
        "properties": {"name": {"type": "string"}},
        "required": ["name"],
        "unevaluatedProperties": false,
        "oneOf": [
            {"type": "object", "properties": {"git": {"type": "string"}}, "required": ["git"]},
            {"type": "object", "properties": {"local": {"type": "string"}}, "required": ["local"]}
        ]
    });
    assert!(check(schema.clone(), "name: a\nlocal: ./x\n").is_empty());
    let e = only(&check(schema.clone(), "name: a\nlocal: ./x\nextra: 1\n")).clone();
    assert_eq!(e.code, codes::UNKNOWN_FIELD);
    assert_eq!(e.help.as_deref(), Some("valid fields here: name, local"));
    let e = only(&check(schema, "name: a\nlocl: ./x\n")).clone();
    assert_eq!(e.help.as_deref(), Some("did you mean \"local\"?"));
}

#[test]
fn all_of_merges_known_properties() {
    let schema = json!({"allOf": [
        {"type": "object", "properties": {"a": {"type": "string"}}},
        {"type": "object", "properties": {"b": {"type": "integer"}}}
    ]});
    assert!(check(schema.clone(), "a: x\nb: 1\n").is_empty());
    assert_eq!(
        only(&check(schema, "a: x\nc: 1\n")).code,
        codes::UNKNOWN_FIELD
    );
}

#[test]
fn tuples_check_each_position() {
    let schema = json!({"type": "array", "prefixItems": [{"type": "integer"}, {"type": "string"}]});
    assert!(check(schema.clone(), "[1, a]\n").is_empty());
    assert_eq!(only(&check(schema, "[1, 2]\n")).path, "[1]");
}

#[test]
fn false_schema_rejects_everything() {
    let schema = json!({"type": "object", "properties": {"never": false}});
    assert_eq!(only(&check(schema, "never: 1\n")).code, codes::WRONG_TYPE);
}

#[test]
fn reference_cycles_and_dangling_references_terminate() {
    let cycle = json!({"$ref": "#/$defs/A", "$defs": {"A": {"$ref": "#/$defs/B"}, "B": {"allOf": [{"$ref": "#/$defs/A"}]}}});
    assert!(check(cycle, "a: 1\n").is_empty());
    let any_cycle = json!({"anyOf": [{"$ref": "#"}, {"$ref": "#"}]});
    let _ = check(any_cycle, "a: 1\n");
    let dangling = json!({"type": "object", "properties": {"a": {"$ref": "#/$defs/Missing"}}});
    assert!(check(dangling, "a:\n  b: 1\n").is_empty());
}

#[test]
fn deep_input_does_not_overflow() {
    let schema = Schema::new(
        json!({"type": "object", "properties": {"a": {"$ref": "#"}, "b": {"type": "string"}}}),
    );
    let mut node = Node::new(Value::Map(Vec::new()), Pos::UNKNOWN);
    for _ in 0..2000 {
        node = Node::new(
            Value::Map(vec![crate::load::node::Entry {
                key: "a".into(),
                key_pos: Pos::UNKNOWN,
                value: node,
            }]),
            Pos::UNKNOWN,
        );
    }
    let handle = std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(move || validate(&node, &schema))
        .unwrap();
    let errors = handle.join().unwrap();
    assert_eq!(only(&errors).code, codes::BUDGET);
    assert_eq!(
        only(&errors).message,
        "values nested more than 256 levels deep were not checked"
    );
}

#[test]
fn visitor_sees_known_properties_with_normalised_paths() {
    let schema = Schema::new(json!({"type": "object", "properties": {
        "spec": {"type": "object", "properties": {
            "groups": {"type": "array", "items": {"type": "object", "properties": {
                "image": {"type": "string"},
                "params": {"type": "object", "additionalProperties": {"type": "object", "properties": {"v": {"type": "string"}}}}
            }}},
            "gone": {"type": "string"}
        }}
    }}));
    let node = yaml(
        "spec:\n  gone: x\n  groups:\n    - image: a\n      params:\n        k:\n          v: b\n    - image: c\n",
    );
    let mut seen = Vec::new();
    let errors = validate_with(&node, &schema, &mut |path: &str, entry: &Entry| {
        seen.push(path.to_owned());
        (entry.key == "gone").then(|| {
            SchemaError::new(
                codes::FIELD_VERSION,
                Pos::UNKNOWN,
                "",
                "field \"gone\" is not known to KubeRay v1.0.0",
            )
        })
    });
    assert_eq!(
        seen,
        [
            "spec",
            "spec.gone",
            "spec.groups",
            "spec.groups[].image",
            "spec.groups[].params",
            "spec.groups[].params{}.v",
            "spec.groups[].image"
        ]
    );
    let e = only(&errors);
    assert_eq!(
        (e.code, e.path.as_str(), e.pos),
        (codes::FIELD_VERSION, "spec.gone", Pos { line: 2, col: 3 })
    );
}

#[test]
fn visitor_is_not_called_for_rejected_branches() {
    let schema = Schema::new(json!({"anyOf": [
        {"type": "object", "additionalProperties": false, "properties": {"a": {"type": "string"}, "b": {"type": "string"}}},
        {"type": "object", "additionalProperties": false, "properties": {"a": {"type": "integer"}}}
    ]}));
    let mut seen = Vec::new();
    let errors = validate_with(
        &yaml("a: x\nb: z\n"),
        &schema,
        &mut |path: &str, _: &Entry| {
            seen.push(path.to_owned());
            None
        },
    );
    assert!(errors.is_empty(), "{errors:#?}");
    assert_eq!(seen, ["a", "b"]);
}

#[test]
fn errors_convert_to_diagnostics() {
    let e = only(&check(container_schema(), "restartPolicy: x\n")).clone();
    let d = e.into_diagnostic("job.yaml");
    assert_eq!(d.code, codes::BAD_ENUM);
    assert_eq!(d.file, "job.yaml");
    assert_eq!(d.path.as_deref(), Some("restartPolicy"));
    assert!(d.help.is_some());
}

#[test]
fn closures_coerce_without_annotations() {
    let schema = Schema::new(json!({"type": "object", "properties": {"a": {"type": "string"}}}));
    let mut count = 0;
    let errors = validate_with(&yaml("a: x\n"), &schema, &mut |_, _| {
        count += 1;
        None
    });
    assert!(errors.is_empty());
    assert_eq!(count, 1);
}

#[test]
fn legacy_int_or_string_format() {
    let schema = json!({"type": "object", "properties": {"p": {"type": "string", "format": "int-or-string"}}});
    assert!(check(schema.clone(), "p: 80\n").is_empty());
    assert!(check(schema.clone(), "p: http\n").is_empty());
    assert_eq!(only(&check(schema, "p: 0.5\n")).code, codes::WRONG_TYPE);
}

#[test]
fn a_wrong_tag_in_a_flattened_union_is_one_error() {
    let schema = json!({
        "type": "object",
        "properties": {"name": {"type": "string"}},
        "unevaluatedProperties": false,
        "oneOf": [
            {"type": "object", "properties": {"type": {"const": "git"}, "url": {"type": "string"}}, "required": ["type", "url"]},
            {"type": "object", "properties": {"type": {"const": "local"}, "path": {"type": "string"}}, "required": ["type", "path"]}
        ]
    });
    assert!(check(schema.clone(), "name: a\ntype: git\nurl: x\n").is_empty());
    let e = only(&check(schema, "name: a\ntype: gti\nurl: x\n")).clone();
    assert_eq!(e.code, codes::BAD_ENUM);
    assert_eq!(
        e.help.as_deref(),
        Some("did you mean \"git\"? (allowed values: \"git\", \"local\")")
    );
}

#[test]
fn nullable_wrapper_around_a_reference() {
    let schema = json!({"type": "array", "items": {"$ref": "#/$defs/S", "nullable": true}, "$defs": {"S": {"type": "string"}}});
    assert!(check(schema.clone(), "[a, ~]\n").is_empty());
    assert_eq!(only(&check(schema, "[1]\n")).code, codes::WRONG_TYPE);
}

#[test]
fn a_float_in_an_untagged_quantity_union_gets_the_quantity_help() {
    // rayc's spec: `cpu: 2` or `cpu: {request: 1, limit: 2}`.
    let schema = json!({"type": "object", "properties": {"cpu": {"$ref": "#/$defs/Resource"}}, "$defs": {
        "Resource": {"anyOf": [
            {"$ref": "#/$defs/io.k8s.apimachinery.pkg.api.resource.Quantity"},
            {"$ref": "#/$defs/ResourceSplit"}
        ]},
        "ResourceSplit": {"type": "object", "additionalProperties": false, "properties": {
            "request": {"anyOf": [{"$ref": "#/$defs/io.k8s.apimachinery.pkg.api.resource.Quantity"}, {"type": "null"}]},
            "limit": {"anyOf": [{"$ref": "#/$defs/io.k8s.apimachinery.pkg.api.resource.Quantity"}, {"type": "null"}]}
        }},
        "io.k8s.apimachinery.pkg.api.resource.Quantity": {"x-kubernetes-int-or-string": true}
    }});
    let mut schema = schema;
    mark_quantities(&mut schema);
    assert!(check(schema.clone(), "cpu: 2\n").is_empty());
    assert!(check(schema.clone(), "cpu:\n  request: 500m\n  limit: 1\n").is_empty());
    let e = only(&check(schema.clone(), "cpu: 0.5\n")).clone();
    assert_eq!(e.code, codes::BAD_QUANTITY);
    assert_eq!(
        e.help.as_deref(),
        Some("write \"500m\" (or \"0.5\" quoted)")
    );
    let e = only(&check(schema.clone(), "cpu:\n  limit: -1\n")).clone();
    assert_eq!(
        (e.code, e.path.as_str()),
        (codes::BAD_QUANTITY, "cpu.limit")
    );
    let e = only(&check(schema, "cpu:\n  limits: 1\n")).clone();
    assert_eq!(e.help.as_deref(), Some("did you mean \"limit\"?"));
}
