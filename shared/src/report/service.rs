//! What the report's endpoints do: read the rows, work out the statistics, reset with a
//! snapshot and restore one.

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, FixedOffset};
use futures::{StreamExt, TryStreamExt};
use serde::Serialize;
use uuid::Uuid;

use super::query::{Position, Ranking, ReportQuery};
use super::{
    Detail, Plain, RegisterPair, ReportRow, Scope, Snapshot, SnapshotInfo, SnapshotStatus, Totals,
    Trigger,
};
use crate::answer::fit_page;
use crate::clock::WorkshopClock;
use crate::import::ExportError;
use crate::query::{encode_cursor, position_key};
use crate::register::Customer;
use crate::register::store::RegisterStore;
use crate::report::store::ReportStore;
use crate::sheet::{Cell, File, Format, Table};
use crate::store_error::StoreError;

/// What the report's service works with: the report's store, the register (whose pairs
/// without a row a frequency filter takes in), and the workshop's clock.
#[derive(Clone, Copy)]
pub struct Report<'a> {
    pub store: &'a dyn ReportStore,
    pub register: &'a dyn RegisterStore,
    /// The message log, for the delivery status of each row's last reminder.
    pub messages: &'a dyn crate::messages::store::MessageStore,
    pub time: &'a WorkshopClock,
}

/// Why a report request was refused or stopped. Each says, in Indonesian, what the caller can
/// do; a stopped write keeps the store's error for the log.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("Report tidak ditemukan")]
    NotFound,
    #[error("Snapshot tidak ditemukan")]
    SnapshotNotFound,
    #[error("Snapshot {0} sudah dipulihkan")]
    AlreadyRestored(String),
    /// A reset stopped part-way; its snapshot holds the values from before it.
    #[error(
        "Reset terhenti sebelum selesai. Snapshot {snapshot} menyimpan nilai sebelumnya: \
         batalkan dengan POST /whatsapp-report/snapshots/{snapshot}/restore, atau ulangi reset \
         untuk menyelesaikannya"
    )]
    ResetInterrupted {
        snapshot: String,
        source: StoreError,
    },
    /// A restore stopped part-way; repeating it finishes it.
    #[error(
        "Pemulihan terhenti sebelum selesai; ulangi POST \
         /whatsapp-report/snapshots/{snapshot}/restore untuk menyelesaikannya"
    )]
    RestoreInterrupted {
        snapshot: String,
        source: StoreError,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn position(row: &ReportRow) -> Position {
    Position {
        frequency: row.frequency,
        last_message_date: row.last_message_date,
        id: row.id.clone(),
    }
}

/// One entry of the list or the detail: a row, or (with a frequency filter) a pair of the
/// register that has none yet.
#[derive(Debug, Clone, PartialEq)]
pub enum Entry {
    Row(ReportRow),
    Unreported(RegisterPair),
}

impl Entry {
    fn position(&self) -> Position {
        match self {
            Entry::Row(row) => position(row),
            Entry::Unreported(pair) => Position {
                frequency: 0,
                last_message_date: None,
                id: pair.id.clone(),
            },
        }
    }

    pub fn detail(&self) -> Detail<'_> {
        match self {
            Entry::Row(row) => row.detail(),
            Entry::Unreported(pair) => pair.detail(),
        }
    }

    /// As `GET /whatsapp-report/` shows it: the rows only (that list takes no filter).
    pub fn plain(&self) -> Option<Plain> {
        match self {
            Entry::Row(row) => Some(row.plain()),
            Entry::Unreported(_) => None,
        }
    }
}

/// Measured as its detail, the larger of the two views, when a page is cut to fit an answer.
impl Serialize for Entry {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.detail().serialize(serializer)
    }
}

/// The entries a query asked for, with the cursor of the next page when one follows.
#[derive(Debug, Clone, PartialEq)]
pub struct Listing {
    pub entries: Vec<Entry>,
    pub next_cursor: Option<String>,
}

/// Customers read per page of the register, and customers whose vehicles are read at once.
const CUSTOMER_PAGE: usize = 1000;
const VEHICLE_READS_IN_FLIGHT: usize = 8;

/// The figures of `GET /whatsapp-report/statistics`. A row is one (customer, vehicle) pair.
#[derive(Debug, Serialize, PartialEq, utoipa::ToSchema)]
#[schema(example = json!({"total_customers_with_vehicles": 45, "total_messages_sent": 182,
    "average_messages_per_customer": 4.04,
    "customers_by_frequency": {"1": 10, "2": 15, "3": 12, "5": 8}}))]
