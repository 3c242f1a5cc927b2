//! The WhatsApp report and its snapshots in the table (layout in [`super`]).
//!
//! Rows change only through conditional updates that express [`reset_row`] and
//! [`restore_row`] per row, so that sends landing meanwhile stay counted: a reset takes the
//! snapshot's frequency off (`ADD` a negative number) and marks the row with the snapshot's id
//! in `resets`; a restore gives it back where the mark is. A reset or restore interrupted
//! halfway is finished (or undone) exactly by running it again.
//!
//! [`reset_row`]: crate::report::reset_row
//! [`restore_row`]: crate::report::restore_row

use std::collections::BTreeSet;

use async_trait::async_trait;
use aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue, TransactWriteItem, Update};
use chrono::{DateTime, FixedOffset};
use futures::future::BoxFuture;
use futures::{FutureExt, StreamExt, TryStreamExt};

use super::item::values;
use super::item::{Item, key, n, number, opt_time, optional, s, text};
use super::read::is_key;
use super::register::{Check, stamp};
use super::schema::{CUSTOMER_INDEX, LIST_INDEX};
use super::{DynamoStore, sdk_error};
use crate::report::{
    Delivery, ReportRow, Scope, Snapshot, SnapshotInfo, SnapshotStatus, report_id,
};
use crate::store::{ReportStore, StoreError};

const REPORT: &str = "report";
const SNAPSHOT: &str = "snapshot";
/// Rows per snapshot part, and about the most bytes of their JSON: a part item stays well
/// under DynamoDB's 400 KB (rows grow with every unrestored reset they carry in `resets`).
const PART_ROWS: usize = 500;
const PART_BYTES: usize = 300_000;
/// Row updates of a reset or restore in flight at once.
const IN_FLIGHT: usize = 16;
/// The stored name of each status.
const STATUSES: [(SnapshotStatus, &str); 4] = [
    (SnapshotStatus::Resetting, "resetting"),
    (SnapshotStatus::Reset, "reset"),
    (SnapshotStatus::Restoring, "restoring"),
    (SnapshotStatus::Restored, "restored"),
];

#[async_trait]
impl ReportStore for DynamoStore {
    /// `ADD` counts concurrent deliveries each once; with a claim, one transaction with the
    /// claim's sent put.
    async fn record_delivery(
        &self,
        delivery: &Delivery,
        claim: Option<&str>,
    ) -> Result<(), StoreError> {
        let update = self.delivery_update(delivery)?;
        let Some(claim) = claim else {
            // Unconditional: an UpdateItem alone is atomic enough.
            self.update_if(update).await?;
            return Ok(());
        };
        let sent = self.sent_claim(claim, delivery.at)?;
        let actions = vec![
            (
                TransactWriteItem::builder().update(update).build(),
                Check::None,
            ),
            (TransactWriteItem::builder().put(sent).build(), Check::None),
        ];
        self.commit(actions).await?
    }

    async fn report_rows(&self, scope: &Scope) -> Result<Vec<ReportRow>, StoreError> {
        let items = match (&scope.id_customer, &scope.id_vehicle) {
            (Some(customer), Some(vehicle)) => {
                let id = report_id(customer, vehicle);
                self.get_kind(&report_pk(&id), REPORT)
                    .await?
                    .into_iter()
                    .collect()
            }
            (Some(customer), None) if !is_key(customer) => Vec::new(),
            (Some(customer), None) => {
                let request = self.query_index(
                    CUSTOMER_INDEX,
                    "#id_customer = :id AND #kind = :kind",
                    values([(":id", s(customer)), (":kind", s(REPORT))]),
                );
                self.query_all(request).await?
            }
            (None, _) => self.query_all(self.of_kind(REPORT)).await?,
        };
        let mut rows = items.iter().map(row_from).collect::<Result<Vec<_>, _>>()?;
        // A vehicle without its customer is no scope the indexes serve; it filters all rows.
        rows.retain(|row| scope.contains(row));
        Ok(rows)
    }

    async fn report_row(&self, id: &str) -> Result<Option<ReportRow>, StoreError> {
        let found = self.get_kind(&report_pk(id), REPORT).await?;
        found.as_ref().map(row_from).transpose()
    }

