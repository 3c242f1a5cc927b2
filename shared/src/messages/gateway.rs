//! The messaging domain's port to a WhatsApp provider: send a text or a reminder, say what the
//! provider can do, and (for providers that are only polled) ask how a message went. The
//! adapters in `crate::gateway` implement it; nothing above this port names a provider.

use async_trait::async_trait;
use chrono::{DateTime, TimeDelta, Utc};
use serde_json::Value;

use super::model::{DeliveryStatus, Status};

/// The values of a reminder, by the names its template uses: a provider that sends approved
/// templates (the Cloud API) fills its parameters from them instead of sending the text.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReminderValues {
    pub customer_name: String,
    pub nopol: String,
    /// An Indonesian date (`15 Januari 2026`), or empty for an undated reminder.
    pub next_service: String,
    pub days_left: String,
    pub workshop_name: String,
    pub workshop_phone: String,
}

impl ReminderValues {
    /// Every name a template parameter may take, in the default order.
    pub const NAMES: [&'static str; 6] = [
        "customer_name",
        "nopol",
        "next_service",
        "days_left",
        "workshop_name",
        "workshop_phone",
    ];

    /// The value called `name` (one of [`ReminderValues::NAMES`]).
    pub fn get(&self, name: &str) -> Option<&str> {
        Some(match name {
            "customer_name" => &self.customer_name,
            "nopol" => &self.nopol,
            "next_service" => &self.next_service,
            "days_left" => &self.days_left,
            "workshop_name" => &self.workshop_name,
            "workshop_phone" => &self.workshop_phone,
            _ => return None,
        })
    }
}

/// One message to hand to the provider.
#[derive(Debug, Clone, Copy)]
pub struct SendRequest<'a> {
    /// Normalised `628…`.
    pub to: &'a str,
    /// The whole text, as the log keeps it.
    pub text: &'a str,
    /// For a reminder: the values its text was rendered from.
    pub reminder: Option<&'a ReminderValues>,
    /// A later slot to deliver it in; `None` sends now. Only providers whose
    /// [`Limits::schedules`] is true accept one.
    pub schedule: Option<DateTime<Utc>>,
}

/// What a provider can do, asked before a send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Whether it accepts a later slot ([`SendRequest::schedule`]).
    pub schedules: bool,
    /// How long after the customer's last message free text is delivered; `None` when free
    /// text is always delivered. Outside it, only an approved template reaches the customer.
    pub free_text_window: Option<TimeDelta>,
}

/// How a send went: accepted by the gateway, or kept in the outbox.
#[derive(Debug, Clone, PartialEq)]
pub struct Delivery {
    pub status: Status,
    /// The gateway's whole JSON answer (for the outbox, a note saying so).
    pub api_response: Value,
    /// The provider's id of the message, by which its later statuses name it.
    pub provider_message_id: Option<String>,
}

/// Why a send failed, with the gateway's answer when it gave one.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    pub reason: String,
    pub api_response: Option<Value>,
    /// Whether the request may have reached the gateway anyway (its answer was lost): such a
    /// send is never repeated automatically.
    pub uncertain: bool,
}

/// What a provider told of a message it was asked about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusReport {
    pub status: DeliveryStatus,
    /// Why it failed, when it did.
    pub error: Option<String>,
}

#[async_trait]
pub trait MessageGateway: Send + Sync {
    /// The provider's name, as `WHATSAPP_PROVIDER` spells it.
    fn name(&self) -> &'static str;
    fn limits(&self) -> Limits;
    /// Sends `request`: a text, or a reminder with its values.
    async fn send(&self, request: &SendRequest<'_>) -> Result<Delivery, Failure>;
    /// Why nothing can be sent at all (a provider without its key), asked before anything is
    /// claimed; `None` when sending may start.
    fn unconfigured(&self) -> Option<&'static str>;
    /// Whether statuses are learnt by asking ([`MessageGateway::status`]) rather than told.
    fn polls_status(&self) -> bool {
        false
    }
    /// The status of message `provider_message_id`, for a provider that is polled; `Ok(None)`
    /// when it tells nothing (yet).
    async fn status(&self, provider_message_id: &str) -> Result<Option<StatusReport>, String> {
        let _ = provider_message_id;
        Ok(None)
    }
}
