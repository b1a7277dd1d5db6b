//! `rayc flux`: one Flux `Kustomization` per environment, applying the
//! committed `rendered/<env>` folder, with health expressions for the
//! ray.io kinds.

use serde_json::{Value, json};

use super::health::health_check_exprs;

/// Where the Kustomizations point, from the command line.
#[derive(Clone, Debug)]
pub struct Target {
    /// The `GitRepository` (or other source) holding the project.
    pub source: String,
    /// Namespace of the Kustomization objects (Flux's own).
    pub namespace: String,
    pub interval: String,
    pub timeout: String,
}

/// One environment's Kustomization; `path` is the rendered folder relative
/// to the source's root.
pub fn kustomization(name: &str, path: &str, target: &Target) -> Value {
    let exprs: Vec<Value> = health_check_exprs()
        .into_iter()
        .map(|e| {
            json!({
                "apiVersion": e.api_version,
                "kind": e.kind,
                "current": e.current,
                "inProgress": e.in_progress,
                "failed": e.failed,
            })
        })
        .collect();
    let mut spec = json!({
        "interval": target.interval,
        "sourceRef": {"kind": "GitRepository", "name": target.source},
        "path": path,
        "prune": true,
        // Health of every applied object, with the expressions below for ray.io.
        "wait": true,
        "timeout": target.timeout,
    });
    if !exprs.is_empty() {
        spec["healthCheckExprs"] = Value::Array(exprs);
    }
    json!({
        "apiVersion": "kustomize.toolkit.fluxcd.io/v1",
        "kind": "Kustomization",
        "metadata": {"name": name, "namespace": target.namespace},
        "spec": spec,
    })
}

/// `./a/b` for a path inside the source; `.` and empty parts dropped.
pub fn source_path(parts: &[&str]) -> String {
    let mut out = String::from(".");
    for part in parts.iter().flat_map(|p| p.split('/')) {
        if !part.is_empty() && part != "." {
            out.push('/');
            out.push_str(part);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::source_path;

    #[test]
    fn paths_are_dot_relative() {
        assert_eq!(
            source_path(&[".", "examples/app/", "rendered", "dev"]),
            "./examples/app/rendered/dev"
        );
        assert_eq!(source_path(&["", "rendered"]), "./rendered");
    }
}
