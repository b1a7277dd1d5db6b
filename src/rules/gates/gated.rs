//! What the operator does with a field or kind whose feature gate is off:
//! refuse the object (`validation.go`), or accept it and not act on it.

use crate::load::node::Pos;
use crate::model::kuberay::KubeRayVersion;
use crate::rules::registry::Check;
use crate::rules::view::{Obj, clusters, dig, entry, is_true, jobs, key_pos};
use crate::rules::{Input, Sink};

/// Fields of a RayCluster spec (wherever it sits) that the operator refuses
/// while their gate is off: (field, gate). All three are new in v1.7, as are
/// their gates (`ValidateRayClusterSpec`, validation.go@v1.7.0).
const GATED_CLUSTER_FIELDS: [(&str, &str); 3] = [
    ("tlsOptions", "RayClusterMTLS"),
    ("networkPolicy", "RayClusterNetworkPolicy"),
    ("historyServerOptions", "RayClusterHistoryServer"),
];

const DELETION_GATE: &str = "RayJobDeletionPolicy";

/// The help every gate finding gives: how to turn the gate on in the
/// operator and in rayc, or do without the field.
fn enable(gate: &str, instead: &str) -> String {
    format!(
        "turn the gate on in the operator (its flag `--feature-gates={gate}=true`, helm value `featureGates`) and tell rayc (`--feature-gates {gate}=true`, or `featureGates: {{{gate}: true}}` in rayc.yaml); or {instead}"
    )
}

fn report_refused(
    sink: &mut Sink,
    obj: &Obj,
    pos: Pos,
    path: String,
    what: &str,
    gate: &str,
    instead: &str,
) {
    let version = sink.version();
    sink.report(
        obj,
        pos,
        path,
        format!(
            "{what} needs the operator feature gate {gate}, which is off in KubeRay {version}: the operator rejects the object"
        ),
        enable(gate, instead),
    );
}

declare_rule! {
    /// ## What it does
    /// Flags a field the target KubeRay operator refuses because the
    /// feature gate it belongs to is off: from v1.7, `tlsOptions` (any
    /// value, even `enabled: false`; gate `RayClusterMTLS`), `networkPolicy`
    /// (`RayClusterNetworkPolicy`), `historyServerOptions`
    /// (`RayClusterHistoryServer`) and `gcsFaultToleranceOptions.backend:
    /// rocksdb` (`GCSFaultToleranceEmbeddedStorage`); from v1.3, a suspended
    /// worker group, RayJob `deletionPolicy` (v1.3–v1.4) and `deletionStrategy`
    /// (v1.5 on) while `RayJobDeletionPolicy` is off (its default before v1.6).
    ///
    /// ## Why is this bad?
    /// The operator's `ValidateRayClusterSpec` and `ValidateRayJobSpec`
    /// (ray-operator/controllers/ray/utils/validation.go of each release)
    /// return an error for these fields before anything else, so the object
    /// never runs. The API server accepts it: only the operator's gates decide.
    /// rayc assumes the target version's default gates (see
    /// [docs/validation.md](../validation.md#feature-gates)); tell it the gates
    /// your operator runs with through `--feature-gates Name=true` or
    /// `featureGates:` in rayc.yaml.
    ///
    /// ## Example
    /// ```yaml
    /// # KubeRay v1.7 with its default gates
    /// spec:
    ///   tlsOptions:
    ///     enabled: false
    /// ```
    ///
    /// Use instead: remove `tlsOptions`, or run the operator with
    /// `--feature-gates=RayClusterMTLS=true` and say so in `rayc.yaml`:
    /// ```yaml
    /// featureGates:
    ///   RayClusterMTLS: true
    /// ```
    pub(crate) struct FeatureGateRefused;
}