    async fn delete_report_row(&self, id: &str) -> Result<bool, StoreError> {
        let pk = report_pk(id);
        if !is_key(&pk) {
            return Ok(false);
        }
        let out = self
            .client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(key(pk)))
            .return_values(ReturnValue::AllOld)
            .send()
            .await
            .map_err(|err| sdk_error("DeleteItem", err))?;
        Ok(out.attributes.is_some())
    }

    async fn reset(&self, snapshot: &Snapshot) -> Result<usize, StoreError> {
        self.keep(snapshot, SnapshotStatus::Resetting).await?;
        let rows = snapshot.rows.iter();
        let changes = rows.map(|kept| self.reset_row(kept, &snapshot.info).boxed());
        let reset = count_changed(changes.collect()).await?;
        self.set_status(&snapshot.info.id, SnapshotStatus::Reset, None)
            .await?;
        Ok(reset)
    }

    async fn restore(
        &self,
        snapshot: &Snapshot,
        at: DateTime<FixedOffset>,
    ) -> Result<usize, StoreError> {
        let id = &snapshot.info.id;
        if !self.set_status(id, SnapshotStatus::Restoring, None).await? {
            // Never kept (its reset failed before the header): keep it now.
            self.keep(snapshot, SnapshotStatus::Restoring).await?;
        }
        let rows = snapshot.rows.iter();
        let changes = rows.map(|kept| self.restore_row(kept, &snapshot.info).boxed());
        let restored = count_changed(changes.collect()).await?;
        self.set_status(id, SnapshotStatus::Restored, Some(at))
            .await?;
        Ok(restored)
    }

    async fn snapshots(&self) -> Result<Vec<SnapshotInfo>, StoreError> {
        let request = self.of_kind(SNAPSHOT).scan_index_forward(false);
        let headers = self.query_all(request).await?;
        headers
            .iter()
            .map(|header| Ok(header_from(header)?.0))
            .collect()
    }

    async fn snapshot(&self, id: &str) -> Result<Option<Snapshot>, StoreError> {
        let Some(header) = self.get_kind(&snapshot_pk(id), SNAPSHOT).await? else {
            return Ok(None);
        };
        let (info, parts) = header_from(&header)?;
        let found = self.batch_get((0..parts).map(|n| part_pk(id, n))).await?;
        let mut parts_read = found.iter().map(part_from).collect::<Result<Vec<_>, _>>()?;
        if parts_read.len() != parts {
            return Err(StoreError::Other(format!(
                "snapshot {id}: {} of its {parts} parts found",
                parts_read.len()
            )));
        }
        parts_read.sort_by_key(|(n, _)| *n);
        let rows = parts_read.into_iter().flat_map(|(_, rows)| rows).collect();
        Ok(Some(Snapshot { info, rows }))
    }
}

impl DynamoStore {
    /// The row's upsert: `frequency + 1`, the instants, the names; `created_at` and `list_key`
    /// on the first delivery only.
    fn delivery_update(&self, delivery: &Delivery) -> Result<Update, StoreError> {
        let id = delivery.report_id();
        let list_key = crate::query::position_key(delivery.at, &id);
        self.update(
            &report_pk(&id),
            "ADD #frequency :one \
             SET #last_message_date = :at, #updated_at = :at, \
             #created_at = if_not_exists(#created_at, :at), \
             #list_key = if_not_exists(#list_key, :list_key), \
             #kind = :kind, #id = :id, #id_customer = :id_customer, #id_vehicle = :id_vehicle, \
             #customer_name = :customer_name, #customer_phone = :customer_phone, \
             #vehicle_model = :vehicle_model, #vehicle_nopol = :vehicle_nopol",
            None,
            values([
                (":one", n(1)),
                (":at", s(delivery.at.to_rfc3339())),
                (":list_key", s(list_key)),
                (":kind", s(REPORT)),
                (":id", s(&id)),
                (":id_customer", s(&delivery.id_customer)),
                (":id_vehicle", s(&delivery.id_vehicle)),
                (":customer_name", s(&delivery.customer_name)),
                (":customer_phone", s(&delivery.customer_phone)),
                (":vehicle_model", s(&delivery.vehicle_model)),
                (":vehicle_nopol", s(&delivery.vehicle_nopol)),
            ]),
        )
    }

