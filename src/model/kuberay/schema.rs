//! JSON Schemas of the top-level kinds, shaped for a structural validator:
//! objects are closed (strict field validation), int-or-string types accept
//! exactly integers and strings, and embedded metadata is the reduced form
//! the CRDs declare.

use schemars::JsonSchema;
use schemars::generate::SchemaSettings;
use serde_json::{Map, Value, json};

use super::{EmbeddedObjectMeta, RayCluster, RayCronJob, RayJob, RayService};

pub use crate::model::quantity::QUANTITY_PATTERN;
use crate::schema::{K8S_QUANTITY_DEF as QUANTITY_DEF, QUANTITY_FORMAT};
const INT_OR_STRING_DEF: &str = "io.k8s.apimachinery.pkg.util.intstr.IntOrString";
/// Ephemeral volumes embed a PVC template whose metadata the CRDs reduce too.
const PVC_TEMPLATE_DEF: &str = "io.k8s.api.core.v1.PersistentVolumeClaimTemplate";
/// Label-key-like names (condition types, port status errors).
const QUALIFIED_NAME_PATTERN: &str = r"^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$";
const CONDITION_REASON_PATTERN: &str = r"^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$";

/// Validation markers of Kubernetes' Go types (`+default`, `+kubebuilder:validation:*`)
/// that controller-gen writes into the CRDs but k8s-openapi's schemas, built
/// from the API server's OpenAPI document, leave out: (type, property, keyword, value).
/// A property that gains a default stops being required.
#[rustfmt::skip]
fn kubernetes_markers() -> Vec<(&'static str, &'static str, &'static str, Value)> {
    vec![
        ("ConfigMapKeySelector",  "name",               "default",   json!("")),
        ("SecretKeySelector",     "name",               "default",   json!("")),
        ("ConfigMapEnvSource",    "name",               "default",   json!("")),
        ("SecretEnvSource",       "name",               "default",   json!("")),
        ("LocalObjectReference",  "name",               "default",   json!("")),
        ("ConfigMapVolumeSource", "name",               "default",   json!("")),
        ("ConfigMapProjection",   "name",               "default",   json!("")),
        ("SecretProjection",      "name",               "default",   json!("")),
        ("FileKeySelector",       "optional",           "default",   json!(false)),
        ("GRPCAction",            "service",            "default",   json!("")),
        ("ContainerPort",         "protocol",           "default",   json!("TCP")),
        ("ServicePort",           "protocol",           "default",   json!("TCP")),
        ("ScaleIOVolumeSource",   "storageMode",        "default",   json!("ThinProvisioned")),
        ("ScaleIOVolumeSource",   "fsType",             "default",   json!("xfs")),
        ("RBDVolumeSource",       "user",               "default",   json!("admin")),
        ("RBDVolumeSource",       "pool",               "default",   json!("rbd")),
        ("RBDVolumeSource",       "keyring",            "default",   json!("/etc/ceph/keyring")),
        ("ISCSIVolumeSource",     "iscsiInterface",     "default",   json!("default")),
        ("AzureDiskVolumeSource", "readOnly",           "default",   json!(false)),
        ("AzureDiskVolumeSource", "fsType",             "default",   json!("ext4")),
        ("PortStatus",            "error",              "maxLength", json!(316)),
        ("PortStatus",            "error",              "pattern",   json!(QUALIFIED_NAME_PATTERN)),
        ("Condition",             "status",             "enum",      json!(["True", "False", "Unknown"])),
        ("Condition",             "message",            "maxLength", json!(32768)),
        ("Condition",             "observedGeneration", "minimum",   json!(0)),
        ("Condition",             "reason",             "minLength", json!(1)),
        ("Condition",             "reason",             "maxLength", json!(1024)),
        ("Condition",             "reason",             "pattern",   json!(CONDITION_REASON_PATTERN)),
        ("Condition",             "type",               "maxLength", json!(316)),
        ("Condition",             "type",               "pattern",   json!(QUALIFIED_NAME_PATTERN)),
    ]
}

/// Properties the Go types require that k8s-openapi leaves optional.
const KUBERNETES_REQUIRED: [(&str, &str); 1] = [("PortStatus", "error")];

/// The `$defs` key of a Kubernetes type named by its short name.
fn kubernetes_def(short: &str) -> String {
    match short {
        "Condition" => format!("io.k8s.apimachinery.pkg.apis.meta.v1.{short}"),
        _ => format!("io.k8s.api.core.v1.{short}"),
    }
}

/// The full JSON Schema (draft 2020-12, with `$defs`) of one top-level kind,
/// or `None` for a kind not in [`super::KINDS`].
///
/// Optional fields do not admit `null`: the API server drops nulls before it
/// validates, and a validator should do the same.
pub fn object_schema(kind: &str) -> Option<Value> {
    let schema = match kind {
        "RayCluster" => generate::<RayCluster>(),
        "RayJob" => generate::<RayJob>(),
        "RayService" => generate::<RayService>(),
        "RayCronJob" => generate::<RayCronJob>(),
        _ => return None,
    };
    let mut value = schema;
    drop_null_alternatives(&mut value);
    shape_for_kubernetes(&mut value);
    Some(value)
}

fn generate<T: JsonSchema>() -> Value {
    let mut generator = SchemaSettings::draft2020_12().into_generator();
    // The reduced metadata must be in `$defs` even if only the PVC template used it.
    let _ = generator.subschema_for::<EmbeddedObjectMeta>();
    generator.into_root_schema_for::<T>().to_value()
}

