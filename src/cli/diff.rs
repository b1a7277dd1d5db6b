//! `rayc diff`: what a change does to the cluster, object by object. Compares
//! a fresh build with the committed output folder, two environments, or the
//! build of a git revision.

use std::path::{Path, PathBuf};

use super::{EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, ProjectArgs};
use crate::diag::codes;
use crate::diag::render::{self, Format};
use crate::diag::report::Report;
use crate::diag::{Diagnostic, Sources};
use crate::diff::{self, Object};
use crate::emit;
use crate::load::{self, Limits};
use crate::model::project::DEFAULT_OUTPUT;
use crate::pipeline::{self, BuildOptions, Compiled};

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum DiffFormat {
    Human,
    Json,
    Markdown,
}

#[derive(Debug, Clone, clap::Args)]
pub struct DiffArgs {
    #[command(flatten)]
    pub project: ProjectArgs,
    /// Compare only this environment of rayc.yaml (repeatable).
    #[arg(long = "env", value_name = "ENV", conflicts_with = "between")]
    pub envs: Vec<String>,
    /// Compare two environments of the fresh build: what FROM → TO changes.
    #[arg(long, num_args = 2, value_names = ["FROM", "TO"], conflicts_with = "base")]
    pub between: Vec<String>,
    /// Compare with the build of a git revision (read through git; the work tree is not touched).
    #[arg(long, value_name = "REF")]
    pub base: Option<String>,
    /// Committed output folder (default: `output` of rayc.yaml, else `rendered`), relative to the project.
    #[arg(long, value_name = "DIR", conflicts_with_all = ["between", "base"])]
    pub out: Option<PathBuf>,
    /// Target KubeRay version for the impact, such as v1.4; default from rayc.yaml, else the newest.
    #[arg(long, value_name = "VERSION")]
    pub kuberay_version: Option<String>,
    #[command(flatten)]
    pub gates: super::GateArgs,
    /// Output: human (coloured on a terminal), json, or markdown (a pull-request comment).
    #[arg(long, value_enum, default_value = "human")]
    pub format: DiffFormat,
    /// Colour: auto (on a terminal, honouring NO_COLOR and CLICOLOR_FORCE), always or never.
    #[arg(long, value_enum, default_value_t = super::ColorChoice::Auto, value_name = "WHEN")]
    pub color: super::ColorChoice,
}

/// Why a diff could not be made; the message is printed as `error: …`.
struct Failed(u8);

pub fn run(args: &DiffArgs) -> u8 {
    match diff(args) {
        Ok(code) => code,
        Err(Failed(code)) => code,
    }
}

fn usage(message: impl std::fmt::Display) -> Failed {
    eprintln!("error: {message}");
    Failed(EXIT_USAGE)
}

fn diff(args: &DiffArgs) -> Result<u8, Failed> {
    let root = super::project_root(&args.project.dir).ok_or_else(|| {
        usage(format_args!(
            "{}\n  = help: run `rayc init` to create a project, or pass `-C DIR`",
            super::no_project(&args.project.dir)
        ))
    })?;
    let kuberay_version = super::kuberay_version_flag(args.kuberay_version.as_deref())
        .map_err(|e| usage(format_args!("{e}\n  = help: {}", e.help())))?;
    let envs = if args.between.is_empty() {
        args.envs.clone()
    } else {
        args.between.clone()
    };
    let feature_gates = args.gates.settings().map_err(Failed)?;
    let options = BuildOptions {
        envs,
        kuberay_version,
        feature_gates,
        ..BuildOptions::default()
    };
    let compiled = build(&root, &options, None, args.color)?;
    let version = compiled.version;
    let new = objects(&compiled);

    let (old, new, from, to) = if let [from, to] = args.between.as_slice() {
        if from == to {
            return Err(usage("--between needs two different environments"));
        }
        let side = |env: &str| -> Vec<Object> {
            new.iter()
                .filter(|o| o.env.as_deref() == Some(env))
                .map(|o| Object {
                    env: None,
                    value: o.value.clone(),
                })
                .collect()
        };
        (side(from), side(to), from.clone(), to.clone())
    } else if let Some(rev) = &args.base {
        let snapshot = diff::git::snapshot(&root, rev).map_err(usage)?;
        let base = build(&snapshot.root, &options, Some(rev), args.color)?;
        (objects(&base), new, rev.clone(), "work tree".to_owned())
    } else {
        let out_dir = output_dir(&root, &compiled, args.out.as_deref());
        let shown = out_dir.strip_prefix(&root).map_or_else(
            |_| out_dir.display().to_string(),
            |p| p.display().to_string(),
        );
        let old = committed(&out_dir, &shown, !compiled.envs.is_empty(), args.color)?;
        let old = old
            .into_iter()
            .filter(|o| {
                args.envs.is_empty() || o.env.as_ref().is_some_and(|e| args.envs.contains(e))
            })
            .collect();
        (
            old,
            new,
            format!("committed {shown}/"),
            "fresh build".to_owned(),
        )
    };
    let result = diff::compare(&old, &new, version, &from, &to).map_err(usage)?;
    let text = match args.format {
        DiffFormat::Human => diff::render::human(&result, super::use_color_stdout(args.color)),
        DiffFormat::Json => diff::render::json(&result),
        DiffFormat::Markdown => diff::render::markdown(&result),
    };
    print!("{text}");
    Ok(if result.changes.is_empty() {
        EXIT_OK
    } else {
        EXIT_FINDINGS
    })
}

