//! Replays the committed fuzz corpus (`fuzz/corpus/<target>/`) through the
//! same entry functions the `cargo fuzz` targets call, on stable Rust, so
//! every input a fuzzer once kept is re-run in CI. See docs/fuzzing.md.

use std::path::Path;

fn replay(target: &str, entry: fn(&[u8])) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("corpus entry").path())
        .collect();
    files.sort();
    assert!(
        files.len() >= 10,
        "{}: only {} corpus files",
        dir.display(),
        files.len()
    );
    for file in files {
        let data = std::fs::read(&file).expect("corpus file");
        eprintln!("replaying {}", file.display());
        entry(&data);
    }
}

#[test]
fn loader_corpus() {
    replay("load", rayc::fuzz::load);
}

#[test]
fn validator_corpus() {
    replay("validate", rayc::fuzz::validate);
}

#[test]
fn template_corpus() {
    replay("template", rayc::fuzz::template);
}

#[test]
fn emit_round_trip_corpus() {
    replay("emit_round_trip", rayc::fuzz::emit_round_trip);
}
