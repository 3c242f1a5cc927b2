//! StarSender V3: `POST {url}` with the device key, a text per message. Success is HTTP 2xx
//! **and** `"success": true` (StarSender answers 200 with `false` on failure). StarSender
//! tells no statuses by webhook: where its answer carries a message id, the status is polled
//! with the account key (`GET {base}/api/messages/{id}`).

use async_trait::async_trait;
use reqwest::header::AUTHORIZATION;
use serde_json::{Value, json};

use super::http::{self, Answer};
use crate::messages::gateway::{
    Delivery, Failure, Limits, MessageGateway, SendRequest, StatusReport,
};
use crate::messages::model::{DeliveryStatus, Status};

/// Why StarSender without a key sends nothing, as the 503 and the daily run's log say it.
const NO_KEY: &str = "STARSENDER_API_KEY kosong sedangkan WHATSAPP_PROVIDER=starsender. Minta \
                      admin mengisi starsender_api_key pada secret deployment";

/// StarSender's send URL unless `STARSENDER_URL` says otherwise.
pub const DEFAULT_URL: &str = "https://api.starsender.online/api/send";

/// What the adapter reads: `STARSENDER_URL`, `STARSENDER_API_KEY` and `STARSENDER_ACCOUNT_KEY`
/// (both from the deployment's secret when deployed), `STARSENDER_DELAY_SECS`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    pub url: String,
    /// The device key: nothing is sent without it.
    pub api_key: Option<String>,
    /// The account key, with which the delivery poll asks for statuses; without it none are.
    pub account_key: Option<String>,
    /// `delay` in seconds, sent with every message when set.
    pub delay: Option<u32>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            url: DEFAULT_URL.into(),
            api_key: None,
            account_key: None,
            delay: None,
        }
    }
}

impl Settings {
    /// The fields of the deployment's secret that hold its credentials.
    pub const SECRET_FIELDS: [&'static str; 2] = ["starsender_api_key", "starsender_account_key"];

    /// The settings `var` reads (the environment, through the configuration).
    pub fn from_env(var: impl Fn(&str) -> Option<String>) -> Result<Self, String> {
        let delay = var("STARSENDER_DELAY_SECS")
            .map(|value| {
                value.parse().map_err(|_| {
                    format!("STARSENDER_DELAY_SECS must be a whole number, got {value:?}")
                })
            })
            .transpose()?;
        Ok(Settings {
            url: var("STARSENDER_URL").unwrap_or_else(|| DEFAULT_URL.into()),
            api_key: var("STARSENDER_API_KEY"),
            account_key: var("STARSENDER_ACCOUNT_KEY"),
            delay,
        })
    }

    /// Takes the secret's `field` (one of [`Settings::SECRET_FIELDS`]).
    pub fn set_secret(&mut self, field: &str, value: String) {
        match field {
            "starsender_api_key" => self.api_key = Some(value),
            "starsender_account_key" => self.account_key = Some(value),
            _ => {}
        }
    }
}

pub struct StarSender {
    http: reqwest::Client,
    url: String,
    /// The device key; without it nothing is sent.
    key: Option<String>,
    /// The account key, with which statuses are polled; without it none are.
    account_key: Option<String>,
    /// `delay` (seconds) on every message, when configured.
    delay: Option<u32>,
}

impl StarSender {
    pub fn new(http: reqwest::Client, settings: Settings) -> Self {
        StarSender {
            http,
            url: settings.url,
            key: settings.api_key,
            account_key: settings.account_key,
            delay: settings.delay,
        }
    }

    /// `GET /api/messages/{id}` beside the send URL's `/api/send`, the id one path segment
    /// whatever it holds.
    fn status_url(&self, id: &str) -> Result<reqwest::Url, String> {
        let mut url = reqwest::Url::parse(&self.url).map_err(|e| e.to_string())?;
        url.path_segments_mut()
            .map_err(|()| "STARSENDER_URL has no path".to_string())?
            .pop()
            .extend(["messages", id]);
        Ok(url)
    }
}

#[async_trait]
impl MessageGateway for StarSender {
    fn name(&self) -> &'static str {
        "starsender"
    }

    fn limits(&self) -> Limits {
        Limits {
            schedules: true,
            free_text_window: None,
        }
    }

