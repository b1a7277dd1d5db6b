//! `rayc validate [FILES…]`: strict, version-aware checks of rayc specs and of
//! plain KubeRay manifests, with findings in human, JSON or GitHub format.

use std::io::Write;

use rayon::prelude::*;
use std::path::{Path, PathBuf};

use super::{EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, OutputArgs, ProjectArgs};
use crate::diag::report::{Report, ResourceResult};
use crate::diag::{Diagnostic, Sources, codes};
use crate::load::node::Pos;
use crate::load::{Document, Limits, MAX_FILE_BYTES, files, parse_documents};
use crate::model::kuberay::KubeRayVersion;
use crate::model::project::FILE_NAME;
use crate::pipeline::named::Projects;
use crate::pipeline::{self, BuildOptions, Compiled};
use crate::rules;
use crate::validate::gates::{self, GateSetting};

#[derive(Debug, Clone, clap::Args)]
#[command(after_help = "Examples:
  rayc validate                                  # the whole project
  rayc validate rendered/                        # every YAML file below a folder
  rayc validate cluster.yaml --kuberay-version v1.3
  rayc validate rendered/ --format sarif > rayc.sarif
  rayc validate rendered/ --ignore RAY203,gpu-on-head --strict
  kubectl kustomize overlays/prod | rayc validate -
  helm template my-release ./chart | rayc validate -")]
pub struct ValidateArgs {
    /// YAML files or folders to check (KubeRay manifests or rayc specs), or
    /// `-` for stdin. Without any, checks the whole project.
    pub files: Vec<PathBuf>,
    #[command(flatten)]
    pub project: ProjectArgs,
    /// Target KubeRay version, such as v1.4; default from rayc.yaml, else the newest.
    #[arg(long, value_name = "VERSION")]
    pub kuberay_version: Option<String>,
    #[command(flatten)]
    pub gates: super::GateArgs,
    #[command(flatten)]
    pub output: OutputArgs,
    /// Codes (or rule names, or `all`) to silence for this run, comma-separated.
    #[arg(long, value_delimiter = ',', value_name = "CODES")]
    pub ignore: Vec<String>,
    /// Leave out files and folders matching GLOB (gitignore syntax, relative
    /// to each folder given) when walking folders; repeatable. Hidden folders
    /// and what .gitignore/.ignore exclude are always left out.
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,
}

