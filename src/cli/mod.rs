//! The command line: clap definitions and exit codes. Only this module knows
//! clap; the pipeline never sees its types.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::diag::report::ResourceResult;
use crate::pipeline;

mod argocd;
mod build;
mod completions;
mod diff;
mod flux;
mod import;
mod init;
mod output;
mod overlays;
mod rule;
mod schema;
mod validate;

pub use output::{ColorChoice, OutputArgs};

/// Exit codes (documented in `rayc help`).
pub const EXIT_OK: u8 = 0;
/// Findings (errors in specs or manifests) or stale rendered output.
pub const EXIT_FINDINGS: u8 = 1;
/// Usage or I/O error.
pub const EXIT_USAGE: u8 = 2;

/// Compile short Ray workload specs into validated, deterministic KubeRay manifests.
///
/// Exit codes: 0 success, 1 findings or stale output, 2 usage or I/O error.
#[derive(Debug, Parser)]
#[command(
    name = "rayc",
    version,
    about,
    long_about = None,
    propagate_version = true,
    after_help = "Exit codes: 0 success, 1 findings or stale output, 2 usage or I/O error."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Compile the project's specs into KubeRay manifests.
    Build(build::BuildArgs),
    /// Show what a change does in the cluster: fresh build vs committed output, two environments, or a git revision.
    Diff(diff::DiffArgs),
    /// Turn KubeRay manifests into a new rayc project whose build gives them back.
    Import(import::ImportArgs),
    /// Scaffold a project with one working example.
    Init(init::InitArgs),
    /// List the overlays a project can use, or explain one.
    Overlays(overlays::OverlaysArgs),
    /// Check specs and plain KubeRay manifests strictly, for a KubeRay version.
    Validate(validate::ValidateArgs),
    /// Print the JSON Schema of the spec format (for editors), or check `schemas/`.
    Schema(schema::SchemaArgs),
    /// Argo CD: the Config Management Plugin, the Applications using it, and health checks.
    Argocd(argocd::ArgocdArgs),
    /// Flux: one Kustomization per environment for the rendered output.
    Flux(flux::FluxArgs),
    /// Print the documentation of a diagnostic code or rule.
    Rule(rule::RuleArgs),
    /// Print a shell completion script (bash, zsh, fish, powershell).
    Completions(completions::CompletionsArgs),
}

/// Options every project command shares.
#[derive(Debug, Clone, clap::Args)]
pub struct ProjectArgs {
    /// Run as if started in DIR (the folder holding rayc.yaml, or below it).
    #[arg(short = 'C', long = "project", value_name = "DIR", default_value = ".")]
    pub dir: PathBuf,
}

/// The project holding `dir`: the nearest folder, from `dir` up, with a
/// rayc.yaml. `dir` is made absolute first, so `.` also finds a parent's.
/// A `dir` that is no folder has none (`-C typo` must not find a parent's).
fn project_root(dir: &std::path::Path) -> Option<PathBuf> {
    let dir = if dir.as_os_str().is_empty() {
        std::path::Path::new(".")
    } else {
        dir
    };
    if !dir.is_dir() {
        return None;
    }
    let absolute = std::fs::canonicalize(dir).or_else(|_| std::path::absolute(dir));
    crate::load::project::find_root(absolute.as_deref().unwrap_or(dir))
}

/// Why [`project_root`] found nothing, for `error:` lines.
fn no_project(dir: &std::path::Path) -> String {
    if dir.is_dir() {
        format!("no rayc.yaml in {} or any parent folder", dir.display())
    } else {
        format!("{} is not a folder", dir.display())
    }
}

/// `path` as the user sees it in findings and messages: relative to the
/// folder rayc was started in, not to `-C` (from a monorepo root,
/// `ray/specs/x.yaml`, which GitHub annotations and editors can open).
/// Relative paths are taken as relative to that folder already.
pub(crate) fn shown_path(path: &std::path::Path) -> String {
    let cwd = std::env::current_dir().ok();
    let cwd = cwd.map(|d| std::fs::canonicalize(&d).unwrap_or(d));
    let shown = match &cwd {
        Some(cwd) if path.is_absolute() => pathdiff::diff_paths(path, cwd),
        _ => None,
    };
    match shown {
        Some(p) if p.as_os_str().is_empty() => ".".to_owned(),
        Some(p) => p.display().to_string(),
        None => path.display().to_string(),
    }
}

