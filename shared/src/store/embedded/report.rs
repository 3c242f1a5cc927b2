//! The WhatsApp report and its snapshots in the embedded database. A reset and a restore are
//! each one transaction: complete or absent. Every row write goes through [`Tables::change`],
//! which keeps the report's list order and its totals (counts in `meta`) in step.

use async_trait::async_trait;
use chrono::{DateTime, FixedOffset};
use redb::ReadableTable;
use serde::{Deserialize, Serialize};

use super::index::{Index, META, REPORT_KIND, customer_prefix, read_report_totals};
use super::{
    EmbeddedStore, REPORTS, SNAPSHOTS, Tables, from_json, ids_under, other, read, to_json, write,
};
use crate::report::store::{ReportPage, ReportStore};
use crate::report::{
    Delivery, ReportRow, Scope, Snapshot, SnapshotInfo, SnapshotStatus, Totals, report_id,
    reset_row, restore_row,
};
use crate::store_error::StoreError;

/// A snapshot as stored: its info and its rows.
#[derive(Serialize, Deserialize)]
struct Stored {
    info: SnapshotInfo,
    rows: Vec<ReportRow>,
}

impl Tables<'_> {
    fn report(&self, id: &str) -> Result<Option<ReportRow>, StoreError> {
        let value = self.reports.get(id).map_err(other)?;
        value.map(|v| from_json(v.value())).transpose()
    }

    fn put_snapshot(&mut self, info: &SnapshotInfo, rows: &[ReportRow]) -> Result<(), StoreError> {
        let json = to_json(&Stored {
            info: info.clone(),
            rows: rows.to_vec(),
        })?;
        self.snapshots
            .insert(info.id.as_str(), json.as_str())
            .map_err(other)?;
        Ok(())
    }

    /// Applies `change` to the stored row of each kept row; the number of rows it changed.
    fn apply(
        &mut self,
        snapshot: &Snapshot,
        change: fn(&ReportRow, &ReportRow, &SnapshotInfo) -> Option<ReportRow>,
    ) -> Result<usize, StoreError> {
        let mut changed = 0;
        for kept in &snapshot.rows {
            let Some(row) = self.report(&kept.id)? else {
                continue;
            };
            if let Some(next) = change(&row, kept, &snapshot.info) {
                self.change(Some(&row), Some(&next))?;
                changed += 1;
            }
        }
        Ok(changed)
    }
}

#[async_trait]
impl ReportStore for EmbeddedStore {
    async fn record_delivery(
        &self,
        delivery: &Delivery,
        claim: Option<&str>,
    ) -> Result<(), StoreError> {
        let delivery = delivery.clone();
        let claim = claim.map(str::to_string);
        self.run(move |db| {
            write(db, |t| {
                let stored = t.report(&delivery.report_id())?;
                let next = ReportRow::after_delivery(stored.clone(), &delivery);
                t.change(stored.as_ref(), Some(&next))?;
                claim.as_deref().map_or(Ok(()), |key| t.settle_claim(key))
            })
        })
        .await
    }

    /// One row by its id for a pair, a customer's through the by-customer index, and every
    /// row (what the whole report shows) from the table.
    async fn report_rows(&self, scope: &Scope) -> Result<Vec<ReportRow>, StoreError> {
        let scope = scope.clone();
        self.run(move |db| {
            read(db, |txn| {
                let reports = txn.open_table(REPORTS).map_err(other)?;
                let load = |id: &str| -> Result<Option<ReportRow>, StoreError> {
                    let value = reports.get(id).map_err(other)?;
                    value.map(|v| from_json(v.value())).transpose()
                };
                let mut rows = Vec::new();
                match (&scope.id_customer, &scope.id_vehicle) {
                    (Some(customer), Some(vehicle)) => {
                        rows.extend(load(&report_id(customer, vehicle))?);
                    }
                    (Some(customer), None) => {
                        let index = txn.open_table(Index::ByCustomer.table()).map_err(other)?;
                        for id in ids_under(&index, &customer_prefix(customer, REPORT_KIND))? {
                            rows.extend(load(&id)?);
                        }
                    }
                    (None, _) => {
                        for entry in reports.iter().map_err(other)? {
                            rows.push(from_json(entry.map_err(other)?.1.value())?);
                        }
                    }
                }
                // A vehicle without its customer is no scope the index serves: it filters.
                rows.retain(|row| scope.contains(row));
                Ok(rows)
            })
        })
        .await
    }

