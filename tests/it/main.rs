//! One integration-test binary for the suites that test the library in
//! process (issue 13 item 9): one link of rayc instead of one per file.
//! Suites that run the binary, need their own process (environment, working
//! folder, global state) or must run last (`zz_oracle_skips.rs`) stay apart
//! in `tests/`.

#[path = "../resolve/helpers.rs"]
mod helpers;

mod embedded_schemas;
mod emit_out_dir;
mod emit_yaml;
mod fuzz_corpus;
mod lower;
mod resolve_builtins;
mod resolve_environments;
mod resolve_merge;
mod resolve_overlays;
mod resolve_template;
mod tidy;
