//! Codes of the findings that are not semantic rules: reading files, parsing
//! YAML and checking against a schema. Semantic rules have their own registry
//! in `crate::rules`. Codes are stable and never reused.
//!
//! Ranges: RAY0xx reading and parsing, RAY1xx schema, RAY2xx and up semantic rules.

/// Declares each code as a constant and lists them all in [`ALL`], so a new
/// code cannot be missing from `rayc rule`, `--ignore` or the SARIF rule table.
macro_rules! codes {
    ($( $(#[doc = $doc:literal])+ $name:ident = $code:literal; )+) => {
        $( $(#[doc = $doc])+ pub const $name: &str = $code; )+

        /// Every code above with its doc comment as summary, in code order.
        pub const ALL: &[(&str, &str)] = &[ $( ($code, concat!($($doc),+)) ),+ ];
    };
}

codes! {
    /// A file could not be read, or a referenced file is missing or outside the repo.
    IO = "RAY001";
    /// The file is not valid YAML (syntax, tabs, unclosed brackets).
    YAML_SYNTAX = "RAY002";
    /// A mapping has the same key twice.
    DUPLICATE_KEY = "RAY003";
    /// A parsing budget (size, depth, aliases, documents) was exceeded.
    BUDGET = "RAY004";
    /// A document lacks `apiVersion`/`kind`, or has a kind rayc does not know.
    UNKNOWN_KIND = "RAY005";
    /// Project configuration problem (rayc.yaml, globs, environments).
    PROJECT = "RAY007";
    /// A template or overlay could not be applied.
    TEMPLATE = "RAY008";
    /// Layers of a spec could not be merged: two overlays disagree, a list without
    /// a merge key was merged without `$replace`/`$append`, a keyed item lacks its key.
    MERGE = "RAY009";
    /// The output folder is not allowed: outside the project (`output:`), the
    /// project itself or an ancestor of it, or a folder holding rayc.yaml, specs
    /// or overlays.
    OUTPUT_PATH = "RAY010";
    /// The output folder exists but rayc did not create it (no `.rayc-output`).
    NOT_RAYC_OUTPUT = "RAY011";
    /// A file in the output folder carries rayc's marker but is larger than rayc writes.
    OUTPUT_TOO_LARGE = "RAY012";
    /// A build would delete a generated `kustomization.yaml` (a whole deployment).
    REMOVES_DEPLOYMENT = "RAY013";
    /// A symlink sits where rayc keeps its lock, marker or a generated file.
    OUTPUT_SYMLINK = "RAY014";
    /// A value rayc must write as YAML text inside a string field
    /// (`runtimeEnvYAML`, `serveConfigV2`) that the YAML writer cannot express.
    EMBEDDED_YAML = "RAY016";
    /// A value the spec or an environment sets that rayc would not emit (a
    /// `replicas` of an autoscaled worker group under GitOps).
    NOT_EMITTED = "RAY017";
    /// A GitOps policy of rayc.yaml the chosen engine cannot honour (`hook`
    /// under Flux, `hook`/`replace` without `gitops.tool`), or a `syncWaves` key
    /// that is no kind rayc emits.
    GITOPS_POLICY = "RAY025";
    /// Argo CD plugin input (parameters, `ARGOCD_ENV_*`) that rayc cannot use.
    PLUGIN_INPUT = "RAY026";
    /// The target cluster does not serve the API the manifests need
    /// (`ray.io/v1` missing from `KUBE_API_VERSIONS`).
    CLUSTER_API = "RAY027";
    /// `rayc import`: a comment of the input is not carried into the spec.
    IMPORT_COMMENT = "RAY035";
    /// `rayc import`: part of the input no spec can say (another kind, cluster-written metadata, a field KubeRay does not know).
    IMPORT_NOT_EXPRESSED = "RAY036";
    /// `rayc import`: the build of an imported spec does not give the input back exactly.
    IMPORT_ROUND_TRIP = "RAY037";
    /// `rayc import`: the target folder already holds files.
    IMPORT_TARGET_EXISTS = "RAY038";
    /// A Ray kind under an API version the KubeRay CRDs do not serve (`v1`,
    /// `rayio/v1`, `ray.io`, `ray.io/v2`), with the right one to use.
    API_VERSION = "RAY040";
    /// A `ray.io/v1alpha1` object: checked against that version's schema, and
    /// deprecated in favour of `ray.io/v1`.
    DEPRECATED_API_VERSION = "RAY041";
    /// `rayc validate`: a hand-written kustomization given as is is skipped; rayc checks the objects kustomize renders from it.
    KUSTOMIZATION_NOT_RENDERED = "RAY045";
    /// `rayc import`: a `ray.io/v1alpha1` object that `ray.io/v1` cannot hold as it is (it lacks a field v1 requires).
    IMPORT_ALPHA_DIFFERS = "RAY046";
    /// A feature gate no KubeRay operator has (`--feature-gates`, rayc.yaml `featureGates`), with a did-you-mean.
    UNKNOWN_FEATURE_GATE = "RAY055";
    /// A feature gate the target KubeRay operator does not have (it refuses to start with it).
    FEATURE_GATE_VERSION = "RAY056";
    /// A field the schema does not know (with a did-you-mean where one is close).
    UNKNOWN_FIELD = "RAY101";
    /// A value of the wrong type.
    WRONG_TYPE = "RAY102";
    /// A value outside an enumeration.
    BAD_ENUM = "RAY103";
    /// A malformed or negative resource quantity.
    BAD_QUANTITY = "RAY104";
    /// A required field is missing.
    MISSING_REQUIRED = "RAY105";
    /// A field the target KubeRay version does not know yet.
    FIELD_VERSION = "RAY106";
    /// A string that does not match its pattern or format.
    BAD_FORMAT = "RAY107";
    /// A number outside its allowed range.
    OUT_OF_RANGE = "RAY108";
    /// A CRD validation rule (`x-kubernetes-validations`) does not hold.
    CRD_RULE = "RAY109";
    /// Two list items share a key that must be unique (list-type map/set).
    DUPLICATE_ITEM = "RAY110";
}

/// The code and one-line summary of a non-rule code (any case).
pub fn describe(code: &str) -> Option<(&'static str, &'static str)> {
    ALL.iter()
        .find(|(c, _)| c.eq_ignore_ascii_case(code.trim()))
        .map(|(c, summary)| (*c, summary.trim()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_in_order() {
        for pair in ALL.windows(2) {
            assert!(pair[0].0 < pair[1].0, "{} before {}", pair[0].0, pair[1].0);
        }
    }

    #[test]
    fn summaries_are_one_line() {
        assert_eq!(
            describe("ray003"),
            Some(("RAY003", "A mapping has the same key twice."))
        );
        assert!(ALL.iter().all(|(_, s)| !s.contains('\n')));
    }
}
