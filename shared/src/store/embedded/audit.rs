//! The change log in the embedded store: log key → entry as JSON, in the log's order. An entry
//! is written in the transaction of the change it records where that is one (the manual
//! records' create, update, toggle and delete: [`Tables::log`]), else in one of its own.

use async_trait::async_trait;
use redb::{ReadableDatabase, ReadableTable, TableDefinition};

use super::{EmbeddedStore, Tables, from_json, other, to_json, write};
use crate::audit::model::AuditEntry;
use crate::audit::store::{AuditPage, AuditQuery, AuditStore};
use crate::store_error::StoreError;

pub(super) const AUDIT: TableDefinition<&str, &str> = TableDefinition::new("audit");

impl Tables<'_> {
    /// Adds `entry`, if any, to the change log; an entry is written once, so its key is new.
    pub(super) fn log(&mut self, entry: Option<&AuditEntry>) -> Result<(), StoreError> {
        let Some(entry) = entry else {
            return Ok(());
        };
        let key = entry.log_key();
        if self.audit.get(key.as_str()).map_err(other)?.is_some() {
            return Err(StoreError::Other(format!(
                "audit entry {key} exists already"
            )));
        }
        let json = to_json(entry)?;
        self.audit
            .insert(key.as_str(), json.as_str())
            .map_err(other)?;
        Ok(())
    }
}

#[async_trait]
impl AuditStore for EmbeddedStore {
    async fn append(&self, entry: &AuditEntry) -> Result<(), StoreError> {
        let entry = entry.clone();
        self.run(move |db| write(db, |t| t.log(Some(&entry)))).await
    }

    /// Newest first, from before the cursor down to `since`.
    async fn list(&self, query: &AuditQuery) -> Result<AuditPage, StoreError> {
        let query = query.clone();
        self.run(move |db| {
            let txn = db.begin_read().map_err(other)?;
            let log = match txn.open_table(AUDIT) {
                Ok(log) => log,
                Err(redb::TableError::TableDoesNotExist(_)) => {
                    return Ok(AuditPage {
                        items: Vec::new(),
                        next_after: None,
                    });
                }
                Err(e) => return Err(other(e)),
            };
            let lower = query.since_key().unwrap_or_default();
            let range = match query.after.as_deref() {
                Some(after) => log.range(lower.as_str()..after),
                None => log.range(lower.as_str()..),
            }
            .map_err(other)?;
            let mut items = Vec::new();
            let mut more = false;
            for stored in range.rev() {
                let (_, json) = stored.map_err(other)?;
                let entry: AuditEntry = from_json(json.value())?;
                if !query.admits(&entry) {
                    continue;
                }
                if items.len() == query.limit {
                    more = true;
                    break;
                }
                items.push(entry);
            }
            let next_after = more
                .then(|| items.last().map(AuditEntry::log_key))
                .flatten();
            Ok(AuditPage { items, next_after })
        })
        .await
    }
}
