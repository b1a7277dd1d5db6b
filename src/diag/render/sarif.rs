//! `--format sarif`: one SARIF 2.1.0 log (OASIS), the format GitHub code
//! scanning uploads (`github/codeql-action/upload-sarif`).
//!
//! One run; the tool's `rules` lists every code that occurs, in code order,
//! and each result points at it by `ruleId` and `ruleIndex`. Silenced findings
//! are kept with a `suppressions` entry, as SARIF intends. Columns are the
//! 1-based character columns rayc reports everywhere.

use serde_json::{Value, json};

use crate::diag::codes::CodeInfo;
use crate::diag::report::Report;
use crate::diag::{Diagnostic, Severity, codes};
use crate::load::node::Pos;

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

pub fn render(report: &Report) -> String {
    let mut text = serde_json::to_string_pretty(&log(report))
        .unwrap_or_else(|e| json!({ "internalError": e.to_string() }).to_string());
    text.push('\n');
    text
}

/// The SARIF log as a JSON value.
pub fn log(report: &Report) -> Value {
    let diags = report.all_diagnostics();
    let mut used: Vec<&str> = diags.iter().map(|d| d.code.as_str()).collect();
    used.sort_unstable();
    used.dedup();
    let rules: Vec<Value> = used.iter().map(|code| rule(code)).collect();
    let results: Vec<Value> = diags
        .iter()
        .map(|d| {
            let index = used.iter().position(|c| *c == d.code).unwrap_or(0);
            result(d, index)
        })
        .collect();
    json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "rayc",
                    "semanticVersion": env!("CARGO_PKG_VERSION"),
                    "rules": rules,
                }
            },
            "columnKind": "unicodeCodePoints",
            "results": results,
        }]
    })
}

/// A `reportingDescriptor`: the code, the rule's name and its summary.
fn rule(code: &str) -> Value {
    let (name, summary, level) = match codes::lookup(code) {
        Some(CodeInfo { rule: Some(r), .. }) => {
            (r.name().to_owned(), r.summary(), level(r.severity()))
        }
        Some(info) => (info.name.to_owned(), info.summary(), "error"),
        None => (code.to_owned(), String::new(), "error"),
    };
    let mut descriptor = json!({
        "id": code,
        "name": name,
        "defaultConfiguration": { "level": level },
        "help": { "text": format!("rayc rule {code}") },
    });
    if !summary.is_empty() {
        descriptor["shortDescription"] = json!({ "text": summary });
    }
    descriptor
}

fn result(d: &Diagnostic, rule_index: usize) -> Value {
    let mut message = d.message.clone();
    if let Some(help) = &d.help {
        message.push_str("\nhelp: ");
        message.push_str(help);
    }
    let mut result = json!({
        "ruleId": d.code,
        "ruleIndex": rule_index,
        "level": level(d.severity),
        "message": { "text": message },
    });
    if !d.file.is_empty() {
        let mut physical = json!({ "artifactLocation": { "uri": uri(&d.file) } });
        if d.pos != Pos::UNKNOWN {
            physical["region"] = json!({ "startLine": d.pos.line, "startColumn": d.pos.col });
        }
        let mut location = json!({ "physicalLocation": physical });
        if let Some(path) = &d.path {
            location["logicalLocations"] = json!([{ "fullyQualifiedName": path }]);
        }
        result["locations"] = json!([location]);
    }
    if let Some(by) = &d.suppressed_by {
        result["suppressions"] = json!([{ "kind": "external", "justification": by }]);
    }
    result
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

/// A relative URI reference for a file path: `/` separators, and every byte
/// outside RFC 3986's unreserved set and `/` percent-encoded.
pub fn uri(path: &str) -> String {
    let mut out = String::new();
    for byte in path.replace('\\', "/").bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~/".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_are_percent_encoded() {
        assert_eq!(uri("specs/a b.yaml"), "specs/a%20b.yaml");
        assert_eq!(uri("C:\\x\\é.yaml"), "C%3A/x/%C3%A9.yaml");
        assert_eq!(uri("ok-_.~/1.yml"), "ok-_.~/1.yml");
    }
}
