//! Service reminders through the API, against a fake StarSender, on both stores: the due window
//! in Jakarta, the Indonesian text, at most one automatic reminder per service date (also with
//! runs side by side), each gateway failure mode, and the time budget.

use crate::common;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use axum::http::{Method, StatusCode};
use bengkel::config::Config;
use bengkel::fakes::starsender::{Behaviour, FakeStarSender};
use bengkel::messages::Source;
use bengkel::reminder::api::HasReminders;
use bengkel::reminder::{Reach, Run};
use common::{Backend, TestApp, customer};
use serde_json::{Value, json};

const BASE: &str = "/manual-whatsapp";

on_both_stores!(
    due_records_get_one_reminder_and_the_rest_a_reason,
    a_second_run_skips_what_was_reminded,
    only_active_false_reaches_inactive_records,
    each_gateway_failure_is_reported_and_leaves_the_record_claimable,
    a_hang_is_unknown_and_never_sent_again_until_resolved_sent,
    an_unknown_send_resolved_not_sent_is_sent_once_by_the_next_run,
    a_claim_whose_holder_died_becomes_unknown,
    resolving_is_idempotent_and_refuses_a_known_outcome,
    three_runs_at_once_send_each_reminder_once,
    send_reminder_always_sends_and_counts,
    send_reminder_reports_a_gateway_failure_as_502,
    a_run_out_of_time_defers_instead_of_sending,
    today_is_jakartas_near_midnight_utc,
    an_unreachable_gateway_fails_the_send_and_keeps_the_record_claimable,
);

async fn app(backend: Backend) -> (TestApp, FakeStarSender) {
    common::with_gateway(backend, |config| {
        use bengkel::reminder::template::{
            DEFAULT_TEMPLATE, DEFAULT_UNDATED_TEMPLATE, Kind, Template, Workshop,
        };
        config.workshop = Workshop {
            name: Some("Bengkel Maju".into()),
            phone: Some("08551000727".into()),
        };
        config.reminder_template =
            Template::new(DEFAULT_TEMPLATE, Kind::Dated, &config.workshop).unwrap();
        config.undated_template =
            Template::new(DEFAULT_UNDATED_TEMPLATE, Kind::Undated, &config.workshop).unwrap();
    })
    .await
}

/// Creates a customer due on `next` (none when empty) with phone `no_hp`; returns its id.
async fn due(t: &TestApp, name: &str, nopol: &str, no_hp: &str, next: &str) -> String {
    let mut body = customer(name, nopol, no_hp);
    if !next.is_empty() {
        body["next_service"] = json!(next);
    }
    t.create(body).await["id"].as_str().unwrap().to_string()
}

async fn send_reminders(t: &TestApp, body: Value) -> Value {
    let reply = t
        .call(Method::POST, &format!("{BASE}/send-reminders"), Some(body))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    reply.body
}

/// The detail of each record in a run's answer, by customer name: (status, reason).
fn outcomes(report: &Value) -> HashMap<String, (String, Value)> {
    report["details"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["customer_name"].as_str().unwrap().to_string(),
                (
                    d["status"].as_str().unwrap().to_string(),
                    d["reason"].clone(),
                ),
            )
        })
        .collect()
}

async fn record(t: &TestApp, id: &str) -> Value {
    t.call(Method::GET, &format!("{BASE}/{id}"), None)
        .await
        .body
}

/// How many messages the fake received for each phone number.
fn per_recipient(fake: &FakeStarSender) -> HashMap<String, usize> {
    let mut counts = HashMap::new();
    for received in fake.received() {
        *counts
            .entry(received.body["to"].as_str().unwrap().to_string())
            .or_default() += 1;
    }
    counts
}

