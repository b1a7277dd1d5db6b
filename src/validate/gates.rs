//! The operator feature gates a run assumes: the target version's defaults,
//! then rayc.yaml `featureGates`, then `--feature-gates`. A gate no operator
//! has is `RAY055` (with a did-you-mean), one the target operator lacks is
//! `RAY056`: that operator refuses to start with it. Rules read the result
//! through `rules::Context::gate_off`.

use crate::diag::{Diagnostic, codes};
use crate::load::node::{Node, Pos};
use crate::model::kuberay::{FeatureGates, GATES, Gate, KubeRayVersion};
use crate::model::project::FILE_NAME;
use crate::schema::closest;

/// Where `--feature-gates` findings point (the flag has no file).
pub const FLAG: &str = "--feature-gates";

/// One `Name=bool` setting and where it was written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GateSetting {
    pub name: String,
    pub on: bool,
    pub file: String,
    pub pos: Pos,
}

impl GateSetting {
    /// Settings of `--feature-gates` (already split by `parse_list`).
    pub fn from_flag(settings: &[(String, bool)]) -> Vec<GateSetting> {
        settings
            .iter()
            .map(|(name, on)| GateSetting {
                name: name.clone(),
                on: *on,
                file: FLAG.to_owned(),
                pos: Pos::UNKNOWN,
            })
            .collect()
    }

    /// Settings of rayc.yaml `featureGates`, at their keys in `project`.
    pub fn from_project(
        gates: &std::collections::BTreeMap<String, bool>,
        project: Option<&Node>,
    ) -> Vec<GateSetting> {
        let block = project.and_then(|p| p.get("featureGates"));
        gates
            .iter()
            .map(|(name, on)| GateSetting {
                name: name.clone(),
                on: *on,
                file: FILE_NAME.to_owned(),
                pos: block
                    .and_then(|b| b.entry(name))
                    .map_or(Pos::UNKNOWN, |e| e.key_pos),
            })
            .collect()
    }
}

/// The gates in force at `version`, and a finding for every setting that
/// operator would refuse (such settings are left out).
pub fn resolve(
    settings: &[GateSetting],
    version: KubeRayVersion,
) -> (FeatureGates, Vec<Diagnostic>) {
    let mut gates = FeatureGates::default();
    let mut findings = Vec::new();
    for s in settings {
        match unknown(&s.name) {
            Some((message, help)) => findings.push(
                Diagnostic::error(codes::UNKNOWN_FEATURE_GATE, &s.file, s.pos, message)
                    .with_help(help),
            ),
            None => match Gate::find(&s.name) {
                Some(gate) if gate.default_at(version).is_none() => findings.push(
                    Diagnostic::error(
                        codes::FEATURE_GATE_VERSION,
                        &s.file,
                        s.pos,
                        format!(
                            "the KubeRay {version} operator has no feature gate {:?} (only {} has it) and refuses to start with it",
                            s.name,
                            gate.known_in()
                        ),
                    )
                    .with_help(format!(
                        "remove it, or target a version that has it (`--kuberay-version`); the gates of {version} are: {}",
                        names_at(version)
                    )),
                ),
                _ => gates.set(&s.name, s.on),
            },
        }
    }
    (gates, findings)
}

/// Message and help for a name no operator version has; `None` for a known one.
pub fn unknown(name: &str) -> Option<(String, String)> {
    if Gate::find(name).is_some() {
        return None;
    }
    let help = match closest(name, GATES.iter().map(|g| g.name)) {
        Some(near) => format!("did you mean `{near}`? (gate names are case-sensitive)"),
        None => format!(
            "the KubeRay operators' gates are: {}",
            GATES.iter().map(|g| g.name).collect::<Vec<_>>().join(", ")
        ),
    };
    Some((format!("unknown feature gate {name:?}"), help))
}

/// The gates of `version` with their defaults, for help texts.
fn names_at(version: KubeRayVersion) -> String {
    let known: Vec<String> = GATES
        .iter()
        .filter_map(|g| g.default_at(version).map(|on| format!("{}={}", g.name, on)))
        .collect();
    if known.is_empty() {
        "none".to_owned()
    } else {
        known.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flag(name: &str) -> Vec<GateSetting> {
        GateSetting::from_flag(&[(name.to_owned(), true)])
    }

    #[test]
    fn unknown_and_foreign_gates_are_refused() {
        let (gates, found) = resolve(&flag("RayCronjob"), KubeRayVersion::v1(7));
        assert_eq!(found[0].code, "RAY055");
        assert!(
            found[0]
                .help
                .as_deref()
                .unwrap_or("")
                .contains("`RayCronJob`")
        );
        assert_eq!(gates, FeatureGates::default());

        let (_, found) = resolve(&flag("RayClusterMTLS"), KubeRayVersion::v1(5));
        assert_eq!(found[0].code, "RAY056");
        assert!(
            found[0].message.contains("only v1.7 has it"),
            "{}",
            found[0].message
        );

        let (gates, found) = resolve(&flag("RayCronJob"), KubeRayVersion::v1(6));
        assert!(found.is_empty());
        assert_eq!(
            gates.enabled("RayCronJob", KubeRayVersion::v1(6)),
            Some(true)
        );
    }
}
