//! Code sources: local files become a ConfigMap with a content-hash name,
//! mounted where the entrypoint expects them; a git source becomes an init
//! container cloning a revision into a shared volume.

use std::path::Path;

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::load::files;
use crate::model::spec::{CodeSource, GitSource};

/// Where code is mounted when neither the spec nor the entrypoint says.
pub const DEFAULT_MOUNT: &str = "/home/ray/code";
/// Image of the git init container unless the spec names one.
pub const DEFAULT_GIT_IMAGE: &str = "alpine/git";
pub const VOLUME_NAME: &str = "code";
pub const GIT_CONTAINER: &str = "git-clone";

/// What the code source adds to the pods and the object set.
#[derive(Debug, Default)]
pub struct CodePlan {
    /// Volumes of the pods that run the code.
    pub volume: Option<Value>,
    /// Mount into the Ray container.
    pub mount: Option<Value>,
    /// Init container (git).
    pub init_container: Option<Value>,
    /// The ConfigMap to emit (local files).
    pub config_map: Option<Value>,
    /// The entrypoint with references to code files rewritten to the mount path.
    pub entrypoint: Option<String>,
    /// Mount on workers as well as on the head.
    pub on_workers: bool,
}

/// A problem with the code source, with the offending reference.
#[derive(Debug, PartialEq)]
pub struct CodeError {
    pub message: String,
    pub help: String,
    /// Index into `code.files` when the error is about one entry.
    pub file_index: Option<usize>,
}

/// One file of the ConfigMap: its key, its path below the mount, its text.
struct CodeFile {
    key: String,
    path: String,
    text: String,
}

/// Largest total size of code files: ConfigMaps hold at most 1 MiB.
const MAX_CODE_BYTES: u64 = 1024 * 1024;

pub fn plan(
    code: &CodeSource,
    entrypoint: Option<&str>,
    object_name: &str,
    root: &Path,
    spec_dir: &str,
    allow_hidden: &[String],
) -> Result<CodePlan, CodeError> {
    let on_workers = code.on_workers.unwrap_or(false);
    if let Some(git) = &code.git {
        if !code.files.is_empty() {
            return Err(CodeError {
                message: "`code` has both `files` and `git`".into(),
                help: "choose one code source: local `files` or a `git` repository".into(),
                file_index: None,
            });
        }
        return Ok(git_plan(
            git,
            code.mount_path.as_deref(),
            entrypoint,
            on_workers,
        ));
    }
    if code.files.is_empty() {
        return Err(CodeError {
            message: "`code` names no `files` and no `git` source".into(),
            help: "add `files: [main.py]` or `git: {repo: ..., revision: ...}`".into(),
            file_index: None,
        });
    }
    let files = read_files(&code.files, root, spec_dir, allow_hidden)?;
    let mount = code
        .mount_path
        .clone()
        .or_else(|| entrypoint.and_then(|e| mount_from_entrypoint(e, &files)))
        .unwrap_or_else(|| DEFAULT_MOUNT.to_owned());
    let mount = mount.trim_end_matches('/').to_owned();
    let entrypoint = entrypoint.map(|e| rewrite_entrypoint(e, &files, &mount));

    let name = format!("{object_name}-code-{}", content_hash(&files));
    let data: serde_json::Map<String, Value> = files
        .iter()
        .map(|f| (f.key.clone(), Value::String(f.text.clone())))
        .collect();
    let items: Vec<Value> = files
        .iter()
        .map(|f| json!({"key": f.key, "path": f.path}))
        .collect();
    Ok(CodePlan {
        volume: Some(json!({"name": VOLUME_NAME, "configMap": {"name": name, "items": items}})),
        mount: Some(json!({"name": VOLUME_NAME, "mountPath": mount})),
        init_container: None,
        config_map: Some(json!({
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": name},
            "data": data,
        })),
        entrypoint,
        on_workers,
    })
}

fn git_plan(
    git: &GitSource,
    mount_path: Option<&str>,
    entrypoint: Option<&str>,
    on_workers: bool,
) -> CodePlan {
    let mount = mount_path
        .unwrap_or(DEFAULT_MOUNT)
        .trim_end_matches('/')
        .to_owned();
    // Positional parameters keep the URL and revision out of the shell text.
    let (script, mut args) = match &git.revision {
        Some(rev) => (
            "git clone \"$1\" \"$2\" && git -C \"$2\" checkout --detach \"$3\"",
            vec![git.repo.clone(), mount.clone(), rev.clone()],
        ),
        None => (
            "git clone \"$1\" \"$2\"",
            vec![git.repo.clone(), mount.clone()],
        ),
    };
    let mut command = vec![
        "/bin/sh".to_owned(),
        "-c".to_owned(),
        script.to_owned(),
        GIT_CONTAINER.to_owned(),
    ];
    command.append(&mut args);
    CodePlan {
        volume: Some(json!({"name": VOLUME_NAME, "emptyDir": {}})),
        mount: Some(json!({"name": VOLUME_NAME, "mountPath": mount})),
        init_container: Some(json!({
            "name": GIT_CONTAINER,
            "image": git.image.as_deref().unwrap_or(DEFAULT_GIT_IMAGE),
            "command": command,
            "volumeMounts": [{"name": VOLUME_NAME, "mountPath": mount}],
        })),
        config_map: None,
        entrypoint: entrypoint.map(str::to_owned),
        on_workers,
    }
}

