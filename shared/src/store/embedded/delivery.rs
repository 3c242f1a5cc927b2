//! The providers' statuses and customers' last messages in the embedded database: the log's
//! entries by provider id (written as an entry settles), and each number's last message.

use async_trait::async_trait;
use chrono::{DateTime, FixedOffset};
use redb::{ReadableTable, TableDefinition};

use super::{EmbeddedStore, other, read_table, write};
use crate::messages::model::{DeliveryStatus, MessageEntry};
use crate::messages::store::DeliveryStore;
use crate::store_error::StoreError;

/// provider message id → message id.
pub(super) const PROVIDER_IDS: TableDefinition<&str, &str> =
    TableDefinition::new("message_provider_ids");
/// `628…` → RFC 3339 instant of the number's last message.
const LAST_INCOMING: TableDefinition<&str, &str> = TableDefinition::new("last_incoming");

#[async_trait]
impl DeliveryStore for EmbeddedStore {
    async fn by_provider_id(
        &self,
        provider_message_id: &str,
    ) -> Result<Option<MessageEntry>, StoreError> {
        let provider_id = provider_message_id.to_string();
        self.run(move |db| {
            let id = read_table(db, PROVIDER_IDS, |table| match table {
                Some(table) => Ok(table
                    .get(provider_id.as_str())
                    .map_err(other)?
                    .map(|id| id.value().to_string())),
                None => Ok(None),
            })?;
            match id {
                Some(id) => write(db, |t| t.message(&id)),
                None => Ok(None),
            }
        })
        .await
    }

    async fn record_status(
        &self,
        entry: &MessageEntry,
        expected: Option<DeliveryStatus>,
    ) -> Result<bool, StoreError> {
        let entry = entry.clone();
        self.run(move |db| {
            write(db, |t| {
                t.replace_if(&entry, |s| s.delivery_status == expected)
            })
        })
        .await
    }

    async fn note_incoming(
        &self,
        no_hp: &str,
        at: DateTime<FixedOffset>,
    ) -> Result<(), StoreError> {
        let no_hp = no_hp.to_string();
        self.run(move |db| {
            let txn = db.begin_write().map_err(other)?;
            {
                let mut table = txn.open_table(LAST_INCOMING).map_err(other)?;
                let earlier = table
                    .get(no_hp.as_str())
                    .map_err(other)?
                    .and_then(|v| DateTime::parse_from_rfc3339(v.value()).ok());
                if earlier.is_none_or(|earlier| earlier < at) {
                    table
                        .insert(no_hp.as_str(), at.to_rfc3339().as_str())
                        .map_err(other)?;
                }
            }
            txn.commit().map_err(other)
        })
        .await
    }

    async fn last_incoming(
        &self,
        no_hp: &str,
    ) -> Result<Option<DateTime<FixedOffset>>, StoreError> {
        let no_hp = no_hp.to_string();
        self.run(move |db| {
            read_table(db, LAST_INCOMING, |table| match table {
                Some(table) => Ok(table
                    .get(no_hp.as_str())
                    .map_err(other)?
                    .and_then(|v| DateTime::parse_from_rfc3339(v.value()).ok())),
                None => Ok(None),
            })
        })
        .await
    }
}
