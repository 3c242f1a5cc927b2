//! Reads: single items by key, everything else through an index, following every page.

use std::collections::HashMap;

use aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder;
use aws_sdk_dynamodb::types::{AttributeValue, Select};
use chrono::{DateTime, NaiveDate, Utc};

use super::item::names_in;
use super::item::{self, COUNTS_PK, DUE_ACTIVE, Item, RECORD_KIND};
use super::schema::{DUE_INDEX, LIST_INDEX, NOPOL_INDEX, REMINDED_AT_INDEX, REMINDERS_INDEX};
use super::{DynamoStore, sdk_error};
use crate::manual::store::{ListQuery, Page};
use crate::manual::{Counts, ManualRecord};
use crate::store_error::StoreError;

/// Items evaluated per request while filtering the list on `is_active`: DynamoDB applies
/// `Limit` before the filter, so asking for just the page would cost a call per dropped item.
const FILTERED_READ: usize = 100;
/// The longest partition key DynamoDB takes.
const MAX_KEY_BYTES: usize = 2048;

impl DynamoStore {
    pub(super) async fn get_record(&self, id: &str) -> Result<Option<ManualRecord>, StoreError> {
        if !is_key(id) {
            return Ok(None);
        }
        let out = self.get_item(id).await?;
        // An id naming a guard or the counts is no record.
        out.filter(item::is_record)
            .map(item::record_from)
            .transpose()
    }

    pub(super) async fn read_counts(&self) -> Result<Counts, StoreError> {
        item::counts_from(self.get_item(COUNTS_PK).await?.as_ref())
    }

