//! Images and versions (rules.md 10-12): rayVersion against image tags, one
//! registry, image and Ray version across groups, placeholders, auth version floors.

mod auth;
mod consistency;
pub(crate) mod image_ref;
mod placeholders;
mod ray_version;

pub(crate) use auth::*;
pub(crate) use consistency::*;
pub(crate) use placeholders::*;
pub(crate) use ray_version::*;
