//! How the models become DynamoDB items and back: their serde form (serde_dynamo), plus the
//! attributes that are the adapter's own, written explicitly: the key `pk`, the `version`
//! writes are conditioned on, and what the indexes and guards are built on. Also the record's
//! layout, its nopol guard and the counts.

use std::collections::HashMap;
use std::str::FromStr;

use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_dynamo::aws_sdk_dynamodb_1::{from_item, to_attribute_value, to_item};

use crate::manual::{Counts, ManualRecord};
use crate::store_error::StoreError;

pub type Item = HashMap<String, AttributeValue>;

/// Partition key of every item.
pub const PK: &str = "pk";
/// `kind` of record items: the hash key of the indexes that span every record.
pub const RECORD_KIND: &str = "rec";
/// The single item holding the counts.
pub const COUNTS_PK: &str = "meta#counts";
/// `due` of an active record with a `next_service`: the `due-index` partition the daily run and
/// the upcoming count read.
pub const DUE_ACTIVE: &str = "active";
/// `due` of an inactive record with a `next_service`, read only when a run includes inactive
/// records. Records without `next_service` carry no `due` and stay out of the index.
pub const DUE_INACTIVE: &str = "inactive";
const GUARD_PREFIX: &str = "nopol#";

/// `value`'s serde form as item attributes, its `None` fields left out: DynamoDB refuses a
/// NULL where an index expects a key (`last_visit`), and an absent field reads back as `None`.
pub fn attributes<T: Serialize>(value: &T) -> Result<Item, StoreError> {
    let mut item: Item =
        to_item(value).map_err(|err| StoreError::Other(format!("an item from a model: {err}")))?;
    item.retain(|_, value| !matches!(value, AttributeValue::Null(_)));
    Ok(item)
}

/// A model read back from its item; the adapter's own attributes are ignored, and anything
/// missing or malformed is an error, never a panic.
pub fn model<T: DeserializeOwned>(item: Item) -> Result<T, StoreError> {
    let pk = pk_of(&item).to_string();
    from_item(item).map_err(|err| StoreError::Other(format!("malformed item {pk}: {err}")))
}

/// A model that carries the version its writes are conditioned on, kept beside its serde
/// form (which leaves it out: the API does not show it).
pub trait Versioned: DeserializeOwned {
    fn with_version(self, version: u64) -> Self;
}

/// A versioned model read back from its item, with the item's `version`.
pub fn versioned<T: Versioned>(item: Item) -> Result<T, StoreError> {
    let version = number(&item, "version")?;
    Ok(model::<T>(item)?.with_version(version))
}

impl Versioned for ManualRecord {
    fn with_version(self, version: u64) -> Self {
        ManualRecord { version, ..self }
    }
}

/// One field's value in its serde form (an instant as RFC 3339 text, a status by its name), for
/// expressions that set or compare a model's attribute as the items hold it.
pub fn value<T: Serialize>(value: &T) -> Result<AttributeValue, StoreError> {
    to_attribute_value(value).map_err(|err| StoreError::Other(format!("a value of a model: {err}")))
}

pub fn s(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

pub fn n(value: impl ToString) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

/// The key of an item, from its `pk`.
pub fn key(pk: impl Into<String>) -> Item {
    HashMap::from([(PK.to_string(), s(pk))])
}

/// The `pk` of the guard item that reserves a nopol for one record.
pub fn guard_pk(nopol_key: &str) -> String {
    format!("{GUARD_PREFIX}{nopol_key}")
}

pub fn guard_item(nopol_key: &str, record_id: &str) -> Item {
    let mut item = key(guard_pk(nopol_key));
    item.insert("record_id".into(), s(record_id));
    item
}

/// The record as stored (its `pk` is its id): its fields, its version, and the attributes the
/// indexes are built on. Exactly the item the adapter writes for it, for bulk loading (e.g.
/// BatchWriteItem) too, where it goes without its nopol guard and the counts.
pub fn record_item(record: &ManualRecord) -> Result<Item, StoreError> {
    let mut item = attributes(record)?;
    item.extend(key(&record.id));
    item.insert("kind".into(), s(RECORD_KIND));
    item.insert("version".into(), n(record.version));
    item.insert("nopol_key".into(), s(record.nopol_key()));
    item.insert("list_key".into(), s(record.list_key()));
    if let Some(sent) = record.last_reminder_sent {
        item.insert(
            "last_reminder_epoch".into(),
            n(epoch(sent.with_timezone(&Utc))),
        );
    }
    // Sparse: only records with a service date enter `due-index`, split by activity so that the
    // daily run reads just the ones it may remind.
    if let Some(due) = due_of(record) {
        item.insert("due".into(), s(due));
    }
    Ok(item)
}

/// The `due` partition of a record, or `None` when it has no `next_service`.
pub fn due_of(record: &ManualRecord) -> Option<&'static str> {
    record.next_service?;
    Some(if record.is_active() {
        DUE_ACTIVE
    } else {
        DUE_INACTIVE
    })
}

