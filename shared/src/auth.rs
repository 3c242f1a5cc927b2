//! Bearer-token authentication: HS256 JWTs signed with the workshop main application's secret.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::config::{Config, ConfigError};

/// Seconds a token's `exp` and `nbf` may be off, for clocks that disagree a little.
pub const CLOCK_SKEW_SECS: u64 = 60;

/// Shorter secrets make HS256 guessable.
pub const MIN_SECRET_BYTES: usize = 32;

/// A token that is not valid now. Why (its signature, its time, its issuer) is logged where it is
/// refused; the caller is told only this.
#[derive(Debug, thiserror::Error)]
#[error("{}", TokenRefused::DETAIL)]
pub struct TokenRefused;

impl TokenRefused {
    pub const DETAIL: &'static str = "Token tidak valid atau sudah kedaluwarsa";
}

pub struct Auth {
    decoding: DecodingKey,
    encoding: EncodingKey,
    validation: Validation,
}

impl Auth {
    /// Pins HS256, requires `exp` (and honours `nbf` when a token has one), and checks
    /// `iss`/`aud` when the config names them. Both time claims allow a minute of clock skew.
    pub fn new(secret: &[u8], config: &Config) -> Result<Self, ConfigError> {
        if secret.len() < MIN_SECRET_BYTES {
            return Err(ConfigError::Invalid(format!(
                "the JWT secret must be at least {MIN_SECRET_BYTES} bytes (got {})",
                secret.len()
            )));
        }
        let mut validation = Validation::new(Algorithm::HS256);
        validation.validate_exp = true;
        validation.validate_nbf = true;
        validation.leeway = CLOCK_SKEW_SECS;
        let mut required = vec!["exp"];
        match &config.jwt_issuer {
            Some(issuer) => {
                validation.set_issuer(&[issuer]);
                required.push("iss");
            }
            None => validation.iss = None,
        }
        match &config.jwt_audience {
            Some(audience) => {
                validation.set_audience(&[audience]);
                required.push("aud");
            }
            None => validation.validate_aud = false,
        }
        validation.set_required_spec_claims(&required);
        Ok(Auth {
            decoding: DecodingKey::from_secret(secret),
            encoding: EncodingKey::from_secret(secret),
            validation,
        })
    }

    /// The claims of a valid token.
    pub fn verify(&self, token: &str) -> Result<Value, TokenRefused> {
        jsonwebtoken::decode::<Value>(token, &self.decoding, &self.validation)
            .map(|data| data.claims)
            .map_err(|e| {
                tracing::info!(reason = %e, "token refused");
                TokenRefused
            })
    }

    /// A token for `subject` valid for `ttl`, with the configured issuer and audience: what the
    /// local server prints for developers.
    pub fn issue(&self, subject: &str, ttl: Duration, config: &Config) -> String {
        let exp = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            + ttl;
        let mut claims = json!({"sub": subject, "exp": exp.as_secs()});
        if let Some(issuer) = &config.jwt_issuer {
            claims["iss"] = json!(issuer);
        }
        if let Some(audience) = &config.jwt_audience {
            claims["aud"] = json!(audience);
        }
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .expect("HS256 signing of a JSON object cannot fail")
    }
}

/// The JSON secret the Lambda functions read from Secrets Manager.
#[derive(Debug, Deserialize)]
pub struct Secrets {
    pub jwt_secret: String,
    #[serde(default)]
    pub starsender_api_key: Option<String>,
}

impl Secrets {
    pub async fn fetch(
        client: &aws_sdk_secretsmanager::Client,
        secret_id: &str,
    ) -> Result<Self, ConfigError> {
        let output = client
            .get_secret_value()
            .secret_id(secret_id)
            .send()
            .await
            .map_err(|e| ConfigError::Invalid(format!("cannot read secret {secret_id}: {e}")))?;
        let text = output.secret_string().ok_or_else(|| {
            ConfigError::Invalid(format!("secret {secret_id} has no string value"))
        })?;
        let mut secrets: Secrets = serde_json::from_str(text).map_err(|e| {
            ConfigError::Invalid(format!("secret {secret_id} is not the expected JSON: {e}"))
        })?;
        secrets.starsender_api_key = secrets
            .starsender_api_key
            .filter(|key| !key.trim().is_empty());
        Ok(secrets)
    }
}
