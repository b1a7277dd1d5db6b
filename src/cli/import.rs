//! `rayc import FILE…|DIR --into PROJECT`: KubeRay manifests → a new rayc
//! project, written atomically (a staging folder renamed into place).

use std::io::Write;
use std::path::{Path, PathBuf};

use super::{EXIT_FINDINGS, EXIT_OK, EXIT_USAGE};
use crate::diag::render::{self, Format};
use crate::diag::report::Report;
use crate::diag::{Diagnostic, Sources, codes};
use crate::import::{self, Input, Options};
use crate::load::node::Pos;

#[derive(Debug, Clone, clap::Args)]
pub struct ImportArgs {
    /// KubeRay manifests to import: YAML files or folders; `-` reads one stream from stdin.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Folder of the new project; it must not exist yet, or be empty.
    #[arg(long, value_name = "PROJECT")]
    pub into: PathBuf,
    /// Target KubeRay version, such as v1.4; default the newest.
    #[arg(long, value_name = "VERSION")]
    pub kuberay_version: Option<String>,
    #[command(flatten)]
    pub gates: super::GateArgs,
    /// Output format of the findings: human, json or github.
    #[arg(long, default_value = "human")]
    pub format: Format,
    /// Colour: auto (on a terminal, honouring NO_COLOR and CLICOLOR_FORCE), always or never.
    #[arg(long, value_enum, default_value_t = super::ColorChoice::Auto, value_name = "WHEN")]
    pub color: super::ColorChoice,
}

pub fn run(args: &ImportArgs) -> u8 {
    let kuberay_version = match super::kuberay_version_flag(args.kuberay_version.as_deref()) {
        Ok(v) => v,
        Err(e) => {
            eprintln!("error: {e}\n  = help: {}", e.help());
            return EXIT_USAGE;
        }
    };
    let into = args.into.as_path();
    if let Some(d) = occupied(into) {
        return report(args, &[d], &Sources::default(), EXIT_USAGE);
    }
    let files = match super::validate::expand(&args.paths, &[]) {
        Ok(f) => f,
        Err(code) => return code,
    };
    let mut sources = Sources::default();
    let mut inputs = Vec::new();
    let mut unreadable = Vec::new();
    for path in files {
        let from_stdin = path.as_os_str() == super::validate::STDIN;
        let file = if from_stdin {
            super::validate::STDIN_NAME.to_owned()
        } else {
            path.to_string_lossy().into_owned()
        };
        let read = if from_stdin {
            super::validate::read_stdin("import")
        } else {
            super::validate::read(&path)
        };
        match read {
            Ok(text) => {
                sources.add(&file, text.as_str());
                inputs.push(Input { file, text });
            }
            Err(d) => unreadable.push(d),
        }
    }
    if !unreadable.is_empty() {
        return report(args, &unreadable, &sources, EXIT_USAGE);
    }
    if inputs.is_empty() {
        eprintln!("error: no YAML files in {}", display_all(&args.paths));
        return EXIT_USAGE;
    }

    let parent = match into.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let staging = match tempfile::Builder::new()
        .prefix(".rayc-import-")
        .tempdir_in(&parent)
    {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: cannot create a folder in {}: {e}", parent.display());
            return EXIT_USAGE;
        }
    };
    let feature_gates = match args.gates.settings() {
        Ok(g) => g,
        Err(code) => return code,
    };
    let options = Options {
        kuberay_version,
        project_name: project_name(into),
        feature_gates,
    };
    let outcome = match import::import(&inputs, staging.path(), &options) {
        Ok(o) => o,
        // The staging folder is dropped (deleted): nothing half written stays.
        Err(diags) => return report(args, &diags, &sources, EXIT_FINDINGS),
    };
    // An empty target folder is replaced; `occupied` refused any other.
    if into.is_dir()
        && let Err(e) = std::fs::remove_dir(into)
    {
        eprintln!("error: cannot replace {}: {e}", into.display());
        return EXIT_USAGE;
    }
    let kept = staging.keep();
    if let Err(e) = std::fs::rename(&kept, into) {
        let _ = std::fs::remove_dir_all(&kept);
        eprintln!("error: cannot move the project to {}: {e}", into.display());
        return EXIT_USAGE;
    }

    let code = report(args, &outcome.diagnostics, &sources, EXIT_OK);
    let input_lines: usize = outcome.sizes.iter().map(|s| s.input_lines).sum();
    let spec_lines: usize =
        outcome.sizes.iter().map(|s| s.spec_lines).sum::<usize>() + outcome.project_lines;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(
        out,
        "imported {} file(s) into {}: {} spec lines (rayc.yaml included) for {} input lines ({}%)",
        outcome.sizes.len(),
        into.display(),
        spec_lines,
        input_lines,
        (spec_lines * 100).checked_div(input_lines).unwrap_or(0)
    );
    for file in &outcome.files {
        let _ = writeln!(out, "  {file}");
    }
    code
}

/// Refuses a target that exists and is not an empty folder: an import never
/// overwrites anything.
fn occupied(into: &Path) -> Option<Diagnostic> {
    let name = into.display().to_string();
    let refuse = |what: &str| {
        Some(
            Diagnostic::error(
                codes::IMPORT_TARGET_EXISTS,
                &name,
                Pos::UNKNOWN,
                format!("{name} {what}; rayc import never overwrites files"),
            )
            .with_help("name a new folder with --into, or move the existing one away"),
        )
    };
    match std::fs::read_dir(into) {
        Ok(mut entries) => match entries.next() {
            Some(_) => refuse("is not empty"),
            None => None,
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(_) => refuse("exists and is not a folder"),
    }
}

/// The new project's name: its folder's name.
fn project_name(into: &Path) -> String {
    let absolute = std::path::absolute(into).unwrap_or_else(|_| into.to_path_buf());
    let name: String = absolute
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect();
    let name = name.trim_matches('-').to_owned();
    if name.is_empty() {
        "imported".into()
    } else {
        name
    }
}

fn display_all(paths: &[PathBuf]) -> String {
    paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

fn report(args: &ImportArgs, diags: &[Diagnostic], sources: &Sources, code: u8) -> u8 {
    let format = args.format;
    let report = Report::assemble(Vec::new(), diags.to_vec());
    eprint!(
        "{}",
        render::render(format, &report, sources, super::use_color(args.color))
    );
    code
}
