//! `--format github`: GitHub Actions workflow commands, so findings show up as
//! annotations on the pull request's diff, then the plain summary line.
//!
//! ```text
//! ::error file=cluster.yaml,line=7,col=7,title=RAY101::unknown field `replica`%0Ahelp: did you mean `replicas`?
//! ```
//!
//! Escaping follows GitHub's `@actions/core` (`escapeData`/`escapeProperty`).
//! Silenced findings are not annotated, only counted.

use super::summary_line;
use crate::diag::report::Report;
use crate::diag::{Diagnostic, Severity};
use crate::load::node::Pos;

pub fn render(report: &Report) -> String {
    let mut out = String::new();
    for diag in report.all_diagnostics() {
        if diag.suppressed_by.is_none() {
            out.push_str(&command(diag));
            out.push('\n');
        }
    }
    out.push_str(&summary_line(&report.summary()));
    out.push('\n');
    out
}

/// One `::error …::message` line (no newline).
pub fn command(diag: &Diagnostic) -> String {
    let name = match diag.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    let mut props: Vec<(&str, String)> = Vec::new();
    if !diag.file.is_empty() {
        props.push(("file", diag.file.clone()));
    }
    if diag.pos != Pos::UNKNOWN {
        props.push(("line", diag.pos.line.to_string()));
        props.push(("col", diag.pos.col.to_string()));
    }
    props.push(("title", diag.code.to_string()));
    let props: Vec<String> = props
        .iter()
        .map(|(key, value)| format!("{key}={}", escape_property(value)))
        .collect();
    let mut message = diag.message.clone();
    if let Some(help) = &diag.help {
        message.push_str("\nhelp: ");
        message.push_str(help);
    }
    format!("::{name} {}::{}", props.join(","), escape_data(&message))
}

/// Message text: `%`, CR and LF would end or corrupt the command.
pub fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Property values additionally must not contain the `:` and `,` separators.
pub fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(text: &str) -> crate::diag::codes::Code {
        crate::diag::codes::Code::parse(text).unwrap()
    }

    #[test]
    fn escapes_like_actions_core() {
        assert_eq!(
            escape_data("100% done\r\nnext: a,b"),
            "100%25 done%0D%0Anext: a,b"
        );
        assert_eq!(escape_property("C:\\a,b%\n"), "C%3A\\a%2Cb%25%0A");
        // `%` first, so escapes are not escaped twice.
        assert_eq!(escape_data("%0A"), "%250A");
    }

    #[test]
    fn leaves_out_unknown_location() {
        let diag = Diagnostic::error(code("RAY982"), "", Pos::UNKNOWN, "no objects");
        assert_eq!(command(&diag), "::error title=RAY982::no objects");
        let diag = Diagnostic::warning(code("RAY001"), "a,b:c.yaml", Pos::UNKNOWN, "unreadable");
        assert_eq!(
            command(&diag),
            "::warning file=a%2Cb%3Ac.yaml,title=RAY001::unreadable"
        );
    }
}
