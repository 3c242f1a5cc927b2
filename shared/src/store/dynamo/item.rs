//! How a record, its nopol guard and the counts are laid out as DynamoDB items.

use std::collections::HashMap;
use std::str::FromStr;

use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, FixedOffset, NaiveDate, Utc};

use crate::manual::{Counts, ManualRecord};
use crate::store::StoreError;

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
pub(super) const DATE_FORMAT: &str = "%Y-%m-%d";

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

/// The record as stored: its fields, plus the attributes the indexes are built on.
pub fn record_item(record: &ManualRecord) -> Item {
    let mut item = key(&record.id);
    let mut put = |name: &str, value: AttributeValue| {
        item.insert(name.to_string(), value);
    };
    put("kind", s(RECORD_KIND));
    put("customer_name", s(&record.customer_name));
    put("nopol", s(&record.nopol));
    put("no_hp", s(&record.no_hp));
    put("is_active", n(record.is_active));
    put("reminder_sent_count", n(record.reminder_sent_count));
    put("created_at", s(record.created_at.to_rfc3339()));
    put("updated_at", s(record.updated_at.to_rfc3339()));
    put("version", n(record.version));
    put("nopol_key", s(record.nopol_key()));
    put("list_key", s(record.list_key()));
    if let Some(date) = record.last_service {
        put("last_service", s(date.format(DATE_FORMAT).to_string()));
    }
    if let Some(date) = record.next_service {
        put("next_service", s(date.format(DATE_FORMAT).to_string()));
    }
    if let Some(sent) = record.last_reminder_sent {
        put("last_reminder_sent", s(sent.to_rfc3339()));
        put("last_reminder_epoch", n(epoch(sent.with_timezone(&Utc))));
    }
    if let Some(notes) = &record.notes {
        put("notes", s(notes));
    }
    // Sparse: only records with a service date enter `due-index`, split by activity so that the
    // daily run reads just the ones it may remind.
    if let Some(due) = due_of(record) {
        put("due", s(due));
    }
    item
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

/// Reads a record item back; anything missing or malformed is an error, never a panic.
pub fn record_from(item: &Item) -> Result<ManualRecord, StoreError> {
    let id = text(item, PK)?;
    let bad = |what: &str| StoreError::Other(format!("malformed record {id}: {what}"));
    Ok(ManualRecord {
        id: id.to_string(),
        customer_name: text(item, "customer_name")?.to_string(),
        nopol: text(item, "nopol")?.to_string(),
        no_hp: text(item, "no_hp")?.to_string(),
        last_service: opt_date(item, "last_service").map_err(|_| bad("last_service"))?,
        next_service: opt_date(item, "next_service").map_err(|_| bad("next_service"))?,
        is_active: number(item, "is_active")?,
        reminder_sent_count: number(item, "reminder_sent_count")?,
        last_reminder_sent: opt_time(item, "last_reminder_sent")
            .map_err(|_| bad("last_reminder_sent"))?,
        notes: optional(item, "notes")?.map(str::to_string),
        created_at: time(text(item, "created_at")?).map_err(|_| bad("created_at"))?,
        updated_at: time(text(item, "updated_at")?).map_err(|_| bad("updated_at"))?,
        version: number(item, "version")?,
    })
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
    let field = |name: &str| -> Result<u64, StoreError> {
        match optional_number::<i64>(item, name)? {
            // ADD keeps the figures in step, so a negative one is only possible after a manual
            // edit; showing zero beats failing every summary.
            Some(value) => Ok(u64::try_from(value).unwrap_or(0)),
            None => Ok(0),
        }
    };
    Ok(Counts {
        total: field("total")?,
        active: field("active")?,
        reminders_sent: field("reminders_sent")?,
    })
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

pub(super) fn text<'a>(item: &'a Item, name: &str) -> Result<&'a str, StoreError> {
    optional(item, name)?.ok_or_else(|| malformed(item, name))
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

pub(super) fn opt_date(item: &Item, name: &str) -> Result<Option<NaiveDate>, StoreError> {
    optional(item, name)?
        .map(|value| NaiveDate::parse_from_str(value, DATE_FORMAT))
        .transpose()
        .map_err(|_| malformed(item, name))
}

pub(super) fn opt_time(
    item: &Item,
    name: &str,
) -> Result<Option<DateTime<FixedOffset>>, StoreError> {
    optional(item, name)?.map(time).transpose()
}

pub(super) fn time(value: &str) -> Result<DateTime<FixedOffset>, StoreError> {
    DateTime::parse_from_rfc3339(value)
        .map_err(|_| StoreError::Other(format!("malformed timestamp {value:?}")))
}

pub(super) fn malformed(item: &Item, name: &str) -> StoreError {
    let id = match item.get(PK) {
        Some(AttributeValue::S(id)) => id.as_str(),
        _ => "?",
    };
    StoreError::Other(format!(
        "malformed item {id}: attribute {name} missing or of the wrong type"
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
    use chrono::TimeZone;

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

    #[test]
    fn a_record_survives_the_round_trip() {
        let record = sample();
        let item = record_item(&record);
        assert_eq!(record_from(&item).ok(), Some(record));
        assert!(matches!(item.get("due"), Some(AttributeValue::S(v)) if v == DUE_ACTIVE));
        assert!(
            matches!(item.get("last_reminder_epoch"), Some(AttributeValue::N(v)) if v == "1767411000")
        );
    }

    #[test]
    fn due_follows_activity_and_is_absent_without_next_service() {
        let due = |record: &ManualRecord| match record_item(record).get("due") {
            Some(AttributeValue::S(value)) => Some(value.clone()),
            _ => None,
        };
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
        let mut item = record_item(&sample());
        item.insert("version".into(), s("three"));
        assert!(matches!(record_from(&item), Err(StoreError::Other(_))));
        item.remove("version");
        assert!(matches!(record_from(&item), Err(StoreError::Other(_))));
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
