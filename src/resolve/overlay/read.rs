//! Finding and reading the project's overlay files. All file access goes
//! through `load::files`: folders and files stay inside the project root
//! (no `..`, no symlinks out), reads are bounded and never block.

use std::path::{Component, Path};

use crate::diag::{Diagnostic, codes};
use crate::load::files::{self, PathError};
use crate::load::node::Pos;
use crate::model::project::{FILE_NAME as PROJECT_FILE, Project};

use super::{DEFAULT_DIR, Origin, Overlay, OverlaySet, parse_overlay};

/// Overlay files larger than this are refused.
const MAX_FILE_BYTES: u64 = 1 << 20;

/// The built-in overlays plus the project's own, from its `overlayDirs`
/// (default `overlays/` beside `rayc.yaml`; a missing default folder is fine).
/// Folders and files must stay inside `project_root`.
pub fn load_overlays(
    project: &Project,
    project_root: &Path,
) -> Result<OverlaySet, Vec<Diagnostic>> {
    let mut set = OverlaySet::builtin()?;
    let mut diags = Vec::new();
    let explicit = !project.overlay_dirs.is_empty();
    let dirs: Vec<String> = if explicit {
        project.overlay_dirs.clone()
    } else {
        vec![DEFAULT_DIR.to_owned()]
    };
    if let Err(e) = files::real_path(project_root) {
        return Err(vec![Diagnostic::error(
            codes::IO,
            PROJECT_FILE,
            Pos::UNKNOWN,
            format!(
                "cannot open the project folder {}: {e}",
                project_root.display()
            ),
        )]);
    }
    for (i, dir) in dirs.iter().enumerate() {
        let path = format!("overlayDirs[{i}]");
        let project_error = |msg: String, help: &str| {
            let d = Diagnostic::error(codes::PROJECT, PROJECT_FILE, Pos::UNKNOWN, msg)
                .with_path(path.clone());
            if help.is_empty() {
                d
            } else {
                d.with_help(help.to_owned())
            }
        };
        if let Err(why) = check_relative(dir) {
            diags.push(project_error(
                format!("overlay folder `{dir}` {why}"),
                "overlay folders are relative to rayc.yaml and stay inside the project",
            ));
            continue;
        }
        let names = match files::list_folder(project_root, dir) {
            Ok(names) => names,
            Err(PathError::Missing(_)) if !explicit => continue,
            Err(PathError::Missing(_)) => {
                diags.push(project_error(
                    format!("overlay folder `{dir}` does not exist"),
                    "create it, or remove it from `overlayDirs`",
                ));
                continue;
            }
            Err(PathError::Escapes(_)) => {
                diags.push(project_error(
                    format!("overlay folder `{dir}` leads outside the project root (through a symbolic link)"),
                    "overlays must live inside the project",
                ));
                continue;
            }
            Err(PathError::NotAFolder(_)) => {
                diags.push(project_error(
                    format!("overlay folder `{dir}` is not a folder"),
                    "",
                ));
                continue;
            }
            Err(e) => {
                diags.push(project_error(
                    format!("cannot list overlay folder `{dir}`: {e}"),
                    "",
                ));
                continue;
            }
        };
        let shown_dir = dir.trim_end_matches('/');
        let yaml = names
            .iter()
            .filter(|n| n.ends_with(".yaml") || n.ends_with(".yml"));
        for name in yaml {
            let shown = format!("{shown_dir}/{name}");
            match read_user_overlay(project_root, &shown) {
                Ok(Some(overlay)) => {
                    if let Err(d) = set.insert(overlay) {
                        diags.push(d);
                    }
                }
                Ok(None) => {}
                Err(d) => diags.extend(d),
            }
        }
    }
    if diags.is_empty() {
        Ok(set)
    } else {
        Err(diags)
    }
}

/// Reads one overlay file (`rel` to the root, also its name in messages);
/// `None` for entries that are not regular files (folders, FIFOs).
fn read_user_overlay(root: &Path, rel: &str) -> Result<Option<Overlay>, Vec<Diagnostic>> {
    let error = |code, msg: String| vec![Diagnostic::error(code, rel, Pos::UNKNOWN, msg)];
    let text = match files::read_text_inside(root, rel, MAX_FILE_BYTES) {
        Ok(text) => text,
        Err(PathError::NotAFile(..)) => return Ok(None),
        Err(PathError::Escapes(_)) => {
            return Err(error(
                codes::IO,
                "overlay file leads outside the project root (through a symbolic link)".to_owned(),
            ));
        }
        Err(PathError::TooLarge(..)) => {
            return Err(error(
                codes::BUDGET,
                format!("overlay file is larger than {MAX_FILE_BYTES} bytes"),
            ));
        }
        Err(e @ PathError::Missing(_)) => {
            return Err(error(codes::IO, format!("cannot open overlay file: {e}")));
        }
        Err(e) => return Err(error(codes::IO, format!("cannot read overlay file: {e}"))),
    };
    let overlay = parse_overlay(&text, rel, Origin::File(rel.to_owned()))?;
    Ok(Some(overlay))
}

/// A relative path without `..`: `Err` says why not.
fn check_relative(dir: &str) -> Result<(), &'static str> {
    if dir.trim().is_empty() {
        return Err("is empty");
    }
    let p = Path::new(dir);
    if p.is_absolute() || dir.starts_with('/') || dir.starts_with('\\') || dir.contains(':') {
        return Err("is an absolute path");
    }
    if p.components().any(|c| matches!(c, Component::ParentDir))
        || dir.split(['/', '\\']).any(|c| c == "..")
    {
        return Err("climbs out with `..`");
    }
    Ok(())
}
