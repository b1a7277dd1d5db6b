//! The KubeRay operator's feature gates, per release: which gates each
//! operator knows and whether each is on by default. Read from
//! `ray-operator/pkg/features/features.go` (`defaultFeatureGates`) of every
//! release tag (the patch releases of a minor version share one table; v1.0
//! and v1.1 have no gates). The operator sets them with
//! `--feature-gates Name=true,Other=false` (helm value `featureGates`) and
//! refuses to start with a gate it does not know.

use std::collections::BTreeMap;

use super::{KUBERAY_VERSIONS, KubeRayVersion};

/// One gate: its name and its default in each version of
/// [`KUBERAY_VERSIONS`] (`None`: that operator does not know it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Gate {
    pub name: &'static str,
    pub defaults: [Option<bool>; KUBERAY_VERSIONS.len()],
    /// What the operator does differently with the gate off, and what rayc checks.
    pub off_means: &'static str,
}

const N: Option<bool> = None;
const OFF: Option<bool> = Some(false);
const ON: Option<bool> = Some(true);

/// Every gate of every release, by first version, then name.
pub const GATES: &[Gate] = &[
    gate(
        "RayClusterStatusConditions",
        [N, N, OFF, ON, ON, ON, ON, ON],
        "behaviour only (no field the operator refuses or ignores with it off): nothing to check",
    ),
    gate(
        "RayJobDeletionPolicy",
        [N, N, N, OFF, OFF, OFF, ON, ON],
        "refuses RayJob `deletionPolicy` (v1.3–v1.4) and `deletionStrategy` (v1.5 on) and suspended worker groups: RAY940; the deletion checks RAY909, RAY910, RAY930, RAY931, RAY935 run only with it on",
    ),
    gate(
        "RayMultiHostIndexing",
        [N, N, N, N, N, OFF, ON, ON],
        "behaviour only (no field the operator refuses or ignores with it off): nothing to check",
    ),
    gate(
        "RayServiceIncrementalUpgrade",
        [N, N, N, N, N, OFF, OFF, ON],
        "accepts `NewClusterWithIncrementalUpgrade` and never rolls out a changed cluster: RAY941; RAY805 and RAY806 run only with it on",
    ),
    gate(
        "AsyncJobInfoQuery",
        [N, N, N, N, N, N, OFF, N],
        "behaviour only (no field the operator refuses or ignores with it off): nothing to check",
    ),
    gate(
        "RayCronJob",
        [N, N, N, N, N, N, OFF, OFF],
        "no RayCronJob controller runs: RAY941 on every RayCronJob",
    ),
    gate(
        "GCSFaultToleranceEmbeddedStorage",
        [N, N, N, N, N, N, N, OFF],
        "refuses `gcsFaultToleranceOptions.backend: rocksdb`: RAY940",
    ),
    gate(
        "KubernetesWAS",
        [N, N, N, N, N, N, N, OFF],
        "behaviour only (no field the operator refuses or ignores with it off): nothing to check",
    ),
    gate(
        "RayClusterHistoryServer",
        [N, N, N, N, N, N, N, OFF],
        "refuses `historyServerOptions`: RAY940",
    ),
    gate(
        "RayClusterMTLS",
        [N, N, N, N, N, N, N, OFF],
        "refuses `tlsOptions`, whatever its value: RAY940",
    ),
    gate(
        "RayClusterNetworkPolicy",
        [N, N, N, N, N, N, N, OFF],
        "refuses `networkPolicy`: RAY940",
    ),
    gate(
        "SidecarSubmitterRestart",
        [N, N, N, N, N, N, N, OFF],
        "a failed SidecarMode submitter container fails the RayJob instead of restarting (no field to check)",
    ),
];

const fn gate(
    name: &'static str,
    defaults: [Option<bool>; KUBERAY_VERSIONS.len()],
    off_means: &'static str,
) -> Gate {
    Gate {
        name,
        defaults,
        off_means,
    }
}

impl Gate {
    /// The gate of that name (exact spelling, as the operator wants it).
    pub fn find(name: &str) -> Option<&'static Gate> {
        GATES.iter().find(|g| g.name == name)
    }

    /// Its default in `version`, `None` where that operator lacks it.
    pub fn default_at(&self, version: KubeRayVersion) -> Option<bool> {
        self.defaults
            .get(usize::from(version.minor))
            .copied()
            .flatten()
    }

    /// The versions that know the gate, as `v1.5–v1.7` or `v1.6`.
    pub fn known_in(&self) -> String {
        let known: Vec<usize> = (0..self.defaults.len())
            .filter(|&i| self.defaults[i].is_some())
            .collect();
        match (known.first(), known.last()) {
            (Some(&a), Some(&b)) if a == b => KUBERAY_VERSIONS[a].to_owned(),
            (Some(&a), Some(&b)) => format!("{}–{}", KUBERAY_VERSIONS[a], KUBERAY_VERSIONS[b]),
            _ => "no version".to_owned(),
        }
    }
}

/// The gates in force for one run: explicit settings (rayc.yaml
/// `featureGates`, then `--feature-gates`) over the target version's defaults.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FeatureGates {
    explicit: BTreeMap<String, bool>,
}

impl FeatureGates {
    /// Sets a gate (a later setting of the same gate wins).
    pub fn set(&mut self, name: &str, on: bool) {
        self.explicit.insert(name.to_owned(), on);
    }

    /// Whether `name` is on in `version`: `None` where that operator has no
    /// such gate (nothing it does depends on it).
    pub fn enabled(&self, name: &str, version: KubeRayVersion) -> Option<bool> {
        let default = Gate::find(name)?.default_at(version)?;
        Some(self.explicit.get(name).copied().unwrap_or(default))
    }

