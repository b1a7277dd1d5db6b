//! Mutation test of `rayc validate`: breaks the upstream KubeRay samples and
//! the tutorial seed in known ways and measures, per class of mistake, how
//! often the full validation path (parse, strict schema, version checks, CEL
//! rules, semantic rules) reports the expected code at the expected place.
//!
//! - Inputs: every file of `$RAYC_SHARED/kuberay/samples` and `seed`, parsed,
//!   each ray.io/v1 object a mutation target. Every mutated file is written
//!   back as YAML text by a small emitter here and parsed again, so findings
//!   are checked against real line:column positions, exactly as
//!   `rayc validate FILE` sees the file (one file = one unit).
//! - Where a mutation may go comes from the typed model's JSON Schema
//!   (`object_schema`, proven equal to the v1.7 CRDs by `tests/it/kuberay_model.rs`):
//!   which keys an object knows, which are required without a default, which
//!   fields are enums or quantities, which maps are free-form.
//! - A fixed seed drives a tiny PRNG (splitmix64): the same mutations every run.
//! - Detected = a finding with the class's code and severity at the expected
//!   position. The test fails on any miss and prints it; it also keeps the
//!   table in `docs/validation.md` true (`RAYC_BLESS=1` rewrites it).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs;

use rayc::diag::{Diagnostic, Severity};
use rayc::load::node::{Entry, Node, Pos, Value};
use rayc::load::{Limits, parse_documents};
use rayc::rules::{Context, Object};
use serde_json::Value as J;

use crate::support::samples;

/// The seed of every random choice; change it only together with the doc's table.
const SEED: u64 = 0x7261_7963_0003;
/// At most this many mutations per class (sampled from all candidates).
const PER_CLASS: usize = 60;
const TABLE_START: &str = "<!-- mutation-table:start -->";
const TABLE_END: &str = "<!-- mutation-table:end -->";

// ---------------------------------------------------------------- PRNG

/// splitmix64: tiny, deterministic, good enough to sample mutations.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        assert!(n > 0);
        (self.next() % n as u64) as usize
    }

    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len())]
    }

    fn shuffle<T>(&mut self, xs: &mut [T]) {
        for i in (1..xs.len()).rev() {
            let j = self.below(i + 1);
            xs.swap(i, j);
        }
    }
}

// ---------------------------------------------------------------- paths and trees

#[derive(Clone, Debug, PartialEq, Eq)]
enum Seg {
    K(String),
    I(usize),
}

type Path = Vec<Seg>;

fn key(p: &[Seg], k: &str) -> Path {
    let mut v = p.to_vec();
    v.push(Seg::K(k.to_owned()));
    v
}

fn idx(p: &[Seg], i: usize) -> Path {
    let mut v = p.to_vec();
    v.push(Seg::I(i));
    v
}

fn show(p: &[Seg]) -> String {
    let mut out = String::new();
    for s in p {
        match s {
            Seg::K(k) if out.is_empty() => out.push_str(k),
            Seg::K(k) => {
                out.push('.');
                out.push_str(k);
            }
            Seg::I(i) => {
                let _ = write!(out, "[{i}]");
            }
        }
    }
    out
}

fn get<'a>(mut n: &'a Node, p: &[Seg]) -> Option<&'a Node> {
    for s in p {
        n = match (s, &n.value) {
            (Seg::K(k), Value::Map(es)) => &es.iter().find(|e| &e.key == k)?.value,
            (Seg::I(i), Value::Seq(xs)) => xs.get(*i)?,
            _ => return None,
        };
    }
    Some(n)
}

fn get_mut<'a>(mut n: &'a mut Node, p: &[Seg]) -> Option<&'a mut Node> {
    for s in p {
        n = match (s, &mut n.value) {
            (Seg::K(k), Value::Map(es)) => &mut es.iter_mut().find(|e| &e.key == k)?.value,
            (Seg::I(i), Value::Seq(xs)) => xs.get_mut(*i)?,
            _ => return None,
        };
    }
    Some(n)
}

fn entry_at<'a>(n: &'a Node, p: &[Seg]) -> Option<&'a Entry> {
    let (Seg::K(k), parent) = p.split_last()? else {
        return None;
    };
    get(n, parent)?.entry(k)
}

fn text_at<'a>(n: &'a Node, p: &[Seg]) -> Option<&'a str> {
    get(n, p).and_then(Node::as_str)
}

fn int_at(n: &Node, p: &[Seg]) -> Option<i64> {
    match get(n, p)?.value {
        Value::Int(i) => Some(i),
        _ => None,
    }
}

fn new(value: Value) -> Node {
    Node::new(value, Pos::UNKNOWN)
}

fn s(x: &str) -> Node {
    new(Value::Str(x.to_owned()))
}

fn int(i: i64) -> Node {
    new(Value::Int(i))
}

fn boolean(b: bool) -> Node {
    new(Value::Bool(b))
}

fn map(entries: Vec<(&str, Node)>) -> Node {
    new(Value::Map(
        entries
            .into_iter()
            .map(|(k, v)| Entry {
                key: k.to_owned(),
                key_pos: Pos::UNKNOWN,
                value: v,
            })
            .collect(),
    ))
}

fn seq(items: Vec<Node>) -> Node {
    new(Value::Seq(items))
}

/// The mapping at `p`, created (with every missing parent) when absent.
fn ensure_map<'a>(n: &'a mut Node, p: &[Seg]) -> Option<&'a mut Vec<Entry>> {
    let mut n = n;
    for seg in p {
        n = match (seg, &mut n.value) {
            (Seg::K(k), Value::Map(es)) => {
                if !es.iter().any(|e| &e.key == k) {
                    es.push(Entry {
                        key: k.clone(),
                        key_pos: Pos::UNKNOWN,
                        value: map(vec![]),
                    });
                }
                &mut es.iter_mut().find(|e| &e.key == k)?.value
            }
            (Seg::I(i), Value::Seq(xs)) => xs.get_mut(*i)?,
            _ => return None,
        };
    }
    if n.is_null() {
        n.value = Value::Map(Vec::new());
    }
    match &mut n.value {
        Value::Map(es) => Some(es),
        _ => None,
    }
}

/// Sets `k` in the mapping at `p` (replacing the value in place, else appending).
fn set(n: &mut Node, p: &[Seg], k: &str, v: Node) -> Option<()> {
    let es = ensure_map(n, p)?;
    match es.iter_mut().find(|e| e.key == k) {
        Some(e) => e.value = v,
        None => es.push(Entry {
            key: k.to_owned(),
            key_pos: Pos::UNKNOWN,
            value: v,
        }),
    }
    Some(())
}

fn remove(n: &mut Node, p: &[Seg], k: &str) -> Option<Entry> {
    let Value::Map(es) = &mut get_mut(n, p)?.value else {
        return None;
    };
    let i = es.iter().position(|e| e.key == k)?;
    Some(es.remove(i))
}

fn seq_len(n: &Node, p: &[Seg]) -> usize {
    match get(n, p).map(|n| &n.value) {
        Some(Value::Seq(xs)) => xs.len(),
        _ => 0,
    }
}

// ---------------------------------------------------------------- YAML emitter

/// Writes documents as block YAML: strings always double-quoted (JSON escapes
/// are valid YAML), keys plain when that is unambiguous.
fn emit(docs: &[Node]) -> String {
    let mut out = String::new();
    for (i, doc) in docs.iter().enumerate() {
        if i > 0 {
            out.push_str("---\n");
        }
        match &doc.value {
            Value::Map(es) if !es.is_empty() => emit_map(es, 0, &mut out, false),
            _ => {
                out.push_str(&inline(doc));
                out.push('\n');
            }
        }
    }
    out
}

fn emit_map(entries: &[Entry], indent: usize, out: &mut String, first_inline: bool) {
    for (i, e) in entries.iter().enumerate() {
        if i > 0 || !first_inline {
            out.push_str(&" ".repeat(indent));
        }
        out.push_str(&plain_key(&e.key));
        out.push(':');
        match &e.value.value {
            Value::Map(es) if !es.is_empty() => {
                out.push('\n');
                emit_map(es, indent + 2, out, false);
            }
            Value::Seq(xs) if !xs.is_empty() => {
                out.push('\n');
                emit_seq(xs, indent + 2, out, false);
            }
            _ => {
                out.push(' ');
                out.push_str(&inline(&e.value));
                out.push('\n');
            }
        }
    }
}

fn emit_seq(items: &[Node], indent: usize, out: &mut String, first_inline: bool) {
    for (i, item) in items.iter().enumerate() {
        if i > 0 || !first_inline {
            out.push_str(&" ".repeat(indent));
        }
        out.push_str("- ");
        match &item.value {
            Value::Map(es) if !es.is_empty() => emit_map(es, indent + 2, out, true),
            Value::Seq(xs) if !xs.is_empty() => emit_seq(xs, indent + 2, out, true),
            _ => {
                out.push_str(&inline(item));
                out.push('\n');
            }
        }
    }
}

fn inline(n: &Node) -> String {
    match &n.value {
        Value::Null => "null".to_owned(),
        Value::Bool(b) => b.to_string(),
        Value::Int(i) => i.to_string(),
        Value::Float(f) if f.is_nan() => ".nan".to_owned(),
        Value::Float(f) if f.is_infinite() => if *f > 0.0 { ".inf" } else { "-.inf" }.to_owned(),
        Value::Float(f) => format!("{f:?}"),
        Value::Str(t) => serde_json::to_string(t).unwrap(),
        Value::Map(_) => "{}".to_owned(),
        Value::Seq(_) => "[]".to_owned(),
    }
}

fn plain_key(k: &str) -> String {
    let plain = k.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '/'))
        && !matches!(
            k.to_ascii_lowercase().as_str(),
            "true" | "false" | "null" | "yes" | "no" | "on" | "off" | "y" | "n"
        );
    if plain {
        k.to_owned()
    } else {
        serde_json::to_string(k).unwrap()
    }
}

// ---------------------------------------------------------------- schema oracle

