//! What a schedule is, apart from what it runs: the [`Job`] it names, its cron expression,
//! its state, the port that reads and switches it ([`ScheduleControl`]), and the [`Runner`]
//! the local schedule runs its job with.

use std::time::{Duration, Instant};

use async_trait::async_trait;
use chrono::{DateTime, Datelike, Days, FixedOffset, Months, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use serde::Serialize;

use crate::clock::WorkshopClock;
use crate::pacing::Pacing;
use crate::store_error::StoreError;

/// The reminder schedule the stack deploys and the local server runs: every day at 09:00.
pub const DEFAULT_EXPRESSION: &str = "cron(0 9 * * ? *)";
/// The report's reset schedule: 00:05 on the first of every month.
pub const MONTHLY_RESET_EXPRESSION: &str = "cron(5 0 1 * ? *)";

/// StarSender's delivery poll: every 15 minutes.
pub const DELIVERY_POLL_EXPRESSION: &str = "rate(15 minutes)";

/// What a schedule runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Job {
    /// The due reminders ([`crate::scheduler::run_daily`]).
    DailyReminders,
    /// A reset of every report row, with its snapshot ([`crate::scheduler::run_monthly_reset`]).
    MonthlyReportReset,
    /// StarSender's delivery statuses, polled every 15 minutes
    /// ([`crate::messages::delivery::Deliveries::poll`]); its schedule is not switched by the
    /// API.
    DeliveryPoll,
}

impl Job {
    pub const ALL: [Job; 2] = [Job::DailyReminders, Job::MonthlyReportReset];

    /// The expression the stack deploys and the local server runs.
    pub fn default_expression(self) -> &'static str {
        match self {
            Job::DailyReminders => DEFAULT_EXPRESSION,
            Job::MonthlyReportReset => MONTHLY_RESET_EXPRESSION,
            Job::DeliveryPoll => DELIVERY_POLL_EXPRESSION,
        }
    }

    /// The variable naming its EventBridge Scheduler schedule in a Lambda function.
    pub fn schedule_name_var(self) -> &'static str {
        match self {
            Job::DailyReminders => "SCHEDULE_NAME",
            Job::MonthlyReportReset => "REPORT_RESET_SCHEDULE_NAME",
            Job::DeliveryPoll => "DELIVERY_POLL_SCHEDULE_NAME",
        }
    }

    /// Its name in logs.
    pub fn name(self) -> &'static str {
        match self {
            Job::DailyReminders => "daily reminders",
            Job::MonthlyReportReset => "monthly report reset",
            Job::DeliveryPoll => "delivery poll",
        }
    }
}

/// What runs a schedule's job: the app, as the local schedule's task sees it.
#[async_trait]
pub trait Runner: Send + Sync + 'static {
    /// The app's clock, in the workshop's zone (in which runs are logged).
    fn clock(&self) -> &WorkshopClock;
    /// One run of `job`, starting nothing new after `deadline`; the error says why it failed.
    async fn run(&self, job: Job, deadline: Instant) -> Result<(), String>;
}

/// A local run's time budget: no platform limit applies, but a claim's lease (15 minutes) does.
pub const LOCAL_RUN_BUDGET: Duration = Duration::from_secs(10 * 60);

/// What a schedule says of itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScheduleState {
    pub enabled: bool,
    /// EventBridge Scheduler's form, e.g. `cron(0 9 * * ? *)`.
    pub expression: String,
    /// The IANA zone the expression is read in.
    pub timezone: String,
}

#[derive(Debug, thiserror::Error)]
pub enum ScheduleError {
    /// The schedule could not be read or changed (service error, missing schedule, I/O).
    #[error("schedule: {0}")]
    Failed(String),
    /// This deployment has no schedule to control.
    #[error("schedule not configured: {0} is not set")]
    NotConfigured(&'static str),
    /// The schedule's time falls in the quiet hours: started, its runs would send nothing then.
    #[error(
        "Jadwal {expression} jatuh pada jam tenang ({quiet}, QUIET_HOURS): pesan tidak dikirim \
         pada jam itu. Ubah jam jadwal ke luar jam tenang"
    )]
    InQuietHours { expression: String, quiet: String },
    /// The brake could not be read or cleared.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Reads and switches one schedule.
