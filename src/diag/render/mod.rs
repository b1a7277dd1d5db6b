//! Turns a [`Report`] into text in one of the `--format`s: `human` (source
//! snippets), `json` (a stable, kubeconform-like document), `github`
//! (GitHub Actions workflow commands), `sarif` (SARIF 2.1.0, for code
//! scanning), `junit` (JUnit XML) and `tap` (TAP 13). One file per format.
//!
//! Renderers only format: they never check, never read files (source text
//! comes in through [`Sources`]) and never decide on colour or exit codes;
//! the CLI does that.

use std::fmt;
use std::str::FromStr;

use super::Sources;
use super::report::{Report, Summary};

pub mod github;
pub mod human;
pub mod json;
pub mod junit;
pub mod sarif;
pub mod tap;

/// An output format, as named by `--format`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Format {
    #[default]
    Human,
    Json,
    Github,
    Sarif,
    Junit,
    Tap,
}

impl Format {
    /// Every format, in the order `--help` lists them.
    pub const ALL: [Format; 6] = [
        Format::Human,
        Format::Json,
        Format::Github,
        Format::Sarif,
        Format::Junit,
        Format::Tap,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Format::Human => "human",
            Format::Json => "json",
            Format::Github => "github",
            Format::Sarif => "sarif",
            Format::Junit => "junit",
            Format::Tap => "tap",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The `--format` value was not one of [`Format::ALL`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown output format `{given}` (expected one of: human, json, github, sarif, junit, tap)"
)]
pub struct UnknownFormat {
    pub given: String,
}

impl FromStr for Format {
    type Err = UnknownFormat;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Format::ALL
            .into_iter()
            .find(|f| f.as_str() == s)
            .ok_or_else(|| UnknownFormat {
                given: s.to_string(),
            })
    }
}

/// Renders `report` in `format`, ready to write to stdout as is (it ends
/// with a newline). `color` only affects `human`; the others never colour.
pub fn render(format: Format, report: &Report, sources: &Sources, color: bool) -> String {
    match format {
        Format::Human => human::render(report, sources, color),
        Format::Json => json::render(report),
        Format::Github => github::render(report),
        Format::Sarif => sarif::render(report),
        Format::Junit => junit::render(report),
        Format::Tap => tap::render(report),
    }
}

/// Whether `human` output should be coloured, from the terminal and the
/// environment (the CLI reads them and passes them in): `NO_COLOR` (non-empty)
/// turns colour off, then `CLICOLOR_FORCE` (non-empty, not `0`) turns it on;
/// otherwise colour only on a terminal that is not `TERM=dumb`.
pub fn color_wanted(
    stdout_is_terminal: bool,
    no_color: Option<&str>,
    clicolor_force: Option<&str>,
    term: Option<&str>,
) -> bool {
    if no_color.is_some_and(|v| !v.is_empty()) {
        return false;
    }
    if clicolor_force.is_some_and(|v| !v.is_empty() && v != "0") {
        return true;
    }
    stdout_is_terminal && term != Some("dumb")
}

/// The closing line of the text formats: `2 errors, 1 warning (1 suppressed); 3 resources: 1 valid, 2 invalid`.
pub fn summary_line(summary: &Summary) -> String {
    let mut line = format!(
        "{}, {}",
        plural(summary.error_count, "error", "errors"),
        plural(summary.warning_count, "warning", "warnings"),
    );
    if summary.suppressed_count > 0 {
        line.push_str(&format!(" ({} suppressed)", summary.suppressed_count));
    }
    line.push_str("; ");
    line.push_str(&plural(summary.resources(), "resource", "resources"));
    let by_status = [
        (summary.valid, "valid"),
        (summary.invalid, "invalid"),
        (summary.errors, "not checkable"),
        (summary.skipped, "skipped"),
        (summary.empty, "empty"),
    ];
    let parts: Vec<String> = by_status
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, what)| format!("{n} {what}"))
        .collect();
    if !parts.is_empty() {
        line.push_str(": ");
        line.push_str(&parts.join(", "));
    }
    line
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_names_round_trip() {
        for format in Format::ALL {
            assert_eq!(format.as_str().parse::<Format>(), Ok(format));
            assert_eq!(format.to_string(), format.as_str());
        }
        let err = "yaml".parse::<Format>().unwrap_err();
        assert_eq!(err.given, "yaml");
        assert!(
            err.to_string()
                .contains("human, json, github, sarif, junit, tap")
        );
        assert!("JSON".parse::<Format>().is_err());
    }

    #[test]
    fn colour_follows_no_color_then_clicolor_force_then_terminal() {
        assert!(color_wanted(true, None, None, Some("xterm-256color")));
        assert!(color_wanted(true, None, None, None));
        assert!(!color_wanted(false, None, None, None));
        assert!(!color_wanted(true, None, None, Some("dumb")));
        assert!(!color_wanted(true, Some("1"), None, None));
        assert!(color_wanted(true, Some(""), None, None));
        assert!(!color_wanted(true, Some("1"), Some("1"), None));
        assert!(color_wanted(false, None, Some("1"), Some("dumb")));
        assert!(!color_wanted(false, None, Some("0"), None));
        assert!(!color_wanted(false, None, Some(""), None));
    }

    #[test]
    fn summary_line_counts_and_pluralises() {
        let none = Summary::default();
        assert_eq!(summary_line(&none), "0 errors, 0 warnings; 0 resources");
        let some = Summary {
            valid: 1,
            invalid: 1,
            errors: 1,
            error_count: 1,
            warning_count: 2,
            suppressed_count: 3,
            ..Summary::default()
        };
        assert_eq!(
            summary_line(&some),
            "1 error, 2 warnings (3 suppressed); 3 resources: 1 valid, 1 invalid, 1 not checkable"
        );
    }
}
