//! The DynamoDB adapter: one table holding every item kind, keyed by `pk`.
//!
//! A model's fields are its serde form ([`item::attributes`], serde_dynamo; a `None` is left
//! out); the adapter's own attributes are written explicitly beside them: keys, `kind`,
//! `version`, and what the indexes and guards are built on.
//!
//! - Record: `pk` = id, `kind` = "rec", the fields, `version`, plus `nopol_key`, `list_key`,
//!   the sparse `due` ("active" or "inactive", only with a `next_service`) and
//!   `last_reminder_epoch` that the indexes ([`schema::INDEXES`]) are built on.
//! - Guard: `pk` = "nopol#" + nopol key. A GSI cannot enforce uniqueness, so the guard is put
//!   with `attribute_not_exists(pk)` in the same transaction as the record.
//! - Counts: `pk` = "meta#counts", adjusted with `ADD` in the same transaction as every write,
//!   so the summary is one read.
//! - Message log entry: `pk` = "msg#" + id, `log` = "msg", `log_key`; see [`messages`].
//! - Opt-out: `pk` = "optout#" + scope, `log` = "optout", `log_key`; see [`optout`].
//! - Reply: `pk` = "reply#" + id; in the inbox also `log` = "inbox", `log_key`; see
//!   [`replies`].
//! - Pacing counters, cooldown holds and the brake: `pk` = "pace#" + key; see [`pacing`].
//! - Reminder claim: `pk` = "claim#" + key, `state`, `lease_until`, and the TTL attribute
//!   `expires_at`; see [`reminders`].
//!
//! The register and the report ([`register`], [`report`]); timestamps are RFC 3339 text:
//! - Customer: `pk` = "customer#" + id, `kind` = "customer", `list_key` (newest first through
//!   `list-index`), the fields, `version`.
//! - Vehicle: `pk` = "vehicle#" + id, `kind` = "vehicle", `id_customer` (`customer-index`), the
//!   fields (its own kind, motor or mobil, as `vehicle_kind`), `version`; with a last visit,
//!   `last_visit` and the sparse `visit` = "vehicle" (`visit-index`); with a next service,
//!   `due` = "vehicle" and `next_service` = its `due_on` (`due-index`, a partition the records'
//!   "active" and "inactive" never read).
//! - Visit: `pk` = "visit#" + id, `kind` = "visit", `id_customer` (`customer-index`), the
//!   fields. Customers are also found by phone: `no_hp` and `kind` (`phone-index`, keys only).
//! - Vehicle nopol guard: `pk` = "vnopol#" + nopol key, `vehicle_id`; put if absent in the same
//!   transaction as the vehicle (apart from the records' guards: a plate may be in both).
//! - Register counts: `pk` = "meta#register", `customers`, `vehicles`, adjusted with `ADD` in
//!   the same transaction as every insert and delete.
//! - Report row: `pk` = "report#" + id (`report_id` of the pair), `kind` = "report", `list_key`,
//!   `id_customer` (`customer-index`), the row's fields, and `resets`, the string set of the
//!   snapshots whose reset took its frequency (absent when empty).
//! - Snapshot header: `pk` = "snapshot#" + id, `kind` = "snapshot", `list_key`, the info (the
//!   scope a map, so that its `id_customer` stays out of `customer-index`) and `parts`; part n:
//!   `pk` = "snapshot#" + id + "#" + n, `part`, `rows` (JSON). Parts are written before the
//!   header.

mod audit;
mod item;
mod messages;
mod optout;
mod pacing;
mod read;
mod register;
mod reminders;
mod replies;
mod report;
pub mod schema;
mod write;

use std::error::Error;
use std::fmt::Debug;

