//! `bench-import`: a 5,000-row sheet import of records and of the register on the DynamoDB
//! server at `DYNAMODB_ENDPOINT_URL` (moto), then the export of those records. Prints, for the
//! dry run and the real import, DynamoDB calls by operation and wall time; for the export, the
//! file and Lambda answer sizes.
//!
//! Then the largest table each export (records, register, report; xlsx and CSV) answers within
//! one Lambda answer, measured through the export itself: on the embedded store (an answer's
//! size does not depend on the store, and loading 100,000 rows into moto takes hours), grown
//! step by step until the export answers 413. `-- --limits-only` measures only those.
//! Fails only when a step did not do what it was set up to do.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use aws_sdk_dynamodb::error::BoxError;
use bengkel::app::App;
use bengkel::auth::Auth;
use bengkel::config::Config;
use bengkel::files::{MAX_ANSWER_BYTES, answer_bytes};
use bengkel::import::{MAX_SHEET_ROWS, Mode, SheetOptions};
use bengkel::manual::ManualRecord;
use bengkel::manual::api::HasRecords;
use bengkel::manual::store::ManualStore;
use bengkel::register::api::HasRegister;
use bengkel::register::store::RegisterStore;
use bengkel::register::{Customer, Registration, Vehicle};
use bengkel::report::Delivery;
use bengkel::report::api::HasReport;
use bengkel::report::query::ReportQuery;
use bengkel::report::store::ReportStore;
use bengkel::sheet::{Cell, File, Format, Table};
use bengkel::store::dynamo::{DynamoStore, ensure_table};
use bengkel::store::embedded::EmbeddedStore;
use chrono::{DateTime, FixedOffset, NaiveDate, TimeZone};
use infra::meter::Meter;
use uuid::Uuid;

const JWT_SECRET: &[u8] = b"bench-import-secret-of-32-bytes-or-more!";

