//! A small YAML writer over `serde_json::Value`, built for diffs and for
//! every YAML reader Kubernetes tooling uses (YAML 1.1 and 1.2 alike).
//!
//! - 2-space block style; list items sit at their key's indentation
//!   (`kubectl` style), `---` between documents, LF, final newline.
//! - Keys are written in the order the map holds them, or in canonical order
//!   (`order`) by [`to_canonical_yaml_document`], without reordering a copy.
//! - Multi-line strings become `|` literals, with `|-`/`|`/`|+` chosen so the
//!   string round-trips exactly, and an indentation indicator when the first
//!   line starts with a space.
//! - A string is written plain only when no reader could take it for
//!   anything else; otherwise it is double-quoted (see [`needs_quotes`]).
//! - Integers and booleans stay plain; floats always carry a `.`.
//!
//! Why not serde-saphyr's serializer: see docs/adr/0002-yaml-emitter.md.
//! Pure function; no IO.

use std::fmt::Write as _;

use serde_json::{Map, Number, Value};

use super::EmitError;
use super::order::{Place, ordered_entries};

const INDENT: usize = 2;
/// YAML limits an implicit key to 1024 characters including its quotes and
/// the `:`; longer keys would need `? ` syntax, which no Kubernetes key needs.
const MAX_KEY_CHARS: usize = 1023;

/// Writes `objects` as one YAML stream (`---` between documents).
pub fn to_yaml_documents(objects: &[Value]) -> Result<String, EmitError> {
    let mut out = String::with_capacity(objects.len() * 1024);
    for (i, object) in objects.iter().enumerate() {
        if i > 0 {
            out.push_str("---\n");
        }
        write_document(&mut out, object, None)?;
    }
    Ok(out)
}

/// Writes one document (no `---`).
pub fn to_yaml_document(object: &Value) -> Result<String, EmitError> {
    let mut out = String::with_capacity(1024);
    write_document(&mut out, object, None)?;
    Ok(out)
}

/// Writes one document the way a person writes a spec: a small mapping or
/// list below the top level goes on one line in flow style (`{cpu: 1,
/// memory: 4Gi}`, `[a, b]`) when that line fits in `width` columns.
pub fn to_yaml_document_compact(object: &Value, width: usize) -> Result<String, EmitError> {
    let mut out = String::with_capacity(1024);
    match object {
        Value::Object(map) if !map.is_empty() => write_map(&mut out, map, 0, false, width, None)?,
        other => write_document(&mut out, other, None)?,
    }
    Ok(out)
}

/// Writes one document with every mapping in canonical key order
/// ([`super::order`]), as [`to_yaml_document`] of a [`super::canonical_order`]ed
/// copy would, without the copy.
pub fn to_canonical_yaml_document(object: &Value) -> Result<String, EmitError> {
    let mut out = String::with_capacity(1024);
    write_document(&mut out, object, Some(Place::Root))?;
    Ok(out)
}

/// A generated file's contents: the line `prefix`, then the object as
/// [`to_canonical_yaml_document`] writes it, in one allocation.
pub fn to_canonical_yaml_file(prefix: &str, object: &Value) -> Result<String, EmitError> {
    let mut out = String::with_capacity(2048);
    out.push_str(prefix);
    out.push('\n');
    write_document(&mut out, object, Some(Place::Root))?;
    Ok(out)
}

/// `place`: `None` writes maps as they are, else in canonical order for it.
fn write_document(out: &mut String, value: &Value, place: Option<Place>) -> Result<(), EmitError> {
    match value {
        Value::Object(map) if !map.is_empty() => write_map(out, map, 0, false, 0, place),
        Value::Array(items) if !items.is_empty() => write_seq(out, items, 0, false, 0, place),
        // A bare scalar document: never a block literal (it has no parent indentation).
        Value::String(s) => {
            write_flow_string(out, s);
            out.push('\n');
            Ok(())
        }
        other => {
            write_inline(out, other);
            out.push('\n');
            Ok(())
        }
    }
}

