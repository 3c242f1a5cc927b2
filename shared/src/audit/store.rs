//! The change log's port. The adapters in `crate::store` implement it.

use async_trait::async_trait;
use chrono::{DateTime, FixedOffset};

use super::model::AuditEntry;
use crate::store_error::StoreError;

/// One page of the change log, newest first: `?actor=&action=&since=&limit=&cursor=`.
#[derive(Debug, Clone, PartialEq, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Only the changes of this actor (a token's `sub`).
    pub actor: Option<String>,
    /// Only changes of this action (a route's function, such as `manual-delete`).
    pub action: Option<String>,
    /// Only changes at or after this instant (RFC 3339, such as `2026-12-01T00:00:00+07:00`).
    #[param(value_type = Option<String>, format = DateTime)]
    pub since: Option<DateTime<FixedOffset>>,
    /// Entries per page, at most.
    #[param(value_type = u32, required = false, minimum = 1, maximum = 1000, default = 100)]
    pub limit: usize,
    /// The previous page's `next_cursor`; empty or absent: the first page.
    #[param(rename = "cursor", value_type = Option<String>)]
    pub after: Option<String>,
}

impl AuditQuery {
    /// Whether `entry` passes the filters (the cursor and `since` bound the range instead).
    pub fn admits(&self, entry: &AuditEntry) -> bool {
        self.actor
            .as_ref()
            .is_none_or(|actor| *actor == entry.actor)
            && self
                .action
                .as_ref()
                .is_none_or(|action| *action == entry.action)
    }

    /// The lowest log key `since` admits.
    pub fn since_key(&self) -> Option<String> {
        self.since
            .map(|since| crate::query::position_key_precise(since, ""))
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct AuditPage {
    pub items: Vec<AuditEntry>,
    /// The `log_key` to continue from, when more entries follow.
    pub next_after: Option<String>,
}

/// The change log. Entries are written once and never changed.
#[async_trait]
pub trait AuditStore: Send + Sync {
    async fn append(&self, entry: &AuditEntry) -> Result<(), StoreError>;
    async fn list(&self, query: &AuditQuery) -> Result<AuditPage, StoreError>;
}
