//! Sending WhatsApp messages and keeping the log of every attempt.

pub mod api;
pub mod delivery;
pub mod gateway;
mod input;
pub mod model;
pub mod store;

pub use input::{CustomMessage, DEFAULT_PAGE, MAX_MESSAGE_CHARS, MAX_PAGE};
pub use model::*;
pub use store::{DeliveryStore, MessagePage, MessageQuery, MessageStore};

use chrono::{DateTime, FixedOffset, Utc};
use serde::Serialize;
use serde_json::Value;
use uuid::Uuid;

use crate::answer::fit_page;
use crate::clock::WorkshopClock;
use crate::optout::{OPTED_OUT, OptOuts};
use crate::pacing::{Ask, Pacing, Throttled};
use crate::query::encode_cursor;
use crate::store_error::StoreError;
use gateway::{Failure, MessageGateway, ReminderValues, SendRequest};

/// What sending works with: the gateway, the log every attempt is written to, the
/// workshop's clock that dates each entry, and the settings this deployment may not send
/// without that are unset.
#[derive(Clone, Copy)]
pub struct Messenger<'a> {
    pub gateway: &'a dyn MessageGateway,
    /// Who asked to receive no more messages: asked before every send but a confirmation.
    pub opt_outs: OptOuts<'a>,
    pub log: &'a dyn MessageStore,
    /// The providers' statuses, and when each number last wrote.
    pub deliveries: &'a dyn DeliveryStore,
    pub time: &'a WorkshopClock,
    pub unset: &'a [&'static str],
    /// Who sends: the actor's `sub` ([`crate::actor::SCHEDULE`] for the daily run).
    pub sent_by: &'a str,
    /// The limits every message but a confirmation is paced by.
    pub pacing: Pacing<'a>,
}

