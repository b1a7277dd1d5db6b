//! The rayc spec format (`rayc.dev/v1alpha1`): short, high-level descriptions of
//! Ray workloads. `docs/spec.md` documents every field; `rayc schema` prints the
//! JSON Schema derived from these types.
//!
//! Every struct denies unknown fields: strictness is checked on the positioned
//! tree by `check` (with did-you-mean); serde only ever sees valid input.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub const API_VERSION: &str = "rayc.dev/v1alpha1";

/// Kinds a spec document may have.
pub const SPEC_KINDS: [&str; 4] = ["RayJob", "RayCluster", "RayService", "RayCronJob"];

/// A partial Kubernetes or KubeRay object, merged over what rayc generates.
/// Typed and validated against the KubeRay model where it is used.
pub type Fragment = serde_json::Value;

/// One spec document.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SpecDocument {
    /// Always `rayc.dev/v1alpha1`.
    pub api_version: String,
    /// `RayJob`, `RayCluster`, `RayService` or `RayCronJob`.
    pub kind: String,
    pub metadata: Metadata,
    #[serde(default)]
    pub spec: Spec,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Metadata {
    /// Name of the generated KubeRay object (a DNS-1035 label).
    pub name: String,
    /// Namespace; defaults to the environment's, then the project's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
}

/// The spec of every kind. Fields that only make sense for some kinds are
/// rejected by `check` on the others.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Spec {
    /// Ray image for every group unless a group overrides it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    /// Ray version in the image, e.g. "2.9.3".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ray_version: Option<String>,

    /// Overlays applied in order, each a name with its parameters.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub overlays: Vec<OverlayUse>,

    /// Settings every group (head and workers) inherits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_defaults: Option<Group>,
    /// Settings every worker group inherits (over `groupDefaults`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub worker_defaults: Option<Group>,
    /// The head group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub head: Option<Head>,
    /// Worker groups, each inheriting `groupDefaults` then `workerDefaults`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub workers: Vec<WorkerGroup>,
    /// In-tree autoscaling.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub autoscaling: Option<Autoscaling>,
    /// Volumes mounted into the Ray containers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub volumes: Vec<VolumeSpec>,
    /// PersistentVolumeClaims to create beside the workload.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub claims: Vec<ClaimSpec>,

    // --- RayJob and RayCronJob ---
    /// Command the job runs (RayJob, RayCronJob).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entrypoint: Option<String>,
    /// Where the job's code comes from (RayJob, RayCronJob, RayCluster).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<CodeSource>,
    /// Ray runtime environment (a mapping), emitted as `runtimeEnvYAML`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runtime_env: Option<serde_json::Value>,
    /// Delete the cluster when the job finishes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shutdown_after_job_finishes: Option<bool>,
    /// Seconds to keep the cluster after the job finished.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ttl_seconds_after_finished: Option<i32>,
    /// Seconds the job may run before it is failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active_deadline_seconds: Option<i32>,
    /// Retries of a failed job.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backoff_limit: Option<i32>,
    /// How the job is submitted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub submission_mode: Option<SubmissionMode>,
    /// Run on an existing RayCluster (selected by labels) instead of creating one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster_selector: Option<BTreeMap<String, String>>,
    /// Create the job suspended (e.g. for Kueue).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suspend: Option<bool>,

    // --- RayService ---
    /// Ray Serve applications, emitted as `serveConfigV2` (RayService).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub serve_applications: Vec<ServeApplication>,

    // --- RayCronJob ---
    /// Cron schedule, 5 fields (RayCronJob).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule: Option<String>,
    /// IANA time zone of the schedule (RayCronJob).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,

    /// Typed pass-through: a partial spec of the generated KubeRay object
    /// (RayJob, RayCluster, RayService or RayCronJob `spec`), merged last.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kuberay: Option<Fragment>,
}

/// One overlay applied to a spec: `gpu` or `{gpu: {count: 2}}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum OverlayUse {
    /// Overlay name, all parameters at their defaults.
    Name(String),
    /// `{name: {param: value}}`, exactly one key.
    WithParams(BTreeMap<String, serde_json::Value>),
}

/// Settings shared by the head and worker groups.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct Group {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_pull_policy: Option<PullPolicy>,
    /// CPU: `1`, `"500m"`, or `{request: 200m, limit: 1}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu: Option<Resource>,
    /// Memory: `"4Gi"` or `{request: 2Gi, limit: 4Gi}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory: Option<Resource>,
    /// GPUs per pod: `1` or `{count: 1, resource: amd.com/gpu}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gpu: Option<Gpu>,
    /// Ephemeral storage: `"10Gi"` or `{request: .., limit: ..}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ephemeral_storage: Option<Resource>,
    /// Environment variables of the Ray container (sorted by name on output).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub env: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub node_selector: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(with = "Vec<k8s_openapi::api::core::v1::Toleration>")]
    pub tolerations: Vec<Fragment>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_account_name: Option<String>,
    /// `ray start` parameters (values are strings).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub ray_start_params: BTreeMap<String, String>,
    /// Name of the Ray container (KubeRay finds it by position, first);
    /// default `ray-head`, `ray-worker`. A DNS-1123 label, as Kubernetes
    /// requires of container names.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"), length(max = 63))]
    pub container_name: Option<String>,
    /// Typed pass-through: a partial pod template merged over the generated one
    /// (containers by name: `ray-head`, `ray-worker`, or `containerName`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<k8s_openapi::api::core::v1::PodTemplateSpec>")]
    pub template: Option<Fragment>,
}

