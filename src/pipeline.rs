//! The pipeline driver: runs the phases in order for each environment and
//! collects every diagnostic. Knows nothing of clap or exit codes.

use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde_json::Value;

use crate::argocd;
use crate::check;
use crate::diag::{Diagnostic, Sources, codes, sort_and_dedup};
use crate::emit::canonicalize_quantities;
use crate::emit::confine::{Origin, confine};
use crate::flux;
use crate::load::Document;
use crate::load::node::Node;
use crate::load::node::Pos;
use crate::load::project::{load_specs, read_project_file};
use crate::lower::{self, LowerContext};
use crate::model::kuberay::{KUBERAY_VERSIONS, version_index};
use crate::model::project::{
    DEFAULT_OUTPUT, DEFAULT_OVERLAY_DIR, FILE_NAME, GitOpsTool, Project, RayJobUpdate,
};
use crate::resolve;
use crate::rules;
use crate::timings::{self, Phase};
use crate::validate;

/// One compiled object and where it goes.
#[derive(Clone, Debug)]
pub struct CompiledObject {
    /// Environment name, when the project has environments.
    pub env: Option<String>,
    /// The spec file it came from.
    pub source: String,
    pub object: Value,
}

/// Everything a build produced: objects (when there were no errors) and findings.
#[derive(Debug, Default)]
pub struct Compiled {
    pub root: PathBuf,
    pub project: Project,
    pub objects: Vec<CompiledObject>,
    /// The environments built (empty when the project has none).
    pub envs: Vec<String>,
    pub diagnostics: Vec<Diagnostic>,
    pub sources: Sources,
    /// Facts worth telling the user (where dashboards end up), sorted.
    pub notes: Vec<String>,
    /// The output folder `output:` names, checked (see `emit::confine`).
    pub output_dir: Option<PathBuf>,
    /// What the project is made of (rayc.yaml, spec files, overlay folders),
    /// absolute: no output folder may hold or replace them.
    pub inputs: Vec<PathBuf>,
}

impl Compiled {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_blocking)
    }
}

/// What to build.
#[derive(Clone, Debug, Default)]
pub struct BuildOptions {
    /// Environments to build; empty means all of the project's (or the
    /// single unnamed one when it has none).
    pub envs: Vec<String>,
    /// Overrides `kuberayVersion` of rayc.yaml.
    pub kuberay_version: Option<String>,
    /// Overlays switched off in every environment, besides each
    /// environment's own `disableOverlays` (the Argo CD plugin's parameter).
    pub disable_overlays: Vec<String>,
}

/// Validates the objects of one environment together, as the cluster would
/// see them; findings point at the spec file each object came from.
fn validate_output(objects: &[(String, Value)], ctx: &rules::Context) -> Vec<Diagnostic> {
    let nodes: Vec<Node> = objects
        .par_iter()
        .map(|(_, o)| {
            let _time = timings::phase(Phase::Validate);
            Node::from_json(o, Pos::UNKNOWN)
        })
        .collect();
    let inputs: Vec<rules::Object> = objects
        .iter()
        .zip(&nodes)
        .map(|((file, _), node)| rules::Object { file, node })
        .collect();
    validate::validate(&inputs, ctx).diagnostics
}

/// Where KubeRay's dashboard Ingress serves an object's dashboard: the path
/// is `/<raycluster name>/` (KubeRay's ingress path `/<name>/(.*)`).
fn dashboard_note(o: &CompiledObject) -> Option<String> {
    let obj = &o.object;
    let kind = obj["kind"].as_str()?;
    let name = obj["metadata"]["name"].as_str()?;
    let (cluster, path) = match kind {
        "RayCluster" => (&obj["spec"], format!("/{name}/")),
        "RayJob" => (
            &obj["spec"]["rayClusterSpec"],
            format!(
                "/{name}-<suffix>/ (KubeRay names the job's cluster {name}-<5 random characters>)"
            ),
        ),
        "RayService" => (
            &obj["spec"]["rayClusterConfig"],
            format!(
                "/{name}-raycluster-<suffix>/ (KubeRay names each service cluster {name}-raycluster-<5 random characters>)"
            ),
        ),
        _ => return None,
    };
    if cluster["headGroupSpec"]["enableIngress"] != true {
        return None;
    }
    let env = o
        .env
        .as_deref()
        .map_or(String::new(), |e| format!(" [{e}]"));
    Some(format!(
        "dashboard of {kind} {name}{env}: http://<ingress address>{path}"
    ))
}

