//! `bench-reminders`: the daily reminder run, measured. Prints figures; fails only when a run
//! did not do what it was set up to do (every due record sent, nothing failed or deferred).
//!
//! 1. The daily run over 10,000 records of which 100 are due, on the DynamoDB server at
//!    `DYNAMODB_ENDPOINT_URL` (moto), with a gateway that answers at once: DynamoDB calls by
//!    operation, items read, wall time. Items read are counted from the responses (a Query's
//!    `ScannedCount`, a GetItem that found its item, ...), so they are what DynamoDB bills.
//! 2. 200 due reminders with a gateway answering in 300 ms, at the default concurrency: wall
//!    time and messages per second, on the embedded store (the gateway's pacing alone), then on
//!    moto when it finishes within [`MOTO_PACED_LIMIT`].
//!
//! The records are loaded with BatchWriteItem in the adapter's own item form: `insert_many`
//! writes transactions, which moto runs by copying the whole table for each action.
//! Wall times against moto say little about DynamoDB; the calls and items read are the point.

use std::collections::HashMap;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::BoxError;
use aws_sdk_dynamodb::types::AttributeValue;
use bengkel::app::App;
use bengkel::auth::Auth;
use bengkel::config::Config;
use bengkel::fakes::starsender::FakeStarSender;
use bengkel::manual::ManualRecord;
use bengkel::manual::store::ManualStore;
use bengkel::reminder::api::HasReminders;
use bengkel::reminder::{Run, RunReport};
use bengkel::store::dynamo::{DynamoStore, ensure_table, record_item};
use bengkel::store::embedded::EmbeddedStore;
use chrono::{DateTime, Days, FixedOffset, NaiveDate};
use infra::meter::Meter;
use uuid::Uuid;

/// Records in the table of the first figure, and how many of them are due.
const TABLE_RECORDS: usize = 10_000;
const TABLE_DUE: usize = 100;
/// Due reminders of the second figure, and the gateway's answer time there.
const PACED_DUE: usize = 200;
const PACED_LATENCY: Duration = Duration::from_millis(300);
/// The second figure's goal at the default concurrency.
const PACED_GOAL: Duration = Duration::from_secs(20);
/// How long the second figure may take on moto before it is given up.
const MOTO_PACED_LIMIT: Duration = Duration::from_secs(150);
/// A run's budget: a Lambda function's longest.
const RUN_BUDGET: Duration = Duration::from_secs(15 * 60);
const JWT_SECRET: &[u8] = b"bench-reminders-secret-of-32-bytes-or-more";

struct Bench {
    client: Client,
    meter: Meter,
    gateway: FakeStarSender,
    /// Runs that did not do what they were set up to do.
    problems: Vec<String>,
}

impl Bench {
    /// A store on a fresh table, the calls made to create it left uncounted.
    async fn fresh_store(&self, label: &str) -> Result<DynamoStore, BoxError> {
        let table = format!("bench-reminders-{label}-{}", Uuid::new_v4().simple());
        ensure_table(&self.client, &table).await?;
        self.meter.take();
        Ok(DynamoStore::new(self.client.clone(), table))
    }

    /// An app on `store` sending through the fake gateway, otherwise configured by default.
    fn app<S: bengkel::app::Store>(&self, store: Arc<S>) -> Result<App, BoxError> {
        let config = Config {
            providers: bengkel::gateway::ProviderSettings::starsender_at(
                self.gateway.url.clone(),
                Some("bench-api-key".into()),
            ),
            whatsapp_provider: bengkel::gateway::Provider::StarSender,
            // The figures measure sending itself: no gaps, no quiet hours, limits above the
            // runs' sizes (pacing has its own figures, `pacing::figures`).
            pacing: bengkel::pacing::PacingSettings {
                limits: bengkel::pacing::Limits {
                    daily: 100_000,
                    hourly: 3_600,
                    ..bengkel::pacing::Limits::default()
                },
                gap: bengkel::pacing::GapRange { min: 0, max: 0 },
                quiet: None,
            },
            ..Config::default()
        };
        let auth = Auth::new(JWT_SECRET, &config)?;
        Ok(App::new(config, auth, store)?)
    }

    /// Loads `records` and the counts item with BatchWriteItem, as the adapter lays them out.
    async fn load(&self, store: &DynamoStore, records: &[ManualRecord]) -> Result<(), BoxError> {
        let mut items = records
            .iter()
            .map(record_item)
            .collect::<Result<Vec<_>, _>>()?;
        items.push(counts_item(records));
        infra::load::put_all(&self.client, store.table(), &items).await?;
        // The counts read back as loaded: the layout above is still the adapter's.
        let total = store.counts().await?.total;
        if total != records.len() as u64 {
            return Err(format!("loaded {} records, counts say {total}", records.len()).into());
        }
        Ok(())
    }

