//! Overlay files (format, checks), overlay folders (loading, path safety,
//! shadowing), overlay uses (names, parameters) and rendering of patches, and
//! the texts of `rayc overlays [NAME]`.

use crate::helpers;

use std::path::{Path, PathBuf};

use helpers::*;
use rayc::diag::Diagnostic;
use rayc::model::overlay::ParameterType as ParamType;
use rayc::resolve::overlay::{Origin, parse_overlay};
use rayc::resolve::{
    OverlaySet, ResolveContext, explain_overlay, list_overlays, load_overlays, resolve,
};
use serde_json::json;

const HEAD: &str = "apiVersion: rayc.dev/v1alpha1\nkind: RayJob\nmetadata:\n  name: job\n";

fn spec(body: &str) -> String {
    format!("{HEAD}spec:\n{body}")
}

fn team_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/resolve/team")
}

fn parse_err(text: &str) -> Vec<Diagnostic> {
    match parse_overlay(
        text,
        "overlays/x.yaml",
        Origin::File("overlays/x.yaml".into()),
    ) {
        Ok(o) => panic!("expected errors, got {o:#?}"),
        Err(d) => d,
    }
}

const GOOD: &str = "apiVersion: rayc.dev/v1alpha1\nkind: Overlay\nmetadata:\n  name: x\npatch:\n  spec: {suspend: true}\n";

#[test]
fn a_project_folder_of_overlays_loads_and_applies() {
    let root = team_dir();
    let p: rayc::model::project::Project =
        serde_saphyr::from_str(&std::fs::read_to_string(root.join("rayc.yaml")).unwrap()).unwrap();
    let set = load_overlays(&p, &root).unwrap_or_else(|d| panic!("{}", render(&d)));
    let names: Vec<&str> = set.names().collect();
    assert_eq!(
        names,
        ["autoscaling", "gpu", "ingress", "pvc", "sidecar", "spot"],
        "README.md and nested/ are not read"
    );
    assert_eq!(set.get("sidecar").unwrap().file, "overlays/sidecar.yml");
    let doc = node(&std::fs::read_to_string(root.join("spec.yaml")).unwrap());
    let out = resolve(&doc, "spec.yaml", &ResolveContext::new(&p, &root), &set)
        .unwrap_or_else(|d| panic!("{}", render(&d)));
    let json = out.to_json();
    assert_eq!(
        at(&json, "spec.workerDefaults"),
        &json!({"nodeSelector": {"pool": "spot"}, "tolerations": [{"key": "spot", "operator": "Exists", "effect": "NoSchedule"}]})
    );
    assert_eq!(
        at(&json, "spec.head.template.spec.containers"),
        &json!([{"name": "log-shipper", "image": "fluent/fluent-bit:3.0", "env": [{"name": "LEVEL", "value": "debug"}]}])
    );
    // `sources` hands renderers every overlay's text.
    assert!(
        set.sources()
            .any(|(f, t)| f == "overlays/spot.yaml" && t.contains("name: spot"))
    );
}

#[test]
fn a_missing_default_folder_is_fine_a_missing_named_one_is_not() {
    let dir = tempfile::tempdir().unwrap();
    let set = load_overlays(&project(""), dir.path()).unwrap();
    assert_eq!(set.names().count(), 4, "built-ins only");
    let diags = load_overlays(&project("overlayDirs: [team-overlays]\n"), dir.path()).unwrap_err();
    let d = only(&diags);
    assert_eq!(
        (d.code.as_str(), d.file.as_str(), d.path.as_deref()),
        ("RAY007", "rayc.yaml", Some("overlayDirs[0]"))
    );
    assert!(d.message.contains("does not exist"), "{}", d.message);
}

#[test]
fn overlay_folders_stay_inside_the_project() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("file.yaml"), GOOD).unwrap();
    for (dirs, expected) in [
        ("[/etc]", "is an absolute path"),
        ("['../elsewhere']", "climbs out with `..`"),
        ("['a/../../b']", "climbs out with `..`"),
        ("['']", "is empty"),
        ("[file.yaml]", "is not a folder"),
    ] {
        let diags =
            load_overlays(&project(&format!("overlayDirs: {dirs}\n")), dir.path()).unwrap_err();
        let d = only(&diags);
        assert_eq!(d.code, "RAY007", "{dirs}");
        assert!(d.message.contains(expected), "{dirs}: {}", d.message);
    }
}

