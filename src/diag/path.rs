//! The one path type for places inside a YAML document: schema errors,
//! rules, diagnostics and `lower`'s provenance all name fields with it, and
//! it prints one way: `spec.workerGroupSpecs[0].template`, with keys that
//! hold dots, brackets, quotes or spaces bracketed and quoted
//! (`resources.limits["nvidia.com/gpu"]`), so every path reads back the same.

use std::fmt;

use serde::{Serialize, Serializer};

use crate::load::node::{Node, Pos, Value};

/// One step of a path.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Seg {
    Key(String),
    Index(usize),
}

/// A path from the root of a document, e.g. `spec.workers[1].cpu`.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FieldPath(Vec<Seg>);

impl FieldPath {
    /// The document itself.
    pub fn root() -> Self {
        FieldPath(Vec::new())
    }

    pub fn segments(&self) -> &[Seg] {
        &self.0
    }

    pub fn is_root(&self) -> bool {
        self.0.is_empty()
    }

    /// This path and then `key`.
    pub fn key(&self, key: &str) -> Self {
        self.then(1, [Seg::Key(key.to_owned())])
    }

    /// This path and then item `i`.
    pub fn index(&self, i: usize) -> Self {
        self.then(1, [Seg::Index(i)])
    }

    /// This path and then every step of `rest`.
    pub fn join(&self, rest: &FieldPath) -> Self {
        self.then(rest.0.len(), rest.0.iter().cloned())
    }

    /// A copy with `more` (of length `n`) appended, allocated once: `lower`
    /// builds a path for every field it writes.
    fn then(&self, n: usize, more: impl IntoIterator<Item = Seg>) -> Self {
        let mut segs = Vec::with_capacity(self.0.len() + n);
        segs.extend_from_slice(&self.0);
        segs.extend(more);
        FieldPath(segs)
    }

    pub fn push_key(&mut self, key: &str) {
        self.0.push(Seg::Key(key.to_owned()));
    }

    pub fn push_index(&mut self, i: usize) {
        self.0.push(Seg::Index(i));
    }

    pub fn starts_with(&self, prefix: &FieldPath) -> bool {
        self.0.starts_with(&prefix.0)
    }

    /// Reads the printed form back. Dotted keys split at every dot, so a
    /// key holding a dot must come bracketed (`limits["nvidia.com/gpu"]`),
    /// as [`fmt::Display`] writes it.
    pub fn parse(text: &str) -> Self {
        let mut segs = Vec::new();
        let mut rest = text;
        while !rest.is_empty() {
            if let Some(after) = rest.strip_prefix('.') {
                rest = after;
                continue;
            }
            if let Some(after) = rest.strip_prefix("[\"") {
                let (key, tail) = unquote(after);
                segs.push(Seg::Key(key));
                rest = tail.strip_prefix(']').unwrap_or(tail);
            } else if let Some(after) = rest.strip_prefix('[') {
                let end = after.find(']').unwrap_or(after.len());
                let inner = &after[..end];
                segs.push(match inner.parse() {
                    Ok(i) => Seg::Index(i),
                    Err(_) => Seg::Key(inner.to_owned()),
                });
                rest = after.get(end + 1..).unwrap_or("");
            } else {
                let end = rest.find(['.', '[']).unwrap_or(rest.len());
                segs.push(Seg::Key(rest[..end].to_owned()));
                rest = &rest[end..];
            }
        }
        FieldPath(segs)
    }

    /// The node at this path in `root`, when every step exists.
    pub fn find<'n>(&self, root: &'n Node) -> Option<&'n Node> {
        let mut node = root;
        for seg in &self.0 {
            node = match (seg, &node.value) {
                (Seg::Key(k), Value::Map(_)) => node.get(k)?,
                (Seg::Index(i), Value::Seq(items)) => items.get(*i)?,
                _ => return None,
            };
        }
        Some(node)
    }

    /// Where this path points in `root`: the key of the last entry (or the
    /// item), when every step exists.
    pub fn exact_pos(&self, root: &Node) -> Option<Pos> {
        Self::exact_pos_of(&self.0, root)
    }

    /// [`FieldPath::exact_pos`] of `segs` (e.g. two paths chained, without
    /// joining them first).
    pub fn exact_pos_of<'a>(segs: impl IntoIterator<Item = &'a Seg>, root: &Node) -> Option<Pos> {
        let mut node = root;
        let mut pos = root.pos;
        for seg in segs {
            match (seg, &node.value) {
                (Seg::Key(k), Value::Map(_)) => {
                    let entry = node.entry(k)?;
                    pos = entry.key_pos;
                    node = &entry.value;
                }
                (Seg::Index(i), Value::Seq(items)) => {
                    node = items.get(*i)?;
                    pos = node.pos;
                }
                _ => return None,
            }
        }
        Some(pos)
    }

    /// Like [`FieldPath::exact_pos`], falling back to the value of the
    /// deepest step that exists.
    pub fn nearest_pos(&self, root: &Node) -> Pos {
        if let Some(pos) = self.exact_pos(root) {
            return pos;
        }
        let mut node = root;
        for seg in &self.0 {
            let next = match (seg, &node.value) {
                (Seg::Key(k), Value::Map(_)) => node.get(k),
                (Seg::Index(i), Value::Seq(items)) => items.get(*i),
                _ => None,
            };
            match next {
                Some(n) => node = n,
                None => break,
            }
        }
        node.pos
    }
}

