//! The bodies of create, bulk import and update, validated field by field.

use chrono::{DateTime, FixedOffset, NaiveDate};
use serde_json::{Value, json};

use super::ManualRecord;
use crate::body::{Fields, Slot};
use crate::error::ApiError;
use crate::extract::{FromBody, FromQuery};
use crate::import::{Origin, Refusal};
use crate::manual::store::ListQuery;
use crate::nopol::Nopol;
use crate::query::{Params, is_position_key};
use crate::validation::FieldError;

/// A valid create request (`ManualWhatsAppCreate`).
#[derive(Debug, Clone, PartialEq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"customer_name": "Bapak Joko", "nopol": "B 1234 XYZ",
    "no_hp": "08123456789", "last_service": "2025-10-15", "next_service": "2026-01-15",
    "notes": "Customer VIP"}))]
pub struct NewRecord {
    /// 1-255 characters, trimmed.
    #[schema(schema_with = name_schema)]
    pub customer_name: String,
    pub nopol: Nopol,
    /// Normalised to `628…`.
    #[schema(schema_with = crate::phone::schema)]
    pub no_hp: String,
    pub last_service: Option<NaiveDate>,
    /// Not before `last_service`.
    pub next_service: Option<NaiveDate>,
    /// At most 500 characters; blank means none.
    #[schema(schema_with = notes_schema)]
    pub notes: Option<String>,
}

/// A valid partial update (`ManualWhatsAppUpdate`): absent fields stay, `null` clears
/// `last_service`, `next_service` and `notes`.
#[derive(Debug, Clone, PartialEq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"next_service": "2026-04-15", "notes": "Ganti oli"}))]
pub struct RecordPatch {
    #[schema(schema_with = name_schema, required = false)]
    customer_name: Slot<String>,
    #[schema(value_type = Nopol, required = false)]
    nopol: Slot<Nopol>,
    #[schema(schema_with = crate::phone::schema, required = false)]
    no_hp: Slot<String>,
    #[schema(value_type = Option<NaiveDate>)]
    last_service: Slot<NaiveDate>,
    #[schema(value_type = Option<NaiveDate>)]
    next_service: Slot<NaiveDate>,
    /// 1 active, 0 inactive.
    #[schema(value_type = u8, required = false, minimum = 0, maximum = 1)]
    is_active: Slot<u8>,
    #[schema(schema_with = notes_schema, required = false)]
    notes: Slot<String>,
}

impl FromBody for NewRecord {
    type Shape = NewRecord;

    fn from_body(body: Value) -> Result<Self, ApiError> {
        NewRecord::parse(body, vec![json!("body")]).map_err(ApiError::Invalid)
    }
}

impl FromBody for RecordPatch {
    type Shape = RecordPatch;

    fn from_body(body: Value) -> Result<Self, ApiError> {
        RecordPatch::parse(body).map_err(ApiError::Invalid)
    }
}

/// One row of a records import, parsed: where it came from, what it named itself, and the
/// record it asks for or why it cannot be one.
#[derive(Debug)]
pub struct ImportRow {
    pub origin: Origin,
    pub customer_name: Value,
    pub nopol: Value,
    pub parsed: Result<NewRecord, Refusal>,
}

/// The body of `POST /manual-whatsapp/bulk-import`: a JSON array of create bodies, each
/// validated on its own.
impl FromBody for Vec<ImportRow> {
    type Shape = crate::import::Batch<NewRecord>;

    fn from_body(body: Value) -> Result<Self, ApiError> {
        let rows = crate::import::json_rows(body, NewRecord::parse)?;
        let rows = rows.into_iter().map(|(origin, row, parsed)| ImportRow {
            origin,
            customer_name: row["customer_name"].clone(),
            nopol: row["nopol"].clone(),
            parsed,
        });
        Ok(rows.collect())
    }
}

/// Records per list page, by default and at most: well inside Lambda's 6 MB response limit.
pub const MAX_PAGE: usize = 1000;

/// `?active_only=&limit=&cursor=`.
impl FromQuery for ListQuery {
    fn from_query(raw: &std::collections::HashMap<String, String>) -> Result<Self, ApiError> {
        let mut p = Params::new(raw);
        let query = ListQuery {
            active_only: p.flag("active_only", false),
            limit: p.limit(MAX_PAGE, MAX_PAGE),
            after: p.cursor(is_position_key),
        };
        p.finish().map(|()| query).map_err(ApiError::Invalid)
    }
}

/// A customer's name: 1-255 characters, trimmed.
pub fn name_schema() -> utoipa::openapi::schema::Object {
    crate::body::text_schema(crate::text::Lines::One, 1, 255)
}

fn customer_name(f: &mut Fields) -> Slot<String> {
    f.text("customer_name", 1, 255)
}

/// Longest notes, in characters.
const MAX_NOTES: usize = 500;

