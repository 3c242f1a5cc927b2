//! The schedules: the daily reminders (`/scheduler/maintenance-reminder/...`) and the monthly
//! reset of the report (`/scheduler/monthly-report-reset/...`), each enabled, disabled and
//! described through its `start`, `stop` and `status`.
//!
//! Both are one kind of thing, a [`Job`] on a cron expression behind [`ScheduleControl`], with
//! two implementations: the deployed EventBridge Scheduler schedule ([`eventbridge`]) and an
//! in-process schedule for the local server ([`local`]).

pub mod api;
pub mod eventbridge;
pub mod local;
pub mod schedule;

pub use schedule::*;

use std::time::Instant;

use serde::Serialize;

use crate::reminder::{Outcome, ReminderError, Reminders, Run, RunReport};
use crate::report::service::ResetAnswer;
use crate::report::{Report, ReportError, Scope, Trigger};

/// Why a scheduled run failed: told to the log and to Lambda, which retries the invocation.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("daily reminder run: {0}")]
    Reminders(#[from] ReminderError),
    #[error("monthly report reset: {0}")]
    ReportReset(#[from] ReportError),
    #[error("delivery poll: {0}")]
    DeliveryPoll(#[from] crate::store_error::StoreError),
    /// The brake stopped the run: the function fails so that its alarm fires.
    #[error("daily reminder run paused: {reason}")]
    Paused { reason: String, summary: RunSummary },
}

/// What a scheduled run answers (the Lambda function's result): its counts.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum JobOutcome {
    Reminders(RunSummary),
    ReportReset(ResetAnswer),
    DeliveryPoll(crate::messages::delivery::PollSummary),
}

/// The monthly run: resets every row as `POST /whatsapp-report/reset-frequency` does, its
/// snapshot marked as scheduled, and logs the outcome. A second delivery of the same run finds
/// nothing left to reset (`snapshot_id: null`).
pub async fn run_monthly_reset(report: Report<'_>) -> Result<ResetAnswer, RunError> {
    let answer = report
        .reset_scope(Scope::default(), Trigger::Scheduled)
        .await?;
    tracing::info!(
        reset_count = answer.reset_count,
        snapshot_id = answer.snapshot_id.as_deref().unwrap_or("-"),
        "monthly report reset finished"
    );
    Ok(answer)
}

/// A daily run's counts: what the scheduled run logs and the daily function returns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RunSummary {
    /// Manual records plus register vehicles.
    pub total_records: u64,
    pub reminder_sent: usize,
    /// Of `reminder_sent`, those to register vehicles (each counted in the report).
    pub register_sent: usize,
    pub reminder_failed: usize,
    /// Sends whose outcome is unknown, waiting for a person to resolve them.
    pub reminder_unknown: usize,
    pub reminder_skipped: usize,
    /// Handed to the gateway with their paced slots.
    pub reminder_scheduled: usize,
    pub deferred: usize,
    /// Why the run stopped sending (the brake), if it did.
    pub paused_reason: Option<String>,
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
            reminder_unknown: report.reminder_unknown,
            reminder_skipped: report.reminder_skipped,
            reminder_scheduled: report.reminder_scheduled,
            deferred: report.deferred,
            paused_reason: report.paused_reason.clone(),
        }
    }
}

/// The scheduled run: sends the due reminders with no new send started after `deadline`, and
/// logs its counts (the details stay in the message log). A run the brake stopped fails.
pub async fn run_daily(
    reminders: Reminders<'_>,
    deadline: Instant,
) -> Result<RunSummary, RunError> {
    let report = reminders
        .run(&Run::daily(&reminders.settings, deadline))
        .await?;
    let summary = RunSummary::from(&report);
    let RunSummary {
        total_records,
        reminder_sent,
        register_sent,
        reminder_failed,
        reminder_unknown,
        reminder_skipped,
        reminder_scheduled,
        deferred,
        ref paused_reason,
    } = summary;
    tracing::info!(
        total_records,
        reminder_sent,
        register_sent,
        reminder_failed,
        reminder_unknown,
        reminder_skipped,
        reminder_scheduled,
        deferred,
        "daily reminder run finished"
    );
    if let Some(reason) = paused_reason.clone() {
        return Err(RunError::Paused { reason, summary });
    }
    if deferred > 0 {
        tracing::warn!(
            deferred,
            "time ran out: the remaining due reminders go out on the next run"
        );
    }
    Ok(summary)
}