/// Points a finding on a compiled object at the spec line that caused it:
/// the output path is translated back to the spec's field names, and the
/// closest existing spec node gives the position.
fn place_in_spec(
    d: &mut Diagnostic,
    objects: &[(String, Value)],
    origins: &[usize],
    specs: &[Node],
) {
    if d.pos != Pos::UNKNOWN {
        return;
    }
    let Some(index) = objects.iter().position(|(file, object)| {
        *file == d.file
            && d.object.as_ref().is_some_and(|o| {
                object["kind"] == o.kind.as_str() && object["metadata"]["name"] == o.name.as_str()
            })
    }) else {
        return;
    };
    let Some(spec) = origins.get(index).and_then(|i| specs.get(*i)) else {
        return;
    };
    let path = d
        .path
        .as_deref()
        .map_or_else(|| "metadata.name".to_owned(), spec_path);
    d.pos = lower::pos_of(spec, &path);
}

/// `spec.rayClusterSpec.workerGroupSpecs[1].template.spec.containers[0].resources.limits.cpu`
/// → `spec.workers[1].cpu`: KubeRay field names back to the spec's.
fn spec_path(output: &str) -> String {
    let mut rest = output;
    for prefix in [
        "spec.jobTemplate.rayClusterSpec.",
        "spec.rayClusterSpec.",
        "spec.rayClusterConfig.",
        "spec.jobTemplate.",
        "spec.",
    ] {
        if let Some(r) = output.strip_prefix(prefix) {
            rest = r;
            break;
        }
    }
    if output.starts_with("metadata") {
        return output.to_owned();
    }
    let mut parts: Vec<String> = Vec::new();
    let mut segments = rest.split('.').peekable();
    while let Some(seg) = segments.next() {
        let mapped = match seg {
            "headGroupSpec" => "head".to_owned(),
            s if s.starts_with("workerGroupSpecs[") => s.replacen("workerGroupSpecs", "workers", 1),
            "groupName" => "name".to_owned(),
            "runtimeEnvYAML" => "runtimeEnv".to_owned(),
            "serveConfigV2" => "serveApplications".to_owned(),
            "enableInTreeAutoscaling" | "autoscalerOptions" => "autoscaling".to_owned(),
            "template" => {
                // Resources and the image of the Ray container are group fields.
                let tail: Vec<&str> = segments.clone().collect();
                let field = match tail.as_slice() {
                    ["spec", c, "image", ..] if c.starts_with("containers[0") => Some("image"),
                    ["spec", c, "resources", _, r, ..] if c.starts_with("containers[0") => {
                        Some(match *r {
                            "cpu" => "cpu",
                            "memory" => "memory",
                            "ephemeral-storage" => "ephemeralStorage",
                            _ => "gpu",
                        })
                    }
                    _ => None,
                };
                if let Some(field) = field {
                    parts.push(field.to_owned());
                    break;
                }
                "template".to_owned()
            }
            other => other.to_owned(),
        };
        parts.push(mapped);
    }
    format!("spec.{}", parts.join("."))
}

/// The annotations the GitOps engine of rayc.yaml needs for its policies.
enum EnginePolicy {
    ArgoCd(argocd::sync::Policy),
    Flux(Option<RayJobUpdate>),
    None,
}

impl EnginePolicy {
    fn annotate(&self, object: &mut Value) {
        match self {
            EnginePolicy::ArgoCd(policy) => policy.annotate(object),
            EnginePolicy::Flux(update) => flux::annotate(object, *update),
            EnginePolicy::None => {}
        }
    }
}

