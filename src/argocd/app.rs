//! `rayc argocd app`: one Argo CD `Application` per environment, rendered by
//! the plugin, ignoring what the Ray autoscaler owns.

use serde_json::{Value, json};

use super::plugin::{PARAM_ENVIRONMENT, PLUGIN_NAME};

/// Where the Applications point, from the command line.
#[derive(Clone, Debug)]
pub struct Target {
    pub repo_url: String,
    pub revision: String,
    /// The project's folder inside the repository.
    pub path: String,
    pub dest_server: String,
    /// Namespace of the Application objects (Argo CD's own).
    pub namespace: String,
    /// The Argo CD project.
    pub project: String,
}

/// One environment's Application. `objects` are what the plugin renders for
/// it; `dest_namespace` is where objects without a namespace go.
pub fn application(
    name: &str,
    env: Option<&str>,
    dest_namespace: Option<&str>,
    objects: &[&Value],
    target: &Target,
) -> Value {
    let mut source = json!({
        "repoURL": target.repo_url,
        "targetRevision": target.revision,
        "path": target.path,
        "plugin": {"name": PLUGIN_NAME},
    });
    if let Some(env) = env {
        source["plugin"]["parameters"] = json!([{"name": PARAM_ENVIRONMENT, "string": env}]);
    }
    let mut destination = json!({"server": target.dest_server});
    if let Some(ns) = dest_namespace {
        destination["namespace"] = json!(ns);
    }
    let ignore: Vec<Value> = objects.iter().filter_map(|o| ignore_replicas(o)).collect();
    let mut sync_options = vec!["CreateNamespace=true"];
    if !ignore.is_empty() {
        // Without it a sync would still write the ignored fields back.
        sync_options.push("RespectIgnoreDifferences=true");
    }
    let mut spec = json!({
        "project": target.project,
        "source": source,
        "destination": destination,
    });
    if !ignore.is_empty() {
        spec["ignoreDifferences"] = Value::Array(ignore);
    }
    spec["syncPolicy"] = json!({
        "automated": {"prune": true, "selfHeal": true},
        "syncOptions": sync_options,
    });
    json!({
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Application",
        "metadata": {
            "name": name,
            "namespace": target.namespace,
            // Deleting the Application deletes what it synced.
            "finalizers": ["resources-finalizer.argocd.argoproj.io"],
        },
        "spec": spec,
    })
}

/// The `ignoreDifferences` entry for an object whose autoscaled worker
/// groups rayc left without `replicas` (the autoscaler owns them).
fn ignore_replicas(object: &Value) -> Option<Value> {
    let kind = object["kind"].as_str()?;
    let (cluster, prefix) = match kind {
        "RayCluster" => (&object["spec"], ".spec"),
        "RayJob" => (&object["spec"]["rayClusterSpec"], ".spec.rayClusterSpec"),
        "RayService" => (
            &object["spec"]["rayClusterConfig"],
            ".spec.rayClusterConfig",
        ),
        _ => return None,
    };
    if cluster["enableInTreeAutoscaling"] != true {
        return None;
    }
    let paths: Vec<String> = cluster["workerGroupSpecs"]
        .as_array()?
        .iter()
        .filter(|g| g.get("replicas").is_none())
        .filter_map(|g| g["groupName"].as_str())
        .map(|group| {
            format!(
                ".{}.workerGroupSpecs[] | select(.groupName == {}) | .replicas",
                &prefix[1..],
                Value::String(group.to_owned())
            )
        })
        .collect();
    if paths.is_empty() {
        return None;
    }
    let mut entry = json!({"group": "ray.io", "kind": kind, "name": object["metadata"]["name"]});
    if let Some(ns) = object["metadata"]["namespace"].as_str() {
        entry["namespace"] = json!(ns);
    }
    entry["jqPathExpressions"] = json!(paths);
    Some(entry)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_autoscaled_groups_without_replicas_are_ignored() {
        let cluster = json!({"kind": "RayCluster", "metadata": {"name": "c", "namespace": "ml"},
            "spec": {"enableInTreeAutoscaling": true, "workerGroupSpecs": [
                {"groupName": "cpu"}, {"groupName": "pinned", "replicas": 2}]}});
        let entry = ignore_replicas(&cluster).unwrap();
        assert_eq!(
            entry["jqPathExpressions"],
            json!([".spec.workerGroupSpecs[] | select(.groupName == \"cpu\") | .replicas"])
        );
        let fixed = json!({"kind": "RayJob", "metadata": {"name": "j"},
            "spec": {"rayClusterSpec": {"workerGroupSpecs": [{"groupName": "cpu"}]}}});
        assert!(ignore_replicas(&fixed).is_none());
    }
}
