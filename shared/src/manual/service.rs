//! What each endpoint does, apart from HTTP: validation, the store calls, the answer.

use chrono::{Datelike, Days, NaiveDate, TimeZone, Utc};
use serde::Serialize;
use serde_json::{Value, json};
use uuid::Uuid;

use super::input::ImportRow;
use super::{ManualRecord, NewRecord, RecordPatch};
use crate::answer::fit_page;
use crate::clock::WorkshopClock;
use crate::import::{Claimed, ImportReport, Importer, Mode, Origin, Problem, Refusal};
use crate::manual::store::{ListQuery, ManualStore};
use crate::nopol::Nopol;
use crate::optout::OptOuts;
use crate::pacing::Pacing;
use crate::query::encode_cursor;
use crate::store_error::{StoreError, retry_while_stale};
use crate::validation::FieldError;

/// Days, today included, in which a next service counts as upcoming.
pub const UPCOMING_DAYS: u64 = 7;

/// What the records' service works with: their store, and the workshop's clock.
#[derive(Clone, Copy)]
pub struct Records<'a> {
    pub store: &'a dyn ManualStore,
    pub time: &'a WorkshopClock,
    /// Who asked to receive no more messages: shown on every record.
    pub opt_outs: OptOuts<'a>,
    /// The number's use of its limits, in the summary.
    pub pacing: Pacing<'a>,
}

/// A record as the API shows it: its fields and whether its number (or its vehicle) opted out.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = ManualRecord)]
pub struct RecordAnswer {
    #[serde(flatten)]
    #[schema(inline)]
    pub record: ManualRecord,
    /// Its number, or this vehicle, receives no messages (`/opt-outs`).
    pub opted_out: bool,
}

