//! Two objects of one kind, namespace and name in one environment.

use std::collections::BTreeMap;

use crate::rules::registry::Check;
use crate::rules::view::dig;
use crate::rules::{Input, Sink};

declare_rule! {
    /// ## What it does
    /// Checks that no two objects of one environment share API group, kind,
    /// namespace and name (objects without a namespace count as being in the
    /// environment's namespace).
    ///
    /// ## Why is this bad?
    /// Applied together, the second silently overwrites the first: two jobs
    /// that each bring a ConfigMap `job-code` end up running the same code.
    /// Argo CD and Flux report the clash only at sync time, if at all.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: ConfigMap
    /// metadata:
    ///   name: job-code
    /// ---
    /// apiVersion: v1
    /// kind: ConfigMap
    /// metadata:
    ///   name: job-code
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: v1
    /// kind: ConfigMap
    /// metadata:
    ///   name: train-code
    /// ---
    /// apiVersion: v1
    /// kind: ConfigMap
    /// metadata:
    ///   name: eval-code
    /// ```
    pub(crate) struct DuplicateObject;
}

impl Check for DuplicateObject {
    fn check(input: &Input, sink: &mut Sink) {
        let mut seen: BTreeMap<_, (&str, crate::load::node::Pos)> = BTreeMap::new();
        for obj in input.objects {
            if obj.name.is_empty() || obj.kind.is_empty() {
                continue;
            }
            let group = obj.api_version.rsplit_once('/').map_or("", |(g, _)| g);
            let key = (group, obj.kind, obj.namespace, obj.name);
            let pos = dig(obj.node, &["metadata", "name"]).map_or(obj.node.pos, |n| n.pos);
            match seen.get(&key) {
                Some((file, first)) => {
                    let first: &crate::load::node::Pos = first;
                    let ns = if obj.namespace.is_empty() {
                        "the default namespace".to_owned()
                    } else {
                        format!("namespace `{}`", obj.namespace)
                    };
                    sink.report(
                        obj,
                        pos,
                        "metadata.name",
                        format!(
                            "{} `{}` in {ns} is defined twice (first in {}); one overwrites the other",
                            obj.kind,
                            obj.name,
                            if *first == crate::load::node::Pos::UNKNOWN {
                                String::from(*file)
                            } else {
                                format!("{file}:{}:{}", first.line, first.col)
                            }
                        ),
                        "rename one of the objects, or merge them",
                    );
                }
                None => {
                    seen.insert(key, (obj.file, pos));
                }
            }
        }
    }
}
