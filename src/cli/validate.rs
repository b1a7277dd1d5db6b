//! `rayc validate [FILES…]`: strict, version-aware checks of rayc specs and of
//! plain KubeRay manifests, with findings in human, JSON or GitHub format.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::{EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, ProjectArgs};
use crate::diag::render::{self, Format};
use crate::diag::report::{Report, ResourceResult};
use crate::diag::{Diagnostic, Sources, codes};
use crate::load::node::Pos;
use crate::load::project::find_root;
use crate::load::{Document, Limits, MAX_FILE_BYTES, parse_documents};
use crate::model::kuberay::{KUBERAY_VERSIONS, version_index};
use crate::pipeline::{self, BuildOptions};
use crate::rules;

#[derive(Debug, Clone, clap::Args)]
pub struct ValidateArgs {
    /// YAML files or folders to check (KubeRay manifests or rayc specs).
    /// Without any, checks the whole project.
    pub files: Vec<PathBuf>,
    #[command(flatten)]
    pub project: ProjectArgs,
    /// Target KubeRay version (v1.0 … v1.7); default from rayc.yaml, else the newest.
    #[arg(long, value_name = "VERSION")]
    pub kuberay_version: Option<String>,
    /// Output format: human, json or github.
    #[arg(long, default_value = "human")]
    pub format: Format,
    /// Codes (or rule names) to silence for this run, comma-separated.
    #[arg(long, value_delimiter = ',', value_name = "CODES")]
    pub ignore: Vec<String>,
}

pub fn run(args: &ValidateArgs) -> u8 {
    let version = match args.kuberay_version.as_deref().map(version_index) {
        None => None,
        Some(Some(i)) => Some(KUBERAY_VERSIONS[i].to_owned()),
        Some(None) => {
            eprintln!(
                "error: unknown KubeRay version {:?}\n  = help: use one of {}",
                args.kuberay_version.as_deref().unwrap_or_default(),
                KUBERAY_VERSIONS.join(", ")
            );
            return EXIT_USAGE;
        }
    };
    let (report, sources) = if args.files.is_empty() {
        let Some(root) = find_root(&args.project.dir) else {
            eprintln!(
                "error: no files given and no rayc.yaml in {} or its parents\n  = help: pass the YAML files to check, or run inside a rayc project",
                args.project.dir.display()
            );
            return EXIT_USAGE;
        };
        let compiled = pipeline::compile(
            &root,
            &BuildOptions {
                envs: Vec::new(),
                kuberay_version: version,
            },
        );
        let mut diags = compiled.diagnostics;
        silence(&mut diags, &args.ignore);
        (Report::assemble(Vec::new(), diags), compiled.sources)
    } else {
        match validate_files(args, version) {
            Ok(x) => x,
            Err(code) => return code,
        }
    };
    let text = render::render(args.format, &report, &sources, super::use_color_stdout());
    let mut stdout = std::io::stdout().lock();
    if let Err(e) = stdout.write_all(text.as_bytes())
        && e.kind() != std::io::ErrorKind::BrokenPipe
    {
        eprintln!("error: writing to stdout: {e}");
        return EXIT_USAGE;
    }
    if report.has_blocking() {
        EXIT_FINDINGS
    } else {
        EXIT_OK
    }
}

/// Marks findings the `--ignore` flag silences.
fn silence(diags: &mut [Diagnostic], ignore: &[String]) {
    for d in diags {
        if d.suppressed_by.is_none()
            && ignore
                .iter()
                .any(|i| i.eq_ignore_ascii_case(d.code) || i == "all")
        {
            d.suppressed_by = Some("--ignore".to_owned());
        }
    }
}