#[async_trait]
pub trait ScheduleControl: Send + Sync {
    async fn status(&self) -> Result<ScheduleState, ScheduleError>;
    /// Enables or disables the schedule and answers its new state; the same state again is a no-op.
    async fn set_enabled(&self, enabled: bool) -> Result<ScheduleState, ScheduleError>;
}

/// For a deployment without a schedule (a Lambda function missing the variable that names it):
/// every call fails, rather than answering for a schedule that does not exist.
pub struct NoSchedule(pub Job);

#[async_trait]
impl ScheduleControl for NoSchedule {
    async fn status(&self) -> Result<ScheduleState, ScheduleError> {
        Err(ScheduleError::NotConfigured(self.0.schedule_name_var()))
    }

    async fn set_enabled(&self, _: bool) -> Result<ScheduleState, ScheduleError> {
        Err(ScheduleError::NotConfigured(self.0.schedule_name_var()))
    }
}

/// The answer of the three endpoints.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[schema(example = json!({"enabled": true, "schedule_expression": "cron(0 9 * * ? *)",
    "timezone": "Asia/Jakarta", "next_run": "2026-01-11T09:00:00+07:00"}))]
pub struct ScheduleStatus {
    pub enabled: bool,
    pub schedule_expression: String,
    pub timezone: String,
    /// RFC 3339 in the workshop's zone; `null` when disabled or not computable.
    pub next_run: Option<DateTime<FixedOffset>>,
    /// Why the reminder runs stopped sending (the brake: the gateway's device disconnected,
    /// or more than 5 of the last 10 sends failed); `start` clears it. Always `null` for the
    /// report reset.
    #[serde(default)]
    pub paused_reason: Option<String>,
}

impl ScheduleStatus {
    /// `state` as answered at `now`, its next run shown in `shown_in` (the workshop's zone).
    pub fn of(state: ScheduleState, now: DateTime<Utc>, shown_in: Tz) -> Self {
        let next_run = if state.enabled {
            next_run_of(&state, now)
        } else {
            None
        };
        ScheduleStatus {
            enabled: state.enabled,
            schedule_expression: state.expression,
            timezone: state.timezone,
            next_run: next_run.map(|t| t.with_timezone(&shown_in).fixed_offset()),
            paused_reason: None,
        }
    }
}

/// What a job's `start`, `stop` and `status` work with: its schedule, and the workshop's clock
/// that the next run is computed from and shown in.
#[derive(Clone, Copy)]
pub struct JobSchedule<'a> {
    pub control: &'a dyn ScheduleControl,
    pub time: &'a WorkshopClock,
    /// The reminders' pacing: its brake, and the quiet hours the schedule must stay out of.
    pub pacing: Option<Pacing<'a>>,
}

impl JobSchedule<'_> {
    pub async fn status(&self) -> Result<ScheduleStatus, ScheduleError> {
        let state = self.control.status().await?;
        self.answer(state).await
    }

    /// Enables the schedule, unless its time is quiet, and clears the brake.
    pub async fn start(&self) -> Result<ScheduleStatus, ScheduleError> {
        if let Some(pacing) = &self.pacing {
            self.refuse_quiet(pacing).await?;
        }
        let state = self.control.set_enabled(true).await?;
        if let Some(pacing) = &self.pacing {
            pacing.resume().await?;
        }
        self.answer(state).await
    }

    pub async fn stop(&self) -> Result<ScheduleStatus, ScheduleError> {
        let state = self.control.set_enabled(false).await?;
        self.answer(state).await
    }

    /// Refuses a schedule whose time of day falls in the quiet hours.
    async fn refuse_quiet(&self, pacing: &Pacing<'_>) -> Result<(), ScheduleError> {
        let Some(quiet) = pacing.settings.quiet else {
            return Ok(());
        };
        let state = self.control.status().await?;
        match Cron::parse(&state.expression) {
            Some(cron) if quiet.contains(cron.at) => Err(ScheduleError::InQuietHours {
                expression: state.expression,
                quiet: quiet.text(),
            }),
            _ => Ok(()),
        }
    }

    async fn answer(&self, state: ScheduleState) -> Result<ScheduleStatus, ScheduleError> {
        let mut status = ScheduleStatus::of(state, self.time.instant(), self.time.zone());
        if let Some(pacing) = &self.pacing {
            status.paused_reason = pacing.paused().await?.map(|paused| paused.reason);
        }
        Ok(status)
    }
}

