//! Requests above limits, for any resource a container names.

use crate::load::node::Entry;
use crate::model::quantity::parse_quantity_value;
use crate::rules::registry::Check;
use crate::rules::view::{clusters, dig, entries, key};
use crate::rules::{Input, Sink};

declare_rule! {
    /// ## What it does
    /// Checks that no container of a Ray pod (head, workers, init containers,
    /// the autoscaler) requests more of a resource than its limit: `cpu`,
    /// `memory`, `ephemeral-storage`, GPUs and every other resource.
    ///
    /// ## Why is this bad?
    /// The API server rejects such a pod (`must be less than or equal to cpu
    /// limit`). The RayCluster itself is admitted, so the mistake shows up
    /// only as pods the operator can never create.
    ///
    /// ## Example
    /// ```yaml
    /// resources:
    ///   requests:
    ///     memory: 8Gi
    ///   limits:
    ///     memory: 4Gi
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// resources:
    ///   requests:
    ///     memory: 4Gi
    ///   limits:
    ///     memory: 4Gi
    /// ```
    ///
    /// ## References
    /// - [Kubernetes: requests and limits](https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/#requests-and-limits)
    pub(crate) struct RequestAboveLimit;
}

impl Check for RequestAboveLimit {
    fn check(input: &Input, sink: &mut Sink) {
        for cluster in clusters(input.objects) {
            for group in cluster.groups() {
                for c in group
                    .init_containers()
                    .into_iter()
                    .chain(group.containers())
                {
                    let name = c.name().unwrap_or("container").to_owned();
                    let (requests, limits) =
                        (c.resource_entries("requests"), c.resource_entries("limits"));
                    for (request, limit) in above_limit(requests, limits) {
                        sink.report(
                            cluster.obj,
                            request.value.pos,
                            key(&c.at("resources.requests"), &request.key),
                            message(&name, request, limit),
                            help(request),
                        );
                    }
                }
            }
            let path = cluster.at("autoscalerOptions.resources");
            let resources = dig(cluster.spec, &["autoscalerOptions", "resources"]);
            let requests = entries(resources.and_then(|r| dig(r, &["requests"])));
            let limits = entries(resources.and_then(|r| dig(r, &["limits"])));
            for (request, limit) in above_limit(requests, limits) {
                sink.report(
                    cluster.obj,
                    request.value.pos,
                    key(&format!("{path}.requests"), &request.key),
                    message("the autoscaler", request, limit),
                    help(request),
                );
            }
        }
    }
}

/// Pairs of a request and its limit where both are quantities and the request is larger.
fn above_limit<'a>(
    requests: &'a [Entry],
    limits: &'a [Entry],
) -> impl Iterator<Item = (&'a Entry, &'a Entry)> {
    requests.iter().filter_map(move |request| {
        let limit = limits.iter().find(|l| l.key == request.key)?;
        let r = parse_quantity_value(&request.value.to_json()).ok()?;
        let l = parse_quantity_value(&limit.value.to_json()).ok()?;
        (r > l).then_some((request, limit))
    })
}

fn shown(e: &Entry) -> String {
    let json = e.value.to_json();
    json.as_str()
        .map_or_else(|| json.to_string(), str::to_owned)
}

fn message(who: &str, request: &Entry, limit: &Entry) -> String {
    format!(
        "{who} requests {} {} but limits it to {}; the API server rejects the pod",
        shown(request),
        request.key,
        shown(limit)
    )
}

fn help(request: &Entry) -> String {
    format!(
        "lower the request of {} to the limit or raise the limit",
        request.key
    )
}
