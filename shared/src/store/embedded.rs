//! The embedded adapter: a redb database file, for the local server and fast tests.
//! Every operation is one serialisable redb transaction, so uniqueness and versions hold
//! without further locking.

use std::path::Path;
use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use redb::{Database, ReadableDatabase, ReadableTable, Table, TableDefinition};

use super::{ListQuery, ManualStore, Page, StoreError};
use crate::manual::{Counts, ManualRecord};

/// id → (version, record as JSON).
const RECORDS: TableDefinition<&str, (u64, &str)> = TableDefinition::new("manual_whatsapp");
/// nopol key → id: the uniqueness guard.
const NOPOLS: TableDefinition<&str, &str> = TableDefinition::new("manual_whatsapp_nopol");
/// list key → id: the newest-first order of the list.
const LISTING: TableDefinition<&str, &str> = TableDefinition::new("manual_whatsapp_listing");

pub struct EmbeddedStore {
    db: Arc<Database>,
}

fn other(error: impl std::fmt::Display) -> StoreError {
    StoreError::Other(error.to_string())
}

impl EmbeddedStore {
    /// Opens (or creates) the database file at `path`, creating its folder.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(other)?;
        }
        let db = Database::create(path).map_err(other)?;
        let store = EmbeddedStore { db: Arc::new(db) };
        write(&store.db, |_| Ok(()))?;
        Ok(store)
    }

    /// Runs blocking database work off the async threads.
    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&Database) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let db = self.db.clone();
        tokio::task::spawn_blocking(move || work(&db))
            .await
            .map_err(other)?
    }

    /// Every record (the embedded store serves one workshop's data; figures are computed, not kept).
    async fn all(&self) -> Result<Vec<ManualRecord>, StoreError> {
        self.run(|db| {
            let txn = db.begin_read().map_err(other)?;
            let records = txn.open_table(RECORDS).map_err(other)?;
            let mut all = Vec::new();
            for entry in records.iter().map_err(other)? {
                let (_, value) = entry.map_err(other)?;
                all.push(decode(value.value())?);
            }
            Ok(all)
        })
        .await
    }
}

/// The three tables, open inside one write transaction.
struct Tables<'t> {
    records: Table<'t, &'static str, (u64, &'static str)>,
    nopols: Table<'t, &'static str, &'static str>,
    listing: Table<'t, &'static str, &'static str>,
}

/// Runs `work` in one write transaction, committed only when it succeeds.
fn write<T>(
    db: &Database,
    work: impl FnOnce(&mut Tables) -> Result<T, StoreError>,
) -> Result<T, StoreError> {
    let txn = db.begin_write().map_err(other)?;
    let outcome = {
        let mut tables = Tables {
            records: txn.open_table(RECORDS).map_err(other)?,
            nopols: txn.open_table(NOPOLS).map_err(other)?,
            listing: txn.open_table(LISTING).map_err(other)?,
        };
        work(&mut tables)?
    };
    txn.commit().map_err(other)?;
    Ok(outcome)
}

fn decode((version, json): (u64, &str)) -> Result<ManualRecord, StoreError> {
    let mut record: ManualRecord = serde_json::from_str(json).map_err(other)?;
    record.version = version;
    Ok(record)
}

impl Tables<'_> {
    fn version_of(&self, id: &str) -> Result<Option<u64>, StoreError> {
        Ok(self.records.get(id).map_err(other)?.map(|v| v.value().0))
    }

    fn owner_of(&self, nopol_key: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .nopols
            .get(nopol_key)
            .map_err(other)?
            .map(|v| v.value().to_string()))
    }

    fn put(&mut self, record: &ManualRecord) -> Result<(), StoreError> {
        let json = serde_json::to_string(record).map_err(other)?;
        self.records
            .insert(record.id.as_str(), (record.version, json.as_str()))
            .map_err(other)?;
        self.nopols
            .insert(record.nopol_key().as_str(), record.id.as_str())
            .map_err(other)?;
        self.listing
            .insert(record.list_key().as_str(), record.id.as_str())
            .map_err(other)?;
        Ok(())
    }

    fn remove(&mut self, record: &ManualRecord) -> Result<(), StoreError> {
        self.records.remove(record.id.as_str()).map_err(other)?;
        self.nopols
            .remove(record.nopol_key().as_str())
            .map_err(other)?;
        self.listing
            .remove(record.list_key().as_str())
            .map_err(other)?;
        Ok(())
    }

    fn insert(&mut self, record: &ManualRecord) -> Result<(), StoreError> {
        let key = record.nopol_key();
        if self.owner_of(&key)?.is_some() {
            return Err(StoreError::NopolTaken(key));
        }
        if self.version_of(&record.id)?.is_some() {
            return Err(StoreError::Other(format!(
                "record {} exists already",
                record.id
            )));
        }
        self.put(record)
    }

    /// Fails with `Stale` unless `current` is what is stored.
    fn check_current(&self, current: &ManualRecord) -> Result<(), StoreError> {
        match self.version_of(&current.id)? {
            Some(version) if version == current.version => Ok(()),
            _ => Err(StoreError::Stale),
        }
    }
}

