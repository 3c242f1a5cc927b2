//! Sending through StarSender (a fake on loopback), the local outbox, and the message log.

use crate::common;

use std::time::{Duration, Instant};

use axum::http::{Method, StatusCode};
use bengkel::config::Config;
use bengkel::fakes::starsender::{Behaviour, FakeStarSender};
use bengkel::scheduler::Job;
use common::{Backend, TestApp};
use serde_json::{Value, json};

const SEND: &str = "/manual-whatsapp/send-custom-message";
const KEY: &str = common::GATEWAY_KEY;

/// An app on the embedded store sending through a fake StarSender.
async fn with_gateway(configure: impl FnOnce(&mut Config)) -> (TestApp, FakeStarSender) {
    common::with_gateway(Backend::Embedded, configure).await
}

fn custom(no_hp: &str, message: &str) -> Option<Value> {
    Some(json!({"no_hp": no_hp, "message": message}))
}

async fn log(t: &TestApp, query: &str) -> Value {
    let reply = t
        .call(Method::GET, &format!("/messages?{query}"), None)
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    reply.body
}

#[tokio::test]
async fn a_custom_message_reaches_starsender_as_v3_expects() {
    let (t, fake) = with_gateway(|_| {}).await;
    let reply = t
        .call(
            Method::POST,
            SEND,
            custom("0812-3456-789", "Halo Bapak John, ada promo service."),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(
        reply.body,
        json!({
            "status": "sent",
            "no_hp": "628123456789",
            "message": "Halo Bapak John, ada promo service.",
            "api_response": {"success": true, "data": {"message_id": 1}, "message": "Success sent message"}
        })
    );
    let received = fake.received();
    assert_eq!(received.len(), 1);
    assert_eq!(
        received[0].authorization.as_deref(),
        Some(KEY),
        "the device key, without Bearer"
    );
    assert_eq!(
        received[0].body,
        json!({"messageType": "text", "to": "628123456789", "body": "Halo Bapak John, ada promo service."})
    );
    let entries = log(&t, "").await["data"].clone();
    assert_eq!(entries.as_array().unwrap().len(), 1);
    assert_eq!(entries[0]["status"], "sent");
    assert_eq!(entries[0]["source"], "custom");
    assert_eq!(entries[0]["no_hp"], "628123456789");
    assert_eq!(entries[0]["api_response"], reply.body["api_response"]);
}

#[tokio::test]
async fn the_configured_delay_goes_with_every_message() {
    let (t, fake) = with_gateway(|c| c.providers.starsender.delay = Some(5)).await;
    t.call(Method::POST, SEND, custom("08123456789", "Halo"))
        .await;
    assert_eq!(fake.received()[0].body["delay"], 5);
}

#[tokio::test]
async fn gateway_failures_are_502_in_the_same_shape_and_logged() {
    for (behaviour, reason) in [
        (
            Behaviour::Refuse,
            "Gateway menolak pesan: Number is not registered on WhatsApp",
        ),
        (
            Behaviour::ServerError,
            "Gateway menjawab HTTP 500: Internal Server Error",
        ),
    ] {
        let (t, fake) = with_gateway(|_| {}).await;
        fake.behave(behaviour);
        let reply = t
            .call(Method::POST, SEND, custom("08123456789", "Halo"))
            .await;
        assert_eq!(reply.status, StatusCode::BAD_GATEWAY, "{behaviour:?}");
        assert_eq!(reply.body["status"], "failed");
        assert_eq!(reply.body["no_hp"], "628123456789");
        assert_eq!(reply.body["message"], "Halo");
        assert_eq!(reply.body["api_response"]["success"], false);
        assert_eq!(reply.body["error"], reason);
        assert_eq!(
            fake.received().len(),
            1,
            "{behaviour:?}: sent once, never retried"
        );
        let entry = log(&t, "").await["data"][0].clone();
        assert_eq!(
            (entry["status"].clone(), entry["error"].clone()),
            (json!("failed"), json!(reason))
        );
    }
}

#[tokio::test]
async fn a_gateway_that_does_not_answer_times_out_and_is_not_retried() {
    let (t, fake) = with_gateway(|_| {}).await;
    fake.behave(Behaviour::Hang);
    let started = Instant::now();
    let reply = t
        .call(Method::POST, SEND, custom("08123456789", "Halo"))
        .await;
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "the client's timeout bounds the call"
    );
    assert_eq!(reply.status, StatusCode::BAD_GATEWAY);
    assert_eq!(reply.body["status"], "unknown");
    assert_eq!(reply.body["api_response"], Value::Null);
    assert!(
        reply.body["error"]
            .as_str()
            .unwrap()
            .contains("belum pasti"),
        "{}",
        reply.body
    );
    assert_eq!(
        fake.received().len(),
        1,
        "an unknown outcome is never sent again"
    );
}

