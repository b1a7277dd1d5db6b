//! What the KubeRay operator does with each change, per target version.
//!
//! Every rule cites the operator code it follows (files under
//! `ray-operator/controllers/ray/` of github.com/ray-project/kuberay, at the
//! release tag); docs/diff.md lists the same sources.

use crate::model::kuberay::KubeRayVersion;
use serde::Serialize;
use serde_json::Value;

/// How hard a change hits the running workload.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Severity {
    /// A new object is created.
    Create,
    /// Applied to what runs, without restarting it.
    InPlace,
    /// Pods or a job start again.
    Restart,
    /// A new RayCluster is started beside the old one.
    NewCluster,
    /// The operator does not act on it (for what already runs).
    Ignored,
    /// The object is deleted.
    Deletion,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Create => "create",
            Severity::InPlace => "in-place",
            Severity::Restart => "restart",
            Severity::NewCluster => "new-cluster",
            Severity::Ignored => "ignored",
            Severity::Deletion => "deletion",
        }
    }
}

/// What the rules need beyond the two objects.
pub struct Context<'a> {
    /// The target KubeRay version.
    pub version: KubeRayVersion,
    /// Every object of the new side (to find what mounts a ConfigMap).
    pub new_objects: Vec<&'a Value>,
}

fn kind(v: &Value) -> &str {
    v["kind"].as_str().unwrap_or_default()
}

fn name(v: &Value) -> &str {
    v["metadata"]["name"].as_str().unwrap_or_default()
}

pub fn of_added(object: &Value) -> (Severity, String) {
    let what = match kind(object) {
        "RayJob" => {
            "created by the next sync; KubeRay starts the job (and its cluster, unless it uses clusterSelector)"
        }
        "RayService" => {
            "created by the next sync; KubeRay starts its cluster and deploys the Serve applications"
        }
        "RayCluster" => "created by the next sync; KubeRay starts the head and worker pods",
        "RayCronJob" => "created by the next sync; jobs start at the next scheduled time",
        _ => "created by the next sync",
    };
    (Severity::Create, what.to_owned())
}

/// A removed object is deleted only when the sync prunes (Argo CD
/// `prune: true`, Flux `prune: true`, `kubectl apply --prune`).
pub fn of_removed(object: &Value) -> (Severity, String) {
    let what = match kind(object) {
        "RayService" => {
            "deleted by a pruning sync, with its RayClusters: the Serve endpoints go down"
        }
        "RayCluster" => "deleted by a pruning sync, with all its pods",
        "RayJob" => {
            "deleted by a pruning sync; a job still running is stopped and its cluster deleted"
        }
        "RayCronJob" => "deleted by a pruning sync; no further runs are scheduled",
        _ => "deleted by a pruning sync (without pruning it stays in the cluster)",
    };
    (Severity::Deletion, what.to_owned())
}

pub fn of_replaced(old: &Value, new: &Value, ctx: &Context) -> (Severity, String) {
    match kind(new) {
        // rayjob_controller.go@v1.7.0: a RayJob under a new name is a new job
        // (status New → Initializing creates its cluster and submits it).
        "RayJob" => (
            Severity::Restart,
            format!(
                "runs again: the spec changed, so the hash-name policy renamed the job; KubeRay starts `{}` and a pruning sync deletes `{}`",
                name(new),
                name(old)
            ),
        ),
        "ConfigMap" => {
            let mounters = mounted_by(name(new), ctx);
            let who = if mounters.is_empty() {
                "nothing on this side mounts it".to_owned()
            } else {
                format!(
                    "what mounts it restarts with it: {} (see the entries)",
                    mounters.join(", ")
                )
            };
            (
                Severity::Restart,
                format!(
                    "content changed, so the hash name changed; {who}; a pruning sync deletes `{}`",
                    name(old)
                ),
            )
        }
        _ => (
            Severity::Restart,
            format!("replaces `{}` under a new name", name(old)),
        ),
    }
}

/// Objects of the new side whose spec names `config_map` (volumes, envFrom).
fn mounted_by(config_map: &str, ctx: &Context) -> Vec<String> {
    fn mentions(v: &Value, s: &str) -> bool {
        match v {
            Value::String(t) => t == s,
            Value::Array(a) => a.iter().any(|x| mentions(x, s)),
            Value::Object(m) => m.values().any(|x| mentions(x, s)),
            _ => false,
        }
    }
    let mut out: Vec<String> = ctx
        .new_objects
        .iter()
        .filter(|o| kind(o) != "ConfigMap" && mentions(&o["spec"], config_map))
        .map(|o| format!("{} `{}`", kind(o), name(o)))
        .collect();
    out.sort();
    out
}