    /// The daily run, timed.
    async fn daily_run(&self, app: &App) -> Result<(RunReport, Duration), BoxError> {
        let started = Instant::now();
        let reminders = app.reminders("bench");
        let daily = Run::daily(&reminders.settings, started + RUN_BUDGET);
        let report = reminders.run(&daily).await?;
        Ok((report, started.elapsed()))
    }

    /// Notes a run that did not send exactly its `due` records, or whose messages the gateway
    /// did not all receive.
    fn check(&mut self, what: &str, report: &RunReport, due: usize, received: usize) {
        let sent = report.reminder_sent;
        if sent != due
            || report.reminder_failed != 0
            || report.reminder_skipped != 0
            || report.deferred != 0
            || received != due
        {
            self.problems.push(format!(
                "{what}: {due} due, sent {sent}, failed {}, skipped {}, deferred {}, \
                 gateway received {received}",
                report.reminder_failed, report.reminder_skipped, report.deferred
            ));
        }
    }
}

/// The counts item as the adapter keeps it (`bengkel::store::dynamo`): `pk` "meta#counts",
/// with `total`, `active` and `reminders_sent`.
fn counts_item(records: &[ManualRecord]) -> HashMap<String, AttributeValue> {
    let number = |n: usize| AttributeValue::N(n.to_string());
    let active = records.iter().filter(|r| r.is_active()).count();
    HashMap::from([
        ("pk".to_string(), AttributeValue::S("meta#counts".into())),
        ("total".to_string(), number(records.len())),
        ("active".to_string(), number(active)),
        ("reminders_sent".to_string(), number(0)),
    ])
}

/// `total` records of which exactly `due`, spread evenly, are active with their next service
/// in the daily window `today..=today + window`; the others' next services spread over the
/// rest of the coming year, a tenth of them inactive.
fn population(
    total: usize,
    due: usize,
    today: NaiveDate,
    window: u32,
    now: DateTime<FixedOffset>,
) -> Vec<ManualRecord> {
    let stride = total / due.max(1);
    let window = u64::from(window);
    let later_days = 365 - window - 1;
    (0..total)
        .map(|n| {
            let is_due = n.is_multiple_of(stride) && n / stride < due;
            let offset = if is_due {
                (n / stride) as u64 % (window + 1)
            } else {
                window + 1 + n as u64 % later_days
            };
            let next_service = today + Days::new(offset);
            ManualRecord {
                id: Uuid::new_v4().to_string(),
                customer_name: format!("Pelanggan {n}"),
                nopol: format!("B {} {}", n % 9_000 + 1, ["RA", "RB", "RC"][n / 9_000 % 3]),
                no_hp: format!("62812{n:08}"),
                last_service: next_service.checked_sub_days(Days::new(180)),
                next_service: Some(next_service),
                is_active: u8::from(is_due || n % 10 != 5),
                reminder_sent_count: 0,
                last_reminder_sent: None,
                notes: None,
                created_at: now,
                updated_at: now,
                version: 1,
            }
        })
        .collect()
}

fn seconds(d: Duration) -> String {
    format!("{:.2} s", d.as_secs_f64())
}

fn per_second(count: usize, d: Duration) -> f64 {
    count as f64 / d.as_secs_f64().max(f64::EPSILON)
}

#[tokio::main]
async fn main() -> ExitCode {
    let Ok(endpoint) = std::env::var("DYNAMODB_ENDPOINT_URL") else {
        eprintln!(
            "bench-reminders: set DYNAMODB_ENDPOINT_URL (e.g. moto_server on http://127.0.0.1:5055)"
        );
        return ExitCode::from(2);
    };
    let gateway = match FakeStarSender::start().await {
        Ok(gateway) => gateway,
        Err(err) => {
            eprintln!("bench-reminders: fake gateway: {err}");
            return ExitCode::FAILURE;
        }
    };
    let meter = Meter::default();
    let mut bench = Bench {
        client: infra::meter::client(&endpoint, meter.clone()),
        meter,
        gateway,
        problems: Vec::new(),
    };
    println!("bench-reminders against {endpoint}");
    let result = async {
        daily_run_over_a_big_table(&mut bench).await?;
        paced_by_the_gateway(&mut bench).await
    }
    .await;
    if let Err(err) = result {
        eprintln!("bench-reminders: {err}");
        return ExitCode::FAILURE;
    }
    if bench.problems.is_empty() {
        return ExitCode::SUCCESS;
    }
    for problem in &bench.problems {
        eprintln!("bench-reminders: {problem}");
    }
    ExitCode::FAILURE
}