/// Why a records' request was refused. Each says, in Indonesian, what the caller can do.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    #[error("Data manual WhatsApp tidak ditemukan")]
    NotFound,
    #[error("Nopol {0} tidak ditemukan")]
    NopolNotFound(Nopol),
    /// The nopol, as the record writes it, belongs to another record.
    #[error("Nopol {0} sudah terdaftar")]
    NopolTaken(String),
    #[error("validation failed")]
    Invalid(Vec<FieldError>),
    #[error(transparent)]
    Store(#[from] StoreError),
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

/// The answer of the records list.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RecordList {
    pub total: u64,
    pub active: u64,
    pub inactive: u64,
    pub data: Vec<RecordAnswer>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Summary {
    pub total_customers: u64,
    pub active_customers: u64,
    pub inactive_customers: u64,
    pub reminders_sent_total: u64,
    pub customers_with_upcoming_service: u64,
    /// Messages the workshop's number took today under `SEND_DAILY_LIMIT` (every path, the
    /// scheduled ones by their slot's day).
    pub sent_today: u32,
    /// What is left of `SEND_DAILY_LIMIT` today.
    pub left_today: u32,
    /// Messages in this clock hour, under `SEND_HOURLY_LIMIT`.
    pub sent_this_hour: u32,
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

impl Records<'_> {
    pub async fn create(&self, new: NewRecord) -> Result<ManualRecord, RecordError> {
        let record = new.into_record(Uuid::new_v4().to_string(), self.time.now());
        match self.store.insert(&record).await {
            Ok(()) => Ok(record),
            Err(StoreError::NopolTaken(_)) => Err(RecordError::NopolTaken(record.nopol)),
            Err(e) => Err(e.into()),
        }
    }

    /// `POST /manual-whatsapp/bulk-import`: each row stored on its own.
    pub async fn bulk_import(
        &self,
        rows: Vec<ImportRow>,
    ) -> Result<ImportReport<ImportFailure>, StoreError> {
        self.import_rows(rows, Mode::Write).await
    }

    /// Imports each row on its own, or in a dry run says which would fail.
    pub async fn import_rows(
        &self,
        rows: Vec<ImportRow>,
        mode: Mode,
    ) -> Result<ImportReport<ImportFailure>, StoreError> {
        crate::import::import(self, rows, mode).await
    }

    /// Lists records newest first, a page at most as large as one answer carries.
    pub async fn list(&self, query: &ListQuery) -> Result<RecordList, StoreError> {
        let counts = self.store.counts().await?;
        let page = self.store.list(query).await?;
        let (records, next_after) = fit_page(page.items, page.next_after, ManualRecord::list_key);
        let data = self.answers(records).await?;
        Ok(RecordList {
            total: counts.total,
            active: counts.active,
            inactive: counts.inactive(),
            data,
            next_cursor: next_after.as_deref().map(encode_cursor),
        })
    }

    /// `records` as the API shows them, each with its opt-out.
    pub async fn answers(
        &self,
        records: Vec<ManualRecord>,
    ) -> Result<Vec<RecordAnswer>, StoreError> {
        let recipients: Vec<(&str, Option<&str>)> = records
            .iter()
            .map(|r| (r.no_hp.as_str(), Some(r.nopol.as_str())))
            .collect();
        let flags = self.opt_outs.flags(&recipients).await?;
        Ok(records
            .into_iter()
            .zip(flags)
            .map(|(record, opted_out)| RecordAnswer { record, opted_out })
            .collect())
    }

    /// `record` as the API shows it.
    pub async fn answer(&self, record: ManualRecord) -> Result<RecordAnswer, StoreError> {
        let opted_out = self
            .opt_outs
            .blocks(&record.no_hp, Some(&record.nopol))
            .await?;
        Ok(RecordAnswer { record, opted_out })
    }

    /// The record `id`; ids that are not UUIDs cannot exist.
    pub async fn get(&self, id: &str) -> Result<ManualRecord, RecordError> {
        if Uuid::parse_str(id).is_err() {
            return Err(RecordError::NotFound);
        }
        self.store.get(id).await?.ok_or(RecordError::NotFound)
    }

    /// The record of a plate, in any spelling.
    pub async fn get_by_nopol(&self, nopol: &str) -> Result<ManualRecord, RecordError> {
        let plate = Nopol::parse(nopol).ok_or_else(|| {
            RecordError::Invalid(vec![
                FieldError::new(
                    vec![json!("path"), json!("nopol")],
                    "value_error",
                    "Nopol tidak valid, misalnya B 1234 XYZ",
                )
                .with_input(json!(nopol)),
            ])
        })?;
        self.store
            .find_by_nopol(&plate.compact())
            .await?
            .ok_or(RecordError::NopolNotFound(plate))
    }

    /// Reads record `id`, changes it with `change`, and writes it back unless another request
    /// changed it in between, in which case it starts again from a fresh read.
    async fn modify(
        &self,
        id: &str,
        change: impl Fn(&ManualRecord) -> Result<ManualRecord, RecordError>,
    ) -> Result<ManualRecord, RecordError> {
        retry_while_stale(|| async {
            let current = self.get(id).await?;
            let next = change(&current)?;
            match self.store.replace(&current, &next).await {
                Ok(()) => Ok(Some(next)),
                Err(StoreError::Stale) => Ok(None),
                Err(StoreError::NopolTaken(_)) => Err(RecordError::NopolTaken(next.nopol)),
                Err(e) => Err(e.into()),
            }
        })
        .await
    }

    pub async fn update(&self, id: &str, patch: RecordPatch) -> Result<ManualRecord, RecordError> {
        self.modify(id, |current| {
            patch
                .apply(current, self.time.now())
                .map_err(RecordError::Invalid)
        })
        .await
    }

    pub async fn toggle_active(&self, id: &str) -> Result<ManualRecord, RecordError> {
        self.modify(id, |current| {
            let mut next = current.revise(self.time.now());
            next.is_active = 1 - current.is_active.min(1);
            Ok(next)
        })
        .await
    }

    pub async fn delete(&self, id: &str) -> Result<(), RecordError> {
        retry_while_stale(|| async {
            let current = self.get(id).await?;
            match self.store.delete(&current).await {
                Err(StoreError::Stale) => Ok(None),
                outcome => Ok(Some(outcome?)),
            }
        })
        .await
    }

    pub async fn stats(&self) -> Result<Summary, StoreError> {
        let today = self.time.today();
        let last_day = today + Days::new(UPCOMING_DAYS - 1);
        let counts = self.store.counts().await?;
        let upcoming = self.store.count_upcoming(today, last_day).await?;
        let usage = self.pacing.usage().await?;
        Ok(Summary {
            sent_today: usage.sent_today,
            left_today: usage.left_today,
            sent_this_hour: usage.sent_this_hour,
            total_customers: counts.total,
            active_customers: counts.active,
            inactive_customers: counts.inactive(),
            reminders_sent_total: counts.reminders_sent,
            customers_with_upcoming_service: upcoming,
        })
    }

    pub async fn dashboard(&self) -> Result<Dashboard, StoreError> {
        let counts = self.store.counts().await?;
        let month_start = self.first_of_month(self.time.today());
        let reminded = self.store.count_reminded_since(month_start).await?;
        let top = self.store.most_reminded(TOP_CUSTOMERS).await?;
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
    fn first_of_month(&self, today: NaiveDate) -> chrono::DateTime<Utc> {
        let first = today
            .with_day(1)
            .unwrap_or(today)
            .and_time(chrono::NaiveTime::MIN);
        self.time
            .zone()
            .from_local_datetime(&first)
            .earliest()
            .map_or_else(|| Utc.from_utc_datetime(&first), |t| t.with_timezone(&Utc))
    }
}

/// The records' side of an import: a row is one record with one nopol.
#[async_trait::async_trait]
impl Importer for Records<'_> {
    type Row = ImportRow;
    type Item = ManualRecord;
    type Failure = ImportFailure;

    fn item(&self, row: ImportRow) -> (Origin, Result<ManualRecord, ImportFailure>) {
        let item = match row.parsed {
            Ok(new) => Ok(new.into_record(Uuid::new_v4().to_string(), self.time.now())),
            Err(refusal) => Err(ImportFailure::new(
                &row.origin,
                row.customer_name,
                row.nopol,
                refusal,
            )),
        };
        (row.origin, item)
    }

    fn nopols(origin: &Origin, record: &ManualRecord) -> Vec<Claimed> {
        vec![Claimed {
            key: record.nopol_key(),
            shown: record.nopol.clone(),
            row: origin.row,
        }]
    }

    fn refused_nopol(
        origin: &Origin,
        record: &ManualRecord,
        _: usize,
        reason: String,
    ) -> ImportFailure {
        ImportFailure::of_record(origin, record, reason)
    }

    fn refused(origin: &Origin, record: &ManualRecord, error: StoreError) -> ImportFailure {
        let reason = match error {
            StoreError::NopolTaken(_) => RecordError::NopolTaken(record.nopol.clone()).to_string(),
            other => other.reason(),
        };
        ImportFailure::of_record(origin, record, reason)
    }

    async fn write(
        &self,
        records: &[ManualRecord],
    ) -> Result<Vec<Result<(), StoreError>>, StoreError> {
        self.store.insert_many(records).await
    }

    async fn nopol_taken(&self, key: &str) -> Result<bool, StoreError> {
        Ok(self.store.find_by_nopol(key).await?.is_some())
    }

    fn index(failure: &ImportFailure) -> usize {
        failure.index
    }
}