/// What the schema says one value must be.
#[derive(Clone, Copy)]
enum Shape<'o> {
    /// An object with known properties (closed: other keys are errors).
    Struct(&'o J),
    /// A free-form map (labels, rayStartParams, limits) whose values follow this schema.
    Map(&'o J),
    Array(&'o J),
    Str,
    Int,
    Number,
    Bool,
    IntOrString,
    Quantity,
    Enum(&'o [J]),
    /// Anything goes (open objects): nothing to mutate.
    Any,
}

impl Shape<'_> {
    fn name(&self) -> &'static str {
        match self {
            Shape::Struct(_) => "object",
            Shape::Map(_) => "map",
            Shape::Array(_) => "list",
            Shape::Str => "string",
            Shape::Int => "integer",
            Shape::Number => "number",
            Shape::Bool => "boolean",
            Shape::IntOrString => "int-or-string",
            Shape::Quantity => "quantity",
            Shape::Enum(_) => "enum",
            Shape::Any => "any",
        }
    }
}

struct Oracle {
    root: J,
}

impl Oracle {
    fn deref<'o>(&'o self, mut sch: &'o J) -> &'o J {
        for _ in 0..32 {
            match sch.get("$ref").and_then(J::as_str) {
                Some(r) => match self.root.pointer(r.trim_start_matches('#')) {
                    Some(target) => sch = target,
                    None => return &J::Null,
                },
                None => return sch,
            }
        }
        sch
    }

    fn shape<'o>(&'o self, raw: &'o J) -> Shape<'o> {
        let sch = self.deref(raw);
        if sch.get("x-kubernetes-int-or-string") == Some(&J::Bool(true)) {
            return if sch.get("pattern").is_some() {
                Shape::Quantity
            } else {
                Shape::IntOrString
            };
        }
        if let Some(values) = sch.get("enum").and_then(J::as_array) {
            return Shape::Enum(values);
        }
        match sch.get("type").and_then(J::as_str) {
            Some("object") if sch.get("properties").is_some() => Shape::Struct(sch),
            Some("object") => match sch.get("additionalProperties") {
                Some(add @ J::Object(_)) => Shape::Map(add),
                _ => Shape::Any,
            },
            Some("array") => sch.get("items").map_or(Shape::Any, Shape::Array),
            Some("string") => Shape::Str,
            Some("integer") => Shape::Int,
            Some("number") => Shape::Number,
            Some("boolean") => Shape::Bool,
            _ => Shape::Any,
        }
    }

    fn props<'o>(&'o self, sch: &'o J) -> impl Iterator<Item = (&'o str, &'o J)> {
        sch.get("properties")
            .and_then(J::as_object)
            .into_iter()
            .flatten()
            .map(|(k, v)| (k.as_str(), v))
    }

    fn prop<'o>(&'o self, sch: &'o J, name: &str) -> Option<&'o J> {
        sch.get("properties")?.get(name)
    }

    /// Required properties without a default (a default makes them optional in practice).
    fn required<'o>(&'o self, sch: &'o J) -> Vec<&'o str> {
        let list = sch.get("required").and_then(J::as_array);
        list.into_iter()
            .flatten()
            .filter_map(J::as_str)
            .filter(|name| {
                self.prop(sch, name).is_some_and(|p| {
                    p.get("default").is_none() && self.deref(p).get("default").is_none()
                })
            })
            .collect()
    }
}

/// A property of a struct present in a document.
struct Field<'o> {
    /// The entry (last segment is its key).
    path: Path,
    /// The path as `field_versions.txt` writes it (`a.b[].c`, map values `{}`).
    norm: String,
    shape: Shape<'o>,
}

/// An object with known properties, present in a document.
struct StructSite<'o> {
    path: Path,
    schema: &'o J,
}

/// A value of a free-form map (`labels.app`, `limits.cpu`) or an item of a
/// list of scalars (`args[0]`).
struct MapValue<'o> {
    path: Path,
    shape: Shape<'o>,
}

#[derive(Default)]
struct Sites<'o> {
    fields: Vec<Field<'o>>,
    structs: Vec<StructSite<'o>>,
    map_values: Vec<MapValue<'o>>,
}

impl<'o> Sites<'o> {
    fn collect(oracle: &'o Oracle, doc: &Node) -> Sites<'o> {
        let mut sites = Sites::default();
        sites.walk(oracle, doc, &oracle.root, &[], "");
        sites
    }

    fn walk(&mut self, oracle: &'o Oracle, node: &Node, raw: &'o J, path: &[Seg], norm: &str) {
        match (oracle.shape(raw), &node.value) {
            (Shape::Struct(sch), Value::Map(entries)) => {
                self.structs.push(StructSite {
                    path: path.to_vec(),
                    schema: sch,
                });
                for e in entries {
                    if let Some(p) = oracle.prop(sch, &e.key) {
                        let here = key(path, &e.key);
                        let here_norm = if norm.is_empty() {
                            e.key.clone()
                        } else {
                            format!("{norm}.{}", e.key)
                        };
                        self.fields.push(Field {
                            path: here.clone(),
                            norm: here_norm.clone(),
                            shape: oracle.shape(p),
                        });
                        self.walk(oracle, &e.value, p, &here, &here_norm);
                    }
                }
            }
            (Shape::Map(values), Value::Map(entries)) => {
                for e in entries {
                    let here = key(path, &e.key);
                    self.map_values.push(MapValue {
                        path: here.clone(),
                        shape: oracle.shape(values),
                    });
                    self.walk(oracle, &e.value, values, &here, &format!("{norm}{{}}"));
                }
            }
            (Shape::Array(items), Value::Seq(xs)) => {
                let item_shape = oracle.shape(items);
                for (i, x) in xs.iter().enumerate() {
                    let here = idx(path, i);
                    if matches!(item_shape, Shape::Str | Shape::Int | Shape::Enum(_)) {
                        self.map_values.push(MapValue {
                            path: here.clone(),
                            shape: item_shape,
                        });
                    }
                    self.walk(oracle, x, items, &here, &format!("{norm}[]"));
                }
            }
            _ => {}
        }
    }

    fn struct_at(&self, path: &[Seg]) -> Option<&StructSite<'o>> {
        self.structs.iter().find(|s| s.path == path)
    }
}

// ---------------------------------------------------------------- corpus

struct SourceFile {
    label: String,
    docs: Vec<Node>,
}

/// One ray.io/v1 object to mutate: document `doc` of file `file`.
#[derive(Clone)]
struct Target {
    file: usize,
    doc: usize,
    kind: String,
}

struct Corpus {
    files: Vec<SourceFile>,
    targets: Vec<Target>,
    oracles: BTreeMap<String, Oracle>,
}

/// Where the finding must point, resolved in the re-parsed mutated file.
#[derive(Clone, Debug)]
enum Anchor {
    /// The key of the entry at the path.
    Key(Path),
    /// The value at the path.
    Value(Path),
    /// Key or value of the entry at the path.
    Entry(Path),
    /// The object at the path: its own position, or the key that holds it.
    Object(Path),
    Any(Vec<Anchor>),
}

impl Anchor {
    fn positions(&self, doc: &Node) -> Vec<Pos> {
        match self {
            Anchor::Key(p) => entry_at(doc, p).map(|e| e.key_pos).into_iter().collect(),
            Anchor::Value(p) => get(doc, p).map(|n| n.pos).into_iter().collect(),
            Anchor::Entry(p) => [Anchor::Key(p.clone()), Anchor::Value(p.clone())]
                .iter()
                .flat_map(|a| a.positions(doc))
                .collect(),
            Anchor::Object(p) => {
                let mut out: Vec<Pos> = get(doc, p).map(|n| n.pos).into_iter().collect();
                if matches!(p.last(), Some(Seg::K(_))) {
                    out.extend(entry_at(doc, p).map(|e| e.key_pos));
                }
                if p.is_empty() {
                    out.push(doc.pos);
                }
                out
            }
            Anchor::Any(list) => list.iter().flat_map(|a| a.positions(doc)).collect(),
        }
    }

    fn describe(&self) -> String {
        match self {
            Anchor::Key(p) => format!("key {}", show(p)),
            Anchor::Value(p) => format!("value {}", show(p)),
            Anchor::Entry(p) => format!("entry {}", show(p)),
            Anchor::Object(p) if p.is_empty() => "the document".to_owned(),
            Anchor::Object(p) => format!("object {}", show(p)),
            Anchor::Any(list) => list
                .iter()
                .map(Anchor::describe)
                .collect::<Vec<_>>()
                .join(" or "),
        }
    }
}

struct Mutation {
    file: usize,
    /// The whole file before the mutation (a sample, or one derived from it).
    base: Vec<Node>,
    /// The whole mutated file.
    docs: Vec<Node>,
    doc: usize,
    what: String,
    anchor: Anchor,
    /// The KubeRay version the mutated file is validated for (the base: always v1.7).
    version: &'static str,
    /// A code other than the class's, where the mutation calls for it.
    code: Option<&'static str>,
}

impl Corpus {
    fn load(shared: &std::path::Path) -> Corpus {
        let mut files = Vec::new();
        let mut targets = Vec::new();
        for (label, path) in samples::sample_files(shared) {
            let text = fs::read_to_string(&path).unwrap();
            let docs: Vec<Node> = parse_documents(&label, &text, Limits::USER)
                .unwrap_or_else(|d| panic!("{label}: {}", d.message))
                .into_iter()
                .map(|d| d.node)
                .collect();
            for (i, doc) in docs.iter().enumerate() {
                let kind = text_at(doc, &[Seg::K("kind".into())]).unwrap_or_default();
                if text_at(doc, &[Seg::K("apiVersion".into())]) == Some("ray.io/v1")
                    && rayc::model::kuberay::KINDS.contains(&kind)
                {
                    targets.push(Target {
                        file: files.len(),
                        doc: i,
                        kind: kind.to_owned(),
                    });
                }
            }
            files.push(SourceFile { label, docs });
        }
        let oracles = rayc::model::kuberay::KINDS
            .iter()
            .map(|k| {
                let root = rayc::model::kuberay::object_schema(k).unwrap();
                ((*k).to_owned(), Oracle { root })
            })
            .collect();
        Corpus {
            files,
            targets,
            oracles,
        }
    }

    fn doc(&self, t: &Target) -> &Node {
        &self.files[t.file].docs[t.doc]
    }

    fn oracle(&self, t: &Target) -> &Oracle {
        &self.oracles[&t.kind]
    }

    /// A mutation of target `t`: `change` edits its document and says where
    /// the finding must point; `None` means "nothing to do here".
    fn derive(
        &self,
        t: &Target,
        what: impl Into<String>,
        change: impl FnOnce(&mut Node) -> Option<Anchor>,
    ) -> Option<Mutation> {
        let base = self.files[t.file].docs.clone();
        let mut docs = base.clone();
        let anchor = change(&mut docs[t.doc])?;
        Some(Mutation {
            file: t.file,
            base,
            docs,
            doc: t.doc,
            what: what.into(),
            anchor,
            version: "v1.7",
            code: None,
        })
    }
}

// ---------------------------------------------------------------- running one mutation

enum Outcome {
    Detected,
    /// The run fails, but not with the expected code at the expected place.
    Elsewhere(String),
    Missed(String),
}

