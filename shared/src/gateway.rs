//! The StarSender V3 client, or, without a device key, the local outbox.
//!
//! StarSender has no idempotency key, so a request that may have reached it is never sent
//! again: only failures to connect (nothing was sent) are retried, with back-off.

use std::time::Duration;

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
}

/// What the gateway is built from (the configuration reads it from the environment).
#[derive(Debug, Clone)]
pub struct Settings {
    pub url: String,
    /// Without a key, messages go to the local outbox instead of the gateway.
    pub key: Option<String>,
    /// StarSender's `delay` (seconds) on every message.
    pub delay: Option<u32>,
    /// Time allowed to open a connection.
    pub connect_timeout: Duration,
    /// Time allowed for a whole request.
    pub timeout: Duration,
}

impl Gateway {
    /// The StarSender client of `settings`, or the outbox when they hold no key; fails only
    /// when the HTTP client cannot be built.
    pub fn new(settings: Settings) -> Result<Self, reqwest::Error> {
        let target = match settings.key {
            None => Target::Outbox,
            Some(key) => Target::StarSender {
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

#[async_trait::async_trait]
impl MessageGateway for Gateway {
    async fn send(&self, to: &str, body: &str) -> Result<Delivery, Failure> {
        match &self.target {
            Target::Outbox => {
                tracing::info!(
                    to,
                    body,
                    "outbox: no STARSENDER_API_KEY, message kept, not sent"
                );
                Ok(Delivery {
                    status: Status::Outbox,
                    api_response: json!({
                        "success": true,
                        "message": "Disimpan di outbox lokal (STARSENDER_API_KEY tidak diatur), tidak dikirim"
                    }),
                })
            }
            Target::StarSender { http, url, key } => {
                let mut payload = json!({"messageType": "text", "to": to, "body": body});
                if let Some(delay) = self.delay {
                    payload["delay"] = json!(delay);
                }
                let response = post_once_delivered(http, url, key, &payload).await?;
                read_answer(response).await
            }
        }
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
    let Some(body) = read_capped(response).await? else {
        return Err(Failure {
            reason: format!(
                "Gateway menjawab HTTP {} dengan isi lebih dari {} KiB; jawaban tidak dibaca",
                status.as_u16(),
                MAX_ANSWER_BYTES / 1024
            ),
            api_response: None,
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
            })
        }
        None => Err(Failure {
            reason: format!("Gateway menjawab HTTP {} tanpa JSON", status.as_u16()),
            api_response: None,
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

fn transport_failure(error: &reqwest::Error) -> Failure {
    let reason = if error.is_connect() {
        format!("Gateway tidak dapat dihubungi: {error}")
    } else if error.is_timeout() {
        "Gateway tidak menjawab sebelum batas waktu; status pesan tidak diketahui, tidak dikirim ulang otomatis"
            .to_string()
    } else {
        format!("Gateway gagal: {error}")
    };
    Failure {
        reason,
        api_response: None,
    }
}
