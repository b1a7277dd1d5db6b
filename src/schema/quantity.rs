//! Help for quantities written as floats.

/// What to write instead of a float quantity: `"500m"` for 0.5, `2` for 2.0.
pub fn float_help(value: f64) -> String {
    let millis = value * 1000.0;
    if value.is_finite() && value.fract() == 0.0 && value.abs() < 1e15 {
        format!(
            "write {} (an integer) or \"{}\"",
            value as i64, value as i64
        )
    } else if value.is_finite() && (millis - millis.round()).abs() < 1e-6 && millis.abs() < 1e15 {
        format!(
            "write \"{}m\" (or \"{value}\" quoted)",
            millis.round() as i64
        )
    } else {
        format!("write it as a quoted string: \"{value}\"")
    }
}
