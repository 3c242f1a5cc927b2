//! The embedded adapter: a redb database file, for the local server and fast tests.
//! Every operation is one serialisable redb transaction, so uniqueness and versions hold
//! without further locking.

use std::path::Path;
use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, FixedOffset, NaiveDate, NaiveTime, Utc};
use redb::{Database, ReadableDatabase, ReadableTable, Table, TableDefinition};

use self::index::{
    Counter, Index, META, day_range, due_prefixes, instant_key, read_counter, sum_days,
};
use crate::audit::pending;
use crate::manual::store::{ListQuery, ManualStore, Page};
use crate::manual::{Counts, ManualRecord};
use crate::messages::model::{MessageEntry, Status};
use crate::messages::store::{MessagePage, MessageQuery, MessageStore};
use crate::reminder::store::{Claim, ReminderStore};
use crate::store_error::StoreError;

mod audit;
mod delivery;
mod index;
mod optout;
mod pacing;
mod register;
mod replies;
mod report;

pub use self::index::Recount;

/// id → (version, record as JSON).
const RECORDS: TableDefinition<&str, (u64, &str)> = TableDefinition::new("manual_whatsapp");
/// log key → message log entry as JSON, in the log's order.
const MESSAGES: TableDefinition<&str, &str> = TableDefinition::new("messages");
/// message id → its log key, to find an entry by id.
const MESSAGE_IDS: TableDefinition<&str, &str> = TableDefinition::new("message_ids");
/// reminder claim key → (state, lease end in Unix nanoseconds; 0 once sent).
const CLAIMS: TableDefinition<&str, (&str, i128)> = TableDefinition::new("reminder_claims");

/// customer id → (version, customer as JSON).
const CUSTOMERS: TableDefinition<&str, (u64, &str)> = TableDefinition::new("customers");
/// vehicle id → (version, vehicle as JSON).
const VEHICLES: TableDefinition<&str, (u64, &str)> = TableDefinition::new("vehicles");
/// visit id → visit as JSON.
const VISITS: TableDefinition<&str, &str> = TableDefinition::new("visits");
/// report id → report row as JSON.
const REPORTS: TableDefinition<&str, &str> = TableDefinition::new("whatsapp_report");
/// snapshot id → snapshot (info and rows) as JSON.
const SNAPSHOTS: TableDefinition<&str, &str> = TableDefinition::new("whatsapp_report_snapshots");

/// A claim whose run is sending; it may be taken over once its lease ran out.
const HELD: &str = "held";
/// A claim whose reminder went out: final.
const SENT: &str = "sent";
/// A claim whose send may or may not have gone out: kept until a person resolves it.
const UNKNOWN: &str = "unknown";

pub struct EmbeddedStore {
    db: Arc<Database>,
}

fn other(error: impl std::fmt::Display) -> StoreError {
    StoreError::Other(error.to_string())
}

impl EmbeddedStore {
    /// Opens (or creates) the database file at `path`, creating its folder. A database written
    /// by an older layout gets its indexes and counts rebuilt from its rows, once, here.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(other)?;
        }
        let db = Database::create(path).map_err(other)?;
        let store = EmbeddedStore { db: Arc::new(db) };
        if let Some(rebuilt) = write(&store.db, |t| t.upgrade())?
            && !rebuilt.is_empty()
        {
            tracing::info!(
                path = %path.display(),
                from_version = rebuilt.from_version,
                to_version = index::SCHEMA_VERSION,
                records = rebuilt.records,
                customers = rebuilt.customers,
                vehicles = rebuilt.vehicles,
                report_rows = rebuilt.reports,
                "embedded store brought up to date: indexes and counts rebuilt from the rows"
            );
        }
        Ok(store)
    }

    /// Makes one change in one write transaction, off the async threads, with the request's
    /// pending change log entry ([`pending`]) written in the same transaction.
    async fn change<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Tables) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        pending::in_change(|entry| {
            self.run(move |db| {
                write(db, |t| {
                    let done = work(t)?;
                    t.log(entry.as_ref())?;
                    Ok(done)
                })
            })
        })
        .await
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
}

/// The tables, open inside one write transaction.
struct Tables<'t> {
    records: Versioned<'t>,
    messages: Table<'t, &'static str, &'static str>,
    message_ids: Table<'t, &'static str, &'static str>,
    /// provider message id → message id (`delivery.rs`).
    provider_ids: Table<'t, &'static str, &'static str>,
    claims: Table<'t, &'static str, (&'static str, i128)>,
    customers: Versioned<'t>,
    vehicles: Versioned<'t>,
    reports: Table<'t, &'static str, &'static str>,
    visits: Table<'t, &'static str, &'static str>,
    snapshots: Table<'t, &'static str, &'static str>,
    meta: Table<'t, &'static str, u64>,
    /// The change log (`audit.rs`).
    audit: Table<'t, &'static str, &'static str>,
    /// One per [`Index`], in the order of [`Index::ALL`].
    indexes: Vec<Table<'t, &'static str, &'static str>>,
}

