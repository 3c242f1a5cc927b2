//! Customers' replies in the embedded database: one table keyed by reply id, each write its
//! own transaction. The inbox is read whole and sorted, newest first.

use async_trait::async_trait;
use redb::{ReadableTable, TableDefinition};

use super::{EmbeddedStore, from_json, other, read_table, to_json, write_table};
use crate::replies::{InboxStore, Reply, ReplyPage};
use crate::store_error::StoreError;

/// reply id → reply as JSON.
const REPLIES: TableDefinition<&str, &str> = TableDefinition::new("replies");

#[async_trait]
impl InboxStore for EmbeddedStore {
    async fn record_reply(&self, reply: &Reply) -> Result<bool, StoreError> {
        let reply = reply.clone();
        self.run(move |db| {
            write_table(db, REPLIES, |table| {
                if table.get(reply.id.as_str()).map_err(other)?.is_some() {
                    return Ok(false);
                }
                table
                    .insert(reply.id.as_str(), to_json(&reply)?.as_str())
                    .map_err(other)?;
                Ok(true)
            })
        })
        .await
    }

    async fn inbox(&self, limit: usize, after: Option<&str>) -> Result<ReplyPage, StoreError> {
        let after = after.map(str::to_string);
        self.run(move |db| {
            read_table(db, REPLIES, |table| {
                let mut texts = Vec::new();
                for entry in table
                    .map(|t| t.iter())
                    .transpose()
                    .map_err(other)?
                    .into_iter()
                    .flatten()
                {
                    let (_, json) = entry.map_err(other)?;
                    let reply: Reply = from_json(json.value())?;
                    if reply.action.is_none() {
                        texts.push(reply);
                    }
                }
                texts.sort_by_key(|r| std::cmp::Reverse(r.inbox_key()));
                let mut items: Vec<Reply> = texts
                    .into_iter()
                    .filter(|r| {
                        after
                            .as_deref()
                            .is_none_or(|after| r.inbox_key().as_str() < after)
                    })
                    .take(limit.saturating_add(1))
                    .collect();
                let more = items.len() > limit;
                items.truncate(limit);
                let next_after = more.then(|| items.last().map(Reply::inbox_key)).flatten();
                Ok(ReplyPage { items, next_after })
            })
        })
        .await
    }
}
