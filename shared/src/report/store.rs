//! The report's port. The adapters in `crate::store` implement it.

use async_trait::async_trait;
use chrono::{DateTime, FixedOffset};

use super::{Delivery, ReportRow, Scope, Snapshot, SnapshotInfo, Totals};
use crate::store_error::StoreError;

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
