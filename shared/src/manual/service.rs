//! What each endpoint does, apart from HTTP: validation, the store calls, the answer.

use std::collections::{HashMap, HashSet};

use chrono::{Datelike, Days, NaiveDate, TimeZone, Utc};
use serde::Serialize;
use serde_json::{Value, json};
use uuid::Uuid;

use super::{ManualRecord, NewRecord, RecordPatch};
use crate::App;
use crate::error::{ApiError, FieldError};
use crate::import::ImportReport;
use crate::nopol::Nopol;
use crate::query::{Params, encode_cursor, is_position_key};
use crate::store::{ListQuery, StoreError};

/// Records per list page, by default and at most: well inside Lambda's 6 MB response limit.
pub const MAX_PAGE: usize = 1000;
/// Days, today included, in which a next service counts as upcoming.
pub const UPCOMING_DAYS: u64 = 7;
/// Reads and writes of a record retried when another request changed it in between.
const WRITE_ATTEMPTS: usize = 5;

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::NopolTaken(key) => {
                ApiError::Conflict(format!("Nopol {key} sudah terdaftar"))
            }
            StoreError::Stale => {
                ApiError::Conflict("Data sedang diubah oleh permintaan lain, coba lagi".into())
            }
            StoreError::Unavailable(e) => ApiError::Unavailable(e),
            StoreError::Other(e) => ApiError::Internal(e),
        }
    }
}

fn nopol_taken(nopol: &str) -> ApiError {
    ApiError::Conflict(format!("Nopol {nopol} sudah terdaftar"))
}

fn record_not_found() -> ApiError {
    ApiError::NotFound("Data manual WhatsApp tidak ditemukan".into())
}

pub async fn create(app: &App, body: Value) -> Result<ManualRecord, ApiError> {
    let new = NewRecord::parse(body, vec![json!("body")]).map_err(ApiError::Invalid)?;
    let record = new.into_record(Uuid::new_v4().to_string(), app.now());
    match app.manual.insert(&record).await {
        Ok(()) => Ok(record),
        Err(StoreError::NopolTaken(_)) => Err(nopol_taken(&record.nopol)),
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Serialize)]
pub struct ImportFailure {
    /// 0-based position of the row in the request.
    pub index: usize,
    pub customer_name: Value,
    pub nopol: Value,
    pub error: String,
}

impl ImportFailure {
    /// A row that did not validate, named by what it said.
    fn of_row(index: usize, row: &Value, error: String) -> Self {
        ImportFailure {
            index,
            customer_name: row["customer_name"].clone(),
            nopol: row["nopol"].clone(),
            error,
        }
    }

    /// A valid row that could not be stored, named in normalised form.
    fn of_valid(index: usize, customer_name: &str, nopol: &str, error: String) -> Self {
        ImportFailure {
            index,
            customer_name: json!(customer_name),
            nopol: json!(nopol),
            error,
        }
    }
}

/// Imports each row on its own: a failing row never stops the others.
pub async fn bulk_import(app: &App, body: Value) -> Result<ImportReport<ImportFailure>, ApiError> {
    let rows = crate::import::rows(body)?;
    let total = rows.len();
    let now = app.now();
    let mut failures = Vec::new();
    let mut accepted: Vec<(usize, ManualRecord)> = Vec::new();
    let mut seen = HashSet::new();
    for (index, row) in rows.into_iter().enumerate() {
        match NewRecord::parse(row.clone(), vec![json!("body"), json!(index)]) {
            Err(errors) => failures.push(ImportFailure::of_row(index, &row, describe(&errors))),
            Ok(new) if !seen.insert(new.nopol.compact()) => failures.push(ImportFailure::of_valid(
                index,
                &new.customer_name,
                &new.nopol.to_string(),
                format!(
                    "Nopol {} muncul lebih dari sekali dalam import ini",
                    new.nopol
                ),
            )),
            Ok(new) => accepted.push((index, new.into_record(Uuid::new_v4().to_string(), now))),
        }
    }
    let (indexes, records): (Vec<usize>, Vec<ManualRecord>) = accepted.into_iter().unzip();
    let outcomes = app.manual.insert_many(&records).await?;
    for ((index, record), outcome) in indexes.into_iter().zip(&records).zip(outcomes) {
        if let Err(error) = outcome {
            let reason = match error {
                StoreError::NopolTaken(_) => format!("Nopol {} sudah terdaftar", record.nopol),
                other => ApiError::from(other).to_string(),
            };
            failures.push(ImportFailure::of_valid(
                index,
                &record.customer_name,
                &record.nopol,
                reason,
            ));
        }
    }
    Ok(ImportReport::new(total, failures, |f| f.index))
}

