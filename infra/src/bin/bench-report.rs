//! `bench-report`: the WhatsApp report over 10,000 rows on the DynamoDB server at
//! `DYNAMODB_ENDPOINT_URL` (moto). Prints, for `statistics`, `detail`, a reset of every row and
//! its restore: DynamoDB calls by operation, items read and wall time. Fails only when a step did
//! not do what it was set up to do (every row counted, reset and restored exactly).
//!
//! The rows are loaded with BatchWriteItem in the adapter's own item form.
//! Wall times against moto say little about DynamoDB; the calls and items read are the point.

use std::collections::HashMap;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::error::BoxError;
use bengkel::App;
use bengkel::auth::Auth;
use bengkel::config::Config;
use bengkel::report::{ReportRow, Scope, report_id, service};
use bengkel::store::ReportStore;
use bengkel::store::dynamo::{DynamoStore, ensure_table, report_item};
use chrono::{DateTime, Duration as Span, FixedOffset};
use infra::meter::{Meter, Tally};
use uuid::Uuid;

/// Report rows in the table.
const ROWS: usize = 10_000;
const JWT_SECRET: &[u8] = b"bench-report-secret-of-32-bytes-or-more!";

/// Row `i`: its own customer and vehicle, 1 to 10 messages, the last some hours before `now`.
fn row(i: usize, now: DateTime<FixedOffset>) -> ReportRow {
    let (customer, vehicle) = (Uuid::new_v4().to_string(), Uuid::new_v4().to_string());
    let last = now - Span::hours(i as i64 % 500);
    ReportRow {
        id: report_id(&customer, &vehicle),
        id_customer: customer,
        id_vehicle: vehicle,
        last_message_date: Some(last),
        frequency: (i % 10 + 1) as u64,
        created_at: last - Span::days(120),
        updated_at: last,
        customer_name: format!("Pelanggan {i}"),
        customer_phone: format!("62812{i:08}"),
        vehicle_model: "Avanza".into(),
        vehicle_nopol: format!("B {} XYZ", i % 10_000),
        resets: Default::default(),
    }
}

/// Every row, ordered by id, to compare two readings.
async fn rows_by_id(store: &DynamoStore) -> Result<Vec<ReportRow>, BoxError> {
    let mut rows = store.report_rows(&Scope::default()).await?;
    rows.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(rows)
}

fn print(step: &str, tally: &Tally, took: Duration) {
    println!(
        "{step}: {} DynamoDB calls [{}], {} items read, {:.2} s",
        tally.total_calls(),
        tally.calls_line(),
        tally.items_read,
        took.as_secs_f64()
    );
}

/// Runs `step`, printing what it cost.
async fn measured<T, F: Future<Output = Result<T, BoxError>>>(
    meter: &Meter,
    name: &str,
    step: F,
) -> Result<T, BoxError> {
    meter.take();
    let started = Instant::now();
    let out = step.await?;
    print(name, &meter.take(), started.elapsed());
    Ok(out)
}

async fn bench(endpoint: &str) -> Result<Vec<String>, BoxError> {
    let meter = Meter::default();
    let client = infra::meter::client(endpoint, meter.clone());
    let table = format!("bench-report-{}", Uuid::new_v4().simple());
    ensure_table(&client, &table).await?;
    let store = Arc::new(DynamoStore::new(client.clone(), table.clone()));
    let config = Config::default();
    let auth = Auth::new(JWT_SECRET, &config)?;
    let app = App::new(config, auth, store.clone())?;

    let now = app.now();
    let rows: Vec<ReportRow> = (0..ROWS).map(|i| row(i, now)).collect();
    let items: Vec<_> = rows.iter().map(report_item).collect();
    let started = Instant::now();
    infra::load::put_all(&client, &table, &items).await?;
    println!(
        "loaded {ROWS} report rows in {:.1} s (BatchWriteItem)",
        started.elapsed().as_secs_f64()
    );
    let before = rows_by_id(&store).await?;
    let messages: u64 = rows.iter().map(|r| r.frequency).sum();

    let mut problems = Vec::new();
    let stats = measured(&meter, "statistics", async {
        Ok(service::statistics(&app).await?)
    })
    .await?;
    if stats.total_customers_with_vehicles != ROWS || stats.total_messages_sent != messages {
        problems.push(format!("statistics counted {stats:?}"));
    }
    let detail = measured(&meter, "detail", async { Ok(service::detail(&app).await?) }).await?;
    let shown = detail.as_array().map_or(0, Vec::len);
    println!(
        "detail: {shown} rows, {} bytes of JSON",
        detail.to_string().len()
    );
    if shown != ROWS {
        problems.push(format!("detail showed {shown} rows"));
    }
    let none = HashMap::new();
    let reset = measured(&meter, "reset-frequency (all rows)", async {
        Ok(service::reset(&app, &none).await?)
    })
    .await?;
    if reset.reset_count != ROWS {
        problems.push(format!("reset {} rows", reset.reset_count));
    }
    let snapshot = reset.snapshot_id.ok_or("the reset kept no snapshot")?;
    measured(&meter, "restore", async {
        Ok(service::restore(&app, &snapshot).await?)
    })
    .await?;
    if rows_by_id(&store).await? != before {
        problems.push("the restored rows differ from the rows before the reset".into());
    }
    Ok(problems)
}

#[tokio::main]
async fn main() -> ExitCode {
    let Ok(endpoint) = std::env::var("DYNAMODB_ENDPOINT_URL") else {
        eprintln!(
            "bench-report: set DYNAMODB_ENDPOINT_URL (e.g. moto_server on http://127.0.0.1:5055)"
        );
        return ExitCode::from(2);
    };
    println!("bench-report against {endpoint}: {ROWS} report rows");
    match bench(&endpoint).await {
        Ok(problems) if problems.is_empty() => ExitCode::SUCCESS,
        Ok(problems) => {
            problems.iter().for_each(|p| eprintln!("bench-report: {p}"));
            ExitCode::FAILURE
        }
        Err(err) => {
            eprintln!("bench-report: {err}");
            ExitCode::FAILURE
        }
    }
}
