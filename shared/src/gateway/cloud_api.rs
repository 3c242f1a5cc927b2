//! The WhatsApp Business Cloud API (Meta's official route): `POST {url}/{phone_number_id}/messages`
//! with a bearer token. A reminder goes as an approved template whose body parameters are the
//! reminder's values in a configured order; other messages as free text, which WhatsApp
//! delivers only within 24 hours of the customer's last message. Statuses come by webhook
//! (see `cloud_webhook`). The API cannot schedule (pacing asks it only for what may leave now);
//! a later slot is refused before any request.

use async_trait::async_trait;
use chrono::{TimeDelta, Utc};
use serde_json::{Value, json};

use super::http::{self, Answer};
use crate::messages::gateway::{
    Delivery, Failure, Limits, MessageGateway, ReminderValues, SendRequest,
};
use crate::messages::model::Status;

/// The Graph API version the adapter was written against.
pub const DEFAULT_URL: &str = "https://graph.facebook.com/v23.0";
/// The code of a later slot refused (the Cloud API cannot schedule).
pub const NO_SCHEDULE: &str = "NO_SCHEDULE";
/// How long after a customer's message free text is delivered.
pub const SERVICE_WINDOW: TimeDelta = TimeDelta::hours(24);

/// What the adapter and its webhook read: `CLOUD_API_URL`, `CLOUD_API_PHONE_NUMBER_ID`,
/// `CLOUD_API_TOKEN`, `CLOUD_API_APP_SECRET` (both from Secrets Manager when deployed),
/// `CLOUD_API_VERIFY_TOKEN`, `CLOUD_API_REMINDER_TEMPLATE`, `CLOUD_API_TEMPLATE_LANGUAGE` and
/// `CLOUD_API_TEMPLATE_PARAMS`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    pub url: String,
    pub phone_number_id: Option<String>,
    pub token: Option<String>,
    /// Signs the webhook's bodies (`X-Hub-Signature-256`).
    pub app_secret: Option<String>,
    /// Meta's handshake echoes the challenge only with this token.
    pub verify_token: Option<String>,
    /// The approved template reminders are sent as.
    pub reminder_template: Option<String>,
    pub template_language: String,
    /// The reminder's values the template's body parameters take, in order.
    pub template_params: Vec<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            url: DEFAULT_URL.into(),
            phone_number_id: None,
            token: None,
            app_secret: None,
            verify_token: None,
            reminder_template: None,
            template_language: "id".into(),
            template_params: ReminderValues::NAMES.map(String::from).to_vec(),
        }
    }
}

impl Settings {
    #[cfg(test)]
    fn new_for(url: &str) -> Self {
        Settings {
            url: url.into(),
            ..Settings::default()
        }
    }

    /// The fields of the deployment's secret that hold its credentials.
    pub const SECRET_FIELDS: [&'static str; 2] = ["cloud_api_token", "cloud_api_app_secret"];

    /// Takes the secret's `field` (one of [`Settings::SECRET_FIELDS`]).
    pub fn set_secret(&mut self, field: &str, value: String) {
        match field {
            "cloud_api_token" => self.token = Some(value),
            "cloud_api_app_secret" => self.app_secret = Some(value),
            _ => {}
        }
    }

    /// The settings `var` reads (the environment, through the configuration).
    pub fn from_env(var: impl Fn(&str) -> Option<String>) -> Result<Self, String> {
        let defaults = Settings::default();
        let template_params = match var("CLOUD_API_TEMPLATE_PARAMS") {
            Some(list) => params(&list)?,
            None => defaults.template_params,
        };
        Ok(Settings {
            url: var("CLOUD_API_URL")
                .map(|url| url.trim_end_matches('/').to_string())
                .unwrap_or(defaults.url),
            phone_number_id: var("CLOUD_API_PHONE_NUMBER_ID"),
            token: var("CLOUD_API_TOKEN"),
            app_secret: var("CLOUD_API_APP_SECRET"),
            verify_token: var("CLOUD_API_VERIFY_TOKEN"),
            reminder_template: var("CLOUD_API_REMINDER_TEMPLATE"),
            template_language: var("CLOUD_API_TEMPLATE_LANGUAGE")
                .unwrap_or(defaults.template_language),
            template_params,
        })
    }
}

/// `customer_name,nopol,…`: each a value a reminder has.
fn params(list: &str) -> Result<Vec<String>, String> {
    list.split(',')
        .map(str::trim)
        .filter(|name| !name.is_empty())
        .map(|name| match ReminderValues::NAMES.contains(&name) {
            true => Ok(name.to_string()),
            false => Err(format!(
                "CLOUD_API_TEMPLATE_PARAMS: {name:?} is not one of {}",
                ReminderValues::NAMES.join(", ")
            )),
        })
        .collect()
}

const UNCONFIGURED: &str = "WHATSAPP_PROVIDER=cloud-api membutuhkan CLOUD_API_TOKEN, \
    CLOUD_API_PHONE_NUMBER_ID dan CLOUD_API_REMINDER_TEMPLATE. Minta admin mengisinya";

pub struct CloudApi {
    http: reqwest::Client,
    settings: Settings,
}

impl CloudApi {
    pub fn new(http: reqwest::Client, settings: Settings) -> Self {
        CloudApi { http, settings }
    }

