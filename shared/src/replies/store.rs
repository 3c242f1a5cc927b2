//! The replies' port. The adapters in `crate::store` implement it.

use async_trait::async_trait;

use super::Reply;
use crate::store_error::StoreError;

/// One page of the inbox, newest first.
#[derive(Debug, Clone, PartialEq)]
pub struct ReplyPage {
    pub items: Vec<Reply>,
    /// The `inbox_key` to continue from, when more follow.
    pub next_after: Option<String>,
}

#[async_trait]
pub trait InboxStore: Send + Sync {
    /// Stores `reply` unless one with its id is there; whether it was new. A reply without an
    /// action is in the inbox; a keyword's is kept only to refuse its repeats.
    async fn record_reply(&self, reply: &Reply) -> Result<bool, StoreError>;
    /// Up to `limit` inbox replies older than `after` (an `inbox_key`), newest first.
    async fn inbox(&self, limit: usize, after: Option<&str>) -> Result<ReplyPage, StoreError>;
}
