//! The WhatsApp provider: the StarSender V3 client, or the local outbox
//! (`WHATSAPP_PROVIDER`).
//!
//! StarSender has no idempotency key, so a request that may have reached it is never sent
//! again: only failures to connect (nothing was sent) are retried, with back-off, and a
//! request whose answer is lost after it was written is reported as uncertain.

use std::time::Duration;

use chrono::{DateTime, Utc};
use reqwest::header::AUTHORIZATION;
use serde_json::{Value, json};

use crate::messages::gateway::{Delivery, Failure, MessageGateway};
use crate::messages::model::Status;

/// Connection attempts before giving up; only refused or unreachable connections are retried.
const CONNECT_ATTEMPTS: u32 = 3;
const FIRST_BACKOFF: Duration = Duration::from_millis(200);

/// The most of an answer read from the gateway. StarSender answers with a few hundred bytes;
/// the answer is kept in the message log, whose pages must fit in one Lambda answer.
pub const MAX_ANSWER_BYTES: usize = 64 * 1024;

/// Which provider sends the messages (`WHATSAPP_PROVIDER`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provider {
    /// Kept in the local outbox, never sent: the local server's default.
    Outbox,
    /// StarSender V3: the deployed stack's default. Without a key, nothing is sent.
    StarSender,
}

impl Provider {
    /// `outbox` or `starsender`, as `WHATSAPP_PROVIDER` names them.
    pub fn parse(name: &str) -> Option<Self> {
        match name.trim().to_ascii_lowercase().as_str() {
            "outbox" => Some(Provider::Outbox),
            "starsender" => Some(Provider::StarSender),
            _ => None,
        }
    }
}

pub struct Gateway {
    target: Target,
    /// StarSender's `delay` (seconds) on every message, when configured.
    delay: Option<u32>,
}

enum Target {
    StarSender {
        http: reqwest::Client,
        url: String,
        key: String,
    },
    Outbox,
    /// StarSender without a key: every send is refused before anything is claimed.
    Unconfigured,
}

/// What the gateway is built from (the configuration reads it from the environment).
#[derive(Debug, Clone)]
pub struct Settings {
    pub provider: Provider,
    pub url: String,
    /// StarSender's device key; StarSender without one sends nothing.
    pub key: Option<String>,
    /// StarSender's `delay` (seconds) on every message.
    pub delay: Option<u32>,
    /// Time allowed to open a connection.
    pub connect_timeout: Duration,
    /// Time allowed for a whole request.
    pub timeout: Duration,
}

impl Settings {
    /// The longest one send can take: every connection attempt timing out, the back-offs
    /// between them, and the last attempt's whole request.
    pub fn worst_send(&self) -> Duration {
        let retries = CONNECT_ATTEMPTS - 1;
        let backoffs: Duration = (0..retries).map(|n| FIRST_BACKOFF * 2u32.pow(n)).sum();
        self.connect_timeout * retries + backoffs + self.timeout
    }
}

impl Gateway {
    /// The provider of `settings`; fails only when the HTTP client cannot be built.
    pub fn new(settings: Settings) -> Result<Self, reqwest::Error> {
        let target = match (settings.provider, settings.key) {
            (Provider::Outbox, _) => Target::Outbox,
            (Provider::StarSender, None) => Target::Unconfigured,
            (Provider::StarSender, Some(key)) => Target::StarSender {
                http: reqwest::Client::builder()
                    .connect_timeout(settings.connect_timeout)
                    .timeout(settings.timeout)
                    .build()?,
                url: settings.url,
                key,
            },
        };
        Ok(Gateway {
            target,
            delay: settings.delay,
        })
    }

    /// Whether messages are kept locally instead of sent.
    pub fn is_outbox(&self) -> bool {
        matches!(self.target, Target::Outbox)
    }
}

/// Why StarSender without a key sends nothing, as the 503 and the daily run's log say it.
const NO_KEY: &str = "STARSENDER_API_KEY kosong sedangkan WHATSAPP_PROVIDER=starsender. Minta \
                      admin mengisi starsender_api_key pada secret deployment";

#[async_trait::async_trait]
impl MessageGateway for Gateway {
    fn unconfigured(&self) -> Option<&'static str> {
        matches!(self.target, Target::Unconfigured).then_some(NO_KEY)
    }

    async fn send(
        &self,
        to: &str,
        body: &str,
        schedule: Option<DateTime<Utc>>,
    ) -> Result<Delivery, Failure> {
        match &self.target {
            Target::Outbox => Ok(outbox(to, body, schedule)),
            Target::Unconfigured => Err(Failure {
                reason: NO_KEY.to_string(),
                api_response: None,
                uncertain: false,
            }),
            Target::StarSender { http, url, key } => {
                let mut payload = json!({"messageType": "text", "to": to, "body": body});
                if let Some(delay) = self.delay {
                    payload["delay"] = json!(delay);
                }
                // StarSender sends a scheduled message itself at that instant (Unix ms).
                if let Some(at) = schedule {
                    payload["schedule"] = json!(at.timestamp_millis());
                }
                let response = post_once_delivered(http, url, key, &payload).await?;
                let mut delivery = read_answer(response).await?;
                if schedule.is_some() {
                    delivery.status = Status::Scheduled;
                }
                Ok(delivery)
            }
        }
    }
}

