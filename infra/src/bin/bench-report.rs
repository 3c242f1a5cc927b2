//! `bench-report`: the WhatsApp report on the DynamoDB server at `DYNAMODB_ENDPOINT_URL` (moto),
//! over 10,000 rows (`--rows N` for another size; `--no-reset` leaves out the reset and the
//! restore, whose transactions moto slows down as its table grows; `--statistics-only` also
//! the detail, which takes very long on moto at 100,000 rows: it filters the whole table in
//! Python for every page). Prints, for the totals' recount (the
//! repair), `statistics`, `detail` whole and in pages of 1,000, a reset of every row and its
//! restore: DynamoDB calls by operation, items read, answer sizes and wall time. Fails only when
//! a step did not do what it was set up to do (every row counted, paged once, reset and
//! restored exactly, the totals equal to a recount).
//!
//! The rows are loaded with BatchWriteItem in the adapter's own item form, which keeps no
//! totals: the recount makes them, as `repair-report-stats` does for an older table. With
//! `--statistics-only` the totals item is loaded beside the rows instead, as the writes would
//! have left it (moto's consistent scan of 100,000 items takes hours).
//! Wall times against moto say little about DynamoDB; the calls and items read are the point.

use std::collections::HashSet;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::error::BoxError;
use bengkel::app::App;
use bengkel::auth::Auth;
use bengkel::config::Config;
use bengkel::report::Totals;
use bengkel::report::api::HasReport;
use bengkel::report::query::{PageRequest, ReportQuery};
use bengkel::report::service::Statistics;
use bengkel::report::store::ReportStore;
use bengkel::report::{ReportRow, Scope, report_id};
use bengkel::store::dynamo::{DynamoStore, ensure_table, report_item, totals_item};
use chrono::{DateTime, Duration as Span, FixedOffset};
use infra::meter::{Meter, Tally};
use uuid::Uuid;

/// Report rows in the table, unless `--rows` says otherwise.
const ROWS: usize = 10_000;
/// Rows per page of the paged detail.
const PAGE: usize = 1_000;
const JWT_SECRET: &[u8] = b"bench-report-secret-of-32-bytes-or-more!";