/// Writes the entries of a non-empty map at `indent`. With `inline_first`,
/// the first entry continues the current line (after `- `). `flow_width`
/// (0: never) is the width of a line [`flow`] may fill, below the top level.
fn write_map(
    out: &mut String,
    map: &Map<String, Value>,
    indent: usize,
    inline_first: bool,
    flow_width: usize,
    place: Option<Place>,
) -> Result<(), EmitError> {
    let nested_width = flow_width;
    let flow_width = if indent == 0 && !inline_first {
        0
    } else {
        flow_width
    };
    let entries: Vec<(&String, &Value)> = match place {
        Some(place) => ordered_entries(map, place),
        None => map.iter().collect(),
    };
    for (i, (key, value)) in entries.into_iter().enumerate() {
        if i > 0 || !inline_first {
            push_indent(out, indent);
        }
        write_key(out, key)?;
        out.push(':');
        let column = column(out) + 1;
        if let Some(line) = flow(value, flow_width.saturating_sub(column)) {
            out.push(' ');
            out.push_str(&line);
            out.push('\n');
            continue;
        }
        match value {
            Value::Object(child) if !child.is_empty() => {
                out.push('\n');
                let place = place.map(|_| Place::under(key));
                write_map(out, child, indent + INDENT, false, nested_width, place)?;
            }
            Value::Array(items) if !items.is_empty() => {
                out.push('\n');
                write_seq(out, items, indent, false, nested_width, place)?;
            }
            Value::String(s) if block_literal_ok(s) => {
                out.push(' ');
                write_block_literal(out, s, indent + INDENT);
            }
            other => {
                out.push(' ');
                write_inline(out, other);
                out.push('\n');
            }
        }
    }
    Ok(())
}

/// Writes the items of a non-empty list, each `- ` at `indent`.
fn write_seq(
    out: &mut String,
    items: &[Value],
    indent: usize,
    inline_first: bool,
    flow_width: usize,
    place: Option<Place>,
) -> Result<(), EmitError> {
    let item_place = place.map(|_| Place::ListItem);
    for (i, item) in items.iter().enumerate() {
        if i > 0 || !inline_first {
            push_indent(out, indent);
        }
        out.push_str("- ");
        let column = column(out);
        if let Some(line) = flow(item, flow_width.saturating_sub(column)) {
            out.push_str(&line);
            out.push('\n');
            continue;
        }
        match item {
            Value::Object(child) if !child.is_empty() => {
                write_map(out, child, indent + INDENT, true, flow_width, item_place)?;
            }
            Value::Array(inner) if !inner.is_empty() => {
                write_seq(out, inner, indent + INDENT, true, flow_width, item_place)?;
            }
            Value::String(s) if block_literal_ok(s) => {
                write_block_literal(out, s, indent + INDENT);
            }
            other => {
                write_inline(out, other);
                out.push('\n');
            }
        }
    }
    Ok(())
}

/// Characters on the last line of `out`.
fn column(out: &str) -> usize {
    out.rsplit('\n')
        .next()
        .map_or(0, |line| line.chars().count())
}

/// A non-empty collection in flow style, if it nests at most
/// [`FLOW_DEPTH`] collections deep (`[{key: a, values: [b]}]` is three),
/// holds no multi-line string and fits in `room` characters.
fn flow(value: &Value, room: usize) -> Option<String> {
    fn depth(v: &Value) -> Option<usize> {
        match v {
            Value::Object(m) if !m.is_empty() => m
                .values()
                .map(depth)
                .try_fold(0, |d, c| Some(d.max(c?)))
                .map(|d| d + 1),
            Value::Array(a) if !a.is_empty() => a
                .iter()
                .map(depth)
                .try_fold(0, |d, c| Some(d.max(c?)))
                .map(|d| d + 1),
            Value::String(s) if s.contains('\n') => None,
            _ => Some(0),
        }
    }
    if room == 0 || !depth(value).is_some_and(|d| (1..=FLOW_DEPTH).contains(&d)) {
        return None;
    }
    let mut out = String::new();
    write_flow(&mut out, value);
    (out.chars().count() <= room).then_some(out)
}

