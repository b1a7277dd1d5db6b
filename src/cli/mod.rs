//! The command line: clap definitions and exit codes. Only this module knows
//! clap; the pipeline never sees its types.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::diag::report::ResourceResult;
use crate::model::kuberay::{KubeRayVersion, UnknownVersion};
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

/// `--feature-gates`, shared by the commands that validate for a version.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct GateArgs {
    /// Feature gates of your KubeRay operator, in its own syntax
    /// (`RayCronJob=true,RayClusterMTLS=false`); repeatable. Over rayc.yaml
    /// `featureGates` and the target version's defaults.
    #[arg(long, value_name = "GATES")]
    pub feature_gates: Vec<String>,
}

impl GateArgs {
    /// The settings, or the usage error already printed: items that are not
    /// `Name=bool`, and names no operator has (RAY055). Whether the target
    /// version has a gate is checked once the version is known (RAY056).
    pub fn settings(&self) -> Result<Vec<(String, bool)>, u8> {
        let mut out = Vec::new();
        for text in &self.feature_gates {
            let parsed = match crate::model::kuberay::parse_list(text) {
                Ok(parsed) => parsed,
                Err(item) => {
                    eprintln!(
                        "error: --feature-gates: {item:?} is not Name=true or Name=false\n  = help: use the operator's syntax, e.g. `--feature-gates RayCronJob=true,RayClusterMTLS=false`"
                    );
                    return Err(EXIT_USAGE);
                }
            };
            for (name, on) in parsed {
                if let Some((message, help)) = crate::validate::gates::unknown(&name) {
                    eprintln!(
                        "error[{}]: --feature-gates: {message}\n  = help: {help}",
                        crate::diag::codes::UNKNOWN_FEATURE_GATE
                    );
                    return Err(EXIT_USAGE);
                }
                out.push((name, on));
            }
        }
        Ok(out)
    }
}

/// The project holding `dir`: the nearest folder, from `dir` up, with a
/// rayc.yaml. `dir` is made absolute first, so `.` also finds a parent's.
/// A `dir` that is no folder has none (`-C typo` must not find a parent's).
fn project_root(dir: &std::path::Path) -> Option<PathBuf> {
    crate::load::project::find_project_root(dir)
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
    for o in &mut compiled.rendered {
        o.source = rename(&o.source);
    }
}

/// One resource per object the specs compiled to (see [`pipeline::Compiled::resources`]).
pub(crate) fn object_resources(compiled: &pipeline::Compiled) -> Vec<ResourceResult> {
    compiled.resources()
}

/// `--kuberay-version`, read once for every command that takes it; an
/// unknown version is a usage error that lists the known ones.
pub(crate) fn kuberay_version_flag(
    flag: Option<&str>,
) -> Result<Option<KubeRayVersion>, UnknownVersion> {
    flag.map(str::parse).transpose()
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
    print_stdout_parts([text])
}

/// [`print_stdout`] of the pieces joined, without joining them in memory.
pub fn print_stdout_parts<'a>(parts: impl IntoIterator<Item = &'a str>) -> std::io::Result<()> {
    use std::io::Write;
    let mut stdout = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    let written = parts
        .into_iter()
        .try_for_each(|part| stdout.write_all(part.as_bytes()))
        .and_then(|()| stdout.flush());
    match written {
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