fn validate_text(label: &str, text: &str) -> (Vec<Node>, Vec<Diagnostic>) {
    validate_for(label, text, "v1.7")
}

fn validate_for(label: &str, text: &str, version: &str) -> (Vec<Node>, Vec<Diagnostic>) {
    let docs = parse_documents(label, text, Limits::USER)
        .unwrap_or_else(|d| panic!("emitted YAML does not parse ({}):\n{text}", d.message));
    let objects: Vec<Object> = docs
        .iter()
        .map(|d| Object {
            file: &d.file,
            node: &d.node,
        })
        .collect();
    // The samples (and the RayCronJobs derived from them) assume an
    // operator with the RayCronJob gate on.
    let ctx = Context {
        kuberay_version: version.parse().unwrap(),
        feature_gates: samples::sample_gates(),
        ..Context::default()
    };
    let diags = rayc::validate::validate(&objects, &ctx).diagnostics;
    (docs.into_iter().map(|d| d.node).collect(), diags)
}

fn render(d: &Diagnostic) -> String {
    format!(
        "{}:{}: {}[{}] {} ({})",
        d.pos.line,
        d.pos.col,
        d.severity.as_str(),
        d.code,
        d.message,
        d.path.as_deref().unwrap_or("-")
    )
}

/// Codes found on each base file, by its emitted text (bases repeat a lot).
type BaseCache = BTreeMap<String, Vec<&'static str>>;

fn run(corpus: &Corpus, class: &Class, m: &Mutation, cache: &mut BaseCache) -> Outcome {
    let label = &corpus.files[m.file].label;
    let base_text = emit(&m.base);
    let base_codes = cache.entry(base_text).or_insert_with_key(|text| {
        let (_, diags) = validate_text(label, text);
        diags.iter().map(|d| d.code.as_str()).collect()
    });
    let code = m.code.unwrap_or(class.code);
    // Control: the finding must be caused by the mutation, not be there already.
    if base_codes.contains(&code) {
        return Outcome::Elsewhere(format!("the file already has {code} before the mutation"));
    }
    let text = emit(&m.docs);
    let (docs, diags) = validate_for(label, &text, m.version);
    if let Some(dir) = std::env::var_os("RAYC_MUTATION_DUMP") {
        let name = format!(
            "{}-{}.yaml",
            class.code,
            m.what.replace(['/', ' ', '"', '.'], "_")
        );
        let listing: String = diags.iter().map(|d| format!("# {}\n", render(d))).collect();
        let _ = fs::write(
            std::path::Path::new(&dir).join(&name[..name.len().min(120)]),
            format!("# {label}: {}\n{listing}{text}", m.what),
        );
    }
    let at = m.anchor.positions(&docs[m.doc]);
    assert!(
        !at.is_empty(),
        "{label}: anchor {} not found after the mutation {}",
        m.anchor.describe(),
        m.what
    );
    let active: Vec<&Diagnostic> = diags.iter().filter(|d| d.suppressed_by.is_none()).collect();
    let hit = |d: &&&Diagnostic| d.code == code && d.severity == class.severity;
    if active.iter().any(|d| hit(&d) && at.contains(&d.pos)) {
        return Outcome::Detected;
    }
    let shown = |ds: &[&Diagnostic]| {
        ds.iter()
            .take(6)
            .map(|d| format!("      {}", render(d)))
            .collect::<Vec<_>>()
            .join("\n")
    };
    let wanted = format!(
        "expected {} at {} ({})",
        code,
        at.iter()
            .map(|p| format!("{}:{}", p.line, p.col))
            .collect::<Vec<_>>()
            .join(" or "),
        m.anchor.describe()
    );
    let failing: Vec<&Diagnostic> = active
        .iter()
        .copied()
        .filter(|d| d.severity == Severity::Error || hit(&d))
        .collect();
    if failing.is_empty() {
        Outcome::Missed(wanted)
    } else {
        Outcome::Elsewhere(format!("{wanted}, got:\n{}", shown(&failing)))
    }
}

// ---------------------------------------------------------------- classes

struct Class {
    name: &'static str,
    schema: bool,
    code: &'static str,
    severity: Severity,
    generate: fn(&Corpus, &mut Rng, &mut Gen),
}

/// Candidates of one class, and how many were dropped as valid (by reason).
#[derive(Default)]
struct Gen {
    list: Vec<Mutation>,
    excluded: BTreeMap<&'static str, usize>,
    /// A few excluded candidates per reason, shown in the output.
    examples: BTreeMap<&'static str, Vec<String>>,
}

impl Gen {
    fn add(&mut self, m: Option<Mutation>) {
        if let Some(m) = m {
            self.list.push(m);
        }
    }

    fn exclude(&mut self, why: &'static str, example: String) {
        *self.excluded.entry(why).or_default() += 1;
        let shown = self.examples.entry(why).or_default();
        if shown.len() < 4 {
            shown.push(example);
        }
    }
}

const CLASSES: &[Class] = &[
    Class {
        name: "misspelt key",
        schema: true,
        code: "RAY101",
        severity: Severity::Error,
        generate: gen_misspelt_key,
    },
    Class {
        name: "misplaced key",
        schema: true,
        code: "RAY101",
        severity: Severity::Error,
        generate: gen_misplaced_key,
    },
    Class {
        name: "wrong type",
        schema: true,
        code: "RAY102",
        severity: Severity::Error,
        generate: gen_wrong_type,
    },
    Class {
        name: "bad enum value",
        schema: true,
        code: "RAY103",
        severity: Severity::Error,
        generate: gen_bad_enum,
    },
    Class {
        name: "bad quantity",
        schema: true,
        code: "RAY104",
        severity: Severity::Error,
        generate: gen_bad_quantity,
    },
    Class {
        name: "deleted required field",
        schema: true,
        code: "RAY105",
        severity: Severity::Error,
        generate: gen_deleted_required,
    },
    Class {
        name: "field newer than the target version",
        schema: true,
        code: "RAY106",
        severity: Severity::Error,
        generate: gen_field_too_new,
    },
    Class {
        name: "field the target version no longer has",
        schema: true,
        code: "RAY106",
        severity: Severity::Error,
        generate: gen_field_removed,
    },
    Class {
        name: "CEL rule broken (managedBy, deletionStrategy)",
        schema: true,
        code: "RAY109",
        severity: Severity::Error,
        generate: gen_cel_rule,
    },
    Class {
        name: "minReplicas > maxReplicas",
        schema: false,
        code: "RAY201",
        severity: Severity::Error,
        generate: gen_min_above_max,
    },
    Class {
        name: "negative replicas",
        schema: false,
        code: "RAY202",
        severity: Severity::Error,
        generate: gen_negative_replicas,
    },
    Class {
        name: "replicas outside [min, max]",
        schema: false,
        code: "RAY203",
        severity: Severity::Warning,
        generate: gen_replicas_outside,
    },
    Class {
        name: "container port out of range",
        schema: false,
        code: "RAY207",
        severity: Severity::Error,
        generate: gen_port_out_of_range,
    },
    Class {
        name: "invalid object name",
        schema: false,
        code: "RAY301",
        severity: Severity::Error,
        generate: gen_invalid_name,
    },
    Class {
        name: "object name too long",
        schema: false,
        code: "RAY302",
        severity: Severity::Error,
        generate: gen_name_too_long,
    },
    Class {
        name: "invalid groupName",
        schema: false,
        code: "RAY303",
        severity: Severity::Error,
        generate: gen_invalid_group_name,
    },
    Class {
        name: "duplicate groupName",
        schema: false,
        code: "RAY304",
        severity: Severity::Error,
        generate: gen_duplicate_group,
    },
    Class {
        name: "duplicate container name",
        schema: false,
        code: "RAY305",
        severity: Severity::Error,
        generate: gen_duplicate_container,
    },
    Class {
        name: "no containers",
        schema: false,
        code: "RAY401",
        severity: Severity::Error,
        generate: gen_no_containers,
    },
    Class {
        name: "sidecar before the Ray container",
        schema: false,
        code: "RAY402",
        severity: Severity::Error,
        generate: gen_sidecar_first,
    },
    Class {
        name: "bad value of a free-string enum",
        schema: false,
        code: "RAY403",
        severity: Severity::Error,
        generate: gen_enum_like,
    },
    Class {
        name: "image placeholder",
        schema: false,
        code: "RAY506",
        severity: Severity::Error,
        generate: gen_image_placeholder,
    },
    Class {
        name: "GPU request without limit",
        schema: false,
        code: "RAY602",
        severity: Severity::Error,
        generate: gen_gpu_without_limit,
    },
    Class {
        name: "labels in rayStartParams",
        schema: false,
        code: "RAY606",
        severity: Severity::Error,
        generate: gen_labels_param,
    },
    Class {
        name: "rayStartParams value not a string",
        schema: false,
        code: "RAY607",
        severity: Severity::Error,
        generate: gen_param_not_string,
    },
    Class {
        name: "autoscaler v2 with restartPolicy Always",
        schema: false,
        code: "RAY704",
        severity: Severity::Error,
        generate: gen_v2_restart_always,
    },
    Class {
        name: "clusterSelector and rayClusterSpec",
        schema: false,
        code: "RAY901",
        severity: Severity::Error,
        generate: gen_selector_and_spec,
    },
    Class {
        name: "suspend without shutdownAfterJobFinishes",
        schema: false,
        code: "RAY903",
        severity: Severity::Error,
        generate: gen_suspend_without_shutdown,
    },
    Class {
        name: "TTL without shutdownAfterJobFinishes",
        schema: false,
        code: "RAY904",
        severity: Severity::Error,
        generate: gen_ttl_without_shutdown,
    },
    Class {
        name: "empty entrypoint",
        schema: false,
        code: "RAY906",
        severity: Severity::Error,
        generate: gen_empty_entrypoint,
    },
    Class {
        name: "runtimeEnvYAML not a YAML mapping",
        schema: false,
        code: "RAY912",
        severity: Severity::Error,
        generate: gen_bad_runtime_env,
    },
    Class {
        name: "bad cron schedule",
        schema: false,
        code: "RAY951",
        severity: Severity::Error,
        generate: gen_bad_schedule,
    },
    Class {
        name: "bad timeZone",
        schema: false,
        code: "RAY953",
        severity: Severity::Error,
        generate: gen_bad_time_zone,
    },
    Class {
        name: "ReadWriteOnce PVC on several pods",
        schema: false,
        code: "RAY961",
        severity: Severity::Error,
        generate: gen_rwo_pvc_shared,
    },
];