/// Today is 2026-01-10 in Jakarta; the default window is 3 days.
async fn due_records_get_one_reminder_and_the_rest_a_reason(backend: Backend) {
    let (t, fake) = app(backend).await;
    let joko = due(&t, "Bapak Joko", "B 1234 XYZ", "081111111111", "2026-01-13").await;
    due(&t, "Ibu Siti", "B 2 A", "082222222222", "2026-01-10").await;
    due(&t, "Pak Budi", "B 3 A", "083333333333", "2026-01-15").await;
    due(&t, "Pak Eko", "B 4 A", "084444444444", "2026-01-08").await;
    due(&t, "Bu Ani", "B 5 A", "085555555555", "").await;

    let report = send_reminders(&t, json!({"days_threshold": 3, "only_active": true})).await;
    assert_eq!(
        (
            report["total_records"].clone(),
            report["reminder_sent"].clone(),
            report["reminder_failed"].clone()
        ),
        (json!(5), json!(2), json!(0))
    );
    let lines = outcomes(&report);
    assert_eq!(lines["Bapak Joko"].0, "sent");
    assert_eq!(lines["Ibu Siti"].0, "sent");
    assert_eq!(
        lines["Pak Budi"],
        (
            "skipped".into(),
            json!("Next service tidak dalam 3 hari (dalam 5 hari)")
        )
    );
    assert_eq!(
        lines["Pak Eko"],
        ("skipped".into(), json!("Next service sudah lewat 2 hari"))
    );
    assert!(
        !lines.contains_key("Bu Ani"),
        "a record without next_service is never due"
    );

    let joko_line = report["details"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["id"] == json!(joko))
        .unwrap()
        .clone();
    let text = "Halo Bapak Joko, kendaraan B 1234 XYZ Anda dijadwalkan service berkala pada 13 Januari 2026 \
                (3 hari lagi). Hubungi Bengkel Maju di 08551000727 untuk booking. Terima kasih.";
    assert_eq!(joko_line["message"], text);
    assert_eq!(joko_line["api_response"], "Success sent message");
    let to_joko: Vec<_> = fake
        .received()
        .into_iter()
        .filter(|r| r.body["to"] == "6281111111111")
        .collect();
    assert_eq!(to_joko.len(), 1);
    assert_eq!(
        to_joko[0].body,
        json!({"messageType": "text", "to": "6281111111111", "body": text})
    );

    let counted = record(&t, &joko).await;
    assert_eq!(counted["reminder_sent_count"], 1);
    assert_eq!(counted["last_reminder_sent"], "2026-01-10T10:30:00+07:00");
    let stats = t
        .call(Method::GET, &format!("{BASE}/stats/summary"), None)
        .await
        .body;
    assert_eq!(stats["data"]["reminders_sent_total"], 2);
    let log = t
        .call(Method::GET, "/messages?source=bulk", None)
        .await
        .body;
    assert_eq!(log["data"].as_array().unwrap().len(), 2);
}

async fn a_second_run_skips_what_was_reminded(backend: Backend) {
    let (t, fake) = app(backend).await;
    let id = due(&t, "Bapak Joko", "B 1234 XYZ", "081111111111", "2026-01-12").await;
    send_reminders(&t, json!({})).await;
    let again = send_reminders(&t, json!({})).await;
    assert_eq!(again["reminder_sent"], 0);
    assert_eq!(
        outcomes(&again)["Bapak Joko"],
        (
            "skipped".into(),
            json!("Reminder untuk service 2026-01-12 sudah dikirim")
        )
    );
    assert_eq!(fake.received().len(), 1);
    assert_eq!(record(&t, &id).await["reminder_sent_count"], 1);
    // A new service date is a new reminder.
    t.call(
        Method::PUT,
        &format!("{BASE}/{id}"),
        Some(json!({"next_service": "2026-01-13"})),
    )
    .await;
    assert_eq!(send_reminders(&t, json!({})).await["reminder_sent"], 1);
    assert_eq!(record(&t, &id).await["reminder_sent_count"], 2);
}

async fn only_active_false_reaches_inactive_records(backend: Backend) {
    let (t, _fake) = app(backend).await;
    let id = due(&t, "Pak Budi", "B 3 A", "083333333333", "2026-01-11").await;
    t.call(Method::PATCH, &format!("{BASE}/{id}/toggle-active"), None)
        .await;
    assert!(outcomes(&send_reminders(&t, json!({"only_active": true})).await).is_empty());
    let report = send_reminders(&t, json!({"only_active": false})).await;
    assert_eq!(outcomes(&report)["Pak Budi"].0, "sent");
}

