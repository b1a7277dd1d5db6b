//! rayc: compiles typed Ray workload specs into validated, deterministic KubeRay manifests.
//! See ARCHITECTURE.md for the map of phases.

pub mod diag;
pub mod load;
pub mod schema;
