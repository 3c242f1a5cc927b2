//! The embedded store's counterparts of the DynamoDB adapter's indexes and counts, and the one
//! piece of code that keeps them: [`Tables::change`], given the old and the new version of a
//! row, writes the row and moves every index entry and count it touches, inside the write
//! transaction of the change. redb commits a transaction whole or not at all, so the indexes
//! and counts can never disagree with the rows, even after a crash.
//!
//! Every index is a table of text keys (ordered as the DynamoDB index orders its items) to the
//! id of the item; a read ranges over the keys it needs and never over a whole table.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, NaiveDate, Utc};
use redb::{ReadableDatabase, ReadableTable, TableDefinition};

use super::{
    CUSTOMERS, RECORDS, REPORTS, Tables, VEHICLES, VISITS, customer_from, decode, other, to_json,
    vehicle_from,
};
use crate::manual::{Counts, ManualRecord};
use crate::register::{Customer, RegisterCounts, Vehicle, Visit};
use crate::report::{ReportRow, Totals};
use crate::store_error::StoreError;

/// The layout this code writes. A database stamped with an older one (or none: written before
/// the indexes existed) has its indexes and counts rebuilt from its rows when it opens.
pub(super) const SCHEMA_VERSION: u64 = 3;

/// counter name → value; also the schema version.
pub(super) const META: TableDefinition<&str, u64> = TableDefinition::new("meta");
const SCHEMA_KEY: &str = "schema_version";

/// An index: a table of keys, in the order its reads want, to item ids.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Index {
    /// nopol key → record id: the records' uniqueness guard and `by-nopol`.
    Nopols,
    /// list key → record id: the records list, newest first (`list-index`).
    Listing,
    /// `active|inactive # next_service # id`: the due window (`due-index`, sparse).
    Due,
    /// `reminder_sent_count # id`: the most reminded, read backwards (`reminders-index`).
    Reminders,
    /// `last reminder instant # id`: reminded since (`reminded-at-index`, sparse).
    RemindedAt,
    /// list key → customer id: the customers list, newest first.
    CustomerListing,
    /// nopol key → vehicle id: the register's uniqueness guard.
    VehicleNopols,
    /// `id_customer # vehicle|report # id`: a customer's vehicles and report rows
    /// (`customer-index`).
    ByCustomer,
    /// `last_visit # id`: vehicles by last visit (`visit-index`, sparse).
    Visits,
    /// list key → report row id: the report's pages, by first delivery (`list-index`).
    ReportListing,
    /// `due_on # id`: vehicles by the day they are due (`due-index`, partition `vehicle`).
    VehicleDue,
    /// `id_vehicle # id`: a vehicle's visits (`customer-index`, kind `visit`).
    VehicleVisits,
    /// `no_hp # id`: customers by phone (`phone-index`).
    CustomerPhones,
}

impl Index {
    pub(super) const ALL: [Index; 13] = [
        Index::Nopols,
        Index::Listing,
        Index::Due,
        Index::Reminders,
        Index::RemindedAt,
        Index::CustomerListing,
        Index::VehicleNopols,
        Index::ByCustomer,
        Index::Visits,
        Index::ReportListing,
        Index::VehicleDue,
        Index::VehicleVisits,
        Index::CustomerPhones,
    ];

    /// The table; the first four existed before the indexes did and keep their names.
    pub(super) const fn table(self) -> TableDefinition<'static, &'static str, &'static str> {
        TableDefinition::new(match self {
            Index::Nopols => "manual_whatsapp_nopol",
            Index::Listing => "manual_whatsapp_listing",
            Index::Due => "manual_whatsapp_due",
            Index::Reminders => "manual_whatsapp_reminders",
            Index::RemindedAt => "manual_whatsapp_reminded_at",
            Index::CustomerListing => "customers_listing",
            Index::VehicleNopols => "vehicles_nopol",
            Index::ByCustomer => "by_customer",
            Index::Visits => "vehicles_visit",
            Index::ReportListing => "whatsapp_report_listing",
            Index::VehicleDue => "vehicles_due",
            Index::VehicleVisits => "visits_by_vehicle",
            Index::CustomerPhones => "customers_phone",
        })
    }
}

