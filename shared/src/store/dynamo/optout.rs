//! The opt-outs in the same table.
//!
//! Opt-out: `pk` = "optout#" + scope (`628…#*` or `628…#B1234XYZ`), `log` = "optout",
//! `log_key` (its list key), the fields. `messages-index` (`log`, `log_key`) gives the list
//! newest first; a send reads the one or two scopes it could be stopped by, strongly.

use std::collections::HashSet;

use async_trait::async_trait;
use aws_sdk_dynamodb::types::AttributeValue;

use super::item::{self, Item, PK};
use super::schema::MESSAGES_INDEX;
use super::{DynamoStore, put_refused, sdk_error};
use crate::optout::{OptOut, OptOutPage, OptOutStore, scope};
use crate::store_error::StoreError;

/// `log` of every opt-out, apart from the message log's entries in `messages-index`.
const LOG: &str = "optout";
const PREFIX: &str = "optout#";

fn opt_out_item(opt_out: &OptOut) -> Result<Item, StoreError> {
    let mut item = item::attributes(opt_out)?;
    item.extend(item::key(format!("{PREFIX}{}", opt_out.scope())));
    item.insert("log".into(), item::s(LOG));
    item.insert("log_key".into(), item::s(opt_out.list_key()));
    Ok(item)
}

#[async_trait]
impl OptOutStore for DynamoStore {
    /// One conditional put; a refusal returns the opt-out standing there.
    async fn add_opt_out(&self, opt_out: &OptOut) -> Result<Option<OptOut>, StoreError> {
        let pk = format!("{PREFIX}{}", opt_out.scope());
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(opt_out_item(opt_out)?))
            .condition_expression("attribute_not_exists(#pk)")
            .expression_attribute_names("#pk", PK)
            .send()
            .await;
        match result {
            Ok(_) => Ok(None),
            Err(err) if put_refused(&err) => self.get_item(&pk).await?.map(item::model).transpose(),
            Err(err) => Err(sdk_error("PutItem", err)),
        }
    }

    async fn remove_opt_out(&self, scope: &str) -> Result<bool, StoreError> {
        let out = self
            .client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(item::key(format!("{PREFIX}{scope}"))))
            .return_values(aws_sdk_dynamodb::types::ReturnValue::AllOld)
            .send()
            .await
            .map_err(|err| sdk_error("DeleteItem", err))?;
        Ok(out.attributes.is_some_and(|old| !old.is_empty()))
    }

    async fn remove_opt_outs_of(&self, no_hp: &str) -> Result<usize, StoreError> {
        let mut removed = 0;
        for opt_out in self.every_opt_out().await? {
            if opt_out.no_hp == no_hp && self.remove_opt_out(&opt_out.scope()).await? {
                removed += 1;
            }
        }
        Ok(removed)
    }

    async fn blocks(&self, no_hp: &str, nopol: Option<&str>) -> Result<bool, StoreError> {
        let mut scopes = vec![scope(no_hp, None)];
        scopes.extend(nopol.map(|nopol| scope(no_hp, Some(nopol))));
        for scope in scopes {
            if self.get_item(&format!("{PREFIX}{scope}")).await?.is_some() {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// One consistent `BatchGetItem` per 100 scopes.
    async fn stored_scopes(&self, scopes: &[String]) -> Result<HashSet<String>, StoreError> {
        let pks = scopes.iter().map(|scope| format!("{PREFIX}{scope}"));
        let found = self.batch_get(pks).await?;
        Ok(found
            .iter()
            .filter_map(|item| match item.get(PK) {
                Some(AttributeValue::S(pk)) => pk.strip_prefix(PREFIX).map(str::to_string),
                _ => None,
            })
            .collect())
    }

    /// Newest first; one beyond the page is read so that `next_after` is set only when more
    /// follow.
    async fn opt_outs(&self, limit: usize, after: Option<&str>) -> Result<OptOutPage, StoreError> {
        if limit == 0 || after == Some("") {
            return Ok(OptOutPage {
                items: Vec::new(),
                next_after: None,
            });
        }
        let mut items = self.opt_outs_after(after, Some(limit + 1)).await?;
        let more = items.len() > limit;
        items.truncate(limit);
        let next_after = more.then(|| items.last().map(OptOut::list_key)).flatten();
        Ok(OptOutPage { items, next_after })
    }
}

impl DynamoStore {
    /// Every opt-out, newest first.
    async fn every_opt_out(&self) -> Result<Vec<OptOut>, StoreError> {
        self.opt_outs_after(None, None).await
    }

    /// Opt-outs older than `after`, newest first, up to `wanted` (all without), page by page.
    async fn opt_outs_after(
        &self,
        after: Option<&str>,
        wanted: Option<usize>,
    ) -> Result<Vec<OptOut>, StoreError> {
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
        let mut items = Vec::new();
        let mut start: Option<std::collections::HashMap<String, AttributeValue>> = None;
        loop {
            let mut page = request.clone().set_exclusive_start_key(start.take());
            if let Some(wanted) = wanted {
                let left = wanted.saturating_sub(items.len());
                page = page.limit(i32::try_from(left).unwrap_or(i32::MAX));
            }
            let out = page.send().await.map_err(|err| sdk_error("Query", err))?;
            for found in out.items.unwrap_or_default() {
                items.push(item::model(found)?);
            }
            let full = wanted.is_some_and(|wanted| items.len() >= wanted);
            match out.last_evaluated_key {
                Some(key) if !full => start = Some(key),
                _ => return Ok(items),
            }
        }
    }
}
