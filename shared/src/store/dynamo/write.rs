//! Writes: every one is a single `TransactWriteItems` that moves the record, its nopol guard and
//! the counts together, so they can never drift apart.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasher, RandomState};
use std::time::Duration;

use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{Delete, Put, TransactWriteItem, Update};

use super::item::{self, COUNTS_PK, Item, PK};
use super::{DynamoStore, build_error, sdk_error};
use crate::audit::AuditEntry;
use crate::manual::{Counts, ManualRecord};
use crate::store_error::StoreError;

/// Records per bulk transaction: 2 actions each (record + guard) plus the counts update
/// stays within DynamoDB's 100 actions.
pub const CHUNK: usize = 49;
/// Attempts of a transaction cancelled only by concurrent transactions on the same items
/// (typically the counts item, which every write touches).
pub(super) const CONFLICT_ATTEMPTS: u32 = 10;
pub(super) const CONDITION_FAILED: &str = "ConditionalCheckFailed";
const CONFLICT: &str = "TransactionConflict";
const THROTTLED: &[&str] = &[
    "ThrottlingError",
    "ProvisionedThroughputExceeded",
    "RequestLimitExceeded",
];

/// How a transaction ended, when it did not fail outright.
pub enum Outcome {
    Committed,
    /// Refused; the cancellation reason code of each action, in order (empty when the server
    /// gave none).
    Cancelled(Vec<String>),
}

impl DynamoStore {
    /// Inserts `record` with its guard and counts, and `entry` of the change log when given,
    /// in one transaction.
    pub(super) async fn insert_one(
        &self,
        record: &ManualRecord,
        entry: Option<&AuditEntry>,
    ) -> Result<(), StoreError> {
        let mut actions = vec![self.put_new_record(record)?, self.put_guard(record)?];
        actions.extend(self.counts_update(Delta::of(record))?);
        actions.extend(self.log_entry(entry)?);
        match self.transact(actions).await? {
            Outcome::Committed => Ok(()),
            Outcome::Cancelled(codes) => Err(self.insert_refused(record, &codes).await),
        }
    }

    async fn insert_refused(&self, record: &ManualRecord, codes: &[String]) -> StoreError {
        if failed(codes, 1) {
            return StoreError::NopolTaken(record.nopol_key());
        }
        if failed(codes, 0) {
            return id_exists(record);
        }
        if !codes.is_empty() {
            return StoreError::Other(format!("insert cancelled: {codes:?}"));
        }
        // No reasons given: look at the guard to tell why.
        match self.item_exists(&item::guard_pk(&record.nopol_key())).await {
            Ok(true) => StoreError::NopolTaken(record.nopol_key()),
            Ok(false) => StoreError::Other("insert cancelled without reasons".into()),
            Err(err) => err,
        }
    }

    /// Bulk insert. A nopol or id repeated in the batch fails every occurrence after the first
    /// (DynamoDB refuses two actions on one item in a transaction). Once something was written,
    /// a failing database fails the remaining rows rather than the call, so no written row goes
    /// unreported.
    pub(super) async fn insert_batch(
        &self,
        records: &[ManualRecord],
    ) -> Result<Vec<Result<(), StoreError>>, StoreError> {
        let mut outcomes: Vec<Option<Result<(), StoreError>>> =
            (0..records.len()).map(|_| None).collect();
        let fresh = first_occurrences(records, &mut outcomes);
        let mut failure: Option<StoreError> = None;
        for chunk in fresh.chunks(CHUNK) {
            if let Some(err) = &failure {
                settle(&mut outcomes, chunk, err);
                continue;
            }
            if let Err(err) = self.insert_chunk(records, chunk, &mut outcomes).await {
                let nothing_written = outcomes.iter().all(|o| !matches!(o, Some(Ok(()))));
                if nothing_written {
                    return Err(err);
                }
                settle(&mut outcomes, chunk, &err);
                failure = Some(err);
            }
        }
        Ok(outcomes
            .into_iter()
            .map(|o| {
                o.unwrap_or_else(|| Err(StoreError::Other("row left without an outcome".into())))
            })
            .collect())
    }