/// Top-level `apiVersion` and `kind` say which schema applies at all; breaking
/// them is RAY005 "not a known object", covered by the load tests, not here.
fn is_identity(path: &[Seg]) -> bool {
    matches!(path, [Seg::K(k)] if k == "apiVersion" || k == "kind")
}

fn last_key(path: &[Seg]) -> &str {
    match path.last() {
        Some(Seg::K(k)) => k,
        _ => "",
    }
}

// ---------------------------------------------------------------- schema classes

fn misspell(word: &str, rng: &mut Rng) -> String {
    let chars: Vec<char> = word.chars().collect();
    let n = chars.len();
    let mut out = chars.clone();
    match rng.below(4) {
        0 if n >= 2 => {
            let i = rng.below(n - 1);
            out.swap(i, i + 1);
        }
        1 if n >= 3 => {
            out.remove(rng.below(n));
        }
        2 => {
            let i = rng.below(n);
            out.insert(i, chars[i]);
        }
        _ => {
            let letters: Vec<usize> = (0..n).filter(|&i| chars[i].is_alphabetic()).collect();
            if let Some(&i) = letters.get(rng.below(letters.len().max(1))) {
                let c = chars[i];
                out[i] = if c.is_uppercase() {
                    c.to_ascii_lowercase()
                } else {
                    c.to_ascii_uppercase()
                };
            }
        }
    }
    out.into_iter().collect()
}

fn gen_misspelt_key(corpus: &Corpus, rng: &mut Rng, out: &mut Gen) {
    for t in &corpus.targets {
        let oracle = corpus.oracle(t);
        let sites = Sites::collect(oracle, corpus.doc(t));
        for field in &sites.fields {
            if is_identity(&field.path) {
                continue;
            }
            let parent = &field.path[..field.path.len() - 1];
            let Some(site) = sites.struct_at(parent) else {
                continue;
            };
            let old = last_key(&field.path);
            let new_key = misspell(old, rng);
            let present = get(corpus.doc(t), parent).is_some_and(|m| m.get(&new_key).is_some());
            if new_key == old {
                out.exclude("the misspelling left the key unchanged", show(&field.path));
                continue;
            }
            if oracle.prop(site.schema, &new_key).is_some() || present {
                out.exclude(
                    "the misspelling is another field of the same object",
                    format!("{} -> {new_key}", show(&field.path)),
                );
                continue;
            }
            let what = format!("{} -> {new_key}", show(&field.path));
            out.add(corpus.derive(t, what, |doc| {
                let Value::Map(es) = &mut get_mut(doc, parent)?.value else {
                    return None;
                };
                es.iter_mut()
                    .find(|e| e.key == old)?
                    .key
                    .clone_from(&new_key);
                Some(Anchor::Key(key(parent, &new_key)))
            }));
        }
    }
}

/// The struct objects a key at `field` could be moved into: one level up, one
/// level down (into a sibling's object, or the first item of a sibling list),
/// and into a sibling of its parent object.
fn destinations(sites: &Sites, doc: &Node, field: &[Seg]) -> Vec<(&'static str, Path)> {
    let parent = &field[..field.len() - 1];
    let structs_under = |p: &[Seg], skip: Option<&[Seg]>| -> Vec<Path> {
        let Some(Value::Map(es)) = get(doc, p).map(|n| &n.value) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for e in es {
            let here = key(p, &e.key);
            if skip.is_some_and(|s| s.starts_with(&here)) {
                continue;
            }
            for cand in [here.clone(), idx(&here, 0)] {
                if sites.struct_at(&cand).is_some() {
                    out.push(cand);
                }
            }
        }
        out
    };
    let mut out = Vec::new();
    // Up: the nearest enclosing object above the parent.
    let up = (0..parent.len())
        .rev()
        .map(|n| &parent[..n])
        .find(|p| sites.struct_at(p).is_some());
    if let Some(up) = up {
        out.push(("up", up.to_vec()));
        for sib in structs_under(up, Some(parent)) {
            out.push(("sibling", sib));
        }
    }
    for down in structs_under(parent, Some(field)) {
        out.push(("down", down));
    }
    out
}

/// The path as `field_versions.txt` writes it (struct keys and list items only).
fn norm(path: &[Seg]) -> String {
    let mut out = String::new();
    for seg in path {
        match seg {
            Seg::K(k) if out.is_empty() => out.push_str(k),
            Seg::K(k) => {
                out.push('.');
                out.push_str(k);
            }
            Seg::I(_) => out.push_str("[]"),
        }
    }
    out
}

/// A field some KubeRay version had that the v1.7 model lacks: it has a row
/// of its own in `field_versions.txt` (versions unlike its parent's).
fn older_field(kind: &str, path: &[Seg]) -> bool {
    use rayc::model::kuberay::{KubeRayVersion, present_in};
    let had = |p: &str| -> Vec<bool> {
        KubeRayVersion::iter()
            .map(|v| present_in(kind, p, v))
            .collect()
    };
    let full = norm(path);
    let parent = norm(&path[..path.len().saturating_sub(1)]);
    had(&full).contains(&true) && had(&full) != had(&parent)
}

fn gen_misplaced_key(corpus: &Corpus, rng: &mut Rng, out: &mut Gen) {
    for t in &corpus.targets {
        let oracle = corpus.oracle(t);
        let doc = corpus.doc(t);
        let sites = Sites::collect(oracle, doc);
        for field in &sites.fields {
            if is_identity(&field.path) {
                continue;
            }
            let name = last_key(&field.path).to_owned();
            let mut valid_moves = 0;
            let options: Vec<(&str, Path)> = destinations(&sites, doc, &field.path)
                .into_iter()
                .filter(|(_, dest)| {
                    let site = sites.struct_at(dest);
                    let knows = site.is_some_and(|s| oracle.prop(s.schema, &name).is_some());
                    let has = get(doc, dest).is_some_and(|n| n.get(&name).is_some());
                    if knows || has {
                        valid_moves += 1;
                    }
                    !knows && !has
                })
                .collect();
            if options.is_empty() {
                if valid_moves > 0 {
                    out.exclude(
                        "every destination knows the key (the move is valid)",
                        show(&field.path),
                    );
                }
                continue;
            }
            let (how, dest) = rng.pick(&options).clone();
            let parent = field.path[..field.path.len() - 1].to_vec();
            let what = format!("{} moved {how} into {}", show(&field.path), show(&dest));
            // A key an older KubeRay version had there (head `replicas`) is a version error.
            let code = older_field(&t.kind, &key(&dest, &name)).then_some("RAY106");
            out.add(
                corpus
                    .derive(t, what, |doc| {
                        let moved = remove(doc, &parent, &name)?;
                        // The destination path stays valid: removing a key shifts no list index.
                        let Value::Map(es) = &mut get_mut(doc, &dest)?.value else {
                            return None;
                        };
                        es.push(moved);
                        Some(Anchor::Key(key(&dest, &name)))
                    })
                    .map(|m| Mutation { code, ..m }),
            );
        }
    }
}

/// A value of another type than `shape` wants, or `None` where every other
/// type is accepted or belongs to another class.
fn wrong_value(shape: Shape, old: &Node, rng: &mut Rng) -> Option<(Node, &'static str)> {
    let as_item = || match &old.value {
        Value::Seq(xs) => xs
            .first()
            .cloned()
            .unwrap_or_else(|| map(vec![("x", s("y"))])),
        _ => map(vec![("x", s("y"))]),
    };
    let options: Vec<(Node, &'static str)> = match shape {
        Shape::Str | Shape::Enum(_) => vec![
            (int(7), "integer"),
            (boolean(true), "boolean"),
            (seq(vec![old.clone()]), "list"),
            (map(vec![("x", old.clone())]), "map"),
        ],
        Shape::Int => vec![
            (s(&int_text(old)), "quoted number"),
            (boolean(true), "boolean"),
            (seq(vec![old.clone()]), "list"),
            (new(Value::Float(2.5)), "float"),
        ],
        Shape::Number => vec![
            (s("1"), "quoted number"),
            (boolean(false), "boolean"),
            (seq(vec![old.clone()]), "list"),
        ],
        Shape::Bool => vec![
            (s("true"), "quoted boolean"),
            (int(1), "integer"),
            (s("yes"), "string"),
            (seq(vec![old.clone()]), "list"),
        ],
        Shape::Array(_) => vec![
            (as_item(), "single item without a list"),
            (s("x"), "string"),
            (int(1), "integer"),
        ],
        Shape::Struct(_) | Shape::Map(_) => vec![
            (seq(vec![old.clone()]), "list of the object"),
            (s("x"), "string"),
            (int(1), "integer"),
            (boolean(true), "boolean"),
        ],
        // Integers and strings are both right; floats in quantities are bad quantities.
        Shape::IntOrString => vec![
            (boolean(true), "boolean"),
            (seq(vec![old.clone()]), "list"),
            (new(Value::Float(1.5)), "float"),
        ],
        Shape::Quantity => vec![
            (boolean(true), "boolean"),
            (seq(vec![old.clone()]), "list"),
            (map(vec![("x", old.clone())]), "map"),
        ],
        Shape::Any => return None,
    };
    Some(rng.pick(&options).clone())
}

fn int_text(n: &Node) -> String {
    match n.value {
        Value::Int(i) => i.to_string(),
        _ => "3".to_owned(),
    }
}

fn gen_wrong_type(corpus: &Corpus, rng: &mut Rng, out: &mut Gen) {
    for t in &corpus.targets {
        let oracle = corpus.oracle(t);
        let doc = corpus.doc(t);
        let sites = Sites::collect(oracle, doc);
        let mut spots: Vec<(Path, Shape)> = sites
            .fields
            .iter()
            .filter(|f| !is_identity(&f.path))
            .map(|f| (f.path.clone(), f.shape))
            .collect();
        spots.extend(sites.map_values.iter().map(|v| (v.path.clone(), v.shape)));
        for (path, shape) in spots {
            let Some(old) = get(doc, &path) else { continue };
            let Some((value, how)) = wrong_value(shape, old, rng) else {
                out.exclude("the field accepts any value", show(&path));
                continue;
            };
            let what = format!("{} ({}) = {how}", show(&path), shape.name());
            // One token, one finding: RAY607 names a non-string rayStartParams value.
            let in_params =
                path.len() >= 2 && path[path.len() - 2] == Seg::K("rayStartParams".to_owned());
            out.add(
                corpus
                    .derive(t, what, |doc| {
                        *get_mut(doc, &path)? = value;
                        Some(Anchor::Value(path.clone()))
                    })
                    .map(|m| Mutation {
                        code: in_params.then_some("RAY607"),
                        ..m
                    }),
            );
        }
    }
}

