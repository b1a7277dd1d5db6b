//! Numbers and bounds (rules.md 1-3): replica bounds, durations and
//! deadlines, host counts, ports, int32 ranges, negative quantities and
//! requests above limits.

mod durations;
mod numbers;
mod quantities;
mod replicas;
mod requests;

pub(crate) use durations::*;
pub(crate) use numbers::*;
pub(crate) use quantities::*;
pub(crate) use replicas::*;
pub(crate) use requests::*;
