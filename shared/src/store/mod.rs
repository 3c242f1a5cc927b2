//! Storage ports: narrow traits the API is written against, with two adapters,
//! DynamoDB in production and an embedded database locally and in fast tests.

pub mod dynamo;
pub mod embedded;

use async_trait::async_trait;
use chrono::{DateTime, FixedOffset, NaiveDate, Utc};

use crate::manual::{Counts, ManualRecord};
use crate::messages::model::{MessageEntry, Source, Status};
use crate::register::{Customer, DueVehicle, RegisterCounts, Registration, Vehicle};
use crate::report::{Delivery, ReportRow, Scope, Snapshot, SnapshotInfo, Totals};

#[derive(Debug, Clone, thiserror::Error)]
pub enum StoreError {
    /// The nopol (compact key) is already registered to another record.
    #[error("nopol {0} already registered")]
    NopolTaken(String),
    /// The record changed or vanished since it was read; read it again and retry.
    #[error("record changed concurrently")]
    Stale,
    /// The database could not be reached or refused to serve (throttling, network).
    #[error("database unavailable: {0}")]
    Unavailable(String),
    #[error("storage error: {0}")]
    Other(String),
}

impl StoreError {
    /// What a caller is told of this failure, in Indonesian: never the database's own words,
    /// which stay in the log.
    pub fn reason(&self) -> String {
        match self {
            StoreError::NopolTaken(key) => format!("Nopol {key} sudah terdaftar"),
            StoreError::Stale => "Data sedang diubah oleh permintaan lain, coba lagi".into(),
            StoreError::Unavailable(_) => crate::error::UNAVAILABLE.into(),
            StoreError::Other(_) => crate::error::INTERNAL.into(),
        }
    }
}

/// Reads and writes tried again, at most, when another request changed the same data in
/// between.
const WRITE_ATTEMPTS: usize = 5;

/// Runs `attempt` (a read, then a conditional write) again while it finds the data changed
/// under it (`Ok(None)`); after [`WRITE_ATTEMPTS`] it gives up with `Stale`.
pub async fn retry_while_stale<T, E, F, Fut>(mut attempt: F) -> Result<T, E>
where
    E: From<StoreError>,
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<Option<T>, E>>,
{
    for _ in 0..WRITE_ATTEMPTS {
        if let Some(done) = attempt().await? {
            return Ok(done);
        }
    }
    Err(StoreError::Stale.into())
}

/// One page of the records list, newest first.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ListQuery {
    pub active_only: bool,
    pub limit: usize,
    /// The `list_key` of the last record of the previous page.
    pub after: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    pub items: Vec<ManualRecord>,
    /// The `list_key` to continue from, when more records may follow.
    pub next_after: Option<String>,
}

/// The manual WhatsApp records, with a unique nopol and counts kept in step with every write.
#[async_trait]
pub trait ManualStore: Send + Sync {
    /// Stores a new record; `NopolTaken` when its nopol is registered already.
    async fn insert(&self, record: &ManualRecord) -> Result<(), StoreError>;
    /// Stores many new records, each on its own: one outcome per record, in order.
    async fn insert_many(
        &self,
        records: &[ManualRecord],
    ) -> Result<Vec<Result<(), StoreError>>, StoreError>;
    async fn get(&self, id: &str) -> Result<Option<ManualRecord>, StoreError>;
    async fn find_by_nopol(&self, nopol_key: &str) -> Result<Option<ManualRecord>, StoreError>;
    async fn list(&self, query: &ListQuery) -> Result<Page, StoreError>;
    /// Replaces `current` by `next` (same id, `next.version == current.version + 1`), moving the
    /// nopol atomically when it changed. `Stale` when the stored version is not `current.version`.
    async fn replace(&self, current: &ManualRecord, next: &ManualRecord) -> Result<(), StoreError>;
    /// Deletes `current` and frees its nopol; `Stale` when it changed or vanished meanwhile.
    async fn delete(&self, current: &ManualRecord) -> Result<(), StoreError>;
    async fn counts(&self) -> Result<Counts, StoreError>;
    /// Active records whose `next_service` lies in `from..=to`.
    async fn count_upcoming(&self, from: NaiveDate, to: NaiveDate) -> Result<u64, StoreError>;
    /// Records whose last reminder was sent at or after `since`.
    async fn count_reminded_since(&self, since: DateTime<Utc>) -> Result<u64, StoreError>;
    /// The records with the most reminders sent, most first.
    async fn most_reminded(&self, limit: usize) -> Result<Vec<ManualRecord>, StoreError>;
}

