//! Schemas parsed as they are used. The embedded schemas are ~250 KB of JSON
//! each, and parsing one whole cost more than the rest of a one-spec build,
//! while an object uses a fraction of its definitions. [`Schema::lazy`] reads
//! the root and keeps each entry of `$defs` (or `definitions`) as its text
//! until a `$ref` names it; then that entry is parsed once per process and
//! shared by every schema with the same entry under the same [`Edit`] (the
//! KubeRay kinds share most Kubernetes definitions).
//!
//! Finding the entries must not cost a parse either: the embedded texts are
//! serde_json's pretty print (tests keep them so), where every entry of an
//! object starts a line indented two spaces deeper than the object, so the
//! entries are found by searching for such lines. Text in another form is
//! parsed whole.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Mutex, OnceLock};

use indexmap::IndexMap;
use serde_json::{Map, Value};

use super::Schema;

/// A change made to a schema as it is parsed: `apply` gets the root (`None`)
/// and then each definition (`Some(name)`), whole roots included when
/// parsing falls back to reading everything at once.
#[derive(Clone, Copy)]
pub struct Edit {
    /// Tells edits apart: parsed definitions are shared under the same name only.
    pub name: &'static str,
    pub apply: fn(Option<&str>, &mut Value),
}

impl fmt::Debug for Edit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name)
    }
}

/// The definition sections of a schema, as text until used.
#[derive(Clone, Default)]
pub(super) struct Definitions {
    split: Option<&'static Split>,
    /// Per section and entry of `split`, the parsed entry.
    parsed: Vec<Vec<OnceLock<&'static Value>>>,
    edit: Option<Edit>,
}

/// A pretty-printed schema read once per process: its root without the
/// definition sections, and the sections' entries as text.
pub(super) struct Split {
    root: Value,
    sections: Vec<(String, IndexMap<String, &'static str>)>,
}

impl Definitions {
    /// The definition `name` of `section`, parsed on first use: `None` when
    /// the section is not kept here, `Some(None)` when it lacks `name`.
    pub(super) fn get(&self, section: &str, name: &str) -> Option<Option<&Value>> {
        let sections = &self.split?.sections;
        let index = sections.iter().position(|(s, _)| s == section)?;
        let parsed = self.parsed.get(index)?;
        Some(
            sections[index]
                .1
                .get_full(name)
                .and_then(|(entry, _, text)| {
                    let cell = parsed.get(entry)?;
                    Some(*cell.get_or_init(|| shared(name, text, self.edit)))
                }),
        )
    }

    /// A JSON pointer that starts with a kept section (`/$defs/Name/properties/x`):
    /// `None` when it does not, else what it points to.
    pub(super) fn pointer(&self, pointer: &str) -> Option<Option<&Value>> {
        let (section, rest) = pointer.strip_prefix('/')?.split_once('/')?;
        let (name, rest) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
        let def = self.get(&unescape(section), &unescape(name))?;
        Some(def.and_then(|def| def.pointer(rest)))
    }
}

/// A JSON pointer token (RFC 6901): `~1` is `/`, `~0` is `~`.
fn unescape(token: &str) -> std::borrow::Cow<'_, str> {
    if token.contains('~') {
        token.replace("~1", "/").replace("~0", "~").into()
    } else {
        token.into()
    }
}

