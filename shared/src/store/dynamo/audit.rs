//! The change log in the same table.
//!
//! Entry: `pk` = "audit#" + id, `log` = "audit", `log_key` (instant, then id), the entry's
//! fields. `messages-index` (`log`, `log_key`) holds every log, each under its own `log`, so
//! it gives this one newest first too. An entry is a put in the `TransactWriteItems` of the
//! change it records where that is one (the manual records' create, update, toggle and delete:
//! `write.rs`), else its own `PutItem` after the change.

use async_trait::async_trait;

use super::item::{self, Item, PK};
use super::schema::MESSAGES_INDEX;
use super::{DynamoStore, sdk_error};
use crate::audit::model::AuditEntry;
use crate::audit::store::{AuditPage, AuditQuery, AuditStore};
use crate::store_error::StoreError;

/// `log` of every entry: its hash key in `messages-index`.
pub const LOG: &str = "audit";
const ENTRY_PREFIX: &str = "audit#";
/// Items evaluated per request while filtering: DynamoDB applies `Limit` before the filter.
const FILTERED_READ: usize = 100;

#[async_trait]
impl AuditStore for DynamoStore {
    async fn append(&self, entry: &AuditEntry) -> Result<(), StoreError> {
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(entry_item(entry)?))
            .condition_expression("attribute_not_exists(#pk)")
            .expression_attribute_names("#pk", PK)
            .send()
            .await
            .map(drop)
            .map_err(|err| sdk_error("PutItem", err))
    }

    /// Newest first. One entry beyond the page is read so that `next_after` is set only when
    /// another matching entry does follow.
    async fn list(&self, query: &AuditQuery) -> Result<AuditPage, StoreError> {
        if query.limit == 0 || query.after.as_deref() == Some("") {
            return Ok(AuditPage {
                items: Vec::new(),
                next_after: None,
            });
        }
        let filtered = query.actor.is_some() || query.action.is_some();
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
                .audit_request(query, read)
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(|err| sdk_error("Query", err))?;
            for found in out.items.unwrap_or_default() {
                let entry = item::model::<AuditEntry>(found)?;
                // With `since`, the bound is BETWEEN, which holds the cursor's own entry.
                if query.after.as_deref() != Some(entry.log_key().as_str()) {
                    items.push(entry);
                }
            }
            if items.len() > query.limit {
                items.truncate(query.limit);
                let next_after = items.last().map(AuditEntry::log_key);
                return Ok(AuditPage { items, next_after });
            }
            match out.last_evaluated_key {
                Some(key) => start = Some(key),
                None => {
                    return Ok(AuditPage {
                        items,
                        next_after: None,
                    });
                }
            }
        }
    }
}

impl DynamoStore {
    /// The log query: the cursor and `since` bound `log_key`, the filters a filter expression.
    fn audit_request(
        &self,
        query: &AuditQuery,
        limit: usize,
    ) -> aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder {
        let mut request = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(MESSAGES_INDEX)
            .scan_index_forward(false)
            .limit(i32::try_from(limit).unwrap_or(i32::MAX))
            .expression_attribute_names("#log", "log")
            .expression_attribute_values(":log", item::s(LOG));
        let bound = match (query.since_key(), &query.after) {
            (Some(since), Some(after)) => {
                request = request
                    .expression_attribute_values(":since", item::s(since))
                    .expression_attribute_values(":after", item::s(after));
                " AND #log_key BETWEEN :since AND :after"
            }
            (Some(since), None) => {
                request = request.expression_attribute_values(":since", item::s(since));
                " AND #log_key >= :since"
            }
            (None, Some(after)) => {
                request = request.expression_attribute_values(":after", item::s(after));
                " AND #log_key < :after"
            }
            (None, None) => "",
        };
        if !bound.is_empty() {
            request = request.expression_attribute_names("#log_key", "log_key");
        }
        let mut filters = Vec::new();
        if let Some(actor) = &query.actor {
            filters.push("#actor = :actor");
            request = request
                .expression_attribute_names("#actor", "actor")
                .expression_attribute_values(":actor", item::s(actor));
        }
        if let Some(action) = &query.action {
            filters.push("#action = :action");
            request = request
                .expression_attribute_names("#action", "action")
                .expression_attribute_values(":action", item::s(action));
        }
        if !filters.is_empty() {
            request = request.filter_expression(filters.join(" AND "));
        }
        request.key_condition_expression(format!("#log = :log{bound}"))
    }
}

/// The entry as stored: its serde form and the attributes `messages-index` is built on.
pub(super) fn entry_item(entry: &AuditEntry) -> Result<Item, StoreError> {
    let mut item = item::attributes(entry)?;
    item.extend(item::key(format!("{ENTRY_PREFIX}{}", entry.id)));
    item.insert("log".into(), item::s(LOG));
    item.insert("log_key".into(), item::s(entry.log_key()));
    Ok(item)
}
