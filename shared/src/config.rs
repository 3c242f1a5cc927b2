//! Configuration read from the environment once, at start-up.

use std::env;
use std::time::Duration;

use chrono_tz::Tz;
use http::{HeaderValue, Uri};

use crate::gateway::{Provider, ProviderSettings};
use crate::pacing::{GapRange, Limits, PacingSettings, QuietHours};
use crate::register::plan::{KindPlan, ServicePlan};
use crate::reminder::template::{
    DEFAULT_REGISTER_TEMPLATE, DEFAULT_TEMPLATE, DEFAULT_UNDATED_TEMPLATE, Kind, Template, Workshop,
};

/// Where StarSender V3 accepts messages.

#[derive(Debug, Clone)]
pub struct Config {
    /// The workshop's time zone: "today" and every timestamp shown are in it.
    pub timezone: Tz,
    /// Checked against the token's `iss` when set.
    pub jwt_issuer: Option<String>,
    /// Checked against the token's `aud` when set.
    pub jwt_audience: Option<String>,
    /// Who sends the messages (`WHATSAPP_PROVIDER`): the local outbox unless set.
    pub whatsapp_provider: Provider,
    /// The longest a token may be valid: from now to its `exp`, and from its `iat` to its `exp`.
    pub jwt_max_token_age: Duration,
    /// Which claim carries the roles and which grant which level; unset, every valid token is
    /// admin.
    pub roles: Option<RoleSettings>,
    /// Each provider's own settings (StarSender's, the Cloud API's), read by its adapter.
    pub providers: ProviderSettings,
    /// The secret in the path of StarSender's reply webhook (at least 32 characters); without
    /// it the webhook is not served (404).
    pub starsender_webhook_secret: Option<String>,
    /// Time allowed to open a connection to the gateway.
    pub gateway_connect_timeout: Duration,
    /// Time allowed for a whole gateway request, well inside API Gateway's 30 s.
    pub gateway_timeout: Duration,
    /// The workshop's name and phone, as the reminders name it.
    pub workshop: Workshop,
    /// Whether sending needs [`Config::workshop`] set, as a deployed stack does: without it
    /// nothing is sent (see [`Config::unset_for_sending`]).
    pub require_workshop: bool,
    /// The reminder text of manual records.
    pub reminder_template: Template,
    /// The reminder text of the register's vehicles, which may also name `{model}`.
    pub register_template: Template,
    /// The reminder text of manual records without a `next_service`.
    pub undated_template: Template,
    /// The service intervals and default pace of each kind of vehicle.
    pub service_plan: ServicePlan,
    /// Whether the register's reminders ask for the odometer (`REMINDER_ASK_ODOMETER`).
    pub ask_odometer: bool,
    /// Days ahead the daily run reminds of (`send-reminders` takes its own).
    pub reminder_days_threshold: u32,
    /// Reminders sent at the same time by one run.
    pub reminder_concurrency: usize,
    /// The limits, gaps and quiet hours every message is paced by.
    pub pacing: PacingSettings,
    /// Origins of browser front ends served from elsewhere that may call the API, exactly as a
    /// browser sends them in `Origin`; empty: none (same-origin pages need none).
    pub cors_allow_origins: Vec<HeaderValue>,
}

/// `JWT_ROLE_CLAIM` and the values of it that grant each level (`JWT_READ_ROLES`,
/// `JWT_STAFF_ROLES`, `JWT_ADMIN_ROLES`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RoleSettings {
    /// The claim's name, such as `role`, `roles` or `scope`.
    pub claim: String,
    pub read: Vec<String>,
    pub staff: Vec<String>,
    pub admin: Vec<String>,
}

/// Hours a token may be valid unless `JWT_MAX_TOKEN_AGE_HOURS` says otherwise: 30 days.
pub const DEFAULT_MAX_TOKEN_AGE_HOURS: u64 = 720;

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
            whatsapp_provider: Provider::Outbox,
            jwt_max_token_age: hours(DEFAULT_MAX_TOKEN_AGE_HOURS),
            roles: None,
            providers: ProviderSettings::default(),
            starsender_webhook_secret: None,
            gateway_connect_timeout: Duration::from_secs(3),
            gateway_timeout: Duration::from_secs(10),
            workshop: Workshop::default(),
            require_workshop: false,
            reminder_template: default_template(DEFAULT_TEMPLATE, Kind::Dated),
            register_template: default_template(DEFAULT_REGISTER_TEMPLATE, Kind::Register),
            undated_template: default_template(DEFAULT_UNDATED_TEMPLATE, Kind::Undated),
            service_plan: ServicePlan::default(),
            ask_odometer: false,
            reminder_days_threshold: 3,
            reminder_concurrency: 5,
            pacing: PacingSettings::default(),
            cors_allow_origins: Vec::new(),
        }
    }
}