    /// One transaction for the chunk; rows refused by name (taken nopol, existing id) are
    /// dropped and the rest retried together.
    async fn insert_chunk(
        &self,
        records: &[ManualRecord],
        rows: &[usize],
        outcomes: &mut [Option<Result<(), StoreError>>],
    ) -> Result<(), StoreError> {
        let mut pending = rows.to_vec();
        while !pending.is_empty() {
            let codes = match self
                .transact(self.chunk_actions(records, &pending)?)
                .await?
            {
                Outcome::Committed => {
                    pending.iter().for_each(|&row| outcomes[row] = Some(Ok(())));
                    return Ok(());
                }
                Outcome::Cancelled(codes) => codes,
            };
            let refused: Vec<(usize, StoreError)> = pending
                .iter()
                .enumerate()
                .filter_map(|(at, &row)| refusal(&codes, at, &records[row]).map(|err| (row, err)))
                .collect();
            if refused.is_empty() {
                // No reasons, or none naming a row: settle each row on its own.
                return self.insert_each(records, &pending, outcomes).await;
            }
            pending.retain(|row| !refused.iter().any(|(r, _)| r == row));
            refused
                .into_iter()
                .for_each(|(row, err)| outcomes[row] = Some(Err(err)));
        }
        Ok(())
    }

    async fn insert_each(
        &self,
        records: &[ManualRecord],
        rows: &[usize],
        outcomes: &mut [Option<Result<(), StoreError>>],
    ) -> Result<(), StoreError> {
        for &row in rows {
            outcomes[row] = Some(self.insert_one(&records[row], None).await);
        }
        Ok(())
    }

    fn chunk_actions(
        &self,
        records: &[ManualRecord],
        rows: &[usize],
    ) -> Result<Vec<TransactWriteItem>, StoreError> {
        let mut actions = Vec::with_capacity(rows.len() * 2 + 1);
        let mut delta = Delta::default();
        for &row in rows {
            actions.push(self.put_new_record(&records[row])?);
            actions.push(self.put_guard(&records[row])?);
            delta = delta.plus(Delta::of(&records[row]));
        }
        actions.extend(self.counts_update(delta)?);
        Ok(actions)
    }

    pub(super) async fn replace_record(
        &self,
        current: &ManualRecord,
        next: &ManualRecord,
        entry: Option<&AuditEntry>,
    ) -> Result<(), StoreError> {
        if current.id != next.id {
            return Err(StoreError::Other(format!(
                "replace of {} by a record with id {}",
                current.id, next.id
            )));
        }
        let mut actions = vec![self.put_record_if_version(next, current.version)?];
        let moved = current.nopol_key() != next.nopol_key();
        if moved {
            actions.push(self.delete_guard(current)?);
            actions.push(self.put_guard(next)?);
        }
        actions.extend(self.counts_update(Delta::of(next).minus(Delta::of(current)))?);
        actions.extend(self.log_entry(entry)?);
        match self.transact(actions).await? {
            Outcome::Committed => Ok(()),
            Outcome::Cancelled(codes) => {
                Err(self.replace_refused(current, next, moved, &codes).await)
            }
        }
    }

    async fn replace_refused(
        &self,
        current: &ManualRecord,
        next: &ManualRecord,
        moved: bool,
        codes: &[String],
    ) -> StoreError {
        // A moved version is the answer that matters: the caller re-reads, then sees the rest.
        if failed(codes, 0) {
            return StoreError::Stale;
        }
        if moved && failed(codes, 2) {
            return StoreError::NopolTaken(next.nopol_key());
        }
        if !codes.is_empty() {
            return StoreError::Other(format!("replace cancelled: {codes:?}"));
        }
        match self.get_record(&current.id).await {
            Ok(Some(stored)) if stored.version == current.version => {
                if moved
                    && self
                        .item_exists(&item::guard_pk(&next.nopol_key()))
                        .await
                        .unwrap_or(false)
                {
                    StoreError::NopolTaken(next.nopol_key())
                } else {
                    StoreError::Other("replace cancelled without reasons".into())
                }
            }
            Ok(_) => StoreError::Stale,
            Err(err) => err,
        }
    }

