//! Phase 3, `check`: spec documents and `rayc.yaml` against the schemas derived
//! from their types (strictly, with did-you-mean, at the offending line), the
//! typed pass-through fragments against the KubeRay model, then into typed values.

pub mod schemas;

use std::sync::OnceLock;

use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::diag::{Diagnostic, codes};
use crate::load::Document;
use crate::load::node::{Node, Value as NodeValue};
use crate::model::project::Project;
use crate::model::spec::{API_VERSION, SPEC_KINDS, SpecDocument};
use crate::model::{embedded, kuberay};
use crate::schema::{Edit, Schema, SchemaError, validate, validate_at};

/// Checks `rayc.yaml` and returns the typed project.
pub fn project(doc: &Document) -> Result<Project, Vec<Diagnostic>> {
    static SCHEMA: OnceLock<Schema> = OnceLock::new();
    let schema = SCHEMA.get_or_init(|| {
        Schema::lazy(schemas::PROJECT_TEXT, None).unwrap_or_else(|| Schema::new(schemas::project()))
    });
    let mut diags = header(doc, "Project");
    diags.extend(errors(doc, "", validate(&doc.node, schema)));
    if diags.is_empty() {
        typed(doc)
    } else {
        Err(diags)
    }
}

/// Checks one (resolved) spec document and returns it typed.
pub fn spec(doc: &Document) -> Result<SpecDocument, Vec<Diagnostic>> {
    let mut diags = header(doc, "");
    if !diags.is_empty() {
        return Err(diags);
    }
    diags.extend(errors(doc, "", validate(&doc.node, spec_schema())));
    let kind = doc.kind().unwrap_or_default();
    if let Some(spec) = doc.node.get("spec") {
        diags.extend(check_fragments(doc, kind, spec));
    }
    if diags.is_empty() {
        typed(doc)
    } else {
        Err(diags)
    }
}

/// `apiVersion` and `kind` first: nothing else makes sense without them.
fn header(doc: &Document, want_kind: &str) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    if doc.api_version() != Some(API_VERSION) {
        let pos = doc.node.get("apiVersion").map_or(doc.node.pos, |n| n.pos);
        diags.push(
            Diagnostic::error(
                codes::UNKNOWN_KIND,
                &doc.file,
                pos,
                format!(
                    "apiVersion must be {API_VERSION}, found {:?}",
                    doc.api_version().unwrap_or("nothing")
                ),
            )
            .with_help(format!("set `apiVersion: {API_VERSION}`")),
        );
    }
    let kind = doc.kind();
    let ok = if want_kind.is_empty() {
        kind.is_some_and(|k| SPEC_KINDS.contains(&k))
    } else {
        kind == Some(want_kind)
    };
    if !ok {
        let pos = doc.node.get("kind").map_or(doc.node.pos, |n| n.pos);
        let expected = if want_kind.is_empty() {
            SPEC_KINDS.join(", ")
        } else {
            want_kind.to_owned()
        };
        diags.push(
            Diagnostic::error(
                codes::UNKNOWN_KIND,
                &doc.file,
                pos,
                format!("unknown kind {:?} here", kind.unwrap_or("(missing)")),
            )
            .with_help(format!("use `kind:` {expected}")),
        );
    }
    diags
}

/// The spec schema with the typed pass-through fields opened up: they are
/// checked one by one against the KubeRay model by [`check_fragments`].
fn spec_schema() -> &'static Schema {
    static SCHEMA: OnceLock<Schema> = OnceLock::new();
    SCHEMA.get_or_init(|| {
        Schema::lazy(schemas::SPEC_TEXT, Some(OPEN_TEMPLATES)).unwrap_or_else(|| {
            let mut root = schemas::spec();
            if let Some(defs) = root.get_mut("$defs").and_then(Value::as_object_mut) {
                for (name, def) in defs.iter_mut() {
                    open_templates(Some(name), def);
                }
            }
            Schema::new(root)
        })
    })
}

const OPEN_TEMPLATES: Edit = Edit {
    name: "open-templates",
    apply: open_templates,
};

/// `template: true` in the groups' definitions.
fn open_templates(def: Option<&str>, value: &mut Value) {
    if let Some("Group" | "Head" | "WorkerGroup") = def
        && let Some(props) = value.get_mut("properties")
    {
        props["template"] = json!(true);
    }
}

