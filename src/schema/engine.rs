//! The validator proper: walks a node and its schema together.
//!
//! Every schema that applies to one node (through `$ref`, `allOf` and the
//! chosen `anyOf`/`oneOf` branch) is folded into one [`Acc`] before the
//! node's children are checked. That is how unknown keys are judged against
//! the union of all known properties (what `unevaluatedProperties` means,
//! and what schemars relies on for flattened fields), and why each child is
//! checked once even when several parts of the schema describe it.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde_json::Value as J;

use super::formats;
use super::quantity;
use super::suggest::{closest, describe, json_literal, or_list, quote, type_phrase};
use super::{FieldVisitor, Schema, SchemaError};
use crate::diag::codes;
use crate::diag::path::push_key;
use crate::load::node::{Entry, Node, Pos, Value};
use crate::model::quantity::parse_quantity;

/// Deeper input is not checked (the loader already caps depth well below this).
const MAX_NODE_DEPTH: usize = 256;
/// Schema-only nesting for one node (`$ref`, `allOf`, `anyOf` chains): stops `$ref` cycles.
const MAX_NESTING: usize = 64;
/// Total work budget, so pathological `anyOf` nesting cannot run away.
const MAX_STEPS: usize = 2_000_000;

/// The schema that accepts any value.
static ANYTHING: J = J::Bool(true);

const QUANTITY_HELP: &str =
    "use a number with an optional suffix, e.g. \"500m\", \"2\", \"512Mi\", \"1Gi\"";

/// A subschema.
#[derive(Clone, Copy)]
struct Sch<'s> {
    v: &'s J,
}

impl<'s> Sch<'s> {
    fn plain(v: &'s J) -> Sch<'s> {
        Sch { v }
    }
}

/// What the schemas applied to one node say about its children.
#[derive(Clone, Default)]
struct Acc<'s> {
    props: Vec<(&'s str, Sch<'s>)>,
    required: Vec<&'s str>,
    /// Groups of which one key must be present (a union whose variants are
    /// told apart by their required keys, none of which was given).
    required_one_of: Vec<Vec<&'s str>>,
    /// Schemas for keys that are not properties (`additionalProperties`: maps).
    additional: Vec<Sch<'s>>,
    patterns: Vec<(&'s str, Sch<'s>)>,
    items: Vec<Sch<'s>>,
    prefix: Vec<&'s [J]>,
    /// Unknown keys are allowed (preserve-unknown-fields, `additionalProperties: true`).
    open: bool,
    /// Unknown keys are errors (properties listed, or `additionalProperties: false`).
    closed: bool,
}

/// One level of the walk.
struct Frame<'s> {
    /// Where this level's name starts in `path`, for "in containers[0]".
    label_start: usize,
    /// Where this level's path ends in `path`.
    path_end: usize,
    object: bool,
    known: Vec<&'s str>,
}

enum Seg<'a> {
    Prop(&'a str),
    Index(usize),
    MapKey(&'a str),
}

/// How an `anyOf`/`oneOf` branch fits a node at first sight.
enum Fit<'s> {
    Ok,
    Type,
    Enum(Vec<&'s J>),
    Tag { key: &'s str, allowed: &'s J },
}

struct Validator<'s, 'v, 'f> {
    schema: &'s Schema,
    visit: Option<&'v mut FieldVisitor<'f>>,
    errors: Vec<SchemaError>,
    path: String,
    norm: String,
    frames: Vec<Frame<'s>>,
    /// Schemas being applied, per node from `active_base` on: applying one
    /// again to the same node is a `$ref` cycle.
    active: Vec<*const J>,
    active_base: usize,
    steps: usize,
    exhausted: bool,
    too_deep: bool,
}

pub(super) fn run<'s>(
    node: &Node,
    schema: &'s Schema,
    start: &'s serde_json::Value,
    visit: Option<&mut FieldVisitor<'_>>,
) -> Vec<SchemaError> {
    let mut v = Validator {
        schema,
        visit,
        errors: Vec::new(),
        path: String::new(),
        norm: String::new(),
        frames: vec![Frame {
            label_start: 0,
            path_end: 0,
            object: false,
            known: Vec::new(),
        }],
        active: Vec::new(),
        active_base: 0,
        steps: 0,
        exhausted: false,
        too_deep: false,
    };
    v.check(node, &[Sch::plain(start)]);
    if v.exhausted {
        v.errors.push(
            SchemaError::new(
                codes::BUDGET,
                node.pos,
                "",
                "schema validation stopped early: the input is too complex",
            )
            .with_help("split the document, or simplify deeply nested values"),
        );
    }
    if v.too_deep {
        v.errors.push(SchemaError::new(
            codes::BUDGET,
            node.pos,
            "",
            format!("values nested more than {MAX_NODE_DEPTH} levels deep were not checked"),
        ));
    }
    dedup(v.errors)
}

/// Drops exact repeats (several schema parts can report the same problem).
fn dedup(errors: Vec<SchemaError>) -> Vec<SchemaError> {
    let mut seen = std::collections::BTreeSet::new();
    errors
        .into_iter()
        .filter(|e| seen.insert((e.pos, e.code, e.path.clone(), e.message.clone())))
        .collect()
}

impl<'s> Validator<'s, '_, '_> {
    fn tick(&mut self) -> bool {
        self.steps += 1;
        if self.steps > MAX_STEPS {
            self.exhausted = true;
        }
        !self.exhausted
    }

    fn error(
        &mut self,
        code: crate::diag::codes::Code,
        pos: Pos,
        message: String,
        help: Option<String>,
    ) {
        self.errors.push(SchemaError {
            code,
            pos,
            path: self.path.clone(),
            message,
            help,
        });
    }

    /// The name of the current level: `containers[0]`, `limits["nvidia.com/gpu"]`.
    fn label(&self) -> &str {
        let start = self.frames.last().map_or(0, |f| f.label_start);
        self.path.get(start..).unwrap_or("")
    }

    fn child_path(&self, key: &str) -> String {
        let mut path = self.path.clone();
        push_key(&mut path, key);
        path
    }

    // ---- walking the node ----

