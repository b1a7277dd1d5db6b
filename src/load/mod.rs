//! Phase 1, `load`: find the project, read files safely, parse YAML into
//! positioned trees. Only `load` and `emit` touch the file system.

pub mod files;
pub mod node;
pub mod project;

use crate::diag::{Diagnostic, codes};
use node::{Node, Pos};

/// Largest YAML file rayc reads, in bytes.
pub const MAX_FILE_BYTES: usize = 16 * 1024 * 1024;

/// Parse events a file may expand to beyond [`EVENTS_PER_BYTE`] per byte of
/// its text: only aliases (`*name`, replayed each time they are used) reach
/// it, so an alias bomb stops after this much work, in milliseconds.
const ALIAS_EXPANSION_EVENTS: usize = 20_000;

/// Plain YAML yields at most 2 parse events per byte (`[:,:]`); 4 leaves room.
const EVENTS_PER_BYTE: usize = 4;

/// Parsing limits: tight for files people write, roomy for streams of
/// manifests (`rayc validate` on a rendered folder or a big sample).
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub max_documents: usize,
    pub max_depth: usize,
    pub max_nodes: usize,
    pub max_aliases: usize,
}

impl Limits {
    pub const USER: Limits = Limits {
        max_documents: 10_000,
        max_depth: 64,
        max_nodes: 2_000_000,
        max_aliases: 1_000,
    };
}

/// One YAML document of a file.
#[derive(Clone, Debug)]
pub struct Document {
    /// The file, as shown to the user.
    pub file: String,
    /// Zero-based index of the document in its file.
    pub index: usize,
    pub node: Node,
}

impl Document {
    pub fn api_version(&self) -> Option<&str> {
        self.node.get("apiVersion").and_then(Node::as_str)
    }

    pub fn kind(&self) -> Option<&str> {
        self.node.get("kind").and_then(Node::as_str)
    }

    /// `metadata.name`, when the document has one.
    pub fn name(&self) -> Option<&str> {
        self.node
            .get("metadata")
            .and_then(|m| m.get("name"))
            .and_then(Node::as_str)
    }
}

/// Parses every document of a YAML text. Empty documents are skipped.
pub fn parse_documents(
    file: &str,
    text: &str,
    limits: Limits,
) -> Result<Vec<Document>, Diagnostic> {
    if text.len() > MAX_FILE_BYTES {
        return Err(Diagnostic::error(
            codes::BUDGET,
            file,
            Pos::UNKNOWN,
            format!(
                "file is {} bytes, more than the {MAX_FILE_BYTES} rayc reads",
                text.len()
            ),
        )
        .with_help("split it into several files"));
    }
    let mut budget = serde_saphyr::Budget::default();
    budget.max_documents = limits.max_documents;
    budget.max_depth = limits.max_depth;
    budget.max_nodes = limits.max_nodes;
    budget.max_aliases = limits.max_aliases;
    budget.max_events = text
        .len()
        .saturating_mul(EVENTS_PER_BYTE)
        .saturating_add(ALIAS_EXPANSION_EVENTS);
    budget.max_recorded_anchor_events = ALIAS_EXPANSION_EVENTS;
    let options = serde_saphyr::options! {
        budget: Some(budget),
        duplicate_keys: serde_saphyr::DuplicateKeyPolicy::Error,
        // Kubernetes reads `defaultMode: 0777` as octal, as YAML 1.1 does.
        legacy_octal_numbers: true,
        with_snippet: false,
    };
    let nodes = serde_saphyr::from_multiple_with_options::<Node>(text, options)
        .map_err(|e| yaml_error(file, text, &e))?;
    if let Some((key, pos)) = nodes.iter().find_map(same_key_twice) {
        return Err(duplicate_key(file, pos, key));
    }
    Ok(nodes
        .into_iter()
        .filter(|n| !n.is_null())
        .enumerate()
        .map(|(index, node)| Document {
            file: file.to_owned(),
            index,
            node,
        })
        .collect())
}

