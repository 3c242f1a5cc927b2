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
    /// The confirmation of a customer's `STOP` or `MULAI` reply.
    Confirmation,
}

/// How a send ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = MessageStatus)]
pub enum Status {
    /// The gateway accepted it (HTTP 2xx and `"success": true`).
    Sent,
    /// Known not delivered to the gateway: refused before the request was written, a
    /// connection failure, an HTTP error, or `"success": false`.
    Failed,
    /// The request may have reached the gateway (a timeout or a read error after it was
    /// written, or a sender that died before settling): never sent again until a person
    /// resolves it.
    Unknown,
    /// The provider is the local outbox: kept, never sent.
    Outbox,
    /// Handed to the gateway with its slot (`scheduled_for`): the gateway sends it then.
    Scheduled,
}

/// What the provider said of a message after accepting it: `sent` (on its way), `delivered`
/// (on the phone: two ticks), `read` (blue ticks), or `failed` (never delivered).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    Sent,
    Delivered,
    Read,
    Failed,
}

impl DeliveryStatus {
    pub const ALL: [DeliveryStatus; 4] = [
        DeliveryStatus::Sent,
        DeliveryStatus::Delivered,
        DeliveryStatus::Read,
        DeliveryStatus::Failed,
    ];

    /// How far along it is: a status replaces only one further back. `failed` and
    /// `delivered` exclude each other (the first told stands); `read` proves delivery.
    fn rank(self) -> u8 {
        match self {
            DeliveryStatus::Sent => 1,
            DeliveryStatus::Delivered | DeliveryStatus::Failed => 2,
            DeliveryStatus::Read => 3,
        }
    }

    /// Whether nothing more is expected: read, or failed.
    pub fn is_final(self) -> bool {
        matches!(self, DeliveryStatus::Read | DeliveryStatus::Failed)
    }

    /// The provider's word for it (`sent`, `delivered`, `read`, `failed`), any case.
    pub fn parse(word: &str) -> Option<Self> {
        match word.trim().to_ascii_lowercase().as_str() {
            "sent" => Some(DeliveryStatus::Sent),
            "delivered" => Some(DeliveryStatus::Delivered),
            "read" => Some(DeliveryStatus::Read),
            "failed" => Some(DeliveryStatus::Failed),
            _ => None,
        }
    }
}

/// When the provider told each status of a message; `null` for a status not (yet) told.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DeliveryTimes {
    pub sent_at: Option<DateTime<FixedOffset>>,
    pub delivered_at: Option<DateTime<FixedOffset>>,
    pub read_at: Option<DateTime<FixedOffset>>,
    pub failed_at: Option<DateTime<FixedOffset>>,
}

impl DeliveryTimes {
    fn of(&mut self, status: DeliveryStatus) -> &mut Option<DateTime<FixedOffset>> {
        match status {
            DeliveryStatus::Sent => &mut self.sent_at,
            DeliveryStatus::Delivered => &mut self.delivered_at,
            DeliveryStatus::Read => &mut self.read_at,
            DeliveryStatus::Failed => &mut self.failed_at,
        }
    }
}

/// How a person settled a send whose outcome was unknown (`POST /messages/{id}/resolve`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Resolution {
    /// It reached the customer: counted as a successful send.
    Sent,
    /// It did not: its claim is released, so the next run may send.
    NotSent,
}

impl Source {
    pub const ALL: [Source; 5] = [
        Source::Custom,
        Source::Single,
        Source::Bulk,
        Source::Scheduled,
        Source::Confirmation,
    ];
}

impl Status {
    pub const ALL: [Status; 5] = [
        Status::Sent,
        Status::Failed,
        Status::Unknown,
        Status::Outbox,
        Status::Scheduled,
    ];

    /// Whether the gateway (or the outbox) took the message: it is not sent again.
    pub fn accepted(self) -> bool {
        matches!(self, Status::Sent | Status::Outbox | Status::Scheduled)
    }
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
    /// The claim of the automatic reminder this send is (see `crate::reminder`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claim: Option<String>,
    /// How a person settled it, when its outcome was unknown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolution: Option<Resolution>,
    /// The provider's id of the message (the Cloud API's `wamid…`, StarSender's message id),
    /// by which its statuses name it; `null` when the provider gave none.
    #[serde(default)]
    pub provider_message_id: Option<String>,
    /// The furthest status the provider told; `null` when it told nothing (the outbox, a
    /// provider without statuses, or none yet).
    #[serde(default)]
    pub delivery_status: Option<DeliveryStatus>,
    /// When each status was told.
    #[serde(default)]
    pub delivery: DeliveryTimes,
    /// Why the provider could not deliver it, when it said `failed`.
    #[serde(default)]
    pub delivery_error: Option<String>,
    /// When the gateway sends it (`scheduled`): its slot under the pacing rules.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheduled_for: Option<DateTime<FixedOffset>>,
}

impl MessageEntry {
    /// The entry once `status`, told at `at`, is applied: a status never moves it backwards,
    /// and one told before changes nothing. `None` when nothing changes.
    pub fn with_delivery(
        &self,
        status: DeliveryStatus,
        error: Option<String>,
        at: DateTime<FixedOffset>,
    ) -> Option<MessageEntry> {
        let mut next = self.clone();
        let time = next.delivery.of(status);
        if time.is_none() {
            *time = Some(at);
        }
        let forward = self
            .delivery_status
            .is_none_or(|current| status.rank() > current.rank());
        if forward {
            next.delivery_status = Some(status);
            if status == DeliveryStatus::Failed {
                next.delivery_error = error;
            }
        }
        (next != *self).then_some(next)
    }
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
