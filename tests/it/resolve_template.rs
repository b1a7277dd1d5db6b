//! Sandboxed templating of spec values: types, context, errors, sandbox limits.

use crate::helpers;

use std::collections::BTreeMap;

use helpers::*;
use serde_json::json;

const HEAD: &str = "apiVersion: rayc.dev/v1alpha1\nkind: RayJob\nmetadata:\n  name: job\n";

fn spec(body: &str) -> String {
    format!("{HEAD}spec:\n{body}")
}

fn vars_project() -> rayc::model::project::Project {
    project(concat!(
        "vars:\n  registry: reg.example.com\n  tag: '2.9.3'\n  replicas: 3\n  debug: true\n",
        "  zones: [a, b]\n  limits: {b: 2, a: 1}\n  evil: '{{ vars.registry }}'\n",
        "environments:\n  prod:\n    vars: {tag: '2.10.0'}\n",
    ))
}

#[test]
fn a_lone_expression_keeps_its_type() {
    let r = resolve_ok(
        &vars_project(),
        &spec(concat!(
            "  workers:\n    - name: w\n      replicas: '{{ vars.replicas }}'\n      suspend: \"{{ vars.debug }}\"\n",
            "  runtimeEnv:\n    zones: '{{ vars.zones }}'\n    limits: '{{- vars.limits -}}'\n    sum: '{{ vars.replicas + 1 }}'\n    half: '{{ vars.replicas / 2 }}'\n",
        )),
        &overlays(&[]),
    );
    let doc = r.doc.to_json();
    assert_eq!(at(&doc, "spec.workers.0.replicas"), &json!(3));
    assert_eq!(at(&doc, "spec.workers.0.suspend"), &json!(true));
    assert_eq!(
        at(&doc, "spec.runtimeEnv"),
        &json!({"zones": ["a", "b"], "limits": {"a": 1, "b": 2}, "sum": 4, "half": 1.5})
    );
}

#[test]
fn text_around_expressions_gives_a_string() {
    let r = resolve_ok(
        &vars_project(),
        &spec(
            "  image: '{{ vars.registry }}/ray:{{ vars.tag }}'\n  entrypoint: 'python run.py --n {{ vars.replicas }}'\n",
        ),
        &overlays(&[]),
    );
    let doc = r.doc.to_json();
    assert_eq!(at(&doc, "spec.image"), "reg.example.com/ray:2.9.3");
    assert_eq!(at(&doc, "spec.entrypoint"), "python run.py --n 3");
}

#[test]
fn environment_vars_override_project_vars_and_env_has_the_name() {
    let p = vars_project();
    let body = spec("  image: 'ray:{{ vars.tag }}-{{ env.name }}'\n");
    let r = resolve_with(
        Run {
            project: &p,
            env: Some("prod"),
            process_env: None,
        },
        &body,
        &overlays(&[]),
    )
    .unwrap();
    assert_eq!(at(&r.doc.to_json(), "spec.image"), "ray:2.10.0-prod");
    let r = resolve_ok(
        &p,
        &spec("  image: \"{{ 'ray-' ~ env.name if env is defined else 'ray' }}\"\n"),
        &overlays(&[]),
    );
    assert_eq!(at(&r.doc.to_json(), "spec.image"), "ray");
}

#[test]
fn env_is_undefined_without_an_environment() {
    let diags = resolve_err(
        &vars_project(),
        None,
        &spec("  rayVersion: '2.9.3'\n  image: 'ray:{{ env.name }}'\n"),
        &overlays(&[]),
    );
    let d = only(&diags);
    assert_eq!(d.code, "RAY008");
    assert_eq!((d.file.as_str(), d.pos.line, d.pos.col), (SPEC_FILE, 7, 10));
    assert_eq!(d.path.as_deref(), Some("spec.image"));
    assert!(d.message.contains("undefined"), "{}", d.message);
    assert!(
        d.help
            .as_deref()
            .unwrap()
            .contains("no environment is selected"),
        "{:?}",
        d.help
    );
}

#[test]
fn an_undefined_variable_is_an_error_at_the_line_of_the_string() {
    let diags = resolve_err(
        &vars_project(),
        None,
        &spec(
            "  image: 'ray'\n  workers:\n    - name: w\n      replicas: '{{ vars.replica }}'\n    - name: v\n      image: 'x/{{ vars.nope }}'\n",
        ),
        &overlays(&[]),
    );
    assert_eq!(diags.len(), 2, "{}", render(&diags));
    assert_eq!(
        (diags[0].pos.line, diags[0].path.as_deref()),
        (9, Some("spec.workers[0].replicas"))
    );
    assert!(
        diags[0].message.contains("`vars.replica` is undefined"),
        "{}",
        diags[0].message
    );
    assert_eq!(
        (diags[1].pos.line, diags[1].path.as_deref()),
        (11, Some("spec.workers[1].image"))
    );
    assert!(
        diags[1].message.contains("undefined value"),
        "{}",
        diags[1].message
    );
    assert!(diags[1].help.as_deref().unwrap().contains("`vars`"));
}

