//! The WhatsApp report and its snapshots in the embedded database. A reset and a restore are
//! each one transaction: complete or absent. Every row write goes through [`Tables::put_report`]
//! or [`Tables::remove_report`], which keep the totals in step ([`Tables::adjust`]).

use async_trait::async_trait;
use chrono::{DateTime, FixedOffset};
use redb::ReadableTable;
use serde::{Deserialize, Serialize};

use super::{
    EmbeddedStore, REPORT_TOTALS, REPORTS, SNAPSHOTS, Tables, from_json, other, read, to_json,
    write,
};
use crate::report::{
    Delivery, ReportRow, Scope, Snapshot, SnapshotInfo, SnapshotStatus, Totals, TotalsChange,
    reset_row, restore_row,
};
use crate::store::{ReportPage, ReportStore, StoreError};

/// The key of the one entry of [`REPORT_TOTALS`].
const TOTALS: &str = "all";

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

    /// Stores `row` over what was there (`old`), and the totals with it.
    fn put_report(&mut self, old: Option<&ReportRow>, row: &ReportRow) -> Result<(), StoreError> {
        let json = to_json(row)?;
        self.reports
            .insert(row.id.as_str(), json.as_str())
            .map_err(other)?;
        self.adjust(old, Some(row))
    }

    /// Removes row `id`, and it from the totals; `false` when there was none.
    fn remove_report(&mut self, id: &str) -> Result<bool, StoreError> {
        let Some(old) = self.report(id)? else {
            return Ok(false);
        };
        self.reports.remove(id).map_err(other)?;
        self.adjust(Some(&old), None)?;
        Ok(true)
    }

    /// The one upkeep of the totals: a row went from `old` to `new` (`None`: no row).
    fn adjust(
        &mut self,
        old: Option<&ReportRow>,
        new: Option<&ReportRow>,
    ) -> Result<(), StoreError> {
        let change = TotalsChange::of(old, new);
        if change.is_empty() {
            return Ok(());
        }
        let mut totals = self.totals()?.unwrap_or_default();
        totals.apply(&change);
        self.put_totals(&totals)
    }

    fn totals(&self) -> Result<Option<Totals>, StoreError> {
        let value = self.report_totals.get(TOTALS).map_err(other)?;
        value.map(|v| from_json(v.value())).transpose()
    }

    fn put_totals(&mut self, totals: &Totals) -> Result<(), StoreError> {
        let json = to_json(totals)?;
        self.report_totals
            .insert(TOTALS, json.as_str())
            .map_err(other)?;
        Ok(())
    }

    /// Counts the totals from the rows when none are kept (a file written before they were).
    pub(super) fn count_report_totals_if_missing(&mut self) -> Result<(), StoreError> {
        if self.totals()?.is_some() {
            return Ok(());
        }
        let mut rows = Vec::new();
        for entry in self.reports.iter().map_err(other)? {
            let (_, json) = entry.map_err(other)?;
            rows.push(from_json::<ReportRow>(json.value())?);
        }
        self.put_totals(&Totals::of(&rows))
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
                self.put_report(Some(&row), &next)?;
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
                t.put_report(stored.as_ref(), &next)?;
                claim.as_deref().map_or(Ok(()), |key| t.settle(key))
            })
        })
        .await
    }

    async fn report_rows(&self, scope: &Scope) -> Result<Vec<ReportRow>, StoreError> {
        let scope = scope.clone();
        self.run(move |db| {
            read(db, |txn| {
                let reports = txn.open_table(REPORTS).map_err(other)?;
                let mut rows = Vec::new();
                for entry in reports.iter().map_err(other)? {
                    let (_, json) = entry.map_err(other)?;
                    let row: ReportRow = from_json(json.value())?;
                    if scope.contains(&row) {
                        rows.push(row);
                    }
                }
                Ok(rows)
            })
        })
        .await
    }

    /// Reads every row and orders them (the embedded store is local and small).
    async fn report_page(
        &self,
        limit: usize,
        after: Option<&str>,
    ) -> Result<ReportPage, StoreError> {
        let mut keyed: Vec<(String, ReportRow)> = self
            .report_rows(&Scope::default())
            .await?
            .into_iter()
            .map(|row| (crate::query::position_key(row.created_at, &row.id), row))
            .filter(|(key, _)| after.is_none_or(|after| key.as_str() > after))
            .collect();
        keyed.sort_by(|(a, _), (b, _)| a.cmp(b));
        let more = keyed.len() > limit;
        keyed.truncate(limit);
        Ok(ReportPage {
            next_after: more
                .then(|| keyed.last().map(|(key, _)| key.clone()))
                .flatten(),
            rows: keyed.into_iter().map(|(_, row)| row).collect(),
        })
    }

    async fn report_totals(&self) -> Result<Totals, StoreError> {
        self.run(|db| {
            read(db, |txn| {
                let totals = txn.open_table(REPORT_TOTALS).map_err(other)?;
                let value = totals.get(TOTALS).map_err(other)?;
                value.map(|v| from_json(v.value())).transpose()
            })
        })
        .await
        .map(Option::unwrap_or_default)
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
        self.run(move |db| write(db, |t| t.remove_report(&id)))
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
