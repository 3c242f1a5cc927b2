//! The HTTP handlers of `/manual-whatsapp`: extract, call the service, shape the answer.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};

use super::service;
use crate::body::JsonBody;
use crate::files::{self, Upload};
use crate::{ApiError, App};

type Answer = Result<(StatusCode, Json<Value>), ApiError>;

fn ok(value: impl serde::Serialize) -> Answer {
    Ok((StatusCode::OK, Json(json!(value))))
}

/// `{"success": true, "data": …}`, the envelope the source's summary endpoints use.
fn success(data: impl serde::Serialize) -> Answer {
    ok(json!({"success": true, "data": data}))
}

pub async fn create(State(app): State<Arc<App>>, JsonBody(body): JsonBody) -> Answer {
    let record = service::create(&app, body).await?;
    Ok((StatusCode::CREATED, Json(json!(record))))
}

pub async fn bulk_import(State(app): State<Arc<App>>, JsonBody(body): JsonBody) -> Answer {
    ok(service::bulk_import(&app, body).await?.answer())
}

/// `POST /manual-whatsapp/import?dry_run=&sheet=`: an xlsx or CSV file, or a form with one.
pub async fn import(
    State(app): State<Arc<App>>,
    Query(params): Query<HashMap<String, String>>,
    upload: Upload,
) -> Answer {
    ok(super::sheet::import(&app, upload.format, &upload.bytes, &params).await?)
}

/// `GET /manual-whatsapp/export?format=xlsx|csv`.
pub async fn export(
    State(app): State<Arc<App>>,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    files::download(
        super::sheet::export(&app, &params).await?,
        "Data manual WhatsApp",
    )
}

pub async fn list(
    State(app): State<Arc<App>>,
    Query(params): Query<HashMap<String, String>>,
) -> Answer {
    ok(service::list(&app, &params).await?)
}

pub async fn get(State(app): State<Arc<App>>, Path(id): Path<String>) -> Answer {
    ok(service::get(&app, &id).await?)
}

pub async fn get_by_nopol(State(app): State<Arc<App>>, Path(nopol): Path<String>) -> Answer {
    ok(service::get_by_nopol(&app, &nopol).await?)
}

pub async fn update(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> Answer {
    ok(service::update(&app, &id, body).await?)
}

pub async fn toggle_active(State(app): State<Arc<App>>, Path(id): Path<String>) -> Answer {
    ok(service::toggle_active(&app, &id).await?)
}

pub async fn delete(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    service::delete(&app, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn stats(State(app): State<Arc<App>>) -> Answer {
    success(service::stats(&app).await?)
}

pub async fn dashboard(State(app): State<Arc<App>>) -> Answer {
    ok(service::dashboard(&app).await?)
}
