//! Tutorial equivalence: each `examples/tutorial-*` project builds to the
//! objects of its tutorial manifest (`$RAYC_SHARED/seed/*.yaml`), up to a
//! documented normalisation. Skipped, loudly, when the seed folder is missing.
//!
//! Both sides are normalised alike first: quantities in canonical form and keys
//! in canonical order (rayc's own `emit` functions), rayc's labels
//! (`app.kubernetes.io/managed-by`, `app.kubernetes.io/part-of`) removed, and
//! the tutorial's ConfigMap and code volume renamed to rayc's (the ConfigMaps
//! are paired by their data, so a code file that differs from the tutorial's
//! fails the pairing).
//!
//! Every remaining difference is a named [`Step`] applied to the tutorial side,
//! with its reason; `docs/tutorial-equivalence.md` lists them. Anything else that
//! differs fails the test, and so does a step that no longer changes anything.
//! The test also holds each spec to at most 40% of the tutorial file's lines and
//! checks the line counts the doc states.

use crate::support::examples;

use std::path::Path;

use examples::*;
use rayc::emit::{canonical_order, canonicalize_quantities, to_yaml_documents};
use rayc::load::node::Node;
use rayc::lower::{MANAGED_BY, PART_OF};
use serde_json::{Value, json};

/// One normalising step on the tutorial's objects.
struct Step {
    /// Short name, as `docs/tutorial-equivalence.md` lists it.
    name: &'static str,
    apply: fn(&mut [Value]),
}

struct Case {
    example: &'static str,
    seed: &'static str,
    steps: &'static [Step],
}

// ---- steps every example needs ----

/// The operator sets `dashboard-host: 0.0.0.0` on the head itself; rayc
/// never emits what the operator injects.
const DASHBOARD_HOST: Step = Step {
    name: "dashboard-host",
    apply: |objects| {
        for cluster in clusters(objects) {
            let params = &mut cluster["headGroupSpec"]["rayStartParams"];
            let removed = params
                .as_object_mut()
                .and_then(|p| p.remove("dashboard-host"));
            assert_eq!(removed, Some(json!("0.0.0.0")));
        }
    },
};

/// `rayStartParams: {}` is optional since KubeRay v1.4 (the examples target
/// v1.7): rayc leaves empty fields out.
const EMPTY_RAY_START_PARAMS: Step = Step {
    name: "empty rayStartParams",
    apply: |objects| {
        for cluster in clusters(objects) {
            let cluster = cluster.as_object_mut().unwrap();
            let mut groups = Vec::new();
            for (key, value) in cluster.iter_mut() {
                match (key.as_str(), value) {
                    ("headGroupSpec", head) => groups.push(head),
                    ("workerGroupSpecs", Value::Array(workers)) => {
                        groups.extend(workers.iter_mut())
                    }
                    _ => {}
                }
            }
            for group in groups {
                if group["rayStartParams"] == json!({}) {
                    group.as_object_mut().unwrap().remove("rayStartParams");
                }
            }
        }
    },
};

/// rayc writes `runtimeEnvYAML` from the spec's `runtimeEnv` mapping, keys
/// sorted, in its own quoting; the tutorial's text has quotes and a
/// whitespace-only last line. Same mapping, other text: the tutorial's is
/// parsed and written the way rayc writes it.
const RUNTIME_ENV_TEXT: Step = Step {
    name: "runtimeEnvYAML text",
    apply: |objects| {
        for job in objects.iter_mut().filter(|o| o["kind"] == "RayJob") {
            let Some(text) = job["spec"]["runtimeEnvYAML"].as_str() else {
                continue;
            };
            let mut parsed = serde_saphyr::from_str::<Node>(text).unwrap().to_json();
            sort_keys(&mut parsed);
            job["spec"]["runtimeEnvYAML"] = serde_saphyr::to_string(&parsed).unwrap().into();
        }
    },
};

// ---- steps of some examples ----