/// The partial schema of one KubeRay kind: every field optional, because a
/// fragment is merged over what rayc generates. Read from the embedded
/// schema the first time a spec has a fragment of that kind.
fn partial(kind: &str) -> Option<&'static Schema> {
    static PARTIAL: [OnceLock<Option<Schema>>; 4] = [const { OnceLock::new() }; 4];
    let index = kuberay::KINDS.iter().position(|k| *k == kind)?;
    PARTIAL[index]
        .get_or_init(|| Schema::lazy(embedded::text(kuberay::API_VERSION, kind)?, Some(OPTIONAL)))
        .as_ref()
}

const OPTIONAL: Edit = Edit {
    name: "optional",
    apply: |_, value| strip_required(value),
};

fn strip_required(v: &mut Value) {
    match v {
        Value::Object(map) => {
            map.remove("required");
            map.values_mut().for_each(strip_required);
        }
        Value::Array(items) => items.iter_mut().for_each(strip_required),
        _ => {}
    }
}

/// Where each pass-through fragment is checked: (kind, definition).
const POD_TEMPLATE: (&str, &str) = ("RayCluster", "PodTemplate");
const VOLUME: (&str, &str) = ("RayCluster", "io.k8s.api.core.v1.Volume");
const AUTOSCALER: (&str, &str) = ("RayCluster", "AutoscalerOptions");
const KIND_SPECS: [(&str, &str); 4] = [
    ("RayCluster", "RayClusterSpec"),
    ("RayJob", "RayJobSpec"),
    ("RayService", "RayServiceSpec"),
    ("RayCronJob", "RayCronJobSpec"),
];

/// Checks `template`, `kuberay`, volume `source` and autoscaling `options`.
fn check_fragments(doc: &Document, kind: &str, spec: &Node) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    let mut check = |node: Option<&Node>, path: String, (kind, def): (&str, &str)| {
        let Some(node) = node.filter(|n| !n.is_null()) else {
            return;
        };
        let found =
            partial(kind).and_then(|schema| validate_at(node, schema, &format!("#/$defs/{def}")));
        diags.extend(errors(doc, &path, found.unwrap_or_default()));
    };
    for group in ["groupDefaults", "workerDefaults", "head"] {
        check(
            spec.get(group).and_then(|g| g.get("template")),
            format!("spec.{group}.template"),
            POD_TEMPLATE,
        );
    }
    if let Some(NodeValue::Seq(workers)) = spec.get("workers").map(|w| &w.value) {
        for (i, w) in workers.iter().enumerate() {
            check(
                w.get("template"),
                format!("spec.workers[{i}].template"),
                POD_TEMPLATE,
            );
        }
    }
    if let Some(NodeValue::Seq(volumes)) = spec.get("volumes").map(|w| &w.value) {
        for (i, v) in volumes.iter().enumerate() {
            check(v.get("source"), format!("spec.volumes[{i}].source"), VOLUME);
        }
    }
    check(
        spec.get("autoscaling").and_then(|a| a.get("options")),
        "spec.autoscaling.options".to_owned(),
        AUTOSCALER,
    );
    if let Some(target) = KIND_SPECS.iter().find(|(k, _)| *k == kind) {
        check(spec.get("kuberay"), "spec.kuberay".to_owned(), *target);
    }
    diags
}

/// Schema errors as diagnostics of `doc`, their paths below `prefix`.
fn errors(doc: &Document, prefix: &str, errors: Vec<SchemaError>) -> Vec<Diagnostic> {
    let kind = doc.kind().unwrap_or_default().to_owned();
    let name = doc.name().unwrap_or_default().to_owned();
    errors
        .into_iter()
        .map(|mut e| {
            if !prefix.is_empty() {
                e.path = if e.path.is_empty() {
                    prefix.to_owned()
                } else if e.path.starts_with('[') {
                    format!("{prefix}{}", e.path)
                } else {
                    format!("{prefix}.{}", e.path)
                };
            }
            e.into_diagnostic(&doc.file)
                .with_object(kind.clone(), name.clone())
        })
        .collect()
}

/// Deserialises a checked document into its typed form.
fn typed<T: DeserializeOwned>(doc: &Document) -> Result<T, Vec<Diagnostic>> {
    serde_json::from_value(doc.node.to_json()).map_err(|e| {
        vec![
            Diagnostic::error(codes::WRONG_TYPE, &doc.file, doc.node.pos, e.to_string())
                .with_help("see docs/spec.md for the format"),
        ]
    })
}
