//! Flux: the `Kustomization` per environment (`rayc flux`) with health
//! expressions for the ray.io kinds, and the annotation the `replace` RayJob
//! update policy needs. The compiler phases know nothing of Flux.

pub mod health;
pub mod kustomization;

use serde_json::Value;

use crate::model::project::RayJobUpdate;

pub const FORCE: &str = "kustomize.toolkit.fluxcd.io/force";

/// Adds what the RayJob update policy needs under Flux. `hook` has no Flux
/// equivalent; the pipeline refuses it before lowering.
pub fn annotate(object: &mut Value, update: Option<RayJobUpdate>) {
    if update != Some(RayJobUpdate::Replace) || object["kind"] != "RayJob" {
        return;
    }
    let Some(metadata) = object.get_mut("metadata").and_then(Value::as_object_mut) else {
        return;
    };
    if let Some(annotations) = metadata
        .entry("annotations")
        .or_insert_with(|| Value::Object(Default::default()))
        .as_object_mut()
    {
        annotations
            .entry(FORCE)
            .or_insert_with(|| Value::String("Enabled".to_owned()));
    }
}