#[cfg(unix)]
#[test]
fn symbolic_links_out_of_the_project_are_refused() {
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("evil.yaml"), GOOD).unwrap();
    let root = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(outside.path(), root.path().join("linked")).unwrap();
    let diags = load_overlays(&project("overlayDirs: [linked]\n"), root.path()).unwrap_err();
    assert!(
        only(&diags)
            .message
            .contains("leads outside the project root"),
        "{}",
        render(&diags)
    );

    std::fs::create_dir(root.path().join("overlays")).unwrap();
    std::os::unix::fs::symlink(
        outside.path().join("evil.yaml"),
        root.path().join("overlays/evil.yaml"),
    )
    .unwrap();
    let diags = load_overlays(&project(""), root.path()).unwrap_err();
    let d = only(&diags);
    assert_eq!(
        (d.code.as_str(), d.file.as_str()),
        ("RAY001", "overlays/evil.yaml")
    );
    assert!(
        d.message.contains("leads outside the project root"),
        "{}",
        d.message
    );

    // A link that stays inside is fine.
    std::fs::remove_file(root.path().join("overlays/evil.yaml")).unwrap();
    std::fs::write(root.path().join("shared.yaml"), GOOD).unwrap();
    std::os::unix::fs::symlink(
        root.path().join("shared.yaml"),
        root.path().join("overlays/x.yaml"),
    )
    .unwrap();
    assert!(
        load_overlays(&project(""), root.path())
            .unwrap()
            .get("x")
            .is_some()
    );
}

#[test]
fn a_missing_project_folder_or_dangling_link_is_an_io_error() {
    let diags = load_overlays(&project(""), Path::new("/nonexistent/rayc/project")).unwrap_err();
    let d = only(&diags);
    assert_eq!((d.code.as_str(), d.file.as_str()), ("RAY001", "rayc.yaml"));
    assert!(
        d.message.contains("cannot open the project folder"),
        "{}",
        d.message
    );
    #[cfg(unix)]
    {
        let root = tempfile::tempdir().unwrap();
        std::fs::create_dir(root.path().join("overlays")).unwrap();
        std::os::unix::fs::symlink(
            root.path().join("gone.yaml"),
            root.path().join("overlays/dangling.yaml"),
        )
        .unwrap();
        let diags = load_overlays(&project(""), root.path()).unwrap_err();
        let d = only(&diags);
        assert_eq!(
            (d.code.as_str(), d.file.as_str()),
            ("RAY001", "overlays/dangling.yaml")
        );
        assert!(
            d.message.contains("cannot open overlay file"),
            "{}",
            d.message
        );
    }
}

#[test]
fn big_or_unreadable_overlay_files_are_refused() {
    let root = tempfile::tempdir().unwrap();
    std::fs::create_dir(root.path().join("overlays")).unwrap();
    std::fs::write(root.path().join("overlays/big.yaml"), "#".repeat(2 << 20)).unwrap();
    std::fs::write(root.path().join("overlays/binary.yaml"), [0xff, 0xfe, 0x00]).unwrap();
    let diags = load_overlays(&project(""), root.path()).unwrap_err();
    assert_eq!(diags.len(), 2, "{}", render(&diags));
    assert_eq!(
        (diags[0].code.as_str(), diags[0].file.as_str()),
        ("RAY004", "overlays/big.yaml")
    );
    assert_eq!(
        (diags[1].code.as_str(), diags[1].file.as_str()),
        ("RAY001", "overlays/binary.yaml")
    );
}

