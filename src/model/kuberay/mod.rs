//! The typed KubeRay `ray.io/v1` model (RayCluster, RayJob, RayService,
//! RayCronJob) as of KubeRay v1.7.0, its JSON Schemas, and which fields older
//! KubeRay versions lack.
//!
//! Kubernetes types come from k8s-openapi (`v1_36`, the API KubeRay v1.7.0 was
//! built against). Pure data: no IO, no diagnostics; tests prove it against the
//! upstream CRDs.

mod cluster;
mod common;
mod cronjob;
mod gates;
mod job;
mod schema;
mod service;
mod versions;

pub use cluster::*;
pub use common::*;
pub use cronjob::*;
pub use gates::{FeatureGates, GATES, Gate, parse_bool, parse_list};
pub use job::*;
pub use schema::{QUANTITY_PATTERN, object_schema};
pub use service::*;
pub use versions::{
    KUBERAY_VERSIONS, KubeRayVersion, UnknownVersion, alpha_kind, introduced_in, last_version_with,
    parse_ranges, present_in, required_differences, version_index,
};

/// The API group and version every kind here belongs to.
pub const API_VERSION: &str = "ray.io/v1";

/// The top-level kinds of `ray.io/v1`.
pub const KINDS: [&str; 4] = ["RayCluster", "RayJob", "RayService", "RayCronJob"];
