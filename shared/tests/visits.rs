//! Service visits and the odometer, through the API on both stores: recording, listing and
//! deleting visits, the estimate and the combined due date they move, the register's run that
//! reminds by kilometres, readings sent by WhatsApp reply, and the sheet's visit columns.

use crate::common;

use axum::http::{Method, StatusCode};
use bengkel::fakes::starsender::FakeStarSender;
use bengkel::register::api::HasRegister;
use bengkel::sheet::{self, Format};
use common::{Backend, TestApp};
use serde_json::{Value, json};

on_both_stores!(
    visits_move_the_last_visit_and_the_estimate,
    a_reading_that_goes_back_is_refused_and_changes_nothing,
    the_run_reminds_a_vehicle_due_by_km_and_not_one_due_by_neither,
    a_reply_with_a_plausible_reading_is_recorded_for_the_owners_vehicle,
    the_sheet_records_a_visit_from_its_odometer_columns,
);

async fn expect(
    t: &TestApp,
    method: Method,
    path: &str,
    body: Option<Value>,
    status: StatusCode,
) -> Value {
    let reply = t.call(method, path, body).await;
    assert_eq!(reply.status, status, "{path}: {}", reply.body);
    reply.body
}

/// A customer with one vehicle; the path of that vehicle.
async fn vehicle(t: &TestApp, phone: &str, vehicle: Value) -> String {
    let body = json!({"name": "Budi Santoso", "no_hp": phone, "vehicles": [vehicle]});
    let created = expect(
        t,
        Method::POST,
        "/customers",
        Some(body),
        StatusCode::CREATED,
    )
    .await;
    let (cid, vid) = (&created["id"], &created["vehicles"][0]["id"]);
    format!(
        "/customers/{}/vehicles/{}",
        cid.as_str().unwrap(),
        vid.as_str().unwrap()
    )
}

async fn visit(t: &TestApp, path: &str, day: &str, km: u32) -> Value {
    let body = json!({"visit_date": day, "odometer_km": km, "work": "Ganti oli"});
    let path = format!("{path}/visits");
    expect(t, Method::POST, &path, Some(body), StatusCode::CREATED).await
}

/// The estimate's fields of a vehicle, as the staff page shows them.
fn estimate(vehicle: &Value) -> Value {
    json!([
        vehicle["last_visit"],
        vehicle["odometer_km"],
        vehicle["km_per_day"],
        vehicle["estimated_odometer_km"],
        vehicle["next_service_km"],
        vehicle["next_service_by_km"],
        vehicle["next_service"],
        vehicle["due_reason"],
    ])
}

/// Today is 2026-01-10 (the test clock).
async fn visits_move_the_last_visit_and_the_estimate(backend: Backend) {
    let t = TestApp::on(backend, Default::default()).await;
    let path = vehicle(
        &t,
        "081234567890",
        json!({"nopol": "B 3456 KLM", "model": "Vario 125", "kind": "motor"}),
    )
    .await;
    let first = visit(&t, &path, "2025-12-01", 10_000).await;
    assert_eq!(first["source"], "staff");
    assert_eq!(first["work"], "Ganti oli");
    // One reading: the motor's 40 km a day; 2,000 km after 10,000 falls before four months.
    assert_eq!(
        estimate(&first["vehicle"]),
        json!([
            "2025-12-01",
            10000,
            40.0,
            11600,
            12000,
            "2026-01-20",
            "2026-01-20",
            "kilometer"
        ])
    );
    visit(&t, &path, "2025-12-31", 12_400).await;
    let shown = expect(&t, Method::GET, &path, None, StatusCode::OK).await;
    // 2,400 km in 30 days: 80 a day; 14,400 is 2,000 past the last visit, 25 days on.
    assert_eq!(
        estimate(&shown),
        json!([
            "2025-12-31",
            12400,
            80.0,
            13200,
            14400,
            "2026-01-25",
            "2026-01-25",
            "kilometer"
        ])
    );

    let list = format!("{path}/visits");
    let page = expect(
        &t,
        Method::GET,
        &format!("{list}?limit=1"),
        None,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        (page["total"].clone(), page["data"][0]["visit_date"].clone()),
        (json!(2), json!("2025-12-31"))
    );
    let cursor = page["next_cursor"].as_str().unwrap();
    let next = format!("{list}?limit=1&cursor={cursor}");
    let rest = expect(&t, Method::GET, &next, None, StatusCode::OK).await;
    assert_eq!(rest["data"][0]["visit_date"], "2025-12-01");
    assert_eq!(rest["next_cursor"], Value::Null);

    let latest = page["data"][0]["id"].as_str().unwrap();
    let gone = format!("{list}/{latest}");
    expect(&t, Method::DELETE, &gone, None, StatusCode::NO_CONTENT).await;
    let shown = expect(&t, Method::GET, &path, None, StatusCode::OK).await;
    assert_eq!(estimate(&shown), estimate(&first["vehicle"]));
    let again = expect(&t, Method::DELETE, &gone, None, StatusCode::NOT_FOUND).await;
    assert_eq!(again["detail"], "Kunjungan tidak ditemukan");
}

