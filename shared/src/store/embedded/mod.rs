//! The embedded adapter: a redb database file, for the local server and fast tests.
//! Every operation is one serialisable redb transaction, so uniqueness and versions hold
//! without further locking.

use std::path::Path;
use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use redb::{Database, ReadableDatabase, ReadableTable, Table, TableDefinition};

use super::{
    Claim, ListQuery, ManualStore, MessagePage, MessageQuery, MessageStore, Page, ReminderStore,
    StoreError,
};
use crate::manual::{Counts, ManualRecord};
use crate::messages::MessageEntry;

mod register;
mod report;

/// id → (version, record as JSON).
const RECORDS: TableDefinition<&str, (u64, &str)> = TableDefinition::new("manual_whatsapp");
/// nopol key → id: the uniqueness guard.
const NOPOLS: TableDefinition<&str, &str> = TableDefinition::new("manual_whatsapp_nopol");
/// list key → id: the newest-first order of the list.
const LISTING: TableDefinition<&str, &str> = TableDefinition::new("manual_whatsapp_listing");
/// log key → message log entry as JSON, in the log's order.
const MESSAGES: TableDefinition<&str, &str> = TableDefinition::new("messages");
/// reminder claim key → (state, lease end in Unix nanoseconds; 0 once sent).
const CLAIMS: TableDefinition<&str, (&str, i128)> = TableDefinition::new("reminder_claims");

/// customer id → (version, customer as JSON).
const CUSTOMERS: TableDefinition<&str, (u64, &str)> = TableDefinition::new("customers");
/// list key → customer id: the newest-first order of the customers list.
const CUSTOMER_LISTING: TableDefinition<&str, &str> = TableDefinition::new("customers_listing");
/// vehicle id → (version, vehicle as JSON).
const VEHICLES: TableDefinition<&str, (u64, &str)> = TableDefinition::new("vehicles");
/// nopol key → vehicle id: the uniqueness guard of the register's plates.
const VEHICLE_NOPOLS: TableDefinition<&str, &str> = TableDefinition::new("vehicles_nopol");
/// report id → report row as JSON.
const REPORTS: TableDefinition<&str, &str> = TableDefinition::new("whatsapp_report");
/// snapshot id → snapshot (info and rows) as JSON.
const SNAPSHOTS: TableDefinition<&str, &str> = TableDefinition::new("whatsapp_report_snapshots");
/// One entry, the report's totals as JSON, kept with every row change.
const REPORT_TOTALS: TableDefinition<&str, &str> = TableDefinition::new("whatsapp_report_totals");

/// A claim whose run is sending; it may be taken over once its lease ran out.
const HELD: &str = "held";
/// A claim whose reminder went out: final.
const SENT: &str = "sent";

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
        // Creates every table; a file from before the report's totals gets them counted.
        write(&store.db, |t| t.count_report_totals_if_missing())?;
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

/// The tables, open inside one write transaction.
struct Tables<'t> {
    records: Versioned<'t>,
    nopols: Table<'t, &'static str, &'static str>,
    listing: Table<'t, &'static str, &'static str>,
    messages: Table<'t, &'static str, &'static str>,
    claims: Table<'t, &'static str, (&'static str, i128)>,
    customers: Versioned<'t>,
    customer_listing: Table<'t, &'static str, &'static str>,
    vehicles: Versioned<'t>,
    vehicle_nopols: Table<'t, &'static str, &'static str>,
    reports: Table<'t, &'static str, &'static str>,
    snapshots: Table<'t, &'static str, &'static str>,
    report_totals: Table<'t, &'static str, &'static str>,
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
            messages: txn.open_table(MESSAGES).map_err(other)?,
            claims: txn.open_table(CLAIMS).map_err(other)?,
            customers: txn.open_table(CUSTOMERS).map_err(other)?,
            customer_listing: txn.open_table(CUSTOMER_LISTING).map_err(other)?,
            vehicles: txn.open_table(VEHICLES).map_err(other)?,
            vehicle_nopols: txn.open_table(VEHICLE_NOPOLS).map_err(other)?,
            reports: txn.open_table(REPORTS).map_err(other)?,
            snapshots: txn.open_table(SNAPSHOTS).map_err(other)?,
            report_totals: txn.open_table(REPORT_TOTALS).map_err(other)?,
        };
        work(&mut tables)?
    };
    txn.commit().map_err(other)?;
    Ok(outcome)
}