/// Reads a record item back (one written before records carried `id` takes it from `pk`).
pub fn record_from(mut item: Item) -> Result<ManualRecord, StoreError> {
    if !item.contains_key("id") {
        item.insert("id".into(), s(pk_of(&item)));
    }
    versioned(item)
}

/// Whether an item read by `pk` is a record (and not a guard or the counts).
pub fn is_record(item: &Item) -> bool {
    matches!(item.get("kind"), Some(AttributeValue::S(kind)) if kind == RECORD_KIND)
}

/// The counts item read back; a missing item or attribute counts as zero.
pub fn counts_from(item: Option<&Item>) -> Result<Counts, StoreError> {
    let Some(item) = item else {
        return Ok(Counts::default());
    };
    Ok(Counts {
        total: count(item, "total")?,
        active: count(item, "active")?,
        reminders_sent: count(item, "reminders_sent")?,
    })
}

/// A figure kept with `ADD`: absent is zero, and so is a negative one, only possible after a
/// manual edit (showing zero beats failing every summary).
pub fn count(item: &Item, name: &str) -> Result<u64, StoreError> {
    Ok(optional_number::<i64>(item, name)?.map_or(0, |v| u64::try_from(v).unwrap_or(0)))
}

/// Unix seconds as a DynamoDB number, keeping any fraction so that `>=` compares exactly
/// as the instants do.
pub fn epoch(at: DateTime<Utc>) -> String {
    let (secs, nanos) = (at.timestamp(), at.timestamp_subsec_nanos());
    // Before 1970 the fraction would need a borrow; no reminder was sent then.
    if nanos == 0 || secs < 0 {
        return secs.to_string();
    }
    let fraction = format!("{nanos:09}");
    format!("{secs}.{}", fraction.trim_end_matches('0'))
}

pub(super) fn optional<'a>(item: &'a Item, name: &str) -> Result<Option<&'a str>, StoreError> {
    match item.get(name) {
        None | Some(AttributeValue::Null(_)) => Ok(None),
        Some(AttributeValue::S(value)) => Ok(Some(value)),
        Some(_) => Err(malformed(item, name)),
    }
}

pub(super) fn optional_number<T: FromStr>(
    item: &Item,
    name: &str,
) -> Result<Option<T>, StoreError> {
    match item.get(name) {
        None => Ok(None),
        Some(AttributeValue::N(value)) => {
            value.parse().map(Some).map_err(|_| malformed(item, name))
        }
        Some(_) => Err(malformed(item, name)),
    }
}

pub(super) fn number<T: FromStr>(item: &Item, name: &str) -> Result<T, StoreError> {
    optional_number(item, name)?.ok_or_else(|| malformed(item, name))
}

fn pk_of(item: &Item) -> &str {
    match item.get(PK) {
        Some(AttributeValue::S(pk)) => pk,
        _ => "?",
    }
}

pub(super) fn malformed(item: &Item, name: &str) -> StoreError {
    StoreError::Other(format!(
        "malformed item {}: attribute {name} missing or of the wrong type",
        pk_of(item)
    ))
}

/// The expression attribute names of `expressions`: each `#name` stands for attribute `name`.
pub fn names_in(expressions: &[&str]) -> Option<HashMap<String, String>> {
    let names: HashMap<String, String> = expressions
        .iter()
        .flat_map(|e| e.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '#')))
        .filter_map(|word| Some((word.to_string(), word.strip_prefix('#')?.to_string())))
        .collect();
    Some(names).filter(|names| !names.is_empty())
}

/// Expression attribute values.
pub fn values<const N: usize>(
    pairs: [(&str, AttributeValue); N],
) -> HashMap<String, AttributeValue> {
    pairs
        .into_iter()
        .map(|(name, value)| (name.to_string(), value))
        .collect()
}

#[cfg(test)]
mod tests {
    use chrono::{FixedOffset, NaiveDate, TimeZone};

    use super::*;

