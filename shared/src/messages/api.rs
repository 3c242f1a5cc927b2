//! The HTTP handlers of sending and of the message log.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;

use super::Messenger;
use super::{CustomMessage, CustomMessageAnswer, MessageList};
use crate::actor::{Actor, Level};
use crate::error::ApiError;
use crate::extract::{Valid, ValidQuery};
use crate::messages::store::MessageQuery;
use crate::openapi::Doc;
use crate::route::{Route, route};
use axum::http::Method;

/// What this domain's handlers need of the application that serves them.
pub trait HasMessenger: Send + Sync + 'static {
    /// Sending on behalf of `sent_by`, and the log.
    fn messenger<'a>(&'a self, sent_by: &'a str) -> Messenger<'a>;
}

/// 200 when sent (or kept in the outbox); 502 with the same body when the gateway failed or
/// its outcome is unknown (`status` tells which); 409 with the same body when the number
/// opted out, or the provider delivers free text only within 24 hours of the customer's last
/// message and that has passed.
pub async fn send_custom_message<A: HasMessenger>(
    State(app): State<Arc<A>>,
    actor: Actor,
    Valid(request): Valid<CustomMessage>,
) -> Result<(StatusCode, Json<CustomMessageAnswer>), ApiError> {
    let answer = match app.messenger(&actor.sub).send_custom(&request).await? {
        super::CustomSend::Attempted(answer) => answer,
        super::CustomSend::OptedOut(answer) | super::CustomSend::NeedsTemplate(answer) => {
            return Ok((StatusCode::CONFLICT, Json(answer)));
        }
    };
    let status = match answer.status {
        super::Status::Failed | super::Status::Unknown => StatusCode::BAD_GATEWAY,
        super::Status::Sent | super::Status::Outbox | super::Status::Scheduled => StatusCode::OK,
    };
    Ok((status, Json(answer)))
}

pub async fn list<A: HasMessenger>(
    State(app): State<Arc<A>>,
    actor: Actor,
    ValidQuery(query): ValidQuery<MessageQuery>,
) -> Result<Json<MessageList>, ApiError> {
    Ok(Json(app.messenger(&actor.sub).list(&query).await?))
}

/// The routes of this domain, served on any application that gives its handlers what they need.
pub fn routes<A: HasMessenger>() -> Vec<Route<Arc<A>>> {
    vec![
        route(
            "messages-send-custom",
            Method::POST,
            "/manual-whatsapp/send-custom-message",
            Level::Staff,
            send_custom_message::<A>,
        )
        .doc(|| {
            Doc::new("messages", "Send a custom WhatsApp message")
                .body::<super::CustomMessage>()
                .json::<super::CustomMessageAnswer>(
                    StatusCode::OK,
                    "Sent, kept in the local outbox, or scheduled for the end of the quiet hours \
                     (`status` scheduled, `scheduled_for`)",
                )
                .paced()
                .json::<super::CustomMessageAnswer>(
                    StatusCode::BAD_GATEWAY,
                    "The gateway failed; the same shape",
                )
                .json::<super::CustomMessageAnswer>(
                    StatusCode::CONFLICT,
                    "The number opted out, or (Cloud API) the customer has not written in 24 \
                     hours and free text needs a template; nothing was sent; the same shape",
                )
        }),
        route(
            "messages-list",
            Method::GET,
            "/messages",
            Level::Read,
            list::<A>,
        )
        .doc(|| {
            Doc::new("messages", "The message log, newest first")
                .query::<MessageQuery>()
                .json::<super::MessageList>(StatusCode::OK, "A page of the log")
        }),
    ]
}
