//! An odometer reading sent as a WhatsApp reply: `23.450`, `23,450 km`, `23450km`. Anything a
//! person might mean but a machine should not guess (`kira2 23rb`, `oke`) is not one.

use chrono::NaiveDate;

use super::plan::Reading;

/// The most a vehicle is taken to travel in a day: a reply claiming more is not a reading.
pub const MAX_KM_PER_DAY: u32 = 300;

/// The kilometres a reply states, or `None` when it is not just a number: digits, optionally
/// grouped by thousands with `.` or `,`, optionally followed by `km`.
pub fn parse_reading(reply: &str) -> Option<u32> {
    let text = reply.trim().to_lowercase();
    let number = text.strip_suffix("km").unwrap_or(&text).trim_end();
    let grouped = number.contains(['.', ',']);
    let digits: String = number.chars().filter(|c| !matches!(c, '.' | ',')).collect();
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    if grouped && !thousands(number) {
        return None;
    }
    digits.parse().ok()
}

/// Whether `number` is digit groups of three after the first (of one to three), all separated
/// by the same one of `.` and `,`: `23.450`, `1,234,567`; not `2.5` nor `23.450,5`.
fn thousands(number: &str) -> bool {
    let separator = if number.contains('.') { '.' } else { ',' };
    let mut groups = number.split(separator);
    let first = groups.next().unwrap_or_default();
    (1..=3).contains(&first.len())
        && groups.all(|g| g.len() == 3)
        && number.matches(['.', ',']).all(|s| s.starts_with(separator))
}

/// Whether `km` on `on` can follow `last`: not lower, and not further than
/// [`MAX_KM_PER_DAY`] for each day since (a reply the same day counts as one day).
pub fn plausible(km: u32, on: NaiveDate, last: Option<Reading>) -> bool {
    let Some(last) = last else {
        return true;
    };
    let days = (on - last.on).num_days().max(1);
    let reach = u64::from(last.km) + u64::from(MAX_KM_PER_DAY) * days.unsigned_abs();
    on >= last.on && km >= last.km && u64::from(km) <= reach
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_replies_with_a_reading_are_read() {
        assert_eq!(parse_reading("23.450"), Some(23_450));
        assert_eq!(parse_reading("23,450 km"), Some(23_450));
        assert_eq!(parse_reading("23450km"), Some(23_450));
        assert_eq!(parse_reading(" 23450 KM\n"), Some(23_450));
        assert_eq!(parse_reading("1.234.567"), Some(1_234_567));
        assert_eq!(parse_reading("980"), Some(980));
    }

    #[test]
    fn replies_that_only_hint_at_a_number_are_not_readings() {
        for reply in [
            "kira2 23rb",
            "oke",
            "",
            "km",
            "23rb",
            "2.5",
            "23.45",
            "23.450,5",
            "23 450",
            "-23450",
            "23450 km pak",
            "99999999999",
        ] {
            assert_eq!(parse_reading(reply), None, "{reply:?}");
        }
    }

    #[test]
    fn a_reading_is_plausible_within_300_km_a_day_of_the_last() {
        let day = |d| NaiveDate::from_ymd_opt(2026, 3, d).unwrap();
        let last = Some(Reading {
            on: day(1),
            km: 20_000,
        });
        assert!(plausible(23_000, day(11), last));
        assert!(!plausible(23_001, day(11), last));
        assert!(!plausible(19_999, day(11), last));
        assert!(plausible(20_300, day(1), last));
        assert!(plausible(5, day(1), None));
    }
}