/// Compiles one side; errors are printed and end the command with exit 2
/// (a diff of a broken build would mislead).
fn build(
    root: &Path,
    options: &BuildOptions,
    rev: Option<&str>,
    color: super::ColorChoice,
) -> Result<Compiled, Failed> {
    let compiled = pipeline::compile(root, options);
    let project_read = !compiled.project.kind.is_empty();
    if project_read
        && let Some(env) = options
            .envs
            .iter()
            .find(|e| !compiled.project.environments.contains_key(*e))
    {
        let known: Vec<&str> = compiled
            .project
            .environments
            .keys()
            .map(String::as_str)
            .collect();
        return Err(usage(format_args!(
            "rayc.yaml{} has no environment `{env}`\n  = help: {}",
            rev.map(|r| format!(" at `{r}`")).unwrap_or_default(),
            if known.is_empty() {
                "it defines no `environments`".to_owned()
            } else {
                format!("choose one of: {}", known.join(", "))
            }
        )));
    }
    if compiled.has_errors() {
        let report = Report::assemble(Vec::new(), compiled.diagnostics.clone());
        eprint!(
            "{}",
            render::render(
                Format::Human,
                &report,
                &compiled.sources,
                super::use_color(color)
            )
        );
        return Err(usage(match rev {
            Some(rev) => format!("the build of `{rev}` has errors; nothing to compare"),
            None => "the build has errors; nothing to compare".to_owned(),
        }));
    }
    Ok(compiled)
}

fn objects(compiled: &Compiled) -> Vec<Object> {
    compiled
        .objects
        .iter()
        .map(|o| Object {
            env: o.env.clone(),
            value: o.object.clone(),
        })
        .collect()
}

/// The objects of the committed output folder: every generated file but the
/// kustomizations; the environment is the first folder when the project has
/// environments. A file that is not YAML objects is an error with its place.
fn committed(
    out_dir: &Path,
    shown: &str,
    has_envs: bool,
    color: super::ColorChoice,
) -> Result<Vec<Object>, Failed> {
    let files = emit::read_generated(out_dir).map_err(usage)?;
    let mut out = Vec::new();
    let mut diagnostics = Vec::new();
    let mut sources = Sources::default();
    for file in files
        .iter()
        .filter(|f| !f.path.ends_with("kustomization.yaml"))
    {
        let name = format!("{shown}/{}", file.path);
        sources.add(name.clone(), file.contents.as_str());
        let documents = match load::parse_documents(&name, &file.contents, Limits::USER) {
            Ok(d) => d,
            Err(d) => {
                diagnostics.push(d);
                continue;
            }
        };
        let env = has_envs
            .then(|| file.path.split_once('/').map(|(env, _)| env.to_owned()))
            .flatten();
        for doc in documents {
            if doc.kind().is_none() || doc.api_version().is_none() || doc.name().is_none() {
                diagnostics.push(
                    Diagnostic::error(
                        codes::UNKNOWN_KIND,
                        &name,
                        doc.node.pos,
                        "document lacks apiVersion, kind or metadata.name".to_owned(),
                    )
                    .with_help("the committed output is stale or edited by hand; run `rayc build` and commit the result"),
                );
                continue;
            }
            out.push(Object {
                env: env.clone(),
                value: doc.node.to_json(),
            });
        }
    }
    if !diagnostics.is_empty() {
        let report = Report::assemble(Vec::new(), diagnostics);
        eprint!(
            "{}",
            render::render(Format::Human, &report, &sources, super::use_color(color))
        );
        return Err(usage(format_args!(
            "cannot read the committed output in {shown}\n  = help: run `rayc build` and commit the result"
        )));
    }
    Ok(out)
}

fn output_dir(root: &Path, compiled: &Compiled, flag: Option<&Path>) -> PathBuf {
    match flag {
        Some(dir) if dir.is_absolute() => dir.to_path_buf(),
        Some(dir) => root.join(dir),
        None => root.join(compiled.project.output.as_deref().unwrap_or(DEFAULT_OUTPUT)),
    }
}
