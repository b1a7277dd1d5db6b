//! Semantic rules: the checks a CRD schema cannot make (see `docs/rules/`).
//!
//! Rules read KubeRay manifests as positioned YAML trees ([`Node`]), one per
//! document, so every finding points at the key or value that caused it. They
//! also accept objects rayc generated (positions may be `Pos::UNKNOWN`).
//!
//! Layout (ruff's): one file per rule or small family under an area folder
//! (`bounds/`, `names/`, …); each rule is a unit struct whose doc comment is its
//! documentation page; `registry.rs` holds the one table that maps codes to rules.
//!
//! This module does no IO, never formats output and never panics on user input.
//! It depends only on `crate::load::node` and `crate::diag`.

use std::collections::BTreeSet;

use rayon::prelude::*;

use crate::diag::FieldPath;
use crate::diag::{self, Diagnostic};
use crate::load::node::{Node, Pos};
use crate::model::kuberay::{FeatureGates, KubeRayVersion};

/// Declares a rule: a unit struct whose doc comment is its documentation page
/// (`## What it does`, `## Why is this bad?`, `## Example`, optional `## References`).
macro_rules! declare_rule {
    ($(#[doc = $doc:literal])* pub(crate) struct $name:ident;) => {
        $(#[doc = $doc])*
        pub(crate) struct $name;
        impl $crate::rules::registry::Explain for $name {
            const EXPLAIN: &'static str = concat!($($doc, "\n"),*);
            const FILE: &'static str = file!();
        }
    };
}

pub mod docs;
mod registry;
mod view;

mod autoscaling;
mod bounds;
mod cronjob;
mod ft;
mod gates;
mod gitops;
mod images;
mod ingress;
mod lifecycle;
mod names;
mod pods;
mod resources;
mod storage;

pub use registry::{Rule, Until, Versions};

/// The annotation that silences rules on one object: codes or names
/// (`"RAY601, gpu-on-head"`), or `"all"`.
pub const IGNORE_ANNOTATION: &str = "rayc.dev/ignore";

/// One Kubernetes object to check, as parsed from `file`.
#[derive(Clone, Copy, Debug)]
pub struct Object<'a> {
    pub file: &'a str,
    pub node: &'a Node,
}

/// What the project syncs its manifests with; some rules only matter under one.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum GitOps {
    #[default]
    None,
    ArgoCd,
    Flux,
}

/// Project-wide settings the rules need.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Context {
    /// Target KubeRay version.
    pub kuberay_version: KubeRayVersion,
    pub gitops: GitOps,
    /// Codes (or rule names) silenced for the whole project; `"all"` silences everything.
    pub ignore: Vec<String>,
    /// The operator's feature gates set explicitly (the rest: the version's defaults).
    pub feature_gates: FeatureGates,
}

impl Context {
    /// The target version.
    pub fn version(&self) -> KubeRayVersion {
        self.kuberay_version
    }

    /// Whether the target operator has the feature gate `name` and it is off.
    pub fn gate_off(&self, name: &str) -> bool {
        self.feature_gates.off(name, self.version())
    }
}

impl Default for Context {
    fn default() -> Self {
        Context {
            kuberay_version: KubeRayVersion::LATEST,
            gitops: GitOps::None,
            ignore: Vec::new(),
            feature_gates: FeatureGates::default(),
        }
    }
}

/// Runs every rule over the whole set of objects (one environment's output).
pub fn check(objects: &[Object], ctx: &Context) -> Vec<Diagnostic> {
    check_rules(objects, ctx, Rule::ALL)
}

/// Runs only `rules`. Silenced findings are returned too, with `suppressed_by` set.
pub fn check_rules(objects: &[Object], ctx: &Context, rules: &[Rule]) -> Vec<Diagnostic> {
    let objs: Vec<view::Obj> = objects
        .iter()
        .map(|o| view::Obj::new(o.file, o.node))
        .collect();
    let input = Input {
        objects: &objs,
        ctx,
    };
    // Rules are independent: they run in parallel and their findings are
    // joined in rule order, as a sequential run would emit them.
    let found: Vec<Vec<Diagnostic>> = rules
        .par_iter()
        .map(|&rule| {
            let mut out = Vec::new();
            let mut sink = Sink {
                rule,
                ctx,
                out: &mut out,
            };
            rule.run(&input, &mut sink);
            out
        })
        .collect();
    let mut out: Vec<Diagnostic> = found.into_iter().flatten().collect();
    diag::sort_and_dedup(&mut out);
    out
}

