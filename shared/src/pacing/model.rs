//! The rules of pacing, without I/O: the limits, the quiet hours, the random gap, the windows
//! the counters are kept per, and the slots a run's messages are planned at.

use std::sync::Mutex;

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, TimeZone, Timelike, Utc};
use chrono_tz::Tz;

/// How many messages the workshop's number may send, and how often one customer may hear from
/// it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Every message of the number in one day of the workshop's zone (`SEND_DAILY_LIMIT`).
    pub daily: u32,
    /// Every message of the number in one clock hour (`SEND_HOURLY_LIMIT`).
    pub hourly: u32,
    /// Custom messages to one number in one day (`CUSTOM_MESSAGES_PER_NUMBER_PER_DAY`).
    pub custom_per_number: u32,
    /// Hours a record or vehicle is not reminded again (`REMINDER_COOLDOWN_HOURS`).
    pub cooldown_hours: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            daily: 300,
            hourly: 80,
            custom_per_number: 3,
            cooldown_hours: 24,
        }
    }
}

/// The random gap between consecutive messages of a run, in seconds (`SEND_GAP_SECONDS`,
/// `20-60`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GapRange {
    pub min: u32,
    pub max: u32,
}

impl GapRange {
    /// `20-60` (or one number, `30`); the first may not exceed the second.
    pub fn parse(text: &str) -> Option<GapRange> {
        let (min, max) = match text.trim().split_once('-') {
            Some((min, max)) => (min.trim().parse().ok()?, max.trim().parse().ok()?),
            None => {
                let both = text.trim().parse().ok()?;
                (both, both)
            }
        };
        (min <= max && max <= 3600).then_some(GapRange { min, max })
    }
}

/// The hours no message leaves, in the workshop's zone (`QUIET_HOURS=20:00-08:00`); the
/// range may cross midnight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuietHours {
    pub start: NaiveTime,
    pub end: NaiveTime,
}

impl QuietHours {
    /// `20:00-08:00`; a range of no length is refused.
    pub fn parse(text: &str) -> Option<QuietHours> {
        let (start, end) = text.trim().split_once('-')?;
        let time = |t: &str| NaiveTime::parse_from_str(t.trim(), "%H:%M").ok();
        let quiet = QuietHours {
            start: time(start)?,
            end: time(end)?,
        };
        (quiet.start != quiet.end).then_some(quiet)
    }

    /// Whether `time` (of the workshop's day) is quiet.
    pub fn contains(&self, time: NaiveTime) -> bool {
        if self.start < self.end {
            self.start <= time && time < self.end
        } else {
            time >= self.start || time < self.end
        }
    }

    /// `20:00-08:00`, as the configuration writes it.
    pub fn text(&self) -> String {
        format!(
            "{}-{}",
            self.start.format("%H:%M"),
            self.end.format("%H:%M")
        )
    }
}

/// Everything pacing reads of the configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PacingSettings {
    pub limits: Limits,
    pub gap: GapRange,
    /// `None`: no quiet hours (`QUIET_HOURS=` empty).
    pub quiet: Option<QuietHours>,
}

impl Default for PacingSettings {
    fn default() -> Self {
        PacingSettings {
            limits: Limits::default(),
            gap: GapRange { min: 20, max: 60 },
            quiet: QuietHours::parse("20:00-08:00"),
        }
    }
}

impl PacingSettings {
    /// The first instant at or after `at` outside the quiet hours.
    pub fn allowed_from(&self, at: DateTime<Utc>, zone: Tz) -> DateTime<Utc> {
        let Some(quiet) = self.quiet else {
            return at;
        };
        let local = at.with_timezone(&zone);
        if !quiet.contains(local.time()) {
            return at;
        }
        // The quiet hours end today when they began yesterday (after midnight), else tomorrow.
        let day = if quiet.start > quiet.end && local.time() >= quiet.start {
            local.date_naive().succ_opt().unwrap_or(local.date_naive())
        } else {
            local.date_naive()
        };
        local_instant(zone, day, quiet.end).unwrap_or(at)
    }

    /// The shortest spacing the hourly limit allows: 3600 s / limit, rounded up; none when
    /// the gaps are off (`SEND_GAP_SECONDS=0-0`, the tests' setting), where only the hour's
    /// counter holds the limit.
    pub fn min_spacing(&self) -> Duration {
        if self.gap.max == 0 {
            return Duration::zero();
        }
        let hourly = i64::from(self.limits.hourly.max(1));
        Duration::seconds((3600 + hourly - 1) / hourly)
    }

