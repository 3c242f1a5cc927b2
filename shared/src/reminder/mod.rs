//! Service reminders: which records are due, the claim that lets each automatic reminder go out
//! at most once per record and service date, and the runs (on demand and daily) that send them.

pub mod api;
pub mod template;

use std::time::{Duration, Instant};

use chrono::{DateTime, Days, FixedOffset, Months, NaiveDate};
use futures::StreamExt;
use serde::Serialize;
use serde_json::Value;

use crate::manual::ManualRecord;
use crate::messages::{MessageEntry, Source, Status, send_and_log};
use crate::register::DueVehicle;
use crate::report::Delivery;
use crate::store::{Claim, StoreError};
use crate::{ApiError, App};
use template::Fill;

/// Days around the window that `send-reminders` also reads, to explain near misses.
const EXPLAINED_DAYS: u64 = 7;
/// How long a claim holds: a run that dies mid-send frees its records for the next run then.
const CLAIM_LEASE: Duration = Duration::from_secs(15 * 60);
/// Time kept in hand at the end of a run's budget, beyond one send's worst case.
const BUDGET_MARGIN: Duration = Duration::from_secs(2);

/// Which reminders a run serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// The manual records (`send-reminders`).
    Manual,
    /// The register's vehicles (`/customers/send-maintenance-reminder`).
    Register,
    /// Both, as the daily run does (the source's hybrid approach).
    Both,
}

impl Reach {
    fn manual(self) -> bool {
        self != Reach::Register
    }

    fn register(self) -> bool {
        self != Reach::Manual
    }
}

/// One run over the due records.
#[derive(Debug, Clone)]
pub struct Run {
    pub reach: Reach,
    pub days_threshold: u32,
    /// Manual records only: whether inactive ones are left out (the register has none).
    pub only_active: bool,
    pub source: Source,
    /// Also read records just outside the window, to say why they were skipped.
    pub explain: bool,
    /// No new claim is made when a send could not finish before this.
    pub deadline: Instant,
}

impl Run {
    /// The daily run: the configured window, active records and the register's vehicles,
    /// exactly the due ones read.
    pub fn daily(app: &App, deadline: Instant) -> Self {
        Run {
            reach: Reach::Both,
            days_threshold: app.config.reminder_days_threshold,
            only_active: true,
            source: Source::Scheduled,
            explain: false,
            deadline,
        }
    }
}

/// Who one reminder goes to, and what it is counted against.
#[derive(Debug, Clone)]
pub struct Target {
    pub id: String,
    pub customer_name: String,
    pub nopol: String,
    pub no_hp: String,
    pub next_service: Option<NaiveDate>,
    pub owner: Owner,
}

#[derive(Debug, Clone)]
pub enum Owner {
    /// A manual record: its own count.
    Manual,
    /// A vehicle of the register: its report row.
    Vehicle { id_customer: String, model: String },
}

impl Target {
    pub fn manual(record: &ManualRecord) -> Self {
        Target {
            id: record.id.clone(),
            customer_name: record.customer_name.clone(),
            nopol: record.nopol.clone(),
            no_hp: record.no_hp.clone(),
            next_service: record.next_service,
            owner: Owner::Manual,
        }
    }

    pub fn vehicle(due: &DueVehicle, months: u32) -> Self {
        Target {
            id: due.vehicle.id.clone(),
            customer_name: due.customer.name.clone(),
            nopol: due.vehicle.nopol.clone(),
            no_hp: due.customer.no_hp.clone(),
            next_service: due.vehicle.next_service(months),
            owner: Owner::Vehicle {
                id_customer: due.customer.id.clone(),
                model: due.vehicle.model.clone(),
            },
        }
    }

    /// The claim of its automatic reminder for `next_service`.
    fn claim_key(&self, next_service: NaiveDate) -> String {
        match self.owner {
            Owner::Manual => claim_key(&self.id, next_service),
            Owner::Vehicle { .. } => format!("vehicle#{}#{next_service}", self.id),
        }
    }

