//! `rayc argocd …`: the Config Management Plugin's commands (`plugin`,
//! `params`, `generate`) and the Applications that use it (`app`).

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::{EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, ProjectArgs};
use crate::argocd::app::{self, Target};
use crate::argocd::plugin::{self, PLUGIN_YAML, ProjectFacts};
use crate::diag::codes;
use crate::diag::render::{self, Format};
use crate::diag::report::Report;
use crate::diag::{Diagnostic, Sources};
use crate::emit;
use crate::load::project::read_project_file;
use crate::model::kuberay::KubeRayVersion;
use crate::model::project::{FILE_NAME, Project};
use crate::pipeline::{self, BuildOptions, Compiled};

#[derive(Debug, Clone, clap::Args)]
pub struct ArgocdArgs {
    #[command(subcommand)]
    pub command: ArgocdCommand,
}

#[derive(Debug, Clone, clap::Subcommand)]
pub enum ArgocdCommand {
    /// Print the Config Management Plugin's plugin.yaml.
    Plugin,
    /// Print the plugin's parameter announcement (JSON) for the project.
    Params(ProjectArgs),
    /// Render one environment for Argo CD: the plugin's generate command.
    ///
    /// Runs in the app's folder (which holds rayc.yaml). User input comes
    /// only from parameters (ARGOCD_APP_PARAMETERS or PARAM_*) and
    /// ARGOCD_ENV_*: environment, disable-overlays, kuberay-version.
    /// Manifests go to stdout, diagnostics to stderr; nothing is written.
    Generate(ProjectArgs),
    /// Print one Argo CD Application per environment, using the plugin.
    App(AppArgs),
    /// Print the argocd-cm patch with health checks for the ray.io kinds.
    ///
    /// Without them Argo CD shows every RayJob, RayCluster and RayService as
    /// Healthy as soon as it exists. Apply with a Kustomize patch or
    /// `kubectl -n argocd patch configmap argocd-cm --patch-file FILE`.
    Health,
}

#[derive(Debug, Clone, clap::Args)]
pub struct AppArgs {
    #[command(flatten)]
    pub project: ProjectArgs,
    /// The git repository Argo CD reads (spec.source.repoURL).
    #[arg(long, value_name = "URL")]
    pub repo_url: String,
    /// Branch, tag or commit to sync.
    #[arg(long, value_name = "REV", default_value = "HEAD")]
    pub revision: String,
    /// The project's folder inside the repository.
    #[arg(long, value_name = "PATH", default_value = ".")]
    pub path: String,
    /// The cluster to deploy to.
    #[arg(
        long,
        value_name = "URL",
        default_value = "https://kubernetes.default.svc"
    )]
    pub dest_server: String,
    /// Namespace of the Application objects (where Argo CD runs).
    #[arg(long, value_name = "NS", default_value = "argocd")]
    pub namespace: String,
    /// The Argo CD project of the Applications.
    #[arg(
        long = "argocd-project",
        value_name = "NAME",
        default_value = "default"
    )]
    pub argocd_project: String,
}

pub fn run(args: &ArgocdArgs) -> u8 {
    match &args.command {
        ArgocdCommand::Plugin => print_out(PLUGIN_YAML),
        ArgocdCommand::Params(project) => params(project),
        ArgocdCommand::Generate(project) => generate(project),
        ArgocdCommand::App(app) => applications(app),
        ArgocdCommand::Health => health_cmd(),
    }
}

/// `rayc argocd health`: the `argocd-cm` patch on stdout.
pub fn health_cmd() -> u8 {
    match emit::yaml::to_yaml_document(&crate::argocd::health::argocd_cm_patch()) {
        Ok(text) => print_out(&text),
        Err(e) => {
            eprintln!("error: {e}");
            EXIT_USAGE
        }
    }
}

fn print_out(text: &str) -> u8 {
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Ok(()) => EXIT_OK,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => EXIT_OK,
        Err(e) => {
            eprintln!("error: writing to stdout: {e}");
            EXIT_USAGE
        }
    }
}

/// Prints findings to stderr (never coloured: Argo CD shows them as text).
fn report(diagnostics: Vec<Diagnostic>, sources: &Sources) {
    if diagnostics.is_empty() {
        return;
    }
    let report = Report::assemble(Vec::new(), diagnostics);
    eprint!("{}", render::render(Format::Human, &report, sources, false));
}

fn input_error(code: codes::Code, message: &str, help: &str) {
    eprintln!("error[{code}]: {message}\n  = help: {help}");
}

/// The app folder: the plugin runs in the folder holding rayc.yaml, and
/// never looks above it (the folders above are not the repository's).
fn app_root(dir: &Path) -> Option<PathBuf> {
    dir.join(FILE_NAME).is_file().then(|| dir.to_path_buf())
}

