//! A fake StarSender V3 on loopback, for tests and benchmarks: it records every request and
//! answers as told (success, `success: false`, HTTP 500, an answer that never ends, or not at
//! all), after a set latency.

use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use bytes::Bytes;
use futures::{StreamExt, stream};
use serde_json::{Value, json};

/// How the fake answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Behaviour {
    /// HTTP 200, `"success": true`.
    Accept,
    /// HTTP 200, `"success": false`, as StarSender refuses a message.
    Refuse,
    /// HTTP 200, `"success": false`, as StarSender answers while the device is disconnected.
    Disconnected,
    /// HTTP 500 with a JSON error.
    ServerError,
    /// Accepts the request (it is received, and counted in [`FakeStarSender::received`]) and
    /// then never answers: the client's timeout fires with the message possibly delivered.
    Hang,
    /// HTTP 200 and a JSON body that never ends, without a `Content-Length`: only a client
    /// that stops reading gets past it before its timeout.
    Endless,
}

/// One request the fake received.
#[derive(Debug, Clone, PartialEq)]
pub struct Received {
    /// The `Authorization` header, verbatim.
    pub authorization: Option<String>,
    pub body: Value,
}

#[derive(Default)]
struct Inner {
    received: Vec<Received>,
    /// What `GET /api/messages/{id}` answers, by message id.
    statuses: std::collections::HashMap<String, String>,
    /// The `Authorization` of every status request.
    status_keys: Vec<Option<String>>,
    behaviour: Option<Behaviour>,
    latency: Duration,
}

#[derive(Clone)]
pub struct FakeStarSender {
    inner: Arc<Mutex<Inner>>,
    /// The send endpoint, `http://127.0.0.1:<port>/api/send`.
    pub url: String,
}

impl FakeStarSender {
    /// Starts the fake on a free loopback port; it accepts every message until told otherwise.
    pub async fn start() -> std::io::Result<Self> {
        let inner = Arc::new(Mutex::new(Inner::default()));
        let router = axum::Router::new()
            .route("/api/send", post(send))
            .route("/api/messages/{id}", axum::routing::get(status))
            .with_state(inner.clone());
        let url = format!("http://{}/api/send", super::serve(router).await?);
        Ok(FakeStarSender { inner, url })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        super::lock(&self.inner)
    }

    pub fn behave(&self, behaviour: Behaviour) {
        self.lock().behaviour = Some(behaviour);
    }

    /// Delay before every answer.
    pub fn latency(&self, latency: Duration) {
        self.lock().latency = latency;
    }

    /// Makes `GET /api/messages/{id}` answer `status` (`delivered`, `read`, …).
    pub fn set_status(&self, id: &str, status: &str) {
        self.lock().statuses.insert(id.into(), status.into());
    }

    /// The `Authorization` of every status request so far.
    pub fn status_keys(&self) -> Vec<Option<String>> {
        self.lock().status_keys.clone()
    }

    /// Every request received so far, in order of arrival.
    pub fn received(&self) -> Vec<Received> {
        self.lock().received.clone()
    }
}

async fn send(
    State(inner): State<Arc<Mutex<Inner>>>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    let (behaviour, latency, message_id) = {
        let mut inner = super::lock(&inner);
        inner.received.push(Received {
            authorization: super::authorization(&headers),
            body,
        });
        (
            inner.behaviour.unwrap_or(Behaviour::Accept),
            inner.latency,
            inner.received.len(),
        )
    };
    tokio::time::sleep(latency).await;
    let (status, answer) = match behaviour {
        Behaviour::Accept => (
            StatusCode::OK,
            json!({"success": true, "data": {"message_id": message_id}, "message": "Success sent message"}),
        ),
        Behaviour::Refuse => (
            StatusCode::OK,
            json!({"success": false, "message": "Number is not registered on WhatsApp"}),
        ),
        Behaviour::Disconnected => (
            StatusCode::OK,
            json!({"success": false, "message": "Device not connected"}),
        ),
        Behaviour::ServerError => (
            StatusCode::INTERNAL_SERVER_ERROR,
            json!({"success": false, "message": "Internal Server Error"}),
        ),
        Behaviour::Hang => std::future::pending().await,
        Behaviour::Endless => return endless(),
    };
    (status, Json(answer)).into_response()
}

async fn status(
    State(inner): State<Arc<Mutex<Inner>>>,
    axum::extract::Path(id): axum::extract::Path<String>,
    headers: HeaderMap,
) -> Response {
    let mut inner = super::lock(&inner);
    inner.status_keys.push(super::authorization(&headers));
    match inner.statuses.get(&id) {
        Some(status) => {
            Json(json!({"success": true, "data": {"id": id, "status": status}})).into_response()
        }
        None => (
            StatusCode::NOT_FOUND,
            Json(json!({"success": false, "message": "Message not found"})),
        )
            .into_response(),
    }
}

/// `{"success": true, "data": "xxxx…` in 64 KiB chunks, for ever.
fn endless() -> Response {
    let opening = Bytes::from_static(br#"{"success": true, "data": ""#);
    let filler = Bytes::from(vec![b'x'; 64 * 1024]);
    let chunks = stream::once(async { opening })
        .chain(stream::repeat(filler))
        .map(Ok::<_, Infallible>);
    let json = [("content-type", "application/json")];
    (StatusCode::OK, json, Body::from_stream(chunks)).into_response()
}
