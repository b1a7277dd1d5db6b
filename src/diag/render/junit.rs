//! `--format junit`: JUnit XML for CI test reports (GitLab, Jenkins, Azure).
//!
//! One `<testsuite>` per file, one `<testcase>` per resource in it (named
//! `Kind/name`), and one per finding that belongs to no resource. Unsilenced
//! errors are `<failure>`s; warnings go to the case's `<system-out>`;
//! unchecked resources are `<skipped/>`. No timestamps, so output is stable.

use std::collections::BTreeMap;

use crate::diag::report::{Report, Status};
use crate::diag::{Diagnostic, Severity};
use crate::load::node::Pos;

struct Case<'a> {
    name: String,
    skipped: bool,
    diags: Vec<&'a Diagnostic>,
}

impl Case<'_> {
    fn failures(&self) -> Vec<&Diagnostic> {
        self.diags
            .iter()
            .copied()
            .filter(|d| d.is_blocking())
            .collect()
    }
}

pub fn render(report: &Report) -> String {
    let mut suites: BTreeMap<&str, Vec<Case>> = BTreeMap::new();
    for r in &report.resources {
        let name = if r.kind.is_empty() && r.name.is_empty() {
            "file".to_owned()
        } else {
            format!("{}/{}", r.kind, r.name)
        };
        suites.entry(&r.filename).or_default().push(Case {
            name,
            skipped: matches!(r.status(), Status::Skipped | Status::Empty),
            diags: r.diagnostics.iter().collect(),
        });
    }
    for d in report.findings.iter().filter(|d| d.suppressed_by.is_none()) {
        let file = if d.file.is_empty() { "rayc" } else { &d.file };
        suites.entry(file).or_default().push(Case {
            name: d.code.to_string(),
            skipped: false,
            diags: vec![d],
        });
    }

    let count = |f: &dyn Fn(&Case) -> bool| suites.values().flatten().filter(|c| f(c)).count();
    let tests = count(&|_| true);
    let failures = count(&|c| !c.failures().is_empty());
    let skipped = count(&|c| c.skipped && c.failures().is_empty());
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str(&format!(
        "<testsuites name=\"rayc\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\" skipped=\"{skipped}\">\n"
    ));
    for (file, cases) in &suites {
        let failures = cases.iter().filter(|c| !c.failures().is_empty()).count();
        let skipped = cases
            .iter()
            .filter(|c| c.skipped && c.failures().is_empty())
            .count();
        out.push_str(&format!(
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failures}\" errors=\"0\" skipped=\"{skipped}\">\n",
            xml(file),
            cases.len()
        ));
        for case in cases {
            case_xml(&mut out, file, case);
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}

fn case_xml(out: &mut String, file: &str, case: &Case) {
    out.push_str(&format!(
        "    <testcase classname=\"{}\" name=\"{}\"",
        xml(file),
        xml(&case.name)
    ));
    let failures = case.failures();
    let warnings: Vec<&Diagnostic> = case
        .diags
        .iter()
        .copied()
        .filter(|d| d.severity == Severity::Warning && d.suppressed_by.is_none())
        .collect();
    if failures.is_empty() && warnings.is_empty() && !case.skipped {
        out.push_str("/>\n");
        return;
    }
    out.push_str(">\n");
    for d in &failures {
        out.push_str(&format!(
            "      <failure type=\"{}\" message=\"{}\">{}</failure>\n",
            d.code,
            xml(&d.message),
            xml(&text(d))
        ));
    }
    if case.skipped && failures.is_empty() {
        out.push_str("      <skipped/>\n");
    }
    if !warnings.is_empty() {
        let lines: Vec<String> = warnings.iter().map(|d| text(d)).collect();
        out.push_str(&format!(
            "      <system-out>{}</system-out>\n",
            xml(&lines.join("\n"))
        ));
    }
    out.push_str("    </testcase>\n");
}

/// `file:line:col: severity[CODE]: message` plus the help, as in human output.
fn text(d: &Diagnostic) -> String {
    let place = if d.pos == Pos::UNKNOWN {
        format!("{}: ", d.file)
    } else {
        format!("{}:{}:{}: ", d.file, d.pos.line, d.pos.col)
    };
    let mut line = format!("{place}{}[{}]: {}", d.severity.as_str(), d.code, d.message);
    if let Some(help) = &d.help {
        line.push_str("\nhelp: ");
        line.push_str(help);
    }
    line
}

/// Escapes text for XML attributes and content; drops the control
/// characters XML 1.0 cannot carry at all.
pub fn xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' => out.push_str("&#10;"),
            '\t' | '\r' => out.push_str(&format!("&#{};", c as u32)),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_control_characters() {
        assert_eq!(xml("a<b>&\"c'"), "a&lt;b&gt;&amp;&quot;c&apos;");
        assert_eq!(xml("x\ny\u{1}"), "x&#10;y\u{FFFD}");
    }
}
