//! Sending WhatsApp messages and keeping the log of every attempt.

pub mod api;
mod model;

pub use model::*;

use std::collections::HashMap;

use serde::Serialize;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::App;
use crate::body::Fields;
use crate::error::{ApiError, FieldError};
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
        created_at: app.now_precise(),
    };
    if let Err(e) = app.messages.append(&entry).await {
        tracing::error!(error = %e, message_id = %entry.id, status = ?entry.status, "message log write failed");
    }
    if let Some(reason) = &entry.error {
        tracing::warn!(message_id = %entry.id, to = no_hp, %reason, "send failed");
    }
    entry
}

/// The answer of `send-custom-message` (`SendCustomMessageResponse`).
#[derive(Debug, Serialize)]
pub struct CustomMessageAnswer {
    pub status: Status,
    pub no_hp: String,
    pub message: String,
    pub api_response: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Sends a free-form message to any Indonesian mobile number.
pub async fn send_custom(app: &App, body: Value) -> Result<CustomMessageAnswer, ApiError> {
    let mut f = Fields::new(body, vec![json!("body")]).map_err(ApiError::Invalid)?;
    let phone = no_hp(&mut f);
    let phone = f.required("no_hp", phone);
    let text = f.text("message", 1, MAX_MESSAGE_CHARS);
    let text = f.required("message", text);
    let (phone, text) = match (f.finish(), phone, text) {
        (Ok(()), Some(phone), Some(text)) => (phone, text),
        (outcome, ..) => return Err(ApiError::Invalid(outcome.err().unwrap_or_default())),
    };
    let entry = send_and_log(app, &phone, &text, Source::Custom, None).await;
    Ok(CustomMessageAnswer {
        status: entry.status,
        no_hp: entry.no_hp,
        message: entry.message,
        api_response: entry.api_response,
        error: entry.error,
    })
}

/// A page of the log: `{"data": [...], "next_cursor": ...}`.
#[derive(Debug, Serialize)]
pub struct MessageList {
    pub data: Vec<MessageEntry>,
    pub next_cursor: Option<String>,
}

/// The log, newest first. Query: `status`, `source`, `limit` (1-1000, default 100), `cursor`.
pub async fn list(app: &App, params: &HashMap<String, String>) -> Result<MessageList, ApiError> {
    let query = log_query(params).map_err(ApiError::Invalid)?;
    let page = app.messages.list(&query).await?;
    Ok(MessageList {
        data: page.items,
        next_cursor: page.next_after.as_deref().map(encode_cursor),
    })
}

fn log_query(params: &HashMap<String, String>) -> Result<MessageQuery, Vec<FieldError>> {
    let mut p = Params::new(params);
    let query = MessageQuery {
        status: p.choice("status", &Status::ALL),
        source: p.choice("source", &Source::ALL),
        limit: p.limit(DEFAULT_PAGE, MAX_PAGE),
        after: p.cursor(is_position_key),
    };
    p.finish().map(|()| query)
}
