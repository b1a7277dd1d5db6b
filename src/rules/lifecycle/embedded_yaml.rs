//! YAML inside strings: `runtimeEnvYAML` of RayJobs and `serveConfigV2` of
//! RayServices must parse, and serve applications must be well formed.

use std::collections::BTreeMap;

use crate::load::node::{Node, Value};
use crate::rules::registry::Check;
use crate::rules::view::{Obj, child, entry, jobs, seq};
use crate::rules::{Input, Sink};

/// Parses an embedded YAML string; `Err` carries the parser's message.
fn parse_embedded(text: &str) -> Result<Option<Node>, String> {
    match serde_saphyr::from_multiple::<Node>(text) {
        Ok(mut docs) if docs.len() <= 1 => Ok(docs.pop()),
        Ok(docs) => Err(format!("it holds {} YAML documents, not one", docs.len())),
        Err(e) => Err(e
            .to_string()
            .lines()
            .next()
            .unwrap_or("invalid YAML")
            .to_owned()),
    }
}

declare_rule! {
    /// ## What it does
    /// Checks that a RayJob's `runtimeEnvYAML` parses as YAML and is a
    /// mapping (`pip`, `env_vars`, `working_dir`, …).
    ///
    /// ## Why is this bad?
    /// The field is a string, so the schema cannot look inside. The operator
    /// rejects a RayJob whose runtime environment does not parse, after the
    /// manifests were merged and synced.
    ///
    /// ## Example
    /// ```yaml
    /// runtimeEnvYAML: |
    ///   env_vars:
    ///     counter_name: "test
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// runtimeEnvYAML: |
    ///   env_vars:
    ///     counter_name: "test"
    /// ```
    ///
    /// ## References
    /// - [Ray runtime environments](https://docs.ray.io/en/latest/ray-core/handling-dependencies.html#runtime-environments)
    pub(crate) struct InvalidRuntimeEnvYaml;
}

impl Check for InvalidRuntimeEnvYaml {
    fn check(input: &Input, sink: &mut Sink) {
        for job in jobs(input.objects) {
            let Some(node) = job.get("runtimeEnvYAML") else {
                continue;
            };
            let Some(text) = node.as_str() else { continue };
            let problem = match parse_embedded(text) {
                Err(e) => e,
                Ok(None) => continue,
                Ok(Some(doc)) if matches!(doc.value, Value::Map(_) | Value::Null) => continue,
                Ok(Some(doc)) => format!("it is {}, not a mapping", doc.type_name()),
            };
            sink.report(
                job.obj,
                node.pos,
                job.at("runtimeEnvYAML"),
                format!("runtimeEnvYAML is not a valid runtime environment: {problem}"),
                "write runtimeEnvYAML as a YAML mapping, e.g. `pip: [...]` and `env_vars: {...}`",
            );
        }
    }
}

/// A RayService's parsed `serveConfigV2`, or why it did not parse.
struct ServeConfig<'a> {
    obj: &'a Obj<'a>,
    node: &'a Node,
    parsed: Result<Node, String>,
}

fn serve_configs<'a>(input: &'a Input<'a>) -> Vec<ServeConfig<'a>> {
    input
        .objects
        .iter()
        .filter(|o| o.is("RayService"))
        .filter_map(|obj| {
            let node = obj.spec().and_then(|s| child(s, "serveConfigV2"))?;
            let text = node.as_str()?;
            let parsed = match parse_embedded(text) {
                Err(e) => Err(e),
                Ok(None) => Err("it is empty".to_owned()),
                Ok(Some(doc)) => match &doc.value {
                    Value::Map(_) => match child(&doc, "applications").map(|a| &a.value) {
                        None | Some(Value::Seq(_)) => Ok(doc),
                        Some(other) => {
                            Err(format!("applications is {}, not a list", other.type_name()))
                        }
                    },
                    other => Err(format!("it is {}, not a mapping", other.type_name())),
                },
            };
            Some(ServeConfig { obj, node, parsed })
        })
        .collect()
}

