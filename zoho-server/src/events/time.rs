//! Zoho's times: CRM's `2026-12-01T10:00:00+00:00`, Books' `2026-12-01T10:00:00+0000`.

/// Unix seconds of an ISO-8601 time with an offset (`Z`, `+05:30` or `+0530`).
pub(crate) fn parse(text: &str) -> Option<i64> {
    let text = text.trim();
    if text.len() < 19 || !text.is_char_boundary(19) {
        return None;
    }
    let (stamp, rest) = text.split_at(19);
    let b = stamp.as_bytes();
    if b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let num = |range: std::ops::Range<usize>| stamp.get(range)?.parse::<i64>().ok();
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
    // Fractions of a second are dropped.
    let rest = match rest.strip_prefix('.') {
        Some(fraction) => fraction.trim_start_matches(|c: char| c.is_ascii_digit()),
        None => rest,
    };
    let offset = match rest {
        "" | "Z" | "z" => 0,
        _ => {
            let sign = match rest.as_bytes()[0] {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let digits: String = rest[1..].chars().filter(|c| *c != ':').collect();
            if digits.len() != 4 {
                return None;
            }
            let hours: i64 = digits[..2].parse().ok()?;
            let minutes: i64 = digits[2..].parse().ok()?;
            sign * (hours * 3600 + minutes * 60)
        }
    };
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || minute > 59 {
        return None;
    }
    Some(days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second - offset)
}

/// The CRM form of Unix seconds, in UTC: `2026-12-01T10:00:00+00:00`.
pub(crate) fn crm(secs: i64) -> String {
    let text = zoho_core::store::events::rfc3339_ms(secs * 1000);
    format!("{}+00:00", &text[..19])
}

/// The Books form of Unix seconds, in UTC: `2026-12-01T10:00:00+0000`.
pub(crate) fn books(secs: i64) -> String {
    let text = zoho_core::store::events::rfc3339_ms(secs * 1000);
    format!("{}+0000", &text[..19])
}

/// Howard Hinnant's days_from_civil.
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Now, in Unix seconds by this machine's clock.
pub(crate) fn now_secs() -> i64 {
    i64::try_from(zoho_core::store::now_ms() / 1000).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zoho_times_read_with_their_offsets() {
        assert_eq!(parse("1970-01-01T00:00:00+00:00"), Some(0));
        assert_eq!(parse("1970-01-01T05:30:00+0530"), Some(0));
        assert_eq!(parse("2026-12-01T22:14:21Z"), Some(1_796_163_261));
        assert_eq!(parse("2026-12-01T22:14:21.123-01:00"), Some(1_796_166_861));
        assert_eq!(crm(1_796_163_261), "2026-12-01T22:14:21+00:00");
        assert_eq!(books(1_796_163_261), "2026-12-01T22:14:21+0000");
        assert_eq!(parse("not a time"), None);
    }
}
