//! The Config Management Plugin (v2, sidecar): `plugin.yaml`, the dynamic
//! parameter announcement, and the build-environment contract of
//! `argocd-cmp-server` (which variables carry user input, how parameter
//! names are escaped). Pure functions over the environment given to them.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The plugin's name; an Application selects it as `plugin: {name: rayc}`.
pub const PLUGIN_NAME: &str = "rayc";
pub const PARAM_ENVIRONMENT: &str = "environment";
pub const PARAM_DISABLE_OVERLAYS: &str = "disable-overlays";
pub const PARAM_KUBERAY_VERSION: &str = "kuberay-version";
/// The API every manifest rayc emits belongs to (besides core v1).
pub const RAY_API: &str = "ray.io/v1";

/// `plugin.yaml`, read by `argocd-cmp-server` from
/// `/home/argocd/cmp-server/config/plugin.yaml`. rayc runs directly (no
/// `sh -c`), so its exit code is Argo CD's verdict.
pub const PLUGIN_YAML: &str = "\
# Argo CD Config Management Plugin (v2, sidecar) for rayc: `rayc argocd plugin`.
# Mounted at /home/argocd/cmp-server/config/plugin.yaml in the rayc sidecar
# (deploy/argocd/). Not a Kubernetes resource: never `kubectl apply` it.
apiVersion: argoproj.io/v1alpha1
kind: ConfigManagementPlugin
metadata:
  name: rayc
spec:
  # An app whose source folder holds rayc.yaml uses this plugin.
  discover:
    fileName: rayc.yaml
  # Manifests on stdout, diagnostics on stderr, non-zero exit on any error.
  generate:
    command: [rayc, argocd, generate]
  # environment, disable-overlays and kuberay-version, with the project's
  # environments, overlays and KubeRay version (announced once, here).
  parameters:
    dynamic:
      command: [rayc, argocd, params]
  preserveFileMode: false
";

/// One entry of the parameter announcement (Argo CD's `ParameterAnnouncement`).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Announcement {
    pub name: String,
    pub title: String,
    pub tooltip: String,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub required: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub item_type: Option<String>,
    pub collection_type: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub string: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub array: Option<Vec<String>>,
}

/// What the announcement needs to know of the project.
#[derive(Clone, Debug, Default)]
pub struct ProjectFacts {
    pub environments: Vec<String>,
    /// Every overlay an environment may switch off, sorted.
    pub overlays: Vec<String>,
    /// `kuberayVersion` of rayc.yaml, else the newest rayc knows.
    pub kuberay_version: String,
    pub kuberay_versions: Vec<String>,
}

/// The environment to build when no parameter names one: the only one, if
/// the project has exactly one. With several there is no safe default.
pub fn default_environment(facts: &ProjectFacts) -> Option<&str> {
    match facts.environments.as_slice() {
        [only] => Some(only),
        _ => None,
    }
}

/// The parameters, with exactly the defaults `generate` applies.
pub fn announce(facts: &ProjectFacts) -> Vec<Announcement> {
    let mut out = Vec::new();
    if !facts.environments.is_empty() {
        out.push(Announcement {
            name: PARAM_ENVIRONMENT.to_owned(),
            title: "Environment".to_owned(),
            tooltip: format!(
                "The rayc.yaml environment to render: {}",
                facts.environments.join(", ")
            ),
            required: default_environment(facts).is_none(),
            collection_type: "string".to_owned(),
            string: default_environment(facts).map(str::to_owned),
            ..Announcement::default()
        });
        out.push(Announcement {
            name: PARAM_DISABLE_OVERLAYS.to_owned(),
            title: "Overlays to switch off".to_owned(),
            tooltip: format!(
                "Overlays switched off on top of the environment's disableOverlays: {}",
                facts.overlays.join(", ")
            ),
            item_type: Some("string".to_owned()),
            collection_type: "array".to_owned(),
            array: Some(Vec::new()),
            ..Announcement::default()
        });
    }
    out.push(Announcement {
        name: PARAM_KUBERAY_VERSION.to_owned(),
        title: "KubeRay version".to_owned(),
        tooltip: format!(
            "The KubeRay operator version the cluster runs: {}",
            facts.kuberay_versions.join(", ")
        ),
        collection_type: "string".to_owned(),
        string: Some(facts.kuberay_version.clone()),
        ..Announcement::default()
    });
    out
}

/// The user's choices, read from the build environment.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Inputs {
    pub environment: Option<String>,
    pub disable_overlays: Vec<String>,
    pub kuberay_version: Option<String>,
}

