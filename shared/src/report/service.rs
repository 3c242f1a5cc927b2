//! What the report's endpoints do: read the rows, work out the statistics, reset with a
//! snapshot and restore one.

use std::cmp::Reverse;
use std::collections::{BTreeMap, HashMap};

use serde::Serialize;
use serde_json::{Value, json};
use uuid::Uuid;

use super::{ReportRow, Scope, Snapshot, SnapshotInfo, SnapshotStatus};
use crate::App;
use crate::error::{ApiError, FieldError};
use crate::sheet::{Cell, File, Table};
use chrono::{DateTime, FixedOffset};

fn report_not_found() -> ApiError {
    ApiError::NotFound("Report tidak ditemukan".into())
}

fn snapshot_not_found() -> ApiError {
    ApiError::NotFound("Snapshot tidak ditemukan".into())
}

/// The rows in `scope`, most messages first, then the latest message first, then by id.
async fn sorted_rows(app: &App, scope: &Scope) -> Result<Vec<ReportRow>, ApiError> {
    let mut rows = app.reports.report_rows(scope).await?;
    rows.sort_by(|a, b| {
        (Reverse(a.frequency), Reverse(a.last_message_date), &a.id).cmp(&(
            Reverse(b.frequency),
            Reverse(b.last_message_date),
            &b.id,
        ))
    });
    Ok(rows)
}

/// `GET /whatsapp-report/`: every row, as the table holds it.
pub async fn list(app: &App) -> Result<Value, ApiError> {
    let rows = sorted_rows(app, &Scope::default()).await?;
    Ok(json!(rows.iter().map(ReportRow::plain).collect::<Vec<_>>()))
}

/// `GET /whatsapp-report/detail`: every row with its customer's and vehicle's names.
pub async fn detail(app: &App) -> Result<Value, ApiError> {
    let rows = sorted_rows(app, &Scope::default()).await?;
    Ok(json!(
        rows.iter().map(ReportRow::detail).collect::<Vec<_>>()
    ))
}

/// The figures of `GET /whatsapp-report/statistics`. A row is one (customer, vehicle) pair.
#[derive(Debug, Serialize, PartialEq)]
pub struct Statistics {
    /// Pairs with a report row.
    pub total_customers_with_vehicles: usize,
    /// The sum of every row's frequency.
    pub total_messages_sent: u64,
    /// Messages per pair, to two decimals; 0 without rows.
    pub average_messages_per_customer: f64,
    /// How many pairs received each number of messages, keyed by that number.
    pub customers_by_frequency: BTreeMap<u64, usize>,
}

impl Statistics {
    pub fn of(rows: &[ReportRow]) -> Self {
        let pairs = rows.len();
        let total: u64 = rows.iter().map(|r| r.frequency).sum();
        let average = if pairs == 0 {
            0.0
        } else {
            (total as f64 / pairs as f64 * 100.0).round() / 100.0
        };
        let mut by_frequency = BTreeMap::new();
        for row in rows {
            *by_frequency.entry(row.frequency).or_insert(0) += 1;
        }
        Statistics {
            total_customers_with_vehicles: pairs,
            total_messages_sent: total,
            average_messages_per_customer: average,
            customers_by_frequency: by_frequency,
        }
    }
}

pub async fn statistics(app: &App) -> Result<Statistics, ApiError> {
    let rows = app.reports.report_rows(&Scope::default()).await?;
    Ok(Statistics::of(&rows))
}

/// `GET /whatsapp-report/customer/{id}`: the customer's rows (none is an empty list: a
/// customer may not have been reminded yet, or may have been deleted).
pub async fn of_customer(app: &App, id_customer: &str) -> Result<Value, ApiError> {
    let scope = Scope {
        id_customer: Some(id_customer.to_lowercase()),
        id_vehicle: None,
    };
    let rows = sorted_rows(app, &scope).await?;
    Ok(json!(rows.iter().map(ReportRow::plain).collect::<Vec<_>>()))
}

/// `GET /whatsapp-report/customer/{id}/vehicle/{id}`: the pair's row.
pub async fn of_pair(app: &App, id_customer: &str, id_vehicle: &str) -> Result<Value, ApiError> {
    // Ids are stored lower-case; the pair's row id is derived from them.
    let id = super::report_id(&id_customer.to_lowercase(), &id_vehicle.to_lowercase());
    let row = app
        .reports
        .report_row(&id)
        .await?
        .ok_or_else(report_not_found)?;
    Ok(json!(row.plain()))
}

pub async fn delete(app: &App, id: &str) -> Result<(), ApiError> {
    if Uuid::parse_str(id).is_err() || !app.reports.delete_report_row(id).await? {
        return Err(report_not_found());
    }
    Ok(())
}