pub fn run(args: &ValidateArgs) -> u8 {
    if let Some(code) = refuse_unknown_ignores(&args.ignore) {
        return code;
    }
    let version = match super::kuberay_version_flag(args.kuberay_version.as_deref()) {
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
    let (report, sources) = if args.files.is_empty() {
        let Some(root) = super::project_root(&args.project.dir) else {
            eprintln!(
                "error: no files given, and {}\n  = help: pass the YAML files to check, or run inside a rayc project",
                super::no_project(&args.project.dir)
            );
            return EXIT_USAGE;
        };
        let mut compiled = pipeline::compile(
            &root,
            &BuildOptions {
                envs: Vec::new(),
                kuberay_version: version,
                feature_gates,
                ..BuildOptions::default()
            },
        );
        super::show_from_cwd(&mut compiled);
        let resources = super::object_resources(&compiled);
        let mut diags = compiled.diagnostics;
        silence(&mut diags, &args.ignore);
        (Report::assemble(resources, diags), compiled.sources)
    } else {
        match validate_files(args, version, feature_gates) {
            Ok(x) => x,
            Err(code) => return code,
        }
    };
    let color = super::use_color_stdout(args.output.color);
    let text = args.output.render(&report, &sources, color);
    let mut stdout = std::io::stdout().lock();
    if let Err(e) = stdout.write_all(text.as_bytes())
        && e.kind() != std::io::ErrorKind::BrokenPipe
    {
        eprintln!("error: writing to stdout: {e}");
        return EXIT_USAGE;
    }
    if args.output.fails(&report) {
        EXIT_FINDINGS
    } else {
        EXIT_OK
    }
}

/// `--ignore` takes codes, rule names and `all`; a typo would silence
/// nothing while looking like it worked, so it is a usage error.
fn refuse_unknown_ignores(ignore: &[String]) -> Option<u8> {
    let known = super::rule::known_names();
    let unknown = ignore.iter().find(|i| {
        let i = i.trim();
        i != "all" && !known.iter().any(|k| k.eq_ignore_ascii_case(i))
    })?;
    eprintln!("error: --ignore {unknown}: no such code or rule");
    match super::rule::suggest(unknown) {
        Some(near) => eprintln!("  = help: did you mean `{near}`?"),
        None => eprintln!(
            "  = help: use codes such as RAY201 or rule names such as min-above-max (docs/rules/README.md), or `all`"
        ),
    }
    Some(EXIT_USAGE)
}

/// Marks findings the `--ignore` flag silences.
fn silence(diags: &mut [Diagnostic], ignore: &[String]) {
    for d in diags {
        if d.suppressed_by.is_none()
            && ignore
                .iter()
                .any(|i| i.eq_ignore_ascii_case(d.code.as_str()) || i == "all")
        {
            d.suppressed_by = Some("--ignore".to_owned());
        }
    }
}

/// One input of `rayc validate`, read and parsed.
struct Loaded {
    /// The file as shown to the user.
    name: String,
    text: Result<String, Diagnostic>,
    /// Its documents; an unreadable file has none.
    parsed: Result<Vec<Document>, Diagnostic>,
}

impl Loaded {
    fn read(path: &Path) -> Loaded {
        Loaded::parse(files::escaped(path), read(path))
    }

    fn stdin() -> Loaded {
        Loaded::parse(STDIN_NAME.to_owned(), read_stdin("validate"))
    }

    fn parse(name: String, text: Result<String, Diagnostic>) -> Loaded {
        let parsed = match &text {
            Ok(text) => parse_documents(&name, text, Limits::USER),
            Err(_) => Ok(Vec::new()),
        };
        Loaded { name, text, parsed }
    }
}

fn validate_files(
    args: &ValidateArgs,
    version: Option<KubeRayVersion>,
    feature_gates: Vec<(String, bool)>,
) -> Result<(Report, Sources), u8> {
    let mut sources = Sources::default();
    let mut diags = Vec::new();
    let mut resources = Vec::new();
    let mut docs: Vec<Document> = Vec::new();
    let mut spec_files: Vec<String> = Vec::new();
    let paths = expand(&args.files, &args.exclude)?;
    // Files are read and parsed in parallel, then taken in the order given;
    // stdin is read in its place below.
    let mut read_files: Vec<Option<Loaded>> = paths
        .par_iter()
        .map(|path| (path.as_os_str() != STDIN).then(|| Loaded::read(path)))
        .collect();
    for (path, loaded) in paths.iter().zip(&mut read_files) {
        let Loaded { name, text, parsed } = match loaded.take() {
            Some(loaded) => loaded,
            None => Loaded::stdin(),
        };
        let text = match text {
            Ok(t) => t,
            Err(d) => {
                resources.push(ResourceResult::empty(&name).with_diagnostics(vec![d]));
                continue;
            }
        };
        sources.add(&name, text.as_str());
        // Named on the command line, not found by walking a folder (where
        // the kustomization sits beside the files it lists, which are checked).
        let given = args.files.contains(path);
        // rayc's own output: the files it lists lie beside it and are checked.
        let generated = crate::emit::out_dir::is_generated(text.as_bytes());
        match parsed {
            Ok(parsed) if parsed.is_empty() => resources.push(ResourceResult::empty(&name)),
            Ok(parsed) => {
                for doc in parsed {
                    if given && is_kustomization(&doc) && !generated {
                        resources.push(
                            ResourceResult::new(
                                &name,
                                "Kustomization",
                                doc.name().unwrap_or_default(),
                                doc.api_version().unwrap_or_default(),
                            )
                            .skipped(),
                        );
                        diags.push(not_rendered(&doc, path));
                    } else if doc
                        .api_version()
                        .is_some_and(|v| v.starts_with("rayc.dev/"))
                    {
                        if !spec_files.contains(&name) {
                            spec_files.push(name.clone());
                        }
                    } else {
                        docs.push(doc);
                    }
                }
            }
            Err(d) => resources.push(ResourceResult::empty(&name).with_diagnostics(vec![d])),
        }
    }

    // Plain manifests follow the settings of the project rayc runs in.
    let default_root = super::project_root(&args.project.dir);
    let mut projects = Projects::new(BuildOptions {
        envs: Vec::new(),
        kuberay_version: version,
        feature_gates: feature_gates.clone(),
        ..BuildOptions::default()
    });
    let mut project_version = None;
    let mut ignore = args.ignore.clone();
    let mut project_gates = Vec::new();
    if let Some(root) = &default_root {
        let compiled = projects.build(root);
        project_version = Some(compiled.version);
        ignore.extend(compiled.project.ignore.iter().cloned());
        project_gates = project_gate_settings(root, compiled, &mut sources);
    }
    let cwd = std::env::current_dir().ok();
    let found = projects.check_specs(&spec_files, default_root.as_deref(), cwd.as_deref());
    diags.extend(found.diagnostics);
    resources.extend(found.resources);
    for (name, text) in found.sources.iter() {
        sources.add(name, text);
    }

    let target = version.or(project_version).unwrap_or_default();
    // rayc.yaml `featureGates`, then the flag, for the version these files
    // target. Specs given too are checked with their project, which reports
    // its own rayc.yaml already.
    let mut settings = project_gates;
    settings.extend(GateSetting::from_flag(&feature_gates));
    let (feature_gates, gate_findings) = gates::resolve(&settings, target);
    diags.extend(
        gate_findings
            .into_iter()
            .filter(|d| spec_files.is_empty() || d.file == gates::FLAG),
    );
    let ctx = rules::Context {
        kuberay_version: target,
        gitops: rules::GitOps::None,
        ignore,
        feature_gates,
    };
    // Each file is one unit (as `kubectl apply -f` sees it): cross-object
    // rules such as duplicate names look within a file, not across files.
    // Files are validated in parallel and joined in input order, as they
    // were read and parsed above.
    let units: Vec<&[Document]> = docs.chunk_by(|a, b| a.file == b.file).collect();
    let validations: Vec<_> = units
        .par_iter()
        .map(|file_docs| {
            let objects: Vec<rules::Object> = file_docs
                .iter()
                .map(|d| rules::Object {
                    file: &d.file,
                    node: &d.node,
                })
                .collect();
            crate::validate::validate(&objects, &ctx)
        })
        .collect();
    for validation in validations {
        resources.extend(validation.resources);
        diags.extend(validation.diagnostics);
    }
    silence(&mut diags, &args.ignore);
    Ok((Report::assemble(resources, diags), sources))
}

/// The project's `featureGates`, located in its rayc.yaml as seen from here
/// (whose text joins `sources`, so findings quote it).
fn project_gate_settings(
    root: &Path,
    compiled: &Compiled,
    sources: &mut Sources,
) -> Vec<GateSetting> {
    let gates = &compiled.project.feature_gates;
    if gates.is_empty() {
        return Vec::new();
    }
    let cwd = std::env::current_dir().ok();
    let name = pipeline::named::display_path(root, FILE_NAME, &[], cwd.as_deref());
    let text = compiled
        .sources
        .get(FILE_NAME)
        .unwrap_or_default()
        .to_owned();
    let node = parse_documents(&name, &text, Limits::USER)
        .ok()
        .and_then(|docs| docs.into_iter().next())
        .map(|d| d.node);
    sources.add(&name, text.as_str());
    let mut settings = GateSetting::from_project(gates, node.as_ref());
    for s in &mut settings {
        s.file.clone_from(&name);
    }
    settings
}

/// `-` on the command line: read manifests from stdin.
pub(super) const STDIN: &str = "-";
/// How findings name what came from stdin.
pub(super) const STDIN_NAME: &str = "<stdin>";

fn is_kustomization(doc: &Document) -> bool {
    doc.kind() == Some("Kustomization")
        && doc
            .api_version()
            .is_some_and(|v| v.starts_with("kustomize.config.k8s.io/"))
}

/// RAY045: rayc checks objects, and a kustomization only lists where they
/// come from. A warning, not an error: pre-commit passes every changed YAML
/// file, kustomizations included (`--strict` makes it fail).
fn not_rendered(doc: &Document, path: &Path) -> Diagnostic {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .map_or_else(|| ".".to_owned(), files::escaped);
    Diagnostic::warning(
        codes::KUSTOMIZATION_NOT_RENDERED,
        &doc.file,
        doc.node.pos,
        "kustomization not rendered, so not checked: rayc checks the objects kustomize builds from it",
    )
    .with_object("Kustomization", doc.name().unwrap_or_default())
    .with_help(format!(
        "render it and check the result: `kubectl kustomize {dir} | rayc validate -`"
    ))
}

/// Reads the manifests piped in (`kubectl kustomize DIR | rayc validate -`),
/// bounded like a file. A terminal is refused: rayc would wait for typing.
/// `command` is the one the help lines name (`validate`, `import`).
pub(super) fn read_stdin(command: &str) -> Result<String, Diagnostic> {
    use std::io::IsTerminal;
    let at = Pos { line: 1, col: 1 };
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        return Err(Diagnostic::error(
            codes::IO,
            STDIN_NAME,
            at,
            "stdin is a terminal, not manifests",
        )
        .with_help(format!(
            "pipe manifests in: `kubectl kustomize DIR | rayc {command} -`"
        )));
    }
    let max = MAX_FILE_BYTES as u64;
    let bytes = files::read_capped(stdin.lock(), STDIN_NAME, max).map_err(|e| match e {
        files::PathError::TooLarge(..) => Diagnostic::error(
            codes::BUDGET,
            STDIN_NAME,
            at,
            format!("stdin is larger than {max} bytes"),
        )
        .with_help(format!(
            "split the stream, or {command} the files one by one"
        )),
        e => Diagnostic::error(
            codes::IO,
            STDIN_NAME,
            at,
            format!("stdin could not be read: {e}"),
        )
        .with_help("pipe YAML manifests in"),
    })?;
    String::from_utf8(bytes).map_err(|_| {
        Diagnostic::error(codes::IO, STDIN_NAME, at, "stdin is not UTF-8 text")
            .with_help("pipe UTF-8 YAML in")
    })
}

