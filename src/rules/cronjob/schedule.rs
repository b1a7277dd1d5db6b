//! `spec.schedule` (a standard 5-field cron line) and `spec.timeZone`.

use crate::load::node::Node;
use crate::rules::registry::Check;
use crate::rules::view::{Obj, child};
use crate::rules::{Input, Sink};

use super::tz_names::TIME_ZONES;

const DESCRIPTORS: &[&str] = &[
    "@yearly",
    "@annually",
    "@monthly",
    "@weekly",
    "@daily",
    "@midnight",
    "@hourly",
];
const MONTHS: &[&str] = &[
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];
const DAYS: &[&str] = &["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

/// One cron field's range and the names it accepts (value of a name = first + index).
struct Field {
    name: &'static str,
    min: u32,
    max: u32,
    names: &'static [&'static str],
}

const FIELDS: [Field; 5] = [
    Field {
        name: "minute",
        min: 0,
        max: 59,
        names: &[],
    },
    Field {
        name: "hour",
        min: 0,
        max: 23,
        names: &[],
    },
    Field {
        name: "day of month",
        min: 1,
        max: 31,
        names: &[],
    },
    Field {
        name: "month",
        min: 1,
        max: 12,
        names: MONTHS,
    },
    Field {
        name: "day of week",
        min: 0,
        max: 6,
        names: DAYS,
    },
];

fn value(text: &str, f: &Field) -> Result<u32, String> {
    let lower = text.to_ascii_lowercase();
    if let Some(i) = f.names.iter().position(|n| *n == lower) {
        return Ok(f.min + i as u32);
    }
    let v: u32 = text
        .parse()
        .map_err(|_| format!("`{text}` is not a valid {}", f.name))?;
    if v < f.min || v > f.max {
        return Err(format!("{} {v} is outside {}-{}", f.name, f.min, f.max));
    }
    Ok(v)
}

fn check_field(text: &str, f: &Field) -> Result<(), String> {
    for part in text.split(',') {
        let (range, step) = match part.split_once('/') {
            Some((r, s)) => (r, Some(s)),
            None => (part, None),
        };
        if let Some(s) = step
            && s.parse::<u32>().map_or(true, |s| s == 0)
        {
            return Err(format!(
                "step `{s}` in the {} field is not a positive number",
                f.name
            ));
        }
        if range == "*" || range == "?" {
            continue;
        }
        let (lo, hi) = match range.split_once('-') {
            Some((a, b)) => (value(a, f)?, value(b, f)?),
            None => {
                let v = value(range, f)?;
                (v, v)
            }
        };
        if lo > hi {
            return Err(format!(
                "range `{range}` in the {} field runs backwards",
                f.name
            ));
        }
    }
    Ok(())
}

/// Checks a schedule the way the operator's cron parser reads it (after any
/// time zone prefix). `Err` says what is wrong.
pub(crate) fn check_schedule(schedule: &str) -> Result<(), String> {
    let s = schedule.trim();
    if s.is_empty() {
        return Err("the schedule is empty".to_owned());
    }
    if let Some(rest) = s.strip_prefix('@') {
        if DESCRIPTORS.contains(&s) {
            return Ok(());
        }
        if let Some(duration) = rest.strip_prefix("every ") {
            return if valid_go_duration(duration.trim()) {
                Ok(())
            } else {
                Err(format!(
                    "`{}` is not a duration such as 1h30m",
                    duration.trim()
                ))
            };
        }
        return Err(format!(
            "`{s}` is not a known descriptor ({})",
            DESCRIPTORS.join(", ")
        ));
    }
    let fields: Vec<&str> = s.split_whitespace().collect();
    if fields.len() != 5 {
        return Err(format!(
            "it has {} fields; a cron schedule has 5 (minute hour day-of-month month day-of-week)",
            fields.len()
        ));
    }
    for (text, f) in fields.iter().zip(FIELDS.iter()) {
        check_field(text, f)?;
    }
    Ok(())
}

