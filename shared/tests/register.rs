//! The customer register and its maintenance reminders through the API, on both stores:
//! customers and vehicles, the unique nopol, the bulk import, deletes that keep the report,
//! and reminders that reach each due vehicle once, alone or in the daily run beside the
//! manual records.

use crate::common;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use axum::http::{Method, StatusCode};
use bengkel::fakes::starsender::{Behaviour, FakeStarSender};
use bengkel::reminder::api::HasReminders;
use common::{Backend, Reply, TestApp, customer};
use serde_json::{Value, json};

on_both_stores!(
    customers_and_vehicles_round_trip,
    a_vehicle_nopol_is_unique_across_the_register,
    bad_input_is_refused_and_changes_nothing,
    deleting_a_customer_deletes_its_vehicles_and_keeps_its_report,
    bulk_import_reports_each_row,
    maintenance_reminders_reach_due_vehicles_once,
    a_failed_maintenance_send_leaves_the_report_unchanged,
    three_runs_at_once_remind_each_vehicle_once,
    the_daily_run_serves_manual_records_and_the_register,
);

async fn app(backend: Backend) -> (TestApp, FakeStarSender) {
    common::with_gateway(backend, |_| {}).await
}

async fn expect(
    t: &TestApp,
    method: Method,
    path: &str,
    body: Option<Value>,
    status: StatusCode,
) -> Value {
    let reply: Reply = t.call(method, path, body).await;
    assert_eq!(reply.status, status, "{path}: {}", reply.body);
    reply.body
}

async fn register(t: &TestApp, body: Value) -> Value {
    expect(
        t,
        Method::POST,
        "/customers",
        Some(body),
        StatusCode::CREATED,
    )
    .await
}

fn id(value: &Value) -> String {
    value["id"].as_str().unwrap().to_string()
}

async fn customers_and_vehicles_round_trip(backend: Backend) {
    let (t, _fake) = app(backend).await;
    let created = register(
        &t,
        json!({"name": "  Budi Santoso ", "no_hp": "0812-3456-7890", "vehicles": [
            {"nopol": "b1234cd", "model": "Avanza", "last_visit": "2025-09-15"},
            {"nopol": "D 77 X", "model": "Vario"}
        ]}),
    )
    .await;
    assert_eq!(created["name"], "Budi Santoso");
    assert_eq!(created["no_hp"], "6281234567890");
    let avanza = &created["vehicles"][0];
    assert_eq!(
        (
            avanza["nopol"].clone(),
            avanza["model"].clone(),
            avanza["next_service"].clone()
        ),
        (json!("B 1234 CD"), json!("Avanza"), json!("2026-01-15"))
    );
    assert_eq!(created["vehicles"][1]["next_service"], Value::Null);
    let cid = id(&created);
    assert_eq!(avanza["id_customer"], json!(cid));

    let shown = expect(
        &t,
        Method::GET,
        &format!("/customers/{cid}/"),
        None,
        StatusCode::OK,
    )
    .await;
    assert_eq!(shown, created);
    let list = expect(&t, Method::GET, "/customers", None, StatusCode::OK).await;
    assert_eq!(
        (list["total"].clone(), list["data"][0]["id"].clone()),
        (json!(1), json!(cid))
    );

    let added = expect(
        &t,
        Method::POST,
        &format!("/customers/{cid}/vehicles"),
        Some(json!({"nopol": "A 1 B", "model": "Beat", "last_visit": "2025-10-31"})),
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(added["next_service"], "2026-02-28", "month ends clamp");
    let vid = id(&added);
    let vehicles = expect(
        &t,
        Method::GET,
        &format!("/customers/{cid}/vehicles"),
        None,
        StatusCode::OK,
    )
    .await;
    let plates: Vec<&str> = vehicles
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["nopol"].as_str().unwrap())
        .collect();
    assert_eq!(plates, ["A 1 B", "B 1234 CD", "D 77 X"]);

    let path = format!("/customers/{cid}/vehicles/{vid}");
    let changed = expect(
        &t,
        Method::PUT,
        &path,
        Some(json!({"nopol": "a 2 b", "last_visit": null})),
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        (
            changed["nopol"].clone(),
            changed["model"].clone(),
            changed["next_service"].clone()
        ),
        (json!("A 2 B"), json!("Beat"), Value::Null)
    );
    assert_eq!(
        expect(&t, Method::GET, &path, None, StatusCode::OK).await,
        changed
    );

    let renamed = expect(
        &t,
        Method::PUT,
        &format!("/customers/{cid}"),
        Some(json!({"name": "Budi S."})),
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        (renamed["name"].clone(), renamed["no_hp"].clone()),
        (json!("Budi S."), json!("6281234567890"))
    );
    assert_eq!(renamed["vehicles"].as_array().unwrap().len(), 3);

    expect(&t, Method::DELETE, &path, None, StatusCode::NO_CONTENT).await;
    expect(&t, Method::GET, &path, None, StatusCode::NOT_FOUND).await;
    let left = expect(
        &t,
        Method::GET,
        &format!("/customers/{cid}/vehicles"),
        None,
        StatusCode::OK,
    )
    .await;
    assert_eq!(left.as_array().unwrap().len(), 2);
}

