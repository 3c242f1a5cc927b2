//! The message log: every attempt to send a WhatsApp message, whatever started it.

use chrono::{DateTime, FixedOffset, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// What started a send.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// `POST /manual-whatsapp/send-custom-message`.
    Custom,
    /// `POST /manual-whatsapp/{record_id}/send-reminder`.
    Single,
    /// `POST /manual-whatsapp/send-reminders`.
    Bulk,
    /// The daily schedule.
    Scheduled,
}

/// How a send ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = MessageStatus)]
pub enum Status {
    /// The gateway accepted it (HTTP 2xx and `"success": true`).
    Sent,
    /// The gateway refused it, failed, or its outcome is unknown (a timeout).
    Failed,
    /// No gateway key is configured: kept in the local outbox, never sent.
    Outbox,
}

impl Source {
    pub const ALL: [Source; 4] = [
        Source::Custom,
        Source::Single,
        Source::Bulk,
        Source::Scheduled,
    ];
}

impl Status {
    pub const ALL: [Status; 3] = [Status::Sent, Status::Failed, Status::Outbox];
}

/// One entry of the log, as `GET /messages` shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct MessageEntry {
    pub id: String,
    /// Recipient, normalised `628…`.
    pub no_hp: String,
    pub message: String,
    pub source: Source,
    pub status: Status,
    /// The manual record the message was about, for reminders.
    pub record_id: Option<String>,
    /// The gateway's JSON answer, when it gave one.
    pub api_response: Option<Value>,
    /// Why the send failed.
    pub error: Option<String>,
    /// Who sent it: the `sub` of the token that asked, or `jadwal` for the daily run; `null`
    /// on entries older than this field.
    #[serde(default)]
    #[schema(example = "budi@bengkel")]
    pub sent_by: Option<String>,
    pub created_at: DateTime<FixedOffset>,
}

impl MessageEntry {
    /// Position in the log, newest first: the instant (UTC, so keys sort as time does), then id.
    pub fn log_key(&self) -> String {
        let created = self.created_at.with_timezone(&Utc);
        format!(
            "{}#{}",
            created.to_rfc3339_opts(SecondsFormat::Micros, true),
            self.id
        )
    }
}
