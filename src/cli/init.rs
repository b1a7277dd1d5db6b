//! `rayc init`: scaffold a project with one working example. Never overwrites.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};

use super::{EXIT_OK, EXIT_USAGE};

#[derive(Debug, Clone, clap::Args)]
pub struct InitArgs {
    /// Folder to create the project in (created when missing).
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    /// Project name (the `app.kubernetes.io/part-of` label); default: the folder's name as a DNS label.
    #[arg(long)]
    pub name: Option<String>,
}

const SPEC: &str = "\
# yaml-language-server: $schema=../schemas/rayc-spec.schema.json
apiVersion: rayc.dev/v1alpha1
kind: RayJob
metadata:
  name: hello
spec:
  image: rayproject/ray:2.41.0
  rayVersion: \"2.41.0\"
  entrypoint: python hello.py
  code:
    files: [hello.py]
  shutdownAfterJobFinishes: true
  groupDefaults:
    cpu: {request: 500m, limit: 1}
    memory: 2Gi
  workers:
    - name: cpu
      replicas: 1
";

const CODE: &str = "\
import ray

ray.init()


@ray.remote
def square(x):
    return x * x


print(ray.get([square.remote(i) for i in range(4)]))
";

fn project_file(name: &str) -> String {
    format!(
        "\
# yaml-language-server: $schema=schemas/rayc-project.schema.json
apiVersion: rayc.dev/v1alpha1
kind: Project
name: {name}
specs: [\"specs/**/*.yaml\"]
output: rendered
kuberayVersion: v1.7
"
    )
}

pub fn run(args: &InitArgs) -> u8 {
    let name = args.name.clone().unwrap_or_else(|| default_name(&args.dir));
    let mut files = vec![
        ("rayc.yaml".to_owned(), project_file(&name)),
        ("specs/hello.yaml".to_owned(), SPEC.to_owned()),
        ("specs/hello.py".to_owned(), CODE.to_owned()),
        // `rayc build` locks the output folder through this file.
        (".gitignore".to_owned(), ".*.rayc.lock\n".to_owned()),
    ];
    // Editors validate as you type through the modelines above.
    files.extend(
        super::schema::schemas()
            .into_iter()
            .map(|(n, t)| (format!("schemas/{n}"), t)),
    );
    let existing: Vec<&str> = files
        .iter()
        .filter(|(path, _)| args.dir.join(path).exists())
        .map(|(path, _)| path.as_str())
        .collect();
    if !existing.is_empty() {
        eprintln!(
            "error: {} already {} in {}\n  = help: run `rayc init` in an empty folder, or pass another folder",
            existing.join(", "),
            if existing.len() == 1 {
                "exists"
            } else {
                "exist"
            },
            args.dir.display()
        );
        return EXIT_USAGE;
    }
    for (path, text) in &files {
        let full = args.dir.join(path);
        let result = full
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|()| OpenOptions::new().write(true).create_new(true).open(&full))
            .and_then(|mut f| f.write_all(text.as_bytes()));
        if let Err(e) = result {
            eprintln!("error: writing {}: {e}", full.display());
            return EXIT_USAGE;
        }
    }
    let shown = args.dir.display().to_string();
    let shown = if shown.contains(char::is_whitespace) {
        format!("'{shown}'")
    } else {
        shown
    };
    let mut message = format!("created project {name} in {shown}:\n");
    for (path, _) in &files {
        message.push_str(&format!("  {path}\n"));
    }
    message.push_str(&format!("next: rayc build -C {shown}"));
    eprintln!("{message}");
    EXIT_OK
}

/// The project's name from its folder's name (which need not exist yet),
/// made a DNS label: lower case, runs of other characters become one `-`,
/// at most 63 characters. `my-project` when nothing usable is left.
fn default_name(dir: &Path) -> String {
    let full = std::fs::canonicalize(dir).or_else(|_| std::path::absolute(dir));
    let folder = full
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().to_lowercase()))
        .unwrap_or_default();
    let mut label = String::new();
    for c in folder.chars() {
        if c.is_ascii_alphanumeric() {
            label.push(c);
        } else if !label.is_empty() && !label.ends_with('-') {
            label.push('-');
        }
    }
    label.truncate(63);
    let label = label.trim_end_matches('-');
    if label.is_empty() {
        "my-project".to_owned()
    } else {
        label.to_owned()
    }
}
