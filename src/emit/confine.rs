//! Which output folders rayc may write at all, decided before anything is
//! read or written there.
//!
//! `output:` comes from the repository, which may be hostile: it must be a
//! relative path that stays inside the project root, symlinks resolved.
//! `--out` is typed by the operator and may point anywhere else. Neither may
//! be the project root, an ancestor of it, or a folder holding `rayc.yaml`,
//! spec files or overlays, nor lie inside an overlay folder.

use std::io;
use std::path::{Component, Path, PathBuf};

/// Where the output folder was asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    /// `output:` in rayc.yaml (untrusted: confined to the project).
    ProjectFile,
    /// `--out` on the command line (the operator's choice).
    Flag,
}

/// Why an output folder is refused, and what to do instead.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refused {
    pub reason: String,
    pub help: String,
}

fn refused(reason: impl Into<String>, help: impl Into<String>) -> Refused {
    Refused {
        reason: reason.into(),
        help: help.into(),
    }
}

/// The real folder `requested` names (symlinks resolved), if rayc may use it.
/// `root` is the project root, symlinks resolved; `protected` are the files
/// and folders the project is made of (rayc.yaml, specs, overlay folders),
/// absolute. Relative paths are relative to `root`.
pub fn confine(
    root: &Path,
    requested: &Path,
    origin: Origin,
    protected: &[PathBuf],
) -> Result<PathBuf, Refused> {
    let fix = match origin {
        Origin::ProjectFile => "use a folder inside the project, like `output: rendered`",
        Origin::Flag => "pass a folder of its own, like `--out rendered`",
    };
    if requested.as_os_str().is_empty() {
        return Err(refused("the output folder is empty", fix));
    }
    if origin == Origin::ProjectFile {
        if requested.has_root() || requested.is_absolute() {
            return Err(refused(
                "`output` is an absolute path; it must stay inside the project",
                fix,
            ));
        }
        if requested.components().any(|c| c == Component::ParentDir) {
            return Err(refused(
                "`output` contains `..`; it must stay inside the project",
                fix,
            ));
        }
    }
    let root = &root
        .canonicalize()
        .map_err(|e| refused(format!("cannot resolve the project folder: {e}"), fix))?;
    let dir = resolve(&root.join(requested))
        .map_err(|e| refused(format!("cannot resolve the output folder: {e}"), fix))?;
    let shown = |p: &Path| match p.strip_prefix(root) {
        Ok(rel) if !rel.as_os_str().is_empty() => rel.display().to_string(),
        _ => p.display().to_string(),
    };
    if origin == Origin::ProjectFile && !dir.starts_with(root) {
        return Err(refused(
            format!(
                "`output` leaves the project folder through a symlink (it is {})",
                dir.display()
            ),
            fix,
        ));
    }
    if dir == *root {
        return Err(refused(
            "the output folder is the project folder itself; rayc would replace the whole project",
            fix,
        ));
    }
    if root.starts_with(&dir) {
        return Err(refused(
            format!(
                "the output folder {} holds the project; rayc would replace it",
                dir.display()
            ),
            fix,
        ));
    }
    if dir.join(crate::model::project::FILE_NAME).exists() {
        return Err(refused(
            format!("the output folder {} holds a rayc.yaml", shown(&dir)),
            fix,
        ));
    }
    if let Some(part) = protected
        .iter()
        .find(|p| p.starts_with(&dir) || dir.starts_with(p))
    {
        let reason = if *part == dir {
            format!(
                "the output folder {} is part of the project's input (specs or overlays)",
                shown(&dir)
            )
        } else if part.starts_with(&dir) {
            format!(
                "the output folder {} holds {}, part of the project's input",
                shown(&dir),
                shown(part)
            )
        } else {
            format!(
                "the output folder {} lies inside {}, part of the project's input",
                shown(&dir),
                shown(part)
            )
        };
        return Err(refused(reason, fix));
    }
    Ok(dir)
}

/// `path` made absolute with every symlink and `..` resolved, as far as it
/// exists; the part that does not exist yet is appended as written.
fn resolve(path: &Path) -> io::Result<PathBuf> {
    let mut out = std::path::absolute(path)?;
    let mut rest = Vec::new();
    // The longest prefix that exists (a dangling link counts, and fails below).
    while std::fs::symlink_metadata(&out).is_err() {
        let Some(name) = out.file_name().map(|n| n.to_os_string()) else {
            break;
        };
        rest.push(name);
        out.pop();
    }
    let mut out = out.canonicalize()?;
    for name in rest.into_iter().rev() {
        out.push(name);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lexical_rules_for_the_project_file() {
        let root = Path::new("/");
        for bad in ["", "/abs", "../x", "a/../../x"] {
            assert!(
                confine(root, Path::new(bad), Origin::ProjectFile, &[]).is_err(),
                "{bad:?}"
            );
        }
    }
}
