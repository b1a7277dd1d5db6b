//! RayJob lifecycle (rules.md 20-22): where the cluster comes from, mode and
//! shutdown combinations the operator rejects, self-deleting jobs under Argo
//! CD, and the YAML strings `runtimeEnvYAML` and `serveConfigV2`.

mod cluster_source;
mod deletion_rules;
mod embedded_yaml;
mod job_metadata;
mod legacy_fields;
mod modes;
mod self_delete;
mod shutdown;
mod upgrade_strategy;

pub(crate) use cluster_source::*;
pub(crate) use deletion_rules::*;
pub(crate) use embedded_yaml::*;
pub(crate) use job_metadata::*;
pub(crate) use legacy_fields::*;
pub(crate) use modes::*;
pub(crate) use self_delete::*;
pub(crate) use shutdown::*;
pub(crate) use upgrade_strategy::*;

use crate::load::node::Node;
use crate::rules::view::{Job, child, dig, index, join, seq};

/// A deletion policy named in `deletionStrategy` (rules or legacy fields).
pub(crate) struct Policy<'a> {
    pub name: &'a str,
    pub node: &'a Node,
    pub path: String,
}

pub(crate) fn deletion_policies<'a>(job: &Job<'a>) -> Vec<Policy<'a>> {
    let mut out = Vec::new();
    let base = job.at("deletionStrategy");
    for (i, rule) in seq(dig(job.spec, &["deletionStrategy", "deletionRules"]))
        .iter()
        .enumerate()
    {
        if let Some(node) = child(rule, "policy")
            && let Some(name) = node.as_str()
        {
            out.push(Policy {
                name,
                node,
                path: join(&index(&join(&base, "deletionRules"), i), "policy"),
            });
        }
    }
    for legacy in ["onSuccess", "onFailure"] {
        if let Some(node) = dig(job.spec, &["deletionStrategy", legacy, "policy"])
            && let Some(name) = node.as_str()
        {
            out.push(Policy {
                name,
                node,
                path: join(&join(&base, legacy), "policy"),
            });
        }
    }
    out
}
