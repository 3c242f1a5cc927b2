//! Customers' replies in the same table.
//!
//! Reply: `pk` = "reply#" + id, the fields; a text (no action) also `log` = "inbox" and
//! `log_key` (its inbox key), so that `messages-index` gives the inbox newest first.

use async_trait::async_trait;

use super::item::{self, Item, PK};
use super::schema::MESSAGES_INDEX;
use super::{DynamoStore, put_refused, sdk_error};
use crate::replies::{InboxStore, Reply, ReplyPage};
use crate::store_error::StoreError;

/// `log` of the inbox's replies in `messages-index`.
const LOG: &str = "inbox";
const PREFIX: &str = "reply#";

fn reply_item(reply: &Reply) -> Result<Item, StoreError> {
    let mut item = item::attributes(reply)?;
    item.extend(item::key(format!("{PREFIX}{}", reply.id)));
    if reply.action.is_none() {
        item.insert("log".into(), item::s(LOG));
        item.insert("log_key".into(), item::s(reply.inbox_key()));
    }
    Ok(item)
}

#[async_trait]
impl InboxStore for DynamoStore {
    /// One conditional put: a repeat of the same delivery is refused.
    async fn record_reply(&self, reply: &Reply) -> Result<bool, StoreError> {
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(reply_item(reply)?))
            .condition_expression("attribute_not_exists(#pk)")
            .expression_attribute_names("#pk", PK)
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(err) if put_refused(&err) => Ok(false),
            Err(err) => Err(sdk_error("PutItem", err)),
        }
    }

    /// Newest first, page by page; one beyond the page is read so that `next_after` is set
    /// only when more follow.
    async fn inbox(&self, limit: usize, after: Option<&str>) -> Result<ReplyPage, StoreError> {
        if limit == 0 || after == Some("") {
            return Ok(ReplyPage {
                items: Vec::new(),
                next_after: None,
            });
        }
        let mut cond = "#log = :log".to_string();
        let mut request = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(MESSAGES_INDEX)
            .scan_index_forward(false)
            .expression_attribute_names("#log", "log")
            .expression_attribute_values(":log", item::s(LOG));
        if let Some(after) = after {
            cond.push_str(" AND #log_key < :after");
            request = request
                .expression_attribute_names("#log_key", "log_key")
                .expression_attribute_values(":after", item::s(after));
        }
        let request = request.key_condition_expression(cond);
        let mut items: Vec<Reply> = Vec::new();
        let mut start = None;
        loop {
            let left = (limit + 1).saturating_sub(items.len());
            let out = request
                .clone()
                .limit(i32::try_from(left).unwrap_or(i32::MAX))
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(|err| sdk_error("Query", err))?;
            for found in out.items.unwrap_or_default() {
                items.push(item::model(found)?);
            }
            match out.last_evaluated_key {
                Some(key) if items.len() <= limit => start = Some(key),
                _ => break,
            }
        }
        let more = items.len() > limit;
        items.truncate(limit);
        let next_after = more.then(|| items.last().map(Reply::inbox_key)).flatten();
        Ok(ReplyPage { items, next_after })
    }
}
