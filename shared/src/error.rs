//! Errors in the shape FastAPI gives them, because existing front ends read that shape:
//! `{"detail": "text"}`, or for validation `{"detail": [{"loc": [...], "msg": ..., "type": ...}]}`.
//!
//! This is the one place where a domain's error becomes an HTTP status and a detail: each
//! domain error enum has its `From` here. A failure of ours keeps its source for the log and
//! shows the caller a fixed sentence.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::manual::RecordError;
use crate::messages::MessageError;
use crate::reminder::ReminderError;
use crate::scheduler::schedule::ScheduleError;
use crate::store::{self, StoreError};
use crate::validation::FieldError;

/// `{"detail": "text"}`: FastAPI's `HTTPException` body.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct HttpError {
    #[schema(example = "Data manual WhatsApp tidak ditemukan")]
    pub detail: String,
}

/// `{"detail": [{"loc": …, "msg": …, "type": …, "input": …}]}`: FastAPI's validation error.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ValidationError {
    pub detail: Vec<FieldError>,
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    Unauthorized(&'static str),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    TooLarge(String),
    /// 415: a body of a type the endpoint does not read.
    #[error("{0}")]
    UnsupportedType(String),
    #[error("validation failed")]
    Invalid(Vec<FieldError>),
    /// 422 with a sentence for a detail: a file that cannot be read as a whole.
    #[error("{0}")]
    Unreadable(String),
    #[error("database unreachable: {0}")]
    Unavailable(String),
    /// A long write stopped part-way; the text tells the client how to finish or undo it.
    #[error("{0}")]
    Interrupted(String),
    #[error("internal error: {0}")]
    Internal(String),
}

impl ApiError {
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::Invalid(_) | ApiError::Unreadable(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::Unavailable(_) | ApiError::Interrupted(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn invalid(error: FieldError) -> Self {
        ApiError::Invalid(vec![error])
    }

    /// The body a client sees. Server-side failures never carry their internal text.
    fn body(self) -> Response {
        let detail = match self {
            ApiError::Invalid(detail) => return Json(ValidationError { detail }).into_response(),
            ApiError::Unavailable(_) => store::UNAVAILABLE.to_string(),
            ApiError::Internal(_) => store::INTERNAL.to_string(),
            other => other.to_string(),
        };
        Json(HttpError { detail }).into_response()
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        if status.is_server_error() {
            tracing::error!(status = status.as_u16(), error = %self, "request failed");
        } else {
            tracing::info!(status = status.as_u16(), error = %self, "request rejected");
        }
        let mut response = (status, self.body()).into_response();
        if status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::NopolTaken(_) | StoreError::Stale => ApiError::Conflict(error.reason()),
            StoreError::Unavailable(e) => ApiError::Unavailable(e),
            StoreError::Other(e) => ApiError::Internal(e),
        }
    }
}

impl From<RecordError> for ApiError {
    fn from(error: RecordError) -> Self {
        match error {
            RecordError::NotFound | RecordError::NopolNotFound(_) => {
                ApiError::NotFound(error.to_string())
            }
            RecordError::NopolTaken(_) => ApiError::Conflict(error.to_string()),
            RecordError::Invalid(detail) => ApiError::Invalid(detail),
            RecordError::Store(e) => e.into(),
        }
    }
}

// Messages, reminders and schedules.

impl From<MessageError> for ApiError {
    fn from(error: MessageError) -> Self {
        match error {
            MessageError::Store(e) => e.into(),
        }
    }
}

impl From<ReminderError> for ApiError {
    fn from(error: ReminderError) -> Self {
        match error {
            ReminderError::Record(e) => e.into(),
            ReminderError::Store(e) => e.into(),
        }
    }
}

impl From<ScheduleError> for ApiError {
    fn from(error: ScheduleError) -> Self {
        // The caller can do nothing about either; the log keeps the reason, the answer hides it.
        ApiError::Internal(error.to_string())
    }
}
