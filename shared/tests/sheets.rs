//! Spreadsheet imports and exports through the router, on both stores: the fixture files of
//! `tests/fixtures/` (written by openpyxl, as Excel holds cells), dry runs and real imports
//! with their per-row results, refused files, and exports that re-import unchanged.

use crate::common;

use axum::http::{Method, StatusCode};
use bengkel::config::Config;
use bengkel::sheet::{self, Cell, Format};
use common::{Backend, FileReply, TestApp, customer};
use serde_json::{Value, json};

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
const CSV: &str = "text/csv";

fn fixture(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

async fn upload(app: &TestApp, path: &str, content_type: &str, file: Vec<u8>) -> FileReply {
    app.send_file(Method::POST, path, content_type, file).await
}

/// The answer of an import that went through, asserted 200.
async fn imported(app: &TestApp, path: &str, content_type: &str, file: Vec<u8>) -> Value {
    let reply = upload(app, path, content_type, file).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.json());
    reply.json()
}

/// Each failure as (row, index, error).
fn failures(answer: &Value) -> Vec<(u64, u64, String)> {
    answer["data"]["failures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["row"].as_u64().unwrap(),
                f["index"].as_u64().unwrap(),
                f["error"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// The per-row outcome of `pelanggan.xlsx` when `D 9 ZZ` is registered already.
fn assert_records_sheet_outcome(answer: &Value) {
    assert_eq!(answer["data"]["total"], 6, "{answer}");
    assert_eq!(answer["data"]["imported"], 2, "{answer}");
    assert_eq!(answer["data"]["failed"], 4, "{answer}");
    let date_reason = "Tanggal tidak valid; gunakan sel tanggal, YYYY-MM-DD atau DD/MM/YYYY";
    assert_eq!(
        failures(answer),
        [
            (
                5,
                2,
                "Baris 5, kolom No Pol ('D 9 ZZ'): Nopol D 9 ZZ sudah terdaftar".into()
            ),
            (
                6,
                3,
                "Baris 6, kolom No Pol ('b1234xyz'): Nopol B 1234 XYZ muncul lebih dari sekali \
                 dalam import ini (pertama di baris 2)"
                    .into()
            ),
            (
                7,
                4,
                "Baris 7, kolom No HP ('0212345678'): Nomor HP tidak valid: '0212345678'. Gunakan \
                 nomor seluler Indonesia, misalnya 08123456789 atau 628123456789"
                    .into()
            ),
            (
                8,
                5,
                format!(
                    "Baris 8, kolom Last Service ('31/02/2026'): {date_reason}; Baris 8, kolom \
                     Nama: Wajib diisi"
                )
            ),
        ]
    );
    let row8 = &answer["data"]["failures"][3];
    assert_eq!(
        row8["problems"],
        json!([
            {"row": 8, "column": "Last Service", "value": "31/02/2026", "reason": date_reason},
            {"row": 8, "column": "Nama", "value": "", "reason": "Wajib diisi"},
        ])
    );
    assert_eq!(row8["nopol"], "G 2 B");
    assert_eq!(answer["data"]["failures"][1]["nopol"], "B 1234 XYZ");
}

async fn records_xlsx_dry_run_then_import(backend: Backend) {
    let app = TestApp::on(backend, Config::default()).await;
    app.create(customer("Lama", "D 9 ZZ", "081200001111")).await;

    // No dry_run parameter: a dry run, which writes nothing.
    let dry = imported(
        &app,
        "/manual-whatsapp/import",
        XLSX,
        fixture("pelanggan.xlsx"),
    )
    .await;
    assert_eq!(dry["dry_run"], true);
    assert_eq!(dry["success"], true);
    assert_eq!(
        dry["message"],
        "Simulasi import (tidak ada yang disimpan): 2 dapat diimport, 4 gagal"
    );
    assert_records_sheet_outcome(&dry);
    assert_eq!(
        common::records_of(&app).await.len(),
        1,
        "a dry run writes nothing"
    );

    let real = imported(
        &app,
        "/manual-whatsapp/import?dry_run=false",
        XLSX,
        fixture("pelanggan.xlsx"),
    )
    .await;
    assert_eq!(real["dry_run"], false);
    assert_eq!(real["message"], "Import selesai. 2 berhasil, 4 gagal");
    assert_records_sheet_outcome(&real);
    assert_eq!(
        common::imported_fields(&common::records_of(&app).await),
        [
            json!([
                "Bapak Joko",
                "B 1234 XYZ",
                "628123456789",
                "2025-10-15",
                "2026-01-15",
                "Customer VIP"
            ]),
            json!([
                "Ibu Siti",
                "B 5678 ABC",
                "628123456780",
                "2025-10-15",
                "2026-02-15",
                null
            ]),
            json!(["Lama", "D 9 ZZ", "6281200001111", null, null, null]),
        ]
    );
}

async fn records_csv_with_semicolons_a_bom_and_quotes(backend: Backend) {
    let app = TestApp::on(backend, Config::default()).await;
    let file = fixture("pelanggan-titik-koma.csv");
    let dry = imported(
        &app,
        "/manual-whatsapp/import?dry_run=true",
        CSV,
        file.clone(),
    )
    .await;
    let real = imported(&app, "/manual-whatsapp/import?dry_run=0", CSV, file).await;
    for answer in [&dry, &real] {
        assert_eq!(answer["data"]["total"], 4, "the empty row is skipped");
        assert_eq!(answer["data"]["imported"], 2);
        let rows: Vec<u64> = failures(answer).iter().map(|f| f.0).collect();
        assert_eq!(rows, [5, 6]);
        assert!(failures(answer)[0].2.contains("(pertama di baris 4)"));
    }
    assert_eq!(
        common::imported_fields(&common::records_of(&app).await),
        [
            json!([
                "Joko; Bapak",
                "B 1234 XYZ",
                "628123456789",
                "2025-10-15",
                "2026-01-15",
                "Kata \"VIP\""
            ]),
            json!(["Siti", "B 5678 ABC", "628123456780", null, null, null]),
        ]
    );
}

async fn records_csv_with_the_api_field_names(backend: Backend) {
    let app = TestApp::on(backend, Config::default()).await;
    let answer = imported(
        &app,
        "/manual-whatsapp/import?dry_run=false",
        "text/csv; charset=utf-8",
        fixture("pelanggan-koma.csv"),
    )
    .await;
    assert_eq!(answer["data"]["imported"], 1, "{answer}");
    assert_eq!(
        common::imported_fields(&common::records_of(&app).await),
        [json!([
            "Budi, S.",
            "D 9 ZZ",
            "628123456789",
            "2025-11-01",
            "2026-03-01",
            null
        ])]
    );
}

async fn register_xlsx_groups_rows_by_phone(backend: Backend) {
    let app = TestApp::on(backend, Config::default()).await;
    let taken = json!({"name": "Lama", "no_hp": "0811000000",
                       "vehicles": [{"nopol": "B 5678 EF", "model": "Supra"}]});
    let reply = app.call(Method::POST, "/customers/", Some(taken)).await;
    assert_eq!(reply.status, StatusCode::CREATED);

    let file = fixture("customers.xlsx");
    let dry = imported(&app, "/customers/import", XLSX, file.clone()).await;
    let real = imported(&app, "/customers/import?dry_run=false", XLSX, file).await;
    for answer in [&dry, &real] {
        assert_eq!(
            answer["data"]["total"], 4,
            "customers: rows 2-3, 4, 6, 7; {answer}"
        );
        assert_eq!(answer["data"]["imported"], 1, "{answer}");
        assert_eq!(
            failures(answer),
            [
                (
                    2,
                    0,
                    "Baris 3, kolom No Pol ('B 5678 EF'): Nopol B 5678 EF sudah terdaftar".into()
                ),
                (
                    4,
                    1,
                    "Baris 4, kolom No Pol ('b1234cd'): Nopol B 1234 CD muncul lebih dari sekali \
                     dalam import ini (pertama di baris 2)"
                        .into()
                ),
                (
                    7,
                    3,
                    "Baris 7, kolom no hp ('12345'): Nomor HP tidak valid: '12345'. Gunakan nomor \
                     seluler Indonesia, misalnya 08123456789 atau 628123456789"
                        .into()
                ),
            ]
        );
        assert_eq!(answer["data"]["failures"][0]["name"], "Budi Santoso");
        assert_eq!(answer["data"]["failures"][0]["no_hp"], "6281234567890");
    }
    let list = app.call(Method::GET, "/customers/", None).await;
    let names: Vec<&str> = list.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
    assert!(names.contains(&"Citra") && names.contains(&"Lama"));
}

async fn refused_files_change_nothing(backend: Backend) {
    let app = TestApp::on(backend, Config::default()).await;
    let detail = |reply: &FileReply| reply.json()["detail"].as_str().unwrap_or("").to_string();
    let path = "/manual-whatsapp/import?dry_run=false";

    let reply = upload(&app, path, "application/json", b"[]".to_vec()).await;
    assert_eq!(reply.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert!(
        detail(&reply).contains("tidak didukung"),
        "{}",
        detail(&reply)
    );

    let reply = upload(&app, path, CSV, fixture("pelanggan-latin1.csv")).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        detail(&reply).contains("UTF-8 (baris 2)"),
        "{}",
        detail(&reply)
    );

    let reply = upload(&app, path, XLSX, b"PK\x03\x04 not really a zip".to_vec()).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        detail(&reply).starts_with("Berkas bukan file Excel"),
        "{}",
        detail(&reply)
    );

    let reply = upload(&app, path, CSV, b"Nama;Telepon\nBudi;0812\n".to_vec()).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        detail(&reply),
        "Kolom wajib tidak ditemukan: No Pol / nopol / Nomor Polisi, No HP / no_hp / Nomor HP. \
         Judul kolom di baris 1: Nama, Telepon"
    );

    let reply = upload(&app, path, CSV, b"\r\n;;\r\n".to_vec()).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(detail(&reply).contains("tidak ada baris judul"));

    let reply = upload(
        &app,
        &format!("{path}&sheet=Gudang"),
        XLSX,
        fixture("pelanggan.xlsx"),
    )
    .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        detail(&reply),
        "Sheet 'Gudang' tidak ada; sheet dalam berkas: Pelanggan, Cabang"
    );

    let mut many = String::from("Nama,No Pol,No HP\n");
    for i in 0..5001 {
        many.push_str(&format!("P{i},B {} A,0812345678\n", i + 1));
    }
    let reply = upload(&app, path, CSV, many.into_bytes()).await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(
        detail(&reply),
        "Maksimal 5000 baris data per import; berkas berisi lebih banyak"
    );

    let reply = upload(&app, path, CSV, vec![b'x'; 4 * 1024 * 1024 + 100 * 1024]).await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(
        detail(&reply),
        "Berkas terlalu besar: maksimal 4 MiB (4194304 byte)"
    );

    let reply = upload(&app, "/customers/import", "text/plain", b"x".to_vec()).await;
    assert_eq!(reply.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert!(
        common::records_of(&app).await.is_empty(),
        "nothing was written"
    );
}

async fn another_sheet_and_a_form_upload(backend: Backend) {
    let app = TestApp::on(backend, Config::default()).await;
    let answer = imported(
        &app,
        "/manual-whatsapp/import?dry_run=false&sheet=cabang",
        XLSX,
        fixture("pelanggan.xlsx"),
    )
    .await;
    assert_eq!(answer["data"]["imported"], 1, "{answer}");
    assert_eq!(common::records_of(&app).await[0]["nopol"], "H 1 C");

    // What a browser form sends: multipart with the file's own type and name.
    let boundary = "----bengkel";
    let mut form = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhalo\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; \
         filename=\"pelanggan.csv\"\r\nContent-Type: application/vnd.ms-excel\r\n\r\n"
    )
    .into_bytes();
    form.extend(fixture("pelanggan-koma.csv"));
    form.extend(format!("\r\n--{boundary}--\r\n").into_bytes());
    let content_type = format!("multipart/form-data; boundary={boundary}");
    let answer = imported(
        &app,
        "/manual-whatsapp/import?dry_run=false",
        &content_type,
        form,
    )
    .await;
    assert_eq!(answer["data"]["imported"], 1, "{answer}");
    assert_eq!(common::records_of(&app).await.len(), 2);
}

