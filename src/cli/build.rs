//! `rayc build`: compile, then write the output folder, print the stream, or
//! check that the committed output is current.

use std::path::{Path, PathBuf};

use super::{EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, OutputArgs, ProjectArgs};
use crate::diag::codes;
use crate::diag::render::Format;
use crate::diag::report::Report;
use crate::emit::confine::{Origin, confine};
use crate::emit::{self, OutputFile, Scope};
use crate::pipeline::{self, BuildOptions, Compiled, RenderedObject};
use crate::timings::{self, Phase};

#[derive(Debug, Clone, clap::Args)]
#[command(after_help = "Examples:
  rayc build                         # write rendered/ (every environment)
  rayc build --env prod --stdout | kubectl apply -f -
  rayc build --check                 # in CI: exit 1 with a diff when rendered/ is stale
  rayc build -C ray --format github  # from a monorepo root, annotations on the PR
  rayc build --check --format json > report.json

Findings in json, sarif, junit or tap go to stdout (to stderr with --stdout);
human and github lines go to stderr. Paths are relative to where rayc was started.")]
pub struct BuildArgs {
    #[command(flatten)]
    pub project: ProjectArgs,
    /// Build one environment of rayc.yaml (repeatable).
    #[arg(long = "env", value_name = "ENV", conflicts_with = "all_envs")]
    pub envs: Vec<String>,
    /// Build every environment of rayc.yaml (the default for a folder build).
    #[arg(long)]
    pub all_envs: bool,
    /// Output folder (default: `output` of rayc.yaml, else `rendered`), relative to the project.
    #[arg(long, value_name = "DIR", conflicts_with = "stdout")]
    pub out: Option<PathBuf>,
    /// Print one YAML stream to stdout instead of writing files (a report in
    /// --format json, sarif, junit or tap then goes to stderr, not stdout).
    #[arg(long)]
    pub stdout: bool,
    /// Write nothing; exit 1 with a diff when the output folder is stale.
    #[arg(long, conflicts_with = "stdout")]
    pub check: bool,
    /// Target KubeRay version, such as v1.4; default from rayc.yaml, else the newest.
    #[arg(long, value_name = "VERSION")]
    pub kuberay_version: Option<String>,
    #[command(flatten)]
    pub gates: super::GateArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

pub fn run(args: &BuildArgs) -> u8 {
    let Some(root) = super::project_root(&args.project.dir) else {
        eprintln!(
            "error: {}\n  = help: run `rayc init` to create a project, or pass `-C DIR`",
            super::no_project(&args.project.dir)
        );
        return EXIT_USAGE;
    };
    let kuberay_version = match super::kuberay_version_flag(args.kuberay_version.as_deref()) {
        Ok(v) => v,
        Err(e) => {
            eprintln!("error: {e}\n  = help: {}", e.help());
            return EXIT_USAGE;
        }
    };
    let feature_gates = match args.gates.settings() {
        Ok(g) => g,
        Err(code) => return code,
    };
    let options = BuildOptions {
        envs: args.envs.clone(),
        kuberay_version,
        feature_gates,
        render: true,
        ..BuildOptions::default()
    };
    let mut compiled = pipeline::compile(&root, &options);
    super::show_from_cwd(&mut compiled);
    if args.stdout && args.envs.is_empty() && !args.all_envs && compiled.envs.len() > 1 {
        eprintln!(
            "error: the project has environments ({}); choose one with --env, or pass --all-envs",
            compiled.envs.join(", ")
        );
        return EXIT_USAGE;
    }
    let report_time = timings::phase(Phase::Report);
    let failed = report(&compiled, &args.output, args.stdout);
    drop(report_time);
    // A flag naming an environment rayc.yaml lacks is a usage error, like
    // an unknown KubeRay version; the project file itself was read fine.
    let project_read = !compiled.project.kind.is_empty();
    if project_read
        && args
            .envs
            .iter()
            .any(|e| !compiled.project.environments.contains_key(e))
    {
        return EXIT_USAGE;
    }
    if failed {
        return EXIT_FINDINGS;
    }
    let emit_time = timings::phase(Phase::Emit);
    let rendered = emit::assemble(
        std::mem::take(&mut compiled.rendered)
            .into_iter()
            .map(|o| (o.env, o.path, o.contents)),
    );
    drop(emit_time);
    let files = match rendered {
        Ok(files) => files,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_FINDINGS;
        }
    };
    if args.stdout {
        return print_stream(&files);
    }
    let out_dir = match output_dir(&root, &compiled, args.out.as_deref()) {
        Ok(dir) => dir,
        Err(message) => {
            eprintln!("{message}");
            return EXIT_USAGE;
        }
    };
    // `--env` owns only its environments' folders; the others stay as they are.
    let scope = if args.envs.is_empty() {
        Scope::Whole
    } else {
        Scope::Folders(args.envs.iter().cloned().collect())
    };
    if args.check {
        return match emit::check_tree(&out_dir, &files, &scope) {
            Ok(None) => EXIT_OK,
            Ok(Some(diff)) => {
                // stdout holds the report in a machine format; the diff must not break it.
                if matches!(args.output.format, Format::Human | Format::Github) {
                    if let Err(e) = super::print_stdout(&diff) {
                        eprintln!("error: writing to stdout: {e}");
                    }
                } else {
                    eprint!("{diff}");
                }
                eprintln!(
                    "error: {} is stale\n  = help: run `rayc build` and commit the result",
                    super::shown_path(&out_dir)
                );
                EXIT_FINDINGS
            }
            Err(e) => {
                eprintln!("{}", emit_error(&e));
                EXIT_USAGE
            }
        };
    }
    match emit::write_tree(&out_dir, &files, &scope) {
        Ok(_) if args.output.quiet => EXIT_OK,
        Ok(report) => {
            eprintln!(
                "wrote {} ({} written, {} removed, {} unchanged)",
                super::shown_path(&out_dir),
                report.written.len(),
                report.removed.len(),
                report.unchanged
            );
            EXIT_OK
        }
        Err(e) => {
            eprintln!("{}", emit_error(&e));
            EXIT_USAGE
        }
    }
}

