//! The HTTP handlers of `/customers`: extract, call the service, shape the answer.

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

fn ok(value: Value) -> Answer {
    Ok((StatusCode::OK, Json(value)))
}

fn created(value: Value) -> Answer {
    Ok((StatusCode::CREATED, Json(value)))
}

const NO_CONTENT: StatusCode = StatusCode::NO_CONTENT;

pub async fn create(State(app): State<Arc<App>>, JsonBody(body): JsonBody) -> Answer {
    created(service::create(&app, body).await?)
}

pub async fn bulk_import(State(app): State<Arc<App>>, JsonBody(body): JsonBody) -> Answer {
    ok(json!(service::bulk_import(&app, body).await?.answer()))
}

/// `POST /customers/import?dry_run=&sheet=`: an xlsx or CSV file, or a form with one.
pub async fn import(
    State(app): State<Arc<App>>,
    Query(params): Query<HashMap<String, String>>,
    upload: Upload,
) -> Answer {
    let answer = super::sheet::import(&app, upload.format, &upload.bytes, &params).await?;
    ok(json!(answer))
}

/// `GET /customers/export?format=xlsx|csv`.
pub async fn export(
    State(app): State<Arc<App>>,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    files::download(super::sheet::export(&app, &params).await?, "Data customer")
}

pub async fn list(
    State(app): State<Arc<App>>,
    Query(params): Query<HashMap<String, String>>,
) -> Answer {
    ok(json!(service::list(&app, &params).await?))
}

pub async fn get(State(app): State<Arc<App>>, Path(id): Path<String>) -> Answer {
    ok(service::get(&app, &id).await?)
}

pub async fn update(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> Answer {
    ok(service::update(&app, &id, body).await?)
}

pub async fn delete(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    service::delete(&app, &id).await?;
    Ok(NO_CONTENT)
}

pub async fn vehicles(State(app): State<Arc<App>>, Path(id): Path<String>) -> Answer {
    ok(service::vehicles(&app, &id).await?)
}

pub async fn add_vehicle(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> Answer {
    created(service::add_vehicle(&app, &id, body).await?)
}

pub async fn get_vehicle(
    State(app): State<Arc<App>>,
    Path((id, vehicle_id)): Path<(String, String)>,
) -> Answer {
    ok(service::get_vehicle(&app, &id, &vehicle_id).await?)
}

pub async fn update_vehicle(
    State(app): State<Arc<App>>,
    Path((id, vehicle_id)): Path<(String, String)>,
    JsonBody(body): JsonBody,
) -> Answer {
    ok(service::update_vehicle(&app, &id, &vehicle_id, body).await?)
}

pub async fn delete_vehicle(
    State(app): State<Arc<App>>,
    Path((id, vehicle_id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    service::delete_vehicle(&app, &id, &vehicle_id).await?;
    Ok(NO_CONTENT)
}