    /// Checks `node` against all of `schemas`, then its children.
    fn check(&mut self, node: &Node, schemas: &[Sch<'s>]) {
        if self.frames.len() > MAX_NODE_DEPTH {
            self.too_deep = true;
            return;
        }
        if !self.tick() {
            return;
        }
        let outer = std::mem::replace(&mut self.active_base, self.active.len());
        let mut acc = Acc::default();
        for sch in schemas {
            self.apply(node, *sch, &mut acc, 0);
        }
        self.finish(node, &acc);
        self.active.truncate(self.active_base);
        self.active_base = outer;
    }

    fn child(&mut self, node: &Node, schemas: &[Sch<'s>], seg: Seg<'_>) {
        let (path_len, norm_len) = (self.path.len(), self.norm.len());
        let parent_label = self.frames.last().map_or(0, |f| f.label_start);
        let label_start = match seg {
            Seg::Prop(key) => {
                push_key(&mut self.norm, key);
                push_key(&mut self.path, key).unwrap_or(parent_label)
            }
            Seg::MapKey(key) => {
                self.norm.push_str("{}");
                push_key(&mut self.path, key).unwrap_or(parent_label)
            }
            Seg::Index(i) => {
                self.norm.push_str("[]");
                let _ = write!(self.path, "[{i}]");
                parent_label
            }
        };
        self.frames.push(Frame {
            label_start,
            path_end: self.path.len(),
            object: false,
            known: Vec::new(),
        });
        self.check(node, schemas);
        self.frames.pop();
        self.path.truncate(path_len);
        self.norm.truncate(norm_len);
    }

    fn finish(&mut self, node: &Node, acc: &Acc<'s>) {
        match &node.value {
            Value::Map(entries) => self.finish_object(node, entries, acc),
            Value::Seq(items) => self.finish_array(items, acc),
            _ => {}
        }
    }

    fn finish_object(&mut self, node: &Node, entries: &[Entry], acc: &Acc<'s>) {
        if let Some(frame) = self.frames.last_mut() {
            frame.object = true;
            // Repeats are harmless here (children only search it), and
            // removing them costs quadratic time on every mapping.
            frame.known.clear();
            frame.known.extend(acc.props.iter().map(|(name, _)| *name));
        }
        let mut unknown = Vec::new();
        for entry in entries {
            let mut matching = acc
                .props
                .iter()
                .filter(|(name, _)| *name == entry.key)
                .map(|(_, s)| *s);
            if let Some(first) = matching.next() {
                // The API server drops nulls before validating; required fields are checked below.
                if !entry.value.is_null() {
                    self.visit_field(entry);
                    // Most keys have one schema: no list to allocate then.
                    match matching.next() {
                        None => self.child(&entry.value, &[first], Seg::Prop(&entry.key)),
                        Some(second) => {
                            let schemas: Vec<Sch<'s>> =
                                [first, second].into_iter().chain(matching).collect();
                            self.child(&entry.value, &schemas, Seg::Prop(&entry.key));
                        }
                    }
                }
                continue;
            }
            let mut schemas: Vec<Sch<'s>> = acc
                .patterns
                .iter()
                .filter(|(pattern, _)| {
                    self.schema
                        .regex(pattern)
                        .is_some_and(|re| re.is_match(&entry.key))
                })
                .map(|(_, s)| *s)
                .collect();
            if schemas.is_empty() {
                schemas.clone_from(&acc.additional);
            }
            if !schemas.is_empty() {
                self.child(&entry.value, &schemas, Seg::MapKey(&entry.key));
            } else if acc.closed && !acc.open {
                unknown.push(entry);
            }
        }
        let mut suggested = Vec::new();
        let mut known: Vec<&'s str> = Vec::new();
        if !unknown.is_empty() {
            for (name, _) in &acc.props {
                if !known.contains(name) {
                    known.push(name);
                }
            }
        }
        for entry in unknown {
            if let Some(name) = self.unknown_field(entry, &known, acc) {
                suggested.push(name);
            }
        }
        for group in &acc.required_one_of {
            let given = group
                .iter()
                .any(|k| entries.iter().any(|e| e.key == *k && !e.value.is_null()));
            if given || group.iter().any(|k| suggested.contains(k)) {
                continue;
            }
            let names: Vec<String> = group.iter().map(|k| quote(k)).collect();
            let place = match self.label() {
                "" => String::new(),
                label => format!(" in {label}"),
            };
            self.errors.push(SchemaError::new(
                codes::MISSING_REQUIRED,
                node.pos,
                self.path.clone(),
                format!("missing required field: one of {}{place}", or_list(&names)),
            ));
        }
        let mut seen: Vec<&str> = Vec::new();
        for &name in &acc.required {
            // A typo already reported with "did you mean" is one mistake, not two.
            if seen.contains(&name) || suggested.contains(&name) {
                continue;
            }
            seen.push(name);
            let schemas: Vec<&'s J> = acc
                .props
                .iter()
                .filter(|(n, _)| *n == name)
                .map(|(_, s)| s.v)
                .collect();
            if schemas.iter().any(|s| self.has_default(s, 0)) {
                continue;
            }
            let path = self.child_path(name);
            let place = match self.label() {
                "" => String::new(),
                label => format!(" in {label}"),
            };
            match entries.iter().find(|e| e.key == name) {
                None => self.errors.push(SchemaError::new(
                    codes::MISSING_REQUIRED,
                    node.pos,
                    path,
                    format!("missing required field {}{place}", quote(name)),
                )),
                Some(e) if e.value.is_null() && !schemas.iter().any(|s| self.allows_null(s, 0)) => {
                    self.errors.push(
                        SchemaError::new(
                            codes::MISSING_REQUIRED,
                            e.key_pos,
                            path,
                            format!("required field {} is empty{place}", quote(name)),
                        )
                        .with_help("give it a value"),
                    )
                }
                Some(_) => {}
            }
        }
    }

    fn finish_array(&mut self, items: &[Node], acc: &Acc<'s>) {
        if let Some(frame) = self.frames.last_mut() {
            frame.object = false;
        }
        for (i, item) in items.iter().enumerate() {
            let prefix: Vec<Sch<'s>> = if acc.prefix.is_empty() {
                Vec::new()
            } else {
                acc.prefix
                    .iter()
                    .filter_map(|p| p.get(i))
                    .map(Sch::plain)
                    .collect()
            };
            let schemas = if prefix.is_empty() {
                &acc.items
            } else {
                &prefix
            };
            if !schemas.is_empty() {
                self.child(item, schemas, Seg::Index(i));
            }
        }
    }

    fn visit_field(&mut self, entry: &Entry) {
        if self.visit.is_none() {
            return;
        }
        let norm_len = self.norm.len();
        push_key(&mut self.norm, &entry.key);
        let found = match self.visit.as_mut() {
            Some(visit) => visit(&self.norm, entry),
            None => None,
        };
        self.norm.truncate(norm_len);
        if let Some(mut e) = found {
            if e.path.is_empty() {
                e.path = self.child_path(&entry.key);
            }
            if e.pos == Pos::UNKNOWN {
                e.pos = entry.key_pos;
            }
            self.errors.push(e);
        }
    }

    /// Reports an unknown key; returns the property suggested as its spelling.
    fn unknown_field(
        &mut self,
        entry: &Entry,
        known: &[&'s str],
        acc: &Acc<'s>,
    ) -> Option<&'s str> {
        let message = match self.label() {
            "" => format!("unknown field {}", quote(&entry.key)),
            label => format!("unknown field {} in {label}", quote(&entry.key)),
        };
        let suggestion = closest(&entry.key, known.iter().copied());
        let help = match suggestion {
            Some(name) => Some(format!("did you mean {}?", quote(name))),
            None => self
                .misplaced_help(&entry.key, acc)
                .or_else(|| Some(valid_fields(known))),
        };
        self.errors.push(SchemaError {
            code: codes::UNKNOWN_FIELD,
            pos: entry.key_pos,
            path: self.child_path(&entry.key),
            message,
            help,
        });
        suggestion
    }

    /// "belongs one level up / inside x" when the key is known next door.
    fn misplaced_help(&self, key: &str, acc: &Acc<'s>) -> Option<String> {
        let same = |name: &&'s str| name.eq_ignore_ascii_case(key);
        let here = self.frames.len().checked_sub(1)?;
        if let Some(parent) = self.frames[..here].iter().rev().find(|f| f.object)
            && let Some(name) = parent.known.iter().copied().find(same)
        {
            let label = self
                .path
                .get(parent.label_start..parent.path_end)
                .unwrap_or("");
            let place = if label.is_empty() {
                "at the top level".to_owned()
            } else {
                format!("in {label}")
            };
            let here_label = match self.label() {
                "" => String::new(),
                l => format!(", not in {l}"),
            };
            return Some(format!(
                "{} belongs one level up, {place}{here_label}",
                quote(name)
            ));
        }
        let mut seen = Vec::new();
        for (prop, sch) in &acc.props {
            if seen.contains(prop) {
                continue;
            }
            seen.push(prop);
            let (names, is_list) = self.property_names(sch.v, 0);
            if let Some(name) = names.iter().copied().find(same) {
                let inside = if is_list {
                    format!("inside each item of {}", quote(prop))
                } else {
                    format!("inside {}", quote(prop))
                };
                return Some(format!("{} belongs one level down, {inside}", quote(name)));
            }
        }
        None
    }

    // ---- applying one schema to one node ----

    fn apply(&mut self, node: &Node, sch: Sch<'s>, acc: &mut Acc<'s>, nesting: usize) {
        let id: *const J = sch.v;
        if nesting > MAX_NESTING || self.active[self.active_base..].contains(&id) || !self.tick() {
            return;
        }
        self.active.push(id);
        self.apply_keywords(node, sch, acc, nesting);
        self.active.pop();
    }

    fn apply_keywords(&mut self, node: &Node, sch: Sch<'s>, acc: &mut Acc<'s>, nesting: usize) {
        let obj = match sch.v {
            J::Object(obj) => obj,
            J::Bool(true) => {
                acc.open = true;
                return;
            }
            J::Bool(false) => {
                self.error(
                    codes::WRONG_TYPE,
                    node.pos,
                    "no value is allowed here".to_owned(),
                    None,
                );
                return;
            }
            _ => return,
        };
        let kw = Keywords::of(obj);
        if node.is_null()
            && (kw.get(Kw::Nullable) == Some(&J::Bool(true))
                || type_allows(kw.get(Kw::Type), "null"))
        {
            return;
        }
        if let Some(reference) = kw.get(Kw::Ref).and_then(J::as_str) {
            match self.schema.resolve(reference) {
                Some(target) => self.apply(node, Sch::plain(target), acc, nesting + 1),
                // A reference rayc cannot follow constrains nothing it can check.
                None => acc.open = true,
            }
        }
        let int_or_string = kw.int_or_string();
        let quantity = int_or_string && kw.is_quantity();
        if int_or_string {
            if !self.check_int_or_string(node, quantity) {
                return;
            }
        } else if let Some(ty) = kw.get(Kw::Type)
            && !type_matches(ty, node)
        {
            self.type_error(node, &type_names(ty));
            return;
        }
        if let Some(allowed) = kw.get(Kw::Enum).and_then(J::as_array)
            && !allowed.iter().any(|a| same_value(node, a))
        {
            let allowed: Vec<&J> = allowed.iter().collect();
            self.enum_error(node, node.pos, self.path.clone(), &allowed);
        }
        if let Some(constant) = kw.get(Kw::Const)
            && !same_value(node, constant)
        {
            self.enum_error(node, node.pos, self.path.clone(), &[constant]);
        }
        match &node.value {
            Value::Str(text) => self.check_string(node, text, &kw, quantity),
            Value::Int(_) | Value::Float(_) => self.check_number(node, &kw),
            Value::Seq(items) => self.check_array(node, items, &kw, acc),
            Value::Map(_) => collect_object(&kw, acc),
            Value::Null | Value::Bool(_) => {}
        }
        if let Some(parts) = kw.get(Kw::AllOf).and_then(J::as_array) {
            for part in parts {
                self.apply(node, Sch::plain(part), acc, nesting + 1);
            }
        }
        // For int-or-string the anyOf only spells out "integer or string".
        if !int_or_string {
            for keyword in [Kw::AnyOf, Kw::OneOf] {
                if let Some(branches) = kw.get(keyword).and_then(J::as_array) {
                    self.apply_branches(node, branches, acc, nesting + 1);
                }
            }
        }
    }

    /// Returns false when the node is neither an integer nor a string.
    fn check_int_or_string(&mut self, node: &Node, quantity: bool) -> bool {
        match &node.value {
            Value::Int(i) => {
                if quantity && *i < 0 {
                    self.negative_quantity(node, &i.to_string());
                }
                true
            }
            Value::Str(text) => {
                if quantity {
                    match parse_quantity(text) {
                        Err(why) => self.error(
                            codes::BAD_QUANTITY,
                            node.pos,
                            why.to_string(),
                            Some(QUANTITY_HELP.to_owned()),
                        ),
                        Ok(q) if q.is_negative() => self.negative_quantity(node, &quote(text)),
                        Ok(_) => {}
                    }
                }
                true
            }
            Value::Float(f) if quantity => {
                if *f < 0.0 {
                    self.negative_quantity(node, &format!("{f:?}"));
                } else {
                    self.error(
                        codes::BAD_QUANTITY,
                        node.pos,
                        format!(
                            "expected a quantity (a string or an integer), found {}",
                            describe(node)
                        ),
                        Some(quantity::float_help(*f)),
                    );
                }
                false
            }
            _ => {
                let expected = if quantity {
                    "a quantity (a string or an integer)"
                } else {
                    "an integer or a string"
                };
                let help = match &node.value {
                    Value::Float(f) => Some(float_fix(*f)),
                    _ => None,
                };
                self.error(
                    codes::WRONG_TYPE,
                    node.pos,
                    format!("expected {expected}, found {}", describe(node)),
                    help,
                );
                false
            }
        }
    }

    fn negative_quantity(&mut self, node: &Node, shown: &str) {
        self.error(
            codes::BAD_QUANTITY,
            node.pos,
            format!("quantity {shown} is negative"),
            Some("resource amounts must be zero or more".to_owned()),
        );
    }

    fn type_error(&mut self, node: &Node, expected: &[&str]) {
        let mut shown: Vec<String> = Vec::new();
        for ty in expected {
            let phrase = type_phrase(ty);
            if (*ty != "null" || expected.len() == 1) && !shown.contains(&phrase) {
                shown.push(phrase);
            }
        }
        let help = type_help(expected, node);
        self.error(
            codes::WRONG_TYPE,
            node.pos,
            format!("expected {}, found {}", or_list(&shown), describe(node)),
            help,
        );
    }

    fn enum_error(&mut self, node: &Node, pos: Pos, path: String, allowed: &[&J]) {
        let mut listed: Vec<String> = Vec::new();
        for value in allowed {
            let literal = json_literal(value);
            if !listed.contains(&literal) {
                listed.push(literal);
            }
        }
        let suggestion = match &node.value {
            Value::Str(text) => closest(text, allowed.iter().filter_map(|v| v.as_str())),
            _ => None,
        };
        let shown = match &node.value {
            Value::Str(text) => quote(text),
            Value::Map(_) | Value::Seq(_) | Value::Null => describe(node),
            _ => json_literal(&node.to_json()),
        };
        let (message, help) = if listed.len() == 1 {
            (
                format!("{shown} is not allowed here"),
                format!("the only allowed value is {}", listed[0]),
            )
        } else {
            let more = listed.len().saturating_sub(20);
            listed.truncate(20);
            let mut help = format!("allowed values: {}", listed.join(", "));
            if more > 0 {
                let _ = write!(help, " and {more} more");
            }
            (format!("{shown} is not an allowed value"), help)
        };
        let help = match suggestion {
            Some(s) => format!("did you mean {}? ({help})", quote(s)),
            None => help,
        };
        self.errors.push(SchemaError {
            code: codes::BAD_ENUM,
            pos,
            path,
            message,
            help: Some(help),
        });
    }

    fn check_string(&mut self, node: &Node, text: &str, kw: &Keywords<'s>, quantity: bool) {
        let before = self.errors.len();
        let length = text.chars().count() as u64;
        if let Some(min) = kw.get(Kw::MinLength).and_then(J::as_u64)
            && length < min
        {
            let message = if length == 0 {
                "the value must not be empty".to_owned()
            } else {
                format!(
                    "{} is too short ({length} characters, at least {min} required)",
                    quote(text)
                )
            };
            self.error(codes::OUT_OF_RANGE, node.pos, message, None);
        }
        if let Some(max) = kw.get(Kw::MaxLength).and_then(J::as_u64)
            && length > max
        {
            self.error(
                codes::OUT_OF_RANGE,
                node.pos,
                format!(
                    "{} is too long ({length} characters, at most {max} allowed)",
                    quote(text)
                ),
                None,
            );
        }
        // A quantity was already checked against the grammar the pattern spells
        // out; a string of the wrong length gets one error, not two.
        if !quantity
            && self.errors.len() == before
            && let Some(pattern) = kw.get(Kw::Pattern).and_then(J::as_str)
            && let Some(re) = self.schema.regex(pattern)
            && !re.is_match(text)
        {
            self.error(
                codes::BAD_FORMAT,
                node.pos,
                format!("{} does not match the required pattern", quote(text)),
                Some(format!("the value must match {pattern}")),
            );
        }
        if let Some(format) = kw.get(Kw::Format).and_then(J::as_str)
            && formats::check_string(format, text) == Some(false)
        {
            self.error(
                codes::BAD_FORMAT,
                node.pos,
                format!("{} is not a valid {format}", quote(text)),
                Some(formats::string_help(format).to_owned()),
            );
        }
    }

    fn check_number(&mut self, node: &Node, kw: &Keywords<'s>) {
        let value = match node.value {
            Value::Int(i) => Num::Int(i),
            Value::Float(f) => Num::Float(f),
            _ => return,
        };
        let shown = match value {
            Num::Int(i) => i.to_string(),
            Num::Float(f) => format!("{f:?}"),
        };
        let before = self.errors.len();
        let bound = |key: Kw| kw.get(key).and_then(J::as_number);
        let exclusive = |key: Kw| kw.get(key) == Some(&J::Bool(true));
        if let Some(min) = bound(Kw::Minimum) {
            let strict = exclusive(Kw::ExclusiveMinimum);
            if value.below(min, strict) {
                let rule = if strict { "greater than" } else { "at least" };
                self.error(
                    codes::OUT_OF_RANGE,
                    node.pos,
                    format!("{shown} is too small: it must be {rule} {min}"),
                    None,
                );
            }
        }
        if let Some(min) = bound(Kw::ExclusiveMinimum)
            && value.below(min, true)
        {
            self.error(
                codes::OUT_OF_RANGE,
                node.pos,
                format!("{shown} is too small: it must be greater than {min}"),
                None,
            );
        }
        if let Some(max) = bound(Kw::Maximum) {
            let strict = exclusive(Kw::ExclusiveMaximum);
            if value.above(max, strict) {
                let rule = if strict { "less than" } else { "at most" };
                self.error(
                    codes::OUT_OF_RANGE,
                    node.pos,
                    format!("{shown} is too large: it must be {rule} {max}"),
                    None,
                );
            }
        }
        if let Some(max) = bound(Kw::ExclusiveMaximum)
            && value.above(max, true)
        {
            self.error(
                codes::OUT_OF_RANGE,
                node.pos,
                format!("{shown} is too large: it must be less than {max}"),
                None,
            );
        }
        if self.errors.len() == before
            && let Num::Int(i) = value
            && let Some(format) = kw.get(Kw::Format).and_then(J::as_str)
            && let Some((lo, hi)) = formats::integer_range(format)
            && !(lo..=hi).contains(&i128::from(i))
        {
            self.error(
                codes::OUT_OF_RANGE,
                node.pos,
                format!("{i} is out of range for {}", formats::integer_kind(format)),
                Some(format!("allowed: {lo} to {hi}")),
            );
        }
    }

    fn check_array(
        &mut self,
        node: &Node,
        items: &'_ [Node],
        kw: &Keywords<'s>,
        acc: &mut Acc<'s>,
    ) {
        let count = items.len() as u64;
        if let Some(min) = kw.get(Kw::MinItems).and_then(J::as_u64)
            && count < min
        {
            let plural = if min == 1 { "" } else { "s" };
            self.error(
                codes::OUT_OF_RANGE,
                node.pos,
                format!("expected at least {min} item{plural}, found {count}"),
                None,
            );
        }
        if let Some(max) = kw.get(Kw::MaxItems).and_then(J::as_u64)
            && count > max
        {
            let plural = if max == 1 { "" } else { "s" };
            self.error(
                codes::OUT_OF_RANGE,
                node.pos,
                format!("expected at most {max} item{plural}, found {count}"),
                None,
            );
        }
        let list_type = kw.get(Kw::ListType).and_then(J::as_str);
        if list_type == Some("map") {
            let keys: Vec<&str> = kw
                .get(Kw::ListMapKeys)
                .and_then(J::as_array)
                .map(|keys| keys.iter().filter_map(J::as_str).collect())
                .unwrap_or_default();
            if !keys.is_empty() {
                self.check_list_map(items, &keys, kw.get(Kw::Items));
            }
        } else if list_type == Some("set") || kw.get(Kw::UniqueItems) == Some(&J::Bool(true)) {
            self.check_unique(items);
        }
        match kw.get(Kw::Items) {
            Some(J::Array(tuple)) => acc.prefix.push(tuple),
            Some(schema) => acc.items.push(Sch::plain(schema)),
            None => {}
        }
        if let Some(tuple) = kw.get(Kw::PrefixItems).and_then(J::as_array) {
            acc.prefix.push(tuple);
        }
    }

    fn check_unique(&mut self, items: &[Node]) {
        let mut first: BTreeMap<String, usize> = BTreeMap::new();
        for (i, item) in items.iter().enumerate() {
            let id = item.to_json().to_string();
            if let Some(&earlier) = first.get(&id) {
                let label = self.label().to_owned();
                let shown = match &item.value {
                    Value::Str(s) => quote(s),
                    Value::Map(_) | Value::Seq(_) => "item".to_owned(),
                    _ => json_literal(&item.to_json()),
                };
                self.errors.push(
                    SchemaError::new(
                        codes::DUPLICATE_ITEM,
                        item.pos,
                        format!("{}[{i}]", self.path),
                        format!("duplicate {shown} in {label}, already at {label}[{earlier}]"),
                    )
                    .with_help("items of this list must be unique"),
                );
            } else {
                first.insert(id, i);
            }
        }
    }

    /// `x-kubernetes-list-type: map`: no two items may share their key fields
    /// (a missing key field takes its schema default, as the API server does).
    fn check_list_map(&mut self, items: &[Node], keys: &[&str], item_schema: Option<&'s J>) {
        let mut first: BTreeMap<String, usize> = BTreeMap::new();
        'items: for (i, item) in items.iter().enumerate() {
            if !matches!(item.value, Value::Map(_)) {
                continue;
            }
            let mut tuple = Vec::with_capacity(keys.len());
            for key in keys {
                match item.get(key) {
                    Some(v) if !v.is_null() => tuple.push(v.to_json()),
                    _ => match item_schema.and_then(|s| self.property_default(s, key, 0)) {
                        Some(default) => tuple.push(default.clone()),
                        None => continue 'items,
                    },
                }
            }
            let id = J::Array(tuple.clone()).to_string();
            let Some(&earlier) = first.get(&id) else {
                first.insert(id, i);
                continue;
            };
            let label = self.label().to_owned();
            let described: Vec<String> = keys
                .iter()
                .zip(&tuple)
                .map(|(k, v)| format!("{k} {}", json_literal(v)))
                .collect();
            let pos = item.get(keys[0]).map_or(item.pos, |n| n.pos);
            let plural = if keys.len() == 1 { "" } else { "s" };
            self.errors.push(
                SchemaError::new(
                    codes::DUPLICATE_ITEM,
                    pos,
                    format!("{}[{i}]", self.path),
                    format!(
                        "duplicate item in {label}: {} is already used by {label}[{earlier}]",
                        described.join(", ")
                    ),
                )
                .with_help(format!(
                    "each item of {label} needs a unique {}{plural}",
                    keys.join(" and ")
                )),
            );
        }
    }

