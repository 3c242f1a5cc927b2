//! Pacing in the embedded database: every counter and hold in one table, a message's takes
//! checked and written in one write transaction, so concurrent sends never overshoot.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use redb::{ReadableTable, Table, TableDefinition};

use super::{EmbeddedStore, from_json, other, to_json, write_table};
use crate::pacing::{PacingStore, Paused, Take};
use crate::store_error::StoreError;

/// counter or hold key → (count, expiry or hold end in Unix seconds).
const PACING: TableDefinition<&str, (u64, i64)> = TableDefinition::new("pacing");
/// `paused` → the brake's [`Paused`] as JSON.
const PACING_STATE: TableDefinition<&str, &str> = TableDefinition::new("pacing_state");
const PAUSED: &str = "paused";

type Counters<'t> = Table<'t, &'static str, (u64, i64)>;

fn standing(table: &Counters<'_>, key: &str) -> Result<Option<(u64, i64)>, StoreError> {
    Ok(table.get(key).map_err(other)?.map(|v| v.value()))
}

/// Whether `take` is refused as the table stands at `now`.
fn refused(table: &Counters<'_>, take: &Take, now: i64) -> Result<bool, StoreError> {
    let standing = standing(table, take.key())?;
    Ok(match take {
        Take::Count { limit, .. } => standing.is_some_and(|(n, _)| n >= u64::from(*limit)),
        Take::Hold { .. } => standing.is_some_and(|(_, until)| until > now),
    })
}

#[async_trait]
impl PacingStore for EmbeddedStore {
    async fn take(&self, takes: &[Take], now: DateTime<Utc>) -> Result<Option<usize>, StoreError> {
        let takes = takes.to_vec();
        self.run(move |db| {
            write_table(db, PACING, |table| {
                let now = now.timestamp();
                for (at, take) in takes.iter().enumerate() {
                    if refused(table, take, now)? {
                        return Ok(Some(at));
                    }
                }
                for take in &takes {
                    let next = match take {
                        Take::Count {
                            key, expires_at, ..
                        } => {
                            let n = standing(table, key)?.map_or(0, |(n, _)| n);
                            (n + 1, expires_at.timestamp())
                        }
                        Take::Hold { until, .. } => (1, until.timestamp()),
                    };
                    table.insert(take.key(), next).map_err(other)?;
                }
                Ok(None)
            })
        })
        .await
    }

    async fn give_back(&self, takes: &[Take]) -> Result<(), StoreError> {
        let takes = takes.to_vec();
        self.run(move |db| {
            write_table(db, PACING, |table| {
                for take in &takes {
                    match (take, standing(table, take.key())?) {
                        (Take::Count { key, .. }, Some((n, expires))) if n > 0 => {
                            table
                                .insert(key.as_str(), (n - 1, expires))
                                .map_err(other)?;
                        }
                        (Take::Hold { key, .. }, Some(_)) => {
                            table.remove(key.as_str()).map_err(other)?;
                        }
                        _ => {}
                    }
                }
                Ok(())
            })
        })
        .await
    }

    async fn counters(&self, keys: &[String]) -> Result<Vec<u32>, StoreError> {
        let keys = keys.to_vec();
        self.run(move |db| {
            write_table(db, PACING, |table| {
                keys.iter()
                    .map(|key| Ok(standing(table, key)?.map_or(0, |(n, _)| n as u32)))
                    .collect()
            })
        })
        .await
    }

    async fn held_until(&self, key: &str) -> Result<Option<DateTime<Utc>>, StoreError> {
        let key = key.to_string();
        self.run(move |db| {
            write_table(db, PACING, |table| {
                Ok(
                    standing(table, &key)?
                        .and_then(|(_, until)| DateTime::from_timestamp(until, 0)),
                )
            })
        })
        .await
    }

    async fn pause(&self, paused: &Paused) -> Result<(), StoreError> {
        let json = to_json(paused)?;
        self.run(move |db| {
            write_table(db, PACING_STATE, |table| {
                if table.get(PAUSED).map_err(other)?.is_none() {
                    table.insert(PAUSED, json.as_str()).map_err(other)?;
                }
                Ok(())
            })
        })
        .await
    }

    async fn paused(&self) -> Result<Option<Paused>, StoreError> {
        self.run(|db| {
            write_table(db, PACING_STATE, |table| {
                let json = table.get(PAUSED).map_err(other)?;
                json.map(|json| from_json(json.value())).transpose()
            })
        })
        .await
    }

    async fn resume(&self) -> Result<(), StoreError> {
        self.run(|db| {
            write_table(db, PACING_STATE, |table| {
                table.remove(PAUSED).map_err(other)?;
                Ok(())
            })
        })
        .await
    }
}
