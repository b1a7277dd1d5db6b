//! Which KubeRay versions know which field: facts derived from the upstream
//! CRDs of every supported version and committed as `field_versions.txt`
//! (regenerated and checked by `tests/it/kuberay_model.rs`; `RAYC_BLESS=1`
//! rewrites it).
//!
//! Paths are dotted, with array items written `[]` and map values `{}`
//! (`spec.workerGroupSpecs[].template.spec.containers[].resizePolicy`); `""`
//! (written `.` in the file) is the object itself. The file lists a path only
//! where its set of versions differs from its parent's, so a path that is not
//! listed shares the versions of its nearest listed ancestor (or of its kind).

use std::collections::BTreeMap;
use std::sync::OnceLock;

/// The KubeRay minor versions rayc knows, oldest first. Their CRDs are the
/// v1.0.0, v1.1.1, v1.2.2, v1.3.2, v1.4.2, v1.5.2, v1.6.2 and v1.7.0 releases.
pub const KUBERAY_VERSIONS: [&str; 8] = [
    "v1.0", "v1.1", "v1.2", "v1.3", "v1.4", "v1.5", "v1.6", "v1.7",
];

const FIELD_VERSIONS: &str = include_str!("field_versions.txt");

/// Indexes into [`KUBERAY_VERSIONS`] of the versions that have a path.
type VersionSet = Vec<usize>;

/// Kind → path → versions.
type Table = BTreeMap<&'static str, BTreeMap<&'static str, VersionSet>>;

fn table() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(|| parse_table(FIELD_VERSIONS))
}

/// Parses the committed table. Malformed lines are skipped here; the test that
/// regenerates the file from the CRDs catches any damage.
fn parse_table(text: &'static str) -> Table {
    let mut table = Table::new();
    for line in text.lines() {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let mut columns = line.split(' ');
        let (Some(kind), Some(path), Some(ranges), None) = (
            columns.next(),
            columns.next(),
            columns.next(),
            columns.next(),
        ) else {
            continue;
        };
        let path = if path == "." { "" } else { path };
        if let Some(versions) = parse_ranges(ranges) {
            table.entry(kind).or_default().insert(path, versions);
        }
    }
    table
}

/// `v1.5` = v1.5 and every later version; `v1.0..v1.2` = those and the ones
/// between; several ranges are joined by `,`; `none` = no version.
pub fn parse_ranges(text: &str) -> Option<VersionSet> {
    let mut versions = Vec::new();
    if text == "none" {
        return Some(versions);
    }
    for range in text.split(',') {
        let (first, last) = match range.split_once("..") {
            Some((first, last)) => (version_index(first)?, version_index(last)?),
            None => (version_index(range)?, KUBERAY_VERSIONS.len() - 1),
        };
        versions.extend(first..=last);
    }
    Some(versions)
}

/// The index in [`KUBERAY_VERSIONS`] of `v1.5`, `1.5` or `v1.5.2`.
pub fn version_index(version: &str) -> Option<usize> {
    let version = version.strip_prefix('v').unwrap_or(version);
    let mut parts = version.split('.');
    let (major, minor) = (parts.next()?, parts.next()?);
    if parts
        .next()
        .is_some_and(|patch| patch.parse::<u32>().is_err())
    {
        return None;
    }
    // Compared in place, without searching or allocating: this runs for
    // every field of every object.
    KUBERAY_VERSIONS.iter().position(|v| {
        let known = &v[1..];
        known.len() == major.len() + 1 + minor.len()
            && known.starts_with(major)
            && known.as_bytes()[major.len()] == b'.'
            && known.ends_with(minor)
    })
}

/// A KubeRay minor version (`v1.4`): the one type for a target version,
/// resolved once (flag, then rayc.yaml, then [`KubeRayVersion::LATEST`]) and
/// passed to every phase. Ordered, so `version >= KubeRayVersion::V1_4` reads
/// as the release notes do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct KubeRayVersion {
    pub minor: u8,
}

impl KubeRayVersion {
    pub const fn v1(minor: u8) -> Self {
        KubeRayVersion { minor }
    }

