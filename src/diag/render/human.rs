//! `--format human`: one block per unsilenced finding, then a summary line.
//!
//! ```text
//! cluster.yaml:7:7: error[RAY101]: unknown field `replica`
//!   |
//! 7 |       replica: 2
//!   |       ^^^^^^^ spec.workerGroupSpecs[0].replica
//!   |
//!   = help: did you mean `replicas`?
//! ```
//!
//! The snippet is drawn by `annotate-snippets`; when the file's text is not in
//! [`Sources`] or the position is unknown, only the first line and the help
//! are printed. Silenced findings are only counted. Colour is decided by the
//! caller.

use annotate_snippets::renderer::{AnsiColor, Effects, Style};
use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};

use super::summary_line;
use crate::diag::report::Report;
use crate::diag::{Diagnostic, Severity, Sources};
use crate::load::node::Pos;

// The same palette annotate-snippets uses for the snippet, so header and body match.
const BOLD: Style = Style::new().effects(Effects::BOLD);
const ERROR: Style = AnsiColor::BrightRed.on_default().effects(Effects::BOLD);
const WARNING: Style = AnsiColor::Yellow.on_default().effects(Effects::BOLD);
const MARGIN: Style = AnsiColor::BrightBlue.on_default().effects(Effects::BOLD);

pub fn render(report: &Report, sources: &Sources, color: bool) -> String {
    let mut out = String::new();
    for diag in report.all_diagnostics() {
        if diag.suppressed_by.is_some() {
            continue;
        }
        out.push_str(&render_one(diag, sources, color));
        out.push('\n');
    }
    let summary = summary_line(&report.summary());
    out.push_str(&paint(&summary, BOLD, color));
    out.push('\n');
    out
}

/// One finding: header line, then the snippet (or just the help), no blank line after.
pub fn render_one(diag: &Diagnostic, sources: &Sources, color: bool) -> String {
    let mut out = header(diag, color);
    out.push('\n');
    match quoted_line(diag, sources) {
        Some(quote) => {
            out.push_str(&snippet(diag, &quote, color));
            out.push('\n');
        }
        None => {
            if let Some(help) = &diag.help {
                let (margin, label) = (paint("= ", MARGIN, color), paint("help", BOLD, color));
                out.push_str(&format!("  {margin}{label}: {}\n", safe(help)));
            }
        }
    }
    out
}

/// `file:line:col: error[CODE]: message`, leaving out what is unknown.
fn header(diag: &Diagnostic, color: bool) -> String {
    let mut location = safe(&diag.file);
    if !location.is_empty() && diag.pos != Pos::UNKNOWN {
        location.push_str(&format!(":{}:{}", diag.pos.line, diag.pos.col));
    }
    let (name, style) = match diag.severity {
        Severity::Error => ("error", ERROR),
        Severity::Warning => ("warning", WARNING),
    };
    let level = paint(&format!("{name}[{}]", diag.code), style, color);
    let message = paint(&safe(&diag.message), BOLD, color);
    if location.is_empty() {
        format!("{level}: {message}")
    } else {
        format!("{}: {level}: {message}", paint(&location, BOLD, color))
    }
}

/// The source line a finding points at, and the byte range to underline.
struct Quote<'a> {
    text: &'a str,
    line: usize,
    span: std::ops::Range<usize>,
}

fn quoted_line<'a>(diag: &Diagnostic, sources: &'a Sources) -> Option<Quote<'a>> {
    if diag.pos.line == 0 || diag.pos.col == 0 {
        return None;
    }
    let source = sources.get(&diag.file)?;
    let line_no = usize::try_from(diag.pos.line).ok()?;
    let text = source.split('\n').nth(line_no - 1)?;
    let text = text.strip_suffix('\r').unwrap_or(text);
    // Columns count characters; a column past the end points just after the text.
    let col = usize::try_from(diag.pos.col).ok()? - 1;
    let start = text.char_indices().nth(col).map_or(text.len(), |(i, _)| i);
    let len = token_len(text, start);
    Some(Quote {
        text,
        line: line_no,
        span: start..start + len,
    })
}

/// How many bytes of the YAML token starting at `start` to underline: a key
/// up to its colon, a quoted scalar with its quotes, a plain scalar up to a
/// comment. Always at least one character when there is one.
fn token_len(line: &str, start: usize) -> usize {
    let rest = &line[start..];
    let mut chars = rest.char_indices().peekable();
    let Some((_, first)) = chars.next() else {
        return 0;
    };
    if first == '"' || first == '\'' {
        let close = rest[1..].find(first).map_or(rest.len(), |i| i + 2);
        return close;
    }
    let in_flow = line[..start].contains(['[', '{']);
    let mut end = first.len_utf8();
    while let Some((i, c)) = chars.next() {
        let next = chars.peek().map(|&(_, n)| n);
        let key_colon = c == ':' && next.is_none_or(char::is_whitespace);
        let comment = c.is_whitespace() && next == Some('#');
        let flow_end = in_flow && matches!(c, ',' | ']' | '}');
        if key_colon || comment || flow_end {
            break;
        }
        end = i + c.len_utf8();
    }
    rest[..end].trim_end().len().max(first.len_utf8())
}