async fn download(app: &TestApp, path: &str) -> FileReply {
    let reply = app
        .send_file(Method::GET, path, "application/json", Vec::new())
        .await;
    assert_eq!(
        reply.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&reply.bytes)
    );
    reply
}

async fn records_export_and_reimport(backend: Backend) {
    let source = TestApp::on(backend, Config::default()).await;
    let file = fixture("pelanggan.xlsx");
    imported(&source, "/manual-whatsapp/import?dry_run=false", XLSX, file).await;
    let expected = common::imported_fields(&common::records_of(&source).await);
    assert_eq!(expected.len(), 3);

    for (format, content_type) in [("xlsx", XLSX), ("csv", "text/csv; charset=utf-8")] {
        let reply = download(&source, &format!("/manual-whatsapp/export?format={format}")).await;
        assert_eq!(reply.header("content-type"), content_type);
        assert_eq!(
            reply.header("content-disposition"),
            format!("attachment; filename=\"manual-whatsapp-2026-01-10.{format}\"")
        );
        let sheet = sheet::read(
            if format == "xlsx" {
                Format::Xlsx
            } else {
                Format::Csv
            },
            &reply.bytes,
            None,
        )
        .unwrap();
        let header: Vec<String> = sheet.header.cells.iter().map(Cell::text).collect();
        assert_eq!(
            header[..6],
            [
                "Nama",
                "No Pol",
                "No HP",
                "Last Service",
                "Next Service",
                "Notes"
            ]
        );
        if format == "xlsx" {
            let joko = sheet
                .rows
                .iter()
                .find(|r| r.cell(0).text() == "Bapak Joko")
                .unwrap();
            assert_eq!(
                joko.cell(2),
                &Cell::Text("628123456789".into()),
                "phone as text"
            );
            assert!(matches!(joko.cell(4), Cell::Date(_)), "a real date cell");
        }
        let target = TestApp::on(backend, Config::default()).await;
        let answer = imported(
            &target,
            "/manual-whatsapp/import?dry_run=false",
            content_type,
            reply.bytes,
        )
        .await;
        assert_eq!(answer["data"]["failed"], 0, "{answer}");
        assert_eq!(
            common::imported_fields(&common::records_of(&target).await),
            expected,
            "{format}"
        );
    }
}

