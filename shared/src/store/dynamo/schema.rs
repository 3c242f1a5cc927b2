//! The table and its indexes, described once: `ensure_table` creates them from this
//! description and `template.yaml` can be checked against it.

use std::time::{Duration, Instant};

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::ProvideErrorMetadata;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, CreateGlobalSecondaryIndexAction, GlobalSecondaryIndex,
    GlobalSecondaryIndexUpdate, IndexStatus, KeySchemaElement, KeyType, Projection, ProjectionType,
    ScalarAttributeType, TableDescription, TableStatus, TimeToLiveSpecification, TimeToLiveStatus,
};

use super::{build_error, sdk_error};
use crate::store_error::StoreError;

/// One key attribute: its name and DynamoDB type (`"S"` or `"N"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyAttr {
    pub name: &'static str,
    pub kind: &'static str,
}

/// A global secondary index; `projection` is `"ALL"` or `"KEYS_ONLY"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Index {
    pub name: &'static str,
    pub hash: KeyAttr,
    pub range: Option<KeyAttr>,
    pub projection: &'static str,
}

const fn s(name: &'static str) -> KeyAttr {
    KeyAttr { name, kind: "S" }
}

const fn n(name: &'static str) -> KeyAttr {
    KeyAttr { name, kind: "N" }
}

/// The table's own key.
pub const TABLE_KEY: KeyAttr = s("pk");

/// The table's TTL attribute (Unix seconds): items carrying it (reminder claims) vanish after
/// that instant.
pub const TTL_ATTRIBUTE: &str = "expires_at";

pub const NOPOL_INDEX: &str = "nopol-index";
pub const LIST_INDEX: &str = "list-index";
pub const DUE_INDEX: &str = "due-index";
pub const REMINDERS_INDEX: &str = "reminders-index";
pub const REMINDED_AT_INDEX: &str = "reminded-at-index";
pub const MESSAGES_INDEX: &str = "messages-index";
pub const CUSTOMER_INDEX: &str = "customer-index";
pub const VISIT_INDEX: &str = "visit-index";
pub const PHONE_INDEX: &str = "phone-index";

pub const INDEXES: &[Index] = &[
    Index {
        name: NOPOL_INDEX,
        hash: s("nopol_key"),
        range: None,
        projection: "ALL",
    },
    Index {
        name: LIST_INDEX,
        hash: s("kind"),
        range: Some(s("list_key")),
        projection: "ALL",
    },
    Index {
        name: DUE_INDEX,
        hash: s("due"),
        range: Some(s("next_service")),
        projection: "ALL",
    },
    Index {
        name: REMINDERS_INDEX,
        hash: s("kind"),
        range: Some(n("reminder_sent_count")),
        projection: "ALL",
    },
    Index {
        name: REMINDED_AT_INDEX,
        hash: s("kind"),
        range: Some(n("last_reminder_epoch")),
        projection: "KEYS_ONLY",
    },
    Index {
        name: MESSAGES_INDEX,
        hash: s("log"),
        range: Some(s("log_key")),
        projection: "ALL",
    },
    // A customer's vehicles (`kind` "vehicle") and report rows (`kind` "report").
    Index {
        name: CUSTOMER_INDEX,
        hash: s("id_customer"),
        range: Some(s("kind")),
        projection: "ALL",
    },
    // Sparse: only vehicles with a last visit carry `visit`.
    Index {
        name: VISIT_INDEX,
        hash: s("visit"),
        range: Some(s("last_visit")),
        projection: "ALL",
    },
    // Customers (`kind` "customer") by phone, for a WhatsApp reply's sender; keys suffice.
    Index {
        name: PHONE_INDEX,
        hash: s("no_hp"),
        range: Some(s("kind")),
        projection: "KEYS_ONLY",
    },
];

/// How long to wait for a table or index to become ACTIVE: an index on a large table can take
/// a while to backfill.
const ACTIVE_TIMEOUT: Duration = Duration::from_secs(20 * 60);
const POLL_EVERY: Duration = Duration::from_millis(500);

/// What [`provision`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Provisioned {
    pub created_table: bool,
    pub added_indexes: Vec<&'static str>,
    /// Whether TTL on [`TTL_ATTRIBUTE`] had to be switched on.
    pub enabled_ttl: bool,
}

