//! The previews of `send-reminders` and of the daily run, on both stores: the same people and
//! the same reasons as the run that follows, paged, and nothing written or sent.

use crate::common;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use axum::http::{Method, StatusCode};
use bengkel::fakes::starsender::{Behaviour, FakeStarSender};
use bengkel::reminder::Run;
use bengkel::reminder::api::HasReminders;
use common::{Backend, TestApp, customer};
use serde_json::{Value, json};

on_both_stores!(
    the_preview_of_send_reminders_is_what_the_run_then_does,
    the_daily_preview_covers_records_and_the_register,
    a_preview_is_paged,
);

async fn app(backend: Backend) -> (TestApp, FakeStarSender) {
    common::with_gateway(backend, |_| {}).await
}

async fn due(t: &TestApp, name: &str, nopol: &str, no_hp: &str, next: &str) {
    let mut body = customer(name, nopol, no_hp);
    body["next_service"] = json!(next);
    t.create(body).await;
}

async fn get(t: &TestApp, path: &str) -> Value {
    let reply = t.call(Method::GET, path, None).await;
    assert_eq!(reply.status, StatusCode::OK, "{path}: {}", reply.body);
    reply.body
}

/// Every line of a preview, page by page: id -> (would send, reason).
async fn previewed(t: &TestApp, path: &str) -> BTreeMap<String, (bool, Value)> {
    let mut lines = BTreeMap::new();
    let mut page = get(t, path).await;
    loop {
        for line in page["data"].as_array().unwrap() {
            let previous = lines.insert(
                line["id"].as_str().unwrap().to_string(),
                (line["send"].as_bool().unwrap(), line["reason"].clone()),
            );
            assert!(previous.is_none(), "each line once");
        }
        let Some(cursor) = page["next_cursor"].as_str() else {
            return lines;
        };
        let separator = if path.contains('?') { '&' } else { '?' };
        page = get(t, &format!("{path}{separator}cursor={cursor}")).await;
    }
}

/// A run's details: id -> (sent, reason).
fn done(details: &Value) -> BTreeMap<String, (bool, Value)> {
    details
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            let reason = d.get("reason").cloned().unwrap_or(Value::Null);
            (
                d["id"].as_str().unwrap().to_string(),
                (d["status"] == "sent", reason),
            )
        })
        .collect()
}

/// What the tests change between a preview and its run: nothing, so these stay as they were.
async fn footprint(t: &TestApp, fake: &FakeStarSender) -> (usize, Value, Value) {
    (
        fake.received().len(),
        get(t, "/messages").await["data"].clone(),
        get(t, "/manual-whatsapp").await,
    )
}

