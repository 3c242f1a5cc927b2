//! Replies from customers, through StarSender's incoming-message webhook: a keyword
//! (`STOP`, `MULAI`) changes the sender's opt-outs and is confirmed through the gateway; any
//! other text is kept in the inbox for staff to read. A webhook delivered twice changes
//! nothing the second time: each reply is stored once, under an id made of what it carries.

pub mod api;
pub mod keyword;
pub mod store;

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};
#[allow(unused_imports)] // the schema's example
use serde_json::json;
use uuid::Uuid;

use crate::answer::fit_page;
use crate::clock::WorkshopClock;
use crate::messages::{Messenger, Outgoing, Source as MessageSource};
use crate::optout::{self, OptOutError, OptOuts};
use crate::query::{encode_cursor, position_key};
use crate::register::{Register, RegisterError};
use crate::store_error::StoreError;
pub use keyword::Keyword;
pub use store::{InboxStore, ReplyPage};

/// Who sends the confirmations of replies, in the message log's `sent_by`.
pub const SENT_BY: &str = "balasan";

/// The namespace of reply ids: the same delivery always has the same id.
const REPLY_NAMESPACE: Uuid = Uuid::from_u128(0x2c6b_8e14_93a7_4f0d_b5e2_71c9_0d3a_6f58);

/// What a reply did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = ReplyAction)]
pub enum Action {
    /// `STOP`: an opt-out of the number, or of one vehicle.
    OptOut,
    /// `MULAI`: the number's opt-outs removed.
    OptIn,
    /// An odometer reading of the sender's vehicle, recorded as a visit.
    Reading,
}

/// One reply as StarSender delivered it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Reply {
    /// Made of the delivery's device, sender, timestamp and text.
    pub id: String,
    /// The sender, normalised `628…`.
    pub no_hp: String,
    pub message: String,
    /// The workshop's device that received it.
    pub device: Option<String>,
    /// StarSender's timestamp, as it sent it.
    pub timestamp: Option<String>,
    /// What the reply did; `null` for a text kept in the inbox.
    pub action: Option<Action>,
    pub received_at: DateTime<FixedOffset>,
}

impl Reply {
    /// A reply received at `received_at`; its id follows from what it carries.
    pub fn new(incoming: Incoming, received_at: DateTime<FixedOffset>) -> Reply {
        let name = [
            incoming.device.as_deref().unwrap_or(""),
            &incoming.from,
            incoming.timestamp.as_deref().unwrap_or(""),
            &incoming.message,
        ]
        .join("\u{1f}");
        Reply {
            id: Uuid::new_v5(&REPLY_NAMESPACE, name.as_bytes()).to_string(),
            no_hp: incoming.from,
            message: incoming.message,
            device: incoming.device,
            timestamp: incoming.timestamp,
            action: None,
            received_at,
        }
    }

    /// Position in the inbox, newest first.
    pub fn inbox_key(&self) -> String {
        position_key(self.received_at, &self.id)
    }
}

/// StarSender's incoming message, read from JSON or a form; other fields are ignored.
#[derive(Debug, Clone, PartialEq, utoipa::ToSchema)]
#[schema(as = IncomingMessage, example = json!({"device": "628551000727", "message": "STOP",
    "from": "6281234567890", "timestamp": "1767000000"}))]
pub struct Incoming {
    pub device: Option<String>,
    pub message: String,
    /// The sender's number (`628…`, also with `@s.whatsapp.net`), normalised once read.
    #[schema(schema_with = crate::phone::schema)]
    pub from: String,
    pub timestamp: Option<String>,
}

/// What the webhook did with a reply (its answer's `status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Received {
    OptedOut,
    OptedIn,
    /// An odometer reading, recorded on the sender's vehicle.
    Reading,
    /// Kept in the inbox.
    Filed,
    /// Delivered before: nothing changed.
    Duplicate,
}

#[derive(Debug, thiserror::Error)]
pub enum ReplyError {
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<OptOutError> for ReplyError {
    fn from(error: OptOutError) -> Self {
        match error {
            OptOutError::Store(e) => ReplyError::Store(e),
            // Removing what is not there never happens here (`remove_all`).
            OptOutError::NotFound => ReplyError::Store(StoreError::Other(error.to_string())),
        }
    }
}

/// A page of the inbox: `{"data": [...], "next_cursor": ...}`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Inbox {
    pub data: Vec<Reply>,
    pub next_cursor: Option<String>,
}

/// What the replies work with: the inbox, the opt-outs they change, the register whose
/// vehicles a reading moves, the messenger that confirms them, and the clock.
#[derive(Clone, Copy)]
pub struct Replies<'a> {
    pub inbox: &'a dyn InboxStore,
    pub opt_outs: OptOuts<'a>,
    pub register: Register<'a>,
    pub messenger: Messenger<'a>,
    pub time: &'a WorkshopClock,
}

