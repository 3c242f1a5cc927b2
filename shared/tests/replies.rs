//! StarSender's reply webhook and the inbox, on both stores: the secret, JSON and form bodies,
//! the size cap, the keywords with and without a plate, their confirmations, and replays.

use crate::common;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use bengkel::fakes::starsender::FakeStarSender;
use common::{Backend, Reply, TestApp};
use serde_json::{Value, json};

on_both_stores!(
    the_webhook_is_404_without_the_right_secret,
    json_and_form_replies_land_in_the_inbox,
    stop_and_mulai_change_the_senders_opt_outs_and_are_confirmed,
    a_stop_with_a_plate_stops_only_that_vehicle,
    a_webhook_delivered_twice_changes_nothing_the_second_time,
    a_reply_with_an_odometer_reading_moves_the_vehicle_not_the_inbox,
);

const SECRET: &str = "webhook-secret-of-at-least-32-characters";
const HOOK: &str = "/webhooks/starsender/webhook-secret-of-at-least-32-characters";

async fn app(backend: Backend) -> (TestApp, FakeStarSender) {
    common::with_gateway(backend, |config| {
        config.starsender_webhook_secret = Some(SECRET.into());
    })
    .await
}

/// Posts `body` with `content_type` to `path`, without a token.
async fn deliver(t: &TestApp, path: &str, content_type: &str, body: impl Into<Body>) -> Reply {
    let request = Request::builder()
        .method(Method::POST)
        .uri(path)
        .header("content-type", content_type)
        .body(body.into())
        .unwrap();
    t.request(request).await
}

/// A JSON delivery from `from` saying `message` at `timestamp`.
async fn reply(t: &TestApp, from: &str, message: &str, timestamp: u64) -> Reply {
    let body = json!({"device": "628551000727", "message": message, "from": from,
        "timestamp": timestamp});
    deliver(t, HOOK, "application/json", body.to_string()).await
}

async fn list(t: &TestApp, path: &str) -> Vec<Value> {
    let answer = t.call(Method::GET, path, None).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    answer.body["data"].as_array().unwrap().clone()
}

async fn the_webhook_is_404_without_the_right_secret(backend: Backend) {
    let (t, _fake) = app(backend).await;
    let body = json!({"message": "Halo", "from": "6281234567890"}).to_string();
    for path in [
        "/webhooks/starsender/wrong-secret-of-at-least-32-characters!",
        "/webhooks/starsender/webhook-secret-of-at-least-32-characterz",
        "/webhooks/starsender/",
    ] {
        let answer = deliver(&t, path, "application/json", body.clone()).await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND, "{path}");
    }
    assert!(list(&t, "/inbox").await.is_empty());
    // Without a configured secret there is no webhook at all.
    let (bare, _fake) = common::with_gateway(backend, |_| {}).await;
    let answer = deliver(&bare, HOOK, "application/json", body.clone()).await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND);
    // Right secret: no token needed.
    assert_eq!(
        deliver(&t, HOOK, "application/json", body).await.status,
        StatusCode::OK
    );
}

async fn json_and_form_replies_land_in_the_inbox(backend: Backend) {
    let (t, fake) = app(backend).await;
    let first = reply(
        &t,
        "6281234567890@s.whatsapp.net",
        "Besok saya ke bengkel",
        1767000000,
    )
    .await;
    assert_eq!(
        (first.status, &first.body),
        (StatusCode::OK, &json!({"status": "filed"}))
    );
    t.clock.set("2026-01-10T10:31:00+07:00");
    let form = deliver(
        &t,
        HOOK,
        "application/x-www-form-urlencoded",
        "device=628551000727&message=Terima+kasih%21&from=6281111111111&timestamp=1767000100&extra=1",
    )
    .await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    let inbox = list(&t, "/inbox").await;
    let texts: Vec<(&Value, &Value)> = inbox.iter().map(|r| (&r["no_hp"], &r["message"])).collect();
    assert_eq!(
        texts,
        vec![
            (&json!("6281111111111"), &json!("Terima kasih!")),
            (&json!("6281234567890"), &json!("Besok saya ke bengkel")),
        ],
        "newest first"
    );
    assert_eq!(inbox[0]["timestamp"], "1767000100");
    assert!(fake.received().is_empty(), "a text is not answered");

    let missing = deliver(
        &t,
        HOOK,
        "application/json",
        json!({"from": "08123"}).to_string(),
    )
    .await;
    assert_eq!(
        missing.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        missing.body
    );
    let fields: Vec<&Value> = missing.body["detail"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["loc"][1])
        .collect();
    assert_eq!(fields, vec!["message", "from"]);
    let garbage = deliver(&t, HOOK, "application/json", "not json").await;
    assert!(garbage.status.is_client_error(), "{}", garbage.status);
    let huge = json!({"message": "x".repeat(70 * 1024), "from": "6281234567890"}).to_string();
    let too_large = deliver(&t, HOOK, "application/json", huge).await;
    assert_eq!(too_large.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(
        list(&t, "/inbox").await.len(),
        2,
        "bad deliveries change nothing"
    );
}

async fn stop_and_mulai_change_the_senders_opt_outs_and_are_confirmed(backend: Backend) {
    let (t, fake) = app(backend).await;
    let mut record = common::customer("Bapak Joko", "B 1234 XYZ", "081234567890");
    record["next_service"] = json!("2026-01-12");
    t.create(record).await;

    let stop = reply(&t, "6281234567890", " Stop! ", 1).await;
    assert_eq!(stop.body, json!({"status": "opted_out"}));
    let opt_outs = list(&t, "/opt-outs").await;
    assert_eq!(opt_outs.len(), 1);
    assert_eq!(
        (
            &opt_outs[0]["no_hp"],
            &opt_outs[0]["nopol"],
            &opt_outs[0]["source"]
        ),
        (&json!("6281234567890"), &Value::Null, &json!("reply"))
    );
    // Confirmed through the gateway, though the number just opted out.
    let sent = fake.received();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].body["to"], "6281234567890");
    assert!(
        sent[0].body["body"]
            .as_str()
            .unwrap()
            .contains("tidak akan menerima pesan")
    );
    let run = t
        .call(
            Method::POST,
            "/manual-whatsapp/send-reminders",
            Some(json!({})),
        )
        .await;
    assert_eq!(
        run.body["details"][0]["reason"],
        "Nomor telah berhenti menerima pesan"
    );
    assert_eq!(fake.received().len(), 1);
    assert!(
        list(&t, "/inbox").await.is_empty(),
        "a keyword is not an inbox text"
    );

    let start = reply(&t, "6281234567890", "mulai", 2).await;
    assert_eq!(start.body, json!({"status": "opted_in"}));
    assert!(list(&t, "/opt-outs").await.is_empty());
    assert!(
        fake.received()[1].body["body"]
            .as_str()
            .unwrap()
            .contains("menerima pesan dari bengkel kembali")
    );
    let run = t
        .call(
            Method::POST,
            "/manual-whatsapp/send-reminders",
            Some(json!({})),
        )
        .await;
    assert_eq!(run.body["reminder_sent"], 1, "{}", run.body);
}

