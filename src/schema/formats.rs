//! The `format`s that are cheap to check: integer widths, RFC 3339
//! `date-time` and base64 `byte`. Unknown formats are accepted, as JSON
//! Schema says. Depends on nothing.

/// The inclusive range of an integer `format`, if it names one.
pub fn integer_range(format: &str) -> Option<(i128, i128)> {
    let range = match format {
        "int8" => (i8::MIN as i128, i8::MAX as i128),
        "int16" => (i16::MIN as i128, i16::MAX as i128),
        "int32" => (i32::MIN as i128, i32::MAX as i128),
        "int64" => (i64::MIN as i128, i64::MAX as i128),
        "uint8" => (0, u8::MAX as i128),
        "uint16" => (0, u16::MAX as i128),
        "uint32" => (0, u32::MAX as i128),
        "uint64" | "uint" => (0, u64::MAX as i128),
        "int" => (i64::MIN as i128, i64::MAX as i128),
        _ => return None,
    };
    Some(range)
}

/// A short description of an integer format for messages.
pub fn integer_kind(format: &str) -> &'static str {
    match format {
        "int8" => "an 8-bit integer",
        "int16" => "a 16-bit integer",
        "int32" => "a 32-bit integer",
        "int64" | "int" => "a 64-bit integer",
        "uint8" => "an unsigned 8-bit integer",
        "uint16" => "an unsigned 16-bit integer",
        "uint32" => "an unsigned 32-bit integer",
        _ => "an unsigned integer",
    }
}

/// Whether `text` is valid for a string `format`; `None` for formats not checked.
pub fn check_string(format: &str, text: &str) -> Option<bool> {
    match format {
        "date-time" => Some(is_date_time(text)),
        "date" => Some(is_date(text.as_bytes())),
        "byte" => Some(is_base64(text)),
        _ => None,
    }
}

/// What a string `format` expects, for the help line.
pub fn string_help(format: &str) -> &'static str {
    match format {
        "date-time" => "use an RFC 3339 timestamp such as 2024-01-31T12:00:00Z",
        "date" => "use a date such as 2024-01-31",
        "byte" => "use base64-encoded data",
        _ => "",
    }
}

fn digits(b: &[u8]) -> Option<u32> {
    if b.is_empty() || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    b.iter().try_fold(0u32, |acc, d| {
        acc.checked_mul(10)?.checked_add(u32::from(d - b'0'))
    })
}

fn is_date(b: &[u8]) -> bool {
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let (Some(_year), Some(month), Some(day)) =
        (digits(&b[0..4]), digits(&b[5..7]), digits(&b[8..10]))
    else {
        return false;
    };
    (1..=12).contains(&month) && (1..=31).contains(&day)
}

/// RFC 3339: `YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)`.
fn is_date_time(text: &str) -> bool {
    let b = text.as_bytes();
    if b.len() < 20 || !is_date(&b[..10]) || !matches!(b[10], b'T' | b't' | b' ') {
        return false;
    }
    let time = &b[11..];
    if time.len() < 9 || time[2] != b':' || time[5] != b':' {
        return false;
    }
    let (Some(h), Some(m), Some(s)) = (
        digits(&time[0..2]),
        digits(&time[3..5]),
        digits(&time[6..8]),
    ) else {
        return false;
    };
    if h > 23 || m > 59 || s > 60 {
        return false;
    }
    let mut rest = &time[8..];
    if let Some(frac) = rest.strip_prefix(b".") {
        let n = frac.iter().take_while(|c| c.is_ascii_digit()).count();
        if n == 0 {
            return false;
        }
        rest = &frac[n..];
    }
    match rest {
        [b'Z' | b'z'] => true,
        [b'+' | b'-', zone @ ..] => {
            zone.len() == 5
                && zone[2] == b':'
                && digits(&zone[0..2]).is_some_and(|h| h <= 23)
                && digits(&zone[3..5]).is_some_and(|m| m <= 59)
        }
        _ => false,
    }
}

fn is_base64(text: &str) -> bool {
    let b = text.as_bytes();
    if !b.len().is_multiple_of(4) {
        return false;
    }
    let body = b.iter().rposition(|&c| c != b'=').map_or(0, |p| p + 1);
    b.len() - body <= 2
        && b[..body]
            .iter()
            .all(|&c| c.is_ascii_alphanumeric() || c == b'+' || c == b'/')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_time() {
        for ok in [
            "2024-01-31T12:00:00Z",
            "2024-01-31t12:00:00.123+02:00",
            "1999-12-31T23:59:60-05:30",
        ] {
            assert!(is_date_time(ok), "{ok}");
        }
        for bad in [
            "2024-01-31",
            "2024-13-01T00:00:00Z",
            "2024-01-31T12:00:00",
            "2024-01-31T25:00:00Z",
            "yesterday",
        ] {
            assert!(!is_date_time(bad), "{bad}");
        }
    }

    #[test]
    fn base64() {
        assert!(is_base64("aGVsbG8="));
        assert!(is_base64(""));
        assert!(!is_base64("hello"));
        assert!(!is_base64("aGVs bG8="));
        assert!(!is_base64("a==="));
    }

    #[test]
    fn ranges() {
        assert_eq!(integer_range("int32"), Some((-2147483648, 2147483647)));
        assert_eq!(integer_range("double"), None);
    }
}
