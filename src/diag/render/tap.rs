//! `--format tap`: TAP version 13, one test point per resource (as
//! kubeconform prints it) and one per finding that belongs to no resource.
//!
//! ```text
//! TAP version 13
//! not ok 1 - cluster.yaml RayCluster/demo
//!   # cluster.yaml:7:7: error[RAY101]: unknown field `replica`
//! 1..1
//! # 1 error, 0 warnings; 1 resource: 1 invalid
//! ```
//!
//! A resource fails when it has an unsilenced error; warnings become comments
//! under an `ok` line; unchecked resources are `# SKIP`.

use super::summary_line;
use crate::diag::report::{Report, ResourceResult, Status};
use crate::diag::{Diagnostic, Severity};
use crate::load::node::Pos;

pub fn render(report: &Report) -> String {
    let mut out = String::from("TAP version 13\n");
    let mut n = 0;
    for resource in &report.resources {
        n += 1;
        let ok = !resource.diagnostics.iter().any(Diagnostic::is_blocking);
        let directive = match resource.status() {
            Status::Skipped => " # SKIP not checked",
            Status::Empty => " # SKIP empty",
            _ => "",
        };
        out.push_str(&format!(
            "{} {n} - {}{directive}\n",
            if ok { "ok" } else { "not ok" },
            escape(&describe(resource))
        ));
        comments(&mut out, &resource.diagnostics);
    }
    for diag in report.findings.iter().filter(|d| d.suppressed_by.is_none()) {
        n += 1;
        let ok = diag.severity != Severity::Error;
        let what = if diag.file.is_empty() {
            "rayc"
        } else {
            &diag.file
        };
        out.push_str(&format!(
            "{} {n} - {} {}\n",
            if ok { "ok" } else { "not ok" },
            escape(what),
            diag.code
        ));
        comments(&mut out, std::slice::from_ref(diag));
    }
    out.push_str(&format!("1..{n}\n"));
    out.push_str(&format!("# {}\n", summary_line(&report.summary())));
    out
}

/// `file Kind/name`, or just the file for a file-level entry.
fn describe(r: &ResourceResult) -> String {
    if r.kind.is_empty() && r.name.is_empty() {
        r.filename.clone()
    } else {
        format!("{} {}/{}", r.filename, r.kind, r.name)
    }
}

/// Unsilenced findings as indented `#` comment lines (help on its own line).
fn comments(out: &mut String, diags: &[Diagnostic]) {
    for d in diags.iter().filter(|d| d.suppressed_by.is_none()) {
        let place = match (d.file.is_empty(), d.pos == Pos::UNKNOWN) {
            (true, _) => String::new(),
            (false, true) => format!("{}: ", d.file),
            (false, false) => format!("{}:{}:{}: ", d.file, d.pos.line, d.pos.col),
        };
        let line = format!("{place}{}[{}]: {}", d.severity.as_str(), d.code, d.message);
        out.push_str(&format!("  # {}\n", one_line(&line)));
        if let Some(help) = &d.help {
            out.push_str(&format!("  #   help: {}\n", one_line(help)));
        }
    }
}

/// A description must not contain `#` (it would start a directive).
fn escape(text: &str) -> String {
    one_line(text).replace('#', "\\#")
}

fn one_line(text: &str) -> String {
    text.replace(['\r', '\n'], " ")
}
