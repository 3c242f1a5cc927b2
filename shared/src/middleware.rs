//! What wraps every request: a request id for the logs and the answer, one access log line
//! (tower-http's, in [`crate::routes`]), JSON bodies on every error, including those raised
//! before a handler runs, and the bearer check.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::json;
use tower_http::request_id::RequestId;
use tracing::Span;

use crate::{ApiError, App};

pub const REQUEST_ID: &str = "x-request-id";

/// Longest caller's request id kept; a longer or empty one is replaced by a new id.
pub const MAX_REQUEST_ID_BYTES: usize = 128;

/// Takes away a caller's `x-request-id` no log could use (empty, over
/// [`MAX_REQUEST_ID_BYTES`], or not visible ASCII), so that `SetRequestIdLayer` gives the
/// request a new one.
pub async fn drop_unusable_request_id(mut request: Request) -> Request {
    let usable = |id: &HeaderValue| {
        !id.is_empty() && id.len() <= MAX_REQUEST_ID_BYTES && id.to_str().is_ok()
    };
    if request
        .headers()
        .get(REQUEST_ID)
        .is_some_and(|id| !usable(id))
    {
        request.headers_mut().remove(REQUEST_ID);
    }
    request
}

/// The span every log line of a request is written in: its id (set by tower-http's
/// `SetRequestIdLayer`: the caller's `x-request-id`, else a new UUID), method and path.
pub fn request_span(request: &Request) -> Span {
    let id = request
        .extensions()
        .get::<RequestId>()
        .and_then(|id| id.header_value().to_str().ok())
        .unwrap_or_default();
    tracing::info_span!("request", request_id = %id, method = %request.method(), path = %request.uri().path())
}

/// Gives a JSON `{"detail": …}` body to error answers that have another (framework rejections).
pub async fn json_errors(response: Response) -> Response {
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if !status.is_client_error() && !status.is_server_error() || is_json {
        return response;
    }
    let reason = status.canonical_reason().unwrap_or("Error");
    let (mut parts, _) = response.into_parts();
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(json!({"detail": reason}).to_string()))
}

pub async fn not_found() -> ApiError {
    ApiError::NotFound("Not Found".into())
}

pub async fn method_not_allowed() -> Response {
    (
        axum::http::StatusCode::METHOD_NOT_ALLOWED,
        axum::Json(json!({"detail": "Method Not Allowed"})),
    )
        .into_response()
}

/// Refuses the request with 401 unless it carries `Authorization: Bearer <valid JWT>`.
pub async fn require_bearer(
    State(app): State<Arc<App>>,
    request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let token = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| {
            value
                .strip_prefix("Bearer ")
                .or_else(|| value.strip_prefix("bearer "))
        })
        .map(str::trim)
        .filter(|token| !token.is_empty())
        .ok_or(ApiError::Unauthorized("Not authenticated"))?;
    let claims = app.auth.verify(token)?;
    tracing::debug!(sub = ?claims.sub, "authenticated");
    Ok(next.run(request).await)
}
