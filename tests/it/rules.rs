//! Tests of the semantic rules, driven by the registry:
//! - every rule has a well-formed unique code, a full doc comment and fixtures;
//! - `docs/rules/` matches what the doc comments generate (`RAYC_BLESS=1` rewrites it);
//! - each `tests/rules/<CODE>/bad_*.yaml` produces the code where its `# expect:` says,
//!   each `ok_*.yaml` does not;
//! - each `tests/rules/<CODE>/spec_*.yaml` is a rayc spec: built as the only spec of a
//!   project, it produces the code on the compiled object, placed at exactly the spec
//!   line and column its `# expect:` says (the provenance `lower` records);
//! - no fixture yields a finding (any code, on the full validate or build path)
//!   that its `# expect: [CODE] L:C` lines do not list, and the rendered findings
//!   of every bad_*/spec_* fixture are pinned, one insta snapshot per rule;
//! - the upstream KubeRay samples and the tutorial seed produce no errors, and
//!   exactly the warnings listed in `tests/it/support/samples.rs`.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use rayc::diag::{Diagnostic, Severity};
use rayc::load::node::{Node, Pos};
use rayc::rules::{self, Context, GitOps, Object, Rule};

use crate::support::samples;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn parse(text: &str) -> Vec<Node> {
    serde_saphyr::from_multiple_with_options::<Node>(text, serde_saphyr::Options::default())
        .unwrap_or_else(|e| panic!("fixture does not parse: {e}"))
}

fn bless() -> bool {
    std::env::var_os("RAYC_BLESS").is_some_and(|v| v == "1")
}