    pub const V1_0: KubeRayVersion = KubeRayVersion::v1(0);
    pub const V1_1: KubeRayVersion = KubeRayVersion::v1(1);
    pub const V1_2: KubeRayVersion = KubeRayVersion::v1(2);
    pub const V1_3: KubeRayVersion = KubeRayVersion::v1(3);
    pub const V1_4: KubeRayVersion = KubeRayVersion::v1(4);
    pub const V1_5: KubeRayVersion = KubeRayVersion::v1(5);
    pub const V1_6: KubeRayVersion = KubeRayVersion::v1(6);
    pub const V1_7: KubeRayVersion = KubeRayVersion::v1(7);

    /// The oldest version rayc knows.
    pub const OLDEST: KubeRayVersion = KubeRayVersion::v1(0);
    /// The newest version rayc knows, the default target.
    pub const LATEST: KubeRayVersion = KubeRayVersion::v1(KUBERAY_VERSIONS.len() as u8 - 1);

    /// Every version rayc knows, oldest first.
    pub fn iter() -> impl DoubleEndedIterator<Item = KubeRayVersion> + Clone {
        (0..KUBERAY_VERSIONS.len()).map(|i| KubeRayVersion::v1(i as u8))
    }

    /// `v1.5`, `1.5` or `v1.5.2`; `None` for a version rayc does not know.
    pub fn parse(text: &str) -> Option<Self> {
        let index = version_index(text)?;
        u8::try_from(index).ok().map(KubeRayVersion::v1)
    }

    /// The position in [`KUBERAY_VERSIONS`].
    pub fn index(self) -> usize {
        usize::from(self.minor)
    }

    /// `"v1.4"`.
    pub fn as_str(self) -> &'static str {
        KUBERAY_VERSIONS
            .get(self.index())
            .copied()
            .unwrap_or("v1.?")
    }

    /// Every known version, for help texts: `v1.0, v1.1, …, v1.7`.
    pub fn known() -> String {
        KUBERAY_VERSIONS.join(", ")
    }
}

impl Default for KubeRayVersion {
    fn default() -> Self {
        KubeRayVersion::LATEST
    }
}

impl std::fmt::Display for KubeRayVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A version rayc does not know; its message names the ones it does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownVersion(pub String);

impl UnknownVersion {
    /// What to write instead.
    pub fn help(&self) -> String {
        format!("use one of {}", KubeRayVersion::known())
    }
}

impl std::fmt::Display for UnknownVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "unknown KubeRay version {:?}", self.0)
    }
}

impl std::error::Error for UnknownVersion {}

impl std::str::FromStr for KubeRayVersion {
    type Err = UnknownVersion;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        KubeRayVersion::parse(text).ok_or_else(|| UnknownVersion(text.to_owned()))
    }
}

/// The table's name for the `ray.io/v1alpha1` schema of a kind
/// (`v1alpha1/RayCluster`): its rows say which versions serve a field of the
/// v1 model under v1alpha1 too (`none` for fields only v1 has).
pub fn alpha_kind(kind: &str) -> String {
    format!("v1alpha1/{kind}")
}

/// The parent of a normalised path (`a.b[]` → `a.b`, `a.b` → `a`, `a` → ``).
fn parent(path: &str) -> Option<&str> {
    if path.is_empty() {
        return None;
    }
    if let Some(stripped) = path.strip_suffix("[]").or_else(|| path.strip_suffix("{}")) {
        return Some(stripped);
    }
    Some(path.rsplit_once('.').map_or("", |(head, _)| head))
}

/// The versions that have `path` in `kind`, or `None` when every version has
/// it (or nothing is known about it: check existence against the schema).
fn versions_of(kind: &str, path: &str) -> Option<&'static VersionSet> {
    let paths = table().get(kind)?;
    let mut current = Some(if path == "." { "" } else { path });
    while let Some(p) = current {
        if let Some(versions) = paths.get(p) {
            return Some(versions);
        }
        current = parent(p);
    }
    None
}

/// The first KubeRay version whose CRD has `path` in `kind` (normalised as
/// described in this module), when that is later than v1.0; `None` when v1.0
/// already had it (or nothing is known about it).
pub fn introduced_in(kind: &str, path: &str) -> Option<&'static str> {
    let versions = versions_of(kind, path)?;
    match versions.first() {
        Some(&0) | None => None,
        Some(&first) => Some(KUBERAY_VERSIONS[first]),
    }
}

