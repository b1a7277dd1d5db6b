//! The one integration-test binary (issue 13 item 9): every suite is a
//! module here, so `cargo test` links rayc once instead of once per file.
//! Only two suites stay apart in `tests/`: `zz_oracle_skips.rs` must run
//! after this binary (cargo runs test binaries in name order) and
//! `pre_commit.rs` is ignored here and runs as its own CI step.

mod support;
// The `resolve_*` suites name their helpers `crate::helpers`.
use support::resolve as helpers;

mod argocd_cmp;
mod argocd_health;
mod cli;
mod cli_docs;
mod cli_output;
mod cli_usage;
mod concurrency;
mod diff;
mod docs_output;
mod editor_schemas;
mod embedded_schemas;
mod emit_bench;
mod emit_out_dir;
mod emit_yaml;
mod feature_gates;
mod fuzz_corpus;
mod gitops_cli;
mod golden;
mod hostile;
mod hostile_input;
mod hostile_output;
mod hostile_semantics;
mod hostile_templates;
mod import;
mod kuberay_model;
mod lower;
mod mutations;
mod parallel;
mod render;
mod resolve_builtins;
mod resolve_environments;
mod resolve_merge;
mod resolve_overlays;
mod resolve_template;
mod rules;
mod spec_docs;
mod tidy;
mod tutorial_equivalence;
mod validate_api_versions;
mod validation_samples;