/// Files as given, folders expanded to their `*.yaml`/`*.yml` files (walked
/// as spec discovery walks: hidden and ignored paths and `--exclude` left out), sorted.
pub(super) fn expand(paths: &[PathBuf], exclude: &[String]) -> Result<Vec<PathBuf>, u8> {
    let mut out = Vec::new();
    for path in paths {
        if path.is_dir() {
            let rules = files::WalkRules {
                exclude,
                ..files::WalkRules::default()
            };
            let found = files::walk_paths(path, "", rules).map_err(|e| {
                eprintln!("error: {e}\n  = help: {}", e.help());
                EXIT_USAGE
            })?;
            let is_yaml = |f: &PathBuf| f.extension().is_some_and(|e| e == "yaml" || e == "yml");
            out.extend(found.into_iter().filter(is_yaml).map(|f| path.join(f)));
        } else if path.as_os_str() == STDIN {
            if out.iter().any(|p: &PathBuf| p.as_os_str() == STDIN) {
                eprintln!("error: - (stdin) given twice\n  = help: name it once");
                return Err(EXIT_USAGE);
            }
            out.push(path.clone());
        } else if path.exists() {
            out.push(path.clone());
        } else {
            eprintln!("error: {} does not exist", files::escaped(path));
            return Err(EXIT_USAGE);
        }
    }
    Ok(out)
}

/// Reads a file given on the command line: bounded, never blocking (see
/// [`files::read_bounded`]; a FIFO such as `<(helm template …)` is read).
pub(super) fn read(path: &Path) -> Result<String, Diagnostic> {
    let name = files::escaped(path);
    let bytes = files::read_bounded(path, &name, MAX_FILE_BYTES as u64, true).map_err(|e| {
        let code = match e {
            files::PathError::TooLarge(..) => codes::BUDGET,
            _ => codes::IO,
        };
        let help = match e {
            files::PathError::TooLarge(..) => "split it into several files",
            files::PathError::NotAFile(..) => "pass a regular YAML file or a folder",
            _ => e.help(),
        };
        Diagnostic::error(code, &name, Pos { line: 1, col: 1 }, e.to_string()).with_help(help)
    })?;
    String::from_utf8(bytes).map_err(|_| {
        Diagnostic::error(
            codes::IO,
            &name,
            Pos { line: 1, col: 1 },
            "file is not UTF-8 text",
        )
        .with_help("save it as UTF-8")
    })
}