    pub(super) async fn delete_record(
        &self,
        current: &ManualRecord,
        entry: Option<&AuditEntry>,
    ) -> Result<(), StoreError> {
        let mut actions = vec![
            self.delete_record_if_version(current)?,
            self.delete_guard(current)?,
        ];
        actions.extend(self.counts_update(Delta::default().minus(Delta::of(current)))?);
        actions.extend(self.log_entry(entry)?);
        match self.transact(actions).await? {
            Outcome::Committed => Ok(()),
            // Only the record delete has a condition, so a refusal without reasons is that one.
            Outcome::Cancelled(codes) if failed(&codes, 0) || codes.is_empty() => {
                Err(StoreError::Stale)
            }
            Outcome::Cancelled(codes) => {
                Err(StoreError::Other(format!("delete cancelled: {codes:?}")))
            }
        }
    }

    /// Runs one transaction, retrying with a short jittered pause while it is cancelled only by
    /// conflicts with concurrent transactions (which DynamoDB asks clients to retry).
    pub(super) async fn transact(
        &self,
        actions: Vec<TransactWriteItem>,
    ) -> Result<Outcome, StoreError> {
        for attempt in 0..CONFLICT_ATTEMPTS {
            // A token per attempt: should the SDK resend this request after a timeout, DynamoDB
            // answers as the first time instead of failing our own conditions.
            let result = self
                .client
                .transact_write_items()
                .set_transact_items(Some(actions.clone()))
                .client_request_token(uuid::Uuid::new_v4().to_string())
                .send()
                .await;
            let codes = match result {
                Ok(_) => return Ok(Outcome::Committed),
                Err(err) => match cancellation_codes(err.as_service_error()) {
                    Some(codes) => codes,
                    None => return Err(sdk_error("TransactWriteItems", err)),
                },
            };
            let refused = codes.iter().any(|c| c == CONDITION_FAILED);
            if !refused && codes.iter().any(|c| THROTTLED.contains(&c.as_str())) {
                return Err(StoreError::Unavailable(format!(
                    "TransactWriteItems throttled: {codes:?}"
                )));
            }
            if refused || !codes.iter().any(|c| c == CONFLICT) {
                return Ok(Outcome::Cancelled(codes));
            }
            tokio::time::sleep(backoff(attempt)).await;
        }
        Err(StoreError::Unavailable(
            "TransactWriteItems kept conflicting with concurrent writes".into(),
        ))
    }

    /// The put of a change log entry, new, as the last action of its change's transaction
    /// (after the actions whose cancellation reasons the callers read by position).
    pub(super) fn log_entry(
        &self,
        entry: Option<&AuditEntry>,
    ) -> Result<Option<TransactWriteItem>, StoreError> {
        entry
            .map(|entry| self.put_if_absent(super::audit::entry_item(entry)?))
            .transpose()
    }