/// Reads the GitOps policies of rayc.yaml, refusing the ones its engine
/// cannot honour. `doc` is rayc.yaml's tree, for positions.
fn engine_policy(project: &Project, doc: &Node) -> Result<EnginePolicy, Vec<Diagnostic>> {
    let gitops = doc.get("gitops");
    let pos_of = |key: &str| {
        gitops
            .and_then(|g| g.entry(key))
            .map_or(Pos::UNKNOWN, |e| e.value.pos)
    };
    let settings = project.gitops.clone().unwrap_or_default();
    let update = settings.ray_job_update;
    let refuse = |what: &str, help: &str| {
        vec![
            Diagnostic::error(
                codes::GITOPS_POLICY,
                FILE_NAME,
                pos_of("rayJobUpdate"),
                what.to_owned(),
            )
            .with_path("gitops.rayJobUpdate")
            .with_help(help.to_owned()),
        ]
    };
    match settings.tool {
        Some(GitOpsTool::Argocd) => argocd::sync::Policy::of(project)
            .map(EnginePolicy::ArgoCd)
            .map_err(|unknown| {
                unknown
                    .into_iter()
                    .map(|kind| {
                        let pos = gitops
                            .and_then(|g| g.get("syncWaves"))
                            .and_then(|w| w.entry(&kind))
                            .map_or(Pos::UNKNOWN, |e| e.key_pos);
                        Diagnostic::error(
                            codes::GITOPS_POLICY,
                            FILE_NAME,
                            pos,
                            format!("`syncWaves` names `{kind}`, which is no kind rayc emits"),
                        )
                        .with_path(format!("gitops.syncWaves.{kind}"))
                        .with_help(format!(
                            "use one of {}",
                            argocd::sync::WAVE_KINDS.join(", ")
                        ))
                    })
                    .collect()
            }),
        Some(GitOpsTool::Flux) if update == Some(RayJobUpdate::Hook) => Err(refuse(
            "`rayJobUpdate: hook` makes RayJobs Argo CD hooks, and Flux has no hooks",
            "under Flux use `hash-name` (a changed job gets a new name) or `replace` (Flux deletes and recreates it: kustomize.toolkit.fluxcd.io/force: Enabled)",
        )),
        Some(GitOpsTool::Flux) => Ok(EnginePolicy::Flux(update)),
        Some(GitOpsTool::None) | None
            if matches!(update, Some(RayJobUpdate::Hook | RayJobUpdate::Replace)) =>
        {
            Err(refuse(
                "`rayJobUpdate` `hook` and `replace` are annotations for a GitOps engine, but `gitops.tool` names none",
                "set `gitops.tool: argocd` (or `flux` for `replace`), or use `hash-name`",
            ))
        }
        Some(GitOpsTool::None) | None => Ok(EnginePolicy::None),
    }
}

/// rayc.yaml, the spec files and folders, and the overlay folders, absolute.
fn project_inputs(root: &Path, project: &Project, docs: &[Document]) -> Vec<PathBuf> {
    let overlay_dirs: Vec<&str> = if project.overlay_dirs.is_empty() {
        vec![DEFAULT_OVERLAY_DIR]
    } else {
        project.overlay_dirs.iter().map(String::as_str).collect()
    };
    // The fixed folder of each `specs` glob (`specs/**/*.yaml` → `specs`):
    // generated files there would be read back as specs.
    let glob_dirs = project.specs.iter().filter_map(|glob| {
        let fixed: Vec<&str> = glob
            .split('/')
            .take_while(|c| !c.contains(['*', '?', '[', '{']))
            .collect();
        let is_file = fixed.len() == glob.split('/').count();
        let dir = if is_file {
            &fixed[..fixed.len().saturating_sub(1)]
        } else {
            &fixed[..]
        };
        (!dir.is_empty()).then(|| dir.join("/"))
    });
    let glob_dirs: Vec<String> = glob_dirs.collect();
    let mut inputs: Vec<PathBuf> = std::iter::once(FILE_NAME)
        .chain(docs.iter().map(|d| d.file.as_str()))
        .chain(overlay_dirs)
        .chain(glob_dirs.iter().map(String::as_str))
        .map(|p| {
            let path = root.join(p);
            path.canonicalize().unwrap_or(path)
        })
        .collect();
    inputs.sort();
    inputs.dedup();
    inputs
}