    /// [`crate::report::reset_row`]: the kept frequency off and the mark on, once, unless
    /// another reset took the row below it meanwhile; `false` when the row was left.
    async fn reset_row(&self, kept: &ReportRow, info: &SnapshotInfo) -> Result<bool, StoreError> {
        let frequency = i64::try_from(kept.frequency).unwrap_or(i64::MAX);
        let update = self.update(
            &report_pk(&kept.id),
            "ADD #frequency :minus, #resets :mark SET #updated_at = :reset_at",
            Some(
                "attribute_exists(#pk) AND #frequency >= :frequency AND NOT contains(#resets, :id)",
            ),
            values([
                (":minus", n(-frequency)),
                (":mark", mark(info)),
                (":reset_at", s(info.created_at.to_rfc3339())),
                (":frequency", n(kept.frequency)),
                (":id", s(&info.id)),
            ]),
        )?;
        self.update_if(update).await
    }

    /// [`crate::report::restore_row`]: the kept frequency back and the mark off where the mark
    /// is; `updated_at` back too unless the row changed after the reset (the reset stamped it
    /// with the snapshot's instant, compared as text: the service writes one format).
    async fn restore_row(&self, kept: &ReportRow, info: &SnapshotInfo) -> Result<bool, StoreError> {
        let pk = report_pk(&kept.id);
        let give_back = "ADD #frequency :frequency DELETE #resets :mark";
        let untouched = self.update(
            &pk,
            &format!("{give_back} SET #updated_at = :before"),
            Some("contains(#resets, :id) AND #updated_at = :reset_at"),
            values([
                (":frequency", n(kept.frequency)),
                (":mark", mark(info)),
                (":id", s(&info.id)),
                (":before", s(kept.updated_at.to_rfc3339())),
                (":reset_at", s(info.created_at.to_rfc3339())),
            ]),
        )?;
        if self.update_if(untouched).await? {
            return Ok(true);
        }
        let changed = self.update(
            &pk,
            give_back,
            Some("contains(#resets, :id)"),
            values([
                (":frequency", n(kept.frequency)),
                (":mark", mark(info)),
                (":id", s(&info.id)),
            ]),
        )?;
        // Refused again: deleted, or restored already.
        self.update_if(changed).await
    }

    /// Writes the snapshot's parts, then its header: a listed snapshot always has its rows.
    async fn keep(&self, snapshot: &Snapshot, status: SnapshotStatus) -> Result<(), StoreError> {
        let id = &snapshot.info.id;
        let parts = parts_of(&snapshot.rows)?;
        for (at, rows) in parts.iter().enumerate() {
            let mut part = key(part_pk(id, at));
            part.insert("part".into(), n(at));
            part.insert("rows".into(), s(rows));
            self.put_item(part).await?;
        }
        self.put_item(header_item(&snapshot.info, status, parts.len()))
            .await
    }

    /// Sets the status of header `id` (and `restored_at`); `false` when there is no header.
    async fn set_status(
        &self,
        id: &str,
        status: SnapshotStatus,
        restored_at: Option<DateTime<FixedOffset>>,
    ) -> Result<bool, StoreError> {
        let mut expression = "SET #status = :status".to_string();
        let mut values = values([(":status", s(status_name(status)))]);
        if let Some(at) = restored_at {
            expression.push_str(", #restored_at = :restored_at");
            values.insert(":restored_at".into(), s(at.to_rfc3339()));
        }
        let update = self.update(
            &snapshot_pk(id),
            &expression,
            Some("attribute_exists(#pk)"),
            values,
        )?;
        self.update_if(update).await
    }

    async fn put_item(&self, item: Item) -> Result<(), StoreError> {
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .send()
            .await
            .map_err(|err| sdk_error("PutItem", err))?;
        Ok(())
    }

    /// Every item of `kind` through `list-index`, oldest first.
    fn of_kind(&self, kind: &str) -> QueryFluentBuilder {
        self.query_index(LIST_INDEX, "#kind = :kind", values([(":kind", s(kind))]))
    }
}

/// Runs the row changes, a few at once; how many changed their row. The first failure ends
/// it: what was done stays marked, so running it again finishes the rest. (Collected first:
/// a closure held across the awaits would make the trait's future not `Send`.)
async fn count_changed(
    changes: Vec<BoxFuture<'_, Result<bool, StoreError>>>,
) -> Result<usize, StoreError> {
    futures::stream::iter(changes)
        .buffer_unordered(IN_FLIGHT)
        .try_fold(
            0,
            |done, changed| async move { Ok(done + usize::from(changed)) },
        )
        .await
}

