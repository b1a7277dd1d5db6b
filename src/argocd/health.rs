//! Argo CD health checks for the ray.io kinds. The Lua scripts live in
//! `deploy/argocd/resource_customizations/ray.io/<Kind>/health.lua`, laid out
//! like Argo CD's own resource_customizations with their tests and fixtures
//! (run in gopher-lua by tests/go/health), and are embedded here for
//! `rayc argocd health`.

use serde_json::{Map, Value, json};

/// `(kind, Lua source)` for every ray.io kind rayc emits, sorted by kind.
pub fn lua_checks() -> Vec<(&'static str, &'static str)> {
    vec![
        (
            "RayCluster",
            include_str!(
                "../../deploy/argocd/resource_customizations/ray.io/RayCluster/health.lua"
            ),
        ),
        (
            "RayCronJob",
            include_str!(
                "../../deploy/argocd/resource_customizations/ray.io/RayCronJob/health.lua"
            ),
        ),
        (
            "RayJob",
            include_str!("../../deploy/argocd/resource_customizations/ray.io/RayJob/health.lua"),
        ),
        (
            "RayService",
            include_str!(
                "../../deploy/argocd/resource_customizations/ray.io/RayService/health.lua"
            ),
        ),
    ]
}

/// The `argocd-cm` key Argo CD reads a kind's health script from
/// (`resource.customizations.health.<group>_<kind>`).
pub fn config_key(kind: &str) -> String {
    format!("resource.customizations.health.ray.io_{kind}")
}

/// The `argocd-cm` ConfigMap holding only the health keys: a strategic-merge
/// patch for Kustomize `patches:` or `kubectl patch --patch-file`. No
/// namespace, so it matches `argocd-cm` wherever Argo CD is installed.
pub fn argocd_cm_patch() -> Value {
    let data: Map<String, Value> = lua_checks()
        .into_iter()
        .map(|(kind, lua)| (config_key(kind), Value::String(lua.to_owned())))
        .collect();
    json!({
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "argocd-cm"},
        "data": data,
    })
}
