//! `bench-store`: how many DynamoDB calls each store operation makes, and how long bulk
//! writes take, against the server at `DYNAMODB_ENDPOINT_URL` (moto). Prints figures only;
//! wall times against moto say little about DynamoDB, the call counts are the point.
//!
//! usage: bench-store [PHASE...]   (default: every phase, in this order)
//!   ops          each operation once at 10 records and again at 1,000
//!   bulk         insert_many of 1,000 rows on an empty table
//!   single[=N]   N single inserts on an empty table (default 1,000); below 1,000 the figures
//!                are also scaled to 1,000, linearly, on a row marked "extrapolated"
//!   conflicts    insert_many of 1,000 rows of which 10 have a nopol already taken
//! Each phase works on fresh tables, so they can run in separate processes, against a
//! restarted moto each time (moto's memory grows with every transaction: infra/bench.sh).

use std::collections::BTreeMap;
use std::process::ExitCode;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use aws_sdk_dynamodb::Client;
use bengkel::manual::ManualRecord;
use bengkel::manual::store::{ListQuery, ManualStore};
use bengkel::store::dynamo::{DynamoStore, ensure_table};
use bengkel::store_error::StoreError;
use infra::meter::Meter;
use serde_json::json;

type Calls = BTreeMap<&'static str, u64>;

// ---- records ----------------------------------------------------------------------------
// Built from their JSON form (the API's): infra does not depend on chrono or uuid.

/// A number unique to this run, for table names and ids.
fn stamp() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos())
}

/// A date or instant from its text, typed by where it goes.
macro_rules! parse {
    ($text:expr) => {
        serde_json::from_value(json!($text))
            .map_err(|err| StoreError::Other(format!("{}: {err}", $text)))
    };
}

/// `count` records numbered from `first`: a tenth inactive, next services spread over
/// January 2026, three in four reminded.
fn batch(first: usize, count: usize) -> Result<Vec<ManualRecord>, StoreError> {
    let run = stamp();
    (first..first + count).map(|n| record(n, run)).collect()
}

fn record(n: usize, run: u128) -> Result<ManualRecord, StoreError> {
    // Created n seconds after midnight, Jakarta time (n < 86,400).
    let created = format!(
        "2026-01-03T{:02}:{:02}:{:02}+07:00",
        n / 3600,
        n / 60 % 60,
        n % 60
    );
    let value = json!({
        "id": format!("{n:06}-{run}"),
        "customer_name": format!("Pelanggan {n}"),
        "nopol": format!("B {} {}", n % 9_999 + 1, ["AA", "AB", "AC", "AD"][n / 9_999 % 4]),
        "no_hp": "6281234567890",
        "last_service": null,
        "next_service": format!("2026-01-{:02}", n % 28 + 1),
        "is_active": u8::from(!n.is_multiple_of(10)),
        "reminder_sent_count": n % 4,
        "last_reminder_sent": (!n.is_multiple_of(4)).then(|| created.clone()),
        "notes": null,
        "created_at": created,
        "updated_at": created,
    });
    let mut record: ManualRecord = serde_json::from_value(value)
        .map_err(|err| StoreError::Other(format!("record {n}: {err}")))?;
    record.version = 1;
    Ok(record)
}

/// Another record (new id) holding the same nopol as `record`.
fn renamed(record: &ManualRecord, n: usize) -> ManualRecord {
    ManualRecord {
        id: format!("old-{n}-{}", stamp()),
        customer_name: format!("Pemilik lama {n}"),
        ..record.clone()
    }
}

/// One line of the table.
struct Row {
    operation: String,
    records: usize,
    calls: Calls,
    wall: Duration,
}

/// What to run: the phases, in order.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Phase {
    Ops,
    Bulk,
    Single(usize),
    Conflicts,
}

const BULK: usize = 1_000;
const USAGE: &str = "usage: bench-store [ops] [bulk] [single[=N]] [conflicts]   (default: all)";

fn phases(args: impl Iterator<Item = String>) -> Result<Vec<Phase>, String> {
    let mut phases = Vec::new();
    for arg in args {
        phases.push(match arg.as_str() {
            "ops" => Phase::Ops,
            "bulk" => Phase::Bulk,
            "single" => Phase::Single(BULK),
            "conflicts" => Phase::Conflicts,
            _ => match arg.strip_prefix("single=").map(str::parse) {
                Some(Ok(n)) if (1..=BULK).contains(&n) => Phase::Single(n),
                _ => return Err(format!("unexpected argument {arg:?}")),
            },
        });
    }
    if phases.is_empty() {
        phases = vec![
            Phase::Ops,
            Phase::Bulk,
            Phase::Single(BULK),
            Phase::Conflicts,
        ];
    }
    Ok(phases)
}