use async_trait::async_trait;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::{BuildError, DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use chrono::{DateTime, NaiveDate, Utc};

use crate::audit::pending;
use crate::manual::store::{ListQuery, ManualStore, Page};
use crate::manual::{Counts, ManualRecord};
use crate::store_error::StoreError;

/// The item form of a record, for bulk loading (e.g. BatchWriteItem): exactly the item the
/// adapter writes for it, without its nopol guard and without touching the counts.
pub use item::record_item;
/// The item form of a report row, for bulk loading: exactly the item deliveries leave.
pub use report::{report_item, totals_item};
pub use schema::{
    INDEXES, Index, KeyAttr, Provisioned, TABLE_KEY, TTL_ATTRIBUTE, ensure_table, provision,
};

#[derive(Debug, Clone)]
pub struct DynamoStore {
    client: Client,
    table: String,
}

impl DynamoStore {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        DynamoStore {
            client,
            table: table.into(),
        }
    }

    pub fn table(&self) -> &str {
        &self.table
    }
}

#[async_trait]
impl ManualStore for DynamoStore {
    async fn insert(&self, record: &ManualRecord) -> Result<(), StoreError> {
        pending::in_change(|entry| async move { self.insert_one(record, entry.as_ref()).await })
            .await
    }

    async fn insert_many(
        &self,
        records: &[ManualRecord],
    ) -> Result<Vec<Result<(), StoreError>>, StoreError> {
        self.insert_batch(records).await
    }

    async fn get(&self, id: &str) -> Result<Option<ManualRecord>, StoreError> {
        self.get_record(id).await
    }

    async fn find_by_nopol(&self, nopol_key: &str) -> Result<Option<ManualRecord>, StoreError> {
        self.query_nopol(nopol_key).await
    }

    async fn list(&self, query: &ListQuery) -> Result<Page, StoreError> {
        self.query_list(query).await
    }

    async fn replace(&self, current: &ManualRecord, next: &ManualRecord) -> Result<(), StoreError> {
        pending::in_change(|entry| async move {
            self.replace_record(current, next, entry.as_ref()).await
        })
        .await
    }

    async fn delete(&self, current: &ManualRecord) -> Result<(), StoreError> {
        pending::in_change(|entry| async move { self.delete_record(current, entry.as_ref()).await })
            .await
    }

    async fn counts(&self) -> Result<Counts, StoreError> {
        self.read_counts().await
    }

    async fn count_upcoming(&self, from: NaiveDate, to: NaiveDate) -> Result<u64, StoreError> {
        self.count_due_between(from, to).await
    }

    async fn count_reminded_since(&self, since: DateTime<Utc>) -> Result<u64, StoreError> {
        self.count_reminded(since).await
    }

    async fn most_reminded(&self, limit: usize) -> Result<Vec<ManualRecord>, StoreError> {
        self.query_most_reminded(limit).await
    }
}

/// Error codes that mean "try again later" rather than "this request is wrong".
const UNAVAILABLE_CODES: &[&str] = &[
    "ThrottlingException",
    "Throttling",
    "ProvisionedThroughputExceededException",
    "RequestLimitExceeded",
    "ServiceUnavailable",
    "ServiceUnavailableException",
    "InternalServerError",
];

/// Whether a conditional `PutItem` was refused by its condition (the expected state was not
/// there), which the callers answer as an outcome, not an error.
pub(crate) fn put_refused<R>(err: &SdkError<PutItemError, R>) -> bool {
    err.as_service_error()
        .is_some_and(PutItemError::is_conditional_check_failed_exception)
}

/// Maps an SDK error: unreachable, slow or throttling databases become `Unavailable` (503),
/// anything else `Other`, with the whole error chain as text for the log.
pub(crate) fn sdk_error<E, R>(operation: &str, err: SdkError<E, R>) -> StoreError
where
    E: Error + ProvideErrorMetadata + Send + Sync + 'static,
    R: Debug,
{
    let unavailable = match &err {
        SdkError::DispatchFailure(_) | SdkError::TimeoutError(_) => true,
        SdkError::ServiceError(service) => service
            .err()
            .code()
            .is_some_and(|code| UNAVAILABLE_CODES.contains(&code)),
        _ => false,
    };
    let text = format!("{operation}: {}", DisplayErrorContext(&err));
    if unavailable {
        StoreError::Unavailable(text)
    } else {
        StoreError::Other(text)
    }
}

/// A request we built was incomplete: a bug here, not in the data.
pub(crate) fn build_error(err: BuildError) -> StoreError {
    StoreError::Other(format!("building a DynamoDB request: {err}"))
}