    fn text(&self, app: &App, days_left: Option<i64>) -> String {
        let (template, model) = match &self.owner {
            Owner::Manual => (&app.config.reminder_template, None),
            Owner::Vehicle { model, .. } => (&app.config.register_template, Some(model.as_str())),
        };
        template.render(&Fill {
            customer_name: &self.customer_name,
            nopol: &self.nopol,
            model,
            next_service: self.next_service,
            days_left,
        })
    }

    /// Counts a reminder that went out at `at`, settling `claim`: the record's count, or the
    /// vehicle's report row.
    async fn count(
        &self,
        app: &App,
        at: DateTime<FixedOffset>,
        claim: Option<&str>,
    ) -> Result<(), StoreError> {
        match &self.owner {
            Owner::Manual => app.reminders.record_sent(&self.id, at, claim).await,
            Owner::Vehicle { id_customer, model } => {
                let delivery = Delivery {
                    id_customer: id_customer.clone(),
                    id_vehicle: self.id.clone(),
                    customer_name: self.customer_name.clone(),
                    customer_phone: self.no_hp.clone(),
                    vehicle_model: model.clone(),
                    vehicle_nopol: self.nopol.clone(),
                    at,
                };
                app.reports.record_delivery(&delivery, claim).await
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = ReminderOutcome)]
pub enum Outcome {
    Sent,
    Failed,
    Skipped,
}

/// One record's line in a run's answer, as the source shows them.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = ReminderDetail)]
pub struct Detail {
    /// The record's id, or the vehicle's.
    pub id: String,
    /// The vehicle's customer (register only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id_customer: Option<String>,
    pub customer_name: String,
    pub nopol: String,
    /// The vehicle's model (register only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
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
    fn of(target: &Target, status: Outcome) -> Self {
        let (id_customer, model) = match &target.owner {
            Owner::Manual => (None, None),
            Owner::Vehicle { id_customer, model } => {
                (Some(id_customer.clone()), Some(model.clone()))
            }
        };
        Detail {
            id: target.id.clone(),
            id_customer,
            customer_name: target.customer_name.clone(),
            nopol: target.nopol.clone(),
            model,
            status,
            message: None,
            api_response: None,
            reason: None,
            deferred: false,
        }
    }

    fn skipped(target: &Target, reason: String) -> Self {
        Detail {
            reason: Some(reason),
            ..Detail::of(target, Outcome::Skipped)
        }
    }

    /// The line of a send that was attempted.
    fn attempted(target: &Target, entry: MessageEntry) -> Self {
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
            ..Detail::of(target, status)
        }
    }
}

/// A run's answer (`send-reminders`), and the daily run's summary.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RunReport {
    /// Manual records plus register vehicles the run served.
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
    let today = app.time.today();
    let last = today + Days::new(run.days_threshold.into());
    let (from, to) = if run.explain {
        (
            today - Days::new(EXPLAINED_DAYS),
            last + Days::new(EXPLAINED_DAYS),
        )
    } else {
        (today, last)
    };
    let (candidates, total_records) = candidates(app, run, from, to).await?;
    let details: Vec<Detail> = futures::stream::iter(candidates)
        .map(|target| async move { remind(app, run, &target, today).await })
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

/// Whom the run considers, soonest service first, and how many records and vehicles it serves.
async fn candidates(
    app: &App,
    run: &Run,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<(Vec<Target>, u64), ApiError> {
    let mut targets = Vec::new();
    let mut total = 0;
    if run.reach.manual() {
        let records = app.reminders.due_between(from, to, run.only_active).await?;
        targets.extend(records.iter().map(Target::manual));
        total += app.manual.counts().await?.total;
    }
    if run.reach.register() {
        targets.extend(due_vehicles(app, from, to).await?);
        total += app.register.register_counts().await?.vehicles;
    }
    targets.sort_by(|a, b| (a.next_service, &a.id).cmp(&(b.next_service, &b.id)));
    Ok((targets, total))
}

/// Days a month's end can move a next service: `last_visit` is read this much wider, and the
/// exact next service then decides.
const MONTH_END_SLACK: Days = Days::new(3);

/// The register's vehicles whose next service lies in `from..=to`, read through their last visit.
async fn due_vehicles(app: &App, from: NaiveDate, to: NaiveDate) -> Result<Vec<Target>, ApiError> {
    let months = app.config.service_interval_months;
    let back = |date: NaiveDate| date.checked_sub_months(Months::new(months)).unwrap_or(date);
    let visited = app
        .register
        .visited_between(back(from) - MONTH_END_SLACK, back(to) + MONTH_END_SLACK)
        .await?;
    Ok(visited
        .iter()
        .map(|due| Target::vehicle(due, months))
        .filter(|t| {
            t.next_service
                .is_some_and(|next| next >= from && next <= to)
        })
        .collect())
}

/// Decides, claims and sends one reminder.
async fn remind(app: &App, run: &Run, target: &Target, today: NaiveDate) -> Detail {
    let Some(next_service) = target.next_service else {
        return Detail::skipped(target, "Next service belum diisi".into());
    };
    let days_left = (next_service - today).num_days();
    if days_left < 0 {
        return Detail::skipped(
            target,
            format!("Next service sudah lewat {} hari", -days_left),
        );
    }
    if days_left > i64::from(run.days_threshold) {
        let reason = format!(
            "Next service tidak dalam {} hari (dalam {days_left} hari)",
            run.days_threshold
        );
        return Detail::skipped(target, reason);
    }
    if Instant::now() + app.config.gateway_timeout + BUDGET_MARGIN > run.deadline {
        let reason = "Waktu run habis; dikirim pada run berikutnya".to_string();
        return Detail {
            deferred: true,
            ..Detail::skipped(target, reason)
        };
    }
    let key = target.claim_key(next_service);
    let now = app.time.instant();
    match app.reminders.claim(&key, now, now + CLAIM_LEASE).await {
        Ok(Claim::Won) => {}
        Ok(Claim::AlreadySent) => {
            let reason = format!("Reminder untuk service {next_service} sudah dikirim");
            return Detail::skipped(target, reason);
        }
        Ok(Claim::Busy) => {
            return Detail::skipped(target, "Reminder sedang dikirim oleh run lain".into());
        }
        Err(e) => {
            tracing::error!(target = %target.id, error = %e, "claim failed");
            return Detail {
                reason: Some(ApiError::from(e).to_string()),
                ..Detail::of(target, Outcome::Failed)
            };
        }
    }
    let detail = send(app, target, Some(days_left), run.source, Some(&key)).await;
    if detail.status == Outcome::Failed
        && let Err(e) = app.reminders.release(&key).await
    {
        tracing::error!(target = %target.id, error = %e, "claim not released; it frees when its lease ends");
    }
    detail
}

/// Renders and sends the reminder of `target`, and counts it when it went out.
async fn send(
    app: &App,
    target: &Target,
    days_left: Option<i64>,
    source: Source,
    claim: Option<&str>,
) -> Detail {
    let text = target.text(app, days_left);
    let entry = send_and_log(app, &target.no_hp, &text, source, Some(&target.id)).await;
    if entry.status != Status::Failed {
        // The message went out: a count that cannot be written is logged, never reported as a
        // failed send (the message log keeps the attempt either way).
        if let Err(e) = target.count(app, app.time.now(), claim).await {
            tracing::error!(target = %target.id, error = %e, "reminder sent but not counted");
        }
    }
    Detail::attempted(target, entry)
}

/// `POST /{record_id}/send-reminder`: sends now, whatever the date ("tanpa melihat threshold").
pub async fn send_one(app: &App, id: &str) -> Result<Detail, ApiError> {
    let record = app.records().get(id).await?;
    let days_left = record
        .next_service
        .map(|next| (next - app.time.today()).num_days());
    Ok(send(
        app,
        &Target::manual(&record),
        days_left,
        Source::Single,
        None,
    )
    .await)
}
