//! The reminder runs' side of the table: due records through `due-index`, and claims.
//!
//! Claim: `pk` = "claim#" + key, `state` ("held" while a run sends, "sent" for good),
//! `lease_until` (Unix seconds, on held claims) and `expires_at`, the TTL attribute
//! ([`TTL_ATTRIBUTE`]): 90 days after the service date named by the key, so that old claims
//! vanish by themselves. Claims carry none of the attributes the indexes are built on.

use async_trait::async_trait;
use aws_sdk_dynamodb::operation::delete_item::DeleteItemError;
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::types::{
    AttributeValue, Put, ReturnValuesOnConditionCheckFailure, TransactWriteItem, Update,
};
use chrono::{DateTime, Days, FixedOffset, NaiveDate, NaiveTime, Utc};

use super::item::{self, COUNTS_PK, DUE_ACTIVE, DUE_INACTIVE, Item, PK, RECORD_KIND};
use super::read::is_key;
use super::schema::{DUE_INDEX, TTL_ATTRIBUTE};
use super::write::{Outcome, failed};
use super::{DynamoStore, build_error, put_refused, sdk_error};
use crate::manual::ManualRecord;
use crate::reminder::store::{Claim, ReminderStore};
use crate::store_error::StoreError;

const CLAIM_PREFIX: &str = "claim#";
const HELD: &str = "held";
const SENT: &str = "sent";
/// A claim whose send may or may not have gone out: kept until a person resolves it.
const UNKNOWN: &str = "unknown";
/// How long a claim outlives the service date it is for (or its creation, when the key names
/// no date).
const CLAIM_KEPT: Days = Days::new(90);
/// Claims attempted when a refused claim turns out claimable on a second look (it was released
/// or expired in between).
const CLAIM_ATTEMPTS: u32 = 3;

#[async_trait]
impl ReminderStore for DynamoStore {
    /// Two `due-index` partitions, "active" and (unless `active_only`) "inactive", each read
    /// page by page over the range, then merged: soonest first, then by id.
    async fn due_between(
        &self,
        from: NaiveDate,
        to: NaiveDate,
        active_only: bool,
    ) -> Result<Vec<ManualRecord>, StoreError> {
        // DynamoDB rejects BETWEEN with its bounds reversed; the range is simply empty.
        if from > to {
            return Ok(Vec::new());
        }
        let mut records = self.due_in(DUE_ACTIVE, from, to).await?;
        if !active_only {
            records.extend(self.due_in(DUE_INACTIVE, from, to).await?);
        }
        crate::reminder::store::sort_soonest_first(&mut records);
        Ok(records)
    }

    /// One conditional put: only an absent claim is taken. A refusal returns the claim as it
    /// stands, which tells sent from busy from unknown (a lease run out is unknown).
    async fn claim(
        &self,
        key: &str,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
    ) -> Result<Claim, StoreError> {
        let pk = claim_pk(key)?;
        for _ in 0..CLAIM_ATTEMPTS {
            let mut claim = claim_item(&pk, key, HELD, now);
            claim.insert("lease_until".into(), item::n(item::epoch(lease_until)));
            let result = self
                .client
                .put_item()
                .table_name(&self.table)
                .set_item(Some(claim))
                .condition_expression("attribute_not_exists(#pk)")
                .expression_attribute_names("#pk", PK)
                .return_values_on_condition_check_failure(
                    ReturnValuesOnConditionCheckFailure::AllOld,
                )
                .send()
                .await;
            let refused = match result {
                Ok(_) => return Ok(Claim::Won),
                Err(err) => match err.as_service_error() {
                    Some(PutItemError::ConditionalCheckFailedException(refused)) => {
                        refused.item().cloned()
                    }
                    _ => return Err(sdk_error("PutItem", err)),
                },
            };
            // The claim that refused ours, as DynamoDB returned it; read it when it did not.
            let standing = match refused {
                Some(standing) => Some(standing),
                None => self.get_item(&pk).await?,
            };
            match standing.as_ref().map(|c| standing_claim(c, now)) {
                Some(Standing::Sent) => return Ok(Claim::AlreadySent),
                Some(Standing::Held) => return Ok(Claim::Busy),
                Some(Standing::Unknown) => return Ok(Claim::Unknown),
                // Released by the time it was read: try again.
                None => {}
            }
        }
        Ok(Claim::Busy)
    }

    async fn peek(&self, key: &str, now: DateTime<Utc>) -> Result<Option<Claim>, StoreError> {
        let standing = self.get_item(&claim_pk(key)?).await?;
        Ok(standing.map(|claim| match standing_claim(&claim, now) {
            Standing::Sent => Claim::AlreadySent,
            Standing::Held => Claim::Busy,
            Standing::Unknown => Claim::Unknown,
        }))
    }

