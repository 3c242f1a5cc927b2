//! The Cloud API's webhook (`/webhooks/whatsapp-cloud`, no token): `GET` answers Meta's
//! verification handshake; `POST` carries statuses of sent messages and customers' messages,
//! signed with the app secret (`X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw
//! body>`). A body whose signature is missing or wrong changes nothing. Statuses go to the
//! message log (never backwards, a repeat changes nothing); texts go where StarSender's
//! replies go (opt-out keywords, readings, the inbox).

use std::collections::HashMap;
use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::IntoResponse;
use chrono::{DateTime, FixedOffset, TimeZone};
use hmac::{Hmac, KeyInit, Mac};
use serde::{Deserialize, Serialize};
use serde_json::Value;
#[allow(unused_imports)] // the schemas' examples
use serde_json::json;
use sha2::Sha256;
use subtle::ConstantTimeEq;

use super::cloud_api;
use crate::error::ApiError;
use crate::extract::{FromBody, FromQuery};
use crate::messages::delivery::{Applied, Deliveries};
use crate::messages::model::DeliveryStatus;
use crate::openapi::Doc;
use crate::query::Params;
use crate::replies::api::HasReplies;
use crate::replies::{Incoming, Received, Reply};
use crate::route::{Access, Route, route, webhook};

pub const PATH: &str = "/webhooks/whatsapp-cloud";
/// The largest body read: Meta batches a few statuses and messages per call.
pub const MAX_BODY_BYTES: usize = 256 * 1024;
const SIGNATURE: &str = "x-hub-signature-256";

/// What the webhook needs of the application that serves it.
pub trait HasCloudWebhook: HasReplies {
    fn deliveries(&self) -> Deliveries<'_>;
    fn cloud_api(&self) -> &cloud_api::Settings;
}

/// `?hub.mode=subscribe&hub.verify_token=…&hub.challenge=…`.
#[derive(Debug, Clone, PartialEq, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Handshake {
    #[param(rename = "hub.mode", value_type = String, pattern = "^subscribe$")]
    pub mode: String,
    #[param(rename = "hub.verify_token", value_type = String, min_length = 1, max_length = 200)]
    pub verify_token: String,
    #[param(rename = "hub.challenge", value_type = String, min_length = 1, max_length = 200)]
    pub challenge: String,
}

impl FromQuery for Handshake {
    fn from_query(raw: &HashMap<String, String>) -> Result<Self, ApiError> {
        let mut p = Params::new(raw);
        let mut given = |name: &str| match p.text(name) {
            Some(v) if !v.is_empty() && v.chars().count() <= 200 => v,
            _ => {
                p.refuse(name, "Wajib diisi, 1-200 karakter");
                String::new()
            }
        };
        let handshake = Handshake {
            mode: given("hub.mode"),
            verify_token: given("hub.verify_token"),
            challenge: given("hub.challenge"),
        };
        if !handshake.mode.is_empty() && handshake.mode != "subscribe" {
            p.refuse("hub.mode", "Harus 'subscribe'");
        }
        p.finish().map(|()| handshake).map_err(ApiError::Invalid)
    }
}

/// `GET`: the challenge echoed as text when the verify token is right; 403 otherwise.
pub async fn verify<A: HasCloudWebhook>(
    State(app): State<Arc<A>>,
    Query(raw): Query<HashMap<String, String>>,
) -> Result<impl IntoResponse, ApiError> {
    // Without a verify token the webhook is not there, whatever the query.
    let Some(expected) = app.cloud_api().verify_token.as_deref() else {
        return Err(ApiError::NotFound("Not Found".into()));
    };
    let query = Handshake::from_query(&raw)?;
    if !bool::from(query.verify_token.as_bytes().ct_eq(expected.as_bytes())) {
        return Err(ApiError::Forbidden("Verify token salah".into()));
    }
    Ok((
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        query.challenge,
    ))
}

/// Whether `signature` (`sha256=<hex>`) is the HMAC-SHA256 of `body` under `secret`, compared
/// in constant time.
pub fn signed(secret: &str, body: &[u8], signature: Option<&str>) -> bool {
    let Some(hex_digest) = signature.and_then(|s| s.strip_prefix("sha256=")) else {
        return false;
    };
    let Ok(digest) = hex::decode(hex_digest) else {
        return false;
    };
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else {
        return false;
    };
    mac.update(body);
    mac.verify_slice(&digest).is_ok()
}