fn decode((version, json): (u64, &str)) -> Result<ManualRecord, StoreError> {
    let mut record: ManualRecord = from_json(json)?;
    record.version = version;
    Ok(record)
}

fn from_json<T: serde::de::DeserializeOwned>(json: &str) -> Result<T, StoreError> {
    serde_json::from_str(json).map_err(other)
}

fn to_json(value: &impl serde::Serialize) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(other)
}

/// One page of a newest-first list: the items of `listing` (list key → id) before `after`, as
/// `load` reads them (`None` leaves one out), at most `limit`; with the list key to continue
/// from when more follow.
fn newest_first<T>(
    listing: &impl ReadableTable<&'static str, &'static str>,
    after: Option<&str>,
    limit: usize,
    mut load: impl FnMut(&str) -> Result<Option<T>, StoreError>,
    list_key: impl Fn(&T) -> String,
) -> Result<(Vec<T>, Option<String>), StoreError> {
    let range = match after {
        Some(after) => listing.range(..after),
        None => listing.range::<&str>(..),
    }
    .map_err(other)?;
    let mut items = Vec::new();
    for entry in range.rev() {
        let (_, id) = entry.map_err(other)?;
        let Some(item) = load(id.value())? else {
            continue;
        };
        if items.len() == limit {
            let next = items.last().map(&list_key);
            return Ok((items, next));
        }
        items.push(item);
    }
    Ok((items, None))
}

/// Items stored as (version, JSON) under their id.
type Versioned<'t> = Table<'t, &'static str, (u64, &'static str)>;

/// Fails with `Stale` unless `table` holds `id` at `version`.
fn check_version(table: &Versioned, id: &str, version: u64) -> Result<(), StoreError> {
    match table.get(id).map_err(other)? {
        Some(stored) if stored.value().0 == version => Ok(()),
        _ => Err(StoreError::Stale),
    }
}

/// Refuses to store a new item under an `id` that `table` holds already: ids are never reused.
fn ensure_new(table: &Versioned, what: &str, id: &str) -> Result<(), StoreError> {
    match table.get(id).map_err(other)? {
        Some(_) => Err(StoreError::Other(format!("{what} {id} exists already"))),
        None => Ok(()),
    }
}

/// Runs `work` in one read transaction.
fn read<T>(
    db: &Database,
    work: impl FnOnce(&redb::ReadTransaction) -> Result<T, StoreError>,
) -> Result<T, StoreError> {
    let txn = db.begin_read().map_err(other)?;
    work(&txn)
}