/// The folder `output:` names, if it stays inside the project and holds none
/// of its inputs; else RAY010 at the `output:` value.
fn confine_output(
    root: &Path,
    project_node: &Node,
    project: &Project,
    inputs: &[PathBuf],
) -> Result<PathBuf, Diagnostic> {
    let requested = project.output.as_deref().unwrap_or(DEFAULT_OUTPUT);
    confine(root, Path::new(requested), Origin::ProjectFile, inputs).map_err(|refused| {
        let pos = project_node
            .get("output")
            .map_or(project_node.pos, |n| n.pos);
        Diagnostic::error(
            codes::OUTPUT_PATH,
            FILE_NAME,
            pos,
            format!(
                "output folder {requested:?} is not allowed: {}",
                refused.reason
            ),
        )
        .with_help(refused.help)
    })
}

/// Compiles the project rooted at `root` (the folder holding rayc.yaml).
pub fn compile(root: &Path, options: &BuildOptions) -> Compiled {
    let mut out = Compiled {
        root: root.to_path_buf(),
        ..Compiled::default()
    };
    let load_time = timings::phase(Phase::Load);
    let project_doc = match read_project_file(root, &mut out.sources) {
        Ok(doc) => doc,
        Err(d) => {
            out.diagnostics.push(d);
            return out;
        }
    };
    out.project = match check::project(&project_doc) {
        Ok(p) => p,
        Err(d) => {
            out.diagnostics.extend(d);
            return out;
        }
    };
    let version = match options
        .kuberay_version
        .as_deref()
        .or(out.project.kuberay_version.as_deref())
    {
        None => KUBERAY_VERSIONS[KUBERAY_VERSIONS.len() - 1].to_owned(),
        Some(v) => match version_index(v) {
            Some(i) => KUBERAY_VERSIONS[i].to_owned(),
            None => {
                out.diagnostics.push(
                    Diagnostic::error(
                        codes::PROJECT,
                        FILE_NAME,
                        Pos::UNKNOWN,
                        format!("unknown KubeRay version {v:?}"),
                    )
                    .with_help("use one of v1.0 … v1.7"),
                );
                return out;
            }
        },
    };
    // Before discovery: spec files inside `output` are never discovered, so
    // the folders are what `output` must stay clear of.
    let inputs = project_inputs(root, &out.project, &[]);
    match confine_output(root, &project_doc.node, &out.project, &inputs) {
        Ok(dir) => out.output_dir = Some(dir),
        Err(d) => {
            out.diagnostics.push(d);
            return out;
        }
    }
    let specs = match load_specs(root, &out.project) {
        Ok(s) => s,
        Err((d, sources)) => {
            for (name, text) in sources.iter() {
                out.sources.add(name, text);
            }
            out.diagnostics.extend(d);
            return out;
        }
    };
    for (name, text) in specs.sources.iter() {
        out.sources.add(name, text);
    }
    out.inputs = project_inputs(root, &out.project, &specs.docs);
    drop(load_time);

    let part_of = out.project.name.clone();
    let allow_hidden_code = out.project.allow_hidden_code.clone();
    let omit_autoscaled_replicas = out.project.omits_autoscaled_replicas();
    out.envs = if options.envs.is_empty() {
        out.project.environments.keys().cloned().collect()
    } else {
        options.envs.clone()
    };
    for env in &out.envs {
        if !out.project.environments.contains_key(env) {
            let known: Vec<&str> = out
                .project
                .environments
                .keys()
                .map(String::as_str)
                .collect();
            out.diagnostics.push(
                Diagnostic::error(
                    codes::PROJECT,
                    FILE_NAME,
                    Pos::UNKNOWN,
                    format!("unknown environment {env:?}"),
                )
                .with_help(if known.is_empty() {
                    "rayc.yaml defines no `environments`".to_owned()
                } else {
                    format!("choose one of: {}", known.join(", "))
                }),
            );
        }
    }
    if out.has_errors() {
        return out;
    }
    let job_update = out.project.gitops.as_ref().and_then(|g| g.ray_job_update);
    let hash_job_names = job_update == Some(RayJobUpdate::HashName);
    let engine = match engine_policy(&out.project, &project_doc.node) {
        Ok(engine) => engine,
        Err(d) => {
            out.diagnostics.extend(d);
            return out;
        }
    };
    if !options.disable_overlays.is_empty() {
        for environment in out.project.environments.values_mut() {
            for name in &options.disable_overlays {
                if !environment.disable_overlays.contains(name) {
                    environment.disable_overlays.push(name.clone());
                }
            }
        }
    }
    let envs: Vec<Option<String>> = if out.envs.is_empty() {
        vec![None]
    } else {
        out.envs.iter().cloned().map(Some).collect()
    };
    let overlays = match resolve::load_overlays(&out.project, root) {
        Ok(set) => set,
        Err(d) => {
            out.diagnostics.extend(d);
            return out;
        }
    };
    let project = out.project.clone();
    let rules_ctx = rules::Context {
        kuberay_version: version.clone(),
        gitops: match project.gitops.as_ref().and_then(|g| g.tool) {
            Some(GitOpsTool::Argocd) => rules::GitOps::ArgoCd,
            Some(GitOpsTool::Flux) => rules::GitOps::Flux,
            Some(GitOpsTool::None) | None => rules::GitOps::None,
        },
        ignore: project.ignore.clone(),
    };
    let shared = Shared {
        project: &project,
        root,
        version: &version,
        overlays: &overlays,
        docs: &specs.docs,
        part_of: part_of.as_deref(),
        allow_hidden_code: &allow_hidden_code,
        omit_autoscaled_replicas,
        hash_job_names,
        engine: &engine,
        rules_ctx: &rules_ctx,
    };
    // One templater for the build: its budget bounds all templates together,
    // so templating runs in order (which render runs out is then fixed); the
    // rest of each spec and each object is built in parallel.
    let templater = resolve::Templater::new();
    let builds: Vec<EnvBuild> = envs
        .iter()
        .map(|env| build_env(&shared, env.as_deref(), &templater))
        .collect();
    for build in builds {
        out.diagnostics.extend(build.diagnostics);
        out.objects.extend(build.objects);
    }
    out.notes = out.objects.iter().filter_map(dashboard_note).collect();
    out.notes.sort();
    out.notes.dedup();
    if out.objects.is_empty() && !out.has_errors() {
        // Rule RAY982 (zero objects) speaks for the whole project.
        out.diagnostics.extend(
            rules::check(&[], &rules_ctx)
                .into_iter()
                .map(|d| Diagnostic {
                    file: FILE_NAME.to_owned(),
                    ..d
                }),
        );
    }
    for d in &mut out.diagnostics {
        if d.file == FILE_NAME
            && d.pos == Pos::UNKNOWN
            && let Some(path) = &d.path
        {
            d.pos = exact_pos(&project_doc.node, path).unwrap_or(Pos::UNKNOWN);
        }
    }
    sort_and_dedup(&mut out.diagnostics);
    out
}

