//! What providers say of messages after accepting them: statuses told by webhook (the Cloud
//! API) or polled (StarSender), applied to the log so that a status never moves a message
//! backwards and a repeat changes nothing.

use chrono::{DateTime, FixedOffset, TimeDelta};
use serde::Serialize;

use super::gateway::MessageGateway;
use super::model::{DeliveryStatus, MessageEntry, Status};
use super::store::{DeliveryStore, MessageQuery, MessageStore};
use crate::clock::WorkshopClock;
use crate::store_error::StoreError;

/// Tries of one status against writes racing it (another status of the same message).
const ATTEMPTS: usize = 5;
/// How far back the poll looks: older messages are not asked about again.
pub const POLL_WINDOW: TimeDelta = TimeDelta::hours(24);
/// Log entries read per page while polling.
const POLL_PAGE: usize = 200;

/// What applying one status did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Applied {
    /// The message moved on (or a time was filled in).
    Changed,
    /// Told before, or behind what the message has: nothing changed.
    Unchanged,
    /// No message has that provider id.
    UnknownMessage,
}

/// What the statuses work with.
#[derive(Clone, Copy)]
pub struct Deliveries<'a> {
    pub store: &'a dyn DeliveryStore,
    pub log: &'a dyn MessageStore,
    pub gateway: &'a dyn MessageGateway,
    pub time: &'a WorkshopClock,
}

/// One poll's outcome: how many messages were asked about, and how many moved.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PollSummary {
    pub asked: usize,
    pub changed: usize,
    pub errors: usize,
}

impl Deliveries<'_> {
    /// Applies `status` (told at `at`) to the message the provider knows as `provider_id`.
    pub async fn apply(
        &self,
        provider_id: &str,
        status: DeliveryStatus,
        error: Option<String>,
        at: DateTime<FixedOffset>,
    ) -> Result<Applied, StoreError> {
        for _ in 0..ATTEMPTS {
            let Some(entry) = self.store.by_provider_id(provider_id).await? else {
                return Ok(Applied::UnknownMessage);
            };
            let Some(next) = entry.with_delivery(status, error.clone(), at) else {
                return Ok(Applied::Unchanged);
            };
            if self
                .store
                .record_status(&next, entry.delivery_status)
                .await?
            {
                return Ok(Applied::Changed);
            }
        }
        Err(StoreError::Other(format!(
            "status of {provider_id} kept losing to concurrent writes"
        )))
    }

    /// Asks the provider (when it is polled) about every message of the last 24 hours that
    /// it accepted with an id (to send now, or at its slot) and has no final status yet, and
    /// applies the answers.
    pub async fn poll(&self) -> Result<PollSummary, StoreError> {
        let mut summary = PollSummary::default();
        if self.gateway.polls_status() {
            for status in [Status::Sent, Status::Scheduled] {
                self.poll_accepted(status, &mut summary).await?;
            }
        }
        Ok(summary)
    }

    /// The poll over the log's entries of `status`, newest first, back to the poll window.
    async fn poll_accepted(
        &self,
        status: Status,
        summary: &mut PollSummary,
    ) -> Result<(), StoreError> {
        let since = self.time.now() - POLL_WINDOW;
        let mut query = MessageQuery {
            status: Some(status),
            source: None,
            limit: POLL_PAGE,
            after: None,
        };
        loop {
            let page = self.log.list(&query).await?;
            for entry in page.items.iter().take_while(|e| e.created_at >= since) {
                if let Some(id) = pending(entry) {
                    self.ask(id, summary).await;
                }
            }
            let older = page.items.last().is_none_or(|e| e.created_at < since);
            match page.next_after {
                Some(after) if !older => query.after = Some(after),
                _ => return Ok(()),
            }
        }
    }

    async fn ask(&self, provider_id: &str, summary: &mut PollSummary) {
        summary.asked += 1;
        let told = match self.gateway.status(provider_id).await {
            Ok(Some(report)) => {
                self.apply(provider_id, report.status, report.error, self.time.now())
                    .await
            }
            Ok(None) => return,
            Err(why) => Err(StoreError::Other(why)),
        };
        match told {
            Ok(Applied::Changed) => summary.changed += 1,
            Ok(_) => {}
            Err(e) => {
                summary.errors += 1;
                tracing::warn!(provider_id, error = %e, "delivery status not polled");
            }
        }
    }
}

/// The provider id of `entry` when its status is still worth asking for.
fn pending(entry: &MessageEntry) -> Option<&str> {
    match entry.delivery_status {
        Some(status) if status.is_final() => None,
        _ => entry.provider_message_id.as_deref(),
    }
}