/// Each application with its display label (`app `fruit_app``, `application #2`).
fn applications(doc: &Node) -> Vec<(String, &Node)> {
    seq(child(doc, "applications"))
        .iter()
        .enumerate()
        .map(|(i, app)| {
            let label = match child(app, "name").and_then(Node::as_str) {
                Some(n) => format!("application `{n}`"),
                None => format!("application #{}", i + 1),
            };
            (label, app)
        })
        .collect()
}

declare_rule! {
    /// ## What it does
    /// Checks that a RayService's `serveConfigV2` parses as YAML, is a
    /// mapping, and that its `applications` is a list.
    ///
    /// ## Why is this bad?
    /// The field is a string, so the schema cannot look inside; a broken
    /// config is found only when the operator submits it to Ray Serve, and
    /// the service never becomes ready.
    ///
    /// ## Example
    /// ```yaml
    /// serveConfigV2: |
    ///   applications:
    ///     - name: fruit_app
    ///      import_path: fruit.deployment_graph
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// serveConfigV2: |
    ///   applications:
    ///     - name: fruit_app
    ///       import_path: fruit.deployment_graph
    /// ```
    ///
    /// ## References
    /// - [Ray Serve config files](https://docs.ray.io/en/latest/serve/production-guide/config.html)
    pub(crate) struct InvalidServeConfig;
}

impl Check for InvalidServeConfig {
    fn check(input: &Input, sink: &mut Sink) {
        for cfg in serve_configs(input) {
            if let Err(problem) = &cfg.parsed {
                sink.report(
                    cfg.obj,
                    cfg.node.pos,
                    "spec.serveConfigV2",
                    format!("serveConfigV2 is not a valid Serve config: {problem}"),
                    "write serveConfigV2 as a YAML mapping with an `applications:` list",
                );
            }
        }
    }
}

declare_rule! {
    /// ## What it does
    /// Checks that every application in a RayService's `serveConfigV2` has an `import_path`.
    ///
    /// ## Why is this bad?
    /// Ray Serve loads the application from `import_path`; without it the
    /// deployment fails and the RayService never becomes ready.
    ///
    /// ## Example
    /// ```yaml
    /// serveConfigV2: |
    ///   applications:
    ///     - name: fruit_app
    ///       route_prefix: /fruit
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// serveConfigV2: |
    ///   applications:
    ///     - name: fruit_app
    ///       import_path: fruit.deployment_graph
    ///       route_prefix: /fruit
    /// ```
    pub(crate) struct ServeAppMissingImportPath;
}

impl Check for ServeAppMissingImportPath {
    fn check(input: &Input, sink: &mut Sink) {
        for cfg in serve_configs(input) {
            let Ok(doc) = &cfg.parsed else { continue };
            for (label, app) in applications(doc) {
                if child(app, "import_path")
                    .and_then(Node::as_str)
                    .is_some_and(|p| !p.trim().is_empty())
                {
                    continue;
                }
                sink.report(
                    cfg.obj,
                    cfg.node.pos,
                    "spec.serveConfigV2",
                    format!("{label} in serveConfigV2 has no import_path"),
                    "add import_path: <module>:<application> to the application",
                );
            }
        }
    }
}

/// Reports every value of `key` that an earlier application already used.
fn report_duplicates(input: &Input, sink: &mut Sink, key: &str, default: Option<&str>, what: &str) {
    for cfg in serve_configs(input) {
        let Ok(doc) = &cfg.parsed else { continue };
        let mut seen: BTreeMap<String, String> = BTreeMap::new();
        for (label, app) in applications(doc) {
            let value = match child(app, key) {
                Some(n) => n.as_str().map(str::to_owned),
                None if app.get(key).is_some() => None, // explicit null: no route
                None => default.map(str::to_owned),
            };
            let Some(value) = value else { continue };
            if let Some(first) = seen.get(&value) {
                sink.report(
                    cfg.obj,
                    cfg.node.pos,
                    "spec.serveConfigV2",
                    format!("{label} uses {what} `{value}`, already used by {first}"),
                    format!("give every application its own {what}"),
                );
            } else {
                seen.insert(value, label);
            }
        }
    }
}