async fn register_export_and_reimport(backend: Backend) {
    let source = TestApp::on(backend, Config::default()).await;
    imported(
        &source,
        "/customers/import?dry_run=false",
        XLSX,
        fixture("customers.xlsx"),
    )
    .await;
    let expected = common::register_of(&source).await;
    assert_eq!(
        expected,
        [
            json!([
                "Budi Santoso",
                "6281234567890",
                [
                    ["B 1234 CD", "Avanza", "2025-09-12"],
                    ["B 5678 EF", "Beat", "2025-08-31"]
                ]
            ]),
            json!(["Citra", "62813222233", []]),
        ]
    );
    for format in ["xlsx", "csv"] {
        let reply = download(&source, &format!("/customers/export?format={format}")).await;
        assert_eq!(
            reply.header("content-disposition"),
            format!("attachment; filename=\"customers-2026-01-10.{format}\"")
        );
        let target = TestApp::on(backend, Config::default()).await;
        let content_type = reply.header("content-type").to_string();
        let answer = imported(
            &target,
            "/customers/import?dry_run=false",
            &content_type,
            reply.bytes,
        )
        .await;
        assert_eq!(answer["data"]["failed"], 0, "{answer}");
        assert_eq!(common::register_of(&target).await, expected, "{format}");
    }
}