fn gen_bad_enum(corpus: &Corpus, rng: &mut Rng, out: &mut Gen) {
    for t in &corpus.targets {
        let oracle = corpus.oracle(t);
        let doc = corpus.doc(t);
        let sites = Sites::collect(oracle, doc);
        let mut spots: Vec<(Path, &[J])> = Vec::new();
        for f in &sites.fields {
            if let Shape::Enum(values) = f.shape {
                spots.push((f.path.clone(), values));
            }
        }
        // Enum fields the document leaves out are inserted with a bad value.
        for st in &sites.structs {
            for (name, p) in oracle.props(st.schema) {
                if let Shape::Enum(values) = oracle.shape(p)
                    && get(doc, &st.path).is_some_and(|n| n.get(name).is_none())
                {
                    spots.push((key(&st.path, name), values));
                }
            }
        }
        for (path, values) in spots {
            let allowed: Vec<&str> = values.iter().filter_map(J::as_str).collect();
            let base =
                text_at(doc, &path).map_or_else(|| (*rng.pick(&allowed)).to_owned(), str::to_owned);
            // Two different mistakes per field: case, a typo, or a word from elsewhere.
            let first = rng.below(4);
            for op in [first, (first + 1 + rng.below(3)) % 4] {
                let bad = match op {
                    0 => base.to_uppercase(),
                    1 => base.to_lowercase(),
                    2 => misspell(&base, rng),
                    _ => (*rng.pick(&["Default", "None", "true", "Always", "enabled"])).to_owned(),
                };
                if allowed.contains(&bad.as_str()) {
                    out.exclude(
                        "the changed value is another allowed value",
                        format!("{} = {bad:?}", show(&path)),
                    );
                    continue;
                }
                let path = path.clone();
                let what = format!("{} = {bad:?}", show(&path));
                out.add(corpus.derive(t, what, |doc| {
                    let (Seg::K(name), parent) = path.split_last()? else {
                        return None;
                    };
                    set(doc, parent, name, s(&bad))?;
                    Some(Anchor::Value(path.clone()))
                }));
            }
        }
    }
}

fn gen_bad_quantity(corpus: &Corpus, rng: &mut Rng, out: &mut Gen) {
    let bad: Vec<(Node, &str)> = vec![
        (new(Value::Float(0.5)), "float 0.5"),
        (new(Value::Float(1.0)), "float 1.0"),
        (int(-1), "negative integer"),
        (s("-500m"), "negative string"),
        (s("1.2.3Gi"), "two decimal points"),
        (s("10 Gi"), "space before the unit"),
        (s("4GB"), "unknown unit"),
        (s("1K"), "upper-case decimal suffix"),
        (s("512mi"), "lower-case binary suffix"),
        (s("two"), "a word"),
    ];
    for t in &corpus.targets {
        let doc = corpus.doc(t);
        let sites = Sites::collect(corpus.oracle(t), doc);
        let mut spots: Vec<Path> = Vec::new();
        spots.extend(
            sites
                .fields
                .iter()
                .filter(|f| matches!(f.shape, Shape::Quantity))
                .map(|f| f.path.clone()),
        );
        spots.extend(
            sites
                .map_values
                .iter()
                .filter(|v| matches!(v.shape, Shape::Quantity))
                .map(|v| v.path.clone()),
        );
        for path in spots {
            let (value, how) = rng.pick(&bad).clone();
            let what = format!("{} = {how}", show(&path));
            // The CRD admits a well-formed negative resource amount: RAY210
            // reports it (the pods are refused), not the schema.
            let negative = how.starts_with("negative")
                && path.len() >= 3
                && path[path.len() - 3] == Seg::K("resources".to_owned());
            out.add(
                corpus
                    .derive(t, what, |doc| {
                        *get_mut(doc, &path)? = value;
                        Some(Anchor::Value(path.clone()))
                    })
                    .map(|m| Mutation {
                        code: negative.then_some("RAY210"),
                        ..m
                    }),
            );
        }
    }
}

fn gen_deleted_required(corpus: &Corpus, _rng: &mut Rng, out: &mut Gen) {
    for t in &corpus.targets {
        let oracle = corpus.oracle(t);
        let doc = corpus.doc(t);
        let sites = Sites::collect(oracle, doc);
        for st in &sites.structs {
            for name in oracle.required(st.schema) {
                let path = key(&st.path, name);
                if is_identity(&path) || get(doc, &path).is_none() {
                    continue;
                }
                let what = format!("{} deleted", show(&path));
                out.add(corpus.derive(t, what, |doc| {
                    remove(doc, &st.path, name)?;
                    Some(Anchor::Object(st.path.clone()))
                }));
            }
        }
    }
}

/// The unchanged file validated for the version before the one that introduced
/// a field it uses (the topmost such field: its children share its version).
fn gen_field_too_new(corpus: &Corpus, _rng: &mut Rng, out: &mut Gen) {
    use rayc::model::kuberay::{
        KUBERAY_VERSIONS, KubeRayVersion, introduced_in, present_in, version_index,
    };
    for t in &corpus.targets {
        let sites = Sites::collect(corpus.oracle(t), corpus.doc(t));
        for f in &sites.fields {
            let Some(since) = introduced_in(&t.kind, &f.norm) else {
                continue;
            };
            let parent = f.norm.rsplit_once('.').map_or("", |(p, _)| p);
            let parent = parent.trim_end_matches("[]").trim_end_matches("{}");
            if introduced_in(&t.kind, parent) == Some(since) {
                continue;
            }
            let Some(older) = version_index(since)
                .and_then(|i| i.checked_sub(1))
                .map(|i| KUBERAY_VERSIONS[i])
            else {
                continue;
            };
            if !KubeRayVersion::parse(older).is_some_and(|v| present_in(&t.kind, "", v)) {
                // The whole kind is newer (RayCronJob before v1.6): one error on `kind`.
                continue;
            }
            let path = f.path.clone();
            let what = format!("{} (since {since}) validated for {older}", show(&path));
            if let Some(mut m) = corpus.derive(t, what, |_| Some(Anchor::Key(path.clone()))) {
                m.version = older;
                out.add(Some(m));
            }
        }
    }
}

/// Fields older KubeRay versions had and v1.7 dropped, added to the object.
fn gen_field_removed(corpus: &Corpus, _rng: &mut Rng, out: &mut Gen) {
    for t in &corpus.targets {
        let doc = corpus.doc(t);
        let mut spots: Vec<(Path, &str, Node)> = Vec::new();
        // Only KubeRay v1.0 had a head `replicas`; RayCronJob (v1.6) never did.
        if t.kind != "RayCronJob" {
            for c in cluster_specs(doc, &t.kind) {
                spots.push((key(&c, "headGroupSpec"), "replicas", int(1)));
            }
        }
        for pod in pod_specs(doc, &t.kind) {
            spots.push((pod, "workloadRef", map(vec![("name", s("w"))])));
        }
        if t.kind == "RayJob" {
            spots.push((k1("spec"), "runtimeEnv", s("e30=")));
            spots.push((k1("spec"), "deletionPolicy", s("DeleteCluster")));
        }
        if t.kind == "RayService" {
            spots.push((k1("spec"), "serveConfig", seq(vec![])));
        }
        for (parent, field, value) in spots {
            let path = key(&parent, field);
            let what = format!("{} added", show(&path));
            out.add(corpus.derive(t, what, |doc| {
                set(doc, &parent, field, value)?;
                Some(Anchor::Key(path.clone()))
            }));
        }
    }
}

fn gen_cel_rule(corpus: &Corpus, rng: &mut Rng, out: &mut Gen) {
    for t in &corpus.targets {
        for spec in specs_with_managed_by(corpus.doc(t), &t.kind) {
            let value = *rng.pick(&[
                "kuberay",
                "ray.io/operator",
                "kueue",
                "Kueue.x-k8s.io/multikueue",
            ]);
            let what = format!("{}.managedBy = {value:?}", show(&spec));
            out.add(corpus.derive(t, what, |doc| {
                set(doc, &spec, "managedBy", s(value))?;
                Some(Anchor::Value(key(&spec, "managedBy")))
            }));
        }
        for job in job_specs(corpus.doc(t), &t.kind) {
            let what = format!("{}.deletionStrategy with onSuccess only", show(&job));
            out.add(corpus.derive(t, what, |doc| {
                remove(doc, &job, "shutdownAfterJobFinishes");
                let policy = map(vec![("policy", s("DeleteCluster"))]);
                set(
                    doc,
                    &job,
                    "deletionStrategy",
                    map(vec![("onSuccess", policy)]),
                )?;
                Some(Anchor::Key(key(&job, "deletionStrategy")))
            }));
        }
    }
}

// ---------------------------------------------------------------- where things live in an object

fn k1(name: &str) -> Path {
    vec![Seg::K(name.to_owned())]
}

/// The RayCluster specs of an object.
fn cluster_specs(doc: &Node, kind: &str) -> Vec<Path> {
    let p = match kind {
        "RayCluster" => k1("spec"),
        "RayJob" => key(&k1("spec"), "rayClusterSpec"),
        "RayService" => key(&k1("spec"), "rayClusterConfig"),
        "RayCronJob" => key(&key(&k1("spec"), "jobTemplate"), "rayClusterSpec"),
        _ => return Vec::new(),
    };
    get(doc, &p).is_some().then_some(p).into_iter().collect()
}

/// The RayJob specs of an object (a RayCronJob's job template too).
fn job_specs(doc: &Node, kind: &str) -> Vec<Path> {
    let p = match kind {
        "RayJob" => k1("spec"),
        "RayCronJob" => key(&k1("spec"), "jobTemplate"),
        _ => return Vec::new(),
    };
    get(doc, &p).is_some().then_some(p).into_iter().collect()
}

fn specs_with_managed_by(doc: &Node, kind: &str) -> Vec<Path> {
    match kind {
        "RayCluster" | "RayJob" | "RayService" => vec![k1("spec")],
        _ => job_specs(doc, kind),
    }
    .into_iter()
    .filter(|p| get(doc, p).is_some())
    .collect()
}

/// Worker groups of every cluster of an object.
fn worker_groups(doc: &Node, kind: &str) -> Vec<Path> {
    let mut out = Vec::new();
    for c in cluster_specs(doc, kind) {
        let list = key(&c, "workerGroupSpecs");
        out.extend((0..seq_len(doc, &list)).map(|i| idx(&list, i)));
    }
    out
}

