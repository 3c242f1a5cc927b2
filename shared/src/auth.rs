//! Bearer-token authentication: HS256 JWTs signed with the workshop main application's secret,
//! and the actor a valid token names (its `sub` and the level its roles grant).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Deserializer};
use serde_json::{Value, json};

use self::roles::Roles;
use self::verified::VerifiedTokens;
use crate::actor::{Actor, Level};
use crate::config::{Config, ConfigError};
use crate::error::ApiError;

mod roles;
mod verified;

/// The sub of a token without one while roles are off (with roles on it is refused).
pub const NO_SUBJECT: &str = "tanpa-sub";

/// What a token without `sub` is told once roles are on: the change log needs a name.
pub const NO_SUBJECT_DETAIL: &str =
    "Token tidak menyebut penggunanya (klaim sub); minta token baru dari aplikasi utama";

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

/// What the API reads from a valid token: who, until when, since when, and its other claims
/// (the role claim among them, whose name is configuration).
#[derive(Debug, Default, Deserialize)]
pub struct Claims {
    #[serde(default)]
    pub sub: Option<Value>,
    /// Unix seconds.
    #[serde(deserialize_with = "seconds")]
    pub exp: u64,
    /// Unix seconds, when the token says when it was issued.
    #[serde(default, deserialize_with = "some_seconds")]
    pub iat: Option<u64>,
    #[serde(flatten)]
    pub other: HashMap<String, Value>,
}

fn some_seconds<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<u64>, D::Error> {
    seconds(deserializer).map(Some)
}

/// A JSON number of seconds, rounded as jsonwebtoken's own `exp` check reads it.
fn seconds<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u64, D::Error> {
    f64::deserialize(deserializer).map(|s| s.round() as u64)
}

pub struct Auth {
    decoding: DecodingKey,
    encoding: EncodingKey,
    validation: Validation,
    /// The longest a token may be valid, in seconds.
    max_age: u64,
    /// `None`: roles are off, every valid token is admin.
    roles: Option<Roles>,
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
            max_age: config.jwt_max_token_age.as_secs(),
            roles: config.roles.as_ref().map(Roles::new),
            verified: VerifiedTokens::new(CLOCK_SKEW_SECS, verified::CAPACITY),
        })
    }

    /// An `Auth` that accepts no token: its key is random and known to nobody. For the
    /// functions that serve only public routes, which may read no secret.
    pub fn refusing_all(config: &Config) -> Self {
        let key = format!(
            "{}{}",
            uuid::Uuid::new_v4().simple(),
            uuid::Uuid::new_v4().simple()
        );
        Auth::new(key.as_bytes(), config).expect("64 random characters are a long enough key")
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
        self.check_age(&claims, now)?;
        self.verified.insert(token, claims.clone(), now);
        Ok(claims)
    }

    /// Refuses a token valid for longer than the maximum age: its `exp` further ahead than that
    /// from now (allowing the clock skew), or further than that from its `iat`.
    fn check_age(&self, claims: &Claims, now: u64) -> Result<(), TokenRefused> {
        let ahead = claims.exp.saturating_sub(now);
        let lifetime = claims.iat.map_or(0, |iat| claims.exp.saturating_sub(iat));
        if ahead > self.max_age + CLOCK_SKEW_SECS || lifetime > self.max_age {
            tracing::info!(
                ahead,
                lifetime,
                max_age = self.max_age,
                "token refused: too long-lived"
            );
            return Err(TokenRefused);
        }
        Ok(())
    }

    /// Who a valid token names and the level its roles grant. With roles on, a token without
    /// `sub` is refused (401): every change records its actor. A token whose roles grant no
    /// level is refused with 403.
    pub fn actor(&self, claims: &Claims) -> Result<Actor, ApiError> {
        let sub = match &claims.sub {
            Some(Value::String(sub)) if !sub.trim().is_empty() => Some(sub.clone()),
            Some(Value::Number(sub)) => Some(sub.to_string()),
            _ => None,
        };
        let Some(roles) = &self.roles else {
            return Ok(Actor {
                sub: sub.unwrap_or_else(|| NO_SUBJECT.into()),
                level: Level::Admin,
            });
        };
        let sub = sub.ok_or(ApiError::Unauthorized(NO_SUBJECT_DETAIL))?;
        let level = roles.level(claims).ok_or_else(|| {
            ApiError::Forbidden(
                "Token ini tidak memiliki peran yang dikenali API ini; minta admin bengkel \
                 memberi Anda peran baca, staf atau admin"
                    .into(),
            )
        })?;
        Ok(Actor { sub, level })
    }

    /// A token for `subject` valid for `ttl`, with the configured issuer and audience, and
    /// with roles on, a role of `level`: what the local server prints for developers.
    pub fn issue(&self, subject: &str, ttl: Duration, config: &Config) -> String {
        self.issue_as(subject, Level::Admin, ttl, config)
    }

    /// [`Auth::issue`] for a token of `level`.
    pub fn issue_as(&self, subject: &str, level: Level, ttl: Duration, config: &Config) -> String {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        let mut claims =
            json!({"sub": subject, "iat": now.as_secs(), "exp": (now + ttl).as_secs()});
        if let Some(roles) = &self.roles
            && let Some(role) = roles.role_of(level)
        {
            claims[roles.claim()] = json!(role);
        }
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
    fn a_token_issued_for_a_level_carries_a_role_of_it() {
        let config = Config {
            roles: Some(crate::config::RoleSettings {
                claim: "roles".into(),
                read: vec!["kasir".into()],
                staff: vec!["advisor".into()],
                admin: vec!["pemilik".into()],
            }),
            ..Config::default()
        };
        let auth = Auth::new(SECRET, &config).unwrap();
        for level in Level::ALL {
            let token = auth.issue_as("budi", level, Duration::from_secs(3600), &config);
            let actor = auth.actor(&auth.verify(&token).unwrap()).unwrap();
            assert_eq!(
                actor,
                Actor {
                    sub: "budi".into(),
                    level
                }
            );
        }
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
