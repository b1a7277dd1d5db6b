//! Tidy checks over the source text (rust-analyzer's `tidy.rs` idea): the
//! invariants of ARCHITECTURE.md that the compiler cannot see.
//!
//! - File-system access (`std::fs`, `File::`, `read_dir`, `canonicalize`) only
//!   in the modules ARCHITECTURE.md names; printing only in `cli`.
//! - Every `src/**/*.rs` is named in ARCHITECTURE.md's code map, every file
//!   the map names exists, and every module opens with a `//!` doc.
//! - Integration tests are one binary: no `tests/*.rs` beyond `OWN_BINARIES`,
//!   and every file in `tests/it/` is a module of `main.rs`.
//!
//! Test code (`#[cfg(test)]` to the end of a file, `tests*.rs` unit-test
//! files) is exempt: tests write scratch files and print skips.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

const REPO: &str = env!("CARGO_MANIFEST_DIR");

/// Where the file system may be touched (ARCHITECTURE.md, "Architecture
/// invariants"): folders end in `/`.
const FS_ALLOWED: &[&str] = &[
    "src/load/",
    "src/emit/",
    "src/cli/",
    "src/diff/git.rs",
    "src/import/",
];

/// Where stdout/stderr may be written.
const PRINT_ALLOWED: &[&str] = &["src/cli/"];

/// Folders whose files the map describes as a group, not one by one: rules
/// live one file per rule (or family) in their area folder, which is named.
const GROUPED: &[&str] = &["src/rules/"];

fn rs_files() -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        for path in entries {
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    let mut out = Vec::new();
    walk(&Path::new(REPO).join("src"), &mut out);
    out
}

/// The repo-relative path, `/`-separated.
fn rel(path: &Path) -> String {
    path.strip_prefix(REPO)
        .unwrap()
        .to_string_lossy()
        .replace('\\', "/")
}

fn allowed(file: &str, list: &[&str]) -> bool {
    list.iter()
        .any(|a| file == *a || (a.ends_with('/') && file.starts_with(a)))
}

/// The lines of non-test code, numbered, without `//` comments.
fn code_lines(file: &str, text: &str) -> Vec<(usize, String)> {
    let name = file.rsplit('/').next().unwrap_or(file);
    if name.starts_with("tests") {
        return Vec::new();
    }
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("#[cfg(test)]") {
            break;
        }
        if trimmed.starts_with("//") {
            continue;
        }
        let code = line.split(" // ").next().unwrap_or(line);
        out.push((i + 1, code.to_owned()));
    }
    out
}

/// The forbidden patterns a line uses.
fn fs_uses(line: &str) -> Vec<&'static str> {
    let mut found = Vec::new();
    for (needle, shown) in [
        ("std::fs", "std::fs"),
        ("File::", "File::"),
        ("read_dir", "read_dir"),
        ("canonicalize(", "canonicalize"),
    ] {
        let hit = line.match_indices(needle).any(|(i, _)| {
            let before = line[..i].chars().next_back();
            !before.is_some_and(|c| c.is_alphanumeric() || c == '_')
        });
        if hit {
            found.push(shown);
        }
    }
    found
}

fn print_uses(line: &str) -> bool {
    ["print!(", "println!(", "eprint!(", "eprintln!("]
        .iter()
        .any(|m| {
            line.match_indices(m).any(|(i, _)| {
                !line[..i]
                    .chars()
                    .next_back()
                    .is_some_and(|c| c.is_alphanumeric() || c == '_')
            })
        })
}

