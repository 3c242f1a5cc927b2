//! The change log: every create, update, delete, import, reset, restore and schedule change,
//! with its actor (the token's `sub`), its action (the route's function), its target and a
//! short summary, recorded by the route table's recorder ([`api::record`]): in the change's own
//! transaction where a store makes the change in one ([`pending`]), else after it. Read through
//! `GET /audit`.

pub mod api;
mod input;
pub mod model;
pub mod pending;
pub mod store;

pub use model::{AuditEntry, Target};
pub use store::{AuditPage, AuditQuery, AuditStore};

use serde::Serialize;
use uuid::Uuid;

use crate::answer::fit_page;
use crate::clock::WorkshopClock;
use crate::query::encode_cursor;
use crate::store_error::StoreError;

/// Entries per page, by default and at most.
pub const DEFAULT_PAGE: usize = 100;
pub const MAX_PAGE: usize = 1000;

/// What the change log works with: its store and the workshop's clock that dates each entry.
#[derive(Clone, Copy)]
pub struct AuditLog<'a> {
    pub store: &'a dyn AuditStore,
    pub time: &'a WorkshopClock,
}

/// A change to record: who, what, on what, and in short.
#[derive(Debug, Clone, PartialEq)]
pub struct Change<'a> {
    pub actor: &'a str,
    pub action: &'a str,
    pub target: Target,
    pub summary: String,
}

/// A page of the log: `{"data": [...], "next_cursor": ...}`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AuditList {
    pub data: Vec<AuditEntry>,
    pub next_cursor: Option<String>,
}

impl AuditLog<'_> {
    /// The entry of `change`, dated now.
    pub fn entry(&self, change: Change<'_>) -> AuditEntry {
        AuditEntry {
            id: Uuid::new_v4().to_string(),
            at: self.time.now_precise(),
            actor: change.actor.to_string(),
            action: change.action.to_string(),
            target: change.target,
            summary: change.summary,
        }
    }

    /// Appends `change`, dated now, on its own: for changes made already.
    pub async fn record(&self, change: Change<'_>) {
        self.append(self.entry(change)).await;
    }

    /// Appends `entry` of a change made already: a log that cannot be written is reported in
    /// the service log, never as a failed change.
    pub async fn append(&self, entry: AuditEntry) {
        if let Err(error) = self.store.append(&entry).await {
            tracing::error!(%error, action = %entry.action, actor = %entry.actor, "change log write failed");
        }
    }

    /// The log, newest first, a page at most as large as one answer carries.
    pub async fn list(&self, query: &AuditQuery) -> Result<AuditList, StoreError> {
        let page = self.store.list(query).await?;
        let (data, next_after) = fit_page(page.items, page.next_after, AuditEntry::log_key);
        Ok(AuditList {
            data,
            next_cursor: next_after.as_deref().map(encode_cursor),
        })
    }
}
