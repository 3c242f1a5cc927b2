//! The provider switch: the same reminder and custom-message journeys through the outbox,
//! StarSender and the Cloud API (fakes on loopback); the Cloud API's template, 24-hour window,
//! errors and signed webhook; StarSender's status poll.

use crate::common;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use bengkel::config::Config;
use bengkel::fakes::cloud_api::{self as fake_cloud_api, Behaviour, FakeCloudApi};
use bengkel::fakes::starsender::FakeStarSender;
use bengkel::gateway::Provider;
use bengkel::gateway::cloud_api;
use common::{Backend, Reply, TestApp, due_records};
use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

on_both_stores!(
    free_text_outside_the_24_hour_window_is_refused_with_409,
    statuses_move_a_message_forward_only_and_repeats_change_nothing,
    the_starsender_poll_applies_statuses_of_recent_messages,
    the_report_detail_shows_the_last_reminders_delivery_status,
    a_cloud_api_run_sends_at_once_and_leaves_a_full_hour_for_the_next_run,
    a_custom_message_at_night_waits_with_429_when_the_provider_cannot_schedule,
    the_starsender_poll_follows_scheduled_messages_too,
);

const SEND: &str = "/manual-whatsapp/send-custom-message";
const HOOK: &str = "/webhooks/whatsapp-cloud";
const APP_SECRET: &str = "cloud-app-secret";
const VERIFY: &str = "verify-me";
const CUSTOMER: &str = "628123456789";

/// The fakes an app sends through, whichever it is.
enum Fake {
    None,
    StarSender(FakeStarSender),
    Cloud(FakeCloudApi),
}

impl Fake {
    fn behave(&self, behaviour: Behaviour) {
        if let Fake::Cloud(fake) = self {
            fake.behave(behaviour);
        }
    }

    fn requests(&self) -> Vec<Value> {
        match self {
            Fake::None => Vec::new(),
            Fake::StarSender(f) => f.received().into_iter().map(|r| r.body).collect(),
            Fake::Cloud(f) => f.received().into_iter().map(|r| r.body).collect(),
        }
    }
}

fn cloud_settings(url: &str) -> cloud_api::Settings {
    cloud_api::Settings {
        url: url.into(),
        phone_number_id: Some("106540352242922".into()),
        token: Some("cloud-token".into()),
        app_secret: Some(APP_SECRET.into()),
        verify_token: Some(VERIFY.into()),
        reminder_template: Some("pengingat_servis".into()),
        ..cloud_api::Settings::default()
    }
}

async fn app_on(provider: Provider, configure: impl FnOnce(&mut Config)) -> (TestApp, Fake) {
    app_on_store(Backend::Embedded, provider, configure).await
}

async fn app_on_store(
    backend: Backend,
    provider: Provider,
    configure: impl FnOnce(&mut Config),
) -> (TestApp, Fake) {
    let (config, fake) = configured(provider, configure).await;
    (TestApp::on(backend, config).await, fake)
}

/// An app on `backend` and `provider` paced as a deployment is (gaps, quiet hours, cooldown).
async fn paced_on(
    backend: Backend,
    provider: Provider,
    configure: impl FnOnce(&mut Config),
) -> (TestApp, Fake) {
    let (config, fake) = configured(provider, configure).await;
    (TestApp::paced(backend, config).await, fake)
}

/// The configuration of `provider`, sending to its fake on loopback.
async fn configured(provider: Provider, configure: impl FnOnce(&mut Config)) -> (Config, Fake) {
    let mut config = Config {
        whatsapp_provider: provider,
        gateway_timeout: std::time::Duration::from_millis(700),
        ..Config::default()
    };
    let fake = match provider {
        Provider::Outbox => Fake::None,
        Provider::StarSender => {
            let fake = FakeStarSender::start().await.unwrap();
            config.providers.starsender.url = fake.url.clone();
            config.providers.starsender.api_key = Some(common::GATEWAY_KEY.into());
            config.providers.starsender.account_key = Some("account-key".into());
            Fake::StarSender(fake)
        }
        Provider::CloudApi => {
            let fake = FakeCloudApi::start().await.unwrap();
            config.providers.cloud_api = cloud_settings(&fake.url);
            Fake::Cloud(fake)
        }
    };
    configure(&mut config);
    (config, fake)
}

