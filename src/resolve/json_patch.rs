//! The escape hatch: RFC 6902 JSON Patches from an environment's `jsonPatches`,
//! applied to the emitted Kubernetes objects (after `lower`, before `validate`).
//!
//! Pure: objects in, objects out. Knows nothing of specs or overlays.

use serde_json::Value as Json;

use crate::diag::{Diagnostic, codes};
use crate::load::node::Pos;
use crate::model::project::{FILE_NAME as PROJECT_FILE, JsonPatchTarget, PatchSelector};

/// Applies each patch, in order, to every object its target selects. A patch
/// is atomic per object. A patch that selects nothing, is not RFC 6902, or
/// fails (bad path, failed `test`) is an error naming the patch and the object.
pub fn apply_json_patches(
    objects: &mut [Json],
    patches: &[JsonPatchTarget],
) -> Result<(), Diagnostic> {
    for (index, target) in patches.iter().enumerate() {
        let path = format!("jsonPatches[{index}]");
        let selector = describe_selector(&target.target);
        let ops: json_patch::Patch = serde_json::from_value(Json::Array(target.patch.clone())).map_err(|e| {
            Diagnostic::error(
                codes::PROJECT,
                PROJECT_FILE,
                Pos::UNKNOWN,
                format!("JSON patch #{index} ({selector}) is not a valid RFC 6902 patch: {e}"),
            )
            .with_path(format!("{path}.patch"))
            .with_help("each operation is `{op: add|remove|replace|move|copy|test, path: /a/b, value: ...}`")
        })?;
        let mut matched = 0;
        for object in objects.iter_mut() {
            if !selects(&target.target, object) {
                continue;
            }
            matched += 1;
            let (kind, name) = identity(object);
            if let Err(e) = json_patch::patch(object, &ops) {
                let op = target
                    .patch
                    .get(e.operation)
                    .and_then(|op| op.get("op"))
                    .and_then(Json::as_str)
                    .unwrap_or("?");
                return Err(Diagnostic::error(
                    codes::PROJECT,
                    PROJECT_FILE,
                    Pos::UNKNOWN,
                    format!(
                        "JSON patch #{index} ({selector}) failed on {kind}/{name}: operation {} (`{op} {}`): {}",
                        e.operation, e.path, e.kind
                    ),
                )
                .with_path(format!("{path}.patch[{}]", e.operation))
                .with_object(kind, name)
                .with_help("paths are JSON Pointers into the emitted object (`rayc build --stdout` shows it); `add` needs the parent to exist"));
            }
            if let Some(field) = lost_identity(object) {
                return Err(Diagnostic::error(
                    codes::PROJECT,
                    PROJECT_FILE,
                    Pos::UNKNOWN,
                    format!(
                        "JSON patch #{index} ({selector}) leaves {kind}/{name} without a string `{field}`; no Kubernetes object can be applied without it"
                    ),
                )
                .with_path(format!("{path}.patch"))
                .with_object(kind, name)
                .with_help("patch fields below `metadata`, never `metadata`, `apiVersion` or `kind` themselves"));
            }
        }
        if matched == 0 {
            return Err(Diagnostic::error(
                codes::PROJECT,
                PROJECT_FILE,
                Pos::UNKNOWN,
                format!("JSON patch #{index} ({selector}) matches no emitted object"),
            )
            .with_path(format!("{path}.target"))
            .with_help("`target.kind` and `target.name` must equal an emitted object's kind and name exactly"));
        }
    }
    Ok(())
}

/// Whether `selector` picks `object`: every field it sets must match exactly.
pub fn selects(selector: &PatchSelector, object: &Json) -> bool {
    let kind_ok = selector
        .kind
        .as_deref()
        .is_none_or(|k| object.get("kind").and_then(Json::as_str) == Some(k));
    let name_ok = selector.name.as_deref().is_none_or(|n| {
        object
            .get("metadata")
            .and_then(|m| m.get("name"))
            .and_then(Json::as_str)
            == Some(n)
    });
    kind_ok && name_ok
}

/// The first identity field a patched object no longer has as a non-empty string.
fn lost_identity(object: &Json) -> Option<&'static str> {
    let text = |v: Option<&Json>| v.and_then(Json::as_str).is_some_and(|s| !s.is_empty());
    let metadata = object.get("metadata");
    [
        ("apiVersion", object.get("apiVersion")),
        ("kind", object.get("kind")),
        ("metadata.name", metadata.and_then(|m| m.get("name"))),
    ]
    .into_iter()
    .find(|(_, v)| !text(*v))
    .map(|(field, _)| field)
}

fn identity(object: &Json) -> (String, String) {
    let kind = object
        .get("kind")
        .and_then(Json::as_str)
        .unwrap_or("?")
        .to_owned();
    let name = object
        .get("metadata")
        .and_then(|m| m.get("name"))
        .and_then(Json::as_str)
        .unwrap_or("?")
        .to_owned();
    (kind, name)
}

fn describe_selector(s: &PatchSelector) -> String {
    match (&s.kind, &s.name) {
        (Some(k), Some(n)) => format!("target {k}/{n}"),
        (Some(k), None) => format!("target kind {k}"),
        (None, Some(n)) => format!("target name {n}"),
        (None, None) => "every object".to_owned(),
    }
}
