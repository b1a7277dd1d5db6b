//! Hostile templates (issue #7, item 9): each must be refused with a located
//! RAY008 inside 2 CPU s and 256 MiB, on the real binary. Before the limits,
//! these crashed (stack overflow), ate gigabytes or printed 100 MB.

use crate::support::bounded;

use std::path::Path;

use crate::support::run::Rayc;
use bounded::{Bounded, Limits};

const PROJECT: &str =
    "apiVersion: rayc.dev/v1alpha1\nkind: Project\nname: t\nspecs: [\"specs/*.yaml\"]\n";
const HEAD: &str =
    "apiVersion: rayc.dev/v1alpha1\nkind: RayJob\nmetadata:\n  name: j\nspec:\n  image: ray\n";
/// The file findings about the spec name.
const SPEC: &str = "specs/j.yaml";

/// A project whose one spec is `HEAD` + `body`, built to stdout.
fn build(body: &str) -> Bounded {
    build_with(PROJECT, body, &[])
}

fn build_with(project: &str, body: &str, files: &[(&str, &str)]) -> Bounded {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "rayc.yaml", project);
    write(dir.path(), SPEC, &format!("{HEAD}{body}"));
    for (path, text) in files {
        write(dir.path(), path, text);
    }
    Rayc::new(dir.path(), &["build", "--stdout"]).bounded(Limits::default())
}

