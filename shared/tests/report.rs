//! The WhatsApp report through the API, on both stores: its rows and their shapes, the
//! statistics of a known data set, the atomic upsert, and resets that a snapshot undoes.

use crate::common;

use axum::http::{Method, StatusCode};
use bengkel::config::Config;
use bengkel::report::Delivery;
use common::{Backend, TestApp};
use serde_json::{Value, json};

on_both_stores!(
    every_report_endpoint_shows_the_rows,
    statistics_of_a_known_data_set,
    a_delivery_upserts_one_row_per_pair,
    deliveries_at_once_all_count,
    reset_then_restore_gives_back_the_rows,
    a_send_after_a_reset_survives_the_restore,
    bad_reset_requests_change_nothing,
);

const REPORT: &str = "/whatsapp-report";

async fn expect(t: &TestApp, method: Method, path: &str, status: StatusCode) -> Value {
    let reply = t.call(method, path, None).await;
    assert_eq!(reply.status, status, "{path}: {}", reply.body);
    reply.body
}

/// A pair of the register, by names.
struct Pair {
    customer: String,
    vehicle: String,
    name: &'static str,
    nopol: &'static str,
}

fn pair(name: &'static str, nopol: &'static str) -> Pair {
    Pair {
        customer: uuid::Uuid::new_v4().to_string(),
        vehicle: uuid::Uuid::new_v4().to_string(),
        name,
        nopol,
    }
}

/// A second vehicle of the same customer.
fn other_vehicle(of: &Pair, nopol: &'static str) -> Pair {
    Pair {
        customer: of.customer.clone(),
        vehicle: uuid::Uuid::new_v4().to_string(),
        name: of.name,
        nopol,
    }
}

/// `times` reminders delivered to `pair` now, as a reminder run records them.
async fn deliver(t: &TestApp, pair: &Pair, times: usize) {
    let delivery = Delivery {
        message_id: None,
        id_customer: pair.customer.clone(),
        id_vehicle: pair.vehicle.clone(),
        customer_name: pair.name.into(),
        customer_phone: "6281234567890".into(),
        vehicle_model: "Avanza".into(),
        vehicle_nopol: pair.nopol.into(),
        at: t.app.time.now(),
    };
    for _ in 0..times {
        t.app
            .reports
            .record_delivery(&delivery, None)
            .await
            .unwrap();
    }
}

fn rows_of(value: &Value) -> Vec<Value> {
    value.as_array().unwrap().clone()
}