    /// Marks the claim unknown, unless it was settled as sent meanwhile.
    async fn mark_unknown(&self, key: &str, now: DateTime<Utc>) -> Result<(), StoreError> {
        let pk = claim_pk(key)?;
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(claim_item(&pk, key, UNKNOWN, now)))
            .condition_expression("attribute_not_exists(#pk) OR #state <> :sent")
            .expression_attribute_names("#pk", PK)
            .expression_attribute_names("#state", "state")
            .expression_attribute_values(":sent", item::s(SENT))
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(err) if put_refused(&err) => Ok(()),
            Err(err) => Err(sdk_error("PutItem", err)),
        }
    }

    /// Deletes the claim unless it is sent: a sent one stays sent.
    async fn release(&self, key: &str) -> Result<(), StoreError> {
        let result = self
            .client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(item::key(claim_pk(key)?)))
            .condition_expression("#state <> :sent")
            .expression_attribute_names("#state", "state")
            .expression_attribute_values(":sent", item::s(SENT))
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            // Absent or sent: nothing to give back.
            Err(err)
                if matches!(
                    err.as_service_error(),
                    Some(DeleteItemError::ConditionalCheckFailedException(_))
                ) =>
            {
                Ok(())
            }
            Err(err) => Err(sdk_error("DeleteItem", err)),
        }
    }

    /// One transaction: the record's count, last reminder and version; the counts; the claim
    /// put as sent. Only the record update has a condition (that it exists), so a refusal means
    /// the record is gone: then the claim alone is settled.
    async fn record_sent(
        &self,
        id: &str,
        at: DateTime<FixedOffset>,
        claim: Option<&str>,
    ) -> Result<(), StoreError> {
        let claim_pk = claim.map(claim_pk).transpose()?;
        let claim = claim.map(|key| self.sent_claim(key, at)).transpose()?;
        // No record can carry such an id; and one transaction cannot touch an item twice.
        if !is_key(id) || id == COUNTS_PK || claim_pk.as_deref() == Some(id) {
            return self.settle(claim).await;
        }
        let mut actions = vec![self.count_reminder(id, at)?, self.count_in_summary()?];
        if let Some(claim) = &claim {
            actions.push(TransactWriteItem::builder().put(claim.clone()).build());
        }
        match self.transact(actions).await? {
            Outcome::Committed => Ok(()),
            Outcome::Cancelled(codes) if failed(&codes, 0) || codes.is_empty() => {
                self.settle(claim).await
            }
            Outcome::Cancelled(codes) => Err(StoreError::Other(format!(
                "record_sent cancelled: {codes:?}"
            ))),
        }
    }
}

impl DynamoStore {
    /// The records of one `due-index` partition with `next_service` in `from..=to`, soonest
    /// first, following every page.
    async fn due_in(
        &self,
        due: &str,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<ManualRecord>, StoreError> {
        let request = self
            .query(
                DUE_INDEX,
                "#due = :due AND #next BETWEEN :from AND :to",
                &[("#due", "due"), ("#next", "next_service")],
            )
            .expression_attribute_values(":due", item::s(due))
            .expression_attribute_values(":from", item::s(day(from)))
            .expression_attribute_values(":to", item::s(day(to)));
        let found = self.query_all(request).await?;
        found.into_iter().map(item::record_from).collect()
    }

    /// `reminder_sent_count + 1`, `version + 1`, `last_reminder_sent` and its epoch (which
    /// `reminded-at-index` is built on); `updated_at` stays, since no field was edited.
    fn count_reminder(
        &self,
        id: &str,
        at: DateTime<FixedOffset>,
    ) -> Result<TransactWriteItem, StoreError> {
        let update = Update::builder()
            .table_name(&self.table)
            .set_key(Some(item::key(id)))
            .update_expression("ADD #count :one, #version :one SET #sent = :at, #epoch = :epoch")
            // A record, not a guard, claim or the counts that happen to carry this `pk`.
            .condition_expression("attribute_exists(#pk) AND #kind = :rec")
            .expression_attribute_names("#pk", PK)
            .expression_attribute_names("#kind", "kind")
            .expression_attribute_names("#count", "reminder_sent_count")
            .expression_attribute_names("#version", "version")
            .expression_attribute_names("#sent", "last_reminder_sent")
            .expression_attribute_names("#epoch", "last_reminder_epoch")
            .expression_attribute_values(":rec", item::s(RECORD_KIND))
            .expression_attribute_values(":one", item::n(1))
            .expression_attribute_values(":at", item::value(&at)?)
            .expression_attribute_values(":epoch", item::n(item::epoch(at.with_timezone(&Utc))))
            .build()
            .map_err(build_error)?;
        Ok(TransactWriteItem::builder().update(update).build())
    }

    fn count_in_summary(&self) -> Result<TransactWriteItem, StoreError> {
        let update = Update::builder()
            .table_name(&self.table)
            .set_key(Some(item::key(COUNTS_PK)))
            .update_expression("ADD #reminders :one")
            .expression_attribute_names("#reminders", "reminders_sent")
            .expression_attribute_values(":one", item::n(1))
            .build()
            .map_err(build_error)?;
        Ok(TransactWriteItem::builder().update(update).build())
    }

    /// The claim `key` as sent, unconditionally: whatever stood there, the reminder went out.
    pub(super) fn sent_claim(
        &self,
        key: &str,
        at: DateTime<FixedOffset>,
    ) -> Result<Put, StoreError> {
        let pk = claim_pk(key)?;
        Put::builder()
            .table_name(&self.table)
            .set_item(Some(claim_item(&pk, key, SENT, at.with_timezone(&Utc))))
            .build()
            .map_err(build_error)
    }

    /// Writes just the sent claim (the record is gone), if there is one.
    async fn settle(&self, claim: Option<Put>) -> Result<(), StoreError> {
        let Some(claim) = claim else {
            return Ok(());
        };
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(claim.item))
            .send()
            .await
            .map_err(|err| sdk_error("PutItem", err))?;
        Ok(())
    }
}