impl Config {
    /// What the gateway adapter is built from.
    pub fn gateway(&self) -> crate::gateway::Settings {
        crate::gateway::Settings {
            provider: self.whatsapp_provider,
            providers: self.providers.clone(),
            connect_timeout: self.gateway_connect_timeout,
            timeout: self.gateway_timeout,
        }
    }

    /// Reads `WORKSHOP_TZ`, `JWT_ISSUER`, `JWT_AUDIENCE`, `JWT_MAX_TOKEN_AGE_HOURS`, the role
    /// settings ([`role_settings`]), `WHATSAPP_PROVIDER`, each provider's (see
    /// [`ProviderSettings`]), `STARSENDER_WEBHOOK_SECRET`, `GATEWAY_CONNECT_TIMEOUT_MS`,
    /// `GATEWAY_TIMEOUT_MS`,
    /// `REMINDER_TEMPLATE`, `REGISTER_REMINDER_TEMPLATE`, `UNDATED_REMINDER_TEMPLATE`,
    /// `WORKSHOP_NAME`, `WORKSHOP_PHONE`,
    /// `REMINDER_DAYS_THRESHOLD`, `REMINDER_CONCURRENCY`, `CORS_ALLOW_ORIGINS`, the service
    /// plan's (see [`service_plan`]), `REMINDER_ASK_ODOMETER` and pacing's (see [`pacing`]).
    pub fn from_env() -> Result<Self, ConfigError> {
        let defaults = Config::default();
        let timezone = match var("WORKSHOP_TZ") {
            Some(value) => value.parse().map_err(|_| ConfigError::TimeZone {
                name: "WORKSHOP_TZ",
                value,
            })?,
            None => defaults.timezone,
        };
        let workshop = Workshop {
            name: var("WORKSHOP_NAME"),
            phone: var("WORKSHOP_PHONE"),
        };
        let template = |name: &'static str, default: &str, kind| {
            let text = var(name).unwrap_or_else(|| default.into());
            Template::new(&text, kind, &workshop)
                .map_err(|e| ConfigError::Invalid(format!("{name}: {e}")))
        };
        Ok(Config {
            timezone,
            jwt_issuer: var("JWT_ISSUER"),
            jwt_audience: var("JWT_AUDIENCE"),
            whatsapp_provider: provider()?.unwrap_or(defaults.whatsapp_provider),
            jwt_max_token_age: match number::<u64>("JWT_MAX_TOKEN_AGE_HOURS")? {
                Some(0) => {
                    return Err(ConfigError::Invalid(
                        "JWT_MAX_TOKEN_AGE_HOURS must be at least 1".into(),
                    ));
                }
                other => hours(other.unwrap_or(DEFAULT_MAX_TOKEN_AGE_HOURS)),
            },
            roles: role_settings()?,
            providers: ProviderSettings::from_env(var).map_err(ConfigError::Invalid)?,
            starsender_webhook_secret: webhook_secret()?,
            gateway_connect_timeout: number("GATEWAY_CONNECT_TIMEOUT_MS")?
                .map_or(defaults.gateway_connect_timeout, Duration::from_millis),
            gateway_timeout: number("GATEWAY_TIMEOUT_MS")?
                .map_or(defaults.gateway_timeout, Duration::from_millis),
            reminder_template: template("REMINDER_TEMPLATE", DEFAULT_TEMPLATE, Kind::Dated)?,
            register_template: template(
                "REGISTER_REMINDER_TEMPLATE",
                DEFAULT_REGISTER_TEMPLATE,
                Kind::Register,
            )?,
            undated_template: template(
                "UNDATED_REMINDER_TEMPLATE",
                DEFAULT_UNDATED_TEMPLATE,
                Kind::Undated,
            )?,
            workshop,
            require_workshop: false,
            service_plan: service_plan(&defaults.service_plan)?,
            ask_odometer: switch("REMINDER_ASK_ODOMETER")?,
            reminder_days_threshold: number("REMINDER_DAYS_THRESHOLD")?
                .unwrap_or(defaults.reminder_days_threshold),
            reminder_concurrency: number("REMINDER_CONCURRENCY")?
                .filter(|n| *n > 0)
                .unwrap_or(defaults.reminder_concurrency),
            pacing: pacing(&defaults.pacing)?,
            cors_allow_origins: allowed_origins(&var("CORS_ALLOW_ORIGINS").unwrap_or_default())?,
        })
    }
}

