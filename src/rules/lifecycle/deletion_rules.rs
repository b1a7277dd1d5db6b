//! `deletionStrategy.deletionRules` as the operator checks them across rules:
//! one rule per (condition, policy), and TTLs in deletion order.

use std::collections::BTreeMap;

use crate::load::node::Node;
use crate::rules::registry::Check;
use crate::rules::view::{Job, as_int, child, dig, entry, index, jobs, join, seq};
use crate::rules::{Input, Sink};

/// Policies in the order they may fire: each TTL at least the previous one.
const DELETION_ORDER: [&str; 3] = ["DeleteWorkers", "DeleteCluster", "DeleteSelf"];

/// One well-formed deletion rule.
struct DeletionRule<'a> {
    /// `("jobStatus", "FAILED")` or `("jobDeploymentStatus", "Failed")`.
    condition: (&'static str, &'a str),
    policy: &'a str,
    policy_node: &'a Node,
    ttl: i64,
    /// `ttlSeconds`, or the policy where the TTL is left at 0.
    ttl_node: &'a Node,
    path: String,
}

/// Rules with exactly one condition and a policy; the operator reports the
/// others one by one (and so does the schema or a CEL rule) before it
/// compares rules.
fn deletion_rules<'a>(job: &Job<'a>) -> Vec<DeletionRule<'a>> {
    let base = join(&job.at("deletionStrategy"), "deletionRules");
    let mut out = Vec::new();
    for (i, rule) in seq(dig(job.spec, &["deletionStrategy", "deletionRules"]))
        .iter()
        .enumerate()
    {
        let (Some(policy_node), Some(cond)) = (child(rule, "policy"), child(rule, "condition"))
        else {
            continue;
        };
        let Some(policy) = policy_node.as_str() else {
            continue;
        };
        let status = |key| child(cond, key).and_then(Node::as_str);
        let condition = match (status("jobStatus"), status("jobDeploymentStatus")) {
            (Some(s), None) => ("jobStatus", s),
            (None, Some(s)) => ("jobDeploymentStatus", s),
            _ => continue,
        };
        let ttl_node = child(cond, "ttlSeconds");
        out.push(DeletionRule {
            condition,
            policy,
            policy_node,
            ttl: ttl_node.and_then(as_int).unwrap_or(0),
            ttl_node: ttl_node.unwrap_or(policy_node),
            path: index(&base, i),
        });
    }
    out
}

declare_rule! {
    /// ## What it does
    /// Flags two `deletionRules` of a RayJob with the same policy for the same
    /// condition (`jobStatus` or `jobDeploymentStatus` value).
    ///
    /// ## Why is this bad?
    /// A rule is identified by its condition and policy; with two, the TTL
    /// that applies is ambiguous. The operator rejects the RayJob
    /// (`validateDeletionRules`, ray-operator/controllers/ray/utils/validation.go@v1.5.0).
    ///
    /// ## Example
    /// ```yaml
    /// deletionStrategy:
    ///   deletionRules:
    ///     - policy: DeleteCluster
    ///       condition: {jobStatus: FAILED, ttlSeconds: 60}
    ///     - policy: DeleteCluster
    ///       condition: {jobStatus: FAILED, ttlSeconds: 600}
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// deletionStrategy:
    ///   deletionRules:
    ///     - policy: DeleteCluster
    ///       condition: {jobStatus: FAILED, ttlSeconds: 60}
    /// ```
    pub(crate) struct DuplicateDeletionRule;
}

impl Check for DuplicateDeletionRule {
    fn check(input: &Input, sink: &mut Sink) {
        for job in jobs(input.objects) {
            let mut seen: BTreeMap<((&str, &str), &str), usize> = BTreeMap::new();
            for (i, rule) in deletion_rules(&job).iter().enumerate() {
                let Some(first) = seen.get(&(rule.condition, rule.policy)) else {
                    seen.insert((rule.condition, rule.policy), i);
                    continue;
                };
                let (key, value) = rule.condition;
                sink.report(
                    job.obj,
                    rule.policy_node.pos,
                    join(&rule.path, "policy"),
                    format!(
                        "a second deletion rule {} for {key} {value} (the first is rule {})",
                        rule.policy,
                        first + 1
                    ),
                    "keep one rule per condition and policy; remove the other",
                );
            }
        }
    }
}

