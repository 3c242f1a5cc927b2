//! The message log in the same table.
//!
//! Entry: `pk` = "msg#" + id, `log` = "msg", `log_key` (instant, then id), the entry's fields.
//! `messages-index` (`log`, `log_key`) gives the log newest first. `api_response` is kept as
//! its JSON text (`api_response_json`), so any JSON value reads back exactly; `record_id`,
//! `api_response_json` and `error` are absent when `None`.

use async_trait::async_trait;
use aws_sdk_dynamodb::config::http::HttpResponse;
use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::put_item::{PutItemError, PutItemOutput};
use aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder;

use super::item::{self, Item, PK, optional};
use super::schema::MESSAGES_INDEX;
use super::{DynamoStore, put_refused, sdk_error};
use chrono::{DateTime, FixedOffset, SecondsFormat, Utc};

use crate::messages::model::{DeliveryStatus, MessageEntry, Status};
use crate::messages::store::{DeliveryStore, MessagePage, MessageQuery, MessageStore};
use crate::store_error::StoreError;

/// `log` of every entry: the hash key of `messages-index`.
pub const LOG: &str = "msg";
/// The gateway's answer as JSON text: any JSON value reads back exactly (as attributes, a
/// number beyond DynamoDB's 38 digits would be refused, and `1.0` would read back as `1`).
const RESPONSE: &str = "api_response_json";
const ENTRY_PREFIX: &str = "msg#";
/// The pointer from a provider's message id to the entry: `pk` = "pmid#" + provider id.
const PROVIDER_PREFIX: &str = "pmid#";
const MESSAGE_ID: &str = "message_id";
/// A number's last message: `pk` = "contact#" + `628…`, `last_at` (UTC, RFC 3339, sortable).
const CONTACT_PREFIX: &str = "contact#";
const LAST_AT: &str = "last_at";
/// Items evaluated per request while filtering: DynamoDB applies `Limit` before the filter,
/// so asking for just the page would cost a call per dropped entry.
const FILTERED_READ: usize = 100;

#[async_trait]
impl MessageStore for DynamoStore {
    async fn append(&self, entry: &MessageEntry) -> Result<(), StoreError> {
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(entry_item(entry)?))
            .condition_expression("attribute_not_exists(#pk)")
            .expression_attribute_names("#pk", PK)
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(err) if put_refused(&err) => Err(StoreError::Other(format!(
                "message {} exists already",
                entry.id
            ))),
            Err(err) => Err(sdk_error("PutItem", err)),
        }
    }

    async fn message(&self, id: &str) -> Result<Option<MessageEntry>, StoreError> {
        self.get_item(&format!("{ENTRY_PREFIX}{id}"))
            .await?
            .map(entry_from)
            .transpose()
    }

    /// One conditional put: the entry replaces the stored one only while that has `expected`;
    /// then the pointer from its provider id, which a status names it by.
    async fn settle(&self, entry: &MessageEntry, expected: Status) -> Result<bool, StoreError> {
        let put = self
            .replace_if(
                entry,
                "#status = :expected",
                "status",
                item::value(&expected)?,
            )
            .await?;
        if let (true, Some(provider_id)) = (put, &entry.provider_message_id) {
            let mut pointer = item::key(format!("{PROVIDER_PREFIX}{provider_id}"));
            pointer.insert(MESSAGE_ID.into(), item::s(&entry.id));
            self.client
                .put_item()
                .table_name(&self.table)
                .set_item(Some(pointer))
                .send()
                .await
                .map_err(|err| sdk_error("PutItem", err))?;
        }
        Ok(put)
    }

    /// Newest first. One entry beyond the page is read so that `next_after` is set only when
    /// another matching entry does follow.
    async fn list(&self, query: &MessageQuery) -> Result<MessagePage, StoreError> {
        // Nothing sorts before "", and DynamoDB refuses it as a key value.
        if query.limit == 0 || query.after.as_deref() == Some("") {
            return Ok(MessagePage {
                items: Vec::new(),
                next_after: None,
            });
        }
        let filtered = query.status.is_some() || query.source.is_some();
        let mut items = Vec::new();
        let mut start = None;
        loop {
            let wanted = query.limit.saturating_add(1).saturating_sub(items.len());
            let read = if filtered {
                wanted.max(FILTERED_READ)
            } else {
                wanted
            };
            let out = self
                .log_request(query, read)?
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(|err| sdk_error("Query", err))?;
            for found in out.items.unwrap_or_default() {
                items.push(entry_from(found)?);
            }
            if items.len() > query.limit {
                items.truncate(query.limit);
                let next_after = items.last().map(MessageEntry::log_key);
                return Ok(MessagePage { items, next_after });
            }
            match out.last_evaluated_key {
                Some(key) => start = Some(key),
                None => {
                    return Ok(MessagePage {
                        items,
                        next_after: None,
                    });
                }
            }
        }
    }
}