/// For a path that the newest version no longer has: the last version that had it.
pub fn last_version_with(kind: &str, path: &str) -> Option<&'static str> {
    let versions = versions_of(kind, path)?;
    match versions.last() {
        Some(&last) if last + 1 < KUBERAY_VERSIONS.len() => Some(KUBERAY_VERSIONS[last]),
        _ => None,
    }
}

/// Whether KubeRay `version` knows `path` in `kind`. A path the table does
/// not restrict counts as known to every version.
pub fn present_in(kind: &str, path: &str, version: KubeRayVersion) -> bool {
    let path = if path == "." { "" } else { path };
    // This runs for every field of every object: a path under none of the
    // rows the version lacks is known to it, without walking up the table.
    let lacks = lacking()
        .get(kind)
        .and_then(|per_version| per_version.get(version.index()));
    if !lacks.is_some_and(|rows| rows.iter().any(|row| within(path, row))) {
        return true;
    }
    versions_of(kind, path).is_none_or(|versions| versions.contains(&version.index()))
}

/// Kind → for each version (by index), the listed paths it lacks.
type Lacking = BTreeMap<&'static str, Vec<Vec<&'static str>>>;

fn lacking() -> &'static Lacking {
    static LACKING: OnceLock<Lacking> = OnceLock::new();
    LACKING.get_or_init(|| {
        table()
            .iter()
            .map(|(kind, paths)| {
                let per_version = (0..KUBERAY_VERSIONS.len())
                    .map(|v| {
                        paths
                            .iter()
                            .filter(|(_, versions)| !versions.contains(&v))
                            .map(|(path, _)| *path)
                            .collect()
                    })
                    .collect();
                (*kind, per_version)
            })
            .collect()
    })
}

/// Whether `path` is `row` or lies under it (`row.x`, `row[]`, `row{}`).
fn within(path: &str, row: &str) -> bool {
    row.is_empty()
        || path
            .strip_prefix(row)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with(['.', '[', '{']))
}

/// Kind → field path → the versions whose CRD requires it, for the fields
/// where that differs from what the typed model (the newest CRD) requires.
type RequiredTable = BTreeMap<&'static str, Vec<(&'static str, VersionSet)>>;

fn required_table() -> &'static RequiredTable {
    static TABLE: OnceLock<RequiredTable> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut table = RequiredTable::new();
        for line in FIELD_VERSIONS.lines() {
            let mut columns = line.split(' ');
            let (Some("required"), Some(kind), Some(path), Some(ranges), None) = (
                columns.next(),
                columns.next(),
                columns.next(),
                columns.next(),
                columns.next(),
            ) else {
                continue;
            };
            if let Some(versions) = parse_ranges(ranges) {
                table.entry(kind).or_default().push((path, versions));
            }
        }
        table
    })
}

