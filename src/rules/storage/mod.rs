//! Storage and code sources (rules.md 24-25): ReadWriteOnce claims shared
//! by several pods, and unpinned git sources.

mod git_sources;
mod pvc_sharing;

pub(crate) use git_sources::*;
pub(crate) use pvc_sharing::*;
