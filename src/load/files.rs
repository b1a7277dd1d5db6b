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
    #[error("\"{0}\" is {1}, not a regular file")]
    NotAFile(String, &'static str),
    #[error("\"{0}\" is not a folder")]
    NotAFolder(String),
    #[error("\"{0}\" is inside `.git/`")]
    Git(String),
    #[error("\"{0}\" is a hidden file or folder")]
    Hidden(String),
    #[error("folder \"{0}\" holds no files")]
    EmptyFolder(String),
    #[error("bad glob {0:?}: {1}")]
    BadGlob(String, String),
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
            PathError::NotAFile(..) => {
                "name a regular file or a folder of them; FIFOs, devices and sockets are never read as code"
            }
            PathError::Git(_) => {
                "rayc never ships `.git/` (it holds credentials and history); use a `git` code source instead"
            }
            PathError::Hidden(_) => {
                "hidden files (`.env`, dotfiles) often hold secrets: to ship this one, list its path in `allowHiddenCode` in rayc.yaml"
            }
            PathError::NotAFolder(_) => "name a folder here, not a file",
            PathError::EmptyFolder(_) => {
                "add the code files to the folder, or name the files themselves"
            }
            PathError::BadGlob(..) => "use globs like `vendor/**` or `*.tmpl.yaml`",
        }
    }
}

/// Reads at most `max` bytes of the file at `path` (shown as `shown`) without
/// ever blocking or reading without end: the file is opened non-blocking and
/// checked before reading; devices and sockets are refused; a FIFO is read only
/// when `allow_fifo` (a FIFO with no writer reads as empty, it does not wait).
pub fn read_bounded(
    path: &Path,
    shown: &str,
    max: u64,
    allow_fifo: bool,
) -> Result<Vec<u8>, PathError> {
    use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
    let unreadable = |e: std::io::Error| PathError::Unreadable {
        path: shown.to_owned(),
        reason: e.to_string(),
    };
    let file = fs::OpenOptions::new()
        .read(true)
        .custom_flags((rustix::fs::OFlags::NONBLOCK | rustix::fs::OFlags::NOCTTY).bits() as i32)
        .open(path)
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => PathError::Missing(shown.to_owned()),
            _ => unreadable(e),
        })?;
    let kind = file.metadata().map_err(unreadable)?.file_type();
    let what = if kind.is_file() {
        None
    } else if kind.is_dir() {
        Some("a folder")
    } else if kind.is_fifo() {
        (!allow_fifo).then_some("a FIFO (named pipe)")
    } else if kind.is_char_device() || kind.is_block_device() {
        Some("a device")
    } else if kind.is_socket() {
        Some("a socket")
    } else {
        Some("a special file")
    };
    if let Some(what) = what {
        return Err(PathError::NotAFile(shown.to_owned(), what));
    }
    if kind.is_fifo() {
        // Blocking reads from here: with no writer a FIFO reads as end of file.
        rustix::fs::fcntl_setfl(&file, rustix::fs::OFlags::empty())
            .map_err(|e| unreadable(e.into()))?;
    }
    read_capped(file, shown, max)
}

/// Reads `reader` to its end, refusing more than `max` bytes (a file already
/// opened by [`read_bounded`], or stdin).
pub fn read_capped(
    reader: impl std::io::Read,
    shown: &str,
    max: u64,
) -> Result<Vec<u8>, PathError> {
    use std::io::Read;
    let mut bytes = Vec::new();
    reader
        .take(max.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| PathError::Unreadable {
            path: shown.to_owned(),
            reason: e.to_string(),
        })?;
    if bytes.len() as u64 > max {
        return Err(PathError::TooLarge(shown.to_owned(), max));
    }
    Ok(bytes)
}

/// `path` made absolute with every symlink resolved: where two names of one
/// file meet (`rayc validate` matching given files to a project's).
pub fn real_path(path: impl AsRef<Path>) -> std::io::Result<PathBuf> {
    fs::canonicalize(path)
}

/// The names of the entries of the folder `rel` inside `root` (which must
/// not lead out of it), sorted; names that are not UTF-8 are left out.
pub fn list_folder(root: &Path, rel: &str) -> Result<Vec<String>, PathError> {
    let real = real_path_inside(root, rel)?;
    if !real.is_dir() {
        return Err(PathError::NotAFolder(rel.to_owned()));
    }
    let entries = fs::read_dir(&real).map_err(|e| PathError::Unreadable {
        path: rel.to_owned(),
        reason: e.to_string(),
    })?;
    let mut names: Vec<String> = entries
        .filter_map(Result::ok)
        .filter_map(|e| e.file_name().into_string().ok())
        .collect();
    names.sort();
    Ok(names)
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
    let bytes = read_bounded(&real, rel, max, false)?;
    String::from_utf8(bytes).map_err(|_| PathError::Unreadable {
        path: rel.to_owned(),
        reason: "it is not UTF-8 text".to_owned(),
    })
}

