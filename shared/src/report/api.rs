//! The HTTP handlers of `/whatsapp-report`.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};

use super::service;
use crate::{ApiError, App};

type Answer = Result<Json<Value>, ApiError>;

pub async fn list(State(app): State<Arc<App>>) -> Answer {
    Ok(Json(service::list(&app).await?))
}

pub async fn detail(State(app): State<Arc<App>>) -> Answer {
    Ok(Json(service::detail(&app).await?))
}

pub async fn statistics(State(app): State<Arc<App>>) -> Answer {
    Ok(Json(json!(service::statistics(&app).await?)))
}

pub async fn of_customer(State(app): State<Arc<App>>, Path(id): Path<String>) -> Answer {
    Ok(Json(service::of_customer(&app, &id).await?))
}

pub async fn of_pair(
    State(app): State<Arc<App>>,
    Path((id, vehicle_id)): Path<(String, String)>,
) -> Answer {
    Ok(Json(service::of_pair(&app, &id, &vehicle_id).await?))
}

pub async fn delete(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    service::delete(&app, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn reset_frequency(
    State(app): State<Arc<App>>,
    Query(params): Query<HashMap<String, String>>,
) -> Answer {
    Ok(Json(json!(service::reset(&app, &params).await?)))
}

pub async fn snapshots(State(app): State<Arc<App>>) -> Answer {
    Ok(Json(json!(service::snapshots(&app).await?)))
}

pub async fn restore(State(app): State<Arc<App>>, Path(id): Path<String>) -> Answer {
    Ok(Json(service::restore(&app, &id).await?))
}

/// `GET /whatsapp-report/export?format=xlsx|csv`: the detail rows.
pub async fn export(
    State(app): State<Arc<App>>,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    crate::files::download(service::export(&app, &params).await?, "Report WhatsApp")
}
