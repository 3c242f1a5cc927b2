//! The WhatsApp providers behind the messaging domain's port ([`MessageGateway`]): one module
//! each, picked once at start-up by `WHATSAPP_PROVIDER`. Adding a provider is its module, one
//! arm in [`build`], its fake, and its settings in the template.

pub mod cloud_api;
pub mod cloud_webhook;
pub mod http;
pub mod outbox;
pub mod starsender;
pub mod starsender_webhook;

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

/// Every provider's own settings, each read by its module: adding a provider adds one field.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProviderSettings {
    pub starsender: starsender::Settings,
    pub cloud_api: cloud_api::Settings,
}

impl ProviderSettings {
    /// Each provider's settings, as `var` (the environment) gives them.
    pub fn from_env(var: impl Fn(&str) -> Option<String> + Copy) -> Result<Self, String> {
        Ok(ProviderSettings {
            starsender: starsender::Settings::from_env(var)?,
            cloud_api: cloud_api::Settings::from_env(var)?,
        })
    }

    /// StarSender at `url` with the device key `api_key`, the rest as by default (tests and
    /// benchmarks point it at a fake).
    pub fn starsender_at(url: impl Into<String>, api_key: Option<String>) -> Self {
        ProviderSettings {
            starsender: starsender::Settings {
                url: url.into(),
                api_key,
                ..starsender::Settings::default()
            },
            ..ProviderSettings::default()
        }
    }

    /// The fields of the deployment's secret that hold the providers' credentials.
    pub fn secret_fields() -> impl Iterator<Item = &'static str> {
        starsender::Settings::SECRET_FIELDS
            .into_iter()
            .chain(cloud_api::Settings::SECRET_FIELDS)
    }

    /// Gives the secret's `field` to the provider it belongs to.
    pub fn set_secret(&mut self, field: &str, value: String) {
        self.starsender.set_secret(field, value.clone());
        self.cloud_api.set_secret(field, value);
    }
}

/// What the gateway is built from (the configuration reads it from the environment).
#[derive(Debug, Clone)]
pub struct Settings {
    pub provider: Provider,
    pub providers: ProviderSettings,
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
    let providers = settings.providers.clone();
    Ok(match settings.provider {
        Provider::Outbox => Box::new(outbox::Outbox),
        Provider::StarSender => {
            Box::new(starsender::StarSender::new(client()?, providers.starsender))
        }
        Provider::CloudApi => Box::new(cloud_api::CloudApi::new(client()?, providers.cloud_api)),
    })
}
