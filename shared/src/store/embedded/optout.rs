//! The opt-outs in the embedded database: one table keyed by scope (`628…#*` for a whole
//! number, `628…#B1234XYZ` for a vehicle), each write its own transaction. The list is read
//! whole and sorted: it holds the few numbers that asked to stop.

use std::collections::HashSet;

use async_trait::async_trait;
use redb::{ReadableTable, Table, TableDefinition};

use super::{EmbeddedStore, from_json, other, read_table, to_json, write_table};
use crate::optout::{OptOut, OptOutPage, OptOutStore, scope};
use crate::store_error::StoreError;

/// scope → opt-out as JSON.
const OPT_OUTS: TableDefinition<&str, &str> = TableDefinition::new("opt_outs");

fn stored(table: &Table<'_, &str, &str>, scope: &str) -> Result<Option<OptOut>, StoreError> {
    let json = table.get(scope).map_err(other)?;
    json.map(|json| from_json(json.value())).transpose()
}

#[async_trait]
impl OptOutStore for EmbeddedStore {
    async fn add_opt_out(&self, opt_out: &OptOut) -> Result<Option<OptOut>, StoreError> {
        let opt_out = opt_out.clone();
        self.run(move |db| {
            write_table(db, OPT_OUTS, |table| {
                let key = opt_out.scope();
                if let Some(existing) = stored(table, &key)? {
                    return Ok(Some(existing));
                }
                table
                    .insert(key.as_str(), to_json(&opt_out)?.as_str())
                    .map_err(other)?;
                Ok(None)
            })
        })
        .await
    }

    async fn remove_opt_out(&self, scope: &str) -> Result<bool, StoreError> {
        let scope = scope.to_string();
        self.run(move |db| {
            write_table(db, OPT_OUTS, |table| {
                Ok(table.remove(scope.as_str()).map_err(other)?.is_some())
            })
        })
        .await
    }

    async fn remove_opt_outs_of(&self, no_hp: &str) -> Result<usize, StoreError> {
        let prefix = format!("{no_hp}#");
        self.run(move |db| {
            write_table(db, OPT_OUTS, |table| {
                let mut keys = Vec::new();
                for entry in table.range(prefix.as_str()..).map_err(other)? {
                    let (key, _) = entry.map_err(other)?;
                    if !key.value().starts_with(&prefix) {
                        break;
                    }
                    keys.push(key.value().to_string());
                }
                for key in &keys {
                    table.remove(key.as_str()).map_err(other)?;
                }
                Ok(keys.len())
            })
        })
        .await
    }

    async fn blocks(&self, no_hp: &str, nopol: Option<&str>) -> Result<bool, StoreError> {
        let mut scopes = vec![scope(no_hp, None)];
        scopes.extend(nopol.map(|nopol| scope(no_hp, Some(nopol))));
        self.run(move |db| {
            read_table(db, OPT_OUTS, |table| {
                let Some(table) = table else { return Ok(false) };
                for scope in &scopes {
                    if table.get(scope.as_str()).map_err(other)?.is_some() {
                        return Ok(true);
                    }
                }
                Ok(false)
            })
        })
        .await
    }

    async fn stored_scopes(&self, scopes: &[String]) -> Result<HashSet<String>, StoreError> {
        let scopes = scopes.to_vec();
        self.run(move |db| {
            read_table(db, OPT_OUTS, |table| {
                let mut stored = HashSet::new();
                let Some(table) = table else {
                    return Ok(stored);
                };
                for scope in scopes {
                    if table.get(scope.as_str()).map_err(other)?.is_some() {
                        stored.insert(scope);
                    }
                }
                Ok(stored)
            })
        })
        .await
    }

    async fn opt_outs(&self, limit: usize, after: Option<&str>) -> Result<OptOutPage, StoreError> {
        let after = after.map(str::to_string);
        self.run(move |db| {
            read_table(db, OPT_OUTS, |table| {
                let mut all = Vec::new();
                for entry in table
                    .map(|t| t.iter())
                    .transpose()
                    .map_err(other)?
                    .into_iter()
                    .flatten()
                {
                    let (_, json) = entry.map_err(other)?;
                    all.push(from_json::<OptOut>(json.value())?);
                }
                all.sort_by_key(|o| std::cmp::Reverse(o.list_key()));
                let mut items: Vec<OptOut> = all
                    .into_iter()
                    .filter(|o| {
                        after
                            .as_deref()
                            .is_none_or(|after| o.list_key().as_str() < after)
                    })
                    .take(limit.saturating_add(1))
                    .collect();
                let more = items.len() > limit;
                items.truncate(limit);
                let next_after = more.then(|| items.last().map(OptOut::list_key)).flatten();
                Ok(OptOutPage { items, next_after })
            })
        })
        .await
    }
}
