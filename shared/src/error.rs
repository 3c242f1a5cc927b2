//! Errors in the shape FastAPI gives them, because existing front ends read that shape:
//! `{"detail": "text"}`, or for validation `{"detail": [{"loc": [...], "msg": ..., "type": ...}]}`.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::{Value, json};

/// One validation problem, located like pydantic locates it: `["body", "no_hp"]`.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[schema(example = json!({"loc": ["body", "no_hp"], "msg": "Nomor HP tidak valid: '0212345678'. Gunakan nomor seluler Indonesia, misalnya 08123456789 atau 628123456789", "type": "value_error", "input": "0212345678"}))]
pub struct FieldError {
    /// Where: `body` or `query` or `path`, then field names and row indexes.
    #[schema(value_type = Vec<LocItem>)]
    pub loc: Vec<Value>,
    pub msg: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// What was given, as pydantic reports it.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Value>)]
    pub input: Option<Value>,
}

/// A step of a [`FieldError`]'s location: a field name or a row index.
#[derive(utoipa::ToSchema)]
#[allow(dead_code, reason = "the shape of a location step, for the document")]
#[serde(untagged)]
pub enum LocItem {
    Name(String),
    Index(u32),
}

impl FieldError {
    pub fn new(loc: Vec<Value>, kind: &'static str, msg: impl Into<String>) -> Self {
        Self {
            loc,
            msg: msg.into(),
            kind,
            input: None,
        }
    }

    /// A problem with the body as a whole.
    pub fn body_root(kind: &'static str, msg: impl Into<String>) -> Self {
        Self::new(vec![json!("body")], kind, msg)
    }

    pub fn with_input(mut self, input: Value) -> Self {
        self.input = Some(input);
        self
    }

    /// A problem with a field of the JSON body.
    pub fn body(field: &str, kind: &'static str, msg: impl Into<String>) -> Self {
        Self::new(vec![json!("body"), json!(field)], kind, msg)
    }
}

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
            ApiError::Unavailable(_) => {
                "Database sedang tidak dapat dihubungi, coba lagi nanti".to_string()
            }
            ApiError::Internal(_) => "Terjadi kesalahan internal server".to_string(),
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