async fn a_reading_that_goes_back_is_refused_and_changes_nothing(backend: Backend) {
    let t = TestApp::on(backend, Default::default()).await;
    let path = vehicle(
        &t,
        "081234567890",
        json!({"nopol": "B 1 A", "model": "Avanza"}),
    )
    .await;
    visit(&t, &path, "2025-11-01", 20_000).await;
    visit(&t, &path, "2025-12-01", 23_450).await;
    let before = expect(&t, Method::GET, &path, None, StatusCode::OK).await;
    let list = format!("{path}/visits");
    for (body, field, msg) in [
        (
            json!({"visit_date": "2026-01-05", "odometer_km": 23000}),
            "odometer_km",
            "Odometer 23.000 km pada 2026-01-05 lebih rendah dari 23.450 km pada kunjungan \
             2025-12-01",
        ),
        (
            json!({"visit_date": "2025-10-01", "odometer_km": 21000}),
            "odometer_km",
            "Odometer 21.000 km pada 2025-10-01 lebih tinggi dari 20.000 km pada kunjungan \
             2025-11-01",
        ),
        (
            json!({"visit_date": "2026-01-11", "odometer_km": 24000}),
            "visit_date",
            "Tanggal kunjungan 2026-01-11 belum terjadi: paling lambat hari ini",
        ),
        (
            json!({"visit_date": "2026-01-05", "odometer_km": -5}),
            "odometer_km",
            "Input should be a whole number from 0 to 1000000",
        ),
        (
            json!({"odometer_km": 24000}),
            "visit_date",
            "Field required",
        ),
    ] {
        let refused = expect(
            &t,
            Method::POST,
            &list,
            Some(body),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert_eq!(
            refused["detail"][0]["loc"],
            json!(["body", field]),
            "{refused}"
        );
        assert_eq!(refused["detail"][0]["msg"], msg);
    }
    let after = expect(&t, Method::GET, &path, None, StatusCode::OK).await;
    assert_eq!(after, before);
    let visits = expect(&t, Method::GET, &list, None, StatusCode::OK).await;
    assert_eq!(visits["total"], 2);
}

async fn app_with_gateway(backend: Backend) -> (TestApp, FakeStarSender) {
    common::with_gateway(backend, |config| config.ask_odometer = true).await
}

async fn the_run_reminds_a_vehicle_due_by_km_and_not_one_due_by_neither(backend: Backend) {
    let (t, fake) = app_with_gateway(backend).await;
    // 100 km a day: 14,000 km on 12 January, four months before the date rule.
    let ridden = vehicle(
        &t,
        "081234567890",
        json!({"nopol": "B 3456 KLM", "model": "Vario 125", "kind": "motor"}),
    )
    .await;
    visit(&t, &ridden, "2025-12-03", 10_000).await;
    visit(&t, &ridden, "2025-12-23", 12_000).await;
    // A car on weekends: neither 5,000 km nor four months by 13 January.
    let idle = vehicle(
        &t,
        "081234567891",
        json!({"nopol": "D 1 A", "model": "Avanza", "kind": "mobil"}),
    )
    .await;
    visit(&t, &idle, "2025-12-23", 50_000).await;
    // No reading at all: due by date, four months after its last visit.
    vehicle(
        &t,
        "081234567892",
        json!({"nopol": "F 9 Z", "model": "Jazz", "last_visit": "2025-09-12"}),
    )
    .await;

    let body = json!({"days_threshold": 3});
    let path = "/customers/send-maintenance-reminder";
    let answer = expect(&t, Method::POST, path, Some(body), StatusCode::OK).await;
    assert_eq!(answer["reminder_sent"], 2, "{answer}");
    let mut texts: Vec<(String, String)> = fake
        .received()
        .iter()
        .map(|r| {
            let to = r.body["to"].as_str().unwrap().to_string();
            (to, r.body["body"].as_str().unwrap().to_string())
        })
        .collect();
    texts.sort();
    assert_eq!(texts.len(), 2);
    assert_eq!(texts[0].0, "6281234567890");
    assert_eq!(
        texts[0].1,
        "Halo Budi Santoso, Vario 125 Anda dengan nopol B 3456 KLM diperkirakan sudah menempuh \
         14.000 km dan dijadwalkan service berkala pada 12 Januari 2026 (2 hari lagi). Hubungi \
         Bengkel untuk booking. Terima kasih. Balas dengan angka kilometer motor Anda saat ini."
    );
    assert_eq!(texts[1].0, "6281234567892");
    assert!(
        texts[1].1.contains(
            "F 9 Z sudah waktunya service dan dijadwalkan service berkala pada 12 Januari 2026"
        ),
        "{}",
        texts[1].1
    );
    assert!(
        texts[1]
            .1
            .ends_with("Balas dengan angka kilometer mobil Anda saat ini.")
    );
}

async fn a_reply_with_a_plausible_reading_is_recorded_for_the_owners_vehicle(backend: Backend) {
    let t = TestApp::on(backend, Default::default()).await;
    let path = vehicle(
        &t,
        "0812-3456-7890",
        json!({"nopol": "B 3456 KLM", "model": "Vario 125", "kind": "motor"}),
    )
    .await;
    visit(&t, &path, "2026-01-01", 10_000).await;
    let now = chrono::DateTime::parse_from_rfc3339("2026-01-10T19:05:00+07:00").unwrap();
    let register = t.app.register_service();
    let reply = |phone: &'static str, text: &'static str| async move {
        register
            .record_reply_reading(phone, text, now)
            .await
            .unwrap()
    };
    // Not readings, not plausible (over 300 km a day, or below the last), not the owner.
    for text in ["oke", "kira2 23rb", "13.000 km", "9.999"] {
        assert!(!reply("6281234567890", text).await, "{text}");
    }
    assert!(!reply("6289999999999", "10.250").await);
    let visits = expect(
        &t,
        Method::GET,
        &format!("{path}/visits"),
        None,
        StatusCode::OK,
    )
    .await;
    assert_eq!(visits["total"], 1);

    assert!(reply("6281234567890", "10.900 km").await);
    let visits = expect(
        &t,
        Method::GET,
        &format!("{path}/visits"),
        None,
        StatusCode::OK,
    )
    .await;
    let newest = &visits["data"][0];
    assert_eq!(
        json!([
            newest["source"],
            newest["visit_date"],
            newest["odometer_km"],
            newest["work"]
        ]),
        json!(["reply", "2026-01-10", 10900, null])
    );
    let shown = expect(&t, Method::GET, &path, None, StatusCode::OK).await;
    // A reading, not a service: the last visit stays; 900 km in 9 days moves the estimate.
    assert_eq!(shown["last_visit"], "2026-01-01");
    assert_eq!(shown["odometer_km"], 10900);
    assert_eq!(shown["next_service_km"], 12000);
    assert_eq!(shown["km_per_day"], 40.0, "9 days are not yet a pace");
}

async fn the_sheet_records_a_visit_from_its_odometer_columns(backend: Backend) {
    let t = TestApp::on(backend, Default::default()).await;
    let csv = "Nama,No HP,No Pol,Model,Last Visit,Jenis,Odometer,Tanggal Kunjungan\n\
               Budi,081234567890,B 1 A,Vario,,motor,23.450,2025-12-20\n\
               Budi,081234567890,B 2 A,Avanza,2025-11-02,,,\n\
               Siti,081234567891,D 3 C,Beat,,sepeda,12 ribu,2025-12-20\n";
    let path = "/customers/import?dry_run=false";
    let reply = t
        .send_file(Method::POST, path, "text/csv", csv.as_bytes().to_vec())
        .await;
    let answer = reply.json();
    assert_eq!(answer["data"]["imported"], 1, "{answer}");
    let reasons: Vec<&str> = answer["data"]["failures"][0]["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["column"].as_str().unwrap())
        .collect();
    assert_eq!(reasons, ["Jenis", "Odometer"]);

    let list = expect(&t, Method::GET, "/customers", None, StatusCode::OK).await;
    let cid = list["data"][0]["id"].as_str().unwrap();
    let vehicles = expect(
        &t,
        Method::GET,
        &format!("/customers/{cid}/vehicles"),
        None,
        StatusCode::OK,
    )
    .await;
    let vario = &vehicles[0];
    assert_eq!(
        json!([
            vario["kind"],
            vario["last_visit"],
            vario["odometer_km"],
            vario["next_service"]
        ]),
        json!(["motor", "2025-12-20", 23450, "2026-02-08"])
    );
    assert_eq!(vehicles[1]["kind"], "mobil");
    let visits = format!(
        "/customers/{cid}/vehicles/{}/visits",
        vario["id"].as_str().unwrap()
    );
    let visits = expect(&t, Method::GET, &visits, None, StatusCode::OK).await;
    assert_eq!(visits["data"][0]["odometer_km"], 23450);

    let export = t
        .send_file(
            Method::GET,
            "/customers/export?format=csv",
            "application/json",
            Vec::new(),
        )
        .await;
    let table = sheet::read(Format::Csv, &export.bytes, None).unwrap();
    let texts: Vec<Vec<String>> = table
        .rows
        .iter()
        .map(|row| row.cells.iter().map(|c| c.text()).collect())
        .collect();
    assert_eq!(
        texts[0][2..],
        [
            "B 1 A",
            "Vario",
            "2025-12-20",
            "motor",
            "23450",
            "2025-12-20",
            "2026-02-08"
        ]
    );
}