async fn each_gateway_failure_is_reported_and_leaves_the_record_claimable(backend: Backend) {
    // A known refusal: the gateway answered. A hang is not a failure (see the next tests).
    for behaviour in [Behaviour::Refuse, Behaviour::ServerError] {
        let (t, fake) = app(backend).await;
        let id = due(&t, "Bapak Joko", "B 1234 XYZ", "081111111111", "2026-01-12").await;
        fake.behave(behaviour);
        let report = send_reminders(&t, json!({})).await;
        assert_eq!(
            (
                report["reminder_sent"].clone(),
                report["reminder_failed"].clone()
            ),
            (json!(0), json!(1)),
            "{behaviour:?}"
        );
        let (status, reason) = outcomes(&report)["Bapak Joko"].clone();
        assert_eq!(status, "failed");
        assert!(
            reason.as_str().is_some_and(|r| !r.is_empty()),
            "{behaviour:?}: {reason}"
        );
        let unchanged = record(&t, &id).await;
        assert_eq!(
            (
                unchanged["reminder_sent_count"].clone(),
                unchanged["last_reminder_sent"].clone()
            ),
            (json!(0), Value::Null)
        );
        assert_eq!(
            t.call(Method::GET, "/messages?status=failed", None)
                .await
                .body["data"]
                .as_array()
                .unwrap()
                .len(),
            1
        );

        fake.behave(Behaviour::Accept);
        assert_eq!(
            send_reminders(&t, json!({})).await["reminder_sent"],
            1,
            "{behaviour:?}: the next run picks it up"
        );
        assert_eq!(record(&t, &id).await["reminder_sent_count"], 1);
    }
}

/// The message log's entries with `status`.
async fn logged(t: &TestApp, status: &str) -> Vec<Value> {
    t.call(Method::GET, &format!("/messages?status={status}"), None)
        .await
        .body["data"]
        .as_array()
        .unwrap()
        .clone()
}

async fn resolve(t: &TestApp, message_id: &str, outcome: &str) -> common::Reply {
    t.call(
        Method::POST,
        &format!("/messages/{message_id}/resolve"),
        Some(json!({"outcome": outcome})),
    )
    .await
}

/// A due record whose reminder hung at the gateway: the fake received it, its answer never came.
async fn hung(backend: Backend) -> (TestApp, FakeStarSender, String, String) {
    let (t, fake) = app(backend).await;
    let id = due(&t, "Bapak Joko", "B 1234 XYZ", "081111111111", "2026-01-12").await;
    fake.behave(Behaviour::Hang);
    let report = send_reminders(&t, json!({})).await;
    assert_eq!(
        (&report["reminder_sent"], &report["reminder_unknown"]),
        (&json!(0), &json!(1))
    );
    assert_eq!(outcomes(&report)["Bapak Joko"].0, "unknown");
    let unknown = logged(&t, "unknown").await;
    assert_eq!(unknown.len(), 1, "{unknown:?}");
    let message_id = unknown[0]["id"].as_str().unwrap().to_string();
    fake.behave(Behaviour::Accept);
    (t, fake, id, message_id)
}

async fn a_hang_is_unknown_and_never_sent_again_until_resolved_sent(backend: Backend) {
    let (t, fake, id, message_id) = hung(backend).await;
    for _ in 0..2 {
        let report = send_reminders(&t, json!({})).await;
        assert_eq!(
            outcomes(&report)["Bapak Joko"],
            (
                "skipped".to_string(),
                json!("Status pengiriman belum pasti; periksa di log pesan")
            )
        );
    }
    let daily = t
        .app
        .reminders("jadwal")
        .run(&Run::daily(
            &t.app.reminders("jadwal").settings,
            Instant::now() + Duration::from_secs(60),
        ))
        .await
        .unwrap();
    assert_eq!((daily.reminder_sent, daily.reminder_skipped), (0, 1));
    assert_eq!(fake.received().len(), 1, "one request in total");
    assert_eq!(record(&t, &id).await["reminder_sent_count"], 0);

    let reply = resolve(&t, &message_id, "sent").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(
        (&reply.body["status"], &reply.body["resolution"]),
        (&json!("sent"), &json!("sent"))
    );
    let counted = record(&t, &id).await;
    assert_eq!(counted["reminder_sent_count"], 1);
    assert!(counted["last_reminder_sent"].is_string());
    let after = send_reminders(&t, json!({})).await;
    assert_eq!(
        outcomes(&after)["Bapak Joko"].1,
        json!("Reminder untuk service 2026-01-12 sudah dikirim")
    );
    assert_eq!(fake.received().len(), 1);
    assert!(logged(&t, "unknown").await.is_empty());
}

async fn an_unknown_send_resolved_not_sent_is_sent_once_by_the_next_run(backend: Backend) {
    let (t, fake, id, message_id) = hung(backend).await;
    let reply = resolve(&t, &message_id, "not_sent").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body["status"], "failed");
    assert_eq!(record(&t, &id).await["reminder_sent_count"], 0);
    assert_eq!(send_reminders(&t, json!({})).await["reminder_sent"], 1);
    assert_eq!(send_reminders(&t, json!({})).await["reminder_sent"], 0);
    assert_eq!(fake.received().len(), 2, "the hung one and the one resend");
    assert_eq!(record(&t, &id).await["reminder_sent_count"], 1);
}