    // ---- anyOf / oneOf ----

    fn apply_branches(
        &mut self,
        node: &Node,
        branches: &'s [J],
        acc: &mut Acc<'s>,
        nesting: usize,
    ) {
        if nesting > MAX_NESTING {
            return;
        }
        let fits: Vec<Fit<'s>> = branches.iter().map(|b| self.fit(node, b)).collect();
        let ok: Vec<usize> = (0..branches.len())
            .filter(|&i| matches!(fits[i], Fit::Ok))
            .collect();
        if ok.len() > 1 && self.none_of_the_variants_given(node, branches, &ok, acc) {
            return;
        }
        let chosen = match ok.as_slice() {
            [] => None,
            [one] => Some(*one),
            many => Some(self.best_branch(node, branches, many, acc, nesting)),
        };
        if let Some(i) = chosen {
            self.apply(node, Sch::plain(&branches[i]), acc, nesting + 1);
            return;
        }
        // No branch fits; say why in the most specific way available.
        let mut allowed: Vec<&'s J> = Vec::new();
        for fit in &fits {
            if let Fit::Enum(values) = fit {
                allowed.extend(values.iter().copied().filter(|v| !v.is_null()));
            }
        }
        if !allowed.is_empty() {
            self.enum_error(node, node.pos, self.path.clone(), &allowed);
            return;
        }
        if let Some(Fit::Tag { key, .. }) = fits.iter().find(|f| matches!(f, Fit::Tag { .. })) {
            let values: Vec<&'s J> = fits
                .iter()
                .filter_map(|f| match f {
                    Fit::Tag { key: k, allowed } if k == key => Some(*allowed),
                    _ => None,
                })
                .collect();
            if let Some(tag) = node.get(key) {
                self.enum_error(tag, tag.pos, self.child_path(key), &values);
                let tagged: Vec<usize> = (0..branches.len())
                    .filter(|&i| matches!(fits[i], Fit::Tag { .. }))
                    .collect();
                self.accept_variant_keys(branches, &tagged, acc, Some(key));
                return;
            }
        }
        let non_null: Vec<usize> = (0..branches.len())
            .filter(|&i| {
                self.types_of(&branches[i], 0)
                    .is_none_or(|t| t.iter().any(|t| *t != "null"))
            })
            .collect();
        if let [only] = non_null.as_slice() {
            // Option<T>: T's own error is the specific one.
            self.apply(node, Sch::plain(&branches[*only]), acc, nesting + 1);
            return;
        }
        // A float where one branch takes integers (an untagged quantity or
        // count): that branch says best what to write instead.
        if let Value::Float(_) = node.value {
            let integral: Vec<usize> = non_null
                .iter()
                .copied()
                .filter(|&i| {
                    self.types_of(&branches[i], 0)
                        .is_some_and(|t| t.contains(&"integer"))
                })
                .collect();
            if let [only] = integral.as_slice() {
                self.apply(node, Sch::plain(&branches[*only]), acc, nesting + 1);
                return;
            }
        }
        let mut expected: Vec<&str> = Vec::new();
        for branch in branches {
            for ty in self.types_of(branch, 0).unwrap_or_default() {
                if !expected.contains(&ty) {
                    expected.push(ty);
                }
            }
        }
        self.type_error(node, &expected);
    }