/// The `ingress` overlay also sets the `kubernetes.io/ingress.class`
/// annotation, which KubeRay turns into the Ingress' `ingressClassName`; the
/// tutorial relies on the cluster having a default IngressClass (RAY801).
const INGRESS_CLASS: Step = Step {
    name: "ingress class",
    apply: |objects| {
        for job in objects.iter_mut().filter(|o| o["kind"] == "RayJob") {
            let annotations = job["metadata"]["annotations"].as_object_mut().unwrap();
            assert!(annotations.contains_key("nginx.ingress.kubernetes.io/rewrite-target"));
            annotations.insert("kubernetes.io/ingress.class".into(), "nginx".into());
        }
    },
};

/// The tutorial's `rewrite-target: /$1` fits KubeRay's ingress path before
/// v1.7 (`/<cluster>/(.*)`). For v1.7, whose default path `/` has no capture
/// group, the `ingress` overlay sets a regex path and rewrites to `/$2`.
const INGRESS_REWRITE: Step = Step {
    name: "ingress rewrite",
    apply: |objects| {
        for job in objects.iter_mut().filter(|o| o["kind"] == "RayJob") {
            let name = job["metadata"]["name"].as_str().unwrap().to_owned();
            let annotations = job["metadata"]["annotations"].as_object_mut().unwrap();
            assert_eq!(
                annotations["nginx.ingress.kubernetes.io/rewrite-target"],
                "/$1"
            );
            annotations.insert(
                "nginx.ingress.kubernetes.io/rewrite-target".into(),
                "/$2".into(),
            );
            annotations.insert(
                "nginx.ingress.kubernetes.io/use-regex".into(),
                "true".into(),
            );
            job["spec"]["rayClusterSpec"]["headGroupSpec"]["ingressOptions"] = json!({
                "path": format!("/{name}-[a-z0-9]+(/|$)(.*)"),
                "pathType": "ImplementationSpecific",
            });
        }
    },
};

/// rayc passes the repository and the folder to the clone as positional
/// parameters (`sh -c 'git clone "$1" "$2"' git-clone <repo> <dir>`), so no
/// value is ever part of the shell text. Same command, other shape.
const GIT_CLONE_COMMAND: Step = Step {
    name: "git clone command",
    apply: |objects| {
        for cluster in clusters(objects) {
            let init = &mut cluster["headGroupSpec"]["template"]["spec"]["initContainers"][0];
            let command = init["command"].as_array().unwrap();
            assert_eq!(command[..2], [json!("/bin/sh"), json!("-c")]);
            let words: Vec<&str> = command[2].as_str().unwrap().split_whitespace().collect();
            let ["git", "clone", repo, dir] = words[..] else {
                panic!("not a plain `git clone <repo> <dir>`: {words:?}");
            };
            init["command"] = json!([
                "/bin/sh",
                "-c",
                "git clone \"$1\" \"$2\"",
                "git-clone",
                repo,
                dir
            ]);
        }
    },
};

/// The tutorial's head asks for a GPU although only the workers run GPU
/// code (a tutorial defect, RAY603); the `gpu` overlay gives the head one
/// only when asked (`head: 1`).
const HEAD_GPU: Step = Step {
    name: "head GPU",
    apply: |objects| {
        for cluster in clusters(objects) {
            let resources =
                &mut cluster["headGroupSpec"]["template"]["spec"]["containers"][0]["resources"];
            for side in ["limits", "requests"] {
                let removed = resources[side]
                    .as_object_mut()
                    .unwrap()
                    .remove("nvidia.com/gpu");
                assert!(removed.is_some());
            }
        }
    },
};

