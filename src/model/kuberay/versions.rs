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

use std::sync::OnceLock;

/// The KubeRay minor versions rayc knows, oldest first. Their CRDs are the
/// v1.0.0, v1.1.1, v1.2.2, v1.3.2, v1.4.2, v1.5.2, v1.6.2 and v1.7.0 releases.
pub const KUBERAY_VERSIONS: [&str; 8] = [
    "v1.0", "v1.1", "v1.2", "v1.3", "v1.4", "v1.5", "v1.6", "v1.7",
];

const FIELD_VERSIONS: &str = include_str!("field_versions.txt");

/// The versions that have a path: bit `i` is `KUBERAY_VERSIONS[i]`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct VersionSet(u32);

const _: () = assert!(
    KUBERAY_VERSIONS.len() <= 32,
    "a VersionSet holds 32 versions"
);

impl VersionSet {
    fn contains(self, index: usize) -> bool {
        index < 32 && self.0 & (1 << index) != 0
    }

    fn first(self) -> Option<usize> {
        (self.0 != 0).then(|| self.0.trailing_zeros() as usize)
    }

    fn last(self) -> Option<usize> {
        (self.0 != 0).then(|| 31 - self.0.leading_zeros() as usize)
    }

    fn indices(self) -> impl Iterator<Item = usize> {
        (0..KUBERAY_VERSIONS.len()).filter(move |&i| self.contains(i))
    }
}

/// One kind's rows: paths sorted (binary search), and for each version (by
/// index) the listed paths it lacks, gathered when first asked for.
struct KindRows {
    kind: &'static str,
    paths: Vec<(&'static str, VersionSet)>,
    lacking: [OnceLock<Vec<&'static str>>; KUBERAY_VERSIONS.len()],
}

impl KindRows {
    fn lacking(&self, version: KubeRayVersion) -> Option<&[&'static str]> {
        let index = version.index();
        let rows = self.lacking.get(index)?.get_or_init(|| {
            self.paths
                .iter()
                .filter(|(_, versions)| !versions.contains(index))
                .map(|(path, _)| *path)
                .collect()
        });
        Some(rows)
    }
}

/// The parsed file: field rows by kind, and the `required` rows by kind in
/// file order.
struct Table {
    kinds: Vec<KindRows>,
    required: Vec<(&'static str, Vec<(&'static str, VersionSet)>)>,
}

impl Table {
    fn kind(&self, kind: &str) -> Option<&KindRows> {
        self.kinds.iter().find(|k| k.kind == kind)
    }
}

fn table() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(|| parse_table(FIELD_VERSIONS))
}

/// Parses the committed table in one pass, into sorted lists rather than
/// maps: every build reads it, and building maps of its 1300 long paths cost
/// a fifth of a one-spec build. Malformed lines are skipped here; the test
/// that regenerates the file from the CRDs catches any damage.
fn parse_table(text: &'static str) -> Table {
    let mut rows: Vec<(&str, &str, VersionSet)> = Vec::with_capacity(1400);
    let mut required: Vec<(&'static str, Vec<(&'static str, VersionSet)>)> = Vec::new();
    let mut start = 0;
    let ends = memchr::memchr_iter(b'\n', text.as_bytes()).chain([text.len()]);
    for end in ends {
        let line = text.get(start..end).unwrap_or_default();
        start = end + 1;
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        match columns(line) {
            Some(([kind, path, ranges, _], 3)) => {
                let path = if path == "." { "" } else { path };
                if let Some(versions) = parse_set(ranges) {
                    rows.push((kind, path, versions));
                }
            }
            Some((["required", kind, path, ranges], 4)) => {
                if let Some(versions) = parse_set(ranges) {
                    match required.iter_mut().find(|(k, _)| *k == kind) {
                        Some((_, list)) => list.push((path, versions)),
                        None => required.push((kind, vec![(path, versions)])),
                    }
                }
            }
            _ => {}
        }
    }
    // The file is sorted already (a stable sort of sorted rows is one pass);
    // of repeated rows the last one counts.
    rows.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
    let mut kinds: Vec<KindRows> = Vec::new();
    for (kind, path, versions) in rows {
        if kinds.last().is_none_or(|k| k.kind != kind) {
            kinds.push(KindRows {
                kind,
                paths: Vec::new(),
                lacking: [const { OnceLock::new() }; KUBERAY_VERSIONS.len()],
            });
        }
        if let Some(k) = kinds.last_mut() {
            match k.paths.last_mut() {
                Some(last) if last.0 == path => last.1 = versions,
                _ => k.paths.push((path, versions)),
            }
        }
    }
    Table { kinds, required }
}

/// A line's space-separated columns and their count, when it has at most four.
fn columns(line: &str) -> Option<([&str; 4], usize)> {
    let mut found = [""; 4];
    let mut rest = line;
    for (n, slot) in found.iter_mut().enumerate() {
        match memchr::memchr(b' ', rest.as_bytes()) {
            Some(space) => {
                *slot = rest.get(..space)?;
                rest = rest.get(space + 1..)?;
            }
            None => {
                *slot = rest;
                return Some((found, n + 1));
            }
        }
    }
    None
}

/// `v1.5` = v1.5 and every later version; `v1.0..v1.2` = those and the ones
/// between; several ranges are joined by `,`; `none` = no version.
pub fn parse_ranges(text: &str) -> Option<Vec<usize>> {
    parse_set(text).map(|set| set.indices().collect())
}

