//! Container image references and Ray versions: splits `registry/repo:tag`,
//! reads the Ray version a tag carries (`2.9.3-py39-gpu` → 2.9.3) and
//! compares versions. Pure string handling.

use std::fmt;

/// A parsed `[registry/]repository[:tag][@digest]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ImageRef<'a> {
    /// `docker.io` when the reference names no registry.
    pub registry: &'a str,
    pub repository: &'a str,
    pub tag: Option<&'a str>,
}

impl<'a> ImageRef<'a> {
    pub fn parse(image: &'a str) -> ImageRef<'a> {
        let image = image.trim();
        let without_digest = image.split('@').next().unwrap_or(image);
        let (registry, rest) = match without_digest.split_once('/') {
            Some((first, rest)) if first.contains(['.', ':']) || first == "localhost" => {
                (first, rest)
            }
            _ => ("docker.io", without_digest),
        };
        let last_slash = rest.rfind('/').map_or(0, |i| i + 1);
        let (repository, tag) = match rest[last_slash..].rfind(':') {
            Some(i) => (&rest[..last_slash + i], Some(&rest[last_slash + i + 1..])),
            None => (rest, None),
        };
        ImageRef {
            registry,
            repository,
            tag,
        }
    }

    /// The last path segment of the repository (`ray`, `ray-ml`).
    pub fn repository_name(&self) -> &'a str {
        self.repository
            .rsplit('/')
            .next()
            .unwrap_or(self.repository)
    }

    /// The Ray version the tag carries, when the image is a Ray image whose
    /// tag starts with one (`2.9.3`, `2.9.3-py39-gpu`, `2.52.0-py311-cu128`).
    pub fn ray_version(&self) -> Option<Version> {
        if !self.repository_name().to_ascii_lowercase().contains("ray") {
            return None;
        }
        let tag = self.tag?;
        let head = tag.split('-').next().unwrap_or(tag);
        let v = Version::parse(head)?;
        // `2.9` alone is too vague to compare against `2.9.3`; tags carry all three.
        v.has_patch.then_some(v)
    }
}

/// A `major.minor[.patch]` version.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Version {
    pub major: u64,
    pub minor: u64,
    pub patch: u64,
    pub has_patch: bool,
}

impl Version {
    /// Parses `2.9.3`, `2.55` or `v2.9.3`; trailing pre-release text after `-`/`+`/`rc` is ignored.
    pub fn parse(text: &str) -> Option<Version> {
        let text = text.trim();
        let text = text.strip_prefix('v').unwrap_or(text);
        let core = text.split(['-', '+']).next().unwrap_or(text);
        let core = core.split("rc").next().unwrap_or(core);
        let parts: Vec<&str> = core.split('.').collect();
        if !(2..=3).contains(&parts.len())
            || parts
                .iter()
                .any(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()))
        {
            return None;
        }
        let num = |i: usize| parts.get(i).map_or(Some(0), |p| p.parse::<u64>().ok());
        Some(Version {
            major: num(0)?,
            minor: num(1)?,
            patch: num(2)?,
            has_patch: parts.len() == 3,
        })
    }

    pub fn key(&self) -> (u64, u64, u64) {
        (self.major, self.minor, self.patch)
    }

    pub fn at_least(&self, major: u64, minor: u64, patch: u64) -> bool {
        self.key() >= (major, minor, patch)
    }

    /// Equal where both say something: `2.9` matches `2.9.3`.
    pub fn agrees_with(&self, other: &Version) -> bool {
        self.major == other.major
            && self.minor == other.minor
            && (!self.has_patch || !other.has_patch || self.patch == other.patch)
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.has_patch {
            write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
        } else {
            write!(f, "{}.{}", self.major, self.minor)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_registry_repository_and_tag() {
        let i = ImageRef::parse(
            "emr-vke-qa-cn-beijing.cr.volces.com/emr/ray:2.9.3-py3.9-ubuntu20.04-146",
        );
        assert_eq!(i.registry, "emr-vke-qa-cn-beijing.cr.volces.com");
        assert_eq!(i.repository, "emr/ray");
        assert_eq!(i.tag, Some("2.9.3-py3.9-ubuntu20.04-146"));
        let i = ImageRef::parse("rayproject/ray:2.52.0");
        assert_eq!(
            (i.registry, i.repository, i.tag),
            ("docker.io", "rayproject/ray", Some("2.52.0"))
        );
        let i = ImageRef::parse("localhost:5000/ray");
        assert_eq!(
            (i.registry, i.repository, i.tag),
            ("localhost:5000", "ray", None)
        );
        let i = ImageRef::parse("alpine/git");
        assert_eq!(i.repository_name(), "git");
    }

    #[test]
    fn reads_ray_versions_from_tags() {
        let v = |s| ImageRef::parse(s).ray_version().map(|v| v.to_string());
        assert_eq!(v("rayproject/ray:2.9.3-py39-gpu").as_deref(), Some("2.9.3"));
        assert_eq!(
            v("x.io/emr/ray-ml:2.9.3-cu11.8.0-py3.9-ubuntu20.04-1.2.0").as_deref(),
            Some("2.9.3")
        );
        assert_eq!(
            v("rayproject/ray-llm:2.52.0-py311-cu128").as_deref(),
            Some("2.52.0")
        );
        assert_eq!(v("rayproject/ray:nightly"), None);
        assert_eq!(v("hiyouga/verl:ngc-th2.6.0-cu126"), None);
        assert_eq!(v("mycorp/base:1.4.0"), None);
    }

    #[test]
    fn compares_versions() {
        let v = |s| Version::parse(s).unwrap();
        assert!(v("2.52.0").at_least(2, 52, 0));
        assert!(!v("2.9.3").at_least(2, 52, 0));
        assert!(v("2.55").at_least(2, 55, 0));
        assert!(v("2.9").agrees_with(&v("2.9.3")));
        assert!(!v("2.9.2").agrees_with(&v("2.9.3")));
        assert_eq!(Version::parse("latest"), None);
        assert_eq!(Version::parse("2"), None);
    }
}