impl Tables<'_> {
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
        ensure_new(&self.records, "record", &record.id)?;
        self.put(record)
    }

    /// Adds an entry to the log; an entry is written once, so its key must be new.
    fn append(&mut self, entry: &MessageEntry) -> Result<(), StoreError> {
        let key = entry.log_key();
        if self.messages.get(key.as_str()).map_err(other)?.is_some() {
            return Err(StoreError::Other(format!(
                "message {} exists already",
                entry.id
            )));
        }
        let json = serde_json::to_string(entry).map_err(other)?;
        self.messages
            .insert(key.as_str(), json.as_str())
            .map_err(other)?;
        Ok(())
    }

    /// Takes claim `key` until `lease_until` when it is free or its lease ran out before `now`.
    fn claim(&mut self, key: &str, now: i128, lease_until: i128) -> Result<Claim, StoreError> {
        let standing = self
            .claims
            .get(key)
            .map_err(other)?
            .map(|v| (v.value().0 == SENT, v.value().1));
        match standing {
            Some((true, _)) => Ok(Claim::AlreadySent),
            Some((false, lease)) if lease >= now => Ok(Claim::Busy),
            _ => {
                self.claims
                    .insert(key, (HELD, lease_until))
                    .map_err(other)?;
                Ok(Claim::Won)
            }
        }
    }

    /// Removes claim `key` if it is held; a sent one stays.
    fn release(&mut self, key: &str) -> Result<(), StoreError> {
        let held = self
            .claims
            .get(key)
            .map_err(other)?
            .is_some_and(|v| v.value().0 == HELD);
        if held {
            self.claims.remove(key).map_err(other)?;
        }
        Ok(())
    }

    /// Counts a reminder on record `id`, if it still exists: one more sent, the last one at
    /// `at`, the version moved on; `updated_at` stays, since no field was edited. The counts
    /// are computed from the records, so they follow.
    fn record_sent(&mut self, id: &str, at: DateTime<FixedOffset>) -> Result<(), StoreError> {
        let stored = self
            .records
            .get(id)
            .map_err(other)?
            .map(|v| decode(v.value()))
            .transpose()?;
        let Some(mut record) = stored else {
            return Ok(());
        };
        record.reminder_sent_count = record.reminder_sent_count.saturating_add(1);
        record.last_reminder_sent = Some(at);
        record.version += 1;
        let json = serde_json::to_string(&record).map_err(other)?;
        self.records
            .insert(id, (record.version, json.as_str()))
            .map_err(other)?;
        Ok(())
    }

    /// Marks claim `key` sent, for good.
    fn settle(&mut self, key: &str) -> Result<(), StoreError> {
        self.claims.insert(key, (SENT, 0)).map_err(other)?;
        Ok(())
    }

    /// Fails with `Stale` unless `current` is what is stored.
    fn check_current(&self, current: &ManualRecord) -> Result<(), StoreError> {
        check_version(&self.records, &current.id, current.version)
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
            let (items, next_after) = newest_first(
                &listing,
                query.after.as_deref(),
                query.limit,
                |id| {
                    let Some(value) = records.get(id).map_err(other)? else {
                        return Ok(None);
                    };
                    let record = decode(value.value())?;
                    Ok((!query.active_only || record.is_active()).then_some(record))
                },
                ManualRecord::list_key,
            )?;
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

#[async_trait]
impl MessageStore for EmbeddedStore {
    async fn append(&self, entry: &MessageEntry) -> Result<(), StoreError> {
        let entry = entry.clone();
        self.run(move |db| write(db, |t| t.append(&entry))).await
    }

    async fn list(&self, query: &MessageQuery) -> Result<MessagePage, StoreError> {
        let query = query.clone();
        self.run(move |db| {
            let txn = db.begin_read().map_err(other)?;
            let messages = txn.open_table(MESSAGES).map_err(other)?;
            let range = match query.after.as_deref() {
                Some(after) => messages.range(..after),
                None => messages.range::<&str>(..),
            }
            .map_err(other)?;
            let mut items = Vec::new();
            let mut more = false;
            for stored in range.rev() {
                let (_, json) = stored.map_err(other)?;
                let entry: MessageEntry = serde_json::from_str(json.value()).map_err(other)?;
                if query.status.is_some_and(|status| status != entry.status)
                    || query.source.is_some_and(|source| source != entry.source)
                {
                    continue;
                }
                if items.len() == query.limit {
                    more = true;
                    break;
                }
                items.push(entry);
            }
            let next_after = if more {
                items.last().map(MessageEntry::log_key)
            } else {
                None
            };
            Ok(MessagePage { items, next_after })
        })
        .await
    }
}

/// An instant as Unix nanoseconds, exact over any date chrono represents.
fn nanos(at: DateTime<Utc>) -> i128 {
    i128::from(at.timestamp()) * 1_000_000_000 + i128::from(at.timestamp_subsec_nanos())
}

#[async_trait]
impl ReminderStore for EmbeddedStore {
    /// Reads every record (the embedded store is local and small); soonest first, then by id.
    async fn due_between(
        &self,
        from: NaiveDate,
        to: NaiveDate,
        active_only: bool,
    ) -> Result<Vec<ManualRecord>, StoreError> {
        let mut due: Vec<ManualRecord> = self
            .all()
            .await?
            .into_iter()
            .filter(|r| {
                (!active_only || r.is_active())
                    && r.next_service.is_some_and(|d| d >= from && d <= to)
            })
            .collect();
        crate::store::sort_soonest_first(&mut due);
        Ok(due)
    }

    async fn claim(
        &self,
        key: &str,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
    ) -> Result<Claim, StoreError> {
        let key = key.to_string();
        let (now, lease_until) = (nanos(now), nanos(lease_until));
        self.run(move |db| write(db, |t| t.claim(&key, now, lease_until)))
            .await
    }

    async fn release(&self, key: &str) -> Result<(), StoreError> {
        let key = key.to_string();
        self.run(move |db| write(db, |t| t.release(&key))).await
    }

    async fn record_sent(
        &self,
        id: &str,
        at: DateTime<FixedOffset>,
        claim: Option<&str>,
    ) -> Result<(), StoreError> {
        let id = id.to_string();
        let claim = claim.map(str::to_string);
        self.run(move |db| {
            write(db, |t| {
                t.record_sent(&id, at)?;
                claim.as_deref().map_or(Ok(()), |key| t.settle(key))
            })
        })
        .await
    }
}