/// `POST`: 401 unless signed, then every status and text of the body applied.
pub async fn receive<A: HasCloudWebhook>(
    State(app): State<Arc<A>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<CloudWebhookAnswer>, ApiError> {
    let Some(secret) = app.cloud_api().app_secret.as_deref() else {
        return Err(ApiError::NotFound("Not Found".into()));
    };
    let signature = headers.get(SIGNATURE).and_then(|v| v.to_str().ok());
    if !signed(secret, &body, signature) {
        return Err(ApiError::Unauthorized(
            "Tanda tangan X-Hub-Signature-256 tidak valid",
        ));
    }
    let value: Value = serde_json::from_slice(&body)
        .map_err(|_| ApiError::Unreadable("Isi webhook bukan JSON".into()))?;
    let notification = Notification::from_body(value)?;
    let mut answer = CloudWebhookAnswer::default();
    for value in notification
        .entry
        .iter()
        .flat_map(|e| &e.changes)
        .map(|c| &c.value)
    {
        for status in &value.statuses {
            apply_status(app.as_ref(), status, &mut answer).await?;
        }
        let device = value
            .metadata
            .as_ref()
            .and_then(|m| m.phone_number_id.clone());
        for message in &value.messages {
            receive_message(app.as_ref(), message, device.clone(), &mut answer).await?;
        }
    }
    Ok(Json(answer))
}

async fn apply_status<A: HasCloudWebhook>(
    app: &A,
    status: &CloudStatus,
    answer: &mut CloudWebhookAnswer,
) -> Result<(), ApiError> {
    let deliveries = app.deliveries();
    let Some(word) = DeliveryStatus::parse(&status.status) else {
        answer.ignored += 1;
        return Ok(());
    };
    let at = instant(status.timestamp.as_deref(), deliveries.time.now());
    let error = status.errors.first().map(|e| {
        let code = e.code.map_or("-".into(), |c| c.to_string());
        let title = e.title.as_deref().or(e.message.as_deref()).unwrap_or("");
        format!("Cloud API kode {code}: {title}")
    });
    match deliveries.apply(&status.id, word, error, at).await? {
        Applied::Changed => answer.changed += 1,
        Applied::Unchanged => answer.unchanged += 1,
        Applied::UnknownMessage => answer.unknown_messages += 1,
    }
    Ok(())
}

/// A text goes where StarSender's replies go; other kinds (media, reactions) are only counted.
async fn receive_message<A: HasCloudWebhook>(
    app: &A,
    message: &CloudMessage,
    device: Option<String>,
    answer: &mut CloudWebhookAnswer,
) -> Result<(), ApiError> {
    let Some(text) = message.text.as_ref().map(|t| t.body.clone()) else {
        answer.ignored += 1;
        return Ok(());
    };
    let incoming = Incoming::from_body(json!({
        "device": device,
        "from": message.from,
        "message": text,
        "timestamp": message.timestamp,
    }));
    let Ok(incoming) = incoming else {
        // One unreadable message must not make Meta resend the others.
        tracing::warn!("cloud webhook: a message with an unreadable sender or text was skipped");
        answer.ignored += 1;
        return Ok(());
    };
    let replies = app.replies();
    let reply = Reply::new(incoming, replies.time.now());
    match replies.receive(reply).await? {
        Received::Duplicate => answer.unchanged += 1,
        _ => answer.replies += 1,
    }
    Ok(())
}

/// Meta's Unix seconds, in the workshop's zone; `now` when absent or unreadable.
fn instant(timestamp: Option<&str>, now: DateTime<FixedOffset>) -> DateTime<FixedOffset> {
    timestamp
        .and_then(|t| t.parse::<i64>().ok())
        .and_then(|secs| now.timezone().timestamp_opt(secs, 0).single())
        .unwrap_or(now)
}

/// What the webhook did with a body.
#[derive(Debug, Default, Serialize, utoipa::ToSchema)]
pub struct CloudWebhookAnswer {
    /// Statuses that moved a message on.
    pub changed: u32,
    /// Statuses and messages told before, or behind: nothing changed.
    pub unchanged: u32,
    /// Statuses of messages this log does not hold.
    pub unknown_messages: u32,
    /// Customers' texts received.
    pub replies: u32,
    /// Statuses and messages of kinds that are not kept.
    pub ignored: u32,
}

/// Meta's notification (`object: whatsapp_business_account`), the fields read; others ignored.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[schema(as = CloudApiNotification, example = json!({"object": "whatsapp_business_account",
    "entry": [{"id": "102290129340398", "changes": [{"field": "messages", "value": {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "6281100000000", "phone_number_id": "106540352242922"},
        "statuses": [{"id": "wamid.HBgNNjI4MTIzNDU2Nzg5FQIAERgSQ0", "status": "delivered",
            "timestamp": "1767000000", "recipient_id": "628123456789"}]}}]}]}))]
