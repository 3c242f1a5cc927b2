//! Service reminders: which records are due, the claim that lets each automatic reminder go out
//! at most once per record and service date, and the runs (on demand and daily) that send them.

pub mod api;
pub mod preview;
pub mod resolve;
pub mod store;
pub mod template;

use std::sync::Mutex;
use std::time::{Duration, Instant};

use chrono::{DateTime, Days, FixedOffset, Months, NaiveDate, Utc};
use futures::StreamExt;
use serde::Serialize;
use serde_json::Value;

use crate::clock::WorkshopClock;
use crate::manual::{ManualRecord, RecordError, Records};
use crate::messages::gateway::ReminderValues;
use crate::messages::{MessageEntry, Messenger, Outgoing, SendingDisabled, Source, Status};
use crate::optout::OPTED_OUT;
use crate::pacing::{self, Ask, Brake, Lane, Permit, Refusal, Throttled};
use crate::register::plan::Estimate;
use crate::register::store::RegisterStore;
use crate::register::{DueVehicle, ServicePlan, VehicleKind};
use crate::report::Delivery;
use crate::report::store::ReportStore;
use crate::store_error::StoreError;
use template::{Due, Fill, Template};

pub use store::{Claim, ReminderStore};

/// Days around the window that `send-reminders` also reads, to explain near misses.
const EXPLAINED_DAYS: u64 = 7;
/// How long a claim holds: a claim left by a run that died mid-send is unknown after that.
const CLAIM_LEASE: Duration = Duration::from_secs(15 * 60);
/// Time kept in hand at the end of a run's budget, beyond one send's worst case: the settle
/// writes (the log entry, the count or the claim).
const BUDGET_MARGIN: Duration = Duration::from_secs(2);
/// Times a reminder's slot moves to the next hour when its hour is full, before it is left
/// for the next run.
const HOUR_SKIPS: usize = 3;
/// Why a record with a send of unknown outcome is skipped, by every run, until resolved.
pub const UNKNOWN_PENDING: &str = "Status pengiriman belum pasti; periksa di log pesan";

/// What the reminders work with: the records and the register they remind of, the claims that
/// keep each automatic reminder to one send, the report that counts the register's, the
/// messenger that sends and logs, their settings, and the workshop's clock.
#[derive(Clone, Copy)]
pub struct Reminders<'a> {
    pub records: Records<'a>,
    pub register: &'a dyn RegisterStore,
    pub claims: &'a dyn ReminderStore,
    pub reports: &'a dyn ReportStore,
    pub messenger: Messenger<'a>,
    pub settings: ReminderSettings<'a>,
    pub time: &'a WorkshopClock,
}

/// What the reminders read of the configuration.
#[derive(Clone, Copy)]
pub struct ReminderSettings<'a> {
    /// The text of a manual record's reminder.
    pub manual_template: &'a Template,
    /// The text of a register vehicle's reminder.
    pub register_template: &'a Template,
    /// The text of a manual record's reminder when it has no `next_service`.
    pub undated_template: &'a Template,
    /// Days ahead the daily run reminds of.
    pub days_threshold: u32,
    /// Reminders sent at the same time by one run.
    pub concurrency: usize,
    /// The longest one send can take, connection retries included: no send starts that could
    /// not finish before a deadline.
    pub worst_send: Duration,
    /// The intervals and default pace a vehicle's next service is reckoned by.
    pub service_plan: ServicePlan,
    /// Whether the register's reminders end by asking for the odometer.
    pub ask_odometer: bool,
    /// The workshop's name and phone, for providers that fill a template with the values.
    pub workshop: &'a template::Workshop,
}