/// A count kept in [`META`]. The per-day ones let the summary and the dashboard add up a few
/// days' figures where a range of the index would step over every record in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Counter {
    Records,
    Active,
    RemindersSent,
    Customers,
    Vehicles,
    /// Active records whose `next_service` is that day.
    DueOn(NaiveDate),
    /// Records whose last reminder went out that day (UTC).
    RemindedOn(NaiveDate),
    /// Report rows (pairs), the sum of their frequencies, and the rows of each frequency: the
    /// report's statistics.
    ReportPairs,
    ReportMessages,
    ReportFrequency(u64),
}

/// The last day the four-digit years of [`day_key`] can name, and so the end of every range.
pub(super) const LAST_DAY: NaiveDate = NaiveDate::from_ymd_opt(9999, 12, 31).expect("a valid date");

const DUE_ON: &str = "due_active#";
const REMINDED_ON: &str = "reminded_on#";
const REPORT_FREQUENCY: &str = "report_frequency#";

impl Counter {
    pub(super) fn key(self) -> String {
        match self {
            Counter::Records => "records".into(),
            Counter::Active => "records_active".into(),
            Counter::RemindersSent => "reminders_sent".into(),
            Counter::Customers => "customers".into(),
            Counter::Vehicles => "vehicles".into(),
            Counter::DueOn(day) => format!("{DUE_ON}{}", day_key(day)),
            Counter::RemindedOn(day) => format!("{REMINDED_ON}{}", day_key(day)),
            Counter::ReportPairs => "report_pairs".into(),
            Counter::ReportMessages => "report_messages".into(),
            // Fixed width, so that the histogram's keys sort as its frequencies do.
            Counter::ReportFrequency(n) => format!("{REPORT_FREQUENCY}{n:020}"),
        }
    }
}

pub(super) const VEHICLE_KIND: &str = "vehicle";
pub(super) const REPORT_KIND: &str = "report";
const DUE_ACTIVE: &str = "active";
const DUE_INACTIVE: &str = "inactive";

/// What a stored row is to its indexes and counts.
pub(super) trait Row {
    fn id(&self) -> &str;
    /// Its key in each index it appears in.
    fn entries(&self) -> Vec<(Index, String)>;
    /// What it adds to each count.
    fn counts(&self) -> Vec<(Counter, u64)>;
    /// Writes the row itself to its table.
    fn put_row(&self, tables: &mut Tables) -> Result<(), StoreError>;
    fn remove_row(&self, tables: &mut Tables) -> Result<(), StoreError>;
}

impl Row for ManualRecord {
    fn id(&self) -> &str {
        &self.id
    }

    fn entries(&self) -> Vec<(Index, String)> {
        let mut entries = vec![
            (Index::Nopols, self.nopol_key()),
            (Index::Listing, self.list_key()),
            (
                Index::Reminders,
                reminders_key(self.reminder_sent_count, &self.id),
            ),
        ];
        if let Some(day) = self.next_service {
            let due = if self.is_active() {
                DUE_ACTIVE
            } else {
                DUE_INACTIVE
            };
            entries.push((Index::Due, format!("{due}#{}#{}", day_key(day), self.id)));
        }
        if let Some(sent) = self.last_reminder_sent {
            let at = instant_key(sent.with_timezone(&Utc));
            entries.push((Index::RemindedAt, format!("{at}#{}", self.id)));
        }
        entries
    }