pub struct Notification {
    pub object: Option<String>,
    #[serde(default)]
    pub entry: Vec<NotificationEntry>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[schema(as = CloudApiEntry)]
pub struct NotificationEntry {
    pub id: Option<String>,
    #[serde(default)]
    pub changes: Vec<Change>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[schema(as = CloudApiChange)]
pub struct Change {
    pub field: Option<String>,
    pub value: ChangeValue,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[schema(as = CloudApiChangeValue)]
pub struct ChangeValue {
    /// `whatsapp`.
    pub messaging_product: Option<String>,
    pub metadata: Option<Metadata>,
    #[serde(default)]
    pub statuses: Vec<CloudStatus>,
    #[serde(default)]
    pub messages: Vec<CloudMessage>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[schema(as = CloudApiMetadata)]
pub struct Metadata {
    /// The workshop's number as WhatsApp shows it.
    pub display_phone_number: Option<String>,
    pub phone_number_id: Option<String>,
}

/// A status of a sent message: `sent`, `delivered`, `read` or `failed` (with `errors`).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct CloudStatus {
    /// The `wamid…` the send answered.
    #[schema(max_length = 256)]
    pub id: String,
    pub status: String,
    /// Unix seconds.
    pub timestamp: Option<String>,
    pub recipient_id: Option<String>,
    #[serde(default)]
    pub errors: Vec<CloudError>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct CloudError {
    pub code: Option<i64>,
    pub title: Option<String>,
    pub message: Option<String>,
}

/// A customer's message; only `text` ones are read.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct CloudMessage {
    /// The sender, `628…`.
    pub from: String,
    pub id: Option<String>,
    pub timestamp: Option<String>,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub text: Option<CloudText>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct CloudText {
    pub body: String,
}

impl FromBody for Notification {
    type Shape = Notification;

    fn from_body(body: Value) -> Result<Self, ApiError> {
        serde_json::from_value(body).map_err(|e| {
            ApiError::Unreadable(format!("Isi webhook tidak sesuai bentuk Cloud API: {e}"))
        })
    }
}

/// The webhook's two routes, served on any application that gives them what they need.
pub fn routes<A: HasCloudWebhook>() -> Vec<Route<Arc<A>>> {
    vec![
        Route {
            access: Access::Webhook,
            ..route(
                "cloud-webhook-verify",
                Method::GET,
                PATH,
                crate::actor::Level::Read,
                verify::<A>,
            )
        }
        .doc(|| {
            Doc::new("replies", "The Cloud API webhook's verification handshake")
                .about(
                    "Meta calls this once when the webhook is subscribed in its app dashboard: \
                     with `hub.mode=subscribe` and `hub.verify_token` equal to \
                     `CLOUD_API_VERIFY_TOKEN`, `hub.challenge` is echoed as text. A wrong token \
                     answers 403; no verify token configured, 404. No bearer token.",
                )
                .query::<Handshake>()
                .text(StatusCode::OK, "hub.challenge, echoed as text")
                .fails(&[StatusCode::FORBIDDEN, StatusCode::NOT_FOUND])
        }),
        webhook("cloud-webhook", PATH, receive::<A>)
            .body_limit(MAX_BODY_BYTES)
            .doc(|| {
                Doc::new(
                    "replies",
                    "The Cloud API webhook: statuses and customers' messages, signed \
                     (X-Hub-Signature-256)",
                )
                .about(
                    "Meta posts message statuses (`sent`, `delivered`, `read`, `failed`) and \
                     customers' messages here. The body must carry `X-Hub-Signature-256`, the \
                     HMAC-SHA256 of the raw body under the app secret; missing or wrong answers \
                     401 and changes nothing. A status never moves a message backwards and a \
                     repeat changes nothing; texts go where StarSender's replies go (opt-out \
                     keywords, odometer readings, the inbox) and open the 24-hour window.",
                )
                .body::<Notification>()
                .json::<CloudWebhookAnswer>(StatusCode::OK, "What the body did")
                .fails(&[StatusCode::UNAUTHORIZED, StatusCode::NOT_FOUND])
            }),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sign(secret: &str, body: &[u8]) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key");
        mac.update(body);
        format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
    }

    #[test]
    fn only_the_app_secrets_signature_of_this_body_passes() {
        let body = br#"{"object":"whatsapp_business_account"}"#;
        let good = sign("rahasia", body);
        assert!(signed("rahasia", body, Some(&good)));
        assert!(!signed("lain", body, Some(&good)));
        assert!(!signed("rahasia", b"{}", Some(&good)));
        assert!(!signed("rahasia", body, None));
        assert!(!signed(
            "rahasia",
            body,
            Some(good.trim_start_matches("sha256="))
        ));
        assert!(!signed("rahasia", body, Some("sha256=zz")));
    }
}