/// Why a reminder request failed.
#[derive(Debug, thiserror::Error)]
pub enum ReminderError {
    /// The record to remind (`send-reminder`) is not there, or could not be read.
    #[error(transparent)]
    Record(#[from] RecordError),
    #[error(transparent)]
    Store(#[from] StoreError),
    /// This deployment sends nothing: nothing was claimed, sent or counted.
    #[error(transparent)]
    Disabled(#[from] SendingDisabled),
    /// A limit of the workshop's number or the record's cooldown refused it: a 429.
    #[error("{}", .0.detail)]
    Throttled(Throttled),
}

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
    /// The service dates the run reads on `today`: its window, wider when it explains.
    fn window(&self, today: NaiveDate) -> (NaiveDate, NaiveDate) {
        let last = today + Days::new(self.days_threshold.into());
        if self.explain {
            (
                today - Days::new(EXPLAINED_DAYS),
                last + Days::new(EXPLAINED_DAYS),
            )
        } else {
            (today, last)
        }
    }

    /// The daily run: the configured window, active records and the register's vehicles,
    /// exactly the due ones read.
    pub fn daily(settings: &ReminderSettings<'_>, deadline: Instant) -> Self {
        Run {
            reach: Reach::Both,
            days_threshold: settings.days_threshold,
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
    Vehicle {
        id_customer: String,
        model: String,
        kind: VehicleKind,
        estimate: Estimate,
    },
}

impl Owner {
    /// Whether claim `key` is a register vehicle's (see [`Target::claim_key`]).
    pub fn is_vehicle_claim(key: &str) -> bool {
        key.starts_with(VEHICLE_CLAIM)
    }
}

/// The prefix of a register vehicle's claim key.
const VEHICLE_CLAIM: &str = "vehicle#";

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

    /// A vehicle due by the earlier of its date and km rules, estimated as of `today`.
    pub fn vehicle(due: &DueVehicle, plan: &ServicePlan, today: NaiveDate) -> Self {
        let estimate = due.vehicle.due_inputs(plan).estimate(today);
        Target {
            id: due.vehicle.id.clone(),
            customer_name: due.customer.name.clone(),
            nopol: due.vehicle.nopol.clone(),
            no_hp: due.customer.no_hp.clone(),
            next_service: estimate.next_service,
            owner: Owner::Vehicle {
                id_customer: due.customer.id.clone(),
                model: due.vehicle.model.clone(),
                kind: due.vehicle.kind,
                estimate,
            },
        }
    }

    /// Whom its cooldown is kept for: the record, or the vehicle.
    fn subject(&self) -> String {
        match self.owner {
            Owner::Manual => format!("manual#{}", self.id),
            Owner::Vehicle { .. } => format!("{VEHICLE_CLAIM}{}", self.id),
        }
    }

    /// The claim of its automatic reminder for `next_service`.
    fn claim_key(&self, next_service: NaiveDate) -> String {
        match self.owner {
            Owner::Manual => claim_key(&self.id, next_service),
            Owner::Vehicle { .. } => format!("{VEHICLE_CLAIM}{}#{next_service}", self.id),
        }
    }

    /// The values its reminder is made of, for a provider that sends a template.
    fn values(&self, workshop: &template::Workshop, days_left: Option<i64>) -> ReminderValues {
        ReminderValues {
            customer_name: self.customer_name.clone(),
            nopol: self.nopol.clone(),
            next_service: self
                .next_service
                .map(template::indonesian_date)
                .unwrap_or_default(),
            days_left: days_left.map(|d| d.to_string()).unwrap_or_default(),
            workshop_name: workshop
                .name
                .clone()
                .unwrap_or_else(|| template::FALLBACK_WORKSHOP_NAME.into()),
            workshop_phone: workshop.phone.clone().unwrap_or_default(),
        }
    }

    fn text(&self, settings: &ReminderSettings<'_>, days_left: Option<i64>) -> String {
        let (template, model, due) = match &self.owner {
            Owner::Manual if self.next_service.is_none() => (settings.undated_template, None, None),
            Owner::Manual => (settings.manual_template, None, None),
            Owner::Vehicle {
                model, estimate, ..
            } => {
                let due = estimate.due_reason.map(|reason| Due {
                    reason,
                    next_service_km: estimate.next_service_km,
                    estimated_odometer_km: estimate.estimated_odometer_km,
                });
                (settings.register_template, Some(model.as_str()), due)
            }
        };
        let text = template.render(&Fill {
            customer_name: &self.customer_name,
            nopol: &self.nopol,
            model,
            next_service: self.next_service,
            days_left,
            due,
        });
        match &self.owner {
            Owner::Vehicle { kind, .. } if settings.ask_odometer => {
                format!("{text} {}", odometer_question(*kind))
            }
            _ => text,
        }
    }

    /// Counts a reminder that went out at `at`, settling `claim`: the record's count, or the
    /// vehicle's report row.
    async fn count(
        &self,
        reminders: &Reminders<'_>,
        at: DateTime<FixedOffset>,
        claim: Option<&str>,
        message_id: &str,
    ) -> Result<(), StoreError> {
        match &self.owner {
            Owner::Manual => reminders.claims.record_sent(&self.id, at, claim).await,
            Owner::Vehicle {
                id_customer, model, ..
            } => {
                let delivery = Delivery {
                    id_customer: id_customer.clone(),
                    id_vehicle: self.id.clone(),
                    customer_name: self.customer_name.clone(),
                    customer_phone: self.no_hp.clone(),
                    vehicle_model: model.clone(),
                    vehicle_nopol: self.nopol.clone(),
                    at,
                    message_id: Some(message_id.to_string()),
                };
                reminders.reports.record_delivery(&delivery, claim).await
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
    /// The request may have reached the gateway: see `GET /messages?status=unknown`.
    Unknown,
    Skipped,
    /// Handed to the gateway with its slot (`scheduled_for`): it sends it then.
    Scheduled,
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
    /// Left for the next run: this one's time ran out, a limit was reached, or the brake
    /// stopped it (`reason` says which).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub deferred: bool,
    /// When the gateway sends it (`scheduled`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scheduled_for: Option<DateTime<FixedOffset>>,
}

impl Detail {
    fn of(target: &Target, status: Outcome) -> Self {
        let (id_customer, model) = match &target.owner {
            Owner::Manual => (None, None),
            Owner::Vehicle {
                id_customer, model, ..
            } => (Some(id_customer.clone()), Some(model.clone())),
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
            scheduled_for: None,
        }
    }

    /// The line of one left for the next run, and why.
    fn deferred(target: &Target, reason: String) -> Self {
        Detail {
            deferred: true,
            ..Detail::skipped(target, reason)
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
        let status = match entry.status {
            Status::Failed => Outcome::Failed,
            Status::Unknown => Outcome::Unknown,
            Status::Sent | Status::Outbox => Outcome::Sent,
            Status::Scheduled => Outcome::Scheduled,
        };
        Detail {
            api_response: entry
                .api_response
                .as_ref()
                .map(|r| r.get("message").cloned().unwrap_or(r.clone())),
            reason: entry.error,
            message: Some(entry.message),
            scheduled_for: entry.scheduled_for,
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
    /// Sends whose outcome is unknown: never repeated until resolved.
    pub reminder_unknown: usize,
    pub reminder_skipped: usize,
    /// Handed to the gateway with their slots: it sends them at the paced times.
    pub reminder_scheduled: usize,
    /// Due records left for the next run: the time budget ran out, a limit was reached, or
    /// the brake stopped the run.
    pub deferred: usize,
    /// Why the run stopped sending (the brake), until `POST
    /// /scheduler/maintenance-reminder/start` clears it; `null` when it did not.
    pub paused_reason: Option<String>,
    pub details: Vec<Detail>,
}

/// What a register reminder asks when `REMINDER_ASK_ODOMETER` is on; the reply webhook
/// records a reply with the reading.
pub fn odometer_question(kind: VehicleKind) -> String {
    format!(
        "Balas dengan angka kilometer {} Anda saat ini.",
        kind.name()
    )
}

/// The claim of one automatic reminder: a record and the service date it reminds of.
pub fn claim_key(record_id: &str, next_service: NaiveDate) -> String {
    format!("manual#{record_id}#{next_service}")
}

/// Whether `target` is due in `run`'s window on `today`: its service date and the days left,
/// or why not.
fn due(run: &Run, target: &Target, today: NaiveDate) -> Result<(NaiveDate, i64), String> {
    let Some(next_service) = target.next_service else {
        return Err("Next service belum diisi".into());
    };
    let days_left = (next_service - today).num_days();
    if days_left < 0 {
        return Err(format!("Next service sudah lewat {} hari", -days_left));
    }
    if days_left > i64::from(run.days_threshold) {
        return Err(format!(
            "Next service tidak dalam {} hari (dalam {days_left} hari)",
            run.days_threshold
        ));
    }
    Ok((next_service, days_left))
}

/// Why a claim that is not this run's keeps the reminder for `next_service` from being sent.
fn taken_reason(claim: Claim, next_service: NaiveDate) -> String {
    match claim {
        Claim::AlreadySent => format!("Reminder untuk service {next_service} sudah dikirim"),
        Claim::Busy => "Reminder sedang dikirim oleh run lain".into(),
        Claim::Unknown => UNKNOWN_PENDING.into(),
        Claim::Won => String::new(),
    }
}

/// Days a month's end can move a next service: `last_visit` is read this much wider, and the
/// exact next service then decides.
const MONTH_END_SLACK: Days = Days::new(3);

impl Reminders<'_> {
    /// Sends the reminders due in the run's window, a few at a time, each claimed before sending.
    pub async fn run(&self, run: &Run) -> Result<RunReport, ReminderError> {
        self.messenger.ready()?;
        let today = self.time.today();
        let (from, to) = run.window(today);
        let (candidates, total_records) = self.candidates(run, from, to).await?;
        let pacing = self.messenger.pacing;
        let pace = Mutex::new(Pace {
            lane: pacing.lane(),
            brake: Brake::default(),
            stopped: pacing.paused().await?.map(|paused| paused.reason),
        });
        let pace = &pace;
        let details: Vec<Detail> = futures::stream::iter(candidates)
            .map(|target| async move { self.remind(run, &target, today, pace).await })
            .buffered(self.settings.concurrency)
            .collect()
            .await;
        let paused_reason = lock(pace).stopped.clone();
        let count = |status| details.iter().filter(|d| d.status == status).count();
        Ok(RunReport {
            total_records,
            reminder_sent: count(Outcome::Sent),
            reminder_failed: count(Outcome::Failed),
            reminder_unknown: count(Outcome::Unknown),
            reminder_skipped: count(Outcome::Skipped),
            reminder_scheduled: count(Outcome::Scheduled),
            deferred: details.iter().filter(|d| d.deferred).count(),
            paused_reason,
            details,
        })
    }

    /// `POST /{record_id}/send-reminder`: sends now, whatever the date ("tanpa melihat
    /// threshold"), unless the number opted out (a skipped line, nothing sent).
    pub async fn send_one(&self, id: &str) -> Result<Detail, ReminderError> {
        self.messenger.ready()?;
        let record = self.records.get(id).await?;
        let target = Target::manual(&record);
        if self.opted_out(&target).await? {
            return Ok(Detail::skipped(&target, OPTED_OUT.into()));
        }
        let days_left = record
            .next_service
            .map(|next| (next - self.time.today()).num_days());
        let pacing = self.messenger.pacing;
        let subject = target.subject();
        let ask = Ask {
            slot: pacing.first_slot(),
            cooldown: Some(&subject),
            custom_to: None,
        };
        let permit = match pacing.admit(&ask).await? {
            Ok(permit) => permit,
            Err(refusal) => {
                let throttled = refusal.throttled(&pacing.settings.limits, self.time.instant());
                return Err(ReminderError::Throttled(throttled));
            }
        };
        let schedule = permit.schedule(self.time.instant());
        let detail = self
            .send(&target, days_left, Source::Single, None, schedule)
            .await;
        if detail.status == Outcome::Failed {
            pacing.give_back(&permit).await;
        }
        Ok(detail)
    }

    /// Whom the run considers, soonest service first, and how many records and vehicles it
    /// serves.
    async fn candidates(
        &self,
        run: &Run,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<(Vec<Target>, u64), StoreError> {
        let mut targets = Vec::new();
        let mut total = 0;
        if run.reach.manual() {
            let records = self.claims.due_between(from, to, run.only_active).await?;
            targets.extend(records.iter().map(Target::manual));
            total += self.records.store.counts().await?.total;
        }
        if run.reach.register() {
            targets.extend(self.due_vehicles(from, to).await?);
            total += self.register.register_counts().await?.vehicles;
        }
        targets.sort_by(|a, b| (a.next_service, &a.id).cmp(&(b.next_service, &b.id)));
        Ok((targets, total))
    }

    /// The register's vehicles whose next service lies in `from..=to`: read by the day each was
    /// written as due on, and by last visit under the workshop's months (which also finds a
    /// vehicle written before `due_on` existed, and follows a change of the months at once).
    async fn due_vehicles(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<Target>, StoreError> {
        let plan = &self.settings.service_plan;
        let months = |kind| plan.of(kind).interval_months;
        let back = |date: NaiveDate, months: u32| {
            date.checked_sub_months(Months::new(months)).unwrap_or(date)
        };
        let (shortest, longest) = VehicleKind::ALL
            .into_iter()
            .map(months)
            .fold((u32::MAX, 0), |(lo, hi), m| (lo.min(m), hi.max(m)));
        let mut found = self.register.vehicles_due_between(from, to).await?;
        let visited = self
            .register
            .visited_between(
                back(from, longest) - MONTH_END_SLACK,
                back(to, shortest) + MONTH_END_SLACK,
            )
            .await?;
        found.extend(visited);
        let mut seen = std::collections::HashSet::new();
        found.retain(|due| seen.insert(due.vehicle.id.clone()));
        let today = self.time.today();
        Ok(found
            .iter()
            .map(|due| Target::vehicle(due, plan, today))
            .filter(|t| {
                t.next_service
                    .is_some_and(|next| next >= from && next <= to)
            })
            .collect())
    }

    /// Decides, claims, paces and sends one reminder.
    async fn remind(
        &self,
        run: &Run,
        target: &Target,
        today: NaiveDate,
        pace: &Mutex<Pace>,
    ) -> Detail {
        let (next_service, days_left) = match due(run, target, today) {
            Ok(due) => due,
            Err(reason) => return Detail::skipped(target, reason),
        };
        if Instant::now() + self.settings.worst_send + BUDGET_MARGIN > run.deadline {
            let reason = "Waktu run habis; dikirim pada run berikutnya".to_string();
            return Detail::deferred(target, reason);
        }
        if let Some(stopped) = lock(pace).stopped.clone() {
            return Detail::deferred(target, stopped);
        }
        let key = target.claim_key(next_service);
        let now = self.time.instant();
        match self.claims.claim(&key, now, now + CLAIM_LEASE).await {
            Ok(Claim::Won) => {}
            Ok(taken) => return Detail::skipped(target, taken_reason(taken, next_service)),
            Err(e) => {
                tracing::error!(target = %target.id, error = %e, "claim failed");
                return Detail {
                    reason: Some(e.reason()),
                    ..Detail::of(target, Outcome::Failed)
                };
            }
        }
        // Asked after the claim: an opt-out stored before the claim is always seen here.
        match self.opted_out(target).await {
            Ok(false) => {}
            blocked => {
                if let Err(e) = self.claims.release(&key).await {
                    tracing::error!(target = %target.id, error = %e, "claim not released");
                }
                return match blocked {
                    Err(e) => Detail {
                        reason: Some(e.reason()),
                        ..Detail::of(target, Outcome::Failed)
                    },
                    _ => Detail::skipped(target, OPTED_OUT.into()),
                };
            }
        }
        let permit = match self.place(target, pace).await {
            Ok(permit) => permit,
            Err(refused) => {
                if let Err(e) = self.claims.release(&key).await {
                    tracing::error!(target = %target.id, error = %e, "claim not released");
                }
                return refused;
            }
        };
        let schedule = permit.schedule(self.time.instant());
        let detail = self
            .send(target, Some(days_left), run.source, Some(&key), schedule)
            .await;
        let settled = match detail.status {
            Outcome::Failed => {
                self.messenger.pacing.give_back(&permit).await;
                self.claims.release(&key).await
            }
            Outcome::Unknown => self.claims.mark_unknown(&key, self.time.instant()).await,
            Outcome::Sent | Outcome::Scheduled | Outcome::Skipped => Ok(()),
        };
        if let Err(e) = settled {
            // Left held, the claim turns unknown when its lease ends: never sent twice.
            tracing::error!(target = %target.id, error = %e, "claim not settled after the send");
        }
        self.brake(&detail, pace).await;
        detail
    }

    /// The reminder's slot in the run's lane and its place under the limits: the next slot,
    /// or the next hour's when this one is full; or the line of why it waits for the next run.
    async fn place(&self, target: &Target, pace: &Mutex<Pace>) -> Result<Permit, Detail> {
        let pacing = self.messenger.pacing;
        let subject = target.subject();
        for _ in 0..HOUR_SKIPS {
            let slot = {
                let mut pace = lock(pace);
                if let Some(stopped) = &pace.stopped {
                    return Err(Detail::deferred(target, stopped.clone()));
                }
                pacing.next_slot(&mut pace.lane)
            };
            let ask = Ask {
                slot,
                cooldown: Some(&subject),
                custom_to: None,
            };
            match pacing.admit(&ask).await {
                Ok(Ok(permit)) => return Ok(permit),
                Ok(Err(Refusal::Hourly { .. })) => pacing.skip_hour(&mut lock(pace).lane),
                Ok(Err(refusal)) => {
                    let reason = refusal.reason(&pacing.settings.limits);
                    return Err(Detail::deferred(target, reason));
                }
                Err(e) => {
                    tracing::error!(target = %target.id, error = %e, "pacing failed");
                    return Err(Detail {
                        reason: Some(e.reason()),
                        ..Detail::of(target, Outcome::Failed)
                    });
                }
            }
        }
        Err(Detail::deferred(target, pacing::HOURLY_FULL.into()))
    }

    /// Notes a send on the run's brake, and stops the runs when it trips.
    async fn brake(&self, detail: &Detail, pace: &Mutex<Pace>) {
        let failure = match detail.status {
            Outcome::Failed | Outcome::Unknown => Some(detail.reason.as_deref().unwrap_or("")),
            _ => None,
        };
        let tripped = {
            let mut pace = lock(pace);
            match pace.brake.note(failure) {
                Some(reason) if pace.stopped.is_none() => {
                    pace.stopped = Some(reason.clone());
                    Some(reason)
                }
                _ => None,
            }
        };
        if let Some(reason) = tripped {
            self.messenger.pacing.pause(&reason).await;
        }
    }

    /// Whether `target`'s number opted out, as a whole or for its vehicle.
    async fn opted_out(&self, target: &Target) -> Result<bool, StoreError> {
        let opt_outs = self.messenger.opt_outs;
        opt_outs.blocks(&target.no_hp, Some(&target.nopol)).await
    }

    /// Renders and sends the reminder of `target`, and counts it when it went out.
    async fn send(
        &self,
        target: &Target,
        days_left: Option<i64>,
        source: Source,
        claim: Option<&str>,
        schedule: Option<DateTime<Utc>>,
    ) -> Detail {
        let text = target.text(&self.settings, days_left);
        let values = target.values(self.settings.workshop, days_left);
        let entry = self
            .messenger
            .send_and_log(Outgoing {
                no_hp: &target.no_hp,
                message: &text,
                source,
                record_id: Some(&target.id),
                claim,
                reminder: Some(&values),
                schedule,
            })
            .await;
        // A send resolved by a person while it was on its way was counted by that resolve.
        if entry.status.accepted() && entry.resolution.is_none() {
            // The message went out: a count that cannot be written is logged, never reported as
            // a failed send (the message log keeps the attempt either way).
            if let Err(e) = target.count(self, self.time.now(), claim, &entry.id).await {
                tracing::error!(target = %target.id, error = %e, "reminder sent but not counted");
            }
        }
        Detail::attempted(target, entry)
    }
}

/// A run's pacing: its lane of slots, its brake, and why it stopped sending, once it did.
struct Pace {
    lane: Lane,
    brake: Brake,
    stopped: Option<String>,
}

fn lock(pace: &Mutex<Pace>) -> std::sync::MutexGuard<'_, Pace> {
    pace.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}