/// How deep a flow collection may nest.
const FLOW_DEPTH: usize = 3;

fn write_flow(out: &mut String, value: &Value) {
    match value {
        Value::Object(map) if !map.is_empty() => {
            out.push('{');
            for (i, (key, child)) in map.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_flow_scalar(out, key);
                out.push_str(": ");
                write_flow(out, child);
            }
            out.push('}');
        }
        Value::Array(items) if !items.is_empty() => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_flow(out, item);
            }
            out.push(']');
        }
        Value::String(s) => write_flow_scalar(out, s),
        other => write_inline(out, other),
    }
}

/// A string inside a flow collection, where `,[]{}` end a plain scalar.
fn write_flow_scalar(out: &mut String, s: &str) {
    if needs_quotes(s) || s.contains([',', '[', ']', '{', '}']) {
        write_double_quoted(out, s);
    } else {
        out.push_str(s);
    }
}

fn push_indent(out: &mut String, indent: usize) {
    out.extend(std::iter::repeat_n(' ', indent));
}

fn write_key(out: &mut String, key: &str) -> Result<(), EmitError> {
    let start = out.len();
    write_flow_string(out, key);
    if out[start..].chars().count() > MAX_KEY_CHARS {
        let shown: String = key.chars().take(40).collect();
        return Err(EmitError::Yaml(format!(
            "mapping key `{shown}…` is longer than YAML allows for a key ({MAX_KEY_CHARS} characters)"
        )));
    }
    Ok(())
}

/// Scalars and empty collections, on the current line.
fn write_inline(out: &mut String, value: &Value) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(true) => out.push_str("true"),
        Value::Bool(false) => out.push_str("false"),
        Value::Number(n) => write_number(out, n),
        Value::String(s) => write_flow_string(out, s),
        Value::Array(_) => out.push_str("[]"),
        Value::Object(_) => out.push_str("{}"),
    }
}

/// Integers as they are; floats with a `.` and a signed exponent when they
/// need one (`1.0e+20`), the spelling YAML 1.1 requires and 1.2 accepts.
fn write_number(out: &mut String, n: &Number) {
    if n.is_i64() || n.is_u64() {
        let _ = write!(out, "{n}");
        return;
    }
    let f = n.as_f64().unwrap_or(0.0);
    let abs = f.abs();
    if abs == 0.0 || (1e-4..1e16).contains(&abs) {
        let text = format!("{f}");
        out.push_str(&text);
        if !text.contains('.') {
            out.push_str(".0");
        }
    } else {
        let text = format!("{f:e}");
        let (mantissa, exponent) = text.split_once('e').unwrap_or((&text, "0"));
        out.push_str(mantissa);
        if !mantissa.contains('.') {
            out.push_str(".0");
        }
        out.push('e');
        if !exponent.starts_with('-') {
            out.push('+');
        }
        out.push_str(exponent);
    }
}

/// `s` as a one-line YAML scalar: plain when safe, else double-quoted.
pub(crate) fn scalar(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    write_flow_string(&mut out, s);
    out
}

/// A string on one line: plain when safe, else double-quoted.
fn write_flow_string(out: &mut String, s: &str) {
    if needs_quotes(s) {
        write_double_quoted(out, s);
    } else {
        out.push_str(s);
    }
}