    /// The slot after `previous`: a gap of `gap` seconds, no shorter than the hourly limit
    /// allows, moved past the quiet hours.
    pub fn next_slot(&self, previous: DateTime<Utc>, gap: u32, zone: Tz) -> DateTime<Utc> {
        let gap = Duration::seconds(i64::from(gap)).max(self.min_spacing());
        self.allowed_from(previous + gap, zone)
    }

    /// The first allowed instant of the clock hour after the one of `at`.
    pub fn next_hour(&self, at: DateTime<Utc>, zone: Tz) -> DateTime<Utc> {
        self.allowed_from(Window::hour_end(at, zone), zone)
    }
}

/// The instant of `time` on `day` in `zone` (the earlier one when a change of offset repeats
/// it; `None` in a gap).
fn local_instant(zone: Tz, day: NaiveDate, time: NaiveTime) -> Option<DateTime<Utc>> {
    zone.from_local_datetime(&day.and_time(time))
        .earliest()
        .map(|t| t.with_timezone(&Utc))
}

/// The windows the counters are kept per, in the workshop's zone.
pub struct Window;

impl Window {
    /// `2026-01-03`: the day of `at`.
    pub fn day(at: DateTime<Utc>, zone: Tz) -> String {
        at.with_timezone(&zone).format("%Y-%m-%d").to_string()
    }

    /// `2026-01-03T10`: the clock hour of `at`.
    pub fn hour(at: DateTime<Utc>, zone: Tz) -> String {
        at.with_timezone(&zone).format("%Y-%m-%dT%H").to_string()
    }

    /// The start of the next day after `at`.
    pub fn day_end(at: DateTime<Utc>, zone: Tz) -> DateTime<Utc> {
        let local = at.with_timezone(&zone);
        let next = local.date_naive().succ_opt().unwrap_or(local.date_naive());
        local_instant(zone, next, NaiveTime::MIN).unwrap_or(at + Duration::days(1))
    }

    /// The start of the next clock hour after `at`.
    pub fn hour_end(at: DateTime<Utc>, zone: Tz) -> DateTime<Utc> {
        let local = at.with_timezone(&zone);
        let start = local
            .with_minute(0)
            .and_then(|t| t.with_second(0))
            .and_then(|t| t.with_nanosecond(0))
            .unwrap_or(local);
        (start + Duration::hours(1)).with_timezone(&Utc)
    }
}

/// Where the random gaps come from: behind a trait so that tests choose them.
pub trait Jitter: Send + Sync {
    /// A whole number of seconds from `range.min` to `range.max`.
    fn gap(&self, range: GapRange) -> u32;
}

/// Gaps from a fast, non-cryptographic generator (a gap needs no secrecy).
pub struct RandomGaps(Mutex<fastrand::Rng>);

impl RandomGaps {
    pub fn new() -> Self {
        RandomGaps(Mutex::new(fastrand::Rng::new()))
    }

    /// The same gaps every time (tests, figures).
    pub fn seeded(seed: u64) -> Self {
        RandomGaps(Mutex::new(fastrand::Rng::with_seed(seed)))
    }
}

impl Default for RandomGaps {
    fn default() -> Self {
        Self::new()
    }
}

impl Jitter for RandomGaps {
    fn gap(&self, range: GapRange) -> u32 {
        let mut rng = self.0.lock().unwrap_or_else(|p| p.into_inner());
        rng.u32(range.min..=range.max)
    }
}

/// The slots of one run, one after the other.
#[derive(Debug, Clone, Copy)]
pub struct Lane {
    next: DateTime<Utc>,
}

impl Lane {
    /// A lane whose first slot is the first allowed instant at or after `now`.
    pub fn starting(settings: &PacingSettings, now: DateTime<Utc>, zone: Tz) -> Self {
        Lane {
            next: settings.allowed_from(now, zone),
        }
    }

    /// The slot the next message would take.
    pub fn peek(&self) -> DateTime<Utc> {
        self.next
    }

    /// Takes the next slot, and moves the lane a random gap on.
    pub fn take(
        &mut self,
        settings: &PacingSettings,
        jitter: &dyn Jitter,
        zone: Tz,
    ) -> DateTime<Utc> {
        let slot = self.next;
        self.next = settings.next_slot(slot, jitter.gap(settings.gap), zone);
        slot
    }

