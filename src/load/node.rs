//! A YAML tree that remembers where every key and value came from.
//!
//! Everything later phases report points back into this tree, so it is built
//! once, by `load`, and never re-parsed.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;

/// Where a node sits in its source file (1-based line and column).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub struct Pos {
    pub line: u32,
    #[serde(rename = "column")]
    pub col: u32,
}

impl Pos {
    pub const UNKNOWN: Pos = Pos { line: 0, col: 0 };

    fn from_location(loc: &serde_saphyr::Location) -> Pos {
        Pos {
            line: loc.line() as u32,
            col: loc.column() as u32,
        }
    }
}

/// Which layer of a resolved spec wrote a node (an index into `resolve`'s
/// layer table); `LayerId::LOADED` for a node as read from its file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LayerId(pub u32);

impl LayerId {
    pub const LOADED: LayerId = LayerId(0);
}

/// A YAML value with its position and the layer that wrote it.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub value: Value,
    pub pos: Pos,
    pub layer: LayerId,
}

/// One mapping entry; the key keeps its own position for "unknown field" errors.
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    pub key: String,
    pub key_pos: Pos,
    pub value: Node,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Seq(Vec<Node>),
    Map(Vec<Entry>),
}

impl Node {
    pub fn new(value: Value, pos: Pos) -> Node {
        Node {
            value,
            pos,
            layer: LayerId::LOADED,
        }
    }

    /// The entry for `key` when this node is a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|e| &e.value)
    }

    pub fn entry(&self, key: &str) -> Option<&Entry> {
        match &self.value {
            Value::Map(entries) => entries.iter().find(|e| e.key == key),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self.value, Value::Null)
    }

    /// A short name of the node's type, for messages ("a string", "a mapping").
    pub fn type_name(&self) -> &'static str {
        self.value.type_name()
    }

    /// Converts to JSON, dropping the positions.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match &self.value {
            Value::Null => J::Null,
            Value::Bool(b) => J::Bool(*b),
            Value::Int(i) => J::from(*i),
            Value::Float(f) => serde_json::Number::from_f64(*f).map_or(J::Null, J::Number),
            Value::Str(s) => J::String(s.clone()),
            Value::Seq(items) => J::Array(items.iter().map(Node::to_json).collect()),
            Value::Map(entries) => J::Object(
                entries
                    .iter()
                    .map(|e| (e.key.clone(), e.value.to_json()))
                    .collect(),
            ),
        }
    }

    /// Builds a node from JSON; every position is `pos` (used for values rayc made).
    pub fn from_json(json: &serde_json::Value, pos: Pos) -> Node {
        use serde_json::Value as J;
        let value = match json {
            J::Null => Value::Null,
            J::Bool(b) => Value::Bool(*b),
            J::Number(n) => match n.as_i64() {
                Some(i) => Value::Int(i),
                None => Value::Float(n.as_f64().unwrap_or(0.0)),
            },
            J::String(s) => Value::Str(s.clone()),
            J::Array(items) => Value::Seq(items.iter().map(|i| Node::from_json(i, pos)).collect()),
            J::Object(map) => Value::Map(
                map.iter()
                    .map(|(k, v)| Entry {
                        key: k.clone(),
                        key_pos: pos,
                        value: Node::from_json(v, pos),
                    })
                    .collect(),
            ),
        };
        Node::new(value, pos)
    }

    /// [`Node::from_json`] taking the value: its strings move instead of
    /// being copied, and its maps are freed as the tree grows.
    pub fn from_owned_json(json: serde_json::Value, pos: Pos) -> Node {
        use serde_json::Value as J;
        let value = match json {
            J::Null => Value::Null,
            J::Bool(b) => Value::Bool(b),
            J::Number(n) => match n.as_i64() {
                Some(i) => Value::Int(i),
                None => Value::Float(n.as_f64().unwrap_or(0.0)),
            },
            J::String(s) => Value::Str(s),
            J::Array(items) => Value::Seq(
                items
                    .into_iter()
                    .map(|i| Node::from_owned_json(i, pos))
                    .collect(),
            ),
            J::Object(map) => Value::Map(
                map.into_iter()
                    .map(|(key, v)| Entry {
                        key,
                        key_pos: pos,
                        value: Node::from_owned_json(v, pos),
                    })
                    .collect(),
            ),
        };
        Node::new(value, pos)
    }
}

impl Value {
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Int(_) => "an integer",
            Value::Float(_) => "a number",
            Value::Str(_) => "a string",
            Value::Seq(_) => "a list",
            Value::Map(_) => "a mapping",
        }
    }
}

/// Stack left below which a nesting level moves to a fresh stack segment.
const STACK_RED_ZONE: usize = 256 * 1024;
/// Size of each fresh stack segment.
const STACK_SEGMENT: usize = 4 * 1024 * 1024;

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // The parser recurses per nesting level. Growing the stack where it
        // runs short (as rustc does) keeps the depth budget, not the caller's
        // stack size, the limit that bites, on any thread.
        stacker::maybe_grow(STACK_RED_ZONE, STACK_SEGMENT, || {
            let spanned = Spanned::<Value>::deserialize(deserializer)?;
            Ok(Node::new(
                spanned.value,
                Pos::from_location(&spanned.referenced),
            ))
        })
    }
}

/// A mapping key: any scalar, kept as text.
struct Key(String);

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl Visitor<'_> for KeyVisitor {
            type Value = Key;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a scalar mapping key")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Key, E> {
                Ok(Key(v.to_owned()))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Key, E> {
                Ok(Key(v))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Key, E> {
                Ok(Key(v.to_string()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Key, E> {
                Ok(Key(v.to_string()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Key, E> {
                Ok(Key(v.to_string()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Key, E> {
                Ok(Key(v.to_string()))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Key, E> {
                Ok(Key("null".to_owned()))
            }
        }
        deserializer.deserialize_any(KeyVisitor)
    }
}

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ValueVisitor)
    }
}

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        Value::deserialize(d)
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Int(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        Ok(i64::try_from(v).map_or(Value::Float(v as f64), Value::Int))
    }
    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Value, E> {
        Ok(i64::try_from(v).map_or(Value::Float(v as f64), Value::Int))
    }
    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Value, E> {
        Ok(i64::try_from(v).map_or(Value::Float(v as f64), Value::Int))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        Ok(Value::Float(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        Ok(Value::Str(v.to_owned()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Value, E> {
        Ok(Value::Str(v))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Node>()? {
            items.push(item);
        }
        Ok(Value::Seq(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut entries = Vec::new();
        while let Some(key) = map.next_key::<Spanned<Key>>()? {
            let value = map.next_value::<Node>()?;
            entries.push(Entry {
                key: key.value.0,
                key_pos: Pos::from_location(&key.referenced),
                value,
            });
        }
        Ok(Value::Map(entries))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn from_owned_json_builds_what_from_json_builds() {
        let object = serde_json::json!({"kind": "RayJob", "n": [1, -2, 2.5, 18446744073709551615u64],
            "m": {"b": true, "z": null, "s": "x"}, "e": {}, "l": []});
        let pos = Pos { line: 3, col: 1 };
        assert_eq!(
            Node::from_owned_json(object.clone(), pos),
            Node::from_json(&object, pos)
        );
    }
}