#[tokio::test]
async fn a_gateway_answer_larger_than_the_cap_is_not_read_to_its_end() {
    // The fake's answer never ends: reading it whole would last until the 700 ms timeout.
    let (t, fake) = with_gateway(|_| {}).await;
    fake.behave(Behaviour::Endless);
    let started = Instant::now();
    let reply = t
        .call(Method::POST, SEND, custom("08123456789", "Halo"))
        .await;
    assert!(
        started.elapsed() < Duration::from_millis(600),
        "stopped at the cap"
    );
    assert_eq!(reply.status, StatusCode::BAD_GATEWAY);
    assert_eq!(reply.body["api_response"], Value::Null);
    assert_eq!(
        reply.body["error"],
        "Gateway menjawab HTTP 200 dengan isi lebih dari 64 KiB; jawaban tidak dibaca"
    );
    // An HTTP 200 that cannot be read may stand for a message sent: its outcome is unknown.
    let entry = &log(&t, "").await["data"][0];
    assert_eq!(entry["status"], "unknown");
    assert_eq!(entry["api_response"], Value::Null);
    assert_eq!(fake.received().len(), 1, "not sent again");
}

/// Reads the whole log with the largest page, checking that each answer fits in Lambda's:
/// the ids in order, and the size of each page in Lambda's answer.
async fn every_page_of_the_log(t: &TestApp) -> (Vec<String>, Vec<usize>) {
    let (mut ids, mut sizes) = (Vec::new(), Vec::new());
    let mut cursor = String::new();
    loop {
        let page = log(t, &format!("limit=1000&cursor={cursor}")).await;
        sizes.push(bengkel::answer::json_bytes(&page));
        let data = page["data"].as_array().unwrap();
        ids.extend(data.iter().map(|e| e["id"].as_str().unwrap().to_string()));
        match page["next_cursor"].as_str() {
            Some(next) => cursor = next.to_string(),
            None => return (ids, sizes),
        }
    }
}

#[tokio::test]
async fn a_page_of_the_log_never_outgrows_one_lambda_answer() {
    use bengkel::messages::{MessageEntry, Source, Status};
    // 1,000 messages of 2,000 characters that JSON escapes (`"` and `\`), as sent: 4 bytes
    // each in Lambda's answer, about 8.3 MB for the 1,000.
    let t = TestApp::new();
    let text = "\"\\".repeat(1000);
    let start = chrono::DateTime::parse_from_rfc3339("2026-01-10T10:30:00+07:00").unwrap();
    let mut newest_first = Vec::new();
    for i in 0..1000 {
        let entry = MessageEntry {
            id: uuid::Uuid::new_v4().to_string(),
            no_hp: "628123456789".into(),
            message: text.clone(),
            source: Source::Custom,
            status: Status::Sent,
            record_id: None,
            api_response: Some(json!({"success": true, "message": "Success sent message"})),
            error: None,
            sent_by: Some("kasir".into()),
            created_at: start + chrono::Duration::seconds(i),
            claim: None,
            resolution: None,
            provider_message_id: None,
            delivery_status: None,
            delivery: Default::default(),
            delivery_error: None,
            scheduled_for: None,
        };
        t.app.messages.append(&entry).await.unwrap();
        newest_first.insert(0, entry.id);
    }
    let whole = bengkel::answer::json_bytes(&log(&t, "limit=1").await["data"][0]) * 1000;
    assert!(whole > 8_000_000, "the 1,000 rows take {whole} bytes");

    let (ids, sizes) = every_page_of_the_log(&t).await;
    eprintln!("log pages at limit=1000, bytes in Lambda's answer: {sizes:?} (whole: {whole})");
    assert!(sizes.len() >= 2, "{sizes:?}");
    for size in &sizes {
        assert!(*size <= bengkel::answer::MAX_ANSWER_BYTES, "{sizes:?}");
    }
    assert_eq!(ids, newest_first, "every message once, newest first");
}