/// The `gpu` overlay lets GPU workers tolerate the `nvidia.com/gpu:NoSchedule`
/// taint GPU node pools usually carry (harmless where there is none).
const GPU_TOLERATION: Step = Step {
    name: "GPU toleration",
    apply: |objects| {
        for cluster in clusters(objects) {
            for worker in cluster["workerGroupSpecs"].as_array_mut().unwrap() {
                let pod = worker["template"]["spec"].as_object_mut().unwrap();
                assert!(!pod.contains_key("tolerations"));
                pod.insert(
                    "tolerations".into(),
                    json!([{"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}]),
                );
            }
        }
    },
};

/// The tutorial's head image comes from a QA registry with another tag than
/// the workers' (a tutorial defect, RAY504); the example runs the workers'
/// public image everywhere.
const ONE_IMAGE: Step = Step {
    name: "one image",
    apply: |objects| {
        for cluster in clusters(objects) {
            let worker_image = cluster["workerGroupSpecs"][0]["template"]["spec"]["containers"][0]
                ["image"]
                .clone();
            let head_image =
                &mut cluster["headGroupSpec"]["template"]["spec"]["containers"][0]["image"];
            assert!(head_image.as_str().unwrap().contains("-qa-"));
            *head_image = worker_image;
        }
    },
};

/// `securityContext: {}`, `env: []` and `envFrom: []` in `autoscalerOptions`
/// change nothing; rayc leaves empty fields out.
const EMPTY_AUTOSCALER_OPTIONS: Step = Step {
    name: "empty autoscaler options",
    apply: |objects| {
        for cluster in clusters(objects) {
            let options = cluster["autoscalerOptions"].as_object_mut().unwrap();
            for key in ["securityContext", "env", "envFrom"] {
                let removed = options.remove(key).unwrap();
                assert!(
                    removed == json!({}) || removed == json!([]),
                    "{key}: {removed}"
                );
            }
        }
    },
};

/// `rayjob.sample.yaml` ends inside the code's block scalar, without a line
/// break. YAML's clip chomping keeps a final line break only when there is
/// one (YAML 1.2, 8.1.1.2), so the ConfigMap kubectl creates holds the code
/// without a final newline, as the example's code file does. serde-saphyr
/// reads one in anyway; this takes it out again.
const NO_FINAL_NEWLINE: Step = Step {
    name: "no final newline",
    apply: |objects| {
        let cm = objects.last_mut().unwrap();
        assert_eq!(
            cm["kind"], "ConfigMap",
            "the code is the file's last document"
        );
        for value in cm["data"].as_object_mut().unwrap().values_mut() {
            let text = value.as_str().unwrap();
            *value = text.strip_suffix('\n').unwrap_or(text).to_owned().into();
        }
    },
};

const COMMON: [Step; 3] = [DASHBOARD_HOST, EMPTY_RAY_START_PARAMS, RUNTIME_ENV_TEXT];

const CASES: [Case; 6] = [
    Case {
        example: "tutorial-sample",
        seed: "rayjob.sample.yaml",
        steps: &[NO_FINAL_NEWLINE],
    },
    Case {
        example: "tutorial-git",
        seed: "rayjob.git.yaml",
        steps: &[GIT_CLONE_COMMAND, INGRESS_CLASS, INGRESS_REWRITE],
    },
    Case {
        example: "tutorial-ingress",
        seed: "rayjob.ingress.yaml",
        steps: &[INGRESS_CLASS, INGRESS_REWRITE],
    },
    Case {
        example: "tutorial-pvc",
        seed: "rayjob.pvc.yaml",
        steps: &[],
    },
    Case {
        example: "tutorial-gpu",
        seed: "rayjob.gpu_sample.yaml",
        steps: &[HEAD_GPU, GPU_TOLERATION],
    },
    Case {
        example: "tutorial-autoscaler",
        seed: "rayjob.autoScaler.yaml",
        steps: &[
            ONE_IMAGE,
            EMPTY_AUTOSCALER_OPTIONS,
            INGRESS_CLASS,
            INGRESS_REWRITE,
        ],
    },
];

// ---- helpers ----

/// The RayCluster specs inside RayJobs (and RayClusters).
fn clusters(objects: &mut [Value]) -> Vec<&mut Value> {
    objects
        .iter_mut()
        .filter_map(|o| match o["kind"].as_str() {
            Some("RayJob") => Some(&mut o["spec"]["rayClusterSpec"]),
            Some("RayCluster") => Some(&mut o["spec"]),
            _ => None,
        })
        .collect()
}

fn sort_keys(value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.sort_keys();
            map.values_mut().for_each(sort_keys);
        }
        Value::Array(items) => items.iter_mut().for_each(sort_keys),
        _ => {}
    }
}

fn seed_objects(shared: &Path, file: &str) -> Vec<Value> {
    let text = std::fs::read_to_string(shared.join("seed").join(file)).unwrap();
    serde_saphyr::from_multiple::<Node>(&text)
        .unwrap()
        .iter()
        .map(Node::to_json)
        .collect()
}

fn rayc_objects(example: &str) -> Vec<Value> {
    compile_ok(&repo_root().join("examples").join(example))
        .objects
        .into_iter()
        .map(|o| o.object)
        .collect()
}

/// Removes rayc's labels (and the `labels` map when nothing else is left).
fn drop_rayc_labels(objects: &mut [Value]) {
    for object in objects {
        let metadata = object["metadata"].as_object_mut().unwrap();
        let labels = metadata["labels"].as_object_mut().unwrap();
        assert_eq!(labels.remove(MANAGED_BY), Some(json!("rayc")));
        assert!(labels.remove(PART_OF).is_some());
        if labels.is_empty() {
            metadata.remove("labels");
        }
    }
}

/// Renames the tutorial's ConfigMaps to rayc's (paired by their data) and the
/// code volumes that mount them (with their mounts) to rayc's volume names.
fn map_code_names(tutorial: &mut [Value], rayc: &[Value]) -> Result<(), String> {
    let rayc_maps: Vec<&Value> = rayc.iter().filter(|o| o["kind"] == "ConfigMap").collect();
    let mut renames: Vec<(String, String)> = Vec::new();
    for cm in tutorial.iter_mut().filter(|o| o["kind"] == "ConfigMap") {
        let Some(pair) = rayc_maps.iter().find(|r| r["data"] == cm["data"]) else {
            return Err(format!(
                "no ConfigMap of the example has the tutorial's data:\n{:#}",
                cm["data"]
            ));
        };
        let new = pair["metadata"]["name"].as_str().unwrap().to_owned();
        let old = cm["metadata"]["name"].as_str().unwrap().to_owned();
        cm["metadata"]["name"] = new.clone().into();
        renames.push((old, new));
    }
    for (old, new) in &renames {
        let rayc_volume = volume_name_for(rayc, new);
        for_each_pod(tutorial, &mut |pod| {
            // `get_mut`, not indexing: indexing a missing key would insert a null.
            let Some(volumes) = pod.get_mut("volumes").and_then(Value::as_array_mut) else {
                return;
            };
            let mut renamed = None;
            for v in volumes.iter_mut() {
                if v["configMap"]["name"] == old.as_str() {
                    v["configMap"]["name"] = new.as_str().into();
                    renamed = Some(v["name"].as_str().unwrap().to_owned());
                    v["name"] = rayc_volume.as_str().into();
                }
            }
            let Some(old_volume) = renamed else { return };
            for container in pod["containers"].as_array_mut().unwrap() {
                let mounts = container
                    .get_mut("volumeMounts")
                    .and_then(Value::as_array_mut);
                for m in mounts.into_iter().flatten() {
                    if m["name"] == old_volume.as_str() {
                        m["name"] = rayc_volume.as_str().into();
                    }
                }
            }
        });
    }
    Ok(())
}

/// The name of rayc's volume that mounts ConfigMap `config_map`.
fn volume_name_for(objects: &[Value], config_map: &str) -> String {
    let mut objects = objects.to_vec();
    let mut found = None;
    for_each_pod(&mut objects, &mut |pod| {
        for v in pod["volumes"].as_array().into_iter().flatten() {
            if v["configMap"]["name"] == config_map {
                found = v["name"].as_str().map(str::to_owned);
            }
        }
    });
    found.unwrap_or_else(|| panic!("no volume mounts ConfigMap {config_map}"))
}

fn for_each_pod(objects: &mut [Value], f: &mut dyn FnMut(&mut Value)) {
    for cluster in clusters(objects) {
        f(&mut cluster["headGroupSpec"]["template"]["spec"]);
        for worker in cluster
            .get_mut("workerGroupSpecs")
            .and_then(Value::as_array_mut)
            .into_iter()
            .flatten()
        {
            f(&mut worker["template"]["spec"]);
        }
    }
}

/// Canonical form of a set of objects: quantities, key order, sorted by kind and name.
fn canonical(mut objects: Vec<Value>) -> String {
    for o in &mut objects {
        let issues = canonicalize_quantities(o);
        assert!(issues.is_empty(), "unreadable quantities: {issues:?}");
        canonical_order(o);
    }
    objects.sort_by_key(|o| {
        (
            o["kind"].as_str().unwrap_or_default().to_owned(),
            o["metadata"]["name"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
        )
    });
    to_yaml_documents(&objects).unwrap()
}

fn line_count(path: &Path) -> usize {
    std::fs::read_to_string(path).unwrap().lines().count()
}

/// The example's spec files (YAML files in its `specs/` folder).
fn spec_files(example: &str) -> Vec<std::path::PathBuf> {
    let dir = repo_root().join("examples").join(example).join("specs");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    files
}

// ---- tests ----

#[test]
fn every_tutorial_example_builds_the_tutorial_objects() {
    let Some(shared) = shared_dir() else { return };
    let mut failures = Vec::new();
    for case in &CASES {
        let mut rayc = rayc_objects(case.example);
        drop_rayc_labels(&mut rayc);
        let mut tutorial = seed_objects(&shared, case.seed);
        let text = std::fs::read_to_string(shared.join("seed").join(case.seed)).unwrap();
        assert_eq!(
            text.ends_with('\n'),
            !case.steps.iter().any(|s| s.name == NO_FINAL_NEWLINE.name),
            "{}: the final-newline step is for files that end without one",
            case.seed
        );
        for step in COMMON.iter().chain(case.steps) {
            let before = tutorial.clone();
            (step.apply)(&mut tutorial);
            // A step that changes nothing is stale: the difference is gone.
            if tutorial == before && !COMMON.iter().any(|c| c.name == step.name) {
                failures.push(format!(
                    "{}: step `{}` changes nothing",
                    case.example, step.name
                ));
            }
        }
        if let Err(e) = map_code_names(&mut tutorial, &rayc) {
            failures.push(format!("{}: {e}", case.example));
            continue;
        }
        let (expected, actual) = (canonical(tutorial), canonical(rayc));
        if expected != actual {
            failures.push(format!(
                "{} differs from {} beyond the documented steps:\n{}",
                case.example,
                case.seed,
                diff(&expected, &actual, case.seed, case.example)
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_common_steps_all_apply_somewhere() {
    let Some(shared) = shared_dir() else { return };
    for step in &COMMON {
        let changed = CASES.iter().any(|case| {
            let mut objects = seed_objects(&shared, case.seed);
            let before = objects.clone();
            (step.apply)(&mut objects);
            objects != before
        });
        assert!(changed, "common step `{}` changes no tutorial", step.name);
    }
}

#[test]
fn each_spec_is_at_most_40_percent_of_its_tutorial() {
    let Some(shared) = shared_dir() else { return };
    for case in &CASES {
        let tutorial = line_count(&shared.join("seed").join(case.seed));
        let spec: usize = spec_files(case.example).iter().map(|p| line_count(p)).sum();
        assert!(
            spec * 100 <= tutorial * 40,
            "{}: {spec} spec lines is more than 40% of the tutorial's {tutorial}",
            case.example
        );
    }
}

/// `docs/tutorial-equivalence.md` states the line counts and names every step.
#[test]
fn the_doc_states_the_line_counts_and_every_step() {
    let doc = std::fs::read_to_string(repo_root().join("docs/tutorial-equivalence.md")).unwrap();
    for step in COMMON
        .iter()
        .chain(CASES.iter().flat_map(|c| c.steps.iter()))
    {
        assert!(
            doc.contains(&format!("**{}**", step.name)),
            "docs/tutorial-equivalence.md does not explain step `{}`",
            step.name
        );
    }
    let Some(shared) = shared_dir() else { return };
    for case in &CASES {
        let tutorial = line_count(&shared.join("seed").join(case.seed));
        let spec: usize = spec_files(case.example).iter().map(|p| line_count(p)).sum();
        let row = format!(
            "| [{}](../examples/{}) | `{}` | {} | {} | {}% |",
            case.example,
            case.example,
            case.seed,
            tutorial,
            spec,
            spec * 100 / tutorial
        );
        assert!(
            doc.contains(&row),
            "docs/tutorial-equivalence.md lacks the row\n{row}"
        );
    }
}