impl Replies<'_> {
    /// Handles one delivery of the webhook. Any message opens the provider's window for free
    /// text to its sender.
    pub async fn receive(&self, reply: Reply) -> Result<Received, ReplyError> {
        self.messenger
            .note_incoming(&reply.no_hp, reply.received_at)
            .await?;
        match Keyword::of(&reply.message) {
            Some(keyword) => self.obey(keyword, reply).await,
            None => self.file_text(reply).await,
        }
    }

    /// A text that is not a keyword: an odometer reading of the sender's vehicle when it is a
    /// plausible one, otherwise kept in the inbox for staff to read.
    async fn file_text(&self, reply: Reply) -> Result<Received, ReplyError> {
        if self.is_reading(&reply).await? {
            let reading = Reply {
                action: Some(Action::Reading),
                ..reply
            };
            return Ok(match self.inbox.record_reply(&reading).await? {
                true => Received::Reading,
                false => Received::Duplicate,
            });
        }
        Ok(match self.inbox.record_reply(&reply).await? {
            true => Received::Filed,
            false => Received::Duplicate,
        })
    }

    /// Whether `reply` was taken as an odometer reading (a repeat of one is taken again without
    /// a second visit); a vehicle gone or moved past it meanwhile leaves it for the inbox.
    async fn is_reading(&self, reply: &Reply) -> Result<bool, ReplyError> {
        let taken = self
            .register
            .record_reply_reading(&reply.no_hp, &reply.message, reply.received_at)
            .await;
        match taken {
            Ok(taken) => Ok(taken),
            Err(RegisterError::Store(e)) => Err(e.into()),
            Err(_) => Ok(false),
        }
    }

    /// Applies `keyword` (idempotent: a repeat changes nothing), records the reply, and on its
    /// first delivery confirms it through the gateway, which the opt-out itself never blocks.
    async fn obey(&self, keyword: Keyword, reply: Reply) -> Result<Received, ReplyError> {
        let (action, received, confirmation) = match &keyword {
            Keyword::Stop(nopol) => {
                let request = optout::Request {
                    no_hp: reply.no_hp.clone(),
                    nopol: nopol.as_ref().map(ToString::to_string),
                    reason: Some(format!("Balasan: {}", reply.message.trim())),
                };
                self.opt_outs.add(request, optout::Source::Reply).await?;
                (
                    Action::OptOut,
                    Received::OptedOut,
                    stop_confirmation(nopol.as_ref()),
                )
            }
            Keyword::Start => {
                self.opt_outs.remove_all(&reply.no_hp).await?;
                (
                    Action::OptIn,
                    Received::OptedIn,
                    START_CONFIRMATION.to_string(),
                )
            }
        };
        let reply = Reply {
            action: Some(action),
            ..reply
        };
        if !self.inbox.record_reply(&reply).await? {
            return Ok(Received::Duplicate);
        }
        self.confirm(&reply.no_hp, &confirmation).await;
        Ok(received)
    }

    /// Sends `text` to `no_hp` when this deployment can send; a failure is only logged (the
    /// opt-out stands either way).
    async fn confirm(&self, no_hp: &str, text: &str) {
        if let Err(why) = self.messenger.ready() {
            tracing::warn!(%why, "reply not confirmed: sending is disabled");
            return;
        }
        self.messenger
            .send_and_log(Outgoing {
                no_hp,
                message: text,
                source: MessageSource::Confirmation,
                record_id: None,
                claim: None,
                reminder: None,
                // A reply the customer asked for, at once: outside the pacing limits.
                schedule: None,
            })
            .await;
    }

    /// The inbox, newest first.
    pub async fn inbox(&self, limit: usize, after: Option<&str>) -> Result<Inbox, ReplyError> {
        let page = self.inbox.inbox(limit, after).await?;
        let (data, next_after) = fit_page(page.items, page.next_after, Reply::inbox_key);
        Ok(Inbox {
            data,
            next_cursor: next_after.as_deref().map(encode_cursor),
        })
    }
}

const START_CONFIRMATION: &str =
    "Baik, nomor ini akan menerima pesan dari bengkel kembali. Balas STOP untuk berhenti.";

fn stop_confirmation(nopol: Option<&crate::nopol::Nopol>) -> String {
    match nopol {
        None => "Baik, nomor ini tidak akan menerima pesan dari bengkel lagi. Balas MULAI untuk \
                 menerima pesan kembali."
            .to_string(),
        Some(nopol) => format!(
            "Baik, pengingat untuk kendaraan {nopol} dihentikan. Balas MULAI untuk menerima \
             pesan kembali."
        ),
    }
}