async fn the_preview_of_send_reminders_is_what_the_run_then_does(backend: Backend) {
    let (t, fake) = app(backend).await;
    due(&t, "Pak Sent", "B 1 A", "081100000001", "2026-01-11").await;
    due(&t, "Pak Due", "B 2 A", "081100000002", "2026-01-12").await;
    due(&t, "Pak Later", "B 3 A", "081100000003", "2026-01-15").await;
    due(&t, "Pak Past", "B 4 A", "081100000004", "2026-01-08").await;
    due(&t, "Pak Stop", "B 5 A", "081100000005", "2026-01-12").await;
    due(&t, "Pak Hang", "B 6 A", "081100000006", "2026-01-13").await;
    // Pak Sent and Pak Hang are reminded first (Pak Hang's send hangs: unknown); Pak Stop
    // opts out.
    let first = t
        .call(
            Method::POST,
            "/manual-whatsapp/send-reminders",
            Some(json!({"days_threshold": 1})),
        )
        .await;
    assert_eq!(first.body["reminder_sent"], 1, "{}", first.body);
    fake.behave(Behaviour::Hang);
    let hang_run = t
        .call(
            Method::POST,
            "/manual-whatsapp/send-reminders",
            Some(json!({"days_threshold": 3})),
        )
        .await;
    assert_eq!(
        hang_run.body["reminder_unknown"], 3,
        "Pak Due and Pak Stop too: {}",
        hang_run.body
    );
    fake.behave(Behaviour::Accept);
    // Settle Pak Due's and Pak Stop's as not sent, so only Pak Hang's stays unknown.
    for entry in get(&t, "/messages?status=unknown").await["data"]
        .as_array()
        .unwrap()
    {
        if entry["no_hp"] != "6281100000006" {
            let id = entry["id"].as_str().unwrap();
            let reply = t
                .call(
                    Method::POST,
                    &format!("/messages/{id}/resolve"),
                    Some(json!({"outcome": "not_sent"})),
                )
                .await;
            assert_eq!(reply.status, StatusCode::OK);
        }
    }
    let stop = t
        .call(
            Method::POST,
            "/opt-outs",
            Some(json!({"no_hp": "081100000005"})),
        )
        .await;
    assert_eq!(stop.status, StatusCode::CREATED);

    let before = footprint(&t, &fake).await;
    let path = "/manual-whatsapp/send-reminders/preview?days_threshold=3&only_active=true";
    let preview = previewed(&t, path).await;
    let page = get(&t, path).await;
    assert_eq!(
        (page["would_send"].clone(), page["would_skip"].clone()),
        (json!(1), json!(5))
    );
    let line = page["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["send"] == true)
        .unwrap();
    assert_eq!(
        (&line["customer_name"], &line["no_hp"]),
        (&json!("Pak Due"), &json!("6281100000002"))
    );
    assert!(line["message"].as_str().unwrap().contains("B 2 A"));
    let reasons: Vec<&Value> = preview.values().map(|(_, r)| r).collect();
    for expected in [
        "Reminder untuk service 2026-01-11 sudah dikirim",
        "Next service tidak dalam 3 hari (dalam 5 hari)",
        "Next service sudah lewat 2 hari",
        "Nomor telah berhenti menerima pesan",
        "Status pengiriman belum pasti; periksa di log pesan",
    ] {
        assert!(
            reasons.contains(&&json!(expected)),
            "{expected}: {reasons:?}"
        );
    }
    assert_eq!(
        footprint(&t, &fake).await,
        before,
        "a preview writes and sends nothing"
    );

    let run = t
        .call(
            Method::POST,
            "/manual-whatsapp/send-reminders",
            Some(json!({"days_threshold": 3})),
        )
        .await;
    assert_eq!(
        done(&run.body["details"]),
        preview,
        "the same people, the same reasons"
    );
}

async fn the_daily_preview_covers_records_and_the_register(backend: Backend) {
    let (t, fake) = app(backend).await;
    due(&t, "Pak Due", "B 2 A", "081100000002", "2026-01-12").await;
    due(&t, "Pak Stop", "B 5 A", "081100000005", "2026-01-12").await;
    let registered = t
        .call(
            Method::POST,
            "/customers",
            Some(
                json!({"name": "Budi", "no_hp": "081234567890", "vehicles": [
                {"nopol": "B 9 CD", "model": "Avanza", "last_visit": "2025-09-12"}]}),
            ),
        )
        .await;
    assert_eq!(registered.status, StatusCode::CREATED);
    t.call(
        Method::POST,
        "/opt-outs",
        Some(json!({"no_hp": "081100000005"})),
    )
    .await;
    let before = footprint(&t, &fake).await;
    let preview = previewed(&t, "/scheduler/maintenance-reminder/preview").await;
    assert_eq!(preview.len(), 3);
    assert_eq!(preview.values().filter(|(send, _)| *send).count(), 2);
    assert_eq!(footprint(&t, &fake).await, before);

    let reminders = t.app.reminders("jadwal");
    let run = Run::daily(
        &reminders.settings,
        Instant::now() + Duration::from_secs(60),
    );
    let report = reminders.run(&run).await.unwrap();
    let details = serde_json::to_value(&report.details).unwrap();
    assert_eq!(done(&details), preview);
}

async fn a_preview_is_paged(backend: Backend) {
    let (t, _fake) = app(backend).await;
    for i in 0..5 {
        due(
            &t,
            &format!("Pelanggan {i}"),
            &format!("B {} C", i + 1),
            &format!("08120000000{i}"),
            "2026-01-11",
        )
        .await;
    }
    let first = get(&t, "/manual-whatsapp/send-reminders/preview?limit=2").await;
    assert_eq!(first["data"].as_array().unwrap().len(), 2);
    assert_eq!(
        first["would_send"], 5,
        "the counts are of the whole preview"
    );
    assert!(first["next_cursor"].is_string());
    assert_eq!(
        previewed(&t, "/manual-whatsapp/send-reminders/preview?limit=2")
            .await
            .len(),
        5
    );
    let bad = t
        .call(
            Method::GET,
            "/manual-whatsapp/send-reminders/preview?days_threshold=400&limit=0",
            None,
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
}
