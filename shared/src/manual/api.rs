//! The HTTP handlers of `/manual-whatsapp`: extract, call the service, shape the answer.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Serialize;

use super::Records;
use super::input::ImportRow;
use super::service::{Dashboard, ImportFailure, RecordAnswer, RecordList, Summary};
use super::{NewRecord, RecordPatch};
use crate::actor::Level;
use crate::audit::api::{Note, Noted};
use crate::error::ApiError;
use crate::extract::{Valid, ValidQuery};
use crate::files::{self, Upload};
use crate::import::{Export, ImportAnswer, SheetOptions};
use crate::manual::store::ListQuery;
use crate::openapi::Doc;
use crate::route::{Route, UPLOAD_LIMIT, route};
use axum::http::Method;

/// The component of an import's answer: `ImportAnswer` is generic, so it is named here.
const RESULT: &str = "RecordImportResult";

/// What this domain's handlers need of the application that serves them.
pub trait HasRecords: Send + Sync + 'static {
    fn records(&self) -> Records<'_>;
}

type Answer<T> = Result<Json<T>, ApiError>;

/// `{"success": true, "data": …}`, the envelope of the source's summary.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SummaryAnswer {
    pub success: bool,
    pub data: Summary,
}

pub async fn create<A: HasRecords>(
    State(app): State<Arc<A>>,
    Valid(new): Valid<NewRecord>,
) -> Result<(StatusCode, Json<RecordAnswer>), ApiError> {
    let records = app.records();
    let record = records.create(new).await?;
    Ok((StatusCode::CREATED, Json(records.answer(record).await?)))
}

pub async fn bulk_import<A: HasRecords>(
    State(app): State<Arc<A>>,
    Valid(rows): Valid<Vec<ImportRow>>,
) -> Result<Noted<ImportAnswer<ImportFailure>>, ApiError> {
    let answer = app.records().bulk_import(rows).await?.answer();
    Ok((Note::of_import(&answer), Json(answer)))
}

/// `POST /manual-whatsapp/import?dry_run=&sheet=`: an xlsx or CSV file, or a form with one.
pub async fn import<A: HasRecords>(
    State(app): State<Arc<A>>,
    ValidQuery(options): ValidQuery<SheetOptions>,
    upload: Upload,
) -> Result<Noted<ImportAnswer<ImportFailure>>, ApiError> {
    let answer = app
        .records()
        .import(upload.format, &upload.bytes, &options)
        .await?;
    Ok((Note::of_import(&answer), Json(answer)))
}

/// `GET /manual-whatsapp/export?format=xlsx|csv`.
pub async fn export<A: HasRecords>(
    State(app): State<Arc<A>>,
    ValidQuery(export): ValidQuery<Export>,
) -> Result<Response, ApiError> {
    files::download(
        app.records().export(export.format).await?,
        "Data manual WhatsApp",
    )
}

pub async fn list<A: HasRecords>(
    State(app): State<Arc<A>>,
    ValidQuery(query): ValidQuery<ListQuery>,
) -> Answer<RecordList> {
    Ok(Json(app.records().list(&query).await?))
}

pub async fn get<A: HasRecords>(
    State(app): State<Arc<A>>,
    Path(id): Path<String>,
) -> Answer<RecordAnswer> {
    let records = app.records();
    let record = records.get(&id).await?;
    Ok(Json(records.answer(record).await?))
}

pub async fn get_by_nopol<A: HasRecords>(
    State(app): State<Arc<A>>,
    Path(nopol): Path<String>,
) -> Answer<RecordAnswer> {
    let records = app.records();
    let record = records.get_by_nopol(&nopol).await?;
    Ok(Json(records.answer(record).await?))
}

pub async fn update<A: HasRecords>(
    State(app): State<Arc<A>>,
    Path(id): Path<String>,
    Valid(patch): Valid<RecordPatch>,
) -> Answer<RecordAnswer> {
    let records = app.records();
    let record = records.update(&id, patch).await?;
    Ok(Json(records.answer(record).await?))
}

pub async fn toggle_active<A: HasRecords>(
    State(app): State<Arc<A>>,
    Path(id): Path<String>,
) -> Answer<RecordAnswer> {
    let records = app.records();
    let record = records.toggle_active(&id).await?;
    Ok(Json(records.answer(record).await?))
}