/// Renames the files a compiled project's findings and sources name, from
/// relative to the project root to [`shown_path`]. Built-in overlays
/// (`<built-in>/…`) and findings about no file keep their names.
pub(crate) fn show_from_cwd(compiled: &mut pipeline::Compiled) {
    let root = compiled.root.clone();
    let rename = |name: &str| {
        if name.is_empty() || name.starts_with('<') {
            name.to_owned()
        } else {
            shown_path(&root.join(name))
        }
    };
    for d in &mut compiled.diagnostics {
        d.file = rename(&d.file);
    }
    let mut sources = crate::diag::Sources::default();
    for (name, text) in compiled.sources.iter() {
        sources.add(rename(name), text);
    }
    compiled.sources = sources;
    for o in &mut compiled.objects {
        o.source = rename(&o.source);
    }
}

/// One resource per object the specs compiled to, so the summary and JSON
/// `resources` count valid objects too. An object built for several
/// environments is one resource: its findings in any of them count.
pub(crate) fn object_resources(compiled: &pipeline::Compiled) -> Vec<ResourceResult> {
    let mut resources: Vec<ResourceResult> = Vec::new();
    for o in &compiled.objects {
        let text = |key: &str| o.object[key].as_str().unwrap_or_default().to_owned();
        let name = o.object["metadata"]["name"].as_str().unwrap_or_default();
        let resource = ResourceResult::new(&o.source, text("kind"), name, text("apiVersion"));
        let seen = resources.iter().any(|r| {
            r.filename == resource.filename && r.kind == resource.kind && r.name == resource.name
        });
        if !seen {
            resources.push(resource);
        }
    }
    resources
}

pub fn run() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { EXIT_USAGE } else { EXIT_OK };
            // Printing help to a closed pipe is not an error worth reporting.
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let start = std::time::Instant::now();
    let code = match cli.command {
        Command::Build(args) => build::run(&args),
        Command::Diff(args) => diff::run(&args),
        Command::Init(args) => init::run(&args),
        Command::Import(args) => import::run(&args),
        Command::Schema(args) => schema::run(&args),
        Command::Validate(args) => validate::run(&args),
        Command::Overlays(args) => overlays::run(&args),
        Command::Argocd(args) => argocd::run(&args),
        Command::Flux(args) => flux::run(&args),
        Command::Rule(args) => rule::run(&args),
        Command::Completions(args) => completions::run(&args),
    };
    if crate::timings::enabled() {
        eprint!("{}", crate::timings::summary(start.elapsed()));
    }
    ExitCode::from(code)
}

/// Writes `text` to stdout. A reader that went away (`rayc schema | head -1`)
/// is not an error: like `cat` or ripgrep, rayc just stops.
pub fn print_stdout(text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

/// Whether a report on stdout is coloured.
pub fn use_color_stdout(choice: ColorChoice) -> bool {
    use std::io::IsTerminal;
    choice.resolve(std::io::stdout().is_terminal())
}

/// Whether diagnostics on stderr are coloured (see docs/output-formats.md).
pub fn use_color(choice: ColorChoice) -> bool {
    use std::io::IsTerminal;
    choice.resolve(std::io::stderr().is_terminal())
}

/// Writes `bytes` to stdout; a closed pipe (`rayc … | head`) is no failure.
fn write_stdout(bytes: &[u8]) -> u8 {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(bytes).and_then(|()| stdout.flush()) {
        Ok(()) => EXIT_OK,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => EXIT_OK,
        Err(e) => {
            eprintln!("error: writing to stdout: {e}");
            EXIT_USAGE
        }
    }
}
