//! Resources and accelerators (rules.md 13-15): extended resources, GPUs on
//! the head and on images without CUDA, and `rayStartParams` conflicts.

mod accelerators;
mod extended;
mod ray_start_params;

pub(crate) use accelerators::*;
pub(crate) use extended::*;
pub(crate) use ray_start_params::*;

use crate::load::node::Value;
use crate::rules::view::Container;

/// Extended resources (`nvidia.com/gpu`, `google.com/tpu`): a domain-prefixed
/// name outside `kubernetes.io/`.
pub(crate) fn is_extended(name: &str) -> bool {
    name.contains('/') && !name.starts_with("kubernetes.io/") && !name.starts_with("requests.")
}

pub(crate) fn is_gpu(name: &str) -> bool {
    name.rsplit('/').next().is_some_and(|n| n.contains("gpu"))
}

/// The GPU resources a container asks for (limits first, then requests), with a count above zero.
pub(crate) fn gpu_entries<'a>(c: &Container<'a>) -> Vec<&'a crate::load::node::Entry> {
    let mut out: Vec<&crate::load::node::Entry> = Vec::new();
    for which in ["limits", "requests"] {
        for e in c.resource_entries(which) {
            let positive = match &e.value.value {
                Value::Int(i) => *i > 0,
                Value::Float(f) => *f > 0.0,
                Value::Str(s) => s
                    .trim()
                    .trim_start_matches('0')
                    .trim_start_matches('.')
                    .chars()
                    .any(|ch| ch.is_ascii_digit() && ch != '0'),
                _ => false,
            };
            if is_gpu(&e.key) && positive && !out.iter().any(|o| o.key == e.key) {
                out.push(e);
            }
        }
    }
    out
}
