//! The HTTP handlers of sending and of the message log.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::body::JsonBody;
use crate::{ApiError, App};

/// 200 when sent (or kept in the outbox); 502 with the same body when the gateway failed.
pub async fn send_custom_message(
    State(app): State<Arc<App>>,
    JsonBody(body): JsonBody,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let answer = super::send_custom(&app, body).await?;
    let status = if answer.status == super::Status::Failed {
        StatusCode::BAD_GATEWAY
    } else {
        StatusCode::OK
    };
    Ok((status, Json(json!(answer))))
}

pub async fn list(
    State(app): State<Arc<App>>,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(json!(super::list(&app, &params).await?)))
}