    pub(super) async fn item_exists(&self, pk: &str) -> Result<bool, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(item::key(pk)))
            .consistent_read(true)
            .projection_expression("#pk")
            .expression_attribute_names("#pk", PK)
            .send()
            .await
            .map_err(|err| sdk_error("GetItem", err))?;
        Ok(out.item.is_some())
    }

    fn put_new_record(&self, record: &ManualRecord) -> Result<TransactWriteItem, StoreError> {
        self.put_if_absent(item::record_item(record)?)
    }

    fn put_guard(&self, record: &ManualRecord) -> Result<TransactWriteItem, StoreError> {
        self.put_if_absent(item::guard_item(&record.nopol_key(), &record.id))
    }

    pub(super) fn put_if_absent(&self, item: Item) -> Result<TransactWriteItem, StoreError> {
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(#pk)")
            .expression_attribute_names("#pk", PK)
            .build()
            .map_err(build_error)?;
        Ok(TransactWriteItem::builder().put(put).build())
    }

    fn put_record_if_version(
        &self,
        record: &ManualRecord,
        version: u64,
    ) -> Result<TransactWriteItem, StoreError> {
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(item::record_item(record)?))
            .condition_expression("#version = :version")
            .expression_attribute_names("#version", "version")
            .expression_attribute_values(":version", item::n(version))
            .build()
            .map_err(build_error)?;
        Ok(TransactWriteItem::builder().put(put).build())
    }

    fn delete_record_if_version(
        &self,
        record: &ManualRecord,
    ) -> Result<TransactWriteItem, StoreError> {
        let delete = Delete::builder()
            .table_name(&self.table)
            .set_key(Some(item::key(&record.id)))
            .condition_expression("#version = :version")
            .expression_attribute_names("#version", "version")
            .expression_attribute_values(":version", item::n(record.version))
            .build()
            .map_err(build_error)?;
        Ok(TransactWriteItem::builder().delete(delete).build())
    }

    /// Unconditional: the version condition on the record, in the same transaction, already
    /// proves this guard is the record's.
    fn delete_guard(&self, record: &ManualRecord) -> Result<TransactWriteItem, StoreError> {
        let delete = Delete::builder()
            .table_name(&self.table)
            .set_key(Some(item::key(item::guard_pk(&record.nopol_key()))))
            .build()
            .map_err(build_error)?;
        Ok(TransactWriteItem::builder().delete(delete).build())
    }

    /// The counts adjustment, or nothing when the write leaves them as they are.
    fn counts_update(&self, delta: Delta) -> Result<Option<TransactWriteItem>, StoreError> {
        if delta == Delta::default() {
            return Ok(None);
        }
        let update = Update::builder()
            .table_name(&self.table)
            .set_key(Some(item::key(COUNTS_PK)))
            .update_expression("ADD #total :total, #active :active, #reminders :reminders")
            .set_expression_attribute_names(Some(HashMap::from([
                ("#total".to_string(), "total".to_string()),
                ("#active".to_string(), "active".to_string()),
                ("#reminders".to_string(), "reminders_sent".to_string()),
            ])))
            .set_expression_attribute_values(Some(HashMap::from([
                (":total".to_string(), item::n(delta.total)),
                (":active".to_string(), item::n(delta.active)),
                (":reminders".to_string(), item::n(delta.reminders_sent)),
            ])))
            .build()
            .map_err(build_error)?;
        Ok(Some(TransactWriteItem::builder().update(update).build()))
    }
}

/// A signed change of the counts (they are `u64`, a write can lower them).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Delta {
    total: i64,
    active: i64,
    reminders_sent: i64,
}

impl Delta {
    fn of(record: &ManualRecord) -> Self {
        let counts = Counts::of(record);
        let signed = |value: u64| i64::try_from(value).unwrap_or(i64::MAX);
        Delta {
            total: signed(counts.total),
            active: signed(counts.active),
            reminders_sent: signed(counts.reminders_sent),
        }
    }

    fn plus(self, other: Delta) -> Self {
        Delta {
            total: self.total.saturating_add(other.total),
            active: self.active.saturating_add(other.active),
            reminders_sent: self.reminders_sent.saturating_add(other.reminders_sent),
        }
    }

    fn minus(self, other: Delta) -> Self {
        self.plus(Delta {
            total: -other.total,
            active: -other.active,
            reminders_sent: -other.reminders_sent,
        })
    }
}

/// The reason codes of a cancelled transaction: `None` when the error is not a cancellation,
/// empty when the server gave no reasons that could be read.
fn cancellation_codes(err: Option<&TransactWriteItemsError>) -> Option<Vec<String>> {
    let TransactWriteItemsError::TransactionCanceledException(cancelled) = err? else {
        return None;
    };
    let reasons = cancelled.cancellation_reasons();
    if !reasons.is_empty() {
        return Some(
            reasons
                .iter()
                .map(|r| r.code().unwrap_or("None").to_string())
                .collect(),
        );
    }
    // The message repeats the codes: "... specific reasons [None, ConditionalCheckFailed]".
    Some(codes_from_message(cancelled.message().unwrap_or_default()))
}

