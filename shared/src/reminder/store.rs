//! The reminders' port: the due records and the claims that keep each automatic reminder to
//! one send. The adapters in `crate::store` implement it.

use async_trait::async_trait;
use chrono::{DateTime, FixedOffset, NaiveDate, Utc};

use crate::manual::ManualRecord;
use crate::store_error::StoreError;

/// Orders due records soonest first, then by id, so that every adapter answers alike.
pub fn sort_soonest_first(records: &mut [ManualRecord]) {
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
    /// A send may have gone out (its outcome was lost, or its holder died before settling):
    /// nothing is sent until a person resolves it.
    Unknown,
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
    /// whose lease ran out (its run died) is [`Claim::Unknown`], never claimed again.
    async fn claim(
        &self,
        key: &str,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
    ) -> Result<Claim, StoreError>;
    /// How claim `key` stands at `now`, without taking it: `None` when it is free, else what
    /// [`ReminderStore::claim`] would answer. For previews.
    async fn peek(&self, key: &str, now: DateTime<Utc>) -> Result<Option<Claim>, StoreError>;
    /// Keeps claim `key` as unknown after a send whose outcome was lost (a sent one stays).
    async fn mark_unknown(&self, key: &str, now: DateTime<Utc>) -> Result<(), StoreError>;
    /// Gives a claim back after a failed send or one resolved as not sent, so that the next
    /// run tries again; a sent claim stays.
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