/// The local outbox: logs the message now, or, scheduled, at its slot in this process (as
/// StarSender would send it then); the entry stays `scheduled`, as no gateway confirms it.
fn outbox(to: &str, body: &str, schedule: Option<DateTime<Utc>>) -> Delivery {
    let Some(at) = schedule else {
        tracing::info!(
            to,
            body,
            "outbox: WHATSAPP_PROVIDER=outbox, message kept, not sent"
        );
        return Delivery {
            status: Status::Outbox,
            api_response: json!({
                "success": true,
                "message": "Disimpan di outbox lokal (WHATSAPP_PROVIDER=outbox), tidak dikirim"
            }),
        };
    };
    let (to, body) = (to.to_string(), body.to_string());
    let wait = (at - Utc::now()).to_std().unwrap_or_default();
    tokio::spawn(async move {
        tokio::time::sleep(wait).await;
        tracing::info!(%to, %body, %at, "outbox: the scheduled message's slot came; kept, not sent");
    });
    Delivery {
        status: Status::Scheduled,
        api_response: json!({
            "success": true,
            "message": format!(
                "Dijadwalkan di outbox lokal untuk {} (WHATSAPP_PROVIDER=outbox), tidak dikirim",
                at.to_rfc3339()
            )
        }),
    }
}

/// Posts `payload`, retrying only connections that could not be made.
async fn post_once_delivered(
    http: &reqwest::Client,
    url: &str,
    key: &str,
    payload: &Value,
) -> Result<reqwest::Response, Failure> {
    let mut backoff = FIRST_BACKOFF;
    let mut attempt = 1;
    loop {
        match http
            .post(url)
            .header(AUTHORIZATION, key)
            .json(payload)
            .send()
            .await
        {
            Ok(response) => return Ok(response),
            Err(e) if e.is_connect() && attempt < CONNECT_ATTEMPTS => {
                tracing::warn!(attempt, error = %e, "gateway unreachable, retrying");
                tokio::time::sleep(backoff).await;
                backoff *= 2;
                attempt += 1;
            }
            Err(e) => return Err(transport_failure(&e)),
        }
    }
}

/// Success is HTTP 2xx and `"success": true`: StarSender answers 200 with `false` on failure.
async fn read_answer(response: reqwest::Response) -> Result<Delivery, Failure> {
    let status = response.status();
    // A 2xx answer that cannot be read may stand for a message sent.
    let uncertain = status.is_success();
    let Some(body) = read_capped(response).await? else {
        return Err(Failure {
            reason: format!(
                "Gateway menjawab HTTP {} dengan isi lebih dari {} KiB; jawaban tidak dibaca",
                status.as_u16(),
                MAX_ANSWER_BYTES / 1024
            ),
            api_response: None,
            uncertain,
        });
    };
    let answer: Option<Value> = serde_json::from_slice(&body).ok();
    match answer {
        Some(answer) if status.is_success() && answer["success"] == json!(true) => Ok(Delivery {
            status: Status::Sent,
            api_response: answer,
        }),
        Some(answer) => {
            let said = answer["message"]
                .as_str()
                .unwrap_or("tanpa keterangan")
                .to_string();
            let reason = if status.is_success() {
                format!("Gateway menolak pesan: {said}")
            } else {
                format!("Gateway menjawab HTTP {}: {said}", status.as_u16())
            };
            Err(Failure {
                reason,
                api_response: Some(answer),
                uncertain: false,
            })
        }
        None => Err(Failure {
            reason: format!("Gateway menjawab HTTP {} tanpa JSON", status.as_u16()),
            api_response: None,
            uncertain,
        }),
    }
}

/// The answer's body, or `None` when it is longer than [`MAX_ANSWER_BYTES`]: read no further
/// than that, whatever the gateway sends or says it will send.
async fn read_capped(mut response: reqwest::Response) -> Result<Option<Vec<u8>>, Failure> {
    let too_long = |bytes: u64| bytes > MAX_ANSWER_BYTES as u64;
    if response.content_length().is_some_and(too_long) {
        return Ok(None);
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| transport_failure(&e))? {
        body.extend_from_slice(&chunk);
        if too_long(body.len() as u64) {
            return Ok(None);
        }
    }
    Ok(Some(body))
}

/// A request that failed on the way: known unsent only when no connection was made; after
/// that, the gateway may have received it.
fn transport_failure(error: &reqwest::Error) -> Failure {
    let (reason, uncertain) = if error.is_connect() {
        (format!("Gateway tidak dapat dihubungi: {error}"), false)
    } else if error.is_timeout() {
        (
            "Gateway tidak menjawab sebelum batas waktu; status pesan belum pasti, tidak \
             dikirim ulang otomatis"
                .to_string(),
            true,
        )
    } else {
        (
            format!("Jawaban gateway terputus ({error}); status pesan belum pasti"),
            true,
        )
    };
    Failure {
        reason,
        api_response: None,
        uncertain,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_worst_send_counts_every_connection_attempt_and_its_backoff() {
        let settings = Settings {
            provider: Provider::StarSender,
            url: String::new(),
            key: None,
            delay: None,
            connect_timeout: Duration::from_secs(3),
            timeout: Duration::from_secs(10),
        };
        // Two connections that time out, 200 + 400 ms of back-off, and the last request.
        assert_eq!(settings.worst_send(), Duration::from_millis(16_600));
    }
}
