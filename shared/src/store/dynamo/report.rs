//! The WhatsApp report and its snapshots in the table (layout in [`super`]).
//!
//! Every row change is read first, worked out by the model ([`ReportRow::after_delivery`],
//! [`reset_row`], [`restore_row`]), and written in one `TransactWriteItems` with the change of
//! the report's totals (`meta#report`), conditioned on the row as read: its frequency (which
//! fixes the totals' change), and for resets and restores its `updated_at` and the
//! snapshot's mark. Rows change relatively (`ADD`), so sends landing meanwhile stay counted;
//! a write whose row moved is read and tried again. Resets and restores take up to 99 rows
//! per transaction (DynamoDB's 100 actions, less the totals'): the totals item is on every
//! transaction, so fewer, larger transactions conflict less than one per row would. A reset or
//! restore interrupted halfway is finished (or undone) exactly by running it again.
//!
//! [`reset_row`]: crate::report::reset_row
//! [`restore_row`]: crate::report::restore_row

use std::collections::HashMap;

use async_trait::async_trait;
use aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder;
use aws_sdk_dynamodb::types::{AttributeValue, Delete, TransactWriteItem, Update};
use chrono::{DateTime, FixedOffset};

use super::item::values;
use super::item::{
    Item, attributes, key, malformed, model, n, names_in, number, optional, optional_number, s,
    value,
};
use super::read::is_key;
use super::schema::{CUSTOMER_INDEX, LIST_INDEX};
use super::write::{CONDITION_FAILED, Outcome};
use super::{DynamoStore, build_error, put_refused, sdk_error};
use crate::report::store::{ReportPage, ReportStore};
use crate::report::{
    Delivery, ReportRow, Scope, Snapshot, SnapshotInfo, SnapshotStatus, Totals, TotalsChange,
    report_id, reset_row, restore_row,
};
use crate::store_error::{StoreError, retry_while_changed};

const REPORT: &str = "report";
const SNAPSHOT: &str = "snapshot";
/// Rows per snapshot part, and about the most bytes of their JSON: a part item stays well
/// under DynamoDB's 400 KB (rows grow with every unrestored reset they carry in `resets`).
const PART_ROWS: usize = 500;
const PART_BYTES: usize = 300_000;
/// The item of the report's totals.
const TOTALS_PK: &str = "meta#report";
/// Row changes per transaction of a reset or restore: DynamoDB's 100 actions less the totals'.
const ROWS_PER_TRANSACTION: usize = 99;
/// Reads and writes of one change while the rows it read keep moving, before it gives up (a
/// reset or restore that gives up is finished by running it again).
const MOVED_ATTEMPTS: usize = 20;
#[async_trait]
impl ReportStore for DynamoStore {
    /// With a claim, the claim's sent put joins the row's transaction.
    async fn record_delivery(
        &self,
        delivery: &Delivery,
        claim: Option<&str>,
    ) -> Result<(), StoreError> {
        let id = delivery.report_id();
        retry_while_changed(
            MOVED_ATTEMPTS,
            || moved(&id),
            || async {
                let stored = self.report_row(&id).await?;
                let next = ReportRow::after_delivery(stored.clone(), delivery);
                let update = self.delivery_update(delivery, stored.as_ref())?;
                let mut also = Vec::new();
                if let Some(claim) = claim {
                    let sent = self.sent_claim(claim, delivery.at)?;
                    also.push(TransactWriteItem::builder().put(sent).build());
                }
                let change = TotalsChange::of(stored.as_ref(), Some(&next));
                let row = TransactWriteItem::builder().update(update).build();
                Ok(self
                    .commit_rows(vec![(row, change)], also)
                    .await?
                    .then_some(()))
            },
        )
        .await
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
        let mut rows = items
            .into_iter()
            .map(row_from)
            .collect::<Result<Vec<_>, _>>()?;
        // A vehicle without its customer is no scope the indexes serve; it filters all rows.
        rows.retain(|row| scope.contains(row));
        Ok(rows)
    }

