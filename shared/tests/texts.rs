//! What people's texts may hold and what reminders say: control characters and direction
//! overrides refused in every text field (the API, the bulk imports, the sheets) while stored
//! texts stay readable; values inserted literally into reminders; a record without a date and a
//! workshop without a phone get messages with no `-` in them; and a deployment without the
//! workshop's name and phone sends nothing.

use crate::common;

use std::time::{Duration, Instant};

use axum::http::{Method, StatusCode};
use bengkel::config::Config;
use bengkel::fakes::starsender::FakeStarSender;
use bengkel::reminder::template::{
    DEFAULT_TEMPLATE, DEFAULT_UNDATED_TEMPLATE, Kind, Template, Workshop,
};
use bengkel::scheduler::Job;
use common::{Backend, TestApp, customer};
use serde_json::{Value, json};

const RLO: char = '\u{202E}';

async fn status_of(app: &TestApp, method: Method, path: &str, body: Value) -> (StatusCode, Value) {
    let reply = app.call(method, path, Some(body)).await;
    (reply.status, reply.body)
}

/// Asserts a 422 whose one problem is `field` (a location under `body`) holding `bad`.
fn assert_refused(answer: (StatusCode, Value), loc: Value, bad: &str, what: &str) {
    let (status, body) = answer;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let detail = &body["detail"];
    assert_eq!(detail.as_array().unwrap().len(), 1, "{body}");
    assert_eq!(detail[0]["loc"], loc, "{body}");
    assert_eq!(detail[0]["type"], "value_error", "{body}");
    assert_eq!(detail[0]["input"], bad, "{body}");
    let msg = detail[0]["msg"].as_str().unwrap();
    assert!(msg.contains(what), "{msg}");
}