#[test]
fn user_overlays_do_not_shadow_built_ins_unless_they_say_so() {
    let root = tempfile::tempdir().unwrap();
    std::fs::create_dir(root.path().join("overlays")).unwrap();
    let gpu = GOOD
        .replace("name: x", "name: gpu")
        .replace("description", "x");
    std::fs::write(root.path().join("overlays/gpu.yaml"), &gpu).unwrap();
    let diags = load_overlays(&project(""), root.path()).unwrap_err();
    let d = only(&diags);
    assert_eq!(
        (d.code.as_str(), d.file.as_str(), d.pos.line),
        ("RAY008", "overlays/gpu.yaml", 4)
    );
    assert!(
        d.message.contains("has the name of a built-in overlay"),
        "{}",
        d.message
    );
    assert!(d.help.as_deref().unwrap().contains("replacesBuiltin: true"));

    std::fs::write(
        root.path().join("overlays/gpu.yaml"),
        format!("{gpu}replacesBuiltin: true\n"),
    )
    .unwrap();
    let set = load_overlays(&project(""), root.path()).unwrap();
    assert_eq!(
        set.get("gpu").unwrap().origin,
        Origin::File("overlays/gpu.yaml".into())
    );
    assert!(list_overlays(&set).contains("overlays/gpu.yaml (replaces built-in)"));

    std::fs::write(
        root.path().join("overlays/gpu.yaml"),
        format!("{GOOD}replacesBuiltin: true\n"),
    )
    .unwrap();
    let diags = load_overlays(&project(""), root.path()).unwrap_err();
    assert!(
        only(&diags)
            .message
            .contains("there is no built-in overlay named `x`"),
        "{}",
        render(&diags)
    );
}

#[test]
fn two_user_overlays_with_one_name_are_an_error() {
    let root = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(root.path().join("a")).unwrap();
    std::fs::create_dir_all(root.path().join("b")).unwrap();
    std::fs::write(root.path().join("a/x.yaml"), GOOD).unwrap();
    std::fs::write(root.path().join("b/also-x.yaml"), GOOD).unwrap();
    let diags = load_overlays(&project("overlayDirs: [a, b/]\n"), root.path()).unwrap_err();
    let d = only(&diags);
    assert_eq!(d.file, "b/also-x.yaml");
    assert!(
        d.message
            .contains("overlay `x` is also defined in a/x.yaml"),
        "{}",
        d.message
    );
}

