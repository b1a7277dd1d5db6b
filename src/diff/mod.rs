//! `rayc diff`: an object-level comparison of two builds (or a build and the
//! committed output folder), with what each change does in the cluster.
//!
//! - [`compare`]: pairs objects by identity (environment, apiVersion, kind,
//!   namespace, name) and content-hash names by their stem, so a renamed
//!   RayJob or code ConfigMap shows as one replacement, not a removal plus an
//!   addition.
//! - [`impact`]: the operator's reaction to each change, per KubeRay version.
//! - [`render`]: human, JSON and Markdown output.
//! - [`git`]: reading a project as it was at a git revision.

pub mod git;
pub mod impact;
pub mod render;

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

use crate::emit::{self, EmitError};
use crate::model::kuberay::KubeRayVersion;
pub use impact::Severity;

/// One object of one side, with the environment it belongs to.
#[derive(Clone, Debug)]
pub struct Object {
    pub env: Option<String>,
    pub value: Value,
}

/// What happened to an object.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ChangeKind {
    Added,
    Removed,
    Changed,
    /// A content-hash name changed: the old object goes, a new one comes.
    Replaced,
}

impl ChangeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Added => "added",
            ChangeKind::Removed => "removed",
            ChangeKind::Changed => "changed",
            ChangeKind::Replaced => "replaced",
        }
    }
}

/// One changed object.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Change {
    pub change: ChangeKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub env: Option<String>,
    pub api_version: String,
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// The new name (the old one for a removal).
    pub name: String,
    /// The name being replaced, for [`ChangeKind::Replaced`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old_name: Option<String>,
    pub severity: Severity,
    /// One line: what the cluster does.
    pub impact: String,
    /// Unified diff of the canonical YAML (`/dev/null` for a missing side).
    pub diff: String,
}

/// The whole comparison.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Diff {
    /// What the old side is ("committed rendered/", "dev", "main").
    pub from: String,
    /// What the new side is.
    pub to: String,
    pub kuberay_version: String,
    pub changes: Vec<Change>,
}

impl Diff {
    /// How many changes of `kind`.
    pub fn count(&self, kind: ChangeKind) -> usize {
        self.changes.iter().filter(|c| c.change == kind).count()
    }
}

/// Identity of an object within a side.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Key {
    env: Option<String>,
    api_version: String,
    kind: String,
    namespace: String,
    name: String,
}

impl Key {
    fn of(object: &Object) -> Key {
        let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
        let v = &object.value;
        Key {
            env: object.env.clone(),
            api_version: text(&v["apiVersion"]),
            kind: text(&v["kind"]),
            namespace: text(&v["metadata"]["namespace"]),
            name: text(&v["metadata"]["name"]),
        }
    }

    /// The key with the name reduced to its stem, when the name carries a
    /// content hash rayc put there (`lower`: RayJob `<name>-<8 hex>` under the
    /// hash-name policy, code ConfigMap `<name>-code-<10 hex>`).
    fn stem(&self) -> Option<Key> {
        let hex_tail = |name: &str, len: usize| -> Option<String> {
            let (stem, hash) = name.rsplit_once('-')?;
            let is_hash = hash.len() == len
                && hash
                    .bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
            (is_hash && !stem.is_empty()).then(|| stem.to_owned())
        };
        let stem = match self.kind.as_str() {
            "RayJob" => hex_tail(&self.name, 8)?,
            "ConfigMap" => hex_tail(&self.name, 10).filter(|s| s.ends_with("-code"))?,
            _ => return None,
        };
        Some(Key {
            name: stem,
            ..self.clone()
        })
    }
}