/// What every environment's build reads.
struct Shared<'a> {
    project: &'a Project,
    root: &'a Path,
    version: &'a str,
    overlays: &'a resolve::OverlaySet,
    docs: &'a [Document],
    part_of: Option<&'a str>,
    allow_hidden_code: &'a [String],
    omit_autoscaled_replicas: bool,
    hash_job_names: bool,
    engine: &'a EnginePolicy,
    rules_ctx: &'a rules::Context,
}

/// What one environment produced.
struct EnvBuild {
    diagnostics: Vec<Diagnostic>,
    objects: Vec<CompiledObject>,
}

/// What one spec produced in one environment.
#[derive(Default)]
struct SpecBuild {
    diagnostics: Vec<Diagnostic>,
    /// Its worker group names; `None` when it did not resolve.
    groups: Option<Vec<String>>,
    /// The resolved spec (to place findings) and its objects, when it lowered.
    lowered: Option<(Node, Vec<Value>)>,
}

/// Checks and lowers one resolved spec for one environment.
fn build_spec(
    doc: &Document,
    resolved: Result<Node, Vec<Diagnostic>>,
    shared: &Shared,
) -> SpecBuild {
    let mut out = SpecBuild::default();
    let resolved = match resolved {
        Ok(node) => Document {
            node,
            file: doc.file.clone(),
            index: doc.index,
        },
        Err(d) => {
            out.diagnostics = d;
            return out;
        }
    };
    out.groups = Some(worker_names(&resolved.node).collect());
    let check_time = timings::phase(Phase::Check);
    let checked = check::spec(&resolved);
    drop(check_time);
    let spec = match checked {
        Ok(s) => s,
        Err(d) => {
            out.diagnostics = d;
            return out;
        }
    };
    let lower_ctx = LowerContext {
        root: shared.root,
        file: &doc.file,
        part_of: shared.part_of.unwrap_or(&spec.metadata.name),
        kuberay_version: shared.version,
        omit_autoscaled_replicas: shared.omit_autoscaled_replicas,
        hash_job_names: shared.hash_job_names,
        allow_hidden_code: shared.allow_hidden_code,
    };
    let lower_time = timings::phase(Phase::Lower);
    let lowered = lower::lower(&spec, &resolved.node, &lower_ctx);
    drop(lower_time);
    match lowered {
        Ok((mut objects, warnings)) => {
            out.diagnostics = warnings;
            for object in &mut objects {
                shared.engine.annotate(object);
            }
            out.lowered = Some((resolved.node, objects));
        }
        Err(d) => out.diagnostics = d,
    }
    out
}