/// Rows of each sheet: `BENCH_IMPORT_ROWS`, by default the most an import takes. On moto a
/// transaction copies the table once per action, so the real import slows as the table grows:
/// fewer rows give a figure sooner (calls scale with the rows; moto's time grows faster).
fn rows() -> usize {
    std::env::var("BENCH_IMPORT_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|n| (1..=MAX_SHEET_ROWS).contains(n))
        .unwrap_or(MAX_SHEET_ROWS)
}

/// A sheet of `rows` customers as a workshop keeps them: names, plates, phones, two dates, notes.
fn sheet(rows: usize) -> Table {
    let day = |d: u64| NaiveDate::from_ymd_opt(2026, 1, 1).unwrap() + chrono::Days::new(d);
    Table {
        name: "Pelanggan",
        headers: vec![
            "Nama",
            "No Pol",
            "No HP",
            "Last Service",
            "Next Service",
            "Notes",
        ],
        rows: (0..rows)
            .map(|i| {
                vec![
                    Cell::Text(format!("Pelanggan Nomor {i}")),
                    Cell::Text(format!(
                        "B {} {}",
                        i % 9999 + 1,
                        ["AB", "CD", "EF"][i / 9999]
                    )),
                    Cell::Number(812_0000_0000.0 + i as f64),
                    Cell::Date(day(i as u64 % 180)),
                    Cell::Date(day(i as u64 % 180 + 120)),
                    Cell::Text("Servis rutin, ganti oli".into()),
                ]
            })
            .collect(),
    }
}

/// A register sheet of `rows` customers, a vehicle each.
fn register_sheet(rows: usize) -> Table {
    Table {
        name: "Customers",
        headers: vec!["Nama", "No HP", "No Pol", "Model", "Last Visit"],
        rows: (0..rows)
            .map(|i| {
                vec![
                    Cell::Text(format!("Pelanggan Nomor {i}")),
                    Cell::Number(813_0000_0000.0 + i as f64),
                    Cell::Text(format!("D {} XY", i + 1)),
                    Cell::Text("Avanza".into()),
                    Cell::Date(NaiveDate::from_ymd_opt(2025, 12, 1).unwrap()),
                ]
            })
            .collect(),
    }
}

async fn bench(endpoint: &str) -> Result<Vec<String>, BoxError> {
    let meter = Meter::default();
    let client = infra::meter::client(endpoint, meter.clone());
    let table = format!("bench-import-{}", Uuid::new_v4().simple());
    ensure_table(&client, &table).await?;
    let store = Arc::new(DynamoStore::new(client, table));
    let config = Config::default();
    let auth = Auth::new(JWT_SECRET, &config)?;
    let app = App::new(config, auth, store)?;
    let mut problems = Vec::new();

    let rows = rows();
    let file = File::of(&sheet(rows), Format::Xlsx, "bench".into())?;
    println!("sheet: {rows} rows, xlsx {} bytes", file.bytes.len());
    let register = File::of(&register_sheet(rows), Format::Xlsx, "bench".into())?;
    for (what, bytes) in [("records", &file.bytes), ("register", &register.bytes)] {
        for dry_run in [true, false] {
            let params = SheetOptions {
                mode: if dry_run { Mode::DryRun } else { Mode::Write },
                sheet: None,
            };
            meter.take();
            let started = Instant::now();
            let (imported, failed) = if what == "records" {
                let answer = app.records().import(Format::Xlsx, bytes, &params).await?;
                (answer.data.imported, answer.data.failed)
            } else {
                let answer = app
                    .register_service()
                    .import(Format::Xlsx, bytes, &params)
                    .await?;
                (answer.data.imported, answer.data.failed)
            };
            let took = started.elapsed();
            let tally = meter.take();
            println!(
                "{what} import dry_run={dry_run}: {imported} imported, {failed} failed; {} DynamoDB \
                 calls [{}]; {:.1} s",
                tally.total_calls(),
                tally.calls_line(),
                took.as_secs_f64()
            );
            if imported != rows {
                problems.push(format!("{what} dry_run={dry_run} imported {imported}"));
            }
        }
    }

    for format in [Format::Xlsx, Format::Csv] {
        meter.take();
        let started = Instant::now();
        let export = app.records().export(format).await?;
        let took = started.elapsed();
        let tally = meter.take();
        let answer = answer_bytes(&export);
        let per_row = answer as f64 / rows as f64;
        println!(
            "export {}: {rows} records, file {} bytes, Lambda answer {answer} bytes \
             ({per_row:.0} per record): about {} records fit in {MAX_ANSWER_BYTES} bytes; \
             {} DynamoDB calls; {:.1} s",
            format.extension(),
            export.bytes.len(),
            (MAX_ANSWER_BYTES as f64 / per_row) as usize,
            tally.total_calls(),
            took.as_secs_f64()
        );
    }
    Ok(problems)
}

#[tokio::main]
async fn main() -> ExitCode {
    let limits_only = std::env::args().any(|a| a == "--limits-only");
    let mut problems = Vec::new();
    if !limits_only {
        let Ok(endpoint) = std::env::var("DYNAMODB_ENDPOINT_URL") else {
            eprintln!(
                "bench-import: set DYNAMODB_ENDPOINT_URL (e.g. moto_server on http://127.0.0.1:5055)"
            );
            return ExitCode::from(2);
        };
        println!("bench-import against {endpoint}");
        match bench(&endpoint).await {
            Ok(found) => problems.extend(found),
            Err(err) => problems.push(err.to_string()),
        }
    }
    match export_limits().await {
        Ok(found) => problems.extend(found),
        Err(err) => problems.push(err.to_string()),
    }
    if problems.is_empty() {
        return ExitCode::SUCCESS;
    }
    problems.iter().for_each(|p| eprintln!("bench-import: {p}"));
    ExitCode::FAILURE
}

// ---- the largest export ---------------------------------------------------------------------

/// What an export exports.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Export {
    Records,
    /// A customer per vehicle, as the register sheet holds them.
    Register,
    Report,
}

