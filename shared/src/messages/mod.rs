//! Sending WhatsApp messages and keeping the log of every attempt.

pub mod api;
pub mod gateway;
mod input;
pub mod model;
pub mod store;

pub use input::{CustomMessage, DEFAULT_PAGE, MAX_MESSAGE_CHARS, MAX_PAGE};
pub use model::*;
pub use store::{MessagePage, MessageQuery, MessageStore};

use serde::Serialize;
use serde_json::Value;
use uuid::Uuid;

use crate::answer::fit_page;
use crate::clock::WorkshopClock;
use crate::query::encode_cursor;
use crate::store_error::StoreError;
use gateway::{Failure, MessageGateway};

/// What sending works with: the gateway, the log every attempt is written to, the
/// workshop's clock that dates each entry, and the settings this deployment may not send
/// without that are unset.
#[derive(Clone, Copy)]
pub struct Messenger<'a> {
    pub gateway: &'a dyn MessageGateway,
    pub log: &'a dyn MessageStore,
    pub time: &'a WorkshopClock,
    pub unset: &'a [&'static str],
    /// Who sends: the actor's `sub` ([`crate::actor::SCHEDULE`] for the daily run).
    pub sent_by: &'a str,
}

/// A deployment that sends nothing: settings every message needs are unset (the variables).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "Pengiriman pesan dinonaktifkan: {} belum diatur pada deployment ini. Minta admin mengisinya \
     lalu deploy ulang",
    .0.join(" dan ")
)]
pub struct SendingDisabled(pub Vec<&'static str>);

/// Why the log could not be read. A send never fails this way: its failure is its answer.
#[derive(Debug, thiserror::Error)]
pub enum MessageError {
    #[error(transparent)]
    Store(#[from] StoreError),
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

/// A page of the log: `{"data": [...], "next_cursor": ...}`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MessageList {
    pub data: Vec<MessageEntry>,
    pub next_cursor: Option<String>,
}

impl Messenger<'_> {
    /// Whether this deployment may send at all: asked before anything is claimed or sent.
    pub fn ready(&self) -> Result<(), SendingDisabled> {
        match self.unset {
            [] => Ok(()),
            unset => Err(SendingDisabled(unset.to_vec())),
        }
    }

    /// Sends `message` to `no_hp` and writes the attempt to the log; the caller has asked
    /// [`Messenger::ready`]. A log that cannot be
    /// written is reported in the service log, never as a failed send: the message may have
    /// gone out.
    pub async fn send_and_log(
        &self,
        no_hp: &str,
        message: &str,
        source: Source,
        record_id: Option<&str>,
    ) -> MessageEntry {
        let outcome = self.gateway.send(no_hp, message).await;
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
            sent_by: Some(self.sent_by.to_string()),
            created_at: self.time.now_precise(),
        };
        if let Err(e) = self.log.append(&entry).await {
            tracing::error!(error = %e, message_id = %entry.id, status = ?entry.status, "message log write failed");
        }
        if let Some(reason) = &entry.error {
            tracing::warn!(message_id = %entry.id, to = no_hp, %reason, "send failed");
        }
        entry
    }

    /// Sends a free-form message to any Indonesian mobile number.
    pub async fn send_custom(
        &self,
        request: &CustomMessage,
    ) -> Result<CustomMessageAnswer, SendingDisabled> {
        self.ready()?;
        let entry = self
            .send_and_log(&request.no_hp, &request.message, Source::Custom, None)
            .await;
        Ok(CustomMessageAnswer {
            status: entry.status,
            no_hp: entry.no_hp,
            message: entry.message,
            api_response: entry.api_response,
            error: entry.error,
        })
    }

    /// The log, newest first, a page at most as large as one answer carries.
    pub async fn list(&self, query: &MessageQuery) -> Result<MessageList, MessageError> {
        let page = self.log.list(query).await?;
        let (data, next_after) = fit_page(page.items, page.next_after, MessageEntry::log_key);
        Ok(MessageList {
            data,
            next_cursor: next_after.as_deref().map(encode_cursor),
        })
    }
}