async fn a_vehicle_nopol_is_unique_across_the_register(backend: Backend) {
    let (t, _fake) = app(backend).await;
    let first = register(&t, json!({"name": "Budi", "no_hp": "081234567890", "vehicles": [{"nopol": "B 1234 CD", "model": "Avanza"}]})).await;
    let other = register(&t, json!({"name": "Siti", "no_hp": "081234567891", "vehicles": [{"nopol": "B 9 Z", "model": "Jazz"}]})).await;
    // A manual record of the same plate is another list: no conflict.
    t.create(customer("Budi", "B 1234 CD", "081234567890"))
        .await;

    let refused = expect(
        &t,
        Method::POST,
        "/customers",
        Some(json!({"name": "Eko", "no_hp": "081234567892", "vehicles": [{"nopol": "b1234cd", "model": "Xenia"}]})),
        StatusCode::CONFLICT,
    )
    .await;
    assert_eq!(refused["detail"], "Nopol B 1234 CD sudah terdaftar");
    let list = expect(&t, Method::GET, "/customers", None, StatusCode::OK).await;
    assert_eq!(list["total"], 2, "the refused customer was not stored");

    let oid = id(&other);
    let refused = expect(
        &t,
        Method::POST,
        &format!("/customers/{oid}/vehicles"),
        Some(json!({"nopol": "B  1234CD", "model": "Xenia"})),
        StatusCode::CONFLICT,
    )
    .await;
    assert_eq!(refused["detail"], "Nopol B 1234 CD sudah terdaftar");
    let jazz = id(&other["vehicles"][0]);
    expect(
        &t,
        Method::PUT,
        &format!("/customers/{oid}/vehicles/{jazz}"),
        Some(json!({"nopol": "B 1234 CD"})),
        StatusCode::CONFLICT,
    )
    .await;
    let same = expect(
        &t,
        Method::GET,
        &format!("/customers/{oid}/vehicles/{jazz}"),
        None,
        StatusCode::OK,
    )
    .await;
    assert_eq!(same["nopol"], "B 9 Z");
    assert_eq!(first["vehicles"].as_array().unwrap().len(), 1);

    let twice = expect(
        &t,
        Method::POST,
        "/customers",
        Some(json!({"name": "Ani", "no_hp": "081234567893", "vehicles": [
            {"nopol": "F 5 A", "model": "Supra"}, {"nopol": "f5a", "model": "Supra"}]})),
        StatusCode::CONFLICT,
    )
    .await;
    assert_eq!(twice["detail"], "Nopol F 5 A muncul lebih dari sekali");
}

