//! Finding `rayc.yaml` and the spec files it names.

use std::path::{Path, PathBuf};

use globset::{Glob, GlobSet, GlobSetBuilder};
use rayon::prelude::*;

use super::node::Pos;
use super::{Document, Limits, files, parse_documents};
use crate::diag::{Diagnostic, Sources, codes};
use crate::model::project::{DEFAULT_OUTPUT, DEFAULT_OVERLAY_DIR, FILE_NAME, Project};
use crate::model::spec::API_VERSION;

/// The spec documents of a project and the texts of the files they came from.
#[derive(Debug, Default)]
pub struct Specs {
    /// Every rayc spec document, in file-path order.
    pub docs: Vec<Document>,
    pub sources: Sources,
}

/// Finds the folder with `rayc.yaml`: `start` itself, then its parents.
pub fn find_root(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .find(|dir| dir.join(FILE_NAME).is_file())
        .map(Path::to_path_buf)
}

/// The project `dir` belongs to: the folder with `rayc.yaml` at or above
/// it, absolute; `None` when `dir` is no folder or no rayc.yaml is found.
pub fn find_project_root(dir: &Path) -> Option<PathBuf> {
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    if !dir.is_dir() {
        return None;
    }
    let absolute = std::fs::canonicalize(dir).or_else(|_| std::path::absolute(dir));
    find_root(absolute.as_deref().unwrap_or(dir))
}

/// Reads `rayc.yaml` in `root`: exactly one document.
pub fn read_project_file(root: &Path, sources: &mut Sources) -> Result<Document, Diagnostic> {
    let mut docs = read_documents(root, FILE_NAME, sources)?;
    match docs.len() {
        1 => Ok(docs.remove(0)),
        0 => Err(Diagnostic::error(
            codes::PROJECT,
            FILE_NAME,
            Pos { line: 1, col: 1 },
            "rayc.yaml is empty",
        )
        .with_help(format!(
            "start it with `apiVersion: {API_VERSION}` and `kind: Project` (see `rayc init`)"
        ))),
        n => Err(Diagnostic::error(
            codes::PROJECT,
            FILE_NAME,
            docs[1].node.pos,
            format!("rayc.yaml must hold exactly one document, found {n}"),
        )
        .with_help("keep only the Project document in rayc.yaml; specs go in their own files")),
    }
}

/// Reads every spec file the project names. Errors of all files are collected.
/// On failure, the findings come with the text of every file read, so they
/// are shown with their source lines.
pub fn load_specs(root: &Path, project: &Project) -> Result<Specs, (Vec<Diagnostic>, Sources)> {
    let mut excluded: Vec<String> = vec![
        project
            .output
            .clone()
            .unwrap_or_else(|| DEFAULT_OUTPUT.to_owned()),
    ];
    if project.overlay_dirs.is_empty() {
        excluded.push(DEFAULT_OVERLAY_DIR.to_owned());
    } else {
        excluded.extend(project.overlay_dirs.iter().cloned());
    }
    let spec_files =
        discover(root, &project.specs, &excluded).map_err(|d| (vec![d], Sources::default()))?;
    let explicit = !project.specs.is_empty();
    // Files are read and parsed in parallel, then taken in discovery order.
    let read: Vec<ReadFile> = spec_files
        .par_iter()
        .map(|file| read_and_parse(root, file))
        .collect();
    let mut specs = Specs::default();
    let mut diags = Vec::new();
    for (file, (text, parsed)) in spec_files.iter().zip(read) {
        if let Some(text) = text {
            specs.sources.add(file, text.as_str());
        }
        match parsed {
            Ok(docs) => {
                for doc in docs {
                    let is_rayc = doc
                        .api_version()
                        .is_some_and(|v| v.starts_with("rayc.dev/"));
                    if is_rayc && doc.kind() != Some("Overlay") {
                        specs.docs.push(doc);
                    } else if explicit && !is_rayc {
                        diags.push(not_a_spec(&doc));
                    }
                }
            }
            Err(d) => diags.push(d),
        }
    }
    if diags.is_empty() {
        Ok(specs)
    } else {
        Err((diags, specs.sources))
    }
}

fn not_a_spec(doc: &Document) -> Diagnostic {
    Diagnostic::error(
        codes::UNKNOWN_KIND,
        &doc.file,
        doc.node.pos,
        format!(
            "document {} is not a rayc spec (apiVersion {:?})",
            doc.index + 1,
            doc.api_version().unwrap_or("missing")
        ),
    )
    .with_help(format!(
        "spec files hold documents with `apiVersion: {API_VERSION}`; narrow the `specs` globs in rayc.yaml to leave other files out"
    ))
}

/// Reads and parses one file inside `root`, remembering its text for diagnostics.
pub fn read_documents(
    root: &Path,
    rel: &str,
    sources: &mut Sources,
) -> Result<Vec<Document>, Diagnostic> {
    let (text, parsed) = read_and_parse(root, rel);
    if let Some(text) = text {
        sources.add(rel, text.as_str());
    }
    parsed
}

/// One file read and parsed: its text (when it could be read, for
/// diagnostics) and its documents.
type ReadFile = (Option<String>, Result<Vec<Document>, Diagnostic>);

/// Reads one file inside `root` and parses it.
fn read_and_parse(root: &Path, rel: &str) -> ReadFile {
    match files::read_text_inside(root, rel, super::MAX_FILE_BYTES as u64) {
        Ok(text) => {
            let parsed = parse_documents(rel, &text, Limits::USER);
            (Some(text), parsed)
        }
        Err(e) => (
            None,
            Err(Diagnostic::error(codes::IO, rel, Pos::UNKNOWN, e.to_string()).with_help(e.help())),
        ),
    }
}

/// The spec files below `root`: matching `globs` (default every `*.yaml`/`*.yml`),
/// outside `excluded_dirs`, hidden and ignored paths (see [`files::walk`]) and
/// `rayc.yaml`; sorted. Symlinks and unreadable folders are passed over.
fn discover(
    root: &Path,
    globs: &[String],
    excluded_dirs: &[String],
) -> Result<Vec<String>, Diagnostic> {
    let defaults = ["**/*.yaml".to_owned(), "**/*.yml".to_owned()];
    let patterns = if globs.is_empty() {
        &defaults[..]
    } else {
        globs
    };
    let set = glob_set(patterns)?;
    let all = files::walk(
        root,
        "",
        files::WalkRules {
            skip_dirs: excluded_dirs,
            ..files::WalkRules::default()
        },
    )
    .map_err(|e| {
        Diagnostic::error(codes::IO, FILE_NAME, Pos::UNKNOWN, e.to_string()).with_help(e.help())
    })?;
    Ok(all
        .into_iter()
        .filter(|f| f != FILE_NAME && set.is_match(f))
        .collect())
}

fn glob_set(patterns: &[String]) -> Result<GlobSet, Diagnostic> {
    let mut builder = GlobSetBuilder::new();
    for p in patterns {
        let glob = Glob::new(p).map_err(|e| {
            Diagnostic::error(
                codes::PROJECT,
                FILE_NAME,
                Pos::UNKNOWN,
                format!("bad glob {p:?} in `specs`: {e}"),
            )
            .with_help("use globs like `jobs/**/*.yaml`")
        })?;
        builder.add(glob);
    }
    builder.build().map_err(|e| {
        Diagnostic::error(
            codes::PROJECT,
            FILE_NAME,
            Pos::UNKNOWN,
            format!("bad `specs` globs: {e}"),
        )
    })
}