/// A deployment that sends nothing: nothing was claimed, sent or counted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendingDisabled {
    /// Settings every message needs are unset (the variables).
    #[error(
        "Pengiriman pesan dinonaktifkan: {} belum diatur pada deployment ini. Minta admin \
         mengisinya lalu deploy ulang",
        .0.join(" dan ")
    )]
    Unset(Vec<&'static str>),
    /// The provider cannot send (StarSender without its key).
    #[error("Gateway WhatsApp belum dikonfigurasi: {0}")]
    Gateway(&'static str),
}

/// Why the log could not be read (or the opt-outs, before a send). A send never fails this
/// way once attempted: its failure is its answer.
#[derive(Debug, thiserror::Error)]
pub enum MessageError {
    #[error(transparent)]
    Disabled(#[from] SendingDisabled),
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A limit of the workshop's number refused it: a 429, nothing sent.
    #[error("{}", .0.detail)]
    Throttled(Throttled),
}

/// How a custom message went: attempted (its answer tells how), or refused because the number
/// opted out (nothing reached the gateway).
#[derive(Debug)]
pub enum CustomSend {
    Attempted(CustomMessageAnswer),
    OptedOut(CustomMessageAnswer),
    /// The provider delivers free text only within a window after the customer's last
    /// message, and it has closed: nothing was sent.
    NeedsTemplate(CustomMessageAnswer),
}

/// Why a free text was not sent outside the provider's window.
pub const NEEDS_TEMPLATE: &str = "Pelanggan belum mengirim pesan dalam 24 jam terakhir; WhatsApp Cloud API hanya mengirim teks bebas dalam 24 jam sejak pesan terakhir pelanggan. Gunakan pengingat (template yang disetujui) atau tunggu pelanggan membalas";

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
    /// When the gateway sends it (`"status": "scheduled"`: asked in the quiet hours).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scheduled_for: Option<DateTime<FixedOffset>>,
}

/// One message to send, and what the log keeps of why.
#[derive(Debug, Clone, Copy)]
pub struct Outgoing<'a> {
    /// Normalised `628…`.
    pub no_hp: &'a str,
    pub message: &'a str,
    pub source: Source,
    /// The record or vehicle it is about.
    pub record_id: Option<&'a str>,
    /// The claim of the automatic reminder it is.
    pub claim: Option<&'a str>,
    /// A reminder's values, for providers that send it as a template.
    pub reminder: Option<&'a ReminderValues>,
    /// The instant the gateway is to send it; `None`: now.
    pub schedule: Option<DateTime<Utc>>,
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
        if let Some(why) = self.gateway.unconfigured() {
            return Err(SendingDisabled::Gateway(why));
        }
        match self.unset {
            [] => Ok(()),
            unset => Err(SendingDisabled::Unset(unset.to_vec())),
        }
    }

    /// Sends `outgoing` and keeps the attempt in the log; the caller has asked
    /// [`Messenger::ready`]. The entry is written first, as `unknown`, and settled once the
    /// gateway answered: a sender that dies on the way leaves an entry a person can resolve,
    /// never a send no one knows of. Without that first write nothing is sent.
    pub async fn send_and_log(&self, outgoing: Outgoing<'_>) -> MessageEntry {
        let mut entry = MessageEntry {
            id: Uuid::new_v4().to_string(),
            no_hp: outgoing.no_hp.to_string(),
            message: outgoing.message.to_string(),
            source: outgoing.source,
            status: Status::Unknown,
            record_id: outgoing.record_id.map(str::to_string),
            api_response: None,
            error: None,
            sent_by: Some(self.sent_by.to_string()),
            created_at: self.time.now_precise(),
            claim: outgoing.claim.map(str::to_string),
            resolution: None,
            provider_message_id: None,
            delivery_status: None,
            delivery: DeliveryTimes::default(),
            delivery_error: None,
            scheduled_for: outgoing
                .schedule
                .map(|at| at.with_timezone(&self.time.zone()).fixed_offset()),
        };
        if let Err(e) = self.log.append(&entry).await {
            tracing::error!(error = %e, message_id = %entry.id, "message log write failed; not sent");
            entry.status = Status::Failed;
            entry.error = Some("Log pesan tidak dapat ditulis; pesan tidak dikirim".into());
            return entry;
        }
        let request = SendRequest {
            to: &entry.no_hp,
            text: &entry.message,
            reminder: outgoing.reminder,
            schedule: outgoing.schedule,
        };
        match self.gateway.send(&request).await {
            Ok(delivery) => {
                entry.status = delivery.status;
                entry.api_response = Some(delivery.api_response);
                entry.provider_message_id = delivery.provider_message_id;
            }
            Err(Failure {
                reason,
                api_response,
                uncertain,
            }) => {
                tracing::warn!(message_id = %entry.id, to = %entry.no_hp, %reason, uncertain, "send failed");
                entry.status = if uncertain {
                    Status::Unknown
                } else {
                    Status::Failed
                };
                entry.api_response = api_response;
                entry.error = Some(reason);
            }
        }
        match self.log.settle(&entry, Status::Unknown).await {
            Ok(true) => entry,
            // A person resolved it while it was on its way: their word stands.
            Ok(false) => match self.log.message(&entry.id).await {
                Ok(Some(resolved)) => resolved,
                _ => entry,
            },
            Err(e) => {
                // The log keeps the entry `unknown`: a person resolves it, nothing resends it.
                tracing::error!(error = %e, message_id = %entry.id, status = ?entry.status, "message log settle failed");
                entry
            }
        }
    }

    /// Sends a free-form message to any Indonesian mobile number.
    pub async fn send_custom(&self, request: &CustomMessage) -> Result<CustomSend, MessageError> {
        self.ready()?;
        if self.opt_outs.blocks(&request.no_hp, None).await? {
            return Ok(CustomSend::OptedOut(CustomMessageAnswer {
                status: Status::Failed,
                no_hp: request.no_hp.clone(),
                message: request.message.clone(),
                api_response: None,
                error: Some(OPTED_OUT.into()),
                scheduled_for: None,
            }));
        }
        if !self.window_open(&request.no_hp).await? {
            return Ok(CustomSend::NeedsTemplate(CustomMessageAnswer {
                status: Status::Failed,
                no_hp: request.no_hp.clone(),
                message: request.message.clone(),
                api_response: None,
                error: Some(NEEDS_TEMPLATE.into()),
                scheduled_for: None,
            }));
        }
        let ask = Ask {
            slot: self.pacing.first_slot(),
            cooldown: None,
            custom_to: Some(&request.no_hp),
        };
        let permit = match self.pacing.admit(&ask).await? {
            Ok(permit) => permit,
            Err(refusal) => {
                let limits = &self.pacing.settings.limits;
                let now = self.time.instant();
                return Err(MessageError::Throttled(refusal.throttled(limits, now)));
            }
        };
        let entry = self
            .send_and_log(Outgoing {
                no_hp: &request.no_hp,
                message: &request.message,
                source: Source::Custom,
                record_id: None,
                claim: None,
                reminder: None,
                schedule: permit.schedule(self.time.instant()),
            })
            .await;
        if entry.status == Status::Failed {
            self.pacing.give_back(&permit).await;
        }
        Ok(CustomSend::Attempted(CustomMessageAnswer {
            status: entry.status,
            no_hp: entry.no_hp,
            message: entry.message,
            api_response: entry.api_response,
            error: entry.error,
            scheduled_for: entry.scheduled_for,
        }))
    }

    /// Whether free text reaches `no_hp` now: always, unless the provider has a window after
    /// the customer's last message and that has passed.
    async fn window_open(&self, no_hp: &str) -> Result<bool, StoreError> {
        let Some(window) = self.gateway.limits().free_text_window else {
            return Ok(true);
        };
        let last = self.deliveries.last_incoming(no_hp).await?;
        Ok(last.is_some_and(|at| self.time.now() - at < window))
    }

    /// Notes that `no_hp` wrote at `at`, which opens the provider's window for free text.
    pub async fn note_incoming(
        &self,
        no_hp: &str,
        at: chrono::DateTime<chrono::FixedOffset>,
    ) -> Result<(), StoreError> {
        self.deliveries.note_incoming(no_hp, at).await
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