pub fn of_changed(old: &Value, new: &Value, ctx: &Context) -> (Severity, String) {
    if old["spec"] == new["spec"] && old.get("data") == new.get("data") {
        return (
            Severity::InPlace,
            "metadata only: labels and annotations are updated in place".to_owned(),
        );
    }
    match kind(new) {
        "RayService" => ray_service(old, new, ctx),
        "RayCluster" => ray_cluster(old, new, ctx),
        "RayJob" => ray_job(old, new),
        // raycronjob_controller.go@v1.7.0 creates RayJobs from the spec at each
        // scheduled time; jobs already created keep theirs.
        "RayCronJob" => (
            Severity::InPlace,
            "the next scheduled run uses the new spec; jobs already started keep theirs".to_owned(),
        ),
        "ConfigMap" => (
            Severity::InPlace,
            "pods that mount it see the new files after the kubelet's sync; processes that read them only at start keep the old content until they restart".to_owned(),
        ),
        _ => (Severity::InPlace, "applied in place by the next sync".to_owned()),
    }
}

/// The cluster spec as the operator hashes it: `replicas` and
/// `scaleStrategy.workersToDelete` of every worker group left out
/// (rayservice_controller.go@v1.0.0 generateRayClusterJsonHash,
/// utils GenerateHashWithoutReplicasAndWorkersToDelete from v1.1.0), and
/// `suspend` too from v1.7.0 (rayservice_controller.go@v1.7.0
/// rayClusterSpecForHashing).
fn hashed_cluster_spec(spec: &Value, version: KubeRayVersion) -> Value {
    let mut spec = spec.clone();
    if let Some(groups) = spec
        .get_mut("workerGroupSpecs")
        .and_then(Value::as_array_mut)
    {
        for group in groups {
            if let Some(g) = group.as_object_mut() {
                g.remove("replicas");
                if let Some(s) = g.get_mut("scaleStrategy").and_then(Value::as_object_mut) {
                    s.remove("workersToDelete");
                    if s.is_empty() {
                        g.remove("scaleStrategy");
                    }
                }
            }
        }
    }
    if version >= KubeRayVersion::V1_7
        && let Some(s) = spec.as_object_mut()
    {
        s.remove("suspend");
    }
    spec
}

/// The same spec with only the first `n` worker groups.
fn truncated(spec: &Value, n: usize) -> Value {
    let mut spec = spec.clone();
    if let Some(groups) = spec
        .get_mut("workerGroupSpecs")
        .and_then(Value::as_array_mut)
    {
        groups.truncate(n);
    }
    spec
}

fn worker_groups(spec: &Value) -> usize {
    spec["workerGroupSpecs"].as_array().map_or(0, Vec::len)
}

fn ray_service(old: &Value, new: &Value, ctx: &Context) -> (Severity, String) {
    let v = ctx.version;
    let (old_cluster, new_cluster) = (
        &old["spec"]["rayClusterConfig"],
        &new["spec"]["rayClusterConfig"],
    );
    let serve_changed = old["spec"]["serveConfigV2"] != new["spec"]["serveConfigV2"];
    if old_cluster == new_cluster {
        // reconcileServe (rayservice_controller.go, every tag v1.0.0…v1.7.0)
        // compares the Serve config with the one it last sent and updates
        // the applications on the running cluster.
        return if serve_changed {
            (
                Severity::InPlace,
                "Serve config only: the applications are updated in place on the running cluster, no new cluster".to_owned(),
            )
        } else {
            (
                Severity::InPlace,
                "RayService settings updated in place; the cluster is untouched".to_owned(),
            )
        };
    }
    let (old_hashed, new_hashed) = (
        hashed_cluster_spec(old_cluster, v),
        hashed_cluster_spec(new_cluster, v),
    );
    if old_hashed == new_hashed {
        return (
            Severity::InPlace,
            "worker replicas only: left out of the operator's cluster hash, so no new cluster; the running cluster scales".to_owned(),
        );
    }
    // From v1.1.0 (shouldPrepareNewRayCluster "Case 2"; isClusterSpecHashEqual
    // with partial=true from v1.3.0): worker groups appended at the end, the
    // rest unchanged, update the running cluster instead of replacing it.
    let (old_groups, new_groups) = (worker_groups(old_cluster), worker_groups(new_cluster));
    if v >= KubeRayVersion::V1_1
        && new_groups > old_groups
        && truncated(&new_hashed, old_groups) == old_hashed
    {
        return (
            Severity::InPlace,
            "worker groups appended: added to the running cluster in place, no new cluster"
                .to_owned(),
        );
    }
    // upgradeStrategy exists from v1.3.0 (isZeroDowntimeUpgradeEnabled);
    // NewClusterWithIncrementalUpgrade from v1.5.0.
    let strategy = if v >= KubeRayVersion::V1_3 {
        new["spec"]["upgradeStrategy"]["type"].as_str()
    } else {
        None
    };
    let serve = if serve_changed {
        "; the new Serve config is deployed on the new cluster"
    } else {
        ""
    };
    match strategy {
        Some("None") => (
            Severity::Ignored,
            "rayClusterConfig changed but upgradeStrategy is None: no new cluster is created and the running cluster keeps its old config".to_owned(),
        ),
        Some("NewClusterWithIncrementalUpgrade") if v >= KubeRayVersion::V1_5 => (
            Severity::NewCluster,
            format!("rayClusterConfig changed: incremental upgrade, a new RayCluster starts and traffic moves to it step by step through the Gateway, then the old one is deleted{serve}"),
        ),
        _ => (
            Severity::NewCluster,
            format!("rayClusterConfig changed: zero-downtime upgrade, a new RayCluster starts and traffic switches to it once it is ready, then the old one is deleted (none if the operator runs with ENABLE_ZERO_DOWNTIME=false){serve}"),
        ),
    }
}