/// rayc.yaml and what the announcement says of it; findings are printed.
fn facts(root: &Path) -> Result<(Project, ProjectFacts), u8> {
    let mut sources = Sources::default();
    let loaded = read_project_file(root, &mut sources)
        .map_err(|d| vec![d])
        .and_then(|doc| crate::check::project(&doc))
        .and_then(|project| {
            crate::resolve::load_overlays(&project, root).map(|set| (project, set))
        });
    let (project, overlays) = loaded.map_err(|d| {
        report(d, &sources);
        EXIT_FINDINGS
    })?;
    let mut names: Vec<String> = overlays.names().map(str::to_owned).collect();
    names.sort();
    let facts = ProjectFacts {
        environments: project.environments.keys().cloned().collect(),
        overlays: names,
        kuberay_version: project
            .kuberay_version
            .clone()
            .unwrap_or_else(|| KubeRayVersion::LATEST.to_string()),
        kuberay_versions: KubeRayVersion::iter().map(|v| v.to_string()).collect(),
    };
    Ok((project, facts))
}

fn params(args: &ProjectArgs) -> u8 {
    let Some(root) = app_root(&args.dir) else {
        eprintln!("error: no {FILE_NAME} in {}", args.dir.display());
        return EXIT_USAGE;
    };
    let facts = match facts(&root) {
        Ok((_, facts)) => facts,
        Err(code) => return code,
    };
    match serde_json::to_string_pretty(&plugin::announce(&facts)) {
        Ok(json) => print_out(&format!("{json}\n")),
        Err(e) => {
            eprintln!("error: {e}");
            EXIT_USAGE
        }
    }
}

fn process_env() -> BTreeMap<String, String> {
    // Variables that are not UTF-8 cannot be rayc's input; skip them.
    std::env::vars_os()
        .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
        .collect()
}

fn generate(args: &ProjectArgs) -> u8 {
    let vars = process_env();
    let app = vars
        .get("ARGOCD_APP_NAME")
        .map_or(String::new(), |n| format!("Application {n}: "));
    let Some(root) = app_root(&args.dir) else {
        eprintln!(
            "error: {app}no {FILE_NAME} in {} (the plugin runs in the app's source path)",
            args.dir.display()
        );
        return EXIT_USAGE;
    };
    let inputs = match plugin::read_inputs(&vars) {
        Ok(inputs) => inputs,
        Err(message) => {
            input_error(
                codes::PLUGIN_INPUT,
                &format!("{app}{message}"),
                "fix spec.source.plugin of the Application",
            );
            return EXIT_USAGE;
        }
    };
    if !plugin::cluster_serves_ray(vars.get("KUBE_API_VERSIONS").map(String::as_str)) {
        input_error(
            codes::CLUSTER_API,
            &format!(
                "{app}the destination cluster does not serve {} (not in KUBE_API_VERSIONS)",
                plugin::RAY_API
            ),
            "install the KubeRay operator and its CRDs on the cluster, or point the Application at one that has them",
        );
        return EXIT_FINDINGS;
    }
    let (project, facts) = match facts(&root) {
        Ok(f) => f,
        Err(code) => return code,
    };
    let environment = inputs
        .environment
        .clone()
        .or_else(|| plugin::default_environment(&facts).map(str::to_owned));
    match (&environment, facts.environments.is_empty()) {
        (None, false) => {
            input_error(
                codes::PLUGIN_INPUT,
                &format!("{app}rayc.yaml has several environments and no parameter chose one"),
                &format!(
                    "set the plugin parameter `environment` to one of: {}",
                    facts.environments.join(", ")
                ),
            );
            return EXIT_USAGE;
        }
        (Some(env), false) if !facts.environments.contains(env) => {
            input_error(
                codes::PLUGIN_INPUT,
                &format!("{app}unknown environment {env:?}"),
                &format!("choose one of: {}", facts.environments.join(", ")),
            );
            return EXIT_USAGE;
        }
        (Some(env), true) => {
            input_error(
                codes::PLUGIN_INPUT,
                &format!("{app}environment {env:?} was chosen, but rayc.yaml has no environments"),
                "remove the `environment` parameter, or add `environments` to rayc.yaml",
            );
            return EXIT_USAGE;
        }
        _ => {}
    }
    if let Some(name) = inputs
        .disable_overlays
        .iter()
        .find(|o| !facts.overlays.contains(o))
    {
        input_error(
            codes::PLUGIN_INPUT,
            &format!("{app}parameter `disable-overlays` names unknown overlay {name:?}"),
            &format!("known overlays: {}", facts.overlays.join(", ")),
        );
        return EXIT_USAGE;
    }
    if !inputs.disable_overlays.is_empty() && facts.environments.is_empty() {
        input_error(
            codes::PLUGIN_INPUT,
            &format!("{app}parameter `disable-overlays` needs rayc.yaml `environments`"),
            "switch overlays off in a spec's `overlays`, or add environments",
        );
        return EXIT_USAGE;
    }
    let kuberay_version = match super::kuberay_version_flag(inputs.kuberay_version.as_deref()) {
        Ok(v) => v,
        Err(e) => {
            input_error(codes::PLUGIN_INPUT, &format!("{app}{e}"), &e.help());
            return EXIT_USAGE;
        }
    };
    let options = BuildOptions {
        envs: environment.iter().cloned().collect(),
        kuberay_version,
        disable_overlays: inputs.disable_overlays.clone(),
        ..BuildOptions::default()
    };
    let compiled = pipeline::compile(&root, &options);
    let Some(stream) = stream_of(&compiled) else {
        return EXIT_FINDINGS;
    };
    let revision = vars
        .get("ARGOCD_APP_REVISION")
        .map_or(String::new(), |r| format!(" at {r}"));
    // Logged by the sidecar on success; shown in the UI never.
    eprintln!(
        "rendered {} objects of {} (environment {}){revision}",
        compiled.objects.len(),
        project.name.as_deref().unwrap_or(FILE_NAME),
        environment.as_deref().unwrap_or("-"),
    );
    print_out(&stream)
}