/// The parser tells `1` from `"1"` as keys; rayc (like the API server's
/// JSON) keeps keys as text, where they are one key and a value would be lost.
fn same_key_twice(node: &Node) -> Option<(&str, Pos)> {
    match &node.value {
        node::Value::Map(entries) => {
            let mut seen = std::collections::HashSet::with_capacity(entries.len());
            entries
                .iter()
                .find(|e| !seen.insert(e.key.as_str()))
                .map(|e| (e.key.as_str(), e.key_pos))
                .or_else(|| entries.iter().find_map(|e| same_key_twice(&e.value)))
        }
        node::Value::Seq(items) => items.iter().find_map(same_key_twice),
        _ => None,
    }
}

fn duplicate_key(file: &str, pos: Pos, key: &str) -> Diagnostic {
    Diagnostic::error(
        codes::DUPLICATE_KEY,
        file,
        pos,
        format!("duplicate key \"{key}\""),
    )
    .with_help("a mapping may hold each key once (`1` and `\"1\"` are the same key): remove or merge one of the two")
}

/// Turns a parser error into a diagnostic that says how to fix it.
fn yaml_error(file: &str, text: &str, err: &serde_saphyr::Error) -> Diagnostic {
    let pos = err.location().map_or(Pos::UNKNOWN, |l| Pos {
        line: u32::try_from(l.line()).unwrap_or(u32::MAX),
        col: u32::try_from(l.column()).unwrap_or(u32::MAX),
    });
    if let Some(sentence) = budget_sentence(err) {
        return Diagnostic::error(codes::BUDGET, file, pos, sentence).with_help(
            "simplify the file: fewer or smaller aliases (`*name`), less nesting, or split it into several files",
        );
    }
    let full = err.to_string();
    let message = match full.rfind(" at line ") {
        Some(i) => full[..i].to_owned(),
        None => full.clone(),
    };
    let lower = message.to_ascii_lowercase();
    let (code, message, help) = if lower.contains("duplicate mapping key") {
        let key = message
            .split(':')
            .nth(1)
            .and_then(|k| k.split(',').next())
            .map_or(String::new(), |k| k.trim().to_owned());
        return duplicate_key(file, pos, &key);
    } else if lower.contains("tab") {
        let pos = indenting_tab(text, pos).unwrap_or(pos);
        return Diagnostic::error(
            codes::YAML_SYNTAX,
            file,
            pos,
            "tab character used for indentation",
        )
        .with_help("YAML indents with spaces only: replace the tabs with spaces");
    } else if lower.contains("recursion limit") {
        (
            codes::BUDGET,
            "the YAML is nested deeper than rayc reads".to_owned(),
            "the file is too deeply nested; simplify it".to_owned(),
        )
    } else if lower.contains("budget") || lower.contains("limit") || lower.contains("exceed") {
        (
            codes::BUDGET,
            message,
            "the file is too large or too deeply nested (or an alias bomb); simplify it".to_owned(),
        )
    } else if lower.contains("recursive") || lower.contains("alias") {
        (
            codes::YAML_SYNTAX,
            message,
            "remove the recursive alias (`*name` inside its own anchor)".to_owned(),
        )
    } else {
        (
            codes::YAML_SYNTAX,
            message,
            "check the indentation and quoting on this line and the one above; quote values that contain `: ` or start with a special character".to_owned(),
        )
    };
    Diagnostic::error(code, file, pos, message).with_help(help)
}

/// The tab in the indentation of the first line from `near` on that has one:
/// the parser reports where the token before it ended (`17:13` for a tab at
/// `18:1`), but the fix is at the tab.
fn indenting_tab(text: &str, near: Pos) -> Option<Pos> {
    let first = usize::try_from(near.line.max(1)).ok()? - 1;
    text.lines().enumerate().skip(first).find_map(|(i, line)| {
        let indent = &line[..line.len() - line.trim_start().len()];
        let col = indent.chars().position(|c| c == '\t')?;
        Some(Pos {
            line: u32::try_from(i + 1).ok()?,
            col: u32::try_from(col + 1).ok()?,
        })
    })
}