    /// A mapping for a union whose variants each require keys, none of which
    /// is present: rather than guess a variant, accept the keys of all of them
    /// and ask for one. Returns whether it handled the node.
    fn none_of_the_variants_given(
        &mut self,
        node: &Node,
        branches: &'s [J],
        candidates: &[usize],
        acc: &mut Acc<'s>,
    ) -> bool {
        if !matches!(node.value, Value::Map(_)) {
            return false;
        }
        let mut keys: Vec<&'s str> = Vec::new();
        for &i in candidates {
            let required: Vec<&'s str> = self
                .deref(&branches[i])
                .get("required")
                .and_then(J::as_array)
                .map(|r| r.iter().filter_map(J::as_str).collect())
                .unwrap_or_default();
            if required.is_empty()
                || required
                    .iter()
                    .any(|k| node.get(k).is_some_and(|v| !v.is_null()))
            {
                return false;
            }
            for key in required {
                if !keys.contains(&key) {
                    keys.push(key);
                }
            }
        }
        self.accept_variant_keys(branches, candidates, acc, None);
        acc.required_one_of.push(keys);
        true
    }

    /// Adds the properties of all the given variants (not their required
    /// keys), so a node whose variant is unclear gets no unknown-key noise.
    /// `already_reported` is a key whose value was already found wrong.
    fn accept_variant_keys(
        &self,
        branches: &'s [J],
        variants: &[usize],
        acc: &mut Acc<'s>,
        already_reported: Option<&str>,
    ) {
        for &i in variants {
            if let J::Object(obj) = self.deref(&branches[i]) {
                let mut variant = Acc::default();
                collect_object(&Keywords::of(obj), &mut variant);
                for (name, sch) in variant.props {
                    let sch = if already_reported == Some(name) {
                        Sch::plain(&ANYTHING)
                    } else {
                        sch
                    };
                    acc.props.push((name, sch));
                }
                acc.additional.extend(variant.additional);
                acc.open |= variant.open;
                acc.closed |= variant.closed;
            }
        }
    }