const PROVIDERS: [Provider; 3] = [Provider::Outbox, Provider::StarSender, Provider::CloudApi];

fn sign(body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(APP_SECRET.as_bytes()).unwrap();
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

async fn post_hook(t: &TestApp, body: &Value, signature: Option<String>) -> Reply {
    let bytes = serde_json::to_vec(body).unwrap();
    let mut request = Request::builder()
        .method(Method::POST)
        .uri(HOOK)
        .header("content-type", "application/json");
    if let Some(signature) = signature {
        request = request.header("x-hub-signature-256", signature);
    }
    t.request(request.body(Body::from(bytes)).unwrap()).await
}

async fn signed_hook(t: &TestApp, body: &Value) -> Reply {
    let signature = sign(&serde_json::to_vec(body).unwrap());
    post_hook(t, body, Some(signature)).await
}

fn notification(value: Value) -> Value {
    json!({"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [
        {"field": "messages", "value": value}]}]})
}

fn statuses(list: &[(&str, &str, i64)]) -> Value {
    let statuses: Vec<Value> = list
        .iter()
        .map(|(id, status, ts)| {
            json!({"id": id, "status": status, "timestamp": ts.to_string(),
                "recipient_id": CUSTOMER})
        })
        .collect();
    notification(json!({"messaging_product": "whatsapp", "statuses": statuses}))
}

fn text_from(from: &str, text: &str, ts: i64) -> Value {
    notification(json!({"messaging_product": "whatsapp",
        "metadata": {"phone_number_id": "106540352242922"},
        "messages": [{"from": from, "id": format!("wamid.IN{ts}"), "timestamp": ts.to_string(),
            "type": "text", "text": {"body": text}}]}))
}

/// A custom message to the customer.
async fn custom(t: &TestApp, message: &str) -> Reply {
    let body = json!({"no_hp": CUSTOMER, "message": message});
    t.call(Method::POST, SEND, Some(body)).await
}

async fn log(t: &TestApp) -> Vec<Value> {
    let reply = t.call(Method::GET, "/messages", None).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    reply.body["data"].as_array().unwrap().clone()
}

/// The customer wrote just now (which the Cloud API's free text needs).
async fn customer_wrote(t: &TestApp) {
    let at = t.app.time.now();
    t.app.deliveries.note_incoming(CUSTOMER, at).await.unwrap();
}