/// The head group and every worker group.
fn groups(doc: &Node, kind: &str) -> Vec<Path> {
    let mut out = Vec::new();
    for c in cluster_specs(doc, kind) {
        let head = key(&c, "headGroupSpec");
        if get(doc, &head).is_some() {
            out.push(head);
        }
    }
    out.extend(worker_groups(doc, kind));
    out
}

/// Pod specs (`template.spec`) of every group.
fn pod_specs(doc: &Node, kind: &str) -> Vec<Path> {
    groups(doc, kind)
        .into_iter()
        .map(|g| key(&key(&g, "template"), "spec"))
        .filter(|p| get(doc, p).is_some())
        .collect()
}

/// Every container of every Ray pod.
fn containers(doc: &Node, kind: &str) -> Vec<Path> {
    let mut out = Vec::new();
    for pod in pod_specs(doc, kind) {
        let list = key(&pod, "containers");
        out.extend((0..seq_len(doc, &list)).map(|i| idx(&list, i)));
    }
    out
}

// ---------------------------------------------------------------- semantic classes

fn gen_min_above_max(corpus: &Corpus, rng: &mut Rng, out: &mut Gen) {
    for t in &corpus.targets {
        for g in worker_groups(corpus.doc(t), &t.kind) {
            let max = int_at(corpus.doc(t), &key(&g, "maxReplicas"));
            let min = max.map_or(3, |m| m + 1 + rng.below(3) as i64);
            let what = format!("{}.minReplicas = {min} (maxReplicas {max:?})", show(&g));
            out.add(corpus.derive(t, what, |doc| {
                if max.is_none() {
                    set(doc, &g, "maxReplicas", int(1))?;
                }
                set(doc, &g, "minReplicas", int(min))?;
                Some(Anchor::Value(key(&g, "minReplicas")))
            }));
        }
    }
}

fn gen_negative_replicas(corpus: &Corpus, rng: &mut Rng, out: &mut Gen) {
    for t in &corpus.targets {
        for g in worker_groups(corpus.doc(t), &t.kind) {
            let field = *rng.pick(&["replicas", "minReplicas", "maxReplicas"]);
            let what = format!("{}.{field} = -1", show(&g));
            out.add(corpus.derive(t, what, |doc| {
                set(doc, &g, field, int(-1))?;
                Some(Anchor::Value(key(&g, field)))
            }));
        }
    }
}

fn gen_replicas_outside(corpus: &Corpus, rng: &mut Rng, out: &mut Gen) {
    for t in &corpus.targets {
        for g in worker_groups(corpus.doc(t), &t.kind) {
            let doc = corpus.doc(t);
            let min = int_at(doc, &key(&g, "minReplicas")).unwrap_or(0);
            let max = int_at(doc, &key(&g, "maxReplicas"));
            let above = max.is_some() && (min == 0 || rng.below(2) == 0);
            let (replicas, bounds) = match max {
                Some(max) if above => (max + 1 + rng.below(4) as i64, None),
                _ if min > 0 => (min - 1, None),
                // No bounds to leave: set them.
                _ => (5, Some((1, 3))),
            };
            let what = format!("{}.replicas = {replicas} (bounds {min}..{max:?})", show(&g));
            out.add(corpus.derive(t, what, |doc| {
                if let Some((lo, hi)) = bounds {
                    set(doc, &g, "minReplicas", int(lo))?;
                    set(doc, &g, "maxReplicas", int(hi))?;
                }
                set(doc, &g, "replicas", int(replicas))?;
                Some(Anchor::Value(key(&g, "replicas")))
            }));
        }
    }
}

fn gen_port_out_of_range(corpus: &Corpus, rng: &mut Rng, out: &mut Gen) {
    for t in &corpus.targets {
        for c in containers(corpus.doc(t), &t.kind) {
            let ports = key(&c, "ports");
            for i in 0..seq_len(corpus.doc(t), &ports) {
                let p = idx(&ports, i);
                let value = *rng.pick(&[0, 65536, 80650, -8265]);
                let what = format!("{}.containerPort = {value}", show(&p));
                out.add(corpus.derive(t, what, |doc| {
                    set(doc, &p, "containerPort", int(value))?;
                    Some(Anchor::Value(key(&p, "containerPort")))
                }));
            }
        }
    }
}

fn name_path() -> Path {
    key(&k1("metadata"), "name")
}

fn gen_invalid_name(corpus: &Corpus, rng: &mut Rng, out: &mut Gen) {
    for t in &corpus.targets {
        let Some(old) = text_at(corpus.doc(t), &name_path()) else {
            continue;
        };
        let bad = match rng.below(4) {
            0 => old.to_uppercase(),
            1 if old.contains('-') => old.replace('-', "_"),
            1 => format!("{old}_v2"),
            2 => format!("{old}.prod"),
            _ => format!("1{old}"),
        };
        let what = format!("metadata.name = {bad:?}");
        out.add(corpus.derive(t, what, |doc| {
            set(doc, &k1("metadata"), "name", s(&bad))?;
            Some(Anchor::Value(name_path()))
        }));
    }
}

fn gen_name_too_long(corpus: &Corpus, rng: &mut Rng, out: &mut Gen) {
    for t in &corpus.targets {
        let Some(old) = text_at(corpus.doc(t), &name_path()) else {
            continue;
        };
        let limit = match t.kind.as_str() {
            "RayCluster" => 53,
            "RayCronJob" => 41,
            _ => 47,
        };
        let len = limit + 1 + rng.below(63 - limit);
        let mut name = old.to_owned();
        while name.len() < len {
            name.push_str("-x");
        }
        name.truncate(len);
        let name = format!("{}z", name.trim_end_matches('-'));
        let what = format!("metadata.name has {} characters", name.len());
        out.add(corpus.derive(t, what, |doc| {
            set(doc, &k1("metadata"), "name", s(&name))?;
            Some(Anchor::Value(name_path()))
        }));
    }
}

fn gen_invalid_group_name(corpus: &Corpus, rng: &mut Rng, out: &mut Gen) {
    for t in &corpus.targets {
        for g in worker_groups(corpus.doc(t), &t.kind) {
            let old = text_at(corpus.doc(t), &key(&g, "groupName")).unwrap_or("workers");
            let bad = match rng.below(3) {
                0 => old.to_uppercase(),
                1 => format!("{old}_group"),
                _ => format!("{old}-"),
            };
            let what = format!("{}.groupName = {bad:?}", show(&g));
            out.add(corpus.derive(t, what, |doc| {
                set(doc, &g, "groupName", s(&bad))?;
                Some(Anchor::Value(key(&g, "groupName")))
            }));
        }
    }
}

fn gen_duplicate_group(corpus: &Corpus, _rng: &mut Rng, out: &mut Gen) {
    for t in &corpus.targets {
        let doc = corpus.doc(t);
        for c in cluster_specs(doc, &t.kind) {
            let list = key(&c, "workerGroupSpecs");
            let n = seq_len(doc, &list);
            if n == 0 {
                continue;
            }
            // A copy of the first group appended, as when a group is duplicated to make a new one.
            let what = format!("{} copied to the end", show(&idx(&list, 0)));
            out.add(corpus.derive(t, what, |doc| {
                let copy = get(doc, &idx(&list, 0))?.clone();
                let Value::Seq(xs) = &mut get_mut(doc, &list)?.value else {
                    return None;
                };
                xs.push(copy);
                Some(Anchor::Value(key(&idx(&list, n), "groupName")))
            }));
            if n >= 2 {
                let name = text_at(doc, &key(&idx(&list, 0), "groupName"))
                    .unwrap_or_default()
                    .to_owned();
                let what = format!("{}.groupName = {name:?}", show(&idx(&list, n - 1)));
                out.add(corpus.derive(t, what, |doc| {
                    set(doc, &idx(&list, n - 1), "groupName", s(&name))?;
                    Some(Anchor::Value(key(&idx(&list, n - 1), "groupName")))
                }));
            }
        }
    }
}

fn sidecar(name: &str) -> Node {
    map(vec![
        ("name", s(name)),
        ("image", s("fluent/fluent-bit:3.0")),
    ])
}

fn gen_duplicate_container(corpus: &Corpus, _rng: &mut Rng, out: &mut Gen) {
    for t in &corpus.targets {
        for pod in pod_specs(corpus.doc(t), &t.kind) {
            let list = key(&pod, "containers");
            let n = seq_len(corpus.doc(t), &list);
            let Some(name) = text_at(corpus.doc(t), &key(&idx(&list, 0), "name")) else {
                continue;
            };
            let name = name.to_owned();
            let what = format!("sidecar named {name:?} appended to {}", show(&list));
            out.add(corpus.derive(t, what, |doc| {
                let Value::Seq(xs) = &mut get_mut(doc, &list)?.value else {
                    return None;
                };
                xs.push(sidecar(&name));
                Some(Anchor::Value(key(&idx(&list, n), "name")))
            }));
        }
    }
}

fn gen_no_containers(corpus: &Corpus, _rng: &mut Rng, out: &mut Gen) {
    for t in &corpus.targets {
        for pod in pod_specs(corpus.doc(t), &t.kind) {
            let what = format!("{}.containers = []", show(&pod));
            out.add(corpus.derive(t, what, |doc| {
                set(doc, &pod, "containers", seq(vec![]))?;
                Some(Anchor::Entry(key(&pod, "containers")))
            }));
        }
    }
}

/// The image of a container names Ray (`rayproject/ray`, `…/ray-ml`, `…/emr/ray`).
fn is_ray_image(image: &str) -> bool {
    let repo = image.split(['@', ':']).next().unwrap_or("");
    repo.rsplit('/').next().is_some_and(|r| r.contains("ray"))
}

fn gen_sidecar_first(corpus: &Corpus, _rng: &mut Rng, out: &mut Gen) {
    for t in &corpus.targets {
        for pod in pod_specs(corpus.doc(t), &t.kind) {
            let list = key(&pod, "containers");
            let image = text_at(corpus.doc(t), &key(&idx(&list, 0), "image")).unwrap_or("");
            if !is_ray_image(image) {
                // The rule recognises the Ray container by a Ray image; without
                // one a sidecar first cannot be told from a custom Ray image.
                out.exclude(
                    "the Ray container's image is not recognisably Ray",
                    format!("{}: {image:?}", show(&list)),
                );
                continue;
            }
            let what = format!("sidecar inserted first in {}", show(&list));
            out.add(corpus.derive(t, what, |doc| {
                let Value::Seq(xs) = &mut get_mut(doc, &list)?.value else {
                    return None;
                };
                xs.insert(0, sidecar("log-shipper"));
                let first = idx(&list, 0);
                Some(Anchor::Any(vec![
                    Anchor::Value(key(&first, "name")),
                    Anchor::Object(first),
                ]))
            }));
        }
    }
}

