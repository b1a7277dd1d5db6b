//! Numbers and bounds (rules.md 1-3): replica bounds, durations and
//! deadlines, host counts, ports, int32 ranges and negative quantities.

mod durations;
mod numbers;
mod quantities;
mod replicas;

pub(crate) use durations::*;
pub(crate) use numbers::*;
pub(crate) use quantities::*;
pub(crate) use replicas::*;