/// A parse budget breach as a sentence (the parser's own text is Rust debug output).
fn budget_sentence(mut err: &serde_saphyr::Error) -> Option<String> {
    use serde_saphyr::Error;
    use serde_saphyr::budget::BudgetBreach as B;
    while let Error::AliasError { error, .. } | Error::WithSnippet { error, .. } = err {
        err = error;
    }
    let Error::Budget { breach, .. } = err else {
        return None;
    };
    Some(match breach {
        B::Events { events } => format!(
            "the YAML expands to more than {} values (an alias `*name` counts each time it is used): an alias bomb or a file far too large",
            events.saturating_sub(1)
        ),
        B::RecordedAnchorEvents {
            recorded_anchor_events,
        } => format!(
            "anchors (`&name`) here expand to more than {} values: an alias bomb",
            recorded_anchor_events.saturating_sub(1)
        ),
        B::Aliases { aliases } => format!(
            "the file uses more than {} aliases (`*name`)",
            aliases.saturating_sub(1)
        ),
        B::Anchors { anchors } => format!(
            "the file defines more than {} anchors (`&name`)",
            anchors.saturating_sub(1)
        ),
        B::AliasAnchorRatio { aliases, anchors } => {
            format!("the file uses {aliases} aliases for only {anchors} anchors: an alias bomb")
        }
        B::Depth { depth } => {
            format!("the YAML is nested {depth} levels deep, more than rayc reads")
        }
        B::Documents { documents } => {
            format!(
                "the file holds more than {} documents",
                documents.saturating_sub(1)
            )
        }
        B::Nodes { nodes } => format!(
            "the file holds more than {} values",
            nodes.saturating_sub(1)
        ),
        B::ScalarBytes { total_scalar_bytes } => {
            format!(
                "the file's values hold more than {} bytes of text",
                total_scalar_bytes.saturating_sub(1)
            )
        }
        _ => "the file exceeds one of the parser's limits (size, nesting, aliases)".to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> Diagnostic {
        match parse_documents("f.yaml", text, Limits::USER) {
            Err(d) => d,
            Ok(docs) => panic!("expected an error, got {docs:?}"),
        }
    }

    #[test]
    fn parses_documents_with_positions_and_skips_empty_ones() {
        let docs = parse_documents("f.yaml", "a: 1\n---\n---\nb:\n  c: x\n", Limits::USER).unwrap();
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[1].index, 1);
        let c = docs[1].node.get("b").and_then(|b| b.entry("c")).unwrap();
        assert_eq!(c.key_pos, Pos { line: 5, col: 3 });
        assert_eq!(c.value.pos, Pos { line: 5, col: 6 });
    }

    #[test]
    fn tabs_are_reported_with_a_fix() {
        let d = err("a:\n\tb: 1\n");
        assert_eq!(d.code, codes::YAML_SYNTAX);
        assert_eq!(d.pos.line, 2);
        assert!(d.help.unwrap().contains("spaces"));
    }

    #[test]
    fn a_tab_is_reported_where_it_is() {
        let d = err("a:\n  b: 1\n  c: 2\n\td: 3\n");
        assert_eq!(d.pos, Pos { line: 4, col: 1 });
        let d = err("a:\n  b: 1\n  \tc: 2\n");
        assert_eq!(d.pos, Pos { line: 3, col: 3 });
    }

    #[test]
    fn duplicate_keys_are_errors() {
        let d = err("a: 1\nb: 2\na: 3\n");
        assert_eq!(d.code, codes::DUPLICATE_KEY);
        assert_eq!(d.message, "duplicate key \"a\"");
        assert_eq!(d.pos, Pos { line: 3, col: 1 });
    }

    #[test]
    fn keys_that_read_the_same_are_duplicates() {
        let d = err("m:\n  1: a\n  \"1\": b\n");
        assert_eq!(d.code, codes::DUPLICATE_KEY);
        assert_eq!(d.message, "duplicate key \"1\"");
        assert_eq!(d.pos, Pos { line: 3, col: 3 });
    }

    #[test]
    fn syntax_errors_point_at_the_line() {
        let d = err("a: b: c\n");
        assert_eq!(d.code, codes::YAML_SYNTAX);
        assert_eq!(d.pos.line, 1);
        assert!(!d.message.contains("at line"));
    }

    #[test]
    fn alias_bombs_are_refused() {
        let mut bomb = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..12 {
            let prev = i - 1;
            bomb.push_str(&format!(
                "a{i}: &a{i} [*a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}]\n"
            ));
        }
        let d = err(&bomb);
        assert!(
            d.code == codes::BUDGET || d.code == codes::YAML_SYNTAX,
            "{d:?}"
        );
    }

    #[test]
    fn deep_nesting_is_refused() {
        let deep = format!("{}1{}", "[".repeat(200), "]".repeat(200));
        err(&deep);
    }
}