async fn every_report_endpoint_shows_the_rows(backend: Backend) {
    let t = TestApp::on(backend, Config::default()).await;
    let budi = pair("Budi Santoso", "B 1234 CD");
    let budi_motor = other_vehicle(&budi, "B 5 CD");
    let siti = pair("Siti", "D 1 A");
    deliver(&t, &budi, 5).await;
    deliver(&t, &budi_motor, 1).await;
    deliver(&t, &siti, 2).await;

    let rows = rows_of(&expect(&t, Method::GET, &format!("{REPORT}/"), StatusCode::OK).await);
    let keys: Vec<&String> = rows[0].as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        [
            "id",
            "id_customer",
            "id_vehicle",
            "last_message_date",
            "frequency",
            "created_at",
            "updated_at"
        ]
    );
    let frequencies: Vec<&Value> = rows.iter().map(|r| &r["frequency"]).collect();
    assert_eq!(
        frequencies,
        [&json!(5), &json!(2), &json!(1)],
        "most messages first"
    );
    assert_eq!(rows[0]["id_customer"], json!(budi.customer));
    assert_eq!(rows[0]["last_message_date"], "2026-01-10T10:30:00+07:00");

    let detail =
        rows_of(&expect(&t, Method::GET, &format!("{REPORT}/detail"), StatusCode::OK).await);
    assert_eq!(
        detail[0],
        json!({
            "id": rows[0]["id"],
            "customer_name": "Budi Santoso",
            "customer_phone": "6281234567890",
            "vehicle_model": "Avanza",
            "vehicle_nopol": "B 1234 CD",
            "last_message_date": "2026-01-10T10:30:00+07:00",
            "frequency": 5,
            "created_at": "2026-01-10T10:30:00+07:00",
            "updated_at": "2026-01-10T10:30:00+07:00",
            // Delivered straight into the store: no message the provider could tell of.
            "last_delivery_status": null,
        })
    );

    let of_budi = rows_of(
        &expect(
            &t,
            Method::GET,
            &format!("{REPORT}/customer/{}", budi.customer),
            StatusCode::OK,
        )
        .await,
    );
    assert_eq!(of_budi.len(), 2);
    assert!(
        of_budi
            .iter()
            .all(|r| r["id_customer"] == json!(budi.customer))
    );
    let nobody = uuid::Uuid::new_v4();
    let none = expect(
        &t,
        Method::GET,
        &format!("{REPORT}/customer/{nobody}"),
        StatusCode::OK,
    )
    .await;
    assert_eq!(none, json!([]));

    let path = format!(
        "{REPORT}/customer/{}/vehicle/{}",
        siti.customer, siti.vehicle
    );
    let one = expect(&t, Method::GET, &path, StatusCode::OK).await;
    assert_eq!(
        (one["frequency"].clone(), one["id_vehicle"].clone()),
        (json!(2), json!(siti.vehicle))
    );
    let crossed = format!(
        "{REPORT}/customer/{}/vehicle/{}",
        siti.customer, budi.vehicle
    );
    let missing = expect(&t, Method::GET, &crossed, StatusCode::NOT_FOUND).await;
    assert_eq!(missing["detail"], "Report tidak ditemukan");

    let row_id = one["id"].as_str().unwrap();
    expect(
        &t,
        Method::DELETE,
        &format!("{REPORT}/{row_id}"),
        StatusCode::NO_CONTENT,
    )
    .await;
    expect(
        &t,
        Method::DELETE,
        &format!("{REPORT}/{row_id}"),
        StatusCode::NOT_FOUND,
    )
    .await;
    expect(&t, Method::GET, &path, StatusCode::NOT_FOUND).await;
    let left = rows_of(&expect(&t, Method::GET, REPORT, StatusCode::OK).await);
    assert_eq!(left.len(), 2);
}

async fn statistics_of_a_known_data_set(backend: Backend) {
    let t = TestApp::on(backend, Config::default()).await;
    let empty = expect(
        &t,
        Method::GET,
        &format!("{REPORT}/statistics"),
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        empty,
        json!({"total_customers_with_vehicles": 0, "total_messages_sent": 0,
               "average_messages_per_customer": 0.0, "customers_by_frequency": {}})
    );
    // Five pairs (one customer with two vehicles) received 1, 1, 2, 3 and 5 messages:
    // 12 messages over 5 pairs is 2.4 each; frequency 1 twice, 2, 3 and 5 once each.
    let a = pair("A", "B 1 A");
    let a2 = other_vehicle(&a, "B 2 A");
    let (b, c, d) = (pair("B", "B 3 A"), pair("C", "B 4 A"), pair("D", "B 5 A"));
    for (p, times) in [(&a, 1), (&a2, 1), (&b, 2), (&c, 3), (&d, 5)] {
        deliver(&t, p, times).await;
    }
    let stats = expect(
        &t,
        Method::GET,
        &format!("{REPORT}/statistics/"),
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        stats,
        json!({"total_customers_with_vehicles": 5, "total_messages_sent": 12,
               "average_messages_per_customer": 2.4,
               "customers_by_frequency": {"1": 2, "2": 1, "3": 1, "5": 1}})
    );
    // 13 messages over 6 pairs: 2.1666… shown as 2.17.
    deliver(&t, &pair("E", "B 6 A"), 1).await;
    let stats = expect(
        &t,
        Method::GET,
        &format!("{REPORT}/statistics"),
        StatusCode::OK,
    )
    .await;
    assert_eq!(stats["average_messages_per_customer"], 2.17);
    assert_eq!(stats["customers_by_frequency"]["1"], 3);
}