impl Export {
    fn name(self) -> &'static str {
        match self {
            Export::Records => "records",
            Export::Register => "register",
            Export::Report => "report",
        }
    }

    /// Adds rows `from..to` to the store: records, customers of one vehicle, or report rows
    /// (a delivery each), with field lengths as a workshop's sheet has them.
    async fn grow(self, store: &EmbeddedStore, from: usize, to: usize) -> Result<(), BoxError> {
        const BATCH: usize = 5_000;
        for start in (from..to).step_by(BATCH) {
            let rows = start..to.min(start + BATCH);
            match self {
                Export::Records => {
                    let records: Vec<ManualRecord> = rows.map(limit_record).collect();
                    store.insert_many(&records).await?;
                }
                Export::Register => {
                    let registrations: Vec<Registration> = rows.map(limit_customer).collect();
                    store.insert_registrations(&registrations).await?;
                }
                Export::Report => {
                    for n in rows {
                        store.record_delivery(&limit_delivery(n), None).await?;
                    }
                }
            }
        }
        Ok(())
    }

    async fn export(self, app: &App, format: Format) -> Result<File, BoxError> {
        Ok(match self {
            Export::Records => app.records().export(format).await?,
            Export::Register => app.register_service().export(format).await?,
            Export::Report => app.report().export(format, &ReportQuery::default()).await?,
        })
    }
}

/// A moment in the workshop's zone, `n` minutes into 2026.
fn limit_instant(n: usize) -> DateTime<FixedOffset> {
    let base = FixedOffset::east_opt(7 * 3600)
        .and_then(|tz| tz.with_ymd_and_hms(2026, 1, 1, 8, 0, 0).single())
        .expect("valid instant");
    base + chrono::Duration::minutes(n as i64)
}

/// A distinct plate per `n`, of a typical length: `B 1234 ABC`.
fn limit_plate(n: usize) -> String {
    let letters: String = (0..3)
        .map(|i| (b'A' + (n / 9_999 / 26usize.pow(i) % 26) as u8) as char)
        .collect();
    format!("B {} {letters}", n % 9_999 + 1)
}

fn limit_phone(n: usize) -> String {
    format!("62812{:08}", n)
}

fn limit_record(n: usize) -> ManualRecord {
    let at = limit_instant(n);
    let day = |d: usize| NaiveDate::from_ymd_opt(2026, 1, 1).unwrap() + chrono::Days::new(d as u64);
    ManualRecord {
        id: Uuid::new_v4().to_string(),
        customer_name: format!("Pelanggan Nomor {n}"),
        nopol: limit_plate(n),
        no_hp: limit_phone(n),
        last_service: Some(day(n % 180)),
        next_service: Some(day(n % 180 + 120)),
        is_active: 1,
        reminder_sent_count: (n % 7) as u32,
        last_reminder_sent: (!n.is_multiple_of(7)).then_some(at),
        notes: Some("Servis rutin, ganti oli".into()),
        created_at: at,
        updated_at: at,
        version: 1,
    }
}

fn limit_customer(n: usize) -> Registration {
    let at = limit_instant(n);
    let customer = Customer {
        id: Uuid::new_v4().to_string(),
        name: format!("Pelanggan Nomor {n}"),
        no_hp: limit_phone(n),
        created_at: at,
        updated_at: at,
        version: 1,
    };
    let vehicle = Vehicle {
        id: Uuid::new_v4().to_string(),
        id_customer: customer.id.clone(),
        nopol: limit_plate(n),
        model: "Toyota Avanza".into(),
        last_visit: NaiveDate::from_ymd_opt(2025, 12, 1),
        kind: Default::default(),
        service_interval_km: None,
        service_interval_months: None,
        odometer_km: None,
        odometer_date: None,
        service_odometer_km: None,
        measured_km_per_day: None,
        due_on: None,
        created_at: at,
        updated_at: at,
        version: 1,
    };
    Registration {
        customer,
        vehicles: vec![vehicle],
        visits: Vec::new(),
    }
}

