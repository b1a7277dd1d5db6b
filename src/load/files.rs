//! Reading files that specs reference, safely: every path must stay inside the
//! project root (no absolute paths, no `..` escape, no symlink escape), since
//! Argo CD renders repositories it does not trust.

use std::fs;
use std::path::{Component, Path, PathBuf};

/// Why a referenced path was refused or could not be read.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum PathError {
    #[error("absolute path \"{0}\" is not allowed")]
    Absolute(String),
    #[error("path \"{0}\" leaves the project folder")]
    Escapes(String),
    #[error("\"{0}\" does not exist")]
    Missing(String),
    #[error("\"{path}\" could not be read: {reason}")]
    Unreadable { path: String, reason: String },
    #[error("\"{0}\" is larger than {1} bytes")]
    TooLarge(String, u64),
}

impl PathError {
    /// How to fix it, for the diagnostic's help line.
    pub fn help(&self) -> &'static str {
        match self {
            PathError::Absolute(_) => "use a path relative to the spec file",
            PathError::Escapes(_) => {
                "keep referenced files inside the folder that holds rayc.yaml (no `..` above it, no symlinks out of it)"
            }
            PathError::Missing(_) => {
                "check the spelling, or add the file; paths are relative to the spec file"
            }
            PathError::Unreadable { .. } => "check the file's permissions",
            PathError::TooLarge(..) => {
                "ship large files in the image or from object storage, not in a ConfigMap"
            }
        }
    }
}

/// Joins `reference` (relative to `base`, a folder relative to `root`) and
/// returns the path relative to `root`, '/'-separated, checked lexically.
pub fn join_inside(base: &str, reference: &str) -> Result<String, PathError> {
    let refpath = Path::new(reference);
    if refpath.is_absolute() || reference.starts_with('/') || reference.starts_with('\\') {
        return Err(PathError::Absolute(reference.to_owned()));
    }
    let mut parts: Vec<String> = Vec::new();
    for part in Path::new(base).join(refpath).components() {
        match part {
            Component::Normal(p) => parts.push(p.to_string_lossy().into_owned()),
            Component::CurDir => {}
            Component::ParentDir => {
                if parts.pop().is_none() {
                    return Err(PathError::Escapes(reference.to_owned()));
                }
            }
            Component::RootDir | Component::Prefix(_) => {
                return Err(PathError::Absolute(reference.to_owned()));
            }
        }
    }
    Ok(parts.join("/"))
}

/// Resolves `rel` (relative to `root`) on disk, refusing symlinks that lead out of `root`.
pub fn real_path_inside(root: &Path, rel: &str) -> Result<PathBuf, PathError> {
    let path = root.join(rel);
    let real = match fs::canonicalize(&path) {
        Ok(p) => p,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(PathError::Missing(rel.to_owned()));
        }
        Err(e) => {
            return Err(PathError::Unreadable {
                path: rel.to_owned(),
                reason: e.to_string(),
            });
        }
    };
    let real_root = fs::canonicalize(root).map_err(|e| PathError::Unreadable {
        path: ".".to_owned(),
        reason: e.to_string(),
    })?;
    if !real.starts_with(&real_root) {
        return Err(PathError::Escapes(rel.to_owned()));
    }
    Ok(real)
}

/// Reads a UTF-8 text file inside `root`, at most `max` bytes.
pub fn read_text_inside(root: &Path, rel: &str, max: u64) -> Result<String, PathError> {
    let real = real_path_inside(root, rel)?;
    let unreadable = |e: std::io::Error| PathError::Unreadable {
        path: rel.to_owned(),
        reason: e.to_string(),
    };
    let meta = fs::metadata(&real).map_err(unreadable)?;
    if meta.len() > max {
        return Err(PathError::TooLarge(rel.to_owned(), max));
    }
    let bytes = fs::read(&real).map_err(unreadable)?;
    String::from_utf8(bytes).map_err(|_| PathError::Unreadable {
        path: rel.to_owned(),
        reason: "it is not UTF-8 text".to_owned(),
    })
}

/// Lists the regular files below `dir_rel` (relative to `root`), sorted, as
/// root-relative '/'-separated paths. Symlinks are not followed.
pub fn list_files_inside(root: &Path, dir_rel: &str) -> Result<Vec<String>, PathError> {
    let real = real_path_inside(root, dir_rel)?;
    if real.is_file() {
        return Ok(vec![dir_rel.to_owned()]);
    }
    let mut out = Vec::new();
    for entry in walkdir::WalkDir::new(&real)
        .follow_links(false)
        .sort_by_file_name()
    {
        let entry = entry.map_err(|e| PathError::Unreadable {
            path: dir_rel.to_owned(),
            reason: e.to_string(),
        })?;
        let sub = entry.path().strip_prefix(&real).unwrap_or(entry.path());
        let sub = sub
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("/");
        let rel = if dir_rel.is_empty() {
            sub
        } else {
            format!("{dir_rel}/{sub}")
        };
        if entry.file_type().is_file() {
            out.push(rel);
        } else if entry.path_is_symlink() {
            // Name the link itself, not the folder being listed.
            return Err(PathError::Escapes(rel));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_relative_paths() {
        assert_eq!(join_inside("jobs", "code/a.py").unwrap(), "jobs/code/a.py");
        assert_eq!(
            join_inside("jobs", "../shared/a.py").unwrap(),
            "shared/a.py"
        );
        assert_eq!(join_inside("", "./a.py").unwrap(), "a.py");
    }

    #[test]
    fn refuses_escapes_and_absolute_paths() {
        assert_eq!(
            join_inside("jobs", "../../x"),
            Err(PathError::Escapes("../../x".into()))
        );
        assert_eq!(
            join_inside("", "/etc/passwd"),
            Err(PathError::Absolute("/etc/passwd".into()))
        );
    }

    #[test]
    fn refuses_symlinks_out_of_the_root() {
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("secret"), "s").unwrap();
        let root = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink(outside.path().join("secret"), root.path().join("link"))
            .unwrap();
        assert_eq!(
            read_text_inside(root.path(), "link", 100),
            Err(PathError::Escapes("link".into()))
        );
        assert_eq!(
            read_text_inside(root.path(), "nope", 100),
            Err(PathError::Missing("nope".into()))
        );
        std::fs::create_dir(root.path().join("jobs")).unwrap();
        std::os::unix::fs::symlink(outside.path().join("secret"), root.path().join("jobs/x"))
            .unwrap();
        assert_eq!(
            list_files_inside(root.path(), "jobs"),
            Err(PathError::Escapes("jobs/x".into()))
        );
    }
}
