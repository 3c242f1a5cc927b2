//! Opt-outs through the API, on both stores: kept by staff, honoured by every send path (also
//! when stored while a run is claiming), one vehicle or a whole number.

use crate::common;

use std::time::{Duration, Instant};

use axum::http::{Method, StatusCode};
use bengkel::fakes::starsender::FakeStarSender;
use bengkel::reminder::Run;
use bengkel::reminder::api::HasReminders;
use common::{Backend, TestApp, customer};
use serde_json::{Value, json};

on_both_stores!(
    staff_add_list_and_remove_opt_outs,
    every_send_path_skips_an_opted_out_number,
    a_vehicles_opt_out_stops_only_that_vehicle,
    opt_outs_stored_while_a_run_claims_are_honoured,
    records_customers_and_list_rows_show_opted_out,
);

const OPTED_OUT: &str = "Nomor telah berhenti menerima pesan";

async fn app(backend: Backend) -> (TestApp, FakeStarSender) {
    common::with_gateway(backend, |_| {}).await
}

async fn opt_out(t: &TestApp, body: Value) -> common::Reply {
    t.call(Method::POST, "/opt-outs", Some(body)).await
}

async fn listed(t: &TestApp) -> Vec<Value> {
    let reply = t.call(Method::GET, "/opt-outs", None).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    reply.body["data"].as_array().unwrap().clone()
}

/// A manual record due on the 12th (today is the 10th); its id.
async fn due(t: &TestApp, name: &str, nopol: &str, no_hp: &str) -> String {
    let mut body = customer(name, nopol, no_hp);
    body["next_service"] = json!("2026-01-12");
    t.create(body).await["id"].as_str().unwrap().to_string()
}

async fn daily(t: &TestApp) -> bengkel::reminder::RunReport {
    let reminders = t.app.reminders("jadwal");
    let run = Run::daily(
        &reminders.settings,
        Instant::now() + Duration::from_secs(120),
    );
    reminders.run(&run).await.unwrap()
}

async fn staff_add_list_and_remove_opt_outs(backend: Backend) {
    let (t, _fake) = app(backend).await;
    let first = opt_out(
        &t,
        json!({"no_hp": "0812-1111-1111", "reason": "Minta lewat telepon"}),
    )
    .await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.body);
    assert_eq!(
        (
            &first.body["no_hp"],
            &first.body["nopol"],
            &first.body["source"]
        ),
        (&json!("6281211111111"), &Value::Null, &json!("staff"))
    );
    let again = opt_out(&t, json!({"no_hp": "6281211111111", "nopol": null})).await;
    assert_eq!(
        again.status,
        StatusCode::OK,
        "the same one again changes nothing"
    );
    assert_eq!(again.body, first.body);
    t.clock.set("2026-01-10T10:31:00+07:00");
    let vehicle = opt_out(&t, json!({"no_hp": "081211111111", "nopol": "b1234xyz"})).await;
    assert_eq!(vehicle.status, StatusCode::CREATED);
    assert_eq!(vehicle.body["nopol"], "B 1234 XYZ");
    let list = listed(&t).await;
    assert_eq!(
        list,
        vec![vehicle.body.clone(), first.body.clone()],
        "newest first"
    );

    let bad = opt_out(&t, json!({"no_hp": "12", "nopol": "??"})).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<&Value> = bad.body["detail"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["loc"][1])
        .collect();
    assert_eq!(fields, vec!["no_hp", "nopol"]);
    assert_eq!(listed(&t).await.len(), 2, "bad input changes nothing");

    for bad in ["", "B12345XYZ"] {
        let path = format!("/opt-outs/081211111111?nopol={bad}");
        let refused = t.call(Method::DELETE, &path, None).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{bad:?}");
        assert_eq!(refused.body["detail"][0]["loc"], json!(["query", "nopol"]));
    }
    assert_eq!(
        listed(&t).await.len(),
        2,
        "a refused removal changes nothing"
    );
    let gone = t
        .call(
            Method::DELETE,
            "/opt-outs/081211111111?nopol=B%201234%20XYZ",
            None,
        )
        .await;
    assert_eq!(gone.status, StatusCode::NO_CONTENT);
    assert_eq!(listed(&t).await, vec![first.body.clone()]);
    let twice = t
        .call(
            Method::DELETE,
            "/opt-outs/081211111111?nopol=B%201234%20XYZ",
            None,
        )
        .await;
    assert_eq!(twice.status, StatusCode::NOT_FOUND);
    assert_eq!(twice.body["detail"], "Opt-out tidak ditemukan");
    let whole = t
        .call(Method::DELETE, "/opt-outs/6281211111111", None)
        .await;
    assert_eq!(whole.status, StatusCode::NO_CONTENT);
    assert!(listed(&t).await.is_empty());
}