    /// Whether `name` exists in `version` and is off there.
    pub fn off(&self, name: &str, version: KubeRayVersion) -> bool {
        self.enabled(name, version) == Some(false)
    }

    /// The explicit settings, by name.
    pub fn explicit(&self) -> impl Iterator<Item = (&str, bool)> {
        self.explicit.iter().map(|(k, v)| (k.as_str(), *v))
    }
}

/// A value of `Name=value` as the operator reads it (Go's `strconv.ParseBool`).
pub fn parse_bool(text: &str) -> Option<bool> {
    match text {
        "1" | "t" | "T" | "true" | "TRUE" | "True" => Some(true),
        "0" | "f" | "F" | "false" | "FALSE" | "False" => Some(false),
        _ => None,
    }
}

/// Splits `Name=true,Other=false` (spaces around items allowed, as the
/// operator's flag parser allows them) into settings; the error names the
/// item that is not `Name=bool`.
pub fn parse_list(text: &str) -> Result<Vec<(String, bool)>, String> {
    let mut out = Vec::new();
    for item in text.split(',').map(str::trim).filter(|i| !i.is_empty()) {
        let parsed = item
            .split_once('=')
            .and_then(|(name, value)| Some((name.trim(), parse_bool(value.trim())?)));
        match parsed {
            Some((name, on)) if !name.is_empty() => out.push((name.to_owned(), on)),
            _ => return Err(item.to_owned()),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn default(name: &str, minor: u8) -> Option<bool> {
        Gate::find(name)?.default_at(KubeRayVersion::v1(minor))
    }

    /// Facts read from `ray-operator/pkg/features/features.go` at the tags.
    #[test]
    fn table_matches_features_go() {
        // v1.0.0 and v1.1.1 have no features.go at all.
        assert!(
            GATES
                .iter()
                .all(|g| g.defaults[0].is_none() && g.defaults[1].is_none())
        );
        // v1.2.0: only RayClusterStatusConditions, Alpha, off.
        let v1_2: Vec<_> = GATES.iter().filter(|g| g.defaults[2].is_some()).collect();
        assert_eq!(v1_2.len(), 1);
        assert_eq!(default("RayClusterStatusConditions", 2), Some(false));
        // v1.3.0: RayClusterStatusConditions Beta (on), RayJobDeletionPolicy Alpha (off).
        assert_eq!(default("RayClusterStatusConditions", 3), Some(true));
        assert_eq!(default("RayJobDeletionPolicy", 3), Some(false));
        // v1.5.0 adds RayServiceIncrementalUpgrade and RayMultiHostIndexing, off.
        assert_eq!(default("RayServiceIncrementalUpgrade", 5), Some(false));
        assert_eq!(default("RayMultiHostIndexing", 4), None);
        // v1.6.0: RayJobDeletionPolicy becomes Beta (on); RayCronJob and
        // AsyncJobInfoQuery appear (off); v1.7.0 drops AsyncJobInfoQuery.
        assert_eq!(default("RayJobDeletionPolicy", 6), Some(true));
        assert_eq!(default("RayCronJob", 6), Some(false));
        assert_eq!(default("AsyncJobInfoQuery", 6), Some(false));
        assert_eq!(default("AsyncJobInfoQuery", 7), None);
        // v1.7.0 (issue #9): RayJobDeletionPolicy and RayServiceIncrementalUpgrade
        // on; RayCronJob, RayClusterNetworkPolicy, RayClusterMTLS,
        // RayClusterHistoryServer, GCSFaultToleranceEmbeddedStorage off; 11 gates.
        assert_eq!(default("RayServiceIncrementalUpgrade", 7), Some(true));
        for off in [
            "RayCronJob",
            "RayClusterNetworkPolicy",
            "RayClusterMTLS",
            "RayClusterHistoryServer",
            "GCSFaultToleranceEmbeddedStorage",
            "SidecarSubmitterRestart",
        ] {
            assert_eq!(default(off, 7), Some(false), "{off}");
        }
        assert_eq!(GATES.iter().filter(|g| g.defaults[7].is_some()).count(), 11);
    }

    #[test]
    fn explicit_settings_win_only_where_the_gate_exists() {
        let mut gates = FeatureGates::default();
        gates.set("RayCronJob", true);
        assert_eq!(
            gates.enabled("RayCronJob", KubeRayVersion::v1(7)),
            Some(true)
        );
        assert_eq!(gates.enabled("RayCronJob", KubeRayVersion::v1(5)), None);
        assert!(gates.off("RayClusterMTLS", KubeRayVersion::v1(7)));
        assert!(!gates.off("RayClusterMTLS", KubeRayVersion::v1(6)));
    }

    #[test]
    fn list_syntax_is_the_operators() {
        assert_eq!(
            parse_list("RayCronJob=true, RayClusterMTLS=F,").unwrap(),
            vec![
                ("RayCronJob".to_owned(), true),
                ("RayClusterMTLS".to_owned(), false)
            ]
        );
        assert_eq!(parse_list("RayCronJob").unwrap_err(), "RayCronJob");
        assert_eq!(parse_list("RayCronJob=yes").unwrap_err(), "RayCronJob=yes");
        assert_eq!(parse_list("=true").unwrap_err(), "=true");
        assert_eq!(Gate::find("RayClusterMTLS").unwrap().known_in(), "v1.7");
        assert_eq!(Gate::find("RayCronJob").unwrap().known_in(), "v1.6–v1.7");
    }
}