async fn bad_input_is_refused_and_changes_nothing(backend: Backend) {
    let (t, _fake) = app(backend).await;
    let body = json!({"name": "", "no_hp": "12345", "vehicles": [
        {"nopol": "B 1 A", "model": "Avanza"},
        {"nopol": "not a plate", "model": "Avanza", "last_visit": "15-09-2025"}
    ]});
    let refused = expect(
        &t,
        Method::POST,
        "/customers",
        Some(body),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    let locs: Vec<Value> = refused["detail"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["loc"].clone())
        .collect();
    for loc in [
        json!(["body", "name"]),
        json!(["body", "no_hp"]),
        json!(["body", "vehicles", 1, "nopol"]),
        json!(["body", "vehicles", 1, "last_visit"]),
    ] {
        assert!(locs.contains(&loc), "{loc} in {locs:?}");
    }
    let owned = json!({"id": "x", "name": "Budi", "no_hp": "081234567890"});
    let refused = expect(
        &t,
        Method::POST,
        "/customers",
        Some(owned),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(refused["detail"][0]["type"], "extra_forbidden");
    let list = expect(&t, Method::GET, "/customers", None, StatusCode::OK).await;
    assert_eq!(list["total"], 0);

    let budi = register(&t, json!({"name": "Budi", "no_hp": "081234567890", "vehicles": [{"nopol": "B 1 A", "model": "Avanza"}]})).await;
    let siti = register(&t, json!({"name": "Siti", "no_hp": "081234567891"})).await;
    let (bid, sid, vid) = (id(&budi), id(&siti), id(&budi["vehicles"][0]));
    let refused = expect(
        &t,
        Method::PUT,
        &format!("/customers/{bid}"),
        Some(json!({"name": null})),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(refused["detail"][0]["loc"], json!(["body", "name"]));
    expect(
        &t,
        Method::GET,
        "/customers/not-a-uuid",
        None,
        StatusCode::NOT_FOUND,
    )
    .await;
    let missing = uuid::Uuid::new_v4();
    let gone = expect(
        &t,
        Method::GET,
        &format!("/customers/{missing}"),
        None,
        StatusCode::NOT_FOUND,
    )
    .await;
    assert_eq!(gone["detail"], "Customer tidak ditemukan");
    // Budi's vehicle is not Siti's.
    expect(
        &t,
        Method::GET,
        &format!("/customers/{sid}/vehicles/{vid}"),
        None,
        StatusCode::NOT_FOUND,
    )
    .await;
    expect(
        &t,
        Method::DELETE,
        &format!("/customers/{sid}/vehicles/{vid}"),
        None,
        StatusCode::NOT_FOUND,
    )
    .await;
    let unchanged = expect(
        &t,
        Method::GET,
        &format!("/customers/{bid}"),
        None,
        StatusCode::OK,
    )
    .await;
    assert_eq!(unchanged, budi);
}

/// Sends the register's reminders with `body`; the answer.
async fn remind(t: &TestApp, body: Value) -> Value {
    expect(
        t,
        Method::POST,
        "/customers/send-maintenance-reminder",
        Some(body),
        StatusCode::OK,
    )
    .await
}

async fn report(t: &TestApp) -> Vec<Value> {
    let rows = expect(t, Method::GET, "/whatsapp-report/", None, StatusCode::OK).await;
    rows.as_array().unwrap().clone()
}

async fn deleting_a_customer_deletes_its_vehicles_and_keeps_its_report(backend: Backend) {
    let (t, _fake) = app(backend).await;
    // Today is 2026-01-10: a visit on 2025-09-12 makes the service due on 2026-01-12.
    let budi = register(
        &t,
        json!({"name": "Budi", "no_hp": "081234567890", "vehicles": [
        {"nopol": "B 1 A", "model": "Avanza", "last_visit": "2025-09-12"},
        {"nopol": "B 2 A", "model": "Vario"}]}),
    )
    .await;
    assert_eq!(remind(&t, json!({})).await["reminder_sent"], 1);
    let bid = id(&budi);

    expect(
        &t,
        Method::DELETE,
        &format!("/customers/{bid}"),
        None,
        StatusCode::NO_CONTENT,
    )
    .await;
    expect(
        &t,
        Method::GET,
        &format!("/customers/{bid}"),
        None,
        StatusCode::NOT_FOUND,
    )
    .await;
    expect(
        &t,
        Method::GET,
        &format!("/customers/{bid}/vehicles"),
        None,
        StatusCode::NOT_FOUND,
    )
    .await;
    expect(
        &t,
        Method::DELETE,
        &format!("/customers/{bid}"),
        None,
        StatusCode::NOT_FOUND,
    )
    .await;
    let list = expect(&t, Method::GET, "/customers", None, StatusCode::OK).await;
    assert_eq!(list["total"], 0);
    // Both plates are free again.
    register(
        &t,
        json!({"name": "Eko", "no_hp": "081234567892", "vehicles": [
        {"nopol": "B 1 A", "model": "Avanza"}, {"nopol": "B 2 A", "model": "Vario"}]}),
    )
    .await;
    // The report keeps its history.
    let rows = report(&t).await;
    assert_eq!(rows.len(), 1);
    assert_eq!(
        (rows[0]["id_customer"].clone(), rows[0]["frequency"].clone()),
        (json!(bid), json!(1))
    );
    let detail = expect(
        &t,
        Method::GET,
        "/whatsapp-report/detail",
        None,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        (
            detail[0]["customer_name"].clone(),
            detail[0]["vehicle_nopol"].clone()
        ),
        (json!("Budi"), json!("B 1 A"))
    );
}

async fn bulk_import_reports_each_row(backend: Backend) {
    let (t, _fake) = app(backend).await;
    register(&t, json!({"name": "Lama", "no_hp": "081200000000", "vehicles": [{"nopol": "B 9 Z", "model": "Jazz"}]})).await;
    let rows = json!([
        {"name": "Budi", "no_hp": "081234567890", "vehicles": [{"nopol": "B 1 A", "model": "Avanza", "last_visit": "2025-09-12"}]},
        {"name": "Siti", "no_hp": "12"},
        {"name": "Eko", "no_hp": "081234567892", "vehicles": [{"nopol": "b1a", "model": "Xenia"}]},
        {"name": "Ani", "no_hp": "081234567893", "vehicles": [{"nopol": "B 9 Z", "model": "Jazz"}]},
        {"name": "Dewi", "no_hp": "081234567894", "vehicles": [{"nopol": "D 1 A", "model": "Beat"}, {"nopol": "D 2 A", "model": "Scoopy"}]},
    ]);
    let answer = expect(
        &t,
        Method::POST,
        "/customers/bulk-import",
        Some(rows),
        StatusCode::OK,
    )
    .await;
    assert_eq!(answer["message"], "Import selesai. 2 berhasil, 3 gagal");
    let data = &answer["data"];
    assert_eq!(
        (
            data["total"].clone(),
            data["imported"].clone(),
            data["failed"].clone()
        ),
        (json!(5), json!(2), json!(3))
    );
    let failures: Vec<(u64, String)> = data["failures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["index"].as_u64().unwrap(),
                f["error"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(failures[0].0, 1);
    assert!(
        failures[0].1.starts_with("no_hp: Nomor HP tidak valid"),
        "{}",
        failures[0].1
    );
    assert_eq!(
        failures[1],
        (
            2,
            "Nopol B 1 A muncul lebih dari sekali dalam import ini".into()
        )
    );
    assert_eq!(failures[2], (3, "Nopol B 9 Z sudah terdaftar".into()));
    let list = expect(&t, Method::GET, "/customers?limit=2", None, StatusCode::OK).await;
    assert_eq!(list["total"], 3);
    let cursor = list["next_cursor"].as_str().unwrap().to_string();
    let rest = expect(
        &t,
        Method::GET,
        &format!("/customers?limit=2&cursor={cursor}"),
        None,
        StatusCode::OK,
    )
    .await;
    let mut names: Vec<Value> = list["data"]
        .as_array()
        .unwrap()
        .iter()
        .chain(rest["data"].as_array().unwrap())
        .map(|c| c["name"].clone())
        .collect();
    names.sort_by_key(|n| n.to_string());
    assert_eq!(names, [json!("Budi"), json!("Dewi"), json!("Lama")]);
    assert_eq!(rest["next_cursor"], Value::Null);

    let too_many: Vec<Value> = (0..1001).map(|_| json!({})).collect();
    expect(
        &t,
        Method::POST,
        "/customers/bulk-import",
        Some(json!(too_many)),
        StatusCode::PAYLOAD_TOO_LARGE,
    )
    .await;
}

/// Today is 2026-01-10 in Jakarta, the interval 4 months, the window 3 days.
async fn maintenance_reminders_reach_due_vehicles_once(backend: Backend) {
    let (t, fake) = app(backend).await;
    let budi = register(
        &t,
        json!({"name": "Budi Santoso", "no_hp": "081234567890", "vehicles": [
        {"nopol": "B 1234 CD", "model": "Avanza", "last_visit": "2025-09-12"},
        {"nopol": "B 5 CD", "model": "Vario", "last_visit": "2025-09-20"}]}),
    )
    .await;
    register(
        &t,
        json!({"name": "Siti", "no_hp": "081234567891", "vehicles": [
        {"nopol": "D 1 A", "model": "Jazz", "last_visit": "2025-09-05"},
        {"nopol": "D 2 A", "model": "Beat"}]}),
    )
    .await;

    let answer = remind(&t, json!({"days_threshold": 3})).await;
    assert_eq!(
        (
            answer["total_records"].clone(),
            answer["reminder_sent"].clone(),
            answer["reminder_skipped"].clone()
        ),
        (json!(4), json!(1), json!(2))
    );
    let lines: HashMap<String, Value> = answer["details"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["nopol"].as_str().unwrap().to_string(), d.clone()))
        .collect();
    assert_eq!(lines["B 1234 CD"]["status"], "sent");
    assert_eq!(lines["B 1234 CD"]["id_customer"], json!(id(&budi)));
    assert_eq!(
        lines["B 5 CD"]["reason"],
        "Next service tidak dalam 3 hari (dalam 10 hari)"
    );
    assert_eq!(lines["D 1 A"]["reason"], "Next service sudah lewat 5 hari");

    let sent = fake.received();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].body["to"], "6281234567890");
    let text = sent[0].body["body"].as_str().unwrap();
    for part in ["Budi Santoso", "Avanza", "B 1234 CD", "12 Januari 2026"] {
        assert!(text.contains(part), "{part} in {text}");
    }

    let again = remind(&t, json!({})).await;
    assert_eq!(again["reminder_sent"], 0);
    let line = again["details"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["nopol"] == "B 1234 CD")
        .unwrap()
        .clone();
    assert_eq!(
        line["reason"],
        "Reminder untuk service 2026-01-12 sudah dikirim"
    );
    assert_eq!(fake.received().len(), 1);

    let rows = report(&t).await;
    assert_eq!(rows.len(), 1);
    assert_eq!(
        (rows[0]["frequency"].clone(), rows[0]["id_vehicle"].clone()),
        (json!(1), budi["vehicles"][0]["id"].clone())
    );
    assert_eq!(rows[0]["last_message_date"], "2026-01-10T10:30:00+07:00");

    for (body, field) in [
        (json!({"days_threshold": -1}), "days_threshold"),
        (json!({"only_active": true}), "only_active"),
    ] {
        let reply = t
            .call(
                Method::POST,
                "/customers/send-maintenance-reminder",
                Some(body),
            )
            .await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{field}");
        assert_eq!(reply.body["detail"][0]["loc"], json!(["body", field]));
    }
}

async fn a_failed_maintenance_send_leaves_the_report_unchanged(backend: Backend) {
    let (t, fake) = app(backend).await;
    register(
        &t,
        json!({"name": "Budi", "no_hp": "081234567890", "vehicles": [
        {"nopol": "B 1 A", "model": "Avanza", "last_visit": "2025-09-12"}]}),
    )
    .await;
    fake.behave(Behaviour::Refuse);
    let answer = remind(&t, json!({})).await;
    assert_eq!(
        (
            answer["reminder_sent"].clone(),
            answer["reminder_failed"].clone()
        ),
        (json!(0), json!(1))
    );
    assert!(report(&t).await.is_empty());
    // The claim was given back: the next run sends it.
    fake.behave(Behaviour::Accept);
    assert_eq!(remind(&t, json!({})).await["reminder_sent"], 1);
    assert_eq!(report(&t).await[0]["frequency"], 1);
}

async fn three_runs_at_once_remind_each_vehicle_once(backend: Backend) {
    let (t, fake) = app(backend).await;
    fake.latency(Duration::from_millis(100));
    for i in 0..6 {
        register(&t, json!({"name": format!("Customer {i}"), "no_hp": format!("08120000000{i}"), "vehicles": [
            {"nopol": format!("B {} A", i + 1), "model": "Avanza", "last_visit": "2025-09-11"}]})).await;
    }
    let runs = (0..3).map(|_| remind(&t, json!({})));
    let answers = futures::future::join_all(runs).await;
    let sent: u64 = answers
        .iter()
        .map(|a| a["reminder_sent"].as_u64().unwrap())
        .sum();
    assert_eq!(sent, 6);
    let mut recipients: Vec<String> = fake
        .received()
        .iter()
        .map(|r| r.body["to"].as_str().unwrap().to_string())
        .collect();
    recipients.sort();
    recipients.dedup();
    assert_eq!((fake.received().len(), recipients.len()), (6, 6));
    let rows = report(&t).await;
    assert_eq!(rows.len(), 6);
    assert!(rows.iter().all(|r| r["frequency"] == 1));
}

async fn the_daily_run_serves_manual_records_and_the_register(backend: Backend) {
    let (t, fake) = app(backend).await;
    let mut manual = customer("Pak Joko", "B 7 Z", "081111111111");
    manual["next_service"] = json!("2026-01-11");
    t.create(manual).await;
    t.create(customer("Bu Ani", "B 8 Z", "081111111112")).await;
    register(
        &t,
        json!({"name": "Budi", "no_hp": "081234567890", "vehicles": [
        {"nopol": "B 1 A", "model": "Avanza", "last_visit": "2025-09-12"},
        {"nopol": "B 2 A", "model": "Vario", "last_visit": "2025-06-01"}]}),
    )
    .await;

    let deadline = Instant::now() + Duration::from_secs(60);
    let summary =
        bengkel::scheduler::run_daily(t.app.reminders(bengkel::actor::SCHEDULE), deadline)
            .await
            .unwrap();
    assert_eq!(
        (
            summary.total_records,
            summary.reminder_sent,
            summary.register_sent,
            summary.reminder_failed
        ),
        (4, 2, 1, 0)
    );
    let mut to: Vec<String> = fake
        .received()
        .iter()
        .map(|r| r.body["to"].as_str().unwrap().to_string())
        .collect();
    to.sort();
    assert_eq!(to, ["6281111111111", "6281234567890"]);
    assert_eq!(report(&t).await.len(), 1);
    let again = bengkel::scheduler::run_daily(t.app.reminders(bengkel::actor::SCHEDULE), deadline)
        .await
        .unwrap();
    assert_eq!(
        again.reminder_sent, 0,
        "a schedule delivered twice sends nothing twice"
    );
}