/// The snapshot's mark, as the string set `ADD` and `DELETE` take.
fn mark(info: &SnapshotInfo) -> AttributeValue {
    AttributeValue::Ss(vec![info.id.clone()])
}

fn report_pk(id: &str) -> String {
    format!("{REPORT}#{id}")
}

fn snapshot_pk(id: &str) -> String {
    format!("{SNAPSHOT}#{id}")
}

fn part_pk(id: &str, part: usize) -> String {
    format!("{SNAPSHOT}#{id}#{part}")
}

/// The item of a row as [`ReportStore::record_delivery`] leaves it, for bulk loading (e.g.
/// BatchWriteItem).
pub fn report_item(row: &ReportRow) -> Item {
    let mut item = key(report_pk(&row.id));
    let mut put = |name: &str, value: AttributeValue| {
        item.insert(name.to_string(), value);
    };
    put("kind", s(REPORT));
    put(
        "list_key",
        s(crate::query::position_key(row.created_at, &row.id)),
    );
    put("id", s(&row.id));
    put("id_customer", s(&row.id_customer));
    put("id_vehicle", s(&row.id_vehicle));
    put("frequency", n(row.frequency));
    put("created_at", s(row.created_at.to_rfc3339()));
    put("updated_at", s(row.updated_at.to_rfc3339()));
    put("customer_name", s(&row.customer_name));
    put("customer_phone", s(&row.customer_phone));
    put("vehicle_model", s(&row.vehicle_model));
    put("vehicle_nopol", s(&row.vehicle_nopol));
    if let Some(at) = row.last_message_date {
        put("last_message_date", s(at.to_rfc3339()));
    }
    if !row.resets.is_empty() {
        put(
            "resets",
            AttributeValue::Ss(row.resets.iter().cloned().collect()),
        );
    }
    item
}

fn row_from(item: &Item) -> Result<ReportRow, StoreError> {
    let resets = match item.get("resets") {
        None => BTreeSet::new(),
        Some(AttributeValue::Ss(marks)) => marks.iter().cloned().collect(),
        Some(_) => return Err(super::item::malformed(item, "resets")),
    };
    Ok(ReportRow {
        id: text(item, "id")?.to_string(),
        id_customer: text(item, "id_customer")?.to_string(),
        id_vehicle: text(item, "id_vehicle")?.to_string(),
        last_message_date: opt_time(item, "last_message_date")?,
        frequency: number(item, "frequency")?,
        created_at: stamp(item, "created_at")?,
        updated_at: stamp(item, "updated_at")?,
        customer_name: text(item, "customer_name")?.to_string(),
        customer_phone: text(item, "customer_phone")?.to_string(),
        vehicle_model: text(item, "vehicle_model")?.to_string(),
        vehicle_nopol: text(item, "vehicle_nopol")?.to_string(),
        resets,
    })
}

/// The header: the info, with the scope apart from `id_customer` (which would put it into
/// `customer-index`), and how many parts hold the rows.
fn header_item(info: &SnapshotInfo, status: SnapshotStatus, parts: usize) -> Item {
    let mut item = key(snapshot_pk(&info.id));
    let mut put = |name: &str, value: AttributeValue| {
        item.insert(name.to_string(), value);
    };
    put("kind", s(SNAPSHOT));
    put("list_key", s(info.list_key()));
    put("id", s(&info.id));
    put("created_at", s(info.created_at.to_rfc3339()));
    put("status", s(status_name(status)));
    put("row_count", n(info.row_count));
    put("total_frequency", n(info.total_frequency));
    put("parts", n(parts));
    if let Some(id) = &info.scope.id_customer {
        put("scope_customer", s(id));
    }
    if let Some(id) = &info.scope.id_vehicle {
        put("scope_vehicle", s(id));
    }
    if let Some(at) = info.restored_at {
        put("restored_at", s(at.to_rfc3339()));
    }
    item
}

/// The info of a header, and its number of parts.
fn header_from(item: &Item) -> Result<(SnapshotInfo, usize), StoreError> {
    let status = text(item, "status")?;
    let status = STATUSES
        .iter()
        .find(|(_, name)| *name == status)
        .map(|(status, _)| *status)
        .ok_or_else(|| super::item::malformed(item, "status"))?;
    let info = SnapshotInfo {
        id: text(item, "id")?.to_string(),
        created_at: stamp(item, "created_at")?,
        scope: Scope {
            id_customer: optional(item, "scope_customer")?.map(str::to_string),
            id_vehicle: optional(item, "scope_vehicle")?.map(str::to_string),
        },
        row_count: number(item, "row_count")?,
        total_frequency: number(item, "total_frequency")?,
        status,
        restored_at: opt_time(item, "restored_at")?,
    };
    Ok((info, number(item, "parts")?))
}