fn snippet(diag: &Diagnostic, quote: &Quote<'_>, color: bool) -> String {
    let level = match diag.severity {
        Severity::Error => Level::ERROR,
        Severity::Warning => Level::WARNING,
    };
    let mut annotation = AnnotationKind::Primary.span(quote.span.clone());
    if let Some(path) = &diag.path {
        annotation = annotation.label(path.as_str());
    }
    let mut group = Group::with_level(level.clone()).element(
        Snippet::source(quote.text)
            .line_start(quote.line)
            .annotation(annotation),
    );
    if let Some(help) = &diag.help {
        group = group.element(Level::HELP.message(help.as_str()));
    }
    let renderer = if color {
        // No terminal hyperlinks: output must not depend on the machine.
        Renderer::styled().hyperlink(false)
    } else {
        Renderer::plain()
    };
    renderer.render(&[group])
}

/// Text from user input (file names, keys quoted in messages) printed on
/// one line with control characters made visible, so it can neither break
/// `file:line:` parsers nor send escape sequences to the terminal.
/// (annotate-snippets does the same for what it draws.)
fn safe(text: &str) -> String {
    annotate_snippets::normalize_untrusted_str(&text.replace(['\r', '\n'], " "))
}

fn paint(text: &str, style: Style, color: bool) -> String {
    if color {
        format!("{style}{text}{style:#}")
    } else {
        text.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::codes;

    fn at(line: u32, col: u32) -> Pos {
        Pos { line, col }
    }

    fn sources() -> Sources {
        let mut sources = Sources::default();
        sources.add("a.yaml", "kind: RayJob\r\nspec:\r\n  entrypoint: x\r\n");
        sources
    }

    #[test]
    fn falls_back_to_one_line_when_there_is_nothing_to_quote() {
        let one_line = |file: &str, pos: Pos| {
            let diag = Diagnostic::error(codes::UNKNOWN_FIELD, file, pos, "m").with_help("h");
            render_one(&diag, &sources(), false)
        };
        let expected = |loc: &str| format!("{loc}: error[RAY101]: m\n  = help: h\n");
        assert_eq!(one_line("a.yaml", Pos::UNKNOWN), expected("a.yaml"));
        assert_eq!(one_line("a.yaml", at(3, 0)), expected("a.yaml:3:0"));
        assert_eq!(one_line("a.yaml", at(99, 1)), expected("a.yaml:99:1"));
        assert_eq!(one_line("other.yaml", at(1, 1)), expected("other.yaml:1:1"));
    }

    #[test]
    fn quotes_crlf_files_without_the_cr() {
        let diag = Diagnostic::error(codes::UNKNOWN_FIELD, "a.yaml", at(3, 3), "m");
        let out = render_one(&diag, &sources(), false);
        assert!(out.contains("3 |   entrypoint: x\n"), "{out}");
        assert!(out.contains("  |   ^^^^^^^^^^\n"), "{out}");
        // A column past the end of the line still renders.
        let diag = Diagnostic::error(codes::UNKNOWN_FIELD, "a.yaml", at(1, 40), "m");
        assert!(render_one(&diag, &sources(), false).contains("1 | kind: RayJob"));
    }

    #[test]
    fn user_text_cannot_break_lines_or_send_escapes() {
        let diag = Diagnostic::error(
            codes::UNKNOWN_FIELD,
            "a\x1b[31m.yaml",
            Pos::UNKNOWN,
            "bad\nkey \x1b]0;x\x07",
        )
        .with_help("h\r\ni");
        let out = render_one(&diag, &Sources::default(), false);
        assert!(!out.contains('\x1b') && !out.contains('\x07'), "{out:?}");
        assert_eq!(out.lines().count(), 2, "{out:?}");
    }

    fn underlined(line: &str, col: usize) -> &str {
        let start = line
            .char_indices()
            .nth(col - 1)
            .map_or(line.len(), |(i, _)| i);
        &line[start..start + token_len(line, start)]
    }

    #[test]
    fn underlines_the_yaml_token() {
        assert_eq!(underlined("    replica: 2", 5), "replica");
        assert_eq!(underlined("    replica: 2", 14), "2");
        assert_eq!(
            underlined("  image: rayproject/ray:2.9.0  # pinned", 10),
            "rayproject/ray:2.9.0"
        );
        assert_eq!(underlined("  name: \"a: b\" # c", 9), "\"a: b\"");
        assert_eq!(underlined("  name: 'unterminated", 9), "'unterminated");
        assert_eq!(underlined("  args: [a, bb, c]", 13), "bb");
        assert_eq!(underlined("  cmd: echo a, b", 8), "echo a, b");
        assert_eq!(underlined("  ключ: значение", 3), "ключ");
        assert_eq!(underlined("  ключ: значение", 9), "значение");
        assert_eq!(underlined("key:", 4), ":");
        assert_eq!(underlined("key:", 9), "");
    }
}