declare_rule! {
    /// ## What it does
    /// Checks that, for one condition, the `ttlSeconds` of a RayJob's
    /// `deletionRules` follow the order in which things can be deleted:
    /// `DeleteWorkers` ≤ `DeleteCluster` ≤ `DeleteSelf`.
    ///
    /// ## Why is this bad?
    /// Deleting the cluster deletes its workers, and deleting the RayJob
    /// deletes its cluster: a later step with a shorter TTL makes the earlier
    /// one meaningless. The operator rejects the RayJob
    /// (`validateTTLConsistency`, ray-operator/controllers/ray/utils/validation.go@v1.5.0).
    ///
    /// ## Example
    /// ```yaml
    /// deletionRules:
    ///   - policy: DeleteCluster
    ///     condition: {jobStatus: SUCCEEDED, ttlSeconds: 600}
    ///   - policy: DeleteSelf
    ///     condition: {jobStatus: SUCCEEDED, ttlSeconds: 60}
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// deletionRules:
    ///   - policy: DeleteCluster
    ///     condition: {jobStatus: SUCCEEDED, ttlSeconds: 60}
    ///   - policy: DeleteSelf
    ///     condition: {jobStatus: SUCCEEDED, ttlSeconds: 600}
    /// ```
    pub(crate) struct DeletionRuleTtlOrder;
}

impl Check for DeletionRuleTtlOrder {
    fn check(input: &Input, sink: &mut Sink) {
        for job in jobs(input.objects) {
            let rules = deletion_rules(&job);
            let mut conditions: Vec<(&str, &str)> = rules.iter().map(|r| r.condition).collect();
            conditions.sort_unstable();
            conditions.dedup();
            for condition in conditions {
                // The first rule of each policy counts; a repeat is RAY930's.
                let of = |policy: &str| {
                    rules
                        .iter()
                        .find(|r| r.condition == condition && r.policy == policy)
                };
                let mut previous: Option<&DeletionRule> = None;
                for rule in DELETION_ORDER.iter().filter_map(|p| of(p)) {
                    if let Some(prev) = previous
                        && rule.ttl < prev.ttl
                    {
                        let (key, value) = condition;
                        sink.report(
                            job.obj,
                            rule.ttl_node.pos,
                            join(&rule.path, "condition.ttlSeconds"),
                            format!(
                                "for {key} {value}, {} has ttlSeconds {} but {} waits {}: {} must not come first",
                                rule.policy, rule.ttl, prev.policy, prev.ttl, rule.policy
                            ),
                            format!("give {} a ttlSeconds of at least {}", rule.policy, prev.ttl),
                        );
                    }
                    previous = Some(rule);
                }
            }
        }
    }
}

declare_rule! {
    /// ## What it does
    /// Flags a legacy `deletionStrategy.onSuccess` or `onFailure` without a
    /// `policy`.
    ///
    /// ## Why is this bad?
    /// The CRD lets `policy` out, but the operator rejects the RayJob: a
    /// legacy deletion strategy must say what to delete on both outcomes
    /// (`validateLegacyDeletionPolicies`,
    /// ray-operator/controllers/ray/utils/validation.go@v1.5.0).
    ///
    /// ## Example
    /// ```yaml
    /// deletionStrategy:
    ///   onSuccess: {}
    ///   onFailure:
    ///     policy: DeleteNone
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// deletionStrategy:
    ///   onSuccess:
    ///     policy: DeleteCluster
    ///   onFailure:
    ///     policy: DeleteNone
    /// ```
    pub(crate) struct LegacyDeletionPolicyUnset;
}

impl Check for LegacyDeletionPolicyUnset {
    fn check(input: &Input, sink: &mut Sink) {
        for job in jobs(input.objects) {
            let Some(strategy) = job.get("deletionStrategy") else {
                continue;
            };
            for outcome in ["onSuccess", "onFailure"] {
                let Some(e) = entry(strategy, outcome) else {
                    continue;
                };
                if child(&e.value, "policy").is_some_and(|p| !p.is_null()) {
                    continue;
                }
                sink.report(
                    job.obj,
                    e.key_pos,
                    join(&job.at("deletionStrategy"), outcome),
                    format!("deletionStrategy.{outcome} has no policy; the operator rejects the RayJob"),
                    format!("set {outcome}.policy: DeleteCluster, DeleteWorkers, DeleteSelf or DeleteNone"),
                );
            }
        }
    }
}