impl Config {
    /// The workshop settings a send is refused without: none unless [`Config::require_workshop`].
    pub fn unset_for_sending(&self) -> Vec<&'static str> {
        if self.require_workshop {
            self.workshop.unset()
        } else {
            Vec::new()
        }
    }
}

fn hours(hours: u64) -> Duration {
    Duration::from_secs(hours * 3600)
}

/// The role settings: none while `JWT_ROLE_CLAIM` is unset (roles off). Once it is set, at least
/// one level must name a role, or no token could do anything.
pub fn role_settings() -> Result<Option<RoleSettings>, ConfigError> {
    let Some(claim) = var("JWT_ROLE_CLAIM") else {
        return Ok(None);
    };
    let list = |name| {
        var(name)
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|role| !role.is_empty())
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    let settings = RoleSettings {
        claim: claim.trim().to_string(),
        read: list("JWT_READ_ROLES"),
        staff: list("JWT_STAFF_ROLES"),
        admin: list("JWT_ADMIN_ROLES"),
    };
    if settings.read.is_empty() && settings.staff.is_empty() && settings.admin.is_empty() {
        return Err(ConfigError::Invalid(
            "JWT_ROLE_CLAIM is set but none of JWT_READ_ROLES, JWT_STAFF_ROLES and \
             JWT_ADMIN_ROLES names a role: no token could do anything"
                .into(),
        ));
    }
    Ok(Some(settings))
}

