//! The Argo CD annotations rayc's GitOps policies need: sync waves (claims
//! and ConfigMaps before clusters and services, those before jobs) and the
//! RayJob update policy (`hook`, `replace`).

use std::collections::BTreeMap;

use serde_json::Value;

use crate::model::project::{Project, RayJobUpdate};

pub const SYNC_WAVE: &str = "argocd.argoproj.io/sync-wave";
pub const SYNC_OPTIONS: &str = "argocd.argoproj.io/sync-options";
pub const HOOK: &str = "argocd.argoproj.io/hook";
pub const HOOK_DELETE_POLICY: &str = "argocd.argoproj.io/hook-delete-policy";

/// The kinds rayc emits, which `gitops.syncWaves` may name.
pub const WAVE_KINDS: [&str; 6] = [
    "ConfigMap",
    "PersistentVolumeClaim",
    "RayCluster",
    "RayCronJob",
    "RayJob",
    "RayService",
];

/// Waves when rayc.yaml sets none: what a job needs exists before it starts.
pub fn default_waves() -> BTreeMap<String, i32> {
    [
        ("ConfigMap", -1),
        ("PersistentVolumeClaim", -1),
        ("RayCluster", 0),
        ("RayService", 0),
        ("RayJob", 1),
        ("RayCronJob", 1),
    ]
    .into_iter()
    .map(|(k, w)| (k.to_owned(), w))
    .collect()
}

/// What to annotate, from `gitops` of rayc.yaml.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Policy {
    pub waves: BTreeMap<String, i32>,
    pub job_update: Option<RayJobUpdate>,
}

impl Policy {
    /// The policy of a project; `Err` names the `syncWaves` keys that are no
    /// kind rayc emits.
    pub fn of(project: &Project) -> Result<Policy, Vec<String>> {
        let gitops = project.gitops.clone().unwrap_or_default();
        let waves = gitops.sync_waves.unwrap_or_else(default_waves);
        let unknown: Vec<String> = waves
            .keys()
            .filter(|k| !WAVE_KINDS.contains(&k.as_str()))
            .cloned()
            .collect();
        if !unknown.is_empty() {
            return Err(unknown);
        }
        Ok(Policy {
            waves,
            job_update: gitops.ray_job_update,
        })
    }

    /// Adds the annotations to one object. Annotations the object already has
    /// (from the spec, defaults or an overlay) win; sync options are merged.
    pub fn annotate(&self, object: &mut Value) {
        let kind = object["kind"].as_str().unwrap_or_default().to_owned();
        let mut add: Vec<(&str, String)> = Vec::new();
        // Wave 0 is Argo CD's default: writing it would only add noise.
        if let Some(&wave) = self.waves.get(&kind).filter(|w| **w != 0) {
            add.push((SYNC_WAVE, wave.to_string()));
        }
        if kind == "RayJob" {
            match self.job_update {
                Some(RayJobUpdate::Hook) => {
                    add.push((HOOK, "Sync".to_owned()));
                    add.push((HOOK_DELETE_POLICY, "BeforeHookCreation".to_owned()));
                }
                Some(RayJobUpdate::Replace) => {
                    add.push((SYNC_OPTIONS, "Replace=true,Force=true".to_owned()));
                }
                _ => {}
            }
        }
        if add.is_empty() {
            return;
        }
        let Some(metadata) = object.get_mut("metadata").and_then(Value::as_object_mut) else {
            return;
        };
        let annotations = metadata
            .entry("annotations")
            .or_insert_with(|| Value::Object(Default::default()));
        let Some(annotations) = annotations.as_object_mut() else {
            return;
        };
        for (key, value) in add {
            match annotations.get(key).and_then(Value::as_str) {
                None => {
                    annotations.insert(key.to_owned(), Value::String(value));
                }
                Some(existing) if key == SYNC_OPTIONS => {
                    let mut options: Vec<&str> = existing.split(',').map(str::trim).collect();
                    for option in value.split(',') {
                        if !options.contains(&option) {
                            options.push(option);
                        }
                    }
                    let merged = options.join(",");
                    annotations.insert(key.to_owned(), Value::String(merged));
                }
                Some(_) => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn policy(update: Option<RayJobUpdate>) -> Policy {
        Policy {
            waves: default_waves(),
            job_update: update,
        }
    }

    #[test]
    fn waves_order_claims_then_clusters_then_jobs() {
        let mut pvc = json!({"kind": "PersistentVolumeClaim", "metadata": {"name": "d"}});
        let mut cluster = json!({"kind": "RayCluster", "metadata": {"name": "c"}});
        let mut job = json!({"kind": "RayJob", "metadata": {"name": "j"}});
        let p = policy(None);
        p.annotate(&mut pvc);
        p.annotate(&mut cluster);
        p.annotate(&mut job);
        assert_eq!(pvc["metadata"]["annotations"][SYNC_WAVE], "-1");
        assert!(cluster["metadata"].get("annotations").is_none());
        assert_eq!(job["metadata"]["annotations"][SYNC_WAVE], "1");
    }

    #[test]
    fn own_annotations_win_and_sync_options_merge() {
        let mut job = json!({"kind": "RayJob", "metadata": {"name": "j", "annotations": {
            SYNC_WAVE: "5", SYNC_OPTIONS: "Validate=false"}}});
        policy(Some(RayJobUpdate::Replace)).annotate(&mut job);
        let a = &job["metadata"]["annotations"];
        assert_eq!(a[SYNC_WAVE], "5");
        assert_eq!(a[SYNC_OPTIONS], "Validate=false,Replace=true,Force=true");
    }

    #[test]
    fn hook_policy_makes_jobs_sync_hooks() {
        let mut job = json!({"kind": "RayJob", "metadata": {"name": "j"}});
        policy(Some(RayJobUpdate::Hook)).annotate(&mut job);
        assert_eq!(job["metadata"]["annotations"][HOOK], "Sync");
        assert_eq!(
            job["metadata"]["annotations"][HOOK_DELETE_POLICY],
            "BeforeHookCreation"
        );
    }
}