/// Fields that only scale a RayCluster: the operator reconciles pod counts
/// to them (raycluster_controller.go reconcilePods, every tag).
fn without_scaling(spec: &Value) -> Value {
    let mut spec = spec.clone();
    if let Some(s) = spec.as_object_mut() {
        s.remove("suspend");
    }
    if let Some(groups) = spec
        .get_mut("workerGroupSpecs")
        .and_then(Value::as_array_mut)
    {
        for group in groups.iter_mut().filter_map(Value::as_object_mut) {
            for field in [
                "replicas",
                "minReplicas",
                "maxReplicas",
                "scaleStrategy",
                "suspend",
            ] {
                group.remove(field);
            }
        }
    }
    spec
}

fn ray_cluster(old: &Value, new: &Value, ctx: &Context) -> (Severity, String) {
    if without_scaling(&old["spec"]) == without_scaling(&new["spec"]) {
        return (
            Severity::InPlace,
            "scaling only: the operator creates or deletes pods to match".to_owned(),
        );
    }
    // raycluster_controller.go@v1.6.0 shouldRecreatePodsForUpgrade: with
    // upgradeStrategy Recreate a changed spec hash deletes every pod.
    let recreate = new["spec"]["upgradeStrategy"]["type"].as_str() == Some("Recreate");
    if ctx.version >= KubeRayVersion::V1_6 && recreate {
        return (
            Severity::Restart,
            "upgradeStrategy Recreate: every pod is deleted and created again with the new spec"
                .to_owned(),
        );
    }
    // raycluster_controller.go (every tag) creates missing pods from the
    // current template but never updates or rolls running ones.
    let hint = if ctx.version >= KubeRayVersion::V1_6 {
        "; set upgradeStrategy Recreate to restart them"
    } else {
        ""
    };
    (
        Severity::Ignored,
        format!(
            "running pods keep the old spec: KubeRay does not roll pods, only pods created from now on (scale-up, replacements) get it{hint}"
        ),
    )
}

fn ray_job(old: &Value, new: &Value) -> (Severity, String) {
    let mut old_spec = old["spec"].clone();
    let mut new_spec = new["spec"].clone();
    for spec in [&mut old_spec, &mut new_spec] {
        if let Some(s) = spec.as_object_mut() {
            s.remove("suspend");
        }
    }
    if old_spec == new_spec {
        // rayjob_controller.go@v1.3.0 and later: Running → Suspending when
        // `suspend` is set; Suspended → New when it is cleared.
        return (
            Severity::InPlace,
            "suspend flag only: the operator suspends (stops the job, deletes its cluster) or resumes it".to_owned(),
        );
    }
    // rayjob_controller.go@v1.7.0: the spec is read when the job leaves
    // New/Initializing (cluster created, job submitted); Running, Complete
    // and Failed never read entrypoint or rayClusterSpec again.
    (
        Severity::Ignored,
        "ignored by the operator once the job has started (it reads the spec only at submission); set `gitops.rayJobUpdate: hash-name` in rayc.yaml so a change renames the job and runs it again".to_owned(),
    )
}