fn write_double_quoted(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\0' => out.push_str("\\0"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\u{b}' => out.push_str("\\v"),
            '\u{c}' => out.push_str("\\f"),
            '\r' => out.push_str("\\r"),
            '\u{1b}' => out.push_str("\\e"),
            '\u{85}' => out.push_str("\\N"),
            '\u{2028}' => out.push_str("\\L"),
            '\u{2029}' => out.push_str("\\P"),
            c if (c as u32) < 0x100 && !is_printable(c) => {
                let _ = write!(out, "\\x{:02X}", c as u32);
            }
            c if !is_printable(c) => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// YAML's printable set, minus what readers commonly mishandle (BOM, line
/// and paragraph separators, NEL); tab is handled by the callers.
fn is_printable(c: char) -> bool {
    matches!(c as u32,
        0x20..=0x7E | 0xA0..=0x2027 | 0x202A..=0xD7FF | 0xE000..=0xFEFE | 0xFF00..=0xFFFD | 0x10000..=0x10FFFF)
}

/// Whether `s` must be quoted to be read back as this exact string by YAML
/// 1.1 readers (Go's yaml.v2 as used by kubectl, PyYAML) and 1.2 readers.
/// Deliberately broad: quoting a harmless string costs two characters,
/// missing a dangerous one turns `on` into `true`.
pub fn needs_quotes(s: &str) -> bool {
    let Some(first) = s.chars().next() else {
        return true;
    };
    let last = s.chars().next_back().unwrap_or(first);
    if first == ' ' || last == ' ' {
        return true;
    }
    // Only printable characters and no tabs in a plain scalar.
    if s.chars().any(|c| !is_printable(c)) {
        return true;
    }
    // Indicators that start something else: `- x`, `? x`, `: x`, `#`, `&a`,
    // `*a`, `!tag`, `|`, `>`, quotes, `%`, `@`, backtick, flow brackets.
    match first {
        '-' => {
            let second = s[1..].chars().next();
            if second.is_none() || second == Some(' ') || s.starts_with("---") {
                return true;
            }
        }
        '?' | ':' | ',' | '[' | ']' | '{' | '}' | '#' | '&' | '*' | '!' | '|' | '>' | '\''
        | '"' | '%' | '@' | '`' => return true,
        _ => {}
    }
    if s.starts_with("...") {
        return true;
    }
    // `key: value` and `value # comment` inside; a trailing `:` reads as a key.
    if s.contains(": ") || s.contains(" #") || s.ends_with(':') {
        return true;
    }
    is_reserved_word(s) || looks_numeric(s)
}

/// Null, boolean and special-float spellings of YAML 1.1 and 1.2 (any case).
fn is_reserved_word(s: &str) -> bool {
    const WORDS: [&str; 12] = [
        "null", "~", "true", "false", "yes", "no", "on", "off", "y", "n", "<<", "=",
    ];
    if WORDS.iter().any(|w| s.eq_ignore_ascii_case(w)) {
        return true;
    }
    let unsigned = s.strip_prefix(['+', '-']).unwrap_or(s);
    let bare = unsigned.strip_prefix('.').unwrap_or(unsigned);
    bare.eq_ignore_ascii_case("inf") || bare.eq_ignore_ascii_case("nan")
}

/// Anything a reader might try as a number, timestamp or base-60 value:
/// after an optional sign and ignoring `_`, it starts with a digit or with
/// `.` and a digit (`0123`, `1e3`, `.5`, `0x1F`, `1_000`, `2001-12-14`,
/// `1:30`, also the harmless `2.9.3`).
fn looks_numeric(s: &str) -> bool {
    let unsigned = s.strip_prefix(['+', '-']).unwrap_or(s);
    let mut chars = unsigned.chars().filter(|&c| c != '_');
    match chars.next() {
        Some(c) if c.is_ascii_digit() => true,
        Some('.') => chars.next().is_some_and(|c| c.is_ascii_digit()),
        _ => false,
    }
}

/// Whether `s` can be a `|` block literal that reads back identically.
fn block_literal_ok(s: &str) -> bool {
    if !s.contains('\n') {
        return false;
    }
    // Block content allows tabs and printable characters only; `\r` would be
    // read as a line break.
    if s.chars()
        .any(|c| c != '\n' && c != '\t' && !is_printable(c))
    {
        return false;
    }
    // A line of only blanks is ambiguous with indentation; an all-blank
    // string has no content line to set the indentation from.
    let mut first_content = None;
    for line in s.split('\n') {
        if line.is_empty() {
            continue;
        }
        if line.chars().all(|c| c == ' ' || c == '\t') {
            return false;
        }
        first_content.get_or_insert(line);
    }
    // A tab at the start of the first line is valid YAML, but Go's yaml
    // rejects it while detecting the indentation, and kustomize (Flux, Argo
    // CD) re-emits such a literal without an indentation indicator even when
    // given one; quoting is the form every reader gets right.
    first_content.is_some_and(|line| !line.starts_with('\t'))
}

/// Writes `|`, `|-` or `|+` (plus an indentation indicator when needed) and
/// the lines at `indent`.
fn write_block_literal(out: &mut String, s: &str, indent: usize) {
    let trailing_newlines = s.len() - s.trim_end_matches('\n').len();
    let chomp = match trailing_newlines {
        0 => "-",
        1 => "",
        _ => "+",
    };
    let body = s.strip_suffix('\n').unwrap_or(s);
    // The reader takes the indentation from the first non-empty line; if that
    // line starts with a space, say the indentation explicitly.
    let first_content = body.split('\n').find(|l| !l.is_empty()).unwrap_or("");
    out.push('|');
    if first_content.starts_with(' ') {
        let _ = write!(out, "{INDENT}");
    }
    out.push_str(chomp);
    out.push('\n');
    for line in body.split('\n') {
        if !line.is_empty() {
            push_indent(out, indent);
            out.push_str(line);
        }
        out.push('\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn compact_style_reads_back_the_same_and_keeps_the_top_level_in_block_style() {
        let value = json!({
            "metadata": {"name": "a"},
            "spec": {
                "cpu": {"request": 1, "limit": "2"},
                "args": ["a, b", "[x]", "{y}", "k: v", "#c", "on", "", "1.0", "http://h:1/p"],
                "tolerations": [{"key": "a,b", "operator": "Exists"}],
                "deep": {"a": {"b": {"c": {"d": 1}}}},
                "script": "line 1\nline 2\n",
                "empty": {"list": [], "map": {}},
                "long": ["x".repeat(90)],
            }
        });
        let text = to_yaml_document_compact(&value, 80).unwrap();
        let docs = crate::load::parse_documents("t.yaml", &text, crate::load::Limits::USER)
            .unwrap_or_else(|e| panic!("{e:?}\n{text}"));
        assert_eq!(docs[0].node.to_json(), value, "{text}");
        assert!(text.starts_with("metadata:\n  name: a\nspec:\n"), "{text}");
        assert!(
            text.contains("  cpu: {request: 1, limit: \"2\"}\n"),
            "{text}"
        );
        // Four levels deep, a multi-line string, a line over 80: block style.
        assert!(
            text.contains("  deep:\n    a: {b: {c: {d: 1}}}\n"),
            "{text}"
        );
        assert!(text.contains("  script: |\n"), "{text}");
        assert!(text.contains("  long:\n  - xxx"), "{text}");
        assert!(
            text.lines()
                .filter(|l| !l.contains("xxx"))
                .all(|l| l.chars().count() <= 80),
            "{text}"
        );
    }

    #[test]
    fn quoting_decisions() {
        for s in [
            "",
            "on",
            "On",
            "ON",
            "off",
            "yes",
            "Yes",
            "no",
            "NO",
            "y",
            "Y",
            "n",
            "N",
            "true",
            "False",
            "null",
            "Null",
            "~",
            "0123",
            "1e3",
            "1E3",
            ".5",
            "-.5",
            "+1",
            "-1",
            "0x1F",
            "0o17",
            "0b101",
            "1_000",
            "_1",
            "1:30",
            "2001-12-14",
            "2001-12-14 21:59:43.10 -5",
            "2.9.3",
            "12",
            "1.0",
            ".inf",
            "-.Inf",
            ".NaN",
            "nan",
            "<<",
            "=",
            " lead",
            "trail ",
            "a: b",
            "a:",
            "#x",
            "a #b",
            "- x",
            "-",
            "---",
            "--- x",
            "...",
            "? x",
            "?x",
            ": x",
            "&a",
            "*a",
            "!tag",
            "|",
            ">",
            "'q'",
            "\"q\"",
            "%x",
            "@x",
            "`x`",
            "[a]",
            "{a}",
            ",a",
            "tab\there",
            "line\nbreak",
            "cr\r",
            "bom\u{feff}",
            "nel\u{85}",
            "ls\u{2028}",
            "\u{7f}",
            "500m",
            "1Gi",
        ] {
            assert!(needs_quotes(s), "{s:?} must be quoted");
        }
        for s in [
            "ray",
            "rayproject/ray:2.9.3",
            "--address",
            "-Xmx4g",
            "a:b",
            "http://x:8265/a",
            "a#b",
            "a,b",
            "a[0]",
            "ünïcödé",
            "日本語",
            "app.kubernetes.io/name",
            "ray-head",
            "it's",
            "say \"hi\"",
            "K8sJobMode",
            "Memory",
            "x-y",
            "nvidia.com/gpu",
            "/bin/sh",
            "~user",
            "yes-please",
            "onx",
            "null0",
            "e3",
            "Ki",
            "-x:y",
        ] {
            assert!(!needs_quotes(s), "{s:?} can stay plain");
        }
    }

    #[test]
    fn floats_carry_a_dot_and_signed_exponent() {
        let text = to_yaml_document(&json!({
            "a": 0.5, "b": 1.0, "c": -2.25, "d": 1e20, "e": 1.5e-7, "f": 0.0, "g": 12345.678, "h": -1e300
        }))
        .unwrap();
        assert_eq!(
            text,
            "a: 0.5\nb: 1.0\nc: -2.25\nd: 1.0e+20\ne: 1.5e-7\nf: 0.0\ng: 12345.678\nh: -1.0e+300\n"
        );
    }

    #[test]
    fn block_literal_chomping() {
        let cases = [
            ("a\nb", "k: |-\n  a\n  b\n"),
            ("a\nb\n", "k: |\n  a\n  b\n"),
            ("a\nb\n\n", "k: |+\n  a\n  b\n\n"),
            ("a\n\nb\n", "k: |\n  a\n\n  b\n"),
            ("  a\nb\n", "k: |2\n    a\n  b\n"),
            ("\n  a\n", "k: |2\n\n    a\n"),
            ("\nx", "k: |-\n\n  x\n"),
            ("a  \n\tb\n", "k: |\n  a  \n  \tb\n"),
        ];
        for (value, want) in cases {
            let got = to_yaml_document(&json!({ "k": value })).unwrap();
            assert_eq!(got, want, "for {value:?}");
        }
        // Not representable as a block literal: quoted instead.
        for value in [
            "\n", "a\r\nb", "a\n  \nb", "a\n\t", "\n\n", "\tb\nc", "\n\tb\n",
        ] {
            let got = to_yaml_document(&json!({ "k": value })).unwrap();
            assert!(got.starts_with("k: \""), "{value:?} gave {got:?}");
        }
    }

    #[test]
    fn empty_collections_and_nesting() {
        let text = to_yaml_document(&json!({
            "a": {}, "b": [], "c": null, "d": [[1, 2], [], {}, {"x": [3]}], "e": {"f": {"g": true}}
        }))
        .unwrap();
        assert_eq!(
            text,
            "a: {}\nb: []\nc: null\nd:\n- - 1\n  - 2\n- []\n- {}\n- x:\n  - 3\ne:\n  f:\n    g: true\n"
        );
    }

    #[test]
    fn documents_are_separated() {
        let text =
            to_yaml_documents(&[json!({"a": 1}), json!({}), json!("on"), json!([1])]).unwrap();
        assert_eq!(text, "a: 1\n---\n{}\n---\n\"on\"\n---\n- 1\n");
        assert_eq!(to_yaml_documents(&[]).unwrap(), "");
    }

    #[test]
    fn overlong_keys_are_an_error() {
        let mut map = Map::new();
        map.insert("k".repeat(2000), json!(1));
        assert!(to_yaml_document(&Value::Object(map)).is_err());
    }
}