    async fn report_row(&self, id: &str) -> Result<Option<ReportRow>, StoreError> {
        let found = self.get_kind(&report_pk(id), REPORT).await?;
        found.map(row_from).transpose()
    }

    async fn delete_report_row(&self, id: &str) -> Result<bool, StoreError> {
        let pk = report_pk(id);
        if !is_key(&pk) {
            return Ok(false);
        }
        retry_while_changed(
            MOVED_ATTEMPTS,
            || moved(id),
            || async {
                let Some(stored) = self.report_row(id).await? else {
                    return Ok(Some(false));
                };
                let condition = "#frequency = :was";
                let delete = Delete::builder()
                    .table_name(&self.table)
                    .set_key(Some(key(&pk)))
                    .condition_expression(condition)
                    .set_expression_attribute_names(names_in(&[condition]))
                    .expression_attribute_values(":was", n(stored.frequency))
                    .build()
                    .map_err(build_error)?;
                let row = TransactWriteItem::builder().delete(delete).build();
                let change = TotalsChange::of(Some(&stored), None);
                Ok(self
                    .commit_rows(vec![(row, change)], Vec::new())
                    .await?
                    .then_some(true))
            },
        )
        .await
    }

    async fn report_page(
        &self,
        limit: usize,
        after: Option<&str>,
    ) -> Result<ReportPage, StoreError> {
        let mut request = match after {
            Some(after) => self.query_index(
                LIST_INDEX,
                "#kind = :kind AND #list_key > :after",
                values([(":kind", s(REPORT)), (":after", s(after))]),
            ),
            None => self.of_kind(REPORT),
        };
        request = request.scan_index_forward(true);
        // One more than the page tells whether another follows.
        let items = self.query_items(request, limit + 1).await?;
        let mut rows = items
            .into_iter()
            .map(row_from)
            .collect::<Result<Vec<_>, _>>()?;
        let more = rows.len() > limit;
        rows.truncate(limit);
        let next_after = more
            .then(|| {
                rows.last()
                    .map(|r| crate::query::position_key(r.created_at, &r.id))
            })
            .flatten();
        Ok(ReportPage { rows, next_after })
    }

    async fn report_totals(&self) -> Result<Totals, StoreError> {
        Ok(self
            .get_item(TOTALS_PK)
            .await?
            .map(|item| totals_from(&item))
            .transpose()?
            .unwrap_or_default())
    }

    async fn reset(&self, snapshot: &Snapshot) -> Result<usize, StoreError> {
        self.keep(snapshot, SnapshotStatus::Resetting).await?;
        let reset = self.apply(snapshot, reset_row).await?;
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
        let restored = self.apply(snapshot, restore_row).await?;
        self.set_status(id, SnapshotStatus::Restored, Some(at))
            .await?;
        Ok(restored)
    }

    async fn snapshots(&self) -> Result<Vec<SnapshotInfo>, StoreError> {
        let request = self.of_kind(SNAPSHOT).scan_index_forward(false);
        let headers = self.query_all(request).await?;
        headers
            .into_iter()
            .map(|header| Ok(header_from(header)?.0))
            .collect()
    }

