//! The results of one run, per resource, the way every output format sees
//! them: which object was checked, how it came out, and its findings.
//!
//! This module only groups and counts [`Diagnostic`]s; it never formats text
//! (that is `render`) and never checks anything (that is the phases).

use serde::Serialize;

use super::{Diagnostic, codes, sort_and_dedup};

/// How one resource came out, as kubeconform reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Checked, and nothing blocking was found.
    Valid,
    /// Checked, and at least one unsilenced error was found.
    Invalid,
    /// Could not be checked at all: unreadable, unparsable or of unknown kind.
    Error,
    /// Deliberately not checked (the caller said so).
    Skipped,
    /// A document with nothing in it.
    Empty,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Valid => "valid",
            Status::Invalid => "invalid",
            Status::Error => "error",
            Status::Skipped => "skipped",
            Status::Empty => "empty",
        }
    }
}

/// Why a resource was not checked, when it was not.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Unchecked {
    Skipped,
    Empty,
}

/// Findings that mean rayc could not look at the resource at all, so it is
/// reported as [`Status::Error`] rather than [`Status::Invalid`].
pub fn prevents_checking(code: codes::Code) -> bool {
    matches!(
        code,
        codes::IO
            | codes::YAML_SYNTAX
            | codes::DUPLICATE_KEY
            | codes::BUDGET
            | codes::UNKNOWN_KIND
            | codes::API_VERSION
    )
}

/// One object (or one file that yielded none) and what was found in it.
#[derive(Clone, Debug, PartialEq)]
pub struct ResourceResult {
    pub filename: String,
    /// Empty when the file could not be parsed into objects.
    pub kind: String,
    pub name: String,
    /// The object's `apiVersion`; empty when unknown.
    pub version: String,
    /// Set when the resource was not checked; its status then says why,
    /// unless a blocking finding overrides it.
    pub unchecked: Option<Unchecked>,
    pub diagnostics: Vec<Diagnostic>,
}

impl ResourceResult {
    pub fn new(
        filename: impl Into<String>,
        kind: impl Into<String>,
        name: impl Into<String>,
        version: impl Into<String>,
    ) -> Self {
        ResourceResult {
            filename: filename.into(),
            kind: kind.into(),
            name: name.into(),
            version: version.into(),
            unchecked: None,
            diagnostics: Vec::new(),
        }
    }

    /// An empty document in `filename`.
    pub fn empty(filename: impl Into<String>) -> Self {
        ResourceResult {
            unchecked: Some(Unchecked::Empty),
            ..ResourceResult::new(filename, "", "", "")
        }
    }

    /// Marks the resource as deliberately not checked.
    pub fn skipped(mut self) -> Self {
        self.unchecked = Some(Unchecked::Skipped);
        self
    }

    pub fn with_diagnostics(mut self, diagnostics: Vec<Diagnostic>) -> Self {
        self.diagnostics = diagnostics;
        self
    }

    /// Derived from the findings every time, so it can never go stale.
    pub fn status(&self) -> Status {
        let mut blocking = self
            .diagnostics
            .iter()
            .filter(|d| d.is_blocking())
            .peekable();
        if blocking.peek().is_some() {
            return if blocking.any(|d| prevents_checking(d.code)) {
                Status::Error
            } else {
                Status::Invalid
            };
        }
        match self.unchecked {
            Some(Unchecked::Skipped) => Status::Skipped,
            Some(Unchecked::Empty) => Status::Empty,
            None => Status::Valid,
        }
    }

    /// Whether `diag` is about this resource.
    fn owns(&self, diag: &Diagnostic) -> bool {
        if self.filename != diag.file {
            return false;
        }
        match &diag.object {
            Some(obj) => obj.kind == self.kind && obj.name == self.name,
            None => self.kind.is_empty() && self.name.is_empty(),
        }
    }
}

/// Everything one run found: per-resource results plus the findings that
/// belong to no resource (project configuration, "no objects at all", …).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Report {
    pub resources: Vec<ResourceResult>,
    pub findings: Vec<Diagnostic>,
}

