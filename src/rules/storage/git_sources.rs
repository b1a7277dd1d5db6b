//! Code pulled from git without a pinned revision.

use crate::load::node::Node;
use crate::rules::registry::Check;
use crate::rules::view::{Obj, child, clusters, jobs, seq};
use crate::rules::{Input, Sink};

fn is_sha(s: &str) -> bool {
    (7..=40).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// A tag-like ref: `v1.2.3`, `1.2`, `release-2024.01`.
fn is_tag_like(s: &str) -> bool {
    let s = s.strip_prefix("refs/tags/").unwrap_or(s);
    let digits_dots = |t: &str| {
        t.contains('.')
            && t.split('.')
                .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
    };
    let core = s.trim_start_matches(|c: char| c.is_ascii_alphabetic() || c == '-' || c == '_');
    digits_dots(core.split(['-', '+']).next().unwrap_or(core))
}

fn is_pinned_ref(r: &str) -> bool {
    is_sha(r) || is_tag_like(r)
}

/// For a shell script that runs `git clone`, whether it pins a revision.
fn clone_is_pinned(script: &str) -> bool {
    let words: Vec<&str> = script
        .split(|c: char| c.is_whitespace() || c == ';' || c == '&')
        .filter(|w| !w.is_empty())
        .collect();
    let after = |i: usize| words.get(i + 1).copied().unwrap_or("");
    words.iter().enumerate().any(|(i, w)| match *w {
        "--branch" | "-b" => is_pinned_ref(after(i)),
        "checkout" | "--hard" => {
            // Skip options (`checkout --detach <ref>`) and shell quotes
            // (`"$3"`, the form rayc's own git init container uses).
            let r = words[i + 1..]
                .iter()
                .find(|w| !w.starts_with('-'))
                .map_or("", |w| w.trim_matches(['"', '\'']));
            is_pinned_ref(r) || r.starts_with('$')
        }
        _ => w.strip_prefix("--branch=").is_some_and(is_pinned_ref),
    })
}

/// An unpinned `…/archive/<ref>.zip` URL in a runtime environment, if any.
fn unpinned_archive(text: &str) -> Option<(&str, &str)> {
    text.split(|c: char| c.is_whitespace() || c == '"' || c == '\'')
        .find_map(|url| {
            let (_, rest) = url.split_once("://")?;
            let (_, after) = rest.split_once("/archive/")?;
            let r = after.trim_end_matches(".zip").trim_end_matches(".tar.gz");
            let r = r.strip_prefix("refs/heads/").unwrap_or(r);
            (!is_pinned_ref(r)).then_some((url, r))
        })
}

declare_rule! {
    /// ## What it does
    /// Flags code fetched from git without a pinned revision: a `git clone`
    /// in a container or init container command that neither checks out a
    /// commit SHA or tag nor clones a tag with `--branch`, and a
    /// `working_dir`/`py_modules` archive URL of a branch (`archive/master.zip`)
    /// in `runtimeEnvYAML` or `serveConfigV2`.
    ///
    /// ## Why is this bad?
    /// Every pod start fetches whatever the branch holds at that moment: the
    /// head and workers can run different code, a rerun is not the same job,
    /// and nothing in git records what ran.
    ///
    /// ## Example
    /// ```yaml
    /// initContainers:
    ///   - name: git-clone
    ///     image: alpine/git:2.45.2
    ///     command: [sh, -c, "git clone https://github.com/org/repo /app"]
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// initContainers:
    ///   - name: git-clone
    ///     image: alpine/git:2.45.2
    ///     command: [sh, -c, "git clone https://github.com/org/repo /app && git -C /app checkout 3f9a2c1b7d"]
    /// ```
    pub(crate) struct UnpinnedGitSource;
}

impl Check for UnpinnedGitSource {
    fn check(input: &Input, sink: &mut Sink) {
        for cluster in clusters(input.objects) {
            for group in cluster.groups() {
                for c in group
                    .init_containers()
                    .into_iter()
                    .chain(group.containers())
                {
                    let mut strings: Vec<(&Node, String)> = Vec::new();
                    for key in ["command", "args"] {
                        let base = c.at(key);
                        for (i, n) in seq(child(c.node, key)).iter().enumerate() {
                            strings.push((n, format!("{base}[{i}]")));
                        }
                    }
                    let script: String = strings
                        .iter()
                        .filter_map(|(n, _)| n.as_str())
                        .collect::<Vec<_>>()
                        .join(" ");
                    if !script.contains("git clone") || clone_is_pinned(&script) {
                        continue;
                    }
                    let Some((node, path)) = strings
                        .iter()
                        .find(|(n, _)| n.as_str().is_some_and(|s| s.contains("git clone")))
                    else {
                        continue;
                    };
                    sink.report(
                        cluster.obj,
                        node.pos,
                        path.clone(),
                        format!("container `{}` clones a git repository without pinning a commit or tag", c.name().unwrap_or("?")),
                        "check out a commit SHA (git -C <dir> checkout <sha>) or clone a tag (--branch v1.2.3)",
                    );
                }
            }
        }
        let mut embedded: Vec<(&Obj, &Node, String)> = Vec::new();
        for job in jobs(input.objects) {
            if let Some(n) = job.get("runtimeEnvYAML") {
                embedded.push((job.obj, n, job.at("runtimeEnvYAML")));
            }
        }
        for obj in input.objects.iter().filter(|o| o.is("RayService")) {
            if let Some(n) = obj.spec().and_then(|s| child(s, "serveConfigV2")) {
                embedded.push((obj, n, "spec.serveConfigV2".to_owned()));
            }
        }
        for (obj, node, path) in embedded {
            let Some((url, r)) = node.as_str().and_then(unpinned_archive) else {
                continue;
            };
            sink.report(
                obj,
                node.pos,
                path,
                format!("`{url}` downloads branch `{r}`, not a pinned commit or tag"),
                "point the archive URL at a commit SHA or a tag (…/archive/<sha>.zip)",
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pinning() {
        assert!(!clone_is_pinned(
            "git clone https://github.com/org/repo /app"
        ));
        assert!(clone_is_pinned(
            "git clone --branch v1.2.3 https://github.com/org/repo /app"
        ));
        assert!(!clone_is_pinned(
            "git clone -b main https://github.com/org/repo /app"
        ));
        assert!(clone_is_pinned(
            "git clone https://x/r /app && cd /app && git checkout 3f9a2c1b"
        ));
        assert!(clone_is_pinned(
            "git clone https://x/r /app; git -C /app reset --hard $COMMIT"
        ));
        // rayc's own git source: values passed as positional parameters.
        assert!(clone_is_pinned(
            "git clone \"$1\" \"$2\" && git -C \"$2\" checkout --detach \"$3\""
        ));
        assert!(clone_is_pinned(
            "git clone x /app && git -C /app checkout -q 'v1.2.0'"
        ));
        assert!(!clone_is_pinned(
            "git clone x /app && git -C /app checkout --detach main"
        ));
        assert_eq!(
            unpinned_archive("working_dir: \"https://github.com/o/r/archive/master.zip\"")
                .map(|x| x.1),
            Some("master")
        );
        assert_eq!(
            unpinned_archive("working_dir: https://github.com/o/r/archive/refs/heads/main.zip")
                .map(|x| x.1),
            Some("main")
        );
        assert_eq!(
            unpinned_archive(
                "working_dir: https://github.com/o/r/archive/78b4a5da38796123d9f9ffff59bab2792a043e95.zip"
            ),
            None
        );
        assert_eq!(
            unpinned_archive("working_dir: https://github.com/o/r/archive/refs/tags/v1.0.zip"),
            None
        );
    }
}