/// The scope of a reset: query `customer_id`, and `vehicle_id` with it for one pair.
fn scope(params: &HashMap<String, String>) -> Result<Scope, ApiError> {
    let mut errors = Vec::new();
    let mut id = |name: &str| {
        let raw = params.get(name).filter(|v| !v.is_empty())?;
        if Uuid::parse_str(raw).is_err() {
            errors.push(
                FieldError::new(
                    vec![json!("query"), json!(name)],
                    "uuid_parsing",
                    "Input should be a valid UUID",
                )
                .with_input(json!(raw)),
            );
            return None;
        }
        Some(raw.to_lowercase())
    };
    let scope = Scope {
        id_customer: id("customer_id"),
        id_vehicle: id("vehicle_id"),
    };
    if scope.id_vehicle.is_some() && scope.id_customer.is_none() && errors.is_empty() {
        errors.push(FieldError::new(
            vec![json!("query"), json!("customer_id")],
            "missing",
            "vehicle_id membutuhkan customer_id",
        ));
    }
    if errors.is_empty() {
        Ok(scope)
    } else {
        Err(ApiError::Invalid(errors))
    }
}

/// The answer of a reset.
#[derive(Debug, Serialize)]
pub struct ResetAnswer {
    pub success: bool,
    pub message: String,
    pub reset_count: usize,
    /// The snapshot that can undo this reset; `null` when nothing needed resetting.
    pub snapshot_id: Option<String>,
}

/// Sets the frequency of the rows in scope back to zero, after keeping a snapshot of them.
pub async fn reset(app: &App, params: &HashMap<String, String>) -> Result<ResetAnswer, ApiError> {
    let scope = scope(params)?;
    let rows: Vec<ReportRow> = app
        .reports
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
    let snapshot = Snapshot::new(Uuid::new_v4().to_string(), app.now(), scope, rows);
    let id = snapshot.info.id.clone();
    let reset_count = app.reports.reset(&snapshot).await.map_err(|e| {
        tracing::error!(snapshot = %id, error = %e, "reset interrupted");
        ApiError::Interrupted(format!(
            "Reset terhenti sebelum selesai. Snapshot {id} menyimpan nilai sebelumnya: batalkan \
             dengan POST /whatsapp-report/snapshots/{id}/restore, atau ulangi reset untuk \
             menyelesaikannya"
        ))
    })?;
    Ok(ResetAnswer {
        success: true,
        message: format!("Frequency {reset_count} report direset"),
        reset_count,
        snapshot_id: Some(id),
    })
}

pub async fn snapshots(app: &App) -> Result<Vec<SnapshotInfo>, ApiError> {
    Ok(app.reports.snapshots().await?)
}

/// Gives the rows of snapshot `id` back what its reset took.
pub async fn restore(app: &App, id: &str) -> Result<Value, ApiError> {
    if Uuid::parse_str(id).is_err() {
        return Err(snapshot_not_found());
    }
    let snapshot = app
        .reports
        .snapshot(id)
        .await?
        .ok_or_else(snapshot_not_found)?;
    if snapshot.info.status == SnapshotStatus::Restored {
        return Err(ApiError::Conflict(format!(
            "Snapshot {id} sudah dipulihkan"
        )));
    }
    let restored = app.reports.restore(&snapshot, app.now()).await.map_err(|e| {
        tracing::error!(snapshot = %id, error = %e, "restore interrupted");
        ApiError::Interrupted(format!(
            "Pemulihan terhenti sebelum selesai; ulangi POST /whatsapp-report/snapshots/{id}/restore \
             untuk menyelesaikannya"
        ))
    })?;
    Ok(json!({
        "success": true,
        "message": format!("{restored} report dipulihkan dari snapshot {id}"),
        "restored_count": restored,
        "snapshot_id": id,
    }))
}

/// `GET /whatsapp-report/export`: the detail rows, most messages first, as xlsx or CSV.
pub async fn export(app: &App, params: &HashMap<String, String>) -> Result<File, ApiError> {
    let format = crate::import::export_format(params)?;
    let rows = sorted_rows(app, &Scope::default()).await?;
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
        rows: rows
            .iter()
            .map(|row| {
                vec![
                    Cell::Text(row.customer_name.clone()),
                    Cell::Text(row.customer_phone.clone()),
                    Cell::Text(row.vehicle_model.clone()),
                    Cell::Text(row.vehicle_nopol.clone()),
                    Cell::Number(row.frequency as f64),
                    row.last_message_date.map_or(Cell::Empty, instant),
                    instant(row.created_at),
                    instant(row.updated_at),
                ]
            })
            .collect(),
    };
    Ok(File::of(
        &table,
        format,
        format!("whatsapp-report-{}", app.today()),
    )?)
}