/// Totals over a [`Report`]: resources by status, findings by severity.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    pub valid: usize,
    pub invalid: usize,
    pub errors: usize,
    pub skipped: usize,
    pub empty: usize,
    /// Unsilenced errors.
    pub error_count: usize,
    /// Unsilenced warnings.
    pub warning_count: usize,
    /// Silenced findings of either severity.
    pub suppressed_count: usize,
}

impl Summary {
    pub fn resources(&self) -> usize {
        self.valid + self.invalid + self.errors + self.skipped + self.empty
    }
}

impl Report {
    /// Files each finding under its resource and sorts everything into print order.
    ///
    /// A finding goes to the resource in the same file whose kind and name
    /// match its `object`; one for an object nobody listed gets a new entry.
    /// A finding without an object goes to a file-level entry (empty kind and
    /// name, created on demand) when it [prevents checking](prevents_checking)
    /// the file, and to [`Report::findings`] otherwise.
    /// Resources keep their given order within a file; files are sorted by name.
    pub fn assemble(resources: Vec<ResourceResult>, diagnostics: Vec<Diagnostic>) -> Report {
        let mut report = Report {
            resources,
            findings: Vec::new(),
        };
        for diag in diagnostics {
            if diag.object.is_none() && !prevents_checking(diag.code) {
                report.findings.push(diag);
                continue;
            }
            match report.resources.iter_mut().find(|r| r.owns(&diag)) {
                Some(resource) => resource.diagnostics.push(diag),
                None => {
                    let (kind, name) = diag
                        .object
                        .as_ref()
                        .map(|o| (o.kind.clone(), o.name.clone()))
                        .unwrap_or_default();
                    let resource = ResourceResult::new(diag.file.clone(), kind, name, "");
                    report.resources.push(resource.with_diagnostics(vec![diag]));
                }
            }
        }
        report.normalize();
        report
    }

    /// Puts resources and findings into their stable print order.
    pub fn normalize(&mut self) {
        self.resources.sort_by(|a, b| a.filename.cmp(&b.filename));
        for resource in &mut self.resources {
            sort_and_dedup(&mut resource.diagnostics);
        }
        sort_and_dedup(&mut self.findings);
    }

    /// Every finding, per-resource and loose, in print order.
    pub fn all_diagnostics(&self) -> Vec<&Diagnostic> {
        let mut all: Vec<&Diagnostic> = self
            .resources
            .iter()
            .flat_map(|r| &r.diagnostics)
            .chain(&self.findings)
            .collect();
        all.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        all
    }

    /// True when the run should fail: some finding is an unsilenced error.
    pub fn has_blocking(&self) -> bool {
        self.resources
            .iter()
            .flat_map(|r| &r.diagnostics)
            .chain(&self.findings)
            .any(Diagnostic::is_blocking)
    }

