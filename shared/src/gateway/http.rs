//! What the HTTP providers share: one client with connect and total timeouts, a send that
//! retries only connections never made, an answer read no further than a cap, and the mapping
//! of transport errors onto `failed` (known unsent) or `unknown` (may have been sent).
//!
//! No provider here has an idempotency key, so a request that may have reached it is never
//! sent again.

use std::time::Duration;

use reqwest::{RequestBuilder, StatusCode};
use serde_json::Value;

use crate::messages::gateway::Failure;

/// Connection attempts before giving up; only refused or unreachable connections are retried.
pub const CONNECT_ATTEMPTS: u32 = 3;
pub const FIRST_BACKOFF: Duration = Duration::from_millis(200);

/// The most of an answer read from a provider. Answers are a few hundred bytes; the answer is
/// kept in the message log, whose pages must fit in one Lambda answer.
pub const MAX_ANSWER_BYTES: usize = 64 * 1024;

/// The client every provider request goes through.
pub fn client(
    connect_timeout: Duration,
    timeout: Duration,
) -> Result<reqwest::Client, reqwest::Error> {
    reqwest::Client::builder()
        .connect_timeout(connect_timeout)
        .timeout(timeout)
        .build()
}

/// The longest one send can take: every connection attempt timing out, the back-offs between
/// them, and the last attempt's whole request.
pub fn worst_send(connect_timeout: Duration, timeout: Duration) -> Duration {
    let retries = CONNECT_ATTEMPTS - 1;
    let backoffs: Duration = (0..retries).map(|n| FIRST_BACKOFF * 2u32.pow(n)).sum();
    connect_timeout * retries + backoffs + timeout
}

/// An answer read whole: its HTTP status and its JSON, `None` when it is not JSON.
pub struct Answer {
    pub status: StatusCode,
    pub json: Option<Value>,
}

impl Answer {
    /// The failure of an answer that is not JSON: a 2xx may stand for a message sent.
    pub fn unreadable(&self) -> Failure {
        Failure {
            reason: format!("Gateway menjawab HTTP {} tanpa JSON", self.status.as_u16()),
            api_response: None,
            uncertain: self.status.is_success(),
        }
    }
}

/// Sends the request `build` makes, retrying only connections that could not be made, and
/// reads its answer.
pub async fn send_once(build: impl Fn() -> RequestBuilder) -> Result<Answer, Failure> {
    let mut backoff = FIRST_BACKOFF;
    let mut attempt = 1;
    let response = loop {
        match build().send().await {
            Ok(response) => break response,
            Err(e) if e.is_connect() && attempt < CONNECT_ATTEMPTS => {
                tracing::warn!(attempt, error = %e, "gateway unreachable, retrying");
                tokio::time::sleep(backoff).await;
                backoff *= 2;
                attempt += 1;
            }
            Err(e) => return Err(transport_failure(&e)),
        }
    };
    read_answer(response).await
}

async fn read_answer(response: reqwest::Response) -> Result<Answer, Failure> {
    let status = response.status();
    let Some(body) = read_capped(response).await? else {
        return Err(Failure {
            reason: format!(
                "Gateway menjawab HTTP {} dengan isi lebih dari {} KiB; jawaban tidak dibaca",
                status.as_u16(),
                MAX_ANSWER_BYTES / 1024
            ),
            api_response: None,
            // A 2xx answer that cannot be read may stand for a message sent.
            uncertain: status.is_success(),
        });
    };
    Ok(Answer {
        status,
        json: serde_json::from_slice(&body).ok(),
    })
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

/// A JSON value as an id: a string as it is, a number as its digits.
pub fn id_of(value: &Value) -> Option<String> {
    match value {
        Value::String(id) if !id.is_empty() => Some(id.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_worst_send_counts_every_connection_attempt_and_its_backoff() {
        // Two connections that time out, 200 + 400 ms of back-off, and the last request.
        assert_eq!(
            worst_send(Duration::from_secs(3), Duration::from_secs(10)),
            Duration::from_millis(16_600)
        );
    }
}