pub struct Statistics {
    /// Pairs with a report row.
    pub total_customers_with_vehicles: u64,
    /// The sum of every row's frequency.
    pub total_messages_sent: u64,
    /// Messages per pair, to two decimals; 0 without rows.
    pub average_messages_per_customer: f64,
    /// How many pairs received each number of messages, keyed by that number.
    #[schema(schema_with = by_frequency)]
    pub customers_by_frequency: BTreeMap<u64, u64>,
}

/// A JSON object's keys are strings: the frequencies are keys of digits.
fn by_frequency() -> utoipa::openapi::schema::Object {
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    let count = ObjectBuilder::new()
        .schema_type(Type::Integer)
        .minimum(Some(0));
    ObjectBuilder::new()
        .schema_type(Type::Object)
        .description(Some(
            "How many pairs received each number of messages, keyed by that number",
        ))
        .additional_properties(Some(count))
        .property_names(Some(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .pattern(Some("^[0-9]+$")),
        ))
        .build()
}

impl From<&Totals> for Statistics {
    fn from(totals: &Totals) -> Self {
        let average = if totals.pairs == 0 {
            0.0
        } else {
            (totals.messages as f64 / totals.pairs as f64 * 100.0).round() / 100.0
        };
        Statistics {
            total_customers_with_vehicles: totals.pairs,
            total_messages_sent: totals.messages,
            average_messages_per_customer: average,
            customers_by_frequency: totals.by_frequency.clone(),
        }
    }
}

impl Statistics {
    /// The statistics of `rows`, counted: what the kept totals must always equal.
    pub fn of(rows: &[ReportRow]) -> Self {
        Statistics::from(&Totals::of(rows))
    }
}

/// The answer of a reset.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ResetAnswer {
    pub success: bool,
    pub message: String,
    pub reset_count: usize,
    /// The snapshot that can undo this reset; `null` when nothing needed resetting.
    pub snapshot_id: Option<String>,
}

impl ResetAnswer {
    /// The reset in short, for the change log.
    pub fn summary(&self) -> String {
        format!(
            "Reset frekuensi: {} baris; snapshot {}",
            self.reset_count,
            self.snapshot_id.as_deref().unwrap_or("-")
        )
    }
}

/// The answer of a restore.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RestoreAnswer {
    pub success: bool,
    pub message: String,
    pub restored_count: usize,
    pub snapshot_id: String,
}