    fn counts(&self) -> Vec<(Counter, u64)> {
        let counts = Counts::of(self);
        let mut all = vec![
            (Counter::Records, counts.total),
            (Counter::Active, counts.active),
            (Counter::RemindersSent, counts.reminders_sent),
        ];
        if let Some(day) = self.next_service.filter(|_| self.is_active()) {
            all.push((Counter::DueOn(day), 1));
        }
        if let Some(sent) = self.last_reminder_sent {
            let day = sent.with_timezone(&Utc).date_naive();
            all.push((Counter::RemindedOn(day), 1));
        }
        all
    }

    fn put_row(&self, tables: &mut Tables) -> Result<(), StoreError> {
        put_versioned(&mut tables.records, &self.id, self.version, self)
    }

    fn remove_row(&self, tables: &mut Tables) -> Result<(), StoreError> {
        tables.records.remove(self.id.as_str()).map_err(other)?;
        Ok(())
    }
}

impl Row for Customer {
    fn id(&self) -> &str {
        &self.id
    }

    fn entries(&self) -> Vec<(Index, String)> {
        vec![
            (Index::CustomerListing, self.list_key()),
            (Index::CustomerPhones, format!("{}#{}", self.no_hp, self.id)),
        ]
    }

    fn counts(&self) -> Vec<(Counter, u64)> {
        vec![(Counter::Customers, 1)]
    }

    fn put_row(&self, tables: &mut Tables) -> Result<(), StoreError> {
        put_versioned(&mut tables.customers, &self.id, self.version, self)
    }

    fn remove_row(&self, tables: &mut Tables) -> Result<(), StoreError> {
        tables.customers.remove(self.id.as_str()).map_err(other)?;
        Ok(())
    }
}

impl Row for Vehicle {
    fn id(&self) -> &str {
        &self.id
    }

    fn entries(&self) -> Vec<(Index, String)> {
        let mut entries = vec![
            (Index::VehicleNopols, self.nopol_key()),
            (
                Index::ByCustomer,
                customer_key(&self.id_customer, VEHICLE_KIND, &self.id),
            ),
        ];
        if let Some(day) = self.last_visit {
            entries.push((Index::Visits, format!("{}#{}", day_key(day), self.id)));
        }
        if let Some(day) = self.due_on {
            entries.push((Index::VehicleDue, format!("{}#{}", day_key(day), self.id)));
        }
        entries
    }

    fn counts(&self) -> Vec<(Counter, u64)> {
        vec![(Counter::Vehicles, 1)]
    }

    fn put_row(&self, tables: &mut Tables) -> Result<(), StoreError> {
        put_versioned(&mut tables.vehicles, &self.id, self.version, self)
    }

    fn remove_row(&self, tables: &mut Tables) -> Result<(), StoreError> {
        tables.vehicles.remove(self.id.as_str()).map_err(other)?;
        Ok(())
    }
}

impl Row for Visit {
    fn id(&self) -> &str {
        &self.id
    }

    fn entries(&self) -> Vec<(Index, String)> {
        vec![(Index::VehicleVisits, visit_key(&self.id_vehicle, &self.id))]
    }

    fn counts(&self) -> Vec<(Counter, u64)> {
        Vec::new()
    }

    fn put_row(&self, tables: &mut Tables) -> Result<(), StoreError> {
        let json = to_json(self)?;
        tables
            .visits
            .insert(self.id.as_str(), json.as_str())
            .map_err(other)?;
        Ok(())
    }

    fn remove_row(&self, tables: &mut Tables) -> Result<(), StoreError> {
        tables.visits.remove(self.id.as_str()).map_err(other)?;
        Ok(())
    }
}

/// The key of a visit in [`Index::VehicleVisits`]; its vehicle's prefix is `id_vehicle#`.
pub(super) fn visit_key(id_vehicle: &str, id: &str) -> String {
    format!("{id_vehicle}#{id}")
}

impl Row for ReportRow {
    fn id(&self) -> &str {
        &self.id
    }