/// Reads the listed files and folders (relative to the spec file), sorted by key.
fn read_files(
    entries: &[String],
    root: &Path,
    spec_dir: &str,
    allow_hidden: &[String],
) -> Result<Vec<CodeFile>, CodeError> {
    let mut out: Vec<CodeFile> = Vec::new();
    let mut total = 0u64;
    for (index, entry) in entries.iter().enumerate() {
        let fail = |e: files::PathError| CodeError {
            message: format!("code file {e}"),
            help: e.help().to_owned(),
            file_index: Some(index),
        };
        let rel = files::join_inside(spec_dir, entry).map_err(fail)?;
        let listed = files::code_files(root, &rel, allow_hidden).map_err(fail)?;
        // A folder keeps its inner layout; a single file sits at the mount's top.
        let base = if listed.len() == 1 && listed[0] == rel {
            rel.rsplit_once('/')
                .map_or(String::new(), |(dir, _)| format!("{dir}/"))
        } else {
            format!("{rel}/")
        };
        for file in listed {
            let text = files::read_text_inside(root, &file, MAX_CODE_BYTES).map_err(fail)?;
            total += text.len() as u64;
            let path = file.strip_prefix(&base).unwrap_or(&file).to_owned();
            let key = path.replace('/', "__");
            if !key
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
            {
                return Err(CodeError {
                    message: format!("code file name {path:?} cannot be a ConfigMap key"),
                    help: "rename it to letters, digits, `-`, `_` and `.` only".into(),
                    file_index: Some(index),
                });
            }
            if out.iter().any(|f| f.key == key) {
                return Err(CodeError {
                    message: format!("two code files end up as {path:?}"),
                    help: "list each file once, or put same-named files in different folders"
                        .into(),
                    file_index: Some(index),
                });
            }
            out.push(CodeFile { key, path, text });
        }
    }
    if total > MAX_CODE_BYTES {
        return Err(CodeError {
            message: format!("code files hold {total} bytes; a ConfigMap holds at most 1 MiB"),
            help: "ship large code in the image or use a `git` source".into(),
            file_index: None,
        });
    }
    out.sort_by(|a, b| a.key.cmp(&b.key));
    Ok(out)
}

/// The folder an absolute entrypoint argument puts a code file in, e.g.
/// `python /home/ray/samples/job.py` with `job.py` → `/home/ray/samples`.
fn mount_from_entrypoint(entrypoint: &str, files: &[CodeFile]) -> Option<String> {
    entrypoint.split_whitespace().find_map(|token| {
        files.iter().find_map(|f| {
            let dir = token.strip_suffix(f.path.as_str())?.strip_suffix('/')?;
            (dir.starts_with('/') && !dir.is_empty()).then(|| dir.to_owned())
        })
    })
}

/// Rewrites bare relative references to code files (`python job.py`) to the mount path.
fn rewrite_entrypoint(entrypoint: &str, files: &[CodeFile], mount: &str) -> String {
    let mut out = String::with_capacity(entrypoint.len());
    let mut rest = entrypoint;
    while !rest.is_empty() {
        let ws_end = rest
            .find(|c: char| !c.is_whitespace())
            .unwrap_or(rest.len());
        out.push_str(&rest[..ws_end]);
        rest = &rest[ws_end..];
        let tok_end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        let token = &rest[..tok_end];
        let bare = token.strip_prefix("./").unwrap_or(token);
        if files.iter().any(|f| f.path == bare) {
            out.push_str(&format!("{mount}/{bare}"));
        } else {
            out.push_str(token);
        }
        rest = &rest[tok_end..];
    }
    out
}

/// First 10 hex digits of a SHA-256 over keys and contents: a change in any
/// file renames the ConfigMap, so pods pick up new code.
fn content_hash(files: &[CodeFile]) -> String {
    let mut hasher = Sha256::new();
    for f in files {
        hasher.update(f.key.as_bytes());
        hasher.update([0]);
        hasher.update(f.text.as_bytes());
        hasher.update([0]);
    }
    hasher
        .finalize()
        .iter()
        .take(5)
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &str) -> CodeFile {
        CodeFile {
            key: path.replace('/', "__"),
            path: path.into(),
            text: String::new(),
        }
    }

    #[test]
    fn mount_follows_an_absolute_entrypoint() {
        let files = [file("sample_code.py")];
        assert_eq!(
            mount_from_entrypoint("python /home/ray/samples/sample_code.py", &files).as_deref(),
            Some("/home/ray/samples")
        );
        assert_eq!(mount_from_entrypoint("python sample_code.py", &files), None);
    }

    #[test]
    fn relative_references_are_rewritten() {
        let files = [file("job.py"), file("lib/util.py")];
        assert_eq!(
            rewrite_entrypoint("python ./job.py --x lib/util.py  other.py", &files, "/code"),
            "python /code/job.py --x /code/lib/util.py  other.py"
        );
    }

    #[test]
    fn hash_changes_with_content() {
        let mut a = vec![file("a.py")];
        let h1 = content_hash(&a);
        a[0].text = "print(1)".into();
        assert_ne!(h1, content_hash(&a));
        assert_eq!(h1.len(), 10);
    }

    #[test]
    fn git_source_passes_values_as_arguments_not_shell_text() {
        let git = GitSource {
            repo: "https://x/y; rm -rf /".into(),
            revision: Some("v1.2.0".into()),
            image: None,
        };
        let plan = git_plan(&git, Some("/app"), None, false);
        let init = plan.init_container.unwrap();
        let cmd = init["command"].as_array().unwrap();
        assert!(!cmd[2].as_str().unwrap().contains("rm -rf"));
        assert_eq!(cmd[4], "https://x/y; rm -rf /");
        assert_eq!(cmd[6], "v1.2.0");
    }
}