    /// The body of `request`: its reminder as the template, or its text.
    fn payload(&self, request: &SendRequest<'_>, template: &str) -> Value {
        let mut payload = json!({
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": request.to,
        });
        match request.reminder {
            Some(values) => {
                let parameters: Vec<Value> = self
                    .settings
                    .template_params
                    .iter()
                    .map(|name| {
                        let text = values.get(name).filter(|v| !v.is_empty()).unwrap_or("-");
                        json!({"type": "text", "text": text})
                    })
                    .collect();
                payload["type"] = json!("template");
                payload["template"] = json!({
                    "name": template,
                    "language": {"code": self.settings.template_language},
                    "components": [{"type": "body", "parameters": parameters}],
                });
            }
            None => {
                payload["type"] = json!("text");
                payload["text"] = json!({"preview_url": false, "body": request.text});
            }
        }
        payload
    }
}

#[async_trait]
impl MessageGateway for CloudApi {
    fn name(&self) -> &'static str {
        "cloud-api"
    }

    fn limits(&self) -> Limits {
        Limits {
            schedules: false,
            free_text_window: Some(SERVICE_WINDOW),
        }
    }

    fn unconfigured(&self) -> Option<&'static str> {
        let s = &self.settings;
        (s.token.is_none() || s.phone_number_id.is_none() || s.reminder_template.is_none())
            .then_some(UNCONFIGURED)
    }

    async fn send(&self, request: &SendRequest<'_>) -> Result<Delivery, Failure> {
        let s = &self.settings;
        let (Some(token), Some(phone), Some(template)) =
            (&s.token, &s.phone_number_id, &s.reminder_template)
        else {
            return Err(refused(UNCONFIGURED.into(), None));
        };
        if request.schedule.is_some_and(|at| at > Utc::now()) {
            return Err(refused(
                format!("{NO_SCHEDULE}: Cloud API tidak dapat menjadwalkan pesan"),
                Some(json!({"error": {"code": NO_SCHEDULE}})),
            ));
        }
        let url = format!("{}/{phone}/messages", s.url);
        let payload = self.payload(request, template);
        let answer =
            http::send_once(|| self.http.post(&url).bearer_auth(token).json(&payload)).await?;
        delivery(answer)
    }
}

fn refused(reason: String, api_response: Option<Value>) -> Failure {
    Failure {
        reason,
        api_response,
        uncertain: false,
    }
}

/// `{"messages": [{"id": "wamid…"}]}` is sent; `{"error": {"code", "message", …}}` failed.
fn delivery(answer: Answer) -> Result<Delivery, Failure> {
    let Some(json) = answer.json.clone() else {
        return Err(answer.unreadable());
    };
    let id = http::id_of(&json["messages"][0]["id"]);
    match id {
        Some(id) if answer.status.is_success() => Ok(Delivery {
            status: Status::Sent,
            api_response: json,
            provider_message_id: Some(id),
        }),
        // A 2xx without an id: accepted or not, no one can tell.
        None if answer.status.is_success() => Err(Failure {
            reason: "Cloud API menjawab tanpa id pesan; status pesan belum pasti".into(),
            api_response: Some(json),
            uncertain: true,
        }),
        _ => {
            let error = &json["error"];
            let code = http::id_of(&error["code"]).unwrap_or_else(|| "-".into());
            let title = error["error_user_title"]
                .as_str()
                .or_else(|| error["message"].as_str())
                .unwrap_or("tanpa keterangan");
            let reason = format!(
                "Cloud API menolak pesan (HTTP {}, kode {code}): {title}",
                answer.status.as_u16()
            );
            Err(refused(reason, Some(json)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api() -> CloudApi {
        CloudApi::new(
            reqwest::Client::new(),
            Settings {
                template_params: vec!["customer_name".into(), "next_service".into()],
                ..Settings::default()
            },
        )
    }

    #[test]
    fn a_reminder_is_the_template_with_its_values_in_the_configured_order() {
        let values = ReminderValues {
            customer_name: "Budi".into(),
            next_service: "15 Januari 2026".into(),
            ..ReminderValues::default()
        };
        let request = SendRequest {
            to: "628123456789",
            text: "Halo Budi",
            reminder: Some(&values),
            schedule: None,
        };
        let payload = api().payload(&request, "pengingat_servis");
        assert_eq!(payload["type"], "template");
        assert_eq!(payload["template"]["name"], "pengingat_servis");
        assert_eq!(payload["template"]["language"]["code"], "id");
        assert_eq!(
            payload["template"]["components"][0]["parameters"],
            json!([{"type": "text", "text": "Budi"}, {"type": "text", "text": "15 Januari 2026"}])
        );
    }

    #[test]
    fn a_text_is_free_text() {
        let request = SendRequest {
            to: "628123456789",
            text: "Halo",
            reminder: None,
            schedule: None,
        };
        let payload = api().payload(&request, "t");
        assert_eq!(payload["type"], "text");
        assert_eq!(payload["text"]["body"], "Halo");
    }

    #[tokio::test]
    async fn a_later_slot_is_refused_before_any_request() {
        // Nothing listens on port 9: a request would fail to connect, with another reason.
        let api = CloudApi::new(
            reqwest::Client::new(),
            Settings {
                token: Some("t".into()),
                phone_number_id: Some("1".into()),
                reminder_template: Some("r".into()),
                ..Settings::new_for("http://127.0.0.1:9")
            },
        );
        let request = SendRequest {
            to: "628123456789",
            text: "Halo",
            reminder: None,
            schedule: Some(Utc::now() + TimeDelta::hours(1)),
        };
        let failure = api.send(&request).await.expect_err("refused");
        assert!(
            failure.reason.starts_with(NO_SCHEDULE),
            "{}",
            failure.reason
        );
        assert!(!failure.uncertain);
        assert!(!api.limits().schedules);
    }

    #[test]
    fn the_template_params_name_only_reminder_values() {
        assert_eq!(
            params(" nopol, days_left ").ok(),
            Some(vec!["nopol".to_string(), "days_left".to_string()])
        );
        assert!(params("nopol,km").is_err());
    }
}
