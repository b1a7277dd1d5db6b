//! The KubeRay operator versions rayc targets.

/// Supported versions, oldest first, as `v1.N`.
pub const VERSIONS: [&str; 8] = ["v1.0", "v1.1", "v1.2", "v1.3", "v1.4", "v1.5", "v1.6", "v1.7"];
pub const LATEST: &str = "v1.7";

/// `1.5`, `v1.5`, `v1.5.2` → `v1.5`; `None` for unsupported versions.
pub fn normalize_version(v: &str) -> Option<String> {
    let v = v.trim().trim_start_matches('v');
    let mut parts = v.split('.');
    let major = parts.next()?;
    let minor = parts.next()?;
    let short = format!("v{major}.{minor}");
    VERSIONS.contains(&short.as_str()).then_some(short)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes() {
        assert_eq!(normalize_version("v1.5.2").as_deref(), Some("v1.5"));
        assert_eq!(normalize_version("1.7").as_deref(), Some("v1.7"));
        assert_eq!(normalize_version("v2.0"), None);
        assert_eq!(normalize_version("x"), None);
    }
}
