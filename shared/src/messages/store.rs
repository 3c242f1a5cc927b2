//! The message log's port. The adapters in `crate::store` implement it.

use async_trait::async_trait;
use chrono::{DateTime, FixedOffset};

use super::model::{DeliveryStatus, MessageEntry, Source, Status};
use crate::store_error::StoreError;

/// One page of the message log, newest first: `?status=&source=&limit=&cursor=`.
#[derive(Debug, Clone, PartialEq, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MessageQuery {
    #[param(inline)]
    pub status: Option<Status>,
    #[param(inline)]
    pub source: Option<Source>,
    /// Entries per page, at most; fewer when that many would outgrow one answer (6 MB): go on
    /// with `next_cursor`.
    #[param(value_type = u32, required = false, minimum = 1, maximum = 1000, default = 100)]
    pub limit: usize,
    /// The previous page's `next_cursor` (the `log_key` of its last entry, once read); empty or
    /// absent: the first page.
    #[param(rename = "cursor", value_type = Option<String>)]
    pub after: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct MessagePage {
    pub items: Vec<MessageEntry>,
    /// The `log_key` to continue from, when more entries follow.
    pub next_after: Option<String>,
}

/// The log of every send attempt. An entry is written before its send, as `unknown`, and
/// changed only from `unknown` (settled by its sender, or resolved by a person).
#[async_trait]
pub trait MessageStore: Send + Sync {
    async fn append(&self, entry: &MessageEntry) -> Result<(), StoreError>;
    /// The entry `id`, read as the latest write left it.
    async fn message(&self, id: &str) -> Result<Option<MessageEntry>, StoreError>;
    /// Replaces the stored entry of `entry.id` by `entry` if its status is still `expected`;
    /// `false` (and nothing written) when it is not, or there is no such entry.
    async fn settle(&self, entry: &MessageEntry, expected: Status) -> Result<bool, StoreError>;
    async fn list(&self, query: &MessageQuery) -> Result<MessagePage, StoreError>;
}

/// What the providers' statuses and customers' messages keep: the log's entries by the
/// provider's id, their delivery, and when each number last wrote (the Cloud API delivers free
/// text only within 24 hours of that).
#[async_trait]
pub trait DeliveryStore: Send + Sync {
    /// The entry whose `provider_message_id` is `provider_message_id` (set when it settled).
    async fn by_provider_id(
        &self,
        provider_message_id: &str,
    ) -> Result<Option<MessageEntry>, StoreError>;
    /// Replaces the stored entry of `entry.id` by `entry` if its `delivery_status` is still
    /// `expected`; `false` (and nothing written) when it is not.
    async fn record_status(
        &self,
        entry: &MessageEntry,
        expected: Option<DeliveryStatus>,
    ) -> Result<bool, StoreError>;
    /// Notes that `no_hp` wrote at `at` (a later note replaces an earlier one only).
    async fn note_incoming(&self, no_hp: &str, at: DateTime<FixedOffset>)
    -> Result<(), StoreError>;
    /// When `no_hp` last wrote, if ever.
    async fn last_incoming(&self, no_hp: &str)
    -> Result<Option<DateTime<FixedOffset>>, StoreError>;
}