    fn entries(&self) -> Vec<(Index, String)> {
        vec![
            (
                Index::ByCustomer,
                customer_key(&self.id_customer, REPORT_KIND, &self.id),
            ),
            (
                Index::ReportListing,
                crate::query::position_key(self.created_at, &self.id),
            ),
        ]
    }

    fn counts(&self) -> Vec<(Counter, u64)> {
        vec![
            (Counter::ReportPairs, 1),
            (Counter::ReportMessages, self.frequency),
            (Counter::ReportFrequency(self.frequency), 1),
        ]
    }

    fn put_row(&self, tables: &mut Tables) -> Result<(), StoreError> {
        let json = to_json(self)?;
        tables
            .reports
            .insert(self.id.as_str(), json.as_str())
            .map_err(other)?;
        Ok(())
    }

    fn remove_row(&self, tables: &mut Tables) -> Result<(), StoreError> {
        tables.reports.remove(self.id.as_str()).map_err(other)?;
        Ok(())
    }
}

/// Stores `row` as (version, JSON) under `id`.
fn put_versioned(
    table: &mut super::Versioned,
    id: &str,
    version: u64,
    row: &impl serde::Serialize,
) -> Result<(), StoreError> {
    let json = to_json(row)?;
    table.insert(id, (version, json.as_str())).map_err(other)?;
    Ok(())
}

/// A date as the indexes order it: `YYYY-MM-DD`, as DynamoDB's date attributes are.
pub(super) fn day_key(day: NaiveDate) -> String {
    day.format("%Y-%m-%d").to_string()
}

/// An instant as fixed-width digits that sort as the instants do (nanoseconds, shifted so that
/// none is negative).
pub(super) fn instant_key(at: DateTime<Utc>) -> String {
    format!("{:039}", super::nanos(at).cast_unsigned() ^ (1 << 127))
}

fn reminders_key(count: u32, id: &str) -> String {
    format!("{count:010}#{id}")
}

/// The prefix of a customer's items of `kind` in [`Index::ByCustomer`].
pub(super) fn customer_prefix(id_customer: &str, kind: &str) -> String {
    format!("{id_customer}#{kind}#")
}

fn customer_key(id_customer: &str, kind: &str, id: &str) -> String {
    format!("{}{id}", customer_prefix(id_customer, kind))
}

/// The keys of every day of `from..=to` under `prefix` (keys `prefix + day + '#' + …`), as
/// bounds of a range: `'$'` sorts right after the `'#'` that ends a day.
pub(super) fn day_range(prefix: &str, from: NaiveDate, to: NaiveDate) -> (String, String) {
    (
        format!("{prefix}{}#", day_key(from)),
        format!("{prefix}{}$", day_key(to)),
    )
}

pub(super) fn due_prefixes(active_only: bool) -> &'static [&'static str] {
    if active_only {
        &["active#"]
    } else {
        &["active#", "inactive#"]
    }
}