async fn every_send_path_skips_an_opted_out_number(backend: Backend) {
    let (t, fake) = app(backend).await;
    let id = due(&t, "Bapak Joko", "B 1234 XYZ", "081111111111").await;
    let registered = t
        .call(
            Method::POST,
            "/customers",
            Some(
                json!({"name": "Budi", "no_hp": "081111111111", "vehicles": [
                {"nopol": "B 9 CD", "model": "Avanza", "last_visit": "2025-09-12"}]}),
            ),
        )
        .await;
    assert_eq!(
        registered.status,
        StatusCode::CREATED,
        "{}",
        registered.body
    );
    assert_eq!(
        opt_out(&t, json!({"no_hp": "081111111111"})).await.status,
        StatusCode::CREATED
    );

    let bulk = t
        .call(
            Method::POST,
            "/manual-whatsapp/send-reminders",
            Some(json!({})),
        )
        .await;
    assert_eq!(
        bulk.body["details"][0]["reason"], OPTED_OUT,
        "{}",
        bulk.body
    );
    let register = t
        .call(
            Method::POST,
            "/customers/send-maintenance-reminder",
            Some(json!({})),
        )
        .await;
    assert_eq!(
        register.body["details"][0]["reason"], OPTED_OUT,
        "{}",
        register.body
    );
    let report = daily(&t).await;
    assert_eq!((report.reminder_sent, report.reminder_skipped), (0, 2));
    assert!(
        report
            .details
            .iter()
            .all(|d| d.reason.as_deref() == Some(OPTED_OUT))
    );

    let one = t
        .call(
            Method::POST,
            &format!("/manual-whatsapp/{id}/send-reminder"),
            None,
        )
        .await;
    assert_eq!(one.status, StatusCode::CONFLICT, "{}", one.body);
    assert_eq!(
        (
            &one.body["success"],
            &one.body["message"],
            &one.body["data"]["reason"]
        ),
        (&json!(false), &json!(OPTED_OUT), &json!(OPTED_OUT))
    );
    let custom = t
        .call(
            Method::POST,
            "/manual-whatsapp/send-custom-message",
            Some(json!({"no_hp": "6281111111111", "message": "Promo"})),
        )
        .await;
    assert_eq!(custom.status, StatusCode::CONFLICT, "{}", custom.body);
    assert_eq!(
        (&custom.body["status"], &custom.body["error"]),
        (&json!("failed"), &json!(OPTED_OUT))
    );
    assert!(fake.received().is_empty(), "nothing reached the gateway");
    let record = t
        .call(Method::GET, &format!("/manual-whatsapp/{id}"), None)
        .await;
    assert_eq!(record.body["reminder_sent_count"], 0);

    // Removed: the next run sends (its claims were given back).
    let removed = t.call(Method::DELETE, "/opt-outs/081111111111", None).await;
    assert_eq!(removed.status, StatusCode::NO_CONTENT);
    assert_eq!(daily(&t).await.reminder_sent, 2);
}

async fn a_vehicles_opt_out_stops_only_that_vehicle(backend: Backend) {
    let (t, fake) = app(backend).await;
    due(&t, "Bapak Joko", "B 1234 XYZ", "081111111111").await;
    due(&t, "Bapak Joko", "B 77 Q", "081111111111").await;
    let reply = opt_out(&t, json!({"no_hp": "081111111111", "nopol": "B 1234 XYZ"})).await;
    assert_eq!(reply.status, StatusCode::CREATED);
    let report = daily(&t).await;
    let reason = |nopol: &str| {
        report
            .details
            .iter()
            .find(|d| d.nopol == nopol)
            .map(|d| (d.status, d.reason.clone()))
            .unwrap()
    };
    assert_eq!(reason("B 1234 XYZ").1.as_deref(), Some(OPTED_OUT));
    assert_eq!(reason("B 77 Q").0, bengkel::reminder::Outcome::Sent);
    assert_eq!(fake.received().len(), 1);
    assert!(
        fake.received()[0].body["body"]
            .as_str()
            .unwrap()
            .contains("B 77 Q")
    );
}

