//! GCS fault tolerance (rules.md 26): `gcsFaultToleranceOptions` against the
//! older annotation and environment variables it replaces.

mod gcs;

pub(crate) use gcs::*;
