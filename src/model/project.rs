//! The project file `rayc.yaml`: where specs live, project defaults, output,
//! target KubeRay version, environments and policies.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::spec::{Fragment, OverlayUse};

pub const FILE_NAME: &str = "rayc.yaml";
pub const KIND: &str = "Project";
pub const DEFAULT_OUTPUT: &str = "rendered";
pub const DEFAULT_OVERLAY_DIR: &str = "overlays";

/// `rayc.yaml`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Project {
    /// Always `rayc.dev/v1alpha1`.
    pub api_version: String,
    /// Always `Project`.
    pub kind: String,
    /// Project name: the `app.kubernetes.io/part-of` label of every object.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Globs (relative to this file) of the spec files. Default: every `*.yaml`
    /// and `*.yml` below this folder outside `output` and `overlays/`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub specs: Vec<String>,
    /// Folder `rayc build` writes to (default `rendered`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output: Option<String>,
    /// Target KubeRay operator version, `v1.0` … `v1.7` (default: newest).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kuberay_version: Option<String>,
    /// Feature gates of the KubeRay operator you run, as its
    /// `--feature-gates` sets them (`RayCronJob: true`); the others keep the
    /// target version's defaults. Checks follow them (RAY940, RAY941).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub feature_gates: BTreeMap<String, bool>,
    /// Defaults every spec starts from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub defaults: Option<Defaults>,
    /// Rule codes silenced for the whole project.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ignore: Vec<String>,
    /// GitOps policies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gitops: Option<GitOps>,
    /// Named environments (dev, staging, prod, ...).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub environments: BTreeMap<String, Environment>,
    /// Variables templates may use as `{{ vars.name }}`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub vars: BTreeMap<String, serde_json::Value>,
    /// Process environment variables templates may read (`{{ env_var.NAME }}`);
    /// nothing else from the process environment is visible.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allow_env: Vec<String>,
    /// Folders (relative to this file) holding the team's own overlays. Default `overlays`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub overlay_dirs: Vec<String>,
    /// Hidden files or folders (a name starting with `.`, such as `.env`) that
    /// `code.files` may ship, as paths relative to this file. Others are
    /// refused, and `.git/` is never shipped.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allow_hidden_code: Vec<String>,
}

/// Project-wide defaults, applied before each spec.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Defaults {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
    /// A partial spec (`image`, `rayVersion`, `groupDefaults`, ...) every spec starts from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spec: Option<Fragment>,
}

/// How the project is synced to clusters.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct GitOps {
    /// `argocd`, `flux` or `none` (default `none`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool: Option<GitOpsTool>,
    /// Leave `replicas` out of autoscaled worker groups so the GitOps tool and
    /// the autoscaler stop fighting (default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub omit_autoscaled_replicas: Option<bool>,
    /// How a RayJob reacts to a spec change: `hash-name` appends a hash of the
    /// spec to the name so a change creates a new job; `hook` makes it an Argo
    /// CD Sync hook recreated on every sync (Argo CD only); `replace` deletes
    /// and recreates it (Argo CD `Replace=true,Force=true`, Flux `force:
    /// Enabled`); `none` keeps the name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ray_job_update: Option<RayJobUpdate>,
    /// Argo CD sync wave per kind (`PersistentVolumeClaim`, `ConfigMap`,
    /// `RayCluster`, `RayService`, `RayJob`, `RayCronJob`); kinds left out keep
    /// wave 0. Default: claims and ConfigMaps -1, clusters and services 0,
    /// jobs 1. `{}` turns waves off. An object's own annotation wins.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sync_waves: Option<BTreeMap<String, i32>>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum GitOpsTool {
    Argocd,
    Flux,
    None,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum RayJobUpdate {
    HashName,
    Hook,
    Replace,
    None,
}

/// One environment: differences applied after the spec and its overlays.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Environment {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// Variables, overriding the project's.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub vars: BTreeMap<String, serde_json::Value>,
    /// Registry prefix replacing the registry of every image.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_registry: Option<String>,
    /// Replicas per worker group name (every spec).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub replicas: BTreeMap<String, i32>,
    /// Overlays added to every spec in this environment.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub overlays: Vec<OverlayUse>,
    /// Overlays switched off in this environment (by name).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub disable_overlays: Vec<String>,
    /// A partial spec merged into every spec of this environment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub patch: Option<Fragment>,
    /// JSON Patches (RFC 6902) on emitted objects.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub json_patches: Vec<JsonPatchTarget>,
}

/// An RFC 6902 JSON Patch with the objects it applies to.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct JsonPatchTarget {
    /// Which objects: `kind` and/or `name` (exact), empty matches all.
    #[serde(default)]
    pub target: PatchSelector,
    /// The RFC 6902 operations.
    pub patch: Vec<serde_json::Value>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PatchSelector {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

impl Project {
    /// Whether `replicas` is left out of autoscaled worker groups:
    /// `gitops.omitAutoscaledReplicas`, by default true under Argo CD or Flux.
    pub fn omits_autoscaled_replicas(&self) -> bool {
        self.gitops
            .as_ref()
            .and_then(|g| {
                g.omit_autoscaled_replicas
                    .or(g.tool.map(|t| t != GitOpsTool::None))
            })
            .unwrap_or(false)
    }
}