    /// Moves the lane to the next clock hour (the one it stands in is full).
    pub fn skip_hour(&mut self, settings: &PacingSettings, zone: Tz) {
        self.next = settings.next_hour(self.next, zone);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::Asia::Jakarta;

    fn at(hh: u32, mm: u32) -> DateTime<Utc> {
        local_instant(Jakarta, day(3), NaiveTime::from_hms_opt(hh, mm, 0).unwrap()).unwrap()
    }

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 1, d).unwrap()
    }

    fn local(t: DateTime<Utc>) -> String {
        t.with_timezone(&Jakarta).format("%d %H:%M:%S").to_string()
    }

    #[test]
    fn quiet_hours_end_at_eight_and_begin_at_twenty() {
        let settings = PacingSettings::default();
        assert_eq!(
            local(settings.allowed_from(at(19, 59), Jakarta)),
            "03 19:59:00"
        );
        assert_eq!(
            local(settings.allowed_from(at(20, 0), Jakarta)),
            "04 08:00:00"
        );
        assert_eq!(
            local(settings.allowed_from(at(7, 59), Jakarta)),
            "03 08:00:00"
        );
        assert_eq!(
            local(settings.allowed_from(at(8, 0), Jakarta)),
            "03 08:00:00"
        );
        assert_eq!(
            local(settings.allowed_from(at(0, 30), Jakarta)),
            "03 08:00:00"
        );
    }

    #[test]
    fn no_quiet_hours_lets_every_minute_through() {
        let settings = PacingSettings {
            quiet: None,
            ..PacingSettings::default()
        };
        assert_eq!(settings.allowed_from(at(23, 0), Jakarta), at(23, 0));
    }

    #[test]
    fn quiet_hours_within_one_day_are_read_as_written() {
        let quiet = QuietHours::parse("12:00-13:00").unwrap();
        assert!(quiet.contains(NaiveTime::from_hms_opt(12, 30, 0).unwrap()));
        assert!(!quiet.contains(NaiveTime::from_hms_opt(13, 0, 0).unwrap()));
        assert_eq!(QuietHours::parse("08:00-08:00"), None);
        assert_eq!(QuietHours::parse("25:00-08:00"), None);
    }

    #[test]
    fn gap_ranges_parse_and_refuse_the_reversed() {
        assert_eq!(
            GapRange::parse("20-60"),
            Some(GapRange { min: 20, max: 60 })
        );
        assert_eq!(GapRange::parse("0-0"), Some(GapRange { min: 0, max: 0 }));
        assert_eq!(GapRange::parse("30"), Some(GapRange { min: 30, max: 30 }));
        assert_eq!(GapRange::parse("60-20"), None);
        assert_eq!(GapRange::parse("x"), None);
    }

    #[test]
    fn windows_are_the_workshops_day_and_hour() {
        // 23:30 UTC on the 2nd is 06:30 on the 3rd in Jakarta.
        let t = Utc.with_ymd_and_hms(2026, 1, 2, 23, 30, 0).unwrap();
        assert_eq!(Window::day(t, Jakarta), "2026-01-03");
        assert_eq!(Window::hour(t, Jakarta), "2026-01-03T06");
        assert_eq!(local(Window::hour_end(t, Jakarta)), "03 07:00:00");
        assert_eq!(local(Window::day_end(t, Jakarta)), "04 00:00:00");
    }

    #[test]
    fn a_run_of_twenty_keeps_its_gaps_in_range_and_under_the_hourly_limit() {
        let settings = PacingSettings::default();
        let jitter = RandomGaps::seeded(7);
        let mut lane = Lane::starting(&settings, at(9, 0), Jakarta);
        let slots: Vec<_> = (0..20)
            .map(|_| lane.take(&settings, &jitter, Jakarta))
            .collect();
        assert_eq!(slots[0], at(9, 0));
        for pair in slots.windows(2) {
            let gap = (pair[1] - pair[0]).num_seconds();
            // 80 an hour: never closer than 45 s; the range's top is 60 s.
            assert!((45..=60).contains(&gap), "gap {gap}");
        }
        let fast = PacingSettings {
            limits: Limits {
                hourly: 3600,
                ..Limits::default()
            },
            ..settings
        };
        let mut lane = Lane::starting(&fast, at(9, 0), Jakarta);
        let slots: Vec<_> = (0..20)
            .map(|_| lane.take(&fast, &jitter, Jakarta))
            .collect();
        for pair in slots.windows(2) {
            let gap = (pair[1] - pair[0]).num_seconds();
            assert!((20..=60).contains(&gap), "gap {gap}");
        }
    }

    #[test]
    fn a_lane_that_reaches_the_quiet_hours_waits_for_the_morning() {
        let settings = PacingSettings::default();
        let jitter = RandomGaps::seeded(1);
        let late = at(19, 59) + Duration::seconds(30);
        let mut lane = Lane::starting(&settings, late, Jakarta);
        assert_eq!(lane.take(&settings, &jitter, Jakarta), late);
        assert_eq!(local(lane.peek()), "04 08:00:00");
        let mut full = Lane::starting(&settings, at(10, 20), Jakarta);
        full.skip_hour(&settings, Jakarta);
        assert_eq!(full.peek(), at(11, 0));
    }
}