    pub fn summary(&self) -> Summary {
        let mut summary = Summary::default();
        for resource in &self.resources {
            match resource.status() {
                Status::Valid => summary.valid += 1,
                Status::Invalid => summary.invalid += 1,
                Status::Error => summary.errors += 1,
                Status::Skipped => summary.skipped += 1,
                Status::Empty => summary.empty += 1,
            }
        }
        for diag in self
            .resources
            .iter()
            .flat_map(|r| &r.diagnostics)
            .chain(&self.findings)
        {
            match (diag.suppressed_by.is_some(), diag.severity) {
                (true, _) => summary.suppressed_count += 1,
                (false, super::Severity::Error) => summary.error_count += 1,
                (false, super::Severity::Warning) => summary.warning_count += 1,
            }
        }
        summary
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(text: &str) -> crate::diag::codes::Code {
        crate::diag::codes::Code::parse(text).unwrap()
    }
    use crate::diag::Diagnostic;
    use crate::load::node::Pos;

    fn at(line: u32, col: u32) -> Pos {
        Pos { line, col }
    }

    #[test]
    fn status_follows_the_findings() {
        let base = ResourceResult::new("a.yaml", "RayJob", "j", "ray.io/v1");
        assert_eq!(base.status(), Status::Valid);

        let warned = base.clone().with_diagnostics(vec![Diagnostic::warning(
            code("RAY201"),
            "a.yaml",
            at(1, 1),
            "w",
        )]);
        assert_eq!(warned.status(), Status::Valid);

        let mut silenced = Diagnostic::error(code("RAY201"), "a.yaml", at(1, 1), "e");
        silenced.suppressed_by = Some("annotation".into());
        assert_eq!(
            base.clone().with_diagnostics(vec![silenced]).status(),
            Status::Valid
        );

        let invalid = base.clone().with_diagnostics(vec![Diagnostic::error(
            codes::UNKNOWN_FIELD,
            "a.yaml",
            at(2, 3),
            "e",
        )]);
        assert_eq!(invalid.status(), Status::Invalid);

        let broken = base.clone().with_diagnostics(vec![
            Diagnostic::error(codes::UNKNOWN_FIELD, "a.yaml", at(2, 3), "e"),
            Diagnostic::error(codes::YAML_SYNTAX, "a.yaml", at(4, 1), "e"),
        ]);
        assert_eq!(broken.status(), Status::Error);

        assert_eq!(base.clone().skipped().status(), Status::Skipped);
        assert_eq!(ResourceResult::empty("b.yaml").status(), Status::Empty);
        let skipped_but_broken = base.skipped().with_diagnostics(vec![Diagnostic::error(
            codes::IO,
            "a.yaml",
            Pos::UNKNOWN,
            "e",
        )]);
        assert_eq!(skipped_but_broken.status(), Status::Error);
    }

    #[test]
    fn assemble_files_findings_under_their_resources() {
        let resources = vec![
            ResourceResult::new("b.yaml", "RayJob", "j", "ray.io/v1"),
            ResourceResult::new("a.yaml", "RayCluster", "c2", "ray.io/v1"),
            ResourceResult::new("a.yaml", "RayCluster", "c1", "ray.io/v1"),
        ];
        let diags = vec![
            Diagnostic::error(code("RAY201"), "b.yaml", at(3, 1), "e").with_object("RayJob", "j"),
            Diagnostic::warning(code("RAY202"), "a.yaml", at(9, 1), "w")
                .with_object("RayCluster", "c1"),
            Diagnostic::error(codes::YAML_SYNTAX, "c.yaml", at(1, 5), "bad yaml"),
            Diagnostic::error(code("RAY982"), "", Pos::UNKNOWN, "no objects"),
            Diagnostic::error(code("RAY203"), "d.yaml", at(1, 1), "e")
                .with_object("RayService", "s"),
        ];
        let report = Report::assemble(resources, diags);

        let names: Vec<(&str, &str)> = report
            .resources
            .iter()
            .map(|r| (r.filename.as_str(), r.name.as_str()))
            .collect();
        // Files sorted; document order kept within a.yaml.
        assert_eq!(
            names,
            [
                ("a.yaml", "c2"),
                ("a.yaml", "c1"),
                ("b.yaml", "j"),
                ("c.yaml", ""),
                ("d.yaml", "s")
            ]
        );
        let statuses: Vec<Status> = report
            .resources
            .iter()
            .map(ResourceResult::status)
            .collect();
        assert_eq!(
            statuses,
            [
                Status::Valid,
                Status::Valid,
                Status::Invalid,
                Status::Error,
                Status::Invalid
            ]
        );
        assert_eq!(report.findings.len(), 1);
        assert_eq!(report.findings[0].code, "RAY982");

        let summary = report.summary();
        assert_eq!(
            summary,
            Summary {
                valid: 2,
                invalid: 2,
                errors: 1,
                skipped: 0,
                empty: 0,
                error_count: 4,
                warning_count: 1,
                suppressed_count: 0,
            }
        );
        assert_eq!(summary.resources(), 5);
        assert!(report.has_blocking());
        assert_eq!(report.all_diagnostics()[0].code, "RAY982");
    }

    #[test]
    fn a_clean_report_does_not_block() {
        let mut silenced =
            Diagnostic::error(code("RAY201"), "a.yaml", at(1, 1), "e").with_object("RayJob", "j");
        silenced.suppressed_by = Some("rayc.dev/ignore".into());
        let report = Report::assemble(
            vec![ResourceResult::new("a.yaml", "RayJob", "j", "ray.io/v1")],
            vec![silenced],
        );
        assert!(!report.has_blocking());
        assert_eq!(report.summary().suppressed_count, 1);
        assert_eq!(report.summary().error_count, 0);
    }
}