fn limit_delivery(n: usize) -> Delivery {
    Delivery {
        message_id: None,
        id_customer: Uuid::new_v4().to_string(),
        id_vehicle: Uuid::new_v4().to_string(),
        customer_name: format!("Pelanggan Nomor {n}"),
        customer_phone: limit_phone(n),
        vehicle_model: "Toyota Avanza".into(),
        vehicle_nopol: limit_plate(n),
        at: limit_instant(n),
    }
}

/// Rows the first export is measured at, to estimate the size of a row.
const PROBE_ROWS: usize = 5_000;
/// How far past the largest table answered the refused one is grown, of its rows.
const BRACKET: f64 = 0.005;

/// The three exports side by side (the machine's cores), each in xlsx and then CSV.
async fn export_limits() -> Result<Vec<String>, BoxError> {
    let exports = [Export::Records, Export::Register, Export::Report].map(|export| {
        tokio::spawn(async move {
            let mut problems = Vec::new();
            for format in [Format::Xlsx, Format::Csv] {
                if let Err(err) = export_limit(export, format).await {
                    problems.push(format!("{} {}: {err}", export.name(), format.extension()));
                }
            }
            problems
        })
    });
    let mut problems = Vec::new();
    for export in exports {
        problems.extend(export.await?);
    }
    Ok(problems)
}

/// The largest table `export` answers in `format` within one Lambda answer: a table grown to
/// what a probe of 5,000 rows suggests, then to what the two sizes measured suggest (a row's
/// size changes as the table grows), then half a percent further, exporting each time; prints
/// the largest answered and the smallest refused (413).
async fn export_limit(export: Export, format: Format) -> Result<(), BoxError> {
    // In memory where the machine has it: loading commits a transaction per report row.
    let shm = std::path::Path::new("/dev/shm");
    let dir = if shm.is_dir() {
        tempfile::tempdir_in(shm)?
    } else {
        tempfile::tempdir()?
    };
    let store = Arc::new(EmbeddedStore::open(&dir.path().join("limits.redb"))?);
    let config = Config::default();
    let auth = Auth::new(JWT_SECRET, &config)?;
    let app = App::new(config, auth, store.clone())?;
    let mut measured: Vec<(usize, usize)> = vec![(0, 0)];
    let mut rows = 0;
    let (mut fits, mut refused) = (None, None);
    let mut next = PROBE_ROWS;
    while refused.is_none() {
        export.grow(&store, rows, next).await?;
        rows = next;
        let started = Instant::now();
        let file = export.export(&app, format).await?;
        let took = started.elapsed();
        let size = answer_bytes(&file);
        let answered = bengkel::files::download(file, export.name()).is_ok();
        println!(
            "  {} {}: {rows} rows, Lambda answer {size} bytes, {} ({:.1} s)",
            export.name(),
            format.extension(),
            if answered { "answered" } else { "413" },
            took.as_secs_f64()
        );
        if !answered {
            refused = Some((rows, size));
            break;
        }
        fits = Some((rows, size));
        let (before, before_size) = measured[measured.len() - 1];
        measured.push((rows, size));
        let per_row = (size - before_size) as f64 / (rows - before) as f64;
        let room = (MAX_ANSWER_BYTES - size) as f64 / per_row;
        let margin = (rows as f64 * BRACKET).ceil();
        // Just under the limit while far from it; then past it by the margin.
        let step = if room > 2.0 * margin {
            room - margin
        } else {
            margin
        };
        next = rows + step as usize;
        if measured.len() > 6 {
            return Err("no 413 after five steps".into());
        }
    }
    let ((fit, fit_size), (over, over_size)) = (
        fits.ok_or("not even the probe fits")?,
        refused.unwrap_or_default(),
    );
    println!(
        "export limit {} {}: {fit} rows answered ({fit_size} bytes), {over} rows refused with \
         413 ({over_size} bytes; the limit is {MAX_ANSWER_BYTES})",
        export.name(),
        format.extension()
    );
    Ok(())
}