    /// Reads the page from the report's list order (first delivery, then id), as DynamoDB's
    /// `list-index` serves it: the cost follows the page.
    async fn report_page(
        &self,
        limit: usize,
        after: Option<&str>,
    ) -> Result<ReportPage, StoreError> {
        let after = after.map(str::to_string);
        self.run(move |db| {
            read(db, |txn| {
                let listing = txn
                    .open_table(Index::ReportListing.table())
                    .map_err(other)?;
                let reports = txn.open_table(REPORTS).map_err(other)?;
                let range = match &after {
                    Some(after) => listing.range::<&str>((
                        std::ops::Bound::Excluded(after.as_str()),
                        std::ops::Bound::Unbounded,
                    )),
                    None => listing.range::<&str>(..),
                }
                .map_err(other)?;
                let mut keyed = Vec::new();
                // One more than the page tells whether another follows.
                for entry in range.take(limit + 1) {
                    let (key, id) = entry.map_err(other)?;
                    if let Some(json) = reports.get(id.value()).map_err(other)? {
                        let row: ReportRow = from_json(json.value())?;
                        keyed.push((key.value().to_string(), row));
                    }
                }
                let more = keyed.len() > limit;
                keyed.truncate(limit);
                Ok(ReportPage {
                    next_after: more
                        .then(|| keyed.last().map(|(key, _)| key.clone()))
                        .flatten(),
                    rows: keyed.into_iter().map(|(_, row)| row).collect(),
                })
            })
        })
        .await
    }

    async fn report_totals(&self) -> Result<Totals, StoreError> {
        self.run(|db| {
            read(db, |txn| {
                read_report_totals(&txn.open_table(META).map_err(other)?)
            })
        })
        .await
    }

    async fn report_row(&self, id: &str) -> Result<Option<ReportRow>, StoreError> {
        let id = id.to_string();
        self.run(move |db| {
            read(db, |txn| {
                let reports = txn.open_table(REPORTS).map_err(other)?;
                let value = reports.get(id.as_str()).map_err(other)?;
                value.map(|v| from_json(v.value())).transpose()
            })
        })
        .await
    }

    async fn delete_report_row(&self, id: &str) -> Result<bool, StoreError> {
        let id = id.to_string();
        self.run(move |db| {
            write(db, |t| {
                let stored = t.report(&id)?;
                t.change(stored.as_ref(), None)?;
                Ok(stored.is_some())
            })
        })
        .await
    }

    async fn reset(&self, snapshot: &Snapshot) -> Result<usize, StoreError> {
        let snapshot = snapshot.clone();
        self.run(move |db| {
            write(db, |t| {
                let reset = t.apply(&snapshot, reset_row)?;
                let info = SnapshotInfo {
                    status: SnapshotStatus::Reset,
                    ..snapshot.info.clone()
                };
                t.put_snapshot(&info, &snapshot.rows)?;
                Ok(reset)
            })
        })
        .await
    }

    async fn restore(
        &self,
        snapshot: &Snapshot,
        at: DateTime<FixedOffset>,
    ) -> Result<usize, StoreError> {
        let snapshot = snapshot.clone();
        self.run(move |db| {
            write(db, |t| {
                let restored = t.apply(&snapshot, restore_row)?;
                let info = SnapshotInfo {
                    status: SnapshotStatus::Restored,
                    restored_at: Some(at),
                    ..snapshot.info.clone()
                };
                t.put_snapshot(&info, &snapshot.rows)?;
                Ok(restored)
            })
        })
        .await
    }

    async fn snapshots(&self) -> Result<Vec<SnapshotInfo>, StoreError> {
        let mut all: Vec<SnapshotInfo> = self
            .run(|db| {
                read(db, |txn| {
                    let snapshots = txn.open_table(SNAPSHOTS).map_err(other)?;
                    let mut all = Vec::new();
                    for entry in snapshots.iter().map_err(other)? {
                        let (_, json) = entry.map_err(other)?;
                        all.push(from_json::<Stored>(json.value())?.info);
                    }
                    Ok(all)
                })
            })
            .await?;
        all.sort_by_key(|info| std::cmp::Reverse(info.list_key()));
        Ok(all)
    }

    async fn snapshot(&self, id: &str) -> Result<Option<Snapshot>, StoreError> {
        let id = id.to_string();
        self.run(move |db| {
            read(db, |txn| {
                let snapshots = txn.open_table(SNAPSHOTS).map_err(other)?;
                let value = snapshots.get(id.as_str()).map_err(other)?;
                let stored = value.map(|v| from_json::<Stored>(v.value())).transpose()?;
                Ok(stored.map(|s| Snapshot {
                    info: s.info,
                    rows: s.rows,
                }))
            })
        })
        .await
    }
}