impl Report<'_> {
    /// The rows in `scope`, most messages first, then the latest message first, then by id.
    async fn sorted_rows(&self, scope: &Scope) -> Result<Vec<ReportRow>, StoreError> {
        let mut rows = self.store.report_rows(scope).await?;
        let ranking = Ranking::default();
        rows.sort_by(|a, b| ranking.compare(&position(a), &position(b)));
        Ok(rows)
    }

    /// The entries of the list or the detail that `query` asks for. Unfiltered, unranked pages
    /// are read page by page in the store's list order; anything filtered or ranked reads every
    /// row (and, for never-messaged pairs, the register), then ranks and pages in memory.
    /// The details of `entries`, each with the delivery status of its last reminder.
    pub async fn details<'e>(&self, entries: &'e [Entry]) -> Result<Vec<Detail<'e>>, StoreError> {
        let mut details = Vec::with_capacity(entries.len());
        for entry in entries {
            let mut detail = entry.detail();
            if let Entry::Row(ReportRow {
                last_message_id: Some(id),
                ..
            }) = entry
            {
                let message = self.messages.message(id).await?;
                detail.last_delivery_status = message.and_then(|m| m.delivery_status);
            }
            details.push(detail);
        }
        Ok(details)
    }

    pub async fn entries(&self, query: &ReportQuery) -> Result<Listing, StoreError> {
        if let Some(page) = query.page.as_ref().filter(|_| query.in_store_order()) {
            let found = self
                .store
                .report_page(page.limit, page.after.as_deref())
                .await?;
            // A stored row holds every field of both views: measured as it is.
            let (rows, next_after) = fit_page(found.rows, found.next_after, |row| {
                position_key(row.created_at, &row.id)
            });
            return Ok(Listing {
                entries: rows.into_iter().map(Entry::Row).collect(),
                next_cursor: next_after.as_deref().map(encode_cursor),
            });
        }
        let rows = self.store.report_rows(&Scope::default()).await?;
        // Every pair with a row, filtered in or out: the pairs of the register beyond them
        // have none.
        let reported: HashSet<String> = rows.iter().map(|row| row.id.clone()).collect();
        let mut entries: Vec<Entry> = rows
            .into_iter()
            .filter(|row| query.filter.admits(row.frequency))
            .map(Entry::Row)
            .collect();
        if query.filter.wants_unreported() {
            let pairs = self.register_pairs().await?;
            let unreported = pairs
                .into_iter()
                .filter(|pair| !reported.contains(&pair.id));
            entries.extend(unreported.map(Entry::Unreported));
        }
        let mut ranked: Vec<(Position, Entry)> =
            entries.into_iter().map(|e| (e.position(), e)).collect();
        let ranking = query.ranking;
        ranked.sort_by(|(a, _), (b, _)| ranking.compare(a, b));
        let Some(page) = &query.page else {
            return Ok(Listing {
                entries: ranked.into_iter().map(|(_, e)| e).collect(),
                next_cursor: None,
            });
        };
        let after = page.after.as_deref().and_then(Position::from_key);
        let mut rest = ranked.into_iter().skip_while(|(at, _)| {
            after
                .as_ref()
                .is_some_and(|after| ranking.compare(at, after).is_le())
        });
        let entries: Vec<Entry> = rest.by_ref().take(page.limit).map(|(_, e)| e).collect();
        let next_after = match rest.next() {
            Some(_) => entries.last().map(|e| e.position().key()),
            None => None,
        };
        let (entries, next_after) = fit_page(entries, next_after, |e| e.position().key());
        Ok(Listing {
            entries,
            next_cursor: next_after.as_deref().map(encode_cursor),
        })
    }

    /// Every (customer, vehicle) pair of the register: its customers page by page, and each
    /// customer's vehicles (one read per customer, a few at once).
    async fn register_pairs(&self) -> Result<Vec<RegisterPair>, StoreError> {
        let mut customers = Vec::new();
        let mut after = None;
        loop {
            let page = self
                .register
                .customers(CUSTOMER_PAGE, after.as_deref())
                .await?;
            customers.extend(page.items);
            match page.next_after {
                Some(next) => after = Some(next),
                None => break,
            }
        }
        // Collected first: a closure held across the awaits would make the handler's future
        // not `Send`.
        let reads: Vec<_> = customers.iter().map(|c| self.pairs_of(c)).collect();
        let owned: Vec<Vec<RegisterPair>> = futures::stream::iter(reads)
            .buffered(VEHICLE_READS_IN_FLIGHT)
            .try_collect()
            .await?;
        Ok(owned.into_iter().flatten().collect())
    }

    async fn pairs_of(&self, customer: &Customer) -> Result<Vec<RegisterPair>, StoreError> {
        let vehicles = self.register.vehicles_of(&customer.id).await?;
        Ok(vehicles
            .iter()
            .map(|vehicle| RegisterPair::of(customer, vehicle))
            .collect())
    }

    /// From the totals kept with the rows: one read whatever the table's size.
    pub async fn statistics(&self) -> Result<Statistics, StoreError> {
        Ok(Statistics::from(&self.store.report_totals().await?))
    }

    /// `GET /whatsapp-report/customer/{id}`: the customer's rows (none is an empty list: a
    /// customer may not have been reminded yet, or may have been deleted).
    pub async fn of_customer(&self, id_customer: &str) -> Result<Vec<Plain>, StoreError> {
        let scope = Scope {
            id_customer: Some(id_customer.to_lowercase()),
            id_vehicle: None,
        };
        let rows = self.sorted_rows(&scope).await?;
        Ok(rows.iter().map(ReportRow::plain).collect())
    }

    /// `GET /whatsapp-report/customer/{id}/vehicle/{id}`: the pair's row.
    pub async fn of_pair(&self, id_customer: &str, id_vehicle: &str) -> Result<Plain, ReportError> {
        // Ids are stored lower-case; the pair's row id is derived from them.
        let id = super::report_id(&id_customer.to_lowercase(), &id_vehicle.to_lowercase());
        let row = self
            .store
            .report_row(&id)
            .await?
            .ok_or(ReportError::NotFound)?;
        Ok(row.plain())
    }

    pub async fn delete(&self, id: &str) -> Result<(), ReportError> {
        if Uuid::parse_str(id).is_err() || !self.store.delete_report_row(id).await? {
            return Err(ReportError::NotFound);
        }
        Ok(())
    }

    /// `POST /whatsapp-report/reset-frequency`: a manual reset of the scope the query names.
    pub async fn reset(&self, scope: Scope) -> Result<ResetAnswer, ReportError> {
        self.reset_scope(scope, Trigger::Manual).await
    }

    /// Sets the frequency of the rows in `scope` back to zero, after keeping a snapshot of them
    /// (marked with what made the reset).
    pub async fn reset_scope(
        &self,
        scope: Scope,
        trigger: Trigger,
    ) -> Result<ResetAnswer, ReportError> {
        let rows: Vec<ReportRow> = self
            .store
            .report_rows(&scope)
            .await?
            .into_iter()
            .filter(|row| row.frequency > 0)
            .collect();
        if rows.is_empty() {
            return Ok(ResetAnswer {
                success: true,
                message: "Tidak ada frequency yang perlu direset".into(),
                reset_count: 0,
                snapshot_id: None,
            });
        }
        let snapshot = Snapshot::new(Uuid::new_v4().to_string(), self.time.now(), scope, rows)
            .triggered_by(trigger);
        let id = snapshot.info.id.clone();
        let reset_count = self.store.reset(&snapshot).await.map_err(|source| {
            tracing::error!(snapshot = %id, error = %source, "reset interrupted");
            ReportError::ResetInterrupted {
                snapshot: id.clone(),
                source,
            }
        })?;
        Ok(ResetAnswer {
            success: true,
            message: format!("Frequency {reset_count} report direset"),
            reset_count,
            snapshot_id: Some(id),
        })
    }

    pub async fn snapshots(&self) -> Result<Vec<SnapshotInfo>, StoreError> {
        self.store.snapshots().await
    }

    /// Gives the rows of snapshot `id` back what its reset took.
    pub async fn restore(&self, id: &str) -> Result<RestoreAnswer, ReportError> {
        if Uuid::parse_str(id).is_err() {
            return Err(ReportError::SnapshotNotFound);
        }
        let snapshot = self
            .store
            .snapshot(id)
            .await?
            .ok_or(ReportError::SnapshotNotFound)?;
        if snapshot.info.status == SnapshotStatus::Restored {
            return Err(ReportError::AlreadyRestored(id.to_string()));
        }
        let restored = self
            .store
            .restore(&snapshot, self.time.now())
            .await
            .map_err(|source| {
                tracing::error!(snapshot = %id, error = %source, "restore interrupted");
                ReportError::RestoreInterrupted {
                    snapshot: id.to_string(),
                    source,
                }
            })?;
        Ok(RestoreAnswer {
            success: true,
            message: format!("{restored} report dipulihkan dari snapshot {id}"),
            restored_count: restored,
            snapshot_id: id.to_string(),
        })
    }

    /// `GET /whatsapp-report/export`: the detail rows as xlsx or CSV, filtered and ranked as
    /// the detail is (`min_frequency`, `max_frequency`, `sort`, `order`), whole: a file is
    /// never paged.
    pub async fn export(&self, format: Format, query: &ReportQuery) -> Result<File, ExportError> {
        let listing = self.entries(query).await?;
        let instant = |at: DateTime<FixedOffset>| Cell::DateTime(at.naive_local());
        let table = Table {
            name: "WhatsApp Report",
            headers: vec![
                "Nama",
                "No HP",
                "Model",
                "No Pol",
                "Jumlah Pesan",
                "Pesan Terakhir",
                "Dibuat",
                "Diperbarui",
            ],
            rows: listing
                .entries
                .iter()
                .map(|entry| {
                    let row = entry.detail();
                    vec![
                        Cell::Text(row.customer_name.to_string()),
                        Cell::Text(row.customer_phone.to_string()),
                        Cell::Text(row.vehicle_model.to_string()),
                        Cell::Text(row.vehicle_nopol.to_string()),
                        Cell::Number(row.frequency as f64),
                        row.last_message_date.map_or(Cell::Empty, instant),
                        row.created_at.map_or(Cell::Empty, instant),
                        row.updated_at.map_or(Cell::Empty, instant),
                    ]
                })
                .collect(),
        };
        let stem = format!("whatsapp-report-{}", self.time.today());
        Ok(File::of(&table, format, stem)?)
    }
}
