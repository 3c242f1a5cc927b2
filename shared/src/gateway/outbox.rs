//! The local outbox: every message is logged and kept, never sent (the local server's default).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde_json::json;

use crate::messages::gateway::{Delivery, Failure, Limits, MessageGateway, SendRequest};
use crate::messages::model::Status;

pub struct Outbox;

#[async_trait]
impl MessageGateway for Outbox {
    fn name(&self) -> &'static str {
        "outbox"
    }

    fn limits(&self) -> Limits {
        Limits {
            schedules: true,
            free_text_window: None,
        }
    }

    fn unconfigured(&self) -> Option<&'static str> {
        None
    }

    async fn send(&self, request: &SendRequest<'_>) -> Result<Delivery, Failure> {
        let Some(at) = request.schedule else {
            tracing::info!(
                to = request.to,
                body = request.text,
                "outbox: WHATSAPP_PROVIDER=outbox, message kept, not sent"
            );
            return Ok(Delivery {
                status: Status::Outbox,
                api_response: json!({
                    "success": true,
                    "message": "Disimpan di outbox lokal (WHATSAPP_PROVIDER=outbox), tidak dikirim"
                }),
                provider_message_id: None,
            });
        };
        log_at_slot(request, at);
        Ok(Delivery {
            status: Status::Scheduled,
            api_response: json!({
                "success": true,
                "message": format!(
                    "Dijadwalkan di outbox lokal untuk {} (WHATSAPP_PROVIDER=outbox), tidak dikirim",
                    at.to_rfc3339()
                )
            }),
            provider_message_id: None,
        })
    }
}

/// Logs a scheduled message when its slot comes, in this process, as StarSender would send it
/// then; its entry stays `scheduled`, as no gateway confirms it.
fn log_at_slot(request: &SendRequest<'_>, at: DateTime<Utc>) {
    let (to, body) = (request.to.to_string(), request.text.to_string());
    let wait = (at - Utc::now()).to_std().unwrap_or_default();
    tokio::spawn(async move {
        tokio::time::sleep(wait).await;
        tracing::info!(%to, %body, %at, "outbox: the scheduled message's slot came; kept, not sent");
    });
}