    async fn snapshot(&self, id: &str) -> Result<Option<Snapshot>, StoreError> {
        let Some(header) = self.get_kind(&snapshot_pk(id), SNAPSHOT).await? else {
            return Ok(None);
        };
        let (info, parts) = header_from(header)?;
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
    /// on the first delivery only. Conditioned on the row as read (`stored`).
    fn delivery_update(
        &self,
        delivery: &Delivery,
        stored: Option<&ReportRow>,
    ) -> Result<Update, StoreError> {
        let id = delivery.report_id();
        let list_key = crate::query::position_key(delivery.at, &id);
        let mut values = values([
            (":one", n(1)),
            (":at", value(&delivery.at)?),
            (":list_key", s(list_key)),
            (":kind", s(REPORT)),
            (":id", s(&id)),
            (":id_customer", s(&delivery.id_customer)),
            (":id_vehicle", s(&delivery.id_vehicle)),
            (":customer_name", s(&delivery.customer_name)),
            (":customer_phone", s(&delivery.customer_phone)),
            (":vehicle_model", s(&delivery.vehicle_model)),
            (":vehicle_nopol", s(&delivery.vehicle_nopol)),
        ]);
        let mut expression = "ADD #frequency :one \
             SET #last_message_date = :at, #updated_at = :at, \
             #created_at = if_not_exists(#created_at, :at), \
             #list_key = if_not_exists(#list_key, :list_key), \
             #kind = :kind, #id = :id, #id_customer = :id_customer, #id_vehicle = :id_vehicle, \
             #customer_name = :customer_name, #customer_phone = :customer_phone, \
             #vehicle_model = :vehicle_model, #vehicle_nopol = :vehicle_nopol"
            .to_string();
        if let Some(message_id) = &delivery.message_id {
            values.insert(":message_id".into(), s(message_id));
            expression.push_str(", #last_message_id = :message_id");
        }
        let condition = match stored {
            None => "attribute_not_exists(#pk)",
            Some(row) => {
                values.insert(":was".into(), n(row.frequency));
                "#frequency = :was"
            }
        };
        self.update(&report_pk(&id), &expression, Some(condition), values)
    }

    /// Applies `change` ([`reset_row`] or [`restore_row`]) to the rows of `snapshot`, up to
    /// [`ROWS_PER_TRANSACTION`] per transaction, one transaction after the other; how many
    /// rows it changed.
    async fn apply(&self, snapshot: &Snapshot, change: RowChange) -> Result<usize, StoreError> {
        let mut changed = 0;
        for kept in snapshot.rows.chunks(ROWS_PER_TRANSACTION) {
            changed += self.apply_to(kept, &snapshot.info, change).await?;
        }
        Ok(changed)
    }

    /// One transaction of [`Self::apply`]: reads the rows, writes the changes with the totals'
    /// change, and reads again when a row moved meanwhile.
    async fn apply_to(
        &self,
        kept: &[ReportRow],
        info: &SnapshotInfo,
        change: RowChange,
    ) -> Result<usize, StoreError> {
        let gave_up = || {
            StoreError::Unavailable(format!(
                "snapshot {}: rows kept changing during the transaction",
                info.id
            ))
        };
        retry_while_changed(MOVED_ATTEMPTS, gave_up, || async {
            let found = self
                .batch_get(kept.iter().map(|row| report_pk(&row.id)))
                .await?;
            let mut stored = HashMap::new();
            for item in found {
                let row = row_from(item)?;
                stored.insert(row.id.clone(), row);
            }
            let mut writes = Vec::new();
            for kept in kept {
                let Some(row) = stored.get(&kept.id) else {
                    continue;
                };
                if let Some(next) = change(row, kept, info) {
                    let update = self.row_change(row, &next, info)?;
                    let write = TransactWriteItem::builder().update(update).build();
                    writes.push((write, TotalsChange::of(Some(row), Some(&next))));
                }
            }
            let count = writes.len();
            let written = count == 0 || self.commit_rows(writes, Vec::new()).await?;
            Ok(written.then_some(count))
        })
        .await
    }

    /// The update that takes `row` to `next` where only the frequency, `updated_at` and the
    /// mark of `info` differ: relative (`ADD`), conditioned on exactly those as read.
    fn row_change(
        &self,
        row: &ReportRow,
        next: &ReportRow,
        info: &SnapshotInfo,
    ) -> Result<Update, StoreError> {
        let by = i128::from(next.frequency) - i128::from(row.frequency);
        let was_marked = row.resets.contains(&info.id);
        let marked = next.resets.contains(&info.id);
        let mut values = values([
            (":by", n(by)),
            (":was", n(row.frequency)),
            (":updated_was", value(&row.updated_at)?),
            (":id", s(&info.id)),
        ]);
        let mut expression = "ADD #frequency :by".to_string();
        match (was_marked, marked) {
            (false, true) => expression.push_str(", #resets :mark"),
            (true, false) => expression.push_str(" DELETE #resets :mark"),
            _ => {}
        }
        if was_marked != marked {
            values.insert(":mark".into(), mark(info));
        }
        if next.updated_at != row.updated_at {
            expression.push_str(" SET #updated_at = :updated_at");
            values.insert(":updated_at".into(), value(&next.updated_at)?);
        }
        let mark_as_read = if was_marked {
            "contains(#resets, :id)"
        } else {
            "NOT contains(#resets, :id)"
        };
        let condition =
            format!("#frequency = :was AND #updated_at = :updated_was AND {mark_as_read}");
        self.update(&report_pk(&row.id), &expression, Some(&condition), values)
    }

    /// Commits the row writes with the totals' change of them all (and `also`, unconditional)
    /// in one transaction; `false` when a row's condition refused it: it moved since it was
    /// read. (A transaction cancelled without reasons is taken as moved too: read and retry.)
    async fn commit_rows(
        &self,
        writes: Vec<(TransactWriteItem, TotalsChange)>,
        also: Vec<TransactWriteItem>,
    ) -> Result<bool, StoreError> {
        let mut change = TotalsChange::default();
        let mut actions = Vec::with_capacity(writes.len() + also.len() + 1);
        for (write, of_row) in writes {
            change.add(&of_row);
            actions.push(write);
        }
        actions.extend(also);
        if !change.is_empty() {
            let totals = self.totals_update(&change)?;
            actions.push(TransactWriteItem::builder().update(totals).build());
        }
        match self.transact(actions).await? {
            Outcome::Committed => Ok(true),
            Outcome::Cancelled(codes)
                if codes.is_empty() || codes.iter().any(|c| c == CONDITION_FAILED) =>
            {
                Ok(false)
            }
            Outcome::Cancelled(codes) => Err(StoreError::Other(format!(
                "report transaction cancelled: {codes:?}"
            ))),
        }
    }

    /// `ADD` of a change to the totals item, and one to its revision (which a repair checks).
    fn totals_update(&self, change: &TotalsChange) -> Result<Update, StoreError> {
        let mut adds = vec!["#rev :one".to_string()];
        let mut values = values([(":one", n(1))]);
        let mut add = |name: String, by: i64| {
            adds.push(format!("#{name} :{name}"));
            values.insert(format!(":{name}"), n(by));
        };
        if change.pairs != 0 {
            add("pairs".into(), change.pairs);
        }
        if change.messages != 0 {
            add("messages".into(), change.messages);
        }
        for (frequency, by) in &change.by_frequency {
            add(frequency_attribute(*frequency), *by);
        }
        self.update(TOTALS_PK, &format!("ADD {}", adds.join(", ")), None, values)
    }

    /// Counts the totals from every row and stores them in place of the kept ones, for a table
    /// written before totals were kept (or to check them). Reads the rows with a consistent
    /// scan; the new totals are written only if no row changed the totals meanwhile (their
    /// revision), else it counts again. Running it twice changes nothing more.
    pub async fn recount_report_totals(&self) -> Result<Totals, StoreError> {
        retry_while_changed(
            MOVED_ATTEMPTS,
            || moved(TOTALS_PK),
            || async {
                let before = self.get_item(TOTALS_PK).await?;
                let revision = before
                    .as_ref()
                    .map(|item| optional_number::<u64>(item, "rev"))
                    .transpose()?
                    .flatten();
                let rows = self.scan_rows().await?;
                let totals = Totals::of(&rows);
                let mut item = totals_item(&totals);
                item.insert("rev".into(), n(revision.unwrap_or(0) + 1));
                let (condition, values) = match revision {
                    Some(rev) => ("#rev = :rev", Some(values([(":rev", n(rev))]))),
                    None => (
                        "attribute_not_exists(#pk) OR attribute_not_exists(#rev)",
                        None,
                    ),
                };
                let put = self
                    .client
                    .put_item()
                    .table_name(&self.table)
                    .set_item(Some(item))
                    .condition_expression(condition)
                    .set_expression_attribute_names(names_in(&[condition]))
                    .set_expression_attribute_values(values)
                    .send()
                    .await;
                match put {
                    Ok(_) => Ok(Some(totals)),
                    Err(err) if put_refused(&err) => Ok(None),
                    Err(err) => Err(sdk_error("PutItem", err)),
                }
            },
        )
        .await
    }

    /// Every row, by a consistent scan of the table (an index could lag behind).
    async fn scan_rows(&self) -> Result<Vec<ReportRow>, StoreError> {
        let filter = "#kind = :kind";
        let request = self
            .client
            .scan()
            .table_name(&self.table)
            .consistent_read(true)
            .filter_expression(filter)
            .set_expression_attribute_names(names_in(&[filter]))
            .expression_attribute_values(":kind", s(REPORT));
        let mut rows = Vec::new();
        let mut start = None;
        loop {
            let out = request
                .clone()
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(|err| sdk_error("Scan", err))?;
            for item in out.items.unwrap_or_default() {
                rows.push(row_from(item)?);
            }
            match out.last_evaluated_key {
                Some(key) => start = Some(key),
                None => return Ok(rows),
            }
        }
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
        self.put_item(header_item(&snapshot.info, status, parts.len())?)
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
        let mut values = values([(":status", value(&status)?)]);
        if let Some(at) = restored_at {
            expression.push_str(", #restored_at = :restored_at");
            values.insert(":restored_at".into(), value(&at)?);
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

/// A row change of a reset or a restore, as the model works it out.
type RowChange = fn(&ReportRow, &ReportRow, &SnapshotInfo) -> Option<ReportRow>;

fn moved(id: &str) -> StoreError {
    StoreError::Unavailable(format!("{id} kept changing while it was written"))
}

/// The attribute of the totals item that counts the pairs of `frequency`.
fn frequency_attribute(frequency: u64) -> String {
    format!("f_{frequency}")
}

/// The totals item as the writes keep it, for bulk loading beside [`report_item`]s.
pub fn totals_item(totals: &Totals) -> Item {
    let mut item = key(TOTALS_PK);
    item.insert("pairs".into(), n(totals.pairs));
    item.insert("messages".into(), n(totals.messages));
    for (frequency, pairs) in &totals.by_frequency {
        item.insert(frequency_attribute(*frequency), n(*pairs));
    }
    item
}

/// The totals as kept: `pairs`, `messages`, and `f_<frequency>` per frequency (those that went
/// back to zero are left out).
fn totals_from(item: &Item) -> Result<Totals, StoreError> {
    let mut totals = Totals {
        pairs: optional_number(item, "pairs")?.unwrap_or(0),
        messages: optional_number(item, "messages")?.unwrap_or(0),
        by_frequency: Default::default(),
    };
    for name in item.keys() {
        let Some(frequency) = name.strip_prefix("f_").and_then(|f| f.parse().ok()) else {
            continue;
        };
        let pairs: u64 = number(item, name)?;
        if pairs > 0 {
            totals.by_frequency.insert(frequency, pairs);
        }
    }
    Ok(totals)
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
/// BatchWriteItem): its serde form (`id_customer` puts it into `customer-index`), the list
/// order, and `resets` as the string set the resets `ADD` to and `DELETE` from.
pub fn report_item(row: &ReportRow) -> Result<Item, StoreError> {
    let mut item = attributes(row)?;
    item.extend(key(report_pk(&row.id)));
    item.insert("kind".into(), s(REPORT));
    let list_key = crate::query::position_key(row.created_at, &row.id);
    item.insert("list_key".into(), s(list_key));
    if !row.resets.is_empty() {
        let marks = row.resets.iter().cloned().collect();
        item.insert("resets".into(), AttributeValue::Ss(marks));
    }
    Ok(item)
}

fn row_from(item: Item) -> Result<ReportRow, StoreError> {
    model(item)
}

/// The header: the info with `status`, and how many parts hold the rows.
fn header_item(
    info: &SnapshotInfo,
    status: SnapshotStatus,
    parts: usize,
) -> Result<Item, StoreError> {
    let mut item = attributes(&SnapshotInfo {
        status,
        ..info.clone()
    })?;
    item.extend(key(snapshot_pk(&info.id)));
    item.insert("kind".into(), s(SNAPSHOT));
    item.insert("list_key".into(), s(info.list_key()));
    item.insert("parts".into(), n(parts));
    Ok(item)
}

/// The info of a header, and its number of parts. Headers kept before the scope was a map
/// have it as `scope_customer` and `scope_vehicle`.
fn header_from(mut item: Item) -> Result<(SnapshotInfo, usize), StoreError> {
    let parts = number(&item, "parts")?;
    if !item.contains_key("scope") {
        let mut scope = Item::new();
        for (old, name) in [
            ("scope_customer", "id_customer"),
            ("scope_vehicle", "id_vehicle"),
        ] {
            if let Some(id) = item.remove(old) {
                scope.insert(name.into(), id);
            }
        }
        item.insert("scope".into(), AttributeValue::M(scope));
    }
    Ok((model(item)?, parts))
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
    let rows = optional(item, "rows")?
        .map(serde_json::from_str)
        .and_then(Result::ok)
        .ok_or_else(|| malformed(item, "rows"))?;
    Ok((number(item, "part")?, rows))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use chrono::TimeZone;

    use super::*;

    fn row(n: usize, name_len: usize) -> ReportRow {
        let at = FixedOffset::east_opt(7 * 3600)
            .and_then(|tz| tz.with_ymd_and_hms(2026, 1, 3, 10, 30, 0).single())
            .expect("valid instant");
        ReportRow {
            last_message_id: None,
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
        let item = report_item(&row).expect("item");
        assert_eq!(
            item.get("resets"),
            Some(&AttributeValue::Ss(vec!["s1".into()]))
        );
        assert!(!item.contains_key("scope") && item.contains_key("id_customer"));
        assert_eq!(row_from(item).ok(), Some(row.clone()));
        row.resets.clear();
        row.last_message_date = None;
        let item = report_item(&row).expect("item");
        assert!(!item.contains_key("resets") && !item.contains_key("last_message_date"));
        assert_eq!(row_from(item).ok(), Some(row));
    }

    fn info() -> SnapshotInfo {
        Snapshot::new(
            "s1".into(),
            row(0, 1).created_at,
            Scope {
                id_customer: Some("c".into()),
                id_vehicle: None,
            },
            vec![row(0, 1)],
        )
        .info
    }

    #[test]
    fn a_header_survives_the_round_trip() {
        let info = info();
        let statuses = [
            SnapshotStatus::Resetting,
            SnapshotStatus::Reset,
            SnapshotStatus::Restoring,
            SnapshotStatus::Restored,
        ];
        for status in statuses {
            let item = header_item(&info, status, 2).expect("header");
            // The scope is a map: a top-level `id_customer` would put the header into
            // `customer-index`.
            assert!(!item.contains_key("id_customer"));
            assert_eq!(item.get("status"), Some(&value(&status).expect("status")));
            let (back, parts) = header_from(item).expect("header");
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

    #[test]
    fn a_header_kept_with_the_scope_apart_reads_back() {
        let info = info();
        let mut item = header_item(&info, info.status, 1).expect("header");
        item.remove("scope");
        item.remove("trigger");
        item.insert("scope_customer".into(), s("c"));
        let (back, _) = header_from(item).expect("header");
        assert_eq!(back, info);
    }
}