/// One line naming each problem of a row: `no_hp: Nomor HP tidak valid …`.
pub(crate) fn describe(errors: &[FieldError]) -> String {
    errors
        .iter()
        .map(|e| match e.loc.last() {
            Some(Value::String(field)) => format!("{field}: {}", e.msg),
            _ => e.msg.clone(),
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// The answer of the records list.
#[derive(Debug, Serialize)]
pub struct RecordList {
    pub total: u64,
    pub active: u64,
    pub inactive: u64,
    pub data: Vec<ManualRecord>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// Lists records newest first. Query: `active_only`, `limit` (1-1000, default 1000), `cursor`.
pub async fn list(app: &App, params: &HashMap<String, String>) -> Result<RecordList, ApiError> {
    let query = list_query(params).map_err(ApiError::Invalid)?;
    let counts = app.manual.counts().await?;
    let page = app.manual.list(&query).await?;
    Ok(RecordList {
        total: counts.total,
        active: counts.active,
        inactive: counts.inactive(),
        data: page.items,
        next_cursor: page.next_after.as_deref().map(encode_cursor),
    })
}

fn list_query(params: &HashMap<String, String>) -> Result<ListQuery, Vec<FieldError>> {
    let mut p = Params::new(params);
    let query = ListQuery {
        active_only: p.flag("active_only", false),
        limit: p.limit(MAX_PAGE, MAX_PAGE),
        after: p.cursor(is_position_key),
    };
    p.finish().map(|()| query)
}

/// The record `id`; ids that are not UUIDs cannot exist.
pub async fn get(app: &App, id: &str) -> Result<ManualRecord, ApiError> {
    if Uuid::parse_str(id).is_err() {
        return Err(record_not_found());
    }
    app.manual.get(id).await?.ok_or_else(record_not_found)
}

/// The record of a plate, in any spelling.
pub async fn get_by_nopol(app: &App, nopol: &str) -> Result<ManualRecord, ApiError> {
    let plate = Nopol::parse(nopol).ok_or_else(|| {
        ApiError::invalid(
            FieldError::new(
                vec![json!("path"), json!("nopol")],
                "value_error",
                "Nopol tidak valid, misalnya B 1234 XYZ",
            )
            .with_input(json!(nopol)),
        )
    })?;
    app.manual
        .find_by_nopol(&plate.compact())
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("Nopol {plate} tidak ditemukan")))
}

/// Reads record `id`, changes it with `change`, and writes it back unless another request
/// changed it in between, in which case it starts again from a fresh read.
async fn modify(
    app: &App,
    id: &str,
    change: impl Fn(&ManualRecord) -> Result<ManualRecord, ApiError>,
) -> Result<ManualRecord, ApiError> {
    for _ in 0..WRITE_ATTEMPTS {
        let current = get(app, id).await?;
        let next = change(&current)?;
        match app.manual.replace(&current, &next).await {
            Ok(()) => return Ok(next),
            Err(StoreError::Stale) => continue,
            Err(StoreError::NopolTaken(_)) => return Err(nopol_taken(&next.nopol)),
            Err(e) => return Err(e.into()),
        }
    }
    Err(StoreError::Stale.into())
}

pub async fn update(app: &App, id: &str, body: Value) -> Result<ManualRecord, ApiError> {
    let patch = RecordPatch::parse(body).map_err(ApiError::Invalid)?;
    modify(app, id, |current| {
        patch.apply(current, app.now()).map_err(ApiError::Invalid)
    })
    .await
}

pub async fn toggle_active(app: &App, id: &str) -> Result<ManualRecord, ApiError> {
    modify(app, id, |current| {
        let mut next = current.revise(app.now());
        next.is_active = 1 - current.is_active.min(1);
        Ok(next)
    })
    .await
}

pub async fn delete(app: &App, id: &str) -> Result<(), ApiError> {
    for _ in 0..WRITE_ATTEMPTS {
        let current = get(app, id).await?;
        match app.manual.delete(&current).await {
            Err(StoreError::Stale) => continue,
            outcome => return outcome.map_err(ApiError::from),
        }
    }
    Err(StoreError::Stale.into())
}

#[derive(Debug, Serialize)]
pub struct Summary {
    pub total_customers: u64,
    pub active_customers: u64,
    pub inactive_customers: u64,
    pub reminders_sent_total: u64,
    pub customers_with_upcoming_service: u64,
}

pub async fn stats(app: &App) -> Result<Summary, ApiError> {
    let today = app.today();
    let last_day = today + Days::new(UPCOMING_DAYS - 1);
    let counts = app.manual.counts().await?;
    let upcoming = app.manual.count_upcoming(today, last_day).await?;
    Ok(Summary {
        total_customers: counts.total,
        active_customers: counts.active,
        inactive_customers: counts.inactive(),
        reminders_sent_total: counts.reminders_sent,
        customers_with_upcoming_service: upcoming,
    })
}

#[derive(Debug, Serialize)]
pub struct Dashboard {
    pub total_customers: u64,
    pub active_customers: u64,
    pub reminders_this_month: u64,
    pub top_customers: Vec<TopCustomer>,
}

#[derive(Debug, Serialize)]
pub struct TopCustomer {
    pub customer_name: String,
    pub nopol: String,
    pub reminder_count: u32,
    pub last_sent: Option<chrono::DateTime<chrono::FixedOffset>>,
}

/// Customers shown on the dashboard, most reminded first.
const TOP_CUSTOMERS: usize = 5;

pub async fn dashboard(app: &App) -> Result<Dashboard, ApiError> {
    let counts = app.manual.counts().await?;
    let month_start = first_of_month(app, app.today());
    let reminded = app.manual.count_reminded_since(month_start).await?;
    let top = app.manual.most_reminded(TOP_CUSTOMERS).await?;
    Ok(Dashboard {
        total_customers: counts.total,
        active_customers: counts.active,
        reminders_this_month: reminded,
        top_customers: top
            .into_iter()
            .map(|r| TopCustomer {
                customer_name: r.customer_name,
                nopol: r.nopol,
                reminder_count: r.reminder_sent_count,
                last_sent: r.last_reminder_sent,
            })
            .collect(),
    })
}

/// Midnight of the first day of `today`'s month in the workshop's zone, as an instant.
fn first_of_month(app: &App, today: NaiveDate) -> chrono::DateTime<Utc> {
    let first = today
        .with_day(1)
        .unwrap_or(today)
        .and_time(chrono::NaiveTime::MIN);
    app.config
        .timezone
        .from_local_datetime(&first)
        .earliest()
        .map_or_else(|| Utc.from_utc_datetime(&first), |t| t.with_timezone(&Utc))
}
