//! `--format json`: one pretty-printed document for the whole run, shaped like
//! kubeconform's (`resources[]` + `summary`) with rayc's findings added.
//!
//! The shape is a public contract: `docs/output-formats.md` describes it and
//! `schemas/validate-output.schema.json` pins it (a test checks real output
//! against it). Add fields, never rename or remove them. Every key is always
//! present; unknown values are `null`. Silenced findings are included, with
//! `suppressedBy` saying what silenced them.

use serde::Serialize;

use crate::diag::report::{Report, ResourceResult, Status};
use crate::diag::{Diagnostic, Severity};
use crate::load::node::Pos;

pub fn render(report: &Report) -> String {
    // Plain structs with string keys cannot fail to serialise; stay valid JSON anyway.
    let mut text = serde_json::to_string_pretty(&document(report))
        .unwrap_or_else(|e| serde_json::json!({ "internalError": e.to_string() }).to_string());
    text.push('\n');
    text
}

/// The document as a JSON value, for callers that embed it.
pub fn to_value(report: &Report) -> serde_json::Value {
    serde_json::to_value(document(report)).unwrap_or(serde_json::Value::Null)
}

#[derive(Serialize)]
struct Document<'a> {
    resources: Vec<Resource<'a>>,
    findings: Vec<Finding<'a>>,
    summary: Summary,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Resource<'a> {
    filename: &'a str,
    kind: &'a str,
    name: &'a str,
    version: &'a str,
    status: Status,
    /// kubeconform's `msg`: the blocking messages joined, empty when none.
    msg: String,
    /// kubeconform's `validationErrors`: the blocking findings only.
    validation_errors: Vec<ValidationError<'a>>,
    findings: Vec<Finding<'a>>,
}

#[derive(Serialize)]
struct ValidationError<'a> {
    path: &'a str,
    msg: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Finding<'a> {
    code: &'a str,
    severity: Severity,
    message: &'a str,
    file: &'a str,
    line: Option<u32>,
    column: Option<u32>,
    path: Option<&'a str>,
    help: Option<&'a str>,
    suppressed_by: Option<&'a str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Summary {
    valid: usize,
    invalid: usize,
    errors: usize,
    skipped: usize,
    empty: usize,
    error_count: usize,
    warning_count: usize,
    suppressed_count: usize,
}

fn document(report: &Report) -> Document<'_> {
    let s = report.summary();
    Document {
        resources: report.resources.iter().map(resource).collect(),
        findings: report.findings.iter().map(finding).collect(),
        summary: Summary {
            valid: s.valid,
            invalid: s.invalid,
            errors: s.errors,
            skipped: s.skipped,
            empty: s.empty,
            error_count: s.error_count,
            warning_count: s.warning_count,
            suppressed_count: s.suppressed_count,
        },
    }
}

fn resource(r: &ResourceResult) -> Resource<'_> {
    let blocking: Vec<&Diagnostic> = r.diagnostics.iter().filter(|d| d.is_blocking()).collect();
    Resource {
        filename: &r.filename,
        kind: &r.kind,
        name: &r.name,
        version: &r.version,
        status: r.status(),
        msg: blocking
            .iter()
            .map(|d| d.message.as_str())
            .collect::<Vec<_>>()
            .join("; "),
        validation_errors: blocking
            .iter()
            .map(|d| ValidationError {
                path: d.path.as_deref().unwrap_or(""),
                msg: &d.message,
            })
            .collect(),
        findings: r.diagnostics.iter().map(finding).collect(),
    }
}

fn finding(d: &Diagnostic) -> Finding<'_> {
    let known = d.pos != Pos::UNKNOWN;
    Finding {
        code: d.code.as_str(),
        severity: d.severity,
        message: &d.message,
        file: &d.file,
        line: known.then_some(d.pos.line),
        column: known.then_some(d.pos.col),
        path: d.path.as_deref(),
        help: d.help.as_deref(),
        suppressed_by: d.suppressed_by.as_deref(),
    }
}