/// Runs `work` on one table in one write transaction, committed only when it succeeds: the
/// domains that keep a table of their own (opt-outs, replies, pacing) share it.
fn write_table<K: redb::Key + 'static, V: redb::Value + 'static, T>(
    db: &Database,
    definition: TableDefinition<'_, K, V>,
    work: impl FnOnce(&mut Table<'_, K, V>) -> Result<T, StoreError>,
) -> Result<T, StoreError> {
    let txn = db.begin_write().map_err(other)?;
    let outcome = work(&mut txn.open_table(definition).map_err(other)?)?;
    txn.commit().map_err(other)?;
    Ok(outcome)
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
            messages: txn.open_table(MESSAGES).map_err(other)?,
            message_ids: txn.open_table(MESSAGE_IDS).map_err(other)?,
            provider_ids: txn.open_table(delivery::PROVIDER_IDS).map_err(other)?,
            claims: txn.open_table(CLAIMS).map_err(other)?,
            customers: txn.open_table(CUSTOMERS).map_err(other)?,
            vehicles: txn.open_table(VEHICLES).map_err(other)?,
            reports: txn.open_table(REPORTS).map_err(other)?,
            visits: txn.open_table(VISITS).map_err(other)?,
            snapshots: txn.open_table(SNAPSHOTS).map_err(other)?,
            meta: txn.open_table(META).map_err(other)?,
            audit: txn.open_table(audit::AUDIT).map_err(other)?,
            indexes: Index::ALL
                .iter()
                .map(|index| txn.open_table(index.table()).map_err(other))
                .collect::<Result<_, _>>()?,
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

fn customer_from((version, json): (u64, &str)) -> Result<crate::register::Customer, StoreError> {
    let mut customer: crate::register::Customer = from_json(json)?;
    customer.version = version;
    Ok(customer)
}

fn vehicle_from((version, json): (u64, &str)) -> Result<crate::register::Vehicle, StoreError> {
    let mut vehicle: crate::register::Vehicle = from_json(json)?;
    vehicle.version = version;
    Ok(vehicle)
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

/// The ids `index` holds under keys from `from` (inclusive) to `to` (exclusive), in key order.
fn ids_between(
    index: &impl ReadableTable<&'static str, &'static str>,
    from: &str,
    to: &str,
) -> Result<Vec<String>, StoreError> {
    if from >= to {
        return Ok(Vec::new());
    }
    let mut ids = Vec::new();
    for entry in index.range::<&str>(from..to).map_err(other)? {
        ids.push(entry.map_err(other)?.1.value().to_string());
    }
    Ok(ids)
}

/// The ids `index` holds under keys starting with `prefix`, in key order.
fn ids_under(
    index: &impl ReadableTable<&'static str, &'static str>,
    prefix: &str,
) -> Result<Vec<String>, StoreError> {
    let mut ids = Vec::new();
    for entry in index.range::<&str>(prefix..).map_err(other)? {
        let (key, id) = entry.map_err(other)?;
        if !key.value().starts_with(prefix) {
            break;
        }
        ids.push(id.value().to_string());
    }
    Ok(ids)
}

/// Items stored as (version, JSON) under their id.
type Versioned<'t> = Table<'t, &'static str, (u64, &'static str)>;

/// The item `table` holds under `id`, decoded.
fn load<T>(
    table: &impl ReadableTable<&'static str, (u64, &'static str)>,
    id: &str,
    decode: impl FnOnce((u64, &str)) -> Result<T, StoreError>,
) -> Result<Option<T>, StoreError> {
    let value = table.get(id).map_err(other)?;
    value.map(|v| decode(v.value())).transpose()
}

/// The item `table` holds under `id` at `version`; `Stale` when it moved or vanished.
fn current<T>(
    table: &Versioned,
    id: &str,
    version: u64,
    decode: impl FnOnce((u64, &str)) -> Result<T, StoreError>,
) -> Result<T, StoreError> {
    match table.get(id).map_err(other)? {
        Some(stored) if stored.value().0 == version => decode(stored.value()),
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

/// Runs `work` on `table` in a read transaction; a table never written yet reads as empty
/// (`None`).
fn read_table<T>(
    db: &Database,
    table: TableDefinition<&'static str, &'static str>,
    work: impl FnOnce(Option<&redb::ReadOnlyTable<&'static str, &'static str>>) -> Result<T, StoreError>,
) -> Result<T, StoreError> {
    let txn = db.begin_read().map_err(other)?;
    match txn.open_table(table) {
        Ok(opened) => work(Some(&opened)),
        Err(redb::TableError::TableDoesNotExist(_)) => work(None),
        Err(e) => Err(other(e)),
    }
}

/// The records `ids` name, in that order (an id whose record vanished is left out).
fn records_of(
    txn: &redb::ReadTransaction,
    ids: &[String],
) -> Result<Vec<ManualRecord>, StoreError> {
    let records = txn.open_table(RECORDS).map_err(other)?;
    let mut found = Vec::with_capacity(ids.len());
    for id in ids {
        found.extend(load(&records, id, decode)?);
    }
    Ok(found)
}

impl Tables<'_> {
    fn insert(&mut self, record: &ManualRecord) -> Result<(), StoreError> {
        let key = record.nopol_key();
        if self.lookup(Index::Nopols, &key)?.is_some() {
            return Err(StoreError::NopolTaken(key));
        }
        ensure_new(&self.records, "record", &record.id)?;
        self.change(None, Some(record))
    }

    /// Replaces the stored version of `current` by `next`, which may move the nopol to a free
    /// key.
    fn replace(&mut self, current: &ManualRecord, next: &ManualRecord) -> Result<(), StoreError> {
        let stored = current_record(self, current)?;
        let key = next.nopol_key();
        if self
            .lookup(Index::Nopols, &key)?
            .is_some_and(|owner| owner != next.id)
        {
            return Err(StoreError::NopolTaken(key));
        }
        self.change(Some(&stored), Some(next))
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
        self.message_ids
            .insert(entry.id.as_str(), key.as_str())
            .map_err(other)?;
        Ok(())
    }

    /// The entry `id`, if the log holds it.
    fn message(&self, id: &str) -> Result<Option<MessageEntry>, StoreError> {
        let Some(key) = self.message_ids.get(id).map_err(other)? else {
            return Ok(None);
        };
        let json = self.messages.get(key.value()).map_err(other)?;
        json.map(|json| from_json(json.value())).transpose()
    }

    /// Replaces entry `entry.id` if its status is still `expected`, and keeps its provider id.
    fn settle(&mut self, entry: &MessageEntry, expected: Status) -> Result<bool, StoreError> {
        if !self.replace_if(entry, |stored| stored.status == expected)? {
            return Ok(false);
        }
        if let Some(provider_id) = &entry.provider_message_id {
            self.provider_ids
                .insert(provider_id.as_str(), entry.id.as_str())
                .map_err(other)?;
        }
        Ok(true)
    }

    /// Replaces entry `entry.id` if the stored one passes `still`.
    fn replace_if(
        &mut self,
        entry: &MessageEntry,
        still: impl FnOnce(&MessageEntry) -> bool,
    ) -> Result<bool, StoreError> {
        if !self
            .message(&entry.id)?
            .is_some_and(|stored| still(&stored))
        {
            return Ok(false);
        }
        let json = serde_json::to_string(entry).map_err(other)?;
        self.messages
            .insert(entry.log_key().as_str(), json.as_str())
            .map_err(other)?;
        Ok(true)
    }

    /// The state of claim `key` and its lease end, if there is one.
    fn claim_state(&self, key: &str) -> Result<Option<(String, i128)>, StoreError> {
        let standing = self.claims.get(key).map_err(other)?;
        Ok(standing.map(|v| (v.value().0.to_string(), v.value().1)))
    }

    /// Takes claim `key` until `lease_until` when it is free; a held claim whose lease ran out
    /// before `now` is unknown (its holder died), never taken over.
    fn claim(&mut self, key: &str, now: i128, lease_until: i128) -> Result<Claim, StoreError> {
        match self.claim_state(key)? {
            Some((state, lease)) => Ok(standing(&state, lease, now)),
            None => {
                self.claims
                    .insert(key, (HELD, lease_until))
                    .map_err(other)?;
                Ok(Claim::Won)
            }
        }
    }

    /// Marks claim `key` unknown, unless it is sent.
    fn mark_unknown(&mut self, key: &str) -> Result<(), StoreError> {
        if self
            .claim_state(key)?
            .is_none_or(|(state, _)| state != SENT)
        {
            self.claims.insert(key, (UNKNOWN, 0)).map_err(other)?;
        }
        Ok(())
    }

    /// Removes claim `key` unless it is sent; a sent one stays.
    fn release(&mut self, key: &str) -> Result<(), StoreError> {
        if self
            .claim_state(key)?
            .is_some_and(|(state, _)| state != SENT)
        {
            self.claims.remove(key).map_err(other)?;
        }
        Ok(())
    }

    /// Counts a reminder on record `id`, if it still exists: one more sent, the last one at
    /// `at`, the version moved on; `updated_at` stays, since no field was edited.
    fn record_sent(&mut self, id: &str, at: DateTime<FixedOffset>) -> Result<(), StoreError> {
        let Some(stored) = load(&self.records, id, decode)? else {
            return Ok(());
        };
        let sent = ManualRecord {
            reminder_sent_count: stored.reminder_sent_count.saturating_add(1),
            last_reminder_sent: Some(at),
            version: stored.version + 1,
            ..stored.clone()
        };
        self.change(Some(&stored), Some(&sent))
    }

    /// Marks claim `key` sent, for good.
    fn settle_claim(&mut self, key: &str) -> Result<(), StoreError> {
        self.claims.insert(key, (SENT, 0)).map_err(other)?;
        Ok(())
    }
}

/// What a claim that stands in `state`, leased until `lease`, is at `now` to anyone else.
fn standing(state: &str, lease: i128, now: i128) -> Claim {
    match state {
        SENT => Claim::AlreadySent,
        HELD if lease >= now => Claim::Busy,
        _ => Claim::Unknown,
    }
}

/// `current` as stored; `Stale` unless its version is the stored one.
fn current_record(tables: &Tables, current: &ManualRecord) -> Result<ManualRecord, StoreError> {
    self::current(&tables.records, &current.id, current.version, decode)
}

#[async_trait]
impl ManualStore for EmbeddedStore {
    async fn insert(&self, record: &ManualRecord) -> Result<(), StoreError> {
        let record = record.clone();
        self.change(move |t| t.insert(&record)).await
    }

    async fn insert_many(
        &self,
        records: &[ManualRecord],
    ) -> Result<Vec<Result<(), StoreError>>, StoreError> {
        let records = records.to_vec();
        self.run(move |db| write(db, |t| Ok(records.iter().map(|r| t.insert(r)).collect())))
            .await
    }

    /// On the calling thread: one key read from redb's cache takes microseconds, less than
    /// the hand-off to the blocking pool and back, which cost a third of a `GET …/{id}`.
    async fn get(&self, id: &str) -> Result<Option<ManualRecord>, StoreError> {
        read(&self.db, |txn| {
            load(&txn.open_table(RECORDS).map_err(other)?, id, decode)
        })
    }

    async fn find_by_nopol(&self, nopol_key: &str) -> Result<Option<ManualRecord>, StoreError> {
        let key = nopol_key.to_string();
        self.run(move |db| {
            read(db, |txn| {
                let nopols = txn.open_table(Index::Nopols.table()).map_err(other)?;
                let Some(id) = nopols.get(key.as_str()).map_err(other)? else {
                    return Ok(None);
                };
                Ok(records_of(txn, &[id.value().to_string()])?.pop())
            })
        })
        .await
    }

    async fn list(&self, query: &ListQuery) -> Result<Page, StoreError> {
        let query = query.clone();
        self.run(move |db| {
            read(db, |txn| {
                let listing = txn.open_table(Index::Listing.table()).map_err(other)?;
                let records = txn.open_table(RECORDS).map_err(other)?;
                let (items, next_after) = newest_first(
                    &listing,
                    query.after.as_deref(),
                    query.limit,
                    |id| {
                        let record = load(&records, id, decode)?;
                        Ok(record.filter(|r| !query.active_only || r.is_active()))
                    },
                    ManualRecord::list_key,
                )?;
                Ok(Page { items, next_after })
            })
        })
        .await
    }

    async fn replace(&self, current: &ManualRecord, next: &ManualRecord) -> Result<(), StoreError> {
        let (current, next) = (current.clone(), next.clone());
        self.change(move |t| t.replace(&current, &next)).await
    }

    async fn delete(&self, current: &ManualRecord) -> Result<(), StoreError> {
        let current = current.clone();
        self.change(move |t| {
            let stored = current_record(t, &current)?;
            t.change(Some(&stored), None)
        })
        .await
    }

    async fn counts(&self) -> Result<Counts, StoreError> {
        self.run(|db| {
            read(db, |txn| {
                let meta = txn.open_table(META).map_err(other)?;
                Ok(Counts {
                    total: read_counter(&meta, Counter::Records)?,
                    active: read_counter(&meta, Counter::Active)?,
                    reminders_sent: read_counter(&meta, Counter::RemindersSent)?,
                })
            })
        })
        .await
    }

    /// The per-day due counts of the range: a read per day, whatever the number of records.
    async fn count_upcoming(&self, from: NaiveDate, to: NaiveDate) -> Result<u64, StoreError> {
        self.run(move |db| {
            read(db, |txn| {
                let meta = txn.open_table(META).map_err(other)?;
                sum_days(&meta, Counter::DueOn(from), Counter::DueOn(to))
            })
        })
        .await
    }

    /// The reminders of the day `since` falls in (UTC) from the reminded-at index, and the
    /// per-day counts of the days after it.
    async fn count_reminded_since(&self, since: DateTime<Utc>) -> Result<u64, StoreError> {
        self.run(move |db| {
            read(db, |txn| {
                let Some(next_day) = since.date_naive().succ_opt() else {
                    return Ok(0);
                };
                let reminded = txn.open_table(Index::RemindedAt.table()).map_err(other)?;
                let lower = format!("{}#", instant_key(since));
                let upper = instant_key(next_day.and_time(NaiveTime::MIN).and_utc());
                let that_day = ids_between(&reminded, &lower, &upper)?.len() as u64;
                let meta = txn.open_table(META).map_err(other)?;
                let later = sum_days(
                    &meta,
                    Counter::RemindedOn(next_day),
                    Counter::RemindedOn(index::LAST_DAY),
                )?;
                Ok(that_day + later)
            })
        })
        .await
    }

    /// The reminders index backwards: most first, ties by id from the highest, as DynamoDB's
    /// `reminders-index` read backwards orders them.
    async fn most_reminded(&self, limit: usize) -> Result<Vec<ManualRecord>, StoreError> {
        self.run(move |db| {
            read(db, |txn| {
                let reminders = txn.open_table(Index::Reminders.table()).map_err(other)?;
                let mut ids = Vec::new();
                for entry in reminders.iter().map_err(other)?.rev().take(limit) {
                    ids.push(entry.map_err(other)?.1.value().to_string());
                }
                records_of(txn, &ids)
            })
        })
        .await
    }
}

#[async_trait]
impl MessageStore for EmbeddedStore {
    async fn append(&self, entry: &MessageEntry) -> Result<(), StoreError> {
        let entry = entry.clone();
        self.run(move |db| write(db, |t| t.append(&entry))).await
    }

    async fn message(&self, id: &str) -> Result<Option<MessageEntry>, StoreError> {
        let id = id.to_string();
        self.run(move |db| write(db, |t| t.message(&id))).await
    }

    async fn settle(&self, entry: &MessageEntry, expected: Status) -> Result<bool, StoreError> {
        let entry = entry.clone();
        self.run(move |db| write(db, |t| t.settle(&entry, expected)))
            .await
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
    /// The due index's active part (and its inactive part unless `active_only`) over the
    /// range; soonest first, then by id.
    async fn due_between(
        &self,
        from: NaiveDate,
        to: NaiveDate,
        active_only: bool,
    ) -> Result<Vec<ManualRecord>, StoreError> {
        self.run(move |db| {
            read(db, |txn| {
                let due = txn.open_table(Index::Due.table()).map_err(other)?;
                let mut ids = Vec::new();
                for prefix in due_prefixes(active_only) {
                    let (lower, upper) = day_range(prefix, from, to);
                    ids.extend(ids_between(&due, &lower, &upper)?);
                }
                let mut records = records_of(txn, &ids)?;
                crate::reminder::store::sort_soonest_first(&mut records);
                Ok(records)
            })
        })
        .await
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

    async fn peek(&self, key: &str, now: DateTime<Utc>) -> Result<Option<Claim>, StoreError> {
        let key = key.to_string();
        let now = nanos(now);
        self.run(move |db| {
            let txn = db.begin_read().map_err(other)?;
            let claims = match txn.open_table(CLAIMS) {
                Ok(claims) => claims,
                Err(redb::TableError::TableDoesNotExist(_)) => return Ok(None),
                Err(e) => return Err(other(e)),
            };
            let stored = claims.get(key.as_str()).map_err(other)?;
            Ok(stored.map(|v| standing(v.value().0, v.value().1, now)))
        })
        .await
    }

    async fn mark_unknown(&self, key: &str, _now: DateTime<Utc>) -> Result<(), StoreError> {
        let key = key.to_string();
        self.run(move |db| write(db, |t| t.mark_unknown(&key)))
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
                claim.as_deref().map_or(Ok(()), |key| t.settle_claim(key))
            })
        })
        .await
    }
}