fn write(root: &Path, rel: &str, text: &str) {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// `entrypoint` set to the template `t` (single-quoted YAML).
fn entrypoint(t: &str) -> String {
    format!("  entrypoint: '{}'\n", t.replace('\'', "''"))
}

/// Refused with RAY008 at the spec's line 7 (the entrypoint), saying `what`.
fn assert_refused_at_entrypoint(run: &Bounded, what: &str) {
    run.assert_refused().assert_located(SPEC, "RAY008");
    assert!(
        run.stderr.contains(&format!("{SPEC}:7:")),
        "expected the entrypoint's line\n{}",
        run.shown()
    );
    assert!(
        run.stderr.contains(what),
        "expected `{what}`\n{}",
        run.shown()
    );
    assert!(
        run.stderr.len() < 8_000,
        "the message is not capped\n{}",
        run.shown()
    );
}

#[test]
fn a_lone_expression_cannot_build_a_huge_value() {
    // A lone `{{ expr }}` keeps its type: before, it skipped the output cap.
    let run = build(&entrypoint("{{ [\"x\" * 100000] * 100000 }}"));
    assert_refused_at_entrypoint(&run, "larger than");
    let run = build(&entrypoint("{{ range(100000) | list * 1000 }}"));
    assert_refused_at_entrypoint(&run, "template error");
}

#[test]
fn a_huge_string_is_refused() {
    let run = build(&entrypoint("{{ \"x\" * 1000000000 }}"));
    assert_refused_at_entrypoint(&run, "template error");
    let run = build(&entrypoint("run {{ \"x\" * 1000000000 }}"));
    assert_refused_at_entrypoint(&run, "template error");
}

#[test]
fn fail_messages_are_capped() {
    let run = build(&entrypoint("{{ fail(\"x\" * 100000000) }}"));
    run.assert_refused().assert_located(SPEC, "RAY008");
    assert!(run.stderr.len() < 8_000, "{}", run.shown());
    let run = build(&entrypoint("{{ fail(\"x\" * 100000) }}"));
    assert_refused_at_entrypoint(&run, "bytes in all");
}

#[test]
fn the_whole_spec_as_json_many_times_hits_the_build_budget() {
    // Each value copies the whole spec (~0.9 MB): quadratic without a total budget.
    let mut body = String::from("  entrypoint: python x.py\n  runtimeEnv:\n");
    for i in 0..15 {
        body.push_str(&format!("    big{i}: {}\n", "x".repeat(60_000)));
    }
    for i in 0..40 {
        body.push_str(&format!("    v{i}: '{{{{ spec | tojson }}}}'\n"));
    }
    let run = build(&body);
    run.assert_refused().assert_located(SPEC, "RAY008");
    assert!(run.stderr.contains("total budget"), "{}", run.shown());
    assert_eq!(run.stderr.matches("total budget").count(), 1, "said once");
}

#[test]
fn many_busy_values_hit_the_build_fuel_budget() {
    // Each value burns most of its own fuel; together they must stop early.
    let mut body = String::from("  entrypoint: python x.py\n  runtimeEnv:\n");
    for i in 0..400 {
        body.push_str(&format!(
            "    v{i}: '{{% for i in range(50000) %}}{{% endfor %}}{i}'\n"
        ));
    }
    let run = build(&body);
    run.assert_refused().assert_located(SPEC, "RAY008");
    assert!(run.stderr.contains("total budget"), "{}", run.shown());
}

#[test]
fn deeply_nested_values_are_refused_not_overflowing_the_stack() {
    let nest = "{% set ns = namespace(x=[]) %}{% for i in range(50000) %}{% set ns.x = [ns.x] %}{% endfor %}";
    for tail in ["{{ ns.x | tojson }}", "{{ ns.x }}", "{{ ns.x | string }}"] {
        let run = build(&entrypoint(&format!("{nest}{tail}")));
        assert_refused_at_entrypoint(&run, "template error");
    }
}

#[test]
fn long_operator_chains_are_refused_before_parsing() {
    let chains = [
        format!("{{{{ {}1 }}}}", "-".repeat(21_000)),
        format!("{{{{ {} }}}}", vec!["1"; 26_000].join("+")),
        format!("{{{{ 1{} }}}}", "|string".repeat(20_000)),
        format!("{{{{ vars{} }}}}", ".a".repeat(30_000)),
        format!("{{{{ {}1{} }}}}", "(".repeat(20_000), ")".repeat(20_000)),
        format!("{{{{ {}1 }}}}", "not ".repeat(20_000)),
    ];
    for chain in chains {
        let run = build(&entrypoint(&chain));
        assert_refused_at_entrypoint(&run, "template");
    }
}

#[test]
fn long_template_text_is_refused() {
    let run = build(&entrypoint(&format!("{{{{ 1 }}}}{}", "x".repeat(70_000))));
    assert_refused_at_entrypoint(&run, "longer than");
}

#[test]
fn include_import_and_extends_say_templates_cannot_use_files() {
    for tag in [
        "{% include \"rayc.yaml\" %}",
        "{% import \"rayc.yaml\" as m %}",
        "{% extends \"rayc.yaml\" %}",
    ] {
        let run = build(&entrypoint(tag));
        assert_refused_at_entrypoint(&run, "cannot include, import or extend other files");
    }
}

#[test]
fn an_overlay_text_patch_is_bounded_too() {
    let overlay = "apiVersion: rayc.dev/v1alpha1\nkind: Overlay\nmetadata:\n  name: big\npatch: |\n  spec:\n    entrypoint: {{ (\"x\" * 600000 ~ \"y\" * 600000) | tojson }}\n";
    let run = build_with(
        PROJECT,
        "  entrypoint: python x.py\n  overlays: [big]\n",
        &[("overlays/big.yaml", overlay)],
    );
    run.assert_refused()
        .assert_located("overlays/big.yaml", "RAY008");
}

#[test]
fn an_ordinary_template_still_renders() {
    // The limits leave real templates alone (the control for the cases above).
    let run = build(&entrypoint(
        "python run.py --n {{ range(10) | map(\"string\") | join(\",\") }} {{ spec.spec.image }}",
    ));
    assert_eq!(run.code, Some(0), "{}", run.shown());
    assert!(
        run.stdout
            .contains("python run.py --n 0,1,2,3,4,5,6,7,8,9 ray"),
        "{}",
        run.shown()
    );
}