#[test]
fn overlay_file_format_errors() {
    let base = GOOD;
    let cases: Vec<(String, &str, &str)> = vec![
        ("a: [".to_owned(), "RAY002", "not valid YAML"),
        ("# nothing\n".to_owned(), "RAY008", "overlay file is empty"),
        (format!("{base}---\n{base}"), "RAY008", "holds one document"),
        ("- a\n".to_owned(), "RAY102", "expected a mapping"),
        (
            format!("{base}patchs: {{}}\n"),
            "RAY101",
            "unknown field \"patchs\"",
        ),
        (
            base.replace("rayc.dev/v1alpha1", "v1"),
            "RAY103",
            "\"v1\" is not allowed here",
        ),
        (
            base.replace("apiVersion: rayc.dev/v1alpha1\n", ""),
            "RAY105",
            "missing required field \"apiVersion\"",
        ),
        (
            base.replace("kind: Overlay", "kind: RayJob"),
            "RAY103",
            "\"RayJob\" is not allowed here",
        ),
        (
            base.replace("kind: Overlay\n", ""),
            "RAY105",
            "missing required field \"kind\"",
        ),
        (
            base.replace("metadata:\n  name: x\n", ""),
            "RAY105",
            "missing required field \"metadata\"",
        ),
        (
            base.replace("metadata:\n  name: x\n", "metadata: x\n"),
            "RAY102",
            "expected a mapping",
        ),
        (
            base.replace("  name: x\n", "  description: d\n"),
            "RAY105",
            "missing required field \"name\" in metadata",
        ),
        (
            base.replace("name: x", "name: [x]"),
            "RAY102",
            "expected a string",
        ),
        (
            base.replace("name: x", "name: My_Overlay"),
            "RAY107",
            "does not match the required pattern",
        ),
        (
            base.replace("name: x", &format!("name: {}", "a".repeat(64))),
            "RAY108",
            "is too long (64 characters, at most 63 allowed)",
        ),
        (
            base.replace("name: x", "name: override"),
            "RAY008",
            "`override` is reserved",
        ),
        (
            base.replace("name: x", "name: x\n  description: [d]"),
            "RAY102",
            "expected a string",
        ),
        (
            base.replace("  name: x\n", "  name: x\n  labels: {}\n"),
            "RAY101",
            "unknown field \"labels\" in metadata",
        ),
        (
            format!("{base}parameters: [a]\n"),
            "RAY102",
            "expected a mapping",
        ),
        (
            format!("{base}parameters:\n  2fast: {{type: string}}\n"),
            "RAY008",
            "not a valid parameter name",
        ),
        (
            format!("{base}parameters:\n  a: string\n"),
            "RAY102",
            "expected a mapping",
        ),
        (
            format!("{base}parameters:\n  a: {{type: string, defualt: x}}\n"),
            "RAY101",
            "unknown field \"defualt\"",
        ),
        (
            format!("{base}parameters:\n  a: {{doc: d}}\n"),
            "RAY105",
            "missing required field \"type\"",
        ),
        (
            format!("{base}parameters:\n  a: {{type: strng}}\n"),
            "RAY103",
            "\"strng\" is not an allowed value",
        ),
        (
            format!("{base}parameters:\n  a: {{type: string, doc: [d]}}\n"),
            "RAY102",
            "expected a string",
        ),
        (
            format!("{base}parameters:\n  a: {{type: string, required: maybe}}\n"),
            "RAY102",
            "expected a boolean",
        ),
        (
            format!("{base}parameters:\n  a: {{type: string, enum: x}}\n"),
            "RAY102",
            "expected a list",
        ),
        (
            format!("{base}parameters:\n  a: {{type: string, enum: [1]}}\n"),
            "RAY008",
            "enum value must be a string",
        ),
        (
            format!("{base}parameters:\n  a: {{type: integer, default: x}}\n"),
            "RAY008",
            "the default of `a` must be an integer, not a string",
        ),
        (
            format!("{base}parameters:\n  a: {{type: string, default: c, enum: [a, b]}}\n"),
            "RAY008",
            "not one of its `enum` values",
        ),
        (
            format!("{base}parameters:\n  a: {{type: string, default: c, required: true}}\n"),
            "RAY008",
            "is required and has a default",
        ),
        (
            base.replace("patch:\n  spec: {suspend: true}\n", ""),
            "RAY105",
            "missing required field \"patch\"",
        ),
        (
            base.replace("  spec: {suspend: true}\n", "  - a\n"),
            "RAY102",
            "expected a string or a mapping",
        ),
        (
            format!("{base}overrides: 1\n"),
            "RAY102",
            "expected a boolean",
        ),
        (
            format!("{base}replacesBuiltin: yes-sir\n"),
            "RAY102",
            "expected a boolean",
        ),
    ];
    let mut wrong = Vec::new();
    for (text, code, expected) in cases {
        let diags = parse_err(&text);
        if !diags
            .iter()
            .any(|d| d.code == code && d.message.contains(expected) && d.file == "overlays/x.yaml")
        {
            wrong.push(format!(
                "{text}\nexpected {code} {expected}, got:\n{}",
                render(&diags)
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    let diags = parse_err(&format!("{GOOD}patchs: {{}}\n"));
    assert_eq!(diags[0].help.as_deref(), Some("did you mean \"patch\"?"));
    assert_eq!(diags[0].pos.line, 7);
    let diags = parse_err(&format!("{GOOD}parameters:\n  a: {{type: strng}}\n"));
    let help = diags[0].help.as_deref().unwrap_or("");
    assert!(help.starts_with("did you mean \"string\"?"), "{help}");
    let builtin = format!("{GOOD}replacesBuiltin: true\n");
    let diags = parse_overlay(&builtin, "<built-in>/x.yaml", Origin::Builtin).unwrap_err();
    assert!(
        only(&diags)
            .message
            .contains("a built-in overlay cannot replace a built-in")
    );
}

#[test]
fn parameter_types_accept_what_they_say() {
    let cases = [
        (ParamType::String, json!("a"), true),
        (ParamType::String, json!(1), false),
        (ParamType::Integer, json!(2), true),
        (ParamType::Integer, json!(2.5), false),
        (ParamType::Number, json!(2.5), true),
        (ParamType::Number, json!("2"), false),
        (ParamType::Boolean, json!(false), true),
        (ParamType::Boolean, json!("false"), false),
        (ParamType::List, json!([1]), true),
        (ParamType::List, json!({}), false),
        (ParamType::Map, json!({"a": 1}), true),
        (ParamType::Map, json!([]), false),
        (ParamType::Quantity, json!(2), true),
        (ParamType::Quantity, json!(0.5), true),
        (ParamType::Quantity, json!(-1), false),
        (ParamType::Quantity, json!("500m"), true),
        (ParamType::Quantity, json!("40Gi"), true),
        (ParamType::Quantity, json!("1.5"), true),
        (ParamType::Quantity, json!("1e3"), true),
        (ParamType::Quantity, json!(".5"), true),
        (ParamType::Quantity, json!("100n"), true),
        (ParamType::Quantity, json!("1u"), true),
        (ParamType::Quantity, json!("1.5Gi"), true),
        (ParamType::Quantity, json!("-1"), false),
        (ParamType::Quantity, json!("1 Gi"), false),
        (ParamType::Quantity, json!("40GB"), false),
        (ParamType::Quantity, json!("Gi"), false),
        (ParamType::Quantity, json!("1.2.3"), false),
        (ParamType::Quantity, json!("1e"), false),
        (ParamType::Quantity, json!(true), false),
    ];
    for (ty, value, ok) in cases {
        assert_eq!(ty.accepts(&value), ok, "{ty:?} {value}");
    }
}

fn with_param_overlay() -> String {
    concat!(
        "apiVersion: rayc.dev/v1alpha1\nkind: Overlay\nmetadata:\n  name: tune\n",
        "parameters:\n",
        "  cpu: {type: quantity, default: 1}\n",
        "  mode: {type: string, enum: [fast, slow], default: fast}\n",
        "  queue: {type: string, required: true}\n",
        "patch:\n  metadata:\n    labels: {queue: '{{ params.queue }}', mode: '{{ params.mode }}'}\n",
        "  spec:\n    workerDefaults: {cpu: '{{ params.cpu }}'}\n",
    )
    .to_owned()
}

#[test]
fn parameters_bind_with_defaults() {
    let set = overlays(&[&with_param_overlay()]);
    let r = resolve_ok(
        &project(""),
        &spec("  overlays:\n    - tune: {queue: q1, cpu: 500m, mode: null}\n"),
        &set,
    );
    let doc = r.doc.to_json();
    assert_eq!(
        at(&doc, "metadata.labels"),
        &json!({"queue": "q1", "mode": "fast"})
    );
    assert_eq!(at(&doc, "spec.workerDefaults.cpu"), "500m");
}

#[test]
fn bad_overlay_uses_are_errors_at_the_use() {
    let set = overlays(&[&with_param_overlay()]);
    let cases = [
        (
            "    - gpuu\n",
            7,
            "unknown overlay `gpuu`",
            "did you mean `gpu`?",
        ),
        (
            "    - nothing-like-it\n",
            7,
            "unknown overlay `nothing-like-it`",
            "known overlays: autoscaling, gpu, ingress, pvc, tune",
        ),
        (
            "    - {tune: {queue: q, cpus: 2}}\n",
            7,
            "overlay `tune` has no parameter `cpus`",
            "did you mean `cpu`?",
        ),
        (
            "    - {ingress: {tls: x}}\n",
            7,
            "overlay `ingress` has no parameter `tls`",
            "parameters of `ingress`: className, rewrite, host",
        ),
        (
            "    - tune:\n        queue: q\n        cpu: lots\n",
            9,
            "parameter `cpu` of overlay `tune` must be a quantity",
            "rayc overlays tune",
        ),
        (
            "    - {tune: {queue: 7}}\n",
            7,
            "parameter `queue` of overlay `tune` must be a string, not an integer",
            "",
        ),
        (
            "    - {tune: {queue: q, mode: medium}}\n",
            7,
            "must be one of \"fast\", \"slow\"",
            "",
        ),
        (
            "    - tune\n",
            7,
            "overlay `tune` needs parameter `queue`",
            "{tune: {queue: ...}}",
        ),
        (
            "    - {tune: {queue: null}}\n",
            7,
            "overlay `tune` needs parameter `queue`",
            "",
        ),
        (
            "    - 42\n",
            7,
            "an overlay use must be a name or a mapping, not an integer",
            "",
        ),
        (
            "    - {gpu: {}, pvc: {}}\n",
            7,
            "names exactly one overlay, this one names 2",
            "",
        ),
        (
            "    - {override: true}\n",
            7,
            "names exactly one overlay, this one names 0",
            "",
        ),
        (
            "    - {gpu: {}, override: please}\n",
            7,
            "`override` must be true or false",
            "",
        ),
        (
            "    - {gpu: 2}\n",
            7,
            "the parameters of `gpu` must be a mapping, not an integer",
            "",
        ),
    ];
    for (uses, line, expected, help) in cases {
        let diags = resolve_err(
            &project(""),
            None,
            &spec(&format!("  overlays:\n{uses}")),
            &set,
        );
        let d = only(&diags);
        assert_eq!(
            (d.code.as_str(), d.file.as_str(), d.pos.line),
            ("RAY008", SPEC_FILE, line),
            "{uses}: {}",
            render(&diags)
        );
        assert!(d.message.contains(expected), "{uses}: {}", d.message);
        assert!(
            d.help.as_deref().unwrap_or("").contains(help),
            "{uses}: {:?}",
            d.help
        );
    }
    let diags = resolve_err(&project(""), None, &spec("  overlays: gpu\n"), &set);
    assert!(
        only(&diags)
            .message
            .contains("`spec.overlays` must be a list, not a string"),
        "{}",
        render(&diags)
    );
    // Null params and a null list are fine.
    resolve_ok(&project(""), &spec("  overlays:\n    - gpu: null\n"), &set);
    resolve_ok(&project(""), &spec("  overlays: null\n"), &set);
}

fn text_overlay(body: &str) -> String {
    format!(
        "apiVersion: rayc.dev/v1alpha1\nkind: Overlay\nmetadata:\n  name: t\nparameters:\n  count: {{type: integer, default: 1}}\npatch: |\n{body}"
    )
}

#[test]
fn template_errors_point_into_the_overlay_file() {
    let set = overlays(&[&text_overlay(
        "  spec:\n    workerDefaults:\n      cpu: {{ params.m }}\n",
    )]);
    let diags = resolve_err(&project(""), None, &spec("  overlays: [t]\n"), &set);
    let d = only(&diags);
    assert_eq!(
        (d.code.as_str(), d.file.as_str(), d.pos.line),
        ("RAY008", "overlays/test.yaml", 10)
    );
    assert!(
        d.message.starts_with("overlay `t`: undefined value"),
        "{}",
        d.message
    );
    assert!(
        d.help.as_deref().unwrap().contains("used at spec.yaml:6"),
        "{:?}",
        d.help
    );

    let tree = "apiVersion: rayc.dev/v1alpha1\nkind: Overlay\nmetadata:\n  name: m\npatch:\n  spec:\n    image: '{{ params.image }}'\n";
    let diags = resolve_err(
        &project(""),
        None,
        &spec("  overlays: [m]\n"),
        &overlays(&[tree]),
    );
    let d = only(&diags);
    assert_eq!(
        (d.file.as_str(), d.pos.line, d.path.as_deref()),
        ("overlays/test.yaml", 7, Some("patch.spec.image"))
    );
    assert!(
        d.message
            .contains("overlay `m`: template error in `patch.spec.image`"),
        "{}",
        d.message
    );
}

#[test]
fn a_patch_that_renders_to_bad_yaml_is_an_error_at_the_use() {
    let set = overlays(&[&text_overlay("  spec:\n    entrypoint: {{ 'a: b: c' }}\n")]);
    let diags = resolve_err(&project(""), None, &spec("  overlays:\n    - t\n"), &set);
    let d = only(&diags);
    assert_eq!((d.file.as_str(), d.pos.line), (SPEC_FILE, 7));
    assert!(
        d.message.contains(
            "overlay `t` rendered text that is not valid YAML (line 2 of the rendered patch)"
        ),
        "{}",
        d.message
    );
    assert!(d.help.as_deref().unwrap().contains("tojson"));
}

#[test]
fn a_patch_may_only_touch_labels_annotations_namespace_and_spec() {
    let cases = [
        ("  kind: RayService\n", "a patch cannot set `kind`"),
        (
            "  metadata:\n    name: other\n",
            "a patch cannot set `metadata.name`",
        ),
        ("  metadata: 3\n", "`metadata` must be a mapping"),
        (
            "  spec:\n    overlays: [gpu]\n",
            "a patch cannot apply overlays",
        ),
        ("  - 1\n", "the patch must be a mapping, not a list"),
    ];
    for (body, expected) in cases {
        let set = overlays(&[&text_overlay(body)]);
        let diags = resolve_err(&project(""), None, &spec("  overlays: [t]\n"), &set);
        let d = only(&diags);
        assert_eq!(
            (d.code.as_str(), d.file.as_str()),
            ("RAY008", "overlays/test.yaml"),
            "{body}"
        );
        assert!(d.message.contains(expected), "{body}: {}", d.message);
    }
    let ok = overlays(&[&text_overlay(
        "  metadata:\n    namespace: ns\n    labels: {a: b}\n",
    )]);
    let r = resolve_ok(&project(""), &spec("  overlays: [t]\n"), &ok);
    assert_eq!(
        at(&r.doc.to_json(), "metadata"),
        &json!({"name": "job", "namespace": "ns", "labels": {"a": "b"}})
    );
}

#[test]
fn a_patch_that_renders_too_much_text_is_refused() {
    let set = overlays(&[&text_overlay(
        "  spec:\n    entrypoint: {{ 'x' * 2000000 }}\n",
    )]);
    let diags = resolve_err(&project(""), None, &spec("  overlays: [t]\n"), &set);
    let d = only(&diags);
    assert_eq!(d.file, "overlays/test.yaml");
    assert!(
        d.message.contains("larger than 1048576 bytes"),
        "{}",
        d.message
    );
}

#[test]
fn text_patches_loop_and_an_empty_render_changes_nothing() {
    let looping = text_overlay(
        "  spec:\n    workers:\n    {%- for i in range(params.count) %}\n      - name: w{{ i }}\n    {%- endfor %}\n",
    );
    let r = resolve_ok(
        &project(""),
        &spec("  overlays: [{t: {count: 3}}]\n"),
        &overlays(&[&looping]),
    );
    assert_eq!(
        at(&r.doc.to_json(), "spec.workers"),
        &json!([{"name": "w0"}, {"name": "w1"}, {"name": "w2"}])
    );
    let empty = text_overlay("  {% if params.count > 5 %}spec: {suspend: true}{% endif %}\n");
    let r = resolve_ok(
        &project(""),
        &spec("  overlays: [t]\n  entrypoint: x\n"),
        &overlays(&[&empty]),
    );
    assert_eq!(at(&r.doc.to_json(), "spec"), &json!({"entrypoint": "x"}));
}

#[test]
fn overlays_see_the_spec_as_resolved_so_far_and_their_params() {
    let first = "apiVersion: rayc.dev/v1alpha1\nkind: Overlay\nmetadata:\n  name: first\npatch:\n  spec: {rayVersion: '2.9.3'}\n";
    let second = "apiVersion: rayc.dev/v1alpha1\nkind: Overlay\nmetadata:\n  name: second\npatch:\n  spec:\n    image: 'rayproject/ray:{{ spec.spec.rayVersion }}'\n";
    let r = resolve_ok(
        &project(""),
        &spec("  overlays: [first, second]\n"),
        &overlays(&[first, second]),
    );
    assert_eq!(at(&r.doc.to_json(), "spec.image"), "rayproject/ray:2.9.3");
}

#[test]
fn list_overlays_names_every_overlay() {
    let set = overlays(&[&with_param_overlay()]);
    let text = list_overlays(&set);
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines[0].starts_with("NAME")
            && lines[0].contains("SOURCE")
            && lines[0].ends_with("DESCRIPTION")
    );
    for name in ["autoscaling", "gpu", "ingress", "pvc"] {
        assert!(
            lines
                .iter()
                .any(|l| l.starts_with(name) && l.contains("built-in")),
            "{name}:\n{text}"
        );
    }
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("tune") && l.contains("overlays/test.yaml")),
        "{text}"
    );
    assert!(text.contains("rayc overlays NAME"));
}

#[test]
fn explain_overlay_documents_parameters_and_the_patch() {
    let set = OverlaySet::builtin().unwrap();
    let text = explain_overlay("gpu", &set).unwrap();
    assert!(text.starts_with("gpu (built-in)\n"), "{text}");
    assert!(
        text.contains("  count (integer, default 1)\n      GPUs per pod"),
        "{text}"
    );
    assert!(
        text.contains("  resource (string, default \"nvidia.com/gpu\")"),
        "{text}"
    );
    assert!(text.contains("  image (string, optional)"), "{text}");
    assert!(text.contains("    - {gpu: {count: 1}}"), "{text}");
    assert!(text.contains("What it changes"), "{text}");
    assert!(text.contains("workerDefaults:"), "{text}");
    let text = explain_overlay("autoscaling", &set).unwrap();
    assert!(text.contains("  upscalingMode (string, optional, one of \"Default\", \"Aggressive\", \"Conservative\")"), "{text}");
    let tune = explain_overlay("tune", &overlays(&[&with_param_overlay()])).unwrap();
    assert!(tune.contains("  queue (string, required)"), "{tune}");
    assert!(tune.contains("    - {tune: {queue: \"...\"}}"), "{tune}");
    assert!(
        tune.contains("  spec:\n    workerDefaults:\n      cpu: \"{{ params.cpu }}\""),
        "{tune}"
    );
    let d = explain_overlay("pcv", &set).unwrap_err();
    assert_eq!(d.message, "unknown overlay `pcv`");
    assert_eq!(d.help.as_deref(), Some("did you mean `pvc`?"));
}

/// The ```yaml blocks of a doc page.
fn yaml_blocks(doc: &str) -> Vec<String> {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(doc)).unwrap();
    text.split("```yaml\n")
        .skip(1)
        .map(|b| b.split("```").next().unwrap().to_owned())
        .collect()
}