/// Creates the table and every index that is missing, waits until all are ACTIVE, and switches
/// TTL on. Idempotent: an existing, complete table is left as it is.
pub async fn ensure_table(client: &Client, table: &str) -> Result<(), StoreError> {
    provision(client, table).await.map(|_| ())
}

/// [`ensure_table`], telling what it did.
pub async fn provision(client: &Client, table: &str) -> Result<Provisioned, StoreError> {
    let mut done = Provisioned::default();
    let existing = match describe(client, table).await? {
        Some(existing) => existing,
        None => {
            done.created_table = create_table(client, table).await?;
            wait_active(client, table).await?
        }
    };
    for index in missing_indexes(&existing)? {
        // DynamoDB creates one index per UpdateTable, and refuses the next while one builds.
        add_index(client, table, index).await?;
        wait_active(client, table).await?;
        done.added_indexes.push(index.name);
    }
    wait_active(client, table).await?;
    done.enabled_ttl = ensure_ttl(client, table).await?;
    Ok(done)
}

/// Switches TTL on for [`TTL_ATTRIBUTE`] unless it is on (or being switched on) already;
/// `true` when this call switched it on. TTL on another attribute is an error: DynamoDB keeps
/// one TTL attribute per table, and claims would never expire.
async fn ensure_ttl(client: &Client, table: &str) -> Result<bool, StoreError> {
    let out = client
        .describe_time_to_live()
        .table_name(table)
        .send()
        .await
        .map_err(|err| sdk_error("DescribeTimeToLive", err))?;
    let description = out.time_to_live_description();
    let status = description.and_then(|d| d.time_to_live_status());
    let attribute = description.and_then(|d| d.attribute_name());
    match status {
        Some(TimeToLiveStatus::Enabled | TimeToLiveStatus::Enabling) => {
            return match attribute {
                Some(TTL_ATTRIBUTE) | None => Ok(false),
                Some(other) => Err(StoreError::Other(format!(
                    "table {table} has TTL on {other}; expected {TTL_ATTRIBUTE}"
                ))),
            };
        }
        Some(TimeToLiveStatus::Disabling) => {
            return Err(StoreError::Other(format!(
                "TTL of table {table} is being disabled; run again once that is done"
            )));
        }
        _ => {}
    }
    let spec = TimeToLiveSpecification::builder()
        .attribute_name(TTL_ATTRIBUTE)
        .enabled(true)
        .build()
        .map_err(build_error)?;
    let result = client
        .update_time_to_live()
        .table_name(table)
        .time_to_live_specification(spec)
        .send()
        .await;
    match result {
        Ok(_) => Ok(true),
        // Another process switched it on between our look and our change.
        Err(err)
            if err
                .as_service_error()
                .and_then(ProvideErrorMetadata::message)
                .is_some_and(|m| m.contains("already enabled")) =>
        {
            Ok(false)
        }
        Err(err) => Err(sdk_error("UpdateTimeToLive", err)),
    }
}

async fn describe(client: &Client, table: &str) -> Result<Option<TableDescription>, StoreError> {
    match client.describe_table().table_name(table).send().await {
        Ok(out) => Ok(out.table),
        Err(err)
            if err
                .as_service_error()
                .is_some_and(|e| e.is_resource_not_found_exception()) =>
        {
            Ok(None)
        }
        Err(err) => Err(sdk_error("DescribeTable", err)),
    }
}

/// Creates the table with every index; `false` when another process created it meanwhile.
async fn create_table(client: &Client, table: &str) -> Result<bool, StoreError> {
    let result = client
        .create_table()
        .table_name(table)
        .billing_mode(BillingMode::PayPerRequest)
        .set_attribute_definitions(Some(attribute_definitions(INDEXES)?))
        .key_schema(key_element(TABLE_KEY.name, KeyType::Hash)?)
        .set_global_secondary_indexes(Some(
            INDEXES.iter().map(global_index).collect::<Result<_, _>>()?,
        ))
        .send()
        .await;
    match result {
        Ok(_) => Ok(true),
        Err(err)
            if err
                .as_service_error()
                .is_some_and(|e| e.is_resource_in_use_exception()) =>
        {
            Ok(false)
        }
        Err(err) => Err(sdk_error("CreateTable", err)),
    }
}

