//! The sandbox's clock: real time plus an offset tests can advance, so token expiry can be
//! checked without sleeping; and the ISO-8601 text Zoho uses for times.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Real time moved forward by whatever tests asked for.
#[derive(Debug, Default)]
pub(crate) struct Clock {
    advanced_ms: AtomicU64,
}

impl Clock {
    /// A monotonic instant, advanced.
    pub(crate) fn now(&self) -> Instant {
        Instant::now() + self.offset()
    }

    /// Seconds since the Unix epoch, advanced.
    pub(crate) fn epoch_secs(&self) -> i64 {
        let wall = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs();
        i64::try_from(wall).unwrap_or(0) + i64::try_from(self.offset().as_secs()).unwrap_or(0)
    }

    /// Milliseconds since the Unix epoch, advanced (the `server_time` of CRM callbacks).
    pub(crate) fn epoch_millis(&self) -> i64 {
        let wall = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_millis();
        i64::try_from(wall + self.offset().as_millis()).unwrap_or(i64::MAX)
    }

    /// Moves the clock forward.
    pub(crate) fn advance(&self, by: Duration) {
        let ms = u64::try_from(by.as_millis()).unwrap_or(u64::MAX);
        self.advanced_ms.fetch_add(ms, Ordering::Relaxed);
    }

    fn offset(&self) -> Duration {
        Duration::from_millis(self.advanced_ms.load(Ordering::Relaxed))
    }
}

/// `2024-01-05T10:30:00+00:00`, the CRM form.
pub(crate) fn crm_datetime(epoch_secs: i64) -> String {
    let (y, mo, d, h, mi, s) = civil(epoch_secs);
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}+00:00")
}

/// `2024-01-05T10:30:00+0000`, the Books form.
pub(crate) fn books_datetime(epoch_secs: i64) -> String {
    let (y, mo, d, h, mi, s) = civil(epoch_secs);
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}+0000")
}

/// `2024-01-05`.
pub(crate) fn date(epoch_secs: i64) -> String {
    let (y, mo, d, ..) = civil(epoch_secs);
    format!("{y:04}-{mo:02}-{d:02}")
}

fn civil(epoch_secs: i64) -> (i64, i64, i64, i64, i64, i64) {
    let days = epoch_secs.div_euclid(86_400);
    let secs = epoch_secs.rem_euclid(86_400);
    // Howard Hinnant's days-to-civil algorithm.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d, secs / 3_600, secs % 3_600 / 60, secs % 60)
}

fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Parses `YYYY-MM-DD` or `YYYY-MM-DDTHH:MM:SS` with an optional `Z`, `±HH:MM` or `±HHMM`
/// offset into seconds since the epoch.
pub(crate) fn parse_datetime(text: &str) -> Option<i64> {
    let bytes = text.as_bytes();
    let num = |from: usize, len: usize| -> Option<i64> {
        let part = text.get(from..from + len)?;
        if !part.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        part.parse().ok()
    };
    if bytes.len() < 10 || bytes[4] != b'-' || bytes[7] != b'-' {
        return None;
    }
    let (y, mo, d) = (num(0, 4)?, num(5, 2)?, num(8, 2)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) {
        return None;
    }
    let day_secs = days_from_civil(y, mo, d) * 86_400;
    if bytes.len() == 10 {
        return Some(day_secs);
    }
    if bytes.len() < 19 || bytes[10] != b'T' || bytes[13] != b':' || bytes[16] != b':' {
        return None;
    }
    let (h, mi, s) = (num(11, 2)?, num(14, 2)?, num(17, 2)?);
    let rest = &text[19..];
    let offset = match rest {
        "" | "Z" => 0,
        _ => {
            let sign = match rest.as_bytes()[0] {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let digits: String = rest[1..].chars().filter(|c| *c != ':').collect();
            if digits.len() != 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            let oh: i64 = digits[..2].parse().ok()?;
            let om: i64 = digits[2..].parse().ok()?;
            sign * (oh * 3_600 + om * 60)
        }
    };
    Some(day_secs + h * 3_600 + mi * 60 + s - offset)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_and_parses_round_trip() {
        let t = 1_704_450_600; // 2024-01-05T10:30:00Z
        assert_eq!(crm_datetime(t), "2024-01-05T10:30:00+00:00");
        assert_eq!(books_datetime(t), "2024-01-05T10:30:00+0000");
        assert_eq!(parse_datetime("2024-01-05T10:30:00+00:00"), Some(t));
        assert_eq!(parse_datetime("2024-01-05T16:00:00+05:30"), Some(t));
        assert_eq!(parse_datetime("2024-01-05"), Some(t - 37_800));
        assert_eq!(parse_datetime("yesterday"), None);
    }
}
