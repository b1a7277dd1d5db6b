//! Codes of the findings that are not semantic rules: reading files, parsing
//! YAML and checking against a schema. Semantic rules have their own registry
//! in `crate::rules`. Codes are stable and never reused.
//!
//! Ranges: RAY0xx reading and parsing, RAY1xx schema, RAY2xx and up semantic rules.

/// A file could not be read, or a referenced file is missing or outside the repo.
pub const IO: &str = "RAY001";
/// The file is not valid YAML (syntax, tabs, unclosed brackets).
pub const YAML_SYNTAX: &str = "RAY002";
/// A mapping has the same key twice.
pub const DUPLICATE_KEY: &str = "RAY003";
/// A parsing budget (size, depth, aliases, documents) was exceeded.
pub const BUDGET: &str = "RAY004";
/// A document lacks `apiVersion`/`kind`, or has a kind rayc does not know.
pub const UNKNOWN_KIND: &str = "RAY005";
/// Project configuration problem (rayc.yaml, globs, environments).
pub const PROJECT: &str = "RAY007";
/// A template or overlay could not be applied.
pub const TEMPLATE: &str = "RAY008";
/// Layers of a spec could not be merged: two overlays disagree, a list without
/// a merge key was merged without `$replace`/`$append`, a keyed item lacks its key.
pub const MERGE: &str = "RAY009";
/// The output folder is not allowed: outside the project (`output:`), the
/// project itself or an ancestor of it, or a folder holding rayc.yaml, specs
/// or overlays.
pub const OUTPUT_PATH: &str = "RAY010";
/// The output folder exists but rayc did not create it (no `.rayc-output`).
pub const NOT_RAYC_OUTPUT: &str = "RAY011";
/// A file in the output folder carries rayc's marker but is larger than rayc writes.
pub const OUTPUT_TOO_LARGE: &str = "RAY012";
/// A build would delete a generated `kustomization.yaml` (a whole deployment).
pub const REMOVES_DEPLOYMENT: &str = "RAY013";
/// A symlink sits where rayc keeps its lock, marker or a generated file.
pub const OUTPUT_SYMLINK: &str = "RAY014";
/// A value rayc must write as YAML text inside a string field
/// (`runtimeEnvYAML`, `serveConfigV2`) that the YAML writer cannot express.
pub const EMBEDDED_YAML: &str = "RAY016";
/// A value the spec or an environment sets that rayc would not emit (a
/// `replicas` of an autoscaled worker group under GitOps).
pub const NOT_EMITTED: &str = "RAY017";
/// A GitOps policy of rayc.yaml the chosen engine cannot honour (`hook`
/// under Flux, `hook`/`replace` without `gitops.tool`), or a `syncWaves` key
/// that is no kind rayc emits.
pub const GITOPS_POLICY: &str = "RAY025";
/// Argo CD plugin input (parameters, `ARGOCD_ENV_*`) that rayc cannot use.
pub const PLUGIN_INPUT: &str = "RAY026";
/// The target cluster does not serve the API the manifests need
/// (`ray.io/v1` missing from `KUBE_API_VERSIONS`).
pub const CLUSTER_API: &str = "RAY027";

/// A field the schema does not know (with a did-you-mean where one is close).
pub const UNKNOWN_FIELD: &str = "RAY101";
/// A value of the wrong type.
pub const WRONG_TYPE: &str = "RAY102";
/// A value outside an enumeration.
pub const BAD_ENUM: &str = "RAY103";
/// A malformed or negative resource quantity.
pub const BAD_QUANTITY: &str = "RAY104";
/// A required field is missing.
pub const MISSING_REQUIRED: &str = "RAY105";
/// A field the target KubeRay version does not know yet.
pub const FIELD_VERSION: &str = "RAY106";
/// A string that does not match its pattern or format.
pub const BAD_FORMAT: &str = "RAY107";
/// A number outside its allowed range.
pub const OUT_OF_RANGE: &str = "RAY108";
/// A CRD validation rule (`x-kubernetes-validations`) does not hold.
pub const CRD_RULE: &str = "RAY109";
/// Two list items share a key that must be unique (list-type map/set).
pub const DUPLICATE_ITEM: &str = "RAY110";

/// `rayc import`: a comment of the input is not carried into the spec.
pub const IMPORT_COMMENT: &str = "RAY035";
/// `rayc import`: part of the input no spec can say (another kind, cluster-written metadata, a field KubeRay does not know).
pub const IMPORT_NOT_EXPRESSED: &str = "RAY036";
/// `rayc import`: the build of an imported spec does not give the input back exactly.
pub const IMPORT_ROUND_TRIP: &str = "RAY037";
/// `rayc import`: the target folder already holds files.
pub const IMPORT_TARGET_EXISTS: &str = "RAY038";