/// `error[RAY0xx]: …` for the output folder's safety errors, `error: …` else.
fn emit_error(e: &emit::EmitError) -> String {
    match e.code() {
        Some(code) => format!("error[{code}]: {e}"),
        None => format!("error: {e}"),
    }
}

/// Prints the findings (and with `--verbose` the notes); returns whether
/// the build fails on them. A report in a machine format (json, sarif,
/// junit, tap) goes to stdout unless `--stdout` holds the manifests there;
/// human and github lines go to stderr, like a compiler's.
fn report(compiled: &Compiled, output: &OutputArgs, manifests_on_stdout: bool) -> bool {
    let format = output.format;
    if output.verbose && format == Format::Human && !compiled.has_errors() {
        for note in dashboard_notes(compiled) {
            eprintln!("note: {note}");
        }
    }
    let report = Report::assemble(
        super::object_resources(compiled),
        compiled.diagnostics.clone(),
    );
    if compiled.diagnostics.is_empty() && format == Format::Human {
        return output.fails(&report);
    }
    let to_stdout = !manifests_on_stdout && !matches!(format, Format::Human | Format::Github);
    if to_stdout {
        let color = super::use_color_stdout(output.color);
        if let Err(e) = super::print_stdout(&output.render(&report, &compiled.sources, color)) {
            eprintln!("error: writing to stdout: {e}");
        }
    } else {
        let color = super::use_color(output.color);
        eprint!("{}", output.render(&report, &compiled.sources, color));
    }
    output.fails(&report)
}

fn print_stream(files: &[OutputFile]) -> u8 {
    match super::print_stdout_parts(emit::stream_parts(files)) {
        Ok(()) => EXIT_OK,
        Err(e) => {
            eprintln!("error: writing to stdout: {e}");
            EXIT_USAGE
        }
    }
}

/// The checked output folder: `--out` (relative to the project, like
/// `output:`), else what the pipeline accepted from rayc.yaml.
fn output_dir(root: &Path, compiled: &Compiled, flag: Option<&Path>) -> Result<PathBuf, String> {
    let Some(flag) = flag else {
        return compiled.output_dir.clone().ok_or_else(|| {
            "error: rayc.yaml names no usable output folder\n  = help: set `output: rendered`"
                .to_owned()
        });
    };
    confine(root, flag, Origin::Flag, &compiled.inputs).map_err(|refused| {
        format!(
            "error[{}]: --out {}: {}\n  = help: {}",
            codes::OUTPUT_PATH,
            flag.display(),
            refused.reason,
            refused.help
        )
    })
}

/// Where the dashboards of the built objects end up, sorted (`--verbose`).
fn dashboard_notes(compiled: &Compiled) -> Vec<String> {
    let mut notes: Vec<String> = compiled
        .rendered
        .iter()
        .filter_map(dashboard_note)
        .collect();
    notes.sort();
    notes.dedup();
    notes
}

/// Where KubeRay's dashboard Ingress serves an object's dashboard: the path
/// is `/<raycluster name>/` (KubeRay's ingress path `/<name>/(.*)`).
fn dashboard_note(o: &RenderedObject) -> Option<String> {
    if !o.dashboard_ingress {
        return None;
    }
    let (kind, name) = (&o.kind, &o.name);
    let path = match kind.as_str() {
        "RayCluster" => format!("/{name}/"),
        "RayJob" => format!(
            "/{name}-<suffix>/ (KubeRay names the job's cluster {name}-<5 random characters>)"
        ),
        "RayService" => format!(
            "/{name}-raycluster-<suffix>/ (KubeRay names each service cluster {name}-raycluster-<5 random characters>)"
        ),
        _ => return None,
    };
    let env = o
        .env
        .as_deref()
        .map_or(String::new(), |e| format!(" [{e}]"));
    Some(format!(
        "dashboard of {kind} {name}{env}: http://<ingress address>{path}"
    ))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::pipeline::CompiledObject;

    #[test]
    fn dashboards_are_noted_for_objects_with_an_ingress() {
        let object = |kind: &str, name: &str, ingress: bool, env: Option<&str>| {
            let object = match kind {
                "RayCluster" => json!({"kind": kind, "metadata": {"name": name},
                    "spec": {"headGroupSpec": {"enableIngress": ingress}}}),
                _ => json!({"kind": kind, "metadata": {"name": name},
                    "spec": {"rayClusterSpec": {"headGroupSpec": {"enableIngress": ingress}}}}),
            };
            CompiledObject {
                env: env.map(str::to_owned),
                source: "specs/x.yaml".to_owned(),
                object,
            }
        };
        let compiled = Compiled {
            rendered: [
                object("RayCluster", "k", true, None),
                object("RayCluster", "k", true, None),
                object("RayJob", "j", true, Some("dev")),
                object("RayCluster", "off", false, None),
            ]
            .iter()
            .map(|o| RenderedObject::of(&o.object, &o.source, o.env.as_deref()))
            .collect(),
            ..Compiled::default()
        };
        assert_eq!(
            dashboard_notes(&compiled),
            [
                "dashboard of RayCluster k: http://<ingress address>/k/",
                "dashboard of RayJob j [dev]: http://<ingress address>/j-<suffix>/ (KubeRay names the job's cluster j-<5 random characters>)",
            ]
        );
    }
}
