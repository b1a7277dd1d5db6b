//! The Kubernetes resource-quantity grammar, as Go's `resource.ParseQuantity`
//! accepts it: `<sign>?<digits>[.<digits>]<suffix>` with a binary-SI suffix
//! (`Ki`…`Ei`), a decimal-SI suffix (`n u m k M G T P E`) or an integer
//! exponent (`e3`, `E-2`). No regex, no allocation; depends on nothing.

/// A well-formed quantity.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Quantity {
    /// Below zero (`"-1"`; `"-0"` is not negative).
    pub negative: bool,
    /// The value as a float, for comparisons (`"500m"` is 0.5, `"1Gi"` is 1073741824).
    pub value: f64,
}

/// Parses `text`; the error says what is wrong, in a few words.
pub fn parse(text: &str) -> Result<Quantity, &'static str> {
    let bytes = text.as_bytes();
    if bytes.is_empty() {
        return Err("it is empty");
    }
    let mut i = 0;
    let mut sign = 1.0;
    if let Some(&b) = bytes.first()
        && (b == b'+' || b == b'-')
    {
        if b == b'-' {
            sign = -1.0;
        }
        i += 1;
    }
    let number_start = i;
    let mut digits = 0;
    let mut all_zero = true;
    while i < bytes.len() && bytes[i].is_ascii_digit() {
        all_zero &= bytes[i] == b'0';
        digits += 1;
        i += 1;
    }
    if i < bytes.len() && bytes[i] == b'.' {
        i += 1;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            all_zero &= bytes[i] == b'0';
            digits += 1;
            i += 1;
        }
    }
    if digits == 0 {
        return Err("it does not start with a number");
    }
    let mantissa: f64 = text[number_start..i].parse().unwrap_or(0.0);
    let scale = suffix_scale(&text[i..])?;
    Ok(Quantity {
        negative: sign < 0.0 && !all_zero,
        value: sign * mantissa * scale,
    })
}

/// The multiplier a suffix stands for, or why it is not a suffix.
fn suffix_scale(suffix: &str) -> Result<f64, &'static str> {
    let scale = match suffix {
        "" => 1.0,
        "n" => 1e-9,
        "u" => 1e-6,
        "m" => 1e-3,
        "k" => 1e3,
        "M" => 1e6,
        "G" => 1e9,
        "T" => 1e12,
        "P" => 1e15,
        "E" => 1e18,
        "Ki" => 1024f64,
        "Mi" => 1024f64.powi(2),
        "Gi" => 1024f64.powi(3),
        "Ti" => 1024f64.powi(4),
        "Pi" => 1024f64.powi(5),
        "Ei" => 1024f64.powi(6),
        _ => {
            let exponent = suffix
                .strip_prefix('e')
                .or_else(|| suffix.strip_prefix('E'))
                .ok_or(match suffix {
                    "K" | "KB" | "kb" | "Kb" => "the suffix for 1000 is a lower-case \"k\" (or \"Ki\" for 1024)",
                    "MB" | "GB" | "TB" | "mb" | "gb" | "Mb" | "Gb" => "byte suffixes are \"M\", \"G\", \"T\" or \"Mi\", \"Gi\", \"Ti\", without \"B\"",
                    "mi" | "gi" | "ki" | "ti" => "binary suffixes are capitalised: \"Ki\", \"Mi\", \"Gi\", \"Ti\"",
                    _ => "it has an unknown suffix",
                })?;
            let unsigned = exponent.strip_prefix(['+', '-']).unwrap_or(exponent);
            if unsigned.is_empty() || !unsigned.bytes().all(|b| b.is_ascii_digit()) {
                return Err("its exponent is not a whole number");
            }
            let power: i32 = exponent.parse().map_err(|_| "its exponent is too large")?;
            10f64.powi(power)
        }
    };
    Ok(scale)
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_the_kubernetes_forms() {
        for ok in [
            "0", "1", "+1", "500m", "0.5", ".5", "5.", "1Gi", "512Mi", "1Ki", "2Ei", "1e3", "1E-2",
            "1e+3", "100n", "3u", "1k", "1M", "1G", "1T", "1P", "1E", "-0",
        ] {
            let q = parse(ok).unwrap_or_else(|e| panic!("{ok}: {e}"));
            assert!(!q.negative, "{ok}");
        }
        assert_eq!(parse("500m").unwrap().value, 0.5);
        assert_eq!(parse("1Gi").unwrap().value, 1073741824.0);
        assert_eq!(parse("2k").unwrap().value, 2000.0);
        assert_eq!(parse("1e3").unwrap().value, 1000.0);
    }

    #[test]
    fn flags_negative_values() {
        assert!(parse("-1").unwrap().negative);
        assert!(parse("-500m").unwrap().negative);
        assert!(parse("-.5Gi").unwrap().negative);
    }

    #[test]
    fn rejects_malformed_values() {
        for bad in [
            "",
            ".",
            "-",
            "+",
            "abc",
            "1 Gi",
            " 1",
            "1GB",
            "1K",
            "1gi",
            "1e",
            "1e1.5",
            "1ee",
            "1.2.3",
            "Gi",
            "0x10",
            "1Gii",
            "1e99999999999",
        ] {
            assert!(parse(bad).is_err(), "{bad:?} should be rejected");
        }
        assert!(parse("1K").unwrap_err().contains("lower-case"));
    }

    #[test]
    fn float_help_suggests_millis() {
        assert_eq!(float_help(0.5), "write \"500m\" (or \"0.5\" quoted)");
        assert_eq!(float_help(1.25), "write \"1250m\" (or \"1.25\" quoted)");
        assert_eq!(float_help(2.0), "write 2 (an integer) or \"2\"");
        assert_eq!(
            float_help(0.0001),
            "write it as a quoted string: \"0.0001\""
        );
    }
}
