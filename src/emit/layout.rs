//! Where each object goes: `[<env>/][<namespace>/]<kind>-<name>.yaml` plus one
//! `kustomization.yaml` per environment folder, and the `--stdout` stream.

use std::collections::BTreeMap;

use serde_json::Value;

use super::yaml::to_canonical_yaml_document;
use super::{EmitError, OutputFile, kustomization};

/// An object ready to be written, with the environment it belongs to.
#[derive(Clone, Debug)]
pub struct Placed<'a> {
    pub env: Option<&'a str>,
    pub object: &'a Value,
}

/// The relative file path of an object (lower case, as product.md §5 says).
pub fn object_path(env: Option<&str>, object: &Value) -> String {
    let text = |v: &Value| v.as_str().unwrap_or_default().to_lowercase();
    let kind = text(&object["kind"]);
    let name = text(&object["metadata"]["name"]);
    let file = format!("{kind}-{name}.yaml");
    let mut parts: Vec<String> = env.map(str::to_owned).into_iter().collect();
    if let Some(ns) = object["metadata"]["namespace"]
        .as_str()
        .filter(|s| !s.is_empty())
    {
        parts.push(ns.to_lowercase());
    }
    parts.push(file);
    parts.join("/")
}

/// Renders every object into its file, plus a sorted `kustomization.yaml` per
/// environment folder. Objects are written in canonical key order.
pub fn render_files(objects: &[Placed]) -> Result<Vec<OutputFile>, EmitError> {
    let mut files: BTreeMap<String, OutputFile> = BTreeMap::new();
    let mut per_env: BTreeMap<Option<&str>, Vec<String>> = BTreeMap::new();
    for placed in objects {
        let path = object_path(placed.env, placed.object);
        if files.contains_key(&path) {
            return Err(EmitError::DuplicatePath { path });
        }
        let body = to_canonical_yaml_document(placed.object)?;
        let relative = match placed.env {
            Some(env) => path
                .strip_prefix(&format!("{env}/"))
                .unwrap_or(&path)
                .to_owned(),
            None => path.clone(),
        };
        per_env.entry(placed.env).or_default().push(relative);
        files.insert(path.clone(), OutputFile::generated(path, &body));
    }
    for (env, resources) in per_env {
        let path = match env {
            Some(env) => format!("{env}/kustomization.yaml"),
            None => "kustomization.yaml".to_owned(),
        };
        files.insert(
            path.clone(),
            OutputFile {
                path,
                contents: kustomization(&resources),
            },
        );
    }
    Ok(files.into_values().collect())
}

/// One YAML stream of every object file (not the kustomizations), in path order.
pub fn stream(files: &[OutputFile]) -> String {
    let mut out = String::new();
    for file in files
        .iter()
        .filter(|f| !f.path.ends_with("kustomization.yaml"))
    {
        let body = file
            .contents
            .split_once('\n')
            .map_or(file.contents.as_str(), |(_, rest)| rest);
        if !out.is_empty() {
            out.push_str("---\n");
        }
        out.push_str(body);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn paths_follow_env_namespace_kind_name() {
        let obj = json!({"kind": "RayJob", "metadata": {"name": "Train", "namespace": "ml"}});
        assert_eq!(object_path(Some("prod"), &obj), "prod/ml/rayjob-train.yaml");
        let obj = json!({"kind": "ConfigMap", "metadata": {"name": "c"}});
        assert_eq!(object_path(None, &obj), "configmap-c.yaml");
    }

    #[test]
    fn two_objects_on_one_path_are_an_error() {
        let obj = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}});
        let placed = [
            Placed {
                env: None,
                object: &obj,
            },
            Placed {
                env: None,
                object: &obj,
            },
        ];
        assert!(matches!(
            render_files(&placed),
            Err(EmitError::DuplicatePath { .. })
        ));
    }

    #[test]
    fn kustomization_lists_env_relative_paths() {
        let a = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a", "namespace": "x"}});
        let files = render_files(&[Placed {
            env: Some("dev"),
            object: &a,
        }])
        .unwrap();
        let k = files
            .iter()
            .find(|f| f.path == "dev/kustomization.yaml")
            .unwrap();
        assert!(k.contents.contains("- x/configmap-a.yaml"));
        assert!(stream(&files).starts_with("apiVersion: v1\n"));
    }
}