/// A Go duration: one or more `<number><unit>` with units ns, us, µs, ms, s, m, h.
fn valid_go_duration(text: &str) -> bool {
    let mut rest = text;
    if rest.is_empty() {
        return false;
    }
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !c.is_ascii_digit() && c != '.')
            .unwrap_or(rest.len());
        if digits == 0 {
            return false;
        }
        rest = &rest[digits..];
        let unit = ["ns", "us", "µs", "ms", "s", "m", "h"]
            .iter()
            .find(|u| rest.starts_with(**u));
        match unit {
            Some(u) => rest = &rest[u.len()..],
            None => return false,
        }
    }
    true
}

fn tz_prefix(schedule: &str) -> Option<&str> {
    let s = schedule.trim_start();
    ["TZ=", "CRON_TZ="]
        .iter()
        .find_map(|p| s.strip_prefix(p))
        .map(|rest| rest.split_whitespace().next().unwrap_or(""))
}

fn cron_jobs<'a>(input: &'a Input<'a>) -> impl Iterator<Item = (&'a Obj<'a>, &'a Node)> {
    input
        .objects
        .iter()
        .filter(|o| o.is("RayCronJob"))
        .filter_map(|o| Some((o, o.spec()?)))
}

declare_rule! {
    /// ## What it does
    /// Checks that a RayCronJob's `schedule` is a standard cron line: five
    /// fields (minute, hour, day of month, month, day of week) with valid
    /// values, ranges, lists and steps, or a descriptor such as `@daily` or
    /// `@every 1h`.
    ///
    /// ## Why is this bad?
    /// The operator rejects a schedule it cannot parse, and the job never
    /// runs; nothing fails at apply time. A six-field line (with seconds) is
    /// a common mistake carried over from other schedulers.
    ///
    /// ## Example
    /// ```yaml
    /// spec:
    ///   schedule: "0 0 2 * * *"
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// spec:
    ///   schedule: "0 2 * * *"
    /// ```
    ///
    /// ## References
    /// - [Cron schedule syntax](https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/#schedule-syntax)
    pub(crate) struct InvalidCronSchedule;
}

impl Check for InvalidCronSchedule {
    fn check(input: &Input, sink: &mut Sink) {
        for (obj, spec) in cron_jobs(input) {
            let Some(node) = child(spec, "schedule") else {
                continue;
            };
            let Some(schedule) = node.as_str() else {
                continue;
            };
            let has_time_zone = child(spec, "timeZone").is_some();
            // The operator prefixes `TZ=<timeZone>` itself; a second prefix breaks parsing.
            let body = match tz_prefix(schedule) {
                Some(_) if has_time_zone => {
                    sink.report(
                        obj,
                        node.pos,
                        "spec.schedule",
                        format!("schedule `{schedule}` names a time zone and spec.timeZone is set too; the operator cannot parse both"),
                        "remove the TZ= prefix from the schedule and keep spec.timeZone",
                    );
                    continue;
                }
                Some(_) => schedule
                    .trim_start()
                    .split_once(char::is_whitespace)
                    .map_or("", |(_, rest)| rest),
                None => schedule,
            };
            if let Err(problem) = check_schedule(body) {
                sink.report(
                    obj,
                    node.pos,
                    "spec.schedule",
                    format!("schedule `{schedule}` is not a valid cron schedule: {problem}"),
                    "use five fields: minute hour day-of-month month day-of-week, e.g. \"0 2 * * *\"",
                );
            }
        }
    }
}

declare_rule! {
    /// ## What it does
    /// Flags a `TZ=` or `CRON_TZ=` prefix in a RayCronJob's `schedule`.
    ///
    /// ## Why is this bad?
    /// `spec.timeZone` is the supported place for the zone: it is validated,
    /// shown by `kubectl`, and the operator adds the prefix itself. A prefix
    /// in the schedule hides the zone from both and breaks as soon as
    /// someone also sets `timeZone`. From KubeRay v1.7 the operator rejects
    /// any `TZ` in the schedule; v1.6 accepts the prefix.
    ///
    /// ## Example
    /// ```yaml
    /// spec:
    ///   schedule: "TZ=Europe/Paris 0 2 * * *"
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// spec:
    ///   schedule: "0 2 * * *"
    ///   timeZone: Europe/Paris
    /// ```
    pub(crate) struct TimeZoneInSchedule;
}