    fn sample() -> ManualRecord {
        let at = FixedOffset::east_opt(7 * 3600)
            .and_then(|tz| tz.with_ymd_and_hms(2026, 1, 3, 10, 30, 0).single())
            .expect("valid instant");
        ManualRecord {
            id: "6f1c".into(),
            customer_name: "Budi".into(),
            nopol: "B 1234 XYZ".into(),
            no_hp: "628123456789".into(),
            last_service: NaiveDate::from_ymd_opt(2025, 12, 1),
            next_service: NaiveDate::from_ymd_opt(2026, 3, 1),
            is_active: 1,
            reminder_sent_count: 2,
            last_reminder_sent: Some(at),
            notes: Some("oli".into()),
            created_at: at,
            updated_at: at,
            version: 3,
        }
    }

    fn text(item: &Item, name: &str) -> Option<String> {
        match item.get(name) {
            Some(AttributeValue::S(value)) => Some(value.clone()),
            _ => None,
        }
    }

    #[test]
    fn a_record_survives_the_round_trip_with_its_own_attributes() {
        let record = sample();
        let item = record_item(&record).expect("item");
        assert_eq!(record_from(item.clone()).ok(), Some(record));
        assert_eq!(text(&item, PK).as_deref(), Some("6f1c"));
        assert_eq!(text(&item, "kind").as_deref(), Some(RECORD_KIND));
        assert_eq!(text(&item, "nopol_key").as_deref(), Some("B1234XYZ"));
        assert_eq!(text(&item, "due").as_deref(), Some(DUE_ACTIVE));
        assert_eq!(text(&item, "next_service").as_deref(), Some("2026-03-01"));
        assert_eq!(item.get("version"), Some(&n(3)));
        assert_eq!(item.get("is_active"), Some(&n(1)));
        assert_eq!(item.get("last_reminder_epoch"), Some(&n("1767411000")));
    }

    #[test]
    fn absent_fields_are_left_out_and_read_back_as_none() {
        let record = ManualRecord {
            last_service: None,
            next_service: None,
            last_reminder_sent: None,
            notes: None,
            ..sample()
        };
        let item = record_item(&record).expect("item");
        for absent in [
            "last_service",
            "next_service",
            "last_reminder_sent",
            "last_reminder_epoch",
            "notes",
            "due",
        ] {
            assert!(!item.contains_key(absent), "{absent}");
        }
        assert_eq!(record_from(item).ok(), Some(record));
    }

    #[test]
    fn a_record_written_without_id_takes_it_from_its_key() {
        let mut item = record_item(&sample()).expect("item");
        item.remove("id");
        assert_eq!(
            record_from(item).map(|r| r.id).ok().as_deref(),
            Some("6f1c")
        );
    }

    #[test]
    fn due_follows_activity_and_is_absent_without_next_service() {
        let due = |record: &ManualRecord| text(&record_item(record).expect("item"), "due");
        let mut record = sample();
        assert_eq!(due(&record).as_deref(), Some(DUE_ACTIVE));
        record.is_active = 0;
        assert_eq!(due(&record).as_deref(), Some(DUE_INACTIVE));
        record.next_service = None;
        assert_eq!(due(&record), None);
        record.is_active = 1;
        assert_eq!(due(&record), None);
    }

    #[test]
    fn a_malformed_item_is_an_error() {
        let mut item = record_item(&sample()).expect("item");
        item.insert("version".into(), s("three"));
        assert!(matches!(
            record_from(item.clone()),
            Err(StoreError::Other(_))
        ));
        item.insert("version".into(), n(3));
        item.insert("created_at".into(), s("yesterday"));
        assert!(matches!(
            record_from(item.clone()),
            Err(StoreError::Other(_))
        ));
        item.remove("created_at");
        assert!(matches!(record_from(item), Err(StoreError::Other(_))));
    }

    #[test]
    fn a_value_is_the_field_as_items_hold_it() {
        let record = sample();
        let item = record_item(&record).expect("item");
        assert_eq!(
            value(&record.created_at).ok().as_ref(),
            item.get("created_at")
        );
        let utc = record
            .created_at
            .with_timezone(&FixedOffset::east_opt(0).expect("utc"));
        assert_eq!(value(&utc).ok(), Some(s("2026-01-03T03:30:00Z")));
        let status = crate::messages::Status::Sent;
        assert_eq!(value(&status).ok(), Some(s("sent")));
    }

    #[test]
    fn epoch_keeps_fractions() {
        let at = Utc
            .timestamp_opt(1_700_000_000, 250_000_000)
            .single()
            .expect("valid");
        assert_eq!(epoch(at), "1700000000.25");
    }
}
