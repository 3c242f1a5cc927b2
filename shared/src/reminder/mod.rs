//! Service reminders: which records are due, the claim that lets each automatic reminder go out
//! at most once per record and service date, and the runs (on demand and daily) that send them.

pub mod api;
pub mod template;

use std::time::{Duration, Instant};

use chrono::{Days, NaiveDate};
use futures::StreamExt;
use serde::Serialize;
use serde_json::Value;

use crate::manual::ManualRecord;
use crate::messages::{MessageEntry, Source, Status, send_and_log};
use crate::store::Claim;
use crate::{ApiError, App};
use template::Fill;

/// Days around the window that `send-reminders` also reads, to explain near misses.
const EXPLAINED_DAYS: u64 = 7;
/// How long a claim holds: a run that dies mid-send frees its records for the next run then.
const CLAIM_LEASE: Duration = Duration::from_secs(15 * 60);
/// Time kept in hand at the end of a run's budget, beyond one send's worst case.
const BUDGET_MARGIN: Duration = Duration::from_secs(2);

/// One run over the due records.
#[derive(Debug, Clone)]
pub struct Run {
    pub days_threshold: u32,
    pub only_active: bool,
    pub source: Source,
    /// Also read records just outside the window, to say why they were skipped.
    pub explain: bool,
    /// No new claim is made when a send could not finish before this.
    pub deadline: Instant,
}

