//! The WhatsApp providers behind the messaging domain's port ([`MessageGateway`]): one module
//! each, picked once at start-up by `WHATSAPP_PROVIDER`. Adding a provider is its module, one
//! arm in [`build`], its fake, and its settings in the template.

pub mod cloud_api;
pub mod cloud_webhook;
pub mod http;
pub mod outbox;
pub mod starsender;

use std::time::Duration;

pub use crate::messages::gateway::{
    Delivery, Failure, Limits, MessageGateway, ReminderValues, SendRequest, StatusReport,
};
pub use http::MAX_ANSWER_BYTES;

/// Which provider sends the messages (`WHATSAPP_PROVIDER`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provider {
    /// Kept in the local outbox, never sent: the local server's default.
    Outbox,
    /// StarSender V3: the deployed stack's default. Without a key, nothing is sent.
    StarSender,
    /// Meta's WhatsApp Business Cloud API: templates, and statuses by webhook.
    CloudApi,
}

impl Provider {
    /// `outbox`, `starsender` or `cloud-api`, as `WHATSAPP_PROVIDER` names them.
    pub fn parse(name: &str) -> Option<Self> {
        match name.trim().to_ascii_lowercase().as_str() {
            "outbox" => Some(Provider::Outbox),
            "starsender" => Some(Provider::StarSender),
            "cloud-api" => Some(Provider::CloudApi),
            _ => None,
        }
    }
}

/// What the gateway is built from (the configuration reads it from the environment).
#[derive(Debug, Clone)]
pub struct Settings {
    pub provider: Provider,
    /// StarSender's send URL.
    pub url: String,
    /// StarSender's device key; StarSender without one sends nothing.
    pub key: Option<String>,
    /// StarSender's account key, with which its statuses are polled.
    pub account_key: Option<String>,
    /// StarSender's `delay` (seconds) on every message.
    pub delay: Option<u32>,
    pub cloud_api: cloud_api::Settings,
    /// Time allowed to open a connection.
    pub connect_timeout: Duration,
    /// Time allowed for a whole request.
    pub timeout: Duration,
}

impl Settings {
    /// The longest one send can take (see [`http::worst_send`]).
    pub fn worst_send(&self) -> Duration {
        http::worst_send(self.connect_timeout, self.timeout)
    }
}

/// The provider of `settings`; fails only when the HTTP client cannot be built.
pub fn build(settings: Settings) -> Result<Box<dyn MessageGateway>, reqwest::Error> {
    let client = || http::client(settings.connect_timeout, settings.timeout);
    Ok(match settings.provider {
        Provider::Outbox => Box::new(outbox::Outbox),
        Provider::StarSender => Box::new(starsender::StarSender::new(
            client()?,
            settings.url,
            settings.key,
            settings.account_key,
            settings.delay,
        )),
        Provider::CloudApi => Box::new(cloud_api::CloudApi::new(client()?, settings.cloud_api)),
    })
}