/// Row `i`: its own customer and vehicle, 1 to 10 messages, the last some hours before `now`.
fn row(i: usize, now: DateTime<FixedOffset>) -> ReportRow {
    let (customer, vehicle) = (Uuid::new_v4().to_string(), Uuid::new_v4().to_string());
    let last = now - Span::hours(i as i64 % 500);
    ReportRow {
        last_message_id: None,
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

async fn bench(
    endpoint: &str,
    count: usize,
    everything: bool,
    with_reset: bool,
) -> Result<Vec<String>, BoxError> {
    let meter = Meter::default();
    let client = infra::meter::client(endpoint, meter.clone());
    let table = format!("bench-report-{}", Uuid::new_v4().simple());
    ensure_table(&client, &table).await?;
    let store = Arc::new(DynamoStore::new(client.clone(), table.clone()));
    let config = Config::default();
    let auth = Auth::new(JWT_SECRET, &config)?;
    let app = App::new(config, auth, store.clone())?;

    let now = app.time.now();
    let rows: Vec<ReportRow> = (0..count).map(|i| row(i, now)).collect();
    let mut items = rows
        .iter()
        .map(report_item)
        .collect::<Result<Vec<_>, _>>()?;
    if !everything {
        items.push(totals_item(&Totals::of(&rows)));
    }
    let started = Instant::now();
    infra::load::put_all(&client, &table, &items).await?;
    println!(
        "loaded {count} report rows in {:.1} s (BatchWriteItem)",
        started.elapsed().as_secs_f64()
    );
    let mut problems = Vec::new();
    let expected = Statistics::of(&rows);
    if everything {
        let recounted = measured(&meter, "repair (recount of the totals)", async {
            Ok(store.recount_report_totals().await?)
        })
        .await?;
        if recounted.pairs != count as u64 {
            problems.push(format!("the recount found {} rows", recounted.pairs));
        }
    }
    let stats = measured(&meter, "statistics", async {
        Ok(app.report().statistics().await?)
    })
    .await?;
    if stats != expected {
        problems.push(format!("statistics counted {stats:?}"));
    }
    println!(
        "statistics: {} pairs, {} messages",
        stats.total_customers_with_vehicles, stats.total_messages_sent
    );
    if !everything {
        return Ok(problems);
    }
    let whole = measured(&meter, "detail (whole)", async {
        Ok(app.report().entries(&ReportQuery::default()).await?)
    })
    .await?;
    let details: Vec<_> = whole.entries.iter().map(|e| e.detail()).collect();
    println!(
        "detail (whole): {} rows, {} bytes in Lambda's answer (over {} bytes answers 413)",
        details.len(),
        bengkel::answer::json_bytes(&details),
        bengkel::answer::MAX_ANSWER_BYTES
    );
    if details.len() != count {
        problems.push(format!("detail showed {} rows", details.len()));
    }
    problems.extend(paged_detail(&app, &meter, count).await?);
    if with_reset {
        problems.extend(reset_and_restore(&app, &store, &meter, count).await?);
    }
    Ok(problems)
}

/// The detail in pages of [`PAGE`], each page's cost and size.
async fn paged_detail(app: &App, meter: &Meter, count: usize) -> Result<Vec<String>, BoxError> {
    let mut seen = HashSet::new();
    let mut after = None;
    let mut page = 0;
    loop {
        page += 1;
        let query = ReportQuery {
            page: Some(PageRequest {
                limit: PAGE,
                after: after.take(),
            }),
            ..ReportQuery::default()
        };
        meter.take();
        let started = Instant::now();
        let listing = app.report().entries(&query).await?;
        let took = started.elapsed();
        let tally = meter.take();
        let details: Vec<_> = listing.entries.iter().map(|e| e.detail()).collect();
        println!(
            "detail?limit={PAGE} page {page}: {} rows, {} bytes; {} DynamoDB calls [{}], {} items read, {:.2} s",
            details.len(),
            serde_json::to_vec(&details)?.len(),
            tally.total_calls(),
            tally.calls_line(),
            tally.items_read,
            took.as_secs_f64()
        );
        seen.extend(details.iter().map(|d| d.id.to_string()));
        match listing.next_cursor {
            // The service takes the key the cursor encodes.
            Some(cursor) => {
                after = Some(bengkel::query::decode_cursor(&cursor).ok_or("unreadable cursor")?)
            }
            None => break,
        }
    }
    Ok(if seen.len() == count {
        Vec::new()
    } else {
        vec![format!("the pages held {} distinct rows", seen.len())]
    })
}

async fn reset_and_restore(
    app: &App,
    store: &DynamoStore,
    meter: &Meter,
    count: usize,
) -> Result<Vec<String>, BoxError> {
    let mut problems = Vec::new();
    let before = rows_by_id(store).await?;
    let reset = measured(meter, "reset-frequency (all rows)", async {
        Ok(app.report().reset(Scope::default()).await?)
    })
    .await?;
    if reset.reset_count != count {
        problems.push(format!("reset {} rows", reset.reset_count));
    }
    let snapshot = reset.snapshot_id.ok_or("the reset kept no snapshot")?;
    measured(meter, "restore", async {
        Ok(app.report().restore(&snapshot).await?)
    })
    .await?;
    let after = rows_by_id(store).await?;
    if after != before {
        problems.push("the restored rows differ from the rows before the reset".into());
    }
    if app.report().statistics().await? != Statistics::of(&after) {
        problems.push("the totals differ from a recount after the reset and restore".into());
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
    let args: Vec<String> = std::env::args().skip(1).collect();
    let count = match args.iter().position(|a| a == "--rows") {
        None => ROWS,
        Some(at) => match args.get(at + 1).and_then(|n| n.parse().ok()) {
            Some(n) => n,
            None => {
                eprintln!("bench-report: --rows takes a number");
                return ExitCode::from(2);
            }
        },
    };
    let everything = !args.iter().any(|a| a == "--statistics-only");
    let with_reset = everything && !args.iter().any(|a| a == "--no-reset");
    println!("bench-report against {endpoint}: {count} report rows");
    match bench(&endpoint, count, everything, with_reset).await {
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