impl Run {
    /// The daily run: the configured window, active records, exactly the due ones read.
    pub fn daily(app: &App, deadline: Instant) -> Self {
        Run {
            days_threshold: app.config.reminder_days_threshold,
            only_active: true,
            source: Source::Scheduled,
            explain: false,
            deadline,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Sent,
    Failed,
    Skipped,
}

/// One record's line in a run's answer, as the source shows them.
#[derive(Debug, Clone, Serialize)]
pub struct Detail {
    pub id: String,
    pub customer_name: String,
    pub nopol: String,
    pub status: Outcome,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// The gateway's `message` (e.g. "Success sent message").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_response: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Left for the next run because this one's time ran out.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub deferred: bool,
}

impl Detail {
    fn of(record: &ManualRecord, status: Outcome) -> Self {
        Detail {
            id: record.id.clone(),
            customer_name: record.customer_name.clone(),
            nopol: record.nopol.clone(),
            status,
            message: None,
            api_response: None,
            reason: None,
            deferred: false,
        }
    }

    fn skipped(record: &ManualRecord, reason: String) -> Self {
        Detail {
            reason: Some(reason),
            ..Detail::of(record, Outcome::Skipped)
        }
    }

    /// The line of a send that was attempted.
    fn attempted(record: &ManualRecord, entry: MessageEntry) -> Self {
        let status = if entry.status == Status::Failed {
            Outcome::Failed
        } else {
            Outcome::Sent
        };
        Detail {
            api_response: entry
                .api_response
                .as_ref()
                .map(|r| r.get("message").cloned().unwrap_or(r.clone())),
            reason: entry.error,
            message: Some(entry.message),
            ..Detail::of(record, status)
        }
    }
}

/// A run's answer (`send-reminders`), and the daily run's summary.
#[derive(Debug, Clone, Serialize)]
pub struct RunReport {
    pub total_records: u64,
    pub reminder_sent: usize,
    pub reminder_failed: usize,
    pub reminder_skipped: usize,
    /// Due records left for the next run because the time budget ran out.
    pub deferred: usize,
    pub details: Vec<Detail>,
}

/// The claim of one automatic reminder: a record and the service date it reminds of.
pub fn claim_key(record_id: &str, next_service: NaiveDate) -> String {
    format!("manual#{record_id}#{next_service}")
}

/// Sends the reminders due in the run's window, a few at a time, each claimed before sending.
pub async fn run(app: &App, run: &Run) -> Result<RunReport, ApiError> {
    let today = app.today();
    let last = today + Days::new(run.days_threshold.into());
    let (from, to) = if run.explain {
        (
            today - Days::new(EXPLAINED_DAYS),
            last + Days::new(EXPLAINED_DAYS),
        )
    } else {
        (today, last)
    };
    let candidates = app.reminders.due_between(from, to, run.only_active).await?;
    let total_records = app.manual.counts().await?.total;
    let details: Vec<Detail> = futures::stream::iter(candidates)
        .map(|record| async move { remind(app, run, &record, today).await })
        .buffered(app.config.reminder_concurrency)
        .collect()
        .await;
    let count = |status| details.iter().filter(|d| d.status == status).count();
    Ok(RunReport {
        total_records,
        reminder_sent: count(Outcome::Sent),
        reminder_failed: count(Outcome::Failed),
        reminder_skipped: count(Outcome::Skipped),
        deferred: details.iter().filter(|d| d.deferred).count(),
        details,
    })
}

/// Decides, claims and sends the reminder of one record.
async fn remind(app: &App, run: &Run, record: &ManualRecord, today: NaiveDate) -> Detail {
    let Some(next_service) = record.next_service else {
        return Detail::skipped(record, "Next service belum diisi".into());
    };
    let days_left = (next_service - today).num_days();
    if days_left < 0 {
        return Detail::skipped(
            record,
            format!("Next service sudah lewat {} hari", -days_left),
        );
    }
    if days_left > i64::from(run.days_threshold) {
        let reason = format!(
            "Next service tidak dalam {} hari (dalam {days_left} hari)",
            run.days_threshold
        );
        return Detail::skipped(record, reason);
    }
    if Instant::now() + app.config.gateway_timeout + BUDGET_MARGIN > run.deadline {
        let reason = "Waktu run habis; dikirim pada run berikutnya".to_string();
        return Detail {
            deferred: true,
            ..Detail::skipped(record, reason)
        };
    }
    let key = claim_key(&record.id, next_service);
    let now = app.clock.now();
    match app.reminders.claim(&key, now, now + CLAIM_LEASE).await {
        Ok(Claim::Won) => {}
        Ok(Claim::AlreadySent) => {
            let reason = format!("Reminder untuk service {next_service} sudah dikirim");
            return Detail::skipped(record, reason);
        }
        Ok(Claim::Busy) => {
            return Detail::skipped(record, "Reminder sedang dikirim oleh run lain".into());
        }
        Err(e) => {
            tracing::error!(record = %record.id, error = %e, "claim failed");
            return Detail {
                reason: Some(ApiError::from(e).to_string()),
                ..Detail::of(record, Outcome::Failed)
            };
        }
    }
    let detail = send(app, record, Some(days_left), run.source, Some(&key)).await;
    if detail.status == Outcome::Failed
        && let Err(e) = app.reminders.release(&key).await
    {
        tracing::error!(record = %record.id, error = %e, "claim not released; it frees when its lease ends");
    }
    detail
}

/// Renders and sends the reminder of `record`, and counts it when it went out.
async fn send(
    app: &App,
    record: &ManualRecord,
    days_left: Option<i64>,
    source: Source,
    claim: Option<&str>,
) -> Detail {
    let text = app.config.reminder_template.render(&Fill {
        customer_name: &record.customer_name,
        nopol: &record.nopol,
        next_service: record.next_service,
        days_left,
    });
    let entry = send_and_log(app, &record.no_hp, &text, source, Some(&record.id)).await;
    if entry.status != Status::Failed {
        // The message went out: a count that cannot be written is logged, never reported as a
        // failed send (the message log keeps the attempt either way).
        if let Err(e) = app
            .reminders
            .record_sent(&record.id, app.now(), claim)
            .await
        {
            tracing::error!(record = %record.id, error = %e, "reminder sent but not counted");
        }
    }
    Detail::attempted(record, entry)
}

/// `POST /{record_id}/send-reminder`: sends now, whatever the date ("tanpa melihat threshold").
pub async fn send_one(app: &App, id: &str) -> Result<Detail, ApiError> {
    let record = crate::manual::get(app, id).await?;
    let days_left = record
        .next_service
        .map(|next| (next - app.today()).num_days());
    Ok(send(app, &record, days_left, Source::Single, None).await)
}
