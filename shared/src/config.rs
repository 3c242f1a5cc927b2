//! Configuration read from the environment once, at start-up.

use std::env;

use chrono_tz::Tz;

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
        }
    }
}

impl Config {
    /// Reads `WORKSHOP_TZ`, `JWT_ISSUER`, `JWT_AUDIENCE`, `STARSENDER_URL`, `STARSENDER_API_KEY`.
    pub fn from_env() -> Result<Self, ConfigError> {
        let defaults = Config::default();
        let timezone = match var("WORKSHOP_TZ") {
            Some(value) => value.parse().map_err(|_| ConfigError::TimeZone {
                name: "WORKSHOP_TZ",
                value,
            })?,
            None => defaults.timezone,
        };
        Ok(Config {
            timezone,
            jwt_issuer: var("JWT_ISSUER"),
            jwt_audience: var("JWT_AUDIENCE"),
            starsender_url: var("STARSENDER_URL").unwrap_or(defaults.starsender_url),
            starsender_api_key: var("STARSENDER_API_KEY"),
        })
    }
}

/// A set, non-empty environment variable.
pub fn var(name: &str) -> Option<String> {
    env::var(name).ok().filter(|v| !v.trim().is_empty())
}