/// One page of the message log, newest first.
#[derive(Debug, Clone, PartialEq)]
pub struct MessageQuery {
    pub status: Option<Status>,
    pub source: Option<Source>,
    pub limit: usize,
    /// The `log_key` of the last entry of the previous page.
    pub after: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct MessagePage {
    pub items: Vec<MessageEntry>,
    /// The `log_key` to continue from, when more entries follow.
    pub next_after: Option<String>,
}

/// The log of every send attempt. Entries are written once and never changed.
#[async_trait]
pub trait MessageStore: Send + Sync {
    async fn append(&self, entry: &MessageEntry) -> Result<(), StoreError>;
    async fn list(&self, query: &MessageQuery) -> Result<MessagePage, StoreError>;
}

/// Orders due records soonest first, then by id, so that every adapter answers alike.
pub(crate) fn sort_soonest_first(records: &mut [ManualRecord]) {
    records.sort_by(|a, b| {
        a.next_service
            .cmp(&b.next_service)
            .then_with(|| a.id.cmp(&b.id))
    });
}

/// The outcome of claiming an automatic reminder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claim {
    /// This run holds the claim and may send.
    Won,
    /// Already sent for this service date.
    AlreadySent,
    /// Another run holds an unexpired claim and is sending right now.
    Busy,
}

/// What the reminder runs need: the due records, and claims that make each automatic reminder
/// go out at most once per record and service date, even with runs side by side.
#[async_trait]
pub trait ReminderStore: Send + Sync {
    /// Records whose `next_service` lies in `from..=to`, soonest first; with `active_only`, only
    /// active ones. Read through an index: the cost follows the number returned.
    async fn due_between(
        &self,
        from: NaiveDate,
        to: NaiveDate,
        active_only: bool,
    ) -> Result<Vec<ManualRecord>, StoreError>;
    /// Claims the reminder `key` (the record and its service date) until `lease_until`; a claim
    /// whose lease ran out (its run died) can be claimed again.
    async fn claim(
        &self,
        key: &str,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
    ) -> Result<Claim, StoreError>;
    /// Gives a claim back after a failed send, so that the next run tries again.
    async fn release(&self, key: &str) -> Result<(), StoreError>;
    /// One reminder sent to record `id` at `at`, in one atomic write: `reminder_sent_count + 1`,
    /// `last_reminder_sent`, the record's version moved on (so no edit read before overwrites
    /// the count), the summary counts, and the claim `claim` (if any) settled for good.
    /// A record deleted meanwhile is no error: the claim is still settled.
    async fn record_sent(
        &self,
        id: &str,
        at: DateTime<FixedOffset>,
        claim: Option<&str>,
    ) -> Result<(), StoreError>;
}

/// One page of the customers, newest first.
#[derive(Debug, Clone, PartialEq)]
pub struct CustomerPage {
    pub items: Vec<Customer>,
    /// The `list_key` to continue from, when more customers may follow.
    pub next_after: Option<String>,
}

