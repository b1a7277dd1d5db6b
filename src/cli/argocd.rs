//! `rayc argocd …`: Argo CD integration commands.

use std::io::Write;

use super::{EXIT_OK, EXIT_USAGE};

#[derive(Debug, Clone, clap::Args)]
pub struct ArgocdArgs {
    #[command(subcommand)]
    pub command: ArgocdCommand,
}

#[derive(Debug, Clone, clap::Subcommand)]
pub enum ArgocdCommand {
    /// Print the argocd-cm patch with health checks for the ray.io kinds.
    ///
    /// Without them Argo CD shows every RayJob, RayCluster and RayService as
    /// Healthy as soon as it exists. Apply with a Kustomize patch or
    /// `kubectl -n argocd patch configmap argocd-cm --patch-file FILE`.
    Health,
}

pub fn run(args: &ArgocdArgs) -> u8 {
    match args.command {
        ArgocdCommand::Health => health_cmd(),
    }
}

/// `rayc argocd health`: the `argocd-cm` patch on stdout.
pub fn health_cmd() -> u8 {
    let text = match crate::emit::yaml::to_yaml_document(&crate::argocd::health::argocd_cm_patch())
    {
        Ok(text) => text,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_USAGE;
        }
    };
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
