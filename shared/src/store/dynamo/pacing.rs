//! Pacing in the same table.
//!
//! Counter: `pk` = "pace#" + key (`day#2026-01-03`, `hour#2026-01-03T10`,
//! `custom#628…#2026-01-03`), `n`, and the TTL attribute `expires_at` two days after its window.
//! Hold: `pk` = "pace#cooldown#" + subject, `until` (Unix seconds) and `expires_at`.
//! A message's takes are one `TransactWriteItems` of conditional updates (`ADD n :one` only
//! while `n < :limit`; a hold only when absent or ended), so concurrent sends cannot overshoot.
//! Brake: `pk` = "pace#paused", `reason`, `at`.

use async_trait::async_trait;
use aws_sdk_dynamodb::types::{TransactWriteItem, Update};
use chrono::{DateTime, Duration, Utc};

use super::item::{self, Item, PK};
use super::schema::TTL_ATTRIBUTE;
use super::write::{CONDITION_FAILED, Outcome};
use super::{DynamoStore, build_error, put_refused, sdk_error};
use crate::pacing::{PacingStore, Paused, Take};
use crate::store_error::StoreError;

const PREFIX: &str = "pace#";
const PAUSED_PK: &str = "pace#paused";
/// How long a hold's item outlives its end before TTL removes it.
const HOLD_KEPT: Duration = Duration::days(1);

fn pk(key: &str) -> String {
    format!("{PREFIX}{key}")
}

impl DynamoStore {
    fn take_action(
        &self,
        take: &Take,
        now: DateTime<Utc>,
    ) -> Result<TransactWriteItem, StoreError> {
        let update = Update::builder()
            .table_name(&self.table)
            .set_key(Some(item::key(pk(take.key()))))
            .expression_attribute_names("#pk", PK)
            .expression_attribute_names("#ttl", TTL_ATTRIBUTE);
        let update = match take {
            Take::Count {
                limit, expires_at, ..
            } => update
                .update_expression("ADD #n :one SET #ttl = :ttl")
                .condition_expression("attribute_not_exists(#pk) OR #n < :limit")
                .expression_attribute_names("#n", "n")
                .expression_attribute_values(":one", item::n(1))
                .expression_attribute_values(":limit", item::n(limit))
                .expression_attribute_values(":ttl", item::n(expires_at.timestamp())),
            Take::Hold { until, .. } => update
                .update_expression("SET #until = :until, #ttl = :ttl")
                .condition_expression("attribute_not_exists(#pk) OR #until <= :now")
                .expression_attribute_names("#until", "until")
                .expression_attribute_values(":until", item::n(until.timestamp()))
                .expression_attribute_values(":now", item::n(now.timestamp()))
                .expression_attribute_values(":ttl", item::n((*until + HOLD_KEPT).timestamp())),
        };
        Ok(TransactWriteItem::builder()
            .update(update.build().map_err(build_error)?)
            .build())
    }

    /// Which of `takes` stands at its limit, read when a cancellation named none.
    async fn first_refused(
        &self,
        takes: &[Take],
        now: DateTime<Utc>,
    ) -> Result<Option<usize>, StoreError> {
        for (at, take) in takes.iter().enumerate() {
            let standing = self.get_item(&pk(take.key())).await?;
            let refused = match (take, standing) {
                (Take::Count { limit, .. }, Some(item)) => {
                    item::optional_number::<u32>(&item, "n")?.unwrap_or(0) >= *limit
                }
                (Take::Hold { .. }, Some(item)) => {
                    item::optional_number::<i64>(&item, "until")?.unwrap_or(0) > now.timestamp()
                }
                (_, None) => false,
            };
            if refused {
                return Ok(Some(at));
            }
        }
        Ok(None)
    }
}

#[async_trait]
impl PacingStore for DynamoStore {
    async fn take(&self, takes: &[Take], now: DateTime<Utc>) -> Result<Option<usize>, StoreError> {
        let actions = takes
            .iter()
            .map(|take| self.take_action(take, now))
            .collect::<Result<Vec<_>, _>>()?;
        match self.transact(actions).await? {
            Outcome::Committed => Ok(None),
            Outcome::Cancelled(codes) => match codes.iter().position(|c| c == CONDITION_FAILED) {
                Some(at) => Ok(Some(at)),
                None => match self.first_refused(takes, now).await? {
                    Some(at) => Ok(Some(at)),
                    None => Err(StoreError::Unavailable(format!(
                        "pacing counters cancelled: {codes:?}"
                    ))),
                },
            },
        }
    }

    /// One update or delete per take; a counter never goes below zero.
    async fn give_back(&self, takes: &[Take]) -> Result<(), StoreError> {
        for take in takes {
            let key = item::key(pk(take.key()));
            let result = match take {
                Take::Count { .. } => self
                    .client
                    .update_item()
                    .table_name(&self.table)
                    .set_key(Some(key))
                    .update_expression("ADD #n :minus")
                    .condition_expression("#n > :zero")
                    .expression_attribute_names("#n", "n")
                    .expression_attribute_values(":minus", item::n(-1))
                    .expression_attribute_values(":zero", item::n(0))
                    .send()
                    .await
                    .map(drop)
                    .or_else(|err| match err.as_service_error() {
                        Some(e) if e.is_conditional_check_failed_exception() => Ok(()),
                        _ => Err(sdk_error("UpdateItem", err)),
                    }),
                Take::Hold { .. } => self
                    .client
                    .delete_item()
                    .table_name(&self.table)
                    .set_key(Some(key))
                    .send()
                    .await
                    .map(drop)
                    .map_err(|err| sdk_error("DeleteItem", err)),
            };
            result?;
        }
        Ok(())
    }

    async fn counters(&self, keys: &[String]) -> Result<Vec<u32>, StoreError> {
        let found = self.batch_get(keys.iter().map(|key| pk(key))).await?;
        let count_of = |key: &String| -> Result<u32, StoreError> {
            let pk = pk(key);
            let item = found
                .iter()
                .find(|item| matches!(item.get(PK), Some(aws_sdk_dynamodb::types::AttributeValue::S(p)) if *p == pk));
            Ok(match item {
                Some(item) => item::optional_number::<u32>(item, "n")?.unwrap_or(0),
                None => 0,
            })
        };
        keys.iter().map(count_of).collect()
    }

    async fn held_until(&self, key: &str) -> Result<Option<DateTime<Utc>>, StoreError> {
        let Some(item) = self.get_item(&pk(key)).await? else {
            return Ok(None);
        };
        let until = item::optional_number::<i64>(&item, "until")?;
        Ok(until.and_then(|secs| DateTime::from_timestamp(secs, 0)))
    }

    /// A put only when no reason stands: the first reason is the one a person reads.
    async fn pause(&self, paused: &Paused) -> Result<(), StoreError> {
        let mut stored: Item = item::attributes(paused)?;
        stored.extend(item::key(PAUSED_PK));
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(stored))
            .condition_expression("attribute_not_exists(#pk)")
            .expression_attribute_names("#pk", PK)
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(err) if put_refused(&err) => Ok(()),
            Err(err) => Err(sdk_error("PutItem", err)),
        }
    }

    async fn paused(&self) -> Result<Option<Paused>, StoreError> {
        self.get_item(PAUSED_PK).await?.map(item::model).transpose()
    }

    async fn resume(&self) -> Result<(), StoreError> {
        self.client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(item::key(PAUSED_PK)))
            .send()
            .await
            .map_err(|err| sdk_error("DeleteItem", err))?;
        Ok(())
    }
}
