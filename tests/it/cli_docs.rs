//! `docs/cli.md` tells the truth and the whole truth:
//! - every `console` block is run, in order, in one scratch folder, on the real
//!   binary: a `$ rayc …` line (or `$ cat FILE | rayc …`) is a command, the lines
//!   after it its stdout then stderr, and `[exit N]` a non-zero exit code;
//! - a `yaml file=NAME` block is written to NAME in that folder when reached;
//! - every command and subcommand has a `### `rayc …`` heading or a bullet, and
//!   every flag of it appears in its section; every `--format` and exit code is
//!   listed.
//!
//! `RAYC_BLESS=1 cargo test --test it cli_docs::` rewrites the console blocks; read the diff.

use std::path::Path;

use crate::support::run::Rayc;
use clap::CommandFactory;

const DOC: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/cli.md");

/// Runs one `$ …` line in `dir`; returns what a terminal shows.
fn run(dir: &Path, line: &str) -> String {
    let (stdin, command) = match line.split_once(" | ") {
        Some((cat, rest)) => {
            let file = cat
                .strip_prefix("cat ")
                .expect("only `cat FILE | rayc …` pipes");
            (Some(std::fs::read(dir.join(file)).unwrap()), rest)
        }
        None => (None, line),
    };
    let words: Vec<&str> = command.split_whitespace().collect();
    assert_eq!(words.first(), Some(&"rayc"), "not a rayc command: {line}");
    let run = Rayc::new(dir, &words[1..])
        .stdin(&stdin.unwrap_or_default())
        .run();
    let mut shown = run.stdout;
    shown.push_str(&run.stderr);
    if run.code != 0 {
        shown.push_str(&format!("[exit {}]\n", run.code));
    }
    shown
}

/// The doc with every console block's output replaced by what rayc prints.
fn regenerate(doc: &str, dir: &Path) -> String {
    let mut out = String::new();
    let mut lines = doc.lines();
    while let Some(line) = lines.next() {
        out.push_str(line);
        out.push('\n');
        if let Some(file) = line.strip_prefix("```yaml file=") {
            let mut text = String::new();
            for body in lines.by_ref() {
                out.push_str(body);
                out.push('\n');
                if body == "```" {
                    break;
                }
                text.push_str(body);
                text.push('\n');
            }
            let path = dir.join(file);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        } else if line == "```console" {
            for body in lines.by_ref() {
                if body == "```" {
                    out.push_str("```\n");
                    break;
                }
                if let Some(command) = body.strip_prefix("$ ") {
                    out.push_str(body);
                    out.push('\n');
                    out.push_str(&run(dir, command));
                }
            }
        }
    }
    out
}

#[test]
fn console_blocks_show_real_output() {
    let doc = std::fs::read_to_string(DOC).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let fresh = regenerate(&doc, dir.path());
    if std::env::var_os("RAYC_BLESS").is_some() {
        std::fs::write(DOC, &fresh).unwrap();
        return;
    }
    if fresh != doc {
        let diff = similar::TextDiff::from_lines(&doc, &fresh)
            .unified_diff()
            .header("docs/cli.md", "rayc's output")
            .to_string();
        panic!("docs/cli.md differs from real output (RAYC_BLESS=1 rewrites it):\n{diff}");
    }
}

/// The text of the section that documents `name` (`rayc argocd app`): from its
/// heading or bullet to the next heading or bullet of a command.
fn section<'a>(doc: &'a str, name: &str) -> Option<&'a str> {
    let heading = format!("### `{name}`");
    let bullet = format!("- `{name}");
    let start = doc.find(&heading).or_else(|| doc.find(&bullet))?;
    let rest = &doc[start + 3..];
    let end = ["\n### ", "\n- `rayc ", "\n## "]
        .iter()
        .filter_map(|m| rest.find(m))
        .min()
        .unwrap_or(rest.len());
    Some(&rest[..end])
}

#[test]
fn every_command_flag_format_and_exit_code_is_documented() {
    let doc = std::fs::read_to_string(DOC).unwrap();
    let start = doc
        .find("## Flags shared")
        .expect("a section on shared flags");
    let shared = &doc[start..];
    let shared = &shared[..shared[3..].find("\n## ").map_or(shared.len(), |i| i + 3)];
    let mut missing = Vec::new();
    let mut stack = vec![(String::from("rayc"), rayc::cli::Cli::command())];
    while let Some((name, command)) = stack.pop() {
        for sub in command.get_subcommands() {
            if sub.get_name() != "help" {
                stack.push((format!("{name} {}", sub.get_name()), sub.clone()));
            }
        }
        if name == "rayc" {
            continue;
        }
        let Some(text) = section(&doc, &name) else {
            missing.push(format!("{name}: no section"));
            continue;
        };
        for arg in command.get_arguments() {
            let Some(long) = arg.get_long() else { continue };
            if matches!(long, "help" | "version") {
                continue;
            }
            let flag = format!("--{long}");
            // `-C DIR` documents `--project DIR` too.
            let short = arg.get_short().map(|c| format!("-{c} "));
            let named =
                |t: &str| t.contains(&flag) || short.as_ref().is_some_and(|s| t.contains(s));
            let shared_flag =
                ["rayc build", "rayc validate"].contains(&name.as_str()) && named(shared);
            if !named(text) && !shared_flag {
                missing.push(format!("{name}: {flag}"));
            }
        }
    }
    for format in rayc::diag::render::Format::ALL {
        if !doc.contains(&format!("| `{format}` |")) {
            missing.push(format!("--format {format}"));
        }
    }
    for code in 0..=2 {
        if !doc.contains(&format!("\n| {code} | ")) {
            missing.push(format!("exit code {code}"));
        }
    }
    assert!(missing.is_empty(), "docs/cli.md lacks: {missing:?}");
}