#[test]
fn only_allow_listed_process_variables_are_visible() {
    let p = project("allowEnv: [RAYC_TAG, RAYC_UNSET]\n");
    let env: BTreeMap<String, String> = [("RAYC_TAG", "v7"), ("SECRET_TOKEN", "hunter2")]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    let run = |body: &str| {
        resolve_with(
            Run {
                project: &p,
                env: None,
                process_env: Some(&env),
            },
            &spec(body),
            &overlays(&[]),
        )
    };
    let r = run("  image: 'ray:{{ env_var.RAYC_TAG }}'\n").unwrap();
    assert_eq!(at(&r.doc.to_json(), "spec.image"), "ray:v7");
    for body in [
        "  image: '{{ env_var.SECRET_TOKEN }}'\n",
        "  image: 'x{{ env_var.RAYC_UNSET }}'\n",
    ] {
        let diags = run(body).unwrap_err();
        let d = only(&diags);
        assert_eq!(d.code, "RAY008");
        assert!(d.help.as_deref().unwrap().contains("allowEnv"));
        assert!(!render(&diags).contains("hunter2"), "never echo values");
    }
}

#[test]
fn allow_listed_variables_come_from_the_process_environment() {
    let Ok(path) = std::env::var("PATH") else {
        return;
    };
    let p = project("allowEnv: [PATH]\n");
    let r = resolve_ok(
        &p,
        &spec("  entrypoint: '{{ env_var.PATH }}'\n"),
        &overlays(&[]),
    );
    assert_eq!(at(&r.doc.to_json(), "spec.entrypoint"), path.as_str());
    let r = resolve_ok(
        &project(""),
        &spec("  entrypoint: \"{{ env_var.PATH is defined }}\"\n"),
        &overlays(&[]),
    );
    assert_eq!(
        at(&r.doc.to_json(), "spec.entrypoint"),
        false,
        "not allow-listed: invisible"
    );
}

#[test]
fn templates_cannot_reach_files_or_other_templates() {
    for body in [
        "  entrypoint: \"{% include 'rayc.yaml' %}\"\n",
        "  entrypoint: \"{% import 'x.j2' as x %}\"\n",
        "  entrypoint: \"{% extends '/etc/passwd' %}\"\n",
        "  entrypoint: \"{% from 'x' import y %}\"\n",
    ] {
        let diags = resolve_err(&project(""), None, &spec(body), &overlays(&[]));
        assert_eq!(only(&diags).code, "RAY008", "{body}");
    }
}

#[test]
fn templates_have_no_clock_randomness_or_debug_dump() {
    for (body, expected) in [
        ("  entrypoint: '{{ now() }}'\n", "unknown function"),
        ("  entrypoint: 'x {{ random() }}'\n", "unknown function"),
        ("  entrypoint: 'x {{ debug() }}'\n", "unknown function"),
        (
            "  entrypoint: 'x {{ [1, 2] | shuffle }}'\n",
            "unknown filter",
        ),
    ] {
        let diags = resolve_err(&project(""), None, &spec(body), &overlays(&[]));
        assert!(
            only(&diags).message.contains(expected),
            "{body}: {}",
            render(&diags)
        );
    }
}

#[test]
fn a_runaway_loop_is_stopped() {
    let diags = resolve_err(
        &project(""),
        None,
        &spec(
            "  entrypoint: '{% for a in range(10000) %}{% for b in range(10000) %}x{% endfor %}{% endfor %}'\n",
        ),
        &overlays(&[]),
    );
    assert!(
        only(&diags).message.contains("does too much work"),
        "{}",
        render(&diags)
    );
}

#[test]
fn huge_output_is_refused() {
    let diags = resolve_err(
        &project(""),
        None,
        &spec("  entrypoint: \"{{ 'x' * 2000000 }} \"\n"),
        &overlays(&[]),
    );
    assert!(
        only(&diags).message.contains("larger than"),
        "{}",
        render(&diags)
    );
}

#[test]
fn syntax_errors_are_reported() {
    let diags = resolve_err(
        &project(""),
        None,
        &spec("  image: '{{ vars.registry '\n"),
        &overlays(&[]),
    );
    let d = only(&diags);
    assert_eq!((d.code.as_str(), d.pos.line), ("RAY008", 6));
    assert!(d.message.contains("syntax error"), "{}", d.message);
}

#[test]
fn fail_stops_with_its_message() {
    let diags = resolve_err(
        &project(""),
        None,
        &spec("  image: \"{{ fail('pick an image') }}\"\n"),
        &overlays(&[]),
    );
    assert!(
        only(&diags).message.contains("pick an image"),
        "{}",
        render(&diags)
    );
}