async fn a_stop_with_a_plate_stops_only_that_vehicle(backend: Backend) {
    let (t, fake) = app(backend).await;
    for keyword in ["STOP B 1234 XYZ", "berhenti d1a"] {
        let answer = reply(&t, "081234567890", keyword, 1).await;
        assert_eq!(answer.body, json!({"status": "opted_out"}), "{keyword}");
    }
    let mut nopols: Vec<Value> = list(&t, "/opt-outs")
        .await
        .iter()
        .map(|o| o["nopol"].clone())
        .collect();
    nopols.sort_by_key(|n| n.to_string());
    assert_eq!(nopols, vec![json!("B 1234 XYZ"), json!("D 1 A")]);
    let confirmation = fake.received()[0].body["body"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(confirmation.contains("B 1234 XYZ"), "{confirmation}");
    // MULAI removes the number's opt-outs, the vehicles' too.
    reply(&t, "6281234567890", "START", 2).await;
    assert!(list(&t, "/opt-outs").await.is_empty());
}

async fn a_webhook_delivered_twice_changes_nothing_the_second_time(backend: Backend) {
    let (t, fake) = app(backend).await;
    assert_eq!(
        reply(&t, "6281234567890", "STOP", 7).await.body["status"],
        "opted_out"
    );
    assert_eq!(
        reply(&t, "6281234567890", "STOP", 7).await.body["status"],
        "duplicate"
    );
    assert_eq!(fake.received().len(), 1, "one confirmation");
    assert_eq!(list(&t, "/opt-outs").await.len(), 1);
    assert_eq!(
        reply(&t, "6281234567890", "Halo", 8).await.body["status"],
        "filed"
    );
    assert_eq!(
        reply(&t, "6281234567890", "Halo", 8).await.body["status"],
        "duplicate"
    );
    assert_eq!(list(&t, "/inbox").await.len(), 1);
}

/// Today is 2026-01-10 (the test clock); the motorbike was read at 10,000 km on 2026-01-01.
async fn a_reply_with_an_odometer_reading_moves_the_vehicle_not_the_inbox(backend: Backend) {
    let (t, fake) = app(backend).await;
    let body = json!({"name": "Budi Santoso", "no_hp": "0812-3456-7890", "vehicles": [
        {"nopol": "B 3456 KLM", "model": "Vario 125", "kind": "motor"}]});
    let created = t.call(Method::POST, "/customers", Some(body)).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let vehicle = format!(
        "/customers/{}/vehicles/{}",
        created.body["id"].as_str().unwrap(),
        created.body["vehicles"][0]["id"].as_str().unwrap()
    );
    let first = json!({"visit_date": "2026-01-01", "odometer_km": 10_000});
    let visits = format!("{vehicle}/visits");
    assert_eq!(
        t.call(Method::POST, &visits, Some(first)).await.status,
        StatusCode::CREATED
    );

    for _ in 0..2 {
        let answer = reply(&t, "6281234567890", "10.900 km", 9).await;
        assert!(
            ["reading", "duplicate"].contains(&answer.body["status"].as_str().unwrap()),
            "{}",
            answer.body
        );
    }
    assert_eq!(
        list(&t, &visits).await.len(),
        2,
        "one reading, recorded once"
    );
    let shown = t.call(Method::GET, &vehicle, None).await.body;
    assert_eq!(shown["odometer_km"], 10_900);
    // Not a reading (a guess, far beyond 300 km a day): kept for staff.
    assert_eq!(
        reply(&t, "6281234567890", "kira2 23rb", 10).await.body["status"],
        "filed"
    );
    assert_eq!(
        reply(&t, "6281234567890", "30.000", 11).await.body["status"],
        "filed"
    );
    assert_eq!(list(&t, "/inbox").await.len(), 2);
    assert!(fake.received().is_empty(), "a reading is not answered");
}
