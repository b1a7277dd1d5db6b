//! Images and versions (rules.md 10-12): rayVersion against image tags, one
//! registry and Ray version across groups, placeholders, auth version floors.

pub(crate) mod image_ref;
