//! `rayc schema`: the JSON Schemas of rayc's own file formats, for editors
//! (`# yaml-language-server: $schema=...`). The repo's `schemas/` holds them.

use std::path::PathBuf;

use super::{EXIT_FINDINGS, EXIT_OK, EXIT_USAGE};

#[derive(Debug, Clone, clap::Args)]
pub struct SchemaArgs {
    /// Which schema: `spec` (RayJob, RayCluster, RayService, RayCronJob specs), `project` (rayc.yaml) or `overlay` (overlay files).
    #[arg(value_enum, default_value_t = SchemaKind::Spec)]
    pub kind: SchemaKind,
    /// Write every schema into DIR instead of printing one.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// With --out: write nothing, exit 1 when the files in DIR are stale.
    #[arg(long, requires = "out")]
    pub check: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SchemaKind {
    Spec,
    Project,
    Overlay,
}

/// The file name and text of every schema rayc publishes.
pub fn schemas() -> Vec<(&'static str, String)> {
    vec![
        ("rayc-spec.schema.json", crate::check::schemas::spec_json()),
        (
            "rayc-project.schema.json",
            crate::check::schemas::project_json(),
        ),
        (
            "rayc-overlay.schema.json",
            crate::check::schemas::overlay_json(),
        ),
    ]
}

pub fn run(args: &SchemaArgs) -> u8 {
    let Some(dir) = &args.out else {
        let text = match args.kind {
            SchemaKind::Spec => crate::check::schemas::spec_json(),
            SchemaKind::Project => crate::check::schemas::project_json(),
            SchemaKind::Overlay => crate::check::schemas::overlay_json(),
        };
        return match super::print_stdout(&text) {
            Ok(()) => EXIT_OK,
            Err(e) => {
                eprintln!("error: writing to stdout: {e}");
                EXIT_USAGE
            }
        };
    };
    let mut stale = Vec::new();
    for (name, text) in schemas() {
        let path = dir.join(name);
        let current = std::fs::read_to_string(&path).ok();
        if current.as_deref() == Some(text.as_str()) {
            continue;
        }
        if args.check {
            stale.push(path.display().to_string());
            continue;
        }
        let written = std::fs::create_dir_all(dir).and_then(|()| std::fs::write(&path, &text));
        if let Err(e) = written {
            eprintln!("error: writing {}: {e}", path.display());
            return EXIT_USAGE;
        }
    }
    if stale.is_empty() {
        EXIT_OK
    } else {
        eprintln!(
            "error: stale schema files: {}\n  = help: run `rayc schema --out {}`",
            stale.join(", "),
            dir.display()
        );
        EXIT_FINDINGS
    }
}
