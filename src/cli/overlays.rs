//! `rayc overlays [NAME]`: list the overlays a project can use, or explain one.

use super::{EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, ProjectArgs};
use crate::diag::Sources;
use crate::diag::render::{self, Format};
use crate::diag::report::Report;
use crate::load::project::read_project_file;
use crate::resolve::{self, OverlaySet};

#[derive(Debug, Clone, clap::Args)]
pub struct OverlaysArgs {
    /// Overlay to explain: parameters, types, defaults and what it changes.
    pub name: Option<String>,
    #[command(flatten)]
    pub project: ProjectArgs,
}

pub fn run(args: &OverlaysArgs) -> u8 {
    let mut sources = Sources::default();
    // Outside a project only the built-ins exist.
    let set = match super::project_root(&args.project.dir) {
        None => OverlaySet::builtin(),
        Some(root) => read_project_file(&root, &mut sources)
            .map_err(|d| vec![d])
            .and_then(|doc| crate::check::project(&doc))
            .and_then(|project| resolve::load_overlays(&project, &root)),
    };
    let set = match set {
        Ok(set) => set,
        Err(diags) => return fail(diags, &sources),
    };
    let text = match &args.name {
        None => resolve::list_overlays(&set),
        Some(name) => match resolve::explain_overlay(name, &set) {
            Ok(text) => text,
            Err(d) => return fail(vec![d], &sources),
        },
    };
    match super::print_stdout(&text) {
        Ok(()) => EXIT_OK,
        Err(e) => {
            eprintln!("error: writing to stdout: {e}");
            EXIT_USAGE
        }
    }
}

fn fail(diags: Vec<crate::diag::Diagnostic>, sources: &Sources) -> u8 {
    let report = Report::assemble(Vec::new(), diags);
    eprint!(
        "{}",
        render::render(
            Format::Human,
            &report,
            sources,
            super::use_color(super::ColorChoice::Auto)
        )
    );
    EXIT_FINDINGS
}
