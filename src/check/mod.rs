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
use crate::model::kuberay;
use crate::model::project::Project;
use crate::model::spec::{API_VERSION, SPEC_KINDS, SpecDocument};
use crate::schema::{Schema, SchemaError, validate};

/// Checks `rayc.yaml` and returns the typed project.
pub fn project(doc: &Document) -> Result<Project, Vec<Diagnostic>> {
    static SCHEMA: OnceLock<Schema> = OnceLock::new();
    let schema = SCHEMA.get_or_init(|| Schema::new(schemas::project()));
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
        let mut root = schemas::spec();
        if let Some(defs) = root.get_mut("$defs").and_then(Value::as_object_mut) {
            for def in ["Group", "Head", "WorkerGroup"] {
                if let Some(props) = defs.get_mut(def).and_then(|d| d.get_mut("properties")) {
                    props["template"] = json!(true);
                }
            }
        }
        Schema::new(root)
    })
}

/// A partial schema of one definition of the KubeRay model: every field
/// optional, because a fragment is merged over what rayc generates.
fn partial(kind: &str, def: &str) -> Option<Schema> {
    let mut root = kuberay::object_schema(kind)?;
    strip_required(&mut root);
    let defs = root.get("$defs")?.clone();
    defs.get(def)?;
    Some(Schema::new(
        json!({"$ref": format!("#/$defs/{def}"), "$defs": defs}),
    ))
}

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

/// Partial schemas of the pass-through targets, built once.
struct Fragments {
    pod_template: Schema,
    volume: Schema,
    autoscaler: Schema,
    kind_specs: Vec<(&'static str, Schema)>,
}

fn fragments() -> Option<&'static Fragments> {
    static F: OnceLock<Option<Fragments>> = OnceLock::new();
    F.get_or_init(|| {
        Some(Fragments {
            pod_template: partial("RayCluster", "PodTemplate")?,
            volume: partial("RayCluster", "io.k8s.api.core.v1.Volume")?,
            autoscaler: partial("RayCluster", "AutoscalerOptions")?,
            kind_specs: [
                ("RayCluster", "RayClusterSpec"),
                ("RayJob", "RayJobSpec"),
                ("RayService", "RayServiceSpec"),
                ("RayCronJob", "RayCronJobSpec"),
            ]
            .into_iter()
            .filter_map(|(kind, def)| partial(kind, def).map(|s| (kind, s)))
            .collect(),
        })
    })
    .as_ref()
}

/// Checks `template`, `kuberay`, volume `source` and autoscaling `options`.
fn check_fragments(doc: &Document, kind: &str, spec: &Node) -> Vec<Diagnostic> {
    let Some(f) = fragments() else {
        return Vec::new();
    };
    let mut diags = Vec::new();
    let mut check = |node: Option<&Node>, path: String, schema: &Schema| {
        if let Some(node) = node.filter(|n| !n.is_null()) {
            diags.extend(errors(doc, &path, validate(node, schema)));
        }
    };
    for group in ["groupDefaults", "workerDefaults", "head"] {
        check(
            spec.get(group).and_then(|g| g.get("template")),
            format!("spec.{group}.template"),
            &f.pod_template,
        );
    }
    if let Some(NodeValue::Seq(workers)) = spec.get("workers").map(|w| &w.value) {
        for (i, w) in workers.iter().enumerate() {
            check(
                w.get("template"),
                format!("spec.workers[{i}].template"),
                &f.pod_template,
            );
        }
    }
    if let Some(NodeValue::Seq(volumes)) = spec.get("volumes").map(|w| &w.value) {
        for (i, v) in volumes.iter().enumerate() {
            check(
                v.get("source"),
                format!("spec.volumes[{i}].source"),
                &f.volume,
            );
        }
    }
    check(
        spec.get("autoscaling").and_then(|a| a.get("options")),
        "spec.autoscaling.options".to_owned(),
        &f.autoscaler,
    );
    if let Some((_, schema)) = f.kind_specs.iter().find(|(k, _)| *k == kind) {
        check(spec.get("kuberay"), "spec.kuberay".to_owned(), schema);
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
