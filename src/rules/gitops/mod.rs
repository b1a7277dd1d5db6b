//! GitOps (rules.md 27-28): text Flux would substitute, and an empty output.

mod empty;
mod flux;

pub(crate) use empty::*;
pub(crate) use flux::*;