#[tokio::test]
async fn a_custom_message_goes_out_through_each_provider() {
    for provider in PROVIDERS {
        let (t, fake) = app_on(provider, |_| {}).await;
        customer_wrote(&t).await;
        let reply = t
            .call(
                Method::POST,
                SEND,
                Some(json!({"no_hp": "08123456789", "message": "Halo"})),
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{provider:?}: {}", reply.body);
        let expected = if provider == Provider::Outbox {
            "outbox"
        } else {
            "sent"
        };
        assert_eq!(reply.body["status"], expected, "{provider:?}");
        let entries = log(&t).await;
        assert_eq!(entries.len(), 1, "{provider:?}");
        assert_eq!(entries[0]["status"], expected);
        assert_eq!(entries[0]["delivery_status"], Value::Null);
        let requests = fake.requests();
        match provider {
            Provider::Outbox => assert!(requests.is_empty()),
            Provider::StarSender => assert_eq!(requests[0]["body"], "Halo"),
            Provider::CloudApi => {
                assert_eq!(requests[0]["type"], "text");
                assert_eq!(requests[0]["text"]["body"], "Halo");
                assert_eq!(
                    entries[0]["provider_message_id"],
                    fake_cloud_api::message_id(1)
                );
            }
        }
    }
}

#[tokio::test]
async fn a_reminder_goes_out_through_each_provider() {
    for provider in PROVIDERS {
        let (t, fake) = app_on(provider, |c| {
            c.workshop.name = Some("Bengkel Jaya".into());
            c.workshop.phone = Some("0215550000".into());
        })
        .await;
        let created = t
            .call(
                Method::POST,
                "/manual-whatsapp/",
                Some(json!({"customer_name": "Budi", "nopol": "B 1234 XYZ",
                    "no_hp": "08123456789", "next_service": "2026-01-15"})),
            )
            .await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
        let id = created.body["id"].as_str().unwrap().to_string();
        let reply = t
            .call(
                Method::POST,
                &format!("/manual-whatsapp/{id}/send-reminder"),
                None,
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{provider:?}: {}", reply.body);
        assert_eq!(reply.body["success"], true, "{provider:?}");
        let record = t
            .call(Method::GET, &format!("/manual-whatsapp/{id}"), None)
            .await;
        assert_eq!(record.body["reminder_sent_count"], 1, "{provider:?}");
        let requests = fake.requests();
        match provider {
            Provider::Outbox => assert!(requests.is_empty()),
            Provider::StarSender => {
                assert!(
                    requests[0]["body"]
                        .as_str()
                        .unwrap()
                        .starts_with("Halo Budi")
                )
            }
            Provider::CloudApi => {
                // A reminder is the approved template, whatever the customer wrote or not.
                assert_eq!(requests[0]["type"], "template");
                assert_eq!(requests[0]["template"]["name"], "pengingat_servis");
                assert_eq!(requests[0]["template"]["language"]["code"], "id");
                let texts: Vec<&str> = requests[0]["template"]["components"][0]["parameters"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|p| p["text"].as_str().unwrap())
                    .collect();
                assert_eq!(texts[0], "Budi");
                assert_eq!(texts[1], "B 1234 XYZ");
                assert_eq!(texts[2], "15 Januari 2026");
                assert_eq!(texts[4..], ["Bengkel Jaya", "0215550000"]);
            }
        }
    }
}

async fn free_text_outside_the_24_hour_window_is_refused_with_409(backend: Backend) {
    let (t, fake) = app_on_store(backend, Provider::CloudApi, |_| {}).await;
    let body = Some(json!({"no_hp": CUSTOMER, "message": "Halo"}));
    let reply = t.call(Method::POST, SEND, body.clone()).await;
    assert_eq!(reply.status, StatusCode::CONFLICT, "{}", reply.body);
    assert_eq!(reply.body["status"], "failed");
    assert!(reply.body["error"].as_str().unwrap().contains("24 jam"));
    assert!(fake.requests().is_empty() && log(&t).await.is_empty());

    // The customer writes: for 24 hours free text goes out.
    t.clock.set("2026-01-10T08:00:00+07:00");
    let wrote = signed_hook(
        &t,
        &text_from(CUSTOMER, "Kapan bisa servis?", 1_767_999_600),
    )
    .await;
    assert_eq!(wrote.status, StatusCode::OK, "{}", wrote.body);
    t.clock.set("2026-01-11T07:59:00+07:00");
    assert_eq!(
        t.call(Method::POST, SEND, body.clone()).await.status,
        StatusCode::OK
    );
    t.clock.set("2026-01-11T08:01:00+07:00");
    assert_eq!(
        t.call(Method::POST, SEND, body).await.status,
        StatusCode::CONFLICT
    );
    assert_eq!(fake.requests().len(), 1);
}

#[tokio::test]
async fn a_cloud_api_error_is_failed_with_its_code_and_a_lost_answer_unknown() {
    let (t, fake) = app_on(Provider::CloudApi, |_| {}).await;
    customer_wrote(&t).await;
    let body = Some(json!({"no_hp": CUSTOMER, "message": "Halo"}));
    fake.behave(Behaviour::Fail(
        400,
        131030,
        "Recipient phone number not in allowed list".into(),
    ));
    let reply = t.call(Method::POST, SEND, body.clone()).await;
    assert_eq!(reply.status, StatusCode::BAD_GATEWAY);
    assert_eq!(reply.body["status"], "failed");
    let error = reply.body["error"].as_str().unwrap();
    assert!(
        error.contains("131030") && error.contains("not in allowed list"),
        "{error}"
    );

    fake.behave(Behaviour::Hang);
    let reply = t.call(Method::POST, SEND, body).await;
    assert_eq!(reply.body["status"], "unknown", "{}", reply.body);
}

#[tokio::test]
async fn the_handshake_echoes_the_challenge_only_with_the_verify_token() {
    let (t, _) = app_on(Provider::CloudApi, |_| {}).await;
    let path = |token: &str| {
        format!("{HOOK}?hub.mode=subscribe&hub.verify_token={token}&hub.challenge=1158201444")
    };
    let request = |p: String| Request::builder().uri(p).body(Body::empty()).unwrap();
    let ok = t.request(request(path(VERIFY))).await;
    assert_eq!(ok.status, StatusCode::OK);
    // The challenge comes back verbatim, as text (digits, so it also reads as JSON here).
    assert_eq!(ok.body, json!(1158201444));
    assert!(
        ok.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    let wrong = t.request(request(path("salah"))).await;
    assert_eq!(wrong.status, StatusCode::FORBIDDEN);
}

async fn statuses_move_a_message_forward_only_and_repeats_change_nothing(backend: Backend) {
    let (t, _) = app_on_store(backend, Provider::CloudApi, |_| {}).await;
    customer_wrote(&t).await;
    custom(&t, "Halo").await;
    let id = fake_cloud_api::message_id(1);

    // A bad or missing signature: 401, nothing changes.
    let read = statuses(&[(&id, "read", 1_767_000_300)]);
    assert_eq!(
        post_hook(&t, &read, None).await.status,
        StatusCode::UNAUTHORIZED
    );
    let forged = sign(b"another body");
    assert_eq!(
        post_hook(&t, &read, Some(forged)).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(log(&t).await[0]["delivery_status"], Value::Null);

    // Delivered, then read, then a late `sent` and a repeat of `read`.
    let reply = signed_hook(&t, &statuses(&[(&id, "delivered", 1_767_000_100)])).await;
    assert_eq!(reply.body["changed"], 1, "{}", reply.body);
    assert_eq!(log(&t).await[0]["delivery_status"], "delivered");
    signed_hook(&t, &read).await;
    let late = signed_hook(&t, &statuses(&[(&id, "sent", 1_767_000_000)])).await;
    assert_eq!(
        late.body["changed"], 1,
        "the time of sent is kept: {}",
        late.body
    );
    let repeat = signed_hook(&t, &read).await;
    assert_eq!(repeat.body["unchanged"], 1, "{}", repeat.body);
    let entry = log(&t).await[0].clone();
    assert_eq!(entry["delivery_status"], "read");
    assert_eq!(entry["delivery"]["read_at"], "2025-12-29T16:25:00+07:00");
    assert_eq!(entry["delivery"]["sent_at"], "2025-12-29T16:20:00+07:00");

    // A failure after read does not undo it; an unknown id changes nothing.
    signed_hook(&t, &statuses(&[(&id, "failed", 1_767_000_400)])).await;
    assert_eq!(log(&t).await[0]["delivery_status"], "read");
    let unknown = signed_hook(&t, &statuses(&[("wamid.OTHER", "read", 1)])).await;
    assert_eq!(unknown.body["unknown_messages"], 1);
}

#[tokio::test]
async fn a_failed_status_keeps_its_error() {
    let (t, _) = app_on(Provider::CloudApi, |_| {}).await;
    customer_wrote(&t).await;
    custom(&t, "Halo").await;
    let id = fake_cloud_api::message_id(1);
    let mut body = statuses(&[(&id, "failed", 1_767_000_100)]);
    body["entry"][0]["changes"][0]["value"]["statuses"][0]["errors"] =
        json!([{"code": 131026, "title": "Message undeliverable"}]);
    signed_hook(&t, &body).await;
    let entry = log(&t).await[0].clone();
    assert_eq!(entry["delivery_status"], "failed");
    assert_eq!(
        entry["delivery_error"],
        "Cloud API kode 131026: Message undeliverable"
    );
    // Failed is not delivered: the send itself stays `sent` (accepted by the provider).
    assert_eq!(entry["status"], "sent");
}

#[tokio::test]
async fn an_incoming_stop_opts_the_number_out_and_a_text_lands_in_the_inbox() {
    let (t, fake) = app_on(Provider::CloudApi, |_| {}).await;
    let reply = signed_hook(&t, &text_from(CUSTOMER, "STOP", 1_767_000_000)).await;
    assert_eq!(reply.body["replies"], 1, "{}", reply.body);
    // Confirmed as free text: the customer just wrote.
    assert_eq!(fake.requests().len(), 1);
    let again = signed_hook(&t, &text_from(CUSTOMER, "STOP", 1_767_000_000)).await;
    assert_eq!(again.body["unchanged"], 1, "{}", again.body);
    let refused = custom(&t, "Promo").await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert_eq!(
        fake.requests().len(),
        1,
        "nothing more sent to an opted-out number"
    );

    signed_hook(
        &t,
        &text_from("628111222333", "Apakah buka hari Minggu?", 1_767_000_500),
    )
    .await;
    let inbox = t.call(Method::GET, "/inbox", None).await;
    assert_eq!(inbox.body["data"][0]["message"], "Apakah buka hari Minggu?");
    assert_eq!(inbox.body["data"][0]["no_hp"], "628111222333");
}

async fn the_starsender_poll_applies_statuses_of_recent_messages(backend: Backend) {
    let (t, fake) = app_on_store(backend, Provider::StarSender, |_| {}).await;
    let Fake::StarSender(starsender) = &fake else {
        unreachable!()
    };
    t.clock.set("2026-01-10T08:00:00+07:00");
    custom(&t, "Lama").await;
    t.clock.set("2026-01-11T09:00:00+07:00");
    custom(&t, "Baru").await;
    // The fake numbers its messages 1, 2: the first is older than 24 hours.
    starsender.set_status("1", "read");
    starsender.set_status("2", "delivered");
    let summary = t.app.deliveries_service().poll().await.unwrap();
    assert_eq!((summary.asked, summary.changed), (1, 1));
    assert_eq!(
        starsender.status_keys(),
        vec![Some("account-key".to_string())]
    );
    let entries = log(&t).await;
    assert_eq!(entries[0]["message"], "Baru");
    assert_eq!(entries[0]["delivery_status"], "delivered");
    assert_eq!(entries[1]["delivery_status"], Value::Null);
    // Asked again once read, it is final and not asked any more.
    starsender.set_status("2", "read");
    t.app.deliveries_service().poll().await.unwrap();
    t.app.deliveries_service().poll().await.unwrap();
    assert_eq!(log(&t).await[0]["delivery_status"], "read");
    assert_eq!(starsender.status_keys().len(), 2);
}

async fn the_report_detail_shows_the_last_reminders_delivery_status(backend: Backend) {
    let (t, _) = app_on_store(backend, Provider::CloudApi, |_| {}).await;
    let created = t
        .call(
            Method::POST,
            "/customers",
            Some(
                json!({"name": "Budi Santoso", "no_hp": "081234567890", "vehicles": [
                {"nopol": "B 1234 CD", "model": "Avanza", "last_visit": "2025-09-12"}]}),
            ),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let detail = || t.call(Method::GET, "/whatsapp-report/detail", None);
    let sent = t
        .call(
            Method::POST,
            "/customers/send-maintenance-reminder",
            Some(json!({"days_threshold": 3})),
        )
        .await;
    assert_eq!(sent.body["reminder_sent"], 1, "{}", sent.body);
    let rows = detail().await.body;
    assert_eq!(rows[0]["frequency"], 1, "{rows}");
    assert_eq!(rows[0]["last_delivery_status"], Value::Null);

    let id = fake_cloud_api::message_id(1);
    signed_hook(&t, &statuses(&[(&id, "delivered", 1_767_000_100)])).await;
    assert_eq!(detail().await.body[0]["last_delivery_status"], "delivered");
    signed_hook(&t, &statuses(&[(&id, "read", 1_767_000_200)])).await;
    assert_eq!(detail().await.body[0]["last_delivery_status"], "read");
}

/// The Cloud API cannot hold a message until a slot: a run sends what has its place now, with
/// no gaps, and leaves what a full hour holds for the next run instead of failing it.
async fn a_cloud_api_run_sends_at_once_and_leaves_a_full_hour_for_the_next_run(backend: Backend) {
    let (t, fake) = paced_on(backend, Provider::CloudApi, |c| c.pacing.limits.hourly = 2).await;
    due_records(&t, 3).await;
    let run = t
        .call(Method::POST, "/manual-whatsapp/send-reminders", None)
        .await
        .body;
    assert_eq!(run["reminder_sent"], 2, "{run}");
    assert_eq!(run["reminder_scheduled"], 0, "{run}");
    assert_eq!(run["deferred"], 1, "{run}");
    let waiting: Vec<&Value> = run["details"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["deferred"] == true)
        .collect();
    assert_eq!(
        waiting[0]["reason"],
        "Provider WhatsApp ini tidak dapat menjadwalkan pesan; dikirim pada run berikutnya"
    );
    let requests = fake.requests();
    assert_eq!(requests.len(), 2);
    assert!(requests.iter().all(|r| r["type"] == "template"));
    let entries = log(&t).await;
    assert!(entries.iter().all(|e| e["status"] == "sent"), "{entries:?}");
    assert!(entries.iter().all(|e| e["scheduled_for"].is_null()));
    // The waiting record was given back its claim: the next hour's run sends it.
    t.clock.set("2026-01-10T11:30:00+07:00");
    let next = t
        .call(Method::POST, "/manual-whatsapp/send-reminders", None)
        .await
        .body;
    assert_eq!(next["reminder_sent"], 1, "{next}");
    assert_eq!(fake.requests().len(), 3);
}

/// In the quiet hours StarSender takes a custom message for 08:00; a provider that cannot
/// schedule answers 429 until then, and sends, logs and counts nothing.
async fn a_custom_message_at_night_waits_with_429_when_the_provider_cannot_schedule(
    backend: Backend,
) {
    let (t, fake) = paced_on(backend, Provider::CloudApi, |_| {}).await;
    t.clock.set("2026-01-10T21:00:00+07:00");
    customer_wrote(&t).await;
    let reply = custom(&t, "Halo").await;
    assert_eq!(
        reply.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        reply.body
    );
    assert_eq!(reply.header("retry-after"), (11 * 3600).to_string());
    let detail = reply.body["detail"].as_str().unwrap();
    assert!(detail.starts_with("Jam tenang"), "{detail}");
    assert!(detail.ends_with("Coba lagi dalam 11 jam"), "{detail}");
    assert!(fake.requests().is_empty());
    assert!(log(&t).await.is_empty());
    let stats = t
        .call(Method::GET, "/manual-whatsapp/stats/summary", None)
        .await;
    assert_eq!(stats.body["data"]["sent_today"], 0);
    t.clock.set("2026-01-11T08:00:00+07:00");
    customer_wrote(&t).await;
    let morning = custom(&t, "Halo").await;
    assert_eq!(morning.status, StatusCode::OK, "{}", morning.body);
    assert_eq!(morning.body["status"], "sent");
}

/// A message StarSender holds until its slot is asked about like a sent one: its status
/// tells when it went out.
async fn the_starsender_poll_follows_scheduled_messages_too(backend: Backend) {
    let (t, fake) = paced_on(backend, Provider::StarSender, |_| {}).await;
    let Fake::StarSender(starsender) = &fake else {
        unreachable!()
    };
    t.clock.set("2026-01-10T21:00:00+07:00");
    let reply = custom(&t, "Besok pagi").await;
    assert_eq!(reply.body["status"], "scheduled", "{}", reply.body);
    t.clock.set("2026-01-11T08:05:00+07:00");
    starsender.set_status("1", "delivered");
    let summary = t.app.deliveries_service().poll().await.unwrap();
    assert_eq!((summary.asked, summary.changed), (1, 1));
    let entry = &log(&t).await[0];
    assert_eq!(entry["status"], "scheduled");
    assert_eq!(entry["delivery_status"], "delivered");
}
