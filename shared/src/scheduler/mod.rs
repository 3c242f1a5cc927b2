//! The daily reminder schedule: enabled, disabled and described through
//! `/scheduler/maintenance-reminder/{start,stop,status}`.
//!
//! Behind [`ScheduleControl`], with two implementations: the deployed EventBridge Scheduler
//! schedule ([`eventbridge`]) and an in-process schedule for the local server ([`local`]).

pub mod api;
pub mod eventbridge;
pub mod local;

use std::time::{Duration, Instant};

use async_trait::async_trait;
use chrono::{DateTime, Days, FixedOffset, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use serde::Serialize;

use crate::reminder::{self, Outcome, Run, RunReport};
use crate::{ApiError, App};

/// The schedule the stack deploys and the local server runs: every day at 09:00.
pub const DEFAULT_EXPRESSION: &str = "cron(0 9 * * ? *)";
/// A local run's time budget: no platform limit applies, but a claim's lease (15 minutes) does.
pub const LOCAL_RUN_BUDGET: Duration = Duration::from_secs(10 * 60);

/// A daily run's counts: what the scheduled run logs and the daily function returns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RunSummary {
    /// Manual records plus register vehicles.
    pub total_records: u64,
    pub reminder_sent: usize,
    /// Of `reminder_sent`, those to register vehicles (each counted in the report).
    pub register_sent: usize,
    pub reminder_failed: usize,
    pub reminder_skipped: usize,
    pub deferred: usize,
}

impl From<&RunReport> for RunSummary {
    fn from(report: &RunReport) -> Self {
        RunSummary {
            total_records: report.total_records,
            reminder_sent: report.reminder_sent,
            register_sent: report
                .details
                .iter()
                .filter(|d| d.status == Outcome::Sent && d.id_customer.is_some())
                .count(),
            reminder_failed: report.reminder_failed,
            reminder_skipped: report.reminder_skipped,
            deferred: report.deferred,
        }
    }
}

/// The scheduled run: sends the due reminders with no new send started after `deadline`, and
/// logs its counts (the details stay in the message log).
pub async fn run_daily(app: &App, deadline: Instant) -> Result<RunSummary, ApiError> {
    let report = reminder::run(app, &Run::daily(app, deadline)).await?;
    let summary = RunSummary::from(&report);
    let RunSummary {
        total_records,
        reminder_sent,
        register_sent,
        reminder_failed,
        reminder_skipped,
        deferred,
    } = summary;
    tracing::info!(
        total_records,
        reminder_sent,
        register_sent,
        reminder_failed,
        reminder_skipped,
        deferred,
        "daily reminder run finished"
    );
    if deferred > 0 {
        tracing::warn!(
            deferred,
            "time ran out: the remaining due reminders go out on the next run"
        );
    }
    Ok(summary)
}

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
    #[error("schedule not configured: {0}")]
    NotConfigured(&'static str),
}

impl From<ScheduleError> for ApiError {
    fn from(e: ScheduleError) -> Self {
        // The caller can do nothing about either; the log keeps the reason, the answer hides it.
        ApiError::Internal(e.to_string())
    }
}

/// Reads and switches the daily reminder schedule.
#[async_trait]
pub trait ScheduleControl: Send + Sync {
    async fn status(&self) -> Result<ScheduleState, ScheduleError>;
    /// Enables or disables the schedule and answers its new state; the same state again is a no-op.
    async fn set_enabled(&self, enabled: bool) -> Result<ScheduleState, ScheduleError>;
}

/// For a deployment without a schedule (a Lambda function missing `SCHEDULE_NAME`): every call
/// fails, rather than answering for a schedule that does not exist.
pub struct NoSchedule;

#[async_trait]
impl ScheduleControl for NoSchedule {
    async fn status(&self) -> Result<ScheduleState, ScheduleError> {
        Err(ScheduleError::NotConfigured("SCHEDULE_NAME is not set"))
    }

    async fn set_enabled(&self, _: bool) -> Result<ScheduleState, ScheduleError> {
        Err(ScheduleError::NotConfigured("SCHEDULE_NAME is not set"))
    }
}

/// The answer of the three endpoints.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScheduleStatus {
    pub enabled: bool,
    pub schedule_expression: String,
    pub timezone: String,
    /// RFC 3339 in the workshop's zone; `null` when disabled or not computable.
    pub next_run: Option<DateTime<FixedOffset>>,
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
        }
    }
}

/// The first run of `state`'s expression strictly after `now`, if it is a form we understand.
fn next_run_of(state: &ScheduleState, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let Ok(zone) = state.timezone.parse::<Tz>() else {
        tracing::warn!(timezone = %state.timezone, "schedule zone unknown; next_run not computed");
        return None;
    };
    let Some(daily) = Daily::parse(&state.expression) else {
        tracing::warn!(expression = %state.expression, "only cron(M H * * ? *) is understood; next_run not computed");
        return None;
    };
    daily.next_after(now, zone)
}

/// A daily cron expression, `cron(M H * * ? *)`: the only form the stack deploys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Daily {
    pub at: NaiveTime,
}

impl Daily {
    /// `cron(M H * * ? *)` (or with the `?` on the day of month: `cron(M H ? * * *)`).
    pub fn parse(expression: &str) -> Option<Daily> {
        let inner = expression.trim().strip_prefix("cron(")?.strip_suffix(')')?;
        let fields: Vec<&str> = inner.split_whitespace().collect();
        let [minute, hour, rest @ ..] = fields.as_slice() else {
            return None;
        };
        if rest != ["*", "*", "?", "*"] && rest != ["?", "*", "*", "*"] {
            return None;
        }
        let whole = |f: &str| {
            f.bytes()
                .all(|b| b.is_ascii_digit())
                .then(|| f.parse::<u32>().ok())
                .flatten()
        };
        let at = NaiveTime::from_hms_opt(whole(hour)?, whole(minute)?, 0)?;
        Some(Daily { at })
    }

    /// The first run strictly after `now`, the time of day read in `zone`.
    pub fn next_after(&self, now: DateTime<Utc>, zone: Tz) -> Option<DateTime<Utc>> {
        let today = now.with_timezone(&zone).date_naive();
        // Today's run if still ahead, else tomorrow's; a day whose time falls in a DST gap is
        // passed over (none in Indonesia, but the zone is configurable).
        (0..3)
            .filter_map(|d| today.checked_add_days(Days::new(d)))
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
        assert_eq!(Daily::parse("cron(0 9 * * ? *)").map(|d| d.at), nine);
        assert_eq!(Daily::parse("cron(0 9 ? * * *)").map(|d| d.at), nine);
        assert_eq!(
            Daily::parse("cron(30 23 * * ? *)").map(|d| d.at),
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
        ] {
            assert_eq!(Daily::parse(other), None, "{other}");
        }
    }

    #[test]
    fn next_run_is_today_before_nine_and_tomorrow_from_nine() {
        let daily = Daily::parse(DEFAULT_EXPRESSION).unwrap();
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
    fn a_run_in_a_dst_gap_is_skipped() {
        // Berlin springs from 02:00 to 03:00 on 2026-03-29.
        let daily = Daily::parse("cron(30 2 * * ? *)").unwrap();
        let next = daily.next_after(at("2026-03-28T03:00:00+01:00"), chrono_tz::Europe::Berlin);
        assert_eq!(next, Some(at("2026-03-30T02:30:00+02:00")));
    }
}
