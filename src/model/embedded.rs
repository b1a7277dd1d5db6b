//! The JSON Schemas of the objects rayc validates, derived from the typed
//! models ahead of time and embedded as text: deriving them through schemars
//! costs more than the rest of a one-spec build. Each is read only when an
//! object of its kind is checked, and then only the definitions it uses are
//! parsed (`schema::Schema::lazy`). `tests/it/embedded_schemas.rs` proves
//! every file equal to what the models derive today (`RAYC_BLESS=1` rewrites
//! them).

use serde_json::Value;

use super::kuberay;

/// (apiVersion, kind, file under `src/model/schemas/`, text).
const FILES: [(&str, &str, &str, &str); 6] = [
    (
        kuberay::API_VERSION,
        "RayCluster",
        "RayCluster.json",
        include_str!("schemas/RayCluster.json"),
    ),
    (
        kuberay::API_VERSION,
        "RayJob",
        "RayJob.json",
        include_str!("schemas/RayJob.json"),
    ),
    (
        kuberay::API_VERSION,
        "RayService",
        "RayService.json",
        include_str!("schemas/RayService.json"),
    ),
    (
        kuberay::API_VERSION,
        "RayCronJob",
        "RayCronJob.json",
        include_str!("schemas/RayCronJob.json"),
    ),
    (
        "v1",
        "ConfigMap",
        "ConfigMap.json",
        include_str!("schemas/ConfigMap.json"),
    ),
    (
        "v1",
        "PersistentVolumeClaim",
        "PersistentVolumeClaim.json",
        include_str!("schemas/PersistentVolumeClaim.json"),
    ),
];

/// Every embedded schema: (apiVersion, kind, file name under `src/model/schemas/`).
pub fn files() -> impl Iterator<Item = (&'static str, &'static str, &'static str)> {
    FILES.iter().map(|(a, k, f, _)| (*a, *k, *f))
}

/// The embedded text of one kind's schema.
pub fn text(api_version: &str, kind: &str) -> Option<&'static str> {
    FILES
        .iter()
        .find(|(a, k, _, _)| *a == api_version && *k == kind)
        .map(|(_, _, _, text)| *text)
}

/// The embedded schema of one kind, parsed whole (the checks read it with
/// `Schema::lazy` instead).
pub fn schema(api_version: &str, kind: &str) -> Option<Value> {
    // The text is ours and checked by a test; a parse failure would be a
    // build defect, reported as "not checked" rather than a panic.
    serde_json::from_str(text(api_version, kind)?).ok()
}

/// What the models derive today for one kind, as the embedded file's text.
pub fn derive(api_version: &str, kind: &str) -> Option<String> {
    use k8s_openapi::api::core::v1::{ConfigMap, PersistentVolumeClaim};
    let value = match (api_version, kind) {
        (kuberay::API_VERSION, _) => kuberay::object_schema(kind)?,
        ("v1", "ConfigMap") => schemars::SchemaGenerator::default()
            .into_root_schema_for::<ConfigMap>()
            .to_value(),
        ("v1", "PersistentVolumeClaim") => schemars::SchemaGenerator::default()
            .into_root_schema_for::<PersistentVolumeClaim>()
            .to_value(),
        _ => return None,
    };
    let mut value = value;
    crate::schema::mark_quantities(&mut value);
    let mut text = serde_json::to_string_pretty(&value).ok()?;
    text.push('\n');
    Some(text)
}