/// A default template, which needs no workshop setting.
fn default_template(text: &str, kind: Kind) -> Template {
    Template::new(text, kind, &Workshop::default()).expect("the default templates are valid")
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

/// Shortest webhook secret accepted: the path is the webhook's only credential.
pub const MIN_WEBHOOK_SECRET_CHARS: usize = 32;

/// `STARSENDER_WEBHOOK_SECRET`, if set: at least [`MIN_WEBHOOK_SECRET_CHARS`] characters.
fn webhook_secret() -> Result<Option<String>, ConfigError> {
    match var("STARSENDER_WEBHOOK_SECRET") {
        Some(secret) if secret.chars().count() < MIN_WEBHOOK_SECRET_CHARS => {
            Err(ConfigError::Invalid(format!(
                "STARSENDER_WEBHOOK_SECRET must be at least {MIN_WEBHOOK_SECRET_CHARS} characters"
            )))
        }
        secret => Ok(secret),
    }
}

/// `WHATSAPP_PROVIDER`, if set: `outbox`, `starsender` or `cloud-api`.
fn provider() -> Result<Option<Provider>, ConfigError> {
    var("WHATSAPP_PROVIDER")
        .map(|name| {
            Provider::parse(&name).ok_or_else(|| {
                ConfigError::Invalid(format!(
                    "WHATSAPP_PROVIDER must be outbox, starsender or cloud-api, got {name:?}"
                ))
            })
        })
        .transpose()
}

/// `SEND_DAILY_LIMIT`, `SEND_HOURLY_LIMIT`, `CUSTOM_MESSAGES_PER_NUMBER_PER_DAY`,
/// `REMINDER_COOLDOWN_HOURS`, `SEND_GAP_SECONDS` (`20-60`) and `QUIET_HOURS` (`20:00-08:00`;
/// set but empty: none).
fn pacing(defaults: &PacingSettings) -> Result<PacingSettings, ConfigError> {
    let d = &defaults.limits;
    let limits = Limits {
        daily: within("SEND_DAILY_LIMIT", 1, 100_000)?.unwrap_or(d.daily),
        hourly: within("SEND_HOURLY_LIMIT", 1, 3_600)?.unwrap_or(d.hourly),
        custom_per_number: within("CUSTOM_MESSAGES_PER_NUMBER_PER_DAY", 1, 1_000)?
            .unwrap_or(d.custom_per_number),
        cooldown_hours: within("REMINDER_COOLDOWN_HOURS", 0, 24 * 90)?.unwrap_or(d.cooldown_hours),
    };
    let gap = match var("SEND_GAP_SECONDS") {
        Some(text) => GapRange::parse(&text).ok_or_else(|| {
            ConfigError::Invalid(format!(
                "SEND_GAP_SECONDS must be MIN-MAX seconds (at most 3600), such as 20-60, got {text:?}"
            ))
        })?,
        None => defaults.gap,
    };
    // Set but empty turns the quiet hours off; unset keeps the default.
    let quiet = match env::var("QUIET_HOURS") {
        Ok(text) if text.trim().is_empty() => None,
        Ok(text) => Some(QuietHours::parse(&text).ok_or_else(|| {
            ConfigError::Invalid(format!(
                "QUIET_HOURS must be HH:MM-HH:MM, such as 20:00-08:00, or empty, got {text:?}"
            ))
        })?),
        Err(_) => defaults.quiet,
    };
    Ok(PacingSettings { limits, gap, quiet })
}

/// `SERVICE_INTERVAL_MONTHS` for both kinds, then per kind `SERVICE_INTERVAL_MONTHS_MOTOR`,
/// `SERVICE_INTERVAL_KM_MOTOR`, `DEFAULT_KM_PER_DAY_MOTOR` and the same for `MOBIL`.
fn service_plan(defaults: &ServicePlan) -> Result<ServicePlan, ConfigError> {
    let both = months("SERVICE_INTERVAL_MONTHS")?;
    let kind = |suffix: &str, default: &KindPlan| -> Result<KindPlan, ConfigError> {
        let months_of = months(&format!("SERVICE_INTERVAL_MONTHS_{suffix}"))?;
        let km = within(&format!("SERVICE_INTERVAL_KM_{suffix}"), 1, 100_000)?;
        let pace = within(&format!("DEFAULT_KM_PER_DAY_{suffix}"), 1, 1_000)?;
        Ok(KindPlan {
            interval_km: km.unwrap_or(default.interval_km),
            interval_months: months_of.or(both).unwrap_or(default.interval_months),
            km_per_day: pace.map_or(default.km_per_day, f64::from),
        })
    };
    Ok(ServicePlan {
        motor: kind("MOTOR", &defaults.motor)?,
        mobil: kind("MOBIL", &defaults.mobil)?,
    })
}

/// A whole number from `min` to `max`, if set.
fn within(name: &str, min: u32, max: u32) -> Result<Option<u32>, ConfigError> {
    match number::<u32>(name)? {
        Some(n) if !(min..=max).contains(&n) => Err(ConfigError::Invalid(format!(
            "{name} must be from {min} to {max}, got {n}"
        ))),
        other => Ok(other),
    }
}

/// `true` or `false` (also `1`/`0`), `false` when unset.
fn switch(name: &str) -> Result<bool, ConfigError> {
    match var(name).as_deref().map(str::to_ascii_lowercase).as_deref() {
        None | Some("false" | "0") => Ok(false),
        Some("true" | "1") => Ok(true),
        Some(other) => Err(ConfigError::Invalid(format!(
            "{name} must be true or false, got {other:?}"
        ))),
    }
}

/// A number of months from 1 to 120, if set.
fn months(name: &str) -> Result<Option<u32>, ConfigError> {
    within(name, 1, 120)
}

/// The origins of a comma-separated list such as `https://bengkel.example,http://localhost:5173`
/// (blank: none). `*` and anything but a bare `scheme://host[:port]` are refused: an origin a
/// browser would never send could only fail silently.
pub fn allowed_origins(list: &str) -> Result<Vec<HeaderValue>, ConfigError> {
    list.split(',')
        .map(str::trim)
        .filter(|entry| !entry.is_empty())
        .map(|entry| {
            origin(entry).map_err(|why| ConfigError::Invalid(format!("CORS_ALLOW_ORIGINS: {why}")))
        })
        .collect()
}

fn origin(entry: &str) -> Result<HeaderValue, String> {
    if entry == "*" {
        return Err(
            "`*` is refused: the API answers to bearer tokens, so name each front end's \
             origin (such as https://bengkel.example)"
                .into(),
        );
    }
    let expected = || {
        format!(
            "{entry:?} is not an origin: write scheme://host[:port], such as https://bengkel.example"
        )
    };
    let uri: Uri = entry.parse().map_err(|_| expected())?;
    let (Some(scheme), Some(authority)) = (uri.scheme_str(), uri.authority()) else {
        return Err(expected());
    };
    let default_port = match scheme {
        "http" => 80,
        "https" => 443,
        _ => return Err(expected()),
    };
    // The origin as a browser serialises it: lower case, no default port, no path.
    let port = authority
        .port_u16()
        .filter(|port| *port != default_port)
        .map_or_else(String::new, |port| format!(":{port}"));
    let origin = format!("{scheme}://{}{port}", authority.host()).to_ascii_lowercase();
    if authority.as_str().contains('@') || origin != entry {
        return Err(format!(
            "{entry:?} is not an origin as browsers send it; did you mean {origin}?"
        ));
    }
    HeaderValue::from_str(&origin).map_err(|_| expected())
}

/// A set, non-empty environment variable.
pub fn var(name: &str) -> Option<String> {
    env::var(name).ok().filter(|v| !v.trim().is_empty())
}