/// The head group: shared group settings plus head-only ones.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct Head {
    #[serde(flatten)]
    pub group: Group,
    /// Service type of the head service.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_type: Option<ServiceType>,
    /// Let KubeRay create an Ingress for the dashboard.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enable_ingress: Option<bool>,
    /// Host, path, path type and TLS of that Ingress (KubeRay v1.7 and later).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ingress_options: Option<crate::model::kuberay::IngressOptions>,
}

/// A worker group.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct WorkerGroup {
    /// Group name (a DNS-1123 label, unique in the cluster).
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replicas: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_replicas: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_replicas: Option<i32>,
    /// Hosts per replica (multi-host TPU slices).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub num_of_hosts: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suspend: Option<bool>,
    #[serde(flatten)]
    pub group: Group,
}

/// A resource amount: one quantity for request and limit, or both apart.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum Resource {
    Amount(Quantity),
    Split(ResourceSplit),
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ResourceSplit {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<Quantity>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<Quantity>,
}

/// A quantity: a number (`1`, `0.5`) or a Kubernetes quantity string such as
/// `"500m"`, `"4Gi"`. Unlike KubeRay's own fields, specs accept decimals:
/// rayc writes the canonical string (`0.5` → `"500m"`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Quantity {
    Int(i64),
    Number(f64),
    Str(String),
}

impl JsonSchema for Quantity {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Quantity".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "A number (1, 0.5) or a Kubernetes quantity string (\"500m\", \"4Gi\").",
            "anyOf": [
                {"type": "number", "minimum": 0},
                {"x-kubernetes-int-or-string": true, "format": crate::schema::QUANTITY_FORMAT, "pattern": crate::model::quantity::QUANTITY_PATTERN},
            ],
        })
    }
}

impl Quantity {
    /// The quantity as Kubernetes stores it (canonical form); input that
    /// does not parse is kept as written for validation to report.
    pub fn as_string(&self) -> String {
        let raw = match self {
            Quantity::Int(i) => i.to_string(),
            Quantity::Number(f) => f.to_string(),
            Quantity::Str(s) => s.clone(),
        };
        crate::model::quantity::canonical_quantity(&raw).unwrap_or(raw)
    }
}

/// GPUs: a count of `nvidia.com/gpu`, or a count of another vendor's resource.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum Gpu {
    Count(i64),
    Detailed(GpuSpec),
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GpuSpec {
    pub count: i64,
    /// Extended resource name, default `nvidia.com/gpu`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource: Option<String>,
}

impl Gpu {
    pub const DEFAULT_RESOURCE: &'static str = "nvidia.com/gpu";

    pub fn count(&self) -> i64 {
        match self {
            Gpu::Count(n) => *n,
            Gpu::Detailed(g) => g.count,
        }
    }

    pub fn resource(&self) -> &str {
        match self {
            Gpu::Detailed(GpuSpec {
                resource: Some(r), ..
            }) => r,
            _ => Self::DEFAULT_RESOURCE,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum PullPolicy {
    Always,
    IfNotPresent,
    Never,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum ServiceType {
    ClusterIP,
    NodePort,
    LoadBalancer,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum SubmissionMode {
    K8sJobMode,
    HTTPMode,
    SidecarMode,
    InteractiveMode,
}

/// In-tree autoscaling of the worker groups.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Autoscaling {
    /// Turns the autoscaler on (default true when this block is present).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// Autoscaler `v1` or `v2`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<AutoscalerVersion>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upscaling_mode: Option<UpscalingMode>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idle_timeout_seconds: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_pull_policy: Option<PullPolicy>,
    /// Autoscaler container CPU and memory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu: Option<Resource>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory: Option<Resource>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub env: BTreeMap<String, String>,
    /// Typed pass-through merged into `autoscalerOptions`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub options: Option<Fragment>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum AutoscalerVersion {
    V1,
    V2,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum UpscalingMode {
    Default,
    Aggressive,
    Conservative,
}

/// Where the job's code comes from: local files or a git repository.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CodeSource {
    /// Local files or folders, relative to the spec file, shipped as a ConfigMap.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<String>,
    /// A git repository cloned by an init container.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub git: Option<GitSource>,
    /// Where the code appears in the Ray containers. Default: the directory the
    /// entrypoint names for local files, `/home/ray/code` otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mount_path: Option<String>,
    /// Mount the code on the workers too (default: head only, where the driver runs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_workers: Option<bool>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct GitSource {
    /// Clone URL.
    pub repo: String,
    /// Commit SHA or tag to check out (pin it: an unpinned clone is not reproducible).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revision: Option<String>,
    /// Image of the init container (default `alpine/git`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
}

/// A volume mounted into Ray containers.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct VolumeSpec {
    pub name: String,
    pub mount_path: String,
    /// An existing (or `claims`-created) PersistentVolumeClaim.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claim_name: Option<String>,
    /// Any other Kubernetes volume source (`emptyDir: {}`, `configMap: {...}`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<Fragment>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_only: Option<bool>,
    /// Groups that mount it: `head` and/or worker group names. Default: all.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<String>,
}

/// A PersistentVolumeClaim rayc creates.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ClaimSpec {
    pub name: String,
    pub size: Quantity,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage_class_name: Option<String>,
    /// Default `[ReadWriteOnce]`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub access_modes: Vec<AccessMode>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum AccessMode {
    ReadWriteOnce,
    ReadOnlyMany,
    ReadWriteMany,
    ReadWriteOncePod,
}

/// One Ray Serve application of a RayService.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ServeApplication {
    pub name: String,
    /// `module:attribute` of the application builder.
    pub import_path: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub route_prefix: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runtime_env: Option<serde_json::Value>,
    /// Arguments passed to the application builder.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub args: Option<serde_json::Value>,
    /// Per-deployment settings (`name`, `num_replicas`, `ray_actor_options`, ...).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub deployments: Vec<serde_json::Value>,
}