#[test]
fn the_walkthrough_in_the_docs_works() {
    let blocks = yaml_blocks("docs/overlays.md");
    let spot = blocks
        .iter()
        .find(|b| b.contains("name: spot"))
        .expect("the spot example");
    let set = overlays(&[spot]);
    let body = "  overlays: [{spot: {pool: spot-a100}}]\n  workers: [{name: cpu, replicas: 1}]\n";
    let doc = resolve_ok(&project(""), &spec(body), &set).doc.to_json();
    assert_eq!(
        at(&doc, "spec.workerDefaults"),
        &json!({"nodeSelector": {"pool": "spot-a100"}, "tolerations": [{"key": "spot", "operator": "Equal", "value": "true", "effect": "NoSchedule"}]})
    );

    let smarter = blocks
        .iter()
        .find(|b| b.starts_with("parameters:\n  groups:"))
        .expect("the text-form example");
    let file =
        format!("apiVersion: rayc.dev/v1alpha1\nkind: Overlay\nmetadata:\n  name: spot\n{smarter}");
    let set = overlays(&[&file]);
    let body = "  overlays: [{spot: {groups: [b]}}]\n  workers: [{name: a}, {name: b}]\n";
    let doc = resolve_ok(&project(""), &spec(body), &set).doc.to_json();
    assert_eq!(
        at(&doc, "spec.workers"),
        &json!([{"name": "a"}, {"name": "b", "nodeSelector": {"pool": "spot"}, "tolerations": [{"key": "spot", "operator": "Exists", "effect": "NoSchedule"}]}])
    );
    let diags = resolve_err(
        &project(""),
        None,
        &spec("  overlays: [{spot: {groups: [c]}}]\n  workers: [{name: a}]\n"),
        &set,
    );
    assert!(
        only(&diags).message.contains("spot: no worker group c"),
        "{}",
        render(&diags)
    );

    // The usage example at the top of the page resolves with the built-ins.
    let usage = blocks
        .iter()
        .find(|b| b.contains("name: train") && b.contains("override: true"))
        .unwrap();
    resolve_ok(&project(""), usage, &OverlaySet::builtin().unwrap());
}

#[test]
fn the_merge_page_example_resolves_as_shown() {
    let blocks = yaml_blocks("docs/merge.md");
    let project_text = blocks
        .iter()
        .find(|b| b.starts_with("# rayc.yaml"))
        .unwrap();
    let p: rayc::model::project::Project = serde_saphyr::from_str(&format!(
        "apiVersion: rayc.dev/v1alpha1\nkind: Project\n{project_text}"
    ))
    .unwrap();
    let train = blocks
        .iter()
        .find(|b| b.starts_with("# train.yaml"))
        .unwrap();
    let r = resolve_with(
        Run {
            project: &p,
            env: Some("prod"),
            process_env: None,
        },
        train,
        &OverlaySet::builtin().unwrap(),
    )
    .unwrap();
    let doc = r.doc.to_json();
    assert_eq!(at(&doc, "metadata.namespace"), "ml-prod");
    assert_eq!(at(&doc, "spec.rayVersion"), "2.9.3");
    assert_eq!(at(&doc, "spec.workers.0.replicas"), 4);
    assert_eq!(at(&doc, "spec.workerDefaults.gpu"), 1);
}
