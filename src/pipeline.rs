//! The pipeline driver: `prepare` (rayc.yaml, target version, output folder,
//! specs, overlays), then the phases in order for each environment, then
//! `finish` (project-wide findings, order). Collects every diagnostic; a
//! finding on a compiled object is placed at the spec line `lower`'s
//! provenance names. Knows nothing of clap, exit codes or terminal messages.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde_json::Value;

use crate::argocd;
use crate::check;
use crate::diag::report::ResourceResult;
use crate::diag::{Diagnostic, FieldPath, Sources, codes, sort_and_dedup};
use crate::emit::confine::{Origin, confine};
use crate::emit::{self, EmitError, canonicalize_quantities};
use crate::flux;
use crate::load::Document;
use crate::load::node::Node;
use crate::load::node::Pos;
use crate::load::project::{load_specs, read_project_file};
use crate::lower::{self, LowerContext, Lowered, Provenance};
use crate::model::kuberay::{KubeRayVersion, UnknownVersion};
use crate::model::project::{
    DEFAULT_OUTPUT, DEFAULT_OVERLAY_DIR, FILE_NAME, GitOpsTool, Project, RayJobUpdate,
};
use crate::resolve;
use crate::rules;
use crate::timings::{self, Phase};
use crate::validate;
use crate::validate::gates::GateSetting;

pub mod named;

/// One compiled object and where it goes.
#[derive(Clone, Debug)]
pub struct CompiledObject {
    /// Environment name, when the project has environments.
    pub env: Option<String>,
    /// The spec file it came from.
    pub source: String,
    pub object: Value,
}

/// One compiled object kept as its output file only
/// ([`BuildOptions::render`]): what `rayc build` needs of it.
#[derive(Debug)]
pub struct RenderedObject {
    /// Environment name, when the project has environments.
    pub env: Option<String>,
    /// The spec file it came from.
    pub source: String,
    /// `kind`, `metadata.name` and `apiVersion`; empty when not a string.
    pub kind: String,
    pub name: String,
    pub api_version: String,
    /// Its head group asks KubeRay for a dashboard Ingress (`build --verbose`).
    pub dashboard_ingress: bool,
    /// Its path in the output folder ([`emit::object_path`]).
    pub path: String,
    /// The file's contents ([`emit::render_object`]), or why rayc cannot write it.
    pub contents: Result<String, EmitError>,
}

impl RenderedObject {
    /// Renders `object`, built from `source` for `env`.
    pub fn of(object: &Value, source: &str, env: Option<&str>) -> RenderedObject {
        let _time = timings::phase(Phase::Emit);
        let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
        let (path, mut contents) = emit::render_object(env, object);
        if let Ok(text) = &mut contents {
            // Kept until the build ends: no spare capacity.
            text.shrink_to_fit();
        }
        RenderedObject {
            env: env.map(str::to_owned),
            source: source.to_owned(),
            kind: text(&object["kind"]),
            name: text(&object["metadata"]["name"]),
            api_version: text(&object["apiVersion"]),
            dashboard_ingress: dashboard_ingress(object),
            path,
            contents,
        }
    }
}

/// Everything a build produced: objects (when there were no errors) and findings.
#[derive(Debug, Default)]
pub struct Compiled {
    pub root: PathBuf,
    pub project: Project,
    /// The target KubeRay version: the option, else `kuberayVersion` of
    /// rayc.yaml, else the newest.
    pub version: KubeRayVersion,
    /// The objects as trees (empty with [`BuildOptions::render`]).
    pub objects: Vec<CompiledObject>,
    /// The objects as output files (only with [`BuildOptions::render`]).
    pub rendered: Vec<RenderedObject>,
    /// The environments built (empty when the project has none).
    pub envs: Vec<String>,
    pub diagnostics: Vec<Diagnostic>,
    pub sources: Sources,
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