async fn a_delivery_upserts_one_row_per_pair(backend: Backend) {
    let t = TestApp::on(backend, Config::default()).await;
    let budi = pair("Budi", "B 1 A");
    deliver(&t, &budi, 1).await;
    t.clock.set("2026-02-03T09:00:05+07:00");
    deliver(&t, &budi, 1).await;
    let rows = rows_of(&expect(&t, Method::GET, REPORT, StatusCode::OK).await);
    assert_eq!(rows.len(), 1);
    assert_eq!(
        (
            rows[0]["frequency"].clone(),
            rows[0]["created_at"].clone(),
            rows[0]["last_message_date"].clone(),
            rows[0]["updated_at"].clone()
        ),
        (
            json!(2),
            json!("2026-01-10T10:30:00+07:00"),
            json!("2026-02-03T09:00:05+07:00"),
            json!("2026-02-03T09:00:05+07:00")
        )
    );
}

async fn deliveries_at_once_all_count(backend: Backend) {
    let t = TestApp::on(backend, Config::default()).await;
    let budi = pair("Budi", "B 1 A");
    let sends = (0..20).map(|_| deliver(&t, &budi, 1));
    futures::future::join_all(sends).await;
    let rows = rows_of(&expect(&t, Method::GET, REPORT, StatusCode::OK).await);
    assert_eq!((rows.len(), rows[0]["frequency"].clone()), (1, json!(20)));
}

async fn reset(t: &TestApp, query: &str) -> Value {
    expect(
        t,
        Method::POST,
        &format!("{REPORT}/reset-frequency{query}"),
        StatusCode::OK,
    )
    .await
}

async fn reset_then_restore_gives_back_the_rows(backend: Backend) {
    let t = TestApp::on(backend, Config::default()).await;
    let x = pair("X", "B 1 A");
    let x2 = other_vehicle(&x, "B 2 A");
    let y = pair("Y", "B 3 A");
    deliver(&t, &x, 3).await;
    deliver(&t, &x2, 2).await;
    deliver(&t, &y, 4).await;
    let before = expect(&t, Method::GET, REPORT, StatusCode::OK).await;

    t.clock.set("2026-02-01T08:00:00+07:00");
    let one = reset(
        &t,
        &format!("?customer_id={}&vehicle_id={}", x.customer, x.vehicle),
    )
    .await;
    assert_eq!(one["reset_count"], 1);
    t.clock.set("2026-02-01T08:00:01+07:00");
    let customer = reset(&t, &format!("?customer_id={}", y.customer)).await;
    assert_eq!(customer["reset_count"], 1);
    t.clock.set("2026-02-01T08:00:02+07:00");
    let all = reset(&t, "").await;
    assert_eq!(
        (all["reset_count"].clone(), all["message"].clone()),
        (json!(1), json!("Frequency 1 report direset"))
    );
    let after = rows_of(&expect(&t, Method::GET, REPORT, StatusCode::OK).await);
    assert!(after.iter().all(|r| r["frequency"] == 0), "{after:?}");
    let nothing = reset(&t, "").await;
    assert_eq!(
        (
            nothing["reset_count"].clone(),
            nothing["snapshot_id"].clone()
        ),
        (json!(0), Value::Null)
    );

    let snapshots = rows_of(
        &expect(
            &t,
            Method::GET,
            &format!("{REPORT}/snapshots"),
            StatusCode::OK,
        )
        .await,
    );
    let ids: Vec<Value> = snapshots.iter().map(|s| s["id"].clone()).collect();
    assert_eq!(
        ids,
        [
            all["snapshot_id"].clone(),
            customer["snapshot_id"].clone(),
            one["snapshot_id"].clone()
        ]
    );
    assert_eq!(
        snapshots[1]["scope"],
        json!({"id_customer": y.customer, "id_vehicle": null})
    );
    assert_eq!(
        (
            snapshots[1]["row_count"].clone(),
            snapshots[1]["total_frequency"].clone()
        ),
        (json!(1), json!(4))
    );
    assert!(snapshots.iter().all(|s| s["status"] == "reset"));

    for snapshot in &ids {
        let id = snapshot.as_str().unwrap();
        let restored = expect(
            &t,
            Method::POST,
            &format!("{REPORT}/snapshots/{id}/restore"),
            StatusCode::OK,
        )
        .await;
        assert_eq!(restored["restored_count"], 1);
    }
    let restored = expect(&t, Method::GET, REPORT, StatusCode::OK).await;
    assert_eq!(restored, before, "every row exactly as before the resets");
    let id = ids[0].as_str().unwrap();
    let again = expect(
        &t,
        Method::POST,
        &format!("{REPORT}/snapshots/{id}/restore"),
        StatusCode::CONFLICT,
    )
    .await;
    assert_eq!(again["detail"], format!("Snapshot {id} sudah dipulihkan"));
    assert_eq!(
        expect(&t, Method::GET, REPORT, StatusCode::OK).await,
        before
    );
    let listed = rows_of(
        &expect(
            &t,
            Method::GET,
            &format!("{REPORT}/snapshots"),
            StatusCode::OK,
        )
        .await,
    );
    assert!(
        listed
            .iter()
            .all(|s| s["status"] == "restored" && s["restored_at"] == "2026-02-01T08:00:02+07:00")
    );
}