/// The YAML stream of a compiled project, or `None` after printing why not.
fn stream_of(compiled: &Compiled) -> Option<String> {
    report(compiled.diagnostics.clone(), &compiled.sources);
    if compiled.has_errors() {
        return None;
    }
    let placed: Vec<emit::Placed> = compiled
        .objects
        .iter()
        .map(|o| emit::Placed {
            env: o.env.as_deref(),
            object: &o.object,
        })
        .collect();
    match emit::render_files(&placed) {
        Ok(files) => Some(emit::stream(&files)),
        Err(e) => {
            eprintln!("error: {e}");
            None
        }
    }
}

/// Compiles every environment of the project at `dir` for `app`/`flux`;
/// findings are printed and end the command.
pub(super) fn compile_all(dir: &Path) -> Result<Compiled, u8> {
    let Some(root) = super::project_root(dir) else {
        eprintln!(
            "error: {}\n  = help: run `rayc init` to create a project, or pass `-C DIR`",
            super::no_project(dir)
        );
        return Err(EXIT_USAGE);
    };
    let compiled = pipeline::compile(&root, &BuildOptions::default());
    report(compiled.diagnostics.clone(), &compiled.sources);
    if compiled.has_errors() {
        return Err(EXIT_FINDINGS);
    }
    Ok(compiled)
}

/// The name of the project's objects: rayc.yaml `name`, else its folder.
pub(super) fn project_name(compiled: &Compiled) -> String {
    compiled.project.name.clone().unwrap_or_else(|| {
        compiled
            .root
            .file_name()
            .map_or_else(|| "rayc".to_owned(), |n| n.to_string_lossy().into_owned())
    })
}

/// Per environment (or once, `None`, without environments): its name and objects.
pub(super) fn per_env(compiled: &Compiled) -> Vec<(Option<&str>, Vec<&Value>)> {
    if compiled.envs.is_empty() {
        return vec![(None, compiled.objects.iter().map(|o| &o.object).collect())];
    }
    compiled
        .envs
        .iter()
        .map(|env| {
            let objects = compiled
                .objects
                .iter()
                .filter(|o| o.env.as_deref() == Some(env))
                .map(|o| &o.object)
                .collect();
            (Some(env.as_str()), objects)
        })
        .collect()
}

/// Joins documents into one YAML stream.
pub(super) fn yaml_stream(docs: &[Value]) -> Result<String, u8> {
    emit::to_yaml_documents(docs).map_err(|e| {
        eprintln!("error: {e}");
        EXIT_USAGE
    })
}

fn applications(args: &AppArgs) -> u8 {
    let compiled = match compile_all(&args.project.dir) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let target = Target {
        repo_url: args.repo_url.clone(),
        revision: args.revision.clone(),
        path: args.path.clone(),
        dest_server: args.dest_server.clone(),
        namespace: args.namespace.clone(),
        project: args.argocd_project.clone(),
    };
    let base = project_name(&compiled);
    let project = &compiled.project;
    let docs: Vec<Value> = per_env(&compiled)
        .into_iter()
        .map(|(env, objects)| {
            let name = env.map_or_else(|| base.clone(), |e| format!("{base}-{e}"));
            let namespace = env
                .and_then(|e| project.environments.get(e))
                .and_then(|e| e.namespace.as_deref())
                .or_else(|| project.defaults.as_ref()?.namespace.as_deref());
            app::application(&name, env, namespace, &objects, &target)
        })
        .collect();
    match yaml_stream(&docs) {
        Ok(text) => print_out(&text),
        Err(code) => code,
    }
}