struct Bench {
    client: Client,
    counter: Meter,
    rows: Vec<Row>,
}

impl Bench {
    /// A store on a fresh table, the calls made to create it left uncounted.
    async fn fresh_store(&self, label: &str) -> Result<DynamoStore, StoreError> {
        let table = format!("bench-{label}-{}", stamp());
        ensure_table(&self.client, &table).await?;
        self.counter.take();
        Ok(DynamoStore::new(self.client.clone(), table))
    }

    /// Runs `work`, recording its calls and wall time under `operation`.
    async fn measure<T>(
        &mut self,
        operation: &str,
        records: usize,
        work: impl Future<Output = Result<T, StoreError>>,
    ) -> Result<T, StoreError> {
        self.counter.take();
        let started = Instant::now();
        let result = work.await?;
        let wall = started.elapsed();
        let calls = self.counter.take().calls;
        self.rows.push(Row {
            operation: operation.to_string(),
            records,
            calls,
            wall,
        });
        Ok(result)
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let phases = match phases(std::env::args().skip(1)) {
        Ok(phases) => phases,
        Err(problem) => {
            eprintln!("bench-store: {problem}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let Ok(endpoint) = std::env::var("DYNAMODB_ENDPOINT_URL") else {
        eprintln!(
            "bench-store: set DYNAMODB_ENDPOINT_URL (e.g. moto_server on http://127.0.0.1:5055)"
        );
        return ExitCode::from(2);
    };
    let counter = Meter::default();
    let mut bench = Bench {
        client: infra::meter::client(&endpoint, counter.clone()),
        counter,
        rows: Vec::new(),
    };
    println!("bench-store {phases:?} against {endpoint}\n");
    if let Err(err) = run(&mut bench, &phases).await {
        eprintln!("bench-store: {err}");
        return ExitCode::FAILURE;
    }
    print_table(&bench.rows);
    ExitCode::SUCCESS
}

async fn run(bench: &mut Bench, phases: &[Phase]) -> Result<(), StoreError> {
    for phase in phases {
        match *phase {
            Phase::Ops => single_operations(bench).await?,
            Phase::Bulk => bulk(bench).await?,
            Phase::Single(n) => single_inserts(bench, n).await?,
            Phase::Conflicts => conflicts(bench).await?,
        }
    }
    Ok(())
}

/// Each operation once, at 10 records and again at 1,000, to show which grow with the table.
async fn single_operations(bench: &mut Bench) -> Result<(), StoreError> {
    let store = bench.fresh_store("ops").await?;
    let records = batch(0, 10)?;
    store.insert_many(&records[..9]).await?;
    bench
        .measure("insert", 10, store.insert(&records[9]))
        .await?;
    reads(bench, &store, &records[9], 10).await?;
    writes(bench, &store, &records[9], 10).await?;
    store.insert_many(&batch(10, 990)?).await?;
    reads(bench, &store, &records[0], 1_000).await
}

async fn reads(
    bench: &mut Bench,
    store: &DynamoStore,
    probe: &ManualRecord,
    size: usize,
) -> Result<(), StoreError> {
    let (from, to) = (parse!("2026-01-03")?, parse!("2026-01-09")?);
    let since = parse!("2026-01-03T00:00:00+07:00")?;
    bench.measure("get", size, store.get(&probe.id)).await?;
    bench
        .measure(
            "find_by_nopol",
            size,
            store.find_by_nopol(&probe.nopol_key()),
        )
        .await?;
    bench.measure("counts", size, store.counts()).await?;
    let upcoming = bench
        .measure(
            "count_upcoming (7 days)",
            size,
            store.count_upcoming(from, to),
        )
        .await?;
    let reminded = bench
        .measure(
            "count_reminded_since",
            size,
            store.count_reminded_since(since),
        )
        .await?;
    bench
        .measure("most_reminded(10)", size, store.most_reminded(10))
        .await?;
    let page = ListQuery {
        active_only: false,
        limit: 50,
        after: None,
    };
    bench.measure("list (50)", size, store.list(&page)).await?;
    let active = ListQuery {
        active_only: true,
        ..page
    };
    bench
        .measure("list (50, active only)", size, store.list(&active))
        .await?;
    println!("at {size} records: {upcoming} upcoming, {reminded} reminded since {since}");
    Ok(())
}

async fn writes(
    bench: &mut Bench,
    store: &DynamoStore,
    current: &ManualRecord,
    size: usize,
) -> Result<(), StoreError> {
    let mut next = current.clone();
    next.version += 1;
    next.is_active = 0;
    bench
        .measure(
            "replace (counts change)",
            size,
            store.replace(current, &next),
        )
        .await?;
    let mut moved = next.clone();
    moved.version += 1;
    moved.nopol = "Z 9999 ZZ".into();
    bench
        .measure("replace (nopol moves)", size, store.replace(&next, &moved))
        .await?;
    bench.measure("delete", size, store.delete(&moved)).await?;
    store.insert(current).await
}

/// 1,000 rows through insert_many on a fresh table.
async fn bulk(bench: &mut Bench) -> Result<(), StoreError> {
    let records = batch(0, BULK)?;
    let store = bench.fresh_store("many").await?;
    let outcomes = bench
        .measure("insert_many (1,000 rows)", 0, store.insert_many(&records))
        .await?;
    report_failures("insert_many", &outcomes);
    Ok(())
}

/// `count` single inserts on a fresh table; below 1,000, a row scaled to 1,000 as well.
async fn single_inserts(bench: &mut Bench, count: usize) -> Result<(), StoreError> {
    let records = batch(0, count)?;
    let store = bench.fresh_store("single").await?;
    bench
        .measure(
            &format!("{} x insert", thousands(count)),
            0,
            insert_each(&store, &records),
        )
        .await?;
    if count < BULK
        && let Some(measured) = bench.rows.last()
    {
        let factor = BULK as f64 / count as f64;
        let calls = measured
            .calls
            .iter()
            .map(|(name, n)| (*name, (*n as f64 * factor).round() as u64))
            .collect();
        let row = Row {
            operation: format!("1,000 x insert (extrapolated x{factor:.0})"),
            records: 0,
            calls,
            wall: measured.wall.mul_f64(factor),
        };
        bench.rows.push(row);
        println!(
            "single inserts: {count} measured; the 1,000 row scales them linearly (on moto each \
             insert costs more as the table grows, so the wall time is a lower bound)"
        );
    }
    Ok(())
}

/// insert_many with 10 rows whose nopol is taken, to show the cost of the retries.
async fn conflicts(bench: &mut Bench) -> Result<(), StoreError> {
    let records = batch(0, BULK)?;
    let store = bench.fresh_store("conflicts").await?;
    let taken: Vec<ManualRecord> = (0..10)
        .map(|i| renamed(&records[i * 97], 5_000 + i))
        .collect();
    store.insert_many(&taken).await?;
    let outcomes = bench
        .measure(
            "insert_many (1,000, 10 taken)",
            10,
            store.insert_many(&records),
        )
        .await?;
    report_failures("insert_many with taken nopols", &outcomes);
    Ok(())
}

/// 1000 as "1,000".
fn thousands(n: usize) -> String {
    if n >= 1_000 {
        format!("{},{:03}", n / 1_000, n % 1_000)
    } else {
        n.to_string()
    }
}

async fn insert_each(store: &DynamoStore, records: &[ManualRecord]) -> Result<(), StoreError> {
    for record in records {
        store.insert(record).await?;
    }
    Ok(())
}

fn report_failures(what: &str, outcomes: &[Result<(), StoreError>]) {
    let failed = outcomes.iter().filter(|o| o.is_err()).count();
    println!("{what}: {} rows, {failed} refused", outcomes.len());
}

fn print_table(rows: &[Row]) {
    println!(
        "\n{:<32} {:>8} {:>6}  {:<44} {:>10}",
        "operation", "records", "calls", "by operation", "wall"
    );
    println!("{}", "-".repeat(106));
    for row in rows {
        let total: u64 = row.calls.values().sum();
        let by: Vec<String> = row
            .calls
            .iter()
            .map(|(name, n)| format!("{name} {n}"))
            .collect();
        let wall = format!("{:.1} ms", row.wall.as_secs_f64() * 1000.0);
        println!(
            "{:<32} {:>8} {:>6}  {:<44} {:>10}",
            row.operation,
            row.records,
            total,
            by.join(", "),
            wall
        );
    }
}