/// How a folder walk treats what it meets.
#[derive(Clone, Copy, Debug, Default)]
pub struct WalkRules<'a> {
    /// Root-relative folders never entered (the output folder, overlay folders).
    pub skip_dirs: &'a [String],
    /// Root-relative hidden paths the walk may enter or return anyway.
    pub allow_hidden: &'a [String],
    /// Globs (relative to the folder walked, gitignore syntax) to leave out: `--exclude`.
    pub exclude: &'a [String],
    /// Symlinks, special files and unreadable folders are errors (code), not skipped (discovery).
    pub strict: bool,
}

/// Walks `start` (a folder, relative to `root`) the way ripgrep does: hidden
/// entries, paths that `.gitignore` (in a git checkout) or `.ignore` files
/// exclude and `skip_dirs` are pruned before descending, `.git` always.
/// Returns the regular files as root-relative '/'-separated paths, sorted.
/// Symlinks are not followed: a lenient walk skips them; a strict one returns
/// a symlink to a file inside the root as a file and refuses any other.
pub fn walk(root: &Path, start: &str, rules: WalkRules) -> Result<Vec<String>, PathError> {
    Ok(walk_entries(root, start, rules)?
        .into_iter()
        .map(|(rel, _)| rel)
        .collect())
}

/// [`walk`], but each file as its real relative path, which may not be
/// UTF-8 (rayc's names are text; `rayc validate DIR` reads any file name).
pub fn walk_paths(root: &Path, start: &str, rules: WalkRules) -> Result<Vec<PathBuf>, PathError> {
    Ok(walk_entries(root, start, rules)?
        .into_iter()
        .map(|(_, path)| path)
        .collect())
}

/// The file name as text, with bytes that are not UTF-8 escaped (`bad\xFF.yaml`).
pub fn escaped(path: &Path) -> String {
    use std::os::unix::ffi::OsStrExt;
    let mut out = String::new();
    for chunk in path.as_os_str().as_bytes().utf8_chunks() {
        out.push_str(chunk.valid());
        for b in chunk.invalid() {
            out.push_str(&format!("\\x{b:02X}"));
        }
    }
    out
}

fn walk_entries(
    root: &Path,
    start: &str,
    rules: WalkRules,
) -> Result<Vec<(String, PathBuf)>, PathError> {
    let real_root = fs::canonicalize(root).map_err(|e| PathError::Unreadable {
        path: ".".to_owned(),
        reason: e.to_string(),
    })?;
    let top = if start.is_empty() {
        real_root.clone()
    } else {
        real_root.join(start)
    };
    let rel_of = |path: &Path| -> String {
        path.strip_prefix(&real_root)
            .unwrap_or(path)
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("/")
    };
    let skip_dirs: Vec<String> = rules
        .skip_dirs
        .iter()
        .map(|d| d.trim_matches('/').to_owned())
        .filter(|d| !d.is_empty())
        .collect();
    let allow_hidden: Vec<String> = rules.allow_hidden.to_vec();
    let mut overrides = ignore::overrides::OverrideBuilder::new(&top);
    for glob in rules.exclude {
        overrides
            .add(&format!("!{glob}"))
            .map_err(|e| PathError::BadGlob(glob.clone(), e.to_string()))?;
    }
    let overrides = overrides
        .build()
        .map_err(|e| PathError::BadGlob(rules.exclude.join(" "), e.to_string()))?;
    let prune_root = real_root.clone();
    let walker = ignore::WalkBuilder::new(&top)
        .overrides(overrides)
        .hidden(false)
        .git_global(false)
        .follow_links(false)
        .sort_by_file_name(|a, b| a.cmp(b))
        .filter_entry(move |entry| {
            if entry.depth() == 0 {
                return true;
            }
            let rel = entry
                .path()
                .strip_prefix(&prune_root)
                .map(|p| p.to_string_lossy().replace('\\', "/"))
                .unwrap_or_default();
            let name = entry.file_name().to_string_lossy();
            if name == ".git" {
                return false;
            }
            if name.starts_with('.') && !hidden_allowed(&rel, &allow_hidden) {
                return false;
            }
            !skip_dirs.contains(&rel)
        })
        .build();
    let mut out = Vec::new();
    for entry in walker {
        let entry = match entry {
            Ok(entry) => entry,
            Err(e) if rules.strict => {
                return Err(PathError::Unreadable {
                    path: start.to_owned(),
                    reason: e.to_string(),
                });
            }
            // Discovery: a folder rayc may not read holds nothing it reads.
            Err(_) => continue,
        };
        let Some(kind) = entry.file_type() else {
            continue;
        };
        let rel = rel_of(entry.path());
        let real_rel = entry
            .path()
            .strip_prefix(&real_root)
            .unwrap_or(entry.path())
            .to_path_buf();
        if kind.is_file() {
            out.push((rel, real_rel));
        } else if kind.is_dir() || !rules.strict {
            // Folders are descended into; a lenient walk passes over the rest.
            continue;
        } else if kind.is_symlink() {
            let real = real_path_inside(root, &rel)?;
            if !real.is_file() {
                return Err(PathError::NotAFile(
                    rel,
                    "a symlink to something other than a file",
                ));
            }
            check_shippable(&real_root, &real, &rel, rules.allow_hidden)?;
            out.push((rel, real_rel));
        } else {
            return Err(PathError::NotAFile(rel, "a FIFO, device or socket"));
        }
    }
    out.sort();
    Ok(out)
}