/// Definitions parsed so far, by (edit, text length): same-length texts are
/// compared in full, so only byte-identical definitions are shared.
type Parsed =
    HashMap<(&'static str, usize), Vec<(Box<str>, &'static str, &'static OnceLock<Value>)>>;

/// The parsed form of one definition, shared process-wide. Parsing happens
/// outside the lock, so threads parse different definitions in parallel.
fn shared(name: &str, text: &'static str, edit: Option<Edit>) -> &'static Value {
    static PARSED: OnceLock<Mutex<Parsed>> = OnceLock::new();
    let key = (edit.map_or("", |e| e.name), text.len());
    let cell: &'static OnceLock<Value> = {
        let mut parsed = PARSED
            .get_or_init(Mutex::default)
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let same = parsed.entry(key).or_default();
        match same.iter().find(|(n, t, _)| **n == *name && *t == text) {
            Some((_, _, cell)) => cell,
            None => {
                // Leaked on purpose: one per distinct embedded definition, for
                // the life of the process, like the statics that hold schemas.
                let cell = Box::leak(Box::new(OnceLock::new()));
                same.push((name.into(), text, cell));
                cell
            }
        }
    };
    cell.get_or_init(|| {
        // The texts are rayc's own and tested to parse; a defect would make
        // the definition accept anything rather than panic.
        let mut value = serde_json::from_str(text).unwrap_or(Value::Bool(true));
        if let Some(edit) = edit {
            (edit.apply)(Some(name), &mut value);
        }
        value
    })
}

impl Schema {
    /// A schema from JSON text whose definitions are parsed on first use (see
    /// the module docs); `edit` changes it as if applied to the whole parsed
    /// schema. `None` when the text is no JSON.
    pub fn lazy(text: &'static str, edit: Option<Edit>) -> Option<Schema> {
        let Some(split) = split_once(text) else {
            return eager(text, edit);
        };
        let mut root = split.root.clone();
        if let Some(edit) = edit {
            (edit.apply)(None, &mut root);
        }
        let parsed = split
            .sections
            .iter()
            .map(|(_, entries)| entries.iter().map(|_| OnceLock::new()).collect())
            .collect();
        let mut schema = Schema::new(root);
        schema.definitions = Definitions {
            split: Some(split),
            parsed,
            edit,
        };
        Some(schema)
    }
}

/// [`split`], done once per text and process (a kind's schema is read both
/// for `check`'s fragments and for `validate`).
pub(super) fn split_once(text: &'static str) -> Option<&'static Split> {
    type Splits = Vec<((usize, usize), Option<&'static Split>)>;
    static SPLITS: Mutex<Splits> = Mutex::new(Vec::new());
    let key = (text.as_ptr() as usize, text.len());
    let lock = || {
        SPLITS
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    };
    if let Some((_, done)) = lock().iter().find(|(k, _)| *k == key) {
        return *done;
    }
    // Leaked on purpose, like the parsed definitions: one per embedded text.
    let done = split(text).map(|split| &*Box::leak(Box::new(split)));
    lock().push((key, done));
    done
}

/// Everything parsed at once, the edit applied to the root and each definition.
pub(super) fn eager(text: &str, edit: Option<Edit>) -> Option<Schema> {
    let mut root: Value = serde_json::from_str(text).ok()?;
    if let Some(edit) = edit {
        (edit.apply)(None, &mut root);
        for section in SECTIONS {
            if let Some(Value::Object(defs)) = root.get_mut(section) {
                for (name, def) in defs.iter_mut() {
                    (edit.apply)(Some(name), def);
                }
            }
        }
    }
    Some(Schema::new(root))
}

/// The sections whose entries are kept as text.
const SECTIONS: [&str; 2] = ["$defs", "definitions"];

/// A pretty-printed schema's root without its definition sections (parsed),
/// and the sections' entries (as text); `None` when the text is in another form.
fn split(text: &'static str) -> Option<Split> {
    let text = text.strip_suffix('\n').unwrap_or(text);
    let body = text.strip_prefix("{\n")?.strip_suffix("\n}")?;
    // One pass over the lines: where the root's entries start (two spaces and
    // a quote) and where entries one level deeper do (four spaces and a quote).
    // Deeper lines have more spaces; in a section only its entries have four.
    let (mut top, mut inner) = (Vec::new(), Vec::new());
    let lines =
        std::iter::once(0).chain(memchr::memchr_iter(b'\n', body.as_bytes()).map(|nl| nl + 1));
    for start in lines {
        let line = body.as_bytes().get(start..).unwrap_or_default();
        if line.starts_with(b"  \"") {
            top.push(start);
        } else if line.starts_with(b"    \"") {
            inner.push(start);
        }
    }
    let mut root = Map::new();
    let mut sections: Vec<(String, IndexMap<String, &'static str>)> = Vec::new();
    for (key, value) in pretty_entries(body, 2, &top)? {
        if !SECTIONS.contains(&key.as_str()) {
            root.insert(key, serde_json::from_str(value).ok()?);
            continue;
        }
        let entries = if value == "{}" {
            IndexMap::new()
        } else {
            let section = value.strip_prefix("{\n")?.strip_suffix("\n  }")?;
            let at = section.as_ptr() as usize - body.as_ptr() as usize;
            let first = inner.partition_point(|&start| start < at);
            let starts: Vec<usize> = inner[first..]
                .iter()
                .take_while(|&&start| start < at + section.len())
                .map(|&start| start - at)
                .collect();
            pretty_entries(section, 4, &starts)?.into_iter().collect()
        };
        // A repeated key counts once, the last, as in a parsed map.
        sections.retain(|(name, _)| *name != key);
        sections.push((key, entries));
    }
    Some(Split {
        root: Value::Object(root),
        sections,
    })
}

/// The entries (key, value text) of the body of a pretty-printed object (the
/// text between its brackets' lines) whose keys are indented `indent` spaces
/// and start at `starts`; `None` when they are not in that form.
fn pretty_entries<'a>(
    body: &'a str,
    indent: usize,
    starts: &[usize],
) -> Option<Vec<(String, &'a str)>> {
    if starts.first() != Some(&0) {
        return None;
    }
    let mut entries = Vec::with_capacity(starts.len());
    for (i, &start) in starts.iter().enumerate() {
        let next = starts.get(i + 1).map(|next| next - 1);
        let line = body.get(start + indent..next.unwrap_or(body.len()))?;
        let (key, value) = split_key(line)?;
        let value = match next {
            Some(_) => value.strip_suffix(',')?,
            None => value,
        };
        if !pretty_value(value, indent) {
            return None;
        }
        entries.push((key, value));
    }
    Some(entries)
}

/// Whether `value`, an entry's value at `indent`, has the pretty form: on
/// one line an empty object or list, a string or a literal; on several lines
/// an object or list that opens and closes on lines of their own, the closing
/// one at `indent`.
fn pretty_value(value: &str, indent: usize) -> bool {
    match value.rsplit_once('\n') {
        Some((_, last)) => {
            let closes = match value.as_bytes().get(..2) {
                Some(b"{\n") => "}",
                Some(b"[\n") => "]",
                _ => return false,
            };
            last.len() == indent + 1
                && last.ends_with(closes)
                && last.bytes().take(indent).all(|b| b == b' ')
        }
        None => match value.as_bytes().first() {
            Some(b'{' | b'[') => matches!(value, "{}" | "[]"),
            Some(b'"') => string_end(value) == Some(value.len() - 1),
            Some(_) => !value.contains([' ', ',', ':', '"', '{', '}', '[', ']']),
            None => false,
        },
    }
}

/// The index of the closing quote of the JSON string `text` starts with.
fn string_end(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut end = 1;
    loop {
        match bytes.get(end)? {
            b'\\' => end += 2,
            b'"' => return Some(end),
            _ => end += 1,
        }
    }
}

/// `"key": value` → the key (unescaped) and the value's text.
fn split_key(line: &str) -> Option<(String, &str)> {
    let end = string_end(line)?;
    let token = line.get(..=end)?;
    let key = if token.contains('\\') {
        serde_json::from_str(token).ok()?
    } else {
        token.get(1..end)?.to_owned()
    };
    Some((key, line.get(end + 1..)?.strip_prefix(": ")?))
}
