//! What each endpoint does, apart from HTTP: validation, the store calls, the answer.

use std::collections::HashMap;

use chrono::{Datelike, Days, NaiveDate, TimeZone, Utc};
use futures::StreamExt;
use serde::Serialize;
use serde_json::{Value, json};
use uuid::Uuid;

use super::{ManualRecord, NewRecord, RecordPatch};
use crate::App;
use crate::error::{ApiError, FieldError};
use crate::extract::{FromBody, FromQuery};
use crate::import::{ImportReport, Mode, Origin, Problem, Refusal};
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

pub async fn create(app: &App, new: NewRecord) -> Result<ManualRecord, ApiError> {
    let record = new.into_record(Uuid::new_v4().to_string(), app.now());
    match app.manual.insert(&record).await {
        Ok(()) => Ok(record),
        Err(StoreError::NopolTaken(_)) => Err(nopol_taken(&record.nopol)),
        Err(e) => Err(e.into()),
    }
}

/// A row of a records import that failed, named as the row named itself (or, once valid, in
/// normalised form); a sheet row also by its row number and the cells at fault.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = RecordImportFailure)]
pub struct ImportFailure {
    /// 0-based position of the row in the request.
    pub index: usize,
    /// The sheet row (the header is row 1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub row: Option<usize>,
    /// As the row gave it, or normalised once valid.
    pub customer_name: Value,
    pub nopol: Value,
    pub error: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<Problem>,
}

impl ImportFailure {
    fn new(origin: &Origin, customer_name: Value, nopol: Value, refusal: Refusal) -> Self {
        ImportFailure {
            index: origin.index,
            row: origin.row,
            customer_name,
            nopol,
            error: refusal.error,
            problems: refusal.problems,
        }
    }

    /// A valid row refused for its nopol, named in normalised form.
    fn of_record(origin: &Origin, record: &ManualRecord, reason: String) -> Self {
        let refusal = Refusal::of_field(origin, &[json!("nopol")], reason);
        Self::new(
            origin,
            json!(record.customer_name),
            json!(record.nopol),
            refusal,
        )
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

/// `POST /manual-whatsapp/bulk-import`: each row stored on its own.
pub async fn bulk_import(
    app: &App,
    rows: Vec<ImportRow>,
) -> Result<ImportReport<ImportFailure>, ApiError> {
    import_rows(app, rows, Mode::Write).await
}

/// Lookups of registered nopols a dry run makes side by side.
pub(crate) const LOOKUPS_IN_FLIGHT: usize = 16;

/// Imports each row on its own (a failing row never stops the others) or, in a dry run, says
/// which would fail: invalid, a nopol repeated in the import, or one registered already.
pub async fn import_rows(
    app: &App,
    rows: Vec<ImportRow>,
    mode: Mode,
) -> Result<ImportReport<ImportFailure>, ApiError> {
    let total = rows.len();
    let now = app.now();
    let mut failures = Vec::new();
    let mut accepted: Vec<(Origin, ManualRecord)> = Vec::new();
    // Compact nopol -> the sheet row that has it first.
    let mut seen: HashMap<String, Option<usize>> = HashMap::new();
    for row in rows {
        let new = match row.parsed {
            Ok(new) => new,
            Err(refusal) => {
                let failure =
                    ImportFailure::new(&row.origin, row.customer_name, row.nopol, refusal);
                failures.push(failure);
                continue;
            }
        };
        let record = new.into_record(Uuid::new_v4().to_string(), now);
        if let Some(first) = seen.get(&record.nopol_key()) {
            let reason = repeated(&record.nopol, *first);
            failures.push(ImportFailure::of_record(&row.origin, &record, reason));
            continue;
        }
        seen.insert(record.nopol_key(), row.origin.row);
        accepted.push((row.origin, record));
    }
    let (origins, records): (Vec<Origin>, Vec<ManualRecord>) = accepted.into_iter().unzip();
    let outcomes = match mode {
        Mode::Write => app.manual.insert_many(&records).await?,
        Mode::DryRun => registered(app, &records).await?,
    };
    for ((origin, record), outcome) in origins.iter().zip(&records).zip(outcomes) {
        if let Err(error) = outcome {
            let reason = match error {
                StoreError::NopolTaken(_) => format!("Nopol {} sudah terdaftar", record.nopol),
                other => ApiError::from(other).to_string(),
            };
            failures.push(ImportFailure::of_record(origin, record, reason));
        }
    }
    Ok(ImportReport::new(total, failures, |f| f.index))
}

/// `Nopol … muncul lebih dari sekali dalam import ini`, with the sheet row that has it first.
pub(crate) fn repeated(nopol: &str, first_row: Option<usize>) -> String {
    let reason = format!("Nopol {nopol} muncul lebih dari sekali dalam import ini");
    match first_row {
        Some(row) => format!("{reason} (pertama di baris {row})"),
        None => reason,
    }
}

/// What inserting `records` would answer, read without writing: `NopolTaken` for each whose
/// nopol is registered.
async fn registered(
    app: &App,
    records: &[ManualRecord],
) -> Result<Vec<Result<(), StoreError>>, StoreError> {
    let keys: Vec<String> = records.iter().map(ManualRecord::nopol_key).collect();
    futures::stream::iter(keys)
        .map(|key| async move {
            Ok(match app.manual.find_by_nopol(&key).await? {
                Some(_) => Err(StoreError::NopolTaken(key)),
                None => Ok(()),
            })
        })
        .buffered(LOOKUPS_IN_FLIGHT)
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect()
}

/// The answer of the records list.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RecordList {
    pub total: u64,
    pub active: u64,
    pub inactive: u64,
    pub data: Vec<ManualRecord>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// Lists records newest first.
pub async fn list(app: &App, query: &ListQuery) -> Result<RecordList, ApiError> {
    let counts = app.manual.counts().await?;
    let page = app.manual.list(query).await?;
    Ok(RecordList {
        total: counts.total,
        active: counts.active,
        inactive: counts.inactive(),
        data: page.items,
        next_cursor: page.next_after.as_deref().map(encode_cursor),
    })
}

/// The query of the records list, as the OpenAPI document shows it.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(
    dead_code,
    reason = "the shape ListQuery is read from, for the document"
)]
pub struct RecordPage {
    /// Only active records (`true`/`false`).
    active_only: Option<bool>,
    /// Records per page.
    #[param(minimum = 1, maximum = 1000, default = 1000)]
    limit: Option<u32>,
    /// The previous page's `next_cursor`.
    cursor: Option<String>,
}

/// `?active_only=&limit=&cursor=`.
impl FromQuery for ListQuery {
    type Shape = RecordPage;

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

pub async fn update(app: &App, id: &str, patch: RecordPatch) -> Result<ManualRecord, ApiError> {
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

#[derive(Debug, Serialize, utoipa::ToSchema)]
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

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Dashboard {
    pub total_customers: u64,
    pub active_customers: u64,
    pub reminders_this_month: u64,
    pub top_customers: Vec<TopCustomer>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
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
