//! `bench-import`: a 5,000-row sheet import on the DynamoDB server at `DYNAMODB_ENDPOINT_URL`
//! (moto), then the export of those records. Prints, for the dry run and the real import,
//! DynamoDB calls by operation and wall time; for the export, the file and Lambda answer sizes
//! and the largest records table that fits one Lambda answer, in xlsx and in CSV.
//! Fails only when a step did not do what it was set up to do.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use aws_sdk_dynamodb::error::BoxError;
use bengkel::App;
use bengkel::auth::Auth;
use bengkel::config::Config;
use bengkel::files::{MAX_ANSWER_BYTES, answer_bytes};
use bengkel::import::{MAX_SHEET_ROWS, Mode, SheetOptions};
use bengkel::sheet::{Cell, File, Format, Table};
use bengkel::store::dynamo::{DynamoStore, ensure_table};
use chrono::NaiveDate;
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
                let answer =
                    bengkel::manual::sheet::import(&app, Format::Xlsx, bytes, &params).await?;
                (answer.data.imported, answer.data.failed)
            } else {
                let answer =
                    bengkel::register::sheet::import(&app, Format::Xlsx, bytes, &params).await?;
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
        let export = bengkel::manual::sheet::export(&app, format).await?;
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
    let Ok(endpoint) = std::env::var("DYNAMODB_ENDPOINT_URL") else {
        eprintln!(
            "bench-import: set DYNAMODB_ENDPOINT_URL (e.g. moto_server on http://127.0.0.1:5055)"
        );
        return ExitCode::from(2);
    };
    println!("bench-import against {endpoint}");
    match bench(&endpoint).await {
        Ok(problems) if problems.is_empty() => ExitCode::SUCCESS,
        Ok(problems) => {
            problems.iter().for_each(|p| eprintln!("bench-import: {p}"));
            ExitCode::FAILURE
        }
        Err(err) => {
            eprintln!("bench-import: {err}");
            ExitCode::FAILURE
        }
    }
}