impl<'t> Tables<'t> {
    /// The one way rows change: `old` (as stored, or `None` for a new row) becomes `new`
    /// (`None` deletes it). Writes the row and moves its index entries and counts by the
    /// difference.
    pub(super) fn change<T: Row>(
        &mut self,
        old: Option<&T>,
        new: Option<&T>,
    ) -> Result<(), StoreError> {
        match (old, new) {
            (_, Some(new)) => new.put_row(self)?,
            (Some(old), None) => old.remove_row(self)?,
            (None, None) => return Ok(()),
        }
        let before: BTreeSet<(Index, String)> = old
            .map(Row::entries)
            .unwrap_or_default()
            .into_iter()
            .collect();
        let after: BTreeSet<(Index, String)> = new
            .map(Row::entries)
            .unwrap_or_default()
            .into_iter()
            .collect();
        for (index, key) in before.difference(&after) {
            self.index(*index).remove(key.as_str()).map_err(other)?;
        }
        if let Some(new) = new {
            for (index, key) in after.difference(&before) {
                self.index(*index)
                    .insert(key.as_str(), new.id())
                    .map_err(other)?;
            }
        }
        let mut delta: BTreeMap<Counter, i128> = BTreeMap::new();
        for (counter, n) in old.map(Row::counts).unwrap_or_default() {
            *delta.entry(counter).or_default() -= i128::from(n);
        }
        for (counter, n) in new.map(Row::counts).unwrap_or_default() {
            *delta.entry(counter).or_default() += i128::from(n);
        }
        for (counter, by) in delta.into_iter().filter(|(_, by)| *by != 0) {
            let key = counter.key();
            let kept = self
                .meta
                .get(key.as_str())
                .map_err(other)?
                .map_or(0, |v| v.value());
            // A count at zero is no entry, so that days without records leave nothing behind.
            match u64::try_from(i128::from(kept) + by).unwrap_or(0) {
                0 => self.meta.remove(key.as_str()).map_err(other)?,
                now => self.meta.insert(key.as_str(), now).map_err(other)?,
            };
        }
        Ok(())
    }

    pub(super) fn index(
        &mut self,
        index: Index,
    ) -> &mut redb::Table<'t, &'static str, &'static str> {
        &mut self.indexes[index as usize]
    }

    /// The id `index` holds under `key`.
    pub(super) fn lookup(&self, index: Index, key: &str) -> Result<Option<String>, StoreError> {
        let found = self.indexes[index as usize].get(key).map_err(other)?;
        Ok(found.map(|id| id.value().to_string()))
    }

    /// Brings a database written by an older layout up to date: every index and count rebuilt
    /// from the rows, in this one transaction. Returns what it rebuilt, or `None` when the
    /// layout was current already.
    pub(super) fn upgrade(&mut self) -> Result<Option<Rebuilt>, StoreError> {
        let stamped = self.meta.get(SCHEMA_KEY).map_err(other)?.map(|v| v.value());
        if stamped.is_some_and(|version| version >= SCHEMA_VERSION) {
            return Ok(None);
        }
        for index in Index::ALL {
            self.index(index).retain(|_, _| false).map_err(other)?;
        }
        self.meta.retain(|_, _| false).map_err(other)?;
        let rows = Rows::read(
            &self.records,
            &self.customers,
            &self.vehicles,
            &self.reports,
            &self.visits,
        )?;
        for record in &rows.records {
            self.change(None, Some(record))?;
        }
        for customer in &rows.customers {
            self.change(None, Some(customer))?;
        }
        for vehicle in &rows.vehicles {
            self.change(None, Some(vehicle))?;
        }
        for row in &rows.reports {
            self.change(None, Some(row))?;
        }
        for visit in &rows.visits {
            self.change(None, Some(visit))?;
        }
        self.meta
            .insert(SCHEMA_KEY, SCHEMA_VERSION)
            .map_err(other)?;
        Ok(Some(Rebuilt {
            from_version: stamped.unwrap_or(0),
            records: rows.records.len(),
            customers: rows.customers.len(),
            vehicles: rows.vehicles.len(),
            reports: rows.reports.len(),
        }))
    }
}

/// What [`Tables::upgrade`] rebuilt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Rebuilt {
    pub from_version: u64,
    pub records: usize,
    pub customers: usize,
    pub vehicles: usize,
    pub reports: usize,
}

impl Rebuilt {
    pub fn is_empty(&self) -> bool {
        self.records + self.customers + self.vehicles + self.reports == 0
    }
}

/// Every row of the indexed tables, decoded.
struct Rows {
    records: Vec<ManualRecord>,
    customers: Vec<Customer>,
    vehicles: Vec<Vehicle>,
    reports: Vec<ReportRow>,
    visits: Vec<Visit>,
}