/// Figure 1: the daily run over 10,000 records, 100 due, on moto, the gateway answering at once.
async fn daily_run_over_a_big_table(bench: &mut Bench) -> Result<(), BoxError> {
    println!(
        "\n1. daily run over {TABLE_RECORDS} records, {TABLE_DUE} due, gateway answering at once (moto)"
    );
    let store = bench.fresh_store("daily").await?;
    let app = bench.app(Arc::new(store.clone()))?;
    let window = app.config.reminder_days_threshold;
    let today = app.time.today();
    let records = population(TABLE_RECORDS, TABLE_DUE, today, window, app.time.now());
    let started = Instant::now();
    bench.load(&store, &records).await?;
    let load = bench.meter.take();
    println!(
        "   loaded in {} with {} calls; window {today} ..= {}, active only",
        seconds(started.elapsed()),
        load.calls_line(),
        today + Days::new(window.into()),
    );

    bench.gateway.latency(Duration::ZERO);
    let before = bench.gateway.received().len();
    let (report, wall) = bench.daily_run(&app).await?;
    let run = bench.meter.take();
    let received = bench.gateway.received().len() - before;
    bench.check("daily run", &report, TABLE_DUE, received);

    let pages = run.calls_of("Query");
    let goal = 2 * TABLE_DUE as u64 + pages;
    println!(
        "   run: sent {}, failed {}, skipped {}, deferred {}; total_records {}",
        report.reminder_sent,
        report.reminder_failed,
        report.reminder_skipped,
        report.deferred,
        report.total_records
    );
    println!("   DynamoDB calls: {}", run.calls_line());
    println!(
        "   items read: {} (goal <= 2 x {TABLE_DUE} due + {pages} index page(s) = {goal}: {})",
        run.items_read,
        if run.items_read <= goal {
            "met"
        } else {
            "MISSED"
        }
    );
    println!("   wall: {} (moto)", seconds(wall));
    Ok(())
}

/// Figure 2: 200 due reminders, the gateway answering in 300 ms, at the default concurrency;
/// on the embedded store, then on moto.
async fn paced_by_the_gateway(bench: &mut Bench) -> Result<(), BoxError> {
    let concurrency = Config::default().reminder_concurrency;
    let floor = PACED_LATENCY * u32::try_from(PACED_DUE.div_ceil(concurrency))?;
    println!(
        "\n2. {PACED_DUE} due reminders, gateway answering in {} ms, concurrency {concurrency} \
         (floor {PACED_DUE} / {concurrency} x {} ms = {})",
        PACED_LATENCY.as_millis(),
        PACED_LATENCY.as_millis(),
        seconds(floor),
    );
    bench.gateway.latency(PACED_LATENCY);

    let dir = tempfile::tempdir()?;
    let store = Arc::new(EmbeddedStore::open(&dir.path().join("bench.redb"))?);
    let app = bench.app(store.clone())?;
    let records = population(
        PACED_DUE,
        PACED_DUE,
        app.time.today(),
        app.config.reminder_days_threshold,
        app.time.now(),
    );
    let refused = store
        .insert_many(&records)
        .await?
        .into_iter()
        .filter(Result::is_err)
        .count();
    if refused > 0 {
        return Err(format!("embedded store refused {refused} of {PACED_DUE} records").into());
    }
    let before = bench.gateway.received().len();
    let (report, wall) = bench.daily_run(&app).await?;
    let received = bench.gateway.received().len() - before;
    bench.check("paced run (embedded)", &report, PACED_DUE, received);
    println!(
        "   embedded store: {} sent in {} (goal < {}: {}), {:.1} messages/s",
        report.reminder_sent,
        seconds(wall),
        seconds(PACED_GOAL),
        if wall < PACED_GOAL { "met" } else { "MISSED" },
        per_second(report.reminder_sent, wall),
    );

    let store = bench.fresh_store("paced").await?;
    let app = bench.app(Arc::new(store.clone()))?;
    let records = population(
        PACED_DUE,
        PACED_DUE,
        app.time.today(),
        app.config.reminder_days_threshold,
        app.time.now(),
    );
    bench.load(&store, &records).await?;
    bench.meter.take();
    let before = bench.gateway.received().len();
    match tokio::time::timeout(MOTO_PACED_LIMIT, bench.daily_run(&app)).await {
        Ok(outcome) => {
            let (report, wall) = outcome?;
            let run = bench.meter.take();
            let received = bench.gateway.received().len() - before;
            bench.check("paced run (moto)", &report, PACED_DUE, received);
            println!(
                "   moto:           {} sent in {}, {:.1} messages/s; DynamoDB calls {}, items read {}",
                report.reminder_sent,
                seconds(wall),
                per_second(report.reminder_sent, wall),
                run.calls_line(),
                run.items_read,
            );
        }
        Err(_) => {
            let received = bench.gateway.received().len() - before;
            println!(
                "   moto:           not finished within {} ({received} messages sent by then)",
                seconds(MOTO_PACED_LIMIT)
            );
        }
    }
    Ok(())
}