    /// One resource per object the specs compiled to, so the summary and JSON
    /// `resources` count valid objects too. An object built for several
    /// environments is one resource: its findings in any of them count.
    pub fn resources(&self) -> Vec<ResourceResult> {
        fn text(v: &Value) -> &str {
            v.as_str().unwrap_or_default()
        }
        let trees = self.objects.iter().map(|o| {
            let object = &o.object;
            let name = text(&object["metadata"]["name"]);
            (
                o.source.as_str(),
                text(&object["kind"]),
                name,
                text(&object["apiVersion"]),
            )
        });
        let files = self.rendered.iter().map(|r| {
            let (kind, name) = (r.kind.as_str(), r.name.as_str());
            (r.source.as_str(), kind, name, r.api_version.as_str())
        });
        let mut seen: HashSet<(&str, &str, &str)> = HashSet::new();
        trees
            .chain(files)
            .filter(|(file, kind, name, _)| seen.insert((file, kind, name)))
            .map(|(file, kind, name, version)| ResourceResult::new(file, kind, name, version))
            .collect()
    }

    /// How many objects the build produced, in either form.
    pub fn object_count(&self) -> usize {
        self.objects.len() + self.rendered.len()
    }
}

/// What to build.
#[derive(Clone, Debug, Default)]
pub struct BuildOptions {
    /// Environments to build; empty means all of the project's (or the
    /// single unnamed one when it has none).
    pub envs: Vec<String>,
    /// Overrides `kuberayVersion` of rayc.yaml.
    pub kuberay_version: Option<KubeRayVersion>,
    /// Overlays switched off in every environment, besides each
    /// environment's own `disableOverlays` (the Argo CD plugin's parameter).
    pub disable_overlays: Vec<String>,
    /// `--feature-gates`: over rayc.yaml `featureGates` and the version's defaults.
    pub feature_gates: Vec<(String, bool)>,
    /// Keep each object only as its output file (`Compiled::rendered`),
    /// rendered before its environment is validated, and drop its tree: a
    /// build then holds the trees of one environment at most.
    pub render: bool,
}

/// A lowered object ready for validation: its tree for the rules, its
/// identity for placing findings, and what the build keeps of it.
struct Finished {
    kind: Option<String>,
    name: Option<String>,
    node: Node,
    kept: Kept,
}

/// What a build keeps of an object ([`BuildOptions::render`]).
enum Kept {
    Tree(Value),
    File(RenderedObject),
}

/// Canonicalises an object's quantities and makes its validation tree;
/// with `render`, renders its output file and drops the `Value` (whose
/// strings the tree takes over).
fn finish_object(mut object: Value, source: &str, env: Option<&str>, render: bool) -> Finished {
    // Unreadable quantities stay as written; validation reports them.
    let _ = canonicalize_quantities(&mut object);
    let text = |v: &Value| v.as_str().map(str::to_owned);
    let kind = text(&object["kind"]);
    let name = text(&object["metadata"]["name"]);
    if !render {
        let _time = timings::phase(Phase::Validate);
        let node = Node::from_json(&object, Pos::UNKNOWN);
        return Finished {
            kind,
            name,
            node,
            kept: Kept::Tree(object),
        };
    }
    let file = RenderedObject::of(&object, source, env);
    let _time = timings::phase(Phase::Validate);
    Finished {
        kind,
        name,
        node: Node::from_owned_json(object, Pos::UNKNOWN),
        kept: Kept::File(file),
    }
}

/// Whether the head group of a Ray object enables KubeRay's dashboard Ingress.
fn dashboard_ingress(object: &Value) -> bool {
    let cluster = match object["kind"].as_str() {
        Some("RayCluster") => &object["spec"],
        Some("RayJob") => &object["spec"]["rayClusterSpec"],
        Some("RayService") => &object["spec"]["rayClusterConfig"],
        _ => return false,
    };
    cluster["headGroupSpec"]["enableIngress"] == true
}

/// Validates the objects of one environment together, as the cluster would
/// see them; findings point at the spec file each object came from.
fn validate_output(objects: &[(String, Finished)], ctx: &rules::Context) -> Vec<Diagnostic> {
    let inputs: Vec<rules::Object> = objects
        .iter()
        .map(|(file, o)| rules::Object {
            file,
            node: &o.node,
        })
        .collect();
    validate::validate(&inputs, ctx).diagnostics
}

