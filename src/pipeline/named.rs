//! rayc files named on the command line (`rayc validate specs/x.yaml`):
//! each is checked as part of its own project (the nearest rayc.yaml above
//! it, else the default one), so pre-commit run at the top of a repository
//! finds projects in subfolders. The findings and objects of each project
//! build are re-homed onto the names the user gave.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::{BuildOptions, Compiled, compile};
use crate::diag::report::ResourceResult;
use crate::diag::{Diagnostic, Sources, codes};
use crate::load::files::real_path;
use crate::load::node::Pos;
use crate::load::project::find_project_root;
use crate::model::project::{DEFAULT_OVERLAY_DIR, FILE_NAME, Project};

/// The builds of the projects named files belong to, each built once.
#[derive(Debug, Default)]
pub struct Projects {
    options: BuildOptions,
    built: BTreeMap<PathBuf, Compiled>,
}

/// What checking named rayc files found.
#[derive(Debug, Default)]
pub struct Found {
    pub diagnostics: Vec<Diagnostic>,
    pub resources: Vec<ResourceResult>,
    /// The texts findings quote, under the names the findings use.
    pub sources: Sources,
}

impl Projects {
    pub fn new(options: BuildOptions) -> Self {
        Projects {
            options,
            built: BTreeMap::new(),
        }
    }

    /// The build of the project rooted at `root`.
    pub fn build(&mut self, root: &Path) -> &Compiled {
        let options = &self.options;
        self.built
            .entry(root.to_path_buf())
            .or_insert_with(|| compile(root, options))
    }

    /// Checks rayc specs (and rayc.yaml, overlays) as part of their own
    /// project. Findings about the project file come along: a spec cannot
    /// build without it. `cwd` is where paths are shown from.
    pub fn check_specs(
        &mut self,
        spec_files: &[String],
        default_root: Option<&Path>,
        cwd: Option<&Path>,
    ) -> Found {
        let mut found = Found::default();
        let mut roots_used: Vec<PathBuf> = Vec::new();
        for file in spec_files {
            let own_root = Path::new(file)
                .parent()
                .and_then(find_project_root)
                .or_else(|| default_root.map(Path::to_path_buf));
            let Some(root) = own_root else {
                found.diagnostics.push(
                    Diagnostic::error(codes::PROJECT, file, Pos::UNKNOWN, "rayc spec outside a rayc project")
                        .with_help("specs are checked with their project: add a rayc.yaml (`rayc init`) or pass -C DIR"),
                );
                continue;
            };
            let compiled = self.build(&root);
            if !roots_used.contains(&root) {
                roots_used.push(root.clone());
            }
            let wanted = real_path(file).ok();
            let is_wanted =
                |rel: &str| wanted.is_some() && real_path(root.join(rel)).ok() == wanted;
            let read_by_project = compiled.sources.iter().any(|(name, _)| is_wanted(name))
                || in_overlay_dir(&root, &compiled.project, wanted.as_deref());
            // A project that failed before reading its specs says so itself.
            let project_failed = compiled
                .diagnostics
                .iter()
                .any(|d| d.is_blocking() && d.file == FILE_NAME && d.code != "RAY982");
            if !read_by_project && !project_failed {
                found.diagnostics.push(
                    Diagnostic::error(
                        codes::PROJECT,
                        file,
                        Pos::UNKNOWN,
                        format!(
                            "rayc file that its project ({}) does not read",
                            display_path(&root, FILE_NAME, spec_files, cwd)
                        ),
                    )
                    .with_help("add a glob matching it to `specs` in rayc.yaml, or move it where `specs` looks"),
                );
                continue;
            }
            let mut objects = compiled.resources();
            objects.retain(|r| is_wanted(&r.filename));
            found
                .resources
                .extend(objects.into_iter().map(|r| ResourceResult {
                    filename: file.clone(),
                    ..r
                }));
            found.diagnostics.extend(
                compiled
                    .diagnostics
                    .iter()
                    .filter(|d| is_wanted(&d.file))
                    .map(|d| Diagnostic {
                        file: file.clone(),
                        ..d.clone()
                    }),
            );
        }
        for root in roots_used {
            let Some(compiled) = self.built.get(&root) else {
                continue;
            };
            let shown = display_path(&root, FILE_NAME, spec_files, cwd);
            if let Some(text) = compiled.sources.get(FILE_NAME) {
                found.sources.add(&shown, text);
            }
            found.diagnostics.extend(
                compiled
                    .diagnostics
                    .iter()
                    .filter(|d| d.file == FILE_NAME)
                    .map(|d| Diagnostic {
                        file: shown.clone(),
                        ..d.clone()
                    }),
            );
        }
        found
    }
}

