//! The HTTP handlers of `/manual-whatsapp`: extract, call the service, shape the answer.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Serialize;

use super::input::ImportRow;
use super::service::{Dashboard, ImportFailure, RecordList, Summary};
use super::{ManualRecord, NewRecord, RecordPatch};
use crate::extract::{Valid, ValidQuery};
use crate::files::{self, Upload};
use crate::import::{Export, ImportAnswer, SheetOptions};
use crate::manual::store::ListQuery;
use crate::{ApiError, App};

type Answer<T> = Result<Json<T>, ApiError>;

/// `{"success": true, "data": …}`, the envelope of the source's summary.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SummaryAnswer {
    pub success: bool,
    pub data: Summary,
}

pub async fn create(
    State(app): State<Arc<App>>,
    Valid(new): Valid<NewRecord>,
) -> Result<(StatusCode, Json<ManualRecord>), ApiError> {
    let record = app.records().create(new).await?;
    Ok((StatusCode::CREATED, Json(record)))
}

pub async fn bulk_import(
    State(app): State<Arc<App>>,
    Valid(rows): Valid<Vec<ImportRow>>,
) -> Answer<ImportAnswer<ImportFailure>> {
    Ok(Json(app.records().bulk_import(rows).await?.answer()))
}

/// `POST /manual-whatsapp/import?dry_run=&sheet=`: an xlsx or CSV file, or a form with one.
pub async fn import(
    State(app): State<Arc<App>>,
    ValidQuery(options): ValidQuery<SheetOptions>,
    upload: Upload,
) -> Answer<ImportAnswer<ImportFailure>> {
    Ok(Json(
        app.records()
            .import(upload.format, &upload.bytes, &options)
            .await?,
    ))
}

/// `GET /manual-whatsapp/export?format=xlsx|csv`.
pub async fn export(
    State(app): State<Arc<App>>,
    ValidQuery(export): ValidQuery<Export>,
) -> Result<Response, ApiError> {
    files::download(
        app.records().export(export.format).await?,
        "Data manual WhatsApp",
    )
}

pub async fn list(
    State(app): State<Arc<App>>,
    ValidQuery(query): ValidQuery<ListQuery>,
) -> Answer<RecordList> {
    Ok(Json(app.records().list(&query).await?))
}

pub async fn get(State(app): State<Arc<App>>, Path(id): Path<String>) -> Answer<ManualRecord> {
    Ok(Json(app.records().get(&id).await?))
}

pub async fn get_by_nopol(
    State(app): State<Arc<App>>,
    Path(nopol): Path<String>,
) -> Answer<ManualRecord> {
    Ok(Json(app.records().get_by_nopol(&nopol).await?))
}

pub async fn update(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    Valid(patch): Valid<RecordPatch>,
) -> Answer<ManualRecord> {
    Ok(Json(app.records().update(&id, patch).await?))
}

pub async fn toggle_active(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
) -> Answer<ManualRecord> {
    Ok(Json(app.records().toggle_active(&id).await?))
}

pub async fn delete(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    app.records().delete(&id).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn stats(State(app): State<Arc<App>>) -> Answer<SummaryAnswer> {
    let data = app.records().stats().await?;
    Ok(Json(SummaryAnswer {
        success: true,
        data,
    }))
}

pub async fn dashboard(State(app): State<Arc<App>>) -> Answer<Dashboard> {
    Ok(Json(app.records().dashboard().await?))
}