fn gen_enum_like(corpus: &Corpus, rng: &mut Rng, out: &mut Gen) {
    for t in &corpus.targets {
        let doc = corpus.doc(t);
        let mut spots: Vec<(Path, &str)> = Vec::new();
        for c in containers(doc, &t.kind) {
            spots.push((c.clone(), "imagePullPolicy"));
            let ports = key(&c, "ports");
            for i in 0..seq_len(doc, &ports) {
                spots.push((idx(&ports, i), "protocol"));
            }
        }
        for pod in pod_specs(doc, &t.kind) {
            spots.push((pod, "restartPolicy"));
        }
        for c in cluster_specs(doc, &t.kind) {
            spots.push((key(&c, "headGroupSpec"), "serviceType"));
        }
        for j in job_specs(doc, &t.kind) {
            spots.push((j, "submissionMode"));
        }
        let bad: &[(&str, &[&str])] = &[
            ("imagePullPolicy", &["IfNotPresnt", "always", "IfNotExists"]),
            ("protocol", &["tcp", "HTTP", "grpc"]),
            ("restartPolicy", &["never", "Sometimes", "Always-On"]),
            ("serviceType", &["Loadbalancer", "Ingress", "clusterIP"]),
            ("submissionMode", &["K8sJob", "sidecarMode", "HttpMode"]),
        ];
        for (parent, field) in spots {
            let options = bad.iter().find(|(f, _)| *f == field).unwrap().1;
            let value = *rng.pick(options);
            let path = key(&parent, field);
            let what = format!("{} = {value:?}", show(&path));
            out.add(corpus.derive(t, what, |doc| {
                set(doc, &parent, field, s(value))?;
                Some(Anchor::Value(path.clone()))
            }));
        }
    }
}

fn gen_image_placeholder(corpus: &Corpus, rng: &mut Rng, out: &mut Gen) {
    for t in &corpus.targets {
        for c in containers(corpus.doc(t), &t.kind) {
            let old = text_at(corpus.doc(t), &key(&c, "image")).unwrap_or("rayproject/ray");
            let (repo, tag) = old.rsplit_once(':').unwrap_or((old, "latest"));
            let bad = match rng.below(3) {
                0 => format!("{repo}:${{RAY_TAG}}"),
                1 => format!("$REGISTRY/{}", repo.rsplit('/').next().unwrap_or(repo)),
                _ => format!("{repo}:$(TAG)-{tag}"),
            };
            let path = key(&c, "image");
            let what = format!("{} = {bad:?}", show(&path));
            out.add(corpus.derive(t, what, |doc| {
                set(doc, &c, "image", s(&bad))?;
                Some(Anchor::Value(path.clone()))
            }));
        }
    }
}

fn gen_gpu_without_limit(corpus: &Corpus, _rng: &mut Rng, out: &mut Gen) {
    for t in &corpus.targets {
        for pod in pod_specs(corpus.doc(t), &t.kind) {
            let c = idx(&key(&pod, "containers"), 0);
            if get(corpus.doc(t), &c).is_none() {
                continue;
            }
            let resources = key(&c, "resources");
            let what = format!(
                "{}.requests[nvidia.com/gpu] = 1, no limit",
                show(&resources)
            );
            out.add(corpus.derive(t, what, |doc| {
                remove(doc, &key(&resources, "limits"), "nvidia.com/gpu");
                set(doc, &key(&resources, "requests"), "nvidia.com/gpu", int(1))?;
                Some(Anchor::Entry(key(
                    &key(&resources, "requests"),
                    "nvidia.com/gpu",
                )))
            }));
        }
    }
}

fn gen_labels_param(corpus: &Corpus, _rng: &mut Rng, out: &mut Gen) {
    for t in &corpus.targets {
        for g in groups(corpus.doc(t), &t.kind) {
            let params = key(&g, "rayStartParams");
            let what = format!("{}.labels set", show(&params));
            out.add(corpus.derive(t, what, |doc| {
                set(doc, &params, "labels", s("zone=us-east-1a"))?;
                Some(Anchor::Entry(key(&params, "labels")))
            }));
        }
    }
}

fn gen_param_not_string(corpus: &Corpus, rng: &mut Rng, out: &mut Gen) {
    for t in &corpus.targets {
        let doc = corpus.doc(t);
        for g in groups(doc, &t.kind) {
            let params = key(&g, "rayStartParams");
            let keys: Vec<String> = match get(doc, &params).map(|n| &n.value) {
                Some(Value::Map(es)) => es.iter().map(|e| e.key.clone()).collect(),
                _ => Vec::new(),
            };
            let (name, value) = if keys.is_empty() {
                ("object-store-memory".to_owned(), int(100_000_000))
            } else {
                let name = rng.pick(&keys).clone();
                let old = text_at(doc, &key(&params, &name)).unwrap_or("");
                let value = match (old.parse::<i64>(), old) {
                    (Ok(i), _) => int(i),
                    (_, "true" | "false") => boolean(old == "true"),
                    _ => int(1),
                };
                (name, value)
            };
            let path = key(&params, &name);
            let what = format!("{} = {}", show(&path), inline(&value));
            out.add(corpus.derive(t, what, |doc| {
                set(doc, &params, &name, value)?;
                Some(Anchor::Value(path.clone()))
            }));
        }
    }
}

fn head_env_has(doc: &Node, cluster: &[Seg], name: &str) -> bool {
    let env = key(
        &idx(
            &key(
                &key(&key(&key(cluster, "headGroupSpec"), "template"), "spec"),
                "containers",
            ),
            0,
        ),
        "env",
    );
    (0..seq_len(doc, &env)).any(|i| text_at(doc, &key(&idx(&env, i), "name")) == Some(name))
}

fn gen_v2_restart_always(corpus: &Corpus, rng: &mut Rng, out: &mut Gen) {
    for t in &corpus.targets {
        let doc = corpus.doc(t);
        for c in cluster_specs(doc, &t.kind) {
            let pods: Vec<Path> = pod_specs(doc, &t.kind)
                .into_iter()
                .filter(|p| p.starts_with(&c))
                .collect();
            if pods.is_empty() {
                continue;
            }
            let pod = rng.pick(&pods).clone();
            let env_v2 = head_env_has(doc, &c, "RAY_enable_autoscaler_v2");
            let what = format!(
                "autoscaler v2 on {}, {}.restartPolicy = Always",
                show(&c),
                show(&pod)
            );
            out.add(corpus.derive(t, what, |doc| {
                set(doc, &c, "enableInTreeAutoscaling", boolean(true))?;
                if !env_v2 {
                    set(doc, &key(&c, "autoscalerOptions"), "version", s("v2"))?;
                }
                set(doc, &pod, "restartPolicy", s("Always"))?;
                Some(Anchor::Value(key(&pod, "restartPolicy")))
            }));
        }
    }
}

fn gen_selector_and_spec(corpus: &Corpus, _rng: &mut Rng, out: &mut Gen) {
    for t in &corpus.targets {
        let doc = corpus.doc(t);
        for j in job_specs(doc, &t.kind) {
            if get(doc, &key(&j, "rayClusterSpec")).is_none() {
                continue;
            }
            let what = format!("{}.clusterSelector added next to rayClusterSpec", show(&j));
            out.add(corpus.derive(t, what, |doc| {
                let selector = map(vec![("ray.io/cluster", s("shared-cluster"))]);
                set(doc, &j, "clusterSelector", selector)?;
                Some(Anchor::Key(key(&j, "clusterSelector")))
            }));
        }
    }
}

fn gen_suspend_without_shutdown(corpus: &Corpus, _rng: &mut Rng, out: &mut Gen) {
    for t in &corpus.targets {
        for j in job_specs(corpus.doc(t), &t.kind) {
            let what = format!("{}.suspend = true, no shutdownAfterJobFinishes", show(&j));
            out.add(corpus.derive(t, what, |doc| {
                remove(doc, &j, "shutdownAfterJobFinishes");
                remove(doc, &j, "ttlSecondsAfterFinished");
                set(doc, &j, "suspend", boolean(true))?;
                Some(Anchor::Entry(key(&j, "suspend")))
            }));
        }
    }
}

fn gen_ttl_without_shutdown(corpus: &Corpus, rng: &mut Rng, out: &mut Gen) {
    for t in &corpus.targets {
        for j in job_specs(corpus.doc(t), &t.kind) {
            let ttl = *rng.pick(&[60, 300, 3600]);
            let what = format!("{}.ttlSecondsAfterFinished = {ttl}, no shutdown", show(&j));
            out.add(corpus.derive(t, what, |doc| {
                remove(doc, &j, "shutdownAfterJobFinishes");
                set(doc, &j, "ttlSecondsAfterFinished", int(ttl))?;
                Some(Anchor::Entry(key(&j, "ttlSecondsAfterFinished")))
            }));
        }
    }
}

fn gen_empty_entrypoint(corpus: &Corpus, rng: &mut Rng, out: &mut Gen) {
    for t in &corpus.targets {
        let doc = corpus.doc(t);
        for j in job_specs(doc, &t.kind) {
            if text_at(doc, &key(&j, "submissionMode")) == Some("InteractiveMode") {
                continue;
            }
            let value = *rng.pick(&["", "  "]);
            let what = format!("{}.entrypoint = {value:?}", show(&j));
            out.add(corpus.derive(t, what, |doc| {
                set(doc, &j, "entrypoint", s(value))?;
                Some(Anchor::Entry(key(&j, "entrypoint")))
            }));
        }
    }
}

fn gen_bad_runtime_env(corpus: &Corpus, rng: &mut Rng, out: &mut Gen) {
    for t in &corpus.targets {
        for j in job_specs(corpus.doc(t), &t.kind) {
            let value = *rng.pick(&[
                "- requests==2.26.0",
                "pip: [requests\nenv_vars: {A: b}",
                "just a string",
            ]);
            let what = format!("{}.runtimeEnvYAML = {value:?}", show(&j));
            out.add(corpus.derive(t, what, |doc| {
                set(doc, &j, "runtimeEnvYAML", s(value))?;
                Some(Anchor::Entry(key(&j, "runtimeEnvYAML")))
            }));
        }
    }
}

