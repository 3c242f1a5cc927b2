//! The messaging domain's port to a WhatsApp gateway: send one text, and learn how it went.
//! The adapter in `crate::gateway` implements it.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde_json::Value;

use super::model::Status;

/// How a send went: accepted by the gateway, or kept in the outbox.
#[derive(Debug, Clone, PartialEq)]
pub struct Delivery {
    pub status: Status,
    /// The gateway's whole JSON answer (for the outbox, a note saying so).
    pub api_response: Value,
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

#[async_trait]
pub trait MessageGateway: Send + Sync {
    /// Sends `body` to `to` (normalised `628…`) as a WhatsApp text message; with `schedule`,
    /// the gateway sends it at that instant (its answer is then `scheduled`).
    async fn send(
        &self,
        to: &str,
        body: &str,
        schedule: Option<DateTime<Utc>>,
    ) -> Result<Delivery, Failure>;
    /// Why nothing can be sent at all (a provider without its key), asked before anything is
    /// claimed; `None` when sending may start.
    fn unconfigured(&self) -> Option<&'static str>;
}
