//! Sending WhatsApp messages and keeping the log of every attempt.

pub mod api;
pub mod model;

pub use model::*;

use std::collections::HashMap;

use serde::Serialize;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::App;
use crate::body::Fields;
use crate::error::ApiError;
use crate::extract::{FromBody, FromQuery};
use crate::gateway::Failure;
use crate::manual::input::no_hp;
use crate::query::{Params, encode_cursor, is_position_key};
use crate::store::MessageQuery;

/// Longest custom message accepted, in characters.
pub const MAX_MESSAGE_CHARS: usize = 2000;
/// Log entries per page, by default and at most.
pub const DEFAULT_PAGE: usize = 100;
pub const MAX_PAGE: usize = 1000;

/// Sends `message` to `no_hp` and writes the attempt to the log. A log that cannot be written
/// is reported in the service log, never as a failed send: the message may have gone out.
pub async fn send_and_log(
    app: &App,
    no_hp: &str,
    message: &str,
    source: Source,
    record_id: Option<&str>,
) -> MessageEntry {
    let outcome = app.gateway.send(no_hp, message).await;
    let (status, api_response, error) = match outcome {
        Ok(delivery) => (delivery.status, Some(delivery.api_response), None),
        Err(Failure {
            reason,
            api_response,
        }) => (Status::Failed, api_response, Some(reason)),
    };
    let entry = MessageEntry {
        id: Uuid::new_v4().to_string(),
        no_hp: no_hp.to_string(),
        message: message.to_string(),
        source,
        status,
        record_id: record_id.map(str::to_string),
        api_response,
        error,
        created_at: app.time.now_precise(),
    };
    if let Err(e) = app.messages.append(&entry).await {
        tracing::error!(error = %e, message_id = %entry.id, status = ?entry.status, "message log write failed");
    }
    if let Some(reason) = &entry.error {
        tracing::warn!(message_id = %entry.id, to = no_hp, %reason, "send failed");
    }
    entry
}

/// The answer of `send-custom-message` (`SendCustomMessageResponse`), also with 502 when the
/// gateway failed.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(example = json!({"status": "sent", "no_hp": "628123456789",
    "message": "Halo, ada promo service gratis minggu ini!",
    "api_response": {"success": true, "message": "Success sent message"}}))]
pub struct CustomMessageAnswer {
    pub status: Status,
    pub no_hp: String,
    pub message: String,
    pub api_response: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

fn message_schema() -> utoipa::openapi::schema::Object {
    crate::body::text_schema(1, MAX_MESSAGE_CHARS)
}

/// A valid `send-custom-message` request (`SendCustomMessageRequest`).
#[derive(Debug, Clone, PartialEq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"no_hp": "08123456789",
    "message": "Halo, ada promo service gratis minggu ini!"}))]
pub struct CustomMessage {
    #[schema(schema_with = crate::phone::schema)]
    pub no_hp: String,
    /// 1-2000 characters, trimmed.
    #[schema(schema_with = message_schema)]
    pub message: String,
}

impl FromBody for CustomMessage {
    type Shape = CustomMessage;

    fn from_body(body: Value) -> Result<Self, ApiError> {
        let mut f = Fields::new(body, vec![json!("body")]).map_err(ApiError::Invalid)?;
        let phone = no_hp(&mut f);
        let phone = f.required("no_hp", phone);
        let text = f.text("message", 1, MAX_MESSAGE_CHARS);
        let text = f.required("message", text);
        match (f.finish(), phone, text) {
            (Ok(()), Some(no_hp), Some(message)) => Ok(CustomMessage { no_hp, message }),
            (outcome, ..) => Err(ApiError::Invalid(outcome.err().unwrap_or_default())),
        }
    }
}

/// Sends a free-form message to any Indonesian mobile number.
pub async fn send_custom(
    app: &App,
    request: &CustomMessage,
) -> Result<CustomMessageAnswer, ApiError> {
    let entry = send_and_log(app, &request.no_hp, &request.message, Source::Custom, None).await;
    Ok(CustomMessageAnswer {
        status: entry.status,
        no_hp: entry.no_hp,
        message: entry.message,
        api_response: entry.api_response,
        error: entry.error,
    })
}

/// A page of the log: `{"data": [...], "next_cursor": ...}`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MessageList {
    pub data: Vec<MessageEntry>,
    pub next_cursor: Option<String>,
}

/// The log, newest first.
pub async fn list(app: &App, query: &MessageQuery) -> Result<MessageList, ApiError> {
    let page = app.messages.list(query).await?;
    Ok(MessageList {
        data: page.items,
        next_cursor: page.next_after.as_deref().map(encode_cursor),
    })
}

/// The query of the log, as the OpenAPI document shows it.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(
    dead_code,
    reason = "the shape MessageQuery is read from, for the document"
)]
pub struct LogParams {
    #[param(inline)]
    status: Option<Status>,
    #[param(inline)]
    source: Option<Source>,
    /// Entries per page.
    #[param(minimum = 1, maximum = 1000, default = 100)]
    limit: Option<u32>,
    /// The previous page's `next_cursor`.
    cursor: Option<String>,
}

/// `?status=&source=&limit=&cursor=`.
impl FromQuery for MessageQuery {
    type Shape = LogParams;

    fn from_query(raw: &HashMap<String, String>) -> Result<Self, ApiError> {
        let mut p = Params::new(raw);
        let query = MessageQuery {
            status: p.choice("status", &Status::ALL),
            source: p.choice("source", &Source::ALL),
            limit: p.limit(DEFAULT_PAGE, MAX_PAGE),
            after: p.cursor(is_position_key),
        };
        p.finish().map(|()| query).map_err(ApiError::Invalid)
    }
}