/// Notes: at most 500 characters over any number of lines, or null.
fn notes_schema() -> utoipa::openapi::schema::Object {
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    ObjectBuilder::new()
        .schema_type(
            [Type::String, Type::Null]
                .into_iter()
                .collect::<utoipa::openapi::schema::SchemaType>(),
        )
        .max_length(Some(MAX_NOTES))
        .pattern(Some(crate::text::pattern(crate::text::Lines::Many, true)))
        .build()
}

/// Notes of at most 500 characters; blank notes are no notes.
fn notes(f: &mut Fields) -> Slot<String> {
    match f.lines("notes", 0, MAX_NOTES) {
        Slot::Given(text) if text.is_empty() => Slot::Null,
        other => other,
    }
}

/// `next_service` may not come before `last_service`.
fn check_service_order(
    last: Option<NaiveDate>,
    next: Option<NaiveDate>,
    loc: &[Value],
) -> Option<FieldError> {
    match (last, next) {
        (Some(last), Some(next)) if next < last => {
            let mut loc = loc.to_vec();
            loc.push(json!("next_service"));
            Some(
                FieldError::new(
                    loc,
                    "value_error",
                    format!("next_service ({next}) tidak boleh sebelum last_service ({last})"),
                )
                .with_input(json!(next.to_string())),
            )
        }
        _ => None,
    }
}

impl NewRecord {
    /// Validates one create body located at `loc` (`["body"]`, or `["body", i]` in a batch).
    pub fn parse(value: Value, loc: Vec<Value>) -> Result<Self, Vec<FieldError>> {
        let mut f = Fields::new(value, loc.clone())?;
        let name = customer_name(&mut f);
        let name = f.required("customer_name", name);
        let plate = f.nopol();
        let plate = f.required("nopol", plate);
        let phone = f.no_hp();
        let phone = f.required("no_hp", phone);
        let last_service = f.date("last_service").given();
        let next_service = f.date("next_service").given();
        let notes = notes(&mut f).given();
        let order = check_service_order(last_service, next_service, &loc);
        let outcome = f.finish();
        match (outcome, order, name, plate, phone) {
            (Ok(()), None, Some(customer_name), Some(nopol), Some(no_hp)) => Ok(NewRecord {
                customer_name,
                nopol,
                no_hp,
                last_service,
                next_service,
                notes,
            }),
            (outcome, order, ..) => Err(outcome
                .err()
                .unwrap_or_default()
                .into_iter()
                .chain(order)
                .collect()),
        }
    }

    /// The record this request creates: active, never reminded, stamped `now`.
    pub fn into_record(self, id: String, now: DateTime<FixedOffset>) -> ManualRecord {
        ManualRecord {
            id,
            customer_name: self.customer_name,
            nopol: self.nopol.to_string(),
            no_hp: self.no_hp,
            last_service: self.last_service,
            next_service: self.next_service,
            is_active: 1,
            reminder_sent_count: 0,
            last_reminder_sent: None,
            notes: self.notes,
            created_at: now,
            updated_at: now,
            version: 1,
        }
    }
}

impl RecordPatch {
    pub fn parse(value: Value) -> Result<Self, Vec<FieldError>> {
        let mut f = Fields::new(value, vec![json!("body")])?;
        let patch = RecordPatch {
            customer_name: customer_name(&mut f),
            nopol: f.nopol(),
            no_hp: f.no_hp(),
            last_service: f.date("last_service"),
            next_service: f.date("next_service"),
            is_active: f.flag("is_active"),
            notes: notes(&mut f),
        };
        for (name, null) in [
            ("customer_name", patch.customer_name == Slot::Null),
            ("nopol", patch.nopol == Slot::Null),
            ("no_hp", patch.no_hp == Slot::Null),
            ("is_active", patch.is_active == Slot::Null),
        ] {
            if null {
                f.reject(name, "missing", "Field ini tidak boleh null", Value::Null);
            }
        }
        f.finish().map(|()| patch)
    }

    /// The record after this update, stamped `now`, or why the result would be invalid.
    pub fn apply(
        &self,
        current: &ManualRecord,
        now: DateTime<FixedOffset>,
    ) -> Result<ManualRecord, Vec<FieldError>> {
        let mut next = current.revise(now);
        self.customer_name.replace(&mut next.customer_name);
        if let Slot::Given(plate) = &self.nopol {
            next.nopol = plate.to_string();
        }
        self.no_hp.replace(&mut next.no_hp);
        self.is_active.replace(&mut next.is_active);
        self.last_service.update(&mut next.last_service);
        self.next_service.update(&mut next.next_service);
        self.notes.update(&mut next.notes);
        if let Some(error) =
            check_service_order(next.last_service, next.next_service, &[json!("body")])
        {
            return Err(vec![error]);
        }
        Ok(next)
    }
}