    /// Tries each candidate branch without reporting; the one with fewest
    /// errors wins (the first on a tie), so only its errors are reported.
    fn best_branch(
        &mut self,
        node: &Node,
        branches: &'s [J],
        candidates: &[usize],
        acc: &Acc<'s>,
        nesting: usize,
    ) -> usize {
        let mut best = (usize::MAX, candidates[0]);
        for &i in candidates {
            let saved_errors = std::mem::take(&mut self.errors);
            let saved_visit = self.visit.take();
            let mut trial = acc.clone();
            self.apply(node, Sch::plain(&branches[i]), &mut trial, nesting + 1);
            self.finish(node, &trial);
            let count = dedup(std::mem::replace(&mut self.errors, saved_errors)).len();
            self.visit = saved_visit;
            if count == 0 {
                return i;
            }
            if count < best.0 {
                best = (count, i);
            }
        }
        best.1
    }

    /// A quick look at whether a branch can describe `node`: its type, its
    /// enum or const, and for mappings its `const` discriminator fields.
    fn fit(&self, node: &Node, branch: &'s J) -> Fit<'s> {
        let target = self.deref(branch);
        let nullable = target.get("nullable") == Some(&J::Bool(true));
        if let Some(types) = self.types_of(branch, 0)
            && !(node.is_null() && nullable)
            && !types.iter().any(|t| type_accepts(t, node))
        {
            return Fit::Type;
        }
        let value = || node.to_json();
        if let Some(allowed) = target.get("enum").and_then(J::as_array)
            && !allowed.contains(&value())
        {
            return Fit::Enum(allowed.iter().collect());
        }
        if let Some(constant) = target.get("const")
            && *constant != value()
        {
            return Fit::Enum(vec![constant]);
        }
        if let Value::Map(_) = node.value
            && let Some(props) = target.get("properties").and_then(J::as_object)
        {
            for (key, prop) in props {
                let prop = self.deref(prop);
                let tag = prop.get("const").or_else(|| {
                    prop.get("enum")
                        .and_then(J::as_array)
                        .filter(|e| e.len() == 1)
                        .and_then(|e| e.first())
                });
                if let (Some(tag), Some(given)) = (tag, node.get(key))
                    && !given.is_null()
                    && given.to_json() != *tag
                {
                    return Fit::Tag { key, allowed: tag };
                }
            }
        }
        Fit::Ok
    }

    // ---- reading the schema ----

    /// Follows `$ref`s to the schema that holds the keywords.
    fn deref(&self, mut schema: &'s J) -> &'s J {
        for _ in 0..MAX_NESTING {
            match schema
                .get("$ref")
                .and_then(J::as_str)
                .and_then(|r| self.schema.resolve(r))
            {
                Some(target) => schema = target,
                None => break,
            }
        }
        schema
    }

    /// The JSON types a schema admits at its top level, when it says.
    fn types_of(&self, schema: &'s J, depth: usize) -> Option<Vec<&'s str>> {
        if depth > MAX_NESTING {
            return None;
        }
        let obj = match schema {
            J::Object(obj) => obj,
            J::Bool(false) => return Some(Vec::new()),
            _ => return None,
        };
        if is_int_or_string(obj) {
            return Some(vec!["integer", "string"]);
        }
        if let Some(ty) = obj.get("type") {
            let mut types = type_names(ty);
            if obj.get("nullable") == Some(&J::Bool(true)) {
                types.push("null");
            }
            return Some(types);
        }
        if let Some(target) = obj
            .get("$ref")
            .and_then(J::as_str)
            .and_then(|r| self.schema.resolve(r))
        {
            return self.types_of(target, depth + 1);
        }
        for keyword in ["anyOf", "oneOf"] {
            if let Some(branches) = obj.get(keyword).and_then(J::as_array) {
                let mut all = Vec::new();
                for branch in branches {
                    all.extend(self.types_of(branch, depth + 1)?);
                }
                return Some(all);
            }
        }
        if let Some(parts) = obj.get("allOf").and_then(J::as_array) {
            return parts.iter().find_map(|p| self.types_of(p, depth + 1));
        }
        let values: Vec<&J> = match (obj.get("enum").and_then(J::as_array), obj.get("const")) {
            (Some(values), _) => values.iter().collect(),
            (None, Some(constant)) => vec![constant],
            (None, None) => return None,
        };
        Some(values.into_iter().map(json_type).collect())
    }

    fn has_default(&self, schema: &'s J, depth: usize) -> bool {
        if depth > MAX_NESTING {
            return false;
        }
        if schema.get("default").is_some() {
            return true;
        }
        if let Some(target) = schema
            .get("$ref")
            .and_then(J::as_str)
            .and_then(|r| self.schema.resolve(r))
            && self.has_default(target, depth + 1)
        {
            return true;
        }
        schema
            .get("allOf")
            .and_then(J::as_array)
            .is_some_and(|parts| parts.iter().any(|p| self.has_default(p, depth + 1)))
    }

    fn allows_null(&self, schema: &'s J, depth: usize) -> bool {
        self.types_of(schema, depth)
            .is_some_and(|types| types.contains(&"null"))
            || self.deref(schema).get("nullable") == Some(&J::Bool(true))
    }

    /// The `default` of property `key` in an object schema.
    fn property_default(&self, schema: &'s J, key: &str, depth: usize) -> Option<&'s J> {
        if depth > MAX_NESTING {
            return None;
        }
        let schema = self.deref(schema);
        if let Some(prop) = schema.get("properties").and_then(|p| p.get(key)) {
            let prop_target = self.deref(prop);
            if let Some(default) = prop.get("default").or_else(|| prop_target.get("default")) {
                return Some(default);
            }
        }
        schema
            .get("allOf")
            .and_then(J::as_array)?
            .iter()
            .find_map(|part| self.property_default(part, key, depth + 1))
    }

    /// The property names of an object schema (looking through refs,
    /// combinators and list items); the flag says it was a list.
    fn property_names(&self, schema: &'s J, depth: usize) -> (Vec<&'s str>, bool) {
        let mut names = Vec::new();
        let mut is_list = false;
        if depth > 8 {
            return (names, is_list);
        }
        let schema = self.deref(schema);
        if let Some(props) = schema.get("properties").and_then(J::as_object) {
            names.extend(props.keys().map(String::as_str));
        }
        if let Some(items) = schema.get("items").filter(|i| i.is_object()) {
            let (inner, _) = self.property_names(items, depth + 1);
            names.extend(inner);
            is_list = true;
        }
        for keyword in ["allOf", "anyOf", "oneOf"] {
            for part in schema
                .get(keyword)
                .and_then(J::as_array)
                .into_iter()
                .flatten()
            {
                let (inner, list) = self.property_names(part, depth + 1);
                names.extend(inner);
                is_list |= list;
            }
        }
        (names, is_list)
    }
}

/// Adds the object keywords of one schema to the node's accumulated view.
fn collect_object<'s>(kw: &Keywords<'s>, acc: &mut Acc<'s>) {
    if let Some(props) = kw.get(Kw::Properties).and_then(J::as_object) {
        acc.closed = true;
        acc.props
            .extend(props.iter().map(|(k, v)| (k.as_str(), Sch::plain(v))));
    }
    if let Some(required) = kw.get(Kw::Required).and_then(J::as_array) {
        acc.required.extend(required.iter().filter_map(J::as_str));
    }
    for keyword in [Kw::AdditionalProperties, Kw::UnevaluatedProperties] {
        match kw.get(keyword) {
            Some(J::Bool(false)) => acc.closed = true,
            Some(J::Bool(true)) => acc.open = true,
            Some(schema @ J::Object(_)) => acc.additional.push(Sch::plain(schema)),
            _ => {}
        }
    }
    if let Some(patterns) = kw.get(Kw::PatternProperties).and_then(J::as_object) {
        acc.patterns
            .extend(patterns.iter().map(|(p, s)| (p.as_str(), Sch::plain(s))));
    }
    if kw.get(Kw::PreserveUnknownFields) == Some(&J::Bool(true)) {
        acc.open = true;
    }
}

/// `x-kubernetes-int-or-string`, or the older `format: int-or-string`.
fn is_int_or_string(obj: &serde_json::Map<String, J>) -> bool {
    obj.get("x-kubernetes-int-or-string") == Some(&J::Bool(true))
        || obj.get("format").and_then(J::as_str) == Some("int-or-string")
}

/// The schema keywords the validator reads. Found in one pass over a schema
/// object: looking each up by name hashed every keyword of every node.
#[derive(Clone, Copy)]
enum Kw {
    Nullable,
    Type,
    Ref,
    Enum,
    Const,
    AllOf,
    AnyOf,
    OneOf,
    IntOrString,
    Format,
    Title,
    Pattern,
    Description,
    MinLength,
    MaxLength,
    Minimum,
    Maximum,
    ExclusiveMinimum,
    ExclusiveMaximum,
    MinItems,
    MaxItems,
    ListType,
    ListMapKeys,
    UniqueItems,
    Items,
    PrefixItems,
    Properties,
    Required,
    AdditionalProperties,
    UnevaluatedProperties,
    PatternProperties,
    PreserveUnknownFields,
}

const KEYWORD_COUNT: usize = Kw::PreserveUnknownFields as usize + 1;

impl Kw {
    fn of(name: &str) -> Option<Kw> {
        Some(match name {
            "nullable" => Kw::Nullable,
            "type" => Kw::Type,
            "$ref" => Kw::Ref,
            "enum" => Kw::Enum,
            "const" => Kw::Const,
            "allOf" => Kw::AllOf,
            "anyOf" => Kw::AnyOf,
            "oneOf" => Kw::OneOf,
            "x-kubernetes-int-or-string" => Kw::IntOrString,
            "format" => Kw::Format,
            "title" => Kw::Title,
            "pattern" => Kw::Pattern,
            "description" => Kw::Description,
            "minLength" => Kw::MinLength,
            "maxLength" => Kw::MaxLength,
            "minimum" => Kw::Minimum,
            "maximum" => Kw::Maximum,
            "exclusiveMinimum" => Kw::ExclusiveMinimum,
            "exclusiveMaximum" => Kw::ExclusiveMaximum,
            "minItems" => Kw::MinItems,
            "maxItems" => Kw::MaxItems,
            "x-kubernetes-list-type" => Kw::ListType,
            "x-kubernetes-list-map-keys" => Kw::ListMapKeys,
            "uniqueItems" => Kw::UniqueItems,
            "items" => Kw::Items,
            "prefixItems" => Kw::PrefixItems,
            "properties" => Kw::Properties,
            "required" => Kw::Required,
            "additionalProperties" => Kw::AdditionalProperties,
            "unevaluatedProperties" => Kw::UnevaluatedProperties,
            "patternProperties" => Kw::PatternProperties,
            "x-kubernetes-preserve-unknown-fields" => Kw::PreserveUnknownFields,
            _ => return None,
        })
    }
}

/// One schema object's keywords, by [`Kw`].
struct Keywords<'s> {
    slots: [Option<&'s J>; KEYWORD_COUNT],
}

impl<'s> Keywords<'s> {
    fn of(obj: &'s serde_json::Map<String, J>) -> Self {
        let mut slots = [None; KEYWORD_COUNT];
        for (name, value) in obj {
            if let Some(kw) = Kw::of(name) {
                slots[kw as usize] = Some(value);
            }
        }
        Keywords { slots }
    }

    fn get(&self, kw: Kw) -> Option<&'s J> {
        self.slots[kw as usize]
    }

    /// Same as [`is_int_or_string`].
    fn int_or_string(&self) -> bool {
        self.get(Kw::IntOrString) == Some(&J::Bool(true))
            || self.get(Kw::Format).and_then(J::as_str) == Some("int-or-string")
    }

    /// A quantity schema says so: `format: quantity` (see `schema::mark_quantities`).
    fn is_quantity(&self) -> bool {
        self.get(Kw::Format).and_then(J::as_str) == Some(super::QUANTITY_FORMAT)
    }
}

/// `node.to_json() == value`, without building the JSON for a string.
fn same_value(node: &Node, value: &J) -> bool {
    match (&node.value, value) {
        (Value::Str(text), J::String(s)) => text == s,
        (Value::Str(_), _) => false,
        _ => node.to_json() == *value,
    }
}

fn type_names(ty: &J) -> Vec<&str> {
    match ty {
        J::String(s) => vec![s.as_str()],
        J::Array(list) => list.iter().filter_map(J::as_str).collect(),
        _ => Vec::new(),
    }
}

fn type_allows(ty: Option<&J>, name: &str) -> bool {
    ty.is_some_and(|t| type_names(t).contains(&name))
}

fn type_matches(ty: &J, node: &Node) -> bool {
    let names = type_names(ty);
    names.is_empty() || names.iter().any(|t| type_accepts(t, node))
}

/// Strict JSON typing: a float is never an integer, a quoted number never a number.
fn type_accepts(ty: &str, node: &Node) -> bool {
    matches!(
        (ty, &node.value),
        ("null", Value::Null)
            | ("boolean", Value::Bool(_))
            | ("integer", Value::Int(_))
            | ("number", Value::Int(_) | Value::Float(_))
            | ("string", Value::Str(_))
            | ("array", Value::Seq(_))
            | ("object", Value::Map(_))
    )
}

fn json_type(value: &J) -> &'static str {
    match value {
        J::Null => "null",
        J::Bool(_) => "boolean",
        J::Number(n) if n.is_i64() || n.is_u64() => "integer",
        J::Number(_) => "number",
        J::String(_) => "string",
        J::Array(_) => "array",
        J::Object(_) => "object",
    }
}

/// How to fix a value of the wrong type, when there is an obvious fix.
fn type_help(expected: &[&str], node: &Node) -> Option<String> {
    let wants = |t: &str| expected.contains(&t);
    let help = match &node.value {
        Value::Str(s) if wants("integer") && s.trim().parse::<i64>().is_ok() => "remove the quotes".to_owned(),
        Value::Str(s) if wants("number") && s.trim().parse::<f64>().is_ok_and(f64::is_finite) => {
            "remove the quotes".to_owned()
        }
        Value::Str(s) if wants("boolean") && matches!(s.trim(), "true" | "false") => "remove the quotes".to_owned(),
        Value::Float(f) if wants("integer") => float_fix(*f),
        Value::Int(i) if wants("string") => format!("quote it: \"{i}\""),
        Value::Float(f) if wants("string") => format!("quote it: \"{f:?}\""),
        Value::Bool(_) if wants("string") => {
            "put the text in quotes: YAML reads unquoted yes, no, on, off, true and false as booleans".to_owned()
        }
        Value::Map(_) if wants("array") => "a list is expected here: start each item with \"- \"".to_owned(),
        Value::Seq(_) if wants("object") => "a mapping is expected here, not a list: remove the \"- \"".to_owned(),
        _ => return None,
    };
    Some(help)
}

fn float_fix(f: f64) -> String {
    if f.is_finite() && f.fract() == 0.0 && f.abs() < 9e15 {
        format!("write {}", f as i64)
    } else {
        "use a whole number".to_owned()
    }
}

fn valid_fields(known: &[&str]) -> String {
    if known.is_empty() {
        return "no fields are allowed here".to_owned();
    }
    const SHOWN: usize = 10;
    let mut help = format!(
        "valid fields here: {}",
        known
            .iter()
            .take(SHOWN)
            .copied()
            .collect::<Vec<_>>()
            .join(", ")
    );
    if known.len() > SHOWN {
        let _ = write!(help, " and {} more", known.len() - SHOWN);
    }
    help
}

#[derive(Clone, Copy)]
enum Num {
    Int(i64),
    Float(f64),
}

impl Num {
    fn cmp(self, bound: &serde_json::Number) -> Option<std::cmp::Ordering> {
        match (self, bound.as_i64()) {
            (Num::Int(i), Some(b)) => Some(i.cmp(&b)),
            (Num::Int(i), None) => (i as f64).partial_cmp(&bound.as_f64()?),
            (Num::Float(f), _) => f.partial_cmp(&bound.as_f64()?),
        }
    }

    fn below(self, bound: &serde_json::Number, strict: bool) -> bool {
        use std::cmp::Ordering::*;
        matches!(
            (self.cmp(bound), strict),
            (Some(Less), _) | (Some(Equal), true)
        )
    }

    fn above(self, bound: &serde_json::Number, strict: bool) -> bool {
        use std::cmp::Ordering::*;
        matches!(
            (self.cmp(bound), strict),
            (Some(Greater), _) | (Some(Equal), true)
        )
    }
}
