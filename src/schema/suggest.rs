//! "Did you mean" for misspelt keys and enum values, and short value
//! descriptions for messages. Depends only on `strsim` and the node type.

use crate::load::node::{Node, Value};

/// The candidate closest to `wrong`, when it is close enough to be a likely
/// typo: same letters ignoring case, `_` and `-`; or a small edit distance
/// for the length. Ties go to the earlier candidate, so results are stable.
pub fn closest<'a>(wrong: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let wrong_lower = wrong.to_lowercase();
    let wrong_norm = normalise(wrong);
    let mut best: Option<(usize, &str)> = None;
    for candidate in candidates {
        if candidate == wrong {
            continue;
        }
        let distance = if normalise(candidate) == wrong_norm {
            0
        } else {
            strsim::damerau_levenshtein(&wrong_lower, &candidate.to_lowercase())
        };
        let longest = wrong.chars().count().max(candidate.chars().count());
        let allowed = match longest {
            0..=2 => 0,
            3..=5 => 1,
            6..=10 => 2,
            _ => 3,
        };
        if distance <= allowed && best.is_none_or(|(d, _)| distance < d) {
            best = Some((distance, candidate));
        }
    }
    best.map(|(_, c)| c)
}

fn normalise(s: &str) -> String {
    s.chars()
        .filter(|c| *c != '_' && *c != '-')
        .flat_map(char::to_lowercase)
        .collect()
}

/// `a`, `a or b`, `a, b or c`.
pub fn or_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

pub use crate::diag::path::quote;

/// A scalar as the user would write it in JSON: `"a"`, `3`, `0.5`, `true`, `null`.
pub fn json_literal(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(s) => quote(s),
        serde_json::Value::Array(_) => "a list".to_owned(),
        serde_json::Value::Object(_) => "a mapping".to_owned(),
        other => other.to_string(),
    }
}

/// What a node is, with its value when short: `a string ("8265")`, `a number (0.5)`.
pub fn describe(node: &Node) -> String {
    match &node.value {
        Value::Null => "null".to_owned(),
        Value::Bool(b) => format!("a boolean ({b})"),
        Value::Int(i) => format!("an integer ({i})"),
        Value::Float(f) => format!("a number ({f:?})"),
        Value::Str(s) => format!("a string ({})", quote(s)),
        Value::Seq(_) => "a list".to_owned(),
        Value::Map(_) => "a mapping".to_owned(),
    }
}

/// A JSON Schema type name as it reads in a message.
pub fn type_phrase(ty: &str) -> String {
    match ty {
        "string" => "a string",
        "integer" => "an integer",
        "number" => "a number",
        "boolean" => "a boolean",
        "object" => "a mapping",
        "array" => "a list",
        "null" => "null",
        other => return format!("a value of type {other}"),
    }
    .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_keys_only() {
        let known = ["image", "imagePullPolicy", "name", "ports", "resources"];
        assert_eq!(closest("imagez", known), Some("image"));
        assert_eq!(closest("Image", known), Some("image"));
        assert_eq!(closest("image_pull_policy", known), Some("imagePullPolicy"));
        assert_eq!(closest("resorces", known), Some("resources"));
        assert_eq!(closest("port", known), Some("ports"));
        assert_eq!(closest("volumes", known), None);
        assert_eq!(closest("x", known), None);
        assert_eq!(
            closest("workerGroupSpec", ["workerGroupSpecs", "headGroupSpec"]),
            Some("workerGroupSpecs")
        );
    }

    #[test]
    fn quotes_and_lists() {
        assert_eq!(quote("a\"b"), "\"a\\\"b\"");
        assert_eq!(quote(&"x".repeat(100)), format!("\"{}…\"", "x".repeat(60)));
        assert_eq!(or_list(&["a".into(), "b".into(), "c".into()]), "a, b or c");
    }
}
