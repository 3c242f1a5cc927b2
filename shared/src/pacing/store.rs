//! The port pacing needs of a store: counters that cannot overshoot, holds that keep a
//! customer from hearing twice within the cooldown, and the brake's paused state.

use async_trait::async_trait;
use chrono::{DateTime, FixedOffset, Utc};
use serde::{Deserialize, Serialize};

use crate::store_error::StoreError;

/// One thing a message takes; [`PacingStore::take`] takes all of a message's or none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Take {
    /// One more on the counter `key` (a day's, an hour's, a number's day), refused at `limit`;
    /// the counter may be forgotten after `expires_at`.
    Count {
        key: String,
        limit: u32,
        expires_at: DateTime<Utc>,
    },
    /// The hold `key` (a record's or vehicle's cooldown) until `until`, refused while another
    /// stands.
    Hold { key: String, until: DateTime<Utc> },
}

impl Take {
    pub fn key(&self) -> &str {
        match self {
            Take::Count { key, .. } | Take::Hold { key, .. } => key,
        }
    }
}

/// Why runs stopped sending, until `POST /scheduler/maintenance-reminder/start` clears it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Paused {
    pub reason: String,
    pub at: DateTime<FixedOffset>,
}

#[async_trait]
pub trait PacingStore: Send + Sync {
    /// Takes every one of `takes` atomically, or none: `Ok(None)` when taken, `Ok(Some(i))`
    /// when `takes[i]` stood at its limit (a hold standing after `now`).
    async fn take(&self, takes: &[Take], now: DateTime<Utc>) -> Result<Option<usize>, StoreError>;
    /// Gives `takes` back: a message known not to have left (counters one lower, holds gone).
    async fn give_back(&self, takes: &[Take]) -> Result<(), StoreError>;
    /// The counters `keys` stand at (0 for an absent one), in order.
    async fn counters(&self, keys: &[String]) -> Result<Vec<u32>, StoreError>;
    /// Until when the hold `key` stands, if it does.
    async fn held_until(&self, key: &str) -> Result<Option<DateTime<Utc>>, StoreError>;
    /// Stops the runs; an earlier reason still standing is kept.
    async fn pause(&self, paused: &Paused) -> Result<(), StoreError>;
    async fn paused(&self) -> Result<Option<Paused>, StoreError>;
    /// Lets the runs send again.
    async fn resume(&self) -> Result<(), StoreError>;
}
