//! The local outbox: every message is logged and kept, never sent (the local server's default).

use async_trait::async_trait;
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
        tracing::info!(
            to = request.to,
            body = request.text,
            schedule = ?request.schedule,
            "outbox: WHATSAPP_PROVIDER=outbox, message kept, not sent"
        );
        Ok(Delivery {
            status: Status::Outbox,
            api_response: json!({
                "success": true,
                "message": "Disimpan di outbox lokal (WHATSAPP_PROVIDER=outbox), tidak dikirim"
            }),
            provider_message_id: None,
        })
    }
}