/// The first run of `state`'s expression strictly after `now`, if it is a form we understand.
pub(super) fn next_run_of(state: &ScheduleState, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let Ok(zone) = state.timezone.parse::<Tz>() else {
        tracing::warn!(timezone = %state.timezone, "schedule zone unknown; next_run not computed");
        return None;
    };
    let Some(cron) = Cron::parse(&state.expression) else {
        tracing::warn!(expression = %state.expression, "only cron(M H * * ? *) and cron(M H D * ? *) are understood; next_run not computed");
        return None;
    };
    cron.next_after(now, zone)
}

/// The cron expressions the stack deploys: daily, `cron(M H * * ? *)`, or monthly on one day,
/// `cron(M H D * ? *)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cron {
    pub at: NaiveTime,
    /// The day of the month (1-31); `None`: every day. A month without that day has no run, as
    /// in EventBridge Scheduler.
    pub day_of_month: Option<u32>,
}

impl Cron {
    /// `cron(M H * * ? *)` (or `cron(M H ? * * *)`), and `cron(M H D * ? *)`.
    pub fn parse(expression: &str) -> Option<Cron> {
        let inner = expression.trim().strip_prefix("cron(")?.strip_suffix(')')?;
        let fields: Vec<&str> = inner.split_whitespace().collect();
        let [minute, hour, day, rest @ ..] = fields.as_slice() else {
            return None;
        };
        let whole = |f: &str| {
            f.bytes()
                .all(|b| b.is_ascii_digit())
                .then(|| f.parse::<u32>().ok())
                .flatten()
        };
        let day_of_month = match (*day, rest) {
            ("*", ["*", "?", "*"]) | ("?", ["*", "*", "*"]) => None,
            (day, ["*", "?", "*"]) => Some(whole(day).filter(|d| (1..=31).contains(d))?),
            _ => return None,
        };
        let at = NaiveTime::from_hms_opt(whole(hour)?, whole(minute)?, 0)?;
        Some(Cron { at, day_of_month })
    }

    /// The first run strictly after `now`, the time of day read in `zone`.
    pub fn next_after(&self, now: DateTime<Utc>, zone: Tz) -> Option<DateTime<Utc>> {
        let today = now.with_timezone(&zone).date_naive();
        // A day whose time falls in a DST gap is passed over (none in Indonesia, but the zone
        // is configurable); so is a month without the day.
        let days: Vec<NaiveDate> = match self.day_of_month {
            None => (0..3)
                .filter_map(|d| today.checked_add_days(Days::new(d)))
                .collect(),
            Some(day) => (0..14)
                .filter_map(|m| today.with_day(1)?.checked_add_months(Months::new(m)))
                .filter_map(|month| month.with_day(day))
                .collect(),
        };
        days.into_iter()
            .filter_map(|day| self.on(day, zone))
            .find(|run| *run > now)
    }

