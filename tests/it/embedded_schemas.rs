//! The schemas rayc embeds (`src/model/schemas/`) are exactly what the typed
//! models derive: a model change without regenerating them fails here.
//! `RAYC_BLESS=1 cargo test --test it embedded_schemas` rewrites the files.

use std::path::Path;

use rayc::model::embedded;

#[test]
fn embedded_schemas_are_current() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/model/schemas");
    let bless = std::env::var_os("RAYC_BLESS").is_some();
    let mut stale = Vec::new();
    for (api_version, kind, file) in embedded::files() {
        let derived = embedded::derive(api_version, kind).expect("a kind the models know");
        let embedded = embedded::text(api_version, kind).expect("embedded");
        if derived != embedded {
            if bless {
                std::fs::write(dir.join(file), &derived).expect("write schema");
            }
            stale.push(file);
        }
        assert!(
            embedded::schema(api_version, kind).is_some() || bless,
            "{file} does not parse"
        );
    }
    assert!(
        stale.is_empty() || bless,
        "stale embedded schemas {stale:?}: run `RAYC_BLESS=1 cargo test --test it embedded_schemas` and commit"
    );
}

#[test]
fn unknown_kinds_have_no_embedded_schema() {
    assert!(embedded::text("v1", "Pod").is_none());
    assert!(embedded::schema("ray.io/v1", "Pod").is_none());
    assert!(embedded::derive("ray.io/v1", "Pod").is_none());
}
