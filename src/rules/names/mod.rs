//! Names (rules.md 4-6): object names and their length limits, group,
//! container and port names, and objects defined twice.

mod duplicate_objects;
mod group_labels;
mod group_names;
mod object_names;
mod pod_names;

pub(crate) use duplicate_objects::*;
pub(crate) use group_labels::*;
pub(crate) use group_names::*;
pub(crate) use object_names::*;
pub(crate) use pod_names::*;

/// A DNS-1035 label: lower-case alphanumerics and `-`, starting with a letter, at most 63.
pub(crate) fn is_dns1035_label(s: &str) -> bool {
    s.as_bytes().first().is_some_and(u8::is_ascii_lowercase) && is_dns1123_label(s)
}

/// A DNS-1123 label: lower-case alphanumerics and `-`, alphanumeric at both ends, at most 63.
pub(crate) fn is_dns1123_label(s: &str) -> bool {
    let b = s.as_bytes();
    let edge = |c: &u8| c.is_ascii_lowercase() || c.is_ascii_digit();
    !b.is_empty()
        && b.len() <= 63
        && b.first().is_some_and(edge)
        && b.last().is_some_and(edge)
        && b.iter().all(|c| edge(c) || *c == b'-')
}

/// A DNS-1123 subdomain: DNS-1123 labels joined by `.`, at most 253 characters.
pub(crate) fn is_dns1123_subdomain(s: &str) -> bool {
    s.len() <= 253 && s.split('.').all(is_dns1123_label)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels() {
        assert!(is_dns1035_label("rayjob-sample"));
        assert!(!is_dns1035_label("1rayjob"));
        assert!(is_dns1123_label("1-group"));
        assert!(!is_dns1123_label("Group"));
        assert!(!is_dns1123_label("group-"));
        assert!(!is_dns1123_label("small_group"));
        assert!(!is_dns1123_label(&"a".repeat(64)));
        assert!(is_dns1123_subdomain("code-abc.v1"));
        assert!(!is_dns1123_subdomain("../../x"));
        assert!(!is_dns1123_subdomain("a..b"));
        assert!(!is_dns1123_subdomain(&"a.".repeat(127)));
    }
}