fn validate_files(args: &ValidateArgs, version: Option<String>) -> Result<(Report, Sources), u8> {
    let mut sources = Sources::default();
    let mut diags = Vec::new();
    let mut resources = Vec::new();
    let mut docs: Vec<Document> = Vec::new();
    let mut spec_files: Vec<String> = Vec::new();
    for path in expand(&args.files)? {
        let name = path.to_string_lossy().into_owned();
        let text = match read(&path) {
            Ok(t) => t,
            Err(d) => {
                resources.push(ResourceResult::empty(&name).with_diagnostics(vec![d]));
                continue;
            }
        };
        sources.add(&name, text.as_str());
        match parse_documents(&name, &text, Limits::USER) {
            Ok(parsed) if parsed.is_empty() => resources.push(ResourceResult::empty(&name)),
            Ok(parsed) => {
                for doc in parsed {
                    if doc
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

    // rayc specs are checked as part of their project (overlays, environments).
    let project_root = find_root(&args.project.dir);
    let mut project_version = None;
    let mut ignore = args.ignore.clone();
    if let Some(root) = &project_root {
        let compiled = pipeline::compile(
            root,
            &BuildOptions {
                envs: Vec::new(),
                kuberay_version: version.clone(),
            },
        );
        project_version = compiled.project.kuberay_version.clone();
        ignore.extend(compiled.project.ignore.iter().cloned());
        if !spec_files.is_empty() {
            let wanted: Vec<PathBuf> = spec_files
                .iter()
                .filter_map(|f| std::fs::canonicalize(f).ok())
                .collect();
            for d in compiled.diagnostics {
                let abs = std::fs::canonicalize(root.join(&d.file)).ok();
                if abs.is_some_and(|a| wanted.contains(&a)) {
                    diags.push(Diagnostic {
                        file: display_path(root, &d.file, &spec_files),
                        ..d
                    });
                }
            }
        }
    } else if !spec_files.is_empty() {
        for f in &spec_files {
            diags.push(
                Diagnostic::error(codes::PROJECT, f, Pos::UNKNOWN, "rayc spec outside a rayc project")
                    .with_help("specs are checked with their project: add a rayc.yaml (`rayc init`) or pass -C DIR"),
            );
        }
    }

    let target = version
        .or(project_version.and_then(|v| version_index(&v).map(|i| KUBERAY_VERSIONS[i].to_owned())))
        .unwrap_or_else(|| KUBERAY_VERSIONS[KUBERAY_VERSIONS.len() - 1].to_owned());
    let ctx = rules::Context {
        kuberay_version: target,
        gitops: rules::GitOps::None,
        ignore,
    };
    // Each file is one unit (as `kubectl apply -f` sees it): cross-object
    // rules such as duplicate names look within a file, not across files.
    for file_docs in docs.chunk_by(|a, b| a.file == b.file) {
        let objects: Vec<rules::Object> = file_docs
            .iter()
            .map(|d| rules::Object {
                file: &d.file,
                node: &d.node,
            })
            .collect();
        let validation = crate::validate::validate(&objects, &ctx);
        resources.extend(validation.resources);
        diags.extend(validation.diagnostics);
    }
    silence(&mut diags, &args.ignore);
    Ok((Report::assemble(resources, diags), sources))
}

/// The file a project-relative diagnostic names, as the user spelled it.
fn display_path(root: &Path, rel: &str, given: &[String]) -> String {
    let abs = std::fs::canonicalize(root.join(rel)).ok();
    given
        .iter()
        .find(|g| std::fs::canonicalize(g).ok() == abs)
        .cloned()
        .unwrap_or_else(|| rel.to_owned())
}

/// Files as given, folders expanded to their `*.yaml`/`*.yml` files, sorted.
fn expand(paths: &[PathBuf]) -> Result<Vec<PathBuf>, u8> {
    let mut out = Vec::new();
    for path in paths {
        if path.is_dir() {
            let mut found: Vec<PathBuf> = walkdir::WalkDir::new(path)
                .sort_by_file_name()
                .into_iter()
                .filter_map(Result::ok)
                .filter(|e| e.file_type().is_file())
                .map(|e| e.into_path())
                .filter(|p| p.extension().is_some_and(|x| x == "yaml" || x == "yml"))
                .collect();
            out.append(&mut found);
        } else if path.exists() {
            out.push(path.clone());
        } else {
            eprintln!("error: {} does not exist", path.display());
            return Err(EXIT_USAGE);
        }
    }
    Ok(out)
}

fn read(path: &Path) -> Result<String, Diagnostic> {
    let name = path.to_string_lossy().into_owned();
    let io = |msg: String| Diagnostic::error(codes::IO, &name, Pos::UNKNOWN, msg);
    let meta = std::fs::metadata(path).map_err(|e| io(format!("cannot read: {e}")))?;
    if meta.len() > MAX_FILE_BYTES as u64 {
        return Err(io(format!("file is larger than {MAX_FILE_BYTES} bytes"))
            .with_help("split it into several files"));
    }
    let bytes = std::fs::read(path).map_err(|e| io(format!("cannot read: {e}")))?;
    String::from_utf8(bytes)
        .map_err(|_| io("file is not UTF-8 text".to_owned()).with_help("save it as UTF-8"))
}