/// 30 records due first keep the run busy; while it sends them, 20 customers due later opt
/// out. The run claims those 20 only after their opt-outs are stored: none is sent.
async fn opt_outs_stored_while_a_run_claims_are_honoured(backend: Backend) {
    let (t, fake) = app(backend).await;
    fake.latency(Duration::from_millis(100));
    for i in 0..30 {
        let mut body = customer(
            &format!("Awal {i}"),
            &format!("B {} A", i + 1),
            &format!("0811000000{i:02}"),
        );
        body["next_service"] = json!("2026-01-11");
        t.create(body).await;
    }
    let late: Vec<String> = (0..20).map(|i| format!("0812000000{i:02}")).collect();
    for (i, no_hp) in late.iter().enumerate() {
        due(&t, &format!("Akhir {i}"), &format!("D {} B", i + 1), no_hp).await;
    }
    let run = async { daily(&t).await };
    let opt_outs = async {
        while fake.received().is_empty() {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let stored = late
            .iter()
            .map(|no_hp| opt_out(&t, json!({"no_hp": no_hp})));
        for reply in futures::future::join_all(stored).await {
            assert_eq!(reply.status, StatusCode::CREATED);
        }
        fake.received().len()
    };
    let (report, sent_by_then) = tokio::join!(run, opt_outs);
    assert!(
        sent_by_then < 30,
        "the opt-outs were stored while the run was sending ({sent_by_then})"
    );
    assert_eq!((report.reminder_sent, report.reminder_skipped), (30, 20));
    let reached: Vec<String> = fake
        .received()
        .iter()
        .map(|r| r.body["to"].as_str().unwrap().to_string())
        .collect();
    assert!(
        reached.iter().all(|to| to.starts_with("62811")),
        "{reached:?}"
    );
}

async fn records_customers_and_list_rows_show_opted_out(backend: Backend) {
    let (t, _fake) = app(backend).await;
    let joko = due(&t, "Bapak Joko", "B 1234 XYZ", "081111111111").await;
    let siti = due(&t, "Ibu Siti", "B 2 S", "082222222222").await;
    let budi = t
        .call(
            Method::POST,
            "/customers",
            Some(json!({"name": "Budi", "no_hp": "081111111111", "vehicles": []})),
        )
        .await;
    let budi = budi.body["id"].as_str().unwrap().to_string();
    let flag = |body: &Value| body["opted_out"].clone();
    let record = |id: &str| format!("/manual-whatsapp/{id}");
    assert_eq!(
        flag(&t.call(Method::GET, &record(&joko), None).await.body),
        json!(false)
    );

    // Only Siti's vehicle: her record, not her number.
    opt_out(&t, json!({"no_hp": "082222222222", "nopol": "B 2 S"})).await;
    opt_out(&t, json!({"no_hp": "081111111111"})).await;
    assert_eq!(
        flag(&t.call(Method::GET, &record(&joko), None).await.body),
        json!(true)
    );
    assert_eq!(
        flag(&t.call(Method::GET, &record(&siti), None).await.body),
        json!(true)
    );
    let rows = t.call(Method::GET, "/manual-whatsapp", None).await.body;
    let flags: Vec<(Value, Value)> = rows["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["customer_name"].clone(), flag(r)))
        .collect();
    assert_eq!(flags.len(), 2);
    assert!(flags.iter().all(|(_, f)| *f == json!(true)), "{flags:?}");
    let customer = t
        .call(Method::GET, &format!("/customers/{budi}"), None)
        .await
        .body;
    assert_eq!(flag(&customer), json!(true));
    let customers = t.call(Method::GET, "/customers", None).await.body;
    assert_eq!(flag(&customers["data"][0]), json!(true));

    t.call(Method::DELETE, "/opt-outs/081111111111", None).await;
    assert_eq!(
        flag(&t.call(Method::GET, &record(&joko), None).await.body),
        json!(false)
    );
    let customer = t
        .call(Method::GET, &format!("/customers/{budi}"), None)
        .await
        .body;
    assert_eq!(flag(&customer), json!(false));
}