async fn a_claim_whose_holder_died_becomes_unknown(backend: Backend) {
    let (t, fake) = app(backend).await;
    let id = due(&t, "Bapak Joko", "B 1234 XYZ", "081111111111", "2026-01-12").await;
    // A run claimed it and died before settling: no answer, no release.
    let key = bengkel::reminder::claim_key(&id, "2026-01-12".parse().unwrap());
    let now = t.app.time.instant();
    let claims = t.app.reminders.as_ref();
    claims
        .claim(&key, now, now + chrono::Duration::minutes(15))
        .await
        .unwrap();
    t.clock.set("2026-01-10T11:00:00+07:00");
    let report = send_reminders(&t, json!({})).await;
    assert_eq!(
        outcomes(&report)["Bapak Joko"].1,
        json!("Status pengiriman belum pasti; periksa di log pesan")
    );
    assert!(fake.received().is_empty());
}

async fn resolving_is_idempotent_and_refuses_a_known_outcome(backend: Backend) {
    let (t, _fake, id, message_id) = hung(backend).await;
    for _ in 0..2 {
        let reply = resolve(&t, &message_id, "sent").await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    }
    assert_eq!(
        record(&t, &id).await["reminder_sent_count"],
        1,
        "counted once"
    );
    let other_way = resolve(&t, &message_id, "not_sent").await;
    assert_eq!(other_way.status, StatusCode::CONFLICT, "{}", other_way.body);
    assert!(
        other_way.body["detail"]
            .as_str()
            .unwrap()
            .contains("sudah pasti")
    );
    let missing = resolve(&t, "no-such-message", "sent").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    let bad = resolve(&t, &message_id, "maybe").await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
}

async fn three_runs_at_once_send_each_reminder_once(backend: Backend) {
    let (t, fake) = app(backend).await;
    fake.latency(Duration::from_millis(50));
    for i in 0..8 {
        due(
            &t,
            &format!("Pelanggan {i}"),
            &format!("B {} C", i + 1),
            &format!("08100000000{i}"),
            "2026-01-11",
        )
        .await;
    }
    let runs = (0..3).map(|_| send_reminders(&t, json!({})));
    let reports = futures::future::join_all(runs).await;
    let sent: u64 = reports
        .iter()
        .map(|r| r["reminder_sent"].as_u64().unwrap())
        .sum();
    assert_eq!(sent, 8);
    let counts = per_recipient(&fake);
    assert_eq!(counts.len(), 8);
    assert!(counts.values().all(|n| *n == 1), "{counts:?}");
}

