//! StarSender's incoming-message webhook (`POST /webhooks/starsender/{secret}`, no token: the
//! path's secret is the credential): each message a customer sends, as JSON or a form, handed
//! to the replies domain (opt-out keywords, odometer readings, the inbox).

use std::collections::HashMap;
use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use serde::Serialize;
use serde_json::{Map, Value, json};
use subtle::ConstantTimeEq;

use crate::body::Fields;
use crate::error::ApiError;
use crate::extract::FromBody;
use crate::openapi::Doc;
use crate::replies::api::HasReplies;
use crate::replies::{Incoming, Received, Reply};
use crate::route::{Route, webhook};

/// The largest webhook body read: StarSender's are a few hundred bytes.
pub const MAX_WEBHOOK_BYTES: usize = 64 * 1024;
/// Longest reply text kept, in characters.
const MAX_REPLY_CHARS: usize = 4096;

/// What the webhook needs of the application that serves it.
pub trait HasStarSenderWebhook: HasReplies {
    /// `STARSENDER_WEBHOOK_SECRET`; without it the webhook is not there (404).
    fn webhook_secret(&self) -> Option<&str>;
}

/// The webhook's answer: what it did.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct WebhookAnswer {
    pub status: Received,
}

/// Whether `given` is `expected`, in time that does not depend on where they differ.
fn secret_matches(given: &str, expected: Option<&str>) -> bool {
    expected.is_some_and(|expected| bool::from(given.as_bytes().ct_eq(expected.as_bytes())))
}

/// `POST /webhooks/starsender/{secret}`: 404 unless the secret is right, whatever the body.
pub async fn receive<A: HasStarSenderWebhook>(
    State(app): State<Arc<A>>,
    Path(secret): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<WebhookAnswer>, ApiError> {
    if !secret_matches(&secret, app.webhook_secret()) {
        return Err(ApiError::NotFound("Not Found".into()));
    }
    let body = body.map_err(|_| {
        ApiError::TooLarge(format!(
            "Isi webhook lebih dari {} KiB",
            MAX_WEBHOOK_BYTES / 1024
        ))
    })?;
    let incoming = Incoming::from_body(Value::Object(body_object(&headers, &body)?))?;
    let replies = app.replies();
    let reply = Reply::new(incoming, replies.time.now());
    Ok(Json(WebhookAnswer {
        status: replies.receive(reply).await?,
    }))
}

/// The body as a JSON object, form-encoded or JSON.
fn body_object(headers: &HeaderMap, body: &[u8]) -> Result<Map<String, Value>, ApiError> {
    let form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if form {
        let pairs: HashMap<String, String> = serde_urlencoded::from_bytes(body)
            .map_err(|_| ApiError::Unreadable("Isi form webhook tidak dapat dibaca".into()))?;
        return Ok(pairs
            .into_iter()
            .map(|(k, v)| (k, Value::String(v)))
            .collect());
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(object)) => Ok(object),
        _ => Err(ApiError::Unreadable("Isi webhook bukan objek JSON".into())),
    }
}

/// The four fields; anything else StarSender adds is ignored.
impl FromBody for Incoming {
    type Shape = Incoming;

    fn from_body(body: Value) -> Result<Self, ApiError> {
        let object = match body {
            Value::Object(object) => known_fields(object),
            other => other.as_object().cloned().unwrap_or_default(),
        };
        let mut f =
            Fields::new(Value::Object(object), vec![json!("body")]).map_err(ApiError::Invalid)?;
        let device = f.text("device", 1, 100).given();
        let timestamp = f.text("timestamp", 1, 100).given();
        let message = f.lines("message", 1, MAX_REPLY_CHARS);
        let message = f.required("message", message);
        let from = f.parsed("from", sender, |input| {
            format!("Nomor pengirim tidak valid: '{input}'")
        });
        let from = f.required("from", from);
        match (f.finish(), message, from) {
            (Ok(()), Some(message), Some(from)) => Ok(Incoming {
                device,
                message,
                from,
                timestamp,
            }),
            (outcome, ..) => Err(ApiError::Invalid(outcome.err().unwrap_or_default())),
        }
    }
}

/// `device`, `message`, `from` and `timestamp`, numbers read as their text.
fn known_fields(object: Map<String, Value>) -> Map<String, Value> {
    object
        .into_iter()
        .filter(|(name, _)| ["device", "message", "from", "timestamp"].contains(&name.as_str()))
        .map(|(name, value)| match value {
            Value::Number(n) => (name, Value::String(n.to_string())),
            other => (name, other),
        })
        .collect()
}

/// The sender normalised: `6281…@s.whatsapp.net` is `6281…`.
fn sender(text: &str) -> Option<String> {
    crate::phone::normalize(text.split('@').next().unwrap_or(text))
}

/// The webhook's route, served on any application that gives it what it needs.
pub fn routes<A: HasStarSenderWebhook>() -> Vec<Route<Arc<A>>> {
    vec![
        webhook(
            "replies-webhook",
            "/webhooks/starsender/{secret}",
            receive::<A>,
        )
        .body_limit(MAX_WEBHOOK_BYTES)
        .doc(|| {
            Doc::new(
                "replies",
                "StarSender's incoming-message webhook (JSON or form; the path holds the secret)",
            )
            .about(
                "StarSender calls this for each message a customer sends: STOP or BERHENTI opts \
                 the number out, MULAI opts it back in, an odometer reading is recorded, any \
                 other text lands in the inbox. No bearer token: the secret in the path \
                 (`STARSENDER_WEBHOOK_SECRET`) is the check, and a wrong one answers 404.",
            )
            .body::<Incoming>()
            .json::<WebhookAnswer>(StatusCode::OK, "What the reply did")
            .fails(&[StatusCode::NOT_FOUND])
        }),
    ]
}