/// Points a finding on a compiled object at the spec line that caused it:
/// the position `lower` recorded for the longest prefix of its path.
fn place_in_spec(d: &mut Diagnostic, objects: &[(String, Finished)], provenance: &[Provenance]) {
    if d.pos != Pos::UNKNOWN {
        return;
    }
    let Some(index) = objects.iter().position(|(file, object)| {
        *file == d.file
            && d.object.as_ref().is_some_and(|o| {
                object.kind.as_deref() == Some(o.kind.as_str())
                    && object.name.as_deref() == Some(o.name.as_str())
            })
    }) else {
        return;
    };
    let path = d.field_path().unwrap_or_default();
    if let Some(pos) = provenance.get(index).and_then(|p| p.locate(&path)) {
        d.pos = pos;
    }
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
            crate::load::files::real_path(&path).unwrap_or(path)
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

/// The target version: the option, else `kuberayVersion` of rayc.yaml (an
/// unknown one is RAY007 at its value), else the newest.
fn target_version(
    options: &BuildOptions,
    project: &Project,
    project_node: &Node,
) -> Result<KubeRayVersion, Diagnostic> {
    if let Some(v) = options.kuberay_version {
        return Ok(v);
    }
    let Some(text) = project.kuberay_version.as_deref() else {
        return Ok(KubeRayVersion::LATEST);
    };
    text.parse().map_err(|e: UnknownVersion| {
        let pos = project_node
            .get("kuberayVersion")
            .map_or(Pos::UNKNOWN, |n| n.pos);
        Diagnostic::error(codes::PROJECT, FILE_NAME, pos, e.to_string())
            .with_path("kuberayVersion")
            .with_help(e.help())
    })
}

/// Compiles the project rooted at `root` (the folder holding rayc.yaml):
/// [`prepare`] reads and checks what every environment shares, each
/// environment is built on its own ([`build_env`]), and [`finish`] adds
/// the project-wide findings and puts them in order.
pub fn compile(root: &Path, options: &BuildOptions) -> Compiled {
    let mut out = Compiled {
        root: root.to_path_buf(),
        ..Compiled::default()
    };
    let load_time = timings::phase(Phase::Load);
    let prepared = prepare(root, options, &mut out);
    drop(load_time);
    let prepared = match prepared {
        Ok(prepared) => prepared,
        Err(d) => {
            out.diagnostics.extend(d);
            finish(&mut out, None);
            return out;
        }
    };
    let shared = prepared.shared(&out.project, root, out.version, options.render);
    // One templater for the build: its budget bounds all templates together.
    // Specs resolve in parallel; when the budget runs out, the environment
    // resolves again in order, so which render runs out is fixed.
    let mut templater = resolve::Templater::new();
    for overlay in prepared.overlays.iter() {
        if let resolve::Patch::Text { source, .. } = &overlay.patch {
            templater.precompile(source);
        }
    }
    let builds: Vec<EnvBuild> = prepared
        .envs
        .iter()
        .map(|env| build_env(&shared, env.as_deref(), &templater))
        .collect();
    for build in builds {
        out.diagnostics.extend(build.diagnostics);
        out.objects.extend(build.objects);
        out.rendered.extend(build.rendered);
    }
    finish(&mut out, Some(&prepared));
    out
}

/// What [`prepare`] reads once for every environment.
struct Prepared {
    /// rayc.yaml's tree, for positions.
    project_node: Node,
    docs: Vec<Document>,
    overlays: resolve::OverlaySet,
    engine: EnginePolicy,
    rules_ctx: rules::Context,
    /// The environments to build; `[None]` when the project has none.
    envs: Vec<Option<String>>,
}

impl Prepared {
    fn shared<'a>(
        &'a self,
        project: &'a Project,
        root: &'a Path,
        version: KubeRayVersion,
        render: bool,
    ) -> Shared<'a> {
        let job_update = project.gitops.as_ref().and_then(|g| g.ray_job_update);
        Shared {
            project,
            root,
            version,
            overlays: &self.overlays,
            docs: &self.docs,
            part_of: project.name.as_deref(),
            allow_hidden_code: &project.allow_hidden_code,
            omit_autoscaled_replicas: project.omits_autoscaled_replicas(),
            hash_job_names: job_update == Some(RayJobUpdate::HashName),
            engine: &self.engine,
            rules_ctx: &self.rules_ctx,
            render,
        }
    }
}