async fn a_send_after_a_reset_survives_the_restore(backend: Backend) {
    let t = TestApp::on(backend, Config::default()).await;
    let x = pair("X", "B 1 A");
    deliver(&t, &x, 3).await;
    t.clock.set("2026-02-01T08:00:00+07:00");
    let snapshot = reset(&t, "").await["snapshot_id"]
        .as_str()
        .unwrap()
        .to_string();
    t.clock.set("2026-02-02T09:00:00+07:00");
    deliver(&t, &x, 1).await;
    expect(
        &t,
        Method::POST,
        &format!("{REPORT}/snapshots/{snapshot}/restore"),
        StatusCode::OK,
    )
    .await;
    let row = rows_of(&expect(&t, Method::GET, REPORT, StatusCode::OK).await)[0].clone();
    assert_eq!(
        (
            row["frequency"].clone(),
            row["last_message_date"].clone(),
            row["updated_at"].clone()
        ),
        (
            json!(4),
            json!("2026-02-02T09:00:00+07:00"),
            json!("2026-02-02T09:00:00+07:00")
        )
    );
}

async fn bad_reset_requests_change_nothing(backend: Backend) {
    let t = TestApp::on(backend, Config::default()).await;
    let x = pair("X", "B 1 A");
    deliver(&t, &x, 3).await;
    let before = expect(&t, Method::GET, REPORT, StatusCode::OK).await;
    for (query, loc) in [
        ("?customer_id=budi", "customer_id"),
        (&*format!("?vehicle_id={}", x.vehicle), "customer_id"),
        (
            &*format!("?customer_id={}&vehicle_id=1", x.customer),
            "vehicle_id",
        ),
    ] {
        let refused = expect(
            &t,
            Method::POST,
            &format!("{REPORT}/reset-frequency{query}"),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert_eq!(
            refused["detail"][0]["loc"],
            json!(["query", loc]),
            "{query}"
        );
    }
    assert_eq!(
        expect(&t, Method::GET, REPORT, StatusCode::OK).await,
        before
    );
    assert_eq!(
        expect(
            &t,
            Method::GET,
            &format!("{REPORT}/snapshots"),
            StatusCode::OK
        )
        .await,
        json!([])
    );
    let missing = uuid::Uuid::new_v4();
    expect(
        &t,
        Method::POST,
        &format!("{REPORT}/snapshots/{missing}/restore"),
        StatusCode::NOT_FOUND,
    )
    .await;
    expect(
        &t,
        Method::POST,
        &format!("{REPORT}/snapshots/nope/restore"),
        StatusCode::NOT_FOUND,
    )
    .await;
    expect(
        &t,
        Method::DELETE,
        &format!("{REPORT}/nope"),
        StatusCode::NOT_FOUND,
    )
    .await;
}
