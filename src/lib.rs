//! rayc: compiles typed Ray workload specs into validated, deterministic KubeRay manifests.
//! See ARCHITECTURE.md for the map of phases.

pub mod argocd;
pub mod check;
pub mod cli;
pub mod diag;
pub mod diff;
pub mod emit;
pub mod flux;
#[doc(hidden)]
pub mod fuzz;
pub mod import;
pub mod load;
pub mod lower;
pub mod model;
pub mod pipeline;
pub mod resolve;
pub mod rules;
pub mod schema;
pub mod timings;
pub mod validate;