#[test]
fn tojson_is_compact_and_sorted() {
    let r = resolve_ok(
        &vars_project(),
        &spec("  entrypoint: 'run {{ vars.limits | tojson }} {{ vars.zones | tojson }}'\n"),
        &overlays(&[]),
    );
    assert_eq!(
        at(&r.doc.to_json(), "spec.entrypoint"),
        r#"run {"a":1,"b":2} ["a","b"]"#
    );
}

#[test]
fn rendered_values_are_not_rendered_again() {
    let r = resolve_ok(
        &vars_project(),
        &spec("  entrypoint: '{{ vars.evil }}'\n  image: \"{{ '{{' }} raw\"\n"),
        &overlays(&[]),
    );
    let doc = r.doc.to_json();
    assert_eq!(at(&doc, "spec.entrypoint"), "{{ vars.registry }}");
    assert_eq!(at(&doc, "spec.image"), "{{ raw");
}

#[test]
fn keys_are_not_templated_and_plain_strings_are_untouched() {
    let r = resolve_ok(
        &vars_project(),
        &spec("  runtimeEnv:\n    '{{ vars.tag }}': plain { text } with $1 and ${VAR}\n"),
        &overlays(&[]),
    );
    assert_eq!(
        at(&r.doc.to_json(), "spec.runtimeEnv"),
        &json!({"{{ vars.tag }}": "plain { text } with $1 and ${VAR}"})
    );
}

#[test]
fn spec_is_the_document_as_written() {
    let r = resolve_ok(
        &project("defaults:\n  spec:\n    rayVersion: '2.9.3'\n"),
        &spec(
            "  image: 'rayproject/ray:{{ spec.spec.rayVersion }}'\n  entrypoint: 'echo {{ spec.metadata.name }} {{ spec.kind }}'\n",
        ),
        &overlays(&[]),
    );
    let doc = r.doc.to_json();
    assert_eq!(at(&doc, "spec.image"), "rayproject/ray:2.9.3");
    assert_eq!(at(&doc, "spec.entrypoint"), "echo job RayJob");
}

#[test]
fn templates_in_project_defaults_are_rendered_and_reported_against_the_project_file() {
    let p = project(
        "vars: {tag: '2.9.3'}\ndefaults:\n  labels: {team: '{{ vars.tag }}'}\n  spec:\n    image: 'ray:{{ vars.tag }}'\n",
    );
    let r = resolve_ok(&p, &spec("  entrypoint: x\n"), &overlays(&[]));
    let doc = r.doc.to_json();
    assert_eq!(at(&doc, "spec.image"), "ray:2.9.3");
    assert_eq!(at(&doc, "metadata.labels.team"), "2.9.3");

    let p = project(
        "defaults:\n  labels: {team: '{{ vars.team }}'}\n  spec:\n    image: 'ray:{{ vars.tag }}'\n",
    );
    let diags = resolve_err(&p, None, &spec("  entrypoint: x\n"), &overlays(&[]));
    assert_eq!(diags.len(), 2, "{}", render(&diags));
    assert!(
        diags
            .iter()
            .all(|d| d.file == "rayc.yaml" && d.code == "RAY008")
    );
    let paths: Vec<_> = diags.iter().map(|d| d.path.clone().unwrap()).collect();
    assert_eq!(paths, ["defaults.labels.team", "defaults.spec.image"]);
    assert!(
        diags[1].message.contains("(project defaults)"),
        "{}",
        diags[1].message
    );
}

#[test]
fn template_errors_in_overlay_parameters_point_at_the_parameter() {
    let diags = resolve_err(
        &project(""),
        None,
        &spec("  overlays:\n    - gpu: {count: '{{ vars.gpus }}'}\n"),
        &overlays(&[]),
    );
    let d = only(&diags);
    assert_eq!(
        (d.pos.line, d.path.as_deref()),
        (7, Some("spec.overlays[0].gpu.count"))
    );
    let r = resolve_ok(
        &vars_project(),
        &spec("  overlays:\n    - gpu: {count: '{{ vars.replicas }}'}\n"),
        &overlays(&[]),
    );
    assert_eq!(
        at(&r.doc.to_json(), "spec.workerDefaults.gpu"),
        3,
        "typed parameter from a template"
    );
}

#[test]
fn output_is_the_same_every_time() {
    let body = spec(
        "  overlays: [gpu, ingress]\n  image: '{{ vars.registry }}/ray'\n  runtimeEnv: '{{ vars.limits }}'\n",
    );
    let first = serde_json::to_string(
        &resolve_ok(&vars_project(), &body, &overlays(&[]))
            .doc
            .to_json(),
    )
    .unwrap();
    for _ in 0..20 {
        let again = serde_json::to_string(
            &resolve_ok(&vars_project(), &body, &overlays(&[]))
                .doc
                .to_json(),
        )
        .unwrap();
        assert_eq!(first, again);
    }
}