    pub(super) async fn get_item(&self, pk: &str) -> Result<Option<Item>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(item::key(pk)))
            .consistent_read(true)
            .send()
            .await
            .map_err(|err| sdk_error("GetItem", err))?;
        Ok(out.item)
    }

    pub(super) async fn query_nopol(
        &self,
        nopol_key: &str,
    ) -> Result<Option<ManualRecord>, StoreError> {
        if !is_key(nopol_key) {
            return Ok(None);
        }
        let out = self
            .query(
                NOPOL_INDEX,
                "#nopol_key = :key",
                &[("#nopol_key", "nopol_key")],
            )
            .expression_attribute_values(":key", item::s(nopol_key))
            .send()
            .await
            .map_err(|err| sdk_error("Query", err))?;
        // The guard makes the key unique; only one record can carry it.
        out.items
            .unwrap_or_default()
            .into_iter()
            .next()
            .map(item::record_from)
            .transpose()
    }

    /// Newest first. One item beyond the page is read so that `next_after` is set only when
    /// another record does follow.
    pub(super) async fn query_list(&self, query: &ListQuery) -> Result<Page, StoreError> {
        if query.limit == 0 {
            return Ok(Page {
                items: Vec::new(),
                next_after: None,
            });
        }
        let mut items = Vec::new();
        let mut start = None;
        loop {
            let wanted = query.limit.saturating_add(1).saturating_sub(items.len());
            let read = if query.active_only {
                wanted.max(FILTERED_READ)
            } else {
                wanted
            };
            let out = self
                .list_request(query, read)
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(|err| sdk_error("Query", err))?;
            for found in out.items.unwrap_or_default() {
                items.push(item::record_from(found)?);
            }
            if items.len() > query.limit {
                items.truncate(query.limit);
                let next_after = items.last().map(ManualRecord::list_key);
                return Ok(Page { items, next_after });
            }
            match out.last_evaluated_key {
                Some(key) => start = Some(key),
                None => {
                    return Ok(Page {
                        items,
                        next_after: None,
                    });
                }
            }
        }
    }

    /// The list query: `after` becomes a key condition (`list_key < after`), which reads
    /// exactly as an ExclusiveStartKey would and accepts any cursor text.
    fn list_request(&self, query: &ListQuery, limit: usize) -> QueryFluentBuilder {
        let mut cond = "#kind = :rec".to_string();
        let mut request = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(LIST_INDEX)
            .scan_index_forward(false)
            .limit(clamp(limit))
            .expression_attribute_names("#kind", "kind")
            .expression_attribute_values(":rec", item::s(RECORD_KIND));
        if let Some(after) = &query.after {
            cond.push_str(" AND #list_key < :after");
            request = request
                .expression_attribute_names("#list_key", "list_key")
                .expression_attribute_values(":after", item::s(after));
        }
        if query.active_only {
            request = request
                .filter_expression("#is_active = :one")
                .expression_attribute_names("#is_active", "is_active")
                .expression_attribute_values(":one", item::n(1));
        }
        request.key_condition_expression(cond)
    }

    pub(super) async fn count_due_between(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<u64, StoreError> {
        // DynamoDB rejects BETWEEN with its bounds reversed; the range is simply empty.
        if from > to {
            return Ok(0);
        }
        let values = [
            (":due", item::s(DUE_ACTIVE)),
            (":from", item::s(from.format("%Y-%m-%d").to_string())),
            (":to", item::s(to.format("%Y-%m-%d").to_string())),
        ];
        let names = [("#due", "due"), ("#next", "next_service")];
        self.count(
            DUE_INDEX,
            "#due = :due AND #next BETWEEN :from AND :to",
            &names,
            values,
        )
        .await
    }

    pub(super) async fn count_reminded(&self, since: DateTime<Utc>) -> Result<u64, StoreError> {
        let values = [
            (":rec", item::s(RECORD_KIND)),
            (":since", item::n(item::epoch(since))),
        ];
        let names = [("#kind", "kind"), ("#epoch", "last_reminder_epoch")];
        self.count(
            REMINDED_AT_INDEX,
            "#kind = :rec AND #epoch >= :since",
            &names,
            values,
        )
        .await
    }

    /// Counts the items of an index matching `cond`, page by page, reading no items.
    async fn count<const N: usize>(
        &self,
        index: &str,
        cond: &str,
        names: &[(&str, &str)],
        values: [(&str, AttributeValue); N],
    ) -> Result<u64, StoreError> {
        let values: HashMap<String, AttributeValue> = values
            .into_iter()
            .map(|(name, value)| (name.to_string(), value))
            .collect();
        let mut total = 0u64;
        let mut start = None;
        loop {
            let out = self
                .query(index, cond, names)
                .set_expression_attribute_values(Some(values.clone()))
                .select(Select::Count)
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(|err| sdk_error("Query", err))?;
            total += u64::try_from(out.count).unwrap_or(0);
            match out.last_evaluated_key {
                Some(key) => start = Some(key),
                None => return Ok(total),
            }
        }
    }

    pub(super) async fn query_most_reminded(
        &self,
        limit: usize,
    ) -> Result<Vec<ManualRecord>, StoreError> {
        let request = self
            .query(REMINDERS_INDEX, "#kind = :rec", &[("#kind", "kind")])
            .expression_attribute_values(":rec", item::s(RECORD_KIND))
            .scan_index_forward(false);
        let found = self.query_items(request, limit).await?;
        found.into_iter().map(item::record_from).collect()
    }

    /// A query of `index` on the key condition `cond`.
    pub(super) fn query_index(
        &self,
        index: &str,
        cond: &str,
        values: HashMap<String, AttributeValue>,
    ) -> QueryFluentBuilder {
        self.client
            .query()
            .table_name(&self.table)
            .index_name(index)
            .key_condition_expression(cond)
            .set_expression_attribute_names(names_in(&[cond]))
            .set_expression_attribute_values(Some(values))
    }

    /// Every item `request` matches, following every page.
    pub(super) async fn query_all(
        &self,
        request: QueryFluentBuilder,
    ) -> Result<Vec<Item>, StoreError> {
        self.query_items(request, usize::MAX).await
    }

    /// The first `most` items `request` matches, following pages as needed.
    pub(super) async fn query_items(
        &self,
        request: QueryFluentBuilder,
        most: usize,
    ) -> Result<Vec<Item>, StoreError> {
        let mut items = Vec::new();
        let mut start = None;
        while items.len() < most {
            let out = request
                .clone()
                // No `Limit` when more are wanted than it can say: read every page.
                .set_limit(i32::try_from(most - items.len()).ok())
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(|err| sdk_error("Query", err))?;
            items.extend(out.items.unwrap_or_default());
            match out.last_evaluated_key {
                Some(key) => start = Some(key),
                None => break,
            }
        }
        Ok(items)
    }

    pub(super) fn query(
        &self,
        index: &str,
        cond: &str,
        names: &[(&str, &str)],
    ) -> QueryFluentBuilder {
        let names = names
            .iter()
            .map(|(alias, name)| (alias.to_string(), name.to_string()))
            .collect();
        self.client
            .query()
            .table_name(&self.table)
            .index_name(index)
            .key_condition_expression(cond)
            .set_expression_attribute_names(Some(names))
    }
}

/// Whether DynamoDB accepts `value` as a key: it rejects empty and over-long ones, which can
/// name no record anyway.
pub(super) fn is_key(value: &str) -> bool {
    !value.is_empty() && value.len() <= MAX_KEY_BYTES
}

/// DynamoDB's `Limit` is an `i32`.
fn clamp(limit: usize) -> i32 {
    i32::try_from(limit).unwrap_or(i32::MAX)
}