#[test]
fn file_system_and_printing_only_where_the_architecture_says() {
    let mut wrong = Vec::new();
    for path in rs_files() {
        let file = rel(&path);
        let text = std::fs::read_to_string(&path).unwrap();
        for (n, line) in code_lines(&file, &text) {
            if !allowed(&file, FS_ALLOWED) {
                for what in fs_uses(&line) {
                    wrong.push(format!("{file}:{n}: `{what}`: {}", line.trim()));
                }
            }
            if !allowed(&file, PRINT_ALLOWED) && print_uses(&line) {
                wrong.push(format!("{file}:{n}: printing: {}", line.trim()));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "file-system access or printing outside the modules ARCHITECTURE.md allows \
         (go through `load::files`, or return diagnostics):\n{}",
        wrong.join("\n")
    );
}

#[test]
fn the_checks_catch_what_they_look_for() {
    assert_eq!(fs_uses("let t = std::fs::read(p)?;"), ["std::fs"]);
    assert_eq!(fs_uses("let r = path.canonicalize()?;"), ["canonicalize"]);
    assert_eq!(fs_uses("fs::canonicalize(p)"), ["canonicalize"]);
    assert_eq!(fs_uses("let f = File::open(p)?;"), ["File::"]);
    assert_eq!(fs_uses("for e in read_dir(p)? {}"), ["read_dir"]);
    assert!(fs_uses("canonicalize_quantities(&mut v);").is_empty());
    assert!(fs_uses("use crate::load::files::read_bounded;").is_empty());
    assert!(print_uses("    eprintln!(\"x\");"));
    assert!(print_uses("print!(\"{x}\")"));
    assert!(!print_uses("let s = format!(\"x\"); sprint!()"));
    let lines = code_lines("src/x.rs", "a\n// std::fs\n#[cfg(test)]\nstd::fs\n");
    assert_eq!(lines, [(1, "a".to_owned())]);
    assert!(allowed("src/load/files.rs", FS_ALLOWED));
    assert!(!allowed("src/resolve/overlay/read.rs", FS_ALLOWED));
}

/// The files and folders ARCHITECTURE.md's entry points and code map name,
/// resolved, and the names that resolve to nothing.
fn code_map() -> (BTreeSet<String>, Vec<String>) {
    let text = std::fs::read_to_string(Path::new(REPO).join("ARCHITECTURE.md")).unwrap();
    let start = text
        .find("## Entry points")
        .expect("an `## Entry points` section");
    let end = text
        .find("## Architecture invariants")
        .expect("an `## Architecture invariants` section");
    let exists = |p: &str| Path::new(REPO).join(p.trim_end_matches('/')).exists();
    let mut named = BTreeSet::new();
    let mut missing = Vec::new();
    // A heading or bullet opens a block; names resolve against the folders
    // the block has named so far, then `src/`, then the repo root.
    let mut blocks: Vec<String> = Vec::new();
    for line in text[start..end].lines() {
        if line.starts_with('#') || line.starts_with("- ") || blocks.is_empty() {
            blocks.push(String::new());
        }
        if let Some(block) = blocks.last_mut() {
            block.push_str(line);
            block.push('\n');
        }
    }
    for block in &blocks {
        let mut folders: Vec<String> = Vec::new();
        for name in block.split('`').skip(1).step_by(2) {
            if name.contains(['<', '*', ' ', '…'])
                || !(name.ends_with(".rs") || name.ends_with('/'))
            {
                continue;
            }
            let mut candidates: Vec<String> =
                folders.iter().map(|f| format!("{f}{name}")).collect();
            candidates.push(format!("src/{name}"));
            candidates.push(name.to_owned());
            if name.starts_with("src/") {
                candidates = vec![name.to_owned()];
            }
            match candidates.into_iter().find(|c| exists(c)) {
                Some(found) => {
                    if found.starts_with("src/") {
                        let folder = if found.ends_with('/') {
                            found.clone()
                        } else {
                            found
                                .rsplit_once('/')
                                .map(|(d, _)| format!("{d}/"))
                                .unwrap()
                        };
                        if !folders.contains(&folder) {
                            folders.push(folder);
                        }
                    }
                    named.insert(found.trim_end_matches('/').to_owned());
                }
                None => missing.push(name.to_owned()),
            }
        }
    }
    (named, missing)
}

#[test]
fn the_code_map_names_every_module_and_only_modules_that_exist() {
    let (named, missing) = code_map();
    assert!(
        missing.is_empty(),
        "ARCHITECTURE.md names files that do not exist: {missing:?}"
    );
    let mut unnamed = Vec::new();
    for path in rs_files() {
        let file = rel(&path);
        let folder = file.rsplit_once('/').map_or("", |(d, _)| d);
        let covered = named.contains(&file)
            // A folder's section describes its `mod.rs`.
            || (file.ends_with("/mod.rs") && named.contains(folder))
            || GROUPED
                .iter()
                .any(|g| file.starts_with(g) && folder != g.trim_end_matches('/') && named.contains(folder));
        if !covered {
            unnamed.push(file);
        }
    }
    assert!(
        unnamed.is_empty(),
        "modules missing from ARCHITECTURE.md's code map (add a short line for each):\n{}",
        unnamed.join("\n")
    );
}

#[test]
fn every_module_says_what_it_is_for() {
    let undocumented: Vec<String> = rs_files()
        .into_iter()
        .filter(|p| {
            let text = std::fs::read_to_string(p).unwrap();
            !text.trim_start().starts_with("//!")
        })
        .map(|p| rel(&p))
        .collect();
    assert!(
        undocumented.is_empty(),
        "modules without a `//!` doc at the top: {undocumented:?}"
    );
}

/// The only `tests/*.rs` that may be test binaries of their own; every other
/// suite is a module of `tests/it/` (one link of rayc, not one per file).
const OWN_BINARIES: &[(&str, &str)] = &[
    (
        "pre_commit.rs",
        "ignored here; its own CI step builds rayc with a release `cargo install`",
    ),
    (
        "zz_oracle_skips.rs",
        "must run after `it`: cargo runs test binaries in name order",
    ),
];

#[test]
fn integration_tests_are_one_binary() {
    let listed = |e: std::io::Result<std::fs::DirEntry>| {
        let e = e.unwrap();
        let name = e.file_name().to_string_lossy().into_owned();
        (e.path().is_file() && name.ends_with(".rs")).then_some(name)
    };
    let extra: Vec<String> = std::fs::read_dir(Path::new(REPO).join("tests"))
        .unwrap()
        .filter_map(listed)
        .filter(|name| !OWN_BINARIES.iter().any(|(own, _)| own == name))
        .collect();
    assert!(
        extra.is_empty(),
        "new test binaries {extra:?}: move them to tests/it/ and add `mod NAME;` to \
         tests/it/main.rs (or, if a binary of its own is required, add it to OWN_BINARIES \
         in tests/it/tidy.rs with the reason)"
    );
    // A file in tests/it/ that main.rs does not declare would never run.
    let main = std::fs::read_to_string(Path::new(REPO).join("tests/it/main.rs")).unwrap();
    let undeclared: Vec<String> = std::fs::read_dir(Path::new(REPO).join("tests/it"))
        .unwrap()
        .filter_map(listed)
        .filter(|name| name != "main.rs")
        .filter(|name| !main.contains(&format!("mod {};", name.trim_end_matches(".rs"))))
        .collect();
    assert!(
        undeclared.is_empty(),
        "{undeclared:?} in tests/it/ never run: add `mod NAME;` to tests/it/main.rs"
    );
}
