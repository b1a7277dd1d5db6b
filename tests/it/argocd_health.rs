//! `rayc argocd health` and the embedded health checks: the printed argocd-cm
//! patch carries exactly the Lua files under deploy/argocd/, one per ray.io
//! kind, and the Flux expressions are exactly the files under deploy/flux/.
//! The checks' behaviour is tested in gopher-lua and Flux's CEL reader by
//! tests/go/health (see .ci/run).

use std::collections::BTreeMap;
use std::path::Path;

use crate::support::run::Rayc;
use rayc::model::kuberay::KINDS;

const LUA_ROOT: &str = "deploy/argocd/resource_customizations/ray.io";
const CEL_ROOT: &str = "deploy/flux/health_check_exprs";

fn rayc(args: &[&str]) -> std::process::Output {
    Rayc::new(Path::new(env!("CARGO_MANIFEST_DIR")), args)
        .command()
        .output()
        .expect("run rayc")
}

fn repo(path: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// The kind folders under `root`, sorted.
fn kind_dirs(root: &str) -> Vec<String> {
    let mut kinds: Vec<String> = std::fs::read_dir(repo(root))
        .expect("read kind folders")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    kinds.sort();
    kinds
}

fn sorted_kinds() -> Vec<String> {
    let mut kinds: Vec<String> = KINDS.iter().map(|k| (*k).to_owned()).collect();
    kinds.sort();
    kinds
}

#[test]
fn health_prints_the_argocd_cm_patch_with_every_lua_file() {
    let out = rayc(&["argocd", "health"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stderr.is_empty(),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).expect("UTF-8");
    assert!(
        stdout
            .starts_with("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: argocd-cm\ndata:\n"),
        "{stdout}"
    );

    let patch: serde_json::Value = serde_saphyr::from_str(&stdout).expect("stdout is YAML");
    let data: BTreeMap<String, String> =
        serde_json::from_value(patch["data"].clone()).expect("data holds strings");
    let expected: BTreeMap<String, String> = kind_dirs(LUA_ROOT)
        .into_iter()
        .map(|kind| {
            let lua = std::fs::read_to_string(repo(&format!("{LUA_ROOT}/{kind}/health.lua")))
                .expect("read health.lua");
            (format!("resource.customizations.health.ray.io_{kind}"), lua)
        })
        .collect();
    // Byte for byte: the YAML block scalars must round-trip every script.
    assert_eq!(data, expected);
}

#[test]
fn health_output_is_deterministic() {
    assert_eq!(
        rayc(&["argocd", "health"]).stdout,
        rayc(&["argocd", "health"]).stdout
    );
}

#[test]
fn every_kuberay_kind_has_a_lua_check_and_flux_expressions() {
    let kinds = sorted_kinds();
    assert_eq!(kind_dirs(LUA_ROOT), kinds);
    assert_eq!(kind_dirs(CEL_ROOT), kinds);
    let lua: Vec<&str> = rayc::argocd::health::lua_checks()
        .iter()
        .map(|(k, _)| *k)
        .collect();
    assert_eq!(lua, kinds);
    let cel: Vec<&str> = rayc::flux::health::health_check_exprs()
        .iter()
        .map(|e| e.kind)
        .collect();
    assert_eq!(cel, kinds);
}

#[test]
fn flux_expressions_are_the_cel_files() {
    for e in rayc::flux::health::health_check_exprs() {
        assert_eq!(e.api_version, "ray.io/v1");
        for (name, expr) in [
            ("current", e.current),
            ("inProgress", e.in_progress),
            ("failed", e.failed),
        ] {
            let file = std::fs::read_to_string(repo(&format!("{CEL_ROOT}/{}/{name}.cel", e.kind)))
                .expect("read .cel");
            assert_eq!(expr, file.trim_end(), "{}/{name}.cel", e.kind);
            assert!(!expr.is_empty() && !expr.ends_with('\n'));
        }
    }
}

#[test]
fn argocd_without_a_subcommand_is_a_usage_error() {
    let out = rayc(&["argocd"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("health"));
}

#[test]
fn health_takes_no_arguments() {
    let out = rayc(&["argocd", "health", "extra"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("extra"));
}
