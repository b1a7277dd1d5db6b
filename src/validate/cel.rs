//! The CRDs' CEL rules (`x-kubernetes-validations`) of the target KubeRay
//! version, evaluated with a CEL interpreter (ADR 0006) on the object as JSON.
//!
//! The rules come from `cel_rules.txt`, derived from the CRDs of every version
//! and kept current by `tests/it/kuberay_model.rs`. Rules that compare with the
//! previous object (`oldSelf`) are skipped: only the API server, on update, has one.

use std::sync::OnceLock;

use cel::{Context, Program, Value as Cel};

use crate::diag::codes;
use crate::load::node::{Node, Pos, Value};
use crate::model::kuberay::{KubeRayVersion, parse_ranges};
use crate::schema::SchemaError;

const RULES: &str = include_str!("cel_rules.txt");

/// One rule of the table.
struct Rule {
    kind: &'static str,
    /// Dotted path with `[]` for list items and `{}` for map values.
    path: &'static str,
    /// Indexes into [`crate::model::kuberay::KUBERAY_VERSIONS`] of the versions whose CRD has the rule.
    versions: Vec<usize>,
    text: &'static str,
    message: &'static str,
    /// Compiled on first use (`None`: it does not compile): compiling every
    /// rule was a third of a one-spec build, and a run needs only the rules
    /// its objects reach.
    program: OnceLock<Option<Program>>,
}

impl Rule {
    fn program(&self) -> Option<&Program> {
        self.program
            .get_or_init(|| Program::compile(self.text).ok())
            .as_ref()
    }
}

/// The rules rayc evaluates: every line of the table that needs no `oldSelf`
/// (the test `cel_rules_compile` checks that the text says so exactly when
/// the compiled rule reads it, and that every line compiles).
fn rules() -> &'static [Rule] {
    static TABLE: OnceLock<Vec<Rule>> = OnceLock::new();
    TABLE.get_or_init(|| {
        lines()
            .filter_map(|line| line.ok())
            .filter(|rule| !rule.text.contains("oldSelf"))
            .collect()
    })
}

/// The table's rules, not compiled yet.
fn lines() -> impl Iterator<Item = Result<Rule, String>> {
    RULES
        .lines()
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(|line| {
            let columns: Vec<&'static str> = line.split('\t').collect();
            let [kind, path, versions, text, message] = columns[..] else {
                return Err(format!("not five columns: {line}"));
            };
            let versions = parse_ranges(versions).ok_or(format!("bad versions: {line}"))?;
            Ok(Rule {
                kind,
                path,
                versions,
                text,
                message,
                program: OnceLock::new(),
            })
        })
}

/// Checks every CEL rule of `kind`'s v1 schema at `version` on `object`.
pub fn check(kind: &str, object: &Node, version: KubeRayVersion) -> Vec<SchemaError> {
    let mut errors = Vec::new();
    let index = version.index();
    for rule in rules() {
        if rule.kind != kind || !rule.versions.contains(&index) {
            continue;
        }
        let mut targets = Vec::new();
        let steps: Vec<&str> = steps(rule.path).collect();
        find(object, &steps, String::new(), None, &mut targets);
        if targets.is_empty() {
            continue;
        }
        let Some(program) = rule.program() else {
            continue;
        };
        for (path, pos, node) in targets {
            let verdict = evaluate(program, node);
            if verdict == Ok(true) {
                continue;
            }
            let mut message = rule.message.trim_end_matches('.').to_owned();
            if let Err(reason) = verdict {
                message.push_str(&format!(" (the rule could not be evaluated: {reason})"));
            }
            errors.push(
                SchemaError::new(codes::CRD_RULE, pos, path, message)
                    .with_help(help(rule, version)),
            );
        }
    }
    errors
}

/// A fix where the rule says what to do; otherwise the rule itself.
fn help(rule: &Rule, version: KubeRayVersion) -> String {
    let last = rule.path.rsplit('.').next().unwrap_or_default();
    match last {
        "managedBy" => "leave `managedBy` out (KubeRay manages the object), or set it to kueue.x-k8s.io/multikueue for MultiKueue".into(),
        "deletionStrategy" => "use either `onSuccess` + `onFailure` or `deletionRules`".into(),
        "condition" => "set exactly one of `jobStatus` (SUCCEEDED or FAILED) and `jobDeploymentStatus`".into(),
        "deletionPolicy" => "use DeleteCluster, DeleteWorkers, DeleteSelf or DeleteNone".into(),
        _ => format!(
            "the KubeRay {version} CRD requires `{}` to hold here",
            rule.text
        ),
    }
}