/// Reads rayc.yaml (into `out.project`, `out.version`, `out.envs`), checks
/// the output folder, finds and reads the specs and the overlays. Stops at
/// the first step that fails: the later ones need it.
fn prepare(
    root: &Path,
    options: &BuildOptions,
    out: &mut Compiled,
) -> Result<Prepared, Vec<Diagnostic>> {
    let project_doc = read_project_file(root, &mut out.sources).map_err(|d| vec![d])?;
    out.project = check::project(&project_doc)?;
    let project_node = project_doc.node;
    out.version = target_version(options, &out.project, &project_node).map_err(|d| vec![d])?;
    // Before discovery: spec files inside `output` are never discovered, so
    // the folders are what `output` must stay clear of.
    let inputs = project_inputs(root, &out.project, &[]);
    out.output_dir =
        Some(confine_output(root, &project_node, &out.project, &inputs).map_err(|d| vec![d])?);
    let specs = load_specs(root, &out.project).map_err(|(d, sources)| {
        for (name, text) in sources.iter() {
            out.sources.add(name, text);
        }
        d
    })?;
    for (name, text) in specs.sources.iter() {
        out.sources.add(name, text);
    }
    out.inputs = project_inputs(root, &out.project, &specs.docs);
    out.envs = if options.envs.is_empty() {
        out.project.environments.keys().cloned().collect()
    } else {
        options.envs.clone()
    };
    let unknown = unknown_environments(&out.envs, &out.project, &project_node);
    if !unknown.is_empty() {
        return Err(unknown);
    }
    let engine = engine_policy(&out.project, &project_node)?;
    for environment in out.project.environments.values_mut() {
        for name in &options.disable_overlays {
            if !environment.disable_overlays.contains(name) {
                environment.disable_overlays.push(name.clone());
            }
        }
    }
    let overlays = resolve::load_overlays(&out.project, root)?;
    let mut gate_settings =
        GateSetting::from_project(&out.project.feature_gates, Some(&project_node));
    gate_settings.extend(GateSetting::from_flag(&options.feature_gates));
    let (feature_gates, gate_findings) = validate::gates::resolve(&gate_settings, out.version);
    out.diagnostics.extend(gate_findings);
    let rules_ctx = rules::Context {
        kuberay_version: out.version,
        gitops: match out.project.gitops.as_ref().and_then(|g| g.tool) {
            Some(GitOpsTool::Argocd) => rules::GitOps::ArgoCd,
            Some(GitOpsTool::Flux) => rules::GitOps::Flux,
            Some(GitOpsTool::None) | None => rules::GitOps::None,
        },
        ignore: out.project.ignore.clone(),
        feature_gates,
    };
    let envs = if out.envs.is_empty() {
        vec![None]
    } else {
        out.envs.iter().cloned().map(Some).collect()
    };
    Ok(Prepared {
        project_node,
        docs: specs.docs,
        overlays,
        engine,
        rules_ctx,
        envs,
    })
}

/// RAY007 for each environment asked for that rayc.yaml lacks, at its
/// `environments` (about the whole file when it has none).
fn unknown_environments(
    envs: &[String],
    project: &Project,
    project_node: &Node,
) -> Vec<Diagnostic> {
    let known: Vec<&str> = project.environments.keys().map(String::as_str).collect();
    let pos = project_node
        .entry("environments")
        .map_or(Pos::UNKNOWN, |e| e.key_pos);
    envs.iter()
        .filter(|env| !project.environments.contains_key(*env))
        .map(|env| {
            Diagnostic::error(
                codes::PROJECT,
                FILE_NAME,
                pos,
                format!("unknown environment {env:?}"),
            )
            .with_help(if known.is_empty() {
                "rayc.yaml defines no `environments`".to_owned()
            } else {
                format!("choose one of: {}", known.join(", "))
            })
        })
        .collect()
}