impl Check for FeatureGateRefused {
    fn check(input: &Input, sink: &mut Sink) {
        let ctx = input.ctx;
        for cluster in clusters(input.objects) {
            for (key, gate) in GATED_CLUSTER_FIELDS {
                if let Some(e) = entry(cluster.spec, key)
                    && ctx.gate_off(gate)
                {
                    let what = format!("`{key}`");
                    let instead = format!("remove `{key}`");
                    report_refused(
                        sink,
                        cluster.obj,
                        e.key_pos,
                        cluster.at(key),
                        &what,
                        gate,
                        &instead,
                    );
                }
            }
            let backend = dig(cluster.spec, &["gcsFaultToleranceOptions", "backend"]);
            if let Some(b) = backend.filter(|b| b.as_str() == Some("rocksdb"))
                && ctx.gate_off("GCSFaultToleranceEmbeddedStorage")
            {
                report_refused(
                    sink,
                    cluster.obj,
                    b.pos,
                    cluster.at("gcsFaultToleranceOptions.backend"),
                    "the embedded GCS fault-tolerance backend `rocksdb`",
                    "GCSFaultToleranceEmbeddedStorage",
                    "use the redis backend",
                );
            }
            if ctx.gate_off(DELETION_GATE) {
                for worker in cluster
                    .workers()
                    .iter()
                    .filter(|w| is_true(w.node, "suspend"))
                {
                    report_refused(
                        sink,
                        cluster.obj,
                        key_pos(worker.node, "suspend"),
                        worker.at("suspend"),
                        &format!("suspending {}", worker.describe()),
                        DELETION_GATE,
                        "remove `suspend` (scale the group with replicas instead)",
                    );
                }
            }
        }
        if !ctx.gate_off(DELETION_GATE) {
            return;
        }
        // v1.3–v1.4 call the field `deletionPolicy`, v1.5 on `deletionStrategy`;
        // the other one is not in the version's schema (RAY106) and pruned.
        let key = if sink.version() < KubeRayVersion::v1(5) {
            "deletionPolicy"
        } else {
            "deletionStrategy"
        };
        for job in jobs(input.objects) {
            if let Some(e) = entry(job.spec, key) {
                report_refused(
                    sink,
                    job.obj,
                    e.key_pos,
                    job.at(key),
                    &format!("`{key}`"),
                    DELETION_GATE,
                    "remove it and let `shutdownAfterJobFinishes` delete the cluster",
                );
            }
        }
    }
}

declare_rule! {
    /// ## What it does
    /// Flags what the target KubeRay operator accepts but does not act on
    /// while a feature gate is off: a `RayCronJob` (v1.6 on, gate `RayCronJob`,
    /// off by default), and a RayService with `upgradeStrategy.type:
    /// NewClusterWithIncrementalUpgrade` (v1.5–v1.6, gate
    /// `RayServiceIncrementalUpgrade`, on by default from v1.7).
    ///
    /// ## Why is this bad?
    /// Without the `RayCronJob` gate the operator starts no RayCronJob
    /// controller (ray-operator/main.go@v1.6.0): the object is stored and no
    /// job is ever scheduled. Without `RayServiceIncrementalUpgrade`, the
    /// operator treats the incremental type as "no zero-downtime upgrade"
    /// (`isZeroDowntimeUpgradeEnabled`, rayservice_controller.go@v1.6.0): a
    /// changed cluster spec is never rolled out as a new cluster. Both fail
    /// silently, after a successful apply.
    ///
    /// ## Example
    /// ```yaml
    /// # KubeRay v1.7 with its default gates
    /// apiVersion: ray.io/v1
    /// kind: RayCronJob
    /// ```
    ///
    /// Use instead: run the operator with `--feature-gates=RayCronJob=true`
    /// and say so in `rayc.yaml`:
    /// ```yaml
    /// featureGates:
    ///   RayCronJob: true
    /// ```
    pub(crate) struct FeatureGateIgnored;
}

impl Check for FeatureGateIgnored {
    fn check(input: &Input, sink: &mut Sink) {
        let version = sink.version();
        for obj in input.objects.iter().filter(|o| o.is("RayCronJob")) {
            if input.ctx.gate_off("RayCronJob") {
                let pos = obj.node.get("kind").map_or(obj.node.pos, |k| k.pos);
                sink.report(
                    obj,
                    pos,
                    "kind",
                    format!(
                        "KubeRay {version} runs no RayCronJob controller while the feature gate RayCronJob is off: the object is stored and never starts a job"
                    ),
                    enable("RayCronJob", "schedule a RayJob from a CronJob of your own"),
                );
            }
        }
        for obj in input.objects.iter().filter(|o| o.is("RayService")) {
            let Some(kind) = obj
                .spec()
                .and_then(|s| dig(s, &["upgradeStrategy", "type"]))
                .filter(|t| t.as_str() == Some("NewClusterWithIncrementalUpgrade"))
            else {
                continue;
            };
            if input.ctx.gate_off("RayServiceIncrementalUpgrade") {
                sink.report(
                    obj,
                    kind.pos,
                    "spec.upgradeStrategy.type",
                    format!(
                        "NewClusterWithIncrementalUpgrade needs the operator feature gate RayServiceIncrementalUpgrade, off in KubeRay {version}: the operator accepts the RayService and never rolls out a changed cluster spec"
                    ),
                    enable("RayServiceIncrementalUpgrade", "use `type: NewCluster`"),
                );
            }
        }
    }
}
