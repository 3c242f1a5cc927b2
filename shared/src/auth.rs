//! Bearer-token authentication: HS256 JWTs signed with the workshop main application's secret.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Deserializer};
use serde_json::{Value, json};

use self::verified::VerifiedTokens;
use crate::config::{Config, ConfigError};

mod verified;

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

/// What the API reads from a valid token: who (for the logs) and until when.
#[derive(Debug, Deserialize)]
pub struct Claims {
    #[serde(default)]
    pub sub: Option<Value>,
    /// Unix seconds.
    #[serde(deserialize_with = "seconds")]
    pub exp: u64,
}

/// A JSON number of seconds, rounded as jsonwebtoken's own `exp` check reads it.
fn seconds<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u64, D::Error> {
    f64::deserialize(deserializer).map(|s| s.round() as u64)
}

pub struct Auth {
    decoding: DecodingKey,
    encoding: EncodingKey,
    validation: Validation,
    verified: VerifiedTokens,
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
            verified: VerifiedTokens::new(CLOCK_SKEW_SECS, verified::CAPACITY),
        })
    }

    /// The claims of a valid token: of one verified before while its `exp` holds, else
    /// verified now (and then kept).
    pub fn verify(&self, token: &str) -> Result<Arc<Claims>, TokenRefused> {
        let now = jsonwebtoken::get_current_timestamp();
        if let Some(claims) = self.verified.get(token, now) {
            return Ok(claims);
        }
        let claims = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map(|data| Arc::new(data.claims))
            .map_err(|e| {
                tracing::info!(reason = %e, "token refused");
                TokenRefused
            })?;
        self.verified.insert(token, claims.clone(), now);
        Ok(claims)
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

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"a-test-secret-of-at-least-32-bytes!!";

    fn auth(secret: &[u8]) -> Auth {
        Auth::new(secret, &Config::default()).unwrap()
    }

    #[test]
    fn a_token_verified_twice_is_kept_once() {
        let auth = auth(SECRET);
        let token = auth.issue("kasir", Duration::from_secs(3600), &Config::default());
        let first = auth.verify(&token).unwrap();
        let again = auth.verify(&token).unwrap();
        assert_eq!(again.sub, Some(json!("kasir")));
        assert!(
            Arc::ptr_eq(&first, &again),
            "the second answer is the kept one"
        );
        assert_eq!(auth.verified.len(), 1);
    }

    #[test]
    fn a_token_of_another_secret_is_refused_though_its_own_auth_kept_it() {
        let other = auth(b"another-secret-of-at-least-32-bytes!");
        let token = other.issue("kasir", Duration::from_secs(3600), &Config::default());
        assert!(other.verify(&token).is_ok());
        let auth = auth(SECRET);
        assert!(auth.verify(&token).is_err());
        assert!(auth.verify(&token).is_err(), "refused again, not kept");
        assert_eq!(auth.verified.len(), 0);
    }

    #[test]
    fn an_expired_token_is_refused_and_not_kept() {
        let auth = auth(SECRET);
        let exp = jsonwebtoken::get_current_timestamp() - CLOCK_SKEW_SECS - 10;
        let token = jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &json!({"sub": "kasir", "exp": exp}),
            &EncodingKey::from_secret(SECRET),
        )
        .unwrap();
        assert!(auth.verify(&token).is_err());
        assert_eq!(auth.verified.len(), 0);
    }
}