/// The customer register: customers, their vehicles (nopol unique across vehicles), and counts
/// kept in step with every write. Every write is atomic; writes conditional on a version fail
/// with `Stale` when it moved.
#[async_trait]
pub trait RegisterStore: Send + Sync {
    /// Stores a new customer with its vehicles, all or nothing; `NopolTaken` when a vehicle's
    /// nopol is registered already.
    async fn insert_registration(&self, registration: &Registration) -> Result<(), StoreError>;
    /// Stores many registrations, each on its own: one outcome per registration, in order.
    async fn insert_registrations(
        &self,
        registrations: &[Registration],
    ) -> Result<Vec<Result<(), StoreError>>, StoreError>;
    async fn customer(&self, id: &str) -> Result<Option<Customer>, StoreError>;
    async fn customers(
        &self,
        limit: usize,
        after: Option<&str>,
    ) -> Result<CustomerPage, StoreError>;
    async fn register_counts(&self) -> Result<RegisterCounts, StoreError>;
    /// Replaces `current` by `next` (same id, one version on).
    async fn replace_customer(&self, current: &Customer, next: &Customer)
    -> Result<(), StoreError>;
    /// Deletes `current` and `vehicles` (all of its vehicles, as read after it) and frees their
    /// nopols; `Stale` when any of them changed or another vehicle was added meanwhile.
    async fn delete_customer(
        &self,
        current: &Customer,
        vehicles: &[Vehicle],
    ) -> Result<(), StoreError>;
    /// The vehicles of customer `id`, by nopol.
    async fn vehicles_of(&self, id: &str) -> Result<Vec<Vehicle>, StoreError>;
    async fn vehicle(&self, id: &str) -> Result<Option<Vehicle>, StoreError>;
    /// Whether a vehicle has the nopol `nopol_key` (compact, `B1234CD`): a read, for dry runs.
    async fn vehicle_nopol_taken(&self, nopol_key: &str) -> Result<bool, StoreError>;
    /// Adds `vehicle` to `owner`, moving the owner's version on; `Stale` when the owner moved
    /// or vanished, `NopolTaken` when the nopol is registered.
    async fn insert_vehicle(&self, owner: &Customer, vehicle: &Vehicle) -> Result<(), StoreError>;
    /// Replaces `current` by `next`, moving the nopol atomically when it changed.
    async fn replace_vehicle(&self, current: &Vehicle, next: &Vehicle) -> Result<(), StoreError>;
    async fn delete_vehicle(&self, current: &Vehicle) -> Result<(), StoreError>;
    /// Vehicles whose `last_visit` lies in `from..=to`, each with its customer (a vehicle whose
    /// customer vanished meanwhile is left out). Read through an index: the cost follows the
    /// number returned.
    async fn visited_between(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<DueVehicle>, StoreError>;
}

/// One page of the report rows in list order: by the instant of their first delivery, then id.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportPage {
    pub rows: Vec<ReportRow>,
    /// The position key ([`crate::query::position_key`]) to continue after, when more follow.
    pub next_after: Option<String>,
}

/// The WhatsApp report rows and the snapshots of their resets. Every write that changes a row
/// changes the report's [`Totals`] in the same atomic write.
#[async_trait]
pub trait ReportStore: Send + Sync {
    /// One reminder delivered to a pair, in one atomic write: its row upserted (`frequency + 1`,
    /// `last_message_date` and `updated_at` set to the delivery's instant, `created_at` set on
    /// the first only, the names of the delivery), and the claim `claim` (if any) settled as sent.
    async fn record_delivery(
        &self,
        delivery: &Delivery,
        claim: Option<&str>,
    ) -> Result<(), StoreError>;
    /// The rows in `scope`, in no particular order.
    async fn report_rows(&self, scope: &Scope) -> Result<Vec<ReportRow>, StoreError>;
    /// At most `limit` rows after position key `after`, in list order: the cost follows the page.
    async fn report_page(
        &self,
        limit: usize,
        after: Option<&str>,
    ) -> Result<ReportPage, StoreError>;
    /// The totals of every row, as kept: one read whatever the number of rows.
    async fn report_totals(&self) -> Result<Totals, StoreError>;

    async fn report_row(&self, id: &str) -> Result<Option<ReportRow>, StoreError>;
    /// Deletes row `id`; `false` when there was none.
    async fn delete_report_row(&self, id: &str) -> Result<bool, StoreError>;
    /// Keeps `snapshot` (status `Resetting`), applies [`crate::report::reset_row`] to each of its rows, then
    /// marks it `Reset`; the number of rows reset. Complete or, when interrupted, resumable:
    /// restoring the snapshot undoes exactly the rows it reached.
    async fn reset(&self, snapshot: &Snapshot) -> Result<usize, StoreError>;
    /// Marks `snapshot` `Restoring`, applies [`crate::report::restore_row`] to each of its rows, then marks it
    /// `Restored` at `at`; the number of rows restored. Repeating it after an interruption
    /// finishes it.
    async fn restore(
        &self,
        snapshot: &Snapshot,
        at: DateTime<FixedOffset>,
    ) -> Result<usize, StoreError>;
    /// Every snapshot, newest first.
    async fn snapshots(&self) -> Result<Vec<SnapshotInfo>, StoreError>;
    async fn snapshot(&self, id: &str) -> Result<Option<Snapshot>, StoreError>;
}

/// Everything a deployment keeps: what an [`crate::App`] is built on.
pub trait Store:
    ManualStore + MessageStore + ReminderStore + RegisterStore + ReportStore + 'static
{
}

impl<T> Store for T where
    T: ManualStore + MessageStore + ReminderStore + RegisterStore + ReportStore + 'static
{
}