/// Argo CD's escaping of a parameter name in `PARAM_<name>`: upper case,
/// and every character outside `[A-Z0-9_]` becomes `_`.
pub fn escaped(name: &str) -> String {
    name.to_uppercase()
        .chars()
        .map(|c| {
            if c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// One entry of `ARGOCD_APP_PARAMETERS`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Parameter {
    name: String,
    #[serde(default)]
    string: Option<String>,
    #[serde(default)]
    array: Option<Vec<String>>,
    #[serde(default)]
    map: Option<BTreeMap<String, String>>,
}

const KNOWN: [&str; 3] = [
    PARAM_ENVIRONMENT,
    PARAM_DISABLE_OVERLAYS,
    PARAM_KUBERAY_VERSION,
];

/// Reads the user's choices from `vars` (the process environment). User
/// input comes only from parameters (`ARGOCD_APP_PARAMETERS`, else
/// `PARAM_*`) and `ARGOCD_ENV_*` (an Application's `plugin.env`); a value
/// given both ways must agree. `Err` is a message for Argo CD's UI.
pub fn read_inputs(vars: &BTreeMap<String, String>) -> Result<Inputs, String> {
    let params = match vars.get("ARGOCD_APP_PARAMETERS") {
        Some(json) if !json.trim().is_empty() => from_json(json)?,
        _ => from_param_vars(vars)?,
    };
    let env = |name: &str| {
        vars.get(&format!("ARGOCD_ENV_{}", escaped(name)))
            .filter(|v| !v.is_empty())
            .cloned()
    };
    let pick = |param: Option<String>, name: &str| match (param, env(name)) {
        (Some(p), Some(e)) if p != e => Err(format!(
            "parameter `{name}` is {p:?} but ARGOCD_ENV_{} is {e:?}; set one of them",
            escaped(name)
        )),
        (p, e) => Ok(p.or(e)),
    };
    let environment = pick(params.environment, PARAM_ENVIRONMENT)?;
    let kuberay_version = pick(params.kuberay_version, PARAM_KUBERAY_VERSION)?;
    let from_env: Vec<String> = env(PARAM_DISABLE_OVERLAYS)
        .map(|v| {
            v.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    let disable_overlays = match (params.disable_overlays, from_env) {
        (p, e) if !p.is_empty() && !e.is_empty() && p != e => {
            return Err(format!(
                "parameter `{PARAM_DISABLE_OVERLAYS}` is {p:?} but ARGOCD_ENV_DISABLE_OVERLAYS is {e:?}; set one of them"
            ));
        }
        (p, e) if p.is_empty() => e,
        (p, _) => p,
    };
    Ok(Inputs {
        environment,
        disable_overlays,
        kuberay_version,
    })
}

fn from_json(json: &str) -> Result<Inputs, String> {
    let params: Vec<Parameter> = serde_json::from_str(json)
        .map_err(|e| format!("ARGOCD_APP_PARAMETERS is not a JSON list of parameters: {e}"))?;
    let mut inputs = Inputs::default();
    for p in params {
        let shape = match (&p.string, &p.array, &p.map) {
            (Some(_), None, None) => "string",
            (None, Some(_), None) => "array",
            (None, None, Some(_)) => "map",
            _ => "mixed",
        };
        match (p.name.as_str(), shape) {
            (PARAM_ENVIRONMENT, "string") => inputs.environment = p.string,
            (PARAM_KUBERAY_VERSION, "string") => inputs.kuberay_version = p.string,
            (PARAM_DISABLE_OVERLAYS, "array") => {
                inputs.disable_overlays = p.array.unwrap_or_default();
            }
            (name, _) if KNOWN.contains(&name) => {
                let want = if name == PARAM_DISABLE_OVERLAYS {
                    "an array"
                } else {
                    "a string"
                };
                return Err(format!("parameter `{name}` must be {want}, not {shape}"));
            }
            (name, _) => return Err(unknown_parameter(name)),
        }
    }
    Ok(inputs)
}

fn from_param_vars(vars: &BTreeMap<String, String>) -> Result<Inputs, String> {
    let mut inputs = Inputs::default();
    let environment = format!("PARAM_{}", escaped(PARAM_ENVIRONMENT));
    let version = format!("PARAM_{}", escaped(PARAM_KUBERAY_VERSION));
    let overlays = format!("PARAM_{}_", escaped(PARAM_DISABLE_OVERLAYS));
    let mut items: BTreeMap<usize, String> = BTreeMap::new();
    for (key, value) in vars.range("PARAM_".to_owned()..) {
        if !key.starts_with("PARAM_") {
            break;
        }
        if *key == environment {
            inputs.environment = Some(value.clone());
        } else if *key == version {
            inputs.kuberay_version = Some(value.clone());
        } else if let Some(i) = key
            .strip_prefix(&overlays)
            .and_then(|i| i.parse::<usize>().ok())
        {
            items.insert(i, value.clone());
        } else {
            return Err(unknown_parameter(&key["PARAM_".len()..]));
        }
    }
    if items.keys().copied().ne(0..items.len()) {
        return Err(format!(
            "{overlays}<i> variables are not numbered 0, 1, 2, …; pass the parameter as an array"
        ));
    }
    inputs.disable_overlays = items.into_values().collect();
    Ok(inputs)
}

fn unknown_parameter(name: &str) -> String {
    format!(
        "unknown parameter `{name}`; rayc takes {}",
        KNOWN.map(|k| format!("`{k}`")).join(", ")
    )
}

/// Whether the cluster serves `ray.io/v1`, from `KUBE_API_VERSIONS` (a
/// comma-joined list). Unset or empty means unknown, which is no refusal.
pub fn cluster_serves_ray(kube_api_versions: Option<&str>) -> bool {
    match kube_api_versions.map(str::trim).filter(|v| !v.is_empty()) {
        None => true,
        Some(list) => list.split(',').any(|v| v.trim() == RAY_API),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn names_are_escaped_like_argo_cd() {
        assert_eq!(escaped("disable-overlays"), "DISABLE_OVERLAYS");
        assert_eq!(escaped("kuberay.version"), "KUBERAY_VERSION");
        assert_eq!(escaped("a_b9"), "A_B9");
    }

    #[test]
    fn parameters_json_wins_over_param_vars() {
        let v = vars(&[
            (
                "ARGOCD_APP_PARAMETERS",
                r#"[{"name":"environment","string":"prod"},{"name":"disable-overlays","array":["gpu"]}]"#,
            ),
            ("PARAM_ENVIRONMENT", "prod"),
            ("PARAM_DISABLE_OVERLAYS_0", "gpu"),
        ]);
        let inputs = read_inputs(&v).unwrap();
        assert_eq!(inputs.environment.as_deref(), Some("prod"));
        assert_eq!(inputs.disable_overlays, ["gpu"]);
    }

    #[test]
    fn param_vars_and_argocd_env() {
        let v = vars(&[
            ("PARAM_DISABLE_OVERLAYS_1", "ingress"),
            ("PARAM_DISABLE_OVERLAYS_0", "gpu"),
            ("ARGOCD_ENV_ENVIRONMENT", "dev"),
        ]);
        let inputs = read_inputs(&v).unwrap();
        assert_eq!(inputs.environment.as_deref(), Some("dev"));
        assert_eq!(inputs.disable_overlays, ["gpu", "ingress"]);
    }

    #[test]
    fn conflicts_and_unknown_names_are_errors() {
        let v = vars(&[
            ("PARAM_ENVIRONMENT", "dev"),
            ("ARGOCD_ENV_ENVIRONMENT", "prod"),
        ]);
        assert!(read_inputs(&v).unwrap_err().contains("set one of them"));
        let v = vars(&[("PARAM_ENVIROMENT", "dev")]);
        assert!(read_inputs(&v).unwrap_err().contains("unknown parameter"));
        let v = vars(&[("ARGOCD_APP_PARAMETERS", "{")]);
        assert!(read_inputs(&v).unwrap_err().contains("not a JSON list"));
        let v = vars(&[(
            "ARGOCD_APP_PARAMETERS",
            r#"[{"name":"environment","array":["a"]}]"#,
        )]);
        assert!(read_inputs(&v).unwrap_err().contains("must be a string"));
        let v = vars(&[("PARAM_DISABLE_OVERLAYS_1", "gpu")]);
        assert!(read_inputs(&v).unwrap_err().contains("numbered"));
    }

    #[test]
    fn ray_api_must_be_served_when_known() {
        assert!(cluster_serves_ray(None));
        assert!(cluster_serves_ray(Some("")));
        assert!(cluster_serves_ray(Some("apps/v1,ray.io/v1,v1")));
        assert!(!cluster_serves_ray(Some("apps/v1,ray.io/v1alpha1,v1")));
    }
}
