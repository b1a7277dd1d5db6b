//! Pods (rules.md 7-9): containers present and in KubeRay's order, enumerations
//! the CRD leaves as plain strings, and resources KubeRay does not read.

mod containers;
mod enums;
mod pod_resources;

pub(crate) use containers::*;
pub(crate) use enums::*;
pub(crate) use pod_resources::*;
