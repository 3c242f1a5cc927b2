//! Errors in the shape FastAPI gives them, because existing front ends read that shape:
//! `{"detail": "text"}`, or for validation `{"detail": [{"loc": [...], "msg": ..., "type": ...}]}`.
//!
//! A domain's own errors become these in one place, `domain_errors`. A failure of ours
//! keeps its source for the log and shows the caller a fixed sentence.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::store_error::StoreError;
use crate::validation::FieldError;

/// What a caller is told when the database cannot be reached.
pub const UNAVAILABLE: &str = "Database sedang tidak dapat dihubungi, coba lagi nanti";
/// What a caller is told of a failure that is ours, not theirs.
pub const INTERNAL: &str = "Terjadi kesalahan internal server";

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
    /// 403: a valid token whose roles do not reach the route's level.
    #[error("{0}")]
    Forbidden(String),
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
    /// 503: this deployment lacks a setting the request needs; the text names it.
    #[error("{0}")]
    Disabled(String),
    /// 429: a limit of the workshop's number; `Retry-After` says when to try again.
    #[error("{detail}")]
    TooMany { detail: String, retry_after: u64 },
    #[error("internal error: {0}")]
    Internal(String),
}

impl ApiError {
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::Invalid(_) | ApiError::Unreadable(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::TooMany { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Unavailable(_) | ApiError::Interrupted(_) | ApiError::Disabled(_) => {
                StatusCode::SERVICE_UNAVAILABLE
            }
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
            ApiError::Unavailable(_) => UNAVAILABLE.to_string(),
            ApiError::Internal(_) => INTERNAL.to_string(),
            other => other.to_string(),
        };
        Json(HttpError { detail }).into_response()
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let retry_after = match &self {
            ApiError::TooMany { retry_after, .. } => Some(*retry_after),
            _ => None,
        };
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
        if let Some(seconds) = retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

/// Every problem of a request's fields at once: a 422.
impl From<Vec<FieldError>> for ApiError {
    fn from(detail: Vec<FieldError>) -> Self {
        ApiError::Invalid(detail)
    }
}

impl StoreError {
    /// What a caller is told of this failure, in Indonesian: never the database's own words,
    /// which stay in the log.
    pub fn reason(&self) -> String {
        match self {
            StoreError::NopolTaken(key) => format!("Nopol {key} sudah terdaftar"),
            StoreError::Stale => "Data sedang diubah oleh permintaan lain, coba lagi".into(),
            StoreError::Unavailable(_) => UNAVAILABLE.into(),
            StoreError::Other(_) => INTERNAL.into(),
        }
    }
}
