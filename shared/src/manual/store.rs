//! The records' port: what the records' service needs of a store. The adapters in
//! `crate::store` implement it.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};

use super::{Counts, ManualRecord};
use crate::store_error::StoreError;

/// One page of the records list, newest first: `?active_only=&limit=&cursor=`.
#[derive(Debug, Clone, Default, PartialEq, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Only active records (`true`/`false`).
    #[param(required = false, default = false)]
    pub active_only: bool,
    /// Records per page, at most; fewer when that many would outgrow one answer (6 MB): go on
    /// with `next_cursor`.
    #[param(value_type = u32, required = false, minimum = 1, maximum = 1000, default = 1000)]
    pub limit: usize,
    /// The previous page's `next_cursor` (the `list_key` of its last record, once read); empty or
    /// absent: the first page.
    #[param(rename = "cursor", value_type = Option<String>)]
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