fn status_name(status: SnapshotStatus) -> &'static str {
    STATUSES
        .iter()
        .find(|(known, _)| *known == status)
        .map_or("?", |(_, name)| name)
}

/// The rows as JSON arrays of at most [`PART_ROWS`] rows and about [`PART_BYTES`] each (a
/// single larger row takes a part alone).
fn parts_of(rows: &[ReportRow]) -> Result<Vec<String>, StoreError> {
    let mut parts = Vec::new();
    let mut part: Vec<String> = Vec::new();
    let mut bytes = 0;
    for row in rows {
        let json = serde_json::to_string(row)
            .map_err(|err| StoreError::Other(format!("snapshot row as JSON: {err}")))?;
        if !part.is_empty() && (part.len() == PART_ROWS || bytes + json.len() > PART_BYTES) {
            parts.push(format!("[{}]", part.join(",")));
            part.clear();
            bytes = 0;
        }
        bytes += json.len() + 1;
        part.push(json);
    }
    if !part.is_empty() {
        parts.push(format!("[{}]", part.join(",")));
    }
    Ok(parts)
}

/// A part: its number and its rows.
fn part_from(item: &Item) -> Result<(usize, Vec<ReportRow>), StoreError> {
    let rows = serde_json::from_str(text(item, "rows")?)
        .map_err(|_| super::item::malformed(item, "rows"))?;
    Ok((number(item, "part")?, rows))
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn row(n: usize, name_len: usize) -> ReportRow {
        let at = FixedOffset::east_opt(7 * 3600)
            .and_then(|tz| tz.with_ymd_and_hms(2026, 1, 3, 10, 30, 0).single())
            .expect("valid instant");
        ReportRow {
            id: format!("row-{n}"),
            id_customer: "c".into(),
            id_vehicle: "v".into(),
            last_message_date: Some(at),
            frequency: 3,
            created_at: at,
            updated_at: at,
            customer_name: "x".repeat(name_len),
            customer_phone: "628".into(),
            vehicle_model: "Beat".into(),
            vehicle_nopol: "B 1 AA".into(),
            resets: BTreeSet::from(["s1".to_string()]),
        }
    }

    #[test]
    fn parts_hold_every_row_in_order_within_their_bounds() {
        let rows: Vec<ReportRow> = (0..1_200).map(|i| row(i, 10)).collect();
        let parts = parts_of(&rows).expect("parts");
        assert_eq!(parts.len(), 3);
        let back: Vec<ReportRow> = parts
            .iter()
            .flat_map(|p| serde_json::from_str::<Vec<ReportRow>>(p).expect("json"))
            .collect();
        assert_eq!(back, rows);

        let big: Vec<ReportRow> = (0..10).map(|i| row(i, 100_000)).collect();
        let parts = parts_of(&big).expect("parts");
        assert!(parts.len() > 1 && parts.iter().all(|p| p.len() < 400_000));
        assert!(parts_of(&[]).expect("parts").is_empty());
    }

    #[test]
    fn a_row_survives_the_round_trip() {
        let mut row = row(0, 5);
        assert_eq!(row_from(&report_item(&row)).ok(), Some(row.clone()));
        row.resets.clear();
        row.last_message_date = None;
        let item = report_item(&row);
        assert!(!item.contains_key("resets") && !item.contains_key("last_message_date"));
        assert_eq!(row_from(&item).ok(), Some(row));
    }

    #[test]
    fn a_header_survives_the_round_trip() {
        let info = Snapshot::new(
            "s1".into(),
            row(0, 1).created_at,
            Scope {
                id_customer: Some("c".into()),
                id_vehicle: None,
            },
            vec![row(0, 1)],
        )
        .info;
        for (status, _) in STATUSES {
            let (back, parts) = header_from(&header_item(&info, status, 2)).expect("header");
            assert_eq!(
                back,
                SnapshotInfo {
                    status,
                    ..info.clone()
                }
            );
            assert_eq!(parts, 2);
        }
    }
}