fn codes_from_message(message: &str) -> Vec<String> {
    let inside = message
        .rsplit_once('[')
        .and_then(|(_, rest)| rest.split_once(']'))
        .map(|(codes, _)| codes);
    inside
        .map(|codes| {
            codes
                .split(',')
                .map(|code| code.trim().to_string())
                .filter(|code| !code.is_empty())
                .collect()
        })
        .unwrap_or_default()
}

pub(super) fn failed(codes: &[String], action: usize) -> bool {
    codes
        .get(action)
        .is_some_and(|code| code == CONDITION_FAILED)
}

/// Why the transaction refused the record at place `at` of the chunk, if it named it.
fn refusal(codes: &[String], at: usize, record: &ManualRecord) -> Option<StoreError> {
    if failed(codes, 2 * at + 1) {
        Some(StoreError::NopolTaken(record.nopol_key()))
    } else if failed(codes, 2 * at) {
        Some(id_exists(record))
    } else {
        None
    }
}

/// The rows to write: each nopol key and id once, at its first occurrence; later ones fail.
fn first_occurrences(
    records: &[ManualRecord],
    outcomes: &mut [Option<Result<(), StoreError>>],
) -> Vec<usize> {
    let (mut nopols, mut ids) = (HashSet::new(), HashSet::new());
    let mut fresh = Vec::with_capacity(records.len());
    for (row, record) in records.iter().enumerate() {
        if !nopols.insert(record.nopol_key()) {
            outcomes[row] = Some(Err(StoreError::NopolTaken(record.nopol_key())));
        } else if !ids.insert(record.id.as_str()) {
            // Give back the nopol so that a later row may still take it.
            nopols.remove(&record.nopol_key());
            outcomes[row] = Some(Err(id_exists(record)));
        } else {
            fresh.push(row);
        }
    }
    fresh
}

fn id_exists(record: &ManualRecord) -> StoreError {
    StoreError::Other(format!("a record with id {} exists already", record.id))
}

/// Fails the rows of `rows` that have no outcome yet with `err`.
fn settle(outcomes: &mut [Option<Result<(), StoreError>>], rows: &[usize], err: &StoreError) {
    for &row in rows {
        if outcomes[row].is_none() {
            outcomes[row] = Some(Err(err.clone()));
        }
    }
}

/// 10 ms doubling up to ~1 s, each pause drawn between half and all of it so that the writers
/// that collided do not collide again in step.
pub(super) fn backoff(attempt: u32) -> Duration {
    let ceiling = 10u64 << attempt.min(7);
    let jitter = RandomState::new().hash_one(attempt) % (ceiling / 2 + 1);
    Duration::from_millis(ceiling / 2 + jitter)
}

#[cfg(test)]
mod tests {
    use aws_sdk_dynamodb::types::AttributeValue;

    use super::*;

    #[test]
    fn codes_are_read_from_the_message_when_reasons_are_absent() {
        let message = "Transaction cancelled, please refer cancellation reasons for specific reasons [None, ConditionalCheckFailed, None]";
        assert_eq!(
            codes_from_message(message),
            ["None", "ConditionalCheckFailed", "None"]
        );
        assert!(codes_from_message("Transaction cancelled").is_empty());
    }

    #[test]
    fn backoff_grows_and_stays_bounded() {
        for attempt in 0..20 {
            let pause = backoff(attempt);
            assert!(pause >= Duration::from_millis(5) && pause <= Duration::from_millis(1280));
        }
    }

    #[test]
    fn a_value_attribute_is_a_number() {
        assert_eq!(item::n(-3i64), AttributeValue::N("-3".into()));
    }
}