/// Whether `file` lies in one of the project's overlay folders.
fn in_overlay_dir(root: &Path, project: &Project, file: Option<&Path>) -> bool {
    let Some(file) = file else {
        return false;
    };
    let default = [DEFAULT_OVERLAY_DIR.to_owned()];
    let dirs = if project.overlay_dirs.is_empty() {
        &default[..]
    } else {
        &project.overlay_dirs[..]
    };
    dirs.iter()
        .filter_map(|d| real_path(root.join(d)).ok())
        .any(|d| file.starts_with(d))
}

/// The file a project-relative diagnostic names: as the user spelled it
/// when given, else relative to `cwd` when below it.
pub(crate) fn display_path(root: &Path, rel: &str, given: &[String], cwd: Option<&Path>) -> String {
    let full = root.join(rel);
    let abs = real_path(&full).ok();
    if let Some(g) = given
        .iter()
        .find(|g| abs.is_some() && real_path(g).ok() == abs)
    {
        return g.clone();
    }
    cwd.and_then(|cwd| real_path(cwd).ok())
        .and_then(|cwd| full.strip_prefix(cwd).ok().map(Path::to_path_buf))
        .unwrap_or(full)
        .to_string_lossy()
        .into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    const PROJECT: &str =
        "apiVersion: rayc.dev/v1alpha1\nkind: Project\nname: t\nspecs: [\"specs/*.yaml\"]\n";
    const SPEC: &str = "apiVersion: rayc.dev/v1alpha1\nkind: RayCluster\nmetadata: {name: c}\nspec:\n  image: rayproject/ray:2.41.0\n  rayVersion: \"2.41.0\"\n  workers: [{name: w, replicas: 1, minReplicas: 3, maxReplicas: 2}]\n";

    fn project(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in files {
            let path = dir.path().join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        dir
    }

    fn name(dir: &tempfile::TempDir, rel: &str) -> String {
        dir.path().join(rel).to_string_lossy().into_owned()
    }

    #[test]
    fn a_spec_gets_its_projects_findings_under_the_name_given() {
        let dir = project(&[("rayc.yaml", PROJECT), ("specs/c.yaml", SPEC)]);
        let given = name(&dir, "specs/c.yaml");
        let mut projects = Projects::new(BuildOptions::default());
        let found = projects.check_specs(std::slice::from_ref(&given), None, None);
        let d = found
            .diagnostics
            .iter()
            .find(|d| d.code == "RAY201")
            .expect("RAY201 from the project build");
        assert_eq!(d.file, given);
        assert_eq!(d.pos, Pos { line: 7, col: 36 });
        assert_eq!(found.resources.len(), 1);
        assert_eq!(found.resources[0].filename, given);
        assert_eq!(found.resources[0].kind, "RayCluster");
    }

    #[test]
    fn a_spec_its_project_does_not_read_is_an_error() {
        let dir = project(&[
            ("rayc.yaml", PROJECT),
            ("specs/c.yaml", SPEC),
            ("elsewhere/x.yaml", SPEC),
        ]);
        let given = name(&dir, "elsewhere/x.yaml");
        let mut projects = Projects::new(BuildOptions::default());
        let found = projects.check_specs(std::slice::from_ref(&given), None, Some(dir.path()));
        assert_eq!(found.diagnostics.len(), 1, "{:?}", found.diagnostics);
        let d = &found.diagnostics[0];
        assert_eq!(d.file, given);
        assert_eq!(
            d.message,
            "rayc file that its project (rayc.yaml) does not read"
        );
        assert!(found.resources.is_empty());
    }

    #[test]
    fn a_spec_outside_any_project_is_an_error() {
        let dir = project(&[("x.yaml", SPEC)]);
        let given = name(&dir, "x.yaml");
        let found = Projects::default().check_specs(std::slice::from_ref(&given), None, None);
        assert_eq!(
            found.diagnostics[0].message,
            "rayc spec outside a rayc project"
        );
    }

    #[test]
    fn findings_on_the_project_file_come_along_once() {
        let broken = PROJECT.replace("name: t", "name: t\nkuberayVersion: v9.9");
        let dir = project(&[("rayc.yaml", &broken), ("specs/c.yaml", SPEC)]);
        let given = name(&dir, "specs/c.yaml");
        let found =
            Projects::default().check_specs(&[given.clone(), given], None, Some(dir.path()));
        let on_project: Vec<_> = found
            .diagnostics
            .iter()
            .filter(|d| d.file == "rayc.yaml")
            .collect();
        assert_eq!(on_project.len(), 1, "{:?}", found.diagnostics);
        assert_eq!(on_project[0].pos, Pos { line: 4, col: 17 });
        assert!(found.sources.get("rayc.yaml").is_some());
    }
}