/// What every check function gets: the objects (with their parsed metadata) and the context.
pub(crate) struct Input<'a> {
    pub objects: &'a [view::Obj<'a>],
    pub ctx: &'a Context,
}

/// Collects the findings of one rule, stamping its code and severity and
/// applying the project's and the object's silencing.
pub(crate) struct Sink<'s> {
    rule: Rule,
    ctx: &'s Context,
    out: &'s mut Vec<Diagnostic>,
}

impl Sink<'_> {
    /// Reports a finding on `obj` at `pos`; `path` is the path inside the
    /// object (keys from the data joined with `view::key`).
    pub fn report(
        &mut self,
        obj: &view::Obj,
        pos: Pos,
        path: impl Into<FieldPath>,
        message: impl Into<String>,
        help: impl Into<String>,
    ) {
        let Some(mut d) = self.diagnostic(obj.file, pos, message, help) else {
            return;
        };
        // The object as its resource is named (`metadata.name`, empty when
        // unset), so the report pairs the finding with that resource.
        d = d.with_path(path).with_object(obj.kind, obj.name);
        let by_annotation = obj.ignores(self.rule.code().as_str())
            || obj.ignores(&self.rule.name().to_ascii_uppercase());
        d.suppressed_by = if by_annotation {
            Some(format!("annotation {IGNORE_ANNOTATION}"))
        } else {
            self.project_suppression()
        };
        self.out.push(d);
    }

    /// Reports a finding about the whole set of objects, not one of them.
    pub fn report_set(
        &mut self,
        file: &str,
        pos: Pos,
        message: impl Into<String>,
        help: impl Into<String>,
    ) {
        let Some(mut d) = self.diagnostic(file, pos, message, help) else {
            return;
        };
        d.suppressed_by = self.project_suppression();
        self.out.push(d);
    }

    fn diagnostic(
        &self,
        file: &str,
        pos: Pos,
        message: impl Into<String>,
        help: impl Into<String>,
    ) -> Option<Diagnostic> {
        let severity = self.rule.severity_at(self.ctx.version())?;
        // The operator makes a gated check only with its gate on.
        if self.rule.gate().is_some_and(|g| self.ctx.gate_off(g)) {
            return None;
        }
        Some(Diagnostic::new(severity, self.rule.code(), file, pos, message).with_help(help))
    }

    /// Whether the operator of the target version refuses what this rule
    /// reports, so messages can say "rejects" or "accepts, but …".
    pub fn refused(&self) -> bool {
        self.rule.refused_at(self.ctx.version())
    }

    /// The target KubeRay version, for messages.
    pub fn version(&self) -> KubeRayVersion {
        self.ctx.version()
    }

    fn project_suppression(&self) -> Option<String> {
        let (code, name) = (self.rule.code().as_str(), self.rule.name());
        let silenced = self.ctx.ignore.iter().map(|c| c.trim()).any(|c| {
            c.eq_ignore_ascii_case(code)
                || c.eq_ignore_ascii_case(name)
                || c.eq_ignore_ascii_case("all")
        });
        silenced.then(|| "project ignore".to_owned())
    }

    /// The code of the rule being checked, for help texts that name it.
    pub fn code(&self) -> crate::diag::codes::Code {
        self.rule.code()
    }
}

/// Parses an ignore list such as `"RAY601, RAY702"` or `"all"`.
pub(crate) fn parse_ignore_list(text: &str) -> BTreeSet<String> {
    text.split([',', ' ', '\n'])
        .map(|c| c.trim().to_ascii_uppercase())
        .filter(|c| !c.is_empty())
        .collect()
}
