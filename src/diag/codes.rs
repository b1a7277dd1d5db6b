//! Every code rayc reports, behind one type ([`Code`]) and one lookup
//! ([`lookup`], [`all`]): the codes of findings that are not semantic rules
//! (reading files, parsing YAML, the project, checking against a schema) are
//! declared here; semantic rules declare theirs in `crate::rules::registry`.
//! Each code has a documentation page: `docs/codes/<CODE>.md` for these,
//! `docs/rules/<CODE>.md` for rules, both generated (`rules::docs`). Codes are
//! stable and never reused.
//!
//! Ranges: RAY0xx reading and parsing, RAY1xx schema, RAY2xx and up semantic rules.

use std::fmt;

use crate::rules::Rule;

/// A finding's stable code (`RAY101`). Only the two tables make codes, so a
/// diagnostic cannot carry a code that `rayc rule`, `--ignore` and SARIF do
/// not know.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct Code(&'static str);

impl Code {
    /// For the registries only (this table and `rules::registry`).
    pub(crate) const fn new(code: &'static str) -> Code {
        Code(code)
    }

    pub const fn as_str(self) -> &'static str {
        self.0
    }

    /// The registered code spelled `text` (any case), from either table.
    pub fn parse(text: &str) -> Option<Code> {
        let text = text.trim();
        all()
            .into_iter()
            .map(|c| c.code)
            .find(|c| c.0.eq_ignore_ascii_case(text))
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl PartialEq<str> for Code {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for Code {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

impl PartialEq<Code> for &str {
    fn eq(&self, other: &Code) -> bool {
        *self == other.0
    }
}

/// Declares each code as a constant and lists them all in [`ALL`], so a new
/// code cannot be missing from `rayc rule`, `--ignore`, SARIF or the docs.
macro_rules! codes {
    ($( $(#[doc = $doc:literal])+ $name:ident = $code:literal; )+) => {
        $( $(#[doc = $doc])+ pub const $name: Code = Code($code); )+

        /// Every code above: (code, constant name, doc comment), in code order.
        pub const ALL: &[(Code, &str, &str)] = &[ $( (Code($code), stringify!($name), concat!($($doc, "\n"),+)) ),+ ];
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

/// What the registries say about one code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CodeInfo {
    pub code: Code,
    /// Kebab-case name: the rule's (`min-above-max`), or the constant's (`yaml-syntax`).
    pub name: &'static str,
    /// Set for semantic rules.
    pub rule: Option<Rule>,
    /// The doc comment of a non-rule code (rules document themselves).
    doc: &'static str,
}

impl CodeInfo {
    /// One line for listings.
    pub fn summary(&self) -> String {
        match self.rule {
            Some(rule) => rule.summary(),
            None => self.doc.split_whitespace().collect::<Vec<_>>().join(" "),
        }
    }

    /// The non-rule code's doc comment, as Markdown.
    pub fn doc(&self) -> String {
        let lines: Vec<&str> = self
            .doc
            .lines()
            .map(|l| l.strip_prefix(' ').unwrap_or(l))
            .collect();
        lines.join("\n").trim().to_owned()
    }

    /// Where its documentation page lives, relative to `docs/`.
    pub fn page(&self) -> String {
        let folder = if self.rule.is_some() {
            "rules"
        } else {
            "codes"
        };
        format!("{folder}/{}.md", self.code)
    }
}

/// Kebab-case names of the constants, interned once.
fn kebab_names() -> &'static [String] {
    static NAMES: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    NAMES.get_or_init(|| {
        ALL.iter()
            .map(|(_, name, _)| name.to_ascii_lowercase().replace('_', "-"))
            .collect()
    })
}

/// Every code rayc reports, in code order: this table's and the rules'.
pub fn all() -> Vec<CodeInfo> {
    let mut out: Vec<CodeInfo> = ALL
        .iter()
        .zip(kebab_names())
        .map(|((code, _, doc), name)| CodeInfo {
            code: *code,
            name: name.as_str(),
            rule: None,
            doc,
        })
        .chain(Rule::iter().map(|rule| CodeInfo {
            code: rule.code(),
            name: rule.name(),
            rule: Some(rule),
            doc: "",
        }))
        .collect();
    out.sort_by_key(|c| c.code);
    out
}

/// A code (`RAY101`, any case) or a name (`unknown-field`, `min-above-max`).
pub fn lookup(code_or_name: &str) -> Option<CodeInfo> {
    let wanted = code_or_name.trim();
    all()
        .into_iter()
        .find(|c| c.code.as_str().eq_ignore_ascii_case(wanted) || c.name == wanted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_in_order() {
        for pair in ALL.windows(2) {
            assert!(pair[0].0 < pair[1].0, "{} before {}", pair[0].0, pair[1].0);
        }
        let every = all();
        for pair in every.windows(2) {
            assert!(pair[0].code < pair[1].code, "{} twice", pair[1].code);
        }
        assert!(
            every
                .iter()
                .all(|c| c.code.as_str().len() == 6 && c.code.as_str().starts_with("RAY"))
        );
    }

    #[test]
    fn one_lookup_for_every_code() {
        let io = lookup("ray003").unwrap();
        assert_eq!(
            (io.code, io.name, io.rule),
            (DUPLICATE_KEY, "duplicate-key", None)
        );
        assert_eq!(io.summary(), "A mapping has the same key twice.");
        assert_eq!(io.page(), "codes/RAY003.md");
        assert_eq!(lookup("unknown-field").unwrap().code, UNKNOWN_FIELD);
        let rule = lookup("RAY201").unwrap();
        assert_eq!(
            (rule.name, rule.page().as_str()),
            ("min-above-max", "rules/RAY201.md")
        );
        assert!(lookup("RAY000").is_none());
        assert_eq!(Code::parse(" ray101"), Some(UNKNOWN_FIELD));
        assert_eq!(Code::parse("RAY000"), None);
    }
}