/// Every row of `table`, decoded.
fn each<V: redb::Value + 'static, T>(
    table: &impl ReadableTable<&'static str, V>,
    decode: impl for<'a> Fn(V::SelfType<'a>) -> Result<T, StoreError>,
) -> Result<Vec<T>, StoreError> {
    let mut all = Vec::new();
    for entry in table.iter().map_err(other)? {
        let (_, value) = entry.map_err(other)?;
        all.push(decode(value.value())?);
    }
    Ok(all)
}

type Versioned = (u64, &'static str);

impl Rows {
    fn read(
        records: &impl ReadableTable<&'static str, Versioned>,
        customers: &impl ReadableTable<&'static str, Versioned>,
        vehicles: &impl ReadableTable<&'static str, Versioned>,
        reports: &impl ReadableTable<&'static str, &'static str>,
        visits: &impl ReadableTable<&'static str, &'static str>,
    ) -> Result<Self, StoreError> {
        Ok(Rows {
            records: each(records, decode)?,
            customers: each(customers, customer_from)?,
            vehicles: each(vehicles, vehicle_from)?,
            reports: each(reports, super::from_json)?,
            visits: each(visits, super::from_json)?,
        })
    }

    /// Every index entry and count the rows imply.
    fn expected(
        &self,
    ) -> (
        BTreeMap<Index, BTreeMap<String, String>>,
        BTreeMap<Counter, u64>,
    ) {
        let mut entries: BTreeMap<Index, BTreeMap<String, String>> = BTreeMap::new();
        let mut counts: BTreeMap<Counter, u64> = BTreeMap::new();
        let mut add = |row: &dyn Row| {
            for (index, key) in row.entries() {
                entries
                    .entry(index)
                    .or_default()
                    .insert(key, row.id().to_string());
            }
            for (counter, n) in row.counts() {
                *counts.entry(counter).or_default() += n;
            }
        };
        self.records.iter().for_each(|r| add(r));
        self.customers.iter().for_each(|r| add(r));
        self.vehicles.iter().for_each(|r| add(r));
        self.reports.iter().for_each(|r| add(r));
        self.visits.iter().for_each(|r| add(r));
        (entries, counts)
    }
}

/// What a full recount from the rows found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recount {
    pub counts: Counts,
    pub register: RegisterCounts,
    /// Index entries that differ from what the rows imply: `index: key` missing or extra.
    pub mismatches: Vec<String>,
}

impl super::EmbeddedStore {
    /// Recounts everything from the rows and compares it with the stored indexes and counts;
    /// for tests and for an operator in doubt. Reads every row: never on a request's path.
    pub fn recount(&self) -> Result<Recount, StoreError> {
        let txn = self.db.begin_read().map_err(other)?;
        let open = |name| txn.open_table(name).map_err(other);
        let rows = Rows::read(
            &open(RECORDS)?,
            &open(CUSTOMERS)?,
            &open(VEHICLES)?,
            &txn.open_table(REPORTS).map_err(other)?,
            &txn.open_table(VISITS).map_err(other)?,
        )?;
        let (expected, counts) = rows.expected();
        let mut mismatches = Vec::new();
        for index in Index::ALL {
            let table = txn.open_table(index.table()).map_err(other)?;
            let mut stored = BTreeMap::new();
            for entry in table.iter().map_err(other)? {
                let (key, id) = entry.map_err(other)?;
                stored.insert(key.value().to_string(), id.value().to_string());
            }
            let empty = BTreeMap::new();
            let wanted = expected.get(&index).unwrap_or(&empty);
            for (key, id) in wanted {
                if stored.get(key) != Some(id) {
                    mismatches.push(format!("{index:?}: missing {key} → {id}"));
                }
            }
            for key in stored.keys().filter(|key| !wanted.contains_key(*key)) {
                mismatches.push(format!("{index:?}: extra {key}"));
            }
        }
        let meta = txn.open_table(META).map_err(other)?;
        let mut kept = BTreeMap::new();
        for entry in meta.iter().map_err(other)? {
            let (key, value) = entry.map_err(other)?;
            if key.value() != SCHEMA_KEY {
                kept.insert(key.value().to_string(), value.value());
            }
        }
        let counted: BTreeMap<String, u64> = counts
            .iter()
            .filter(|(_, n)| **n > 0)
            .map(|(counter, n)| (counter.key(), *n))
            .collect();
        for key in kept.keys().chain(counted.keys()).collect::<BTreeSet<_>>() {
            let (kept, counted) = (kept.get(key), counted.get(key));
            if kept != counted {
                mismatches.push(format!("count {key}: kept {kept:?}, counted {counted:?}"));
            }
        }
        let count = |counter| counts.get(&counter).copied().unwrap_or(0);
        Ok(Recount {
            counts: Counts {
                total: count(Counter::Records),
                active: count(Counter::Active),
                reminders_sent: count(Counter::RemindersSent),
            },
            register: RegisterCounts {
                customers: count(Counter::Customers),
                vehicles: count(Counter::Vehicles),
            },
            mismatches,
        })
    }
}