/// Builds and validates one environment (`None`: the project has none).
fn build_env(shared: &Shared, env_name: Option<&str>, templater: &resolve::Templater) -> EnvBuild {
    let project = shared.project;
    let ctx = resolve::ResolveContext::new(project, shared.root)
        .with_env(env_name)
        .with_kuberay_version(shared.version)
        .with_templater(templater);
    let resolved: Vec<Result<Node, Vec<Diagnostic>>> = shared
        .docs
        .iter()
        .map(|doc| {
            let _time = timings::phase(Phase::Resolve);
            resolve::resolve(&doc.node, &doc.file, &ctx, shared.overlays)
        })
        .collect();
    let specs: Vec<SpecBuild> = shared
        .docs
        .par_iter()
        .zip(resolved.into_par_iter())
        .map(|(doc, resolved)| build_spec(doc, resolved, shared))
        .collect();
    let mut diagnostics = Vec::new();
    let mut env_objects = Vec::new();
    // For each object, the resolved spec it came from (to place findings).
    let mut spec_nodes: Vec<Node> = Vec::new();
    let mut origins: Vec<usize> = Vec::new();
    // Worker group names of every spec, when every spec resolved.
    let mut groups: Option<Vec<String>> = Some(Vec::new());
    for (doc, spec) in shared.docs.iter().zip(specs) {
        diagnostics.extend(spec.diagnostics);
        match (&mut groups, spec.groups) {
            (Some(all), Some(names)) => all.extend(names),
            _ => groups = None,
        }
        if let Some((node, objects)) = spec.lowered {
            origins.extend(std::iter::repeat_n(spec_nodes.len(), objects.len()));
            spec_nodes.push(node);
            env_objects.extend(objects.into_iter().map(|object| (doc.file.clone(), object)));
        }
    }
    if let (Some(name), Some(groups)) = (env_name, &groups) {
        diagnostics.extend(unknown_replica_groups(project, name, groups));
    }
    if let Some(environment) = env_name
        .and_then(|e| project.environments.get(e))
        .filter(|e| !e.json_patches.is_empty())
    {
        // A failed patch leaves every object as it was.
        let mut values: Vec<Value> = env_objects
            .iter_mut()
            .map(|(_, o)| std::mem::take(o))
            .collect();
        let before = values.clone();
        match resolve::apply_json_patches(&mut values, &environment.json_patches) {
            Ok(()) => {}
            Err(d) => {
                values = before;
                let path = d.path.as_deref().unwrap_or("jsonPatches");
                let path = format!("environments.{}.{path}", env_name.unwrap_or_default());
                diagnostics.push(d.with_path(path));
            }
        }
        for ((_, object), value) in env_objects.iter_mut().zip(values) {
            *object = value;
        }
    }
    for (_, object) in &mut env_objects {
        // Unreadable quantities stay as written; validation reports them.
        let _ = canonicalize_quantities(object);
    }
    let mut findings = if env_objects.is_empty() {
        Vec::new()
    } else {
        validate_output(&env_objects, shared.rules_ctx)
    };
    for d in &mut findings {
        place_in_spec(d, &env_objects, &origins, &spec_nodes);
    }
    diagnostics.extend(findings);
    let objects = env_objects
        .into_iter()
        .map(|(source, object)| CompiledObject {
            env: env_name.map(str::to_owned),
            source,
            object,
        })
        .collect();
    EnvBuild {
        diagnostics,
        objects,
    }
}