async fn add_index(client: &Client, table: &str, index: &Index) -> Result<(), StoreError> {
    let create = CreateGlobalSecondaryIndexAction::builder()
        .index_name(index.name)
        .set_key_schema(Some(index_keys(index)?))
        .projection(projection(index))
        .build()
        .map_err(build_error)?;
    client
        .update_table()
        .table_name(table)
        .set_attribute_definitions(Some(attribute_definitions(std::slice::from_ref(index))?))
        .global_secondary_index_updates(
            GlobalSecondaryIndexUpdate::builder().create(create).build(),
        )
        .send()
        .await
        .map_err(|err| sdk_error("UpdateTable", err))?;
    Ok(())
}

/// The indexes the table lacks; an index present under our name with another key is an error,
/// since queries would silently return the wrong things.
fn missing_indexes(table: &TableDescription) -> Result<Vec<&'static Index>, StoreError> {
    let mut missing = Vec::new();
    for index in INDEXES {
        let found = table
            .global_secondary_indexes()
            .iter()
            .find(|g| g.index_name() == Some(index.name));
        match found {
            None => missing.push(index),
            Some(found) if found.key_schema() != index_keys(index)?.as_slice() => {
                return Err(StoreError::Other(format!(
                    "index {} exists with another key schema; expected {:?}",
                    index.name, index
                )));
            }
            Some(_) => {}
        }
    }
    Ok(missing)
}

async fn wait_active(client: &Client, table: &str) -> Result<TableDescription, StoreError> {
    let started = Instant::now();
    loop {
        if let Some(description) = describe(client, table).await?
            && is_active(&description)
        {
            return Ok(description);
        }
        if started.elapsed() > ACTIVE_TIMEOUT {
            return Err(StoreError::Other(format!(
                "table {table} not ACTIVE after {ACTIVE_TIMEOUT:?}"
            )));
        }
        tokio::time::sleep(POLL_EVERY).await;
    }
}

fn is_active(table: &TableDescription) -> bool {
    table.table_status() == Some(&TableStatus::Active)
        && table.global_secondary_indexes().iter().all(|index| {
            index
                .index_status()
                .is_none_or(|status| *status == IndexStatus::Active)
        })
}

/// Definitions of the table key and of every key attribute of `indexes`, each once.
fn attribute_definitions(indexes: &[Index]) -> Result<Vec<AttributeDefinition>, StoreError> {
    let mut attrs = vec![TABLE_KEY];
    for key in indexes
        .iter()
        .flat_map(|index| std::iter::once(index.hash).chain(index.range))
    {
        if !attrs.contains(&key) {
            attrs.push(key);
        }
    }
    attrs
        .into_iter()
        .map(|attr| {
            AttributeDefinition::builder()
                .attribute_name(attr.name)
                .attribute_type(ScalarAttributeType::from(attr.kind))
                .build()
                .map_err(build_error)
        })
        .collect()
}

fn global_index(index: &Index) -> Result<GlobalSecondaryIndex, StoreError> {
    GlobalSecondaryIndex::builder()
        .index_name(index.name)
        .set_key_schema(Some(index_keys(index)?))
        .projection(projection(index))
        .build()
        .map_err(build_error)
}

fn index_keys(index: &Index) -> Result<Vec<KeySchemaElement>, StoreError> {
    let mut keys = vec![key_element(index.hash.name, KeyType::Hash)?];
    if let Some(range) = index.range {
        keys.push(key_element(range.name, KeyType::Range)?);
    }
    Ok(keys)
}

fn key_element(name: &str, kind: KeyType) -> Result<KeySchemaElement, StoreError> {
    KeySchemaElement::builder()
        .attribute_name(name)
        .key_type(kind)
        .build()
        .map_err(build_error)
}

fn projection(index: &Index) -> Projection {
    Projection::builder()
        .projection_type(ProjectionType::from(index.projection))
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_attribute_is_defined_once_with_one_type() {
        let defs = attribute_definitions(INDEXES).expect("definitions build");
        let mut names: Vec<_> = defs.iter().map(|d| d.attribute_name()).collect();
        names.sort_unstable();
        let count = names.len();
        names.dedup();
        assert_eq!(
            names.len(),
            count,
            "an attribute is defined twice (with two types?)"
        );
        assert_eq!(count, 14);
    }
}
