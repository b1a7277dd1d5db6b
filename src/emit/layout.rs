//! Where each object goes: `[<env>/][<namespace>/]<kind>-<name>.yaml` plus one
//! `kustomization.yaml` per environment folder, and the `--stdout` stream.

use std::collections::BTreeMap;

use serde_json::Value;

use super::yaml::to_canonical_yaml_file;
use super::{EmitError, GENERATED_MARKER, OutputFile, kustomization};

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

/// One object's output file, rendered ahead of [`assemble`]: its path and
/// its contents (the marker line, then the YAML in canonical key order).
pub fn render_object(env: Option<&str>, object: &Value) -> (String, Result<String, EmitError>) {
    let path = object_path(env, object);
    let contents = to_canonical_yaml_file(GENERATED_MARKER, object);
    (path, contents)
}

/// Renders every object into its file, plus a sorted `kustomization.yaml` per
/// environment folder. Objects are written in canonical key order.
pub fn render_files(objects: &[Placed]) -> Result<Vec<OutputFile>, EmitError> {
    assemble(objects.iter().map(|placed| {
        let (path, contents) = render_object(placed.env, placed.object);
        (placed.env, path, contents)
    }))
}

/// The output files of objects [`render_object`] rendered, given as
/// (environment, path, contents) in build order, plus a sorted
/// `kustomization.yaml` per environment folder; the first duplicate path
/// or unwritable object in that order is the error.
pub fn assemble<E: AsRef<str> + Ord>(
    objects: impl IntoIterator<Item = (Option<E>, String, Result<String, EmitError>)>,
) -> Result<Vec<OutputFile>, EmitError> {
    let mut files: BTreeMap<String, OutputFile> = BTreeMap::new();
    let mut per_env: BTreeMap<Option<E>, Vec<String>> = BTreeMap::new();
    for (env, path, contents) in objects {
        if files.contains_key(&path) {
            return Err(EmitError::DuplicatePath { path });
        }
        let contents = contents?;
        let relative = match &env {
            Some(env) => path
                .strip_prefix(&format!("{}/", env.as_ref()))
                .unwrap_or(&path)
                .to_owned(),
            None => path.clone(),
        };
        per_env.entry(env).or_default().push(relative);
        files.insert(path.clone(), OutputFile { path, contents });
    }
    for (env, resources) in per_env {
        let path = match env {
            Some(env) => format!("{}/kustomization.yaml", env.as_ref()),
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
    stream_parts(files).collect()
}

/// The pieces of [`stream`] in order, to write without joining them first.
pub fn stream_parts(files: &[OutputFile]) -> impl Iterator<Item = &str> {
    files
        .iter()
        .filter(|f| !f.path.ends_with("kustomization.yaml"))
        .enumerate()
        .flat_map(|(i, file)| {
            let body = file
                .contents
                .split_once('\n')
                .map_or(file.contents.as_str(), |(_, rest)| rest);
            [if i == 0 { "" } else { "---\n" }, body]
        })
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