/// RayCronJobs to mutate: the sample ones, and every RayJob wrapped into a
/// RayCronJob (`spec.jobTemplate` = the job's spec) that validates cleanly.
fn cron_targets(corpus: &Corpus) -> Vec<(Target, Vec<Node>)> {
    let mut out = Vec::new();
    for t in &corpus.targets {
        let docs = corpus.files[t.file].docs.clone();
        match t.kind.as_str() {
            "RayCronJob" => out.push((t.clone(), docs)),
            "RayJob" => {
                let Some(spec) = get(corpus.doc(t), &k1("spec")) else {
                    continue;
                };
                let mut docs = docs;
                docs[t.doc] = map(vec![
                    ("apiVersion", s("ray.io/v1")),
                    ("kind", s("RayCronJob")),
                    (
                        "metadata",
                        map(vec![("name", s(&format!("nightly-{}", out.len())))]),
                    ),
                    (
                        "spec",
                        map(vec![
                            ("schedule", s("0 2 * * *")),
                            ("jobTemplate", spec.clone()),
                        ]),
                    ),
                ]);
                let (_, diags) = validate_text("cron.yaml", &emit(&docs));
                if diags.iter().any(|d| d.severity == Severity::Error) {
                    continue;
                }
                let target = Target {
                    kind: "RayCronJob".to_owned(),
                    ..t.clone()
                };
                out.push((target, docs));
            }
            _ => {}
        }
    }
    out
}

fn cron_mutations(
    corpus: &Corpus,
    rng: &mut Rng,
    out: &mut Gen,
    field: &str,
    values: &[&'static str],
) {
    for (t, base) in cron_targets(corpus) {
        for _ in 0..2 {
            let value = *rng.pick(values);
            let mut docs = base.clone();
            let spec = k1("spec");
            if set(&mut docs[t.doc], &spec, field, s(value)).is_none() {
                continue;
            }
            if field == "timeZone" {
                set(&mut docs[t.doc], &spec, "schedule", s("0 2 * * *"));
            }
            out.add(Some(Mutation {
                file: t.file,
                base: base.clone(),
                docs,
                doc: t.doc,
                what: format!("spec.{field} = {value:?}"),
                anchor: Anchor::Value(key(&spec, field)),
                version: "v1.7",
                code: None,
            }));
        }
    }
}

fn gen_bad_schedule(corpus: &Corpus, rng: &mut Rng, out: &mut Gen) {
    cron_mutations(
        corpus,
        rng,
        out,
        "schedule",
        &[
            "61 * * * *",
            "0 24 * * *",
            "0 0 32 * *",
            "0 0 * 13 *",
            "0 0 * * 8",
            "0 0 2 * * *",
            "* * *",
            "*/0 * * * *",
            "every day at 2",
            "@fortnightly",
            "0 2 * * MON-FUNDAY",
        ],
    );
}

fn gen_bad_time_zone(corpus: &Corpus, rng: &mut Rng, out: &mut Gen) {
    cron_mutations(
        corpus,
        rng,
        out,
        "timeZone",
        &[
            "Europe/Pariss",
            "CEST",
            "Mars/Olympus_Mons",
            "UTC+2",
            "Asia/Beijing",
            "europe/paris",
            "America/New York",
        ],
    );
}

fn gen_rwo_pvc_shared(corpus: &Corpus, rng: &mut Rng, out: &mut Gen) {
    for t in &corpus.targets {
        let doc = corpus.doc(t);
        for c in cluster_specs(doc, &t.kind) {
            let head_pod = key(&key(&key(&c, "headGroupSpec"), "template"), "spec");
            let workers: Vec<Path> = worker_groups(doc, &t.kind)
                .into_iter()
                .filter(|g| g.starts_with(&c))
                .filter(|g| get(doc, &key(&key(g, "template"), "spec")).is_some())
                .collect();
            if workers.is_empty() || get(doc, &head_pod).is_none() {
                continue;
            }
            let worker: &Path = rng.pick(&workers);
            let worker_pod = key(&key(worker, "template"), "spec");
            let mode = *rng.pick(&["ReadWriteOnce", "ReadWriteOncePod"]);
            let mut docs = corpus.files[t.file].docs.clone();
            let pvc = map(vec![
                ("apiVersion", s("v1")),
                ("kind", s("PersistentVolumeClaim")),
                ("metadata", map(vec![("name", s("shared-data"))])),
                (
                    "spec",
                    map(vec![
                        ("accessModes", seq(vec![s(mode)])),
                        (
                            "resources",
                            map(vec![("requests", map(vec![("storage", s("10Gi"))]))]),
                        ),
                    ]),
                ),
            ]);
            let volume = map(vec![
                ("name", s("shared-data")),
                (
                    "persistentVolumeClaim",
                    map(vec![("claimName", s("shared-data"))]),
                ),
            ]);
            let mut claims = Vec::new();
            for pod in [&head_pod, &worker_pod] {
                let list = key(pod, "volumes");
                let n = seq_len(&docs[t.doc], &list);
                if n == 0 {
                    set(&mut docs[t.doc], pod, "volumes", seq(vec![]));
                }
                if let Some(Value::Seq(xs)) = get_mut(&mut docs[t.doc], &list).map(|n| &mut n.value)
                {
                    xs.push(volume.clone());
                }
                claims.push(Anchor::Value(key(
                    &key(&idx(&list, n), "persistentVolumeClaim"),
                    "claimName",
                )));
            }
            docs.push(pvc);
            out.add(Some(Mutation {
                file: t.file,
                base: corpus.files[t.file].docs.clone(),
                docs,
                doc: t.doc,
                what: format!("{mode} claim mounted by the head and {}", show(&worker_pod)),
                anchor: Anchor::Any(claims),
                version: "v1.7",
                code: None,
            }));
        }
    }
}

// ---------------------------------------------------------------- the test

#[derive(Default)]
struct Tally {
    mutations: usize,
    detected: usize,
    elsewhere: usize,
    missed: usize,
    excluded: usize,
}

fn table(rows: &[(&Class, Tally)]) -> String {
    let mut out = String::from(
        "| Class | Kind | Expected | Mutations | Detected | Wrong code or position | Missed | Excluded as valid | Rate |\n|---|---|---|---:|---:|---:|---:|---:|---:|\n",
    );
    let mut total = Tally::default();
    for (class, t) in rows {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            class.name,
            if class.schema { "schema" } else { "semantic" },
            if class.severity == Severity::Warning {
                format!("{} (warning)", class.code)
            } else {
                class.code.to_owned()
            },
            t.mutations,
            t.detected,
            t.elsewhere,
            t.missed,
            t.excluded,
            rate(t.detected, t.mutations)
        );
        total.mutations += t.mutations;
        total.detected += t.detected;
        total.elsewhere += t.elsewhere;
        total.missed += t.missed;
        total.excluded += t.excluded;
    }
    let _ = writeln!(
        out,
        "| **all** | | | {} | {} | {} | {} | {} | {} |",
        total.mutations,
        total.detected,
        total.elsewhere,
        total.missed,
        total.excluded,
        rate(total.detected, total.mutations)
    );
    out
}

fn rate(n: usize, of: usize) -> String {
    if of == 0 {
        return "-".to_owned();
    }
    format!("{:.1}%", n as f64 * 100.0 / of as f64)
}

#[test]
fn mutations_are_detected_with_the_right_code_at_the_right_place() {
    let Some(shared) = samples::shared_dir("mutation test") else {
        return;
    };
    let corpus = Corpus::load(&shared);
    assert!(corpus.targets.len() >= 39, "too few ray.io objects");
    // The emitter must keep every file valid: a baseline error would be blamed on a mutation.
    for f in &corpus.files {
        let (_, diags) = validate_text(&f.label, &emit(&f.docs));
        let errors: Vec<String> = diags
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .map(render)
            .collect();
        assert!(
            errors.is_empty(),
            "{} re-emitted has errors:\n{}",
            f.label,
            errors.join("\n")
        );
    }

    let mut rng = Rng(SEED);
    let mut cache = BaseCache::new();
    let mut rows = Vec::new();
    let mut failures = Vec::new();
    for class in CLASSES {
        let mut generated = Gen::default();
        (class.generate)(&corpus, &mut rng, &mut generated);
        let mut list = generated.list;
        rng.shuffle(&mut list);
        // RAYC_MUTATIONS_ALL=1 runs every candidate (slow; for exploring, not CI).
        if std::env::var_os("RAYC_MUTATIONS_ALL").is_none_or(|v| v != "1") {
            list.truncate(PER_CLASS);
        }
        // Report order follows the corpus, not the shuffle.
        list.sort_by(|a, b| (a.file, a.doc, &a.what).cmp(&(b.file, b.doc, &b.what)));
        let mut tally = Tally {
            mutations: list.len(),
            excluded: generated.excluded.values().sum(),
            ..Tally::default()
        };
        for (why, n) in &generated.excluded {
            let examples = generated.examples.get(why).cloned().unwrap_or_default();
            println!(
                "{}: excluded {n} candidates: {why}, e.g. {}",
                class.name,
                examples.join("; ")
            );
        }
        for m in &list {
            let label = &corpus.files[m.file].label;
            match run(&corpus, class, m, &mut cache) {
                Outcome::Detected => tally.detected += 1,
                Outcome::Elsewhere(why) => {
                    tally.elsewhere += 1;
                    failures.push(format!("[{}] {label}: {}: {why}", class.name, m.what));
                }
                Outcome::Missed(why) => {
                    tally.missed += 1;
                    failures.push(format!(
                        "[{}] {label}: {}: MISSED, {why}",
                        class.name, m.what
                    ));
                }
            }
        }
        assert!(
            tally.mutations >= 10,
            "class {:?} produced only {} mutations",
            class.name,
            tally.mutations
        );
        rows.push((class, tally));
    }
    let measured = table(&rows);
    println!("{measured}");
    for f in &failures {
        println!("{f}");
    }
    check_doc(&measured);
    assert!(
        failures.is_empty(),
        "{} mutations were not detected with the expected code at the expected place:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Keeps the table in `docs/validation.md` equal to the measured one.
fn check_doc(measured: &str) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/validation.md");
    let doc = fs::read_to_string(&path).unwrap_or_default();
    let (Some(start), Some(end)) = (doc.find(TABLE_START), doc.find(TABLE_END)) else {
        panic!(
            "{} lacks the {TABLE_START} … {TABLE_END} markers",
            path.display()
        );
    };
    let body_start = start + TABLE_START.len();
    let wanted = format!("\n{measured}");
    if std::env::var_os("RAYC_BLESS").is_some_and(|v| v == "1") {
        let updated = format!("{}{wanted}{}", &doc[..body_start], &doc[end..]);
        fs::write(&path, updated).unwrap();
        return;
    }
    assert!(
        doc[body_start..end] == wanted,
        "the mutation table in docs/validation.md differs from the measured one:\n{measured}\nrun `RAYC_BLESS=1 cargo test --test it mutations::` and commit the result"
    );
}
