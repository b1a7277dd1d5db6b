//! RayCronJob (rules.md 23): the schedule and the time zone. Its job
//! template gets every RayJob rule through `view::jobs`.

mod schedule;
mod tz_names;

pub(crate) use schedule::*;