/// `a.b\"c"]…` (after the opening quote) → `a.b"c` and the text after the
/// closing quote: JSON string escapes, as [`quote`] writes them.
fn unquote(text: &str) -> (String, &str) {
    let mut escaped = false;
    for (i, c) in text.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '"' => {
                let literal = &text[..i];
                let key = serde_json::from_str(&format!("\"{literal}\""))
                    .unwrap_or_else(|_| literal.to_owned());
                return (key, &text[i + 1..]);
            }
            _ => {}
        }
    }
    (text.to_owned(), "")
}

/// `"text"` with JSON escaping, shortened to keep messages on one line.
pub fn quote(text: &str) -> String {
    const MAX: usize = 60;
    if text.chars().count() > MAX {
        let short: String = text.chars().take(MAX).collect();
        format!(
            "{}…\"",
            serde_json::Value::String(short)
                .to_string()
                .trim_end_matches('"')
        )
    } else {
        serde_json::Value::String(text.to_owned()).to_string()
    }
}

/// Appends `.key`, or `["key"]` for a key with dots, brackets, quotes or
/// spaces (or an empty one); gives where a dotted key starts, `None` for
/// the bracketed form. The one way every path in rayc writes a key.
pub fn push_key(path: &mut String, key: &str) -> Option<usize> {
    if key.is_empty() || key.contains(['.', '[', ']', '"', ' ']) {
        path.push('[');
        path.push_str(&quote(key));
        path.push(']');
        None
    } else {
        if !path.is_empty() {
            path.push('.');
        }
        let start = path.len();
        path.push_str(key);
        Some(start)
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut text = String::new();
        for seg in &self.0 {
            match seg {
                Seg::Index(i) => {
                    text.push('[');
                    text.push_str(&i.to_string());
                    text.push(']');
                }
                Seg::Key(k) => {
                    push_key(&mut text, k);
                }
            }
        }
        f.write_str(&text)
    }
}

impl Serialize for FieldPath {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl From<&str> for FieldPath {
    fn from(text: &str) -> Self {
        FieldPath::parse(text)
    }
}

impl From<String> for FieldPath {
    fn from(text: String) -> Self {
        FieldPath::parse(&text)
    }
}

impl From<&String> for FieldPath {
    fn from(text: &String) -> Self {
        FieldPath::parse(text)
    }
}

impl From<&FieldPath> for FieldPath {
    fn from(path: &FieldPath) -> Self {
        path.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dotted_keys_print_bracketed_and_read_back() {
        let p = FieldPath::root()
            .key("spec")
            .key("containers")
            .index(0)
            .key("resources")
            .key("limits")
            .key("nvidia.com/gpu");
        assert_eq!(
            p.to_string(),
            r#"spec.containers[0].resources.limits["nvidia.com/gpu"]"#
        );
        assert_eq!(FieldPath::parse(&p.to_string()), p);
        let odd = FieldPath::root().key("a").key("say \"hi\"").key("b");
        assert_eq!(odd.to_string(), r#"a["say \"hi\""].b"#);
        assert_eq!(FieldPath::parse(&odd.to_string()), odd);
        assert_eq!(FieldPath::root().key("x").to_string(), "x");
        assert_eq!(FieldPath::root().key("a.b").to_string(), r#"["a.b"]"#);
        assert_eq!(FieldPath::parse(r#"["a.b"]"#).to_string(), r#"["a.b"]"#);
    }

    #[test]
    fn positions_are_exact_or_the_nearest_existing_value() {
        let text = "spec:\n  code:\n    files: [a.py, b.py]\n  spec: 1\n";
        let node: Node = serde_saphyr::from_str(text).unwrap();
        let at = |p: &str| FieldPath::parse(p).exact_pos(&node);
        assert_eq!(at("spec.code"), Some(Pos { line: 2, col: 3 }));
        assert_eq!(at("spec.code.files[1]"), Some(Pos { line: 3, col: 19 }));
        assert_eq!(at("spec.code.files[2]"), None);
        assert_eq!(at("spec.spec"), Some(Pos { line: 4, col: 3 }));
        // A missing step: the deepest value that exists.
        let near = FieldPath::parse("spec.code.git.repo").nearest_pos(&node);
        assert_eq!(near, Pos { line: 3, col: 5 });
    }
}