/// The project-wide end of a build: RAY982 when nothing was emitted,
/// rayc.yaml positions for findings that name a rayc.yaml path, and the
/// print order.
fn finish(out: &mut Compiled, prepared: Option<&Prepared>) {
    if let Some(prepared) = prepared {
        if out.object_count() == 0 && !out.has_errors() {
            // Rule RAY982 (zero objects) speaks for the whole project.
            out.diagnostics
                .extend(
                    rules::check(&[], &prepared.rules_ctx)
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
                d.pos = FieldPath::parse(path)
                    .exact_pos(&prepared.project_node)
                    .unwrap_or(Pos::UNKNOWN);
            }
        }
    }
    sort_and_dedup(&mut out.diagnostics);
}

/// What every environment's build reads.
struct Shared<'a> {
    project: &'a Project,
    root: &'a Path,
    version: KubeRayVersion,
    overlays: &'a resolve::OverlaySet,
    docs: &'a [Document],
    part_of: Option<&'a str>,
    allow_hidden_code: &'a [String],
    omit_autoscaled_replicas: bool,
    hash_job_names: bool,
    engine: &'a EnginePolicy,
    rules_ctx: &'a rules::Context,
    /// [`BuildOptions::render`].
    render: bool,
}

/// What one environment produced.
struct EnvBuild {
    diagnostics: Vec<Diagnostic>,
    objects: Vec<CompiledObject>,
    rendered: Vec<RenderedObject>,
}

/// What one spec produced in one environment.
#[derive(Default)]
struct SpecBuild {
    diagnostics: Vec<Diagnostic>,
    /// Its worker group names; `None` when it did not resolve.
    groups: Option<Vec<String>>,
    /// Its objects, when it lowered: still trees in an environment with
    /// `jsonPatches` (which see all its objects), else [`Finished`].
    lowered: Vec<Lowered>,
    finished: Vec<(Provenance, Finished)>,
}

/// Checks and lowers one resolved spec for one environment.
fn build_spec(
    doc: &Document,
    resolved: Result<Node, Vec<Diagnostic>>,
    shared: &Shared,
    env: Option<&str>,
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
        Err(mut d) => {
            for d in &mut d {
                to_project_file(d, &resolved.node, env);
            }
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
            for lowered in &mut objects {
                shared.engine.annotate(&mut lowered.object);
            }
            if has_json_patches(shared.project, env) {
                out.lowered = objects;
            } else {
                // Finished here, in parallel per spec, so an environment's
                // lowered trees never all exist at once.
                out.finished = objects
                    .into_iter()
                    .map(|l| {
                        let done = finish_object(l.object, &doc.file, env, shared.render);
                        (l.provenance, done)
                    })
                    .collect();
            }
        }
        Err(d) => out.diagnostics = d,
    }
    out
}

/// Whether the environment has `jsonPatches` (over all its objects at once).
fn has_json_patches(project: &Project, env: Option<&str>) -> bool {
    env.and_then(|e| project.environments.get(e))
        .is_some_and(|e| !e.json_patches.is_empty())
}

/// A finding on a value rayc.yaml wrote (project defaults, the environment)
/// moves to rayc.yaml, at the value's path there (`finish` finds its line).
fn to_project_file(d: &mut Diagnostic, spec: &Node, env: Option<&str>) {
    let Some(path) = d.path.as_deref() else {
        return;
    };
    if let Some(path) = resolve::project_file_path(spec, path, env) {
        d.file = FILE_NAME.to_owned();
        d.pos = Pos::UNKNOWN;
        d.path = Some(path);
    }
}