#[async_trait]
impl DeliveryStore for DynamoStore {
    async fn by_provider_id(
        &self,
        provider_message_id: &str,
    ) -> Result<Option<MessageEntry>, StoreError> {
        let Some(pointer) = self
            .get_item(&format!("{PROVIDER_PREFIX}{provider_message_id}"))
            .await?
        else {
            return Ok(None);
        };
        match optional(&pointer, MESSAGE_ID)? {
            Some(id) => self.message(id).await,
            None => Err(item::malformed(&pointer, MESSAGE_ID)),
        }
    }

    async fn record_status(
        &self,
        entry: &MessageEntry,
        expected: Option<DeliveryStatus>,
    ) -> Result<bool, StoreError> {
        match expected {
            Some(expected) => {
                let value = item::value(&expected)?;
                self.replace_if(entry, "#delivery = :expected", "delivery_status", value)
                    .await
            }
            None => {
                self.replace_if_absent(entry, "attribute_not_exists(#delivery)", "delivery_status")
                    .await
            }
        }
    }

    /// One conditional update: only a later instant replaces the one kept.
    async fn note_incoming(
        &self,
        no_hp: &str,
        at: DateTime<FixedOffset>,
    ) -> Result<(), StoreError> {
        let at = at
            .with_timezone(&Utc)
            .to_rfc3339_opts(SecondsFormat::Micros, true);
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(item::key(format!("{CONTACT_PREFIX}{no_hp}"))))
            .update_expression("SET #at = :at")
            .condition_expression("attribute_not_exists(#at) OR #at < :at")
            .expression_attribute_names("#at", LAST_AT)
            .expression_attribute_values(":at", item::s(at))
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(err)
                if err
                    .as_service_error()
                    .is_some_and(|e| e.is_conditional_check_failed_exception()) =>
            {
                Ok(())
            }
            Err(err) => Err(sdk_error("UpdateItem", err)),
        }
    }

    async fn last_incoming(
        &self,
        no_hp: &str,
    ) -> Result<Option<DateTime<FixedOffset>>, StoreError> {
        let Some(found) = self.get_item(&format!("{CONTACT_PREFIX}{no_hp}")).await? else {
            return Ok(None);
        };
        optional(&found, LAST_AT)?
            .map(|at| {
                DateTime::parse_from_rfc3339(at).map_err(|_| item::malformed(&found, LAST_AT))
            })
            .transpose()
    }
}

impl DynamoStore {
    /// Puts `entry` if the stored one's `attribute` passes `condition` against `:expected`.
    async fn replace_if(
        &self,
        entry: &MessageEntry,
        condition: &str,
        attribute: &str,
        expected: aws_sdk_dynamodb::types::AttributeValue,
    ) -> Result<bool, StoreError> {
        let request = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(entry_item(entry)?))
            .condition_expression(condition)
            .expression_attribute_names(name_of(condition), attribute)
            .expression_attribute_values(":expected", expected);
        conditional(request.send().await)
    }

    /// Puts `entry` if the stored one has no `attribute` (and exists).
    async fn replace_if_absent(
        &self,
        entry: &MessageEntry,
        condition: &str,
        attribute: &str,
    ) -> Result<bool, StoreError> {
        let request = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(entry_item(entry)?))
            .condition_expression(format!("attribute_exists(#pk) AND {condition}"))
            .expression_attribute_names("#pk", PK)
            .expression_attribute_names(name_of(condition), attribute);
        conditional(request.send().await)
    }

    /// The log query: `after` becomes a key condition (`log_key < after`), the filters a
    /// filter expression.
    fn log_request(
        &self,
        query: &MessageQuery,
        limit: usize,
    ) -> Result<QueryFluentBuilder, StoreError> {
        let mut cond = "#log = :log".to_string();
        let mut request = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(MESSAGES_INDEX)
            .scan_index_forward(false)
            .limit(i32::try_from(limit).unwrap_or(i32::MAX))
            .expression_attribute_names("#log", "log")
            .expression_attribute_values(":log", item::s(LOG));
        if let Some(after) = &query.after {
            cond.push_str(" AND #log_key < :after");
            request = request
                .expression_attribute_names("#log_key", "log_key")
                .expression_attribute_values(":after", item::s(after));
        }
        let mut filters = Vec::new();
        if let Some(status) = query.status {
            filters.push("#status = :status");
            request = request
                .expression_attribute_names("#status", "status")
                .expression_attribute_values(":status", item::value(&status)?);
        }
        if let Some(source) = query.source {
            filters.push("#source = :source");
            request = request
                .expression_attribute_names("#source", "source")
                .expression_attribute_values(":source", item::value(&source)?);
        }
        if !filters.is_empty() {
            request = request.filter_expression(filters.join(" AND "));
        }
        Ok(request.key_condition_expression(cond))
    }
}