/// What a claim that refused ours stands for.
enum Standing {
    Sent,
    Held,
    /// Marked unknown, or held with its lease run out before `now` (its holder died).
    Unknown,
}

fn standing_claim(claim: &Item, now: DateTime<Utc>) -> Standing {
    match claim.get("state") {
        Some(AttributeValue::S(state)) if state == SENT => Standing::Sent,
        Some(AttributeValue::S(state)) if state == UNKNOWN => Standing::Unknown,
        _ => {
            let lease = match claim.get("lease_until") {
                Some(AttributeValue::N(lease)) => lease.parse::<f64>().ok(),
                _ => None,
            };
            // Seconds as f64 lose sub-microsecond detail; a lease that close to `now` counts as
            // still held, and the caller simply sees Busy.
            let now = now.timestamp() as f64 + f64::from(now.timestamp_subsec_nanos()) / 1e9;
            match lease {
                Some(lease) if lease < now - 1e-3 => Standing::Unknown,
                _ => Standing::Held,
            }
        }
    }
}

fn claim_pk(key: &str) -> Result<String, StoreError> {
    let pk = format!("{CLAIM_PREFIX}{key}");
    if is_key(&pk) {
        Ok(pk)
    } else {
        Err(StoreError::Other(format!(
            "claim key of {} bytes is too long",
            key.len()
        )))
    }
}

/// A claim item without lease: `pk`, `state` and the TTL.
fn claim_item(pk: &str, key: &str, state: &str, now: DateTime<Utc>) -> Item {
    let mut claim = item::key(pk);
    claim.insert("state".into(), item::s(state));
    claim.insert(TTL_ATTRIBUTE.into(), item::n(expires_at(key, now)));
    claim
}

/// When the claim may vanish (Unix seconds): 90 days after the service date that ends the key
/// (`manual#<id>#2026-01-15`), or after `now` when the key names no date.
fn expires_at(key: &str, now: DateTime<Utc>) -> i64 {
    let date = key
        .rsplit('#')
        .next()
        .and_then(|last| NaiveDate::parse_from_str(last, "%Y-%m-%d").ok());
    let from = match date {
        Some(date) => date.and_time(NaiveTime::MIN).and_utc(),
        None => now,
    };
    from.checked_add_days(CLAIM_KEPT)
        .unwrap_or(from)
        .timestamp()
}

fn day(date: NaiveDate) -> String {
    date.format("%Y-%m-%d").to_string()
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn claims_expire_90_days_after_their_service_date() {
        let now = Utc
            .with_ymd_and_hms(2026, 1, 3, 10, 0, 0)
            .single()
            .expect("valid");
        let service = Utc
            .with_ymd_and_hms(2026, 4, 15, 0, 0, 0)
            .single()
            .expect("valid");
        assert_eq!(
            expires_at("manual#6f1c#2026-01-15", now),
            service.timestamp()
        );
        let later = now + chrono::Duration::days(90);
        assert_eq!(expires_at("manual#6f1c#someday", now), later.timestamp());
        assert_eq!(expires_at("plain", now), later.timestamp());
    }

    #[test]
    fn a_refusing_claim_reads_as_sent_held_or_lapsed() {
        let now = Utc.timestamp_opt(1_700_000_000, 0).single().expect("valid");
        let claim = |state: &str, lease: Option<&str>| {
            let mut claim = item::key("claim#k");
            claim.insert("state".into(), item::s(state));
            if let Some(lease) = lease {
                claim.insert("lease_until".into(), AttributeValue::N(lease.into()));
            }
            claim
        };
        assert!(matches!(
            standing_claim(&claim(SENT, None), now),
            Standing::Sent
        ));
        assert!(matches!(
            standing_claim(&claim(HELD, Some("1700000060")), now),
            Standing::Held
        ));
        assert!(matches!(
            standing_claim(&claim(HELD, None), now),
            Standing::Held
        ));
        assert!(matches!(
            standing_claim(&claim(HELD, Some("1699999999.5")), now),
            Standing::Unknown
        ));
    }
}
