//! `rayc flux`: one Flux Kustomization per environment for the committed
//! rendered output.

use serde_json::Value;

use super::argocd::{compile_all, per_env, project_name, yaml_stream};
use super::{EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, ProjectArgs};
use crate::diag::codes;
use crate::flux::kustomization::{Target, kustomization, source_path};
use crate::model::project::{DEFAULT_OUTPUT, GitOpsTool, RayJobUpdate};

#[derive(Debug, Clone, clap::Args)]
pub struct FluxArgs {
    #[command(flatten)]
    pub project: ProjectArgs,
    /// The Flux GitRepository holding the project.
    #[arg(long, value_name = "NAME", default_value = "flux-system")]
    pub source: String,
    /// The project's folder inside that repository.
    #[arg(long, value_name = "PATH", default_value = ".")]
    pub path: String,
    /// Namespace of the Kustomization objects (where Flux runs).
    #[arg(long, value_name = "NS", default_value = "flux-system")]
    pub namespace: String,
    /// How often Flux reconciles.
    #[arg(long, value_name = "DURATION", default_value = "10m")]
    pub interval: String,
    /// How long Flux waits for the objects to become healthy.
    #[arg(long, value_name = "DURATION", default_value = "5m")]
    pub timeout: String,
}

pub fn run(args: &FluxArgs) -> u8 {
    let compiled = match compile_all(&args.project.dir) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let gitops = compiled.project.gitops.clone().unwrap_or_default();
    if gitops.ray_job_update == Some(RayJobUpdate::Hook) {
        eprintln!(
            "error[{}]: rayc.yaml: `gitops.rayJobUpdate: hook` makes RayJobs Argo CD hooks, and Flux has no hooks\n  = help: use `hash-name` or `replace` with Flux",
            codes::GITOPS_POLICY
        );
        return EXIT_FINDINGS;
    }
    if gitops.tool != Some(GitOpsTool::Flux) {
        eprintln!(
            "note: rayc.yaml does not set `gitops.tool: flux`, so `${{…}}` that Flux would substitute (RAY981) was not checked"
        );
    }
    let target = Target {
        source: args.source.clone(),
        namespace: args.namespace.clone(),
        interval: args.interval.clone(),
        timeout: args.timeout.clone(),
    };
    let base = project_name(&compiled);
    let output = compiled.project.output.as_deref().unwrap_or(DEFAULT_OUTPUT);
    let docs: Vec<Value> = per_env(&compiled)
        .into_iter()
        .map(|(env, _)| {
            let name = env.map_or_else(|| base.clone(), |e| format!("{base}-{e}"));
            let path = source_path(&[args.path.as_str(), output, env.unwrap_or("")]);
            kustomization(&name, &path, &target)
        })
        .collect();
    match yaml_stream(&docs) {
        Ok(text) => {
            print!("{text}");
            EXIT_OK
        }
        Err(_) => EXIT_USAGE,
    }
}