async fn report_export_has_the_detail_rows(backend: Backend) {
    let app = TestApp::on(backend, Config::default()).await;
    let reply = download(&app, "/whatsapp-report/export").await;
    let empty = sheet::read(Format::Xlsx, &reply.bytes, None).unwrap();
    assert!(empty.rows.is_empty());
    let delivery = bengkel::report::Delivery {
        message_id: None,
        id_customer: uuid::Uuid::new_v4().to_string(),
        id_vehicle: uuid::Uuid::new_v4().to_string(),
        customer_name: "Budi".into(),
        customer_phone: "6281234567890".into(),
        vehicle_model: "Avanza".into(),
        vehicle_nopol: "B 1234 CD".into(),
        at: chrono::DateTime::parse_from_rfc3339("2026-01-09T09:00:00+07:00").unwrap(),
    };
    for _ in 0..2 {
        app.app
            .reports
            .record_delivery(&delivery, None)
            .await
            .unwrap();
    }
    for format in [Format::Xlsx, Format::Csv] {
        let path = format!("/whatsapp-report/export?format={}", format.extension());
        let reply = download(&app, &path).await;
        let sheet = sheet::read(format, &reply.bytes, None).unwrap();
        let header: Vec<String> = sheet.header.cells.iter().map(Cell::text).collect();
        assert_eq!(
            header,
            [
                "Nama",
                "No HP",
                "Model",
                "No Pol",
                "Jumlah Pesan",
                "Pesan Terakhir",
                "Dibuat",
                "Diperbarui"
            ]
        );
        let row: Vec<String> = sheet.rows[0].cells.iter().map(Cell::text).collect();
        assert_eq!(
            row[..6],
            [
                "Budi",
                "6281234567890",
                "Avanza",
                "B 1234 CD",
                "2",
                "2026-01-09 09:00:00"
            ],
            "{format:?}"
        );
    }
    let reply = app
        .send_file(
            Method::GET,
            "/whatsapp-report/export?format=pdf",
            "application/json",
            Vec::new(),
        )
        .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(reply.json()["detail"][0]["loc"], json!(["query", "format"]));
}