/// [`parse_ranges`] as a set. Byte by byte, without searchers: it runs for
/// every line of `field_versions.txt` on every build.
fn parse_set(text: &str) -> Option<VersionSet> {
    let mut set = 0u32;
    if text == "none" {
        return Some(VersionSet(set));
    }
    // The table writes versions as listed; other forms take the general way.
    let index = |v: &str| {
        KUBERAY_VERSIONS
            .iter()
            .position(|known| *known == v)
            .or_else(|| version_index(v))
    };
    let mut rest = text;
    loop {
        let comma = rest.bytes().position(|b| b == b',');
        let range = rest.get(..comma.unwrap_or(rest.len()))?;
        let (first, last) = match range.as_bytes().windows(2).position(|w| w == b"..") {
            Some(dots) => (index(range.get(..dots)?)?, index(range.get(dots + 2..)?)?),
            None => (index(range)?, KUBERAY_VERSIONS.len() - 1),
        };
        for i in first..=last {
            set |= 1 << i;
        }
        match comma {
            Some(comma) => rest = rest.get(comma + 1..)?,
            None => return Some(VersionSet(set)),
        }
    }
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
fn versions_of(kind: &str, path: &str) -> Option<VersionSet> {
    let paths = &table().kind(kind)?.paths;
    let mut current = Some(if path == "." { "" } else { path });
    while let Some(p) = current {
        if let Ok(i) = paths.binary_search_by(|(row, _)| (*row).cmp(p)) {
            return Some(paths[i].1);
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
        Some(0) | None => None,
        Some(first) => KUBERAY_VERSIONS.get(first).copied(),
    }
}

/// For a path that the newest version no longer has: the last version that had it.
pub fn last_version_with(kind: &str, path: &str) -> Option<&'static str> {
    let versions = versions_of(kind, path)?;
    match versions.last() {
        Some(last) if last + 1 < KUBERAY_VERSIONS.len() => Some(KUBERAY_VERSIONS[last]),
        _ => None,
    }
}

/// Whether KubeRay `version` knows `path` in `kind`. A path the table does
/// not restrict counts as known to every version.
pub fn present_in(kind: &str, path: &str, version: KubeRayVersion) -> bool {
    let path = if path == "." { "" } else { path };
    // This runs for every field of every object: a path under none of the
    // rows the version lacks is known to it, without walking up the table.
    let lacks = table().kind(kind).and_then(|rows| rows.lacking(version));
    if !lacks.is_some_and(|rows| rows.iter().any(|row| within(path, row))) {
        return true;
    }
    versions_of(kind, path).is_none_or(|versions| versions.contains(version.index()))
}

/// Whether `path` is `row` or lies under it (`row.x`, `row[]`, `row{}`).
fn within(path: &str, row: &str) -> bool {
    row.is_empty()
        || path
            .strip_prefix(row)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with(['.', '[', '{']))
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
    table()
        .required
        .iter()
        .filter(move |(k, _)| *k == kind)
        .flat_map(|(_, rows)| rows)
        .map(move |(path, versions)| (*path, versions.contains(index), versions.contains(newest)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fast_path_of_present_in_agrees_with_the_table_walk() {
        for rows in &table().kinds {
            let kind = rows.kind;
            for (path, _) in &rows.paths {
                for p in [
                    path.to_string(),
                    format!("{path}.x"),
                    format!("{path}[].x"),
                    format!("{path}x"),
                ] {
                    for version in KubeRayVersion::iter() {
                        let walked = versions_of(kind, &p)
                            .is_none_or(|versions| versions.contains(version.index()));
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
    fn every_row_of_the_file_reads_back() {
        let mut rows = std::collections::BTreeMap::new();
        let mut required: Vec<(&str, &str, Vec<usize>)> = Vec::new();
        for line in FIELD_VERSIONS.lines() {
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let columns: Vec<&str> = line.split(' ').collect();
            match columns.as_slice() {
                ["required", kind, path, ranges] => {
                    required.push((kind, path, parse_ranges(ranges).unwrap()))
                }
                [kind, path, ranges] => {
                    let path = if *path == "." { "" } else { path };
                    rows.insert((*kind, path), parse_ranges(ranges).unwrap());
                }
                _ => panic!("malformed line {line:?}"),
            }
        }
        let parsed: usize = table().kinds.iter().map(|k| k.paths.len()).sum();
        assert_eq!(parsed, rows.len());
        for ((kind, path), versions) in &rows {
            let found = versions_of(kind, path).map(|set| set.indices().collect::<Vec<_>>());
            assert_eq!(found.as_ref(), Some(versions), "{kind} {path}");
        }
        for version in KubeRayVersion::iter() {
            for kind in ["RayCluster", "RayJob", "RayService", "RayCronJob"] {
                let want: Vec<(&str, bool, bool)> = required
                    .iter()
                    .filter(|(k, _, _)| *k == kind)
                    .map(|(_, path, versions)| {
                        let has = |v: KubeRayVersion| versions.contains(&v.index());
                        (*path, has(version), has(KubeRayVersion::LATEST))
                    })
                    .collect();
                let got: Vec<_> = required_differences(kind, version).collect();
                assert_eq!(got, want, "{kind} {version}");
            }
        }
    }

    #[test]
    fn version_sets() {
        let set = parse_set("v1.1..v1.2,v1.5").unwrap();
        assert_eq!((set.first(), set.last()), (Some(1), Some(7)));
        assert!(set.contains(2) && !set.contains(3) && !set.contains(40));
        let none = parse_set("none").unwrap();
        assert_eq!((none.first(), none.last()), (None, None));
        // Other spellings of a version take the general way.
        assert_eq!(parse_set("1.6..v1.6.2"), Some(VersionSet(1 << 6)));
        assert_eq!(parse_set("v1.5,"), None);
        assert_eq!(parse_set("v1.2.."), None);
        assert_eq!(columns("a b c"), Some((["a", "b", "c", ""], 3)));
        assert_eq!(columns("a b c d e"), None);
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