/// `spec.rules[].condition` → `spec`, `rules`, `[]`, `condition`.
fn steps(path: &str) -> impl Iterator<Item = &str> {
    path.split('.').flat_map(|part| {
        let (name, marks) = part.split_at(part.find(['[', '{']).unwrap_or(part.len()));
        std::iter::once(name)
            .chain(
                marks
                    .as_bytes()
                    .chunks(2)
                    .map(|m| if m[0] == b'[' { "[]" } else { "{}" }),
            )
            .filter(|s| !s.is_empty())
    })
}

/// Every non-null node at `steps` below `node`, with its concrete path and the
/// position a finding points at (the key of an object, the value of a scalar).
fn find<'a>(
    node: &'a Node,
    steps: &[&str],
    path: String,
    key_pos: Option<Pos>,
    out: &mut Vec<(String, Pos, &'a Node)>,
) {
    let Some((step, rest)) = steps.split_first() else {
        if !node.is_null() {
            let pos = match node.value {
                Value::Map(_) | Value::Seq(_) => key_pos.unwrap_or(node.pos),
                _ => node.pos,
            };
            out.push((path, pos, node));
        }
        return;
    };
    match (*step, &node.value) {
        ("[]", Value::Seq(items)) => {
            for (i, item) in items.iter().enumerate() {
                find(item, rest, format!("{path}[{i}]"), None, out);
            }
        }
        ("{}", Value::Map(entries)) => {
            for e in entries {
                let here = format!("{path}.{}", e.key);
                find(&e.value, rest, here, Some(e.key_pos), out);
            }
        }
        (name, Value::Map(_)) => {
            if let Some(e) = node.entry(name) {
                let here = if path.is_empty() {
                    name.to_owned()
                } else {
                    format!("{path}.{name}")
                };
                find(&e.value, rest, here, Some(e.key_pos), out);
            }
        }
        _ => {}
    }
}

/// Runs `program` with `self` bound to `node` as JSON (nulls dropped, as the
/// API server drops them before validation).
fn evaluate(program: &Program, node: &Node) -> Result<bool, String> {
    let mut context = Context::default();
    context.add_variable_from_value("self", to_cel(&node.to_json()));
    match program.execute(&context) {
        Ok(Cel::Bool(b)) => Ok(b),
        Ok(other) => Err(format!("it returned {other:?}, not a boolean")),
        Err(e) => Err(e.to_string()),
    }
}

