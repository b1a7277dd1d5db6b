//! The one diagnostic model every phase reports in, and the renderers that
//! print it. Checking code never formats; renderers never check.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Serialize;

use crate::load::node::Pos;

pub use path::FieldPath;

pub mod codes;
pub mod path;
pub mod render;
pub mod report;

/// How bad a finding is. Errors fail the command; warnings do not.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// The Kubernetes object a finding belongs to, when there is one.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct ObjectRef {
    pub kind: String,
    pub name: String,
}

/// One finding: what is wrong, where, and how to fix it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Diagnostic {
    pub severity: Severity,
    /// Stable code, e.g. `RAY101`; see [`codes`].
    pub code: codes::Code,
    pub message: String,
    /// The file as the user named it (repo-relative where rayc found it itself).
    pub file: String,
    /// 1-based line and column; `Pos::UNKNOWN` when the finding is about a whole file.
    #[serde(flatten)]
    pub pos: Pos,
    /// Where in the object, as a [`FieldPath`] prints it:
    /// `spec.workerGroupSpecs[0].replicas`, `limits["nvidia.com/gpu"]`.
    /// Set through [`Diagnostic::with_path`], read back with [`Diagnostic::field_path`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub object: Option<ObjectRef>,
    /// Set when a rule was silenced (annotation or project setting): says by what.
    /// Silenced findings never fail a run but stay visible in `--format json`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suppressed_by: Option<String>,
}

impl Diagnostic {
    pub fn error(
        code: codes::Code,
        file: impl Into<String>,
        pos: Pos,
        message: impl Into<String>,
    ) -> Self {
        Self::new(Severity::Error, code, file, pos, message)
    }

    pub fn warning(
        code: codes::Code,
        file: impl Into<String>,
        pos: Pos,
        message: impl Into<String>,
    ) -> Self {
        Self::new(Severity::Warning, code, file, pos, message)
    }

    pub fn new(
        severity: Severity,
        code: codes::Code,
        file: impl Into<String>,
        pos: Pos,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            severity,
            code,
            message: message.into(),
            file: file.into(),
            pos,
            path: None,
            help: None,
            object: None,
            suppressed_by: None,
        }
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Sets the path; text is read as [`FieldPath`] prints it, so every
    /// finding's path takes the one printed form.
    pub fn with_path(mut self, path: impl Into<FieldPath>) -> Self {
        self.path = Some(path.into().to_string());
        self
    }

    /// The path, as a [`FieldPath`].
    pub fn field_path(&self) -> Option<FieldPath> {
        self.path.as_deref().map(FieldPath::parse)
    }

    pub fn with_object(mut self, kind: impl Into<String>, name: impl Into<String>) -> Self {
        self.object = Some(ObjectRef {
            kind: kind.into(),
            name: name.into(),
        });
        self
    }

    /// Counts toward the exit code: an error that nobody silenced.
    pub fn is_blocking(&self) -> bool {
        self.severity == Severity::Error && self.suppressed_by.is_none()
    }

    /// The order findings are printed in: by file, then position, then code.
    pub fn sort_key(&self) -> (&str, Pos, &str, &str) {
        (&self.file, self.pos, self.code.as_str(), &self.message)
    }
}

/// Sorts findings into their stable print order and drops exact repeats.
pub fn sort_and_dedup(diags: &mut Vec<Diagnostic>) {
    diags.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    diags.dedup();
}

/// The text of every file findings may point into, so renderers can quote it.
#[derive(Clone, Debug, Default)]
pub struct Sources {
    files: BTreeMap<String, Arc<str>>,
}

impl Sources {
    pub fn add(&mut self, name: impl Into<String>, text: impl Into<Arc<str>>) {
        self.files.insert(name.into(), text.into());
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.files.get(name).map(|t| &**t)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, Arc<str>)> {
        self.files.iter().map(|(k, v)| (k.as_str(), v.clone()))
    }
}
