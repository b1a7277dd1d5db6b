//! `rayc init`: scaffold a project with one working example. Never overwrites.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::PathBuf;

use super::{EXIT_OK, EXIT_USAGE};

#[derive(Debug, Clone, clap::Args)]
pub struct InitArgs {
    /// Folder to create the project in.
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    /// Project name (the `app.kubernetes.io/part-of` label); default: the folder's name.
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
    let name = args.name.clone().unwrap_or_else(|| {
        std::fs::canonicalize(&args.dir)
            .ok()
            .and_then(|p| p.file_name().map(|n| n.to_string_lossy().to_lowercase()))
            .map(|n| {
                n.chars()
                    .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
                    .collect()
            })
            .unwrap_or_else(|| "my-project".to_owned())
    });
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
    eprintln!(
        "created rayc.yaml, specs/hello.yaml and specs/hello.py in {}\nnext: rayc build -C {}",
        args.dir.display(),
        args.dir.display()
    );
    EXIT_OK
}