fn to_cel(json: &serde_json::Value) -> Cel {
    use serde_json::Value as J;
    match json {
        J::Null => Cel::Null,
        J::Bool(b) => Cel::Bool(*b),
        J::Number(n) => n
            .as_i64()
            .map_or_else(|| Cel::Float(n.as_f64().unwrap_or(f64::NAN)), Cel::Int),
        J::String(s) => Cel::from(s.as_str()),
        J::Array(items) => Cel::List(items.iter().map(to_cel).collect::<Vec<_>>().into()),
        J::Object(map) => {
            let entries: std::collections::HashMap<String, Cel> = map
                .iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k.clone(), to_cel(v)))
                .collect();
            Cel::from(entries)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::{Limits, parse_documents};

    fn errors(kind: &str, yaml: &str, version: &str) -> Vec<SchemaError> {
        let docs = parse_documents("t.yaml", yaml, Limits::USER).unwrap();
        check(kind, &docs[0].node, version.parse().unwrap())
    }

    #[test]
    fn cel_rules_compile() {
        let lines: Vec<_> = lines().collect();
        let broken: Vec<&String> = lines.iter().filter_map(|l| l.as_ref().err()).collect();
        assert!(broken.is_empty(), "{broken:?}");
        for rule in lines.iter().flatten() {
            let program = rule
                .program()
                .unwrap_or_else(|| panic!("{} compiles", rule.text));
            assert_eq!(
                program.references().has_variable("oldSelf"),
                rule.text.contains("oldSelf"),
                "{}",
                rule.text
            );
        }
        // The managedBy value rule at least is evaluated, and `oldSelf` rules are not.
        assert!(rules().iter().any(|r| r.path == "spec.managedBy"));
        assert!(rules().iter().all(|r| !r.text.contains("oldSelf")));
        assert!(lines.len() > rules().len());
    }

    #[test]
    fn paths_split_into_steps() {
        let s: Vec<&str> = steps("spec.a.rules[].condition").collect();
        assert_eq!(s, ["spec", "a", "rules", "[]", "condition"]);
        let s: Vec<&str> = steps("spec.m{}.x").collect();
        assert_eq!(s, ["spec", "m", "{}", "x"]);
    }

    #[test]
    fn managed_by_must_be_a_known_manager() {
        let e = errors("RayJob", "spec:\n  managedBy: me\n", "v1.7");
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].path, "spec.managedBy");
        assert_eq!(e[0].pos.line, 2);
        assert!(
            errors(
                "RayJob",
                "spec:\n  managedBy: kueue.x-k8s.io/multikueue\n",
                "v1.7"
            )
            .is_empty()
        );
        let service = "spec:\n  rayClusterConfig:\n    managedBy: x\n";
        assert_eq!(errors("RayService", service, "v1.7").len(), 1);
        // RayService's own spec.managedBy has the rule from v1.6 only.
        assert_eq!(
            errors("RayService", "spec:\n  managedBy: x\n", "v1.6").len(),
            1
        );
        assert!(errors("RayService", "spec:\n  managedBy: x\n", "v1.5").is_empty());
        // No CRD before v1.3 has any rule.
        assert!(errors("RayJob", "spec:\n  managedBy: me\n", "v1.2").is_empty());
    }

    #[test]
    fn deletion_policy_rule_is_v1_3_and_v1_4_only() {
        let bad = "spec:\n  deletionPolicy: DeleteAll\n";
        for version in ["v1.3", "v1.4"] {
            let e = errors("RayJob", bad, version);
            assert_eq!(e.len(), 1, "{version}");
            assert_eq!(e[0].path, "spec.deletionPolicy");
            assert!(e[0].message.contains("'DeleteCluster'"), "{}", e[0].message);
        }
        assert!(errors("RayJob", bad, "v1.5").is_empty());
        assert!(errors("RayJob", "spec:\n  deletionPolicy: DeleteSelf\n", "v1.3").is_empty());
    }

    #[test]
    fn deletion_strategy_combinations() {
        let legacy_only_one =
            "spec:\n  deletionStrategy:\n    onSuccess: {policy: DeleteCluster}\n";
        assert_eq!(errors("RayJob", legacy_only_one, "v1.7").len(), 1);
        let both = "spec:\n  deletionStrategy:\n    onSuccess: {policy: DeleteCluster}\n    onFailure: {policy: DeleteNone}\n";
        assert!(errors("RayJob", both, "v1.7").is_empty());
        let mixed = "spec:\n  deletionStrategy:\n    onSuccess: {policy: DeleteCluster}\n    deletionRules: []\n";
        assert_eq!(errors("RayJob", mixed, "v1.7").len(), 1);
        let null_is_absent = "spec:\n  deletionStrategy:\n    onSuccess: {policy: DeleteCluster}\n    onFailure: {policy: DeleteNone}\n    deletionRules: null\n";
        assert!(errors("RayJob", null_is_absent, "v1.7").is_empty());
        let bad_condition = "spec:\n  jobTemplate:\n    deletionStrategy:\n      deletionRules:\n        - policy: DeleteCluster\n          condition: {jobStatus: SUCCEEDED, jobDeploymentStatus: Complete}\n";
        let e = errors("RayCronJob", bad_condition, "v1.7");
        assert_eq!(e.len(), 1);
        assert_eq!(
            e[0].path,
            "spec.jobTemplate.deletionStrategy.deletionRules[0].condition"
        );
        assert_eq!(e[0].pos.line, 6);
        // v1.5's CRD has no rule on the condition (the operator checks it).
        let job = "spec:\n  deletionStrategy:\n    deletionRules:\n      - policy: DeleteCluster\n        condition: {}\n";
        assert_eq!(errors("RayJob", job, "v1.6").len(), 1);
        assert!(errors("RayJob", job, "v1.5").is_empty());
    }
}