#[async_trait]
impl ManualStore for EmbeddedStore {
    async fn insert(&self, record: &ManualRecord) -> Result<(), StoreError> {
        let record = record.clone();
        self.run(move |db| write(db, |t| t.insert(&record))).await
    }

    async fn insert_many(
        &self,
        records: &[ManualRecord],
    ) -> Result<Vec<Result<(), StoreError>>, StoreError> {
        let records = records.to_vec();
        self.run(move |db| write(db, |t| Ok(records.iter().map(|r| t.insert(r)).collect())))
            .await
    }

    async fn get(&self, id: &str) -> Result<Option<ManualRecord>, StoreError> {
        let id = id.to_string();
        self.run(move |db| {
            let txn = db.begin_read().map_err(other)?;
            let records = txn.open_table(RECORDS).map_err(other)?;
            let value = records.get(id.as_str()).map_err(other)?;
            value.map(|v| decode(v.value())).transpose()
        })
        .await
    }

    async fn find_by_nopol(&self, nopol_key: &str) -> Result<Option<ManualRecord>, StoreError> {
        let key = nopol_key.to_string();
        let id = self
            .run(move |db| {
                let txn = db.begin_read().map_err(other)?;
                let nopols = txn.open_table(NOPOLS).map_err(other)?;
                Ok(nopols
                    .get(key.as_str())
                    .map_err(other)?
                    .map(|v| v.value().to_string()))
            })
            .await?;
        match id {
            Some(id) => self.get(&id).await,
            None => Ok(None),
        }
    }

    async fn list(&self, query: &ListQuery) -> Result<Page, StoreError> {
        let query = query.clone();
        self.run(move |db| {
            let txn = db.begin_read().map_err(other)?;
            let listing = txn.open_table(LISTING).map_err(other)?;
            let records = txn.open_table(RECORDS).map_err(other)?;
            let range = match query.after.as_deref() {
                Some(after) => listing.range(..after),
                None => listing.range::<&str>(..),
            }
            .map_err(other)?;
            let mut items = Vec::new();
            let mut more = false;
            for entry in range.rev() {
                let (_, id) = entry.map_err(other)?;
                let Some(value) = records.get(id.value()).map_err(other)? else {
                    continue;
                };
                let record = decode(value.value())?;
                if query.active_only && !record.is_active() {
                    continue;
                }
                if items.len() == query.limit {
                    more = true;
                    break;
                }
                items.push(record);
            }
            let next_after = if more {
                items.last().map(ManualRecord::list_key)
            } else {
                None
            };
            Ok(Page { items, next_after })
        })
        .await
    }

    async fn replace(&self, current: &ManualRecord, next: &ManualRecord) -> Result<(), StoreError> {
        let (current, next) = (current.clone(), next.clone());
        self.run(move |db| {
            write(db, |t| {
                t.check_current(&current)?;
                let key = next.nopol_key();
                if t.owner_of(&key)?.is_some_and(|owner| owner != next.id) {
                    return Err(StoreError::NopolTaken(key));
                }
                t.remove(&current)?;
                t.put(&next)
            })
        })
        .await
    }

    async fn delete(&self, current: &ManualRecord) -> Result<(), StoreError> {
        let current = current.clone();
        self.run(move |db| {
            write(db, |t| {
                t.check_current(&current)?;
                t.remove(&current)
            })
        })
        .await
    }

    async fn counts(&self) -> Result<Counts, StoreError> {
        Ok(self.all().await?.iter().map(Counts::of).sum())
    }

    async fn count_upcoming(&self, from: NaiveDate, to: NaiveDate) -> Result<u64, StoreError> {
        let upcoming = |r: &&ManualRecord| {
            r.is_active() && r.next_service.is_some_and(|d| d >= from && d <= to)
        };
        Ok(self.all().await?.iter().filter(upcoming).count() as u64)
    }

    async fn count_reminded_since(&self, since: DateTime<Utc>) -> Result<u64, StoreError> {
        let reminded = |r: &&ManualRecord| r.last_reminder_sent.is_some_and(|t| t >= since);
        Ok(self.all().await?.iter().filter(reminded).count() as u64)
    }

    async fn most_reminded(&self, limit: usize) -> Result<Vec<ManualRecord>, StoreError> {
        let mut all = self.all().await?;
        all.sort_by(|a, b| {
            b.reminder_sent_count
                .cmp(&a.reminder_sent_count)
                .then_with(|| a.id.cmp(&b.id))
        });
        all.truncate(limit);
        Ok(all)
    }
}