declare_rule! {
    /// ## What it does
    /// Checks that the applications in a RayService's `serveConfigV2` have distinct names.
    ///
    /// ## Why is this bad?
    /// Ray Serve identifies applications by name and rejects the config, so
    /// the RayService never becomes ready.
    ///
    /// ## Example
    /// ```yaml
    /// serveConfigV2: |
    ///   applications:
    ///     - name: app
    ///       import_path: fruit.deployment_graph
    ///       route_prefix: /fruit
    ///     - name: app
    ///       import_path: math.graph
    ///       route_prefix: /calc
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// serveConfigV2: |
    ///   applications:
    ///     - name: fruit
    ///       import_path: fruit.deployment_graph
    ///       route_prefix: /fruit
    ///     - name: math
    ///       import_path: math.graph
    ///       route_prefix: /calc
    /// ```
    pub(crate) struct DuplicateServeAppName;
}

impl Check for DuplicateServeAppName {
    fn check(input: &Input, sink: &mut Sink) {
        report_duplicates(input, sink, "name", None, "name");
    }
}

declare_rule! {
    /// ## What it does
    /// Checks that the applications in a RayService's `serveConfigV2` have
    /// distinct `route_prefix` values (a missing one means `/`).
    ///
    /// ## Why is this bad?
    /// Two applications cannot serve one route; Ray Serve rejects the config.
    ///
    /// ## Example
    /// ```yaml
    /// serveConfigV2: |
    ///   applications:
    ///     - name: fruit
    ///       import_path: fruit.deployment_graph
    ///     - name: math
    ///       import_path: math.graph
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// serveConfigV2: |
    ///   applications:
    ///     - name: fruit
    ///       import_path: fruit.deployment_graph
    ///       route_prefix: /fruit
    ///     - name: math
    ///       import_path: math.graph
    ///       route_prefix: /calc
    /// ```
    pub(crate) struct DuplicateRoutePrefix;
}

impl Check for DuplicateRoutePrefix {
    fn check(input: &Input, sink: &mut Sink) {
        report_duplicates(input, sink, "route_prefix", Some("/"), "route_prefix");
    }
}

declare_rule! {
    /// ## What it does
    /// Checks that a RayService has a Serve application: a non-empty
    /// `serveConfigV2` (in a rayc spec, `serveApplications`).
    ///
    /// ## Why is this bad?
    /// Without one, KubeRay starts a Ray cluster and deploys nothing on it:
    /// the service never becomes ready and never serves traffic, while its
    /// pods keep their resources.
    ///
    /// ## Example
    /// ```yaml
    /// kind: RayService
    /// spec:
    ///   rayClusterConfig: {...}
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// kind: RayService
    /// spec:
    ///   serveConfigV2: |
    ///     applications:
    ///       - name: app
    ///         import_path: app:deployment
    ///   rayClusterConfig: {...}
    /// ```
    /// or a RayCluster when nothing is served.
    ///
    /// ## References
    /// - [KubeRay RayService](https://docs.ray.io/en/latest/cluster/kubernetes/getting-started/rayservice-quick-start.html)
    pub(crate) struct RayServiceWithoutServeConfig;
}

impl Check for RayServiceWithoutServeConfig {
    fn check(input: &Input, sink: &mut Sink) {
        for obj in input.objects.iter().filter(|o| o.is("RayService")) {
            let config = obj.spec().and_then(|s| child(s, "serveConfigV2"));
            if config
                .and_then(Node::as_str)
                .is_some_and(|t| !t.trim().is_empty())
            {
                continue;
            }
            let pos = match (config, entry(obj.node, "spec")) {
                (Some(c), _) => c.pos,
                (None, Some(spec)) => spec.key_pos,
                (None, None) => obj.node.pos,
            };
            sink.report(
                obj,
                pos,
                "spec.serveConfigV2",
                format!("RayService {} has no Serve application", obj.display_name()),
                "add serveConfigV2 with at least one application (in a rayc spec: `serveApplications`), or make it a RayCluster",
            );
        }
    }
}