/// The `#name` a condition names.
fn name_of(condition: &str) -> String {
    condition
        .split(|c: char| !(c.is_alphanumeric() || c == '#' || c == '_'))
        .find(|word| word.starts_with('#'))
        .unwrap_or_default()
        .to_string()
}

/// A conditional put's outcome: whether it was written.
fn conditional(
    result: Result<PutItemOutput, SdkError<PutItemError, HttpResponse>>,
) -> Result<bool, StoreError> {
    match result {
        Ok(_) => Ok(true),
        Err(err) if put_refused(&err) => Ok(false),
        Err(err) => Err(sdk_error("PutItem", err)),
    }
}

/// The entry as stored: its serde form, `api_response` as JSON text, and the attributes
/// `messages-index` is built on.
fn entry_item(entry: &MessageEntry) -> Result<Item, StoreError> {
    let mut item = item::attributes(entry)?;
    item.remove("api_response");
    if let Some(response) = &entry.api_response {
        let json = serde_json::to_string(response)
            .map_err(|e| StoreError::Other(format!("api_response of {}: {e}", entry.id)))?;
        item.insert(RESPONSE.into(), item::s(json));
    }
    item.extend(item::key(format!("{ENTRY_PREFIX}{}", entry.id)));
    item.insert("log".into(), item::s(LOG));
    item.insert("log_key".into(), item::s(entry.log_key()));
    Ok(item)
}

/// Reads an entry back; anything missing or malformed is an error, never a panic.
fn entry_from(mut item: Item) -> Result<MessageEntry, StoreError> {
    let response = optional(&item, RESPONSE)?
        .map(serde_json::from_str)
        .transpose()
        .map_err(|_| item::malformed(&item, RESPONSE))?;
    item.remove(RESPONSE);
    let mut entry: MessageEntry = item::model(item)?;
    entry.api_response = response;
    Ok(entry)
}

#[cfg(test)]
mod tests {
    use aws_sdk_dynamodb::types::AttributeValue;
    use chrono::{FixedOffset, TimeZone};
    use serde_json::json;

    use super::*;
    use crate::messages::model::Source;

    fn sample() -> MessageEntry {
        let at = FixedOffset::east_opt(7 * 3600)
            .and_then(|tz| tz.with_ymd_and_hms(2026, 1, 3, 10, 30, 0).single())
            .expect("valid instant");
        MessageEntry {
            id: "0b7e".into(),
            no_hp: "628123456789".into(),
            message: "Halo Budi".into(),
            source: Source::Scheduled,
            status: Status::Failed,
            record_id: Some("6f1c".into()),
            api_response: Some(json!({"success": false, "data": {"n": [1, 2.5, null]}})),
            error: Some("gateway menolak".into()),
            sent_by: Some("budi".into()),
            created_at: at + chrono::Duration::milliseconds(125),
            claim: None,
            resolution: None,
            provider_message_id: Some("wamid.1".into()),
            delivery_status: Some(crate::messages::model::DeliveryStatus::Delivered),
            delivery: Default::default(),
            delivery_error: None,
            scheduled_for: None,
        }
    }

    #[test]
    fn an_entry_survives_the_round_trip() {
        let entry = sample();
        let item = entry_item(&entry).expect("item");
        assert_eq!(entry_from(item.clone()).ok(), Some(entry.clone()));
        assert!(matches!(item.get(PK), Some(AttributeValue::S(v)) if v == "msg#0b7e"));
        assert!(matches!(item.get("status"), Some(AttributeValue::S(v)) if v == "failed"));
        assert!(matches!(item.get("source"), Some(AttributeValue::S(v)) if v == "scheduled"));

        let bare = MessageEntry {
            record_id: None,
            api_response: Some(serde_json::Value::Null),
            error: None,
            ..entry
        };
        let item = entry_item(&bare).expect("item");
        assert!(!item.contains_key("record_id") && !item.contains_key("error"));
        assert_eq!(entry_from(item).ok(), Some(bare));
    }

    #[test]
    fn a_malformed_entry_is_an_error() {
        let mut item = entry_item(&sample()).expect("item");
        item.insert("status".into(), item::s("lost"));
        assert!(matches!(
            entry_from(item.clone()),
            Err(StoreError::Other(_))
        ));
        item.remove("status");
        assert!(matches!(
            entry_from(item.clone()),
            Err(StoreError::Other(_))
        ));
        item.insert("status".into(), item::s("sent"));
        item.insert(RESPONSE.into(), item::s("{not json"));
        assert!(matches!(entry_from(item), Err(StoreError::Other(_))));
    }
}