async fn send_reminder_always_sends_and_counts(backend: Backend) {
    let (t, fake) = app(backend).await;
    let far = due(&t, "Pak Budi", "B 3 A", "083333333333", "2026-06-01").await;
    let none = due(&t, "Bu Ani", "B 5 A", "085555555555", "").await;
    for _ in 0..2 {
        let reply = t
            .call(Method::POST, &format!("{BASE}/{far}/send-reminder"), None)
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        assert_eq!(reply.body["success"], true);
        assert_eq!(reply.body["message"], "Reminder berhasil dikirim");
        assert_eq!(reply.body["data"]["status"], "sent");
        assert_eq!(reply.body["data"]["nopol"], "B 3 A");
        assert_eq!(reply.body["data"]["api_response"], "Success sent message");
        assert!(
            reply.body["data"]["message"]
                .as_str()
                .unwrap()
                .contains("1 Juni 2026 (142 hari lagi)")
        );
    }
    assert_eq!(record(&t, &far).await["reminder_sent_count"], 2);
    let reply = t
        .call(Method::POST, &format!("{BASE}/{none}/send-reminder"), None)
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(fake.received().len(), 3);
    assert_eq!(
        t.call(Method::GET, "/messages?source=single", None)
            .await
            .body["data"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    let missing = t
        .call(
            Method::POST,
            &format!("{BASE}/{}/send-reminder", uuid::Uuid::new_v4()),
            None,
        )
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
}

async fn send_reminder_reports_a_gateway_failure_as_502(backend: Backend) {
    let (t, fake) = app(backend).await;
    let id = due(&t, "Bapak Joko", "B 1234 XYZ", "081111111111", "2026-01-12").await;
    fake.behave(Behaviour::Refuse);
    let reply = t
        .call(Method::POST, &format!("{BASE}/{id}/send-reminder"), None)
        .await;
    assert_eq!(reply.status, StatusCode::BAD_GATEWAY);
    assert_eq!(reply.body["success"], false);
    assert_eq!(reply.body["data"]["status"], "failed");
    assert_eq!(
        reply.body["data"]["reason"],
        "Gateway menolak pesan: Number is not registered on WhatsApp"
    );
    assert_eq!(record(&t, &id).await["reminder_sent_count"], 0);
}

async fn a_run_out_of_time_defers_instead_of_sending(backend: Backend) {
    let (t, fake) = app(backend).await;
    due(&t, "Bapak Joko", "B 1234 XYZ", "081111111111", "2026-01-12").await;
    let spent = Run {
        reach: Reach::Manual,
        days_threshold: 3,
        only_active: true,
        source: Source::Scheduled,
        explain: false,
        deadline: Instant::now(),
    };
    let reminders = t.app.reminders("tester");
    let report = reminders.run(&spent).await.unwrap();
    assert_eq!((report.reminder_sent, report.deferred), (0, 1));
    assert_eq!(
        report.details[0].reason.as_deref(),
        Some("Waktu run habis; dikirim pada run berikutnya")
    );
    assert!(fake.received().is_empty());
    let daily = reminders
        .run(&Run::daily(
            &reminders.settings,
            Instant::now() + Duration::from_secs(60),
        ))
        .await
        .unwrap();
    assert_eq!((daily.reminder_sent, daily.deferred), (1, 0));
    assert_eq!(
        t.call(Method::GET, "/messages?source=scheduled", None)
            .await
            .body["data"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

async fn today_is_jakartas_near_midnight_utc(backend: Backend) {
    let (t, _fake) = app(backend).await;
    due(&t, "Bapak Joko", "B 1234 XYZ", "081111111111", "2026-01-14").await;
    // 17:30 UTC on the 10th is 00:30 on the 11th in Jakarta: the 14th is 3 days away, so due.
    t.clock.set("2026-01-10T17:30:00Z");
    let report = send_reminders(&t, json!({"days_threshold": 3})).await;
    assert_eq!(outcomes(&report)["Bapak Joko"].0, "sent");
    assert!(
        report["details"][0]["message"]
            .as_str()
            .unwrap()
            .contains("(3 hari lagi)")
    );
}

async fn an_unreachable_gateway_fails_the_send_and_keeps_the_record_claimable(backend: Backend) {
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/api/send", closed.local_addr().unwrap());
    drop(closed);
    let config = Config {
        providers: bengkel::gateway::ProviderSettings::starsender_at(
            url,
            Some("device-key".into()),
        ),
        whatsapp_provider: bengkel::gateway::Provider::StarSender,
        ..Config::default()
    };
    let t = TestApp::on(backend, config).await;
    let id = due(&t, "Bapak Joko", "B 1234 XYZ", "081111111111", "2026-01-12").await;
    for _ in 0..2 {
        let report = send_reminders(&t, json!({})).await;
        let (status, reason) = outcomes(&report)["Bapak Joko"].clone();
        assert_eq!(
            status, "failed",
            "each run tries again: the claim was given back"
        );
        assert!(
            reason.as_str().unwrap().contains("tidak dapat dihubungi"),
            "{reason}"
        );
    }
    assert_eq!(record(&t, &id).await["reminder_sent_count"], 0);
}

#[tokio::test]
async fn bad_run_parameters_are_422() {
    let (t, fake) = app(Backend::Embedded).await;
    due(&t, "Bapak Joko", "B 1234 XYZ", "081111111111", "2026-01-12").await;
    for (body, field) in [
        (json!({"days_threshold": -1}), "days_threshold"),
        (json!({"days_threshold": "3"}), "days_threshold"),
        (json!({"only_active": "yes"}), "only_active"),
        (json!({"limit": 3}), "limit"),
    ] {
        let reply = t
            .call(Method::POST, &format!("{BASE}/send-reminders"), Some(body))
            .await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{field}");
        assert_eq!(reply.body["detail"][0]["loc"], json!(["body", field]));
    }
    assert!(fake.received().is_empty());
    let empty = t
        .send(
            Method::POST,
            &format!("{BASE}/send-reminders"),
            Some(&format!("Bearer {}", t.token)),
            None,
        )
        .await;
    assert_eq!(
        empty.status,
        StatusCode::OK,
        "an empty body means the defaults"
    );
    assert_eq!(empty.body["reminder_sent"], 1);
}