    fn unconfigured(&self) -> Option<&'static str> {
        self.key.is_none().then_some(NO_KEY)
    }

    async fn send(&self, request: &SendRequest<'_>) -> Result<Delivery, Failure> {
        let Some(key) = &self.key else {
            return Err(Failure {
                reason: NO_KEY.into(),
                api_response: None,
                uncertain: false,
            });
        };
        let mut payload = json!({"messageType": "text", "to": request.to, "body": request.text});
        if let Some(delay) = self.delay {
            payload["delay"] = json!(delay);
        }
        if let Some(at) = request.schedule {
            payload["schedule"] = json!(at.timestamp_millis());
        }
        let answer = http::send_once(|| {
            self.http
                .post(&self.url)
                .header(AUTHORIZATION, key)
                .json(&payload)
        })
        .await?;
        let mut delivery = delivery(answer)?;
        // StarSender sends a scheduled message itself at that instant.
        if request.schedule.is_some() {
            delivery.status = Status::Scheduled;
        }
        Ok(delivery)
    }

    fn polls_status(&self) -> bool {
        self.account_key.is_some()
    }

    async fn status(&self, provider_message_id: &str) -> Result<Option<StatusReport>, String> {
        let Some(key) = &self.account_key else {
            return Ok(None);
        };
        let url = self.status_url(provider_message_id)?;
        let answer = http::send_once(|| self.http.get(url.clone()).header(AUTHORIZATION, key))
            .await
            .map_err(|f| f.reason)?;
        match answer.json {
            Some(json) if answer.status.is_success() => Ok(status_of(&json)),
            _ => Err(format!(
                "StarSender menjawab HTTP {} pada status pesan",
                answer.status.as_u16()
            )),
        }
    }
}

/// A send's answer: sent with its message id, or refused with StarSender's `message`.
fn delivery(answer: Answer) -> Result<Delivery, Failure> {
    let Some(json) = answer.json.clone() else {
        return Err(answer.unreadable());
    };
    if answer.status.is_success() && json["success"] == json!(true) {
        let data = &json["data"];
        let id = http::id_of(&data["message_id"]).or_else(|| http::id_of(&data["id"]));
        return Ok(Delivery {
            status: Status::Sent,
            api_response: json,
            provider_message_id: id,
        });
    }
    let said = json["message"].as_str().unwrap_or("tanpa keterangan");
    let reason = if answer.status.is_success() {
        format!("Gateway menolak pesan: {said}")
    } else {
        format!("Gateway menjawab HTTP {}: {said}", answer.status.as_u16())
    };
    Err(Failure {
        reason,
        api_response: Some(json),
        uncertain: false,
    })
}

/// `{"success": true, "data": {"status": "delivered", …}}`; a status StarSender names
/// otherwise (pending, queued) tells nothing yet.
fn status_of(json: &Value) -> Option<StatusReport> {
    if json["success"] == json!(false) {
        return None;
    }
    let data = &json["data"];
    let word = data["status"]
        .as_str()
        .or_else(|| json["status"].as_str())?;
    let status = DeliveryStatus::parse(word)?;
    let error = (status == DeliveryStatus::Failed).then(|| {
        data["message"]
            .as_str()
            .unwrap_or("StarSender: pesan gagal terkirim")
            .to_string()
    });
    Some(StatusReport { status, error })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_status_answer_is_read_tolerantly() {
        let read = |v: Value| status_of(&v).map(|r| r.status);
        assert_eq!(
            read(json!({"success": true, "data": {"status": "read"}})),
            Some(DeliveryStatus::Read)
        );
        assert_eq!(
            read(json!({"success": true, "data": {"status": "DELIVERED"}})),
            Some(DeliveryStatus::Delivered)
        );
        assert_eq!(
            read(json!({"success": true, "data": {"status": "pending"}})),
            None
        );
        assert_eq!(
            read(json!({"success": false, "message": "not found"})),
            None
        );
    }

    #[test]
    fn the_status_url_sits_beside_the_send_url() {
        let client = reqwest::Client::new();
        let s = StarSender::new(client, Settings::default());
        assert_eq!(
            s.status_url("a b/c").map(String::from),
            Ok("https://api.starsender.online/api/messages/a%20b%2Fc".to_string())
        );
    }
}