impl Check for TimeZoneInSchedule {
    fn check(input: &Input, sink: &mut Sink) {
        for (obj, spec) in cron_jobs(input) {
            if child(spec, "timeZone").is_some() {
                continue; // reported as an invalid schedule
            }
            let Some(node) = child(spec, "schedule") else {
                continue;
            };
            let Some(zone) = node.as_str().and_then(tz_prefix) else {
                continue;
            };
            sink.report(
                obj,
                node.pos,
                "spec.schedule",
                if sink.refused() {
                    format!("the schedule carries the time zone `{zone}` as a prefix; the operator rejects the RayCronJob")
                } else {
                    format!(
                        "the schedule carries the time zone `{zone}` as a prefix; KubeRay {} accepts it (it is refused from v1.7)",
                        sink.version()
                    )
                },
                format!("move it to spec.timeZone: {zone}, and keep only the five cron fields in schedule"),
            );
        }
    }
}

pub(crate) fn is_time_zone(name: &str) -> bool {
    name == "Local" || TIME_ZONES.binary_search(&name).is_ok()
}

declare_rule! {
    /// ## What it does
    /// Checks that a RayCronJob's `timeZone` is an IANA time zone name such
    /// as `Europe/Paris`, `America/New_York` or `UTC`.
    ///
    /// ## Why is this bad?
    /// The operator cannot load an unknown zone, rejects the schedule, and
    /// the job never runs. Abbreviations such as `CEST` or offsets such as
    /// `+02:00` are not zone names.
    ///
    /// ## Example
    /// ```yaml
    /// spec:
    ///   schedule: "0 2 * * *"
    ///   timeZone: CEST
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// spec:
    ///   schedule: "0 2 * * *"
    ///   timeZone: Europe/Paris
    /// ```
    ///
    /// ## References
    /// - [List of tz database time zones](https://en.wikipedia.org/wiki/List_of_tz_database_time_zones)
    pub(crate) struct InvalidTimeZone;
}

impl Check for InvalidTimeZone {
    fn check(input: &Input, sink: &mut Sink) {
        for (obj, spec) in cron_jobs(input) {
            let mut zones: Vec<(&Node, &str, &str)> = Vec::new();
            if let Some(node) = child(spec, "timeZone")
                && let Some(zone) = node.as_str()
            {
                zones.push((node, zone, "spec.timeZone"));
            }
            if let Some(node) = child(spec, "schedule")
                && let Some(zone) = node.as_str().and_then(tz_prefix)
            {
                zones.push((node, zone, "spec.schedule"));
            }
            for (node, zone, path) in zones {
                if is_time_zone(zone) {
                    continue;
                }
                let close = TIME_ZONES
                    .iter()
                    .find(|z| z.eq_ignore_ascii_case(zone) || strsim::levenshtein(z, zone) <= 2);
                let help = match close {
                    Some(z) => format!("did you mean `{z}`? use an IANA zone name"),
                    None => "use an IANA zone name such as Europe/Paris or UTC".to_owned(),
                };
                sink.report(
                    obj,
                    node.pos,
                    path,
                    format!("`{zone}` is not a known time zone"),
                    help,
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedules() {
        for ok in [
            "* * * * *",
            "0 2 * * *",
            "*/15 0-6,22-23 1 jan-mar MON-FRI",
            "@daily",
            "@every 1h30m",
            "0 0 ? * sun",
        ] {
            assert_eq!(check_schedule(ok), Ok(()), "{ok}");
        }
        for bad in [
            "",
            "0 0 2 * * *",
            "60 * * * *",
            "* 24 * * *",
            "* * 0 * *",
            "* * * 13 *",
            "* * * * 7",
            "*/0 * * * *",
            "5-1 * * * *",
            "@often",
            "@every soon",
        ] {
            assert!(check_schedule(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn time_zones() {
        assert!(is_time_zone("Europe/Paris"));
        assert!(is_time_zone("UTC"));
        assert!(is_time_zone("Etc/GMT+5"));
        assert!(!is_time_zone("CEST"));
        assert!(!is_time_zone("europe/paris"));
        assert!(
            TIME_ZONES.windows(2).all(|w| w[0] < w[1]),
            "TIME_ZONES must stay sorted"
        );
    }
}
