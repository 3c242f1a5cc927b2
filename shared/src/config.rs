//! Configuration read from the environment once, at start-up.

use std::env;
use std::time::Duration;

use chrono_tz::Tz;

use crate::reminder::template::{DEFAULT_REGISTER_TEMPLATE, DEFAULT_TEMPLATE, Template};

/// Where StarSender V3 accepts messages.
pub const DEFAULT_STARSENDER_URL: &str = "https://api.starsender.online/api/send";

#[derive(Debug, Clone)]
pub struct Config {
    /// The workshop's time zone: "today" and every timestamp shown are in it.
    pub timezone: Tz,
    /// Checked against the token's `iss` when set.
    pub jwt_issuer: Option<String>,
    /// Checked against the token's `aud` when set.
    pub jwt_audience: Option<String>,
    pub starsender_url: String,
    /// Without a key, messages go to the local outbox instead of the gateway.
    pub starsender_api_key: Option<String>,
    /// StarSender's `delay` in seconds, sent with every message when set.
    pub starsender_delay: Option<u32>,
    /// Time allowed to open a connection to the gateway.
    pub gateway_connect_timeout: Duration,
    /// Time allowed for a whole gateway request, well inside API Gateway's 30 s.
    pub gateway_timeout: Duration,
    /// The reminder text of manual records.
    pub reminder_template: Template,
    /// The reminder text of the register's vehicles, which may also name `{model}`.
    pub register_template: Template,
    /// Months from a vehicle's last visit to its next service.
    pub service_interval_months: u32,
    /// Days ahead the daily run reminds of (`send-reminders` takes its own).
    pub reminder_days_threshold: u32,
    /// Reminders sent at the same time by one run.
    pub reminder_concurrency: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{name} is not a valid IANA time zone: {value}")]
    TimeZone { name: &'static str, value: String },
    #[error("{0}")]
    Invalid(String),
}

impl Default for Config {
    fn default() -> Self {
        Config {
            timezone: chrono_tz::Asia::Jakarta,
            jwt_issuer: None,
            jwt_audience: None,
            starsender_url: DEFAULT_STARSENDER_URL.to_string(),
            starsender_api_key: None,
            starsender_delay: None,
            gateway_connect_timeout: Duration::from_secs(3),
            gateway_timeout: Duration::from_secs(10),
            reminder_template: Template::new(DEFAULT_TEMPLATE, "Bengkel", "-")
                .expect("the default template is valid"),
            register_template: Template::new(DEFAULT_REGISTER_TEMPLATE, "Bengkel", "-")
                .expect("the default template is valid"),
            service_interval_months: 4,
            reminder_days_threshold: 3,
            reminder_concurrency: 5,
        }
    }
}

impl Config {
    /// Reads `WORKSHOP_TZ`, `JWT_ISSUER`, `JWT_AUDIENCE`, `STARSENDER_URL`, `STARSENDER_API_KEY`,
    /// `STARSENDER_DELAY_SECS`, `GATEWAY_CONNECT_TIMEOUT_MS`, `GATEWAY_TIMEOUT_MS`,
    /// `REMINDER_TEMPLATE`, `REGISTER_REMINDER_TEMPLATE`, `WORKSHOP_NAME`, `WORKSHOP_PHONE`,
    /// `REMINDER_DAYS_THRESHOLD`, `REMINDER_CONCURRENCY`, `SERVICE_INTERVAL_MONTHS`.
    pub fn from_env() -> Result<Self, ConfigError> {
        let defaults = Config::default();
        let timezone = match var("WORKSHOP_TZ") {
            Some(value) => value.parse().map_err(|_| ConfigError::TimeZone {
                name: "WORKSHOP_TZ",
                value,
            })?,
            None => defaults.timezone,
        };
        let workshop_name = var("WORKSHOP_NAME").unwrap_or_else(|| "Bengkel".into());
        let workshop_phone = var("WORKSHOP_PHONE").unwrap_or_else(|| "-".into());
        let template = |name: &'static str, default: &str| {
            let text = var(name).unwrap_or_else(|| default.into());
            Template::new(&text, &workshop_name, &workshop_phone)
                .map_err(|e| ConfigError::Invalid(format!("{name}: {e}")))
        };
        Ok(Config {
            timezone,
            jwt_issuer: var("JWT_ISSUER"),
            jwt_audience: var("JWT_AUDIENCE"),
            starsender_url: var("STARSENDER_URL").unwrap_or(defaults.starsender_url),
            starsender_api_key: var("STARSENDER_API_KEY"),
            starsender_delay: number("STARSENDER_DELAY_SECS")?,
            gateway_connect_timeout: number("GATEWAY_CONNECT_TIMEOUT_MS")?
                .map_or(defaults.gateway_connect_timeout, Duration::from_millis),
            gateway_timeout: number("GATEWAY_TIMEOUT_MS")?
                .map_or(defaults.gateway_timeout, Duration::from_millis),
            reminder_template: template("REMINDER_TEMPLATE", DEFAULT_TEMPLATE)?,
            register_template: template("REGISTER_REMINDER_TEMPLATE", DEFAULT_REGISTER_TEMPLATE)?,
            service_interval_months: months("SERVICE_INTERVAL_MONTHS")?
                .unwrap_or(defaults.service_interval_months),
            reminder_days_threshold: number("REMINDER_DAYS_THRESHOLD")?
                .unwrap_or(defaults.reminder_days_threshold),
            reminder_concurrency: number("REMINDER_CONCURRENCY")?
                .filter(|n| *n > 0)
                .unwrap_or(defaults.reminder_concurrency),
        })
    }
}

/// A non-negative whole number from the environment, if set.
fn number<T: std::str::FromStr>(name: &str) -> Result<Option<T>, ConfigError> {
    var(name)
        .map(|value| {
            value.parse().map_err(|_| {
                ConfigError::Invalid(format!("{name} must be a whole number, got {value:?}"))
            })
        })
        .transpose()
}

/// A number of months from 1 to 120, if set.
fn months(name: &str) -> Result<Option<u32>, ConfigError> {
    match number::<u32>(name)? {
        Some(months) if !(1..=120).contains(&months) => Err(ConfigError::Invalid(format!(
            "{name} must be from 1 to 120 months, got {months}"
        ))),
        other => Ok(other),
    }
}

/// A set, non-empty environment variable.
pub fn var(name: &str) -> Option<String> {
    env::var(name).ok().filter(|v| !v.trim().is_empty())
}