#[tokio::test]
async fn an_unreachable_gateway_is_502() {
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/api/send", closed.local_addr().unwrap());
    drop(closed);
    let t = TestApp::with_config(Config {
        providers: bengkel::gateway::ProviderSettings::starsender_at(url, Some(KEY.into())),
        whatsapp_provider: bengkel::gateway::Provider::StarSender,
        ..Config::default()
    });
    let reply = t
        .call(Method::POST, SEND, custom("08123456789", "Halo"))
        .await;
    assert_eq!(reply.status, StatusCode::BAD_GATEWAY);
    assert!(
        reply.body["error"]
            .as_str()
            .unwrap()
            .contains("tidak dapat dihubungi"),
        "{}",
        reply.body
    );
    assert_eq!(
        log(&t, "status=failed").await["data"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn without_a_key_messages_stay_in_the_outbox() {
    let fake = FakeStarSender::start().await.unwrap();
    let t = TestApp::with_config(Config {
        providers: bengkel::gateway::ProviderSettings::starsender_at(fake.url.clone(), None),
        ..Config::default()
    });
    let reply = t
        .call(Method::POST, SEND, custom("08123456789", "Halo"))
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body["status"], "outbox");
    assert!(fake.received().is_empty(), "nothing leaves the machine");
    assert_eq!(log(&t, "").await["data"][0]["status"], "outbox");
}

#[tokio::test]
async fn invalid_custom_messages_send_nothing() {
    let (t, fake) = with_gateway(|_| {}).await;
    let cases = [
        (json!({"no_hp": "0212345678", "message": "Halo"}), "no_hp"),
        (json!({"no_hp": "08123456789", "message": "   "}), "message"),
        (
            json!({"no_hp": "08123456789", "message": "x".repeat(2001)}),
            "message",
        ),
        (json!({"message": "Halo"}), "no_hp"),
        (json!({"no_hp": "08123456789"}), "message"),
        (
            json!({"no_hp": "08123456789", "message": "Halo", "to": "x"}),
            "to",
        ),
    ];
    for (body, field) in cases {
        let reply = t.call(Method::POST, SEND, Some(body)).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{field}");
        assert_eq!(reply.body["detail"][0]["loc"], json!(["body", field]));
    }
    let longest = t
        .call(Method::POST, SEND, custom("08123456789", &"x".repeat(2000)))
        .await;
    assert_eq!(longest.status, StatusCode::OK);
    assert_eq!(fake.received().len(), 1);
    assert_eq!(log(&t, "").await["data"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn the_log_is_newest_first_filterable_and_paginated() {
    let (t, fake) = with_gateway(|_| {}).await;
    for i in 0..5 {
        fake.behave(if i % 2 == 0 {
            Behaviour::Accept
        } else {
            Behaviour::Refuse
        });
        t.clock.set(&format!("2026-01-10T10:30:0{i}+07:00"));
        t.call(
            Method::POST,
            SEND,
            custom("08123456789", &format!("pesan {i}")),
        )
        .await;
    }
    let all = log(&t, "").await;
    let texts: Vec<_> = all["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["message"].clone())
        .collect();
    assert_eq!(
        texts,
        vec![
            json!("pesan 4"),
            json!("pesan 3"),
            json!("pesan 2"),
            json!("pesan 1"),
            json!("pesan 0")
        ]
    );
    assert_eq!(all["data"][0]["created_at"], "2026-01-10T10:30:04+07:00");

    let failed = log(&t, "status=failed&source=custom").await;
    let failed: Vec<_> = failed["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["message"].clone())
        .collect();
    assert_eq!(failed, vec![json!("pesan 3"), json!("pesan 1")]);
    assert!(
        log(&t, "source=scheduled").await["data"]
            .as_array()
            .unwrap()
            .is_empty()
    );

    let first = log(&t, "limit=2").await;
    assert_eq!(first["data"].as_array().unwrap().len(), 2);
    let cursor = first["next_cursor"].as_str().unwrap();
    let second = log(&t, &format!("limit=2&cursor={cursor}")).await;
    assert_eq!(second["data"][0]["message"], "pesan 2");
    let third = log(
        &t,
        &format!("limit=2&cursor={}", second["next_cursor"].as_str().unwrap()),
    )
    .await;
    assert_eq!(third["data"].as_array().unwrap().len(), 1);
    assert_eq!(third["next_cursor"], Value::Null);

    for (query, field) in [
        ("status=lost", "status"),
        ("source=fax", "source"),
        ("limit=0", "limit"),
        ("cursor=zz", "cursor"),
    ] {
        let reply = t
            .call(Method::GET, &format!("/messages?{query}"), None)
            .await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{query}");
        assert_eq!(reply.body["detail"][0]["loc"], json!(["query", field]));
    }
}

on_both_stores!(starsender_without_a_key_answers_503_on_every_send);

/// StarSender without a key: the service runs, every send answers 503 and nothing is sent,
/// claimed, logged or counted; the daily run fails.
async fn starsender_without_a_key_answers_503_on_every_send(backend: Backend) {
    let (t, fake) =
        common::with_gateway(backend, |config| config.providers.starsender.api_key = None).await;
    let created = t
        .create(common::customer("Bapak Joko", "B 1234 XYZ", "081111111111"))
        .await;
    let id = created["id"].as_str().unwrap();
    let sends = [
        (SEND.to_string(), custom("08123456789", "Halo")),
        (format!("/manual-whatsapp/{id}/send-reminder"), None),
        (
            "/manual-whatsapp/send-reminders".to_string(),
            Some(json!({})),
        ),
        (
            "/customers/send-maintenance-reminder".to_string(),
            Some(json!({})),
        ),
    ];
    for (path, body) in sends {
        let reply = t.call(Method::POST, &path, body).await;
        assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE, "{path}");
        let detail = reply.body["detail"].as_str().unwrap();
        assert!(
            detail.starts_with("Gateway WhatsApp belum dikonfigurasi: STARSENDER_API_KEY"),
            "{detail}"
        );
    }
    assert!(fake.received().is_empty());
    assert_eq!(log(&t, "").await["data"], json!([]));
    let daily = t
        .app
        .run(
            Job::DailyReminders,
            Instant::now() + Duration::from_secs(60),
        )
        .await;
    let error = daily.expect_err("the daily run fails loudly").to_string();
    assert!(error.contains("STARSENDER_API_KEY"), "{error}");
}