pub async fn delete<A: HasRecords>(
    State(app): State<Arc<A>>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    app.records().delete(&id).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn stats<A: HasRecords>(State(app): State<Arc<A>>) -> Answer<SummaryAnswer> {
    let data = app.records().stats().await?;
    Ok(Json(SummaryAnswer {
        success: true,
        data,
    }))
}

pub async fn dashboard<A: HasRecords>(State(app): State<Arc<A>>) -> Answer<Dashboard> {
    Ok(Json(app.records().dashboard().await?))
}

/// The routes of this domain, served on any application that gives its handlers what they need.
pub fn routes<A: HasRecords>() -> Vec<Route<Arc<A>>> {
    vec![
    route(
        "manual-create",
        Method::POST,
        "/manual-whatsapp",
        Level::Staff,
        create::<A>,
    )
    .doc(|| {
        Doc::new("manual-whatsapp", "Create a manual WhatsApp customer")
            .body::<super::NewRecord>()
            .json::<super::RecordAnswer>(StatusCode::CREATED, "The record")
            .fails(&[StatusCode::CONFLICT])
    }),
    route(
        "manual-bulk-import",
        Method::POST,
        "/manual-whatsapp/bulk-import",
        Level::Staff,
        bulk_import::<A>,
    )
    .doc(|| {
        Doc::new("manual-whatsapp", "Import up to 1,000 customers")
            .about("Every row is validated and stored on its own; each failing row is named by its `index`.")
            .body::<Vec<super::ImportRow>>()
            .json_named::<ImportAnswer<super::ImportFailure>>(RESULT, StatusCode::OK, "Per-row outcome")
    }),
    route(
        "manual-import",
        Method::POST,
        "/manual-whatsapp/import",
        Level::Staff,
        import::<A>,
    )
    .body_limit(UPLOAD_LIMIT)
    .doc(|| {
        Doc::new("manual-whatsapp", "Import a spreadsheet (xlsx or CSV) of customers")
            .about("A dry run unless `dry_run=false`. At most 4 MiB and 5,000 data rows.")
            .query::<SheetOptions>()
            .upload()
            .json_named::<ImportAnswer<super::ImportFailure>>(RESULT, StatusCode::OK, "Per-row outcome, with sheet rows and cells")
    }),
    route(
        "manual-export",
        Method::GET,
        "/manual-whatsapp/export",
        Level::Read,
        export::<A>,
    )
    .doc(|| {
        Doc::new("manual-whatsapp", "Download every record as xlsx or CSV")
            .query::<Export>()
            .download()
    }),
    route("manual-list", Method::GET, "/manual-whatsapp", Level::Read, list::<A>)
    .doc(|| {
        Doc::new("manual-whatsapp", "List the records, newest first")
            .query::<ListQuery>()
            .json::<super::RecordList>(StatusCode::OK, "A page; the counts describe the whole table")
    }),
    route(
        "manual-get",
        Method::GET,
        "/manual-whatsapp/{record_id}",
        Level::Read,
        get::<A>,
    )
    .doc(|| {
        Doc::new("manual-whatsapp", "One record")
            .json::<super::RecordAnswer>(StatusCode::OK, "The record")
    }),
    route(
        "manual-get-by-nopol",
        Method::GET,
        "/manual-whatsapp/by-nopol/{nopol}",
        Level::Read,
        get_by_nopol::<A>,
    )
    .doc(|| {
        Doc::new("manual-whatsapp", "The record of a plate, in any spelling")
            .json::<super::RecordAnswer>(StatusCode::OK, "The record")
            .fails(&[StatusCode::UNPROCESSABLE_ENTITY])
    }),
    route(
        "manual-update",
        Method::PUT,
        "/manual-whatsapp/{record_id}",
        Level::Staff,
        update::<A>,
    )
    .doc(|| {
        Doc::new("manual-whatsapp", "Change a record (partial)")
            .body::<super::RecordPatch>()
            .json::<super::RecordAnswer>(StatusCode::OK, "The updated record")
            .fails(&[StatusCode::CONFLICT])
    }),
    route(
        "manual-toggle-active",
        Method::PATCH,
        "/manual-whatsapp/{record_id}/toggle-active",
        Level::Staff,
        toggle_active::<A>,
    )
    .doc(|| {
        Doc::new("manual-whatsapp", "Switch a record between active and inactive")
            .json::<super::RecordAnswer>(StatusCode::OK, "The updated record")
            .fails(&[StatusCode::CONFLICT])
    }),
    route(
        "manual-delete",
        Method::DELETE,
        "/manual-whatsapp/{record_id}",
        Level::Admin,
        delete::<A>,
    )
    .doc(|| {
        Doc::new("manual-whatsapp", "Delete a record")
            .empty(StatusCode::NO_CONTENT, "Deleted")
            .fails(&[StatusCode::CONFLICT])
    }),
    route(
        "manual-stats",
        Method::GET,
        "/manual-whatsapp/stats/summary",
        Level::Read,
        stats::<A>,
    )
    .doc(|| {
        Doc::new("manual-whatsapp", "Summary counts")
            .json::<super::api::SummaryAnswer>(StatusCode::OK, "The summary")
    }),
    route(
        "manual-dashboard",
        Method::GET,
        "/manual-whatsapp/dashboard",
        Level::Read,
        dashboard::<A>,
    )
    .doc(|| {
        Doc::new("manual-whatsapp", "Dashboard: reminders this month and the most reminded")
            .json::<super::Dashboard>(StatusCode::OK, "The dashboard")
    }),
    ]
}
