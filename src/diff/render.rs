//! The three outputs of `rayc diff`: human (coloured on a terminal), JSON and
//! Markdown (a pull-request comment).

use std::fmt::Write;

use super::{ChangeKind, Diff};

const RESET: &str = "\x1b[0m";
const BOLD: &str = "\x1b[1m";
const RED: &str = "\x1b[31m";
const GREEN: &str = "\x1b[32m";
const YELLOW: &str = "\x1b[33m";
const CYAN: &str = "\x1b[36m";

fn symbol(kind: ChangeKind) -> &'static str {
    match kind {
        ChangeKind::Added => "+",
        ChangeKind::Removed => "-",
        ChangeKind::Changed => "~",
        ChangeKind::Replaced => "±",
    }
}

/// `RayJob ml/train` (`old → new` for a replacement), with the environment.
fn title(c: &super::Change) -> String {
    let ns = c
        .namespace
        .as_deref()
        .map(|n| format!("{n}/"))
        .unwrap_or_default();
    let name = match &c.old_name {
        Some(old) => format!("{ns}{old} → {}", c.name),
        None => format!("{ns}{}", c.name),
    };
    match &c.env {
        Some(env) => format!("{} {name} ({env})", c.kind),
        None => format!("{} {name}", c.kind),
    }
}

/// `3 changes: 1 added, 1 changed, 1 replaced` or `no changes`.
pub fn summary(diff: &Diff) -> String {
    if diff.changes.is_empty() {
        return "no changes".to_owned();
    }
    let parts: Vec<String> = [
        ChangeKind::Added,
        ChangeKind::Removed,
        ChangeKind::Changed,
        ChangeKind::Replaced,
    ]
    .into_iter()
    .filter_map(|k| {
        let n = diff.count(k);
        (n > 0).then(|| format!("{n} {}", k.as_str()))
    })
    .collect();
    let n = diff.changes.len();
    format!(
        "{n} change{}: {}",
        if n == 1 { "" } else { "s" },
        parts.join(", ")
    )
}

pub fn human(diff: &Diff, color: bool) -> String {
    let paint = |text: &str, style: &str| {
        if color {
            format!("{style}{text}{RESET}")
        } else {
            text.to_owned()
        }
    };
    let mut out = String::new();
    for c in &diff.changes {
        let style = match c.change {
            ChangeKind::Added => GREEN,
            ChangeKind::Removed => RED,
            ChangeKind::Changed | ChangeKind::Replaced => YELLOW,
        };
        let head = format!("{} {} {}", symbol(c.change), c.change.as_str(), title(c));
        let _ = writeln!(out, "{}", paint(&head, &format!("{BOLD}{style}")));
        let _ = writeln!(
            out,
            "  {} {}",
            paint(
                &format!("[{}]", c.severity.as_str()),
                &format!("{BOLD}{CYAN}")
            ),
            c.impact
        );
        for line in c.diff.lines() {
            let style = if line.starts_with("+++") || line.starts_with("---") {
                BOLD
            } else if line.starts_with('+') {
                GREEN
            } else if line.starts_with('-') {
                RED
            } else if line.starts_with("@@") {
                CYAN
            } else {
                ""
            };
            let line = if style.is_empty() {
                line.to_owned()
            } else {
                paint(line, style)
            };
            let _ = writeln!(out, "  {line}");
        }
        out.push('\n');
    }
    let _ = writeln!(
        out,
        "{}",
        paint(
            &format!(
                "{} → {} (KubeRay {}): {}",
                diff.from,
                diff.to,
                diff.kuberay_version,
                summary(diff)
            ),
            BOLD
        )
    );
    out
}

pub fn json(diff: &Diff) -> String {
    let mut value = serde_json::to_value(diff).unwrap_or_default();
    value["summary"] = serde_json::json!({
        "added": diff.count(ChangeKind::Added),
        "removed": diff.count(ChangeKind::Removed),
        "changed": diff.count(ChangeKind::Changed),
        "replaced": diff.count(ChangeKind::Replaced),
    });
    let mut out = serde_json::to_string_pretty(&value).unwrap_or_default();
    out.push('\n');
    out
}

/// Text for a Markdown table cell: `|` and line breaks would end the cell.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

pub fn markdown(diff: &Diff) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "### rayc diff: {} → {}\n\nKubeRay {} · {}\n",
        cell(&diff.from),
        cell(&diff.to),
        diff.kuberay_version,
        summary(diff)
    );
    if diff.changes.is_empty() {
        return out;
    }
    out.push_str("| change | object | impact |\n| --- | --- | --- |\n");
    for c in &diff.changes {
        let _ = writeln!(
            out,
            "| {} {} | `{}` | **{}**: {} |",
            symbol(c.change),
            c.change.as_str(),
            cell(&title(c)),
            c.severity.as_str(),
            cell(&c.impact)
        );
    }
    for c in &diff.changes {
        // A fence longer than any backtick run in the diff cannot be closed early.
        let longest = c
            .diff
            .split(|ch| ch != '`')
            .map(str::len)
            .max()
            .unwrap_or(0);
        let fence = "`".repeat(longest.max(2) + 1);
        let _ = write!(
            out,
            "\n<details><summary>{} {}</summary>\n\n{fence}diff\n{}{fence}\n\n</details>\n",
            c.change.as_str(),
            html_escape(&title(c)),
            c.diff
        );
    }
    out
}

fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}