/// 5,000 rows in a 2.6 MB file: over the JSON body limit (2 MiB), within the upload's.
#[tokio::test]
async fn the_largest_sheet_is_read_whole() {
    let app = TestApp::new();
    let notes = "catatan ".repeat(60);
    let mut file = String::from("Nama,No Pol,No HP,Notes\n");
    for i in 0..5000 {
        file.push_str(&format!("Pelanggan {i},B {} A,0812345678,{notes}\n", i + 1));
    }
    assert!(file.len() > bengkel::routes::MAX_BODY_BYTES);
    let answer = imported(&app, "/manual-whatsapp/import", CSV, file.into_bytes()).await;
    assert_eq!(answer["data"]["total"], 5000);
    assert_eq!(
        answer["data"]["imported"], 5000,
        "{}",
        answer["data"]["failures"][0]
    );
}

/// A workbook of one sheet whose worksheet part is `sheet` and, when given, whose shared
/// strings part is `strings`: the parts an attacker crafts.
fn crafted_xlsx(sheet: &str, strings: Option<&str>) -> Vec<u8> {
    use std::io::Write;
    let rels = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
    let package = "http://schemas.openxmlformats.org/package/2006/relationships";
    let mut parts = vec![
        (
            "_rels/.rels".to_string(),
            format!(
                r#"<Relationships xmlns="{package}"><Relationship Id="r1" Type="{rels}/officeDocument" Target="xl/workbook.xml"/></Relationships>"#
            ),
        ),
        (
            "xl/workbook.xml".into(),
            format!(
                r#"<workbook xmlns:r="{rels}"><sheets><sheet name="Data" sheetId="1" r:id="r1"/></sheets></workbook>"#
            ),
        ),
        (
            "xl/_rels/workbook.xml.rels".into(),
            format!(
                r#"<Relationships xmlns="{package}"><Relationship Id="r1" Type="{rels}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#
            ),
        ),
        (
            "xl/worksheets/sheet1.xml".into(),
            format!("<worksheet><sheetData>{sheet}</sheetData></worksheet>"),
        ),
    ];
    if let Some(strings) = strings {
        parts.push(("xl/sharedStrings.xml".into(), strings.to_string()));
    }
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, text) in parts {
        zip.start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        zip.write_all(text.as_bytes()).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

/// Files built to make a reader allocate without bound (tests/hostile/make_corpus.py makes
/// the large ones for the hostile tier): each is refused with the limit it passes, on both
/// imports, dry run or not, and nothing is written.
async fn hostile_files_are_refused_and_change_nothing(backend: Backend) {
    let app = TestApp::on(backend, Config::default()).await;
    imported(
        &app,
        "/manual-whatsapp/import?dry_run=false",
        XLSX,
        fixture("pelanggan.xlsx"),
    )
    .await;
    imported(
        &app,
        "/customers/import?dry_run=false",
        XLSX,
        fixture("customers.xlsx"),
    )
    .await;
    let (records_before, register_before) = (
        common::records_of(&app).await,
        common::register_of(&app).await,
    );
    let header = r#"<row r="1"><c r="A1" t="inlineStr"><is><t>Nama</t></is></c></row>"#;
    let declared = |count: &str| format!(r#"<sst count="{count}" uniqueCount="{count}"></sst>"#);
    let deep = format!("{}{}", "<x>".repeat(100_000), "</x>".repeat(100_000));
    let far = format!(
        r#"{header}<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>"#
    );
    let wide = format!("Nama,{}\n", "a,".repeat(1_000_000));
    let long = format!(
        "Nama,No Pol,No HP\n{},B 1 A,0812345678\n",
        "x".repeat(40_000)
    );
    let files: Vec<(&str, &str, Vec<u8>, StatusCode, &str)> = vec![
        (
            "3e17 shared strings",
            XLSX,
            crafted_xlsx(header, Some(&declared("300000000000000000"))),
            StatusCode::PAYLOAD_TOO_LARGE,
            "Berkas Excel terlalu besar: maksimal 320064 teks berbeda (sharedStrings)",
        ),
        (
            "2^60 shared strings",
            XLSX,
            crafted_xlsx(header, Some(&declared("1152921504606846976"))),
            StatusCode::PAYLOAD_TOO_LARGE,
            "Berkas Excel terlalu besar: maksimal 320064 teks berbeda (sharedStrings)",
        ),
        (
            "a cell at XFD1048576",
            XLSX,
            crafted_xlsx(&far, None),
            StatusCode::PAYLOAD_TOO_LARGE,
            "Maksimal 64 kolom per baris; baris 1048576 berisi lebih banyak",
        ),
        (
            "XML 100,000 deep",
            XLSX,
            crafted_xlsx(&deep, None),
            StatusCode::UNPROCESSABLE_ENTITY,
            "Berkas Excel rusak: XML bersarang lebih dari 64 tingkat",
        ),
        (
            "a column past XFD",
            XLSX,
            crafted_xlsx(r#"<row><c r="AAAAAAAAAAAAAAAAA1"/></row>"#, None),
            StatusCode::UNPROCESSABLE_ENTITY,
            "Berkas Excel rusak: referensi sel 'AAAAAAAAAAAAAAAAA1' tidak valid",
        ),
        (
            "a million columns",
            CSV,
            wide.into_bytes(),
            StatusCode::PAYLOAD_TOO_LARGE,
            "Maksimal 64 kolom per baris; baris 1 berisi lebih banyak",
        ),
        (
            "a 40,000-byte field",
            CSV,
            long.into_bytes(),
            StatusCode::PAYLOAD_TOO_LARGE,
            "Isi sel di baris 2 terlalu panjang: maksimal 32768 byte",
        ),
    ];
    for (what, content_type, file, status, detail) in files {
        for route in ["/manual-whatsapp/import", "/customers/import"] {
            for query in ["", "?dry_run=false"] {
                let reply =
                    upload(&app, &format!("{route}{query}"), content_type, file.clone()).await;
                assert_eq!(
                    reply.status,
                    status,
                    "{what} to {route}{query}: {}",
                    reply.json()
                );
                assert_eq!(
                    reply.json(),
                    json!({ "detail": detail }),
                    "{what} to {route}{query}"
                );
            }
        }
    }
    assert_eq!(
        common::records_of(&app).await,
        records_before,
        "no record was written"
    );
    assert_eq!(
        common::register_of(&app).await,
        register_before,
        "no customer was written"
    );
}

on_both_stores!(
    hostile_files_are_refused_and_change_nothing,
    records_xlsx_dry_run_then_import,
    records_csv_with_semicolons_a_bom_and_quotes,
    records_csv_with_the_api_field_names,
    register_xlsx_groups_rows_by_phone,
    refused_files_change_nothing,
    another_sheet_and_a_form_upload,
    records_export_and_reimport,
    register_export_and_reimport,
    report_export_has_the_detail_rows,
);
