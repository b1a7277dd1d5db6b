//! Autoscaling (rules.md 16-17): autoscaler settings that do nothing or that
//! the operator rejects, and replicas pinned under GitOps.

mod autoscaler;
mod gitops_replicas;

pub(crate) use autoscaler::*;
pub(crate) use gitops_replicas::*;