/// Builds and validates one environment (`None`: the project has none).
fn build_env(shared: &Shared, env_name: Option<&str>, templater: &resolve::Templater) -> EnvBuild {
    let project = shared.project;
    let ctx = resolve::ResolveContext::new(project, shared.root)
        .with_env(env_name)
        .with_kuberay_version(shared.version)
        .with_templater(templater);
    // Each spec is resolved and built in one task, so an environment never
    // holds all its resolved trees at once.
    let build_one = |doc: &Document| {
        let resolve_time = timings::phase(Phase::Resolve);
        let resolved = resolve::resolve(&doc.node, &doc.file, &ctx, shared.overlays);
        drop(resolve_time);
        build_spec(doc, resolved, shared, env_name)
    };
    let in_order = || shared.docs.iter().map(build_one).collect();
    let mark = templater.budget();
    let mut specs: Vec<SpecBuild> = if shared.docs.len() > 1 {
        shared.docs.par_iter().map(build_one).collect()
    } else {
        in_order()
    };
    if shared.docs.len() > 1 && templater.ran_out() {
        // Which render the budget stopped depends on thread timing: build
        // again in input order, so the same renders fail on every run (a
        // build past its budget thus templates at most twice its budget).
        templater.restore(mark);
        specs = in_order();
    }
    let mut diagnostics = Vec::new();
    // Lowered objects waiting for the environment's `jsonPatches`.
    let mut env_objects: Vec<(String, Value)> = Vec::new();
    let mut finished: Vec<(String, Finished)> = Vec::new();
    // For each object, where its fields came from (to place findings).
    let mut provenance: Vec<Provenance> = Vec::new();
    // Worker group names of every spec, when every spec resolved.
    let mut groups: Option<Vec<String>> = Some(Vec::new());
    for (doc, spec) in shared.docs.iter().zip(specs) {
        diagnostics.extend(spec.diagnostics);
        match (&mut groups, spec.groups) {
            (Some(all), Some(names)) => all.extend(names),
            _ => groups = None,
        }
        // Per environment either every spec finished its objects or none did.
        for lowered in spec.lowered {
            provenance.push(lowered.provenance);
            env_objects.push((doc.file.clone(), lowered.object));
        }
        for (from, done) in spec.finished {
            provenance.push(from);
            finished.push((doc.file.clone(), done));
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
    finished.par_extend(env_objects.into_par_iter().map(|(source, object)| {
        let done = finish_object(object, &source, env_name, shared.render);
        (source, done)
    }));
    let mut findings = if finished.is_empty() {
        Vec::new()
    } else {
        validate_output(&finished, shared.rules_ctx)
    };
    for d in &mut findings {
        place_in_spec(d, &finished, &provenance);
    }
    diagnostics.extend(findings);
    let mut objects = Vec::new();
    let mut rendered = Vec::new();
    for (source, done) in finished {
        match done.kept {
            Kept::Tree(object) => objects.push(CompiledObject {
                env: env_name.map(str::to_owned),
                source,
                object,
            }),
            Kept::File(file) => rendered.push(file),
        }
    }
    EnvBuild {
        diagnostics,
        objects,
        rendered,
    }
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
    use serde_json::json;

    use super::*;

    #[test]
    fn a_rendered_object_keeps_its_identity_and_file() {
        let object = json!({"apiVersion": "ray.io/v1", "kind": "RayCluster",
            "metadata": {"name": "k", "namespace": "ml"},
            "spec": {"headGroupSpec": {"enableIngress": true}}});
        let r = RenderedObject::of(&object, "specs/k.yaml", Some("dev"));
        assert_eq!((r.kind.as_str(), r.name.as_str()), ("RayCluster", "k"));
        assert_eq!(r.api_version, "ray.io/v1");
        assert!(r.dashboard_ingress);
        assert_eq!(r.path, "dev/ml/raycluster-k.yaml");
        let files = emit::render_files(&[emit::Placed {
            env: Some("dev"),
            object: &object,
        }])
        .unwrap();
        assert_eq!(r.contents.unwrap(), files[1].contents);
    }
}
