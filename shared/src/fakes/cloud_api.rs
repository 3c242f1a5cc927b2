//! A fake WhatsApp Cloud API on loopback, for tests: it records every request and answers
//! with a fresh `wamid…` id, or with a real error of the Graph API, or not at all.

use std::sync::{Arc, Mutex};

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Value, json};

/// How the fake answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Behaviour {
    /// 200 with `messages[0].id`.
    Accept,
    /// An error answer: HTTP status, Graph API error code and message.
    Fail(u16, i64, String),
    /// Receives the request and never answers.
    Hang,
}

/// One request the fake received.
#[derive(Debug, Clone, PartialEq)]
pub struct Received {
    pub authorization: Option<String>,
    /// The phone number id in the path.
    pub phone_number_id: String,
    pub body: Value,
}

#[derive(Default)]
struct Inner {
    received: Vec<Received>,
    behaviour: Option<Behaviour>,
}

#[derive(Clone)]
pub struct FakeCloudApi {
    inner: Arc<Mutex<Inner>>,
    /// The base URL, `http://127.0.0.1:<port>/v23.0` (what `CLOUD_API_URL` takes).
    pub url: String,
}

impl FakeCloudApi {
    pub async fn start() -> std::io::Result<Self> {
        let inner = Arc::new(Mutex::new(Inner::default()));
        let router = axum::Router::new()
            .route("/v23.0/{phone}/messages", post(send))
            .with_state(inner.clone());
        let url = format!("http://{}/v23.0", super::serve(router).await?);
        Ok(FakeCloudApi { inner, url })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        super::lock(&self.inner)
    }

    pub fn behave(&self, behaviour: Behaviour) {
        self.lock().behaviour = Some(behaviour);
    }

    pub fn received(&self) -> Vec<Received> {
        self.lock().received.clone()
    }
}

/// The id the fake gives its `n`th message (from 1).
pub fn message_id(n: usize) -> String {
    format!("wamid.FAKE{n:08}")
}

async fn send(
    State(inner): State<Arc<Mutex<Inner>>>,
    Path(phone): Path<String>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    let (behaviour, n) = {
        let mut inner = super::lock(&inner);
        inner.received.push(Received {
            authorization: super::authorization(&headers),
            phone_number_id: phone,
            body: body.clone(),
        });
        (
            inner.behaviour.clone().unwrap_or(Behaviour::Accept),
            inner.received.len(),
        )
    };
    match behaviour {
        Behaviour::Accept => Json(json!({
            "messaging_product": "whatsapp",
            "contacts": [{"input": body["to"], "wa_id": body["to"]}],
            "messages": [{"id": message_id(n)}]
        }))
        .into_response(),
        Behaviour::Fail(status, code, message) => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST);
            let error = json!({"error": {
                "message": message, "type": "OAuthException", "code": code,
                "error_data": {"messaging_product": "whatsapp", "details": message},
                "fbtrace_id": "AbCdEf"
            }});
            (status, Json(error)).into_response()
        }
        Behaviour::Hang => std::future::pending().await,
    }
}
