//! The message log's port. The adapters in `crate::store` implement it.

use async_trait::async_trait;

use super::model::{MessageEntry, Source, Status};
use crate::store_error::StoreError;

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
