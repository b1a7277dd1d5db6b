//! A project as it was at a git revision, read through `git` (`ls-tree` and
//! `cat-file --batch`) into a temporary folder: the work tree, the index and
//! HEAD are never touched.

use std::io::{Read, Write};
use std::path::{Component, Path, PathBuf};
use std::process::{Command, Stdio};

/// The files of one revision under a temporary folder (deleted on drop).
pub struct Snapshot {
    _dir: tempfile::TempDir,
    /// Where the project's `rayc.yaml` sits inside the snapshot.
    pub root: PathBuf,
}

fn git(dir: &Path, args: &[&str]) -> Result<Vec<u8>, String> {
    let output = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if output.status.success() {
        Ok(output.stdout)
    } else {
        let stderr = String::from_utf8_lossy(&output.stderr);
        Err(stderr
            .trim()
            .lines()
            .next()
            .unwrap_or("git failed")
            .to_owned())
    }
}

/// Writes the files of `project_root` at `rev` into a new temporary folder.
pub fn snapshot(project_root: &Path, rev: &str) -> Result<Snapshot, String> {
    if rev.starts_with('-') || rev.is_empty() {
        return Err(format!("`{rev}` is not a git revision"));
    }
    let top = git(project_root, &["rev-parse", "--show-toplevel"]).map_err(|e| {
        format!(
            "{} is not in a git repository ({e})",
            project_root.display()
        )
    })?;
    let top = PathBuf::from(String::from_utf8_lossy(&top).trim());
    let canonical = |p: &Path| crate::load::files::real_path(p).unwrap_or_else(|_| p.to_path_buf());
    let prefix = canonical(project_root)
        .strip_prefix(canonical(&top))
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let commit = git(
        &top,
        &[
            "rev-parse",
            "--verify",
            "--quiet",
            &format!("{rev}^{{commit}}"),
        ],
    )
    .map_err(|_| {
        format!("unknown git revision `{rev}`\n  = help: name a branch, tag or commit; in CI, fetch it first (`git fetch origin main`, checkout with full history)")
    })?;
    let commit = String::from_utf8_lossy(&commit).trim().to_owned();

    let prefix_text = prefix.to_string_lossy().replace('\\', "/");
    let mut args = vec!["ls-tree", "-r", "-z", "--full-tree", &commit];
    let pathspec = format!("{prefix_text}/");
    if !prefix_text.is_empty() {
        args.extend(["--", &pathspec]);
    }
    let listing = git(&top, &args)?;
    let mut blobs: Vec<(String, String)> = Vec::new();
    for entry in listing.split(|&b| b == 0).filter(|e| !e.is_empty()) {
        let entry = String::from_utf8_lossy(entry);
        let Some((meta, path)) = entry.split_once('\t') else {
            continue;
        };
        let mut parts = meta.split(' ');
        let (mode, kind, sha) = (parts.next(), parts.next(), parts.next());
        // Symlinks and submodules are not project files rayc reads.
        if kind == Some("blob")
            && mode != Some("120000")
            && let Some(sha) = sha
        {
            blobs.push((sha.to_owned(), path.to_owned()));
        }
    }

    let dir = tempfile::Builder::new()
        .prefix("rayc-diff-")
        .tempdir()
        .map_err(|e| format!("cannot create a temporary folder: {e}"))?;
    let contents = cat_blobs(&top, &blobs)?;
    for ((_, path), bytes) in blobs.iter().zip(contents) {
        let relative = Path::new(path);
        if relative
            .components()
            .any(|c| !matches!(c, Component::Normal(_)))
        {
            return Err(format!("git path `{path}` leaves the repository"));
        }
        let target = dir.path().join(relative);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
        }
        std::fs::write(&target, bytes)
            .map_err(|e| format!("cannot write {}: {e}", target.display()))?;
    }
    let root = dir.path().join(&prefix);
    if !root.join(crate::model::project::FILE_NAME).is_file() {
        return Err(format!(
            "revision `{rev}` has no {} in {}",
            crate::model::project::FILE_NAME,
            if prefix_text.is_empty() {
                "the repository root"
            } else {
                &prefix_text
            }
        ));
    }
    Ok(Snapshot { _dir: dir, root })
}

/// The contents of `blobs`, in order, through one `git cat-file --batch`.
fn cat_blobs(top: &Path, blobs: &[(String, String)]) -> Result<Vec<Vec<u8>>, String> {
    let mut child = Command::new("git")
        .arg("-C")
        .arg(top)
        .args(["cat-file", "--batch"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot run git: {e}"))?;
    let mut stdin = child.stdin.take().ok_or("git cat-file has no stdin")?;
    let request: String = blobs.iter().map(|(sha, _)| format!("{sha}\n")).collect();
    // Written from a thread: git answers while we ask, and both pipes are finite.
    let writer = std::thread::spawn(move || stdin.write_all(request.as_bytes()));
    let mut output = Vec::new();
    child
        .stdout
        .take()
        .ok_or("git cat-file has no stdout")?
        .read_to_end(&mut output)
        .map_err(|e| format!("cannot read from git: {e}"))?;
    let _ = writer.join();
    let status = child.wait().map_err(|e| format!("git cat-file: {e}"))?;
    if !status.success() {
        return Err("git cat-file failed".to_owned());
    }
    let mut out = Vec::with_capacity(blobs.len());
    let mut rest = output.as_slice();
    for _ in blobs {
        let bad = || "unexpected output from git cat-file".to_owned();
        let newline = rest.iter().position(|&b| b == b'\n').ok_or_else(bad)?;
        let header = String::from_utf8_lossy(&rest[..newline]).into_owned();
        let size: usize = header
            .rsplit(' ')
            .next()
            .and_then(|s| s.parse().ok())
            .ok_or_else(bad)?;
        let body = rest.get(newline + 1..newline + 1 + size).ok_or_else(bad)?;
        out.push(body.to_vec());
        rest = rest.get(newline + 2 + size..).unwrap_or_default();
    }
    Ok(out)
}