/// A kept count, read in a read transaction.
pub(super) fn read_counter(
    meta: &impl ReadableTable<&'static str, u64>,
    counter: Counter,
) -> Result<u64, StoreError> {
    Ok(meta
        .get(counter.key().as_str())
        .map_err(other)?
        .map_or(0, |v| v.value()))
}

/// The report's totals as kept: two counts and the histogram's entries.
pub(super) fn read_report_totals(
    meta: &impl ReadableTable<&'static str, u64>,
) -> Result<Totals, StoreError> {
    let mut by_frequency = BTreeMap::new();
    for entry in meta.range::<&str>(REPORT_FREQUENCY..).map_err(other)? {
        let (key, pairs) = entry.map_err(other)?;
        let Some(frequency) = key.value().strip_prefix(REPORT_FREQUENCY) else {
            break;
        };
        let frequency = frequency
            .parse()
            .map_err(|_| other(format!("malformed count {}", key.value())))?;
        by_frequency.insert(frequency, pairs.value());
    }
    Ok(Totals {
        pairs: read_counter(meta, Counter::ReportPairs)?,
        messages: read_counter(meta, Counter::ReportMessages)?,
        by_frequency,
    })
}

/// The sum of the per-day counts from `from` to `to`, both included.
pub(super) fn sum_days(
    meta: &impl ReadableTable<&'static str, u64>,
    from: Counter,
    to: Counter,
) -> Result<u64, StoreError> {
    let (from, to) = (from.key(), to.key());
    if from > to {
        return Ok(0);
    }
    let mut sum = 0;
    for entry in meta
        .range::<&str>(from.as_str()..=to.as_str())
        .map_err(other)?
    {
        sum += entry.map_err(other)?.1.value();
    }
    Ok(sum)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn instant_keys_sort_as_instants() {
        let instants = [
            Utc.with_ymd_and_hms(1969, 12, 31, 23, 59, 59).unwrap(),
            Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
            Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap() + chrono::Duration::nanoseconds(1),
            Utc.with_ymd_and_hms(2126, 1, 1, 0, 0, 0).unwrap(),
        ];
        let keys: Vec<String> = instants.iter().map(|at| instant_key(*at)).collect();
        assert!(keys.windows(2).all(|w| w[0] < w[1]), "{keys:?}");
        assert!(keys.iter().all(|k| k.len() == 39));
    }

    #[test]
    fn a_day_range_holds_its_first_and_last_day_only() {
        let day = |d| NaiveDate::from_ymd_opt(2026, 1, d).unwrap();
        let (from, to) = day_range("active#", day(10), day(13));
        let key = |d| format!("active#{}#0f3e", day_key(day(d)));
        assert!(key(9) < from && from <= key(10));
        assert!(key(13) < to && to < key(14));
    }
}
