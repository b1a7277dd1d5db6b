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

/// Every code above with its one-line summary, in code order: for `rayc rule`,
/// `--ignore` suggestions and the SARIF rule table.
pub const ALL: &[(&str, &str)] = &[
    (
        IO,
        "A file could not be read, or a referenced file is missing or outside the repo.",
    ),
    (
        YAML_SYNTAX,
        "The file is not valid YAML (syntax, tabs, unclosed brackets).",
    ),
    (DUPLICATE_KEY, "A mapping has the same key twice."),
    (
        BUDGET,
        "A parsing budget (size, depth, aliases, documents) was exceeded.",
    ),
    (
        UNKNOWN_KIND,
        "A document lacks `apiVersion`/`kind`, or has a kind rayc does not know.",
    ),
    (
        PROJECT,
        "Project configuration problem (rayc.yaml, globs, environments).",
    ),
    (TEMPLATE, "A template or overlay could not be applied."),
    (
        MERGE,
        "Layers of a spec could not be merged (conflicting overlays, list merges without a key).",
    ),
    (
        UNKNOWN_FIELD,
        "A field the schema does not know (with a did-you-mean where one is close).",
    ),
    (WRONG_TYPE, "A value of the wrong type."),
    (BAD_ENUM, "A value outside an enumeration."),
    (BAD_QUANTITY, "A malformed or negative resource quantity."),
    (MISSING_REQUIRED, "A required field is missing."),
    (
        FIELD_VERSION,
        "A field the target KubeRay version does not know yet.",
    ),
    (
        BAD_FORMAT,
        "A string that does not match its pattern or format.",
    ),
    (OUT_OF_RANGE, "A number outside its allowed range."),
    (
        CRD_RULE,
        "A CRD validation rule (`x-kubernetes-validations`) does not hold.",
    ),
    (
        DUPLICATE_ITEM,
        "Two list items share a key that must be unique (list-type map/set).",
    ),
];

/// The summary of a non-rule code (any case).
pub fn describe(code: &str) -> Option<(&'static str, &'static str)> {
    ALL.iter()
        .copied()
        .find(|(c, _)| c.eq_ignore_ascii_case(code.trim()))
}