fn shape_for_kubernetes(root: &mut Value) {
    let Some(defs) = root.get_mut("$defs").and_then(Value::as_object_mut) else {
        return;
    };
    if let Some(quantity) = defs.get_mut(QUANTITY_DEF) {
        *quantity = int_or_string(quantity, Some(QUANTITY_PATTERN));
        if let Value::Object(q) = quantity {
            q.insert("format".into(), QUANTITY_FORMAT.into());
        }
    }
    if let Some(int_or_str) = defs.get_mut(INT_OR_STRING_DEF) {
        *int_or_str = int_or_string(int_or_str, None);
    }
    let embedded_meta_ref = format!("#/$defs/{}", EmbeddedObjectMeta::schema_name());
    if let Some(meta) = defs
        .get_mut(PVC_TEMPLATE_DEF)
        .and_then(|t| t.pointer_mut("/properties/metadata"))
    {
        let mut replacement = Map::new();
        if let Some(description) = meta.get("description") {
            replacement.insert("description".into(), description.clone());
        }
        replacement.insert("$ref".into(), Value::String(embedded_meta_ref));
        *meta = Value::Object(replacement);
    }
    for (short, property, keyword, value) in kubernetes_markers() {
        if let Some(Value::Object(schema)) = defs
            .get_mut(&kubernetes_def(short))
            .and_then(|def| def.get_mut("properties"))
            .and_then(|props| props.get_mut(property))
        {
            schema.insert(keyword.into(), value);
        }
    }
    for (short, property) in KUBERNETES_REQUIRED {
        if let Some(Value::Object(def)) = defs.get_mut(&kubernetes_def(short)) {
            let required = def.entry("required").or_insert_with(|| json!([]));
            if let Some(list) = required.as_array_mut()
                && !list.iter().any(|p| p == property)
            {
                list.push(Value::String(property.into()));
            }
        }
    }
    for def in defs.values_mut() {
        drop_defaulted_from_required(def);
    }
    close_objects(root);
}

/// The API server fills in defaults before it validates, so a property with
/// a default is never missing.
fn drop_defaulted_from_required(schema: &mut Value) {
    let Some(object) = schema.as_object_mut() else {
        return;
    };
    let defaulted: Vec<String> = object
        .get("properties")
        .and_then(Value::as_object)
        .map(|props| {
            props
                .iter()
                .filter(|(_, p)| p.get("default").is_some())
                .map(|(name, _)| name.clone())
                .collect()
        })
        .unwrap_or_default();
    if let Some(Value::Array(required)) = object.get_mut("required") {
        required.retain(|name| !defaulted.iter().any(|d| name == d.as_str()));
        if required.is_empty() {
            object.remove("required");
        }
    }
}

/// The shape the CRDs give int-or-string fields: an integer or a string
/// (never a float), strings optionally matching `pattern`.
fn int_or_string(old: &Value, pattern: Option<&str>) -> Value {
    let mut schema = Map::new();
    if let Some(description) = old.get("description") {
        schema.insert("description".into(), description.clone());
    }
    schema.insert(
        "anyOf".into(),
        json!([{ "type": "integer" }, { "type": "string" }]),
    );
    if let Some(pattern) = pattern {
        schema.insert("pattern".into(), Value::String(pattern.into()));
    }
    schema.insert("x-kubernetes-int-or-string".into(), Value::Bool(true));
    Value::Object(schema)
}

/// Strict field validation rejects fields a schema does not list, so every
/// object schema with `properties` gets `additionalProperties: false`.
fn close_objects(schema: &mut Value) {
    if let Value::Object(map) = schema
        && map.contains_key("properties")
        && !map.contains_key("additionalProperties")
    {
        map.insert("additionalProperties".into(), Value::Bool(false));
    }
    for_each_subschema(schema, close_objects);
}

/// Calls `f` on every direct subschema (not on data such as enum values or
/// defaults, nor on property names).
fn for_each_subschema(schema: &mut Value, f: fn(&mut Value)) {
    let Value::Object(map) = schema else {
        return;
    };
    for (key, child) in map.iter_mut() {
        match key.as_str() {
            "properties" | "$defs" | "patternProperties" => {
                if let Value::Object(children) = child {
                    children.values_mut().for_each(f);
                }
            }
            "anyOf" | "allOf" | "oneOf" | "prefixItems" => {
                if let Value::Array(children) = child {
                    children.iter_mut().for_each(f);
                }
            }
            "items" | "additionalProperties" | "not" => f(child),
            _ => {}
        }
    }
}

/// schemars lets every `Option` field be `null`; the CRDs do not say so (the
/// API server drops nulls before validating), and neither do k8s-openapi's
/// schemas, so the `null` alternatives go.
fn drop_null_alternatives(schema: &mut Value) {
    let Value::Object(map) = schema else {
        return;
    };
    if let Some(Value::Array(types)) = map.get_mut("type") {
        types.retain(|t| t != "null");
        if types.len() == 1 {
            let only = types.remove(0);
            map.insert("type".into(), only);
        }
    }
    if let Some(Value::Array(values)) = map.get_mut("enum") {
        values.retain(|v| !v.is_null());
    }
    let single_branch = match map.get("anyOf") {
        Some(Value::Array(branches)) if branches.len() == 2 => {
            let mut rest = branches.iter().filter(|b| !is_null_schema(b));
            match (rest.next(), rest.next()) {
                (Some(Value::Object(only)), None) => Some(only.clone()),
                _ => None,
            }
        }
        _ => None,
    };
    if let Some(only) = single_branch {
        map.remove("anyOf");
        for (key, child) in only {
            map.entry(key).or_insert(child);
        }
    }
    for_each_subschema(schema, drop_null_alternatives);
}

fn is_null_schema(schema: &Value) -> bool {
    schema.get("type").and_then(Value::as_str) == Some("null")
}