fn render(diags: &[Diagnostic]) -> String {
    diags
        .iter()
        .map(|d| {
            format!(
                "{}:{}:{}: {}[{}]{} {} ({})",
                d.file,
                d.pos.line,
                d.pos.col,
                d.severity.as_str(),
                d.code,
                d.suppressed_by
                    .as_ref()
                    .map(|s| format!(" (suppressed by {s})"))
                    .unwrap_or_default(),
                d.message,
                d.path.as_deref().unwrap_or("-"),
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn codes_are_well_formed_unique_and_grouped() {
    let mut codes = BTreeSet::new();
    let mut names = BTreeSet::new();
    let mut previous = 0;
    for rule in Rule::iter() {
        let code = rule.code().as_str();
        let digits = code
            .strip_prefix("RAY")
            .unwrap_or_else(|| panic!("{code}: codes start with RAY"));
        assert!(
            digits.len() == 3 && digits.bytes().all(|b| b.is_ascii_digit()),
            "{code}: codes are RAY + three digits"
        );
        let n: u32 = digits.parse().unwrap();
        assert!(
            n >= 200,
            "{code}: RAY0xx and RAY1xx belong to loading and schema checks"
        );
        assert!(
            n > previous,
            "{code}: the registry lists codes in increasing order"
        );
        previous = n;
        assert!(codes.insert(code), "{code}: duplicate code");
        assert!(names.insert(rule.name()), "{}: duplicate name", rule.name());
        assert!(
            rule.name()
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
            "{}: names are kebab-case",
            rule.name()
        );
        assert_eq!(Rule::find(code), Some(rule));
        assert_eq!(Rule::find(rule.name()), Some(rule));
        let file = rule.source_file().replace('\\', "/");
        assert!(
            file.starts_with(&format!("src/rules/{}/", rule.area())),
            "{code}: lives in {file}, not in its area folder src/rules/{}/",
            rule.area()
        );
    }
}

#[test]
fn every_rule_documents_itself() {
    for rule in Rule::iter() {
        let doc = rule.explain();
        let code = rule.code();
        for section in [
            "## What it does",
            "## Why is this bad?",
            "## Example",
            "Use instead:",
        ] {
            assert!(
                doc.contains(section),
                "{code}: doc comment lacks `{section}`"
            );
        }
        let example = doc.split("## Example").nth(1).unwrap();
        assert!(
            example.matches("```yaml").count() >= 2,
            "{code}: the example needs a bad and a good YAML block"
        );
        assert!(
            !rule.summary().is_empty(),
            "{code}: `What it does` is empty"
        );
    }
}

#[test]
fn docs_pages_are_current() {
    let mut expected = vec![("README.md".to_owned(), rules::docs::index())];
    for rule in Rule::iter() {
        expected.push((format!("{}.md", rule.code()), rules::docs::page(rule)));
    }
    check_pages("docs/rules", &expected);
}

/// Every code that is not a rule has its page in `docs/codes/` too.
#[test]
fn code_pages_are_current() {
    let mut expected = vec![("README.md".to_owned(), rules::docs::codes_index())];
    for info in rayc::diag::codes::all() {
        if info.rule.is_none() {
            expected.push((format!("{}.md", info.code), rules::docs::code_page(&info)));
        }
    }
    assert!(expected.len() > 30, "{}", expected.len());
    check_pages("docs/codes", &expected);
}

/// Compares (or with `RAYC_BLESS=1` rewrites) the generated pages of `folder`.
fn check_pages(folder: &str, expected: &[(String, String)]) {
    let dir = repo().join(folder);
    if bless() {
        fs::create_dir_all(&dir).unwrap();
        for entry in fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "md") {
                fs::remove_file(path).unwrap();
            }
        }
        for (name, text) in expected {
            fs::write(dir.join(name), text).unwrap();
        }
        return;
    }
    let mut stale = Vec::new();
    for (name, text) in expected {
        match fs::read_to_string(dir.join(name)) {
            Ok(on_disk) if &on_disk == text => {}
            Ok(_) => stale.push(format!("{name} (stale)")),
            Err(_) => stale.push(format!("{name} (missing)")),
        }
    }
    let known: BTreeSet<&str> = expected.iter().map(|(n, _)| n.as_str()).collect();
    for entry in fs::read_dir(&dir).into_iter().flatten() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        if !known.contains(name.as_str()) {
            stale.push(format!("{name} (no such code)"));
        }
    }
    assert!(
        stale.is_empty(),
        "{folder} is out of date: {stale:?}\nrun `RAYC_BLESS=1 cargo test --test it rules::` and commit the result"
    );
}

/// The header of a fixture: `# expect: L:C` (bad and spec only: the rule's own
/// finding; `# expect: CODE L:C` lists any other finding the fixture yields, so an
/// unexpected one fails), optional `# gitops: argocd|flux`,
/// `# kuberay: v1.3` (target version), `# feature-gates: Name=true,…` (the
/// operator's gates, over the version's defaults) and `# severity: warning`
/// (expected at that version).
struct Header {
    /// The first `# expect: L:C`: where the rule's own finding must be.
    expect: Option<Pos>,
    /// Every `# expect:` line: the code (`None`: the fixture's rule) and place.
    listed: Vec<(Option<String>, Pos)>,
    severity: Option<Severity>,
    /// `# says: TEXT`: the finding's message must contain TEXT.
    says: Option<String>,
    /// `# feature-gates:` as written, for the spec fixtures' `rayc.yaml`.
    gates: Vec<(String, bool)>,
    ctx: Context,
}

fn header(text: &str, file: &str) -> Header {
    let mut h = Header {
        expect: None,
        listed: Vec::new(),
        severity: None,
        says: None,
        gates: Vec::new(),
        ctx: Context::default(),
    };
    for line in text.lines().take_while(|l| l.starts_with('#')) {
        let line = line.trim_start_matches('#').trim();
        if let Some(at) = line.strip_prefix("expect:") {
            let (code, at) = match at.trim().split_once(' ') {
                Some((code, at)) => (Some(code.to_owned()), at),
                None => (None, at),
            };
            let (l, c) = at
                .trim()
                .split_once(':')
                .unwrap_or_else(|| panic!("{file}: `# expect: [CODE] LINE:COL`"));
            let pos = Pos {
                line: l.trim().parse().unwrap(),
                col: c.trim().parse().unwrap(),
            };
            if code.is_none() && h.expect.is_none() {
                h.expect = Some(pos);
            }
            h.listed.push((code, pos));
        } else if let Some(g) = line.strip_prefix("gitops:") {
            h.ctx.gitops = match g.trim() {
                "argocd" => GitOps::ArgoCd,
                "flux" => GitOps::Flux,
                "none" => GitOps::None,
                other => panic!("{file}: unknown gitops `{other}`"),
            };
        } else if let Some(v) = line.strip_prefix("kuberay:") {
            h.ctx.kuberay_version = v.trim().parse().unwrap_or_else(|e| panic!("{file}: {e}"));
        } else if let Some(text) = line.strip_prefix("says:") {
            h.says = Some(text.trim().to_owned());
        } else if let Some(s) = line.strip_prefix("severity:") {
            h.severity = Some(match s.trim() {
                "error" => Severity::Error,
                "warning" => Severity::Warning,
                other => panic!("{file}: unknown severity `{other}`"),
            });
        } else if let Some(gates) = line.strip_prefix("feature-gates:") {
            let settings = rayc::model::kuberay::parse_list(gates)
                .unwrap_or_else(|item| panic!("{file}: bad feature gate `{item}`"));
            for (name, on) in settings {
                assert!(
                    rayc::model::kuberay::Gate::find(&name).is_some(),
                    "{file}: unknown feature gate `{name}`"
                );
                h.ctx.feature_gates.set(&name, on);
                h.gates.push((name, on));
            }
        } else if let Some(codes) = line.strip_prefix("ignore:") {
            h.ctx.ignore = codes.split(',').map(|c| c.trim().to_owned()).collect();
        }
    }
    h
}

/// A fixture's repo-relative name, header and documents.
fn load_fixture(path: &Path) -> (String, Header, Vec<Node>) {
    let text = fs::read_to_string(path).unwrap();
    let file = path
        .strip_prefix(repo())
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/");
    let h = header(&text, &file);
    (file, h, parse(&text))
}

fn run_fixture(rule: Rule, path: &Path) -> (Header, Vec<Diagnostic>) {
    let (file, h, nodes) = load_fixture(path);
    let objects: Vec<Object> = nodes
        .iter()
        .map(|node| Object { file: &file, node })
        .collect();
    let diags = rules::check_rules(&objects, &h.ctx, &[rule]);
    for d in &diags {
        assert_eq!(
            d.code,
            rule.code(),
            "check_rules ran a rule it was not asked to"
        );
        assert_eq!(Some(d.severity), rule.severity_at(h.ctx.version()));
    }
    (h, diags)
}

/// Every finding of a fixture on the full `rayc validate FILE` path: schema
/// and every rule, not only the fixture's own.
fn validate_fixture(path: &Path) -> (String, Header, Vec<Diagnostic>) {
    let (file, h, nodes) = load_fixture(path);
    let objects: Vec<Object> = nodes
        .iter()
        .map(|node| Object { file: &file, node })
        .collect();
    let diags = rayc::validate::validate(&objects, &h.ctx).diagnostics;
    (file, h, diags)
}

/// The findings in `diags` that the fixture's `# expect:` lines do not list,
/// and the listed ones it does not yield; `file` is where they must be.
fn unlisted(rule: Rule, path: &Path, h: &Header, file: &str, diags: &[Diagnostic]) -> Vec<String> {
    let own = rule.code().as_str();
    let is = |d: &Diagnostic, code: &Option<String>, pos: &Pos| {
        // A finding about the whole run (no objects at all) has no file.
        (d.file == file || d.file.is_empty())
            && d.pos == *pos
            && d.code == code.as_deref().unwrap_or(own)
    };
    let active: Vec<&Diagnostic> = diags.iter().filter(|d| d.suppressed_by.is_none()).collect();
    let mut out = Vec::new();
    for d in &active {
        if !h.listed.iter().any(|(code, pos)| is(d, code, pos)) {
            let code = d.code.to_string();
            let listing = if code == own {
                format!("# expect: {}:{}", d.pos.line, d.pos.col)
            } else {
                format!("# expect: {code} {}:{}", d.pos.line, d.pos.col)
            };
            out.push(format!(
                "{}: unexpected finding {}\nif it is right, list it in the header: `{listing}`; if it is noise, fix the fixture",
                path.display(),
                render(&[(*d).clone()])
            ));
        }
    }
    for (code, pos) in &h.listed {
        if code.is_some() && !active.iter().any(|d| is(d, code, pos)) {
            out.push(format!(
                "{}: `# expect: {} {}:{}` is listed but not found; got:\n{}",
                path.display(),
                code.as_deref().unwrap_or(own),
                pos.line,
                pos.col,
                render(diags)
            ));
        }
    }
    out
}

#[test]
fn fixtures_yield_no_finding_their_header_does_not_list() {
    let mut failures = Vec::new();
    for rule in Rule::iter() {
        for path in fixtures(rule, &["bad_", "ok_"]) {
            let (file, h, diags) = validate_fixture(&path);
            failures.extend(unlisted(rule, &path, &h, &file, &diags));
        }
        for path in fixtures(rule, &["spec_"]) {
            let text = fs::read_to_string(&path).unwrap();
            let h = header(&text, &path.display().to_string());
            let (file, diags) = build_spec_fixture(&path, &h);
            failures.extend(unlisted(rule, &path, &h, &file, &diags));
        }
    }
    assert!(
        failures.is_empty(),
        "{} findings not listed:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

/// The rendered findings of every bad_* and spec_* fixture, one snapshot per
/// rule (`tests/it/snapshots/it__rules__<CODE>.snap`): a changed message, help
/// or place shows up in review. Bless: `INSTA_UPDATE=always cargo test --test it rules::`.
#[test]
fn fixture_messages_are_pinned() {
    for rule in Rule::iter() {
        let mut shown = String::new();
        for path in fixtures(rule, &["bad_", "spec_"]) {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let diags = if name.starts_with("spec_") {
                let text = fs::read_to_string(&path).unwrap();
                let h = header(&text, &name);
                build_spec_fixture(&path, &h).1
            } else {
                validate_fixture(&path).2
            };
            shown.push_str(&format!("== {name}\n"));
            for d in diags {
                shown.push_str(&render(std::slice::from_ref(&d)));
                shown.push('\n');
                if let Some(help) = &d.help {
                    shown.push_str(&format!("  help: {help}\n"));
                }
            }
        }
        insta::assert_snapshot!(rule.code().as_str(), shown);
    }
}

/// The fixtures of `rule` whose names start with one of `prefixes`, sorted.
fn fixtures(rule: Rule, prefixes: &[&str]) -> Vec<PathBuf> {
    let dir = repo().join("tests/rules").join(rule.code().as_str());
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .into_iter()
        .flatten()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name().is_some_and(|n| {
                let n = n.to_string_lossy();
                prefixes.iter().any(|p| n.starts_with(p))
            })
        })
        .collect();
    files.sort();
    files
}

#[test]
fn fixtures_produce_their_code_exactly_where_expected() {
    let mut failures = Vec::new();
    for rule in Rule::iter() {
        let dir = repo().join("tests/rules").join(rule.code().as_str());
        let mut files: Vec<PathBuf> = match fs::read_dir(&dir) {
            Ok(rd) => rd.map(|e| e.unwrap().path()).collect(),
            Err(_) => {
                failures.push(format!(
                    "{}: fixture dir {} is missing",
                    rule.code(),
                    dir.display()
                ));
                continue;
            }
        };
        files.sort();
        let name = |p: &PathBuf| p.file_name().unwrap().to_string_lossy().into_owned();
        let bad: Vec<_> = files
            .iter()
            .filter(|p| name(p).starts_with("bad_"))
            .collect();
        let ok: Vec<_> = files
            .iter()
            .filter(|p| name(p).starts_with("ok_"))
            .collect();
        if bad.is_empty() || ok.is_empty() {
            failures.push(format!(
                "{}: needs at least one bad_*.yaml and one ok_*.yaml",
                rule.code()
            ));
        }
        for path in bad {
            let (h, diags) = run_fixture(rule, path);
            let Some(at) = h.expect else {
                failures.push(format!(
                    "{}: first line must be `# expect: LINE:COL`",
                    path.display()
                ));
                continue;
            };
            let active: Vec<_> = diags.iter().filter(|d| d.suppressed_by.is_none()).collect();
            if !active.iter().any(|d| d.pos == at) {
                failures.push(format!(
                    "{}: expected {} at {}:{}, got:\n{}",
                    path.display(),
                    rule.code(),
                    at.line,
                    at.col,
                    render(&diags)
                ));
            }
            for d in &active {
                assert!(!d.message.is_empty() && d.help.as_deref().is_some_and(|h| !h.is_empty()));
                if let Some(text) = &h.says
                    && !d.message.contains(text.as_str())
                {
                    failures.push(format!(
                        "{}: expected the message to say `{text}`, got `{}`",
                        path.display(),
                        d.message
                    ));
                }
                if let Some(severity) = h.severity
                    && d.severity != severity
                {
                    failures.push(format!(
                        "{}: expected {} as {}, got {}",
                        path.display(),
                        rule.code(),
                        severity.as_str(),
                        d.severity.as_str()
                    ));
                }
            }
        }
        for path in ok {
            let (_, diags) = run_fixture(rule, path);
            let active: Vec<_> = diags
                .iter()
                .filter(|d| d.suppressed_by.is_none())
                .cloned()
                .collect();
            if !active.is_empty() {
                failures.push(format!(
                    "{}: expected no {}, got:\n{}",
                    path.display(),
                    rule.code(),
                    render(&active)
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// Builds a spec fixture as the only spec of a scratch project (target
/// version and GitOps tool from its header) and gives its findings.
fn build_spec_fixture(path: &Path, h: &Header) -> (String, Vec<Diagnostic>) {
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    let code = path
        .parent()
        .unwrap()
        .file_name()
        .unwrap()
        .to_string_lossy();
    // A folder of its own: two tests build the same fixture concurrently.
    let scratch = tempfile::Builder::new()
        .prefix(&format!("{code}-{name}-"))
        .tempdir_in(env!("CARGO_TARGET_TMPDIR"))
        .unwrap();
    let root = scratch.path();
    fs::create_dir_all(root.join("specs")).unwrap();
    fs::copy(path, root.join("specs").join(&name)).unwrap();
    let gitops = match h.ctx.gitops {
        GitOps::ArgoCd => "gitops: {tool: argocd}\n",
        GitOps::Flux => "gitops: {tool: flux}\n",
        GitOps::None => "",
    };
    let gates: String = h
        .gates
        .iter()
        .map(|(name, on)| format!("  {name}: {on}\n"))
        .collect();
    let gates = if gates.is_empty() {
        gates
    } else {
        format!("featureGates:\n{gates}")
    };
    let project = format!(
        "apiVersion: rayc.dev/v1alpha1\nkind: Project\nname: fixture\nspecs: [\"specs/*.yaml\"]\nkuberayVersion: {}\n{gitops}{gates}",
        h.ctx.kuberay_version
    );
    fs::write(root.join("rayc.yaml"), project).unwrap();
    let compiled = rayc::pipeline::compile(root, &rayc::pipeline::BuildOptions::default());
    (format!("specs/{name}"), compiled.diagnostics)
}

#[test]
fn spec_fixtures_place_findings_at_the_spec_line_that_caused_them() {
    let mut failures = Vec::new();
    let mut count = 0;
    for rule in Rule::iter() {
        let dir = repo().join("tests/rules").join(rule.code().as_str());
        let mut files: Vec<PathBuf> = fs::read_dir(&dir)
            .into_iter()
            .flatten()
            .map(|e| e.unwrap().path())
            .filter(|p| {
                p.file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with("spec_"))
            })
            .collect();
        files.sort();
        for path in files {
            count += 1;
            let text = fs::read_to_string(&path).unwrap();
            let h = header(&text, &path.display().to_string());
            let Some(at) = h.expect else {
                failures.push(format!(
                    "{}: first line must be `# expect: LINE:COL`",
                    path.display()
                ));
                continue;
            };
            let (file, diags) = build_spec_fixture(&path, &h);
            let found: Vec<&Diagnostic> = diags
                .iter()
                .filter(|d| d.code == rule.code() && d.suppressed_by.is_none())
                .collect();
            let placed = !found.is_empty() && found.iter().all(|d| d.file == file && d.pos == at);
            if !placed {
                failures.push(format!(
                    "{}: expected {} at {file}:{}:{}, got:\n{}",
                    path.display(),
                    rule.code(),
                    at.line,
                    at.col,
                    render(&diags)
                ));
            }
        }
    }
    assert!(count >= 10, "only {count} spec fixtures found");
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn annotation_and_project_ignore_silence_but_keep_findings() {
    let text = "apiVersion: ray.io/v1\nkind: RayCluster\nmetadata:\n  name: c\n  annotations:\n    rayc.dev/ignore: \"RAY201, ray999, bounds-without-autoscaling\"\nspec:\n  workerGroupSpecs:\n  - groupName: w\n    minReplicas: 3\n    maxReplicas: 1\n    replicas: -1\n  - groupName: v\n    maxReplicas: 2\n";
    let nodes = parse(text);
    let objects: Vec<Object> = nodes
        .iter()
        .map(|node| Object {
            file: "c.yaml",
            node,
        })
        .collect();
    let diags = rules::check(&objects, &Context::default());
    let by_code = |code: &str| {
        diags
            .iter()
            .find(|d| d.code == code)
            .unwrap_or_else(|| panic!("no {code}"))
    };
    assert_eq!(
        by_code("RAY201").suppressed_by.as_deref(),
        Some("annotation rayc.dev/ignore")
    );
    assert!(!by_code("RAY201").is_blocking());
    assert_eq!(
        by_code("RAY209").suppressed_by.as_deref(),
        Some("annotation rayc.dev/ignore"),
        "rules can be silenced by name too"
    );
    assert_eq!(by_code("RAY202").suppressed_by, None);
    assert!(by_code("RAY202").is_blocking());
    assert_eq!(
        by_code("RAY202").object.as_ref().map(|o| o.name.as_str()),
        Some("c")
    );

    let ctx = Context {
        ignore: vec!["RAY202".to_owned()],
        ..Context::default()
    };
    let diags = rules::check(&objects, &ctx);
    let d = diags.iter().find(|d| d.code == "RAY202").unwrap();
    assert_eq!(d.suppressed_by.as_deref(), Some("project ignore"));
    let ctx = Context {
        ignore: vec![" negative-replicas ".to_owned()],
        ..Context::default()
    };
    let diags = rules::check(&objects, &ctx);
    let d = diags.iter().find(|d| d.code == "RAY202").unwrap();
    assert_eq!(d.suppressed_by.as_deref(), Some("project ignore"));

    let all = text.replace("\"RAY201, ray999, bounds-without-autoscaling\"", "all");
    let nodes = parse(&all);
    let objects: Vec<Object> = nodes
        .iter()
        .map(|node| Object {
            file: "c.yaml",
            node,
        })
        .collect();
    let diags = rules::check(&objects, &Context::default());
    assert!(!diags.is_empty());
    assert!(
        diags
            .iter()
            .all(|d| d.suppressed_by.as_deref() == Some("annotation rayc.dev/ignore"))
    );
}

#[test]
fn generated_objects_without_positions_are_checked() {
    let json = serde_json::json!({
        "apiVersion": "ray.io/v1", "kind": "RayCluster", "metadata": {"name": "gen"},
        "spec": {"workerGroupSpecs": [{"groupName": "w", "minReplicas": 4, "maxReplicas": 2}]}
    });
    let node = Node::from_json(&json, Pos::UNKNOWN);
    let diags = rules::check_rules(
        &[Object {
            file: "<generated>",
            node: &node,
        }],
        &Context::default(),
        &[Rule::find("RAY201").unwrap()],
    );
    assert_eq!(diags.len(), 1);
    assert_eq!(diags[0].pos, Pos::UNKNOWN);
    assert_eq!(
        diags[0].path.as_deref(),
        Some("spec.workerGroupSpecs[0].minReplicas")
    );
}

#[test]
fn upstream_samples_and_seed_have_no_errors() {
    let Some(shared) = samples::shared_dir("upstream samples") else {
        return;
    };
    let mut errors = Vec::new();
    let mut warnings = BTreeSet::new();
    let mut shown = Vec::new();
    for (label, path) in samples::sample_files(&shared) {
        let text = fs::read_to_string(&path).unwrap();
        let nodes = parse(&text);
        let objects: Vec<Object> = nodes
            .iter()
            .map(|node| Object { file: &label, node })
            .collect();
        // Each file is its own environment: the tutorial's files reuse names on purpose.
        for gitops in [GitOps::None, GitOps::ArgoCd, GitOps::Flux] {
            let ctx = Context {
                gitops,
                feature_gates: samples::sample_gates(),
                ..Context::default()
            };
            for d in rules::check(&objects, &ctx) {
                match d.severity {
                    Severity::Error => {
                        errors.push(format!("{gitops:?}: {}", render(std::slice::from_ref(&d))))
                    }
                    Severity::Warning if gitops == GitOps::None => {
                        shown.push(render(std::slice::from_ref(&d)));
                        warnings.insert((label.clone(), d.code.to_string()));
                    }
                    Severity::Warning => {}
                }
            }
        }
    }
    eprintln!(
        "warnings on upstream samples and seed:\n{}",
        shown.join("\n")
    );
    assert!(
        errors.is_empty(),
        "valid upstream objects produced errors:\n{}",
        errors.join("\n")
    );
    if let Err(changed) = samples::compare_warnings(&warnings) {
        panic!("{changed}");
    }
}

/// Every node of `node`, replaced one at a time by each of `with`.
fn mutations(node: &Node, with: &[Node]) -> Vec<Node> {
    use rayc::load::node::Value;
    let mut out: Vec<Node> = with.to_vec();
    match &node.value {
        Value::Map(entries) => {
            for (i, e) in entries.iter().enumerate() {
                for m in mutations(&e.value, with) {
                    let mut copy = node.clone();
                    if let Value::Map(es) = &mut copy.value {
                        es[i].value = m;
                    }
                    out.push(copy);
                }
            }
        }
        Value::Seq(items) => {
            for (i, item) in items.iter().enumerate() {
                for m in mutations(item, with) {
                    let mut copy = node.clone();
                    if let Value::Seq(xs) = &mut copy.value {
                        xs[i] = m;
                    }
                    out.push(copy);
                }
            }
        }
        _ => {}
    }
    out
}

#[test]
fn rules_never_panic_on_odd_shapes() {
    use rayc::load::node::Value;
    let odd = |v| Node::new(v, Pos::UNKNOWN);
    let with = [
        odd(Value::Null),
        odd(Value::Int(-2_147_483_649)),
        odd(Value::Str("ü${é}$".to_owned())),
        odd(Value::Seq(vec![])),
        odd(Value::Map(vec![])),
    ];
    let contexts = [GitOps::ArgoCd, GitOps::Flux].map(|gitops| Context {
        gitops,
        ..Context::default()
    });
    let mut checked = 0;
    for rule in Rule::iter() {
        let dir = repo().join("tests/rules").join(rule.code().as_str());
        let Ok(rd) = fs::read_dir(&dir) else { continue };
        let mut files: Vec<PathBuf> = rd.map(|e| e.unwrap().path()).collect();
        files.sort();
        for path in &files {
            for doc in parse(&fs::read_to_string(path).unwrap()) {
                for mutated in mutations(&doc, &with) {
                    let objects = [Object {
                        file: "m.yaml",
                        node: &mutated,
                    }];
                    for ctx in &contexts {
                        let _ = rules::check(&objects, ctx);
                    }
                    checked += 1;
                }
            }
        }
    }
    assert!(checked > 1000, "only {checked} mutations checked");
}