    /// The run on `day`: the earlier instant when the clock repeats an hour, none in a gap.
    fn on(&self, day: NaiveDate, zone: Tz) -> Option<DateTime<Utc>> {
        zone.from_local_datetime(&day.and_time(self.at))
            .earliest()
            .map(|t| t.with_timezone(&Utc))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(rfc3339: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(rfc3339)
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn parses_the_daily_forms_only() {
        let nine = NaiveTime::from_hms_opt(9, 0, 0);
        assert_eq!(Cron::parse("cron(0 9 * * ? *)").map(|d| d.at), nine);
        assert_eq!(Cron::parse("cron(0 9 ? * * *)").map(|d| d.at), nine);
        assert_eq!(
            Cron::parse("cron(30 23 * * ? *)").map(|d| d.at),
            NaiveTime::from_hms_opt(23, 30, 0)
        );
        for other in [
            "cron(0 9 * * MON-FRI *)",
            "cron(0 9,17 * * ? *)",
            "cron(0/5 9 * * ? *)",
            "cron(60 9 * * ? *)",
            "cron(0 24 * * ? *)",
            "cron(-1 9 * * ? *)",
            "rate(1 day)",
            "at(2026-01-01T09:00:00)",
            "cron(0 9 * * ?)",
            "cron(0 9 0 * ? *)",
            "cron(0 9 32 * ? *)",
            "cron(0 9 1,15 * ? *)",
            "cron(0 9 L * ? *)",
            "cron(0 9 1 1 ? *)",
        ] {
            assert_eq!(Cron::parse(other), None, "{other}");
        }
    }

    #[test]
    fn next_run_is_today_before_nine_and_tomorrow_from_nine() {
        let daily = Cron::parse(DEFAULT_EXPRESSION).unwrap();
        let jakarta = chrono_tz::Asia::Jakarta;
        let next = |now| {
            daily
                .next_after(at(now), jakarta)
                .map(|t| t.with_timezone(&jakarta).to_rfc3339())
        };
        assert_eq!(
            next("2026-01-10T08:59:59+07:00").as_deref(),
            Some("2026-01-10T09:00:00+07:00")
        );
        assert_eq!(
            next("2026-01-10T09:00:00+07:00").as_deref(),
            Some("2026-01-11T09:00:00+07:00")
        );
        // 23:30 UTC is already 06:30 the next day in Jakarta.
        assert_eq!(
            next("2026-01-10T23:30:00Z").as_deref(),
            Some("2026-01-11T09:00:00+07:00")
        );
        assert_eq!(
            next("2026-12-31T10:00:00+07:00").as_deref(),
            Some("2027-01-01T09:00:00+07:00")
        );
    }

    #[test]
    fn the_monthly_form_runs_on_its_day_only() {
        let monthly = Cron::parse(MONTHLY_RESET_EXPRESSION).unwrap();
        assert_eq!(monthly.day_of_month, Some(1));
        assert_eq!(monthly.at, NaiveTime::from_hms_opt(0, 5, 0).unwrap());
        let jakarta = chrono_tz::Asia::Jakarta;
        let next = |cron: Cron, now| {
            cron.next_after(at(now), jakarta)
                .map(|t| t.with_timezone(&jakarta).to_rfc3339())
        };
        for (now, expected) in [
            ("2026-01-01T00:04:59+07:00", "2026-01-01T00:05:00+07:00"),
            ("2026-01-01T00:05:00+07:00", "2026-02-01T00:05:00+07:00"),
            ("2026-01-15T12:00:00+07:00", "2026-02-01T00:05:00+07:00"),
            ("2026-12-31T23:59:00+07:00", "2027-01-01T00:05:00+07:00"),
            // 17:10 UTC on the last day is already 00:10 on the first in Jakarta: past it.
            ("2026-01-31T17:10:00Z", "2026-03-01T00:05:00+07:00"),
        ] {
            assert_eq!(next(monthly, now).as_deref(), Some(expected), "{now}");
        }
        // The 31st passes over the months that have none.
        let last = Cron::parse("cron(0 9 31 * ? *)").unwrap();
        assert_eq!(
            next(last, "2026-01-31T10:00:00+07:00").as_deref(),
            Some("2026-03-31T09:00:00+07:00")
        );
    }

    #[test]
    fn a_run_in_a_dst_gap_is_skipped() {
        // Berlin springs from 02:00 to 03:00 on 2026-03-29.
        let daily = Cron::parse("cron(30 2 * * ? *)").unwrap();
        let next = daily.next_after(at("2026-03-28T03:00:00+01:00"), chrono_tz::Europe::Berlin);
        assert_eq!(next, Some(at("2026-03-30T02:30:00+02:00")));
    }
}