#[tokio::test]
async fn every_text_field_refuses_control_and_direction_characters() {
    let (app, fake) = common::with_gateway(Backend::Embedded, |_| {}).await;
    let bidi = format!("Budi {RLO}gnp.exe");
    let direction = "karakter pengatur arah teks (ditemukan U+202E)";
    let bell = "karakter kontrol selain baris baru dan tab (ditemukan U+0007)";
    let mut record = customer(&bidi, "B 1 A", "081234567890");
    assert_refused(
        status_of(&app, Method::POST, "/manual-whatsapp/", record.clone()).await,
        json!(["body", "customer_name"]),
        &bidi,
        direction,
    );
    record["customer_name"] = json!("Budi\nSantoso");
    assert_refused(
        status_of(&app, Method::POST, "/manual-whatsapp/", record.clone()).await,
        json!(["body", "customer_name"]),
        "Budi\nSantoso",
        "karakter kontrol (ditemukan U+000A)",
    );
    record["customer_name"] = json!("Budi");
    record["notes"] = json!("Ganti oli\u{7}");
    assert_refused(
        status_of(&app, Method::POST, "/manual-whatsapp/", record.clone()).await,
        json!(["body", "notes"]),
        "Ganti oli\u{7}",
        bell,
    );
    // Notes keep their lines and tabs.
    record["notes"] = json!("Ganti oli\n\tFilter udara");
    let created = app.create(record).await;
    assert_eq!(created["notes"], "Ganti oli\n\tFilter udara");
    let id = created["id"].as_str().unwrap();
    assert_refused(
        status_of(
            &app,
            Method::PUT,
            &format!("/manual-whatsapp/{id}"),
            json!({ "customer_name": bidi }),
        )
        .await,
        json!(["body", "customer_name"]),
        &bidi,
        direction,
    );

    let person = json!({"name": bidi, "no_hp": "081234567891",
        "vehicles": [{"nopol": "B 2 A", "model": "Avanza"}]});
    assert_refused(
        status_of(&app, Method::POST, "/customers", person).await,
        json!(["body", "name"]),
        &bidi,
        direction,
    );
    let person = json!({"name": "Siti", "no_hp": "081234567891",
        "vehicles": [{"nopol": "B 2 A", "model": "Ava\u{85}nza"}]});
    assert_refused(
        status_of(&app, Method::POST, "/customers", person).await,
        json!(["body", "vehicles", 0, "model"]),
        "Ava\u{85}nza",
        "karakter kontrol (ditemukan U+0085)",
    );
    let isolate = "Avanza \u{2066}X\u{2069}";
    let siti = json!({"name": "Siti", "no_hp": "081234567891"});
    let (_, siti) = status_of(&app, Method::POST, "/customers", siti).await;
    let siti = siti["id"].as_str().unwrap();
    assert_refused(
        status_of(
            &app,
            Method::POST,
            &format!("/customers/{siti}/vehicles"),
            json!({"nopol": "B 3 A", "model": isolate}),
        )
        .await,
        json!(["body", "model"]),
        isolate,
        "U+2066",
    );

    let message = json!({"no_hp": "081234567890", "message": format!("Promo {RLO}")});
    assert_refused(
        status_of(
            &app,
            Method::POST,
            "/manual-whatsapp/send-custom-message",
            message,
        )
        .await,
        json!(["body", "message"]),
        &format!("Promo {RLO}"),
        direction,
    );
    assert!(fake.received().is_empty(), "a refused message is not sent");
    let message = json!({"no_hp": "081234567890", "message": "Promo:\n- ganti oli\n- cuci"});
    let (status, _) = status_of(
        &app,
        Method::POST,
        "/manual-whatsapp/send-custom-message",
        message,
    )
    .await;
    assert_eq!(status, StatusCode::OK);

    // Only the record with its notes was stored.
    let list = app.call(Method::GET, "/manual-whatsapp/", None).await;
    assert_eq!(list.body["data"].as_array().unwrap().len(), 1);
    let customers = app.call(Method::GET, "/customers/", None).await;
    assert_eq!(customers.body["data"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn windows_line_breaks_in_notes_and_messages_are_stored_as_newlines() {
    let app = TestApp::new();
    let mut body = customer("Budi", "B 1 CR", "08123456701");
    body["notes"] = json!("Ganti oli\r\nCek rem\rBalik Senin");
    let (status, record) = status_of(&app, Method::POST, "/manual-whatsapp/", body).await;
    assert_eq!(status, StatusCode::CREATED, "{record}");
    assert_eq!(record["notes"], "Ganti oli\nCek rem\nBalik Senin");
    // On one line a carriage return is still refused.
    let mut body = customer("Bu\rdi", "B 2 CR", "08123456702");
    body["notes"] = Value::Null;
    let (status, answer) = status_of(&app, Method::POST, "/manual-whatsapp/", body).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
}

#[tokio::test]
async fn imports_refuse_such_rows_one_by_one() {
    let app = TestApp::new();
    let bidi = format!("Budi {RLO}");
    let batch = json!([
        customer(&bidi, "B 1 A", "081234567890"),
        customer("Siti", "B 2 A", "081234567891"),
    ]);
    let (status, answer) =
        status_of(&app, Method::POST, "/manual-whatsapp/bulk-import", batch).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["data"]["imported"], 1, "{answer}");
    let error = answer["data"]["failures"][0]["error"].as_str().unwrap();
    assert!(
        error.contains("customer_name") && error.contains("U+202E"),
        "{error}"
    );

    let batch = json!([{"name": "Eko", "no_hp": "081234567892",
        "vehicles": [{"nopol": "B 3 A", "model": "Beat\u{1B}[31m"}]}]);
    let (_, answer) = status_of(&app, Method::POST, "/customers/bulk-import", batch).await;
    assert_eq!(answer["data"]["failed"], 1, "{answer}");
    let error = answer["data"]["failures"][0]["error"].as_str().unwrap();
    assert!(
        error.contains("model") && error.contains("U+001B"),
        "{error}"
    );

    let sheet = format!(
        "Nama,No Pol,No HP,Notes\nBudi {RLO},B 4 A,081234567893,\nAni,B 5 A,081234567894,ok\u{7}\nRina,B 6 A,081234567895,\"baris 1\nbaris 2\"\n"
    );
    let reply = app
        .send_file(
            Method::POST,
            "/manual-whatsapp/import?dry_run=false",
            "text/csv",
            sheet.into_bytes(),
        )
        .await;
    let answer = reply.json();
    assert_eq!(answer["data"]["imported"], 1, "{answer}");
    let errors: Vec<&str> = answer["data"]["failures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["error"].as_str().unwrap())
        .collect();
    assert!(
        errors[0].starts_with("Baris 2, kolom Nama") && errors[0].contains("U+202E"),
        "{errors:?}"
    );
    assert!(
        errors[1].starts_with("Baris 3, kolom Notes") && errors[1].contains("U+0007"),
        "{errors:?}"
    );
}

#[tokio::test]
async fn texts_stored_before_the_rule_still_read_and_update() {
    let app = TestApp::new();
    let now = app.app.time.now();
    let old = bengkel::manual::ManualRecord {
        id: uuid::Uuid::new_v4().to_string(),
        customer_name: format!("Lama {RLO}\u{7}"),
        nopol: "B 9 ZZ".into(),
        no_hp: "6281234567890".into(),
        last_service: None,
        next_service: None,
        is_active: 1,
        reminder_sent_count: 0,
        last_reminder_sent: None,
        notes: Some("a\u{0}b".into()),
        created_at: now,
        updated_at: now,
        version: 1,
    };
    app.app.manual.insert(&old).await.unwrap();
    let path = format!("/manual-whatsapp/{}", old.id);
    let reply = app.call(Method::GET, &path, None).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body["customer_name"], old.customer_name);
    let list = app.call(Method::GET, "/manual-whatsapp/", None).await;
    assert_eq!(list.body["data"][0]["notes"], "a\u{0}b");
    // Changing another field leaves the old text as it is.
    let (status, body) = status_of(&app, Method::PUT, &path, json!({"is_active": 0})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["customer_name"], old.customer_name);
}

/// An app whose workshop is `name` and `phone` (each if given), sending through a fake.
async fn workshop_app(
    name: Option<&str>,
    phone: Option<&str>,
    deployed: bool,
) -> (TestApp, FakeStarSender) {
    common::with_gateway(Backend::Embedded, |config: &mut Config| {
        config.workshop = Workshop {
            name: name.map(str::to_string),
            phone: phone.map(str::to_string),
        };
        config.require_workshop = deployed;
        config.reminder_template =
            Template::new(DEFAULT_TEMPLATE, Kind::Dated, &config.workshop).unwrap();
        config.undated_template =
            Template::new(DEFAULT_UNDATED_TEMPLATE, Kind::Undated, &config.workshop).unwrap();
    })
    .await
}

/// Sends the reminder of a new record `body` now; the text that went out.
async fn reminder_of(app: &TestApp, body: Value) -> String {
    let id = app.create(body).await["id"].as_str().unwrap().to_string();
    let reply = app
        .call(
            Method::POST,
            &format!("/manual-whatsapp/{id}/send-reminder"),
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    reply.body["data"]["message"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn a_name_with_placeholders_is_written_as_it_is() {
    let (app, fake) = workshop_app(Some("Bengkel Maju"), Some("08551000727"), true).await;
    let mut body = customer("Pak {workshop_phone} {nopol}", "B 1234 XYZ", "081234567890");
    body["next_service"] = json!("2026-01-13");
    let text = reminder_of(&app, body).await;
    assert_eq!(
        text,
        "Halo Pak {workshop_phone} {nopol}, kendaraan B 1234 XYZ Anda dijadwalkan service berkala \
         pada 13 Januari 2026 (3 hari lagi). Hubungi Bengkel Maju di 08551000727 untuk booking. \
         Terima kasih."
    );
    assert_eq!(fake.received()[0].body["body"], text);
}

#[tokio::test]
async fn a_record_without_a_date_gets_the_undated_reminder() {
    let (app, _fake) = workshop_app(Some("Bengkel Maju"), Some("08551000727"), true).await;
    let text = reminder_of(&app, customer("Ibu Siti", "B 2 A", "081234567890")).await;
    assert_eq!(
        text,
        "Halo Ibu Siti, sudah waktunya kendaraan B 2 A Anda menjalani service berkala. Hubungi \
         Bengkel Maju di 08551000727 untuk booking. Terima kasih."
    );
    assert!(!text.contains('-'), "{text}");
}

#[tokio::test]
async fn without_a_phone_the_clause_naming_it_is_left_out() {
    let (app, _fake) = workshop_app(Some("Bengkel Maju"), None, false).await;
    let mut body = customer("Ibu Siti", "B 2 A", "081234567890");
    body["next_service"] = json!("2026-01-12");
    let text = reminder_of(&app, body).await;
    assert_eq!(
        text,
        "Halo Ibu Siti, kendaraan B 2 A Anda dijadwalkan service berkala pada 12 Januari 2026 \
         (2 hari lagi). Hubungi Bengkel Maju untuk booking. Terima kasih."
    );
    let text = reminder_of(&app, customer("Pak Eko", "B 3 A", "081234567891")).await;
    assert!(
        text.ends_with("Hubungi Bengkel Maju untuk booking. Terima kasih."),
        "{text}"
    );
    assert!(!text.contains('-'), "{text}");
}

#[tokio::test]
async fn a_deployment_without_the_workshop_sends_nothing() {
    for (name, phone, named) in [
        (None, None, "WORKSHOP_NAME dan WORKSHOP_PHONE belum diatur"),
        (Some("Bengkel Maju"), None, "WORKSHOP_PHONE belum diatur"),
        (None, Some("0855"), "WORKSHOP_NAME belum diatur"),
    ] {
        let (app, fake) = workshop_app(name, phone, true).await;
        let mut due = customer("Ibu Siti", "B 2 A", "081234567890");
        due["next_service"] = json!("2026-01-12");
        let id = app.create(due).await["id"].as_str().unwrap().to_string();
        let vehicle = json!({"name": "Budi", "no_hp": "081234567891",
            "vehicles": [{"nopol": "B 3 A", "model": "Avanza", "last_visit": "2025-09-12"}]});
        let (status, _) = status_of(&app, Method::POST, "/customers", vehicle).await;
        assert_eq!(status, StatusCode::CREATED);
        let sends = [
            (format!("/manual-whatsapp/{id}/send-reminder"), json!({})),
            ("/manual-whatsapp/send-reminders".to_string(), json!({})),
            (
                "/customers/send-maintenance-reminder".to_string(),
                json!({}),
            ),
            (
                "/manual-whatsapp/send-custom-message".to_string(),
                json!({"no_hp": "081234567890", "message": "Halo"}),
            ),
        ];
        for (path, body) in sends {
            let (status, answer) = status_of(&app, Method::POST, &path, body).await;
            assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{path}: {answer}");
            assert_eq!(
                answer,
                json!({"detail": format!("Pengiriman pesan dinonaktifkan: {named} pada deployment \
                    ini. Minta admin mengisinya lalu deploy ulang")}),
                "{path}"
            );
        }
        // The daily run fails (the function's invocation fails and logs the error).
        let deadline = Instant::now() + Duration::from_secs(60);
        let error = app
            .app
            .run(Job::DailyReminders, deadline)
            .await
            .unwrap_err()
            .to_string();
        assert!(error.contains(named), "{error}");

        // Nothing was sent, logged, claimed or counted.
        assert!(fake.received().is_empty());
        let log = app.call(Method::GET, "/messages", None).await;
        assert_eq!(log.body["data"], json!([]), "{}", log.body);
        let record = app
            .call(Method::GET, &format!("/manual-whatsapp/{id}"), None)
            .await;
        assert_eq!(record.body["reminder_sent_count"], 0);
        let report = app.call(Method::GET, "/whatsapp-report/", None).await;
        assert_eq!(report.body, json!([]), "{}", report.body);
        let due_on = chrono::NaiveDate::from_ymd_opt(2026, 1, 12).unwrap();
        let now = app.app.time.instant();
        let claim = app
            .app
            .reminders
            .claim(&bengkel::reminder::claim_key(&id, due_on), now, now)
            .await
            .unwrap();
        assert_eq!(claim, bengkel::reminder::Claim::Won, "no claim was made");
    }
    // With both set, the same deployment sends.
    let (app, fake) = workshop_app(Some("Bengkel Maju"), Some("0855"), true).await;
    reminder_of(&app, customer("Ibu Siti", "B 2 A", "081234567890")).await;
    assert_eq!(fake.received().len(), 1);
}