/// The fields of `kind` whose `required` status in KubeRay `version`'s CRD
/// differs from the typed model's: (field path, required in `version`,
/// required by the newest version). Paths are normalised (`a[].b`).
pub fn required_differences(
    kind: &str,
    version: KubeRayVersion,
) -> impl Iterator<Item = (&'static str, bool, bool)> {
    let index = version.index();
    let newest = KubeRayVersion::LATEST.index();
    required_table()
        .get(kind)
        .into_iter()
        .flatten()
        .map(move |(path, versions)| (*path, versions.contains(&index), versions.contains(&newest)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fast_path_of_present_in_agrees_with_the_table_walk() {
        for (kind, paths) in table() {
            for path in paths.keys() {
                for p in [
                    path.to_string(),
                    format!("{path}.x"),
                    format!("{path}[].x"),
                    format!("{path}x"),
                ] {
                    for version in KubeRayVersion::iter() {
                        let walked = versions_of(kind, &p)
                            .is_none_or(|versions| versions.contains(&version.index()));
                        assert_eq!(
                            present_in(kind, &p, version),
                            walked,
                            "{kind} {p} {version}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn versions_parse_order_and_print() {
        assert_eq!("v1.4".parse(), Ok(KubeRayVersion::V1_4));
        assert_eq!("1.4.2".parse(), Ok(KubeRayVersion::V1_4));
        assert!("v1.9".parse::<KubeRayVersion>().is_err());
        assert!(KubeRayVersion::V1_3 < KubeRayVersion::V1_4);
        assert_eq!(KubeRayVersion::V1_7.to_string(), "v1.7");
        assert_eq!(KubeRayVersion::iter().count(), KUBERAY_VERSIONS.len());
        assert_eq!(KubeRayVersion::iter().last(), Some(KubeRayVersion::LATEST));
        assert_eq!(KubeRayVersion::default(), KubeRayVersion::LATEST);
        let names: Vec<String> = KubeRayVersion::iter().map(|v| v.to_string()).collect();
        assert_eq!(names, KUBERAY_VERSIONS);
    }

    #[test]
    fn required_by_older_crds() {
        let at = |kind, version| -> Vec<(&str, bool, bool)> {
            required_differences(kind, version).collect()
        };
        // CRDs before v1.4 require `rayStartParams` in every group.
        assert!(at("RayCluster", KubeRayVersion::V1_3).contains(&(
            "spec.headGroupSpec.rayStartParams",
            true,
            false
        )));
        assert!(at("RayCluster", KubeRayVersion::V1_4).contains(&(
            "spec.headGroupSpec.rayStartParams",
            false,
            false
        )));
        assert!(at("RayJob", KubeRayVersion::V1_0).contains(&("spec.entrypoint", true, false)));
        // A RayService needs `rayClusterConfig` only from v1.4.
        assert!(at("RayService", KubeRayVersion::V1_3).contains(&(
            "spec.rayClusterConfig",
            false,
            true
        )));
    }

    #[test]
    fn ranges() {
        assert_eq!(parse_ranges("v1.5"), Some(vec![5, 6, 7]));
        assert_eq!(parse_ranges("v1.0..v1.2"), Some(vec![0, 1, 2]));
        assert_eq!(parse_ranges("v1.3..v1.3"), Some(vec![3]));
        assert_eq!(parse_ranges("v1.1..v1.2,v1.5"), Some(vec![1, 2, 5, 6, 7]));
        assert_eq!(parse_ranges("none"), Some(vec![]));
        assert_eq!(parse_ranges("v1.9"), None);
        assert_eq!(parse_ranges("v1.2..x"), None);
    }

    #[test]
    fn version_forms() {
        assert_eq!(version_index("v1.5"), Some(5));
        assert_eq!(version_index("1.5"), Some(5));
        assert_eq!(version_index("v1.7.0"), Some(7));
        assert_eq!(version_index("v2.0"), None);
        assert_eq!(version_index("v1"), None);
        assert_eq!(version_index("v1.5.x"), None);
    }

    #[test]
    fn parents() {
        assert_eq!(parent("spec.a[].b{}"), Some("spec.a[].b"));
        assert_eq!(parent("spec.a[].b"), Some("spec.a[]"));
        assert_eq!(parent("spec.a[]"), Some("spec.a"));
        assert_eq!(parent("spec"), Some(""));
        assert_eq!(parent(""), None);
    }

    #[test]
    fn known_facts() {
        assert_eq!(
            introduced_in("RayJob", "spec.deletionStrategy"),
            Some("v1.5")
        );
        // Children inherit their parent's row.
        assert_eq!(
            introduced_in("RayJob", "spec.deletionStrategy.onSuccess.policy"),
            Some("v1.5")
        );
        assert_eq!(introduced_in("RayCronJob", ""), Some("v1.6"));
        assert_eq!(introduced_in("RayCronJob", "spec.schedule"), Some("v1.6"));
        assert_eq!(introduced_in("RayCronJob", "spec.timeZone"), Some("v1.7"));
        assert_eq!(introduced_in("RayJob", "spec.entrypoint"), None);
        assert_eq!(last_version_with("RayJob", "spec.deletionStrategy"), None);
        let v = |text: &str| KubeRayVersion::parse(text).unwrap();
        assert!(!present_in("RayJob", "spec.deletionStrategy", v("v1.4.2")));
        assert!(present_in("RayJob", "spec.deletionStrategy", v("v1.5")));
        assert!(present_in(
            "RayJob",
            "spec.entrypoint",
            KubeRayVersion::V1_0
        ));
    }
}
