//! What wraps every request: a request id for the logs and the answer, one access log line,
//! and JSON bodies on every error, including those raised before a handler runs.

use std::sync::Arc;
use std::time::Instant;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::json;
use tracing::Instrument;

use crate::{ApiError, App};

pub const REQUEST_ID: &str = "x-request-id";

/// Tags the request with an id (the caller's `x-request-id`, else a new one), logs it with every
/// line of the request, and returns it in the `x-request-id` header.
pub async fn request_id(request: Request, next: Next) -> Response {
    let id = request
        .headers()
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty() && v.len() <= 128)
        .map_or_else(|| uuid::Uuid::new_v4().to_string(), str::to_string);
    let span = tracing::info_span!("request", request_id = %id, method = %request.method(), path = %request.uri().path());
    async move {
        let started = Instant::now();
        let mut response = json_errors(next.run(request).await);
        tracing::info!(
            status = response.status().as_u16(),
            ms = started.elapsed().as_millis() as u64,
            "served"
        );
        if let Ok(value) = HeaderValue::from_str(&id) {
            response.headers_mut().insert(REQUEST_ID, value);
        }
        response
    }
    .instrument(span)
    .await
}

/// Gives a JSON `{"detail": …}` body to error answers that have another (framework rejections).
fn json_errors(response: Response) -> Response {
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
    let subject = claims.get("sub").cloned().unwrap_or_default();
    tracing::debug!(sub = %subject, "authenticated");
    Ok(next.run(request).await)
}