/// The position of the key at a dotted path (`environments.dev.replicas.cpu`,
/// `a.b[0].c`) when every step exists; the item itself for a path ending in `[i]`.
fn exact_pos(root: &Node, path: &str) -> Option<Pos> {
    let mut node = root;
    let mut pos = None;
    for part in path.split('.') {
        let (key, index) = match part.split_once('[') {
            Some((k, rest)) => (k, Some(rest.trim_end_matches(']').parse::<usize>().ok()?)),
            None => (part, None),
        };
        let entry = node.entry(key)?;
        node = &entry.value;
        pos = Some(entry.key_pos);
        if let Some(i) = index {
            let crate::load::node::Value::Seq(items) = &node.value else {
                return None;
            };
            node = items.get(i)?;
            pos = Some(node.pos);
        }
    }
    pos
}

/// `spec.workers[*].name` of a resolved spec.
fn worker_names(spec: &Node) -> impl Iterator<Item = String> + '_ {
    let workers = spec.get("spec").and_then(|s| s.get("workers"));
    let items = match workers.map(|w| &w.value) {
        Some(crate::load::node::Value::Seq(items)) => items.as_slice(),
        _ => &[],
    };
    items
        .iter()
        .filter_map(|w| w.get("name").and_then(Node::as_str).map(str::to_owned))
}

/// An environment's `replicas` naming a worker group that no spec has: the
/// count would be dropped without a word (a typo such as `cpuu`).
fn unknown_replica_groups(project: &Project, env: &str, groups: &[String]) -> Vec<Diagnostic> {
    let Some(environment) = project.environments.get(env) else {
        return Vec::new();
    };
    environment
        .replicas
        .keys()
        .filter(|name| !groups.contains(name))
        .map(|name| {
            let known: std::collections::BTreeSet<&str> =
                groups.iter().map(String::as_str).collect();
            let help = if known.is_empty() {
                "no spec has worker groups; remove this entry".to_owned()
            } else {
                resolve::did_you_mean(name, known.iter().copied(), "worker groups")
            };
            Diagnostic::error(
                codes::PROJECT,
                FILE_NAME,
                Pos::UNKNOWN,
                format!(
                    "environment `{env}` sets replicas for worker group `{name}`, which no spec has"
                ),
            )
            .with_path(format!("environments.{env}.replicas.{name}"))
            .with_help(help)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::spec_path;

    #[test]
    fn output_paths_map_back_to_spec_fields() {
        assert_eq!(
            spec_path(
                "spec.rayClusterSpec.workerGroupSpecs[1].template.spec.containers[0].resources.limits.cpu"
            ),
            "spec.workers[1].cpu"
        );
        assert_eq!(
            spec_path("spec.rayClusterConfig.headGroupSpec.template.spec.containers[0].image"),
            "spec.head.image"
        );
        assert_eq!(
            spec_path("spec.workerGroupSpecs[0].template.spec.tolerations[0].key"),
            "spec.workers[0].template.spec.tolerations[0].key"
        );
        assert_eq!(
            spec_path("spec.jobTemplate.runtimeEnvYAML"),
            "spec.runtimeEnv"
        );
        assert_eq!(spec_path("metadata.name"), "metadata.name");
    }
}