/// Compares two sides. Changes come sorted by environment, then kind,
/// namespace and name, whatever the order of the inputs.
pub fn compare(
    old: &[Object],
    new: &[Object],
    kuberay_version: KubeRayVersion,
    from: &str,
    to: &str,
) -> Result<Diff, EmitError> {
    let index = |objects: &[Object]| -> BTreeMap<Key, Object> {
        objects.iter().map(|o| (Key::of(o), o.clone())).collect()
    };
    let old = index(old);
    let new = index(new);
    let context = impact::Context {
        version: kuberay_version,
        new_objects: new.values().map(|o| &o.value).collect(),
    };

    let mut removed: Vec<&Key> = old.keys().filter(|k| !new.contains_key(k)).collect();
    let mut added: Vec<&Key> = new.keys().filter(|k| !old.contains_key(k)).collect();
    // A hash rename: exactly one removed and one added object share a stem.
    let mut pairs: Vec<(&Key, &Key)> = Vec::new();
    let stems = |keys: &[&Key]| {
        let mut by_stem: BTreeMap<Key, Vec<usize>> = BTreeMap::new();
        for (i, k) in keys.iter().enumerate() {
            if let Some(stem) = k.stem() {
                by_stem.entry(stem).or_default().push(i);
            }
        }
        by_stem
    };
    let removed_stems = stems(&removed);
    let added_stems = stems(&added);
    let mut paired_removed = Vec::new();
    let mut paired_added = Vec::new();
    for (stem, r) in &removed_stems {
        if let ([r], Some([a])) = (r.as_slice(), added_stems.get(stem).map(Vec::as_slice)) {
            pairs.push((removed[*r], added[*a]));
            paired_removed.push(*r);
            paired_added.push(*a);
        }
    }
    let keep = |keys: &mut Vec<&Key>, paired: &[usize]| {
        let mut i = 0;
        keys.retain(|_| {
            i += 1;
            !paired.contains(&(i - 1))
        });
    };
    keep(&mut removed, &paired_removed);
    keep(&mut added, &paired_added);

    let mut changes = Vec::new();
    for key in added {
        let object = &new[key];
        let (severity, impact) = impact::of_added(&object.value);
        changes.push(change(
            ChangeKind::Added,
            key,
            None,
            None,
            Some(object),
            severity,
            impact,
        )?);
    }
    for key in removed {
        let object = &old[key];
        let (severity, impact) = impact::of_removed(&object.value);
        changes.push(change(
            ChangeKind::Removed,
            key,
            None,
            Some(object),
            None,
            severity,
            impact,
        )?);
    }
    for (key, object) in &new {
        let Some(before) = old.get(key) else { continue };
        if yaml(&before.value)? == yaml(&object.value)? {
            continue;
        }
        let (severity, impact) = impact::of_changed(&before.value, &object.value, &context);
        changes.push(change(
            ChangeKind::Changed,
            key,
            None,
            Some(before),
            Some(object),
            severity,
            impact,
        )?);
    }
    for (old_key, new_key) in pairs {
        let (before, after) = (&old[old_key], &new[new_key]);
        let (severity, impact) = impact::of_replaced(&before.value, &after.value, &context);
        changes.push(change(
            ChangeKind::Replaced,
            new_key,
            Some(old_key.name.clone()),
            Some(before),
            Some(after),
            severity,
            impact,
        )?);
    }
    changes.sort_by(|a, b| {
        let key = |c: &Change| {
            (
                c.env.clone(),
                c.kind.clone(),
                c.namespace.clone(),
                c.old_name.clone().unwrap_or_else(|| c.name.clone()),
                c.change,
            )
        };
        key(a).cmp(&key(b))
    });
    Ok(Diff {
        from: from.to_owned(),
        to: to.to_owned(),
        kuberay_version: kuberay_version.to_string(),
        changes,
    })
}

/// Canonical YAML of an object, as `rayc build` writes it (without the marker).
fn yaml(value: &Value) -> Result<String, EmitError> {
    let mut value = value.clone();
    emit::canonical_order(&mut value);
    emit::to_yaml_document(&value)
}

fn change(
    kind: ChangeKind,
    key: &Key,
    old_name: Option<String>,
    before: Option<&Object>,
    after: Option<&Object>,
    severity: Severity,
    impact: String,
) -> Result<Change, EmitError> {
    let side = |o: Option<&Object>, prefix: &str| -> Result<(String, String), EmitError> {
        Ok(match o {
            Some(o) => (
                format!("{prefix}/{}", emit::object_path(o.env.as_deref(), &o.value)),
                yaml(&o.value)?,
            ),
            None => ("/dev/null".to_owned(), String::new()),
        })
    };
    let (a, old_text) = side(before, "a")?;
    let (b, new_text) = side(after, "b")?;
    let diff = similar::TextDiff::from_lines(&old_text, &new_text)
        .unified_diff()
        .context_radius(3)
        .header(&a, &b)
        .to_string();
    Ok(Change {
        change: kind,
        env: key.env.clone(),
        api_version: key.api_version.clone(),
        kind: key.kind.clone(),
        namespace: (!key.namespace.is_empty()).then(|| key.namespace.clone()),
        name: key.name.clone(),
        old_name,
        severity,
        impact,
        diff,
    })
}
