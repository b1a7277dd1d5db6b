//! Flags shared by the commands that report findings: `--format`, `--color`,
//! `--quiet`, `--verbose` and `--strict`.

use crate::diag::render::Format;
use crate::diag::report::Report;
use crate::diag::{Diagnostic, Severity};

#[derive(Debug, Clone, clap::Args)]
pub struct OutputArgs {
    /// How to print findings: human, json, github, sarif, junit or tap.
    #[arg(long, default_value = "human", value_name = "FORMAT", value_parser = format_parser())]
    pub format: Format,
    /// Colour human output: auto (on a terminal, honouring NO_COLOR and CLICOLOR_FORCE), always or never.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,
    /// Print only errors: no warnings, notes, summary or progress lines (human and github formats).
    #[arg(short, long, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Also print notes, such as how to reach each RayJob's dashboard.
    #[arg(short, long)]
    pub verbose: bool,
    /// Fail (exit 1) on warnings too, not only on errors.
    #[arg(long)]
    pub strict: bool,
}

/// `--format` values as clap sees them, so `--help` and completions list them.
fn format_parser() -> impl clap::builder::TypedValueParser<Value = Format> {
    use clap::builder::TypedValueParser;
    let names = Format::ALL.map(Format::as_str);
    clap::builder::PossibleValuesParser::new(names).try_map(|s| s.parse::<Format>())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

impl ColorChoice {
    /// `always`/`never` win; `auto` follows the terminal and the environment.
    pub fn resolve(self, is_terminal: bool) -> bool {
        let var = |name: &str| std::env::var(name).ok();
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => crate::diag::render::color_wanted(
                is_terminal,
                var("NO_COLOR").as_deref(),
                var("CLICOLOR_FORCE").as_deref(),
                var("TERM").as_deref(),
            ),
        }
    }
}

impl OutputArgs {
    /// Whether `--quiet` trims this format (machine formats stay complete records).
    pub fn trims(&self) -> bool {
        self.quiet && matches!(self.format, Format::Human | Format::Github)
    }

    /// The report as printed: under `--quiet`, warnings and silenced findings dropped.
    pub fn shown(&self, report: &Report) -> Report {
        let mut shown = report.clone();
        if self.trims() {
            let keep = |d: &Diagnostic| d.severity == Severity::Error && d.suppressed_by.is_none();
            for r in &mut shown.resources {
                r.diagnostics.retain(keep);
            }
            shown.findings.retain(keep);
        }
        shown
    }

    /// Rendered text; under `--quiet` the summary line is left out.
    pub fn render(&self, report: &Report, sources: &crate::diag::Sources, color: bool) -> String {
        let text = crate::diag::render::render(self.format, &self.shown(report), sources, color);
        if !self.trims() {
            return text;
        }
        // The summary is the last line of both text formats; the blank line
        // that separates it from the findings goes with it.
        let body = text.strip_suffix('\n').unwrap_or(&text);
        let findings = body.rfind('\n').map_or("", |i| body[..i].trim_end());
        if findings.is_empty() {
            String::new()
        } else {
            format!("{findings}\n")
        }
    }

    /// Whether the run fails: an unsilenced error, or under `--strict` a warning.
    pub fn fails(&self, report: &Report) -> bool {
        report.has_blocking()
            || (self.strict
                && report
                    .all_diagnostics()
                    .iter()
                    .any(|d| d.severity == Severity::Warning && d.suppressed_by.is_none()))
    }
}