/// Whether a hidden root-relative path is allow-listed: it is an entry, lies
/// below one, or is a folder on the way to one.
fn hidden_allowed(rel: &str, allow: &[String]) -> bool {
    allow.iter().any(|a| {
        let a = a.trim_matches('/');
        rel == a || rel.starts_with(&format!("{a}/")) || a.starts_with(&format!("{rel}/"))
    })
}

/// Refuses a code path (as named, and as resolved on disk) inside `.git` or
/// hidden and not allow-listed.
fn check_shippable(
    real_root: &Path,
    real: &Path,
    rel: &str,
    allow: &[String],
) -> Result<(), PathError> {
    let resolved = real
        .strip_prefix(real_root)
        .map(|p| p.to_string_lossy().replace('\\', "/"))
        .unwrap_or_default();
    for path in [rel, resolved.as_str()] {
        let parts: Vec<&str> = path.split('/').collect();
        if parts.contains(&".git") {
            return Err(PathError::Git(rel.to_owned()));
        }
        for i in 0..parts.len() {
            if parts[i].starts_with('.') && !hidden_allowed(&parts[..=i].join("/"), allow) {
                return Err(PathError::Hidden(rel.to_owned()));
            }
        }
    }
    Ok(())
}

/// The code files `rel` names (relative to `root`): the file itself, or the
/// files of the folder (walked as [`walk`] does, strictly), sorted. `.git/`
/// is refused, hidden paths too unless `allow_hidden` lists them; a FIFO,
/// device or empty folder is an error.
pub fn code_files(
    root: &Path,
    rel: &str,
    allow_hidden: &[String],
) -> Result<Vec<String>, PathError> {
    let real = real_path_inside(root, rel)?;
    let real_root = fs::canonicalize(root).map_err(|e| PathError::Unreadable {
        path: ".".to_owned(),
        reason: e.to_string(),
    })?;
    check_shippable(&real_root, &real, rel, allow_hidden)?;
    let meta = fs::metadata(&real).map_err(|e| PathError::Unreadable {
        path: rel.to_owned(),
        reason: e.to_string(),
    })?;
    if meta.is_file() {
        return Ok(vec![rel.to_owned()]);
    }
    if !meta.is_dir() {
        return Err(PathError::NotAFile(
            rel.to_owned(),
            "a FIFO, device or socket",
        ));
    }
    // Walk the folder as resolved, but name files as the spec does.
    let resolved = real
        .strip_prefix(&real_root)
        .map(|p| p.to_string_lossy().replace('\\', "/"))
        .unwrap_or_default();
    let files = walk(
        root,
        &resolved,
        WalkRules {
            skip_dirs: &[],
            allow_hidden,
            exclude: &[],
            strict: true,
        },
    )?;
    if files.is_empty() {
        return Err(PathError::EmptyFolder(rel.to_owned()));
    }
    Ok(files
        .iter()
        .map(|f| {
            let sub = match resolved.as_str() {
                "" => f.as_str(),
                dir => f
                    .strip_prefix(dir)
                    .and_then(|s| s.strip_prefix('/'))
                    .unwrap_or(f),
            };
            if rel.is_empty() {
                sub.to_owned()
            } else {
                format!("{rel}/{sub}")
            }
        })
        .collect())
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
    }

    #[test]
    fn hidden_paths_are_allowed_only_as_listed() {
        let allow = ["jobs/.streamlit/config.toml".to_owned()];
        assert!(hidden_allowed("jobs/.streamlit", &allow));
        assert!(hidden_allowed("jobs/.streamlit/config.toml", &allow));
        assert!(!hidden_allowed("jobs/.env", &allow));
        assert!(!hidden_allowed(".streamlit", &allow));
    }

    #[test]
    fn walks_prune_hidden_skipped_and_excluded_paths_and_sort() {
        let root = tempfile::tempdir().unwrap();
        for f in [
            "b.yaml",
            "a/c.yaml",
            ".hidden/x.yaml",
            "rendered/y.yaml",
            "vendor/z.yaml",
        ] {
            let path = root.path().join(f);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, "a: 1\n").unwrap();
        }
        std::os::unix::fs::symlink("/etc", root.path().join("etc")).unwrap();
        let skip = ["rendered".to_owned()];
        let exclude = ["vendor".to_owned()];
        let rules = WalkRules {
            skip_dirs: &skip,
            exclude: &exclude,
            ..WalkRules::default()
        };
        assert_eq!(
            walk(root.path(), "", rules).unwrap(),
            ["a/c.yaml", "b.yaml"]
        );
    }
}
