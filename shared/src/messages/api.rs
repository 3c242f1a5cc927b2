//! The HTTP handlers of sending and of the message log.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;

use super::{CustomMessage, CustomMessageAnswer, MessageList};
use crate::extract::{Valid, ValidQuery};
use crate::store::MessageQuery;
use crate::{ApiError, App};

/// 200 when sent (or kept in the outbox); 502 with the same body when the gateway failed.
pub async fn send_custom_message(
    State(app): State<Arc<App>>,
    Valid(request): Valid<CustomMessage>,
) -> Result<(StatusCode, Json<CustomMessageAnswer>), ApiError> {
    let answer = app.messenger().send_custom(&request).await?;
    let status = if answer.status == super::Status::Failed {
        StatusCode::BAD_GATEWAY
    } else {
        StatusCode::OK
    };
    Ok((status, Json(answer)))
}

pub async fn list(
    State(app): State<Arc<App>>,
    ValidQuery(query): ValidQuery<MessageQuery>,
) -> Result<Json<MessageList>, ApiError> {
    Ok(Json(app.messenger().list(&query).await?))
}
